// pgpx/observe/log.hpp: pgpx's logging, through spdlog.
//
// pgpx writes through two spdlog loggers sharing one sink: "pgpx" (everything) and
// "pgpx.sql" (the query log, see query_log.hpp). setup_logging configures both, from the
// [log] settings of pgpx.toml or from code:
//
//   auto cfg = pgpx::config::load();
//   auto opts = pgpx::observe::log_options::from(cfg.log_settings());
//   opts.level = pgpx::observe::level_from_verbosity(verbose, quiet);   // -v / -q
//   pgpx::observe::setup_logging(opts);
//   pgpx::observe::logger()->info("migrations applied: {}", n);
//
// Two formats: text (a human-readable line: local time, level, message and `key=value`
// fields) and JSON lines (one object per line: "ts" in UTC, "level", "msg", plus the
// structured fields of the event, e.g. "sql", "duration_ms", "rows", "params", "error" for
// a statement). Strings are escaped by nlohmann::json; invalid UTF-8 is replaced, never
// thrown about.
//
// Logging never throws into the caller: formatter failures fall back to the raw message.
#pragma once

#include <pgpx/config/config.hpp>
#include <pgpx/export.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/common.h>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include <iosfwd>
#include <memory>
#include <string_view>

namespace pgpx::observe {

/// What setup_logging builds.
struct log_options {
  log_level level = log_level::warn;       ///< minimum level of the "pgpx" logger
  log_format format = log_format::text;    ///< text lines or JSON lines
  bool queries = false;                    ///< the query log: each statement at debug level
  bool parameters = false;                 ///< the query log includes parameter values
  bool secrets = false;                    ///< secret-named parameters shown unmasked
  spdlog::sink_ptr sink{};                 ///< where to write; default: stderr
  std::ostream* stream = nullptr;          ///< used when `sink` is null (tests); not owned

  /// The options matching the settings of a pgpx::config (stderr sink).
  [[nodiscard]] PGPX_API static auto from(const log_settings& settings) -> log_options;
};

/**
 * Configures the "pgpx" and "pgpx.sql" loggers (replacing earlier ones, also in spdlog's
 * registry) with one sink and the requested format and level, and installs a default query
 * hook (pgpx::set_default_query_hook) that sends server notices to the "pgpx" logger
 * (WARNING at warn, others at info) and, when the query log is on, each statement to
 * "pgpx.sql". A default hook the application installed is kept: the logging hook is chained
 * after it (both see every statement and notice); calling setup_logging again replaces only
 * the logging part. The query log is on when `queries` is set or the level is trace (-vvv
 * prints every statement); it is off at level off. Connections opened afterwards use the
 * hook. Thread-safe; usually called once at start-up.
 */
PGPX_API void setup_logging(const log_options& options);

/// The log level for command-line verbosity: quiet -> error, 0 -> warn, 1 (-v) -> info,
/// 2 (-vv) -> debug, 3 or more (-vvv) -> trace. `quiet` wins.
[[nodiscard]] PGPX_API auto level_from_verbosity(int verbosity, bool quiet) noexcept -> log_level;

/// The "pgpx" logger. Before setup_logging: stderr, level warn, text format. Thread-safe.
[[nodiscard]] PGPX_API auto logger() -> std::shared_ptr<spdlog::logger>;

/// The "pgpx.sql" logger the query log writes to (off until setup_logging enables it).
[[nodiscard]] PGPX_API auto query_logger() -> std::shared_ptr<spdlog::logger>;

/// The spdlog level of a pgpx level.
[[nodiscard]] PGPX_API auto to_spdlog(log_level level) noexcept -> spdlog::level::level_enum;

/// A formatter producing pgpx's text or JSON lines, for attaching to other sinks.
[[nodiscard]] PGPX_API auto make_formatter(log_format format) -> std::unique_ptr<spdlog::formatter>;

/**
 * Logs a message with structured fields: in JSON lines the fields become members of the
 * line's object (next to "ts", "level" and "msg"); in text they follow the message as
 * `key=value`. Does nothing when `lg` would not log at `level`. Never throws.
 */
PGPX_API void log_event(spdlog::logger& lg, log_level level, std::string_view message,
                        const nlohmann::json& fields) noexcept;

}  // namespace pgpx::observe
