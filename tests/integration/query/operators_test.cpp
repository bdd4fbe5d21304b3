// The query builder's PostgreSQL operators on the real server: range operators, time and
// interval arithmetic, SQL/JSON paths, unnest, raw fragments and ROLLUP into optional
// members, each on rows whose answer the test knows (tests/unit/query/operators_sql_test.cpp
// holds their SQL).
#include "support/orm_models.hpp"
#include "support/query_ops_models.hpp"
#include "support/test_db.hpp"

#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/merge.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/query/shape.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace operators_it {
struct tagged {
  std::int64_t id;
  std::string tag;
};
struct region_total {
  std::optional<std::string> region;
  std::optional<pgpx::numeric> total;
};
struct incoming {
  std::string sku;
  std::int32_t qty;
};
struct tag_row {
  std::string tag;
};
struct tag_pos {
  std::optional<std::string> tag;
  std::optional<std::int64_t> n;
};
struct pair_pos {
  std::optional<std::int32_t> a;
  std::optional<std::string> b;
  std::int64_t n;
};
struct id_row {
  std::int64_t id;
};
struct region_total_bad {
  std::string region;
  std::optional<pgpx::numeric> total;
};
}  // namespace operators_it

namespace {

using namespace query_ops;
using namespace operators_it;
using namespace std::chrono_literals;
using orm_models::sale;

auto day(int y, unsigned m, unsigned d) -> pgpx::date {
  return std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d);
}
auto at(int y, unsigned m, unsigned d, std::chrono::hours h = 0h) -> pgpx::timestamptz {
  return pgpx::timestamptz(std::chrono::sys_days(day(y, m, d))) + h;
}

class operators_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    pgpx::schema::create(cx(), pgpx::models<booking, sale>);
    // a: Jan 1-3, seats [1,10); b: Jan 3-5 (adjacent to a), seats [10,20); c: Jan 2-4
    // (overlaps both), seats [5,15), closed after 36 hours.
    rows_.resize(3);
    rows_[0] = make("a", at(2026, 1, 1), at(2026, 1, 3), 1, 10, {"x", "y"});
    rows_[1] = make("b", at(2026, 1, 3), at(2026, 1, 5), 10, 20, {"y"});
    rows_[2] = make("c", at(2026, 1, 2), at(2026, 1, 4), 5, 15, {});
    rows_[0].meta = nlohmann::json{{"size", 2}, {"a", {1, 2, 3}}};
    rows_[1].meta = nlohmann::json{{"size", 5}, {"a", {4}}};
    rows_[2].meta = nlohmann::json{{"size", 9}};
    rows_[2].closed_at = rows_[2].created_at + 36h;
    rows_[1].grace = pgpx::interval{0, 1, 0us};  // 1 day
    rows_[2].grace = pgpx::interval{1, 0, 0us};  // 1 month
    pgpx::insert_many(cx(), rows_);
  }
  static auto make(std::string room, pgpx::timestamptz from, pgpx::timestamptz to, std::int32_t lo, std::int32_t hi,
                   std::vector<std::string> tags) -> booking {
    booking b;
    b.room = std::move(room);
    b.during = pgpx::range<pgpx::timestamptz>::closed_open(from, to);
    b.seats = pgpx::range<std::int32_t>::closed_open(lo, hi);
    b.day = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(from));
    b.created_at = from;
    b.grace = pgpx::interval{0, 0, std::chrono::hours(2)};
    b.meta = nlohmann::json::object();
    b.tags = std::move(tags);
    return b;
  }
  template <class C>
  auto rooms(const C& cond) -> std::vector<std::string> {
    return pgpx::select(pgpx::col(&booking::room)).from<booking>().where(cond).order_by(&booking::room).all(cx());
  }
  std::vector<booking> rows_;
};

using names = std::vector<std::string>;

