#include "support/tcp_proxy.hpp"
#include "support/test_db.hpp"
#include "support/time_factor.hpp"

#include <pgpx/core/transaction.hpp>
#include <pgpx/pool/pool.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using pgpx::test::budget;
using pgpx::test::eventually;

class pool_test : public pgpx::test::db_test {
 protected:
  // The leak check of the fault label (docs/reliability.md): once the test's pools are gone,
  // the server sees none of their sessions.
  void TearDown() override {
    if (cx().is_open()) {
      EXPECT_TRUE(eventually([&] { return server_sessions() == 0; })) << "server sessions " << server_sessions();
    }
    db_test::TearDown();
  }
  // Options with this test's own application_name, so server-side counts are exact.
  auto options() -> pgpx::pool_options {
    pgpx::pool_options o;
    o.application_name = database_name();
    o.housekeeping_period = 50ms;
    return o;
  }
  auto server_sessions() -> std::int64_t {
    // The test's own connection carries the same application_name: leave it out.
    return cx().query_value<std::int64_t>(
        "select count(*) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()",
        database_name());
  }
  // The leak oracle of spec/reliability.md: nothing leased, and the server sees exactly the
  // pool's connections.
  void expect_clean(const pgpx::pool& p) {
    const auto s = p.stats();
    EXPECT_EQ(s.in_use, 0u);
    EXPECT_EQ(s.idle, s.size);
    // A backend leaves pg_stat_activity a moment after its client closed (the sampler's in
    // many_threads...): wait for the count to settle rather than read it once.
    EXPECT_TRUE(eventually([&] { return server_sessions() == static_cast<std::int64_t>(p.stats().size); }))
        << "server sessions " << server_sessions() << ", pool size " << p.stats().size;
  }
};

TEST_F(pool_test, leases_are_reused_and_counted) {
  auto p = pgpx::pool::open(conninfo(), options());
  int pid = 0;
  {
    auto l = p.acquire();
    pid = l->backend_pid();
    EXPECT_EQ(l->query_value<int>("select 1"), 1);
    EXPECT_EQ(p.stats().in_use, 1u);
  }
  {
    auto l = p.acquire();
    EXPECT_EQ(l->backend_pid(), pid);
  }
  const auto s = p.stats();
  EXPECT_EQ(s.size, 1u);
  EXPECT_EQ(s.acquires, 2u);
  EXPECT_EQ(s.connects, 1u);
  expect_clean(p);
}

TEST_F(pool_test, warms_up_to_min_size_in_the_background) {
  auto o = options();
  o.min_size = 3;
  auto p = pgpx::pool::open(conninfo(), o);
  EXPECT_TRUE(eventually([&] { return p.stats().idle == 3; }));
  expect_clean(p);
}

TEST_F(pool_test, acquire_times_out_when_every_connection_is_leased) {
  auto o = options();
  o.max_size = 1;
  o.acquire_timeout = 200ms;
  auto p = pgpx::pool::open(conninfo(), o);
  auto held = p.acquire();
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)p.acquire();
    FAIL();
  } catch (const pgpx::pool_exhausted& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::pool_timeout);
  }
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, budget(300ms + 100ms));
  EXPECT_EQ(p.stats().timeouts, 1u);
  auto r = p.try_acquire(pgpx::deadline_in(10ms));
  EXPECT_FALSE(r.has_value());
}

TEST_F(pool_test, a_bounded_queue_refuses_at_once) {
  auto o = options();
  o.max_size = 1;
  o.max_waiters = 1;
  o.acquire_timeout = 2s;
  auto p = pgpx::pool::open(conninfo(), o);
  auto held = p.acquire();
  std::thread waiter([&] { EXPECT_NO_THROW((void)p.acquire()); });
  ASSERT_TRUE(eventually([&] { return p.stats().waiters == 1; }));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)p.acquire(), pgpx::pool_exhausted);
  EXPECT_LT(std::chrono::steady_clock::now() - start, budget(100ms));
  held.release();
  waiter.join();
}

