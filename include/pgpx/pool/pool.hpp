// pgpx/pool/pool.hpp: a thread-safe pool of connections.
//
//   auto p = pgpx::pool::open(cfg.connection(), {.min_size = 2, .max_size = 16});
//   {
//     auto cx = p.acquire();                       // a lease; waits up to acquire_timeout
//     auto n = cx->query_value<std::int64_t>("select count(*) from books");
//   }                                               // returned (reset if needed) here
//   p.with_connection([](pgpx::connection& cx) { ... });
//
// What the pool guarantees:
//   * a lease hands out a connection in a clean state: not in a transaction, and without
//     session changes of an earlier user (a connection whose statements may have changed
//     the session gets ROLLBACK + DISCARD ALL on return; one in an unknown state is closed);
//   * waiters are served first come, first served; the queue can be bounded (max_waiters);
//     a running thread may take a just-returned connection before a woken waiter runs, but a
//     waiter that finds its connection taken twice is served before any newcomer;
//   * idle connections are checked before use when they idled longer than check_after_idle;
//   * connections older than max_lifetime (with jitter) are retired when returned, never
//     while leased; idle ones beyond min_size go after max_idle;
//   * connection attempts back off exponentially with jitter, at most
//     max_concurrent_connects at a time; the pool refills to min_size in the background;
//   * close() wakes every waiter (pool_closed) and later returns close their connections.
//
// Thread safety: every member of pool may be called from any thread. A lease belongs to one
// thread at a time.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/export.hpp>
#include <pgpx/outcome.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>

