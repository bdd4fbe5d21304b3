// Importing another tool's migrations: each converter (sections, StatementBegin/End blocks,
// no-transaction, odd names, bad input named by file and line), version mapping, the target
// checks and writing (no server).
#include <pgpx/migrate/import.hpp>
#include <pgpx/migrate/source.hpp>
#include <pgpx/migrate/sum_file.hpp>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pgpx::migrate {
namespace {

namespace fs = std::filesystem;
using test::temp_dir;

// Runs `f`, which must throw source_error naming a file ending in `file`, at `line`, with
// `what` in the message.
void expect_source_error(const std::function<void()>& f, const std::string& file, int line, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << "no source_error; expected " << what;
  } catch (const source_error& e) {
    EXPECT_TRUE(e.file().ends_with(file)) << "file() = " << e.file() << ", expected to end in " << file;
    EXPECT_EQ(e.line(), line) << e.message();
    EXPECT_NE(e.message().find(what), std::string::npos) << e.message();
  }
}

auto has(const std::string& text, const std::string& part) -> bool { return text.find(part) != std::string::npos; }

auto versions_of(const import_plan& p) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& m : p.migrations) out.push_back(m.name());
  return out;
}

// ---- goose ----

TEST(ImportGoose, SplitsUpAndDownSections) {
  const auto c = convert_goose(
      "-- a leading comment\n-- +goose Up\ncreate table t (id int);\n\n-- +goose Down\ndrop table t;\n", "1_t.sql");
  EXPECT_TRUE(has(c.up, "create table t (id int);\n"));
  EXPECT_FALSE(has(c.up, "drop table"));
  EXPECT_FALSE(has(c.up, "+goose"));
  ASSERT_TRUE(c.down.has_value());
  EXPECT_TRUE(has(*c.down, "drop table t;\n"));
  EXPECT_FALSE(has(*c.down, "create table"));
  EXPECT_FALSE(parse_directives(c.up, "x").no_transaction);
}

TEST(ImportGoose, NoDownSectionIsIrreversibleAnEmptyOneIsNot) {
  EXPECT_FALSE(convert_goose("-- +goose Up\nselect 1;\n", "f.sql").down.has_value());
  const auto c = convert_goose("-- +goose Up\nselect 1;\n-- +goose Down\n", "f.sql");
  ASSERT_TRUE(c.down.has_value());
  EXPECT_FALSE(has(*c.down, "select"));
}

TEST(ImportGoose, StatementBlocksLoseTheirMarkersAndKeepTheirBody) {
  const auto c = convert_goose(
      "-- +goose Up\n-- +goose StatementBegin\ncreate function f() returns int as $$\nbegin\n  return 1;\nend;\n$$ "
      "language plpgsql;\n-- +goose StatementEnd\n-- +goose Down\n-- +goose StatementBegin\ndrop function f();\n-- "
      "+goose StatementEnd\n",
      "f.sql");
  EXPECT_TRUE(has(c.up, "create function f() returns int as $$\nbegin\n  return 1;\nend;\n$$ language plpgsql;\n"));
  EXPECT_FALSE(has(c.up, "Statement"));
  EXPECT_TRUE(has(*c.down, "drop function f();\n"));
  EXPECT_FALSE(has(*c.down, "Statement"));
}

TEST(ImportGoose, NoTransactionBecomesThePgpxDirectiveInBothFiles) {
  const auto c = convert_goose(
      "-- +goose NO TRANSACTION\n-- +goose Up\ncreate index concurrently i on t (x);\n-- +goose Down\ndrop index "
      "concurrently i;\n",
      "f.sql");
  EXPECT_TRUE(parse_directives(c.up, "up").no_transaction);
  EXPECT_TRUE(parse_directives(*c.down, "down").no_transaction);
  EXPECT_TRUE(c.up.starts_with("-- pgpx: no-transaction\n"));
}

TEST(ImportGoose, AnnotationsAreCaseInsensitiveAndCrlfIsRead) {
  const auto c = convert_goose("-- +goose up\r\nselect 1;\r\n-- +goose down\r\nselect 2;\r\n", "f.sql");
  EXPECT_TRUE(has(c.up, "select 1;"));
  EXPECT_TRUE(has(*c.down, "select 2;"));
}

