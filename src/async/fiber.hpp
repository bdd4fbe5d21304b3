// src/async/fiber.hpp: a stackful fiber on glibc's ucontext, the async module's way of running
// pgpx's blocking engine without blocking the event loop. Private to the async module.
//
// The engine waits through pgpx::detail::wait_socket and friends (pgpx/core/engine/wait.hpp).
// The async side runs each operation's engine code on a fiber with a waiter installed: a wait
// suspends the fiber and hands the request (a descriptor, a deadline, a wake-up) to the
// coroutine that drives it, which waits on the io_context and resumes the fiber with the
// outcome. Stacks are reused per thread; sanitizers are told about each switch.
#pragma once

#include <ucontext.h>

#include <cstddef>
#include <exception>

namespace pgpx::detail {

/// One fiber: a function on a stack of its own, resumed and suspended on one thread.
/// Not copyable or movable; destroyed only when finished or never started.
class fiber {
 public:
  /// A fiber that will run fn(arg) when first resumed.
  fiber(void (*fn)(void*), void* arg);
  fiber(const fiber&) = delete;
  auto operator=(const fiber&) -> fiber& = delete;
  ~fiber();

  /// Runs the fiber until it suspends or finishes; returns true when it finished. An
  /// exception that leaves fn is rethrown here (after the fiber has finished).
  auto resume() -> bool;
  /// Suspends the running fiber: resume() returns false to its caller. Call only on a fiber.
  static void suspend();
  /// Whether the calling code runs on a fiber.
  [[nodiscard]] static auto on_fiber() noexcept -> bool;

 private:
  static void entry(unsigned lo, unsigned hi);
  void switch_out(bool finishing);

  void (*fn_)(void*);
  void* arg_;
  ucontext_t ctx_{};
  ucontext_t caller_{};
  void* stack_ = nullptr;
  std::size_t stack_size_ = 0;
  bool started_ = false;
  bool finished_ = false;
  std::exception_ptr failure_;
  fiber* outer_ = nullptr;  // the fiber that resumed this one, if any
  // Sanitizer bookkeeping (unused in plain builds).
  void* fake_stack_ = nullptr;
  const void* caller_bottom_ = nullptr;
  std::size_t caller_size_ = 0;
  void* tsan_fiber_ = nullptr;
  void* tsan_caller_ = nullptr;
};

}  // namespace pgpx::detail
