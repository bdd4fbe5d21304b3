// Unit tests of pgpx/types/multirange.hpp. The byte strings are what PostgreSQL 15's
// multirange_send produces for the SQL given next to them: the range count, then each range
// (range_send) with its length.
#include <pgpx/types/multirange.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace {

using r4 = pgpx::range<std::int32_t>;
using m4 = pgpx::multirange<std::int32_t>;
using m8 = pgpx::multirange<std::int64_t>;

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

// '{[1,5), [7,)}'::int4multirange
const std::string two = from_hex(
    "00000002"
    "00000011"
    "0200000004000000010000000400000005"
    "00000009"
    "120000000400000007");
const std::string none = from_hex("00000000");  // '{}'::int4multirange

TEST(multirange, encodes_and_decodes_what_the_server_sends) {
  const m4 v{{r4::closed_open(1, 5), r4::at_least(7)}};
  EXPECT_EQ(encode(v), two);
  EXPECT_EQ(pgpx::codec<m4>::decode(two, pgpx::oids::int4multirange), v);
  EXPECT_EQ(encode(m4{}), none);
  EXPECT_TRUE(pgpx::codec<m4>::decode(none, pgpx::oids::int4multirange).ranges.empty());
  EXPECT_EQ(text_of(v), "{[1,5),[7,)}");
  EXPECT_EQ(text_of(m4{}), "{}");
  EXPECT_EQ(text_of(m4{{r4::empty_range()}}), "{empty}");
  // An int8 multirange reads an int4 one (its bounds are int4 on the wire).
  EXPECT_EQ(pgpx::codec<m8>::decode(two, pgpx::oids::int4multirange),
            (m8{{pgpx::range<std::int64_t>::closed_open(1, 5), pgpx::range<std::int64_t>::at_least(7)}}));
}

TEST(multirange, types_follow_the_range_type) {
  EXPECT_EQ(pgpx::codec<m4>::param_oid, pgpx::oids::int4multirange);
  EXPECT_EQ(pgpx::codec<m8>::param_oid, pgpx::oids::int8multirange);
  EXPECT_EQ(pgpx::codec<pgpx::multirange<pgpx::date>>::param_oid, pgpx::oids::datemultirange);
  EXPECT_EQ(pgpx::codec<pgpx::multirange<pgpx::timestamptz>>::param_oid, pgpx::oids::tstzmultirange);
  EXPECT_TRUE(pgpx::codec<m8>::accepts(pgpx::oids::int4multirange));
  EXPECT_FALSE(pgpx::codec<m4>::accepts(pgpx::oids::int4range));
  EXPECT_FALSE(pgpx::codec<m4>::accepts(pgpx::oids::datemultirange));
  EXPECT_FALSE(pgpx::codec<r4>::accepts(pgpx::oids::int4multirange));
  EXPECT_EQ(pgpx::builtin_type_name(pgpx::oids::nummultirange), "nummultirange");
}

TEST(multirange, malformed_bytes_are_conversion_errors) {
  for (std::size_t n = 0; n < two.size(); ++n)
    EXPECT_THROW((void)pgpx::codec<m4>::decode(two.substr(0, n), pgpx::oids::int4multirange), pgpx::conversion_error)
        << "prefix of " << n << " bytes";
  const auto bad = [](std::string_view hex) {
    EXPECT_THROW((void)pgpx::codec<m4>::decode(from_hex(hex), pgpx::oids::int4multirange), pgpx::conversion_error)
        << hex;
  };
  bad("ffffffff");                            // a negative count
  bad("00000001ffffffff");                    // a negative range length
  bad("00000000"
      "00");                       // a byte after the end
  bad("00000002"
      "0000000101");               // two ranges announced, one sent
  bad("00000001"
      "00000002"
      "0100");          // a range with a byte after its end
}

}  // namespace
