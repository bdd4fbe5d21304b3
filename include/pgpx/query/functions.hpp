// pgpx/query/functions.hpp: aggregates, window functions, orderings and full-text search
// for the query builder.
//
//   pgpx::select(pgpx::col(&book::author_id), pgpx::count(), pgpx::sum(pgpx::col(&book::price_cents)))
//   pgpx::row_number().over(pgpx::partition_by(&book::author_id).order_by(pgpx::desc(&book::price_cents)))
//   pgpx::count().filter(pgpx::col(&book::price_cents) > 0)
//   pgpx::fts::to_tsvector<"english">(pgpx::col(&book::title)).matches(pgpx::fts::websearch_to_tsquery<"english">(q))
//
// Aggregates follow PostgreSQL's result types and nullability: count is NOT NULL; sum, avg,
// min and max are NULL over no rows. Thread safety and blocking: as pgpx/query/expr.hpp.
#pragma once

#include <pgpx/query/expr.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pgpx {

/// One ORDER BY item: an expression, its direction and where NULLs go.
class ordering {
 public:
  /// Ascending order of `e`.
  explicit ordering(query::detail::node_ptr e, bool desc = false) : e_(std::move(e)), desc_(desc) {}
  /// NULLs first.
  [[nodiscard]] auto nulls_first() const -> ordering {
    ordering o = *this;
    o.nulls_ = 1;
    return o;
  }
  /// NULLs last.
  [[nodiscard]] auto nulls_last() const -> ordering {
    ordering o = *this;
    o.nulls_ = 2;
    return o;
  }
  /// The ordered expression.
  [[nodiscard]] auto node() const noexcept -> const query::detail::node_ptr& { return e_; }
  /// Descending?
  [[nodiscard]] auto descending() const noexcept -> bool { return desc_; }
  /// 0: the default, 1: nulls first, 2: nulls last.
  [[nodiscard]] auto nulls() const noexcept -> int { return nulls_; }

 private:
  query::detail::node_ptr e_;
  bool desc_ = false;
  int nulls_ = 0;
};

namespace query::detail {
/// The node of an ORDER BY item.
PGPX_API auto ordering_node(const ordering& o) -> node_ptr;
/// `rows|range between start and end`, the bounds checked against PostgreSQL's forms.
PGPX_API auto frame_text(std::string_view kind, std::string_view start, std::string_view end) -> std::string;
template <class X>
auto to_ordering_node(const X& x) -> node_ptr {
  if constexpr (std::is_member_object_pointer_v<X>) return pgpx::col(x).node();
  else if constexpr (requires { x.output_name_node(); }) return x.output_name_node();
  else return x.node();
}
}  // namespace query::detail

/// Ascending: `pgpx::asc(&book::title)` or `pgpx::asc(expr)`.
template <class X>
[[nodiscard]] auto asc(const X& x) -> ordering {
  return ordering(query::detail::to_ordering_node(x), false);
}
/// Descending: `pgpx::desc(&book::price_cents)` or `pgpx::desc(expr)`.
template <class X>
[[nodiscard]] auto desc(const X& x) -> ordering {
  return ordering(query::detail::to_ordering_node(x), true);
}

/// A window: `pgpx::partition_by(&book::author_id).order_by(pgpx::desc(&book::price_cents))`.
class window {
 public:
  window() : spec_(std::make_shared<query::detail::window_spec>()) {}
  /// Adds PARTITION BY items (members or expressions).
  template <class... X>
  [[nodiscard]] auto partition_by(const X&... xs) const -> window {
    window w = copy();
    (w.spec_->partition.push_back(query::detail::to_ordering_node(xs)), ...);
    return w;
  }
  /// Adds ORDER BY items (members, expressions, asc()/desc()).
  template <class... X>
  [[nodiscard]] auto order_by(const X&... xs) const -> window {
    window w = copy();
    (w.spec_->order.push_back(order_node(xs)), ...);
    return w;
  }
  /// `rows between <start> and <end>`: each of "unbounded preceding", "current row",
  /// "unbounded following", or N preceding/following (use pgpx::preceding(n)).
  [[nodiscard]] auto rows_between(std::string_view start, std::string_view end) const -> window {
    return frame("rows", start, end);
  }
  /// `range between <start> and <end>`.
  [[nodiscard]] auto range_between(std::string_view start, std::string_view end) const -> window {
    return frame("range", start, end);
  }
  /// The window's description.
  [[nodiscard]] auto spec() const noexcept -> const std::shared_ptr<query::detail::window_spec>& { return spec_; }

