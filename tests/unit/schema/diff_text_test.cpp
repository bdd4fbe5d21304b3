// The diff on catalogs built by hand (no server): the order of the changes, their flags,
// the script text. tests/integration/schema/diff_test.cpp runs the scripts for real.
#include <pgpx/error.hpp>
#include <pgpx/schema/diff.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace pgpx::schema;

auto column(std::string name, std::string type, bool not_null = false) -> column_def {
  return column_def{.name = std::move(name), .type = std::move(type), .not_null = not_null};
}

auto table(std::string schema, std::string name, std::vector<column_def> columns) -> table_info {
  return table_info{.schema = std::move(schema), .name = std::move(name), .columns = std::move(columns)};
}

auto position(const diff_result& d, change_kind kind, const std::string& up_part) -> std::ptrdiff_t {
  for (std::size_t i = 0; i < d.changes.size(); ++i)
    if (d.changes[i].kind == kind && d.changes[i].up.find(up_part) != std::string::npos)
      return static_cast<std::ptrdiff_t>(i);
  return -1;
}

// Catalog "to": a schema with two tables, the first referencing the second, an index, a
// function, a view, a trigger and a comment.
auto target() -> catalog {
  catalog c;
  c.schemas = {{.name = "shop"}};
  auto books = table("shop", "a_books", {column("id", "integer", true), column("author_id", "integer")});
  books.constraints = {
      {.name = "a_books_author_fk",
       .kind = constraint_kind::foreign_key,
       .definition = "FOREIGN KEY (author_id) REFERENCES shop.b_authors(id)"},
      {.name = "a_books_pkey", .kind = constraint_kind::primary_key, .definition = "PRIMARY KEY (id)"}};
  books.indexes = {{.name = "a_books_author_idx",
                    .definition = "CREATE INDEX a_books_author_idx ON shop.a_books USING btree (author_id)"},
                   {.name = "a_books_pkey",
                    .definition = "CREATE UNIQUE INDEX a_books_pkey ON shop.a_books USING btree (id)",
                    .constraint = "a_books_pkey"}};
  books.triggers = {{.name = "a_books_touch",
                     .definition = "CREATE TRIGGER a_books_touch BEFORE INSERT ON shop.a_books FOR EACH ROW EXECUTE "
                                   "FUNCTION shop.touch()",
                     .function = {"shop", "touch"},
                     .enabled = "origin"}};
  books.comment = "books";
  auto authors = table("shop", "b_authors", {column("id", "integer", true)});
  authors.constraints = {
      {.name = "b_authors_pkey", .kind = constraint_kind::primary_key, .definition = "PRIMARY KEY (id)"}};
  c.tables = {books, authors};
  c.views = {{.schema = "shop", .name = "author_ids", .definition = " SELECT b_authors.id\n   FROM shop.b_authors;"}};
  c.functions = {{.schema = "shop",
                  .name = "touch",
                  .result = "trigger",
                  .language = "plpgsql",
                  .definition = "CREATE OR REPLACE FUNCTION shop.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS "
                                "$function$ begin return new; end $function$\n"}};
  return c;
}

TEST(diff_text, equal_catalogs_give_nothing) {
  const auto c = target();
  const auto d = diff(c, c);
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(d.destructive());
  EXPECT_EQ(d.up_script(), "");
  EXPECT_EQ(d.down_script(), "");
}