TEST_F(pool_test, waiters_are_served_first_come_first_served) {
  auto o = options();
  o.max_size = 1;
  auto p = pgpx::pool::open(conninfo(), o);
  auto held = p.acquire();
  std::mutex m;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, i] {
      auto l = p.acquire();
      std::lock_guard lock(m);
      order.push_back(i);
    });
    ASSERT_TRUE(eventually([&] { return p.stats().waiters == static_cast<std::size_t>(i + 1); }));
  }
  held.release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

// Under barging pressure (a thread that keeps acquiring and releasing while others queue),
// the queued waiters are still served in their arrival order, and every one is served.
TEST_F(pool_test, queued_waiters_keep_their_order_while_a_running_thread_barges) {
  // One connection: each waiter holds it while it records itself, so the recorded order is
  // the order of service. (With two connections a served waiter may be descheduled before it
  // records while its neighbours go round: the recorded order would not be the served one.)
  {
    constexpr std::size_t size = 1;
    auto o = options();
    o.max_size = size;
    o.acquire_timeout = budget(10s);
    auto p = pgpx::pool::open(conninfo(), o);
    std::vector<pgpx::lease> held;
    for (std::size_t i = 0; i < size; ++i) held.push_back(p.acquire());
    std::mutex m;
    std::vector<int> order;
    std::vector<std::thread> threads;
    constexpr int waiters = 6;
    for (int i = 0; i < waiters; ++i) {
      threads.emplace_back([&, i] {
        auto l = p.acquire();
        {
          std::lock_guard lock(m);
          order.push_back(i);
        }
        EXPECT_EQ(l->query_value<int>("select $1::int", i), i);
      });
      ASSERT_TRUE(eventually([&] { return p.stats().waiters == static_cast<std::size_t>(i + 1); }));
    }
    std::atomic<bool> stop{false};
    std::atomic<long> barger_cycles{0};
    std::thread barger([&] {
      while (!stop.load()) {
        auto l = p.acquire();
        ++barger_cycles;
      }
    });
    held.clear();  // releases every held connection: the waiters and the barger compete now
    for (auto& t : threads) t.join();
    stop = true;
    barger.join();
    ASSERT_EQ(order.size(), static_cast<std::size_t>(waiters));
    for (std::size_t k = 0; k < order.size(); ++k) {
      EXPECT_LE(static_cast<std::size_t>(order[k]), k + size - 1) << "position " << k;
      EXPECT_GE(static_cast<std::size_t>(order[k]) + size - 1, k) << "position " << k;
    }
    EXPECT_EQ(p.stats().timeouts, 0u);
    EXPECT_EQ(p.stats().waiters, 0u);
    expect_clean(p);
  }
}

// Threads that re-acquire in a tight loop (holding the connection for a round trip each
// time) cannot starve another one: a waiter that was woken and found its connection taken
// twice is served before any newcomer, so each of its acquires ends well within the timeout
// while the loops keep running.
TEST_F(pool_test, a_thread_that_reacquires_in_a_loop_does_not_starve_a_waiter) {
  for (const int bargers : {1, 3}) {
    SCOPED_TRACE(std::to_string(bargers) + " looping threads");
    auto o = options();
    o.max_size = 1;
    o.acquire_timeout = budget(5s);
    auto p = pgpx::pool::open(conninfo(), o);
    std::atomic<bool> stop{false};
    std::atomic<long> cycles{0};
    std::vector<std::thread> loops;
    for (int b = 0; b < bargers; ++b) {
      loops.emplace_back([&] {
        try {
          while (!stop.load()) {
            auto l = p.acquire();
            (void)l->query_value<int>("select 1");
            ++cycles;
          }
        } catch (const pgpx::error& e) {
          ADD_FAILURE() << "a looping thread failed: " << e.what();
        }
      });
    }
    ASSERT_TRUE(eventually([&] { return cycles.load() >= 20; }));
    // The waiter's own acquires, each competing with the running loop(s).
    int served = 0;
    for (int i = 0; i < 20; ++i) {
      try {
        auto l = p.acquire();
        EXPECT_EQ(l->query_value<int>("select $1::int", i), i);
        ++served;
      } catch (const pgpx::pool_exhausted& e) {
        ADD_FAILURE() << "the waiter starved on acquire " << i << ": " << e.what();
        break;
      }
    }
    const long before_stop = cycles.load();
    ASSERT_TRUE(eventually([&] { return cycles.load() > before_stop; }));  // the loops are still served too
    stop = true;
    for (auto& t : loops) t.join();
    EXPECT_EQ(served, 20);
    EXPECT_EQ(p.stats().timeouts, 0u);
    expect_clean(p);
  }
}

