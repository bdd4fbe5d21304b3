// Parity of the async connection with the blocking engine, for what the old async code did
// not do (issue 10, item 1): the query hook sees async statements, and a cached statement
// whose plan went stale (a column type changed) is prepared again and run once more.
// Written with the calls both the old and the new async API have, so that the same file
// shows the difference.
#include "support/loop_probe.hpp"
#include "support/time_factor.hpp"
#include "support/test_db.hpp"

#include <pgpx/async/async.hpp>
#include <pgpx/pool/pool.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <set>

#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using pgpx::test::budget;
using pgpx::test::sleep_for;

namespace {

class async_parity_test : public pgpx::test::db_test {
 protected:
  template <class F>
  void run(F&& f) {
    pgpx::test::run_on_io(std::forward<F>(f));
  }
};

TEST_F(async_parity_test, the_query_hook_sees_every_async_statement_with_its_outcome) {
  struct seen {
    std::string sql;
    bool failed;
    std::uint64_t rows;
    bool prepared;
  };
  std::vector<seen> log;
  auto hook = std::make_shared<pgpx::query_hook>();
  hook->on_query = [&](const pgpx::query_event& e) {
    log.push_back({std::string(e.sql), e.failure != nullptr, e.rows, e.prepared});
  };
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::connection_options o;
    o.hook = hook;
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo(), o);
    co_await cx.execute("create table h (x int4)");
    co_await cx.execute("insert into h select generate_series(1, $1)", 3);
    (void)co_await cx.query_value<std::int64_t>("select count(*) from h");
    (void)co_await cx.query_value<std::int64_t>("select count(*) from h");  // the cached plan this time
    try {
      co_await cx.execute("select * from no_such_table");
    } catch (const pgpx::sql_error&) {
    }
  });
  ASSERT_EQ(log.size(), 5u) << "the hook saw " << log.size() << " of 5 async statements";
  EXPECT_EQ(log[0].sql, "create table h (x int4)");
  EXPECT_EQ(log[1].sql, "insert into h select generate_series(1, $1)");
  EXPECT_EQ(log[1].rows, 3u);
  EXPECT_EQ(log[2].sql, "select count(*) from h");
  EXPECT_EQ(log[2].rows, 1u);
  EXPECT_FALSE(log[2].prepared);
  EXPECT_TRUE(log[3].prepared) << "the second run used the cached statement";
  EXPECT_EQ(log[4].sql, "select * from no_such_table");
  EXPECT_TRUE(log[4].failed);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_FALSE(log[i].failed) << log[i].sql;
}

TEST_F(async_parity_test, a_cached_select_star_survives_a_column_type_change) {
  this->cx().execute_script("create table s (id int4, v int4); insert into s values (1, 10)");
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    const auto r1 = co_await cx.run("select * from s", pgpx::param_list{});
    EXPECT_EQ(r1[0].get<int>(1), 10);
    const auto cached = cx.sync().cached_statements();
    // Another session changes the column's type: the cached plan's result type is stale.
    this->cx().execute_script("alter table s alter column v type text using 'v' || v::text");
    std::string v;
    try {
      const auto r2 = co_await cx.run("select * from s", pgpx::param_list{});
      v = r2[0].get<std::string>(1);
    } catch (const pgpx::error& e) {
      ADD_FAILURE() << "the stale plan was reported instead of prepared again: " << e.what();
    }
    EXPECT_EQ(v, "v10");
    EXPECT_EQ(cx.sync().cached_statements(), cached) << "the stale entry was replaced, not added to";
    // And again, from the fresh cache entry.
    EXPECT_EQ((co_await cx.run("select * from s", pgpx::param_list{}))[0].get<std::string>(1), "v10");
    // Inside a transaction block the server has already aborted the transaction: running
    // the statement again cannot help, so the error is reported, and the next try after
    // the rollback works.
    this->cx().execute_script("alter table s alter column v type int8 using 7");
    co_await cx.execute("begin");
    bool reported = false;
    try {
      (void)co_await cx.run("select * from s", pgpx::param_list{});
    } catch (const pgpx::sql_error& e) {
      reported = e.sqlstate() == "0A000";
    }
    EXPECT_TRUE(reported) << "in a transaction block the stale plan must be reported";
    co_await cx.execute("rollback");
    EXPECT_EQ((co_await cx.run("select * from s", pgpx::param_list{}))[0].get<std::int64_t>(1), 7);
  });
}