namespace pgpx {

class config;

/// What the pool reports through pool_options::on_event.
enum class pool_event {
  connect_failed,     ///< a connection attempt failed (reported once per outage)
  recovered,          ///< a connection attempt succeeded after failures
  leak_suspected,     ///< a lease was held longer than leak_threshold
  rolled_back,        ///< a connection came back inside a transaction and was rolled back
  reset,              ///< a connection came back with session changes and was reset
  discarded,          ///< a connection was closed (broken, unknown state, expired, failed check)
  callback_failed,    ///< a hook threw; the pool carried on
};

/// The lowercase name of a pool event.
[[nodiscard]] PGPX_API auto to_string(pool_event e) noexcept -> std::string_view;

/// Settings of a pool.
struct pool_options {
  std::size_t min_size = 0;                                ///< connections kept open when idle
  std::size_t max_size = 10;                               ///< connections at most
  std::chrono::milliseconds acquire_timeout{5'000};        ///< how long acquire() waits
  std::size_t max_waiters = 0;                             ///< waiting acquires at most; 0: no bound
  std::chrono::milliseconds check_after_idle{1'000};       ///< check a connection idle this long before use
  std::chrono::milliseconds max_lifetime{30 * 60'000};     ///< retire connections this old; 0: never
  double lifetime_jitter = 0.1;                            ///< +- this fraction of max_lifetime, spread
  std::chrono::milliseconds max_idle{10 * 60'000};         ///< close idle connections beyond min_size; 0: never
  std::chrono::milliseconds leak_threshold{0};             ///< report leases held longer; 0: off
  std::chrono::milliseconds housekeeping_period{500};      ///< how often the background task runs
  std::size_t max_concurrent_connects = 2;                 ///< connection attempts in flight at most
  std::chrono::milliseconds connect_backoff{100};          ///< first wait after a failed attempt
  std::chrono::milliseconds connect_backoff_max{5'000};    ///< cap of the doubling wait
  bool reset_always = false;  ///< DISCARD ALL on every return, not only after session changes
  std::string application_name{};  ///< label (application_name) of the pool's connections
  connection_options connection{};  ///< settings of each connection
  /// Called for notable events; must not throw (an exception is caught and dropped).
  std::function<void(pool_event, std::string_view message)> on_event{};
};

/// A snapshot of a pool's counters.
struct pool_stats {
  std::size_t size = 0;  ///< connections open or being opened
  std::size_t idle = 0;  ///< connections waiting to be leased
  std::size_t in_use = 0;  ///< connections leased
  std::size_t waiters = 0;  ///< acquires waiting now
  std::uint64_t acquires = 0;  ///< leases handed out
  std::uint64_t waits = 0;  ///< acquires that had to wait
  std::uint64_t timeouts = 0;  ///< acquires that timed out or found the queue full
  std::uint64_t connects = 0;  ///< connections opened
  std::uint64_t connect_failures = 0;  ///< failed connection attempts
  std::uint64_t discarded = 0;  ///< connections closed by the pool
  std::uint64_t resets = 0;  ///< connections reset on return
  std::uint64_t leaks = 0;  ///< leases reported as possible leaks
};

namespace detail {
struct pool_state;
struct pool_slot;
struct lease_access;
struct pool_owner;
}  // namespace detail

/**
 * A leased connection; returns to its pool when destroyed (or release()d).
 * Move-only. Using a lease after release() is a usage_error.
 */
class PGPX_API lease {
 public:
  lease() noexcept = default;
  lease(lease&& o) noexcept;
  auto operator=(lease&& o) noexcept -> lease&;
  lease(const lease&) = delete;
  auto operator=(const lease&) -> lease& = delete;
  /// Returns the connection to the pool. Never throws.
  ~lease();

  /// The connection.
  [[nodiscard]] auto operator*() const -> connection&;
  /// The connection.
  [[nodiscard]] auto operator->() const -> connection*;
  /// True while the lease holds a connection.
  explicit operator bool() const noexcept { return slot_ != nullptr; }
  /// Returns the connection to the pool now. Never throws.
  void release() noexcept;
  /// Closes the connection instead of returning it (after an error of unknown impact).
  void discard() noexcept;

 private:
  friend struct detail::lease_access;
  // The pool creates leases (through detail::lease_access).
  lease(std::shared_ptr<detail::pool_state> state, detail::pool_slot* slot) noexcept
      : state_(std::move(state)), slot_(slot) {}
  std::shared_ptr<detail::pool_state> state_;
  detail::pool_slot* slot_ = nullptr;
};

namespace detail {
/// Access to lease's members that the pool uses. Not part of the API.
struct lease_access {
  /// A lease of `slot`, which returns to the pool of `state`.
  [[nodiscard]] static auto make(std::shared_ptr<pool_state> state, pool_slot* slot) noexcept -> lease {
    return lease(std::move(state), slot);
  }
};
}  // namespace detail

/**
 * A pool of connections to one server. Cheap to copy: copies share the pool. The pool ends
 * when the last copy and every lease are gone; close() ends it earlier.
 */
class PGPX_API pool {
 public:
  /// Creates a pool and opens min_size connections (in the background: a server that is down
  /// does not make this throw). Throws usage_error for inconsistent options.
  [[nodiscard]] static auto open(const conninfo& info, pool_options options = {}) -> pool;
  /// Creates a pool from a configuration (its connection and connection options).
  [[nodiscard]] static auto open(const config& cfg, pool_options options = {}) -> pool;

  /// Leases a connection, waiting up to acquire_timeout. Throws pool_exhausted (kind
  /// pool_timeout) on timeout or a full queue, error kind pool_closed after close(), and the
  /// connection error when the server cannot be reached and no connection is open.
  [[nodiscard]] auto acquire(std::source_location where = std::source_location::current()) -> lease;
  /// Like acquire(), with an explicit deadline.
  [[nodiscard]] auto acquire_until(deadline d, std::source_location where = std::source_location::current()) -> lease;
  /// Like acquire_until(), returning the failure instead of throwing it.
  [[nodiscard]] auto try_acquire(deadline d, std::source_location where = std::source_location::current())
      -> outcome<lease>;

  /// Runs `fn(connection&)` on a leased connection and returns its result. When fn throws,
  /// the connection is returned (or closed, if the error poisoned it) and the exception
  /// propagates.
  template <class F>
  auto with_connection(F&& fn) -> std::invoke_result_t<F&, connection&> {
    lease l = acquire();
    try {
      return fn(*l);
    } catch (const error& e) {
      if (e.poisons_connection()) l.discard();
      throw;
    }
  }

  /// The counters now.
  [[nodiscard]] auto stats() const -> pool_stats;
  /// The options the pool runs with.
  [[nodiscard]] auto options() const -> const pool_options&;
  /// Closes idle connections, wakes waiters with pool_closed, and makes later returns close
  /// their connections. Idempotent; never throws.
  void close() noexcept;
  /// True after close().
  [[nodiscard]] auto is_closed() const noexcept -> bool;

 private:
  explicit pool(std::shared_ptr<detail::pool_owner> o) noexcept : owner_(std::move(o)) {}
  [[nodiscard]] auto state() const -> detail::pool_state&;
  std::shared_ptr<detail::pool_owner> owner_;
};

}  // namespace pgpx
