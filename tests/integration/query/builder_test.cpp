// The query builder on the real server: the acceptance queries of spec/orm.md §4 run on
// data whose answer the test knows, through connections and transactions, plus row locks
// seen from a second session, keyset pages that add up to the whole ordered set, and
// statements that the server refuses reported as the server's errors.
#include "support/co_assert.hpp"
#include "support/loop_probe.hpp"
#include "support/orm_models.hpp"
#include "support/query_models.hpp"
#include "support/test_db.hpp"

#include <pgpx/async/async.hpp>

#include <pgpx/core/hooks.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>

#include <boost/asio/awaitable.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace asio = boost::asio;

namespace {

using namespace orm_models;
using namespace query_models;

class builder_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    pgpx::schema::create(cx(), pgpx::models<author, book, category, tag, book_tag, job, job_archive, sale>);
    authors_.resize(2);
    authors_[0].name = "Ada";
    authors_[0].email = "ada@example.org";
    authors_[1].name = "Grace";
    authors_[1].email = "grace@example.org";
    pgpx::insert_many(cx(), authors_);
    // Ada: 5 books priced 100..500; Grace: 2 books priced 50, 60.
    const std::vector<std::string> titles{"Postgres tuning", "Query planning", "Index internals", "Vacuum",
                                          "Replication"};
    for (std::size_t i = 0; i < 5; ++i)
      books_.push_back(make_book(0, titles[i], static_cast<std::int32_t>(100 * (i + 1))));
    books_.push_back(make_book(1, "Compilers", 50));
    books_.push_back(make_book(1, "Cobol tuning", 60));
    books_[0].meta = nlohmann::json{{"format", "epub"}, {"isbn", "978-1"}};
    books_[1].meta = nlohmann::json{{"format", "epub"}};
    books_[2].meta = nlohmann::json{{"format", "pdf"}, {"isbn", "978-3"}};
    pgpx::insert_many(cx(), books_);
  }
  auto make_book(std::size_t a, std::string title, std::int32_t price) -> book {
    book b;
    b.author_id = authors_[a].id;
    b.title = std::move(title);
    b.price_cents = price;
    b.meta = nlohmann::json::object();
    return b;
  }
  std::vector<author> authors_;
  std::vector<book> books_;
};

TEST_F(builder_test, a1_top_n_per_group) {
  pgpx::remove(cx(), books_[4]);  // Ada's 500: soft-deleted, not ranked
  auto r = pgpx::derived(
      "r", pgpx::select<ranked>(pgpx::as<&ranked::rn>(pgpx::row_number().over(
                                    pgpx::partition_by(&book::author_id).order_by(pgpx::desc(&book::price_cents)))))
               .from<book>());
  const auto top = pgpx::select<ranked>()
                       .from(r)
                       .where(r(&ranked::rn) <= 3)
                       .order_by(r(&ranked::author_id), r(&ranked::rn))
                       .all(cx());
  ASSERT_EQ(top.size(), 5U);  // 3 of Ada's, both of Grace's
  EXPECT_EQ(top[0].price_cents, 400);
  EXPECT_EQ(top[1].price_cents, 300);
  EXPECT_EQ(top[2].price_cents, 200);
  EXPECT_EQ(top[2].rn, 3);
  EXPECT_EQ(top[3].title, "Cobol tuning");
  EXPECT_EQ(top[4].author_id, authors_[1].id);
}

