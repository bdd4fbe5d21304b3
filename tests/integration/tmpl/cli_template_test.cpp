// The template commands of the pgpx executable, run as a user would:
// pgpx template list|check|render|gen and pgpx query -t NAME --var k=v.
#include "integration/cli/cli_support.hpp"
#include "support/test_db.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;
using pgpx::test::cli::slurp_file;

class cli_template : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    project_ = fs::temp_directory_path() / ("pgpx-cli-tmpl-" + std::to_string(::getpid()) + "-" + database_name());
    fs::create_directories(project_ / "queries/books");
    write("queries/books/search.sql.j2",
          "{#- pgpx\nparams:\n  term: text?\n  ids: int8[]?\n  api_token: text?\nreturns: many Book\n-#}\n"
          "select id, title from books\n{% where %}\n"
          "  {% if term %}and title ilike {{ term | like }}{% endif %}\n"
          "  {% if ids is defined %}and id = any({{ ids | any }}){% endif %}\n"
          "  {% if api_token %}and {{ api_token }} <> ''{% endif %}\n"
          "{% endwhere %}\norder by id");
    write("queries/books/count.sql", "{#- pgpx\nreturns: scalar int8\n-#}select count(*) from books");
    write("queries/_partials/x.sql.j2", "1 = 1");
    cx().execute_script(
        "create table books (id int8 primary key, title text); insert into books values (1, 'SQL'), (2, 'C++')");
  }
  void TearDown() override {
    fs::remove_all(project_);
    db_test::TearDown();
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((project_ / rel).parent_path());
    std::ofstream(project_ / rel) << text;
  }
  auto run(std::vector<std::string> args) -> run_result { return pgpx_run(args, project_); }
  auto url() -> std::string { return conninfo().to_string(); }

  fs::path project_;
};

