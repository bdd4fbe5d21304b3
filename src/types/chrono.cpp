#include <pgpx/types/chrono.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>

namespace pgpx {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr std::int64_t usecs_per_hour = 3'600'000'000;
constexpr std::int64_t usecs_per_minute = 60'000'000;
constexpr std::int64_t usecs_per_second = 1'000'000;
/// Days from 1970-01-01 to 2000-01-01.
constexpr std::int64_t pg_epoch_unix_days = 10'957;
/// PostgreSQL's valid dates are [min_date, end_date): 4714-11-24 BC to 5874897-12-31.
constexpr std::int64_t min_date = -2'451'545;
constexpr std::int64_t end_date = 2'145'031'949;
/// The Gregorian calendar repeats every 400 years, which are this many days.
constexpr std::int64_t days_per_400_years = 146'097;

constexpr auto floor_div(std::int64_t a, std::int64_t b) noexcept -> std::int64_t {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void append_padded(std::string& out, std::int64_t v, int width) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  out.append(buf, static_cast<std::size_t>(n));
}

// ".ffffff" with trailing zeros removed; nothing for 0.
void append_fraction(std::string& out, std::int64_t usecs) {
  if (usecs == 0) return;
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(usecs));
  std::string_view f(buf, 7);
  while (f.back() == '0') f.remove_suffix(1);
  out += f;
}

void append_date(std::string& out, const detail::civil_date& c) {
  const bool bc = c.year <= 0;
  append_padded(out, bc ? 1 - c.year : c.year, 4);
  out.push_back('-');
  append_padded(out, c.month, 2);
  out.push_back('-');
  append_padded(out, c.day, 2);
}

// AddISO8601IntPart: the value and its unit, or nothing for zero.
void append_iso_part(std::string& out, std::int64_t v, char unit) {
  if (v == 0) return;
  out += std::to_string(v);
  out.push_back(unit);
}

}  // namespace

time_of_day::time_of_day(std::chrono::microseconds since_midnight) : since_midnight_(since_midnight) {
  if (since_midnight.count() < 0 || since_midnight.count() > detail::usecs_per_day)
    throw conversion_error(
        "time of day out of range (00:00:00 to 24:00:00): " + std::to_string(since_midnight.count()) + " microseconds");
}

auto time_of_day::to_string() const -> std::string {
  std::string out;
  detail::format_time_of_day(since_midnight_.count(), out);
  return out;
}

auto interval::to_string() const -> std::string {
  // The fields as PostgreSQL's interval2itm splits them: C division truncates toward zero,
  // so every part carries the sign of the field it comes from.
  const std::int64_t years = months / 12;
  const std::int64_t mons = months % 12;
  std::int64_t t = time.count();
  const std::int64_t hours = t / usecs_per_hour;
  t -= hours * usecs_per_hour;
  const std::int64_t minutes = t / usecs_per_minute;
  t -= minutes * usecs_per_minute;
  const std::int64_t seconds = t / usecs_per_second;
  const std::int64_t usecs = t - seconds * usecs_per_second;

  if (months == 0 && days == 0 && time.count() == 0) return "PT0S";
  std::string out = "P";
  append_iso_part(out, years, 'Y');
  append_iso_part(out, mons, 'M');
  append_iso_part(out, days, 'D');
  if (hours != 0 || minutes != 0 || seconds != 0 || usecs != 0) out.push_back('T');
  append_iso_part(out, hours, 'H');
  append_iso_part(out, minutes, 'M');
  if (seconds != 0 || usecs != 0) {
    if (seconds < 0 || usecs < 0) out.push_back('-');
    out += std::to_string(seconds < 0 ? -seconds : seconds);
    append_fraction(out, usecs < 0 ? -usecs : usecs);
    out.push_back('S');
  }
  return out;
}

