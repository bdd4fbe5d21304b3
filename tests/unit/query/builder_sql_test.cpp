// The query builder's SQL, without a server: the acceptance queries of spec/orm.md §4 as
// golden strings, then one test per rendering rule (qualification, parameter numbering,
// precedence, soft delete, keyset pages) and the refusals made while building.
#include "support/orm_models.hpp"
#include "support/query_models.hpp"

#include <pgpx/error.hpp>
#include <pgpx/orm/eager.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace builder_sql {
struct card {
  std::int64_t id;
  std::string title;
  std::int32_t n_tags;
};
struct misspelt {
  std::int64_t id;
  std::string titel;
};
}  // namespace builder_sql

namespace {

using namespace orm_models;
using namespace query_models;
using namespace builder_sql;

constexpr const char* book_columns = R"("id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at")";

auto sql_of(const auto& q) -> std::string { return q.to_sql().sql; }

TEST(builder_sql, a1_top_n_per_group_with_a_window_in_a_derived_table) {
  auto r = pgpx::derived(
      "r", pgpx::select<ranked>(pgpx::as<&ranked::rn>(pgpx::row_number().over(
                                    pgpx::partition_by(&book::author_id).order_by(pgpx::desc(&book::price_cents)))))
               .from<book>());
  auto top = pgpx::select<ranked>().from(r).where(r(&ranked::rn) <= 3).order_by(r(&ranked::author_id), r(&ranked::rn));
  const auto s = top.to_sql();
  EXPECT_EQ(s.sql,
            R"(select "author_id", "title", "price_cents", "rn" from (select "author_id", "title", "price_cents",)"
            R"( row_number() over (partition by "author_id" order by "price_cents" desc) as "rn" from "books")"
            R"( where "deleted_at" is null) as "r" where "rn" <= $1 order by "author_id", "rn")");
  EXPECT_EQ(s.params, (std::vector<std::string>{"3"}));
}

TEST(builder_sql, a2_recursive_cte_over_the_category_tree) {
  const std::int64_t root = 1;
  auto tree = pgpx::cte<node>("tree");
  tree.recursive(
      pgpx::select<node>(pgpx::as<&node::depth>(pgpx::val(0))).from<category>().where(pgpx::col(&category::id) == root),
      pgpx::select<node>(pgpx::as<&node::depth>(tree(&node::depth) + 1))
          .from<category>()
          .join(tree, tree(&node::id) == pgpx::col(&category::parent_id)));
  auto rows = pgpx::with(tree).select<node>().from(tree).order_by(tree(&node::depth), tree(&node::name));
  const auto s = rows.to_sql();
  EXPECT_EQ(s.sql,
            R"(with recursive "tree" ("id", "parent_id", "name", "depth") as (select "id", "parent_id", "name", $1)"
            R"( as "depth" from "categories" where "id" = $2 union all select "categories"."id",)"
            R"( "categories"."parent_id", "categories"."name", "tree"."depth" + $3 as "depth" from "categories")"
            R"( join "tree" on "tree"."id" = "categories"."parent_id") select "id", "parent_id", "name", "depth")"
            R"( from "tree" order by "depth", "name")");
  EXPECT_EQ(s.params, (std::vector<std::string>{"0", "1", "1"}));
}

TEST(builder_sql, a3_upsert_with_excluded) {
  author a;
  a.name = "Ada";
  a.email = "ada@example.org";
  auto q =
      pgpx::insert_into<author>()
          .values(a)
          .on_conflict(&author::email)
          .do_update(pgpx::set(&author::name, pgpx::excluded(&author::name)),
                     pgpx::set(&author::bio, pgpx::coalesce(pgpx::excluded(&author::bio), pgpx::col(&author::bio))))
          .returning<author>();
  static_assert(std::is_same_v<decltype(q)::row_type, author>);
  const auto s = q.to_sql();
  EXPECT_EQ(s.sql, R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3) on conflict ("email") do)"
                   R"( update set "name" = "excluded"."name", "bio" = coalesce("excluded"."bio", "authors"."bio"))"
                   R"( returning "id", "name", "email", "bio", "created_at")");
  EXPECT_EQ(s.params, (std::vector<std::string>{"Ada", "ada@example.org", "NULL"}));
}

