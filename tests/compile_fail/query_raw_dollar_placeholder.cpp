// expect: raw_fragment_text_may_not_hold_a_dollar_placeholder_or_a_semicolon
#include "query_models.inc"

#include <pgpx/query/select.hpp>

// $1 would collide with the statement's own parameter numbers: values go in {} holes.
auto f() { return pgpx::raw<bool>("{} = $1", pgpx::col(&book::title)); }
