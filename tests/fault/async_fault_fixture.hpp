// tests/fault/async_fault_fixture.hpp: the fixture of the async fault scenarios: a proxy in
// front of the test server, coroutines run to the end on one io_context, and the leak check
// of the fault label (no server session of the test left, no descriptor more than before).
#pragma once

#include "support/loop_probe.hpp"
#include "support/tcp_proxy.hpp"
#include "support/test_db.hpp"
#include "support/time_factor.hpp"

#include <pgpx/testing/cluster.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace pgpx::test {

class async_fault_test : public db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    fds_before_ = open_descriptors();
  }
  void TearDown() override {
    proxy_.reset();
    EXPECT_TRUE(eventually([&] { return sessions() == 0; })) << "server sessions " << sessions();
    EXPECT_TRUE(eventually([&] { return open_descriptors() <= fds_before_; }))
        << open_descriptors() << " descriptors open, " << fds_before_ << " before";
    db_test::TearDown();
  }
  // Connection parameters through a fresh proxy (TCP, with the superuser's password).
  auto through_proxy() -> pgpx::conninfo {
    auto ci = conninfo();
    const auto server = server_conninfo();
    proxy_ = std::make_unique<tcp_proxy>("127.0.0.1", std::stoi(server.get("port")));
    return through_tcp(ci, proxy_->port());
  }
  // The server's sessions of this test (its application_name), the test's own cx() left out.
  auto sessions() -> std::int64_t {
    std::optional<pgpx::connection> own;
    if (!cx().is_open()) own.emplace(conninfo());
    auto& c = own ? *own : cx();
    return c.query_value<std::int64_t>(
        "select count(*) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()",
        database_name());
  }
  // Runs a coroutine to its end on a fresh io_context (one thread), rethrowing its error.
  template <class F>
  void run(F&& f) {
    pgpx::test::run_on_io(std::forward<F>(f));
  }

  std::unique_ptr<tcp_proxy> proxy_;
  std::size_t fds_before_ = 0;
};

}  // namespace pgpx::test