TEST_F(operators_test, range_operators_on_range_columns) {
  const auto during = pgpx::col(&booking::during);
  const auto seats = pgpx::col(&booking::seats);
  EXPECT_EQ(rooms(during.contains(at(2026, 1, 2, 12h))), (names{"a", "c"}));
  EXPECT_EQ(rooms(during.contains(at(2026, 1, 3))), (names{"b", "c"}));  // [a, b): the upper bound is out
  EXPECT_EQ(rooms(seats.contains(10)), (names{"b", "c"}));
  EXPECT_EQ(rooms(seats.contains(std::int64_t{1})), (names{"a"}));  // converted to the element type
  const auto jan2_3 = pgpx::range<pgpx::timestamptz>::closed_open(at(2026, 1, 2), at(2026, 1, 3));
  EXPECT_EQ(rooms(during.contains(jan2_3)), (names{"a", "c"}));
  EXPECT_EQ(rooms(during.overlaps(jan2_3)), (names{"a", "c"}));
  const auto wide = pgpx::range<pgpx::timestamptz>::closed_open(at(2026, 1, 1), at(2026, 1, 4));
  EXPECT_EQ(rooms(during.contained_by(wide)), (names{"a", "c"}));
  EXPECT_EQ(rooms(seats.adjacent_to(pgpx::range<std::int32_t>::closed_open(20, 30))), (names{"b"}));
  EXPECT_EQ(rooms(seats.overlaps(pgpx::range<std::int32_t>::at_least(14))), (names{"b", "c"}));
  // Two columns: the bookings that overlap a's time range (a itself included).
  auto other = pgpx::alias<booking>("o");
  const auto pairs =
      pgpx::select(pgpx::col(&booking::room), other(&booking::room))
          .from<booking>()
          .join(other, during.overlaps(other(&booking::during)) && pgpx::col(&booking::id) < other(&booking::id))
          .order_by(&booking::room, other(&booking::room))
          .all(cx());
  ASSERT_EQ(pairs.size(), 2U);  // a-c, b-c (a and b only touch)
  EXPECT_EQ(pairs[0], (std::tuple<std::string, std::string>{"a", "c"}));
  EXPECT_EQ(pairs[1], (std::tuple<std::string, std::string>{"b", "c"}));
  // lower/upper read the element type; an empty range has NULL bounds.
  const auto b = pgpx::select(pgpx::lower(during), pgpx::upper(seats), pgpx::is_empty(seats))
                     .from<booking>()
                     .where(pgpx::col(&booking::room) == "b")
                     .one(cx());
  EXPECT_EQ(std::get<0>(b), at(2026, 1, 3));
  EXPECT_EQ(std::get<1>(b), 20);
  EXPECT_FALSE(std::get<2>(b));
  pgpx::update<booking>()
      .set(&booking::seats, pgpx::range<std::int32_t>{.empty = true})
      .where(pgpx::col(&booking::room) == "b")
      .exec(cx());
  const auto e = pgpx::select(pgpx::lower(seats), pgpx::is_empty(seats))
                     .from<booking>()
                     .where(pgpx::col(&booking::room) == "b")
                     .one(cx());
  EXPECT_FALSE(std::get<0>(e).has_value());
  EXPECT_TRUE(std::get<1>(e));
}

TEST_F(operators_test, range_position_operators_and_arithmetic) {
  using r4 = pgpx::range<std::int32_t>;
  const auto seats = pgpx::col(&booking::seats);  // a [1,10), b [10,20), c [5,15)
  EXPECT_EQ(rooms(seats.strictly_left_of(r4::closed_open(12, 30))), (names{"a"}));
  EXPECT_EQ(rooms(seats.strictly_left_of(r4::closed_open(10, 30))), (names{"a"}));  // [1,10) ends before 10
  EXPECT_EQ(rooms(seats.strictly_left_of(r4::closed_open(9, 30))), (names{}));
  EXPECT_EQ(rooms(seats.strictly_right_of(r4::closed_open(1, 5))), (names{"b", "c"}));
  EXPECT_EQ(rooms(seats.does_not_extend_right_of(r4::closed_open(0, 15))), (names{"a", "c"}));
  EXPECT_EQ(rooms(seats.does_not_extend_left_of(r4::closed_open(5, 100))), (names{"b", "c"}));
  // Another column on the other side: the bookings whose seats lie left of c's.
  auto other = pgpx::alias<booking>("o");
  const auto left = pgpx::select(pgpx::col(&booking::room))
                        .from<booking>()
                        .join(other, seats.strictly_left_of(other(&booking::seats)) && other(&booking::room) == "b")
                        .all(cx());
  EXPECT_EQ(left, (names{"a"}));
  // Intersection, difference and union, per row.
  const auto per_row = pgpx::select(pgpx::col(&booking::room), seats * r4::closed_open(8, 12),
                                    seats - r4::closed_open(1, 6), seats + r4::closed_open(0, 12))
                           .from<booking>()
                           .order_by(&booking::room)
                           .all(cx());
  ASSERT_EQ(per_row.size(), 3U);
  EXPECT_EQ(std::get<1>(per_row[0]), r4::closed_open(8, 10));
  EXPECT_EQ(std::get<1>(per_row[1]), r4::closed_open(10, 12));
  EXPECT_EQ(std::get<1>(per_row[2]), r4::closed_open(8, 12));
  EXPECT_EQ(std::get<2>(per_row[0]), r4::closed_open(6, 10));
  EXPECT_EQ(std::get<2>(per_row[1]), r4::closed_open(10, 20));
  EXPECT_EQ(std::get<2>(per_row[2]), r4::closed_open(6, 15));
  EXPECT_EQ(std::get<3>(per_row[0]), r4::closed_open(0, 12));
  EXPECT_EQ(std::get<3>(per_row[1]), r4::closed_open(0, 20));
  EXPECT_EQ(std::get<3>(per_row[2]), r4::closed_open(0, 15));
  // Disjoint intersection: empty. A union with a gap is the server's error (range_merge is not).
  EXPECT_TRUE(pgpx::select(pgpx::is_empty(seats * r4::closed_open(50, 60)))
                  .from<booking>()
                  .where(pgpx::col(&booking::room) == "a")
                  .value(cx()));
  const auto gap =
      pgpx::select(seats + r4::closed_open(30, 40)).from<booking>().where(pgpx::col(&booking::room) == "a");
  try {
    (void)gap.all(cx());
    FAIL() << "a union with a gap was accepted";
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "22000") << e.what();
  }
  EXPECT_EQ(pgpx::select(pgpx::range_merge(seats, r4::closed_open(30, 40)))
                .from<booking>()
                .where(pgpx::col(&booking::room) == "a")
                .value(cx()),
            r4::closed_open(1, 40));
  // Bound tests: int4range normalises [1,5] to [1,6) (upper not inclusive); tstzrange keeps it.
  using rt = pgpx::range<pgpx::timestamptz>;
  const auto t = pgpx::select(pgpx::upper_inc(pgpx::val(r4::closed(1, 5))),
                              pgpx::upper_inc(pgpx::val(rt::closed(at(2026, 1, 1), at(2026, 1, 2)))),
                              pgpx::lower_inc(pgpx::val(r4::open(1, 5))), pgpx::lower_inf(pgpx::val(r4::at_most(5))),
                              pgpx::upper_inf(pgpx::val(r4::at_most(5))), pgpx::lower_inc(pgpx::val(r4::empty_range())))
                     .one(cx());
  EXPECT_EQ(t, (std::tuple<bool, bool, bool, bool, bool, bool>{false, true, true, true, false, false}));
}

