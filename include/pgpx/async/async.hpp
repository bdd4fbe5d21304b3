// pgpx/async/async.hpp: connections and the pool as Boost.Asio C++20 awaitables.
//
//   boost::asio::awaitable<void> handle(pgpx::async_pool& pool) {
//     auto cx = co_await pool.acquire();
//     auto n = co_await cx->query_value<std::int64_t>("select count(*) from books");
//     auto rows = co_await cx->query<book>("select * from books where id > $1", 10);
//     auto tx = co_await cx->begin();
//     co_await tx.execute("update books set stock = stock - 1 where id = $1", 7);
//     co_await tx.commit();
//   }
//
// One engine: every call here runs the same code as the blocking API (statement cache and
// stale-plan retry, query hook, multi-host connect, deadlines with cancel, COPY, batches,
// streams, the pool's checks and events), on a fiber of its own; where the blocking API would
// wait for the server, the fiber suspends and the io_context waits instead. No thread per
// connection, and the event loop is never blocked, also not by a deadline's cancel request.
//
// Deadlines are those of the blocking API (connection_options::statement_timeout,
// connect_timeout, pool_options::acquire_timeout). Asio's per-operation cancellation (a
// cancellation slot, e.g. `co_await (cx->execute(...) || timer.async_wait())`) counts as the
// deadline passing now: the statement is cancelled on the server and the server's answer
// decides the outcome, as in the blocking API.
//
// Threading: a connection, its transactions and streams, and a pool are used from one thread
// (an io_context run by one thread). Objects of different connections may live on different
// threads.
#pragma once

#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/connection.hpp>
#include <pgpx/core/copy.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/row_mapping.hpp>
#include <pgpx/core/statement.hpp>
#include <pgpx/core/stream.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/export.hpp>
#include <pgpx/pool/pool.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

namespace asio = boost::asio;

namespace detail {

/// Runs fn(arg) on a fiber of its own, driven by `ex`: pgpx's engine waits inside it suspend
/// the fiber, and this awaitable waits on the io_context meanwhile. Rethrows what fn throws.
[[nodiscard]] PGPX_API auto run_on_fiber(asio::any_io_executor ex, void (*fn)(void*), void* arg)
    -> asio::awaitable<void>;

/// Runs f() on a fiber (see run_on_fiber) and returns its value. `f` must outlive the await.
template <class F>
auto on_fiber(asio::any_io_executor ex, F& f) -> asio::awaitable<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  if constexpr (std::is_void_v<R>) {
    co_await run_on_fiber(
        std::move(ex), [](void* p) { (*static_cast<F*>(p))(); }, &f);
  } else {
    struct job {
      F* f;
      std::optional<R> out;
    } j{&f, std::nullopt};
    co_await run_on_fiber(
        std::move(ex),
        [](void* p) {
          auto* jp = static_cast<job*>(p);
          jp->out.emplace((*jp->f)());
        },
        &j);
    co_return std::move(*j.out);
  }
}

/// A parameter list that owns its values: an awaitable may outlive the caller's temporaries.
template <class... Args>
auto owned_params(const Args&... args) -> param_list {
  param_list p;
  p.own_values(true);
  (p.add(args), ...);
  return p;
}

}  // namespace detail

class async_transaction;
template <class T>
class async_stream;

/**
 * The typed calls of the async API, written once for connections and transactions (the
 * async twin of basic_executor). Derived provides
 *   asio::awaitable<result> run(std::string_view sql, param_list params);
 * Arguments are copied into the awaitable (they may be temporaries of the caller's).
 */
template <class Derived>
class basic_async_executor {
 public:
  /// Runs a statement and returns its raw result.
  template <class... Args>
  [[nodiscard]] auto exec(std::string_view sql, const Args&... args) -> asio::awaitable<result> {
    return self().run(sql, detail::owned_params(args...));
  }

  /// Runs a statement; returns the rows affected.
  template <class... Args>
  [[nodiscard]] auto execute(std::string_view sql, const Args&... args) -> asio::awaitable<std::uint64_t> {
    result r = co_await self().run(sql, detail::owned_params(args...));
    co_return r.affected_rows();
  }

