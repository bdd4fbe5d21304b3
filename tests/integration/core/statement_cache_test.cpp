#include "support/test_db.hpp"

#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/transaction.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

class statement_cache_test : public pgpx::test::db_test {
 protected:
  auto server_statements(pgpx::connection& c) -> std::int64_t {
    return c.query_value<std::int64_t>("select count(*) from pg_prepared_statements");
  }
};

TEST_F(statement_cache_test, the_statement_run_last_is_never_mistaken_for_another) {
  // A repeated statement takes a shortcut past the cache's hash table; whatever ran in
  // between (a batch, an eviction, a cleared cache) must not make it answer for another.
  EXPECT_EQ(cx().query_value<int>("select $1::int", 7), 7);
  pgpx::batch b;
  b.add("select $1::text", "batched");
  ASSERT_TRUE(pgpx::run_batch(cx(), b).ok());
  EXPECT_EQ(cx().query_value<std::string>("select $1::text", "direct"), "direct");
  EXPECT_EQ(cx().query_value<int>("select $1::int", 8), 8);
  cx().clear_statement_cache();
  EXPECT_EQ(cx().query_value<int>("select $1::int", 9), 9);
  EXPECT_EQ(cx().query_value<std::int64_t>("select $1::int8", std::int64_t{10}), 10);
  EXPECT_EQ(cx().query_value<int>("select $1::int", 11), 11);
}

TEST_F(statement_cache_test, repeated_statements_are_prepared_once) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(cx().query_value<int>("select $1::int + 1", i), i + 1);
  EXPECT_EQ(cx().cached_statements(), 1u);
  // The count query itself is the second cached statement.
  EXPECT_EQ(server_statements(cx()), 2);
}

TEST_F(statement_cache_test, parameter_types_are_part_of_the_key) {
  (void)cx().query_value<std::int64_t>("select $1", std::int64_t{1});
  (void)cx().query_value<std::int32_t>("select $1", std::int32_t{1});
  EXPECT_EQ(cx().cached_statements(), 2u);
}

TEST_F(statement_cache_test, the_cache_is_bounded_and_evicts_the_least_recently_used) {
  pgpx::connection_options o;
  o.statement_cache_capacity = 3;
  pgpx::connection c{conninfo(), o};
  for (int i = 0; i < 10; ++i) (void)c.query_value<int>("select " + std::to_string(i));
  EXPECT_EQ(c.cached_statements(), 3u);
  // Evicted statements are deallocated on the server too (the count query makes 3 again).
  EXPECT_LE(server_statements(c), 3);
}

TEST_F(statement_cache_test, the_least_recently_used_statement_is_the_one_evicted) {
  // Which statements were served from the cache, as the query hook reports it.
  auto served = std::make_shared<std::vector<std::pair<std::string, bool>>>();
  auto hook = std::make_shared<pgpx::query_hook>();
  hook->on_query = [served](const pgpx::query_event& e) { served->emplace_back(std::string(e.sql), e.prepared); };
  pgpx::connection_options o;
  o.statement_cache_capacity = 3;
  o.hook = hook;
  pgpx::connection c{conninfo(), o};
  auto run = [&](const char* sql) {
    (void)c.query_value<int>(sql);
    return served->back().second;  // true: the cached statement ran
  };
  EXPECT_FALSE(run("select 1"));  // A
  EXPECT_FALSE(run("select 2"));  // B
  EXPECT_FALSE(run("select 3"));  // C          cache, most recent first: C B A
  EXPECT_TRUE(run("select 1"));   // A is used: A C B
  EXPECT_FALSE(run("select 4"));  // D evicts B, the least recently used: D A C
  EXPECT_TRUE(run("select 3"));   // C is still there: C D A
  EXPECT_TRUE(run("select 1"));   // and A: A C D
  EXPECT_FALSE(run("select 2"));  // B was the one evicted (it now evicts D): B A C
  EXPECT_TRUE(run("select 3"));
  EXPECT_FALSE(run("select 4"));
  EXPECT_EQ(c.cached_statements(), 3u);
}

TEST_F(statement_cache_test, a_batch_that_evicts_its_own_statements_still_answers_each_one) {
  // Four statements through a cache of two, each repeated back to back: the pipeline's
  // lookups take the connection's last-hit shortcut, while preparing the later statements
  // evicts the earlier ones. Every result must come from its own statement.
  pgpx::connection_options o;
  o.statement_cache_capacity = 2;
  pgpx::connection c{conninfo(), o};
  pgpx::batch b;
  for (int s = 0; s < 4; ++s)
    for (int i = 0; i < 300; ++i) b.add("select $1::int + " + std::to_string(s * 1000), i);
  const auto out = pgpx::run_batch(c, b);
  ASSERT_TRUE(out.ok());
  for (int s = 0; s < 4; ++s)
    for (int i = 0; i < 300; i += 37)
      ASSERT_EQ(out.results[static_cast<std::size_t>(s * 300 + i)][0].get<int>(0), s * 1000 + i) << s << " " << i;
  EXPECT_LE(c.cached_statements(), 2u);
  EXPECT_EQ(c.query_value<int>("select $1::int + 0", 5), 5);
  EXPECT_EQ(c.query_value<int>("select $1::int + 3000", 5), 3005);
}

TEST_F(statement_cache_test, capacity_zero_sends_unnamed_statements) {
  pgpx::connection_options o;
  o.statement_cache_capacity = 0;
  pgpx::connection c{conninfo(), o};
  EXPECT_EQ(c.query_value<int>("select $1::int * 2", 21), 42);
  EXPECT_EQ(c.cached_statements(), 0u);
  EXPECT_EQ(server_statements(c), 0);
}

TEST_F(statement_cache_test, a_changed_result_type_is_reprepared_once_outside_a_transaction) {
  cx().execute_script("create table t (a int); insert into t values (1);");
  auto r1 = cx().exec("select * from t");
  EXPECT_EQ(r1.columns(), 1);
  cx().execute_script("alter table t add column b text default 'x'");
  auto r2 = cx().exec("select * from t");
  EXPECT_EQ(r2.columns(), 2);
  EXPECT_EQ(r2[0].get<std::string>("b"), "x");
}

TEST_F(statement_cache_test, a_changed_result_type_inside_a_transaction_surfaces_and_is_forgotten) {
  cx().execute_script("create table t (a int); insert into t values (1);");
  (void)cx().exec("select * from t");
  cx().execute_script("alter table t add column b int");
  {
    pgpx::transaction tx{cx()};
    try {
      (void)tx.exec("select * from t");
      FAIL() << "inside a transaction the error must surface";
    } catch (const pgpx::sql_error& e) {
      EXPECT_EQ(e.sqlstate(), "0A000");
      EXPECT_TRUE(e.poisons_transaction());
    }
  }
  // After the rollback the statement is prepared afresh.
  EXPECT_EQ(cx().exec("select * from t").columns(), 2);
}

TEST_F(statement_cache_test, statements_dropped_behind_our_back_are_prepared_again) {
  EXPECT_EQ(cx().query_value<int>("select 7"), 7);
  cx().execute_script("DEALLOCATE ALL");
  EXPECT_EQ(cx().query_value<int>("select 7"), 7);
}

TEST_F(statement_cache_test, a_failed_prepare_is_not_cached) {
  EXPECT_THROW((void)cx().exec("selec 1"), pgpx::sql_error);
  EXPECT_EQ(cx().cached_statements(), 0u);
}

}  // namespace
