// Unit tests of pgpx/types/array.hpp. The byte strings are what PostgreSQL 15's array_send
// produces for the SQL given next to them.
#include <pgpx/types/array.hpp>
#include <pgpx/types/range.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
auto encode(const T& v) -> std::string {
  std::string out;
  pgpx::codec<T>::encode(v, out);
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

// Every proper prefix of a valid encoding must be rejected with conversion_error.
template <class T>
void expect_every_truncation_throws(const std::string& bytes, pgpx::oid type) {
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::string prefix = bytes.substr(0, n);  // a copy, so ASan sees reads past its end
    EXPECT_THROW((void)pgpx::codec<T>::decode(prefix, type), pgpx::conversion_error) << "prefix of " << n << " bytes";
  }
}

using int_grid = std::vector<std::vector<std::optional<std::int32_t>>>;

// select array_send(array[[1,2],[3,null]]::int4[])
const std::string int4_2d = from_hex(
    "00000002000000010000001700000002000000010000000200000001000000040000000100000004000000020000000400000003ffffff"
    "ff");
// select array_send(array[1,2,3]::int4[])
const std::string int4_1d =
    from_hex("0000000100000000000000170000000300000001000000040000000100000004000000020000000400000003");
// select array_send('{}'::int4[])
const std::string int4_empty = from_hex("000000000000000000000017");
// select array_send(array[-1, 9223372036854775807]::int8[])
const std::string int8_1d =
    from_hex("000000010000000000000014000000020000000100000008ffffffffffffffff000000087fffffffffffffff");
// select array_send(array['a', '', 'q"b\c', null, 'NULL', 'x,y {}']::text[])
const std::string text_1d = from_hex(
    "0000000100000001000000190000000600000001000000016100000000000000057122625c63ffffffff000000044e554c4c00000006782c"
    "79207b7d");
// select array_send(array[true,false,null]::bool[])
const std::string bool_1d = from_hex("000000010000000100000010000000030000000100000001010000000100ffffffff");
// select array_send(array[1.5, '-0'::float8, 'NaN', '-Infinity']::float8[])
const std::string float8_1d = from_hex(
    "0000000100000000000002bd0000000400000001000000083ff8000000000000000000088000000000000000000000087ff8000000000000"
    "00000008fff0000000000000");
// select array_send('[0:1]={7,8}'::int4[])
const std::string int4_lower_bound_0 =
    from_hex("000000010000000000000017000000020000000000000004000000070000000400000008");
// select array_send(array[[[1,2]],[[3,4]]]::int2[])
const std::string int2_3d = from_hex(
    "0000000300000000000000150000000200000001000000010000000100000002000000010000000200010000000200020000000200030000"
    "00020004");
// select array_send(array['sad','happy']::mood[])   (mood[] = 16384, mood = 16385)
const std::string mood_1d = from_hex("000000010000000000004001000000020000000100000003736164000000056861707079");
// select array_send(array[int4range(1,2), 'empty']::int4range[])
const std::string int4range_1d =
    from_hex("000000010000000000000f4000000002000000010000001102000000040000000100000004000000020000000101");
// select array_send(array[[true,false],[null,true]])
const std::string bool_2d =
    from_hex("0000000200000001000000100000000200000001000000020000000100000001010000000100ffffffff0000000101");
// select array_send(array['\x0102'::bytea, '\x'::bytea])
const std::string bytea_1d = from_hex("000000010000000000000011000000020000000100000002010200000000");
// select array_send(array['x']::varchar[])
const std::string varchar_1d = from_hex("00000001000000000000041300000001000000010000000178");

constexpr pgpx::oid mood_array_oid = 16384;

TEST(array_codec, decodes_a_two_dimensional_array_with_a_null) {
  const auto v = decode<int_grid>(int4_2d, pgpx::oids::int4_array);
  const int_grid want{{1, 2}, {3, std::nullopt}};
  EXPECT_EQ(v, want);
}

