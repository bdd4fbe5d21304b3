// pgpx/query/select.hpp: SELECT statements on models, with joins, aliases, subqueries,
// derived tables, CTEs, unnest(...) in FROM, grouping, windows, set operations, row locks
// and keyset pages.
//
//   auto v = pgpx::select<book>().where(pgpx::col(&book::price_cents) > 100)
//                .order_by(pgpx::desc(&book::price_cents)).limit(20).all(cx);   // std::vector<book>
//   auto t = pgpx::select(pgpx::col(&book::title), pgpx::count()).from<book>()
//                .group_by(&book::title).all(cx);          // std::vector<std::tuple<std::string, std::int64_t>>
//   struct card { std::int64_t id; std::string title; std::int32_t n_tags; };
//   auto c = pgpx::select<card>(pgpx::as<&card::n_tags>(pgpx::cardinality(pgpx::col(&book::tags))))
//                .from<book>().all(cx);                     // id and title taken by name from books
//
// Rows go into the model (every column, member order), a projection struct (members bound
// with as<&P::m>(e), the others taken by name from the first FROM item), a tuple (several
// expressions) or a single value (one expression). Models with pgpx::deleted_at leave
// deleted rows out (`"deleted_at" is null` last in WHERE, or in a join's ON) unless
// .with_deleted(). Values are bound in order of first appearance; identifiers are quoted.
//
// A builder is a value: every call returns a builder, copies share nothing they could
// change. Terminals run the statement on any executor (connection, transaction,
// savepoint): .all .one .optional .value .exec; .statement() gives the pgpx::statement<Row>
// the other executors (pipeline batches, async connections, streams) run; .to_sql() shows
// the SQL and its parameters. Building throws usage_error for a column whose relation is not
// in scope ("book.title is used but \"books\" is not in FROM") or a projection member no
// relation has; nothing is sent then.
#pragma once

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/result.hpp>
#include <pgpx/error.hpp>
#include <pgpx/query/expr.hpp>
#include <pgpx/query/functions.hpp>
#include <pgpx/reflect/naming.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

namespace query::detail {

struct query_data;
/// A CTE's definition: its relation (what columns and FROM items refer to) and its body.
/// Kept apart from the relation so that a recursive body, which refers to the relation,
/// does not own itself (a reference cycle would never be freed).
struct cte_def {
  relation_ptr rel;                    ///< the CTE as a relation
  std::shared_ptr<const query_data> body;  ///< its statement
  bool recursive = false;              ///< with recursive
  bool column_list = false;            ///< write `name (col, ...)`
};

/// The statements the builder makes.
enum class query_kind : std::uint8_t { select, insert, update, delete_, compound, merge };
/// A FROM item's join.
enum class join_kind : std::uint8_t { first, inner, left, right, full, cross };

/// One FROM item.
struct from_item {
  relation_ptr rel;
  join_kind join = join_kind::first;
  node_ptr on;
};
/// One select-list (or RETURNING) item: an expression and its output name, or a member
/// taken by name from the first FROM item (e empty). The names are views of the row type's
/// static names (reflect::column_names, reflect::field_names): an item copies no string.
struct select_item {
  node_ptr e;
  std::string_view name;    ///< output column name ("" for tuple items: no alias)
  std::string_view member;  ///< by name: the member to find
  bool nullable = true;    ///< a projection's member that can hold NULL (GROUPING SETS check; tuples: true)
  std::string_view field;  ///< the projection's member name, for messages
};
/// One WHEN clause of a MERGE.
struct merge_clause {
  enum class action : std::uint8_t { update, delete_, insert, nothing };
  bool matched = true;  ///< when matched / when not matched
  node_ptr condition;   ///< `and cond`, or empty
  action what = action::nothing;
  std::vector<std::pair<std::size_t, node_ptr>> sets;  ///< update: set; insert: (columns) values (...)
};

/// A keyset page: the order columns' values of the last row.
struct keyset {
  std::vector<node_ptr> values;
};

/// A statement of the builder, before rendering. Its special members are out of line:
/// builders copy it when a shared builder is changed, and inlining the copy of every member
/// into each call site costs compile time for nothing.
struct PGPX_API query_data {
  query_data();
  query_data(const query_data&);
  query_data(query_data&&) noexcept;
  auto operator=(const query_data&) -> query_data&;
  auto operator=(query_data&&) noexcept -> query_data&;
  ~query_data();

