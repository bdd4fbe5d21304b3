// examples/plugin: a pgpx extension plugin built as a shared library and loaded at run time.
//
// What it is: a plugin for PostgreSQL's contrib extension `earthdistance` (great-circle
// distances on the earth), which needs the `cube` extension (so it installs with CASCADE).
// It tells pgpx
//   * its name ("earth", the key of [extensions.earth] in pgpx.toml) and the server extension
//     it manages ("earthdistance");
//   * the extension versions it supports ([1.1, 2));
//   * its settings: `unit` ("m" or "km", a plugin-only setting) and `default_radius_m`;
//   * the types the extension adds ("earth"), for the per-connection type catalog.
// The install, upgrade and uninstall SQL are the interface's defaults (CREATE EXTENSION IF
// NOT EXISTS ... with quoted names, ALTER EXTENSION ... UPDATE TO, DROP EXTENSION).
//
// Build: a SHARED library linked to pgpx::ext (examples/plugin/CMakeLists.txt). It exports one
// C function, `pgpx_plugin_v1`, defined by PGPX_EXT_PLUGIN below; it returns the plugin and the
// PGPX_EXT_ABI_VERSION it was compiled with, which the loader checks before using the plugin.
//
// Load it from pgpx.toml:
//
//   [extensions.earth]
//   library = "build/examples/plugin/libpgpx_example_earth.so"   # relative to pgpx.toml
//   unit = "km"
//
// or in code: `pgpx::ext::registry::global().load_library(path)`. Then
// `pgpx extension install earth --cascade` writes a migration that installs earthdistance.
// docs/extensions.md ("Writing a plugin") walks through this file.
#include <pgpx/ext/plugin.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace {

class earth_plugin final : public pgpx::ext::plugin {
 public:
  [[nodiscard]] auto name() const -> std::string_view override { return "earth"; }
  [[nodiscard]] auto extension() const -> std::string_view override { return "earthdistance"; }
  [[nodiscard]] auto description() const -> std::string_view override {
    return "great-circle distances on the earth (needs cube: install with --cascade)";
  }
  [[nodiscard]] auto supported() const -> pgpx::ext::version_range override { return {"1.1", "2"}; }

  [[nodiscard]] auto settings_schema() const -> pgpx::ext::settings_spec override {
    pgpx::ext::settings_spec s;
    s.keys.push_back({"unit", pgpx::ext::setting_kind::string, "distances in \"m\" or \"km\"",
                      pgpx::ext::setting_value(std::string("m")), false, ""});
    s.keys.push_back({"default_radius_m", pgpx::ext::setting_kind::floating,
                      "the search radius when a query gives none, in metres", std::nullopt, false, ""});
    return s;
  }

  [[nodiscard]] auto type_names() const -> std::vector<std::string> override { return {"earth"}; }
};

}  // namespace

PGPX_EXT_PLUGIN(earth_plugin)
