// The migration verbs of the pgpx executable (migrate create|apply|rollback|redo|status|
// validate|hash|mark|baseline|repair, aliases new/up/down), run as a user would in a scratch
// project against a fresh database: exit codes, refusals, dry runs and JSON output.
#include "cli_support.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;

auto contains(const std::string& text, const std::string& part) -> bool { return text.find(part) != std::string::npos; }

class cli_migrate_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    static std::atomic<int> counter{0};
    project_ = fs::temp_directory_path() /
               ("pgpx-cli-migrate-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(project_);
    fs::create_directories(project_ / "migrations");
    std::ofstream(project_ / "pgpx.toml") << "";
  }
  void TearDown() override {
    fs::remove_all(project_);
    db_test::TearDown();
  }

  void write(const std::string& name, const std::string& content) const {
    std::ofstream(project_ / "migrations" / name, std::ios::trunc) << content;
  }
  // Runs `pgpx --url <this test's database> ARGS...` in the project directory.
  auto pgpx(std::vector<std::string> args) -> run_result {
    args.insert(args.begin(), {"--url", conninfo().to_string()});
    return pgpx_run(args, project_);
  }
  auto json(const run_result& r) -> nlohmann::json {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out << r.err;
      return {};
    }
  }
  auto tracking_exists() -> bool {
    return cx().query_value<bool>("select to_regclass('pgpx.schema_migrations') is not null");
  }
  auto applied() -> std::vector<std::string> {
    if (!tracking_exists()) return {};
    return cx().query<std::string>("select version from pgpx.schema_migrations order by version");
  }
  auto table_exists(const std::string& name) -> bool {
    return cx().query_value<bool>("select to_regclass($1) is not null", name);
  }
  // The header of a down file that drops what its up file created (rollback refuses a
  // DROP TABLE in a down file without it: data loss).
  static constexpr const char* undo = "-- pgpx: lint-ignore=DS101 reason=\"undoes its up file\"\n";
  void write_ab() const {
    write("0001_a.up.sql", "create table a (x int);\n");
    write("0001_a.down.sql", std::string(undo) + "drop table if exists a;\n");
    write("0002_b.up.sql", "create table b (x int);\n");
    write("0002_b.down.sql", std::string(undo) + "drop table if exists b;\n");
  }

  // Runs `pgpx --url <database> ARGS...` on a terminal (stdout and stderr both go to `out`),
  // typing `answer` and Enter once it asks "Type 'yes'".
  auto pgpx_on_terminal(std::vector<std::string> args, const std::string& answer) -> run_result {
    args.insert(args.begin(), {"--url", conninfo().to_string()});
    const auto t =
        pgpx::test::cli::pgpx_on_terminal(args, project_, pgpx::test::cli::type_at_confirmation(answer + "\n"));
    EXPECT_EQ(t.answers, 1) << t.output;
    run_result r;
    r.code = t.code;
    r.out = t.output;
    return r;
  }

  fs::path project_;
};

