#include <pgpx/core/tls_policy.hpp>
#include <pgpx/detail/strings.hpp>

#include "tls_impl.hpp"

#include <libpq-fe.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <optional>

namespace pgpx {

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
  const bool host_local =
      h.empty() || h[0] == '/' || h[0] == '@' || h == "localhost" || h == "localhost." || is_loopback_literal(h);
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
  const auto host_list = view_get(*view, "host");
  const auto addr_list = view_get(*view, "hostaddr");
  const auto hosts = detail::split(host_list, ',');  // views of host_list
  const auto addrs = detail::split(addr_list, ',');
  std::string remote;  // the first host that is not local
  for (std::size_t i = 0; i < std::max(hosts.size(), addrs.size()) && remote.empty(); ++i) {
    const std::string h{i < hosts.size() ? hosts[i] : std::string_view()};
    const std::string a{i < addrs.size() ? addrs[i] : std::string_view()};
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
