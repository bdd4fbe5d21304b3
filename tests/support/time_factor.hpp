// tests/support/time_factor.hpp: the slow-machine multiplier of every wall-clock bound in the
// tests (docs/testing.md, "Time bounds").
//
//   EXPECT_LE(elapsed, pgpx::test::budget(250ms));              // an upper bound
//   ASSERT_TRUE(pgpx::test::eventually([&] { return p.stats().idle == 2; }));
//
// PGPX_TEST_TIME_FACTOR=3 makes every budget three times as long (a loaded CI runner, a
// sanitizer build, valgrind). It never shortens one: values below 1, and text that is not a
// number, count as 1. Header-only, so unit tests can use it without the server support.
#pragma once

#include <chrono>
#include <cstdlib>
#include <thread>

namespace pgpx::test {

/// PGPX_TEST_TIME_FACTOR as a number, at least 1 (1 when unset or malformed).
[[nodiscard]] inline auto time_factor() -> double {
  const char* f = std::getenv("PGPX_TEST_TIME_FACTOR");
  if (f == nullptr) return 1.0;
  char* end = nullptr;
  const double v = std::strtod(f, &end);
  return end != f && v >= 1.0 ? v : 1.0;
}

/// `d` multiplied by time_factor(): the only way a test states how long something may take.
[[nodiscard]] inline auto budget(std::chrono::milliseconds d) -> std::chrono::milliseconds {
  return std::chrono::milliseconds(
      static_cast<std::chrono::milliseconds::rep>(static_cast<double>(d.count()) * time_factor()));
}

/// Polls `ok` every `every` until it returns true or budget(within) has passed; the last
/// answer of `ok`. For conditions that become true some time after an action (a backend
/// leaving pg_stat_activity, a background refill); never a bound on speed.
template <class F>
[[nodiscard]] auto eventually(F&& ok, std::chrono::milliseconds within = std::chrono::seconds(5),
                              std::chrono::milliseconds every = std::chrono::milliseconds(20)) -> bool {
  const auto until = std::chrono::steady_clock::now() + budget(within);
  while (std::chrono::steady_clock::now() < until) {
    if (ok()) return true;
    std::this_thread::sleep_for(every);
  }
  return ok();
}

/// Milliseconds since `t`.
[[nodiscard]] inline auto elapsed_since(std::chrono::steady_clock::time_point t) -> std::chrono::milliseconds {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t);
}

}  // namespace pgpx::test
