#include "support/test_db.hpp"
#include "support/time_factor.hpp"

#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/transaction.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;

namespace {

class pipeline_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script("create table t (id int primary key, name text not null)");
  }
  auto count() -> std::int64_t { return cx().query_value<std::int64_t>("select count(*) from t"); }
};

TEST_F(pipeline_test, many_inserts_share_one_prepared_statement) {
  pgpx::batch b;
  for (int i = 0; i < 5000; ++i) b.add("insert into t (id, name) values ($1, $2)", i, "n" + std::to_string(i));
  EXPECT_EQ(b.size(), 5000u);
  const auto before = cx().cached_statements();
  const auto out = pgpx::run_batch(cx(), b, {.sync_every = 1000, .keep_results = false});
  EXPECT_TRUE(out.ok());
  EXPECT_EQ(out.affected_rows, 5000u);
  EXPECT_TRUE(out.results.empty());
  EXPECT_EQ(cx().cached_statements(), before + 1);
  EXPECT_EQ(count(), 5000);
  EXPECT_EQ(cx().query_value<std::string>("select name from t where id = 4321"), "n4321");
  // The connection is back in normal mode.
  EXPECT_EQ(cx().query_value<int>("select 1"), 1);
}

TEST_F(pipeline_test, one_large_segment_neither_stalls_nor_loses_statements) {
  // 20 000 statements of 2 kB each (40 MB) between two Syncs and 3 000 selects whose rows
  // come back while later statements are still being sent: both sides' buffers fill, so the
  // batch must keep reading while it writes.
  pgpx::batch b;
  const std::string payload(2048, 'x');
  for (int i = 0; i < 20000; ++i) b.add("insert into t (id, name) values ($1, $2)", i, payload);
  for (int i = 0; i < 3000; ++i) b.add("select $1::text || repeat('y', 1000)", std::to_string(i));
  const auto out = pgpx::run_batch(cx(), b, {.sync_every = 0});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.affected_rows, 23000u);  // 20 000 inserts + one row for each select
  ASSERT_EQ(out.results.size(), 23000u);
  EXPECT_EQ(out.results[22999][0].get<std::string>(0).substr(0, 5), "2999y");
  EXPECT_EQ(count(), 20000);
  EXPECT_EQ(cx().query_value<std::int64_t>("select sum(length(name)) from t"), 20000 * 2048);
}

TEST_F(pipeline_test, results_come_back_per_statement) {
  cx().execute("insert into t values (1, 'one'), (2, 'two')");
  pgpx::batch b;
  b.add("select name from t where id = $1", 2).add("select count(*) from t").add("select $1::text || '!'", "hi");
  const auto out = pgpx::run_batch(cx(), b);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out.results.size(), 3u);
  EXPECT_EQ(out.results[0][0].get<std::string>(0), "two");
  EXPECT_EQ(out.results[1][0].get<std::int64_t>(0), 2);
  EXPECT_EQ(out.results[2][0].get<std::string>(0), "hi!");
}

TEST_F(pipeline_test, on_result_sees_each_result_in_order_and_nothing_is_kept) {
  pgpx::batch b;
  for (int i = 0; i < 3000; ++i) b.add("select $1::int * 2", i);
  b.add("selec oops");  // fails: reported as an error, never passed to on_result
  std::vector<std::size_t> seen;
  std::int64_t sum = 0;
  pgpx::batch_options o;
  o.sync_every = 500;
  o.on_result = [&](std::size_t i, const pgpx::result& r) {
    seen.push_back(i);
    sum += r[0].get<int>(0);
  };
  const auto out = pgpx::run_batch(cx(), b, o);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].first, 3000u);
  EXPECT_TRUE(out.results.empty());
  ASSERT_EQ(seen.size(), 3000u);
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i);
  EXPECT_EQ(sum, 2 * (2999 * 3000 / 2));
}

TEST_F(pipeline_test, results_of_one_statement_share_its_shape_with_later_executions) {
  // Row mapping remembers its column lookup per shape: pipelined results must carry the
  // statement's shape like results of exec() do, and a different statement another one.
  pgpx::batch b;
  for (int i = 0; i < 600; ++i) b.add("select $1::int as v", i);
  b.add("select $1::text as w", "x");
  const auto out = pgpx::run_batch(cx(), b);
  ASSERT_TRUE(out.ok());
  const std::uint64_t shape = pgpx::detail::result_access::shape(out.results[0]);
  EXPECT_NE(shape, 0u);
  for (std::size_t i = 1; i < 600; ++i) ASSERT_EQ(pgpx::detail::result_access::shape(out.results[i]), shape) << i;
  EXPECT_NE(pgpx::detail::result_access::shape(out.results[600]), shape);
  EXPECT_EQ(pgpx::detail::result_access::shape(cx().exec("select $1::int as v", 7)), shape);
  EXPECT_EQ(out.results[599][0].get<int>(0), 599);
}

