#include <pgpx/core/conninfo.hpp>
#include <pgpx/detail/strings.hpp>

#include "tls_impl.hpp"

#include <libpq-fe.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
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
  return std::any_of(v.begin(), v.end(), [](char c) { return c == ' ' || c == '\'' || c == '\\' || c == '\t' || c == '\n'; });
}

auto split_commas(const std::string& v) -> std::vector<std::string> {
  const auto parts = detail::split(v, ',');
  return {parts.begin(), parts.end()};
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
    for (const auto& p : split_commas(value)) {
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

namespace detail {

// libpq's own view of the options a connection with `info` would use: the keywords given,
// then the service file (service= or PGSERVICE), then the PG* environment variables, then the
// compiled-in defaults. libpq has no call that returns this without connecting, but
// PQconnectStartParams folds every source in (conninfo_array_parse, fillPGconn) before it
// validates the values (connectOptions2), and a handle whose validation failed has done no
// network I/O: so an invalid target_session_attrs stops it there, and PQconninfo() of the
// failed handle is the final view. A dummy password keeps libpq from reading the password
// file for it. Returns nothing when libpq could not even parse the options (a missing
// service, say): the real connection attempt then fails with libpq's message.
auto libpq_view(const option_list& params) -> std::optional<option_list> {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [k, v] : params) {
    if (k == "target_session_attrs" || k == "password") continue;
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back("target_session_attrs");
  values.push_back("pgpx-options-probe");  // invalid on purpose: see above
  keys.push_back("password");
  values.push_back("-");
  keys.push_back(nullptr);
  values.push_back(nullptr);
  const std::unique_ptr<PGconn, decltype(&PQfinish)> probe(PQconnectStartParams(keys.data(), values.data(), 0),
                                                           &PQfinish);
  if (probe == nullptr) return std::nullopt;
  option_list out;
  PQconninfoOption* opts = PQconninfo(probe.get());
  if (opts == nullptr) return std::nullopt;
  for (auto* o = opts; o->keyword != nullptr; ++o)
    if (o->val != nullptr && o->val[0] != '\0') out.emplace_back(o->keyword, o->val);
  PQconninfoFree(opts);
  // sslmode always has a value (the compiled default at least) once the sources were read.
  if (std::none_of(out.begin(), out.end(), [](const auto& kv) { return kv.first == "sslmode"; })) return std::nullopt;
  return out;
}

}  // namespace detail

namespace {

auto view_get(const std::vector<std::pair<std::string, std::string>>& view, std::string_view key) -> std::string {
  for (const auto& [k, v] : view)
    if (k == key) return v;
  return {};
}

// The order of strength of libpq's sslmode values; -1 for an unknown one.
auto sslmode_rank(std::string_view mode) -> int {
  constexpr std::string_view order[] = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
  for (int i = 0; i < 6; ++i)
    if (order[i] == mode) return i;
  return -1;
}

// A literal loopback address: 127.0.0.0/8, ::1, or ::ffff:127.x.y.z. Not a name, even one
// that starts with "127.".
auto is_loopback_literal(const std::string& h) -> bool {
  in_addr a4{};
  if (::inet_pton(AF_INET, h.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  in6_addr a6{};
  if (::inet_pton(AF_INET6, h.c_str(), &a6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
  return false;
}

// One entry of the host list is local when every name it involves is: the host (a Unix
// socket directory, libpq's default socket, localhost, or a loopback literal) and, when
// given, the address connected to (a loopback literal). `host=db.example hostaddr=127.0.0.1`
// (a tunnel) is not local: the certificate is checked against db.example.
auto is_local_entry(const std::string& host, const std::string& hostaddr) -> bool {
  std::string h;
  for (char c : host) h.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const bool host_local = h.empty() || h[0] == '/' || h[0] == '@' || h == "localhost" || h == "localhost." ||
                          is_loopback_literal(h);
  return host_local && (hostaddr.empty() || is_loopback_literal(hostaddr));
}

// True when some source (keyword, environment, service file) chose the sslmode, false when
// libpq would use its compiled-in default. "prefer" is both the default and a possible
// choice: it counts as chosen only when a keyword or PGSSLMODE/PGREQUIRESSL says so.
auto sslmode_chosen(const conninfo& info, const std::string& effective) -> bool {
  if (info.has("sslmode")) return true;
  for (const char* var : {"PGSSLMODE", "PGREQUIRESSL"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && v[0] != '\0') return true;
  }
  return effective != "prefer";
}

}  // namespace

auto apply_tls_policy(conninfo& info) -> std::vector<std::string> {
  std::vector<std::string> warnings;
  const auto view = detail::libpq_view(info.params());
  if (!view) return warnings;  // libpq cannot read the options: connecting reports why
  const auto hosts = split_commas(view_get(*view, "host"));
  const auto addrs = split_commas(view_get(*view, "hostaddr"));
  std::string remote;  // the first host that is not local
  for (std::size_t i = 0; i < std::max(hosts.size(), addrs.size()) && remote.empty(); ++i) {
    const auto& h = i < hosts.size() ? hosts[i] : std::string();
    const auto& a = i < addrs.size() ? addrs[i] : std::string();
    if (!is_local_entry(h, a)) remote = h.empty() ? a : (a.empty() ? h : h + " (" + a + ")");
  }
  if (remote.empty()) return warnings;
  const auto mode = view_get(*view, "sslmode");
  if (sslmode_rank(mode) >= sslmode_rank("verify-full")) return warnings;
  // Only ever raise: a mode libpq would take from any source (keyword, PGSSLMODE, a service
  // file) is kept when it is at least require, and only the compiled-in default is replaced.
  if (sslmode_rank(mode) < sslmode_rank("require") && !sslmode_chosen(info, mode)) {
    info.set("sslmode", "require");
    warnings.push_back("pgpx: " + remote +
                       " is not a local host: using sslmode=require; set sslmode=verify-full with sslrootcert to "
                       "also check the server's identity");
  } else {
    warnings.push_back("pgpx: sslmode=" + mode + " for " + remote +
                       ", which is not a local host, does not verify the server's identity; use verify-full with "
                       "sslrootcert");
  }
  return warnings;
}

}  // namespace pgpx