TEST(array_codec, encodes_exactly_as_postgres_sends) {
  EXPECT_EQ(encode(int_grid{{1, 2}, {3, std::nullopt}}), int4_2d);
  EXPECT_EQ(encode(std::vector<std::int32_t>{1, 2, 3}), int4_1d);
  EXPECT_EQ(encode(std::vector<std::int32_t>{}), int4_empty);
  EXPECT_EQ(encode(std::vector<std::int64_t>{-1, INT64_MAX}), int8_1d);
  EXPECT_EQ(encode(std::vector<std::optional<bool>>{true, false, std::nullopt}), bool_1d);
  EXPECT_EQ(encode(std::vector<double>{1.5, -0.0, std::numeric_limits<double>::quiet_NaN(),
                                       -std::numeric_limits<double>::infinity()}),
            float8_1d);
  EXPECT_EQ(encode(std::vector<std::vector<std::vector<std::int16_t>>>{{{1, 2}}, {{3, 4}}}), int2_3d);
  EXPECT_EQ(encode(std::vector<std::vector<std::optional<bool>>>{{true, false}, {std::nullopt, true}}), bool_2d);
  EXPECT_EQ(encode(std::vector<pgpx::bytea>{{std::byte{1}, std::byte{2}}, {}}), bytea_1d);
  EXPECT_EQ(encode(std::vector<pgpx::range<std::int32_t>>{pgpx::range<std::int32_t>::closed_open(1, 2),
                                                          pgpx::range<std::int32_t>::empty_range()}),
            int4range_1d);
}

TEST(array_codec, null_into_a_plain_element_names_the_element) {
  using grid = std::vector<std::vector<std::int32_t>>;
  const std::string msg = error_of<grid>(int4_2d, pgpx::oids::int4_array);
  EXPECT_THAT(msg, HasSubstr("NULL at array element [1][1]"));
  EXPECT_THAT(msg, HasSubstr("std::int32_t"));
  EXPECT_THAT(error_of<std::vector<bool>>(bool_1d, pgpx::oids::bool_array), HasSubstr("element [2]"));
}

