// `pgpx extension ...` through the real pgpx executable, against a test database.
#include "integration/cli/cli_support.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/executor.hpp>
#include <pgpx/migrate/source.hpp>
#include <pgpx/migrate/sum_file.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;

class cli_extension : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    dir_ = fs::temp_directory_path() / ("pgpx-ext-cli-" + database_name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    db_test::TearDown();
  }
  auto pgpx(std::vector<std::string> args) -> run_result {
    args.insert(args.begin(), {"--url", conninfo().to_string()});
    return pgpx_run(args, dir_);
  }
  auto installed(const std::string& ext) -> std::optional<std::string> {
    return cx().query_optional<std::string>("select extversion from pg_extension where extname = $1", ext);
  }
  auto migrations() -> fs::path { return dir_ / "migrations"; }
  fs::path dir_;
};

TEST_F(cli_extension, install_writes_a_migration_by_default) {
  auto r = pgpx({"extension", "install", "citext", "--version", "1.5"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(installed("citext"));  // nothing ran
  const auto all = pgpx::migrate::load_directory(migrations());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].slug, "install_citext");
  EXPECT_NE(all[0].up.content.find("create extension if not exists \"citext\" version '1.5';"), std::string::npos)
      << all[0].up.content;
  ASSERT_TRUE(all[0].down);
  EXPECT_NE(all[0].down->content.find("drop extension if exists \"citext\";"), std::string::npos);
  EXPECT_TRUE(pgpx::migrate::verify_sum(migrations()).empty());  // pgpx.sum rewritten
  EXPECT_NE(r.out.find("_install_citext.up.sql"), std::string::npos) << r.out;
  // The migration runs as written.
  cx().execute_script(all[0].up.content);
  EXPECT_EQ(installed("citext"), std::optional<std::string>("1.5"));

  // upgrade writes the next migration; contrib has no downgrade path, so no down file.
  r = pgpx({"extension", "upgrade", "citext", "--to", "1.6"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto next = pgpx::migrate::load_directory(migrations());
  ASSERT_EQ(next.size(), 2u);
  EXPECT_GT(next[1].number, next[0].number);
  EXPECT_EQ(next[1].slug, "upgrade_citext");
  EXPECT_NE(next[1].up.content.find("alter extension \"citext\" update to '1.6';"), std::string::npos);
  EXPECT_TRUE(next[1].irreversible());
  EXPECT_TRUE(pgpx::migrate::verify_sum(migrations()).empty());
  EXPECT_EQ(installed("citext"), std::optional<std::string>("1.5"));

  // uninstall's down file reinstalls the version and schema that were installed.
  r = pgpx({"extension", "uninstall", "citext"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto third = pgpx::migrate::load_directory(migrations());
  ASSERT_EQ(third.size(), 3u);
  ASSERT_TRUE(third[2].down);
  EXPECT_NE(third[2].down->content.find("create extension if not exists \"citext\" schema \"public\" version '1.5';"),
            std::string::npos)
      << third[2].down->content;
  EXPECT_TRUE(installed("citext"));
}

TEST_F(cli_extension, follows_a_sequence_numbered_directory_and_dry_run_writes_nothing) {
  fs::create_directories(migrations());
  {
    std::ofstream up(migrations() / "0007_init.up.sql");
    up << "create table t (x int);\n";
  }
  auto r = pgpx({"extension", "install", "pg_trgm", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("create extension if not exists \"pg_trgm\" version '1.6';"), std::string::npos) << r.out;
  EXPECT_EQ(pgpx::migrate::load_directory(migrations()).size(), 1u);
  EXPECT_FALSE(fs::exists(migrations() / "pgpx.sum"));
  r = pgpx({"extension", "install", "pg_trgm", "-d", migrations().string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto all = pgpx::migrate::load_directory(migrations());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].version, "0008");
  EXPECT_EQ(all[1].slug, "install_pg_trgm");
  EXPECT_TRUE(pgpx::migrate::verify_sum(migrations()).empty());
  EXPECT_FALSE(installed("pg_trgm"));
}

TEST_F(cli_extension, now_runs_at_once) {
  auto r = pgpx({"extension", "install", "hstore", "--version", "1.7", "--now"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(installed("hstore"), std::optional<std::string>("1.7"));
  EXPECT_FALSE(fs::exists(migrations()));
  r = pgpx({"extension", "update", "hstore", "--now"});  // the spec's spelling of upgrade
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(installed("hstore"), std::optional<std::string>("1.8"));
  r = pgpx({"extension", "upgrade", "hstore", "--now"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("already at version 1.8"), std::string::npos) << r.out;
  // --cascade with dependent objects needs -y; the objects are listed and nothing changes.
  cx().execute_script("create table t (h hstore)");
  r = pgpx({"extension", "uninstall", "hstore", "--cascade", "--now"});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_NE(r.err.find("column h of table t"), std::string::npos) << r.err;
  EXPECT_TRUE(installed("hstore"));
  r = pgpx({"-y", "extension", "uninstall", "hstore", "--cascade", "--now"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(installed("hstore"));
}

TEST_F(cli_extension, list_and_info) {
  cx().execute_script("create extension citext version '1.4'");
  auto r = pgpx({"extension", "list", "--installed", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& row : j) names.push_back(row["extension"].get<std::string>());
  EXPECT_NE(std::find(names.begin(), names.end(), "citext"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "hstore"), names.end());
  for (const auto& row : j)
    if (row["extension"] == "citext") {
      EXPECT_EQ(row["installed"], "1.4");
      EXPECT_EQ(row["status"], "outdated");
      EXPECT_EQ(row["plugin"], "citext");
    }
  r = pgpx({"extension", "list", "--outdated", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j.empty());
  for (const auto& row : j) EXPECT_EQ(row["status"], "outdated") << row.dump();
  r = pgpx({"extension", "list", "--available"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("hstore"), std::string::npos);
  EXPECT_EQ(r.out.find("citext"), std::string::npos) << r.out;  // installed, so not listed

  r = pgpx({"extension", "info", "pg_trgm", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["plugin"], "pg_trgm");
  EXPECT_EQ(j["origin"], "built-in");
  EXPECT_EQ(j["supported"], "[1.3, 2)");
  EXPECT_EQ(j["server"]["default_version"], "1.6");
  EXPECT_EQ(j["status"], "not installed");
  EXPECT_EQ(j["settings"][0]["guc"], "pg_trgm.similarity_threshold");
  r = pgpx({"extension", "info", "ltree"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("types:      ltree, lquery, ltxtquery"), std::string::npos) << r.out;
}

TEST_F(cli_extension, a_missing_extension_fails_clearly_and_writes_nothing) {
  const auto r = pgpx({"extension", "install", "pgpx_no_such_extension"});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_NE(r.err.find("extension \"pgpx_no_such_extension\" in database \"" + database_name() + "\""),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(migrations()));
  const auto u = pgpx({"extension", "install", "citext", "--version", "0.1", "--now"});
  EXPECT_EQ(u.code, 10) << u.err;
  EXPECT_NE(u.err.find("does not offer version 0.1"), std::string::npos) << u.err;
  EXPECT_FALSE(installed("citext"));
}

TEST_F(cli_extension, plugins_from_pgpx_toml) {
  {
    std::ofstream toml(dir_ / "pgpx.toml");
    toml << "[extensions.earth]\nlibrary = \"" << PGPX_EXAMPLE_PLUGIN << "\"\nunit = \"km\"\n";
  }
  auto r = pgpx({"extension", "info", "earth", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["plugin"], "earth");
  EXPECT_EQ(j["enabled"], true);
  EXPECT_EQ(j["server"]["extension"], "earthdistance");
  EXPECT_EQ(j["settings"][0]["value"], "km");
  r = pgpx({"extension", "install", "earth", "--cascade", "--now"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(installed("earthdistance"));
  EXPECT_TRUE(installed("cube"));
  // [extensions.<name>] version and schema are what install installs by default.
  cx().execute_script("create schema extras");
  {
    std::ofstream toml(dir_ / "pgpx.toml");
    toml << "[extensions.citext]\nversion = \"1.5\"\nschema = \"extras\"\n";
  }
  r = pgpx({"extension", "install", "citext", "--now"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(installed("citext"), std::optional<std::string>("1.5"));
  EXPECT_EQ(cx().query_value<std::string>(
                "select n.nspname::text from pg_extension e join pg_namespace n on n.oid = e.extnamespace "
                "where e.extname = 'citext'"),
            "extras");
  // A library that does not load: exit 10, naming the path; nothing installed.
  {
    std::ofstream toml(dir_ / "pgpx.toml");
    toml << "[extensions.broken]\nlibrary = \"/nonexistent/libbroken.so\"\n";
  }
  r = pgpx({"extension", "install", "hstore", "--now"});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_NE(r.err.find("cannot load plugin library /nonexistent/libbroken.so"), std::string::npos) << r.err;
  EXPECT_FALSE(installed("hstore"));
}

}  // namespace
