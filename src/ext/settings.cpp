// A plugin's settings (pgpx/ext/settings.hpp).
#include <pgpx/ext/error.hpp>
#include <pgpx/ext/settings.hpp>

#include <charconv>
#include <string>
#include <vector>

namespace pgpx::ext {

auto to_string(setting_kind k) noexcept -> std::string_view {
  switch (k) {
    case setting_kind::boolean: return "boolean";
    case setting_kind::integer: return "integer";
    case setting_kind::floating: return "float";
    case setting_kind::string: return "string";
  }
  return "unknown";
}

auto kind_of(const setting_value& v) noexcept -> setting_kind {
  switch (v.index()) {
    case 0: return setting_kind::boolean;
    case 1: return setting_kind::integer;
    case 2: return setting_kind::floating;
    default: return setting_kind::string;
  }
}

auto to_text(const setting_value& v) -> std::string {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "on" : "off";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr);
  }
  return std::get<std::string>(v);
}

namespace {
// "an integer", "a float".
auto with_article(setting_kind k) -> std::string {
  return (k == setting_kind::integer ? "an " : "a ") + std::string(to_string(k));
}
}  // namespace

auto settings_spec::find(std::string_view key) const noexcept -> const setting_spec* {
  for (const auto& k : keys)
    if (k.key == key) return &k;
  return nullptr;
}

auto settings::set(std::string key, setting_value v) -> settings& {
  values_.insert_or_assign(std::move(key), std::move(v));
  return *this;
}

auto settings::find(std::string_view key) const -> const setting_value* {
  const auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

auto check_settings(const settings_spec& spec, const settings& given, std::string_view plugin, const std::string& where)
    -> settings {
  std::vector<std::string> problems;
  settings out;
  const auto name = std::string(plugin);
  for (const auto& [key, value] : given.values()) {
    const auto* k = spec.find(key);
    if (k == nullptr) {
      std::string accepted;
      for (const auto& s : spec.keys) accepted += (accepted.empty() ? "" : ", ") + s.key;
      problems.push_back("unknown key \"" + key + "\" (accepted: " + (accepted.empty() ? "none" : accepted) + ")");
      continue;
    }
    if (k->kind == setting_kind::floating && kind_of(value) == setting_kind::integer) {
      out.set(key, static_cast<double>(std::get<std::int64_t>(value)));
    } else if (kind_of(value) != k->kind) {
      problems.push_back("key \"" + key + "\" must be " + with_article(k->kind) + ", not " +
                         with_article(kind_of(value)));
    } else {
      out.set(key, value);
    }
  }
  for (const auto& k : spec.keys) {
    if (given.contains(k.key)) continue;
    if (k.default_value) out.set(k.key, *k.default_value);
    else if (k.required) problems.push_back("key \"" + k.key + "\" is required");
  }
  if (!problems.empty()) {
    std::string msg = where + ": plugin " + name + ": invalid settings: ";
    for (std::size_t i = 0; i < problems.size(); ++i) msg += (i == 0 ? "" : "; ") + problems[i];
    throw extension_error(failure::bad_settings, name, msg);
  }
  return out;
}

}  // namespace pgpx::ext
