#include "support/test_db.hpp"
#include "support/time_factor.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/copy.hpp>
#include <pgpx/core/hooks.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/stream.hpp>
#include <pgpx/core/transaction.hpp>

#include <sstream>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;

namespace {

class connection_test : public pgpx::test::db_test {};

TEST_F(connection_test, connects_and_reports_session_facts) {
  EXPECT_TRUE(cx().is_open());
  EXPECT_GT(cx().backend_pid(), 0);
  EXPECT_GE(cx().server_version(), 150000);
  EXPECT_EQ(cx().parameter_status("client_encoding"), "UTF8");
  EXPECT_EQ(cx().status(), pgpx::transaction_status::idle);
  EXPECT_EQ(cx().query_value<std::string>("select current_database()"), database_name());
}

TEST_F(connection_test, closed_connection_reports_a_broken_connection) {
  cx().close();
  EXPECT_FALSE(cx().is_open());
  try {
    (void)cx().query_value<int>("select 1");
    FAIL() << "expected an error";
  } catch (const pgpx::broken_connection& e) {
    EXPECT_TRUE(e.poisons_connection());
    EXPECT_EQ(e.kind(), pgpx::error_kind::connection);
  }
}

TEST_F(connection_test, terminated_backend_is_reported_as_broken_and_poisoning) {
  pgpx::connection other{conninfo()};
  const int pid = cx().backend_pid();
  EXPECT_TRUE(other.query_value<bool>("select pg_terminate_backend($1)", pid));
  try {
    (void)cx().query_value<int>("select 1");
    FAIL() << "expected an error";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::connection) << e.what();
    EXPECT_TRUE(e.poisons_connection());
  }
  EXPECT_FALSE(cx().is_open());
}

TEST_F(connection_test, client_deadline_cancels_the_statement_and_keeps_the_connection) {
  const auto start = std::chrono::steady_clock::now();
  try {
    pgpx::scoped_deadline d{cx(), 200ms};
    cx().execute("select pg_sleep(5)");
    FAIL() << "expected a timeout";
  } catch (const pgpx::timeout_error& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::timeout);
    EXPECT_FALSE(e.poisons_connection()) << e.what();
  }
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, pgpx::test::budget(2s));
  EXPECT_GE(took, 200ms);
  EXPECT_EQ(cx().current_deadline(), pgpx::no_deadline);
  EXPECT_EQ(cx().query_value<int>("select 41 + 1"), 42);
}

TEST_F(connection_test, server_statement_timeout_is_a_timeout_error_with_sqlstate) {
  cx().execute_script("set statement_timeout = '100ms'");
  try {
    cx().execute("select pg_sleep(5)");
    FAIL() << "expected a timeout";
  } catch (const pgpx::timeout_error& e) {
    EXPECT_EQ(e.sqlstate(), "57014");
    EXPECT_TRUE(pgpx::is_query_canceled(e));
    EXPECT_FALSE(e.poisons_connection());
  }
  EXPECT_EQ(cx().query_value<int>("select 1"), 1);
}

TEST_F(connection_test, connect_deadline_bounds_a_server_that_never_answers) {
  // A listening socket that is never accepted: the TCP handshake succeeds, nothing answers.
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(s, 8), 0);
  ASSERT_EQ(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len), 0);
  pgpx::conninfo ci;
  ci.set("host", "127.0.0.1").set("port", std::to_string(ntohs(a.sin_port))).set("user", "x").set("sslmode", "disable");
  pgpx::connection_options o;
  o.connect_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  try {
    pgpx::connection c{ci, o};
    FAIL() << "expected the connection to fail";
  } catch (const pgpx::broken_connection& e) {
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, pgpx::test::budget(2s));
  ::close(s);
}

TEST_F(connection_test, wrong_password_is_reported_without_the_password) {
  auto ci = pgpx::test::server_conninfo();
  if (ci.get("host").empty() || ci.get("host")[0] != '/') GTEST_SKIP() << "needs the pgpx test cluster";
  // Over TCP the test cluster requires SCRAM passwords.
  ci.set("host", "127.0.0.1").set("password", "Wr0ng-Pa55word-XYZ").set("sslmode", "disable");
  try {
    pgpx::connection c{ci};
    FAIL() << "expected an authentication failure";
  } catch (const pgpx::broken_connection& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("password authentication failed"), std::string::npos) << what;
    EXPECT_EQ(what.find("Wr0ng-Pa55word-XYZ"), std::string::npos) << what;
    EXPECT_FALSE(e.info().hint.empty());
  }
}

TEST_F(connection_test, unreachable_server_gives_a_clear_error_quickly) {
  pgpx::conninfo ci;
  ci.set("host", "127.0.0.1").set("port", "1").set("user", "x");
  const auto start = std::chrono::steady_clock::now();
  try {
    pgpx::connection c{ci};
    FAIL();
  } catch (const pgpx::broken_connection& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, pgpx::test::budget(2s));
}

