// Unit tests of pgpx/types/range.hpp. The byte strings are what PostgreSQL 15's range_send
// produces for the SQL given next to them.
#include <pgpx/types/range.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ::testing::HasSubstr;
using i32 = pgpx::range<std::int32_t>;
using i64 = pgpx::range<std::int64_t>;

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
void expect_every_truncation_throws(const std::string& bytes, pgpx::oid type) {
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::string prefix = bytes.substr(0, n);
    EXPECT_THROW((void)pgpx::codec<T>::decode(prefix, type), pgpx::conversion_error) << "prefix of " << n << " bytes";
  }
}

const std::string r_1_5 = from_hex("0200000004000000010000000400000005");        // int4range(1,5)
const std::string r_1_6 = from_hex("0200000004000000010000000400000006");        // int4range(1,5,'[]')
const std::string r_empty = from_hex("01");                                      // 'empty'::int4range
const std::string r_to_5 = from_hex("080000000400000005");                       // int4range(null,5)
const std::string r_from_3 = from_hex("120000000400000003");                     // int4range(3,null)
const std::string r_all = from_hex("18");                                        // int4range(null,null)
const std::string r8 = from_hex("0200000008fffffffffffffff600000008000000000000000a");  // int8range(-10,10)

TEST(range_codec, decodes_what_postgres_sends) {
  EXPECT_EQ(decode<i32>(r_1_5, pgpx::oids::int4range), i32::closed_open(1, 5));
  EXPECT_EQ(decode<i32>(r_1_6, pgpx::oids::int4range), i32::closed_open(1, 6));  // the server normalised [1,5]
  EXPECT_EQ(decode<i32>(r_empty, pgpx::oids::int4range), i32::empty_range());
  EXPECT_TRUE(decode<i32>(r_empty, pgpx::oids::int4range).empty);
  EXPECT_EQ(decode<i32>(r_to_5, pgpx::oids::int4range), i32::less_than(5));
  EXPECT_EQ(decode<i32>(r_from_3, pgpx::oids::int4range), i32::at_least(3));
  EXPECT_EQ(decode<i32>(r_all, pgpx::oids::int4range), i32::unbounded());
  EXPECT_EQ(decode<i64>(r8, pgpx::oids::int8range), i64::closed_open(-10, 10));
}

TEST(range_codec, decoded_members) {
  const auto r = decode<i32>(r_to_5, pgpx::oids::int4range);
  EXPECT_FALSE(r.empty);
  EXPECT_FALSE(r.lower.has_value());
  EXPECT_FALSE(r.lower_inclusive);  // meaningless for an unbounded side, and false
  EXPECT_EQ(r.upper, 5);
  EXPECT_FALSE(r.upper_inclusive);
}

TEST(range_codec, encodes_exactly_as_postgres_sends) {
  EXPECT_EQ(encode(i32::closed_open(1, 5)), r_1_5);
  EXPECT_EQ(encode(i32{1, 5}), r_1_5);  // aggregate default: [lower,upper)
  EXPECT_EQ(encode(i32::empty_range()), r_empty);
  EXPECT_EQ(encode(i32::less_than(5)), r_to_5);
  EXPECT_EQ(encode(i32::at_least(3)), r_from_3);
  EXPECT_EQ(encode(i32::unbounded()), r_all);
  EXPECT_EQ(encode(i32{}), r_all);
  EXPECT_EQ(encode(i64::closed_open(-10, 10)), r8);
  // An empty range sends only its flag, whatever its other members say.
  EXPECT_EQ(encode(i32{1, 5, true, true, true}), r_empty);
}

TEST(range_codec, round_trips_every_bound_kind) {
  for (const auto& r : {i32::closed(1, 5), i32::open(-3, 3), i32::open_closed(0, 9), i32::greater_than(7),
                        i32::at_most(-7), i32::closed(INT32_MIN, INT32_MAX)}) {
    EXPECT_EQ(decode<i32>(encode(r), pgpx::oids::int4range), r) << text_of(r);
  }
}

