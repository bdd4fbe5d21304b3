#include "config_test_support.hpp"
#include "support/time_factor.hpp"

#include <pgpx/config/secrets.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

namespace {

using namespace std::chrono_literals;
using pgpx::secret;
using pgpx::secret_source;
using pgpx::test::fake_env;
using pgpx::test::temp_dir;
using testing::HasSubstr;
using testing::Not;

auto sh(const std::string& script, std::chrono::milliseconds timeout = pgpx::default_secret_command_timeout)
    -> secret_source {
  return secret_source::from_command({"/bin/sh", "-c", script}, timeout);
}

auto failure_text(const secret_source& src, const pgpx::secret_context& ctx = {}) -> std::string {
  auto r = pgpx::try_resolve_secret(src, ctx);
  if (r) {
    ADD_FAILURE() << "expected a failure";
    return {};
  }
  EXPECT_EQ(r.diag().kind, pgpx::error_kind::config);
  return r.diag().to_string();
}

TEST(secret, PrintsMasked) {
  const secret s("hunter2");
  EXPECT_EQ(s.reveal(), "hunter2");
  EXPECT_EQ(s.to_string(), "********");
  EXPECT_EQ(pgpx::to_string(s), "********");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "********");
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(secret().empty());
}

TEST(secret, CopiesAndMoves) {
  secret a("a-rather-long-password-beyond-small-string-size");
  secret b = a;
  EXPECT_EQ(a, b);
  secret c = std::move(a);
  EXPECT_EQ(c.reveal(), "a-rather-long-password-beyond-small-string-size");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from secrets are wiped and empty
  secret d("short");
  d = std::move(c);
  EXPECT_EQ(d, b);
  d = secret("x");
  EXPECT_EQ(d.reveal(), "x");
}

TEST(secret_source, DescribeNeverShowsValuesOrArguments) {
  EXPECT_EQ(secret_source::from_literal("pw").describe(), "literal");
  EXPECT_EQ(secret_source::from_env("DB_PASSWORD").describe(), "env DB_PASSWORD");
  EXPECT_EQ(secret_source::from_file("/run/secrets/db").describe(), "file /run/secrets/db");
  const auto cmd = secret_source::from_command({"vault", "kv", "get", "-field=password", "secret/db"}, 5s);
  EXPECT_EQ(cmd.describe(), "command vault (+4 arguments, timeout 5s)");
  EXPECT_EQ(secret_source::from_command({"pass"}).describe(), "command pass (timeout 10s)");
  EXPECT_EQ(pgpx::to_string(pgpx::secret_provider::command), "command");
}

TEST(secret_source, CheckFindsMalformedSources) {
  EXPECT_TRUE(secret_source::from_env("DB_PASSWORD").check().empty());
  EXPECT_FALSE(secret_source::from_env("").check().empty());
  EXPECT_FALSE(secret_source::from_env("DB-PASSWORD").check().empty());
  EXPECT_FALSE(secret_source::from_env("1X").check().empty());
  EXPECT_FALSE(secret_source::from_file("").check().empty());
  EXPECT_FALSE(secret_source::from_command({}).check().empty());
  EXPECT_FALSE(secret_source::from_command({""}).check().empty());
  EXPECT_FALSE(secret_source::from_command({"x"}, 0ms).check().empty());
  EXPECT_TRUE(secret_source::from_command({"x"}).check().empty());
  EXPECT_TRUE(pgpx::is_valid_env_name("_A1"));
  EXPECT_FALSE(pgpx::is_valid_env_name("A B"));
}

TEST(secret_source, FromEnvironment) {
  fake_env env;
  env.set("DB_PASSWORD", "envS3cret").set("EMPTY", "");
  const pgpx::secret_context ctx{env.function(), {}};
  EXPECT_EQ(pgpx::resolve_secret(secret_source::from_env("DB_PASSWORD"), ctx).reveal(), "envS3cret");
  EXPECT_THAT(failure_text(secret_source::from_env("MISSING"), ctx),
              HasSubstr("environment variable MISSING is not set"));
  EXPECT_THAT(failure_text(secret_source::from_env("EMPTY"), ctx), HasSubstr("environment variable EMPTY is empty"));
  EXPECT_THROW((void)pgpx::resolve_secret(secret_source::from_env("MISSING"), ctx), pgpx::config_error);
}

TEST(secret_source, Literal) { EXPECT_EQ(pgpx::resolve_secret(secret_source::from_literal("lit")).reveal(), "lit"); }

