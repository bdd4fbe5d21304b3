// The query builder's PostgreSQL operators, without a server: ranges, time arithmetic,
// jsonpath, unnest, raw fragments and the GROUPING SETS nullability check, as golden SQL
// strings and result types; tests/integration/query/operators_test.cpp runs them.
#include "support/orm_models.hpp"
#include "support/query_models.hpp"
#include "support/query_ops_models.hpp"

#include <pgpx/error.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/merge.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace operators_sql {
struct room_row {
  std::string room;
  std::optional<pgpx::timestamptz> starts;
};
struct region_total {
  std::string region;  // not optional: refused under ROLLUP
  std::optional<pgpx::numeric> total;
};
struct region_total_ok {
  std::optional<std::string> region;
  std::optional<pgpx::numeric> total;
};
struct tagged {
  std::int64_t id;
  std::string tag;
};
struct tag_row {
  std::string tag;
};
struct tag_pos {
  std::optional<std::string> tag;
  std::optional<std::int64_t> n;
};
struct pair_row {
  std::optional<std::int32_t> a;
  std::optional<std::string> b;
};
struct id_row {
  std::int64_t id;
};
struct span_row {
  pgpx::range<std::int32_t> span;
};
struct merge_source {
  std::string sku;
  std::int32_t qty;
};
}  // namespace operators_sql

