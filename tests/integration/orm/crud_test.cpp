// The CRUD verbs (pgpx/orm/crud.hpp) on the real server: the SQL each sends (seen by a
// query hook), RETURNING filling server columns, keys single and composite, soft delete,
// optimistic locking, upsert outcomes, constraint errors mapped to members, and bad input
// that sends nothing.
#include "support/orm_models.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/transaction.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace crud_models {
// A model with every column pgpx manages: version and updated_at are filled by the server.
struct note {
  pgpx::identity<std::int64_t> id;
  std::string body;
  std::optional<std::string> extra;
  pgpx::version<std::int32_t> v;
  pgpx::updated_at touched;
  pgpx::generated<std::int32_t, "length(body)"> body_length;
};
}  // namespace crud_models

namespace {

using namespace orm_models;
using crud_models::note;

class crud_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    w_ = pgpx::test::recording_connection(conninfo(), sent_);
    w_->execute("create schema shop");
    pgpx::schema::create(*w_, pgpx::models<author, book, tag, book_tag, order_line, person, note>);
    sent_.clear();
  }
  /// The connection whose statements are recorded.
  auto w() -> pgpx::connection& { return *w_; }
  /// The statements sent since the last call.
  auto sent() -> std::vector<std::string> {
    auto out = std::move(sent_);
    sent_.clear();
    return out;
  }
  auto ada() -> author {
    author a;
    a.name = "Ada";
    a.email = "ada@example.org";
    pgpx::insert(w(), a);
    return a;
  }
  auto a_book(std::int64_t author_id, std::string title) -> book {
    book b;
    b.author_id = author_id;
    b.title = std::move(title);
    b.price_cents = 100;
    b.tags = {"x"};
    b.meta = nlohmann::json::object();
    pgpx::insert(w(), b);
    return b;
  }

 private:
  std::unique_ptr<pgpx::connection> w_;
  std::vector<std::string> sent_;
};

TEST_F(crud_test, insert_sends_only_the_clients_columns_and_reads_the_servers_back) {
  author a;
  a.name = "Ada";
  a.email = "ada@example.org";
  author& same = pgpx::insert(w(), a);
  EXPECT_EQ(&same, &a);
  EXPECT_EQ(sent(), (std::vector<std::string>{R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3))"
                                              R"( returning "id", "created_at")"}));
  EXPECT_GT(a.id, 0);
  const auto server = w().query_one<std::tuple<std::int64_t, pgpx::timestamptz>>("select id, created_at from authors");
  EXPECT_EQ(std::get<0>(server), a.id);
  EXPECT_EQ(std::get<1>(server), a.created_at);  // the server's default, read back exactly
  author b;
  b.name = "Grace";
  b.email = "grace@example.org";
  b.bio = "Admiral";
  pgpx::insert(w(), b);
  EXPECT_EQ(b.id, a.id + 1);
  EXPECT_EQ(w().query_value<std::string>("select bio from authors where id = $1", b.id), "Admiral");
}

TEST_F(crud_test, a_model_whose_columns_are_all_sent_has_no_returning_and_composite_keys_work) {
  const author a = ada();
  const book b = a_book(a.id, "Notes");
  tag t;
  t.name = "math";
  pgpx::insert(w(), t);
  book_tag link;
  link.book_id = b.id;
  link.tag_id = t.id;
  sent();
  pgpx::insert(w(), link);
  EXPECT_EQ(sent(), (std::vector<std::string>{R"(insert into "book_tags" ("book_id", "tag_id") values ($1, $2))"}));
  const auto got = pgpx::get<book_tag>(w(), b.id, t.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->tag_id, t.id);
  EXPECT_FALSE(pgpx::get<book_tag>(w(), b.id, t.id + 1).has_value());
  EXPECT_EQ(sent().back(), R"(select "book_id", "tag_id" from "book_tags" where "book_id" = $1 and "tag_id" = $2)");
}

TEST_F(crud_test, get_reads_every_column_and_a_missing_key_is_nothing) {
  const author a = ada();
  const auto got = pgpx::get<author>(w(), a.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->name, "Ada");
  EXPECT_EQ(got->email, "ada@example.org");
  EXPECT_FALSE(got->bio.has_value());
  EXPECT_EQ(got->created_at, a.created_at);
  EXPECT_FALSE(pgpx::get<author>(w(), a.id + 100).has_value());
}

