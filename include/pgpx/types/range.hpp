// pgpx/types/range.hpp: pgpx::range<T> <-> PostgreSQL's built-in range types.
//
//   auto r = pgpx::range<std::int32_t>::closed_open(1, 5);           // [1,5)
//   cx.execute("insert into bookings(during) values ($1)", pgpx::range<pgpx::timestamptz>::at_least(now));
//   auto span = cx.query_value<pgpx::range<std::int64_t>>("select int8range(10, null)");   // [10,)
//
// | C++                          | PostgreSQL |
// |------------------------------|------------|
// | range<std::int32_t>          | int4range  |
// | range<std::int64_t>          | int8range  |
// | range<pgpx::numeric>         | numrange   |
// | range<pgpx::timestamp>       | tsrange    |
// | range<pgpx::timestamptz>     | tstzrange  |
// | range<pgpx::date>            | daterange  |
//
// The range type follows from the OID the element's codec sends (pgpx::range_oid_of<T>;
// specialise it for other element types). A range<T> also reads any built-in range whose
// element type T's codec reads (range<std::int64_t> reads int4range too).
//
// PostgreSQL normalises ranges of discrete types (int4range, int8range, daterange) to the
// [lower,upper) form: range<int>::closed(1, 5) comes back as [1,6). An unbounded side is an
// empty std::optional; its inclusive flag is meaningless and decodes as false.
#pragma once

#include <pgpx/detail/endian.hpp>
#include <pgpx/types/array.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/chrono.hpp>
#include <pgpx/types/codec.hpp>
#include <pgpx/types/numeric.hpp>

#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pgpx {

/**
 * A range of values of T, as PostgreSQL's range types hold them.
 *
 * A plain aggregate: `range<int>{1, 5}` is [1,5) (the default bounds are PostgreSQL's
 * [lower,upper)). An absent bound is unbounded (infinite) on that side. When `empty` is set
 * the range contains nothing and every other member is ignored.
 */
template <class T>
struct range {
  std::optional<T> lower;        ///< the lower bound; std::nullopt when unbounded below
  std::optional<T> upper;        ///< the upper bound; std::nullopt when unbounded above
  bool lower_inclusive = true;   ///< whether `lower` itself is in the range
  bool upper_inclusive = false;  ///< whether `upper` itself is in the range
  bool empty = false;            ///< the empty range: contains no value

  /// [a,b): a included, b excluded.
  [[nodiscard]] static auto closed_open(T a, T b) -> range { return {std::move(a), std::move(b), true, false, false}; }
  /// [a,b]: both included.
  [[nodiscard]] static auto closed(T a, T b) -> range { return {std::move(a), std::move(b), true, true, false}; }
  /// (a,b): both excluded.
  [[nodiscard]] static auto open(T a, T b) -> range { return {std::move(a), std::move(b), false, false, false}; }
  /// (a,b]: a excluded, b included.
  [[nodiscard]] static auto open_closed(T a, T b) -> range { return {std::move(a), std::move(b), false, true, false}; }
  /// [a,): a and everything above it.
  [[nodiscard]] static auto at_least(T a) -> range { return {std::move(a), std::nullopt, true, false, false}; }
  /// (a,): everything above a.
  [[nodiscard]] static auto greater_than(T a) -> range { return {std::move(a), std::nullopt, false, false, false}; }
  /// (,b]: b and everything below it.
  [[nodiscard]] static auto at_most(T b) -> range { return {std::nullopt, std::move(b), false, true, false}; }
  /// (,b): everything below b.
  [[nodiscard]] static auto less_than(T b) -> range { return {std::nullopt, std::move(b), false, false, false}; }
  /// (,): every value.
  [[nodiscard]] static auto unbounded() -> range { return {std::nullopt, std::nullopt, false, false, false}; }
  /// The empty range.
  [[nodiscard]] static auto empty_range() -> range { return {std::nullopt, std::nullopt, false, false, true}; }

  /// True when `v` lies within the range.
  [[nodiscard]] auto contains(const T& v) const -> bool
    requires std::totally_ordered<T>
  {
    if (empty) return false;
    if (lower && (lower_inclusive ? v < *lower : !(*lower < v))) return false;
    if (upper && (upper_inclusive ? *upper < v : !(v < *upper))) return false;
    return true;
  }

  /// Equal when both are empty, or when they have the same bounds; the inclusive flag of an
  /// unbounded side is not compared. (No normalisation: [1,6) and [1,5] differ here.)
  [[nodiscard]] friend auto operator==(const range& a, const range& b) -> bool
    requires std::equality_comparable<T>
  {
    if (a.empty || b.empty) return a.empty == b.empty;
    return a.lower == b.lower && a.upper == b.upper && (!a.lower || a.lower_inclusive == b.lower_inclusive) &&
           (!a.upper || a.upper_inclusive == b.upper_inclusive);
  }
};

namespace detail {

/// The built-in range type over a built-in element type, or 0.
[[nodiscard]] constexpr auto range_type_of(oid element) noexcept -> oid {
  switch (element) {
    case oids::int4: return oids::int4range;
    case oids::int8: return oids::int8range;
    case oids::numeric: return oids::numrange;
    case oids::timestamp: return oids::tsrange;
    case oids::timestamptz: return oids::tstzrange;
    case oids::date: return oids::daterange;
    default: return 0;
  }
}

/// The element type of a built-in range type, or 0.
[[nodiscard]] constexpr auto range_element_of(oid range_type) noexcept -> oid {
  switch (range_type) {
    case oids::int4range: return oids::int4;
    case oids::int8range: return oids::int8;
    case oids::numrange: return oids::numeric;
    case oids::tsrange: return oids::timestamp;
    case oids::tstzrange: return oids::timestamptz;
    case oids::daterange: return oids::date;
    default: return 0;
  }
}

template <class T>
[[nodiscard]] consteval auto default_range_oid() -> oid {
  if constexpr (has_codec<T>) return range_type_of(codec<T>::param_oid);
  else return 0;
}

}  // namespace detail

