// The example models of spec/orm.md §0, shared by the model, DDL and ORM tests.
#pragma once

#include <pgpx/model/model.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace orm_models {

struct author {
  pgpx::identity<std::int64_t> id;
  pgpx::varchar<80> name;
  pgpx::unique<std::string> email;
  std::optional<std::string> bio;
  pgpx::server_default<pgpx::timestamptz, "now()"> created_at;
};
struct book {
  pgpx::identity<std::int64_t> id;
  pgpx::references<&author::id, pgpx::on_delete::cascade> author_id;
  std::string title;
  std::int32_t price_cents;
  std::vector<std::string> tags;
  nlohmann::json meta;
  pgpx::deleted_at deleted_at;
};
struct tag {
  pgpx::identity<std::int64_t> id;
  pgpx::unique<std::string> name;
};
struct book_tag {
  pgpx::key<pgpx::references<&book::id>> book_id;
  pgpx::key<pgpx::references<&tag::id>> tag_id;
};
struct category {
  pgpx::identity<std::int64_t> id;
  std::optional<pgpx::references<&category::id>> parent_id;
  std::string name;
};
struct job {
  pgpx::identity<std::int64_t> id;
  std::string queue;
  nlohmann::json payload;
  pgpx::server_default<pgpx::timestamptz, "now()"> run_at;
  std::optional<pgpx::timestamptz> done_at;
};
struct job_archive {
  pgpx::key<std::int64_t> id;
  std::string queue;
  nlohmann::json payload;
  std::optional<pgpx::timestamptz> done_at;
};
struct sale {
  pgpx::identity<std::int64_t> id;
  std::string region, product;
  std::int32_t year;
  pgpx::numeric amount;
};
enum class mood { sad, ok, happy };
struct person {
  pgpx::identity<std::int64_t> id;
  mood current;
  std::vector<mood> history;
  std::optional<mood> tomorrow;
};

struct order_line {
  std::int64_t order_id;
  std::int32_t line_no;
  std::string sku;
  std::int32_t qty;
  pgpx::version<> row_version;
};

}  // namespace orm_models

template <>
struct pgpx::model<orm_models::job_archive> {
  static constexpr std::string_view table = "jobs_archive";
};
template <>
struct pgpx::model<orm_models::book> {
  static auto indexes() {
    return std::tuple{pgpx::index(&orm_models::book::author_id, &orm_models::book::title),
                      pgpx::index(&orm_models::book::tags).using_(pgpx::gin)};
  }
};
template <>
struct pgpx::model<orm_models::order_line> {
  static constexpr std::string_view schema = "shop";
  static constexpr auto primary_key = pgpx::key_of(&orm_models::order_line::order_id, &orm_models::order_line::line_no);
  static auto uniques() {
    return std::tuple{pgpx::unique_of(&orm_models::order_line::order_id, &orm_models::order_line::sku)};
  }
  static auto indexes() {
    return std::tuple{
        pgpx::index(&orm_models::order_line::sku).unique().include(&orm_models::order_line::qty).name("lines_by_sku")};
  }
};
