// Literal masking through libpg_query's scanner (pgpx/sql_text.hpp): no literal of any
// spelling survives, positions follow, and errors built from a statement carry neither the
// literal in the statement nor in their texts. Issue 9, item 3.
#include <pgpx/error.hpp>
#include <pgpx/sql_text.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using pgpx::mask_literals;

struct spelling {
  const char* sql;
  const char* masked;
};

// Every way PostgreSQL spells a string literal, with and without spaces around it.
const std::vector<spelling>& spellings() {
  static const std::vector<spelling> all = {
      {"alter role app password 'hunter2'", "alter role app password '***'"},
      {"alter role app password'hunter2'", "alter role app password'***'"},
      {"ALTER ROLE app PASSWORD E'hun\\'ter2'", "ALTER ROLE app PASSWORD '***'"},
      {"ALTER ROLE app PASSWORD e'hunter2\\\\'", "ALTER ROLE app PASSWORD '***'"},
      {"alter role app password U&'hun\\0074er2'", "alter role app password '***'"},
      {"alter role app password U&'hunter2' UESCAPE '!'", "alter role app password '***' UESCAPE '***'"},
      {"alter role app password $$hunter2$$", "alter role app password '***'"},
      {"alter role app password $x$hun'ter2$x$", "alter role app password '***'"},
      {"alter role app password $$hun$x$ter2$$;", "alter role app password '***';"},
      {"alter role app PASSWORD$$hunter2$$", "alter role app PASSWORD'***'"},
      {"alter role app PASSWORD$q$hunter2$q$", "alter role app PASSWORD'***'"},
      {"alter role app password 'hun''ter2' valid until 'infinity'", "alter role app password '***' valid until '***'"},
      {"create user mapping for app server s options (password 'hunter2')",
       "create user mapping for app server s options (password '***')"},
      {"select b'1010', x'1F', n'hunter2'", "select '***', '***', n'***'"},
      {"select 'a'\n'hunter2'", "select '***'"},  // one literal, continued on the next line
      {"select 'hunter2'::text, 42, 4.5, $1", "select '***'::text, 42, 4.5, $1"},
      {"/* it's a comment */ select \"it's\" from t -- it's", "/* it's a comment */ select \"it's\" from t -- it's"},
      {"select \"col$$x$$\" from t", "select \"col$$x$$\" from t"},
      {"select price$1 from t", "select price$1 from t"},
  };
  return all;
}

TEST(mask_literals, masks_every_spelling_of_a_string_literal) {
  for (const auto& s : spellings()) {
    SCOPED_TRACE(s.sql);
    const auto m = mask_literals(s.sql);
    EXPECT_EQ(m.text(), s.masked);
    EXPECT_EQ(m.text().find("hunter2"), std::string::npos);
    EXPECT_EQ(m.text().find("ter2"), std::string::npos);
  }
}

TEST(mask_literals, text_that_does_not_scan_is_masked_from_the_failure_on) {
  for (const char* sql :
       {"alter role app password 'hunter2", "select 1; alter role app password $$hunter2", "select e'hunter2\\'"}) {
    SCOPED_TRACE(sql);
    const auto m = mask_literals(sql);
    EXPECT_EQ(m.text().find("hunter2"), std::string::npos) << m.text();
    EXPECT_TRUE(m.masked());
  }
  EXPECT_EQ(mask_literals("select 1; alter role app password 'x").text(), "select 1; alter role app password '***'");
}

TEST(mask_literals, statements_without_literals_are_unchanged) {
  for (const char* sql :
       {"select * from t where id = $1", "", "select $1::int8 + 2", "insert into t values ($1, $2)"}) {
    const auto m = mask_literals(sql);
    EXPECT_EQ(m.text(), sql);
    EXPECT_FALSE(m.masked());
    EXPECT_EQ(m.position(5), std::string(sql).empty() ? 1 : 5);
  }
}

TEST(mask_literals, positions_follow_the_masks_both_ways) {
  // 1-based character positions, as the server reports them; multibyte text before the literal.
  const std::string sql = "select 'é long secret', \"ü\" frm t";
  const auto m = mask_literals(sql);
  ASSERT_EQ(m.text(), "select '***', \"ü\" frm t");
  EXPECT_EQ(m.position(0), 0);
  EXPECT_EQ(m.position(1), 1);
  EXPECT_EQ(m.position(8), 8);    // the opening quote
  EXPECT_EQ(m.position(12), 8);   // inside the literal: the start of its mask
  // "frm" is character 29 of the original (the literal has 15 characters) and 19 masked.
  EXPECT_EQ(sql.substr(sql.find("frm"), 3), "frm");
  EXPECT_EQ(m.position(29), 19);
  EXPECT_EQ(m.original_position(19), 29);
  EXPECT_EQ(m.original_position(9), 8);  // inside the mask: the literal's start
  EXPECT_EQ(m.original_position(1), 1);
}

TEST(mask_literals, scrub_removes_literal_values_from_server_texts) {
  const auto m = mask_literals("alter role app valid until 'hunter2 o''clock' password $$s3cret!$$");
  EXPECT_EQ(m.scrub("invalid input syntax for type timestamp with time zone: \"hunter2 o'clock\""),
            "invalid input syntax for type timestamp with time zone: \"***\"");
  EXPECT_EQ(m.scrub("near s3cret! here"), "near *** here");
  EXPECT_EQ(m.scrub("syntax error at or near \"$$s3cret!$$\""), "syntax error at or near \"***\"");
  EXPECT_EQ(m.scrub("nothing to hide"), "nothing to hide");
}

TEST(error_masking, an_error_carries_no_literal_of_its_statement) {
  pgpx::error_info info;
  info.statement = "alter role app password 'hunter2' valid until 'soon'";
  info.position = 48;  // 's' of 'soon'... inside the second literal
  info.detail = "value \"hunter2\" was rejected";
  info.hint = "hunter2 is not a date";
  const pgpx::sql_error e("invalid input syntax for type timestamp: \"soon\" (hunter2)", info);
  EXPECT_EQ(e.statement(), "alter role app password '***' valid until '***'");
  EXPECT_EQ(e.info().position, 43);  // the start of the second mask
  EXPECT_EQ(e.statement().substr(42, 5), "'***'");
  const std::string all = std::string(e.what()) + e.message() + e.info().detail + e.info().hint + e.statement();
  EXPECT_EQ(all.find("hunter2"), std::string::npos) << all;
  EXPECT_EQ(all.find("\"soon\""), std::string::npos) << all;
  // Rethrowing the same fields masks nothing twice.
  const pgpx::sql_error again(e.message(), e.info());
  EXPECT_EQ(again.statement(), e.statement());
  EXPECT_EQ(again.info().position, e.info().position);
}

}  // namespace
