// Async fault scenarios of issue 10 (items 1 and 2) that the old async code failed: a
// multi-host connect past a host that accepts and never answers, a deadline that covers the
// prepare, an event loop that keeps running while statements time out and their cancel
// requests go out, and an async pool that loses no slot and no queue place to a cancelled
// acquire. Written with the calls both the old and the new async API have, so that the same
// file shows the difference. Each ends with the fixture's leak check.
#include "async_fault_fixture.hpp"

#include <pgpx/async/async.hpp>
#include <pgpx/async/listener.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

using pgpx::test::budget;
using pgpx::test::elapsed_since;
using pgpx::test::eventually;
using pgpx::test::proxy_mode;
using pgpx::test::run_on_io_probed;
using pgpx::test::sleep_for;

class async_fault_test : public pgpx::test::async_fault_test {};

// `n` async connections through `ci`, each with `o`, each with "select 1" prepared.
auto connect_n(asio::any_io_executor ex, const pgpx::conninfo& ci, const pgpx::connection_options& o, int n)
    -> asio::awaitable<std::vector<pgpx::async_connection>> {
  std::vector<pgpx::async_connection> cxs;
  for (int i = 0; i < n; ++i) cxs.push_back(co_await pgpx::async_connection::connect(ex, ci, o));
  for (auto& c : cxs) EXPECT_EQ(co_await c.query_value<int>("select 1"), 1);  // prepared: one round trip now
  co_return cxs;
}

// Two leases at once from `p` (of max_size 2) both answer: no slot was lost.
auto expect_two_leases_work(pgpx::async_pool& p) -> asio::awaitable<void> {
  auto a = co_await p.acquire();
  auto b = co_await p.acquire();
  EXPECT_EQ(co_await a->query_value<int>("select 2") + co_await b->query_value<int>("select 3"), 5);
}

// Runs body(c) on every connection at once; returns when all have finished.
template <class Body>
auto on_each_at_once(asio::any_io_executor ex, std::vector<pgpx::async_connection>& cxs, Body body)
    -> asio::awaitable<void> {
  std::size_t finished = 0;
  for (auto& c : cxs) {
    asio::co_spawn(
        ex,
        [&finished, &body, &c]() -> asio::awaitable<void> {
          co_await body(c);
          ++finished;
        },
        asio::detached);
  }
  while (finished < cxs.size()) co_await sleep_for(5ms);
}

// Awaits `call`; true when it failed by its deadline (timeout_error, or outcome_unknown when
// not even the cancel got an answer). Any other error is a test failure.
template <class Awaitable>
auto failed_by_deadline(Awaitable call) -> asio::awaitable<bool> {
  try {
    (void)co_await std::move(call);
  } catch (const pgpx::timeout_error&) {
    co_return true;
  } catch (const pgpx::outcome_unknown&) {
    co_return true;
  } catch (const pgpx::error& e) {
    ADD_FAILURE() << e.what();
  }
  co_return false;
}

// ---- connect ----------------------------------------------------------------------------------

// The first host accepts TCP and never answers; connect_timeout is 2 s for two hosts, so
// the first gets its share (1 s) and the second is used well before the 2 s are up.
TEST_F(async_fault_test, multi_host_connect_moves_on_from_a_host_that_accepts_but_never_answers) {
  pgpx::test::deaf_listener deaf;
  auto paused = pgpx::test::tcp_proxy("127.0.0.1", std::stoi(pgpx::test::server_conninfo().get("port")));
  paused.set_mode(proxy_mode::pause);
  const auto good = pgpx::test::server_conninfo();
  for (const int silent_port : {deaf.port(), paused.port()}) {
    auto multi = conninfo();
    multi.set("host", "127.0.0.1,127.0.0.1")
        .set("port", std::to_string(silent_port) + "," + good.get("port"))
        .set("password", pgpx::test::tcp_password())
        .set("sslmode", "disable");
    pgpx::connection_options o;
    o.connect_timeout = 2s;
    const auto gap = run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      const auto t0 = std::chrono::steady_clock::now();
      std::string failure;
      try {
        auto cx = co_await pgpx::async_connection::connect(ex, multi, o);
        EXPECT_EQ(co_await cx.query_value<int>("select 1"), 1);
        EXPECT_EQ(cx.sync().parameter_status("application_name"), database_name());
      } catch (const pgpx::error& e) {
        failure = e.what();
      }
      EXPECT_EQ(failure, "") << "the second host was not tried, silent port " << silent_port;
      EXPECT_GE(elapsed_since(t0), 900ms) << "the silent host did not get its share";
      EXPECT_LE(elapsed_since(t0), budget(1700ms)) << "silent port " << silent_port;
    });
    EXPECT_LT(gap, budget(250ms)) << "the loop stalled during the connect";
  }
}