  query_kind kind = query_kind::select;
  std::vector<std::shared_ptr<const cte_def>> ctes;
  bool distinct = false;
  std::vector<node_ptr> distinct_on;
  std::vector<select_item> items;
  std::string_view row_name;  ///< the row type's name, for messages (static: a type's name or "row")
  std::vector<from_item> from;
  const relation_ptr& (*default_from)() = nullptr;  ///< select<Model>() without from(): its table
  node_ptr where;
  std::vector<node_ptr> group_by;
  node_ptr having;
  std::vector<node_ptr> order;  ///< ordering nodes
  std::vector<node_ptr> order_columns;  ///< the ordered expressions (keyset)
  std::vector<bool> order_desc;
  node_ptr limit;
  node_ptr offset;
  std::string lock;  ///< "for update", ...
  std::vector<relation_ptr> lock_of;
  std::string lock_wait;  ///< " nowait" / " skip locked"
  bool with_deleted = false;
  std::optional<keyset> after;
  // set operations
  std::vector<query_ptr> parts;
  std::vector<std::string> ops;
  // insert / update / delete
  relation_ptr target;
  relation_ptr excluded;  ///< insert: the `excluded` pseudo-table of the target
  std::vector<std::size_t> insert_columns;
  std::vector<std::vector<node_ptr>> rows;
  query_ptr insert_select;
  std::vector<std::pair<std::size_t, node_ptr>> sets;
  bool has_conflict = false;
  std::vector<std::size_t> conflict_columns;
  std::string conflict_constraint;
  bool do_nothing = false;
  std::vector<std::pair<std::size_t, node_ptr>> conflict_sets;
  node_ptr conflict_where;
  std::vector<select_item> returning;
  // merge: the source is from[0] (its `on` is the merge condition)
  std::vector<merge_clause> merge_clauses;
};

/// The SQL text, its parameters and their text forms (for to_sql).
struct rendered {
  std::string sql;
  param_list params;
  std::vector<std::string> texts;
  /// pgpx::arg slots: (parameter index, argument number), by parameter index.
  std::vector<std::pair<std::size_t, int>> slots;
};
/// Renders a statement (with the values' text forms only when `texts`, for to_sql). Throws
/// usage_error for a column out of scope or a missing member.
PGPX_API auto render(const query_data& q, bool texts = false) -> rendered;
/// A subquery node.
PGPX_API auto subquery_node(query_ptr q, std::string prefix = {}) -> node_ptr;

/// Items for a struct row: every member, taken by name (bindings fill some afterwards).
template <class Row, std::size_t... I>
constexpr auto member_nullability(std::index_sequence<I...> /*unused*/) -> std::array<bool, sizeof...(I)> {
  return {column_facts_of<reflect::field_type<I, Row>>().nullable...};
}
template <class Row>
auto struct_items() -> std::vector<select_item> {
  // Made once per Row (the names are static); each statement copies the list.
  static const std::vector<select_item> items = [] {
    std::vector<select_item> out;
    const auto& names = reflect::column_names<Row>();
    static constexpr auto nullable = member_nullability<Row>(std::make_index_sequence<reflect::field_count<Row>>{});
    out.reserve(reflect::field_count<Row>);
    for (std::size_t i = 0; i < reflect::field_count<Row>; ++i) {
      select_item it;
      it.member = reflect::field_names<Row>[i];
      it.name = names[i];
      it.nullable = nullable[i];
      it.field = reflect::field_names<Row>[i];
      out.push_back(std::move(it));
    }
    return out;
  }();
  return items;
}

template <class T>
inline constexpr bool is_tuple_v = false;
template <class... T>
inline constexpr bool is_tuple_v<std::tuple<T...>> = true;

/// Adds a condition to WHERE (and-ed with what is there).
PGPX_API void and_where(query_data& d, node_ptr cond);
/// A copy of `d` returning the columns `items` (the write builders' returning<R>()).
PGPX_API auto with_returning(const query_data& d, std::vector<select_item> items) -> std::shared_ptr<query_data>;

}  // namespace query::detail

namespace query::detail {
template <class T>
struct member_pointer_traits;
template <class C, class M>
struct member_pointer_traits<M C::*> {
  using owner = C;
  using member = M;
};
}  // namespace query::detail

/// Refusal: a projection member whose type or nullability its expression cannot fill.
template <class P, fixed_string Member, class MemberType, class ExprType>
struct projection_mismatch {
  static_assert(query::detail::dependent_false_v<P>,
                "pgpx: this expression cannot be read into this member (another type, or NULL into a "
                "member that is not std::optional)");
};

/// A projection member bound to an expression: `pgpx::as<&card::n_tags>(expr)`.
template <auto Member>
struct binding {
  query::detail::node_ptr e;  ///< the expression
  /// The output column's name as an expression (`order by "rank"`).
  [[nodiscard]] auto output_name_node() const -> query::detail::node_ptr {
    using C = typename query::detail::member_pointer_traits<decltype(Member)>::owner;
    return query::detail::make_node(query::detail::node_kind::sql, query::detail::prec::atom,
                                    quote_identifier(reflect::column_names<C>()[detail::member_index(Member)]));
  }
};

/// Binds a projection member to an expression (checked at compile time: the value type
/// and nullability must fit the member).
template <auto Member, class E>
[[nodiscard]] auto as(const E& e) -> binding<Member> {
  using traits = query::detail::member_pointer_traits<decltype(Member)>;
  using M = typename traits::member;
  using V = query::detail::operand_t<E>;
  using MV = typename query::detail::value_of<M>::type;
  constexpr bool member_nullable = column_facts_of<M>().nullable;
  constexpr bool fits = std::is_same_v<V, MV> || (query::detail::is_number<V> && query::detail::is_number<MV> &&
                                                  query::detail::family_of<V>() == query::detail::family_of<MV>());
  if constexpr (!fits || (E::nullable && !member_nullable)) projection_mismatch<typename traits::owner, "", M, V>{};
  return binding<Member>{query::detail::to_node(e)};
}

template <class Row>
class select_query;

namespace query::detail {

/// What a relation-like handle (alias, derived table, CTE) shares.
class relation_handle {
 public:
  explicit relation_handle(relation_ptr r) : rel_(std::move(r)) {}
  /// The relation.
  [[nodiscard]] auto relation() const noexcept -> const relation_ptr& { return rel_; }

 protected:
  relation_ptr rel_;
};

/// Base of the select builder: the data and the clauses that do not depend on Row.
class select_base {
 public:
  select_base() : d_(std::make_shared<query_data>()) {}
  /// The statement's data (for subqueries).
  [[nodiscard]] auto data() const noexcept -> query_ptr { return d_; }
  /// Replaces the data (pgpx::with puts CTEs in front).
  void replace_data(std::shared_ptr<query_data> d) noexcept { d_ = std::move(d); }
  /// The data, copied first when shared (builders are values).
  auto mut() -> query_data& {
    if (d_.use_count() != 1) d_ = std::make_shared<query_data>(*d_);
    return *d_;
  }

 protected:
  std::shared_ptr<query_data> d_;  // NOLINT(misc-non-private-member-variables-in-classes)
};

template <class X>
auto as_condition(const X& x) -> node_ptr {
  if constexpr (!std::is_same_v<operand_t<X>, bool>) not_a_condition<operand_t<X>>{};
  return x.node();
}

template <class X>
auto order_item_node(const X& x) -> node_ptr {
  if constexpr (std::is_same_v<X, ordering>) return ordering_node(x);
  else return to_ordering_node(x);
}
template <class X>
auto ordered_expr(const X& x) -> node_ptr {
  if constexpr (std::is_same_v<X, ordering>) return x.node();
  else return to_ordering_node(x);
}
template <class X>
auto ordered_desc(const X& x) -> bool {
  if constexpr (std::is_same_v<X, ordering>) return x.descending();
  else return false;
}

template <class Row, class Tuple>
struct tuple_row;

}  // namespace query::detail

