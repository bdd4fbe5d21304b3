// `pgpx seed create|run` through the real pgpx executable: files, records in
// pgpx.seed_runs, skip when unchanged, re-run on edit, on other variables, --force, --reset,
// --dry-run, a failing seed that leaves nothing behind, environment scoping, the protected
// refusal, and variables that arrive verbatim as bound parameters.
#include "integration/cli/cli_project.hpp"

#include <pgpx/core/executor.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

namespace fs = std::filesystem;

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;
using pgpx::test::cli::slurp_file;

using pgpx::test::cli::contains;

class cli_seed : public pgpx::test::cli::project_test {
 protected:
  void SetUp() override {
    project_test::SetUp();
    fs::create_directories(project_ / "seeds");
    std::ofstream(project_ / "pgpx.toml") << "[env.dev]\n[env.ci]\n[env.prod]\nprotected = true\n";
    cx().execute_script("create table t (x text)");
  }
  void seed(const std::string& file, const std::string& text) {
    std::ofstream(project_ / "seeds" / file, std::ios::trunc) << text;
  }
  auto rows() -> std::vector<std::string> {
    return cx().query<std::string>("select x from t order by x collate \"C\"");
  }
  auto records() -> std::vector<std::tuple<std::string, std::string>> {
    if (!cx().query_value<bool>("select to_regclass('pgpx.seed_runs') is not null")) return {};
    return cx().query<std::tuple<std::string, std::string>>("select name, checksum from pgpx.seed_runs order by name");
  }
  auto record_names() -> std::vector<std::string> {
    std::vector<std::string> v;
    for (const auto& [n, c] : records()) v.push_back(n);
    return v;
  }
};

