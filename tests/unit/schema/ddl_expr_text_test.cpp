// DDL facts that hold builder expressions (spec/orm.md D2): typed checks, expression and
// mixed index keys, partial indexes; their exact DDL text, their description in model_info,
// the constness an expression's type carries, and the run-time refusals (the server runs the
// DDL in tests/integration/schema/ddl_expr_test.cpp; the compile-time refusal is
// tests/compile_fail/query_ddl_*).
#include <pgpx/model/validate.hpp>
#include <pgpx/query/functions.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace ddl_expr {
struct order_line {  // the spec's D2 example
  std::int64_t order_id;
  std::int32_t line_no;
  std::string sku;
  std::int32_t qty;
};
struct ticket {
  pgpx::identity<std::int64_t> id;
  std::string code;
  std::string status;
  std::optional<pgpx::timestamptz> closed_at;
  std::int32_t a;
  std::int32_t b;
};
struct hidden_value {  // a function of unknown constness hiding a bound value
  pgpx::identity<std::int64_t> id;
  std::string body;
};
struct foreign_column {  // a check reading another model's column
  pgpx::identity<std::int64_t> id;
  std::int32_t qty;
};
struct long_name {
  pgpx::identity<std::int64_t> id;
  std::string a_rather_long_column_name_that_goes_on_and_on_and_on;
};
struct twice {  // two expression indexes that PostgreSQL would name alike
  pgpx::identity<std::int64_t> id;
  std::string x;
  std::string y;
};
}  // namespace ddl_expr

using ddl_expr::order_line;
using ddl_expr::ticket;

template <>
struct pgpx::model<order_line> {
  static constexpr auto primary_key = pgpx::key_of(&order_line::order_id, &order_line::line_no);
  static auto checks() { return std::tuple{pgpx::check<"qty_fits">(pgpx::col(&order_line::qty) <= pgpx::lit<1000>)}; }
  static auto indexes() {
    return std::tuple{pgpx::index(pgpx::lower(pgpx::col(&order_line::sku)))
                          .unique()
                          .where(pgpx::col(&order_line::qty) > pgpx::lit<0>),
                      pgpx::index(&order_line::order_id).include(&order_line::sku).name("lines_by_order")};
  }
};
template <>
struct pgpx::model<ticket> {
  static auto checks() {
    return std::tuple{
        pgpx::check<"status_known">(pgpx::col(&ticket::status) == pgpx::lit<"open"> ||
                                    pgpx::col(&ticket::status) == pgpx::lit<"it's closed">),
        pgpx::sql_check<"b_small", R"("b" < 10)">{},  // the SQL form still works next to it
        pgpx::check<"a_above">(pgpx::col(&ticket::a) > pgpx::lit<-1> && pgpx::lit<true>),
        pgpx::check<"sum_fits">((pgpx::col(&ticket::a) + pgpx::col(&ticket::b)) * pgpx::lit<2> < pgpx::lit<100>)};
  }
  static auto indexes() {
    return std::tuple{
        pgpx::index(&ticket::status, pgpx::lower(pgpx::col(&ticket::code))),  // mixed key
        pgpx::index(pgpx::col(&ticket::a) + pgpx::col(&ticket::b)),           // not a call: parenthesised
        pgpx::index(&ticket::code).where(pgpx::col(&ticket::closed_at).is_null()).unique(),  // partial, members
        pgpx::index(pgpx::fts::to_tsvector<"english">(pgpx::col(&ticket::code))).using_(pgpx::gin),
        pgpx::index(pgpx::upper(pgpx::col(&ticket::code))).where(!(pgpx::col(&ticket::status) == pgpx::lit<"open">))};
  }
};
template <>
struct pgpx::model<ddl_expr::hidden_value> {
  static auto indexes() {
    return std::tuple{pgpx::index(pgpx::fts::to_tsvector<"english">(pgpx::val(std::string("x"))))};
  }
};
template <>
struct pgpx::model<ddl_expr::foreign_column> {
  static auto checks() {
    return std::tuple{pgpx::check<"other">(pgpx::col(&ddl_expr::foreign_column::qty) < pgpx::col(&order_line::qty))};
  }
};
template <>
struct pgpx::model<ddl_expr::long_name> {
  using T = ddl_expr::long_name;
  static auto indexes() {  // long_names_a_rather_..._lower_idx: over 63 bytes
    return std::tuple{pgpx::index(&T::a_rather_long_column_name_that_goes_on_and_on_and_on,
                                  pgpx::lower(pgpx::col(&T::a_rather_long_column_name_that_goes_on_and_on_and_on)))};
  }
};
template <>
struct pgpx::model<ddl_expr::twice> {
  static auto indexes() {
    return std::tuple{pgpx::index(pgpx::lower(pgpx::col(&ddl_expr::twice::x))),
                      pgpx::index(pgpx::lower(pgpx::col(&ddl_expr::twice::y)))};
  }
};

