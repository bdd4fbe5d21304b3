// pgpx/config/secrets.hpp: secret values and the providers they come from.
//
// A password (or a whole connection URL) need not be written into pgpx.toml. It can come
// from an environment variable, a file (Docker/Kubernetes secrets) or the output of a
// command (vault, pass, aws secretsmanager, op...), run without a shell:
//
//   [env.production]
//   host = "db.internal"
//   password = { command = ["vault", "kv", "get", "-field=password", "secret/db"], timeout = "5s" }
//
// In C++ the same providers are `pgpx::secret_source` values, and what they produce is a
// `pgpx::secret`: a string that prints as "********" through every printing path pgpx
// offers, so that it cannot reach a log line or an error message by accident.
//
//   auto src = pgpx::secret_source::from_env("DB_PASSWORD");
//   pgpx::secret pw = pgpx::resolve_secret(src);   // throws config_error when unset
//   std::cout << pw;                                // ********
//   use(pw.reveal());                               // the one explicit way to the value
//
// Error messages name the provider (the variable, the file, the command's program and its
// exit status) and never the value, nor a command's standard output.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/outcome.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx {

/// Looks up an environment variable; std::nullopt when it is not set. Injectable so that
/// tests and embedding applications control what pgpx sees of the process environment.
using getenv_function = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment (::getenv); the default getenv_function.
[[nodiscard]] PGPX_API auto process_getenv(std::string_view name) -> std::optional<std::string>;

/**
 * A string that must not be printed: a password, a token, a URL with credentials.
 *
 * Every printing path (`to_string`, `operator<<`) yields "********"; `reveal()` is the only
 * way to the value. The storage is overwritten when the secret is destroyed or assigned.
 *
 * Thread safety: a value type.
 */
class PGPX_API secret {
 public:
  /// An empty secret.
  secret() = default;
  /// Takes ownership of a value.
  explicit secret(std::string value) noexcept : value_(std::move(value)) {}
  /// Copies the value.
  secret(const secret& other) = default;
  /// Moves the value, wiping what the source object kept.
  secret(secret&& other) noexcept;
  /// Copies a value, wiping the previous one.
  auto operator=(const secret& other) -> secret&;
  /// Moves a value in, wiping the previous one.
  auto operator=(secret&& other) noexcept -> secret&;
  /// Wipes the value.
  ~secret();

  /// The value itself. Never log it or put it in a message.
  [[nodiscard]] auto reveal() const noexcept -> const std::string& { return value_; }
  /// True when the value is the empty string.
  [[nodiscard]] auto empty() const noexcept -> bool { return value_.empty(); }
  /// "********" (the redacted marker), whatever the value.
  [[nodiscard]] auto to_string() const -> std::string;

  /// Compares the values (not in constant time: not for authentication).
  [[nodiscard]] friend auto operator==(const secret& a, const secret& b) noexcept -> bool {
    return a.value_ == b.value_;
  }

 private:
  void wipe() noexcept;
  std::string value_;
};

/// "********", whatever the value.
[[nodiscard]] PGPX_API auto to_string(const secret& s) -> std::string;
/// Writes "********", whatever the value.
PGPX_API auto operator<<(std::ostream& os, const secret& s) -> std::ostream&;

/// Where a secret comes from.
enum class secret_provider {
  literal,  ///< written in the configuration itself
  env,      ///< an environment variable
  file,     ///< a file (trailing newline removed)
  command,  ///< a command's standard output (surrounding whitespace removed)
};

/// The lowercase name of a provider ("literal", "env", "file", "command").
[[nodiscard]] PGPX_API auto to_string(secret_provider p) noexcept -> std::string_view;

/// The default time a secret command may run before it is killed.
inline constexpr std::chrono::milliseconds default_secret_command_timeout{10'000};

/**
 * How to obtain one secret value. Describing a source never reveals the value.
 *
 * Build one with the `from_...` functions; pgpx::config builds them from pgpx.toml.
 */
struct PGPX_API secret_source {
  secret_provider provider = secret_provider::literal;  ///< which of the fields below applies
  secret literal{};                 ///< literal: the value
  std::string variable{};           ///< env: the variable name
  std::filesystem::path path{};     ///< file: the path (relative paths: see secret_context)
  std::vector<std::string> argv{};  ///< command: program and arguments, run without a shell
  std::chrono::milliseconds timeout = default_secret_command_timeout;  ///< command: time limit

  /// A value given in the configuration itself.
  [[nodiscard]] static auto from_literal(std::string value) -> secret_source;
  /// The value of environment variable `name`.
  [[nodiscard]] static auto from_env(std::string name) -> secret_source;
  /// The content of a file, without its trailing newline.
  [[nodiscard]] static auto from_file(std::filesystem::path file) -> secret_source;
  /// The standard output of a command (argv[0] is looked up in PATH), trimmed.
  [[nodiscard]] static auto from_command(std::vector<std::string> argv,
                                         std::chrono::milliseconds timeout = default_secret_command_timeout)
      -> secret_source;

  /// A description safe to print: "literal", "env DB_PASSWORD", "file /run/secrets/db",
  /// "command vault (+4 arguments, timeout 10s)". Command arguments are not shown: they
  /// may themselves carry credentials.
  [[nodiscard]] auto describe() const -> std::string;

  /// Problems visible without obtaining the value: an invalid variable name, an empty
  /// path, an empty command or program name, a non-positive timeout. Runs nothing, reads
  /// nothing. Diagnostics have no `where`; the caller adds the location.
  [[nodiscard]] auto check() const -> std::vector<diagnostic>;
};

/// What resolving a secret may consult.
struct secret_context {
  /// The environment seen by `env` sources.
  getenv_function getenv = process_getenv;
  /// The directory relative `file` paths are resolved against (empty: the current one).
  std::filesystem::path base_dir{};
};

/**
 * Obtains the value of a secret source.
 *
 * Blocking: a command source runs the command and waits for it, at most its timeout, after
 * which the command (and its process group) is killed with SIGKILL.
 *
 * Fails (kind config) when the variable is unset or empty, the file is missing, unreadable
 * or empty, the command cannot be started, exits with a non-zero status, is killed, times
 * out or prints nothing. The diagnostic names the variable, the file or the command's
 * program, never the value; a command's stderr may appear only after pgpx::redact() and
 * with any occurrence of its standard output masked.
 */
[[nodiscard]] PGPX_API auto try_resolve_secret(const secret_source& source, const secret_context& context = {})
    -> outcome<secret>;

/// Like try_resolve_secret, but throws config_error.
[[nodiscard]] PGPX_API auto resolve_secret(const secret_source& source, const secret_context& context = {}) -> secret;

/// True when `name` is a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*).
[[nodiscard]] PGPX_API auto is_valid_env_name(std::string_view name) noexcept -> bool;

}  // namespace pgpx
