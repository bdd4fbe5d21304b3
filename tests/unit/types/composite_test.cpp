// Unit tests of pgpx/types/composite.hpp. The byte strings are what PostgreSQL 15's
// record_send and array_send produce for the SQL given next to them, after
//   create type mood as enum ('sad', 'ok', 'happy');
//   create type pair_t as (a int4, b text);
//   create type outer_t as (id int8, p pair_t, tags text[], ps pair_t[]);
#include <pgpx/types/composite.hpp>
#include <pgpx/types/enum.hpp>
#include <pgpx/types/range.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shop {
enum class mood { sad, ok, happy };
struct pair_t {
  std::int32_t a;
  std::string b;
  auto operator==(const pair_t&) const -> bool = default;
};
struct maybe_pair {
  std::optional<std::int32_t> a;
  std::optional<std::string> b;
  auto operator==(const maybe_pair&) const -> bool = default;
};
struct outer_t {
  std::int64_t id;
  pair_t p;
  std::vector<std::string> tags;
  std::vector<std::optional<pair_t>> ps;
  auto operator==(const outer_t&) const -> bool = default;
};
struct mixed {
  std::int32_t n;
  mood m;
  pgpx::range<std::int32_t> r;
  std::vector<std::int64_t> xs;
};
struct views {
  std::int32_t a;
  std::string_view b;
};
struct not_composite {
  int a;
};
}  // namespace shop

template <>
inline constexpr bool pgpx::is_composite<shop::pair_t> = true;
template <>
inline constexpr bool pgpx::is_composite<shop::maybe_pair> = true;
template <>
inline constexpr bool pgpx::is_composite<shop::outer_t> = true;
template <>
inline constexpr bool pgpx::is_composite<shop::mixed> = true;
template <>
inline constexpr bool pgpx::is_composite<shop::views> = true;

namespace {

using ::testing::HasSubstr;

auto from_hex(std::string_view hex) -> std::string {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  return out;
}

template <class T>
auto text_of(const T& v) -> std::string {
  std::string out;
  pgpx::codec<T>::to_text(v, out);
  return out;
}

template <class T>
auto decode(const std::string& bytes, pgpx::oid type) -> T {
  return pgpx::codec<T>::decode(bytes, type);
}

template <class T>
auto error_of(const std::string& bytes, pgpx::oid type) -> std::string {
  try {
    (void)pgpx::codec<T>::decode(bytes, type);
  } catch (const pgpx::conversion_error& e) {
    return e.what();
  }
  return "(no error)";
}

template <class T>
void expect_every_truncation_throws(const std::string& bytes, pgpx::oid type) {
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::string prefix = bytes.substr(0, n);
    EXPECT_THROW((void)pgpx::codec<T>::decode(prefix, type), pgpx::conversion_error) << "prefix of " << n << " bytes";
  }
}

constexpr pgpx::oid pair_oid = 16393;
constexpr pgpx::oid pair_array_oid = 16392;
constexpr pgpx::oid outer_oid = 16396;

// select record_send(row(1,'a')::pair_t)
const std::string pair_1_a = from_hex("00000002000000170000000400000001000000190000000161");
// select record_send(row(null,'x')::pair_t)
const std::string pair_null_x = from_hex("0000000200000017ffffffff000000190000000178");
// select record_send(row(1,'a'))     (an anonymous record: 'a' is of type unknown)
const std::string anonymous_1_a = from_hex("00000002000000170000000400000001000002c10000000161");
// select record_send(row(7, row(1,'a')::pair_t, array['x','y'], array[row(2,'b')::pair_t, null])::outer_t)
const std::string outer = from_hex(
    "0000000400000014000000080000000000000007000040090000001900000002000000170000000400000001000000190000000161000003"
    "f10000001e000000010000000000000019000000020000000100000001780000000179000040080000003500000001000000010000400900"
    "000002000000010000001900000002000000170000000400000002000000190000000162ffffffff");
// select array_send(array[row(1,'a'), row(2,null)]::pair_t[])
const std::string pair_array = from_hex(
    "00000001000000000000400900000002000000010000001900000002000000170000000400000001000000190000000161000000180000"
    "000200000017000000040000000200000019ffffffff");