TEST(array_codec, one_dimensional_arrays_of_builtin_types) {
  EXPECT_EQ(decode<std::vector<std::int32_t>>(int4_1d, pgpx::oids::int4_array), (std::vector<std::int32_t>{1, 2, 3}));
  EXPECT_EQ(decode<std::vector<std::int64_t>>(int8_1d, pgpx::oids::int8_array),
            (std::vector<std::int64_t>{-1, INT64_MAX}));
  EXPECT_EQ(decode<std::vector<std::optional<bool>>>(bool_1d, pgpx::oids::bool_array),
            (std::vector<std::optional<bool>>{true, false, std::nullopt}));
  const auto d = decode<std::vector<double>>(float8_1d, pgpx::oids::float8_array);
  ASSERT_EQ(d.size(), 4U);
  EXPECT_EQ(d[0], 1.5);
  EXPECT_EQ(d[1], 0.0);
  EXPECT_TRUE(std::signbit(d[1]));
  EXPECT_TRUE(std::isnan(d[2]));
  EXPECT_EQ(d[3], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(text_of(d), "{1.5,-0,NaN,-Infinity}");
  const auto b = decode<std::vector<pgpx::bytea>>(bytea_1d, pgpx::oids::bytea_array);
  ASSERT_EQ(b.size(), 2U);
  EXPECT_EQ(b[0], (pgpx::bytea{std::byte{1}, std::byte{2}}));
  EXPECT_TRUE(b[1].empty());
  EXPECT_EQ(decode<std::vector<std::string>>(varchar_1d, pgpx::oids::varchar_array), std::vector<std::string>{"x"});
}

TEST(array_codec, fixed_width_elements_take_the_one_pass_path_and_fall_back_on_anything_else) {
  // int4[] of 1000 elements: header, dimension, then (length 4, value) per element.
  std::vector<std::int32_t> many(1000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<std::int32_t>(i * 7919) - 3'000'000;
  const std::string bytes = encode(many);
  EXPECT_EQ(decode<std::vector<std::int32_t>>(bytes, pgpx::oids::int4_array), many);
  // The same elements widened into int64 (another width: the general path).
  const auto wide = decode<std::vector<std::int64_t>>(bytes, pgpx::oids::int4_array);
  ASSERT_EQ(wide.size(), many.size());
  EXPECT_EQ(wide[999], many[999]);
  // float4 and float8 keep their bits.
  const std::vector<float> f{1.5F, -0.0F, std::numeric_limits<float>::infinity()};
  const auto f2 = decode<std::vector<float>>(encode(f), pgpx::oids::float4_array);
  ASSERT_EQ(f2.size(), 3U);
  EXPECT_TRUE(std::signbit(f2[1]));
  EXPECT_EQ(f2[2], f[2]);
  // Every inner row of a two-dimensional array.
  const std::vector<std::vector<std::int16_t>> grid{{1, -2, 3}, {4, 5, -32768}};
  EXPECT_EQ((decode<std::vector<std::vector<std::int16_t>>>(encode(grid), pgpx::oids::int2_array)), grid);
  // One element with a wrong length: refused by the general path, nothing half-read.
  std::string bad = bytes;
  bad[20 + 8 * 500 + 3] = 8;  // element [500] (0-based) says 8 bytes instead of 4
  EXPECT_THAT(error_of<std::vector<std::int32_t>>(bad, pgpx::oids::int4_array), HasSubstr("array element [500]"));
  // A NULL element among fixed-width ones: the general path names it.
  const std::string with_null = encode(std::vector<std::optional<std::int32_t>>{1, std::nullopt, 3});
  EXPECT_THAT(error_of<std::vector<std::int32_t>>(with_null, pgpx::oids::int4_array),
              HasSubstr("NULL at array element [1]"));
  EXPECT_EQ(decode<std::vector<std::optional<std::int32_t>>>(with_null, pgpx::oids::int4_array),
            (std::vector<std::optional<std::int32_t>>{1, std::nullopt, 3}));
}

TEST(array_codec, element_conversion_errors_carry_the_position) {
  const std::string msg = error_of<std::vector<std::int32_t>>(int8_1d, pgpx::oids::int8_array);
  EXPECT_THAT(msg, HasSubstr("array element [1]"));
  EXPECT_THAT(msg, HasSubstr("out of range"));
}

TEST(array_codec, strings_with_nulls_and_special_characters) {
  const auto v = decode<std::vector<std::optional<std::string>>>(text_1d, pgpx::oids::text_array);
  const std::vector<std::optional<std::string>> want{"a", "", "q\"b\\c", std::nullopt, "NULL", "x,y {}"};
  EXPECT_EQ(v, want);
  // The string_view flavour points into the input.
  const auto views = decode<std::vector<std::optional<std::string_view>>>(text_1d, pgpx::oids::text_array);
  ASSERT_EQ(views.size(), 6U);
  EXPECT_GE(views[0]->data(), text_1d.data());
  EXPECT_LT(views[0]->data(), text_1d.data() + text_1d.size());
  EXPECT_TRUE(pgpx::borrows_result_v<std::vector<std::string_view>>);
  EXPECT_FALSE(pgpx::borrows_result_v<std::vector<std::string>>);
}

TEST(array_codec, empty_arrays_decode_into_empty_vectors_at_any_depth) {
  EXPECT_TRUE(decode<std::vector<std::int32_t>>(int4_empty, pgpx::oids::int4_array).empty());
  EXPECT_TRUE(decode<int_grid>(int4_empty, pgpx::oids::int4_array).empty());
  EXPECT_TRUE((decode<std::vector<std::vector<std::vector<std::optional<std::int16_t>>>>>(int4_empty, 16400).empty()));
  // A dimension of size 0 (never sent by the server) is read as empty too.
  const std::string zero_dim = from_hex("00000002000000000000001700000003000000010000000000000001");
  EXPECT_TRUE(decode<int_grid>(zero_dim, pgpx::oids::int4_array).empty());
}

TEST(array_codec, empty_inner_vectors_encode_as_the_empty_array) {
  EXPECT_EQ(encode(int_grid{{}, {}}), int4_empty);
  EXPECT_EQ(encode(int_grid{}), int4_empty);
  EXPECT_EQ(text_of(int_grid{{}, {}}), "{}");
  EXPECT_EQ(text_of(std::vector<std::string>{}), "{}");
}

TEST(array_codec, lower_bounds_are_dropped) {
  EXPECT_EQ(decode<std::vector<std::int32_t>>(int4_lower_bound_0, pgpx::oids::int4_array),
            (std::vector<std::int32_t>{7, 8}));
}

TEST(array_codec, three_dimensions) {
  using cube = std::vector<std::vector<std::vector<std::int16_t>>>;
  const cube want{{{1, 2}}, {{3, 4}}};
  EXPECT_EQ(decode<cube>(int2_3d, pgpx::oids::int2_array), want);
  EXPECT_EQ(text_of(want), "{{{1,2}},{{3,4}}}");
  // Wider element types read narrower server types.
  using wide = std::vector<std::vector<std::vector<std::int64_t>>>;
  EXPECT_EQ(decode<wide>(int2_3d, pgpx::oids::int2_array), (wide{{{1, 2}}, {{3, 4}}}));
}

TEST(array_codec, the_dimension_count_must_match_the_nesting) {
  EXPECT_THAT(error_of<int_grid>(int4_1d, pgpx::oids::int4_array), HasSubstr("1 dimension"));
  EXPECT_THAT(error_of<std::vector<std::int32_t>>(int4_2d, pgpx::oids::int4_array), HasSubstr("2 dimensions"));
  EXPECT_THROW((void)decode<std::vector<std::vector<std::int16_t>>>(int2_3d, pgpx::oids::int2_array),
               pgpx::conversion_error);
}

TEST(array_codec, ragged_vectors_are_a_usage_error) {
  using grid = std::vector<std::vector<std::int32_t>>;
  std::string out;
  EXPECT_THROW(pgpx::codec<grid>::encode(grid{{1, 2}, {3}}, out), pgpx::usage_error);
  EXPECT_THROW(pgpx::codec<grid>::encode(grid{{}, {1}}, out), pgpx::usage_error);
  EXPECT_THROW(pgpx::codec<grid>::to_text(grid{{1}, {2, 3}}, out), pgpx::usage_error);
  using text_grid = std::vector<std::vector<std::string>>;
  EXPECT_THROW(pgpx::codec<text_grid>::encode(text_grid{{"a"}, {"b", "c"}}, out), pgpx::usage_error);
  using cube = std::vector<std::vector<std::vector<std::int16_t>>>;
  EXPECT_THROW(pgpx::codec<cube>::encode(cube{{{1, 2}}, {{3}}}, out), pgpx::usage_error);
}

TEST(array_codec, vector_of_bool_round_trips) {
  const std::vector<bool> v{true, false, true, true};
  EXPECT_EQ(decode<std::vector<bool>>(encode(v), pgpx::oids::bool_array), v);
  EXPECT_EQ(text_of(v), "{true,false,true,true}");
  using grid = std::vector<std::vector<bool>>;
  const grid g{{true, false}, {false, true}};
  EXPECT_EQ(decode<grid>(encode(g), pgpx::oids::bool_array), g);
}

TEST(array_codec, round_trips_with_nulls_in_many_dimensions) {
  using cube = std::vector<std::vector<std::vector<std::optional<std::int64_t>>>>;
  const cube c{{{1, std::nullopt, 3}, {4, 5, 6}}, {{std::nullopt, std::nullopt, 9}, {10, 11, INT64_MIN}}};
  EXPECT_EQ(decode<cube>(encode(c), pgpx::oids::int8_array), c);
  EXPECT_EQ(text_of(c), "{{{1,NULL,3},{4,5,6}},{{NULL,NULL,9},{10,11,-9223372036854775808}}}");
}

TEST(array_codec, parameter_types) {
  EXPECT_EQ(pgpx::codec<std::vector<std::int32_t>>::param_oid, pgpx::oids::int4_array);
  EXPECT_EQ(pgpx::codec<std::vector<std::int32_t>>::param_format, pgpx::format::binary);
  EXPECT_EQ(pgpx::codec<std::vector<std::optional<double>>>::param_oid, pgpx::oids::float8_array);
  EXPECT_EQ(pgpx::codec<std::vector<std::vector<std::int64_t>>>::param_oid, pgpx::oids::int8_array);
  EXPECT_EQ(pgpx::codec<std::vector<bool>>::param_oid, pgpx::oids::bool_array);
  EXPECT_EQ(pgpx::codec<std::vector<pgpx::bytea>>::param_oid, pgpx::oids::bytea_array);
  EXPECT_EQ(pgpx::codec<std::vector<pgpx::range<std::int64_t>>>::param_oid, pgpx::oids::int8range_array);
  // Strings travel as text literals with the type left to the server.
  EXPECT_EQ(pgpx::codec<std::vector<std::string>>::param_oid, pgpx::oids::unspecified);
  EXPECT_EQ(pgpx::codec<std::vector<std::string>>::param_format, pgpx::format::text);
  EXPECT_EQ(pgpx::codec<std::vector<std::vector<std::optional<std::string_view>>>>::param_format, pgpx::format::text);
  // bytea stays bytea: std::vector<std::byte> is not an array.
  EXPECT_EQ(pgpx::codec<pgpx::bytea>::param_oid, pgpx::oids::bytea);
  EXPECT_EQ(pgpx::detail::array_shape<std::vector<pgpx::bytea>>::depth, 1U);
}

TEST(array_codec, names) {
  EXPECT_EQ(pgpx::codec<std::vector<std::int32_t>>::name, "std::vector<std::int32_t>");
  EXPECT_EQ(pgpx::codec<std::vector<std::vector<std::string>>>::name, "std::vector<std::vector<std::string>>");
  EXPECT_EQ(pgpx::codec<std::vector<pgpx::range<std::int64_t>>>::name, "std::vector<pgpx::range<std::int64_t>>");
}

TEST(array_codec, accepts_builtin_arrays_of_accepted_elements_and_runtime_types) {
  using ints = pgpx::codec<std::vector<std::int32_t>>;
  EXPECT_TRUE(ints::accepts(pgpx::oids::int4_array));
  EXPECT_TRUE(ints::accepts(pgpx::oids::int2_array));
  EXPECT_TRUE(ints::accepts(pgpx::oids::int8_array));
  EXPECT_FALSE(ints::accepts(pgpx::oids::text_array));
  EXPECT_FALSE(ints::accepts(pgpx::oids::int4));
  EXPECT_FALSE(ints::accepts(pgpx::oids::bytea));
  EXPECT_TRUE(ints::accepts(16400));  // e.g. an array of a domain over int4
  using strings = pgpx::codec<std::vector<std::string>>;
  EXPECT_TRUE(strings::accepts(pgpx::oids::text_array));
  EXPECT_TRUE(strings::accepts(pgpx::oids::varchar_array));
  EXPECT_TRUE(strings::accepts(pgpx::oids::jsonb_array));
  EXPECT_TRUE(strings::accepts(mood_array_oid));
  EXPECT_FALSE(strings::accepts(pgpx::oids::int4_array));
  EXPECT_FALSE(strings::accepts(pgpx::oids::text));
}

TEST(array_codec, element_type_is_checked_from_the_header) {
  // An enum array (run-time OID) read as strings: accepted, the element OID is not builtin.
  EXPECT_EQ(decode<std::vector<std::string>>(mood_1d, mood_array_oid), (std::vector<std::string>{"sad", "happy"}));
  // The same bytes into integers: the element codec rejects the element type.
  EXPECT_THAT(error_of<std::vector<std::int32_t>>(mood_1d, mood_array_oid), HasSubstr("cannot read array elements"));
  // A header whose element type contradicts the built-in array type is malformed.
  EXPECT_THAT(error_of<std::vector<std::int64_t>>(int4_1d, pgpx::oids::int8_array), HasSubstr("does not match"));
}

TEST(array_codec, text_literals_quote_what_the_parser_would_misread) {
  const std::vector<std::optional<std::string>> nasty{"a\"b",   "back\\slash", "comma,", "{brace}", "sp ace",
                                                      "",       "NULL",        "null",   "plain",   "tab\there",
                                                      "nul(l)", std::nullopt};
  // The text PostgreSQL itself prints for this array (verified with psql).
  EXPECT_EQ(text_of(nasty),
            R"({"a\"b","back\\slash","comma,","{brace}","sp ace","","NULL","null",plain,"tab	here",nul(l),NULL})");
  // As a parameter the literal is the encoding.
  EXPECT_EQ(encode(nasty), text_of(nasty));
  using grid = std::vector<std::vector<std::string>>;
  EXPECT_EQ(text_of(grid{{"a", "b c"}, {"}", "\\"}}), R"({{a,"b c"},{"}","\\"}})");
  EXPECT_EQ(text_of(std::vector<pgpx::bytea>{{std::byte{0xAB}}}), R"({"\\xab"})");
  EXPECT_EQ(text_of(std::vector<double>{1.5, -2}), "{1.5,-2}");
}

