// Codecs by name for the tests (pgpx/types/by_name.hpp): contrib's hstore in binary, a type
// no database has, a domain over int4, named enums and a composite with a named member.
#pragma once

#include <pgpx/types.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace kv {
/// hstore in C++: keys to optional values (hstore allows NULL values).
struct hstore {
  std::map<std::string, std::optional<std::string>> m;
  auto operator==(const hstore&) const -> bool = default;
};
/// A type no test database has.
struct missing_t {
  std::int32_t v = 0;
};
/// A domain over int4 with a check, named so that the server checks it on parameters.
struct positive {
  std::int32_t v = 0;
  auto operator==(const positive&) const -> bool = default;
};
enum class mood { sad, ok, happy };
enum class colour { red, green };
struct labelled {  // a composite with a named enum member
  std::string name;
  mood m;
  auto operator==(const labelled&) const -> bool = default;
};
}  // namespace kv

template <>
inline constexpr std::string_view pgpx::enum_type<kv::mood> = "mood";
template <>
inline constexpr std::string_view pgpx::enum_type<kv::colour> = "colour";
template <>
inline constexpr bool pgpx::is_composite<kv::labelled> = true;

namespace kv::detail {
inline void put_be32(std::string& out, std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((u >> s) & 0xffU));
}
inline auto get_be32(std::string_view in, std::size_t& at) -> std::int32_t {
  if (in.size() - at < 4) throw pgpx::conversion_error("hstore: truncated");
  std::uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  at += 4;
  return static_cast<std::int32_t>(u);
}
inline auto get_bytes(std::string_view in, std::size_t& at, std::int32_t n) -> std::string {
  if (n < 0 || in.size() - at < static_cast<std::size_t>(n)) throw pgpx::conversion_error("hstore: truncated");
  std::string s(in.substr(at, static_cast<std::size_t>(n)));
  at += static_cast<std::size_t>(n);
  return s;
}
}  // namespace kv::detail

/// hstore_send / hstore_recv: a count, then per pair the key and the value (length -1: NULL).
template <>
struct pgpx::codec<kv::hstore> : pgpx::codec_by_name<kv::hstore> {
  static constexpr std::string_view name = "kv::hstore";
  static constexpr std::string_view pg_type = "hstore";
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const kv::hstore& h, std::string& out) {
    kv::detail::put_be32(out, static_cast<std::int32_t>(h.m.size()));
    for (const auto& [k, v] : h.m) {
      kv::detail::put_be32(out, static_cast<std::int32_t>(k.size()));
      out += k;
      if (!v) {
        kv::detail::put_be32(out, -1);
      } else {
        kv::detail::put_be32(out, static_cast<std::int32_t>(v->size()));
        out += *v;
      }
    }
  }
  static auto decode(std::string_view in, pgpx::oid) -> kv::hstore {
    std::size_t at = 0;
    kv::hstore h;
    const std::int32_t n = kv::detail::get_be32(in, at);
    for (std::int32_t i = 0; i < n; ++i) {
      std::string k = kv::detail::get_bytes(in, at, kv::detail::get_be32(in, at));
      const std::int32_t vl = kv::detail::get_be32(in, at);
      h.m[std::move(k)] = vl < 0 ? std::nullopt : std::optional<std::string>(kv::detail::get_bytes(in, at, vl));
    }
    if (at != in.size()) throw pgpx::conversion_error("hstore: trailing bytes");
    return h;
  }
  static void to_text(const kv::hstore& h, std::string& out) {
    bool first = true;
    for (const auto& [k, v] : h.m) {
      if (!first) out += ", ";
      first = false;
      out += '"' + k + "\"=>";  // the tests' keys and values need no escaping
      out += v ? '"' + *v + '"' : std::string("NULL");
    }
  }
};

namespace kv::detail {
/// A named type whose binary form is an int4 (kv::missing_t, kv::positive): a value member `v`.
template <class T>
struct int4_by_name : pgpx::codec_by_name<T> {
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const T& x, std::string& out) { put_be32(out, x.v); }
  static auto decode(std::string_view in, pgpx::oid) -> T {
    if (in.size() != 4) throw pgpx::conversion_error(std::string(pgpx::codec<T>::name) + ": 4 bytes expected");
    std::size_t at = 0;
    return {get_be32(in, at)};
  }
  static void to_text(const T& x, std::string& out) { out += std::to_string(x.v); }
};
}  // namespace kv::detail

template <>
struct pgpx::codec<kv::missing_t> : kv::detail::int4_by_name<kv::missing_t> {
  static constexpr std::string_view name = "kv::missing_t";
  static constexpr std::string_view pg_type = "no_such_type_here";
};

template <>
struct pgpx::codec<kv::positive> : kv::detail::int4_by_name<kv::positive> {
  static constexpr std::string_view name = "kv::positive";
  static constexpr std::string_view pg_type = "positive";
};
