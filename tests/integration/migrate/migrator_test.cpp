// Applying, rolling back and inspecting migrations against the server
// (pgpx/migrate/migrator.hpp): the tracking tables, the advisory lock, transactions and
// no-transaction progress, refusals (checksum drift, out of order, missing, partial,
// irreversible), dry runs and the per-migration lock_timeout / statement_timeout.
#include <pgpx/core/connection.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/migrate/checksum.hpp>
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/migrate/sum_file.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/pool/pool.hpp>

#include "support/test_db.hpp"
#include "support/time_factor.hpp"
#include "unit/migrate/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace {

namespace mg = pgpx::migrate;
using namespace std::chrono_literals;

class migrator : public pgpx::test::db_test {
 protected:
  void write(const std::string& name, const std::string& sql) const { dir_.write(name, sql); }
  void remove(const std::string& name) const { std::filesystem::remove(dir_.path() / name); }
  [[nodiscard]] auto dir() const -> const std::filesystem::path& { return dir_.path(); }

  // A down file that drops what its up file created, saying so (rollback lints down files
  // for data loss and refuses a DROP TABLE without this).
  static auto undo(const std::string& sql) -> std::string {
    return "-- pgpx: lint-ignore=DS101 reason=\"undoes its up file\"\n" + sql;
  }
  // Three reversible migrations creating tables a, b, c.
  void write_abc() const {
    write("0001_a.up.sql", "create table a (x int);");
    write("0001_a.down.sql", undo("drop table a;"));
    write("0002_b.up.sql", "create table b (x int);\ninsert into b values (1);");
    write("0002_b.down.sql", undo("drop table b;"));
    write("0003_c.up.sql", "create table c (x int);");
    write("0003_c.down.sql", undo("drop table c;"));
  }

  auto table_exists(const std::string& name) -> bool {
    return cx().query_value<bool>("select to_regclass($1) is not null", name);
  }
  auto applied_versions(const std::string& schema = "pgpx") -> std::vector<std::string> {
    return cx().query<std::string>("select version from " + pgpx::quote_qualified({schema, "schema_migrations"}) +
                                   " order by version");
  }
  auto log_count(const std::string& action, const std::string& outcome) -> std::int64_t {
    return cx().query_value<std::int64_t>("select count(*) from pgpx.migration_log where action = $1 and outcome = $2",
                                          action, outcome);
  }
  auto schema_exists(const std::string& name) -> bool {
    return cx().query_value<bool>("select exists (select 1 from pg_namespace where nspname = $1)", name);
  }
  // Runs `fn`, which must throw migration_error; returns it.
  template <class F>
  static auto refused(F&& fn) -> mg::migration_error {
    try {
      fn();
    } catch (const mg::migration_error& e) {
      return e;
    }
    ADD_FAILURE() << "no migration_error";
    return mg::migration_error(mg::failure::statement_failed, "", "none");
  }
  auto find(const mg::status_report& r, const std::string& version) -> mg::status_entry {
    for (const auto& e : r.entries)
      if (e.version == version) return e;
    ADD_FAILURE() << "no status entry for " << version;
    return {};
  }

  pgpx::migrate::test::temp_dir dir_;
};

auto contains(const std::string& text, const std::string& part) -> bool { return text.find(part) != std::string::npos; }

// A session holding the migration lock of `schema` in the database of `info`, as a
// concurrent applier would, with its own application_name.
auto hold_lock(pgpx::conninfo info, const std::string& schema = "pgpx") -> pgpx::connection {
  info.set("application_name", "other-migrator");
  pgpx::connection holder{info};
  // The comment stands for a holder busy with a statement that holds a secret.
  holder.execute(
      "select pg_advisory_lock(1885827192, hashtext(current_database() || '.' || $1)) -- password 'hunter2-lock'",
      schema);
  return holder;
}

TEST_F(migrator, applies_a_fresh_directory_and_creates_the_tracking_tables) {
  write_abc();
  const auto r = mg::apply(cx(), dir());
  ASSERT_EQ(r.migrations.size(), 3U);
  EXPECT_EQ(r.migrations[0].name, "0001_a");
  EXPECT_EQ(r.migrations[2].file, "0003_c.up.sql");
  EXPECT_FALSE(r.dry_run);
  EXPECT_TRUE(table_exists("a") && table_exists("b") && table_exists("c"));
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_EQ(log_count("up", "ok"), 3);
  EXPECT_EQ(cx().query_value<std::string>("select value from pgpx.meta where key = 'schema_version'"), "1");
  EXPECT_EQ(cx().query_value<std::string>("select checksum from pgpx.schema_migrations where version = '0002'"),
            mg::checksum("create table b (x int);\ninsert into b values (1);"));
  EXPECT_EQ(cx().query_value<std::string>("select status from pgpx.schema_migrations where version = '0002'"),
            "applied");
  EXPECT_EQ(cx().query_value<std::string>("select applied_by from pgpx.schema_migrations where version = '0001'"),
            cx().query_value<std::string>("select current_user::text"));
  // The lock was released: another session takes it at once.
  pgpx::connection other{conninfo()};
  EXPECT_TRUE(other.query_value<bool>(
      "select pg_try_advisory_lock(1885827192, hashtext(current_database() || '.' || 'pgpx'))"));
}

TEST_F(migrator, re_applying_is_a_no_op_and_new_files_apply_after) {
  write_abc();
  static_cast<void>(mg::apply(cx(), dir()));
  const auto again = mg::apply(cx(), dir());
  EXPECT_TRUE(again.migrations.empty());
  EXPECT_EQ(log_count("up", "ok"), 3);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from b"), 1);  // not inserted twice
  write("0004_d.up.sql", "create table d (x int);");
  const auto more = mg::apply(cx(), dir());
  ASSERT_EQ(more.migrations.size(), 1U);
  EXPECT_EQ(more.migrations[0].version, "0004");
}

TEST_F(migrator, a_failing_migration_rolls_back_its_changes_and_its_tracking_row) {
  write_abc();
  write("0002_b.up.sql", "create table b (x int);\ninsert into b values (1);\nselect 1 / 0;");
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::statement_failed);
  EXPECT_EQ(e.kind(), pgpx::error_kind::migration);
  EXPECT_EQ(e.version(), "0002");
  EXPECT_EQ(e.sqlstate(), "22012");
  EXPECT_TRUE(contains(e.message(), "0002_b.up.sql")) << e.message();
  EXPECT_TRUE(contains(e.message(), "division by zero")) << e.message();
  EXPECT_TRUE(table_exists("a"));   // the earlier one stays
  EXPECT_FALSE(table_exists("b"));  // its own changes are gone
  EXPECT_FALSE(table_exists("c"));  // later ones did not run
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
  EXPECT_EQ(log_count("up", "failed"), 1);  // the audit keeps the attempt
  // The lock was released on the error path.
  pgpx::connection other{conninfo()};
  EXPECT_TRUE(other.query_value<bool>(
      "select pg_try_advisory_lock(1885827192, hashtext(current_database() || '.' || 'pgpx'))"));
  other.close();
  // Fixed, the same directory applies the rest.
  write("0002_b.up.sql", "create table b (x int);\ninsert into b values (1);");
  EXPECT_EQ(mg::apply(cx(), dir()).migrations.size(), 2U);
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
}

TEST_F(migrator, a_failing_tracking_write_is_not_possible_without_the_migration_and_vice_versa) {
  // A migration that deletes its own (future) tracking row's table cannot leave the schema
  // changed without a row: everything is one transaction.
  write("0001_a.up.sql", "create table a (x int);\ndrop table pgpx.migration_log;");
  // The log is empty yet, so lint only warns about the DROP TABLE; the run itself fails.
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::statement_failed);
  EXPECT_FALSE(table_exists("a"));
  EXPECT_TRUE(table_exists("pgpx.migration_log"));
  EXPECT_TRUE(applied_versions().empty());
}

