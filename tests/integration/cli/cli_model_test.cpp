// `pgpx model create` through the real pgpx executable: the mapping of every type class and
// column fact, hostile names, byte-identical output whatever the catalog order, --check
// (exit 7 naming the file), and the generated headers compiled by the project's compiler
// with static_asserts on the members' types and facts (PGPX_MODEL_TEST_CXX and
// PGPX_MODEL_TEST_INCLUDES come from CMake).
#include "integration/cli/cli_support.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/executor.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/schema/introspect.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;
using pgpx::test::cli::slurp_file;

// Every type class and column fact the generator maps.
constexpr const char* all_types_sql = R"sql(
create type mood as enum ('sad', 'ok', 'to do', 'class');
create type address as (street text, city varchar(40), codes int4[]);
create table authors (
  id int8 generated always as identity primary key,
  name varchar(80) not null,
  email text not null unique,
  bio text,
  created_at timestamptz not null default now());
create table books (
  id int8 generated always as identity primary key,
  author_id int8 not null references authors (id) on delete cascade,
  title text not null,
  tags text[] not null,
  meta jsonb not null,
  price numeric not null default 0,
  published date,
  opens time,
  ref uuid,
  cover bytea,
  feeling mood,
  feelings mood[],
  home address,
  scores int4[],
  ratio float8,
  small int2,
  during tstzrange,
  seen timestamp,
  flag boolean not null default false);
create table book_tags (
  book_id int8 not null references books (id),
  tag varchar(30) not null,
  weight int4 not null default 1,
  primary key (book_id, tag));
create index books_title_idx on books (title);
create unique index books_ref_idx on books using btree (ref) include (title);
alter table books add constraint books_title_author_key unique (title, author_id);
)sql";

// Names C++ cannot take as they are.
constexpr const char* hostile_sql = R"sql(
create type "Feeling" as enum ('a b', 'A B', '');
create type zpair as (x int4, "X" int4);
create type spot as (f "Feeling", p zpair, ps zpair[]);
create table "class" (
  "int" int4 primary key,
  "Mixed Case" text,
  "mixed_case" text,
  "1st" int4,
  "we""ird\name" text,
  "class" text not null,
  "where" spot);
create table "Users" (id int8 primary key, "userName" text);
create table users (id int8 primary key, "Users" text, users text);
)sql";

class cli_model : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    dir_ = fs::temp_directory_path() / ("pgpx-model-cli-" + database_name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    db_test::TearDown();
  }
  auto pgpx(std::vector<std::string> args, const pgpx::conninfo* at = nullptr) -> run_result {
    args.insert(args.begin(), {"--url", (at != nullptr ? *at : conninfo()).to_string()});
    return pgpx_run(args, dir_);
  }
  // The files of a directory, by name.
  static auto files(const fs::path& d) -> std::map<std::string, std::string> {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::directory_iterator(d)) out[e.path().filename().string()] = slurp_file(e.path());
    return out;
  }
  // Compiles `main` (with the generated headers of `d` on the include path) with the
  // project's compiler; returns the diagnostics, empty when it compiled.
  static auto compile(const fs::path& d, const std::string& main) -> std::string {
    std::ofstream(d / "check.cpp") << main;
    std::string cmd = std::string(PGPX_MODEL_TEST_CXX) + " -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic";
    std::stringstream incs(PGPX_MODEL_TEST_INCLUDES);
    for (std::string inc; std::getline(incs, inc, '|');)
      if (!inc.empty()) cmd += " -I'" + inc + "'";
    cmd += " -I'" + d.string() + "' '" + (d / "check.cpp").string() + "' > '" + (d / "diag.txt").string() + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    const std::string diag = slurp_file(d / "diag.txt");
    return rc == 0 ? std::string() : (diag.empty() ? "compiler exit " + std::to_string(rc) : diag);
  }
  fs::path dir_;
};

auto contains(const std::string& hay, const std::string& needle) -> bool {
  return hay.find(needle) != std::string::npos;
}

