// Round trips of the date/time codecs through a real server: date, time, timestamp,
// timestamptz, interval and std::chrono::duration, including BC dates, values before 1970
// and 2000, microseconds, the infinities, and timestamptz under several session time zones
// (the server's TimeZone must never change the instant).
//
// Each value is checked three ways (see expect_round_trip): the server's literal decodes to
// the expected C++ value; the value sent as a parameter comes back equal, directly and
// through a table column; and the server's own text of the sent value is the expected
// PostgreSQL text, so an encoding bug that happens to decode symmetrically still shows.
#include "support/test_db.hpp"
#include "round_trip.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/types.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace {

using ::testing::HasSubstr;
using namespace std::chrono;
using namespace std::chrono_literals;

using namespace pgpx::test::round_trip;  // NOLINT(google-build-using-namespace)

class chrono_types : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    if (HasFatalFailure()) return;
    cx().execute_script("set timezone = 'UTC'; set datestyle = 'ISO, YMD'; set intervalstyle = 'postgres'");
  }
};

/// A wall-clock timestamp from its parts (year may be <= 0: year 0 is 1 BC).
auto local(int y, unsigned mo, unsigned d, hours h = 0h, minutes mi = 0min, seconds s = 0s, microseconds us = 0us)
    -> pgpx::timestamp {
  return local_days{year{y} / month{mo} / day{d}} + h + mi + s + us;
}

/// The same wall-clock parts as a UTC instant.
auto utc(int y, unsigned mo, unsigned d, hours h = 0h, minutes mi = 0min, seconds s = 0s, microseconds us = 0us)
    -> pgpx::timestamptz {
  return sys_days{year{y} / month{mo} / day{d}} + h + mi + s + us;
}

auto ymd(int y, unsigned m, unsigned d) -> pgpx::date { return year{y} / month{m} / day{d}; }

// --- date ------------------------------------------------------------------------------------

TEST_F(chrono_types, date_round_trips_modern_and_epoch_dates) {
  expect_round_trip(cx(), "date", ymd(2024, 2, 29), "2024-02-29");
  expect_round_trip(cx(), "date", ymd(2000, 1, 1), "2000-01-01");
  expect_round_trip(cx(), "date", ymd(1999, 12, 31), "1999-12-31");
  expect_round_trip(cx(), "date", ymd(1970, 1, 1), "1970-01-01");
  expect_round_trip(cx(), "date", ymd(1969, 12, 31), "1969-12-31");
  expect_round_trip(cx(), "date", ymd(1900, 3, 1), "1900-03-01");
  expect_round_trip(cx(), "date", ymd(9999, 12, 31), "9999-12-31");
  expect_round_trip(cx(), "date", ymd(10000, 1, 1), "10000-01-01");
  expect_round_trip(cx(), "date", ymd(32767, 12, 30), "32767-12-30");
}

TEST_F(chrono_types, date_round_trips_bc_dates) {
  expect_round_trip(cx(), "date", ymd(1, 1, 1), "0001-01-01");
  expect_round_trip(cx(), "date", ymd(0, 12, 31), "0001-12-31 BC");  // year 0 is 1 BC
  expect_round_trip(cx(), "date", ymd(0, 2, 29), "0001-02-29 BC");   // 1 BC was a leap year
  expect_round_trip(cx(), "date", ymd(-43, 3, 15), "0044-03-15 BC");
  expect_round_trip(cx(), "date", ymd(-4713, 11, 24), "4714-11-24 BC");  // PostgreSQL's first date
}

TEST_F(chrono_types, date_round_trips_the_infinities) {
  expect_round_trip(cx(), "date", pgpx::date_infinity, "infinity");
  expect_round_trip(cx(), "date", pgpx::date_minus_infinity, "-infinity");
  EXPECT_TRUE(cx().query_value<bool>("select isfinite($1::date)", ymd(2024, 1, 1)));
  EXPECT_FALSE(cx().query_value<bool>("select isfinite($1::date)", pgpx::date_infinity));
  EXPECT_TRUE(cx().query_value<bool>("select $1::date > '5874897-12-31'::date", pgpx::date_infinity));
  EXPECT_TRUE(cx().query_value<bool>("select $1::date < '4714-11-24 BC'::date", pgpx::date_minus_infinity));
}

