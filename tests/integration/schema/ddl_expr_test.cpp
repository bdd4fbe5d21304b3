// DDL facts holding builder expressions on the real server: the partial unique expression
// index allows duplicates outside its condition and refuses them inside it, the typed check
// refuses a bad row with a constraint_error naming it and its member, the catalog shows the
// expressions as written, and pgpx names expression indexes as PostgreSQL itself does.
#include "support/test_db.hpp"

#include <pgpx/orm/crud.hpp>
#include <pgpx/query/functions.hpp>
#include <pgpx/schema/ddl.hpp>
#include <pgpx/schema/introspect.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace ddl_expr_it {
struct order_line {  // spec/orm.md D2
  pgpx::key<std::int64_t> order_id;
  pgpx::key<std::int32_t> line_no;
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
}  // namespace ddl_expr_it

using ddl_expr_it::order_line;
using ddl_expr_it::ticket;

template <>
struct pgpx::model<order_line> {
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
    return std::tuple{pgpx::check<"status_known">(pgpx::col(&ticket::status) == pgpx::lit<"open"> ||
                                                  pgpx::col(&ticket::status) == pgpx::lit<"it's \\closed">)};
  }
  static auto indexes() {
    return std::tuple{pgpx::index(&ticket::status, pgpx::lower(pgpx::col(&ticket::code))),
                      pgpx::index(pgpx::col(&ticket::a) + pgpx::col(&ticket::b)),
                      pgpx::index(&ticket::code).where(pgpx::col(&ticket::closed_at).is_null()).unique(),
                      pgpx::index(pgpx::fts::to_tsvector<"english">(pgpx::col(&ticket::code))).using_(pgpx::gin),
                      pgpx::index(pgpx::upper(pgpx::col(&ticket::code)))};
  }
};

namespace {

auto line(std::int64_t order, std::int32_t no, std::string sku, std::int32_t qty) -> order_line {
  order_line l;
  l.order_id = order;
  l.line_no = no;
  l.sku = std::move(sku);
  l.qty = qty;
  return l;
}

class ddl_expr_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    pgpx::test::db_test::SetUp();
    pgpx::schema::create(cx(), pgpx::models<order_line>);
  }
  // The constraint a write broke, and the members pgpx maps it to.
  auto refused(order_line l) -> std::tuple<std::string, std::vector<std::string>, std::string> {
    try {
      pgpx::insert(cx(), l);
    } catch (const pgpx::constraint_error& e) {
      return {e.constraint(), e.members(), e.sqlstate()};
    }
    return {};
  }
  void add(order_line l) { pgpx::insert(cx(), l); }
  auto count_lines() -> std::int64_t { return cx().query_value<std::int64_t>("select count(*) from order_lines"); }
};

TEST_F(ddl_expr_test, the_catalog_shows_the_expression_the_condition_and_the_check) {
  EXPECT_EQ(cx().query_value<std::string>("select indexdef from pg_indexes where indexname = 'order_lines_lower_idx'"),
            "CREATE UNIQUE INDEX order_lines_lower_idx ON public.order_lines USING btree (lower(sku)) WHERE (qty > 0)");
  EXPECT_EQ(cx().query_value<std::string>("select pg_get_indexdef('lines_by_order'::regclass)"),
            "CREATE INDEX lines_by_order ON public.order_lines USING btree (order_id) INCLUDE (sku)");
  EXPECT_EQ(
      cx().query_value<std::string>("select pg_get_constraintdef(oid) from pg_constraint where conname = 'qty_fits'"),
      "CHECK ((qty <= 1000))");
}

TEST_F(ddl_expr_test, introspection_reads_back_what_the_description_holds) {
  // The catalog the schema diff compares keeps keys and conditions as text, as the
  // description does: the same shape, each normalised by the server.
  const pgpx::schema::catalog c = pgpx::schema::introspect(cx());
  const pgpx::schema::table_info* t = c.find_table("public", "order_lines");
  ASSERT_NE(t, nullptr);
  const pgpx::model_description& m = pgpx::model_info<order_line>();
  const auto ix =
      std::find_if(t->indexes.begin(), t->indexes.end(), [&](const auto& i) { return i.name == m.indexes[0].name; });
  ASSERT_NE(ix, t->indexes.end());
  EXPECT_TRUE(ix->unique);
  EXPECT_EQ(ix->keys, (std::vector<std::string>{"lower(sku)"}));
  EXPECT_EQ(ix->predicate, std::optional<std::string>("qty > 0"));  // description: "qty" > 0
  const auto ck = std::find_if(t->constraints.begin(), t->constraints.end(),
                               [&](const auto& k) { return k.name == m.checks[0].name; });
  ASSERT_NE(ck, t->constraints.end());
  EXPECT_EQ(ck->kind, pgpx::schema::constraint_kind::check);
  EXPECT_EQ(ck->check_expr, std::optional<std::string>("qty <= 1000"));  // description: "qty" <= 1000
}

