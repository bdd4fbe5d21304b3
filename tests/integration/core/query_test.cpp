#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace {

struct person {
  std::int64_t id;
  std::string name;
  std::optional<std::string> email;
};

struct camel_row {
  std::int64_t userId;
  std::string displayName;
};

struct both_ways_row {
  std::int64_t userId;
  std::string display_name;
};

class query_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script(
        "create table person (id int8 primary key, name text not null, email text);"
        "insert into person values (1, 'Ada', 'ada@example.org'), (2, 'Grace', null), (3, 'Linus', 'l@x.org');");
  }
};

}  // namespace

template <>
inline constexpr auto pgpx::naming_of<camel_row> = pgpx::naming::snake_case;
template <>
inline constexpr auto pgpx::naming_of<both_ways_row> = pgpx::naming::snake_camel;

namespace {

TEST_F(query_test, rows_map_into_structs_by_column_name_in_any_order) {
  auto v = cx().query<person>("select email, name, id from person order by id");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].id, 1);
  EXPECT_EQ(v[0].name, "Ada");
  EXPECT_EQ(v[0].email, "ada@example.org");
  EXPECT_FALSE(v[1].email.has_value());
}

TEST_F(query_test, naming_strategy_maps_snake_case_columns_to_camel_members) {
  auto v = cx().query<camel_row>("select id as user_id, name as display_name from person where id = $1", 2);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].userId, 2);
  EXPECT_EQ(v[0].displayName, "Grace");
}

