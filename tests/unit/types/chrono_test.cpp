#include <pgpx/types/chrono.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace chr = std::chrono;
using chr::days;
using chr::local_days;
using chr::sys_days;
using chr::year;

static_assert(pgpx::has_codec<pgpx::date>);
static_assert(pgpx::has_codec<pgpx::timestamptz>);
static_assert(pgpx::has_codec<pgpx::timestamp>);
static_assert(pgpx::has_codec<chr::sys_time<chr::nanoseconds>>);
static_assert(pgpx::has_codec<chr::sys_seconds>);
static_assert(pgpx::has_codec<chr::sys_days>);
static_assert(pgpx::has_codec<chr::local_time<chr::milliseconds>>);
static_assert(pgpx::has_codec<pgpx::time_of_day>);
static_assert(pgpx::has_codec<pgpx::interval>);
static_assert(pgpx::has_codec<chr::microseconds>);
static_assert(pgpx::has_codec<chr::seconds>);
static_assert(pgpx::has_codec<chr::duration<std::int32_t, std::milli>>);
static_assert(pgpx::has_codec<std::optional<pgpx::timestamptz>>);
static_assert(!pgpx::has_codec<chr::duration<double>>, "floating point durations are not supported");
static_assert(!pgpx::has_codec<chr::time_point<chr::steady_clock, chr::microseconds>>,
              "steady_clock has no calendar meaning");

auto from_hex(std::string_view hex) -> std::string {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

template <class T>
auto encode(const T& v) -> std::string {
  std::string out;
  pgpx::codec<T>::encode(v, out);
  return out;
}

template <class T>
auto decode(std::string_view bytes) -> T {
  return pgpx::codec<T>::decode(bytes, pgpx::codec<T>::param_oid);
}

template <class T>
auto text(const T& v) -> std::string {
  std::string out;
  pgpx::codec<T>::to_text(v, out);
  return out;
}

template <class T>
void expect_every_truncation_throws(std::string_view bytes) {
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<char> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));  // exact size: ASan
    EXPECT_THROW((void)decode<T>(std::string_view(prefix.data(), prefix.size())), pgpx::conversion_error) << n;
  }
  EXPECT_THROW((void)decode<T>(std::string(bytes) + '\0'), pgpx::conversion_error);
}

// ---------------------------------------------------------------------------------- date

struct date_case {
  pgpx::date value;
  const char* hex;  // date_send() of PostgreSQL 15
  const char* text;  // date_out()
};

const date_case date_cases[] = {
    {year{2024} / 1 / 31, "0000225c", "2024-01-31"},
    {year{2000} / 1 / 1, "00000000", "2000-01-01"},
    {year{1999} / 12 / 31, "ffffffff", "1999-12-31"},
    {year{-43} / 3 / 15, "fff49d7b", "0044-03-15 BC"},
    {year{0} / 1 / 1, "fff4da8b", "0001-01-01 BC"},
    {year{-4713} / 11 / 24, "ffda97a7", "4714-11-24 BC"},  // PostgreSQL's first day
    {year{32767} / 12 / 30, "00ab7993", "32767-12-30"},
    {pgpx::date_infinity, "7fffffff", "infinity"},
    {pgpx::date_minus_infinity, "80000000", "-infinity"},
};

TEST(date_codec, matches_postgres_binary_and_text) {
  for (const auto& c : date_cases) {
    EXPECT_EQ(encode(c.value), from_hex(c.hex)) << c.text;
    EXPECT_EQ(decode<pgpx::date>(from_hex(c.hex)), c.value) << c.text;
    EXPECT_EQ(text(c.value), c.text);
  }
}

TEST(date_codec, infinity_sentinels_are_the_extreme_years) {
  EXPECT_EQ(pgpx::date_infinity.year(), year::max());
  EXPECT_EQ(pgpx::date_minus_infinity.year(), year::min());
  EXPECT_TRUE(pgpx::date_infinity.ok());
  EXPECT_TRUE(pgpx::date_minus_infinity.ok());
}

TEST(date_codec, dates_outside_year_month_day_are_refused) {
  // 5874897-12-31, PostgreSQL's last date, and 32767-12-31, which would read as infinity.
  EXPECT_THROW((void)decode<pgpx::date>(from_hex("7fda970c")), pgpx::conversion_error);
  EXPECT_THROW((void)decode<pgpx::date>(from_hex("00ab7994")), pgpx::conversion_error);
  // Before 4714-11-24 BC and past PostgreSQL's end: not valid date values at all.
  EXPECT_THROW((void)decode<pgpx::date>(from_hex("ffda97a6")), pgpx::conversion_error);
  EXPECT_THROW((void)decode<pgpx::date>(from_hex("7fda970d")), pgpx::conversion_error);
}

