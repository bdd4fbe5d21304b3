// Models to and from JSON without a server: every value kind and wrapper round-trips, names
// follow json_naming and json_rename(), and from_json reports every problem with its JSON
// path (missing and unknown keys, wrong types, out-of-range numbers, malformed text, the
// validation rules), never echoing a string value.
#include "support/orm_models.hpp"
#include "support/validated_models.hpp"

#include <pgpx/model/json.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace json_models {

enum class color { red, dark_green };

struct everything {
  bool flag = false;
  std::int16_t small = 0;
  std::int32_t medium = 0;
  std::int64_t large = 0;
  std::uint32_t unsigned_ = 0;
  float ratio = 0;
  double precise = 0;
  std::string text;
  pgpx::numeric amount;
  pgpx::bytea blob;
  pgpx::uuid id;
  pgpx::timestamptz at;
  pgpx::timestamp local;
  pgpx::date day;
  pgpx::time_of_day time;
  pgpx::interval every;
  std::chrono::seconds timeout{0};
  color shade = color::red;
  nlohmann::json meta;
  std::optional<std::string> maybe;
  std::vector<std::int32_t> numbers;
  std::vector<color> shades;
};

struct wrapped {
  pgpx::identity<std::int64_t> id;
  pgpx::key<std::int32_t> part;
  pgpx::varchar<5> code;
  pgpx::unique<std::string> email;
  pgpx::server_default<pgpx::timestamptz, "now()"> created_at;
  pgpx::version<> row_version;
  pgpx::deleted_at deleted_at;
  pgpx::updated_at updated_at;
  pgpx::checked<std::int32_t, pgpx::at_least<0>> count;
  std::optional<pgpx::references<&orm_models::author::id>> author_id;
};

struct line {
  std::string title;
  pgpx::checked<std::int32_t, pgpx::at_least<1>> qty;
};
struct order {
  std::int64_t id = 0;
  std::vector<line> lines;
  std::optional<line> gift;
  line first;
};

struct user_profile {
  std::int64_t user_id = 0;
  std::string display_name;
  std::optional<std::string> home_page;
};

struct shelf {
  std::vector<orm_models::book> books;
};

struct nested_wrappers {
  pgpx::key<pgpx::checked<std::int32_t, pgpx::at_least<0>>> k;
  std::vector<pgpx::varchar<2>> codes;
};

struct clash {
  std::int32_t a_b = 0;
  std::int32_t aB = 0;  // NOLINT(readability-identifier-naming): the same JSON key under camel_case
};

struct flagged {  // model<T>::json = true
  std::int32_t n = 0;
};

struct raw_point {  // a plain struct, no model<T>
  std::int32_t x = 0;
  std::int32_t y = 0;
};

}  // namespace json_models

template <>
inline constexpr std::array pgpx::enum_labels<json_models::color> = {
    pgpx::enum_label<json_models::color>{json_models::color::red, "red"},
    pgpx::enum_label<json_models::color>{json_models::color::dark_green, "dark-green"}};

template <>
struct pgpx::model<json_models::flagged> {
  static constexpr bool json = true;
};

template <>
struct pgpx::model<json_models::clash> {
  static constexpr auto json_naming = pgpx::naming::camel_case;
};

template <>
struct pgpx::model<json_models::user_profile> {
  static constexpr auto json_naming = pgpx::naming::camel_case;
  static constexpr auto json_rename() { return std::array{pgpx::json_name{"home_page", "url"}}; }
};

