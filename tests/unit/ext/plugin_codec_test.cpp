// The prebuilt plugins' codecs without a server: half-precision conversion over every half
// value, and malformed binary input (truncated, trailing, bad headers, random bytes) that
// must be a conversion_error, never a read outside the value. The server round trips are in
// tests/integration/ext.
#include <pgpx/ext/hstore.hpp>
#include <pgpx/ext/ltree.hpp>
#include <pgpx/ext/pgvector.hpp>
#include <pgpx/ext/postgis.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

namespace pv = pgpx::pgvector;
namespace pg = pgpx::postgis;

TEST(plugin_codecs, every_half_converts_to_float_and_back) {
  int checked = 0;
  for (std::uint32_t h = 0; h <= 0xffffU; ++h) {
    const auto half = static_cast<std::uint16_t>(h);
    const float f = pv::detail::half_to_float(half);
    if (std::isnan(f)) continue;
    ASSERT_EQ(pv::detail::float_to_half(f), half) << h;
    ++checked;
  }
  EXPECT_EQ(checked, 65536 - 2046);  // all but the NaNs
  // Rounding to nearest, ties to even.
  EXPECT_EQ(pv::detail::half_to_float(pv::detail::float_to_half(1.0F + 0x1p-11F)), 1.0F);          // tie: even
  EXPECT_EQ(pv::detail::half_to_float(pv::detail::float_to_half(1.0F + 0x1p-11F + 0x1p-20F)), 1.0F + 0x1p-10F);
  EXPECT_EQ(pv::detail::half_to_float(pv::detail::float_to_half(65504.0F)), 65504.0F);
  EXPECT_EQ(pv::detail::half_to_float(pv::detail::float_to_half(0x1p-24F)), 0x1p-24F);  // smallest subnormal
  EXPECT_EQ(pv::detail::half_to_float(pv::detail::float_to_half(0x1p-26F)), 0.0F);
}

template <class T>
void expect_malformed(const std::string& bytes) {
  EXPECT_THROW((void)pgpx::codec<T>::decode(bytes, 0), pgpx::conversion_error) << bytes.size();
}

TEST(plugin_codecs, malformed_vectors_are_errors) {
  std::string good;
  pgpx::codec<pv::vector>::encode(pv::vector{{1, 2, 3}}, good);
  ASSERT_EQ(good.size(), 16U);
  for (std::size_t n = 0; n < good.size(); ++n) expect_malformed<pv::vector>(good.substr(0, n));
  expect_malformed<pv::vector>(good + "x");
  std::string unused = good;
  unused[3] = 1;
  expect_malformed<pv::vector>(unused);
  EXPECT_THROW((void)pgpx::codec<pv::vector_of<4>>::decode(good, 0), pgpx::conversion_error);  // 3 != 4
  std::string sparse;
  pgpx::codec<pv::sparsevec>::encode(pv::sparsevec{10, {1, 5}, {1, 2}}, sparse);
  for (std::size_t n = 0; n < sparse.size(); ++n) expect_malformed<pv::sparsevec>(sparse.substr(0, n));
  EXPECT_EQ(pgpx::codec<pv::sparsevec>::decode(sparse, 0), (pv::sparsevec{10, {1, 5}, {1, 2}}));
  std::string half;
  pgpx::codec<pv::halfvec>::encode(pv::halfvec{{0.5F, -2}}, half);
  for (std::size_t n = 0; n < half.size(); ++n) expect_malformed<pv::halfvec>(half.substr(0, n));
}

TEST(plugin_codecs, malformed_hstore_and_ltree_are_errors) {
  std::string good;
  pgpx::codec<pgpx::hstore::map>::encode(pgpx::hstore::map{{{"a", "1"}, {"b", std::nullopt}}}, good);
  for (std::size_t n = 0; n < good.size(); ++n)
    if (n != 0) expect_malformed<pgpx::hstore::map>(good.substr(0, n));
  expect_malformed<pgpx::hstore::map>(good + "x");
  expect_malformed<pgpx::hstore::map>(std::string("\xff\xff\xff\xff", 4));  // a negative count
  expect_malformed<pgpx::ltree::path>("\x02Top");                           // an unknown version
  expect_malformed<pgpx::ltree::path>("");
}

TEST(plugin_codecs, ewkb_round_trips_nested_shapes) {
  const pg::geometry g{{pg::geometry_collection{
                           {pg::shape{pg::point{{1, 2, 3}}},
                            pg::shape{pg::geometry_collection{{pg::shape{pg::line_string{{{0, 0, 1}, {1, 1, 1}}}}}}},
                            pg::shape{pg::multi_point{{{5, 5, 0}}}}}}},
                       4326};
  std::string bytes;
  pgpx::codec<pg::geometry>::encode(g, bytes);
  EXPECT_EQ(pgpx::codec<pg::geometry>::decode(bytes, 0), g);
  std::string text;
  pgpx::codec<pg::geometry>::to_text(g, text);
  EXPECT_EQ(text,
            "SRID=4326;GEOMETRYCOLLECTION(POINT(1 2 3),GEOMETRYCOLLECTION(LINESTRING(0 0 1,1 1 1)),MULTIPOINT(5 5 0))");
  for (std::size_t n = 0; n < bytes.size(); ++n) expect_malformed<pg::geometry>(bytes.substr(0, n));
}

TEST(plugin_codecs, random_bytes_never_read_outside_the_value) {
  std::mt19937 gen(7);
  std::uniform_int_distribution<int> byte(0, 255);
  int errors = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string in(static_cast<std::size_t>(round % 64), '\0');
    for (auto& c : in) c = static_cast<char>(byte(gen));
    if (!in.empty() && round % 2 == 0) in[0] = static_cast<char>(round % 4 == 0 ? 1 : 0);  // a plausible byte order
    for (int which = 0; which < 3; ++which) {
      try {
        if (which == 0) (void)pgpx::codec<pg::geometry>::decode(in, 0);
        else if (which == 1) (void)pgpx::codec<pgpx::hstore::map>::decode(in, 0);
        else (void)pgpx::codec<pv::sparsevec>::decode(in, 0);
      } catch (const pgpx::conversion_error&) {
        ++errors;
      }
    }
  }
  EXPECT_GT(errors, 50000);  // nearly all random input is refused (run under ASan: no overread)
}

}  // namespace