TEST(date_codec, invalid_or_too_early_dates_are_not_sent) {
  EXPECT_THROW((void)encode<pgpx::date>(year{2023} / 2 / 29), pgpx::conversion_error);
  EXPECT_THROW((void)encode<pgpx::date>(year{2023} / 13 / 1), pgpx::conversion_error);
  EXPECT_THROW((void)encode<pgpx::date>(year{-4713} / 11 / 23), pgpx::conversion_error);
  EXPECT_THROW((void)encode<pgpx::date>(year{-20000} / 1 / 1), pgpx::conversion_error);
  EXPECT_EQ(encode<pgpx::date>(year{2024} / 2 / 29), from_hex("00002279"));
}

TEST(date_codec, truncations_throw) { expect_every_truncation_throws<pgpx::date>(from_hex("0000225c")); }

// ---------------------------------------------------------------------------- timestamps

struct timestamp_case {
  sys_days day;
  chr::microseconds time;
  const char* hex;  // timestamptz_send() and timestamp_send() of PostgreSQL 15
  const char* text;  // timestamp_out() (timestamptz_out() adds "+00" with TimeZone UTC)
  const char* era;
};

const timestamp_case timestamp_cases[] = {
    {sys_days{year{2024} / 1 / 31}, 12h + 500ms, "0002b33b6319d120", "2024-01-31 12:00:00.5", ""},
    {sys_days{year{1969} / 7 / 20}, 20h + 17min + 40s, "fffc96188bae6100", "1969-07-20 20:17:40", ""},
    {sys_days{year{2000} / 1 / 1}, 0us, "0000000000000000", "2000-01-01 00:00:00", ""},
    {sys_days{year{1999} / 12 / 31}, 24h - 1us, "ffffffffffffffff", "1999-12-31 23:59:59.999999", ""},
    {sys_days{year{-43} / 3 / 15}, 12h, "ff1af9e8fb46d000", "0044-03-15 12:00:00", " BC"},
    {sys_days{year{-4713} / 11 / 24}, 0us, "fd0f7cc1411fa000", "4714-11-24 00:00:00", " BC"},
    {sys_days{year{12345} / 6 / 7}, 1h + 2min + 3s + 4us, "0487dafa31fd18c4", "12345-06-07 01:02:03.000004", ""},
};

TEST(timestamptz_codec, matches_postgres_binary_and_text) {
  for (const auto& c : timestamp_cases) {
    const pgpx::timestamptz tp = c.day + c.time;
    EXPECT_EQ(encode(tp), from_hex(c.hex)) << c.text;
    EXPECT_EQ(decode<pgpx::timestamptz>(from_hex(c.hex)), tp) << c.text;
    EXPECT_EQ(text(tp), std::string(c.text) + "+00" + c.era);
  }
}

TEST(timestamp_codec, matches_postgres_binary_and_text) {
  for (const auto& c : timestamp_cases) {
    const pgpx::timestamp tp = local_days{c.day.time_since_epoch()} + c.time;
    EXPECT_EQ(encode(tp), from_hex(c.hex)) << c.text;
    EXPECT_EQ(decode<pgpx::timestamp>(from_hex(c.hex)), tp) << c.text;
    EXPECT_EQ(text(tp), std::string(c.text) + c.era);
  }
}

TEST(timestamptz_codec, infinities_are_max_and_min) {
  EXPECT_EQ(encode(pgpx::timestamptz::max()), from_hex("7fffffffffffffff"));
  EXPECT_EQ(encode(pgpx::timestamptz::min()), from_hex("8000000000000000"));
  EXPECT_EQ(decode<pgpx::timestamptz>(from_hex("7fffffffffffffff")), pgpx::timestamptz::max());
  EXPECT_EQ(decode<pgpx::timestamptz>(from_hex("8000000000000000")), pgpx::timestamptz::min());
  EXPECT_EQ(decode<pgpx::timestamp>(from_hex("7fffffffffffffff")), pgpx::timestamp::max());
  using sys_ns = chr::sys_time<chr::nanoseconds>;
  EXPECT_EQ(decode<sys_ns>(from_hex("8000000000000000")), sys_ns::min());
  EXPECT_EQ(encode(chr::sys_seconds::max()), from_hex("7fffffffffffffff"));
  EXPECT_EQ(text(pgpx::timestamptz::max()), "infinity");
  EXPECT_EQ(text(pgpx::timestamp::min()), "-infinity");
}

