// pgpx/migrate/migrator.hpp: applying, rolling back and inspecting migrations on a server.
//
//   auto p = pgpx::pool::open(pgpx::conninfo::parse(url));
//   auto report = pgpx::migrate::apply(p, "migrations");        // at start-up: migrate itself
//   for (const auto& m : report.migrations) std::cout << m.name << ' ' << m.duration.count() << "ms\n";
//
//   pgpx::migrate::rollback(cx, "migrations", {.steps = 1});
//   for (const auto& e : pgpx::migrate::status(cx, "migrations").entries) ...
//
// The state lives in tracking tables in a schema of their own (`pgpx` by default), created on
// first use: `schema_migrations` (one row per applied version), `migration_log` (append-only
// audit) and `meta` (the version of these tables). A run holds a session-level advisory lock
// on a dedicated connection, so two appliers never run the same migration twice: the second
// waits up to apply_options::lock_wait and then fails naming the holder.
//
// Each transactional migration runs in one transaction together with its tracking row and log
// row, under `SET LOCAL lock_timeout` (5 s unless the file or the options say otherwise): a
// failure leaves nothing behind. A `-- pgpx: no-transaction` file runs statement by statement
// in autocommit; its row records the progress after each statement, so a failure leaves a
// recorded partial state that later runs refuse (instead of re-running statements) until it
// is resolved with mark() or continued with apply_options::resume.
//
// docs/migrations.md ("Applying migrations") describes the tables, the lock and the rules.
#pragma once

#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/connection.hpp>
#include <pgpx/error.hpp>
#include <pgpx/export.hpp>
#include <pgpx/migrate/lint.hpp>
#include <pgpx/migrate/migration.hpp>
#include <pgpx/pool/pool.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::migrate {

/// Why a run was refused or failed; migration_error::reason().
enum class failure {
  lock_timeout,        ///< the migration lock stayed held by another session for lock_wait
  lock_lost,           ///< the lock's connection ended during the run; stopped before the next migration
  checksum_mismatch,   ///< an applied migration's up file changed since it was applied
  out_of_order,        ///< a pending migration is older than the newest applied one
  missing_file,        ///< a migration recorded as applied has no file any more
  dirty_state,         ///< a migration is recorded as partial or failed
  irreversible,        ///< a rollback reaches a migration without a down file
  unknown_version,     ///< a target version that no migration has
  newer_tables,        ///< the tracking tables were created by a newer pgpx
  sum_mismatch,        ///< the directory does not match its pgpx.sum (a file edited, added, removed...)
  missing_extension,   ///< a `requires-extension=` names an extension neither installed nor available
  transaction_mode,    ///< a file cannot run as its header says (CREATE INDEX CONCURRENTLY in a
                       ///< transactional file, its own BEGIN/COMMIT); refused before anything ran
  statement_failed,    ///< a statement of a migration failed (sqlstate() says why)
  lint_failed,         ///< a file to run has a lint error (apply_options::lint, rollback_options::lint); refused
                       ///< before anything ran
  already_applied,     ///< apply_options::baseline on a database that has migrations recorded already
};

/// The lowercase name of a failure ("checksum_mismatch", ...).
[[nodiscard]] PGPX_API auto to_string(failure f) noexcept -> std::string_view;

/**
 * A migration run was refused or failed. A pgpx::error of kind error_kind::migration; its
 * message names the file or version at fault and says what to do. For statement_failed the
 * sqlstate(), detail and hint are the server's (55P03 for a lock_timeout, 57014 for a
 * statement_timeout). Never contains a password.
 *
 * Thread safety: an immutable value.
 */
class PGPX_API migration_error : public pgpx::error {
 public:
  /// `version` is the migration at fault ("" when none is).
  migration_error(failure reason, std::string version, const std::string& message, error_info info = {});
  /// Why.
  [[nodiscard]] auto reason() const noexcept -> failure { return reason_; }
  /// The version at fault, or "".
  [[nodiscard]] auto version() const noexcept -> const std::string& { return version_; }

 private:
  failure reason_;
  std::string version_;
};

