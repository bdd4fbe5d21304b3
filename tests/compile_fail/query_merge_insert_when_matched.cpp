// expect: insert() follows when_not_matched(), not when_matched()
#include "query_models.inc"

#include <pgpx/query/merge.hpp>

auto f() {
  return pgpx::merge_into<author>()
      .using_<book>()
      .on(pgpx::col(&book::author_id) == pgpx::col(&author::id))
      .when_matched()
      .insert(pgpx::set(&author::name, pgpx::col(&book::title)));
}