// Waiting is counted in the statistics and leaves no trace: the queue empties, nothing times out.
TEST_F(pool_test, contention_is_counted_and_leaves_the_queue_empty) {
  auto o = options();
  o.max_size = 2;
  o.acquire_timeout = budget(10s);
  auto p = pgpx::pool::open(conninfo(), o);
  std::vector<std::thread> threads;
  std::atomic<int> done{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto l = p.acquire();
        if (i % 20 == 0) (void)l->query_value<int>("select 1");
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto s = p.stats();
  EXPECT_EQ(done.load(), 8 * 200);
  EXPECT_EQ(s.acquires, 8u * 200u);
  EXPECT_EQ(s.waiters, 0u);
  EXPECT_EQ(s.timeouts, 0u);
  EXPECT_GT(s.waits, 0u);  // 8 threads on 2 connections did contend
  EXPECT_LE(s.size, 2u);
  expect_clean(p);
}

TEST_F(pool_test, returned_connections_come_back_clean) {
  std::vector<pgpx::pool_event> events;
  std::mutex m;
  auto o = options();
  o.max_size = 1;
  o.on_event = [&](pgpx::pool_event e, std::string_view) {
    std::lock_guard lock(m);
    events.push_back(e);
  };
  auto p = pgpx::pool::open(conninfo(), o);
  cx().execute_script("create table t (x int)");
  {  // (a) inside an open transaction
    auto l = p.acquire();
    l->execute_script("begin; insert into t values (1)");
  }
  {  // (b) inside a failed transaction
    auto l = p.acquire();
    EXPECT_EQ(l->status(), pgpx::transaction_status::idle);
    l->execute_script("begin");
    EXPECT_THROW(l->execute("select 1/0"), pgpx::sql_error);
  }
  {  // (c) session state of every kind
    auto l = p.acquire();
    EXPECT_EQ(l->status(), pgpx::transaction_status::idle);
    l->execute_script("set search_path = pg_catalog; create temp table tmp (x int); listen chan;");
    (void)l->query_value<bool>("select pg_advisory_lock(42) is not null");
    l->execute_script("prepare mine as select 1");
    EXPECT_TRUE(l->session_changed());
  }
  auto l = p.acquire();
  EXPECT_EQ(l->status(), pgpx::transaction_status::idle);
  EXPECT_EQ(l->query_value<std::int64_t>("select count(*) from t"), 0);  // (a) was rolled back
  EXPECT_EQ(l->query_value<std::string>("show search_path"), "\"$user\", public");
  EXPECT_EQ(
      l->query_value<std::int64_t>("select count(*) from pg_class where relname = 'tmp' and relpersistence = 't'"), 0);
  EXPECT_EQ(l->query_value<std::int64_t>("select count(*) from pg_listening_channels()"), 0);
  EXPECT_EQ(l->query_value<std::int64_t>(
                "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()"),
            0);  // its own: another test's session may hold one (the migration lock)
  EXPECT_EQ(l->query_value<std::int64_t>("select count(*) from pg_prepared_statements where name = 'mine'"), 0);
  EXPECT_FALSE(l->session_changed());
  std::lock_guard lock(m);
  EXPECT_EQ(std::count(events.begin(), events.end(), pgpx::pool_event::rolled_back), 2);
  EXPECT_GE(p.stats().resets, 1u);
}

TEST_F(pool_test, ordinary_statements_do_not_reset_the_session) {
  auto o = options();
  o.max_size = 1;
  auto p = pgpx::pool::open(conninfo(), o);
  for (int i = 0; i < 3; ++i) {
    auto l = p.acquire();
    (void)l->query_value<int>("select $1::int", i);
    l->execute("set local statement_timeout = '1s'");  // transaction-scoped: harmless
  }
  EXPECT_EQ(p.stats().resets, 0u);
  auto l = p.acquire();
  EXPECT_GE(l->cached_statements(), 1u);  // the statement cache survived
}

// docs/pool.md, "Acquire": idle connections are reused most-recently-used first, so a
// lightly used pool keeps lending its warmest connections and lets the others idle out.
TEST_F(pool_test, idle_connections_are_reused_most_recently_used_first) {
  auto o = options();
  o.max_size = 3;
  auto p = pgpx::pool::open(conninfo(), o);
  std::vector<int> pids;
  {
    std::vector<pgpx::lease> ls;
    for (int i = 0; i < 3; ++i) ls.push_back(p.acquire());
    for (auto& l : ls) pids.push_back(l->backend_pid());
    for (auto& l : ls) l.release();  // returned in this order: pids[2] last
  }
  ASSERT_EQ(std::set<int>(pids.begin(), pids.end()).size(), 3u);
  auto a = p.acquire();
  EXPECT_EQ(a->backend_pid(), pids[2]) << "the last one returned is lent first";
  auto b = p.acquire();
  EXPECT_EQ(b->backend_pid(), pids[1]);
  a.release();
  auto c = p.acquire();
  EXPECT_EQ(c->backend_pid(), pids[2]) << "returned again, so the most recent again";
  b.release();
  c.release();
  EXPECT_EQ(p.stats().connects, 3u);
  expect_clean(p);
}

// docs/pool.md, "Return": reset_always resets every returned connection, also one whose
// statements changed nothing visible, and so clears what the detection cannot see (here a
// trigger that calls set_config: the documented blind spot, shown by the default run).
TEST_F(pool_test, reset_always_resets_every_returned_connection) {
  cx().execute_script(
      "create table t (x int);"
      "create function remember() returns trigger language plpgsql as "
      "$$ begin perform set_config('app.who', 'previous user', false); return new; end $$;"
      "create trigger remember before insert on t for each row execute function remember();");
  for (const bool always : {false, true}) {
    SCOPED_TRACE(always ? "reset_always" : "default");
    auto o = options();
    o.max_size = 1;
    o.reset_always = always;
    auto p = pgpx::pool::open(conninfo(), o);
    int pid = 0;
    {
      auto l = p.acquire();
      pid = l->backend_pid();
      l->execute("insert into t values (1)");  // the text shows no session change
    }
    {
      auto l = p.acquire();
      ASSERT_EQ(l->backend_pid(), pid) << "the same connection must come back";
      const auto who = l->query_value<std::optional<std::string>>("select current_setting('app.who', true)");
      if (always) EXPECT_TRUE(!who || who->empty()) << "the next user sees " << *who;
      else EXPECT_EQ(who, "previous user") << "the blind spot of docs/pool.md is gone: update the docs";
    }
    const auto resets_before = p.stats().resets;
    for (int i = 0; i < 3; ++i) {
      auto l = p.acquire();
      (void)l->query_value<int>("select $1::int", i);  // changes nothing
    }
    EXPECT_EQ(p.stats().resets - resets_before, always ? 3u : 0u);
    if (always) {
      EXPECT_EQ(p.stats().resets, 5u) << "one reset per return";
    }
    expect_clean(p);
  }
}

// docs/pool.md: max_concurrent_connects bounds the connection attempts in flight, however
// many threads ask at once. The endpoint accepts TCP and never answers, so every attempt
// stays in flight until its deadline and the proxy sees all of them at once.
TEST_F(pool_test, max_concurrent_connects_bounds_the_attempts_in_flight) {
  pgpx::test::tcp_proxy hole{"127.0.0.1", 9};  // never forwards: the upstream is not used
  hole.set_mode(pgpx::test::proxy_mode::blackhole);
  pgpx::conninfo ci;
  ci.set("host", "127.0.0.1").set("port", std::to_string(hole.port())).set("user", "x").set("sslmode", "disable");
  auto o = options();
  o.max_size = 8;
  o.max_concurrent_connects = 2;
  o.acquire_timeout = budget(800ms);
  auto p = pgpx::pool::open(ci, o);
  constexpr int threads = 8;
  std::atomic<bool> done{false};
  std::atomic<std::size_t> most{0};
  std::thread sampler([&] {
    while (!done) {
      most = std::max(most.load(), hole.open_connections());
      std::this_thread::sleep_for(1ms);
    }
  });
  std::atomic<int> failed{0};
  std::latch start(threads);
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i) {
    ts.emplace_back([&] {
      start.arrive_and_wait();
      try {
        (void)p.acquire();
      } catch (const pgpx::error&) {
        ++failed;
      }
    });
  }
  for (auto& t : ts) t.join();
  done = true;
  sampler.join();
  EXPECT_EQ(failed.load(), threads);
  EXPECT_GE(hole.accepted(), 1u);
  EXPECT_GE(most.load(), 1u) << "the sampler never saw an attempt";
  EXPECT_LE(most.load(), 2u) << "connection attempts in flight at once, with max_concurrent_connects = 2";
  EXPECT_EQ(p.stats().size, 0u);
}