TEST(array_codec, param_list_sends_binary_and_text_arrays) {
  pgpx::param_list p;
  p.add(std::vector<std::int32_t>{1, 2, 3}).add(std::vector<std::string>{"a b", "c"});
  ASSERT_EQ(p.size(), 2U);
  EXPECT_EQ(p.types()[0], pgpx::oids::int4_array);
  EXPECT_EQ(p.formats()[0], 1);
  EXPECT_EQ(std::string(p.values()[0], static_cast<std::size_t>(p.lengths()[0])), int4_1d);
  EXPECT_EQ(p.types()[1], pgpx::oids::unspecified);
  EXPECT_EQ(p.formats()[1], 0);
  EXPECT_STREQ(p.values()[1], R"({"a b",c})");
}

TEST(array_codec, malformed_headers_are_conversion_errors) {
  using ints = std::vector<std::int32_t>;
  const auto t = pgpx::oids::int4_array;
  // ndim -1, ndim 7
  EXPECT_THROW((void)decode<ints>(from_hex("ffffffff0000000000000017"), t), pgpx::conversion_error);
  EXPECT_THROW((void)decode<ints>(from_hex("000000070000000000000017"), t), pgpx::conversion_error);
  // flags 2
  EXPECT_THROW((void)decode<ints>(from_hex("0000000100000002000000170000000100000001000000040000000a"), t),
               pgpx::conversion_error);
  // negative dimension
  EXPECT_THROW((void)decode<ints>(from_hex("000000010000000000000017ffffffff00000001"), t), pgpx::conversion_error);
  // 2^31-1 elements announced, one present: rejected before allocating
  EXPECT_THAT(error_of<ints>(from_hex("0000000100000000000000177fffffff00000001000000040000000a"), t),
              HasSubstr("more elements"));
  // dimensions whose product overflows 32 and 64 bits
  using grid = std::vector<std::vector<std::int32_t>>;
  EXPECT_THROW((void)decode<grid>(from_hex("0000000200000000000000177fffffff000000017fffffff00000001"), t),
               pgpx::conversion_error);
  using six = std::vector<std::vector<std::vector<std::vector<std::vector<std::vector<std::int32_t>>>>>>;
  EXPECT_THROW((void)decode<six>(from_hex("000000060000000000000017"
                                          "7fffffff000000017fffffff000000017fffffff00000001"
                                          "7fffffff000000017fffffff000000017fffffff00000001"),
                                 t),
               pgpx::conversion_error);
  // negative element length other than -1
  EXPECT_THROW((void)decode<ints>(from_hex("0000000100000000000000170000000100000001fffffffe"), t),
               pgpx::conversion_error);
  // element length larger than what remains
  EXPECT_THROW((void)decode<ints>(from_hex("0000000100000000000000170000000100000001000000050000000a"), t),
               pgpx::conversion_error);
  // trailing bytes, after an element and after an empty array
  EXPECT_THROW((void)decode<ints>(int4_1d + '\0', t), pgpx::conversion_error);
  EXPECT_THROW((void)decode<ints>(int4_empty + '\0', t), pgpx::conversion_error);
}

