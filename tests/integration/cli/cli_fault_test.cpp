// The pgpx command under faults: endpoints that never answer, signals mid-statement, races
// and stale state of the local server (label fault).
#include "cli_support.hpp"
#include "support/tcp_proxy.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
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
      {"PGCONNECT_TIMEOUT with --url", {"--url", "postgresql://u@127.0.0.1:" + port + "/db"}, {{"PGCONNECT_TIMEOUT", "1"}}},
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

}  // namespace
