// The bulk verbs (pgpx/orm/bulk.hpp) on the real server: insert_many by multi-row and
// pipelined inserts (ids filled in, each from its own row) or by COPY (nothing to read back), all or nothing, the
// failing row named; update_many and delete_many by predicate; the same through the async executors.
#include "support/co_assert.hpp"
#include "support/loop_probe.hpp"
#include "support/orm_models.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/transaction.hpp>
#include <pgpx/orm/async.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/schema/ddl.hpp>

#include <boost/asio/awaitable.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;

namespace {

using namespace orm_models;

class bulk_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    w_ = pgpx::test::recording_connection(conninfo(), sent_, &sources_);
    w_->execute("create schema shop");
    pgpx::schema::create(*w_, pgpx::models<author, book, order_line, job_archive>);
    sent_.clear();
    sources_.clear();
  }
  auto w() -> pgpx::connection& { return *w_; }
  static auto authors(int n, int from = 0) -> std::vector<author> {
    std::vector<author> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      v[static_cast<std::size_t>(i)].name = "a" + std::to_string(from + i);
      v[static_cast<std::size_t>(i)].email = "a" + std::to_string(from + i) + "@example.org";
    }
    return v;
  }
  std::vector<std::string> sent_;
  std::vector<pgpx::query_source> sources_;

 private:
  std::unique_ptr<pgpx::connection> w_;
};

/// The rows of each insert the test's connection sent, in order ("($" opens a row).
auto rows_per_insert(const std::vector<std::string>& sent) -> std::vector<std::size_t> {
  std::vector<std::size_t> out;
  for (const auto& sql : sent) {
    if (!sql.starts_with("insert")) continue;
    std::size_t n = 0;
    for (std::size_t at = sql.find("($"); at != std::string::npos; at = sql.find("($", at + 2)) ++n;
    out.push_back(n);
  }
  return out;
}

TEST_F(bulk_test, insert_many_sends_multi_row_inserts_and_fills_every_rows_columns_from_its_own_row) {
  auto v = authors(2500);
  EXPECT_EQ(pgpx::insert_many(w(), v), 2500u);
  // Every object holds the id and created_at of the row that has its email.
  std::map<std::int64_t, std::string> email_of;
  for (const auto& [id, email] : w().query<std::tuple<std::int64_t, std::string>>("select id, email from authors"))
    email_of.emplace(id, email);
  ASSERT_EQ(email_of.size(), 2500u);
  std::set<std::int64_t> ids;
  for (const auto& a : v) {
    ASSERT_TRUE(email_of.contains(a.id)) << a.email;
    EXPECT_EQ(email_of.at(a.id), a.email);
    ids.insert(a.id);
  }
  EXPECT_EQ(ids.size(), 2500u);
  EXPECT_GT(v.back().created_at.time_since_epoch().count(), 0);
  // Two inserts of 1024 rows, one each of 256, 128 and 64, then 4 one by one, pipelined
  // between a savepoint and its release, in one transaction.
  EXPECT_EQ(rows_per_insert(sent_), (std::vector<std::size_t>{1024, 1024, 256, 128, 64, 1, 1, 1, 1}));
  ASSERT_GE(sent_.size(), 13u);
  EXPECT_EQ(sent_.front(), "BEGIN");
  EXPECT_EQ(sent_[1], "savepoint pgpx_insert_many");
  EXPECT_EQ(sent_[11], "release savepoint pgpx_insert_many");
  EXPECT_EQ(sent_[12], "COMMIT");
  // Fewer than 16 rows go one by one, with no savepoint.
  sent_.clear();
  auto few = authors(15, 5000);
  EXPECT_EQ(pgpx::insert_many(w(), few), 15u);
  EXPECT_EQ(rows_per_insert(sent_), std::vector<std::size_t>(15, 1));
  for (const auto& s : sent_) EXPECT_EQ(s.find("savepoint"), std::string::npos) << s;
  for (const auto& a : few)
    EXPECT_EQ(w().query_value<std::string>("select email from authors where id = $1", a.id), a.email);
}

TEST_F(bulk_test, a_failing_multi_row_insert_in_the_callers_transaction_names_the_row_and_keeps_what_came_before) {
  pgpx::transaction tx{w()};
  auto before = authors(20);
  EXPECT_EQ(pgpx::insert_many(tx, before), 20u);
  auto v = authors(300, 100);
  v[250].email = before[7].email;  // in the 256-row insert; the row before the call is its twin
  sent_.clear();
  try {
    pgpx::insert_many(tx, v);
    FAIL() << "a duplicate must fail the call";
  } catch (const pgpx::bulk_error& e) {
    EXPECT_EQ(e.row(), 250u);
    EXPECT_EQ(e.info().constraint, "authors_email_key");
    EXPECT_EQ(e.members(), (std::vector<std::string>{"email"}));
  }
  // The multi-row attempt was rolled back to its savepoint and the rows went one by one.
  EXPECT_NE(std::find(sent_.begin(), sent_.end(), "rollback to savepoint pgpx_insert_many"), sent_.end());
  EXPECT_EQ(rows_per_insert(sent_).front(), 256u);
  // As with any failed statement, the caller's transaction is aborted; rolled back, nothing stays.
  EXPECT_THROW((void)tx.query_value<std::int64_t>("select count(*) from authors"), pgpx::error);
  tx.rollback();
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from authors"), 0);
}