TEST_F(cli_template, list_names_every_template) {
  auto r = run({"template", "list"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "_partials/x\nbooks/count\nbooks/search\n");
  r = run({"template", "list", "--long"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("books/search\tbooks/search.sql.j2\t(term: text?, ids: int8[]?, api_token: text?) -> many Book"),
            std::string::npos)
      << r.out;
}

TEST_F(cli_template, render_prints_sql_and_params_as_json) {
  auto r = run({"template", "render", "books/search", "--var", "term=sq", "--var", "ids=[1,2]", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["sql"], "select id, title from books\nWHERE title ilike $1\n  and id = any($2)\norder by id");
  EXPECT_EQ(j["params"], nlohmann::json::parse(R"(["%sq%", [1, 2]])"));
  // Secret-looking parameters are masked unless asked for.
  r = run({"template", "render", "books/search", "--var", "api_token=s3cr3t", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("s3cr3t"), std::string::npos) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["params"][0], "********");
  r = run({"template", "render", "books/search", "--vars-json", R"({"api_token": "s3cr3t"})", "--format", "json",
           "--show-secrets"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["params"][0], "s3cr3t");
  r = run({"template", "render", "books/search", "--var", "term=x", "--show-params"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("-- $1 term (text) = \"%x%\""), std::string::npos) << r.out;
}

TEST_F(cli_template, render_errors_exit_10_with_the_position) {
  auto r = run({"template", "render", "books/search", "--var", "nope=1"});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("UndefinedVariable: variable 'nope' is not declared"), std::string::npos) << r.err;
  r = run({"template", "render", "books/serach"});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("did you mean 'books/search'?"), std::string::npos) << r.err;
  r = run({"template", "render", "../etc/passwd"});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("InvalidTemplateName"), std::string::npos) << r.err;
  r = run({"template", "render", "books/search", "--var", "=1"});
  EXPECT_EQ(r.code, 2);
}

TEST_F(cli_template, check_compiles_everything_and_prepares_shapes) {
  auto r = run({"--url", url(), "template", "check", "--prepare"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("3 templates ok, 9 shapes prepared"), std::string::npos) << r.out << r.err;
  write("queries/bad.sql.j2", "select {{ x | idnet }}");
  write("queries/typo.sql.j2", "{#- pgpx\nparams:\n  n: int4\n-#}select * from books where titel = {{ n }}");
  r = run({"--url", url(), "template", "check", "--prepare"});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("bad.sql.j2:1:15: UnknownFilter: unknown filter 'idnet'; did you mean 'ident'?"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("typo.sql.j2:4:30: PREPARE failed: column \"titel\" does not exist"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("2 problems"), std::string::npos) << r.err;
  // Every shape of books/search fails at the same place once the table is gone: one line.
  cx().execute_script("drop table books");
  fs::remove(project_ / "queries/bad.sql.j2");
  fs::remove(project_ / "queries/typo.sql.j2");
  r = run({"--url", url(), "template", "check", "--prepare"});
  EXPECT_EQ(r.code, 10);
  const std::string line = "books/search.sql.j2:8:23: PREPARE failed: relation \"books\" does not exist";
  const auto first = r.err.find(line);
  EXPECT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(line, first + 1), std::string::npos) << "reported once: " << r.err;
}

TEST_F(cli_template, query_runs_a_template) {
  auto r = run({"--url", url(), "query", "-t", "books/search", "--var", "term=sq", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::parse(R"([{"id": 1, "title": "SQL"}])"));
  r = run({"--url", url(), "query", "-t", "books/count", "--format", "csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "count\r\n2\r\n");
  // A value is bound, never spliced, and the statement stays read-only.
  r = run({"--url", url(), "query", "-t", "books/search", "--var", "term='; drop table books; --", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from books"), 2);
  r = run({"--url", url(), "query", "-t", "books/search", "select 1"});
  EXPECT_EQ(r.code, 2) << r.err;
  r = run({"--url", url(), "query", "-t", "books/search", "--var", "ids=\"x\""});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_NE(r.err.find("ParamTypeMismatch"), std::string::npos) << r.err;
}

TEST_F(cli_template, logs_names_and_types_at_vv_and_masked_values_only_at_vvv) {
  write("queries/login.sql.j2",
        "{#- pgpx\nparams:\n  user_name: text\n  pin: text secret\n  api_token: text\n-#}\n"
        "select {{ user_name }} <> '' and {{ pin }} <> '' and {{ api_token }} <> '' as ok");
  const std::vector<std::string> vars{"--var", "user_name=visible-9f2", "--var", "pin=pin-4417",
                                      "--var", "api_token=tok-8830"};
  auto args = std::vector<std::string>{"-vv", "--url", url(), "query", "-t", "login"};
  args.insert(args.end(), vars.begin(), vars.end());
  auto r = run(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("template rendered"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("login.sql.j2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(R"({"name":"pin","secret":true,"type":"text"})"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(R"({"name":"user_name","secret":false,"type":"text"})"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("select $1 <> ''"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("visible-9f2"), std::string::npos) << "values only at -vvv: " << r.err;
  args[0] = "-vvv";
  r = run(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("visible-9f2"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("pin-4417"), std::string::npos) << "declared secret: " << r.err;
  EXPECT_EQ(r.err.find("tok-8830"), std::string::npos) << "named like a secret: " << r.err;
  EXPECT_EQ(r.out.find("pin-4417"), std::string::npos) << r.out;
}

TEST_F(cli_template, gen_writes_a_header_and_checks_it) {
  auto r = run({"template", "gen", "--out", "queries.hpp", "--include", "models.hpp", "--namespace", "q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string h = slurp_file(project_ / "queries.hpp");
  EXPECT_NE(h.find("namespace q {"), std::string::npos);
  EXPECT_NE(h.find("#include \"models.hpp\""), std::string::npos);
  EXPECT_NE(h.find("inline auto books_search(const pgpx::tmpl::library& lib, Executor& ex,\n"
                   "    const std::optional<std::string>& term = std::nullopt,\n"
                   "    const std::optional<std::vector<std::int64_t>>& ids = std::nullopt,\n"
                   "    const std::optional<std::string>& api_token = std::nullopt) -> std::vector<Book> {"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("inline auto books_count(const pgpx::tmpl::library& lib, Executor& ex) -> std::int64_t {"),
            std::string::npos)
      << h;
  r = run({"template", "gen", "--out", "queries.hpp", "--include", "models.hpp", "--namespace", "q", "--check"});
  EXPECT_EQ(r.code, 0) << r.err;
  write("queries/books/count.sql", "{#- pgpx\nreturns: scalar int4\n-#}select count(*)::int4 from books");
  r = run({"template", "gen", "--out", "queries.hpp", "--include", "models.hpp", "--namespace", "q", "--check"});
  EXPECT_EQ(r.code, 7);
  EXPECT_NE(r.err.find("out of date"), std::string::npos) << r.err;
  // Deterministic: the same input gives the same bytes.
  r = run({"template", "gen"});
  const auto first = r.out;
  r = run({"template", "gen"});
  EXPECT_EQ(r.out, first);
}

}  // namespace
