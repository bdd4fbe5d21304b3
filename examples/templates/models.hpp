// examples/templates/models.hpp: the row types the example's templates return.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct book {
  std::int64_t id;
  std::string title;
  std::vector<std::string> tags;
  std::optional<std::string> author;
};