  /// Runs a query and converts every row to T (as connection::query<T>).
  template <class T, class... Args>
  [[nodiscard]] auto query(std::string_view sql, const Args&... args) -> asio::awaitable<std::vector<T>> {
    result r = co_await self().run(sql, detail::owned_params(args...));
    co_return r.template all<T>();
  }

  /// Runs a query that must return exactly one row (error_kind::row_count otherwise).
  template <class T, class... Args>
  [[nodiscard]] auto query_one(std::string_view sql, const Args&... args) -> asio::awaitable<T> {
    const std::string text(sql);
    result r = co_await self().run(text, detail::owned_params(args...));
    co_return r.template one<T>(text);
  }

  /// Runs a query that returns zero or one row.
  template <class T, class... Args>
  [[nodiscard]] auto query_optional(std::string_view sql, const Args&... args) -> asio::awaitable<std::optional<T>> {
    const std::string text(sql);
    result r = co_await self().run(text, detail::owned_params(args...));
    co_return r.template optional<T>(text);
  }

  /// Runs a query returning one row of one column.
  template <class T, class... Args>
  [[nodiscard]] auto query_value(std::string_view sql, const Args&... args) -> asio::awaitable<T> {
    const std::string text(sql);
    result r = co_await self().run(text, detail::owned_params(args...));
    co_return r.template value<T>(text);
  }

  /// Runs a statement value (see pgpx::statement) and returns its raw result. The statement
  /// is copied into the awaitable (move it in to save the copy).
  template <class Row>
  [[nodiscard]] auto exec(statement<Row> s) -> asio::awaitable<result> {
    co_return co_await self().run(s.sql(), s.params());
  }

  /// Runs a statement value; returns the rows affected.
  template <class Row>
  [[nodiscard]] auto execute(statement<Row> s) -> asio::awaitable<std::uint64_t> {
    result r = co_await self().run(s.sql(), s.params());
    co_return r.affected_rows();
  }

  /// Runs a statement value and reads every row as its Row type.
  template <class Row>
  [[nodiscard]] auto query(statement<Row> s) -> asio::awaitable<std::vector<Row>> {
    detail::check_statement_has_rows<Row>();
    result r = co_await self().run(s.sql(), s.params());
    co_return r.template all<Row>();
  }

  /// Runs a statement value that must return exactly one row (error_kind::row_count otherwise).
  template <class Row>
  [[nodiscard]] auto query_one(statement<Row> s) -> asio::awaitable<Row> {
    detail::check_statement_has_rows<Row>();
    result r = co_await self().run(s.sql(), s.params());
    co_return r.template one<Row>(s.sql());
  }

  /// Runs a statement value that returns zero or one row.
  template <class Row>
  [[nodiscard]] auto query_optional(statement<Row> s) -> asio::awaitable<std::optional<Row>> {
    detail::check_statement_has_rows<Row>();
    result r = co_await self().run(s.sql(), s.params());
    co_return r.template optional<Row>(s.sql());
  }

  /// Runs a statement value returning one row of one column, read as Row.
  template <class Row>
  [[nodiscard]] auto query_value(statement<Row> s) -> asio::awaitable<Row> {
    detail::check_statement_has_rows<Row>();
    result r = co_await self().run(s.sql(), s.params());
    co_return r.template value<Row>(s.sql());
  }

 private:
  auto self() -> Derived& { return static_cast<Derived&>(*this); }
};

/**
 * A connection driven by an Asio executor. Move-only. Its calls are awaitables that throw
 * pgpx::error exactly as the blocking API does. Owns its connection, or borrows one (a pool
 * lease's).
 */
class PGPX_API async_connection : public basic_async_executor<async_connection> {
 public:
  /// Connects without blocking the executor: host lists, target_session_attrs, TLS policy
  /// and connect_timeout as in the blocking connection.
  [[nodiscard]] static auto connect(asio::any_io_executor ex, conninfo info, connection_options options = {})
      -> asio::awaitable<async_connection>;

  /// Drives a connection owned elsewhere (it must outlive this object).
  async_connection(asio::any_io_executor ex, connection& cx) noexcept;
  async_connection(async_connection&&) noexcept;
  auto operator=(async_connection&&) noexcept -> async_connection&;
  async_connection(const async_connection&) = delete;
  auto operator=(const async_connection&) -> async_connection& = delete;
  ~async_connection();

