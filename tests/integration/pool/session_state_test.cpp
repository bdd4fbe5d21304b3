// A lease is always clean: session state changed through any route a statement can take
// (comments, DO, functions, procedures, set_config, temporary objects, prepared statements,
// advisory locks, LISTEN, role changes, triggers changing reported settings) never reaches
// the next user of a pooled connection; statements that cannot change the session cost no
// reset. Issue 9, item 2.
#include "support/test_db.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/pool/pool.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

class session_state_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    role_ = database_name() + "_r";
    cx().execute_script("create role " + pgpx::quote_identifier(role_) + " login");
    cx().execute_script("grant all on schema public to " + pgpx::quote_identifier(role_));
    cx().execute_script(R"(
      create table t (x int);
      create function change_path() returns int language plpgsql as $$
        begin perform set_config('search_path', 'pg_catalog', false); return 1; end $$;
      create procedure change_path_proc() language plpgsql as $$
        begin perform set_config('search_path', 'pg_catalog', false); end $$;
      create function change_zone() returns trigger language plpgsql as $$
        begin perform set_config('TimeZone', 'Asia/Tokyo', false); return new; end $$;
      create table zoned (x int);
      create trigger zoned_trg before insert on zoned for each row execute function change_zone();
      create function make_temp() returns int language plpgsql as $$
        begin create temp table if not exists made_by_function (x int); return 1; end $$;
    )");
    pgpx::pool_options o;
    o.application_name = database_name();
    o.max_size = 1;  // every lease gets the same session
    pool_ = std::make_unique<pgpx::pool>(pgpx::pool::open(conninfo(), o));
    auto l = pool_->acquire();
    default_path_ = l->query_value<std::string>("show search_path");
    default_zone_ = l->query_value<std::string>("show timezone");
  }
  void TearDown() override {
    pool_.reset();
    cx().execute_script("drop owned by " + pgpx::quote_identifier(role_) + "; drop role if exists " +
                        pgpx::quote_identifier(role_));
    db_test::TearDown();
  }

  // What the next lease sees, as one line: every kind of session state at once.
  auto observed_state() -> std::string {
    auto l = pool_->acquire();
    return l->query_value<std::string>(
        "select concat_ws(' | ', current_setting('search_path'), current_setting('timezone'), "
        "current_user = session_user, "
        "(select count(*) from pg_class where relpersistence = 't' and relkind = 'r'), "
        "(select count(*) from pg_listening_channels()), "
        "(select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()), "
        "(select count(*) from pg_prepared_statements where from_sql), "
        "(select count(*) from pg_cursors where name <> ''), "
        "coalesce(current_setting('app.tenant', true), ''))");
  }
  auto clean_state() const -> std::string {
    return default_path_ + " | " + default_zone_ + " | t | 0 | 0 | 0 | 0 | 0 | ";
  }

  std::string role_;
  std::string default_path_;
  std::string default_zone_;
  std::unique_ptr<pgpx::pool> pool_;
};

struct route {
  const char* name;
  std::function<void(pgpx::connection&, const std::string& role)> change;
};

auto q(const std::string& role) { return pgpx::quote_identifier(role); }

