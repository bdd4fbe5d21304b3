// tests/support/loop_probe.hpp: watches an io_context for stalls, and runs coroutines to the end.
//
//   asio::io_context io;
//   pgpx::test::loop_probe probe(io.get_executor(), 5ms);   // ticks every 5 ms from now on
//   ... co_spawn the work under test ...
//   pgpx::test::run_until_done(io, ...);  probe.stop();
//   EXPECT_LT(probe.max_gap(), pgpx::test::budget(250ms));  // the loop never stalled longer
//
// A steady_timer re-armed every `period` on the io_context under test: whenever something
// blocks the thread that runs the io_context, the next tick comes late, and the largest gap
// between two ticks says for how long the event loop was blocked. Tests allow 250 ms (times
// the slow-machine factor): a loaded 2-core CI machine showed gaps of 127 ms from scheduling
// alone, while the engine blocking the loop showed 393 ms (a ROLLBACK on a slow link) to
// 7 s (a cancel on a stalled link) in mutation runs. Header-only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <future>
#include <memory>
#include <utility>

namespace pgpx::test {

namespace asio = boost::asio;

/// Ticks on an executor every `period` until stop(); records the largest gap between ticks.
class loop_probe {
 public:
  loop_probe(asio::any_io_executor ex, std::chrono::milliseconds period = std::chrono::milliseconds(5))
      : s_(std::make_shared<state>(ex, period)) {
    asio::co_spawn(ex, tick(s_), asio::detached);
  }
  loop_probe(const loop_probe&) = delete;
  auto operator=(const loop_probe&) -> loop_probe& = delete;
  ~loop_probe() { stop(); }

  /// Stops ticking (the io_context returns once nothing else is pending).
  void stop() {
    s_->stopped = true;
    s_->timer.cancel();
  }
  /// The largest time between two consecutive ticks (the period included).
  [[nodiscard]] auto max_gap() const -> std::chrono::milliseconds {
    return std::chrono::duration_cast<std::chrono::milliseconds>(s_->max_gap);
  }
  /// Ticks so far.
  [[nodiscard]] auto ticks() const -> std::size_t { return s_->ticks; }

 private:
  struct state {
    state(asio::any_io_executor ex, std::chrono::milliseconds p) : timer(std::move(ex)), period(p) {}
    asio::steady_timer timer;
    std::chrono::milliseconds period;
    bool stopped = false;
    std::size_t ticks = 0;
    std::chrono::steady_clock::duration max_gap{};
  };
  static auto tick(std::shared_ptr<state> s) -> asio::awaitable<void> {
    auto last = std::chrono::steady_clock::now();
    while (!s->stopped) {
      s->timer.expires_after(s->period);
      boost::system::error_code ec;
      co_await s->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (s->stopped) break;
      const auto now = std::chrono::steady_clock::now();
      s->max_gap = std::max(s->max_gap, now - last);
      last = now;
      ++s->ticks;
    }
  }
  std::shared_ptr<state> s_;
};

/// Runs `work` (an awaitable) on `io` until it finishes, with a probe ticking meanwhile;
/// rethrows what it throws. The probe stops when the work ends.
template <class Awaitable>
void run_probed(asio::io_context& io, loop_probe& probe, Awaitable work) {
  auto fut = asio::co_spawn(io, std::move(work), asio::use_future);
  // Stop the probe once the work is done, so that io.run() returns.
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(io);
        while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
          t.expires_after(std::chrono::milliseconds(2));
          co_await t.async_wait(asio::use_awaitable);
        }
        probe.stop();
      },
      asio::detached);
  io.run();
  fut.get();
}

/// Runs the coroutine `f(executor)` to its end on a fresh io_context (one thread) with a
/// loop_probe ticking every 5 ms; returns the probe's largest gap. Rethrows what f throws.
template <class F>
auto run_on_io_probed(F&& f) -> std::chrono::milliseconds {
  asio::io_context io;
  loop_probe probe(io.get_executor(), std::chrono::milliseconds(5));
  run_probed(io, probe, std::forward<F>(f)(io.get_executor()));
  return probe.max_gap();
}

/// Runs the coroutine `f(executor)` to its end on a fresh io_context (one thread), rethrowing
/// what it throws.
template <class F>
void run_on_io(F&& f) {
  asio::io_context io;
  auto fut = asio::co_spawn(io, std::forward<F>(f)(io.get_executor()), asio::use_future);
  io.run();
  fut.get();
}

/// Suspends the calling coroutine for `d`.
inline auto sleep_for(std::chrono::milliseconds d) -> asio::awaitable<void> {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

}  // namespace pgpx::test
