// Item 8 of the connection-lifecycle issue: a primary and a streaming replica started on
// this machine (pg_basebackup), multi-host target_session_attrs, read/write routing, and
// promotion of the standby.
#include "support/loop_probe.hpp"
#include "support/tcp_proxy.hpp"  // open_descriptors
#include "support/time_factor.hpp"

#include <pgpx/async/routed_pool.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/pool/routed_pool.hpp>
#include <pgpx/testing/cluster.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
namespace asio = boost::asio;

namespace {

using pgpx::test::budget;

template <class F>
auto eventually(F&& ok, std::chrono::milliseconds within = 10s) -> bool {
  const auto until = std::chrono::steady_clock::now() + budget(within);
  while (std::chrono::steady_clock::now() < until) {
    try {
      if (ok()) return true;
    } catch (const pgpx::error&) {
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

class replica_test : public ::testing::Test {
 protected:
  void SetUp() override {
    primary_ = std::make_unique<pgpx::testing::temp_cluster>();
    pgpx::testing::cluster_options o;
    o.root = pgpx::testing::make_cluster_temp_dir("pgpx-standby-");
    o.fast = true;
    standby_ = std::make_unique<pgpx::testing::cluster>(o);
    standby_->start_as_standby_of(*primary_);
    fds_before_ = pgpx::test::open_descriptors();
  }
  // The leak check (see fault_test.cpp): no client session left on either node that is up,
  // no descriptor more than before.
  void TearDown() override {
    for (const pgpx::testing::cluster* node : {static_cast<const pgpx::testing::cluster*>(primary_.get()),
                                               static_cast<const pgpx::testing::cluster*>(standby_.get())}) {
      if (node == nullptr || !node->running()) continue;
      EXPECT_TRUE(eventually([&] { return client_sessions(*node) == 0; }))
          << "client sessions left on port " << node->port() << ": " << client_sessions(*node);
    }
    EXPECT_TRUE(eventually([&] { return pgpx::test::open_descriptors() <= fds_before_; }))
        << pgpx::test::open_descriptors() << " descriptors open, " << fds_before_ << " before";
    if (standby_) standby_->destroy();
  }
  static auto client_sessions(const pgpx::testing::cluster& node) -> std::int64_t {
    pgpx::connection c{node.conninfo()};
    return c.query_value<std::int64_t>(
        "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()");
  }
  // Both nodes in one conninfo, `first` listed first.
  static auto hosts(const pgpx::testing::cluster& first, const pgpx::testing::cluster& second) -> pgpx::conninfo {
    pgpx::conninfo ci;
    ci.set("host", first.socket_dir().string() + "," + second.socket_dir().string());
    ci.set("port", std::to_string(first.port()) + "," + std::to_string(second.port()));
    ci.set("user", "postgres").set("dbname", "postgres");
    return ci;
  }
  // The standby first.
  auto both() -> pgpx::conninfo { return hosts(*standby_, *primary_); }
  // The primary first: the order that used to send every read to the primary.
  auto primary_first() -> pgpx::conninfo { return hosts(*primary_, *standby_); }
  static auto in_recovery(pgpx::connection& c) -> bool { return c.query_value<bool>("select pg_is_in_recovery()"); }

  std::unique_ptr<pgpx::testing::temp_cluster> primary_;
  std::unique_ptr<pgpx::testing::cluster> standby_;
  std::size_t fds_before_ = 0;
};

TEST_F(replica_test, the_standby_replays_the_primary) {
  pgpx::connection p{primary_->conninfo()};
  pgpx::connection s{standby_->conninfo()};
  EXPECT_FALSE(in_recovery(p));
  EXPECT_TRUE(in_recovery(s));
  p.execute_script("create table t (x int); insert into t values (1), (2)");
  EXPECT_TRUE(eventually([&] { return s.query_value<std::int64_t>("select count(*) from t") == 2; }));
  try {
    s.execute("insert into t values (3)");
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "25006");  // read-only transaction
  }
}

TEST_F(replica_test, target_session_attrs_pick_the_right_node) {
  auto ci = both();
  ci.set("target_session_attrs", "read-write");
  pgpx::connection w{ci};
  EXPECT_FALSE(in_recovery(w));
  ci.set("target_session_attrs", "standby");
  pgpx::connection r{ci};
  EXPECT_TRUE(in_recovery(r));
  ci.set("target_session_attrs", "primary");
  pgpx::connection p{ci};
  EXPECT_FALSE(in_recovery(p));
}

TEST_F(replica_test, the_routed_pool_sends_reads_to_the_standby_and_writes_to_the_primary) {
  auto db = pgpx::routed_pool::open(both());
  {
    auto w = db.acquire_write();
    EXPECT_FALSE(in_recovery(*w));
    w->execute_script("create table t (x int)");
    w->execute("insert into t values ($1)", 7);
  }
  auto r = db.acquire_read();
  EXPECT_TRUE(in_recovery(*r));
  EXPECT_TRUE(eventually([&] { return r->query_value<std::int64_t>("select count(*) from t") == 1; }));
}

TEST_F(replica_test, reads_fall_back_to_the_primary_when_no_standby_answers) {
  standby_->stop(true);
  auto db = pgpx::routed_pool::open(both());
  auto r = db.acquire_read();
  EXPECT_FALSE(in_recovery(*r));
  auto strict = pgpx::routed_pool::open(both(), {.reads_fall_back_to_primary = false});
  EXPECT_THROW((void)strict.acquire_read(), pgpx::error);
}

TEST_F(replica_test, after_promotion_writes_go_to_the_new_primary) {
  auto db = pgpx::routed_pool::open(both(), {.primary = {.check_after_idle = std::chrono::milliseconds(0)}});
  {
    auto w = db.acquire_write();
    w->execute_script("create table t (x int)");
  }
  pgpx::connection s0{standby_->conninfo()};  // replication is asynchronous: let it catch up
  ASSERT_TRUE(eventually(
      [&] { return s0.query_value<std::int64_t>("select count(*) from pg_class where relname = 't'") == 1; }));
  s0.close();
  primary_->stop(true);  // the primary dies
  standby_->promote();
  EXPECT_TRUE(eventually([&] {
    auto w = db.acquire_write();  // stale connections fail their check and are replaced
    w->execute("insert into t values (1)");
    return !in_recovery(*w) && w->backend_pid() > 0;
  }));
  pgpx::connection s{standby_->conninfo()};
  EXPECT_FALSE(in_recovery(s));
  EXPECT_EQ(s.query_value<std::int64_t>("select count(*) from t"), 1);
}

// Issue 9 item 7: reads prefer a standby whatever the host order (the blocking connect used
// to try one host at a time with prefer-standby, which takes the first host that answers).
TEST_F(replica_test, reads_go_to_the_standby_whatever_the_host_order) {
  for (const auto& ci : {both(), primary_first()}) {
    SCOPED_TRACE(ci.get("host"));
    auto db = pgpx::routed_pool::open(ci, {.replicas = {.max_size = 4}});
    std::vector<pgpx::lease> held;  // four at once: four connections, each opened by the routing
    for (int i = 0; i < 4; ++i) {
      held.push_back(db.acquire_read());
      EXPECT_TRUE(in_recovery(*held.back()));
      EXPECT_TRUE(pgpx::routed_pool::on_standby(*held.back()));
    }
    auto w = db.acquire_write();
    EXPECT_FALSE(in_recovery(*w));
    EXPECT_FALSE(pgpx::routed_pool::on_standby(*w));
  }
  // A plain connection with prefer-standby too.
  auto ci = primary_first();
  ci.set("target_session_attrs", "prefer-standby");
  pgpx::connection c{ci};
  EXPECT_TRUE(in_recovery(c));
}

auto refuses_writes(pgpx::connection& c) -> bool {
  try {
    c.execute("create table refused (x int)");
    return false;
  } catch (const pgpx::sql_error& e) {
    return e.sqlstate() == "25006";  // read-only transaction
  }
}

// Without a standby, reads use the primary but stay read-only; when the standby is back, reads
// return to it within a bounded time, long before max_lifetime (30 minutes here).
TEST_F(replica_test, reads_fall_back_read_only_and_return_to_the_standby_when_it_is_back) {
  auto db = pgpx::routed_pool::open(
      primary_first(),
      {.replicas = {.check_after_idle = 0ms, .max_lifetime = std::chrono::minutes(30)}, .standby_recheck = 200ms});
  {
    auto w = db.acquire_write();
    w->execute_script("create table t (x int)");
  }
  {
    auto r = db.acquire_read();
    ASSERT_TRUE(in_recovery(*r));
    EXPECT_TRUE(refuses_writes(*r));
  }
  standby_->stop(true);
  {
    auto r = db.acquire_read();  // the idle standby connection fails its check and is replaced
    EXPECT_FALSE(in_recovery(*r));
    EXPECT_EQ(r->query_value<std::string>("show default_transaction_read_only"), "on");
    EXPECT_TRUE(refuses_writes(*r));
    r->execute_script("set search_path = public");  // a session change: DISCARD ALL on return
  }
  {
    auto r = db.acquire_read();  // the same connection after its reset: still read-only
    EXPECT_FALSE(in_recovery(*r));
    EXPECT_TRUE(refuses_writes(*r));
  }
  standby_->start();
  const auto back = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually(
      [&] {
        auto r = db.acquire_read();
        return in_recovery(*r);
      },
      budget(5s)));
  EXPECT_LT(std::chrono::steady_clock::now() - back, budget(5s));
  // Every later read goes to the standby: the connections to the primary were replaced.
  for (int i = 0; i < 10; ++i) {
    auto r = db.acquire_read();
    EXPECT_TRUE(in_recovery(*r));
  }
  EXPECT_EQ(db.replicas().stats().in_use, 0u);
}

// Replica lag is real: a read right after a write may miss it. acquire_read_after() waits until
// the standby has replayed the write's position: every one of 200 writes is seen. The test
// cluster runs with synchronous_commit off; the first 20 writes keep it (the position is taken
// before the commit record is even written out, and the wait lasts until the WAL writer sends
// it), the rest use synchronous commits as a production server does.
TEST_F(replica_test, read_your_writes_sees_every_write_on_the_standby) {
  auto db = pgpx::routed_pool::open(primary_first());
  {
    auto w = db.acquire_write();
    w->execute_script("create table t (x int)");
  }
  int seen = 0;
  for (int i = 0; i < 200; ++i) {
    pgpx::wal_position pos;
    {
      auto w = db.acquire_write();
      if (i < 20) {
        w->execute("insert into t values ($1)", i);
      } else {
        pgpx::transaction tx{*w};
        tx.execute_script("set local synchronous_commit = on");
        tx.execute("insert into t values ($1)", i);
        tx.commit();
      }
      pos = pgpx::routed_pool::position_of(*w);
    }
    auto r = db.acquire_read_after(pos, budget(5s));
    ASSERT_TRUE(in_recovery(*r));
    if (r->query_value<std::int64_t>("select count(*) from t where x = $1", i) == 1) ++seen;
  }
  EXPECT_EQ(seen, 200);
}

TEST_F(replica_test, read_your_writes_gives_up_at_its_deadline_with_a_clear_error) {
  auto db = pgpx::routed_pool::open(primary_first(), {.replicas = {.min_size = 1}});
  ASSERT_TRUE(eventually([&] { return db.replicas().stats().idle == 1; }));
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)db.acquire_read_after({"FFFFFFFF/0"}, 300ms);
    ADD_FAILURE() << "no timeout";
  } catch (const pgpx::timeout_error& e) {
    EXPECT_NE(std::string(e.what()).find("up to FFFFFFFF/0 within 300 ms"), std::string::npos) << e.what();
    EXPECT_NE(e.info().hint.find("replica lag"), std::string::npos) << e.what();
  }
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 300ms + budget(1s));
  EXPECT_THROW((void)db.acquire_read_after({}, 1s), pgpx::usage_error);
}