const std::vector<route>& routes() {
  static const std::vector<route> all = {
      {"set after a block comment", [](auto& c, auto&) { c.execute("/* tenant */ set search_path = pg_catalog"); }},
      {"set after a line comment", [](auto& c, auto&) { c.execute("-- tenant\nSET search_path TO pg_catalog"); }},
      {"set as a script", [](auto& c, auto&) { c.execute_script("select 1; set search_path = pg_catalog; select 2"); }},
      {"set through a DO block",
       [](auto& c, auto&) {
         c.execute_script("do $$ begin perform set_config('search_path', 'pg_catalog', false); end $$");
       }},
      {"set_config in a select",
       [](auto& c, auto&) {
         (void)c.template query_value<std::string>("select set_config('search_path', 'pg_catalog', false)");
       }},
      {"set_config qualified with pg_catalog",
       [](auto& c, auto&) {
         (void)c.template query_value<std::string>("select pg_catalog.set_config($1, $2, false)", "app.tenant", "42");
       }},
      {"set_config in a subquery",
       [](auto& c, auto&) {
         (void)c.template query_value<std::int64_t>(
             "select count(*) from (select set_config('app.tenant', '7', false)) s");
       }},
      {"a function that sets", [](auto& c, auto&) { (void)c.template query_value<int>("select change_path()"); }},
      {"a function in from",
       [](auto& c, auto&) { (void)c.template query_value<int>("select * from public.change_path()"); }},
      {"a procedure", [](auto& c, auto&) { c.execute("call change_path_proc()"); }},
      {"a function that creates a temp table",
       [](auto& c, auto&) { (void)c.template query_value<int>("select make_temp()"); }},
      {"a trigger that changes a reported setting",
       [](auto& c, auto&) { c.execute("insert into zoned values ($1)", 1); }},
      {"set role behind a comment", [](auto& c, auto& r) { c.execute_script("/* x */ set role " + q(r)); }},
      {"set session authorization", [](auto& c, auto& r) { c.execute_script("set session authorization " + q(r)); }},
      {"role through set_config",
       [](auto& c, auto& r) { (void)c.template query_value<std::string>("select set_config('role', $1, false)", r); }},
      {"set timezone", [](auto& c, auto&) { c.execute_script("set time zone 'Asia/Tokyo'"); }},
      {"temp table", [](auto& c, auto&) { c.execute_script("create temporary table tt (x int)"); }},
      {"temp table after a comment", [](auto& c, auto&) { c.execute_script("/* c */ CREATE TEMP TABLE tt (x int)"); }},
      {"select into temp", [](auto& c, auto&) { c.execute_script("select 1 as x into temp tt"); }},
      {"create table in pg_temp", [](auto& c, auto&) { c.execute_script("create table pg_temp.tt (x int)"); }},
      {"create temp table as", [](auto& c, auto&) { c.execute_script("create temp table tt as select 1 as x"); }},
      {"prepare behind a comment", [](auto& c, auto&) { c.execute_script("/**/prepare mine as select 1"); }},
      {"advisory lock",
       [](auto& c, auto&) { (void)c.template query_value<std::string>("select pg_advisory_lock(7)::text"); }},
      {"advisory lock in from",
       [](auto& c, auto&) { (void)c.template query_value<bool>("select * from pg_catalog.pg_try_advisory_lock(8)"); }},
      {"shared advisory lock",
       [](auto& c, auto&) {
         (void)c.template query_value<std::string>("select pg_advisory_lock_shared($1)::text", std::int64_t{9});
       }},
      {"listen behind a comment", [](auto& c, auto&) { c.execute_script("-- events\nlisten chan"); }},
      {"cursor with hold",
       [](auto& c, auto&) { c.execute_script("begin; declare cur cursor with hold for select 1; commit"); }},
      {"set in a pipeline batch",
       [](auto& c, auto&) {
         pgpx::batch b;
         b.add("select $1::int", 1);
         b.add("/* x */ select set_config('search_path', 'pg_catalog', false)");
         (void)pgpx::run_batch(c, b);
       }},
      {"set without the statement cache",
       [](auto& c, auto&) {
         (void)c.template query_value<std::string>("/* uncached */ select set_config('app.tenant', $1, false)",
                                                   std::string("9"));
       }},
  };
  return all;
}

TEST_F(session_state_test, no_route_leaks_session_state_to_the_next_lease) {
  ASSERT_EQ(observed_state(), clean_state());
  for (const auto& r : routes()) {
    SCOPED_TRACE(r.name);
    const auto resets_before = pool_->stats().resets;
    {
      auto l = pool_->acquire();
      r.change(*l, role_);
    }
    EXPECT_EQ(observed_state(), clean_state());
    EXPECT_GT(pool_->stats().resets, resets_before);
  }
}

TEST_F(session_state_test, set_local_outside_a_transaction_changes_nothing_and_costs_no_reset) {
  const auto resets_before = pool_->stats().resets;
  {
    auto l = pool_->acquire();
    l->execute("set local search_path = pg_catalog");
    l->execute_script("set local search_path = pg_catalog; select 1");
    pgpx::batch b;
    b.add("set local search_path = pg_catalog");
    b.add("select 1");
    (void)pgpx::run_batch(*l, b);
  }
  EXPECT_EQ(observed_state(), clean_state());
  EXPECT_EQ(pool_->stats().resets, resets_before);
}

TEST_F(session_state_test, ordinary_statements_with_comments_and_builtins_cost_no_reset) {
  {
    auto l = pool_->acquire();
    l->execute("/* set search_path = x */ insert into t values ($1)", 1);
    (void)l->query_value<std::int64_t>("-- listen x\nselect count(*) from t where x > $1", 0);
    (void)l->query_value<std::string>("select lower(upper('SET ROLE')) || now()::text");
    (void)l->query_value<std::string>("select current_setting('search_path')");
    l->execute_script("begin; set local statement_timeout = '1s'; select 1; commit");
    (void)l->query_value<std::int64_t>("select count(*) from t join lateral generate_series(1, 2) g on true");
  }
  EXPECT_EQ(pool_->stats().resets, 0u);
}

TEST_F(session_state_test, a_reset_keeps_the_statement_cache) {
  {
    auto l = pool_->acquire();
    EXPECT_EQ(l->query_value<int>("select $1::int + 1", 1), 2);
    l->execute_script("set search_path = pg_catalog");
  }
  auto l = pool_->acquire();
  EXPECT_EQ(pool_->stats().resets, 1u);
  EXPECT_GE(l->cached_statements(), 1u);
  EXPECT_EQ(l->query_value<int>("select $1::int + 1", 2), 3);  // served by the cached statement
  EXPECT_EQ(l->query_value<std::string>("show search_path"), default_path_);
}

}  // namespace
