// The async API against the real server: typed calls and their row-count errors, transactions
// and savepoints (committed, rolled back, abandoned), batches, COPY, streams read to the end
// and left early, call(f). Every call is the blocking engine's, run on a fiber: the tests
// check what a user sees, and that abandoning an object on the event loop leaves the
// connection clean for its next statement.
#include "support/co_assert.hpp"
#include "support/loop_probe.hpp"
#include "support/test_db.hpp"
#include "support/time_factor.hpp"

#include <pgpx/async/async.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

using pgpx::test::budget;
using pgpx::test::elapsed_since;
using pgpx::test::run_on_io_probed;

struct item {
  std::int64_t id;
  std::string name;
};

class async_api_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    this->cx().execute_script("create table t (id int8 primary key, name text not null)");
  }
  // Runs a coroutine to completion on a fresh io_context (one thread), rethrowing its error.
  template <class F>
  void run(F&& f) {
    pgpx::test::run_on_io(std::forward<F>(f));
  }
  // The blocking connection's view of the table (another session).
  auto ids() -> std::vector<std::int64_t> { return cx().query<std::int64_t>("select id from t order by id"); }
};

// Runs `call` and returns the row_count error it throws (or nothing, recording a failure).
template <class Awaitable>
auto row_count_error_of(Awaitable call) -> asio::awaitable<std::optional<pgpx::error>> {
  try {
    co_await std::move(call);
  } catch (const pgpx::error& e) {
    co_return e;
  }
  co_return std::nullopt;
}

TEST_F(async_api_test, typed_calls_refuse_the_wrong_row_count_and_name_the_statement) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    co_await cx.execute("insert into t values (1, 'one'), (2, 'two')");
    const std::string none = "select id, name from t where id > 100";
    const std::string two = "select id, name from t order by id";
    const std::string none_v = "select id from t where id > 100";
    const std::string two_v = "select id from t order by id";
    struct expectation {
      std::optional<pgpx::error> got;
      std::string statement;
      const char* call;
    };
    std::vector<expectation> cases;
    // (Each awaited into a variable first: GCC 12 mishandles co_await inside a braced
    // initializer.)
    auto add = [&](std::optional<pgpx::error> got, const std::string& sql, const char* what) {
      cases.push_back({std::move(got), sql, what});
    };
    auto e = co_await row_count_error_of(cx.query_one<item>(none));
    add(std::move(e), none, "query_one, 0 rows");
    e = co_await row_count_error_of(cx.query_one<item>(two));
    add(std::move(e), two, "query_one, 2 rows");
    e = co_await row_count_error_of(cx.query_optional<item>(two));
    add(std::move(e), two, "query_optional, 2 rows");
    e = co_await row_count_error_of(cx.query_value<std::int64_t>(none_v));
    add(std::move(e), none_v, "query_value, 0 rows");
    e = co_await row_count_error_of(cx.query_value<std::int64_t>(two_v));
    add(std::move(e), two_v, "query_value, 2 rows");
    // With parameters, the statement text (never a value) is what the error names.
    const std::string param_sql = "select id from t where id >= $1";
    e = co_await row_count_error_of(cx.query_value<std::int64_t>(param_sql, 1));
    add(std::move(e), param_sql, "query_value with a parameter, 2 rows");
    for (const auto& c : cases) {
      if (!c.got) {
        ADD_FAILURE() << c.call << ": no error";
        continue;
      }
      EXPECT_EQ(c.got->kind(), pgpx::error_kind::row_count) << c.call << ": " << c.got->what();
      EXPECT_EQ(c.got->statement(), c.statement) << c.call;
      EXPECT_FALSE(c.got->poisons_connection()) << c.call;
    }
    // The right counts pass, and the connection is as usable as before.
    EXPECT_FALSE((co_await cx.query_optional<item>(none)).has_value());
    const auto one = co_await cx.query_optional<item>("select id, name from t where id = $1", 2);
    CO_ASSERT_TRUE(one.has_value());
    EXPECT_EQ(one->name, "two");
    EXPECT_EQ((co_await cx.query_one<item>("select id, name from t where id = $1", 1)).name, "one");
    EXPECT_EQ(co_await cx.query_value<std::int64_t>("select count(*) from t"), 2);
    EXPECT_EQ(cx.sync().status(), pgpx::transaction_status::idle);
  });
}