/// An alias of a model's table, for self joins: `auto a = pgpx::alias<author>("a");`,
/// columns as `a(&author::id)`.
template <class T>
class table_alias : public query::detail::relation_handle {
 public:
  /// The alias name (quoted when rendered).
  explicit table_alias(std::string name) : relation_handle(make(std::move(name))) {}
  /// A column of this alias.
  template <class M>
  [[nodiscard]] auto operator()(M T::*mp) const {
    using V = typename query::detail::value_of<M>::type;
    return expr<V, column_facts_of<M>().nullable>(query::detail::column_node(rel_, detail::member_index(mp)));
  }
  /// A column of a member of an embedded member (a mixin): `a(&post::ts, &pgpx::timestamps::created_at)`.
  template <class M, class E, class L>
  [[nodiscard]] auto operator()(M T::*mp, L E::*leaf) const {
    static_assert(std::is_same_v<std::remove_cv_t<M>, E> && is_embedded<E>,
                  "pgpx::alias: a(&T::m, &M::x) needs m to be an embedded member (pgpx::is_embedded) of type M");
    using V = typename query::detail::value_of<L>::type;
    return expr<V, column_facts_of<L>().nullable>(query::detail::column_node(rel_, reflect::index_of(mp, leaf)));
  }
  using row_type = T;  ///< the rows' type

 private:
  static auto make(std::string name) -> query::detail::relation_ptr {
    auto r = std::make_shared<query::detail::relation>(*query::detail::model_relation<T>());
    r->name = std::move(name);
    r->aliased = true;
    query::detail::finish_relation(*r);
    return r;
  }
};
/// An alias of model T's table.
template <class T>
[[nodiscard]] auto alias(std::string name) -> table_alias<T> {
  return table_alias<T>(std::move(name));
}

/// A relation whose rows have type R (a derived table, a lateral subquery or a CTE):
/// columns as `r(&R::member)`.
template <class R>
class row_relation : public query::detail::relation_handle {
 public:
  using relation_handle::relation_handle;
  using row_type = R;  ///< the rows' type
  /// A column of this relation, by the row type's member.
  template <class M>
  [[nodiscard]] auto operator()(M R::*mp) const {
    using V = typename query::detail::value_of<M>::type;
    const std::size_t i = detail::member_index(mp);
    return expr<V, column_facts_of<M>().nullable>(query::detail::column_node(rel_, i));
  }
};

/// The result of a select as a table in FROM: `pgpx::derived("r", pgpx::select<ranked>()...)`.
template <class R>
[[nodiscard]] auto derived(std::string name, const select_query<R>& q) -> row_relation<R>;
/// A LATERAL subquery in FROM (it may use the columns of the items before it).
template <class R>
[[nodiscard]] auto lateral(std::string name, const select_query<R>& q) -> row_relation<R>;

/**
 * A common table expression of rows R: `auto tree = pgpx::cte<node>("tree");` then
 * `tree.recursive(base, step)` (with recursive), or `pgpx::cte("moved", statement)` for one
 * from a query or a data-modifying statement with RETURNING.
 */
template <class R>
class cte_table : public row_relation<R> {
 public:
  /// A CTE to be defined (by recursive()).
  explicit cte_table(std::string name) : row_relation<R>(make(std::move(name))), def_(make_def(this->rel_)) {}
  /// A CTE defined by a query (select, or insert/update/delete ... returning).
  cte_table(std::string name, query::detail::query_ptr body)
      : row_relation<R>(make(std::move(name))), def_(make_def(this->rel_)) {
    def_->body = std::move(body);
  }
  /// `with recursive name (cols) as (base union all step)`.
  template <class B, class S>
  auto recursive(const B& base, const S& step) -> cte_table& {
    auto c = std::make_shared<query::detail::query_data>();
    c->kind = query::detail::query_kind::compound;
    c->parts = {base.data(), step.data()};
    c->ops = {" union all "};
    def_->body = std::move(c);
    def_->recursive = true;
    def_->column_list = true;
    return *this;
  }
  /// The definition pgpx::with puts in front of a statement.
  [[nodiscard]] auto definition() const noexcept -> std::shared_ptr<const query::detail::cte_def> { return def_; }

 private:
  static auto make_def(const query::detail::relation_ptr& rel) -> std::shared_ptr<query::detail::cte_def> {
    auto d = std::make_shared<query::detail::cte_def>();
    d->rel = rel;
    return d;
  }
  static auto make(std::string name) -> query::detail::relation_ptr {
    auto r = std::make_shared<query::detail::relation>();
    r->kind = query::detail::relation_kind::cte;
    r->name = std::move(name);
    const auto& cols = reflect::column_names<R>();
    for (std::size_t i = 0; i < reflect::field_count<R>; ++i) {
      r->columns.push_back(cols[i]);
      r->members.emplace_back(reflect::field_names<R>[i]);
    }
    query::detail::finish_relation(*r);
    return r;
  }
  std::shared_ptr<query::detail::cte_def> def_;
};
/// A CTE of rows R, to be defined with .recursive(base, step).
template <class R>
[[nodiscard]] auto cte(std::string name) -> cte_table<R> {
  return cte_table<R>(std::move(name));
}
/// A CTE defined by a statement whose rows are Q::row_type (a select, or a write with
/// returning<R>()).
template <class Q>
[[nodiscard]] auto cte(std::string name, const Q& q) -> cte_table<typename Q::row_type> {
  return cte_table<typename Q::row_type>(std::move(name), q.data());
}

namespace query::detail {
template <class Ex, class Row>
auto run_all(Ex& ex, const statement<Row>& s) -> std::vector<Row> {
  return ex.query(s);
}
}  // namespace query::detail

