// pgpx/migrate/import.hpp: converting another tool's migrations directory (goose, dbmate,
// sqlx, flyway, diesel, golang-migrate) into pgpx migration files, and reading which of them
// that tool recorded as applied (`pgpx migrate import`).
//
//   const auto plan = pgpx::migrate::read_import_directory(pgpx::migrate::import_tool::goose, "db/migrations");
//   pgpx::migrate::check_import_target(plan, "migrations");       // refuses clashing files
//   const auto t = pgpx::migrate::read_tool_tracking(cx, plan);   // goose_db_version's applied rows
//   // Under the migration lock: the files, pgpx.sum, then goose's applied rows marked applied.
//   pgpx::migrate::import_migrations(cx, plan, "migrations", t.applied, "imported from goose");
//
// Versions keep the tool's order: numeric versions keep their number (14-digit UTC timestamps
// as they are, other numbers zero-padded to one width, at least 4 digits); flyway's dotted
// versions (1.1, 2.0.3) are numbered 0001, 0002, ... in flyway's order. docs/migrations.md
// ("Importing from another tool") describes each tool's conversion.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/export.hpp>
#include <pgpx/migrate/migration.hpp>
#include <pgpx/migrate/migrator.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::migrate {

/// The tools whose migrations can be imported.
enum class import_tool {
  goose,           ///< `NNN_name.sql` with `-- +goose Up` / `-- +goose Down` sections
  dbmate,          ///< `VERSION_name.sql` with `-- migrate:up` / `-- migrate:down` sections
  sqlx,            ///< `VERSION_name.up.sql` / `.down.sql`, or one `VERSION_name.sql`
  flyway,          ///< `V1__name.sql` and `U1__name.sql` (undo)
  diesel,          ///< directories `YYYY-MM-DD-HHMMSS_name/` holding `up.sql`, `down.sql`
  golang_migrate,  ///< `N_name.up.sql` / `N_name.down.sql`
};

/// The tool's command-line name: "goose", "dbmate", "sqlx", "flyway", "diesel", "golang-migrate".
[[nodiscard]] PGPX_API auto to_string(import_tool tool) noexcept -> std::string_view;
/// The tool named `name` (as to_string() spells it), or nullopt.
[[nodiscard]] PGPX_API auto parse_import_tool(std::string_view name) -> std::optional<import_tool>;
/// The table in which the tool records applied migrations ("goose_db_version", ...).
[[nodiscard]] PGPX_API auto tracking_table(import_tool tool) noexcept -> std::string_view;

/// The up and down SQL of one converted migration, header directives included.
struct converted_sql {
  std::string up;                   ///< the `.up.sql` content
  std::optional<std::string> down;  ///< the `.down.sql` content; nullopt: irreversible
};

/**
 * Splits a goose SQL migration into up and down files. `-- +goose Up` / `-- +goose Down`
 * open the sections (no Down section: irreversible), `-- +goose StatementBegin` /
 * `StatementEnd` markers are dropped (pgpx splits statements with the PostgreSQL parser),
 * `-- +goose NO TRANSACTION` becomes `-- pgpx: no-transaction` in both files.
 * Throws source_error naming `file` and the line: an unknown or misplaced annotation, SQL
 * before `-- +goose Up`, an unbalanced StatementBegin/End, `ENVSUB` (not convertible), no Up.
 */
[[nodiscard]] PGPX_API auto convert_goose(std::string_view content, const std::string& file) -> converted_sql;

/**
 * Splits a dbmate migration at `-- migrate:up` / `-- migrate:down`; the option
 * `transaction:false` of a section becomes `-- pgpx: no-transaction` in that file.
 * Throws source_error naming `file` and the line: an unknown option, a section given twice,
 * SQL before `-- migrate:up`, no up section.
 */
[[nodiscard]] PGPX_API auto convert_dbmate(std::string_view content, const std::string& file) -> converted_sql;

/**
 * One plain SQL file of sqlx, golang-migrate, flyway or diesel: a leading sqlx
 * `-- no-transaction` line (`sqlx_directive`), or `no_transaction` given by the caller (diesel's
 * `run_in_transaction = false`, flyway's `executeInTransaction=false`), becomes
 * `-- pgpx: no-transaction`; the rest is kept as it is. A comment line names the origin
 * (`-- imported from <tool> <file name>`; without `tool`, the file name alone).
 */
[[nodiscard]] PGPX_API auto convert_plain(std::string_view content, const std::string& file, bool no_transaction,
                                          bool sqlx_directive, std::string_view tool = {}) -> std::string;

/// `name` made a pgpx slug: lowercase, every run of other characters than `[a-z0-9]` one `_`,
/// no `_` at either end; "migration" when nothing is left.
[[nodiscard]] PGPX_API auto slug_of(std::string_view name) -> std::string;

/// One migration of the tool, converted.
struct imported_migration {
  std::string tool_version;          ///< the tool's version as its file name writes it ("00001", "1.1")
  std::string version;               ///< the pgpx version
  std::string slug;                  ///< `[a-z0-9_]+`
  converted_sql sql;                 ///< the converted files
  std::vector<std::string> sources;  ///< the tool's file(s) it came from, as paths

  /// "<version>_<slug>".
  [[nodiscard]] auto name() const -> std::string { return version + "_" + slug; }
};

