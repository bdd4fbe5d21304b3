// The exact DDL text of the spec's example models (spec/orm.md §1, DDL), and the order of a
// creation plan.
#include "support/orm_models.hpp"

#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ddl_partitions {
struct reading {  // hash-partitioned on two members, with a unique member in the key
  std::int64_t sensor;
  std::int64_t seq;
  double value;
};
struct shipment {  // list-partitioned; a unique member outside the key is refused
  pgpx::key<std::int64_t> id;
  std::string region;
};
struct sale {  // range-partitioned; a unique index outside the key is refused
  std::int64_t id;
  std::int32_t day;
  std::string ref;
};
}  // namespace ddl_partitions

template <>
struct pgpx::model<ddl_partitions::reading> {
  static constexpr auto primary_key = pgpx::key_of(&ddl_partitions::reading::sensor, &ddl_partitions::reading::seq);
  static constexpr auto partition_by =
      pgpx::partition_by_hash(&ddl_partitions::reading::sensor, &ddl_partitions::reading::seq);
};
template <>
struct pgpx::model<ddl_partitions::shipment> {
  static constexpr auto partition_by = pgpx::partition_by_list(&ddl_partitions::shipment::region);
};
template <>
struct pgpx::model<ddl_partitions::sale> {
  static constexpr auto primary_key = pgpx::key_of(&ddl_partitions::sale::id, &ddl_partitions::sale::day);
  static constexpr auto partition_by = pgpx::partition_by_range(&ddl_partitions::sale::day);
  static auto indexes() { return std::tuple{pgpx::index(&ddl_partitions::sale::ref).unique()}; }
};

namespace {

using namespace orm_models;

auto sqls(const std::vector<pgpx::statement<void>>& ss) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& s : ss) out.push_back(s.sql());
  return out;
}

TEST(ddl_text, book_as_the_spec_writes_it) {
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<book>()),
      (std::vector<std::string>{
          R"(create table "books" ("id" int8 generated always as identity, "author_id" int8 not null, "title" text not null, "price_cents" int4 not null, "tags" text[] not null, "meta" jsonb not null, "deleted_at" timestamptz, constraint "books_pkey" primary key ("id"), constraint "books_author_id_fkey" foreign key ("author_id") references "authors" ("id") on delete cascade))",
          R"(create index "books_author_id_title_idx" on "books" ("author_id", "title"))",
          R"(create index "books_tags_idx" on "books" using gin ("tags"))"}));
}

TEST(ddl_text, defaults_uniques_composite_keys_and_schemas) {
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<author>()),
      (std::vector<std::string>{
          R"(create table "authors" ("id" int8 generated always as identity, "name" varchar(80) not null, "email" text not null, "bio" text, "created_at" timestamptz not null default now(), constraint "authors_pkey" primary key ("id"), constraint "authors_email_key" unique ("email")))"}));
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<book_tag>()),
      (std::vector<std::string>{
          R"(create table "book_tags" ("book_id" int8, "tag_id" int8, constraint "book_tags_pkey" primary key ("book_id", "tag_id"), constraint "book_tags_book_id_fkey" foreign key ("book_id") references "books" ("id"), constraint "book_tags_tag_id_fkey" foreign key ("tag_id") references "tags" ("id")))"}));
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<order_line>()),
      (std::vector<std::string>{
          R"(create table "shop"."order_lines" ("order_id" int8, "line_no" int4, "sku" text not null, "qty" int4 not null, "row_version" int8 not null default 1, constraint "order_lines_pkey" primary key ("order_id", "line_no"), constraint "order_lines_order_id_sku_key" unique ("order_id", "sku")))",
          R"(create unique index "lines_by_sku" on "shop"."order_lines" ("sku") include ("qty"))"}));
  EXPECT_EQ(pgpx::schema::drop_table<order_line>({.if_exists = true, .cascade = true}).sql(),
            R"(drop table if exists "shop"."order_lines" cascade)");
}

TEST(ddl_text, enum_types_come_first_and_are_created_and_dropped_once) {
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<person>()),
      (std::vector<std::string>{
          R"(create type "mood" as enum ('sad', 'ok', 'happy'))",
          R"(create table "persons" ("id" int8 generated always as identity, "current" mood not null, "history" mood[] not null, "tomorrow" mood, constraint "persons_pkey" primary key ("id")))"}));
  EXPECT_EQ(sqls(pgpx::schema::drop_plan({&pgpx::model_info<person>()}, {.if_exists = true})),
            (std::vector<std::string>{R"(drop table if exists "persons")", R"(drop type if exists "mood")"}));
}

TEST(ddl_text, a_creation_plan_puts_referenced_tables_first_whatever_the_order_given) {
  const auto plan = pgpx::schema::creation_plan({&pgpx::model_info<book_tag>(), &pgpx::model_info<book>(),
                                                 &pgpx::model_info<tag>(), &pgpx::model_info<author>()});
  std::vector<std::string> tables;
  for (const auto& s : plan)
    if (s.sql().rfind("create table ", 0) == 0) tables.push_back(s.sql().substr(13, s.sql().find(' ', 13) - 13));
  ASSERT_EQ(tables.size(), 4u);
  auto pos = [&](const std::string& t) { return std::find(tables.begin(), tables.end(), t) - tables.begin(); };
  EXPECT_LT(pos("\"authors\""), pos("\"books\""));
  EXPECT_LT(pos("\"books\""), pos("\"book_tags\""));
  EXPECT_LT(pos("\"tags\""), pos("\"book_tags\""));
  const auto drops = pgpx::schema::drop_plan({&pgpx::model_info<author>(), &pgpx::model_info<book>()});
  ASSERT_EQ(drops.size(), 2u);
  EXPECT_EQ(drops[0].sql(), R"(drop table "books")");  // the referencing table first
}

TEST(ddl_text, a_partitioned_model_says_how_and_its_unique_keys_must_hold_the_partition_key) {
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<ddl_partitions::reading>()),
      (std::vector<std::string>{
          R"(create table "readings" ("sensor" int8, "seq" int8, "value" float8 not null, constraint "readings_pkey" primary key ("sensor", "seq")) partition by hash ("sensor", "seq"))"}));
  const auto refused = [](auto make, const std::string& part) {
    try {
      (void)make();
      ADD_FAILURE() << "accepted; expected: " << part;
    } catch (const pgpx::usage_error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  refused([] { return pgpx::schema::create_table<ddl_partitions::shipment>(); },
          "the primary key (id) must contain the partition key (region)");
  refused([] { return pgpx::schema::create_table<ddl_partitions::sale>(); },
          "the unique index sales_ref_idx (ref) must contain the partition key (day)");
}

}  // namespace