namespace {

auto sqls(const std::vector<pgpx::statement<void>>& ss) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& s : ss) out.push_back(s.sql());
  return out;
}

TEST(ddl_expr_text, the_spec_example_as_the_spec_writes_it) {
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<order_line>()),
      (std::vector<std::string>{
          R"(create table "order_lines" ("order_id" int8, "line_no" int4, "sku" text not null, "qty" int4 not null, )"
          R"(constraint "order_lines_pkey" primary key ("order_id", "line_no"), )"
          R"(constraint "qty_fits" check ("qty" <= 1000)))",
          R"(create unique index "order_lines_lower_idx" on "order_lines" (lower("sku")) where ("qty" > 0))",
          R"(create index "lines_by_order" on "order_lines" ("order_id") include ("sku"))"}));
  for (const auto& s : pgpx::schema::create_table<order_line>()) EXPECT_EQ(s.params().size(), 0U) << s.sql();
}

TEST(ddl_expr_text, literals_operators_mixed_keys_and_partial_indexes) {
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<ticket>()),
      (std::vector<std::string>{
          R"(create table "tickets" ("id" int8 generated always as identity, "code" text not null, )"
          R"("status" text not null, "closed_at" timestamptz, "a" int4 not null, "b" int4 not null, )"
          R"(constraint "tickets_pkey" primary key ("id"), )"
          R"(constraint "status_known" check ("status" = 'open' or "status" = 'it''s closed'), )"
          R"(constraint "b_small" check ("b" < 10), )"
          R"(constraint "a_above" check ("a" > -1 and true), )"
          R"(constraint "sum_fits" check (("a" + "b") * 2 < 100)))",
          R"(create index "tickets_status_lower_idx" on "tickets" ("status", lower("code")))",
          R"(create index "tickets_expr_idx" on "tickets" (("a" + "b")))",
          R"(create unique index "tickets_code_idx" on "tickets" ("code") where ("closed_at" is null))",
          R"(create index "tickets_to_tsvector_idx" on "tickets" using gin (to_tsvector('english'::regconfig, "code")))",
          R"(create index "tickets_upper_idx" on "tickets" (upper("code")) where (not "status" = 'open'))"}));
}

