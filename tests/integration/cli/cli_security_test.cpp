// No message of the pgpx command contains a password: whatever the mistake on the command line
// (mistyped flag, extra positional argument, bad value, broken URL), whatever the form of the
// connection string (URL, --url=URL, keyword/value, password in the query string, encoded).
#include "cli_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using pgpx::test::cli::pgpx_run;
using pgpx::test::cli::run_result;

// Secrets unlikely to appear by chance, in every form they can take.
const std::vector<std::string> secrets = {"Sup3rS3cretPw", "Enc0ded@Pw", "Enc0ded%40Pw", "Sla/shPw9", "Qu0ted Pw"};

auto leaks(const run_result& r) -> std::string {
  for (const auto& s : secrets) {
    if (r.out.find(s) != std::string::npos) return "stdout shows \"" + s + "\":\n" + r.out;
    if (r.err.find(s) != std::string::npos) return "stderr shows \"" + s + "\":\n" + r.err;
  }
  return {};
}

// The ways a connection string with a password reaches the command line: {flag and value}.
const std::vector<std::vector<std::string>> url_forms = {
    {"--url", "postgresql://u:Sup3rS3cretPw@127.0.0.1:1/db"},
    {"--url=postgresql://u:Sup3rS3cretPw@127.0.0.1:1/db"},
    {"--url", "postgres://u:Sup3rS3cretPw@127.0.0.1:notaport/db"},  // libpq rejects it
    {"--url", "postgresql://u:Enc0ded%40Pw@127.0.0.1:1/db"},
    {"--url", "postgresql://u:Sla/shPw9@127.0.0.1:1/db"},           // not even a valid userinfo
    {"--url", "postgresql://127.0.0.1:1/db?user=u&password=Sup3rS3cretPw"},
    {"--url", "host=127.0.0.1 port=1 user=u password=Sup3rS3cretPw"},
    {"--url", "host=127.0.0.1 port=1 password = 'Qu0ted Pw' user=u"},
    {"--url=host=127.0.0.1 port=1 password=Sup3rS3cretPw"},
    {"--url", "host=127.0.0.1 port=1 password=Sup3rS3cretPw sslmode=bogus"},  // invalid value
    {"--url", "host=127.0.0.1 password=Sup3rS3cretPw nosuchkeyword=1"},       // unknown keyword
};

// Mistakes around it; "@" stands for the connection-string arguments, "#" for the connection
// string alone.
const std::vector<std::vector<std::string>> mistakes = {
    {"@", "query", "select 1"},                         // connection refused / invalid URL
    {"@", "config", "show"},
    {"@", "config", "show", "--format", "json"},        // the rows as JSON on stdout
    {"@", "query", "select 1", "--format", "json"},     // the error object on stdout too
    {"@", "migrate", "status", "--format", "json"},
    {"@"},                                              // no command
    {"@", "--bogus", "query", "select 1"},              // unknown global flag
    {"@", "query", "select 1", "extra"},                // extra positional
    {"@", "query", "--formt", "json", "select 1"},      // mistyped flag of a command
    {"@", "query", "--format", "xml", "select 1"},      // value not allowed
    {"@", "no-such-command"},
    {"@", "help", "nope"},
    {"@", "query", "--help"},
    {"@", "dev", "nope"},
    {"--log-format", "#", "query", "select 1"},         // the string as another flag's value
    {"-e", "#", "config", "show"},
    {"-c", "#", "config", "show"},
    {"query", "select 1", "#"},                         // as positionals of a command
    {"help", "#"},
    {"--ulr", "#", "query", "select 1"},                // mistyped --url: the value floats free
};

TEST(cli_secrets, no_message_contains_a_password_whatever_the_mistake) {
  int runs = 0;
  for (const auto& form : url_forms) {
    for (const auto& mistake : mistakes) {
      std::vector<std::string> args;
      for (const auto& a : mistake) {
        if (a == "@") {
          args.insert(args.end(), form.begin(), form.end());
        } else if (a == "#") {
          const auto& last = form.back();
          args.push_back(last.rfind("--url=", 0) == 0 ? last.substr(6) : last);
        } else {
          args.push_back(a);
        }
      }
      const auto r = pgpx_run(args);
      ++runs;
      std::string shown;
      for (const auto& a : args) shown += " '" + a + "'";
      EXPECT_EQ(leaks(r), "") << "pgpx" << shown << " (exit " << r.code << ")";
      EXPECT_NE(r.out + r.err, "") << "pgpx" << shown << " printed nothing";
    }
  }
  EXPECT_EQ(runs, static_cast<int>(url_forms.size() * mistakes.size()));
}

TEST(cli_secrets, environment_connection_strings_are_masked_too) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"DATABASE_URL", "postgresql://u:Sup3rS3cretPw@127.0.0.1:notaport/db"},
           {"PGPX_DATABASE_URL", "postgresql://u:Sla/shPw9@127.0.0.1:1/db"},
           {"DATABASE_URL", "host=127.0.0.1 port=1 password=Sup3rS3cretPw sslmode=bogus"}}) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"query", "select 1"}, {"config", "show"}, {"config", "validate"}, {"query", "--bogus"}}) {
      const auto r = pgpx_run(args, std::filesystem::current_path(), {{name, value}});
      EXPECT_EQ(leaks(r), "") << name << " with " << args[0];
    }
  }
}

// The filter itself: a mistyped flag right before the URL is echoed by CLI11 ("The following
// argument was not expected"); the URL must still be recognisable, only the password masked.
TEST(cli_secrets, the_message_keeps_everything_but_the_password) {
  const auto r = pgpx_run({"query", "select 1", "postgresql://u:Sup3rS3cretPw@db.example/app"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(leaks(r), "");
  EXPECT_NE(r.err.find("db.example/app"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("********"), std::string::npos) << r.err;
}

}  // namespace
