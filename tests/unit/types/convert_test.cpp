// The one set of range checks every write path applies (pgpx/types/convert.hpp), and the
// places that report them: parameter $n, array element [i], composite member.
#include <pgpx/types.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace cvt {
struct pair_t {
  std::int32_t a;
  std::uint64_t big;
};
}  // namespace cvt

template <>
inline constexpr bool pgpx::is_composite<cvt::pair_t> = true;

namespace {

using pgpx::detail::checked_float4;
using pgpx::detail::checked_integer;
using ::testing::HasSubstr;

auto message_of(auto&& f) -> std::string {
  try {
    f();
  } catch (const pgpx::conversion_error& e) {
    return e.what();
  }
  return "(no conversion_error)";
}

TEST(convert, integers_never_wrap) {
  EXPECT_EQ(checked_integer<std::int64_t>(std::uint64_t{INT64_MAX}), INT64_MAX);
  EXPECT_THROW((void)checked_integer<std::int64_t>(std::uint64_t{INT64_MAX} + 1), pgpx::conversion_error);
  EXPECT_THAT(message_of([] { (void)checked_integer<std::int64_t>(~std::uint64_t{0}); }),
              HasSubstr("18446744073709551615 is out of range for int8"));
  EXPECT_EQ(checked_integer<std::int16_t>(std::int64_t{-32768}), -32768);
  EXPECT_THROW((void)checked_integer<std::int16_t>(std::int64_t{-32769}), pgpx::conversion_error);
  EXPECT_THROW((void)checked_integer<std::int16_t>(std::int64_t{32768}), pgpx::conversion_error);
  EXPECT_EQ(checked_integer<std::int32_t>(std::uint32_t{INT32_MAX}), INT32_MAX);
  EXPECT_THAT(message_of([] { (void)checked_integer<std::int32_t>(std::uint32_t{4294967295U}); }),
              HasSubstr("4294967295 is out of range for int4"));
  EXPECT_THROW((void)checked_integer<std::int32_t>(std::int64_t{INT32_MIN} - 1), pgpx::conversion_error);
}

TEST(convert, float4_refuses_finite_values_that_become_infinity_or_zero) {
  const double max = std::numeric_limits<float>::max();
  EXPECT_EQ(checked_float4(max), std::numeric_limits<float>::max());
  // Half an ulp above FLT_MAX still rounds down to FLT_MAX... up to 2^128 - 2^103.
  const double just_below = std::nextafter(std::ldexp(1.0, 128) - std::ldexp(1.0, 103), 0.0);
  EXPECT_EQ(checked_float4(just_below), std::numeric_limits<float>::max());
  EXPECT_EQ(checked_float4(-just_below), -std::numeric_limits<float>::max());
  EXPECT_THROW((void)checked_float4(std::ldexp(1.0, 128) - std::ldexp(1.0, 103)), pgpx::conversion_error);
  EXPECT_THAT(message_of([] { (void)checked_float4(1e300); }), HasSubstr("overflow"));
  EXPECT_THROW((void)checked_float4(-1e39), pgpx::conversion_error);
  EXPECT_THAT(message_of([] { (void)checked_float4(1e-300); }), HasSubstr("underflow"));
  EXPECT_THROW((void)checked_float4(-1e-46), pgpx::conversion_error);
  EXPECT_GT(checked_float4(1e-45), 0.0F);  // the smallest subnormal float survives
  EXPECT_EQ(checked_float4(0.0), 0.0F);
  EXPECT_TRUE(std::signbit(checked_float4(-0.0)));
  // Real infinities and NaN are values, not overflow.
  EXPECT_TRUE(std::isinf(checked_float4(std::numeric_limits<double>::infinity())));
  EXPECT_TRUE(std::isinf(checked_float4(-std::numeric_limits<double>::infinity())));
  EXPECT_TRUE(std::isnan(checked_float4(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_TRUE(std::isinf(checked_float4(std::numeric_limits<float>::infinity())));
}

TEST(convert, text_must_be_nul_free_utf8) {
  using pgpx::detail::check_text;
  using pgpx::detail::invalid_utf8_at;
  constexpr auto npos = std::string_view::npos;
  EXPECT_EQ(invalid_utf8_at(""), npos);
  EXPECT_EQ(invalid_utf8_at("plain ascii text, long enough for the 8-byte loop"), npos);
  EXPECT_EQ(invalid_utf8_at("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"), npos);  // é € 😀 U+10FFFF
  EXPECT_EQ(invalid_utf8_at("abcdefgh\xff"), 8U);
  EXPECT_EQ(invalid_utf8_at("\xc0\xaf"), 0U);          // overlong '/'
  EXPECT_EQ(invalid_utf8_at("\xc1\xbf"), 0U);          // overlong
  EXPECT_EQ(invalid_utf8_at("\xe0\x80\xaf"), 0U);      // overlong 3-byte
  EXPECT_EQ(invalid_utf8_at("\xf0\x80\x80\xaf"), 0U);  // overlong 4-byte
  EXPECT_EQ(invalid_utf8_at("x\xed\xa0\x80"), 1U);     // a surrogate
  EXPECT_EQ(invalid_utf8_at("\xf4\x90\x80\x80"), 0U);  // above U+10FFFF
  EXPECT_EQ(invalid_utf8_at("\xf5\x80\x80\x80"), 0U);
  EXPECT_EQ(invalid_utf8_at("ab\xc3"), 2U);            // truncated
  EXPECT_EQ(invalid_utf8_at("\xe2\x82"), 0U);
  EXPECT_EQ(invalid_utf8_at("\xe2\x28\xa1"), 0U);      // bad continuation
  EXPECT_EQ(invalid_utf8_at("\x80"), 0U);              // a lone continuation byte
  EXPECT_NO_THROW(check_text("caf\xc3\xa9"));
  EXPECT_THAT(message_of([] { check_text(std::string_view("ab\0c", 4)); }), HasSubstr("NUL byte (at byte 2)"));
  EXPECT_THAT(message_of([] { check_text("caf\xc3"); }), HasSubstr("not valid UTF-8 (at byte 3)"));
  EXPECT_NO_THROW(check_text("caf\xe9", false));  // another client encoding: only NUL is refused
  EXPECT_THROW(check_text(std::string_view("\0", 1), false), pgpx::conversion_error);
}

TEST(convert, unsigned_64_bit_integers_travel_as_checked_int8) {
  using codec = pgpx::codec<std::uint64_t>;
  static_assert(codec::param_oid == pgpx::oids::int8);
  std::string out;
  codec::encode(std::uint64_t{INT64_MAX}, out);
  EXPECT_EQ(out, std::string("\x7f\xff\xff\xff\xff\xff\xff\xff", 8));
  out.clear();
  EXPECT_THROW(codec::encode(std::uint64_t{INT64_MAX} + 1, out), pgpx::conversion_error);
  EXPECT_THROW(codec::to_text(~std::uint64_t{0}, out), pgpx::conversion_error);
  // Read back: a negative int8 is not a uint64_t.
  EXPECT_EQ(codec::decode(std::string("\x7f\xff\xff\xff\xff\xff\xff\xff", 8), pgpx::oids::int8),
            std::uint64_t{INT64_MAX});
  EXPECT_THROW((void)codec::decode(std::string(8, '\xff'), pgpx::oids::int8), pgpx::conversion_error);
  EXPECT_THROW((void)pgpx::codec<std::uint32_t>::decode(std::string(8, '\xff'), pgpx::oids::int8),
               pgpx::conversion_error);
}

TEST(convert, parameters_name_their_position_and_leave_the_list_as_it_was) {
  pgpx::param_list p;
  p.add(1).add(std::string("ok"));
  EXPECT_THAT(message_of([&] { p.add(~std::uint64_t{0}); }), HasSubstr("parameter $3: value 18446744073709551615"));
  EXPECT_THAT(message_of([&] { p.add(std::string("a\0b", 3)); }), HasSubstr("parameter $3: text contains a NUL"));
  EXPECT_THAT(message_of([&] { p.add(std::string_view("\xff")); }), HasSubstr("parameter $3: text is not valid UTF-8"));
  EXPECT_THAT(message_of([&] { p.add_text("\xc3"); }), HasSubstr("parameter $3"));
  EXPECT_THAT(message_of([&] { p.add(std::chrono::hours::max()); }), HasSubstr("parameter $3"));
  EXPECT_THAT(message_of([&] { p.add(std::chrono::year(-5000) / 1 / 1); }), HasSubstr("parameter $3"));
  EXPECT_EQ(p.size(), 2U);
  p.add(std::uint64_t{7});
  EXPECT_EQ(p.size(), 3U);
  pgpx::param_list latin1;
  latin1.check_utf8(false);
  EXPECT_NO_THROW(latin1.add(std::string("caf\xe9")));
}

TEST(convert, array_elements_and_composite_members_name_their_place) {
  std::string out;
  const std::vector<std::uint64_t> v{1, 2, ~std::uint64_t{0}};
  EXPECT_THAT(message_of([&] { pgpx::codec<std::vector<std::uint64_t>>::encode(v, out); }),
              HasSubstr("array element [2]: value 18446744073709551615 is out of range for int8"));
  const std::vector<std::vector<std::chrono::hours>> grid{{std::chrono::hours(1), std::chrono::hours(2)},
                                                          {std::chrono::hours(3), std::chrono::hours::max()}};
  EXPECT_THAT(message_of([&] { pgpx::codec<std::remove_const_t<decltype(grid)>>::encode(grid, out); }),
              HasSubstr("array element [1][1]"));
  EXPECT_THAT(message_of([&] {
                pgpx::codec<cvt::pair_t>::encode(cvt::pair_t{1, ~std::uint64_t{0}}, out);
              }),
              HasSubstr("member \"big\""));
  const std::vector<cvt::pair_t> pairs{{1, 2}, {3, ~std::uint64_t{0}}};
  EXPECT_THAT(message_of([&] { pgpx::codec<std::vector<cvt::pair_t>>::encode(pairs, out); }),
              HasSubstr("array element [1]: member \"big\""));
  pgpx::param_list p;
  EXPECT_THAT(message_of([&] { p.add(pairs); }), HasSubstr("parameter $1: array element [1]: member \"big\""));
}

TEST(convert, the_parameter_count_limit) {
  EXPECT_NO_THROW(pgpx::detail::check_parameter_count(65535, "select 1"));
  try {
    pgpx::detail::check_parameter_count(65536, "select 1");
    FAIL();
  } catch (const pgpx::usage_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("65536"));
    EXPECT_FALSE(e.poisons_connection());
  }
  EXPECT_TRUE(pgpx::detail::is_parameter_mismatch("08P01", "exec_bind_message", "bind message supplies 1 ..."));
  EXPECT_TRUE(pgpx::detail::is_parameter_mismatch("08P01", "", "bind message supplies 1 parameters, but ..."));
  EXPECT_FALSE(pgpx::detail::is_parameter_mismatch("08P01", "SocketBackend", "invalid frontend message type"));
  EXPECT_FALSE(pgpx::detail::is_parameter_mismatch("57P01", "exec_bind_message", ""));
}

}  // namespace
