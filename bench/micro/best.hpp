// bench/micro/best.hpp: the timing loop the micro benchmarks share.
#pragma once

#include <chrono>

namespace bench {

/// Nanoseconds per op of `body` (which runs `ops` ops), the best of `reps` runs: the one
/// least disturbed by other load on the machine.
template <class F>
auto best_ns(int reps, long long ops, F&& body) -> double {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    const auto t1 = std::chrono::steady_clock::now();
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(ops);
    if (ns < best) best = ns;
  }
  return best;
}

}  // namespace bench