TEST_F(ddl_expr_test, the_partial_unique_index_allows_duplicates_outside_its_condition_only) {
  // Outside the condition (qty > 0 is false): the same sku, in any case, as often as wanted.
  add(line(1, 1, "A-1", 0));
  add(line(1, 2, "a-1", 0));
  add(line(1, 3, "A-1", -5));
  // Inside it: the first is accepted, a second with the same lower(sku) is refused.
  add(line(2, 1, "A-1", 3));
  using refusal = std::tuple<std::string, std::vector<std::string>, std::string>;
  EXPECT_EQ(refused(line(2, 2, "a-1", 7)), (refusal{"order_lines_lower_idx", {"sku"}, "23505"}));
  EXPECT_EQ(refused(line(2, 3, "A-1", 1)), (refusal{"order_lines_lower_idx", {"sku"}, "23505"}));
  add(line(2, 4, "B-1", 7));  // another sku inside the condition is fine
  EXPECT_EQ(count_lines(), 5);
}

TEST_F(ddl_expr_test, the_typed_check_refuses_a_bad_row_naming_the_constraint_and_its_member) {
  add(line(1, 1, "A", 1000));  // the bound itself passes
  using refusal = std::tuple<std::string, std::vector<std::string>, std::string>;
  EXPECT_EQ(refused(line(1, 2, "B", 1001)), (refusal{"qty_fits", {"qty"}, "23514"}));
  EXPECT_EQ(count_lines(), 1);
  // Whatever writes it: plain SQL is refused by the server too.
  EXPECT_THROW(cx().execute("update order_lines set qty = qty + 1"), pgpx::error);
  EXPECT_EQ(cx().query_value<std::int32_t>("select qty from order_lines"), 1000);
}

TEST_F(ddl_expr_test, text_constants_read_back_as_written) {
  pgpx::schema::create(cx(), pgpx::models<ticket>);
  cx().execute("insert into tickets (code, status, a, b) values ('x', 'open', 1, 2)");
  cx().execute("insert into tickets (code, status, a, b) values ('y', $1, 1, 2)", std::string("it's \\closed"));
  EXPECT_THROW(cx().execute("insert into tickets (code, status, a, b) values ('z', 'it''s closed', 1, 2)"),
               pgpx::error);  // without the backslash: not the constant
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from tickets"), 2);
}

TEST_F(ddl_expr_test, expression_indexes_get_the_names_postgresql_would_give_them) {
  // Create the table, then each index without its name: the server picks the name.
  const auto statements = pgpx::schema::create_table<ticket>();
  const pgpx::model_description& m = pgpx::model_info<ticket>();
  cx().execute(statements[0]);
  ASSERT_EQ(statements.size(), m.indexes.size() + 1);
  std::vector<std::string> ours{"tickets_pkey"};
  for (std::size_t i = 0; i < m.indexes.size(); ++i) {
    std::string sql = statements[i + 1].sql();
    const std::string quoted = "\"" + m.indexes[i].name + "\" ";
    const auto at = sql.find(quoted);
    ASSERT_NE(at, std::string::npos) << sql;
    sql.erase(at, quoted.size());
    cx().execute(sql);
    ours.push_back(m.indexes[i].name);
  }
  std::sort(ours.begin(), ours.end());
  EXPECT_EQ(cx().query<std::string>("select indexname::text from pg_indexes where tablename = 'tickets' order by 1"),
            ours);
  EXPECT_EQ(ours,
            (std::vector<std::string>{"tickets_code_idx", "tickets_expr_idx", "tickets_pkey",
                                      "tickets_status_lower_idx", "tickets_to_tsvector_idx", "tickets_upper_idx"}));
}

}  // namespace