/// Where apply() or rollback() is, for a progress display (run_options::on_progress).
struct run_progress {
  std::size_t index = 0;              ///< the migration running, 1-based
  std::size_t count = 0;              ///< how many migrations this run runs
  std::string file;                   ///< its file name (up or down)
  std::int32_t statements_done = 0;   ///< statement by statement: statements done so far
  std::int32_t statements_total = 0;  ///< statement by statement: the file's statements; 0 when it runs as one
};

/**
 * Settings of status() and mark(), and the first members of apply_options and
 * rollback_options (the same names in the same order, so designated initializers read the
 * same: `{.dry_run = true, .target = "0003"}`).
 */
struct run_options {
  /// The schema of the tracking tables; quoted with pgpx::quote_identifier.
  std::string schema = "pgpx";
  /// How long to wait for the migration lock before failing with failure::lock_timeout.
  std::chrono::milliseconds lock_wait{std::chrono::seconds(60)};
  /// How often the lock is tried while waiting.
  std::chrono::milliseconds lock_poll{std::chrono::milliseconds(100)};
  /// `SET LOCAL lock_timeout` of each migration without a `lock-timeout=` directive (0: none).
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(5)};
  /// `SET LOCAL statement_timeout` of each migration without a `statement-timeout=`
  /// directive; nullopt leaves the server's setting.
  std::optional<std::chrono::milliseconds> statement_timeout{};
  /// Plan only: validate and report what would run; write nothing (the tracking tables are
  /// not even created). The lock is still taken.
  bool dry_run = false;
  /// Called once (on the calling thread) when the lock is held by another session and the
  /// run starts waiting, with a sentence naming the holders (pid, application_name, user,
  /// query; redacted). An exception it throws ends the call before anything ran.
  std::function<void(const std::string&)> on_lock_wait{};
  /// Called (on the calling thread) before each migration of apply() or rollback() runs,
  /// and after each statement of one run statement by statement (no-transaction files,
  /// tx_mode::none); never in a dry run. For a progress display: an exception it throws ends
  /// the run like a failed statement would, so it should not throw.
  std::function<void(const run_progress&)> on_progress{};
};

/// How apply() uses transactions (`--tx`).
enum class tx_mode {
  file,  ///< one transaction per migration with its tracking row (default); no-transaction files in autocommit
  all,   ///< one transaction for the whole batch (all or nothing); refused when a file is no-transaction
  none,  ///< every file statement by statement in autocommit, with recorded progress, as no-transaction files
};

/// Options of apply(). The first eight members are those of run_options.
struct apply_options {
  /// The schema of the tracking tables; quoted with pgpx::quote_identifier.
  std::string schema = "pgpx";
  /// How long to wait for the migration lock before failing with failure::lock_timeout.
  std::chrono::milliseconds lock_wait{std::chrono::seconds(60)};
  /// How often the lock is tried while waiting.
  std::chrono::milliseconds lock_poll{std::chrono::milliseconds(100)};
  /// `SET LOCAL lock_timeout` of each migration without a `lock-timeout=` directive (0: none).
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(5)};
  /// `SET LOCAL statement_timeout` of each migration without a `statement-timeout=`
  /// directive; nullopt leaves the server's setting.
  std::optional<std::chrono::milliseconds> statement_timeout{};
  /// Plan only: validate and report what would run; write nothing (the tracking tables are
  /// not even created). The lock is still taken.
  bool dry_run = false;
  /// Called once (on the calling thread) when the lock is held by another session and the
  /// run starts waiting, with a sentence naming the holders (pid, application_name, user,
  /// query; redacted). An exception it throws ends the call before anything ran.
  std::function<void(const std::string&)> on_lock_wait{};
  /// Called (on the calling thread) before each migration of apply() or rollback() runs,
  /// and after each statement of one run statement by statement (no-transaction files,
  /// tx_mode::none); never in a dry run. For a progress display: an exception it throws ends
  /// the run like a failed statement would, so it should not throw.
  std::function<void(const run_progress&)> on_progress{};
  /// Apply pending migrations up to and including this version (as written or the same
  /// number); nullopt = all. An unknown version is refused (failure::unknown_version).
  std::optional<std::string> target{};
  /// Apply at most this many pending migrations (after `target`); nullopt = all.
  std::optional<int> steps{};
  /// Transactions: per file (default), the whole batch, or none.
  tx_mode tx = tx_mode::file;
  /// Apply pending migrations older than the newest applied one instead of refusing.
  bool allow_out_of_order = false;
  /// Accept applied migrations whose up file changed (the recorded checksum is kept).
  bool allow_modified = false;
  /// Accept applied migrations whose files are gone.
  bool allow_missing = false;
  /// The environment (`env=` directive): a migration listing environments runs only when
  /// this is one of them; with nullopt such migrations are skipped (reported, never run).
  std::optional<std::string> environment{};
  /// When `dir/pgpx.sum` exists, refuse (failure::sum_mismatch) a directory that differs
  /// from it, before anything else. A directory without pgpx.sum is not checked.
  bool check_sum_file = true;
  /// Continue a partial (or failed) no-transaction migration from its first statement not
  /// done, instead of refusing it (failure::dirty_state). Refused all the same when its file
  /// changed since the partial run. The failed statement runs again.
  bool resume = false;
  /// Lint the up files about to run (lint.hpp) after the other checks and before anything
  /// runs: an error finding not silenced by a `lint-ignore` refuses the run
  /// (failure::lint_failed, naming file, line and rule); warnings are reported in
  /// run_report::lint. A file that libpg_query cannot parse (PX001) is left to the server.
  bool lint = true;
  /// Adopt an existing database and apply what follows, in one run: when no migration is
  /// recorded yet, this version and every older one on disk are recorded as baseline (as
  /// baseline() does; run_entry::baseline), then the newer ones are applied. Refused
  /// (failure::already_applied, naming them) when migrations are recorded already; an unknown
  /// version is failure::unknown_version. In a dry run the baseline is only reported.
  std::optional<std::string> baseline{};
  /// Written to the log rows of the baseline.
  std::string baseline_reason{};
};