// ---- deadlines -------------------------------------------------------------------------------

// Every forwarded chunk is delayed 150 ms, so the first run of a statement takes two round
// trips of 300 ms each: the prepare and the execute. A 450 ms deadline covers both: it
// passes during the execute, however quick each step is on its own (the old code gave each
// step a deadline of its own, and the statement "succeeded" after 600 ms).
TEST_F(async_fault_test, a_deadline_covers_the_prepare_of_a_statement_run_the_first_time) {
  const auto ci = through_proxy();
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::connection_options o;
    o.statement_timeout = 450ms;
    o.cancel_timeout = 50ms;
    auto cx = co_await pgpx::async_connection::connect(ex, ci, o);
    proxy_->set_delay(150ms);
    const auto t0 = std::chrono::steady_clock::now();
    bool deadline_error = false;
    try {
      (void)co_await cx.query_value<int>("select 1");
      ADD_FAILURE() << "the statement succeeded after " << elapsed_since(t0).count() << " ms, past its 450 ms deadline";
    } catch (const pgpx::timeout_error&) {
      deadline_error = true;
    } catch (const pgpx::outcome_unknown&) {
      deadline_error = true;  // the cancel did not get through the slow link within 50 ms
    }
    EXPECT_TRUE(deadline_error);
    EXPECT_GE(elapsed_since(t0), 440ms);
    EXPECT_LE(elapsed_since(t0), budget(450ms + 50ms + 150ms));
  });
  proxy_->set_delay(0ms);
}

// ---- the event loop is never blocked --------------------------------------------------------

// Sixteen statements on a stalled link pass their deadline together; each sends a cancel
// request, which cannot get through either. A timer ticking every 5 ms on the same
// io_context must keep ticking (the old code froze the loop for 1.4 s here).
TEST_F(async_fault_test, statements_timing_out_on_a_stalled_link_never_block_the_event_loop) {
  const auto ci = through_proxy();
  constexpr int n = 16;
  int deadline_errors = 0;
  std::vector<std::chrono::milliseconds> took;
  const auto gap = run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::connection_options o;
    o.statement_timeout = 200ms;
    auto cxs = co_await connect_n(ex, ci, o, n);
    proxy_->set_mode(proxy_mode::pause);
    co_await on_each_at_once(ex, cxs, [&](pgpx::async_connection& c) -> asio::awaitable<void> {
      const auto t0 = std::chrono::steady_clock::now();
      if (co_await failed_by_deadline(c.query_value<int>("select 1"))) ++deadline_errors;
      took.push_back(elapsed_since(t0));
    });
  });
  proxy_->set_mode(proxy_mode::pass);
  EXPECT_EQ(deadline_errors, n);
  for (auto t : took) EXPECT_LE(t, budget(200ms + 200ms + 300ms));
  EXPECT_LT(gap, budget(250ms)) << "the event loop was blocked for " << gap.count() << " ms";
}

