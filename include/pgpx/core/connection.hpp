// pgpx/core/connection.hpp: one session with a PostgreSQL server.
//
//   pgpx::connection cx{pgpx::conninfo::parse("postgresql://app@localhost/appdb")};
//   cx.execute("create table if not exists t (id int8 primary key, name text)");
//   cx.execute("insert into t values ($1, $2)", 1, "one");
//   auto names = cx.query<std::string>("select name from t order by id");
//
// Every operation is non-blocking underneath and waits with a deadline: connecting always
// has one (connection_options::connect_timeout), statements have the connection's default
// (connection_options::statement_timeout, none by default) or a scoped one
// (pgpx::scoped_deadline). At a statement deadline pgpx sends a cancel request and reports
// timeout_error; when the cancel does not bring the connection back to a known state in
// time, the connection is closed and the error poisons it.
//
// Thread safety: a connection is used by one thread at a time. Distinct connections are
// independent.
#pragma once

#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/deadline.hpp>
#include <pgpx/core/executor.hpp>
#include <pgpx/core/hooks.hpp>
#include <pgpx/core/result.hpp>
#include <pgpx/export.hpp>
#include <pgpx/types/codec.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct pg_conn;  // libpq's PGconn, kept out of the public headers

namespace pgpx {

namespace detail {
struct connection_access;
}  // namespace detail

/// Settings of one connection, beyond the libpq keywords of its conninfo.
struct connection_options {
  /// Deadline for establishing the session, all hosts included. Never unbounded.
  std::chrono::milliseconds connect_timeout{10'000};
  /// Client-side deadline of each statement; zero means none.
  std::chrono::milliseconds statement_timeout{0};
  /// After a statement deadline: how long the cancel request and the end of the cancelled
  /// statement may take before the connection is closed instead.
  std::chrono::milliseconds cancel_timeout{200};
  /// Prepared statements kept per connection (LRU). Zero disables the cache: every statement
  /// is then sent unnamed, as a PgBouncer transaction-mode pool requires.
  std::size_t statement_cache_capacity = 256;
  /// The hook to call after each statement; defaults to pgpx::default_query_hook().
  std::shared_ptr<const query_hook> hook = default_query_hook();
};

/// The transaction state of a session, as libpq reports it.
enum class transaction_status {
  idle,            ///< not in a transaction block
  active,          ///< a command is in progress
  in_transaction,  ///< inside a transaction block
  in_error,        ///< inside a failed transaction block: only ROLLBACK works
  unknown,         ///< the connection is broken
};

/**
 * A session with a PostgreSQL server. Move-only.
 *
 * Blocking: each call waits for the server under a deadline. Throws pgpx::error subclasses:
 * broken_connection (connection lost; is_open() is false afterwards), sql_error, timeout_error,
 * conversion_error, usage_error.
 */
class PGPX_API connection : public basic_executor<connection> {
 public:
  /// Connects; throws broken_connection (kind connection) or timeout_error.
  explicit connection(const conninfo& info, connection_options options = {});
  /// Connects to a URL or keyword/value string; throws config_error when it is malformed.
  explicit connection(std::string_view url_or_conninfo, connection_options options = {});
  connection(connection&&) noexcept;
  auto operator=(connection&&) noexcept -> connection&;
  connection(const connection&) = delete;
  auto operator=(const connection&) -> connection& = delete;
  /// Closes the session. Never throws.
  ~connection();

  /// Runs one statement with parameters and returns its result (binary format).
  auto run(std::string_view sql, const param_list& params) -> result;
  /// Runs one statement and returns its result in PostgreSQL's text format, for tools that
  /// display values (the typed accessors refuse text results; read them with field::text()).
  auto run_text(std::string_view sql, const param_list& params) -> result;

  /// Runs one or more statements separated by semicolons, without parameters, through the
  /// simple query protocol (for schema scripts). Rows are discarded.
  void execute_script(std::string_view sql);
  /// Like execute_script, returning the command tag of the last statement ("COMMIT",
  /// "ROLLBACK", "INSERT 0 1"...).
  auto command(std::string_view sql) -> std::string;