/// Options of rollback(). The first eight members are those of run_options. Without steps or
/// target, one migration is rolled back.
struct rollback_options {
  /// The schema of the tracking tables; quoted with pgpx::quote_identifier.
  std::string schema = "pgpx";
  /// How long to wait for the migration lock before failing with failure::lock_timeout.
  std::chrono::milliseconds lock_wait{std::chrono::seconds(60)};
  /// How often the lock is tried while waiting.
  std::chrono::milliseconds lock_poll{std::chrono::milliseconds(100)};
  /// `SET LOCAL lock_timeout` of each migration without a `lock-timeout=` directive (0: none).
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(5)};
  /// `SET LOCAL statement_timeout` of each migration without a `statement-timeout=`
  /// directive; nullopt leaves the server's setting.
  std::optional<std::chrono::milliseconds> statement_timeout{};
  /// Plan only: validate and report what would run; write nothing (the tracking tables are
  /// not even created). The lock is still taken.
  bool dry_run = false;
  /// Called once (on the calling thread) when the lock is held by another session and the
  /// run starts waiting, with a sentence naming the holders (pid, application_name, user,
  /// query; redacted). An exception it throws ends the call before anything ran.
  std::function<void(const std::string&)> on_lock_wait{};
  /// Called (on the calling thread) before each migration of apply() or rollback() runs,
  /// and after each statement of one run statement by statement (no-transaction files,
  /// tx_mode::none); never in a dry run. For a progress display: an exception it throws ends
  /// the run like a failed statement would, so it should not throw.
  std::function<void(const run_progress&)> on_progress{};
  /// Roll back this many of the newest applied migrations (default 1).
  std::optional<int> steps{};
  /// Roll back every migration newer than this version (which stays applied); "0" = all.
  std::optional<std::string> target{};
  /// As apply_options::check_sum_file.
  bool check_sum_file = true;
  /// Lint the down files about to run for data loss before anything runs: a DROP TABLE,
  /// DROP SCHEMA, DROP COLUMN, TRUNCATE or DELETE without WHERE (the destructive rules DS1xx,
  /// which `migrate lint` reports as warnings in down files) refuses the run
  /// (failure::lint_failed, naming file, line and rule) unless the file silences it with
  /// `-- pgpx: lint-ignore=DS101 reason="..."`; so do the other lint errors (a lint-ignore
  /// without a reason, PX002). Warnings (HY401: DROP without IF EXISTS...) go to run_report::lint.
  bool lint = true;
  /// Un-apply migrations that have no down file (irreversible, or whose files are gone)
  /// instead of refusing them: their tracking row is removed and nothing of them runs; each
  /// writes a log row with action "down" and outcome "forced" (reason: `reason`). Migrations
  /// that have a down file run it as usual. The caller is expected to have asked a person.
  bool force = false;
  /// Written to the log rows of forced migrations (with force).
  std::string reason{};
};

