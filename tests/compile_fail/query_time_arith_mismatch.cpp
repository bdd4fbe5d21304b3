// expect: cannot_apply<'+'
// expect: time arithmetic
#include "query_models.inc"

#include <pgpx/query/select.hpp>

struct event {
  pgpx::identity<std::int64_t> id;
  pgpx::timestamptz at;
};

auto f() { return pgpx::col(&event::at) + 1; }
