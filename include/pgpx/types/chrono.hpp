// pgpx/types/chrono.hpp: codecs between std::chrono and PostgreSQL's date/time types.
//
//   struct event {
//     pgpx::timestamptz at = pgpx::now();          // sys_time<microseconds>
//     pgpx::date day;                               // std::chrono::year_month_day
//     pgpx::interval every{.months = 1};            // 1 month
//   };
//   auto d = cx.query_value<std::chrono::seconds>("select interval '90 minutes'");
//
// | C++                                        | sent as     | decoded from |
// |--------------------------------------------|-------------|--------------|
// | std::chrono::year_month_day (pgpx::date)   | date        | date         |
// | std::chrono::sys_time<D> (pgpx::timestamptz = D of microseconds) | timestamptz | timestamptz |
// | std::chrono::local_time<D> (pgpx::timestamp)                     | timestamp   | timestamp   |
// | pgpx::time_of_day                          | time        | time         |
// | pgpx::interval                             | interval    | interval     |
// | std::chrono::duration<R, P>                | interval    | interval without months |
//
// PostgreSQL counts from 2000-01-01 (dates in days, timestamps and times in microseconds);
// the codecs convert exactly, and throw conversion_error for values outside the range of
// the other side. Time points and durations must have an integer representation.
//
// Rounding: a time point or duration finer than a microsecond is floored (rounded toward
// the past) when sent; a value read into a type coarser than a microsecond is floored too,
// so 12:00:00.9 read as sys_time<seconds> is 12:00:00.
//
// Infinities: timestamp 'infinity' and '-infinity' are time_point::max() and ::min() of the
// C++ type, and back. Date 'infinity' is pgpx::date_infinity (32767-12-31) and '-infinity'
// is pgpx::date_minus_infinity (-32767-01-01); the finite PostgreSQL date 32767-12-31 is
// therefore not readable (conversion_error) so that decoding is never ambiguous. Likewise a
// finite timestamp that would decode to max() or min() of the C++ type (in microseconds:
// 294247-01-10 04:00:54.775807) is a conversion_error rather than an infinity.
#pragma once

#include <pgpx/detail/endian.hpp>
#include <pgpx/export.hpp>
#include <pgpx/types/codec.hpp>

#include <chrono>
#include <compare>
#include <concepts>
#include <cstdint>
#include <limits>
#include <ratio>
#include <string>
#include <string_view>
#include <type_traits>

namespace pgpx {

/// A calendar date; the C++ type of PostgreSQL's date.
using date = std::chrono::year_month_day;

/// The date that stands for PostgreSQL's date 'infinity': year::max()/December/31.
inline constexpr date date_infinity = std::chrono::year::max() / std::chrono::December / 31;
/// The date that stands for PostgreSQL's date '-infinity': year::min()/January/1.
inline constexpr date date_minus_infinity = std::chrono::year::min() / std::chrono::January / 1;

/// An instant with microsecond resolution; the natural C++ type of timestamptz.
using timestamptz = std::chrono::sys_time<std::chrono::microseconds>;
/// A wall-clock date and time without time zone; the natural C++ type of timestamp.
using timestamp = std::chrono::local_time<std::chrono::microseconds>;

/// The current time, floored to microseconds (for default member initialisers).
[[nodiscard]] inline auto now() -> timestamptz {
  return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
}

/**
 * A time of day without time zone: PostgreSQL's time, from 00:00:00 to 24:00:00 inclusive.
 *
 *   pgpx::time_of_day opens{std::chrono::hours(9) + std::chrono::minutes(30)};
 *   opens.to_string();   // "09:30:00"
 */
class PGPX_API time_of_day {
 public:
  /// Midnight, 00:00:00.
  constexpr time_of_day() noexcept = default;
  /// The time `since_midnight` after midnight; throws conversion_error outside 0..24h.
  explicit time_of_day(std::chrono::microseconds since_midnight);

  /// The time elapsed since midnight.
  [[nodiscard]] constexpr auto since_midnight() const noexcept -> std::chrono::microseconds { return since_midnight_; }
  /// "HH:MM:SS" with ".ffffff" when there are fractional seconds, trailing zeros removed
  /// (as PostgreSQL prints it).
  [[nodiscard]] auto to_string() const -> std::string;

  /// Equality of the times.
  friend constexpr auto operator==(const time_of_day&, const time_of_day&) noexcept -> bool = default;
  /// Chronological order.
  friend constexpr auto operator<=>(const time_of_day&, const time_of_day&) noexcept = default;

