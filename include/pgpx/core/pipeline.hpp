// pgpx/core/pipeline.hpp: many statements, one round trip (libpq pipeline mode).
//
//   pgpx::batch b;
//   for (const auto& e : events) b.add("insert into events (id, name) values ($1, $2)", e.id, e.name);
//   auto out = pgpx::run_batch(cx, b);          // sent in pipeline mode, one Sync per 1000
//   if (!out.ok()) for (auto& [i, e] : out.errors) log(i, e.what());
//
//   pgpx::batch q;
//   q.add("select name from users where id = $1", 1).add("select count(*) from orders");
//   auto r = pgpx::run_batch(cx, q);
//   auto name = r.results[0][0].get<std::string>(0);
//
// Statements are prepared through the connection's statement cache inside the pipeline
// (no extra round trip), parameters and results are binary. Results are reported per
// statement: a failing statement gets its error, and the statements after it up to the next
// Sync are not run (PostgreSQL aborts the rest of the segment) and get an error saying so.
// Outside an explicit transaction each Sync segment commits on its own (an implicit
// transaction); inside pgpx::transaction everything belongs to that transaction.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/result.hpp>
#include <pgpx/core/statement.hpp>
#include <pgpx/error.hpp>
#include <pgpx/export.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx {

namespace detail {
struct batch_access;
}  // namespace detail

/**
 * Statements with their parameters, waiting to be sent together. The batch owns copies of
 * every value, so arguments may go away after add(). Reusable: clear() keeps the storage.
 *
 * Thread safety: none; one batch per thread.
 */
class PGPX_API batch {
 public:
  batch() { params_.own_values(true); }

  /// Appends a statement with its arguments ($1, $2, ...). Returns *this.
  template <class... Args>
  auto add(std::string_view sql, const Args&... args) -> batch& {
    const std::size_t first = params_.size();
    params_.start_statement();  // errors name the statement's own $n
    try {
      (params_.add(args), ...);
      push(sql, first);
    } catch (...) {
      params_.truncate(first);  // a refused value (or count) leaves the batch as it was
      throw;
    }
    return *this;
  }

  /// Appends a statement value (see pgpx::statement); its rows, if any, are in the outcome's
  /// results as for any other statement.
  template <class Row>
  auto add(const statement<Row>& s) -> batch& {
    return add_params(s.sql(), s.params());
  }

  /// Appends a statement whose parameters were built at run time (checked by that list's
  /// own text rule, see param_list::check_utf8).
  auto add_params(std::string_view sql, const param_list& params) -> batch&;

  /// Whether add() refuses text that is not valid UTF-8 (on by default). Turn it off for a
  /// batch meant for a session in another client_encoding; NUL is refused either way.
  void check_utf8(bool on) noexcept { params_.check_utf8(on); }

  /// The number of statements.
  [[nodiscard]] auto size() const noexcept -> std::size_t { return items_.size(); }
  /// True when there are no statements.
  [[nodiscard]] auto empty() const noexcept -> bool { return items_.empty(); }
  /// Removes every statement, keeping the storage for reuse.
  void clear() noexcept;

 private:
  friend struct detail::batch_access;
  // One queued statement.
  struct item {
    std::uint32_t sql;     // index into sqls_
    std::uint32_t first;   // index of its first parameter
    std::uint32_t count;   // number of parameters
  };
  void push(std::string_view sql, std::size_t first);
  param_list params_;
  std::vector<item> items_;
  std::vector<std::string> sqls_;
};

namespace detail {
/// Access to batch's members that the pipeline uses. Not part of the API.
struct batch_access {
  /// The queued statements: index into sqls(), first parameter, parameter count.
  [[nodiscard]] static auto items(const batch& b) noexcept -> const auto& { return b.items_; }
  /// The distinct statement texts.
  [[nodiscard]] static auto sqls(const batch& b) noexcept -> const std::vector<std::string>& { return b.sqls_; }
  /// Every parameter of every statement, in order.
  [[nodiscard]] static auto params(const batch& b) noexcept -> const param_list& { return b.params_; }
};
}  // namespace detail

