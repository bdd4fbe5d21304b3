// `--format json` of the reporting commands (migrate create|hash|diff|redo, seed create|run, db
// create|drop|reset|wait, model create, schema export --split|sync, config validate) through the real pgpx executable:
// stdout holds one JSON document and nothing else, with the facts of the run; errors stay text on stderr with their
// exit code. And the progress line of migrate apply|rollback and seed run: drawn on a terminal, never when stderr is
// piped, under CI=true or with --format json.
#include "integration/cli/cli_project.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::contains;
using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;
using pgpx::test::cli::slurp_file;

class cli_json : public pgpx::test::cli::project_test {
 protected:
  void write(const std::string& name, const std::string& content) const {
    fs::create_directories(project_ / "migrations");
    std::ofstream(project_ / "migrations" / name, std::ios::trunc) << content;
  }
  void seed(const std::string& file, const std::string& text) const {
    fs::create_directories(project_ / "seeds");
    std::ofstream(project_ / "seeds" / file, std::ios::trunc) << text;
  }
  // stdout parsed as one JSON document: trailing text of any kind fails the parse.
  static auto json(const run_result& r) -> nlohmann::json {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "stdout is not one JSON document: " << e.what() << "\n" << r.out << "\n" << r.err;
      return {};
    }
  }
  // `pgpx --url <database> ARGS...` on a terminal with CI set to `ci`: what it showed.
  auto on_terminal(std::vector<std::string> args, const std::string& ci) -> pgpx::test::cli::terminal_run {
    args.insert(args.begin(), {"--url", conninfo().to_string()});
    return pgpx::test::cli::pgpx_on_terminal(
        args, project_,
        [](std::string_view) -> std::optional<pgpx::test::cli::terminal_answer> { return std::nullopt; }, {{"CI", ci}});
  }
  // Down files that drop what their up file created say why (rollback lints them).
  static constexpr const char* undo = "-- pgpx: lint-ignore=DS101 reason=\"undoes its up file\"\n";
  // Three migrations, the third run statement by statement (no transaction), up and down.
  void write_three() const {
    write("0001_a.up.sql", "create table a (x int);\n");
    write("0001_a.down.sql", std::string(undo) + "drop table if exists a;\n");
    write("0002_b.up.sql", "create table b (x int);\n");
    write("0002_b.down.sql", std::string(undo) + "drop table if exists b;\n");
    write("0003_c.up.sql",
          "-- pgpx: no-transaction\ncreate table c (x int);\ncreate index concurrently c_x on c (x);\n"
          "insert into c values (1);\n");
    write("0003_c.down.sql", "-- pgpx: no-transaction\n" + std::string(undo) +
                                 "drop index concurrently if exists c_x;\ndrop table if exists c;\n");
  }
};