TEST(timestamptz_codec, finer_durations_are_floored_when_sent) {
  using sys_ns = chr::sys_time<chr::nanoseconds>;
  const sys_ns epoch{sys_days{year{2000} / 1 / 1}.time_since_epoch()};
  EXPECT_EQ(encode(epoch - 1ns), from_hex("ffffffffffffffff"));  // toward the past, not toward zero
  EXPECT_EQ(encode(epoch + 999ns), from_hex("0000000000000000"));
  EXPECT_EQ(encode(epoch + 1500ns), from_hex("0000000000000001"));
  EXPECT_EQ(decode<sys_ns>(from_hex("0000000000000001")), epoch + 1us);
}

TEST(timestamptz_codec, coarser_durations_are_floored_when_read) {
  const auto noon_and_a_half = from_hex("0002b33b6319d120");  // 2024-01-31 12:00:00.5
  EXPECT_EQ(decode<chr::sys_seconds>(noon_and_a_half), sys_days{year{2024} / 1 / 31} + 12h);
  EXPECT_EQ(decode<chr::sys_days>(noon_and_a_half), sys_days{year{2024} / 1 / 31});
  // 1969-12-31 23:59:59.5 is half a second before the Unix epoch: floored, not truncated.
  std::string before_unix_epoch;
  pgpx::detail::store_be<std::int64_t>(before_unix_epoch, -500'000 - pgpx::detail::pg_epoch_unix_usecs);
  EXPECT_EQ(decode<chr::sys_seconds>(before_unix_epoch), chr::sys_seconds{-1s});
  EXPECT_EQ(encode(sys_days{year{2024} / 1 / 31}), from_hex("0002b33154268000"));
}

TEST(timestamptz_codec, values_outside_either_range_throw) {
  // 294276-12-31 23:59:59.999999 is a valid timestamp but beyond sys_time<microseconds>.
  EXPECT_THROW((void)decode<pgpx::timestamptz>(from_hex("7fffff5bb3b29fff")), pgpx::conversion_error);
  // Year 2500 does not fit nanoseconds since 1970 in 64 bits.
  std::string y2500;
  pgpx::codec<pgpx::timestamptz>::encode(sys_days{year{2500} / 1 / 1}, y2500);
  EXPECT_THROW((void)decode<chr::sys_time<chr::nanoseconds>>(y2500), pgpx::conversion_error);
  // 32-bit seconds end in 2038.
  EXPECT_THROW((void)decode<chr::sys_time<chr::duration<std::int32_t>>>(y2500), pgpx::conversion_error);
  // Past PostgreSQL's range (and not an infinity): refused on both sides.
  EXPECT_THROW((void)decode<pgpx::timestamptz>(from_hex("7ffffffffffffffe")), pgpx::conversion_error);
  EXPECT_THROW((void)encode(chr::sys_seconds{chr::seconds::max() - 1s}), pgpx::conversion_error);
  EXPECT_THROW((void)encode(pgpx::timestamptz{sys_days{year{-4713} / 11 / 24}} - 1us), pgpx::conversion_error);
  EXPECT_NO_THROW((void)encode(pgpx::timestamptz{sys_days{year{-4713} / 11 / 24}}));
}

TEST(timestamptz_codec, codec_members_keep_the_two_types_apart) {
  using tz = pgpx::codec<pgpx::timestamptz>;
  using local = pgpx::codec<pgpx::timestamp>;
  EXPECT_EQ(tz::param_oid, pgpx::oids::timestamptz);
  EXPECT_EQ(local::param_oid, pgpx::oids::timestamp);
  EXPECT_EQ(tz::param_format, pgpx::format::binary);
  EXPECT_TRUE(tz::accepts(pgpx::oids::timestamptz));
  EXPECT_FALSE(tz::accepts(pgpx::oids::timestamp));
  EXPECT_TRUE(local::accepts(pgpx::oids::timestamp));
  EXPECT_FALSE(local::accepts(pgpx::oids::timestamptz));
  EXPECT_FALSE(tz::accepts(pgpx::oids::date));
}

TEST(timestamptz_codec, truncations_throw) {
  expect_every_truncation_throws<pgpx::timestamptz>(from_hex("0002b33b6319d120"));
  expect_every_truncation_throws<pgpx::timestamp>(from_hex("0002b33b6319d120"));
}

TEST(timestamptz_codec, now_has_microsecond_resolution_and_round_trips) {
  const auto before = chr::system_clock::now();
  const pgpx::timestamptz t = pgpx::now();
  const auto after = chr::system_clock::now();
  EXPECT_LE(chr::floor<chr::microseconds>(before), t);
  EXPECT_LE(t, after);
  EXPECT_EQ(decode<pgpx::timestamptz>(encode(t)), t);
}

TEST(timestamp_format, prints_years_beyond_std_chrono) {
  std::string out;
  pgpx::detail::format_pg_timestamp(0x7fffff5bb3b29fff, true, out);
  EXPECT_EQ(out, "294276-12-31 23:59:59.999999+00");
  out.clear();
  pgpx::detail::format_pg_date(0x7fda970c, out);
  EXPECT_EQ(out, "5874897-12-31");
}

// ---------------------------------------------------------------------------------- time

TEST(time_codec, matches_postgres_binary_and_text) {
  const std::pair<chr::microseconds, const char*> cases[] = {
      {0us, "0000000000000000"},
      {12h + 34min + 56s + 789ms, "0000000a8be62608"},
      {24h, "000000141dd76000"},
      {24h - 1us, "000000141dd75fff"},
  };
  const char* texts[] = {"00:00:00", "12:34:56.789", "24:00:00", "23:59:59.999999"};
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const pgpx::time_of_day t{cases[i].first};
    EXPECT_EQ(encode(t), from_hex(cases[i].second));
    EXPECT_EQ(decode<pgpx::time_of_day>(from_hex(cases[i].second)), t);
    EXPECT_EQ(t.to_string(), texts[i]);
    EXPECT_EQ(text(t), texts[i]);
  }
}

