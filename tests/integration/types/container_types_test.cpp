// Round trips of the container and user-type codecs through a real server: arrays (of every
// scalar, multi-dimensional, with NULLs, empty, text needing quotes), ranges (int4range,
// int8range, numrange, daterange, tsrange, tstzrange), enums by label and composites
// (nested, with NULL fields, in arrays).
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

#include <array>
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

namespace shop {
enum class mood { sad, ok, happy };
enum class task_state { todo, in_progress, done };  // labels given explicitly below
enum class status { InProgress, Done };              // labels by snake_case naming

struct pair_t {
  std::int32_t a;
  std::string b;
  auto operator==(const pair_t&) const -> bool = default;
};
struct maybe_pair {
  std::optional<std::int32_t> a;
  std::optional<std::string> b;
  auto operator==(const maybe_pair&) const -> bool = default;
};
struct outer_t {
  std::int64_t id;
  pair_t p;
  std::vector<std::string> tags;
  std::vector<std::optional<pair_t>> ps;
  auto operator==(const outer_t&) const -> bool = default;
};
// One member of (almost) every family, to exercise each codec's text form inside a
// composite literal.
struct rich_t {
  pgpx::numeric amount;
  pgpx::timestamptz at;
  pgpx::timestamp local_at;
  pgpx::date day;
  pgpx::time_of_day clock;
  pgpx::interval every;
  pgpx::uuid id;
  mood m;
  pgpx::range<std::int32_t> r;
  std::optional<nlohmann::json> meta;
  pgpx::inet addr;
  std::vector<double> xs;
  pgpx::bytea raw;
  bool flag;
  float f;
  std::optional<std::string> note;
  auto operator==(const rich_t&) const -> bool = default;
};
}  // namespace shop

template <>
inline constexpr std::array pgpx::enum_labels<shop::task_state> = {
    pgpx::enum_label<shop::task_state>{shop::task_state::todo, "to do"},
    pgpx::enum_label<shop::task_state>{shop::task_state::in_progress, "in progress"},
    pgpx::enum_label<shop::task_state>{shop::task_state::done, "Done!"},
};
template <>
inline constexpr pgpx::naming pgpx::enum_naming<shop::status> = pgpx::naming::snake_case;

template <>
inline constexpr bool pgpx::is_composite<shop::pair_t> = true;
template <>
inline constexpr bool pgpx::is_composite<shop::maybe_pair> = true;
template <>
inline constexpr bool pgpx::is_composite<shop::outer_t> = true;
template <>
inline constexpr bool pgpx::is_composite<shop::rich_t> = true;

namespace {

using ::testing::HasSubstr;
using namespace std::chrono;
using namespace std::chrono_literals;
using shop::mood;
using shop::pair_t;

using namespace pgpx::test::round_trip;  // NOLINT(google-build-using-namespace)

/// For values the server canonicalises: `sent` comes back as `canonical` (directly, through
/// a column and from the literal `text`), and the server prints it as `text`.
template <class T>
void expect_canonical(pgpx::connection& cx, const std::string& type, const T& sent, const T& canonical,
                      std::string_view text) {
  SCOPED_TRACE("type " + type + ", sent " + show(sent) + ", canonical " + std::string(text));
  PGPX_EXPECT_SAME(cx.query_value<T>("select $1::" + type, sent), canonical);
  EXPECT_EQ(cx.query_value<std::string>("select $1::" + type + "::text", sent), text);
  PGPX_EXPECT_SAME(cx.query_value<T>("select " + sql_literal(show(sent)) + "::" + type), canonical);
  const std::string table = "canonical_" + std::to_string(++table_counter);
  cx.execute_script("create temp table " + table + " (v " + type + ")");
  cx.execute("insert into " + table + " (v) values ($1)", sent);
  PGPX_EXPECT_SAME(cx.query_value<T>("select v from " + table), canonical);
}

auto ymd(int y, unsigned m, unsigned d) -> pgpx::date { return year{y} / month{m} / day{d}; }
auto local(int y, unsigned mo, unsigned d, hours h = 0h, minutes mi = 0min, seconds s = 0s, microseconds us = 0us)
    -> pgpx::timestamp {
  return local_days{year{y} / month{mo} / day{d}} + h + mi + s + us;
}
auto utc(int y, unsigned mo, unsigned d, hours h = 0h, minutes mi = 0min, seconds s = 0s, microseconds us = 0us)
    -> pgpx::timestamptz {
  return sys_days{year{y} / month{mo} / day{d}} + h + mi + s + us;
}
auto bytes(std::initializer_list<int> v) -> pgpx::bytea {
  pgpx::bytea out;
  for (const int b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

class container_types : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    if (HasFatalFailure()) return;
    cx().execute_script(
        "set timezone = 'UTC'; set datestyle = 'ISO, YMD'; set intervalstyle = 'postgres'; "
        "set extra_float_digits = 1; set bytea_output = 'hex';"
        "create type mood as enum ('sad', 'ok', 'happy');"
        "create type mood_plus as enum ('sad', 'ok', 'happy', 'ecstatic');"
        "create type task_state as enum ('to do', 'in progress', 'Done!');"
        "create type status as enum ('in_progress', 'done');"
        "create type pair_t as (a int4, b text);"
        "create type outer_t as (id int8, p pair_t, tags text[], ps pair_t[]);"
        "create type rich_t as (amount numeric, at timestamptz, local_at timestamp, day date, clock time, "
        "  every interval, id uuid, m mood, r int4range, meta jsonb, addr inet, xs float8[], raw bytea, flag bool, "
        "  f float4, note text);");
  }
};

// --- arrays: shape -------------------------------------------------------------------------------

TEST_F(container_types, one_dimensional_int4_arrays_round_trip) {
  expect_round_trip(cx(), "int4[]", std::vector<std::int32_t>{1, 2, 3}, "{1,2,3}");
  expect_round_trip(
      cx(), "int4[]",
      std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::min(), 0, std::numeric_limits<std::int32_t>::max()},
      "{-2147483648,0,2147483647}");
  EXPECT_EQ(cx().query_value<std::vector<std::int32_t>>("select array[3, 1, 2]"), (std::vector<std::int32_t>{3, 1, 2}));
  EXPECT_EQ(cx().query_value<std::int32_t>("select array_upper($1::int4[], 1)", std::vector<std::int32_t>{5, 6, 7, 8}),
            4);
  EXPECT_EQ(cx().query_value<std::int32_t>("select ($1::int4[])[2]", std::vector<std::int32_t>{5, 6, 7, 8}), 6);
}