TEST_F(crud_test, update_writes_every_column_or_only_the_named_ones) {
  author a = ada();
  a.name = "Augusta Ada";
  a.bio = "Countess";
  sent();
  pgpx::update(w(), a);
  EXPECT_EQ(sent(), (std::vector<std::string>{R"(update "authors" set "name" = $1, "email" = $2, "bio" = $3,)"
                                              R"( "created_at" = $4 where "id" = $5)"}));
  auto got = pgpx::get<author>(w(), a.id);
  EXPECT_EQ(got->name, "Augusta Ada");
  EXPECT_EQ(got->bio, "Countess");

  a.name = "changed locally only";
  a.bio = "Mathematician";
  pgpx::update(w(), a, pgpx::only(&author::bio));
  got = pgpx::get<author>(w(), a.id);
  EXPECT_EQ(got->bio, "Mathematician");
  EXPECT_EQ(got->name, "Augusta Ada");  // not named: not written
}

TEST_F(crud_test, a_tracked_row_sends_only_what_changed_and_nothing_when_nothing_did) {
  const author a = ada();
  auto t = pgpx::get_tracked<author>(w(), a.id);
  ASSERT_TRUE(t.has_value());
  sent();
  EXPECT_FALSE(pgpx::update(w(), *t));  // nothing changed: no statement
  EXPECT_TRUE(sent().empty());
  t->bio = "Countess";
  EXPECT_EQ(t->changed_members(), (std::vector<std::string_view>{"bio"}));
  EXPECT_TRUE(pgpx::update(w(), *t));
  EXPECT_EQ(sent(), (std::vector<std::string>{R"(update "authors" set "bio" = $1 where "id" = $2)"}));
  EXPECT_TRUE(t->changed_members().empty());  // a new snapshot after the write
  // Setting a member to the value it had is no change; a different one is.
  t->name = std::string("Ada");
  EXPECT_FALSE(pgpx::update(w(), *t));
  t->name = "Ada L.";
  t->email = "ada.l@example.org";
  EXPECT_EQ(t->changed_members(), (std::vector<std::string_view>{"name", "email"}));
  EXPECT_TRUE(pgpx::update(w(), *t));
  EXPECT_EQ(sent().back(), R"(update "authors" set "name" = $1, "email" = $2 where "id" = $3)");
  const auto got = pgpx::get<author>(w(), a.id);
  EXPECT_EQ(got->name, "Ada L.");
  EXPECT_EQ(got->bio, "Countess");
  EXPECT_FALSE(pgpx::get_tracked<author>(w(), a.id + 1).has_value());
  pgpx::remove(w(), *t);  // the other verbs take a tracked row as its model
  EXPECT_EQ(pgpx::count<author>(w()), 0);
}

TEST_F(crud_test, a_tracked_row_with_a_version_is_checked_and_a_failed_write_keeps_its_changes) {
  order_line line;
  line.order_id = 1;
  line.line_no = 1;
  line.sku = "A";
  line.qty = 1;
  pgpx::insert(w(), line);
  auto t = pgpx::get_tracked<order_line>(w(), std::int64_t{1}, std::int32_t{1});
  ASSERT_TRUE(t.has_value());
  line.qty = 2;
  pgpx::update(w(), line);  // another writer
  t->qty = 5;
  EXPECT_THROW(pgpx::update(w(), *t), pgpx::stale_object_error);
  EXPECT_EQ(t->changed_members(), (std::vector<std::string_view>{"qty"}));  // still pending
  EXPECT_EQ(w().query_value<std::int32_t>("select qty from shop.order_lines"), 2);
  auto fresh = pgpx::get_tracked<order_line>(w(), std::int64_t{1}, std::int32_t{1});
  fresh->qty = 5;
  EXPECT_TRUE(pgpx::update(w(), *fresh));
  EXPECT_EQ(fresh->row_version, 3);
  EXPECT_TRUE(fresh->changed_members().empty());  // the returned version is part of the new snapshot
}

TEST_F(crud_test, update_or_remove_of_a_missing_row_is_a_row_count_error_and_writes_nothing) {
  author a = ada();
  author ghost = a;
  ghost.id = a.id + 100;
  ghost.name = "Ghost";
  try {
    pgpx::update(w(), ghost);
    FAIL() << "update of a missing row must fail";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::row_count);
    EXPECT_NE(e.message().find("no row has this key"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("author"), std::string::npos) << e.message();
  }
  EXPECT_THROW(pgpx::remove(w(), ghost), pgpx::error);
  EXPECT_EQ(w().query_value<std::string>("select string_agg(name, ',') from authors"), "Ada");
}

