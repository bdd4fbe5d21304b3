// Migration files on disk: names, version styles, pairing, header directives.
#include <pgpx/migrate/source.hpp>
#include <pgpx/migrate/sum_file.hpp>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace pgpx::migrate {
namespace {

using test::temp_dir;
using namespace std::chrono_literals;

// Runs `f`, which must throw source_error of kind migration naming `file` (a suffix of its
// file()), at `line`, with `what` in the message. Returns the message.
auto expect_source_error(const std::function<void()>& f, const std::string& file, int line, const std::string& what)
    -> std::string {
  try {
    f();
  } catch (const source_error& e) {
    EXPECT_EQ(e.kind(), error_kind::migration);
    EXPECT_TRUE(e.file().ends_with(file)) << "file() = " << e.file() << ", expected to end in " << file;
    EXPECT_EQ(e.line(), line) << e.message();
    EXPECT_NE(e.message().find(file + (line > 0 ? ":" + std::to_string(line) : std::string())), std::string::npos)
        << e.message();
    EXPECT_NE(e.message().find(what), std::string::npos) << "message: " << e.message() << "\nexpected: " << what;
    return e.message();
  }
  ADD_FAILURE() << "no source_error thrown (expected one about " << file << ")";
  return {};
}

// ---- file names -------------------------------------------------------------------------

TEST(migrate_file_name, timestamp_up_and_down) {
  const auto up = parse_file_name("20250101120000_create_users.up.sql");
  EXPECT_EQ(up.version, "20250101120000");
  EXPECT_EQ(up.number, 20250101120000ULL);
  EXPECT_EQ(up.style, version_style::timestamp);
  EXPECT_EQ(up.slug, "create_users");
  EXPECT_EQ(up.dir, direction::up);
  const auto down = parse_file_name("20240229235959_x1.down.sql");  // a leap day
  EXPECT_EQ(down.dir, direction::down);
  EXPECT_EQ(down.style, version_style::timestamp);
}

TEST(migrate_file_name, sequence_versions) {
  const auto a = parse_file_name("0001_init.up.sql");
  EXPECT_EQ(a.style, version_style::sequence);
  EXPECT_EQ(a.version, "0001");
  EXPECT_EQ(a.number, 1U);
  EXPECT_EQ(parse_file_name("42_x.up.sql").number, 42U);
  EXPECT_EQ(parse_file_name("0000000000123_x.down.sql").style, version_style::sequence);  // 13 digits
}

TEST(migrate_file_name, malformed_names_say_what_is_wrong) {
  const auto bad = [](const std::string& name, const std::string& what) {
    SCOPED_TRACE(name);
    expect_source_error([&] { (void)parse_file_name(name); }, name, 0, what);
  };
  bad("0001_init.sql", "does not end in .up.sql or .down.sql");
  bad("0001_init.UP.sql", "does not end in .up.sql or .down.sql");
  bad("init.up.sql", "does not start with a version");
  bad("0001-init.up.sql", "followed by '_'");
  bad("0001.up.sql", "followed by '_'");
  bad("0001_.up.sql", "slug after the version is empty");
  bad("0001_Create_Users.up.sql", "outside [a-z0-9_]");
  bad("0001_create-users.up.sql", "outside [a-z0-9_]");
  bad("000000000000001_x.up.sql", "more than 14 digits");
  bad("20251301120000_x.up.sql", "not a valid UTC date and time");  // month 13
  bad("20250230120000_x.up.sql", "not a valid UTC date and time");  // 30 February
  bad("20230229120000_x.up.sql", "not a valid UTC date and time");  // not a leap year
  bad("20250101240000_x.up.sql", "not a valid UTC date and time");  // hour 24
  bad("20250101126000_x.up.sql", "not a valid UTC date and time");  // minute 60
  bad("20250101120060_x.up.sql", "not a valid UTC date and time");  // second 60
}

// ---- directories --------------------------------------------------------------------------

TEST(migrate_load_directory, pairs_sorts_numerically_and_ignores_other_files) {
  temp_dir d;
  d.write("10_ten.up.sql", "select 10;\n");
  d.write("10_ten.down.sql", "select -10;\n");
  d.write("9_nine.up.sql", "select 9;\n");  // irreversible
  d.write("0002_two.up.sql", "select 2;\n");
  d.write("0002_two.down.sql", "select -2;\n");
  d.write("pgpx.sum", "not parsed here\n");
  d.write("README.md", "# notes\n");
  d.write("notes.txt", "0003_bad name.up.sql\n");
  d.write(".0004_editor_swap.up.sql", "");  // dotfiles are ignored
  std::filesystem::create_directory(d.path() / "0005_subdir.up.sql");
  const auto all = load_directory(d.path());
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].name(), "0002_two");
  EXPECT_EQ(all[1].name(), "9_nine");
  EXPECT_EQ(all[2].name(), "10_ten");
  EXPECT_FALSE(all[0].irreversible());
  EXPECT_TRUE(all[1].irreversible());
  EXPECT_EQ(all[0].up.file_name, "0002_two.up.sql");
  EXPECT_EQ(all[0].up.content, "select 2;\n");
  ASSERT_TRUE(all[0].down.has_value());
  EXPECT_EQ(all[0].down->file_name, "0002_two.down.sql");
  EXPECT_EQ(all[0].down->content, "select -2;\n");
  EXPECT_EQ(all[2].style, version_style::sequence);
  EXPECT_TRUE(all[0].up.checksum.starts_with("h1:"));
  EXPECT_NE(all[0].up.checksum, all[0].down->checksum);
}