// pool.hpp, pool_options::on_event: an exception from the callback is caught and dropped;
// the pool carries on (the connection is still rolled back and lent again).
TEST_F(pool_test, a_throwing_event_callback_does_not_break_the_pool) {
  std::atomic<int> rolled_back{0};
  std::atomic<int> told_it_failed{0};
  auto o = options();
  o.max_size = 1;
  o.on_event = [&](pgpx::pool_event e, std::string_view) {
    if (e == pgpx::pool_event::rolled_back) ++rolled_back;
    if (e == pgpx::pool_event::callback_failed) ++told_it_failed;
    throw std::runtime_error("hook failure");
  };
  auto p = pgpx::pool::open(conninfo(), o);
  cx().execute_script("create table t (x int)");
  for (int i = 0; i < 3; ++i) {
    auto l = p.acquire();
    EXPECT_EQ(l->status(), pgpx::transaction_status::idle);
    l->execute_script("begin; insert into t values (1)");  // rolled back on return: a `rolled_back` event
  }
  EXPECT_EQ(rolled_back.load(), 3);
  // Each throw is reported to the callback once as callback_failed (whose own throw is dropped).
  EXPECT_EQ(told_it_failed.load(), 3);
  auto l = p.acquire();
  EXPECT_EQ(l->query_value<std::int64_t>("select count(*) from t"), 0);
  l.release();
  EXPECT_EQ(p.stats().connects, 1u);
  expect_clean(p);
}

