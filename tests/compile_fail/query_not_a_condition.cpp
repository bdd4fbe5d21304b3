// expect: not_a_condition<
// expect: a condition must be a boolean expression
#include "query_models.inc"

#include <pgpx/query/select.hpp>

auto f() { return pgpx::select<book>().where(pgpx::col(&book::price_cents)); }
