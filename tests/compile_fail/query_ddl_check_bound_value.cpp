// expect: ddl_needs_constants<
// expect: a DDL fact cannot hold a bound value
// A check constraint with a C++ value (bound as $n in a query) cannot be DDL: write pgpx::lit<1000>.
#include "query_models.inc"

#include <pgpx/query/expr.hpp>

#include <tuple>

template <>
struct pgpx::model<book> {
  static auto checks() { return std::tuple{pgpx::check<"price_fits">(pgpx::col(&book::price_cents) <= 1000)}; }
};
