// pgpx/types/numeric.hpp: pgpx::numeric, an exact decimal for PostgreSQL's numeric type.
//
// A numeric holds its value as canonical decimal text, exactly as PostgreSQL prints it:
// no binary floating point is ever involved, so no value is ever rounded. The display
// scale (the number of digits after the decimal point) is part of the value, as it is in
// PostgreSQL: "1.50" stays "1.50".
//
//   pgpx::numeric price{"19.990"};          // validated; throws conversion_error if malformed
//   pgpx::numeric count = 42;               // from any integer, never fails
//   auto total = cx.query_value<pgpx::numeric>("select sum(amount) from orders");
//   std::cout << total.to_string();         // "1234.50"
//
// Besides finite values a numeric can be NaN, Infinity or -Infinity (PostgreSQL 14+).
//
// | C++           | sent as         | decoded from |
// |---------------|-----------------|--------------|
// | pgpx::numeric | numeric, binary | numeric      |
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/types/codec.hpp>

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pgpx {

class numeric;

namespace detail {
/// Appends numeric's binary wire form, as numeric_send writes it.
PGPX_API void encode_numeric(const numeric& v, std::string& out);
/// Builds a numeric from its binary wire form; throws conversion_error on malformed input.
[[nodiscard]] PGPX_API auto decode_numeric(std::string_view in) -> numeric;

/// Integer types a numeric can be built from (not bool, not the character types).
template <class T>
concept numeric_integer =
    std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> && !std::same_as<T, signed char> &&
    !std::same_as<T, unsigned char> && !std::same_as<T, char8_t> && !std::same_as<T, char16_t> &&
    !std::same_as<T, char32_t> && !std::same_as<T, wchar_t>;
}  // namespace detail

/**
 * An exact decimal number with a display scale, or NaN, Infinity or -Infinity.
 *
 * Text input accepts what PostgreSQL 15's numeric_in accepts: optional surrounding white
 * space, an optional sign, digits with an optional decimal point, an optional exponent
 * ("1.5e-3"), and the special values "NaN", "Infinity"/"inf" with optional sign (case
 * insensitive). The value is kept in the canonical form PostgreSQL prints: no leading
 * zeros, no exponent, no "-0", exactly `scale()` digits after the decimal point.
 *
 * Limits are PostgreSQL's: at most 131072 digits before the decimal point and 16383 after.
 *
 * operator== compares canonical forms: 1.5 and 1.50 are different values (as text in
 * PostgreSQL; the server's own = operator would call them equal). NaN equals NaN.
 *
 * Thread safety: a numeric is an immutable value; share it freely.
 */
class PGPX_API numeric {
 public:
  /// Zero ("0").
  numeric() = default;

  /// The exact value of an integer.
  template <detail::numeric_integer I>
  numeric(I value) : text_(std::to_string(value)) {}  // NOLINT(google-explicit-constructor): lossless

  /// Floating point values are rejected at compile time: they are rarely the exact decimal
  /// the user meant. Convert through text deliberately instead.
  template <std::floating_point F>
  numeric(F) = delete;

  /// Parses decimal text; throws conversion_error (quoting the text) when it is malformed
  /// or out of numeric's range.
  explicit numeric(std::string_view text);

  /// Not a Number.
  [[nodiscard]] static auto nan() -> numeric;
  /// +Infinity.
  [[nodiscard]] static auto infinity() -> numeric;
  /// -Infinity.
  [[nodiscard]] static auto minus_infinity() -> numeric;

  /// The canonical text: "-123.4500", "0", "NaN", "Infinity" or "-Infinity".
  [[nodiscard]] auto to_string() const noexcept -> const std::string& { return text_; }
  /// The nearest double (correctly rounded); ±infinity beyond double's range.
  [[nodiscard]] auto to_double() const noexcept -> double;
  /// True for NaN.
  [[nodiscard]] auto is_nan() const noexcept -> bool { return kind_ == kind::nan; }
  /// True for Infinity and -Infinity.
  [[nodiscard]] auto is_infinite() const noexcept -> bool {
    return kind_ == kind::plus_infinity || kind_ == kind::minus_infinity;
  }
  /// True for every value that is neither NaN nor infinite.
  [[nodiscard]] auto is_finite() const noexcept -> bool { return kind_ == kind::finite; }
  /// The display scale: the number of digits after the decimal point (0 for special values).
  [[nodiscard]] auto scale() const noexcept -> int;

  /// Equality of canonical forms (so 1.5 != 1.50; NaN == NaN).
  friend auto operator==(const numeric&, const numeric&) noexcept -> bool = default;

 private:
  enum class kind : std::uint8_t { finite, nan, plus_infinity, minus_infinity };
  struct canonical_tag {};
  numeric(canonical_tag, std::string text, kind k) : text_(std::move(text)), kind_(k) {}
  friend auto detail::decode_numeric(std::string_view in) -> numeric;

  std::string text_ = "0";
  kind kind_ = kind::finite;
};

/// pgpx::numeric <-> numeric, in binary.
template <>
struct codec<numeric> {
  static constexpr std::string_view name = "pgpx::numeric";
  static constexpr oid param_oid = oids::numeric;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::numeric; }
  static void encode(const numeric& v, std::string& out) { detail::encode_numeric(v, out); }
  [[nodiscard]] static auto decode(std::string_view in, oid) -> numeric { return detail::decode_numeric(in); }
  static void to_text(const numeric& v, std::string& out) { out += v.to_string(); }
};

}  // namespace pgpx
