// pgpx/core/deadline.hpp: points in time by which a blocking call must finish.
//
// Every blocking call in pgpx waits with a deadline on the steady clock (never the wall
// clock, so clock jumps change nothing). A deadline of `no_deadline` waits without limit;
// connecting never uses it.
#pragma once

#include <pgpx/export.hpp>

#include <chrono>

namespace pgpx {

/// The clock of every pgpx deadline.
using clock = std::chrono::steady_clock;

/// A point on the steady clock by which an operation must complete.
using deadline = clock::time_point;

/// The deadline that never passes.
inline constexpr deadline no_deadline = deadline::max();

/// A deadline `d` from now, or no_deadline when `d` is zero or negative.
[[nodiscard]] inline auto deadline_in(std::chrono::nanoseconds d) noexcept -> deadline {
  if (d <= std::chrono::nanoseconds::zero()) return no_deadline;
  const auto now = clock::now();
  if (d >= deadline::max() - now) return no_deadline;
  return now + std::chrono::duration_cast<clock::duration>(d);
}

/// The earlier of two deadlines.
[[nodiscard]] constexpr auto earliest(deadline a, deadline b) noexcept -> deadline { return a < b ? a : b; }

}  // namespace pgpx
