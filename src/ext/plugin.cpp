// The plugin interface's defaults (pgpx/ext/plugin.hpp): the extension's DDL and GUCs.
#include <pgpx/core/identifier.hpp>
#include <pgpx/ext/plugin.hpp>

#include <string>

namespace pgpx::ext {

plugin::~plugin() = default;

auto plugin::install_sql(const install_options& options) const -> std::string {
  std::string sql = "create extension if not exists " + quote_identifier(extension());
  if (options.schema) sql += " schema " + quote_identifier(*options.schema);
  if (options.version) sql += " version " + quote_literal(*options.version);
  if (options.cascade) sql += " cascade";
  return sql;
}

auto plugin::upgrade_sql(const std::optional<std::string>& to) const -> std::string {
  std::string sql = "alter extension " + quote_identifier(extension()) + " update";
  if (to) sql += " to " + quote_literal(*to);
  return sql;
}

auto plugin::uninstall_sql(bool cascade) const -> std::string {
  return "drop extension if exists " + quote_identifier(extension()) + (cascade ? " cascade" : "");
}

auto plugin::settings_statements(const settings& s, setting_scope scope) const -> std::vector<statement<>> {
  std::vector<statement<>> out;
  const auto spec = settings_schema();
  for (const auto& k : spec.keys) {
    if (k.guc.empty()) continue;
    const auto* v = s.find(k.key);
    if (v == nullptr) continue;
    out.push_back(
        make_statement("select set_config($1, $2, $3)", k.guc, to_text(*v), scope == setting_scope::transaction));
  }
  return out;
}

}  // namespace pgpx::ext