TEST_F(async_api_test, typed_calls_in_a_transaction_refuse_the_wrong_row_count_too) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    auto tx = co_await cx.begin();
    co_await tx.execute("insert into t values (1, 'one'), (2, 'two')");
    const std::string sql = "select id from t order by id";
    auto e1 = co_await row_count_error_of(tx.query_value<std::int64_t>(sql));
    CO_ASSERT_TRUE(e1.has_value());
    EXPECT_EQ(e1->kind(), pgpx::error_kind::row_count);
    EXPECT_EQ(e1->statement(), sql);
    auto e2 = co_await row_count_error_of(tx.query_one<item>("select id, name from t where id = 3"));
    CO_ASSERT_TRUE(e2.has_value());
    EXPECT_EQ(e2->kind(), pgpx::error_kind::row_count);
    // A client-side row-count error does not abort the server's transaction.
    EXPECT_EQ(co_await tx.query_value<std::int64_t>("select count(*) from t"), 2);
    co_await tx.commit();
    EXPECT_EQ(ids(), (std::vector<std::int64_t>{1, 2}));
  });
}

TEST_F(async_api_test, a_commit_is_visible_from_another_connection_and_a_rollback_is_not) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    {
      auto tx = co_await cx.begin();
      EXPECT_TRUE(tx.is_active());
      EXPECT_EQ(co_await tx.execute("insert into t values ($1, $2)", 1, "one"), 1u);
      EXPECT_EQ(cx.sync().status(), pgpx::transaction_status::in_transaction);
      EXPECT_TRUE(ids().empty()) << "uncommitted work is visible from another session";
      co_await tx.commit();
      EXPECT_FALSE(tx.is_active());
    }
    EXPECT_EQ(ids(), (std::vector<std::int64_t>{1}));
    {
      auto tx = co_await cx.begin();
      co_await tx.execute("insert into t values ($1, $2)", 2, "two");
      EXPECT_EQ(co_await tx.query_value<std::int64_t>("select count(*) from t"), 2);  // own writes
      co_await tx.rollback();
      EXPECT_FALSE(tx.is_active());
    }
    EXPECT_EQ(ids(), (std::vector<std::int64_t>{1}));
    EXPECT_EQ(co_await cx.query_value<std::int64_t>("select count(*) from t"), 1);
    // Options reach the BEGIN: a read-only transaction refuses writes.
    {
      auto tx = co_await cx.begin({.read_only = true});
      bool refused = false;
      try {
        co_await tx.execute("insert into t values (3, 'three')");
      } catch (const pgpx::sql_error& e) {
        refused = e.sqlstate() == "25006";
      }
      EXPECT_TRUE(refused);
      co_await tx.rollback();
    }
    EXPECT_EQ(cx.sync().status(), pgpx::transaction_status::idle);
  });
}

TEST_F(async_api_test, an_abandoned_transaction_rolls_back_before_the_next_statement) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    const int pid = cx.sync().backend_pid();
    {
      auto tx = co_await cx.begin();
      co_await tx.execute("insert into t values (1, 'one')");
      co_await tx.execute("select * from t where id = 1 for update");
      // Left uncommitted: the destructor runs here, on the event loop.
      const auto t0 = std::chrono::steady_clock::now();
      { auto gone = std::move(tx); }
      EXPECT_LT(elapsed_since(t0), budget(20ms)) << "the destructor waited for the server";
    }
    // The row lock is held until the connection's next use: nothing ran yet.
    EXPECT_TRUE(pgpx::test::eventually([&] {
      return this->cx().query_value<std::int64_t>(
                 "select count(*) from pg_locks where pid = $1 and locktype = 'transactionid'", pid) > 0;
    })) << "the transaction ended without a statement: did the destructor block?";
    // The next statement finds the connection outside any transaction, the insert undone.
    EXPECT_EQ(co_await cx.query_value<std::int64_t>("select count(*) from t"), 0);
    EXPECT_EQ(cx.sync().status(), pgpx::transaction_status::idle);
    EXPECT_TRUE(ids().empty());
    // And a new transaction can begin (no "already in a transaction" warning turned error).
    auto tx = co_await cx.begin();
    co_await tx.execute("insert into t values (2, 'two')");
    co_await tx.commit();
    EXPECT_EQ(ids(), (std::vector<std::int64_t>{2}));
  });
}

