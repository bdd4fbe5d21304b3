// pgpx/pool/routed_pool.hpp: writes to the primary, reads to a standby.
//
//   auto db = pgpx::routed_pool::open(pgpx::conninfo::parse(
//       "host=db1,db2,db3 dbname=app user=app"));              // every node of the cluster
//   auto w = db.acquire_write();   // target_session_attrs=read-write: the primary
//   auto r = db.acquire_read();    // target_session_attrs=prefer-standby: a standby if any
//
// Two pools over the same host list, told apart by libpq's target_session_attrs. After a
// failover (a standby promoted), new write connections find the new primary; connections
// to the old one fail and are replaced as the pool's checks find them.
#pragma once

#include <pgpx/pool/pool.hpp>

namespace pgpx {

/// Settings of a routed pool.
struct routed_pool_options {
  pool_options primary{};    ///< the pool of write connections
  pool_options replicas{};   ///< the pool of read connections
  /// Reads use target_session_attrs=prefer-standby (true: the primary serves reads when no
  /// standby answers) or standby (false: reads fail without a standby).
  bool reads_fall_back_to_primary = true;
};

/**
 * A write pool and a read pool over one multi-host conninfo. Thread-safe like pgpx::pool.
 */
class PGPX_API routed_pool {
 public:
  /// Opens both pools; `hosts` lists the cluster's nodes (host=a,b,c).
  [[nodiscard]] static auto open(const conninfo& hosts, routed_pool_options options = {}) -> routed_pool;
  /// A connection to the primary.
  [[nodiscard]] auto acquire_write(std::source_location where = std::source_location::current()) -> lease {
    return primary_.acquire(where);
  }
  /// A connection to a standby (or to the primary, when falling back).
  [[nodiscard]] auto acquire_read(std::source_location where = std::source_location::current()) -> lease {
    return replicas_.acquire(where);
  }
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
  routed_pool(pool p, pool r) : primary_(std::move(p)), replicas_(std::move(r)) {}
  pool primary_;
  pool replicas_;
};

}  // namespace pgpx