/// What to_sql() shows: the SQL and each parameter's text form.
struct sql_preview {
  std::string sql;                  ///< the SQL text
  std::vector<std::string> params;  ///< $1, $2, ... as text
};

namespace query::detail {
/**
 * The terminals every builder shares: the statement, its preview, and running it for rows.
 * Self::check() refuses what must not be rendered (a compile error or usage_error).
 */
template <class Self, class Row>
class runnable : public select_base {
 public:
  using row_type = Row;  ///< what each row reads into (void: no rows)

  /// The statement (SQL, parameters, row type). Throws usage_error as the file comment says.
  [[nodiscard]] auto statement() const -> pgpx::statement<Row> {
    static_cast<const Self&>(*this).check();
    auto r = render(*d_);
    return pgpx::statement<Row>(std::move(r.sql), std::move(r.params));
  }
  /// The SQL and its parameters as text (for logs and tests).
  [[nodiscard]] auto to_sql() const -> sql_preview {
    static_cast<const Self&>(*this).check();
    auto r = render(*d_, true);
    return {std::move(r.sql), std::move(r.texts)};
  }
  /// Runs it: every row (awaitable on an async executor).
  template <class Ex>
  [[nodiscard]] auto all(Ex& ex) const {
    return ex.query(statement());
  }
  /// Runs it: exactly one row (error_kind::row_count otherwise).
  template <class Ex>
  [[nodiscard]] auto one(Ex& ex) const {
    return ex.query_one(statement());
  }
  /// Runs it: zero or one row.
  template <class Ex>
  [[nodiscard]] auto optional(Ex& ex) const {
    return ex.query_optional(statement());
  }
};
}  // namespace query::detail

/**
 * A SELECT statement whose rows read into Row. Made by pgpx::select; each clause returns a
 * new builder. See the file comment for the rules.
 */
template <class Row>
class select_query : public query::detail::runnable<select_query<Row>, Row> {
  using base_type = query::detail::runnable<select_query<Row>, Row>;
  using base_type::d_;

 public:
  using base_type::mut;
  using base_type::statement;
  /// Nothing to refuse at render time (see query::detail::runnable).
  void check() const {}

  /// An empty select (use pgpx::select).
  select_query() = default;
  /// A select with these items (use pgpx::select); `row_name` is static (a type's name).
  explicit select_query(std::vector<query::detail::select_item> items, std::string_view row_name) {
    d_->items = std::move(items);
    d_->row_name = row_name;
  }

  /// FROM the table of model M.
  template <class M>
  [[nodiscard]] auto from() const& -> select_query {
    return select_query(*this).template from<M>();
  }
  template <class M>
  [[nodiscard]] auto from() && -> select_query {
    return std::move(*this).add_from(query::detail::model_relation<M>(), query::detail::join_kind::first, nullptr);
  }
  /// FROM an alias, derived table, lateral subquery or CTE.
  template <class H>
    requires std::derived_from<H, query::detail::relation_handle>
  [[nodiscard]] auto from(const H& h) const& -> select_query {
    return select_query(*this).from(h);
  }
  template <class H>
    requires std::derived_from<H, query::detail::relation_handle>
  [[nodiscard]] auto from(const H& h) && -> select_query {
    return std::move(*this).add_from(h.relation(), query::detail::join_kind::first, nullptr);
  }
  /// `join M on cond` (M a model type).
  template <class M, class C>
  [[nodiscard]] auto join(const C& on) const& -> select_query {
    return select_query(*this).template join<M>(on);
  }
  template <class M, class C>
  [[nodiscard]] auto join(const C& on) && -> select_query {
    return std::move(*this).add_from(query::detail::model_relation<M>(), query::detail::join_kind::inner,
                                     query::detail::as_condition(on));
  }
  /// `join <alias|derived|cte> on cond`.
  template <class H, class C>
    requires std::derived_from<H, query::detail::relation_handle>
  [[nodiscard]] auto join(const H& h, const C& on) const& -> select_query {
    return select_query(*this).join(h, on);
  }
  template <class H, class C>
    requires std::derived_from<H, query::detail::relation_handle>
  [[nodiscard]] auto join(const H& h, const C& on) && -> select_query {
    return std::move(*this).add_from(h.relation(), query::detail::join_kind::inner, query::detail::as_condition(on));
  }
  /// `left join M on cond`: M's columns may be NULL.
  template <class M, class C>
  [[nodiscard]] auto left_join(const C& on) const& -> select_query {
    return select_query(*this).template left_join<M>(on);
  }
  template <class M, class C>
  [[nodiscard]] auto left_join(const C& on) && -> select_query {
    return std::move(*this).add_from(query::detail::model_relation<M>(), query::detail::join_kind::left,
                                     query::detail::as_condition(on));
  }
  /// `left join <handle> on cond`.
  template <class H, class C>
    requires std::derived_from<H, query::detail::relation_handle>
  [[nodiscard]] auto left_join(const H& h, const C& on) const& -> select_query {
    return select_query(*this).left_join(h, on);
  }
  template <class H, class C>
    requires std::derived_from<H, query::detail::relation_handle>
  [[nodiscard]] auto left_join(const H& h, const C& on) && -> select_query {
    return std::move(*this).add_from(h.relation(), query::detail::join_kind::left, query::detail::as_condition(on));
  }
  /// `right join M on cond`.
  template <class M, class C>
  [[nodiscard]] auto right_join(const C& on) const& -> select_query {
    return select_query(*this).template right_join<M>(on);
  }
  template <class M, class C>
  [[nodiscard]] auto right_join(const C& on) && -> select_query {
    return std::move(*this).add_from(query::detail::model_relation<M>(), query::detail::join_kind::right,
                                     query::detail::as_condition(on));
  }
  /// `full join M on cond`.
  template <class M, class C>
  [[nodiscard]] auto full_join(const C& on) const& -> select_query {
    return select_query(*this).template full_join<M>(on);
  }
  template <class M, class C>
  [[nodiscard]] auto full_join(const C& on) && -> select_query {
    return std::move(*this).add_from(query::detail::model_relation<M>(), query::detail::join_kind::full,
                                     query::detail::as_condition(on));
  }
  /// `cross join M`.
  template <class M>
  [[nodiscard]] auto cross_join() const& -> select_query {
    return select_query(*this).template cross_join<M>();
  }
  template <class M>
  [[nodiscard]] auto cross_join() && -> select_query {
    return std::move(*this).add_from(query::detail::model_relation<M>(), query::detail::join_kind::cross, nullptr);
  }
  /// `cross join <handle>` (`cross join lateral (...)` for pgpx::lateral).
  template <class H>
    requires std::derived_from<H, query::detail::relation_handle>
  [[nodiscard]] auto cross_join(const H& h) const& -> select_query {
    return select_query(*this).cross_join(h);
  }
  template <class H>
    requires std::derived_from<H, query::detail::relation_handle>
  [[nodiscard]] auto cross_join(const H& h) && -> select_query {
    return std::move(*this).add_from(h.relation(), query::detail::join_kind::cross, nullptr);
  }

