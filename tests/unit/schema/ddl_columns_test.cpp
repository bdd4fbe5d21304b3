// The DDL of models with renamed columns (model<T>::columns()) and embedded members
// (mixins): the column names and the constraints and indexes built on them.
#include <pgpx/query/ddl.hpp>
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
struct entry_log {
  pgpx::identity<std::int64_t> id;
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

template <>
struct pgpx::model<ddl_columns::entry_log> {
  using E = ddl_columns::entry_log;
  static auto checks() {
    return std::tuple{pgpx::check<"entry_logs_in_order">(pgpx::col(&E::ts, &pgpx::timestamps::updated_at) >=
                                                         pgpx::col(&E::ts, &pgpx::timestamps::created_at))};
  }
  static auto indexes() {
    return std::tuple{pgpx::index(&E::id).where(pgpx::col(&E::sd, &pgpx::soft_delete::deleted_at).is_null())};
  }
};

namespace {

// A mixin's column is a constant expression, as any column: DDL facts take it, and a bound
// value next to it is refused at compile time (ddl_needs_constants), not only when the
// description is built.
static_assert(pgpx::query::detail::constness_of<decltype(pgpx::col(&ddl_columns::entry_log::ts,
                                                                   &pgpx::timestamps::created_at))>() ==
              pgpx::query::detail::constness::constant);
static_assert(
    pgpx::query::detail::constness_of<decltype(pgpx::col(&ddl_columns::entry_log::ts, &pgpx::timestamps::created_at) >=
                                               pgpx::timestamptz{})>() == pgpx::query::detail::constness::bound);

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

TEST(ddl_columns, checks_and_partial_indexes_read_a_mixins_columns) {
  const auto all = sqls(pgpx::schema::create_table<ddl_columns::entry_log>());
  std::string joined;
  for (const auto& s : all) joined += s + "\n";
  EXPECT_NE(joined.find(R"(constraint "entry_logs_in_order" check ("updated_at" >= "created_at"))"), std::string::npos)
      << joined;
  EXPECT_NE(joined.find(R"(create index "entry_logs_id_idx" on "entry_logs" ("id") where ("deleted_at" is null))"),
            std::string::npos)
      << joined;
}

}  // namespace
