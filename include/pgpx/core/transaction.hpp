// pgpx/core/transaction.hpp: transactions and savepoints as scoped objects.
//
//   {
//     pgpx::transaction tx{cx, {.isolation = pgpx::isolation::serializable}};
//     tx.execute("update accounts set balance = balance - $1 where id = $2", 10, from);
//     {
//       pgpx::savepoint sp{tx};
//       tx.execute("insert into audit ...");   // may fail
//       sp.release();                          // or let it roll back to the savepoint
//     }
//     tx.commit();
//   }   // not committed: rolled back here
//
// A transaction that is destroyed without commit() rolls back. If the connection breaks
// while COMMIT is in flight, commit() throws pgpx::commit_in_doubt: the outcome is unknown,
// and pgpx never reports it as success or as a rollback.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/executor.hpp>
#include <pgpx/export.hpp>

#include <string>
#include <string_view>

namespace pgpx {

namespace detail {
struct transaction_access;  // pgpx/core/engine/transaction_access.hpp (pgpx's sources only)
}  // namespace detail

/// The isolation level of a transaction.
enum class isolation {
  server_default,   ///< whatever default_transaction_isolation says (read committed usually)
  read_committed,   ///< READ COMMITTED
  repeatable_read,  ///< REPEATABLE READ
  serializable,     ///< SERIALIZABLE (retry on is_retryable() errors)
};

/// How a transaction starts.
struct transaction_options {
  isolation level = isolation::server_default;  ///< isolation level
  bool read_only = false;                       ///< READ ONLY
  bool deferrable = false;                      ///< DEFERRABLE (with serializable read only)
};

/// The BEGIN statement for a set of options (for logs and tests).
[[nodiscard]] PGPX_API auto begin_statement(const transaction_options& options) -> std::string;

/**
 * A transaction on a connection, rolled back unless committed.
 *
 * Runs statements through the same typed API as the connection (query, execute...). Only one
 * transaction may be open on a connection; nest with pgpx::savepoint. Blocking; throws
 * pgpx::error. The destructor never throws: a failed rollback closes the connection.
 */
class PGPX_API transaction : public basic_executor<transaction> {
 public:
  /// Sends BEGIN with the given options; throws usage_error if a transaction is already open.
  explicit transaction(pgpx::connection& cx, transaction_options options = {});
  transaction(const transaction&) = delete;
  auto operator=(const transaction&) -> transaction& = delete;
  /// Rolls back if neither commit() nor rollback() ran. Never throws.
  ~transaction();

  /// Commits. Throws sql_error if the server refuses (the transaction is then rolled back),
  /// commit_in_doubt if the connection broke while COMMIT was in flight.
  void commit();
  /// Rolls back. Throws only when the connection broke (it is closed then).
  void rollback();
  /// True until commit() or rollback() ran.
  [[nodiscard]] auto is_active() const noexcept -> bool { return active_; }
  /// The connection this transaction runs on.
  [[nodiscard]] auto conn() noexcept -> pgpx::connection& { return cx_; }

  /// Runs one statement inside the transaction (the typed API builds on this).
  auto run(std::string_view sql, const param_list& params) -> result;
  /// Runs several statements without parameters (simple protocol) inside the transaction.
  void execute_script(std::string_view sql);

 private:
  friend struct detail::executor_access;
  friend struct detail::transaction_access;
  [[nodiscard]] auto scratch_params() noexcept -> param_list& { return detail::executor_access::scratch_params(cx_); }
  // Allocates the next savepoint name for this transaction.
  [[nodiscard]] auto next_savepoint_name() -> std::string;
  void ensure_active(std::string_view sql) const;
  pgpx::connection& cx_;
  bool active_ = false;
  int savepoints_ = 0;
};

/**
 * A savepoint inside a transaction: rolls back to it unless released.
 *
 * Savepoints nest: create another while one is open. Never throws from the destructor.
 */
class PGPX_API savepoint : public basic_executor<savepoint> {
 public:
  /// Sends SAVEPOINT with a generated name.
  explicit savepoint(transaction& tx);
  savepoint(const savepoint&) = delete;
  auto operator=(const savepoint&) -> savepoint& = delete;
  /// Rolls back to the savepoint if it was neither released nor rolled back. Never throws.
  ~savepoint();

  /// Keeps the work done since the savepoint (RELEASE SAVEPOINT).
  void release();
  /// Undoes the work done since the savepoint (ROLLBACK TO SAVEPOINT, then RELEASE).
  void rollback();
  /// True until release() or rollback() ran.
  [[nodiscard]] auto is_active() const noexcept -> bool { return active_; }
  /// The savepoint's name.
  [[nodiscard]] auto name() const noexcept -> const std::string& { return name_; }
  /// The connection the savepoint's transaction runs on.
  [[nodiscard]] auto conn() noexcept -> pgpx::connection& { return tx_.conn(); }

  /// Runs one statement (the typed API builds on this).
  auto run(std::string_view sql, const param_list& params) -> result { return tx_.run(sql, params); }

 private:
  friend struct detail::executor_access;
  [[nodiscard]] auto scratch_params() noexcept -> param_list& { return detail::executor_access::scratch_params(tx_); }
  transaction& tx_;
  std::string name_;
  bool active_ = false;
};

}  // namespace pgpx