TEST(builder_sql, a4_keyset_pagination) {
  const std::int64_t aid = 7;
  book last;
  last.price_cents = 500;
  last.id = 42;
  auto first_page = pgpx::select<book>()
                        .where(pgpx::col(&book::author_id) == aid)
                        .order_by(&book::price_cents, &book::id)
                        .after(nullptr)
                        .limit(20);
  EXPECT_EQ(sql_of(first_page), std::string("select ") + book_columns +
                                    R"( from "books" where "author_id" = $1 and "deleted_at" is null)"
                                    R"( order by "price_cents", "id" limit $2)");
  auto page = pgpx::select<book>()
                  .where(pgpx::col(&book::author_id) == aid)
                  .order_by(&book::price_cents, &book::id)
                  .after(&last)
                  .limit(20);
  const auto s = page.to_sql();
  EXPECT_EQ(s.sql, std::string("select ") + book_columns +
                       R"( from "books" where "author_id" = $1 and ("price_cents", "id") > ($2, $3) and)"
                       R"( "deleted_at" is null order by "price_cents", "id" limit $4)");
  EXPECT_EQ(s.params, (std::vector<std::string>{"7", "500", "42", "20"}));
}

TEST(builder_sql, keyset_with_mixed_directions_is_an_or_chain_reusing_each_value) {
  book last;
  last.price_cents = 500;
  last.id = 42;
  auto page = pgpx::select<book>().order_by(pgpx::desc(&book::price_cents), &book::id).after(&last);
  const auto s = page.to_sql();
  EXPECT_EQ(s.sql, std::string("select ") + book_columns +
                       R"( from "books" where ("price_cents" < $1 or "price_cents" = $1 and "id" > $2) and)"
                       R"( "deleted_at" is null order by "price_cents" desc, "id")");
  EXPECT_EQ(s.params.size(), 2U);
}

TEST(builder_sql, a5_jsonb_containment_and_key_test) {
  auto q = pgpx::select<book>().where(pgpx::col(&book::meta).contains(nlohmann::json{{"format", "epub"}}) &&
                                      pgpx::col(&book::meta).has_key("isbn"));
  const auto s = q.to_sql();
  EXPECT_EQ(s.sql, std::string("select ") + book_columns +
                       R"( from "books" where "meta" @> $1 and "meta" ? $2 and "deleted_at" is null)");
  EXPECT_EQ(s.params, (std::vector<std::string>{R"({"format":"epub"})", "isbn"}));
}

TEST(builder_sql, a6_full_text_search_with_ranking_binds_the_term_once) {
  const std::string term = "postgres tuning";
  auto doc = pgpx::fts::to_tsvector<"english">(pgpx::col(&book::title));
  auto q = pgpx::fts::websearch_to_tsquery<"english">(term);
  auto rank = pgpx::as<&hit::rank>(pgpx::fts::ts_rank(doc, q));
  auto hits = pgpx::select<hit>(rank).from<book>().where(doc.matches(q)).order_by(pgpx::desc(rank)).limit(10);
  const auto s = hits.to_sql();
  EXPECT_EQ(s.sql, R"(select "id", "title", ts_rank(to_tsvector('english'::regconfig, "title"),)"
                   R"( websearch_to_tsquery('english'::regconfig, $1)) as "rank" from "books" where)"
                   R"( to_tsvector('english'::regconfig, "title") @@ websearch_to_tsquery('english'::regconfig, $1))"
                   R"( and "deleted_at" is null order by "rank" desc limit $2)");
  EXPECT_EQ(s.params, (std::vector<std::string>{term, "10"}));
}

TEST(builder_sql, a8_data_modifying_cte_moves_rows_to_the_archive) {
  const pgpx::timestamptz cutoff{std::chrono::microseconds(0)};
  auto moved =
      pgpx::cte("moved", pgpx::delete_from<job>().where(pgpx::col(&job::done_at) < cutoff).returning<job_archive>());
  auto q = pgpx::with(moved).insert_into<job_archive>(pgpx::select<job_archive>().from(moved));
  EXPECT_EQ(sql_of(q), R"(with "moved" as (delete from "jobs" where "done_at" < $1 returning "id", "queue", "payload",)"
                       R"( "done_at") insert into "jobs_archive" ("id", "queue", "payload", "done_at") select "id",)"
                       R"( "queue", "payload", "done_at" from "moved")");
}