  /// WHERE cond (several calls are joined with and).
  template <class C>
  [[nodiscard]] auto where(const C& cond) const& -> select_query {
    return select_query(*this).where(cond);
  }
  template <class C>
  [[nodiscard]] auto where(const C& cond) && -> select_query {
    select_query& q = *this;
    query::detail::and_where(q.mut(), query::detail::as_condition(cond));
    return std::move(q);
  }
  /// GROUP BY members, expressions, or grouping_sets/rollup/cube.
  template <class... X>
  [[nodiscard]] auto group_by(const X&... xs) const& -> select_query {
    return select_query(*this).group_by(xs...);
  }
  template <class... X>
  [[nodiscard]] auto group_by(const X&... xs) && -> select_query {
    select_query& q = *this;
    (q.mut().group_by.push_back(query::detail::to_ordering_node(xs)), ...);
    return std::move(q);
  }
  /// HAVING cond.
  template <class C>
  [[nodiscard]] auto having(const C& cond) const& -> select_query {
    return select_query(*this).having(cond);
  }
  template <class C>
  [[nodiscard]] auto having(const C& cond) && -> select_query {
    select_query& q = *this;
    q.mut().having = query::detail::as_condition(cond);
    return std::move(q);
  }
  /// ORDER BY members, expressions or asc()/desc() orderings.
  template <class... X>
  [[nodiscard]] auto order_by(const X&... xs) const& -> select_query {
    return select_query(*this).order_by(xs...);
  }
  template <class... X>
  [[nodiscard]] auto order_by(const X&... xs) && -> select_query {
    select_query& q = *this;
    auto& d = q.mut();
    d.order.reserve(d.order.size() + sizeof...(X));
    d.order_columns.reserve(d.order_columns.size() + sizeof...(X));
    (add_order(d, xs), ...);
    return std::move(q);
  }
  /**
   * A keyset page: only rows after `last` in the ORDER BY order (call after order_by; every
   * order item must be a column of Row). nullptr: the first page, no condition. Renders a row
   * comparison `(a, b) > ($1, $2)` when all directions agree, else an or-chain.
   */
  [[nodiscard]] auto after(const Row* last) const& -> select_query { return select_query(*this).after(last); }
  [[nodiscard]] auto after(const Row* last) && -> select_query {
    select_query& q = *this;
    if (last == nullptr) return std::move(q);
    query::detail::keyset k;
    const auto& d = *q.d_;
    k.values.reserve(d.order_columns.size());
    for (const auto& c : d.order_columns) k.values.push_back(member_value(d, *last, c));
    q.mut().after = std::move(k);
    return std::move(q);
  }
  /// LIMIT n (bound).
  [[nodiscard]] auto limit(std::int64_t n) const& -> select_query { return select_query(*this).limit(n); }
  [[nodiscard]] auto limit(std::int64_t n) && -> select_query {
    select_query& q = *this;
    q.mut().limit = query::detail::value_node(n);
    return std::move(q);
  }
  /// LIMIT of an integer expression: a pgpx::shape slot (`limit(pgpx::arg<std::int64_t>(1))`,
  /// bound at each call) or a scalar subquery. Another value type does not compile.
  template <class E>
    requires query::detail::expression<E>
  [[nodiscard]] auto limit(const E& n) const& -> select_query {
    return select_query(*this).limit(n);
  }
  template <class E>
    requires query::detail::expression<E>
  [[nodiscard]] auto limit(const E& n) && -> select_query {
    select_query& q = *this;
    q.mut().limit = count_node<"limit">(n);
    return std::move(q);
  }
  /// OFFSET n (bound).
  [[nodiscard]] auto offset(std::int64_t n) const& -> select_query { return select_query(*this).offset(n); }
  [[nodiscard]] auto offset(std::int64_t n) && -> select_query {
    select_query& q = *this;
    q.mut().offset = query::detail::value_node(n);
    return std::move(q);
  }
  /// OFFSET of an integer expression: a pgpx::shape slot (`offset(pgpx::arg<std::int64_t>(2))`)
  /// or a scalar subquery. Another value type does not compile.
  template <class E>
    requires query::detail::expression<E>
  [[nodiscard]] auto offset(const E& n) const& -> select_query {
    return select_query(*this).offset(n);
  }
  template <class E>
    requires query::detail::expression<E>
  [[nodiscard]] auto offset(const E& n) && -> select_query {
    select_query& q = *this;
    q.mut().offset = count_node<"offset">(n);
    return std::move(q);
  }
  /// SELECT DISTINCT.
  [[nodiscard]] auto distinct() const& -> select_query { return select_query(*this).distinct(); }
  [[nodiscard]] auto distinct() && -> select_query {
    select_query& q = *this;
    q.mut().distinct = true;
    return std::move(q);
  }
  /// SELECT DISTINCT ON (members or expressions).
  template <class... X>
  [[nodiscard]] auto distinct_on(const X&... xs) const& -> select_query {
    return select_query(*this).distinct_on(xs...);
  }
  template <class... X>
  [[nodiscard]] auto distinct_on(const X&... xs) && -> select_query {
    select_query& q = *this;
    (q.mut().distinct_on.push_back(query::detail::to_ordering_node(xs)), ...);
    return std::move(q);
  }
  /// Include soft-deleted rows of every model in the query.
  [[nodiscard]] auto with_deleted() const& -> select_query { return select_query(*this).with_deleted(); }
  [[nodiscard]] auto with_deleted() && -> select_query {
    select_query& q = *this;
    q.mut().with_deleted = true;
    return std::move(q);
  }
  /// FOR UPDATE.
  [[nodiscard]] auto for_update() const& -> select_query { return select_query(*this).for_update(); }
  [[nodiscard]] auto for_update() && -> select_query { return std::move(*this).lock("for update"); }
  /// FOR NO KEY UPDATE.
  [[nodiscard]] auto for_no_key_update() const& -> select_query { return select_query(*this).for_no_key_update(); }
  [[nodiscard]] auto for_no_key_update() && -> select_query { return std::move(*this).lock("for no key update"); }
  /// FOR SHARE.
  [[nodiscard]] auto for_share() const& -> select_query { return select_query(*this).for_share(); }
  [[nodiscard]] auto for_share() && -> select_query { return std::move(*this).lock("for share"); }
  /// FOR KEY SHARE.
  [[nodiscard]] auto for_key_share() const& -> select_query { return select_query(*this).for_key_share(); }
  [[nodiscard]] auto for_key_share() && -> select_query { return std::move(*this).lock("for key share"); }
  /// Lock only the rows of these relations: `.for_update().of<book>()`.
  template <class... M>
  [[nodiscard]] auto of() const& -> select_query {
    return select_query(*this).template of<M...>();
  }
  template <class... M>
  [[nodiscard]] auto of() && -> select_query {
    select_query& q = *this;
    (q.mut().lock_of.push_back(query::detail::model_relation<M>()), ...);
    return std::move(q);
  }
  /// NOWAIT: fail at once on a locked row.
  [[nodiscard]] auto nowait() const& -> select_query { return select_query(*this).nowait(); }
  [[nodiscard]] auto nowait() && -> select_query {
    select_query& q = *this;
    q.mut().lock_wait = " nowait";
    return std::move(q);
  }
  /// SKIP LOCKED: leave locked rows out (job queues).
  [[nodiscard]] auto skip_locked() const& -> select_query { return select_query(*this).skip_locked(); }
  [[nodiscard]] auto skip_locked() && -> select_query {
    select_query& q = *this;
    q.mut().lock_wait = " skip locked";
    return std::move(q);
  }
  /// `this union all other`.
  [[nodiscard]] auto union_all(const select_query& o) const -> select_query { return set_op(" union all ", o); }
  /// `this union other` (duplicates removed).
  [[nodiscard]] auto union_distinct(const select_query& o) const -> select_query { return set_op(" union ", o); }
  /// `this intersect other`.
  [[nodiscard]] auto intersect(const select_query& o) const -> select_query { return set_op(" intersect ", o); }
  /// `this except other`.
  [[nodiscard]] auto except(const select_query& o) const -> select_query { return set_op(" except ", o); }

