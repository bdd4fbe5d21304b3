#include "support/test_db.hpp"

#include <gtest/gtest.h>

namespace {

class errors_test : public pgpx::test::db_test {};

TEST_F(errors_test, syntax_error_has_sqlstate_position_and_statement) {
  try {
    cx().execute("select * form t");
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "42601");
    EXPECT_EQ(e.statement(), "select * form t");
    EXPECT_EQ(e.info().position, 10);
    EXPECT_TRUE(pgpx::is_syntax_or_access_error(e));
    EXPECT_FALSE(e.poisons_connection());
    EXPECT_FALSE(e.poisons_transaction());  // autocommit: nothing to poison
    EXPECT_FALSE(e.is_retryable());
  }
  EXPECT_EQ(cx().query_value<int>("select 1"), 1);
}

TEST_F(errors_test, constraint_violations_are_classified) {
  cx().execute_script(
      "create table p (id int primary key);"
      "create table c (id int primary key, p int not null references p(id), n int check (n > 0));");
  cx().execute("insert into p values (1)");
  auto expect_state = [&](const char* sql, auto predicate, const char* state) {
    try {
      cx().execute(sql);
      ADD_FAILURE() << sql;
    } catch (const pgpx::sql_error& e) {
      EXPECT_TRUE(predicate(e)) << e.what();
      EXPECT_EQ(e.sqlstate(), state);
      EXPECT_EQ(e.kind(), pgpx::error_kind::sql);
    }
  };
  expect_state("insert into p values (1)", pgpx::is_unique_violation, "23505");
  expect_state("insert into c values (1, 2, 1)", pgpx::is_foreign_key_violation, "23503");
  expect_state("insert into c values (1, null, 1)", pgpx::is_not_null_violation, "23502");
  expect_state("insert into c values (1, 1, -1)", pgpx::is_check_violation, "23514");
  expect_state("select * from nope", pgpx::is_undefined_table, "42P01");
}

TEST_F(errors_test, multiple_statements_in_one_query_get_a_hint) {
  try {
    cx().execute("select 1; select 2");
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "42601");
    EXPECT_NE(e.info().hint.find("execute_script"), std::string::npos);
  }
}

TEST_F(errors_test, copy_through_the_query_api_is_refused_and_the_connection_stays_usable) {
  cx().execute_script("create table t (x int)");
  EXPECT_THROW(cx().execute("copy t from stdin"), pgpx::usage_error);
  EXPECT_THROW(cx().execute("copy t to stdout"), pgpx::usage_error);
  EXPECT_EQ(cx().query_value<int>("select 5"), 5);
}

TEST_F(errors_test, secrets_in_statements_are_redacted_in_messages) {
  try {
    cx().execute("alter role nobody_here with password 'hunter2-secret'");
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2-secret"), std::string::npos) << e.what();
  }
}

}  // namespace
