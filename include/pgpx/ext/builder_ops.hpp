// pgpx/ext/builder_ops.hpp: how extension plugins add operators and functions to the query
// builder (pgpx/query/expr.hpp): a typed binary operator or function call over builder
// expressions and C++ values (bound as parameters).
//
//   template <class A, class B> auto similarity(const A& a, const B& b) {
//     return pgpx::ext::call<float, false>("similarity", a, b); }        // similarity(a, $1)
//   template <class A, class B> auto similar(const A& a, const B& b) {
//     return pgpx::ext::binary<bool>(" % ", a, b); }                     // a % $1
//
// Operator text and function names are the plugin's own constants, never user input.
#pragma once

#include <pgpx/query/expr.hpp>

#include <string>
#include <type_traits>

namespace pgpx::ext {

/// True when any operand may be NULL (an optional member, a nullable expression).
template <class... X>
inline constexpr bool any_nullable = (query::detail::operand<X>::nullable || ...);

/// `a <op> b` of type R; nullable when an operand is (or when Nullable says so).
template <class R, bool Nullable = false, class A, class B>
[[nodiscard]] auto binary(const char* op, const A& a, const B& b) -> expr<R, Nullable || any_nullable<A, B>> {
  return expr < R, Nullable || any_nullable < A,
         B >> (query::detail::make_node(query::detail::node_kind::binary, query::detail::prec::other, op,
                                        {query::detail::to_node(a), query::detail::to_node(b)}));
}

/// `name(args...)` of type R; nullable when an argument is (or when Nullable says so).
template <class R, bool Nullable = false, class... X>
[[nodiscard]] auto call(const char* name, const X&... args) -> expr<R, Nullable || any_nullable<X...>> {
  return expr < R, Nullable || any_nullable < X... >>
                                   (query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom,
                                                             name, {query::detail::to_node(args)...}));
}

/// A setting for the rest of transaction `tx`, through a bound `set_config(name, value, true)`.
template <class Tx>
void set_local(Tx& tx, const char* name, const std::string& value) {
  (void)tx.template query_value<std::string>("select pg_catalog.set_config($1, $2, true)", std::string(name), value);
}

}  // namespace pgpx::ext