namespace detail {

// std::chrono's calendar ends at year 32767, so the day is moved by whole 400-year cycles
// into its range and the cycles are added back to the year.
auto civil_from_unix_days(std::int64_t unix_days) -> civil_date {
  const std::int64_t cycles = floor_div(unix_days, days_per_400_years);
  const std::int64_t rest = unix_days - cycles * days_per_400_years;  // [0, 146097): 1970..2370
  const std::chrono::year_month_day ymd{sys_days{days{rest}}};
  return {static_cast<int>(ymd.year()) + cycles * 400, static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day())};
}

void format_time_of_day(std::int64_t usecs, std::string& out) {
  append_padded(out, usecs / usecs_per_hour, 2);
  out.push_back(':');
  append_padded(out, usecs / usecs_per_minute % 60, 2);
  out.push_back(':');
  append_padded(out, usecs / usecs_per_second % 60, 2);
  append_fraction(out, usecs % usecs_per_second);
}

void throw_out_of_range(std::string_view what, std::string_view target) {
  throw conversion_error(std::string(what) + " is out of range for " + std::string(target));
}

auto date_to_pg(const date& d) -> std::int32_t {
  if (d == date_infinity) return std::numeric_limits<std::int32_t>::max();
  if (d == date_minus_infinity) return std::numeric_limits<std::int32_t>::min();
  if (!d.ok()) {
    throw conversion_error("invalid date " + std::to_string(static_cast<int>(d.year())) + "-" +
                           std::to_string(static_cast<unsigned>(d.month())) + "-" +
                           std::to_string(static_cast<unsigned>(d.day())));
  }
  const std::int64_t pg = static_cast<std::int64_t>(sys_days{d}.time_since_epoch().count()) - pg_epoch_unix_days;
  if (pg < min_date) throw_out_of_range("date before 4714-11-24 BC", "PostgreSQL");
  return static_cast<std::int32_t>(pg);
}

auto date_from_pg(std::int32_t pg) -> date {
  if (pg == std::numeric_limits<std::int32_t>::max()) return date_infinity;
  if (pg == std::numeric_limits<std::int32_t>::min()) return date_minus_infinity;
  if (pg < min_date || pg >= end_date) throw_out_of_range("binary date value", "PostgreSQL");
  const std::int64_t unix_days = std::int64_t{pg} + pg_epoch_unix_days;
  // The last representable day, 32767-12-31, stands for infinity.
  constexpr std::int64_t last = sys_days{date_infinity}.time_since_epoch().count() - 1;
  if (unix_days > last) {
    std::string text;
    format_pg_date(pg, text);
    throw_out_of_range("date " + text, "std::chrono::year_month_day (up to 32767-12-30; 32767-12-31 means infinity)");
  }
  return date{sys_days{days{unix_days}}};
}

void format_pg_date(std::int32_t pg, std::string& out) {
  if (pg == std::numeric_limits<std::int32_t>::max()) {
    out += "infinity";
    return;
  }
  if (pg == std::numeric_limits<std::int32_t>::min()) {
    out += "-infinity";
    return;
  }
  const civil_date c = civil_from_unix_days(std::int64_t{pg} + pg_epoch_unix_days);
  append_date(out, c);
  if (c.year <= 0) out += " BC";
}

void format_pg_timestamp(std::int64_t us, bool utc_offset, std::string& out) {
  if (us == std::numeric_limits<std::int64_t>::max()) {
    out += "infinity";
    return;
  }
  if (us == std::numeric_limits<std::int64_t>::min()) {
    out += "-infinity";
    return;
  }
  const std::int64_t day = floor_div(us, usecs_per_day);
  const std::int64_t time = us - day * usecs_per_day;
  const civil_date c = civil_from_unix_days(day + pg_epoch_unix_days);
  append_date(out, c);
  out.push_back(' ');
  format_time_of_day(time, out);
  if (utc_offset) out += "+00";
  if (c.year <= 0) out += " BC";
}

}  // namespace detail
}  // namespace pgpx
