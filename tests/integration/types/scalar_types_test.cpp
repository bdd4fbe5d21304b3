// Round trips of the scalar codecs through a real server: bool, the integers, float4/8,
// the character types, bytea, numeric, uuid, json/jsonb and inet/cidr.
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

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace {

using ::testing::HasSubstr;

using namespace pgpx::test::round_trip;  // NOLINT(google-build-using-namespace)

class scalar_types : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    if (HasFatalFailure()) return;
    cx().execute_script(
        "set timezone = 'UTC'; set datestyle = 'ISO, YMD'; set intervalstyle = 'postgres'; "
        "set extra_float_digits = 1; set bytea_output = 'hex'");
  }
};

// --- bool ------------------------------------------------------------------------------------

TEST_F(scalar_types, bool_round_trips) {
  expect_round_trip(cx(), "bool", true, "true");
  expect_round_trip(cx(), "bool", false, "false");
  EXPECT_TRUE(cx().query_value<bool>("select 1 < 2"));
  EXPECT_FALSE(cx().query_value<bool>("select $1::bool and true", false));
}

// --- integers --------------------------------------------------------------------------------

TEST_F(scalar_types, int2_round_trips_including_limits) {
  using lim = std::numeric_limits<std::int16_t>;
  expect_round_trip(cx(), "int2", std::int16_t{0}, "0");
  expect_round_trip(cx(), "int2", std::int16_t{-1}, "-1");
  expect_round_trip(cx(), "int2", lim::min(), "-32768");
  expect_round_trip(cx(), "int2", lim::max(), "32767");
}

TEST_F(scalar_types, int4_round_trips_including_limits) {
  using lim = std::numeric_limits<std::int32_t>;
  expect_round_trip(cx(), "int4", std::int32_t{42}, "42");
  expect_round_trip(cx(), "int4", std::int32_t{-1000000}, "-1000000");
  expect_round_trip(cx(), "int4", lim::min(), "-2147483648");
  expect_round_trip(cx(), "int4", lim::max(), "2147483647");
}

TEST_F(scalar_types, int8_round_trips_including_limits) {
  using lim = std::numeric_limits<std::int64_t>;
  expect_round_trip(cx(), "int8", std::int64_t{1} << 40, "1099511627776");
  expect_round_trip(cx(), "int8", std::int64_t{-1}, "-1");
  expect_round_trip(cx(), "int8", lim::min(), "-9223372036854775808");
  expect_round_trip(cx(), "int8", lim::max(), "9223372036854775807");
}

TEST_F(scalar_types, wider_integers_read_narrower_columns) {
  EXPECT_EQ(cx().query_value<std::int64_t>("select (-32768)::int2"), -32768);
  EXPECT_EQ(cx().query_value<std::int64_t>("select (-2147483648)::int4"), -2147483648LL);
  EXPECT_EQ(cx().query_value<std::int32_t>("select 32767::int2"), 32767);
  // A narrow parameter into a wide column and back.
  cx().execute_script("create table w (a int8, b int4)");
  cx().execute("insert into w values ($1, $2)", std::int16_t{-7}, std::int16_t{12345});
  EXPECT_EQ(cx().query_value<std::string>("select a::text || ',' || b::text from w"), "-7,12345");
}

TEST_F(scalar_types, narrowing_integer_reads_fail_with_a_conversion_error) {
  auto w = conversion_failure([&] { (void)cx().query_value<std::int16_t>("select 32768::int4 as big"); });
  EXPECT_THAT(w, HasSubstr("32768"));
  EXPECT_THAT(w, HasSubstr("std::int16_t"));
  EXPECT_THAT(w, HasSubstr("\"big\""));
  w = conversion_failure([&] { (void)cx().query_value<std::int16_t>("select (-32769)::int8"); });
  EXPECT_THAT(w, HasSubstr("-32769"));
  w = conversion_failure([&] { (void)cx().query_value<std::int32_t>("select 2147483648::int8"); });
  EXPECT_THAT(w, HasSubstr("std::int32_t"));
  w = conversion_failure([&] { (void)cx().query_value<std::int32_t>("select (-2147483649)::int8"); });
  EXPECT_THAT(w, HasSubstr("-2147483649"));
  w = conversion_failure([&] { (void)cx().query_value<std::uint32_t>("select (-1)::int4"); });
  EXPECT_THAT(w, HasSubstr("std::uint32_t"));
  w = conversion_failure([&] { (void)cx().query_value<std::uint16_t>("select 65536::int4"); });
  EXPECT_THAT(w, HasSubstr("std::uint16_t"));
  // The connection stays usable after a conversion error.
  EXPECT_EQ(cx().query_value<std::int32_t>("select 1"), 1);
}