TEST(diff_text, creations_follow_dependencies) {
  const auto d = diff(catalog{}, target());
  const auto schema = position(d, change_kind::schema, "create schema \"shop\"");
  const auto books = position(d, change_kind::table, "create table \"shop\".\"a_books\"");
  const auto authors = position(d, change_kind::table, "create table \"shop\".\"b_authors\"");
  const auto fk = position(d, change_kind::constraint, "FOREIGN KEY");
  const auto index = position(d, change_kind::index, "CREATE INDEX a_books_author_idx");
  const auto function = position(d, change_kind::function, "CREATE OR REPLACE FUNCTION shop.touch()");
  const auto view = position(d, change_kind::view, "create view");
  const auto trigger = position(d, change_kind::trigger, "CREATE TRIGGER");
  const auto comment = position(d, change_kind::comment, "comment on table");
  for (auto p : {schema, books, authors, fk, index, function, view, trigger, comment}) ASSERT_GE(p, 0) << d.up_script();
  EXPECT_LT(schema, books);
  EXPECT_LT(books, authors);  // catalog order: the foreign key waits for both
  EXPECT_LT(authors, fk);
  EXPECT_LT(fk, index);
  EXPECT_LT(index, function);
  EXPECT_LT(function, view);
  EXPECT_LT(view, trigger);
  EXPECT_LT(trigger, comment);
  // The primary key goes inside CREATE TABLE, the foreign key after; the key's index is the constraint's.
  EXPECT_EQ(d.changes[static_cast<std::size_t>(books)].up,
            R"(create table "shop"."a_books" ("id" integer not null, "author_id" integer, )"
            R"(constraint "a_books_pkey" PRIMARY KEY (id)))");
  EXPECT_EQ(position(d, change_kind::index, "a_books_pkey"), -1);
  EXPECT_EQ(d.changes[static_cast<std::size_t>(view)].up,
            "create view \"shop\".\"author_ids\" as SELECT b_authors.id\n   FROM shop.b_authors");
  for (const auto& c : d.changes) EXPECT_FALSE(c.destructive) << c.up;
  EXPECT_FALSE(d.destructive());
}

TEST(diff_text, drops_run_most_dependent_first_and_down_is_the_reverse) {
  const auto d = diff(target(), catalog{});
  const auto trigger = position(d, change_kind::trigger, "drop trigger");
  const auto view = position(d, change_kind::view, "drop view");
  const auto fk = position(d, change_kind::constraint, "drop constraint \"a_books_author_fk\"");
  const auto index = position(d, change_kind::index, "drop index");
  const auto books = position(d, change_kind::table, "drop table \"shop\".\"a_books\"");
  const auto authors = position(d, change_kind::table, "drop table \"shop\".\"b_authors\"");
  const auto function = position(d, change_kind::function, "drop function");
  const auto schema = position(d, change_kind::schema, "drop schema");
  for (auto p : {trigger, view, fk, index, books, authors, function, schema}) ASSERT_GE(p, 0) << d.up_script();
  EXPECT_LT(trigger, view);
  EXPECT_LT(view, function);
  EXPECT_LT(function, fk);
  EXPECT_LT(fk, index);
  EXPECT_LT(index, authors);
  EXPECT_LT(index, books);
  EXPECT_LT(authors, schema);
  EXPECT_LT(books, schema);
  EXPECT_TRUE(d.changes[static_cast<std::size_t>(books)].destructive);
  EXPECT_TRUE(d.changes[static_cast<std::size_t>(schema)].destructive);
  EXPECT_FALSE(d.changes[static_cast<std::size_t>(index)].destructive);
  EXPECT_TRUE(d.destructive());
  // The down script is the downs in reverse order: the schema comes back first, the comment last.
  const auto down = d.down_script();
  EXPECT_EQ(down.rfind("create schema \"shop\";\n", 0), 0u) << down;
  EXPECT_NE(down.find("comment on table \"shop\".\"a_books\" is 'books';\n"), std::string::npos) << down;
  EXPECT_LT(down.find("create table \"shop\".\"b_authors\""), down.find("FOREIGN KEY"));
  // The up script flags every destructive change.
  EXPECT_NE(d.up_script().find("-- destructive: table shop.a_books\ndrop table \"shop\".\"a_books\";\n"),
            std::string::npos);
}

TEST(diff_text, type_changes_are_flagged_unless_a_safe_widening) {
  struct cases {
    const char* from;
    const char* to;
    bool destructive;
  };
  for (const auto& c : std::vector<cases>{{"character varying(20)", "character varying(80)", false},
                                          {"character varying(80)", "character varying(20)", true},
                                          {"character varying(20)", "text", false},
                                          {"character varying(20)", "character varying", false},
                                          {"integer", "bigint", false},
                                          {"bigint", "integer", true},
                                          {"numeric(8,2)", "numeric(10,2)", false},
                                          {"numeric(8,2)", "numeric(8,3)", true},
                                          {"numeric(8,2)", "numeric", false},
                                          {"real", "double precision", false},
                                          {"text", "integer", true},
                                          {"text", "character varying(10)", true}}) {
    catalog a;
    a.tables = {table("s", "t", {column("c", c.from)})};
    catalog b;
    b.tables = {table("s", "t", {column("c", c.to)})};
    const auto d = diff(a, b);
    ASSERT_EQ(d.changes.size(), 1u) << c.from << " -> " << c.to;
    EXPECT_EQ(d.changes[0].destructive, c.destructive) << c.from << " -> " << c.to;
    EXPECT_EQ(d.changes[0].up.find("using") != std::string::npos, c.destructive) << d.changes[0].up;
  }
}

