// An extension's versions on a server, and installing, upgrading and removing it
// (pgpx/ext/manage.hpp).
#include <pgpx/core/executor.hpp>
#include <pgpx/ext/error.hpp>
#include <pgpx/ext/manage.hpp>
#include <pgpx/types/array.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace pgpx::ext {

namespace {

auto database_of(connection& cx) -> std::string { return cx.query_value<std::string>("select current_database()"); }

auto sort_versions(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) { return compare_versions(a, b) < 0; });
}

// One row per extension the server offers or has installed: pg_available_extensions (its
// control file), pg_extension (installed) and pg_available_extension_versions (every version
// it can install), in one round trip. The views read the control files whatever the filter.
constexpr std::string_view versions_sql =
    "select coalesce(a.name, e.extname)::text, e.extversion::text, n.nspname::text, a.default_version::text,"
    " a.comment::text, coalesce(v.versions, '{}'::text[])"
    " from pg_catalog.pg_available_extensions a"
    " full join pg_catalog.pg_extension e on e.extname = a.name"
    " left join pg_catalog.pg_namespace n on n.oid = e.extnamespace"
    " left join (select name, pg_catalog.array_agg(version::text) as versions"
    " from pg_catalog.pg_available_extension_versions group by name) v on v.name = coalesce(a.name, e.extname)";

using versions_row = std::tuple<std::string, std::optional<std::string>, std::optional<std::string>,
                                std::optional<std::string>, std::optional<std::string>, std::vector<std::string>>;

// The extensions named in `only` (all of them when absent), by name.
auto read_versions_of(connection& cx, const std::optional<std::vector<std::string>>& only)
    -> std::vector<extension_versions> {
  const auto rows =
      only ? cx.query<versions_row>(
                 std::string(versions_sql) + " where coalesce(a.name, e.extname)::text = any($1::text[])", *only)
           : cx.query<versions_row>(versions_sql);
  std::vector<extension_versions> out;
  out.reserve(rows.size());
  for (const auto& [name, installed, schema, default_version, comment, available] : rows) {
    extension_versions v{name, installed, schema, default_version, available, comment.value_or("")};
    sort_versions(v.available);
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.extension < b.extension; });
  return out;
}

// The entry of `extension` in `all`; one with nothing on the server when absent.
auto versions_in(const std::vector<extension_versions>& all, std::string_view extension) -> extension_versions {
  for (const auto& v : all)
    if (v.extension == extension) return v;
  return extension_versions{std::string(extension)};
}

auto join(const std::vector<std::string>& v) -> std::string {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

auto who(const plugin& p, connection& cx) -> std::string {
  return "plugin " + std::string(p.name()) + ": extension \"" + std::string(p.extension()) + "\" in database \"" +
         database_of(cx) + "\"";
}

[[noreturn]] void missing(const plugin& p, connection& cx) {
  throw extension_error(failure::missing_extension, std::string(p.name()),
                        who(p, cx) +
                            ": the server does not have this extension (not in pg_available_extensions); install "
                            "the package that provides it on the server. Nothing was changed");
}

// Checks that the server offers `version` and the plugin supports it.
void check_version(const plugin& p, connection& cx, const extension_versions& v, const std::string& version) {
  if (std::find(v.available.begin(), v.available.end(), version) == v.available.end())
    throw extension_error(failure::unsupported_version, std::string(p.name()),
                          who(p, cx) + ": the server does not offer version " + version +
                              " (available: " + join(v.available) + "). Nothing was changed");
  if (!p.supported().contains(version))
    throw extension_error(failure::unsupported_version, std::string(p.name()),
                          who(p, cx) + ": version " + version + " is not supported by the plugin (supported: " +
                              p.supported().to_string() + "). Nothing was changed");
}

// verify(): installed, in a version the plugin supports.
void check_installed(const plugin& p, connection& cx, const extension_versions& v) {
  if (!v.installed) {
    if (!v.on_server()) missing(p, cx);
    throw extension_error(failure::not_installed, std::string(p.name()),
                          who(p, cx) + ": not installed (pgpx extension install " + std::string(p.name()) + ")");
  }
  if (!p.supported().contains(*v.installed))
    throw extension_error(failure::unsupported_version, std::string(p.name()),
                          who(p, cx) + ": version " + *v.installed + " is installed, but the plugin supports " +
                              p.supported().to_string());
}

}  // namespace

auto extension_versions::outdated() const -> bool {
  return installed && !available.empty() && compare_versions(newest(), *installed) > 0;
}

