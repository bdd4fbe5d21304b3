// expect: cannot_apply<'+'
// expect: this operator needs numbers on both sides
#include "query_models.inc"

#include <pgpx/query/select.hpp>

auto f() { return pgpx::col(&book::title) + 1; }
