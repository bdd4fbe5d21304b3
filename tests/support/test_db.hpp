// tests/support/test_db.hpp: a database per test, cloned from the cluster's template.
//
// Where the server comes from, in order:
//   1. PGPX_TEST_DATABASE_URL: an existing server (a superuser connection URL);
//   2. PGPX_TEST_CLUSTER_DIR: the cluster started by the CTest fixture "cluster.start";
//   3. otherwise a temporary cluster this process starts itself (and stops at exit).
//
//   class my_test : public pgpx::test::db_test {};
//   TEST_F(my_test, inserts) { cx().execute("create table t (x int)"); ... }
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/hooks.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::test {

/// Connection parameters of the test server's superuser, on the maintenance database.
[[nodiscard]] auto server_conninfo() -> pgpx::conninfo;

/// The superuser's password for TCP connections to the shared test cluster (empty outside ctest).
[[nodiscard]] auto tcp_password() -> std::string;

/// `base` redirected to 127.0.0.1:`port` over TCP (no TLS) with the superuser's password: a
/// test database reached through a tcp_proxy listening there.
[[nodiscard]] auto through_tcp(pgpx::conninfo base, int port) -> pgpx::conninfo;

/**
 * Waits until the server is running `sql`: a session in pg_stat_activity in state 'active'
 * whose query is exactly `sql` (and whose pid is `pid`, when not 0), watched from a
 * connection of its own to `info`. False when that does not happen within budget(within).
 * Call it before killing, stopping or cancelling the statement a test aims at, instead of
 * sleeping for a while and hoping the statement has started.
 */
[[nodiscard]] auto wait_until_running(const pgpx::conninfo& info, std::string_view sql, int pid = 0,
                                      std::chrono::milliseconds within = std::chrono::seconds(10)) -> bool;

/// A connection to `info` that appends the SQL text of every statement it sends to `sent`
/// (through a query hook), and its source (plain, batch, copy...) to `*sources` when given:
/// tests count statements with it, so N+1 would show.
[[nodiscard]] auto recording_connection(const pgpx::conninfo& info, std::vector<std::string>& sent,
                                        std::vector<pgpx::query_source>* sources = nullptr)
    -> std::unique_ptr<pgpx::connection>;

/// Runs `sql` with one parameter and returns the result (column types, values read in place).
template <class V>
[[nodiscard]] auto run_one(pgpx::connection& cx, std::string_view sql, const V& value) -> pgpx::result {
  pgpx::param_list p;
  p.add(value);
  return cx.run(sql, p);
}

/// Expects `cx.execute(sql, value)` to be refused by a conversion_error before anything is
/// sent, its message containing each of `parts` (the plugin, the parameter, the cause).
template <class V>
void expect_refused_before_sending(pgpx::connection& cx, std::string_view sql, const V& value,
                                   std::initializer_list<std::string_view> parts) {
  try {
    cx.execute(sql, value);
    ADD_FAILURE() << "accepted a value that should be refused: " << *parts.begin();
  } catch (const pgpx::conversion_error& e) {
    for (const auto part : parts) EXPECT_NE(e.message().find(part), std::string::npos) << e.message();
  }
}

/// A fresh database for one test: created from the template in SetUp, dropped in TearDown.
class db_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// A connection to this test's database (opened in SetUp).
  [[nodiscard]] auto cx() -> pgpx::connection& { return *cx_; }
  /// Connection parameters of this test's database, to open more connections.
  [[nodiscard]] auto conninfo() const -> const pgpx::conninfo& { return info_; }
  /// The name of this test's database.
  [[nodiscard]] auto database_name() const -> const std::string& { return name_; }

 private:
  std::string name_;
  pgpx::conninfo info_;
  std::unique_ptr<pgpx::connection> cx_;
};

}  // namespace pgpx::test