TEST(ImportGoose, BadInputNamesFileAndLine) {
  expect_source_error([] { (void)convert_goose("select 1;\n-- +goose Up\n", "001_a.sql"); }, "001_a.sql", 1,
                      "SQL before -- +goose Up");
  expect_source_error([] { (void)convert_goose("-- +goose Up\nselect 1;\n-- +goose Sideways\n", "001_a.sql"); },
                      "001_a.sql", 3, "unknown goose annotation");
  expect_source_error(
      [] { (void)convert_goose("-- +goose Up\n-- +goose StatementBegin\nselect 1;\n-- +goose Down\n", "a.sql"); },
      "a.sql", 4, "inside the StatementBegin block of line 2");
  expect_source_error([] { (void)convert_goose("-- +goose Up\n-- +goose StatementBegin\nselect 1;\n", "a.sql"); },
                      "a.sql", 2, "StatementBegin without StatementEnd");
  expect_source_error([] { (void)convert_goose("-- +goose Up\nselect 1;\n-- +goose StatementEnd\n", "a.sql"); },
                      "a.sql", 3, "StatementEnd without StatementBegin");
  expect_source_error([] { (void)convert_goose("-- +goose Up\n-- +goose Up\n", "a.sql"); }, "a.sql", 2,
                      "a second -- +goose Up");
  expect_source_error([] { (void)convert_goose("-- +goose Down\n-- +goose Up\n", "a.sql"); }, "a.sql", 2,
                      "Up after -- +goose Down");
  expect_source_error([] { (void)convert_goose("-- +goose Up\n-- +goose ENVSUB ON\nselect '${X}';\n", "a.sql"); },
                      "a.sql", 2, "ENVSUB");
  expect_source_error([] { (void)convert_goose("-- only a comment\n", "a.sql"); }, "a.sql", 0,
                      "no -- +goose Up annotation");
}

TEST(ImportGoose, DirectoryKeepsNumberOrderPaddedAndRefusesGoFiles) {
  temp_dir d;
  d.write("1_First.sql", "-- +goose Up\nselect 1;\n");
  d.write("10_Tenth Thing.sql", "-- +goose Up\nselect 10;\n");
  d.write("2_second-one.sql", "-- +goose Up\nselect 2;\n");
  d.write("README.md", "not a migration");
  const auto plan = read_import_directory(import_tool::goose, d.path());
  EXPECT_EQ(versions_of(plan), (std::vector<std::string>{"0001_first", "0002_second_one", "0010_tenth_thing"}));
  EXPECT_EQ(plan.migrations[2].tool_version, "10");
  d.write("3_code.go", "package migrations");
  expect_source_error([&] { (void)read_import_directory(import_tool::goose, d.path()); }, "3_code.go", 0,
                      "Go migration");
}

TEST(ImportGoose, DirectoryRefusesMixedStylesDuplicateVersionsAndBadNames) {
  {
    temp_dir d;
    d.write("00001_a.sql", "-- +goose Up\nselect 1;\n");
    d.write("20240101120000_b.sql", "-- +goose Up\nselect 2;\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::goose, d.path()); }, "00001_a.sql", 0,
                        "does not mix");
  }
  {
    temp_dir d;
    d.write("1_a.sql", "-- +goose Up\nselect 1;\n");
    d.write("01_b.sql", "-- +goose Up\nselect 2;\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::goose, d.path()); }, "/1_a.sql", 0,
                        "has the same version as " + (d.path() / "01_b.sql").string());
  }
  {
    temp_dir d;
    d.write("init.sql", "-- +goose Up\nselect 1;\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::goose, d.path()); }, "init.sql", 0,
                        "not a goose migration file name");
  }
  {
    temp_dir d;
    d.write("20241301120000_bad_month.sql", "-- +goose Up\nselect 1;\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::goose, d.path()); },
                        "20241301120000_bad_month.sql", 0, "neither a UTC timestamp");
  }
  {
    temp_dir d;  // a file whose content is bad: named with its line through the directory too
    d.write("1_a.sql", "-- +goose Up\nselect 1;\n-- +goose Bogus\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::goose, d.path()); }, "1_a.sql", 3,
                        "unknown goose annotation");
  }
}

TEST(ImportGoose, TimestampVersionsStayAsTheyAre) {
  temp_dir d;
  d.write("20240101120000_a.sql", "-- +goose Up\nselect 1;\n");
  d.write("20240102120000_b.sql", "-- +goose Up\nselect 2;\n");
  EXPECT_EQ(versions_of(read_import_directory(import_tool::goose, d.path())),
            (std::vector<std::string>{"20240101120000_a", "20240102120000_b"}));
}

// ---- dbmate ----

