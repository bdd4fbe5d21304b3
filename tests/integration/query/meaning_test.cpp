// What a statement means, checked by its rows on the server: the predicates of the CRUD verbs
// (a correlated subquery reads the verb's own row; a column of a table the verb does not name
// is an error, never another table's column of the same name), set operations (a part's own
// ORDER BY and LIMIT, nesting, and ORDER BY / LIMIT of the whole), soft delete under right
// and full joins, keyset pages that could skip rows, the default FROM of select<Model>() with
// a join, upsert on a unique index by name, and the async forms of count, exists,
// hard_delete_many and insert of a temporary.
#include "support/co_assert.hpp"
#include "support/loop_probe.hpp"
#include "support/orm_models.hpp"
#include "support/test_db.hpp"

#include <pgpx/async/async.hpp>
#include <pgpx/orm/async.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>

#include <boost/asio/awaitable.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace asio = boost::asio;

namespace meaning_models {
// A table named like the authors table, in another schema.
struct audit_author {
  pgpx::identity<std::int64_t> id;
  std::int64_t author_id;
};
struct label_row {
  std::string label;
};
// A partial unique expression index: one open ticket per code, case-insensitively.
struct ticket {
  pgpx::identity<std::int64_t> id;
  std::string code;
  std::optional<std::string> closed;
  std::int32_t hits;
};
}  // namespace meaning_models

template <>
struct pgpx::model<meaning_models::ticket> {
  static auto indexes() {
    return std::tuple{pgpx::index(pgpx::lower(pgpx::col(&meaning_models::ticket::code)))
                          .unique()
                          .where(pgpx::col(&meaning_models::ticket::closed).is_null())
                          .name("open_ticket_code")};
  }
};

template <>
struct pgpx::model<meaning_models::audit_author> {
  static constexpr std::string_view table = "authors", schema = "audit";
};

namespace {

using namespace orm_models;
using meaning_models::audit_author;
using meaning_models::label_row;
using pair_row = std::tuple<std::optional<std::string>, std::optional<std::string>>;

class meaning_test : public pgpx::test::db_test {
 protected:
  // Ada: two live books; Bob: one soft-deleted book ("gone"); Cy: none.
  void SetUp() override {
    db_test::SetUp();
    cx().execute("create schema shop");
    pgpx::schema::create(cx(), pgpx::models<author, book, tag, order_line>);
    for (const char* name : {"Ada", "Bob", "Cy"}) {
      author a;
      a.name = name;
      a.email = std::string(name) + "@example.org";
      pgpx::insert(cx(), a);
      authors_.push_back(a);
    }
    add_book(0, "Notes", 100);
    add_book(0, "Letters", 200);
    book gone = add_book(1, "gone", 300);
    pgpx::remove(cx(), gone);
  }
  auto add_book(std::size_t a, std::string title, std::int32_t price) -> book {
    book b;
    b.author_id = authors_[a].id;
    b.title = std::move(title);
    b.price_cents = price;
    b.meta = nlohmann::json::object();
    pgpx::insert(cx(), b);
    return b;
  }
  // The rows of a two-column query, either column NULL or not, sorted.
  auto pairs(const auto& q) -> std::vector<pair_row> {
    const auto s = q.statement();
    auto rows = cx().query(pgpx::statement<pair_row>(s.sql(), s.params()));
    std::sort(rows.begin(), rows.end());
    return rows;
  }
  auto names() -> std::vector<std::string> {
    return cx().query<std::string>("select name::text from authors order by name");
  }
  std::vector<author> authors_;
};

auto has_live_book() {
  return pgpx::exists(
      pgpx::select(pgpx::val(1)).from<book>().where(pgpx::col(&book::author_id) == pgpx::col(&author::id)));
}

TEST_F(meaning_test, a_correlated_predicate_of_count_reads_the_verbs_own_row) {
  // Bob's only book is soft-deleted, so Bob and Cy have no live book.
  EXPECT_EQ(pgpx::count<author>(cx(), !has_live_book()), 2);
  EXPECT_EQ(pgpx::count<author>(cx(), has_live_book()), 1);
  EXPECT_TRUE(pgpx::exists<author>(cx(), has_live_book() && pgpx::col(&author::name) == std::string("Ada")));
  EXPECT_FALSE(pgpx::exists<author>(cx(), has_live_book() && pgpx::col(&author::name) == std::string("Bob")));
  // The same predicate through the statement<void> conversion (the async verbs' path).
  const pgpx::statement<void> p = !has_live_book();
  EXPECT_EQ(pgpx::count<author>(cx(), p), 2);
}

TEST_F(meaning_test, update_many_and_delete_many_with_a_correlated_predicate_touch_the_right_rows) {
  EXPECT_EQ(pgpx::update_many<author>(cx(), has_live_book(), pgpx::set(&author::bio, std::string("writes"))), 1U);
  EXPECT_EQ(cx().query<std::string>("select name::text from authors where bio = 'writes'"),
            std::vector<std::string>{"Ada"});
  EXPECT_EQ(pgpx::delete_many<author>(cx(), !has_live_book()), 2U);
  EXPECT_EQ(names(), std::vector<std::string>{"Ada"});
}

TEST_F(meaning_test, a_predicate_on_a_table_the_verb_does_not_name_is_refused_by_the_server) {
  // books.id == authors[0].id may well hold: it must not be read as books' own id.
  try {
    (void)pgpx::count<book>(cx(), pgpx::col(&author::id) == authors_[0].id);
    FAIL() << "a column of authors in a count of books was accepted";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.sqlstate(), "42P01") << e.what();  // missing FROM-clause entry for table "authors"
  }
  try {
    (void)pgpx::delete_many<book>(cx(), pgpx::col(&author::name) == std::string("Ada"));
    FAIL() << "a column of authors in a delete of books was accepted";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.sqlstate(), "42P01") << e.what();
  }
  EXPECT_EQ(pgpx::count<book>(cx(), pgpx::with_deleted), 3);  // nothing deleted
}