TEST_F(cli_seed, create_writes_a_template_that_runs) {
  auto r = pgpx({"seed", "create", "demo_users"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto file = project_ / "seeds" / "demo_users.sql.j2";
  ASSERT_TRUE(fs::exists(file));
  EXPECT_TRUE(contains(r.out, file.string())) << r.out;
  EXPECT_EQ(pgpx({"seed", "create", "demo_users"}).code, 2);  // exists: not overwritten
  EXPECT_EQ(pgpx({"seed", "create", "Bad-Name"}).code, 2);
  EXPECT_FALSE(fs::exists(project_ / "seeds" / "Bad-Name.sql.j2"));
  ASSERT_EQ(pgpx({"seed", "create", "only_dev", "--env", "dev"}).code, 0);
  EXPECT_EQ(slurp_file(project_ / "seeds" / "only_dev.sql.j2").rfind("-- pgpx: env=dev\n", 0), 0u);
  // The skeleton is a valid seed: it runs (and does nothing) and is recorded.
  r = pgpx({"seed", "run", "demo_users"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(record_names(), (std::vector<std::string>{"demo_users"}));
}

TEST_F(cli_seed, run_records_skips_unchanged_and_runs_again_on_edit_force_and_reset) {
  seed("a.sql", "insert into t values ('a1');\ninsert into t values ('a2');\n");
  seed("b.sql.j2", "insert into t values ({{ v }});\n");
  auto r = pgpx({"seed", "run", "--var", "v=b1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "applied a\napplied b\n")) << r.out;  // in name order
  EXPECT_EQ(rows(), (std::vector<std::string>{"a1", "a2", "b1"}));
  const auto first = records();
  ASSERT_EQ(first.size(), 2u);
  // Unchanged: skipped.
  r = pgpx({"seed", "run", "--var", "v=b1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "skipped a (unchanged)")) << r.out;
  EXPECT_TRUE(contains(r.out, "skipped b (unchanged)")) << r.out;
  EXPECT_EQ(rows().size(), 3u);
  EXPECT_EQ(records(), first);
  // An edit runs that seed again, and only it.
  seed("a.sql", "insert into t values ('a3');\n");
  r = pgpx({"seed", "run", "--var", "v=b1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "applied a\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "skipped b (unchanged)")) << r.out;
  EXPECT_EQ(rows(), (std::vector<std::string>{"a1", "a2", "a3", "b1"}));
  EXPECT_NE(std::get<1>(records().at(0)), std::get<1>(first.at(0)));
  // Another value of a variable is another content.
  r = pgpx({"seed", "run", "b", "--var", "v=b2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(rows(), (std::vector<std::string>{"a1", "a2", "a3", "b1", "b2"}));
  // --force runs an unchanged seed.
  r = pgpx({"seed", "run", "a", "--force"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(rows().size(), 6u);
  // --dry-run prints and changes nothing.
  seed("a.sql", "insert into t values ('a4');\n");
  r = pgpx({"seed", "run", "--dry-run", "--var", "v=b2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "insert into t values ('a4')")) << r.out;
  EXPECT_TRUE(contains(r.out, "-- skip b (unchanged)")) << r.out;
  EXPECT_EQ(rows().size(), 6u);
  // --reset NAME forgets that record only; --reset alone forgets them all.
  r = pgpx({"seed", "run", "b", "--reset", "--var", "v=b2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(rows().size(), 7u);
  r = pgpx({"seed", "run", "--reset", "--var", "v=b3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "applied a\napplied b\n")) << r.out;
  EXPECT_EQ(rows().size(), 9u);
  EXPECT_EQ(pgpx({"seed", "run", "nope"}).code, 2);
}

TEST_F(cli_seed, two_concurrent_runs_apply_a_seed_once) {
  seed("slow.sql", "select pg_sleep(1);\ninsert into t values ('once');\n");
  std::vector<std::string> args = {"--url", conninfo().to_string(), "seed", "run"};
  pgpx::test::cli::child one(args, project_, {});
  pgpx::test::cli::child two(args, project_, {});
  const auto a = one.wait(pgpx::test::cli::scaled(std::chrono::seconds(60)));
  const auto b = two.wait(pgpx::test::cli::scaled(std::chrono::seconds(60)));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->code, 0) << a->err;
  EXPECT_EQ(b->code, 0) << b->err;
  EXPECT_EQ(rows(), (std::vector<std::string>{"once"}));
  EXPECT_EQ(contains(a->out, "applied slow") + contains(b->out, "applied slow"), 1) << a->out << b->out;
  EXPECT_TRUE(contains(a->out + b->out, "skipped slow (unchanged)")) << a->out << b->out;
  EXPECT_EQ(record_names(), (std::vector<std::string>{"slow"}));
}

TEST_F(cli_seed, a_failing_seed_leaves_no_rows_and_no_record) {
  seed("a_ok.sql", "insert into t values ('ok');\n");
  seed("b_bad.sql", "insert into t values ('bad1');\ninsert into missing_table values (1);\n");
  seed("c_after.sql", "insert into t values ('after');\n");
  const auto r = pgpx({"seed", "run"});
  EXPECT_EQ(r.code, 9) << r.err;
  EXPECT_TRUE(contains(r.err, "b_bad.sql")) << r.err;
  EXPECT_TRUE(contains(r.err, "missing_table")) << r.err;
  EXPECT_EQ(rows(), (std::vector<std::string>{"ok"}));  // the run stopped; a_ok committed before
  EXPECT_EQ(record_names(), (std::vector<std::string>{"a_ok"}));
  // A template error is bad input (10), and nothing runs.
  seed("b_bad.sql", "insert into t values ({{ undefined_thing | nosuchfilter }});\n");
  EXPECT_EQ(pgpx({"seed", "run", "b_bad"}).code, 10);
  EXPECT_EQ(record_names(), (std::vector<std::string>{"a_ok"}));
}

TEST_F(cli_seed, env_scoped_seeds_run_only_there_and_protected_envs_run_none) {
  seed("dev_only.sql", "-- pgpx: env=dev\ninsert into t values ('dev');\n");
  seed("prod_ok.sql", "-- pgpx: env=prod,dev\ninsert into t values ('prod');\n");
  seed("plain.sql", "insert into t values ('plain');\n");
  auto r = pgpx({"-e", "ci", "seed", "run"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "skipped dev_only (env")) << r.out;
  EXPECT_EQ(rows(), (std::vector<std::string>{"plain"}));
  // Protected: no seed runs there, scoped to it or not, before anything runs.
  for (const std::vector<std::string>& args : {std::vector<std::string>{"-e", "prod", "seed", "run"},
                                               {"-e", "prod", "seed", "run", "plain", "--force"},
                                               {"-e", "prod", "seed", "run", "prod_ok"}}) {
    r = pgpx(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "protected")) << r.err;
    EXPECT_EQ(rows(), (std::vector<std::string>{"plain"}));
  }
  r = pgpx({"seed", "run", "--env", "dev"});  // the global flag, after the command
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(rows(), (std::vector<std::string>{"dev", "plain", "prod"}));  // plain is recorded, unchanged
}

TEST_F(cli_seed, variables_arrive_verbatim_as_bound_parameters_across_statements) {
  const std::string evil = "it's \"quoted\" $1 ; drop table t; -- {{ x }}";
  seed("v.sql.j2",
       "insert into t values ({{ a }});\n"
       "insert into t values ('$1 literal'), ({{ b }});\n"
       "insert into t select {{ a }} || '-again';\n"
       "-- $7 in a comment\n"
       "do $body$ begin insert into t values ('$1 in a dollar quote'); end $body$;\n"
       "insert into t values (E'\\' $2 escaped' /* $3 */), ($$ $4 $$);\n"
       "insert into t select \"$9 col\" || '-q' from (select {{ b }}::text as \"$9 col\") q;\n");
  const auto r = pgpx({"seed", "run", "--var", "a=" + evil, "--var", "b=second"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<std::string> want = {" $4 ", "$1 in a dollar quote", "$1 literal", "' $2 escaped",
                                   evil,   evil + "-again",        "second",     "second-q"};
  std::sort(want.begin(), want.end());  // byte order, as collate "C"
  EXPECT_EQ(rows(), want);
}

}  // namespace
