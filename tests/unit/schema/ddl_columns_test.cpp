// The DDL of models with renamed columns (model<T>::columns()) and embedded members
// (mixins): the column names and the constraints and indexes built on them.
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ddl_columns {
struct stock {
  pgpx::identity<std::int64_t> id;
  pgpx::unique<std::string> sku;
  std::int32_t qty;
};
struct article {
  pgpx::identity<std::int64_t> id;
  std::string title;
  pgpx::timestamps ts;
  pgpx::soft_delete sd;
};
}  // namespace ddl_columns

template <>
struct pgpx::model<ddl_columns::stock> {
  static auto columns() {
    return std::tuple{pgpx::rename(&ddl_columns::stock::qty, "quantity"),
                      pgpx::rename(&ddl_columns::stock::sku, "Stock Keeping Unit")};
  }
  static auto indexes() { return std::tuple{pgpx::index(&ddl_columns::stock::qty)}; }
};
template <>
struct pgpx::model<ddl_columns::article> {
  static auto columns() {
    return std::tuple{pgpx::rename(&ddl_columns::article::ts, &pgpx::timestamps::updated_at, "changed_at")};
  }
  static auto uniques() { return std::tuple{pgpx::unique_of(&ddl_columns::article::title, &ddl_columns::article::id)}; }
};

namespace {

auto sqls(const std::vector<pgpx::statement<void>>& ss) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& s : ss) out.push_back(s.sql());
  return out;
}

TEST(ddl_columns, renamed_columns_are_created_quoted_and_name_their_constraints_and_indexes) {
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<ddl_columns::stock>()),
      (std::vector<std::string>{
          R"(create table "stocks" ("id" int8 generated always as identity, "Stock Keeping Unit" text not null, "quantity" int4 not null, constraint "stocks_pkey" primary key ("id"), constraint "stocks_Stock Keeping Unit_key" unique ("Stock Keeping Unit")))",
          R"(create index "stocks_quantity_idx" on "stocks" ("quantity"))"}));
}

TEST(ddl_columns, a_mixins_members_are_created_in_its_place_with_their_defaults) {
  EXPECT_EQ(
      sqls(pgpx::schema::create_table<ddl_columns::article>()),
      (std::vector<std::string>{
          R"(create table "articles" ("id" int8 generated always as identity, "title" text not null, "created_at" timestamptz not null default now(), "changed_at" timestamptz not null default now(), "deleted_at" timestamptz, constraint "articles_pkey" primary key ("id"), constraint "articles_title_id_key" unique ("title", "id")))"}));
}

}  // namespace
