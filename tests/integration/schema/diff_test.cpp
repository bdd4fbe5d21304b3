// The diff on the real server. Each case builds state A in the test's database and state B
// in a second database, diffs their catalogs, runs the up changes one by one on A's
// database and checks that it now reads as B, then runs the down changes in reverse and
// checks that it reads as A again. Column order is not compared (a column dropped and added
// again comes back last); everything else introspection reads is.
#include "integration/schema/rich_fixture.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/schema/diff.hpp>
#include <pgpx/schema/introspect.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace {

using namespace pgpx::schema;

// How a round trip runs.
struct trip {
  diff_options options{};
  bool down_restores = true;  // false when a change has no inverse (an enum label added)
};

class diff_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    b_name_ = database_name() + "_b";
    pgpx::connection admin{pgpx::test::server_conninfo()};
    admin.execute_script("CREATE DATABASE " + pgpx::quote_identifier(b_name_) + " TEMPLATE " +
                         pgpx::quote_identifier("pgpx_template"));
    auto info = conninfo();
    info.set("dbname", b_name_);
    b_ = std::make_unique<pgpx::connection>(info);
  }
  void TearDown() override {
    b_.reset();
    try {
      pgpx::connection admin{pgpx::test::server_conninfo()};
      admin.execute_script("DROP DATABASE IF EXISTS " + pgpx::quote_identifier(b_name_) + " WITH (FORCE)");
    } catch (const pgpx::error& e) {
      ADD_FAILURE() << "could not drop " << b_name_ << ": " << e.what();
    }
    db_test::TearDown();
  }

  // The second database (state B).
  auto b() -> pgpx::connection& { return *b_; }

  // What is compared: the catalog with each table's and view's columns in name order.
  static auto normal(catalog c) -> std::string {
    auto by_name = [](const column_def& x, const column_def& y) { return x.name < y.name; };
    for (auto& t : c.tables) std::sort(t.columns.begin(), t.columns.end(), by_name);
    for (auto& v : c.views) std::sort(v.columns.begin(), v.columns.end(), by_name);
    return to_json(c);
  }

  // A -> B by the up changes, checked; B -> A by the down changes, checked. Returns the diff.
  auto round_trip(std::string_view a_sql, std::string_view b_sql, trip how = {}) -> diff_result {
    if (!a_sql.empty()) cx().execute_script(a_sql);
    if (!b_sql.empty()) b().execute_script(b_sql);
    const catalog a = introspect(cx());
    const catalog want = introspect(b());
    auto d = diff(a, want, how.options);
    for (const auto& c : d.changes) {
      try {
        cx().execute_script(c.up);
      } catch (const pgpx::error& e) {
        ADD_FAILURE() << "up of " << c.object << ": " << c.up << "\n" << e.what() << "\nup script:\n" << d.up_script();
        return d;
      }
    }
    EXPECT_EQ(normal(introspect(cx())), normal(want)) << "up script:\n" << d.up_script();
    EXPECT_TRUE(diff(introspect(cx()), want).changes.empty()) << diff(introspect(cx()), want).up_script();
    for (auto it = d.changes.rbegin(); it != d.changes.rend(); ++it) {
      if (it->down.empty()) continue;
      try {
        cx().execute_script(it->down);
      } catch (const pgpx::error& e) {
        ADD_FAILURE() << "down of " << it->object << ": " << it->down << "\n"
                      << e.what() << "\ndown script:\n"
                      << d.down_script();
        return d;
      }
    }
    if (how.down_restores) {
      EXPECT_EQ(normal(introspect(cx())), normal(a)) << "down script:\n" << d.down_script();
    }
    return d;
  }

  static auto find(const diff_result& d, std::string_view object, std::string_view up_part) -> const change* {
    for (const auto& c : d.changes)
      if (c.object == object && c.up.find(up_part) != std::string::npos) return &c;
    return nullptr;
  }

 private:
  std::string b_name_;
  std::unique_ptr<pgpx::connection> b_;
};

TEST_F(diff_test, identical_databases_give_no_changes) {
  constexpr const char* same = "create schema app; create table app.t (id int primary key, a text default 'x');";
  auto d = round_trip(same, same);
  EXPECT_TRUE(d.empty()) << d.up_script();
  EXPECT_EQ(d.up_script(), "");
}

TEST_F(diff_test, tables_added_and_dropped) {
  auto d = round_trip(
      R"sql(
create schema app;
create table app.gone (id int primary key, note text not null default 'n', constraint gone_note_check check (note <> ''));
comment on table app.gone is 'old table';
comment on column app.gone.note is 'a note';
create index gone_note_idx on app.gone (note);
)sql",
      R"sql(
create schema app;
create table app.authors (
  id bigint generated always as identity (start with 100 increment by 5) primary key,
  name varchar(80) collate "C" not null,
  created timestamptz not null default now(),
  slug text generated always as (lower(name)) stored
);
comment on table app.authors is 'people';
comment on column app.authors.name is 'display name';
create unlogged table app.scratch (x int) with (fillfactor = 70);
create table app.events (id bigint not null, at timestamptz not null, primary key (id, at)) partition by range (at);
create table app.events_2024 partition of app.events
  for values from ('2024-01-01 00:00:00+00') to ('2025-01-01 00:00:00+00');
create index events_at_idx on app.events (at);
)sql");
  const auto* drop = find(d, "table app.gone", "drop table");
  ASSERT_NE(drop, nullptr);
  EXPECT_TRUE(drop->destructive);
  EXPECT_EQ(drop->up, R"(drop table "app"."gone")");
  const auto* create = find(d, "table app.authors", "create table");
  ASSERT_NE(create, nullptr);
  EXPECT_FALSE(create->destructive);
  EXPECT_TRUE(create->down_destructive);
  EXPECT_TRUE(d.destructive());
  EXPECT_NE(d.up_script().find("-- destructive: table app.gone\ndrop table \"app\".\"gone\";\n"), std::string::npos)
      << d.up_script();
}

TEST_F(diff_test, columns_added_and_dropped) {
  auto d = round_trip("create schema app; create table app.t (id int, a text, old_one int);",
                      "create schema app; create table app.t (id int, a text, b bigint not null default 0, "
                      "c int generated by default as identity);");
  const auto* dropped = find(d, "column app.t.old_one", "drop column");
  ASSERT_NE(dropped, nullptr);
  EXPECT_TRUE(dropped->destructive);
  EXPECT_EQ(dropped->up, R"(alter table "app"."t" drop column "old_one")");
  const auto* added = find(d, "column app.t.b", "add column");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->up, R"(alter table "app"."t" add column "b" bigint default 0 not null)");
  EXPECT_FALSE(added->destructive);
}

TEST_F(diff_test, type_changes_flag_what_is_not_a_safe_widening) {
  auto d = round_trip("create schema app; create table app.t (a varchar(20), b integer, c text, d numeric(8,2));",
                      "create schema app; create table app.t (a varchar(80), b bigint, c integer, d numeric(6,2));");
  const auto* a = find(d, "column app.t.a", "type");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->destructive);
  EXPECT_TRUE(a->down_destructive);
  EXPECT_EQ(a->up, R"(alter table "app"."t" alter column "a" type character varying(80))");
  const auto* b = find(d, "column app.t.b", "type");
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->destructive);
  const auto* c = find(d, "column app.t.c", "type");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->destructive);
  EXPECT_EQ(c->up, R"(alter table "app"."t" alter column "c" type integer using "c"::integer)");
  const auto* n = find(d, "column app.t.d", "type");
  ASSERT_NE(n, nullptr);
  EXPECT_TRUE(n->destructive);
}

TEST_F(diff_test, defaults_not_null_identity_and_generation) {
  auto d = round_trip(
      "create schema app; create table app.t (a int, b int not null default 1, c int, "
      "d int generated always as identity, e int generated always as (a * 2) stored, f int);",
      "create schema app; create table app.t (a int not null default 5, b int, "
      "c int generated by default as identity (start with 7), d int generated by default as identity, e int, "
      "f int generated always as (a + 1) stored);");
  ASSERT_NE(find(d, "column app.t.a", "set default 5"), nullptr);
  ASSERT_NE(find(d, "column app.t.a", "set not null"), nullptr);
  ASSERT_NE(find(d, "column app.t.b", "drop not null"), nullptr);
  ASSERT_NE(find(d, "column app.t.b", "drop default"), nullptr);
  ASSERT_NE(find(d, "column app.t.d", "set generated by default"), nullptr);
  ASSERT_NE(find(d, "column app.t.e", "drop expression"), nullptr);
  const auto* f = find(d, "column app.t.f", "drop column");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->destructive);  // stored values replaced by computed ones
}