 private:
  [[nodiscard]] auto copy() const -> window {
    window w;
    *w.spec_ = *spec_;
    return w;
  }
  [[nodiscard]] auto frame(std::string_view kind, std::string_view start, std::string_view end) const -> window {
    window w = copy();
    w.spec_->frame = query::detail::frame_text(kind, start, end);
    return w;
  }
  template <class X>
  static auto order_node(const X& x) -> query::detail::node_ptr {
    if constexpr (std::is_same_v<X, ordering>) return query::detail::ordering_node(x);
    else return query::detail::to_ordering_node(x);
  }
  std::shared_ptr<query::detail::window_spec> spec_;
};
/// Frame bounds for rows_between / range_between.
inline constexpr std::string_view unbounded_preceding = "unbounded preceding";
inline constexpr std::string_view current_row = "current row";  ///< the current row
inline constexpr std::string_view unbounded_following = "unbounded following";  ///< to the partition's end

/// A window partitioned by members or expressions.
template <class... X>
[[nodiscard]] auto partition_by(const X&... xs) -> window {
  return window().partition_by(xs...);
}

/**
 * An aggregate or window function call: an expression that also takes `.filter(pred)`
 * (aggregates) and `.over(window)` (window functions and aggregates used as windows).
 */
template <class V, bool Nullable>
class func_expr : public expr<V, Nullable> {
 public:
  using expr<V, Nullable>::expr;
  /// `f(...) filter (where pred)`.
  template <class P>
  [[nodiscard]] auto filter(const P& pred) const -> func_expr {
    if constexpr (!std::is_same_v<query::detail::operand_t<P>, bool>) not_a_condition<query::detail::operand_t<P>>{};
    auto n = std::make_shared<query::detail::node>(*this->node_);
    n->filter = pred.node();
    return func_expr(std::move(n));
  }
  /// `f(...) over (window)`.
  [[nodiscard]] auto over(const window& w) const -> expr<V, Nullable> {
    auto n = std::make_shared<query::detail::node>(*this->node_);
    n->over = w.spec();
    return expr<V, Nullable>(std::move(n));
  }
};

namespace query::detail {
template <class V, bool N>
auto call(std::string name, std::vector<node_ptr> args, bool distinct = false) -> func_expr<V, N> {
  auto n = std::make_shared<node>();
  n->kind = node_kind::call;
  n->text = std::move(name);
  n->kids = std::move(args);
  n->distinct = distinct;
  return func_expr<V, N>(std::move(n));
}
template <class V>
using sum_t = std::conditional_t<std::is_integral_v<V> && sizeof(V) <= 4, std::int64_t,
                                 std::conditional_t<std::is_floating_point_v<V>, V, pgpx::numeric>>;
template <class V>
using avg_t = std::conditional_t<std::is_floating_point_v<V>, double, pgpx::numeric>;
}  // namespace query::detail