  /// Runs f(connection&) on the engine without blocking the executor and returns its value:
  /// any blocking pgpx call on the connection (COPY, batches, templates...) becomes an
  /// awaitable this way. `f` must not wait for anything but pgpx.
  template <class F>
  auto call(F f) -> asio::awaitable<std::invoke_result_t<F&, connection&>> {
    connection* c = cx_;
    auto g = [&]() -> decltype(auto) { return f(*c); };
    co_return co_await detail::on_fiber(ex_, g);
  }

  /// Runs one statement (prepared and cached as in the blocking API).
  [[nodiscard]] auto run(std::string_view sql, param_list params) -> asio::awaitable<result>;

  /// Runs one or more statements through the simple protocol; returns the last command tag.
  [[nodiscard]] auto command(std::string_view sql) -> asio::awaitable<std::string>;

  /// Starts a transaction (see async_transaction).
  [[nodiscard]] auto begin(transaction_options options = {}) -> asio::awaitable<async_transaction>;

  /// Runs a batch in pipeline mode (as pgpx::run_batch).
  [[nodiscard]] auto run_batch(const batch& b, batch_options options = {}) -> asio::awaitable<batch_outcome>;

  /// Binary COPY of `rows` into a table (as pgpx::copy_in).
  template <class T, class Range>
  [[nodiscard]] auto copy_in(copy_table table, const Range& rows) -> asio::awaitable<std::uint64_t> {
    co_return co_await call([&](connection& c) { return pgpx::copy_in<T>(c, table, rows); });
  }

  /// Binary COPY of a whole table into structs (as pgpx::copy_out).
  template <class T>
  [[nodiscard]] auto copy_out(copy_table table) -> asio::awaitable<std::vector<T>> {
    co_return co_await call([&](connection& c) { return pgpx::copy_out<T>(c, table); });
  }

  /// COPY ... FROM STDIN with data read from `in` (as pgpx::copy_from).
  [[nodiscard]] auto copy_from(std::string_view copy_sql, std::istream& in) -> asio::awaitable<std::uint64_t>;
  /// COPY ... TO STDOUT with data written to `out` (as pgpx::copy_to).
  [[nodiscard]] auto copy_to(std::string_view copy_sql, std::ostream& out) -> asio::awaitable<std::uint64_t>;

  /// Streams the rows of a query as T with bounded memory (see async_stream).
  template <class T, class... Args>
  [[nodiscard]] auto stream(std::string_view sql, const Args&... args) -> asio::awaitable<async_stream<T>>;
  /// Streams with options (fetch size).
  template <class T, class... Args>
  [[nodiscard]] auto stream(stream_options options, std::string_view sql, const Args&... args)
      -> asio::awaitable<async_stream<T>>;

  /// Streams the rows of a statement value as its Row type (see pgpx::statement).
  template <class Row>
  [[nodiscard]] auto stream(statement<Row> s, stream_options options = {}) -> asio::awaitable<async_stream<Row>>;

  /// The blocking connection underneath (for calls that do not wait, between awaits).
  [[nodiscard]] auto sync() noexcept -> connection& { return *cx_; }
  /// The executor that drives this connection.
  [[nodiscard]] auto get_executor() const noexcept -> const asio::any_io_executor& { return ex_; }

 private:
  async_connection(asio::any_io_executor ex, std::unique_ptr<connection> owned) noexcept;

  asio::any_io_executor ex_;
  std::unique_ptr<connection> owned_;
  connection* cx_ = nullptr;
};

/**
 * A transaction on an async connection, rolled back unless committed. Statements run through
 * the same calls as on the connection. Destroying it uncommitted never blocks the event loop:
 * the ROLLBACK goes out before the connection's next statement (or when a pool takes it back).
 */
class PGPX_API async_transaction : public basic_async_executor<async_transaction> {
 public:
  async_transaction(async_transaction&&) noexcept;
  auto operator=(async_transaction&&) noexcept -> async_transaction&;
  async_transaction(const async_transaction&) = delete;
  auto operator=(const async_transaction&) -> async_transaction& = delete;
  ~async_transaction();

