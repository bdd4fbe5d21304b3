// expect: never_null<
// expect: is_null() here is always false
#include "query_models.inc"

#include <pgpx/query/select.hpp>

auto f() { return pgpx::select<book>().where(pgpx::col(&book::title).is_null()); }
