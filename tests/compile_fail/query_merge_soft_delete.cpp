// expect: soft_deleted_model<book>
#include "query_models.inc"

#include <pgpx/query/merge.hpp>

auto f() {
  return pgpx::merge_into<book>()
      .using_<author>()
      .on(pgpx::col(&book::author_id) == pgpx::col(&author::id))
      .when_matched()
      .delete_();
}
