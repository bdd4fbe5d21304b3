// Statement splitting with PostgreSQL's parser, and no-transaction detection from the tree.
#include <pgpx/migrate/split.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace pgpx::migrate {
namespace {

auto texts(const std::vector<statement>& stmts) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& s : stmts) out.push_back(s.text);
  return out;
}

TEST(migrate_split, plain_statements_with_offsets_and_lines) {
  const std::string sql = "-- header\ncreate table a (id int);\n\n  create index i on a (id);\nselect 1";
  const auto s = split_statements(sql, "f.sql");
  ASSERT_EQ(s.size(), 3U);
  EXPECT_EQ(s[0].text, "create table a (id int)");
  EXPECT_EQ(s[0].offset, sql.find("create table"));
  EXPECT_EQ(s[0].line, 2);
  EXPECT_EQ(s[1].text, "create index i on a (id)");
  EXPECT_EQ(s[1].offset, sql.find("create index"));
  EXPECT_EQ(s[1].line, 4);
  EXPECT_EQ(s[2].text, "select 1");  // no final semicolon
  EXPECT_EQ(s[2].line, 5);
}

TEST(migrate_split, semicolons_inside_quotes_comments_and_bodies_do_not_split) {
  const std::string sql =
      "create function f() returns text language plpgsql as $body$\n"
      "begin\n  return 'a;b'; -- ; in a comment\nend;\n$body$;\n"
      "/* outer /* nested; */ still; comment */ select 'it''s; fine', \"odd;name\" from t;\n"
      "create function g() returns int language sql\nbegin atomic\n  select 1;\n  select 2;\nend;\n"
      "select $$;$$, E'\\';'";
  const auto s = split_statements(sql, "f.sql");
  ASSERT_EQ(s.size(), 4U) << ::testing::PrintToString(texts(s));
  EXPECT_TRUE(s[0].text.starts_with("create function f()")) << s[0].text;
  EXPECT_TRUE(s[0].text.ends_with("$body$")) << s[0].text;
  EXPECT_EQ(s[1].text, "select 'it''s; fine', \"odd;name\" from t");
  EXPECT_EQ(s[1].line, 6);
  EXPECT_TRUE(s[2].text.starts_with("create function g()")) << s[2].text;
  EXPECT_TRUE(s[2].text.ends_with("end")) << s[2].text;
  EXPECT_EQ(s[2].line, 7);
  EXPECT_EQ(s[3].text, "select $$;$$, E'\\';'");
}

TEST(migrate_split, comments_only_and_empty_statements) {
  EXPECT_TRUE(split_statements("-- nothing here\n/* nor here */\n", "f.sql").empty());
  EXPECT_TRUE(split_statements("", "f.sql").empty());
  const auto s = split_statements("select 1;;\n;select 2;", "f.sql");
  EXPECT_EQ(texts(s), (std::vector<std::string>{"select 1", "select 2"}));
}

TEST(migrate_split, syntax_error_names_file_line_and_parser_message) {
  try {
    (void)split_statements("create table a (id int);\n\n-- next\nselec 1;\n", "migrations/0002_x.up.sql");
    ADD_FAILURE() << "no error";
  } catch (const source_error& e) {
    EXPECT_EQ(e.kind(), error_kind::migration);
    EXPECT_EQ(e.file(), "migrations/0002_x.up.sql");
    EXPECT_EQ(e.line(), 4);
    EXPECT_NE(e.message().find("migrations/0002_x.up.sql:4: "), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("syntax error at or near \"selec\""), std::string::npos) << e.message();
  }
  try {
    (void)split_statements("select 'é';\nselect 'ü';\nselect (1;\n", "f.sql");  // multibyte before the error
    ADD_FAILURE() << "no error";
  } catch (const source_error& e) {
    EXPECT_EQ(e.line(), 3) << e.message();
  }
  try {
    (void)split_statements("select $$never closed;\n", "f.sql");
    ADD_FAILURE() << "no error";
  } catch (const source_error& e) {
    EXPECT_NE(e.message().find("unterminated dollar-quoted string"), std::string::npos) << e.message();
  }
}

TEST(migrate_split, statements_that_need_no_transaction) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"create index concurrently i on t (a)", "CREATE INDEX CONCURRENTLY"},
      {"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)", "CREATE INDEX CONCURRENTLY"},
      {"drop index concurrently if exists i", "DROP INDEX CONCURRENTLY"},
      {"reindex index concurrently i", "REINDEX CONCURRENTLY"},
      {"reindex (verbose, concurrently) table t", "REINDEX CONCURRENTLY"},
      {"vacuum t", "VACUUM"},
      {"vacuum (analyze) t", "VACUUM"},
      {"cluster", "CLUSTER without a table"},
      {"create database d", "CREATE DATABASE"},
      {"drop database if exists d", "DROP DATABASE"},
      {"create tablespace ts location '/x'", "CREATE TABLESPACE"},
      {"drop tablespace ts", "DROP TABLESPACE"},
      {"alter system set work_mem = '64MB'", "ALTER SYSTEM"},
      {"alter table p detach partition c concurrently", "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY"},
      {"select 1; create index concurrently i on t (a)", "CREATE INDEX CONCURRENTLY"},
  };
  for (const auto& [sql, why] : cases) {
    SCOPED_TRACE(sql);
    EXPECT_TRUE(needs_no_transaction(sql));
    EXPECT_EQ(no_transaction_reason(sql), why);
  }
}