TEST_F(cli_model, maps_every_type_class_and_column_fact) {
  cx().execute_script(all_types_sql);
  const auto r = pgpx({"model", "create", "--all", "--out", "gen"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto fs_ = files(dir_ / "gen");
  ASSERT_EQ(fs_.size(), 2u);
  const std::string& pub = fs_.at("public_.hpp");
  const std::string& types = fs_.at("types.hpp");
  // Tables: identity, varchar(n), unique, nullable, default, foreign key with its action.
  for (
      const char* want : {
          "struct author {",
          "pgpx::identity<std::int64_t> id;",
          "pgpx::varchar<80> name;",
          "pgpx::unique<std::string> email;",
          "std::optional<std::string> bio;",
          "pgpx::server_default<pgpx::timestamptz, \"now()\"> created_at;",
          "pgpx::references<&::models::public_::author::id, pgpx::on_delete::cascade> author_id;",
          "std::vector<std::string> tags;",
          "nlohmann::json meta;",
          "pgpx::server_default<pgpx::numeric, \"0\"> price;",
          "std::optional<pgpx::date> published;",
          "std::optional<pgpx::time_of_day> opens;",
          "pgpx::uuid> ref;",
          "std::optional<pgpx::bytea> cover;",
          "std::optional<::models::public_::mood> feeling;",
          "std::optional<std::vector<::models::public_::mood>> feelings;",
          "std::optional<::models::public_::address> home;",
          "std::optional<std::vector<std::int32_t>> scores;",
          "std::optional<double> ratio;",
          "std::optional<std::int16_t> small;",
          "std::optional<pgpx::range<pgpx::timestamptz>> during;",
          "std::optional<pgpx::timestamp> seen;",
          "pgpx::server_default<bool, \"false\"> flag;",
           // composite primary key: key<> members in key order; a foreign key inside one
          "pgpx::key<pgpx::references<&::models::public_::book::id>> book_id;",
          "pgpx::key<pgpx::varchar<30>> tag;",
           // table facts
          "static constexpr std::string_view table = \"books\", schema = \"public\";",
          "pgpx::unique_of(&::models::public_::book::title, &::models::public_::book::author_id).name(\"books_title_author_key\")",
          "pgpx::index(&::models::public_::book::title).name(\"books_title_idx\")",
          "pgpx::index(&::models::public_::book::ref).unique().include(&::models::public_::book::title).name(\"books_ref_idx\")",
      })
    EXPECT_TRUE(contains(pub, want)) << "missing: " << want << "\n" << pub;
  // Referenced tables come first.
  EXPECT_LT(pub.find("struct author {"), pub.find("struct book {"));
  EXPECT_LT(pub.find("struct book {"), pub.find("struct book_tag {"));
  // Enums keep their labels exactly (a label that is a keyword too); composites are named.
  for (const char* want :
       {"enum class mood {", "{::models::public_::mood::to_do, \"to do\"}",
        "{::models::public_::mood::class_, \"class\"}", "pgpx::enum_type<::models::public_::mood> = \"mood\";",
        "struct address {", "pgpx::is_composite<::models::public_::address> = true;",
        "std::optional<std::vector<std::int32_t>> codes;"})
    EXPECT_TRUE(contains(types, want)) << "missing: " << want << "\n" << types;
  EXPECT_TRUE(contains(pub, "// Source-schema hash: sha256:")) << pub;
  EXPECT_TRUE(contains(pub, "#pragma once")) << pub;

  // The headers compile, and the members carry the facts of their columns.
  const std::string err = compile(dir_ / "gen", R"cpp(
#include "public_.hpp"
#include <pgpx/schema/ddl.hpp>
#include <type_traits>
    namespace m = models::public_;
    using pgpx::column_facts_of;
    static_assert(std::is_same_v<decltype(m::author::id), pgpx::identity<std::int64_t>>);
    static_assert(std::is_same_v<decltype(m::author::bio), std::optional<std::string>>);
    static_assert(std::is_same_v<decltype(m::book::tags), std::vector<std::string>>);
    static_assert(std::is_same_v<decltype(m::book::price), pgpx::server_default<pgpx::numeric, "0">>);
    static_assert(std::is_enum_v<m::mood> && pgpx::is_composite<m::address>);
    static_assert(column_facts_of<decltype(m::author::name)>().max_length == 80);
    static_assert(column_facts_of<decltype(m::author::email)>().unique);
    static_assert(column_facts_of<decltype(m::author::created_at)>().default_sql == "now()");
    static_assert(column_facts_of<decltype(m::book::author_id)>().reference);
    static_assert(column_facts_of<decltype(m::book::author_id)>().delete_action == pgpx::on_delete::cascade);
    static_assert(column_facts_of<decltype(m::book_tag::book_id)>().primary_key);
    static_assert(column_facts_of<decltype(m::book_tag::tag)>().primary_key);
    static_assert(column_facts_of<decltype(m::book::cover)>().nullable);
    static_assert(pgpx::reflect::field_count<m::book> == 19);
// The descriptions and the DDL instantiate (what a foreign key to a non-key would refuse).
    void use() {
      (void)pgpx::schema::create_table<m::author>();
      (void)pgpx::schema::create_table<m::book>();
      (void)pgpx::schema::create_table<m::book_tag>();
    }
  )cpp");
  EXPECT_EQ(err, "") << pub;
}

TEST_F(cli_model, output_is_byte_identical_and_independent_of_catalog_order) {
  cx().execute_script(all_types_sql);
  ASSERT_EQ(pgpx({"model", "create", "--all", "--out", "a"}).code, 0);
  ASSERT_EQ(pgpx({"model", "create", "--all", "--out", "b"}).code, 0);
  EXPECT_EQ(files(dir_ / "a"), files(dir_ / "b"));
  // The same schema made in another order (other OIDs, indexes and constraints first) in a
  // second database gives the same bytes.
  const std::string other = database_name() + "_b";
  cx().execute("drop database if exists " + pgpx::quote_identifier(other));
  cx().execute("create database " + pgpx::quote_identifier(other));
  pgpx::conninfo at = conninfo();
  at.set("dbname", other);
  {
    pgpx::connection c2(at);
    c2.execute_script(R"sql(
      create type address_tmp as (x int4); drop type address_tmp;
      create type mood as enum ('sad', 'ok', 'to do', 'class');
      create type address as (street text, city varchar(40), codes int4[]);
      create table book_tags_later (x int4); drop table book_tags_later;
      create table authors (id int8 generated always as identity primary key, name varchar(80) not null,
        email text not null unique, bio text, created_at timestamptz not null default now());
    )sql");
    // books and book_tags as in all_types_sql, then the rest of it
    const std::string sql = all_types_sql;
    const auto start = sql.find("create table books");
    c2.execute_script(sql.substr(start));
  }
  const auto r = pgpx({"model", "create", "--all", "--out", "c"}, &at);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(files(dir_ / "a"), files(dir_ / "c"));
  cx().execute("drop database " + pgpx::quote_identifier(other) + " with (force)");
}

TEST_F(cli_model, check_passes_on_fresh_output_and_exits_7_on_drift) {
  cx().execute_script(all_types_sql);
  ASSERT_EQ(pgpx({"model", "create", "--all", "--out", "gen"}).code, 0);
  auto r = pgpx({"model", "create", "--all", "--out", "gen", "--check"});
  EXPECT_EQ(r.code, 0) << r.err;
  // A schema change: the file that would change is named; nothing is written.
  const std::string before = slurp_file(dir_ / "gen" / "public_.hpp");
  cx().execute("alter table books add column isbn text");
  r = pgpx({"model", "create", "--all", "--out", "gen", "--check"});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_TRUE(contains(r.err, "public_.hpp")) << r.err;
  EXPECT_FALSE(contains(r.err, "types.hpp")) << r.err;  // the types did not change
  EXPECT_EQ(slurp_file(dir_ / "gen" / "public_.hpp"), before);
  // A new enum label changes types.hpp only.
  ASSERT_EQ(pgpx({"model", "create", "--all", "--out", "gen"}).code, 0);
  cx().execute("alter type mood add value 'glad'");
  r = pgpx({"model", "create", "--all", "--out", "gen", "--check"});
  EXPECT_EQ(r.code, 7);
  EXPECT_TRUE(contains(r.err, "types.hpp")) << r.err;
  // A header this command would no longer write (here: no table left uses a type) is drift
  // under --check, and a warning otherwise; files it did not write are left alone.
  ASSERT_EQ(pgpx({"model", "create", "--all", "--out", "gen"}).code, 0);
  std::ofstream(dir_ / "gen" / "mine.hpp") << "// my own header\n";
  r = pgpx({"model", "create", "authors", "--out", "gen", "--check"});
  EXPECT_EQ(r.code, 7);
  EXPECT_TRUE(contains(r.err, "types.hpp (no longer generated)")) << r.err;
  EXPECT_FALSE(contains(r.err, "mine.hpp")) << r.err;
  r = pgpx({"model", "create", "authors", "--out", "gen"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.err, "types.hpp is no longer generated")) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "gen" / "mine.hpp"));
  // A hand edit, and a missing file, are drift too.
  ASSERT_EQ(pgpx({"model", "create", "--all", "--out", "gen"}).code, 0);
  std::ofstream(dir_ / "gen" / "public_.hpp", std::ios::app) << "// edited\n";
  r = pgpx({"model", "create", "--all", "--out", "gen", "--check"});
  EXPECT_EQ(r.code, 7);
  fs::remove(dir_ / "gen" / "types.hpp");
  ASSERT_EQ(pgpx({"model", "create", "--all", "--out", "gen"}).code, 0);
  fs::remove(dir_ / "gen" / "types.hpp");
  r = pgpx({"model", "create", "--all", "--out", "gen", "--check"});
  EXPECT_EQ(r.code, 7);
  EXPECT_TRUE(contains(r.err, "types.hpp")) << r.err;
}