TEST(migrate_load_directory, timestamps_sort_by_version) {
  temp_dir d;
  d.write("20250102090000_b.up.sql", "select 2;");
  d.write("20241231235959_a.up.sql", "select 1;");
  d.write("20250102090001_c.up.sql", "select 3;");
  const auto all = load_directory(d.path());
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].slug, "a");
  EXPECT_EQ(all[1].slug, "b");
  EXPECT_EQ(all[2].slug, "c");
  EXPECT_EQ(all[0].style, version_style::timestamp);
}

TEST(migrate_load_directory, empty_directory_has_no_migrations) {
  temp_dir d;
  EXPECT_TRUE(load_directory(d.path()).empty());
}

TEST(migrate_load_directory, missing_directory_is_an_error) {
  temp_dir d;
  expect_source_error([&] { (void)load_directory(d.path() / "nope"); }, "nope", 0, "cannot read");
}

TEST(migrate_load_directory, mixed_styles_name_a_file_of_each) {
  temp_dir d;
  d.write("0001_a.up.sql", "select 1;");
  d.write("20250101120000_b.up.sql", "select 2;");
  const auto msg = expect_source_error([&] { (void)load_directory(d.path()); }, "0001_a.up.sql", 0, "two styles");
  EXPECT_NE(msg.find("20250101120000_b.up.sql"), std::string::npos) << msg;
}

TEST(migrate_load_directory, down_without_up) {
  temp_dir d;
  d.write("0001_a.up.sql", "select 1;");
  d.write("0002_b.down.sql", "select 2;");
  expect_source_error([&] { (void)load_directory(d.path()); }, "0002_b.down.sql", 0, "without its up file");
}

TEST(migrate_load_directory, up_and_down_with_different_slugs) {
  temp_dir d;
  d.write("0001_create_users.up.sql", "select 1;");
  d.write("0001_create_user.down.sql", "select 2;");
  const auto msg =
      expect_source_error([&] { (void)load_directory(d.path()); }, "0001_create_user.down.sql", 0, "two names");
  EXPECT_NE(msg.find("0001_create_users.up.sql"), std::string::npos) << msg;
}

TEST(migrate_load_directory, duplicate_version_same_direction) {
  temp_dir d;
  d.write("0001_a.up.sql", "select 1;");
  d.write("0001_b.up.sql", "select 2;");
  const auto msg =
      expect_source_error([&] { (void)load_directory(d.path()); }, "0001_b.up.sql", 0, "duplicate version 0001");
  EXPECT_NE(msg.find("0001_a.up.sql"), std::string::npos) << msg;
}

TEST(migrate_load_directory, duplicate_version_spelled_differently) {
  temp_dir d;
  d.write("001_a.up.sql", "select 1;");
  d.write("0001_a.up.sql", "select 2;");  // the same number
  expect_source_error([&] { (void)load_directory(d.path()); }, "001_a.up.sql", 0, "duplicate version");
}

