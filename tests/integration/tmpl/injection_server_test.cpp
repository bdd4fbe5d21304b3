// The injection corpus through templates against a real server, checked in the server log.
//
// The session logs every statement (SET log_statement = 'all', superuser). For each payload
// the templates are rendered and run; afterwards the log lines of this backend must show
// only the statements the templates render (values travel as parameters, in DETAIL lines),
// the canary table must be intact, and every stored value must equal its payload byte for
// byte. The server log is the shared test cluster's (PGPX_TEST_CLUSTER_DIR); without it the
// log check is skipped, the rest still runs.
#include "../../unit/tmpl/injection_corpus.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/tmpl/library.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace pgpx::tmpl;

namespace {

auto server_log() -> std::optional<fs::path> {
  const char* dir = std::getenv("PGPX_TEST_CLUSTER_DIR");
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  std::ifstream in(fs::path(dir) / "root");
  std::string root;
  std::getline(in, root);
  if (root.empty()) return std::nullopt;
  const fs::path log = fs::path(root) / "server.log";
  if (!fs::exists(log)) return std::nullopt;
  return log;
}

class tmpl_injection_server : public pgpx::test::db_test {};

TEST_F(tmpl_injection_server, values_reach_the_server_only_as_parameters) {
  const fs::path dir = fs::temp_directory_path() / ("pgpx-tmpl-inj-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "ins.sql.j2") << "insert into t (v) values ({{ v }})";
  std::ofstream(dir / "find.sql.j2")
      << "select count(*) from t where v = {{ v }} or v like {{ v | like('contains') }} escape '\\'";
  std::ofstream(dir / "json.sql.j2") << "insert into j (d) values ({{ {'k': v} | jsonb }})";
  std::ofstream(dir / "col.sql.j2") << "select {{ v | ident }} from (select 1 as x) s";
  std::ofstream(dir / "order.sql.j2") << "select x from (select 1 as x) s order by x {{ v | oneof('ASC', 'DESC') }}";
  library lib{dir};

  cx().execute_script(
      "create table canary (x int); insert into canary values (42);"
      "create table t (id int8 generated always as identity, v text); create table j (d jsonb)");
  const auto log = server_log();
  const std::uintmax_t log_offset = log ? fs::file_size(*log) : 0;
  cx().execute_script("SET log_statement = 'all'");
  const int pid = cx().backend_pid();

  std::set<std::string> expected{"SET log_statement = 'all'"};
  std::vector<std::string> stored;
  int refused_by_template = 0, refused_by_client = 0, refused_by_server = 0;
  const auto run = [&](const std::string& name, const std::string& payload, bool is_insert) {
    rendered_query q;
    try {
      q = lib.render(name, {{"v", payload}});
    } catch (const template_error&) {
      ++refused_by_template;  // nothing was sent
      return;
    }
    expected.insert(q.sql());
    try {
      (void)lib.run(cx(), q);
      if (is_insert) stored.push_back(payload);
    } catch (const pgpx::conversion_error&) {
      ++refused_by_client;  // a NUL byte: PostgreSQL text cannot hold it, nothing was sent
    } catch (const pgpx::sql_error& e) {
      // Invalid UTF-8 is refused by the server's encoding check; an unknown column by the
      // parser (ident): both are values refused, not SQL changed.
      EXPECT_TRUE(e.sqlstate() == "22021" || e.sqlstate() == "42703" || e.sqlstate() == "22P05") << e.what();
      ++refused_by_server;
    }
  };
  for (const auto& payload : injection_corpus()) {
    run("ins", payload, true);
    run("find", payload, false);
    run("json", payload, false);
    run("col", payload, false);
    run("order", payload, false);
  }
  cx().execute_script("RESET log_statement");

  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from canary where x = 42"), 1);
  EXPECT_EQ(cx().query<std::string>("select v from t order by id"), stored);
  EXPECT_GE(stored.size(), injection_corpus().size() - 6);  // all but NUL and invalid UTF-8
  EXPECT_GT(refused_by_template, 0);
  EXPECT_GT(refused_by_client, 0);
  EXPECT_GT(refused_by_server, 0);
  // Every stored JSON document holds the payload as a string value.
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from j where jsonb_typeof(d->'k') <> 'string'"), 0);

  if (!log) GTEST_SKIP() << "no shared test cluster log (PGPX_TEST_CLUSTER_DIR): the server log check did not run";
  std::ifstream in(*log, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(log_offset));
  const std::string marker = "[" + std::to_string(pid) + "] ";
  // The log splits a statement at its newlines (a quoted identifier may hold one): compare
  // first lines.
  std::set<std::string> first_lines;
  for (const auto& e : expected) first_lines.insert(e.substr(0, e.find('\n')));
  std::string line;
  int statements = 0;
  while (std::getline(in, line)) {
    const auto at = line.find(marker);
    if (at == std::string::npos || at > 40) continue;  // another backend, or a continuation line
    std::string text = line.substr(at + marker.size());
    std::string stmt;
    if (text.rfind("LOG:  statement: ", 0) == 0) stmt = text.substr(17);
    else if (text.rfind("LOG:  execute ", 0) == 0) stmt = text.substr(text.find(": ", 14) + 2);
    else if (text.rfind("STATEMENT:  ", 0) == 0) stmt = text.substr(12);
    else continue;
    if (stmt == "RESET log_statement") continue;
    ++statements;
    EXPECT_EQ(first_lines.count(stmt), 1U) << "unexpected statement in the server log: " << stmt;
  }
  EXPECT_GT(statements, static_cast<int>(injection_corpus().size()));
  fs::remove_all(dir);
}

}  // namespace