// The same with Asio's cancellation instead of a statement_timeout: a timer wins an `||`
// against each statement while the link is stalled.
// With and without a (distant) statement_timeout: the engine's waits then have a deadline of
// their own or none, which the fiber's waiter serves differently.
TEST_F(async_fault_test, statements_cancelled_through_asio_on_a_stalled_link_never_block_the_event_loop) {
  const auto ci = through_proxy();
  for (const auto timeout : {0ms, 5000ms}) {
    SCOPED_TRACE("statement_timeout " + std::to_string(timeout.count()) + " ms");
    constexpr int n = 16;
    int timer_won = 0;
    const auto gap = run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      pgpx::connection_options o;
      o.statement_timeout = timeout;
      auto cxs = co_await connect_n(ex, ci, o, n);
      proxy_->set_mode(proxy_mode::pause);
      co_await on_each_at_once(ex, cxs, [&](pgpx::async_connection& c) -> asio::awaitable<void> {
        try {
          auto r = co_await (c.query_value<int>("select 1") || sleep_for(150ms));
          if (r.index() == 1) ++timer_won;
        } catch (const pgpx::error&) {
          ++timer_won;  // the cancellation reported as the statement's deadline passing
        }
      });
    // The engine ran each cancelled statement to its end (a cancel request, then the
    // grace): each connection is closed (the cancel could not get through) or clean, never
    // left with a statement in flight.
      proxy_->set_mode(proxy_mode::pass);
      for (auto& c : cxs) {
        if (!c.sync().is_open()) continue;
        try {
          EXPECT_EQ(co_await c.query_value<int>("select 7"), 7);
        } catch (const pgpx::error& e) {
          ADD_FAILURE() << "a connection was left unusable by the cancellation: " << e.what();
        }
      }
    });
    proxy_->set_mode(proxy_mode::pass);
    EXPECT_EQ(timer_won, n);
    EXPECT_LT(gap, budget(250ms)) << "the event loop was blocked for " << gap.count() << " ms";
  }
}

// A slow link (not a stalled one): the cancel requests do get through, late.
TEST_F(async_fault_test, statements_timing_out_on_a_slow_link_never_block_the_event_loop) {
  const auto ci = through_proxy();
  constexpr int n = 8;
  int deadline_errors = 0;
  const auto gap = run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::connection_options o;
    o.statement_timeout = 200ms;
    o.cancel_timeout = 1s;
    auto cxs = co_await connect_n(ex, ci, o, n);
    for (auto& c : cxs) (void)co_await c.query_value<std::string>("select pg_sleep($1)::text", 0.0);  // prepared
    proxy_->set_delay(20ms);
    co_await on_each_at_once(ex, cxs, [&](pgpx::async_connection& c) -> asio::awaitable<void> {
      if (co_await failed_by_deadline(c.query_value<std::string>("select pg_sleep($1)::text", 5.0))) ++deadline_errors;
    });
  });
  proxy_->set_delay(0ms);
  EXPECT_EQ(deadline_errors, n);
  EXPECT_LT(gap, budget(250ms)) << "the event loop was blocked for " << gap.count() << " ms";
}

// ---- the async pool --------------------------------------------------------------------------

