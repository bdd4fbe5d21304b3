// Validation rules without a server: what each rule accepts and refuses, the issues'
// locations, types, messages and contexts, the error's text and JSON, and the CHECK
// expressions the same declarations give the DDL.
#include "support/validated_models.hpp"

#include <pgpx/model/model.hpp>
#include <pgpx/model/validate.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using validated_models::signup;

auto valid() -> signup {
  signup s;
  s.name = "Ada";
  s.email = "ada@example.org";
  s.age = 36;
  s.tags = {"a"};
  s.score = 10;
  return s;
}

auto types_of(const std::vector<pgpx::issue>& v) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& i : v) out.push_back(i.path() + ":" + i.type);
  return out;
}

TEST(validate, a_valid_object_has_no_issues) {
  EXPECT_TRUE(pgpx::validate(valid()).empty());
  EXPECT_NO_THROW(pgpx::check_valid(valid()));
}

TEST(validate, every_failing_field_is_listed_in_member_order) {
  signup s = valid();
  s.name = "";
  s.email = "not an email";
  s.age = 7;
  s.handle = "ab";
  s.tags = {};
  s.score = 1001;
  s.starts = 5;
  s.ends = 5;
  EXPECT_EQ(types_of(pgpx::validate(s)),
            (std::vector<std::string>{"name:empty", "email:not_an_email", "age:out_of_range", "handle:too_short",
                                      "tags:empty", "score:too_large", "score:not_even", "ends:not_after_starts"}));
}

TEST(validate, messages_and_contexts_give_limits_and_numbers_never_strings) {
  signup s = valid();
  s.age = 7;
  s.handle = std::string(25, 'x');
  s.email = "secret-value";
  const auto found = pgpx::validate(s);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[1].msg, "must be between 13 and 130 (got 7)");
  EXPECT_EQ(found[1].ctx, (nlohmann::json{{"min", 13}, {"max", 130}, {"got", 7}}));
  EXPECT_EQ(found[2].msg, "must have at most 20 characters (got 25)");
  EXPECT_EQ(found[2].ctx, (nlohmann::json{{"max_length", 20}, {"got", 25}}));
  for (const auto& i : found) {
    EXPECT_EQ(i.msg.find("secret-value"), std::string::npos);
    EXPECT_EQ(i.ctx.dump().find("secret-value"), std::string::npos);
  }
}

TEST(validate, lengths_count_code_points_and_invalid_utf8_is_an_issue) {
  signup s = valid();
  s.name = std::string(40, 'x');
  EXPECT_TRUE(pgpx::validate(s).empty());
  s.name = std::string(41, 'x');
  EXPECT_EQ(types_of(pgpx::validate(s)), (std::vector<std::string>{"name:too_long"}));
  std::string forty_euros;
  for (int i = 0; i < 40; ++i) forty_euros += "\xe2\x82\xac";  // 120 bytes, 40 code points
  s.name = forty_euros;
  EXPECT_TRUE(pgpx::validate(s).empty());
  s.name = "ab\xc3";  // truncated sequence
  EXPECT_EQ(types_of(pgpx::validate(s)), (std::vector<std::string>{"name:invalid_utf8"}));
  EXPECT_EQ(pgpx::detail::utf8_length("\xc0\x80"), std::nullopt);      // overlong NUL
  EXPECT_EQ(pgpx::detail::utf8_length("\xed\xa0\x80"), std::nullopt);  // a surrogate
  EXPECT_EQ(pgpx::detail::utf8_length("\xf4\x90\x80\x80"), std::nullopt);  // past U+10FFFF
  EXPECT_EQ(pgpx::detail::utf8_length("a\xf0\x9f\x98\x80"), 2u);
}

TEST(validate, email_accepts_what_its_sql_pattern_accepts_and_refuses_control_characters) {
  for (const char* ok : {"a@b.c", "first.last@example.co.uk", "x+y@d.e", "\xc3\xa9@d.e"})
    EXPECT_TRUE(pgpx::email::accepts(ok)) << ok;
  for (const char* bad :
       {"", "@b.c", "a@", "a@b", "a@.b", "a@b.", "a b@c.d", "a@b@c.d", "a@b c.d", "a\t@b.c", "a@b.c\n"})
    EXPECT_FALSE(pgpx::email::accepts(bad)) << bad;
}

TEST(validate, an_empty_optional_is_not_checked_and_a_failing_value_in_one_is) {
  signup s = valid();
  s.handle.reset();
  EXPECT_TRUE(pgpx::validate(s).empty());
  s.handle = "admin";  // valid by its rules, refused by model<signup>::validate
  EXPECT_EQ(types_of(pgpx::validate(s)), (std::vector<std::string>{"handle:reserved"}));
}

TEST(validate, the_error_lists_every_issue_and_converts_to_json) {
  signup s = valid();
  s.age = 7;
  s.email = "x";
  try {
    pgpx::check_valid(s);
    FAIL();
  } catch (const pgpx::validation_error& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::validation);
    EXPECT_EQ(e.message(),
              "validated_models::signup: 2 invalid fields, nothing was sent\n"
              "  email: not_an_email: must look like name@domain\n"
              "  age: out_of_range: must be between 13 and 130 (got 7)");
    EXPECT_EQ(e.to_json()[1], (nlohmann::json{{"loc", {"age"}},
                                              {"type", "out_of_range"},
                                              {"msg", "must be between 13 and 130 (got 7)"},
                                              {"ctx", {{"min", 13}, {"max", 130}, {"got", 7}}}}));
  }
  std::vector<signup> rows{valid(), valid(), s};
  try {
    pgpx::check_valid_all(rows);
    FAIL();
  } catch (const pgpx::validation_error& e) {
    ASSERT_EQ(e.issues().size(), 2u);
    EXPECT_EQ(e.issues()[0].path(), "[2].email");
    EXPECT_EQ(e.issues()[0].loc, (nlohmann::json{2, "email"}));
  }
}

TEST(validate, the_same_declarations_give_the_ddl_its_check_constraints) {
  const auto& m = pgpx::model_info<signup>();
  auto check = [&](const char* member) {
    const auto* c = m.find_member(member);
    return c && c->check_sql ? c->check_name + ": " + c->check_sql("\"" + std::string(c->name) + "\"") : std::string();
  };
  EXPECT_EQ(check("name"), R"(signups_name_check: "name" <> '')");
  EXPECT_EQ(check("email"), R"(signups_email_check: "email" ~ '^[^@ ]+@[^@ ]+[.][^@ ]+$')");
  EXPECT_EQ(check("age"), R"(signups_age_check: "age" between 13 and 130)");
  EXPECT_EQ(check("handle"), R"(signups_handle_check: (char_length("handle") >= 3) and (char_length("handle") <= 20))");
  EXPECT_EQ(check("tags"), R"(signups_tags_check: (cardinality("tags") > 0) and (cardinality("tags") <= 3))");
  EXPECT_EQ(check("score"), R"(signups_score_check: ("score" >= 0) and ("score" <= 1000))");  // predicate: C++ only
  EXPECT_EQ(check("starts"), "");
  ASSERT_EQ(m.checks.size(), 1u);
  EXPECT_EQ(m.checks[0].name, "signups_ends_after_starts");
  EXPECT_EQ(m.checks[0].sql, R"("ends" > "starts")");
  EXPECT_EQ(m.find_member("name")->type, "varchar(40)");
}

}  // namespace
