#include <pgpx/types/builtin.hpp>

#include <gtest/gtest.h>

#include <limits>

namespace {

template <class T>
auto roundtrip(const T& v, pgpx::oid as) -> T {
  std::string buf;
  pgpx::codec<T>::encode(v, buf);
  return pgpx::codec<T>::decode(buf, as);
}

TEST(builtin_codec, integers_round_trip_at_their_limits) {
  EXPECT_EQ(roundtrip<std::int16_t>(-32768, pgpx::oids::int2), -32768);
  EXPECT_EQ(roundtrip<std::int32_t>(std::numeric_limits<std::int32_t>::min(), pgpx::oids::int4),
            std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(roundtrip<std::int64_t>(std::numeric_limits<std::int64_t>::max(), pgpx::oids::int8),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(pgpx::codec<std::uint32_t>::param_oid, pgpx::oids::int8);
  EXPECT_EQ(pgpx::codec<std::uint16_t>::param_oid, pgpx::oids::int4);
}

TEST(builtin_codec, integer_narrowing_is_range_checked) {
  std::string buf;
  pgpx::codec<std::int64_t>::encode(70000, buf);
  EXPECT_THROW((void)pgpx::codec<std::int16_t>::decode(buf, pgpx::oids::int8), pgpx::conversion_error);
  EXPECT_EQ(pgpx::codec<std::int32_t>::decode(buf, pgpx::oids::int8), 70000);
}

TEST(builtin_codec, wrong_length_is_an_error_not_a_read_past_the_end) {
  EXPECT_THROW((void)pgpx::codec<std::int32_t>::decode(std::string_view("\0\0", 2), pgpx::oids::int4),
               pgpx::conversion_error);
  EXPECT_THROW((void)pgpx::codec<double>::decode(std::string_view("\0\0\0", 3), pgpx::oids::float8),
               pgpx::conversion_error);
  EXPECT_THROW((void)pgpx::codec<bool>::decode(std::string_view(), pgpx::oids::bool_), pgpx::conversion_error);
}

TEST(builtin_codec, floats_keep_every_bit_and_print_special_values_as_postgres_does) {
  EXPECT_EQ(roundtrip(0.1, pgpx::oids::float8), 0.1);
  EXPECT_EQ(roundtrip(-0.0f, pgpx::oids::float4), -0.0f);
  std::string t;
  pgpx::codec<double>::to_text(std::numeric_limits<double>::infinity(), t);
  EXPECT_EQ(t, "Infinity");
  t.clear();
  pgpx::codec<double>::to_text(std::numeric_limits<double>::quiet_NaN(), t);
  EXPECT_EQ(t, "NaN");
  t.clear();
  pgpx::codec<double>::to_text(0.1, t);
  EXPECT_EQ(t, "0.1");
}

TEST(builtin_codec, jsonb_strings_lose_the_version_byte) {
  EXPECT_EQ(pgpx::codec<std::string>::decode(std::string_view("\1{}", 3), pgpx::oids::jsonb), "{}");
  EXPECT_THROW((void)pgpx::codec<std::string>::decode(std::string_view("\2{}", 3), pgpx::oids::jsonb),
               pgpx::conversion_error);
  EXPECT_FALSE(pgpx::codec<std::string>::accepts(pgpx::oids::int4));
  EXPECT_TRUE(pgpx::codec<std::string>::accepts(pgpx::oids::varchar));
}

TEST(builtin_codec, bytea_text_form_is_hex) {
  pgpx::bytea b{std::byte{0x00}, std::byte{0xAB}, std::byte{0xff}};
  std::string t;
  pgpx::codec<pgpx::bytea>::to_text(b, t);
  EXPECT_EQ(t, "\\x00abff");
  EXPECT_EQ(roundtrip(b, pgpx::oids::bytea), b);
}

TEST(param_list, encodes_values_and_nulls_in_order) {
  pgpx::param_list p;
  std::string s = "hello";
  p.add(42).add(s).add(std::optional<int>{}).add("lit");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p.types()[0], pgpx::oids::int4);
  EXPECT_EQ(p.formats()[0], 1);
  EXPECT_EQ(p.lengths()[0], 4);
  EXPECT_EQ(p.values()[1], s.c_str());  // std::string is borrowed, not copied
  EXPECT_EQ(p.values()[2], nullptr);
  EXPECT_EQ(p.lengths()[2], -1);
  EXPECT_STREQ(p.values()[3], "lit");
  p.clear();
  EXPECT_TRUE(p.empty());
}

// The documented `p.add(std::string("ada"))`: a temporary string is copied, since the list is
// used after the temporary is gone. The freed block is handed out again to a string of the
// same size, so a borrowed pointer would read 'y's here (and ASan reports the old code).
TEST(param_list, a_temporary_string_is_copied_not_borrowed) {
  pgpx::param_list p;
  p.add(std::string(100, 'x')).add(std::string("ada"));
  const std::string reuse(100, 'y');
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(std::string(p.values()[0], static_cast<std::size_t>(p.lengths()[0])), std::string(100, 'x'));
  EXPECT_STREQ(p.values()[1], "ada");
  EXPECT_NE(p.values()[0], reuse.c_str());
  // An lvalue is still borrowed (zero copy), and owning is switched back on after the copy.
  std::string s = "borrowed";
  p.add(s);
  EXPECT_EQ(p.values()[2], s.c_str());
  // A refused temporary leaves the list as it was and borrowing still on.
  EXPECT_THROW(p.add(std::string("a\0b", 3)), pgpx::conversion_error);
  ASSERT_EQ(p.size(), 3u);
  std::string t = "again";
  p.add(t);
  EXPECT_EQ(p.values()[3], t.c_str());
}

}  // namespace
