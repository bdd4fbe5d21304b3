// pgpx/config/conninfo.hpp: connection parameters, parsed and validated before connecting.
//
// A conninfo holds libpq connection keywords (host, port, dbname, user, password, sslmode,
// target_session_attrs...). It is parsed from a URL ("postgresql://user@host:5432/db") or a
// keyword/value string ("host=/tmp port=5432 dbname=app") by libpq itself, so every form
// libpq accepts works, and an unknown keyword or malformed URL is reported before any
// connection attempt. Values are never concatenated into a string for libpq: connections
// are opened with keyword/value arrays, so a value can never add a parameter.
//
//   auto ci = pgpx::conninfo::parse("postgresql://app@localhost/appdb");
//   ci.set("application_name", "worker");
//   std::cout << ci.redacted();   // the password, if any, is masked
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/outcome.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx {

/// The text that replaces secrets in messages and output.
inline constexpr std::string_view redacted_marker = "********";

/**
 * Masks secrets in free text: the password of postgres:// URLs and the values of
 * password-like keywords (password, sslpassword) in keyword/value strings and URL queries.
 * Every error message and log line that may contain a connection string passes here.
 */
[[nodiscard]] PGPX_API auto redact(std::string_view text) -> std::string;

/// True for keyword names whose values are secrets (password, sslpassword, ...).
[[nodiscard]] PGPX_API auto is_secret_name(std::string_view name) noexcept -> bool;

/**
 * Validated libpq connection parameters.
 *
 * Thread safety: a value type; distinct objects may be used from distinct threads.
 */
class PGPX_API conninfo {
 public:
  /// An empty conninfo: libpq's defaults and PG* environment variables apply.
  conninfo() = default;

  /// Parses a URL or a keyword/value string. `source` names where the text came from
  /// ("--url", "DATABASE_URL", "pgpx.toml [env.dev]") and appears in the diagnostic.
  [[nodiscard]] static auto try_parse(std::string_view text, std::string_view source = {}) -> outcome<conninfo>;
  /// Like try_parse, but throws config_error.
  [[nodiscard]] static auto parse(std::string_view text, std::string_view source = {}) -> conninfo;

  /// The value of a keyword, or an empty string when it is not set.
  [[nodiscard]] auto get(std::string_view keyword) const -> std::string;
  /// True when the keyword has a non-empty value.
  [[nodiscard]] auto has(std::string_view keyword) const -> bool;
  /// Sets a keyword; throws usage_error when libpq does not know the keyword or the value is
  /// invalid for it (a port that is not a number, an unknown sslmode...).
  auto set(std::string_view keyword, std::string value) -> conninfo&;
  /// Removes a keyword.
  auto erase(std::string_view keyword) -> conninfo&;
  /// Sets the keyword only when it is not set yet.
  auto set_default(std::string_view keyword, std::string value) -> conninfo&;

  /// The keyword/value pairs that are set, in a stable order.
  [[nodiscard]] auto params() const noexcept -> const std::vector<std::pair<std::string, std::string>>& {
    return params_;
  }
  /// A keyword/value string with values quoted for libpq. Contains secrets: never log it.
  [[nodiscard]] auto to_string() const -> std::string;
  /// A description safe to print: a URL-like form with every secret masked.
  [[nodiscard]] auto redacted() const -> std::string;
  /// "host:port/dbname" (or the socket directory), for messages.
  [[nodiscard]] auto target() const -> std::string;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

/**
 * The connect_timeout keyword of `info` (whole seconds, as libpq reads it), or nullopt when it
 * is absent or 0 (libpq's "wait forever": pgpx always keeps a deadline of its own).
 *
 * A connection never waits longer to connect than this: it caps
 * connection_options::connect_timeout (see docs/configuration.md, "connect timeout"). Unlike
 * libpq, 1 means one second (libpq rounds 1 up to 2), and the value bounds the whole connect,
 * all hosts together, not each host.
 */
[[nodiscard]] PGPX_API auto connect_timeout_of(const conninfo& info) -> std::optional<std::chrono::milliseconds>;

}  // namespace pgpx