TEST_F(operators_test, multirange_columns_operators_and_aggregates) {
  using r4 = pgpx::range<std::int32_t>;
  using m4 = pgpx::multirange<std::int32_t>;
  // The six built-in multirange types have the OIDs pgpx sends.
  for (const auto& [name, oid] :
       std::vector<std::pair<std::string, pgpx::oid>>{{"int4multirange", pgpx::oids::int4multirange},
                                                      {"int8multirange", pgpx::oids::int8multirange},
                                                      {"nummultirange", pgpx::oids::nummultirange},
                                                      {"tsmultirange", pgpx::oids::tsmultirange},
                                                      {"tstzmultirange", pgpx::oids::tstzmultirange},
                                                      {"datemultirange", pgpx::oids::datemultirange}})
    EXPECT_EQ(cx().query_value<std::int64_t>("select to_regtype($1)::oid::int8", name), std::int64_t{oid}) << name;
  pgpx::schema::create(cx(), pgpx::models<availability>);
  // x: free 8-12 and 14-18, open 8-18; y: free 9-10, open 9-17; z: never free, open 0-24.
  std::vector<availability> rows(3);
  rows[0].room = "x";
  rows[0].free = m4{{r4::closed_open(8, 12), r4::closed_open(14, 18)}};
  rows[0].hours = r4::closed_open(8, 18);
  rows[0].closed =
      pgpx::multirange<pgpx::date>{{pgpx::range<pgpx::date>::closed_open(day(2026, 1, 1), day(2026, 1, 2))}};
  rows[1].room = "y";
  rows[1].free = m4{{r4::closed_open(9, 10)}};
  rows[1].hours = r4::closed_open(9, 17);
  rows[2].room = "z";
  rows[2].hours = r4::closed_open(0, 24);
  pgpx::insert_many(cx(), rows);
  // Round trip: the server returns what was sent (already in normal form).
  const auto back = pgpx::select<availability>().order_by(&availability::room).all(cx());
  ASSERT_EQ(back.size(), 3U);
  EXPECT_EQ(back[0].free, rows[0].free);
  EXPECT_EQ(back[0].closed, rows[0].closed);
  EXPECT_EQ(back[1].free, rows[1].free);
  EXPECT_TRUE(back[2].free.ranges.empty());
  EXPECT_FALSE(back[2].closed.has_value());
  const auto free = pgpx::col(&availability::free);
  const auto hours = pgpx::col(&availability::hours);
  const auto which = [&](const auto& cond) {
    return pgpx::select(pgpx::col(&availability::room))
        .from<availability>()
        .where(cond)
        .order_by(&availability::room)
        .all(cx());
  };
  EXPECT_EQ(which(free.contains(15)), (names{"x"}));
  EXPECT_EQ(which(free.contains(12)), (names{}));
  EXPECT_EQ(which(free.contains(r4::closed_open(9, 10))), (names{"x", "y"}));
  EXPECT_EQ(which(free.overlaps(r4::closed_open(12, 14))), (names{}));
  EXPECT_EQ(which(free.overlaps(r4::closed_open(11, 15))), (names{"x"}));
  EXPECT_EQ(which(free.contained_by(m4{{r4::closed_open(0, 24)}})), (names{"x", "y", "z"}));  // empty is in all
  EXPECT_EQ(which(free.contained_by(hours)), (names{"x", "y", "z"}));
  EXPECT_EQ(which(hours.contains(free) && !free.contains(hours)), (names{"x", "y", "z"}));
  EXPECT_EQ(which(free.strictly_left_of(r4::closed_open(12, 24))), (names{"y"}));  // x has 14-18; z is empty
  EXPECT_EQ(which(free.strictly_right_of(r4::closed_open(0, 9))), (names{"y"}));
  EXPECT_EQ(which(free.does_not_extend_right_of(r4::closed_open(0, 18))), (names{"x", "y"}));
  EXPECT_EQ(which(free.does_not_extend_left_of(m4{{r4::closed_open(9, 11)}})), (names{"y"}));
  EXPECT_EQ(which(free.adjacent_to(r4::closed_open(18, 20))), (names{"x"}));
  // Union, intersection, difference of multiranges; bounds; emptiness.
  const auto x =
      pgpx::select(free + m4{{r4::closed_open(12, 14)}}, free * pgpx::to_multirange(pgpx::val(r4::closed_open(10, 16))),
                   free - m4{{r4::closed_open(9, 10)}}, pgpx::lower(free), pgpx::upper(free), pgpx::range_merge(free),
                   pgpx::is_empty(free))
          .from<availability>()
          .where(pgpx::col(&availability::room) == "x")
          .one(cx());
  EXPECT_EQ(std::get<0>(x), (m4{{r4::closed_open(8, 18)}}));
  EXPECT_EQ(std::get<1>(x), (m4{{r4::closed_open(10, 12), r4::closed_open(14, 16)}}));
  EXPECT_EQ(std::get<2>(x), (m4{{r4::closed_open(8, 9), r4::closed_open(10, 12), r4::closed_open(14, 18)}}));
  EXPECT_EQ(std::get<3>(x), 8);
  EXPECT_EQ(std::get<4>(x), 18);
  EXPECT_EQ(std::get<5>(x), r4::closed_open(8, 18));
  EXPECT_FALSE(std::get<6>(x));
  const auto z = pgpx::select(pgpx::lower(free), pgpx::is_empty(free))
                     .from<availability>()
                     .where(pgpx::col(&availability::room) == "z")
                     .one(cx());
  EXPECT_FALSE(std::get<0>(z).has_value());
  EXPECT_TRUE(std::get<1>(z));
  // Aggregates: the union of the opening hours, of the free hours, the common opening hours;
  // unnest gives a multirange's ranges.
  const auto agg =
      pgpx::select(pgpx::range_agg(hours), pgpx::range_agg(free).filter(pgpx::col(&availability::room) != "x"),
                   pgpx::range_intersect_agg(hours), pgpx::range_intersect_agg(free))
          .from<availability>()
          .one(cx());
  EXPECT_EQ(std::get<0>(agg), (m4{{r4::closed_open(0, 24)}}));
  EXPECT_EQ(std::get<1>(agg), (m4{{r4::closed_open(9, 10)}}));
  EXPECT_EQ(std::get<2>(agg), r4::closed_open(9, 17));
  EXPECT_EQ(std::get<3>(agg), m4{});
  const auto none = pgpx::select(pgpx::range_agg(hours)).from<availability>().where(hours.contains(100)).value(cx());
  EXPECT_FALSE(none.has_value());
  const auto parts =
      pgpx::select(pgpx::unnest(free)).from<availability>().where(pgpx::col(&availability::room) == "x").all(cx());
  EXPECT_EQ(parts, (std::vector<r4>{r4::closed_open(8, 12), r4::closed_open(14, 18)}));
}