TEST_F(async_api_test, savepoints_release_roll_back_and_roll_back_when_abandoned) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    auto tx = co_await cx.begin();
    co_await tx.execute("insert into t values (1, 'kept before any savepoint')");
    {
      auto sp = co_await tx.savepoint();
      EXPECT_TRUE(sp.is_active());
      co_await tx.execute("insert into t values (2, 'released')");
      co_await sp.release();
      EXPECT_FALSE(sp.is_active());
    }
    {
      auto sp = co_await tx.savepoint();
      co_await tx.execute("insert into t values (3, 'rolled back')");
      co_await sp.rollback();
      EXPECT_FALSE(sp.is_active());
    }
    {
      // A failed statement inside a savepoint: rolling back to it saves the transaction.
      auto sp = co_await tx.savepoint();
      bool failed = false;
      try {
        co_await tx.execute("insert into t values (1, 'duplicate')");
      } catch (const pgpx::sql_error& e) {
        failed = e.sqlstate() == "23505";
      }
      EXPECT_TRUE(failed);
      co_await sp.rollback();
    }
    {
      // Nested savepoints; the inner one abandoned, the outer released.
      auto outer = co_await tx.savepoint();
      co_await tx.execute("insert into t values (4, 'outer')");
      {
        auto inner = co_await tx.savepoint();
        co_await tx.execute("insert into t values (5, 'inner, abandoned')");
        const auto t0 = std::chrono::steady_clock::now();
        { auto gone = std::move(inner); }
        EXPECT_LT(elapsed_since(t0), budget(20ms)) << "the destructor waited for the server";
      }
      // The abandoned savepoint is rolled back before this statement runs.
      EXPECT_EQ(co_await tx.query_value<std::int64_t>("select count(*) from t where id = 5"), 0);
      co_await outer.release();
    }
    {
      auto sp = co_await tx.savepoint();
      co_await tx.execute("insert into t values (6, 'abandoned last')");
    }
    co_await tx.commit();
    EXPECT_EQ(ids(), (std::vector<std::int64_t>{1, 2, 4}));
    EXPECT_EQ(cx.sync().status(), pgpx::transaction_status::idle);
  });
}

TEST_F(async_api_test, a_batch_runs_in_one_round_and_reports_each_failure_by_index) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    pgpx::batch b;
    for (int i = 1; i <= 50; ++i) b.add("insert into t values ($1, $2)", i, "n" + std::to_string(i));
    b.add("select count(*) from t");
    auto out = co_await cx.run_batch(b);
    EXPECT_TRUE(out.ok());
    EXPECT_EQ(out.affected_rows, 51u);  // 50 inserted, and the count's one row
    CO_ASSERT_EQ(out.results.size(), 51u);
    EXPECT_EQ(out.results[50].value<std::int64_t>(), 50);
    // A failing statement in its own segment: reported by index, the others go in.
    pgpx::batch bad;
    bad.add("insert into t values ($1, 'x')", 100);
    bad.add("insert into t values ($1, 'duplicate')", 1);
    bad.add("insert into t values ($1, 'y')", 101);
    auto out2 = co_await cx.run_batch(bad, {.sync_every = 1});
    CO_ASSERT_EQ(out2.errors.size(), 1u);
    EXPECT_EQ(out2.errors[0].first, 1u);
    EXPECT_EQ(out2.errors[0].second.sqlstate(), "23505");
    EXPECT_EQ(out2.affected_rows, 2u);
    EXPECT_EQ(this->cx().query_value<std::int64_t>("select count(*) from t"), 52);
    // on_result sees every result, in order.
    std::vector<std::size_t> seen;
    pgpx::batch q;
    for (int i = 0; i < 5; ++i) q.add("select $1::int4", i);
    (void)co_await cx.run_batch(q, {.on_result = [&](std::size_t i, const pgpx::result& r) {
                                  if (r.value<int>() == static_cast<int>(i)) seen.push_back(i);
                                }});
    EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  });
}

