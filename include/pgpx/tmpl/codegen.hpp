// pgpx/tmpl/codegen.hpp: a C++ header with one typed function per declared template.
//
//   queries/users/search.sql.j2:
//     {#- pgpx
//     params:
//       status: text
//       min_age: int4?
//     returns: many User
//     -#}
//
//   generated (pgpx template gen --out queries.hpp --include models.hpp):
//     template <class Executor>
//     [[nodiscard]] inline auto users_search(const pgpx::tmpl::library& lib, Executor& ex,
//         const std::string& status, const std::optional<std::int32_t>& min_age = std::nullopt)
//         -> std::vector<User> { ... lib.query<User>(ex, "users/search", v) ... }
//
// Parameter types follow the declared PostgreSQL types (int4 -> std::int32_t, text ->
// std::string, uuid -> pgpx::uuid, timestamptz -> pgpx::timestamptz, int8[] ->
// std::vector<std::int64_t>, ident -> std::string, any -> pgpx::tmpl::value...); optional
// parameters become std::optional and move to the end with a default. `returns` picks the
// call: many T -> std::vector<T>, one T -> T, one? T -> std::optional<T>, scalar T -> T
// (a SQL type name or a C++ type), exec -> std::uint64_t (rows affected), stream T ->
// pgpx::tmpl::template_stream<T>. Templates without a header get no function. The output is
// deterministic (sorted by name) and carries a hash of the templates it came from.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/tmpl/library.hpp>

#include <string>
#include <vector>

namespace pgpx::tmpl {

/// What generate_header writes.
struct codegen_options {
  std::string namespace_name = "queries";   ///< the namespace of the generated functions
  std::vector<std::string> includes{};      ///< extra #include lines (the row types), as written
};

/**
 * Generates the header for every declared template of `lib`. Throws template_error for
 * templates that do not compile, and usage_error when two templates map to the same
 * function name or a declared row type is missing for many/one/one?/stream.
 */
[[nodiscard]] PGPX_API auto generate_header(const library& lib, const codegen_options& options = {}) -> std::string;

/// The C++ type generated for a declared parameter type ("int4" -> "std::int32_t").
[[nodiscard]] PGPX_API auto cpp_type_for(const param_declaration& p) -> std::string;

}  // namespace pgpx::tmpl
