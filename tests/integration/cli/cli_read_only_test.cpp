// What `pgpx query` without --write promises (cli/read_only.hpp, docs/cli.md): the statement
// only reads. Every route to an effect is refused before anything is sent, and its effect is
// checked to be absent: no file on the server, no row, no table, no terminated session.
#include "cli_support.hpp"
#include "read_only.hpp"
#include "support/test_db.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;

class cli_read_only : public pgpx::test::db_test {
 protected:
  auto query(std::vector<std::string> args) -> run_result {
    return pgpx::test::cli::pgpx_query(conninfo().to_string(), std::move(args));
  }
  void expect_refused(const std::string& sql) {
    const auto r = query({sql});
    EXPECT_EQ(r.code, 9) << sql << "\n" << r.err;
    EXPECT_NE(r.err.find("read-only"), std::string::npos) << sql << "\n" << r.err;
    EXPECT_NE(r.err.find("--write"), std::string::npos) << sql << "\n" << r.err;
    EXPECT_EQ(r.out, "") << sql;
  }
};

TEST_F(cli_read_only, server_files_and_programs_are_out_of_reach) {
  cx().execute_script("create table t (a int); insert into t values (1)");
  const fs::path file = fs::temp_directory_path() / ("pgpx-ro-" + database_name());
  const fs::path marker = fs::temp_directory_path() / ("pgpx-ro-prog-" + database_name());
  fs::remove(file);
  fs::remove(marker);
  const std::string f = file.string();
  const std::string m = marker.string();
  for (const auto& sql : std::vector<std::string>{
           "COPY t TO '" + f + "'",
           "copy t to '" + f + "'",
           "CoPy (select 1) To '" + f + "'",
           "/* a comment first */ COPY t TO '" + f + "'",
           "-- a line comment\nCOPY t TO '" + f + "'",
           "  \n\tcopy (with x as (select 1) select * from x) to '" + f + "' (format csv)",
           "copy t to program 'touch " + m + "'",
           "COPY (SELECT 1) TO PROGRAM 'touch " + m + "'",
           "copy t from '/etc/hostname'",
           "copy t from program 'touch " + m + "'",
           "do $$ begin execute 'copy t to ''" + f + "'''; end $$",
           "DO LANGUAGE plpgsql $x$ BEGIN PERFORM 1; EXECUTE format('COPY t TO %L', '" + f + "'); END $x$",
           "create function pgpx_ro_f() returns void language plpgsql as $$ begin execute 'copy t to ''" + f +
               "'''; end $$",
           "select lo_export(lo_from_bytea(0, 'x'), '" + f + "')",
           "select pg_catalog.lo_import('/etc/hostname')",
           "select pg_read_file('/etc/hostname')",
           "select * from pg_ls_dir('.')",
           "select pg_stat_file('postgresql.conf')",
       }) {
    expect_refused(sql);
  }
  EXPECT_FALSE(fs::exists(file)) << "a server file was written";
  EXPECT_FALSE(fs::exists(marker)) << "a program ran on the server";
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 1);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pg_proc where proname = 'pgpx_ro_f'"), 0);
  // With --write the user takes responsibility: the same COPY runs.
  const auto w = query({"select 1 as x", "--write"});
  EXPECT_EQ(w.code, 0) << w.err;
  cx().execute_script("copy t to '" + f + "'");  // the route works at all (the test is not vacuous)
  EXPECT_TRUE(fs::exists(file));
  fs::remove(file);
}

