#include "support/test_db.hpp"

#include <pgpx/core/retry.hpp>
#include <pgpx/core/transaction.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;

namespace {

class transaction_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script("create table t (id int primary key, v text)");
  }
  auto count() -> std::int64_t { return cx().query_value<std::int64_t>("select count(*) from t"); }
};

TEST_F(transaction_test, commit_keeps_and_destruction_rolls_back) {
  {
    pgpx::transaction tx{cx()};
    tx.execute("insert into t values ($1, $2)", 1, "a");
    EXPECT_EQ(cx().status(), pgpx::transaction_status::in_transaction);
    tx.commit();
    EXPECT_FALSE(tx.is_active());
  }
  {
    pgpx::transaction tx{cx()};
    tx.execute("insert into t values ($1, $2)", 2, "b");
  }
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(cx().status(), pgpx::transaction_status::idle);
}

TEST_F(transaction_test, explicit_rollback_and_use_after_end_is_a_usage_error) {
  pgpx::transaction tx{cx()};
  tx.execute("insert into t values (1, 'a')");
  tx.rollback();
  EXPECT_EQ(count(), 0);
  EXPECT_THROW(tx.execute("select 1"), pgpx::usage_error);
  EXPECT_THROW(tx.commit(), pgpx::usage_error);
}

TEST_F(transaction_test, a_second_transaction_on_the_same_connection_is_refused) {
  pgpx::transaction tx{cx()};
  EXPECT_THROW(pgpx::transaction{cx()}, pgpx::usage_error);
}

TEST_F(transaction_test, savepoints_nest_and_roll_back_partially) {
  pgpx::transaction tx{cx()};
  tx.execute("insert into t values (1, 'kept')");
  {
    pgpx::savepoint sp{tx};
    tx.execute("insert into t values (2, 'dropped')");
    {
      pgpx::savepoint inner{tx};
      tx.execute("insert into t values (3, 'dropped too')");
    }
    sp.rollback();
  }
  {
    pgpx::savepoint sp{tx};
    tx.execute("insert into t values (4, 'released')");
    sp.release();
  }
  {
    pgpx::savepoint sp{tx};
    EXPECT_THROW(tx.execute("insert into t values (1, 'duplicate')"), pgpx::sql_error);
  }  // rolling back to the savepoint recovers the failed transaction
  tx.commit();
  EXPECT_EQ(cx().query<int>("select id from t order by id"), (std::vector<int>{1, 4}));
}

TEST_F(transaction_test, errors_poison_the_transaction_and_commit_reports_the_rollback) {
  pgpx::transaction tx{cx()};
  tx.execute("insert into t values (1, 'a')");
  try {
    tx.execute("insert into t values (1, 'a')");
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_TRUE(pgpx::is_unique_violation(e));
    EXPECT_TRUE(e.poisons_transaction());
    EXPECT_FALSE(e.poisons_connection());
    EXPECT_EQ(e.info().constraint, "t_pkey");
  }
  try {
    tx.commit();
    FAIL() << "COMMIT of a failed transaction must not look like success";
  } catch (const pgpx::sql_error& e) {
    // The server answered COMMIT with ROLLBACK, not with an error: no SQLSTATE is invented.
    EXPECT_TRUE(e.sqlstate().empty()) << e.what();
    EXPECT_NE(e.message().find("rolled it back"), std::string::npos) << e.message();
  }
  EXPECT_EQ(count(), 0);
}

TEST_F(transaction_test, read_only_and_isolation_options_reach_the_server) {
  EXPECT_EQ(pgpx::begin_statement({.level = pgpx::isolation::serializable, .read_only = true, .deferrable = true}),
            "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE");
  pgpx::transaction tx{cx(), {.level = pgpx::isolation::repeatable_read, .read_only = true}};
  EXPECT_EQ(tx.query_value<std::string>("show transaction_isolation"), "repeatable read");
  try {
    tx.execute("insert into t values (1, 'a')");
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "25006");
  }
}

TEST_F(transaction_test, retry_runs_again_after_a_serialization_failure) {
  cx().execute_script(
      "create table attempts (n int); insert into attempts values (0);"
      "create function flaky() returns void language plpgsql as $$ begin "
      "  if (select n from attempts) < 3 then raise exception 'conflict' using errcode = '40001'; end if; end $$;");
  int calls = 0;
  const int result = pgpx::with_retry(cx(),
                                      [&](pgpx::transaction& tx) {
                                        ++calls;
                                        // Attempts are counted outside the transaction so that rollbacks do not undo
                                        // them.
                                        pgpx::connection side{conninfo()};
                                        side.execute("update attempts set n = n + 1");
                                        tx.execute("select flaky()");
                                        tx.execute("insert into t values ($1, 'done')", calls);
                                        return calls;
                                      },
                                      {.max_attempts = 5, .initial_backoff = 1ms});
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(result, 3);
  EXPECT_EQ(count(), 1);
}

TEST_F(transaction_test, retry_does_not_repeat_other_errors_and_gives_up_after_max_attempts) {
  int calls = 0;
  EXPECT_THROW(pgpx::with_retry(cx(),
                                [&](pgpx::transaction& tx) {
                                  ++calls;
                                  tx.execute("select * from no_such_table");
                                }),
               pgpx::sql_error);
  EXPECT_EQ(calls, 1);
  calls = 0;
  try {
    pgpx::with_retry(cx(),
                     [&](pgpx::transaction& tx) {
                       ++calls;
                       tx.execute("do $$ begin raise exception 'dl' using errcode = '40P01'; end $$");
                     },
                     {.max_attempts = 3, .initial_backoff = 1ms});
    FAIL();
  } catch (const pgpx::error& e) {
    EXPECT_TRUE(pgpx::is_deadlock(e));
    EXPECT_TRUE(e.is_retryable());
  }
  EXPECT_EQ(calls, 3);
}

TEST_F(transaction_test, connection_lost_during_commit_is_in_doubt_never_success) {
  // A deferred constraint trigger sleeps at COMMIT; meanwhile the backend is terminated.
  cx().execute_script(
      "create function slow() returns trigger language plpgsql as $$ begin perform pg_sleep(3); return null; end $$;"
      "create constraint trigger slow_commit after insert on t deferrable initially deferred "
      "for each row execute function slow();");
  const int pid = cx().backend_pid();
  pgpx::transaction tx{cx()};
  tx.execute("insert into t values (1, 'x')");
  std::thread killer([&] {
    // Terminate the backend once COMMIT is running there (in the deferred trigger).
    EXPECT_TRUE(pgpx::test::wait_until_running(conninfo(), "COMMIT", pid));
    pgpx::connection other{conninfo()};
    (void)other.query_value<bool>("select pg_terminate_backend($1)", pid);
  });
  try {
    tx.commit();
    killer.join();
    FAIL() << "commit must not report success";
  } catch (const pgpx::commit_in_doubt& e) {
    killer.join();
    EXPECT_EQ(e.kind(), pgpx::error_kind::commit_in_doubt);
    EXPECT_TRUE(e.poisons_connection());
    EXPECT_FALSE(e.is_retryable());
  }
  EXPECT_FALSE(cx().is_open());
}

}  // namespace
