// pgpx/types/convert.hpp: the one set of range checks every write path applies.
//
// A value pgpx writes must be one the target PostgreSQL type can hold: pgpx never lets a
// C++ conversion wrap, saturate or become Infinity on the way. Parameters (param_list),
// binary COPY (copy_in), batches, array elements, composite members and range bounds all
// encode through these functions, so each refuses the same values with the same
// conversion_error; the caller adds where the value was (parameter $2, row 3 member "id",
// array element [4]...).
//
//   detail::checked_integer<std::int16_t>(std::int64_t{40000});   // conversion_error: out of range for int2
//   detail::checked_integer<std::int64_t>(~std::uint64_t{0});     // conversion_error: out of range for int8
//   detail::checked_float4(1e300);                                // conversion_error: overflow (not Infinity)
//   detail::checked_float4(std::numeric_limits<double>::infinity());  // Infinity: a real infinity is kept
//   detail::check_text("a\0b"sv);                                 // conversion_error: NUL byte at offset 1
//   detail::check_text("\xff"sv);                                 // conversion_error: not valid UTF-8
//
// The rules are the server's own casts: int8 -> int2/int4 and float8 -> float4 (PostgreSQL
// 15's dtof refuses both overflow and underflow to zero), text that is NUL-free and valid in
// the client encoding (pgpx connects with client_encoding UTF8). Dates, timestamps and
// intervals are checked by their codecs (pgpx/types/chrono.hpp: date_to_pg,
// time_point_to_pg), numeric by its constructor (pgpx/types/numeric.hpp).
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/export.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pgpx::detail {

/// The PostgreSQL name of the integer type with the size of To ("int2", "int4", "int8").
template <class To>
[[nodiscard]] constexpr auto pg_integer_name() noexcept -> std::string_view {
  if constexpr (sizeof(To) <= 2) return "int2";
  else if constexpr (sizeof(To) <= 4) return "int4";
  else return "int8";
}

/// Throws the conversion_error for an integer `value` that `target` cannot hold.
[[noreturn]] PGPX_API void throw_integer_out_of_range(std::string_view value, std::string_view target);
/// Throws the conversion_error for a finite `value` that float4 cannot hold.
[[noreturn]] PGPX_API void throw_float4_out_of_range(double value, bool overflow);

/// `v` as the integer type To (std::int16_t/int32_t/int64_t for int2/int4/int8); throws
/// conversion_error when To cannot hold it (never wraps: 2^64-1 is not -1).
template <class To, class From>
[[nodiscard]] constexpr auto checked_integer(From v) -> To {
  static_assert(std::is_integral_v<To> && std::is_integral_v<From>);
  // Through the widest integer of From's signedness: std::in_range takes no bool or char types.
  using wide = std::conditional_t<std::is_signed_v<From>, long long, unsigned long long>;
  const auto w = static_cast<wide>(v);
  if constexpr (!std::in_range<To>(static_cast<wide>(std::numeric_limits<From>::min())) ||
                !std::in_range<To>(static_cast<wide>(std::numeric_limits<From>::max()))) {
    if (!std::in_range<To>(w)) throw_integer_out_of_range(std::to_string(w), pg_integer_name<To>());
  }
  return static_cast<To>(v);
}

/// `v` as a float4 value, as PostgreSQL's float8 -> float4 cast does it: rounded to the
/// nearest float; NaN and the infinities are kept; a finite value that would become
/// Infinity (overflow) or 0 (underflow) throws conversion_error.
template <class From>
[[nodiscard]] inline auto checked_float4(From v) -> float {
  static_assert(std::is_floating_point_v<From>);
  if constexpr (sizeof(From) <= sizeof(float)) {
    return static_cast<float>(v);
  } else {
    const auto d = static_cast<double>(v);
    if (std::isnan(d) || std::isinf(d)) return static_cast<float>(d);
    // Values from 2^128 - 2^103 on round to Infinity (half an ulp above FLT_MAX); the
    // comparison comes first because converting such a double to float is undefined in C++.
    constexpr double overflow_at = 340282356779733661637539395458142568448.0;  // 2^128 - 2^103
    if (std::fabs(d) >= overflow_at) throw_float4_out_of_range(d, true);
    const auto f = static_cast<float>(d);
    if (f == 0.0F && d != 0.0) throw_float4_out_of_range(d, false);
    return f;
  }
}

/// The byte offset of the first byte that makes `s` invalid UTF-8 (RFC 3629: no overlong
/// forms, no surrogates, nothing above U+10FFFF; PostgreSQL's own rule), or npos.
[[nodiscard]] PGPX_API auto invalid_utf8_at(std::string_view s) noexcept -> std::size_t;

/// The slow path of check_text(): any byte that is not printable-range ASCII.
PGPX_API void check_text_bytes(std::string_view s, bool utf8);

/// Throws conversion_error when `s` cannot be PostgreSQL text: it contains a NUL byte, or
/// (with `utf8`) it is not valid UTF-8. The message gives the byte offset, never the text.
/// Inline fast path: ASCII without NUL, eight bytes at a time (the common case on COPY and
/// parameter hot paths).
inline void check_text(std::string_view s, bool utf8 = true) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, 8);
    // A byte >= 0x80, or a zero byte ((w - ones) & ~w & highs is nonzero exactly then).
    if (((w | ((w - ones) & ~w)) & highs) != 0) return check_text_bytes(s, utf8);
  }
  for (; i < n; ++i)
    if (p[i] == 0 || p[i] >= 0x80) return check_text_bytes(s, utf8);
}

/// Throws conversion_error(`where` + ": " + e's message), keeping e's fields: the one way
/// a write path says where a refused value was ("parameter $2", "array element [3]").
[[noreturn]] PGPX_API void rethrow_at(std::string_view where, const conversion_error& e);

}  // namespace pgpx::detail