TEST(time_codec, out_of_range_values_throw) {
  EXPECT_THROW(pgpx::time_of_day{24h + 1us}, pgpx::conversion_error);
  EXPECT_THROW(pgpx::time_of_day{-1us}, pgpx::conversion_error);
  EXPECT_THROW((void)decode<pgpx::time_of_day>(from_hex("000000141dd76001")), pgpx::conversion_error);
  EXPECT_THROW((void)decode<pgpx::time_of_day>(from_hex("ffffffffffffffff")), pgpx::conversion_error);
  expect_every_truncation_throws<pgpx::time_of_day>(from_hex("0000000a8be62608"));
}

TEST(time_codec, orders_and_compares) {
  EXPECT_LT(pgpx::time_of_day{9h}, pgpx::time_of_day{9h + 1us});
  EXPECT_EQ(pgpx::time_of_day{}, pgpx::time_of_day{0us});
  EXPECT_EQ(pgpx::time_of_day{9h + 30min}.since_midnight(), 570min);
  EXPECT_FALSE(pgpx::codec<pgpx::time_of_day>::accepts(pgpx::oids::timetz));
}

// ------------------------------------------------------------------------------ interval

struct interval_case {
  pgpx::interval value;
  const char* hex;  // interval_send() of PostgreSQL 15
  const char* iso;  // interval_out() with IntervalStyle iso_8601
};

constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int32_t i32_max = std::numeric_limits<std::int32_t>::max();
constexpr std::int32_t i32_min = std::numeric_limits<std::int32_t>::min();

const interval_case interval_cases[] = {
    {{0, 0, 0us}, "00000000000000000000000000000000", "PT0S"},
    {{14, 3, 4h + 5min + 6s}, "000000036c8bc080000000030000000e", "P1Y2M3DT4H5M6S"},
    {{0, 0, 500ms}, "000000000007a1200000000000000000", "PT0.5S"},
    {{-14, 0, 0us}, "000000000000000000000000fffffff2", "P-1Y-2M"},
    {{0, 0, -500ms}, "fffffffffff85ee00000000000000000", "PT-0.5S"},
    {{0, 0, -3500ms}, "ffffffffffca98200000000000000000", "PT-3.5S"},
    {{0, -1, 1h}, "00000000d693a400ffffffff00000000", "P-1DT1H"},
    {{0, 1, -(1h + 2min + 3250ms)}, "ffffffff2213b6b00000000100000000", "P1DT-1H-2M-3.25S"},
    {{0, 0, 100h}, "00000053d1ac10000000000000000000", "PT100H"},
    {{0, 0, 1min}, "00000000039387000000000000000000", "PT1M"},
    {{0, 0, 1000001us}, "00000000000f42410000000000000000", "PT1.000001S"},
    {{1, 0, -1s}, "fffffffffff0bdc00000000000000001", "P1MT-1S"},
    {{0, 0, -30min}, "ffffffff94b62e000000000000000000", "PT-30M"},
    {{12, 0, 0us}, "0000000000000000000000000000000c", "P1Y"},
    {{i32_min, i32_min, 0us}, "00000000000000008000000080000000", "P-178956970Y-8M-2147483648D"},
    {{0, 0, chr::microseconds(i64_min + 1)}, "80000000000000010000000000000000", "PT-2562047788H-54.775807S"},
    {{0, 0, chr::microseconds(i64_min)}, "80000000000000000000000000000000", "PT-2562047788H-54.775808S"},
    {{i32_max, i32_max, chr::microseconds(i64_max)},
     "7fffffffffffffff7fffffff7fffffff",
     "P178956970Y7M2147483647DT2562047788H54.775807S"},
};

