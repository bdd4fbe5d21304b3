// pgpx::shape without a server: the SQL is the builder's, rendered once; each call's
// parameters are what the builder would bind for the same values, the arguments at their
// slots; bad shapes are refused when they are made.
#include "support/orm_models.hpp"

#include <pgpx/error.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/query/shape.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace orm_models;

/// Every parameter of a statement as (type, format, bytes or "NULL").
auto params_of(const pgpx::param_list& p) -> std::vector<std::tuple<pgpx::oid, int, std::string>> {
  std::vector<std::tuple<pgpx::oid, int, std::string>> out;
  const char* const* v = p.values();
  for (std::size_t i = 0; i < p.size(); ++i)
    out.emplace_back(
        p.types()[i], p.formats()[i],
        p.lengths()[i] < 0 ? std::string("NULL") : std::string(v[i], static_cast<std::size_t>(p.lengths()[i])));
  return out;
}

TEST(shape_sql, a_call_binds_what_the_builder_binds_for_the_same_values) {
  const pgpx::shape<book(std::int64_t, std::string)> s{
      pgpx::select<book>()
          .where(pgpx::col(&book::author_id) == pgpx::arg<std::int64_t>(0) &&
                 pgpx::col(&book::title).like(pgpx::arg<std::string>(1)) && pgpx::col(&book::price_cents) > 100)
          .order_by(&book::id)
          .limit(20)};
  auto same = [](std::int64_t a, const std::string& t) {
    return pgpx::select<book>()
        .where(pgpx::col(&book::author_id) == a && pgpx::col(&book::title).like(t) &&
               pgpx::col(&book::price_cents) > 100)
        .order_by(&book::id)
        .limit(20)
        .statement();
  };
  for (const auto& [a, t] :
       std::vector<std::pair<std::int64_t, std::string>>{{7, "Dune%"}, {-1, ""}, {1LL << 40, "ü%"}}) {
    const auto got = s(a, t);
    const auto want = same(a, t);
    EXPECT_EQ(got.sql(), want.sql());
    EXPECT_EQ(params_of(got.params()), params_of(want.params())) << a << " " << t;
  }
  EXPECT_EQ(s.sql(), same(0, "").sql());
}

TEST(shape_sql, limit_and_offset_take_slots) {
  const pgpx::shape<book(std::int64_t, std::int64_t, std::int64_t)> s{
      pgpx::select<book>()
          .where(pgpx::col(&book::author_id) == pgpx::arg<std::int64_t>(0))
          .order_by(&book::id)
          .limit(pgpx::arg<std::int64_t>(1))
          .offset(pgpx::arg<std::int64_t>(2))};
  auto same = [](std::int64_t a, std::int64_t n, std::int64_t skip) {
    return pgpx::select<book>().where(pgpx::col(&book::author_id) == a).order_by(&book::id).limit(n).offset(skip);
  };
  EXPECT_EQ(s.sql(), R"(select "id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at" from "books")"
                     R"( where "author_id" = $1 and "deleted_at" is null order by "id" limit $2 offset $3)");
  for (const auto& [a, n, skip] :
       std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>{{1, 20, 0}, {7, 0, 40}, {-1, 1LL << 40, 3}}) {
    const auto got = s(a, n, skip);
    const auto want = same(a, n, skip).statement();
    EXPECT_EQ(got.sql(), want.sql());
    EXPECT_EQ(params_of(got.params()), params_of(want.params())) << a << " " << n << " " << skip;
  }
  // One slot in both clauses (a page of n rows after n rows); to_sql shows the slots.
  const auto page = pgpx::arg<std::int32_t>(0);
  const auto q = pgpx::select(pgpx::col(&book::title)).from<book>().order_by(&book::id).limit(page).offset(page * 2);
  const auto five = pgpx::val(std::int32_t{5});
  const auto preview = q.to_sql();
  EXPECT_EQ(preview.sql,
            R"(select "title" from "books" where "deleted_at" is null order by "id" limit $1 offset $1 * $2)");
  EXPECT_EQ(preview.params, (std::vector<std::string>{"$arg0", "2"}));
  const pgpx::shape<std::string(std::int32_t)> paged{q};
  EXPECT_EQ(params_of(paged(5).params()), params_of(pgpx::select(pgpx::col(&book::title))
                                                        .from<book>()
                                                        .order_by(&book::id)
                                                        .limit(five)
                                                        .offset(five * 2)
                                                        .statement()
                                                        .params()));
  // An argument of another type than the signature's: refused when the shape is made.
  EXPECT_THROW((pgpx::shape<book(std::int64_t)>{pgpx::select<book>().limit(pgpx::arg<std::int32_t>(0))}),
               pgpx::usage_error);
}

