// pgpx/error.hpp: the one exception hierarchy of pgpx.
//
// Every failing operation throws a `pgpx::error` (or one of its few subclasses). An error
// carries a kind, the SQLSTATE when the server produced it, the statement text that failed
// and three predicates that tell the caller what is still usable:
//
//   try {
//     cx.execute("insert into users(email) values ($1)", email);
//   } catch (const pgpx::error& e) {
//     if (pgpx::is_unique_violation(e)) { ... }        // SQLSTATE 23505
//     if (e.poisons_connection()) { ... }              // drop the connection
//     if (e.is_retryable()) { ... }                    // run the transaction again
//   }
//
// Error text never contains a password: connection strings pass through pgpx::redact().
#pragma once

#include <pgpx/export.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace pgpx {

/// What went wrong, in broad categories that callers branch on.
enum class error_kind {
  connection,       ///< could not connect, or the connection broke
  sql,              ///< the server rejected a statement (see sqlstate())
  timeout,          ///< a deadline passed (client side) or statement_timeout fired
  pool_timeout,     ///< no connection could be leased before the acquire deadline
  pool_closed,      ///< the pool was closed
  commit_in_doubt,  ///< the connection broke during COMMIT: the outcome is unknown
  outcome_unknown,  ///< a statement outside a transaction block may or may not have taken effect
  usage,            ///< the API was used wrongly (bad argument, wrong state)
  conversion,       ///< a value could not be converted between C++ and PostgreSQL
  row_count,        ///< a query returned a different number of rows than required
  protocol,         ///< the server sent something pgpx did not expect
  migration,        ///< a migration could not be loaded or applied
  tmpl,             ///< a SQL template failed to compile or render
  config,           ///< configuration is missing or invalid
  conflict,         ///< another writer changed the row first (optimistic lock): nothing was written
  validation,       ///< a value failed its model's validation rules: nothing was sent
};

/// The lowercase name of an error kind ("connection", "sql", ...).
[[nodiscard]] PGPX_API auto to_string(error_kind kind) noexcept -> std::string_view;

/// Fields of an error, named so that construction sites stay readable.
struct error_info {
  std::string sqlstate{};     ///< five characters, or empty when not from the server
  std::string statement{};    ///< the statement that failed (never contains bound values)
  std::string detail{};       ///< server DETAIL, or extra context from pgpx
  std::string hint{};         ///< server HINT, or a suggestion from pgpx
  std::string constraint{};   ///< name of the violated constraint, when known
  std::string table{};        ///< table of the violated constraint, when known
  std::string column{};       ///< column of the error, when known
  int position = 0;         ///< 1-based character position in the statement, 0 if unknown
  bool poisons_connection = false;   ///< the connection must not be reused
  bool poisons_transaction = false;  ///< the current transaction can only be rolled back
  bool retryable = false;            ///< running the same work again may succeed
};

/**
 * The root of all pgpx exceptions.
 *
 * Thread safety: an error is an immutable value; copy it freely.
 */
class PGPX_API error : public std::exception {
 public:
  /// Creates an error of `kind` with a human-readable message and optional details.
  error(error_kind kind, std::string message, error_info info = {});

  /// The message followed by SQLSTATE, DETAIL and HINT when present.
  [[nodiscard]] auto what() const noexcept -> const char* override;
  /// The message alone, without the SQLSTATE and details.
  [[nodiscard]] auto message() const noexcept -> const std::string& { return message_; }
  /// The broad category of the failure.
  [[nodiscard]] auto kind() const noexcept -> error_kind { return kind_; }
  /// The five-character SQLSTATE, or an empty string when the server did not send one.
  [[nodiscard]] auto sqlstate() const noexcept -> const std::string& { return info_.sqlstate; }
  /// The statement that failed, or an empty string.
  [[nodiscard]] auto statement() const noexcept -> const std::string& { return info_.statement; }
  /// Every structured field.
  [[nodiscard]] auto info() const noexcept -> const error_info& { return info_; }
  /// True when the connection that raised this error must be discarded, not reused.
  [[nodiscard]] auto poisons_connection() const noexcept -> bool { return info_.poisons_connection; }
  /// True when the transaction that raised this error can only be rolled back.
  [[nodiscard]] auto poisons_transaction() const noexcept -> bool {
    return info_.poisons_transaction || info_.poisons_connection;
  }
  /// True when running the same unit of work again may succeed (serialization failure,
  /// deadlock, a server that is starting up).
  [[nodiscard]] auto is_retryable() const noexcept -> bool { return info_.retryable; }