  /// Commits (see transaction::commit: commit_in_doubt if the connection broke meanwhile).
  [[nodiscard]] auto commit() -> asio::awaitable<void>;
  /// Rolls back.
  [[nodiscard]] auto rollback() -> asio::awaitable<void>;
  /// True until commit() or rollback() ran.
  [[nodiscard]] auto is_active() const noexcept -> bool;

  /// Runs one statement inside the transaction.
  [[nodiscard]] auto run(std::string_view sql, param_list params) -> asio::awaitable<result>;

  /// Runs f(transaction&) on the engine without blocking the executor and returns its value,
  /// as async_connection::call: any blocking pgpx call inside the transaction (batches, COPY,
  /// the ORM's bulk verbs) becomes an awaitable. `f` must not wait for anything but pgpx.
  template <class F>
  auto call(F f) -> asio::awaitable<std::invoke_result_t<F&, transaction&>> {
    transaction* t = tx_.get();
    auto g = [&]() -> decltype(auto) { return f(*t); };
    co_return co_await detail::on_fiber(ex_, g);
  }

  /// Opens a savepoint; run `release()` or `rollback()` on it, or let it roll back.
  class PGPX_API savepoint_scope {
   public:
    savepoint_scope(savepoint_scope&&) noexcept;
    auto operator=(savepoint_scope&&) noexcept -> savepoint_scope&;
    ~savepoint_scope();
    /// Keeps the work done since the savepoint.
    [[nodiscard]] auto release() -> asio::awaitable<void>;
    /// Undoes the work done since the savepoint.
    [[nodiscard]] auto rollback() -> asio::awaitable<void>;
    /// True until release() or rollback() ran.
    [[nodiscard]] auto is_active() const noexcept -> bool;

   private:
    friend class async_transaction;
    savepoint_scope(asio::any_io_executor ex, std::unique_ptr<pgpx::savepoint> sp) noexcept;
    asio::any_io_executor ex_;
    std::unique_ptr<pgpx::savepoint> sp_;
  };
  /// Sends SAVEPOINT (savepoints nest).
  [[nodiscard]] auto savepoint() -> asio::awaitable<savepoint_scope>;

 private:
  friend class async_connection;
  async_transaction(asio::any_io_executor ex, std::unique_ptr<transaction> tx) noexcept;
  asio::any_io_executor ex_;
  std::unique_ptr<transaction> tx_;
};

namespace detail {
struct async_lease_access;
}  // namespace detail

/**
 * The rows of a streaming query, one `co_await next()` at a time, with bounded memory
 * (single-row mode, or a cursor; see pgpx::stream). Leaving early closes the query before the
 * connection's next statement, without blocking the event loop.
 */
template <class T>
class async_stream {
 public:
  async_stream(async_stream&&) noexcept = default;
  auto operator=(async_stream&&) noexcept -> async_stream& = default;
  ~async_stream() = default;

  /// The next row, or nothing at the end.
  [[nodiscard]] auto next() -> asio::awaitable<std::optional<T>> {
    while (chunk_row_ >= chunk_.size()) {
      if (source_->done()) co_return std::nullopt;
      auto fetch = [this] { return source_->next(); };
      chunk_ = co_await detail::on_fiber(ex_, fetch);
      chunk_row_ = 0;
      if (chunk_.columns() == 0) co_return std::nullopt;
      if (!mapper_) mapper_.emplace(chunk_);
    }
    co_return mapper_->decode(chunk_, static_cast<int>(chunk_row_++));
  }

 private:
  friend class async_connection;
  async_stream(asio::any_io_executor ex, std::unique_ptr<row_source> source)
      : ex_(std::move(ex)), source_(std::move(source)) {
    static_assert(!detail::borrows_any<T>(),
                  "pgpx::async_stream yields values that outlive each chunk: use std::string");
  }
  asio::any_io_executor ex_;
  std::unique_ptr<row_source> source_;
  result chunk_;
  std::size_t chunk_row_ = 0;
  std::optional<detail::row_mapper<T>> mapper_;
};