TEST_F(operators_test, multiranges_of_every_element_type_round_trip) {
  using pgpx::multirange;
  using pgpx::range;
  const multirange<std::int64_t> i8{{range<std::int64_t>::less_than(-5), range<std::int64_t>::closed_open(1, 3)}};
  EXPECT_EQ(cx().query_value<multirange<std::int64_t>>("select $1::int8multirange", i8), i8);
  const multirange<pgpx::numeric> num{{range<pgpx::numeric>::open_closed(pgpx::numeric("1.5"), pgpx::numeric("2.50")),
                                       range<pgpx::numeric>::at_least(pgpx::numeric("10"))}};
  EXPECT_EQ(cx().query_value<std::string>("select $1::nummultirange::text", num), "{(1.5,2.50],[10,)}");
  EXPECT_EQ(cx().query_value<multirange<pgpx::numeric>>("select $1::nummultirange", num), num);
  const multirange<pgpx::timestamptz> tz{{range<pgpx::timestamptz>::closed(at(2026, 1, 1), at(2026, 1, 2))}};
  EXPECT_EQ(cx().query_value<multirange<pgpx::timestamptz>>("select $1::tstzmultirange", tz), tz);
  const multirange<pgpx::timestamp> ts{
      {range<pgpx::timestamp>::at_most(pgpx::timestamp(std::chrono::local_days(day(2026, 3, 1))))}};
  EXPECT_EQ(cx().query_value<multirange<pgpx::timestamp>>("select $1::tsmultirange", ts), ts);
  // Discrete types are normalised, overlapping ranges merged; an int8 multirange reads an int4 one.
  const multirange<pgpx::date> d{{range<pgpx::date>::closed(day(2026, 1, 1), day(2026, 1, 3)),
                                  range<pgpx::date>::closed_open(day(2026, 1, 2), day(2026, 1, 9))}};
  EXPECT_EQ(cx().query_value<multirange<pgpx::date>>("select $1::datemultirange", d),
            (multirange<pgpx::date>{{range<pgpx::date>::closed_open(day(2026, 1, 1), day(2026, 1, 9))}}));
  EXPECT_EQ(
      cx().query_value<multirange<std::int64_t>>("select '{[1,3], [7,8)}'::int4multirange"),
      (multirange<std::int64_t>{{range<std::int64_t>::closed_open(1, 4), range<std::int64_t>::closed_open(7, 8)}}));
  EXPECT_EQ(cx().query_value<multirange<std::int32_t>>("select '{}'::int4multirange"), multirange<std::int32_t>{});
  // A multirange is not a range, nor text: reading one as either is a conversion error.
  EXPECT_THROW((void)cx().query_value<std::string>("select '{[1,3)}'::int4multirange"), pgpx::conversion_error);
  EXPECT_THROW((void)cx().query_value<range<std::int32_t>>("select '{[1,3)}'::int4multirange"), pgpx::conversion_error);
  EXPECT_THROW((void)cx().query_value<multirange<std::int32_t>>("select '[1,3)'::int4range"), pgpx::conversion_error);
}