TEST_F(builder_test, a2_recursive_cte_walks_the_tree) {
  std::vector<category> cats(4);
  cats[0].name = "root";
  pgpx::insert(cx(), cats[0]);
  cats[1].name = "child";
  cats[1].parent_id = cats[0].id;
  pgpx::insert(cx(), cats[1]);
  cats[2].name = "grandchild";
  cats[2].parent_id = cats[1].id;
  pgpx::insert(cx(), cats[2]);
  cats[3].name = "elsewhere";
  pgpx::insert(cx(), cats[3]);
  auto tree = pgpx::cte<node>("tree");
  tree.recursive(pgpx::select<node>(pgpx::as<&node::depth>(pgpx::val(std::int32_t{0})))
                     .from<category>()
                     .where(pgpx::col(&category::id) == cats[0].id),
                 pgpx::select<node>(pgpx::as<&node::depth>(tree(&node::depth) + 1))
                     .from<category>()
                     .join(tree, tree(&node::id) == pgpx::col(&category::parent_id)));
  const auto rows =
      pgpx::with(tree).select<node>().from(tree).order_by(tree(&node::depth), tree(&node::name)).all(cx());
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].name, "root");
  EXPECT_FALSE(rows[0].parent_id.has_value());
  EXPECT_EQ(rows[2].name, "grandchild");
  EXPECT_EQ(rows[2].depth, 2);
  EXPECT_EQ(rows[2].parent_id, cats[1].id.get());
}

TEST_F(builder_test, a3_upsert_updates_from_excluded_and_keeps_the_id) {
  author again;
  again.name = "Ada Lovelace";
  again.email = "ada@example.org";
  pgpx::transaction tx(cx());
  const author saved =
      pgpx::insert_into<author>()
          .values(again)
          .on_conflict(&author::email)
          .do_update(pgpx::set(&author::name, pgpx::excluded(&author::name)),
                     pgpx::set(&author::bio, pgpx::coalesce(pgpx::excluded(&author::bio), pgpx::col(&author::bio))))
          .returning<author>()
          .one(tx);
  tx.commit();
  EXPECT_EQ(saved.id, authors_[0].id);
  EXPECT_EQ(saved.name, "Ada Lovelace");
  EXPECT_EQ(pgpx::count<author>(cx()), 2);
  // do nothing: no row comes back
  const auto skipped = pgpx::insert_into<author>()
                           .values(again)
                           .on_conflict("authors_email_key")
                           .do_nothing()
                           .returning<author>()
                           .optional(cx());
  EXPECT_FALSE(skipped.has_value());
}

TEST_F(builder_test, a4_keyset_pages_cover_the_ordered_set_exactly_once) {
  for (int i = 0; i < 23; ++i) books_.push_back(make_book(0, "extra " + std::to_string(i), 300));  // many ties
  std::vector<book> more(books_.end() - 23, books_.end());
  pgpx::insert_many(cx(), more);
  const auto all = pgpx::select<book>()
                       .where(pgpx::col(&book::author_id) == authors_[0].id)
                       .order_by(&book::price_cents, &book::id)
                       .all(cx());
  ASSERT_EQ(all.size(), 28U);
  for (bool mixed : {false, true}) {
    std::vector<std::int64_t> seen;
    const book* last = nullptr;
    std::vector<book> page;
    for (int guard = 0; guard < 10; ++guard) {
      auto q = mixed ? pgpx::select<book>()
                           .where(pgpx::col(&book::author_id) == authors_[0].id)
                           .order_by(pgpx::desc(&book::price_cents), &book::id)
                     : pgpx::select<book>()
                           .where(pgpx::col(&book::author_id) == authors_[0].id)
                           .order_by(&book::price_cents, &book::id);
      page = q.after(last).limit(10).all(cx());
      if (page.empty()) break;
      for (const book& b : page) seen.push_back(b.id);
      last = &page.back();
      if (page.size() < 10) break;
    }
    std::vector<std::int64_t> want;
    for (const book& b : all) want.push_back(b.id);
    if (mixed) {
      std::vector<book> sorted = all;
      std::stable_sort(sorted.begin(), sorted.end(), [](const book& a, const book& b) {
        return a.price_cents != b.price_cents ? a.price_cents > b.price_cents : a.id < b.id;
      });
      want.clear();
      for (const book& b : sorted) want.push_back(b.id);
    }
    EXPECT_EQ(seen, want) << (mixed ? "mixed directions" : "ascending");
  }
}

