#include <pgpx/types/numeric.hpp>

#include <pgpx/detail/endian.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>
#include <type_traits>

namespace {

using pgpx::numeric;

static_assert(pgpx::has_codec<numeric>);
static_assert(pgpx::has_codec<std::optional<numeric>>);
static_assert(std::is_convertible_v<int, numeric>);
static_assert(std::is_convertible_v<std::uint64_t, numeric>);
static_assert(!std::is_constructible_v<numeric, double>, "doubles must not silently become numerics");
static_assert(!std::is_constructible_v<numeric, float>);
static_assert(!std::is_convertible_v<std::string_view, numeric>, "text conversion can throw: explicit only");
static_assert(!std::is_constructible_v<numeric, bool>);

auto from_hex(std::string_view hex) -> std::string {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

auto encode(const numeric& v) -> std::string {
  std::string out;
  pgpx::codec<numeric>::encode(v, out);
  return out;
}

auto decode(std::string_view bytes) -> numeric { return pgpx::codec<numeric>::decode(bytes, pgpx::oids::numeric); }

struct wire_case {
  const char* text;
  const char* hex;  // numeric_send() output of PostgreSQL 15
};

// Each value's canonical text and PostgreSQL's binary output for it.
constexpr wire_case wire_cases[] = {
    {"1.50", "000200000000000200011388"},
    {"0", "0000000000000000"},
    {"0.00", "0000000000000002"},
    {"0.0001", "0001ffff000000040001"},
    {"-123.4500", "0002000040000004007b1194"},
    {"-0.5", "0001ffff400000011388"},
    {"0.000000001", "0001fffd0000000903e8"},
    {"0.00000000000000000001", "0001fffb000000140001"},
    {"10000", "00010001000000000001"},
    {"99999999", "0002000100000000270f270f"},
    {"100000000", "00010002000000000001"},
    {"12000", "0002000100000000000107d0"},  // 12345::numeric(2,-3): a negative scale
    {"15.0", "0001000000000001000f"},
    {"123456789012345678901234567890.123456789", "000b000700000009000c0d801ed204d2162e23340d801ed204d2162e2328"},
};

TEST(numeric_codec, decodes_postgres_binary_output) {
  for (const auto& c : wire_cases) {
    EXPECT_EQ(decode(from_hex(c.hex)).to_string(), c.text) << c.hex;
  }
  EXPECT_EQ(decode(from_hex("00010019000000000001")).to_string(), "1" + std::string(100, '0'));  // 1e100
}

TEST(numeric_codec, encodes_exactly_what_postgres_sends) {
  for (const auto& c : wire_cases) {
    EXPECT_EQ(encode(numeric(c.text)), from_hex(c.hex)) << c.text;
  }
  EXPECT_EQ(encode(numeric("1e100")), from_hex("00010019000000000001"));
}

TEST(numeric_codec, special_values_round_trip) {
  // PostgreSQL sends dscale 32 with the infinities (an artefact of its short header); it
  // ignores dscale for special values on input.
  EXPECT_TRUE(decode(from_hex("00000000c0000000")).is_nan());
  EXPECT_EQ(decode(from_hex("00000000d0000020")), numeric::infinity());
  EXPECT_EQ(decode(from_hex("00000000f0000020")), numeric::minus_infinity());
  EXPECT_EQ(encode(numeric::nan()), from_hex("00000000c0000000"));
  EXPECT_EQ(encode(numeric::infinity()), from_hex("00000000d0000000"));
  EXPECT_EQ(encode(numeric::minus_infinity()), from_hex("00000000f0000000"));
  EXPECT_EQ(decode(encode(numeric("-inf"))).to_string(), "-Infinity");
}

TEST(numeric_codec, display_scale_survives_a_round_trip) {
  EXPECT_EQ(decode(encode(numeric("1.50"))).to_string(), "1.50");
  EXPECT_EQ(decode(encode(numeric("1.5"))).to_string(), "1.5");
  EXPECT_EQ(decode(encode(numeric("100.000"))).to_string(), "100.000");
  EXPECT_NE(numeric("1.50"), numeric("1.5"));
}

TEST(numeric_codec, random_values_round_trip) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> len(0, 40);
  std::uniform_int_distribution<int> dig(0, 9);
  std::uniform_int_distribution<int> coin(0, 3);
  for (int i = 0; i < 2000; ++i) {
    std::string text = coin(rng) == 0 ? "-" : "";
    const int int_len = len(rng);
    const int frac_len = coin(rng) == 0 ? 0 : len(rng);
    for (int k = 0; k < int_len; ++k) text.push_back(static_cast<char>('0' + (coin(rng) == 0 ? 0 : dig(rng))));
    if (int_len == 0) text.push_back('0');
    if (frac_len > 0) {
      text.push_back('.');
      for (int k = 0; k < frac_len; ++k) text.push_back(static_cast<char>('0' + (coin(rng) == 0 ? 0 : dig(rng))));
    }
    const numeric v(text);
    EXPECT_EQ(decode(encode(v)), v) << text;
  }
}

TEST(numeric_codec, extreme_magnitudes_round_trip) {
  const numeric big("1e131071");  // the largest power of ten PostgreSQL accepts
  EXPECT_EQ(big.to_string().size(), 131072u);
  EXPECT_EQ(encode(big), from_hex("00017fff0000000003e8"));  // 1000 * 10000^32767
  EXPECT_EQ(decode(encode(big)), big);
  const numeric tiny("1e-16383");  // the smallest one
  EXPECT_EQ(tiny.scale(), 16383);
  EXPECT_EQ(decode(encode(tiny)), tiny);
}

TEST(numeric_codec, the_longest_value_has_more_digits_than_a_signed_count_holds) {
  // 131072 digits before the point and 16383 after: 32768 + 4096 base-10000 digits, a count
  // above 32767 that numeric_send and numeric_recv treat as unsigned.
  const numeric longest(std::string(131072, '7') + "." + std::string(16383, '3'));
  const std::string bytes = encode(longest);
  EXPECT_EQ(bytes.substr(0, 8), from_hex("90007fff00003fff"));
  EXPECT_EQ(bytes.size(), 8u + 2u * 36864u);
  EXPECT_EQ(decode(bytes), longest);
}

TEST(numeric_codec, values_on_both_sides_of_the_stack_buffer_decode_exactly) {
  // Up to 60 digits (15 base-10000 groups) are written into a stack buffer, more into a
  // heap one: both must print the same canonical text.
  const std::string sixty = std::string(30, '7') + "." + std::string(30, '3');
  const std::string sixty_four = std::string(32, '9') + "." + std::string(32, '1');
  for (const std::string& text : {sixty, "-" + sixty, sixty_four, "-" + sixty_four}) {
    const numeric v(text);
    EXPECT_EQ(decode(encode(v)).to_string(), text);
  }
  for (const char* text :
       {"9999999999999999", "-9999999999999999", "10000000000000000", "999999999999.9999", "1000000000000.0000",
        "0.0000000000000001", "-0.00000000000000001", "12345.67", "-12345.67", "0.10", "100.000", "1.5", "0.000",
        "-1.000000000000", "1234567890123.4", "99999999.99999999", "100000000.00000000"}) {
    const numeric v(text);
    EXPECT_EQ(decode(encode(v)).to_string(), v.to_string()) << text;
  }
  // A display scale larger than the digits sent: the missing digits are zeros.
  EXPECT_EQ(decode(from_hex("00010000000000060007")).to_string(), "7.000000");
}

TEST(numeric_codec, decoding_truncates_digits_beyond_the_display_scale_like_numeric_recv) {
  // ndigits 1, weight -1, sign +, dscale 2, digit 1234: 0.1234 shown with scale 2.
  EXPECT_EQ(decode(from_hex("0001ffff0000000204d2")).to_string(), "0.12");
  // -0.00000001 at scale 4 is zero, and zero has no sign.
  EXPECT_EQ(decode(from_hex("0001fffe400000040001")).to_string(), "0.0000");
  // A negative zero with no digits.
  EXPECT_EQ(decode(from_hex("0000000040000000")).to_string(), "0");
}

TEST(numeric_codec, every_truncation_of_a_valid_encoding_throws) {
  for (const auto& c : wire_cases) {
    const std::string bytes = from_hex(c.hex);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      // An exact-size heap copy, so that AddressSanitizer sees any read past the end.
      const std::vector<char> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_THROW((void)decode(std::string_view(prefix.data(), n)), pgpx::conversion_error) << c.text << " " << n;
    }
    EXPECT_THROW((void)decode(bytes + '\0'), pgpx::conversion_error) << c.text;
  }
}