TEST_F(meaning_test, a_subquerys_table_named_like_the_verbs_own_is_refused_unless_aliased) {
  cx().execute("create schema audit");
  pgpx::schema::create(cx(), pgpx::models<audit_author>);
  cx().execute("insert into audit.authors (author_id) values ($1)", authors_[0].id);
  // "authors"."id" inside a subquery over audit.authors would read audit.authors.id.
  EXPECT_THROW((void)pgpx::count<author>(
                   cx(), pgpx::exists(pgpx::select(pgpx::val(1))
                                          .from<audit_author>()
                                          .where(pgpx::col(&audit_author::author_id) == pgpx::col(&author::id)))),
               pgpx::usage_error);
  // With the subquery's table aliased, the reference is the verb's row: Ada is audited.
  auto aa = pgpx::alias<audit_author>("aa");
  EXPECT_EQ(
      pgpx::count<author>(
          cx(), pgpx::exists(
                    pgpx::select(pgpx::val(1)).from(aa).where(aa(&audit_author::author_id) == pgpx::col(&author::id)))),
      1);
}

TEST_F(meaning_test, the_order_by_of_a_union_names_output_columns) {
  const auto a = pgpx::select(pgpx::col(&author::name)).from<author>();
  // An expression, or a column the first part does not select: refused (the server would be).
  EXPECT_THROW((void)a.union_all(a).order_by(pgpx::raw<std::string>("lower({})", pgpx::col(&author::name))).statement(),
               pgpx::usage_error);
  EXPECT_THROW((void)a.union_all(a).order_by(&author::email).statement(), pgpx::usage_error);
  // A column the first part gives another output name is ordered by that name.
  const auto named = pgpx::select<label_row>(pgpx::as<&label_row::label>(pgpx::col(&author::name))).from<author>();
  const auto u = named.union_all(named).order_by(pgpx::desc(&author::name)).limit(1);
  EXPECT_EQ(u.statement().sql(), R"(select "name" as "label" from "authors" union all select "name" as "label" from)"
                                 R"( "authors" order by "label" desc limit $1)");
  const auto rows = u.all(cx());
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].label, "Cy");
  // with_deleted on the whole belongs to a part.
  const auto titles = pgpx::select(pgpx::col(&book::title)).from<book>();
  EXPECT_THROW((void)titles.union_all(titles).with_deleted().statement(), pgpx::usage_error);
  EXPECT_EQ(titles.with_deleted().union_all(titles).all(cx()).size(), 5U);  // 3 + 2 live
}

TEST_F(meaning_test, a_set_operation_with_its_own_with_and_a_part_with_one_is_one_statement) {
  const auto labels = pgpx::select<label_row>(pgpx::as<&label_row::label>(pgpx::col(&author::name))).from<author>();
  auto c1 = pgpx::cte("c1", labels);
  auto c2 = pgpx::cte("c2", labels);
  const auto left = pgpx::with(c1).select_values(pgpx::col(&author::name)).from<author>();
  const auto u = pgpx::with(c2).attach(left.union_all(pgpx::select(pgpx::col(&author::name)).from<author>()));
  EXPECT_EQ(u.all(cx()).size(), 6U) << u.statement().sql();
}