/// `count(*)`.
[[nodiscard]] inline auto count() -> func_expr<std::int64_t, false> {
  return query::detail::call<std::int64_t, false>(
      "count", {query::detail::make_node(query::detail::node_kind::sql, query::detail::prec::atom, "*")});
}
/// `count(e)`: the non-NULL values.
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto count(const E& e) -> func_expr<std::int64_t, false> {
  return query::detail::call<std::int64_t, false>("count", {e.node()});
}
/// `count(distinct e)`.
template <class E>
[[nodiscard]] auto count_distinct(const E& e) -> func_expr<std::int64_t, false> {
  return query::detail::call<std::int64_t, false>("count", {e.node()}, true);
}
/// `sum(e)`: int8 for int2/int4, numeric for int8 and numeric, the same for floats.
template <class E>
[[nodiscard]] auto sum(const E& e) {
  using V = query::detail::operand_t<E>;
  if constexpr (!query::detail::is_number<V>) cannot_apply<'+', V, V>{};
  return query::detail::call<query::detail::sum_t<V>, true>("sum", {e.node()});
}
/// `avg(e)`: numeric for integers and numeric, double for floats.
template <class E>
[[nodiscard]] auto avg(const E& e) {
  using V = query::detail::operand_t<E>;
  if constexpr (!query::detail::is_number<V>) cannot_apply<'+', V, V>{};
  return query::detail::call<query::detail::avg_t<V>, true>("avg", {e.node()});
}
/// `min(e)`.
template <class E>
[[nodiscard]] auto min(const E& e) {
  return query::detail::call<query::detail::operand_t<E>, true>("min", {e.node()});
}
/// `max(e)`.
template <class E>
[[nodiscard]] auto max(const E& e) {
  return query::detail::call<query::detail::operand_t<E>, true>("max", {e.node()});
}
/// `string_agg(e, separator)` (text; the separator is bound).
template <class E>
[[nodiscard]] auto string_agg(const E& e, std::string separator) {
  if constexpr (query::detail::family_of<query::detail::operand_t<E>>() != query::detail::family::text)
    operator_not_applicable<"string_agg", query::detail::operand_t<E>>{};
  return query::detail::call<std::string, true>("string_agg", {e.node(), query::detail::value_node(separator)});
}
/// `array_agg(e)`.
template <class E>
[[nodiscard]] auto array_agg(const E& e) {
  return query::detail::call<std::vector<query::detail::operand_t<E>>, true>("array_agg", {e.node()});
}
/// `json_agg(e)`.
template <class E>
[[nodiscard]] auto json_agg(const E& e) {
  return query::detail::call<nlohmann::json, true>("json_agg", {e.node()});
}
/// `range_agg(r)`: the union of the ranges (or multiranges) as a multirange (NULL over no rows).
template <class E>
[[nodiscard]] auto range_agg(const E& e) {
  using V = query::detail::operand_t<E>;
  if constexpr (!query::detail::is_range_like<V>) operator_not_applicable<"range_agg", V>{};
  return query::detail::call<pgpx::multirange<query::detail::range_like_element_t<V>>, true>("range_agg", {e.node()});
}
/// `range_intersect_agg(r)`: the intersection of the ranges (or multiranges), of their type
/// (NULL over no rows).
template <class E>
[[nodiscard]] auto range_intersect_agg(const E& e) {
  using V = query::detail::operand_t<E>;
  if constexpr (!query::detail::is_range_like<V>) operator_not_applicable<"range_intersect_agg", V>{};
  return query::detail::call<V, true>("range_intersect_agg", {e.node()});
}
/// `row_number()` (a window function: use .over()).
[[nodiscard]] inline auto row_number() -> func_expr<std::int64_t, false> {
  return query::detail::call<std::int64_t, false>("row_number", {});
}
/// `rank()` (a window function).
[[nodiscard]] inline auto rank() -> func_expr<std::int64_t, false> {
  return query::detail::call<std::int64_t, false>("rank", {});
}
/// `dense_rank()` (a window function).
[[nodiscard]] inline auto dense_rank() -> func_expr<std::int64_t, false> {
  return query::detail::call<std::int64_t, false>("dense_rank", {});
}
/// `lag(e)` (a window function; NULL on the first row).
template <class E>
[[nodiscard]] auto lag(const E& e) {
  return query::detail::call<query::detail::operand_t<E>, true>("lag", {e.node()});
}
/// `lead(e)` (a window function; NULL on the last row).
template <class E>
[[nodiscard]] auto lead(const E& e) {
  return query::detail::call<query::detail::operand_t<E>, true>("lead", {e.node()});
}
/// `first_value(e)` (a window function).
template <class E>
[[nodiscard]] auto first_value(const E& e) {
  return query::detail::call<query::detail::operand_t<E>, E::nullable>("first_value", {e.node()});
}