  /// True while the session is usable.
  [[nodiscard]] auto is_open() const noexcept -> bool;
  /// Closes the session now. Never throws.
  void close() noexcept;

  /// The transaction state of the session.
  [[nodiscard]] auto status() const noexcept -> transaction_status;
  /// The server process id serving this session.
  [[nodiscard]] auto backend_pid() const noexcept -> int;
  /// The server version as an integer (150004 for 15.4).
  [[nodiscard]] auto server_version() const noexcept -> int;
  /// A server parameter reported at connect (server_encoding, TimeZone...), or "".
  [[nodiscard]] auto parameter_status(std::string_view name) const -> std::string;
  /// The connection parameters this session was opened with.
  [[nodiscard]] auto info() const noexcept -> const conninfo&;
  /// The options of this connection.
  [[nodiscard]] auto options() const noexcept -> const connection_options&;

  /// The number of prepared statements currently cached.
  [[nodiscard]] auto cached_statements() const noexcept -> std::size_t;
  /// Forgets every cached prepared statement (and deallocates them on the server).
  void clear_statement_cache();

  /// True when session state may have changed since the connection was opened or reset.
  /// Decided from the real PostgreSQL parser (SET, RESET, SET ROLE, LISTEN, PREPARE, DO,
  /// CALL, temporary objects, set_config and any function not known to leave no state,
  /// whatever comments or layout surround them) and from the server's own reports (a change
  /// of a parameter the server reports: TimeZone, DateStyle, session_authorization...,
  /// by any route). Pools use it to decide whether a returned connection needs a reset.
  /// Conservative: it may say true needlessly.
  [[nodiscard]] auto session_changed() const noexcept -> bool;
  /// Returns the session to a clean state in one round trip: rolls back an open transaction,
  /// then what DISCARD ALL does (settings, role and session authorization, cursors, temporary
  /// objects, listens, advisory locks, sequence state, statements prepared with SQL PREPARE)
  /// except that pgpx's own prepared statements and the statement cache survive. Blocking;
  /// throws like any statement.
  void reset_session();

  /// The deadline applied to the next statements; no_deadline when none (see scoped_deadline).
  [[nodiscard]] auto current_deadline() const noexcept -> deadline;
  /// Replaces the deadline of the following statements; returns the previous one.
  auto set_deadline(deadline d) noexcept -> deadline;

  /// The libpq handle (for advanced use; pgpx's state must not be changed through it).
  [[nodiscard]] auto native_handle() const noexcept -> pg_conn*;

  /// The private state (defined in pgpx's sources only).
  struct impl;

 private:
  friend struct detail::connection_access;
  friend struct detail::executor_access;
  // The parameter list reused by the typed API (basic_executor, through executor_access).
  [[nodiscard]] auto scratch_params() noexcept -> param_list& { return scratch_; }
  explicit connection(std::unique_ptr<impl> state);
  auto run_format(std::string_view sql, const param_list& params, int fmt) -> result;
  std::unique_ptr<impl> impl_;
  param_list scratch_;
};

/**
 * Sets a deadline for the statements run on a connection while it lives:
 *
 *   { pgpx::scoped_deadline d{cx, 200ms}; cx.execute("select pg_sleep(5)"); }  // timeout_error
 *
 * The earlier of this deadline and an enclosing one applies.
 */
class scoped_deadline {
 public:
  scoped_deadline(connection& cx, std::chrono::nanoseconds within) noexcept
      : cx_(cx), previous_(cx.set_deadline(earliest(cx.current_deadline(), deadline_in(within)))) {}
  scoped_deadline(connection& cx, deadline at) noexcept
      : cx_(cx), previous_(cx.set_deadline(earliest(cx.current_deadline(), at))) {}
  ~scoped_deadline() { cx_.set_deadline(previous_); }
  scoped_deadline(const scoped_deadline&) = delete;
  auto operator=(const scoped_deadline&) -> scoped_deadline& = delete;

 private:
  connection& cx_;
  deadline previous_;
};

}  // namespace pgpx
