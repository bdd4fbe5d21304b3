#include <pgpx/types/uuid.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>
#include <unordered_set>

namespace {

using pgpx::uuid;

static_assert(pgpx::has_codec<uuid>);
static_assert(pgpx::has_codec<std::optional<uuid>>);

// uuid_send('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11') in PostgreSQL 15.
const std::string sample_wire("\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11", 16);
constexpr std::string_view sample_text = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";

TEST(uuid_codec, decodes_postgres_binary_output) {
  const uuid v = pgpx::codec<uuid>::decode(sample_wire, pgpx::oids::uuid);
  EXPECT_EQ(v.to_string(), sample_text);
  EXPECT_EQ(v.bytes[0], 0xa0);
  EXPECT_EQ(v.bytes[15], 0x11);
}

TEST(uuid_codec, encodes_the_16_bytes) {
  std::string out;
  pgpx::codec<uuid>::encode(uuid::parse(sample_text), out);
  EXPECT_EQ(out, sample_wire);
  std::string text;
  pgpx::codec<uuid>::to_text(uuid::parse(sample_text), text);
  EXPECT_EQ(text, sample_text);
}

TEST(uuid_codec, wrong_lengths_throw) {
  for (std::size_t n = 0; n < 16; ++n) {
    const std::vector<char> prefix(sample_wire.begin(), sample_wire.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW((void)pgpx::codec<uuid>::decode(std::string_view(prefix.data(), n), pgpx::oids::uuid),
                 pgpx::conversion_error)
        << n;
  }
  EXPECT_THROW((void)pgpx::codec<uuid>::decode(sample_wire + "x", pgpx::oids::uuid), pgpx::conversion_error);
}

TEST(uuid_codec, codec_members) {
  using c = pgpx::codec<uuid>;
  EXPECT_EQ(c::param_oid, pgpx::oids::uuid);
  EXPECT_EQ(c::param_format, pgpx::format::binary);
  EXPECT_TRUE(c::accepts(pgpx::oids::uuid));
  EXPECT_FALSE(c::accepts(pgpx::oids::text));
  EXPECT_FALSE(c::accepts(pgpx::oids::bytea));
}

TEST(uuid_text, accepts_every_form_uuid_in_accepts) {
  // Each of these is accepted by PostgreSQL 15 as the sample value.
  const char* forms[] = {
      "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
      "a0eebc999c0b4ef8bb6d6bb9bd380a11",     "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
      "{a0eebc999c0b4ef8bb6d6bb9bd380a11}",   "A0eEbC99-9c0B-4eF8-bB6D-6bB9Bd380A11",
  };
  for (const char* f : forms) {
    EXPECT_EQ(uuid::parse(f).to_string(), sample_text) << f;
  }
}

TEST(uuid_text, rejects_what_uuid_in_rejects) {
  const char* bad[] = {
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
      "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
      "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
      "{}",
      "",
      "{",
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ",
      "{-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
      "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-}",
  };
  for (const char* text : bad) {
    try {
      (void)uuid::parse(text);
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const pgpx::conversion_error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + text + "\""), std::string::npos) << e.what();
    }
  }
}

TEST(uuid_value, orders_bytes_as_unsigned_like_postgres) {
  const uuid low = uuid::parse("00000000-0000-0000-0000-0000000000ff");
  const uuid high = uuid::parse("80000000-0000-0000-0000-000000000000");  // 0x80 is negative as a char
  EXPECT_LT(low, high);
  EXPECT_GT(high, low);
  EXPECT_EQ(low, uuid::parse("000000000000000000000000000000FF"));
  EXPECT_NE(low, high);
  EXPECT_TRUE(uuid{}.is_nil());
  EXPECT_FALSE(low.is_nil());
  EXPECT_EQ(uuid{}.to_string(), "00000000-0000-0000-0000-000000000000");
}

TEST(uuid_value, hashes_for_unordered_containers) {
  std::unordered_set<uuid> set;
  set.insert(uuid::parse(sample_text));
  set.insert(uuid::parse("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"));
  set.insert(uuid{});
  EXPECT_EQ(set.size(), 2u);
  EXPECT_NE(std::hash<uuid>{}(uuid{}), std::hash<uuid>{}(uuid::parse(sample_text)));
}

}  // namespace