TEST(diff_text, online_indexes_are_concurrent_and_not_transactional_except_on_partitioned_tables) {
  catalog a;
  auto plain = table("s", "t", {column("a", "integer")});
  auto parted = table("s", "p", {column("a", "integer")});
  parted.kind = table_kind::partitioned;
  parted.partition_key = "RANGE (a)";
  a.tables = {parted, plain};
  catalog b = a;
  b.tables[1].indexes = {{.name = "t_a_idx", .definition = "CREATE INDEX t_a_idx ON s.t USING btree (a)"}};
  b.tables[0].indexes = {{.name = "p_a_idx", .definition = "CREATE INDEX p_a_idx ON ONLY s.p USING btree (a)"}};
  const auto d = diff(a, b, {.online = true});
  ASSERT_EQ(d.changes.size(), 2u) << d.up_script();
  EXPECT_EQ(d.changes[0].up, "CREATE INDEX p_a_idx ON s.p USING btree (a)");
  EXPECT_TRUE(d.changes[0].transactional);
  EXPECT_EQ(d.changes[1].up, "CREATE INDEX CONCURRENTLY t_a_idx ON s.t USING btree (a)");
  EXPECT_EQ(d.changes[1].down, R"(drop index concurrently "s"."t_a_idx")");
  EXPECT_FALSE(d.changes[1].transactional);
  // Without online: plain and transactional.
  const auto plain_diff = diff(a, b);
  EXPECT_EQ(plain_diff.changes[1].up, "CREATE INDEX t_a_idx ON s.t USING btree (a)");
  EXPECT_TRUE(plain_diff.changes[1].transactional);
}

TEST(diff_text, online_foreign_keys_and_checks_are_added_not_valid_then_validated) {
  catalog a;
  a.tables = {table("s", "t", {column("a", "integer"), column("b", "text")})};
  catalog b = a;
  b.tables[0].constraints = {{.name = "t_a_check", .kind = constraint_kind::check, .definition = "CHECK (a > 0)"}};
  b.tables[0].columns.push_back(column("c", "text", true));
  const auto d = diff(a, b, {.online = true});
  std::vector<std::string> ups;
  for (const auto& c : d.changes) ups.push_back(c.up);
  EXPECT_EQ(ups, (std::vector<std::string>{R"(alter table "s"."t" add column "c" text)",
                                           R"(alter table "s"."t" add constraint "t_a_check" CHECK (a > 0) not valid)",
                                           R"(alter table "s"."t" alter column "c" set not null)",
                                           R"(alter table "s"."t" validate constraint "t_a_check")"}));
  EXPECT_NE(d.changes[0].note.find("backfill"), std::string::npos);
  EXPECT_EQ(d.changes[3].down, "");
}

TEST(diff_text, enum_labels_added_in_place_or_the_type_made_again) {
  catalog a;
  a.enums = {{.schema = "s", .name = "mood", .labels = {"sad", "happy"}, .privileges = builtin_privileges("types")}};
  catalog b = a;
  b.enums[0].labels = {"sad", "ok", "happy"};
  auto d = diff(a, b);
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_EQ(d.changes[0].up, R"(alter type "s"."mood" add value 'ok' after 'sad')");
  EXPECT_EQ(d.changes[0].down, "");
  EXPECT_NE(d.down_script().find("-- type s.mood: no inverse: an enum label cannot be removed"), std::string::npos)
      << d.down_script();
  b.enums[0].labels = {"happy"};
  d = diff(a, b);
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_TRUE(d.changes[0].destructive);
  EXPECT_EQ(d.changes[0].up, R"(drop type "s"."mood")");
  EXPECT_EQ(d.changes[1].up, R"(create type "s"."mood" as enum ('happy'))");
}

