// JSON forms of the value types that nlohmann::json has no text for: base64, RFC 3339
// timestamps and dates, times, ISO 8601 durations; and the issues from_json reports.
#include <pgpx/model/json.hpp>

#include <pgpx/types/convert.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>

namespace pgpx::detail {
namespace {

constexpr std::int64_t usecs_per_second = 1'000'000;
constexpr std::int64_t usecs_per_minute = 60 * usecs_per_second;
constexpr std::int64_t usecs_per_hour = 60 * usecs_per_minute;
/// The Gregorian calendar repeats every 400 years, which are this many days.
constexpr std::int64_t days_per_400_years = 146'097;

constexpr std::string_view base64_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr auto floor_div(std::int64_t a, std::int64_t b) noexcept -> std::int64_t {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

auto days_from_civil(std::int64_t year, unsigned month, unsigned day, std::int64_t& out) -> bool {
  const std::int64_t cycles = floor_div(year, 400);
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(year - cycles * 400)},
                                        std::chrono::month{month}, std::chrono::day{day}};
  if (!ymd.ok()) return false;
  out = std::chrono::sys_days{ymd}.time_since_epoch().count() + cycles * days_per_400_years;
  return true;
}

void append_padded(std::string& out, std::int64_t v, int width) {
  std::array<char, 32> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%0*lld", width, static_cast<long long>(v));
  out.append(buf.data(), static_cast<std::size_t>(n));
}

// ISO 8601: four digits for years 0 to 9999, else a sign and at least four digits.
void append_year_date(std::string& out, const civil_date& c) {
  if (c.year < 0) out.push_back('-');
  else if (c.year > 9999) out.push_back('+');
  append_padded(out, c.year < 0 ? -c.year : c.year, 4);
  out.push_back('-');
  append_padded(out, c.month, 2);
  out.push_back('-');
  append_padded(out, c.day, 2);
}

/// A small cursor over text, for the parsers below.
struct scanner {
  std::string_view s;
  std::size_t at = 0;

  [[nodiscard]] auto done() const noexcept -> bool { return at == s.size(); }
  [[nodiscard]] auto peek() const noexcept -> char { return done() ? '\0' : s[at]; }
  auto eat(char c) noexcept -> bool {
    if (peek() != c) return false;
    ++at;
    return true;
  }
  /// Exactly `n` digits (n > 0).
  auto digits(std::size_t n, std::int64_t& out) noexcept -> bool {
    out = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = peek();
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
      ++at;
    }
    return true;
  }
  /// From `min` to `max` digits.
  auto some_digits(std::size_t min, std::size_t max, std::int64_t& out, std::size_t& count) noexcept -> bool {
    out = 0;
    count = 0;
    while (count < max && peek() >= '0' && peek() <= '9') {
      out = out * 10 + (peek() - '0');
      ++at;
      ++count;
    }
    return count >= min;
  }
  /// ".fff...": microseconds (digits past the sixth are dropped: floored); 0 without a dot.
  auto fraction(std::int64_t& usecs) noexcept -> bool {
    usecs = 0;
    if (!eat('.')) return true;
    std::size_t n = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (n < 6) usecs = usecs * 10 + (peek() - '0');
      ++n;
      ++at;
    }
    for (std::size_t k = n; k < 6; ++k) usecs *= 10;
    return n > 0;
  }
};

auto parse_date_part(scanner& sc, std::int64_t& days, std::int64_t& year_out) -> bool {
  bool negative = false;
  if (sc.eat('-')) negative = true;
  else sc.eat('+');
  std::int64_t year = 0;
  std::int64_t month = 0;
  std::int64_t day = 0;
  std::size_t n = 0;
  if (!sc.some_digits(4, 6, year, n) || !sc.eat('-') || !sc.digits(2, month) || !sc.eat('-') || !sc.digits(2, day))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  year_out = negative ? -year : year;
  return days_from_civil(negative ? -year : year, static_cast<unsigned>(month), static_cast<unsigned>(day), days);
}

/// "HH:MM[:SS[.f]]" (seconds required when `need_seconds`) as microseconds since midnight.
auto parse_time_part(scanner& sc, bool need_seconds, std::int64_t& usecs) -> bool {
  std::int64_t h = 0;
  std::int64_t m = 0;
  std::int64_t s = 0;
  std::int64_t f = 0;
  if (!sc.digits(2, h) || !sc.eat(':') || !sc.digits(2, m)) return false;
  if (sc.eat(':')) {
    if (!sc.digits(2, s) || !sc.fraction(f)) return false;
  } else if (need_seconds) {
    return false;
  }
  if (h > 24 || m > 59 || s > 59) return false;
  usecs = h * usecs_per_hour + m * usecs_per_minute + s * usecs_per_second + f;
  return true;
}

}  // namespace

