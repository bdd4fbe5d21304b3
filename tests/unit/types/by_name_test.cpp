// The registry of type names and the checks by name (pgpx/types/by_name.hpp), without a
// server: name validation, ids, the active catalog, and how param_list records parameters
// of named types. The server side is tests/integration/types/by_name_test.cpp.
#include <pgpx/types.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace unit_named {
struct point2 {
  std::int32_t x = 0;
};
enum class level { low, high };
enum class plain { a, b };
}  // namespace unit_named

template <>
struct pgpx::codec<unit_named::point2> : pgpx::codec_by_name<unit_named::point2> {
  static constexpr std::string_view name = "unit_named::point2";
  static constexpr std::string_view pg_type = "point2_unit_test";
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const unit_named::point2& p, std::string& out) { out.append(4, static_cast<char>(p.x)); }
  static auto decode(std::string_view, pgpx::oid) -> unit_named::point2 { return {}; }
  static void to_text(const unit_named::point2& p, std::string& out) { out += std::to_string(p.x); }
};
template <>
inline constexpr std::string_view pgpx::enum_type<unit_named::level> = "level_unit_test";

namespace {

using pgpx::detail::type_catalog;

TEST(type_names, valid_names_are_type_names_and_nothing_else) {
  for (const char* ok : {"vector", "public.vector", "double precision", "int[]", "\"Mixed Case\"", "a$b", "_x1"})
    EXPECT_TRUE(pgpx::detail::valid_type_name(ok)) << ok;
  for (const char* bad : {"", "a;b", "a'b", "f(x)", "a--b", "x\ny", "a/b", "t*"})
    EXPECT_FALSE(pgpx::detail::valid_type_name(bad)) << bad;
  EXPECT_FALSE(pgpx::detail::valid_type_name(std::string(201, 'a')));
}

TEST(type_names, registering_a_name_twice_gives_one_id) {
  const auto before = pgpx::detail::registered_type_names();
  const auto a = pgpx::detail::register_type_name("unit_test_name_a");
  const auto b = pgpx::detail::register_type_name("unit_test_name_b");
  EXPECT_EQ(pgpx::detail::register_type_name("unit_test_name_a"), a);
  EXPECT_NE(a, b);
  EXPECT_EQ(pgpx::detail::registered_type_names(), before + 2);
  EXPECT_EQ(pgpx::detail::registered_type_name(a), "unit_test_name_a");
  EXPECT_EQ(pgpx::detail::registered_type_name(b), "unit_test_name_b");
}

TEST(type_names, named_codecs_register_before_main) {
  // Instantiated in this file, so registered at start-up: a connection opened first thing
  // in main already resolves them.
  const auto n = pgpx::detail::registered_type_names();
  bool point = false;
  bool level = false;
  for (std::uint32_t i = 0; i < n; ++i) {
    point = point || pgpx::detail::registered_type_name(i) == "point2_unit_test";
    level = level || pgpx::detail::registered_type_name(i) == "level_unit_test";
  }
  EXPECT_TRUE(point);
  EXPECT_TRUE(level);
  EXPECT_TRUE(pgpx::is_named_type_v<unit_named::point2>);
  EXPECT_TRUE(pgpx::is_named_type_v<unit_named::level>);
  EXPECT_FALSE(pgpx::is_named_type_v<unit_named::plain>);  // no enum_type: not named
  EXPECT_FALSE(pgpx::is_named_type_v<std::int32_t>);
}

TEST(type_names, accepts_checks_against_the_active_catalog) {
  const auto id = pgpx::detail::type_name_id<unit_named::point2>;
  std::vector<type_catalog::entry> entries(pgpx::detail::registered_type_names());
  entries[id] = {.type = 70001, .array = 70002, .base = 70001, .kind = 'b'};
  const type_catalog c(std::move(entries), "appdb");
  EXPECT_FALSE(pgpx::codec<unit_named::point2>::accepts(70001));  // no active catalog
  {
    const pgpx::detail::types_scope scope(&c);
    EXPECT_TRUE(pgpx::codec<unit_named::point2>::accepts(70001));
    EXPECT_TRUE(pgpx::codec<std::optional<unit_named::point2>>::accepts(70001));
    EXPECT_FALSE(pgpx::codec<unit_named::point2>::accepts(pgpx::oids::int4));
    EXPECT_FALSE(c.stale());  // a built-in type is a plain mismatch
    EXPECT_EQ(pgpx::detail::describe_type_in_catalog(70001), "point2_unit_test");
    EXPECT_EQ(pgpx::detail::describe_type_in_catalog(70002), "point2_unit_test[]");
    EXPECT_FALSE(pgpx::codec<unit_named::point2>::accepts(70003));
    EXPECT_TRUE(c.stale());  // a run-time type that is not the one resolved: resolve again
  }
  EXPECT_EQ(pgpx::detail::active_type_catalog(), nullptr);  // the scope restored it
}

TEST(type_names, a_missing_name_is_reported_with_its_database) {
  std::vector<type_catalog::entry> entries(pgpx::detail::registered_type_names());
  const type_catalog c(std::move(entries), "appdb");
  EXPECT_EQ(c.find(pgpx::detail::type_name_id<unit_named::point2>)->type, 0U);  // resolved to nothing
  const pgpx::detail::types_scope scope(&c);
  const auto note = pgpx::detail::named_type_note(pgpx::detail::type_name_id<unit_named::point2>);
  EXPECT_NE(note.find("\"point2_unit_test\" does not exist in database \"appdb\""), std::string::npos) << note;
}

TEST(type_names, named_enums_accept_their_type_and_text_only) {
  const auto id = pgpx::detail::type_name_id<unit_named::level>;
  std::vector<type_catalog::entry> entries(pgpx::detail::registered_type_names());
  entries[id] = {.type = 80001, .array = 80002, .base = 80001, .kind = 'e'};
  const type_catalog c(std::move(entries), "appdb");
  const pgpx::detail::types_scope scope(&c);
  EXPECT_TRUE(pgpx::codec<unit_named::level>::accepts(80001));
  EXPECT_TRUE(pgpx::codec<unit_named::level>::accepts(pgpx::oids::text));
  EXPECT_FALSE(pgpx::codec<unit_named::level>::accepts(80005));  // another enum
  EXPECT_TRUE(pgpx::codec<unit_named::plain>::accepts(80005));    // unnamed: any run-time type
}

TEST(type_names, param_list_records_named_parameters) {
  using access = pgpx::detail::param_list_access;
  pgpx::param_list p;
  p.add(1).add(unit_named::point2{2}).add(std::optional<unit_named::point2>{}).add(unit_named::level::high);
  p.add(unit_named::plain::a);
  const auto& named = access::named(p);
  ASSERT_EQ(named.size(), 3U);
  EXPECT_EQ(named[0].index, 1U);
  EXPECT_EQ(named[0].id, pgpx::detail::type_name_id<unit_named::point2>);
  EXPECT_EQ(named[1].index, 2U);  // a NULL of a named type is typed too
  EXPECT_EQ(named[2].index, 3U);
  EXPECT_EQ(named[2].id, pgpx::detail::type_name_id<unit_named::level>);
  EXPECT_EQ(p.types()[1], 0U);  // resolved by the connection that sends it
  p.truncate(2);
  EXPECT_EQ(access::named(p).size(), 1U);
  pgpx::param_list copy;
  copy.add(9);
  copy.add_binary("abcd", 0);
  access::copy_named(copy, p, 0);
  ASSERT_EQ(access::named(copy).size(), 1U);
  EXPECT_EQ(access::named(copy)[0].index, 1U);
  p.clear();
  EXPECT_TRUE(access::named(p).empty());
}

}  // namespace