TEST_F(cli_migrate_test, create_writes_the_pair_and_the_sum_file_and_keeps_one_numbering_style) {
  auto r = pgpx({"new", "create_users", "--seq"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(project_ / "migrations" / "0001_create_users.up.sql"));
  EXPECT_TRUE(fs::exists(project_ / "migrations" / "0001_create_users.down.sql"));
  EXPECT_TRUE(fs::exists(project_ / "migrations" / "pgpx.sum"));
  r = pgpx({"migrate", "create", "idx_users", "--no-tx", "--irreversible"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto up = project_ / "migrations" / "0002_idx_users.up.sql";
  ASSERT_TRUE(fs::exists(up));
  EXPECT_FALSE(fs::exists(project_ / "migrations" / "0002_idx_users.down.sql"));
  EXPECT_TRUE(contains(pgpx::test::cli::slurp_file(up), "-- pgpx: no-transaction\n"));
  // The sum file covers both: offline validation passes.
  r = pgpx({"migrate", "validate", "--offline", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(json(r)["ok"], true);
  // Bad names and mixed styles are usage errors; nothing is written.
  EXPECT_EQ(pgpx({"new", "Bad-Name"}).code, 2);
  EXPECT_EQ(pgpx({"new", "later", "--ts"}).code, 2);
  EXPECT_FALSE(fs::exists(project_ / "migrations" / "0003_later.up.sql"));
  // --ts would name a file <timestamp>_later.up.sql, which the line above does not look for.
  for (const auto& e : fs::directory_iterator(project_ / "migrations"))
    EXPECT_FALSE(e.path().filename().string().ends_with("_later.up.sql")) << e.path();
}

TEST_F(cli_migrate_test, timestamp_versions_created_in_one_second_still_sort_after) {
  ASSERT_EQ(pgpx({"new", "one"}).code, 0);
  ASSERT_EQ(pgpx({"new", "two"}).code, 0);
  std::vector<std::string> ups;
  for (const auto& e : fs::directory_iterator(project_ / "migrations"))
    if (e.path().string().ends_with(".up.sql")) ups.push_back(e.path().filename().string());
  std::sort(ups.begin(), ups.end());
  ASSERT_EQ(ups.size(), 2U);
  EXPECT_TRUE(ups[0].ends_with("_one.up.sql")) << ups[0];
  EXPECT_TRUE(ups[1].ends_with("_two.up.sql")) << ups[1];
  EXPECT_EQ(ups[0].find('_'), 14U);  // YYYYMMDDHHMMSS
  // Two versions, not one: with equal ones the names would still sort by slug ("one" < "two").
  EXPECT_LT(ups[0].substr(0, 14), ups[1].substr(0, 14));
}

TEST_F(cli_migrate_test, pending_status_exits_3_dry_run_writes_nothing_and_json_parses) {
  write_ab();
  auto r = pgpx({"migrate", "status", "--exit-code", "--format", "json"});
  EXPECT_EQ(r.code, 3) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["pending"], 2);
  ASSERT_EQ(j["migrations"].size(), 2U);
  EXPECT_EQ(j["migrations"][0]["state"], "pending");
  EXPECT_EQ(pgpx({"migrate", "status"}).code, 0);  // without --exit-code

  r = pgpx({"up", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "would apply 0001_a (0001_a.up.sql)")) << r.out;
  EXPECT_TRUE(contains(r.out, "create table b (x int);")) << r.out;  // the SQL of the plan
  EXPECT_FALSE(tracking_exists());
  EXPECT_FALSE(table_exists("a"));

  r = pgpx({"migrate", "apply", "--steps", "1", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["dry_run"], false);
  ASSERT_EQ(j["migrations"].size(), 1U);
  EXPECT_EQ(j["migrations"][0]["version"], "0001");
  EXPECT_EQ(j["migrations"][0]["file"], "0001_a.up.sql");
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001"}));

  r = pgpx({"migrate", "apply"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "applied 0002_b")) << r.out;
  r = pgpx({"migrate", "status", "--exit-code", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  j = json(r);
  EXPECT_EQ(j["pending"], 0);
  EXPECT_EQ(j["migrations"][1]["state"], "applied");
  EXPECT_FALSE(j["migrations"][1]["applied_by"].is_null());
}

TEST_F(cli_migrate_test, an_edited_applied_migration_exits_4_until_repaired) {
  write_ab();
  ASSERT_EQ(pgpx({"up"}).code, 0);
  write("0001_a.up.sql", "create table a (x int, y int);\n");
  auto r = pgpx({"up"});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_TRUE(contains(r.err, "0001_a.up.sql changed since it was applied")) << r.err;
  EXPECT_EQ(pgpx({"migrate", "status", "--exit-code"}).code, 4);
  r = pgpx({"migrate", "hash"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = pgpx({"migrate", "validate", "--format", "json"});
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  auto j = json(r);
  EXPECT_EQ(j["ok"], false);
  EXPECT_TRUE(j["sum"].empty()) << r.out;  // pgpx.sum was just rewritten
  ASSERT_EQ(j["database"].size(), 1U);
  EXPECT_EQ(j["database"][0]["state"], "modified");
  // --allow-modified passes with a warning; repair --checksums accepts the edit for good.
  EXPECT_EQ(pgpx({"up", "--allow-modified"}).code, 0);
  r = pgpx({"migrate", "repair", "--checksums", "--reason", "added a column by hand"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "repaired 0001_a: checksum")) << r.out;
  EXPECT_EQ(pgpx({"migrate", "validate"}).code, 0);
  EXPECT_EQ(
      cx().query_value<std::int64_t>(
          "select count(*) from pgpx.migration_log where action = 'repair' and reason = 'added a column by hand'"),
      1);
}

TEST_F(cli_migrate_test, a_directory_differing_from_its_sum_file_exits_4_before_anything_runs) {
  write_ab();
  ASSERT_EQ(pgpx({"migrate", "hash"}).code, 0);
  write("0002_b.up.sql", "create table b (x int, z int);\n");
  auto r = pgpx({"migrate", "validate", "--offline", "--format", "json"});
  EXPECT_EQ(r.code, 4) << r.out;
  auto j = json(r);
  ASSERT_FALSE(j["sum"].empty()) << r.out;
  EXPECT_EQ(j["sum"][0]["file"], "0002_b.up.sql");
  EXPECT_EQ(j["sum"][0]["kind"], "modified");
  r = pgpx({"up"});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_TRUE(contains(r.err, "pgpx.sum does not match")) << r.err;
  EXPECT_FALSE(table_exists("a"));
}

TEST_F(cli_migrate_test, an_out_of_order_file_is_refused_with_the_spec_message_unless_allowed) {
  write("0001_a.up.sql", "create table a (x int);\n");
  write("0003_c.up.sql", "create table c (x int);\n");
  ASSERT_EQ(pgpx({"up"}).code, 0);
  write("0002_b.up.sql", "create table b (x int);\n");
  auto r = pgpx({"up"});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_TRUE(contains(r.err, "0002_b is older than already-applied 0003_c (applied ")) << r.err;
  EXPECT_TRUE(contains(r.err, "--allow-out-of-order")) << r.err;
  EXPECT_FALSE(table_exists("b"));
  r = pgpx({"migrate", "status", "--format", "json"});
  EXPECT_EQ(json(r)["migrations"][1]["out_of_order"], true) << r.out;
  r = pgpx({"up", "--allow-out-of-order"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(table_exists("b"));
}

TEST_F(cli_migrate_test, a_lint_error_refuses_apply_with_exit_5_and_no_lint_applies) {
  // a has a row once 0001 ran: dropping it loses data (lint reads the table's facts for the
  // first file it runs only, so 0002 gets the static rule here).
  write("0001_a.up.sql", "create table a (x int);\ninsert into a values (1);\n");
  write("0002_drop.up.sql", "create table z (x int);\ndrop table a;\n");
  auto r = pgpx({"up"});
  EXPECT_EQ(r.code, 5) << r.err;
  EXPECT_TRUE(contains(r.err, "0002_drop.up.sql:2: DS101")) << r.err;
  EXPECT_TRUE(contains(r.err, "--no-lint")) << r.err;
  EXPECT_TRUE(applied().empty());  // not even the clean 0001
  EXPECT_FALSE(table_exists("a"));
  // A warning does not refuse; it is reported (JSON: lint[]).
  write("0002_drop.up.sql", "alter table a rename column x to y;\n");
  r = pgpx({"up", "--to", "0001"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = pgpx({"up", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  ASSERT_EQ(j["lint"].size(), 1U) << r.out;
  EXPECT_EQ(j["lint"][0]["rule"], "LH209");
  EXPECT_EQ(j["lint"][0]["severity"], "warning");
  // --no-lint runs an erroring file.
  write("0003_drop.up.sql", "drop table a;\n");
  EXPECT_EQ(pgpx({"up"}).code, 5);
  EXPECT_TRUE(table_exists("a"));
  r = pgpx({"up", "--no-lint"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(table_exists("a"));
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
}

TEST_F(cli_migrate_test, rollback_refuses_a_migration_without_down_file_and_dry_run_keeps_the_row) {
  write_ab();
  write("0003_c.up.sql", "create table c (x int);\n");  // irreversible
  ASSERT_EQ(pgpx({"up"}).code, 0);
  auto r = pgpx({"down"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "0003_c: it is irreversible")) << r.err;
  EXPECT_TRUE(contains(r.err, "revert_c")) << r.err;
  EXPECT_EQ(applied().size(), 3U);
  ASSERT_EQ(pgpx({"migrate", "mark", "0003", "--pending", "--reason", "dropped c by hand"}).code, 0);
  cx().execute("drop table c");
  r = pgpx({"migrate", "rollback", "--dry-run", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["dry_run"], true);
  ASSERT_EQ(j["migrations"].size(), 1U);
  EXPECT_EQ(j["migrations"][0]["file"], "0002_b.down.sql");
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002"}));
  EXPECT_TRUE(table_exists("b"));
  r = pgpx({"down", "--all"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(applied().empty());
  EXPECT_FALSE(table_exists("a"));
  // redo = rollback + apply of the newest.
  ASSERT_EQ(pgpx({"up", "--to", "0002"}).code, 0);
  r = pgpx({"migrate", "redo"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "rolled back 0002_b")) << r.out;
  EXPECT_TRUE(contains(r.out, "applied 0002_b")) << r.out;
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002"}));
  // In a protected environment redo needs --yes.
  std::ofstream(project_ / "pgpx.toml", std::ios::trunc) << "[env.prod]\nprotected = true\n";
  r = pgpx({"-e", "prod", "migrate", "redo"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "protected")) << r.err;
  EXPECT_EQ(pgpx({"-e", "prod", "--yes", "migrate", "redo"}).code, 0);
}

TEST_F(cli_migrate_test, redo_applies_again_a_migration_of_this_environment_only) {
  std::ofstream(project_ / "pgpx.toml", std::ios::trunc) << "[env.dev]\n";
  write_ab();
  write("0003_seed.up.sql", "-- pgpx: env=dev\ncreate table seed (x int);\n");
  write("0003_seed.down.sql", std::string("-- pgpx: env=dev\n") + undo + "drop table if exists seed;\n");
  ASSERT_EQ(pgpx({"-e", "dev", "up"}).code, 0);
  ASSERT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
  // Rolled back, then applied again in the same environment (not skipped as if there were none).
  auto r = pgpx({"-e", "dev", "migrate", "redo"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "applied 0003_seed")) << r.out;
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_TRUE(table_exists("seed"));
  EXPECT_EQ(pgpx({"-e", "dev", "migrate", "redo", "--steps", "0"}).code, 2);
}

TEST_F(cli_migrate_test, mark_prints_json_with_format_json) {
  write_ab();
  ASSERT_EQ(pgpx({"up"}).code, 0);
  auto r = pgpx({"migrate", "mark", "0002", "--pending", "--dry-run", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(j["version"], "0002");
  EXPECT_EQ(j["marked"], "pending");
  EXPECT_EQ(applied().size(), 2U);
  r = pgpx({"migrate", "mark", "0002", "--pending", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json(r)["dry_run"], false);
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001"}));
}

TEST_F(cli_migrate_test, a_failed_statement_exits_9_and_the_partial_state_exits_12_until_marked) {
  write("0001_a.up.sql", "create table a (x int);\n");
  write("0002_p.up.sql", "-- pgpx: no-transaction\ncreate table p1 (x int);\nselect 1 / 0;\n");
  auto r = pgpx({"up"});
  EXPECT_EQ(r.code, 9) << r.err;
  EXPECT_TRUE(contains(r.err, "division by zero")) << r.err;
  EXPECT_EQ(pgpx({"migrate", "status", "--exit-code"}).code, 12);
  r = pgpx({"up"});
  EXPECT_EQ(r.code, 12) << r.err;
  EXPECT_TRUE(contains(r.err, "0002_p is recorded as partial")) << r.err;
  r = pgpx({"migrate", "status", "--format", "json"});
  auto j = json(r);
  EXPECT_EQ(j["migrations"][1]["state"], "partial");
  EXPECT_EQ(j["migrations"][1]["statements_done"], 1);
  ASSERT_EQ(pgpx({"migrate", "repair", "--clear-failed", "--reason", "undone by hand"}).code, 0);
  EXPECT_EQ(pgpx({"migrate", "status", "--exit-code"}).code, 3);  // pending again
}

TEST_F(cli_migrate_test, baseline_adopts_an_existing_database) {
  write_ab();
  write("0003_c.up.sql", "create table c (x int);\n");
  cx().execute_script("create table a (x int); create table b (x int);");  // made before pgpx
  EXPECT_EQ(pgpx({"migrate", "baseline", "0009"}).code, 10);
  // A usage error before connecting: even with nothing listening.
  EXPECT_EQ(pgpx_run({"--url", "postgresql://127.0.0.1:1/x", "migrate", "baseline", "0002", "--reason", "a",
                      "--description", "b"},
                     project_)
                .code,
            2);
  auto r = pgpx({"migrate", "baseline", "0002", "--reason", "adopt prod", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(tracking_exists());
  r = pgpx({"migrate", "baseline", "0002", "--reason", "adopt prod"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "recorded 0001 as baseline")) << r.out;
  r = pgpx({"migrate", "status", "--format", "json", "--exit-code"});
  EXPECT_EQ(r.code, 3);
  auto j = json(r);
  EXPECT_EQ(j["migrations"][0]["state"], "baseline");
  EXPECT_EQ(j["migrations"][2]["state"], "pending");
  ASSERT_EQ(pgpx({"up"}).code, 0);  // would fail with "relation a exists" if 0001 ran
  EXPECT_TRUE(table_exists("c"));
}

TEST_F(cli_migrate_test, a_held_migration_lock_exits_6_and_bad_flags_exit_2) {
  write_ab();
  cx().execute("select pg_advisory_lock(1885827192, hashtext(current_database() || '.' || 'pgpx'))");
  auto r = pgpx({"up", "--lock-timeout", "300ms"});
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_TRUE(applied().empty());
  cx().execute("select pg_advisory_unlock_all()");
  EXPECT_EQ(pgpx({"up", "--steps", "1", "--to", "0002"}).code, 2);
  EXPECT_EQ(pgpx({"up", "--tx", "sometimes"}).code, 2);
  EXPECT_EQ(pgpx({"migrate", "mark", "0001"}).code, 2);  // neither --applied nor --pending
  EXPECT_EQ(pgpx({"up", "--to", "0007"}).code, 10);      // unknown version
  EXPECT_TRUE(applied().empty());
}

// `pgpx db create|drop|wait`: a name that needs quoting, the --yes and protected refusals.
TEST_F(cli_migrate_test, db_create_drop_and_wait) {
  const std::string name = "Pgpx-Cli-Db-" + std::to_string(::getpid());
  auto ci = conninfo();
  ci.set("dbname", name);
  const auto db = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--url", ci.to_string()});
    return pgpx_run(args, project_);
  };
  const auto db_exists = [&] {
    return cx().query_value<bool>("select exists (select 1 from pg_database where datname = $1)", name);
  };
  auto r = db({"db", "create"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(db_exists());
  r = db({"db", "create"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "exists already")) << r.out;
  EXPECT_EQ(db({"db", "wait", "--timeout", "5s"}).code, 0);
  r = db({"db", "drop"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--yes")) << r.err;
  EXPECT_TRUE(db_exists());
  std::ofstream(project_ / "pgpx.toml", std::ios::trunc) << "[env.prod]\nprotected = true\n";
  r = db({"-e", "prod", "--yes", "db", "drop"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "protected")) << r.err;
  EXPECT_TRUE(db_exists());
  // reset: drop, create, apply the project's migrations.
  write("0001_a.up.sql", "create table a (x int);\n");
  {
    pgpx::connection other(ci);
    other.execute("create table leftover (x int)");
  }
  r = db({"--yes", "db", "reset"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "applied 0001_a")) << r.out;
  {
    pgpx::connection other(ci);
    EXPECT_TRUE(other.query_value<bool>("select to_regclass('a') is not null"));
    EXPECT_FALSE(other.query_value<bool>("select to_regclass('leftover') is not null"));
  }
  r = db({"--yes", "db", "drop"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(db_exists());
  // Nothing listens on port 1: wait gives up with exit 11.
  r = pgpx_run({"--url", "postgresql://127.0.0.1:1/x", "db", "wait", "--timeout", "500ms"}, project_);
  EXPECT_EQ(r.code, 11) << r.err;
}

// `migrate rollback --force`: without a terminal it needs --yes (nothing changes otherwise);
// with it, migrations without a down file lose their row without running anything, the
// others run their down file, and the log says which were forced. A --force that forces
// nothing asks nothing.
TEST_F(cli_migrate_test, forced_rollback_needs_yes_without_a_terminal_and_is_audited) {
  write_ab();
  write("0003_c.up.sql", "create table c (x int);\n");  // irreversible
  ASSERT_EQ(pgpx({"up"}).code, 0);
  auto r = pgpx({"down", "--steps", "2", "--force"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "0003_c")) << r.err;
  EXPECT_TRUE(contains(r.err, "--yes")) << r.err;
  EXPECT_EQ(applied().size(), 3U);
  EXPECT_TRUE(table_exists("b"));
  // On a terminal it lists them and asks; anything but "yes" changes nothing.
  r = pgpx_on_terminal({"down", "--steps", "2", "--force"}, "no");
  EXPECT_EQ(r.code, 2) << r.out;  // a refused confirmation (docs/errors.md)
  EXPECT_TRUE(contains(r.out, "--force un-applies 0003_c without running anything")) << r.out;
  EXPECT_TRUE(contains(r.out, "not confirmed: nothing was changed")) << r.out;
  EXPECT_EQ(applied().size(), 3U);
  EXPECT_TRUE(table_exists("b"));
  // The plan needs no confirmation.
  r = pgpx({"down", "--steps", "2", "--force", "--dry-run", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  ASSERT_EQ(j["migrations"].size(), 2U);
  EXPECT_EQ(j["migrations"][0]["forced"], true);
  EXPECT_EQ(j["migrations"][1]["forced"], false);
  EXPECT_EQ(applied().size(), 3U);
  r = pgpx({"--yes", "down", "--steps", "2", "--force", "--reason", "c was a mistake"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "un-applied 0003_c without running anything")) << r.out;
  EXPECT_TRUE(contains(r.out, "rolled back 0002_b")) << r.out;
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001"}));
  EXPECT_TRUE(table_exists("c"));   // nothing of 0003 ran
  EXPECT_FALSE(table_exists("b"));  // 0002's down file ran
  EXPECT_EQ(cx().query<std::string>("select version || ':' || outcome from pgpx.migration_log where action = 'down' "
                                    "order by id"),
            (std::vector<std::string>{"0003:forced", "0002:ok"}));
  EXPECT_TRUE(contains(cx().query_value<std::string>(
                           "select reason from pgpx.migration_log where action = 'down' and outcome = 'forced'"),
                       "no down file; tracking row removed, nothing run; c was a mistake"));
  // Every migration to roll back has a down file: --force asks nothing.
  r = pgpx({"down", "--force"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(applied().empty());
  // Typed "yes" on a terminal goes ahead.
  ASSERT_EQ(pgpx({"up", "--to", "0002"}).code, 0);
  cx().execute("drop table c");
  ASSERT_EQ(pgpx({"up"}).code, 0);
  r = pgpx_on_terminal({"down", "--force"}, "yes");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "un-applied 0003_c without running anything")) << r.out;
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002"}));
  EXPECT_TRUE(table_exists("c"));
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pgpx.migration_log where outcome = 'forced'"), 2);
}

// A down file that loses data is refused with exit 5 naming file and line; --no-lint runs it.
TEST_F(cli_migrate_test, rollback_lints_down_files_for_data_loss_with_exit_5) {
  write("0001_a.up.sql", "create table a (x int);\ninsert into a values (1);\n");
  write("0001_a.down.sql", "-- undo\ndelete from a;\ndrop table if exists a;\n");
  ASSERT_EQ(pgpx({"up"}).code, 0);
  auto r = pgpx({"down"});
  EXPECT_EQ(r.code, 5) << r.err;
  EXPECT_TRUE(contains(r.err, "0001_a.down.sql:2: DS106")) << r.err;
  EXPECT_TRUE(contains(r.err, "0001_a.down.sql:3: DS101")) << r.err;
  EXPECT_TRUE(contains(r.err, "--no-lint")) << r.err;
  EXPECT_EQ(applied().size(), 1U);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from a"), 1);
  // So does a dry run and redo.
  EXPECT_EQ(pgpx({"down", "--dry-run"}).code, 5);
  EXPECT_EQ(pgpx({"migrate", "redo"}).code, 5);
  // A lint-ignore without a reason is refused (exit 10, the file does not load); with one the
  // finding is silenced, but the other finding still refuses.
  write("0001_a.down.sql", "-- pgpx: lint-ignore=DS106\ndelete from a;\ndrop table if exists a;\n");
  r = pgpx({"down"});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_TRUE(contains(r.err, "0001_a.down.sql:1: directive 'lint-ignore' needs a reason")) << r.err;
  write("0001_a.down.sql",
        "-- pgpx: lint-ignore=DS106 reason=\"rows are recreated\"\ndelete from a;\ndrop table if exists a;\n");
  r = pgpx({"down"});
  EXPECT_EQ(r.code, 5) << r.err;
  EXPECT_FALSE(contains(r.err, "DS106")) << r.err;
  EXPECT_TRUE(contains(r.err, "0001_a.down.sql:3: DS101")) << r.err;
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from a"), 1);
  r = pgpx({"down", "--no-lint"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(applied().empty());
  EXPECT_FALSE(table_exists("a"));
}

// `migrate apply --baseline V`: adopt and apply in one command; refused (exit 10, naming what
// is recorded) once migrations are recorded.
TEST_F(cli_migrate_test, apply_with_a_baseline_adopts_then_applies_and_is_refused_afterwards) {
  write_ab();
  write("0003_c.up.sql", "create table c (x int);\n");
  cx().execute_script("create table a (x int); create table b (x int);");  // made before pgpx
  auto r = pgpx({"up", "--baseline", "0002"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "recorded 0001 as baseline")) << r.out;
  EXPECT_TRUE(contains(r.out, "applied 0003_c")) << r.out;
  EXPECT_FALSE(contains(r.out, "applied 0001_a")) << r.out;
  auto j = json(pgpx({"migrate", "status", "--format", "json"}));
  EXPECT_EQ(j["migrations"][0]["state"], "baseline");
  EXPECT_EQ(j["migrations"][1]["state"], "baseline");
  EXPECT_EQ(j["migrations"][2]["state"], "applied");
  write("0004_d.up.sql", "create table d (x int);\n");
  r = pgpx({"up", "--baseline", "0004"});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_TRUE(contains(r.err, "0001_a (baseline), 0002_b (baseline), 0003_c (applied)")) << r.err;
  EXPECT_FALSE(table_exists("d"));
}

// The global --lock-timeout, --statement-timeout and --application-name reach every session
// (before or after the command; migrations too), and a bad duration exits 2 naming the flag.
TEST_F(cli_migrate_test, global_session_flags_reach_the_server) {
  const auto shown = [&](std::vector<std::string> args, const std::string& setting) {
    args.insert(args.begin(), {"--url", conninfo().to_string()});
    args.insert(args.end(), {"query", "show " + setting, "--format", "csv"});
    const auto r = pgpx_run(args, project_);
    EXPECT_EQ(r.code, 0) << r.err;
    const auto nl = r.out.find('\n');
    auto value = nl == std::string::npos ? std::string() : r.out.substr(nl + 1);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
  };
  const std::vector<std::string> flags = {"--lock-timeout",     "1500ms",         "--statement-timeout", "2min",
                                          "--application-name", "pgpx flags test"};
  EXPECT_EQ(shown(flags, "lock_timeout"), "1500ms");
  EXPECT_EQ(shown(flags, "statement_timeout"), "2min");
  EXPECT_EQ(shown(flags, "application_name"), "pgpx flags test");
  // Without them, the server's defaults.
  EXPECT_EQ(shown({}, "lock_timeout"), "0");
  // After the command, as every global flag.
  auto r = pgpx({"query", "show lock_timeout", "--format", "csv", "--lock-timeout", "3s"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "3s")) << r.out;
  // A migration's session has them (the per-migration lock_timeout follows --lock-timeout).
  write("0001_seen.up.sql",
        "create table seen as select current_setting('application_name') as app, "
        "current_setting('lock_timeout') as lock, current_setting('statement_timeout') as st;\n");
  r = pgpx({"--application-name", "pgpx-migrator", "--statement-timeout", "45s", "--lock-timeout", "4s", "up"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cx().query_value<std::string>("select app || ' ' || lock || ' ' || st from seen"), "pgpx-migrator 4s 45s");
  // Bad durations: usage errors naming the flag, before anything is sent.
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--lock-timeout", "soon"}, {"--statement-timeout", "5 fortnights"}, {"--lock-timeout", "-1s"}}) {
    r = pgpx({flag, value, "query", "select 1"});
    EXPECT_EQ(r.code, 2) << flag << " " << value << ": " << r.err;
    EXPECT_TRUE(contains(r.err, flag)) << r.err;
  }
  write("0002_more.up.sql", "create table more (x int);\n");
  EXPECT_EQ(pgpx({"up", "--statement-timeout", "later"}).code, 2);
  EXPECT_FALSE(table_exists("more"));
}

// The global --dry-run: every mutating command plans and writes nothing (tracking tables,
// catalog, databases, files), and a command that cannot plan refuses with exit 2.
TEST_F(cli_migrate_test, the_global_dry_run_writes_nothing_on_each_mutating_command) {
  write_ab();
  write("0003_c.up.sql", "create table c (x int);\n");
  ASSERT_EQ(pgpx({"up", "--to", "0002"}).code, 0);
  ASSERT_EQ(pgpx({"migrate", "hash"}).code, 0);
  const auto sum_before = pgpx::test::cli::slurp_file(project_ / "migrations" / "pgpx.sum");
  const auto other_db = "pgpx_dry_" + std::to_string(::getpid());
  auto other = conninfo();
  other.set("dbname", other_db);
  const auto snapshot = [&] {
    return cx().query_value<std::string>(
        "select (select string_agg(version || status || checksum, ',' order by version) from pgpx.schema_migrations)"
        " || '|' || (select count(*) from pgpx.migration_log)::text"
        " || '|' || (select string_agg(relname, ',' order by relname) from pg_class where relnamespace = "
        "'public'::regnamespace)"
        " || '|' || (select count(*) from pg_extension)::text"
        // Only the databases these commands could touch: other tests create and drop theirs
        // meanwhile.
        " || '|' || (select count(*) from pg_database where datname in (current_database(), $1))::text",
        other_db);
  };
  const auto files = [&] {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(project_ / "migrations")) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto before = snapshot();
  const auto files_before = files();
  const std::vector<std::vector<std::string>> commands = {
      {"migrate", "apply"},
      {"migrate", "rollback"},
      {"down", "--all", "--force"},
      {"migrate", "redo"},
      {"migrate", "mark", "0003", "--applied"},
      {"migrate", "mark", "0002", "--pending"},
      {"migrate", "baseline", "0003"},
      {"migrate", "repair", "--checksums", "--clear-failed"},
      {"migrate", "create", "later"},
      {"new", "later"},
      {"migrate", "hash"},
      {"extension", "install", "citext", "--now"},
      {"extension", "install", "citext"},
      {"db", "reset"},
      {"db", "drop"},
  };
  for (const auto& c : commands) {
    std::vector<std::string> args = {"--dry-run"};
    args.insert(args.end(), c.begin(), c.end());
    const auto r = pgpx(args);
    std::string shown;
    for (const auto& a : c) shown += a + " ";
    EXPECT_EQ(r.code, 0) << shown << r.err;
    EXPECT_EQ(snapshot(), before) << shown;
    EXPECT_EQ(files(), files_before) << shown;
  }
  EXPECT_EQ(pgpx::test::cli::slurp_file(project_ / "migrations" / "pgpx.sum"), sum_before);
  // db create of a database that does not exist; the flag after the command works too.
  auto r = pgpx_run({"--url", other.to_string(), "db", "create", "--dry-run"}, project_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "would create database")) << r.out;
  EXPECT_FALSE(cx().query_value<bool>("select exists (select 1 from pg_database where datname = $1)", other_db));
  // With an extension installed: upgrade and uninstall --now plan only.
  cx().execute("create extension if not exists citext");
  const auto with_ext = snapshot();
  for (const auto& c : std::vector<std::vector<std::string>>{{"extension", "uninstall", "citext", "--now"},
                                                             {"extension", "upgrade", "citext", "--now"}}) {
    std::vector<std::string> args = {"--dry-run"};
    args.insert(args.end(), c.begin(), c.end());
    r = pgpx(args);
    EXPECT_EQ(r.code, 0) << c[1] << r.err;
    EXPECT_EQ(snapshot(), with_ext) << c[1];
  }
  // Commands that cannot dry-run refuse before doing anything.
  r = pgpx({"--dry-run", "query", "create table nope (x int)", "--write"});
  EXPECT_EQ(r.code, 2) << r.err;
  r = pgpx({"--dry-run", "dev", "up"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot dry-run")) << r.err;
  EXPECT_FALSE(fs::exists(project_ / ".pgpx"));
  EXPECT_FALSE(table_exists("nope"));
  // Reading commands run as usual.
  EXPECT_EQ(pgpx({"--dry-run", "migrate", "status"}).code, 0);
  EXPECT_EQ(pgpx({"--dry-run", "query", "select 1"}).code, 0);
}

}  // namespace
