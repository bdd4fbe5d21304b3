#include <pgpx/types/inet.hpp>

#include <gtest/gtest.h>

#include <random>

#include <string>
#include <string_view>
#include <vector>
#include <utility>

namespace {

using pgpx::inet;

static_assert(pgpx::has_codec<inet>);
static_assert(pgpx::has_codec<std::optional<inet>>);

auto from_hex(std::string_view hex) -> std::string {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

auto encode(const inet& v) -> std::string {
  std::string out;
  pgpx::codec<inet>::encode(v, out);
  return out;
}

struct wire_case {
  const char* input;
  const char* hex;     // inet_send() / cidr_send() of PostgreSQL 15
  const char* output;  // inet_out() / cidr_out()
};

const wire_case inet_cases[] = {
    {"192.168.1.5", "02200004c0a80105", "192.168.1.5"},
    {"192.168.1.5/24", "02180004c0a80105", "192.168.1.5/24"},
    {"0.0.0.0/0", "0200000400000000", "0.0.0.0/0"},
    {"::1", "0380001000000000000000000000000000000001", "::1"},
    {"::ffff:1.2.3.4", "0380001000000000000000000000ffff01020304", "::ffff:1.2.3.4"},
    {"2001:db8::1/64", "0340001020010db8000000000000000000000001", "2001:db8::1/64"},
    {"::/0", "0300001000000000000000000000000000000000", "::/0"},
    {"1:0:0:1:0:0:0:1", "0380001000010000000000010000000000000001", "1:0:0:1::1"},
};

const wire_case cidr_cases[] = {
    {"10.0.0.0/8", "020801040a000000", "10.0.0.0/8"},
    {"10/8", "020801040a000000", "10.0.0.0/8"},
    {"192.168/16", "02100104c0a80000", "192.168.0.0/16"},
    {"10.1.2.3", "022001040a010203", "10.1.2.3/32"},
    {"2001:db8::/32", "0320011020010db8000000000000000000000000", "2001:db8::/32"},
    {"::1", "0380011000000000000000000000000000000001", "::1/128"},
};

TEST(inet_codec, matches_postgres_inet_binary_and_text) {
  for (const auto& c : inet_cases) {
    const inet v = inet::parse(c.input);
    EXPECT_FALSE(v.is_cidr);
    EXPECT_EQ(encode(v), from_hex(c.hex)) << c.input;
    const inet d = pgpx::codec<inet>::decode(from_hex(c.hex), pgpx::oids::inet);
    EXPECT_EQ(d, v) << c.input;
    EXPECT_EQ(d.to_string(), c.output);
    std::string t;
    pgpx::codec<inet>::to_text(d, t);
    EXPECT_EQ(t, c.output);
  }
}

TEST(inet_codec, matches_postgres_cidr_binary_and_text) {
  for (const auto& c : cidr_cases) {
    const inet v = inet::parse_cidr(c.input);
    EXPECT_TRUE(v.is_cidr);
    EXPECT_EQ(encode(v), from_hex(c.hex)) << c.input;
    const inet d = pgpx::codec<inet>::decode(from_hex(c.hex), pgpx::oids::cidr);
    EXPECT_EQ(d, v) << c.input;
    EXPECT_EQ(d.to_string(), c.output);
  }
}

TEST(inet_codec, fields_of_decoded_values) {
  const inet v4 = pgpx::codec<inet>::decode(from_hex("02180004c0a80105"), pgpx::oids::inet);
  EXPECT_EQ(v4.family, pgpx::ip_family::v4);
  EXPECT_EQ(v4.prefix_length, 24);
  EXPECT_EQ(v4.address_size(), 4u);
  EXPECT_EQ(v4.max_prefix_length(), 32);
  EXPECT_EQ(v4.address[0], 192);
  EXPECT_EQ(v4.address[3], 5);
  EXPECT_EQ(v4.address[4], 0);  // unused bytes stay zero
  const inet v6 = inet::parse("::ffff:1.2.3.4");
  EXPECT_EQ(v6.family, pgpx::ip_family::v6);
  EXPECT_EQ(v6.prefix_length, 128);
  EXPECT_EQ(v6.address[10], 0xff);
  EXPECT_EQ(v6.address[15], 4);
}

TEST(inet_text, prints_ipv6_like_postgres) {
  // inet_in input and PostgreSQL 15's inet_out output.
  const std::pair<const char*, const char*> cases[] = {
      {"::", "::"},
      {"::2", "::2"},
      {"::fffe", "::fffe"},
      {"::1:2", "::0.1.0.2"},
      {"::1.2.3.4", "::1.2.3.4"},
      {"::0.0.1.0", "::100"},
      {"1::", "1::"},
      {"1:0::", "1::"},
      {"1:0:0:2:0:0:1:1", "1::2:0:0:1:1"},
      {"fe80::1:0:0:0", "fe80::1:0:0:0"},
      {"0:0:0:0:0:1:0:0", "::1:0:0"},
      {"::ffff:0:0", "::ffff:0.0.0.0"},
      {"::ffff:0:1", "::ffff:0.0.0.1"},
      {"::fffe:1.2.3.4", "::fffe:102:304"},
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
      {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
      {"::1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"},
      {"::1/64", "::1/64"},
      {"::1/128", "::1"},
      {"0:0:1::", "0:0:1::"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"1:0:0:0:1:0:0:0", "1::1:0:0:0"},
      {"::ffff:1.2.3.4/120", "::ffff:1.2.3.4/120"},
      {"ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"},
      {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
      {"0:0:0:0:0:0:1.2.3.4", "::1.2.3.4"},
      {"10.0.0.1/32", "10.0.0.1"},
      {"01.2.3.4", "1.2.3.4"},
      {"0001.2.3.4", "1.2.3.4"},
      {"1.2.3.4/08", "1.2.3.4/8"},
      {"1.2.3.4/0008", "1.2.3.4/8"},
      {"255.255.255.255", "255.255.255.255"},
      {"10/8", "10.0.0.0/8"},
      {"10.1/16", "10.1.0.0/16"},
      {"10.1.2/25", "10.1.2.0/25"},
      {"0/1", "0.0.0.0/1"},
  };
  for (const auto& [in, out] : cases) {
    EXPECT_EQ(inet::parse(in).to_string(), out) << in;
  }
}

TEST(inet_text, cidr_follows_postgres_abbreviations_and_classful_defaults) {
  const std::pair<const char*, const char*> cases[] = {
      {"10", "10.0.0.0/8"},
      {"128.0", "128.0.0.0/16"},
      {"192.168.1", "192.168.1.0/24"},
      {"224", "224.0.0.0/4"},
      {"224.1", "224.1.0.0/16"},
      {"240", "240.0.0.0/32"},
      {"192", "192.0.0.0/24"},
      {"10.0", "10.0.0.0/16"},
      {"10.0.0", "10.0.0.0/24"},
      {"0", "0.0.0.0/8"},
      {"10.0.0.0/7", "10.0.0.0/7"},
      {"224/4", "224.0.0.0/4"},
      {"10/32", "10.0.0.0/32"},
      {"10.0/9", "10.0.0.0/9"},
      {"0/0", "0.0.0.0/0"},
      {"::ffff:1.2.3.4", "::ffff:1.2.3.4/128"},
  };
  for (const auto& [in, out] : cases) {
    EXPECT_EQ(inet::parse_cidr(in).to_string(), out) << in;
  }
}

TEST(inet_text, rejects_what_postgres_rejects) {
  const char* bad_inet[] = {
      "1.2.3",
      "1.2.3.4/33",
      " 1.2.3.4",
      "1.2.3.4 ",
      "fe80::1%eth0",
      "1.2.3.256",
      "::1/129",
      ":::1",
      "1::2::3",
      "12345::1",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::8",
      "1.2.3.4/",
      "0x1.2.3.4",
      "1.2.3.4/-1",
      "1.2.3.4/+8",
      "::1.2.3.4.5",
      "1.2.3.4::",
      "::1/0128",
      "00000::1",
      "1.2.3.4.5",
      "",
      "/8",
      "1.2.3.-4",
      "1.2.3.4 /8",
      ":1::",
      "1:",
      "1:2:3:4:5:6:7:8:",
      "1:2:3:4:5:6:7:1.2.3.4",
      "10",
      "1:2:3:4:5:6:7",
      "10/32",
      "1.2.3/32",
  };
  for (const char* text : bad_inet) {
    try {
      (void)inet::parse(text);
      ADD_FAILURE() << "inet accepted \"" << text << "\"";
    } catch (const pgpx::conversion_error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + text + "\""), std::string::npos) << e.what();
    }
  }
  const char* bad_cidr[] = {
      "10.1/8", "1.2.3.4/33", "10.1.2.3/8", "::1.2.3.4/96", "10/33", "1..2.3", "10.", "10.1.2.3.4", ""};
  for (const char* text : bad_cidr) {
    EXPECT_THROW((void)inet::parse_cidr(text), pgpx::conversion_error) << text;
  }
}

TEST(inet_codec, malformed_binary_throws) {
  const auto dec = [](std::string_view hex, pgpx::oid t) { return pgpx::codec<inet>::decode(from_hex(hex), t); };
  EXPECT_THROW((void)dec("04200004c0a80105", pgpx::oids::inet), pgpx::conversion_error);  // family 4
  EXPECT_THROW((void)dec("02210004c0a80105", pgpx::oids::inet), pgpx::conversion_error);  // 33 bits
  EXPECT_THROW((void)dec("03810010"
                         "00000000000000000000000000000001",
                         pgpx::oids::inet),
               pgpx::conversion_error);                                                   // 129 bits
  EXPECT_THROW((void)dec("02200204c0a80105", pgpx::oids::inet), pgpx::conversion_error);  // flag 2
  EXPECT_THROW((void)dec("02200010c0a80105", pgpx::oids::inet), pgpx::conversion_error);  // length 16 for v4
  EXPECT_THROW((void)dec("03800004c0a80105", pgpx::oids::inet), pgpx::conversion_error);  // length 4 for v6
  EXPECT_THROW((void)dec("02200004c0a8010500", pgpx::oids::inet), pgpx::conversion_error);  // trailing byte
  // 10.1.0.0/8 is a fine inet but not a cidr: bits are set past the mask.
  EXPECT_NO_THROW((void)dec("020800040a010000", pgpx::oids::inet));
  EXPECT_THROW((void)dec("020801040a010000", pgpx::oids::cidr), pgpx::conversion_error);
  for (const auto& c : inet_cases) {
    const std::string bytes = from_hex(c.hex);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      const std::vector<char> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));  // exact size
      EXPECT_THROW((void)pgpx::codec<inet>::decode(std::string_view(prefix.data(), n), pgpx::oids::inet),
                   pgpx::conversion_error)
          << c.input << " " << n;
    }
  }
}