TEST_F(diff_test, every_constraint_kind) {
  constexpr const char* base = R"sql(
create schema app;
create table app.authors (id bigint not null, email text, period tsrange);
create table app.books (id int not null, author_id bigint, title text, price numeric);
alter table app.books add constraint books_title_check check (length(title) > 0);
alter table app.books add constraint books_price_check check (price > 0);
)sql";
  auto d = round_trip(base, std::string(base) + R"sql(
alter table app.authors add primary key (id);
alter table app.authors add constraint authors_email_key unique (email) deferrable initially deferred;
alter table app.authors add constraint authors_no_overlap exclude using gist (period with &&);
alter table app.books add constraint books_author_fk foreign key (author_id) references app.authors (id)
  on delete cascade;
alter table app.books drop constraint books_title_check;
alter table app.books add constraint books_title_check check (length(title) > 2);
alter table app.books drop constraint books_price_check;
comment on constraint authors_email_key on app.authors is 'one address each';
)sql");
  const auto* fk = find(d, "constraint books_author_fk on app.books", "add constraint");
  ASSERT_NE(fk, nullptr);
  EXPECT_EQ(fk->up, R"(alter table "app"."books" add constraint "books_author_fk" )"
                    "FOREIGN KEY (author_id) REFERENCES app.authors(id) ON DELETE CASCADE");
  // The foreign key comes after the primary key it references.
  auto at = [&](const change* c) { return c - d.changes.data(); };
  const auto* pk = find(d, "constraint authors_pkey on app.authors", "add constraint");
  ASSERT_NE(pk, nullptr);
  EXPECT_LT(at(pk), at(fk));
  ASSERT_NE(find(d, "constraint books_price_check on app.books", "drop constraint"), nullptr);
  ASSERT_NE(find(d, "constraint books_title_check on app.books", "drop constraint"), nullptr);
  ASSERT_NE(find(d, "constraint books_title_check on app.books", "add constraint"), nullptr);
}

TEST_F(diff_test, indexes_partial_expression_unique_and_changed) {
  constexpr const char* base =
      "create schema app; create table app.t (id int, title text, tags text[]);"
      "create index t_old_idx on app.t (id); create index t_changed_idx on app.t (id);";
  auto d = round_trip(base, R"sql(
create schema app; create table app.t (id int, title text, tags text[]);
create index t_changed_idx on app.t (id desc);
create index t_partial_idx on app.t (title) where id > 0;
create index t_lower_idx on app.t (lower(title));
create unique index t_id_title_idx on app.t (id, title) include (tags);
create index t_tags_idx on app.t using gin (tags);
comment on index app.t_tags_idx is 'tag search';
)sql");
  const auto* partial = find(d, "index app.t_partial_idx on app.t", "CREATE INDEX");
  ASSERT_NE(partial, nullptr);
  EXPECT_EQ(partial->up, "CREATE INDEX t_partial_idx ON app.t USING btree (title) WHERE (id > 0)");
  EXPECT_EQ(partial->down, R"(drop index "app"."t_partial_idx")");
  EXPECT_TRUE(partial->transactional);
  ASSERT_NE(find(d, "index app.t_old_idx on app.t", "drop index"), nullptr);
  ASSERT_NE(find(d, "index app.t_changed_idx on app.t", "drop index"), nullptr);
  ASSERT_NE(find(d, "index app.t_changed_idx on app.t", "CREATE INDEX"), nullptr);
}

TEST_F(diff_test, enum_value_added_in_place) {
  auto d =
      round_trip("create schema app; create type app.mood as enum ('sad', 'happy'); create table app.t (m app.mood);",
                 "create schema app; create type app.mood as enum ('meh', 'sad', 'ok', 'happy', 'ecstatic');"
                 " create table app.t (m app.mood);",
                 {.down_restores = false});
  std::vector<std::string> ups;
  for (const auto& c : d.changes) ups.push_back(c.up);
  EXPECT_EQ(ups, (std::vector<std::string>{R"(alter type "app"."mood" add value 'meh' before 'sad')",
                                           R"(alter type "app"."mood" add value 'ok' after 'sad')",
                                           R"(alter type "app"."mood" add value 'ecstatic' after 'happy')"}));
  for (const auto& c : d.changes) {
    EXPECT_EQ(c.down, "");
    EXPECT_NE(c.note.find("cannot be removed"), std::string::npos);
  }
}

TEST_F(diff_test, enum_labels_reordered_are_dropped_and_created_flagged) {
  auto d = round_trip("create schema app; create type app.mood as enum ('sad', 'happy');",
                      "create schema app; create type app.mood as enum ('happy', 'sad');");
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_TRUE(d.changes[0].destructive);
  EXPECT_EQ(d.changes[0].up, R"(drop type "app"."mood")");
  EXPECT_EQ(d.changes[1].up, R"(create type "app"."mood" as enum ('happy', 'sad'))");
}

TEST_F(diff_test, views_replaced_or_dropped_and_created) {
  constexpr const char* tables = "create schema app; create table app.t (id int, name text, n int);";
  auto d = round_trip(std::string(tables) +
                          "create view app.v as select id from app.t;"
                          "create view app.w as select id, name from app.t;"
                          "create materialized view app.m as select id from app.t with no data;",
                      std::string(tables) +
                          "create view app.v as select id, name from app.t;"
                          "create view app.w as select name from app.t where n > 0;"
                          "create materialized view app.m as select id, n from app.t;"
                          "create unique index m_id_idx on app.m (id);"
                          "comment on view app.v is 'ids and names';");
  const auto* v = find(d, "view app.v", "create or replace view");
  ASSERT_NE(v, nullptr);
  const auto* w = find(d, "view app.w", "drop view");
  ASSERT_NE(w, nullptr);
  ASSERT_NE(find(d, "view app.w", "create view"), nullptr);
  ASSERT_NE(find(d, "materialized view app.m", "drop materialized view"), nullptr);
}

TEST_F(diff_test, functions_changed_and_triggers_added) {
  constexpr const char* base = R"sql(
create schema app;
create table app.t (id int, title text);
create function app.answer() returns integer language sql as 'select 41';
create function app.kind() returns integer language sql as 'select 1';
create function app.gone(a int) returns int language sql as 'select a';
)sql";
  auto d = round_trip(base, R"sql(
create schema app;
create table app.t (id int, title text);
create function app.answer() returns integer language sql as 'select 42';
create function app.kind() returns text language sql as 'select ''one''';
create function app.touch() returns trigger language plpgsql as $$
begin
  new.title := trim(new.title);
  return new;
end $$;
comment on function app.touch() is 'trims titles';
create trigger t_touch before insert or update on app.t for each row when (new.title is not null)
  execute function app.touch();
create trigger t_touch_off before insert on app.t for each row execute function app.touch();
alter table app.t disable trigger t_touch_off;
)sql");
  const auto* answer = find(d, "function app.answer()", "CREATE OR REPLACE FUNCTION");
  ASSERT_NE(answer, nullptr);
  EXPECT_NE(answer->down.find("select 41"), std::string::npos);
  ASSERT_NE(find(d, "function app.kind()", "drop function"), nullptr);  // the result type changes
  ASSERT_NE(find(d, "function app.gone(a integer)", "drop function"), nullptr);
  const auto* trigger = find(d, "trigger t_touch on app.t", "CREATE TRIGGER");
  ASSERT_NE(trigger, nullptr);
  const auto* touch = find(d, "function app.touch()", "CREATE OR REPLACE FUNCTION");
  ASSERT_NE(touch, nullptr);
  EXPECT_LT(touch - d.changes.data(), trigger - d.changes.data());
}

TEST_F(diff_test, foreign_keys_to_new_tables_come_after_the_tables) {
  auto d = round_trip("create schema app; create table app.a_existing (id int, author_id int);", R"sql(
create schema app;
create table app.z_authors (id int primary key);
create table app.a_books (id int primary key, author_id int references app.z_authors (id));
create table app.a_existing (id int, author_id int references app.z_authors (id));
)sql");
  std::size_t last_table = 0;
  std::size_t first_fk = d.changes.size();
  for (std::size_t i = 0; i < d.changes.size(); ++i) {
    if (d.changes[i].kind == change_kind::table) last_table = i;
    if (d.changes[i].up.find("FOREIGN KEY") != std::string::npos) first_fk = std::min(first_fk, i);
  }
  EXPECT_LT(last_table, first_fk) << d.up_script();
}

TEST_F(diff_test, whole_scripts_run_as_one) {
  constexpr const char* a_sql = "create schema app; create table app.a (id int primary key, x text);";
  constexpr const char* b_sql =
      "create schema app; create schema extra; create table app.b (id int primary key);"
      "create table app.a (id int primary key, b_id int references app.b (id));"
      "create table extra.c (v int);";
  cx().execute_script(a_sql);
  b().execute_script(b_sql);
  const auto a = introspect(cx());
  const auto want = introspect(b());
  const auto d = diff(a, want);
  cx().execute_script(d.up_script());
  EXPECT_EQ(normal(introspect(cx())), normal(want)) << d.up_script();
  cx().execute_script(d.down_script());
  EXPECT_EQ(normal(introspect(cx())), normal(a)) << d.down_script();
  ASSERT_NE(find(d, "schema extra", "create schema"), nullptr);
}

TEST_F(diff_test, renames_are_a_drop_and_an_add_with_a_note) {
  auto d =
      round_trip("create schema app; create table app.t (id int, title text); create table app.old_name (k int);",
                 "create schema app; create table app.t (id int, heading text); create table app.new_name (k int);");
  const auto* dropped = find(d, "column app.t.title", "drop column");
  const auto* added = find(d, "column app.t.heading", "add column");
  ASSERT_NE(dropped, nullptr);
  ASSERT_NE(added, nullptr);
  EXPECT_TRUE(dropped->destructive);
  EXPECT_NE(dropped->note.find("possible rename of app.t.title to heading"), std::string::npos) << dropped->note;
  EXPECT_NE(added->note.find("possible rename of app.t.title to heading"), std::string::npos) << added->note;
  const auto* old_table = find(d, "table app.old_name", "drop table");
  ASSERT_NE(old_table, nullptr);
  EXPECT_NE(old_table->note.find("possible rename of app.old_name to app.new_name"), std::string::npos);
  EXPECT_NE(d.up_script().find("-- column app.t.title: possible rename of app.t.title to heading"), std::string::npos)
      << d.up_script();
}