void base64_encode(const bytea& in, std::string& out) {
  out.reserve(out.size() + (in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const auto v = (std::to_integer<unsigned>(in[i]) << 16U) | (std::to_integer<unsigned>(in[i + 1]) << 8U) |
                   std::to_integer<unsigned>(in[i + 2]);
    out += base64_alphabet[(v >> 18U) & 63U];
    out += base64_alphabet[(v >> 12U) & 63U];
    out += base64_alphabet[(v >> 6U) & 63U];
    out += base64_alphabet[v & 63U];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    auto v = std::to_integer<unsigned>(in[i]) << 16U;
    if (rest == 2) v |= std::to_integer<unsigned>(in[i + 1]) << 8U;
    out += base64_alphabet[(v >> 18U) & 63U];
    out += base64_alphabet[(v >> 12U) & 63U];
    out += rest == 2 ? base64_alphabet[(v >> 6U) & 63U] : '=';
    out += '=';
  }
}

auto base64_decode(std::string_view in, bytea& out) -> bool {
  while (!in.empty() && in.back() == '=' && in.size() % 4 != 1) in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  out.clear();
  out.reserve(in.size() / 4 * 3 + 2);
  unsigned acc = 0;
  unsigned bits = 0;
  for (const char c : in) {
    const auto pos = base64_alphabet.find(c);
    if (pos == std::string_view::npos) return false;
    acc = (acc << 6U) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::byte>((acc >> bits) & 0xffU));
    }
  }
  return true;
}

auto format_json_timestamp(std::int64_t unix_usecs, bool utc) -> std::string {
  if (unix_usecs == std::numeric_limits<std::int64_t>::max()) return "infinity";
  if (unix_usecs == std::numeric_limits<std::int64_t>::min()) return "-infinity";
  const std::int64_t days = floor_div(unix_usecs, usecs_per_day);
  std::string out;
  append_year_date(out, civil_from_unix_days(days));
  out.push_back('T');
  format_time_of_day(unix_usecs - days * usecs_per_day, out);
  if (utc) out.push_back('Z');
  return out;
}

auto parse_json_timestamp(std::string_view in, bool utc, std::int64_t& unix_usecs) -> json_time_parse {
  if (in == "infinity") {
    unix_usecs = std::numeric_limits<std::int64_t>::max();
    return json_time_parse::ok;
  }
  if (in == "-infinity") {
    unix_usecs = std::numeric_limits<std::int64_t>::min();
    return json_time_parse::ok;
  }
  scanner sc{in};
  std::int64_t days = 0;
  std::int64_t year = 0;
  std::int64_t time = 0;
  if (!parse_date_part(sc, days, year)) return json_time_parse::malformed;
  if (!sc.eat('T') && !sc.eat('t') && !sc.eat(' ')) return json_time_parse::malformed;
  if (!parse_time_part(sc, true, time) || time >= usecs_per_day) return json_time_parse::malformed;
  std::int64_t offset = 0;
  if (sc.eat('Z') || sc.eat('z')) {
    if (!utc) return json_time_parse::malformed;
  } else if (sc.peek() == '+' || sc.peek() == '-') {
    if (!utc) return json_time_parse::malformed;
    const bool minus = sc.peek() == '-';
    ++sc.at;
    std::int64_t oh = 0;
    std::int64_t om = 0;
    if (!sc.digits(2, oh) || !sc.eat(':') || !sc.digits(2, om) || oh > 23 || om > 59) return json_time_parse::malformed;
    offset = (oh * usecs_per_hour + om * usecs_per_minute) * (minus ? -1 : 1);
  } else if (utc) {
    return json_time_parse::malformed;  // RFC 3339 requires the offset; a timestamptz is an instant
  }
  if (!sc.done()) return json_time_parse::malformed;
  // Six-digit years can overflow int64 microseconds.
  if (__builtin_mul_overflow(days, usecs_per_day, &unix_usecs) ||
      __builtin_add_overflow(unix_usecs, time - offset, &unix_usecs))
    return json_time_parse::out_of_range;
  return json_time_parse::ok;
}

auto format_json_date(const date& d) -> std::string {
  if (d == date_infinity) return "infinity";
  if (d == date_minus_infinity) return "-infinity";
  std::string out;
  append_year_date(
      out, civil_date{static_cast<int>(d.year()), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day())});
  return out;
}

auto parse_json_date(std::string_view in, date& out) -> bool {
  if (in == "infinity") {
    out = date_infinity;
    return true;
  }
  if (in == "-infinity") {
    out = date_minus_infinity;
    return true;
  }
  scanner sc{in};
  std::int64_t days = 0;
  std::int64_t year = 0;
  if (!parse_date_part(sc, days, year) || !sc.done()) return false;
  // Beyond year_month_day's years, or on the dates that stand for the infinities.
  if (year < static_cast<int>(std::chrono::year::min()) || year > static_cast<int>(std::chrono::year::max()))
    return false;
  const date d{std::chrono::sys_days{std::chrono::days{days}}};
  if (d == date_infinity || d == date_minus_infinity) return false;
  out = d;
  return true;
}

