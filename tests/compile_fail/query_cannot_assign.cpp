// expect: cannot_assign<
// expect: this value cannot be assigned to this member
#include "query_models.inc"

#include <pgpx/query/modify.hpp>

auto f() { return pgpx::update<book>().set(&book::title, pgpx::col(&author::bio)); }