TEST_F(diff_test, online_mode_splits_locks_and_marks_concurrently) {
  constexpr const char* base =
      "create schema app; create table app.authors (id int primary key);"
      "create table app.books (id int primary key, author_id int, price int);";
  auto d =
      round_trip(base,
                 std::string(base) +
                     "create index books_author_idx on app.books (author_id);"
                     "alter table app.books add constraint books_author_fk foreign key (author_id) "
                     "references app.authors (id);"
                     "alter table app.books add constraint books_price_check check (price > 0);"
                     "alter table app.books add column isbn text not null;"
                     "create table app.fresh (id int primary key, a int); create index fresh_a_idx on app.fresh (a);",
                 {.options = {.online = true}});
  const auto* index = find(d, "index app.books_author_idx on app.books", "CREATE INDEX");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->up, "CREATE INDEX CONCURRENTLY books_author_idx ON app.books USING btree (author_id)");
  EXPECT_EQ(index->down, R"(drop index concurrently "app"."books_author_idx")");
  EXPECT_FALSE(index->transactional);
  const auto* fresh = find(d, "index app.fresh_a_idx on app.fresh", "CREATE INDEX");
  ASSERT_NE(fresh, nullptr);
  EXPECT_TRUE(fresh->transactional);  // a new table is empty: no need
  const auto* fk = find(d, "constraint books_author_fk on app.books", "add constraint");
  ASSERT_NE(fk, nullptr);
  EXPECT_EQ(fk->up, R"(alter table "app"."books" add constraint "books_author_fk" )"
                    "FOREIGN KEY (author_id) REFERENCES app.authors(id) not valid");
  ASSERT_NE(find(d, "constraint books_author_fk on app.books", "validate constraint"), nullptr);
  ASSERT_NE(find(d, "constraint books_price_check on app.books", "validate constraint"), nullptr);
  const auto* isbn = find(d, "column app.books.isbn", "add column");
  ASSERT_NE(isbn, nullptr);
  EXPECT_EQ(isbn->up, R"(alter table "app"."books" add column "isbn" text)");
  EXPECT_NE(isbn->note.find("backfill"), std::string::npos);
  ASSERT_NE(find(d, "column app.books.isbn", "set not null"), nullptr);
  EXPECT_NE(d.up_script().find("-- not in a transaction block: index app.books_author_idx on app.books\n"),
            std::string::npos);
}

TEST_F(diff_test, online_changes_run_on_a_table_with_rows_with_the_backfill_between) {
  constexpr const char* base =
      "create schema app; create table app.authors (id int primary key);"
      "create table app.books (id int primary key, author_id int);";
  cx().execute_script(base);
  cx().execute_script(
      "insert into app.authors values (1); insert into app.books select g, 1 from generate_series(1, 500) g");
  b().execute_script(
      std::string(base) +
      "alter table app.books add column isbn text not null;"
      "alter table app.books add constraint books_author_fk foreign key (author_id) references app.authors (id);"
      "create unique index books_isbn_idx on app.books (isbn);");
  const auto want = introspect(b());
  const auto d = diff(introspect(cx()), want, {.online = true});
  for (const auto& c : d.changes) {
    if (c.up.find("set not null") != std::string::npos) {
      EXPECT_EQ(c.object, "column app.books.isbn");
      cx().execute_script("update app.books set isbn = 'isbn-' || id");  // the backfill the note asks for
    }
    cx().execute_script(c.up);  // CONCURRENTLY included: each change on its own, outside a transaction
  }
  EXPECT_EQ(normal(introspect(cx())), normal(want)) << d.up_script();
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from app.books where isbn is not null"), 500);
}

TEST_F(diff_test, schemas_extensions_sequences_comments_and_row_security) {
  round_trip(
      "create schema app; create table app.t (id int, owner text); create schema old_one;"
      "create sequence app.gone_seq; comment on schema app is 'before';",
      R"sql(
create schema app; create table app.t (id int, owner text);
create schema extra; comment on schema extra is 'more';
comment on schema app is 'after';
create extension pg_trgm with schema extra;
create sequence app.ticket_seq as integer start with 10 increment by 2 minvalue 10 maxvalue 1000 cache 5 cycle;
alter sequence app.ticket_seq owned by app.t.id;
create table app.serials (id serial primary key, label text);
alter table app.t enable row level security;
create policy t_own on app.t as restrictive for update to public using (owner = current_user)
  with check (owner is not null);
create policy t_read on app.t for select using (true);
)sql");
}

// One of most kinds of object diff() covers (domains, composite types, privileges and event
// triggers are not diffed: docs/schema.md).
constexpr const char* everything = R"sql(
create extension citext;
create schema app;
comment on schema app is 'the application';
create type app.mood as enum ('sad', 'ok', 'happy');
comment on type app.mood is 'how one feels';
create table app.authors (
  id bigint generated always as identity (start with 100 increment by 5) primary key,
  name varchar(80) collate "C" not null,
  email citext not null,
  mood app.mood default 'ok',
  slug text generated always as (lower(name)) stored,
  ref int generated by default as identity,
  constraint authors_email_key unique (email) deferrable initially deferred
);
comment on table app.authors is 'people who write';
comment on column app.authors.name is 'display name';
comment on constraint authors_email_key on app.authors is 'one each';
create table app.books (
  id serial primary key,
  author_id bigint not null,
  title text not null,
  tags text[] not null default '{}',
  period tsrange,
  constraint books_author_fk foreign key (author_id) references app.authors (id)
    match full on delete cascade on update restrict deferrable,
  constraint books_no_overlap exclude using gist (period with &&)
);
alter table app.books add constraint books_title_check check (length(title) > 0) not valid;
create index books_title_lower_idx on app.books (lower(title)) where author_id > 0;
create index books_tags_idx on app.books using gin (tags);
create unique index books_author_title_idx on app.books (author_id, title) include (tags);
comment on index app.books_tags_idx is 'tag search';
create table app.events (id bigint not null, at timestamptz not null, body jsonb, primary key (id, at))
  partition by range (at);
create table app.events_2024 partition of app.events
  for values from ('2024-01-01 00:00:00+00') to ('2025-01-01 00:00:00+00');
create table app.events_other partition of app.events default;
create index events_at_idx on app.events (at);
create table app.base_item (id int primary key, label text);
create table app.special_item (extra int check (extra > 0) no inherit) inherits (app.base_item);
create sequence app.ticket_seq as integer start with 10 increment by 2 minvalue 10 maxvalue 1000 cache 5 cycle;
create table app.tickets (n int);
alter table app.tickets set (fillfactor = 70, autovacuum_enabled = false);
alter sequence app.ticket_seq owned by app.tickets.n;
create view app.author_names with (security_barrier = true) as select id, name from app.authors where id > 0;
comment on view app.author_names is 'just the names';
create materialized view app.book_counts as
  select author_id, count(*) as n from app.books group by author_id with no data;
create unique index book_counts_author_idx on app.book_counts (author_id);
create function app.touch() returns trigger language plpgsql as $$
begin
  new.title := trim(new.title);
  return new;
end $$;
comment on function app.touch() is 'trims titles';
create function app.add(a integer, b integer default 1) returns integer language sql immutable
  as 'select a + b';
create procedure app.archive(keep_days int) language sql as 'delete from app.tickets where n < keep_days';
create trigger books_touch before insert or update on app.books
  for each row when (new.title is not null) execute function app.touch();
create trigger events_touch before insert on app.events for each row execute function app.touch();
alter table app.books disable trigger books_touch;
alter table app.books enable row level security;
alter table app.books force row level security;
create policy books_own on app.books as restrictive for update to public
  using (author_id > 0) with check (author_id < 1000);
create policy books_read on app.books for select using (true);
create domain app.price as numeric(10,2) not null default 0 constraint price_positive check (value >= 0);
alter domain app.price add constraint price_small check (value < 1000000) not valid;
comment on domain app.price is 'money';
create domain app.code as text collate "C" check (value <> '');
create domain app.feeling as app.mood;
create type app.address as (street text, city text collate "C", zip int, fee app.price, mood app.feeling);
comment on type app.address is 'where';
comment on column app.address.zip is 'postal code';
create table app.shipments (id int primary key, to_address app.address, fee app.price, code app.code);
create schema "My ""Odd"" Schema";
create table "My ""Odd"" Schema"."T 1" ("Col A" int);
)sql";

TEST_F(diff_test, everything_from_nothing_and_back) {
  auto d = round_trip("", everything);
  EXPECT_TRUE(d.unsupported.empty()) << d.unsupported.front();
  EXPECT_FALSE(d.destructive());
}

TEST_F(diff_test, an_export_applied_to_a_fresh_database_exports_the_same_bytes) {
  cx().execute_script(everything);
  const catalog original = introspect(cx());
  const std::string first = export_sql(original);
  EXPECT_EQ(first, export_sql(introspect(cx())));  // two exports of one schema are identical
  EXPECT_EQ(first.find("not exported"), std::string::npos) << first;
  EXPECT_EQ(first.find("create schema public"), std::string::npos) << first;
  EXPECT_EQ(first.find(R"(create schema "public")"), std::string::npos) << first;
  b().execute_script(first);
  EXPECT_EQ(normal(introspect(b())), normal(original));
  EXPECT_EQ(export_sql(introspect(b())), first);
}