TEST_F(migrator, checksum_drift_of_an_applied_file_is_refused_naming_the_file) {
  write_abc();
  static_cast<void>(mg::apply(cx(), dir()));
  write("0002_b.up.sql", "create table b (x int, y int);");
  write("0004_d.up.sql", "create table d (x int);");
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::checksum_mismatch);
  EXPECT_EQ(e.version(), "0002");
  EXPECT_TRUE(contains(e.message(), (dir() / "0002_b.up.sql").string())) << e.message();
  EXPECT_TRUE(contains(e.message(), "changed since it was applied")) << e.message();
  EXPECT_FALSE(table_exists("d"));  // validation comes before anything runs
  // Whitespace normalisation is not drift: CRLF and a trailing newline keep the checksum.
  write("0002_b.up.sql", "create table b (x int);\r\ninsert into b values (1);\n\n");
  EXPECT_EQ(mg::apply(cx(), dir()).migrations.size(), 1U);
  // allow_modified accepts it with a warning.
  write("0001_a.up.sql", "create table a (x int, z int);");
  write("0005_e.up.sql", "create table e (x int);");
  mg::apply_options o;
  o.allow_modified = true;
  const auto r = mg::apply(cx(), dir(), o);
  ASSERT_EQ(r.migrations.size(), 1U);
  ASSERT_EQ(r.warnings.size(), 1U);
  EXPECT_TRUE(contains(r.warnings[0], "0001_a.up.sql")) << r.warnings[0];
  // Or the edit is accepted for good by marking the migration applied again (audited).
  EXPECT_EQ(find(mg::status(cx(), dir()), "0001").state, mg::state::modified);
  mg::mark(cx(), dir(), "0001", true, "reformatted only");
  EXPECT_EQ(find(mg::status(cx(), dir()), "0001").state, mg::state::applied);
  EXPECT_TRUE(mg::apply(cx(), dir()).warnings.empty());
}

TEST_F(migrator, an_out_of_order_pending_file_is_refused_unless_allowed) {
  write("0001_a.up.sql", "create table a (x int);");
  write("0003_c.up.sql", "create table c (x int);");
  static_cast<void>(mg::apply(cx(), dir()));
  write("0002_b.up.sql", "create table b (x int);");
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::out_of_order);
  EXPECT_EQ(mg::to_string(e.reason()), "out_of_order");
  EXPECT_EQ(e.version(), "0002");
  EXPECT_TRUE(contains(e.message(), "0002_b is older than already-applied 0003_c (applied ")) << e.message();
  EXPECT_TRUE(contains(e.message(), "allow-out-of-order")) << e.message();
  EXPECT_FALSE(table_exists("b"));
  EXPECT_TRUE(find(mg::status(cx(), dir()), "0002").out_of_order);
  mg::apply_options o;
  o.allow_out_of_order = true;
  const auto r = mg::apply(cx(), dir(), o);
  ASSERT_EQ(r.migrations.size(), 1U);
  EXPECT_EQ(r.warnings.size(), 1U);
  EXPECT_TRUE(table_exists("b"));
}

TEST_F(migrator, a_directory_that_differs_from_its_sum_file_is_refused) {
  write_abc();
  mg::write_sum(dir());
  mg::apply_options first;
  first.target = "0001";
  EXPECT_EQ(mg::apply(cx(), dir(), first).migrations.size(), 1U);
  write("0003_c.up.sql", "create table c (x int, y int);");  // a pending file, edited
  write("0004_d.up.sql", "create table d (x int);");         // and one added, sum not rewritten
  auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::sum_mismatch);
  EXPECT_TRUE(contains(e.message(), "0003_c.up.sql: modified")) << e.message();
  EXPECT_TRUE(contains(e.message(), "0004_d.up.sql: added")) << e.message();
  EXPECT_EQ(applied_versions().size(), 1U);
  EXPECT_EQ(refused([&] { static_cast<void>(mg::rollback(cx(), dir())); }).reason(), mg::failure::sum_mismatch);
  EXPECT_TRUE(table_exists("a"));
  mg::write_sum(dir());
  EXPECT_EQ(mg::apply(cx(), dir()).migrations.size(), 3U);
  // The check can be turned off; a directory without pgpx.sum is not checked.
  write("0005_e.up.sql", "create table e (x int);");
  mg::apply_options unchecked;
  unchecked.check_sum_file = false;
  EXPECT_EQ(mg::apply(cx(), dir(), unchecked).migrations.size(), 1U);
  remove("pgpx.sum");
  write("0006_f.up.sql", "create table f (x int);");
  EXPECT_EQ(mg::apply(cx(), dir()).migrations.size(), 1U);
}

TEST_F(migrator, an_applied_migration_whose_file_is_gone_is_refused_unless_allowed) {
  write_abc();
  static_cast<void>(mg::apply(cx(), dir()));
  remove("0002_b.up.sql");
  remove("0002_b.down.sql");
  write("0004_d.up.sql", "create table d (x int);");
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::missing_file);
  EXPECT_TRUE(contains(e.message(), "0002_b is recorded as applied")) << e.message();
  EXPECT_FALSE(table_exists("d"));
  mg::apply_options o;
  o.allow_missing = true;
  EXPECT_EQ(mg::apply(cx(), dir(), o).migrations.size(), 1U);
}

TEST_F(migrator, a_second_applier_waits_for_the_lock_and_never_applies_twice) {
  write("0001_slow.up.sql", "select pg_sleep(0.5);\ncreate table a (x int);");
  write("0002_b.up.sql", "create table b (x int);\ninsert into b values (1);");
  std::atomic<int> applied{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      try {
        mg::apply_options o;
        o.lock_wait = pgpx::test::budget(30s);
        o.lock_poll = 20ms;
        applied += static_cast<int>(mg::apply(conninfo(), dir(), o).migrations.size());
      } catch (const std::exception& e) {
        ++errors;
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(applied.load(), 2);  // each migration applied by exactly one of them
  EXPECT_EQ(log_count("up", "ok"), 2);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from b"), 1);
}

TEST_F(migrator, a_lock_held_past_lock_wait_fails_naming_the_holder) {
  write_abc();
  auto holder = hold_lock(conninfo());
  mg::apply_options o;
  o.lock_wait = 300ms;
  const auto t0 = std::chrono::steady_clock::now();
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir(), o)); });
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  EXPECT_LE(std::chrono::steady_clock::now() - t0, pgpx::test::budget(5s));
  EXPECT_EQ(e.reason(), mg::failure::lock_timeout);
  EXPECT_TRUE(contains(e.message(), "pid " + std::to_string(holder.backend_pid()))) << e.message();
  EXPECT_TRUE(contains(e.message(), "other-migrator")) << e.message();
  EXPECT_TRUE(contains(e.message(), "pg_advisory_lock")) << e.message();
  EXPECT_FALSE(contains(e.what(), "hunter2")) << e.what();  // the holder's query is redacted
  EXPECT_FALSE(schema_exists("pgpx"));  // nothing ran
  // Another schema has another lock.
  mg::apply_options other;
  other.schema = "app_migrations";
  other.lock_wait = 300ms;
  EXPECT_EQ(mg::apply(cx(), dir(), other).migrations.size(), 3U);
  // Released by the holder, the run proceeds (against the default schema; tables exist, so
  // create table a fails: a second schema is a second, independent history).
  holder.close();
  o.lock_wait = 5s;
  const auto again = refused([&] { static_cast<void>(mg::apply(cx(), dir(), o)); });
  EXPECT_EQ(again.reason(), mg::failure::statement_failed);
  EXPECT_EQ(again.sqlstate(), "42P07");
}

TEST_F(migrator, every_verb_that_writes_the_history_waits_for_the_lock) {
  // apply is above; baseline, mark, mark_applied, repair and rollback write the history too,
  // and each must be refused while another migrator holds the lock, with nothing written.
  write_abc();
  static_cast<void>(mg::apply(cx(), dir(), {}));
  static_cast<void>(mg::rollback(cx(), dir(), {.steps = 3}));  // the tracking tables exist, nothing applied
  const auto rows = [&] { return cx().query_value<std::int64_t>("select count(*) from pgpx.schema_migrations"); };
  const auto logs = [&] { return cx().query_value<std::int64_t>("select count(*) from pgpx.migration_log"); };
  const std::int64_t rows_before = rows();
  const std::int64_t logs_before = logs();
  auto holder = hold_lock(conninfo());
  mg::run_options o;
  o.lock_wait = 200ms;
  const std::vector<std::pair<std::string, std::function<void()>>> verbs{
      {"baseline", [&] { static_cast<void>(mg::baseline(cx(), dir(), "0002", "adopt", o)); }},
      {"mark", [&] { mg::mark(cx(), dir(), "0001", true, "by hand", o); }},
      {"mark_applied", [&] { static_cast<void>(mg::mark_applied(cx(), dir(), {"0001"}, "import", o)); }},
      {"repair", [&] { static_cast<void>(mg::repair(cx(), dir(), {.clear_failed = true, .reason = "r"}, o)); }},
      {"rollback", [&] { static_cast<void>(mg::rollback(cx(), dir(), {.lock_wait = 200ms})); }},
  };
  for (const auto& [name, run] : verbs) {
    const auto e = refused(run);
    EXPECT_EQ(e.reason(), mg::failure::lock_timeout) << name << ": " << e.message();
  }
  EXPECT_EQ(rows(), rows_before);
  EXPECT_EQ(logs(), logs_before);
  holder.close();
  EXPECT_EQ(mg::baseline(cx(), dir(), "0002", "adopt", o), (std::vector<std::string>{"0001", "0002"}));
}

