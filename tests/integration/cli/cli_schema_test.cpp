// `pgpx schema export|diff` through the real pgpx executable: export as SQL and JSON, diff
// between the database, a JSON catalog and a migrations directory (through a shadow
// database that must not outlive the command), --exit-code, and bad sources.
#include "integration/cli/cli_support.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/executor.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;
using pgpx::test::cli::slurp_file;

auto lower(std::string s) -> std::string {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class cli_schema : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    dir_ = fs::temp_directory_path() / ("pgpx-schema-cli-" + database_name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "migrations");
  }
  void TearDown() override {
    fs::remove_all(dir_);
    db_test::TearDown();
  }
  auto pgpx(std::vector<std::string> args) -> run_result {
    args.insert(args.begin(), {"--url", conninfo().to_string()});
    return pgpx_run(args, dir_);
  }
  void migration(const std::string& name, const std::string& sql) { std::ofstream(dir_ / "migrations" / name) << sql; }
  auto shadows() -> std::int64_t {
    return cx().query_value<std::int64_t>("select count(*) from pg_database where datname like 'pgpx\\_shadow\\_%'");
  }
  fs::path dir_;
};

TEST_F(cli_schema, export_is_deterministic_sql_or_json) {
  cx().execute_script(
      "create table books (id int8 primary key, title text not null);"
      "create index books_title_idx on books (title)");
  auto r = pgpx({"schema", "export"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("create table \"public\".\"books\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("books_title_idx"), std::string::npos) << r.out;
  const auto again = pgpx({"schema", "export"});
  EXPECT_EQ(again.out, r.out);  // byte for byte
  r = pgpx({"schema", "export", "--format", "json", "-o", (dir_ / "schema.json").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(slurp_file(dir_ / "schema.json"));
  EXPECT_EQ(j.at("format"), "pgpx.catalog/1");
  EXPECT_EQ(j.at("tables").size(), 1u);
  // --schemas narrows; a schema that does not exist is refused.
  cx().execute_script("create schema other; create table other.t (x int)");
  r = pgpx({"schema", "export", "--schemas", "other"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("books"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"other\".\"t\""), std::string::npos) << r.out;
  r = pgpx({"schema", "export", "--schemas", "nope"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

TEST_F(cli_schema, diff_against_a_migrations_directory_finds_drift_through_a_shadow_database) {
  migration("0001_books.up.sql", "create table books (id int8 primary key, title text not null);");
  migration("0002_title_index.up.sql", "create index books_title_idx on books (title);");
  cx().execute_script("create table books (id int8 primary key, title text not null)");  // the index is missing
  auto r = pgpx({"schema", "diff", "--to", (dir_ / "migrations").string(), "--exit-code"});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_NE(lower(r.out).find("create index books_title_idx on public.books"), std::string::npos) << r.out;
  EXPECT_EQ(lower(r.out).find("create table"), std::string::npos) << r.out;
  EXPECT_EQ(shadows(), 0);  // dropped after use
  // Apply what it printed: no drift any more.
  cx().execute_script(r.out);
  r = pgpx({"schema", "diff", "--to", (dir_ / "migrations").string(), "--exit-code"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("no differences"), std::string::npos) << r.err;
  // Without --exit-code, differences are not a failure.
  cx().execute_script("drop index books_title_idx");
  r = pgpx({"schema", "diff", "--to", (dir_ / "migrations").string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("books_title_idx"), std::string::npos);
  // The reverse direction drops it, flagged for people.
  r = pgpx({"schema", "diff", "--from", (dir_ / "migrations").string(), "--to", "db", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("changes").size(), 1u) << r.out;
  EXPECT_EQ(j["changes"][0].at("kind"), "index");
  EXPECT_NE(lower(j["changes"][0].at("up").get<std::string>()).find("drop index"), std::string::npos) << r.out;
  EXPECT_TRUE(j.at("differ").get<bool>());
  EXPECT_EQ(shadows(), 0);
}

TEST_F(cli_schema, a_json_catalog_is_a_source_and_bad_sources_are_refused) {
  cx().execute_script("create table t (a int, b text)");
  ASSERT_EQ(pgpx({"schema", "export", "--format", "json", "-o", (dir_ / "s.json").string()}).code, 0);
  auto r = pgpx({"schema", "diff", "--from", (dir_ / "s.json").string(), "--to", "db", "--exit-code"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  cx().execute_script("alter table t add column c int");
  r = pgpx({"schema", "diff", "--from", (dir_ / "s.json").string(), "--to", "db", "--exit-code"});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_NE(lower(r.out).find("add column \"c\""), std::string::npos) << r.out;
  // Neither a URL, a file nor a directory.
  r = pgpx({"schema", "diff", "--to", "no-such-thing"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("schema source 'no-such-thing'"), std::string::npos) << r.err;
  // A file that is not a catalog.
  std::ofstream(dir_ / "bad.json") << "{\"tables\": 3}";
  r = pgpx({"schema", "diff", "--to", (dir_ / "bad.json").string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("bad.json: not a catalog"), std::string::npos) << r.err;
  r = pgpx({"schema", "export", "--format", "yaml"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--format must be sql or json"), std::string::npos) << r.err;
}

TEST_F(cli_schema, a_failing_migration_in_the_directory_leaves_no_shadow_database) {
  migration("0001_ok.up.sql", "create table a (x int);");
  migration("0002_broken.up.sql", "create table b (x no_such_type);");
  const auto r = pgpx({"schema", "diff", "--to", (dir_ / "migrations").string()});
  EXPECT_EQ(r.code, 9) << r.err;
  EXPECT_NE(r.err.find("no_such_type"), std::string::npos) << r.err;
  EXPECT_EQ(shadows(), 0);
  EXPECT_FALSE(cx().query_value<bool>("select to_regclass('a') is not null"));  // the database compared is untouched
}

}  // namespace

// `models` is a source only in an application's own binary (examples/manage, cli_manage_test).
TEST_F(cli_schema, models_is_refused_by_pgpx_itself_naming_the_way_to_get_it) {
  const auto r = pgpx({"schema", "diff", "--to", "models"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("no models are registered"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pgpx::cli"), std::string::npos) << r.err;
  EXPECT_EQ(shadows(), 0);
}