TEST_F(diff_test, export_pieces_are_the_export_and_grouped_by_object_still_create_it) {
  cx().execute_script(everything);
  const catalog original = introspect(cx());
  const export_result e = export_pieces(original);
  std::string joined;
  for (const auto& u : e.not_exported) joined += "-- not exported: " + u + "\n";
  for (const auto& p : e.pieces) joined += p.sql;
  EXPECT_EQ(joined, export_sql(original));
  // Grouped per object and part, each group where its first piece is (as schema export
  // --split files them), the pieces still create the same schema: no group needs something
  // that a later group makes.
  std::vector<std::tuple<std::string, std::string, std::string, std::string>> order;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::string> groups;
  std::set<std::string> kinds;
  for (const auto& p : e.pieces) {
    const auto key = std::make_tuple(p.kind, p.schema, p.name, p.part);
    if (groups.count(key) == 0) order.push_back(key);
    groups[key] += p.sql;
    kinds.insert(p.kind);
    EXPECT_FALSE(p.name.empty()) << p.sql;
  }
  EXPECT_LT(groups.size(), e.pieces.size());  // some objects have several pieces
  for (const std::string k : {"schema", "type", "sequence", "table", "view", "function"})
    EXPECT_EQ(kinds.count(k), 1u) << k;
  for (const auto& key : order) b().execute_script(groups[key]);
  EXPECT_EQ(normal(introspect(b())), normal(original));
}

TEST_F(diff_test, everything_to_nothing_and_back) {
  auto d = round_trip(everything, "");
  EXPECT_TRUE(d.destructive());
}

TEST_F(diff_test, everything_changed_in_place) {
  round_trip(everything, std::string(everything) + R"sql(
alter type app.mood add value 'meh' before 'sad';
comment on schema app is 'changed';
comment on column app.authors.name is null;
comment on column app.authors.email is 'address';
alter table app.authors alter column ref set increment by 3;
alter table app.tickets alter column n type bigint;
alter sequence app.ticket_seq increment by 4 maxvalue 2000;
alter sequence app.ticket_seq owned by none;
alter table app.tickets reset (autovacuum_enabled);
alter table app.tickets set (fillfactor = 80);
alter table app.books enable trigger books_touch;
alter table app.books no force row level security;
drop policy books_own on app.books;
create policy books_own on app.books as permissive for update to public using (author_id > 1);
alter table app.books validate constraint books_title_check;
drop index app.books_title_lower_idx;
create index books_title_lower_idx on app.books (lower(title)) where author_id > 10;
create or replace view app.author_names with (security_barrier = true) as
  select id, name, email from app.authors where id > 0;
create or replace function app.add(a integer, b integer default 1) returns integer language sql immutable
  as 'select a + b + 0';
create table app.events_2025 partition of app.events
  for values from ('2025-01-01 00:00:00+00') to ('2026-01-01 00:00:00+00');
alter table app.special_item add column more text default 'm';
comment on domain app.price is 'cash';
alter domain app.code set not null;
alter type app.address add attribute country text;
alter type app.address drop attribute zip;
comment on column app.address.street is 'and number';
)sql",
             {.down_restores = false});  // the label 'meh' stays
}

TEST_F(diff_test, domains_changed_in_place_keep_the_columns_that_use_them) {
  constexpr const char* base = R"sql(
create schema app;
create domain app.price as numeric(10,2) default 0 constraint price_positive check (value >= 0);
create table app.t (p app.price);
insert into app.t values (5), (null);
)sql";
  auto d = round_trip(base, R"sql(
create schema app;
create domain app.price as numeric(10,2) default 1 constraint price_positive check (value >= 1);
alter domain app.price add constraint price_cap check (value < 100) not valid;
comment on domain app.price is 'money';
create table app.t (p app.price);
)sql");
  ASSERT_NE(find(d, "domain app.price", "set default 1"), nullptr) << d.up_script();
  // A changed check is dropped and added again (down: the other way); a new NOT VALID one
  // stays NOT VALID, so existing rows are not checked.
  ASSERT_NE(find(d, "domain app.price constraint price_positive", "drop constraint"), nullptr) << d.up_script();
  ASSERT_NE(find(d, "domain app.price constraint price_cap", "NOT VALID"), nullptr) << d.up_script();
  for (const auto& c : d.changes) {
    EXPECT_EQ(c.kind == change_kind::comment ? change_kind::comment : change_kind::domain, c.kind) << c.object;
    EXPECT_FALSE(c.destructive) << c.object;
  }
  // The rows are still there: the domain was altered, not dropped.
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from app.t"), 2);
}

TEST_F(diff_test, a_domain_whose_base_type_changes_is_dropped_and_made_again_flagged) {
  auto d = round_trip("create schema app; create domain app.code as varchar(10) check (value <> '');",
                      "create schema app; create domain app.code as text check (value <> '');");
  ASSERT_EQ(d.changes.size(), 2u) << d.up_script();
  EXPECT_EQ(d.changes[0].up, R"(drop domain "app"."code")");
  EXPECT_TRUE(d.changes[0].destructive);
  EXPECT_NE(d.changes[0].note.find("base type"), std::string::npos);
  EXPECT_EQ(d.changes[1].up.rfind(R"(create domain "app"."code" as text)", 0), 0u) << d.changes[1].up;
}

TEST_F(diff_test, composite_types_gain_lose_and_retype_attributes_or_are_made_again) {
  // Added at the end and dropped: ALTER TYPE (the table using the type keeps its rows).
  auto d = round_trip(
      "create schema app; create type app.addr as (street text, zip int); create table app.t (a app.addr);"
      " insert into app.t values (row('x', 1));",
      "create schema app; create type app.addr as (street text, country text); create table app.t (a app.addr);");
  ASSERT_NE(find(d, "type app.addr.zip", "drop attribute \"zip\""), nullptr) << d.up_script();
  EXPECT_TRUE(find(d, "type app.addr.zip", "drop attribute")->destructive);
  ASSERT_NE(find(d, "type app.addr.country", "add attribute \"country\" text"), nullptr) << d.up_script();
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from app.t"), 1);
}

TEST_F(diff_test, composite_attributes_dropped_come_back_in_their_order) {
  // round_trip compares attributes in order (only table columns are compared by name).
  auto d = round_trip("create schema app; create type app.wide as (a int, b text, c date, d int);",
                      "create schema app; create type app.wide as (a int, b text);");
  ASSERT_EQ(d.changes.size(), 2u) << d.up_script();
  EXPECT_EQ(d.changes[0].object, "type app.wide.d");
  EXPECT_EQ(d.changes[1].object, "type app.wide.c");
  for (const auto& c : d.changes) EXPECT_EQ(c.note, "") << c.object;
}

TEST_F(diff_test, a_composite_attribute_dropped_before_a_kept_one_comes_back_at_the_end_noted) {
  auto d = round_trip("create schema app; create type app.trio as (a int, b text, c date);",
                      "create schema app; create type app.trio as (a int, c date);", {.down_restores = false});
  ASSERT_EQ(d.changes.size(), 1u) << d.up_script();
  EXPECT_NE(d.changes[0].note.find("back at the end"), std::string::npos) << d.changes[0].note;
  EXPECT_EQ(cx().query_value<std::string>("select string_agg(attname, ',' order by attnum) from pg_attribute"
                                          " where attrelid = 'app.trio'::regclass and attnum > 0 and not attisdropped"),
            "a,c,b");
}

TEST_F(diff_test, composite_attribute_types_change_in_place) {
  // A type not used by a table: its attribute is retyped in place.
  auto d = round_trip("create schema app; create type app.pair as (a int, b text);",
                      "create schema app; create type app.pair as (a bigint, b text);");
  ASSERT_EQ(d.changes.size(), 1u) << d.up_script();
  EXPECT_EQ(d.changes[0].up, R"(alter type "app"."pair" alter attribute "a" type bigint)");
  EXPECT_FALSE(d.changes[0].destructive);    // int -> bigint widens
  EXPECT_TRUE(d.changes[0].down_destructive);  // bigint -> int narrows
}

TEST_F(diff_test, composite_attributes_reordered_are_made_again_flagged) {
  // ALTER TYPE cannot move an attribute, so the type is dropped and made again, flagged.
  auto r = round_trip("create schema app; create type app.swap as (a int, b text);",
                      "create schema app; create type app.swap as (b text, a int);");
  ASSERT_EQ(r.changes.size(), 2u) << r.up_script();
  EXPECT_TRUE(r.changes[0].destructive);
  EXPECT_NE(r.changes[0].note.find("reordered"), std::string::npos);
}

TEST_F(diff_test, types_made_in_dependency_order_and_dropped_in_the_reverse) {
  // An enum under a domain under a composite type under a table: up makes them in that order;
  // round_trip runs the down script too, which takes them apart the other way.
  constexpr const char* all = R"sql(
create schema app;
create type app.mood as enum ('sad', 'happy');
create domain app.feeling as app.mood not null;
create type app.entry as (at timestamptz, feeling app.feeling);
create table app.diary (e app.entry);
)sql";
  auto d = round_trip("create schema app;", all);
  auto at = [&](std::string_view object) {
    for (std::size_t i = 0; i < d.changes.size(); ++i)
      if (d.changes[i].object == object) return static_cast<int>(i);
    return -1;
  };
  ASSERT_GE(at("type app.mood"), 0) << d.up_script();
  EXPECT_LT(at("type app.mood"), at("domain app.feeling"));
  EXPECT_LT(at("domain app.feeling"), at("type app.entry"));
  EXPECT_LT(at("type app.entry"), at("table app.diary"));
}

// ---- privileges, default privileges, event triggers ----

// Roles are the cluster's: made once, kept (a role cannot be dropped while a database of
// another test grants it something).
constexpr const char* roles = R"sql(
do $$ begin create role pgpx_diff_reader; exception when duplicate_object or unique_violation then null; end $$;
do $$ begin create role "pgpx Diff ""Writer"""; exception when duplicate_object or unique_violation then null; end $$;
)sql";

