// pgpx/pool/routed_pool.hpp: writes to the primary, reads to a standby.
//
//   auto db = pgpx::routed_pool::open(pgpx::conninfo::parse(
//       "host=db1,db2,db3 dbname=app user=app"));              // every node of the cluster
//   auto w = db.acquire_write();   // target_session_attrs=read-write: the primary
//   auto r = db.acquire_read();    // a standby if one is up, whatever the host order
//
// Two pools over the same host list, told apart by libpq's target_session_attrs. After a
// failover (a standby promoted), new write connections find the new primary; connections
// to the old one fail and are replaced as the pool's checks find them.
//
// Reads and replica lag: a standby replays the primary's changes a little later (usually
// milliseconds, more under load), so a read right after a write may not see it. When it
// must, take the write's position and wait for it:
//
//   pgpx::wal_position pos;
//   {
//     auto w = db.acquire_write();
//     w->execute("insert into orders (id) values ($1)", id);
//     pos = pgpx::routed_pool::position_of(*w);            // after the commit
//   }
//   auto r = db.acquire_read_after(pos, std::chrono::seconds(2));  // sees the insert
#pragma once

#include <pgpx/pool/pool.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace pgpx {

/// Settings of a routed pool.
struct routed_pool_options {
  pool_options primary{};    ///< the pool of write connections
  pool_options replicas{};   ///< the pool of read connections
  /// Reads prefer a standby and use the primary when no standby answers (true), or fail
  /// without a standby (false: target_session_attrs=standby).
  bool reads_fall_back_to_primary = true;
  /// While reads fall back to the primary, how often pgpx checks (in the background) whether
  /// a standby answers again; when one does, read connections to the primary are replaced
  /// as they are leased, so reads return to the standby within about this time.
  std::chrono::milliseconds standby_recheck{1'000};
};

/// A position in the primary's write-ahead log (an LSN such as "0/3000148"): a standby shows
/// every transaction committed before it once it has replayed that far.
struct wal_position {
  std::string lsn;  ///< the LSN in PostgreSQL's text form
};

namespace detail {
struct routed_state;
}  // namespace detail

/**
 * A write pool and a read pool over one multi-host conninfo. Thread-safe like pgpx::pool.
 *
 * Read connections are opened with default_transaction_read_only=on, so a read lease
 * refuses writes (SQLSTATE 25006) also when it fell back to the primary.
 */
class PGPX_API routed_pool {
 public:
  /// Opens both pools; `hosts` lists the cluster's nodes (host=a,b,c), in any order.
  [[nodiscard]] static auto open(const conninfo& hosts, routed_pool_options options = {}) -> routed_pool;
  /// A connection to the primary.
  [[nodiscard]] auto acquire_write(std::source_location where = std::source_location::current()) -> lease {
    return primary_.acquire(where);
  }
  /**
   * A read-only connection to a standby, or to the primary when no standby answers and
   * reads_fall_back_to_primary is set. A pooled connection to the primary is not handed out
   * once a standby answers again: it is closed and the lease goes to the standby. Throws
   * like pool::acquire().
   */
  [[nodiscard]] auto acquire_read(std::source_location where = std::source_location::current()) -> lease;
  /**
   * Read-your-writes: a read lease on a server that has replayed the primary's log up to
   * `pos` (from position_of()), so it sees every transaction committed before `pos` was
   * taken. Waits (polling every few milliseconds) at most `wait` for a lagging standby;
   * a lease on the primary never waits. Throws timeout_error when the standby has not caught
   * up in time, and what acquire_read() throws.
   */
  [[nodiscard]] auto acquire_read_after(const wal_position& pos, std::chrono::milliseconds wait,
                                        std::source_location where = std::source_location::current()) -> lease;
  /// The primary's current write-ahead log position, read on `primary` (a write lease)
  /// after the transaction to be seen has committed (with synchronous_commit on, the default).
  [[nodiscard]] static auto position_of(connection& primary) -> wal_position;
  /// True when `cx` is connected to a standby (a server in recovery).
  [[nodiscard]] static auto on_standby(connection& cx) -> bool;
  /// The write pool.
  [[nodiscard]] auto primary() -> pool& { return primary_; }
  /// The read pool.
  [[nodiscard]] auto replicas() -> pool& { return replicas_; }
  /// Closes both pools.
  void close() noexcept {
    primary_.close();
    replicas_.close();
  }

 private:
  routed_pool(pool p, pool r, std::shared_ptr<detail::routed_state> s)
      : primary_(std::move(p)), replicas_(std::move(r)), state_(std::move(s)) {}
  pool primary_;
  pool replicas_;
  std::shared_ptr<detail::routed_state> state_;
};

}  // namespace pgpx