TEST(interval_codec, matches_postgres_binary_and_iso_8601_text) {
  for (const auto& c : interval_cases) {
    EXPECT_EQ(encode(c.value), from_hex(c.hex)) << c.iso;
    EXPECT_EQ(decode<pgpx::interval>(from_hex(c.hex)), c.value) << c.iso;
    EXPECT_EQ(c.value.to_string(), c.iso);
    EXPECT_EQ(text(c.value), c.iso);
  }
}

TEST(interval_codec, equality_is_field_wise) {
  EXPECT_NE((pgpx::interval{0, 1, 0us}), (pgpx::interval{0, 0, 24h}));
  EXPECT_EQ((pgpx::interval{1, 2, 3us}), (pgpx::interval{1, 2, 3us}));
  EXPECT_EQ(pgpx::codec<pgpx::interval>::param_oid, pgpx::oids::interval);
  EXPECT_TRUE(pgpx::codec<pgpx::interval>::accepts(pgpx::oids::interval));
  EXPECT_FALSE(pgpx::codec<pgpx::interval>::accepts(pgpx::oids::time));
}

TEST(interval_codec, truncations_throw) {
  expect_every_truncation_throws<pgpx::interval>(from_hex("000000036c8bc080000000030000000e"));
  expect_every_truncation_throws<chr::seconds>(from_hex("000000036c8bc080000000030000000e"));
}

// ------------------------------------------------------------------------------ duration

TEST(duration_codec, sends_a_time_only_interval) {
  EXPECT_EQ(encode(chr::microseconds(100h)), from_hex("00000053d1ac10000000000000000000"));
  EXPECT_EQ(encode(chr::seconds(90)), from_hex("00000000055d4a800000000000000000"));  // interval_send('90 sec')
  EXPECT_EQ(encode(chr::days(2)), encode(pgpx::interval{0, 0, 48h}));
  EXPECT_EQ(encode(chr::nanoseconds(-1)), encode(pgpx::interval{0, 0, -1us}));  // floored
  EXPECT_EQ(text(chr::seconds(90)), "PT1M30S");
  EXPECT_EQ(text(chr::milliseconds(-500)), "PT-0.5S");
  EXPECT_THROW((void)encode(chr::hours::max()), pgpx::conversion_error);
}

TEST(duration_codec, reads_days_as_24_hours_and_refuses_months) {
  EXPECT_EQ(decode<chr::hours>(from_hex("00000000d693a400ffffffff00000000")), -23h);  // -1 day +01:00
  EXPECT_EQ(decode<chr::microseconds>(from_hex("000000000007a1200000000000000000")), 500ms);
  EXPECT_EQ(decode<chr::seconds>(from_hex("000000000007a1200000000000000000")), 0s);  // floored
  EXPECT_EQ(decode<chr::seconds>(from_hex("fffffffffff85ee00000000000000000")), -1s);  // floored
  EXPECT_EQ(decode<chr::nanoseconds>(from_hex("00000000000f42410000000000000000")), 1000001000ns);
  try {
    (void)decode<chr::seconds>(from_hex("0000000000000000000000000000000c"));
    ADD_FAILURE() << "an interval with months was read as a duration";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(std::string(e.what()).find("P1Y"), std::string::npos) << e.what();
  }
}

TEST(duration_codec, overflow_throws) {
  // 2^31-1 days do not fit in 64-bit microseconds.
  EXPECT_THROW((void)decode<chr::microseconds>(from_hex("00000000000000007fffffff00000000")), pgpx::conversion_error);
  // The largest time does not fit in 64-bit nanoseconds, nor 32-bit seconds.
  EXPECT_THROW((void)decode<chr::nanoseconds>(from_hex("7fffffffffffffff0000000000000000")), pgpx::conversion_error);
  EXPECT_THROW((void)decode<chr::duration<std::int32_t>>(from_hex("7fffffffffffffff0000000000000000")),
               pgpx::conversion_error);
  EXPECT_EQ(decode<chr::duration<std::int32_t>>(from_hex("00000000d693a400ffffffff00000000")),
            chr::duration<std::int32_t>(-23 * 3600));
}

}  // namespace