TEST(builder_sql, a9_job_queue_pop_with_for_update_skip_locked) {
  auto next = pgpx::select(pgpx::col(&job::id))
                  .from<job>()
                  .where(pgpx::col(&job::queue) == "mail" && pgpx::col(&job::done_at).is_null())
                  .order_by(&job::run_at)
                  .limit(1)
                  .for_update()
                  .skip_locked();
  static_assert(std::is_same_v<decltype(next)::row_type, std::int64_t>);
  auto j = pgpx::update<job>()
               .set(&job::done_at, pgpx::sql::now())
               .where(pgpx::col(&job::id) == pgpx::scalar(next))
               .returning<job>();
  const auto s = j.to_sql();
  EXPECT_EQ(s.sql, R"(update "jobs" set "done_at" = now() where "id" = (select "id" from "jobs" where "queue" = $1)"
                   R"( and "done_at" is null order by "run_at" limit $2 for update skip locked) returning "id",)"
                   R"( "queue", "payload", "run_at", "done_at")");
  EXPECT_EQ(s.params, (std::vector<std::string>{"mail", "1"}));
}

TEST(builder_sql, a10_lateral_join_qualifies_the_outer_column_inside) {
  auto a = pgpx::alias<author>("a");
  auto b = pgpx::lateral("b", pgpx::select<title_only>()
                                  .from<book>()
                                  .where(pgpx::col(&book::author_id) == a(&author::id))
                                  .order_by(pgpx::desc(&book::id))
                                  .limit(3));
  auto rows = pgpx::select<latest>(pgpx::as<&latest::title>(b(&title_only::title)))
                  .from(a)
                  .cross_join(b)
                  .order_by(a(&author::id));
  EXPECT_EQ(sql_of(rows), R"(select "a"."id", "a"."name", "b"."title" from "authors" as "a" cross join lateral)"
                          R"( (select "title" from "books" where "author_id" = "a"."id" and "deleted_at" is null)"
                          R"( order by "id" desc limit $1) as "b" order by "a"."id")");
}

TEST(builder_sql, a11_grouping_sets_report) {
  auto rep = pgpx::select<line>(pgpx::as<&line::total>(pgpx::sum(pgpx::col(&sale::amount))),
                                pgpx::as<&line::level>(pgpx::grouping(&sale::region, &sale::product)))
                 .from<sale>()
                 .where(pgpx::col(&sale::year) == 2024)
                 .group_by(pgpx::grouping_sets(pgpx::group(&sale::region, &sale::product), pgpx::group(&sale::region),
                                               pgpx::group()))
                 .order_by(pgpx::asc(&sale::region).nulls_last(), pgpx::asc(&sale::product).nulls_last());
  EXPECT_EQ(sql_of(rep), R"(select "region", "product", sum("amount") as "total", grouping("region", "product") as)"
                         R"( "level" from "sales" where "year" = $1 group by grouping sets (("region", "product"),)"
                         R"( ("region"), ()) order by "region" nulls last, "product" nulls last)");
}

TEST(builder_sql, a12_soft_delete_aware_count_and_with_deleted) {
  const std::int64_t aid = 3;
  auto live = pgpx::select(pgpx::count()).from<book>().where(pgpx::col(&book::author_id) == aid);
  EXPECT_EQ(sql_of(live), R"(select count(*) from "books" where "author_id" = $1 and "deleted_at" is null)");
  auto all = pgpx::select(pgpx::count()).from<book>().with_deleted().where(pgpx::col(&book::author_id) == aid);
  EXPECT_EQ(sql_of(all), R"(select count(*) from "books" where "author_id" = $1)");
}

TEST(builder_sql, rollup_cube_and_a_window_without_partition) {
  auto r = pgpx::select(pgpx::col(&sale::region), pgpx::sum(pgpx::col(&sale::amount)))
               .from<sale>()
               .group_by(pgpx::rollup(&sale::region, &sale::product));
  EXPECT_EQ(sql_of(r), R"(select "region", sum("amount") from "sales" group by rollup ("region", "product"))");
  auto c = pgpx::select(pgpx::count()).from<sale>().group_by(pgpx::cube(&sale::region, &sale::year));
  EXPECT_EQ(sql_of(c), R"(select count(*) from "sales" group by cube ("region", "year"))");
  auto w = pgpx::select(pgpx::lag(pgpx::col(&sale::amount)).over(pgpx::window().order_by(&sale::year))).from<sale>();
  EXPECT_EQ(sql_of(w), R"(select lag("amount") over (order by "year") from "sales")");
}

