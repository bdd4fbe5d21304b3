// The models of spec/orm.md §0, shared by builder20.cpp and baseline20.cpp (the compile-time
// budget of spec/orm.md D3: scripts/compile_time.sh).
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/orm/eager.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace ct {

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
  pgpx::checked<std::int32_t, pgpx::at_least<0>> price_cents;
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

struct ranked {
  std::int64_t author_id;
  std::string title;
  std::int32_t price_cents;
  std::int64_t rn;
};
struct node {
  std::int64_t id;
  std::optional<std::int64_t> parent_id;
  std::string name;
  std::int32_t depth;
};
struct hit {
  std::int64_t id;
  std::string title;
  float rank;
};
struct latest {
  std::int64_t id;
  std::string name;
  std::string title;
};
struct title_only {
  std::string title;
};
struct line {
  std::optional<std::string> region, product;
  std::optional<pgpx::numeric> total;
  std::int32_t level;
};

}  // namespace ct

template <>
struct pgpx::model<ct::job_archive> {
  static constexpr std::string_view table = "jobs_archive";
};
