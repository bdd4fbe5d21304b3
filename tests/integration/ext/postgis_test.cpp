// The PostGIS plugin against PostGIS 3.3 on the project's PostgreSQL 15: every shape kind in
// EWKB both ways (2D, 3D, with and without SRID), big-endian EWKB, geography distances,
// nearest-neighbour ordering through a GiST index, the builder's ST_ functions, and bad
// geometries refused before anything is sent.
#include "support/test_db.hpp"

#include <pgpx/core/transaction.hpp>
#include <pgpx/ext/postgis.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace postgis_models {
struct shop {
  pgpx::identity<std::int64_t> id;
  std::string name;
  pgpx::postgis::geography location;
};
}  // namespace postgis_models

template <>
struct pgpx::model<postgis_models::shop> {
  static auto indexes() { return std::tuple{pgpx::postgis::gist(&postgis_models::shop::location)}; }
};

namespace {

namespace pg = pgpx::postgis;
using postgis_models::shop;
using ::testing::HasSubstr;

auto xy(double x, double y) -> pg::coord { return {x, y, std::nullopt}; }
auto xyz(double x, double y, double z) -> pg::coord { return {x, y, z}; }
auto square(double x0, double y0, double s) -> std::vector<pg::coord> {
  return {xy(x0, y0), xy(x0 + s, y0), xy(x0 + s, y0 + s), xy(x0, y0 + s), xy(x0, y0)};
}

class postgis_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script("create extension postgis");
  }
};

TEST_F(postgis_test, every_shape_travels_in_ewkb_both_ways) {
  const std::vector<std::pair<pg::geometry, std::string>> cases = {
      {pg::geometry::point(1.5, -2.25), "POINT(1.5 -2.25)"},
      {{{pg::point{xyz(1, 2, 3)}}, 4326}, "SRID=4326;POINT(1 2 3)"},
      {{{pg::line_string{{xy(0, 0), xy(1, 1), xy(2, 0)}}}, 3857}, "SRID=3857;LINESTRING(0 0,1 1,2 0)"},
      {{{pg::polygon{{square(0, 0, 10), square(2, 2, 1)}}}, 0},
       "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 3,2 2))"},
      {{{pg::multi_point{{xy(1, 1), xy(2, 2)}}}, 0}, "MULTIPOINT(1 1,2 2)"},
      {{{pg::multi_line_string{{pg::line_string{{xy(0, 0), xy(1, 0)}}, pg::line_string{{xy(5, 5), xy(6, 6)}}}}}, 0},
       "MULTILINESTRING((0 0,1 0),(5 5,6 6))"},
      {{{pg::multi_polygon{{pg::polygon{{square(0, 0, 1)}}, pg::polygon{{square(5, 5, 2)}}}}}, 4326},
       "SRID=4326;MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((5 5,7 5,7 7,5 7,5 5)))"},
      {{{pg::geometry_collection{{pg::shape{pg::point{xy(1, 2)}}, pg::shape{pg::line_string{{xy(0, 0), xy(3, 4)}}}}}},
        0},
       "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,3 4))"},
  };
  for (const auto& [g, ewkt] : cases) {
    SCOPED_TRACE(ewkt);
    EXPECT_EQ(cx().query_value<std::string>("select ST_AsEWKT($1)", g), ewkt);       // what the server received
    EXPECT_EQ(cx().query_value<pg::geometry>("select $1", g), g);                     // and sends back
    EXPECT_EQ(cx().query_value<pg::geometry>("select $1::geometry", ewkt), g);        // its own parse, decoded
    std::string text;
    pgpx::codec<pg::geometry>::to_text(g, text);
    EXPECT_EQ(cx().query_value<std::string>("select ST_AsEWKT($1::text::geometry)", text), ewkt);
  }
}

TEST_F(postgis_test, big_endian_ewkb_decodes_too) {
  const pg::geometry g{{pg::polygon{{square(1, 1, 3)}}}, 4326};
  const auto xdr = cx().query_value<pgpx::bytea>("select ST_AsEWKB($1, 'XDR')", g);
  ASSERT_FALSE(xdr.empty());
  EXPECT_EQ(std::to_integer<int>(xdr[0]), 0);  // big-endian marker
  const std::string_view bytes(reinterpret_cast<const char*>(xdr.data()), xdr.size());
  EXPECT_EQ(pgpx::codec<pg::geometry>::decode(bytes, 0), g);
  // Malformed bytes: truncated, trailing, bad marker.
  EXPECT_THROW((void)pgpx::codec<pg::geometry>::decode(bytes.substr(0, bytes.size() - 3), 0), pgpx::conversion_error);
  EXPECT_THROW((void)pgpx::codec<pg::geometry>::decode(std::string(bytes) + "x", 0), pgpx::conversion_error);
  EXPECT_THROW((void)pgpx::codec<pg::geometry>::decode("\x07junk", 0), pgpx::conversion_error);
  // M coordinates are named in the error.
  try {
    (void)cx().query_value<pg::geometry>("select 'POINT M (1 2 3)'::geometry");
    FAIL() << "an M coordinate was read";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.message(), HasSubstr("M coordinates"));
  }
}