 private:
  std::chrono::microseconds since_midnight_{0};
};

/**
 * PostgreSQL's interval: months, days and microseconds, kept apart because a month and a
 * day have no fixed length.
 *
 * operator== compares the three fields: 1 day is not equal to 24 hours here, although
 * PostgreSQL's = operator treats them as equal.
 */
struct PGPX_API interval {
  std::int32_t months = 0;               ///< months (a year is 12)
  std::int32_t days = 0;                 ///< days
  std::chrono::microseconds time{0};     ///< the time part

  /// The ISO 8601 form PostgreSQL prints with IntervalStyle iso_8601: "P1Y2M3DT4H5M6S",
  /// "PT0S" for zero, "PT0.5S", "P-1Y-2M", "P1DT-1H-2M-3.25S". PostgreSQL reads it back.
  [[nodiscard]] auto to_string() const -> std::string;

  /// Field-wise equality.
  friend auto operator==(const interval&, const interval&) noexcept -> bool = default;
};

namespace detail {

/// A calendar date; the year is astronomical (0 is 1 BC).
struct civil_date {
  std::int64_t year;  ///< astronomical year
  unsigned month;     ///< 1..12
  unsigned day;       ///< 1..31
};
/// The calendar date of a day count from 1970-01-01, for any int64 day count (beyond
/// std::chrono's year 32767).
[[nodiscard]] PGPX_API auto civil_from_unix_days(std::int64_t unix_days) -> civil_date;
/// Appends a time of day as HH:MM:SS, with a fraction when it has one (no trailing zeros).
PGPX_API void format_time_of_day(std::int64_t usecs, std::string& out);

/// Integer representations the chrono codecs support.
template <class Rep>
concept chrono_rep = std::integral<Rep> && !std::same_as<Rep, bool> && sizeof(Rep) <= sizeof(std::int64_t);

/// Clocks whose time points map to timestamps: system_clock (timestamptz) and local_t
/// (timestamp).
template <class Clock>
concept pg_clock = std::same_as<Clock, std::chrono::system_clock> || std::same_as<Clock, std::chrono::local_t>;

/// Microseconds in a day (24 hours).
inline constexpr std::int64_t usecs_per_day = 86'400'000'000;
/// Microseconds from 1970-01-01 to PostgreSQL's epoch 2000-01-01.
inline constexpr std::int64_t pg_epoch_unix_usecs = 946'684'800'000'000;
/// The first valid PostgreSQL timestamp, 4714-11-24 00:00:00 BC (MIN_TIMESTAMP).
inline constexpr std::int64_t min_timestamp = -211'813'488'000'000'000;
/// One past the last valid PostgreSQL timestamp, 294277-01-01 00:00:00 (END_TIMESTAMP).
inline constexpr std::int64_t end_timestamp = 9'223'371'331'200'000'000;

/// floor(v * num / den) for num, den > 0; false when the result does not fit in int64.
[[nodiscard]] constexpr auto mul_div_floor(std::int64_t v, std::intmax_t num, std::intmax_t den,
                                           std::int64_t& out) noexcept -> bool {
  if (den == 1) return !__builtin_mul_overflow(v, num, &out);
  std::int64_t q = v / den;
  std::int64_t r = v % den;
  if (r < 0) {
    --q;
    r += den;
  }
  std::int64_t whole = 0;
  std::int64_t part = 0;
  if (__builtin_mul_overflow(q, num, &whole) || __builtin_mul_overflow(r, num, &part)) return false;
  return !__builtin_add_overflow(whole, part / den, &out);
}

/// `d` in microseconds, floored; false on overflow.
template <class Rep, class Period>
[[nodiscard]] constexpr auto duration_to_usecs(std::chrono::duration<Rep, Period> d, std::int64_t& out) noexcept
    -> bool {
  using r = std::ratio_divide<Period, std::micro>;
  if constexpr (std::is_unsigned_v<Rep> && sizeof(Rep) == sizeof(std::int64_t)) {
    if (d.count() > static_cast<Rep>(std::numeric_limits<std::int64_t>::max())) return false;
  }
  return mul_div_floor(static_cast<std::int64_t>(d.count()), r::num, r::den, out);
}

/// `us` microseconds as duration D, floored; false when D cannot hold it.
template <class D>
[[nodiscard]] constexpr auto usecs_to_duration(std::int64_t us, D& out) noexcept -> bool {
  using r = std::ratio_divide<std::micro, typename D::period>;
  using rep = typename D::rep;
  std::int64_t ticks = 0;
  if (!mul_div_floor(us, r::num, r::den, ticks)) return false;
  if constexpr (std::is_signed_v<rep>) {
    if (ticks < static_cast<std::int64_t>(std::numeric_limits<rep>::min()) ||
        ticks > static_cast<std::int64_t>(std::numeric_limits<rep>::max()))
      return false;
  } else {
    if (ticks < 0) return false;
    if constexpr (sizeof(rep) < sizeof(std::int64_t)) {
      if (ticks > static_cast<std::int64_t>(std::numeric_limits<rep>::max())) return false;
    }
  }
  out = D(static_cast<rep>(ticks));
  return true;
}

/// Throws the conversion_error for a value outside the range of `target`.
[[noreturn]] PGPX_API void throw_out_of_range(std::string_view what, std::string_view target);

/// A PostgreSQL date (days since 2000-01-01, or INT32_MAX/MIN for ±infinity) of `d`;
/// throws conversion_error for invalid dates and dates before 4714-11-24 BC.
[[nodiscard]] PGPX_API auto date_to_pg(const date& d) -> std::int32_t;
/// The date of a PostgreSQL date; throws conversion_error outside year_month_day's range.
[[nodiscard]] PGPX_API auto date_from_pg(std::int32_t days) -> date;
/// Appends PostgreSQL's text form of a date: "2024-01-31", "0044-03-15 BC", "infinity".
PGPX_API void format_pg_date(std::int32_t days, std::string& out);
/// Appends PostgreSQL's text form of a timestamp: "2024-01-31 12:00:00.5", with "+00"
/// after the time when `utc_offset` is set, " BC" for years before 1, or "infinity".
PGPX_API void format_pg_timestamp(std::int64_t usecs, bool utc_offset, std::string& out);

/// The PostgreSQL timestamp (microseconds since 2000-01-01, floored) of `tp`, or the
/// infinities for max()/min(); throws conversion_error outside PostgreSQL's range.
template <class TimePoint>
[[nodiscard]] auto time_point_to_pg(const TimePoint& tp, std::string_view target) -> std::int64_t {
  if (tp == TimePoint::max()) return std::numeric_limits<std::int64_t>::max();
  if (tp == TimePoint::min()) return std::numeric_limits<std::int64_t>::min();
  std::int64_t us = 0;
  if (!duration_to_usecs(tp.time_since_epoch(), us) || __builtin_sub_overflow(us, pg_epoch_unix_usecs, &us) ||
      us < min_timestamp || us >= end_timestamp)
    throw_out_of_range("time point", target);
  return us;
}

/// The time point of a PostgreSQL timestamp (floored to TimePoint's resolution), or
/// max()/min() for the infinities; throws conversion_error when TimePoint cannot hold it.
template <class TimePoint>
[[nodiscard]] auto time_point_from_pg(std::int64_t us, std::string_view source, std::string_view target) -> TimePoint {
  if (us == std::numeric_limits<std::int64_t>::max()) return TimePoint::max();
  if (us == std::numeric_limits<std::int64_t>::min()) return TimePoint::min();
  if (us < min_timestamp || us >= end_timestamp) throw_out_of_range(source, "PostgreSQL");
  typename TimePoint::duration d{};
  std::int64_t unix_us = 0;
  if (__builtin_add_overflow(us, pg_epoch_unix_usecs, &unix_us) || !usecs_to_duration(unix_us, d))
    throw_out_of_range(source, target);
  // max() and min() stand for the infinities: a finite timestamp that lands on one of them
  // (294247-01-10 04:00:54.775807 UTC in microseconds) would be sent back as 'infinity'.
  if (TimePoint(d) == TimePoint::max() || TimePoint(d) == TimePoint::min()) throw_out_of_range(source, target);
  return TimePoint(d);
}

/// Reads the 16 bytes of a binary interval.
[[nodiscard]] inline auto read_interval(std::string_view in) -> interval {
  reader r(in, "interval");
  interval v;
  v.time = std::chrono::microseconds(r.read<std::int64_t>());
  v.days = r.read<std::int32_t>();
  v.months = r.read<std::int32_t>();
  r.expect_end();
  return v;
}

/// Appends the 16 bytes of a binary interval.
inline void write_interval(const interval& v, std::string& out) {
  store_be<std::int64_t>(out, v.time.count());
  store_be<std::int32_t>(out, v.days);
  store_be<std::int32_t>(out, v.months);
}

}  // namespace detail

/// std::chrono::year_month_day (pgpx::date) <-> date.
template <>
struct codec<date> {
  static constexpr std::string_view name = "std::chrono::year_month_day";
  static constexpr oid param_oid = oids::date;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::date; }
  static void encode(const date& v, std::string& out) { detail::store_be<std::int32_t>(out, detail::date_to_pg(v)); }
  [[nodiscard]] static auto decode(std::string_view in, oid) -> date {
    detail::reader r(in, "date");
    const auto days = r.read<std::int32_t>();
    r.expect_end();
    return detail::date_from_pg(days);
  }
  static void to_text(const date& v, std::string& out) { detail::format_pg_date(detail::date_to_pg(v), out); }
};

