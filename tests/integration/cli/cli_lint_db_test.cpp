// `pgpx migrate lint --db` and the catalog-aware rules on rollback, through the binary.
#include "cli_project.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::contains;

class cli_lint_db : public pgpx::test::cli::project_test {
 protected:
  void SetUp() override {
    project_test::SetUp();
    fs::create_directories(project_ / "migrations");
    cx().execute_script("create table kept (x int); insert into kept values (1); create table unused (x int);");
  }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(project_ / "migrations" / name) << content;
  }
};

TEST_F(cli_lint_db, with_db_a_drop_of_an_empty_table_is_a_warning_and_of_a_full_one_an_error) {
  write("0001_drop.up.sql", "drop table unused;\n");
  auto r = pgpx({"migrate", "lint"});
  EXPECT_EQ(r.code, 5) << r.out << r.err;  // static: a DROP TABLE is an error
  r = pgpx({"migrate", "lint", "--db"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "warning DS101: DROP TABLE unused deletes the table and its data (unused is empty now)"))
      << r.out;
  write("0001_drop.up.sql", "drop table kept;\nalter table kept add column n int not null;\n");
  r = pgpx({"migrate", "lint", "--db", "--format", "json"});
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& findings = j.at("files").at(0).at("findings");
  ASSERT_EQ(findings.size(), 2u) << r.out;
  EXPECT_EQ(findings[0].at("rule"), "DS101");
  EXPECT_EQ(findings[0].at("severity"), "error");
  EXPECT_FALSE(findings[0].contains("catalog"));
  EXPECT_EQ(findings[1].at("rule"), "LH202");
  EXPECT_EQ(findings[1].at("catalog"), "kept has rows");
}

TEST_F(cli_lint_db, rollback_runs_a_down_files_drop_of_a_table_still_empty) {
  write("0001_t.up.sql", "create table t (x int);\n");
  write("0001_t.down.sql", "drop table if exists t;\n");
  ASSERT_EQ(pgpx({"migrate", "hash"}).code, 0);
  ASSERT_EQ(pgpx({"migrate", "apply"}).code, 0);
  cx().execute_script("insert into t values (1)");
  auto r = pgpx({"migrate", "rollback"});
  EXPECT_EQ(r.code, 5) << r.out << r.err;  // data loss: refused
  EXPECT_TRUE(cx().query_value<bool>("select to_regclass('t') is not null"));
  cx().execute_script("delete from t");
  r = pgpx({"migrate", "rollback"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_FALSE(cx().query_value<bool>("select to_regclass('t') is not null"));
}

}  // namespace