TEST_F(chrono_types, date_arithmetic_on_the_server_agrees_with_chrono) {
  EXPECT_EQ(cx().query_value<pgpx::date>("select $1::date + 1", ymd(2024, 2, 28)), ymd(2024, 2, 29));
  EXPECT_EQ(cx().query_value<pgpx::date>("select $1::date + 1", ymd(2023, 2, 28)), ymd(2023, 3, 1));
  EXPECT_EQ(cx().query_value<pgpx::date>("select make_date(-44, 3, 15)"), ymd(-43, 3, 15));
  EXPECT_EQ(cx().query_value<std::int32_t>("select $1::date - $2::date", ymd(2024, 2, 29), ymd(1969, 7, 20)),
            (sys_days{ymd(2024, 2, 29)} - sys_days{ymd(1969, 7, 20)}).count());
  EXPECT_EQ(cx().query_value<std::int32_t>("select $1::date - '2000-01-01'::date", ymd(-4713, 11, 24)),
            (sys_days{ymd(-4713, 11, 24)} - sys_days{ymd(2000, 1, 1)}).count());
}

TEST_F(chrono_types, dates_outside_the_other_side_s_range_are_conversion_errors) {
  auto w = conversion_failure([&] { (void)cx().query_value<pgpx::date>("select '40000-01-01'::date as d"); });
  EXPECT_THAT(w, HasSubstr("\"d\""));
  // 32767-12-31 stands for 'infinity' in C++, so the finite server date is refused.
  (void)conversion_failure([&] { (void)cx().query_value<pgpx::date>("select '32767-12-31'::date"); });
  // Invalid and too early C++ dates are refused before sending.
  (void)conversion_failure([&] { (void)cx().query_value<pgpx::date>("select $1::date", ymd(2023, 2, 29)); });
  (void)conversion_failure([&] { (void)cx().query_value<pgpx::date>("select $1::date", ymd(-4713, 11, 23)); });
  EXPECT_EQ(cx().query_value<std::int32_t>("select 1"), 1);
}

// --- time ------------------------------------------------------------------------------------

TEST_F(chrono_types, time_round_trips_from_midnight_to_24_00) {
  expect_round_trip(cx(), "time", pgpx::time_of_day{}, "00:00:00");
  expect_round_trip(cx(), "time", pgpx::time_of_day{13h + 45min + 6s + 500ms}, "13:45:06.5");
  expect_round_trip(cx(), "time", pgpx::time_of_day{1us}, "00:00:00.000001");
  expect_round_trip(cx(), "time", pgpx::time_of_day{23h + 59min + 59s + 999999us}, "23:59:59.999999");
  expect_round_trip(cx(), "time", pgpx::time_of_day{24h}, "24:00:00");
  EXPECT_EQ(cx().query_value<pgpx::time_of_day>("select make_time(9, 30, 1.25)"),
            pgpx::time_of_day{9h + 30min + 1s + 250ms});
  EXPECT_EQ(cx().query_value<pgpx::time_of_day>("select $1::time + interval '90 minutes'", pgpx::time_of_day{23h}),
            pgpx::time_of_day{30min});
  EXPECT_THROW(pgpx::time_of_day{24h + 1us}, pgpx::conversion_error);
  EXPECT_THROW(pgpx::time_of_day{-1us}, pgpx::conversion_error);
}

// --- timestamp -------------------------------------------------------------------------------