TEST_F(cli_model, a_header_it_did_not_write_is_never_overwritten) {
  cx().execute_script(all_types_sql);
  fs::create_directories(dir_ / "gen");
  std::ofstream(dir_ / "gen" / "types.hpp") << "// my own types\n";
  const auto r = pgpx({"model", "create", "--all", "--out", "gen"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("types.hpp exists and was not written by pgpx model create"), std::string::npos) << r.err;
  EXPECT_EQ(slurp_file(dir_ / "gen" / "types.hpp"), "// my own types\n");
  EXPECT_FALSE(fs::exists(dir_ / "gen" / "public_.hpp"));  // nothing was written
  // Its own earlier output is replaced.
  fs::remove(dir_ / "gen" / "types.hpp");
  ASSERT_EQ(pgpx({"model", "create", "--all", "--out", "gen"}).code, 0);
  EXPECT_EQ(pgpx({"model", "create", "--all", "--out", "gen"}).code, 0);
}

TEST_F(cli_model, hostile_names_give_valid_stable_cpp_and_keep_the_sql_names) {
  cx().execute_script(hostile_sql);
  const auto r = pgpx({"model", "create", "--all", "--out", "gen"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string pub = slurp_file(dir_ / "gen" / "public_.hpp");
  for (const char* want : {
           "struct class_ {",
           "pgpx::key<std::int32_t> int_;",
           "std::optional<std::string> mixed_case;",
           "std::optional<std::string> mixed_case_2;",
           "std::optional<std::int32_t> n_1st;",
           "std::string class_2;",
           // Users and users fold to one name: numbered in byte order of the SQL names ("Users" < "users")
           "struct user {",
           "struct user_2 {",
           "pgpx::rename(&::models::public_::class_::int_, \"int\")",
           "pgpx::rename(&::models::public_::class_::mixed_case_2, \"Mixed Case\")",
           "pgpx::rename(&::models::public_::class_::we_ird_name, \"we\\\"ird\\\\name\")",
           "pgpx::rename(&::models::public_::class_::class_2, \"class\")",
           "pgpx::rename(&::models::public_::user::user_name, \"userName\")",
       })
    EXPECT_TRUE(contains(pub, want)) << "missing: " << want << "\n" << pub;
  // Enum labels and composite members fold too; a composite comes after the types it holds,
  // whatever their names' order.
  const std::string types = slurp_file(dir_ / "gen" / "types.hpp");
  for (const char* want :
       {"enum class feeling {\n  a_b,\n  a_b_2,\n  x,\n};", "{::models::public_::feeling::a_b_2, \"A B\"}",
        "{::models::public_::feeling::x, \"\"}", "pgpx::enum_type<::models::public_::feeling> = \"\\\"Feeling\\\"\";",
        "std::optional<std::int32_t> x_2;  // \"X\"", "std::optional<::models::public_::feeling> f;",
        "std::optional<std::vector<::models::public_::zpair>> ps;"})
    EXPECT_TRUE(contains(types, want)) << "missing: " << want << "\n" << types;
  EXPECT_LT(types.find("struct zpair {"), types.find("struct spot {")) << types;
  EXPECT_TRUE(contains(pub, "std::optional<::models::public_::spot> where;")) << pub;
  // The column whose name is already its member's needs no rename, whatever its position.
  EXPECT_FALSE(contains(pub, "rename(&::models::public_::class_::mixed_case,")) << pub;
  EXPECT_TRUE(contains(pub, "std::optional<std::string> users;")) << pub;
  EXPECT_TRUE(contains(pub, "pgpx::rename(&::models::public_::user_2::users_2, \"Users\")")) << pub;
  const std::string err = compile(dir_ / "gen", R"cpp(
#include "public_.hpp"
#include <pgpx/schema/ddl.hpp>
    namespace m = models::public_;
    static_assert(pgpx::reflect::field_count<m::class_> == 7);
    static_assert(std::is_enum_v<m::feeling> && pgpx::is_composite<m::spot> && pgpx::is_composite<m::zpair>);
    void use() {
      (void)pgpx::schema::create_table<m::class_>();
      (void)pgpx::schema::create_table<m::user>();
      (void)pgpx::schema::create_table<m::user_2>();
    }
  )cpp");
  EXPECT_EQ(err, "") << pub;

  // camelCase: members in camelCase under naming::snake_case, PascalCase structs.
  auto rc = pgpx({"model", "create", "--all", "--out", "camel", "--naming", "camel"});
  ASSERT_EQ(rc.code, 0) << rc.err;
  const std::string cam = slurp_file(dir_ / "camel" / "public_.hpp");
  for (const char* want : {"struct Class {", "std::optional<std::string> mixedCase;",
                           "static constexpr auto naming = pgpx::naming::snake_case;", "struct User {",
                           "pgpx::rename(&::models::public_::Class::mixedCase_2, \"Mixed Case\")"})
    EXPECT_TRUE(contains(cam, want)) << "missing: " << want << "\n" << cam;
  EXPECT_EQ(compile(dir_ / "camel", "#include \"public_.hpp\"\n"), "") << cam;
}

TEST_F(cli_model, unmapped_types_foreign_keys_out_of_reach_and_bad_input) {
  cx().execute_script(R"sql(
    create table owners (id int8 primary key);
    create table pets (id int8 primary key, owner_id int8 references owners (id), spot point, cash money not null,
                       parent_id int8 references pets (id));
  )sql");
  auto r = pgpx({"model", "create", "pets", "--out", "gen"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string pub = slurp_file(dir_ / "gen" / "public_.hpp");
  // A type without a C++ mapping: a comment in the output and a warning naming table.column.
  EXPECT_TRUE(contains(pub, "// pgpx: column \"spot\" of type \"point\" has no C++ mapping and is left out")) << pub;
  EXPECT_TRUE(contains(pub, "NOT NULL without a default")) << pub;  // cash
  EXPECT_TRUE(contains(r.err, "public.pets.spot")) << r.err;
  EXPECT_TRUE(contains(r.err, "public.pets.cash")) << r.err;
  // A foreign key to a table not generated, and a self reference: plain columns, said so.
  EXPECT_TRUE(contains(pub, "std::optional<std::int64_t> owner_id;")) << pub;
  EXPECT_TRUE(contains(pub, "is not generated")) << pub;
  EXPECT_TRUE(contains(pub, "std::optional<std::int64_t> parent_id;")) << pub;
  EXPECT_TRUE(contains(r.err, "pets_owner_id_fkey")) << r.err;
  EXPECT_EQ(compile(dir_ / "gen",
                    "#include \"public_.hpp\"\n#include <pgpx/schema/ddl.hpp>\n"
                    "void use() { (void)pgpx::schema::create_table<::models::public_::pet>(); }\n"),
            "")
      << pub;
  // Both tables: the foreign key is declared. --with-crud brings the ORM verbs along.
  r = pgpx({"model", "create", "pets", "owners", "--out", "gen2", "--with-crud"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string both = slurp_file(dir_ / "gen2" / "public_.hpp");
  EXPECT_TRUE(contains(both, "std::optional<pgpx::references<&::models::public_::owner::id>> owner_id;")) << both;
  EXPECT_TRUE(contains(both, "#include <pgpx/orm/crud.hpp>")) << both;
  EXPECT_FALSE(contains(pub, "#include <pgpx/orm/crud.hpp>")) << pub;
  EXPECT_EQ(compile(dir_ / "gen2",
                    "#include \"public_.hpp\"\n#include <pgpx/core/connection.hpp>\n"
                    "void use(pgpx::connection& cx) { (void)pgpx::get<models::public_::pet>(cx, 1); }\n"),
            "")
      << both;
  // Bad input is refused, naming it, and writes nothing.
  r = pgpx({"model", "create", "nope", "--out", "bad"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "nope")) << r.err;
  r = pgpx({"model", "create", "--all", "--schema", "nope", "--out", "bad"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "nope")) << r.err;
  r = pgpx({"model", "create", "--all", "--naming", "kebab", "--out", "bad"});
  EXPECT_EQ(r.code, 2);
  r = pgpx({"model", "create", "--out", "bad"});
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "bad"));
}

// What the generator models of a table, as text (one line per fact), for comparison.
auto generated_facts(const pgpx::schema::catalog& c) -> std::string {
  std::string out;
  for (const auto& e : c.enums) {
    out += "enum " + e.name + ":";
    for (const auto& l : e.labels) out += " " + l;
    out += "\n";
  }
  for (const auto& t : c.tables) {
    out += "table " + t.schema + "." + t.name + "\n";
    for (const auto& col : t.columns)
      out += "  column " + col.name + " " + col.type + (col.not_null ? " not null" : "") +
             (col.default_expr ? " default " + *col.default_expr : "") + " identity " +
             std::string(pgpx::schema::to_string(col.identity)) + "\n";
    for (const auto& k : t.constraints) out += "  constraint " + k.definition + " " + k.name + "\n";
    for (const auto& i : t.indexes) out += "  index " + i.definition + "\n";
  }
  return out;
}

TEST_F(cli_model, generated_models_create_the_schema_they_were_generated_from) {
  cx().execute_script(all_types_sql);
  const auto r = pgpx({"model", "create", "--all", "--out", PGPX_MODEL_ROUNDTRIP_DIR});
  ASSERT_EQ(r.code, 0) << r.err;
  // A program that runs the models' DDL (pgpx::schema::create) on the database it is given.
  std::ofstream(fs::path(PGPX_MODEL_ROUNDTRIP_DIR) / "roundtrip.cpp") << R"cpp(
#include "public_.hpp"
#include <pgpx/core/transaction.hpp>
#include <pgpx/schema/ddl.hpp>
#include <iostream>
    namespace m = models::public_;
    int main(int argc, char** argv) {
      if (argc != 2) return 2;
      try {
        pgpx::connection cx(std::string_view{argv[1]});
        pgpx::transaction tx{cx};
        pgpx::schema::create(tx, pgpx::models<m::book_tag, m::book, m::author>);
        tx.commit();
      } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
      }
      return 0;
    }
  )cpp";
  const std::string build = std::string("'") + PGPX_MODEL_TEST_CMAKE + "' --build '" + PGPX_MODEL_TEST_BUILD_DIR +
                            "' --target cli_model_roundtrip_prog -j1 > '" + (dir_ / "build.txt").string() + "' 2>&1";
  ASSERT_EQ(std::system(build.c_str()), 0) << slurp_file(dir_ / "build.txt");
  // An empty database with the composite type (a migration's job: models do not create it).
  const std::string other = database_name() + "_rt";
  cx().execute("drop database if exists " + pgpx::quote_identifier(other));
  cx().execute("create database " + pgpx::quote_identifier(other));
  pgpx::conninfo at = conninfo();
  at.set("dbname", other);
  {
    pgpx::connection c2(at);
    c2.execute("create type address as (street text, city varchar(40), codes int4[])");
  }
  const std::string run = std::string("'") + PGPX_MODEL_ROUNDTRIP_PROG + "' '" + at.to_string() + "' > '" +
                          (dir_ / "run.txt").string() + "' 2>&1";
  ASSERT_EQ(std::system(run.c_str()), 0) << slurp_file(dir_ / "run.txt");
  std::string from;
  std::string to;
  {
    pgpx::connection c2(at);
    to = generated_facts(pgpx::schema::introspect(c2));
  }
  from = generated_facts(pgpx::schema::introspect(cx()));
  cx().execute("drop database " + pgpx::quote_identifier(other) + " with (force)");
  EXPECT_EQ(to, from);
  EXPECT_NE(from.find("books_author_id_fkey"), std::string::npos);  // the comparison saw the facts
}

}  // namespace