TEST_F(operators_test, time_and_interval_arithmetic) {
  const auto created = pgpx::col(&booking::created_at);
  // created_at + grace: a 2h, b 1 day, c 1 month after its creation.
  const auto until = pgpx::select(pgpx::col(&booking::room), created + pgpx::col(&booking::grace))
                         .from<booking>()
                         .order_by(&booking::room)
                         .all(cx());
  ASSERT_EQ(until.size(), 3U);
  EXPECT_EQ(std::get<1>(until[0]), at(2026, 1, 1, 2h));
  EXPECT_EQ(std::get<1>(until[1]), at(2026, 1, 4));
  EXPECT_EQ(std::get<1>(until[2]), at(2026, 2, 2));
  // A negated interval: a's creation minus its 2 hours' grace.
  const auto before = pgpx::select(created + -pgpx::col(&booking::grace))
                          .from<booking>()
                          .where(pgpx::col(&booking::room) == "a")
                          .value(cx());
  EXPECT_EQ(before, at(2025, 12, 31, 22h));
  // A bound duration: the bookings created within 30 hours before Jan 3.
  EXPECT_EQ(rooms(created > pgpx::val(at(2026, 1, 3)) - 30h), (names{"b", "c"}));
  EXPECT_EQ(rooms(created + 1h > at(2026, 1, 3)), (names{"b"}));
  // timestamptz - timestamptz: an interval (36 hours, as PostgreSQL prints it: 1 day 12:00).
  const auto open = pgpx::select(pgpx::col(&booking::closed_at) - created)
                        .from<booking>()
                        .where(pgpx::col(&booking::room) == "c")
                        .value(cx());
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(*open, (pgpx::interval{0, 1, 12h}));
  EXPECT_EQ(rooms((pgpx::col(&booking::closed_at) - created) > 24h), (names{"c"}));
  // (Jan 10 - created_at) > 8 days; now() - created_at against one that is in the future.
  EXPECT_EQ(rooms(pgpx::val(at(2026, 1, 10)) - created > pgpx::interval{0, 8, 0us}), (names{"a"}));
  pgpx::update<booking>()
      .set(&booking::created_at, pgpx::sql::now() + 1h)
      .where(pgpx::col(&booking::room) == "b")
      .exec(cx());
  EXPECT_EQ(rooms(pgpx::sql::now() - created > 1h), (names{"a", "c"}));
  // date + int, date - date, date + interval, interval * number.
  const auto d = pgpx::select(pgpx::col(&booking::day) + 30, pgpx::col(&booking::day) - pgpx::val(day(2025, 12, 25)),
                              pgpx::col(&booking::day) + pgpx::col(&booking::grace), pgpx::col(&booking::grace) * 3)
                     .from<booking>()
                     .where(pgpx::col(&booking::room) == "b")
                     .one(cx());
  EXPECT_EQ(std::get<0>(d), day(2026, 2, 2));
  EXPECT_EQ(std::get<1>(d), 9);
  EXPECT_EQ(std::get<2>(d), pgpx::timestamp(std::chrono::local_days(day(2026, 1, 4))));
  EXPECT_EQ(std::get<3>(d), (pgpx::interval{0, 3, 0us}));
  // current_date - day: the days since each booking's day, as the server counts them.
  const auto since = pgpx::select(pgpx::sql::current_date() - pgpx::col(&booking::day), pgpx::sql::current_date())
                         .from<booking>()
                         .where(pgpx::col(&booking::room) == "a")
                         .one(cx());
  const auto today = std::get<1>(since);
  EXPECT_EQ(std::get<0>(since), (std::chrono::sys_days(today) - std::chrono::sys_days(day(2026, 1, 1))).count());
}

TEST_F(operators_test, sql_json_paths) {
  const auto meta = pgpx::col(&booking::meta);
  EXPECT_EQ(rooms(meta.path_exists("$.a[*] ? (@ > 3)")), (names{"b"}));
  EXPECT_EQ(rooms(meta.path_exists("$.a")), (names{"a", "b"}));
  EXPECT_EQ(rooms(meta.path_match("$.size >= 5")), (names{"b", "c"}));
  // A path that is not a predicate: @@ gives NULL, so no row.
  EXPECT_TRUE(rooms(meta.path_match("$.size")).empty());
  // jsonb_path_query returns a set: one row per item.
  const auto items = pgpx::select(pgpx::col(&booking::room), pgpx::jsonb_path_query(meta, "$.a[*]"))
                         .from<booking>()
                         .order_by(&booking::room)
                         .all(cx());
  ASSERT_EQ(items.size(), 4U);  // a: 1, 2, 3; b: 4; c: none
  EXPECT_EQ(std::get<1>(items[3]), nlohmann::json(4));
  const auto big = pgpx::select(pgpx::jsonb_path_query(meta, "$.a[*] ? (@ >= $min)", nlohmann::json{{"min", 2}}))
                       .from<booking>()
                       .all(cx());
  std::vector<int> got;
  for (const auto& j : big) got.push_back(j.get<int>());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{2, 3, 4}));
  const auto first = pgpx::select(pgpx::col(&booking::room), pgpx::jsonb_path_query_first(meta, "$.a[0]"))
                         .from<booking>()
                         .order_by(&booking::room)
                         .all(cx());
  ASSERT_EQ(first.size(), 3U);
  EXPECT_EQ(std::get<1>(first[0]), nlohmann::json(1));
  EXPECT_FALSE(std::get<1>(first[2]).has_value());
  // A malformed path is the server's error (the path is a bound value, not SQL text).
  EXPECT_THROW((void)rooms(meta.path_exists("$.a[")), pgpx::error);
}

