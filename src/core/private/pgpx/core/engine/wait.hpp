// pgpx/core/engine/wait.hpp (private to pgpx's sources, not installed): the one place where
// pgpx's libpq engine waits. Everything that drives libpq (connect with host lists,
// statements, batches, COPY, streams, notifications, cancel requests) and the pool's queue
// wait through the functions here. With no waiter installed they block the calling thread
// (poll, a condition variable); on a thread where a waiter is installed (the async module runs
// the engine on a fiber and installs one while the fiber runs) they suspend instead, and the
// event loop waits. The engine's code is the same either way: only the way of waiting differs.
#pragma once

#include <pgpx/core/deadline.hpp>
#include <pgpx/export.hpp>

#include <poll.h>

#include <cerrno>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace pgpx::detail {

enum class wait_outcome { ready, timed_out };

/// A wake-up that can be sent from any thread to one waiting party: a thread blocked on a
/// condition variable, or a fiber parked through a waiter.
class PGPX_API wakeup {
 public:
  /// Wakes the party waiting on this (now, or when it next waits). Thread-safe.
  void notify();
  /// The condition variable a blocked thread waits on (used with the caller's mutex).
  std::condition_variable cv;

  /// Installs what notify() calls for a parked fiber, or removes it (nullptr). Thread-safe.
  void on_notify(std::function<void()> f);

 private:
  std::atomic<bool> armed_{false};  // on_notify_ is set: the blocking path skips the mutex
  std::mutex m_;
  std::function<void()> on_notify_;
};

/// A way of waiting other than blocking the thread. Installed per thread (see
/// current_waiter()) while the engine runs on a fiber; each call suspends the fiber until its
/// condition holds, the deadline passes, or the operation is cancelled (reported as a
/// timeout: the engine then handles it as a deadline that passed now).
class PGPX_API waiter {
 public:
  waiter() = default;
  waiter(const waiter&) = delete;
  auto operator=(const waiter&) -> waiter& = delete;
  virtual ~waiter() = default;
  /// Waits until `fd` is ready for `events` (POLLIN, POLLOUT) or `d` passes.
  virtual auto wait_fd(int fd, short events, deadline d, short* revents) -> wait_outcome = 0;
  /// Waits until `w` is notified or `d` passes, with `lock` released meanwhile. Returns
  /// false when the deadline passed (or the wait was cancelled). Spurious returns are allowed.
  virtual auto park(std::unique_lock<std::mutex>& lock, wakeup& w, deadline d) -> bool = 0;
  /// Whether the operation running on this waiter was cancelled by its caller.
  [[nodiscard]] virtual auto cancelled() const noexcept -> bool = 0;
};

/// The waiter installed on this thread, or nullptr (block the thread).
[[nodiscard]] PGPX_API auto current_waiter() noexcept -> waiter*;
/// Installs `w` on this thread (nullptr removes it); returns the one it replaces.
PGPX_API auto install_waiter(waiter* w) noexcept -> waiter*;

/// Whether the operation running on this thread's waiter was cancelled by its caller.
[[nodiscard]] inline auto wait_cancelled() noexcept -> bool {
  waiter* w = current_waiter();
  return w != nullptr && w->cancelled();
}

// Waits until the socket is ready for `events` or the deadline passes. Returns the
// revents through `revents`. EINTR restarts the wait with the remaining time.
inline auto wait_socket(int fd, short events, deadline d, short* revents = nullptr) -> wait_outcome {
  if (waiter* w = current_waiter()) return w->wait_fd(fd, events, d, revents);
  for (;;) {
    int timeout_ms = -1;
    if (d != no_deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(d - clock::now()).count();
      if (left <= 0) return wait_outcome::timed_out;
      timeout_ms = left > 1'000'000 ? 1'000'000 : static_cast<int>(left);
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) {
      if (revents != nullptr) *revents = p.revents;
      return wait_outcome::ready;
    }
    if (n == 0) {
      if (d != no_deadline && clock::now() >= d) return wait_outcome::timed_out;
      continue;
    }
    if (errno != EINTR) {
      if (revents != nullptr) *revents = POLLERR;
      return wait_outcome::ready;  // let libpq discover and report the socket error
    }
  }
}

/// Pauses until `d` (a backoff, a polling interval): sleeps the thread, or parks the fiber
/// with the event loop free. Returns early when the operation is cancelled (see
/// wait_cancelled(), which the caller then checks).
PGPX_API void sleep_until(deadline d);

/// Waits on `w` (its condition variable with `lock`, or parked through the waiter) until
/// `done()` holds or `d` passes; returns done(). `lock` is held on return.
template <class Pred>
auto wait_for_wakeup(std::unique_lock<std::mutex>& lock, wakeup& w, deadline d, Pred done) -> bool {
  waiter* fw = current_waiter();
  if (fw == nullptr) {
    if (d == no_deadline) {
      w.cv.wait(lock, done);
      return true;
    }
    return w.cv.wait_until(lock, d, done);
  }
  while (!done()) {
    if (!fw->park(lock, w, d)) return done();
  }
  return true;
}

}  // namespace pgpx::detail