TEST(range_codec, text_literals) {
  EXPECT_EQ(text_of(i32::closed_open(1, 5)), "[1,5)");
  EXPECT_EQ(text_of(i32::closed(1, 5)), "[1,5]");
  EXPECT_EQ(text_of(i32::open(1, 5)), "(1,5)");
  EXPECT_EQ(text_of(i32::less_than(3)), "(,3)");
  EXPECT_EQ(text_of(i32::at_most(3)), "(,3]");
  EXPECT_EQ(text_of(i32::at_least(3)), "[3,)");
  EXPECT_EQ(text_of(i32::unbounded()), "(,)");
  EXPECT_EQ(text_of(i32::empty_range()), "empty");
  EXPECT_EQ(text_of(i64::closed_open(-10, 10)), "[-10,10)");
}

TEST(range_codec, literal_elements_are_quoted_like_range_out) {
  std::string out;
  pgpx::detail::append_literal_element(out, "2020-01-01 10:00:00", pgpx::detail::literal_kind::range);
  EXPECT_EQ(out, "\"2020-01-01 10:00:00\"");
  out.clear();
  pgpx::detail::append_literal_element(out, "a\"b\\c]", pgpx::detail::literal_kind::range);
  EXPECT_EQ(out, R"("a""b\\c]")");
  out.clear();
  pgpx::detail::append_literal_element(out, "", pgpx::detail::literal_kind::range);
  EXPECT_EQ(out, "\"\"");
  out.clear();
  pgpx::detail::append_literal_element(out, "NULL", pgpx::detail::literal_kind::range);
  EXPECT_EQ(out, "NULL");  // only arrays treat NULL specially
}

TEST(range_codec, parameter_types_and_names) {
  EXPECT_EQ(pgpx::codec<i32>::param_oid, pgpx::oids::int4range);
  EXPECT_EQ(pgpx::codec<i64>::param_oid, pgpx::oids::int8range);
  EXPECT_EQ(pgpx::codec<i32>::param_format, pgpx::format::binary);
  EXPECT_EQ(pgpx::codec<i32>::name, "pgpx::range<std::int32_t>");
  EXPECT_EQ(pgpx::range_oid_of<std::int32_t>, pgpx::oids::int4range);
  EXPECT_EQ(pgpx::range_oid_of<std::int16_t>, 0U);  // no int2range in PostgreSQL
  pgpx::param_list p;
  p.add(i32::closed_open(1, 5));
  EXPECT_EQ(p.types()[0], pgpx::oids::int4range);
  EXPECT_EQ(p.formats()[0], 1);
  EXPECT_EQ(std::string(p.values()[0], static_cast<std::size_t>(p.lengths()[0])), r_1_5);
}

TEST(range_codec, accepts_ranges_whose_element_the_element_codec_reads) {
  EXPECT_TRUE(pgpx::codec<i32>::accepts(pgpx::oids::int4range));
  EXPECT_TRUE(pgpx::codec<i64>::accepts(pgpx::oids::int4range));
  EXPECT_TRUE(pgpx::codec<i64>::accepts(pgpx::oids::int8range));
  EXPECT_FALSE(pgpx::codec<i32>::accepts(pgpx::oids::numrange));
  EXPECT_FALSE(pgpx::codec<i32>::accepts(pgpx::oids::int4));
  EXPECT_FALSE(pgpx::codec<i32>::accepts(pgpx::oids::int4range_array));
  EXPECT_FALSE(pgpx::codec<i32>::accepts(16400));
  // int4range read into 64-bit bounds, and int8range bounds range-checked into 32 bits.
  EXPECT_EQ(decode<i64>(r_1_5, pgpx::oids::int4range), i64::closed_open(1, 5));
  const std::string big = from_hex(
      "020000000800000001000000000000000800000002"
      "00000000");
  EXPECT_THROW((void)decode<i32>(big, pgpx::oids::int8range), pgpx::conversion_error);
}