TEST_F(pool_test, connections_retire_at_their_lifetime_but_never_while_leased) {
  auto o = options();
  o.max_size = 1;
  o.max_lifetime = 200ms;
  o.lifetime_jitter = 0.2;
  auto p = pgpx::pool::open(conninfo(), o);
  int first_pid = 0;
  {
    auto l = p.acquire();
    first_pid = l->backend_pid();
    std::this_thread::sleep_for(400ms);  // past its lifetime while leased: still usable
    EXPECT_EQ(l->query_value<int>("select 7"), 7);
  }
  auto l = p.acquire();
  EXPECT_NE(l->backend_pid(), first_pid);
  EXPECT_GE(p.stats().discarded, 1u);
}

TEST_F(pool_test, idle_connections_shrink_back_to_min_size) {
  auto o = options();
  o.min_size = 1;
  o.max_size = 6;
  o.max_idle = 200ms;
  auto p = pgpx::pool::open(conninfo(), o);
  {
    std::vector<pgpx::lease> many;
    for (int i = 0; i < 6; ++i) many.push_back(p.acquire());
    EXPECT_EQ(p.stats().size, 6u);
  }
  EXPECT_TRUE(eventually([&] { return p.stats().size == 1; }));
  EXPECT_TRUE(eventually([&] { return server_sessions() == 1; }));
  expect_clean(p);
}

