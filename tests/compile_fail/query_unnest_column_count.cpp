// expect: unnest_columns_do_not_match<
// expect: needs one member per array
#include "query_models.inc"

#include <pgpx/query/select.hpp>

#include <cstdint>
#include <vector>

struct one {
  std::int32_t n;
};

// With ordinality the row needs a second (std::int64_t) member.
auto f() { return pgpx::unnest_with_ordinality<one>("t", std::vector<std::int32_t>{1}); }
