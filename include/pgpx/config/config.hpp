// pgpx/config/config.hpp: where to connect and how, from the command line, the environment,
// pgpx.toml and code.
//
// One object answers "which database, with which settings" for the library and the CLI:
//
//   auto cfg = pgpx::config::load();                      // env, pgpx.toml, embedded default
//   pgpx::connection cx{cfg.connection(), pgpx::connection_options_of(cfg)};  // core/configured.hpp
//
//   pgpx::config_options o;
//   o.env = "ci";                                         // -e/--env
//   o.url = "postgresql://app@db/app";                    // --url
//   auto cfg2 = pgpx::config::load(o);
//   cfg2.set_statement_timeout(std::chrono::seconds(5));  // code wins over everything
//
// Connection precedence, highest first (docs/configuration.md has the full reference):
//
//   code (set_url, set_connection)
//   > --url (config_options::url)
//   > PGPX_DATABASE_URL
//   > DATABASE_URL
//   > libpq's own environment (any of PGHOST, PGHOSTADDR, PGPORT, PGDATABASE, PGUSER, PGSERVICE
//     set: the conninfo stays empty and libpq reads the variables itself)
//   > pgpx.toml [env.<name>] (url, or libpq keywords such as host, port, dbname, user, password)
//   > the embedded default: the project-local cluster, whose conninfo is in .pgpx/url
//
// The environment block is selected by config_options::env > PGPX_ENV > [project] default_env
// > "development". Its other settings (protected, timeouts, statement cache, application
// name, [log]) apply whichever level supplied the connection.
//
// Secrets (password, url) may come from providers instead of the file itself; see
// pgpx/config/secrets.hpp. No secret ever appears in an error message, in describe() or in a
// diagnostic.
#pragma once

#include <pgpx/config/conninfo.hpp>
#include <pgpx/config/secrets.hpp>
#include <pgpx/export.hpp>
#include <pgpx/outcome.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx {

namespace detail {
struct config_model;  // the parsed pgpx.toml, private to config.cpp
}  // namespace detail

/// How much is logged; each level includes the ones after it.
enum class log_level { trace, debug, info, warn, error, off };

/// How log lines are written.
enum class log_format {
  text,  ///< human-readable lines: time, level, message
  json,  ///< one JSON object per line ("ts", "level", "msg", structured fields)
};

/// "trace", "debug", "info", "warn", "error" or "off".
[[nodiscard]] PGPX_API auto to_string(log_level level) noexcept -> std::string_view;
/// "text" or "json".
[[nodiscard]] PGPX_API auto to_string(log_format format) noexcept -> std::string_view;
/// Parses a level name (case-insensitive; "warning" is accepted for warn).
[[nodiscard]] PGPX_API auto parse_log_level(std::string_view text) noexcept -> std::optional<log_level>;
/// Parses "text" or "json" (case-insensitive).
[[nodiscard]] PGPX_API auto parse_log_format(std::string_view text) noexcept -> std::optional<log_format>;

/// Logging settings of the selected environment; pgpx::observe consumes them.
struct log_settings {
  log_level level = log_level::warn;      ///< the minimum level written
  log_format format = log_format::text;   ///< text or JSON lines
  bool queries = false;                   ///< log every statement (the query log)
  bool parameters = false;                ///< include parameter values in the query log
  bool secrets = false;                   ///< show secret-named parameters unmasked (never in production)
};

/**
 * Parses a duration: an integer with a unit, "250ms", "5s", "2min", "1h", "1d" (a decimal
 * fraction such as "1.5s" is allowed), or a bare integer meaning milliseconds. "0" is zero.
 */
[[nodiscard]] PGPX_API auto try_parse_duration(std::string_view text) -> outcome<std::chrono::milliseconds>;
/// Like try_parse_duration, but throws config_error.
[[nodiscard]] PGPX_API auto parse_duration(std::string_view text) -> std::chrono::milliseconds;
/// The shortest exact form: "250ms", "5s", "2min", "1h"; "0ms" for zero.
[[nodiscard]] PGPX_API auto format_duration(std::chrono::milliseconds d) -> std::string;