TEST_F(operators_test, unnest_in_the_select_list_and_as_a_from_item) {
  const auto rows =
      pgpx::select(pgpx::col(&booking::room), pgpx::unnest(pgpx::col(&booking::tags))).from<booking>().all(cx());
  std::vector<std::string> flat;
  for (const auto& [room, tag] : rows) flat.push_back(room + ":" + tag);
  std::sort(flat.begin(), flat.end());
  EXPECT_EQ(flat, (names{"a:x", "a:y", "b:y"}));  // c has no tags: no row
  auto values = pgpx::select(pgpx::unnest(std::vector<std::int32_t>{3, 1, 2})).all(cx());
  std::sort(values.begin(), values.end());
  EXPECT_EQ(values, (std::vector<std::int32_t>{1, 2, 3}));
  auto t = pgpx::derived(
      "t", pgpx::select<tagged>(pgpx::as<&tagged::tag>(pgpx::unnest(pgpx::col(&booking::tags)))).from<booking>());
  const auto counts = pgpx::select(t(&tagged::tag), pgpx::count())
                          .from(t)
                          .group_by(t(&tagged::tag))
                          .order_by(t(&tagged::tag))
                          .all(cx());
  EXPECT_EQ(counts, (std::vector<std::tuple<std::string, std::int64_t>>{{"x", 1}, {"y", 2}}));
}

TEST_F(operators_test, unnest_in_from_with_ordinality_and_several_arrays) {
  using row = std::tuple<std::string, std::string>;
  // a has tags x, y; b has y; c none: a cross join leaves c out.
  auto t = pgpx::unnest<tag_row>("t", pgpx::col(&booking::tags));
  const auto pairs = pgpx::select(pgpx::col(&booking::room), t(&tag_row::tag))
                         .from<booking>()
                         .cross_join(t)
                         .order_by(&booking::room, t(&tag_row::tag))
                         .all(cx());
  EXPECT_EQ(pairs, (std::vector<row>{{"a", "x"}, {"a", "y"}, {"b", "y"}}));
  // With ordinality in a left join: c keeps one row of NULLs; n counts from 1 in array order.
  auto o = pgpx::unnest_with_ordinality<tag_pos>("o", pgpx::col(&booking::tags));
  using pos = std::tuple<std::string, std::optional<std::string>, std::optional<std::int64_t>>;
  const auto numbered = pgpx::select(pgpx::col(&booking::room), o(&tag_pos::tag), o(&tag_pos::n))
                            .from<booking>()
                            .left_join(o, pgpx::lit<true>)
                            .order_by(&booking::room, o(&tag_pos::n))
                            .all(cx());
  EXPECT_EQ(numbered,
            (std::vector<pos>{{"a", "x", 1}, {"a", "y", 2}, {"b", "y", 1}, {"c", std::nullopt, std::nullopt}}));
  // Several bound arrays: the shorter is padded with NULL; with ordinality, in array order.
  auto p = pgpx::unnest_with_ordinality<pair_pos>("p", std::vector<std::int32_t>{30, 10, 20},
                                                  std::vector<std::string>{"x", "y"});
  const auto padded = pgpx::select<pair_pos>().from(p).order_by(p(&pair_pos::n)).all(cx());
  ASSERT_EQ(padded.size(), 3U);
  EXPECT_EQ(padded[0].a, 30);
  EXPECT_EQ(padded[0].b, "x");
  EXPECT_EQ(padded[1].a, 10);
  EXPECT_EQ(padded[1].b, "y");
  EXPECT_EQ(padded[2].a, 20);
  EXPECT_FALSE(padded[2].b.has_value());
  EXPECT_EQ(padded[2].n, 3);
  // A condition on the function's column, and a join with it on a condition (bound ids).
  EXPECT_EQ(pgpx::select(p(&pair_pos::a)).from(p).where(p(&pair_pos::a) > 15).order_by(p(&pair_pos::a)).all(cx()),
            (std::vector<std::optional<std::int32_t>>{20, 30}));
  auto ids = pgpx::unnest<id_row>("ids", std::vector<std::int64_t>{rows_[2].id, rows_[0].id, 999});
  EXPECT_EQ(pgpx::select(pgpx::col(&booking::room))
                .from<booking>()
                .join(ids, pgpx::col(&booking::id) == ids(&id_row::id))
                .order_by(&booking::room)
                .all(cx()),
            (names{"a", "c"}));
  // A value that looks like SQL is an array element, not text of the statement.
  auto evil = pgpx::unnest<tag_row>("e", std::vector<std::string>{"'); drop table bookings; --"});
  EXPECT_EQ(pgpx::select(evil(&tag_row::tag)).from(evil).all(cx()), (names{"'); drop table bookings; --"}));
  EXPECT_EQ(pgpx::select(pgpx::unnest(std::vector<std::string>{"b", "a"})).all(cx()), (names{"b", "a"}));
  EXPECT_EQ(pgpx::select(pgpx::count()).from<booking>().value(cx()), 3);
}

