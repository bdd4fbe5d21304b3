// NULL handling through std::optional for every codec family, and the conversion errors a
// mismatched read produces: each names the column, the server type and the C++ type.
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
#include <tuple>
#include <type_traits>
#include <vector>

namespace nulls {
enum class mood { sad, ok, happy };
struct pair_t {
  std::int32_t a;
  std::string b;
  auto operator==(const pair_t&) const -> bool = default;
};
}  // namespace nulls

template <>
inline constexpr bool pgpx::is_composite<nulls::pair_t> = true;

namespace {

using ::testing::HasSubstr;
using namespace std::chrono;
using namespace std::chrono_literals;
using nulls::mood;
using nulls::pair_t;

using namespace pgpx::test::round_trip;  // NOLINT(google-build-using-namespace)

/// std::optional<T> and NULL of server type `type`: a server NULL reads as std::nullopt, a
/// std::nullopt parameter is NULL on the server (directly and in a column), `value` survives
/// the optional wrapper, and a NULL read into plain T is a conversion_error naming the
/// column and suggesting std::optional.
template <class T>
void expect_null_round_trip(pgpx::connection& cx, const std::string& type, const T& value) {
  using O = std::optional<T>;
  SCOPED_TRACE("type " + type);
  EXPECT_FALSE(cx.query_value<O>("select null::" + type).has_value());
  EXPECT_TRUE(cx.query_value<bool>("select $1::" + type + " is null", O{}));
  EXPECT_FALSE(cx.query_value<O>("select $1::" + type, O{}).has_value());
  PGPX_EXPECT_SAME(cx.query_value<O>("select $1::" + type, O{value}), O{value});
  EXPECT_TRUE(cx.query_value<bool>("select $1::" + type + "::text is not distinct from $2::" + type + "::text",
                                   O{value}, value));
  const std::string table = "nulls_" + std::to_string(++table_counter);
  cx.execute_script("create temp table " + table + " (k int4, v " + type + ")");
  cx.execute("insert into " + table + " values (1, $1), (2, $2)", O{}, O{value});
  const auto back = cx.query<O>("select v from " + table + " order by k");
  ASSERT_EQ(back.size(), 2U);
  EXPECT_FALSE(back[0].has_value());
  PGPX_EXPECT_SAME(back[1], O{value});
  EXPECT_EQ(cx.query_value<std::int64_t>("select count(*) from " + table + " where v is null"), 1);
  const auto w = conversion_failure([&] { (void)cx.query_value<T>("select null::" + type + " as nothing"); });
  EXPECT_THAT(w, HasSubstr("\"nothing\""));
  EXPECT_THAT(w, HasSubstr("std::optional"));
}

class null_and_errors : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    if (HasFatalFailure()) return;
    cx().execute_script(
        "set timezone = 'UTC'; set datestyle = 'ISO, YMD';"
        "create type mood as enum ('sad', 'ok', 'happy');"
        "create type pair_t as (a int4, b text);");
  }
};

// --- std::optional and NULL, per family ------------------------------------------------------------

TEST_F(null_and_errors, bool_and_integers_null_round_trip) {
  expect_null_round_trip(cx(), "bool", false);
  expect_null_round_trip(cx(), "int2", std::int16_t{-1});
  expect_null_round_trip(cx(), "int4", std::int32_t{0});
  expect_null_round_trip(cx(), "int8", std::numeric_limits<std::int64_t>::min());
}

TEST_F(null_and_errors, floats_null_round_trip) {
  expect_null_round_trip(cx(), "float4", 0.0F);
  expect_null_round_trip(cx(), "float8", std::numeric_limits<double>::quiet_NaN());
}

TEST_F(null_and_errors, strings_and_bytea_null_round_trip) {
  // The empty string and empty bytea are values, not NULL.
  expect_null_round_trip(cx(), "text", std::string());
  expect_null_round_trip(cx(), "varchar(5)", std::string("abc"));
  expect_null_round_trip(cx(), "bytea", pgpx::bytea{});
  EXPECT_FALSE(cx().query_value<bool>("select $1::text is null", std::string()));
}

TEST_F(null_and_errors, numeric_uuid_json_inet_null_round_trip) {
  expect_null_round_trip(cx(), "numeric", pgpx::numeric("-0.50"));
  expect_null_round_trip(cx(), "uuid", pgpx::uuid{});
  expect_null_round_trip(cx(), "inet", pgpx::inet::parse("::1"));
  expect_null_round_trip(cx(), "cidr", pgpx::inet::parse_cidr("10.0.0.0/8"));
  expect_null_round_trip(cx(), "json", nlohmann::json::parse(R"({"a": [1]})"));
  // JSON null is a value; SQL NULL is the absence of one.
  expect_null_round_trip(cx(), "jsonb", nlohmann::json(nullptr));
}

