// pgpx/async/routed_pool.hpp: the routed pool (a write pool and a read pool over one
// multi-host conninfo) awaited from an executor.
//
//   pgpx::async_routed_pool db(ex, pgpx::conninfo::parse("host=a,b,c dbname=shop"));
//   {
//     auto w = co_await db.acquire_write();
//     co_await w->execute("insert into orders (item) values ($1)", 7);
//     const auto pos = co_await pgpx::async_routed_pool::position_of(*w);
//     auto r = co_await db.acquire_read_after(pos, 2s);   // sees the insert
//   }
//
// pgpx::routed_pool run on a fiber (see async.hpp): the same routing, fallback to the
// primary, standby recheck and read-your-writes wait, with the event loop free meanwhile.
#pragma once

#include <pgpx/async/async.hpp>
#include <pgpx/pool/routed_pool.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace pgpx {

/**
 * A routed pool whose acquires suspend instead of blocking. Cheap to copy (copies share the
 * pools). Used from the thread that runs its io_context; throws what routed_pool throws.
 */
class PGPX_API async_routed_pool {
 public:
  /// Opens both pools (see routed_pool::open); their connections are driven by `ex`.
  async_routed_pool(asio::any_io_executor ex, const conninfo& hosts, routed_pool_options options = {});
  async_routed_pool(asio::any_io_executor ex, routed_pool p) noexcept : ex_(std::move(ex)), pool_(std::move(p)) {}

  /// A connection to the primary.
  [[nodiscard]] auto acquire_write() -> asio::awaitable<async_lease>;
  /// A read-only connection to a standby, or to the primary (see routed_pool::acquire_read).
  [[nodiscard]] auto acquire_read() -> asio::awaitable<async_lease>;
  /// A read lease that sees every transaction committed before `pos` (see
  /// routed_pool::acquire_read_after); the wait for a lagging standby suspends.
  [[nodiscard]] auto acquire_read_after(const wal_position& pos, std::chrono::milliseconds wait)
      -> asio::awaitable<async_lease>;
  /// The primary's current write-ahead log position, read on `primary` (a write lease).
  [[nodiscard]] static auto position_of(async_connection& primary) -> asio::awaitable<wal_position>;
  /// The blocking routed pool underneath.
  [[nodiscard]] auto sync() noexcept -> routed_pool& { return pool_; }
  /// Closes both pools.
  void close() noexcept { pool_.close(); }

 private:
  asio::any_io_executor ex_;
  routed_pool pool_;
};

}  // namespace pgpx