namespace {

using namespace json_models;
using nlohmann::json;
using namespace std::chrono_literals;

auto sample() -> everything {
  everything e;
  e.flag = true;
  e.small = -32768;
  e.medium = 2147483647;
  e.large = -9223372036854775807LL - 1;
  e.unsigned_ = 4000000000U;
  e.ratio = 0.5F;
  e.precise = 1.25;
  e.text = "héllo \"world\"";
  e.amount = pgpx::numeric("19.990");
  e.blob = {std::byte{0}, std::byte{0xff}, std::byte{0x10}, std::byte{'a'}};
  e.id = pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  e.at = pgpx::timestamptz(std::chrono::sys_days(2024y / 1 / 31) + 12h + 30min + 5s + 500000us);
  e.local = pgpx::timestamp(std::chrono::local_days(1999y / 12 / 31) + 23h + 59min + 59s + 1us);
  e.day = 2024y / 2 / 29;
  e.time = pgpx::time_of_day(9h + 30min + 250ms);
  e.every = pgpx::interval{14, 3, 4h + 5min + 6s + 500ms};
  e.timeout = 90s;
  e.shade = color::dark_green;
  e.meta = {{"pages", 320}, {"tags", {"a", "b"}}};
  e.numbers = {1, 2, 3};
  e.shades = {color::red, color::dark_green};
  return e;
}

auto paths(const std::vector<pgpx::issue>& v) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& i : v) out.push_back(i.path() + ":" + i.type);
  return out;
}