TEST(inet_codec, random_wire_values_decode_to_parsable_text_or_throw) {
  // Whatever decodes must print as text that parses back to the same value; everything
  // else must be a conversion_error.
  std::mt19937 rng(99);
  auto pick = [&](unsigned lo, unsigned hi) { return std::uniform_int_distribution<unsigned>(lo, hi)(rng); };
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes;
    const bool v6 = pick(0, 1) == 1;
    const unsigned size = pick(0, 19) == 0 ? pick(0, 17) : (v6 ? 16 : 4);
    bytes.push_back(static_cast<char>(pick(0, 19) == 0 ? pick(0, 5) : (v6 ? 3 : 2)));
    bytes.push_back(static_cast<char>(pick(0, 19) == 0 ? pick(0, 255) : pick(0, v6 ? 128 : 32)));
    bytes.push_back(static_cast<char>(pick(0, 19) == 0 ? pick(0, 3) : pick(0, 1)));
    bytes.push_back(static_cast<char>(size));
    for (unsigned k = 0; k < size; ++k) {
      // Zero runs and 0xffff words are what the IPv6 printer has rules for.
      const unsigned r = pick(0, 3);
      bytes.push_back(static_cast<char>(r == 0 ? pick(0, 255) : r == 1 ? 0xff : 0));
    }
    if (pick(0, 29) == 0) bytes.push_back('\0');
    const bool cidr = pick(0, 3) == 0;
    const std::vector<char> exact(bytes.begin(), bytes.end());
    try {
      const inet v = pgpx::codec<inet>::decode(std::string_view(exact.data(), exact.size()),
                                               cidr ? pgpx::oids::cidr : pgpx::oids::inet);
      ++decoded;
      EXPECT_EQ(cidr ? inet::parse_cidr(v.to_string()) : inet::parse(v.to_string()), v) << v.to_string();
      EXPECT_EQ(encode(v).substr(4), bytes.substr(4, v.address_size()));
    } catch (const pgpx::conversion_error&) {
    }
  }
  EXPECT_GT(decoded, 5000);
}

