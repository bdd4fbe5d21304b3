// Renames chosen among a diff's possible ones (no server): the pairs diff() lists, reading
// and writing `schema.table[.column]=new`, the refusal of a rename diff() did not flag, and
// the RENAME changes with their inverse. tests/integration/cli/cli_migrate_diff_test.cpp
// runs them for real (the data stays).
#include <pgpx/error.hpp>
#include <pgpx/schema/diff.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace pgpx::schema;

auto column(std::string name, std::string type) -> column_def {
  return column_def{.name = std::move(name), .type = std::move(type)};
}

auto table(std::string schema, std::string name, std::vector<column_def> columns) -> table_info {
  return table_info{.schema = std::move(schema), .name = std::move(name), .columns = std::move(columns)};
}

// s.t loses title and x, gains heading (text) and n (integer); s.old becomes s.fresh (same columns).
auto before() -> catalog {
  catalog c;
  c.schemas = {{.name = "s"}};
  c.tables = {table("s", "t", {column("id", "integer"), column("title", "text"), column("x", "integer")}),
              table("s", "old", {column("a", "integer"), column("b", "text")})};
  return c;
}
auto after() -> catalog {
  catalog c;
  c.schemas = {{.name = "s"}};
  c.tables = {table("s", "t", {column("id", "integer"), column("heading", "text"), column("n", "integer")}),
              table("s", "fresh", {column("a", "integer"), column("b", "text")})};
  return c;
}

TEST(rename_text, diff_lists_each_flagged_pair_once_and_only_those) {
  const auto d = diff(before(), after());
  const std::vector<rename_pair> want = {{.schema = "s", .table = "old", .column = "", .to = "fresh"},
                                         {.schema = "s", .table = "t", .column = "title", .to = "heading"},
                                         {.schema = "s", .table = "t", .column = "x", .to = "n"}};
  ASSERT_EQ(d.possible_renames.size(), want.size()) << d.up_script();
  for (const auto& w : want)
    EXPECT_NE(std::find(d.possible_renames.begin(), d.possible_renames.end(), w), d.possible_renames.end())
        << to_string(w);
  // A table of another shape, a column of another type: no candidate.
  auto other = after();
  other.tables[0].columns[1].type = "varchar(10)";
  other.tables[1].columns.push_back(column("c", "text"));
  const auto d2 = diff(before(), other);
  ASSERT_EQ(d2.possible_renames.size(), 1u) << d2.up_script();
  EXPECT_EQ(d2.possible_renames[0], (rename_pair{.schema = "s", .table = "t", .column = "x", .to = "n"}));
  EXPECT_TRUE(diff(before(), before()).possible_renames.empty());
}