TEST(numeric_codec, random_wire_values_decode_to_canonical_text_or_throw) {
  // Structured random input: mostly plausible headers, sometimes broken ones. Whatever
  // decodes must be canonical (reparsing its text gives the same value) and survive a
  // round trip; everything else must be a conversion_error.
  std::mt19937 rng(2024);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int decoded = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string bytes;
    const int ndigits = pick(0, 6);
    const int claimed = pick(0, 9) == 0 ? pick(0, 8) : ndigits;
    pgpx::detail::store_be<std::uint16_t>(bytes, static_cast<std::uint16_t>(claimed));
    pgpx::detail::store_be<std::int16_t>(
        bytes, static_cast<std::int16_t>(pick(0, 199) == 0 ? pick(-32768, 32767) : pick(-8, 8)));
    const std::uint16_t signs[] = {0x0000, 0x4000, 0xC000, 0xD000, 0xF000, 0x8000, 0x1234};
    pgpx::detail::store_be<std::uint16_t>(bytes, signs[pick(0, 9) == 0 ? pick(0, 6) : pick(0, 1)]);
    pgpx::detail::store_be<std::uint16_t>(bytes,
                                          static_cast<std::uint16_t>(pick(0, 9) == 0 ? pick(0, 65535) : pick(0, 20)));
    for (int k = 0; k < ndigits; ++k)
      pgpx::detail::store_be<std::int16_t>(
          bytes, static_cast<std::int16_t>(pick(0, 19) == 0 ? pick(-2, 10002) : pick(0, 9999)));
    const std::vector<char> exact(bytes.begin(), bytes.end());
    try {
      const numeric v = decode(std::string_view(exact.data(), exact.size()));
      ++decoded;
      EXPECT_EQ(numeric(v.to_string()), v) << v.to_string();
      EXPECT_EQ(decode(encode(v)), v) << v.to_string();
    } catch (const pgpx::conversion_error&) {
    }
  }
  EXPECT_GT(decoded, 5000);  // the generator mostly produces valid values
}