  /**
   * Loads relations of the rows too (eager loading, one statement per relation): a foreign
   * key member, pgpx::children(fk) or pgpx::through(...). Returns an eager select whose
   * .all(ex) gives a pgpx::result_set<Row>. Needs pgpx/orm/eager.hpp.
   */
  template <class... R>
  [[nodiscard]] auto with(const R&... rel) const {
    return eager_with(*this, rel...);  // found by argument-dependent lookup in pgpx/orm/eager.hpp
  }

  /// Runs the query: the single value of a one-row, one-column result.
  template <class Ex>
  [[nodiscard]] auto value(Ex& ex) const {
    return ex.query_value(statement());
  }
  /// EXPLAIN [ANALYZE] the query; returns the plan, one line per row. ANALYZE runs it.
  template <class Ex>
  [[nodiscard]] auto explain(Ex& ex, bool analyze = false) const -> std::string {
    auto r = query::detail::render(*d_);
    const auto res =
        ex.exec(pgpx::statement<void>((analyze ? "explain (analyze) " : "explain ") + r.sql, std::move(r.params)));
    std::string out;
    for (std::size_t i = 0; i < res.size(); ++i) {
      out += res[i][0].template as<std::string>();
      out += '\n';
    }
    return out;
  }

 private:
  template <class R>
  friend auto derived(std::string, const select_query<R>&) -> row_relation<R>;