/// One migration that a run applied, rolled back or (dry run) would have.
struct run_entry {
  std::string version;                  ///< as written in the file name
  std::string name;                     ///< "<version>_<slug>"
  std::string file;                     ///< the file name run
  bool no_transaction = false;          ///< run statement by statement
  std::chrono::milliseconds duration{}; ///< time spent (0 in a dry run)
  int statements_skipped = 0;            ///< statements done by an earlier run (resume), not run again
  /// rollback() with rollback_options::force: un-applied without running anything (no down
  /// file); `file` is "" then.
  bool forced = false;
  /// apply() with apply_options::baseline: recorded as baseline, not run; `file` is the up file.
  bool baseline = false;
};

/// A lint finding of a file that apply() linted.
struct file_finding {
  std::string file;      ///< the file's path
  lint_finding finding;  ///< the finding
};

/// What apply() or rollback() did.
struct run_report {
  bool dry_run = false;              ///< nothing was written
  std::vector<run_entry> migrations; ///< in the order run (or planned)
  std::vector<std::string> skipped;  ///< names skipped because of their `env=` directive
  std::vector<std::string> warnings; ///< accepted anomalies (allow_modified, allow_missing...)
  std::vector<file_finding> lint;    ///< lint warnings (and silenced findings) of the files run
};

/// The state of one migration in status().
enum class state {
  applied,   ///< recorded as applied, file unchanged
  pending,   ///< on disk, not applied
  modified,  ///< applied, but the up file's checksum differs from the recorded one
  missing,   ///< recorded as applied, no file on disk
  partial,   ///< a no-transaction migration stopped after some statements
  failed,    ///< recorded as failed (a no-transaction migration that failed before any statement
             ///< completed, or whose rollback failed)
  skipped,   ///< pending, but its `env=` excludes the environment
  baseline,  ///< recorded by baseline(): treated as applied, never run by pgpx
};

/// The lowercase name of a state.
[[nodiscard]] PGPX_API auto to_string(state s) noexcept -> std::string_view;

/// One line of status().
struct status_entry {
  std::string version;                ///< as written in the file name or the tracking row
  std::string name;                   ///< "<version>_<slug>" (the recorded name when missing)
  migrate::state state = state::pending;
  bool out_of_order = false;          ///< pending and older than the newest applied one
  bool irreversible = false;          ///< no down file
  std::string applied_at;             ///< as text, "" when not applied
  std::string applied_by;             ///< "" when not applied
  std::int64_t duration_ms = 0;       ///< recorded duration
  int statements_done = 0;            ///< no-transaction progress
  int statements_total = 0;           ///< no-transaction statement count
  std::string error;                  ///< the recorded error of a partial or failed migration
};

/// What status() found, in version order.
struct status_report {
  std::vector<status_entry> entries;  ///< every migration on disk or in the tracking table
  /// True when there is at least one entry in `st`.
  [[nodiscard]] auto any(state st) const noexcept -> bool {
    for (const auto& e : entries)
      if (e.state == st) return true;
    return false;
  }
};

/**
 * Applies the pending migrations of `dir` through `cx`.
 *
 * Takes the migration lock on a dedicated connection opened with cx's parameters (held until
 * return, released on every path), creates the tracking tables if needed (not in a dry run),
 * validates (checksums, missing files, partial state, order), then runs each pending migration
 * in version order. Blocking. Throws source_error for a bad directory, migration_error
 * (refusals; a failed statement as failure::statement_failed, after which the migrations
 * before it stay applied), and the connection's errors. `cx` must not be in a transaction.
 */
[[nodiscard]] PGPX_API auto apply(connection& cx, const std::filesystem::path& dir, const apply_options& options = {})
    -> run_report;
/// apply() on a new connection to `info`, closed on return.
[[nodiscard]] PGPX_API auto apply(const conninfo& info, const std::filesystem::path& dir,
                                  const apply_options& options = {}, connection_options cx_options = {}) -> run_report;
