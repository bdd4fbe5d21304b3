// pgpx/ext/plugin.hpp: the interface every PostgreSQL extension plugin implements.
//
// A plugin describes one server extension (pg_extension's extname) to pgpx: its name, the
// versions it supports, its settings, the SQL that installs, upgrades and removes it, the
// type names it adds (for the per-connection type catalog), and the server settings (GUCs)
// it applies per session or transaction. In the spirit of spdlog's sinks: small, virtual, and
// registered in one place (pgpx/ext/registry.hpp).
//
//   struct my_plugin final : pgpx::ext::plugin {
//     auto name() const -> std::string_view override { return "trigrams"; }
//     auto extension() const -> std::string_view override { return "pg_trgm"; }
//     auto supported() const -> pgpx::ext::version_range override { return {"1.3", "2"}; }
//   };
//   pgpx::ext::registry::global().add(std::make_shared<my_plugin>());
//
// A plugin in a shared library exports `pgpx_plugin_v1` (PGPX_EXT_PLUGIN below), loaded by
// registry::load_library. docs/extensions.md walks through examples/plugin.
//
// The SQL a plugin generates names things only through pgpx::quote_identifier and writes
// values only through pgpx::quote_literal (DDL takes no parameters); GUC values are bound
// parameters of set_config().
#pragma once

#include <pgpx/core/statement.hpp>
#include <pgpx/export.hpp>
#include <pgpx/ext/settings.hpp>
#include <pgpx/ext/version.hpp>
#include <pgpx/version.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::ext {

/// How CREATE EXTENSION is written.
struct install_options {
  std::optional<std::string> version{};  ///< VERSION '...' (default: the server's default version)
  std::optional<std::string> schema{};   ///< SCHEMA "..." (default: the first schema of the search path)
  bool cascade = false;                  ///< CASCADE: also install the extensions it requires
};

/// Where plugin::settings_statements applies its GUCs.
enum class setting_scope {
  session,      ///< set_config(name, value, false): until the session ends or RESET
  transaction,  ///< set_config(name, value, true): until the current transaction ends
};

/**
 * One extension plugin. Every member has a sensible default except name() and extension().
 *
 * Thread safety: a registered plugin is shared and read from any thread; its const members
 * must be safe to call concurrently (the built-ins and the example are immutable).
 */
class PGPX_API plugin {
 public:
  plugin() = default;
  plugin(const plugin&) = delete;
  auto operator=(const plugin&) -> plugin& = delete;
  virtual ~plugin();

  /// The plugin's name, unique in a registry: "pg_trgm", "geo" (the key of [extensions.<name>]).
  [[nodiscard]] virtual auto name() const -> std::string_view = 0;
  /// The server extension it manages (pg_extension.extname): "pg_trgm", "vector".
  [[nodiscard]] virtual auto extension() const -> std::string_view = 0;
  /// One line for `pgpx extension list` and `info`.
  [[nodiscard]] virtual auto description() const -> std::string_view { return {}; }
  /// The extension versions this plugin supports (default: any).
  [[nodiscard]] virtual auto supported() const -> version_range { return {}; }
  /// The keys it accepts in [extensions.<name>] (default: none).
  [[nodiscard]] virtual auto settings_schema() const -> settings_spec { return {}; }
  /**
   * The PostgreSQL type names the extension adds ("hstore", "citext", "ltree"), as
   * to_regtype() reads them. The per-connection type catalog (docs/design/types-by-name.md)
   * resolves these names to OIDs; a plugin only declares them.
   */
  [[nodiscard]] virtual auto type_names() const -> std::vector<std::string> { return {}; }

  /// `CREATE EXTENSION IF NOT EXISTS "ext" [SCHEMA "s"] [VERSION 'v'] [CASCADE]`.
  [[nodiscard]] virtual auto install_sql(const install_options& options) const -> std::string;
  /// `ALTER EXTENSION "ext" UPDATE [TO 'v']` (no version: the server's default version).
  [[nodiscard]] virtual auto upgrade_sql(const std::optional<std::string>& to) const -> std::string;
  /// `DROP EXTENSION IF EXISTS "ext" [CASCADE]`.
  [[nodiscard]] virtual auto uninstall_sql(bool cascade) const -> std::string;

  /**
   * The statements that apply the plugin's GUC settings (setting_spec::guc) for a session or
   * the current transaction: `select set_config($1, $2, is_local)` with the name and value
   * bound, one per GUC setting present in `s`. Override to add others.
   */
  [[nodiscard]] virtual auto settings_statements(const settings& s, setting_scope scope) const
      -> std::vector<statement<>>;
};

/// A plugin for any server extension, with no settings, types or version limits: what
/// `pgpx extension install NAME` uses for an extension no registered plugin manages.
class PGPX_API generic_plugin final : public plugin {
 public:
  explicit generic_plugin(std::string extension) : extension_(std::move(extension)) {}
  [[nodiscard]] auto name() const -> std::string_view override { return extension_; }
  [[nodiscard]] auto extension() const -> std::string_view override { return extension_; }

 private:
  std::string extension_;
};

}  // namespace pgpx::ext

/// The plugin ABI version: a shared-library plugin built against another value is refused.
/// Raised whenever class pgpx::ext::plugin or pgpx_plugin_descriptor changes incompatibly.
#define PGPX_EXT_ABI_VERSION 1

/// What `pgpx_plugin_v1()` returns. A plain struct, read before the plugin is touched.
struct pgpx_plugin_descriptor {
  std::uint32_t abi_version;       ///< PGPX_EXT_ABI_VERSION of the library's build
  const char* pgpx_version;        ///< the pgpx version it was built with, for messages
  const pgpx::ext::plugin* plugin; ///< the plugin, owned by the library (never unloaded)
};

/// The name of the function a shared-library plugin exports.
#define PGPX_EXT_ENTRY_POINT "pgpx_plugin_v1"

/**
 * Defines the entry point of a shared-library plugin: one per library.
 *
 *   PGPX_EXT_PLUGIN(my_plugin)   // my_plugin: default-constructible, derived from pgpx::ext::plugin
 */
#define PGPX_EXT_PLUGIN(type)                                                                              \
  extern "C" __attribute__((visibility("default"))) auto pgpx_plugin_v1()->const pgpx_plugin_descriptor* { \
    static const type instance;                                                                            \
    static const pgpx_plugin_descriptor descriptor{PGPX_EXT_ABI_VERSION, PGPX_VERSION_STRING, &instance};  \
    return &descriptor;                                                                                    \
  }