/// What config::load looks at. Every field is optional.
struct config_options {
  /// The connection given on the command line (--url): a URL or keyword/value string.
  std::optional<std::string> url{};
  /// The environment block to use (-e/--env).
  std::optional<std::string> env{};
  /// The configuration file (-c/--config); relative paths are taken from start_dir. When
  /// absent, pgpx.toml is searched for in start_dir and then in each parent directory.
  std::optional<std::filesystem::path> file{};
  /// Where the search for pgpx.toml starts; empty means the current directory.
  std::filesystem::path start_dir{};
  /// The environment variables pgpx reads (PGPX_*, DATABASE_URL, PG*, and those named by
  /// `{ env = ... }` secrets). Tests inject their own; the default reads the process's.
  getenv_function getenv = process_getenv;
};

/**
 * The resolved configuration: the connection, its source, the environment block and its
 * settings, logging.
 *
 * Loading reads files and the environment and, when the selected environment block supplies
 * the connection, resolves its secrets (which may run a command: see secrets.hpp). Only the
 * selected block's secrets are resolved, and only when that block is the connection source.
 *
 * Errors that make loading fail (config_error, or a failed outcome): pgpx.toml malformed
 * (file:line:col), unknown keys or wrong types in [project], [log] or the selected
 * [env.<name>] block (file:line:col), an explicitly requested environment that the file does
 * not define, a malformed URL (named by its source: "--url", "PGPX_DATABASE_URL"...), a secret
 * that cannot be obtained. Problems in environment blocks that are not selected do not stop
 * loading; validate() reports them.
 *
 * Thread safety: a value type; a loaded config may be read from several threads.
 */
class PGPX_API config {
 public:
  /// Nothing loaded: embedded default, environment "development", the current directory
  /// as project directory (not evaluated until asked), default settings.
  config();

  /// Loads the configuration; throws config_error.
  [[nodiscard]] static auto load(const config_options& options = {}) -> config;
  /// Loads the configuration; a failed outcome carries the first problem found.
  [[nodiscard]] static auto try_load(const config_options& options = {}) -> outcome<config>;
  /**
   * Checks a configuration without using it, for `pgpx config validate`: finds and parses
   * the file, then reports every problem of every environment block, the environment
   * selection, and the well-formedness of secret providers (commands are not run, files
   * and variables are not read). Warnings are included (see is_warning). Never throws.
   */
  [[nodiscard]] static auto validate_file(const config_options& options = {}) -> std::vector<diagnostic>;

  /// The connection parameters to use. Contains secrets: print redacted() only.
  [[nodiscard]] auto connection() const noexcept -> const conninfo& { return connection_; }
  /// Where the connection came from: "code", "--url", "PGPX_DATABASE_URL", "DATABASE_URL",
  /// "libpq environment (PGHOST, ...)", "pgpx.toml [env.development]" or "embedded".
  [[nodiscard]] auto source() const -> std::string { return source_; }
  /// True when no level supplied a connection and the project-local cluster is meant. The
  /// connection is then the content of embedded_url_file() when that file exists, and empty
  /// (apart from application_name) when it does not: start the cluster, then call
  /// refresh_embedded().
  [[nodiscard]] auto uses_embedded() const noexcept -> bool { return uses_embedded_; }
  /// Re-reads embedded_url_file() when uses_embedded(); true when a conninfo was read.
  /// Throws config_error when the file exists but is malformed.
  auto refresh_embedded() -> bool;

  /// The directory of the pgpx.toml found or given, else the start directory.
  [[nodiscard]] auto project_dir() const -> std::filesystem::path;
  /// project_dir()/".pgpx": where the embedded cluster lives.
  [[nodiscard]] auto embedded_dir() const -> std::filesystem::path;
  /// embedded_dir()/"url": the conninfo the embedded cluster writes (one line).
  [[nodiscard]] auto embedded_url_file() const -> std::filesystem::path;
  /// The configuration file in use, if any.
  [[nodiscard]] auto file() const -> const std::optional<std::filesystem::path>& { return file_; }

  /// The selected environment name.
  [[nodiscard]] auto env_name() const -> const std::string& { return env_name_; }
  /// What selected it: "--env", "PGPX_ENV", "pgpx.toml [project] default_env" or "default".
  [[nodiscard]] auto env_source() const -> const std::string& { return env_source_; }
  /// The environment blocks pgpx.toml defines, in file order.
  [[nodiscard]] auto environments() const -> std::vector<std::string>;
  /// True when the selected environment has `protected = true` (destructive commands refuse).
  [[nodiscard]] auto is_protected() const noexcept -> bool { return protected_; }

