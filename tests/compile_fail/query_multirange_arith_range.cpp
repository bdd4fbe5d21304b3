// expect: cannot_apply<'*', pgpx::multirange<int>, pgpx::range<int>
// expect: or two ranges, or two multiranges, of one type
#include "query_models.inc"

#include <pgpx/query/select.hpp>
#include <pgpx/types/multirange.hpp>

#include <cstdint>

struct plan {
  pgpx::identity<std::int64_t> id;
  pgpx::multirange<std::int32_t> free;
};

// multirange * range: PostgreSQL has none (pgpx::to_multirange(r) first).
auto f() { return pgpx::col(&plan::free) * pgpx::range<std::int32_t>::closed_open(1, 2); }