TEST(ImportDbmate, SectionsAndTransactionOption) {
  const auto c = convert_dbmate(
      "-- migrate:up transaction:false\ncreate index concurrently i on t (x);\n\n-- migrate:down\ndrop index i;\n",
      "20240101120000_i.sql");
  EXPECT_TRUE(parse_directives(c.up, "up").no_transaction);
  EXPECT_TRUE(has(c.up, "create index concurrently i on t (x);\n"));
  EXPECT_FALSE(has(c.up, "drop index"));
  ASSERT_TRUE(c.down.has_value());
  EXPECT_FALSE(parse_directives(*c.down, "down").no_transaction);
  EXPECT_TRUE(has(*c.down, "drop index i;\n"));
  const auto plain = convert_dbmate("--migrate:up\nselect 1;\n", "x.sql");
  EXPECT_FALSE(plain.down.has_value());
  EXPECT_TRUE(has(plain.up, "select 1;"));
}

TEST(ImportDbmate, BadInputNamesFileAndLine) {
  expect_source_error([] { (void)convert_dbmate("-- migrate:up transaction:maybe\n", "a.sql"); }, "a.sql", 1,
                      "unknown dbmate option 'transaction:maybe'");
  expect_source_error([] { (void)convert_dbmate("create table t ();\n-- migrate:up\n", "a.sql"); }, "a.sql", 1,
                      "SQL before -- migrate:up");
  expect_source_error([] { (void)convert_dbmate("-- migrate:down\nselect 1;\n", "a.sql"); }, "a.sql", 1,
                      "before -- migrate:up");
  expect_source_error([] { (void)convert_dbmate("-- migrate:up\n-- migrate:down\n-- migrate:down\n", "a.sql"); },
                      "a.sql", 3, "a second -- migrate:down");
  expect_source_error([] { (void)convert_dbmate("select 1;\n", "a.sql"); }, "a.sql", 1, "SQL before");
  expect_source_error([] { (void)convert_dbmate("-- nothing\n", "a.sql"); }, "a.sql", 0, "no -- migrate:up");
}

// ---- sqlx ----

TEST(ImportSqlx, PairsSingleFilesAndNoTransaction) {
  temp_dir d;
  d.write("20240101120000_create users.up.sql", "create table users (id int);\n");
  d.write("20240101120000_create users.down.sql", "drop table users;\n");
  d.write("20240102120000_index.sql", "-- no-transaction\ncreate index concurrently i on users (id);\n");
  const auto plan = read_import_directory(import_tool::sqlx, d.path());
  ASSERT_EQ(versions_of(plan), (std::vector<std::string>{"20240101120000_create_users", "20240102120000_index"}));
  ASSERT_TRUE(plan.migrations[0].sql.down.has_value());
  EXPECT_TRUE(has(*plan.migrations[0].sql.down, "drop table users;"));
  EXPECT_FALSE(plan.migrations[1].sql.down.has_value());
  EXPECT_TRUE(parse_directives(plan.migrations[1].sql.up, "x").no_transaction);
  EXPECT_FALSE(has(plan.migrations[1].sql.up, "-- no-transaction"));
  EXPECT_FALSE(parse_directives(plan.migrations[0].sql.up, "x").no_transaction);
  EXPECT_TRUE(plan.migrations[0].sql.up.starts_with("-- imported from sqlx 20240101120000_create users.up.sql\n"))
      << plan.migrations[0].sql.up;
}

TEST(ImportSqlx, NoTransactionOnlyAsTheFirstBytes) {
  // As sqlx: `sql.starts_with("-- no-transaction")`; anywhere else it is an ordinary comment.
  const auto first =
      convert_plain("-- no-transaction\ncreate index concurrently i on t (x);\n", "1_i.sql", false, true);
  EXPECT_TRUE(parse_directives(first, "x").no_transaction);
  EXPECT_FALSE(has(first, "-- no-transaction\n"));
  const auto later = convert_plain("-- an index\n-- no-transaction\nselect 1;\n", "1_i.sql", false, true);
  EXPECT_FALSE(parse_directives(later, "x").no_transaction);
  EXPECT_TRUE(has(later, "-- no-transaction\n"));
  // Other tools' files keep such a line as it is.
  EXPECT_FALSE(parse_directives(convert_plain("-- no-transaction\nselect 1;\n", "1_i.up.sql", false, false), "x")
                   .no_transaction);
}