TEST_F(pool_test, a_lease_held_too_long_is_reported_with_its_origin) {
  std::vector<std::string> messages;
  std::mutex m;
  auto o = options();
  o.leak_threshold = 100ms;
  o.on_event = [&](pgpx::pool_event e, std::string_view msg) {
    std::lock_guard lock(m);
    if (e == pgpx::pool_event::leak_suspected) messages.emplace_back(msg);
  };
  auto p = pgpx::pool::open(conninfo(), o);
  {
    auto l = p.acquire();  // this line is named in the report
    EXPECT_TRUE(eventually([&] {
      std::lock_guard lock(m);
      return !messages.empty();
    }));
  }
  std::lock_guard lock(m);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("pool_test.cpp"), std::string::npos) << messages[0];
  EXPECT_EQ(p.stats().leaks, 1u);
}

TEST_F(pool_test, with_connection_returns_or_discards_on_exceptions) {
  auto o = options();
  o.max_size = 1;
  auto p = pgpx::pool::open(conninfo(), o);
  EXPECT_EQ(p.with_connection([](pgpx::connection& c) { return c.query_value<int>("select 5"); }), 5);
  EXPECT_THROW(p.with_connection([](pgpx::connection&) -> int { throw std::runtime_error("user code"); }),
               std::runtime_error);
  EXPECT_EQ(p.stats().in_use, 0u);
  EXPECT_EQ(p.stats().size, 1u);
  int pid = 0;
  EXPECT_THROW(p.with_connection([&](pgpx::connection& c) {
    pid = c.backend_pid();
    pgpx::connection killer{conninfo()};
    (void)killer.query_value<bool>("select pg_terminate_backend($1)", pid);
    c.execute("select 1");
  }),
               pgpx::broken_connection);
  EXPECT_EQ(p.stats().in_use, 0u);
  EXPECT_NE(p.with_connection([](pgpx::connection& c) { return c.backend_pid(); }), pid);
}

TEST_F(pool_test, terminated_idle_connections_are_replaced_transparently) {
  auto o = options();
  o.min_size = 3;
  o.max_size = 3;
  o.check_after_idle = 0ms;  // check every idle connection before lending it
  auto p = pgpx::pool::open(conninfo(), o);
  ASSERT_TRUE(eventually([&] { return p.stats().idle == 3; }));
  std::set<int> old_pids;
  {
    std::vector<pgpx::lease> ls;
    for (int i = 0; i < 3; ++i) ls.push_back(p.acquire());
    for (auto& l : ls) old_pids.insert(l->backend_pid());
  }
  EXPECT_EQ(
      cx().query_value<std::int64_t>("select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity "
                                     "where application_name = $1 and pid <> pg_backend_pid()) t",
                                     database_name()),
      3);
  for (int i = 0; i < 10; ++i) {
    auto l = p.acquire();
    EXPECT_EQ(l->query_value<int>("select 1"), 1);
    EXPECT_EQ(old_pids.count(l->backend_pid()), 0u);
  }
  EXPECT_TRUE(eventually([&] { return server_sessions() == static_cast<std::int64_t>(p.stats().size); }));
}

TEST_F(pool_test, close_wakes_waiters_and_closes_late_returns) {
  auto o = options();
  o.max_size = 2;
  o.acquire_timeout = 10s;
  auto p = pgpx::pool::open(conninfo(), o);
  auto a = p.acquire();
  auto b = p.acquire();
  std::atomic<int> closed_errors{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 5; ++i) {
    waiters.emplace_back([&] {
      try {
        (void)p.acquire();
      } catch (const pgpx::error& e) {
        if (e.kind() == pgpx::error_kind::pool_closed) ++closed_errors;
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return p.stats().waiters == 5; }));
  const auto start = std::chrono::steady_clock::now();
  p.close();
  p.close();  // idempotent
  for (auto& t : waiters) t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, budget(1s));
  EXPECT_EQ(closed_errors.load(), 5);
  EXPECT_EQ(a->query_value<int>("select 1"), 1);  // leases stay usable until returned
  a.release();
  b.release();
  EXPECT_EQ(p.stats().size, 0u);
  EXPECT_TRUE(eventually([&] { return server_sessions() == 0; }));
  EXPECT_THROW((void)p.acquire(), pgpx::error);
}