TEST(builder_sql, result_types_follow_the_select_list) {
  auto t = pgpx::select(pgpx::col(&book::title), pgpx::count()).from<book>().group_by(&book::title);
  static_assert(std::is_same_v<decltype(t)::row_type, std::tuple<std::string, std::int64_t>>);
  auto n = pgpx::select(pgpx::col(&author::bio)).from<author>();
  static_assert(std::is_same_v<decltype(n)::row_type, std::optional<std::string>>);
  auto m = pgpx::select(pgpx::max(pgpx::col(&book::price_cents))).from<book>();
  static_assert(std::is_same_v<decltype(m)::row_type, std::optional<std::int32_t>>);
  EXPECT_EQ(sql_of(t), R"(select "title", count(*) from "books" where "deleted_at" is null group by "title")");
}

TEST(builder_sql, projection_members_are_taken_by_name_or_bound) {
  auto c = pgpx::select<card>(pgpx::as<&card::n_tags>(pgpx::cardinality(pgpx::col(&book::tags)))).from<book>();
  EXPECT_EQ(sql_of(c),
            R"(select "id", "title", cardinality("tags") as "n_tags" from "books" where "deleted_at" is null)");
  auto bad = pgpx::select<misspelt>().from<book>();
  try {
    (void)bad.to_sql();
    FAIL() << "a misspelt member must be refused";
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("titel"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("books"), std::string::npos) << e.what();
  }
}

TEST(builder_sql, a_column_of_a_relation_not_in_from_is_refused_naming_both) {
  auto q = pgpx::select<book>().where(pgpx::col(&author::name) == "Ada");
  try {
    (void)q.statement();
    FAIL() << "a column out of scope must be refused";
  } catch (const pgpx::usage_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("author.name is used but \"authors\" is not in FROM"), std::string::npos) << m;
  }
}

TEST(builder_sql, joins_qualify_every_column_and_filter_soft_deleted_rows_in_on) {
  auto q = pgpx::select(pgpx::col(&author::name), pgpx::col(&book::title))
               .from<author>()
               .join<book>(pgpx::col(&book::author_id) == pgpx::col(&author::id))
               .where(pgpx::col(&book::price_cents) > 100);
  EXPECT_EQ(sql_of(q), R"(select "authors"."name", "books"."title" from "authors" join "books" on)"
                       R"( "books"."author_id" = "authors"."id" and "books"."deleted_at" is null where)"
                       R"( "books"."price_cents" > $1)");
  auto l = pgpx::select(pgpx::col(&author::name), pgpx::count(pgpx::col(&book::id)))
               .from<author>()
               .left_join<book>(pgpx::col(&book::author_id) == pgpx::col(&author::id))
               .group_by(&author::name)
               .having(pgpx::count(pgpx::col(&book::id)) >= 2);
  EXPECT_EQ(sql_of(l), R"(select "authors"."name", count("books"."id") from "authors" left join "books" on)"
                       R"( "books"."author_id" = "authors"."id" and "books"."deleted_at" is null group by)"
                       R"( "authors"."name" having count("books"."id") >= $1)");
}

// WHERE and a join's ON are written in place from their parts (the condition, the keyset
// page's, the soft-delete filters): an `or` is parenthesised only beside another part.
TEST(builder_sql, an_or_condition_is_parenthesised_only_beside_another_condition) {
  const auto cheap_or_dear = pgpx::col(&book::price_cents) < 100 || pgpx::col(&book::price_cents) > 900;
  EXPECT_EQ(sql_of(pgpx::select(pgpx::col(&book::id)).from<book>().with_deleted().where(cheap_or_dear)),
            R"(select "id" from "books" where "price_cents" < $1 or "price_cents" > $2)");
  EXPECT_EQ(sql_of(pgpx::select(pgpx::col(&book::id)).from<book>().where(cheap_or_dear)),
            R"(select "id" from "books" where ("price_cents" < $1 or "price_cents" > $2) and "deleted_at" is null)");
  const auto named_or_old = pgpx::col(&author::name) == "x" || pgpx::col(&author::id) < 10;
  EXPECT_EQ(sql_of(pgpx::select(pgpx::col(&book::id))
                       .from<book>()
                       .with_deleted()
                       .join<author>(pgpx::col(&book::author_id) == pgpx::col(&author::id) && named_or_old)),
            R"(select "books"."id" from "books" join "authors" on "books"."author_id" = "authors"."id" and)"
            R"( ("authors"."name" = $1 or "authors"."id" < $2))");
}

