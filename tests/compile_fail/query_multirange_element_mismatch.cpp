// expect: cannot_compare<pgpx::multirange<int>, pgpx::range<long
// expect: these two types cannot be compared
#include "query_models.inc"

#include <pgpx/query/select.hpp>
#include <pgpx/types/multirange.hpp>

#include <cstdint>

struct plan {
  pgpx::identity<std::int64_t> id;
  pgpx::multirange<std::int32_t> free;
};

// An int4multirange against an int8range.
auto f() { return pgpx::col(&plan::free).overlaps(pgpx::range<std::int64_t>::closed_open(1, 2)); }