TEST_F(container_types, multi_dimensional_arrays_round_trip) {
  using grid = std::vector<std::vector<std::optional<std::int32_t>>>;
  expect_round_trip(cx(), "int4[]", grid{{1, 2}, {3, std::nullopt}}, "{{1,2},{3,NULL}}");
  PGPX_EXPECT_SAME(cx().query_value<grid>("select array[[1,2],[3,null]]::int4[]"), (grid{{1, 2}, {3, std::nullopt}}));
  EXPECT_EQ(cx().query_value<std::string>("select array_dims($1::int4[])", grid{{1, 2, 3}, {4, 5, 6}}), "[1:2][1:3]");
  using cube = std::vector<std::vector<std::vector<std::int64_t>>>;
  expect_round_trip(cx(), "int8[]", cube{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}, "{{{1,2},{3,4}},{{5,6},{7,8}}}");
  EXPECT_EQ(cx().query_value<std::int32_t>("select array_ndims($1::int8[])", cube{{{1}}}), 3);
  using text_grid = std::vector<std::vector<std::string>>;
  expect_round_trip(cx(), "text[]", text_grid{{"a,b", "{"}, {"}", "\\"}}, R"~({{"a,b","{"},{"}","\\"}})~");
  // Six dimensions, PostgreSQL's maximum.
  using six = std::vector<std::vector<std::vector<std::vector<std::vector<std::vector<std::int16_t>>>>>>;
  expect_round_trip(cx(), "int2[]", six{{{{{{1, 2}}}}}}, "{{{{{{1,2}}}}}}");
}

TEST_F(container_types, empty_arrays_round_trip_at_any_depth) {
  expect_round_trip(cx(), "int4[]", std::vector<std::int32_t>{}, "{}");
  expect_round_trip(cx(), "text[]", std::vector<std::string>{}, "{}");
  expect_round_trip(cx(), "int4[]", std::vector<std::vector<std::int32_t>>{}, "{}");
  EXPECT_TRUE(cx().query_value<std::vector<std::vector<std::int32_t>>>("select '{}'::int4[]").empty());
  EXPECT_EQ(cx().query_value<std::int32_t>("select cardinality($1::int4[])", std::vector<std::int32_t>{}), 0);
  EXPECT_TRUE(cx().query_value<bool>("select array_ndims($1::int4[]) is null", std::vector<std::int32_t>{}));
  // array_agg of no rows is NULL, not an empty array.
  EXPECT_FALSE(cx().query_value<std::optional<std::vector<std::int32_t>>>(
                       "select array_agg(x) from generate_series(1, 3) x where false")
                   .has_value());
}

TEST_F(container_types, arrays_with_null_elements_round_trip) {
  using opt = std::vector<std::optional<std::int32_t>>;
  expect_round_trip(cx(), "int4[]", opt{std::nullopt, 1, std::nullopt}, "{NULL,1,NULL}");
  expect_round_trip(cx(), "int4[]", opt{std::nullopt}, "{NULL}");
  EXPECT_TRUE(cx().query_value<bool>("select ($1::int4[])[1] is null and ($1::int4[])[2] = 1", opt{std::nullopt, 1}));
  using opt_text = std::vector<std::optional<std::string>>;
  expect_round_trip(cx(), "text[]", opt_text{"a", std::nullopt, "NULL", "null", ""}, R"~({a,NULL,"NULL","null",""})~");
  EXPECT_EQ(cx().query_value<std::string>("select array_to_string($1::text[], '|', '*')",
                                          opt_text{"a", std::nullopt, "NULL"}),
            "a|*|NULL");
}

TEST_F(container_types, lower_bounds_are_dropped_on_read_and_sent_arrays_start_at_one) {
  EXPECT_EQ(cx().query_value<std::vector<std::int32_t>>("select '[0:2]={1,2,3}'::int4[]"),
            (std::vector<std::int32_t>{1, 2, 3}));
  EXPECT_EQ(cx().query_value<std::vector<std::int32_t>>("select '[-5:-4]={7,8}'::int4[]"),
            (std::vector<std::int32_t>{7, 8}));
  EXPECT_EQ(cx().query_value<std::int32_t>("select array_lower($1::int4[], 1)", std::vector<std::int32_t>{9}), 1);
}