TEST_F(async_api_test, copy_in_and_out_round_trip_structs_and_text) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    std::vector<item> rows;
    for (int i = 0; i < 2000; ++i) rows.push_back({i, "name " + std::to_string(i) + (i % 7 == 0 ? "\t\n\\" : "")});
    EXPECT_EQ(co_await cx.copy_in<item>("t", rows), 2000u);
    EXPECT_EQ(this->cx().query_value<std::int64_t>("select count(*) from t"), 2000);
    auto back = co_await cx.copy_out<item>("t");
    CO_ASSERT_EQ(back.size(), rows.size());
    std::sort(back.begin(), back.end(), [](const item& a, const item& b) { return a.id < b.id; });
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CO_ASSERT_EQ(back[i].id, rows[i].id);
      CO_ASSERT_EQ(back[i].name, rows[i].name);
    }
    // Text COPY through streams.
    co_await cx.execute("delete from t");
    std::istringstream in("1\tone\n2\ttwo\n3\tthree with \\t a tab\n");
    EXPECT_EQ(co_await cx.copy_from("copy t (id, name) from stdin", in), 3u);
    std::ostringstream out;
    EXPECT_EQ(co_await cx.copy_to("copy (select id, name from t order by id) to stdout", out), 3u);
    EXPECT_EQ(out.str(), "1\tone\n2\ttwo\n3\tthree with \\t a tab\n");
    EXPECT_EQ(this->cx().query_value<std::string>("select name from t where id = 3"), "three with \t a tab");
    // A COPY the server rejects leaves the connection usable.
    std::istringstream bad("1\tdup\n");
    bool refused = false;
    try {
      (void)co_await cx.copy_from("copy t (id, name) from stdin", bad);
    } catch (const pgpx::sql_error& e) {
      refused = e.sqlstate() == "23505";
    }
    EXPECT_TRUE(refused);
    EXPECT_EQ(co_await cx.query_value<std::int64_t>("select count(*) from t"), 3);
    EXPECT_EQ(cx.sync().status(), pgpx::transaction_status::idle);
  });
}

TEST_F(async_api_test, a_stream_read_to_the_end_yields_every_row_in_both_fetch_modes) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    for (const std::size_t fetch : {std::size_t{0}, std::size_t{1}, std::size_t{333}}) {
      auto s = co_await cx.stream<item>({.fetch_size = fetch},
                                        "select g::int8 as id, 'n' || g as name from generate_series(1, $1) g", 5000);
      std::int64_t n = 0;
      std::int64_t sum = 0;
      bool names_match = true;
      while (auto r = co_await s.next()) {
        ++n;
        sum += r->id;
        names_match = names_match && r->name == "n" + std::to_string(r->id);
      }
      EXPECT_EQ(n, 5000) << "fetch_size " << fetch;
      EXPECT_EQ(sum, 5000LL * 5001 / 2) << "fetch_size " << fetch;
      EXPECT_TRUE(names_match);
      EXPECT_FALSE(co_await s.next()) << "a finished stream yields nothing more";
      EXPECT_EQ(cx.sync().status(), pgpx::transaction_status::idle) << "fetch_size " << fetch;
      EXPECT_EQ(co_await cx.query_value<std::int64_t>("select count(*) from pg_cursors where name <> ''"), 0);
    }
    // An empty stream.
    auto e = co_await cx.stream<std::int64_t>("select 1::int8 where false");
    EXPECT_FALSE(co_await e.next());
    EXPECT_EQ(co_await cx.query_value<int>("select 5"), 5);
  });
}

