// pgpx/async/async.hpp: connections and a pool as Boost.Asio C++20 awaitables.
//
//   boost::asio::awaitable<void> handle(pgpx::async_pool& pool) {
//     auto cx = co_await pool.acquire();
//     auto n = co_await cx->query_value<std::int64_t>("select count(*) from books");
//     auto rows = co_await cx->query<book>("select * from books where id > $1", 10);
//   }
//
// No thread per connection: each connection's socket is watched by the io_context, and a
// coroutine waiting for the server suspends. The same deadlines apply as in the blocking API
// (connection_options::statement_timeout, connect_timeout), and Asio's per-operation
// cancellation (a cancellation slot, e.g. `co_await (cx->execute(...) || timer.async_wait())`)
// cancels the statement on the server. A connection and a pool are used from one executor
// (one thread, or a strand).
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/row_mapping.hpp>
#include <pgpx/export.hpp>
#include <pgpx/pool/pool.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx {

namespace asio = boost::asio;

/**
 * A connection driven by an Asio executor. Move-only. Its statements are awaitables that
 * throw pgpx::error like the blocking API.
 */
class PGPX_API async_connection {
 public:
  /// Connects without blocking the executor (within connect_timeout).
  [[nodiscard]] static auto connect(asio::any_io_executor ex, conninfo info, connection_options options = {})
      -> asio::awaitable<async_connection>;

  async_connection(async_connection&&) noexcept;
  auto operator=(async_connection&&) noexcept -> async_connection&;
  async_connection(const async_connection&) = delete;
  auto operator=(const async_connection&) -> async_connection& = delete;
  ~async_connection();

  /// Runs one statement (prepared and cached as in the blocking API).
  [[nodiscard]] auto run(std::string_view sql, param_list params) -> asio::awaitable<result>;

  /// Runs a statement; returns the rows affected.
  template <class... Args>
  [[nodiscard]] auto execute(std::string_view sql, const Args&... args) -> asio::awaitable<std::uint64_t> {
    result r = co_await run(sql, bind(args...));
    co_return r.affected_rows();
  }

  /// Runs a query and converts every row to T (as connection::query<T>).
  template <class T, class... Args>
  [[nodiscard]] auto query(std::string_view sql, const Args&... args) -> asio::awaitable<std::vector<T>> {
    result r = co_await run(sql, bind(args...));
    co_return r.template as<T>();
  }

  /// Runs a query returning one row of one column.
  template <class T, class... Args>
  [[nodiscard]] auto query_value(std::string_view sql, const Args&... args) -> asio::awaitable<T> {
    result r = co_await run(sql, bind(args...));
    if (r.size() != 1 || r.columns() != 1)
      throw error(error_kind::row_count, "query_value needs one row of one column; the query returned " +
                                             std::to_string(r.size()) + " rows of " + std::to_string(r.columns()));
    co_return r[0].template get<T>(0);
  }

  /// The blocking connection underneath (for use between awaits on the same executor).
  [[nodiscard]] auto sync() noexcept -> connection& { return *cx_; }

 private:
  template <class... Args>
  static auto bind(const Args&... args) -> param_list {
    param_list p;
    p.own_values(true);  // the coroutine may outlive the caller's temporaries
    (p.add(args), ...);
    return p;
  }
  async_connection(asio::any_io_executor ex, std::unique_ptr<connection> cx);
  auto finish(std::string_view sql) -> asio::awaitable<result>;
  auto wait(bool write, deadline until) -> asio::awaitable<bool>;

  asio::any_io_executor ex_;
  std::unique_ptr<connection> cx_;
  std::unique_ptr<asio::posix::stream_descriptor> socket_;
};

class async_pool;

/// A leased async connection; returns to its pool when destroyed.
class PGPX_API async_lease {
 public:
  async_lease() = default;
  async_lease(async_lease&& o) noexcept : pool_(o.pool_), cx_(std::move(o.cx_)) { o.pool_ = nullptr; }
  auto operator=(async_lease&& o) noexcept -> async_lease&;
  async_lease(const async_lease&) = delete;
  auto operator=(const async_lease&) -> async_lease& = delete;
  ~async_lease();
  /// The connection.
  [[nodiscard]] auto operator->() const noexcept -> async_connection* { return cx_.get(); }
  /// The connection.
  [[nodiscard]] auto operator*() const noexcept -> async_connection& { return *cx_; }
  /// Returns the connection to the pool now.
  void release() noexcept;

  /// Internal: the pool creates leases.
  async_lease(std::shared_ptr<async_pool*> pool, std::unique_ptr<async_connection> cx) noexcept
      : pool_(std::move(pool)), cx_(std::move(cx)) {}

 private:
  std::shared_ptr<async_pool*> pool_;
  std::unique_ptr<async_connection> cx_;
};

/**
 * A pool of async connections on one executor: min/max size, an acquire deadline, waiters
 * served first come first served, connections reset (rollback, DISCARD ALL after session
 * changes) or closed when returned in an unknown state, and close() waking the waiters.
 */
class PGPX_API async_pool {
 public:
  async_pool(asio::any_io_executor ex, conninfo info, pool_options options = {});
  async_pool(const async_pool&) = delete;
  auto operator=(const async_pool&) -> async_pool& = delete;
  ~async_pool();

  /// Leases a connection, suspending until one is free or acquire_timeout passes (then
  /// pool_exhausted).
  [[nodiscard]] auto acquire() -> asio::awaitable<async_lease>;
  /// Counters (size, idle, in_use, waiters, acquires, waits, timeouts, connects, discarded).
  [[nodiscard]] auto stats() const -> pool_stats;
  /// Closes idle connections and wakes waiters with pool_closed. Idempotent.
  void close() noexcept;

 private:
  friend class async_lease;
  struct waiter {
    asio::steady_timer timer;
    std::unique_ptr<async_connection> handed;
    bool may_connect = false;
    explicit waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
  };
  void give_back(std::unique_ptr<async_connection> cx) noexcept;

  asio::any_io_executor ex_;
  conninfo info_;
  pool_options options_;
  std::vector<std::unique_ptr<async_connection>> idle_;
  std::deque<std::shared_ptr<waiter>> waiters_;
  std::size_t total_ = 0;
  bool closed_ = false;
  pool_stats counters_;
  std::shared_ptr<async_pool*> self_;  // leases hold this; reset when the pool dies
};

}  // namespace pgpx