TEST_F(chrono_types, timestamp_round_trips_modern_values_with_microseconds) {
  expect_round_trip(cx(), "timestamp", local(2024, 2, 29, 13h, 45min, 6s, 500000us), "2024-02-29 13:45:06.5");
  expect_round_trip(cx(), "timestamp", local(2024, 2, 29, 13h, 45min, 6s, 1us), "2024-02-29 13:45:06.000001");
  expect_round_trip(cx(), "timestamp", local(2038, 1, 19, 3h, 14min, 8s), "2038-01-19 03:14:08");
  expect_round_trip(cx(), "timestamp", local(2000, 1, 1), "2000-01-01 00:00:00");
  expect_round_trip(cx(), "timestamp", local(10000, 1, 1), "10000-01-01 00:00:00");
}

TEST_F(chrono_types, timestamp_round_trips_values_before_2000_and_1970) {
  expect_round_trip(cx(), "timestamp", local(1999, 12, 31, 23h, 59min, 59s, 999999us), "1999-12-31 23:59:59.999999");
  expect_round_trip(cx(), "timestamp", local(1970, 1, 1), "1970-01-01 00:00:00");
  expect_round_trip(cx(), "timestamp", local(1969, 12, 31, 23h, 59min, 59s, 999999us), "1969-12-31 23:59:59.999999");
  expect_round_trip(cx(), "timestamp", local(1969, 12, 31, 23h, 59min, 59s, 1us), "1969-12-31 23:59:59.000001");
  expect_round_trip(cx(), "timestamp", local(1900, 1, 1, 12h), "1900-01-01 12:00:00");
  expect_round_trip(cx(), "timestamp", local(1, 1, 1), "0001-01-01 00:00:00");
  expect_round_trip(cx(), "timestamp", local(-43, 3, 15, 12h, 0min, 0s, 250000us), "0044-03-15 12:00:00.25 BC");
  expect_round_trip(cx(), "timestamp", local(-4713, 11, 24), "4714-11-24 00:00:00 BC");  // the first timestamp
}

TEST_F(chrono_types, timestamp_round_trips_the_infinities) {
  expect_round_trip(cx(), "timestamp", pgpx::timestamp::max(), "infinity");
  expect_round_trip(cx(), "timestamp", pgpx::timestamp::min(), "-infinity");
  EXPECT_FALSE(cx().query_value<bool>("select isfinite($1::timestamp)", pgpx::timestamp::max()));
}

TEST_F(chrono_types, the_latest_timestamps_either_round_trip_or_fail_but_never_become_infinity) {
  // The largest time_point<microseconds> is 294247-01-10 04:00:54.775807 UTC, a finite
  // PostgreSQL timestamp; C++ uses max() for 'infinity'. Reading the finite value must not
  // turn it into infinity.
  // (std::chrono::year stops at 32767: build the value from its count.)
  const pgpx::timestamp last_finite{microseconds(std::numeric_limits<std::int64_t>::max() - 1)};
  expect_round_trip(cx(), "timestamp", last_finite, "294247-01-10 04:00:54.775806");
  expect_round_trip(cx(), "timestamptz", pgpx::timestamptz{last_finite.time_since_epoch()},
                    "294247-01-10 04:00:54.775806+00");
  try {
    const auto v = cx().query_value<pgpx::timestamp>("select '294247-01-10 04:00:54.775807'::timestamp");
    EXPECT_NE(v, pgpx::timestamp::max())
        << "chrono codec: the finite timestamp 294247-01-10 04:00:54.775807 decodes to timestamp::max(), which is "
           "encoded back as 'infinity'";
    EXPECT_EQ(cx().query_value<std::string>("select $1::timestamp::text", v), "294247-01-10 04:00:54.775807");
  } catch (const pgpx::conversion_error&) {
    SUCCEED();  // refusing it, like date 32767-12-31, is fine
  }
  try {
    const auto v = cx().query_value<pgpx::timestamptz>("select '294247-01-10 04:00:54.775807+00'::timestamptz");
    EXPECT_NE(v, pgpx::timestamptz::max())
        << "chrono codec: the finite timestamptz 294247-01-10 04:00:54.775807+00 decodes to timestamptz::max(), "
           "which is encoded back as 'infinity'";
  } catch (const pgpx::conversion_error&) {
    SUCCEED();
  }
  (void)conversion_failure(
      [&] { (void)cx().query_value<pgpx::timestamp>("select '294247-01-10 04:00:54.775808'::timestamp"); });
  (void)conversion_failure(
      [&] { (void)cx().query_value<pgpx::timestamp>("select '294276-12-31 23:59:59.999999'::timestamp"); });
}

