// expect: projection_mismatch<
// expect: this expression cannot be read into this member
#include "query_models.inc"

#include <pgpx/query/select.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct pair_row {
  std::int32_t n;  // several arrays: the shorter are padded with NULL, so std::optional is needed
  std::optional<std::string> s;
};

auto f() { return pgpx::unnest<pair_row>("p", std::vector<std::int32_t>{1}, std::vector<std::string>{"a"}); }
