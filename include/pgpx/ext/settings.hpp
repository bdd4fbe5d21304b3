// pgpx/ext/settings.hpp: a plugin's settings, one shape for all plugins.
//
// A plugin declares its keys (settings_spec); the values come from `[extensions.<name>]` in
// pgpx.toml (registry::configure) or from code (registry::enable), and are checked against
// the declaration the same way: unknown keys, wrong types and missing required keys are
// refused, defaults filled in.
//
//   [extensions.pg_trgm]
//   similarity_threshold = 0.4        # a key of the plugin (a GUC, set per session)
//
//   pgpx::ext::settings s;
//   s.set("similarity_threshold", 0.4);
//   pgpx::ext::registry::global().enable("pg_trgm", s);
#pragma once

#include <pgpx/export.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pgpx::ext {

/// The type of one setting.
enum class setting_kind { boolean, integer, floating, string };

/// "boolean", "integer", "float", "string".
[[nodiscard]] PGPX_API auto to_string(setting_kind k) noexcept -> std::string_view;

/// One value: a TOML boolean, integer, float or string.
using setting_value = std::variant<bool, std::int64_t, double, std::string>;

/// The kind of a value.
[[nodiscard]] PGPX_API auto kind_of(const setting_value& v) noexcept -> setting_kind;
/// The value as PostgreSQL reads it in a GUC: "on"/"off", "42", "0.4", the text.
[[nodiscard]] PGPX_API auto to_text(const setting_value& v) -> std::string;

/// One key a plugin accepts.
struct setting_spec {
  std::string key;                                 ///< the key in [extensions.<name>]
  setting_kind kind = setting_kind::string;        ///< its type (an integer is accepted for a float)
  std::string description{};                       ///< one line for `pgpx extension info`
  std::optional<setting_value> default_value{};    ///< used when the key is absent
  bool required = false;                           ///< absent and no default: refused
  /// A server setting (GUC, e.g. "pg_trgm.similarity_threshold") the value is applied to per
  /// session or transaction by plugin::settings_statements; empty for plugin-only settings.
  std::string guc{};
};

/// Every key a plugin accepts.
struct settings_spec {
  std::vector<setting_spec> keys{};
  /// The key, or nullptr.
  [[nodiscard]] PGPX_API auto find(std::string_view key) const noexcept -> const setting_spec*;
};

/// A plugin's settings: key -> value, checked against its settings_spec.
class PGPX_API settings {
 public:
  settings() = default;
  /// Sets a value (not checked here: registry::enable and check_settings check).
  auto set(std::string key, setting_value v) -> settings&;
  auto set(std::string key, const char* v) -> settings& { return set(std::move(key), setting_value(std::string(v))); }
  auto set(std::string key, int v) -> settings& { return set(std::move(key), setting_value(std::int64_t{v})); }
  auto set(std::string key, std::int64_t v) -> settings& { return set(std::move(key), setting_value(v)); }
  auto set(std::string key, double v) -> settings& { return set(std::move(key), setting_value(v)); }
  auto set(std::string key, bool v) -> settings& { return set(std::move(key), setting_value(v)); }
  /// The value of `key`, or nullptr.
  [[nodiscard]] auto find(std::string_view key) const -> const setting_value*;
  /// True when `key` has a value.
  [[nodiscard]] auto contains(std::string_view key) const -> bool { return find(key) != nullptr; }
  /// Every value, by key.
  [[nodiscard]] auto values() const noexcept -> const std::map<std::string, setting_value, std::less<>>& {
    return values_;
  }
  [[nodiscard]] auto empty() const noexcept -> bool { return values_.empty(); }

 private:
  std::map<std::string, setting_value, std::less<>> values_;
};

/**
 * Checks `given` against `spec` for the plugin `plugin` and returns the complete settings
 * (defaults filled in, integers widened to floats where a float is declared). Throws
 * extension_error (failure::bad_settings) listing every problem (an unknown key, with the
 * accepted keys; a wrong type; a missing required key), each naming the plugin and the key;
 * `where` names the source ("pgpx.toml:12:3", or "code").
 */
[[nodiscard]] PGPX_API auto check_settings(const settings_spec& spec, const settings& given, std::string_view plugin,
                                           const std::string& where = "code") -> settings;

}  // namespace pgpx::ext