TEST_F(migrator, a_run_whose_lock_connection_ends_stops_before_the_next_migration) {
  write("0001_a.up.sql", "create table a (x int);\nselect pg_sleep(1);");
  write("0002_b.up.sql", "create table b (x int);");
  std::thread killer([info = conninfo()] {
    if (!pgpx::test::wait_until_running(info, "create table a (x int);\nselect pg_sleep(1);")) {
      ADD_FAILURE() << "0001 never ran";
      return;
    }
    pgpx::connection k{info};
    k.execute(
        "select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and classid = 1885827192 "
        "and database = (select oid from pg_database where datname = current_database())");
  });
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  killer.join();
  EXPECT_EQ(e.reason(), mg::failure::lock_lost);
  EXPECT_TRUE(contains(e.message(), "lost")) << e.message();
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));  // the one running finished
  EXPECT_FALSE(table_exists("b"));
  EXPECT_EQ(mg::apply(cx(), dir()).migrations.size(), 1U);
}

TEST_F(migrator, a_waiting_applier_is_told_who_holds_the_lock_then_proceeds_when_released) {
  write_abc();
  auto holder = hold_lock(conninfo());
  std::vector<std::string> told;
  mg::apply_options o;
  o.lock_wait = pgpx::test::budget(20s);
  o.lock_poll = 20ms;
  o.on_lock_wait = [&](const std::string& text) {
    told.push_back(text);
    holder.close();  // released while the applier waits
  };
  EXPECT_EQ(mg::apply(cx(), dir(), o).migrations.size(), 3U);
  ASSERT_EQ(told.size(), 1U);
  EXPECT_TRUE(contains(told[0], "other-migrator")) << told[0];
  EXPECT_TRUE(contains(told[0], "waiting up to")) << told[0];
  EXPECT_FALSE(contains(told[0], "hunter2")) << told[0];
}

TEST_F(migrator, a_no_transaction_file_failing_midway_records_partial_state_and_later_runs_refuse) {
  write("0001_a.up.sql", "create table t (x int);");
  write("0002_idx.up.sql",
        "-- pgpx: no-transaction\n"
        "create index concurrently t_x on t (x);\n"
        "create table n1 (x int);\n"
        "select 1 / 0;\n"
        "create table n2 (x int);\n");
  write("0003_c.up.sql", "create table c (x int);");
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::statement_failed);
  EXPECT_EQ(e.sqlstate(), "22012");
  EXPECT_TRUE(contains(e.message(), "statement 3 of 4 (line 4)")) << e.message();
  EXPECT_TRUE(contains(e.message(), "partial")) << e.message();
  EXPECT_TRUE(table_exists("t_x"));  // CONCURRENTLY ran outside a transaction
  EXPECT_TRUE(table_exists("n1"));
  EXPECT_FALSE(table_exists("n2"));
  EXPECT_FALSE(table_exists("c"));
  const auto st = find(mg::status(cx(), dir()), "0002");
  EXPECT_EQ(st.state, mg::state::partial);
  EXPECT_EQ(st.statements_done, 2);
  EXPECT_EQ(st.statements_total, 4);
  EXPECT_TRUE(contains(st.error, "division by zero")) << st.error;
  // The next apply refuses clearly instead of re-running the first statements.
  write("0002_idx.up.sql",
        "-- pgpx: no-transaction\n"
        "create index concurrently t_x on t (x);\n"
        "create table n1 (x int);\n"
        "create table n2 (x int);\n");
  const auto d = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(d.reason(), mg::failure::dirty_state);
  EXPECT_EQ(d.version(), "0002");
  EXPECT_TRUE(contains(d.message(), "0002_idx is recorded as partial (2 of 4 statements")) << d.message();
  EXPECT_TRUE(contains(d.message(), "mark")) << d.message();
  EXPECT_FALSE(table_exists("c"));
  // So does rollback.
  EXPECT_EQ(refused([&] { static_cast<void>(mg::rollback(cx(), dir())); }).reason(), mg::failure::dirty_state);
  // Finished by hand and marked, the rest applies.
  cx().execute("create table n2 (x int)");
  mg::mark(cx(), dir(), "0002", true, "finished by hand");
  EXPECT_EQ(log_count("mark", "applied"), 1);
  const auto r = mg::apply(cx(), dir());
  ASSERT_EQ(r.migrations.size(), 1U);
  EXPECT_EQ(r.migrations[0].version, "0003");
  EXPECT_EQ(find(mg::status(cx(), dir()), "0002").state, mg::state::applied);
}

TEST_F(migrator, resume_continues_a_partial_migration_from_its_first_statement_not_done) {
  write(
      "0001_x.up.sql",
      "-- pgpx: no-transaction\ncreate table n1 (x int);\ninsert into needed values (1);\ncreate table n2 (x int);\n");
  write("0002_y.up.sql", "create table y (x int);");
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir())); }).sqlstate(), "42P01");
  // Without resume: refused, and the message offers it.
  auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::dirty_state);
  EXPECT_TRUE(contains(e.message(), "continue from statement 2 with apply_options::resume")) << e.message();
  // The cause fixed outside, resume runs statements 2 and 3 only (statement 1 again would fail:
  // n1 exists), then the rest.
  cx().execute("create table needed (x int)");
  mg::apply_options dry;
  dry.resume = true;
  dry.dry_run = true;
  auto r = mg::apply(cx(), dir(), dry);
  ASSERT_EQ(r.migrations.size(), 2U);
  EXPECT_EQ(r.migrations[0].statements_skipped, 1);
  EXPECT_EQ(find(mg::status(cx(), dir()), "0001").state, mg::state::partial);
  mg::apply_options o;
  o.resume = true;
  r = mg::apply(cx(), dir(), o);
  ASSERT_EQ(r.migrations.size(), 2U);
  EXPECT_EQ(r.migrations[0].version, "0001");
  EXPECT_EQ(r.migrations[0].statements_skipped, 1);
  EXPECT_EQ(r.migrations[1].version, "0002");
  EXPECT_TRUE(table_exists("n2") && table_exists("y"));
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from needed"), 1);
  const auto st = find(mg::status(cx(), dir()), "0001");
  EXPECT_EQ(st.state, mg::state::applied);
  EXPECT_EQ(st.statements_done, 3);
  EXPECT_TRUE(st.error.empty());
}

TEST_F(migrator, resume_refuses_a_partial_migration_whose_file_changed) {
  write("0001_x.up.sql",
        "-- pgpx: no-transaction\ncreate table n1 (x int);\nselect 1 / 0;\ncreate table n2 (x int);\n");
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir())); }).sqlstate(), "22012");
  write("0001_x.up.sql", "-- pgpx: no-transaction\ncreate table n1 (x int);\ncreate table n2 (x int);\n");
  mg::apply_options o;
  o.resume = true;
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir(), o)); });
  EXPECT_EQ(e.reason(), mg::failure::dirty_state);
  EXPECT_TRUE(contains(e.message(), "the file changed since")) << e.message();
  EXPECT_FALSE(table_exists("n2"));
}

TEST_F(migrator, a_no_transaction_file_failing_at_its_first_statement_is_recorded_failed) {
  write("0001_x.up.sql", "-- pgpx: no-transaction\nselect * from nope;\ncreate table a (x int);\n");
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir())); }).sqlstate(), "42P01");
  EXPECT_EQ(find(mg::status(cx(), dir()), "0001").state, mg::state::failed);
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir())); }).reason(), mg::failure::dirty_state);
  mg::mark(cx(), dir(), "0001", false, "nothing ran", {.dry_run = true});  // validates only
  EXPECT_EQ(find(mg::status(cx(), dir()), "0001").state, mg::state::failed);
  EXPECT_EQ(refused([&] { mg::mark(cx(), dir(), "0009", false, "no such"); }).reason(), mg::failure::unknown_version);
  mg::mark(cx(), dir(), "0001", false, "nothing ran");
  EXPECT_EQ(cx().query_value<std::string>("select reason from pgpx.migration_log where action = 'mark'"),
            "nothing ran");
  write("0001_x.up.sql", "-- pgpx: no-transaction\ncreate table a (x int);\n");
  EXPECT_EQ(mg::apply(cx(), dir()).migrations.size(), 1U);
  EXPECT_TRUE(table_exists("a"));
  EXPECT_EQ(cx().query_value<std::int32_t>("select statements_done from pgpx.schema_migrations"), 1);
  // The session's own settings are back after the file's (session-level) timeouts.
  EXPECT_EQ(cx().query_value<std::string>("select current_setting('lock_timeout')"), "0");
}