TEST_F(builder_test, a5_jsonb_containment_and_key) {
  const auto epubs = pgpx::select<book>()
                         .where(pgpx::col(&book::meta).contains(nlohmann::json{{"format", "epub"}}) &&
                                pgpx::col(&book::meta).has_key("isbn"))
                         .all(cx());
  ASSERT_EQ(epubs.size(), 1U);
  EXPECT_EQ(epubs[0].title, "Postgres tuning");
  const auto isbns = pgpx::select(pgpx::col(&book::meta).text("isbn"))
                         .from<book>()
                         .where(pgpx::col(&book::meta).has_key("isbn"))
                         .order_by(&book::id)
                         .all(cx());
  EXPECT_EQ(isbns, (std::vector<std::optional<std::string>>{"978-1", "978-3"}));
}

TEST_F(builder_test, a6_full_text_search_ranks_matches) {
  auto doc = pgpx::fts::to_tsvector<"english">(pgpx::col(&book::title));
  auto q = pgpx::fts::websearch_to_tsquery<"english">(std::string("tuning"));
  auto rank = pgpx::as<&hit::rank>(pgpx::fts::ts_rank(doc, q));
  const auto hits =
      pgpx::select<hit>(rank).from<book>().where(doc.matches(q)).order_by(pgpx::desc(rank)).limit(10).all(cx());
  ASSERT_EQ(hits.size(), 2U);  // "Postgres tuning", "Cobol tuning"
  for (const hit& h : hits) {
    EXPECT_NE(h.title.find("tuning"), std::string::npos);
    EXPECT_GT(h.rank, 0.0F);
  }
}

TEST_F(builder_test, a8_data_modifying_cte_moves_done_jobs) {
  std::vector<job> jobs(4);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].queue = "mail";
    jobs[i].payload = nlohmann::json{{"n", i}};
  }
  pgpx::insert_many(cx(), jobs);
  cx().execute("update jobs set done_at = now() - interval '2 days' where id <= $1", jobs[1].id.get());
  const pgpx::timestamptz cutoff =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()) -
      std::chrono::hours(24);
  auto moved =
      pgpx::cte("moved", pgpx::delete_from<job>().where(pgpx::col(&job::done_at) < cutoff).returning<job_archive>());
  pgpx::transaction tx(cx());
  const std::uint64_t n = pgpx::with(moved).insert_into<job_archive>(pgpx::select<job_archive>().from(moved)).exec(tx);
  tx.commit();
  EXPECT_EQ(n, 2U);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from jobs"), 2);
  const auto archived = pgpx::select<job_archive>().order_by(&job_archive::id).all(cx());
  ASSERT_EQ(archived.size(), 2U);
  EXPECT_EQ(archived[0].id, jobs[0].id.get());
  EXPECT_EQ(archived[1].payload, (nlohmann::json{{"n", 1}}));
}

TEST_F(builder_test, a9_skip_locked_pops_another_job_while_one_is_locked) {
  std::vector<job> jobs(3);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].queue = i < 2 ? "mail" : "sms";
    jobs[i].payload = nlohmann::json::object();
  }
  pgpx::insert_many(cx(), jobs);
  auto next = pgpx::select(pgpx::col(&job::id))
                  .from<job>()
                  .where(pgpx::col(&job::queue) == "mail" && pgpx::col(&job::done_at).is_null())
                  .order_by(&job::run_at, &job::id)
                  .limit(1)
                  .for_update()
                  .skip_locked();
  auto pop = pgpx::update<job>()
                 .set(&job::done_at, pgpx::sql::now())
                 .where(pgpx::col(&job::id) == pgpx::scalar(next))
                 .returning<job>();
  pgpx::connection other(conninfo());
  pgpx::transaction t1(cx());
  pgpx::transaction t2(other);
  const auto first = pop.optional(t1);
  const auto second = pop.optional(t2);  // does not wait for t1's lock
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(first->id, second->id);
  EXPECT_TRUE(first->done_at.has_value());
  t1.commit();
  t2.commit();
  EXPECT_FALSE(pop.optional(cx()).has_value());  // the mail queue is empty; sms is not taken
}

