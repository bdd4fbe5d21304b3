// `pgpx migrate lint`, run as a user would: text and JSON output, exit codes. No server needed.
#include "cli_support.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;

class cli_lint_test : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = fs::temp_directory_path() / ("pgpx-cli-lint-" + std::to_string(::getpid()));
    fs::remove_all(project_);
    fs::create_directories(project_ / "migrations");
    std::ofstream(project_ / "pgpx.toml") << "";
  }
  void TearDown() override { fs::remove_all(project_); }

  void write(const std::string& name, const std::string& content) {
    std::ofstream(project_ / "migrations" / name) << content;
  }

  fs::path project_;
};

TEST_F(cli_lint_test, clean_files_exit_0) {
  write("0001_users.up.sql", "create table users (id bigint primary key);\ncreate index users_id on users (id);\n");
  write("0001_users.down.sql", "drop table if exists users;\n");
  const auto r = pgpx_run({"migrate", "lint"}, project_);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  // The down file's drop is a warning there, not an error.
  EXPECT_NE(r.out.find("0001_users.down.sql:1: warning DS101"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("2 files linted: 0 errors, 1 warning, 0 ignored (ok)"), std::string::npos) << r.err;
}

TEST_F(cli_lint_test, errors_exit_5_with_file_line_rule_and_hint) {
  write("0001_a.up.sql", "create table a (id int);\n");
  write("0002_b.up.sql",
        "-- pgpx: lint-ignore=DS104 reason=\"unused since v2\"\nalter table a drop column x;\n\ndrop table a;\n");
  const auto r = pgpx_run({"migrate", "lint"}, project_);
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("0002_b.up.sql:4: error DS101: DROP TABLE a deletes the table and its data\n  hint: "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("0002_b.up.sql:2: error DS104: DROP COLUMN a.x deletes the column and its data (ignored: "
                       "unused since v2)"),
            std::string::npos)
      << r.out;
}

TEST_F(cli_lint_test, json_output_and_explicit_files) {
  write("0003_idx.up.sql", "create index concurrently i on t (a);\n");
  const auto r = pgpx_run({"migrate", "lint", "--format", "json", "migrations/0003_idx.up.sql"}, project_);
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["errors"], 1);
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["files"].size(), 1U);
  EXPECT_EQ(j["files"][0]["file"], "migrations/0003_idx.up.sql");
  const auto& f = j["files"][0]["findings"][0];
  EXPECT_EQ(f["rule"], "TX301");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["line"], 1);
  EXPECT_EQ(f["statement"], 1);
  EXPECT_EQ(f["ignored"], false);
  EXPECT_NE(f["hint"].get<std::string>().find("-- pgpx: no-transaction"), std::string::npos);
}

TEST_F(cli_lint_test, strict_fails_on_warnings_and_rules_lists_every_rule) {
  write("0001_t.up.sql", "alter table t rename column a to b;\n");
  EXPECT_EQ(pgpx_run({"migrate", "lint"}, project_).code, 0);
  EXPECT_EQ(pgpx_run({"migrate", "lint", "--strict"}, project_).code, 5);
  const auto rules = pgpx_run({"migrate", "lint", "--rules", "--format", "json"}, project_);
  ASSERT_EQ(rules.code, 0) << rules.err;
  const auto j = nlohmann::json::parse(rules.out);
  EXPECT_GE(j.size(), 20U);
  EXPECT_EQ(j[0]["rule"], "DS101");
  // A missing file is a usage error.
  EXPECT_EQ(pgpx_run({"migrate", "lint", "nope.sql"}, project_).code, 2);
}

}  // namespace
