#include <pgpx/core/conninfo.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <set>

namespace pgpx {
namespace {

auto lower(std::string_view s) -> std::string {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

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
  return std::any_of(v.begin(), v.end(), [](char c) { return c == ' ' || c == '\'' || c == '\\' || c == '\t' || c == '\n'; });
}

}  // namespace

auto is_secret_name(std::string_view name) noexcept -> bool {
  std::string n;
  n.reserve(name.size());
  for (char c : name) n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static constexpr std::string_view marks[] = {"password", "passwd", "pwd", "secret", "token", "apikey", "api_key",
                                               "credential", "private_key", "sslkey_password"};
  return std::any_of(std::begin(marks), std::end(marks), [&](std::string_view m) { return n.find(m) != std::string::npos; });
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
