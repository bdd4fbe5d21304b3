// expect: projection_mismatch<
// expect: this expression cannot be read into this member
#include "query_models.inc"

#include <pgpx/query/select.hpp>

struct card {
  std::int64_t id;
  std::string bio;  // the column may be NULL: must be std::optional
};
auto f() { return pgpx::select<card>(pgpx::as<&card::bio>(pgpx::col(&author::bio))).from<author>(); }