TEST_F(builder_test, a10_lateral_join_latest_titles_per_author) {
  auto a = pgpx::alias<author>("a");
  auto b = pgpx::lateral("b", pgpx::select<title_only>()
                                  .from<book>()
                                  .where(pgpx::col(&book::author_id) == a(&author::id))
                                  .order_by(pgpx::desc(&book::id))
                                  .limit(3));
  const auto rows = pgpx::select<latest>(pgpx::as<&latest::title>(b(&title_only::title)))
                        .from(a)
                        .cross_join(b)
                        .order_by(a(&author::id))
                        .all(cx());
  ASSERT_EQ(rows.size(), 5U);  // 3 for Ada, 2 for Grace
  EXPECT_EQ(rows[0].name, "Ada");
  EXPECT_EQ(rows[0].title, "Replication");  // the latest first
  EXPECT_EQ(rows[4].name, "Grace");
}

TEST_F(builder_test, a11_grouping_sets_report_totals) {
  std::vector<sale> sales(4);
  const char* regions[] = {"eu", "eu", "us", "us"};
  const char* products[] = {"a", "b", "a", "a"};
  for (std::size_t i = 0; i < sales.size(); ++i) {
    sales[i].region = regions[i];
    sales[i].product = products[i];
    sales[i].year = 2024;
    sales[i].amount = pgpx::numeric(std::to_string(10 * (i + 1)));
  }
  pgpx::insert_many(cx(), sales);
  const auto rep = pgpx::select<line>(pgpx::as<&line::total>(pgpx::sum(pgpx::col(&sale::amount))),
                                      pgpx::as<&line::level>(pgpx::grouping(&sale::region, &sale::product)))
                       .from<sale>()
                       .where(pgpx::col(&sale::year) == 2024)
                       .group_by(pgpx::grouping_sets(pgpx::group(&sale::region, &sale::product),
                                                     pgpx::group(&sale::region), pgpx::group()))
                       .order_by(pgpx::asc(&sale::region).nulls_last(), pgpx::asc(&sale::product).nulls_last())
                       .all(cx());
  ASSERT_EQ(rep.size(), 6U);  // eu/a, eu/b, eu, us/a, us, total
  EXPECT_EQ(rep.back().level, 3);
  EXPECT_FALSE(rep.back().region.has_value());
  ASSERT_TRUE(rep.back().total.has_value());
  EXPECT_EQ(rep.back().total->to_string(), "100");
  EXPECT_EQ(rep[2].level, 1);
  EXPECT_EQ(rep[2].total->to_string(), "30");
}

TEST_F(builder_test, a12_counts_leave_soft_deleted_rows_out_unless_asked) {
  pgpx::remove(cx(), books_[0]);
  const std::int64_t aid = authors_[0].id;
  EXPECT_EQ(pgpx::count<book>(cx(), pgpx::col(&book::author_id) == aid), 4);
  EXPECT_EQ(pgpx::count<book>(cx(), pgpx::with_deleted, pgpx::col(&book::author_id) == aid), 5);
  EXPECT_TRUE(pgpx::exists<book>(cx(), pgpx::col(&book::price_cents) > 400));
  EXPECT_EQ(
      pgpx::select(pgpx::count()).from<book>().with_deleted().where(pgpx::col(&book::author_id) == aid).value(cx()), 5);
  EXPECT_EQ(pgpx::select(pgpx::count()).from<book>().where(pgpx::col(&book::author_id) == aid).value(cx()), 4);
}

TEST_F(builder_test, joins_aggregates_and_tuples) {
  const auto rows = pgpx::select(pgpx::col(&author::name), pgpx::count(pgpx::col(&book::id)),
                                 pgpx::sum(pgpx::col(&book::price_cents)))
                        .from<author>()
                        .left_join<book>(pgpx::col(&book::author_id) == pgpx::col(&author::id))
                        .group_by(&author::name)
                        .having(pgpx::count(pgpx::col(&book::id)) >= 1)
                        .order_by(&author::name)
                        .all(cx());
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(std::get<0>(rows[0]), "Ada");
  EXPECT_EQ(std::get<1>(rows[0]), 5);
  EXPECT_EQ(std::get<2>(rows[0]), std::optional<std::int64_t>(1500));
  EXPECT_EQ(std::get<2>(rows[1]), std::optional<std::int64_t>(110));
}