// A socket the event loop cannot watch (here libpq's descriptor replaced by /dev/null, which
// epoll refuses) is a broken connection, as in the blocking API where poll() reports it and
// libpq finds the end of the stream; before, the watcher's system_error escaped the fiber
// with the engine suspended inside it. The class: any wait failure other than a
// cancellation, for sockets and (by the same path) the pool's park.
// The socket descriptors open in this process (pgpx keeps libpq out of its public API, so the
// test finds a connection's socket as the one that appeared while it connected).
auto open_sockets() -> std::set<int> {
  std::set<int> out;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      char target[64] = {};
      const std::string link = std::string("/proc/self/fd/") + e->d_name;
      if (::readlink(link.c_str(), target, sizeof target - 1) > 0 && std::string(target).starts_with("socket:"))
        out.insert(std::stoi(e->d_name));
    }
    ::closedir(d);
  }
  return out;
}

TEST_F(async_parity_test, a_socket_the_loop_cannot_watch_is_a_broken_connection_as_in_the_blocking_api) {
  // Replaces the one socket opened since `before` by /dev/null (which epoll refuses to watch).
  auto break_socket = [](const std::set<int>& before) {
    std::vector<int> fresh;
    for (int fd : open_sockets())
      if (!before.contains(fd)) fresh.push_back(fd);
    ASSERT_EQ(fresh.size(), 1u);
    const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    ASSERT_GE(devnull, 0);
    ASSERT_GE(::dup2(devnull, fresh[0]), 0);
    ::close(devnull);
  };
  {
    const auto before = open_sockets();
    pgpx::connection blocking{conninfo()};
    break_socket(before);
    EXPECT_THROW((void)blocking.query_value<int>("select 1"), pgpx::broken_connection);
    EXPECT_FALSE(blocking.is_open());
  }
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    const auto before = open_sockets();
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    break_socket(before);
    bool broken = false;
    try {
      (void)co_await cx.query_value<int>("select 1");
    } catch (const pgpx::broken_connection&) {
      broken = true;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a pgpx::broken_connection: " << e.what();
    }
    EXPECT_TRUE(broken);
    EXPECT_FALSE(cx.sync().is_open());
  });
}

// A fiber's watch on a socket must end with its wait. Here fiber A waits on a connection's
// socket, closes that connection (its number is free again), then parks in a blocking pool's
// queue; meanwhile B connects (and gets the same number) and runs a one-second statement.
// When A's park ends, A must not take B's socket off the event loop's watch list: B's answer
// arrives within its budget.
TEST_F(async_parity_test, a_closed_sockets_number_reused_by_another_connection_is_still_watched) {
  pgpx::pool_options po;
  po.max_size = 1;
  po.acquire_timeout = 500ms;
  auto p = pgpx::pool::open(conninfo(), po);
  auto holder = p.acquire();  // A's acquire below parks until its timeout
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    int a_socket = -1;
    bool a_parked = false;
    bool a_done = false;
    auto a = [&] {
      {
        const auto before = open_sockets();
        pgpx::connection x{conninfo()};
        for (int fd : open_sockets())
          if (!before.contains(fd)) a_socket = fd;
        EXPECT_EQ(x.query_value<int>("select 1"), 1);
      }
      a_parked = true;
      EXPECT_THROW((void)p.acquire(), pgpx::error);
    };
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          co_await pgpx::detail::on_fiber(ex, a);
          a_done = true;
        },
        asio::detached);
    while (!a_parked) co_await sleep_for(1ms);
    EXPECT_FALSE(open_sockets().contains(a_socket));
    auto b = co_await pgpx::async_connection::connect(ex, conninfo());
    EXPECT_TRUE(open_sockets().contains(a_socket)) << "B did not get A's socket number; the case is not exercised";
    EXPECT_FALSE(a_done) << "A's park ended before B's statement started";
    auto r = co_await (b.query_value<int>("select 7 from pg_sleep(1)") || sleep_for(budget(4s)));
    EXPECT_EQ(r.index(), 0u) << "B's answer was never reported: its socket was no longer watched";
    if (r.index() == 0) {
      EXPECT_EQ(std::get<0>(r), 7);
    }
    EXPECT_TRUE(a_done);
  });
}

}  // namespace
