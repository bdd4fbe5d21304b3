// The compile-time budget's baseline (spec/orm.md D3): the same includes and models as
// builder20.cpp, and the same twenty statements written by hand with cx.query<T>(sql, args...).
#include "models.hpp"

namespace ct {

void queries(pgpx::connection& cx, pgpx::transaction& tx, std::int64_t aid, std::int64_t root, const book* last,
             const std::string& term, pgpx::timestamptz cutoff, const author& a) {
  (void)cx.query<ranked>(
      R"(select "author_id", "title", "price_cents", "rn" from (select "author_id", "title", "price_cents", row_number() over (partition by "author_id" order by "price_cents" desc) as "rn" from "books" where "deleted_at" is null) as "r" where "rn" <= $1 order by "author_id", "rn")",
      3);
  (void)cx.query<node>(
      R"(with recursive "tree" ("id", "parent_id", "name", "depth") as (select "id", "parent_id", "name", $1 as "depth" from "categories" where "id" = $2 union all select "categories"."id", "categories"."parent_id", "categories"."name", "tree"."depth" + $3 as "depth" from "categories" join "tree" on "tree"."id" = "categories"."parent_id") select "id", "parent_id", "name", "depth" from "tree" order by "depth", "name")",
      0, root, 1);
  (void)cx.query<author>(
      R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3) on conflict ("email") do update set "name" = "excluded"."name", "bio" = coalesce("excluded"."bio", "authors"."bio") returning "id", "name", "email", "bio", "created_at")",
      static_cast<const std::string&>(a.name), static_cast<const std::string&>(a.email), a.bio);
  if (last != nullptr) {
    (void)cx.query<book>(
        R"(select "id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at" from "books" where "author_id" = $1 and ("price_cents", "id") > ($2, $3) and "deleted_at" is null order by "price_cents", "id" limit $4)",
        aid, static_cast<std::int32_t>(last->price_cents), static_cast<std::int64_t>(last->id), std::int64_t{20});
  }
  (void)cx.query<book>(
      R"(select "id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at" from "books" where "meta" @> $1 and "meta" ? $2 and "deleted_at" is null)",
      nlohmann::json{{"format", "epub"}}, std::string("isbn"));
  (void)cx.query<hit>(
      R"(select "id", "title", ts_rank(to_tsvector('english'::regconfig, "title"), websearch_to_tsquery('english'::regconfig, $1)) as "rank" from "books" where to_tsvector('english'::regconfig, "title") @@ websearch_to_tsquery('english'::regconfig, $1) and "deleted_at" is null order by "rank" desc limit $2)",
      term, std::int64_t{10});
  const auto books = cx.query<book>(
      R"(select "id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at" from "books" where "author_id" = $1 and "deleted_at" is null)",
      aid);
  std::vector<std::int64_t> ids;
  for (const book& b : books) ids.push_back(b.id);
  (void)cx.query<std::tuple<std::int64_t, std::string, std::int64_t>>(
      R"(select "tags"."id", "tags"."name", "book_tags"."book_id" as "pgpx_parent" from "tags" join "book_tags" on "book_tags"."tag_id" = "tags"."id" where "book_tags"."book_id" = any($1) order by "tags"."id")",
      ids);
  (void)tx.execute(
      R"(with "moved" as (delete from "jobs" where "done_at" < $1 returning "id", "queue", "payload", "done_at") insert into "jobs_archive" ("id", "queue", "payload", "done_at") select "id", "queue", "payload", "done_at" from "moved")",
      cutoff);
  (void)tx.query_optional<job>(
      R"(update "jobs" set "done_at" = now() where "id" = (select "id" from "jobs" where "queue" = $1 and "done_at" is null order by "run_at" limit $2 for update skip locked) returning "id", "queue", "payload", "run_at", "done_at")",
      std::string("mail"), std::int64_t{1});
  (void)cx.query<latest>(
      R"(select "a"."id", "a"."name", "b"."title" from "authors" as "a" cross join lateral (select "title" from "books" where "author_id" = "a"."id" and "deleted_at" is null order by "id" desc limit $1) as "b" order by "a"."id")",
      std::int64_t{3});
  (void)cx.query<line>(
      R"(select "region", "product", sum("amount") as "total", grouping("region", "product") as "level" from "sales" where "year" = $1 group by grouping sets (("region", "product"), ("region"), ()) order by "region" nulls last, "product" nulls last)",
      2024);
  (void)cx.query_value<std::int64_t>(R"(select count(*) from "books" where "author_id" = $1 and "deleted_at" is null)",
                                     aid);
  (void)cx.query_value<std::int64_t>(R"(select count(*) from "books" where "author_id" = $1)", aid);
}

void crud(pgpx::connection& cx, author& a, book& b) {
  (void)cx.query<std::tuple<std::int64_t, pgpx::timestamptz>>(
      R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3) returning "id", "created_at")",
      static_cast<const std::string&>(a.name), static_cast<const std::string&>(a.email), a.bio);
  (void)cx.query_optional<book>(
      R"(select "id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at" from "books" where "id" = $1 and "deleted_at" is null)",
      static_cast<std::int64_t>(b.id));
  (void)cx.execute(
      R"(update "books" set "author_id" = $1, "title" = $2, "price_cents" = $3, "tags" = $4, "meta" = $5 where "id" = $6 and "deleted_at" is null)",
      static_cast<std::int64_t>(b.author_id), b.title, static_cast<std::int32_t>(b.price_cents), b.tags, b.meta,
      static_cast<std::int64_t>(b.id));
  (void)cx.execute(R"(update "books" set "deleted_at" = now() where "id" = $1 and "deleted_at" is null)",
                   static_cast<std::int64_t>(b.id));
  (void)cx.query<std::tuple<std::int64_t, pgpx::timestamptz, bool>>(
      R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3) on conflict ("email") do update set "name" = excluded."name", "bio" = excluded."bio" returning "id", "created_at", (xmax = 0))",
      static_cast<const std::string&>(a.name), static_cast<const std::string&>(a.email), a.bio);
  (void)cx.query_value<bool>(R"(select exists (select 1 from "books" where "title" = $1 and "deleted_at" is null))",
                             std::string("SQL"));
  (void)cx.query<author>(R"(select "id", "name", "email", "bio", "created_at" from "authors")");
  (void)cx.query<book>(
      R"(select "id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at" from "books" where "deleted_at" is null)");
}

}  // namespace ct
