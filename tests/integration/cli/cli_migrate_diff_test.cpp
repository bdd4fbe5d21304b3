// `pgpx migrate diff` (and `migrate create --from-diff`) through the real pgpx executable:
// the migration it writes, applied to a database at the old state, gives exactly the desired
// schema and rolls back to exactly the old one; no differences and --dry-run write nothing; a
// possible rename stays a flagged drop and add unless --rename chooses it, and then the data
// stays; a --rename that matches nothing is refused; --to-db reads a live database; pgpx.sum
// stays valid; no shadow database outlives the command.
#include "integration/cli/cli_project.hpp"

#include <pgpx/migrate/split.hpp>

#include <pgpx/core/executor.hpp>

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
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

using pgpx::test::cli::contains;

// The old state, as migration 0001.
const char* const old_schema =
    "create schema app;\n"
    "create table app.books (id int8 primary key, legacy int4, title text not null);\n"
    "create table app.gone (x int4);\n";

class cli_migrate_diff : public pgpx::test::cli::project_test {
 protected:
  void SetUp() override {
    project_test::SetUp();
    fs::create_directories(project_ / "migrations");
  }
  auto migrations() const -> fs::path { return project_ / "migrations"; }
  // Migration 0001 (the old state) with its down file, and pgpx.sum.
  void write_old(const std::string& up = old_schema) {
    std::ofstream(migrations() / "0001_init.up.sql") << up;
    std::ofstream(migrations() / "0001_init.down.sql") << "drop schema if exists app cascade;\n";
    ASSERT_EQ(pgpx({"migrate", "hash"}).code, 0);
  }
  // The schema `app` of the test database, as `schema export` prints it.
  auto export_app() -> std::string {
    const auto r = pgpx({"schema", "export", "--schemas", "app"});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  }
  // Makes `ddl` in the test database, keeps its catalog in desired.json and its export, then
  // drops it again.
  auto desired(const std::string& ddl) -> std::string {
    cx().execute_script(ddl);
    const auto sql = export_app();
    const auto r = pgpx({"schema", "export", "--schemas", "app", "--format", "json", "-o", desired_json()});
    EXPECT_EQ(r.code, 0) << r.err;
    cx().execute_script("drop schema app cascade");
    return sql;
  }
  auto desired_json() const -> std::string { return (project_ / "desired.json").string(); }
  // Every file of the migrations directory with its content.
  auto snapshot() const -> std::vector<std::pair<std::string, std::string>> {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : fs::directory_iterator(migrations()))
      out.emplace_back(e.path().filename().string(), slurp_file(e.path()));
    std::sort(out.begin(), out.end());
    return out;
  }
  auto shadows() -> std::int64_t {
    return cx().query_value<std::int64_t>("select count(*) from pg_database where datname like 'pgpx\\_shadow\\_%'");
  }
  // Runs pgpx on a pseudo-terminal (standard input, output and error), answering "y" to a
  // "[y/N] " prompt whose line holds one of `yes_to`, else "n"; returns the exit code, the
  // number of prompts and everything printed.
  auto pgpx_on_terminal(std::vector<std::string> args, const std::vector<std::string>& yes_to)
      -> std::tuple<int, int, std::string> {
    args.insert(args.begin(), {"--url", conninfo().to_string()});
    const auto t = pgpx::test::cli::pgpx_on_terminal(
        args, project_, [&](std::string_view pending) -> std::optional<pgpx::test::cli::terminal_answer> {
          const auto at = pending.find("[y/N] ");
          if (at == std::string_view::npos) return std::nullopt;
          const auto line_start = pending.rfind('\n', at);
          const auto from = line_start == std::string_view::npos ? 0 : line_start;
          const std::string prompt(pending.substr(from, at - from));
          const bool yes = std::any_of(yes_to.begin(), yes_to.end(),
                                       [&](const std::string& part) { return contains(prompt, part); });
          return pgpx::test::cli::terminal_answer{at + 6, yes ? "y\n" : "n\n"};
        });
    return {t.code, t.answers, t.output};
  }
  void expect_valid_sum() {
    const auto r = pgpx({"migrate", "validate", "--offline"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
  }
};

TEST_F(cli_migrate_diff, the_written_migration_applies_to_the_desired_schema_and_rolls_back_to_the_old) {
  const auto want = desired(
      "create schema app;"
      "create table app.authors (id int8 primary key, name text not null);"
      "create table app.books (id int8 primary key, legacy int4, title text not null,"
      "  author_id int8 references app.authors (id), pages int8 not null default 0);"
      "create index books_title_idx on app.books (title);"
      "create table app.gone (x int4);"
      "comment on table app.books is 'what we sell'");
  write_old();
  ASSERT_EQ(pgpx({"migrate", "apply"}).code, 0);
  cx().execute_script("insert into app.books (id, title) values (1, 'Dune')");
  const auto old = export_app();
  ASSERT_NE(old, want);

  const auto r = pgpx({"migrate", "diff", "add_authors", "--to", desired_json(), "--schemas", "app"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;  // nothing destructive: lint passes
  const auto up = slurp_file(migrations() / "0002_add_authors.up.sql");
  const auto down = slurp_file(migrations() / "0002_add_authors.down.sql");
  EXPECT_TRUE(contains(r.out, "0002_add_authors.up.sql")) << r.out;
  EXPECT_TRUE(contains(up, "create table \"app\".\"authors\"")) << up;
  EXPECT_TRUE(contains(down, "drop table \"app\".\"authors\"")) << down;
  EXPECT_FALSE(contains(up, "DS103")) << up;
  EXPECT_TRUE(contains(r.err, "LH201")) << r.err;  // a warning: the index is not built CONCURRENTLY
  EXPECT_EQ(shadows(), 0);
  expect_valid_sum();

  // Applied to the database at the old state: exactly the desired schema; the row stays.
  auto a = pgpx({"migrate", "apply"});
  ASSERT_EQ(a.code, 0) << a.out << a.err;
  EXPECT_EQ(export_app(), want);
  EXPECT_EQ(cx().query_value<std::int64_t>("select pages from app.books where id = 1"), 0);
  // Rolled back: exactly the old one.
  a = pgpx({"migrate", "rollback"});
  ASSERT_EQ(a.code, 0) << a.out << a.err;
  EXPECT_EQ(export_app(), old);
  // Now the migrations give the desired schema: nothing more to write.
  const auto before = snapshot();
  const auto again = pgpx({"migrate", "diff", "more", "--to", desired_json(), "--schemas", "app"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "no differences: nothing written")) << again.err;
  EXPECT_EQ(snapshot(), before);
}

TEST_F(cli_migrate_diff, no_differences_and_dry_runs_write_nothing) {
  write_old();
  // The desired schema is the old one: nothing to write.
  const auto same = desired(old_schema);
  const auto before = snapshot();
  auto r = pgpx({"migrate", "diff", "nothing", "--to", desired_json(), "--schemas", "app"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "no differences: nothing written")) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(snapshot(), before);

  // A difference, dry run: the up and down are printed, no file is written.
  desired(std::string(old_schema) + "create index gone_x_idx on app.gone (x);");
  for (const auto& cmd : {std::vector<std::string>{"migrate", "diff", "idx", "--dry-run"},
                          std::vector<std::string>{"migrate", "create", "idx", "--from-diff", "--dry-run"}}) {
    auto args = cmd;
    args.insert(args.end(), {"--to", desired_json(), "--schemas", "app"});
    r = pgpx(args);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "-- 0002_idx.up.sql\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "-- 0002_idx.down.sql\n")) << r.out;
    EXPECT_TRUE(contains(lower(r.out), "create index gone_x_idx on app.gone using btree (x);")) << r.out;
    EXPECT_TRUE(contains(r.out, "drop index \"app\".\"gone_x_idx\";")) << r.out;
    EXPECT_TRUE(contains(r.err, "dry run: nothing was written")) << r.err;
    EXPECT_EQ(snapshot(), before);
  }
  // --from-diff writes it like migrate diff; without --from-diff the diff flags are refused.
  r = pgpx({"migrate", "create", "idx", "--to", desired_json()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "need --from-diff")) << r.err;
  EXPECT_EQ(snapshot(), before);
  r = pgpx({"migrate", "create", "idx", "--from-diff", "--to", desired_json(), "--schemas", "app"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(lower(slurp_file(migrations() / "0002_idx.up.sql")), "create index gone_x_idx")) << r.out;
  EXPECT_TRUE(fs::exists(migrations() / "0002_idx.down.sql"));
  expect_valid_sum();
  EXPECT_EQ(shadows(), 0);
  (void)same;
}

TEST_F(cli_migrate_diff, a_destructive_change_and_a_possible_rename_are_flagged_in_the_file_and_by_lint) {
  write_old();
  const auto want = desired(
      "create schema app;"
      "create table app.books (id int8 primary key, legacy int4, heading text not null);");
  auto r = pgpx({"migrate", "diff", "drop_things", "--to", desired_json(), "--schemas", "app"});
  EXPECT_EQ(r.code, 5) << r.out << r.err;  // written, but lint errors
  const auto up = slurp_file(migrations() / "0002_drop_things.up.sql");
  ASSERT_FALSE(up.empty()) << r.err;
  EXPECT_TRUE(contains(up, "-- pgpx:lint DS103\n-- destructive: column app.books.title\n")) << up;
  EXPECT_FALSE(contains(up, "legacy")) << up;  // kept
  EXPECT_TRUE(contains(up, "-- destructive: table app.gone\n")) << up;
  for (const char* rule : {"DS101", "DS103", "DS104"}) EXPECT_TRUE(contains(r.err, rule)) << rule << "\n" << r.err;
  EXPECT_TRUE(contains(r.err, "--rename app.books.title=heading")) << r.err;  // how to choose it
  EXPECT_TRUE(contains(r.err, "the files are kept")) << r.err;
  expect_valid_sum();
  // `migrate lint` agrees; `migrate apply` refuses it until --no-lint.
  EXPECT_EQ(pgpx({"migrate", "lint"}).code, 5);
  ASSERT_EQ(pgpx({"migrate", "apply", "--to", "0001"}).code, 0);
  const auto old = export_app();
  EXPECT_EQ(pgpx({"migrate", "apply"}).code, 5);
  r = pgpx({"migrate", "apply", "--no-lint"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(export_app(), want);
  r = pgpx({"migrate", "rollback"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(export_app(), old);
  EXPECT_EQ(shadows(), 0);
}

TEST_F(cli_migrate_diff, columns_dropped_at_the_end_of_a_table_come_back_in_their_order) {
  write_old(
      "create schema app;\n"
      "create table app.books (id int8 primary key, a int4, b text, c int8 default 3);\n");
  const auto want = desired(
      "create schema app;"
      "create table app.books (id int8 primary key);");
  ASSERT_EQ(pgpx({"migrate", "apply"}).code, 0);
  const auto old = export_app();
  auto r = pgpx({"migrate", "diff", "drop_abc", "--to", desired_json(), "--schemas", "app"});
  EXPECT_EQ(r.code, 5) << r.err;  // DS104 three times
  r = pgpx({"migrate", "apply", "--no-lint"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(export_app(), want);
  r = pgpx({"migrate", "rollback"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(export_app(), old);  // a, b, c: not c, b, a
}

TEST_F(cli_migrate_diff, a_chosen_rename_keeps_the_data_both_ways) {
  write_old(
      "create schema app;\n"
      "create table app.books (id int8 primary key, title text not null constraint books_title_check"
      " check (length(title) > 0));\n"
      "create index books_title_idx on app.books (title);\n"
      "create table app.gone (x int4);\n");
  const auto want = desired(
      "create schema app;"
      "create table app.books (id int8 primary key, heading text not null constraint books_title_check"
      " check (length(heading) > 0));"
      "create index books_title_idx on app.books (heading);"
      "create table app.kept (x int4);");
  ASSERT_EQ(pgpx({"migrate", "apply"}).code, 0);
  cx().execute_script(
      "insert into app.books values (1, 'Dune'), (2, 'Emma');"
      "insert into app.gone values (7), (8)");
  const auto old = export_app();
  auto r = pgpx({"migrate", "diff", "renames", "--to", desired_json(), "--schemas", "app", "--rename",
                 "app.books.title=heading", "--rename", "app.gone=kept"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;  // renames are lint warnings only
  EXPECT_TRUE(contains(r.err, "LH208")) << r.err;
  EXPECT_TRUE(contains(r.err, "LH209")) << r.err;
  const auto up = slurp_file(migrations() / "0002_renames.up.sql");
  const auto down = slurp_file(migrations() / "0002_renames.down.sql");
  EXPECT_TRUE(contains(up, "alter table \"app\".\"books\" rename column \"title\" to \"heading\";")) << up;
  EXPECT_TRUE(contains(up, "alter table \"app\".\"gone\" rename to \"kept\";")) << up;
  // Nothing else: the index and the check follow the column by themselves.
  EXPECT_FALSE(contains(up, "drop")) << up;
  EXPECT_FALSE(contains(up, "DS103")) << up;
  EXPECT_TRUE(contains(down, "alter table \"app\".\"kept\" rename to \"gone\";")) << down;
  expect_valid_sum();

  r = pgpx({"migrate", "apply"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(export_app(), want);
  EXPECT_EQ(cx().query<std::string>("select heading from app.books order by id"),
            (std::vector<std::string>{"Dune", "Emma"}));
  EXPECT_EQ(cx().query<std::int32_t>("select x from app.kept order by x"), (std::vector<std::int32_t>{7, 8}));
  r = pgpx({"migrate", "rollback"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(export_app(), old);
  EXPECT_EQ(cx().query<std::string>("select title from app.books order by id"),
            (std::vector<std::string>{"Dune", "Emma"}));
  EXPECT_EQ(cx().query<std::int32_t>("select x from app.gone order by x"), (std::vector<std::int32_t>{7, 8}));
  EXPECT_EQ(shadows(), 0);
}

TEST_F(cli_migrate_diff, on_a_terminal_each_possible_rename_is_asked_and_only_a_yes_renames) {
  write_old();
  desired(
      "create schema app;"
      "create table app.books (id int8 primary key, legacy int4, heading text not null);"
      "create table app.kept (x int4);");  // two possible renames: title -> heading, gone -> kept
  const std::vector<std::string> args = {"migrate",      "diff",      "asked", "--to",
                                         desired_json(), "--schemas", "app",   "--dry-run"};
  // No to both: the drops and adds stay, flagged; lint fails.
  auto [code, prompts, seen] = pgpx_on_terminal(args, {});
  EXPECT_EQ(prompts, 2) << seen;
  EXPECT_TRUE(contains(seen, "Rename column app.books.title to heading")) << seen;
  EXPECT_TRUE(contains(seen, "Rename table app.gone to kept")) << seen;
  EXPECT_EQ(code, 5) << seen;
  EXPECT_TRUE(contains(seen, "pgpx:lint DS103")) << seen;
  EXPECT_FALSE(contains(seen, "rename column")) << seen;
  // Yes to the column only: it is renamed, the table stays a flagged drop and create.
  std::tie(code, prompts, seen) = pgpx_on_terminal(args, {"column app.books.title to heading"});
  EXPECT_EQ(prompts, 2) << seen;
  EXPECT_EQ(code, 5) << seen;
  EXPECT_TRUE(contains(seen, "alter table \"app\".\"books\" rename column \"title\" to \"heading\";")) << seen;
  EXPECT_FALSE(contains(seen, "rename to \"kept\"")) << seen;
  EXPECT_TRUE(contains(seen, "-- destructive: table app.gone")) << seen;
  // Yes to both, written for real: lint passes (warnings only).
  std::tie(code, prompts, seen) =
      pgpx_on_terminal({"migrate", "diff", "asked", "--to", desired_json(), "--schemas", "app"},
                       {"column app.books.title to heading", "table app.gone to kept"});
  EXPECT_EQ(code, 0) << seen;
  const auto up = slurp_file(migrations() / "0002_asked.up.sql");
  EXPECT_TRUE(contains(up, "rename column \"title\" to \"heading\";")) << up;
  EXPECT_TRUE(contains(up, "alter table \"app\".\"gone\" rename to \"kept\";")) << up;
  // --rename given: no question.
  fs::remove(migrations() / "0002_asked.up.sql");
  fs::remove(migrations() / "0002_asked.down.sql");
  ASSERT_EQ(pgpx({"migrate", "hash"}).code, 0);
  std::tie(code, prompts, seen) = pgpx_on_terminal({"migrate", "diff", "asked", "--to", desired_json(), "--schemas",
                                                    "app", "--dry-run", "--rename", "app.gone=kept"},
                                                   {});
  EXPECT_EQ(prompts, 0) << seen;
  EXPECT_EQ(code, 5) << seen;  // title -> heading stays flagged
  EXPECT_EQ(shadows(), 0);
}

TEST_F(cli_migrate_diff, what_the_diff_does_not_cover_is_a_warning_and_a_comment_and_alone_writes_nothing) {
  write_old();
  // Only a table's partitioning differs (it cannot change in place): nothing pgpx can write.
  const std::string partitioned =
      std::string(old_schema)
          .replace(std::string(old_schema).find("app.gone (x int4)"), 17, "app.gone (x int4) partition by range (x)");
  desired(partitioned);
  const auto before = snapshot();
  auto r = pgpx({"migrate", "diff", "dom", "--to", desired_json(), "--schemas", "app"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "warning: not diffed (write it by hand): table app.gone becomes partitioned")) << r.err;
  EXPECT_TRUE(contains(r.err, "nothing written")) << r.err;
  EXPECT_EQ(snapshot(), before);
  // With a change it can write: what it cannot is a comment at the top of the up file.
  desired(partitioned + "create table app.extra (x int4);");
  r = pgpx({"migrate", "diff", "dom", "--to", desired_json(), "--schemas", "app"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "warning: not diffed (write it by hand): table app.gone becomes partitioned")) << r.err;
  const auto up = slurp_file(migrations() / "0002_dom.up.sql");
  EXPECT_TRUE(contains(up, "\n-- not diffed, write it by hand: table app.gone becomes partitioned")) << up;
  EXPECT_LT(up.find("not diffed"), up.find("create table")) << up;
  expect_valid_sum();
}

TEST_F(cli_migrate_diff, online_changes_that_cannot_run_in_a_transaction_get_a_no_transaction_file) {
  write_old();
  const auto want = desired(std::string(old_schema) + "create index books_title_idx on app.books (title);");
  ASSERT_EQ(pgpx({"migrate", "apply"}).code, 0);
  const auto old = export_app();
  auto r = pgpx({"migrate", "diff", "idx", "--to", desired_json(), "--schemas", "app", "--online"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto up = slurp_file(migrations() / "0002_idx.up.sql");
  const auto down = slurp_file(migrations() / "0002_idx.down.sql");
  EXPECT_EQ(up.rfind("-- pgpx: no-transaction\n", 0), 0u) << up;
  EXPECT_EQ(down.rfind("-- pgpx: no-transaction\n", 0), 0u) << down;
  EXPECT_TRUE(contains(lower(up), "create index concurrently")) << up;
  EXPECT_FALSE(contains(r.err, "LH201")) << r.err;  // concurrently: no lock warning
  r = pgpx({"migrate", "apply"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(export_app(), want);
  r = pgpx({"migrate", "rollback"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(export_app(), old);
}

TEST_F(cli_migrate_diff, a_rename_that_matches_no_possible_rename_is_refused_and_nothing_is_written) {
  write_old();
  desired(
      "create schema app;"
      "create table app.books (id int8 primary key, heading text not null, legacy int4);"
      "create table app.gone (x int4);");
  const auto before = snapshot();
  for (const std::string bad :
       {"app.books.title=nope", "app.books.id=heading", "app.books.legacy=heading", "app.gone=books"}) {
    const auto r = pgpx({"migrate", "diff", "x", "--to", desired_json(), "--schemas", "app", "--rename", bad});
    EXPECT_EQ(r.code, 2) << bad << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, bad + " matches no possible rename")) << r.err;
    EXPECT_TRUE(contains(r.err, "app.books.title=heading")) << r.err;  // what could be chosen
    EXPECT_EQ(snapshot(), before);
  }
  // Malformed, twice the same target, a bad name: refused before any database work.
  for (const auto& extra :
       {std::vector<std::string>{"--rename", "books.title"}, std::vector<std::string>{"--rename", "a.b.c.d=e"}}) {
    auto args = std::vector<std::string>{"migrate", "diff", "x", "--to", desired_json()};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = pgpx(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "rename '")) << r.err;
  }
  auto r = pgpx({"migrate", "diff", "Bad-Name", "--to", desired_json()});
  EXPECT_EQ(r.code, 2) << r.err;
  r = pgpx({"migrate", "diff", "x", "--to", desired_json(), "--to-db", "db"});
  EXPECT_EQ(r.code, 2) << r.err;
  r = pgpx({"migrate", "diff", "x", "--to-db", "no-url"});
  EXPECT_EQ(r.code, 2) << r.err;
  r = pgpx({"migrate", "diff", "x"});  // no desired schema and no <project>/schema
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--to-db")) << r.err;
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(shadows(), 0);
}

TEST_F(cli_migrate_diff, to_db_reads_the_desired_schema_from_a_live_database) {
  write_old();
  // The test database is the desired state; the migrations give the old one.
  cx().execute_script(
      "create schema app;"
      "create type app.mood as enum ('ok', 'meh');"
      "create table app.books (id int8 primary key, legacy int4, title text not null, mood app.mood);"
      "create table app.gone (x int4);"
      "create view app.titles as select id, title from app.books");
  const auto want = export_app();
  auto r = pgpx({"migrate", "diff", "mood", "--to-db", conninfo().to_string(), "--schemas", "app"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(slurp_file(migrations() / "0002_mood.up.sql"), "create view")) << r.out;
  expect_valid_sum();
  // Replayed from nothing: the old state, then the desired one, then back.
  cx().execute_script("drop schema app cascade");
  ASSERT_EQ(pgpx({"migrate", "apply", "--to", "0001"}).code, 0);
  const auto old = export_app();
  r = pgpx({"migrate", "apply"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(export_app(), want);
  r = pgpx({"migrate", "rollback"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(export_app(), old);
  EXPECT_EQ(shadows(), 0);
}

// What a written migration names can come from outside: the desired database's URL (with its
// password) and the names of its objects. Neither may put a secret or a statement into the
// file: the URL's password is masked, and a name holding a line break stays in its comment.
TEST_F(cli_migrate_diff, the_files_hold_no_password_and_no_name_can_end_a_comment) {
  write_old();
  cx().execute_script(std::string(old_schema) +
                      "create table app.\"x\ndrop table app.books;--\" (x int4);"
                      "drop table app.gone;");
  auto with_password = conninfo();
  with_password.set("password", "s3cret-pw-42");  // the test server trusts local users: it is not checked
  const auto r = pgpx({"migrate", "diff", "odd", "--to-db", with_password.to_string(), "--schemas", "app"});
  ASSERT_EQ(r.code == 0 || r.code == 5, true) << r.out << r.err;
  const auto up = slurp_file(migrations() / "0002_odd.up.sql");
  const auto down = slurp_file(migrations() / "0002_odd.down.sql");
  EXPECT_FALSE(contains(up + down + r.out + r.err, "s3cret-pw-42")) << up;
  // Read by PostgreSQL's parser, the up file is one statement (the create table, the odd
  // name quoted in it): no name ended a comment early and became SQL.
  // The odd table replaces app.gone with its columns: a possible rename, named in a comment.
  const auto statements = pgpx::migrate::split_statements(up, "0002_odd.up.sql");
  ASSERT_EQ(statements.size(), 2u) << up;
  EXPECT_EQ(statements[0].text.rfind("drop table \"app\".\"gone\"", 0), 0u) << up;
  EXPECT_EQ(statements[1].text.rfind("create table", 0), 0u) << up;
  EXPECT_TRUE(contains(up, "possible rename of app.gone to app.x drop table app.books;--")) << up;
  // The file applies (past the lint, which flags its drop of app.gone), and app.books is still there.
  cx().execute_script("drop schema app cascade");
  ASSERT_EQ(pgpx({"migrate", "apply", "--no-lint"}).code, 0);
  EXPECT_TRUE(cx().query_value<bool>("select to_regclass('app.books') is not null"));
}

// The global --dry-run reaches the commands that came after it was made: migrate diff,
// migrate create --from-diff, schema sync --apply / --migration and seed run plan only.
TEST_F(cli_migrate_diff, the_global_dry_run_plans_only_on_the_schema_and_seed_commands) {
  write_old();
  desired(std::string(old_schema) + "create table app.more (y int4);\n");
  ASSERT_EQ(pgpx({"migrate", "apply"}).code, 0);
  fs::create_directories(project_ / "seeds");
  std::ofstream(project_ / "seeds" / "a.sql") << "create table public.seeded (x int);\n";
  const auto files = snapshot();
  auto state = [&] {
    return cx().query_value<std::string>(
        "select coalesce((select string_agg(n.nspname || '.' || c.relname, ',' order by 1) from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('app', 'public', 'pgpx')), '')");
  };
  const auto before = state();
  const std::vector<std::vector<std::string>> commands = {
      {"migrate", "diff", "more", "--to", desired_json(), "--schemas", "app"},
      {"migrate", "create", "more", "--from-diff", "--to", desired_json(), "--schemas", "app"},
      {"schema", "sync", "--to", desired_json(), "--schemas", "app", "--apply", "--yes", "--allow-destructive"},
      {"schema", "sync", "--to", desired_json(), "--schemas", "app", "--migration", "more"},
      {"seed", "run"},
  };
  for (const auto& c : commands) {
    std::vector<std::string> args = {"--dry-run"};
    args.insert(args.end(), c.begin(), c.end());
    const auto r = pgpx(args);
    std::string shown;
    for (const auto& a : c) shown += a + " ";
    EXPECT_EQ(r.code, 0) << shown << r.err;
    EXPECT_EQ(state(), before) << shown;
    EXPECT_EQ(snapshot(), files) << shown;
  }
  EXPECT_EQ(shadows(), 0);
  // Without the flag, sync --apply does change the database (the test above can fail).
  const auto r = pgpx({"schema", "sync", "--to", desired_json(), "--apply", "--yes", "--schemas", "app"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(state(), before);
}

}  // namespace
