// The registry of type names and the checks by name (pgpx/types/by_name.hpp), without a
// server: name validation, ids, the active catalog, and how param_list records parameters
// of named types, named composites. The server side is tests/integration/types/by_name_test.cpp
// and tests/integration/types/named_composite_test.cpp.
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
struct spot {  // a named composite with a named enum member
  std::int32_t x = 0;
  level l = level::low;
  auto operator==(const spot&) const -> bool = default;
};
struct loose {  // an unnamed composite of built-in members
  std::int32_t x = 0;
};
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
template <>
inline constexpr bool pgpx::is_composite<unit_named::spot> = true;
template <>
inline constexpr std::string_view pgpx::composite_type<unit_named::spot> = "spot_unit_test";
template <>
inline constexpr bool pgpx::is_composite<unit_named::loose> = true;

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

// --- named composites (pgpx::composite_type<T>) ---------------------------------------

void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xffU));
}

// record_send's bytes of a spot whose enum field has type `level_oid`.
auto spot_bytes(std::int32_t x, std::string_view label, pgpx::oid level_oid) -> std::string {
  std::string b;
  put_be32(b, 2);
  put_be32(b, pgpx::oids::int4);
  put_be32(b, 4);
  put_be32(b, static_cast<std::uint32_t>(x));
  put_be32(b, level_oid);
  put_be32(b, static_cast<std::uint32_t>(label.size()));
  b.append(label);
  return b;
}

// array_send's bytes of a one-dimensional array of one element of type `element`.
auto array_of_one(pgpx::oid element, const std::string& value) -> std::string {
  std::string b;
  put_be32(b, 1);  // dimensions
  put_be32(b, 0);  // no NULLs
  put_be32(b, element);
  put_be32(b, 1);  // size
  put_be32(b, 1);  // lower bound
  put_be32(b, static_cast<std::uint32_t>(value.size()));
  b.append(value);
  return b;
}

// A catalog where spot_unit_test is 90001 (array 90002) and level_unit_test is 80001.
auto spot_catalog() -> type_catalog {
  std::vector<type_catalog::entry> entries(pgpx::detail::registered_type_names());
  entries[pgpx::detail::type_name_id<unit_named::spot>] = {.type = 90001, .array = 90002, .base = 90001, .kind = 'c'};
  entries[pgpx::detail::type_name_id<unit_named::level>] = {.type = 80001, .array = 80002, .base = 80001, .kind = 'e'};
  return type_catalog(std::move(entries), "appdb");
}

TEST(named_composites, register_before_main_and_leave_unnamed_composites_alone) {
  bool found = false;
  for (std::uint32_t i = 0; i < pgpx::detail::registered_type_names(); ++i)
    found = found || pgpx::detail::registered_type_name(i) == "spot_unit_test";
  EXPECT_TRUE(found);
  EXPECT_TRUE(pgpx::is_named_type_v<unit_named::spot>);
  EXPECT_EQ(pgpx::codec<unit_named::spot>::pg_type, "spot_unit_test");
  EXPECT_FALSE(pgpx::is_named_type_v<unit_named::loose>);  // no composite_type: not named
  // Row mapping activates the result's catalog for a named composite, and only then.
  EXPECT_TRUE(pgpx::detail::uses_named_v<unit_named::spot>);
  EXPECT_TRUE(pgpx::detail::uses_named_v<std::vector<std::optional<unit_named::spot>>>);
  EXPECT_FALSE(pgpx::detail::uses_named_v<unit_named::loose>);
  // Still the text literal: binary would need every member's OID.
  static_assert(pgpx::codec<unit_named::spot>::param_format == pgpx::format::text);
  static_assert(pgpx::codec<unit_named::spot>::param_oid == pgpx::oids::unspecified);
}

TEST(named_composites, accept_their_type_and_record_only) {
  const type_catalog c = spot_catalog();
  using named = pgpx::codec<unit_named::spot>;
  EXPECT_FALSE(named::accepts(90001));  // no active catalog: nothing to compare with
  const pgpx::detail::types_scope scope(&c);
  EXPECT_TRUE(named::accepts(90001));
  EXPECT_TRUE(named::accepts(pgpx::oids::record));  // an anonymous row: its fields are checked
  EXPECT_FALSE(named::accepts(pgpx::oids::text));
  EXPECT_FALSE(named::accepts(80001));  // the enum: another run-time type
  EXPECT_FALSE(named::accepts(90002));  // its array
  EXPECT_TRUE(c.stale());               // an unexpected run-time type: resolve again
  // Unnamed: record and any run-time type, as before.
  EXPECT_TRUE(pgpx::codec<unit_named::loose>::accepts(90001));
  EXPECT_TRUE(pgpx::codec<unit_named::loose>::accepts(12345678));
  EXPECT_TRUE(pgpx::codec<unit_named::loose>::accepts(pgpx::oids::record));
  EXPECT_FALSE(pgpx::codec<unit_named::loose>::accepts(pgpx::oids::int4));
}

TEST(named_composites, parameters_are_text_literals_typed_by_the_connection) {
  using access = pgpx::detail::param_list_access;
  pgpx::param_list p;
  p.add(unit_named::spot{7, unit_named::level::high}).add(std::optional<unit_named::spot>{});
  p.add(unit_named::loose{1});
  p.add(std::vector<unit_named::spot>{{1, unit_named::level::low}});
  const auto& named = access::named(p);
  ASSERT_EQ(named.size(), 2U);  // the unnamed composite and the array are left to the server
  EXPECT_EQ(named[0].index, 0U);
  EXPECT_EQ(named[0].id, pgpx::detail::type_name_id<unit_named::spot>);
  EXPECT_EQ(named[1].index, 1U);  // a NULL of a named composite is typed too
  EXPECT_EQ(p.types()[0], 0U);    // filled in by the connection that sends it
  EXPECT_EQ(p.formats()[0], 0);   // text
  EXPECT_EQ(std::string(p.values()[0]), "(7,high)");
  EXPECT_EQ(std::string(p.values()[3]), "{\"(1,low)\"}");
}

TEST(named_composites, members_and_array_elements_are_checked_by_name) {
  const type_catalog c = spot_catalog();
  const pgpx::detail::types_scope scope(&c);
  using named = pgpx::codec<unit_named::spot>;
  EXPECT_EQ(named::decode(spot_bytes(3, "high", 80001), 90001), (unit_named::spot{3, unit_named::level::high}));
  // A member of another enum type: refused by the member's name check.
  try {
    (void)named::decode(spot_bytes(3, "high", 80009), 90001);
    ADD_FAILURE() << "a field of another enum was read";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(e.message().find("member \"l\""), std::string::npos) << e.message();
  }
  using array = pgpx::codec<std::vector<unit_named::spot>>;
  EXPECT_TRUE(array::accepts(90002));
  EXPECT_EQ(array::decode(array_of_one(90001, spot_bytes(4, "low", 80001)), 90002),
            (std::vector<unit_named::spot>{{4, unit_named::level::low}}));
  // An array of another run-time type: the element is refused, and the message names the
  // PostgreSQL types (the element's when the catalog knows it: here the enum).
  try {
    (void)array::decode(array_of_one(80001, "low"), 80002);
    ADD_FAILURE() << "an array of another type was read";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(e.message().find("elements of type level_unit_test into unit_named::spot"), std::string::npos)
        << e.message();
    EXPECT_NE(e.message().find("PostgreSQL type spot_unit_test"), std::string::npos) << e.message();
  }
}

}  // namespace