TEST_F(query_test, snake_camel_reads_either_spelling_of_a_column) {
  auto a = cx().query_one<both_ways_row>("select id as \"userId\", name as display_name from person where id = 1");
  EXPECT_EQ(a.userId, 1);
  EXPECT_EQ(a.display_name, "Ada");
  auto b = cx().query_one<both_ways_row>("select id as user_id, name as \"displayName\" from person where id = 3");
  EXPECT_EQ(b.userId, 3);
  EXPECT_EQ(b.display_name, "Linus");
  try {
    (void)cx().query<both_ways_row>("select id as user_id, id as \"userId\", name as display_name from person");
    FAIL() << "two spellings of one column are ambiguous";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(e.message().find("more than one column"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("\"userId\" at 2"), std::string::npos) << e.message();
  }
}

TEST_F(query_test, a_member_matching_two_columns_is_ambiguous) {
  // A join with `select *` returns two columns named id: which one is person.id is a guess.
  try {
    (void)cx().query<person>("select p.*, q.id from person p join person q on q.id = p.id");
    FAIL() << "duplicate column names must not be resolved silently";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(e.message().find("member \"id\" matches more than one column"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("id, name, email, id"), std::string::npos) << e.message();
  }
  // Duplicates nobody reads are fine.
  auto v = cx().query<camel_row>("select id as user_id, name as display_name, 1 as x, 2 as x from person where id = 1");
  EXPECT_EQ(v.at(0).displayName, "Ada");
}

TEST_F(query_test, statements_with_other_column_orders_map_correctly_in_turn) {
  // The column lookup is remembered per prepared statement: alternating statements that
  // return the same columns in other orders (or after a re-prepare) must each map right.
  for (int i = 0; i < 3; ++i) {
    const auto a = cx().query_one<person>("select id, name, email from person where id = 1");
    const auto b = cx().query_one<person>("select email, id, name from person where id = 3");
    const auto c = cx().query_one<person>("select name, email, id, 42 as extra from person where id = 2");
    EXPECT_EQ(a.name, "Ada");
    EXPECT_EQ(b.id, 3);
    EXPECT_EQ(b.name, "Linus");
    EXPECT_EQ(c.id, 2);
    EXPECT_FALSE(c.email.has_value());
  }
  const std::string star = "select * from person where id = 1";
  EXPECT_EQ(cx().query_one<person>(star).name, "Ada");
  cx().execute_script("alter table person drop column email; alter table person add column email text");
  cx().execute("update person set email = 'new@x.org' where id = 1");
  // The table was rebuilt under the cached statement: the rows still map right.
  const auto again = cx().query_one<person>(star);
  EXPECT_EQ(again.name, "Ada");
  EXPECT_EQ(again.email, "new@x.org");
}

TEST_F(query_test, tuples_map_by_position_and_scalars_by_the_only_column) {
  auto t = cx().query<std::tuple<std::int64_t, std::string>>("select id, name from person order by id desc");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(std::get<0>(t[0]), 3);
  EXPECT_EQ(std::get<1>(t[0]), "Linus");
  auto names = cx().query<std::string>("select name from person where id > $1 order by id", 1);
  EXPECT_EQ(names, (std::vector<std::string>{"Grace", "Linus"}));
}

TEST_F(query_test, query_one_optional_value_check_the_row_count) {
  EXPECT_EQ(cx().query_one<person>("select * from person where id = $1", 3).name, "Linus");
  try {
    (void)cx().query_one<person>("select * from person where id > $1", 0);
    FAIL();
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::row_count);
    EXPECT_NE(std::string(e.what()).find("returned 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)cx().query_one<person>("select * from person where id = 99"), pgpx::error);
  EXPECT_FALSE(cx().query_optional<person>("select * from person where id = 99").has_value());
  EXPECT_EQ(cx().query_optional<person>("select * from person where id = 1")->name, "Ada");
  EXPECT_THROW((void)cx().query_optional<person>("select * from person"), pgpx::error);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from person"), 3);
}

TEST_F(query_test, execute_returns_affected_rows) {
  EXPECT_EQ(cx().execute("update person set email = $1 where email is null", std::string("g@x.org")), 1u);
  EXPECT_EQ(cx().execute("delete from person where id >= $1", 2), 2u);
  EXPECT_EQ(cx().execute("insert into person (id, name) values ($1, $2), ($3, $4)", 7, "a", 8, "b"), 2u);
}

TEST_F(query_test, parameters_are_never_part_of_the_sql_text) {
  const std::string nasty = "x'); drop table person; --";
  cx().execute("insert into person (id, name) values ($1, $2)", 10, nasty);
  EXPECT_EQ(cx().query_value<std::string>("select name from person where id = 10"), nasty);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from person"), 4);
}

TEST_F(query_test, null_parameters_and_null_results) {
  cx().execute("insert into person (id, name, email) values ($1, $2, $3)", 20, "n", std::optional<std::string>{});
  EXPECT_FALSE(cx().query_value<std::optional<std::string>>("select email from person where id = 20").has_value());
  try {
    (void)cx().query_value<std::string>("select email from person where id = 20");
    FAIL();
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(std::string(e.what()).find("email"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("optional"), std::string::npos) << e.what();
  }
}

TEST_F(query_test, type_mismatch_names_column_server_type_and_cpp_type) {
  try {
    (void)cx().query<person>("select id, id as name, email from person");
    FAIL();
  } catch (const pgpx::conversion_error& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("\"name\""), std::string::npos) << w;
    EXPECT_NE(w.find("int8"), std::string::npos) << w;
    EXPECT_NE(w.find("std::string"), std::string::npos) << w;
  }
}

TEST_F(query_test, missing_column_lists_what_the_query_returns) {
  try {
    (void)cx().query<person>("select id, name from person");
    FAIL();
  } catch (const pgpx::conversion_error& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("\"email\""), std::string::npos) << w;
    EXPECT_NE(w.find("id, name"), std::string::npos) << w;
  }
}

TEST_F(query_test, integer_results_narrow_with_range_checks) {
  EXPECT_EQ(cx().query_value<int>("select count(*) from person"), 3);
  EXPECT_THROW((void)cx().query_value<std::int16_t>("select 100000::int8"), pgpx::conversion_error);
}

TEST_F(query_test, raw_results_give_rows_fields_and_metadata) {
  pgpx::result r = cx().exec("select id, name from person order by id limit 2");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r.columns(), 2);
  EXPECT_EQ(r.column_name(1), "name");
  EXPECT_EQ(r.column_type(0), pgpx::oids::int8);
  EXPECT_EQ(r.column_index("name"), 1);
  EXPECT_EQ(r.column_index("nope"), -1);
  int n = 0;
  for (auto row : r) {
    EXPECT_EQ(row.get<std::int64_t>("id"), ++n);
    EXPECT_FALSE(row[1].is_null());
  }
  // string_view values point into the result and stay valid while it lives.
  EXPECT_EQ(r[0].get<std::string_view>(1), "Ada");
  EXPECT_THROW((void)r.at(5), pgpx::usage_error);
  EXPECT_THROW((void)r[0]["nope"], pgpx::usage_error);
  EXPECT_EQ(r.command_tag(), "SELECT 2");
}

TEST_F(query_test, runtime_parameter_lists_work_like_arguments) {
  pgpx::param_list p;
  p.add(2).add_text("Grace");
  auto v = cx().query_params<person>("select * from person where id = $1 and name = $2", p);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].id, 2);
}

TEST_F(query_test, scripts_run_several_statements) {
  cx().execute_script("create table a (x int); create table b (y int); insert into a values (1);");
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from a"), 1);
  EXPECT_EQ(cx().command("insert into b values (1), (2)"), "INSERT 0 2");
}

}  // namespace