constexpr const char* granted = R"sql(
create schema app;
create table app.books (id int primary key, title text, price numeric);
create view app.titles as select id, title from app.books;
create sequence app.seq;
create function app.add(a int, b int) returns int language sql as 'select a + b';
create procedure app.purge() language sql as 'delete from app.books';
grant usage on schema app to pgpx_diff_reader;
grant create on schema app to "pgpx Diff ""Writer""" with grant option;
grant select, insert on app.books to pgpx_diff_reader;
grant delete on app.books to "pgpx Diff ""Writer""" with grant option;
grant update (title, price), references (id) on app.books to "pgpx Diff ""Writer""";
grant select on app.titles to public;
grant select (title) on app.titles to pgpx_diff_reader;
grant usage, select on sequence app.seq to pgpx_diff_reader;
revoke execute on function app.add(int, int) from public;
grant execute on function app.add(int, int) to pgpx_diff_reader with grant option;
revoke all on procedure app.purge() from public;
alter default privileges for role pgpx_diff_reader in schema app grant select on tables to "pgpx Diff ""Writer""";
alter default privileges for role pgpx_diff_reader grant usage on sequences to public;
alter default privileges for role pgpx_diff_reader revoke execute on functions from public;
alter default privileges for role pgpx_diff_reader revoke usage on types from public;
create function app.on_ddl() returns event_trigger language plpgsql as $$ begin null; end $$;
create event trigger pgpx_diff_watch on ddl_command_end when tag in ('CREATE TABLE', 'DROP TABLE')
  execute function app.on_ddl();
alter event trigger pgpx_diff_watch disable;
comment on event trigger pgpx_diff_watch is 'watches';
create event trigger pgpx_diff_drops on sql_drop execute function app.on_ddl();
)sql";

// Event triggers are the database's: dropped after each test with its databases (they are).
TEST_F(diff_test, privileges_default_privileges_and_event_triggers_from_nothing_and_back) {
  cx().execute_script(roles);
  auto d = round_trip("", granted);
  EXPECT_TRUE(d.unsupported.empty()) << d.unsupported.front();
  const auto up = d.up_script();
  // Made objects start from PostgreSQL's defaults: only what differs is written.
  for (const char* line :
       {"grant insert, select on table \"app\".\"books\" to \"pgpx_diff_reader\";",
        "grant delete on table \"app\".\"books\" to \"pgpx Diff \"\"Writer\"\"\" with grant option;",
        "grant references (\"id\") on table \"app\".\"books\" to \"pgpx Diff \"\"Writer\"\"\";",
        "revoke execute on function \"app\".\"add\"(a integer, b integer) from public;",
        "grant execute on function \"app\".\"add\"(a integer, b integer) to \"pgpx_diff_reader\" with grant option;",
        "revoke execute on procedure \"app\".\"purge\"() from public;",
        "alter default privileges for role \"pgpx_diff_reader\" revoke usage on types from public;",
        "alter event trigger \"pgpx_diff_watch\" disable;",
        "comment on event trigger \"pgpx_diff_watch\" is 'watches';"})
    EXPECT_NE(up.find(line), std::string::npos) << line << "\n" << up;
  EXPECT_EQ(up.find("grant execute on function \"app\".\"on_ddl\""), std::string::npos) << up;
  // Default privileges after the objects (which start from those in effect before the
  // script), event triggers last (they would fire on the rest).
  EXPECT_GT(up.find("alter default privileges"), up.find("create view")) << up;
  EXPECT_GT(up.find("create event trigger"), up.rfind("alter default privileges")) << up;
}

TEST_F(diff_test, privileges_default_privileges_and_event_triggers_to_nothing_and_back) {
  cx().execute_script(roles);
  auto d = round_trip(granted, "");
  EXPECT_TRUE(d.unsupported.empty()) << d.unsupported.front();
  // Nothing is revoked from what is dropped: the down script grants it all back after
  // making it again.
  EXPECT_EQ(d.up_script().find("revoke select on table \""), std::string::npos) << d.up_script();
  EXPECT_NE(d.down_script().find("grant insert, select on table \"app\".\"books\""), std::string::npos)
      << d.down_script();
}

TEST_F(diff_test, privileges_default_privileges_and_event_triggers_changed_in_place) {
  cx().execute_script(roles);
  auto d = round_trip(granted, std::string(granted) + R"sql(
revoke insert on app.books from pgpx_diff_reader;
grant insert on app.books to pgpx_diff_reader with grant option;
revoke grant option for delete on app.books from "pgpx Diff ""Writer""";
revoke update (price) on app.books from "pgpx Diff ""Writer""";
grant update (id) on app.books to pgpx_diff_reader;
revoke select on app.titles from public;
grant execute on function app.add(int, int) to public;
revoke grant option for execute on function app.add(int, int) from pgpx_diff_reader;
revoke usage on schema app from pgpx_diff_reader;
revoke select on sequence app.seq from pgpx_diff_reader;
alter default privileges for role pgpx_diff_reader in schema app revoke select on tables from "pgpx Diff ""Writer""";
alter default privileges for role pgpx_diff_reader in schema app grant usage on sequences to pgpx_diff_reader;
alter default privileges for role pgpx_diff_reader grant execute on functions to public;
alter default privileges for role pgpx_diff_reader grant insert on tables to "pgpx Diff ""Writer""" with grant option;
alter event trigger pgpx_diff_watch enable always;
comment on event trigger pgpx_diff_watch is null;
drop event trigger pgpx_diff_drops;
create event trigger pgpx_diff_drops on ddl_command_start when tag in ('CREATE INDEX') execute function app.on_ddl();
)sql");
  EXPECT_TRUE(d.unsupported.empty()) << d.unsupported.front();
  const auto up = d.up_script();
  for (const char* line :
       {"revoke grant option for delete on table \"app\".\"books\" from \"pgpx Diff \"\"Writer\"\"\";",
        "grant insert on table \"app\".\"books\" to \"pgpx_diff_reader\" with grant option;",
        "grant execute on function \"app\".\"add\"(a integer, b integer) to public;",
        "alter event trigger \"pgpx_diff_watch\" enable always;", "drop event trigger \"pgpx_diff_drops\";"})
    EXPECT_NE(up.find(line), std::string::npos) << line << "\n" << up;
  for (const auto& c : d.changes) EXPECT_FALSE(c.destructive) << c.object;
}

// The script does not know which role will run it, so where the database it runs on has
// default privileges, a made object's privileges are all stated, and what those defaults may
// add is revoked. Here they are the running role's own, and do apply: the objects are made
// while they are in effect (they go at the end of the script).
TEST_F(diff_test, objects_made_where_default_privileges_apply_get_exactly_their_privileges) {
  cx().execute_script(roles);
  auto d = round_trip(R"sql(
alter default privileges grant select on tables to pgpx_diff_reader;
alter default privileges revoke execute on functions from public;
alter default privileges grant usage on sequences to public;
create schema app;
)sql",
                      R"sql(
create schema app;
create table app.plain (x int);
create table app.shared (x int);
grant select on app.shared to pgpx_diff_reader;
create function app.open() returns int language sql as 'select 1';
create sequence app.s;
)sql");
  const auto up = d.up_script();
  for (const char* line : {"revoke select on table \"app\".\"plain\" from \"pgpx_diff_reader\";",
                           "grant select on table \"app\".\"shared\" to \"pgpx_diff_reader\";",
                           "grant execute on function \"app\".\"open\"() to public;",
                           "revoke usage on sequence \"app\".\"s\" from public;"})
    EXPECT_NE(up.find(line), std::string::npos) << line << "\n" << up;
  // round_trip checked that after the up script the database reads exactly as wanted.
}

// A revoke from a role that passed the privilege on cascades; grants made by other roles
// than the owner are reported, not written (the down script cannot make them again).
TEST_F(diff_test, a_revoke_from_a_role_that_granted_further_cascades_and_its_grants_are_reported) {
  cx().execute_script(roles);
  const std::string a = R"sql(
create schema app;
create table app.t (x int);
grant usage on schema app to pgpx_diff_reader;
grant select on app.t to pgpx_diff_reader with grant option;
set role pgpx_diff_reader;
grant select on app.t to "pgpx Diff ""Writer""";
reset role;
)sql";
  auto d =
      round_trip(a, "create schema app; create table app.t (x int); grant usage on schema app to pgpx_diff_reader;",
                 {.down_restores = false});
  EXPECT_NE(d.up_script().find("revoke select on table \"app\".\"t\" from \"pgpx_diff_reader\" cascade;"),
            std::string::npos)
      << d.up_script();
  ASSERT_EQ(d.unsupported.size(), 1u);
  EXPECT_EQ(d.unsupported[0], "privileges of table app.t granted by roles other than its owner (pgpx_diff_reader)");
  // Only the grant option goes: the same.
  cx().execute_script("drop schema app cascade");
  b().execute_script("drop schema app cascade");
  d = round_trip(a, R"sql(
create schema app;
create table app.t (x int);
grant usage on schema app to pgpx_diff_reader;
grant select on app.t to pgpx_diff_reader;
)sql",
                 {.down_restores = false});
  EXPECT_NE(
      d.up_script().find("revoke grant option for select on table \"app\".\"t\" from \"pgpx_diff_reader\" cascade;"),
      std::string::npos)
      << d.up_script();
}

// A table-level REVOKE takes the same privilege off every column: the diff gives back the
// column privileges that stay, both ways.
TEST_F(diff_test, a_table_level_revoke_keeps_the_column_privileges_that_stay) {
  cx().execute_script(roles);
  constexpr const char* both = R"sql(
create schema app;
create table app.t (a int, b int);
grant select, update on app.t to pgpx_diff_reader;
grant select (a), update (b) on app.t to pgpx_diff_reader with grant option;
)sql";
  constexpr const char* columns_only = R"sql(