TEST_F(scalar_types, unsigned_integers_travel_in_the_next_wider_type) {
  EXPECT_EQ(cx().query_value<std::string>("select pg_typeof($1)::text", std::uint16_t{65535}), "integer");
  EXPECT_EQ(cx().query_value<std::string>("select pg_typeof($1)::text", std::uint32_t{1}), "bigint");
  expect_round_trip(cx(), "int4", std::uint16_t{65535}, "65535");
  expect_round_trip(cx(), "int8", std::uint32_t{4294967295U}, "4294967295");
  // oid is unsigned 32-bit: values above INT32_MAX read correctly.
  EXPECT_EQ(cx().query_value<std::uint32_t>("select 4294967295::oid"), 4294967295U);
  EXPECT_EQ(cx().query_value<std::uint32_t>("select 'pg_class'::regclass::oid"), 1259U);
}

TEST_F(scalar_types, the_server_rejects_a_parameter_its_cast_cannot_hold) {
  try {
    (void)cx().query_value<std::int32_t>("select $1::int4", std::int64_t{1} << 40);
    FAIL() << "expected integer out of range";
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "22003") << e.what();
  }
}

// --- floating point --------------------------------------------------------------------------

TEST_F(scalar_types, float8_round_trips_special_and_extreme_values) {
  using lim = std::numeric_limits<double>;
  expect_round_trip(cx(), "float8", 0.1, "0.1");
  expect_round_trip(cx(), "float8", -123456.789, "-123456.789");
  expect_round_trip(cx(), "float8", 0.0, "0");
  expect_round_trip(cx(), "float8", -0.0, "-0");
  expect_round_trip(cx(), "float8", lim::quiet_NaN(), "NaN");
  expect_round_trip(cx(), "float8", lim::infinity(), "Infinity");
  expect_round_trip(cx(), "float8", -lim::infinity(), "-Infinity");
  expect_round_trip(cx(), "float8", lim::denorm_min(), "5e-324");
  expect_round_trip(cx(), "float8", lim::min(), "2.2250738585072014e-308");
  expect_round_trip(cx(), "float8", lim::max(), "1.7976931348623157e+308");
  expect_round_trip(cx(), "float8", 1e15, "1e+15");
  expect_round_trip(cx(), "float8", 123456789012345678.0, "1.2345678901234568e+17");
  // -0 keeps its sign bit through the server (a comparison with 0 would not notice).
  EXPECT_TRUE(std::signbit(cx().query_value<double>("select '-0'::float8")));
  EXPECT_EQ(cx().query_value<std::string>("select $1::float8::text", -0.0), "-0");
}

TEST_F(scalar_types, float4_round_trips_special_and_extreme_values) {
  using lim = std::numeric_limits<float>;
  expect_round_trip(cx(), "float4", 0.1F, "0.1");
  expect_round_trip(cx(), "float4", -2.5F, "-2.5");
  expect_round_trip(cx(), "float4", -0.0F, "-0");
  expect_round_trip(cx(), "float4", lim::quiet_NaN(), "NaN");
  expect_round_trip(cx(), "float4", lim::infinity(), "Infinity");
  expect_round_trip(cx(), "float4", -lim::infinity(), "-Infinity");
  expect_round_trip(cx(), "float4", lim::denorm_min(), "1e-45");
  expect_round_trip(cx(), "float4", lim::max(), "3.4028235e+38");
  expect_round_trip(cx(), "float4", lim::min(), "1.1754944e-38");
}

TEST_F(scalar_types, float4_reads_into_double_exactly_and_double_reads_float4) {
  EXPECT_EQ(cx().query_value<double>("select 0.1::float4"), static_cast<double>(0.1F));
  EXPECT_EQ(cx().query_value<float>("select 0.5::float8"), 0.5F);
  // A float parameter is float4 on the server, a double is float8.
  EXPECT_EQ(cx().query_value<std::string>("select pg_typeof($1)::text", 1.0F), "real");
  EXPECT_EQ(cx().query_value<std::string>("select pg_typeof($1)::text", 1.0), "double precision");
}

// --- character types ---------------------------------------------------------------------------