TEST(migrate_split, statements_that_run_in_a_transaction) {
  for (const std::string sql : {
           "create index i on t (a)",
           "drop index i",
           "reindex table t",
           "analyze t",
           "cluster t using i",
           "alter table p detach partition c",
           "alter database d set work_mem = '64MB'",
           "set work_mem = '64MB'",
           // The words alone are not the statement: string matching would say yes.
           "select 'create index concurrently i on t (a)'",
           "insert into log(msg) values ('vacuum')",
           "/* create index concurrently */ create index i on t (a)",
           "create table \"concurrently\" (\"vacuum\" int)",
       }) {
    SCOPED_TRACE(sql);
    EXPECT_FALSE(needs_no_transaction(sql));
  }
}

TEST(migrate_split, detection_of_unparsable_text_throws) {
  try {
    (void)needs_no_transaction("create index concurrently on");
    ADD_FAILURE() << "no error";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.kind(), error_kind::migration);
    EXPECT_NE(e.message().find("does not parse"), std::string::npos) << e.message();
  }
}

TEST(migrate_split, transaction_control_statements_are_found_from_the_tree) {
  EXPECT_EQ(transaction_control("create table t (a int);\ncommit;"), "COMMIT");
  EXPECT_EQ(transaction_control("begin; create table t (a int)"), "BEGIN");
  EXPECT_EQ(transaction_control("start transaction isolation level serializable"), "START TRANSACTION");
  EXPECT_EQ(transaction_control("select 1; rollback"), "ROLLBACK");
  EXPECT_EQ(transaction_control("end"), "COMMIT");  // END is COMMIT
  EXPECT_EQ(transaction_control("abort"), "ROLLBACK");
  EXPECT_EQ(transaction_control("prepare transaction 'x'"), "PREPARE TRANSACTION");
  EXPECT_EQ(transaction_control("commit prepared 'x'"), "COMMIT PREPARED");
  for (const char* sql : {
           "savepoint a; insert into t values (1); rollback to savepoint a; release savepoint a",
           "select 'commit'",
           "create function f() returns void language plpgsql as $$ begin commit; end $$",
           "-- commit\n/* begin */ select 1",
           "create table \"commit\" (\"begin\" int)",
           "",
       }) {
    SCOPED_TRACE(sql);
    EXPECT_FALSE(transaction_control(sql).has_value());
  }
  EXPECT_THROW(static_cast<void>(transaction_control("commit commit")), pgpx::error);
}

// The numbers of the parameters parameter_refs finds, in order.
auto numbers(std::string_view sql) -> std::vector<int> {
  std::vector<int> out;
  for (const auto& p : parameter_refs(sql, "seed.sql")) {
    EXPECT_EQ(sql.substr(p.begin, p.end - p.begin), "$" + std::to_string(p.number));
    out.push_back(p.number);
  }
  return out;
}

TEST(migrate_parameter_refs, only_parameters_outside_strings_names_bodies_and_comments) {
  EXPECT_EQ(numbers("select $1, $12 + $2"), (std::vector<int>{1, 12, 2}));
  EXPECT_EQ(numbers("select '$1', \"$2\", $3"), (std::vector<int>{3}));
  EXPECT_EQ(numbers("select E'it\\'s $1', $2"), (std::vector<int>{2}));
  EXPECT_EQ(numbers("select 'it''s $1', $2"), (std::vector<int>{2}));
  EXPECT_EQ(numbers("select $$ $1 $$, $tag$ $2 $x$ $tag$, $3"), (std::vector<int>{3}));
  EXPECT_EQ(numbers("select 1 -- $1\n, $2 /* $3 /* $4 */ $5 */, $6"), (std::vector<int>{2, 6}));
  EXPECT_EQ(numbers("select a$1 from t$2"), (std::vector<int>{}));  // part of a name, not a parameter
  EXPECT_EQ(numbers("select 'caf\xc3\xa9', $1"), (std::vector<int>{1}));  // offsets in bytes
}

TEST(migrate_parameter_refs, text_that_does_not_scan_names_the_file) {
  try {
    (void)parameter_refs("select 'open", "seeds/a.sql");
    FAIL() << "an unclosed quote was scanned";
  } catch (const source_error& e) {
    EXPECT_NE(std::string(e.what()).find("seeds/a.sql"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not scan"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pgpx::migrate