TEST_F(container_types, large_arrays_round_trip) {
  std::vector<std::int32_t> v(100000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int32_t>(i);
  EXPECT_EQ(cx().query_value<std::int64_t>("select sum(x) from unnest($1::int4[]) x", v), 4999950000LL);
  EXPECT_EQ(
      cx().query_value<std::vector<std::int32_t>>("select array_agg(i order by i) from generate_series(0, 99999) i"),
      v);
  EXPECT_EQ(cx().query_value<std::vector<std::int32_t>>("select $1::int4[]", v), v);
  std::vector<std::string> words(20000);
  for (std::size_t i = 0; i < words.size(); ++i) words[i] = "w \"" + std::to_string(i) + "\"";
  EXPECT_EQ(cx().query_value<std::vector<std::string>>("select $1::text[]", words), words);
  EXPECT_EQ(cx().query_value<std::string>("select ($1::text[])[20000]", words), "w \"19999\"");
}

// --- arrays: element types -----------------------------------------------------------------------

TEST_F(container_types, arrays_of_bool_integers_and_floats_round_trip) {
  expect_round_trip(cx(), "bool[]", std::vector<bool>{true, false, true}, "{t,f,t}");
  expect_round_trip(cx(), "int2[]", std::vector<std::int16_t>{-32768, 32767}, "{-32768,32767}");
  expect_round_trip(cx(), "int8[]", std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), 0},
                    "{-9223372036854775808,0}");
  using dlim = std::numeric_limits<double>;
  expect_round_trip(
      cx(), "float8[]",
      std::vector<double>{dlim::quiet_NaN(), dlim::infinity(), -dlim::infinity(), -0.0, 0.1, dlim::denorm_min()},
      "{NaN,Infinity,-Infinity,-0,0.1,5e-324}");
  using flim = std::numeric_limits<float>;
  expect_round_trip(cx(), "float4[]",
                    std::vector<float>{0.1F, -flim::infinity(), flim::quiet_NaN(), flim::denorm_min()},
                    "{0.1,-Infinity,NaN,1e-45}");
  expect_round_trip(cx(), "bool[]", std::vector<std::optional<bool>>{true, std::nullopt}, "{t,NULL}");
}

TEST_F(container_types, arrays_of_numeric_uuid_bytea_round_trip) {
  expect_round_trip(cx(), "numeric[]",
                    std::vector<pgpx::numeric>{pgpx::numeric("1.50"), pgpx::numeric::nan(), pgpx::numeric("-0.001"),
                                               pgpx::numeric::infinity(), pgpx::numeric("100000000")},
                    "{1.50,NaN,-0.001,Infinity,100000000}");
  expect_round_trip(cx(), "uuid[]",
                    std::vector<pgpx::uuid>{pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), pgpx::uuid{}},
                    "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,00000000-0000-0000-0000-000000000000}");
  expect_round_trip(cx(), "bytea[]", std::vector<pgpx::bytea>{bytes({0, 255}), {}}, R"~({"\\x00ff","\\x"})~");
}

TEST_F(container_types, arrays_of_character_types_round_trip) {
  expect_round_trip(cx(), "varchar[]", std::vector<std::string>{"a", "b c"}, R"~({a,"b c"})~");
  expect_round_trip(cx(), "name[]", std::vector<std::string>{"pg_class", "x y"}, R"~({pg_class,"x y"})~");
  expect_round_trip(cx(), "char(3)[]", std::vector<std::string>{"a  ", "bc "}, R"~({"a  ","bc "})~");
  EXPECT_EQ(cx().query_value<std::vector<std::string>>("select array['a', 'bc']::char(3)[]"),
            (std::vector<std::string>{"a  ", "bc "}));
  expect_round_trip(cx(), "\"char\"[]", std::vector<std::string>{"x", "y"}, "{x,y}");
}

TEST_F(container_types, text_arrays_quote_what_the_array_parser_would_misread) {
  const std::vector<std::string> nasty{"a\"b", "c\\d", "e,f",   "{g}",  "NULL", "null", "",  " s ",
                                       "ü",    "x y",  "tab\t", "Null", "'q'",  "\\\"", "}{"};
  const std::string text =
      "{\"a\\\"b\",\"c\\\\d\",\"e,f\",\"{g}\",\"NULL\",\"null\",\"\",\" s \",ü,\"x y\",\"tab\t\",\"Null\",'q',"
      "\"\\\\\\\"\",\"}{\"}";
  expect_round_trip(cx(), "text[]", nasty, text);
  EXPECT_EQ(cx().query_value<std::int32_t>("select array_length($1::text[], 1)", nasty),
            static_cast<std::int32_t>(nasty.size()));
  EXPECT_EQ(cx().query_value<std::int32_t>("select count(*) from unnest($1::text[]) x where x is null", nasty), 0);
  for (std::size_t i = 0; i < nasty.size(); ++i) {
    EXPECT_EQ(cx().query_value<std::string>("select ($1::text[])[$2]", nasty, static_cast<std::int32_t>(i + 1)),
              nasty[i])
        << i;
  }
}