TEST_F(chrono_types, timestamps_before_the_first_postgresql_timestamp_are_refused_before_sending) {
  (void)conversion_failure(
      [&] { (void)cx().query_value<pgpx::timestamp>("select $1::timestamp", local(-4713, 11, 23, 23h)); });
  (void)conversion_failure(
      [&] { (void)cx().query_value<pgpx::timestamptz>("select $1::timestamptz", utc(-5000, 1, 1)); });
  EXPECT_EQ(cx().query_value<std::int32_t>("select 1"), 1);
}

// --- timestamptz -----------------------------------------------------------------------------

TEST_F(chrono_types, timestamptz_round_trips_in_utc) {
  expect_round_trip(cx(), "timestamptz", utc(2024, 2, 29, 11h, 45min, 6s, 500000us), "2024-02-29 11:45:06.5+00");
  expect_round_trip(cx(), "timestamptz", utc(2024, 2, 29, 11h, 45min, 6s, 123456us), "2024-02-29 11:45:06.123456+00");
  expect_round_trip(cx(), "timestamptz", utc(1999, 12, 31, 23h, 59min, 59s), "1999-12-31 23:59:59+00");
  expect_round_trip(cx(), "timestamptz", utc(1969, 12, 31, 23h, 59min, 59s, 500000us), "1969-12-31 23:59:59.5+00");
  expect_round_trip(cx(), "timestamptz", utc(1970, 1, 1), "1970-01-01 00:00:00+00");
  expect_round_trip(cx(), "timestamptz", utc(1800, 6, 1, 6h), "1800-06-01 06:00:00+00");
  expect_round_trip(cx(), "timestamptz", utc(-43, 3, 15, 12h), "0044-03-15 12:00:00+00 BC");
  expect_round_trip(cx(), "timestamptz", pgpx::timestamptz::max(), "infinity");
  expect_round_trip(cx(), "timestamptz", pgpx::timestamptz::min(), "-infinity");
  PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamptz>("select '2024-02-29 13:45:06.5+02'::timestamptz"),
                   utc(2024, 2, 29, 11h, 45min, 6s, 500000us));
  PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamptz>("select to_timestamp(0)"), utc(1970, 1, 1));
  PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamptz>("select to_timestamp(-1.5)"),
                   utc(1969, 12, 31, 23h, 59min, 58s, 500000us));
}

