// pgpx extension list|info|install|upgrade|uninstall: PostgreSQL extensions through their
// plugins (pgpx/ext). install, upgrade and uninstall write a migration pair into the
// migrations directory by default, so that every environment gets the same change; --now
// runs the statement at once instead. docs/extensions.md, "The command line".
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "commands.hpp"

#include <pgpx/core/executor.hpp>
#include <pgpx/ext/error.hpp>
#include <pgpx/ext/manage.hpp>
#include <pgpx/ext/registry.hpp>
#include <pgpx/migrate/source.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pgpx::cli {

namespace {

struct extension_options {
  std::string name;
  std::string format = "text";
  bool available = false;
  bool installed = false;
  bool outdated = false;
  std::string version;
  std::string schema;
  std::string to;
  bool cascade = false;
  bool now = false;
  bool dry_run = false;
  std::string dir;
};

// The command's --dry-run, or the global one.
auto dry_run(const context& ctx, const extension_options& o) -> bool { return o.dry_run || ctx.dry_run(); }

// The plugins of pgpx.toml's [extensions] (shared libraries, settings) join the built-ins.
auto plugins(context& ctx) -> ext::registry& {
  auto& reg = ext::registry::global();
  reg.configure(ctx.config());
  return reg;
}

auto versions_json(const ext::extension_versions& v) -> nlohmann::json {
  nlohmann::json j = {{"extension", v.extension}, {"available", v.available}, {"on_server", v.on_server()}};
  j["installed"] = v.installed ? nlohmann::json(*v.installed) : nlohmann::json(nullptr);
  j["schema"] = v.schema ? nlohmann::json(*v.schema) : nlohmann::json(nullptr);
  j["default_version"] = v.default_version ? nlohmann::json(*v.default_version) : nlohmann::json(nullptr);
  j["comment"] = v.comment;
  return j;
}

auto run_list(context& ctx, const extension_options& o) -> int {
  auto& reg = plugins(ctx);
  auto cx = ctx.connect();
  auto all = ext::read_all_versions(cx);
  // Registered plugins whose extension the server lacks are listed too (without a filter).
  std::set<std::string> seen;
  for (const auto& v : all) seen.insert(v.extension);
  for (const auto& e : reg.list()) {
    const auto name = std::string(e.plugin_ptr->extension());
    if (seen.insert(name).second) all.push_back(ext::extension_versions{name, {}, {}, {}, {}, {}});
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.extension < b.extension; });
  auto rows = nlohmann::json::array();
  for (const auto& v : all) {
    if (o.available && (!v.on_server() || v.installed)) continue;
    if (o.installed && !v.installed) continue;
    if (o.outdated && !v.outdated()) continue;
    const auto plugin = reg.find(v.extension);
    const auto status = ext::status_of(*reg.find_or_generic(v.extension), v);
    auto j = versions_json(v);
    j["plugin"] = plugin ? nlohmann::json(std::string(plugin->name())) : nlohmann::json(nullptr);
    j["status"] = std::string(ext::to_string(status));
    j["newest"] = v.newest();
    rows.push_back(std::move(j));
  }
  if (o.format == "json") {
    std::cout << rows.dump(2) << "\n";
    return 0;
  }
  const auto str = [](const nlohmann::json& j) { return j.is_null() ? std::string("-") : j.get<std::string>(); };
  std::size_t w = 9;
  for (const auto& r : rows) w = std::max(w, r["extension"].get<std::string>().size());
  const auto pad = [](std::string s, std::size_t n) {
    s.resize(std::max(n, s.size()), ' ');
    return s;
  };
  std::cout << pad("extension", w) << "  " << pad("installed", 10) << pad("default", 10) << pad("newest", 10)
            << pad("plugin", 12) << "status\n";
  for (const auto& r : rows)
    std::cout << pad(r["extension"].get<std::string>(), w) << "  " << pad(str(r["installed"]), 10)
              << pad(str(r["default_version"]), 10)
              << pad(r["newest"].get<std::string>().empty() ? "-" : r["newest"].get<std::string>(), 10)
              << pad(str(r["plugin"]), 12) << r["status"].get<std::string>() << "\n";
  return 0;
}

