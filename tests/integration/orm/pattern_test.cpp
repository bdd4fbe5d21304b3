// pgpx::pattern against the server: for a spread of patterns of the subset and of texts
// (anchors, classes, ranges, alternation, groups, counted repetition, newlines, non-ASCII
// code points), the C++ matcher and PostgreSQL's `~` give the same answer; and a model's
// pattern rule refuses in C++ exactly the values its CHECK constraint refuses when they are
// inserted with plain SQL, past the ORM.
#include "support/test_db.hpp"

#include <pgpx/core/transaction.hpp>
#include <pgpx/model/validate.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace pattern_models {
struct account {
  pgpx::identity<std::int64_t> id;
  pgpx::checked<std::string, pgpx::pattern<"^[a-z0-9_]{3,20}$">> handle;
  pgpx::checked<std::string, pgpx::pattern<R"(^(\+[0-9]{1,3} )?[0-9]{4,10}$|^n/a$)">> phone;
};
}  // namespace pattern_models

namespace {

using pattern_models::account;

class orm_pattern_test : public pgpx::test::db_test {};

TEST_F(orm_pattern_test, the_cpp_matcher_and_postgresql_agree_on_every_pattern_and_text) {
  const std::vector<std::string> patterns = {"abc",
                                             "^abc$",
                                             "a.c",
                                             "^a.c$",
                                             "[abc]+",
                                             "^[a-z]+$",
                                             "^[^a-z]+$",
                                             "[-a]",
                                             "^[a-]+$",
                                             "^[a^]+$",
                                             "^(ab|cd)+$",
                                             "^(?:ab|c)*d$",
                                             "^a?b*c+$",
                                             "^a{3}$",
                                             "^a{2,}$",
                                             "^a{0,2}$",
                                             "^x(a|b){1,3}y$",
                                             "x|^y|z$",
                                             R"(\.\(\)\[\]\{\}\|\?\*\+\^\$\\)",
                                             "^é+$",
                                             "^[à-ÿ]+$",
                                             "^.$",
                                             "^..$",
                                             "^$",
                                             "(^a|b$)",
                                             "^((a))+$",
                                             "^[^@ ]+@[^@ ]+[.][^@ ]+$",
                                             "^[a-z0-9_]{3,20}$",
                                             "a[a[]b",
                                             "^(a*)*$",
                                             "^[0-9]{1,3}(,[0-9]{3})*$"};
  const std::vector<std::string> texts = {"",
                                          "a",
                                          "abc",
                                          "xabcx",
                                          "a\nc",
                                          "aXc",
                                          "ab",
                                          "abcd",
                                          "cdab",
                                          "ababd",
                                          "d",
                                          "cccd",
                                          "aaa",
                                          "aaaa",
                                          "aa",
                                          "xaby",
                                          "xababy",
                                          "xy",
                                          "y",
                                          "z",
                                          "zz",
                                          ".()[]{}|?*+^$\\",
                                          "é",
                                          "éé",
                                          "àÿ",
                                          "ä",
                                          "A",
                                          "-",
                                          "a-",
                                          "^a",
                                          "ada@example.org",
                                          "a@b",
                                          "a b@c.d",
                                          "ab_12",
                                          "AB_12",
                                          "a[b",
                                          "1,234",
                                          "12,34",
                                          "1,234,567",
                                          "\n"};
  pgpx::connection& c = cx();
  std::size_t compared = 0, matched = 0;
  for (const std::string& p : patterns) {
    ASSERT_EQ(pgpx::detail::scan_pattern(p).fault, pgpx::detail::pattern_fault::none) << p;
    const pgpx::detail::pattern_program program(p);
    for (const std::string& t : texts) {
      const bool server = c.query_value<bool>("select $1::text ~ $2::text", t, p);
      const auto mine = program.search(t);
      ASSERT_TRUE(mine.has_value());
      EXPECT_EQ(*mine, server) << "pattern " << p << " text [" << t << "]";
      ++compared;
      matched += server ? 1 : 0;
    }
  }
  // both answers occur often: the comparison is not one-sided
  EXPECT_GT(matched, compared / 8);
  EXPECT_LT(matched, compared - compared / 8);
}

// Random short patterns over the subset's characters (a fixed seed): every one the scanner
// accepts is a valid pattern for the server too, and both engines agree on random texts.
TEST_F(orm_pattern_test, random_patterns_the_scanner_accepts_read_the_same_on_the_server) {
  const std::string_view pattern_chars = "ab.^$|()[]-?*+{}1,2\\é";
  const std::string_view text_chars = "ab\n.é-";
  std::mt19937 rng(20261207);
  auto pick = [&](std::string_view from, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t k = std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng);
      if (static_cast<unsigned char>(from[k]) >= 0x80) {  // é: keep its two bytes together
        if (k > 0 && (static_cast<unsigned char>(from[k]) & 0xc0U) == 0x80U) --k;
        out += from.substr(k, 2);
      } else {
        out += from[k];
      }
    }
    return out;
  };
  pgpx::connection& c = cx();
  std::size_t accepted = 0, refused = 0, compared = 0;
  for (int i = 0; i < 3000 && accepted < 300; ++i) {
    const std::string p = pick(pattern_chars, 1 + static_cast<std::size_t>(i % 7));
    if (pgpx::detail::scan_pattern(p).fault != pgpx::detail::pattern_fault::none) {
      ++refused;
      continue;
    }
    ++accepted;
    const pgpx::detail::pattern_program program(p);
    for (int k = 0; k < 6; ++k) {
      const std::string t = pick(text_chars, static_cast<std::size_t>(k));
      bool server = false;
      ASSERT_NO_THROW(server = c.query_value<bool>("select $1::text ~ $2::text", t, p)) << "pattern " << p;
      EXPECT_EQ(program.search(t), std::optional<bool>(server)) << "pattern " << p << " text [" << t << "]";
      ++compared;
    }
  }
  EXPECT_GE(accepted, 100U);
  EXPECT_GT(refused, 0U);
  EXPECT_GT(compared, 0U);
}

