// pgpx/ext/registry.hpp: the plugins a program knows, which are enabled, and their settings.
//
//   auto& reg = pgpx::ext::registry::global();       // the built-ins are already there
//   reg.add(std::make_shared<my_plugin>());           // a plugin in code
//   reg.load_library("plugins/libgeo.so");            // a plugin in a shared library
//   reg.configure(cfg);                               // [extensions.<name>] of pgpx.toml
//   reg.enable("pg_trgm", pgpx::ext::settings{}.set("similarity_threshold", 0.5));
//
// Built-in plugins (pg_trgm, hstore, citext, pgcrypto, ltree, pgvector, postgis, pg_partman,
// hypopg, pg_stat_statements) register themselves in global() through static registrars
// (builtin_registrar) in src/ext/builtins.cpp.
//
// Shared-library plugins are loaded with dlopen and never unloaded (their plugin objects live
// in them). A library that does not load, lacks `pgpx_plugin_v1`, or was built for another
// PGPX_EXT_ABI_VERSION is refused with an extension_error naming the path and the cause, and
// the registry is left as it was.
//
// Thread safety: every member may be called from any thread (one mutex); plugins are shared
// (std::shared_ptr<const plugin>) and stay valid while any holder keeps them.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/ext/plugin.hpp>
#include <pgpx/ext/settings.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx {
class config;
}  // namespace pgpx

namespace pgpx::ext {

/// A plugin and what the registry knows about it.
struct plugin_entry {
  std::shared_ptr<const plugin> plugin_ptr;  ///< the plugin
  std::string origin;                        ///< "built-in", "code", or the library path
  bool enabled = false;                      ///< registry::enable (or [extensions.<name>]) ran
  ext::settings settings{};                  ///< the checked settings, when enabled
  install_options install{};                 ///< version and schema from [extensions.<name>]
};

/// A type name a registered plugin declares (plugin::type_names), for the type catalog.
struct plugin_type {
  std::string type;       ///< the PostgreSQL type name, as to_regtype() reads it ("hstore")
  std::string plugin;     ///< the plugin declaring it
  std::string extension;  ///< the server extension that creates it
};

/// A set of plugins by name. global() is the process's; tests make their own.
class PGPX_API registry {
 public:
  /// An empty registry (no built-ins).
  registry() = default;
  registry(const registry&) = delete;
  auto operator=(const registry&) -> registry& = delete;

  /// The process's registry, holding the built-in plugins linked into the program.
  [[nodiscard]] static auto global() -> registry&;

  /// Registers a plugin; throws extension_error (duplicate_plugin, invalid_plugin for an
  /// empty name or extension) and registers nothing.
  void add(std::shared_ptr<const plugin> p, std::string origin = "code");
  /// Loads a shared-library plugin (see the file comment) and registers it; returns it.
  /// Throws extension_error (missing_library, missing_symbol, abi_mismatch, invalid_plugin,
  /// duplicate_plugin) naming `path`; the registry is unchanged then.
  auto load_library(const std::filesystem::path& path) -> std::shared_ptr<const plugin>;

  /// The plugin named `name`, else the one managing the server extension `name`; nullptr.
  [[nodiscard]] auto find(std::string_view name) const -> std::shared_ptr<const plugin>;
  /// Like find, but throws extension_error (unknown_plugin) listing the registered names.
  [[nodiscard]] auto get(std::string_view name) const -> std::shared_ptr<const plugin>;
  /// find(name), else a generic_plugin for the server extension `name`.
  [[nodiscard]] auto find_or_generic(std::string_view name) const -> std::shared_ptr<const plugin>;
  /// Every plugin, by name.
  [[nodiscard]] auto list() const -> std::vector<plugin_entry>;
  /// The entry of plugin `name` (find's rules); throws extension_error (unknown_plugin).
  [[nodiscard]] auto entry(std::string_view name) const -> plugin_entry;

  /// Every type name declared by a registered plugin (enabled or not), by plugin name. The
  /// per-connection type catalog resolves these names; a name that does not resolve names
  /// its extension in the error ("is the extension installed? pgpx extension install ...").
  [[nodiscard]] auto types() const -> std::vector<plugin_type>;
  /// The plugin that declares the type `type`, or nullptr.
  [[nodiscard]] auto plugin_for_type(std::string_view type) const -> std::shared_ptr<const plugin>;

  /// Enables plugin `name` with `s`, checked against its settings_schema (check_settings);
  /// throws extension_error (unknown_plugin, bad_settings) and changes nothing then.
  void enable(std::string_view name, const settings& s = {}, const install_options& install = {});
  /// Disables plugin `name` (it stays registered).
  void disable(std::string_view name);
  /// True when plugin `name` is enabled.
  [[nodiscard]] auto is_enabled(std::string_view name) const -> bool;
  /// The enabled plugins, by name.
  [[nodiscard]] auto enabled() const -> std::vector<plugin_entry>;

  /**
   * Applies the `[extensions]` tables of the configuration file `cfg` was loaded from (none:
   * nothing to do). See configure_toml.
   */
  void configure(const pgpx::config& cfg);
  /**
   * Applies `[extensions.<name>]` tables from TOML text; `source` names it in errors and
   * relative `library` paths are taken from `base_dir`. Per table, the reserved keys are
   *   library = "path/libx.so"   load this shared-library plugin first (its name must be <name>)
   *   enabled = true|false       default true
   *   version = "1.6"            the version `pgpx extension install` asks for
   *   schema  = "extensions"     the schema it installs into
   * and every other key is a setting of the plugin. Everything is checked before anything is
   * changed except libraries, which are loaded in file order; throws extension_error naming
   * the file, line and key.
   */
  void configure_toml(std::string_view text, const std::string& source, const std::filesystem::path& base_dir = {});

  /**
   * The statements applying the GUC settings of every enabled plugin
   * (plugin::settings_statements), to run after connecting (session) or after BEGIN
   * (transaction).
   */
  [[nodiscard]] auto settings_statements(setting_scope scope) const -> std::vector<statement<>>;

 private:
  [[nodiscard]] auto find_locked(std::string_view name) const -> const plugin_entry*;
  mutable std::mutex mutex_;
  std::map<std::string, plugin_entry, std::less<>> plugins_;
};

/// Registers a built-in plugin in registry::global() at static initialisation:
///   static const pgpx::ext::builtin_registrar reg{std::make_shared<my_plugin>()};
class PGPX_API builtin_registrar {
 public:
  explicit builtin_registrar(std::shared_ptr<const plugin> p) noexcept;
};

}  // namespace pgpx::ext
