// The plugin registry (pgpx/ext/registry.hpp): plugins in code, built-ins, shared libraries
// (dlopen) and [extensions.<name>] of pgpx.toml.
#include <pgpx/config/config.hpp>
#include <pgpx/ext/error.hpp>
#include <pgpx/ext/registry.hpp>

#include <dlfcn.h>

#include <toml++/toml.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

namespace pgpx::ext {

namespace detail {
extern const int builtin_plugins_anchor;  // builtins.cpp
}  // namespace detail

namespace {

auto names_of(const std::map<std::string, plugin_entry, std::less<>>& plugins) -> std::string {
  std::string out;
  for (const auto& [name, e] : plugins) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "(none)" : out;
}

// A loaded library: closed again unless release() ran.
using library_handle = std::unique_ptr<void, decltype(&::dlclose)>;

using entry_fn = const pgpx_plugin_descriptor* (*)();

}  // namespace

auto registry::global() -> registry& {
  // Keeps builtins.cpp (and its static registrars) in a statically linked program.
  static const volatile int anchor = detail::builtin_plugins_anchor;
  (void)anchor;
  static registry instance;
  return instance;
}

builtin_registrar::builtin_registrar(std::shared_ptr<const plugin> p) noexcept {
  try {
    registry::global().add(std::move(p), "built-in");
  } catch (...) {  // a second built-in of one name: the first stays (never throw at start-up)
  }
}

auto registry::find_locked(std::string_view name) const -> const plugin_entry* {
  if (const auto it = plugins_.find(name); it != plugins_.end()) return &it->second;
  for (const auto& [n, e] : plugins_)
    if (e.plugin_ptr->extension() == name) return &e;
  return nullptr;
}

void registry::add(std::shared_ptr<const plugin> p, std::string origin) {
  if (!p) throw extension_error(failure::invalid_plugin, origin, "cannot register a null plugin (from " + origin + ")");
  const auto name = std::string(p->name());
  if (name.empty() || p->extension().empty())
    throw extension_error(failure::invalid_plugin, origin,
                          "plugin from " + origin + " has an empty name or extension; nothing registered");
  std::lock_guard lock(mutex_);
  if (const auto it = plugins_.find(name); it != plugins_.end())
    throw extension_error(failure::duplicate_plugin, name,
                          "plugin " + name + " is already registered (from " + it->second.origin + "); the one from " +
                              origin + " was not registered");
  plugin_entry e;
  e.plugin_ptr = std::move(p);
  e.origin = std::move(origin);
  plugins_.emplace(name, std::move(e));
}

namespace {

// Loads the shared-library plugin at `path` and checks it (entry point, ABI, a plugin) without
// registering it; throws extension_error naming `path`, the library closed again.
auto open_library(const std::filesystem::path& path) -> std::pair<library_handle, std::shared_ptr<const plugin>> {
  const auto shown = path.string();
  ::dlerror();
  library_handle h(::dlopen(shown.c_str(), RTLD_NOW | RTLD_LOCAL), &::dlclose);
  if (h == nullptr) {
    const char* why = ::dlerror();
    throw extension_error(
        failure::missing_library, shown,
        "cannot load plugin library " + shown + ": " + (why != nullptr ? why : "unknown dlopen error"));
  }
  ::dlerror();
  void* sym = ::dlsym(h.get(), PGPX_EXT_ENTRY_POINT);
  if (sym == nullptr)
    throw extension_error(failure::missing_symbol, shown,
                          "plugin library " + shown +
                              " does not export " PGPX_EXT_ENTRY_POINT
                              "() (define it with PGPX_EXT_PLUGIN(your_plugin)); nothing registered");
  const auto* d = reinterpret_cast<entry_fn>(sym)();
  if (d == nullptr)
    throw extension_error(
        failure::invalid_plugin, shown,
        "plugin library " + shown + ": " PGPX_EXT_ENTRY_POINT "() returned nothing; nothing registered");
  if (d->abi_version != PGPX_EXT_ABI_VERSION)
    throw extension_error(failure::abi_mismatch, shown,
                          "plugin library " + shown + " was built for plugin ABI " + std::to_string(d->abi_version) +
                              ", but this pgpx (" PGPX_VERSION_STRING ") has plugin ABI " +
                              std::to_string(PGPX_EXT_ABI_VERSION) +
                              "; rebuild the plugin against this pgpx. Nothing registered");
  if (d->plugin == nullptr)
    throw extension_error(
        failure::invalid_plugin, shown,
        "plugin library " + shown + ": " PGPX_EXT_ENTRY_POINT "() returned no plugin; nothing registered");
  // The plugin lives in the library, which stays loaded once the caller registers it.
  return {std::move(h), std::shared_ptr<const plugin>(d->plugin, [](const plugin*) {})};
}

}  // namespace

auto registry::load_library(const std::filesystem::path& path) -> std::shared_ptr<const plugin> {
  auto [h, p] = open_library(path);
  add(p, path.string());  // throws duplicate_plugin / invalid_plugin: the handle closes
  (void)h.release();
  return p;
}

auto registry::find(std::string_view name) const -> std::shared_ptr<const plugin> {
  std::lock_guard lock(mutex_);
  const auto* e = find_locked(name);
  return e == nullptr ? nullptr : e->plugin_ptr;
}

auto registry::get(std::string_view name) const -> std::shared_ptr<const plugin> { return entry(name).plugin_ptr; }

auto registry::find_or_generic(std::string_view name) const -> std::shared_ptr<const plugin> {
  if (auto p = find(name)) return p;
  return std::make_shared<generic_plugin>(std::string(name));
}

auto registry::list() const -> std::vector<plugin_entry> {
  std::lock_guard lock(mutex_);
  std::vector<plugin_entry> out;
  out.reserve(plugins_.size());
  for (const auto& [n, e] : plugins_) out.push_back(e);
  return out;
}

auto registry::entry(std::string_view name) const -> plugin_entry {
  std::lock_guard lock(mutex_);
  const auto* e = find_locked(name);
  if (e == nullptr)
    throw extension_error(
        failure::unknown_plugin, std::string(name),
        "no plugin named " + std::string(name) + " is registered (registered: " + names_of(plugins_) + ")");
  return *e;
}

auto registry::types() const -> std::vector<plugin_type> {
  std::vector<plugin_type> out;
  for (const auto& e : list())
    for (auto& t : e.plugin_ptr->type_names())
      out.push_back({std::move(t), std::string(e.plugin_ptr->name()), std::string(e.plugin_ptr->extension())});
  return out;
}

auto registry::plugin_for_type(std::string_view type) const -> std::shared_ptr<const plugin> {
  for (const auto& e : list())
    for (const auto& t : e.plugin_ptr->type_names())
      if (t == type) return e.plugin_ptr;
  return nullptr;
}

void registry::enable(std::string_view name, const settings& s, const install_options& install) {
  const auto p = get(name);
  auto checked = check_settings(p->settings_schema(), s, p->name());
  std::lock_guard lock(mutex_);
  auto& e = plugins_.at(std::string(p->name()));
  e.enabled = true;
  e.settings = std::move(checked);
  e.install = install;
}

void registry::disable(std::string_view name) {
  const auto p = get(name);
  std::lock_guard lock(mutex_);
  plugins_.at(std::string(p->name())).enabled = false;
}

auto registry::is_enabled(std::string_view name) const -> bool {
  std::lock_guard lock(mutex_);
  const auto* e = find_locked(name);
  return e != nullptr && e->enabled;
}

auto registry::enabled() const -> std::vector<plugin_entry> {
  std::lock_guard lock(mutex_);
  std::vector<plugin_entry> out;
  for (const auto& [n, e] : plugins_)
    if (e.enabled) out.push_back(e);
  return out;
}

auto registry::settings_statements(setting_scope scope) const -> std::vector<statement<>> {
  std::vector<statement<>> out;
  for (const auto& e : enabled())
    for (auto& s : e.plugin_ptr->settings_statements(e.settings, scope)) out.push_back(std::move(s));
  return out;
}

void registry::configure(const pgpx::config& cfg) {
  if (!cfg.file()) return;
  const auto& file = *cfg.file();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw extension_error(failure::bad_settings, file.string(), "cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  configure_toml(text.str(), file.string(), file.parent_path());
}

namespace {

// "pgpx.toml:3:1": where a node (or a parse error) begins.
auto at(const std::string& source, const toml::source_region& r) -> std::string {
  return source + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}
auto at(const std::string& source, const toml::node& n) -> std::string { return at(source, n.source()); }

auto value_of(const toml::node& n) -> std::optional<setting_value> {
  if (const auto* b = n.as_boolean()) return setting_value(b->get());
  if (const auto* i = n.as_integer()) return setting_value(i->get());
  if (const auto* d = n.as_floating_point()) return setting_value(d->get());
  if (const auto* s = n.as_string()) return setting_value(s->get());
  return std::nullopt;
}

struct pending {
  std::string name;
  bool enabled = true;
  settings checked;
  install_options install;
};

}  // namespace

void registry::configure_toml(std::string_view text, const std::string& source, const std::filesystem::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(source));
  } catch (const toml::parse_error& e) {
    throw extension_error(failure::bad_settings, source, at(source, e.source()) + ": " + std::string(e.description()));
  }
  const auto* exts = root.get("extensions");
  if (exts == nullptr) return;
  const auto* table = exts->as_table();
  if (table == nullptr)
    throw extension_error(failure::bad_settings, source, at(source, *exts) + ": [extensions] must be a table");
  std::vector<pending> plan;
  for (const auto& [k, node] : *table) {
    const auto name = std::string(k.str());
    const auto* t = node.as_table();
    if (t == nullptr)
      throw extension_error(failure::bad_settings, name,
                            at(source, node) + ": extensions." + name + " must be a table ([extensions." + name + "])");
    pending p{name, true, {}, {}};
    settings given;
    std::optional<std::filesystem::path> library;
    for (const auto& [key, v] : *t) {
      const auto ks = std::string(key.str());
      const auto string_of = [&](const char* what) -> std::string {
        const auto* s = v.as_string();
        if (s == nullptr)
          throw extension_error(failure::bad_settings, name,
                                at(source, v) + ": extensions." + name + "." + ks + " must be a string (" + what + ")");
        return s->get();
      };
      if (ks == "library") {
        std::filesystem::path lib = string_of("the path of a shared-library plugin");
        if (lib.is_relative() && !base_dir.empty()) lib = base_dir / lib;
        library = lib;
      } else if (ks == "version") {
        p.install.version = string_of("the extension version to install");
      } else if (ks == "schema") {
        p.install.schema = string_of("the schema to install into");
      } else if (ks == "enabled") {
        const auto* b = v.as_boolean();
        if (b == nullptr)
          throw extension_error(failure::bad_settings, name,
                                at(source, v) + ": extensions." + name + ".enabled must be true or false");
        p.enabled = b->get();
      } else if (auto sv = value_of(v)) {
        given.set(ks, *sv);
      } else {
        throw extension_error(
            failure::bad_settings, name,
            at(source, v) + ": extensions." + name + "." + ks + " must be a boolean, integer, float or string");
      }
    }
    if (library && !find(name)) {
      // Checked before it is registered: a library holding another plugin is refused.
      auto [h, loaded] = open_library(*library);
      if (loaded->name() != name)
        throw extension_error(failure::invalid_plugin, name,
                              at(source, node) + ": [extensions." + name + "] library " + library->string() +
                                  " holds plugin " + std::string(loaded->name()) + ", not " + name);
      add(loaded, library->string());
      (void)h.release();
    }
    const auto plugin = find(name);
    if (!plugin)
      throw extension_error(failure::unknown_plugin, name,
                            at(source, node) + ": [extensions." + name + "]: no plugin named " + name +
                                " is registered (add `library = \"path/lib" + name + ".so\"` to load one)");
    p.checked = check_settings(plugin->settings_schema(), given, name, at(source, node));
    p.name = std::string(plugin->name());
    plan.push_back(std::move(p));
  }
  std::lock_guard lock(mutex_);
  for (auto& p : plan) {
    auto& e = plugins_.at(p.name);
    e.enabled = p.enabled;
    e.settings = std::move(p.checked);
    e.install = std::move(p.install);
  }
}

}  // namespace pgpx::ext
