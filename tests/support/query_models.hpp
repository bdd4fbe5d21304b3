// The row types of spec/orm.md §4's acceptance queries (projections over the models of
// support/orm_models.hpp), shared by the builder's SQL tests, its server tests and the
// compile-time budget.
#pragma once

#include "support/orm_models.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace query_models {

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

}  // namespace query_models
