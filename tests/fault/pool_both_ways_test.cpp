// The pool's scenarios through both waiting strategies (issue 10, item 2): each scenario is
// written once, as a coroutine over a small "way" of using the pool, and runs as a typed test
// with the blocking pgpx::pool (blocking calls; concurrent tasks on threads of their own) and
// with pgpx::async_pool (awaited on one io_context; concurrent tasks are coroutines on it).
// The options (check_after_idle, on_event, min_size, max_lifetime, acquire_timeout), the
// queue, the clean-up on return and the fault behaviour must be the same both ways. Each
// scenario ends with the leak check: nothing leased, and the server sees exactly the pool's
// connections; then, with the pool gone, none.
#include "async_fault_fixture.hpp"

#include <pgpx/async/async.hpp>
#include <pgpx/pool/pool.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

using pgpx::test::budget;
using pgpx::test::elapsed_since;
using pgpx::test::proxy_mode;
using pgpx::test::sleep_for;
using task = std::function<asio::awaitable<void>()>;

// The blocking pool: each call blocks its thread; spawned tasks run on threads of their own
// (each with an io_context, so that a scenario's coroutine runs unchanged).
class blocking_way {
 public:
  using lease_type = pgpx::lease;
  static constexpr const char* name = "blocking";
  blocking_way(asio::io_context& /*io*/, const pgpx::conninfo& ci, pgpx::pool_options o)
      : pool_(pgpx::pool::open(ci, std::move(o))) {}
  ~blocking_way() { join(); }
  auto acquire() -> asio::awaitable<lease_type> { co_return pool_.acquire(); }
  static auto conn(lease_type& l) -> pgpx::connection& { return *l; }
  static auto run(lease_type& l, std::string sql) -> asio::awaitable<pgpx::result> { co_return l->run(sql, {}); }
  auto pool() -> pgpx::pool& { return pool_; }
  void spawn(task t) {
    threads_.emplace_back([t = std::move(t)] {
      asio::io_context io;
      auto fut = asio::co_spawn(io, t(), asio::use_future);
      io.run();
      try {
        fut.get();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "a task failed: " << e.what();
      }
    });
  }
  void join() {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  pgpx::pool pool_;
  std::vector<std::thread> threads_;
};

// The async pool: every call suspends; spawned tasks are coroutines on the same io_context.
class async_way {
 public:
  using lease_type = pgpx::async_lease;
  static constexpr const char* name = "async";
  async_way(asio::io_context& io, const pgpx::conninfo& ci, pgpx::pool_options o)
      : io_(io), pool_(io.get_executor(), ci, std::move(o)) {}
  auto acquire() -> asio::awaitable<lease_type> { co_return co_await pool_.acquire(); }
  static auto conn(lease_type& l) -> pgpx::connection& { return l->sync(); }
  static auto run(lease_type& l, std::string sql) -> asio::awaitable<pgpx::result> {
    co_return co_await l->run(sql, {});
  }
  auto pool() -> pgpx::pool& { return pool_.sync(); }
  void spawn(task t) {
    asio::co_spawn(
        io_,
        [t = std::move(t)]() -> asio::awaitable<void> {
          try {
            co_await t();
          } catch (const std::exception& e) {
            ADD_FAILURE() << "a task failed: " << e.what();
          }
        },
        asio::detached);
  }
  void join() {}  // io.run() returns once every task is done

