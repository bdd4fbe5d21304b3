// cli/commands/migrate_diff.hpp: `pgpx migrate diff NAME` (and `migrate create NAME
// --from-diff`): the migrations directory replayed on a shadow database, diffed against the
// desired schema, written as a new up/down migration and linted.
#pragma once

#include "../context.hpp"

#include <pgpx/migrate/lint.hpp>
#include <pgpx/migrate/migration.hpp>
#include <pgpx/schema/diff.hpp>

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::cli {

/// The flags of `migrate diff` (also taken by `migrate create --from-diff`).
struct migrate_diff_flags {
  std::string name;                  ///< the new migration's slug
  std::string dir;                   ///< -d/--dir
  std::string to;                    ///< --to SOURCE (db, URL, FILE.json, DIR)
  std::string to_db;                 ///< --to-db URL
  std::string shadow_url;            ///< --shadow-url
  std::string schemas;               ///< --schemas a,b
  std::vector<std::string> renames;  ///< --rename schema.table[.column]=new (repeatable)
  bool online = false;               ///< --online
  bool dry_run = false;              ///< --dry-run
  std::string format = "text";       ///< --format text|json
  // Only through `migrate create --from-diff`:
  bool irreversible = false;                          ///< no down file
  bool no_tx = false;                                 ///< `-- pgpx: no-transaction` in any case
  std::optional<migrate::version_style> style{};      ///< --seq / --ts
};

/// Adds the diff flags (all but the name, -d, --dry-run) to `cmd`.
void add_migrate_diff_flags(CLI::App* cmd, migrate_diff_flags& f);

/// True when one of the diff flags is given (for `migrate create` without --from-diff).
auto any_migrate_diff_flag(const migrate_diff_flags& f) -> bool;

/// Runs `pgpx migrate diff`: returns 0 (written, or nothing to write), 5 (written, lint
/// errors); throws usage_error and the library's errors.
auto run_migrate_diff(context& ctx, const migrate_diff_flags& f) -> int;

/// The text of a migration written from a diff (by `pgpx migrate diff` and `pgpx schema sync
/// --migration`, one form for both).
struct diff_migration_text {
  std::string up;    ///< header, what the diff does not cover as comments, the up script
  std::string down;  ///< header, the down script
};

/**
 * The up and down files of migration `name` from `d`. The up file's first line names
 * `writer` and `source` (with any password masked). A `-- pgpx: no-transaction` header when
 * `no_tx` or a change cannot run in a transaction. What the diff does not cover is a comment
 * line each (line breaks in names made spaces, so no name can end a comment early). The down
 * file undoes the up file, so the rules it breaks for that reason (DROP TABLE/SCHEMA/COLUMN,
 * the drop of a possible rename, a dropped NOT NULL column added back) are silenced by a
 * lint-ignore whose reason says so; a rollback then runs them (and fails, changing nothing,
 * where the server refuses: a NOT NULL column added back to a table with rows).
 */
auto diff_migration(const schema::diff_result& d, const std::string& name, std::string_view writer,
                    const std::string& source, bool no_tx) -> diff_migration_text;

/// Lints `text` (a migration file written as `shown`) and prints the findings on stderr;
/// returns the number of failures. With `found`, the findings are appended to it too.
auto lint_written(const std::string& shown, const std::string& text, migrate::direction dir,
                  std::vector<migrate::lint_finding>* found = nullptr) -> std::size_t;

/// Registers `pgpx migrate diff` on `migrate`.
void add_migrate_diff_command(CLI::App& migrate, context& ctx, std::function<int()>& action);

}  // namespace pgpx::cli