TEST_F(scalar_types, text_round_trips_empty_unicode_quotes_and_control_characters) {
  expect_round_trip(cx(), "text", std::string(), "");
  expect_round_trip(cx(), "text", std::string("hello"), "hello");
  expect_round_trip(cx(), "text", std::string("grüße 日本語 🎉"), "grüße 日本語 🎉");
  expect_round_trip(cx(), "text", std::string("it's \\ \"quoted\" {a,b} (c) NULL"),
                    "it's \\ \"quoted\" {a,b} (c) NULL");
  expect_round_trip(cx(), "text", std::string("tab\tnewline\ncr\r\x01 end "), "tab\tnewline\ncr\r\x01 end ");
  EXPECT_EQ(cx().query_value<std::int32_t>("select length($1::text)", std::string("grüße")), 5);
  EXPECT_EQ(cx().query_value<std::int32_t>("select octet_length($1::text)", std::string("grüße")), 7);
}

TEST_F(scalar_types, large_text_round_trips) {
  std::string big;
  big.reserve(2 << 20);
  for (int i = 0; big.size() < (2U << 20); ++i) big += "line " + std::to_string(i) + " ünïcödé\n";
  EXPECT_EQ(cx().query_value<std::string>("select $1::text", big), big);
  EXPECT_EQ(cx().query_value<std::int64_t>("select octet_length($1::text)", big),
            static_cast<std::int64_t>(big.size()));
  EXPECT_EQ(
      cx().query_value<std::string>("select md5($1::text)", big),
      cx().query_value<std::string>("select md5(string_agg('line ' || i || ' ünïcödé' || chr(10), '' order by i)) "
                                    "from generate_series(0, $1::int4 - 1) i",
                                    static_cast<std::int32_t>(std::count(big.begin(), big.end(), '\n'))));
}

TEST_F(scalar_types, strings_with_an_embedded_nul_are_not_silently_truncated) {
  // PostgreSQL text cannot hold NUL. Sending one must fail loudly, never store a prefix.
  const std::string with_nul("ab\0cd", 5);
  try {
    const auto back = cx().query_value<std::string>("select $1::text", with_nul);
    EXPECT_EQ(back, with_nul) << "codec<std::string> sent a string with an embedded NUL as text: libpq stops at "
                                 "the NUL, so the server silently received only \""
                              << back << "\" (expected a conversion_error or usage_error before sending)";
  } catch (const pgpx::sql_error& e) {
    ADD_FAILURE() << "the server, not pgpx, rejected the NUL: " << e.what();
  } catch (const pgpx::error& e) {
    EXPECT_TRUE(e.kind() == pgpx::error_kind::conversion || e.kind() == pgpx::error_kind::usage) << e.what();
  }
}

TEST_F(scalar_types, varchar_round_trips_and_the_server_enforces_its_length) {
  expect_round_trip(cx(), "varchar(10)", std::string("abc"), "abc");
  expect_round_trip(cx(), "varchar", std::string("ünïcödé"), "ünïcödé");
  // An explicit cast truncates; an assignment to a too-short column is an error.
  EXPECT_EQ(cx().query_value<std::string>("select $1::varchar(3)", std::string("abcdef")), "abc");
  cx().execute_script("create table v (s varchar(3))");
  try {
    cx().execute("insert into v values ($1)", std::string("abcdef"));
    FAIL() << "expected string_data_right_truncation";
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "22001") << e.what();
  }
}

TEST_F(scalar_types, char_n_keeps_its_padding_in_binary_and_drops_it_as_text) {
  EXPECT_EQ(cx().query_value<std::string>("select 'ab'::char(5)"), "ab   ");
  EXPECT_EQ(cx().query_value<std::string>("select $1::char(5)", std::string("ab")), "ab   ");
  EXPECT_EQ(cx().query_value<std::string>("select $1::char(5)::text", std::string("ab")), "ab");
  EXPECT_EQ(cx().query_value<std::string>("select $1::bpchar", std::string("xy ")), "xy ");
  cx().execute_script("create table c (s char(4))");
  cx().execute("insert into c values ($1)", std::string("é"));
  EXPECT_EQ(cx().query_value<std::string>("select s from c"), "é   ");
  EXPECT_EQ(cx().query_value<std::int32_t>("select octet_length(s) from c"), 5);
}

TEST_F(scalar_types, name_round_trips_and_is_truncated_to_63_bytes_by_the_server) {
  expect_round_trip(cx(), "name", std::string("pg_catalog"), "pg_catalog");
  EXPECT_EQ(cx().query_value<std::string>("select typname from pg_type where oid = 23"), "int4");
  EXPECT_EQ(cx().query_value<std::string>("select $1::name", std::string(70, 'x')), std::string(63, 'x'));
}

TEST_F(scalar_types, internal_char_round_trips_one_byte) {
  expect_round_trip(cx(), "\"char\"", std::string("x"), "x");
  EXPECT_EQ(cx().query_value<std::string>("select typtype from pg_type where oid = 23"), "b");
  EXPECT_EQ(cx().query_value<std::string>("select 'xyz'::\"char\""), "x");
}