TEST_F(orm_pattern_test, the_rule_and_its_check_constraint_refuse_the_same_values) {
  pgpx::schema::create(cx(), pgpx::models<account>);
  std::string ddl;
  for (const auto& st : pgpx::schema::create_table<account>()) ddl += st.sql();
  EXPECT_NE(ddl.find(R"("handle" ~ '^[a-z0-9_]{3,20}$')"), std::string::npos) << ddl;
  struct probe {
    std::string handle, phone;
  };
  const std::vector<probe> probes = {{"ada", "0123"},
                                     {"ada_lovelace_1815", "+44 0123456789"},
                                     {"ab", "0123"},
                                     {"Ada", "0123"},
                                     {"ada lovelace", "0123"},
                                     {std::string(20, 'a'), "n/a"},
                                     {std::string(21, 'a'), "n/a"},
                                     {"ada", "+44 012"},
                                     {"ada", "+4444 0123"},
                                     {"ada", "n/a "},
                                     {"ada", "0123\n"},
                                     {"adé", "0123"},
                                     {"ada\n", "0123"},
                                     {"ada", "0123456789"},
                                     {"ada", "01234567890"}};
  std::size_t refused = 0;
  for (const probe& pr : probes) {
    account a;
    a.handle = pr.handle;
    a.phone = pr.phone;
    const bool cpp_accepts = pgpx::validate(a).empty();
    bool server_accepts = true;
    try {
      pgpx::transaction tx{cx()};
      tx.execute("insert into accounts (handle, phone) values ($1, $2)", pr.handle, pr.phone);  // past the ORM
      tx.commit();
    } catch (const pgpx::sql_error& e) {
      EXPECT_TRUE(pgpx::is_check_violation(e)) << e.what();
      server_accepts = false;
    }
    EXPECT_EQ(cpp_accepts, server_accepts) << "[" << pr.handle << "] [" << pr.phone << "]";
    refused += cpp_accepts ? 0 : 1;
    if (cpp_accepts) {
      EXPECT_NO_THROW(pgpx::insert(cx(), a)) << pr.handle;  // the ORM sends what C++ accepts
    } else {
      EXPECT_THROW(pgpx::insert(cx(), a), pgpx::validation_error) << pr.handle;
    }
  }
  EXPECT_GE(refused, 5U);
  EXPECT_LE(refused, probes.size() - 4);
}

}  // namespace
