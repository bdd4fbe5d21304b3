// The pgpx command under faults: endpoints that never answer, signals mid-statement, races
// and stale state of the local server (label fault).
#include "cli_support.hpp"
#include "support/tcp_proxy.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>

#include <gtest/gtest.h>

#include <chrono>
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

}  // namespace
