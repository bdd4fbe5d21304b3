// Item 8 of the connection-lifecycle issue: a primary and a streaming replica started on
// this machine (pg_basebackup), multi-host target_session_attrs, read/write routing, and
// promotion of the standby.
#include <pgpx/pool/routed_pool.hpp>
#include <pgpx/testing/cluster.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;

namespace {

template <class F>
auto eventually(F&& ok, std::chrono::milliseconds within = 10s) -> bool {
  const auto until = std::chrono::steady_clock::now() + within;
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
  }
  void TearDown() override {
    if (standby_) standby_->destroy();
  }
  // Both nodes in one conninfo, the standby first.
  auto both() -> pgpx::conninfo {
    pgpx::conninfo ci;
    ci.set("host", standby_->socket_dir().string() + "," + primary_->socket_dir().string());
    ci.set("port", std::to_string(standby_->port()) + "," + std::to_string(primary_->port()));
    ci.set("user", "postgres").set("dbname", "postgres");
    return ci;
  }
  static auto in_recovery(pgpx::connection& c) -> bool { return c.query_value<bool>("select pg_is_in_recovery()"); }

  std::unique_ptr<pgpx::testing::temp_cluster> primary_;
  std::unique_ptr<pgpx::testing::cluster> standby_;
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
  ASSERT_TRUE(eventually([&] { return s0.query_value<std::int64_t>("select count(*) from pg_class where relname = 't'") == 1; }));
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

}  // namespace