TEST(diff_text, renames_are_noted_never_guessed) {
  catalog a;
  a.tables = {table("s", "t", {column("id", "integer"), column("title", "text")})};
  catalog b;
  b.tables = {table("s", "t", {column("id", "integer"), column("heading", "text"), column("n", "integer")})};
  const auto d = diff(a, b);
  ASSERT_EQ(d.changes.size(), 3u) << d.up_script();
  EXPECT_EQ(d.changes[0].up, R"(alter table "s"."t" drop column "title")");
  EXPECT_TRUE(d.changes[0].destructive);
  EXPECT_NE(d.changes[0].note.find("possible rename of s.t.title to heading"), std::string::npos);
  EXPECT_NE(d.changes[1].note.find("possible rename of s.t.title to heading"), std::string::npos);
  EXPECT_EQ(d.changes[2].note, "");  // n is an integer: not a candidate
  EXPECT_TRUE(d.changes[0].possible_rename);
  EXPECT_TRUE(d.changes[1].possible_rename);
  EXPECT_FALSE(d.changes[2].possible_rename);
  EXPECT_EQ(d.up_script().rfind(
                "-- pgpx:lint DS103\n-- destructive: column s.t.title\n-- column s.t.title: possible rename", 0),
            0u)
      << d.up_script();
}

TEST(diff_text, names_are_quoted_and_notes_cannot_break_out_of_their_comment_line) {
  catalog a;
  a.tables = {table("s", "we\"ird\nname", {column("x", "integer")})};
  const auto d = diff(a, catalog{});
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_EQ(d.changes[0].up, "drop table \"s\".\"we\"\"ird\nname\"");
  EXPECT_EQ(d.up_script(), "-- destructive: table s.we\"ird name\ndrop table \"s\".\"we\"\"ird\nname\";\n");
}

TEST(diff_text, a_name_postgresql_cannot_hold_is_refused_naming_the_object) {
  catalog a;
  a.tables = {table("s", "t", {column(std::string(70, 'x'), "integer")})};
  try {
    (void)diff(catalog{}, a);
    FAIL() << "no error";
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("pgpx::schema::diff: table s.t: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("70 bytes"), std::string::npos) << e.what();
  }
}

TEST(diff_text, comments_and_literals_go_through_quote_literal) {
  catalog a;
  a.schemas = {{.name = "s"}};
  catalog b;
  b.schemas = {{.name = "s", .comment = "it's"}};
  const auto d = diff(a, b);
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_EQ(d.changes[0].up, R"(comment on schema "s" is 'it''s')");
  EXPECT_EQ(d.changes[0].down, R"(comment on schema "s" is null)");
  EXPECT_EQ(d.changes[0].kind, change_kind::comment);
}

TEST(diff_text, what_is_not_diffed_is_listed) {
  catalog a;
  a.domains = {{.schema = "s", .name = "price", .base_type = "numeric", .privileges = builtin_privileges("types")}};
  a.tables = {table("s", "t", {column("x", "integer")})};
  catalog b;
  b.tables = a.tables;
  b.tables[0].kind = table_kind::partitioned;
  b.tables[0].partition_key = "RANGE (x)";
  auto d = diff(a, b);
  // The domain is diffed (dropped); the partitioning, which cannot change in place, is listed.
  ASSERT_EQ(d.changes.size(), 1u);
  EXPECT_EQ(d.changes[0].kind, change_kind::domain);
  EXPECT_EQ(d.changes[0].up, R"(drop domain "s"."price")");
  ASSERT_EQ(d.unsupported.size(), 1u);
  EXPECT_NE(d.unsupported[0].find("table s.t"), std::string::npos) << d.unsupported[0];
}

// Privileges, as introspect() reads them (roles but the owner, in effect), become GRANT and
// REVOKE statements, each with its exact inverse.
TEST(diff_text, privileges_are_granted_and_revoked_with_their_inverses) {
  catalog a;
  a.tables = {table("s", "t", {column("x", "integer")})};
  a.tables[0].privileges = {{.grantee = "ann", .privilege = "INSERT", .grantable = true},
                            {.grantee = "bob", .privilege = "DELETE"},
                            {.grantee = "bob", .privilege = "SELECT", .grantable = true}};
  catalog b = a;
  b.tables[0].privileges = {{.grantee = "ann", .privilege = "INSERT"},
                            {.grantee = "bob", .privilege = "SELECT"},
                            {.grantee = "bob", .privilege = "UPDATE", .grantable = true},
                            {.grantee = "public", .privilege = "SELECT"}};
  b.tables[0].columns[0].privileges = {{.grantee = "Carl", .privilege = "UPDATE"}};
  const auto d = diff(a, b);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& c : d.changes) got.emplace_back(c.up, c.down);
  const std::string t = R"("s"."t")";
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {"revoke grant option for insert on table " + t + R"( from "ann")",
                      "grant insert on table " + t + R"( to "ann" with grant option)"},
                     {"revoke delete on table " + t + R"( from "bob")", "grant delete on table " + t + R"( to "bob")"},
                     {"revoke grant option for select on table " + t + R"( from "bob")",
                      "grant select on table " + t + R"( to "bob" with grant option)"},
                     {"grant update on table " + t + R"( to "bob" with grant option)",
                      "revoke update on table " + t + R"( from "bob")"},
                     {"grant select on table " + t + " to public", "revoke select on table " + t + " from public"},
                     {R"(grant update ("x") on table )" + t + R"( to "Carl")",
                      R"(revoke update ("x") on table )" + t + R"( from "Carl")"},
                 }));
  for (const auto& c : d.changes) EXPECT_EQ(c.kind, change_kind::privilege) << c.up;
  // A privilege the server does not have is refused, naming the object: it would go into SQL.
  b.tables[0].privileges = {{.grantee = "ann", .privilege = "SELECT; drop table s.t"}};
  try {
    (void)diff(a, b);
    ADD_FAILURE() << "an unknown privilege was written";
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("table s.t"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unknown privilege"), std::string::npos) << e.what();
  }
}

