// pgpx/types/multirange.hpp: pgpx::multirange<T> <-> PostgreSQL's built-in multirange types
// (PostgreSQL 14 and later).
//
//   pgpx::multirange<std::int32_t> free{{pgpx::range<std::int32_t>::closed_open(1, 3),
//                                        pgpx::range<std::int32_t>::closed_open(5, 7)}};   // {[1,3),[5,7)}
//   auto m = cx.query_value<pgpx::multirange<std::int32_t>>("select range_agg(seats) from bookings");
//
// | C++                            | PostgreSQL      |
// |--------------------------------|-----------------|
// | multirange<std::int32_t>       | int4multirange  |
// | multirange<std::int64_t>       | int8multirange  |
// | multirange<pgpx::numeric>      | nummultirange   |
// | multirange<pgpx::timestamp>    | tsmultirange    |
// | multirange<pgpx::timestamptz>  | tstzmultirange  |
// | multirange<pgpx::date>         | datemultirange  |
//
// The server keeps a multirange's ranges sorted, non-empty and merged where they overlap or
// touch: {[1,3),[2,5)} comes back as {[1,5)}. A multirange<T> reads any built-in multirange
// whose element type T's codec reads, as range<T> does for ranges.
#pragma once

#include <pgpx/detail/endian.hpp>
#include <pgpx/types/codec.hpp>
#include <pgpx/types/oid.hpp>
#include <pgpx/types/range.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pgpx {

/// A set of non-overlapping ranges of T, as PostgreSQL's multirange types hold them. The
/// empty multirange has no ranges.
template <class T>
struct multirange {
  std::vector<range<T>> ranges;  ///< the ranges, in order (as the server returns them)

  /// Equal when the ranges are equal one by one (no normalisation: {[1,3),[3,5)} and
  /// {[1,5)} differ here, the server merges them).
  [[nodiscard]] friend auto operator==(const multirange& a, const multirange& b) -> bool
    requires std::equality_comparable<T>
  {
    return a.ranges == b.ranges;
  }
};

namespace detail {

/// The built-in multirange type of a built-in range type, or 0.
[[nodiscard]] constexpr auto multirange_type_of(oid range_type) noexcept -> oid {
  switch (range_type) {
    case oids::int4range: return oids::int4multirange;
    case oids::int8range: return oids::int8multirange;
    case oids::numrange: return oids::nummultirange;
    case oids::tsrange: return oids::tsmultirange;
    case oids::tstzrange: return oids::tstzmultirange;
    case oids::daterange: return oids::datemultirange;
    default: return 0;
  }
}
/// The range type of a built-in multirange type, or 0.
[[nodiscard]] constexpr auto multirange_range_of(oid multirange_type) noexcept -> oid {
  switch (multirange_type) {
    case oids::int4multirange: return oids::int4range;
    case oids::int8multirange: return oids::int8range;
    case oids::nummultirange: return oids::numrange;
    case oids::tsmultirange: return oids::tsrange;
    case oids::tstzmultirange: return oids::tstzrange;
    case oids::datemultirange: return oids::daterange;
    default: return 0;
  }
}

}  // namespace detail

/// The PostgreSQL multirange type of multirange<T>: the one over range_oid_of<T>, or 0 (then
/// multirange<T> has no codec). Specialise it for other types.
template <class T>
inline constexpr oid multirange_oid_of = detail::multirange_type_of(range_oid_of<T>);

/// pgpx::multirange<T> <-> the multirange type multirange_oid_of<T> (int4multirange for
/// std::int32_t...). Binary: the count, then each range length-prefixed (multirange_send).
template <class T>
struct codec<multirange<T>, std::enable_if_t<has_codec<T> && multirange_oid_of<T> != 0>> {
 private:
  using range_impl = detail::range_codec<T>;

 public:
  static constexpr std::string_view name =
      detail::static_concat<detail::literal_part<"pgpx::multirange<">, detail::codec_name_part<T>,
                            detail::literal_part<">">>::value;
  static constexpr oid param_oid = multirange_oid_of<T>;
  /// Binary when the element travels in binary; otherwise the literal ("{[1,3),[5,7)}").
  static constexpr format param_format = codec<T>::param_format;

  /// True for multirange_oid_of<T> and for built-in multiranges whose ranges range<T> reads.
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool {
    if (t == param_oid) return true;
    const oid r = detail::multirange_range_of(t);
    return r != 0 && range_impl::accepts(r);
  }
  /// Appends the binary multirange (or its literal, see param_format).
  static void encode(const multirange<T>& v, std::string& out) {
    if constexpr (param_format == format::binary) {
      if (v.ranges.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw usage_error("a multirange has more than 2^31-1 ranges");
      detail::store_be<std::int32_t>(out, static_cast<std::int32_t>(v.ranges.size()));
      for (const auto& r : v.ranges) {
        const std::size_t at = out.size();
        detail::store_be<std::int32_t>(out, 0);
        range_impl::encode_binary(r, out);
        detail::patch_be32(out, at, static_cast<std::int32_t>(out.size() - at - 4));
      }
    } else {
      to_text(v, out);
    }
  }
  /// Reads a binary multirange (multirange_send format).
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> multirange<T> {
    detail::reader r(in, "multirange");
    const auto count = r.read<std::int32_t>();
    if (count < 0) r.fail("a negative range count");
    oid range_type = detail::multirange_range_of(t);
    if (range_type == 0) range_type = range_oid_of<T>;
    multirange<T> v;
    v.ranges.reserve(static_cast<std::size_t>(std::min<std::int32_t>(count, 1024)));
    for (std::int32_t i = 0; i < count; ++i) {
      const auto len = r.read<std::int32_t>();
      if (len < 0) r.fail("a range has a negative length");
      v.ranges.push_back(range_impl::decode(r.bytes(static_cast<std::size_t>(len)), range_type));
    }
    r.expect_end();
    return v;
  }
  /// Appends the multirange literal: "{}", "{[1,3),[5,7)}".
  static void to_text(const multirange<T>& v, std::string& out) {
    out.push_back('{');
    for (std::size_t i = 0; i < v.ranges.size(); ++i) {
      if (i > 0) out.push_back(',');
      range_impl::text_literal(v.ranges[i], out);
    }
    out.push_back('}');
  }
};

}  // namespace pgpx