TEST_F(crud_test, a_version_column_is_checked_and_incremented_and_a_stale_write_changes_nothing) {
  order_line line;
  line.order_id = 7;
  line.line_no = 1;
  line.sku = "A-1";
  line.qty = 2;
  pgpx::insert(w(), line);
  EXPECT_EQ(line.row_version, 1);  // the server's default, from RETURNING
  order_line other = *pgpx::get<order_line>(w(), std::int64_t{7}, std::int32_t{1});
  line.qty = 3;
  sent();
  pgpx::update(w(), line);
  EXPECT_EQ(sent(), (std::vector<std::string>{R"(update "shop"."order_lines" set "sku" = $1, "qty" = $2,)"
                                              R"( "row_version" = "row_version" + 1 where "order_id" = $3 and)"
                                              R"( "line_no" = $4 and "row_version" = $5 returning "row_version")"}));
  EXPECT_EQ(line.row_version, 2);
  other.qty = 99;  // read at version 1
  try {
    pgpx::update(w(), other);
    FAIL() << "a stale update must fail";
  } catch (const pgpx::stale_object_error& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::conflict);
    EXPECT_EQ(e.expected_version(), 1);
    EXPECT_NE(e.model().find("order_line"), std::string::npos);
    EXPECT_NE(e.message().find("row_version was 1"), std::string::npos) << e.message();
  }
  EXPECT_EQ(w().query_value<std::int32_t>("select qty from shop.order_lines"), 3);
  EXPECT_EQ(other.row_version, 1);  // the object is unchanged too
  EXPECT_THROW(pgpx::remove(w(), other), pgpx::stale_object_error);
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from shop.order_lines"), 1);
  pgpx::remove(w(), line);  // the current version deletes
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from shop.order_lines"), 0);
}

TEST_F(crud_test, soft_delete_hides_rows_until_restored_and_hard_delete_removes_them) {
  const author a = ada();
  book b = a_book(a.id, "Notes");
  a_book(a.id, "Letters");
  EXPECT_EQ(pgpx::count<book>(w()), 2);
  sent();
  pgpx::remove(w(), b);
  EXPECT_EQ(sent(), (std::vector<std::string>{R"(update "books" set "deleted_at" = now() where "id" = $1)"
                                              R"( and "deleted_at" is null returning "deleted_at")"}));
  ASSERT_TRUE(b.deleted_at.has_value());
  EXPECT_EQ(w().query_value<pgpx::timestamptz>("select deleted_at from books where id = $1", b.id), *b.deleted_at);
  EXPECT_EQ(pgpx::count<book>(w()), 1);
  EXPECT_EQ(pgpx::count<book>(w(), pgpx::with_deleted), 2);
  EXPECT_FALSE(pgpx::get<book>(w(), b.id).has_value());
  EXPECT_TRUE(pgpx::get<book>(w(), pgpx::with_deleted, b.id).has_value());
  EXPECT_FALSE(pgpx::exists<book>(w(), pgpx::raw(R"("title" = $1)", std::string("Notes"))));
  EXPECT_TRUE(pgpx::exists<book>(w(), pgpx::with_deleted, pgpx::raw(R"("title" = $1)", std::string("Notes"))));
  // A deleted row is neither updated nor removed again.
  b.title = "Changed";
  EXPECT_THROW(pgpx::update(w(), b), pgpx::error);
  EXPECT_THROW(pgpx::remove(w(), b), pgpx::error);
  EXPECT_EQ(w().query_value<std::string>("select title from books where id = $1", b.id), "Notes");

  pgpx::restore(w(), b);
  EXPECT_FALSE(b.deleted_at.has_value());
  EXPECT_EQ(pgpx::count<book>(w()), 2);
  EXPECT_THROW(pgpx::restore(w(), b), pgpx::error);  // not deleted any more

  pgpx::hard_delete(w(), b);
  EXPECT_EQ(pgpx::count<book>(w(), pgpx::with_deleted), 1);
  EXPECT_FALSE(pgpx::get<book>(w(), pgpx::with_deleted, b.id).has_value());
}

TEST_F(crud_test, count_and_exists_take_a_predicate_with_its_own_parameters) {
  const author a = ada();
  for (int i = 0; i < 5; ++i) a_book(a.id, "t" + std::to_string(i));
  w().execute("update books set price_cents = 50 where title in ('t0', 't1')");
  EXPECT_EQ(pgpx::count<book>(w(), pgpx::raw(R"("price_cents" > $1)", 60)), 3);
  sent();
  EXPECT_TRUE(pgpx::exists<book>(w(), pgpx::raw(R"("price_cents" < $1 and "title" = $2)", 60, std::string("t1"))));
  EXPECT_EQ(sent(), (std::vector<std::string>{R"(select exists (select 1 from "books" where ("price_cents" < $1 and)"
                                              R"( "title" = $2) and "deleted_at" is null))"}));
  EXPECT_FALSE(pgpx::exists<book>(w(), pgpx::raw(R"("price_cents" < $1)", 10)));
  EXPECT_TRUE(pgpx::exists<author>(w()));
}

