// expect: ddl_needs_constants<
// expect: a DDL fact cannot hold a bound value
// A partial index's condition with pgpx::val (a bound value) cannot be DDL.
#include "query_models.inc"

#include <pgpx/query/expr.hpp>

#include <tuple>

template <>
struct pgpx::model<book> {
  static auto indexes() {
    return std::tuple{pgpx::index(&book::title).where(pgpx::col(&book::price_cents) > pgpx::val(0))};
  }
};