/// A tool's directory, converted (nothing written yet).
struct import_plan {
  import_tool tool = import_tool::goose;      ///< the tool read
  std::filesystem::path source;               ///< the tool's directory
  std::vector<imported_migration> migrations; ///< in version order
  std::vector<std::string> notes;             ///< files passed over, for people ("ignored main.go: ...")
};

/// Values of flyway placeholders (`${name}` in a migration file), by name (`flyway:user` too).
using placeholder_values = std::map<std::string, std::string, std::less<>>;

/**
 * Reads and converts every migration of the tool's directory `dir`; writes nothing.
 * Flyway's directory is read recursively (as flyway scans a location): versions are ordered
 * across subdirectories. A flyway placeholder `${name}` in a file is replaced by its value in
 * `placeholders` (plain text substitution into the migration source, as flyway does; never
 * into query values); without a value the file is refused.
 * Goose `.go` files named like migrations (`00002_add_x.go`) are refused; other `.go` files
 * (main.go, helpers, `_test.go`) are passed over with a note in import_plan::notes.
 * Throws source_error naming the file (and line) that cannot be understood: a name that is
 * not the tool's, a repeatable (flyway `R__`) or baseline (`B`) migration, a Go goose
 * migration, two files for one version (both named), versions mixing 14-digit timestamps
 * and sequence numbers, an undo/down file without its migration, a flyway placeholder
 * without a value (file, line and placeholder named), bad content.
 */
[[nodiscard]] PGPX_API auto read_import_directory(import_tool tool, const std::filesystem::path& dir,
                                                  const placeholder_values& placeholders = {}) -> import_plan;

/// check_import_target's refusal: the target directory does not take the import (a
/// source_error naming the file at fault, told apart from a failure to write a file).
class PGPX_API import_refused : public source_error {
 public:
  using source_error::source_error;
  /// The same error (file, line, message), as a refusal of the target.
  explicit import_refused(const source_error& e) : source_error(e) {}
};

/**
 * Refuses (import_refused, a source_error naming the clashing file) to import `plan` into `target` when
 * `target` has a migration with a version of the plan, or its migrations are numbered in the
 * other style, or it does not load, or it differs from its `pgpx.sum` (write_import rewrites
 * the sum, which would otherwise take in an unchecked edit). A missing or empty `target` is fine.
 */
PGPX_API void check_import_target(const import_plan& plan, const std::filesystem::path& target);

/**
 * Writes the plan's files into `target` (created when missing), then rewrites `pgpx.sum`.
 * Returns the files written. On a failure the files written so far are removed and the
 * previous pgpx.sum restored; throws source_error.
 */
PGPX_API auto write_import(const import_plan& plan, const std::filesystem::path& target)
    -> std::vector<std::filesystem::path>;

/// Removes `written` (as write_import returned them) and puts back the earlier pgpx.sum
/// (`old_sum`: its content, nullopt when there was none); for undoing an import.
PGPX_API void undo_import(const std::filesystem::path& target, const std::vector<std::filesystem::path>& written,
                          const std::optional<std::string>& old_sum);

/// What import_migrations() did.
struct import_result {
  std::vector<std::filesystem::path> written;  ///< the migration files written (pgpx.sum rewritten too)
  std::vector<std::string> marked;             ///< the versions recorded as applied, in order
};

/**
 * Imports `plan` into `target` under the migration lock of options.schema, the session
 * advisory lock apply() takes, so that no apply runs half-written files: takes the lock
 * (waiting up to options.lock_wait; migration_error(lock_timeout) with nothing written),
 * checks the target again (check_import_target: source_error), writes the files and pgpx.sum
 * (write_import), records `applied` as mark_applied() does with `reason`, and releases the
 * lock. When recording fails, the files are removed and the earlier pgpx.sum put back before
 * the error is rethrown. options.dry_run is not looked at: plan with read_import_directory().
 */
PGPX_API auto import_migrations(connection& cx, const import_plan& plan, const std::filesystem::path& target,
                                const std::vector<std::string>& applied, const std::string& reason,
                                const run_options& options = {}) -> import_result;

/// What the tool's tracking table says.
struct tool_tracking {
  std::string table;                 ///< the table read (as to_regclass names it), "" when absent
  std::vector<std::string> applied;  ///< pgpx versions of the plan recorded as applied, in order
  std::vector<std::string> unknown;  ///< applied tool versions that have no file in the plan
};

/**
 * Reads the tool's tracking table (found through the search_path) and maps its applied rows
 * to the plan's pgpx versions. Reads only. A table without the columns the tool writes
 * (goose's is_applied, golang-migrate's dirty...) is refused with error_kind::validation,
 * naming the table and the missing column. `table` names another table than the tool's default
 * (goose `-table`, golang-migrate `x-migrations-table`, flyway `table`, dbmate
 * `--migrations-table`): `name` or `schema.name`, each part quoted with quote_identifier (so
 * taken as written, case included). A missing table gives an empty result. Throws
 * migration_error(failure::dirty_state) when the tool recorded a failed or half-done
 * migration (golang-migrate's `dirty`, sqlx's and flyway's `success = false`), naming it;
 * usage_error for a `table` with more than one dot or an empty part.
 */
[[nodiscard]] PGPX_API auto read_tool_tracking(connection& cx, const import_plan& plan, const std::string& table = {})
    -> tool_tracking;

}  // namespace pgpx::migrate
