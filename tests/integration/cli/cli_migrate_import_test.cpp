// `pgpx migrate import --from TOOL DIR` through the real binary: another tool's directory and
// tracking table (created by SQL as the tool would leave them) become pgpx files and applied
// rows, after which `migrate status` shows them applied and `migrate apply` runs only the
// rest; refusals (a clash, a file that cannot be understood, a dirty tool state) and dry runs
// write nothing.
#include "integration/cli/cli_project.hpp"

#include <pgpx/core/connection.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace pgpx::test::cli {
namespace {

class cli_migrate_import_test : public project_test {
 protected:
  // Writes `content` to <project>/old/<name> (directories created).
  void old(const std::string& name, const std::string& content) const {
    const auto p = project_ / "old" / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::trunc) << content;
  }
  // name -> state of `pgpx migrate status --format json`.
  auto states() -> std::vector<std::string> {
    const auto r = pgpx({"migrate", "status", "--format", "json"});
    EXPECT_EQ(r.code, 0) << r.err;
    last_status_ = r.out + r.err;
    std::vector<std::string> out;
    try {
      const auto j = nlohmann::json::parse(r.out);
      for (const auto& m : j["migrations"])
        out.push_back(m["name"].get<std::string>() + ":" + m["state"].get<std::string>());
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << r.out;
    }
    return out;
  }
  std::string last_status_;  // the output of the last states()
  auto tracking_exists() -> bool {
    return cx().query_value<bool>("select to_regclass('pgpx.schema_migrations') is not null");
  }
  auto table_exists(const std::string& name) -> bool {
    return cx().query_value<bool>("select to_regclass($1) is not null", "public." + name);
  }
  auto migration_files() -> std::vector<std::string> {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::exists(project_ / "migrations", ec)) return out;
    for (const auto& e : fs::directory_iterator(project_ / "migrations")) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  // Imports, then checks status (`expected` states) and that apply runs exactly `pending`.
  // Returns the import's run.
  auto import_then_apply(const std::string& tool, const std::vector<std::string>& expected,
                         const std::vector<std::string>& pending) -> run_result {
    const auto imported = pgpx({"migrate", "import", "--from", tool, "old"});
    EXPECT_EQ(imported.code, 0) << imported.out << imported.err;
    if (imported.code != 0) return imported;
    auto r = imported;
    EXPECT_EQ(states(), expected) << r.out << last_status_;
    r = pgpx({"migrate", "apply", "--format", "json"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    if (r.code != 0) return imported;
    std::vector<std::string> ran;
    const auto j = nlohmann::json::parse(r.out);
    for (const auto& m : j["migrations"]) ran.push_back(m["name"].get<std::string>());
    EXPECT_EQ(ran, pending);
    EXPECT_EQ(pgpx({"migrate", "status", "--exit-code"}).code, 0);
    EXPECT_EQ(pgpx({"migrate", "validate"}).code, 0);
    return imported;
  }
};

TEST_F(cli_migrate_import_test, goose_rows_become_applied_and_apply_runs_only_the_rest) {
  old("00001_create_a.sql", "-- +goose Up\ncreate table a (id int);\n-- +goose Down\ndrop table a;\n");
  old("00002_Create B.sql",
      "-- +goose Up\n-- +goose StatementBegin\ncreate function b() returns int as $$\nbegin\n  return 2;\nend;\n$$ "
      "language plpgsql;\n-- +goose StatementEnd\n-- +goose Down\ndrop function b();\n");
  old("00003_create_c.sql", "-- +goose Up\ncreate table c (id int);\n-- +goose Down\ndrop table c;\n");
  old("00004_create_d.sql", "-- +goose Up\ncreate table d (id int);\n");
  // As goose leaves it: 1 and 2 applied; 3 applied and rolled back; 4 never.
  cx().execute_script(
      "create table a (id int);\n"
      "create function b() returns int language sql as 'select 2';\n"
      "create table goose_db_version (id serial primary key, version_id bigint not null, is_applied boolean not "
      "null, tstamp timestamp default now());\n"
      "insert into goose_db_version (version_id, is_applied) values (0, true), (1, true), (2, true), (3, true), "
      "(3, false), (7, true);");
  const auto imported = import_then_apply(
      "goose", {"0001_create_a:applied", "0002_create_b:applied", "0003_create_c:pending", "0004_create_d:pending"},
      {"0003_create_c", "0004_create_d"});
  EXPECT_TRUE(table_exists("c"));
  EXPECT_TRUE(table_exists("d"));
  // Version 7 is recorded but has no file: reported, not carried over.
  EXPECT_TRUE(contains(imported.err, "records version 7 as applied but old has no migration")) << imported.err;
  // The converted files name their origin; the StatementBegin block became plain SQL.
  const auto b = slurp_file(project_ / "migrations" / "0002_create_b.up.sql");
  EXPECT_TRUE(contains(b, "-- imported from goose 00002_Create B.sql (Up)")) << b;
  EXPECT_FALSE(contains(b, "+goose")) << b;
  // goose's table is left as it was; the marks are audited with the tool named.
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from goose_db_version"), 6);
  EXPECT_EQ(cx().query<std::string>("select version || ':' || reason from pgpx.migration_log where action = 'mark' "
                                    "order by version"),
            (std::vector<std::string>{"0001:pgpx migrate import --from goose (goose_db_version)",
                                      "0002:pgpx migrate import --from goose (goose_db_version)"}));
  // The recorded checksum is the converted file's: editing it is detected.
  { std::ofstream(project_ / "migrations" / "0001_create_a.up.sql", std::ios::app) << "select 1;\n"; }
  EXPECT_EQ(pgpx({"migrate", "status", "--exit-code"}).code, 4);
}

// A target that cannot be written (under a regular file) is an I/O failure, exit 10, with or
// without the tracking rows; a refusal of the target would be 2. Nothing is left either way.
TEST_F(cli_migrate_import_test, a_target_that_cannot_be_written_exits_10_in_both_modes) {
  old("00001_create_a.sql", "-- +goose Up\ncreate table a (id int);\n");
  cx().execute_script(
      "create table goose_db_version (id serial primary key, version_id bigint not null, is_applied boolean not "
      "null, tstamp timestamp default now());\n"
      "insert into goose_db_version (version_id, is_applied) values (0, true), (1, true);");
  std::ofstream(project_ / "afile") << "x";
  auto r = pgpx({"migrate", "import", "--from", "goose", "old", "-d", "afile/sub"});
  EXPECT_EQ(r.code, 10) << r.out << r.err;
  r = pgpx({"migrate", "import", "--from", "goose", "old", "-d", "afile/sub", "--no-tracking"});
  EXPECT_EQ(r.code, 10) << r.out << r.err;
  EXPECT_FALSE(tracking_exists() && cx().query_value<std::int64_t>("select count(*) from pgpx.schema_migrations") > 0);
}

TEST_F(cli_migrate_import_test, golang_migrate_version_means_every_version_up_to_it) {
  old("1_create_a.up.sql", "create table a (id int);\n");
  old("1_create_a.down.sql", "drop table a;\n");
  old("2_create_b.up.sql", "create table b (id int);\n");
  old("2_create_b.down.sql", "drop table b;\n");
  old("10_create_c.up.sql", "create table c (id int);\n");
  cx().execute_script(
      "create table a (id int); create table b (id int);\n"
      "create table schema_migrations (version bigint not null primary key, dirty boolean not null);\n"
      "insert into schema_migrations values (2, false);");
  import_then_apply("golang-migrate", {"0001_create_a:applied", "0002_create_b:applied", "0010_create_c:pending"},
                    {"0010_create_c"});
  EXPECT_EQ(cx().query_value<std::int64_t>("select version from schema_migrations"), 2);
}

TEST_F(cli_migrate_import_test, another_tracking_table_is_read_with_table_taken_as_written) {
  old("1_a.up.sql", "create table a (id int);\n");
  old("2_b.up.sql", "create table b (id int);\n");
  // golang-migrate with x-migrations-table: a schema and a mixed-case name; the default table
  // says something else and must not be read.
  cx().execute_script(
      "create table a (id int);\n"
      "create schema legacy;\n"
      "create table legacy.\"Versions\" (version bigint not null primary key, dirty boolean not null);\n"
      "insert into legacy.\"Versions\" values (1, false);\n"
      "create table schema_migrations (version bigint not null primary key, dirty boolean not null);\n"
      "insert into schema_migrations values (2, true);");
  auto r = pgpx({"migrate", "import", "--from", "golang-migrate", "old", "--table", "legacy.Versions", "--dry-run"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "would mark 0001 applied (legacy.\"Versions\")")) << r.out;
  EXPECT_FALSE(contains(r.out, "would mark 0002")) << r.out;
  for (const auto& bad : {"a.b.c", ".x", "x."}) {
    r = pgpx({"migrate", "import", "--from", "golang-migrate", "old", "--table", bad});
    EXPECT_EQ(r.code, 2) << bad << r.out << r.err;
  }
  r = pgpx({"migrate", "import", "--from", "golang-migrate", "old", "--table", "x", "--no-tracking"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(migration_files().empty());
  r = pgpx({"migrate", "import", "--from", "golang-migrate", "old", "--table", "legacy.Versions"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(states(), (std::vector<std::string>{"0001_a:applied", "0002_b:pending"}));
}

TEST_F(cli_migrate_import_test, golang_migrate_dirty_is_refused_and_nothing_written) {
  old("1_create_a.up.sql", "create table a (id int);\n");
  old("2_create_b.up.sql", "create table b (id int);\n");
  cx().execute_script(
      "create table schema_migrations (version bigint not null primary key, dirty boolean not null);\n"
      "insert into schema_migrations values (2, true);");
  const auto r = pgpx({"migrate", "import", "--from", "golang-migrate", "old"});
  EXPECT_EQ(r.code, 12) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "dirty")) << r.err;
  EXPECT_TRUE(contains(r.err, "version 2")) << r.err;
  EXPECT_TRUE(migration_files().empty());
  EXPECT_FALSE(tracking_exists());
}

TEST_F(cli_migrate_import_test, sqlx_successful_rows_become_applied_failed_ones_are_refused) {
  old("20240101120000_create_a.up.sql", "create table a (id int);\n");
  old("20240101120000_create_a.down.sql", "drop table a;\n");
  old("20240102120000_index_a.sql", "-- no-transaction\ncreate index concurrently a_id on a (id);\n");
  old("20240103120000_create_b.sql", "create table b (id int);\n");
  cx().execute_script(
      "create table a (id int); create index a_id on a (id);\n"
      "create table _sqlx_migrations (version bigint primary key, description text not null, installed_on "
      "timestamptz not null default now(), success boolean not null, checksum bytea not null, execution_time "
      "bigint not null);\n"
      "insert into _sqlx_migrations (version, description, success, checksum, execution_time) values "
      "(20240101120000, 'create a', true, '\\x00', 1), (20240102120000, 'index a', true, '\\x00', 1);");
  import_then_apply(
      "sqlx", {"20240101120000_create_a:applied", "20240102120000_index_a:applied", "20240103120000_create_b:pending"},
      {"20240103120000_create_b"});
  EXPECT_TRUE(
      cx().query_value<bool>("select no_transaction from pgpx.schema_migrations where version = '20240102120000'"));
}

TEST_F(cli_migrate_import_test, sqlx_failed_row_is_refused) {
  old("1_a.sql", "create table a (id int);\n");
  cx().execute_script(
      "create table _sqlx_migrations (version bigint primary key, description text not null, installed_on "
      "timestamptz not null default now(), success boolean not null, checksum bytea not null, execution_time "
      "bigint not null);\n"
      "insert into _sqlx_migrations (version, description, success, checksum, execution_time) values "
      "(1, 'a', false, '\\x00', 1);");
  const auto r = pgpx({"migrate", "import", "--from", "sqlx", "old"});
  EXPECT_EQ(r.code, 12) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "failed")) << r.err;
  EXPECT_TRUE(migration_files().empty());
}

TEST_F(cli_migrate_import_test, flyway_dotted_versions_map_in_order_and_undone_ones_stay_pending) {
  old("V1__Create_a.sql", "create table a (id int);\n");
  old("U1__Create_a.sql", "drop table a;\n");
  old("V1.1__Create_b.sql", "create table b (id int);\n");
  old("V1_2__Create_c.sql", "create table c (id int);\n");
  old("V2__Create_d.sql", "create table d (id int);\n");
  cx().execute_script(
      "create table a (id int); create table b (id int);\n"
      "create table flyway_schema_history (installed_rank int primary key, version varchar(50), description "
      "varchar(200) not null, type varchar(20) not null, script varchar(1000) not null, checksum int, installed_by "
      "varchar(100) not null, installed_on timestamp not null default now(), execution_time int not null, success "
      "boolean not null);\n"
      "insert into flyway_schema_history (installed_rank, version, description, type, script, installed_by, "
      "execution_time, success) values "
      "(1, '1', 'Create a', 'SQL', 'V1__Create_a.sql', 'me', 1, true),"
      "(2, '1.1', 'Create b', 'SQL', 'V1.1__Create_b.sql', 'me', 1, true),"
      "(3, '1.2', 'Create c', 'SQL', 'V1_2__Create_c.sql', 'me', 1, true),"
      "(4, '1.2', 'Create c', 'UNDO_SQL', 'U1_2__Create_c.sql', 'me', 1, true),"
      "(5, null, 'views', 'SQL', 'R__views.sql', 'me', 1, true);");
  import_then_apply(
      "flyway", {"0001_create_a:applied", "0002_create_b:applied", "0003_create_c:pending", "0004_create_d:pending"},
      {"0003_create_c", "0004_create_d"});
  // The undo file became the down file.
  EXPECT_TRUE(contains(slurp_file(project_ / "migrations" / "0001_create_a.down.sql"), "drop table a;"));
}

TEST_F(cli_migrate_import_test, flyway_baseline_row_counts_every_version_up_to_it_and_failed_rows_are_refused) {
  old("V1__a.sql", "create table a (id int);\n");
  old("V2__b.sql", "create table b (id int);\n");
  old("V3__c.sql", "create table c (id int);\n");
  old("V4__d.sql", "create table d (id int);\n");
  cx().execute_script(
      "create table flyway_schema_history (installed_rank int primary key, version varchar(50), description "
      "varchar(200) not null, type varchar(20) not null, script varchar(1000) not null, checksum int, installed_by "
      "varchar(100) not null, installed_on timestamp not null default now(), execution_time int not null, success "
      "boolean not null);\n"
      "insert into flyway_schema_history (installed_rank, version, description, type, script, installed_by, "
      "execution_time, success) values "
      "(1, '2', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', 'me', 0, true),"
      "(2, '3', 'c', 'SQL', 'V3__c.sql', 'me', 1, true);");
  auto r = pgpx({"migrate", "import", "--from", "flyway", "old", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  for (const auto* v : {"0001", "0002", "0003"})
    EXPECT_TRUE(contains(r.out, std::string("would mark ") + v + " applied")) << r.out;
  EXPECT_FALSE(contains(r.out, "would mark 0004")) << r.out;
  cx().execute_script(
      "insert into flyway_schema_history (installed_rank, version, description, type, script, installed_by, "
      "execution_time, success) values (3, '4', 'd', 'SQL', 'V4__d.sql', 'me', 1, false);");
  r = pgpx({"migrate", "import", "--from", "flyway", "old"});
  EXPECT_EQ(r.code, 12) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "version 4 as failed")) << r.err;
  EXPECT_TRUE(migration_files().empty());
}

TEST_F(cli_migrate_import_test, flyway_repeatable_is_refused_naming_the_file) {
  old("V1__a.sql", "create table a (id int);\n");
  old("R__views.sql", "create or replace view v as select 1;\n");
  const auto r = pgpx({"migrate", "import", "--from", "flyway", "old", "--no-tracking"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "R__views.sql")) << r.err;
  EXPECT_TRUE(contains(r.err, "repeatable")) << r.err;
  EXPECT_TRUE(migration_files().empty());
}

TEST_F(cli_migrate_import_test, a_clash_in_the_target_is_refused_and_nothing_written) {
  fs::create_directories(project_ / "migrations");
  std::ofstream(project_ / "migrations" / "0002_mine.up.sql") << "create table mine (id int);\n";
  ASSERT_EQ(pgpx({"migrate", "hash"}).code, 0);
  const auto sum_before = slurp_file(project_ / "migrations" / "pgpx.sum");
  old("1_a.up.sql", "create table a (id int);\n");
  old("2_b.up.sql", "create table b (id int);\n");
  cx().execute_script(
      "create table schema_migrations (version bigint not null primary key, dirty boolean not null);\n"
      "insert into schema_migrations values (1, false);");
  const auto r = pgpx({"migrate", "import", "--from", "golang-migrate", "old"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "0002_mine.up.sql")) << r.err;
  EXPECT_TRUE(contains(r.err, "nothing was written")) << r.err;
  EXPECT_EQ(migration_files(), (std::vector<std::string>{"0002_mine.up.sql", "pgpx.sum"}));
  EXPECT_EQ(slurp_file(project_ / "migrations" / "pgpx.sum"), sum_before);
  EXPECT_FALSE(tracking_exists());
}

TEST_F(cli_migrate_import_test, when_the_rows_cannot_be_written_the_files_go_again) {
  fs::create_directories(project_ / "migrations");
  std::ofstream(project_ / "migrations" / "0001_mine.up.sql") << "create table mine (id int);\n";
  ASSERT_EQ(pgpx({"migrate", "hash"}).code, 0);
  const auto sum_before = slurp_file(project_ / "migrations" / "pgpx.sum");
  old("2_a.up.sql", "create table a (id int);\n");
  old("3_b.up.sql", "create table b (id int);\n");
  cx().execute_script(
      "create table schema_migrations (version bigint not null primary key, dirty boolean not null);\n"
      "insert into schema_migrations values (2, false);");
  // Another session holds the migration lock of schema pgpx.
  pgpx::connection holder(conninfo());
  ASSERT_TRUE(holder.query_value<bool>(
      "select pg_try_advisory_lock(x'70677078'::int, hashtext(current_database() || '.' || 'pgpx'))"));
  const auto r = pgpx({"--lock-timeout", "300ms", "migrate", "import", "--from", "golang-migrate", "old"});
  EXPECT_EQ(r.code, 6) << r.out << r.err;
  EXPECT_EQ(migration_files(), (std::vector<std::string>{"0001_mine.up.sql", "pgpx.sum"}));
  EXPECT_EQ(slurp_file(project_ / "migrations" / "pgpx.sum"), sum_before);
}

TEST_F(cli_migrate_import_test, a_file_that_cannot_be_understood_is_named_with_its_line) {
  old("20240101120000_a.sql", "-- migrate:up\ncreate table a (id int);\n-- migrate:down\ndrop table a;\n");
  old("20240102120000_b.sql", "-- migrate:up transaction:sometimes\ncreate table b (id int);\n");
  const auto r = pgpx({"migrate", "import", "--from", "dbmate", "old"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "20240102120000_b.sql:1")) << r.err;
  EXPECT_TRUE(contains(r.err, "transaction:sometimes")) << r.err;
  EXPECT_TRUE(migration_files().empty());
  EXPECT_FALSE(tracking_exists());
}

TEST_F(cli_migrate_import_test, dry_run_writes_nothing_and_says_what_it_would_do) {
  old("20240101120000_a.sql", "-- migrate:up\ncreate table a (id int);\n-- migrate:down\ndrop table a;\n");
  old("20240102120000_b.sql", "-- migrate:up\ncreate table b (id int);\n");
  cx().execute_script(
      "create table a (id int);\n"
      "create table schema_migrations (version varchar(128) primary key);\n"
      "insert into schema_migrations values ('20240101120000');");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"migrate", "import", "--from", "dbmate", "old", "--dry-run"},
        std::vector<std::string>{"--dry-run", "migrate", "import", "--from", "dbmate", "old"}}) {
    const auto r = pgpx(args);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "would write")) << r.out;
    EXPECT_TRUE(contains(r.out, "would mark 20240101120000 applied")) << r.out;
    EXPECT_FALSE(contains(r.out, "would mark 20240102120000")) << r.out;
    EXPECT_TRUE(migration_files().empty());
    EXPECT_FALSE(tracking_exists());
  }
  // JSON: what would be written and marked.
  const auto r = pgpx({"migrate", "import", "--from", "dbmate", "old", "--dry-run", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(j["tool"], "dbmate");
  EXPECT_EQ(j["tracking_table"], "schema_migrations");
  EXPECT_EQ(j["marked"], nlohmann::json::array({"20240101120000"}));
  ASSERT_EQ(j["migrations"].size(), 2U);
  EXPECT_EQ(j["migrations"][0]["name"], "20240101120000_a");
  EXPECT_TRUE(j["migrations"][1]["down"].is_null());
  EXPECT_TRUE(migration_files().empty());
  // And the real run: dbmate's rows carried over.
  import_then_apply("dbmate", {"20240101120000_a:applied", "20240102120000_b:pending"}, {"20240102120000_b"});
}

TEST_F(cli_migrate_import_test, no_tracking_converts_files_only_and_a_missing_table_marks_nothing) {
  fs::create_directories(project_ / "old" / "2024-01-02-030405_create_posts");
  old("2024-01-02-030405_create_posts/up.sql", "create table posts (id int);\n");
  old("2024-01-02-030405_create_posts/down.sql", "drop table posts;\n");
  cx().execute_script(
      "create table __diesel_schema_migrations (version varchar(50) primary key, run_on timestamp not null "
      "default now());\n"
      "insert into __diesel_schema_migrations (version) values ('20240102030405');");
  auto r = pgpx({"migrate", "import", "--from", "diesel", "old", "--no-tracking"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(migration_files(), (std::vector<std::string>{"20240102030405_create_posts.down.sql",
                                                         "20240102030405_create_posts.up.sql", "pgpx.sum"}));
  EXPECT_FALSE(tracking_exists());
  EXPECT_EQ(states(), (std::vector<std::string>{"20240102030405_create_posts:pending"}));
  // Into another directory, with the tool's table this time: diesel's row carried over.
  r = pgpx({"migrate", "import", "--from", "diesel", "old", "-d", "other"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "marked 20240102030405 applied")) << r.out;
  // Without the tool's table nothing is marked, and it says so.
  cx().execute_script("drop table __diesel_schema_migrations");
  r = pgpx({"migrate", "import", "--from", "diesel", "old", "-d", "third"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "no __diesel_schema_migrations table")) << r.err;
  EXPECT_FALSE(contains(r.out, "marked")) << r.out;
}

// The lock is taken before anything is written, also when no row is to be marked: a held lock
// is refused (exit 6, nothing written), and while import waits for it no file exists.
TEST_F(cli_migrate_import_test, the_migration_lock_is_taken_before_any_file_is_written) {
  old("1_a.up.sql", "create table a (id int);\n");
  old("2_b.up.sql", "create table b (id int);\n");
  pgpx::connection holder(conninfo());
  ASSERT_TRUE(holder.query_value<bool>(
      "select pg_try_advisory_lock(x'70677078'::int, hashtext(current_database() || '.' || 'pgpx'))"));
  // No schema_migrations table: nothing to mark, the files alone still wait for the lock.
  const auto r = pgpx({"--lock-timeout", "300ms", "migrate", "import", "--from", "golang-migrate", "old"});
  EXPECT_EQ(r.code, 6) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "migration lock")) << r.err;
  EXPECT_TRUE(migration_files().empty());
  // While it waits (it says so on stderr), the directory stays empty; once released, it imports.
  child waiting({"--url", conninfo().to_string(), "--lock-timeout", "10min", "migrate", "import", "--from",
                 "golang-migrate", "old"},
                project_, {});
  for (int i = 0; i < 6000 && !contains(waiting.err_so_far(), "waiting for the migration lock"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(contains(waiting.err_so_far(), "waiting for the migration lock")) << waiting.err_so_far();
  EXPECT_TRUE(migration_files().empty());
  holder.execute("select pg_advisory_unlock_all()");
  const auto done = waiting.wait(std::chrono::minutes(5));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->code, 0) << done->out << done->err;
  EXPECT_EQ(migration_files(), (std::vector<std::string>{"0001_a.up.sql", "0002_b.up.sql", "pgpx.sum"}));
}

// Flyway scans its locations recursively: subdirectories count, in version order across them.
TEST_F(cli_migrate_import_test, flyway_subdirectories_are_read_in_version_order_and_clashes_name_both) {
  old("V1__a.sql", "create table a (id int);\n");
  old("release2/V2__b.sql", "create table b (id int);\n");
  old("release1/deep/V1.5__c.sql", "create table c (id int);\n");
  old(".hidden/V9__x.sql", "not sql;\n");
  const auto r = pgpx({"migrate", "import", "--from", "flyway", "old", "--no-tracking", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& m : j["migrations"])
    names.push_back(m["tool_version"].get<std::string>() + ":" + m["name"].get<std::string>());
  EXPECT_EQ(names, (std::vector<std::string>{"1:0001_a", "1.5:0002_c", "2:0003_b"}));
  EXPECT_TRUE(contains(slurp_file(project_ / "migrations" / "0002_c.up.sql"), "create table c")) << r.out;
  // The same version in two subdirectories: refused naming both.
  old("release3/V2__again.sql", "select 1;\n");
  const auto clash = pgpx({"migrate", "import", "--from", "flyway", "old", "--no-tracking", "-d", "other"});
  EXPECT_EQ(clash.code, 2) << clash.out << clash.err;
  EXPECT_TRUE(contains(clash.err, "release2/V2__b.sql")) << clash.err;
  EXPECT_TRUE(contains(clash.err, "release3/V2__again.sql")) << clash.err;
  EXPECT_FALSE(fs::exists(project_ / "other"));
}

// goose: only Go files named like migrations are refused; the program around them is not.
TEST_F(cli_migrate_import_test, goose_refuses_go_migrations_only_and_notes_other_go_files) {
  old("00001_create_a.sql", "-- +goose Up\ncreate table a (id int);\n");
  old("main.go", "package main\n");
  old("helpers.go", "package main\n");
  old("00001_create_a_test.go", "package main\n");
  auto r = pgpx({"migrate", "import", "--from", "goose", "old", "--no-tracking"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "ignored old/main.go")) << r.err;
  EXPECT_TRUE(contains(r.err, "ignored old/helpers.go")) << r.err;
  EXPECT_EQ(migration_files(), (std::vector<std::string>{"0001_create_a.up.sql", "pgpx.sum"}));
  old("00002_add_x.go", "package main\n");
  r = pgpx({"migrate", "import", "--from", "goose", "old", "--no-tracking", "-d", "other"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "00002_add_x.go")) << r.err;
  EXPECT_TRUE(contains(r.err, "a Go migration")) << r.err;
  EXPECT_FALSE(fs::exists(project_ / "other"));
}

// Flyway placeholders: refused naming file, line and placeholder, unless given a value.
TEST_F(cli_migrate_import_test, flyway_placeholders_need_a_value_and_are_replaced_by_it) {
  old("V1__a.sql", "create table a (id int);\n");
  old("V2__grant.sql", "-- grants\ngrant select on a to ${reader};\ncomment on table a is '${flyway:user}';\n");
  auto r = pgpx({"migrate", "import", "--from", "flyway", "old", "--no-tracking"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "V2__grant.sql:2")) << r.err;
  EXPECT_TRUE(contains(r.err, "${reader}")) << r.err;
  EXPECT_TRUE(migration_files().empty());
  r = pgpx({"migrate", "import", "--from", "flyway", "old", "--no-tracking", "--placeholder", "reader=app_ro"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "V2__grant.sql:3")) << r.err;
  EXPECT_TRUE(contains(r.err, "${flyway:user}")) << r.err;
  EXPECT_TRUE(migration_files().empty());
  r = pgpx({"migrate", "import", "--from", "flyway", "old", "--no-tracking", "--placeholder", "reader=app_ro",
            "--placeholder", "flyway:user=owner"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto text = slurp_file(project_ / "migrations" / "0002_grant.up.sql");
  EXPECT_TRUE(contains(text, "grant select on a to app_ro;")) << text;
  EXPECT_TRUE(contains(text, "comment on table a is 'owner';")) << text;
  // Only flyway has placeholders; a malformed one is a usage error.
  EXPECT_EQ(pgpx({"migrate", "import", "--from", "goose", "old", "--placeholder", "a=b", "--no-tracking"}).code, 2);
  EXPECT_EQ(pgpx({"migrate", "import", "--from", "flyway", "old", "--placeholder", "novalue", "--no-tracking"}).code,
            2);
}

// A table of the tool's name without the tool's columns: named, exit 10, nothing written.
TEST_F(cli_migrate_import_test, a_tracking_table_without_the_tools_columns_is_named) {
  old("00001_create_a.sql", "-- +goose Up\ncreate table a (id int);\n");
  cx().execute_script(
      "create table goose_db_version (id serial primary key, version_id bigint not null, tstamp timestamp);\n"
      "insert into goose_db_version (version_id) values (1);");
  const auto r = pgpx({"migrate", "import", "--from", "goose", "old"});
  EXPECT_EQ(r.code, 10) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "goose_db_version has no column is_applied")) << r.err;
  EXPECT_TRUE(contains(r.err, "nothing was written")) << r.err;
  EXPECT_TRUE(migration_files().empty());
  EXPECT_FALSE(tracking_exists());
}

}  // namespace
}  // namespace pgpx::test::cli
