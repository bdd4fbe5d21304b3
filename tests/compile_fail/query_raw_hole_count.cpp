// expect: raw_fragment_holes_do_not_match_the_arguments
#include "query_models.inc"

#include <pgpx/query/select.hpp>

auto f() { return pgpx::raw<double>("similarity({}, {})", pgpx::col(&book::title)); }