TEST_F(connection_test, malformed_url_is_a_config_error_naming_the_problem) {
  try {
    pgpx::connection c{"postgresql://user:s3cr3tpw@host:notaport/db"};
    FAIL();
  } catch (const pgpx::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("port"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s3cr3tpw"), std::string::npos) << e.what();
  }
}

TEST_F(connection_test, query_hook_sees_statements_rows_and_failures) {
  std::vector<std::string> seen;
  std::vector<std::uint64_t> rows;
  int failures = 0;
  auto hook = std::make_shared<pgpx::query_hook>();
  hook->wants_parameters = true;
  std::vector<std::string> param_texts;
  hook->on_query = [&](const pgpx::query_event& e) {
    seen.emplace_back(e.sql);
    rows.push_back(e.rows);
    if (e.failure != nullptr) ++failures;
    if (e.params != nullptr)
      for (const auto& t : e.params->texts()) param_texts.push_back(t);
  };
  pgpx::connection_options o;
  o.hook = hook;
  pgpx::connection c{conninfo(), o};
  (void)c.query<int>("select generate_series(1, $1)", 3);
  EXPECT_THROW(c.execute("select * from no_such_table"), pgpx::sql_error);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "select generate_series(1, $1)");
  EXPECT_EQ(rows[0], 3u);
  EXPECT_EQ(failures, 1);
  ASSERT_EQ(param_texts.size(), 1u);
  EXPECT_EQ(param_texts[0], "3");
}

// The hook sees every path that runs SQL, not only run/query: each statement of a batch,
// a stream when it ends, a COPY in either direction, and their failures.
TEST_F(connection_test, the_query_hook_sees_batches_streams_and_copy) {
  struct seen_event {
    std::string sql;
    pgpx::query_source source;
    std::uint64_t rows;
    bool failed;
  };
  std::vector<seen_event> seen;
  auto hook = std::make_shared<pgpx::query_hook>();
  hook->on_query = [&](const pgpx::query_event& e) {
    seen.push_back({std::string(e.sql), e.source, e.rows, e.failure != nullptr});
  };
  pgpx::connection_options o;
  o.hook = hook;
  pgpx::connection c{conninfo(), o};
  c.execute_script("create table hooked (id int primary key)");
  seen.clear();

  auto of = [&](pgpx::query_source src) {
    std::vector<seen_event> out;
    for (const auto& e : seen)
      if (e.source == src) out.push_back(e);
    return out;
  };

  // A batch: one event per statement, the failed one marked, the skipped one too.
  pgpx::batch b;
  b.add("insert into hooked values ($1)", 1);
  b.add("insert into hooked values ($1)", 1);  // duplicate key
  b.add("insert into hooked values ($1)", 2);  // not run: same segment as the failure
  pgpx::batch_options bo;
  (void)pgpx::run_batch(c, b, bo);
  auto batch_events = of(pgpx::query_source::batch);
  ASSERT_EQ(batch_events.size(), 3u);
  EXPECT_EQ(batch_events[0].sql, "insert into hooked values ($1)");
  EXPECT_FALSE(batch_events[0].failed);
  EXPECT_EQ(batch_events[0].rows, 1u);
  EXPECT_TRUE(batch_events[1].failed);
  EXPECT_TRUE(batch_events[2].failed);

  // COPY in and out, through the stream API.
  c.execute_script("truncate hooked");
  std::istringstream in("10\n11\n12\n");
  EXPECT_EQ(pgpx::copy_from(c, "copy hooked from stdin", in), 3u);
  std::ostringstream out;
  EXPECT_EQ(pgpx::copy_to(c, "copy hooked to stdout", out), 3u);
  EXPECT_THROW((void)pgpx::copy_to(c, "copy no_such_table to stdout", out), pgpx::sql_error);
  auto copies = of(pgpx::query_source::copy);
  ASSERT_EQ(copies.size(), 3u);
  EXPECT_EQ(copies[0].sql, "copy hooked from stdin");
  EXPECT_EQ(copies[0].rows, 3u);
  EXPECT_EQ(copies[1].rows, 3u);
  EXPECT_FALSE(copies[1].failed);
  EXPECT_TRUE(copies[2].failed);

  // A stream, single-row mode and a cursor: one event each when it ends, with every row.
  int n = 0;
  for (const int v : pgpx::stream<int>(c, "select id from hooked order by id")) n += v > 0 ? 1 : 0;
  for (const int v : pgpx::stream<int>(c, pgpx::stream_options{.fetch_size = 2}, "select id from hooked"))
    n += v > 0 ? 1 : 0;
  EXPECT_EQ(n, 6);
  EXPECT_THROW((void)pgpx::stream<int>(c, "select nope from hooked").begin(), pgpx::sql_error);
  auto streams = of(pgpx::query_source::stream);
  ASSERT_EQ(streams.size(), 3u);
  EXPECT_EQ(streams[0].sql, "select id from hooked order by id");
  EXPECT_EQ(streams[0].rows, 3u);
  EXPECT_EQ(streams[1].rows, 3u);
  EXPECT_TRUE(streams[2].failed);
}

TEST_F(connection_test, notices_go_to_the_hook_not_to_stderr) {
  std::vector<std::string> notices;
  auto hook = std::make_shared<pgpx::query_hook>();
  hook->on_notice = [&](std::string_view sev, std::string_view msg) {
    notices.push_back(std::string(sev) + ": " + std::string(msg));
  };
  pgpx::connection_options o;
  o.hook = hook;
  pgpx::connection c{conninfo(), o};
  c.execute_script("drop table if exists surely_missing_table");
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("NOTICE"), std::string::npos);
  EXPECT_NE(notices[0].find("surely_missing_table"), std::string::npos);
}

}  // namespace