// select record_send(row(1::int4, 'happy'::mood, int4range(1,3), array[1,2]::int8[]))
const std::string mixed_row = from_hex(
    "000000040000001700000004000000010000400100000005686170707900000f40000000110200000004000000010000000400000003"
    "000003f80000002c0000000100000000000000140000000200000001000000080000000000000001000000080000000000000002");

TEST(composite_codec, decodes_a_composite) {
  EXPECT_EQ(decode<shop::pair_t>(pair_1_a, pair_oid), (shop::pair_t{1, "a"}));
  EXPECT_EQ(decode<shop::pair_t>(anonymous_1_a, pgpx::oids::record), (shop::pair_t{1, "a"}));
}

TEST(composite_codec, null_fields_need_optional_members) {
  EXPECT_EQ(decode<shop::maybe_pair>(pair_null_x, pair_oid), (shop::maybe_pair{std::nullopt, "x"}));
  const std::string msg = error_of<shop::pair_t>(pair_null_x, pair_oid);
  EXPECT_THAT(msg, HasSubstr("NULL"));
  EXPECT_THAT(msg, HasSubstr("member \"a\" of shop::pair_t"));
}

TEST(composite_codec, nested_composites_and_arrays_of_them) {
  const shop::outer_t want{7, {1, "a"}, {"x", "y"}, {shop::pair_t{2, "b"}, std::nullopt}};
  EXPECT_EQ(decode<shop::outer_t>(outer, outer_oid), want);
  const auto pairs = decode<std::vector<shop::maybe_pair>>(pair_array, pair_array_oid);
  EXPECT_EQ(pairs, (std::vector<shop::maybe_pair>{{1, "a"}, {2, std::nullopt}}));
  EXPECT_TRUE(pgpx::codec<std::vector<shop::pair_t>>::accepts(pair_array_oid));
  EXPECT_TRUE(pgpx::codec<std::vector<shop::pair_t>>::accepts(pgpx::oids::record_array));
}

