// expect: ddl_needs_constants<
// expect: a DDL fact cannot hold a bound value
// An index key holding a C++ value cannot be DDL.
#include "query_models.inc"

#include <pgpx/query/expr.hpp>

#include <tuple>

template <>
struct pgpx::model<book> {
  static auto indexes() { return std::tuple{pgpx::index(pgpx::coalesce(pgpx::col(&book::title), "none"))}; }
};
