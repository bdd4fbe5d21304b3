// One statement value (pgpx/core/statement.hpp) awaited on an async connection, an async
// transaction, an async pool's lease and an async stream: the same value the blocking tests
// run (tests/integration/core/statement_test.cpp), with the same results.
#include "support/co_assert.hpp"
#include "support/loop_probe.hpp"
#include "support/test_db.hpp"

#include <pgpx/async/async.hpp>
#include <pgpx/core/statement.hpp>

#include <boost/asio/awaitable.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace asio = boost::asio;

namespace {

struct item {
  std::int64_t id;
  std::string name;
};

class async_statement_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script(
        "create table t (id int8 primary key, name text not null);"
        "insert into t select g, 'n' || g from generate_series(1, 5) g");
  }
  template <class F>
  void run(F&& f) {
    pgpx::test::run_on_io(std::forward<F>(f));
  }
};

TEST_F(async_statement_test, one_statement_is_awaited_with_every_typed_call) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    std::string excluded = "n4";
    const auto s = pgpx::make_statement<item>("select id, name from t where id >= $1 and name <> $2 order by id",
                                              std::int64_t{3}, excluded);
    excluded = "n3";  // the statement holds its own copy
    const auto v = co_await acx.query(s);
    CO_ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].name, "n3");
    EXPECT_EQ(v[1].name, "n5");
    const auto one = pgpx::make_statement<item>("select id, name from t where id = $1", std::int64_t{2});
    EXPECT_EQ((co_await acx.query_one(one)).name, "n2");
    const auto maybe = co_await acx.query_optional(one);
    CO_ASSERT_TRUE(maybe.has_value());
    EXPECT_EQ(maybe->id, 2);
    const auto count = pgpx::make_statement<std::int64_t>("select count(*) from t");
    EXPECT_EQ(co_await acx.query_value(count), 5);
    const auto rename = pgpx::make_statement("update t set name = $1 where id = $2", std::string("x"), 1);
    EXPECT_EQ(co_await acx.execute(rename), 1u);
    const auto r = co_await acx.exec(rename);
    EXPECT_EQ(r.affected_rows(), 1u);
    // A temporary statement moved into the call.
    EXPECT_EQ(co_await acx.query_value(pgpx::make_statement<std::int64_t>("select $1::int8 * 2", 21)), 42);
  });
  EXPECT_EQ(cx().query_value<std::string>("select name from t where id = 1"), "x");
}

TEST_F(async_statement_test, a_statement_in_an_async_transaction_follows_its_outcome) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    const auto ins = pgpx::make_statement("insert into t values ($1, $2)", std::int64_t{10}, "ten");
    {
      auto tx = co_await acx.begin();
      EXPECT_EQ(co_await tx.execute(ins), 1u);
      co_await tx.rollback();
    }
    EXPECT_EQ(co_await acx.query_value(pgpx::make_statement<std::int64_t>("select count(*) from t")), 5);
    auto tx = co_await acx.begin();
    EXPECT_EQ(co_await tx.execute(ins), 1u);
    co_await tx.commit();
  });
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 6);
}

TEST_F(async_statement_test, a_statement_runs_on_an_async_lease_and_streams) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::async_pool p(ex, conninfo());
    auto lease = co_await p.acquire();
    const auto s = pgpx::make_statement<item>("select id, name from t where id > $1 order by id", 1);
    EXPECT_EQ((co_await lease->query(s)).size(), 4u);
    auto rows = co_await lease->stream(s, pgpx::stream_options{.fetch_size = 0});
    std::vector<std::int64_t> ids;
    while (auto row = co_await rows.next()) ids.push_back(row->id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{2, 3, 4, 5}));
  });
}

}  // namespace