// Connection attempts hang (the proxy accepts and forwards nothing); each acquire is
// cancelled by a 50 ms timer while it opens a connection, five times with max_size 2. A
// cancelled attempt is not the server's failure: no connect_failures, no connect_failed, no
// backoff. Then the link comes back: acquire works at once, and no slot was lost.
// It once failed one run in four: the proxy took its mode from before poll(), so the first
// connect after set_mode(pass) could still be blackholed (fixed in tcp_proxy.cpp; 0 failures
// in 50 runs since, 18 of them under ASan, PGPX_TEST_TIME_FACTOR=3 and a loaded machine).
// Its second, rarer failure (one CI asan run: a slot held after the five rounds, an attempt
// left suspended in attempt()) was a cancel arriving in the loop round in which a wait
// completed: see the "any moment" scenarios below, which hit it at once.
TEST_F(async_fault_test, acquires_cancelled_while_connecting_lose_no_slot) {
  const auto ci = through_proxy();
  proxy_->set_mode(proxy_mode::blackhole);
  asio::io_context io;
  pgpx::pool_options po;
  po.max_size = 2;
  po.acquire_timeout = 2s;
  po.connection.connect_timeout = 5s;
  po.application_name = database_name();
  po.connect_backoff = 1s;  // were a cancelled attempt a failure, the next round would fail fast
  po.connect_backoff_max = 1s;
  std::atomic<int> connect_failed_events{0};
  po.on_event = [&](pgpx::pool_event e, std::string_view) {
    if (e == pgpx::pool_event::connect_failed) ++connect_failed_events;
  };
  int cancelled = 0;
  std::string failure;
  {
    pgpx::async_pool p(io.get_executor(), ci, po);
    auto fut = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < 5; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            auto r = co_await (p.acquire() || sleep_for(50ms));
            if (r.index() == 1) ++cancelled;
            EXPECT_LE(elapsed_since(t0), budget(300ms)) << "the cancellation took effect late, attempt " << i;
            co_await sleep_for(20ms);  // past the backoff
          }
          {
            const auto s = p.stats();
            EXPECT_EQ(s.in_use, 0u);
            EXPECT_EQ(s.size, 0u) << "slots still held by cancelled attempts";
            EXPECT_EQ(s.connect_failures, 0u) << "a cancelled attempt counted as the server's failure";
            EXPECT_EQ(proxy_->accepted(), 5u) << "each round was cancelled while connecting";
          }
          proxy_->set_mode(proxy_mode::pass);
          const auto t0 = std::chrono::steady_clock::now();
          try {
            auto l = co_await p.acquire();
            EXPECT_EQ(co_await l->query_value<int>("select 1"), 1);
            EXPECT_EQ(p.stats().in_use, 1u);
          } catch (const pgpx::error& e) {
            failure = e.what();
          }
          EXPECT_LE(elapsed_since(t0), budget(1s));
          const auto s = p.stats();
          EXPECT_EQ(s.in_use, 0u);
          EXPECT_LE(s.size, 2u);
          EXPECT_EQ(s.waiters, 0u);
          // Two at once still work: both slots are there.
          co_await expect_two_leases_work(p);
        },
        asio::use_future);
    io.run();
    fut.get();
    EXPECT_TRUE(eventually([&] { return proxy_->open_connections() == p.stats().size; }))
        << proxy_->open_connections() << " connections through the proxy, pool size " << p.stats().size
        << ": a cancelled attempt kept its socket";
  }
  EXPECT_EQ(cancelled, 5);
  EXPECT_EQ(failure, "") << "the pool lost its slots to the cancelled acquires";
  EXPECT_EQ(connect_failed_events.load(), 0) << "a cancelled attempt was reported as the server's failure";
}

// Acquires cancelled while they wait in the queue leave it: a waiter that came after them is
// served as soon as the connection comes back, not after the ghosts' turns.
TEST_F(async_fault_test, acquires_cancelled_in_the_queue_leave_it) {
  asio::io_context io;
  pgpx::pool_options po;
  po.max_size = 1;
  po.acquire_timeout = 3s;
  po.application_name = database_name();
  int ghosts_cancelled = 0;
  std::chrono::milliseconds served_after{-1};
  {
    pgpx::async_pool p(io.get_executor(), conninfo(), po);
    auto fut = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto held = co_await p.acquire();
          int done = 0;
          for (int i = 0; i < 3; ++i) {
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                  auto r = co_await (p.acquire() || sleep_for(50ms));
                  if (r.index() == 1) ++ghosts_cancelled;
                  ++done;
                },
                asio::detached);
          }
          EXPECT_TRUE(co_await [&]() -> asio::awaitable<bool> {
            for (int i = 0; i < 100 && p.stats().waiters < 3; ++i) co_await sleep_for(2ms);
            co_return p.stats().waiters == 3;
          }());
          std::chrono::steady_clock::time_point released;
          bool real_done = false;
          asio::co_spawn(
              io,
              [&]() -> asio::awaitable<void> {
                auto l = co_await p.acquire();  // queued behind the three
                served_after = elapsed_since(released);
                EXPECT_EQ(co_await l->query_value<int>("select 4"), 4);
                real_done = true;
              },
              asio::detached);
          while (done < 3) co_await sleep_for(5ms);
          EXPECT_EQ(p.stats().waiters, 1u) << "the cancelled acquires are still queued";
          released = std::chrono::steady_clock::now();
          held.release();
          while (!real_done) co_await sleep_for(2ms);
          EXPECT_EQ(p.stats().waiters, 0u);
          EXPECT_EQ(p.stats().in_use, 0u);
        },
        asio::use_future);
    io.run();
    fut.get();
  }
  EXPECT_EQ(ghosts_cancelled, 3);
  EXPECT_GE(served_after.count(), 0);
  EXPECT_LT(served_after, budget(100ms)) << "the waiter behind the cancelled ones waited for them";
}