/// The PostgreSQL range type of range<T>: the built-in range over the type T's codec sends,
/// or 0 when there is none (then range<T> has no codec). Specialise it for other types.
template <class T>
inline constexpr oid range_oid_of = detail::default_range_oid<T>();

namespace detail {

// Flag bits of the binary range format (rangetypes.h).
inline constexpr unsigned char range_empty = 0x01;
inline constexpr unsigned char range_lower_inclusive = 0x02;
inline constexpr unsigned char range_upper_inclusive = 0x04;
inline constexpr unsigned char range_lower_infinite = 0x08;
inline constexpr unsigned char range_upper_infinite = 0x10;

template <class T>
struct range_codec {
  using element_codec = codec<T>;

  [[nodiscard]] static auto accepts(oid t) noexcept -> bool {
    if (t == range_oid_of<T>) return true;
    const oid element = range_element_of(t);
    return element != 0 && element_codec::accepts(element);
  }

  static void encode_bound(const T& v, std::string& out) {
    const std::size_t at = out.size();
    store_be<std::int32_t>(out, 0);
    element_codec::encode(v, out);
    const std::size_t len = out.size() - at - 4;
    if (len > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw usage_error("a range bound is larger than 2 GiB");
    patch_be32(out, at, static_cast<std::int32_t>(len));
  }

  static void encode_binary(const range<T>& v, std::string& out) {
    if (v.empty) {
      out.push_back(static_cast<char>(range_empty));
      return;
    }
    unsigned char flags = 0;
    flags |= v.lower ? (v.lower_inclusive ? range_lower_inclusive : 0) : range_lower_infinite;
    flags |= v.upper ? (v.upper_inclusive ? range_upper_inclusive : 0) : range_upper_infinite;
    out.push_back(static_cast<char>(flags));
    if (v.lower) encode_bound(*v.lower, out);
    if (v.upper) encode_bound(*v.upper, out);
  }

  static void text_literal(const range<T>& v, std::string& out) {
    if (v.empty) {
      out += "empty";
      return;
    }
    std::string scratch;
    out.push_back(v.lower && v.lower_inclusive ? '[' : '(');
    if (v.lower) {
      element_codec::to_text(*v.lower, scratch);
      append_literal_element(out, scratch, literal_kind::range);
    }
    out.push_back(',');
    if (v.upper) {
      scratch.clear();
      element_codec::to_text(*v.upper, scratch);
      append_literal_element(out, scratch, literal_kind::range);
    }
    out.push_back(v.upper && v.upper_inclusive ? ']' : ')');
  }

  static auto decode_bound(reader& r, oid element, const char* which) -> T {
    const auto len = r.read<std::int32_t>();
    if (len < 0) r.fail("a bound has a negative length");
    const std::string_view bytes = r.bytes(static_cast<std::size_t>(len));
    try {
      return element_codec::decode(bytes, element);
    } catch (const conversion_error& e) {
      throw conversion_error(std::string(which) + " bound of a range: " + e.message(), e.info());
    }
  }

  [[nodiscard]] static auto decode(std::string_view in, oid t) -> range<T> {
    reader r(in, "range");
    const auto flags = r.read<std::uint8_t>();
    constexpr unsigned known =
        range_empty | range_lower_inclusive | range_upper_inclusive | range_lower_infinite | range_upper_infinite;
    if ((flags & ~known) != 0) r.fail("invalid flags");
    if ((flags & range_empty) != 0) {
      r.expect_end();
      return range<T>::empty_range();
    }
    oid element = range_element_of(t);
    if (element == 0) element = element_codec::param_oid;
    range<T> v;
    v.lower_inclusive = false;
    if ((flags & range_lower_infinite) == 0) {
      v.lower = decode_bound(r, element, "lower");
      v.lower_inclusive = (flags & range_lower_inclusive) != 0;
    }
    if ((flags & range_upper_infinite) == 0) {
      v.upper = decode_bound(r, element, "upper");
      v.upper_inclusive = (flags & range_upper_inclusive) != 0;
    }
    r.expect_end();
    return v;
  }
};

}  // namespace detail

/// pgpx::range<T> <-> the range type range_oid_of<T> (int4range for std::int32_t...).
template <class T>
struct codec<range<T>, std::enable_if_t<has_codec<T> && range_oid_of<T> != 0>> {
 private:
  using impl = detail::range_codec<T>;

 public:
  static constexpr std::string_view name =
      detail::static_concat<detail::literal_part<"pgpx::range<">, detail::codec_name_part<T>,
                            detail::literal_part<">">>::value;
  static constexpr oid param_oid = range_oid_of<T>;
  /// Binary when the element travels in binary; otherwise the range literal ("[a,b)").
  static constexpr format param_format = codec<T>::param_format;

  /// True for range_oid_of<T> and for built-in ranges whose element type T's codec reads.
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return impl::accepts(t); }
  /// Appends the binary range (or its literal, see param_format).
  static void encode(const range<T>& v, std::string& out) {
    if constexpr (param_format == format::binary) impl::encode_binary(v, out);
    else impl::text_literal(v, out);
  }
  /// Reads a binary range (range_send format).
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> range<T> { return impl::decode(in, t); }
  /// Appends the range literal: "[1,5)", "(,\"2020-01-01 00:00:00\"]", "empty".
  static void to_text(const range<T>& v, std::string& out) { impl::text_literal(v, out); }
};

}  // namespace pgpx