auto run_info(context& ctx, const extension_options& o) -> int {
  auto& reg = plugins(ctx);
  const auto p = reg.find_or_generic(o.name);
  const auto registered = reg.find(o.name) != nullptr;
  std::optional<ext::plugin_entry> entry;
  if (registered) entry = reg.entry(o.name);
  auto cx = ctx.connect();
  const auto v = ext::read_versions(cx, p->extension());
  const auto status = ext::status_of(*p, v);
  nlohmann::json settings = nlohmann::json::array();
  for (const auto& k : p->settings_schema().keys) {
    nlohmann::json s = {{"key", k.key},
                        {"type", std::string(ext::to_string(k.kind))},
                        {"description", k.description},
                        {"guc", k.guc},
                        {"required", k.required}};
    s["default"] = k.default_value ? nlohmann::json(ext::to_text(*k.default_value)) : nlohmann::json(nullptr);
    const auto* value = entry ? entry->settings.find(k.key) : nullptr;
    s["value"] = value != nullptr ? nlohmann::json(ext::to_text(*value)) : nlohmann::json(nullptr);
    settings.push_back(std::move(s));
  }
  nlohmann::json j = {{"plugin", registered ? nlohmann::json(std::string(p->name())) : nlohmann::json(nullptr)},
                      {"origin", entry ? entry->origin : std::string("none (no plugin: any version)")},
                      {"enabled", entry && entry->enabled},
                      {"description", std::string(p->description())},
                      {"supported", p->supported().to_string()},
                      {"types", p->type_names()},
                      {"settings", settings},
                      {"server", versions_json(v)},
                      {"status", std::string(ext::to_string(status))}};
  if (o.format == "json") {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  const auto opt = [](const std::optional<std::string>& s) { return s ? *s : std::string("-"); };
  std::cout << "extension:  " << p->extension() << "\n"
            << "plugin:     " << (registered ? std::string(p->name()) : std::string("-")) << " ("
            << j["origin"].get<std::string>() << (entry && entry->enabled ? ", enabled" : "") << ")\n";
  if (!p->description().empty()) std::cout << "about:      " << p->description() << "\n";
  std::cout << "supported:  " << p->supported().to_string() << "\n";
  std::string types;
  for (const auto& t : p->type_names()) types += (types.empty() ? "" : ", ") + t;
  std::cout << "types:      " << (types.empty() ? "-" : types) << "\n";
  for (const auto& s : settings)
    std::cout << "setting:    " << s["key"].get<std::string>() << " (" << s["type"].get<std::string>() << ")"
              << (s["value"].is_null() ? "" : " = " + s["value"].get<std::string>())
              << (s["guc"].get<std::string>().empty() ? "" : " -> " + s["guc"].get<std::string>())
              << (s["description"].get<std::string>().empty() ? "" : ": " + s["description"].get<std::string>())
              << "\n";
  std::cout << "installed:  " << opt(v.installed) << (v.schema ? " (schema " + *v.schema + ")" : "") << "\n"
            << "default:    " << opt(v.default_version) << "\n";
  std::string avail;
  for (const auto& a : v.available) avail += (avail.empty() ? "" : ", ") + a;
  std::cout << "available:  " << (avail.empty() ? "- (the server does not have this extension)" : avail) << "\n"
            << "status:     " << ext::to_string(status) << "\n";
  return 0;
}

auto slug_of(const std::string& verb, std::string_view extension) -> std::string {
  std::string s = verb + "_";
  for (const char c : extension) {
    const auto u = static_cast<unsigned char>(c);
    s += std::isalnum(u) != 0 ? static_cast<char>(std::tolower(u)) : '_';
  }
  return s;
}

// Writes <version>_<slug>.up.sql (and .down.sql unless `down` is empty), then pgpx.sum.
auto write_migration(context& ctx, const extension_options& o, const std::string& slug, const std::string& comment,
                     const std::string& up, const std::string& down) -> int {
  if (dry_run(ctx, o)) {
    std::cout << "-- up (" << slug << ")\n" << up << ";\n";
    if (!down.empty()) std::cout << "-- down\n" << down << ";\n";
    return 0;
  }
  const auto next = migrate::plan_migration(migrations_dir(ctx, o.dir), slug);
  const auto down_text = "-- Reverts " + next.name + ".up.sql.\n" + down + ";\n";
  migrate::write_migration(next, "-- " + comment + "\n" + up + ";\n",
                           down.empty() ? std::nullopt : std::optional<std::string_view>(down_text));
  std::cout << next.up_path().string() << "\n";
  if (!down.empty()) std::cout << next.down_path().string() << "\n";
  else ctx.note("no down file: the server has no downgrade path, so the migration is irreversible");
  ctx.note("wrote the migration " + next.name + " and updated pgpx.sum; apply it with your migrations");
  return 0;
}

auto run_install(context& ctx, const extension_options& o) -> int {
  auto& reg = plugins(ctx);
  const auto p = reg.find_or_generic(o.name);
  ext::install_options io;
  if (reg.find(o.name) != nullptr) io = reg.entry(o.name).install;  // [extensions.<name>] version, schema
  if (!o.version.empty()) io.version = o.version;
  if (!o.schema.empty()) io.schema = o.schema;
  io.cascade = o.cascade;
  auto cx = ctx.connect();
  const auto sql = ext::plan_install(cx, *p, io);
  if (o.now && !dry_run(ctx, o)) {
    cx.execute_script(sql);
    const auto v = ext::read_versions(cx, p->extension());
    std::cout << "installed " << p->extension() << " " << v.installed.value_or("?") << "\n";
    return 0;
  }
  return write_migration(
      ctx, o, slug_of("install", p->extension()),
      "Installs extension " + std::string(p->extension()) + " (pgpx extension install " + o.name + ").", sql,
      p->uninstall_sql(false));
}

auto run_upgrade(context& ctx, const extension_options& o) -> int {
  auto& reg = plugins(ctx);
  const auto p = reg.find_or_generic(o.name);
  auto cx = ctx.connect();
  const auto before = ext::read_versions(cx, p->extension());
  const auto sql = ext::plan_upgrade(cx, *p, o.to.empty() ? std::nullopt : std::optional<std::string>(o.to));
  if (sql.empty()) {
    std::cout << p->extension() << " is already at version " << before.installed.value_or("?") << "\n";
    return 0;
  }
  if (o.now && !dry_run(ctx, o)) {
    cx.execute_script(sql);
    std::cout << "upgraded " << p->extension() << " from " << *before.installed << " to "
              << ext::read_versions(cx, p->extension()).installed.value_or("?") << "\n";
    return 0;
  }
  // A down file only when the server has a path back (contrib extensions ship none).
  const auto target = o.to.empty() ? before.default_version.value_or(before.newest()) : o.to;
  const auto back = cx.query_optional<std::optional<std::string>>(
      "select path from pg_extension_update_paths($1) where source = $2 and target = $3", std::string(p->extension()),
      target, *before.installed);
  const auto down = back && *back ? p->upgrade_sql(*before.installed) : std::string();
  return write_migration(ctx, o, slug_of("upgrade", p->extension()),
                         "Upgrades extension " + std::string(p->extension()) + " from " + *before.installed + " to " +
                             target + " (pgpx extension upgrade " + o.name + ").",
                         sql, down);
}

// Objects outside the extension that depend on its members: what CASCADE would drop.
auto dependents(connection& cx, std::string_view extension) -> std::vector<std::string> {
  return cx.query<std::string>(
      "select distinct pg_describe_object(d.classid, d.objid, d.objsubid) from pg_depend m "
      "join pg_depend d on d.refclassid = m.classid and d.refobjid = m.objid and d.deptype = 'n' "
      "where m.refclassid = 'pg_extension'::regclass and m.deptype = 'e' "
      "and m.refobjid = (select oid from pg_extension where extname = $1) "
      "and not exists (select 1 from pg_depend x where x.classid = d.classid and x.objid = d.objid "
      "and x.deptype = 'e') order by 1",
      std::string(extension));
}

auto run_uninstall(context& ctx, const extension_options& o) -> int {
  auto& reg = plugins(ctx);
  const auto p = reg.find_or_generic(o.name);
  auto cx = ctx.connect();
  const auto before = ext::read_versions(cx, p->extension());
  const auto sql = ext::plan_uninstall(cx, *p, o.cascade);
  if (o.cascade) {
    const auto deps = dependents(cx, p->extension());
    if (!deps.empty()) {
      std::cerr << "--cascade also drops these objects that depend on " << p->extension() << ":\n";
      for (const auto& d : deps) std::cerr << "  " << d << "\n";
      if (!ctx.options().yes) {
        return returned_error(static_cast<int>(exit_code::validation), "confirm with -y/--yes; nothing was changed");
      }
    }
  }
  if (o.now && !dry_run(ctx, o)) {
    cx.execute_script(sql);
    std::cout << "uninstalled " << p->extension() << "\n";
    return 0;
  }
  ext::install_options back;
  back.version = before.installed;
  back.schema = before.schema;
  return write_migration(ctx, o, slug_of("uninstall", p->extension()),
                         "Uninstalls extension " + std::string(p->extension()) + " (pgpx extension uninstall " +
                             o.name + ")." +
                             (o.cascade ? " CASCADE: the down file does not restore dropped objects." : ""),
                         sql, p->install_sql(back));
}

}  // namespace

