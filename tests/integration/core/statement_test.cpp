// One statement value (pgpx/core/statement.hpp) run unchanged on every blocking executor: a
// connection, a transaction, a savepoint, a pool lease, a pipeline batch and a stream. The
// statement owns its values, so it runs after the caller's variables are gone and many times.
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/statement.hpp>
#include <pgpx/core/stream.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/pool/pool.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace {

struct item {
  std::int64_t id;
  std::string name;
};

class statement_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script(
        "create table t (id int8 primary key, name text not null);"
        "insert into t select g, 'n' || g from generate_series(1, 5) g");
  }
  auto names() -> std::vector<std::string> { return cx().query<std::string>("select name from t order by id"); }
};

// A statement made from values that are gone by the time it runs: it must hold copies.
auto items_from(std::int64_t low) -> pgpx::statement<item> {
  std::string sql = "select id, name from t where id >= $1 and name <> $2 order by id";
  std::string excluded = "n" + std::to_string(low + 1);  // a std::string lvalue: borrowed by a plain param_list
  auto s = pgpx::make_statement<item>(sql, low, excluded);
  excluded.assign(excluded.size(), 'x');  // overwrite, then destroy, the caller's copies
  sql.clear();
  return s;
}

TEST_F(statement_test, one_statement_runs_on_a_connection_with_every_typed_call) {
  const auto s = items_from(3);  // ids 3 and 5 (4 is excluded by name)
  const auto v = cx().query(s);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].id, 3);
  EXPECT_EQ(v[1].id, 5);
  EXPECT_EQ(v[1].name, "n5");
  // The same value again: run many times, it gives the same rows.
  EXPECT_EQ(cx().query(s).size(), 2u);

  const auto one = pgpx::make_statement<item>("select id, name from t where id = $1", std::int64_t{2});
  EXPECT_EQ(cx().query_one(one).name, "n2");
  EXPECT_EQ(cx().query_optional(one)->name, "n2");
  const auto none = pgpx::make_statement<item>("select id, name from t where id = $1", std::int64_t{99});
  EXPECT_FALSE(cx().query_optional(none).has_value());
  // The row-count errors name the statement's text, as for SQL given directly.
  try {
    (void)cx().query_one(none);
    ADD_FAILURE() << "query_one of no rows did not throw";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::row_count);
    EXPECT_EQ(e.statement(), none.sql());
  }
  const auto count = pgpx::make_statement<std::int64_t>("select count(*) from t where id > $1", 1);
  EXPECT_EQ(cx().query_value(count), 4);
  // A tuple row type reads by position.
  const auto pair = pgpx::make_statement<std::tuple<std::int64_t, std::string>>("select id, name from t where id = 1");
  EXPECT_EQ(std::get<1>(cx().query_one(pair)), "n1");
  // A statement without rows reports what it changed.
  const auto rename = pgpx::make_statement("update t set name = $1 where id <= $2", std::string("renamed"), 2);
  EXPECT_EQ(cx().execute(rename), 2u);
  EXPECT_EQ(cx().exec(rename).affected_rows(), 2u);
  EXPECT_EQ(names(), (std::vector<std::string>{"renamed", "renamed", "n3", "n4", "n5"}));
}

TEST_F(statement_test, the_same_statement_runs_in_a_transaction_and_a_savepoint_and_follows_their_outcome) {
  const auto insert = pgpx::make_statement("insert into t values ($1, $2)", std::int64_t{10}, "ten");
  const auto insert11 = pgpx::make_statement("insert into t values ($1, $2)", std::int64_t{11}, "eleven");
  const auto all = pgpx::make_statement<item>("select id, name from t where id >= 10 order by id");
  {
    pgpx::transaction tx{cx()};
    EXPECT_EQ(tx.execute(insert), 1u);
    {
      pgpx::savepoint sp{tx};
      EXPECT_EQ(sp.execute(insert11), 1u);
      EXPECT_EQ(sp.query(all).size(), 2u);
    }  // not released: rolled back to the savepoint
    EXPECT_EQ(tx.query(all).size(), 1u);
    tx.commit();
  }
  const auto after = cx().query(all);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].name, "ten");
  {
    pgpx::transaction tx{cx()};
    EXPECT_EQ(tx.execute(insert11), 1u);
  }  // rolled back
  EXPECT_EQ(cx().query(all).size(), 1u);
}

TEST_F(statement_test, the_same_statement_runs_on_pool_leases) {
  pgpx::pool_options o;
  o.max_size = 2;
  auto p = pgpx::pool::open(conninfo(), o);
  const auto s = items_from(1);
  auto a = p.acquire();
  auto b = p.acquire();
  EXPECT_EQ(a->query(s).size(), 4u);
  EXPECT_EQ(b->query(s).size(), 4u);
}

TEST_F(statement_test, statements_go_into_a_pipeline_batch_with_their_own_parameters) {
  pgpx::batch b;
  {
    const auto s1 = pgpx::make_statement("insert into t values ($1, $2)", std::int64_t{20}, std::string("twenty"));
    const auto s2 = items_from(4);
    b.add(s1).add(s2);
    b.add("insert into t values ($1, $2)", std::int64_t{21}, "twenty-one");  // mixed with plain SQL
  }  // the statements are gone: the batch keeps its own copies
  pgpx::batch_options bo;
  bo.keep_results = true;
  const auto out = pgpx::run_batch(cx(), b, bo);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out.results.size(), 3u);
  EXPECT_EQ(out.results[1].as<item>().size(), 2u);  // ids 4 and 20 (5 is excluded by name)
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t where id >= 20"), 2);

  // A value refused at statement construction never reaches a batch: the batch is unchanged.
  EXPECT_THROW((void)pgpx::make_statement("insert into t values ($1, $2)", 1, std::string("a\0b", 3)),
               pgpx::conversion_error);
}

TEST_F(statement_test, a_statement_streams_with_its_row_type_deduced) {
  const auto s = pgpx::make_statement<item>("select id, name from t where id > $1 order by id", 0);
  std::vector<std::int64_t> ids;
  for (const item& r : pgpx::stream(cx(), s)) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  // With a cursor of two rows per fetch, inside a transaction.
  pgpx::transaction tx{cx()};
  ids.clear();
  for (const item& r : pgpx::stream(cx(), s, pgpx::stream_options{.fetch_size = 2})) ids.push_back(r.id);
  EXPECT_EQ(ids.size(), 5u);
  tx.commit();
}

TEST_F(statement_test, a_statement_read_as_another_row_type_keeps_its_sql_and_values) {
  const auto s = items_from(2);
  const auto ids = s.as<std::tuple<std::int64_t, std::string>>();
  EXPECT_EQ(ids.sql(), s.sql());
  EXPECT_EQ(cx().query(ids).size(), 3u);  // 2, 4, 5
  auto moved = pgpx::statement<item>(s).as<void>();
  EXPECT_EQ(cx().exec(moved).size(), 3u);
}

}  // namespace