TEST_F(scalar_types, empty_internal_char_reads_as_an_empty_string) {
  // ''::"char" is the byte 0; PostgreSQL's own text form of it is the empty string.
  const auto v = cx().query_value<std::string>("select ''::\"char\"");
  EXPECT_EQ(v, "") << "codec<std::string> read ''::\"char\" (binary: one 0 byte) as a string of " << v.size()
                   << " byte(s) instead of \"\", which is what the server's text form says";
  EXPECT_EQ(cx().query_value<std::string>("select ''::\"char\"::text"), "");
}

TEST_F(scalar_types, string_view_and_const_char_parameters_and_borrowed_results) {
  EXPECT_EQ(cx().query_value<std::string>("select $1::text || $2::text", "lit", std::string_view("view")), "litview");
  pgpx::result r = cx().exec("select 'abc'::text, 'x'::varchar, ''::text");
  EXPECT_EQ(r[0].get<std::string_view>(0), "abc");
  EXPECT_EQ(r[0].get<std::string_view>(1), "x");
  EXPECT_EQ(r[0].get<std::string_view>(2), "");
}

TEST_F(scalar_types, a_string_parameter_is_parsed_by_the_server_as_the_column_type) {
  cx().execute_script("create table s (n numeric, d date, j jsonb, i int4)");
  cx().execute("insert into s values ($1, $2, $3, $4)", std::string("1.50"), std::string("2024-02-29"),
               std::string("{\"a\": 1}"), std::string("42"));
  EXPECT_EQ(cx().query_value<std::string>("select n::text || '|' || d::text || '|' || j::text || '|' || i from s"),
            "1.50|2024-02-29|{\"a\": 1}|42");
}

// --- bytea -----------------------------------------------------------------------------------

TEST_F(scalar_types, bytea_round_trips_every_byte_value_and_empty) {
  pgpx::bytea all(256);
  std::string hex = "\\x";
  for (int i = 0; i < 256; ++i) {
    all[static_cast<std::size_t>(i)] = static_cast<std::byte>(i);
    static constexpr char digits[] = "0123456789abcdef";
    hex += digits[i >> 4];
    hex += digits[i & 15];
  }
  expect_round_trip(cx(), "bytea", all, hex);
  expect_round_trip(cx(), "bytea", pgpx::bytea{}, "\\x");
  EXPECT_EQ(cx().query_value<std::int32_t>("select length($1::bytea)", all), 256);
  EXPECT_EQ(cx().query_value<std::int32_t>("select get_byte($1::bytea, 200)", all), 200);
  // Built by the server byte by byte.
  EXPECT_EQ(cx().query_value<pgpx::bytea>("select decode(string_agg(lpad(to_hex(i), 2, '0'), '' order by i), 'hex') "
                                          "from generate_series(0, 255) i"),
            all);
}

TEST_F(scalar_types, large_bytea_round_trips) {
  std::mt19937 gen(12345);
  pgpx::bytea big(3 << 20);
  for (auto& b : big) b = static_cast<std::byte>(gen() & 0xFF);
  EXPECT_EQ(cx().query_value<pgpx::bytea>("select $1::bytea", big), big);
  cx().execute_script("create table b (v bytea)");
  cx().execute("insert into b values ($1)", big);
  EXPECT_EQ(cx().query_value<pgpx::bytea>("select v from b"), big);
  EXPECT_EQ(cx().query_value<std::int64_t>("select length(v) from b"), static_cast<std::int64_t>(big.size()));
}

// --- numeric ---------------------------------------------------------------------------------

TEST_F(scalar_types, numeric_round_trips_simple_values) {
  expect_round_trip(cx(), "numeric", pgpx::numeric(), "0");
  expect_round_trip(cx(), "numeric", pgpx::numeric(42), "42");
  expect_round_trip(cx(), "numeric", pgpx::numeric("-123.4500"), "-123.4500");
  expect_round_trip(cx(), "numeric", pgpx::numeric("123.4500"), "123.4500");
  expect_round_trip(cx(), "numeric", pgpx::numeric("0.5"), "0.5");
  expect_round_trip(cx(), "numeric", pgpx::numeric("-7"), "-7");
  PGPX_EXPECT_SAME(cx().query_value<pgpx::numeric>("select 123.4500::numeric"), pgpx::numeric("123.4500"));
}