/// std::chrono::sys_time<D> <-> timestamptz, std::chrono::local_time<D> <-> timestamp.
template <class Clock, class Rep, class Period>
  requires(detail::pg_clock<Clock> && detail::chrono_rep<Rep>)
struct codec<std::chrono::time_point<Clock, std::chrono::duration<Rep, Period>>> {
  using value_type = std::chrono::time_point<Clock, std::chrono::duration<Rep, Period>>;
  static constexpr bool utc = std::same_as<Clock, std::chrono::system_clock>;
  static constexpr std::string_view name = utc ? "std::chrono::sys_time" : "std::chrono::local_time";
  static constexpr oid param_oid = utc ? oids::timestamptz : oids::timestamp;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == param_oid; }
  static void encode(const value_type& v, std::string& out) {
    detail::store_be<std::int64_t>(out, detail::time_point_to_pg(v, utc ? "timestamptz" : "timestamp"));
  }
  [[nodiscard]] static auto decode(std::string_view in, oid) -> value_type {
    detail::reader r(in, utc ? "timestamptz" : "timestamp");
    const auto us = r.read<std::int64_t>();
    r.expect_end();
    return detail::time_point_from_pg<value_type>(us, utc ? "timestamptz" : "timestamp", name);
  }
  static void to_text(const value_type& v, std::string& out) {
    detail::format_pg_timestamp(detail::time_point_to_pg(v, utc ? "timestamptz" : "timestamp"), utc, out);
  }
};