TEST(migrate_load_directory, up_and_down_versions_spelled_differently) {
  temp_dir d;
  d.write("001_a.up.sql", "select 1;");
  d.write("0001_a.down.sql", "select 2;");
  expect_source_error([&] { (void)load_directory(d.path()); }, "0001_a.down.sql", 0, "two names");
}

TEST(migrate_load_directory, malformed_sql_file_names_the_file) {
  temp_dir d;
  d.write("0001_a.up.sql", "select 1;");
  d.write("0002_Add_Index.up.sql", "select 2;");
  expect_source_error([&] { (void)load_directory(d.path()); }, "0002_Add_Index.up.sql", 0, "outside [a-z0-9_]");
  temp_dir e;
  e.write("seed_data.sql", "select 1;");
  expect_source_error([&] { (void)load_directory(e.path()); }, "seed_data.sql", 0, "not a valid migration file name");
  temp_dir f;
  f.write("0003_x.up.SQL", "select 1;");
  expect_source_error([&] { (void)load_directory(f.path()); }, "0003_x.up.SQL", 0, "does not end in .up.sql");
}

TEST(migrate_load_directory, bad_directive_names_file_and_line) {
  temp_dir d;
  d.write("0001_a.up.sql", "-- pgpx: no-transaction\n");
  d.write("0001_a.down.sql", "-- reverts a\n-- pgpx: no-tx\nselect 1;\n");
  expect_source_error([&] { (void)load_directory(d.path()); }, "0001_a.down.sql", 2, "unknown directive 'no-tx'");
}

TEST(migrate_load_directory, up_and_down_have_their_own_headers) {
  temp_dir d;
  d.write("0001_idx.up.sql", "-- pgpx: no-transaction\ncreate index concurrently i on t (a);\n");
  d.write("0001_idx.down.sql", "-- pgpx: lock-timeout=3s\ndrop index i;\n");
  const auto all = load_directory(d.path());
  ASSERT_EQ(all.size(), 1U);
  EXPECT_TRUE(all[0].up.header.no_transaction);
  EXPECT_FALSE(all[0].up.header.lock_timeout.has_value());
  ASSERT_TRUE(all[0].down.has_value());
  EXPECT_FALSE(all[0].down->header.no_transaction);
  EXPECT_EQ(all[0].down->header.lock_timeout, std::chrono::milliseconds(3s));
}

// ---- header directives --------------------------------------------------------------------

