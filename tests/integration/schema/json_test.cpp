// Models and JSON on the real server: a row the server wrote (defaults, every value kind)
// is read into a model, turned into JSON and back, and the value read back from JSON is
// the row the server holds (compared by the server itself).
#include "support/orm_models.hpp"
#include "support/test_db.hpp"

#include <pgpx/model/json.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace json_integration {

enum class status { draft, published };

struct document {
  pgpx::identity<std::int64_t> id;
  pgpx::varchar<40> title;
  pgpx::server_default<pgpx::uuid, "gen_random_uuid()"> ref;
  pgpx::numeric price;
  pgpx::bytea body;
  pgpx::server_default<pgpx::timestamptz, "now()"> created_at;
  pgpx::date due;
  pgpx::time_of_day at;
  pgpx::interval every;
  status state;
  nlohmann::json meta;
  std::vector<std::string> tags;
  std::optional<std::int16_t> rank;
  pgpx::deleted_at deleted_at;
};

}  // namespace json_integration

template <>
struct pgpx::model<json_integration::document> {
  static constexpr auto json_naming = pgpx::naming::camel_case;
};

namespace {

using json_integration::document;
using nlohmann::json;

class json_test : public pgpx::test::db_test {
 protected:
  void insert_row() {
    cx().execute(
        "insert into documents (title, price, body, due, at, every, state, meta, tags, rank) values"
        " ('Notes', 1234.500, '\\x00ff61', '2024-02-29', '09:30:00.25', '1 year 2 mons 3 days 04:05:06.5',"
        " 'published', '{\"pages\": 3}', '{a,b}', null)");
  }
};

TEST_F(json_test, a_row_read_from_the_server_round_trips_through_json) {
  pgpx::schema::create(cx(), pgpx::models<document>);
  insert_row();
  const auto d = cx().query_one<document>("select * from documents");
  const json j = pgpx::to_json(d);
  EXPECT_EQ(j["title"], "Notes");
  EXPECT_EQ(j["price"], "1234.500");
  EXPECT_EQ(j["body"], "AP9h");
  EXPECT_EQ(j["due"], "2024-02-29");
  EXPECT_EQ(j["at"], "09:30:00.25");
  EXPECT_EQ(j["every"], "P1Y2M3DT4H5M6.5S");
  EXPECT_EQ(j["state"], "published");
  EXPECT_EQ(j["meta"], (json{{"pages", 3}}));
  EXPECT_EQ(j["tags"], json::array({"a", "b"}));
  EXPECT_TRUE(j["rank"].is_null());
  EXPECT_TRUE(j["deletedAt"].is_null());
  EXPECT_EQ(j["ref"], cx().query_value<std::string>("select ref::text from documents"));
  // RFC 3339 in UTC: the server reads it back as the same instant.
  EXPECT_TRUE(
      cx().query_value<bool>("select created_at = $1::timestamptz from documents", j["createdAt"].get<std::string>()));
  EXPECT_EQ(j["createdAt"].get<std::string>().back(), 'Z');

  // Through JSON text, as a client would send it.
  const auto back = pgpx::from_json<document>(json::parse(j.dump()));
  EXPECT_EQ(pgpx::to_json(back), j);
  // Every column the server holds equals the value read back from JSON.
  EXPECT_TRUE(cx().query_value<bool>(
      "select (id, title, ref, price::text, body, created_at, due, at, every, state::text, meta, tags) ="
      " ($1, $2, $3, $4::numeric::text, $5, $6, $7, $8, $9, $10, $11::jsonb, $12) and rank is null from documents",
      back.id, back.title, back.ref, back.price, back.body, back.created_at, back.due, back.at, back.every, back.state,
      back.meta, back.tags));
  EXPECT_FALSE(back.rank.has_value());
  // Written back as a new row, the server stores the same values.
  cx().execute(
      "insert into documents (title, ref, price, body, created_at, due, at, every, state, meta, tags, rank)"
      " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
      back.title, back.ref, back.price, back.body, back.created_at, back.due, back.at, back.every, back.state,
      back.meta, back.tags, back.rank);
  EXPECT_EQ(cx().query_value<std::int64_t>(
                "select count(distinct (title, ref, price::text, body, created_at, due, at, every, state, meta::text,"
                " tags, rank)) from documents"),
            1);
}

TEST_F(json_test, json_the_server_would_refuse_is_refused_before_anything_is_sent) {
  pgpx::schema::create(cx(), pgpx::models<document>);
  insert_row();
  json j = pgpx::to_json(cx().query_one<document>("select * from documents"));
  ASSERT_TRUE(pgpx::try_from_json<document>(j));
  j["title"] = std::string(41, 'x');  // varchar(40)
  j["rank"] = 70000;                  // int2
  j["state"] = "archived";            // no such label in the enum type
  const auto r = pgpx::try_from_json<document>(j);
  ASSERT_EQ(r.issues.size(), 3u);
  EXPECT_EQ(r.issues[0].path(), "title");
  EXPECT_EQ(r.issues[0].type, "too_long");
  EXPECT_EQ(r.issues[1].path(), "state");
  EXPECT_EQ(r.issues[2].path(), "rank");
  EXPECT_EQ(r.issues[2].type, "out_of_range");
  // The server agrees on each.
  EXPECT_THROW(cx().execute("insert into documents (title, price, body, due, at, every, state, meta, tags)"
                            " values ($1, 0, '', current_date, '00:00', '0', 'draft', '{}', '{}')",
                            j["title"].get<std::string>()),
               pgpx::error);
  EXPECT_THROW(cx().execute("select $1::int2", std::int64_t{70000}), pgpx::error);
  EXPECT_THROW(cx().execute("select $1::status", std::string("archived")), pgpx::error);
}

}  // namespace
