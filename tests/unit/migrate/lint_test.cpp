// Migration lint: each rule fires on the bad statement and not on its safe variant; ignores,
// line numbers, and SQL hidden in bodies and comments.
#include <pgpx/migrate/lint.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace pgpx::migrate {
namespace {

auto up(const std::string& sql) -> std::vector<lint_finding> { return lint(sql, {.file = "m.up.sql"}); }
auto down(const std::string& sql) -> std::vector<lint_finding> {
  return lint(sql, {.dir = direction::down, .file = "m.down.sql"});
}

auto ids(const std::vector<lint_finding>& fs) -> std::string {
  std::string out;
  for (const auto& f : fs) out += (out.empty() ? "" : " ") + f.rule + (f.ignored() ? "(ignored)" : "");
  return out;
}

auto count(const std::vector<lint_finding>& fs, const std::string& rule) -> std::size_t {
  return static_cast<std::size_t>(
      std::count_if(fs.begin(), fs.end(), [&](const lint_finding& f) { return f.rule == rule; }));
}

auto find(const std::vector<lint_finding>& fs, const std::string& rule) -> const lint_finding* {
  const auto it = std::find_if(fs.begin(), fs.end(), [&](const lint_finding& f) { return f.rule == rule; });
  return it == fs.end() ? nullptr : &*it;
}

// `bad` makes `rule` fire (once, with the given severity, unsilenced); `safe` does not.
void fires(const std::string& rule, const std::string& bad, const std::string& safe,
           lint_severity severity = lint_severity::warning) {
  SCOPED_TRACE(rule + ": " + bad);
  const auto b = up(bad);
  ASSERT_EQ(count(b, rule), 1U) << ids(b);
  EXPECT_EQ(find(b, rule)->severity, severity);
  EXPECT_FALSE(find(b, rule)->ignored());
  EXPECT_FALSE(find(b, rule)->message.empty());
  EXPECT_FALSE(find(b, rule)->hint.empty());
  const auto s = up(safe);
  EXPECT_EQ(count(s, rule), 0U) << safe << ": " << ids(s);
}

TEST(migrate_lint, ds101_drop_table) {
  fires("DS101", "drop table app.users;", "create table t (a int);\ndrop table t;", lint_severity::error);
  EXPECT_EQ(lint_failures(up("drop table if exists users")), 1U);
}

TEST(migrate_lint, ds102_drop_schema) {
  fires("DS102", "drop schema legacy cascade;", "create schema legacy;", lint_severity::error);
}

TEST(migrate_lint, ds103_possible_rename_annotation_of_migrate_diff) {
  fires("DS103", "-- pgpx:lint DS103\n-- destructive: column t.title\nalter table t drop column title;\n",
        "alter table t drop column title;\n", lint_severity::error);
  // The annotation flags the statement right after it only.
  const auto f = up("-- pgpx:lint DS103\nalter table t add column heading text;\n\nalter table t add column b text;\n");
  ASSERT_EQ(count(f, "DS103"), 1U) << ids(f);
  EXPECT_EQ(find(f, "DS103")->line, 2);
}

TEST(migrate_lint, ds104_drop_column) {
  fires("DS104", "alter table t drop column a;", "create table t (a int, b int);\nalter table t drop column a;",
        lint_severity::error);
}

TEST(migrate_lint, ds105_truncate) {
  fires("DS105", "truncate t;", "create table t (a int);\ntruncate t;", lint_severity::error);
}

TEST(migrate_lint, ds106_delete_without_where) {
  fires("DS106", "delete from t;", "delete from t where created < now() - interval '1 year';", lint_severity::error);
}

TEST(migrate_lint, lh201_create_index_without_concurrently_on_an_existing_table) {
  fires("LH201", "create index i on t (a);", "-- pgpx: no-transaction\ncreate index concurrently i on t (a);");
  // A table created earlier in the same file is new: no lock to worry about.
  const auto f = up("create table app.t (a int);\ncreate unique index i on app.t (a);\ncreate index j on t (a);");
  EXPECT_EQ(count(f, "LH201"), 0U) << ids(f);
  // The same name in another schema is another table.
  EXPECT_EQ(count(up("create table a.t (x int);\ncreate index i on b.t (x);"), "LH201"), 1U);
}

TEST(migrate_lint, lh202_add_column_not_null_without_default) {
  fires("LH202", "alter table t add column b int not null;", "alter table t add column b int not null default 0;",
        lint_severity::error);
  EXPECT_EQ(count(up("create table t (a int);\nalter table t add column b int not null;"), "LH202"), 0U);
  EXPECT_EQ(count(up("alter table t add column b int;"), "LH202"), 0U);
}

TEST(migrate_lint, lh203_add_column_with_a_volatile_default) {
  fires("LH203", "alter table t add column id uuid not null default gen_random_uuid();",
        "alter table t add column id uuid;");
  for (const std::string d : {"random()", "clock_timestamp()", "nextval('s')", "(1 + floor(random() * 10))::int"})
    EXPECT_EQ(count(up("alter table t add column c numeric default " + d + ";"), "LH203"), 1U) << d;
  EXPECT_EQ(count(up("alter table t add column c bigserial;"), "LH203"), 1U);
  EXPECT_EQ(count(up("alter table t add column c int generated always as identity;"), "LH203"), 1U);
  // Stable and constant defaults are evaluated once and stored: no rewrite since PostgreSQL 11.
  for (const std::string d : {"now()", "current_timestamp", "0", "'x'"})
    EXPECT_EQ(count(up("alter table t add column c text not null default " + d + ";"), "LH203"), 0U) << d;
}

TEST(migrate_lint, lh204_alter_column_type) {
  fires("LH204", "alter table t alter column a type bigint;",
        "create table t (a int);\nalter table t alter column a type bigint;");
  const auto f = up("alter table t alter column a type text;");
  ASSERT_NE(find(f, "LH204"), nullptr);
  EXPECT_NE(find(f, "LH204")->message.find("unless the old type is varchar"), std::string::npos);
  const auto g = up("alter table t alter column a type varchar(200);");
  ASSERT_NE(find(g, "LH204"), nullptr);
  EXPECT_NE(find(g, "LH204")->message.find("unless it widens a varchar"), std::string::npos);
}

TEST(migrate_lint, lh205_foreign_key_without_not_valid) {
  fires("LH205", "alter table t add constraint t_u foreign key (u) references u (id);",
        "alter table t add constraint t_u foreign key (u) references u (id) not valid;\n"
        "alter table t validate constraint t_u;");
  // A new table referencing an existing one is empty: nothing to scan.
  EXPECT_EQ(count(up("create table t (u int);\nalter table t add foreign key (u) references u (id);"), "LH205"), 0U);
}

TEST(migrate_lint, lh206_check_without_not_valid) {
  fires("LH206", "alter table t add constraint positive check (a > 0);",
        "alter table t add constraint positive check (a > 0) not valid;");
}

TEST(migrate_lint, lh207_set_not_null) {
  fires("LH207", "alter table t alter column a set not null;",
        "alter table t add constraint a_nn check (a is not null) not valid;");
}

TEST(migrate_lint, lh208_lh209_rename_table_and_column) {
  fires("LH208", "alter table t rename to u;", "create table t (a int);\nalter table t rename to u;");
  fires("LH209", "alter table t rename column a to b;", "create table t (a int);\nalter table t rename column a to b;");
  // After renaming a new table, the new name is new too.
  EXPECT_EQ(count(up("create table t (a int);\nalter table t rename to u;\ncreate index i on u (a);"), "LH201"), 0U);
}

TEST(migrate_lint, tx301_concurrently_or_vacuum_in_a_transactional_file) {
  fires("TX301", "create index concurrently i on t (a);",
        "-- pgpx: no-transaction\ncreate index concurrently i on t (a);", lint_severity::error);
  fires("TX301", "vacuum analyze t;", "-- pgpx: no-transaction\nvacuum analyze t;", lint_severity::error);
  const auto f = up("vacuum t;");
  EXPECT_NE(find(f, "TX301")->hint.find("add `-- pgpx: no-transaction`"), std::string::npos);
  // The caller may say how the file runs.
  EXPECT_EQ(count(lint("vacuum t;", {.no_transaction = true}), "TX301"), 0U);
}

TEST(migrate_lint, tx302_no_transaction_file_with_several_statements) {
  fires("TX302",
        "-- pgpx: no-transaction\ncreate index concurrently i on t (a);\ncreate index concurrently j on t (b);",
        "-- pgpx: no-transaction\ncreate index concurrently i on t (a);");
  const auto f = up("-- pgpx: no-transaction\nvacuum a;\n\nvacuum b;\n");
  EXPECT_EQ(find(f, "TX302")->line, 4);
  EXPECT_EQ(find(f, "TX302")->statement, 2);
}

TEST(migrate_lint, tx303_transaction_control_in_a_transactional_file) {
  fires("TX303", "create table t (a int);\ncommit;", "create table t (a int);\nsavepoint s;", lint_severity::error);
  EXPECT_EQ(count(up("-- pgpx: no-transaction\nbegin;\ncommit;"), "TX303"), 0U);
}

TEST(migrate_lint, hy401_drop_without_if_exists_in_a_down_file) {
  const auto bad = down("drop table users;\nalter table t drop column a;\ndrop index i;");
  EXPECT_EQ(count(bad, "HY401"), 3U) << ids(bad);
  const auto safe =
      down("drop table if exists users;\nalter table t drop column if exists a;\ndrop index if exists i;");
  EXPECT_EQ(count(safe, "HY401"), 0U) << ids(safe);
  EXPECT_EQ(count(up("drop index i;"), "HY401"), 0U);  // only down files
}

TEST(migrate_lint, hy402_empty_down_file) {
  const auto bad = down("-- nothing to undo\n\n");
  ASSERT_EQ(count(bad, "HY402"), 1U) << ids(bad);
  EXPECT_EQ(find(bad, "HY402")->severity, lint_severity::warning);
  EXPECT_EQ(count(down("drop table if exists t;"), "HY402"), 0U);
  EXPECT_EQ(count(up("-- empty\n"), "HY402"), 0U);  // an empty up file is not this rule
}

TEST(migrate_lint, destructive_findings_of_a_down_file_are_warnings) {
  const auto f = down("drop table if exists users;");
  ASSERT_NE(find(f, "DS101"), nullptr) << ids(f);
  EXPECT_EQ(find(f, "DS101")->severity, lint_severity::warning);
  EXPECT_EQ(lint_failures(f), 0U);
  EXPECT_EQ(lint_failures(f, true), 1U);
}

TEST(migrate_lint, dollar_quoted_bodies_and_comments_are_not_statements) {
  const auto f =
      up("-- drop table users;\n"
         "/* truncate t; drop schema s cascade; */\n"
         "create function purge() returns void language plpgsql as $body$\n"
         "begin\n"
         "  drop table users;\n"
         "  delete from t;\n"
         "end;\n"
         "$body$;\n"
         "select 'drop table users; alter table t drop column a';\n"
         "do $$ begin execute 'truncate t'; end $$;\n");
  EXPECT_TRUE(f.empty()) << ids(f);
}

TEST(migrate_lint, line_and_statement_numbers) {
  const auto f =
      up("-- header\n"
         "create table n (a int);\n"  // statement 1, line 2
         "\n"
         "alter table t\n"  // statement 2, line 4
         "  add column b int not null,\n"
         "  add constraint c check (b > 0);\n"
         "drop table x; drop table y;\n");  // statements 3 and 4, line 7
  ASSERT_EQ(f.size(), 4U) << ids(f);
  EXPECT_EQ(f[0].rule, "LH202");
  EXPECT_EQ(f[0].statement, 2);
  EXPECT_EQ(f[0].line, 5);  // the column's own line
  EXPECT_EQ(f[1].rule, "LH206");
  EXPECT_EQ(f[1].line, 6);
  EXPECT_EQ(f[2].rule, "DS101");
  EXPECT_EQ(f[2].statement, 3);
  EXPECT_EQ(f[2].line, 7);
  EXPECT_EQ(f[3].statement, 4);
  EXPECT_NE(f[3].message.find(" y "), std::string::npos) << f[3].message;
}

TEST(migrate_lint, header_lint_ignore_silences_the_whole_file_with_its_reason) {
  const auto f =
      up("-- pgpx: lint-ignore=DS101,DS104 reason=\"legacy tables, empty since v2\"\n"
         "drop table a;\nalter table b drop column c;\ntruncate d;\n");
  ASSERT_EQ(f.size(), 3U) << ids(f);
  EXPECT_EQ(ids(f), "DS101(ignored) DS104(ignored) DS105");
  EXPECT_EQ(*f[0].ignored_because, "legacy tables, empty since v2");
  EXPECT_EQ(lint_failures(f), 1U);  // only the truncate
}

TEST(migrate_lint, statement_lint_ignore_silences_that_statement_only) {
  const auto f =
      up("create table n (a int);\n"
         "-- archived in ticket 42\n"
         "-- pgpx: lint-ignore=DS101 reason=\"archived to s3 first\"\n"
         "drop table old_a;\n"
         "drop table old_b;\n");
  EXPECT_EQ(ids(f), "DS101(ignored) DS101");
  EXPECT_EQ(*f[0].ignored_because, "archived to s3 first");
  EXPECT_EQ(f[1].line, 5);
  // Separated by a blank line it stands before nothing: a warning, and nothing is silenced.
  const auto g = up("select 1;\n-- pgpx: lint-ignore=DS101 reason=\"x\"\n\ndrop table a;\n");
  EXPECT_EQ(ids(g), "PX004 DS101");
  EXPECT_EQ(g[0].line, 2);
}

TEST(migrate_lint, a_lint_ignore_without_a_reason_is_a_finding) {
  const auto f = up("-- pgpx: lint-ignore=DS101\ndrop table a;\n");
  EXPECT_EQ(ids(f), "PX002 DS101");
  EXPECT_EQ(f[0].line, 1);
  EXPECT_EQ(f[0].severity, lint_severity::error);
  EXPECT_NE(f[0].message.find("needs a reason"), std::string::npos) << f[0].message;
  const auto g = up("select 1;\n-- pgpx: lint-ignore=DS101 reason=\"\"\ndrop table a;\n");
  EXPECT_EQ(ids(g), "PX002 DS101");
  // PX findings cannot be silenced, and unknown codes are reported.
  const auto h = up("-- pgpx: lint-ignore=PX001,ZZ999 reason=\"x\"\nselect from where;\n");
  EXPECT_EQ(ids(h), "PX005 PX001") << ids(h);
}

TEST(migrate_lint, sql_that_does_not_parse_and_bad_directives_are_findings) {
  const auto f = up("create table t (a int);\nselect from where;\n");
  ASSERT_EQ(f.size(), 1U) << ids(f);
  EXPECT_EQ(f[0].rule, "PX001");
  EXPECT_EQ(f[0].line, 2);
  const auto g = up("-- pgpx: no-tx\nselect 1;\n-- pgpx: no-transaction\nselect 2;\n");
  EXPECT_EQ(ids(g), "PX003 PX003");
}

TEST(migrate_lint, every_rule_has_a_unique_id_summary_and_hint) {
  std::set<std::string_view> seen;
  for (const auto& r : lint_rules()) {
    EXPECT_TRUE(seen.insert(r.id).second) << r.id;
    EXPECT_EQ(r.id.size(), 5U) << r.id;
    EXPECT_FALSE(r.summary.empty()) << r.id;
    EXPECT_FALSE(r.hint.empty()) << r.id;
  }
  EXPECT_TRUE(std::is_sorted(lint_rules().begin(), lint_rules().end(),
                             [](const lint_rule& a, const lint_rule& b) { return a.id < b.id; }));
}

}  // namespace
}  // namespace pgpx::migrate
