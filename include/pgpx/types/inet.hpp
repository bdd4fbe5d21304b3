// pgpx/types/inet.hpp: pgpx::inet, an IPv4 or IPv6 host or network (inet and cidr).
//
//   auto host = pgpx::inet::parse("192.168.1.5/24");      // inet: host address with netmask
//   auto net = pgpx::inet::parse_cidr("2001:db8::/32");    // cidr: a network
//   cx.query<row>("select * from hosts where addr << $1", net);
//   host.to_string();                                      // "192.168.1.5/24"
//
// | C++        | sent as                            | decoded from |
// |------------|------------------------------------|--------------|
// | pgpx::inet | inet, binary (cidr flag when is_cidr) | inet, cidr |
//
// A codec's parameter type is fixed at compile time, so cidr values are sent as inet with
// the cidr flag set. PostgreSQL casts inet to cidr on assignment (an insert into a cidr
// column works); where the server must see a cidr, write `$1::cidr`.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/types/codec.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pgpx {

/// The address family of an inet value.
enum class ip_family : std::uint8_t {
  v4,  ///< IPv4: 4 address bytes, prefixes up to 32
  v6,  ///< IPv6: 16 address bytes, prefixes up to 128
};

/**
 * An IP address with a prefix length: PostgreSQL's inet (a host, optionally with its
 * netmask) or cidr (a network, no bits set after the prefix).
 *
 * For IPv4 only the first 4 bytes of `address` are used; the others must be zero, as
 * parse() and decoding leave them, so that operator== compares values.
 */
struct PGPX_API inet {
  ip_family family = ip_family::v4;        ///< IPv4 or IPv6
  std::uint8_t prefix_length = 32;         ///< netmask length in bits
  std::array<std::uint8_t, 16> address{};  ///< the address in network order
  bool is_cidr = false;                    ///< true for a cidr (network) value

  /// Parses inet input as PostgreSQL does: "192.168.1.5", "10.1.2.3/8", "::1",
  /// "::ffff:1.2.3.4/120", "2001:DB8::1/64", and IPv4 with trailing octets left out when
  /// the prefix length does not reach them ("10.1/16"). Throws conversion_error, quoting
  /// the text.
  [[nodiscard]] static auto parse(std::string_view text) -> inet;

  /// Parses cidr input: an address with an optional prefix length and no bits set past it.
  /// IPv4 networks may be abbreviated ("10/8", "192.168/16"); without a prefix length the
  /// length follows PostgreSQL's classful rule ("10" is 10.0.0.0/8, "10.1.2.3" is /32).
  /// Throws conversion_error, quoting the text.
  [[nodiscard]] static auto parse_cidr(std::string_view text) -> inet;

  /// PostgreSQL's output form: inet omits the prefix when it is the full length
  /// ("10.0.0.1", "::1", "10.0.0.1/8"); cidr always prints it ("10.0.0.0/8"). IPv6 is
  /// printed like PostgreSQL: lowercase, the longest run of zero groups as "::", and
  /// ::a.b.c.d / ::ffff:a.b.c.d with a dotted IPv4 tail.
  [[nodiscard]] auto to_string() const -> std::string;

  /// 32 for IPv4, 128 for IPv6.
  [[nodiscard]] auto max_prefix_length() const noexcept -> std::uint8_t { return family == ip_family::v4 ? 32 : 128; }
  /// 4 for IPv4, 16 for IPv6: the number of bytes of `address` in use.
  [[nodiscard]] auto address_size() const noexcept -> std::size_t { return family == ip_family::v4 ? 4 : 16; }

  /// Field-wise equality.
  friend auto operator==(const inet&, const inet&) noexcept -> bool = default;
};

namespace detail {
/// Appends inet's binary wire form; throws conversion_error for an invalid prefix length
/// or a cidr value with bits set past its prefix.
PGPX_API void encode_inet(const inet& v, std::string& out);
/// Builds an inet from the binary form of an inet or cidr value (`cidr` says which);
/// throws conversion_error on malformed input.
[[nodiscard]] PGPX_API auto decode_inet(std::string_view in, bool cidr) -> inet;
}  // namespace detail

/// pgpx::inet <-> inet and cidr, in binary.
template <>
struct codec<inet> {
  static constexpr std::string_view name = "pgpx::inet";
  static constexpr oid param_oid = oids::inet;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::inet || t == oids::cidr; }
  static void encode(const inet& v, std::string& out) { detail::encode_inet(v, out); }
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> inet {
    return detail::decode_inet(in, t == oids::cidr);
  }
  static void to_text(const inet& v, std::string& out) { out += v.to_string(); }
};

}  // namespace pgpx