TEST_F(chrono_types, timestamptz_instants_do_not_depend_on_the_session_time_zone) {
  const auto instant = utc(2024, 2, 29, 11h, 45min, 6s, 500000us);
  const auto summer = utc(2024, 7, 1, 12h);
  struct zone_case {
    const char* zone;
    const char* text;         // the server's text of `instant` in that zone
    const char* summer_text;  // ... and of `summer`
  };
  const zone_case zones[] = {
      {"UTC", "2024-02-29 11:45:06.5+00", "2024-07-01 12:00:00+00"},
      {"Asia/Kolkata", "2024-02-29 17:15:06.5+05:30", "2024-07-01 17:30:00+05:30"},
      {"America/New_York", "2024-02-29 06:45:06.5-05", "2024-07-01 08:00:00-04"},
      {"Pacific/Chatham", "2024-03-01 01:30:06.5+13:45", "2024-07-02 00:45:00+12:45"},
      {"America/St_Johns", "2024-02-29 08:15:06.5-03:30", "2024-07-01 09:30:00-02:30"},
      {"Europe/Berlin", "2024-02-29 12:45:06.5+01", "2024-07-01 14:00:00+02"},
  };
  cx().execute_script("create table tz (zone text, v timestamptz)");
  for (const auto& z : zones) {
    SCOPED_TRACE(z.zone);
    cx().execute_script("set timezone = " + sql_literal(z.zone));
    EXPECT_EQ(cx().query_value<std::string>("show timezone"), z.zone);
    // (a) a literal with an explicit offset, and one in the session's zone.
    PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamptz>("select '2024-02-29 13:45:06.5+02'::timestamptz"), instant);
    PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamptz>("select " + sql_literal(z.text) + "::timestamptz"), instant);
    // (b) a parameter: the same instant comes back, the server prints it in its zone, and
    // compares it equal to the instant written in UTC.
    PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamptz>("select $1::timestamptz", instant), instant);
    EXPECT_EQ(cx().query_value<std::string>("select $1::timestamptz::text", instant), z.text);
    EXPECT_EQ(cx().query_value<std::string>("select $1::timestamptz::text", summer), z.summer_text);
    EXPECT_TRUE(cx().query_value<bool>("select $1::timestamptz = '2024-02-29 11:45:06.5Z'::timestamptz", instant));
    EXPECT_EQ(cx().query_value<std::string>("select extract(epoch from $1::timestamptz)::text", instant),
              "1709207106.500000");
    // (c) through a column, written in this zone.
    cx().execute("insert into tz values ($1, $2)", std::string(z.zone), instant);
  }
  // Every row, written under a different zone, holds the same instant; read in yet another.
  cx().execute_script("set timezone = 'Australia/Lord_Howe'");
  const auto rows = cx().query<std::tuple<std::string, pgpx::timestamptz>>("select zone, v from tz order by zone");
  ASSERT_EQ(rows.size(), std::size(zones));
  for (const auto& [zone, v] : rows) PGPX_EXPECT_SAME(v, instant) << zone;
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(distinct v) from tz"), 1);
}

TEST_F(chrono_types, the_session_zone_converts_between_timestamp_and_timestamptz_on_the_server) {
  const auto instant = utc(2024, 2, 29, 11h, 45min, 6s, 500000us);
  cx().execute_script("set timezone = 'Asia/Kolkata'");
  PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamp>("select $1::timestamptz::timestamp", instant),
                   local(2024, 2, 29, 17h, 15min, 6s, 500000us));
  PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamptz>("select $1::timestamp::timestamptz",
                                                       local(2024, 2, 29, 17h, 15min, 6s, 500000us)),
                   instant);
  PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamptz>("select '2024-02-29 17:15:06.5'::timestamptz"), instant);
  // Local mean time before time zones existed: an odd offset, same instant.
  cx().execute_script("set timezone = 'Europe/Amsterdam'");
  EXPECT_EQ(cx().query_value<std::string>("select $1::timestamptz::text", utc(1900, 1, 1)),
            "1900-01-01 00:19:32+00:19:32");
  PGPX_EXPECT_SAME(cx().query_value<pgpx::timestamptz>("select '1900-01-01 00:19:32'::timestamptz"), utc(1900, 1, 1));
}

TEST_F(chrono_types, timestamp_without_time_zone_ignores_the_session_time_zone) {
  const auto wall = local(1969, 12, 31, 23h, 30min, 0s, 250us);
  for (const char* zone : {"UTC", "Pacific/Chatham", "America/Los_Angeles", "Asia/Kathmandu"}) {
    SCOPED_TRACE(zone);
    cx().execute_script(std::string("set timezone = ") + sql_literal(zone));
    expect_round_trip(cx(), "timestamp", wall, "1969-12-31 23:30:00.00025");
  }
}

