// expect: cannot_compare<
// expect: these two types cannot be compared
#include "query_models.inc"

#include <pgpx/query/select.hpp>

auto f() { return pgpx::select<book>().where(pgpx::col(&book::title) == 42); }