TEST(inet_codec, invalid_values_are_not_sent) {
  inet v = inet::parse("10.0.0.1");
  v.prefix_length = 33;
  EXPECT_THROW((void)encode(v), pgpx::conversion_error);
  inet net = inet::parse_cidr("10.0.0.0/8");
  net.address[1] = 1;
  EXPECT_THROW((void)encode(net), pgpx::conversion_error);
  net.is_cidr = false;  // as an inet the same bits are fine
  EXPECT_EQ(encode(net), from_hex("020800040a010000"));
}

TEST(inet_codec, codec_members) {
  using c = pgpx::codec<inet>;
  EXPECT_EQ(c::param_oid, pgpx::oids::inet);
  EXPECT_EQ(c::param_format, pgpx::format::binary);
  EXPECT_TRUE(c::accepts(pgpx::oids::inet));
  EXPECT_TRUE(c::accepts(pgpx::oids::cidr));
  EXPECT_FALSE(c::accepts(pgpx::oids::text));
  EXPECT_FALSE(c::accepts(pgpx::oids::macaddr));
  // The cidr flag decides nothing on input: the type does.
  EXPECT_FALSE(c::decode(from_hex("020801040a000000"), pgpx::oids::inet).is_cidr);
  EXPECT_TRUE(c::decode(from_hex("020800040a000000"), pgpx::oids::cidr).is_cidr);
}

}  // namespace
