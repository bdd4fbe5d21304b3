// Runs the pgpx executable as a user would and checks its output and exit codes.
#include "cli_support.hpp"
#include "output.hpp"
#include "support/test_db.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;

class cli_test : public pgpx::test::db_test {
 protected:
  auto url() -> std::string { return conninfo().to_string(); }
  auto query(std::vector<std::string> args) -> run_result {
    return pgpx::test::cli::pgpx_query(url(), std::move(args));
  }
};

TEST_F(cli_test, json_output_follows_the_type_rules) {
  const auto r =
      query({"select 1::int2 as i2, 2::int4 as i4, 9007199254740993::int8 as i8, 1.5::float4 as f4, "
             "0.1::float8 as f8, 'NaN'::float8 as nan, 'Infinity'::float8 as inf, "
             "'-Infinity'::float8 as ninf, 123.4500::numeric as num, true as b, 'héllo'::text as t, "
             "'x'::varchar(3) as vc, 'ab'::char(4) as ch, '\\xdeadbeef'::bytea as by, "
             "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as u, '2024-02-29'::date as d, "
             "'13:45:06.789'::time as tm, '2024-02-29 13:45:06.5'::timestamp as ts, "
             "'2024-02-29 13:45:06+02'::timestamptz as tstz, "
             "'1 year 2 mons 3 days 04:05:06'::interval as iv, '{\"a\":[1,2]}'::json as j, "
             "'{\"b\":null}'::jsonb as jb, array[[1,2],[3,null]]::int4[] as arr, "
             "array['a b','\"q\"',null] as tarr, array['2024-01-01 00:00:00+00']::timestamptz[] as tsarr, "
             "'192.168.0.1/24'::inet as ip, point(1,2) as pt, null::text as nul",
             "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  const auto& o = j[0];
  EXPECT_EQ(o["i2"], 1);
  EXPECT_EQ(o["i8"].get<std::int64_t>(), 9007199254740993);
  EXPECT_EQ(o["f4"], 1.5);
  EXPECT_EQ(o["f8"], 0.1);
  EXPECT_EQ(o["nan"], "NaN");
  EXPECT_EQ(o["inf"], "Infinity");
  EXPECT_EQ(o["ninf"], "-Infinity");
  EXPECT_EQ(o["num"], "123.4500");
  EXPECT_EQ(o["b"], true);
  EXPECT_EQ(o["t"], "héllo");
  EXPECT_EQ(o["ch"], "ab  ");
  EXPECT_EQ(o["by"], "\\xdeadbeef");
  EXPECT_EQ(o["u"], "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(o["d"], "2024-02-29");
  EXPECT_EQ(o["tm"], "13:45:06.789");
  EXPECT_EQ(o["ts"], "2024-02-29T13:45:06.5");
  EXPECT_EQ(o["tstz"], "2024-02-29T11:45:06Z");
  EXPECT_EQ(o["iv"], "P1Y2M3DT4H5M6S");
  EXPECT_EQ(o["j"], nlohmann::json::parse(R"({"a":[1,2]})"));
  EXPECT_EQ(o["jb"], nlohmann::json::parse(R"({"b":null})"));
  EXPECT_EQ(o["arr"], nlohmann::json::parse("[[1,2],[3,null]]"));
  EXPECT_EQ(o["tarr"], nlohmann::json::parse(R"(["a b","\"q\"",null])"));
  EXPECT_EQ(o["tsarr"], nlohmann::json::parse(R"(["2024-01-01T00:00:00Z"])"));
  EXPECT_EQ(o["ip"], "192.168.0.1/24");
  EXPECT_EQ(o["pt"], "(1,2)");  // no codec: the text form
  EXPECT_TRUE(o["nul"].is_null());
  // Columns keep the query's order.
  EXPECT_LT(r.out.find("\"i2\""), r.out.find("\"nul\""));
}

TEST_F(cli_test, enum_arrays_and_empty_results) {
  cx().execute_script("create type mood as enum ('sad', 'ok', 'happy')");
  auto r = query({"select array['ok','happy']::mood[] as m, 'sad'::mood as one", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["m"], nlohmann::json::parse(R"(["ok","happy"])"));
  r = query({"select 1 where false", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::array());
}

TEST_F(cli_test, queries_are_read_only_unless_write_is_given) {
  cx().execute_script("create table t (a int)");
  auto r = query({"insert into t values (1)"});
  EXPECT_EQ(r.code, 9);
  EXPECT_NE(r.err.find("read-only"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--write"), std::string::npos) << r.err;
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 0);
  r = query({"insert into t values ($1), ($2)", "--param", "5", "-p", "6", "--write"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 2);
}

TEST_F(cli_test, parameters_are_bound_not_spliced) {
  cx().execute_script("create table t (s text)");
  const std::string payload = "'); drop table t; --";
  auto r = query({"insert into t values ($1)", "-p", payload, "--write"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cx().query_value<std::string>("select s from t"), payload);
}

TEST_F(cli_test, csv_ndjson_and_table_formats) {
  cx().execute_script("create table t (a int, s text); insert into t values (1, 'x,y'), (2, null), (3, 'say \"hi\"');");
  auto r = query({"select * from t order by a", "--format", "csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "a,s\r\n1,\"x,y\"\r\n2,\r\n3,\"say \"\"hi\"\"\"\r\n");
  r = query({"select * from t order by a", "--format", "ndjson"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["a"], ++n);
  }
  EXPECT_EQ(n, 3);
  r = query({"select * from t order by a"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(" a | s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(3 rows)"), std::string::npos) << r.out;
}

TEST_F(cli_test, errors_have_documented_exit_codes_and_no_secrets) {
  auto r = query({"selec 1"});
  EXPECT_EQ(r.code, 9);
  EXPECT_NE(r.err.find("SQLSTATE 42601"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("^"), std::string::npos) << r.err;

  r = pgpx_run({"--url", "postgresql://u:Sup3rS3cret@127.0.0.1:notaport/db", "query", "select 1"});
  EXPECT_EQ(r.code, 10);
  EXPECT_EQ(r.err.find("Sup3rS3cret"), std::string::npos) << r.err;

  r = pgpx_run({"--url", "postgresql://u:Sup3rS3cret@127.0.0.1:1/db", "query", "select 1"});
  EXPECT_EQ(r.code, 8);
  EXPECT_EQ(r.err.find("Sup3rS3cret"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Sup3rS3cret"), std::string::npos) << r.out;

  r = query({"select 'x'::int"});
  EXPECT_EQ(r.code, 9);
  r = pgpx_run({"no-such-command"});
  EXPECT_EQ(r.code, 2);
  r = query({});
  EXPECT_EQ(r.code, 2);
}

TEST_F(cli_test, every_command_has_help_with_examples) {
  for (std::vector<std::string> cmd : std::vector<std::vector<std::string>>{
           {"--help"}, {"query", "--help"}, {"dev", "--help"}, {"config", "--help"}, {"demo", "--help"}}) {
    const auto r = pgpx_run(cmd);
    EXPECT_EQ(r.code, 0) << cmd[0];
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << cmd[0] << ": " << r.out;
  }
  auto r = pgpx_run({"help", "dev"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("pgpx dev up"), std::string::npos) << r.out;
  r = pgpx_run({"help", "nope"});
  EXPECT_EQ(r.code, 2);
  r = pgpx_run({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("pgpx ", 0), 0u) << r.out;
}

TEST_F(cli_test, config_show_masks_secrets_from_every_source) {
  const fs::path dir = fs::temp_directory_path() / ("pgpx-cli-config-" + database_name());
  fs::create_directories(dir);
  std::ofstream(dir / "pgpx.toml") << "[env.development]\n"
                                      "url = \"postgresql://app:TomlS3cret@db.internal/app\"\n"
                                      "[env.production]\n"
                                      "host = \"prod.internal\"\n"
                                      "password = { env = \"PROD_DB_PASSWORD\" }\n";
  auto r = pgpx_run({"config", "show"}, dir);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("TomlS3cret"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("db.internal"), std::string::npos) << r.out;
  r = pgpx_run({"-e", "production", "config", "show"}, dir, {{"PROD_DB_PASSWORD", "EnvS3cret"}});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("EnvS3cret"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("prod.internal"), std::string::npos) << r.out;
  r = pgpx_run({"-e", "staging", "config", "show"}, dir);
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("staging"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("production"), std::string::npos) << r.err;
  r = pgpx_run({"config", "validate"}, dir);
  EXPECT_EQ(r.code, 0) << r.err;
  fs::remove_all(dir);
}

TEST_F(cli_test, precedence_url_flag_beats_environment_variables) {
  // DATABASE_URL points nowhere; --url wins.
  auto r = pgpx_run({"--url", url(), "query", "select current_database() as db", "--format", "json"},
                    fs::current_path(), {{"DATABASE_URL", "postgresql://x@127.0.0.1:1/nowhere"}});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["db"], database_name());
  // Without --url, PGPX_DATABASE_URL beats DATABASE_URL.
  r = pgpx_run({"query", "select current_database() as db", "--format", "json"}, fs::current_path(),
               {{"DATABASE_URL", "postgresql://x@127.0.0.1:1/nowhere"}, {"PGPX_DATABASE_URL", url()}});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["db"], database_name());
}

// The embedded default end to end: a fresh project directory, its own cluster.
TEST(cli_embedded, dev_up_status_query_demo_down_in_a_fresh_project) {
  const fs::path dir = fs::temp_directory_path() / ("pgpx-cli-project-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto r = pgpx_run({"dev", "status", "--format", "json"}, dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["running"], false);

  r = pgpx_run({"dev", "up"}, dir);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(dir / ".pgpx" / "url"));
  r = pgpx_run({"dev", "status", "--format", "json"}, dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["running"], true);

  // With no database configured, commands use the local server.
  r = pgpx_run({"query", "select current_database() as db", "--format", "json"}, dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["db"], "app");

  r = pgpx_run({"demo"}, dir);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Reading rows into structs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unique violation: yes"), std::string::npos) << r.out;

  r = pgpx_run({"dev", "reset"}, dir);  // no terminal and no --yes: refused
  EXPECT_EQ(r.code, 2);
  r = pgpx_run({"dev", "down"}, dir);
  EXPECT_EQ(r.code, 0) << r.err;
  r = pgpx_run({"dev", "status", "--format", "json"}, dir);
  EXPECT_EQ(nlohmann::json::parse(r.out)["running"], false);

  // A command on a stopped local server starts it again.
  r = pgpx_run({"query", "select 1 as x", "--format", "json"}, dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("starting"), std::string::npos) << r.err;
  r = pgpx_run({"-y", "dev", "reset"}, dir);
  EXPECT_EQ(r.code, 0) << r.err;
  r = pgpx_run({"dev", "down"}, dir);
  EXPECT_EQ(r.code, 0);
  fs::remove_all(dir);
}

}  // namespace

namespace {

// Issue 9 item 4: every column reaches the JSON formats, whatever the names.
TEST_F(cli_test, json_keeps_every_column_when_names_repeat) {
  auto r = query({"select 1 as a, 2 as a, 3 as a", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::ordered_json::parse(r.out)[0].dump(), R"({"a":1,"a_2":2,"a_3":3})");
  r = query({"select 1 as a, 2 as a, 3 as a", "--format", "ndjson"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"a\":1,\"a_2\":2,\"a_3\":3}\n");
  // A real column named like a suffix keeps its name; the duplicate takes the next free one.
  r = query({"select 1 as a, 2 as a, 3 as a_2", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::ordered_json::parse(r.out)[0].dump(), R"({"a":1,"a_3":2,"a_2":3})");
  // Table and CSV show the names as they are, every column.
  r = query({"select 1 as a, 2 as a, 3 as a", "--format", "csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "a,a,a\r\n1,2,3\r\n");
  r = query({"select 1 as a, 2 as a, 3 as a"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(" a | a | a"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 1 | 2 | 3"), std::string::npos) << r.out;
}

TEST_F(cli_test, json_keeps_both_sides_of_a_join) {
  cx().execute_script(
      "create table t1 (id int, v text, w int); create table t2 (id int, v text, w int);"
      "insert into t1 values (1, 'left', 10); insert into t2 values (1, 'right', 20);");
  for (const auto& [sql, expected] : std::vector<std::pair<std::string, std::string>>{
           {"select * from t1 join t2 on t1.id = t2.id",
            R"({"id":1,"v":"left","w":10,"id_2":1,"v_2":"right","w_2":20})"},
           {"select * from t1 join t2 using (id)", R"({"id":1,"v":"left","w":10,"v_2":"right","w_2":20})"},
           {"select t1.*, t2.*, t1.* from t1, t2",
            R"({"id":1,"v":"left","w":10,"id_2":1,"v_2":"right","w_2":20,"id_3":1,"v_3":"left","w_3":10})"},
           {"select 1, 2", R"({"?column?":1,"?column?_2":2})"}}) {
    for (const std::string format : {"json", "ndjson"}) {
      const auto r = query({sql, "--format", format});
      ASSERT_EQ(r.code, 0) << r.err;
      const auto j = nlohmann::ordered_json::parse(format == "json" ? r.out : r.out.substr(0, r.out.find('\n')));
      EXPECT_EQ((format == "json" ? j[0] : j).dump(), expected) << sql << " as " << format;
    }
  }
}

// The key rule over every list of up to five names drawn from names that collide with each
// other's suffixes: as many keys as columns, all distinct, each name kept at its first
// occurrence, and the same keys each time.
TEST(cli_json_keys, unique_complete_and_deterministic_for_every_name_list) {
  const std::vector<std::string> alphabet = {"a", "a_2", "a_3", "a_2_2", "b"};
  std::vector<std::size_t> idx;
  int lists = 0;
  for (std::size_t len = 1; len <= 5; ++len) {
    idx.assign(len, 0);
    for (;;) {
      std::vector<std::string> names;
      for (auto i : idx) names.push_back(alphabet[i]);
      const auto keys = pgpx::cli::json_keys(names);
      ++lists;
      ASSERT_EQ(keys.size(), names.size());
      EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());
      std::set<std::string> seen;
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (seen.insert(names[i]).second) EXPECT_EQ(keys[i], names[i]);
        else EXPECT_EQ(keys[i].rfind(names[i] + "_", 0), 0u);
      }
      EXPECT_EQ(pgpx::cli::json_keys(names), keys);
      std::size_t k = 0;
      while (k < len && ++idx[k] == alphabet.size()) idx[k++] = 0;
      if (k == len) break;
    }
  }
  EXPECT_EQ(lists, 5 + 25 + 125 + 625 + 3125);
}

}  // namespace

namespace {

// Issue 9 item 5: `-e NAME` without a pgpx.toml, as docs/configuration.md §3 says: accepted as
// a label when a connection is given, refused when the local server would silently be used.
TEST_F(cli_test, env_flag_without_a_config_file) {
  const fs::path dir = fs::temp_directory_path() / ("pgpx-cli-noconfig-" + database_name());
  fs::create_directories(dir);
  for (auto p = dir; p.has_relative_path(); p = p.parent_path())
    if (fs::exists(p / "pgpx.toml")) GTEST_SKIP() << "a pgpx.toml above " << dir;
  auto r = pgpx_run(
      {"-e", "production", "--url", url(), "query", "select current_database() as db", "--format", "json"}, dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["db"], database_name());
  r = pgpx_run({"-e", "production", "config", "show"}, dir, {{"DATABASE_URL", url()}});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("production (from --env)"), std::string::npos) << r.out;
  r = pgpx_run({"-e", "production", "query", "select 1"}, dir);
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("has no connection"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / ".pgpx")) << "the local server must not be started";
  fs::remove_all(dir);
}

// Issue 10 item 3: global flags are accepted after the command, as psql and sqlx accept them,
// at every depth of subcommand; an unknown flag is still refused.
TEST_F(cli_test, global_flags_are_accepted_after_the_command) {
  const fs::path dir = fs::temp_directory_path() / ("pgpx-cli-flags-" + database_name());
  fs::create_directories(dir);
  // --url after the command, -e and --log-format after it too.
  auto r =
      pgpx_run({"query", "select current_database() as db", "--format", "json", "--url", url(), "-e", "staging"}, dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["db"], database_name());
  // Mixed: one before, one after; -vvv after the command logs every statement.
  r = pgpx_run({"--log-format", "json", "query", "select 1 as one", "--url", url(), "-vvv"}, dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("\"level\""), std::string::npos) << r.err;  // JSON log lines on stderr
  // Two levels deep: config show -e NAME --url URL.
  r = pgpx_run({"config", "show", "-e", "production", "--url", url()}, dir);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("production (from --env)"), std::string::npos) << r.out;
  // An unknown flag after the command is still a usage error.
  r = pgpx_run({"query", "select 1", "--url", url(), "--no-such-flag"}, dir);
  EXPECT_EQ(r.code, 2) << r.err;
  fs::remove_all(dir);
}

// Issue 10 item 3: `pgpx completion bash|zsh|fish` knows every command and flag. What the
// script must offer is read from `pgpx help <command>` (CLI11's own listing), not from the
// generator: for every command path, completing after it offers each subcommand and flag.
auto help_section(const std::string& help, const std::string& title) -> std::vector<std::string> {
  std::vector<std::string> lines;
  std::istringstream in(help);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == title + ":") {
      inside = true;
      continue;
    }
    if (inside && (line.empty() || line[0] != ' ')) break;
    if (inside) lines.push_back(line);
  }
  return lines;
}

auto bash_complete(const std::string& script, const std::vector<std::string>& words) -> std::string {
  const fs::path file = fs::temp_directory_path() / ("pgpx-completion-" + std::to_string(::getpid()) + ".bash");
  { std::ofstream(file) << script; }
  std::string arr = "pgpx";
  for (const auto& w : words) arr += " '" + w + "'";
  const std::string cmd = "bash -c 'source " + file.string() + "; COMP_WORDS=(" + arr +
                          " \"\"); COMP_CWORD=" + std::to_string(words.size() + 1) +
                          "; _pgpx; printf \"%s\\n\" \"${COMPREPLY[@]}\"'";
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (auto n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
    ::pclose(f);
  }
  fs::remove(file);
  return "\n" + out;
}

TEST(cli_completion, scripts_know_every_command_and_flag_that_help_lists) {
  const auto bash = pgpx_run({"completion", "bash"});
  ASSERT_EQ(bash.code, 0) << bash.err;
  {  // the script is valid bash
    const fs::path file = fs::temp_directory_path() / ("pgpx-completion-syntax-" + std::to_string(::getpid()));
    { std::ofstream(file) << bash.out; }
    EXPECT_EQ(std::system(("bash -n " + file.string()).c_str()), 0);
    fs::remove(file);
  }
  std::vector<std::vector<std::string>> paths = {{}};
  std::size_t checked_words = 0;
  for (std::size_t k = 0; k < paths.size(); ++k) {
    const auto path = paths[k];
    std::vector<std::string> help_args = {"help"};
    help_args.insert(help_args.end(), path.begin(), path.end());
    const auto help = pgpx_run(help_args);
    ASSERT_EQ(help.code, 0) << help.err;
    const auto offered = bash_complete(bash.out, path);
    std::string where;
    for (const auto& p : path) where += " " + p;
    for (const auto& line : help_section(help.out, "Subcommands")) {
      std::istringstream words(line);
      std::string name;
      words >> name;
      EXPECT_NE(offered.find("\n" + name + "\n"), std::string::npos) << "pgpx" << where << ": " << name << offered;
      ++checked_words;
      auto next = path;
      next.push_back(name);
      if (name != "help" && name != "completion") paths.push_back(next);
    }
    for (const auto& line : help_section(help.out, "Options")) {
      std::istringstream words(line);
      std::string names;
      words >> names;  // "-f,--file" or "--write"
      std::istringstream parts(names);
      for (std::string n; std::getline(parts, n, ',');) {
        if (n.empty() || n[0] != '-') continue;
        EXPECT_NE(offered.find("\n" + n + "\n"), std::string::npos) << "pgpx" << where << ": " << n << offered;
        ++checked_words;
      }
    }
  }
  EXPECT_GE(paths.size(), 10u);       // pgpx, dev and its five verbs, config and its two, template...
  EXPECT_GE(checked_words, 60u);      // every subcommand and flag seen in the help
  // Global flags are offered after a command too (they are accepted there).
  EXPECT_NE(bash_complete(bash.out, {"query"}).find("\n--url\n"), std::string::npos);
  // zsh runs the same function through bashcompinit; fish gets its own complete lines.
  const auto zsh = pgpx_run({"completion", "zsh"});
  EXPECT_EQ(zsh.code, 0);
  EXPECT_NE(zsh.out.find("bashcompinit"), std::string::npos);
  EXPECT_NE(zsh.out.find("complete -F _pgpx pgpx"), std::string::npos);
  const auto fish = pgpx_run({"completion", "fish"});
  EXPECT_EQ(fish.code, 0);
  for (const char* line : {"-a dev", "-a up", "-a query", "-l url", "-l format", "-l write", "-a completion"})
    EXPECT_NE(fish.out.find(line), std::string::npos) << line;
  EXPECT_EQ(pgpx_run({"completion", "tcsh"}).code, 2);
}

}  // namespace