// A lease given back inside a transaction, over a slow link: the ROLLBACK takes a round trip
// of 300 ms, and it must not take it out of the event loop.
TEST_F(async_fault_test, a_lease_returned_inside_a_transaction_is_rolled_back_without_blocking_the_loop) {
  const auto ci = through_proxy();
  this->cx().execute_script("create table t (x int4)");
  std::vector<std::string> events;
  asio::io_context io;
  pgpx::pool_options po;
  po.max_size = 1;
  po.application_name = database_name();
  po.on_event = [&](pgpx::pool_event e, std::string_view) { events.emplace_back(pgpx::to_string(e)); };
  std::chrono::milliseconds release_took{};
  {
    pgpx::async_pool p(io.get_executor(), ci, po);
    pgpx::test::loop_probe probe(io.get_executor(), 5ms);
    auto work = [&]() -> asio::awaitable<void> {
      {
        auto l = co_await p.acquire();
        co_await l->execute("begin");
        co_await l->execute("insert into t values (1)");
        proxy_->set_delay(150ms);
        const auto t0 = std::chrono::steady_clock::now();
        l.release();
        release_took = elapsed_since(t0);
      }
      auto l = co_await p.acquire();  // waits for the rollback, without blocking the loop
      proxy_->set_delay(0ms);
      EXPECT_EQ(l->sync().status(), pgpx::transaction_status::idle);
      EXPECT_EQ(co_await l->query_value<std::int64_t>("select count(*) from t"), 0);
    };
    pgpx::test::run_probed(io, probe, work());
    EXPECT_LT(release_took, budget(20ms)) << "release() waited for the ROLLBACK";
    EXPECT_LT(probe.max_gap(), budget(250ms)) << "the event loop was blocked for " << probe.max_gap().count() << " ms";
    EXPECT_EQ(p.stats().in_use, 0u);
  }
  EXPECT_EQ(this->cx().query_value<std::int64_t>("select count(*) from t"), 0);
  EXPECT_NE(std::find(events.begin(), events.end(), "rolled_back"), events.end()) << "no rolled_back event";
}

// ---- the listener ----------------------------------------------------------------------------

// The listener's link is cut and new connections are refused for 600 ms: the listener retries
// with its backoff (50, 100, 200, 400 ms...) and reports `reconnected` once the link is back,
// with the event loop free throughout (a backoff that slept the thread stalled it 400 ms).
// After that, a notification on the channel it listened to before the cut arrives.
TEST_F(async_fault_test, a_listener_reconnects_with_its_backoff_without_blocking_the_event_loop) {
  const auto ci = through_proxy();
  std::optional<pgpx::listen_event> first;
  std::optional<pgpx::listen_event> second;
  const auto gap = run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto l = co_await pgpx::async_listener::connect(ex, ci);
    co_await l.listen("jobs");
    proxy_->set_mode(proxy_mode::reset);
    proxy_->reset_all();
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          co_await sleep_for(600ms);
          proxy_->set_mode(proxy_mode::pass);
        },
        asio::detached);
    const auto t0 = std::chrono::steady_clock::now();
    first = co_await l.wait(pgpx::deadline_in(budget(10s)));
    EXPECT_GE(elapsed_since(t0), 550ms) << "reconnected while the link was still refused";
    auto n = co_await pgpx::async_connection::connect(ex, conninfo());
    co_await n.execute("select pg_notify($1, $2)", "jobs", "after the cut");
    second = co_await l.wait(pgpx::deadline_in(budget(5s)));
  });
  ASSERT_TRUE(first.has_value()) << "no event after the link came back";
  EXPECT_EQ(first->kind, pgpx::listen_event::reconnected);
  ASSERT_TRUE(second.has_value()) << "the channel was not listened to again";
  EXPECT_EQ(second->payload, "after the cut");
  EXPECT_LT(gap, budget(250ms)) << "the event loop was blocked for " << gap.count() << " ms";
}

}  // namespace

