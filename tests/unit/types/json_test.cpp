#include <pgpx/types/json.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using nlohmann::json;

static_assert(pgpx::has_codec<json>);
static_assert(pgpx::has_codec<nlohmann::ordered_json>);
static_assert(pgpx::has_codec<std::optional<json>>);

auto from_hex(std::string_view hex) -> std::string {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// json_send('{"b":1, "a":[1,2.50,"x"]}') of PostgreSQL 15: the text as given.
const std::string json_wire = from_hex("7b2262223a312c202261223a5b312c322e35302c2278225d7d");
// jsonb_send('{"b":1, "aa":[1,2.50,"x"], "a": null}'): version 1, then jsonb's own text.
const std::string jsonb_wire =
    from_hex("017b2261223a206e756c6c2c202262223a20312c20226161223a205b312c20322e35302c202278225d7d");

TEST(json_codec, decodes_json_and_jsonb) {
  const json j = pgpx::codec<json>::decode(json_wire, pgpx::oids::json);
  EXPECT_EQ(j, json::parse(R"({"a": [1, 2.5, "x"], "b": 1})"));
  const json b = pgpx::codec<json>::decode(jsonb_wire, pgpx::oids::jsonb);
  EXPECT_EQ(b["b"], 1);
  EXPECT_TRUE(b["a"].is_null());
  EXPECT_EQ(b["aa"][2], "x");
  // jsonb_send('"é"'): UTF-8 survives.
  EXPECT_EQ(pgpx::codec<json>::decode(from_hex("0122c3a922"), pgpx::oids::jsonb), json("\xc3\xa9"));
}

TEST(json_codec, ordered_json_keeps_the_order_received) {
  const auto j = pgpx::codec<nlohmann::ordered_json>::decode(jsonb_wire, pgpx::oids::jsonb);
  EXPECT_EQ(j.dump(), R"({"a":null,"b":1,"aa":[1,2.5,"x"]})");
}

TEST(json_codec, encodes_compact_text_for_the_server_to_type) {
  using c = pgpx::codec<json>;
  EXPECT_EQ(c::param_oid, pgpx::oids::unspecified);
  EXPECT_EQ(c::param_format, pgpx::format::text);
  std::string out;
  c::encode(json{{"k", {1, 2}}, {"s", "t\"q"}}, out);
  EXPECT_EQ(out, R"({"k":[1,2],"s":"t\"q"})");
  std::string t;
  c::to_text(json(nullptr), t);
  EXPECT_EQ(t, "null");
  // Round trip through the jsonb wire form.
  const json v = {{"n", 1.25}, {"list", json::array({true, false, nullptr})}};
  std::string wire = "\1";
  c::encode(v, wire);
  EXPECT_EQ(c::decode(wire, pgpx::oids::jsonb), v);
}

TEST(json_codec, accepts_only_json_types) {
  using c = pgpx::codec<json>;
  EXPECT_TRUE(c::accepts(pgpx::oids::json));
  EXPECT_TRUE(c::accepts(pgpx::oids::jsonb));
  EXPECT_FALSE(c::accepts(pgpx::oids::text));
  EXPECT_FALSE(c::accepts(pgpx::oids::jsonpath));
}

TEST(json_codec, malformed_input_is_a_conversion_error) {
  using c = pgpx::codec<json>;
  EXPECT_THROW((void)c::decode("", pgpx::oids::jsonb), pgpx::conversion_error);
  EXPECT_THROW((void)c::decode(std::string_view("\2{}", 3), pgpx::oids::jsonb), pgpx::conversion_error);
  EXPECT_THROW((void)c::decode(std::string_view("{}", 2), pgpx::oids::jsonb), pgpx::conversion_error);
  EXPECT_THROW((void)c::decode("", pgpx::oids::json), pgpx::conversion_error);
  EXPECT_THROW((void)c::decode("{\"a\":", pgpx::oids::json), pgpx::conversion_error);
  EXPECT_THROW((void)c::decode("{} x", pgpx::oids::json), pgpx::conversion_error);
  // Every truncation of a valid value fails cleanly (the empty object "{}" has none but "").
  for (std::size_t n = 0; n < jsonb_wire.size(); ++n) {
    const std::vector<char> prefix(jsonb_wire.begin(), jsonb_wire.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW((void)c::decode(std::string_view(prefix.data(), n), pgpx::oids::jsonb), pgpx::conversion_error) << n;
  }
  // A string that is not UTF-8 cannot be sent.
  std::string out;
  EXPECT_THROW(c::encode(json("\xff\xfe"), out), pgpx::conversion_error);
}

TEST(json_codec, error_messages_name_the_type) {
  try {
    (void)pgpx::codec<json>::decode(std::string_view("\1[1,", 4), pgpx::oids::jsonb);
    ADD_FAILURE() << "accepted malformed jsonb";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(std::string(e.what()).find("jsonb"), std::string::npos) << e.what();
  }
}

}  // namespace
