// cli/context.hpp: what every command shares: global flags, configuration, logging,
// connecting (starting the project's local PostgreSQL when nothing else is configured).
#pragma once

#include <pgpx/config/config.hpp>
#include <pgpx/core/connection.hpp>

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgpx {
class model_description;
}

namespace pgpx::cli {

/// The flags every command accepts.
struct global_options {
  std::string config_file;      ///< -c/--config
  std::string env;              ///< -e/--env
  std::string url;              ///< --url
  int verbosity = 0;            ///< -v, -vv, -vvv
  bool quiet = false;           ///< -q/--quiet
  std::string log_format;       ///< --log-format text|json (empty: from the configuration)
  bool yes = false;             ///< -y/--yes
  /// The models of an application's own binary (pgpx/cli/application.hpp): the `models`
  /// schema source. Empty in `pgpx` itself.
  std::vector<const pgpx::model_description*> models;
  bool dry_run = false;         ///< --dry-run (global): mutating commands plan only, or refuse
  std::string lock_timeout;     ///< --lock-timeout DUR: lock_timeout of every session (and the migration lock wait)
  std::string statement_timeout;  ///< --statement-timeout DUR: statement_timeout of every session
  std::string application_name;   ///< --application-name NAME: of every session
};

/// The session settings of the global flags, parsed (context::check_flags).
struct session_flags {
  std::optional<std::chrono::milliseconds> lock_timeout;       ///< --lock-timeout
  std::optional<std::chrono::milliseconds> statement_timeout;  ///< --statement-timeout
};

/**
 * With the global --dry-run, whether the command `path` ("migrate apply", "db drop", ...)
 * may run: it honours the flag (plans only) or only reads. nullopt when it may; otherwise the
 * usage error to print. Commands not listed in context.cpp are refused, so that a new command
 * never writes under --dry-run before it learns the flag.
 */
[[nodiscard]] auto dry_run_refusal(const std::string& path) -> std::optional<std::string>;

/// State shared by the commands of one invocation.
class context {
 public:
  explicit context(global_options options) : options_(std::move(options)) {}

  /// The flags.
  [[nodiscard]] auto options() const noexcept -> const global_options& { return options_; }
  /// The configuration, loaded on first use (throws config_error).
  auto config() -> pgpx::config&;
  /// What config() loads from: the --url, --env and --config flags.
  [[nodiscard]] auto config_options() const -> pgpx::config_options;
  /// Sets up logging from the configuration and the -v/-q/--log-format flags.
  void setup_logging();
  /**
   * Asks a person to confirm `what` (a sentence saying what will happen) by typing "yes" on
   * a terminal; --yes confirms without asking. Returns when confirmed; throws usage_error
   * (exit 2, nothing changed) when stdin is not a terminal and --yes was not given, or when
   * the answer is not "yes". Blocks on standard input.
   */
  void confirm(const std::string& what) const;
  /// The connection parameters to use; with the embedded default, starts the local cluster
  /// first (and says so on stderr unless quiet).
  auto resolve_connection() -> pgpx::conninfo;
  /// Opens a connection with the configured options.
  auto connect() -> pgpx::connection;
  /// Prints a progress or information line on stderr unless --quiet.
  void note(const std::string& line) const;
  /// Parses the global --lock-timeout and --statement-timeout (durations as in pgpx.toml);
  /// throws usage_error naming the flag. main() calls it before any command runs.
  void check_flags();
  /// The parsed session flags (after check_flags).
  [[nodiscard]] auto session() const noexcept -> const session_flags& { return session_; }
  /// True with the global --dry-run.
  [[nodiscard]] auto dry_run() const noexcept -> bool { return options_.dry_run; }
  /// Adds the session flags to `ci`: application_name, and `-c lock_timeout=... -c
  /// statement_timeout=...` in its libpq `options`. resolve_connection() does it already.
  void apply_session(pgpx::conninfo& ci) const;

 private:
  session_flags session_;
  global_options options_;
  std::optional<pgpx::config> config_;
};

}  // namespace pgpx::cli