TEST_F(chrono_types, other_time_point_resolutions_floor_toward_the_past) {
  using sys_ns = sys_time<nanoseconds>;
  // Reading into seconds floors, before 1970 too (toward the past, not toward zero).
  EXPECT_EQ(cx().query_value<sys_seconds>("select '2024-02-29 12:00:00.9+00'::timestamptz"),
            sys_seconds{sys_days{ymd(2024, 2, 29)} + 12h});
  EXPECT_EQ(cx().query_value<sys_seconds>("select '1969-12-31 23:59:59.5+00'::timestamptz"),
            sys_seconds{sys_days{ymd(1969, 12, 31)} + 23h + 59min + 59s});
  EXPECT_EQ(cx().query_value<sys_days>("select '2024-02-29 23:59:59+00'::timestamptz"), sys_days{ymd(2024, 2, 29)});
  EXPECT_EQ(cx().query_value<local_seconds>("select '1969-12-31 23:59:59.000001'::timestamp"),
            local_days{ymd(1969, 12, 31)} + 23h + 59min + 59s);
  // Sending nanoseconds floors to microseconds.
  const sys_ns after = sys_days{ymd(2024, 2, 29)} + 11h + 45min + 6s + 500000999ns;
  EXPECT_EQ(cx().query_value<std::string>("select $1::timestamptz::text", after), "2024-02-29 11:45:06.5+00");
  const sys_ns before_epoch = sys_ns{} - 100ns;
  EXPECT_EQ(cx().query_value<std::string>("select $1::timestamptz::text", before_epoch),
            "1969-12-31 23:59:59.999999+00");
  EXPECT_EQ(cx().query_value<sys_ns>("select '2024-02-29 11:45:06.5+00'::timestamptz"),
            sys_ns{sys_days{ymd(2024, 2, 29)} + 11h + 45min + 6s + 500ms});
  // nanoseconds since 1970 in 64 bits end in 2262: later timestamps are refused.
  (void)conversion_failure([&] { (void)cx().query_value<sys_ns>("select '2300-01-01 00:00:00+00'::timestamptz"); });
  // Seconds round trip through the server.
  const sys_seconds s = sys_days{ymd(1066, 10, 14)} + 9h;
  EXPECT_EQ(cx().query_value<sys_seconds>("select $1::timestamptz", s), s);
  EXPECT_EQ(cx().query_value<std::string>("select $1::timestamptz::text", s), "1066-10-14 09:00:00+00");
}

TEST_F(chrono_types, timestamp_and_timestamptz_are_distinct_cpp_types) {
  auto w = conversion_failure([&] { (void)cx().query_value<pgpx::timestamptz>("select now()::timestamp as ts"); });
  EXPECT_THAT(w, HasSubstr("\"ts\""));
  EXPECT_THAT(w, HasSubstr("timestamp"));
  EXPECT_THAT(w, HasSubstr("std::chrono::sys_time"));
  w = conversion_failure([&] { (void)cx().query_value<pgpx::timestamp>("select now() as ts"); });
  EXPECT_THAT(w, HasSubstr("timestamptz"));
  EXPECT_THAT(w, HasSubstr("std::chrono::local_time"));
}

// --- interval --------------------------------------------------------------------------------

TEST_F(chrono_types, interval_round_trips_months_days_and_time) {
  expect_round_trip(cx(), "interval", pgpx::interval{14, 3, 4h + 5min + 6s + 500ms}, "1 year 2 mons 3 days 04:05:06.5");
  expect_round_trip(cx(), "interval", pgpx::interval{}, "00:00:00");
  expect_round_trip(cx(), "interval", pgpx::interval{1, 0, 0us}, "1 mon");
  expect_round_trip(cx(), "interval", pgpx::interval{0, 3, 0us}, "3 days");
  expect_round_trip(cx(), "interval", pgpx::interval{0, 0, 1us}, "00:00:00.000001");
  expect_round_trip(cx(), "interval", pgpx::interval{0, 0, 1000h}, "1000:00:00");
  expect_round_trip(cx(), "interval", pgpx::interval{12000000, 0, 0us}, "1000000 years");
  expect_round_trip(cx(), "interval", pgpx::interval{0, 0, microseconds(std::numeric_limits<std::int64_t>::max())},
                    "2562047788:00:54.775807");
}

