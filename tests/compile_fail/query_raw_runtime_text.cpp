// expect: sql_text_must_be_a_literal
// expect: must be a string literal
#include "query_models.inc"

#include <pgpx/query/select.hpp>

#include <string>

auto f(const std::string& text) { return pgpx::raw<double>(text, pgpx::col(&book::title)); }
