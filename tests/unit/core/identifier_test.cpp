#include <pgpx/core/identifier.hpp>
#include <pgpx/detail/strings.hpp>
#include <pgpx/error.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(quote_identifier, quotes_and_doubles_quotes) {
  EXPECT_EQ(pgpx::quote_identifier("users"), "\"users\"");
  EXPECT_EQ(pgpx::quote_identifier("my \"table\""), "\"my \"\"table\"\"\"");
  EXPECT_EQ(pgpx::quote_identifier("Robert'); DROP TABLE students;--"), "\"Robert'); DROP TABLE students;--\"");
  EXPECT_EQ(pgpx::quote_qualified({"app", "users"}), "\"app\".\"users\"");
  EXPECT_EQ(pgpx::quote_identifier("a.b"), "\"a.b\"");  // never split on dots
}

TEST(quote_identifier, rejects_what_postgres_cannot_name) {
  EXPECT_THROW((void)pgpx::quote_identifier(""), pgpx::usage_error);
  EXPECT_THROW((void)pgpx::quote_identifier(std::string("a\0b", 3)), pgpx::usage_error);
  EXPECT_THROW((void)pgpx::quote_identifier(std::string(64, 'x')), pgpx::usage_error);
  EXPECT_NO_THROW((void)pgpx::quote_identifier(std::string(63, 'x')));
  EXPECT_THROW((void)pgpx::quote_identifier("\xff\xfe"), pgpx::usage_error);
  EXPECT_THROW((void)pgpx::quote_identifier("abc\xc3"), pgpx::usage_error);
  EXPECT_NO_THROW((void)pgpx::quote_identifier("caf\xc3\xa9"));
  // The one UTF-8 rule (issue 10): surrogates, overlong forms, code points above U+10FFFF.
  for (const char* bad : {"\xed\xa0\x80", "\xed\xbf\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
                          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\x80"}) {
    SCOPED_TRACE(::testing::PrintToString(std::string(bad)));
    EXPECT_THROW((void)pgpx::quote_identifier(std::string("a") + bad), pgpx::usage_error);
  }
  for (const char* good : {"\xed\x9f\xbf", "\xee\x80\x80", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"})
    EXPECT_NO_THROW((void)pgpx::quote_identifier(std::string("a") + good));
}

TEST(utf8_helpers, length_floor_and_edit_distance) {
  using namespace pgpx::detail;
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("caf\xc3\xa9"), 4u);
  EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80x"), 2u);
  const std::string s = "ab\xc3\xa9\xe2\x82\xac";  // a b é €: bytes 0 1 2-3 4-6
  EXPECT_EQ(utf8_floor(s, 0), 0u);
  EXPECT_EQ(utf8_floor(s, 3), 2u);  // not inside é
  EXPECT_EQ(utf8_floor(s, 4), 4u);
  EXPECT_EQ(utf8_floor(s, 6), 4u);  // not inside €
  EXPECT_EQ(utf8_floor(s, 7), 7u);
  EXPECT_EQ(utf8_floor(s, 100), 7u);
  EXPECT_EQ(edit_distance("host", "host"), 0u);
  EXPECT_EQ(edit_distance("hots", "host"), 2u);
  EXPECT_EQ(edit_distance("Host", "host"), 0u);  // case does not count
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  std::string out;
  append_utf8(out, 0x20AC);
  append_utf8(out, 0x1F600);
  EXPECT_EQ(out, "\xe2\x82\xac\xf0\x9f\x98\x80");
}

}  // namespace

TEST(quote_literal, doubles_quotes_and_escapes_backslashes_whatever_the_setting) {
  EXPECT_EQ(pgpx::quote_literal("english"), "'english'");
  EXPECT_EQ(pgpx::quote_literal("it's"), "'it''s'");
  EXPECT_EQ(pgpx::quote_literal(""), "''");
  EXPECT_EQ(pgpx::quote_literal("a\\b"), "E'a\\\\b'");
  EXPECT_EQ(pgpx::quote_literal("'\\'"), "E'''\\\\'''");
  EXPECT_THROW((void)pgpx::quote_literal(std::string_view("a\0b", 3)), pgpx::usage_error);
  EXPECT_THROW((void)pgpx::quote_literal("\xff"), pgpx::usage_error);
}
