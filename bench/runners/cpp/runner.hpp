// bench/runners/cpp/runner.hpp: the line protocol shared by the C++ peer runners.
//
// A runner reads commands on stdin, one a line, and answers one JSON object a line:
//   run <workload> <flat json params>
//     -> {"status":"unsupported","kind":"missing"|"n/a","reason":...}      (nothing ran)
//     -> {"status":"ready","pids":[...]}   after connecting and the warm-up;
//        the orchestrator samples the backends' CPU and answers "go"
//     -> {"status":"ok","ops":..,"wall_ns":..,"cpu_ns":..,"checksum":..,...}
//     -> {"status":"error","message":...}  (at any point)
//   info  -> {"status":"ok","peer":...,"version":...}
//   quit
// See bench/README.md for the full contract.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>
#include <valgrind/callgrind.h>

namespace bench {

/// Flat JSON object: string, number, bool and null values only (what the orchestrator sends).
class params {
 public:
  static auto parse(std::string_view s) -> params;
  [[nodiscard]] auto str(const std::string& k, const std::string& dflt = "") const -> std::string {
    auto it = v_.find(k);
    return it == v_.end() ? dflt : it->second;
  }
  [[nodiscard]] auto num(const std::string& k, long long dflt = 0) const -> long long {
    auto it = v_.find(k);
    return it == v_.end() || it->second.empty() ? dflt : std::stoll(it->second);
  }
  [[nodiscard]] auto flag(const std::string& k) const -> bool { return str(k) == "true"; }
  [[nodiscard]] auto has(const std::string& k) const -> bool { return v_.count(k) != 0; }

 private:
  std::map<std::string, std::string> v_;
};

/// Thrown by a handler to say it does not run this cell.
struct unsupported {
  std::string kind;  // "missing" (the library will have it) or "n/a" (no native API)
  std::string reason;
};

auto json_escape(std::string_view s) -> std::string;

/// One measured cell: the handler connects and warms up, then brackets the measured
/// region with start() and stop().
class cell {
 public:
  cell(std::string workload, params p) : workload_(std::move(workload)), p_(std::move(p)) {}
  [[nodiscard]] auto workload() const -> const std::string& { return workload_; }
  [[nodiscard]] auto p() const -> const params& { return p_; }
  /// libpq conninfo for this cell's transport ("unix" or "tcp").
  [[nodiscard]] auto conninfo() const -> std::string;
  [[nodiscard]] auto variant() const -> std::string { return p_.str("variant"); }
  [[nodiscard]] auto mode_default() const -> bool { return p_.str("mode") == "default"; }

  [[noreturn]] void missing(const std::string& reason) { throw unsupported{"missing", reason}; }
  [[noreturn]] void not_applicable(const std::string& reason) { throw unsupported{"n/a", reason}; }

  /// Reports readiness with the backend pids, waits for "go", starts the clocks.
  void start(const std::vector<int>& pids);
  /// Stops the clocks and reports. `ops` is the op count of the region.
  void stop(long long ops, long long checksum);
  /// Adds a named extra number to the result.
  void extra(const std::string& k, double v) { extra_[k] = v; }
  /// Records one op's latency (for the p50/p99 of W1).
  void reserve_latencies(std::size_t n) { lat_.reserve(n); }
  void latency(std::int64_t ns) { lat_.push_back(ns); }

  /// True once stop() sent the result: a later error must not answer again.
  [[nodiscard]] auto done() const noexcept -> bool { return done_; }

  static auto now_ns() -> std::int64_t {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

 private:
  std::string workload_;
  params p_;
  std::int64_t t0_ = 0, cpu0_ = 0;
  long rss0_kb_ = 0;
  std::vector<std::int64_t> lat_;
  std::map<std::string, double> extra_;
  bool done_ = false;
};

using handler = std::function<void(cell&)>;

/// Runs the protocol loop with the peer's handlers. Returns the exit code.
auto serve(const std::string& peer, const std::string& version, const std::map<std::string, handler>& handlers) -> int;

// ---- the deterministic inputs every peer uses (see bench/README.md) ----

/// The id of the i-th point select: a fixed stride over 1..n.
inline auto point_id(long long i, long long seed, long long n) -> long long {
  return (i * 7919 + seed * 104729) % n + 1;
}

// ---- checksum helpers: the same contributions in every language ----
inline constexpr std::int64_t pg_epoch_days = 10957;        // 2000-01-01 in days since 1970-01-01
inline constexpr std::int64_t pg_epoch_secs = 946684800;    // 2000-01-01 in seconds since 1970
/// round(x * 4) for the float columns (every value is a multiple of 0.25).
inline auto q4(double x) -> std::int64_t { return static_cast<std::int64_t>(x * 4.0 + (x >= 0 ? 0.5 : -0.5)); }
/// floor division for epoch seconds from microseconds since 1970.
inline auto floor_div(std::int64_t a, std::int64_t b) -> std::int64_t {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace bench