TEST_F(scalar_types, numeric_round_trips_values_at_base_10000_digit_boundaries) {
  for (const char* s : {"1", "9999", "10000", "10001", "99999999", "100000000", "0.0001", "0.00001", "9999.9999",
                        "12345678.87654321", "1000000", "0.1000", "100.001", "-0.0001000", "1e4"}) {
    const pgpx::numeric n(s);
    expect_round_trip(cx(), "numeric", n, n.to_string());
    EXPECT_EQ(cx().query_value<std::string>("select $1::numeric::text", n),
              cx().query_value<std::string>("select " + sql_literal(s) + "::numeric::text"))
        << s;
  }
}

TEST_F(scalar_types, numeric_preserves_trailing_zeros_and_normalises_like_the_server) {
  expect_round_trip(cx(), "numeric", pgpx::numeric("1.50"), "1.50");
  expect_round_trip(cx(), "numeric", pgpx::numeric("100.000"), "100.000");
  expect_round_trip(cx(), "numeric", pgpx::numeric("0.00"), "0.00");
  // Input forms the server normalises: the C++ parser gives the same canonical text.
  EXPECT_EQ(pgpx::numeric("-0.00").to_string(), cx().query_value<std::string>("select '-0.00'::numeric::text"));
  EXPECT_EQ(pgpx::numeric("1.5e3").to_string(), cx().query_value<std::string>("select '1.5e3'::numeric::text"));
  EXPECT_EQ(pgpx::numeric("  007.10 ").to_string(), cx().query_value<std::string>("select ' 007.10 '::numeric::text"));
  EXPECT_EQ(pgpx::numeric("1.5e-3").to_string(), cx().query_value<std::string>("select '1.5e-3'::numeric::text"));
  PGPX_EXPECT_SAME(cx().query_value<pgpx::numeric>("select '-0.00'::numeric"), pgpx::numeric("0.00"));
  EXPECT_EQ(cx().query_value<pgpx::numeric>("select 2.50::numeric(10, 4)").to_string(), "2.5000");
  EXPECT_EQ(cx().query_value<pgpx::numeric>("select 1::numeric / 3").to_string(), "0.33333333333333333333");
}

