// The catalog-aware lint rules against the server (pgpx/migrate/lint.hpp): the facts
// read_lint_catalog() reads, how they change the findings, and how apply and rollback use
// them (the first file only: later ones run on what earlier ones made).
#include <pgpx/core/connection.hpp>
#include <pgpx/migrate/lint.hpp>
#include <pgpx/migrate/migrator.hpp>

#include "support/test_db.hpp"
#include "unit/migrate/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

namespace mg = pgpx::migrate;

class lint_catalog : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script(R"sql(
create schema app;
create table app.empty (x int);
create table app.filled (x int);
insert into app.filled select generate_series(1, 2000);
create table app.parts (x int) partition by range (x);
create table app.parts_1 partition of app.parts for values from (0) to (100);
insert into app.parts values (1);
create view app.v as select 1 as x;
)sql");
  }
  static auto one(const std::vector<mg::lint_finding>& fs, const std::string& rule) -> const mg::lint_finding* {
    const mg::lint_finding* found = nullptr;
    for (const auto& f : fs)
      if (f.rule == rule) {
        EXPECT_EQ(found, nullptr) << "two " << rule;
        found = &f;
      }
    return found;
  }
  static auto facts(const mg::lint_catalog& c, const std::string& schema, const std::string& name)
      -> const mg::table_facts* {
    for (const auto& t : c.tables)
      if (t.schema == schema && t.name == name) return &t;
    return nullptr;
  }
  mg::test::temp_dir dir_;
};

TEST_F(lint_catalog, facts_are_read_for_the_existing_tables_the_rules_look_at) {
  cx().execute_script("set search_path = app, public");
  const std::string sql =
      "create table fresh (x int); drop table fresh;\n"  // created here: not asked
      "drop table app.empty;\n"
      "alter table filled add column n int not null;\n"  // unqualified: found on the search_path
      "truncate app.parts;\n"
      "drop table app.missing;\n"  // not there: unknown
      "drop view app.v;\n"          // not a table
      "insert into app.empty values (1);\n";  // not looked at by any rule
  std::vector<std::string> files{sql};
  const auto c = mg::read_lint_catalog(cx(), files);
  ASSERT_EQ(c.tables.size(), 3u);
  const auto* e = facts(c, "app", "empty");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->empty);
  const auto* f = facts(c, "", "filled");
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->empty);
  EXPECT_GT(f->bytes, 40000);  // 2000 rows take several pages
  const auto* p = facts(c, "app", "parts");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->empty);  // its row is in a partition
  EXPECT_GT(p->bytes, 0);  // a partitioned table's size is its partitions'
  EXPECT_EQ(facts(c, "", "fresh"), nullptr);
  EXPECT_EQ(facts(c, "app", "missing"), nullptr);
}

TEST_F(lint_catalog, destructive_findings_on_an_empty_table_are_warnings_and_lock_findings_on_a_small_one_go) {
  const std::string sql =
      "drop table app.empty;\n"
      "drop table app.filled;\n"
      "alter table app.empty add column n int not null;\n"
      "alter table app.filled add column n int not null;\n"
      "create index on app.filled (x);\n"
      "alter table app.filled alter column x type bigint;\n";
  std::vector<std::string> files{sql};
  auto c = mg::read_lint_catalog(cx(), files);
  // Without facts: the static rules.
  const auto plain = mg::lint(sql);
  EXPECT_EQ(std::count_if(plain.begin(), plain.end(), [](const auto& f) { return f.rule == "DS101"; }), 2);
  for (const auto& f : plain) EXPECT_TRUE(f.catalog_note.empty()) << f.rule;

  auto found = mg::lint(sql, {.catalog = &c});
  std::vector<const mg::lint_finding*> drops;
  for (const auto& f : found)
    if (f.rule == "DS101") drops.push_back(&f);
  ASSERT_EQ(drops.size(), 2u);
  EXPECT_EQ(drops[0]->severity, mg::lint_severity::warning);
  EXPECT_EQ(drops[0]->catalog_note, "app.empty is empty now");
  EXPECT_EQ(drops[1]->severity, mg::lint_severity::error);  // app.filled has rows
  EXPECT_TRUE(drops[1]->catalog_note.empty());
  std::vector<const mg::lint_finding*> not_null;
  for (const auto& f : found)
    if (f.rule == "LH202") not_null.push_back(&f);
  ASSERT_EQ(not_null.size(), 2u);
  EXPECT_EQ(not_null[0]->severity, mg::lint_severity::warning);
  EXPECT_EQ(not_null[1]->severity, mg::lint_severity::error);
  EXPECT_NE(not_null[1]->message.find("app.filled has rows"), std::string::npos) << not_null[1]->message;
  // app.filled is far below 10 MB: no lock finding.
  EXPECT_EQ(one(found, "LH201"), nullptr);
  EXPECT_EQ(one(found, "LH204"), nullptr);
  // Large from 1 byte: they are back, with the size.
  c.large_bytes = 1;
  found = mg::lint(sql, {.catalog = &c});
  const auto* index = one(found, "LH201");
  ASSERT_NE(index, nullptr);
  EXPECT_NE(index->catalog_note.find("app.filled is "), std::string::npos) << index->catalog_note;
  EXPECT_NE(index->message.find(" kB)"), std::string::npos) << index->message;
  EXPECT_NE(one(found, "LH204"), nullptr);
}