TEST(ImportSqlx, RefusesDownWithoutUpAndSingleBesidePair) {
  {
    temp_dir d;
    d.write("1_a.down.sql", "drop table a;\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::sqlx, d.path()); }, "1_a.down.sql", 0,
                        "without its up migration");
  }
  {
    temp_dir d;
    d.write("1_a.up.sql", "select 1;\n");
    d.write("1_a.sql", "select 1;\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::sqlx, d.path()); }, ".sql", 0,
                        "has the same version as");
  }
}

// ---- golang-migrate ----

TEST(ImportGolangMigrate, PairsPadsAndRefusesSingleFiles) {
  temp_dir d;
  d.write("1_init.up.sql", "create table a (id int);\n");
  d.write("1_init.down.sql", "drop table a;\n");
  d.write("12_more.up.sql", "create table b (id int);\n");
  const auto plan = read_import_directory(import_tool::golang_migrate, d.path());
  EXPECT_EQ(versions_of(plan), (std::vector<std::string>{"0001_init", "0012_more"}));
  EXPECT_TRUE(plan.migrations[0].sql.down.has_value());
  EXPECT_FALSE(plan.migrations[1].sql.down.has_value());
  d.write("13_single.sql", "select 1;\n");
  expect_source_error([&] { (void)read_import_directory(import_tool::golang_migrate, d.path()); }, "13_single.sql", 0,
                      "not a golang-migrate migration file name");
}

TEST(ImportGolangMigrate, RefusesMismatchedNames) {
  temp_dir d;
  d.write("1_init.up.sql", "select 1;\n");
  d.write("1_other.down.sql", "select 1;\n");
  expect_source_error([&] { (void)read_import_directory(import_tool::golang_migrate, d.path()); }, ".sql", 0,
                      "its name differs");
}

// ---- flyway ----

TEST(ImportGoose, OtherGoFilesArePassedOverWithANote) {
  temp_dir d;
  d.write("1_a.sql", "-- +goose Up\nselect 1;\n");
  d.write("main.go", "package main");
  d.write("1_a_test.go", "package main");
  d.write("2nd.go", "package main");
  const auto plan = read_import_directory(import_tool::goose, d.path());
  EXPECT_EQ(versions_of(plan), (std::vector<std::string>{"0001_a"}));
  ASSERT_EQ(plan.notes.size(), 3U);
  EXPECT_TRUE(has(plan.notes[0], "1_a_test.go")) << plan.notes[0];
  EXPECT_TRUE(has(plan.notes[2], "main.go")) << plan.notes[2];
}

TEST(ImportFlyway, SubdirectoriesAreReadInVersionOrder) {
  temp_dir d;
  fs::create_directories(d.path() / "a" / "b");
  fs::create_directories(d.path() / "z");
  d.write("V3__top.sql", "select 3;\n");
  d.write("z/V1__first.sql", "select 1;\n");
  d.write("a/b/V2__second.sql", "select 2;\n");
  d.write("a/b/U2__second.sql", "select -2;\n");
  const auto plan = read_import_directory(import_tool::flyway, d.path());
  EXPECT_EQ(versions_of(plan), (std::vector<std::string>{"0001_first", "0002_second", "0003_top"}));
  ASSERT_TRUE(plan.migrations[1].sql.down.has_value());
  d.write("z/V2__again.sql", "select 2;\n");
  expect_source_error([&] { (void)read_import_directory(import_tool::flyway, d.path()); }, "z/V2__again.sql", 0,
                      "has the same version as " + (d.path() / "a" / "b" / "V2__second.sql").string());
}

TEST(ImportFlyway, PlaceholdersNeedAValue) {
  temp_dir d;
  d.write("V1__a.sql", "select 1;\nselect '${who}', '${flyway:user}';\n");
  expect_source_error([&] { (void)read_import_directory(import_tool::flyway, d.path()); }, "V1__a.sql", 2, "${who}");
  const auto plan =
      read_import_directory(import_tool::flyway, d.path(), placeholder_values{{"who", "me"}, {"flyway:user", "u"}});
  EXPECT_TRUE(has(plan.migrations[0].sql.up, "select 'me', 'u';")) << plan.migrations[0].sql.up;
}

