// pgpx/query/ddl.hpp: DDL facts of pgpx::model<T> that hold builder expressions (spec/orm.md D2).
//
//   template <> struct pgpx::model<order_line> {
//     static auto checks() { return std::tuple{
//         pgpx::check<"qty_fits">(pgpx::col(&order_line::qty) <= pgpx::lit<1000>)}; }
//     static auto indexes() { return std::tuple{
//         pgpx::index(pgpx::lower(pgpx::col(&order_line::sku))).unique()
//             .where(pgpx::col(&order_line::qty) > pgpx::lit<0>),
//         pgpx::index(&order_line::order_id).include(&order_line::sku).name("lines_by_order")}; }
//   };
//   // create table "order_lines" (..., constraint "qty_fits" check ("qty" <= 1000))
//   // create unique index "order_lines_lower_idx" on "order_lines" (lower("sku")) where ("qty" > 0)
//
// DDL takes no parameters, so the values in these expressions are compile-time constants
// written as SQL literals (pgpx::lit<1000>, pgpx::lit<"text">, pgpx::lit<true>). An expression
// whose type says it holds a bound value (a C++ value such as `> 0`, pgpx::val) does not
// compile: the first diagnostic line names `pgpx::ddl_needs_constants<fact, expression type>`.
// An expression of unknown constness (a function whose type does not say) is checked when the
// model's description is built: a bound value, a subquery, a window or a column of another
// table there is a usage_error naming the model and the fact.
//
// The description (model_info<T>()) keeps each expression as its rendered text (check_info::sql,
// index_key::expression, index_info::predicate) with the columns it reads, so that a server
// error on the constraint or index maps back to members. The expressions are evaluated once,
// when the description is first built.
#pragma once

#include <pgpx/query/expr.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/// Refusal: a DDL fact (check, index key, partial index condition) holds a bound value. DDL
/// statements take no parameters: write constants as pgpx::lit<...>.
template <fixed_string Fact, class Expression>
struct ddl_needs_constants {
  static_assert(query::detail::dependent_false_v<Expression>,
                "pgpx: a DDL fact cannot hold a bound value (DDL takes no parameters): write constants as "
                "pgpx::lit<1000> or pgpx::lit<\"text\">");
};

namespace query::detail {

/// Renders a DDL expression against the model `m` it belongs to: columns unqualified,
/// constants as literals. Throws usage_error, naming the model and `fact`, for a bound value,
/// a subquery, a window function or a column of another table.
PGPX_API auto render_ddl(const node_ptr& e, const model_description& m, std::string_view fact)
    -> pgpx::detail::ddl_rendered;

/// "check " + the constraint's name, for the refusal's first line.
template <std::size_t A, std::size_t B>
consteval auto joined(fixed_string<A> a, fixed_string<B> b) -> fixed_string<A + B - 1> {
  char buf[A + B - 1]{};
  for (std::size_t i = 0; i + 1 < A; ++i) buf[i] = a.chars[i];
  for (std::size_t i = 0; i < B; ++i) buf[A - 1 + i] = b.chars[i];
  return fixed_string<A + B - 1>(buf);
}

}  // namespace query::detail

namespace detail {

template <fixed_string Fact, class E>
auto make_ddl_expression(const E& e) -> ddl_expression {
  if constexpr (query::detail::constness_of<E>() == query::detail::constness::bound) {
    (void)sizeof(ddl_needs_constants<Fact, E>);
    return {};
  } else {
    return [n = query::detail::to_node(e)](const model_description& m) {
      return query::detail::render_ddl(n, m, Fact.view());
    };
  }
}

}  // namespace detail

/// A table CHECK constraint from a builder expression (model<T>::checks()): made by
/// pgpx::check<"name">(condition).
template <fixed_string Name>
class typed_check {
 public:
  /// Keeps the condition until the model's description renders it.
  explicit typed_check(detail::ddl_expression condition) : condition_(std::move(condition)) {}
  /// The constraint name.
  [[nodiscard]] static constexpr auto name() noexcept -> std::string_view { return Name.view(); }
  /// What model_info reads: the name, the condition's text and the columns it reads.
  [[nodiscard]] auto info(const model_description& m) const -> check_info {
    detail::ddl_rendered r = condition_(m);
    return check_info{std::string(Name.view()), std::move(r.sql), std::move(r.columns)};
  }

 private:
  detail::ddl_expression condition_;
};

/// `pgpx::check<"qty_fits">(pgpx::col(&order_line::qty) <= pgpx::lit<1000>)`: the table
/// constraint `constraint "qty_fits" check ("qty" <= 1000)`, checked by the server (a write
/// that breaks it is a constraint_error naming it and its members). The name is the
/// constraint's (at most 63 bytes). The condition is boolean and holds only columns of the
/// model and constants: a bound value does not compile (`pgpx::ddl_needs_constants`).
template <fixed_string Name, class P>
[[nodiscard]] auto check(const P& condition) -> typed_check<Name> {
  static_assert(!Name.view().empty() && Name.view().size() <= 63,
                "pgpx: a check constraint's name has 1 to 63 bytes (PostgreSQL truncates longer names)");
  if constexpr (query::detail::expression<P> && !std::is_same_v<query::detail::operand_t<P>, bool>)
    not_a_condition<query::detail::operand_t<P>>{};
  return typed_check<Name>(
      detail::make_ddl_expression<query::detail::joined(fixed_string("check "), Name), P>(condition));
}

namespace query::detail {
template <class P>
auto index_part(const P& p) -> index_decl::key_part {
  if constexpr (std::is_member_object_pointer_v<P>) {
    return index_decl::key_part{pgpx::detail::member_index(p), {}};
  } else {
    return index_decl::key_part{index_key::no_column, pgpx::detail::make_ddl_expression<"index", P>(p)};
  }
}
}  // namespace query::detail

/// An index whose key holds expressions, alone or mixed with members:
/// `pgpx::index(pgpx::lower(pgpx::col(&user::email)))` gives `create index "users_lower_idx"
/// on "users" (lower("email"))`; `pgpx::index(&t::a, pgpx::lower(pgpx::col(&t::b)))` a mixed
/// key. The builder methods are those of an index over members (.unique(), .where(...),
/// .include(...), .using_(...), .name(...)). Expressions hold only columns of the model and
/// constants (pgpx::lit): a bound value does not compile (`pgpx::ddl_needs_constants`).
template <class... P>
  requires(sizeof...(P) > 0 && (... || !std::is_member_object_pointer_v<P>))
[[nodiscard]] auto index(const P&... parts) -> index_decl {
  return index_decl(std::vector<index_decl::key_part>{query::detail::index_part(parts)...});
}

}  // namespace pgpx