// A new object starts from PostgreSQL's defaults (EXECUTE for PUBLIC on a function): the
// script brings it from there, and has nothing to undo (the down script drops it).
TEST(diff_text, a_new_object_starts_from_the_default_privileges) {
  catalog b;
  b.functions = {{.schema = "s",
                  .name = "f",
                  .identity_arguments = "",
                  .result = "integer",
                  .language = "sql",
                  .definition = "CREATE OR REPLACE FUNCTION s.f() RETURNS integer LANGUAGE sql AS $$select 1$$"}};
  b.functions[0].privileges = {{.grantee = "ann", .privilege = "EXECUTE"}};  // public's revoked
  auto d = diff(catalog{}, b);
  ASSERT_EQ(d.changes.size(), 3u) << d.up_script();
  EXPECT_EQ(d.changes[1].up, R"(grant execute on function "s"."f"() to "ann")");
  EXPECT_EQ(d.changes[2].up, R"(revoke execute on function "s"."f"() from public)");
  EXPECT_EQ(d.changes[2].down, "");
  // With the defaults untouched nothing is granted.
  b.functions[0].privileges = builtin_privileges("functions");
  EXPECT_EQ(diff(catalog{}, b).changes.size(), 1u);
  // Where `from` has default privileges that may apply, every privilege is stated.
  catalog a;
  a.default_privileges = {{.role = "ops",
                           .schema = std::nullopt,
                           .object_type = "functions",
                           .privileges = {{.grantee = "audit", .privilege = "EXECUTE"}}}};
  b.default_privileges = a.default_privileges;
  d = diff(a, b);
  std::string up;
  for (const auto& c : d.changes) up += c.up + "\n";
  EXPECT_NE(up.find(R"(revoke execute on function "s"."f"() from "audit")"), std::string::npos) << up;
  EXPECT_NE(up.find(R"(grant execute on function "s"."f"() to public)"), std::string::npos) << up;
}

TEST(diff_text, change_kinds_have_names) {
  EXPECT_EQ(to_string(change_kind::enum_type), "enum_type");
  EXPECT_EQ(to_string(change_kind::row_security), "row_security");
  EXPECT_EQ(to_string(change_kind::comment), "comment");
}

}  // namespace