TEST_F(async_api_test, a_stream_left_early_leaves_a_clean_connection_in_both_fetch_modes) {
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    // Far more rows than could be drained in the time allowed: leaving early must end the
    // query on the server, not read it to the end. (The set-returning function in the select
    // list streams its rows; in FROM it would be materialized before the first row.)
    const std::string huge =
        "select g::int8 as id, 'n' || g as name from (select generate_series(1, 200000000) as g) s";
    for (const std::size_t fetch : {std::size_t{0}, std::size_t{100}}) {
      {
        auto s = co_await cx.stream<item>({.fetch_size = fetch}, huge);
        for (int i = 1; i <= 3; ++i) {
          auto r = co_await s.next();
          CO_ASSERT_TRUE(r.has_value());
          EXPECT_EQ(r->id, i);
        }
        const auto t0 = std::chrono::steady_clock::now();
        { auto gone = std::move(s); }
        EXPECT_LT(elapsed_since(t0), budget(20ms)) << "leaving the stream waited, fetch_size " << fetch;
      }
      const auto t0 = std::chrono::steady_clock::now();
      EXPECT_EQ(co_await cx.query_value<int>("select 42"), 42) << "fetch_size " << fetch;
      EXPECT_LT(elapsed_since(t0), budget(3s)) << "the abandoned query was drained instead of ended";
      EXPECT_EQ(cx.sync().status(), pgpx::transaction_status::idle) << "fetch_size " << fetch;
      EXPECT_EQ(co_await cx.query_value<std::int64_t>("select count(*) from pg_cursors where name <> ''"), 0);
    }
    // Inside a transaction of the caller's: the cursor closes, the transaction goes on.
    auto tx = co_await cx.begin();
    co_await tx.execute("insert into t values (1, 'one')");
    {
      auto s = co_await cx.stream<std::int64_t>("select g::int8 from generate_series(1, 100000) g");
      EXPECT_EQ(co_await s.next(), std::optional<std::int64_t>(1));
    }
    EXPECT_EQ(co_await tx.query_value<std::int64_t>("select count(*) from pg_cursors where name <> ''"), 0);
    EXPECT_EQ(cx.sync().status(), pgpx::transaction_status::in_transaction);
    co_await tx.commit();
    EXPECT_EQ(ids(), (std::vector<std::int64_t>{1}));
  });
}

TEST_F(async_api_test, call_runs_blocking_code_on_the_engine_without_blocking_the_loop) {
  int value = 0;
  const auto gap = run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto cx = co_await pgpx::async_connection::connect(ex, conninfo());
    const auto t0 = std::chrono::steady_clock::now();
    value = co_await cx.call([](pgpx::connection& c) {
      c.execute("select pg_sleep(0.3)");
      pgpx::transaction tx{c};
      tx.execute("insert into t values (7, 'seven')");
      tx.commit();
      return c.query_value<int>("select id::int4 from t");
    });
    EXPECT_GE(elapsed_since(t0), 300ms);
    // Errors come out as from the blocking API.
    bool failed = false;
    try {
      co_await cx.call([](pgpx::connection& c) { c.execute("select * from missing_table"); });
    } catch (const pgpx::sql_error& e) {
      failed = e.sqlstate() == "42P01";
    }
    EXPECT_TRUE(failed);
  });
  EXPECT_EQ(value, 7);
  EXPECT_LT(gap, budget(250ms)) << "the loop stalled while call() waited for the server";
}