TEST_F(builder_test, in_any_empty_list_between_and_like_on_the_server) {
  const std::vector<std::int64_t> none;
  EXPECT_TRUE(pgpx::select(pgpx::col(&book::id)).from<book>().where(pgpx::col(&book::id).in(none)).all(cx()).empty());
  const std::vector<std::int64_t> two{books_[0].id, books_[5].id};
  EXPECT_EQ(pgpx::select(pgpx::count()).from<book>().where(pgpx::col(&book::id).in(two)).value(cx()), 2);
  EXPECT_EQ(pgpx::select(pgpx::count()).from<book>().where(pgpx::col(&book::price_cents).between(60, 200)).value(cx()),
            3);
  EXPECT_EQ(pgpx::select(pgpx::count()).from<book>().where(pgpx::col(&book::title).ilike("%TUNING")).value(cx()), 2);
  // A value that could break out of a quoted string is only ever a parameter.
  const std::string evil = "x' or '1'='1";
  EXPECT_EQ(pgpx::select(pgpx::count()).from<book>().where(pgpx::col(&book::title) == evil).value(cx()), 0);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from books"), 7);
}

TEST_F(builder_test, statements_run_in_a_pipeline_batch_and_explain_shows_a_plan) {
  auto q = pgpx::select(pgpx::col(&book::title))
               .from<book>()
               .where(pgpx::col(&book::price_cents) > 250)
               .order_by(&book::title);
  const auto s = q.statement();
  pgpx::batch b;
  b.add(s).add(s);
  const auto out = pgpx::run_batch(cx(), b);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out.results.size(), 2U);
  const auto titles = out.results[1].as<std::string>();
  EXPECT_EQ(titles, (std::vector<std::string>{"Index internals", "Replication", "Vacuum"}));
  const std::string plan = q.explain(cx(), true);
  EXPECT_NE(plan.find("actual time"), std::string::npos) << plan;
}

TEST_F(builder_test, writes_update_and_hard_delete) {
  const auto n = pgpx::update<book>()
                     .set(&book::price_cents, pgpx::col(&book::price_cents) * 2)
                     .where(pgpx::col(&book::author_id) == authors_[1].id)
                     .exec(cx());
  EXPECT_EQ(n, 2U);
  EXPECT_EQ(
      cx().query_value<std::int64_t>("select sum(price_cents) from books where author_id = $1", authors_[1].id.get()),
      220);
  pgpx::remove(cx(), books_[6]);
  // a soft-deleted row is left alone by update, and removed by a hard delete
  EXPECT_EQ(pgpx::update<book>().set(&book::title, "x").where(pgpx::col(&book::id) == books_[6].id).exec(cx()), 0U);
  EXPECT_EQ(pgpx::delete_from<book>().hard().where(pgpx::col(&book::id) == books_[6].id).exec(cx()), 1U);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from books"), 6);
}

TEST_F(builder_test, the_same_builders_are_awaitable_on_an_async_connection) {
  pgpx::test::run_on_io([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    const auto cheap =
        co_await pgpx::select<book>().where(pgpx::col(&book::price_cents) < 100).order_by(&book::price_cents).all(acx);
    CO_ASSERT_EQ(cheap.size(), 2U);
    EXPECT_EQ(cheap[0].title, "Compilers");
    const std::int64_t n = co_await pgpx::select(pgpx::count()).from<book>().value(acx);
    EXPECT_EQ(n, 7);
    const std::uint64_t changed =
        co_await pgpx::update<book>().set(&book::title, "x").where(pgpx::col(&book::price_cents) < 100).exec(acx);
    EXPECT_EQ(changed, 2U);
    const auto gone = co_await pgpx::delete_from<tag>().returning<tag>().all(acx);
    EXPECT_TRUE(gone.empty());
  });
}

}  // namespace
