// expect: cannot_apply<'+', pgpx::range<int>, pgpx::range<long
// expect: or two ranges, or two multiranges, of one type
#include "query_models.inc"

#include <pgpx/query/select.hpp>
#include <pgpx/types/range.hpp>

#include <cstdint>

struct slot {
  pgpx::identity<std::int64_t> id;
  pgpx::range<std::int32_t> seats;
};

// int4range + int8range: PostgreSQL has no such operator.
auto f() { return pgpx::col(&slot::seats) + pgpx::range<std::int64_t>::closed_open(1, 2); }
