// The plugins that manage rather than store: pg_partman (partitions made, kept ahead and
// retired), hypopg (hypothetical indexes the planner uses) and pg_stat_statements (typed
// statistics), on the project's PostgreSQL 15 with Debian's packages.
#include "support/test_db.hpp"

#include <pgpx/ext/hypopg.hpp>
#include <pgpx/ext/partman.hpp>
#include <pgpx/ext/stat_statements.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/schema/ddl.hpp>
#include <pgpx/types/chrono.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;

class ops_plugins_test : public pgpx::test::db_test {};

}  // namespace

namespace partman_models {
struct pm_event {
  std::int64_t id;
  pgpx::timestamptz at;
  std::string kind;
};
struct pm_bad_key {  // the primary key (id) lacks the partition key (at)
  pgpx::key<std::int64_t> id;
  pgpx::timestamptz at;
};
struct pm_by_kind {  // list-partitioned: not what pg_partman manages
  std::int64_t id;
  std::string kind;
};
}  // namespace partman_models

template <>
struct pgpx::model<partman_models::pm_event> {
  static constexpr auto primary_key = pgpx::key_of(&partman_models::pm_event::id, &partman_models::pm_event::at);
  static constexpr auto partition_by = pgpx::partition_by_range(&partman_models::pm_event::at);
};
template <>
struct pgpx::model<partman_models::pm_bad_key> {
  static constexpr auto partition_by = pgpx::partition_by_range(&partman_models::pm_bad_key::at);
};
template <>
struct pgpx::model<partman_models::pm_by_kind> {
  static constexpr auto partition_by = pgpx::partition_by_list(&partman_models::pm_by_kind::kind);
};

namespace {

using partman_models::pm_bad_key;
using partman_models::pm_by_kind;
using partman_models::pm_event;

TEST_F(ops_plugins_test, partman_makes_keeps_and_retires_partitions) {
  cx().execute_script(
      "create schema partman; create extension pg_partman schema partman;"
      "create table events (id bigint, at timestamptz not null) partition by range (at)");
  pgpx::partman::create_parent(cx(), "public.events", "at", "1 day", {.premake = 3, .start_partition = "2024-01-01"});
  auto parts = pgpx::partman::partitions(cx(), "public.events");
  ASSERT_GE(parts.size(), 4U);
  EXPECT_EQ(parts.front(), "public.events_p2024_01_01");
  // Rows land in their day's partition.
  cx().execute("insert into events values (1, '2024-01-01 10:00+00'), (2, '2024-01-02 10:00+00')");
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from events_p2024_01_02"), 1);
  // Retention: maintenance drops partitions older than it.
  pgpx::partman::set_retention(cx(), "public.events", "30 days", false);
  pgpx::partman::run_maintenance(cx(), std::string("public.events"));
  parts = pgpx::partman::partitions(cx(), "public.events");
  EXPECT_EQ(std::count(parts.begin(), parts.end(), "public.events_p2024_01_01"), 0);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from events where id = 1"), 0);
  // Misuse is refused before the server sees it, or named.
  EXPECT_THROW(pgpx::partman::create_parent(cx(), "events", "at", "1 day"), pgpx::usage_error);
  EXPECT_THROW(pgpx::partman::set_retention(cx(), "public.nothing", "1 day", true), pgpx::usage_error);
}

TEST_F(ops_plugins_test, partman_takes_a_partitioned_parent_declared_by_a_model) {
  cx().execute_script("create schema partman; create extension pg_partman schema partman");
  pgpx::schema::create(cx(), pgpx::models<pm_event, pm_by_kind>);
  EXPECT_EQ(cx().query_value<std::string>("select pg_get_partkeydef('pm_events'::regclass)"), "RANGE (at)");
  EXPECT_EQ(cx().query_value<std::string>("select pg_get_partkeydef('pm_by_kinds'::regclass)"), "LIST (kind)");
  pgpx::partman::create_parent_for<pm_event>(cx(), "1 day", {.premake = 2, .start_partition = "2024-03-01"});
  const auto parts = pgpx::partman::partitions(cx(), "public.pm_events");
  ASSERT_GE(parts.size(), 3U);
  EXPECT_EQ(parts.front(), "public.pm_events_p2024_03_01");
  // Rows written through the ORM land in their day's partition.
  const auto day2 = pgpx::timestamptz(std::chrono::sys_days(std::chrono::year{2024} / 3 / 2) + std::chrono::hours(9));
  pgpx::insert(cx(), pm_event{7, day2, "click"});
  EXPECT_EQ(cx().query_value<std::int64_t>("select id from pm_events_p2024_03_02"), 7);
  // Not a range on one member: refused before anything is sent, naming the model.
  try {
    pgpx::partman::create_parent_for<pm_by_kind>(cx(), "1 day");
    ADD_FAILURE() << "a list-partitioned model was accepted";
  } catch (const pgpx::usage_error& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("create_parent_for<"));
    EXPECT_THAT(e.what(), testing::HasSubstr("pm_by_kind>: pg_partman manages a table partitioned by range"));
  }
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from partman.part_config"), 1);
  // A primary key without the partition key is PostgreSQL's error; the model names it first
  // and nothing is created.
  try {
    pgpx::schema::create(cx(), pgpx::models<pm_bad_key>);
    ADD_FAILURE() << "a primary key without the partition key was accepted";
  } catch (const pgpx::usage_error& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("the primary key (id) must contain the partition key (at)"));
  }
  EXPECT_FALSE(cx().query_value<bool>("select to_regclass('pm_bad_keys') is not null"));
}