  [[nodiscard]] auto add_from(query::detail::relation_ptr rel, query::detail::join_kind j,
                              query::detail::node_ptr on) const& -> select_query {
    return select_query(*this).add_from(rel, j, on);
  }
  [[nodiscard]] auto add_from(query::detail::relation_ptr rel, query::detail::join_kind j,
                              query::detail::node_ptr on) && -> select_query {
    select_query& q = *this;
    auto& d = q.mut();
    if (j == query::detail::join_kind::first && !d.from.empty()) j = query::detail::join_kind::cross;
    d.from.push_back({std::move(rel), j, std::move(on)});
    return std::move(q);
  }
  // One ORDER BY item: its ordering node and (for keyset pages) the ordered expression and
  // direction. A member or an expression is one node for both.
  template <class X>
  static void add_order(query::detail::query_data& d, const X& x) {
    query::detail::node_ptr e = query::detail::ordered_expr(x);
    d.order.push_back(std::is_same_v<X, ordering> ? query::detail::order_item_node(x) : e);
    d.order_columns.push_back(std::move(e));
    d.order_desc.push_back(query::detail::ordered_desc(x));
  }
  // The node of a LIMIT or OFFSET expression: integers only.
  template <fixed_string Clause, class E>
  static auto count_node(const E& n) -> query::detail::node_ptr {
    using V = query::detail::operand_t<E>;
    if constexpr (query::detail::family_of<V>() != query::detail::family::integer) operator_not_applicable<Clause, V>{};
    return n.node();
  }
  [[nodiscard]] auto lock(const char* what) const& -> select_query { return select_query(*this).lock(what); }
  [[nodiscard]] auto lock(const char* what) && -> select_query {
    select_query& q = *this;
    q.mut().lock = what;
    return std::move(q);
  }
  [[nodiscard]] auto set_op(const char* op, const select_query& o) const -> select_query {
    select_query q;
    auto& d = q.mut();
    d.kind = query::detail::query_kind::compound;
    d.parts = {d_, o.d_};
    d.ops = {op};
    return q;
  }
  // The value of the order column `c` in `row`: c must be a column of Row's own model.
  static auto member_value(const query::detail::query_data& d, const Row& row, const query::detail::node_ptr& c)
      -> query::detail::node_ptr {
    if constexpr (std::is_class_v<Row> && reflect::reflectable<Row> && !query::detail::is_tuple_v<Row>) {
      if (c->kind == query::detail::node_kind::column) {
        // The row's field that holds this very column: a select item that is the column, or
        // one taken by name from the first FROM item (never a same-named member of another table).
        const query::detail::relation* first = !d.from.empty() && d.from.front().join == query::detail::join_kind::first
                                                   ? d.from.front().rel.get()
                                               : d.default_from != nullptr ? d.default_from().get()
                                               : d.from.empty()            ? nullptr
                                                                           : d.from.front().rel.get();
        const query::detail::select_item* item = nullptr;
        for (const auto& it : d.items) {
          const bool same =
              it.e ? it.e->kind == query::detail::node_kind::column && it.e->rel == c->rel && it.e->column == c->column
                   : c->rel.get() == first && c->rel->members[c->column] == it.member;
          if (same) {
            item = &it;
            break;
          }
        }
        if (item != nullptr && item->nullable)
          throw usage_error("pgpx: after(row) cannot page on " + std::string(item->field) +
                            ": it can be NULL, and rows with NULL there would never be reached (order by NOT NULL "
                            "columns, the last one unique)");
        query::detail::node_ptr found;
        if (item != nullptr)
          reflect::for_each_field(row, [&](std::string_view name, const auto& field) {
            if (name == item->field) found = query::detail::value_node(field);
          });
        if (found) return found;
      }
    }
    throw usage_error("pgpx: after(row) needs every ORDER BY item to be a column of the row type");
  }
};

/// SELECT every column of model Row, or a projection Row: members bound with as<&Row::m>(e),
/// the rest taken by name from the first FROM item (FROM defaults to Row's own table when
/// Row is a model and from() is not called).
template <class Row, auto... Members>
[[nodiscard]] auto select(const binding<Members>&... bound) -> select_query<Row> {
  static_assert(reflect::reflectable<Row>, "pgpx::select<Row>: Row must be a struct (a model or a projection)");
  auto items = query::detail::struct_items<Row>();
  if constexpr (sizeof...(Members) > 0) {
    const std::size_t idx[] = {detail::member_index(Members)...};
    const query::detail::node_ptr nodes[] = {bound.e...};
    for (std::size_t k = 0; k < sizeof...(Members); ++k) {
      items[idx[k]].e = nodes[k];
      items[idx[k]].member = {};
    }
  }
  select_query<Row> q(std::move(items), detail::type_name_v<Row>);
  q.mut().default_from = &query::detail::model_relation<Row>;
  return q;
}

namespace query::detail {
template <class E>
using item_value_t = std::conditional_t<std::remove_cvref_t<E>::nullable, std::optional<operand_t<E>>, operand_t<E>>;
}  // namespace query::detail

/// SELECT expressions: rows are the value (one expression) or a std::tuple (several); a
/// nullable expression reads into std::optional.
template <class E, class... Es>
  requires(query::detail::expression<E> && (query::detail::expression<Es> && ...))
[[nodiscard]] auto select(const E& e, const Es&... es) {
  using Row = std::conditional_t<sizeof...(Es) == 0, query::detail::item_value_t<E>,
                                 std::tuple<query::detail::item_value_t<E>, query::detail::item_value_t<Es>...>>;
  std::vector<query::detail::select_item> items;
  items.push_back({e.node(), {}, {}, true, {}});
  (items.push_back({es.node(), {}, {}, true, {}}), ...);
  return select_query<Row>(std::move(items), "row");
}

template <class R>
auto derived(std::string name, const select_query<R>& q) -> row_relation<R> {
  auto r = std::make_shared<query::detail::relation>();
  r->kind = query::detail::relation_kind::derived;
  r->name = std::move(name);
  r->body = q.data();
  const auto& cols = reflect::column_names<R>();
  for (std::size_t i = 0; i < reflect::field_count<R>; ++i) {
    r->columns.push_back(cols[i]);
    r->members.emplace_back(reflect::field_names<R>[i]);
  }
  query::detail::finish_relation(*r);
  return row_relation<R>(std::move(r));
}
template <class R>
auto lateral(std::string name, const select_query<R>& q) -> row_relation<R> {
  auto h = derived(std::move(name), q);
  const_cast<query::detail::relation&>(*h.relation()).lateral = true;
  return h;
}

/// Refusal: the row type of pgpx::unnest<R> / unnest_with_ordinality<R> has another number of
/// members than the function has columns.
template <class R, std::size_t Columns>
struct unnest_columns_do_not_match {
  static_assert(query::detail::dependent_false_v<R>,
                "pgpx: the row type of pgpx::unnest<R>(name, arrays...) needs one member per array, in order "
                "(and a last std::int64_t member for unnest_with_ordinality)");
};

