#include "support/test_db.hpp"
#include "support/time_factor.hpp"

#include <pgpx/core/notify.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;

namespace {

class notify_test : public pgpx::test::db_test {};

TEST_F(notify_test, notifications_arrive_with_channel_payload_and_sender) {
  pgpx::listener l{conninfo()};
  l.listen("jobs");
  l.listen("Odd \"Channel\" Name");  // quoted, case and quotes kept
  pgpx::notify(cx(), "jobs", "42");
  pgpx::notify(cx(), "Odd \"Channel\" Name", "it's; -- fine");
  auto a = l.wait(pgpx::deadline_in(2s));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->kind, pgpx::listen_event::notification);
  EXPECT_EQ(a->channel, "jobs");
  EXPECT_EQ(a->payload, "42");
  EXPECT_EQ(a->sender_pid, cx().backend_pid());
  auto b = l.wait(pgpx::deadline_in(2s));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->channel, "Odd \"Channel\" Name");
  EXPECT_EQ(b->payload, "it's; -- fine");
}

TEST_F(notify_test, waiting_ends_at_the_deadline) {
  pgpx::listener l{conninfo()};
  l.listen("quiet");
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(l.wait(pgpx::deadline_in(200ms)).has_value());
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, pgpx::test::budget(1s));
  EXPECT_FALSE(l.poll().has_value());
}

TEST_F(notify_test, unlisten_stops_delivery_and_bad_names_are_refused) {
  pgpx::listener l{conninfo()};
  l.listen("a");
  l.unlisten("a");
  pgpx::notify(cx(), "a", "x");
  EXPECT_FALSE(l.wait(pgpx::deadline_in(200ms)).has_value());
  EXPECT_THROW(l.listen(""), pgpx::usage_error);
  EXPECT_THROW(l.listen(std::string(64, 'c')), pgpx::usage_error);
}

TEST_F(notify_test, a_lost_connection_is_reported_then_subscriptions_resume) {
  pgpx::listener l{conninfo()};
  l.listen("jobs");
  const int old_pid = l.conn().backend_pid();
  EXPECT_TRUE(cx().query_value<bool>("select pg_terminate_backend($1)", old_pid));
  pgpx::notify(cx(), "jobs", "lost while away");
  auto ev = l.wait(pgpx::deadline_in(5s));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->kind, pgpx::listen_event::reconnected);
  EXPECT_NE(l.conn().backend_pid(), old_pid);
  pgpx::notify(cx(), "jobs", "after");
  auto next = l.wait(pgpx::deadline_in(2s));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->kind, pgpx::listen_event::notification);
  EXPECT_EQ(next->payload, "after");
}

}  // namespace