TEST_F(cli_json, migrate_create_reports_the_files_it_wrote) {
  auto r = pgpx({"migrate", "create", "add_users", "--seq", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["action"], "create");
  EXPECT_EQ(j["dry_run"], false);
  EXPECT_EQ(j["version"], "0001");
  EXPECT_EQ(j["name"], "0001_add_users");
  ASSERT_EQ(j["files"].size(), 2U) << j;
  for (const auto& f : j["files"]) EXPECT_TRUE(fs::exists(f.get<std::string>())) << f;
  EXPECT_TRUE(j["files"][0].get<std::string>().ends_with("0001_add_users.up.sql"));
  EXPECT_TRUE(j["files"][1].get<std::string>().ends_with("0001_add_users.down.sql"));
  EXPECT_TRUE(fs::exists(j["sum"].get<std::string>()));
  // Irreversible: one file; no-transaction is said.
  r = pgpx({"new", "idx", "--irreversible", "--no-tx", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["version"], "0002");
  EXPECT_EQ(j["irreversible"], true);
  EXPECT_EQ(j["no_transaction"], true);
  ASSERT_EQ(j["files"].size(), 1U) << j;
  EXPECT_FALSE(fs::exists(project_ / "migrations" / "0002_idx.down.sql"));
  // The global --dry-run: the same report, nothing written.
  r = pgpx({"--dry-run", "new", "later", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(j["version"], "0003");
  EXPECT_TRUE(j["sum"].is_null());
  EXPECT_FALSE(fs::exists(j["files"][0].get<std::string>()));
  // A usage error in JSON mode: exit 2, the error object on stdout, nothing written.
  r = pgpx({"new", "Bad-Name", "--format", "json"});
  EXPECT_EQ(r.code, 2) << r.err;
  j = json(r);
  EXPECT_EQ(j["error"]["code"], 2) << r.out;
  EXPECT_TRUE(contains(j["error"]["message"].get<std::string>(), "Bad-Name")) << r.out;
  EXPECT_EQ(std::distance(fs::directory_iterator(project_ / "migrations"), fs::directory_iterator()), 4);
}

TEST_F(cli_json, migrate_hash_reports_the_sum_it_wrote) {
  write_three();
  auto r = pgpx({"migrate", "hash", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["action"], "hash");
  EXPECT_EQ(j["dry_run"], false);
  const auto sum = slurp_file(project_ / "migrations" / "pgpx.sum");
  ASSERT_TRUE(j["total"].is_string());
  EXPECT_TRUE(contains(sum, j["total"].get<std::string>())) << sum << j;
  // One entry per file, each hash the one written.
  std::vector<std::string> files;
  for (const auto& f : j["files"]) {
    files.push_back(f["file"].get<std::string>());
    EXPECT_TRUE(contains(sum, f["file"].get<std::string>() + " " + f["hash"].get<std::string>())) << f << sum;
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"0001_a.down.sql", "0001_a.up.sql", "0002_b.down.sql", "0002_b.up.sql",
                                             "0003_c.down.sql", "0003_c.up.sql"}));
  // An edit and a dry run: the new total is reported, the file keeps the old one.
  write("0002_b.up.sql", "create table b (x bigint);\n");
  r = pgpx({"--dry-run", "migrate", "hash", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto dry = json(r);
  EXPECT_EQ(dry["dry_run"], true);
  EXPECT_NE(dry["total"], j["total"]);
  EXPECT_EQ(slurp_file(project_ / "migrations" / "pgpx.sum"), sum);
}

// Errors in JSON mode: the text on stderr and the exit code as ever, and one JSON error object
// on stdout: {"error": {"message", "code", "file"?, "line"?}}.
TEST_F(cli_json, apply_errors_in_json_mode_are_text_on_stderr_and_an_error_object_on_stdout) {
  write("0001_a.up.sql", "create table a (x int);\n");
  write("0002_bad.up.sql", "create table b (x no_such_type);\n");
  auto r = pgpx({"migrate", "apply", "--format", "json"});
  EXPECT_EQ(r.code, 9) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "pgpx: error:")) << r.err;
  EXPECT_TRUE(contains(r.err, "no_such_type")) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["error"]["code"], 9) << r.out;
  EXPECT_TRUE(contains(j["error"]["message"].get<std::string>(), "no_such_type")) << r.out;
  EXPECT_FALSE(j["error"].contains("file")) << r.out;
  // A file at fault is named with its line (a refused import).
  fs::create_directories(project_ / "old");
  std::ofstream(project_ / "old" / "20240101120000_a.sql") << "-- migrate:up\ncreate table x (id int);\n";
  std::ofstream(project_ / "old" / "20240102120000_b.sql") << "\n-- migrate:up bogus\n";
  r = pgpx({"migrate", "import", "--from", "dbmate", "old", "--format", "json", "-d", "elsewhere"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "20240102120000_b.sql:2")) << r.err;
  j = json(r);
  EXPECT_EQ(j["error"]["code"], 2) << r.out;
  EXPECT_EQ(j["error"]["file"], "old/20240102120000_b.sql") << r.out;
  EXPECT_EQ(j["error"]["line"], 2) << r.out;
  // Without --format json: stdout stays empty.
  r = pgpx({"migrate", "apply"});
  EXPECT_EQ(r.code, 9) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  // A command line that does not parse: exit 2, text only (the format itself may not be read).
  r = pgpx({"migrate", "apply", "--format", "json", "--tx", "bogus"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

// config show --format json: the rows of the text form, secrets masked the same way.
TEST_F(cli_json, config_show_reports_the_rows_with_secrets_masked) {
  const std::string url = "postgresql://someone:Sup3rSecretPw@127.0.0.1:1/nowhere";
  auto r = pgpx_run({"--url", url, "config", "show", "--format", "json"}, project_);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = json(r);
  EXPECT_EQ(j["action"], "config show");
  EXPECT_TRUE(contains(j["config"]["connection"].get<std::string>(), "someone")) << r.out;
  EXPECT_TRUE(j["config"].contains("connection_source")) << r.out;
  EXPECT_FALSE(contains(r.out, "Sup3rSecretPw")) << r.out;
  const auto text = pgpx_run({"--url", url, "config", "show"}, project_);
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, j["config"]["connection"].get<std::string>())) << text.out << r.out;
}

// Commands that report a failure themselves and return its code (no exception) print the
// error object too: db wait's timeout, a template error, a refused extension uninstall.
TEST_F(cli_json, failures_a_command_reports_itself_give_an_error_object_too) {
  auto r = pgpx_run(
      {"--url", "postgresql://nobody:sekrit-pw@127.0.0.1:1/none", "db", "wait", "--timeout", "1s", "--format", "json"},
      project_);
  EXPECT_EQ(r.code, 11) << r.out << r.err;
  auto j = json(r);
  EXPECT_EQ(j["error"]["code"], 11) << r.out;
  EXPECT_TRUE(contains(j["error"]["message"].get<std::string>(), "did not accept connections")) << r.out;
  EXPECT_FALSE(contains(r.out, "sekrit-pw")) << r.out;
  EXPECT_FALSE(contains(r.err, "sekrit-pw")) << r.err;
  r = pgpx({"query", "-t", "no_such_template", "--format", "json"});
  EXPECT_EQ(r.code, 10) << r.out << r.err;
  j = json(r);
  EXPECT_EQ(j["error"]["code"], 10) << r.out;
  EXPECT_TRUE(contains(j["error"]["message"].get<std::string>(), "no_such_template")) << r.out;
  // Without --format json, stdout stays empty.
  r = pgpx({"query", "-t", "no_such_template"});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

// redo whose apply half fails after the rollback half succeeded: one document saying both,
// and the apply error's exit code.
TEST_F(cli_json, redo_whose_apply_fails_reports_the_rollback_and_the_error) {
  write("0001_s.up.sql", "create sequence s;\n");
  write("0001_s.down.sql", "select 1;\n");  // leaves the sequence: applying again fails
  ASSERT_EQ(pgpx({"migrate", "apply"}).code, 0);
  const auto r = pgpx({"migrate", "redo", "--format", "json"});
  EXPECT_EQ(r.code, 9) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "pgpx: error:")) << r.err;
  const auto j = json(r);
  EXPECT_EQ(j["action"], "redo") << r.out;
  ASSERT_EQ(j["rollback"]["migrations"].size(), 1U) << r.out;
  EXPECT_EQ(j["rollback"]["migrations"][0]["version"], "0001");
  EXPECT_TRUE(j["apply"].is_null()) << r.out;
  EXPECT_EQ(j["error"]["code"], 9) << r.out;
  EXPECT_TRUE(contains(j["error"]["message"].get<std::string>(), "already exists")) << r.out;
  EXPECT_EQ(j["reapplied"], nlohmann::json::array()) << r.out;  // nothing applied again
}

// Two rolled back, the first applied again, the second failing: the report says which one
// is in place again (a script reading it must not think both are rolled back).
TEST_F(cli_json, redo_whose_apply_fails_halfway_names_what_was_applied_again) {
  write("0001_t.up.sql", "create table t1 (x int);\n");
  write("0001_t.down.sql", "drop table t1;\n");
  write("0002_s.up.sql", "create sequence s2;\n");
  write("0002_s.down.sql", "select 1;\n");  // leaves the sequence: applying 0002 again fails
  ASSERT_EQ(pgpx({"migrate", "apply"}).code, 0);
  const auto r = pgpx({"migrate", "redo", "--steps", "2", "--no-lint", "--format", "json"});
  EXPECT_EQ(r.code, 9) << r.out << r.err;
  const auto j = json(r);
  ASSERT_TRUE(j.contains("rollback")) << r.out;
  ASSERT_EQ(j["rollback"]["migrations"].size(), 2U) << r.out;
  EXPECT_TRUE(j["apply"].is_null()) << r.out;
  EXPECT_EQ(j["reapplied"], nlohmann::json::array({"0001"})) << r.out;
  EXPECT_EQ(j["error"]["code"], 9) << r.out;
}

// What else is written to stderr while the progress line stands (here the server's warning,
// logged) erases the line first, so it starts on a clean line.
TEST_F(cli_json, stderr_text_during_a_run_starts_on_a_cleared_progress_line) {
  write("0001_a.up.sql", "do $$ begin raise warning 'said by the migration'; end $$;\n");
  const auto t = on_terminal({"migrate", "apply"}, "false");
  ASSERT_EQ(t.code, 0) << t.output;
  const auto drawn = t.output.find("[1/1] 0001_a.up.sql");
  const auto said = t.output.find("said by the migration");
  ASSERT_NE(drawn, std::string::npos) << t.output;
  ASSERT_NE(said, std::string::npos) << t.output;
  ASSERT_LT(drawn, said) << t.output;
  const auto between = t.output.substr(drawn, said - drawn);
  EXPECT_TRUE(contains(between, "\r\x1b[K")) << t.output;
}

TEST_F(cli_json, seed_run_reports_each_seed_with_its_status) {
  std::ofstream(project_ / "pgpx.toml", std::ios::trunc) << "[env.dev]\n[env.ci]\n";
  cx().execute_script("create table t (x text)");
  seed("a_users.sql", "insert into t values ('a');\n");
  seed("b_demo.sql", "-- pgpx: env=ci\ninsert into t values ('b');\n");
  auto r = pgpx({"-e", "dev", "seed", "run", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["action"], "seed run");
  EXPECT_EQ(j["dry_run"], false);
  EXPECT_EQ(j["environment"], "dev");
  ASSERT_EQ(j["seeds"].size(), 2U) << j;
  EXPECT_EQ(j["seeds"][0]["name"], "a_users");
  EXPECT_EQ(j["seeds"][0]["status"], "run");
  EXPECT_EQ(j["seeds"][1]["name"], "b_demo");
  EXPECT_EQ(j["seeds"][1]["status"], "env");
  EXPECT_EQ(cx().query<std::string>("select x from t"), std::vector<std::string>{"a"});
  // Again: unchanged. In ci: b runs, a is unchanged.
  r = pgpx({"-e", "ci", "seed", "run", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["seeds"][0]["status"], "unchanged");
  EXPECT_EQ(j["seeds"][1]["status"], "run");
  // A dry run carries the SQL of what would run, and runs nothing.
  seed("a_users.sql", "insert into t values ('a2');\n");
  r = pgpx({"-e", "dev", "seed", "run", "--dry-run", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(j["seeds"][0]["status"], "run");
  EXPECT_TRUE(contains(j["seeds"][0]["sql"].get<std::string>(), "'a2'")) << j;
  EXPECT_EQ(cx().query_value<long>("select count(*) from t where x = 'a2'"), 0);
  // seed create.
  r = pgpx({"seed", "create", "c_more", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["name"], "c_more");
  EXPECT_TRUE(fs::exists(j["file"].get<std::string>()));
}

TEST_F(cli_json, db_verbs_report_their_outcome) {
  const std::string name = "Pgpx-Json-Db-" + std::to_string(::getpid());
  auto ci = conninfo();
  ci.set("dbname", name);
  const auto db = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--url", ci.to_string()});
    return pgpx_run(args, project_);
  };
  auto r = db({"db", "create", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["action"], "db create");
  EXPECT_EQ(j["database"], name);
  EXPECT_EQ(j["outcome"], "created");
  j = json(db({"db", "create", "--format", "json"}));
  EXPECT_EQ(j["outcome"], "exists");
  r = db({"db", "wait", "--format", "json", "--timeout", "5s"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["ready"], true);
  EXPECT_TRUE(j["waited_ms"].is_number_integer());
  write("0001_a.up.sql", "create table a (x int);\n");
  write("0002_b.up.sql", "create table b (x int);\n");
  j = json(db({"--dry-run", "db", "reset", "--format", "json"}));
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(j["dropped"], "would drop");
  EXPECT_EQ(j["migrations"], nlohmann::json::array({"0001_a", "0002_b"}));
  r = db({"--yes", "db", "reset", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["dropped"], "dropped");
  EXPECT_EQ(j["created"], "created");
  EXPECT_EQ(j["migrations"], nlohmann::json::array({"0001_a", "0002_b"}));
  r = db({"--yes", "db", "drop", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json(r)["outcome"], "dropped");
  EXPECT_EQ(json(db({"--yes", "db", "drop", "--format", "json"}))["outcome"], "absent");
  // Refused without --yes: text on stderr, exit 2, the error object on stdout.
  r = db({"db", "drop", "--format", "json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(json(r)["error"]["code"], 2) << r.out;
  EXPECT_TRUE(contains(r.err, "--yes")) << r.err;
}

TEST_F(cli_json, apply_and_rollback_draw_progress_on_a_terminal_only) {
  write_three();
  auto t = on_terminal({"migrate", "apply"}, "false");
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_TRUE(contains(t.output, "[1/3] 0001_a.up.sql")) << t.output;
  EXPECT_TRUE(contains(t.output, "[2/3] 0002_b.up.sql")) << t.output;
  // The no-transaction file, statement by statement.
  EXPECT_TRUE(contains(t.output, "[3/3] 0003_c.up.sql (statement 1/3)")) << t.output;
  EXPECT_TRUE(contains(t.output, "[3/3] 0003_c.up.sql (statement 3/3)")) << t.output;
  // Cleared before the report.
  const auto last = t.output.rfind("(statement 3/3)");
  const auto cleared = t.output.find("\r\x1b[K", last);
  const auto report = t.output.find("applied 0001_a", last);
  ASSERT_NE(cleared, std::string::npos) << t.output;
  ASSERT_NE(report, std::string::npos) << t.output;
  EXPECT_LT(cleared, report);
  EXPECT_EQ(cx().query_value<long>("select count(*) from c"), 1);
  t = on_terminal({"migrate", "rollback", "--to", "0001"}, "false");
  EXPECT_EQ(t.code, 0) << t.output;
  EXPECT_TRUE(contains(t.output, "[1/2] 0003_c.down.sql (statement 2/2)")) << t.output;
  EXPECT_TRUE(contains(t.output, "[2/2] 0002_b.down.sql")) << t.output;

  // CI=true, --format json, --quiet: none.
  t = on_terminal({"migrate", "apply"}, "true");
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_TRUE(contains(t.output, "applied 0003_c")) << t.output;
  EXPECT_FALSE(contains(t.output, "[1/2]")) << t.output;
  EXPECT_FALSE(contains(t.output, "\r\x1b[K")) << t.output;
  for (const auto& args : {std::vector<std::string>{"migrate", "rollback", "--format", "json"},
                           std::vector<std::string>{"-q", "migrate", "apply"}}) {
    t = on_terminal(args, "false");
    EXPECT_EQ(t.code, 0) << t.output;
    EXPECT_FALSE(contains(t.output, "[1/1]")) << t.output;
    EXPECT_FALSE(contains(t.output, "\r\x1b[K")) << t.output;
  }
  // Piped: none.
  auto r = pgpx({"migrate", "rollback", "--all"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "rolled back 0003_c")) << r.out;
  EXPECT_FALSE(contains(r.err, "[1/")) << r.err;
  EXPECT_FALSE(contains(r.err, "\r")) << r.err;
}

TEST_F(cli_json, seed_run_draws_progress_on_a_terminal_only) {
  cx().execute_script("create table t (x text)");
  seed("a.sql", "insert into t values ('a');\n");
  seed("b.sql", "insert into t values ('b');\n");
  auto t = on_terminal({"seed", "run"}, "false");
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_TRUE(contains(t.output, "[1/2] a.sql")) << t.output;
  EXPECT_TRUE(contains(t.output, "[2/2] b.sql")) << t.output;
  auto r = pgpx({"seed", "run", "--force"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "applied b")) << r.out;
  EXPECT_FALSE(contains(r.err, "[1/2]")) << r.err;
  EXPECT_FALSE(contains(r.err, "\r")) << r.err;
}

// migrate diff (and create --from-diff): the changes with their flags, the renames chosen and
// left, the files with their SQL, the lint findings; exit codes as in text.
TEST_F(cli_json, migrate_diff_reports_changes_renames_files_and_lint) {
  write("0001_init.up.sql",
        "create schema app;\ncreate table app.books (id int8 primary key, title text not null);\n"
        "create table app.gone (x int4);\n");
  write("0001_init.down.sql", "drop schema if exists app cascade;\n");
  ASSERT_EQ(pgpx({"migrate", "hash"}).code, 0);
  // The desired schema, as a catalog file.
  cx().execute_script("create schema app; create table app.books (id int8 primary key, heading text not null);");
  const auto desired = (project_ / "desired.json").string();
  ASSERT_EQ(pgpx({"schema", "export", "--schemas", "app", "--format", "json", "-o", desired}).code, 0);
  cx().execute_script("drop schema app cascade");

  // create --from-diff, a dry run with the rename chosen: reported, nothing written.
  auto r = pgpx({"--dry-run", "migrate", "create", "renamed", "--from-diff", "--to", desired, "--schemas", "app",
                 "--rename", "app.books.title=heading", "--format", "json"});
  auto j = json(r);
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(j["version"], "0002");
  EXPECT_EQ(j["renamed"], nlohmann::json::array({"app.books.title=heading"}));
  ASSERT_FALSE(j["files"].empty()) << j;
  EXPECT_TRUE(contains(j["files"][0]["sql"].get<std::string>(), "rename column \"title\" to \"heading\"")) << j;
  EXPECT_FALSE(fs::exists(j["files"][0]["path"].get<std::string>()));
  EXPECT_EQ(j["possible_renames"], nlohmann::json::array());

  r = pgpx({"migrate", "diff", "change", "--to", desired, "--schemas", "app", "--format", "json"});
  EXPECT_EQ(r.code, 5) << r.out << r.err;  // written, with lint errors
  j = json(r);
  EXPECT_EQ(j["action"], "diff");
  EXPECT_EQ(j["dry_run"], false);
  EXPECT_EQ(j["version"], "0002");
  EXPECT_EQ(j["possible_renames"], nlohmann::json::array({"app.books.title=heading"}));
  EXPECT_EQ(j["renamed"], nlohmann::json::array());
  bool gone = false;
  for (const auto& c : j["changes"])
    if (c["object"] == "table app.gone") gone = c["destructive"] == true && c["kind"] == "table";
  EXPECT_TRUE(gone) << j["changes"];
  ASSERT_EQ(j["files"].size(), 2U) << j;
  for (const auto& f : j["files"])
    EXPECT_EQ(slurp_file(f["path"].get<std::string>()), f["sql"].get<std::string>()) << f["path"];
  EXPECT_GT(j["lint_errors"].get<int>(), 0);
  bool ds103 = false;
  for (const auto& l : j["lint"])
    ds103 = ds103 || (l["rule"] == "DS103" && l["file"] == j["files"][0]["path"] && l["severity"] == "error");
  EXPECT_TRUE(ds103) << j["lint"];

  // No differences (0002 makes the desired schema): an empty report, exit 0, nothing written.
  r = pgpx({"migrate", "diff", "none", "--to", desired, "--schemas", "app", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["differ"], false);
  EXPECT_TRUE(j["changes"].empty());
  EXPECT_TRUE(j["files"].empty());
  EXPECT_FALSE(fs::exists(project_ / "migrations" / "0003_none.up.sql"));
}

// model create: the files written (and those no longer generated); with --check, whether
// the models are up to date and each file that drifted, and how; exit 7 as in text.
TEST_F(cli_json, model_create_reports_the_files_and_the_drift) {
  cx().execute_script(
      "create type mood as enum ('ok', 'sad'); create table authors (id int8 primary key, name text not null);"
      "create table books (id int8 primary key, author_id int8 references authors, m mood)");
  auto r = pgpx({"model", "create", "--all", "--out", "gen", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["action"], "model create");
  EXPECT_EQ(j["check"], false);
  std::vector<std::string> names;
  for (const auto& f : j["files"]) {
    const fs::path written = f.get<std::string>();  // as --out gave it: relative to the project
    EXPECT_TRUE(fs::exists(written.is_absolute() ? written : project_ / written)) << f;
    names.push_back(fs::path(f.get<std::string>()).filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"public_.hpp", "types.hpp"}));
  EXPECT_TRUE(j["stale"].empty());
  r = pgpx({"model", "create", "--all", "--out", "gen", "--check", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["up_to_date"], true);
  EXPECT_TRUE(j["drift"].empty());
  // A column added: public_.hpp differs; types.hpp missing; exit 7 with the report.
  cx().execute("alter table books add column isbn text");
  fs::remove(project_ / "gen" / "types.hpp");
  r = pgpx({"model", "create", "--all", "--out", "gen", "--check", "--format", "json"});
  EXPECT_EQ(r.code, 7) << r.err;
  j = json(r);
  EXPECT_EQ(j["up_to_date"], false);
  std::vector<std::string> drift;
  for (const auto& d : j["drift"])
    drift.push_back(fs::path(d["file"].get<std::string>()).filename().string() + " " + d["state"].get<std::string>());
  std::sort(drift.begin(), drift.end());
  EXPECT_EQ(drift, (std::vector<std::string>{"public_.hpp differs", "types.hpp missing"}));
  // Only authors: types.hpp (written again first) is no longer generated.
  ASSERT_EQ(pgpx({"model", "create", "--all", "--out", "gen"}).code, 0);
  r = pgpx({"model", "create", "authors", "--out", "gen", "--check", "--format", "json"});
  EXPECT_EQ(r.code, 7);
  j = json(r);
  bool stale = false;
  for (const auto& d : j["drift"])
    stale = stale || (d["state"] == "stale" && d["file"].get<std::string>().ends_with("types.hpp"));
  EXPECT_TRUE(stale) << j;
  r = pgpx({"model", "create", "authors", "--out", "gen", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  ASSERT_EQ(j["stale"].size(), 1U) << j;
  EXPECT_TRUE(j["stale"][0].get<std::string>().ends_with("types.hpp"));
}

// schema export --split: the files stay SQL; --format json is the report of the files
// written, in the order index.sql lists them.
TEST_F(cli_json, schema_export_split_reports_the_files_in_index_order) {
  cx().execute_script(
      "create table authors (id int8 primary key); create table books (id int8 primary key, author_id int8 "
      "references authors); create index books_author on books (author_id)");
  const auto out = (project_ / "split").string();
  auto r = pgpx({"schema", "export", "--split", "-o", out, "--schemas", "public", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["action"], "export");
  EXPECT_EQ(j["split"], true);
  EXPECT_EQ(j["index"], (fs::path(out) / "index.sql").string());
  ASSERT_GE(j["files"].size(), 3U) << j;
  std::vector<std::string> files;
  for (const auto& f : j["files"]) {
    const auto p = f.get<std::string>();
    EXPECT_TRUE(fs::exists(p)) << p;
    EXPECT_TRUE(p.ends_with(".sql")) << p;
    files.push_back(p);
  }
  // index.sql lists the same files, in the same order; authors comes before books.
  const auto index = slurp_file(fs::path(out) / "index.sql");
  std::size_t at = 0;
  for (const auto& p : files) {
    const auto rel = fs::path(p).lexically_relative(out).string();
    const auto found = index.find(rel, at);
    EXPECT_NE(found, std::string::npos) << rel << "\n" << index;
    if (found != std::string::npos) at = found;
  }
  const auto pos = [&](const std::string& part) {
    return std::find_if(files.begin(), files.end(), [&](const std::string& p) { return contains(p, part); }) -
           files.begin();
  };
  EXPECT_LT(pos("table/authors.sql"), pos("table/books.sql"));
  EXPECT_LT(static_cast<std::size_t>(pos("table/books.sql")), files.size());
}

// config validate: valid with the file found; an error gives exit 10 and the diagnostic
// with its place.
TEST_F(cli_json, config_validate_reports_the_diagnostics) {
  std::ofstream(project_ / "pgpx.toml", std::ios::trunc) << "[env.dev]\n";
  auto r = pgpx_run({"config", "validate", "--format", "json"}, project_);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["action"], "config validate");
  EXPECT_EQ(j["valid"], true);
  EXPECT_TRUE(j["diagnostics"].empty()) << j;
  ASSERT_TRUE(j["file"].is_string()) << j;
  EXPECT_EQ(fs::path(j["file"].get<std::string>()).filename(), "pgpx.toml");
  std::ofstream(project_ / "pgpx.toml", std::ios::trunc) << "[env.dev]\nurl = \n";
  r = pgpx_run({"config", "validate", "--format", "json"}, project_);
  EXPECT_EQ(r.code, 10) << r.out << r.err;
  j = json(r);
  EXPECT_EQ(j["valid"], false);
  ASSERT_FALSE(j["diagnostics"].empty()) << j;
  EXPECT_EQ(j["diagnostics"][0]["warning"], false);
  EXPECT_EQ(j["diagnostics"][0]["line"], 2) << j;
  EXPECT_TRUE(j["diagnostics"][0]["where"].get<std::string>().ends_with("pgpx.toml")) << j;
}

// db reset applies the migrations with the progress line on a terminal.
TEST_F(cli_json, db_reset_draws_progress_on_a_terminal) {
  const std::string name = "pgpx_json_reset_" + std::to_string(::getpid());
  auto ci = conninfo();
  ci.set("dbname", name);
  write("0001_a.up.sql", "create table a (x int);\n");
  write("0002_b.up.sql", "create table b (x int);\n");
  const auto t = pgpx::test::cli::pgpx_on_terminal(
      {"--url", ci.to_string(), "--yes", "db", "reset"}, project_,
      [](std::string_view) -> std::optional<pgpx::test::cli::terminal_answer> { return std::nullopt; }, {{"CI", ""}});
  EXPECT_EQ(t.code, 0) << t.output;
  EXPECT_TRUE(contains(t.output, "[1/2] 0001_a.up.sql")) << t.output;
  EXPECT_TRUE(contains(t.output, "[2/2] 0002_b.up.sql")) << t.output;
  EXPECT_TRUE(contains(t.output, "applied 0002_b")) << t.output;
  EXPECT_EQ(pgpx_run({"--url", ci.to_string(), "--yes", "db", "drop"}, project_).code, 0);
}

// migrate redo: one JSON document with the rollback's and the apply's reports.
TEST_F(cli_json, migrate_redo_prints_one_document) {
  write_three();
  ASSERT_EQ(pgpx({"migrate", "apply"}).code, 0);
  auto r = pgpx({"migrate", "redo", "--steps", "2", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["action"], "redo");
  EXPECT_EQ(j["dry_run"], false);
  ASSERT_EQ(j["rollback"]["migrations"].size(), 2U) << j;
  EXPECT_EQ(j["rollback"]["migrations"][0]["version"], "0003");
  EXPECT_EQ(j["rollback"]["migrations"][1]["version"], "0002");
  ASSERT_EQ(j["apply"]["migrations"].size(), 2U) << j;
  EXPECT_EQ(j["apply"]["migrations"][0]["version"], "0002");
  EXPECT_EQ(j["apply"]["migrations"][1]["no_transaction"], true);
  EXPECT_EQ(cx().query_value<long>("select count(*) from c"), 1);
  r = pgpx({"--dry-run", "migrate", "redo", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = json(r);
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(j["rollback"]["migrations"][0]["version"], "0003");
  EXPECT_TRUE(j["apply"].is_null());
}

// schema sync: the JSON report says what was applied and how; on a terminal the steps that
// run outside a transaction (CREATE INDEX CONCURRENTLY) draw the progress line.
TEST_F(cli_json, schema_sync_reports_what_it_applied_and_draws_its_concurrent_steps) {
  cx().execute_script("create table t (x int, y int); insert into t select g, g from generate_series(1, 100) g");
  fs::create_directories(project_ / "desired");
  std::ofstream(project_ / "desired" / "schema.sql") << "create table t (x int, y int, z int); create index t_x_idx "
                                                        "on t (x);\n";
  auto r = pgpx({"schema", "sync", "--to", "desired", "--online", "--apply", "--yes", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json(r);
  EXPECT_EQ(j["action"], "sync");
  EXPECT_EQ(j["dry_run"], false);
  ASSERT_EQ(j["applied"].size(), 2U) << j;
  EXPECT_EQ(j["applied"][0]["object"], "column public.t.z");
  EXPECT_EQ(j["applied"][0]["transactional"], true);
  EXPECT_EQ(j["applied"][1]["object"], "index public.t_x_idx on public.t");
  EXPECT_EQ(j["applied"][1]["transactional"], false);
  EXPECT_EQ(j["remaining"]["differ"], false);
  // Two more indexes, on a terminal: each concurrent step is drawn, then erased.
  std::ofstream(project_ / "desired" / "schema.sql", std::ios::trunc)
      << "create table t (x int, y int, z int); create index t_x_idx on t (x); create index t_y_idx on t (y);"
         "create index t_z_idx on t (z);\n";
  const auto t = on_terminal({"schema", "sync", "--to", "desired", "--online", "--apply", "--yes"}, "false");
  EXPECT_EQ(t.code, 0) << t.output;
  EXPECT_TRUE(contains(t.output, "[1/2] index public.t_y_idx")) << t.output;
  EXPECT_TRUE(contains(t.output, "[2/2] index public.t_z_idx")) << t.output;
  EXPECT_TRUE(contains(t.output, "\r\x1b[K-- applied outside a transaction block: index public.t_z_idx")) << t.output;
}

}  // namespace
