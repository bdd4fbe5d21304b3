// cli/exit_codes.hpp: the one table of pgpx exit codes (spec/cli-and-migrations.md 2.1).
// CI scripts branch on these numbers; they never change meaning.
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/migrate/migration.hpp>
#include <pgpx/migrate/migrator.hpp>

namespace pgpx::cli {

/// Process exit codes of the pgpx command.
enum class exit_code : int {
  ok = 0,                  ///< success
  error = 1,               ///< any other error
  usage = 2,               ///< bad command line
  pending_migrations = 3,  ///< `migrate status --exit-code` found pending migrations
  integrity = 4,           ///< checksum or integrity failure
  lint = 5,                ///< lint failure
  lock_timeout = 6,        ///< the migration lock could not be taken in time
  drift = 7,               ///< schema drift detected
  cannot_connect = 8,      ///< the server could not be reached or the connection broke
  sql_error = 9,           ///< the server rejected a statement
  validation = 10,         ///< bad input rejected before anything was sent (config, URL, values)
  timeout = 11,            ///< a deadline or statement_timeout passed
  dirty = 12,              ///< dirty or partial migration state
};

/// The exit code of a refused or failed migration run.
[[nodiscard]] inline auto exit_code_for(const migrate::migration_error& e) noexcept -> exit_code {
  switch (e.reason()) {
    case migrate::failure::checksum_mismatch:
    case migrate::failure::sum_mismatch:
    case migrate::failure::missing_file:
    case migrate::failure::out_of_order: return exit_code::integrity;
    case migrate::failure::lint_failed: return exit_code::lint;
    case migrate::failure::lock_timeout:
    case migrate::failure::lock_lost: return exit_code::lock_timeout;
    case migrate::failure::dirty_state: return exit_code::dirty;
    case migrate::failure::unknown_version:
    case migrate::failure::already_applied:
    case migrate::failure::transaction_mode:
    case migrate::failure::missing_extension: return exit_code::validation;
    case migrate::failure::statement_failed:
      // 57014: statement_timeout; 55P03: the migration's own lock_timeout.
      return e.sqlstate() == "57014"   ? exit_code::timeout
             : e.sqlstate() == "55P03" ? exit_code::lock_timeout
             : e.sqlstate().empty()    ? exit_code::error
                                       : exit_code::sql_error;
    case migrate::failure::irreversible:
    case migrate::failure::newer_tables: return exit_code::error;
  }
  return exit_code::error;
}

/// The exit code for an error that reached the command line.
[[nodiscard]] inline auto exit_code_for(const pgpx::error& e) noexcept -> exit_code {
  if (const auto* m = dynamic_cast<const migrate::migration_error*>(&e)) return exit_code_for(*m);
  // A migration file or pgpx.sum that does not load: bad input, nothing was sent.
  if (dynamic_cast<const migrate::source_error*>(&e) != nullptr) return exit_code::validation;
  switch (e.kind()) {
    case error_kind::connection:
    case error_kind::pool_timeout:
    case error_kind::pool_closed: return exit_code::cannot_connect;
    case error_kind::sql: return exit_code::sql_error;
    case error_kind::timeout:
    case error_kind::outcome_unknown: return exit_code::timeout;
    case error_kind::config:
    case error_kind::validation:
    case error_kind::conversion: return exit_code::validation;
    case error_kind::usage: return exit_code::usage;
    default: return exit_code::error;
  }
}

}  // namespace pgpx::cli