// Where the facts of the table named do not tell whether data goes: TRUNCATE ... CASCADE
// (the referencing tables' rows), a file that changes what a name means (SET search_path, a
// rename), a table whose rows row-level security may hide.
TEST_F(lint_catalog, facts_do_not_soften_what_they_cannot_see) {
  cx().execute_script(R"sql(
create table app.users (id int primary key);
create table app.orders (user_id int references app.users);
insert into app.users values (1);
insert into app.orders values (1);
delete from app.orders; delete from app.users;
insert into app.orders values (null);
create table public.events (x int);
create table app.events (x int);
insert into app.events values (1);
create table app.secret (x int);
alter table app.secret enable row level security;
insert into app.secret values (1);
)sql");
  auto lint_with_facts = [&](const std::string& sql) {
    std::vector<std::string> files{sql};
    const auto c = mg::read_lint_catalog(cx(), files);
    return mg::lint(sql, {.catalog = &c});
  };
  auto severity_of = [](const std::vector<mg::lint_finding>& fs, const std::string& rule) {
    for (const auto& f : fs)
      if (f.rule == rule) return std::string(mg::to_string(f.severity));
    return std::string("none");
  };
  EXPECT_EQ(severity_of(lint_with_facts("truncate app.users;"), "DS105"), "warning");  // empty
  EXPECT_EQ(severity_of(lint_with_facts("truncate app.users cascade;"), "DS105"), "error");
  // public.events is empty, app.events is not: after SET search_path the name is app's.
  EXPECT_EQ(severity_of(lint_with_facts("drop table events;"), "DS101"), "warning");
  EXPECT_EQ(severity_of(lint_with_facts("set search_path = app;\ndrop table events;"), "DS101"), "error");
  EXPECT_EQ(severity_of(lint_with_facts("alter table app.events rename to gone;\ndrop table events;"), "DS101"),
            "error");
  // The test role is a superuser (it bypasses row-level security): the facts hold.
  EXPECT_EQ(severity_of(lint_with_facts("drop table app.secret;"), "DS101"), "error");
}

TEST_F(lint_catalog, rollback_drops_an_empty_table_without_a_lint_ignore_but_not_a_full_one) {
  dir_.write("0001_t.up.sql", "create table t (x int);");
  dir_.write("0001_t.down.sql", "drop table if exists t;");
  static_cast<void>(mg::apply(cx(), dir_.path()));
  cx().execute_script("insert into t values (1)");
  try {
    static_cast<void>(mg::rollback(cx(), dir_.path()));
    ADD_FAILURE() << "a down file dropping a table with rows was run";
  } catch (const mg::migration_error& e) {
    EXPECT_EQ(e.reason(), mg::failure::lint_failed);
    EXPECT_NE(std::string(e.what()).find("DS101"), std::string::npos) << e.what();
  }
  cx().execute_script("delete from t");
  const auto r = mg::rollback(cx(), dir_.path());
  ASSERT_EQ(r.migrations.size(), 1u);
  EXPECT_FALSE(cx().query_value<bool>("select to_regclass('t') is not null"));
  const bool noted = std::any_of(r.lint.begin(), r.lint.end(), [](const auto& l) {
    return l.finding.rule == "DS101" && l.finding.catalog_note == "t is empty now";
  });
  EXPECT_TRUE(noted);
}

TEST_F(lint_catalog, apply_uses_the_facts_for_the_first_file_only) {
  // 0001 fills the empty table; 0002 drops it: the facts (empty) held before 0001 ran, not
  // when 0002 runs, so 0002 gets the static rule and the run is refused.
  dir_.write("0001_fill.up.sql", "insert into app.empty values (1);");
  dir_.write("0002_drop.up.sql", "drop table app.empty;");
  try {
    static_cast<void>(mg::apply(cx(), dir_.path()));
    ADD_FAILURE() << "applied";
  } catch (const mg::migration_error& e) {
    EXPECT_EQ(e.reason(), mg::failure::lint_failed);
    EXPECT_NE(std::string(e.what()).find("0002_drop.up.sql"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(cx().query_value<bool>("select not exists (select from app.empty)"));  // nothing ran
  // The drop alone, first: the table is empty, a warning, and it runs.
  std::filesystem::remove(dir_.path() / "0001_fill.up.sql");
  const auto r = mg::apply(cx(), dir_.path());
  EXPECT_EQ(r.migrations.size(), 1u);
  EXPECT_FALSE(cx().query_value<bool>("select to_regclass('app.empty') is not null"));
}

}  // namespace