/// apply() on a connection leased from `p` (for an application that migrates itself at
/// start-up); the lock connection is opened separately, so a pool of size 1 works.
[[nodiscard]] PGPX_API auto apply(pool& p, const std::filesystem::path& dir, const apply_options& options = {})
    -> run_report;

/**
 * Rolls back applied migrations with their down files, newest first, under the same lock and
 * transaction rules as apply(). Refuses (failure::irreversible, naming the blocker, nothing
 * changed) when a migration to roll back has no down file or no file at all, unless
 * rollback_options::force; refuses partial or failed states and changed up files like apply(),
 * and down files that lose data (rollback_options::lint, failure::lint_failed) before anything
 * ran. Blocking; throws like apply().
 */
[[nodiscard]] PGPX_API auto rollback(connection& cx, const std::filesystem::path& dir,
                                     const rollback_options& options = {}) -> run_report;
/// rollback() on a new connection to `info`, closed on return.
[[nodiscard]] PGPX_API auto rollback(const conninfo& info, const std::filesystem::path& dir,
                                     const rollback_options& options = {}, connection_options cx_options = {})
    -> run_report;

/**
 * The state of every migration of `dir` and of the tracking table. Reads only: takes no lock
 * and creates nothing (without tracking tables every migration is pending). Blocking; throws
 * source_error, migration_error(newer_tables) and the connection's errors.
 */
[[nodiscard]] PGPX_API auto status(connection& cx, const std::filesystem::path& dir, const run_options& options = {})
    -> status_report;

/**
 * Records a migration as applied (with the file's current checksum: also the way to accept an
 * intended edit) or as pending (its tracking row is removed), without running any SQL of it,
 * under the migration lock (options.dry_run: validates only). The explicit escape hatch for a partial or failed
 * migration that was finished or undone by hand. Writes a log row with action "mark" and `reason`. Blocking; throws
 * migration_error(unknown_version) when `version` is neither on disk nor recorded.
 */
PGPX_API void mark(connection& cx, const std::filesystem::path& dir, const std::string& version, bool applied,
                   const std::string& reason, const run_options& options = {});

/**
 * Adopts an existing database: records `version` and every older migration on disk that is not
 * recorded yet as applied with status `baseline` (its SQL is not run), under the migration
 * lock, with a log row (action "baseline", `reason`) for each. Later apply() runs only newer
 * migrations. options.dry_run: validates only. Returns the versions recorded (in order).
 * Throws migration_error(unknown_version) when no migration on disk has `version`.
 */
[[nodiscard]] PGPX_API auto baseline(connection& cx, const std::filesystem::path& dir, const std::string& version,
                                     const std::string& reason, const run_options& options = {})
    -> std::vector<std::string>;

/**
 * Records each of `versions` (migrations on disk) as applied with its file's current checksum,
 * without running any SQL, in one transaction under the migration lock, with a log row
 * (action "mark", outcome "applied", `reason`) each: how `pgpx migrate import` carries over
 * another tool's applied rows. Versions already recorded are left as they are and not
 * returned. options.dry_run: validates only. Returns the versions recorded (in order).
 * Throws migration_error(unknown_version) naming a version that no migration on disk has
 * (before anything was written).
 */
[[nodiscard]] PGPX_API auto mark_applied(connection& cx, const std::filesystem::path& dir,
                                         const std::vector<std::string>& versions, const std::string& reason,
                                         const run_options& options = {}) -> std::vector<std::string>;

/// What repair() re-stamps.
struct repair_options {
  bool checksums = false;     ///< record the current checksum of applied migrations whose up file changed
  bool clear_failed = false;  ///< remove partial and failed tracking rows (their migration becomes pending)
  std::string reason;         ///< written to the log
};

/**
 * An explicit, audited re-stamp of the tracking table: with `checksums`, applied migrations
 * whose up file changed get the file's current checksum; with `clear_failed`, partial and
 * failed rows are removed. Each change writes a log row (action "repair", `reason`). Runs no
 * migration SQL; under the migration lock; options.dry_run: reports only. Returns one line
 * per change ("0003_x: checksum h1:... -> h1:...", "0004_y: cleared partial row").
 */
[[nodiscard]] PGPX_API auto repair(connection& cx, const std::filesystem::path& dir, const repair_options& what,
                                   const run_options& options = {}) -> std::vector<std::string>;

}  // namespace pgpx::migrate