// Terminates (from another session) the backend running `sql` in this test's database, once
// it runs.
auto terminate_when_running(const pgpx::conninfo& info, const std::string& sql) -> std::thread {
  return std::thread([info, sql] {
    if (!pgpx::test::wait_until_running(info, sql)) {
      ADD_FAILURE() << "never saw " << sql;
      return;
    }
    pgpx::connection k{info};
    k.execute(
        "select pg_terminate_backend(pid) from pg_stat_activity where query = $1 and datname = current_database()",
        sql);
  });
}

TEST_F(migrator, a_no_transaction_run_cut_off_mid_statement_leaves_its_progress_on_record) {
  write("0001_x.up.sql",
        "-- pgpx: no-transaction\ncreate table n1 (x int);\nselect pg_sleep(30);\ncreate table n2 (x int);\n");
  auto killer = terminate_when_running(conninfo(), "select pg_sleep(30)");
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(static_cast<void>(mg::apply(conninfo(), dir())), pgpx::error);
  killer.join();
  EXPECT_LE(std::chrono::steady_clock::now() - t0, pgpx::test::budget(15s));
  const auto st = find(mg::status(cx(), dir()), "0001");
  EXPECT_EQ(st.state, mg::state::partial);
  EXPECT_EQ(st.statements_done, 1);
  EXPECT_EQ(st.statements_total, 3);
  EXPECT_TRUE(table_exists("n1"));
  EXPECT_FALSE(table_exists("n2"));
  // The next run (the lock was released) refuses, saying the run was interrupted.
  mg::apply_options o;
  o.lock_wait = 2s;
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir(), o)); });
  EXPECT_EQ(e.reason(), mg::failure::dirty_state);
  EXPECT_TRUE(contains(e.message(), "1 of 3 statements")) << e.message();
  EXPECT_TRUE(contains(e.message(), "interrupted")) << e.message();
}

TEST_F(migrator, a_transactional_run_cut_off_mid_statement_leaves_nothing) {
  write("0001_a.up.sql", "create table a (x int);");
  write("0002_x.up.sql", "create table n1 (x int);\nselect pg_sleep(31);");
  auto killer = terminate_when_running(conninfo(), "create table n1 (x int);\nselect pg_sleep(31);");
  EXPECT_THROW(static_cast<void>(mg::apply(conninfo(), dir())), pgpx::error);
  killer.join();
  EXPECT_TRUE(table_exists("a"));
  EXPECT_FALSE(table_exists("n1"));
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
  write("0002_x.up.sql", "create table n1 (x int);");
  mg::apply_options o;
  o.lock_wait = 2s;
  EXPECT_EQ(mg::apply(cx(), dir(), o).migrations.size(), 1U);
}

TEST_F(migrator, rollback_reverses_in_order_by_steps_and_to_a_version) {
  write_abc();
  write("0004_d.up.sql", "create table d (x int);");
  write("0004_d.down.sql", "-- pgpx: no-transaction\n" + undo("drop table d;"));
  static_cast<void>(mg::apply(cx(), dir()));
  auto r = mg::rollback(cx(), dir());  // one step by default
  ASSERT_EQ(r.migrations.size(), 1U);
  EXPECT_EQ(r.migrations[0].file, "0004_d.down.sql");
  EXPECT_FALSE(table_exists("d"));
  r = mg::rollback(cx(), dir(), {.steps = 2});
  ASSERT_EQ(r.migrations.size(), 2U);
  EXPECT_EQ(r.migrations[0].version, "0003");
  EXPECT_EQ(r.migrations[1].version, "0002");
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
  EXPECT_FALSE(table_exists("b") || table_exists("c"));
  EXPECT_EQ(cx().query<std::string>("select version from pgpx.migration_log where action = 'down' order by id"),
            (std::vector<std::string>{"0004", "0003", "0002"}));
  static_cast<void>(mg::apply(cx(), dir()));
  mg::rollback_options to;
  to.target = "0002";
  r = mg::rollback(cx(), dir(), to);
  EXPECT_EQ(r.migrations.size(), 2U);
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
  to.target = "0";
  r = mg::rollback(cx(), dir(), to);
  EXPECT_EQ(r.migrations.size(), 2U);
  EXPECT_TRUE(applied_versions().empty());
  EXPECT_FALSE(table_exists("a"));
  to.target = "0099";
  EXPECT_EQ(refused([&] { static_cast<void>(mg::rollback(cx(), dir(), to)); }).reason(), mg::failure::unknown_version);
}

TEST_F(migrator, rollback_through_an_irreversible_migration_is_refused_and_changes_nothing) {
  write_abc();
  remove("0002_b.down.sql");
  static_cast<void>(mg::apply(cx(), dir()));
  mg::rollback_options o;
  o.steps = 2;
  const auto e = refused([&] { static_cast<void>(mg::rollback(cx(), dir(), o)); });
  EXPECT_EQ(e.reason(), mg::failure::irreversible);
  EXPECT_EQ(e.version(), "0002");
  EXPECT_TRUE(contains(e.message(), "0002_b")) << e.message();
  EXPECT_TRUE(contains(e.message(), "revert_b")) << e.message();
  EXPECT_TRUE(table_exists("c"));  // 0003 was not rolled back either
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_EQ(log_count("down", "ok"), 0);
  // A failing down file rolls back its own transaction and keeps the row.
  write("0003_c.down.sql", undo("drop table c;\nselect 1 / 0;"));
  o.steps = 1;
  EXPECT_EQ(refused([&] { static_cast<void>(mg::rollback(cx(), dir(), o)); }).reason(), mg::failure::statement_failed);
  EXPECT_TRUE(table_exists("c"));
  EXPECT_EQ(applied_versions().size(), 3U);
}

TEST_F(migrator, status_reports_every_state) {
  write("0001_a.up.sql", "create table a (x int);");
  write("0002_b.up.sql", "create table b (x int);");
  write("0003_gone.up.sql", "create table g (x int);");
  write("0004_p.up.sql", "-- pgpx: no-transaction\ncreate table p (x int);\nselect 1 / 0;");
  write("0006_dev.up.sql", "-- pgpx: env=dev\ncreate table devdata (x int);");
  // Without tracking tables, everything is pending and nothing is created.
  auto s = mg::status(cx(), dir());
  ASSERT_EQ(s.entries.size(), 5U);
  EXPECT_TRUE(s.entries[0].state == mg::state::pending && s.entries[4].state == mg::state::pending);
  EXPECT_FALSE(schema_exists("pgpx"));
  EXPECT_THROW(static_cast<void>(mg::apply(cx(), dir())), mg::migration_error);
  write("0001_a.up.sql", "create table a (x int, changed int);");
  remove("0003_gone.up.sql");
  write("0005_new.up.sql", "create table n (x int);");
  s = mg::status(cx(), dir());
  EXPECT_EQ(find(s, "0001").state, mg::state::modified);
  EXPECT_EQ(find(s, "0002").state, mg::state::applied);
  EXPECT_FALSE(find(s, "0002").applied_at.empty());
  EXPECT_EQ(find(s, "0002").applied_by, cx().query_value<std::string>("select current_user::text"));
  EXPECT_EQ(find(s, "0003").state, mg::state::missing);
  EXPECT_EQ(find(s, "0003").name, "0003_gone");
  EXPECT_EQ(find(s, "0004").state, mg::state::partial);
  EXPECT_EQ(find(s, "0005").state, mg::state::pending);
  EXPECT_EQ(mg::to_string(find(s, "0004").state), "partial");
  EXPECT_EQ(find(s, "0006").state, mg::state::pending);
  EXPECT_TRUE(find(s, "0002").irreversible);
  EXPECT_TRUE(s.any(mg::state::missing));
  EXPECT_FALSE(s.any(mg::state::failed));
}