TEST_F(meaning_test, limit_offset_and_order_by_of_a_union_apply_to_the_whole) {
  tag t;
  t.name = "Bee";
  pgpx::insert(cx(), t);
  const auto u = pgpx::select(pgpx::col(&author::name))
                     .from<author>()
                     .union_all(pgpx::select(pgpx::col(&tag::name)).from<tag>())
                     .order_by(pgpx::desc(&author::name))
                     .limit(2)
                     .offset(1);
  EXPECT_EQ(u.statement().sql(), R"(select "name" from "authors" union all select "name" from "tags" order by "name")"
                                 R"( desc limit $1 offset $2)");
  const auto rows = u.all(cx());  // Cy, Bob, Bee, Ada: from the second, two
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(std::string(rows[0]), "Bob");
  EXPECT_EQ(std::string(rows[1]), "Bee");
}

TEST_F(meaning_test, a_part_with_its_own_order_and_limit_is_parenthesised) {
  const auto first = pgpx::select(pgpx::col(&author::name)).from<author>().order_by(&author::name).limit(1);
  const auto last = pgpx::select(pgpx::col(&author::name)).from<author>().order_by(pgpx::desc(&author::name)).limit(1);
  const auto u = first.union_all(last);
  EXPECT_EQ(u.statement().sql(), R"((select "name" from "authors" order by "name" limit $1) union all)"
                                 R"( (select "name" from "authors" order by "name" desc limit $2))");
  const auto rows = u.all(cx());
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(std::string(rows[0]), "Ada");
  EXPECT_EQ(std::string(rows[1]), "Cy");
}

TEST_F(meaning_test, nested_set_operations_keep_their_grouping) {
  const auto a = pgpx::select(pgpx::col(&author::name)).from<author>();
  // a union all (a except a): the except is empty, so three rows, not (a + a) - a = none.
  const auto right = a.union_all(a.except(a));
  EXPECT_EQ(right.all(cx()).size(), 3U) << right.statement().sql();
  // (a union all a) intersect a: three names (intersect removes duplicates), not a + (a ∩ a) = six.
  const auto left = a.union_all(a).intersect(a);
  EXPECT_EQ(left.all(cx()).size(), 3U) << left.statement().sql();
  // (a except a) except a, written flat, is the same as the nesting: no parentheses needed.
  EXPECT_EQ(a.except(a).except(a).statement().sql(), R"(select "name" from "authors" except select "name" from)"
                                                     R"( "authors" except select "name" from "authors")");
}

TEST_F(meaning_test, where_or_a_lock_on_a_whole_union_is_refused) {
  const auto a = pgpx::select(pgpx::col(&author::name)).from<author>();
  EXPECT_THROW((void)a.union_all(a).where(pgpx::col(&author::name) == std::string("Ada")).statement(),
               pgpx::usage_error);
  EXPECT_THROW((void)a.union_all(a).for_update().statement(), pgpx::usage_error);
}

TEST_F(meaning_test, right_and_full_joins_leave_soft_deleted_rows_out_and_keep_the_other_side) {
  using S = std::optional<std::string>;
  // Books on the preserved side: the deleted book is not a row.
  const auto r = pgpx::select(pgpx::col(&author::name), pgpx::col(&book::title))
                     .from<author>()
                     .right_join<book>(pgpx::col(&book::author_id) == pgpx::col(&author::id));
  EXPECT_EQ(pairs(r), (std::vector<pair_row>{{S("Ada"), S("Letters")}, {S("Ada"), S("Notes")}}));
  // Authors on the preserved side: Bob (whose only book is deleted) and Cy are kept.
  const auto l = pgpx::select(pgpx::col(&author::name), pgpx::col(&book::title))
                     .from<book>()
                     .right_join<author>(pgpx::col(&book::author_id) == pgpx::col(&author::id));
  EXPECT_EQ(pairs(l),
            (std::vector<pair_row>{{S("Ada"), S("Letters")}, {S("Ada"), S("Notes")}, {S("Bob"), {}}, {S("Cy"), {}}}));
  const auto f = pgpx::select(pgpx::col(&author::name), pgpx::col(&book::title))
                     .from<author>()
                     .full_join<book>(pgpx::col(&book::author_id) == pgpx::col(&author::id));
  EXPECT_EQ(pairs(f),
            (std::vector<pair_row>{{S("Ada"), S("Letters")}, {S("Ada"), S("Notes")}, {S("Bob"), {}}, {S("Cy"), {}}}));
  // with_deleted: the deleted book is back, as Bob's.
  EXPECT_EQ(
      pairs(f.with_deleted()),
      (std::vector<pair_row>{{S("Ada"), S("Letters")}, {S("Ada"), S("Notes")}, {S("Bob"), S("gone")}, {S("Cy"), {}}}));
}

