#include <pgpx/types/numeric.hpp>

#include <pgpx/detail/endian.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace pgpx {
namespace {

// PostgreSQL's limits (numeric.c): the weight of the first base-10000 digit is an int16, so
// at most 4 * 32768 decimal digits precede the point; the display scale has 14 bits.
constexpr std::int64_t max_integer_digits = 131072;
constexpr std::int64_t max_scale = 16383;
// The exponent of text input is bounded before any arithmetic on it.
constexpr std::int64_t max_exponent = 1'000'000'000;

constexpr std::uint16_t sign_pos = 0x0000;
constexpr std::uint16_t sign_neg = 0x4000;
constexpr std::uint16_t sign_nan = 0xC000;
constexpr std::uint16_t sign_pinf = 0xD000;
constexpr std::uint16_t sign_ninf = 0xF000;

// "00" "01" ... "99": two decimal digits at a time.
constexpr std::array<char, 200> two_digits = [] {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[static_cast<std::size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    t[static_cast<std::size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

[[nodiscard]] auto is_space(char c) noexcept -> bool {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

[[nodiscard]] auto is_digit(char c) noexcept -> bool { return c >= '0' && c <= '9'; }

[[nodiscard]] auto iequals(std::string_view a, std::string_view b) noexcept -> bool {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

[[noreturn]] void bad_text(std::string_view text, std::string_view why) {
  constexpr std::size_t shown_max = 80;
  std::string shown = text.size() > shown_max ? std::string(text.substr(0, shown_max)) + "..." : std::string(text);
  throw conversion_error("invalid numeric value \"" + shown + "\": " + std::string(why));
}

}  // namespace

numeric::numeric(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  if (iequals(s, "nan")) {
    text_ = "NaN";
    kind_ = kind::nan;
    return;
  }
  bool negative = false;
  std::string_view body = s;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (iequals(body, "infinity") || iequals(body, "inf")) {
    text_ = negative ? "-Infinity" : "Infinity";
    kind_ = negative ? kind::minus_infinity : kind::plus_infinity;
    return;
  }

  std::size_t i = 0;
  const std::size_t int_begin = i;
  while (i < body.size() && is_digit(body[i])) ++i;
  const std::string_view int_digits = body.substr(int_begin, i - int_begin);
  std::string_view frac_digits;
  if (i < body.size() && body[i] == '.') {
    const std::size_t frac_begin = ++i;
    while (i < body.size() && is_digit(body[i])) ++i;
    frac_digits = body.substr(frac_begin, i - frac_begin);
  }
  if (int_digits.empty() && frac_digits.empty()) bad_text(text, "not a number");
  std::int64_t exponent = 0;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) exp_negative = body[i++] == '-';
    if (i == body.size() || !is_digit(body[i])) bad_text(text, "malformed exponent");
    while (i < body.size() && is_digit(body[i])) {
      exponent = exponent * 10 + (body[i++] - '0');
      if (exponent > max_exponent) bad_text(text, "value overflows numeric format");
    }
    if (exp_negative) exponent = -exponent;
  }
  if (i != body.size()) bad_text(text, "invalid syntax");

  // The digits D = int_digits + frac_digits, with the decimal point before D[point].
  const auto n_int = static_cast<std::int64_t>(int_digits.size());
  const auto n_all = n_int + static_cast<std::int64_t>(frac_digits.size());
  auto digit = [&](std::int64_t k) -> char {
    if (k < 0 || k >= n_all) return '0';
    return k < n_int ? int_digits[static_cast<std::size_t>(k)] : frac_digits[static_cast<std::size_t>(k - n_int)];
  };
  const std::int64_t point = n_int + exponent;
  const std::int64_t scale = n_all - point > 0 ? n_all - point : 0;
  std::int64_t first_nonzero = 0;
  while (first_nonzero < n_all && digit(first_nonzero) == '0') ++first_nonzero;
  const bool is_zero = first_nonzero == n_all;
  const std::int64_t integer_digits = (!is_zero && first_nonzero < point) ? point - first_nonzero : 0;
  if (integer_digits > max_integer_digits || scale > max_scale) bad_text(text, "value overflows numeric format");

  std::string out;
  out.reserve(static_cast<std::size_t>(integer_digits + scale + 3));
  if (negative && !is_zero) out.push_back('-');
  if (integer_digits == 0) {
    out.push_back('0');
  } else {
    for (std::int64_t k = first_nonzero; k < point; ++k) out.push_back(digit(k));
  }
  if (scale > 0) {
    out.push_back('.');
    for (std::int64_t k = point; k < point + scale; ++k) out.push_back(digit(k));
  }
  text_ = std::move(out);
}

auto numeric::nan() -> numeric { return numeric(canonical_tag{}, "NaN", kind::nan); }
auto numeric::infinity() -> numeric { return numeric(canonical_tag{}, "Infinity", kind::plus_infinity); }
auto numeric::minus_infinity() -> numeric { return numeric(canonical_tag{}, "-Infinity", kind::minus_infinity); }

auto numeric::scale() const noexcept -> int {
  if (kind_ != kind::finite) return 0;
  const auto dot = text_.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(text_.size() - dot - 1);
}

auto numeric::to_double() const noexcept -> double {
  switch (kind_) {
    case kind::nan: return std::numeric_limits<double>::quiet_NaN();
    case kind::plus_infinity: return std::numeric_limits<double>::infinity();
    case kind::minus_infinity: return -std::numeric_limits<double>::infinity();
    case kind::finite: break;
  }
  double v = 0.0;
  const char* first = text_.data();
  const char* last = text_.data() + text_.size();
  const auto r = std::from_chars(first, last, v);
  if (r.ec == std::errc::result_out_of_range) {
    // Too large or too small for a double: the integer part tells which.
    const bool negative = text_.front() == '-';
    const bool below_one = text_.compare(negative ? 1 : 0, 2, "0.") == 0 || text_ == "0";
    const double magnitude = below_one ? 0.0 : std::numeric_limits<double>::infinity();
    return negative ? -magnitude : magnitude;
  }
  return v;
}

namespace detail {

void encode_numeric(const numeric& v, std::string& out) {
  if (!v.is_finite()) {
    const std::uint16_t sign = v.is_nan() ? sign_nan : (v.to_string().front() == '-' ? sign_ninf : sign_pinf);
    store_be<std::int16_t>(out, 0);  // ndigits
    store_be<std::int16_t>(out, 0);  // weight
    store_be<std::uint16_t>(out, sign);
    store_be<std::int16_t>(out, 0);  // dscale
    return;
  }
  std::string_view t = v.to_string();
  const bool negative = t.front() == '-';
  if (negative) t.remove_prefix(1);
  const auto dot = t.find('.');
  const std::string_view int_part = t.substr(0, dot);
  const std::string_view frac_part = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);

  // Base-10000 digits: the integer part is grouped from the point leftwards, the fraction
  // from the point rightwards, each padded with zeros to whole groups.
  const std::size_t lead = (4 - int_part.size() % 4) % 4;
  const std::size_t int_groups = (int_part.size() + lead) / 4;
  const std::size_t frac_groups = (frac_part.size() + 3) / 4;
  std::vector<std::int16_t> groups;
  groups.reserve(int_groups + frac_groups);
  for (std::size_t g = 0; g < int_groups; ++g) {
    int value = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t pos = g * 4 + k;  // position in the zero-padded integer part
      value = value * 10 + (pos < lead ? 0 : int_part[pos - lead] - '0');
    }
    groups.push_back(static_cast<std::int16_t>(value));
  }
  for (std::size_t g = 0; g < frac_groups; ++g) {
    int value = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t pos = g * 4 + k;
      value = value * 10 + (pos < frac_part.size() ? frac_part[pos] - '0' : 0);
    }
    groups.push_back(static_cast<std::int16_t>(value));
  }
  int weight = static_cast<int>(int_groups) - 1;
  std::size_t first = 0;
  std::size_t last = groups.size();
  while (first < last && groups[first] == 0) {
    ++first;
    --weight;
  }
  while (last > first && groups[last - 1] == 0) --last;
  const std::size_t ndigits = last - first;
  if (ndigits == 0) weight = 0;
  // At most 32768 + 4096 digits (the limits above), so the count fits the unsigned 16 bits
  // numeric_recv reads. (PostgreSQL 13 and older refused more than 3000.)
  store_be<std::uint16_t>(out, static_cast<std::uint16_t>(ndigits));
  store_be<std::int16_t>(out, static_cast<std::int16_t>(weight));
  store_be<std::uint16_t>(out, (negative && ndigits > 0) ? sign_neg : sign_pos);
  store_be<std::int16_t>(out, static_cast<std::int16_t>(frac_part.size()));
  for (std::size_t g = first; g < last; ++g) store_be<std::int16_t>(out, groups[g]);
}

auto decode_numeric(std::string_view in) -> numeric {
  reader r(in, "numeric");
  const std::uint16_t ndigits = r.read<std::uint16_t>();
  const std::int16_t weight = r.read<std::int16_t>();
  const std::uint16_t sign = r.read<std::uint16_t>();
  const std::uint16_t dscale = r.read<std::uint16_t>();
  if (r.remaining() != std::size_t{ndigits} * 2) r.fail("digit count does not match the length");
  if (sign == sign_nan) return numeric::nan();
  if (sign == sign_pinf) return numeric::infinity();
  if (sign == sign_ninf) return numeric::minus_infinity();
  if (sign != sign_pos && sign != sign_neg) r.fail("invalid sign");
  if (dscale > max_scale) r.fail("invalid display scale");
  // The base-10000 digits stay in the input buffer (validated here, read again below).
  const std::string_view sent = r.bytes(std::size_t{ndigits} * 2);
  for (std::size_t g = 0; g < ndigits; ++g) {
    const std::int16_t d = load_be<std::int16_t>(sent.data() + 2 * g);
    if (d < 0 || d > 9999) r.fail("invalid base-10000 digit");
  }
  // Group g (g = 0 is the first digit sent) has weight `weight - g`: it holds the decimal
  // digits 10^(4*(weight-g)+3) .. 10^(4*(weight-g)). Groups outside the sent ones are 0.
  auto group = [&](std::int64_t g) -> int {
    return (g < 0 || g >= std::int64_t{ndigits}) ? 0 : load_be<std::int16_t>(sent.data() + 2 * g);
  };
  const std::size_t int_groups = weight < 0 ? 0 : static_cast<std::size_t>(weight) + 1;
  const std::size_t frac_groups = (std::size_t{dscale} + 3) / 4;

  // The text is laid out in one buffer (on the stack up to 60 digits, 15 groups):
  // two free places for a sign and a leading "0", the integer groups' digits, the point,
  // then the fraction groups' digits; each group's four digits come from a table. The
  // integer part then loses its leading zeros and the fraction is cut to the display scale
  // (as numeric_recv does), and the string is built once.
  const std::size_t size = 2 + int_groups * 4 + 1 + frac_groups * 4;
  constexpr std::size_t stack_size = 64;
  char stack_buf[stack_size];
  std::string heap_buf;
  char* const buf = size <= stack_size ? stack_buf : (heap_buf.resize(size), heap_buf.data());
  char* p = buf + 2;
  auto put_group = [&p](int d) {
    std::memcpy(p, two_digits.data() + 2 * (d / 100), 2);
    std::memcpy(p + 2, two_digits.data() + 2 * (d % 100), 2);
    p += 4;
  };
  for (std::size_t g = 0; g < int_groups; ++g) put_group(group(static_cast<std::int64_t>(g)));
  char* const point = p++;
  *point = '.';
  for (std::size_t g = 0; g < frac_groups; ++g)
    put_group(group(std::int64_t{weight} + 1 + static_cast<std::int64_t>(g)));
  char* first = buf + 2;
  while (first < point && *first == '0') ++first;
  const char* const last = point + 1 + dscale;
  bool nonzero = first < point;
  for (const char* q = point + 1; q < last && !nonzero; ++q) nonzero = *q != '0';
  if (first == point) *--first = '0';
  if (sign == sign_neg && nonzero) *--first = '-';
  std::string text(first, static_cast<std::size_t>((dscale > 0 ? last : point) - first));
  return numeric(numeric::canonical_tag{}, std::move(text), numeric::kind::finite);
}

}  // namespace detail
}  // namespace pgpx