namespace query::detail {
/// The element type and nullability of what unnest reads from an array (or multirange) A.
template <class V>
consteval auto unnest_element_tag() {
  if constexpr (is_multirange<V>) return std::type_identity<pgpx::range<range_like_element_t<V>>>{};
  else if constexpr (pgpx::detail::is_std_vector<V>::value)
    return std::type_identity<typename value_of<typename V::value_type>::type>{};
  else return std::type_identity<void>{};
}
template <class V>
consteval auto unnest_element_nullable() -> bool {
  if constexpr (pgpx::detail::is_std_vector<V>::value) return value_of<typename V::value_type>::nullable;
  else return false;
}
template <class A>
struct unnest_element {
  using type = typename decltype(unnest_element_tag<operand_t<A>>())::type;
  static constexpr bool nullable = unnest_element_nullable<operand_t<A>>();
};

/// Whether member I of R can hold the elements of array A (its element type; std::optional
/// when the elements may be NULL or, Padded, shorter arrays are padded with NULL).
template <class R, std::size_t I, class A, bool Padded>
consteval auto unnest_member_fits() -> bool {
  using E = unnest_element<A>;
  if constexpr (std::is_void_v<typename E::type>) {
    return false;
  } else {
    using M = reflect::field_type<I, R>;
    return std::is_same_v<typename value_of<M>::type, typename E::type> &&
           (!(E::nullable || Padded) || column_facts_of<M>().nullable);
  }
}
/// The index of the first member of R that cannot hold its array's elements, or the count.
template <class R, bool Padded, class... A, std::size_t... I>
consteval auto first_unfit_member(std::index_sequence<I...> /*unused*/) -> std::size_t {
  std::size_t bad = sizeof...(I);
  ((bad = bad == sizeof...(I) && !unnest_member_fits<R, I, A, Padded>() ? I : bad), ...);
  return bad;
}

/// The relation of `unnest(arrays...) [with ordinality] as name (R's columns)`.
template <class R, bool Ordinality, class... A>
auto unnest_relation(std::string name, const A&... arrays) -> relation_ptr {
  static_assert(sizeof...(A) > 0, "pgpx::unnest<R>(name, arrays...) needs at least one array");
  constexpr std::size_t columns = sizeof...(A) + (Ordinality ? 1 : 0);
  if constexpr (reflect::field_count<R> != columns) {
    unnest_columns_do_not_match<R, columns>{};
  } else {
    constexpr std::size_t bad = first_unfit_member<R, (sizeof...(A) > 1), A...>(std::index_sequence_for<A...>{});
    if constexpr (bad < sizeof...(A)) {
      using Arr = std::tuple_element_t<bad, std::tuple<A...>>;
      if constexpr (std::is_void_v<typename unnest_element<Arr>::type>)
        operator_not_applicable<"unnest", operand_t<Arr>>{};
      else projection_mismatch<R, "", reflect::field_type<bad, R>, typename unnest_element<Arr>::type>{};
    }
    if constexpr (Ordinality) {
      using O = typename value_of<reflect::field_type<columns - 1, R>>::type;
      if constexpr (!std::is_same_v<O, std::int64_t>) projection_mismatch<R, "", O, std::int64_t>{};
    }
  }
  auto r = std::make_shared<relation>();
  r->kind = relation_kind::function;
  r->name = std::move(name);
  r->call = make_node(node_kind::call, prec::atom, "unnest", {unnest_arg_node(arrays)...});
  r->ordinality = Ordinality;
  const auto& cols = reflect::column_names<R>();
  for (std::size_t i = 0; i < reflect::field_count<R>; ++i) {
    r->columns.push_back(cols[i]);
    r->members.emplace_back(reflect::field_names<R>[i]);
  }
  finish_relation(*r);
  return r;
}
}  // namespace query::detail

/**
 * `unnest(a, b, ...) as name (cols)` as a FROM item whose rows are R: one row per element,
 * the k-th array's elements in R's k-th member (`t(&R::member)` for its column). Each array is
 * an expression (a column of an earlier FROM item: a function in FROM sees those, so no LATERAL
 * is needed) or a C++ vector (one bound array parameter). With several arrays the shorter
 * ones are padded with NULL, so R's members must then be std::optional. Checked at compile
 * time: one member per array, each of the array's element type.
 *
 *   struct tag_row { std::string tag; };
 *   auto t = pgpx::unnest<tag_row>("t", pgpx::col(&book::tags));
 *   pgpx::select(pgpx::col(&book::title), t(&tag_row::tag)).from<book>().cross_join(t);
 */
template <class R, class... A>
[[nodiscard]] auto unnest(std::string name, const A&... arrays) -> row_relation<R> {
  return row_relation<R>(query::detail::unnest_relation<R, false>(std::move(name), arrays...));
}
/// `unnest(a, ...) with ordinality as name (cols)`: as pgpx::unnest<R>, R's last member (an
/// std::int64_t) numbering the rows from 1 in array order.
template <class R, class... A>
[[nodiscard]] auto unnest_with_ordinality(std::string name, const A&... arrays) -> row_relation<R> {
  return row_relation<R>(query::detail::unnest_relation<R, true>(std::move(name), arrays...));
}

/// A scalar subquery: `(select ...)` as an expression of its single column (may be NULL).
template <class R>
[[nodiscard]] auto scalar(const select_query<R>& q) {
  using V = typename query::detail::value_of<R>::type;
  return expr<V, true>(query::detail::subquery_node(q.data()));
}
/// `exists (select ...)`.
template <class R>
[[nodiscard]] auto exists(const select_query<R>& q) -> expr<bool> {
  return expr<bool>(query::detail::subquery_node(q.data(), "exists "));
}
/// `e in (select ...)`.
template <class E, class R>
  requires query::detail::expression<E>
[[nodiscard]] auto in(const E& e, const select_query<R>& q) {
  using VR = typename query::detail::value_of<R>::type;
  if constexpr (!query::detail::comparable<query::detail::operand_t<E>, VR>)
    cannot_compare<query::detail::operand_t<E>, VR>{};
  return expr<bool, E::nullable>(query::detail::make_node(query::detail::node_kind::binary, query::detail::prec::like,
                                                          " in ", {e.node(), query::detail::subquery_node(q.data())}));
}

}  // namespace pgpx