TEST_F(migrator, environment_scoped_migrations_run_only_in_their_environments) {
  write("0001_a.up.sql", "create table a (x int);");
  write("0002_seed.up.sql", "-- pgpx: env=dev,test\ncreate table seed (x int);");
  auto r = mg::apply(cx(), dir());
  EXPECT_EQ(r.migrations.size(), 1U);
  EXPECT_EQ(r.skipped, (std::vector<std::string>{"0002_seed"}));
  EXPECT_FALSE(table_exists("seed"));
  mg::apply_options prod;
  prod.environment = "prod";
  EXPECT_TRUE(mg::apply(cx(), dir(), prod).migrations.empty());
  mg::apply_options test;
  test.environment = "test";
  r = mg::apply(cx(), dir(), test);
  ASSERT_EQ(r.migrations.size(), 1U);
  EXPECT_TRUE(table_exists("seed"));
}

TEST_F(migrator, a_target_version_applies_up_to_it) {
  write_abc();
  mg::apply_options o;
  o.target = "2";  // the same number as 0002
  EXPECT_EQ(mg::apply(cx(), dir(), o).migrations.size(), 2U);
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
  o.target = "0042";
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir(), o)); });
  EXPECT_EQ(e.reason(), mg::failure::unknown_version);
  EXPECT_FALSE(table_exists("c"));
}

TEST_F(migrator, steps_bounds_how_many_pending_migrations_apply) {
  write_abc();
  mg::apply_options o;
  o.steps = 2;
  EXPECT_EQ(mg::apply(cx(), dir(), o).migrations.size(), 2U);
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0002"}));
  EXPECT_EQ(mg::apply(cx(), dir(), o).migrations.size(), 1U);
  o.steps = 0;
  EXPECT_TRUE(mg::apply(cx(), dir(), o).migrations.empty());
}

TEST_F(migrator, tx_all_applies_the_batch_in_one_transaction_all_or_nothing) {
  write_abc();
  write("0003_c.up.sql", "create table c (x int);\nselect 1 / 0;");
  mg::apply_options all;
  all.tx = mg::tx_mode::all;
  auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir(), all)); });
  EXPECT_EQ(e.reason(), mg::failure::statement_failed);
  EXPECT_EQ(e.version(), "0003");
  EXPECT_TRUE(contains(e.message(), "the whole batch of 3 migrations was rolled back")) << e.message();
  EXPECT_FALSE(table_exists("a") || table_exists("b"));  // the earlier ones of the batch too
  EXPECT_TRUE(applied_versions().empty());
  EXPECT_EQ(log_count("up", "failed"), 1);
  write("0003_c.up.sql", "create table c (x int);");
  const auto r = mg::apply(cx(), dir(), all);
  EXPECT_EQ(r.migrations.size(), 3U);
  EXPECT_EQ(applied_versions().size(), 3U);
  EXPECT_EQ(log_count("up", "ok"), 3);
  // A no-transaction file cannot join the batch: refused before anything runs.
  write("0004_idx.up.sql", "-- pgpx: no-transaction\ncreate index concurrently c_x on c (x);");
  write("0005_e.up.sql", "create table e (x int);");
  e = refused([&] { static_cast<void>(mg::apply(cx(), dir(), all)); });
  EXPECT_EQ(e.reason(), mg::failure::transaction_mode);
  EXPECT_EQ(e.version(), "0004");
  EXPECT_FALSE(table_exists("e"));
}

TEST_F(migrator, tx_none_runs_every_file_statement_by_statement_with_progress) {
  write("0001_a.up.sql", "create table a (x int);\ncreate table a2 (x int);\nselect 1 / 0;");
  mg::apply_options none;
  none.tx = mg::tx_mode::none;
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir(), none)); }).sqlstate(), "22012");
  EXPECT_TRUE(table_exists("a") && table_exists("a2"));  // autocommit: the first two stay
  const auto st = find(mg::status(cx(), dir()), "0001");
  EXPECT_EQ(st.state, mg::state::partial);
  EXPECT_EQ(st.statements_done, 2);
}

TEST_F(migrator, a_dry_run_reports_the_plan_and_writes_nothing) {
  write_abc();
  mg::apply_options dry;
  dry.dry_run = true;
  auto r = mg::apply(cx(), dir(), dry);
  EXPECT_TRUE(r.dry_run);
  ASSERT_EQ(r.migrations.size(), 3U);
  EXPECT_EQ(r.migrations[1].name, "0002_b");
  EXPECT_FALSE(schema_exists("pgpx"));  // not even the tracking tables
  EXPECT_FALSE(table_exists("a"));
  mg::apply_options one;
  one.target = "0001";
  static_cast<void>(mg::apply(cx(), dir(), one));
  const auto logged = log_count("up", "ok");
  r = mg::apply(cx(), dir(), dry);
  ASSERT_EQ(r.migrations.size(), 2U);
  EXPECT_FALSE(table_exists("b"));
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
  EXPECT_EQ(log_count("up", "ok"), logged);
  // A dry run validates like a real one.
  write("0001_a.up.sql", "create table a (x bigint);");
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir(), dry)); }).reason(), mg::failure::checksum_mismatch);
  write("0001_a.up.sql", "create table a (x int);");
  mg::rollback_options rdry;
  rdry.dry_run = true;
  EXPECT_EQ(mg::rollback(cx(), dir(), rdry).migrations.size(), 1U);
  EXPECT_TRUE(table_exists("a"));
  EXPECT_EQ(applied_versions().size(), 1U);
}

TEST_F(migrator, a_migration_blocked_by_another_session_fails_with_lock_timeout_instead_of_hanging) {
  cx().execute("create table busy (x int)");
  pgpx::connection other{conninfo()};
  pgpx::transaction tx{other};
  tx.execute("lock table busy in access exclusive mode");
  write("0001_alter.up.sql", "-- pgpx: lock-timeout=200ms\nalter table busy add column y int;");
  // Without the server-side lock_timeout the migration would wait forever: a client deadline
  // turns that into a timeout_error (a test failure) instead of a hang.
  pgpx::scoped_deadline guard{cx(), pgpx::test::budget(20s)};
  auto t0 = std::chrono::steady_clock::now();
  auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::statement_failed);
  EXPECT_EQ(e.sqlstate(), "55P03");
  EXPECT_LE(std::chrono::steady_clock::now() - t0, pgpx::test::budget(3s));
  // The default (options.lock_timeout) applies without a directive.
  write("0001_alter.up.sql", "alter table busy add column y int;");
  mg::apply_options o;
  o.lock_timeout = 300ms;
  t0 = std::chrono::steady_clock::now();
  e = refused([&] { static_cast<void>(mg::apply(cx(), dir(), o)); });
  EXPECT_EQ(e.sqlstate(), "55P03");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  EXPECT_LE(std::chrono::steady_clock::now() - t0, pgpx::test::budget(3s));
  EXPECT_TRUE(applied_versions().empty());
  // The settings were local to the migration's transaction.
  EXPECT_EQ(cx().query_value<std::string>("select current_setting('lock_timeout')"), "0");
  tx.rollback();
  EXPECT_EQ(mg::apply(cx(), dir(), o).migrations.size(), 1U);
}

TEST_F(migrator, the_statement_timeout_directive_bounds_a_migration) {
  write("0001_slow.up.sql", "-- pgpx: statement-timeout=200ms\nselect pg_sleep(30);");
  pgpx::scoped_deadline guard{cx(), pgpx::test::budget(10s)};  // a failure, not a hang, without it
  const auto t0 = std::chrono::steady_clock::now();
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.sqlstate(), "57014");
  EXPECT_LE(std::chrono::steady_clock::now() - t0, pgpx::test::budget(3s));
  EXPECT_TRUE(applied_versions().empty());
}

TEST_F(migrator, an_application_migrates_itself_through_its_pool) {
  write_abc();
  pgpx::pool_options po;
  po.max_size = 1;  // the lock connection is not taken from the pool
  auto p = pgpx::pool::open(conninfo(), po);
  EXPECT_EQ(mg::apply(p, dir()).migrations.size(), 3U);
  EXPECT_TRUE(mg::apply(p, dir()).migrations.empty());
  EXPECT_EQ(
      p.with_connection([](pgpx::connection& c) { return c.query_value<std::int64_t>("select count(*) from b"); }), 1);
  p.close();
}

TEST_F(migrator, a_schema_name_needing_quotes_is_quoted) {
  write_abc();
  mg::apply_options o;
  o.schema = "My \"odd\" schema";
  EXPECT_EQ(mg::apply(cx(), dir(), o).migrations.size(), 3U);
  EXPECT_TRUE(schema_exists("My \"odd\" schema"));
  EXPECT_EQ(applied_versions("My \"odd\" schema").size(), 3U);
  EXPECT_FALSE(schema_exists("pgpx"));
  EXPECT_EQ(mg::status(cx(), dir(), {.schema = o.schema}).entries.size(), 3U);
  EXPECT_TRUE(mg::status(cx(), dir()).entries[0].state == mg::state::pending);
}