TEST(array_codec, every_truncation_throws) {
  expect_every_truncation_throws<int_grid>(int4_2d, pgpx::oids::int4_array);
  expect_every_truncation_throws<std::vector<std::int32_t>>(int4_1d, pgpx::oids::int4_array);
  expect_every_truncation_throws<std::vector<std::int32_t>>(int4_empty, pgpx::oids::int4_array);
  expect_every_truncation_throws<std::vector<std::optional<std::string>>>(text_1d, pgpx::oids::text_array);
  expect_every_truncation_throws<std::vector<std::optional<bool>>>(bool_1d, pgpx::oids::bool_array);
  expect_every_truncation_throws<std::vector<double>>(float8_1d, pgpx::oids::float8_array);
  expect_every_truncation_throws<std::vector<std::vector<std::vector<std::int16_t>>>>(int2_3d, pgpx::oids::int2_array);
  expect_every_truncation_throws<std::vector<pgpx::bytea>>(bytea_1d, pgpx::oids::bytea_array);
  expect_every_truncation_throws<std::vector<pgpx::range<std::int32_t>>>(int4range_1d, pgpx::oids::int4range_array);
}

TEST(array_codec, compile_time_array_oids_agree_with_the_catalog_table) {
  for (pgpx::oid t = 0; t < 5000; ++t) EXPECT_EQ(pgpx::detail::array_type_of(t), pgpx::builtin_array_of(t)) << t;
}

static_assert(pgpx::has_codec<std::vector<std::vector<std::optional<std::int32_t>>>>);
static_assert(pgpx::has_codec<std::vector<bool>>);
static_assert(!pgpx::has_codec<std::vector<char>>, "char has no codec, so neither has a vector of it");
static_assert(!pgpx::has_codec<std::vector<std::vector<char>>>);

}  // namespace