TEST_F(container_types, arrays_of_dates_and_times_round_trip) {
  expect_round_trip(
      cx(), "date[]",
      std::vector<pgpx::date>{ymd(2024, 2, 29), pgpx::date_infinity, pgpx::date_minus_infinity, ymd(-43, 3, 15)},
      R"~({2024-02-29,infinity,-infinity,"0044-03-15 BC"})~");
  expect_round_trip(cx(), "time[]",
                    std::vector<pgpx::time_of_day>{pgpx::time_of_day{13h + 45min + 6s + 500ms}, pgpx::time_of_day{24h}},
                    "{13:45:06.5,24:00:00}");
  expect_round_trip(cx(), "timestamp[]",
                    std::vector<pgpx::timestamp>{local(2024, 2, 29, 13h, 45min, 6s, 500000us), pgpx::timestamp::max(),
                                                 local(1969, 12, 31, 23h, 59min, 59s, 999999us)},
                    R"~({"2024-02-29 13:45:06.5",infinity,"1969-12-31 23:59:59.999999"})~");
  expect_round_trip(cx(), "timestamptz[]",
                    std::vector<pgpx::timestamptz>{utc(2024, 2, 29, 11h, 45min, 6s, 500000us), pgpx::timestamptz::max(),
                                                   pgpx::timestamptz::min()},
                    R"~({"2024-02-29 11:45:06.5+00",infinity,-infinity})~");
  expect_round_trip(cx(), "interval[]", std::vector<pgpx::interval>{{14, 0, 0us}, {0, 0, 1s}, {-1, 2, -3us}},
                    R"~({"1 year 2 mons",00:00:01,"-1 mons +2 days -00:00:00.000003"})~");
  expect_round_trip(cx(), "interval[]", std::vector<seconds>{90s, -1s}, "{00:01:30,-00:00:01}");
  // timestamptz elements keep their instant under another session zone.
  cx().execute_script("set timezone = 'America/St_Johns'");
  const std::vector<pgpx::timestamptz> instants{utc(2024, 2, 29, 11h, 45min, 6s, 500000us)};
  EXPECT_EQ(cx().query_value<std::vector<pgpx::timestamptz>>("select $1::timestamptz[]", instants), instants);
  EXPECT_EQ(cx().query_value<std::string>("select $1::timestamptz[]::text", instants),
            R"~({"2024-02-29 08:15:06.5-03:30"})~");
}

TEST_F(container_types, arrays_of_json_round_trip) {
  const std::vector<nlohmann::json> docs{nlohmann::json::parse(R"~({"a":1})~"), nlohmann::json::parse("[1,2]"),
                                         nlohmann::json("s \"q\" \\ ü"), nlohmann::json(nullptr)};
  expect_round_trip(cx(), "json[]", docs, R"~({"{\"a\":1}","[1,2]","\"s \\\"q\\\" \\\\ ü\"","null"})~");
  expect_round_trip(cx(), "jsonb[]", docs, R"~({"{\"a\": 1}","[1, 2]","\"s \\\"q\\\" \\\\ ü\"","null"})~");
  EXPECT_EQ(cx().query_value<std::string>("select jsonb_typeof(($1::jsonb[])[4])", docs), "null");
}

TEST_F(container_types, arrays_of_inet_and_cidr_round_trip) {
  expect_round_trip(cx(), "inet[]", std::vector<pgpx::inet>{pgpx::inet::parse("::1"), pgpx::inet::parse("10.1.2.3/8")},
                    "{::1,10.1.2.3/8}");
  expect_round_trip(
      cx(), "cidr[]",
      std::vector<pgpx::inet>{pgpx::inet::parse_cidr("10.0.0.0/8"), pgpx::inet::parse_cidr("2001:db8::/32")},
      "{10.0.0.0/8,2001:db8::/32}");
}

TEST_F(container_types, arrays_of_ranges_round_trip) {
  using r4 = pgpx::range<std::int32_t>;
  expect_round_trip(cx(), "int4range[]", std::vector<r4>{r4::closed_open(1, 5), r4::empty_range(), r4::less_than(4)},
                    R"~({"[1,5)",empty,"(,4)"})~");
  expect_canonical(cx(), "int4range[]", std::vector<r4>{r4::closed(1, 5)}, std::vector<r4>{r4::closed_open(1, 6)},
                   R"~({"[1,6)"})~");
}

TEST_F(container_types, array_shape_and_null_mismatches_are_conversion_errors) {
  auto w = conversion_failure(
      [&] { (void)cx().query_value<std::vector<std::int32_t>>("select array[[1,2],[3,4]] as grid"); });
  EXPECT_THAT(w, HasSubstr("\"grid\""));
  EXPECT_THAT(w, HasSubstr("2 dimensions"));
  w = conversion_failure([&] { (void)cx().query_value<std::vector<std::int32_t>>("select array[1, null, 3]"); });
  EXPECT_THAT(w, HasSubstr("[1]"));
  EXPECT_THAT(w, HasSubstr("std::optional"));
  w = conversion_failure([&] { (void)cx().query_value<std::vector<std::string>>("select array[1, 2] as nums"); });
  EXPECT_THAT(w, HasSubstr("\"nums\""));
  EXPECT_THAT(w, HasSubstr("int4[]"));
  EXPECT_THAT(w, HasSubstr("std::vector<std::string>"));
  w = conversion_failure([&] { (void)cx().query_value<std::vector<std::int16_t>>("select array[1, 40000]"); });
  EXPECT_THAT(w, HasSubstr("40000"));
  EXPECT_THROW((void)cx().query_value<std::int32_t>("select cardinality($1::int4[])",
                                                    std::vector<std::vector<std::int32_t>>{{1, 2}, {3}}),
               pgpx::usage_error);
  EXPECT_EQ(cx().query_value<std::int32_t>("select 1"), 1);
}