auto extension_versions::newest() const -> std::string { return available.empty() ? std::string() : available.back(); }

auto read_versions(connection& cx, std::string_view extension) -> extension_versions {
  return versions_in(read_versions_of(cx, std::vector<std::string>{std::string(extension)}), extension);
}

auto read_all_versions(connection& cx) -> std::vector<extension_versions> { return read_versions_of(cx, std::nullopt); }

auto to_string(version_status s) noexcept -> std::string_view {
  switch (s) {
    case version_status::not_on_server: return "not on server";
    case version_status::not_installed: return "not installed";
    case version_status::current: return "current";
    case version_status::outdated: return "outdated";
    case version_status::unsupported: return "unsupported";
  }
  return "unknown";
}

auto status_of(const plugin& p, const extension_versions& v) -> version_status {
  if (!v.installed) return v.on_server() ? version_status::not_installed : version_status::not_on_server;
  if (!p.supported().contains(*v.installed)) return version_status::unsupported;
  return v.outdated() ? version_status::outdated : version_status::current;
}

auto plan_install(connection& cx, const plugin& p, const install_options& options) -> std::string {
  const auto v = read_versions(cx, p.extension());
  if (!v.on_server()) missing(p, cx);
  const auto version = options.version ? *options.version : v.default_version.value_or(v.newest());
  check_version(p, cx, v, version);
  if (v.installed && *v.installed != version)
    throw extension_error(failure::unsupported_version, std::string(p.name()),
                          who(p, cx) + ": version " + *v.installed + " is installed, not " + version +
                              "; upgrade it instead (pgpx extension upgrade " + std::string(p.name()) + " --to " +
                              version + "). Nothing was changed");
  auto o = options;
  o.version = version;  // written out, so that the migration installs the same version everywhere
  return p.install_sql(o);
}

auto plan_upgrade(connection& cx, const plugin& p, const std::optional<std::string>& to) -> std::string {
  const auto v = read_versions(cx, p.extension());
  if (!v.on_server()) missing(p, cx);
  if (!v.installed)
    throw extension_error(failure::not_installed, std::string(p.name()),
                          who(p, cx) + ": not installed, so it cannot be upgraded (pgpx extension install " +
                              std::string(p.name()) + "). Nothing was changed");
  const auto target = to ? *to : v.default_version.value_or(v.newest());
  check_version(p, cx, v, target);
  const int c = compare_versions(target, *v.installed);
  if (c == 0) return {};
  if (c < 0)
    throw extension_error(failure::unsupported_version, std::string(p.name()),
                          who(p, cx) + ": version " + target + " is older than the installed " + *v.installed +
                              "; pgpx does not downgrade extensions. Nothing was changed");
  return p.upgrade_sql(target);
}

auto plan_uninstall(connection& cx, const plugin& p, bool cascade) -> std::string {
  const auto v = read_versions(cx, p.extension());
  if (!v.installed)
    throw extension_error(failure::not_installed, std::string(p.name()),
                          who(p, cx) + ": not installed, so there is nothing to uninstall");
  return p.uninstall_sql(cascade);
}

auto install(connection& cx, const plugin& p, const install_options& options) -> std::string {
  cx.execute_script(plan_install(cx, p, options));
  return read_versions(cx, p.extension()).installed.value_or("");
}

auto upgrade(connection& cx, const plugin& p, const std::optional<std::string>& to) -> std::string {
  if (const auto sql = plan_upgrade(cx, p, to); !sql.empty()) cx.execute_script(sql);
  return read_versions(cx, p.extension()).installed.value_or("");
}

void uninstall(connection& cx, const plugin& p, bool cascade) { cx.execute_script(plan_uninstall(cx, p, cascade)); }

void verify(connection& cx, const plugin& p) { check_installed(p, cx, read_versions(cx, p.extension())); }

void verify_enabled(connection& cx, const registry& reg) {
  const auto enabled = reg.enabled();
  if (enabled.empty()) return;
  std::vector<std::string> extensions;
  extensions.reserve(enabled.size());
  for (const auto& e : enabled) extensions.emplace_back(e.plugin_ptr->extension());
  const auto all = read_versions_of(cx, extensions);  // one query for every enabled plugin
  for (const auto& e : enabled) check_installed(*e.plugin_ptr, cx, versions_in(all, e.plugin_ptr->extension()));
}

void apply_settings(connection& cx, const std::vector<statement<>>& statements) {
  for (const auto& s : statements) (void)cx.run(s.sql(), s.params());
}

}  // namespace pgpx::ext