TEST_F(bulk_test, a_multi_row_insert_under_a_failure_that_does_not_recur_still_fills_every_row) {
  // A statement_timeout that only the long multi-row statement hits: the rows then go one
  // by one and succeed, and every object is filled from its own row.
  // A sequence counts the attempts: nextval is not undone by the rollback to the savepoint.
  w().execute("create sequence slow_attempts");
  w().execute(
      "create function slow_once() returns trigger language plpgsql as $$ begin "
      "if new.email = 'slow@example.org' and nextval('slow_attempts') = 1 "
      "then perform pg_sleep(0.5); end if; return new; end $$");
  w().execute("create trigger slow_once before insert on authors for each row execute function slow_once()");
  auto v = authors(40);
  v[30].email = "slow@example.org";
  pgpx::transaction tx{w()};
  tx.execute("set local statement_timeout = '200ms'");
  sent_.clear();
  EXPECT_EQ(pgpx::insert_many(tx, v), 40u);
  tx.commit();
  EXPECT_NE(std::find(sent_.begin(), sent_.end(), "rollback to savepoint pgpx_insert_many"), sent_.end());
  for (const auto& a : v)
    EXPECT_EQ(w().query_value<std::string>("select email from authors where id = $1", a.id), a.email);
  EXPECT_EQ(w().query_value<std::int64_t>("select last_value from slow_attempts"), 2);
}

TEST_F(bulk_test, insert_many_uses_copy_when_nothing_comes_back) {
  std::vector<job_archive> v(1000);
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i].id = static_cast<std::int64_t>(i + 1);
    v[i].queue = i % 2 == 0 ? "even" : "odd";
    v[i].payload = nlohmann::json{{"i", i}};
  }
  const std::vector<job_archive>& cv = v;  // nothing is written back: a const range will do
  EXPECT_EQ(pgpx::insert_many(w(), cv), 1000u);
  std::size_t copies = 0;
  for (auto s : sources_) copies += s == pgpx::query_source::copy ? 1 : 0;
  EXPECT_EQ(copies, 1u);
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from jobs_archive where queue = 'odd'"), 500);
  EXPECT_EQ(w().query_value<std::int64_t>("select (payload->>'i')::int8 from jobs_archive where id = 1000"), 999);
}