 private:
  asio::io_context& io_;
  pgpx::async_pool pool_;
};

// One statement on a lease of either way, and its single value.
inline auto run_on(pgpx::lease& l, std::string sql) -> asio::awaitable<pgpx::result> { co_return l->run(sql, {}); }
inline auto run_on(pgpx::async_lease& l, std::string sql) -> asio::awaitable<pgpx::result> {
  co_return co_await l->run(sql, {});
}
template <class T, class L>
auto value_of(L& l, std::string sql) -> asio::awaitable<T> {
  pgpx::result r = co_await run_on(l, std::move(sql));
  co_return r.template value<T>();
}

// Polls `ok` from a coroutine (without blocking the loop) until it holds or `within` passes.
template <class F>
auto eventually_co(F ok, std::chrono::milliseconds within = 5s) -> asio::awaitable<bool> {
  const auto until = std::chrono::steady_clock::now() + budget(within);
  while (std::chrono::steady_clock::now() < until) {
    if (ok()) co_return true;
    co_await sleep_for(5ms);
  }
  co_return ok();
}

template <class Way>
class pool_both_ways_test : public pgpx::test::async_fault_test {
 protected:
  auto options() -> pgpx::pool_options {
    pgpx::pool_options o;
    o.application_name = database_name();
    o.housekeeping_period = 50ms;
    return o;
  }
  // Runs `scenario(way)` with a pool of `o` on `ci`, then the leak check.
  template <class F>
  void with_pool(const pgpx::conninfo& ci, pgpx::pool_options o, F scenario) {
    asio::io_context io;
    {
      Way w(io, ci, std::move(o));
      auto fut = asio::co_spawn(io, scenario(w), asio::use_future);
      io.run();
      w.join();
      fut.get();
      const auto s = w.pool().stats();
      EXPECT_EQ(s.in_use, 0u) << Way::name;
      EXPECT_EQ(s.waiters, 0u) << Way::name;
      EXPECT_EQ(s.idle, s.size) << Way::name;
      EXPECT_TRUE(pgpx::test::eventually([&] {
        return sessions() == static_cast<std::int64_t>(w.pool().stats().size);
      })) << Way::name
          << ": server sessions " << sessions() << ", pool size " << w.pool().stats().size;
    }
  }
  template <class F>
  void with_pool(pgpx::pool_options o, F scenario) {
    with_pool(conninfo(), std::move(o), std::move(scenario));
  }
  auto terminate(int pid) -> void {
    pgpx::connection k{conninfo()};
    (void)k.query_value<bool>("select pg_terminate_backend($1)", pid);
    EXPECT_TRUE(pgpx::test::eventually(
        [&] { return k.query_value<std::int64_t>("select count(*) from pg_stat_activity where pid = $1", pid) == 0; }));
  }
};

using ways = ::testing::Types<blocking_way, async_way>;
class way_names {
 public:
  template <class T>
  static auto GetName(int) -> std::string {
    return T::name;
  }
};
TYPED_TEST_SUITE(pool_both_ways_test, ways, way_names);

TYPED_TEST(pool_both_ways_test, leases_are_reused_and_counted) {
  this->with_pool(this->options(), [&](TypeParam& w) -> asio::awaitable<void> {
    int pid = 0;
    {
      auto l = co_await w.acquire();
      pid = TypeParam::conn(l).backend_pid();
      EXPECT_EQ(co_await value_of<int>(l, "select 1"), 1);
      EXPECT_EQ(w.pool().stats().in_use, 1u);
    }
    {
      auto l = co_await w.acquire();
      EXPECT_EQ(TypeParam::conn(l).backend_pid(), pid);
    }
    const auto s = w.pool().stats();
    EXPECT_EQ(s.size, 1u);
    EXPECT_EQ(s.acquires, 2u);
    EXPECT_EQ(s.connects, 1u);
  });
}

TYPED_TEST(pool_both_ways_test, acquire_timeout_gives_pool_exhausted) {
  auto o = this->options();
  o.max_size = 1;
  o.acquire_timeout = 200ms;
  this->with_pool(o, [&](TypeParam& w) -> asio::awaitable<void> {
    auto held = co_await w.acquire();
    const auto t0 = std::chrono::steady_clock::now();
    bool exhausted = false;
    try {
      auto l = co_await w.acquire();
    } catch (const pgpx::pool_exhausted& e) {
      exhausted = e.kind() == pgpx::error_kind::pool_timeout;
    }
    EXPECT_TRUE(exhausted);
    EXPECT_GE(elapsed_since(t0), 195ms);
    EXPECT_LT(elapsed_since(t0), budget(400ms));
    EXPECT_EQ(w.pool().stats().timeouts, 1u);
    EXPECT_EQ(w.pool().stats().waiters, 0u);
  });
}

TYPED_TEST(pool_both_ways_test, waiters_are_served_first_come_first_served) {
  auto o = this->options();
  o.max_size = 1;
  std::mutex m;
  std::vector<int> order;
  this->with_pool(o, [&](TypeParam& w) -> asio::awaitable<void> {
    auto held = co_await w.acquire();
    std::atomic<int> done{0};
    for (int i = 0; i < 4; ++i) {
      w.spawn([&, i]() -> asio::awaitable<void> {
        auto l = co_await w.acquire();
        {
          std::lock_guard lock(m);
          order.push_back(i);
        }
        (void)co_await run_on(l, "select pg_sleep(0.02)");
        ++done;
      });
      // The next one asks only once this one is queued.
      EXPECT_TRUE(co_await eventually_co([&] { return w.pool().stats().waiters == static_cast<std::size_t>(i + 1); }));
    }
    held.release();
    EXPECT_TRUE(co_await eventually_co([&] { return done == 4; }));
  });
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TYPED_TEST(pool_both_ways_test, connections_returned_dirty_come_back_clean_and_are_reported) {
  auto o = this->options();
  o.max_size = 1;
  std::mutex m;
  std::vector<std::string> events;
  o.on_event = [&](pgpx::pool_event e, std::string_view) {
    std::lock_guard lock(m);
    events.emplace_back(pgpx::to_string(e));
  };
  this->cx().execute_script("create table t (x int4)");
  this->with_pool(o, [&](TypeParam& w) -> asio::awaitable<void> {
    {
      auto l = co_await w.acquire();
      (void)co_await run_on(l, "set search_path = pg_catalog");
    }
    {
      auto l = co_await w.acquire();
      EXPECT_EQ(co_await value_of<std::string>(l, "show search_path"), "\"$user\", public");
      (void)co_await run_on(l, "begin");
      (void)co_await run_on(l, "insert into public.t values (1)");
    }
    {
      auto l = co_await w.acquire();
      EXPECT_EQ(TypeParam::conn(l).status(), pgpx::transaction_status::idle);
      EXPECT_EQ(co_await value_of<std::int64_t>(l, "select count(*) from public.t"), 0);
    }
    EXPECT_GE(w.pool().stats().resets, 1u);
  });
  std::lock_guard lock(m);
  EXPECT_NE(std::find(events.begin(), events.end(), "reset"), events.end());
  EXPECT_NE(std::find(events.begin(), events.end(), "rolled_back"), events.end());
}

TYPED_TEST(pool_both_ways_test, check_after_idle_replaces_a_terminated_idle_connection) {
  auto o = this->options();
  o.max_size = 2;
  o.check_after_idle = 20ms;
  std::mutex m;
  std::vector<std::string> events;
  o.on_event = [&](pgpx::pool_event e, std::string_view) {
    std::lock_guard lock(m);
    events.emplace_back(pgpx::to_string(e));
  };
  this->with_pool(o, [&](TypeParam& w) -> asio::awaitable<void> {
    int pid = 0;
    {
      auto l = co_await w.acquire();
      pid = TypeParam::conn(l).backend_pid();
    }
    this->terminate(pid);
    co_await sleep_for(50ms);  // longer than check_after_idle
    auto l = co_await w.acquire();
    EXPECT_NE(TypeParam::conn(l).backend_pid(), pid);
    bool works = false;
    try {
      works = co_await value_of<int>(l, "select 1") == 1;
    } catch (const pgpx::error& e) {
      ADD_FAILURE() << "the pool lent the dead connection: " << e.what();
    }
    EXPECT_TRUE(works);
    EXPECT_GE(w.pool().stats().discarded, 1u);
  });
  std::lock_guard lock(m);
  EXPECT_NE(std::find(events.begin(), events.end(), "discarded"), events.end());
}

TYPED_TEST(pool_both_ways_test, min_size_is_kept_open) {
  auto o = this->options();
  o.min_size = 3;
  o.max_size = 4;
  this->with_pool(o, [&](TypeParam& w) -> asio::awaitable<void> {
    EXPECT_TRUE(co_await eventually_co([&] { return w.pool().stats().idle == 3; }));
    // Take one away for good: the pool opens another to keep three.
    {
      auto l = co_await w.acquire();
      l.discard();
    }
    EXPECT_TRUE(co_await eventually_co([&] { return w.pool().stats().idle == 3; }));
    EXPECT_EQ(w.pool().stats().size, 3u);
  });
}

TYPED_TEST(pool_both_ways_test, connections_retire_at_max_lifetime_but_never_while_leased) {
  auto o = this->options();
  o.max_size = 1;
  o.max_lifetime = 200ms;
  o.lifetime_jitter = 0;
  this->with_pool(o, [&](TypeParam& w) -> asio::awaitable<void> {
    int pid = 0;
    {
      auto l = co_await w.acquire();
      pid = TypeParam::conn(l).backend_pid();
      co_await sleep_for(300ms);  // past its lifetime while leased: still this connection
      EXPECT_EQ(co_await value_of<int>(l, "select pg_backend_pid()"), pid);
    }
    auto l = co_await w.acquire();
    EXPECT_NE(TypeParam::conn(l).backend_pid(), pid) << "an expired connection was lent again";
    EXPECT_EQ(co_await value_of<int>(l, "select 1"), 1);
  });
}

TYPED_TEST(pool_both_ways_test, close_wakes_the_waiters_with_pool_closed) {
  auto o = this->options();
  o.max_size = 1;
  o.acquire_timeout = 5s;
  std::atomic<int> closed_errors{0};
  this->with_pool(o, [&](TypeParam& w) -> asio::awaitable<void> {
    auto held = co_await w.acquire();
    std::atomic<int> done{0};
    for (int i = 0; i < 2; ++i) {
      w.spawn([&]() -> asio::awaitable<void> {
        try {
          auto l = co_await w.acquire();
        } catch (const pgpx::error& e) {
          if (e.kind() == pgpx::error_kind::pool_closed) ++closed_errors;
        }
        ++done;
      });
    }
    EXPECT_TRUE(co_await eventually_co([&] { return w.pool().stats().waiters == 2; }));
    const auto t0 = std::chrono::steady_clock::now();
    w.pool().close();
    EXPECT_TRUE(co_await eventually_co([&] { return done == 2; }));
    EXPECT_LT(elapsed_since(t0), budget(200ms));
    held.release();  // returned after close: closed, not kept
    EXPECT_EQ(w.pool().stats().size, 0u);
  });
  EXPECT_EQ(closed_errors.load(), 2);
}

// s05: the backend of a leased connection is terminated mid-statement; the error poisons
// the connection, the pool replaces it.
TYPED_TEST(pool_both_ways_test, s05_a_backend_terminated_mid_query_poisons_and_the_pool_recovers) {
  auto o = this->options();
  o.max_size = 2;
  this->with_pool(o, [&](TypeParam& w) -> asio::awaitable<void> {
    int pid = 0;
    std::thread killer;
    {
      auto l = co_await w.acquire();
      pid = TypeParam::conn(l).backend_pid();
      killer = std::thread([&, pid] {
        EXPECT_TRUE(pgpx::test::wait_until_running(this->conninfo(), "select pg_sleep(5)", pid));
        this->terminate(pid);
      });
      bool poisoned = false;
      try {
        (void)co_await run_on(l, "select pg_sleep(5)");
      } catch (const pgpx::error& e) {
        poisoned = e.kind() == pgpx::error_kind::connection && e.sqlstate() == "57P01" && e.poisons_connection();
        EXPECT_TRUE(poisoned) << e.what();
      }
      EXPECT_TRUE(poisoned);
    }
    killer.join();
    EXPECT_EQ(w.pool().stats().in_use, 0u);
    auto l = co_await w.acquire();
    EXPECT_NE(TypeParam::conn(l).backend_pid(), pid);
    EXPECT_EQ(co_await value_of<int>(l, "select 1"), 1);
  });
}

// s07: the network stalls under a leased connection; the statement ends at its deadline,
// the connection is dropped, and the pool serves a fresh one once the link is back.
TYPED_TEST(pool_both_ways_test, s07_a_stall_mid_query_ends_at_the_deadline_and_the_pool_recovers) {
  const auto ci = this->through_proxy();
  auto o = this->options();
  o.max_size = 2;
  o.connection.statement_timeout = 300ms;
  this->with_pool(ci, o, [&](TypeParam& w) -> asio::awaitable<void> {
    int pid = 0;
    {
      auto l = co_await w.acquire();
      pid = TypeParam::conn(l).backend_pid();
      EXPECT_EQ(co_await value_of<int>(l, "select 1"), 1);
      this->proxy_->set_mode(proxy_mode::pause);
      const auto t0 = std::chrono::steady_clock::now();
      bool unknown = false;
      try {
        (void)co_await run_on(l, "select 1");
      } catch (const pgpx::outcome_unknown& e) {
        unknown = e.poisons_connection();
      }
      EXPECT_TRUE(unknown);
      EXPECT_LE(elapsed_since(t0), budget(300ms + 200ms + 200ms));
      EXPECT_FALSE(TypeParam::conn(l).is_open());
    }
    this->proxy_->set_mode(proxy_mode::pass);
    auto l = co_await w.acquire();
    EXPECT_NE(TypeParam::conn(l).backend_pid(), pid);
    EXPECT_EQ(co_await value_of<int>(l, "select 2"), 2);
    EXPECT_GE(w.pool().stats().discarded, 1u);
  });
}

// s08: a server that accepts and never answers cannot hold an acquire past its deadline.
TYPED_TEST(pool_both_ways_test, s08_a_deaf_endpoint_cannot_hold_an_acquire_past_its_deadline) {
  pgpx::test::deaf_listener deaf;
  pgpx::conninfo ci;
  ci.set("host", "127.0.0.1").set("port", std::to_string(deaf.port())).set("user", "x").set("sslmode", "disable");
  auto o = this->options();
  o.acquire_timeout = 500ms;
  this->with_pool(ci, o, [&](TypeParam& w) -> asio::awaitable<void> {
    const auto t0 = std::chrono::steady_clock::now();
    bool exhausted = false;
    try {
      auto l = co_await w.acquire();
    } catch (const pgpx::pool_exhausted&) {
      exhausted = true;
    }
    EXPECT_TRUE(exhausted);
    EXPECT_LE(elapsed_since(t0), budget(600ms));
    w.pool().close();  // the background attempts stop
  });
}

}  // namespace
