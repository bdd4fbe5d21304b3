#include <pgpx/config/conninfo.hpp>

#include <pgpx/detail/strings.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>

namespace pgpx {
namespace {

// The keywords this libpq understands, read once from PQconndefaults().
auto known_keywords() -> const std::set<std::string, std::less<>>& {
  static const std::set<std::string, std::less<>> keys = [] {
    std::set<std::string, std::less<>> out;
    PQconninfoOption* opts = PQconndefaults();
    if (opts != nullptr) {
      for (auto* o = opts; o->keyword != nullptr; ++o) out.emplace(o->keyword);
      PQconninfoFree(opts);
    }
    return out;
  }();
  return keys;
}

auto needs_quotes(std::string_view v) -> bool {
  if (v.empty()) return true;
  return std::any_of(v.begin(), v.end(),
                     [](char c) { return c == ' ' || c == '\'' || c == '\\' || c == '\t' || c == '\n'; });
}

auto is_uint(const std::string& s) -> bool {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An explanation when `value` is not valid for `key`, or an empty string.
auto invalid_value(const std::string& key, const std::string& value) -> std::string {
  const auto one_of = [&](std::initializer_list<std::string_view> allowed) {
    for (auto a : allowed)
      if (value == a) return std::string();
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return "\"" + value + "\" is not a valid " + key + " (expected one of: " + list + ")";
  };
  if (key == "port") {
    for (const auto entry : detail::split(value, ',')) {
      const std::string p{entry};
      if (p.empty()) continue;
      if (!is_uint(p) || std::stol(p) < 1 || std::stol(p) > 65535)
        return "invalid port \"" + p + "\" (expected a number from 1 to 65535)";
    }
  } else if (key == "connect_timeout" || key == "keepalives" || key == "keepalives_idle" ||
             key == "keepalives_interval" || key == "keepalives_count" || key == "tcp_user_timeout") {
    if (!is_uint(value)) return "invalid " + key + " \"" + value + "\" (expected a whole number)";
  } else if (key == "sslmode") {
    return one_of({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"});
  } else if (key == "target_session_attrs") {
    return one_of({"any", "read-write", "read-only", "primary", "standby", "prefer-standby"});
  } else if (key == "channel_binding") {
    return one_of({"disable", "prefer", "require"});
  } else if (key == "gssencmode") {
    return one_of({"disable", "prefer", "require"});
  }
  return {};
}

}  // namespace

auto is_secret_name(std::string_view name) noexcept -> bool {
  std::string n;
  n.reserve(name.size());
  for (char c : name) n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static constexpr std::string_view marks[] = {"password", "passwd",  "pwd",        "secret",      "token",
                                               "apikey",   "api_key", "credential", "private_key", "sslkey_password"};
  return std::any_of(std::begin(marks), std::end(marks),
                     [&](std::string_view m) { return n.find(m) != std::string::npos; });
}

auto redact(std::string_view text) -> std::string {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  const auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  while (i < text.size()) {
    // URL userinfo: scheme://user:secret@host -> scheme://user:********@host
    if (text.compare(i, 3, "://") == 0) {
      out += "://";
      i += 3;
      const auto at = text.find('@', i);
      const auto stop = text.find_first_of("/? \t\n'\"", i);
      if (at != std::string_view::npos && (stop == std::string_view::npos || at < stop)) {
        const auto colon = text.find(':', i);
        if (colon != std::string_view::npos && colon < at) {
          out.append(text.substr(i, colon - i + 1));
          out += redacted_marker;
          i = at;
        }
      }
      continue;
    }
    // keyword=value or keyword = value, where keyword looks like a secret.
    if (is_word(text[i]) && (i == 0 || !is_word(text[i - 1]))) {
      std::size_t j = i;
      while (j < text.size() && is_word(text[j])) ++j;
      const auto word = text.substr(i, j - i);
      std::size_t k = j;
      while (k < text.size() && text[k] == ' ') ++k;
      // SQL: PASSWORD 'literal' (CREATE/ALTER ROLE) -> PASSWORD '********'
      if (k > j && k < text.size() && text[k] == '\'' && is_secret_name(word)) {
        out.append(text.substr(i, k - i));
        out += "'";
        out += redacted_marker;
        out += "'";
        ++k;
        while (k < text.size()) {
          if (text[k] == '\'' && k + 1 < text.size() && text[k + 1] == '\'') {
            k += 2;
            continue;
          }
          if (text[k] == '\'') break;
          ++k;
        }
        i = k < text.size() ? k + 1 : k;
        continue;
      }
      if (k < text.size() && text[k] == '=' && is_secret_name(word)) {
        ++k;
        while (k < text.size() && text[k] == ' ') ++k;
        out.append(text.substr(i, k - i));
        out += redacted_marker;
        if (k < text.size() && (text[k] == '\'' || text[k] == '"')) {
          const char q = text[k++];
          while (k < text.size() && text[k] != q) {
            if (text[k] == '\\' && k + 1 < text.size()) ++k;
            ++k;
          }
          if (k < text.size()) ++k;
        } else {
          while (k < text.size() && text[k] != ' ' && text[k] != '&' && text[k] != '\n' && text[k] != '\t' &&
                 text[k] != ',' && text[k] != ';')
            ++k;
        }
        i = k;
        continue;
      }
      out.append(word);
      i = j;
      continue;
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

auto conninfo::try_parse(std::string_view text, std::string_view source) -> outcome<conninfo> {
  const std::string s(text);
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(s.c_str(), &err);
  if (opts == nullptr) {
    std::string why = err != nullptr ? err : "out of memory";
    if (err != nullptr) PQfreemem(err);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    // libpq's message may quote the input: never let a password through.
    return diagnostic{error_kind::config, "invalid connection string: " + redact(why), std::string(source)};
  }
  conninfo ci;
  for (auto* o = opts; o->keyword != nullptr; ++o)
    if (o->val != nullptr && o->val[0] != '\0') ci.params_.emplace_back(o->keyword, o->val);
  PQconninfoFree(opts);
  // libpq checks some values only when connecting; check them now so that a typo is
  // reported where it was made.
  for (const auto& [k, v] : ci.params_) {
    if (auto why = invalid_value(k, v); !why.empty())
      return diagnostic{error_kind::config, "invalid connection string: " + why, std::string(source)};
  }
  return ci;
}

auto conninfo::parse(std::string_view text, std::string_view source) -> conninfo {
  return try_parse(text, source).value();
}

auto conninfo::get(std::string_view keyword) const -> std::string {
  for (const auto& [k, v] : params_)
    if (k == keyword) return v;
  return {};
}

auto conninfo::has(std::string_view keyword) const -> bool { return !get(keyword).empty(); }

auto conninfo::set(std::string_view keyword, std::string value) -> conninfo& {
  const auto& known = known_keywords();
  if (known.find(keyword) == known.end())
    throw usage_error("unknown connection keyword \"" + std::string(keyword) + "\"");
  if (auto why = invalid_value(std::string(keyword), value); !why.empty()) throw usage_error(why);
  for (auto& [k, v] : params_) {
    if (k == keyword) {
      v = std::move(value);
      return *this;
    }
  }
  params_.emplace_back(std::string(keyword), std::move(value));
  return *this;
}

auto conninfo::erase(std::string_view keyword) -> conninfo& {
  std::erase_if(params_, [&](const auto& kv) { return kv.first == keyword; });
  return *this;
}

auto conninfo::set_default(std::string_view keyword, std::string value) -> conninfo& {
  if (!has(keyword)) set(keyword, std::move(value));
  return *this;
}

auto conninfo::to_string() const -> std::string {
  std::string out;
  for (const auto& [k, v] : params_) {
    if (!out.empty()) out.push_back(' ');
    out += k;
    out.push_back('=');
    if (needs_quotes(v)) {
      out.push_back('\'');
      for (char c : v) {
        if (c == '\'' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      out.push_back('\'');
    } else {
      out += v;
    }
  }
  return out;
}

auto conninfo::redacted() const -> std::string {
  std::string out;
  for (const auto& [k, v] : params_) {
    if (!out.empty()) out.push_back(' ');
    out += k;
    out.push_back('=');
    if (is_secret_name(k)) out += redacted_marker;
    else if (needs_quotes(v)) out += "'" + v + "'";
    else out += v;
  }
  return out.empty() ? std::string("(libpq defaults)") : out;
}

auto connect_timeout_of(const conninfo& info) -> std::optional<std::chrono::milliseconds> {
  const auto v = info.get("connect_timeout");
  if (!is_uint(v)) return std::nullopt;  // absent (set() and try_parse() refuse other values)
  const long seconds = std::stol(v);
  if (seconds <= 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

auto conninfo::target() const -> std::string {
  std::string host = get("host");
  if (host.empty()) host = get("hostaddr");
  if (host.empty()) host = "(default host)";
  std::string out = host;
  if (auto port = get("port"); !port.empty()) out += ":" + port;
  if (auto db = get("dbname"); !db.empty()) out += "/" + db;
  return out;
}

}  // namespace pgpx
