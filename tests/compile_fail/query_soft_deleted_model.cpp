// expect: soft_deleted_model<book>
// expect: this model is soft-deleted
#include "query_models.inc"

#include <pgpx/query/modify.hpp>

auto f() { return pgpx::delete_from<book>().where(pgpx::col(&book::id) == 1).statement(); }
