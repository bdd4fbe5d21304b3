// The pgpx command under faults: endpoints that never answer, signals mid-statement, races
// and stale state of the local server (label fault).
#include "cli_support.hpp"
#include "support/tcp_proxy.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using pgpx::test::cli::child;
using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;
using pgpx::test::cli::scaled;
using clock_type = std::chrono::steady_clock;

auto elapsed_since(clock_type::time_point t) -> std::chrono::milliseconds {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t);
}

// ---- connect_timeout ----------------------------------------------------------------------

// connect_timeout=1 in every form libpq users write it bounds the connect to a deaf endpoint
// (listens, never answers) to about a second, far below pgpx's 10 s default.
TEST(cli_connect_timeout, every_form_bounds_the_connect) {
  pgpx::test::deaf_listener deaf;
  const auto port = std::to_string(deaf.port());
  struct form {
    std::string name;
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;
  };
  const std::vector<form> forms = {
      {"URL query", {"--url", "postgresql://u@127.0.0.1:" + port + "/db?connect_timeout=1"}, {}},
      {"keyword", {"--url", "host=127.0.0.1 port=" + port + " user=u connect_timeout=1"}, {}},
      {"DATABASE_URL", {}, {{"DATABASE_URL", "postgresql://u@127.0.0.1:" + port + "/db?connect_timeout=1"}}},
      {"PGCONNECT_TIMEOUT with --url",
       {"--url", "postgresql://u@127.0.0.1:" + port + "/db"},
       {{"PGCONNECT_TIMEOUT", "1"}}},
      {"PGCONNECT_TIMEOUT with PGHOST",
       {},
       {{"PGHOST", "127.0.0.1"}, {"PGPORT", port}, {"PGUSER", "u"}, {"PGCONNECT_TIMEOUT", "1"}}},
  };
  for (const auto& f : forms) {
    auto args = f.args;
    args.insert(args.end(), {"query", "select 1"});
    const auto start = clock_type::now();
    const auto r = pgpx_run(args, std::filesystem::current_path(), f.env);
    const auto took = elapsed_since(start);
    EXPECT_EQ(r.code, 8) << f.name << ": " << r.err;
    EXPECT_GE(took, 900ms) << f.name;
    EXPECT_LT(took, scaled(3500ms)) << f.name << ": " << r.err;
    EXPECT_NE(r.err.find("timed out"), std::string::npos) << f.name << ": " << r.err;
  }
}

// The library itself: a connection string's connect_timeout caps connection_options'.
TEST(cli_connect_timeout, a_connection_string_keyword_caps_the_library_connect) {
  pgpx::test::deaf_listener deaf;
  const auto start = clock_type::now();
  EXPECT_THROW(pgpx::connection(pgpx::conninfo::parse("postgresql://u@127.0.0.1:" + std::to_string(deaf.port()) +
                                                      "/db?connect_timeout=1")),
               pgpx::broken_connection);
  const auto took = elapsed_since(start);
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, scaled(3000ms));
  // It caps, it does not lengthen: a shorter option wins.
  const auto start2 = clock_type::now();
  EXPECT_THROW(pgpx::connection(pgpx::conninfo::parse("host=127.0.0.1 port=" + std::to_string(deaf.port()) +
                                                      " user=u connect_timeout=30"),
                                {.connect_timeout = 300ms}),
               pgpx::broken_connection);
  EXPECT_LT(elapsed_since(start2), scaled(2000ms));
}

// ---- signals -------------------------------------------------------------------------------

class cli_signal_test : public pgpx::test::db_test {
 protected:
  // application_name holds 63 bytes: a short unique name.
  static auto short_name(const std::string& what) -> std::string {
    return "pgpx-" + what + "-" + std::to_string(::getpid());
  }