TEST_F(cli_read_only, admin_and_session_functions_are_refused_wherever_they_are_called) {
  pgpx::connection victim{conninfo()};
  const auto pid = std::to_string(victim.backend_pid());
  for (const auto& sql : std::vector<std::string>{
           "select pg_terminate_backend(" + pid + ")",
           "SELECT PG_TERMINATE_BACKEND(" + pid + ")",
           "select \"pg_terminate_backend\"(" + pid + ")",
           "select pg_catalog.pg_terminate_backend(" + pid + ")",
           "select * from pg_terminate_backend(" + pid + ")",
           "select 1 where exists (select pg_terminate_backend(" + pid + "))",
           "with x as (select pg_terminate_backend(pid) from pg_stat_activity where pid = " + pid + ") select * from x",
           "select coalesce(null, pg_terminate_backend(" + pid + "))",
           "select case when true then pg_cancel_backend(" + pid + ") end",
           "select pg_terminate_backend(pid) from pg_stat_activity where pid = " + pid,
           "explain analyze select pg_terminate_backend(" + pid + ")",
           "select array[pg_terminate_backend(" + pid + ")]",
           "select pg_reload_conf()",
           "select pg_rotate_logfile()",
           "select set_config('default_transaction_read_only', 'off', false)",
           "select pg_advisory_lock(1)",
           "select pg_notify('c', 'x')",
           "select pg_create_restore_point('x')",
           "select pg_stat_reset()",
           "select dblink_exec('host=x', 'drop table t')",
           "select public.dblink('host=x', 'select 1')",
       }) {
    expect_refused(sql);
    ASSERT_NO_THROW((void)victim.query_value<int>("select 1")) << "the victim session was terminated by: " << sql;
  }
}

TEST_F(cli_read_only, writes_transaction_control_and_session_changes_are_refused) {
  cx().execute_script("create table t (a int); insert into t values (1)");
  for (const auto& sql : std::vector<std::string>{
           "insert into t values (2)",
           "with x as (insert into t values (2) returning *) select * from x",
           "with x as (delete from t returning *) select count(*) from x",
           "WITH RECURSIVE r AS (SELECT 1) , d AS (UPDATE t SET a = 5 RETURNING a) SELECT * FROM d",
           "select * into t2 from t",
           "create table t2 as select * from t",
           "select 1; commit; insert into t values (2)",
           "commit",
           "begin read write",
           "set transaction read write",
           "set default_transaction_read_only = off",
           "reset all",
           "set session characteristics as transaction read write",
           "truncate t",
           "vacuum t",
           "checkpoint",
           "lock t",
           "notify c",
           "prepare p as insert into t values (2)",
           "call p()",
           "drop table t",
           "grant all on t to public",
           "merge into t using (select 1 as a) s on false when not matched then insert values (2)",
       }) {
    expect_refused(sql);
  }
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 1);
  EXPECT_EQ(cx().query_value<std::int64_t>("select sum(a) from t"), 1);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pg_class where relname = 't2'"), 0);
}

TEST_F(cli_read_only, reads_still_run_and_the_server_refuses_writes_hidden_in_functions) {
  cx().execute_script(
      "create table t (a int); insert into t values (1), (2);"
      "create function sneaky() returns int language sql volatile as 'insert into t values (99) returning 1'");
  for (const auto& sql : std::vector<std::string>{
           "select count(*) as n from t", "with x as (select a from t) select count(*) as n from x", "values (1), (2)",
           "table t", "show work_mem", "explain select * from t", "explain analyze select * from t",
           "select pg_sleep(0), now(), version()", "(select 1) union all (select 2)"}) {
    const auto r = query({sql});
    EXPECT_EQ(r.code, 0) << sql << "\n" << r.err;
  }
  // A write inside a user function: invisible to the parser check, refused by the server's
  // READ ONLY transaction (the second layer).
  const auto r = query({"select sneaky()"});
  EXPECT_EQ(r.code, 9) << r.err;
  EXPECT_NE(r.err.find("read-only"), std::string::npos) << r.err;
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t where a = 99"), 0);
  // A syntax error is reported like the server's, with its position.
  const auto e = query({"selec 1"});
  EXPECT_EQ(e.code, 9);
  EXPECT_NE(e.err.find("42601"), std::string::npos) << e.err;
}

// The checker alone, on the forms a parse tree can take.
TEST(cli_read_only_check, positions_and_reasons) {
  using pgpx::cli::check_read_only;
  EXPECT_FALSE(check_read_only("select 1"));
  EXPECT_FALSE(check_read_only("select $1::int"));
  auto r = check_read_only("select 1, pg_terminate_backend(2)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->position, 11);
  EXPECT_NE(r->reason.find("pg_terminate_backend"), std::string::npos);
  r = check_read_only("selec 1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->syntax_error);
  EXPECT_EQ(r->position, 1);
  EXPECT_TRUE(check_read_only(""));
  EXPECT_TRUE(check_read_only("-- only a comment"));
}

}  // namespace