auto parse_json_time(std::string_view in, time_of_day& out) -> bool {
  scanner sc{in};
  std::int64_t us = 0;
  if (!parse_time_part(sc, false, us) || !sc.done() || us > usecs_per_day) return false;
  out = time_of_day(std::chrono::microseconds(us));
  return true;
}

auto parse_json_interval(std::string_view in, interval& out) -> bool {
  scanner sc{in};
  if (!sc.eat('P')) return false;
  std::int64_t months = 0;
  std::int64_t days = 0;
  std::int64_t usecs = 0;
  bool in_time = false;
  bool any = false;
  // Units in order: Y M W D, then after T: H M S. `next` is the first allowed unit.
  constexpr std::string_view date_units = "YMWD";
  constexpr std::string_view time_units = "HMS";
  std::size_t next = 0;
  while (!sc.done()) {
    if (!in_time && sc.eat('T')) {
      in_time = true;
      next = 0;
      if (sc.done()) return false;
      continue;
    }
    const bool negative = sc.eat('-');
    if (!negative) sc.eat('+');
    std::int64_t v = 0;
    std::size_t n = 0;
    if (!sc.some_digits(1, 18, v, n)) return false;
    std::int64_t frac = 0;
    if (sc.peek() == '.') {
      if (!sc.fraction(frac)) return false;
    }
    const std::string_view units = in_time ? time_units : date_units;
    const auto unit = units.find(sc.peek(), next);
    if (sc.done() || unit == std::string_view::npos) return false;
    ++sc.at;
    next = unit + 1;
    if (frac != 0 && !(in_time && units[unit] == 'S')) return false;  // fractions only on seconds
    const std::int64_t sign = negative ? -1 : 1;
    std::int64_t add = 0;
    std::int64_t* field = nullptr;
    std::int64_t scale = 1;
    if (!in_time) {
      switch (units[unit]) {
        case 'Y':
          field = &months;
          scale = 12;
          break;
        case 'M': field = &months; break;
        case 'W':
          field = &days;
          scale = 7;
          break;
        default: field = &days; break;
      }
    } else {
      field = &usecs;
      scale = units[unit] == 'H' ? usecs_per_hour : units[unit] == 'M' ? usecs_per_minute : usecs_per_second;
    }
    if (__builtin_mul_overflow(v, scale, &add) || __builtin_add_overflow(add, frac, &add) ||
        __builtin_mul_overflow(add, sign, &add) || __builtin_add_overflow(*field, add, field))
      return false;
    any = true;
  }
  if (!any) return false;
  if (months < std::numeric_limits<std::int32_t>::min() || months > std::numeric_limits<std::int32_t>::max() ||
      days < std::numeric_limits<std::int32_t>::min() || days > std::numeric_limits<std::int32_t>::max())
    return false;
  out = interval{static_cast<std::int32_t>(months), static_cast<std::int32_t>(days), std::chrono::microseconds(usecs)};
  return true;
}

auto json_issue(const nlohmann::json& path, std::string type, std::string msg, nlohmann::json ctx) -> issue {
  issue i;
  i.loc = path;
  i.type = std::move(type);
  i.msg = std::move(msg);
  i.ctx = std::move(ctx);
  return i;
}

auto json_wrong_type(const nlohmann::json& path, std::string_view expected, const nlohmann::json& got) -> issue {
  return json_issue(path, "wrong_type", "must be " + std::string(expected) + " (got " + got.type_name() + ")",
                    {{"expected", std::string(expected)}, {"got", got.type_name()}});
}

auto json_text_issue(const nlohmann::json& path, std::string_view s) -> std::optional<issue> {
  if (const auto nul = s.find('\0'); nul != std::string_view::npos)
    return json_issue(path, "invalid_text", "must not contain a NUL byte (at byte " + std::to_string(nul) + ")",
                      {{"offset", nul}});
  if (const auto bad = invalid_utf8_at(s); bad != std::string_view::npos)
    return json_issue(path, "invalid_text", "must be valid UTF-8 (invalid at byte " + std::to_string(bad) + ")",
                      {{"offset", bad}});
  return std::nullopt;
}

void throw_duplicate_json_name(std::string_view model, std::string_view name) {
  throw usage_error("pgpx::to_json/from_json: " + std::string(model) + " gives the JSON key \"" + std::string(name) +
                    "\" to two members (model<T>::json_naming / json_rename())");
}

}  // namespace pgpx::detail
