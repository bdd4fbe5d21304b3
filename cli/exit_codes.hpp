// cli/exit_codes.hpp: the one table of pgpx exit codes (spec/cli-and-migrations.md 2.1).
// CI scripts branch on these numbers; they never change meaning.
#pragma once

#include <pgpx/error.hpp>

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

/// The exit code for an error that reached the command line.
[[nodiscard]] inline auto exit_code_for(const pgpx::error& e) noexcept -> exit_code {
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