/// pgpx::time_of_day <-> time.
template <>
struct codec<time_of_day> {
  static constexpr std::string_view name = "pgpx::time_of_day";
  static constexpr oid param_oid = oids::time;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::time; }
  static void encode(const time_of_day& v, std::string& out) {
    detail::store_be<std::int64_t>(out, v.since_midnight().count());
  }
  [[nodiscard]] static auto decode(std::string_view in, oid) -> time_of_day {
    detail::reader r(in, "time");
    const auto us = r.read<std::int64_t>();
    r.expect_end();
    if (us < 0 || us > detail::usecs_per_day) r.fail("time of day out of range");
    return time_of_day(std::chrono::microseconds(us));
  }
  static void to_text(const time_of_day& v, std::string& out) { out += v.to_string(); }
};

/// pgpx::interval <-> interval.
template <>
struct codec<interval> {
  static constexpr std::string_view name = "pgpx::interval";
  static constexpr oid param_oid = oids::interval;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::interval; }
  static void encode(const interval& v, std::string& out) { detail::write_interval(v, out); }
  [[nodiscard]] static auto decode(std::string_view in, oid) -> interval { return detail::read_interval(in); }
  static void to_text(const interval& v, std::string& out) { out += v.to_string(); }
};

/// std::chrono::duration<R, P> <-> interval. Sent as a time-only interval; read from an
/// interval without months (a month has no fixed length: conversion_error), a day
/// counting as 24 hours.
template <class Rep, class Period>
  requires detail::chrono_rep<Rep>
struct codec<std::chrono::duration<Rep, Period>> {
  using value_type = std::chrono::duration<Rep, Period>;
  static constexpr std::string_view name = "std::chrono::duration";
  static constexpr oid param_oid = oids::interval;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::interval; }
  static void encode(const value_type& v, std::string& out) { detail::write_interval(as_interval(v), out); }
  [[nodiscard]] static auto decode(std::string_view in, oid) -> value_type {
    const interval iv = detail::read_interval(in);
    if (iv.months != 0)
      throw conversion_error("interval " + iv.to_string() + " has months, which have no fixed length; read it as " +
                             "pgpx::interval instead of " + std::string(name));
    std::int64_t us = 0;
    value_type d{};
    if (__builtin_mul_overflow(std::int64_t{iv.days}, detail::usecs_per_day, &us) ||
        __builtin_add_overflow(us, iv.time.count(), &us) || !detail::usecs_to_duration(us, d))
      detail::throw_out_of_range("interval " + iv.to_string(), name);
    return d;
  }
  static void to_text(const value_type& v, std::string& out) { out += as_interval(v).to_string(); }

 private:
  [[nodiscard]] static auto as_interval(const value_type& v) -> interval {
    std::int64_t us = 0;
    if (!detail::duration_to_usecs(v, us)) detail::throw_out_of_range("duration", "interval");
    return interval{0, 0, std::chrono::microseconds(us)};
  }
};

}  // namespace pgpx