TEST_F(crud_test, upsert_inserts_updates_or_skips_and_says_which) {
  int after_hooks = 0;  // an upsert that did nothing calls no after hook
  auto sub = pgpx::events::on(pgpx::events::phase::after, [&](pgpx::event&) { ++after_hooks; });
  author a;
  a.name = "Ada";
  a.email = "ada@example.org";
  EXPECT_EQ(pgpx::upsert(w(), a, pgpx::on_conflict(&author::email)), pgpx::upsert_outcome::inserted);
  const std::int64_t id = a.id;
  EXPECT_GT(id, 0);

  author again;
  again.name = "Ada Lovelace";
  again.email = "ada@example.org";
  again.bio = "Countess";
  sent();
  EXPECT_EQ(pgpx::upsert(w(), again, pgpx::on_conflict(&author::email)), pgpx::upsert_outcome::updated);
  EXPECT_EQ(sent(), (std::vector<std::string>{
                        R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3) on conflict ("email"))"
                        R"( do update set "name" = excluded."name", "bio" = excluded."bio")"
                        R"( returning "id", "created_at", (xmax = 0))"}));
  EXPECT_EQ(again.id, id);  // the existing row's identity, read back
  EXPECT_EQ(again.created_at, a.created_at);
  EXPECT_EQ(w().query_value<std::string>("select name from authors"), "Ada Lovelace");

  author third;
  third.name = "Not written";
  third.email = "ada@example.org";
  EXPECT_EQ(pgpx::upsert(w(), third, pgpx::on_conflict("authors_email_key").do_nothing()),
            pgpx::upsert_outcome::skipped);
  EXPECT_EQ(third.id, 0);  // untouched
  EXPECT_EQ(after_hooks, 2);
  EXPECT_EQ(w().query_value<std::string>("select name from authors"), "Ada Lovelace");
  EXPECT_EQ(pgpx::upsert(w(), third, pgpx::on_conflict("authors_email_key")), pgpx::upsert_outcome::updated);
  EXPECT_EQ(w().query_value<std::string>("select name from authors"), "Not written");
  EXPECT_EQ(pgpx::count<author>(w()), 1);
}

TEST_F(crud_test, upsert_on_a_composite_key_bumps_the_version_of_the_existing_row) {
  order_line line;
  line.order_id = 1;
  line.line_no = 1;
  line.sku = "A";
  line.qty = 1;
  EXPECT_EQ(pgpx::upsert(w(), line, pgpx::on_conflict(&order_line::order_id, &order_line::line_no)),
            pgpx::upsert_outcome::inserted);
  EXPECT_EQ(line.row_version, 1);
  line.qty = 5;
  EXPECT_EQ(pgpx::upsert(w(), line, pgpx::on_conflict(&order_line::order_id, &order_line::line_no)),
            pgpx::upsert_outcome::updated);
  EXPECT_EQ(line.row_version, 2);
  EXPECT_EQ(w().query_value<std::int32_t>("select qty from shop.order_lines"), 5);
  // Every sent column in the conflict: the row still comes back.
  book_tag link{};
  const author a = ada();
  link.book_id = a_book(a.id, "x").id;
  tag t;
  t.name = "n";
  pgpx::insert(w(), t);
  link.tag_id = t.id;
  EXPECT_EQ(pgpx::upsert(w(), link, pgpx::on_conflict(&book_tag::book_id, &book_tag::tag_id)),
            pgpx::upsert_outcome::inserted);
  EXPECT_EQ(pgpx::upsert(w(), link, pgpx::on_conflict(&book_tag::book_id, &book_tag::tag_id)),
            pgpx::upsert_outcome::updated);
}

