// Enabled plugins' GUC settings as startup options (pgpx/ext/session.hpp).
#include <pgpx/ext/error.hpp>
#include <pgpx/ext/session.hpp>

#include <cctype>
#include <cstdlib>

namespace pgpx::ext {
namespace {

// A GUC name as the server accepts it in `-c name=value`: identifiers joined by dots. Anything
// else (a space, '=', a backslash) would change the meaning of the options string.
auto plain_guc_name(std::string_view name) -> bool {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  for (const char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '.') return false;
  return true;
}

// libpq splits `options` at white space; a backslash makes the next character literal.
void append_escaped(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == '\\') out += '\\';
    out += c;
  }
}

}  // namespace

auto session_settings(const registry& reg) -> std::vector<std::pair<std::string, std::string>> {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : reg.enabled()) {
    const std::string plugin_name(e.plugin_ptr->name());
    for (const auto& k : e.plugin_ptr->settings_schema().keys) {
      if (k.guc.empty()) continue;
      if (!plain_guc_name(k.guc))
        throw extension_error(failure::bad_settings, plugin_name,
                              "plugin " + plugin_name + ": setting '" + k.key + "' names the server setting '" + k.guc +
                                  "', which is not a plain (dotted) identifier");
      if (const auto* v = e.settings.find(k.key)) out.emplace_back(k.guc, to_text(*v));
    }
  }
  return out;
}

auto with_settings(conninfo info, const registry& reg) -> conninfo {
  const auto gucs = session_settings(reg);
  if (gucs.empty()) return info;
  std::string options = info.get("options");
  if (options.empty() && !info.has("options"))
    if (const char* env = std::getenv("PGOPTIONS")) options = env;
  for (const auto& [name, value] : gucs) {
    if (!options.empty()) options += ' ';
    options += "-c ";
    options += name;
    options += '=';
    append_escaped(options, value);
  }
  info.set("options", std::move(options));
  return info;
}

}  // namespace pgpx::ext