TEST(secret_source, FromFile) {
  temp_dir dir;
  dir.write("lf", "fileS3cret\n");
  dir.write("crlf", "fileS3cret\r\n");
  dir.write("inner", "  two words \n");
  dir.write("empty", "\n");
  const pgpx::secret_context ctx{pgpx::process_getenv, dir.path()};
  EXPECT_EQ(pgpx::resolve_secret(secret_source::from_file("lf"), ctx).reveal(), "fileS3cret");
  EXPECT_EQ(pgpx::resolve_secret(secret_source::from_file("crlf"), ctx).reveal(), "fileS3cret");
  EXPECT_EQ(pgpx::resolve_secret(secret_source::from_file(dir.path() / "inner")).reveal(), "  two words ");

  auto msg = failure_text(secret_source::from_file("missing"), ctx);
  EXPECT_THAT(msg, HasSubstr((dir.path() / "missing").string()));
  EXPECT_THAT(msg, HasSubstr("No such file or directory"));
  msg = failure_text(secret_source::from_file("empty"), ctx);
  EXPECT_THAT(msg, HasSubstr("is empty"));
  msg = failure_text(secret_source::from_file(dir.path()), ctx);
  EXPECT_THAT(msg, HasSubstr("directory"));
}

TEST(secret_source, FromCommand) {
  EXPECT_EQ(pgpx::resolve_secret(sh("echo s3cret")).reveal(), "s3cret");
  EXPECT_EQ(pgpx::resolve_secret(sh("printf '  padded\\n\\n'")).reveal(), "padded");
  // No shell is involved: arguments reach the program unchanged.
  EXPECT_EQ(pgpx::resolve_secret(secret_source::from_command({"printf", "%s", "a b;$(echo c)"})).reveal(),
            "a b;$(echo c)");
  // stdin is /dev/null: a command that reads it sees end of file at once.
  EXPECT_EQ(pgpx::resolve_secret(sh("cat; echo done")).reveal(), "done");
}

TEST(secret_source, CommandExitStatusWithoutOutput) {
  const auto msg = failure_text(sh("echo s3cretOnStdout; echo 'vault: token expired' >&2; exit 3"));
  EXPECT_THAT(msg, HasSubstr("secret command \"/bin/sh\" exited with status 3"));
  EXPECT_THAT(msg, HasSubstr("vault: token expired"));
  EXPECT_THAT(msg, Not(HasSubstr("s3cretOnStdout")));
}

TEST(secret_source, CommandStderrIsMaskedAndRedacted) {
  auto msg = failure_text(sh("echo s3cretEcho; echo got s3cretEcho >&2; exit 1"));
  EXPECT_THAT(msg, Not(HasSubstr("s3cretEcho")));
  EXPECT_THAT(msg, HasSubstr("got ********"));
  msg = failure_text(sh("echo 'connect failed: password=Hidden123 host=x' >&2; exit 1"));
  EXPECT_THAT(msg, Not(HasSubstr("Hidden123")));
  msg = failure_text(sh("echo 'postgresql://u:UrlPw987@h/db refused' >&2; exit 1"));
  EXPECT_THAT(msg, Not(HasSubstr("UrlPw987")));
  // Long stderr is capped.
  msg = failure_text(sh("i=0; while [ $i -lt 200 ]; do printf 'abcdefghij' >&2; i=$((i+1)); done; exit 1"));
  EXPECT_LT(msg.size(), 500U);
}

TEST(secret_source, CommandTimeoutKillsTheProcessGroup) {
  temp_dir dir;
  const auto pid_file = dir.path() / "pid";
  const auto start = std::chrono::steady_clock::now();
  const auto msg = failure_text(sh("sleep 30 & echo $! > '" + pid_file.string() + "'; wait", 300ms));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_THAT(msg, HasSubstr("secret command \"/bin/sh\" did not finish within 300ms and was killed"));
  EXPECT_LT(elapsed, pgpx::test::budget(5s));
  // The background sleep was in the command's process group: it is gone (or a zombie).
  std::ifstream in(pid_file);
  int pid = 0;
  in >> pid;
  ASSERT_GT(pid, 0);
  const bool dead = pgpx::test::eventually(
      [&] {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        std::getline(stat, line);
        const auto close = line.rfind(')');
        return !stat.good() || line.empty() ||
               (close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z');
      },
      1s, 10ms);
  EXPECT_TRUE(dead) << "pid " << pid << " survived";
}

TEST(secret_source, CommandFailures) {
  EXPECT_THAT(failure_text(secret_source::from_command({"/nonexistent/pgpx-no-such-program"})),
              HasSubstr("could not be started: No such file or directory"));
  EXPECT_THAT(failure_text(sh("kill -9 $$")), HasSubstr("terminated by signal 9"));
  EXPECT_THAT(failure_text(sh("true")), HasSubstr("printed nothing"));
  EXPECT_THAT(failure_text(secret_source::from_command({})), HasSubstr("empty"));
}

}  // namespace