TEST_F(null_and_errors, dates_and_times_null_round_trip) {
  expect_null_round_trip(cx(), "date", pgpx::date{year{2024} / 2 / 29});
  expect_null_round_trip(cx(), "time", pgpx::time_of_day{});
  expect_null_round_trip(cx(), "timestamp", pgpx::timestamp{});
  expect_null_round_trip(cx(), "timestamptz", pgpx::timestamptz::max());
  expect_null_round_trip(cx(), "interval", pgpx::interval{});
  expect_null_round_trip(cx(), "interval", seconds(0));
}

TEST_F(null_and_errors, arrays_ranges_enums_and_composites_null_round_trip) {
  expect_null_round_trip(cx(), "int4[]", std::vector<std::int32_t>{});
  expect_null_round_trip(cx(), "text[]", std::vector<std::optional<std::string>>{std::nullopt});
  expect_null_round_trip(cx(), "int4range", pgpx::range<std::int32_t>::empty_range());
  expect_null_round_trip(cx(), "daterange", pgpx::range<pgpx::date>::unbounded());
  expect_null_round_trip(cx(), "mood", mood::ok);
  expect_null_round_trip(cx(), "mood[]", std::vector<std::optional<mood>>{std::nullopt, mood::sad});
  expect_null_round_trip(cx(), "pair_t", pair_t{1, ""});
  expect_null_round_trip(cx(), "pair_t[]", std::vector<std::optional<pair_t>>{std::nullopt});
}

TEST_F(null_and_errors, nullopt_is_an_untyped_null_parameter) {
  EXPECT_TRUE(cx().query_value<bool>("select $1::int4 is null", std::nullopt));
  EXPECT_TRUE(cx().query_value<bool>("select $1::mood is null", std::nullopt));
  EXPECT_FALSE(cx().query_value<std::optional<pgpx::uuid>>("select $1::uuid", std::nullopt).has_value());
}

TEST_F(null_and_errors, nulls_in_rows_map_to_optional_members_only) {
  struct row_t {
    std::int32_t id;
    std::optional<pgpx::numeric> amount;
    std::optional<pgpx::timestamptz> at;
  };
  const auto rows = cx().query<row_t>("select 1 as id, null::numeric as amount, null::timestamptz as at");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_FALSE(rows[0].amount.has_value());
  EXPECT_FALSE(rows[0].at.has_value());
  struct strict_row {
    std::int32_t id;
    pgpx::numeric amount;
  };
  const auto w = conversion_failure([&] { (void)cx().query<strict_row>("select 1 as id, null::numeric as amount"); });
  EXPECT_THAT(w, HasSubstr("\"amount\""));
  EXPECT_THAT(w, HasSubstr("std::optional"));
}

// --- decode errors name the column, the server type and the C++ type ----------------------------

struct mismatch_case {
  const char* sql;        // selects one column named "c"
  const char* server;     // the server type named in the message
  const char* cpp;        // the C++ type named in the message
};

template <class T>
void expect_mismatch(pgpx::connection& cx, const mismatch_case& m) {
  SCOPED_TRACE(std::string(m.sql) + " into " + m.cpp);
  const auto w = conversion_failure([&] { (void)cx.query_value<T>(m.sql); });
  EXPECT_THAT(w, HasSubstr("\"c\""));
  EXPECT_THAT(w, HasSubstr(m.server));
  EXPECT_THAT(w, HasSubstr(m.cpp));
  // The connection is still usable.
  EXPECT_EQ(cx.query_value<std::int32_t>("select 7"), 7);
}

TEST_F(null_and_errors, scalar_type_mismatches_name_column_server_type_and_cpp_type) {
  expect_mismatch<pgpx::uuid>(cx(), {"select 1::int4 as c", "int4", "pgpx::uuid"});
  expect_mismatch<pgpx::numeric>(cx(), {"select '1.5'::text as c", "text", "pgpx::numeric"});
  expect_mismatch<double>(cx(), {"select 1.5::numeric as c", "numeric", "double"});
  expect_mismatch<std::int64_t>(cx(), {"select 1.5::float8 as c", "float8", "std::int64_t"});
  expect_mismatch<std::int32_t>(cx(), {"select true as c", "bool", "std::int32_t"});
  expect_mismatch<bool>(cx(), {"select 1 as c", "int4", "bool"});
  expect_mismatch<std::string>(cx(), {"select gen_random_uuid() as c", "uuid", "std::string"});
  expect_mismatch<std::string>(cx(), {"select 1::int8 as c", "int8", "std::string"});
  expect_mismatch<pgpx::bytea>(cx(), {"select 'x'::text as c", "text", "pgpx::bytea"});
  expect_mismatch<nlohmann::json>(cx(), {"select '{}'::text as c", "text", "nlohmann::json"});
  expect_mismatch<pgpx::inet>(cx(), {"select 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as c", "uuid", "pgpx::inet"});
}