  /**
   * Deadline for establishing a session, all hosts together. Highest first: set_connect_timeout(),
   * the connection string's own connect_timeout keyword (whole seconds, e.g.
   * `postgresql://h/db?connect_timeout=5`), PGCONNECT_TIMEOUT, the environment block's
   * connect_timeout setting, 10s.
   */
  [[nodiscard]] auto connect_timeout() const noexcept -> std::chrono::milliseconds { return connect_timeout_; }
  /// Client-side deadline per statement (statement_timeout; 0 = none, the default).
  [[nodiscard]] auto statement_timeout() const noexcept -> std::chrono::milliseconds { return statement_timeout_; }
  /// Prepared statements cached per connection (statement_cache; default 256, 0 = off).
  [[nodiscard]] auto statement_cache_capacity() const noexcept -> std::size_t { return statement_cache_; }
  /// The application_name setting, or empty when not set.
  [[nodiscard]] auto application_name() const -> const std::string& { return application_name_; }
  /// Logging settings: top-level [log], then [env.<name>.log], then PGPX_LOG and
  /// PGPX_LOG_FORMAT, then set_log_settings().
  [[nodiscard]] auto log_settings() const noexcept -> const pgpx::log_settings& { return log_; }

  /// Warnings noticed while loading the selected environment (e.g. a plain-text password in
  /// the file). Loading still succeeded. Messages start with "warning: ".
  [[nodiscard]] auto warnings() const -> const std::vector<diagnostic>& { return warnings_; }
  /// A multi-line, human-readable listing of the resolved configuration with every secret
  /// masked (for `pgpx config show`).
  [[nodiscard]] auto describe() const -> std::string;
  /**
   * Every problem of the loaded file, for `pgpx config validate`: each environment block
   * (not just the selected one), [project] default_env, and the well-formedness of secret
   * providers, without running commands or reading secrets. Includes warnings.
   */
  [[nodiscard]] auto validate() const -> std::vector<diagnostic>;
  /// True for the warnings of validate()/warnings() (their message starts with "warning: ").
  [[nodiscard]] static auto is_warning(const diagnostic& d) noexcept -> bool;

  /// Uses this connection, above every other level; source() becomes "code". Throws
  /// config_error when malformed (the message names the source "code", never the text).
  auto set_url(std::string_view url) -> config&;
  /// Uses this connection, above every other level; source() becomes "code". Its
  /// connect_timeout keyword, if any, becomes connect_timeout().
  auto set_connection(conninfo info) -> config&;
  /// Overrides connect_timeout, also over a connect_timeout keyword in the connection (which it
  /// removes: a connection string's keyword caps connection_options::connect_timeout).
  auto set_connect_timeout(std::chrono::milliseconds d) -> config&;
  /// Overrides statement_timeout (0: none).
  auto set_statement_timeout(std::chrono::milliseconds d) -> config&;
  /// Overrides statement_cache (0: no cache).
  auto set_statement_cache_capacity(std::size_t n) -> config&;
  /// Overrides application_name, in the connection too.
  auto set_application_name(std::string name) -> config&;
  /// Overrides `protected`.
  auto set_protected(bool on) -> config&;
  /// Replaces every logging setting.
  auto set_log_settings(const pgpx::log_settings& settings) -> config&;
  /// Overrides the log level only (-v/-q on the command line).
  auto set_log_level(log_level level) -> config&;

 private:
  conninfo connection_;
  std::string source_ = "embedded";
  bool uses_embedded_ = true;
  std::filesystem::path project_dir_;
  std::optional<std::filesystem::path> file_;
  std::string env_name_ = "development";
  std::string env_source_ = "default";
  bool protected_ = false;
  // The defaults of pgpx::connection_options (a unit test checks that they agree): this
  // module sits below core and cannot read them.
  std::chrono::milliseconds connect_timeout_{10'000};
  std::string connect_timeout_source_ = "default";
  std::chrono::milliseconds statement_timeout_{0};
  std::size_t statement_cache_ = 256;
  std::string application_name_;
  pgpx::log_settings log_;
  std::vector<diagnostic> warnings_;
  std::vector<std::pair<std::string, std::string>> secret_origins_;  // key -> provider description
  std::shared_ptr<const detail::config_model> model_;
};

}  // namespace pgpx
