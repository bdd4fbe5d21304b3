#include <pgpx/types/inet.hpp>

#include <pgpx/detail/endian.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx {
namespace {

// The address family bytes of the binary form (PGSQL_AF_INET and PGSQL_AF_INET6).
constexpr std::uint8_t pgsql_af_inet = 2;
constexpr std::uint8_t pgsql_af_inet6 = 3;

using bytes16 = std::array<std::uint8_t, 16>;

[[noreturn]] void bad_text(std::string_view type, std::string_view text, std::string_view why = {}) {
  constexpr std::size_t shown_max = 80;
  std::string shown = text.size() > shown_max ? std::string(text.substr(0, shown_max)) + "..." : std::string(text);
  std::string msg = "invalid " + std::string(type) + " value \"" + shown + "\"";
  if (!why.empty()) msg += ": " + std::string(why);
  throw conversion_error(std::move(msg));
}

[[nodiscard]] auto is_digit(char c) noexcept -> bool { return c >= '0' && c <= '9'; }

[[nodiscard]] auto hex_value(char c) noexcept -> int {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A decimal number of at most `max_digits` digits (0 = unbounded) not above `max`.
[[nodiscard]] auto parse_decimal(std::string_view s, unsigned max, std::size_t max_digits) -> std::optional<unsigned> {
  if (s.empty() || (max_digits != 0 && s.size() > max_digits)) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > max) return std::nullopt;
  }
  return v;
}

[[nodiscard]] auto split(std::string_view s, char sep) -> std::vector<std::string_view> {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

// Dotted decimal IPv4 with between min_octets and 4 octets; the rest stay zero.
// Returns the number of octets read, or 0 when malformed.
[[nodiscard]] auto parse_ipv4(std::string_view s, std::uint8_t* out, std::size_t min_octets) -> std::size_t {
  const auto parts = split(s, '.');
  if (parts.size() < min_octets || parts.size() > 4) return 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto v = parse_decimal(parts[i], 255, 0);
    if (!v) return 0;
    out[i] = static_cast<std::uint8_t>(*v);
  }
  return parts.size();
}

// Colon-separated hex groups, the last of which may be a dotted IPv4 address when
// `allow_ipv4_tail` is set. Appends 16-bit groups to `groups`.
[[nodiscard]] auto parse_ipv6_groups(std::string_view s, bool allow_ipv4_tail, std::vector<std::uint16_t>& groups)
    -> bool {
  if (s.empty()) return true;
  const auto parts = split(s, ':');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view p = parts[i];
    if (i + 1 == parts.size() && allow_ipv4_tail && p.find('.') != std::string_view::npos) {
      std::uint8_t v4[4] = {};
      if (parse_ipv4(p, v4, 4) != 4) return false;
      groups.push_back(static_cast<std::uint16_t>(v4[0] << 8 | v4[1]));
      groups.push_back(static_cast<std::uint16_t>(v4[2] << 8 | v4[3]));
      return true;
    }
    if (p.empty() || p.size() > 4) return false;
    unsigned v = 0;
    for (char c : p) {
      const int h = hex_value(c);
      if (h < 0) return false;
      v = v * 16 + static_cast<unsigned>(h);
    }
    groups.push_back(static_cast<std::uint16_t>(v));
  }
  return true;
}