TEST_F(migrator, a_failing_migration_with_a_password_reports_and_records_no_secret) {
  write("0001_role.up.sql", "create table a (x int);\nalter role no_such_role_x password 'hunter2-tx';");
  write("0002_role.up.sql",
        "-- pgpx: no-transaction\ncreate table b (x int);\nalter role no_such_role_x password 'hunter2-notx';");
  auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.sqlstate(), "42704");
  EXPECT_TRUE(contains(e.statement(), "password '")) << e.statement();  // the statement is there, masked
  for (const std::string& text : {std::string(e.what()), e.statement(), e.info().detail})
    EXPECT_FALSE(contains(text, "hunter2")) << text;
  write("0001_role.up.sql", "create table a (x int);");
  e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.version(), "0002");
  for (const std::string& text : {std::string(e.what()), e.statement(), e.info().detail})
    EXPECT_FALSE(contains(text, "hunter2")) << text;
  const auto recorded = cx().query_value<std::string>(
      "select coalesce(error, '') || coalesce(error_statement, '') from pgpx.schema_migrations where version = '0002'");
  EXPECT_TRUE(contains(recorded, "password '")) << recorded;
  EXPECT_FALSE(contains(recorded, "hunter2")) << recorded;
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pgpx.migration_log where reason like '%hunter2%'"), 0);
  EXPECT_EQ(find(mg::status(cx(), dir()), "0002").state, mg::state::partial);
}

TEST_F(migrator, a_file_that_cannot_run_as_its_header_says_is_refused_before_anything_runs) {
  write("0001_a.up.sql", "create table a (x int);");
  write("0002_idx.up.sql", "create table t (x int);\ncreate index concurrently t_x on t (x);");
  auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::transaction_mode);
  EXPECT_EQ(e.version(), "0002");
  EXPECT_TRUE(contains(e.message(), "0002_idx.up.sql: CREATE INDEX CONCURRENTLY")) << e.message();
  EXPECT_TRUE(contains(e.message(), "-- pgpx: no-transaction")) << e.message();
  EXPECT_FALSE(table_exists("a"));  // validated before the first migration ran
  write("0002_idx.up.sql", "create table t (x int);\ncommit;\ncreate index t_x on t (x);");
  e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::transaction_mode);
  EXPECT_TRUE(contains(e.message(), "its own COMMIT")) << e.message();
  write("0002_idx.up.sql", "-- pgpx: no-transaction\nbegin;\ncreate table t (x int);");
  e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::transaction_mode);
  EXPECT_TRUE(contains(e.message(), "0002_idx.up.sql:2: BEGIN")) << e.message();
  // A no-transaction file that does not parse is refused before anything runs, too.
  write("0002_idx.up.sql", "-- pgpx: no-transaction\ncreate table t (x int);\ncreate index on;");
  EXPECT_THROW(static_cast<void>(mg::apply(cx(), dir())), mg::source_error);
  EXPECT_FALSE(table_exists("a"));
  EXPECT_TRUE(applied_versions().empty());
  // Savepoints are fine.
  write("0002_idx.up.sql", "create table t (x int);\nsavepoint s;\ninsert into t values (1);\nrelease savepoint s;");
  EXPECT_EQ(mg::apply(cx(), dir()).migrations.size(), 2U);
}

TEST_F(migrator, a_required_extension_that_the_server_lacks_is_refused_before_anything_runs) {
  write("0001_a.up.sql", "-- pgpx: requires-extension=plpgsql\ncreate table a (x int);");
  write("0002_b.up.sql", "-- pgpx: requires-extension=no_such_extension_x\ncreate table b (x int);");
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::missing_extension);
  EXPECT_EQ(e.version(), "0002");
  EXPECT_TRUE(contains(e.message(), "0002_b.up.sql requires the extension 'no_such_extension_x'")) << e.message();
  EXPECT_FALSE(table_exists("a"));
  write("0002_b.up.sql", "-- pgpx: requires-extension=plpgsql\ncreate table b (x int);");
  EXPECT_EQ(mg::apply(cx(), dir()).migrations.size(), 2U);
}

TEST_F(migrator, a_role_with_only_dml_on_existing_tracking_tables_can_apply) {
  write("0001_a.up.sql", "create table a (x int);");
  static_cast<void>(mg::apply(cx(), dir()));
  const auto role = "mig_deployer_" + std::to_string(cx().backend_pid());
  const auto q = pgpx::quote_identifier(role);
  cx().execute_script("create role " + q + " login");
  cx().execute_script("grant usage on schema pgpx to " + q +
                      "; grant select, insert, update, delete on all tables in schema pgpx to " + q +
                      "; grant usage on all sequences in schema pgpx to " + q + "; grant create on schema public to " +
                      q + "; revoke create on database " + pgpx::quote_identifier(database_name()) + " from public");
  write("0002_b.up.sql", "create table b (x int);");
  auto info = conninfo();
  info.set("user", role);
  try {
    EXPECT_EQ(mg::apply(info, dir()).migrations.size(), 1U);
    EXPECT_EQ(cx().query_value<std::string>("select applied_by from pgpx.schema_migrations where version = '0002'"),
              role);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  cx().execute_script("drop owned by " + q + "; drop role " + q);
}

TEST_F(migrator, newer_tracking_tables_are_refused) {
  write_abc();
  static_cast<void>(mg::apply(cx(), dir()));
  cx().execute("update pgpx.meta set value = '2' where key = 'schema_version'");
  write("0004_d.up.sql", "create table d (x int);");
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir())); }).reason(), mg::failure::newer_tables);
  EXPECT_FALSE(table_exists("d"));
}

TEST_F(migrator, a_connection_inside_a_transaction_is_refused) {
  write_abc();
  pgpx::transaction tx{cx()};
  EXPECT_THROW(static_cast<void>(mg::apply(cx(), dir())), pgpx::usage_error);
}

}  // namespace

namespace {

TEST_F(migrator, apply_lints_the_files_it_runs_and_refuses_errors_before_anything_ran) {
  // Tables with rows: lint reads the facts of the tables the first file names, and would
  // only warn about dropping an empty one.
  write("0001_a.up.sql", "create table a (x int); insert into a values (1);");
  write("0002_b.up.sql", "create table b (x int); insert into b values (1);");
  static_cast<void>(mg::apply(cx(), dir(), {.target = "0001"}));
  write("0003_drop.up.sql", "create table c (x int);\ndrop table a;");
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir())); });
  EXPECT_EQ(e.reason(), mg::failure::lint_failed);
  EXPECT_EQ(e.version(), "0003");
  EXPECT_TRUE(contains(e.message(), "0003_drop.up.sql:2: DS101")) << e.message();
  EXPECT_FALSE(table_exists("b"));  // nothing ran, not even the clean 0002
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
  // A warning (a renamed column) is reported, not refused.
  write("0003_drop.up.sql", "alter table a rename column x to y;");
  const auto r = mg::apply(cx(), dir());
  EXPECT_EQ(r.migrations.size(), 2U);
  ASSERT_EQ(r.lint.size(), 1U);
  EXPECT_EQ(r.lint[0].finding.rule, "LH209");
  EXPECT_TRUE(contains(r.lint[0].file, "0003_drop.up.sql")) << r.lint[0].file;
  // lint = false runs an erroring file.
  write("0004_drop.up.sql", "drop table b;");
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir())); }).reason(), mg::failure::lint_failed);
  EXPECT_EQ(mg::apply(cx(), dir(), {.lint = false}).migrations.size(), 1U);
  EXPECT_FALSE(table_exists("b"));
}

TEST_F(migrator, baseline_records_the_version_and_older_ones_without_running_them) {
  write_abc();
  write("0004_d.up.sql", "create table d (x int);");
  EXPECT_EQ(refused([&] { static_cast<void>(mg::baseline(cx(), dir(), "0009", "adopt")); }).reason(),
            mg::failure::unknown_version);
  const auto dry = mg::baseline(cx(), dir(), "0002", "adopt", {.dry_run = true});
  EXPECT_EQ(dry, (std::vector<std::string>{"0001", "0002"}));
  EXPECT_FALSE(schema_exists("pgpx"));
  EXPECT_EQ(mg::baseline(cx(), dir(), "0002", "adopt prod"), (std::vector<std::string>{"0001", "0002"}));
  EXPECT_FALSE(table_exists("a"));  // not run
  EXPECT_EQ(find(mg::status(cx(), dir()), "0001").state, mg::state::baseline);
  EXPECT_EQ(find(mg::status(cx(), dir()), "0003").state, mg::state::pending);
  EXPECT_EQ(log_count("baseline", "baseline"), 2);
  const auto r = mg::apply(cx(), dir());
  ASSERT_EQ(r.migrations.size(), 2U);
  EXPECT_EQ(r.migrations[0].version, "0003");
  EXPECT_TRUE(table_exists("c"));
  EXPECT_FALSE(table_exists("b"));
}