// --- ranges --------------------------------------------------------------------------------------

TEST_F(container_types, int4range_round_trips_and_is_canonicalised_to_closed_open) {
  using r = pgpx::range<std::int32_t>;
  expect_round_trip(cx(), "int4range", r::closed_open(1, 5), "[1,5)");
  expect_round_trip(cx(), "int4range", r::closed_open(-10, -2), "[-10,-2)");
  expect_round_trip(cx(), "int4range", r::at_least(10), "[10,)");
  expect_round_trip(cx(), "int4range", r::less_than(0), "(,0)");
  expect_round_trip(cx(), "int4range", r::unbounded(), "(,)");
  expect_round_trip(cx(), "int4range", r::empty_range(), "empty");
  // The server makes discrete ranges [lower,upper).
  expect_canonical(cx(), "int4range", r::closed(1, 5), r::closed_open(1, 6), "[1,6)");
  expect_canonical(cx(), "int4range", r::open(1, 5), r::closed_open(2, 5), "[2,5)");
  expect_canonical(cx(), "int4range", r::open_closed(1, 5), r::closed_open(2, 6), "[2,6)");
  expect_canonical(cx(), "int4range", r::at_most(3), r::less_than(4), "(,4)");
  expect_canonical(cx(), "int4range", r::greater_than(3), r::at_least(4), "[4,)");
  expect_canonical(cx(), "int4range", r::closed_open(5, 5), r::empty_range(), "empty");
  expect_canonical(cx(), "int4range", r::open(1, 2), r::empty_range(), "empty");
  PGPX_EXPECT_SAME(cx().query_value<r>("select int4range(1, 5, '[]')"), r::closed_open(1, 6));
  EXPECT_TRUE(cx().query_value<bool>("select isempty($1::int4range)", r::empty_range()));
  EXPECT_TRUE(cx().query_value<bool>("select upper_inf($1::int4range)", r::at_least(1)));
}

TEST_F(container_types, range_contains_agrees_with_the_server) {
  using r = pgpx::range<std::int32_t>;
  for (const r& sent : {r::closed_open(1, 6), r::at_least(3), r::less_than(2), r::unbounded(), r::empty_range()}) {
    for (std::int32_t v = -1; v <= 7; ++v) {
      EXPECT_EQ(cx().query_value<bool>("select $1::int4range @> $2::int4", sent, v), sent.contains(v))
          << show(sent) << " " << v;
    }
  }
}

TEST_F(container_types, int8range_round_trips_its_limits) {
  using r = pgpx::range<std::int64_t>;
  using lim = std::numeric_limits<std::int64_t>;
  expect_round_trip(cx(), "int8range", r::closed_open(lim::min(), lim::max()),
                    "[-9223372036854775808,9223372036854775807)");
  expect_canonical(cx(), "int8range", r::closed(1, std::int64_t{1} << 40),
                   r::closed_open(1, (std::int64_t{1} << 40) + 1), "[1,1099511627777)");
  expect_round_trip(cx(), "int8range", r::empty_range(), "empty");
  // A range<int64> reads int4range; a range<int32> reads int8range within its range only.
  PGPX_EXPECT_SAME(cx().query_value<r>("select int4range(1, 5)"), r::closed_open(1, 5));
  PGPX_EXPECT_SAME(cx().query_value<pgpx::range<std::int32_t>>("select int8range(1, 5)"),
                   pgpx::range<std::int32_t>::closed_open(1, 5));
  auto w =
      conversion_failure([&] { (void)cx().query_value<pgpx::range<std::int32_t>>("select int8range(1, 9999999999)"); });
  EXPECT_THAT(w, HasSubstr("upper"));
}

TEST_F(container_types, numrange_keeps_bounds_and_scales_as_sent) {
  using r = pgpx::range<pgpx::numeric>;
  expect_round_trip(cx(), "numrange", r::open_closed(pgpx::numeric("1.5"), pgpx::numeric("2.50")), "(1.5,2.50]");
  expect_round_trip(cx(), "numrange", r::closed(pgpx::numeric("-0.001"), pgpx::numeric("1e3")), "[-0.001,1000]");
  expect_round_trip(cx(), "numrange", r::open(pgpx::numeric("0"), pgpx::numeric("0.1")), "(0,0.1)");
  expect_round_trip(cx(), "numrange", r::closed_open(pgpx::numeric::minus_infinity(), pgpx::numeric::infinity()),
                    "[-Infinity,Infinity)");
  expect_round_trip(cx(), "numrange", r::at_most(pgpx::numeric("5")), "(,5]");
  expect_round_trip(cx(), "numrange", r::unbounded(), "(,)");
  expect_round_trip(cx(), "numrange", r::empty_range(), "empty");
  EXPECT_TRUE(cx().query_value<bool>("select $1::numrange @> 2.5",
                                     r::open_closed(pgpx::numeric("1.5"), pgpx::numeric("2.50"))));
  EXPECT_FALSE(cx().query_value<bool>("select $1::numrange @> 1.5",
                                      r::open_closed(pgpx::numeric("1.5"), pgpx::numeric("2.50"))));
}