TEST_F(operators_test, limit_and_offset_slots_of_a_shape) {
  const pgpx::shape<std::string(std::int64_t, std::int64_t)> page{pgpx::select(pgpx::col(&booking::room))
                                                                      .from<booking>()
                                                                      .order_by(&booking::room)
                                                                      .limit(pgpx::arg<std::int64_t>(0))
                                                                      .offset(pgpx::arg<std::int64_t>(1))};
  EXPECT_EQ(cx().query(page(2, 0)), (names{"a", "b"}));
  EXPECT_EQ(cx().query(page(2, 1)), (names{"b", "c"}));
  EXPECT_EQ(cx().query(page(1, 2)), (names{"c"}));
  EXPECT_EQ(cx().query(page(5, 3)), (names{}));
  EXPECT_EQ(cx().query(page(0, 0)), (names{}));
  // The values are bound: a negative limit is the server's error about the value.
  try {
    (void)cx().query(page(-1, 0));
    FAIL() << "a negative LIMIT was accepted";
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "2201W") << e.what();
  }
  // One slot in both clauses: pages of n rows.
  const auto n = pgpx::arg<std::int32_t>(0);
  const pgpx::shape<std::string(std::int32_t)> second_page{
      pgpx::select(pgpx::col(&booking::room)).from<booking>().order_by(&booking::room).limit(n).offset(n)};
  EXPECT_EQ(cx().query(second_page(1)), (names{"b"}));
  EXPECT_EQ(cx().query(second_page(2)), (names{"c"}));
  // An array argument unnested in FROM: the rooms of the ids given at each call.
  auto ids = pgpx::unnest<id_row>("ids", pgpx::arg<std::vector<std::int64_t>>(0));
  const pgpx::shape<std::string(std::vector<std::int64_t>)> rooms_of{
      pgpx::select(pgpx::col(&booking::room))
          .from<booking>()
          .join(ids, pgpx::col(&booking::id) == ids(&id_row::id))
          .order_by(&booking::room)};
  EXPECT_EQ(cx().query(rooms_of({rows_[1].id, rows_[2].id})), (names{"b", "c"}));
  EXPECT_EQ(cx().query(rooms_of({rows_[0].id})), (names{"a"}));
  EXPECT_EQ(cx().query(rooms_of({})), (names{}));
}

TEST_F(operators_test, raw_fragments_bind_their_values) {
  auto len = pgpx::raw<std::int32_t>("length({}) + {}", pgpx::col(&booking::room), 10);
  const auto l = pgpx::select(len).from<booking>().where(pgpx::col(&booking::room) == "a").value(cx());
  EXPECT_EQ(l, 11);
  EXPECT_EQ(rooms(pgpx::raw<bool>("{} ~ {}", pgpx::col(&booking::room), "^[ab]$")), (names{"a", "b"}));
  // A value that looks like SQL stays a value.
  booking odd = make("x'); drop table bookings; --", at(2026, 3, 1), at(2026, 3, 2), 1, 2, {});
  pgpx::insert(cx(), odd);
  EXPECT_EQ(rooms(pgpx::raw<bool>("{} = {}", pgpx::col(&booking::room), odd.room)), (names{odd.room}));
  EXPECT_EQ(pgpx::count<booking>(cx()), 4);
  // NULL from a fragment reads into std::optional; a condition works in the CRUD verbs too.
  const auto n = pgpx::select(pgpx::raw<std::optional<std::int32_t>>("nullif({}, {})", len, 11))
                     .from<booking>()
                     .where(pgpx::col(&booking::room) == "a")
                     .value(cx());
  EXPECT_FALSE(n.has_value());
  EXPECT_EQ(pgpx::count<booking>(cx(), pgpx::raw<bool>("upper({}) = {}", pgpx::col(&booking::room), "B")), 1);
}

TEST_F(operators_test, rollup_reads_into_optional_members_and_refuses_the_others) {
  std::vector<sale> sales(3);
  const char* regions[] = {"eu", "eu", "us"};
  for (std::size_t i = 0; i < sales.size(); ++i) {
    sales[i].region = regions[i];
    sales[i].product = "p";
    sales[i].year = 2026;
    sales[i].amount = pgpx::numeric(std::to_string(i + 1));
  }
  pgpx::insert_many(cx(), sales);
  const auto rep = pgpx::select<region_total>(pgpx::as<&region_total::total>(pgpx::sum(pgpx::col(&sale::amount))))
                       .from<sale>()
                       .group_by(pgpx::rollup(&sale::region))
                       .order_by(pgpx::asc(&sale::region).nulls_last())
                       .all(cx());
  ASSERT_EQ(rep.size(), 3U);
  EXPECT_EQ(rep[0].region, "eu");
  EXPECT_EQ(rep[0].total->to_string(), "3");
  EXPECT_FALSE(rep[2].region.has_value());
  EXPECT_EQ(rep[2].total->to_string(), "6");
  const auto bad =
      pgpx::select<region_total_bad>(pgpx::as<&region_total_bad::total>(pgpx::sum(pgpx::col(&sale::amount))))
          .from<sale>()
          .group_by(pgpx::rollup(&sale::region));
  EXPECT_THROW((void)bad.all(cx()), pgpx::usage_error);
  EXPECT_EQ(pgpx::count<sale>(cx()), 3);  // the connection is still usable
}

