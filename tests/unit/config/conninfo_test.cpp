#include <pgpx/config/conninfo.hpp>

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

}  // namespace