TEST_F(container_types, daterange_round_trips_and_is_canonicalised) {
  using r = pgpx::range<pgpx::date>;
  expect_round_trip(cx(), "daterange", r::closed_open(ymd(2020, 1, 1), ymd(2020, 1, 6)), "[2020-01-01,2020-01-06)");
  expect_canonical(cx(), "daterange", r::closed(ymd(2024, 2, 28), ymd(2024, 2, 29)),
                   r::closed_open(ymd(2024, 2, 28), ymd(2024, 3, 1)), "[2024-02-28,2024-03-01)");
  expect_canonical(cx(), "daterange", r::open(ymd(2019, 12, 31), ymd(2020, 1, 2)),
                   r::closed_open(ymd(2020, 1, 1), ymd(2020, 1, 2)), "[2020-01-01,2020-01-02)");
  expect_round_trip(cx(), "daterange", r::at_least(ymd(-43, 3, 15)), R"~(["0044-03-15 BC",))~");
  // An infinite bound is a value, not an unbounded side.
  expect_round_trip(cx(), "daterange", r::closed_open(ymd(2020, 1, 1), pgpx::date_infinity), "[2020-01-01,infinity)");
  EXPECT_FALSE(
      cx().query_value<bool>("select upper_inf($1::daterange)", r::closed_open(ymd(2020, 1, 1), pgpx::date_infinity)));
  expect_round_trip(cx(), "daterange", r::empty_range(), "empty");
}

TEST_F(container_types, tsrange_round_trips_inclusive_and_exclusive_bounds) {
  using r = pgpx::range<pgpx::timestamp>;
  const auto a = local(2020, 1, 1);
  const auto b = local(2020, 1, 1, 12h, 30min, 0s, 500000us);
  expect_round_trip(cx(), "tsrange", r::closed(a, b), R"~(["2020-01-01 00:00:00","2020-01-01 12:30:00.5"])~");
  expect_round_trip(cx(), "tsrange", r::open(a, b), R"~(("2020-01-01 00:00:00","2020-01-01 12:30:00.5"))~");
  expect_round_trip(cx(), "tsrange", r::open_closed(local(1969, 12, 31, 23h), b),
                    R"~(("1969-12-31 23:00:00","2020-01-01 12:30:00.5"])~");
  expect_round_trip(cx(), "tsrange", r::closed_open(a, pgpx::timestamp::max()),
                    R"~(["2020-01-01 00:00:00",infinity))~");
  expect_round_trip(cx(), "tsrange", r::less_than(a), R"~((,"2020-01-01 00:00:00"))~");
  expect_round_trip(cx(), "tsrange", r::empty_range(), "empty");
}

TEST_F(container_types, tstzrange_bounds_are_instants_whatever_the_session_zone) {
  using r = pgpx::range<pgpx::timestamptz>;
  const auto a = utc(2024, 2, 29, 11h, 45min, 6s, 500000us);
  const auto b = utc(2024, 3, 1);
  expect_round_trip(cx(), "tstzrange", r::closed_open(a, b),
                    R"~(["2024-02-29 11:45:06.5+00","2024-03-01 00:00:00+00"))~");
  expect_round_trip(cx(), "tstzrange", r::at_least(a), R"~(["2024-02-29 11:45:06.5+00",))~");
  cx().execute_script("set timezone = 'Asia/Kolkata'");
  expect_round_trip(cx(), "tstzrange", r::closed_open(a, b),
                    R"~(["2024-02-29 17:15:06.5+05:30","2024-03-01 05:30:00+05:30"))~");
  EXPECT_TRUE(cx().query_value<bool>("select $1::tstzrange = tstzrange('2024-02-29 11:45:06.5Z', '2024-03-01Z')",
                                     r::closed_open(a, b)));
  PGPX_EXPECT_SAME(cx().query_value<r>("select tstzrange('2024-02-29 13:45:06.5+02', '2024-03-01 01:00+01', '[)')"),
                   r::closed_open(a, b));
}

TEST_F(container_types, range_element_mismatches_are_conversion_errors) {
  auto w =
      conversion_failure([&] { (void)cx().query_value<pgpx::range<pgpx::date>>("select int4range(1, 5) as span"); });
  EXPECT_THAT(w, HasSubstr("\"span\""));
  EXPECT_THAT(w, HasSubstr("int4range"));
  EXPECT_THAT(w, HasSubstr("pgpx::range<std::chrono::year_month_day>"));
}

// --- enums ---------------------------------------------------------------------------------------

TEST_F(container_types, enums_round_trip_by_label) {
  expect_round_trip(cx(), "mood", mood::sad, "sad");
  expect_round_trip(cx(), "mood", mood::ok, "ok");
  expect_round_trip(cx(), "mood", mood::happy, "happy");
  EXPECT_EQ(cx().query<mood>("select unnest(enum_range(null::mood))"),
            (std::vector<mood>{mood::sad, mood::ok, mood::happy}));
  EXPECT_TRUE(cx().query_value<bool>("select $1::mood < $2::mood", mood::sad, mood::happy));
  // Read by label from any enum type, and from text.
  EXPECT_EQ(cx().query_value<mood>("select 'happy'::mood_plus"), mood::happy);
  EXPECT_EQ(cx().query_value<mood>("select 'ok'::text"), mood::ok);
}