TEST_F(migrator, mark_applied_records_chosen_versions_in_one_audited_transaction) {
  write_abc();
  write("0004_d.up.sql", "create table d (x int);");
  // An unknown version among known ones: refused before anything is created.
  const auto e = refused([&] { static_cast<void>(mg::mark_applied(cx(), dir(), {"0001", "0009"}, "import")); });
  EXPECT_EQ(e.reason(), mg::failure::unknown_version);
  EXPECT_EQ(e.version(), "0009");
  EXPECT_FALSE(schema_exists("pgpx"));
  EXPECT_EQ(mg::mark_applied(cx(), dir(), {"0003", "0001"}, "import", {.dry_run = true}),
            (std::vector<std::string>{"0001", "0003"}));
  EXPECT_FALSE(schema_exists("pgpx"));
  // Not contiguous, given out of order and twice: recorded once each, in order, nothing run.
  EXPECT_EQ(mg::mark_applied(cx(), dir(), {"0003", "0001", "1"}, "pgpx migrate import --from goose"),
            (std::vector<std::string>{"0001", "0003"}));
  EXPECT_FALSE(table_exists("a"));
  EXPECT_EQ(find(mg::status(cx(), dir()), "0001").state, mg::state::applied);
  EXPECT_EQ(find(mg::status(cx(), dir()), "0002").state, mg::state::pending);
  EXPECT_EQ(find(mg::status(cx(), dir()), "0003").state, mg::state::applied);
  EXPECT_EQ(cx().query<std::string>("select reason from pgpx.migration_log where action = 'mark' order by version"),
            (std::vector<std::string>{"pgpx migrate import --from goose", "pgpx migrate import --from goose"}));
  // Already recorded versions are left as they are and not returned.
  EXPECT_EQ(mg::mark_applied(cx(), dir(), {"0001", "0004"}, "again"), (std::vector<std::string>{"0004"}));
  EXPECT_EQ(log_count("mark", "applied"), 3);
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001", "0003", "0004"}));
}

TEST_F(migrator, repair_restamps_checksums_and_clears_failed_rows_with_an_audit_row) {
  write_abc();
  static_cast<void>(mg::apply(cx(), dir()));
  write("0002_b.up.sql", "create table b (x int);\ninsert into b values (2);");
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir())); }).reason(), mg::failure::checksum_mismatch);
  EXPECT_TRUE(mg::repair(cx(), dir(), {.clear_failed = true}).empty());  // nothing failed
  const auto dry = mg::repair(cx(), dir(), {.checksums = true, .reason = "comment only"}, {.dry_run = true});
  ASSERT_EQ(dry.size(), 1U);
  EXPECT_EQ(find(mg::status(cx(), dir()), "0002").state, mg::state::modified);
  const auto done = mg::repair(cx(), dir(), {.checksums = true, .reason = "comment only"});
  ASSERT_EQ(done.size(), 1U);
  EXPECT_TRUE(contains(done[0], "0002_b: checksum")) << done[0];
  EXPECT_EQ(find(mg::status(cx(), dir()), "0002").state, mg::state::applied);
  EXPECT_EQ(log_count("repair", "checksum"), 1);
  // A partial no-transaction migration is cleared back to pending.
  write("0004_d.up.sql", "-- pgpx: no-transaction\ncreate table d (x int);\nselect 1 / 0;");
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir())); }).reason(), mg::failure::statement_failed);
  EXPECT_EQ(find(mg::status(cx(), dir()), "0004").state, mg::state::partial);
  EXPECT_EQ(mg::repair(cx(), dir(), {.clear_failed = true, .reason = "dropped d by hand"}).size(), 1U);
  EXPECT_EQ(find(mg::status(cx(), dir()), "0004").state, mg::state::pending);
  EXPECT_EQ(log_count("repair", "cleared"), 1);
}

// rollback_options::force: migrations without a down file (irreversible, or whose files are
// gone) lose their tracking row and run nothing; the others run their down file; every
// forced one has a log row saying so. Without force the same plan is refused unchanged.
TEST_F(migrator, a_forced_rollback_un_applies_migrations_without_down_files_and_logs_them) {
  write_abc();
  remove("0002_b.down.sql");                            // irreversible
  write("0004_d.up.sql", "create table d (x int);");    // irreversible
  write("0005_e.up.sql", "create table e (x int);");    // its files will be gone
  static_cast<void>(mg::apply(cx(), dir()));
  remove("0005_e.up.sql");
  mg::rollback_options o;
  o.steps = 4;
  const auto e = refused([&] { static_cast<void>(mg::rollback(cx(), dir(), o)); });
  EXPECT_EQ(e.reason(), mg::failure::irreversible);
  EXPECT_TRUE(contains(e.message(), "--force")) << e.message();
  EXPECT_EQ(applied_versions().size(), 5U);

  o.force = true;
  o.reason = "applied by mistake";
  o.dry_run = true;
  auto r = mg::rollback(cx(), dir(), o);
  ASSERT_EQ(r.migrations.size(), 4U);
  const std::vector<std::pair<std::string, bool>> expected = {
      {"0005", true}, {"0004", true}, {"0003", false}, {"0002", true}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r.migrations[i].version, expected[i].first);
    EXPECT_EQ(r.migrations[i].forced, expected[i].second) << expected[i].first;
    EXPECT_EQ(r.migrations[i].file.empty(), expected[i].second) << expected[i].first;
  }
  EXPECT_EQ(applied_versions().size(), 5U);  // the dry run changed nothing
  EXPECT_EQ(log_count("down", "forced"), 0);

  o.dry_run = false;
  r = mg::rollback(cx(), dir(), o);
  ASSERT_EQ(r.migrations.size(), 4U);
  EXPECT_EQ(applied_versions(), (std::vector<std::string>{"0001"}));
  EXPECT_FALSE(table_exists("c"));                                      // its down file ran
  EXPECT_TRUE(table_exists("b") && table_exists("d") && table_exists("e"));  // nothing of them ran
  using row = std::tuple<std::string, std::string, std::string>;
  const auto log = cx().query<row>(
      "select version, outcome, coalesce(reason, '') from pgpx.migration_log where action = 'down' order by id");
  ASSERT_EQ(log.size(), 4U);
  EXPECT_EQ(log[0], (row{"0005", "forced",
                         "forced rollback: its files are gone; tracking row removed, nothing run; "
                         "applied by mistake"}));
  EXPECT_EQ(log[1], (row{"0004", "forced",
                         "forced rollback: no down file; tracking row removed, nothing run; "
                         "applied by mistake"}));
  EXPECT_EQ(std::get<0>(log[2]), "0003");
  EXPECT_EQ(std::get<1>(log[2]), "ok");
  EXPECT_EQ(std::get<0>(log[3]), "0002");
  EXPECT_EQ(std::get<1>(log[3]), "forced");
  // The forced ones are pending again: applying runs them (after dropping what they left).
  cx().execute_script("drop table b; drop table d;");
  EXPECT_EQ(mg::apply(cx(), dir()).migrations.size(), 3U);
}