TEST(numeric_codec, malformed_headers_and_digits_throw) {
  EXPECT_THROW((void)decode(from_hex("0001000080000000000a")), pgpx::conversion_error);  // sign 0x8000
  EXPECT_THROW((void)decode(from_hex("00010000000000002710")), pgpx::conversion_error);  // digit 10000
  EXPECT_THROW((void)decode(from_hex("0001000000000000ffff")), pgpx::conversion_error);  // digit -1
  EXPECT_THROW((void)decode(from_hex("00010000000040000001")), pgpx::conversion_error);  // dscale 16384
  EXPECT_THROW((void)decode(from_hex("00030000000000000001")), pgpx::conversion_error);  // 3 digits claimed
  EXPECT_THROW((void)decode(from_hex("ffff0000000000000001")), pgpx::conversion_error);  // 65535 claimed
}

TEST(numeric_codec, codec_members) {
  using c = pgpx::codec<numeric>;
  EXPECT_EQ(c::param_oid, pgpx::oids::numeric);
  EXPECT_EQ(c::param_format, pgpx::format::binary);
  EXPECT_TRUE(c::accepts(pgpx::oids::numeric));
  EXPECT_FALSE(c::accepts(pgpx::oids::float8));
  EXPECT_FALSE(c::accepts(pgpx::oids::text));
  std::string t;
  c::to_text(numeric("-0012.340"), t);
  EXPECT_EQ(t, "-12.340");
  t.clear();
  c::to_text(numeric::minus_infinity(), t);
  EXPECT_EQ(t, "-Infinity");
}

