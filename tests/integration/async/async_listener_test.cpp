// LISTEN/NOTIFY awaited from an executor (pgpx::async_listener): notifications arrive while the
// event loop keeps running, unlisten stops them, and a cancelled wait ends at once and leaves
// the listener usable.
#include "support/loop_probe.hpp"
#include "support/test_db.hpp"
#include "support/time_factor.hpp"

#include <pgpx/async/listener.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

using pgpx::test::budget;
using pgpx::test::elapsed_since;
using pgpx::test::run_on_io_probed;
using pgpx::test::sleep_for;

using async_listener_test = pgpx::test::db_test;

// Sends a notification from another async connection after `after`.
auto notify_later(asio::any_io_executor ex, pgpx::conninfo ci, std::string channel, std::string payload,
                  std::chrono::milliseconds after) -> asio::awaitable<void> {
  co_await sleep_for(after);
  auto n = co_await pgpx::async_connection::connect(ex, ci);
  co_await n.execute("select pg_notify($1, $2)", channel, payload);
}

TEST_F(async_listener_test, notifications_arrive_while_the_event_loop_runs) {
  const auto gap = run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto l = co_await pgpx::async_listener::connect(ex, conninfo());
    co_await l.listen("jobs");
    co_await l.listen("Other \"channel\"");
    EXPECT_EQ(l.channels().size(), 2u);
    EXPECT_FALSE(l.poll().has_value());

    // The notification comes 400 ms later: a wait that blocked the thread would stall the loop.
    asio::co_spawn(ex, notify_later(ex, conninfo(), "jobs", "42", 400ms), asio::detached);
    const auto t0 = std::chrono::steady_clock::now();
    auto ev = co_await l.wait(pgpx::deadline_in(budget(5s)));
    EXPECT_GE(elapsed_since(t0), 350ms);
    EXPECT_TRUE(ev.has_value());
    if (ev) {
      EXPECT_EQ(ev->kind, pgpx::listen_event::notification);
      EXPECT_EQ(ev->channel, "jobs");
      EXPECT_EQ(ev->payload, "42");
      EXPECT_NE(ev->sender_pid, 0);
    }

    asio::co_spawn(ex, notify_later(ex, conninfo(), "Other \"channel\"", "x", 0ms), asio::detached);
    ev = co_await l.wait(pgpx::deadline_in(budget(5s)));
    EXPECT_TRUE(ev.has_value() && ev->channel == "Other \"channel\"" && ev->payload == "x");

    // After unlisten, a notification on that channel is not delivered: the wait times out.
    co_await l.unlisten("jobs");
    EXPECT_EQ(l.channels().size(), 1u);
    asio::co_spawn(ex, notify_later(ex, conninfo(), "jobs", "43", 0ms), asio::detached);
    ev = co_await l.wait(pgpx::deadline_in(300ms));
    EXPECT_FALSE(ev.has_value()) << "delivered after unlisten: " << ev->channel << " " << ev->payload;
  });
  EXPECT_LT(gap, budget(250ms)) << "the event loop was blocked for " << gap.count() << " ms";
}

TEST_F(async_listener_test, a_cancelled_wait_ends_at_once_and_the_listener_still_works) {
  run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto l = co_await pgpx::async_listener::connect(ex, conninfo());
    co_await l.listen("jobs");
    const auto t0 = std::chrono::steady_clock::now();
    auto r = co_await (l.wait(pgpx::no_deadline) || sleep_for(100ms));
    EXPECT_EQ(r.index(), 1u) << "the wait returned although nothing was sent";
    EXPECT_LT(elapsed_since(t0), budget(1s));
    asio::co_spawn(ex, notify_later(ex, conninfo(), "jobs", "after", 0ms), asio::detached);
    auto ev = co_await l.wait(pgpx::deadline_in(budget(5s)));
    EXPECT_TRUE(ev.has_value() && ev->payload == "after");
  });
}

TEST_F(async_listener_test, an_invalid_channel_is_refused_before_anything_is_sent) {
  run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto l = co_await pgpx::async_listener::connect(ex, conninfo());
    bool refused = false;
    try {
      co_await l.listen("");
    } catch (const pgpx::usage_error&) {
      refused = true;
    }
    EXPECT_TRUE(refused);
    EXPECT_TRUE(l.channels().empty());
    EXPECT_TRUE(l.sync().conn().is_open());
  });
}

}  // namespace