TEST(migrate_directives, every_supported_directive) {
  const auto h = parse_directives(
      "-- Adds an index without blocking writes.\n"
      "--pgpx:no-transaction\n"
      "\n"
      "-- pgpx: lock-timeout=500ms\n"
      "--   pgpx:   statement-timeout=2min\n"
      "-- pgpx: lint-ignore=DS103,LH201 reason=\"the column was unused since v2\"\n"
      "-- pgpx: lint-ignore=DS101 reason=\"staging data only\"\n"
      "-- pgpx: requires-extension=pgcrypto\n"
      "-- pgpx: requires-extension=uuid-ossp\n"
      "-- pgpx: env=dev,test\n"
      "create index concurrently i on t (a);\n",
      "f.sql");
  EXPECT_TRUE(h.no_transaction);
  EXPECT_EQ(h.lock_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(h.statement_timeout, std::chrono::milliseconds(2min));
  ASSERT_EQ(h.lint_ignores.size(), 2U);
  EXPECT_EQ(h.lint_ignores[0].codes, (std::vector<std::string>{"DS103", "LH201"}));
  EXPECT_EQ(h.lint_ignores[0].reason, "the column was unused since v2");
  EXPECT_EQ(h.lint_ignores[0].line, 6);
  EXPECT_EQ(h.lint_ignores[1].codes, (std::vector<std::string>{"DS101"}));
  EXPECT_EQ(h.required_extensions, (std::vector<std::string>{"pgcrypto", "uuid-ossp"}));
  EXPECT_EQ(h.environments, (std::vector<std::string>{"dev", "test"}));
}

TEST(migrate_directives, defaults_when_absent) {
  const auto h = parse_directives("create table t (a int);\n", "f.sql");
  EXPECT_FALSE(h.no_transaction);
  EXPECT_FALSE(h.lock_timeout.has_value());
  EXPECT_FALSE(h.statement_timeout.has_value());
  EXPECT_TRUE(h.lint_ignores.empty());
  EXPECT_TRUE(h.required_extensions.empty());
  EXPECT_TRUE(h.environments.empty());
}

TEST(migrate_directives, durations) {
  const auto timeout = [](const std::string& v) {
    return parse_directives("-- pgpx: statement-timeout=" + v + "\n", "f.sql").statement_timeout;
  };
  EXPECT_EQ(timeout("0"), std::chrono::milliseconds(0));
  EXPECT_EQ(timeout("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(timeout("3s"), std::chrono::milliseconds(3000));
  EXPECT_EQ(timeout("2min"), std::chrono::milliseconds(120000));
  EXPECT_EQ(timeout("1h"), std::chrono::milliseconds(3600000));
  for (const std::string bad : {"", "500", "3 s", "3sec", "-1s", "1.5s", "s", "3S", "10000000000ms"}) {
    SCOPED_TRACE(bad);
    expect_source_error([&] { (void)parse_directives("-- x\n-- pgpx: lock-timeout=" + bad + "\n", "f.sql"); }, "f.sql",
                        2, "directive 'lock-timeout': bad duration");
  }
}

TEST(migrate_directives, bom_and_crlf_do_not_hide_the_header) {
  const auto h =
      parse_directives("\xEF\xBB\xBF-- pgpx: no-transaction\r\n-- pgpx: lock-timeout=1s\r\nselect 1;\r\n", "f.sql");
  EXPECT_TRUE(h.no_transaction);
  EXPECT_EQ(h.lock_timeout, std::chrono::milliseconds(1000));
}

TEST(migrate_directives, after_the_first_sql_line_is_an_error) {
  expect_source_error(
      [] {
        (void)parse_directives("-- pgpx: lock-timeout=1s\ncreate table t (a int);\n-- pgpx: no-transaction\n", "m.sql");
      },
      "m.sql", 3, "after the first SQL line");
  // A block comment is not part of the header: it starts the SQL.
  expect_source_error([] { (void)parse_directives("/* header */\n-- pgpx: no-transaction\n", "m.sql"); }, "m.sql", 2,
                      "after the first SQL line");
}

TEST(migrate_directives, lint_annotations_may_stand_anywhere) {
  const auto h = parse_directives("alter table t drop column a; -- dropped\n-- pgpx:lint DS103\nselect 1;\n", "f.sql");
  EXPECT_FALSE(h.no_transaction);
}

TEST(migrate_directives, a_lint_ignore_before_a_statement_is_allowed_and_still_checked) {
  // It silences that statement (the linter pairs them); it is not a header directive.
  const auto h =
      parse_directives("select 1;\n-- pgpx: lint-ignore=DS101 reason=\"archived\"\ndrop table t;\n", "f.sql");
  EXPECT_TRUE(h.lint_ignores.empty());
  expect_source_error([] { (void)parse_directives("select 1;\n-- pgpx: lint-ignore=DS101\ndrop table t;\n", "f.sql"); },
                      "f.sql", 2, "needs a reason");
}

TEST(migrate_directives, unknown_or_malformed_directives_name_file_line_and_directive) {
  const auto bad = [](const std::string& directive, const std::string& what) {
    SCOPED_TRACE(directive);
    expect_source_error(
        [&] { (void)parse_directives("-- comment\n\n-- pgpx: " + directive + "\nselect 1;\n", "x.sql"); }, "x.sql", 3,
        what);
  };
  bad("no-tx", "unknown directive 'no-tx'");
  bad("transaction=off", "unknown directive 'transaction=off'");
  bad("no-transaction=yes", "'no-transaction' takes no value");
  bad("lint-ignore=DS103", "needs a reason");
  bad("lint-ignore=DS103 reason=\"\"", "the reason is empty");
  bad("lint-ignore=DS103 reason=\"unterminated", "closing quote");
  bad("lint-ignore=DS103 reason=\"ok\" trailing", "unexpected text after the reason");
  bad("lint-ignore= reason=\"x\"", "bad rule codes");
  bad("lint-ignore=ds103 reason=\"x\"", "bad rule codes");
  bad("lint-ignore=DS103,,DS1 reason=\"x\"", "bad rule codes");
  bad("requires-extension=", "bad extension name");
  bad("requires-extension=a,b", "one name per directive");
  bad("requires-extension=pg crypto", "bad extension name");
  bad("env=", "bad environment list");
  bad("env=dev,,test", "bad environment list");
  bad("env=Prod", "bad environment list");
  bad("statement-timeout", "bad duration");
  bad("", "empty '-- pgpx:' directive");
}

TEST(migrate_directives, single_valued_directives_may_not_repeat) {
  expect_source_error([] { (void)parse_directives("-- pgpx: lock-timeout=1s\n-- pgpx: lock-timeout=2s\n", "r.sql"); },
                      "r.sql", 2, "'lock-timeout' given twice (first on line 1)");
  expect_source_error([] { (void)parse_directives("-- pgpx: env=dev\n-- pgpx: env=test\n", "r.sql"); }, "r.sql", 2,
                      "'env' given twice");
  expect_source_error([] { (void)parse_directives("-- pgpx: no-transaction\n-- pgpx: no-transaction\n", "r.sql"); },
                      "r.sql", 2, "given twice");
}

// ---- adding a migration -----------------------------------------------------------------

TEST(migrate_next_version, a_sequence_continues_at_the_newest_width) {
  EXPECT_EQ(next_version({}, version_style::sequence), "0001");
  temp_dir d;
  d.write("001_a.up.sql", "select 1;\n");
  d.write("009_b.up.sql", "select 1;\n");
  EXPECT_EQ(next_version(load_directory(d.path()), version_style::timestamp), "010");  // the directory's style
  d.write("99_c.up.sql", "select 1;\n");
  EXPECT_EQ(next_version(load_directory(d.path()), version_style::sequence), "100");
}

TEST(migrate_next_version, a_timestamp_is_now_or_one_second_after_the_newest) {
  const auto at_9 = std::chrono::system_clock::from_time_t(1735808400);  // 2025-01-02 09:00:00 UTC
  EXPECT_EQ(next_version({}, version_style::timestamp, at_9), "20250102090000");
  temp_dir d;
  d.write("20250102085959_a.up.sql", "select 1;\n");
  EXPECT_EQ(next_version(load_directory(d.path()), version_style::sequence, at_9), "20250102090000");
  // Created within the same second, or with a clock behind the newest: one second after it.
  d.write("20250102090000_b.up.sql", "select 1;\n");
  EXPECT_EQ(next_version(load_directory(d.path()), version_style::timestamp, at_9), "20250102090001");
  d.write("20251231235959_c.up.sql", "select 1;\n");
  EXPECT_EQ(next_version(load_directory(d.path()), version_style::timestamp, at_9), "20260101000000");
}

TEST(migrate_new_migration, writes_the_pair_and_the_sum_file_in_the_directory_style) {
  temp_dir d;
  const auto dir = d.path() / "migrations";  // created by write_migration
  const auto first = plan_migration(dir, "create_users", version_style::sequence);
  EXPECT_EQ(first.name, "0001_create_users");
  EXPECT_FALSE(std::filesystem::exists(dir));  // planning writes nothing
  write_migration(first, "create table users (id int);\n", "drop table users;\n");
  const auto next = plan_migration(dir, "idx");
  EXPECT_EQ(next.name, "0002_idx");
  write_migration(next, "create index on users (id);\n", std::nullopt);
  const auto all = load_directory(dir);
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].up.content, "create table users (id int);\n");
  EXPECT_EQ(all[0].down->content, "drop table users;\n");
  EXPECT_TRUE(all[1].irreversible());
  EXPECT_TRUE(verify_sum(dir).empty());
  EXPECT_THROW((void)plan_migration(dir, "later", version_style::timestamp), usage_error);  // would mix styles
  EXPECT_THROW((void)plan_migration(dir, "Bad-Name"), usage_error);
}

}  // namespace
}  // namespace pgpx::migrate
