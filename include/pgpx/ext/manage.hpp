// pgpx/ext/manage.hpp: an extension's versions on a server, and installing, upgrading and
// removing it through its plugin.
//
//   pgpx::connection cx{...};
//   const auto& trgm = *pgpx::ext::registry::global().get("pg_trgm");
//   auto v = pgpx::ext::read_versions(cx, trgm.extension());   // installed, default, available
//   pgpx::ext::install(cx, trgm, {.version = "1.6"});
//   pgpx::ext::upgrade(cx, trgm);                               // to the server's default version
//   pgpx::ext::uninstall(cx, trgm);
//
// The plan_* functions check and return the SQL without running it (what `pgpx extension
// install` writes into a migration); the others check, then run it. Every check happens
// before anything is sent that changes the database: a server without the extension, a
// version the server does not offer or the plugin does not support, each throw
// extension_error naming the plugin, the extension and the database.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/export.hpp>
#include <pgpx/ext/plugin.hpp>
#include <pgpx/ext/registry.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::ext {

/// What a server says about one extension.
struct extension_versions {
  std::string extension;                  ///< pg_available_extensions.name
  std::optional<std::string> installed{}; ///< pg_extension.extversion, when installed
  std::optional<std::string> schema{};    ///< the schema it is installed in
  std::optional<std::string> default_version{};  ///< pg_available_extensions.default_version
  std::vector<std::string> available{};   ///< pg_available_extension_versions, oldest first
  std::string comment{};                  ///< the control file's comment

  /// True when the server can install it (its control file exists).
  [[nodiscard]] auto on_server() const noexcept -> bool { return default_version.has_value() || !available.empty(); }
  /// True when a newer version than the installed one is available.
  [[nodiscard]] PGPX_API auto outdated() const -> bool;
  /// The newest available version, or empty.
  [[nodiscard]] PGPX_API auto newest() const -> std::string;
};

/// Reads one extension's versions (one catalog query, the name bound as a parameter).
[[nodiscard]] PGPX_API auto read_versions(connection& cx, std::string_view extension) -> extension_versions;
/// Every extension the server offers or has installed, by name (the same single query).
[[nodiscard]] PGPX_API auto read_all_versions(connection& cx) -> std::vector<extension_versions>;

/// Where an installed extension stands against its plugin.
enum class version_status {
  not_on_server,  ///< the server lacks the extension
  not_installed,  ///< available, not installed in this database
  current,        ///< installed, no newer version available
  outdated,       ///< installed, a newer version is available
  unsupported,    ///< installed in a version outside the plugin's range
};
/// "not on server", "not installed", "current", "outdated", "unsupported".
[[nodiscard]] PGPX_API auto to_string(version_status s) noexcept -> std::string_view;
/// The status of `v` for `p`.
[[nodiscard]] PGPX_API auto status_of(const plugin& p, const extension_versions& v) -> version_status;

/// Checks and returns the CREATE EXTENSION statement: the server must have the extension, and
/// the version (options.version, else the server's default) must be offered by the server
/// and supported by the plugin. Throws extension_error (missing_extension, unsupported_version).
[[nodiscard]] PGPX_API auto plan_install(connection& cx, const plugin& p, const install_options& options = {})
    -> std::string;
/// Checks and returns the ALTER EXTENSION ... UPDATE TO statement (`to` absent: the server's
/// default version). Throws extension_error (missing_extension, not_installed,
/// unsupported_version); an empty string when the installed version is already `to`.
[[nodiscard]] PGPX_API auto plan_upgrade(connection& cx, const plugin& p, const std::optional<std::string>& to = {})
    -> std::string;
/// Checks and returns the DROP EXTENSION statement; throws extension_error (not_installed).
[[nodiscard]] PGPX_API auto plan_uninstall(connection& cx, const plugin& p, bool cascade = false) -> std::string;

/// plan_install, then runs it; returns the version installed.
PGPX_API auto install(connection& cx, const plugin& p, const install_options& options = {}) -> std::string;
/// plan_upgrade, then runs it; returns the version installed afterwards.
PGPX_API auto upgrade(connection& cx, const plugin& p, const std::optional<std::string>& to = {}) -> std::string;
/// plan_uninstall, then runs it.
PGPX_API void uninstall(connection& cx, const plugin& p, bool cascade = false);

/**
 * The check a program runs at start-up for a plugin it uses: the extension must be installed
 * in `cx`'s database in a version the plugin supports. Throws extension_error
 * (missing_extension when the server lacks it, not_installed, unsupported_version) naming the
 * plugin, the extension and the database; sends nothing that changes the database.
 */
PGPX_API void verify(connection& cx, const plugin& p);
/// verify() for every enabled plugin of `reg`, in name order; throws on the first failure.
/// Reads the versions of all their extensions in one catalog query.
PGPX_API void verify_enabled(connection& cx, const registry& reg);

/// Runs `statements` (registry::settings_statements, plugin::settings_statements) on `cx`.
PGPX_API void apply_settings(connection& cx, const std::vector<statement<>>& statements);

}  // namespace pgpx::ext
