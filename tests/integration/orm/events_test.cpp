// Model events (pgpx/orm/events.hpp) on the real server: per-model before/after hooks that
// change the row, reject it (nothing sent) or add statements; global hooks and their
// subscriptions; which verbs call which hooks; the same through the async driver.
#include "support/loop_probe.hpp"
#include "support/test_db.hpp"

#include <pgpx/orm/async.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/orm/events.hpp>
#include <pgpx/schema/ddl.hpp>

#include <boost/asio/awaitable.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace event_models {
struct audited {
  pgpx::identity<std::int64_t> id;
  std::string name;
  std::int32_t hits;
};
}  // namespace event_models

template <>
struct pgpx::model<event_models::audited> {
  static auto log(std::string_view what, const event_models::audited& a) -> pgpx::statement<void> {
    return pgpx::make_statement("insert into audit (what, row_id) values ($1, $2)", std::string(what),
                                static_cast<std::int64_t>(a.id));
  }
  static void before_insert(event_models::audited& a, pgpx::event& e) {
    if (a.name == "forbidden") e.reject("name", "forbidden", "this name is not allowed");
    std::transform(a.name.begin(), a.name.end(), a.name.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  static void after_insert(event_models::audited& a, pgpx::event& e) { e.also(log("insert", a)); }
  static void before_update(event_models::audited& a, pgpx::event& /*e*/) { ++a.hits; }
  static void after_update(event_models::audited& a, pgpx::event& e) { e.also(log("update", a)); }
  static void before_delete(event_models::audited& a, pgpx::event& e) {
    if (a.hits > 100) e.reject("hits", "too_popular", "popular rows are kept");
  }
  static void after_delete(event_models::audited& a, pgpx::event& e) { e.also(log("delete", a)); }
  // Statement-level writes: an unconditional delete_many is refused; each logs its row count.
  static void before_delete_many(pgpx::event& e) {
    if (e.predicate()->sql().empty()) e.reject("", "unfiltered", "delete_many of auditeds needs a condition");
  }
  static void after_update_many(pgpx::event& e) {
    e.also(pgpx::make_statement("insert into audit (what, row_id) values ('update_many', $1)",
                                static_cast<std::int64_t>(e.rows())));
  }
  static void after_delete_many(pgpx::event& e) {
    e.also(pgpx::make_statement("insert into audit (what, row_id) values ('delete_many', $1)",
                                static_cast<std::int64_t>(e.rows())));
  }
};

namespace asio = boost::asio;

namespace {

using event_models::audited;

class events_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    w_ = pgpx::test::recording_connection(conninfo(), sent_);
    pgpx::schema::create(*w_, pgpx::models<audited>);
    w_->execute("create table audit (n serial, what text, row_id int8)");
    sent_.clear();
  }
  auto w() -> pgpx::connection& { return *w_; }
  auto audit() -> std::vector<std::string> {
    return cx().query<std::string>("select what || ':' || row_id from audit order by n");
  }
  std::vector<std::string> sent_;

 private:
  std::unique_ptr<pgpx::connection> w_;
};

TEST_F(events_test, hooks_change_the_row_and_add_statements_after_the_write) {
  audited a{.id = {}, .name = "ADA", .hits = 0};
  pgpx::insert(w(), a);
  EXPECT_EQ(a.name, "ada");
  EXPECT_EQ(w().query_value<std::string>("select name from auditeds"), "ada");  // changed before the write
  a.name = "ada l";
  pgpx::update(w(), a);
  EXPECT_EQ(a.hits, 1);
  EXPECT_EQ(w().query_value<std::int32_t>("select hits from auditeds"), 1);
  pgpx::remove(w(), a);
  const auto id = std::to_string(static_cast<std::int64_t>(a.id));
  EXPECT_EQ(audit(), (std::vector<std::string>{"insert:" + id, "update:" + id, "delete:" + id}));
  // The order on the wire: the write, then what the after hook added.
  ASSERT_GE(sent_.size(), 2u);
  EXPECT_EQ(sent_[sent_.size() - 2].rfind("delete from", 0), 0u) << sent_[sent_.size() - 2];
  EXPECT_EQ(sent_.back().rfind("insert into audit", 0), 0u) << sent_.back();
}

TEST_F(events_test, a_rejection_sends_nothing_and_is_a_validation_error) {
  audited a{.id = {}, .name = "forbidden", .hits = 0};
  try {
    pgpx::insert(w(), a);
    FAIL();
  } catch (const pgpx::validation_error& e) {
    ASSERT_EQ(e.issues().size(), 1u);
    EXPECT_EQ(e.issues()[0].type, "forbidden");
  }
  EXPECT_TRUE(sent_.empty());
  audited b{.id = {}, .name = "b", .hits = 500};
  pgpx::insert(w(), b);
  EXPECT_THROW(pgpx::remove(w(), b), pgpx::validation_error);
  EXPECT_EQ(pgpx::count<audited>(w()), 1);
  EXPECT_EQ(audit().size(), 1u);  // the insert only
}

TEST_F(events_test, global_hooks_see_every_write_until_their_subscription_ends) {
  std::vector<std::string> seen;
  auto sub = pgpx::events::on(pgpx::events::phase::after, [&](pgpx::event& e) {
    seen.push_back(e.model().table + ":" + std::string(pgpx::to_string(e.kind())));
  });
  auto before = pgpx::events::on(pgpx::events::phase::before, [&](pgpx::event& e) {
    const auto* row = static_cast<const audited*>(e.object());
    if (row != nullptr && row->name == "global-no") e.reject("name", "refused_globally", "no");
  });
  audited a{.id = {}, .name = "x", .hits = 0};
  pgpx::insert(w(), a);
  pgpx::update(w(), a);
  audited refused{.id = {}, .name = "global-no", .hits = 0};
  EXPECT_THROW(pgpx::insert(w(), refused), pgpx::validation_error);
  EXPECT_EQ(seen, (std::vector<std::string>{"auditeds:insert", "auditeds:update"}));
  sub.reset();
  before.reset();
  pgpx::remove(w(), a);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_THROW((void)pgpx::events::on(pgpx::events::phase::after, nullptr), pgpx::usage_error);
}

// update_many, delete_many and hard_delete_many run the statement-level hooks: the model's
// and the global ones, with the predicate before and the row count after; a rejection sends
// nothing.
TEST_F(events_test, statement_level_writes_run_their_own_hooks_with_the_predicate_and_the_count) {
  for (const char* n : {"a", "b", "c"}) {
    audited x{.id = {}, .name = n, .hits = 0};
    pgpx::insert(w(), x);
  }
  std::vector<std::string> seen;
  auto after = pgpx::events::on(pgpx::events::phase::after, [&](pgpx::event& e) {
    if (e.object() != nullptr) return;
    seen.push_back(std::string(pgpx::to_string(e.kind())) + ":" + std::to_string(e.rows()) + ":" +
                   (e.predicate() != nullptr ? e.predicate()->sql() : "?"));
  });
  auto before = pgpx::events::on(pgpx::events::phase::before, [&](pgpx::event& e) {
    if (e.object() == nullptr && e.predicate()->sql().find("'nope'") != std::string::npos)
      e.reject("", "refused_globally", "not this one");
  });
  EXPECT_EQ(pgpx::update_many<audited>(w(), pgpx::raw(R"("name" <> $1)", std::string("c")),
                                       pgpx::set(&audited::hits, std::int32_t{7})),
            2U);
  EXPECT_EQ(pgpx::delete_many<audited>(w(), pgpx::raw(R"("name" = $1)", std::string("a"))), 1U);
  EXPECT_EQ(pgpx::hard_delete_many<audited>(w(), pgpx::raw(R"("name" = $1)", std::string("zzz"))), 0U);
  EXPECT_EQ(seen, (std::vector<std::string>{R"(update_many:2:"name" <> $1)", R"(delete_many:1:"name" = $1)",
                                            R"(delete_many:0:"name" = $1)"}));
  EXPECT_EQ(cx().query<std::string>("select what || ':' || row_id from audit where what like '%_many' order by n"),
            (std::vector<std::string>{"update_many:2", "delete_many:1", "delete_many:0"}));
  // Rejections: the model's (no condition) and a global one; nothing is sent, nothing changes.
  sent_.clear();
  EXPECT_THROW((void)pgpx::delete_many<audited>(w(), pgpx::statement<void>{}), pgpx::validation_error);
  EXPECT_THROW((void)pgpx::update_many<audited>(w(), pgpx::raw(R"("name" = 'nope')"),
                                                pgpx::set(&audited::hits, std::int32_t{1})),
               pgpx::validation_error);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(pgpx::count<audited>(w()), 2);
}

TEST_F(events_test, an_after_hook_cannot_reject) {
  auto sub = pgpx::events::on(pgpx::events::phase::after, [](pgpx::event& e) { e.reject("x", "late", "too late"); });
  audited a{.id = {}, .name = "x", .hits = 0};
  EXPECT_THROW(pgpx::insert(w(), a), pgpx::usage_error);
  EXPECT_EQ(pgpx::count<audited>(w()), 1);  // the write had happened
}

TEST_F(events_test, a_tracked_update_with_nothing_changed_runs_no_hooks_and_bulk_runs_them_per_row) {
  audited a{.id = {}, .name = "x", .hits = 0};
  pgpx::insert(w(), a);
  auto t = pgpx::get_tracked<audited>(w(), static_cast<std::int64_t>(a.id));
  EXPECT_FALSE(pgpx::update(w(), *t));
  EXPECT_EQ(t->hits, 0);  // before_update did not run
  t->name = "y";
  EXPECT_TRUE(pgpx::update(w(), *t));
  EXPECT_EQ(w().query_value<std::int32_t>("select hits from auditeds"), 1);  // the hook's change was written
  EXPECT_TRUE(t->changed_members().empty());

  std::vector<audited> rows{{.id = {}, .name = "P", .hits = 0}, {.id = {}, .name = "Q", .hits = 0}};
  EXPECT_EQ(pgpx::insert_many(w(), rows), 2u);
  EXPECT_EQ(rows[1].name, "q");
  EXPECT_EQ(audit().size(), 4u);  // insert, update, and one per bulk row
  rows.push_back({.id = {}, .name = "forbidden", .hits = 0});
  EXPECT_THROW(pgpx::insert_many(w(), rows), pgpx::validation_error);
  EXPECT_EQ(pgpx::count<audited>(w()), 3);
}

TEST_F(events_test, the_async_driver_runs_the_hooks_statements_too) {
  pgpx::test::run_on_io([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    audited a{.id = {}, .name = "ASYNC", .hits = 0};
    co_await pgpx::insert(acx, a);
    co_await pgpx::update(acx, a);
    EXPECT_EQ(a.hits, 1);
  });
  EXPECT_EQ(audit().size(), 2u);
  EXPECT_EQ(cx().query_value<std::string>("select name from auditeds"), "async");
}

}  // namespace