TEST_F(null_and_errors, date_time_type_mismatches_name_column_server_type_and_cpp_type) {
  expect_mismatch<pgpx::timestamp>(cx(), {"select current_date as c", "date", "std::chrono::local_time"});
  expect_mismatch<pgpx::date>(cx(), {"select now() as c", "timestamptz", "std::chrono::year_month_day"});
  expect_mismatch<pgpx::time_of_day>(cx(), {"select interval '1 hour' as c", "interval", "pgpx::time_of_day"});
  expect_mismatch<pgpx::interval>(cx(), {"select time '01:00' as c", "time", "pgpx::interval"});
  expect_mismatch<seconds>(cx(), {"select now() as c", "timestamptz", "std::chrono::duration"});
  expect_mismatch<pgpx::timestamptz>(cx(), {"select 0::int8 as c", "int8", "std::chrono::sys_time"});
}

TEST_F(null_and_errors, container_type_mismatches_name_column_server_type_and_cpp_type) {
  expect_mismatch<std::int32_t>(cx(), {"select array[1] as c", "int4[]", "std::int32_t"});
  expect_mismatch<std::vector<std::int32_t>>(cx(), {"select 1 as c", "int4", "std::vector<std::int32_t>"});
  expect_mismatch<std::vector<pgpx::uuid>>(cx(), {"select array[1] as c", "int4[]", "std::vector<pgpx::uuid>"});
  expect_mismatch<std::int32_t>(cx(), {"select int4range(1, 2) as c", "int4range", "std::int32_t"});
  expect_mismatch<pgpx::range<std::int32_t>>(cx(), {"select 1 as c", "int4", "pgpx::range<std::int32_t>"});
  expect_mismatch<pgpx::range<std::int32_t>>(cx(),
                                             {"select numrange(1, 2) as c", "numrange", "pgpx::range<std::int32_t>"});
  expect_mismatch<std::int32_t>(cx(), {"select 'ok'::mood as c", "oid", "std::int32_t"});
  expect_mismatch<mood>(cx(), {"select 1 as c", "int4", "nulls::mood"});
  expect_mismatch<pair_t>(cx(), {"select 'x'::bytea as c", "bytea", "nulls::pair_t"});
  expect_mismatch<std::int32_t>(cx(), {"select row(1, 'x')::pair_t as c", "oid", "std::int32_t"});
}

TEST_F(null_and_errors, enum_labels_read_into_strings_but_other_user_types_do_not) {
  EXPECT_EQ(cx().query_value<std::string>("select 'happy'::mood"), "happy");
  // A composite or an array of enums has a binary form that is not text: reading it into a
  // std::string must not hand out those bytes as if they were the value's text.
  for (const char* sql : {"select row(1, 'x')::pair_t as c", "select array['sad', 'ok']::mood[] as c"}) {
    SCOPED_TRACE(sql);
    try {
      const auto s = cx().query_value<std::string>(sql);
      ADD_FAILURE() << "codec<std::string> accepts every type created at run time (detail::string_accepts: "
                       "!is_builtin_type(t)), so the binary record/array bytes came back as a string of "
                    << s.size() << " bytes instead of a conversion_error";
    } catch (const pgpx::conversion_error& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr("\"c\""));
    }
  }
}

TEST_F(null_and_errors, row_member_mismatches_name_the_member) {
  struct row_t {
    std::int32_t id;
    pgpx::uuid token;
  };
  const auto w = conversion_failure([&] { (void)cx().query<row_t>("select 1 as id, 2 as token"); });
  EXPECT_THAT(w, HasSubstr("member \"token\""));
  EXPECT_THAT(w, HasSubstr("int4"));
  EXPECT_THAT(w, HasSubstr("pgpx::uuid"));
  const auto t =
      conversion_failure([&] { (void)cx().query<std::tuple<std::int32_t, pgpx::date>>("select 1 as a, now() as b"); });
  EXPECT_THAT(t, HasSubstr("\"b\""));
  EXPECT_THAT(t, HasSubstr("timestamptz"));
}

}  // namespace
