#include "support/test_db.hpp"

#include <pgpx/core/copy.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/types.hpp>

#include <gtest/gtest.h>

#include <limits>
#include <sstream>

namespace {

enum class mood { sad, ok, happy };

struct event {
  std::int64_t id;
  std::string name;
  std::optional<std::string> note;
  std::int32_t count;  // the column is int8: widened
  double score;        // the column is float4: narrowed
  pgpx::numeric amount;
  pgpx::timestamptz at;
  std::vector<std::string> tags;  // text[]
  nlohmann::json meta;            // jsonb
  mood feeling;                   // enum
  pgpx::uuid token;
  std::vector<std::int32_t> scores;  // int4[]
  bool flag;
};

class copy_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script(
        "create type mood as enum ('sad', 'ok', 'happy');"
        "create table events (id int8 primary key, name varchar(40) not null, note text, count int8, score float4,"
        "  amount numeric(10,2), at timestamptz, tags text[], meta jsonb, feeling mood, token uuid,"
        "  scores int4[], flag bool, extra text default 'defaulted');");
  }

  static auto sample(int n) -> std::vector<event> {
    std::vector<event> v;
    for (int i = 0; i < n; ++i) {
      v.push_back(
          event{i,
                "event " + std::to_string(i),
                i % 3 == 0 ? std::nullopt : std::optional<std::string>("note, \"quoted\"\n" + std::to_string(i)),
                i * 10,
                i + 0.5,
                pgpx::numeric(std::to_string(i) + ".25"),
                pgpx::timestamptz(std::chrono::microseconds(1'700'000'000'000'000LL + i)),
                {"a", "b c", std::to_string(i)},
                {{"i", i}, {"s", "x"}},
                static_cast<mood>(i % 3),
                pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                {i, -i},
                i % 2 == 0});
    }
    return v;
  }
};

TEST_F(copy_test, structs_go_in_and_come_back_equal) {
  const auto rows = sample(2500);
  EXPECT_EQ(pgpx::copy_in<event>(cx(), "events", rows), 2500u);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from events"), 2500);
  EXPECT_EQ(cx().query_value<std::string>("select extra from events where id = 7"), "defaulted");
  EXPECT_EQ(cx().query_value<std::string>("select meta->>'s' from events where id = 7"), "x");
  EXPECT_EQ(cx().query_value<std::string>("select feeling::text from events where id = 5"), "happy");
  EXPECT_EQ(cx().query_value<std::string>("select tags[2] from events where id = 5"), "b c");

  const auto back = pgpx::copy_out<event>(cx(), "events");
  ASSERT_EQ(back.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& a = rows[i];
    const auto& b = back[i];
    ASSERT_EQ(a.id, b.id);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.note, b.note);
    EXPECT_EQ(a.count, b.count);
    EXPECT_EQ(static_cast<float>(a.score), static_cast<float>(b.score));
    EXPECT_EQ(a.amount, b.amount);
    EXPECT_EQ(a.at, b.at);
    EXPECT_EQ(a.tags, b.tags);
    EXPECT_EQ(a.meta, b.meta);
    EXPECT_EQ(a.feeling, b.feeling);
    EXPECT_EQ(a.token, b.token);
    EXPECT_EQ(a.scores, b.scores);
    EXPECT_EQ(a.flag, b.flag);
  }
}

TEST_F(copy_test, query_results_stream_row_by_row) {
  pgpx::copy_in<event>(cx(), "events", sample(100));
  std::int64_t sum = 0;
  const auto n = pgpx::copy_out_query<event>(cx(), "select * from events where id >= 50 order by id",
                                             [&](const event& e) { sum += e.id; });
  EXPECT_EQ(n, 50u);
  EXPECT_EQ(sum, (50 + 99) * 50 / 2);
  struct slim {
    std::string name;
    std::int64_t id;
  };
  const auto v = pgpx::copy_out_query<slim>(cx(), "select id, name from events where id < 3 order by id");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[2].name, "event 2");
}

TEST_F(copy_test, a_member_without_a_column_is_an_error_before_sending) {
  struct wrong {
    std::int64_t id;
    std::string nickname;
  };
  try {
    pgpx::copy_in<wrong>(cx(), "events", std::vector<wrong>{{1, "x"}});
    FAIL();
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(std::string(e.what()).find("nickname"), std::string::npos) << e.what();
  }
  struct bad_type {
    std::int64_t id;
    pgpx::uuid name;  // varchar column
  };
  try {
    pgpx::copy_in<bad_type>(cx(), "events", std::vector<bad_type>{});
    FAIL();
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(std::string(e.what()).find("varchar"), std::string::npos) << e.what();
  }
  EXPECT_EQ(cx().query_value<int>("select 1"), 1);
}

TEST_F(copy_test, a_failing_copy_stores_nothing_and_leaves_the_connection_usable) {
  auto rows = sample(10);
  rows[7].id = 3;  // duplicate key
  try {
    pgpx::copy_in<event>(cx(), "events", rows);
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_TRUE(pgpx::is_unique_violation(e));
  }
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from events"), 0);
  struct narrow {
    std::int64_t id;
    std::string name;
    std::int64_t count;
  };
  cx().execute_script("create table small (id int8, name text, count int2)");
  EXPECT_THROW(pgpx::copy_in<narrow>(cx(), "small", std::vector<narrow>{{1, "x", 100000}}), pgpx::conversion_error);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from small"), 0);
  EXPECT_EQ(cx().query_value<int>("select 2"), 2);
}

