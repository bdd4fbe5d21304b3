// `pgpx schema diagram` through the real pgpx executable: Mermaid, DOT and SVG of a live
// database (composite, self and cross-schema foreign keys, a hostile table name), filters,
// a JSON catalog as the source, -o, and the refusal when Graphviz's dot is missing.
#include "integration/cli/cli_support.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/executor.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;
using pgpx::test::cli::slurp_file;

class cli_diagram : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    dir_ = fs::temp_directory_path() / ("pgpx-diagram-cli-" + database_name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    cx().execute_script(
        "create schema app; create schema audit;"
        "create table app.authors (id int8 primary key, name text);"
        "create table app.books (id int8 primary key, author_id int8 not null references app.authors,"
        "  title varchar(80) not null);"
        "create table app.chapters (book_id int8 references app.books, no int, parent_no int,"
        "  primary key (book_id, no), foreign key (book_id, parent_no) references app.chapters (book_id, no));"
        "create table audit.log (book_id int8 references app.books, at timestamptz);"
        "create table app.\"we\"\"ird <t> {x}\" (\"node\" int primary key, \"PK\" text);");
  }
  void TearDown() override {
    fs::remove_all(dir_);
    db_test::TearDown();
  }
  auto pgpx(std::vector<std::string> args, const std::vector<std::pair<std::string, std::string>>& env = {})
      -> run_result {
    args.insert(args.begin(), {"--url", conninfo().to_string()});
    return pgpx_run(args, dir_, env);
  }
  // Graphviz's reading of a DOT file: {"objects": [...], "edges": [...]}.
  static auto graphviz_json(const fs::path& dot_file) -> nlohmann::json {
    std::string out;
    if (FILE* p = ::popen(("dot -Tjson " + dot_file.string() + " 2>&1").c_str(), "r")) {
      char buf[4096];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
      if (::pclose(p) != 0) ADD_FAILURE() << "dot failed: " << out;
    }
    return nlohmann::json::parse(out, nullptr, false);
  }
  fs::path dir_;
};

TEST_F(cli_diagram, mermaid_of_the_database_is_deterministic_and_shows_every_relation) {
  auto r = pgpx({"schema", "diagram"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("erDiagram\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("  t_app_books[\"app.books\"] {\n    bigint id PK \"not null\"\n"
                       "    bigint author_id FK \"not null\"\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("t_app_authors ||..o{ t_app_books"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("t_app_chapters |o..o{ t_app_chapters : \"chapters_book_id_parent_no_fkey: (book_id, "
                       "parent_no) -#gt; (book_id, no)\""),
            std::string::npos)
      << r.out;  // self reference, composite: one relation
  EXPECT_NE(r.out.find("t_app_books |o..o{ t_audit_log"), std::string::npos) << r.out;  // across schemas
  EXPECT_NE(r.out.find("[\"app.we#quot;ird #lt;t#gt; {x}\"] {"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    text _PK \"name: PK\"\n"), std::string::npos) << r.out;
  EXPECT_EQ(pgpx({"schema", "diagram"}).out, r.out);
  // The same from a JSON catalog, written to a file.
  ASSERT_EQ(pgpx({"schema", "export", "--format", "json", "-o", (dir_ / "c.json").string()}).code, 0);
  const auto f = pgpx({"schema", "diagram", "--from", (dir_ / "c.json").string(), "-o", (dir_ / "d.mmd").string()});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(slurp_file(dir_ / "d.mmd"), r.out);
}

TEST_F(cli_diagram, filters_keep_a_relation_to_a_filtered_out_table_as_a_stub) {
  auto r = pgpx({"schema", "diagram", "--schemas", "audit"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("t_audit_log[\"audit.log\"] {"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  t_app_books[\"app.books\"]\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("authors"), std::string::npos) << r.out;
  r = pgpx({"schema", "diagram", "--tables", "app.book*,log"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("t_app_books[\"app.books\"] {"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("t_audit_log[\"audit.log\"] {"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  t_app_authors[\"app.authors\"]\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("chapters"), std::string::npos) << r.out;
  r = pgpx({"schema", "diagram", "--format", "png"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("mermaid, dot or svg"), std::string::npos) << r.err;
}

TEST_F(cli_diagram, dot_parses_in_graphviz_and_svg_is_drawn_by_it) {
  auto r = pgpx({"schema", "diagram", "--format", "dot", "-o", (dir_ / "s.dot").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = graphviz_json(dir_ / "s.dot");
  ASSERT_TRUE(j.is_object()) << slurp_file(dir_ / "s.dot");
  std::set<std::string> names;
  for (const auto& o : j.at("objects")) names.insert(o.at("name").get<std::string>());
  EXPECT_EQ(names,
            (std::set<std::string>{"app.authors", "app.books", "app.chapters", "app.we\"ird <t> {x}", "audit.log"}));
  EXPECT_EQ(j.at("edges").size(), 4u);
  r = pgpx({"schema", "diagram", "--format", "svg"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("<svg"), std::string::npos) << r.out.substr(0, 300);
  EXPECT_NE(r.out.find("app.we&quot;ird &lt;t&gt; {x}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("audit.log"), std::string::npos);
}

TEST_F(cli_diagram, svg_without_graphviz_names_the_package_and_exits_1) {
  const auto r = pgpx({"schema", "diagram", "--format", "svg", "-o", (dir_ / "x.svg").string()},
                      {{"PATH", (dir_ / "nothing-here").string()}});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("graphviz"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "x.svg"));
  // dot and mermaid need no Graphviz.
  EXPECT_EQ(pgpx({"schema", "diagram", "--format", "dot"}, {{"PATH", (dir_ / "nothing-here").string()}}).code, 0);
}

}  // namespace