/// `grouping(a, b, ...)`: the bit mask of GROUPING SETS (int4).
template <class... X>
[[nodiscard]] auto grouping(const X&... xs) -> expr<std::int32_t> {
  return expr<std::int32_t>(query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom,
                                                     "grouping", {query::detail::to_ordering_node(xs)...}));
}

/// One grouping set: `pgpx::group(&sale::region, &sale::product)`; `pgpx::group()` is ().
template <class... X>
[[nodiscard]] auto group(const X&... xs) -> expr<bool> {
  return expr<bool>(query::detail::make_node(query::detail::node_kind::row, query::detail::prec::atom, "",
                                             {query::detail::to_ordering_node(xs)...}));
}
namespace query::detail {
template <class... G>
auto grouping_construct(const char* name, const G&... gs) -> expr<bool> {
  auto n = make_node(node_kind::call, prec::atom, name, {gs.node()...});
  return expr<bool>(n);
}
}  // namespace query::detail
/// `grouping sets ((a, b), (a), ())` for group_by.
template <class... G>
[[nodiscard]] auto grouping_sets(const G&... gs) -> expr<bool> {
  return query::detail::grouping_construct("grouping sets ", gs...);
}
/// `rollup (a, b)` for group_by.
template <class... X>
[[nodiscard]] auto rollup(const X&... xs) -> expr<bool> {
  return query::detail::grouping_construct("rollup ", expr<bool>(query::detail::to_ordering_node(xs))...);
}
/// `cube (a, b)` for group_by.
template <class... X>
[[nodiscard]] auto cube(const X&... xs) -> expr<bool> {
  return query::detail::grouping_construct("cube ", expr<bool>(query::detail::to_ordering_node(xs))...);
}

/// Full-text search (PostgreSQL's tsvector/tsquery, with a configuration known at compile
/// time and written as a typed literal: `'english'::regconfig`).
namespace fts {
/// A tsvector value (only usable in the builder).
struct tsvector {};
/// A tsquery value (only usable in the builder).
struct tsquery {};

/// A tsvector expression: `doc.matches(query)` renders `doc @@ query`.
class vector_expr : public expr<tsvector, false> {
 public:
  using expr<tsvector, false>::expr;
  /// `doc @@ query`.
  template <class Q>
  [[nodiscard]] auto matches(const Q& q) const -> expr<bool> {
    static_assert(std::is_same_v<query::detail::operand_t<Q>, tsquery>, "pgpx: matches() takes a tsquery");
    return expr<bool>(query::detail::make_node(query::detail::node_kind::binary, query::detail::prec::other, " @@ ",
                                               {node(), q.node()}));
  }
};

/// `to_tsvector('cfg'::regconfig, text)`.
template <fixed_string Config, class E>
[[nodiscard]] auto to_tsvector(const E& e) -> vector_expr {
  return vector_expr(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "to_tsvector",
                               {query::detail::typed_literal(Config.view(), "regconfig"), query::detail::to_node(e)}));
}
/// `websearch_to_tsquery('cfg'::regconfig, text)` (the text is bound).
template <fixed_string Config, class E>
[[nodiscard]] auto websearch_to_tsquery(const E& e) -> expr<tsquery> {
  return expr<tsquery>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "websearch_to_tsquery",
                               {query::detail::typed_literal(Config.view(), "regconfig"), query::detail::to_node(e)}));
}
/// `plainto_tsquery('cfg'::regconfig, text)` (the text is bound).
template <fixed_string Config, class E>
[[nodiscard]] auto plainto_tsquery(const E& e) -> expr<tsquery> {
  return expr<tsquery>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "plainto_tsquery",
                               {query::detail::typed_literal(Config.view(), "regconfig"), query::detail::to_node(e)}));
}
/// `ts_rank(doc, query)` (float4).
template <class D, class Q>
[[nodiscard]] auto ts_rank(const D& doc, const Q& q) -> expr<float> {
  return expr<float>(query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "ts_rank",
                                              {doc.node(), q.node()}));
}
}  // namespace fts

}  // namespace pgpx
