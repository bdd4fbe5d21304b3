// Checksums: normalisation, known digests, sensitivity to real changes.
#include <pgpx/migrate/checksum.hpp>

#include <gtest/gtest.h>

#include <string>

namespace pgpx::migrate {
namespace {

// Expected values computed outside pgpx, e.g.
//   printf 'select 1;' | sha256sum | xxd -r -p | base64
TEST(migrate_checksum, known_sha256_of_a_fixed_input) {
  EXPECT_EQ(checksum("select 1;"), "h1:NUtxlsm6X7SyHPYVu27EzVwHUDw0Ip/u8DP8CBqMA/Q=");
  EXPECT_EQ(checksum("create table t (id int);\n\nselect 1;\n"), "h1:u8ZIosSqOeZLwIZOs5y6bj7+3V8FxGLdhsVKUEPOcs0=");
  EXPECT_EQ(to_base64(sha256("")), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(migrate_checksum, bom_crlf_and_trailing_whitespace_do_not_count) {
  const std::string clean = "create table t (id int);\n\nselect 1;\n";
  const std::string messy =
      "\xEF\xBB\xBF"
      "create table t (id int);\r\n\r\nselect 1;\r\n\r\n  \t\n";
  EXPECT_EQ(checksum(messy), checksum(clean));
  EXPECT_EQ(normalise(messy), "create table t (id int);\n\nselect 1;");
  EXPECT_EQ(checksum(clean + "\n\n\n"), checksum(clean));
  EXPECT_EQ(checksum("select 1;"), checksum(clean.substr(26)));  // "select 1;\n"
}

TEST(migrate_checksum, real_changes_change_it) {
  const std::string base = "create table t (id int);\nselect 1;\n";
  const auto c = checksum(base);
  EXPECT_NE(checksum("create table t (id bigint);\nselect 1;\n"), c);  // content
  EXPECT_NE(checksum("create table t (id int); \nselect 1;\n"), c);    // whitespace inside the file
  EXPECT_NE(checksum("create table t (id int);\n\nselect 1;\n"), c);   // a blank line inside
  EXPECT_NE(checksum("  create table t (id int);\nselect 1;\n"), c);   // leading whitespace
  EXPECT_NE(checksum("create table t (id int);\rselect 1;\n"), c);     // a lone CR is content
  EXPECT_NE(checksum("CREATE table t (id int);\nselect 1;\n"), c);     // case
  EXPECT_NE(checksum(""), c);
}

TEST(migrate_checksum, only_a_leading_bom_is_stripped) {
  EXPECT_NE(checksum("select 1;\xEF\xBB\xBF"), checksum("select 1;"));
  EXPECT_NE(checksum("\xEF\xBB\xBF\xEF\xBB\xBFselect 1;"), checksum("select 1;"));
}

TEST(migrate_checksum, format) {
  const auto c = checksum("anything");
  ASSERT_EQ(c.size(), 3U + 44U);
  EXPECT_TRUE(c.starts_with("h1:"));
  EXPECT_EQ(c.back(), '=');
}

}  // namespace
}  // namespace pgpx::migrate