TEST(rename_text, parse_reads_tables_columns_and_quoted_parts_and_round_trips) {
  EXPECT_EQ(parse_rename("app.books.title=heading"),
            (rename_pair{.schema = "app", .table = "books", .column = "title", .to = "heading"}));
  EXPECT_EQ(parse_rename("app.books=volumes"),
            (rename_pair{.schema = "app", .table = "books", .column = "", .to = "volumes"}));
  const auto odd = parse_rename(R"("my.app"."t=1"."say ""hi"""="new.name")");
  EXPECT_EQ(odd, (rename_pair{.schema = "my.app", .table = "t=1", .column = "say \"hi\"", .to = "new.name"}));
  EXPECT_EQ(parse_rename(to_string(odd)), odd);
  EXPECT_EQ(to_string(parse_rename("app.books.title=heading")), "app.books.title=heading");
}

TEST(rename_text, parse_refuses_every_other_shape_naming_the_text) {
  for (const std::string bad : {"books.title", "title=heading", "a.b.c.d=e", "app.books.title=", "app..t=x", "=x",
                                "app.books=a.b", "\"app.books=x", "app.bo\"oks=x", "\"a\"b.t=x", "app.t.=x"}) {
    try {
      (void)parse_rename(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const pgpx::usage_error& e) {
      EXPECT_NE(std::string(e.what()).find("rename '" + bad + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(rename_text, a_rename_is_an_alter_table_with_its_inverse_quoted) {
  const auto col = rename_change(parse_rename("app.books.title=heading"));
  EXPECT_EQ(col.kind, change_kind::column);
  EXPECT_EQ(col.up, R"(alter table "app"."books" rename column "title" to "heading")");
  EXPECT_EQ(col.down, R"(alter table "app"."books" rename column "heading" to "title")");
  EXPECT_FALSE(col.destructive);
  EXPECT_FALSE(col.possible_rename);
  const auto tab = rename_change(parse_rename("app.books=volumes"));
  EXPECT_EQ(tab.kind, change_kind::table);
  EXPECT_EQ(tab.up, R"(alter table "app"."books" rename to "volumes")");
  EXPECT_EQ(tab.down, R"(alter table "app"."volumes" rename to "books")");
  const auto odd = rename_change(rename_pair{.schema = "s", .table = "t\"x", .column = "", .to = "a b"});
  EXPECT_EQ(odd.up, R"(alter table "s"."t""x" rename to "a b")");
}

TEST(rename_text, check_refuses_unflagged_and_conflicting_renames_naming_them) {
  const auto d = diff(before(), after());
  EXPECT_NO_THROW(check_renames(d, {parse_rename("s.t.title=heading"), parse_rename("s.old=fresh")}));
  EXPECT_NO_THROW(check_renames(d, {}));
  auto refused = [&](const std::vector<rename_pair>& chosen, const std::string& part) {
    try {
      check_renames(d, chosen);
      ADD_FAILURE() << "accepted " << part;
    } catch (const pgpx::usage_error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("s.t.title=heading"), std::string::npos) << e.what();  // the list
    }
  };
  refused({parse_rename("s.t.title=nope")}, "s.t.title=nope matches no possible rename");
  refused({parse_rename("s.t.id=heading")}, "s.t.id=heading matches no possible rename");  // id is kept
  refused({parse_rename("s.t.title=n")}, "s.t.title=n matches no possible rename");        // other type
  refused({parse_rename("s.t=fresh")}, "s.t=fresh matches no possible rename");
  // With nothing flagged, the message says so.
  try {
    check_renames(diff(before(), before()), {parse_rename("s.t.title=heading")});
    ADD_FAILURE();
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("the possible renames are: none"), std::string::npos) << e.what();
  }
  // Two dropped columns of one type and one added: each pair is possible, both at once are not.
  catalog a;
  a.tables = {table("s", "t", {column("p", "text"), column("q", "text")})};
  catalog b;
  b.tables = {table("s", "t", {column("r", "text")})};
  const auto d2 = diff(a, b);
  ASSERT_EQ(d2.possible_renames.size(), 2u);
  EXPECT_NO_THROW(check_renames(d2, {parse_rename("s.t.p=r")}));
  EXPECT_THROW(check_renames(d2, {parse_rename("s.t.p=r"), parse_rename("s.t.q=r")}), pgpx::usage_error);
}

TEST(rename_text, with_renames_runs_them_first_in_up_and_last_in_down) {
  // `after` as the diff from the renamed catalog: only the x/n pair is left.
  auto renamed = before();
  renamed.tables[0].columns[1].name = "heading";
  renamed.tables[1].name = "fresh";
  const auto rest = diff(renamed, after());
  ASSERT_EQ(rest.possible_renames.size(), 1u);
  const auto d = with_renames({parse_rename("s.old=fresh"), parse_rename("s.t.title=heading")}, rest);
  ASSERT_EQ(d.changes.size(), rest.changes.size() + 2);
  EXPECT_EQ(d.changes[0].up, R"(alter table "s"."t" rename column "title" to "heading")");
  EXPECT_EQ(d.changes[1].up, R"(alter table "s"."old" rename to "fresh")");
  EXPECT_EQ(d.possible_renames, rest.possible_renames);
  const auto up = d.up_script();
  const auto down = d.down_script();
  EXPECT_EQ(up.rfind("-- column s.t.title: renamed to heading\n"
                     "alter table \"s\".\"t\" rename column \"title\" to \"heading\";\n",
                     0),
            0u)
      << up;
  // Down ends by renaming back, the table first (the reverse of up).
  const auto table_back = down.find(R"(alter table "s"."fresh" rename to "old";)");
  const auto column_back = down.find(R"(alter table "s"."t" rename column "heading" to "title";)");
  ASSERT_NE(table_back, std::string::npos) << down;
  ASSERT_NE(column_back, std::string::npos) << down;
  EXPECT_LT(table_back, column_back);
  EXPECT_GT(table_back, down.find("drop column \"n\"")) << down;  // after the rest is undone
  EXPECT_EQ(down.find("pgpx:lint DS103\n-- destructive: column s.t.heading"), std::string::npos) << down;
}

}  // namespace
