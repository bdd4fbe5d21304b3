// expect: cannot_compare<int, std::
// expect: these two types cannot be compared
#include "query_models.inc"

#include <pgpx/query/select.hpp>
#include <pgpx/types/range.hpp>

#include <string>

struct slot {
  pgpx::identity<std::int64_t> id;
  pgpx::range<std::int32_t> seats;
};

auto f() { return pgpx::col(&slot::seats).contains(std::string("3")); }