TEST(ImportFlyway, VersionedAndUndoFilesIntegerVersions) {
  temp_dir d;
  d.write("V1__Create_users.sql", "create table users (id int);\n");
  d.write("U1__Create_users.sql", "drop table users;\n");
  d.write("V2__Add_books.sql", "create table books (id int);\n");
  d.write("V10__Later.sql", "select 1;\n");
  const auto plan = read_import_directory(import_tool::flyway, d.path());
  EXPECT_EQ(versions_of(plan), (std::vector<std::string>{"0001_create_users", "0002_add_books", "0010_later"}));
  ASSERT_TRUE(plan.migrations[0].sql.down.has_value());
  EXPECT_TRUE(has(*plan.migrations[0].sql.down, "drop table users;"));
  EXPECT_FALSE(plan.migrations[1].sql.down.has_value());
}

TEST(ImportFlyway, DottedVersionsAreNumberedInFlywayOrder) {
  temp_dir d;
  d.write("V1__a.sql", "select 1;\n");
  d.write("V1.10__c.sql", "select 3;\n");
  d.write("V1_2__b.sql", "select 2;\n");
  d.write("V2.0.1__d.sql", "select 4;\n");
  const auto plan = read_import_directory(import_tool::flyway, d.path());
  EXPECT_EQ(versions_of(plan), (std::vector<std::string>{"0001_a", "0002_b", "0003_c", "0004_d"}));
  EXPECT_EQ(plan.migrations[1].tool_version, "1_2");
}

TEST(ImportFlyway, ExecuteInTransactionFalseFromTheConfFile) {
  temp_dir d;
  d.write("V1__idx.sql", "create index concurrently i on t (x);\n");
  d.write("V1__idx.sql.conf", "# script config\nexecuteInTransaction=false\n");
  const auto plan = read_import_directory(import_tool::flyway, d.path());
  EXPECT_TRUE(parse_directives(plan.migrations[0].sql.up, "x").no_transaction);
  d.write("V1__idx.sql.conf", "executeInTransaction=perhaps\n");
  expect_source_error([&] { (void)read_import_directory(import_tool::flyway, d.path()); }, "V1__idx.sql.conf", 1,
                      "true or false");
}

