// expect: raw_fragment_hole_inside_quotes_or_a_comment
#include "query_models.inc"

#include <pgpx/query/select.hpp>

// The hole would be text inside the string literal, not a value.
auto f() { return pgpx::raw<bool>("{} like '%{}%'", pgpx::col(&book::title), "sql"); }
