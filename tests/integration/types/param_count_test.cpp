// A wrong number of parameters is a usage error, and the connection stays open (issue 9,
// item 5).
//
// Two classes, on every path that sends parameters (run/query prepared and unprepared,
// transactions, pipeline batches, templates, streams, the async connection, the CLI):
//  * more than 65,535 parameters, the protocol's limit: refused before sending, naming the
//    count (libpq would refuse it too, and pgpx used to report that as a broken connection
//    and close it);
//  * a count that does not match the statement's placeholders: the server's 08P01 "bind
//    message supplies N parameters, but prepared statement requires M" is reported as a
//    usage error, not as a connection error, since the session goes on.
// After each, the same connection is open and runs `select 1`.
#include "support/test_db.hpp"

#include <pgpx/async/async.hpp>
#include <pgpx/core/connection.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/stream.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/tmpl/library.hpp>
#include <pgpx/types.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

/// `n` int4 parameters 1..n.
auto many(std::size_t n) -> pgpx::param_list {
  pgpx::param_list p;
  for (std::size_t i = 0; i < n; ++i) p.add(static_cast<std::int32_t>(i + 1));
  return p;
}

/// Checks that `e` is the usage error of a wrong parameter count, not a connection error.
void expect_count_usage_error(const pgpx::error& e, const std::string& names) {
  EXPECT_EQ(e.kind(), pgpx::error_kind::usage) << e.what();
  EXPECT_FALSE(e.poisons_connection()) << e.what();
  EXPECT_THAT(e.what(), HasSubstr(names));
}

class param_count_test : public pgpx::test::db_test {
 protected:
  /// Runs `attempt` on `c`, which must fail with the usage error naming `names`; then `c`
  /// is open and answers.
  template <class F>
  void expect_usage(pgpx::connection& c, const std::string& cell, const std::string& names, F&& attempt) {
    SCOPED_TRACE(cell);
    const int pid = c.backend_pid();
    try {
      attempt();
      ADD_FAILURE() << cell << ": accepted";
    } catch (const pgpx::usage_error& e) {
      expect_count_usage_error(e, names);
    } catch (const pgpx::error& e) {
      ADD_FAILURE() << cell << ": " << pgpx::to_string(e.kind()) << " error instead of usage: " << e.what();
    }
    EXPECT_TRUE(c.is_open()) << cell;
    EXPECT_EQ(c.query_value<std::int32_t>("select 1"), 1) << cell;
    EXPECT_EQ(c.backend_pid(), pid) << cell << ": the session was replaced";
  }

  auto uncached() -> pgpx::connection {
    pgpx::connection_options o;
    o.statement_cache_capacity = 0;
    return pgpx::connection(conninfo(), o);
  }
};

TEST_F(param_count_test, the_protocol_limit_is_65535_parameters_on_run_and_query) {
  // 65,535 is accepted (the statement may declare more parameters than it uses, when typed).
  EXPECT_EQ(cx().query_params<std::int32_t>("select $1::int4", many(65535)), std::vector<std::int32_t>{1});
  const auto too_many = many(65536);
  expect_usage(cx(), "prepared", "65536", [&] { (void)cx().exec_params("select $1::int4", too_many); });
  expect_usage(cx(), "prepared query", "65536",
               [&] { (void)cx().query_params<std::int32_t>("select $1::int4 + 1", too_many); });
  auto u = uncached();
  expect_usage(u, "unprepared", "65536", [&] { (void)u.exec_params("select $1::int4", too_many); });
  {
    pgpx::transaction tx{cx()};
    expect_usage(cx(), "in a transaction", "65536", [&] { (void)tx.exec_params("select $1::int4", too_many); });
    // Nothing was sent, so the transaction is not even aborted.
    EXPECT_EQ(tx.query_value<std::int32_t>("select 2"), 2);
    tx.commit();
  }
}

TEST_F(param_count_test, a_count_that_does_not_match_the_statement_is_a_usage_error) {
  cx().execute_script("create table t (a int4, b int4)");
  const std::string sql = "insert into t values ($1::int4, $2::int4)";
  expect_usage(cx(), "prepared, too few", "bind message supplies 1 parameters", [&] { cx().execute(sql, 1); });
  // The failed statement is not cached as a broken one: with the right count it runs.
  EXPECT_EQ(cx().execute(sql, 1, 2), 1u);
  expect_usage(cx(), "query, too few", "requires 2",
               [&] { (void)cx().query<std::int32_t>("select $1::int4 + $2::int4", 1); });
  auto u = uncached();
  expect_usage(u, "unprepared, too few", "requires 2", [&] { u.execute(sql, 1); });
  EXPECT_EQ(u.execute(sql, 3, 4), 1u);
  {
    pgpx::transaction tx{cx()};
    try {
      tx.execute(sql, 5);
      ADD_FAILURE() << "accepted";
    } catch (const pgpx::usage_error& e) {
      expect_count_usage_error(e, "requires 2");
      EXPECT_TRUE(e.poisons_transaction());  // the server aborted the transaction
    }
  }  // rolled back
  EXPECT_TRUE(cx().is_open());
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 2);
}