TEST_F(ops_plugins_test, hypopg_indexes_change_plans_without_being_built) {
  cx().execute_script(
      "create extension hypopg;"
      "create table orders (id bigint, customer_id bigint, total numeric);"
      "insert into orders select g, g % 5000, g from generate_series(1, 50000) g; analyze orders");
  const auto plan = [&] {
    const auto lines = cx().query<std::string>("explain select * from orders where customer_id = 42");
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    return all;
  };
  EXPECT_THAT(plan(), HasSubstr("Seq Scan"));
  const auto ix = pgpx::hypopg::create_index(cx(), "create index on orders (customer_id)");
  EXPECT_NE(ix.indexrelid, 0U);
  EXPECT_THAT(plan(), HasSubstr(ix.name));  // the planner would use it
  const auto all = pgpx::hypopg::list(cx());
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].table_name, "orders");
  EXPECT_THAT(all[0].definition, HasSubstr("(customer_id)"));
  EXPECT_GT(all[0].estimated_bytes, 0);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pg_indexes where tablename = 'orders'"), 0);
  EXPECT_TRUE(pgpx::hypopg::drop_index(cx(), ix.indexrelid));
  EXPECT_FALSE(pgpx::hypopg::drop_index(cx(), ix.indexrelid));
  (void)pgpx::hypopg::create_index(cx(), "create index on orders (total)");
  pgpx::hypopg::reset(cx());
  EXPECT_TRUE(pgpx::hypopg::list(cx()).empty());
}

TEST_F(ops_plugins_test, stat_statements_are_typed_and_normalised) {
  cx().execute_script("create extension if not exists pg_stat_statements");
  pgpx::stat_statements::reset(cx());
  for (int i = 0; i < 25; ++i) (void)cx().query_value<std::int32_t>("select $1::int + 1000 as stat_probe", i);
  const auto top = pgpx::stat_statements::top(cx(), 50, pgpx::stat_statements::order::calls);
  const auto it = std::find_if(top.begin(), top.end(),
                               [](const auto& s) { return s.query.find("stat_probe") != std::string::npos; });
  ASSERT_NE(it, top.end());
  EXPECT_EQ(it->calls, 25);
  EXPECT_EQ(it->rows, 25);
  EXPECT_THAT(it->query, HasSubstr("$1"));  // normalised: no value a statement ran with
  EXPECT_EQ(it->query.find("1000"), std::string::npos) << it->query;  // constants too
  EXPECT_GE(it->total_exec_ms, 0.0);
  EXPECT_THROW((void)pgpx::stat_statements::top(cx(), 0), pgpx::usage_error);
}

}  // namespace