  // Starts `pgpx --url <this test's database, application_name=app> args...`, waits until the
  // server shows its pg_sleep running, sends `sig`, and checks: exit code 128 + sig (an exit,
  // not death by the signal), a message, and the statement no longer running on the server.
  void interrupt(const std::vector<std::string>& args, int sig, const std::string& app,
                 const std::filesystem::path& cwd = std::filesystem::current_path()) {
    std::vector<std::string> all = {"--url", conninfo().to_string() + " application_name=" + app};
    all.insert(all.end(), args.begin(), args.end());
    child c(all, cwd, {});
    const auto running = [&] {
      return cx().query_value<std::int64_t>(
          "select count(*) from pg_stat_activity where application_name = $1 and state = 'active' "
          "and query like '%pg_sleep%'",
          app);
    };
    const auto visible_by = clock_type::now() + scaled(20s);
    while (running() == 0) {
      ASSERT_LT(clock_type::now(), visible_by) << "the statement never showed up; stderr: " << c.err_so_far();
      if (auto early = c.wait(0ms)) FAIL() << "pgpx ended early (" << early->code << "): " << early->err;
      std::this_thread::sleep_for(20ms);
    }
    const auto sent = clock_type::now();
    c.signal(sig);
    const auto r = c.wait(scaled(8s));
    ASSERT_TRUE(r.has_value()) << "pgpx still runs after the signal";
    EXPECT_FALSE(r->signaled) << "pgpx died by the signal instead of exiting";
    EXPECT_EQ(r->code, 128 + sig) << r->err;
    EXPECT_NE(r->err.find("interrupted by"), std::string::npos) << r->err;
    EXPECT_EQ(r->out, "");
    // The statement ended on the server too (not left sleeping for a minute).
    const auto gone_by = sent + scaled(3s);
    while (running() != 0 && clock_type::now() < gone_by) std::this_thread::sleep_for(20ms);
    EXPECT_EQ(running(), 0) << "the statement still runs on the server after pgpx exited";
  }
};

TEST_F(cli_signal_test, sigint_cancels_the_statement_and_exits_130) {
  interrupt({"query", "select pg_sleep(60)"}, SIGINT, short_name("sigint"));
}

TEST_F(cli_signal_test, sigterm_cancels_the_statement_and_exits_143) {
  interrupt({"query", "select pg_sleep(60)"}, SIGTERM, short_name("sigterm"));
}

TEST_F(cli_signal_test, sighup_and_write_mode_too) {
  interrupt({"query", "--write", "select pg_sleep(60)"}, SIGHUP, short_name("sighup"));
  interrupt({"query", "--format", "json", "select pg_sleep(60)"}, SIGTERM, short_name("json"));
}

TEST_F(cli_signal_test, template_queries_are_cancelled_too) {
  const auto dir = std::filesystem::temp_directory_path() / ("pgpx-cli-sig-" + database_name());
  std::filesystem::create_directories(dir / "queries");
  std::ofstream(dir / "queries" / "slow.sql") << "select pg_sleep({{ seconds }})";
  interrupt({"query", "-d", (dir / "queries").string(), "-t", "slow", "--var", "seconds=60"}, SIGINT,
            short_name("tmpl"), dir);
  std::filesystem::remove_all(dir);
}

// ---- pgpx dev: races and stale state --------------------------------------------------------