TEST_F(param_count_test, pipeline_batches) {
  cx().execute_script("create table t (a int4, b int4)");
  pgpx::batch b;
  b.add("insert into t values ($1::int4, $2::int4)", 1, 2);
  b.add("insert into t values ($1::int4, $2::int4)", 3);  // one short
  const auto out = pgpx::run_batch(cx(), b, {.sync_every = 1});
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].first, 1u);
  expect_count_usage_error(out.errors[0].second, "requires 2");
  EXPECT_TRUE(cx().is_open());
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 1);

  auto u = uncached();
  const auto out2 = pgpx::run_batch(u, b, {.sync_every = 1});
  ASSERT_EQ(out2.errors.size(), 1u);
  expect_count_usage_error(out2.errors[0].second, "requires 2");
  EXPECT_TRUE(u.is_open());

  pgpx::batch big;
  expect_usage(cx(), "batch over the limit", "65536", [&] { big.add_params("select $1::int4", many(65536)); });
  EXPECT_TRUE(big.empty());
  EXPECT_EQ(pgpx::detail::batch_access::params(big).size(), 0u);  // no orphan values either
  big.add_params("select $1::int4", many(65535));  // at the limit: accepted
  EXPECT_TRUE(pgpx::run_batch(cx(), big).ok());
}

TEST_F(param_count_test, streams) {
  const auto too_many = many(65536);
  expect_usage(cx(), "stream", "65536", [&] {
    pgpx::row_source rows(cx(), "select $1::int4", too_many, {});
    (void)rows;
  });
}

TEST_F(param_count_test, templates) {
  const fs::path dir = fs::temp_directory_path() / ("pgpx-param-count-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "in_list.sql.j2") << "select count(*) from generate_series(1, 3) g where g in ("
                                           "{% for i in ids %}{{ i }}, {% endfor %}0)";
  pgpx::tmpl::library lib{dir};
  EXPECT_EQ(lib.query_value<std::int64_t>(cx(), "in_list", {{"ids", std::vector<std::int64_t>{1, 2, 7}}}), 2);
  // The template engine counts its placeholders while rendering and refuses the 65,536th
  // (a template error pointing at it), so nothing reaches the connection.
  const int pid = cx().backend_pid();
  try {
    (void)lib.query_value<std::int64_t>(cx(), "in_list", {{"ids", std::vector<std::int64_t>(65536, 1)}});
    ADD_FAILURE() << "accepted";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::tmpl) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("65535"));
    EXPECT_FALSE(e.poisons_connection());
  }
  // A rendered query's parameters go through the same checked path as any statement.
  const auto q = lib.render("in_list", {{"ids", std::vector<std::int64_t>(65535, 1)}});
  EXPECT_EQ(q.to_param_list().size(), 65535U);
  expect_usage(cx(), "rendered query plus one", "65536", [&] {
    auto p = q.to_param_list();
    p.add(1);
    (void)cx().exec_params(q.sql(), p);
  });
  EXPECT_TRUE(cx().is_open());
  EXPECT_EQ(cx().backend_pid(), pid);
  fs::remove_all(dir);
}

TEST_F(param_count_test, the_async_connection) {
  asio::io_context io;
  auto fut = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto acx = co_await pgpx::async_connection::connect(io.get_executor(), conninfo());
        const int pid = acx.sync().backend_pid();
        for (const bool too_many : {false, true}) {
          try {
            if (too_many) (void)co_await acx.run("select $1::int4", many(65536));
            else (void)co_await acx.query_value<std::int32_t>("select $1::int4 + $2::int4", 1);
            ADD_FAILURE() << "accepted";
          } catch (const pgpx::error& e) {
            expect_count_usage_error(e, too_many ? "65536" : "requires 2");
          }
          EXPECT_TRUE(acx.sync().is_open());
          EXPECT_EQ(co_await acx.query_value<std::int32_t>("select 1"), 1);
          EXPECT_EQ(acx.sync().backend_pid(), pid);
        }
      },
      asio::use_future);
  io.run();
  fut.get();
}

TEST_F(param_count_test, the_cli_exits_with_the_usage_code_not_cannot_connect) {
  if (std::string(PGPX_CLI_PATH).empty()) GTEST_SKIP() << "built without the CLI";
  const std::string cmd = std::string(PGPX_CLI_PATH) + " --url '" + conninfo().to_string() +
                          "' query 'select $1::int4 + $2::int4' --param 1 >/dev/null 2>&1";
  const int st = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 2);  // usage; 8 would be "cannot connect"
}

}  // namespace