TEST(range_codec, bound_errors_name_the_bound) {
  // int8range(-10, 10) bytes read as int4range: 8-byte bounds are not int4.
  try {
    (void)decode<i32>(r8, pgpx::oids::int4range);
    FAIL() << "no error";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("lower bound"));
  }
}

TEST(range_codec, malformed_input_is_a_conversion_error) {
  EXPECT_THROW((void)decode<i32>(from_hex("20"), pgpx::oids::int4range), pgpx::conversion_error);  // unknown flag
  EXPECT_THROW((void)decode<i32>(from_hex("80"), pgpx::oids::int4range), pgpx::conversion_error);
  EXPECT_THROW((void)decode<i32>(from_hex("0100"), pgpx::oids::int4range), pgpx::conversion_error);  // trailing
  EXPECT_THROW((void)decode<i32>(r_1_5 + '\0', pgpx::oids::int4range), pgpx::conversion_error);
  EXPECT_THROW((void)decode<i32>(from_hex("18ffffffff"), pgpx::oids::int4range), pgpx::conversion_error);
  EXPECT_THROW((void)decode<i32>(from_hex("08ffffffff"), pgpx::oids::int4range), pgpx::conversion_error);  // NULL bound
  EXPECT_THROW((void)decode<i32>(from_hex("087fffffff00"), pgpx::oids::int4range), pgpx::conversion_error);
}

TEST(range_codec, every_truncation_throws) {
  for (const auto* bytes : {&r_1_5, &r_1_6, &r_empty, &r_to_5, &r_from_3, &r_all})
    expect_every_truncation_throws<i32>(*bytes, pgpx::oids::int4range);
  expect_every_truncation_throws<i64>(r8, pgpx::oids::int8range);
}

// Ranges over the scalar types of pgpx/types/{numeric,chrono}.hpp.
using std::chrono::days;
using std::chrono::hours;
using std::chrono::January;
using std::chrono::year;

TEST(range_codec, numrange) {
  using r = pgpx::range<pgpx::numeric>;
  // select range_send(numrange(1.5, 2.5, '(]'))
  const std::string bytes = from_hex("040000000c0002000000000001000113880000000c000200000000000100021388");
  const r want = r::open_closed(pgpx::numeric{"1.5"}, pgpx::numeric{"2.5"});
  EXPECT_EQ(decode<r>(bytes, pgpx::oids::numrange), want);
  EXPECT_EQ(encode(want), bytes);
  EXPECT_EQ(text_of(want), "(1.5,2.5]");
  EXPECT_EQ(pgpx::codec<r>::param_oid, pgpx::oids::numrange);
  EXPECT_EQ(pgpx::codec<r>::name, "pgpx::range<pgpx::numeric>");
  expect_every_truncation_throws<r>(bytes, pgpx::oids::numrange);
}

TEST(range_codec, daterange) {
  using r = pgpx::range<pgpx::date>;
  // select range_send(daterange('2020-01-01', '2021-01-01'))
  const std::string bytes = from_hex("020000000400001c890000000400001df7");
  const r want = r::closed_open(year{2020} / January / 1, year{2021} / January / 1);
  EXPECT_EQ(decode<r>(bytes, pgpx::oids::daterange), want);
  EXPECT_EQ(encode(want), bytes);
  EXPECT_EQ(text_of(want), "[2020-01-01,2021-01-01)");
  EXPECT_EQ(pgpx::codec<r>::param_oid, pgpx::oids::daterange);
  EXPECT_TRUE(want.contains(year{2020} / 6 / 30));
  EXPECT_FALSE(want.contains(year{2021} / January / 1));
  expect_every_truncation_throws<r>(bytes, pgpx::oids::daterange);
}