TEST(ddl_expr_text, the_description_keeps_the_text_and_the_columns_each_fact_reads) {
  const pgpx::model_description& m = pgpx::model_info<order_line>();
  const std::size_t sku = 2;
  const std::size_t qty = 3;
  ASSERT_EQ(m.checks.size(), 1U);
  EXPECT_EQ(m.checks[0].name, "qty_fits");
  EXPECT_EQ(m.checks[0].sql, R"("qty" <= 1000)");
  EXPECT_EQ(m.checks[0].columns, (std::vector<std::size_t>{qty}));
  ASSERT_EQ(m.indexes.size(), 2U);
  const pgpx::index_info& ix = m.indexes[0];
  EXPECT_EQ(ix.name, "order_lines_lower_idx");
  EXPECT_TRUE(ix.unique);
  ASSERT_EQ(ix.keys.size(), 1U);
  EXPECT_EQ(ix.keys[0].column, pgpx::index_key::no_column);
  EXPECT_EQ(ix.keys[0].expression, R"(lower("sku"))");
  EXPECT_EQ(ix.keys[0].name, "lower");
  EXPECT_EQ(ix.columns, (std::vector<std::size_t>{sku}));  // what the key reads
  EXPECT_EQ(ix.predicate, R"("qty" > 0)");
  EXPECT_EQ(ix.predicate_columns, (std::vector<std::size_t>{qty}));
  EXPECT_TRUE(m.indexes[1].keys.empty());  // an index over members is described as before
  EXPECT_EQ(m.indexes[1].columns, (std::vector<std::size_t>{0}));
  EXPECT_TRUE(m.indexes[1].predicate.empty());
  // sql_check keeps no columns; a mixed key keeps its column and its expression in order.
  const pgpx::model_description& t = pgpx::model_info<ticket>();
  EXPECT_TRUE(t.checks[1].columns.empty());
  EXPECT_EQ(t.checks[3].columns, (std::vector<std::size_t>{4, 5}));
  ASSERT_EQ(t.indexes[0].keys.size(), 2U);
  EXPECT_EQ(t.indexes[0].keys[0].column, 2U);
  EXPECT_EQ(t.indexes[0].keys[1].expression, R"(lower("code"))");
  EXPECT_EQ(t.indexes[0].columns, (std::vector<std::size_t>{2, 1}));
}

TEST(ddl_expr_text, an_expression_s_type_says_whether_it_holds_a_bound_value) {
  using pgpx::col;
  using pgpx::lit;
  static_assert(std::is_same_v<decltype(col(&ticket::a)), pgpx::const_expr<std::int32_t, false>>);
  static_assert(std::is_same_v<decltype(col(&ticket::a) > lit<1>), pgpx::const_expr<bool, false>>);
  static_assert(std::is_same_v<decltype(col(&ticket::closed_at).is_null()), pgpx::const_expr<bool, false>>);
  static_assert(std::is_same_v<decltype(pgpx::lower(col(&ticket::code))), pgpx::const_expr<std::string, false>>);
  static_assert(std::is_same_v<decltype(col(&ticket::a) > 1), pgpx::bound_expr<bool, false>>);
  static_assert(std::is_same_v<decltype(col(&ticket::a) > pgpx::val(1)), pgpx::bound_expr<bool, false>>);
  static_assert(
      std::is_same_v<decltype((col(&ticket::a) > lit<1>)&&(col(&ticket::b) < 2)), pgpx::bound_expr<bool, false>>);
  static_assert(std::is_same_v<decltype(pgpx::coalesce(col(&ticket::closed_at), pgpx::sql::now())),
                               pgpx::expr<pgpx::timestamptz, false>>);  // unknown: checked when described
  // In a query a constant is SQL text; a C++ value stays a parameter.
  const pgpx::statement<void> with_lit = col(&ticket::status) == lit<"o'k"> && col(&ticket::a) > 3;
  EXPECT_EQ(with_lit.sql(), R"("tickets"."status" = 'o''k' and "tickets"."a" > $1)");
  EXPECT_EQ(with_lit.params().size(), 1U);
}

TEST(ddl_expr_text, what_the_types_cannot_see_is_refused_when_the_model_is_described) {
  const auto refused = [](auto describe, const std::string& text) {
    try {
      describe();
      ADD_FAILURE() << "must throw: " << text;
    } catch (const pgpx::usage_error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  refused([] { (void)pgpx::model_info<ddl_expr::hidden_value>(); }, "index: the expression holds a bound value");
  refused([] { (void)pgpx::model_info<ddl_expr::foreign_column>(); },
          "check other: the expression reads a column of ddl_expr::order_line");
  refused([] { (void)pgpx::model_info<ddl_expr::long_name>(); }, "more than PostgreSQL keeps (63)");
  refused([] { (void)pgpx::model_info<ddl_expr::twice>(); },
          R"(two constraints or indexes are named "twices_lower_idx")");
}

}  // namespace