TEST_F(pool_test, an_unreachable_server_fails_fast_and_backs_off) {
  pgpx::conninfo bad;
  bad.set("host", "127.0.0.1").set("port", "1").set("user", "x");
  std::atomic<int> failed_events{0};
  auto o = options();
  o.acquire_timeout = 5s;
  o.connect_backoff = 500ms;
  o.on_event = [&](pgpx::pool_event e, std::string_view) {
    if (e == pgpx::pool_event::connect_failed) ++failed_events;
  };
  auto p = pgpx::pool::open(bad, o);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)p.acquire(), pgpx::broken_connection);
  EXPECT_THROW((void)p.acquire(), pgpx::broken_connection);  // inside the backoff: no new attempt
  EXPECT_LT(std::chrono::steady_clock::now() - start, budget(1s));
  EXPECT_EQ(p.stats().connect_failures, 1u);
  EXPECT_EQ(failed_events.load(), 1);  // one report per outage, not per attempt
}

TEST_F(pool_test, many_threads_share_a_few_connections) {
  auto o = options();
  o.max_size = 4;
  o.acquire_timeout = 10s;
  auto p = pgpx::pool::open(conninfo(), o);
  std::atomic<int> done{0};
  std::atomic<std::int64_t> max_sessions{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto l = p.acquire();
        EXPECT_EQ(l->query_value<int>("select $1::int", i), i);
        ++done;
      }
    });
  }
  std::thread sampler([&] {
    pgpx::connection c{conninfo()};
    while (done.load() < 32 * 20) {
      const auto n = c.query_value<std::int64_t>(
          "select count(*) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid() "
          "and pid <> $2",
          database_name(), cx().backend_pid());
      std::int64_t prev = max_sessions.load();
      while (n > prev && !max_sessions.compare_exchange_weak(prev, n)) {
      }
      std::this_thread::sleep_for(5ms);
    }
  });
  for (auto& t : threads) t.join();
  sampler.join();
  EXPECT_EQ(done.load(), 32 * 20);
  EXPECT_LE(max_sessions.load(), 4);
  EXPECT_LE(p.stats().size, 4u);
  expect_clean(p);
}

TEST_F(pool_test, inconsistent_options_are_refused) {
  auto o = options();
  o.min_size = 5;
  o.max_size = 2;
  EXPECT_THROW((void)pgpx::pool::open(conninfo(), o), pgpx::usage_error);
  o.min_size = 0;
  o.max_size = 0;
  EXPECT_THROW((void)pgpx::pool::open(conninfo(), o), pgpx::usage_error);
}

}  // namespace

// Every event the pool documents is emitted where it happens: a reset after session changes,
// a discarded connection that came back broken or past its lifetime.
TEST_F(pool_test, reset_and_discarded_events_are_reported) {
  std::mutex m;
  std::vector<std::pair<pgpx::pool_event, std::string>> events;
  auto o = options();
  o.max_size = 1;
  o.on_event = [&](pgpx::pool_event e, std::string_view msg) {
    std::lock_guard lock(m);
    events.emplace_back(e, std::string(msg));
  };
  auto count = [&](pgpx::pool_event e) {
    std::lock_guard lock(m);
    return std::count_if(events.begin(), events.end(), [&](const auto& p) { return p.first == e; });
  };
  auto p = pgpx::pool::open(conninfo(), o);
  {
    auto l = p.acquire();
    l->execute_script("set application_name = 'changed'");
  }
  EXPECT_EQ(count(pgpx::pool_event::reset), 1);
  EXPECT_EQ(count(pgpx::pool_event::discarded), 0);
  {
    auto l = p.acquire();
    const int pid = l->backend_pid();
    cx().execute("select pg_terminate_backend($1)", pid);
    EXPECT_THROW(l->execute_script("select 1"), pgpx::error);
  }
  EXPECT_EQ(count(pgpx::pool_event::discarded), 1);
  {
    std::lock_guard lock(m);
    EXPECT_NE(events.back().second.find("closed"), std::string::npos) << events.back().second;
  }
  auto l = p.acquire();
  EXPECT_EQ(l->query_value<int>("select 1"), 1);
}