// pgpx::col(&T::m) of a model's own table is one shared node per column (nodes are immutable).
TEST(builder_sql, a_model_column_is_one_shared_node) {
  EXPECT_EQ(pgpx::col(&book::title).node(), pgpx::col(&book::title).node());
  EXPECT_NE(pgpx::col(&book::title).node(), pgpx::col(&book::id).node());
  EXPECT_EQ(sql_of(pgpx::select(pgpx::col(&book::title), pgpx::col(&book::title)).from<book>().with_deleted()),
            R"(select "title", "title" from "books")");
}
TEST(builder_sql, self_join_through_two_aliases) {
  auto child = pgpx::alias<category>("c");
  auto parent = pgpx::alias<category>("p");
  auto q = pgpx::select(child(&category::name), parent(&category::name))
               .from(child)
               .join(parent, parent(&category::id) == child(&category::parent_id));
  EXPECT_EQ(sql_of(q), R"(select "c"."name", "p"."name" from "categories" as "c" join "categories" as "p" on)"
                       R"( "p"."id" = "c"."parent_id")");
}

TEST(builder_sql, parentheses_follow_postgres_precedence) {
  auto a = pgpx::col(&book::price_cents) > 1;
  auto b = pgpx::col(&book::price_cents) < 9;
  auto c = pgpx::col(&book::title) == "x";
  EXPECT_EQ(pgpx::statement<void>((a || b) && c).sql(),
            R"(("books"."price_cents" > $1 or "books"."price_cents" < $2) and "books"."title" = $3)");
  EXPECT_EQ(pgpx::statement<void>(a || (b && c)).sql(),
            R"("books"."price_cents" > $1 or "books"."price_cents" < $2 and "books"."title" = $3)");
  EXPECT_EQ(pgpx::statement<void>(!(a && b)).sql(),
            R"(not ("books"."price_cents" > $1 and "books"."price_cents" < $2))");
  auto p = pgpx::col(&book::price_cents);
  EXPECT_EQ(pgpx::statement<void>((p + 1) * 2 == p - (p - 3)).sql(),
            R"(("books"."price_cents" + $1) * $2 = "books"."price_cents" - ("books"."price_cents" - $3))");
  EXPECT_EQ(pgpx::statement<void>(-p < 0).sql(), R"(-"books"."price_cents" < $1)");
}

TEST(builder_sql, operators_of_text_arrays_and_nulls) {
  const std::vector<std::int64_t> ids{1, 2, 3};
  auto q = pgpx::select(pgpx::col(&book::id))
               .from<book>()
               .where(pgpx::col(&book::id).in(ids) && pgpx::col(&book::title).ilike("%sql%") &&
                      pgpx::col(&book::price_cents).between(10, 20) &&
                      pgpx::col(&book::tags).contains(std::vector<std::string>{"db"}) &&
                      pgpx::col(&book::tags).overlaps(std::vector<std::string>{"a", "b"}) &&
                      pgpx::col(&book::deleted_at).is_not_null() && pgpx::col(&book::meta).text("isbn").like("978%"));
  const auto s = q.to_sql();
  EXPECT_EQ(s.sql, R"(select "id" from "books" where "id" = any($1) and "title" ilike $2 and "price_cents" between)"
                   R"( $3 and $4 and "tags" @> $5 and "tags" && $6 and "deleted_at" is not null and "meta" ->> $7)"
                   R"( like $8 and "deleted_at" is null)");
  EXPECT_EQ(s.params.size(), 8U);
  EXPECT_EQ(s.params[0], "{1,2,3}");
}