void add_extension_command(CLI::App& app, context& ctx, action_fn& action) {
  static extension_options o;
  auto* e = app.add_subcommand("extension",
                               "PostgreSQL extensions and their plugins: list, info, install, upgrade, uninstall");
  e->require_subcommand(1);
  e->footer(
      "Examples:\n"
      "  pgpx extension list --outdated\n"
      "  pgpx extension info pg_trgm --format json\n"
      "  pgpx extension install citext --version 1.6      # writes migrations/<version>_install_citext.{up,down}.sql\n"
      "  pgpx extension install earthdistance --cascade --now\n"
      "  pgpx extension upgrade citext --to 1.6      (or: update)\n"
      "See docs/extensions.md.");
  const auto writes = [&](CLI::App* c) {
    c->add_flag("--now", o.now, "Run the statement now instead of writing a migration");
    c->add_flag("--dry-run", o.dry_run, "Print the SQL; write and run nothing");
    c->add_option("-d,--dir", o.dir, "The migrations directory (default: <project>/migrations)");
  };

  auto* list = e->add_subcommand("list", "Extensions on the server and registered plugins, with their versions");
  list->add_flag("--available", o.available, "Only those the server offers that are not installed");
  list->add_flag("--installed", o.installed, "Only those installed in the database");
  list->add_flag("--outdated", o.outdated, "Only installed ones with a newer version available");
  list->add_option("--format", o.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  list->callback([&] { action = [&] { return run_list(ctx, o); }; });

  auto* info = e->add_subcommand("info", "A plugin, its settings and the server's versions of its extension");
  info->add_option("name", o.name, "Plugin or extension name")->required();
  info->add_option("--format", o.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  info->callback([&] { action = [&] { return run_info(ctx, o); }; });

  auto* install = e->add_subcommand("install", "Install an extension (writes a migration; --now runs it)");
  install->add_option("name", o.name, "Plugin or extension name")->required();
  install->add_option("--version", o.version,
                      "The version (default: [extensions.<name>] version, else the server's default)");
  install->add_option("--schema", o.schema, "The schema to install into");
  install->add_flag("--cascade", o.cascade, "Also install the extensions it requires");
  writes(install);
  install->callback([&] { action = [&] { return run_install(ctx, o); }; });

  // `update` is the spelling of spec/cli-and-migrations.md (ALTER EXTENSION ... UPDATE); a
  // subcommand of its own, like `pgpx up`, so that help and completion list it plainly.
  for (const auto& [verb, what] :
       {std::pair{"upgrade", "Upgrade an installed extension (writes a migration; --now runs it)"},
        std::pair{"update", "Alias of `pgpx extension upgrade`"}}) {
    auto* upgrade = e->add_subcommand(verb, what);
    upgrade->add_option("name", o.name, "Plugin or extension name")->required();
    upgrade->add_option("--to", o.to, "The version (default: the server's default version)");
    writes(upgrade);
    upgrade->callback([&] { action = [&] { return run_upgrade(ctx, o); }; });
  }

  auto* uninstall = e->add_subcommand("uninstall", "Remove an extension (writes a migration; --now runs it)");
  uninstall->add_option("name", o.name, "Plugin or extension name")->required();
  uninstall->add_flag("--cascade", o.cascade, "Also drop the objects that depend on it (asks for -y/--yes)");
  writes(uninstall);
  uninstall->callback([&] { action = [&] { return run_uninstall(ctx, o); }; });
}

}  // namespace pgpx::cli
