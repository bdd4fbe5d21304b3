// cli/commands/migrate_diff.hpp: `pgpx migrate diff NAME` (and `migrate create NAME
// --from-diff`): the migrations directory replayed on a shadow database, diffed against the
// desired schema, written as a new up/down migration and linted.
#pragma once

#include "../context.hpp"

#include <pgpx/migrate/migration.hpp>

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
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

/// Registers `pgpx migrate diff` on `migrate`.
void add_migrate_diff_command(CLI::App& migrate, context& ctx, std::function<int()>& action);

}  // namespace pgpx::cli
