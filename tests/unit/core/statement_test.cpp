// pgpx::statement without a server: it owns its values (borrowed strings are copied), copies
// are independent, parameter names survive, and a refused value throws when the statement is
// made, naming its $n.
#include <pgpx/core/statement.hpp>
#include <pgpx/error.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace {

auto value_of(const pgpx::param_list& p, std::size_t i) -> std::string_view {
  const char* v = p.values()[i];
  return v == nullptr ? std::string_view{} : std::string_view(v, static_cast<std::size_t>(p.lengths()[i]));
}

TEST(statement, keeps_copies_of_string_values_the_caller_destroys) {
  auto text = std::make_unique<std::string>("a value long enough to live on the heap, not in SSO");
  auto s = pgpx::make_statement<int>("select $1", *text);
  text->assign(text->size(), 'x');
  text.reset();
  ASSERT_EQ(s.params().size(), 1u);
  EXPECT_EQ(value_of(s.params(), 0), "a value long enough to live on the heap, not in SSO");
}

TEST(statement, copies_a_borrowing_param_list_given_to_it) {
  auto text = std::make_unique<std::string>("borrowed by a plain list, which does not own std::string values");
  pgpx::param_list p;  // not owning: add(const std::string&) borrows
  p.add(std::int32_t{7}).add(*text).add_null().name_last("nothing");
  ASSERT_FALSE(p.owning_values());
  const pgpx::statement<void> s("insert into t values ($1, $2, $3)", p);
  text->assign(text->size(), 'x');
  text.reset();
  EXPECT_EQ(value_of(s.params(), 1), "borrowed by a plain list, which does not own std::string values");
  EXPECT_EQ(s.params().values()[2], nullptr);  // the NULL stays NULL
  EXPECT_EQ(s.params().lengths()[2], -1);
  ASSERT_EQ(s.params().names().size(), 3u);
  EXPECT_EQ(s.params().names()[2], "nothing");
  EXPECT_TRUE(s.params().owning_values());
}

TEST(statement, copies_are_independent_and_move_keeps_values_valid) {
  auto a = pgpx::make_statement<std::tuple<std::string>>("select $1", std::string("first"));
  auto b = a;
  {
    auto c = std::move(a);
    EXPECT_EQ(value_of(c.params(), 0), "first");
  }
  EXPECT_EQ(value_of(b.params(), 0), "first");
  EXPECT_EQ(b.sql(), "select $1");
  const auto as_void = b.as<void>();
  EXPECT_EQ(as_void.sql(), b.sql());
  EXPECT_EQ(value_of(as_void.params(), 0), "first");
  static_assert(std::is_same_v<decltype(as_void)::row_type, void>);
  static_assert(pgpx::is_statement<decltype(b)>);
  static_assert(!pgpx::is_statement<std::string>);
}

TEST(statement, a_refused_value_throws_when_made_and_names_its_position) {
  try {
    (void)pgpx::make_statement("insert into t values ($1, $2)", 1, std::string("a\0b", 3));
    ADD_FAILURE() << "a NUL byte in text was accepted";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(std::string(e.what()).find("$2"), std::string::npos) << e.what();
  }
  try {
    (void)pgpx::make_statement("select $1", std::string("\xff\xfe"));
    ADD_FAILURE() << "invalid UTF-8 was accepted";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(std::string(e.what()).find("$1"), std::string::npos) << e.what();
  }
}

TEST(statement, binary_values_are_encoded_once_when_made) {
  const auto s = pgpx::make_statement("select $1, $2", std::int64_t{0x0102030405060708}, true);
  ASSERT_EQ(s.params().size(), 2u);
  EXPECT_EQ(s.params().formats()[0], 1);  // binary
  EXPECT_EQ(value_of(s.params(), 0), std::string_view("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(s.params().types()[1], pgpx::oids::bool_);
}

}  // namespace