TEST(json, every_value_kind_has_its_documented_form) {
  const json j = pgpx::to_json(sample());
  EXPECT_EQ(j["flag"], true);
  EXPECT_EQ(j["small"], -32768);
  EXPECT_EQ(j["large"], -9223372036854775807LL - 1);
  EXPECT_EQ(j["unsigned_"], 4000000000U);
  EXPECT_EQ(j["ratio"], 0.5);
  EXPECT_EQ(j["text"], "héllo \"world\"");
  EXPECT_EQ(j["amount"], "19.990");  // exact, as a string
  EXPECT_EQ(j["blob"], "AP8QYQ==");  // base64
  EXPECT_EQ(j["id"], "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(j["at"], "2024-01-31T12:30:05.5Z");  // RFC 3339 in UTC
  EXPECT_EQ(j["local"], "1999-12-31T23:59:59.000001");  // no zone
  EXPECT_EQ(j["day"], "2024-02-29");
  EXPECT_EQ(j["time"], "09:30:00.25");
  EXPECT_EQ(j["every"], "P1Y2M3DT4H5M6.5S");
  EXPECT_EQ(j["timeout"], "PT1M30S");
  EXPECT_EQ(j["shade"], "dark-green");  // the PostgreSQL label
  EXPECT_EQ(j["meta"], (json{{"pages", 320}, {"tags", {"a", "b"}}}));
  EXPECT_TRUE(j["maybe"].is_null());
  EXPECT_EQ(j["numbers"], json::array({1, 2, 3}));
  EXPECT_EQ(j["shades"], json::array({"red", "dark-green"}));
}

TEST(json, every_value_kind_round_trips) {
  const everything e = sample();
  const auto back = pgpx::from_json<everything>(pgpx::to_json(e));
  EXPECT_EQ(back.flag, e.flag);
  EXPECT_EQ(back.small, e.small);
  EXPECT_EQ(back.medium, e.medium);
  EXPECT_EQ(back.large, e.large);
  EXPECT_EQ(back.unsigned_, e.unsigned_);
  EXPECT_EQ(back.ratio, e.ratio);
  EXPECT_EQ(back.precise, e.precise);
  EXPECT_EQ(back.text, e.text);
  EXPECT_EQ(back.amount, e.amount);
  EXPECT_EQ(back.blob, e.blob);
  EXPECT_EQ(back.id, e.id);
  EXPECT_EQ(back.at, e.at);
  EXPECT_EQ(back.local, e.local);
  EXPECT_EQ(back.day, e.day);
  EXPECT_EQ(back.time, e.time);
  EXPECT_EQ(back.every, e.every);
  EXPECT_EQ(back.timeout, e.timeout);
  EXPECT_EQ(back.shade, e.shade);
  EXPECT_EQ(back.meta, e.meta);
  EXPECT_EQ(back.maybe, e.maybe);
  EXPECT_EQ(back.numbers, e.numbers);
  EXPECT_EQ(back.shades, e.shades);
  everything f = e;
  f.maybe = "set";
  EXPECT_EQ(pgpx::from_json<everything>(pgpx::to_json(f)).maybe, "set");
}

TEST(json, edge_values_round_trip) {
  everything e = sample();
  for (const auto& [at, text] : std::vector<std::pair<pgpx::timestamptz, std::string>>{
           {pgpx::timestamptz::max(), "infinity"},
           {pgpx::timestamptz::min(), "-infinity"},
           {pgpx::timestamptz(std::chrono::sys_days(1969y / 12 / 31) + 23h + 59min + 59s + 999999us),
            "1969-12-31T23:59:59.999999Z"},
           {pgpx::timestamptz(std::chrono::sys_days(-44y / 3 / 15)), "-0044-03-15T00:00:00Z"},
           {pgpx::timestamptz(std::chrono::sys_days(12345y / 1 / 1)), "+12345-01-01T00:00:00Z"}}) {
    e.at = at;
    const json j = pgpx::to_json(e);
    EXPECT_EQ(j["at"], text);
    EXPECT_EQ(pgpx::from_json<everything>(j).at, at) << text;
  }
  e.day = pgpx::date_infinity;
  EXPECT_EQ(pgpx::to_json(e)["day"], "infinity");
  EXPECT_EQ(pgpx::from_json<everything>(pgpx::to_json(e)).day, pgpx::date_infinity);
  for (const auto& iv : {pgpx::interval{}, pgpx::interval{-14, 0, 0us}, pgpx::interval{0, 1, -3723250000us},
                         pgpx::interval{-1, -2, 1us}}) {
    e.every = iv;
    EXPECT_EQ(pgpx::from_json<everything>(pgpx::to_json(e)).every, iv) << iv.to_string();
  }
  for (const auto& blob : {pgpx::bytea{}, pgpx::bytea{std::byte{1}}, pgpx::bytea{std::byte{1}, std::byte{2}}}) {
    e.blob = blob;
    EXPECT_EQ(pgpx::from_json<everything>(pgpx::to_json(e)).blob, blob);
  }
  e.time = pgpx::time_of_day(24h);
  EXPECT_EQ(pgpx::from_json<everything>(pgpx::to_json(e)).time, e.time);
}

TEST(json, other_accepted_input_forms) {
  json j = pgpx::to_json(sample());
  j["at"] = "2024-01-31T14:30:05.5+02:00";  // an offset
  j["day"] = "2024-02-29";
  j["amount"] = 12;  // integers are exact numerics
  j["time"] = "09:30";
  j["every"] = "P2W";
  j["blob"] = "AP8QYQ";  // padding optional
  j["id"] = "A0EEBC999C0B4EF8BB6D6BB9BD380A11";
  j["ratio"] = 2;  // an integer for a float
  const auto e = pgpx::from_json<everything>(j);
  EXPECT_EQ(e.at, sample().at);
  EXPECT_EQ(e.amount, pgpx::numeric(12));
  EXPECT_EQ(e.time, pgpx::time_of_day(9h + 30min));
  EXPECT_EQ(e.every, (pgpx::interval{0, 14, 0us}));
  EXPECT_EQ(e.blob, sample().blob);
  EXPECT_EQ(e.id, sample().id);
  EXPECT_EQ(e.ratio, 2.0F);
  j["amount"] = 19.99;  // a float by its shortest text
  EXPECT_EQ(pgpx::from_json<everything>(j).amount, pgpx::numeric("19.99"));
}

TEST(json, wrappers_serialise_as_their_values_and_round_trip) {
  wrapped w;
  w.id = 7;
  w.part = 2;
  w.code = "ab";
  w.email = "a@b.c";
  w.created_at = pgpx::timestamptz(std::chrono::sys_days(2024y / 1 / 1));
  w.row_version = 3;
  w.deleted_at = std::nullopt;
  w.updated_at = pgpx::timestamptz(std::chrono::sys_days(2024y / 1 / 2));
  w.count = 4;
  w.author_id = 9;
  const json j = pgpx::to_json(w);
  EXPECT_EQ(j, (json{{"id", 7},
                     {"part", 2},
                     {"code", "ab"},
                     {"email", "a@b.c"},
                     {"created_at", "2024-01-01T00:00:00Z"},
                     {"row_version", 3},
                     {"deleted_at", nullptr},
                     {"updated_at", "2024-01-02T00:00:00Z"},
                     {"count", 4},
                     {"author_id", 9}}));
  const auto back = pgpx::from_json<wrapped>(j);
  EXPECT_EQ(back.id, 7);
  EXPECT_EQ(back.part, 2);
  EXPECT_EQ(back.code, "ab");
  EXPECT_EQ(back.email, "a@b.c");
  EXPECT_EQ(back.created_at, w.created_at);
  EXPECT_EQ(back.row_version, 3);
  EXPECT_FALSE(back.deleted_at.has_value());
  EXPECT_EQ(back.updated_at, w.updated_at);
  EXPECT_EQ(back.count, 4);
  EXPECT_EQ(back.author_id, std::optional<std::int64_t>(9));
  // Keys of nullable and server-filled columns may be missing (an object to insert).
  const auto partial = pgpx::from_json<wrapped>(json{{"part", 1}, {"code", "x"}, {"email", "e"}, {"count", 0}});
  EXPECT_EQ(partial.id, 0);
  EXPECT_EQ(partial.row_version, 0);
  EXPECT_FALSE(partial.deleted_at.has_value());
  EXPECT_FALSE(partial.author_id.has_value());
  EXPECT_EQ(paths(pgpx::try_from_json<wrapped>(json::object()).issues),
            (std::vector<std::string>{"part:missing", "code:missing", "email:missing", "count:missing"}));
  w.deleted_at = w.created_at;
  EXPECT_EQ(pgpx::to_json(w)["deleted_at"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(pgpx::from_json<wrapped>(pgpx::to_json(w)).deleted_at.get(), w.deleted_at.get());
}

TEST(json, the_spec_models_round_trip) {
  orm_models::book b;
  b.id = 1;
  b.author_id = 2;
  b.title = "Notes";
  b.price_cents = 100;
  b.tags = {"a", "b"};
  b.meta = {{"format", "epub"}};
  const auto back = pgpx::from_json<orm_models::book>(pgpx::to_json(b));
  EXPECT_EQ(back.id, 1);
  EXPECT_EQ(back.author_id, 2);
  EXPECT_EQ(back.title, "Notes");
  EXPECT_EQ(back.tags, b.tags);
  EXPECT_EQ(back.meta, b.meta);
  orm_models::person p;
  p.current = orm_models::mood::happy;
  p.history = {orm_models::mood::sad};
  const json pj = pgpx::to_json(p);
  EXPECT_EQ(pj["current"], "happy");
  EXPECT_TRUE(pj["tomorrow"].is_null());
  EXPECT_EQ(pgpx::from_json<orm_models::person>(pj).history, p.history);
}

TEST(json, nested_structs_vectors_and_optionals) {
  order o;
  o.id = 1;
  o.lines = {{"a", 1}, {"b", 2}};
  o.first = {"c", 3};
  const json j = pgpx::to_json(o);
  EXPECT_EQ(j, (json{{"id", 1},
                     {"lines", {{{"title", "a"}, {"qty", 1}}, {{"title", "b"}, {"qty", 2}}}},
                     {"gift", nullptr},
                     {"first", {{"title", "c"}, {"qty", 3}}}}));
  const auto back = pgpx::from_json<order>(j);
  ASSERT_EQ(back.lines.size(), 2u);
  EXPECT_EQ(back.lines[1].title, "b");
  EXPECT_EQ(back.lines[1].qty, 2);
  EXPECT_FALSE(back.gift.has_value());
  EXPECT_EQ(back.first.title, "c");
  json k = j;
  k["gift"] = {{"title", "g"}, {"qty", 5}};
  EXPECT_EQ(pgpx::from_json<order>(k).gift->qty, 5);
  k.erase("gift");  // a missing key reads as an empty optional
  EXPECT_FALSE(pgpx::from_json<order>(k).gift.has_value());
  EXPECT_EQ(pgpx::to_json(raw_point{3, 4}), (json{{"x", 3}, {"y", 4}}));  // no model<T> needed
}

TEST(json, json_naming_and_renames_apply_both_ways) {
  const user_profile p{42, "Ada", "https://example.org"};
  const json j = pgpx::to_json(p);
  EXPECT_EQ(j, (json{{"userId", 42}, {"displayName", "Ada"}, {"url", "https://example.org"}}));
  const auto back = pgpx::from_json<user_profile>(j);
  EXPECT_EQ(back.user_id, 42);
  EXPECT_EQ(back.display_name, "Ada");
  EXPECT_EQ(back.home_page, "https://example.org");
  // The C++ names are not keys.
  EXPECT_EQ(paths(pgpx::try_from_json<user_profile>(json{{"user_id", 1}, {"displayName", "x"}}).issues),
            (std::vector<std::string>{"userId:missing", "user_id:unknown_key"}));
}

TEST(json, assignment_and_get_work_for_models_with_a_json_fact) {
  static_assert(pgpx::json_enabled<user_profile>);
  static_assert(!pgpx::json_enabled<raw_point>);
  static_assert(pgpx::json_enabled<flagged>);
  EXPECT_EQ(json(flagged{5}), (json{{"n", 5}}));
  const user_profile p{1, "Ada", std::nullopt};
  const json j = p;
  EXPECT_EQ(j["displayName"], "Ada");
  EXPECT_EQ(j.get<user_profile>().display_name, "Ada");
  const json bad = {{"userId", "x"}};
  EXPECT_THROW((void)bad.get<user_profile>(), pgpx::validation_error);
}

TEST(json, every_error_class_is_reported_with_its_path) {
  json j = pgpx::to_json(sample());
  j.erase("text");                       // missing
  j["extra"] = 1;                        // unknown
  j["flag"] = "yes";                     // wrong type
  j["small"] = 40000;                    // out of range for int16
  j["unsigned_"] = -1;                   // out of range for uint32
  j["ratio"] = 1e300;                    // out of range for float4
  j["amount"] = "12,5";                  // not a numeric
  j["blob"] = "@@@@";                    // not base64
  j["id"] = "not-a-uuid";                // not a uuid
  j["at"] = "2024-01-31T12:00:00";       // timestamptz without an offset
  j["local"] = "2024-01-31T12:00:00Z";   // timestamp with one
  j["day"] = "2023-02-29";               // no such date
  j["time"] = "25:00";                   // no such time
  j["every"] = "P1H";                    // hours before T
  j["timeout"] = "P1M";                  // months in a duration
  j["shade"] = "blue";                   // no such label
  j["numbers"] = {1, "two", 3.5};        // element types
  j["shades"] = "red";                   // not an array
  const auto r = pgpx::try_from_json<everything>(j);
  EXPECT_FALSE(r);
  EXPECT_EQ(paths(r.issues),
            (std::vector<std::string>{
                "flag:wrong_type", "small:out_of_range", "unsigned_:out_of_range", "ratio:out_of_range", "text:missing",
                "amount:invalid_format", "blob:invalid_format", "id:invalid_format", "at:invalid_format",
                "local:invalid_format", "day:invalid_format", "time:invalid_format", "every:invalid_format",
                "timeout:out_of_range", "shade:unknown_label", "numbers[1]:wrong_type", "numbers[2]:wrong_type",
                "shades:wrong_type", "extra:unknown_key"}));
  const auto& small = r.issues[1];
  EXPECT_EQ(small.ctx, (json{{"min", -32768}, {"max", 32767}, {"got", 40000}}));
  EXPECT_EQ(small.msg, "must be between -32768 and 32767 (got 40000)");
  EXPECT_EQ(r.issues[0].msg, "must be a boolean (got string)");
  EXPECT_EQ(r.issues[14].ctx, (json{{"expected", {"red", "dark-green"}}}));
  EXPECT_THROW((void)pgpx::from_json<everything>(j), pgpx::validation_error);
  // Not an object at all.
  EXPECT_EQ(paths(pgpx::try_from_json<everything>(json::array()).issues), (std::vector<std::string>{":wrong_type"}));
}

TEST(json, values_outside_postgresqls_ranges_are_refused) {
  json j = pgpx::to_json(sample());
  j["at"] = "+294277-01-01T00:00:00Z";  // past PostgreSQL's last timestamp
  j["local"] = "-4714-11-23T00:00:00";  // before its first
  j["day"] = "+99999-01-01";            // past year_month_day's years
  j["large"] = 9223372036854775808ULL;  // past int8
  j["every"] = "P999999999999Y";        // months past int4
  EXPECT_EQ(paths(pgpx::try_from_json<everything>(j).issues),
            (std::vector<std::string>{"large:out_of_range", "at:out_of_range", "local:out_of_range",
                                      "day:invalid_format", "every:invalid_format"}));
}

TEST(json, text_postgresql_cannot_store_is_refused) {
  json j = pgpx::to_json(sample());
  j["text"] = std::string("a\0b", 3);
  const auto r = pgpx::try_from_json<everything>(j);
  EXPECT_EQ(paths(r.issues), (std::vector<std::string>{"text:invalid_text"}));
  EXPECT_EQ(r.issues[0].ctx, (json{{"offset", 1}}));
}

TEST(json, unknown_keys_may_be_ignored) {
  json j = pgpx::to_json(raw_point{1, 2});
  j["z"] = 3;
  EXPECT_FALSE(pgpx::try_from_json<raw_point>(j));
  const auto p = pgpx::from_json<raw_point>(j, {.unknown = pgpx::unknown_keys::ignore});
  EXPECT_EQ(p.x, 1);
  EXPECT_EQ(p.y, 2);
}

TEST(json, nested_errors_have_paths_like_pydantic_loc) {
  const json j = {{"id", 1},
                  {"lines", {{{"title", "a"}, {"qty", 1}}, {{"title", "b"}, {"qty", 0}}, {{"qty", "x"}, {"more", 1}}}},
                  {"gift", {{"title", 5}, {"qty", 1}}},
                  {"first", {{"title", "c"}, {"qty", 1}}}};
  const auto r = pgpx::try_from_json<order>(j);
  EXPECT_EQ(paths(r.issues),
            (std::vector<std::string>{"lines[1].qty:too_small", "lines[2].title:missing", "lines[2].qty:wrong_type",
                                      "lines[2].more:unknown_key", "gift.title:wrong_type"}));
  EXPECT_EQ(r.issues[0].loc, (json{"lines", 1, "qty"}));
  try {
    (void)pgpx::from_json<order>(j);
    FAIL();
  } catch (const pgpx::validation_error& e) {
    EXPECT_EQ(e.issues().size(), 5u);
    EXPECT_EQ(e.model(), "json_models::order");
    EXPECT_NE(std::string(e.what()).find("lines[2].title: missing"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).substr(0, std::string(e.what()).find('\n')),
              "json_models::order: 5 invalid fields, not read from JSON");
  }
  // Deeper: a model inside a vector inside a struct.
  json shelf_json = {{"books", {pgpx::to_json(orm_models::book{}), pgpx::to_json(orm_models::book{})}}};
  shelf_json["books"][1].erase("title");
  EXPECT_EQ(paths(pgpx::try_from_json<shelf>(shelf_json).issues), (std::vector<std::string>{"books[1].title:missing"}));
}

TEST(json, validation_rules_apply_on_the_way_in_and_collect_every_issue) {
  validated_models::signup s;
  s.name = "Ada";
  s.email = "ada@example.org";
  s.age = 36;
  s.tags = {"a"};
  s.score = 10;
  json j = pgpx::to_json(s);
  EXPECT_TRUE(pgpx::try_from_json<validated_models::signup>(j));
  j["name"] = "";
  j["email"] = "secret-value";
  j["age"] = 7;
  j["handle"] = "ab";
  j["tags"] = json::array();
  j["score"] = 1001;
  const auto r = pgpx::try_from_json<validated_models::signup>(j);
  EXPECT_EQ(paths(r.issues),
            (std::vector<std::string>{"name:empty", "email:not_an_email", "age:out_of_range", "handle:too_short",
                                      "tags:empty", "score:too_large", "score:not_even"}));
  // model<T>::validate runs once every member has read.
  j = pgpx::to_json(s);
  j["starts"] = 5;
  j["ends"] = 5;
  EXPECT_EQ(paths(pgpx::try_from_json<validated_models::signup>(j).issues),
            (std::vector<std::string>{"ends:not_after_starts"}));
  j["age"] = "x";  // ...and not when one did not
  EXPECT_EQ(paths(pgpx::try_from_json<validated_models::signup>(j).issues),
            (std::vector<std::string>{"age:wrong_type"}));
  // varchar<N> inside arrays and optionals is checked per element.
  json w = pgpx::to_json(wrapped{});
  w["code"] = "toolong";
  w["count"] = -1;
  EXPECT_EQ(paths(pgpx::try_from_json<wrapped>(w).issues),
            (std::vector<std::string>{"code:too_long", "count:too_small"}));
  // Each rule runs once, however deep its wrapper is; elements of arrays are checked one by one.
  EXPECT_EQ(paths(pgpx::try_from_json<nested_wrappers>(json{{"k", -1}, {"codes", {"ab", "abc", "", "xyz"}}}).issues),
            (std::vector<std::string>{"k:too_small", "codes[1]:too_long", "codes[3]:too_long"}));
  // Rules can be switched off.
  EXPECT_TRUE(pgpx::try_from_json<wrapped>(w, {.validate = false}));
}

TEST(json, no_string_value_is_ever_echoed) {
  const std::string secret = "hunter2-secret";
  json j = pgpx::to_json(sample());
  for (const char* key : {"flag", "small", "amount", "blob", "id", "at", "day", "time", "every", "shade", "numbers"})
    j[key] = secret;
  j["text"] = secret + std::string("\0", 1);
  j[secret] = secret;  // an unknown key is named in loc (it is the place), never in msg or ctx
  const auto r = pgpx::try_from_json<everything>(j);
  ASSERT_EQ(r.issues.size(), 13u);
  for (const auto& i : r.issues) {
    EXPECT_EQ(i.msg.find(secret), std::string::npos) << i.msg;
    EXPECT_EQ(i.ctx.dump().find(secret), std::string::npos) << i.ctx.dump();
  }
  try {
    (void)pgpx::from_json<everything>(j);
  } catch (const pgpx::validation_error& e) {
    const std::string what = e.what();
    // Only the unknown key's own name appears, as its location.
    EXPECT_EQ(what.find(secret), what.rfind(secret)) << what;
  }
  validated_models::signup s;
  json sj = pgpx::to_json(s);
  sj["email"] = secret;
  for (const auto& i : pgpx::try_from_json<validated_models::signup>(sj).issues)
    EXPECT_EQ(i.msg.find(secret), std::string::npos);
}

TEST(json, a_json_name_given_twice_is_a_usage_error) {
  EXPECT_THROW((void)pgpx::to_json(clash{}), pgpx::usage_error);  // a_b and aB are both "aB"
  EXPECT_THROW((void)pgpx::try_from_json<clash>(json::object()), pgpx::usage_error);
}

}  // namespace