TEST_F(bulk_test, a_failing_row_is_named_and_nothing_of_the_call_is_kept) {
  auto v = authors(1500);
  v[1200].email = v[3].email;  // a duplicate, in the second Sync segment
  try {
    pgpx::insert_many(w(), v);
    FAIL() << "a duplicate must fail the call";
  } catch (const pgpx::bulk_error& e) {
    EXPECT_EQ(e.row(), 1200u);
    EXPECT_EQ(e.members(), (std::vector<std::string>{"email"}));
    EXPECT_EQ(e.info().constraint, "authors_email_key");
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_NE(e.message().find("row 1200"), std::string::npos) << e.message();
  }
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from authors"), 0);  // the first segment too
  // The COPY path: a duplicate key is refused and nothing is stored.
  std::vector<job_archive> j(3);
  for (std::size_t i = 0; i < j.size(); ++i) {
    j[i].id = 1;
    j[i].payload = nlohmann::json::object();
  }
  try {
    pgpx::insert_many(w(), j);
    FAIL() << "a duplicate key must fail the COPY";
  } catch (const pgpx::constraint_error& e) {
    EXPECT_EQ(e.constraint(), "jobs_archive_pkey");
    EXPECT_EQ(e.members(), (std::vector<std::string>{"id"}));
  }
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from jobs_archive"), 0);
  // A value the codec refuses: nothing is sent at all.
  auto bad = authors(3);
  bad[2].name = std::string("x\0y", 3);
  sent_.clear();
  EXPECT_THROW(pgpx::insert_many(w(), bad), pgpx::conversion_error);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(bulk_test, inside_the_callers_transaction_insert_many_commits_nothing_itself) {
  {
    pgpx::transaction tx{w()};
    auto v = authors(10);
    EXPECT_EQ(pgpx::insert_many(tx, v), 10u);
    EXPECT_EQ(tx.query_value<std::int64_t>("select count(*) from authors"), 10);
  }  // rolled back
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from authors"), 0);
  std::vector<author> none;
  EXPECT_EQ(pgpx::insert_many(w(), none), 0u);
}

TEST_F(bulk_test, update_many_and_delete_many_change_the_matching_live_rows) {
  auto as = authors(1);
  pgpx::insert_many(w(), as);
  std::vector<book> books(6);
  for (std::size_t i = 0; i < books.size(); ++i) {
    books[i].author_id = as[0].id;
    books[i].title = "t" + std::to_string(i);
    books[i].price_cents = static_cast<std::int32_t>(i * 100);
    books[i].meta = nlohmann::json::object();
  }
  pgpx::insert_many(w(), books);
  sent_.clear();
  EXPECT_EQ(pgpx::update_many<book>(w(), pgpx::raw(R"("price_cents" >= $1)", 300), pgpx::set(&book::price_cents, 1),
                                    pgpx::set(&book::title, "cheap")),
            3u);
  EXPECT_EQ(sent_.front(), R"(update "books" set "price_cents" = $2, "title" = $3 where ("price_cents" >= $1))"
                           R"( and "deleted_at" is null)");
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from books where title = 'cheap' and price_cents = 1"), 3);
  EXPECT_EQ(pgpx::delete_many<book>(w(), pgpx::raw(R"("title" = $1)", std::string("cheap"))), 3u);  // soft
  EXPECT_EQ(pgpx::count<book>(w()), 3);
  EXPECT_EQ(pgpx::count<book>(w(), pgpx::with_deleted), 6);
  // Soft-deleted rows are not updated or deleted again.
  EXPECT_EQ(pgpx::update_many<book>(w(), pgpx::raw("true"), pgpx::set(&book::price_cents, 7)), 3u);
  EXPECT_EQ(pgpx::delete_many<book>(w(), pgpx::raw(R"("title" = 'cheap')")), 0u);
  EXPECT_EQ(pgpx::hard_delete_many<book>(w(), pgpx::raw(R"("title" = 'cheap')")), 3u);
  EXPECT_EQ(pgpx::count<book>(w(), pgpx::with_deleted), 3);
  // No predicate is refused rather than touching every row.
  EXPECT_THROW(pgpx::delete_many<book>(w(), pgpx::statement<void>{}), pgpx::usage_error);
  EXPECT_THROW(pgpx::update_many<book>(w(), pgpx::statement<void>{}, pgpx::set(&book::price_cents, 0)),
               pgpx::usage_error);
  EXPECT_EQ(pgpx::count<book>(w()), 3);
}

TEST_F(bulk_test, update_many_increments_versions_and_a_key_cannot_be_set) {
  std::vector<order_line> lines(4);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    lines[i].order_id = 1;
    lines[i].line_no = static_cast<std::int32_t>(i);
    lines[i].sku = "s" + std::to_string(i);
  }
  pgpx::insert_many(w(), lines);
  EXPECT_EQ(lines[3].row_version, 1);
  EXPECT_EQ(pgpx::update_many<order_line>(w(), pgpx::raw(R"("line_no" < 2)"), pgpx::set(&order_line::qty, 9)), 2u);
  EXPECT_EQ(w().query_value<std::int64_t>("select sum(row_version)::int8 from shop.order_lines"), 6);
  // A copy read before the bulk update is now stale.
  lines[0].qty = 1;
  EXPECT_THROW(pgpx::update(w(), lines[0]), pgpx::stale_object_error);
  EXPECT_THROW(pgpx::update_many<order_line>(w(), pgpx::raw("true"), pgpx::set(&order_line::line_no, 1)),
               pgpx::usage_error);
}

TEST_F(bulk_test, the_bulk_verbs_are_awaitable_on_async_connections_and_transactions) {
  pgpx::test::run_on_io([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    auto v = authors(300);
    EXPECT_EQ(co_await pgpx::insert_many(acx, v), 300u);
    CO_ASSERT_TRUE(v.back().id > 0);
    {
      auto tx = co_await acx.begin();
      auto more = authors(5, 1000);
      EXPECT_EQ(co_await pgpx::insert_many(tx, more), 5u);
      EXPECT_EQ(co_await pgpx::update_many<author>(tx, pgpx::raw(R"("id" > $1)", v.back().id),
                                                   pgpx::set(&author::bio, std::optional<std::string>("late"))),
                5u);
      EXPECT_EQ(co_await pgpx::delete_many<author>(tx, pgpx::raw(R"("bio" = 'late')")), 5u);
      co_await tx.commit();
    }
    EXPECT_EQ(co_await pgpx::count<author>(acx), 300);
  });
}

}  // namespace
