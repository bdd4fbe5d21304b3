// pgpx::pattern: the compile-time scanner accepts the subset both engines read the same way
// and names the first refused construct with its offset; the matcher follows PostgreSQL's
// `~` (a match anywhere unless anchored, code points, `.` matching newlines). The same
// patterns are compared with the server in tests/integration/orm/pattern_test.cpp.
#include <pgpx/model/validate.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using pgpx::detail::pattern_fault;
using pgpx::detail::scan_pattern;

constexpr auto fault(std::string_view p) -> pattern_fault { return scan_pattern(p).fault; }

// The scanner runs at compile time.
static_assert(fault("^[a-z0-9_]{3,20}$") == pattern_fault::none);
static_assert(fault(R"(^(a)\1$)") == pattern_fault::backreference);
static_assert(scan_pattern(R"(^(a)\1$)").at == 4);

TEST(pattern_scan, accepts_the_subset) {
  for (const std::string_view p :
       {"abc",    "^abc$", "a.c",   "[abc]",    "[a-z]",    "[^@ ]+@[^@ ]+[.][^@ ]+",
        "[-a]",   "[a-]",  "[a^]",  "[a[]",     "(ab|cd)+", "(?:ab)*",
        "a?b*c+", "a{3}",  "a{2,}", "a{0,255}", "x|y|z",    "\\.\\(\\)\\[\\]\\{\\}\\|\\?\\*\\+\\^\\$\\\\",
        "é+",     "[à-ÿ]", "^$",    "(^a|b$)",  "((a))"})
    EXPECT_EQ(fault(p), pattern_fault::none) << p;
}

TEST(pattern_scan, names_each_refused_construct_and_where) {
  struct refused {
    std::string_view p;
    pattern_fault f;
    std::size_t at;
  };
  for (const refused& r : std::initializer_list<refused>{
           {R"((a)\1)", pattern_fault::backreference, 3},
           {R"(a(?=b))", pattern_fault::lookaround, 1},
           {R"(a(?!b))", pattern_fault::lookaround, 1},
           {R"((?<=a)b)", pattern_fault::lookaround, 0},
           {R"(\d+)", pattern_fault::class_escape, 0},
           {R"(a\s)", pattern_fault::class_escape, 1},
           {R"(\W)", pattern_fault::class_escape, 0},
           {R"(a\n)", pattern_fault::escape, 1},
           {R"(\b)", pattern_fault::escape, 0},
           {R"([a\]])", pattern_fault::escape, 2},
           {"a\\", pattern_fault::escape, 1},
           {"[[:alpha:]]", pattern_fault::posix_class, 1},
           {"[[=a=]]", pattern_fault::posix_class, 1},
           {"", pattern_fault::syntax, 0},
           {"(a", pattern_fault::syntax, 0},
           {"a)", pattern_fault::syntax, 1},
           {"a||b", pattern_fault::syntax, 2},
           {"()", pattern_fault::syntax, 1},
           {"*a", pattern_fault::syntax, 0},
           {"a**", pattern_fault::syntax, 2},
           {"a*?", pattern_fault::syntax, 2},
           {"^*", pattern_fault::syntax, 1},
           {"a{256}", pattern_fault::syntax, 1},
           {"a{3,2}", pattern_fault::syntax, 1},
           {"a{,2}", pattern_fault::syntax, 1},
           {"a{2", pattern_fault::syntax, 1},
           {"[z-a]", pattern_fault::syntax, 2},
           {"[a-z-0]", pattern_fault::syntax, 4},
           {"[]a]", pattern_fault::syntax, 1},
           {"[abc", pattern_fault::syntax, 0},
           {"a]", pattern_fault::syntax, 1},
           {"(?i)a", pattern_fault::syntax, 0},
           {"\xff", pattern_fault::syntax, 0},
           {"((a{255}){255}){255}", pattern_fault::too_large, 0},
       }) {
    const auto s = scan_pattern(r.p);
    EXPECT_EQ(s.fault, r.f) << r.p;
    if (s.fault == r.f) {
      EXPECT_EQ(s.at, r.at) << r.p;
    }
  }
}

auto matches(std::string_view p, std::string_view text) -> std::optional<bool> {
  return pgpx::detail::pattern_program(p).search(text);
}

TEST(pattern_match, follows_postgresql_tilde) {
  EXPECT_EQ(matches("b", "abc"), true);  // anywhere, unless anchored
  EXPECT_EQ(matches("^b", "abc"), false);
  EXPECT_EQ(matches("b$", "abc"), false);
  EXPECT_EQ(matches("^a.c$", "a\nc"), true);  // `.` matches a newline, as in PostgreSQL
  EXPECT_EQ(matches("^a[^x]c$", "a\nc"), true);
  EXPECT_EQ(matches("^..$", "é"), false);  // one code point, not two bytes
  EXPECT_EQ(matches("^.$", "é"), true);
  EXPECT_EQ(matches("^[à-ÿ]+$", "éà"), true);
  EXPECT_EQ(matches("^[a-z0-9_]{3,20}$", "ab"), false);
  EXPECT_EQ(matches("^[a-z0-9_]{3,20}$", "abc"), true);
  EXPECT_EQ(matches("^[a-z0-9_]{3,20}$", std::string(20, 'a')), true);
  EXPECT_EQ(matches("^[a-z0-9_]{3,20}$", std::string(21, 'a')), false);
  EXPECT_EQ(matches("^(ab|cd)+$", "abcdab"), true);
  EXPECT_EQ(matches("^(ab|cd)+$", "abc"), false);
  EXPECT_EQ(matches("^a{2,}$", "a"), false);
  EXPECT_EQ(matches("^a{2,}$", "aaaa"), true);
  EXPECT_EQ(matches("^(^a|b$)", "a"), true);
  EXPECT_EQ(matches("^x(a*)*y$", "x" + std::string(10000, 'a') + "y"), true);  // no blow-up, no deep recursion
  EXPECT_EQ(matches("^(a|aa)*$", std::string(100000, 'a') + "b"), false);     // linear: no backtracking
  EXPECT_EQ(matches("a", "\xc3"), std::nullopt);                               // invalid UTF-8
  EXPECT_THROW(pgpx::detail::pattern_program("(a"), pgpx::usage_error);
}

struct handle_holder {
  pgpx::checked<std::string, pgpx::pattern<"^[a-z0-9_]{3,20}$">> handle;
};

TEST(pattern_rule, checks_in_cpp_and_renders_the_check) {
  handle_holder h;
  h.handle = "ok_name";
  EXPECT_TRUE(pgpx::validate(h).empty());
  h.handle = "No";
  const auto found = pgpx::validate(h);
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].type, "pattern_mismatch");
  EXPECT_EQ(found[0].path(), "handle");
  EXPECT_EQ(found[0].msg.find("No"), std::string::npos);  // the value is not echoed
  EXPECT_EQ(found[0].ctx["pattern"], "^[a-z0-9_]{3,20}$");
  EXPECT_EQ((pgpx::pattern<"^[a-z0-9_]{3,20}$">::sql<std::string>(R"("handle")")), R"("handle" ~ '^[a-z0-9_]{3,20}$')");
  EXPECT_EQ((pgpx::pattern<"^it's\\.$">::sql<std::string>(R"("c")")), R"("c" ~ '^it''s\.$')");
}

}  // namespace