namespace {

/// An expression of value type V and nullability N (its constness aside: pgpx::const_expr
/// or pgpx::bound_expr).
template <class E, class V, bool N>
constexpr bool is_expr_of = std::is_same_v<typename E::pgpx_expr_value, V> && E::nullable == N;

using namespace query_ops;
using namespace operators_sql;
using orm_models::book;
using orm_models::sale;

auto sql_of(const auto& q) -> std::string { return q.to_sql().sql; }
template <class E>
auto pred_sql(const E& e) -> std::string {
  return pgpx::select(pgpx::col(&booking::id)).from<booking>().where(e).to_sql().sql;
}
constexpr const char* head = R"(select "id" from "bookings" where )";

TEST(operators_sql, range_operators_take_ranges_of_the_same_type_and_elements) {
  const auto at = pgpx::timestamptz(std::chrono::sys_days(std::chrono::year(2026) / 1 / 2));
  const auto week = pgpx::range<pgpx::timestamptz>::closed_open(at, at + std::chrono::days(7));
  EXPECT_EQ(pred_sql(pgpx::col(&booking::during).contains(at)), std::string(head) + R"("during" @> $1)");
  EXPECT_EQ(pred_sql(pgpx::col(&booking::during).contains(week)), std::string(head) + R"("during" @> $1)");
  EXPECT_EQ(pred_sql(pgpx::col(&booking::during).contained_by(week)), std::string(head) + R"("during" <@ $1)");
  EXPECT_EQ(pred_sql(pgpx::col(&booking::during).overlaps(week)), std::string(head) + R"("during" && $1)");
  EXPECT_EQ(pred_sql(pgpx::col(&booking::during).adjacent_to(week)), std::string(head) + R"("during" -|- $1)");
  // An int value into an int4range keeps int4 (the parameter's type is the element's).
  const auto s = pgpx::select(pgpx::col(&booking::id)).from<booking>().where(pgpx::col(&booking::seats).contains(3));
  EXPECT_EQ(s.statement().params().types()[0], 23U);  // int4
  const auto s8 =
      pgpx::select(pgpx::col(&booking::id)).from<booking>().where(pgpx::col(&booking::seats).contains(std::int64_t{3}));
  EXPECT_EQ(s8.statement().params().types()[0], 23U);  // converted to the element type
  auto lo = pgpx::lower(pgpx::col(&booking::during));
  static_assert(is_expr_of<decltype(lo), pgpx::timestamptz, true>);
  EXPECT_EQ(sql_of(pgpx::select(lo, pgpx::upper(pgpx::col(&booking::seats)), pgpx::is_empty(pgpx::col(&booking::seats)))
                       .from<booking>()),
            R"(select lower("during"), upper("seats"), isempty("seats") from "bookings")");
  // lower/upper of text still work.
  EXPECT_EQ(sql_of(pgpx::select(pgpx::lower(pgpx::col(&booking::room))).from<booking>()),
            R"(select lower("room") from "bookings")");
  // Combined with and/or: the operators bind tighter than comparison.
  EXPECT_EQ(pred_sql(pgpx::col(&booking::during).overlaps(week) && !pgpx::col(&booking::seats).contains(1)),
            std::string(head) + R"("during" && $1 and not "seats" @> $2)");
}

TEST(operators_sql, range_position_operators_and_arithmetic) {
  using r4 = pgpx::range<std::int32_t>;
  const auto seats = pgpx::col(&booking::seats);
  const auto probe = r4::closed_open(5, 8);
  EXPECT_EQ(pred_sql(seats.strictly_left_of(probe)), std::string(head) + R"("seats" << $1)");
  EXPECT_EQ(pred_sql(seats.strictly_right_of(probe)), std::string(head) + R"("seats" >> $1)");
  EXPECT_EQ(pred_sql(seats.does_not_extend_right_of(probe)), std::string(head) + R"("seats" &< $1)");
  EXPECT_EQ(pred_sql(seats.does_not_extend_left_of(probe)), std::string(head) + R"("seats" &> $1)");
  // Union, intersection and difference keep the range type; they bind as + and * do, tighter
  // than the range operators: no parentheses there, but (a + b) * c keeps them.
  auto u = seats + probe;
  static_assert(is_expr_of<decltype(u), r4, false>);
  auto i = seats * probe;
  static_assert(is_expr_of<decltype(i), r4, false>);
  auto d = seats - probe;
  static_assert(is_expr_of<decltype(d), r4, false>);
  EXPECT_EQ(pred_sql((seats + probe).overlaps(seats * probe)), std::string(head) + R"("seats" + $1 && "seats" * $2)");
  const auto s = pgpx::select((seats + probe) * r4::at_least(3), seats - probe).from<booking>().to_sql();
  EXPECT_EQ(s.sql, R"(select ("seats" + $1) * $2, "seats" - $3 from "bookings")");
  EXPECT_EQ(s.params, (std::vector<std::string>{"[5,8)", "[3,)", "[5,8)"}));
  // Bound tests and range_merge.
  EXPECT_EQ(
      sql_of(pgpx::select(pgpx::lower_inc(seats), pgpx::upper_inc(seats), pgpx::lower_inf(seats),
                          pgpx::upper_inf(pgpx::col(&booking::during)))
                 .from<booking>()),
      R"(select lower_inc("seats"), upper_inc("seats"), lower_inf("seats"), upper_inf("during") from "bookings")");
  auto m = pgpx::range_merge(seats, probe);
  static_assert(is_expr_of<decltype(m), r4, false>);
  EXPECT_EQ(sql_of(pgpx::select(m).from<booking>()), R"(select range_merge("seats", $1) from "bookings")");
  static_assert(is_expr_of<decltype(pgpx::lower_inc(seats)), bool, false>);
}

TEST(operators_sql, multiranges_mix_with_ranges_and_aggregate) {
  using r4 = pgpx::range<std::int32_t>;
  using m4 = pgpx::multirange<std::int32_t>;
  const auto free = pgpx::col(&availability::free);
  const auto hours = pgpx::col(&availability::hours);
  const auto q = [](const auto& e) {
    return pgpx::select(pgpx::col(&availability::id)).from<availability>().where(e).to_sql().sql;
  };
  const std::string where = R"(select "id" from "availabilities" where )";
  EXPECT_EQ(q(free.contains(9)), where + R"("free" @> $1)");
  EXPECT_EQ(q(free.contains(hours)), where + R"("free" @> "hours")");
  EXPECT_EQ(q(hours.contains(free)), where + R"("hours" @> "free")");
  EXPECT_EQ(q(free.overlaps(r4::closed_open(1, 2))), where + R"("free" && $1)");
  EXPECT_EQ(q(free.contained_by(m4{{r4::closed_open(0, 24)}})), where + R"("free" <@ $1)");
  EXPECT_EQ(q(free.strictly_left_of(hours) || free.strictly_right_of(hours) || free.adjacent_to(hours)),
            where + R"("free" << "hours" or "free" >> "hours" or "free" -|- "hours")");
  EXPECT_EQ(q(hours.does_not_extend_right_of(free) && hours.does_not_extend_left_of(free)),
            where + R"("hours" &< "free" and "hours" &> "free")");
  const auto mm = pgpx::select(free + m4{}, free * pgpx::to_multirange(hours), free - m4{{r4::closed_open(9, 10)}})
                      .from<availability>()
                      .to_sql();
  static_assert(std::is_same_v<decltype(pgpx::select(free + m4{}))::row_type, m4>);
  EXPECT_EQ(mm.sql, R"(select "free" + $1, "free" * multirange("hours"), "free" - $2 from "availabilities")");
  EXPECT_EQ(mm.params, (std::vector<std::string>{"{}", "{[9,10)}"}));
  // Bounds, emptiness, range_merge, unnest and the aggregates.
  static_assert(is_expr_of<decltype(pgpx::lower(free)), std::int32_t, true>);
  static_assert(is_expr_of<decltype(pgpx::range_merge(free)), r4, false>);
  static_assert(is_expr_of<decltype(pgpx::unnest(free)), r4, false>);
  static_assert(is_expr_of<decltype(pgpx::range_agg(hours)), m4, true>);
  static_assert(is_expr_of<decltype(pgpx::range_agg(free)), m4, true>);
  static_assert(is_expr_of<decltype(pgpx::range_intersect_agg(hours)), r4, true>);
  static_assert(is_expr_of<decltype(pgpx::is_empty(pgpx::col(&availability::closed))), bool, true>);
  EXPECT_EQ(sql_of(pgpx::select(pgpx::lower(free), pgpx::upper(free), pgpx::is_empty(free), pgpx::range_merge(free),
                                pgpx::upper_inc(free))
                       .from<availability>()),
            R"(select lower("free"), upper("free"), isempty("free"), range_merge("free"), upper_inc("free"))"
            R"( from "availabilities")");
  EXPECT_EQ(sql_of(pgpx::select(pgpx::range_agg(hours), pgpx::range_agg(free).filter(!pgpx::is_empty(free)),
                                pgpx::range_intersect_agg(hours))
                       .from<availability>()),
            R"(select range_agg("hours"), range_agg("free") filter (where not isempty("free")),)"
            R"( range_intersect_agg("hours") from "availabilities")");
  EXPECT_EQ(sql_of(pgpx::select(pgpx::col(&availability::room), pgpx::unnest(free)).from<availability>()),
            R"(select "room", unnest("free") from "availabilities")");
  // The column types of the DDL.
  const auto& info = pgpx::model_info<availability>();
  EXPECT_EQ(info.columns[2].type, "int4multirange");
  EXPECT_EQ(info.columns[4].type, "datemultirange");
}

TEST(operators_sql, time_arithmetic_has_postgres_result_types) {
  auto plus = pgpx::col(&booking::created_at) + pgpx::col(&booking::grace);
  static_assert(is_expr_of<decltype(plus), pgpx::timestamptz, false>);
  auto hours = pgpx::col(&booking::created_at) - std::chrono::hours(2);
  static_assert(is_expr_of<decltype(hours), pgpx::timestamptz, false>);
  auto age = pgpx::sql::now() - pgpx::col(&booking::created_at);
  static_assert(is_expr_of<decltype(age), pgpx::interval, false>);
  auto open = pgpx::col(&booking::closed_at) - pgpx::col(&booking::created_at);
  static_assert(is_expr_of<decltype(open), pgpx::interval, true>);
  auto next = pgpx::col(&booking::day) + 7;
  static_assert(is_expr_of<decltype(next), pgpx::date, false>);
  auto since = pgpx::sql::current_date() - pgpx::col(&booking::day);
  static_assert(is_expr_of<decltype(since), std::int32_t, false>);
  EXPECT_EQ(sql_of(pgpx::select(since).from<booking>()), R"(select current_date - "day" from "bookings")");
  auto days = pgpx::col(&booking::day) - pgpx::col(&booking::day);
  static_assert(is_expr_of<decltype(days), std::int32_t, false>);
  auto ts = pgpx::col(&booking::day) + pgpx::col(&booking::grace);
  static_assert(is_expr_of<decltype(ts), pgpx::timestamp, false>);
  auto twice = pgpx::col(&booking::grace) * 2;
  static_assert(is_expr_of<decltype(twice), pgpx::interval, false>);
  auto half = pgpx::col(&booking::grace) / 2.0;
  static_assert(is_expr_of<decltype(half), pgpx::interval, false>);
  auto back = pgpx::col(&booking::created_at) + -pgpx::col(&booking::grace);
  static_assert(is_expr_of<decltype(back), pgpx::timestamptz, false>);
  EXPECT_EQ(sql_of(pgpx::select(back).from<booking>()), R"(select "created_at" + -"grace" from "bookings")");
  auto sum = pgpx::col(&booking::grace) + std::chrono::minutes(5);
  static_assert(is_expr_of<decltype(sum), pgpx::interval, false>);

  const auto q = pgpx::select(pgpx::col(&booking::id))
                     .from<booking>()
                     .where(pgpx::col(&booking::created_at) + pgpx::col(&booking::grace) < pgpx::sql::now() &&
                            pgpx::col(&booking::created_at) > pgpx::sql::now() - std::chrono::hours(24) &&
                            pgpx::col(&booking::day) + 1 >= pgpx::col(&booking::day));
  const auto s = q.to_sql();
  EXPECT_EQ(s.sql, std::string(head) + R"("created_at" + "grace" < now() and "created_at" > now() - $1)" +
                       R"( and "day" + $2 >= "day")");
  ASSERT_EQ(s.params.size(), 2U);
  EXPECT_EQ(q.statement().params().types()[0], 1186U);  // interval: a duration is bound as one
  // Time values of one family compare: a timestamptz column with seconds-resolution time.
  const auto cut = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  EXPECT_EQ(pred_sql(pgpx::col(&booking::created_at) < cut), std::string(head) + R"("created_at" < $1)");
  EXPECT_EQ(pred_sql(pgpx::col(&booking::grace) > std::chrono::hours(1)), std::string(head) + R"("grace" > $1)");
  // Parentheses for precedence: interval * (a + b).
  EXPECT_EQ(sql_of(pgpx::select(pgpx::col(&booking::grace) * (pgpx::col(&booking::id) + 1)).from<booking>()),
            R"(select "grace" * ("id" + $1) from "bookings")");
}

TEST(operators_sql, jsonpath_is_bound_and_cast) {
  EXPECT_EQ(pred_sql(pgpx::col(&booking::meta).path_exists("$.tags[*] ? (@ == \"x\")")),
            std::string(head) + R"("meta" @? $1::jsonpath)");
  EXPECT_EQ(pred_sql(pgpx::col(&booking::meta).path_match("$.size > 3")),
            std::string(head) + R"("meta" @@ $1::jsonpath)");
  const auto q = pgpx::select(pgpx::col(&booking::id), pgpx::jsonb_path_query(pgpx::col(&booking::meta), "$.a[*]"))
                     .from<booking>();
  static_assert(std::is_same_v<decltype(q)::row_type, std::tuple<std::int64_t, nlohmann::json>>);
  const auto s = q.to_sql();
  EXPECT_EQ(s.sql, R"(select "id", jsonb_path_query("meta", $1::jsonpath) from "bookings")");
  EXPECT_EQ(s.params, (std::vector<std::string>{"$.a[*]"}));
  EXPECT_EQ(sql_of(pgpx::select(pgpx::jsonb_path_query(pgpx::col(&booking::meta), "$.a[*] ? (@ > $min)",
                                                       nlohmann::json{{"min", 2}}))
                       .from<booking>()),
            R"(select jsonb_path_query("meta", $1::jsonpath, $2) from "bookings")");
  const auto f = pgpx::select(pgpx::jsonb_path_query_first(pgpx::col(&booking::meta), "$.a[0]")).from<booking>();
  static_assert(std::is_same_v<decltype(f)::row_type, std::optional<nlohmann::json>>);
}

TEST(operators_sql, unnest_of_a_column_or_a_bound_vector) {
  const auto q = pgpx::select(pgpx::col(&booking::id), pgpx::unnest(pgpx::col(&booking::tags))).from<booking>();
  static_assert(std::is_same_v<decltype(q)::row_type, std::tuple<std::int64_t, std::string>>);
  EXPECT_EQ(sql_of(q), R"(select "id", unnest("tags") from "bookings")");
  const auto v = pgpx::select(pgpx::unnest(std::vector<std::int32_t>{3, 1, 2}));
  static_assert(std::is_same_v<decltype(v)::row_type, std::int32_t>);
  const auto s = v.to_sql();
  EXPECT_EQ(s.sql, "select unnest($1)");
  EXPECT_EQ(s.params, (std::vector<std::string>{"{3,1,2}"}));
  EXPECT_EQ(sql_of(pgpx::select(pgpx::unnest(std::vector<std::string>{"a"}))), "select unnest($1::text[])");
  // As a FROM item: a projection in a derived table.
  auto t = pgpx::derived(
      "t", pgpx::select<tagged>(pgpx::as<&tagged::tag>(pgpx::unnest(pgpx::col(&booking::tags)))).from<booking>());
  EXPECT_EQ(sql_of(pgpx::select(t(&tagged::tag), pgpx::count()).from(t).group_by(t(&tagged::tag))),
            R"(select "tag", count(*) from (select "id", unnest("tags") as "tag" from "bookings") as "t")"
            R"( group by "tag")");
}

TEST(operators_sql, unnest_as_a_from_item) {
  // A column of an earlier FROM item: cross join (a function in FROM sees the items before it).
  auto t = pgpx::unnest<tag_row>("t", pgpx::col(&booking::tags));
  EXPECT_EQ(
      sql_of(pgpx::select(pgpx::col(&booking::room), t(&tag_row::tag)).from<booking>().cross_join(t)),
      R"(select "bookings"."room", "t"."tag" from "bookings" cross join unnest("bookings"."tags") as "t" ("tag"))");
  // With ordinality, in a left join on true.
  auto o = pgpx::unnest_with_ordinality<tag_pos>("o", pgpx::col(&booking::tags));
  EXPECT_EQ(sql_of(pgpx::select(pgpx::col(&booking::room), o(&tag_pos::tag), o(&tag_pos::n))
                       .from<booking>()
                       .left_join(o, pgpx::lit<true>)
                       .where(o(&tag_pos::n) <= 2)),
            R"(select "bookings"."room", "o"."tag", "o"."n" from "bookings" left join unnest("bookings"."tags"))"
            R"( with ordinality as "o" ("tag", "n") on true where "o"."n" <= $1)");
  // Several bound arrays, alone in FROM: the projection reads R's members by name.
  auto p = pgpx::unnest<pair_row>("p", std::vector<std::int32_t>{1, 2, 3}, std::vector<std::string>{"x"});
  const auto s = pgpx::select<pair_row>().from(p).where(p(&pair_row::a) > 1).to_sql();
  // (A text array's parameter type is left to the server: cast, as unnest is overloaded.)
  EXPECT_EQ(s.sql, R"(select "a", "b" from unnest($1, $2::text[]) as "p" ("a", "b") where "a" > $3)");
  EXPECT_EQ(s.params, (std::vector<std::string>{"{1,2,3}", "{x}", "1"}));
  static_assert(std::is_same_v<decltype(pgpx::select<pair_row>().from(p))::row_type, pair_row>);
  // Joined on a condition: the rows of bound ids.
  auto ids = pgpx::unnest<id_row>("ids", std::vector<std::int64_t>{4, 5});
  EXPECT_EQ(
      sql_of(pgpx::select(pgpx::col(&booking::room))
                 .from<booking>()
                 .join(ids, pgpx::col(&booking::id) == ids(&id_row::id))),
      R"(select "bookings"."room" from "bookings" join unnest($1) as "ids" ("id") on "bookings"."id" = "ids"."id")");
  // A multirange's ranges.
  auto spans = pgpx::unnest<span_row>("s", pgpx::col(&availability::free));
  EXPECT_EQ(sql_of(pgpx::select(spans(&span_row::span)).from<availability>().cross_join(spans)),
            R"(select "s"."span" from "availabilities" cross join unnest("availabilities"."free") as "s" ("span"))");
}

TEST(operators_sql, raw_fragments_fill_holes_with_expressions_and_bound_values) {
  const std::string term = "postgres";
  auto sim = pgpx::raw<double>("similarity({}, {})", pgpx::col(&book::title), term);
  static_assert(is_expr_of<decltype(sim), double, false>);
  const auto q = pgpx::select(pgpx::col(&book::title), sim)
                     .from<book>()
                     .where(sim > 0.3 && pgpx::col(&book::price_cents) > 10)
                     .order_by(pgpx::desc(sim));
  const auto s = q.to_sql();
  // The fragment is parenthesised as an operand; its value keeps its $1 wherever it is used.
  EXPECT_EQ(s.sql, R"(select "title", similarity("title", $1) from "books" where (similarity("title", $1)) > $2)"
                   R"( and "price_cents" > $3 and "deleted_at" is null order by similarity("title", $1) desc)");
  EXPECT_EQ(s.params, (std::vector<std::string>{"postgres", "0.3", "10"}));
  // A non-atomic hole is parenthesised; a value in a hole is bound, never spliced.
  auto scaled = pgpx::raw<std::int32_t>("{} * 2", pgpx::col(&book::price_cents) + 1);
  EXPECT_EQ(sql_of(pgpx::select(scaled).from<book>().with_deleted()),
            R"(select ("price_cents" + $1) * 2 from "books")");
  auto quoted = pgpx::raw<std::string>("{} || '{x}'", std::string("a'; drop table books; --"));
  const auto qs = pgpx::select(quoted).to_sql();
  EXPECT_EQ(qs.sql, R"(select $1 || '{x}')");
  EXPECT_EQ(qs.params, (std::vector<std::string>{"a'; drop table books; --"}));
  // std::optional<V>: a fragment that may be NULL; bool: a condition, for where and the CRUD verbs.
  auto maybe = pgpx::raw<std::optional<std::int32_t>>("nullif({}, 0)", pgpx::col(&book::price_cents));
  static_assert(is_expr_of<decltype(maybe), std::int32_t, true>);
  auto cond = pgpx::raw<bool>("{} ~* {}", pgpx::col(&book::title), "^post");
  EXPECT_EQ(sql_of(pgpx::select(pgpx::count()).from<book>().with_deleted().where(cond || cond)),
            R"(select count(*) from "books" where ("title" ~* $1) or ("title" ~* $1))");
  const pgpx::statement<void> pred = cond;
  EXPECT_EQ(pred.sql(), R"("books"."title" ~* $1)");
  // No holes; braces, $ and doubled quotes inside a quoted string are the string's own.
  EXPECT_EQ(sql_of(pgpx::select(pgpx::raw<double>("pi()"))), "select pi()");
  auto regex = pgpx::raw<bool>("{} ~ '^a{1,2}$' and {} <> 'it''s {'", pgpx::col(&book::title), 7);
  EXPECT_EQ(pgpx::statement<void>(regex).sql(), R"("books"."title" ~ '^a{1,2}$' and $1 <> 'it''s {')");
  // The predicate form of pgpx/orm/crud.hpp is still there, with its own $n.
  const pgpx::statement<void> old = pgpx::raw("\"title\" = $1", term);
  EXPECT_EQ(old.sql(), "\"title\" = $1");
}

TEST(operators_sql, rolled_up_columns_need_optional_members) {
  const auto bad = pgpx::select<region_total>(pgpx::as<&region_total::total>(pgpx::sum(pgpx::col(&sale::amount))))
                       .from<sale>()
                       .group_by(pgpx::rollup(&sale::region));
  try {
    (void)bad.to_sql();
    FAIL() << "built";
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("region_total.region must be std::optional (rolled-up rows are NULL)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)bad.statement(), pgpx::usage_error);
  // The same member bound explicitly to the column, with CUBE: refused too.
  const auto bound = pgpx::select<region_total>(pgpx::as<&region_total::region>(pgpx::col(&sale::region)),
                                                pgpx::as<&region_total::total>(pgpx::sum(pgpx::col(&sale::amount))))
                         .from<sale>()
                         .group_by(pgpx::cube(&sale::region, &sale::product));
  EXPECT_THROW((void)bound.to_sql(), pgpx::usage_error);
  // Grouping sets: a column in every set is never NULL-ed; one missing from a set is.
  const auto every =
      pgpx::select<region_total>(pgpx::as<&region_total::total>(pgpx::sum(pgpx::col(&sale::amount))))
          .from<sale>()
          .group_by(pgpx::grouping_sets(pgpx::group(&sale::region, &sale::product), pgpx::group(&sale::region)));
  EXPECT_NO_THROW((void)every.to_sql());
  const auto some = pgpx::select<region_total>(pgpx::as<&region_total::total>(pgpx::sum(pgpx::col(&sale::amount))))
                        .from<sale>()
                        .group_by(pgpx::grouping_sets(pgpx::group(&sale::region), pgpx::group(&sale::product)));
  EXPECT_THROW((void)some.to_sql(), pgpx::usage_error);
  // Plain GROUP BY, or a column outside the rollup: fine; optional members: fine.
  const auto plain = pgpx::select<region_total>(pgpx::as<&region_total::total>(pgpx::sum(pgpx::col(&sale::amount))))
                         .from<sale>()
                         .group_by(&sale::region);
  EXPECT_NO_THROW((void)plain.to_sql());
  const auto outside = pgpx::select<region_total>(pgpx::as<&region_total::total>(pgpx::sum(pgpx::col(&sale::amount))))
                           .from<sale>()
                           .group_by(&sale::region, pgpx::rollup(&sale::product));
  EXPECT_NO_THROW((void)outside.to_sql());
  const auto ok = pgpx::select<region_total_ok>(pgpx::as<&region_total_ok::total>(pgpx::sum(pgpx::col(&sale::amount))))
                      .from<sale>()
                      .group_by(pgpx::rollup(&sale::region));
  EXPECT_EQ(sql_of(ok), R"(select "region", sum("amount") as "total" from "sales" group by rollup ("region"))");
}

TEST(operators_sql, merge_qualifies_both_relations_and_binds_values) {
  const auto m =
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
          .when_not_matched()
          .do_nothing();
  const auto s = m.to_sql();
  EXPECT_EQ(s.sql, R"(merge into "stocks" using "deliveries" on "deliveries"."sku" = "stocks"."sku")"
                   R"( when matched and "stocks"."qty" + "deliveries"."qty" <= $1 and "stocks"."deleted_at" is null)"
                   R"( then delete)"
                   R"( when matched and "stocks"."deleted_at" is null)"
                   R"( then update set "qty" = "stocks"."qty" + "deliveries"."qty", "note" = $2)"
                   R"( when not matched and "deliveries"."qty" > $3)"
                   R"( then insert ("sku", "qty") values ("deliveries"."sku", "deliveries"."qty"))"
                   R"( when not matched then do nothing)");
  EXPECT_EQ(s.params, (std::vector<std::string>{"0", "restocked", "0"}));
  // with_deleted: no soft-delete conditions; an or-condition keeps its parentheses.
  const auto w = pgpx::merge_into<stock>()
                     .using_<delivery>()
                     .on(pgpx::col(&delivery::sku) == pgpx::col(&stock::sku))
                     .with_deleted()
                     .when_matched(pgpx::col(&delivery::qty) == 0 || pgpx::col(&stock::qty) == 0)
                     .hard_delete();
  EXPECT_EQ(sql_of(w), R"(merge into "stocks" using "deliveries" on "deliveries"."sku" = "stocks"."sku")"
                       R"( when matched and ("deliveries"."qty" = $1 or "stocks"."qty" = $2) then delete)");
  // Missing parts are usage errors when built, before anything is sent.
  EXPECT_THROW((void)pgpx::merge_into<stock>().using_<delivery>().when_matched().hard_delete().to_sql(),
               pgpx::usage_error);
  EXPECT_THROW((void)pgpx::merge_into<stock>()
                   .using_<delivery>()
                   .on(pgpx::col(&delivery::sku) == pgpx::col(&stock::sku))
                   .to_sql(),
               pgpx::usage_error);
  EXPECT_THROW((void)pgpx::merge_into<stock>().on(pgpx::col(&delivery::sku) == pgpx::col(&stock::sku)),
               pgpx::usage_error);
}

TEST(operators_sql, merge_from_a_derived_table) {
  auto d = pgpx::derived("d", pgpx::select<merge_source>(pgpx::as<&merge_source::qty>(pgpx::raw<std::int32_t>(
                                                             "sum({})::int4", pgpx::col(&delivery::qty))))
                                  .from<delivery>()
                                  .group_by(&delivery::sku));
  const auto m =
      pgpx::merge_into<stock>()
          .using_(d)
          .on(d(&merge_source::sku) == pgpx::col(&stock::sku))
          .when_matched()
          .update(pgpx::set(&stock::qty, pgpx::col(&stock::qty) + d(&merge_source::qty)))
          .when_not_matched()
          .insert(pgpx::set(&stock::sku, d(&merge_source::sku)), pgpx::set(&stock::qty, d(&merge_source::qty)));
  EXPECT_EQ(sql_of(m),
            R"(merge into "stocks" using (select "sku", sum("qty")::int4 as "qty" from "deliveries")"
            R"( group by "sku") as "d" on "d"."sku" = "stocks"."sku")"
            R"( when matched and "stocks"."deleted_at" is null then update set "qty" = "stocks"."qty" + "d"."qty")"
            R"( when not matched then insert ("sku", "qty") values ("d"."sku", "d"."qty"))");
}

}  // namespace