class merge_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    pgpx::schema::create(cx(), pgpx::models<stock, delivery>);
    // Stock: A 5, B 2, C 7 (discontinued: soft-deleted). Deliveries: A +3, B -2, C +1, D +4, E 0.
    for (const auto& [sku, qty] : std::vector<std::pair<std::string, std::int32_t>>{{"A", 5}, {"B", 2}, {"C", 7}}) {
      stock s;
      s.sku = sku;
      s.qty = qty;
      pgpx::insert(cx(), s);
    }
    pgpx::update<stock>().set(&stock::deleted_at, pgpx::sql::now()).where(pgpx::col(&stock::sku) == "C").exec(cx());
    for (const auto& [sku, qty] :
         std::vector<std::pair<std::string, std::int32_t>>{{"A", 3}, {"B", -2}, {"C", 1}, {"D", 4}, {"E", 0}}) {
      delivery d;
      d.sku = sku;
      d.qty = qty;
      pgpx::insert(cx(), d);
    }
  }
  auto all_stock() -> std::vector<std::tuple<std::string, std::int32_t, std::optional<std::string>>> {
    return pgpx::select(pgpx::col(&stock::sku), pgpx::col(&stock::qty), pgpx::col(&stock::note))
        .from<stock>()
        .with_deleted()
        .order_by(&stock::sku)
        .all(cx());
  }
  using rows = std::vector<std::tuple<std::string, std::int32_t, std::optional<std::string>>>;
};

TEST_F(merge_test, merge_updates_deletes_and_inserts_and_leaves_soft_deleted_rows_alone) {
  pgpx::transaction tx(cx());
  const std::uint64_t n =
      pgpx::merge_into<stock>()
          .using_<delivery>()
          .on(pgpx::col(&delivery::sku) == pgpx::col(&stock::sku))
          .when_matched(pgpx::col(&stock::qty) + pgpx::col(&delivery::qty) <= 0)
          .hard_delete()
          .when_matched()
          .update(pgpx::set(&stock::qty, pgpx::col(&stock::qty) + pgpx::col(&delivery::qty)),
                  pgpx::set(&stock::note, pgpx::val(std::optional<std::string>("restocked"))))
          .when_not_matched(pgpx::col(&delivery::qty) > 0)
          .insert(pgpx::set(&stock::sku, pgpx::col(&delivery::sku)), pgpx::set(&stock::qty, pgpx::col(&delivery::qty)))
          .exec(tx);
  tx.commit();
  EXPECT_EQ(n, 3U);  // A updated, B deleted, D inserted; C (soft-deleted) and E (0) untouched
  EXPECT_EQ(all_stock(), (rows{{"A", 8, "restocked"}, {"C", 7, std::nullopt}, {"D", 4, std::nullopt}}));
}

TEST_F(merge_test, with_deleted_acts_on_soft_deleted_rows_and_a_derived_source_aggregates) {
  pgpx::transaction tx(cx());
  const auto n = pgpx::merge_into<stock>()
                     .using_<delivery>()
                     .on(pgpx::col(&delivery::sku) == pgpx::col(&stock::sku))
                     .with_deleted()
                     .when_matched(pgpx::col(&stock::sku) == "C")
                     .update(pgpx::set(&stock::qty, pgpx::col(&delivery::qty)))
                     .when_matched()
                     .do_nothing()
                     .exec(tx);
  EXPECT_EQ(n, 1U);
  // A second delivery for A: the derived source sums per SKU, so A matches once.
  delivery more;
  more.sku = "A";
  more.qty = 10;
  pgpx::insert(tx, more);
  auto d = pgpx::derived("d", pgpx::select<incoming>(pgpx::as<&incoming::qty>(pgpx::raw<std::int32_t>(
                                                         "sum({})::int4", pgpx::col(&delivery::qty))))
                                  .from<delivery>()
                                  .group_by(&delivery::sku));
  const auto m = pgpx::merge_into<stock>()
                     .using_(d)
                     .on(d(&incoming::sku) == pgpx::col(&stock::sku))
                     .when_matched()
                     .update(pgpx::set(&stock::qty, pgpx::col(&stock::qty) + d(&incoming::qty)))
                     .when_not_matched(d(&incoming::qty) > 0)
                     .insert(pgpx::set(&stock::sku, d(&incoming::sku)), pgpx::set(&stock::qty, d(&incoming::qty)))
                     .exec(tx);
  tx.commit();
  EXPECT_EQ(m, 3U);  // A and B updated, D inserted; C soft-deleted, E has 0
  EXPECT_EQ(all_stock(),
            (rows{{"A", 18, std::nullopt}, {"B", 0, std::nullopt}, {"C", 1, std::nullopt}, {"D", 4, std::nullopt}}));
}

TEST_F(merge_test, a_source_row_matching_twice_is_the_servers_error) {
  delivery again;
  again.sku = "A";
  again.qty = 1;
  pgpx::insert(cx(), again);
  const auto m = pgpx::merge_into<stock>()
                     .using_<delivery>()
                     .on(pgpx::col(&delivery::sku) == pgpx::col(&stock::sku))
                     .when_matched()
                     .update(pgpx::set(&stock::qty, pgpx::col(&stock::qty) + pgpx::col(&delivery::qty)));
  EXPECT_THROW((void)m.exec(cx()), pgpx::error);
  EXPECT_EQ(std::get<1>(all_stock()[0]), 5);  // nothing changed
}

}  // namespace