TEST(builder_sql, one_value_used_twice_keeps_its_number) {
  auto v = pgpx::val(std::int32_t{5});
  auto q = pgpx::select(pgpx::col(&book::id))
               .from<book>()
               .with_deleted()
               .where(pgpx::col(&book::price_cents) > v && pgpx::col(&book::price_cents) < v + 10);
  const auto s = q.to_sql();
  EXPECT_EQ(s.sql, R"(select "id" from "books" where "price_cents" > $1 and "price_cents" < $1 + $2)");
  EXPECT_EQ(s.params, (std::vector<std::string>{"5", "10"}));
}

TEST(builder_sql, distinct_offset_locks_and_set_operations) {
  auto q = pgpx::select(pgpx::col(&book::author_id), pgpx::col(&book::title))
               .from<book>()
               .with_deleted()
               .distinct_on(&book::author_id)
               .order_by(&book::author_id, pgpx::desc(&book::id))
               .limit(5)
               .offset(10);
  EXPECT_EQ(sql_of(q), R"(select distinct on ("author_id") "author_id", "title" from "books" order by "author_id",)"
                       R"( "id" desc limit $1 offset $2)");
  auto l = pgpx::select(pgpx::col(&tag::name)).from<tag>().distinct().for_share().of<tag>().nowait();
  EXPECT_EQ(sql_of(l), R"(select distinct "name" from "tags" for share of "tags" nowait)");
  auto u = pgpx::select(pgpx::col(&tag::name))
               .from<tag>()
               .union_all(pgpx::select(pgpx::col(&author::name)).from<author>())
               .except(pgpx::select(pgpx::col(&category::name)).from<category>());
  EXPECT_EQ(sql_of(u), R"(select "name" from "tags" union all select "name" from "authors" except select "name" from)"
                       R"( "categories")");
}

TEST(builder_sql, subqueries_in_where_and_the_select_list) {
  auto has_books = pgpx::exists(pgpx::select(pgpx::val(1))
                                    .from<book>()
                                    .where(pgpx::col(&book::author_id) == pgpx::alias<author>("a")(&author::id)));
  auto a = pgpx::alias<author>("a");
  auto q = pgpx::select(a(&author::name))
               .from(a)
               .where(pgpx::exists(
                   pgpx::select(pgpx::val(1)).from<book>().where(pgpx::col(&book::author_id) == a(&author::id))));
  // one relation at the outer level: its columns need no qualifier there; inside, "a" does
  EXPECT_EQ(sql_of(q), R"(select "name" from "authors" as "a" where exists (select $1 from "books" where)"
                       R"( "author_id" = "a"."id" and "deleted_at" is null))");
  auto in = pgpx::select(pgpx::col(&author::name))
                .from<author>()
                .where(pgpx::in(
                    pgpx::col(&author::id),
                    pgpx::select(pgpx::col(&book::author_id)).from<book>().where(pgpx::col(&book::price_cents) > 0)));
  EXPECT_EQ(sql_of(in), R"(select "name" from "authors" where "id" in (select "author_id" from "books" where)"
                        R"( "price_cents" > $1 and "deleted_at" is null))");
  // The alias made inline above is another relation than `a`: not in scope.
  EXPECT_THROW((void)pgpx::select(a(&author::name)).from(a).where(has_books).to_sql(), pgpx::usage_error);
}

TEST(builder_sql, aggregates_filters_and_window_frames) {
  auto q =
      pgpx::select(pgpx::count().filter(pgpx::col(&book::price_cents) > 0),
                   pgpx::string_agg(pgpx::col(&book::title), ", "), pgpx::count_distinct(pgpx::col(&book::author_id)),
                   pgpx::sum(pgpx::col(&book::price_cents))
                       .over(pgpx::partition_by(&book::author_id)
                                 .order_by(&book::id)
                                 .rows_between(pgpx::unbounded_preceding, pgpx::current_row)))
          .from<book>()
          .with_deleted();
  EXPECT_EQ(sql_of(q), R"(select count(*) filter (where "price_cents" > $1), string_agg("title", $2), count(distinct)"
                       R"( "author_id"), sum("price_cents") over (partition by "author_id" order by "id" rows between)"
                       R"( unbounded preceding and current row) from "books")");
  EXPECT_THROW((void)pgpx::partition_by(&book::id).rows_between("1; drop table x", pgpx::current_row),
               pgpx::usage_error);
  EXPECT_NO_THROW((void)pgpx::partition_by(&book::id).rows_between("3 preceding", "2 following"));
}

