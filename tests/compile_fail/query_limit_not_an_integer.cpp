// expect: operator_not_applicable<
// expect: this operator does not apply to this value type
#include "query_models.inc"

#include <pgpx/query/select.hpp>
#include <pgpx/query/shape.hpp>

#include <string>

// LIMIT takes an integer: a text slot does not compile.
auto f() { return pgpx::select<book>().limit(pgpx::arg<std::string>(0)); }
