// An extension's versions on a server, and installing, upgrading and removing it
// (pgpx/ext/manage.hpp).
#include <pgpx/core/executor.hpp>
#include <pgpx/ext/error.hpp>
#include <pgpx/ext/manage.hpp>

#include <algorithm>
#include <map>
#include <tuple>

namespace pgpx::ext {

namespace {

auto database_of(connection& cx) -> std::string { return cx.query_value<std::string>("select current_database()"); }

auto sort_versions(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) { return compare_versions(a, b) < 0; });
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

}  // namespace

auto extension_versions::outdated() const -> bool {
  return installed && !available.empty() && compare_versions(newest(), *installed) > 0;
}

auto extension_versions::newest() const -> std::string { return available.empty() ? std::string() : available.back(); }

auto read_versions(connection& cx, std::string_view extension) -> extension_versions {
  extension_versions v;
  v.extension = std::string(extension);
  const auto name = std::string(extension);
  if (auto row = cx.query_optional<std::tuple<std::string, std::string>>(
          "select e.extversion, n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace "
          "where e.extname = $1",
          name)) {
    v.installed = std::get<0>(*row);
    v.schema = std::get<1>(*row);
  }
  if (auto row = cx.query_optional<std::tuple<std::optional<std::string>, std::optional<std::string>>>(
          "select default_version, comment from pg_available_extensions where name = $1", name)) {
    v.default_version = std::get<0>(*row);
    v.comment = std::get<1>(*row).value_or("");
  }
  v.available = cx.query<std::string>("select version from pg_available_extension_versions where name = $1", name);
  sort_versions(v.available);
  return v;
}

auto read_all_versions(connection& cx) -> std::vector<extension_versions> {
  std::map<std::string, extension_versions> by_name;
  for (const auto& [name, def, comment] :
       cx.query<std::tuple<std::string, std::optional<std::string>, std::optional<std::string>>>(
           "select name, default_version, comment from pg_available_extensions")) {
    auto& v = by_name[name];
    v.extension = name;
    v.default_version = def;
    v.comment = comment.value_or("");
  }
  for (const auto& [name, version] :
       cx.query<std::tuple<std::string, std::string>>("select name, version from pg_available_extension_versions"))
    by_name[name].available.push_back(version);
  for (const auto& [name, version, schema] : cx.query<std::tuple<std::string, std::string, std::string>>(
           "select e.extname, e.extversion, n.nspname from pg_extension e "
           "join pg_namespace n on n.oid = e.extnamespace")) {
    auto& v = by_name[name];
    v.extension = name;
    v.installed = version;
    v.schema = schema;
  }
  std::vector<extension_versions> out;
  out.reserve(by_name.size());
  for (auto& [name, v] : by_name) {
    sort_versions(v.available);
    out.push_back(std::move(v));
  }
  return out;
}

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

void verify(connection& cx, const plugin& p) {
  const auto v = read_versions(cx, p.extension());
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

void verify_enabled(connection& cx, const registry& reg) {
  for (const auto& e : reg.enabled()) verify(cx, *e.plugin_ptr);
}

void apply_settings(connection& cx, const std::vector<statement<>>& statements) {
  for (const auto& s : statements) (void)cx.run(s.sql(), s.params());
}

}  // namespace pgpx::ext