TEST(ImportFlyway, RefusesRepeatableBaselineOrphanUndoAndBadNames) {
  const auto refused = [](const std::string& name, const std::string& what) {
    temp_dir d;
    d.write("V1__a.sql", "select 1;\n");
    d.write(name, "select 1;\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::flyway, d.path()); }, name, 0, what);
  };
  refused("R__views.sql", "repeatable");
  refused("B2__base.sql", "baseline");
  refused("U3__orphan.sql", "undo migration without its versioned migration");
  refused("V1.x__bad.sql", "not numbers");
  refused("create.sql", "not a flyway migration file name");
  temp_dir d;  // 1.0 is version 1 for flyway
  d.write("V1__a.sql", "select 1;\n");
  d.write("V1_0__same.sql", "select 1;\n");
  expect_source_error([&] { (void)read_import_directory(import_tool::flyway, d.path()); }, "V1__a.sql", 0,
                      "has the same version as " + (d.path() / "V1_0__same.sql").string());
}

// ---- diesel ----

TEST(ImportDiesel, DirectoriesMetadataAndTheInitialSetup) {
  temp_dir d;
  fs::create_directories(d.path() / "00000000000000_diesel_initial_setup");
  d.write("00000000000000_diesel_initial_setup/up.sql", "select 0;\n");
  d.write("00000000000000_diesel_initial_setup/down.sql", "select 0;\n");
  fs::create_directories(d.path() / "2024-01-02-030405_create_posts");
  d.write("2024-01-02-030405_create_posts/up.sql", "create table posts (id int);\n");
  d.write("2024-01-02-030405_create_posts/down.sql", "drop table posts;\n");
  fs::create_directories(d.path() / "2024-01-03-000000_index");
  d.write("2024-01-03-000000_index/up.sql", "create index concurrently i on posts (id);\n");
  d.write("2024-01-03-000000_index/metadata.toml", "run_in_transaction = false # concurrently\n");
  d.write(".keep", "");
  const auto plan = read_import_directory(import_tool::diesel, d.path());
  EXPECT_EQ(versions_of(plan), (std::vector<std::string>{"19700101000000_diesel_initial_setup",
                                                         "20240102030405_create_posts", "20240103000000_index"}));
  EXPECT_EQ(plan.migrations[1].tool_version, "20240102030405");
  EXPECT_TRUE(parse_directives(plan.migrations[2].sql.up, "x").no_transaction);
  EXPECT_FALSE(plan.migrations[2].sql.down.has_value());
  EXPECT_FALSE(parse_directives(plan.migrations[1].sql.up, "x").no_transaction);
}

TEST(ImportDiesel, RefusesMissingUpAndBadMetadata) {
  {
    temp_dir d;
    fs::create_directories(d.path() / "2024-01-02-030405_x");
    d.write("2024-01-02-030405_x/down.sql", "select 1;\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::diesel, d.path()); }, "up.sql", 0,
                        "needs up.sql");
  }
  {
    temp_dir d;
    fs::create_directories(d.path() / "2024-01-02-030405_x");
    d.write("2024-01-02-030405_x/up.sql", "select 1;\n");
    d.write("2024-01-02-030405_x/metadata.toml", "\nrun_in_transactions = false\n");
    expect_source_error([&] { (void)read_import_directory(import_tool::diesel, d.path()); }, "metadata.toml", 2,
                        "unknown key");
  }
}

// ---- names, target, writing ----

TEST(ImportNames, SlugsAreLowercaseWordsJoinedByUnderscore) {
  EXPECT_EQ(slug_of("Create Users"), "create_users");
  EXPECT_EQ(slug_of("add--Index__on.Users!"), "add_index_on_users");
  EXPECT_EQ(slug_of("__x__"), "x");
  EXPECT_EQ(slug_of("ünïcode"), "n_code");
  EXPECT_EQ(slug_of("!!!"), "migration");
  EXPECT_EQ(slug_of(""), "migration");
}

TEST(ImportTool, NamesRoundTrip) {
  for (auto t : {import_tool::goose, import_tool::dbmate, import_tool::sqlx, import_tool::flyway, import_tool::diesel,
                 import_tool::golang_migrate})
    EXPECT_EQ(parse_import_tool(to_string(t)), t);
  EXPECT_FALSE(parse_import_tool("liquibase").has_value());
  EXPECT_EQ(tracking_table(import_tool::golang_migrate), "schema_migrations");
}

TEST(ImportWrite, WritesLoadableFilesAndAValidSum) {
  temp_dir src, dst;
  src.write("1_a.up.sql", "create table a (id int);\n");
  src.write("1_a.down.sql", "drop table a;\n");
  src.write("2_b.up.sql", "create table b (id int);\n");
  const auto plan = read_import_directory(import_tool::golang_migrate, src.path());
  const auto target = dst.path() / "migrations";
  check_import_target(plan, target);
  const auto written = write_import(plan, target);
  EXPECT_EQ(written.size(), 3U);
  const auto loaded = load_directory(target);
  ASSERT_EQ(loaded.size(), 2U);
  EXPECT_EQ(loaded[0].name(), "0001_a");
  EXPECT_FALSE(loaded[0].irreversible());
  EXPECT_TRUE(loaded[1].irreversible());
  EXPECT_TRUE(verify_sum(target).empty());
  // A second import of the same versions clashes.
  expect_source_error([&] { check_import_target(plan, target); }, "0001_a.up.sql", 0, "has the version of");
  undo_import(target, written, std::nullopt);
  EXPECT_TRUE(load_directory(target).empty());
  EXPECT_FALSE(fs::exists(target / "pgpx.sum"));
}

TEST(ImportWrite, TargetThatDiffersFromItsSumIsRefused) {
  temp_dir src, dst;
  src.write("1_a.up.sql", "select 1;\n");
  dst.write("0050_x.up.sql", "select 50;\n");
  write_sum(dst.path());
  const auto plan = read_import_directory(import_tool::golang_migrate, src.path());
  EXPECT_NO_THROW(check_import_target(plan, dst.path()));
  dst.write("0050_x.up.sql", "select 51;\n");  // edited after the sum
  expect_source_error([&] { check_import_target(plan, dst.path()); }, "pgpx.sum", 0, "0050_x.up.sql: modified");
}

TEST(ImportWrite, TargetInTheOtherStyleIsRefused) {
  temp_dir src, dst;
  src.write("1_a.up.sql", "select 1;\n");
  dst.write("20240101120000_x.up.sql", "select 1;\n");
  const auto plan = read_import_directory(import_tool::golang_migrate, src.path());
  expect_source_error([&] { check_import_target(plan, dst.path()); }, "20240101120000_x.up.sql", 0, "other style");
  src.write("99_b.up.sql", "select 1;\n");  // a target with other versions of the same style is fine
  temp_dir seq;
  seq.write("0050_x.up.sql", "select 1;\n");
  EXPECT_NO_THROW(check_import_target(read_import_directory(import_tool::golang_migrate, src.path()), seq.path()));
}

}  // namespace
}  // namespace pgpx::migrate