TEST(range_codec, tsrange) {
  using r = pgpx::range<pgpx::timestamp>;
  using std::chrono::local_days;
  // select range_send(tsrange('2020-01-01 10:00', '2020-01-02', '[]'))
  const std::string bytes = from_hex("060000000800023e0fe886c8000000000800023e1ba499c000");
  const r want = r::closed(pgpx::timestamp{local_days{year{2020} / January / 1} + hours{10}},
                           pgpx::timestamp{local_days{year{2020} / January / 2}});
  EXPECT_EQ(decode<r>(bytes, pgpx::oids::tsrange), want);
  EXPECT_EQ(encode(want), bytes);
  // What PostgreSQL prints for the same range.
  EXPECT_EQ(text_of(want), R"(["2020-01-01 10:00:00","2020-01-02 00:00:00"])");
  EXPECT_EQ(pgpx::codec<r>::param_oid, pgpx::oids::tsrange);
  expect_every_truncation_throws<r>(bytes, pgpx::oids::tsrange);
}

TEST(range_codec, tstzrange) {
  using r = pgpx::range<pgpx::timestamptz>;
  using std::chrono::sys_days;
  // select range_send(tstzrange('2020-01-01 10:00+00', null))
  const std::string bytes = from_hex("120000000800023e0fe886c800");
  const r want = r::at_least(pgpx::timestamptz{sys_days{year{2020} / January / 1} + hours{10}});
  EXPECT_EQ(decode<r>(bytes, pgpx::oids::tstzrange), want);
  EXPECT_EQ(encode(want), bytes);
  EXPECT_EQ(text_of(want), R"x(["2020-01-01 10:00:00+00",))x");
  EXPECT_EQ(pgpx::codec<r>::param_oid, pgpx::oids::tstzrange);
  EXPECT_FALSE(pgpx::codec<r>::accepts(pgpx::oids::tsrange));  // the element codec tells them apart
  expect_every_truncation_throws<r>(bytes, pgpx::oids::tstzrange);
}

TEST(range_codec, arrays_of_scalar_ranges_and_scalars_are_binary) {
  EXPECT_EQ(pgpx::codec<std::vector<pgpx::range<pgpx::date>>>::param_oid, pgpx::oids::daterange_array);
  EXPECT_EQ(pgpx::codec<std::vector<pgpx::range<pgpx::numeric>>>::param_oid, pgpx::oids::numrange_array);
  EXPECT_EQ(pgpx::codec<std::vector<std::optional<pgpx::numeric>>>::param_oid, pgpx::oids::numeric_array);
  EXPECT_EQ(pgpx::codec<std::vector<pgpx::timestamptz>>::param_oid, pgpx::oids::timestamptz_array);
  using dates = std::vector<pgpx::range<pgpx::date>>;
  const dates v{pgpx::range<pgpx::date>::at_least(year{1999} / 12 / 31), pgpx::range<pgpx::date>::empty_range()};
  std::string out;
  pgpx::codec<dates>::encode(v, out);
  EXPECT_EQ(pgpx::codec<dates>::decode(out, pgpx::oids::daterange_array), v);
  EXPECT_EQ(text_of(v), R"x({"[1999-12-31,)",empty})x");
}

TEST(range_value, contains) {
  const auto r = i32::closed_open(1, 5);
  EXPECT_FALSE(r.contains(0));
  EXPECT_TRUE(r.contains(1));
  EXPECT_TRUE(r.contains(4));
  EXPECT_FALSE(r.contains(5));
  EXPECT_TRUE(i32::open_closed(1, 5).contains(5));
  EXPECT_FALSE(i32::open_closed(1, 5).contains(1));
  EXPECT_TRUE(i32::at_least(3).contains(INT32_MAX));
  EXPECT_TRUE(i32::less_than(3).contains(INT32_MIN));
  EXPECT_TRUE(i32::unbounded().contains(0));
  EXPECT_FALSE(i32::empty_range().contains(0));
}

TEST(range_value, equality_ignores_what_has_no_meaning) {
  EXPECT_EQ(i32::empty_range(), (i32{1, 5, true, false, true}));
  EXPECT_EQ(i32::unbounded(), i32{});  // the inclusive flags of unbounded sides differ
  EXPECT_NE(i32::closed(1, 5), i32::closed_open(1, 5));
  EXPECT_NE(i32::closed(1, 5), i32::empty_range());
  EXPECT_NE(i32::at_least(1), i32::greater_than(1));
}

}  // namespace