// Down files are linted for data loss before a rollback runs: each destructive kind is
// refused (naming file, line and rule) with nothing changed; a lint-ignore with a reason
// accepts it, one without a reason does not, and lint = false skips the check.
TEST_F(migrator, rollback_refuses_down_files_that_lose_data_unless_told_why) {
  struct kind {
    std::string rule;
    std::string up;
    std::string down;  // the destructive statement, on line 2 of the down file
  };
  const std::vector<kind> kinds = {
      {"DS101", "create table t1 (x int); insert into t1 values (1);", "drop table if exists t1;"},
      {"DS104", "alter table base add column extra int;", "alter table base drop column if exists extra;"},
      {"DS105", "insert into base values (2);", "truncate base;"},
      {"DS106", "insert into base values (3);", "delete from base;"},
      {"DS102", "create schema s1;", "drop schema if exists s1;"},
  };
  cx().execute("create table base (x int)");
  cx().execute("insert into base values (1)");  // not empty: lint would only warn (catalog-aware rules)
  int v = 0;
  for (const auto& k : kinds) {
    SCOPED_TRACE(k.rule);
    ++v;
    const auto name = "000" + std::to_string(v) + "_k" + std::to_string(v);
    write(name + ".up.sql", k.up);
    write(name + ".down.sql", "select 1;\n" + k.down);
    ASSERT_EQ(mg::apply(cx(), dir()).migrations.size(), 1U);
    const auto before = cx().query_value<std::int64_t>("select count(*) from base");
    const auto downs = log_count("down", "ok");
    auto e = refused([&] { static_cast<void>(mg::rollback(cx(), dir())); });
    EXPECT_EQ(e.reason(), mg::failure::lint_failed);
    EXPECT_EQ(e.version(), "000" + std::to_string(v));
    EXPECT_TRUE(contains(e.message(), name + ".down.sql:2: " + k.rule)) << e.message();
    EXPECT_EQ(applied_versions().size(), static_cast<std::size_t>(v));
    EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from base"), before);
    EXPECT_EQ(log_count("down", "ok"), downs);
    // A lint-ignore without a reason is no excuse: the directory does not even load.
    write(name + ".down.sql", "-- pgpx: lint-ignore=" + k.rule + "\n" + k.down);
    try {
      static_cast<void>(mg::rollback(cx(), dir()));
      ADD_FAILURE() << "a lint-ignore without a reason was accepted";
    } catch (const mg::source_error& se) {
      EXPECT_TRUE(contains(se.message(), name + ".down.sql:1: directive 'lint-ignore' needs a reason")) << se.message();
    }
    EXPECT_EQ(applied_versions().size(), static_cast<std::size_t>(v));
    EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from base"), before);
    // With a reason it runs; the silenced finding is in the report.
    write(name + ".down.sql", "-- pgpx: lint-ignore=" + k.rule + " reason=\"test data only\"\n" + k.down);
    const auto r = mg::rollback(cx(), dir());
    ASSERT_EQ(r.migrations.size(), 1U);
    EXPECT_EQ(applied_versions().size(), static_cast<std::size_t>(v - 1));
    const bool reported = std::any_of(r.lint.begin(), r.lint.end(), [&](const mg::file_finding& f) {
      return f.finding.rule == k.rule && f.finding.ignored();
    });
    EXPECT_TRUE(reported);
    // Applied again (for the next kind), then rolled back without lint.
    write(name + ".down.sql", k.down);
    ASSERT_EQ(mg::apply(cx(), dir()).migrations.size(), 1U);
    mg::rollback_options unlinted;
    unlinted.lint = false;
    EXPECT_EQ(mg::rollback(cx(), dir(), unlinted).migrations.size(), 1U);
    ASSERT_EQ(mg::apply(cx(), dir()).migrations.size(), 1U);
    write(name + ".down.sql", "-- pgpx: lint-ignore=" + k.rule + " reason=\"kept for the next kind\"\n" + k.down);
  }
  // What loses no data passes: a DELETE with WHERE, a DROP INDEX; a DROP without IF EXISTS is
  // a warning (HY401) in the report, not a refusal.
  write("0009_i.up.sql", "insert into base values (9);\ncreate index base_x on base (x);");
  write("0009_i.down.sql", "delete from base where x = 9;\ndrop index base_x;");
  ASSERT_EQ(mg::apply(cx(), dir()).migrations.size(), 1U);
  const auto r = mg::rollback(cx(), dir());
  ASSERT_EQ(r.migrations.size(), 1U);
  ASSERT_EQ(r.lint.size(), 1U);
  EXPECT_EQ(r.lint[0].finding.rule, "HY401");
  EXPECT_EQ(r.lint[0].finding.line, 2);
}

// apply_options::baseline adopts a database and applies what follows in one run; it is
// refused, naming them, when migrations are recorded already.
TEST_F(migrator, apply_with_a_baseline_records_it_then_applies_only_later_migrations) {
  write_abc();
  write("0004_d.up.sql", "create table d (x int);");
  cx().execute_script("create table a (x int); create table b (x int);");  // made before pgpx
  mg::apply_options o;
  o.baseline = "0007";
  EXPECT_EQ(refused([&] { static_cast<void>(mg::apply(cx(), dir(), o)); }).reason(), mg::failure::unknown_version);
  EXPECT_FALSE(schema_exists("pgpx"));
  o.baseline = "0002";
  o.baseline_reason = "adopt prod";
  o.dry_run = true;
  auto r = mg::apply(cx(), dir(), o);
  ASSERT_EQ(r.migrations.size(), 4U);
  EXPECT_TRUE(r.migrations[0].baseline && r.migrations[1].baseline);
  EXPECT_FALSE(r.migrations[2].baseline || r.migrations[3].baseline);
  EXPECT_FALSE(schema_exists("pgpx"));
  EXPECT_FALSE(table_exists("c"));
  o.dry_run = false;
  r = mg::apply(cx(), dir(), o);  // would fail with "relation a exists" if 0001 ran
  ASSERT_EQ(r.migrations.size(), 4U);
  EXPECT_EQ(r.migrations[2].version, "0003");
  EXPECT_TRUE(table_exists("c") && table_exists("d"));
  const auto st = mg::status(cx(), dir());
  EXPECT_EQ(find(st, "0001").state, mg::state::baseline);
  EXPECT_EQ(find(st, "0002").state, mg::state::baseline);
  EXPECT_EQ(find(st, "0003").state, mg::state::applied);
  EXPECT_EQ(cx().query_value<std::int64_t>(
                "select count(*) from pgpx.migration_log where action = 'baseline' and reason = 'adopt prod'"),
            2);
  EXPECT_EQ(log_count("up", "ok"), 2);
  // Again: refused, naming what is recorded; nothing changes.
  write("0005_e.up.sql", "create table e (x int);");
  const auto e = refused([&] { static_cast<void>(mg::apply(cx(), dir(), o)); });
  EXPECT_EQ(e.reason(), mg::failure::already_applied);
  EXPECT_TRUE(contains(e.message(), "0001_a (baseline)")) << e.message();
  EXPECT_TRUE(contains(e.message(), "0004_d (applied)")) << e.message();
  EXPECT_FALSE(table_exists("e"));
}

// on_progress: once before each migration (index of count, its file), and after each statement
// of a file run statement by statement (no-transaction, tx_mode::none); the same for
// rollback; never in a dry run.
TEST_F(migrator, on_progress_reports_each_migration_and_each_statement_of_a_no_transaction_file) {
  write_abc();
  write("0004_d.up.sql", "-- pgpx: no-transaction\ncreate table d (x int);\ninsert into d values (1);\n");
  write("0004_d.down.sql", "-- pgpx: no-transaction\n" + undo("drop table d;"));
  std::vector<std::string> seen;
  const auto record = [&](const mg::run_progress& p) {
    seen.push_back(std::to_string(p.index) + "/" + std::to_string(p.count) + " " + p.file + " " +
                   std::to_string(p.statements_done) + "/" + std::to_string(p.statements_total));
  };
  mg::apply_options ao;
  ao.on_progress = record;
  ao.dry_run = true;
  static_cast<void>(mg::apply(cx(), dir(), ao));
  EXPECT_TRUE(seen.empty());
  ao.dry_run = false;
  ao.steps = 1;
  static_cast<void>(mg::apply(cx(), dir(), ao));
  EXPECT_EQ(seen, (std::vector<std::string>{"1/1 0001_a.up.sql 0/0"}));
  seen.clear();
  ao.steps.reset();
  static_cast<void>(mg::apply(cx(), dir(), ao));
  EXPECT_EQ(seen, (std::vector<std::string>{"1/3 0002_b.up.sql 0/0", "2/3 0003_c.up.sql 0/0", "3/3 0004_d.up.sql 0/2",
                                            "3/3 0004_d.up.sql 1/2", "3/3 0004_d.up.sql 2/2"}));
  seen.clear();
  mg::rollback_options ro;
  ro.on_progress = record;
  ro.steps = 2;
  static_cast<void>(mg::rollback(cx(), dir(), ro));
  EXPECT_EQ(seen, (std::vector<std::string>{"1/2 0004_d.down.sql 0/1", "1/2 0004_d.down.sql 1/1",
                                            "2/2 0003_c.down.sql 0/0"}));
  EXPECT_FALSE(table_exists("d"));
  // tx_mode::none runs every file statement by statement.
  seen.clear();
  ao.tx = mg::tx_mode::none;
  ao.steps = 1;
  static_cast<void>(mg::apply(cx(), dir(), ao));
  EXPECT_EQ(seen, (std::vector<std::string>{"1/1 0003_c.up.sql 0/1", "1/1 0003_c.up.sql 1/1"}));
}

}  // namespace