// Cancels that land in the same loop round as a wait's completion (issue 10, item 2): asio
// records the cancellation, and the next co_await of an awaitable would throw and destroy the
// fiber suspended inside the engine. Each scenario cancels at many moments spread over the
// operation, so that some cancels meet a completion, and checks what must hold after every
// round. The old code failed the connect scenario in its first round (a 0 µs cancel).
namespace {

auto sleep_us(std::chrono::microseconds d) -> asio::awaitable<void> {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

// The cancel moment of round i: spread over [0, span) in steps that do not repeat for long.
auto moment(int i, std::chrono::microseconds span) -> std::chrono::microseconds {
  return std::chrono::microseconds((static_cast<std::int64_t>(i) * 7919) % span.count());
}

// Whether `c` answers round i's next statement with its own answer (in sync); a failure
// naming the round otherwise.
auto answers_in_sync(pgpx::async_connection& c, int i) -> asio::awaitable<bool> {
  const int next = co_await c.query_value<int>("select $1::int + 1000", i);
  if (next == i + 1000) co_return true;
  ADD_FAILURE() << "round " << i << ": the next statement read " << next;
  co_return false;
}

// The span to spread cancels over: twice what one uncancelled run of `op` took here (so
// that about half the rounds cancel and half complete on any machine, sanitizers included).
template <class Op>
auto span_of(Op op) -> asio::awaitable<std::chrono::microseconds> {
  const auto t0 = std::chrono::steady_clock::now();
  co_await op();
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  co_return std::max(2 * took, std::chrono::microseconds(1000));
}

}  // namespace

TEST_F(async_fault_test, acquires_cancelled_at_any_moment_of_a_connect_lose_no_slot) {
  const auto ci = through_proxy();
  asio::io_context io;
  pgpx::pool_options po;
  po.max_size = 2;
  po.acquire_timeout = 2s;
  po.connection.connect_timeout = 5s;
  po.application_name = database_name();
  po.connect_backoff = 1s;  // a cancelled attempt counted as a failure would fail the next round fast
  po.connect_backoff_max = 1s;
  int cancelled = 0;
  int served = 0;
  {
    pgpx::async_pool p(io.get_executor(), ci, po);
    auto fut = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const auto connect_span = co_await span_of([&]() -> asio::awaitable<void> {
            auto l = co_await p.acquire();
            l.discard();
          });
          for (int i = 0; i < 600; ++i) {
            // Every third round connects for real (cancels during TLS refusal, startup, auth);
            // the others against a link that accepts and never answers.
            const bool pass = i % 3 == 0;
            proxy_->set_mode(pass ? proxy_mode::pass : proxy_mode::blackhole);
            const auto delay = moment(i, pass ? connect_span : std::chrono::microseconds(3000));
            const auto t0 = std::chrono::steady_clock::now();
            auto r = co_await (p.acquire() || sleep_us(delay));
            const auto took = elapsed_since(t0);
            if (r.index() == 0) {
              ++served;
              std::get<0>(r).discard();  // the next round connects again
            } else {
              ++cancelled;
            }
            const auto s = p.stats();
            if (s.size != s.idle || s.in_use != 0 || s.connect_failures != 0 || took > budget(1s)) {
              ADD_FAILURE() << "round " << i << ", cancelled after " << delay.count() << " us, took " << took.count()
                            << " ms: size " << s.size << ", idle " << s.idle << ", in use " << s.in_use
                            << ", connect failures " << s.connect_failures;
              co_return;
            }
          }
          // Both slots still there.
          proxy_->set_mode(proxy_mode::pass);
          co_await expect_two_leases_work(p);
        },
        asio::use_future);
    io.run();
    fut.get();
  }
  EXPECT_GT(cancelled, 400);  // the scenario really cancelled connects
  EXPECT_GT(served, 0);
}