template <class T, class... Args>
auto async_connection::stream(std::string_view sql, const Args&... args) -> asio::awaitable<async_stream<T>> {
  co_return co_await stream<T>(stream_options{}, sql, args...);
}

template <class T, class... Args>
auto async_connection::stream(stream_options options, std::string_view sql, const Args&... args)
    -> asio::awaitable<async_stream<T>> {
  const std::string text(sql);
  param_list p = detail::owned_params(args...);
  auto src = co_await call([&](connection& c) { return std::make_unique<row_source>(c, text, p, options); });
  co_return async_stream<T>(ex_, std::move(src));
}

template <class Row>
auto async_connection::stream(statement<Row> s, stream_options options) -> asio::awaitable<async_stream<Row>> {
  detail::check_statement_has_rows<Row>();
  auto src =
      co_await call([&](connection& c) { return std::make_unique<row_source>(c, s.sql(), s.params(), options); });
  co_return async_stream<Row>(ex_, std::move(src));
}

class async_pool;

/// A leased async connection; returns to its pool when destroyed (the clean-up the pool
/// does on return, a rollback or a reset, runs without blocking the event loop).
class PGPX_API async_lease {
 public:
  async_lease() = default;
  async_lease(async_lease&& o) noexcept;
  auto operator=(async_lease&& o) noexcept -> async_lease&;
  async_lease(const async_lease&) = delete;
  auto operator=(const async_lease&) -> async_lease& = delete;
  ~async_lease();
  /// The connection.
  [[nodiscard]] auto operator->() noexcept -> async_connection* { return &*cx_; }
  /// The connection.
  [[nodiscard]] auto operator*() noexcept -> async_connection& { return *cx_; }
  /// True while the lease holds a connection.
  explicit operator bool() const noexcept { return cx_.has_value(); }
  /// Returns the connection to the pool now.
  void release() noexcept;
  /// Closes the connection instead of returning it.
  void discard() noexcept;

 private:
  friend struct detail::async_lease_access;
  async_lease(asio::any_io_executor ex, lease l, bool reset_always) noexcept;
  asio::any_io_executor ex_;
  lease lease_;
  std::optional<async_connection> cx_;
  bool reset_always_ = false;
};

namespace detail {
/// How the async pools make leases (async_lease's constructor is not for users).
struct async_lease_access {
  [[nodiscard]] static auto make(asio::any_io_executor ex, lease l, bool reset_always) noexcept -> async_lease {
    return {std::move(ex), std::move(l), reset_always};
  }
};

/// Runs a pool's blocking acquire `take()` on a fiber and wraps the lease it returns (what
/// every async pool's acquire does).
template <class Take>
auto lease_on_fiber(asio::any_io_executor ex, Take take, bool reset_always) -> asio::awaitable<async_lease> {
  lease l = co_await on_fiber(ex, take);
  co_return async_lease_access::make(std::move(ex), std::move(l), reset_always);
}
}  // namespace detail

/**
 * The connection pool (pgpx::pool) awaited from an executor: the same options, health checks,
 * events, lifetimes, backoff, fairness and fault behaviour, with acquire() suspending instead
 * of blocking. A cancelled acquire gives its place back. Cheap to copy (copies share the pool).
 */
class PGPX_API async_pool {
 public:
  /// Creates a pool (see pool::open); its connections are driven by `ex`.
  async_pool(asio::any_io_executor ex, const conninfo& info, pool_options options = {});
  async_pool(asio::any_io_executor ex, pool p);

  /// Leases a connection, suspending until one is free or acquire_timeout passes
  /// (pool_exhausted).
  [[nodiscard]] auto acquire() -> asio::awaitable<async_lease>;
  /// Like acquire(), with a deadline of the caller's.
  [[nodiscard]] auto acquire_until(deadline d) -> asio::awaitable<async_lease>;
  /// Counters (see pool_stats).
  [[nodiscard]] auto stats() const -> pool_stats { return pool_.stats(); }
  /// The blocking pool underneath.
  [[nodiscard]] auto sync() noexcept -> pool& { return pool_; }
  /// Closes idle connections and wakes waiters with pool_closed. Idempotent.
  void close() noexcept { pool_.close(); }

 private:
  asio::any_io_executor ex_;
  pool pool_;
};

}  // namespace pgpx