create schema app;
create table app.t (a int, b int);
grant select (a), update (b) on app.t to pgpx_diff_reader with grant option;
)sql";
  round_trip(both, columns_only);
  cx().execute_script("drop schema app cascade");
  b().execute_script("drop schema app cascade");
  round_trip(columns_only, both);
  // And on a table the down script makes again where default privileges give the table-level
  // privilege (the guessed revoke comes before the column's grant).
  cx().execute_script("drop schema app cascade");
  b().execute_script("drop schema app cascade");
  constexpr const char* defaults = "alter default privileges grant select on tables to pgpx_diff_reader;";
  round_trip(std::string(defaults) +
                 "create schema app; create table app.t (a int);"
                 "revoke select on app.t from pgpx_diff_reader;"
                 "grant select (a) on app.t to pgpx_diff_reader;",
             std::string(defaults) + "create schema app;");
}

TEST_F(diff_test, column_privileges_of_partitions_and_inheritance_children_are_diffed) {
  cx().execute_script(roles);
  constexpr const char* tables = R"sql(
create schema app;
create table app.p (id int, v text) partition by list (id);
create table app.p1 partition of app.p for values in (1);
create table app.par (a int);
create table app.ch (b int) inherits (app.par);
)sql";
  auto d = round_trip(tables, std::string(tables) +
                                  "grant select (v) on app.p1 to pgpx_diff_reader;"
                                  "grant update (a) on app.ch to pgpx_diff_reader;");
  EXPECT_EQ(d.changes.size(), 2u) << d.up_script();
}

// A view that gains a column is replaced in place; the way back drops and makes it again,
// with its privileges, its columns' privileges and comments.
TEST_F(diff_test, a_view_made_again_by_the_down_script_gets_its_privileges_and_column_comments_back) {
  cx().execute_script(roles);
  constexpr const char* view = R"sql(
create schema app;
create view app.v as select 1 as a;
grant select on app.v to pgpx_diff_reader;
grant select (a) on app.v to "pgpx Diff ""Writer""";
comment on column app.v.a is 'kept';
)sql";
  round_trip(view, std::string(view) + "create or replace view app.v as select 1 as a, 2 as b;");
}

// Default privileges that give a grant option: an object that should have the privilege
// without it loses the option.
TEST_F(diff_test, made_objects_lose_a_grant_option_that_default_privileges_give) {
  cx().execute_script(roles);
  constexpr const char* defaults =
      "alter default privileges grant select on tables to pgpx_diff_reader with grant option;";
  auto d = round_trip(defaults, std::string(defaults) +
                                    "create schema app; create table app.t (x int);"
                                    "revoke grant option for select on app.t from pgpx_diff_reader;");
  EXPECT_NE(d.up_script().find("revoke grant option for select on table \"app\".\"t\" from \"pgpx_diff_reader\";"),
            std::string::npos)
      << d.up_script();
}

// Every object kind of the rich fixture, privileges, default privileges and the event
// trigger included, is exported and made again identically (on 17 too: pglite_test).
TEST_F(diff_test, the_rich_schema_exported_and_applied_to_a_fresh_database_reads_back_identically) {
  cx().execute_script(pgpx::test::rich_fixture);
  const catalog original = introspect(cx());
  const std::string sql = export_sql(original);
  EXPECT_EQ(sql.find("not exported"), std::string::npos) << sql;
  b().execute_script(sql);
  EXPECT_EQ(to_json(introspect(b())), to_json(original));
  EXPECT_EQ(export_sql(introspect(b())), sql);
  // And the diff from an empty database, applied, gives the same.
  auto d = round_trip("", "");
  EXPECT_TRUE(d.empty());
}

// ---- partitions and inheritance ----

// A range, a list and a hash partitioned table, the first with a key, a check, a foreign
// key, a default, an index and a trigger its partitions get from it.
constexpr const char* partitioned = R"sql(
create schema app;
create function app.touch() returns trigger language plpgsql as $$ begin return new; end $$;
create table app.kinds (kind text primary key);
create table app.events (id bigint not null, at timestamptz not null, kind text not null, n int default 0,
  primary key (id, at, kind), constraint events_n_check check (n >= 0),
  constraint events_kind_fk foreign key (kind) references app.kinds (kind)) partition by range (at);
create index events_kind_idx on app.events (kind);
create trigger events_touch before insert on app.events for each row execute function app.touch();
create table app.events_2024 partition of app.events
  for values from ('2024-01-01 00:00:00+00') to ('2025-01-01 00:00:00+00');
create table app.tags (id int not null, region text not null, body text) partition by list (region);
create table app.tags_eu partition of app.tags for values in ('eu', 'uk');
create table app.buckets (id int not null, v text) partition by hash (id);
create table app.buckets_0 partition of app.buckets for values with (modulus 2, remainder 0);
)sql";

// New partitions of the tables above: range with an index of its own, default, a partition
// partitioned again (with a default of its own), list, hash.
constexpr const char* more_partitions = R"sql(
create table app.events_2025 partition of app.events
  for values from ('2025-01-01 00:00:00+00') to ('2026-01-01 00:00:00+00');
create index events_2025_n_idx on app.events_2025 (n);
create table app.events_other partition of app.events default;
create table app.events_2026 partition of app.events
  for values from ('2026-01-01 00:00:00+00') to ('2027-01-01 00:00:00+00') partition by list (kind);
create table app.events_2026_a partition of app.events_2026 for values in ('a');
create table app.events_2026_rest partition of app.events_2026 default;
create table app.tags_us partition of app.tags for values in ('us');
create table app.buckets_1 partition of app.buckets for values with (modulus 2, remainder 1);
)sql";

auto position(const diff_result& d, std::string_view object, std::string_view up_part) -> std::ptrdiff_t {
  for (std::size_t i = 0; i < d.changes.size(); ++i)
    if (d.changes[i].object == object && d.changes[i].up.find(up_part) != std::string::npos)
      return static_cast<std::ptrdiff_t>(i);
  return -1;
}

TEST_F(diff_test, new_partitions_are_made_with_partition_of_and_nothing_from_the_parent_twice) {
  auto d = round_trip(partitioned, std::string(partitioned) + more_partitions);
  EXPECT_TRUE(d.unsupported.empty()) << d.unsupported.front();
  EXPECT_FALSE(d.destructive());
  for (const auto& [table, bound] :
       std::vector<std::pair<std::string, std::string>>{{"events_2025", "FOR VALUES FROM"},
                                                        {"events_other", "DEFAULT"},
                                                        {"events_2026", "FOR VALUES FROM"},
                                                        {"events_2026_a", "FOR VALUES IN ('a')"},
                                                        {"events_2026_rest", "DEFAULT"},
                                                        {"tags_us", "FOR VALUES IN ('us')"},
                                                        {"buckets_1", "FOR VALUES WITH (modulus 2, remainder 1)"}}) {
    const auto* c = find(d, "table app." + table, "partition of");
    ASSERT_NE(c, nullptr) << table << "\n" << d.up_script();
    EXPECT_NE(c->up.find(bound), std::string::npos) << c->up;
    EXPECT_EQ(c->up.find("\"n\" integer"), std::string::npos) << "a column given again: " << c->up;
  }
  EXPECT_NE(find(d, "table app.events_2026", "partition by LIST (kind)"), nullptr) << d.up_script();
  EXPECT_LT(position(d, "table app.events_2026", "create table"), position(d, "table app.events_2026_a", "create"));
  // The partition's own index is made; the parent's index, key, check and trigger are not.
  ASSERT_NE(find(d, "index app.events_2025_n_idx on app.events_2025", "CREATE INDEX"), nullptr) << d.up_script();
  for (const auto& c : d.changes) {
    EXPECT_TRUE(c.kind == change_kind::table || c.object == "index app.events_2025_n_idx on app.events_2025")
        << c.object << ": " << c.up;
    EXPECT_EQ(c.up.find("CREATE TRIGGER"), std::string::npos) << c.up;
  }
}

TEST_F(diff_test, partitions_that_go_are_dropped_flagged_before_their_parent) {
  auto d = round_trip(std::string(partitioned) + more_partitions, std::string(partitioned) +
                                                                      "create table app.gone (id int not null, "
                                                                      "region text not null, body text);");
  for (const std::string table :
       {"events_2025", "events_other", "events_2026", "events_2026_a", "events_2026_rest", "tags_us", "buckets_1"}) {
    const auto* c = find(d, "table app." + table, "drop table");
    ASSERT_NE(c, nullptr) << table << "\n" << d.up_script();
    EXPECT_TRUE(c->destructive) << table;
    EXPECT_NE(c->down.find("partition of"), std::string::npos) << c->down;
  }
  EXPECT_LT(position(d, "table app.events_2026_a", "drop table"), position(d, "table app.events_2026", "drop table"));
  EXPECT_LT(position(d, "table app.events_2026_rest", "drop table"),
            position(d, "table app.events_2026", "drop table"));
  EXPECT_NE(d.up_script().find("-- destructive: table app.events_2025"), std::string::npos) << d.up_script();
}

// A table the parent does not accept yet (NOT NULL, check and default missing, no key, no
// index) is brought to what the parent needs and attached; down detaches it and takes back
// what was added. Both attached as a range partition and as a list default.
constexpr const char* standalone = R"sql(
create table app.events_2025 (id bigint, at timestamptz not null, kind text not null, n int);
create index events_2025_n_idx on app.events_2025 (n);
create table app.tags_rest (id int not null, region text not null, body text);
)sql";
constexpr const char* attached = R"sql(
create table app.events_2025 (id bigint not null, at timestamptz not null, kind text not null, n int default 0,
  constraint events_n_check check (n >= 0));