// ---- the routed pool awaited (async_routed_pool) -------------------------------------------

TEST_F(replica_test, the_async_routed_pool_writes_on_the_primary_and_reads_its_writes_on_the_standby) {
  pgpx::test::run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::async_routed_pool db(ex, primary_first());
    pgpx::wal_position pos;
    {
      auto w = co_await db.acquire_write();
      EXPECT_FALSE(co_await w->query_value<bool>("select pg_is_in_recovery()"));
      co_await w->execute("create table t (x int)");
      co_await w->execute("insert into t values ($1)", 7);
      pos = co_await pgpx::async_routed_pool::position_of(*w);
    }
    EXPECT_FALSE(pos.lsn.empty());
    auto r = co_await db.acquire_read_after(pos, budget(5s));
    EXPECT_TRUE(co_await r->query_value<bool>("select pg_is_in_recovery()"));
    EXPECT_EQ(co_await r->query_value<std::int64_t>("select count(*) from t where x = $1", 7), 1);
    std::string sqlstate;
    try {
      co_await r->execute("insert into t values (8)");
    } catch (const pgpx::error& e) {
      sqlstate = e.sqlstate();
    }
    EXPECT_EQ(sqlstate, "25006") << "a read lease accepted a write";
    auto plain = co_await db.acquire_read();
    EXPECT_TRUE(co_await plain->query_value<bool>("select pg_is_in_recovery()"));
  });
}

// A read-your-writes wait for a position the standby never reaches, cancelled through Asio
// after 200 ms: it ends at once (not at its 10 s limit), its lease goes back to the pool, and
// the event loop ran meanwhile.
TEST_F(replica_test, a_cancelled_async_read_your_writes_wait_ends_at_once) {
  const auto gap = pgpx::test::run_on_io_probed([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    pgpx::async_routed_pool db(ex, primary_first());
    // Named: GCC 12 destroys a braced temporary inside a co_await expression twice.
    const pgpx::wal_position never{"FFFFFFFF/0"};
    const auto t0 = std::chrono::steady_clock::now();
    auto r = co_await (db.acquire_read_after(never, 10s) || pgpx::test::sleep_for(200ms));
    EXPECT_EQ(r.index(), 1u);
    EXPECT_LT(pgpx::test::elapsed_since(t0), budget(1s)) << "the cancelled wait went on";
    EXPECT_EQ(db.sync().replicas().stats().in_use, 0u) << "the cancelled wait kept its lease";
  });
  EXPECT_LT(gap, budget(250ms)) << "the event loop was blocked for " << gap.count() << " ms";
}

}  // namespace