TEST_F(async_fault_test, statements_cancelled_at_any_moment_leave_a_working_connection) {
  int cancelled = 0;
  int answered = 0;
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto c = co_await pgpx::async_connection::connect(ex, conninfo());
    const auto span = co_await span_of([&]() -> asio::awaitable<void> {
      (void)co_await c.query_value<std::string>("select repeat('x', 2000000) || $1::int", 0);
    });
    for (int i = 0; i < 400; ++i) {
      // A result of 2 MB arrives in many reads: many waits, each a moment for the cancel.
      const auto delay = moment(i, span);
      try {
        auto r = co_await (c.query_value<std::string>("select repeat('x', 2000000) || $1::int", i) || sleep_us(delay));
        if (r.index() == 0) {
          EXPECT_EQ(std::get<0>(r).size(), 2000000 + std::to_string(i).size());
          ++answered;
        } else {
          ++cancelled;
        }
      } catch (const pgpx::error& e) {
        ADD_FAILURE() << "round " << i << ", cancelled after " << delay.count() << " us: " << e.what();
        co_return;
      }
      // Whatever the moment, the connection is usable at once and in sync.
      if (!co_await answers_in_sync(c, i)) co_return;
    }
  });
  EXPECT_GT(cancelled, 0);
  EXPECT_GT(answered, 0);
}

TEST_F(async_fault_test, queue_waits_cancelled_at_any_moment_lose_no_place) {
  asio::io_context io;
  pgpx::pool_options po;
  po.max_size = 1;
  po.acquire_timeout = 2s;
  po.check_after_idle = 0ms;  // a check (a round trip) after every wake-up: a second wait to meet
  po.application_name = database_name();
  int cancelled = 0;
  int served = 0;
  {
    pgpx::async_pool p(io.get_executor(), conninfo(), po);
    auto fut = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < 400; ++i) {
            // The one connection is held and given back at one moment; the waiter gives up at
            // another: some rounds cancel a waiter that was just handed the connection.
            auto held = std::make_shared<std::optional<pgpx::async_lease>>(co_await p.acquire());
            const auto give_back = moment(i, 2ms);
            const auto give_up = moment(i + 1, 2ms);
            asio::co_spawn(
                io,
                [held, give_back]() -> asio::awaitable<void> {
                  co_await sleep_us(give_back);
                  held->reset();
                },
                asio::detached);
            auto r = co_await (p.acquire() || sleep_us(give_up));
            if (r.index() == 0) ++served;
            else ++cancelled;
            r = std::variant<pgpx::async_lease, std::monostate>{std::in_place_index<1>};
            while (held->has_value()) co_await sleep_us(100us);
            const auto s = p.stats();
            if (s.in_use != 0 || s.waiters != 0 || s.size > 1) {
              ADD_FAILURE() << "round " << i << ": in use " << s.in_use << ", waiters " << s.waiters << ", size "
                            << s.size;
              co_return;
            }
          }
          auto l = co_await p.acquire();
          EXPECT_EQ(co_await l->query_value<int>("select 4"), 4);
        },
        asio::use_future);
    io.run();
    fut.get();
  }
  EXPECT_GT(cancelled, 0);
  EXPECT_GT(served, 0);
}

// A cancel handed to one pgpx call is not consumed for the rest of the cancelled coroutine:
// as everywhere in Asio, its next co_await throws operation_aborted. The old code reset the
// coroutine's cancellation state, so the second statement here ran to its end (2 s).
TEST_F(async_fault_test, a_cancelled_coroutine_stays_cancelled_after_a_pgpx_call) {
  bool second_refused = false;
  bool first_failed = false;
  std::chrono::milliseconds took{};
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto c = co_await pgpx::async_connection::connect(ex, conninfo());
    auto two = [&]() -> asio::awaitable<void> {
      try {
        (void)co_await c.query_value<int>("select 1 from pg_sleep(0.5)");  // cancelled at 100 ms
      } catch (const pgpx::error&) {
        first_failed = true;  // cancelled on the server: 57014
      }
      try {
        (void)co_await c.query_value<int>("select 1 from pg_sleep(2)");
      } catch (const boost::system::system_error& e) {
        second_refused = e.code() == asio::error::operation_aborted;
        throw;
      }
    };
    const auto t0 = std::chrono::steady_clock::now();
    auto r = co_await (two() || sleep_us(100ms));
    took = elapsed_since(t0);
    EXPECT_EQ(r.index(), 1u);
    // The connection is in a known state and serves the coroutine that was not cancelled.
    EXPECT_EQ(co_await c.query_value<int>("select 5"), 5);
  });
  EXPECT_TRUE(first_failed);
  EXPECT_TRUE(second_refused) << "the cancelled coroutine's next call was not refused";
  EXPECT_LT(took, budget(1500ms)) << "the second statement ran";
}

