#include <pgpx/core/conninfo.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/detail/strings.hpp>

#include <gtest/gtest.h>

namespace {

TEST(conninfo, parses_urls_and_keyword_strings) {
  auto a = pgpx::conninfo::parse("postgresql://app:pw@db.example.org:6543/appdb?sslmode=require");
  EXPECT_EQ(a.get("host"), "db.example.org");
  EXPECT_EQ(a.get("port"), "6543");
  EXPECT_EQ(a.get("dbname"), "appdb");
  EXPECT_EQ(a.get("user"), "app");
  EXPECT_EQ(a.get("password"), "pw");
  EXPECT_EQ(a.get("sslmode"), "require");
  auto b = pgpx::conninfo::parse("host=/tmp port=5432 dbname='my db'");
  EXPECT_EQ(b.get("dbname"), "my db");
  EXPECT_EQ(b.target(), "/tmp:5432/my db");
}

TEST(conninfo, rejects_malformed_input_naming_the_source_without_secrets) {
  auto r = pgpx::conninfo::try_parse("postgresql://u:topsecret@h:99999/db", "DATABASE_URL");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.diag().where, "DATABASE_URL");
  EXPECT_NE(r.diag().message.find("99999"), std::string::npos);
  EXPECT_EQ(r.diag().to_string().find("topsecret"), std::string::npos);
  EXPECT_FALSE(pgpx::conninfo::try_parse("host=x bogus_keyword=1"));
  EXPECT_FALSE(pgpx::conninfo::try_parse("sslmode=sometimes"));
  EXPECT_FALSE(pgpx::conninfo::try_parse("postgresql://h/db?target_session_attrs=nope"));
  EXPECT_THROW((void)pgpx::conninfo::parse("connect_timeout=soon"), pgpx::config_error);
  EXPECT_TRUE(pgpx::conninfo::try_parse("host=a,b port=5432,5433 target_session_attrs=read-write"));
}

TEST(conninfo, values_cannot_add_parameters) {
  pgpx::conninfo c;
  c.set("dbname", "x' host='evil");
  // The value is quoted for libpq and reads back as one value.
  auto round = pgpx::conninfo::parse(c.to_string());
  EXPECT_EQ(round.get("dbname"), "x' host='evil");
  EXPECT_FALSE(round.has("host"));
  EXPECT_THROW(c.set("not_a_keyword", "1"), pgpx::usage_error);
}

TEST(conninfo, redacted_form_masks_passwords) {
  auto c = pgpx::conninfo::parse("host=h user=u password=hunter2 sslpassword=k3y");
  const auto r = c.redacted();
  EXPECT_EQ(r.find("hunter2"), std::string::npos);
  EXPECT_EQ(r.find("k3y"), std::string::npos);
  EXPECT_NE(r.find("user=u"), std::string::npos);
}

TEST(redact, masks_urls_keywords_and_sql_passwords) {
  EXPECT_EQ(pgpx::redact("postgresql://bob:s3cret@host/db"), "postgresql://bob:********@host/db");
  EXPECT_EQ(pgpx::redact("host=x password=s3cret port=1"), "host=x password=******** port=1");
  EXPECT_EQ(pgpx::redact("password='a b c' user=x"), "password=******** user=x");
  EXPECT_EQ(pgpx::redact("postgres://h/db?sslmode=require&password=s3cret"),
            "postgres://h/db?sslmode=require&password=********");
  EXPECT_EQ(pgpx::redact("no secrets here"), "no secrets here");
  EXPECT_EQ(pgpx::redact("postgresql://bob@host/db"), "postgresql://bob@host/db");
}

TEST(redact, masks_password_literals_in_sql) {
  const auto r = pgpx::redact("alter role x with password 'hunter2'");
  EXPECT_EQ(r.find("hunter2"), std::string::npos) << r;
}

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
  for (const char* bad : {"\xed\xa0\x80", "\xed\xbf\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",
                          "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\x80"}) {
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