TEST_F(async_api_test, the_query_hook_sees_async_statements_as_it_sees_blocking_ones) {
  struct seen {
    std::string sql;
    bool failed;
    std::uint64_t rows;
    auto operator==(const seen&) const -> bool = default;
  };
  auto make_hook = [](std::vector<seen>& log) {
    auto h = std::make_shared<pgpx::query_hook>();
    h->on_query = [&log](const pgpx::query_event& e) {
      log.push_back({std::string(e.sql), e.failure != nullptr, e.rows});
    };
    return h;
  };
  // The same work on both sides: statements, a failure, a transaction, a batch, a stream, COPY.
  std::vector<seen> blocking_log;
  {
    pgpx::connection_options o;
    o.hook = make_hook(blocking_log);
    pgpx::connection c{conninfo(), o};
    c.execute("insert into t values ($1, $2)", 1, "one");
    (void)c.query_value<std::int64_t>("select count(*) from t");
    try {
      c.execute("select * from missing_table");
    } catch (const pgpx::sql_error&) {
    }
    {
      pgpx::transaction tx{c};
      tx.execute("insert into t values ($1, $2)", 2, "two");
      tx.commit();
    }
    pgpx::batch b;
    b.add("insert into t values ($1, $2)", 3, "three");
    b.add("select count(*) from t");
    (void)pgpx::run_batch(c, b);
    for (const auto& x : pgpx::stream<std::int64_t>(c, "select id from t")) (void)x;
    std::istringstream in("4\tfour\n");
    (void)pgpx::copy_from(c, "copy t (id, name) from stdin", in);
    c.execute("delete from t");
  }
  std::vector<seen> async_log;
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::connection_options o;
    o.hook = make_hook(async_log);
    auto c = co_await pgpx::async_connection::connect(ex, conninfo(), o);
    co_await c.execute("insert into t values ($1, $2)", 1, "one");
    (void)co_await c.query_value<std::int64_t>("select count(*) from t");
    try {
      co_await c.execute("select * from missing_table");
    } catch (const pgpx::sql_error&) {
    }
    {
      auto tx = co_await c.begin();
      co_await tx.execute("insert into t values ($1, $2)", 2, "two");
      co_await tx.commit();
    }
    pgpx::batch b;
    b.add("insert into t values ($1, $2)", 3, "three");
    b.add("select count(*) from t");
    (void)co_await c.run_batch(b);
    auto s = co_await c.stream<std::int64_t>("select id from t");
    while (co_await s.next()) {
    }
    std::istringstream in("4\tfour\n");
    (void)co_await c.copy_from("copy t (id, name) from stdin", in);
    co_await c.execute("delete from t");
  });
  ASSERT_FALSE(async_log.empty()) << "the hook saw no async statement";
  auto show = [](const std::vector<seen>& v) {
    std::string s;
    for (const auto& e : v)
      s += "  [" + e.sql + "] failed=" + std::to_string(e.failed) + " rows=" + std::to_string(e.rows) + "\n";
    return s;
  };
  EXPECT_EQ(async_log, blocking_log) << "blocking:\n" << show(blocking_log) << "async:\n" << show(async_log);
  // And the hook saw the plain statements at all (not merely the same nothing on both sides).
  auto saw = [&](std::string_view part) {
    return std::any_of(async_log.begin(), async_log.end(),
                       [&](const seen& e) { return e.sql.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(saw("missing_table"));
  EXPECT_TRUE(saw("insert into t values ($1, $2)"));
  EXPECT_TRUE(saw("delete from t"));
  EXPECT_TRUE(std::any_of(async_log.begin(), async_log.end(), [](const seen& e) { return e.failed; }));
}

// Issue 10, item 1: "the query hook sees every path (batches, streams, COPY, async)". Each
// path on the async side, one at a time, with a hook that records the statement texts.
TEST_F(async_api_test, the_query_hook_sees_batches_streams_and_copy_on_the_async_side) {
  std::vector<std::string> log;
  auto hook = std::make_shared<pgpx::query_hook>();
  hook->on_query = [&](const pgpx::query_event& e) { log.emplace_back(e.sql); };
  std::vector<std::string> missing;
  run([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::connection_options o;
    o.hook = hook;
    auto c = co_await pgpx::async_connection::connect(ex, conninfo(), o);
    auto seen = [&](std::string_view part) {
      return std::any_of(log.begin(), log.end(),
                         [&](const std::string& s) { return s.find(part) != std::string::npos; });
    };
    pgpx::batch b;
    b.add("insert into t values ($1, 'batched')", 1);
    (void)co_await c.run_batch(b);
    if (!seen("'batched'")) missing.emplace_back("a batch's statement");
    auto s = co_await c.stream<std::int64_t>("select id from t where name = 'streamed' or true");
    while (co_await s.next()) {
    }
    if (!seen("'streamed'")) missing.emplace_back("a stream's query");
    std::istringstream in("2\tcopied\n");
    (void)co_await c.copy_from("copy t (id, name) from stdin", in);
    if (!seen("copy t (id, name) from stdin")) missing.emplace_back("COPY FROM");
    std::ostringstream out;
    (void)co_await c.copy_to("copy (select 'copied out') to stdout", out);
    if (!seen("copied out")) missing.emplace_back("COPY TO");
  });
  std::string all;
  for (const auto& m : log) all += "  " + m + "\n";
  EXPECT_TRUE(missing.empty()) << "the hook did not see: " << ::testing::PrintToString(missing) << "\nit saw:\n" << all;
}

}  // namespace
