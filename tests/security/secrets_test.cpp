// No secret in any error or log line: a statement that carries a password or any other
// literal, however it spells it, fails with an error whose texts and statement excerpt hold
// no literal (and whose caret still points at the right token), and the CLI's -vvv query log
// shows it masked in text and JSON. Issue 9, item 3.
#include "integration/cli/cli_support.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/identifier.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

constexpr std::string_view secret = "Sup3rS3cret";

// Every spelling of the secret as a literal.
auto spellings() -> std::vector<std::string> {
  const std::string s(secret);
  return {"'" + s + "'",   "E'" + s + "'",      "e'" + s + "\\''", "U&'" + s + "'",
          "$$" + s + "$$", "$pw$" + s + "$pw$", "'" + s + "''x'",  "N'" + s + "'"};
}

class secrets_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    role_ = database_name() + "_role";
    cx().execute_script("create role " + pgpx::quote_identifier(role_));
  }
  void TearDown() override {
    cx().execute_script("drop role if exists " + pgpx::quote_identifier(role_));
    db_test::TearDown();
  }

  // Runs `sql` through the prepared and the simple path; every error text, statement and
  // caret must be free of the secret, and the caret must land on `at_token` when given.
  void expect_masked_failure(const std::string& sql, std::string_view at_token = {}) {
    SCOPED_TRACE(sql);
    for (int path = 0; path < 2; ++path) {
      try {
        if (path == 0) cx().execute(sql);
        else cx().execute_script(sql);
        ADD_FAILURE() << "the statement did not fail";
      } catch (const pgpx::error& e) {
        const auto& i = e.info();
        const std::string all =
            std::string(e.what()) + "|" + e.message() + "|" + i.detail + "|" + i.hint + "|" + i.statement;
        EXPECT_EQ(all.find(secret), std::string::npos) << all;
        EXPECT_EQ(all.find("3cret"), std::string::npos) << all;
        EXPECT_TRUE(cx().is_open());
        if (!at_token.empty()) {
          ASSERT_GT(i.position, 0) << all;
          EXPECT_EQ(i.statement.substr(static_cast<std::size_t>(i.position - 1), at_token.size()), at_token) << all;
        }
      }
    }
  }
  std::string role_;
};

TEST_F(secrets_test, server_errors_never_show_a_literal_in_any_spelling) {
  const auto r = pgpx::quote_identifier(role_);
  for (const auto& lit : spellings()) {
    expect_masked_failure("alter role pgpx_no_such_role password " + lit);
    // (N'...' is no password: the server stops at the N.)
    expect_masked_failure("/* rotate */ alter role " + r + " password " + lit + " garbage",
                          lit[0] == 'N' ? "N" : "garbage");
    expect_masked_failure("alter role " + r + " valid until " + lit);  // the server quotes the value back
    expect_masked_failure("select " + lit + "::int");                   // invalid input syntax: "..."
    // No space before the quote (a prefix letter or a dollar quote then joins the keyword: the caret is on it).
    expect_masked_failure("alter role " + r + " password" + lit + " 1 2", lit[0] == '\'' ? "1 2" : "pas");
  }
  // A dollar quote glued to the keyword scans as one identifier, which the server quotes back.
  expect_masked_failure("alter role " + r + " password$$" + std::string(secret) + "$$");
  expect_masked_failure("alter role " + r + " password$q$" + std::string(secret) + "$q$");
  // An unterminated literal: the server's own message quotes the rest of the text.
  expect_masked_failure("alter role " + r + " password '" + std::string(secret));
}

TEST_F(secrets_test, the_cli_query_log_and_error_excerpt_mask_literals_in_every_format) {
  const auto r = pgpx::quote_identifier(role_);
  const std::string url = conninfo().to_string();
  for (const char* format : {"text", "json"}) {
    for (const auto& lit : spellings()) {
      for (const std::string& sql :
           {"alter role " + r + " password " + lit, "alter role " + r + " password " + lit + " garbage"}) {
        SCOPED_TRACE(std::string(format) + ": " + sql);
        const auto run =
            pgpx::test::cli::pgpx_run({"--url", url, "-vvv", "--log-format", format, "query", "--write", sql});
        const auto out = run.out + run.err;
        EXPECT_EQ(out.find(secret), std::string::npos) << out;
        EXPECT_NE(out.find("'***'"), std::string::npos) << out;  // the statement was logged, masked
      }
    }
  }
}

}  // namespace