create index events_2025_n_idx on app.events_2025 (n);
alter table app.events attach partition app.events_2025
  for values from ('2025-01-01 00:00:00+00') to ('2026-01-01 00:00:00+00');
create table app.tags_rest (id int not null, region text not null, body text);
alter table app.tags attach partition app.tags_rest default;
)sql";

TEST_F(diff_test, tables_attached_as_partitions_and_detached_again) {
  auto d = round_trip(std::string(partitioned) + standalone, std::string(partitioned) + attached);
  EXPECT_TRUE(d.unsupported.empty()) << d.unsupported.front();
  const auto attach = position(d, "table app.events_2025", "attach partition");
  ASSERT_GE(attach, 0) << d.up_script();
  EXPECT_NE(d.changes[static_cast<std::size_t>(attach)].down.find("detach partition"), std::string::npos);
  EXPECT_NE(find(d, "table app.tags_rest", "attach partition \"app\".\"tags_rest\" DEFAULT"), nullptr) << d.up_script();
  // What the attach needs comes before it.
  for (const auto& [object, part] : std::vector<std::pair<std::string, std::string>>{
           {"column app.events_2025.id", "set not null"},
           {"constraint events_n_check on app.events_2025", "add constraint"}}) {
    const auto at = position(d, object, part);
    ASSERT_GE(at, 0) << object << "\n" << d.up_script();
    EXPECT_LT(at, attach) << object;
  }
  // The key and the index the parent gives are made first (the attach adopts them), so that
  // down, run backwards, detaches before it drops them.
  for (const auto& [object, part] : std::vector<std::pair<std::string, std::string>>{
           {"constraint events_2025_pkey on app.events_2025", "add constraint"},
           {"index app.events_2025_kind_idx on app.events_2025", "CREATE INDEX"}}) {
    const auto at = position(d, object, part);
    ASSERT_GE(at, 0) << object << "\n" << d.up_script();
    EXPECT_LT(at, attach) << object;
  }
  EXPECT_LT(d.down_script().find("detach partition"), d.down_script().find("drop constraint \"events_2025_pkey\""))
      << d.down_script();
}

TEST_F(diff_test, online_the_attach_comes_after_the_validation_and_the_concurrent_indexes) {
  // Online, the check and foreign key are added NOT VALID and validated, and the indexes
  // built CONCURRENTLY, all before the attach, which needs them valid.
  auto d = round_trip(std::string(partitioned) + standalone, std::string(partitioned) + attached,
                      {.options = {.online = true}});
  const auto attach = position(d, "table app.events_2025", "attach partition");
  const auto validate = position(d, "constraint events_n_check on app.events_2025", "validate constraint");
  const auto index = position(d, "index app.events_2025_kind_idx on app.events_2025", "CONCURRENTLY");
  ASSERT_GE(validate, 0) << d.up_script();
  ASSERT_GE(index, 0) << d.up_script();
  EXPECT_LT(validate, attach);
  EXPECT_LT(index, attach);
}

TEST_F(diff_test, a_partition_kept_when_its_parent_goes_is_detached_first) {
  // Up: detached, what the detach leaves on it (key, index) dropped, then the parent dropped.
  // Down: the parent made, the key and index made again, the table attached (adopting them).
  auto d = round_trip(partitioned, R"sql(
create schema app;
create function app.touch() returns trigger language plpgsql as $$ begin return new; end $$;
create table app.kinds (kind text primary key);
create table app.events_2024 (id bigint not null, at timestamptz not null, kind text not null, n int default 0,
  constraint events_n_check check (n >= 0));
create table app.tags (id int not null, region text not null, body text) partition by list (region);
create table app.tags_eu partition of app.tags for values in ('eu', 'uk');
create table app.buckets (id int not null, v text) partition by hash (id);
create table app.buckets_0 partition of app.buckets for values with (modulus 2, remainder 0);
)sql");
  const auto detach = position(d, "table app.events_2024", "detach partition");
  ASSERT_GE(detach, 0) << d.up_script();
  EXPECT_LT(detach, position(d, "constraint events_2024_pkey on app.events_2024", "drop constraint"));
  EXPECT_LT(detach, position(d, "index app.events_2024_kind_idx on app.events_2024", "drop index"));
  EXPECT_LT(detach, position(d, "table app.events", "drop table"));
}

TEST_F(diff_test, a_partitioned_table_with_its_partitions_attached_as_a_partition) {
  // Two levels: events_2027 is partitioned by kind and is attached to events whole; its own
  // partition gets the parent's key, check and index through it.
  auto d = round_trip(std::string(partitioned) + R"sql(
create table app.events_2027 (id bigint, at timestamptz not null, kind text not null, n int)
  partition by list (kind);
create table app.events_2027_a partition of app.events_2027 for values in ('a');
create table app.events_2027_rest partition of app.events_2027 default;
)sql",
                      std::string(partitioned) + R"sql(
create table app.events_2027 partition of app.events
  for values from ('2027-01-01 00:00:00+00') to ('2028-01-01 00:00:00+00') partition by list (kind);
create table app.events_2027_a partition of app.events_2027 for values in ('a');
create table app.events_2027_rest partition of app.events_2027 default;
)sql");
  EXPECT_NE(find(d, "table app.events_2027", "attach partition"), nullptr) << d.up_script();
  EXPECT_EQ(find(d, "table app.events_2027_a", "attach partition"), nullptr) << d.up_script();
}

TEST_F(diff_test, a_table_attached_reads_as_one_made_with_partition_of) {
  // ATTACH PARTITION makes the table's columns, checks and key inherited-only, as PARTITION
  // OF does: the up script reaches the same schema, and a second diff finds nothing.
  auto d = round_trip(std::string(partitioned) + standalone, std::string(partitioned) + R"sql(
create table app.events_2025 partition of app.events
  for values from ('2025-01-01 00:00:00+00') to ('2026-01-01 00:00:00+00');
create index events_2025_n_idx on app.events_2025 (n);
create table app.tags_rest partition of app.tags default;
)sql");
  ASSERT_NE(find(d, "table app.events_2025", "attach partition"), nullptr) << d.up_script();
  EXPECT_EQ(find(d, "table app.events_2025", "create table"), nullptr) << d.up_script();
  EXPECT_FALSE(d.destructive()) << d.up_script();
}

TEST_F(diff_test, a_changed_bound_is_a_detach_and_an_attach) {
  auto d = round_trip(partitioned, R"sql(
create schema app;
create function app.touch() returns trigger language plpgsql as $$ begin return new; end $$;
create table app.kinds (kind text primary key);
create table app.events (id bigint not null, at timestamptz not null, kind text not null, n int default 0,
  primary key (id, at, kind), constraint events_n_check check (n >= 0),
  constraint events_kind_fk foreign key (kind) references app.kinds (kind)) partition by range (at);
create index events_kind_idx on app.events (kind);
create trigger events_touch before insert on app.events for each row execute function app.touch();
create table app.events_2024 partition of app.events
  for values from ('2024-01-01 00:00:00+00') to ('2024-07-01 00:00:00+00');
create table app.tags (id int not null, region text not null, body text) partition by list (region);
create table app.tags_eu partition of app.tags default;
create table app.buckets (id int not null, v text) partition by hash (id);
create table app.buckets_0 partition of app.buckets for values with (modulus 3, remainder 0);
)sql");
  EXPECT_TRUE(d.unsupported.empty()) << d.unsupported.front();
  for (const std::string table : {"events_2024", "tags_eu", "buckets_0"}) {
    const auto detach = position(d, "table app." + table, "detach partition");
    const auto attach = position(d, "table app." + table, "attach partition");
    ASSERT_GE(detach, 0) << table << "\n" << d.up_script();
    EXPECT_LT(detach, attach) << table;
  }
  // Only the detach, the attach and nothing of what the partition has from its parent.
  EXPECT_EQ(d.changes.size(), 6u) << d.up_script();
}

TEST_F(diff_test, inheritance_added_removed_and_tables_made_with_inherits) {
  constexpr const char* parents = R"sql(
create schema app;
create table app.base_item (id int primary key, label text not null default 'x',
  constraint base_label_check check (label <> ''));
create table app.other_parent (note text);
)sql";
  auto d = round_trip(std::string(parents) + R"sql(
create table app.special (id int, label text, extra int);
create table app.child2 (extra int, note text) inherits (app.base_item, app.other_parent);
)sql",
                      std::string(parents) + R"sql(
create table app.special (id int not null, label text not null default 'x', extra int,
  constraint base_label_check check (label <> ''));
alter table app.special inherit app.base_item;
create table app.child2 (extra int, note text) inherits (app.base_item);
create table app.fresh (local_col int, label text not null default 'y') inherits (app.base_item);
)sql");
  EXPECT_TRUE(d.unsupported.empty()) << d.unsupported.front();
  const auto inherit = position(d, "table app.special", "inherit \"app\".\"base_item\"");
  ASSERT_GE(inherit, 0) << d.up_script();
  EXPECT_LT(position(d, "constraint base_label_check on app.special", "add constraint"), inherit);
  EXPECT_LT(position(d, "column app.special.id", "set not null"), inherit);
  EXPECT_NE(find(d, "table app.child2", "no inherit \"app\".\"other_parent\""), nullptr) << d.up_script();
  // A new child lists its own columns (one merged with the parent's) and not the parent's.
  const auto* fresh = find(d, "table app.fresh", "inherits (\"app\".\"base_item\")");
  ASSERT_NE(fresh, nullptr) << d.up_script();
  EXPECT_NE(fresh->up.find("local_col"), std::string::npos) << fresh->up;
  EXPECT_NE(fresh->up.find("'y'"), std::string::npos) << fresh->up;
  EXPECT_EQ(fresh->up.find("\"id\""), std::string::npos) << fresh->up;
  EXPECT_EQ(fresh->up.find("base_label_check"), std::string::npos) << fresh->up;
}