TEST_F(chrono_types, interval_round_trips_negative_and_mixed_sign_parts) {
  expect_round_trip(cx(), "interval", pgpx::interval{-14, 3, -(4h + 5min + 6s)}, "-1 years -2 mons +3 days -04:05:06");
  expect_round_trip(cx(), "interval", pgpx::interval{0, 0, -500ms}, "-00:00:00.5");
  expect_round_trip(cx(), "interval", pgpx::interval{0, -1, 1h}, "-1 days +01:00:00");
  expect_round_trip(cx(), "interval", pgpx::interval{-1, -2, -3s}, "-1 mons -2 days -00:00:03");
  EXPECT_EQ(cx().query_value<pgpx::interval>("select interval '1 day' - interval '25 hours'"),
            (pgpx::interval{0, 1, -25h}));
}

TEST_F(chrono_types, interval_iso_8601_text_matches_the_server_in_every_interval_style) {
  const pgpx::interval values[] = {{14, 3, 4h + 5min + 6s + 500ms},
                                   {},
                                   {-14, 3, -(4h + 5min + 6s)},
                                   {0, 0, -500ms},
                                   {0, -1, 1h},
                                   {0, 0, 1us},
                                   {0, 0, 90min},
                                   {25, 0, 0us}};
  cx().execute_script("set intervalstyle = 'iso_8601'");
  for (const auto& v : values) {
    SCOPED_TRACE(v.to_string());
    EXPECT_EQ(cx().query_value<std::string>("select $1::interval::text", v), v.to_string());
  }
  // The ISO text is read back as the same value under every style.
  for (const char* style : {"postgres", "postgres_verbose", "sql_standard", "iso_8601"}) {
    cx().execute_script(std::string("set intervalstyle = ") + style);
    for (const auto& v : values) {
      SCOPED_TRACE(std::string(style) + " " + v.to_string());
      EXPECT_EQ(cx().query_value<pgpx::interval>("select " + sql_literal(v.to_string()) + "::interval"), v);
    }
  }
}

TEST_F(chrono_types, interval_arithmetic_on_the_server_uses_the_sent_parts) {
  const auto t = utc(2024, 1, 31, 11h, 45min);
  PGPX_EXPECT_SAME(
      cx().query_value<pgpx::timestamptz>("select $1::timestamptz + $2::interval", t, pgpx::interval{1, 0, 0us}),
      utc(2024, 2, 29, 11h, 45min));
  PGPX_EXPECT_SAME(
      cx().query_value<pgpx::timestamptz>("select $1::timestamptz + $2::interval", t, pgpx::interval{0, 1, 1us}),
      utc(2024, 2, 1, 11h, 45min, 0s, 1us));
  EXPECT_EQ(cx().query_value<std::string>("select justify_interval($1::interval)::text", pgpx::interval{0, 35, 25h}),
            "1 mon 6 days 01:00:00");
}

TEST_F(chrono_types, durations_round_trip_as_time_only_intervals) {
  expect_round_trip(cx(), "interval", minutes(90), "01:30:00");
  expect_round_trip(cx(), "interval", seconds(-5), "-00:00:05");
  expect_round_trip(cx(), "interval", microseconds(1), "00:00:00.000001");
  expect_round_trip(cx(), "interval", hours(1000), "1000:00:00");
  EXPECT_EQ(cx().query_value<hours>("select interval '1 day 1 hour'"), 25h);
  EXPECT_EQ(cx().query_value<seconds>("select interval '-1 day +00:00:01'"), -86399s);
  EXPECT_EQ(cx().query_value<milliseconds>("select interval '1.0015 seconds'"), 1001ms);
  EXPECT_EQ(cx().query_value<milliseconds>("select interval '-1.0015 seconds'"), -1002ms);
  EXPECT_EQ(cx().query_value<nanoseconds>("select interval '00:00:00.000001'"), 1000ns);
  EXPECT_EQ(cx().query_value<std::string>("select $1::interval::text", 1500ns), "00:00:00.000001");
  EXPECT_EQ(cx().query_value<std::string>("select $1::interval::text", -1500ns), "-00:00:00.000002");
  auto w = conversion_failure([&] { (void)cx().query_value<seconds>("select interval '1 month' as iv"); });
  EXPECT_THAT(w, HasSubstr("month"));
  EXPECT_THAT(w, HasSubstr("\"iv\""));
}

}  // namespace