TEST_F(scalar_types, numeric_round_trips_negative_huge_and_tiny_values) {
  expect_round_trip(cx(), "numeric", pgpx::numeric(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
  expect_round_trip(cx(), "numeric", pgpx::numeric("0.00000000000000000001"), "0.00000000000000000001");
  expect_round_trip(cx(), "numeric", pgpx::numeric("-0.000000000000000000000000000000123"),
                    "-0.000000000000000000000000000000123");
  const std::string huge = "1" + std::string(1000, '0');
  expect_round_trip(cx(), "numeric", pgpx::numeric(huge), huge);
  const std::string long_digits = [] {
    std::string s;
    for (int i = 0; i < 300; ++i) s += std::to_string(i % 10);
    return "-" + s.substr(1) + "." + s;
  }();
  expect_round_trip(cx(), "numeric", pgpx::numeric(long_digits), long_digits);
}

TEST_F(scalar_types, numeric_round_trips_the_largest_precision_and_scale) {
  const std::string max_int = std::string(131072, '9');                       // most digits before the point
  const std::string max_scale = "0." + std::string(16382, '0') + "1";         // most digits after it
  const std::string both = std::string(131072, '9') + "." + std::string(16383, '9');
  expect_round_trip(cx(), "numeric", pgpx::numeric(max_int), max_int);
  expect_round_trip(cx(), "numeric", pgpx::numeric(max_scale), max_scale);
  EXPECT_EQ(cx().query_value<pgpx::numeric>("select $1::numeric", pgpx::numeric(both)).to_string(), both);
  EXPECT_EQ(cx().query_value<std::string>("select $1::numeric::text", pgpx::numeric(both)), both);
}

TEST_F(scalar_types, numeric_round_trips_nan_and_infinities) {
  expect_round_trip(cx(), "numeric", pgpx::numeric::nan(), "NaN");
  expect_round_trip(cx(), "numeric", pgpx::numeric::infinity(), "Infinity");
  expect_round_trip(cx(), "numeric", pgpx::numeric::minus_infinity(), "-Infinity");
  EXPECT_TRUE(cx().query_value<pgpx::numeric>("select 'nan'::numeric").is_nan());
  EXPECT_TRUE(cx().query_value<bool>("select $1::numeric = 'NaN'::numeric", pgpx::numeric::nan()));
  EXPECT_TRUE(cx().query_value<bool>("select $1::numeric > 1e100", pgpx::numeric::infinity()));
}

TEST_F(scalar_types, numeric_values_compare_on_the_server_as_sent) {
  // The server compares the decoded value, not the text: a wrong weight or sign shows here.
  EXPECT_TRUE(cx().query_value<bool>("select $1::numeric = 12345678.87654321", pgpx::numeric("12345678.87654321")));
  EXPECT_TRUE(
      cx().query_value<bool>("select $1::numeric < $2::numeric", pgpx::numeric("-0.0002"), pgpx::numeric("-0.0001")));
  EXPECT_EQ(
      cx().query_value<pgpx::numeric>("select $1::numeric + $2::numeric", pgpx::numeric("0.1"), pgpx::numeric("0.20")),
      pgpx::numeric("0.30"));
  EXPECT_EQ(cx().query_value<pgpx::numeric>(
                "select sum(x) from unnest($1::numeric[]) x",
                std::vector<pgpx::numeric>{pgpx::numeric("1.25"), pgpx::numeric("-10000"), pgpx::numeric("0.005")}),
            pgpx::numeric("-9998.745"));
  EXPECT_DOUBLE_EQ(cx().query_value<pgpx::numeric>("select 0.1::numeric").to_double(), 0.1);
}

// --- uuid ------------------------------------------------------------------------------------

TEST_F(scalar_types, uuid_round_trips) {
  const auto id = pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  expect_round_trip(cx(), "uuid", id, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  expect_round_trip(cx(), "uuid", pgpx::uuid{}, "00000000-0000-0000-0000-000000000000");
  expect_round_trip(cx(), "uuid", pgpx::uuid::parse("ffffffff-ffff-ffff-ffff-ffffffffffff"),
                    "ffffffff-ffff-ffff-ffff-ffffffffffff");
  expect_round_trip(cx(), "uuid", pgpx::uuid::parse("00112233-4455-6677-8899-aabbccddeeff"),
                    "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_EQ(cx().query_value<pgpx::uuid>("select '{A0EEBC99-9C0B4EF8-BB6D-6BB9BD380A11}'::uuid"), id);
}

TEST_F(scalar_types, uuid_order_matches_the_server) {
  auto ids = cx().query<pgpx::uuid>("select gen_random_uuid() u from generate_series(1, 200) order by u");
  ASSERT_EQ(ids.size(), 200U);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_EQ(cx().query_value<std::string>("select $1::uuid::text", ids[i]), ids[i].to_string());
}

// --- json and jsonb --------------------------------------------------------------------------

TEST_F(scalar_types, json_round_trips_nested_values_as_text) {
  const auto v = nlohmann::json::parse(R"({"a": {"b": [1, 2.5, null, true, "x"]}, "n": -3, "e": {}, "l": []})");
  expect_round_trip(cx(), "json", v, v.dump());
  EXPECT_EQ(cx().query_value<nlohmann::json>("select json_build_object('k', array[1, 2], 'm', 'v')"),
            nlohmann::json::parse(R"({"k": [1, 2], "m": "v"})"));
  EXPECT_EQ(cx().query_value<std::string>("select ($1::json -> 'a' -> 'b' ->> 4)", v), "x");
}

TEST_F(scalar_types, jsonb_round_trips_nested_values) {
  const auto v = nlohmann::json::parse(R"({"b": [1, 2.5, null, true, "x"], "a": {"c": {}}, "longer": -3})");
  expect_round_trip(cx(), "jsonb", v, R"({"a": {"c": {}}, "b": [1, 2.5, null, true, "x"], "longer": -3})");
  EXPECT_EQ(cx().query_value<nlohmann::json>("select jsonb_build_object('k', array[1, 2])"),
            nlohmann::json::parse(R"({"k": [1, 2]})"));
  EXPECT_EQ(cx().query_value<std::int32_t>("select jsonb_array_length($1::jsonb -> 'b')", v), 5);
}

TEST_F(scalar_types, json_and_jsonb_round_trip_unicode_and_escapes) {
  nlohmann::json v;
  v["grüße"] = "日本語 🎉";
  v["esc"] = "quote\" backslash\\ newline\n tab\t ctl\x01 slash/";
  expect_round_trip(cx(), "json", v, v.dump());
  EXPECT_EQ(cx().query_value<nlohmann::json>("select $1::jsonb", v), v);
  EXPECT_EQ(cx().query_value<std::string>("select $1::jsonb ->> 'grüße'", v), "日本語 🎉");
  EXPECT_EQ(cx().query_value<std::string>("select $1::jsonb ->> 'esc'", v), v["esc"].get<std::string>());
  EXPECT_EQ(cx().query_value<nlohmann::json>("select '{\"u\": \"\\u00e9\\ud83c\\udf89\"}'::jsonb"),
            nlohmann::json::parse(R"({"u": "é🎉"})"));
}

TEST_F(scalar_types, json_scalars_and_json_null_are_not_sql_null) {
  expect_round_trip(cx(), "jsonb", nlohmann::json(nullptr), "null");
  expect_round_trip(cx(), "jsonb", nlohmann::json("text"), "\"text\"");
  expect_round_trip(cx(), "jsonb", nlohmann::json(42), "42");
  expect_round_trip(cx(), "json", nlohmann::json(true), "true");
  EXPECT_EQ(cx().query_value<std::string>("select jsonb_typeof($1::jsonb)", nlohmann::json(nullptr)), "null");
  EXPECT_FALSE(cx().query_value<bool>("select $1::jsonb is null", nlohmann::json(nullptr)));
  expect_round_trip(cx(), "jsonb", nlohmann::json(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
  expect_round_trip(cx(), "jsonb", nlohmann::json(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615");
}

TEST_F(scalar_types, large_json_round_trips) {
  nlohmann::json arr = nlohmann::json::array();
  for (int i = 0; i < 20000; ++i)
    arr.push_back({{"id", i}, {"name", "item " + std::to_string(i)}, {"tags", {"a", "ü"}}});
  EXPECT_EQ(cx().query_value<nlohmann::json>("select $1::json", arr), arr);
  EXPECT_EQ(cx().query_value<nlohmann::json>("select $1::jsonb", arr), arr);
  EXPECT_EQ(cx().query_value<std::int32_t>("select jsonb_array_length($1::jsonb)", arr), 20000);
  EXPECT_EQ(cx().query_value<std::string>("select $1::jsonb -> 19999 ->> 'name'", arr), "item 19999");
  cx().execute_script("create table j (v jsonb)");
  cx().execute("insert into j values ($1)", arr);
  EXPECT_EQ(cx().query_value<nlohmann::json>("select v from j"), arr);
}

TEST_F(scalar_types, ordered_json_keeps_json_member_order_and_reads_jsonb_order) {
  const auto from_json = cx().query_value<nlohmann::ordered_json>(R"(select '{"z": 1, "a": 2}'::json)");
  EXPECT_EQ(from_json.dump(), R"({"z":1,"a":2})");
  const auto from_jsonb = cx().query_value<nlohmann::ordered_json>(R"(select '{"bb": 1, "a": 2}'::jsonb)");
  EXPECT_EQ(from_jsonb.dump(), R"({"a":2,"bb":1})");
  nlohmann::ordered_json o;
  o["z"] = 1;
  o["a"] = 2;
  EXPECT_EQ(cx().query_value<std::string>("select $1::json::text", o), R"({"z":1,"a":2})");
}

TEST_F(scalar_types, json_and_jsonb_read_into_strings) {
  EXPECT_EQ(cx().query_value<std::string>(R"(select '{"a":1}'::json)"), R"({"a":1})");
  EXPECT_EQ(cx().query_value<std::string>(R"(select '{"a":1}'::jsonb)"), R"({"a": 1})");
}

// --- inet and cidr ---------------------------------------------------------------------------

TEST_F(scalar_types, inet_round_trips_v4_and_v6_hosts_and_networks) {
  for (const char* s : {"192.168.1.5", "10.1.2.3/8", "0.0.0.0/0", "255.255.255.255", "::1", "::", "2001:db8::1/64",
                        "::ffff:1.2.3.4/120", "fe80::1:2:3:4", "2001:db8:0:0:1::1"}) {
    const auto v = pgpx::inet::parse(s);
    expect_round_trip(cx(), "inet", v, cx().query_value<std::string>("select " + sql_literal(s) + "::inet::text"));
  }
  const auto host = cx().query_value<pgpx::inet>("select '10.1.2.3/8'::inet");
  EXPECT_EQ(host.family, pgpx::ip_family::v4);
  EXPECT_EQ(host.prefix_length, 8);
  EXPECT_EQ(host.address[0], 10);
  EXPECT_EQ(host.address[3], 3);
  EXPECT_FALSE(host.is_cidr);
  expect_round_trip(cx(), "inet", pgpx::inet::parse("2001:DB8::1/64"), "2001:db8::1/64");
  expect_round_trip(cx(), "inet", pgpx::inet::parse("::ffff:1.2.3.4/120"), "::ffff:1.2.3.4/120");
}

TEST_F(scalar_types, cidr_round_trips_v4_and_v6_networks) {
  expect_round_trip(cx(), "cidr", pgpx::inet::parse_cidr("10.0.0.0/8"), "10.0.0.0/8");
  expect_round_trip(cx(), "cidr", pgpx::inet::parse_cidr("192.168/16"), "192.168.0.0/16");
  expect_round_trip(cx(), "cidr", pgpx::inet::parse_cidr("2001:db8::/32"), "2001:db8::/32");
  expect_round_trip(cx(), "cidr", pgpx::inet::parse_cidr("::/0"), "::/0");
  expect_round_trip(cx(), "cidr", pgpx::inet::parse_cidr("1.2.3.4/32"), "1.2.3.4/32");
  const auto net = cx().query_value<pgpx::inet>("select '10/8'::cidr");
  EXPECT_TRUE(net.is_cidr);
  EXPECT_EQ(net.to_string(), "10.0.0.0/8");
  EXPECT_TRUE(cx().query_value<pgpx::inet>("select network('10.1.2.3/8'::inet)").is_cidr);
}

TEST_F(scalar_types, inet_values_behave_on_the_server_as_sent) {
  EXPECT_TRUE(cx().query_value<bool>("select $1::inet << $2::cidr", pgpx::inet::parse("10.1.2.3"),
                                     pgpx::inet::parse_cidr("10.0.0.0/8")));
  EXPECT_FALSE(cx().query_value<bool>("select $1::inet << $2::cidr", pgpx::inet::parse("11.1.2.3"),
                                      pgpx::inet::parse_cidr("10.0.0.0/8")));
  EXPECT_EQ(cx().query_value<std::int32_t>("select masklen($1::inet)", pgpx::inet::parse("2001:db8::1/64")), 64);
  EXPECT_EQ(cx().query_value<std::int32_t>("select family($1::inet)", pgpx::inet::parse("::1")), 6);
  EXPECT_EQ(cx().query_value<std::string>("select host($1::inet)", pgpx::inet::parse("192.168.1.5/24")), "192.168.1.5");
  // An inet parameter cast to cidr loses its host bits, as the server's cast does.
  EXPECT_EQ(cx().query_value<pgpx::inet>("select $1::cidr", pgpx::inet::parse("10.1.2.3/8")),
            pgpx::inet::parse_cidr("10.0.0.0/8"));
}

TEST_F(scalar_types, a_cidr_with_host_bits_is_refused_before_sending) {
  pgpx::inet bad = pgpx::inet::parse("10.1.2.3/8");
  bad.is_cidr = true;
  (void)conversion_failure([&] { (void)cx().query_value<pgpx::inet>("select $1::cidr", bad); });
  pgpx::inet bad_prefix = pgpx::inet::parse("10.1.2.3");
  bad_prefix.prefix_length = 33;
  (void)conversion_failure([&] { (void)cx().query_value<pgpx::inet>("select $1::inet", bad_prefix); });
  EXPECT_EQ(cx().query_value<std::int32_t>("select 1"), 1);
}

// --- several types in one row ------------------------------------------------------------------

TEST_F(scalar_types, every_scalar_family_in_one_tuple_row) {
  using row_t = std::tuple<bool, std::int16_t, std::int64_t, double, std::string, pgpx::bytea, pgpx::numeric,
                           pgpx::uuid, nlohmann::json, pgpx::inet>;
  const row_t sent{true,
                   std::int16_t{-5},
                   std::int64_t{1} << 50,
                   -0.25,
                   "text",
                   pgpx::bytea{std::byte{0}, std::byte{0xFF}},
                   pgpx::numeric("-1.10"),
                   pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                   nlohmann::json::parse(R"({"k": [1]})"),
                   pgpx::inet::parse("::1")};
  const auto got = std::apply(
      [&](const auto&... v) {
        return cx().query_one<row_t>(
            "select $1::bool, $2::int2, $3::int8, $4::float8, $5::text, $6::bytea, "
            "$7::numeric, $8::uuid, $9::jsonb, $10::inet",
            v...);
      },
      sent);
  EXPECT_TRUE(got == sent);
  EXPECT_EQ(cx().query_value<std::string>(
                "select concat_ws('|', $1::bool, $2::int2, $3::int8, $4::float8, $5::text, $6::bytea, $7::numeric, "
                "$8::uuid, $9::jsonb, $10::inet)",
                true, std::int16_t{-5}, std::int64_t{1} << 50, -0.25, std::string("text"),
                pgpx::bytea{std::byte{0}, std::byte{0xFF}}, pgpx::numeric("-1.10"),
                pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), nlohmann::json::parse(R"({"k": [1]})"),
                pgpx::inet::parse("::1")),
            "t|-5|1125899906842624|-0.25|text|\\x00ff|-1.10|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{\"k\": [1]}|::1");
}

}  // namespace