TEST(builder_sql, writes_insert_update_and_delete) {
  std::vector<author> two(2);
  two[0].name = "a";
  two[0].email = "a@x";
  two[1].name = "b";
  two[1].email = "b@x";
  EXPECT_EQ(sql_of(pgpx::insert_into<author>().values(two).on_conflict("authors_email_key").do_nothing()),
            R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3), ($4, $5, $6) on conflict on)"
            R"( constraint "authors_email_key" do nothing)");
  EXPECT_EQ(sql_of(pgpx::update<book>()
                       .set(&book::price_cents, pgpx::col(&book::price_cents) * 2)
                       .where(pgpx::col(&book::id) == 1)),
            R"(update "books" set "price_cents" = "price_cents" * $1 where "id" = $2 and "deleted_at" is null)");
  EXPECT_EQ(sql_of(pgpx::update<book>().set(&book::title, "t").with_deleted()), R"(update "books" set "title" = $1)");
  EXPECT_EQ(sql_of(pgpx::delete_from<book>().hard().where(pgpx::col(&book::id) == 1)),
            R"(delete from "books" where "id" = $1)");
  EXPECT_EQ(sql_of(pgpx::delete_from<tag>().returning<tag>()), R"(delete from "tags" returning "id", "name")");
  EXPECT_THROW((void)pgpx::update<book>().to_sql(), pgpx::usage_error);
  EXPECT_THROW((void)pgpx::insert_into<book>().to_sql(), pgpx::usage_error);
}

TEST(builder_sql, an_expression_is_a_predicate_for_the_crud_verbs) {
  const pgpx::statement<void> s = pgpx::col(&book::author_id) == std::int64_t{4} && pgpx::col(&book::title).like("A%");
  EXPECT_EQ(s.sql(), R"("books"."author_id" = $1 and "books"."title" like $2)");
  EXPECT_EQ(s.params().size(), 2U);
}

TEST(builder_sql, a7_eager_loading_sends_one_statement_per_relation_with_an_array_of_keys) {
  constexpr auto tags_of_book = pgpx::through(&book_tag::book_id, &book_tag::tag_id);
  const std::int64_t aid = 9;
  auto rs = pgpx::select<book>().where(pgpx::col(&book::author_id) == aid).with(tags_of_book);
  EXPECT_EQ(rs.query().to_sql().sql,
            std::string("select ") + book_columns + R"( from "books" where "author_id" = $1 and "deleted_at" is null)");
  std::vector<book> rows(3);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].id = static_cast<std::int64_t>(10 + i);
  rows[2].id = 10;  // a key twice: sent once
  pgpx::orm::detail::loaded_map loaded;
  const auto work = rs.loaders().at(0)(std::span<const book>(rows), loaded);
  ASSERT_TRUE(work.stmt.has_value());
  EXPECT_EQ(work.stmt->sql(), R"(select "tags"."id", "tags"."name", "book_tags"."book_id" as "pgpx_parent" from)"
                              R"( "tags" join "book_tags" on "book_tags"."tag_id" = "tags"."id" where)"
                              R"( "book_tags"."book_id" = any($1) order by "tags"."id")");
  ASSERT_EQ(work.stmt->params().size(), 1U);  // one int8[] parameter, whatever the number of rows
  EXPECT_EQ(work.stmt->params().types()[0], pgpx::oids::int8_array);
  // Rows without keys ask nothing.
  const auto none = rs.loaders().at(0)(std::span<const book>(), loaded);
  EXPECT_FALSE(none.stmt.has_value());

  auto parents = pgpx::select<book>().with(&book::author_id);
  EXPECT_EQ(parents.loaders().at(0)(std::span<const book>(rows), loaded).stmt->sql(),
            R"(select "id", "name", "email", "bio", "created_at" from "authors" where "id" = any($1))");
  std::vector<author> authors(1);
  authors[0].id = 5;
  auto kids = pgpx::select<author>().with(
      pgpx::children(&book::author_id).where(pgpx::col(&book::price_cents) > 0).with(tags_of_book));
  EXPECT_EQ(kids.loaders().at(0)(std::span<const author>(authors), loaded).stmt->sql(),
            std::string("select ") + book_columns +
                R"( from "books" where "author_id" = any($1) and "price_cents" > $2 and "deleted_at" is null order)"
                R"( by "author_id", "id")");
}

}  // namespace