TEST_F(pipeline_test, a_throwing_on_result_stops_being_called_and_the_batch_still_completes) {
  pgpx::batch b;
  for (int i = 0; i < 10; ++i) b.add("insert into t (id, name) values ($1, 'x') returning id", i);
  int calls = 0;
  pgpx::batch_options o;
  o.on_result = [&](std::size_t i, const pgpx::result&) {
    ++calls;
    if (i == 3) throw std::runtime_error("consumer gave up");
  };
  EXPECT_THROW(
      {
        try {
          (void)pgpx::run_batch(cx(), b, o);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "consumer gave up");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_EQ(calls, 4);
  // Every statement ran, and the connection left pipeline mode in a usable state.
  EXPECT_EQ(count(), 10);
  EXPECT_EQ(cx().query_value<int>("select 7"), 7);
}

TEST_F(pipeline_test, a_failure_aborts_the_rest_of_its_segment_only) {
  pgpx::batch b;
  b.add("insert into t values ($1, $2)", 1, "a")
      .add("insert into t values ($1, $2)", 1, "duplicate")  // fails
      .add("insert into t values ($1, $2)", 2, "aborted")    // same segment: not run
      .add("insert into t values ($1, $2)", 3, "next segment")
      .add("insert into t values ($1, $2)", 4, "next segment");
  const auto out = pgpx::run_batch(cx(), b, {.sync_every = 3});
  ASSERT_EQ(out.errors.size(), 2u);
  EXPECT_EQ(out.errors[0].first, 1u);
  EXPECT_TRUE(pgpx::is_unique_violation(out.errors[0].second));
  EXPECT_EQ(out.errors[1].first, 2u);
  EXPECT_NE(std::string(out.errors[1].second.what()).find("not run"), std::string::npos);
  // Each segment is its own implicit transaction: the first one rolled back entirely.
  EXPECT_EQ(cx().query<int>("select id from t order by id"), (std::vector<int>{3, 4}));
  EXPECT_THROW(out.check(), pgpx::error);
}

TEST_F(pipeline_test, a_statement_that_does_not_parse_reports_the_server_error) {
  pgpx::batch b;
  b.add("insert into t values ($1, $2)", 1, "a").add("selec oops").add("select 1");
  const auto out = pgpx::run_batch(cx(), b, {.sync_every = 1});
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].first, 1u);
  EXPECT_EQ(out.errors[0].second.sqlstate(), "42601");
  EXPECT_EQ(out.results[2][0].get<int>(0), 1);
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(cx().query_value<int>("select 2"), 2);
}

TEST_F(pipeline_test, inside_a_transaction_the_batch_belongs_to_it) {
  {
    pgpx::transaction tx{cx()};
    pgpx::batch b;
    for (int i = 0; i < 10; ++i) b.add("insert into t values ($1, 'x')", i);
    EXPECT_TRUE(pgpx::run_batch(cx(), b, {.sync_every = 3}).ok());
    EXPECT_EQ(tx.query_value<std::int64_t>("select count(*) from t"), 10);
  }  // rolled back
  EXPECT_EQ(count(), 0);
}

TEST_F(pipeline_test, parameters_are_owned_by_the_batch) {
  pgpx::batch b;
  {
    std::string temporary = "gone after this scope";
    b.add("insert into t values ($1, $2)", 1, temporary);
  }
  ASSERT_TRUE(pgpx::run_batch(cx(), b).ok());
  EXPECT_EQ(cx().query_value<std::string>("select name from t"), "gone after this scope");
  pgpx::param_list p;
  p.add(2).add_text("from a list");
  b.clear();
  b.add_params("insert into t values ($1, $2)", p);
  ASSERT_TRUE(pgpx::run_batch(cx(), b).ok());
  EXPECT_EQ(cx().query_value<std::string>("select name from t where id = 2"), "from a list");
}

TEST_F(pipeline_test, without_a_statement_cache_statements_go_unnamed) {
  pgpx::connection_options o;
  o.statement_cache_capacity = 0;
  pgpx::connection c{conninfo(), o};
  pgpx::batch b;
  for (int i = 0; i < 50; ++i) b.add("insert into t values ($1, 'u')", i);
  EXPECT_TRUE(pgpx::run_batch(c, b).ok());
  EXPECT_EQ(count(), 50);
  EXPECT_EQ(c.query_value<std::int64_t>("select count(*) from pg_prepared_statements"), 0);
}

TEST_F(pipeline_test, an_empty_batch_does_nothing) {
  pgpx::batch b;
  const auto out = pgpx::run_batch(cx(), b);
  EXPECT_TRUE(out.ok());
  EXPECT_EQ(out.affected_rows, 0u);
  EXPECT_EQ(cx().query_value<int>("select 3"), 3);
}

TEST_F(pipeline_test, the_deadline_applies_to_the_whole_batch) {
  pgpx::batch b;
  b.add("select pg_sleep(5)");
  const auto start = std::chrono::steady_clock::now();
  try {
    pgpx::scoped_deadline d{cx(), 200ms};
    (void)pgpx::run_batch(cx(), b);
    FAIL();
  } catch (const pgpx::batch_interrupted& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::timeout);
    EXPECT_TRUE(e.poisons_connection());
    EXPECT_TRUE(e.sqlstate().empty());  // the server sent none
    // The one statement was sent, its Sync never answered: in doubt.
    EXPECT_EQ(e.progress().confirmed, 0u);
    EXPECT_EQ(e.progress().sent, 1u);
    EXPECT_EQ(e.progress().total, 1u);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, pgpx::test::budget(2s));
  EXPECT_FALSE(cx().is_open());
}

}  // namespace