 private:
  error_kind kind_;
  std::string message_;
  error_info info_;
  std::string what_;
};

/// The connection could not be opened or broke; it must be discarded.
class PGPX_API broken_connection : public error {
 public:
  explicit broken_connection(std::string message, error_info info = {});
};

/// The server rejected a statement; sqlstate() tells why.
class PGPX_API sql_error : public error {
 public:
  explicit sql_error(std::string message, error_info info = {});
};

/// A deadline passed or the server cancelled the statement on statement_timeout.
class PGPX_API timeout_error : public error {
 public:
  explicit timeout_error(std::string message, error_info info = {});
};

/// The connection was lost while COMMIT was in flight: the transaction may or may not
/// have been committed. Never reported as success or as a plain rollback.
class PGPX_API commit_in_doubt : public error {
 public:
  explicit commit_in_doubt(std::string message, error_info info = {});
};

/**
 * A statement run outside a transaction block may or may not have taken effect: its
 * deadline passed and the server did not answer the cancel in time (the connection was
 * closed), or it completed after its deadline where its result could not be returned.
 * Distinct from a cancellation (timeout_error with SQLSTATE 57014, which the server sent):
 * never retry blindly, check first. Always poisons the connection it came from when it
 * was closed.
 */
class PGPX_API outcome_unknown : public error {
 public:
  explicit outcome_unknown(std::string message, error_info info = {});
};

/// No pooled connection could be leased in time, or the pool's waiting queue is full.
class PGPX_API pool_exhausted : public error {
 public:
  explicit pool_exhausted(std::string message, error_info info = {});
};

/// The API was called wrongly: a bad argument, or an object in the wrong state.
class PGPX_API usage_error : public error {
 public:
  explicit usage_error(std::string message, error_info info = {});
};

/// A value could not be converted between its PostgreSQL and C++ representations.
class PGPX_API conversion_error : public error {
 public:
  explicit conversion_error(std::string message, error_info info = {});
};

/// Configuration is missing or invalid (a malformed URL, an unknown environment...).
class PGPX_API config_error : public error {
 public:
  explicit config_error(std::string message, error_info info = {});
};

/// Throws the subclass of pgpx::error that matches `kind` (config_error for config...).
[[noreturn]] PGPX_API void throw_error(error_kind kind, std::string message, error_info info = {});

/// True when `e` came from the server with exactly this SQLSTATE.
[[nodiscard]] PGPX_API auto has_sqlstate(const error& e, std::string_view sqlstate) noexcept -> bool;
/// SQLSTATE 23505: a unique or primary-key constraint was violated.
[[nodiscard]] PGPX_API auto is_unique_violation(const error& e) noexcept -> bool;
/// SQLSTATE 23503: a foreign-key constraint was violated.
[[nodiscard]] PGPX_API auto is_foreign_key_violation(const error& e) noexcept -> bool;
/// SQLSTATE 23502: a NOT NULL constraint was violated.
[[nodiscard]] PGPX_API auto is_not_null_violation(const error& e) noexcept -> bool;
/// SQLSTATE 23514: a CHECK constraint was violated.
[[nodiscard]] PGPX_API auto is_check_violation(const error& e) noexcept -> bool;
/// SQLSTATE 40001: the transaction could not be serialized; retry it.
[[nodiscard]] PGPX_API auto is_serialization_failure(const error& e) noexcept -> bool;
/// SQLSTATE 40P01: the transaction was chosen as a deadlock victim; retry it.
[[nodiscard]] PGPX_API auto is_deadlock(const error& e) noexcept -> bool;
/// SQLSTATE 57014: the statement was cancelled (statement_timeout or a cancel request).
[[nodiscard]] PGPX_API auto is_query_canceled(const error& e) noexcept -> bool;
/// SQLSTATE 42P01: the table does not exist.
[[nodiscard]] PGPX_API auto is_undefined_table(const error& e) noexcept -> bool;
/// Class 42: syntax errors and access rule violations (undefined objects, bad grammar).
[[nodiscard]] PGPX_API auto is_syntax_or_access_error(const error& e) noexcept -> bool;

}  // namespace pgpx
