#include "support/loop_probe.hpp"
#include "support/test_db.hpp"
#include "support/time_factor.hpp"

#include <pgpx/async/async.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

struct row {
  std::int64_t id;
  std::string name;
};

class async_test : public pgpx::test::db_test {
 protected:
  // Runs a coroutine to completion on a fresh io_context (one thread), rethrowing its error.
  template <class F>
  void run(F&& f) {
    pgpx::test::run_on_io(std::forward<F>(f));
  }
};

TEST_F(async_test, queries_are_awaitable) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    co_await cx.execute("create table t (id int8, name text)");
    EXPECT_EQ(co_await cx.execute("insert into t values ($1, $2), ($3, $4)", 1, "one", 2, "two"), 2u);
    auto rows = co_await cx.query<row>("select * from t where id >= $1 order by id", 1);
    EXPECT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].name, "two");
    EXPECT_EQ(co_await cx.query_value<std::int64_t>("select count(*) from t"), 2);
    EXPECT_EQ(cx.sync().cached_statements(), 4u);  // create, insert, select, count
  });
}

TEST_F(async_test, many_connections_progress_on_one_thread) {
  std::atomic<int> done{0};
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto cx = co_await pgpx::async_connection::connect(io.get_executor(), conninfo());
          (void)co_await cx.query_value<std::string>("select pg_sleep(0.3)::text");
          ++done;
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(done.load(), 5);
  // Five 300 ms sleeps overlapped on one thread.
  EXPECT_LT(std::chrono::steady_clock::now() - start, pgpx::test::budget(1200ms));
}

TEST_F(async_test, errors_and_deadlines_behave_as_in_the_blocking_api) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::connection_options o;
    o.statement_timeout = 200ms;
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo(), o);
    bool sql_failed = false;
    try {
      co_await cx.execute("select * from nope");
    } catch (const pgpx::sql_error& e) {
      sql_failed = e.sqlstate() == "42P01";
    }
    EXPECT_TRUE(sql_failed);
    const auto t0 = std::chrono::steady_clock::now();
    bool timed_out = false;
    try {
      co_await cx.execute("select pg_sleep(5)");
    } catch (const pgpx::timeout_error&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, pgpx::test::budget(1s));
    EXPECT_EQ(co_await cx.query_value<int>("select 1"), 1);  // still usable
  });
}

TEST_F(async_test, asio_cancellation_cancels_the_statement_on_the_server) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    asio::steady_timer t(ex, 200ms);
    const auto t0 = std::chrono::steady_clock::now();
    bool cancelled = false;
    try {
      auto r = co_await (cx.execute("select pg_sleep(5)") || t.async_wait(asio::use_awaitable));
      cancelled = r.index() == 1;
    } catch (const pgpx::timeout_error&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, pgpx::test::budget(1s));
    // On the server, not only on our side: the statement is no longer running there.
    bool gone = false;
    for (int i = 0; i < 50 && !gone; ++i) {
      gone = this->cx().query_value<std::int64_t>(
                 "select count(*) from pg_stat_activity where query = 'select pg_sleep(5)' and state = 'active'"
                 " and datname = current_database()") == 0;
      if (!gone) {
        asio::steady_timer w(ex, 20ms);
        co_await w.async_wait(asio::use_awaitable);
      }
    }
    EXPECT_TRUE(gone) << "pg_sleep(5) still runs on the server after the cancellation";
  });
}

TEST_F(async_test, the_async_pool_hands_connections_first_come_first_served) {
  asio::io_context io;
  pgpx::pool_options o;
  o.max_size = 2;
  o.acquire_timeout = 5s;
  o.application_name = database_name();
  pgpx::async_pool p(io.get_executor(), conninfo(), o);
  std::vector<int> order;
  std::vector<int> served;  // the order in which acquire() returned
  int max_in_use = 0;
  for (int i = 0; i < 6; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          auto cx = co_await p.acquire();
          served.push_back(i);
          max_in_use = std::max<int>(max_in_use, static_cast<int>(p.stats().in_use));
          (void)co_await cx->query_value<std::string>("select pg_sleep(0.05)::text");
          order.push_back(i);
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(order.size(), 6u);
  EXPECT_LE(max_in_use, 2);
  EXPECT_EQ(p.stats().size, 2u);
  EXPECT_EQ(p.stats().in_use, 0u);
  EXPECT_GE(p.stats().waits, 4u);
  // First come, first served: the waiters are served in the order they asked. (Two
  // connections: the first two may open in either order; from then on the order holds.)
  ASSERT_EQ(served.size(), 6u);
  EXPECT_EQ(std::vector<int>(served.begin() + 2, served.end()), (std::vector<int>{2, 3, 4, 5}))
      << "served out of order";
}

TEST_F(async_test, the_async_pool_times_out_and_resets_dirty_connections) {
  asio::io_context io;
  pgpx::pool_options o;
  o.max_size = 1;
  o.acquire_timeout = 200ms;
  pgpx::async_pool p(io.get_executor(), conninfo(), o);
  bool timed_out = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        {
          auto a = co_await p.acquire();
          co_await a->execute("set search_path = pg_catalog");
          try {
            auto b = co_await p.acquire();
          } catch (const pgpx::pool_exhausted&) {
            timed_out = true;
          }
        }
        auto c = co_await p.acquire();
        EXPECT_EQ(co_await c->query_value<std::string>("show search_path"), "\"$user\", public");
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(timed_out);
  EXPECT_EQ(p.stats().resets, 1u);
}

}  // namespace
