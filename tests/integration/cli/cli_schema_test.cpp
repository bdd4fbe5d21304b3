// `pgpx schema export|diff` through the real pgpx executable: export as SQL and JSON, diff
// between the database, a JSON catalog and a migrations directory (through a shadow
// database that must not outlive the command), --exit-code, and bad sources.
#include "integration/cli/cli_support.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/executor.hpp>
#include <pgpx/core/identifier.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
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
  EXPECT_EQ(j.at("format"), "pgpx.catalog/2");
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

// ---- export --split, declarative directories, schema sync ----------------------------------

auto files_in(const fs::path& dir) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (!e.is_directory()) out.push_back(fs::relative(e.path(), dir).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

auto contains(const std::string& text, const std::string& part) -> bool { return text.find(part) != std::string::npos; }

// A schema with an object of every kind the split files differently, with dependencies
// across files (a foreign key to a later table, a view over two tables, an owned sequence).
constexpr const char* rich_schema =
    "create schema app;"
    "comment on schema app is 'the app';"
    "create type app.mood as enum ('sad', 'happy');"
    "create sequence app.counter;"
    "create table app.books (id int8 primary key, author_id int8, title text not null, mood app.mood,"
    "  n int default nextval('app.counter'));"
    "alter sequence app.counter owned by app.books.n;"
    "create table app.authors (id int8 primary key, name text);"
    "alter table app.books add constraint books_author_fk foreign key (author_id) references app.authors (id);"
    "create index books_title_idx on app.books (title);"
    "comment on column app.books.title is 'the title';"
    "create view app.shelf as select b.title, a.name from app.books b join app.authors a on a.id = b.author_id;"
    "create function app.twice(x int) returns int language sql immutable as $$ select 2 * x $$;"
    "create table public.plain (x int)";

TEST_F(cli_schema, export_split_writes_one_file_per_object_and_reads_back_byte_identical) {
  cx().execute_script(rich_schema);
  const auto plain = pgpx({"schema", "export"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  const fs::path out = dir_ / "split";
  auto r = pgpx({"schema", "export", "--split", "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto files = files_in(out);
  for (const std::string f : {"index.sql", "app/schema.sql", "app/table/books.sql", "app/table/authors.sql",
                              "app/table/books.foreign_keys.sql", "app/table/books.indexes.sql", "app/type/mood.sql",
                              "app/sequence/counter.sql", "app/view/shelf.sql", "public/table/plain.sql"})
    EXPECT_NE(std::find(files.begin(), files.end(), f), files.end()) << f;
  EXPECT_TRUE(contains(slurp_file(out / "app/table/books.sql"), "create table \"app\".\"books\"")) << r.out;
  EXPECT_FALSE(contains(slurp_file(out / "app/table/books.sql"), "authors"));  // the foreign key is a later file
  // The concatenation in index order is the plain export, byte for byte.
  std::string joined;
  const std::string index = slurp_file(out / "index.sql");
  std::stringstream lines(index);
  std::size_t listed = 0;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("\\ir ", 0) == 0) {
      joined += slurp_file(out / line.substr(4));
      ++listed;
    }
  EXPECT_EQ(joined, plain.out);
  EXPECT_EQ(listed + 1, files.size());  // every file but the index is listed
  // The directory is a schema source: applied to a shadow database, it exports the same bytes.
  r = pgpx({"schema", "export", "--from", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, plain.out);
  EXPECT_EQ(shadows(), 0);
  r = pgpx({"schema", "diff", "--to", out.string(), "--exit-code"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  // Deterministic: a second export into the same directory changes no byte.
  ASSERT_EQ(pgpx({"schema", "export", "--split", "-o", out.string()}).code, 0);
  EXPECT_EQ(files_in(out), files);
  EXPECT_EQ(slurp_file(out / "index.sql"), index);
  // A removed object's file disappears, with its directory when empty.
  cx().execute_script("drop view app.shelf; drop function app.twice(int)");
  ASSERT_EQ(pgpx({"schema", "export", "--split", "-o", out.string()}).code, 0);
  EXPECT_FALSE(fs::exists(out / "app/view/shelf.sql"));
  EXPECT_FALSE(fs::exists(out / "app/view"));
  EXPECT_FALSE(fs::exists(out / "app/function"));
  EXPECT_FALSE(contains(slurp_file(out / "index.sql"), "shelf"));
}

TEST_F(cli_schema, export_split_never_overwrites_files_it_did_not_write) {
  cx().execute_script("create table t (x int)");
  const fs::path out = dir_ / "split";
  ASSERT_EQ(pgpx({"schema", "export", "--split", "-o", out.string()}).code, 0);
  const std::string index = slurp_file(out / "index.sql");
  // A file of the user's among them: refused, named, nothing written or removed.
  std::ofstream(out / "public" / "notes.txt") << "mine";
  cx().execute_script("drop table t; create table u (y int)");
  auto r = pgpx({"schema", "export", "--split", "-o", out.string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "public/notes.txt")) << r.err;
  EXPECT_EQ(slurp_file(out / "index.sql"), index);
  EXPECT_TRUE(fs::exists(out / "public/table/t.sql"));
  EXPECT_FALSE(fs::exists(out / "public/table/u.sql"));
  // A directory that no --split wrote (its own schema.sql, an index.sql of someone else's).
  fs::create_directories(dir_ / "mine");
  std::ofstream(dir_ / "mine" / "index.sql") << "create table mine (x int);\n";
  r = pgpx({"schema", "export", "--split", "-o", (dir_ / "mine").string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "index.sql")) << r.err;
  EXPECT_EQ(slurp_file(dir_ / "mine" / "index.sql"), "create table mine (x int);\n");
  // A relative directory (from the working directory), with a trailing slash: its own files
  // are recognised again on the next export, and a dropped table's file goes.
  ASSERT_EQ(pgpx({"schema", "export", "--split", "-o", "rel/"}).code, 0);
  EXPECT_TRUE(fs::exists(dir_ / "rel/public/table/u.sql"));
  cx().execute_script("drop table u");
  auto again = pgpx({"schema", "export", "--split", "-o", "rel/"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_FALSE(fs::exists(dir_ / "rel/public/table/u.sql"));
  EXPECT_FALSE(fs::exists(dir_ / "rel/public"));
  EXPECT_TRUE(fs::exists(dir_ / "rel/index.sql"));
  // A file where the directory should be, and --split without -o (--format json is the report
  // of the files written: cli_json_test).
  EXPECT_EQ(pgpx({"schema", "export", "--split", "-o", (dir_ / "mine" / "index.sql").string()}).code, 2);
  EXPECT_EQ(pgpx({"schema", "export", "--split"}).code, 2);
}

TEST_F(cli_schema, export_split_gives_hostile_names_distinct_safe_file_names) {
  // Slashes, dots, "..", case-only differences, UTF-8, a '%' that looks like an escape, a
  // space, a 63-byte name: each a table of its own, in a schema with a hostile name too.
  const std::vector<std::string> names{"a/b", "..",         ".",   "A",      "a",
                                       "x.y", "\xc3\xbcml", "%41", "sp ace", std::string(63, 'L')};
  std::string sql = "create schema \"Odd/.Schema\";";
  for (const auto& n : names) sql += "create table \"Odd/.Schema\"." + pgpx::quote_identifier(n) + " (x int);";
  // Two overloads whose file names (name and argument types) are too long: cut, made distinct by a hash.
  const std::string fn = "\"Odd/.Schema\"." + pgpx::quote_identifier(std::string(63, 'F'));
  sql += "create function " + fn + "(\"A long argument name\" int) returns int language sql as 'select 1';";
  sql += "create function " + fn + "(\"A long argument name\" text) returns int language sql as 'select 2';";
  cx().execute_script(sql);
  const auto plain = pgpx({"schema", "export"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  const fs::path out = dir_ / "split";
  auto r = pgpx({"schema", "export", "--split", "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto files = files_in(out);
  std::set<std::string> tables;
  std::set<std::string> functions;
  std::set<std::string> folded;  // as a case-insensitive file system sees them
  for (const auto& f : files) {
    EXPECT_FALSE(contains(f, "..")) << f;
    for (const char ch : f)
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) ||
                  std::string_view("/._-%~").find(ch) != std::string_view::npos)
          << f;
    if (contains(f, "/table/")) tables.insert(f);
    if (contains(f, "/function/")) functions.insert(f);
    EXPECT_LE(fs::path(f).filename().string().size(), 210u) << f;
    folded.insert(lower(f));
  }
  EXPECT_EQ(tables.size(), names.size());
  EXPECT_EQ(functions.size(), 2u);
  EXPECT_EQ(folded.size(), files.size());
  // Stable: the same names give the same files; and the directory reads back as the same schema.
  ASSERT_EQ(pgpx({"schema", "export", "--split", "-o", out.string()}).code, 0);
  EXPECT_EQ(files_in(out), files);
  r = pgpx({"schema", "export", "--from", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, plain.out);
}

TEST_F(cli_schema, a_directory_of_plain_sql_files_is_a_source_applied_in_name_order) {
  fs::create_directories(dir_ / "schema");
  // 10_ sorts after 02_ by name, and needs it first.
  std::ofstream(dir_ / "schema" / "10_index.sql") << "create index t_x_idx on t (x);\n";
  std::ofstream(dir_ / "schema" / "02_tables.sql") << "create table t (x int);\n";
  std::ofstream(dir_ / "schema" / "README.md") << "not sql\n";
  auto r = pgpx({"schema", "diff", "--to", (dir_ / "schema").string(), "--exit-code"});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_TRUE(contains(lower(r.out), "create table")) << r.out;
  cx().execute_script("create table t (x int); create index t_x_idx on t (x)");
  r = pgpx({"schema", "diff", "--to", (dir_ / "schema").string(), "--exit-code"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  // A migration file among them: a usage error naming both kinds of file, nothing applied.
  std::ofstream(dir_ / "schema" / "0001_init.up.sql") << "create table z (x int);\n";
  r = pgpx({"schema", "diff", "--to", (dir_ / "schema").string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "0001_init.up.sql")) << r.err;
  EXPECT_TRUE(contains(r.err, "02_tables.sql")) << r.err;
  EXPECT_EQ(shadows(), 0);
  // A migration directory with a file that is not a migration name: the same error.
  migration("0001_a.up.sql", "create table a (x int);");
  migration("0002_forgot_the_direction.sql", "create table b (x int);");
  r = pgpx({"schema", "diff", "--to", (dir_ / "migrations").string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "0002_forgot_the_direction.sql")) << r.err;
  // A failing file is named, and the shadow is dropped.
  fs::remove(dir_ / "schema" / "0001_init.up.sql");
  std::ofstream(dir_ / "schema" / "20_bad.sql") << "create table bad (x no_such_type);\n";
  r = pgpx({"schema", "diff", "--to", (dir_ / "schema").string()});
  EXPECT_EQ(r.code, 9) << r.err;
  EXPECT_TRUE(contains(r.err, "20_bad.sql")) << r.err;
  EXPECT_EQ(shadows(), 0);
}

class cli_schema_sync : public cli_schema {
 protected:
  void SetUp() override {
    cli_schema::SetUp();
    fs::create_directories(dir_ / "desired");
  }
  void desired(const std::string& sql) { std::ofstream(dir_ / "desired" / "schema.sql", std::ios::trunc) << sql; }
  auto sync(std::vector<std::string> extra) -> run_result {
    std::vector<std::string> args{"schema", "sync", "--to", (dir_ / "desired").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return pgpx(args);
  }
  auto exists(const std::string& relation) -> bool {
    return cx().query_value<bool>("select to_regclass($1) is not null", relation);
  }
  auto has_column(const std::string& table, const std::string& column) -> bool {
    return cx().query_value<bool>(
        "select exists (select 1 from information_schema.columns where table_name = $1 and column_name = $2)", table,
        column);
  }
};

TEST_F(cli_schema_sync, prints_a_plan_and_changes_nothing_without_apply) {
  cx().execute_script("create table books (id int8 primary key, old text)");
  desired("create table books (id int8 primary key, title text); create index books_title_idx on books (title);");
  auto r = sync({});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(lower(r.out), "add column \"title\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "-- destructive: column public.books.old")) << r.out;  // flagged
  EXPECT_TRUE(contains(r.err, "nothing was changed")) << r.err;
  EXPECT_FALSE(has_column("books", "title"));
  EXPECT_TRUE(has_column("books", "old"));
  EXPECT_FALSE(exists("books_title_idx"));
  // JSON: every change, flagged.
  r = sync({"--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j.at("differ").get<bool>());
  EXPECT_EQ(j.at("applied").size(), 0u);
  bool destructive = false;
  for (const auto& c : j.at("changes")) destructive = destructive || c.at("destructive").get<bool>();
  EXPECT_TRUE(destructive);
  EXPECT_FALSE(has_column("books", "title"));
  // --apply and --migration exclude each other.
  EXPECT_EQ(sync({"--apply", "--migration", "x"}).code, 2);
}

TEST_F(cli_schema_sync, apply_needs_yes_is_refused_when_protected_and_refuses_destructive_changes) {
  cx().execute_script("create table books (id int8 primary key, old text)");
  desired("create table books (id int8 primary key, title text);");
  // No --yes and no terminal: refused, unchanged.
  auto r = sync({"--apply", "--allow-destructive"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--yes")) << r.err;
  EXPECT_FALSE(has_column("books", "title"));
  // A protected environment: refused even with --yes.
  std::ofstream(dir_ / "pgpx.toml") << "[env.prod]\nprotected = true\n";
  r = pgpx(
      {"-e", "prod", "--yes", "schema", "sync", "--to", (dir_ / "desired").string(), "--apply", "--allow-destructive"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "protected")) << r.err;
  EXPECT_FALSE(has_column("books", "title"));
  EXPECT_TRUE(has_column("books", "old"));
  fs::remove(dir_ / "pgpx.toml");
  // Dropping a column loses data: refused without --allow-destructive, naming it.
  r = sync({"--apply", "--yes"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "column public.books.old")) << r.err;
  EXPECT_TRUE(contains(r.err, "--allow-destructive")) << r.err;
  EXPECT_FALSE(has_column("books", "title"));  // not even the harmless part
  // With it: applied, checked, and then there is nothing left to do.
  r = sync({"--apply", "--yes", "--allow-destructive"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "now matches")) << r.out;
  EXPECT_TRUE(has_column("books", "title"));
  EXPECT_FALSE(has_column("books", "old"));
  r = sync({});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "no differences")) << r.out;
  r = sync({"--apply", "--yes"});  // nothing to apply: not an error, and no --yes question
  EXPECT_EQ(r.code, 0) << r.err;
}

// Runs pgpx on a pseudo-terminal (stdin, stdout and stderr), typing `answer` when it asks.
struct tty_result {
  int code = -1;
  std::string output;
};
auto run_on_terminal(std::vector<std::string> args, const fs::path& cwd, const std::string& answer) -> tty_result {
  const auto t = pgpx::test::cli::pgpx_on_terminal(std::move(args), cwd, pgpx::test::cli::type_at_confirmation(answer));
  return {t.code, t.output};
}

TEST_F(cli_schema_sync, on_a_terminal_apply_asks_and_only_yes_applies) {
  cx().execute_script("create table t (x int)");
  desired("create table t (x int, y int);");
  const std::vector<std::string> args{"--url", conninfo().to_string(),      "schema", "sync",
                                      "--to",  (dir_ / "desired").string(), "--apply"};
  auto r = run_on_terminal(args, dir_, "no\n");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "Type 'yes'")) << r.output;
  EXPECT_TRUE(contains(r.output, "nothing was changed")) << r.output;
  EXPECT_FALSE(has_column("t", "y"));
  r = run_on_terminal(args, dir_, "yes\n");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(has_column("t", "y"));
}

TEST_F(cli_schema_sync, a_failure_in_the_transactional_part_changes_nothing) {
  cx().execute_script("create table t (x int); insert into t values (1), (null)");
  // A new table (comes first), a new column, then NOT NULL, which the existing null breaks.
  desired("create table t (x int not null, y int); create table fresh (z int);");
  const auto r = sync({"--apply", "--yes"});
  EXPECT_EQ(r.code, 9) << r.err;
  EXPECT_TRUE(contains(r.err, "rolled back")) << r.err;
  EXPECT_FALSE(exists("fresh"));
  EXPECT_FALSE(has_column("t", "y"));
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t where x is null"), 1);
  EXPECT_TRUE(contains(r.err, "column public.t.x")) << r.err;  // where it failed
}

TEST_F(cli_schema_sync, online_concurrently_steps_run_outside_the_transaction_one_by_one) {
  cx().execute_script("create table t (x int, y int); insert into t select g, g from generate_series(1, 100) g");
  desired("create table t (x int, y int, z int); create index t_x_idx on t (x); create index t_y_idx on t (y);");
  auto r = sync({"--online"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "CONCURRENTLY")) << r.out;
  EXPECT_TRUE(contains(r.out, "-- not in a transaction block: index public.t_x_idx")) << r.out;
  // CREATE INDEX CONCURRENTLY fails inside a transaction block: that it succeeds shows it ran outside.
  r = sync({"--online", "--apply", "--yes"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "-- applied: column public.t.z")) << r.out;
  EXPECT_TRUE(contains(r.out, "-- applied outside a transaction block: index public.t_x_idx")) << r.out;
  EXPECT_TRUE(contains(r.out, "-- applied outside a transaction block: index public.t_y_idx")) << r.out;
  EXPECT_TRUE(has_column("t", "z"));
  EXPECT_TRUE(cx().query_value<bool>(
      "select bool_and(indisvalid) and count(*) = 2 from pg_index where indrelid = 't'::regclass"));
}

TEST_F(cli_schema_sync, a_difference_left_after_apply_is_drift_exit_7) {
  // A table cannot become partitioned in place: sync cannot make it match, and says so after
  // applying the rest.
  cx().execute_script("create table t (x int); create table u (a int)");
  desired("create table t (x int) partition by range (x); create table u (a int, y int);");
  auto r = sync({});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "-- not diffed: table public.t becomes partitioned")) << r.out;
  r = sync({"--apply", "--yes"});
  EXPECT_EQ(r.code, 7) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "still differs")) << r.err;
  EXPECT_TRUE(has_column("u", "y"));  // what could be applied was
}

TEST_F(cli_schema_sync, migration_writes_up_and_down_that_migrate_apply_runs_to_the_same_schema) {
  cx().execute_script("create table books (id int8 primary key)");
  desired(
      "create table books (id int8 primary key, title text not null default '');"
      "create table authors (id int8 primary key, name text);"
      "create index books_title_idx on books (title);");
  auto r = sync({"--migration", "sync_books", "-d", (dir_ / "migrations").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(has_column("books", "title"));  // written, not applied
  std::vector<std::string> ups;
  std::vector<std::string> downs;
  for (const auto& f : files_in(dir_ / "migrations")) {
    if (contains(f, "_sync_books.up.sql")) ups.push_back(f);
    if (contains(f, "_sync_books.down.sql")) downs.push_back(f);
  }
  ASSERT_EQ(ups.size(), 1u);
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_TRUE(contains(lower(slurp_file(dir_ / "migrations" / downs[0])), "drop table \"public\".\"authors\""));
  r = pgpx({"migrate", "apply", "-d", (dir_ / "migrations").string()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = sync({});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "no differences")) << r.out;
  // And its down file takes the database back.
  r = pgpx({"--yes", "migrate", "rollback", "-d", (dir_ / "migrations").string()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_FALSE(exists("authors"));
  EXPECT_FALSE(has_column("books", "title"));
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