TEST_F(container_types, enums_with_explicit_labels_and_naming_round_trip) {
  expect_round_trip(cx(), "task_state", shop::task_state::todo, "to do");
  expect_round_trip(cx(), "task_state", shop::task_state::in_progress, "in progress");
  expect_round_trip(cx(), "task_state", shop::task_state::done, "Done!");
  expect_round_trip(cx(), "status", shop::status::InProgress, "in_progress");
  expect_round_trip(cx(), "status", shop::status::Done, "done");
}

TEST_F(container_types, unknown_enum_labels_are_conversion_errors_in_both_directions) {
  auto w = conversion_failure([&] { (void)cx().query_value<mood>("select 'ecstatic'::mood_plus as m"); });
  EXPECT_THAT(w, HasSubstr("ecstatic"));
  EXPECT_THAT(w, HasSubstr("shop::mood"));
  EXPECT_THAT(w, HasSubstr("\"m\""));
  w = conversion_failure([&] { (void)cx().query_value<std::string>("select $1::mood::text", static_cast<mood>(42)); });
  EXPECT_THAT(w, HasSubstr("42"));
  EXPECT_THAT(w, HasSubstr("shop::mood"));
  // A label the server's enum lacks is rejected by the server.
  try {
    (void)cx().query_value<shop::status>("select $1::mood::text::status", mood::sad);
    FAIL() << "expected invalid input value for enum";
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "22P02") << e.what();
  }
  EXPECT_EQ(cx().query_value<std::int32_t>("select 1"), 1);
}

TEST_F(container_types, arrays_of_enums_round_trip) {
  expect_round_trip(cx(), "mood[]", std::vector<mood>{mood::sad, mood::happy, mood::sad}, "{sad,happy,sad}");
  expect_round_trip(cx(), "mood[]", std::vector<std::optional<mood>>{mood::ok, std::nullopt}, "{ok,NULL}");
  expect_round_trip(cx(), "mood[]", std::vector<mood>{}, "{}");
  expect_round_trip(
      cx(), "task_state[]",
      std::vector<shop::task_state>{shop::task_state::todo, shop::task_state::in_progress, shop::task_state::done},
      R"~({"to do","in progress",Done!})~");
  EXPECT_EQ(cx().query_value<std::vector<mood>>("select enum_range(null::mood)"),
            (std::vector<mood>{mood::sad, mood::ok, mood::happy}));
  EXPECT_EQ(cx().query_value<std::vector<std::vector<mood>>>("select array[['sad','ok'],['ok','happy']]::mood[]"),
            (std::vector<std::vector<mood>>{{mood::sad, mood::ok}, {mood::ok, mood::happy}}));
}

// --- composites ----------------------------------------------------------------------------------

TEST_F(container_types, composites_round_trip) {
  expect_round_trip(cx(), "pair_t", pair_t{1, "a"}, "(1,a)");
  expect_round_trip(cx(), "pair_t", pair_t{-7, "a (b), \"c\" \\ d"}, R"~((-7,"a (b), ""c"" \\ d"))~");
  expect_round_trip(cx(), "pair_t", pair_t{0, ""}, R"~((0,""))~");
  expect_round_trip(cx(), "pair_t", pair_t{2, "ü NULL"}, R"~((2,"ü NULL"))~");
  PGPX_EXPECT_SAME(cx().query_value<pair_t>("select row(5, 'x')::pair_t"), (pair_t{5, "x"}));
  // An anonymous record reads into the same struct.
  PGPX_EXPECT_SAME(cx().query_value<pair_t>("select row(5, 'x'::text)"), (pair_t{5, "x"}));
  EXPECT_EQ(cx().query_value<std::string>("select ($1::pair_t).b", pair_t{3, "(x)"}), "(x)");
}

TEST_F(container_types, composites_with_null_fields_round_trip) {
  expect_round_trip(cx(), "pair_t", shop::maybe_pair{}, "(,)");
  expect_round_trip(cx(), "pair_t", shop::maybe_pair{1, std::nullopt}, "(1,)");
  expect_round_trip(cx(), "pair_t", shop::maybe_pair{std::nullopt, ""}, R"~((,""))~");
  EXPECT_TRUE(cx().query_value<bool>("select ($1::pair_t).b is null", shop::maybe_pair{1, std::nullopt}));
  EXPECT_FALSE(cx().query_value<bool>("select ($1::pair_t).b is null", shop::maybe_pair{1, ""}));
  // A NULL composite differs from a composite of NULL fields.
  EXPECT_FALSE(cx().query_value<std::optional<shop::maybe_pair>>("select null::pair_t").has_value());
  PGPX_EXPECT_SAME(cx().query_value<std::optional<shop::maybe_pair>>("select row(null, null)::pair_t"),
                   std::optional<shop::maybe_pair>(shop::maybe_pair{}));
}