TEST_F(meaning_test, keyset_pages_refuse_what_would_skip_rows) {
  author last = authors_[1];
  // bio can be NULL: rows with NULL there would never be reached.
  EXPECT_THROW((void)pgpx::select<author>().order_by(&author::bio, &author::id).after(&last), pgpx::usage_error);
  // An ORDER BY added after after(): the page condition would not match the order.
  EXPECT_THROW((void)pgpx::select<author>().order_by(&author::id).after(&last).order_by(&author::name).statement(),
               pgpx::usage_error);
  // An order column of another table is not the row's member of the same name.
  book b;
  b.id = 1;
  EXPECT_THROW((void)pgpx::select<book>()
                   .from<book>()
                   .join<author>(pgpx::col(&book::author_id) == pgpx::col(&author::id))
                   .order_by(&author::id, &book::id)
                   .after(&b),
               pgpx::usage_error);
  // What is allowed still pages the whole set.
  const auto page = pgpx::select<author>().order_by(&author::id).after(&authors_[0]).limit(10).all(cx());
  ASSERT_EQ(page.size(), 2U);
  EXPECT_EQ(std::string(page[0].name), "Bob");
}

TEST_F(meaning_test, a_join_without_from_joins_to_the_models_own_table) {
  const auto q = pgpx::select<book>()
                     .join<author>(pgpx::col(&book::author_id) == pgpx::col(&author::id))
                     .where(pgpx::col(&author::name) == std::string("Ada"));
  EXPECT_EQ(q.all(cx()).size(), 2U) << q.statement().sql();
  EXPECT_THROW((void)pgpx::select(pgpx::col(&author::name))
                   .join<author>(pgpx::col(&author::id) == pgpx::col(&author::id))
                   .statement(),
               pgpx::usage_error);
}

TEST_F(meaning_test, upsert_on_a_unique_index_by_name) {
  order_line l;
  l.order_id = 1;
  l.line_no = 1;
  l.sku = "A-1";
  l.qty = 1;
  EXPECT_EQ(pgpx::upsert(cx(), l, pgpx::on_conflict("lines_by_sku")), pgpx::upsert_outcome::inserted);
  order_line again = l;
  again.line_no = 2;
  again.qty = 5;
  EXPECT_EQ(pgpx::upsert(cx(), again, pgpx::on_conflict("lines_by_sku")), pgpx::upsert_outcome::updated);
  EXPECT_EQ(cx().query_value<std::int32_t>("select qty from shop.order_lines where sku = 'A-1'"), 5);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from shop.order_lines"), 1);
}

// The conflict target of a partial expression index is its key and its condition: a second
// open ticket of the same code (any case) updates the first; a closed one is a new row.
TEST_F(meaning_test, upsert_on_a_partial_unique_expression_index_by_name) {
  using meaning_models::ticket;
  pgpx::schema::create(cx(), pgpx::models<ticket>);
  ticket a{.id = {}, .code = "AB", .closed = std::nullopt, .hits = 1};
  EXPECT_EQ(pgpx::upsert(cx(), a, pgpx::on_conflict("open_ticket_code")), pgpx::upsert_outcome::inserted);
  ticket b{.id = {}, .code = "ab", .closed = std::nullopt, .hits = 5};
  EXPECT_EQ(pgpx::upsert(cx(), b, pgpx::on_conflict("open_ticket_code")), pgpx::upsert_outcome::updated);
  EXPECT_EQ(b.id, a.id);
  cx().execute("update tickets set closed = 'done'");
  ticket c{.id = {}, .code = "AB", .closed = std::nullopt, .hits = 9};
  EXPECT_EQ(pgpx::upsert(cx(), c, pgpx::on_conflict("open_ticket_code")), pgpx::upsert_outcome::inserted);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from tickets"), 2);
}

TEST_F(meaning_test, the_async_verbs_with_deleted_hard_delete_many_and_insert_of_a_temporary) {
  pgpx::test::run_on_io([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    EXPECT_EQ(co_await pgpx::count<book>(acx), 2);
    EXPECT_EQ(co_await pgpx::count<book>(acx, pgpx::with_deleted), 3);
    EXPECT_TRUE(co_await pgpx::exists<book>(acx, pgpx::with_deleted, pgpx::col(&book::title) == std::string("gone")));
    EXPECT_FALSE(co_await pgpx::exists<book>(acx, pgpx::col(&book::title) == std::string("gone")));
    EXPECT_EQ(co_await pgpx::hard_delete_many<book>(acx, pgpx::col(&book::price_cents) >= 200), 2U);
    // A named object moved in: g++ 12 destroys a braced temporary inside a co_await
    // expression twice (its coroutine lowering; the same line outside a coroutine is fine).
    author fresh{.name = "Dee", .email = "dee@example.org"};
    const author d = co_await pgpx::insert(acx, std::move(fresh));
    CO_ASSERT_TRUE(d.id > 0);
    EXPECT_EQ(co_await pgpx::count<author>(acx, pgpx::col(&author::id) == d.id), 1);
  });
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from books"), 1);  // Notes
}

}  // namespace
