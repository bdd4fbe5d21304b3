// The CRUD verbs awaited on an async connection and an async transaction: the same plans as
// the blocking verbs (tests/integration/orm/crud_test.cpp), so the same SQL, RETURNING,
// optimistic locking, soft delete, upsert outcomes and constraint errors.
#include "support/co_assert.hpp"
#include "support/loop_probe.hpp"
#include "support/orm_models.hpp"
#include "support/test_db.hpp"

#include <pgpx/async/async.hpp>
#include <pgpx/orm/async.hpp>
#include <pgpx/schema/ddl.hpp>

#include <boost/asio/awaitable.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace asio = boost::asio;

namespace {

using namespace orm_models;

class crud_async_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute("create schema shop");
    pgpx::schema::create(cx(), pgpx::models<author, book, order_line>);
  }
};

TEST_F(crud_async_test, every_verb_is_awaitable_on_a_connection) {
  pgpx::test::run_on_io([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    author a;
    a.name = "Ada";
    a.email = "ada@example.org";
    co_await pgpx::insert(acx, a);
    CO_ASSERT_TRUE(a.id > 0);
    auto got = co_await pgpx::get<author>(acx, a.id);
    CO_ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->created_at, a.created_at);
    got->bio = "Countess";
    co_await pgpx::update(acx, *got, pgpx::only(&author::bio));
    EXPECT_EQ((co_await pgpx::get<author>(acx, a.id))->bio, "Countess");

    book b;
    b.author_id = a.id;
    b.title = "Notes";
    b.meta = nlohmann::json::object();
    co_await pgpx::insert(acx, b);
    EXPECT_EQ(co_await pgpx::count<book>(acx), 1);
    co_await pgpx::remove(acx, b);
    EXPECT_TRUE(b.deleted_at.has_value());
    EXPECT_EQ(co_await pgpx::count<book>(acx), 0);
    EXPECT_FALSE((co_await pgpx::get<book>(acx, b.id)).has_value());
    EXPECT_TRUE((co_await pgpx::get<book>(acx, pgpx::with_deleted, b.id)).has_value());
    co_await pgpx::restore(acx, b);
    EXPECT_TRUE(co_await pgpx::exists<book>(acx, pgpx::raw(R"("title" = $1)", std::string("Notes"))));
    co_await pgpx::hard_delete(acx, b);
    EXPECT_FALSE(co_await pgpx::exists<book>(acx));

    auto t = co_await pgpx::get_tracked<author>(acx, a.id);
    CO_ASSERT_TRUE(t.has_value());
    EXPECT_FALSE(co_await pgpx::update(acx, *t));
    t->name = "Ada K.";
    EXPECT_TRUE(co_await pgpx::update(acx, *t));

    author again;
    again.name = "Ada L.";
    again.email = "ada@example.org";
    EXPECT_EQ(co_await pgpx::upsert(acx, again, pgpx::on_conflict(&author::email)), pgpx::upsert_outcome::updated);
    EXPECT_EQ(again.id, a.id);
  });
  EXPECT_EQ(cx().query_value<std::string>("select name from authors"), "Ada L.");
}

TEST_F(crud_async_test, stale_updates_and_constraint_errors_are_the_same_typed_errors) {
  pgpx::test::run_on_io([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    order_line line;
    line.order_id = 1;
    line.line_no = 1;
    line.sku = "A";
    line.qty = 1;
    co_await pgpx::insert(acx, line);
    order_line stale = line;
    line.qty = 2;
    co_await pgpx::update(acx, line);
    EXPECT_EQ(line.row_version, 2);
    bool refused = false;
    try {
      co_await pgpx::update(acx, stale);
    } catch (const pgpx::stale_object_error& e) {
      refused = e.expected_version() == 1;
    }
    EXPECT_TRUE(refused);

    author a;
    a.name = "Ada";
    a.email = "ada@example.org";
    co_await pgpx::insert(acx, a);
    author dup = a;
    std::string constraint;
    try {
      co_await pgpx::insert(acx, dup);
    } catch (const pgpx::constraint_error& e) {
      constraint = e.constraint() + ":" + e.members().at(0);
    }
    EXPECT_EQ(constraint, "authors_email_key:email");
  });
  EXPECT_EQ(cx().query_value<std::int32_t>("select qty from shop.order_lines"), 2);
}

TEST_F(crud_async_test, verbs_run_in_an_async_transaction_and_roll_back_with_it) {
  pgpx::test::run_on_io([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    {
      auto tx = co_await acx.begin();
      author a;
      a.name = "Ada";
      a.email = "ada@example.org";
      co_await pgpx::insert(tx, a);
      EXPECT_EQ(co_await pgpx::count<author>(tx), 1);
      co_await tx.rollback();
    }
    EXPECT_EQ(co_await pgpx::count<author>(acx), 0);
  });
}

}  // namespace