/// How run_batch sends a batch.
struct batch_options {
  /// Statements per Sync (per implicit transaction outside a pgpx::transaction); 0 = one Sync
  /// at the end.
  std::size_t sync_every = 1000;
  /// Keep each statement's result (rows). When false only the affected-row count is kept,
  /// which saves memory for large write batches.
  bool keep_results = true;
  /// When set, each successful statement's result is passed here as soon as it arrives
  /// (index in the batch, result), in batch order, and is not kept in the outcome: memory
  /// stays bounded by what is in flight, whatever the batch size. Called on the calling
  /// thread, inside run_batch. If it throws, it is not called again, the rest of the batch
  /// is still run and read (the connection stays usable), and run_batch then rethrows.
  std::function<void(std::size_t, const result&)> on_result = nullptr;
};

/// What a batch did.
struct batch_outcome {
  /// One result per statement when keep_results and no on_result (empty for statements
  /// that failed).
  std::vector<result> results;
  /// The statements that failed or were not run, by index, with their errors.
  std::vector<std::pair<std::size_t, error>> errors;
  /// Rows affected by all statements that succeeded.
  std::uint64_t affected_rows = 0;
  /// True when every statement succeeded.
  [[nodiscard]] auto ok() const noexcept -> bool { return errors.empty(); }
  /// Throws the first error, if any.
  void check() const {
    if (!errors.empty()) throw errors.front().second;
  }
};

/**
 * Where a batch stood when it was cut off. Statements are counted in batch order; Sync
 * segments are contiguous, so three ranges say everything:
 *   [0, confirmed)      their segments' Syncs were answered: done (committed, outside a
 *                       transaction block; their results and errors are in `outcome`);
 *   [confirmed, sent)   handed to the connection, their segment not confirmed: in doubt, a
 *                       segment may or may not have taken effect (each one wholly or not at
 *                       all, outside a transaction block);
 *   [sent, total)       never sent: not run.
 * Inside a transaction block nothing of the batch is committed: the connection is closed and
 * the server rolls the transaction back, whatever the ranges say.
 */
struct batch_progress {
  std::size_t confirmed = 0;    ///< statements before this index are confirmed
  std::size_t sent = 0;         ///< statements before this index (and from `confirmed`) are in doubt
  std::size_t total = 0;        ///< the batch's size; statements from `sent` on were not sent
  std::size_t sync_every = 0;   ///< statements per segment (the last one may be shorter)
  bool in_transaction = false;  ///< the batch ran inside a transaction block
  batch_outcome outcome;        ///< results and errors of the confirmed statements
};

/**
 * run_batch was cut off midway: the connection was lost (kind() connection) or the deadline
 * passed (kind() timeout). The connection is closed. progress() says which statements went
 * in, which are in doubt and which were never sent, so that a caller can resume without
 * duplicating or losing rows. Errors are values: copies share the progress.
 */
class PGPX_API batch_interrupted : public error {
 public:
  /// Wraps the failure `cause` with where the batch stood.
  batch_interrupted(const error& cause, batch_progress progress);
  /// Where the batch stood.
  [[nodiscard]] auto progress() const noexcept -> const batch_progress& { return *progress_; }

 private:
  std::shared_ptr<const batch_progress> progress_;
};

/**
 * Sends every statement of `b` in pipeline mode and reads all results. Blocking, under the
 * connection's deadline. Per-statement failures are reported in the outcome, not thrown.
 * When the connection is lost or the deadline passes midway, throws batch_interrupted (kind
 * connection or timeout) with the batch's progress; the connection is then closed (its
 * pipeline state is unknown).
 */
PGPX_API auto run_batch(connection& cx, const batch& b, const batch_options& options = {}) -> batch_outcome;

}  // namespace pgpx