TEST_F(crud_test, constraint_violations_name_the_constraint_and_the_members) {
  const author a = ada();
  author dup;
  dup.name = "Other";
  dup.email = "ada@example.org";
  try {
    pgpx::insert(w(), dup);
    FAIL() << "a duplicate email must fail";
  } catch (const pgpx::constraint_error& e) {
    EXPECT_EQ(e.constraint(), "authors_email_key");
    EXPECT_EQ(e.members(), (std::vector<std::string>{"email"}));
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_TRUE(pgpx::is_unique_violation(e));
    EXPECT_NE(e.message().find("(member email)"), std::string::npos) << e.message();
  }
  book orphan;
  orphan.author_id = a.id + 100;
  orphan.title = "Orphan";
  orphan.meta = nlohmann::json::object();
  try {
    pgpx::insert(w(), orphan);
    FAIL() << "a missing author must fail";
  } catch (const pgpx::constraint_error& e) {
    EXPECT_EQ(e.constraint(), "books_author_id_fkey");
    EXPECT_EQ(e.members(), (std::vector<std::string>{"author_id"}));
    EXPECT_TRUE(pgpx::is_foreign_key_violation(e));
  }
  const book b = a_book(a.id, "Notes");
  tag t;
  t.name = "t";
  pgpx::insert(w(), t);
  book_tag link;
  link.book_id = b.id;
  link.tag_id = t.id;
  pgpx::insert(w(), link);
  try {
    pgpx::insert(w(), link);
    FAIL() << "a duplicate key must fail";
  } catch (const pgpx::constraint_error& e) {
    EXPECT_EQ(e.constraint(), "book_tags_pkey");
    EXPECT_EQ(e.members(), (std::vector<std::string>{"book_id", "tag_id"}));
  }
  // Not a constraint of the model: the error passes unchanged.
  EXPECT_THROW(
      {
        try {
          (void)pgpx::count<author>(w(), pgpx::raw("no_such_column = 1"));
        } catch (const pgpx::constraint_error&) {
          FAIL() << "not a constraint error";
        }
      },
      pgpx::sql_error);
  EXPECT_EQ(pgpx::count<author>(w()), 1);
}

TEST_F(crud_test, managed_columns_version_updated_at_and_generated_are_never_sent) {
  note n;
  n.body = "hello";
  pgpx::insert(w(), n);
  EXPECT_EQ(sent().front(),
            R"(insert into "notes" ("body", "extra") values ($1, $2) returning "id", "v", "touched", "body_length")");
  EXPECT_EQ(n.v, 1);
  EXPECT_EQ(n.body_length, 5);
  const auto first = n.touched;
  w().execute("select pg_sleep(0.01)");
  n.body = "hello, world";
  sent();
  pgpx::update(w(), n);
  EXPECT_EQ(sent().front(), R"(update "notes" set "body" = $1, "extra" = $2, "v" = "v" + 1, "touched" = now())"
                            R"( where "id" = $3 and "v" = $4 returning "v", "touched")");
  EXPECT_EQ(n.v, 2);
  EXPECT_GT(n.touched, first);
  EXPECT_EQ(pgpx::get<note>(w(), n.id)->body_length, 12);  // the server recomputed it
  EXPECT_THROW(pgpx::update(w(), n, pgpx::only(&note::body_length)), pgpx::usage_error);
  EXPECT_THROW(pgpx::update(w(), n, pgpx::only(&note::v)), pgpx::usage_error);
}

TEST_F(crud_test, enum_and_array_columns_round_trip) {
  person p;
  p.current = mood::happy;
  p.history = {mood::sad, mood::ok};
  p.tomorrow = std::nullopt;
  pgpx::insert(w(), p);
  const auto got = pgpx::get<person>(w(), p.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->current, mood::happy);
  EXPECT_EQ(got->history, (std::vector<mood>{mood::sad, mood::ok}));
  EXPECT_FALSE(got->tomorrow.has_value());
}

TEST_F(crud_test, a_value_the_codec_refuses_sends_nothing) {
  author a;
  a.name = std::string("bad\0name", 8);
  a.email = "x@example.org";
  EXPECT_THROW(pgpx::insert(w(), a), pgpx::conversion_error);
  EXPECT_TRUE(sent().empty());
  EXPECT_EQ(a.id, 0);
  EXPECT_EQ(pgpx::count<author>(w()), 0);
}

TEST_F(crud_test, verbs_run_inside_transactions_and_savepoints) {
  {
    pgpx::transaction tx{w()};
    author a;
    a.name = "Ada";
    a.email = "ada@example.org";
    pgpx::insert(tx, a);
    {
      pgpx::savepoint sp{tx};
      a.name = "rolled back";
      pgpx::update(sp, a);
      EXPECT_EQ(pgpx::get<author>(sp, a.id)->name, "rolled back");
    }  // not released: rolled back
    EXPECT_EQ(pgpx::get<author>(tx, a.id)->name, "Ada");
    EXPECT_EQ(pgpx::count<author>(tx), 1);
  }  // not committed
  EXPECT_EQ(pgpx::count<author>(w()), 0);
}

}  // namespace