TEST(numeric_text, parses_what_numeric_in_accepts_into_its_output_form) {
  // Pairs of numeric_in input and PostgreSQL 15's output.
  const std::pair<const char*, const char*> cases[] = {
      {"1.5e-3", "0.0015"},
      {"1.50e1", "15.0"},
      {"  12  ", "12"},
      {".5", "0.5"},
      {"5.", "5"},
      {"+7", "7"},
      {"-0", "0"},
      {"-0.00", "0.00"},
      {"-0.0e5", "0"},
      {"1e+5", "100000"},
      {"1E5", "100000"},
      {"007.10", "7.10"},
      {"1e-20", "0.00000000000000000001"},
      {"\t-3\n", "-3"},
      {"inf", "Infinity"},
      {"+inf", "Infinity"},
      {"-INF", "-Infinity"},
      {"Infinity", "Infinity"},
      {"-infinity", "-Infinity"},
      {"nan", "NaN"},
      {" NaN ", "NaN"},
      {"12.5e-1", "1.25"},
      {"0.000", "0.000"},
  };
  for (const auto& [in, out] : cases) {
    EXPECT_EQ(numeric(in).to_string(), out) << in;
  }
}

TEST(numeric_text, rejects_malformed_text_and_names_it) {
  const char* bad[] = {"",      " ",    "abc",  "1.2.3", "-",   "1e",   "e5",        ".",   "1 e5",  "- 1",
                       "1_000", "0x10", "+NaN", "--1",   "1e+", "1e5x", "Infinityx", "1,5", "1e1.5", "١"};
  for (const char* text : bad) {
    try {
      (void)numeric(text);
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const pgpx::conversion_error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + text + "\""), std::string::npos) << e.what();
    }
  }
}

TEST(numeric_text, enforces_postgres_limits) {
  EXPECT_NO_THROW((void)numeric("1e131071"));
  EXPECT_THROW((void)numeric("1e131072"), pgpx::conversion_error);
  EXPECT_NO_THROW((void)numeric("1e-16383"));
  EXPECT_THROW((void)numeric("1e-16384"), pgpx::conversion_error);
  EXPECT_THROW((void)numeric("0.1e-16383"), pgpx::conversion_error);
  EXPECT_THROW((void)numeric("1e2147483647"), pgpx::conversion_error);
  EXPECT_THROW((void)numeric("1e99999999999999999999"), pgpx::conversion_error);
  EXPECT_EQ(numeric("0e100000").to_string(), "0");  // zero has no integer digits to overflow
}

TEST(numeric_value, integers_are_exact) {
  EXPECT_EQ(numeric(std::numeric_limits<std::int64_t>::min()).to_string(), "-9223372036854775808");
  EXPECT_EQ(numeric(std::numeric_limits<std::uint64_t>::max()).to_string(), "18446744073709551615");
  const numeric n = 42;
  EXPECT_EQ(n, numeric("42"));
  EXPECT_EQ(numeric().to_string(), "0");
  EXPECT_EQ(decode(encode(numeric(std::numeric_limits<std::int64_t>::min()))).to_string(), "-9223372036854775808");
}

TEST(numeric_value, predicates_and_scale) {
  EXPECT_TRUE(numeric::nan().is_nan());
  EXPECT_FALSE(numeric::nan().is_finite());
  EXPECT_TRUE(numeric::infinity().is_infinite());
  EXPECT_TRUE(numeric::minus_infinity().is_infinite());
  EXPECT_TRUE(numeric("1").is_finite());
  EXPECT_FALSE(numeric("1").is_infinite());
  EXPECT_EQ(numeric("1.50").scale(), 2);
  EXPECT_EQ(numeric("1500").scale(), 0);
  EXPECT_EQ(numeric::nan().scale(), 0);
  EXPECT_EQ(numeric::nan(), numeric("NaN"));  // canonical equality: NaN equals NaN
}

TEST(numeric_value, to_double_is_correctly_rounded) {
  EXPECT_EQ(numeric("0.1").to_double(), 0.1);
  EXPECT_EQ(numeric("-0.0015").to_double(), -0.0015);
  EXPECT_EQ(numeric("123456789012345678901234567890").to_double(), 1.2345678901234568e29);
  EXPECT_TRUE(std::isnan(numeric::nan().to_double()));
  EXPECT_EQ(numeric::infinity().to_double(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(numeric::minus_infinity().to_double(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(numeric("1e400").to_double(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(numeric("-1e400").to_double(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(numeric("1e-400").to_double(), 0.0);
  EXPECT_EQ(numeric("-1e-400").to_double(), 0.0);
  EXPECT_TRUE(std::signbit(numeric("-1e-400").to_double()));
}

}  // namespace
