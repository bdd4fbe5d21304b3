// `pgpx init`, run as a new user would: the layout it writes, the refusal to write over a
// project, and --from-db adopting a database (its schema as the baseline migration).
#include "cli_project.hpp"

#include <pgpx/migrate/split.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::contains;
using pgpx::test::cli::pgpx_run;

class cli_init : public pgpx::test::cli::project_test {
 protected:
  auto fresh() const -> fs::path { return project_ / "fresh"; }
  static auto slurp(const fs::path& p) -> std::string {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static auto files_in(const fs::path& dir) -> std::vector<std::string> {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir).string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(cli_init, writes_the_project_layout_and_refuses_to_write_over_one) {
  auto r = pgpx_run({"init", fresh().string()}, project_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(files_in(fresh()),
            (std::vector<std::string>{".gitattributes", "migrations", "models", "pgpx.toml", "queries", "seeds",
                                      "seeds/common", "seeds/dev", "seeds/test"}));
  EXPECT_EQ(slurp(fresh() / ".gitattributes"), "*.sql text eol=lf\n");
  EXPECT_TRUE(contains(slurp(fresh() / "pgpx.toml"), "name = \"fresh\"")) << slurp(fresh() / "pgpx.toml");
  // The project works: its config reads, a migration can be made in it.
  r = pgpx_run({"config", "validate"}, fresh());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = pgpx_run({"migrate", "create", "add_users"}, fresh());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(fresh() / "migrations" / "pgpx.sum"));
  // Again: refused, nothing changed.
  const auto toml = slurp(fresh() / "pgpx.toml");
  std::ofstream(fresh() / "pgpx.toml", std::ios::app) << "# mine\n";
  r = pgpx_run({"init", fresh().string()}, project_);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "is a pgpx project already")) << r.err;
  EXPECT_EQ(slurp(fresh() / "pgpx.toml"), toml + "# mine\n");
}

TEST_F(cli_init, an_existing_gitattributes_is_kept_and_a_dry_run_writes_nothing) {
  fs::create_directories(fresh());
  std::ofstream(fresh() / ".gitattributes") << "*.png binary\n";
  auto r = pgpx_run({"--dry-run", "init", fresh().string()}, project_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "would write")) << r.out;
  EXPECT_EQ(files_in(fresh()), (std::vector<std::string>{".gitattributes"}));
  r = pgpx_run({"init", fresh().string()}, project_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(slurp(fresh() / ".gitattributes"), "*.png binary\n*.sql text eol=lf\n");
  // --layout dir is not a layout pgpx reads.
  fs::remove(fresh() / "pgpx.toml");
  r = pgpx_run({"init", fresh().string(), "--layout", "dir"}, project_);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_FALSE(fs::exists(fresh() / "pgpx.toml"));
}

TEST_F(cli_init, from_db_makes_the_schema_the_baseline_that_apply_does_not_run_again) {
  cx().execute_script(
      "create schema app; create table app.books (id int8 primary key, title text not null);"
      "insert into app.books values (1, 'kept');");
  auto r = pgpx({"init", fresh().string(), "--from-db", "--schemas", "app"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::vector<fs::path> ups;
  for (const auto& e : fs::directory_iterator(fresh() / "migrations"))
    if (e.path().string().ends_with(".up.sql")) ups.push_back(e.path());
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_TRUE(ups[0].filename().string().ends_with("_baseline.up.sql")) << ups[0];
  EXPECT_FALSE(fs::exists(fs::path(ups[0]).replace_extension("").replace_extension(".down.sql")));
  const auto up = slurp(ups[0]);
  EXPECT_TRUE(contains(up, "create table \"app\".\"books\"")) << up;
  // It parses as PostgreSQL reads it; the sum is valid; the database has it as baseline.
  EXPECT_FALSE(pgpx::migrate::split_statements(up, ups[0].string()).empty());
  const std::string url = conninfo().to_string();
  r = pgpx_run({"--url", url, "migrate", "validate", "--offline"}, fresh());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = pgpx_run({"--url", url, "migrate", "status", "--exit-code"}, fresh());
  EXPECT_EQ(r.code, 0) << r.out << r.err;  // nothing pending
  EXPECT_TRUE(contains(r.out, "baseline")) << r.out;
  r = pgpx_run({"--url", url, "migrate", "apply"}, fresh());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(cx().query_value<std::string>("select title from app.books"), "kept");  // not made again
  // On an empty database the baseline makes the schema.
  cx().execute_script("drop schema app cascade; drop schema pgpx cascade");
  r = pgpx_run({"--url", url, "migrate", "apply"}, fresh());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(cx().query_value<bool>("select to_regclass('app.books') is not null"));
}

TEST_F(cli_init, from_db_that_cannot_connect_writes_nothing) {
  auto r = pgpx_run({"--url", "postgresql://127.0.0.1:1/none?connect_timeout=2", "init", fresh().string(), "--from-db"},
                    project_);
  EXPECT_EQ(r.code, 8) << r.out << r.err;
  EXPECT_FALSE(fs::exists(fresh()));
}

}  // namespace