TEST(composite_codec, members_of_every_kind) {
  const auto m = decode<shop::mixed>(mixed_row, pgpx::oids::record);
  EXPECT_EQ(m.n, 1);
  EXPECT_EQ(m.m, shop::mood::happy);
  EXPECT_EQ(m.r, pgpx::range<std::int32_t>::closed_open(1, 3));
  EXPECT_EQ(m.xs, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(text_of(m), R"x((1,happy,"[1,3)","{1,2}"))x");
}

TEST(composite_codec, string_view_members_borrow_the_result) {
  EXPECT_TRUE(pgpx::borrows_result_v<shop::views>);
  EXPECT_FALSE(pgpx::borrows_result_v<shop::pair_t>);
  const auto v = decode<shop::views>(pair_1_a, pair_oid);
  EXPECT_EQ(v.b, "a");
  EXPECT_EQ(v.b.data(), pair_1_a.data() + pair_1_a.size() - 1);
}

TEST(composite_codec, the_field_count_must_match) {
  // A two-field value into a four-member struct.
  const std::string msg = error_of<shop::outer_t>(pair_1_a, pair_oid);
  EXPECT_THAT(msg, HasSubstr("2 fields"));
  EXPECT_THAT(msg, HasSubstr("4 members"));
  EXPECT_THROW((void)decode<shop::pair_t>(from_hex("00000003"), pair_oid), pgpx::conversion_error);
  EXPECT_THROW((void)decode<shop::pair_t>(from_hex("ffffffff"), pair_oid), pgpx::conversion_error);
}

TEST(composite_codec, field_types_are_checked_per_member) {
  // Swap the two fields: text into the int member.
  const std::string swapped = from_hex("00000002000000190000000161000000170000000400000001");
  const std::string msg = error_of<shop::pair_t>(swapped, pair_oid);
  EXPECT_THAT(msg, HasSubstr("field 1 of type text"));
  EXPECT_THAT(msg, HasSubstr("member \"a\""));
  // A field of the right type with a malformed value names the member too.
  const std::string short_int = from_hex("000000020000001700000002000100000019ffffffff");
  EXPECT_THAT(error_of<shop::maybe_pair>(short_int, pair_oid), HasSubstr("member \"a\" of shop::maybe_pair"));
}

TEST(composite_codec, malformed_input_is_a_conversion_error) {
  EXPECT_THROW((void)decode<shop::pair_t>(pair_1_a + '\0', pair_oid), pgpx::conversion_error);  // trailing
  // negative field length other than -1
  EXPECT_THROW((void)decode<shop::maybe_pair>(from_hex("0000000200000017fffffffe"), pair_oid), pgpx::conversion_error);
  // field length beyond the end
  EXPECT_THROW((void)decode<shop::maybe_pair>(from_hex("00000002000000170000ffff00000001"), pair_oid),
               pgpx::conversion_error);
}

TEST(composite_codec, every_truncation_throws) {
  expect_every_truncation_throws<shop::pair_t>(pair_1_a, pair_oid);
  expect_every_truncation_throws<shop::maybe_pair>(pair_null_x, pair_oid);
  expect_every_truncation_throws<shop::outer_t>(outer, outer_oid);
  expect_every_truncation_throws<std::vector<shop::maybe_pair>>(pair_array, pair_array_oid);
  expect_every_truncation_throws<shop::mixed>(mixed_row, pgpx::oids::record);
}

TEST(composite_codec, literals_follow_record_out) {
  // What PostgreSQL prints for the same values (verified with psql).
  EXPECT_EQ(text_of(shop::pair_t{1, ""}), R"x((1,""))x");
  EXPECT_EQ(text_of(shop::maybe_pair{std::nullopt, "a b"}), R"x((,"a b"))x");
  EXPECT_EQ(text_of(shop::pair_t{2, "(x)"}), R"x((2,"(x)"))x");
  EXPECT_EQ(text_of(shop::pair_t{1, "a \"q\" \\ b"}), R"x((1,"a ""q"" \\ b"))x");
  EXPECT_EQ(text_of(shop::maybe_pair{std::nullopt, std::nullopt}), "(,)");
  EXPECT_EQ(text_of(shop::pair_t{3, "NULL"}), "(3,NULL)");  // the string NULL; composites have no NULL word
  EXPECT_EQ(text_of(shop::pair_t{4, "a,b"}), R"x((4,"a,b"))x");
  const shop::outer_t o{7, {1, "a \"q\" \\ b"}, {"x", "y,z"}, {shop::pair_t{2, "b"}, std::nullopt}};
  EXPECT_EQ(text_of(o), R"x((7,"(1,""a """"q"""" \\\\ b"")","{x,""y,z""}","{""(2,b)"",NULL}"))x");
  EXPECT_EQ(text_of(std::vector<shop::pair_t>{{1, "a"}, {2, "b c"}}), R"x({"(1,a)","(2,\"b c\")"})x");
}

TEST(composite_codec, parameters_are_text_literals_of_unspecified_type) {
  EXPECT_EQ(pgpx::codec<shop::pair_t>::param_oid, pgpx::oids::unspecified);
  EXPECT_EQ(pgpx::codec<shop::pair_t>::param_format, pgpx::format::text);
  EXPECT_EQ(pgpx::codec<std::vector<shop::pair_t>>::param_format, pgpx::format::text);
  pgpx::param_list p;
  p.add(shop::pair_t{1, "x y"});
  EXPECT_STREQ(p.values()[0], R"x((1,"x y"))x");
  EXPECT_EQ(p.formats()[0], 0);
  EXPECT_EQ(p.types()[0], pgpx::oids::unspecified);
}

TEST(composite_codec, accepts_record_and_runtime_types) {
  using c = pgpx::codec<shop::pair_t>;
  EXPECT_TRUE(c::accepts(pgpx::oids::record));
  EXPECT_TRUE(c::accepts(pair_oid));
  EXPECT_FALSE(c::accepts(pgpx::oids::text));
  EXPECT_FALSE(c::accepts(pgpx::oids::int4));
  EXPECT_EQ(c::name, "shop::pair_t");
}

static_assert(pgpx::has_codec<shop::pair_t>);
static_assert(pgpx::has_codec<std::optional<shop::outer_t>>);
static_assert(pgpx::has_codec<std::vector<std::vector<shop::pair_t>>>);
static_assert(!pgpx::has_codec<shop::not_composite>, "a struct is a row unless it opts in");

}  // namespace