[[nodiscard]] auto parse_ipv6(std::string_view s, bytes16& out) -> bool {
  std::vector<std::uint16_t> head;
  std::vector<std::uint16_t> tail;
  const auto gap = s.find("::");
  if (gap == std::string_view::npos) {
    if (!parse_ipv6_groups(s, true, head) || head.size() != 8) return false;
  } else {
    // "::" stands for at least one zero group; a second "::" leaves an empty group in the
    // tail and fails there.
    if (!parse_ipv6_groups(s.substr(0, gap), false, head) || !parse_ipv6_groups(s.substr(gap + 2), true, tail) ||
        head.size() + tail.size() > 7)
      return false;
  }
  out = {};
  for (std::size_t i = 0; i < head.size(); ++i) {
    out[2 * i] = static_cast<std::uint8_t>(head[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(head[i] & 0xFF);
  }
  const std::size_t tail_start = 8 - tail.size();
  for (std::size_t i = 0; i < tail.size(); ++i) {
    out[2 * (tail_start + i)] = static_cast<std::uint8_t>(tail[i] >> 8);
    out[2 * (tail_start + i) + 1] = static_cast<std::uint8_t>(tail[i] & 0xFF);
  }
  return true;
}

// True when no bit after the first `bits` bits of the address is set.
[[nodiscard]] auto host_bits_clear(const inet& v) noexcept -> bool {
  const std::size_t n = v.address_size();
  for (std::size_t i = 0; i < n; ++i) {
    const int first_host_bit = static_cast<int>(v.prefix_length) - static_cast<int>(i * 8);
    std::uint8_t mask = 0;
    if (first_host_bit <= 0) mask = 0xFF;
    else if (first_host_bit < 8) mask = static_cast<std::uint8_t>(0xFF >> first_host_bit);
    if ((v.address[i] & mask) != 0) return false;
  }
  return true;
}

// The address and prefix of inet or cidr text. IPv4 addresses may leave out trailing zero
// octets when a prefix length follows (and, for cidr, even without one).
[[nodiscard]] auto parse_text(std::string_view text, bool cidr) -> inet {
  const std::string_view type = cidr ? "cidr" : "inet";
  inet v;
  v.is_cidr = cidr;
  const auto slash = text.find('/');
  const std::string_view addr = text.substr(0, slash);
  const std::optional<std::string_view> bits =
      slash == std::string_view::npos ? std::nullopt : std::optional<std::string_view>(text.substr(slash + 1));
  if (addr.find(':') != std::string_view::npos) {
    v.family = ip_family::v6;
    if (!parse_ipv6(addr, v.address)) bad_text(type, text);
    v.prefix_length = 128;
    if (bits) {
      const auto b = parse_decimal(*bits, 128, 3);
      if (!b) bad_text(type, text);
      v.prefix_length = static_cast<std::uint8_t>(*b);
    }
  } else {
    v.family = ip_family::v4;
    const std::size_t octets = parse_ipv4(addr, v.address.data(), 1);
    if (octets == 0) bad_text(type, text);
    if (bits) {
      const auto b = parse_decimal(*bits, 32, 0);
      // inet_in lets octets be left out only when the prefix length does not reach them.
      if (!b || (!cidr && *b / 8 > octets)) bad_text(type, text);
      v.prefix_length = static_cast<std::uint8_t>(*b);
    } else if (!cidr) {
      if (octets != 4) bad_text(type, text);
    } else {
      // cidr_in's classful default for a network given without a length, widened to
      // cover every octet written.
      const std::uint8_t first = v.address[0];
      unsigned b = first >= 240 ? 32 : first >= 224 ? 8 : first >= 192 ? 24 : first >= 128 ? 16 : 8;
      if (b < octets * 8) b = static_cast<unsigned>(octets * 8);
      if (b == 8 && first == 224) b = 4;
      v.prefix_length = static_cast<std::uint8_t>(b);
    }
  }
  if (cidr && !host_bits_clear(v)) bad_text(type, text, "bits are set to the right of the mask");
  return v;
}

void append_ipv4(std::string& out, const std::uint8_t* b) {
  for (int i = 0; i < 4; ++i) {
    if (i != 0) out.push_back('.');
    out += std::to_string(b[i]);
  }
}

void append_ipv6(std::string& out, const bytes16& b) {
  std::array<unsigned, 8> words{};
  for (std::size_t i = 0; i < 8; ++i) words[i] = static_cast<unsigned>(b[2 * i] << 8 | b[2 * i + 1]);
  // The longest run of zero words (the first of equal runs), if at least two long.
  int best_base = -1;
  int best_len = 0;
  for (int i = 0; i < 8;) {
    if (words[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > best_len) {
      best_base = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_base = -1;

  for (int i = 0; i < 8; ++i) {
    if (best_base != -1 && i >= best_base && i < best_base + best_len) {
      if (i == best_base) out.push_back(':');
      continue;
    }
    if (i != 0) out.push_back(':');
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses end in a
    // dotted quad, as PostgreSQL prints them.
    if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xFFFF))) {
      append_ipv4(out, b.data() + 12);
      break;
    }
    char buf[8];
    const int n = std::snprintf(buf, sizeof buf, "%x", words[static_cast<std::size_t>(i)]);
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (best_base != -1 && best_base + best_len == 8) out.push_back(':');
}

}  // namespace

auto inet::parse(std::string_view text) -> inet { return parse_text(text, false); }

auto inet::parse_cidr(std::string_view text) -> inet { return parse_text(text, true); }

auto inet::to_string() const -> std::string {
  std::string out;
  if (family == ip_family::v4) append_ipv4(out, address.data());
  else append_ipv6(out, address);
  if (is_cidr || prefix_length != max_prefix_length()) {
    out.push_back('/');
    out += std::to_string(prefix_length);
  }
  return out;
}

namespace detail {

void encode_inet(const inet& v, std::string& out) {
  if (v.prefix_length > v.max_prefix_length())
    throw conversion_error("invalid inet value: prefix length " + std::to_string(v.prefix_length) +
                           " is longer than the address");
  if (v.is_cidr && !host_bits_clear(v))
    throw conversion_error("invalid cidr value " + v.to_string() + ": bits are set to the right of the mask");
  const auto size = v.address_size();
  out.push_back(static_cast<char>(v.family == ip_family::v4 ? pgsql_af_inet : pgsql_af_inet6));
  out.push_back(static_cast<char>(v.prefix_length));
  out.push_back(v.is_cidr ? '\1' : '\0');
  out.push_back(static_cast<char>(size));
  out.append(reinterpret_cast<const char*>(v.address.data()), size);
}

auto decode_inet(std::string_view in, bool cidr) -> inet {
  reader r(in, cidr ? "cidr" : "inet");
  inet v;
  const auto family = r.read<std::uint8_t>();
  if (family == pgsql_af_inet) v.family = ip_family::v4;
  else if (family == pgsql_af_inet6) v.family = ip_family::v6;
  else r.fail("invalid address family");
  v.prefix_length = r.read<std::uint8_t>();
  if (v.prefix_length > v.max_prefix_length()) r.fail("invalid prefix length");
  const auto flag = r.read<std::uint8_t>();
  if (flag > 1) r.fail("invalid cidr flag");
  const auto size = r.read<std::uint8_t>();
  if (size != v.address_size()) r.fail("address length does not match the family");
  const auto bytes = r.bytes(size);
  r.expect_end();
  for (std::size_t i = 0; i < size; ++i) v.address[i] = static_cast<std::uint8_t>(bytes[i]);
  // The type decides, as in network_recv: the flag byte is informational.
  v.is_cidr = cidr;
  if (cidr && !host_bits_clear(v)) r.fail("bits are set to the right of the mask");
  return v;
}

}  // namespace detail
}  // namespace pgpx