// A fresh project directory, removed (and its server stopped) at the end.
class dev_project {
 public:
  explicit dev_project(const std::string& tag)
      : dir_(std::filesystem::temp_directory_path() / ("pgpx-cli-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  dev_project(const dev_project&) = delete;
  auto operator=(const dev_project&) -> dev_project& = delete;
  ~dev_project() {
    (void)pgpx_run({"dev", "down"}, dir_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  [[nodiscard]] auto dir() const -> const std::filesystem::path& { return dir_; }
  auto run(const std::vector<std::string>& args) const -> run_result { return pgpx_run(args, dir_); }
  auto status() const -> nlohmann::json {
    const auto r = run({"dev", "status", "--format", "json"});
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

 private:
  std::filesystem::path dir_;
};

// Postgres processes whose working directory is `data_dir` (the postmaster and its children).
auto servers_of(const std::string& data_dir) -> int {
  int n = 0;
  std::error_code ec;
  const auto want = std::filesystem::weakly_canonical(data_dir, ec);
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    std::error_code ec2;
    const auto exe = std::filesystem::read_symlink(e.path() / "exe", ec2);
    if (ec2 || exe.filename() != "postgres") continue;
    const auto cwd = std::filesystem::read_symlink(e.path() / "cwd", ec2);
    if (ec2 || cwd != want) continue;
    std::ifstream status(e.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("PPid:", 0) == 0 && std::atoi(line.c_str() + 5) == 1) ++n;  // the postmaster
  }
  return n;
}

TEST(cli_dev_race, concurrent_ups_in_a_fresh_directory_make_one_cluster) {
  dev_project p("race");
  {
    // Two `dev up` and a query that starts the server itself, all at once.
    child a({"dev", "up"}, p.dir(), {});
    child b({"dev", "up"}, p.dir(), {});
    child q({"query", "select 1 as x", "--format", "json"}, p.dir(), {});
    const auto ra = a.wait(scaled(180s));
    const auto rb = b.wait(scaled(180s));
    const auto rq = q.wait(scaled(180s));
    ASSERT_TRUE(ra && rb && rq);
    EXPECT_EQ(ra->code, 0) << ra->out << ra->err;
    EXPECT_EQ(rb->code, 0) << rb->out << rb->err;
    EXPECT_EQ(rq->code, 0) << rq->out << rq->err;
    EXPECT_EQ(nlohmann::json::parse(rq->out)[0]["x"], 1);
    const auto started = [](const run_result& r) { return r.out.find("PostgreSQL started") != std::string::npos; };
    const auto already = [](const run_result& r) { return r.out.find("already running") != std::string::npos; };
    // At most one of them started it (the query may have been first); the others found it running.
    EXPECT_LE(int(started(*ra)) + int(started(*rb)), 1) << ra->out << rb->out;
    EXPECT_TRUE(started(*ra) || already(*ra)) << ra->out;
    EXPECT_TRUE(started(*rb) || already(*rb)) << rb->out;
  }
  const auto st = p.status();
  ASSERT_EQ(st["running"], true);
  EXPECT_EQ(servers_of(st["data_dir"].get<std::string>()), 1);
  const auto r = p.run({"query", "select current_database() as db", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["db"], "app");
}

// A postmaster.pid left by a server that is gone, whose process id now belongs to an unrelated
// process: not reported as running, never signalled, and `dev up` recovers.
TEST(cli_dev_race, a_stale_pid_file_naming_an_unrelated_process) {
  dev_project p("stale");
  auto r = p.run({"dev", "up"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto data_dir = std::filesystem::path(p.status()["data_dir"].get<std::string>());
  const auto pid_file = data_dir / "postmaster.pid";
  std::string pid_text;
  {
    std::ifstream in(pid_file);
    std::stringstream ss;
    ss << in.rdbuf();
    pid_text = ss.str();
  }
  ASSERT_FALSE(pid_text.empty());
  r = p.run({"dev", "down"});
  ASSERT_EQ(r.code, 0) << r.err;

  // The unrelated process: a sleep of ours, alive for the whole test.
  const pid_t sleeper = ::fork();
  if (sleeper == 0) {
    ::execl("/bin/sleep", "sleep", "120", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(sleeper, 0);
  struct reaper {
    pid_t pid;
    ~reaper() {
      ::kill(pid, SIGKILL);
      int st = 0;
      ::waitpid(pid, &st, 0);
    }
  } reap{sleeper};
  const auto sleeper_alive = [&] {
    int st = 0;
    return ::waitpid(sleeper, &st, WNOHANG) == 0 && ::kill(sleeper, 0) == 0;
  };
  // The old file, as a crash leaves it, with the sleep's pid on its first line; the start
  // time is the old server's, as it would be.
  {
    std::ofstream out(pid_file, std::ios::trunc);
    out << sleeper << pid_text.substr(pid_text.find('\n'));
  }
  // Also the variant with a matching start time: the program and directory still tell.
  for (int variant = 0; variant < 2; ++variant) {
    if (variant == 1) {
      auto lines = pid_text.substr(pid_text.find('\n') + 1);
      const auto second_nl = lines.find('\n');
      const auto after_start = lines.find('\n', second_nl + 1);
      std::ofstream out(pid_file, std::ios::trunc);
      out << sleeper << "\n"
          << lines.substr(0, second_nl + 1)
          << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count()
          << lines.substr(after_start);
    }
    const auto st = p.status();
    EXPECT_EQ(st["running"], false) << "variant " << variant;
    EXPECT_EQ(st["pid"], 0);
    r = p.run({"dev", "status"});
    EXPECT_NE(r.out.find("not running"), std::string::npos) << r.out;
    r = p.run({"dev", "down"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("not running"), std::string::npos) << r.out;
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(sleeper_alive()) << "dev down signalled an unrelated process (variant " << variant << ")";
  }

  // dev up recovers: a real server, not the sleep.
  r = p.run({"dev", "up"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PostgreSQL started"), std::string::npos) << r.out;
  const auto st = p.status();
  EXPECT_EQ(st["running"], true);
  EXPECT_NE(st["pid"], sleeper);
  EXPECT_NE(st["pid"], 0);
  r = p.run({"query", "select 1 as x", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(sleeper_alive());
}

}  // namespace