TEST_F(copy_test, csv_from_and_to_streams) {
  cx().execute_script("create table people (id int, name text, city text)");
  std::istringstream in("id,name,city\n1,Ada,London\n2,\"Codd, Edgar\",\n3,Grace,\"New \"\"York\"\"\"\n");
  EXPECT_EQ(pgpx::copy_from(cx(), "copy people from stdin (format csv, header)", in), 3u);
  EXPECT_EQ(cx().query_value<std::string>("select name from people where id = 2"), "Codd, Edgar");
  EXPECT_FALSE(cx().query_value<std::optional<std::string>>("select city from people where id = 2").has_value());
  std::ostringstream out;
  EXPECT_EQ(pgpx::copy_to(cx(), "copy (select * from people order by id) to stdout (format csv)", out), 3u);
  EXPECT_EQ(out.str(), "1,Ada,London\n2,\"Codd, Edgar\",\n3,Grace,\"New \"\"York\"\"\"\n");
}

TEST_F(copy_test, malformed_csv_is_a_server_error_naming_the_line) {
  cx().execute_script("create table n (x int)");
  std::istringstream in("1\n2\nthree\n");
  try {
    pgpx::copy_from(cx(), "copy n from stdin (format csv)", in);
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "22P02");
  }
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from n"), 0);
}

TEST_F(copy_test, not_a_copy_statement_is_a_usage_error) {
  EXPECT_THROW(pgpx::copy_writer(cx(), "select 1"), pgpx::usage_error);
  EXPECT_EQ(cx().query_value<int>("select 4"), 4);
}

TEST_F(copy_test, copy_inside_a_transaction_rolls_back_with_it) {
  {
    pgpx::transaction tx{cx()};
    pgpx::copy_in<event>(cx(), "events", sample(5));
    EXPECT_EQ(tx.query_value<std::int64_t>("select count(*) from events"), 5);
  }
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from events"), 0);
}

TEST_F(copy_test, schema_qualified_tables_and_odd_names) {
  cx().execute_script(
      "create schema \"My Schema\"; create table \"My Schema\".\"odd \"\"table\"\"\" (id int8, name text)");
  struct row {
    std::int64_t id;
    std::string name;
  };
  const pgpx::copy_table t{"My Schema", "odd \"table\""};
  EXPECT_EQ(pgpx::copy_in<row>(cx(), t, std::vector<row>{{1, "a"}, {2, "b"}}), 2u);
  EXPECT_EQ(pgpx::copy_out<row>(cx(), t).size(), 2u);
}

}  // namespace

namespace {

// Issue 9: binary COPY wrote what a parameter refuses (a uint64_t above int8 as a negative
// number, 1e300 into float4 as Infinity). Each value is now refused like a parameter, the
// error names row, member and column, nothing is stored and the connection goes on.
TEST_F(copy_test, values_their_columns_cannot_hold_are_refused_like_parameters) {
  cx().execute_script("create table nums (big int8, small int2, f float4, s text, tags text[])");
  struct nums_row {
    std::uint64_t big;
    std::int64_t small;
    double f;
    std::string s;
    std::vector<std::string> tags;
  };
  const nums_row ok{1, 2, 1.5, "x", {"a"}};
  const auto refused = [&](nums_row bad, const std::string& column, const std::string& what) {
    SCOPED_TRACE(column);
    std::vector<nums_row> rows{ok, ok, bad};
    try {
      pgpx::copy_in<nums_row>(cx(), "nums", rows);
      ADD_FAILURE() << "stored";
    } catch (const pgpx::conversion_error& e) {
      EXPECT_NE(std::string(e.what()).find("row 3, member \"" + column + "\""), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_EQ(e.info().column, column);
    }
    EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from nums"), 0);
    EXPECT_TRUE(cx().is_open());
    EXPECT_EQ(cx().query_value<int>("select 3"), 3);
  };
  auto r = ok;
  r.big = std::uint64_t{1} << 63;
  refused(r, "big", "9223372036854775808 is out of range for int8");
  r = ok;
  r.big = ~std::uint64_t{0};
  refused(r, "big", "18446744073709551615");
  r = ok;
  r.small = -32769;
  refused(r, "small", "out of range for int2");
  r = ok;
  r.f = 1e300;
  refused(r, "f", "overflow");
  r = ok;
  r.f = -1e-300;
  refused(r, "f", "underflow");
  r = ok;
  r.s = std::string("a\0b", 3);
  refused(r, "s", "NUL");
  r = ok;
  r.s = "caf\xc3";
  refused(r, "s", "UTF-8");
  r = ok;
  r.tags = {"fine", "\xff"};
  refused(r, "tags", "array element [1]");
  // The boundaries themselves are stored, and a real Infinity stays one.
  r = ok;
  r.big = std::uint64_t{INT64_MAX};
  r.small = -32768;
  r.f = std::numeric_limits<double>::infinity();
  EXPECT_EQ(pgpx::copy_in<nums_row>(cx(), "nums", std::vector<nums_row>{r}), 1u);
  EXPECT_EQ(cx().query_value<std::string>("select big::text || ' ' || small || ' ' || f from nums"),
            "9223372036854775807 -32768 Infinity");
}

}  // namespace