TEST_F(container_types, nested_composites_with_arrays_round_trip) {
  const shop::outer_t v{7, {1, "x y"}, {"a", "b c"}, {pair_t{2, "z"}, std::nullopt}};
  expect_round_trip(cx(), "outer_t", v, R"~((7,"(1,""x y"")","{a,""b c""}","{""(2,z)"",NULL}"))~");
  const shop::outer_t tricky{-1, {0, "\"{,}\" \\"}, {"NULL", "", "q\"q"}, {pair_t{3, "(\\)"}}};
  expect_round_trip(
      cx(), "outer_t", tricky,
      cx().query_value<std::string>(
          R"~(select row(-1, row(0, '"{,}" \'), array['NULL', '', 'q"q'], array[row(3, '(\)')::pair_t])::outer_t::text)~"));
  EXPECT_EQ(cx().query_value<std::string>("select (($1::outer_t).ps)[1].b", tricky), "(\\)");
  EXPECT_EQ(cx().query_value<std::string>("select (($1::outer_t).p).b", tricky), "\"{,}\" \\");
}

TEST_F(container_types, arrays_of_composites_round_trip) {
  expect_round_trip(cx(), "pair_t[]", std::vector<pair_t>{{1, "a"}, {2, "b c"}, {3, "q\"u\\"}},
                    R"~({"(1,a)","(2,\"b c\")","(3,\"q\"\"u\\\\\")"})~");
  expect_round_trip(cx(), "pair_t[]", std::vector<std::optional<pair_t>>{pair_t{1, "a"}, std::nullopt},
                    R"~({"(1,a)",NULL})~");
  expect_round_trip(cx(), "pair_t[]", std::vector<shop::maybe_pair>{{}, {1, ""}}, R"~({"(,)","(1,\"\")"})~");
  EXPECT_EQ(cx().query_value<std::vector<pair_t>>("select array_agg(row(i, 'n' || i)::pair_t order by i) "
                                                  "from generate_series(1, 3) i"),
            (std::vector<pair_t>{{1, "n1"}, {2, "n2"}, {3, "n3"}}));
}

TEST_F(container_types, composites_of_every_family_round_trip_under_any_session_settings) {
  const shop::rich_t v{pgpx::numeric("-1234.5600"),
                       utc(2024, 2, 3, 11h, 45min, 6s, 500000us),
                       local(-43, 3, 15, 12h),
                       ymd(2024, 2, 3),
                       pgpx::time_of_day{23h + 59min + 59s + 999999us},
                       pgpx::interval{-14, 3, -(4h + 5min + 6s + 500ms)},
                       pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                       mood::happy,
                       pgpx::range<std::int32_t>::closed_open(1, 5),
                       nlohmann::json::parse(R"~({"k": "v \"q\" (x), \\"})~"),
                       pgpx::inet::parse("2001:db8::1/64"),
                       {0.1, -0.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::denorm_min()},
                       bytes({0, 1, 0x5c, 0x22, 0xff}),
                       true,
                       -1.5F,
                       std::nullopt};
  const std::string server_built =
      "select row(-1234.5600, '2024-02-03 11:45:06.5+00', '0044-03-15 12:00:00 BC', '2024-02-03', "
      "'23:59:59.999999', '-1 years -2 mons +3 days -04:05:06.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', "
      "'[1,5)', '{\"k\": \"v \\\"q\\\" (x), \\\\\"}', '2001:db8::1/64', array[0.1, '-0', 'Infinity', '5e-324']::float8[], "
      "'\\x00015c22ff', true, -1.5, null)::rich_t";
  const std::string text = cx().query_value<std::string>(server_built + "::text");
  expect_round_trip(cx(), "rich_t", v, text);
  PGPX_EXPECT_SAME(cx().query_value<shop::rich_t>(server_built), v);
  // Every member's text form must not depend on the session's DateStyle, TimeZone or
  // IntervalStyle: the composite literal is parsed by the server in the session's settings.
  cx().execute_script(
      "set datestyle = 'SQL, DMY'; set timezone = 'Pacific/Chatham'; set intervalstyle = 'sql_standard'; "
      "set extra_float_digits = 0");
  PGPX_EXPECT_SAME(cx().query_value<shop::rich_t>("select $1::rich_t", v), v);
  cx().execute_script("create table rich_rows (v rich_t)");
  cx().execute("insert into rich_rows values ($1)", v);
  PGPX_EXPECT_SAME(cx().query_value<shop::rich_t>("select v from rich_rows"), v);
  EXPECT_TRUE(
      cx().query_value<bool>("select (v).day = '2024-02-03'::date and (v).at = '2024-02-03 11:45:06.5Z' "
                             "from rich_rows"));
  cx().execute_script("set datestyle = 'German'; set datestyle = 'Postgres, MDY'");
  PGPX_EXPECT_SAME(cx().query_value<shop::rich_t>("select $1::rich_t", v), v);
}

TEST_F(container_types, composite_mismatches_are_conversion_errors_naming_the_member) {
  auto w = conversion_failure([&] { (void)cx().query_value<pair_t>("select row('x'::text, 'y'::text) as p"); });
  EXPECT_THAT(w, HasSubstr("\"p\""));
  EXPECT_THAT(w, HasSubstr("member \"a\""));
  EXPECT_THAT(w, HasSubstr("text"));
  w = conversion_failure([&] { (void)cx().query_value<pair_t>("select row(1, 'a'::text, 3)"); });
  EXPECT_THAT(w, HasSubstr("3 fields"));
  w = conversion_failure([&] { (void)cx().query_value<pair_t>("select row(null, 'x')::pair_t"); });
  EXPECT_THAT(w, HasSubstr("member \"a\""));
  EXPECT_THAT(w, HasSubstr("std::optional"));
  w = conversion_failure([&] { (void)cx().query_value<pair_t>("select 1 as n"); });
  EXPECT_THAT(w, HasSubstr("int4"));
  EXPECT_THAT(w, HasSubstr("shop::pair_t"));
}

}  // namespace
