// An application's own pgpx command line (examples/manage: pgpx::cli::application with three
// models): the `models` schema source through the real binary. The models are created in a
// shadow database that must not outlive the command; the diff from the database to them is
// SQL that, run on the database, leaves no difference.
#include "integration/cli/cli_project.hpp"

#include <pgpx/core/executor.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::run_result;

class cli_manage : public pgpx::test::cli::project_test {
 protected:
  // Runs the example's `manage` binary (PGPX_CLI_PATH of this test) against this test's database.
  auto manage(std::vector<std::string> args) -> run_result { return pgpx(std::move(args)); }
  auto shadows() -> std::int64_t {
    return cx().query_value<std::int64_t>("select count(*) from pg_database where datname like 'pgpx\\_shadow\\_%'");
  }
};

auto has(const std::string& text, const std::string& part) -> bool { return text.find(part) != std::string::npos; }

TEST_F(cli_manage, help_names_the_application_and_keeps_every_command) {
  const auto r = manage({"--help"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("manage: the example shop's database tool", 0), 0u) << r.out;
  for (const char* command : {"migrate", "schema", "query", "db", "extension"})
    EXPECT_TRUE(has(r.out, std::string("  ") + command)) << command << "\n" << r.out;
}

TEST_F(cli_manage, the_diff_to_the_models_creates_them_and_then_nothing_is_left) {
  auto r = manage({"schema", "diff", "--to", "models", "--exit-code"});
  ASSERT_EQ(r.code, 7) << r.err << r.out;
  // Registered as book, author, order_line: created in foreign-key order, in their schemas.
  const auto authors = r.out.find("create table \"public\".\"authors\"");
  const auto books = r.out.find("create table \"public\".\"books\"");
  ASSERT_NE(authors, std::string::npos) << r.out;
  ASSERT_NE(books, std::string::npos) << r.out;
  EXPECT_LT(authors, books) << r.out;
  EXPECT_TRUE(has(r.out, "create schema \"shop\"")) << r.out;
  EXPECT_TRUE(has(r.out, "\"shop\".\"order_lines\"")) << r.out;
  EXPECT_TRUE(has(r.out, "USING gin (tags)")) << r.out;  // pg_get_indexdef's spelling
  EXPECT_TRUE(has(r.out, "character varying(80)")) << r.out;
  // authors.email is citext: the extension its type comes from is created first.
  const auto ext = r.out.find("create extension \"citext\"");
  ASSERT_NE(ext, std::string::npos) << r.out;
  EXPECT_LT(ext, authors) << r.out;
  EXPECT_TRUE(has(r.out, "\"email\" public.citext") || has(r.out, "\"email\" citext")) << r.out;
  EXPECT_EQ(shadows(), 0);  // the shadow database is gone
  // Nothing was written to the database by the diff.
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pg_tables where tablename = 'books'"), 0);

  cx().execute_script(r.out);
  r = manage({"schema", "diff", "--to", "models", "--exit-code"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(has(r.err, "no differences")) << r.err;
  EXPECT_EQ(shadows(), 0);
}

TEST_F(cli_manage, drift_from_the_models_is_found_column_by_column) {
  auto r = manage({"schema", "diff", "--to", "models"});
  ASSERT_EQ(r.code, 0) << r.err;
  cx().execute_script(r.out);
  // Three kinds of drift: a column gone, a type changed, an index gone.
  cx().execute_script(
      "alter table books drop column title;"
      "alter table authors alter column name type text;"
      "drop index books_tags_idx");
  r = manage({"schema", "diff", "--to", "models", "--format", "json", "--exit-code"});
  ASSERT_EQ(r.code, 7) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> objects;
  for (const auto& c : j.at("changes")) objects.push_back(c.at("object").get<std::string>());
  auto found = [&](const std::string& part) {
    for (const auto& o : objects)
      if (has(o, part)) return true;
    return false;
  };
  EXPECT_TRUE(found("public.books.title")) << j.dump(2);
  EXPECT_TRUE(found("public.authors.name")) << j.dump(2);
  EXPECT_TRUE(found("books_tags_idx")) << j.dump(2);
  EXPECT_EQ(objects.size(), 3u) << j.dump(2);
  // --schemas narrows the comparison to the shop schema, which has not drifted.
  r = manage({"schema", "diff", "--to", "models", "--schemas", "shop", "--exit-code"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST_F(cli_manage, the_database_can_be_the_target_and_the_models_the_start) {
  // --from models --to db: what the database has beyond the models (here: one more table).
  auto r = manage({"schema", "diff", "--to", "models"});
  ASSERT_EQ(r.code, 0) << r.err;
  cx().execute_script(r.out);
  cx().execute("create table extra (x int)");
  r = manage({"schema", "diff", "--from", "models", "--to", "db", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("changes").size(), 1u) << j.dump(2);
  EXPECT_TRUE(has(j.at("changes")[0].at("up").get<std::string>(), "\"extra\"")) << j.dump(2);
}

}  // namespace