// Streams read row by row (single-row mode) and cancelled at any moment: the stream dropped
// mid-result is drained before the next statement, which reads its own answer.
TEST_F(async_fault_test, streams_cancelled_at_any_moment_leave_a_working_connection) {
  int cancelled = 0;
  int finished = 0;
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto c = co_await pgpx::async_connection::connect(ex, conninfo());
    const char* const sql = "select repeat('x', 1000) || g from generate_series(1, 3000) g";
    const auto span = co_await span_of([&]() -> asio::awaitable<void> {
      auto s = co_await c.stream<std::string>(sql);
      while (auto row = co_await s.next()) {
      }
    });
    for (int i = 0; i < 200; ++i) {
      const auto delay = moment(i, span);
      std::string unexpected;
      {
        auto s = co_await c.stream<std::string>(sql);
        auto read_all = [&]() -> asio::awaitable<int> {
          int n = 0;
          try {
            while (auto row = co_await s.next()) ++n;
          } catch (const pgpx::error& e) {
            if (!pgpx::is_query_canceled(e)) unexpected = e.what();
            throw;
          }
          co_return n;
        };
        auto r = co_await (read_all() || sleep_us(delay));
        if (r.index() == 0) {
          if (std::get<0>(r) != 3000) unexpected = "a short read: " + std::to_string(std::get<0>(r)) + " rows";
          ++finished;
        } else {
          ++cancelled;
        }
      }  // the stream dropped, perhaps mid-result
      if (!unexpected.empty()) {
        ADD_FAILURE() << "round " << i << ", cancelled after " << delay.count() << " us: " << unexpected;
        co_return;
      }
      if (!co_await answers_in_sync(c, i)) co_return;
    }
  });
  EXPECT_GT(cancelled, 0);
  EXPECT_GT(finished, 0);
}

// An acquire cancelled while it checks an idle connection (check_after_idle 0, a link that has
// stopped relaying) ends at once: the failed check drops the connection, and the acquire does
// not go on to open a new one (or queue) with the cancel already taken, which would last until
// the acquire timeout (5 s here).
TEST_F(async_fault_test, an_acquire_cancelled_during_its_idle_check_ends_at_once) {
  const auto ci = through_proxy();
  asio::io_context io;
  pgpx::pool_options po;
  po.max_size = 1;
  po.acquire_timeout = 5s;
  po.check_after_idle = 0ms;
  po.connection.cancel_timeout = 100ms;
  po.application_name = database_name();
  {
    pgpx::async_pool p(io.get_executor(), ci, po);
    auto fut = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          { auto first = co_await p.acquire(); }  // one idle connection
          proxy_->set_mode(proxy_mode::pause);
          const auto t0 = std::chrono::steady_clock::now();
          auto r = co_await (p.acquire() || sleep_for(100ms));
          EXPECT_EQ(r.index(), 1u);
          EXPECT_LT(elapsed_since(t0), budget(1500ms)) << "the cancelled acquire went on after its check failed";
          const auto s = p.stats();
          EXPECT_EQ(s.in_use, 0u);
          EXPECT_EQ(s.waiters, 0u);
          proxy_->set_mode(proxy_mode::pass);
          auto l = co_await p.acquire();
          EXPECT_EQ(co_await l->query_value<int>("select 6"), 6);
        },
        asio::use_future);
    io.run();
    fut.get();
  }
}