TEST_F(diff_test, a_child_that_leaves_its_parent_keeps_or_drops_the_parents_columns) {
  // NO INHERIT leaves the parent's columns on the child as its own: those the child no
  // longer has are dropped after it. Down adds them back and inherits again; they then read
  // as local too (no statement makes a column inherited-only), which a diff back to the
  // original finds nothing to change in.
  cx().execute_script(R"sql(
create schema app;
create table app.base_item (id int primary key, label text);
create table app.child (extra int) inherits (app.base_item);
create table app.child2 (extra int) inherits (app.base_item);
)sql");
  const catalog a = introspect(cx());
  auto d = round_trip("", R"sql(
create schema app;
create table app.base_item (id int primary key, label text);
create table app.child (extra int);
create table app.child2 (id int not null, label text, extra int);
)sql",
                      {.down_restores = false});
  const auto no_inherit = position(d, "table app.child", "no inherit");
  ASSERT_GE(no_inherit, 0) << d.up_script();
  EXPECT_LT(no_inherit, position(d, "column app.child.label", "drop column"));
  EXPECT_LT(no_inherit, position(d, "column app.child.id", "drop column"));
  EXPECT_EQ(find(d, "column app.child2.label", "drop column"), nullptr) << d.up_script();
  const auto back = diff(introspect(cx()), a);
  EXPECT_TRUE(back.empty()) << back.up_script();
}

TEST_F(diff_test, partitioning_a_table_or_changing_its_key_is_reported_by_name) {
  cx().execute_script(R"sql(
create schema app;
create table app.plain (id int, at date);
create table app.by_range (id int, at date) partition by range (at);
create table app.unpartitioned (id int, at date) partition by range (at);
)sql");
  b().execute_script(R"sql(
create schema app;
create table app.plain (id int, at date) partition by range (at);
create table app.by_range (id int, at date) partition by list (at);
create table app.unpartitioned (id int, at date);
)sql");
  const auto d = diff(introspect(cx()), introspect(b()));
  EXPECT_TRUE(d.changes.empty()) << d.up_script();
  ASSERT_EQ(d.unsupported.size(), 3u);
  auto reported = [&](std::string_view a, std::string_view b) {
    return std::any_of(d.unsupported.begin(), d.unsupported.end(), [&](const std::string& u) {
      return u.find(a) != std::string::npos && u.find(b) != std::string::npos;
    });
  };
  EXPECT_TRUE(reported("table app.plain becomes partitioned", "RANGE (at)"));
  EXPECT_TRUE(reported("partition key of table app.by_range", "LIST (at)"));
  EXPECT_TRUE(reported("table app.unpartitioned stops being partitioned", "not possible in place"));
}

// ---- views that read views ----

// Names chosen so that name order is the wrong order: a_top reads z_base.
TEST_F(diff_test, views_on_views_are_made_after_and_dropped_before_what_they_read) {
  constexpr const char* table = "create schema app; create table app.t (id int, name text);";
  auto d = round_trip(std::string(table) + R"sql(
create view app.z_base as select id, name from app.t;
create view app.a_top as select id from app.z_base where id > 0;
create materialized view app.a_mat as select count(*) as n from app.a_top;
)sql",
                      std::string(table) + R"sql(
create view app.y_base as select id, name from app.t;
create view app.c_top as select name from app.y_base;
create materialized view app.b_mat as select name from app.c_top with no data;
create unique index b_mat_name_idx on app.b_mat (name);
)sql");
  EXPECT_LT(position(d, "materialized view app.a_mat", "drop"), position(d, "view app.a_top", "drop view"));
  EXPECT_LT(position(d, "view app.a_top", "drop view"), position(d, "view app.z_base", "drop view"));
  EXPECT_LT(position(d, "view app.y_base", "create view"), position(d, "view app.c_top", "create view"));
  EXPECT_LT(position(d, "view app.c_top", "create view"), position(d, "materialized view app.b_mat", "create"));
  EXPECT_GE(position(d, "view app.z_base", "drop view"), 0) << d.up_script();
}

TEST_F(diff_test, a_view_remade_takes_the_views_that_read_it_along) {
  // z_base's columns change (not in place): a_top and a_mat, unchanged, that read it (a_mat
  // through a_top) are dropped before it and made again after it.
  constexpr const char* table = "create schema app; create table app.t (id int, name text);";
  constexpr const char* readers = R"sql(
create view app.a_top as select id from app.z_base where id > 0;
create materialized view app.a_mat as select count(*) as n from app.a_top;
comment on view app.a_top is 'kept';
)sql";
  auto d = round_trip(std::string(table) + "create view app.z_base as select id, name from app.t;" + readers,
                      std::string(table) + "create view app.z_base as select name, id from app.t;" + readers);
  const auto* top = find(d, "view app.a_top", "drop view");
  ASSERT_NE(top, nullptr) << d.up_script();
  EXPECT_NE(top->note.find("it uses app.z_base"), std::string::npos) << top->note;
  EXPECT_LT(position(d, "materialized view app.a_mat", "drop"), position(d, "view app.a_top", "drop view"));
  EXPECT_LT(position(d, "view app.a_top", "drop view"), position(d, "view app.z_base", "drop view"));
  EXPECT_LT(position(d, "view app.z_base", "create view"), position(d, "view app.a_top", "create view"));
  EXPECT_LT(position(d, "view app.a_top", "create view"), position(d, "materialized view app.a_mat", "create"));
}

TEST_F(diff_test, a_view_gaining_a_column_is_remade_when_read_so_that_down_can_drop_it) {
  // Up could replace z_base in place; down must drop its new column, which needs a drop and
  // a create, which a_top reading it forbids: both are remade.
  constexpr const char* table = "create schema app; create table app.t (id int, name text);";
  constexpr const char* reader = "create view app.a_top as select id from app.z_base;";
  auto d = round_trip(std::string(table) + "create view app.z_base as select id from app.t;" + reader,
                      std::string(table) + "create view app.z_base as select id, name from app.t;" + reader);
  EXPECT_NE(find(d, "view app.a_top", "drop view"), nullptr) << d.up_script();
}

TEST_F(diff_test, a_view_that_stops_reading_a_view_that_goes_is_remade_after_it_goes) {
  constexpr const char* table = "create schema app; create table app.t (id int, name text);";
  auto d = round_trip(std::string(table) +
                          "create view app.z_base as select id from app.t;"
                          "create view app.a_top as select id from app.z_base;",
                      std::string(table) + "create view app.a_top as select id from app.t;");
  EXPECT_LT(position(d, "view app.a_top", "drop view"), position(d, "view app.z_base", "drop view")) << d.up_script();
}

TEST_F(diff_test, functions_a_view_calls_are_made_before_it_and_dropped_after_it) {
  constexpr const char* table = "create schema app; create table app.t (id int, name text);";
  auto d = round_trip(std::string(table) + R"sql(
create function app.shout(s text) returns text language sql immutable as 'select upper(s)';
create view app.loud as select app.shout(name) as name from app.t;
)sql",
                      std::string(table) + R"sql(
create function app.whisper(s text) returns text language sql immutable as 'select lower(s)';
create view app.quiet as select app.whisper(name) as name from app.t;
create view app.quieter as select app.whisper(name) as name from app.quiet;
)sql");
  EXPECT_LT(position(d, "view app.loud", "drop view"), position(d, "function app.shout(s text)", "drop function"));
  EXPECT_LT(position(d, "function app.whisper(s text)", "CREATE"), position(d, "view app.quiet", "create view"));
  EXPECT_LT(position(d, "view app.quiet", "create view"), position(d, "view app.quieter", "create view"));
}

TEST_F(diff_test, a_view_calling_a_function_made_again_is_dropped_before_and_made_after) {
  // The function's result type changes: it is dropped and made again, which the view that
  // calls it would forbid. Also a view whose new definition no longer calls a function that goes.
  constexpr const char* table = "create schema app; create table app.t (id int, name text);";
  auto d = round_trip(std::string(table) + R"sql(
create function app.size(s text) returns int language sql immutable as 'select length(s)';
create function app.gone(s text) returns text language sql immutable as 'select s';
create view app.sizes as select app.size(name) as n from app.t;
create view app.names as select app.gone(name) as name from app.t;
)sql",
                      std::string(table) + R"sql(
create function app.size(s text) returns bigint language sql immutable as 'select length(s)::bigint';
create view app.sizes as select app.size(name) as n from app.t;
create view app.names as select name from app.t;
)sql");
  const auto* sizes = find(d, "view app.sizes", "drop view");
  ASSERT_NE(sizes, nullptr) << d.up_script();
  EXPECT_NE(sizes->note.find("it uses function app.size"), std::string::npos) << sizes->note;
  EXPECT_LT(position(d, "view app.sizes", "drop view"), position(d, "function app.size(s text)", "drop function"));
  EXPECT_LT(position(d, "function app.size(s text)", "CREATE"), position(d, "view app.sizes", "create view"));
  EXPECT_LT(position(d, "view app.names", "drop view"), position(d, "function app.gone(s text)", "drop function"));
}

}  // namespace