TEST(shape_sql, an_argument_used_twice_is_one_parameter_and_optionals_bind_null) {
  const auto a = pgpx::arg<std::optional<std::string>>(0);
  const pgpx::shape<book(std::optional<std::string>)> s{
      pgpx::select<book>().where(pgpx::coalesce(pgpx::col(&book::title), a) == pgpx::coalesce(a, "x"))};
  const auto st = s(std::nullopt);
  EXPECT_NE(st.sql().find(R"(coalesce("title", $1) = coalesce($1, $2))"), std::string::npos) << st.sql();
  ASSERT_EQ(st.params().size(), 2u);
  EXPECT_EQ(st.params().lengths()[0], -1);  // NULL
  EXPECT_EQ(std::string(st.params().values()[1], 1), "x");
  const auto st2 = s(std::string("y"));
  EXPECT_EQ(std::string(st2.params().values()[0], 1), "y");
}

TEST(shape_sql, writes_take_arguments_too) {
  const pgpx::shape<void(std::int32_t, std::int64_t)> s{pgpx::update<book>()
                                                            .set(&book::price_cents, pgpx::arg<std::int32_t>(0))
                                                            .where(pgpx::col(&book::id) == pgpx::arg<std::int64_t>(1))};
  const auto st = s(250, 9);
  const auto want =
      pgpx::update<book>().set(&book::price_cents, 250).where(pgpx::col(&book::id) == std::int64_t{9}).statement();
  EXPECT_EQ(st.sql(), want.sql());
  EXPECT_EQ(params_of(st.params()), params_of(want.params()));
}

TEST(shape_sql, a_shape_that_does_not_fit_its_signature_is_refused_when_made) {
  auto q = [](auto e) { return pgpx::select<book>().where(pgpx::col(&book::id) == e); };
  // An argument the query never uses.
  EXPECT_THROW((pgpx::shape<book(std::int64_t, std::int64_t)>{q(pgpx::arg<std::int64_t>(0))}), pgpx::usage_error);
  // A slot beyond the signature.
  EXPECT_THROW((pgpx::shape<book(std::int64_t)>{
                   pgpx::select<book>().where(pgpx::col(&book::id) == pgpx::arg<std::int64_t>(0) &&
                                              pgpx::col(&book::author_id) == pgpx::arg<std::int64_t>(1))}),
               pgpx::usage_error);
  // A slot of another type than the signature's argument.
  try {
    pgpx::shape<book(std::int32_t)> bad{q(pgpx::arg<std::int64_t>(0))};
    FAIL() << "a type mismatch must be refused";
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(e.message().find("pgpx::arg(0) is of another type"), std::string::npos) << e.message();
  }
  EXPECT_THROW((void)pgpx::arg<std::int64_t>(70000), pgpx::usage_error);
  // The builder's own refusals still apply.
  EXPECT_THROW((pgpx::shape<book(std::int64_t)>{
                   pgpx::select<book>().where(pgpx::col(&author::id) == pgpx::arg<std::int64_t>(0))}),
               pgpx::usage_error);
}

TEST(shape_sql, to_sql_of_a_builder_with_slots_names_them) {
  const auto p = pgpx::select<book>().where(pgpx::col(&book::id) == pgpx::arg<std::int64_t>(0)).to_sql();
  EXPECT_EQ(p.params, (std::vector<std::string>{"$arg0"}));
}

}  // namespace
