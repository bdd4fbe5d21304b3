// pgpx/ext/error.hpp: the error every extension-plugin failure raises.
//
// It names the plugin and says what went wrong (cause()), so a program can react to a
// missing server extension differently from a shared library that does not load:
//
//   try { reg.load_library("plugins/libgeo.so"); }
//   catch (const pgpx::ext::extension_error& e) {
//     if (e.cause() == pgpx::ext::failure::abi_mismatch) ...
//   }
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/export.hpp>

#include <string>
#include <string_view>

namespace pgpx::ext {

/// Why an extension operation failed.
enum class failure {
  unknown_plugin,       ///< no plugin of that name is registered
  duplicate_plugin,     ///< a plugin of that name is registered already
  missing_library,      ///< the shared library could not be loaded (dlopen failed)
  missing_symbol,       ///< the library does not export pgpx_plugin_v1
  abi_mismatch,         ///< the library was built for another plugin ABI version
  invalid_plugin,       ///< the library returned no plugin, or one without a name
  bad_settings,         ///< [extensions.<name>] or the settings given in code are invalid
  missing_extension,    ///< the server does not have the extension the plugin manages
  unsupported_version,  ///< the version asked for (or installed) is outside the plugin's range
  not_installed,        ///< the extension is not installed in the database
};

/// "unknown plugin", "missing library", ...
[[nodiscard]] PGPX_API auto to_string(failure f) noexcept -> std::string_view;

/// A plugin could not be registered, loaded, configured, installed or upgraded. Nothing was
/// changed (no plugin registered, nothing sent to the server after the check failed).
/// kind(): config for libraries and settings, usage for unknown or duplicate plugins,
/// validation for a missing extension or an unsupported version.
class PGPX_API extension_error : public error {
 public:
  extension_error(failure cause, std::string plugin, std::string message, error_info info = {});
  /// Why it failed.
  [[nodiscard]] auto cause() const noexcept -> failure { return cause_; }
  /// The plugin (or, for a library that did not load, the library path).
  [[nodiscard]] auto plugin() const noexcept -> const std::string& { return plugin_; }

 private:
  failure cause_;
  std::string plugin_;
};

}  // namespace pgpx::ext