TEST_F(postgis_test, bad_geometries_are_refused_before_sending) {
  cx().execute_script("create table g (v geometry)");
  const auto refused = [&](const pg::geometry& g, std::string_view cause) {
    pgpx::test::expect_refused_before_sending(cx(), "insert into g values ($1)", g, {"postgis", "$1", cause});
  };
  refused({{pg::polygon{{{xy(0, 0), xy(1, 0), xy(1, 1), xy(0, 1)}}}}, 0}, "closed");
  refused({{pg::polygon{{{xy(0, 0), xy(1, 0), xy(0, 0)}}}}, 0}, "at least 4 points");
  refused(pg::geometry::point(std::numeric_limits<double>::quiet_NaN(), 1), "finite");
  refused({{pg::line_string{{xy(0, 0), xyz(1, 1, 1)}}}, 0}, "mixes 2D and 3D");
  refused({{pg::line_string{{xy(0, 0)}}}, 0}, "at least 2 points");
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from g"), 0);
}

TEST_F(postgis_test, nearest_shops_by_geography) {
  pgpx::schema::create(cx(), pgpx::models<shop>);
  EXPECT_THAT(cx().query_value<std::string>(
                  "select indexdef from pg_indexes where tablename = 'shops' and indexdef like '%gist%'"),
              HasSubstr("USING gist (location)"));
  struct place {
    const char* name;
    double lon, lat;
  };
  for (const place& p :
       {place{"Louvre", 2.3376, 48.8606}, place{"Eiffel", 2.2945, 48.8584}, place{"Versailles", 2.1204, 48.8049},
        place{"London", -0.1276, 51.5072}, place{"Berlin", 13.4050, 52.5200}})
    (void)pgpx::insert(cx(), shop{{}, p.name, pg::geography::point(p.lon, p.lat)});
  const auto here = pg::geography::point(2.3522, 48.8566);  // Paris, Hotel de Ville
  const auto loc = pgpx::col(&shop::location);
  const auto near = pgpx::select<shop>().where(pg::dwithin(loc, here, 10000.0)).order_by(pg::knn(loc, here)).all(cx());
  ASSERT_EQ(near.size(), 2U);  // Versailles is 17 km away
  EXPECT_EQ(near[0].name, "Louvre");
  EXPECT_EQ(near[1].name, "Eiffel");
  const double to_london = pgpx::select(pg::distance(loc, here))
                               .from<shop>()
                               .where(pgpx::col(&shop::name) == std::string("London"))
                               .one(cx());
  EXPECT_NEAR(to_london, 343.9e3, 2e3);  // metres on the spheroid
  const auto back = pgpx::select<shop>().where(pgpx::col(&shop::name) == std::string("Berlin")).one(cx());
  EXPECT_EQ(back.location, pg::geography::point(13.4050, 52.5200));
}

TEST_F(postgis_test, functions_in_the_builder) {
  const auto p = pg::geometry::point(2.3522, 48.8566, 4326);
  const auto merc = pgpx::select(pg::transform(p, 3857)).one(cx());
  EXPECT_EQ(merc.srid, 3857);
  ASSERT_TRUE(std::holds_alternative<pg::point>(merc.value.value));
  EXPECT_NEAR(std::get<pg::point>(merc.value.value).at.x, 261845.7, 1.0);
  EXPECT_EQ(pgpx::select(pg::as_geojson(p)).one(cx()), R"({"type":"Point","coordinates":[2.3522,48.8566]})");
  const pg::geometry box{{pg::polygon{{square(0, 0, 10)}}}, 0};
  EXPECT_DOUBLE_EQ(pgpx::select(pg::area(box)).one(cx()), 100.0);
  EXPECT_TRUE(pgpx::select(pg::contains(box, pg::geometry::point(5, 5))).one(cx()));
  EXPECT_TRUE(pgpx::select(pg::within(pg::geometry::point(5, 5), box)).one(cx()));
  EXPECT_FALSE(pgpx::select(pg::intersects(box, pg::geometry::point(50, 5))).one(cx()));
  EXPECT_DOUBLE_EQ(pgpx::select(pg::length(pg::geometry{{pg::line_string{{xy(0, 0), xy(3, 4)}}}, 0})).one(cx()), 5.0);
}

}  // namespace
