// expect: operator_not_applicable<
// expect: this operator does not apply to this value type
#include "query_models.inc"

#include <pgpx/query/select.hpp>

auto f() { return pgpx::col(&book::price_cents).strictly_left_of(5); }
