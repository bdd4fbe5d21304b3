// pgpx/query/modify.hpp: INSERT, UPDATE and DELETE statements on models, with RETURNING,
// ON CONFLICT (upsert with `excluded`), and WITH (CTEs, data-modifying ones included).
//
//   pgpx::insert_into<author>().values(a).on_conflict(&author::email)
//       .do_update(pgpx::set(&author::name, pgpx::excluded(&author::name)))
//       .returning<author>().one(cx);
//   pgpx::update<job>().set(&job::done_at, pgpx::sql::now()).where(pgpx::col(&job::id) == 7).exec(cx);
//   pgpx::delete_from<job>().where(pgpx::col(&job::done_at) < cutoff).returning<job_archive>();
//   pgpx::with(moved).insert_into<job_archive>(pgpx::select<job_archive>().from(moved)).exec(tx);
//
// These are the builder's forms for statements the CRUD verbs (pgpx/orm/crud.hpp) do not
// cover; they do not validate or run hooks (the verbs do). values(obj) sends the columns an
// insert sends (not identity, server_default or generated ones). delete_from<T>() on a model
// with pgpx::deleted_at does not compile without .hard() (use pgpx::remove or delete_many to
// soft-delete). An update leaves soft-deleted rows alone unless .with_deleted().
//
// Thread safety, values and names: as pgpx/query/select.hpp.
#pragma once

#include <pgpx/query/select.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/// Refusal: delete_from<T>() of a soft-delete model without .hard().
template <class T>
struct soft_deleted_model {
  static_assert(query::detail::dependent_false_v<T>,
                "pgpx: this model is soft-deleted: use pgpx::remove / delete_many, or .hard() to delete rows");
};

namespace query::detail {
/// Whether model T has a column of role R (pgpx::deleted_at, version<>, updated_at).
template <class T, column_role R>
consteval auto has_role() -> bool {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return ((column_facts_of<std::remove_cvref_t<reflect::field_type<I, T>>>().role == R) || ...);
  }(std::make_index_sequence<reflect::field_count<T>>{});
}
}  // namespace query::detail
/// Refusal: set() of a value that does not fit the member.
template <class C, class M, class V>
struct cannot_assign {
  static_assert(query::detail::dependent_false_v<C>,
                "pgpx: this value cannot be assigned to this member (another type, or NULL into a NOT NULL member)");
};

/// One `"column" = expression` of an update or a do update: `pgpx::set(&T::m, expr)`.
template <class C>
struct assignment {
  std::size_t member = 0;       ///< the member's index in C
  query::detail::node_ptr value;  ///< the new value
};

namespace query::detail {
template <class C, class M, class X>
auto make_assignment(M C::*mp, const X& x) -> assignment<C> {
  using MV = typename value_of<M>::type;
  using V = operand_t<X>;
  constexpr bool fits = comparable<MV, V> && (!operand<X>::nullable || column_facts_of<M>().nullable);
  if constexpr (!fits) cannot_assign<C, M, V>{};
  if constexpr (expression<X>) return {pgpx::detail::member_index(mp), x.node()};
  else return {pgpx::detail::member_index(mp), to_node(M(x))};
}
}  // namespace query::detail

/// `"m" = expr` for update().set / do_update: the expression must fit the member.
template <class C, class M, class E>
  requires query::detail::expression<E>
[[nodiscard]] auto set(M C::*mp, const E& e) -> assignment<C> {
  return query::detail::make_assignment(mp, e);
}

/// `"excluded"."m"`: the value an upsert tried to insert.
template <class C, class M>
[[nodiscard]] auto excluded(M C::*mp) {
  using V = typename query::detail::value_of<M>::type;
  return expr<V, column_facts_of<M>().nullable>(
      query::detail::column_node(query::detail::excluded_relation<C>(), detail::member_index(mp)));
}

namespace query::detail {

/// Base of the write builders: data, RETURNING and the terminals.
template <class Self, class Row>
class write_base : public runnable<Self, Row> {
 public:
  /// Runs the statement; returns the number of rows it wrote (awaitable on an async executor).
  template <class Ex>
  auto exec(Ex& ex) const {
    return ex.execute(this->statement().template as<void>());
  }
};

}  // namespace query::detail

/// An INSERT into model T's table, returning rows of Row (void: none).
template <class T, class Row = void>
class insert_query : public query::detail::write_base<insert_query<T, Row>, Row> {
 public:
  /// An insert into T's table (use pgpx::insert_into).
  insert_query() {
    this->d_->kind = query::detail::query_kind::insert;
    this->d_->target = query::detail::model_relation<T>();
    this->d_->excluded = query::detail::excluded_relation<T>();
  }
  /// One row: the columns an insert sends, from `obj`.
  [[nodiscard]] auto values(const T& obj) const& -> insert_query { return insert_query(*this).values(obj); }
  [[nodiscard]] auto values(const T& obj) && -> insert_query {
    insert_query& q = *this;
    q.add_row(obj);
    return std::move(q);
  }
  /// Several rows (a range of T): one multi-row VALUES list.
  template <class R>
    requires(!std::is_same_v<std::remove_cvref_t<R>, T> && !query::detail::expression<R>)
  [[nodiscard]] auto values(const R& rows) const& -> insert_query {
    return insert_query(*this).values(rows);
  }
  template <class R>
    requires(!std::is_same_v<std::remove_cvref_t<R>, T> && !query::detail::expression<R>)
  [[nodiscard]] auto values(const R& rows) && -> insert_query {
    insert_query& q = *this;
    for (const T& obj : rows) q.add_row(obj);
    return std::move(q);
  }
  /// `insert into t (cols of R) select ...`: the select's row type names the columns.
  template <class R>
  [[nodiscard]] auto values(const select_query<R>& s) const& -> insert_query {
    return insert_query(*this).values(s);
  }
  template <class R>
  [[nodiscard]] auto values(const select_query<R>& s) && -> insert_query {
    insert_query& q = *this;
    auto& d = q.mut();
    d.insert_select = s.data();
    d.insert_columns.clear();
    const auto& m = model_info<T>();
    for (std::string_view member : reflect::field_names<R>) {
      const auto* c = m.find_member(member);
      if (c == nullptr)
        throw usage_error("pgpx: insert_into<" + std::string(m.cpp_name) + ">: the select's member " +
                          std::string(member) + " is not a column of \"" + m.table + "\"");
      d.insert_columns.push_back(static_cast<std::size_t>(c - m.columns.data()));
    }
    return std::move(q);
  }
  /// ON CONFLICT (members): then do_update(...) or do_nothing().
  template <class... M>
  [[nodiscard]] auto on_conflict(M T::*... mps) const& -> insert_query {
    return insert_query(*this).on_conflict(mps...);
  }
  template <class... M>
  [[nodiscard]] auto on_conflict(M T::*... mps) && -> insert_query {
    insert_query& q = *this;
    auto& d = q.mut();
    d.has_conflict = true;
    d.conflict_columns = {detail::member_index(mps)...};
    return std::move(q);
  }
  /// ON CONFLICT ON CONSTRAINT name.
  [[nodiscard]] auto on_conflict(std::string constraint) const& -> insert_query {
    return insert_query(*this).on_conflict(constraint);
  }
  [[nodiscard]] auto on_conflict(std::string constraint) && -> insert_query {
    insert_query& q = *this;
    auto& d = q.mut();
    d.has_conflict = true;
    d.conflict_constraint = std::move(constraint);
    return std::move(q);
  }
  /// DO UPDATE SET ... (pgpx::set(&T::m, expr), using pgpx::excluded(&T::m) for the new values).
  template <class... A>
  [[nodiscard]] auto do_update(const A&... sets) const& -> insert_query {
    return insert_query(*this).do_update(sets...);
  }
  template <class... A>
  [[nodiscard]] auto do_update(const A&... sets) && -> insert_query {
    insert_query& q = *this;
    auto& d = q.mut();
    (d.conflict_sets.push_back(to_assignment(sets)), ...);
    return std::move(q);
  }
  /// DO NOTHING.
  [[nodiscard]] auto do_nothing() const& -> insert_query { return insert_query(*this).do_nothing(); }
  [[nodiscard]] auto do_nothing() && -> insert_query {
    insert_query& q = *this;
    q.mut().do_nothing = true;
    return std::move(q);
  }
  /// RETURNING the columns of R, taken by name from T.
  template <class R>
  [[nodiscard]] auto returning() const -> insert_query<T, R> {
    insert_query<T, R> q;
    q.replace_data(query::detail::with_returning(*this->d_, query::detail::struct_items<R>()));
    return q;
  }

  /// Compile-time checks before rendering (none for inserts).
  void check() const {}

 private:
  template <class, class>
  friend class insert_query;
  // pgpx::set(&T::m, expression) gives an assignment; pgpx::set(&T::m, value) (the
  // update_many form) a member index and a value of the member's type.
  template <class S>
  static auto to_assignment(const S& s) -> std::pair<std::size_t, query::detail::node_ptr> {
    if constexpr (std::is_same_v<S, assignment<T>>) {
      return {s.member, s.value};
    } else {
      static_assert(
          requires {
            s.member;
            s.value;
          }, "pgpx: do_update takes pgpx::set(&T::member, value or expression)");
      return {s.member, query::detail::value_node(s.value)};
    }
  }
  void add_row(const T& obj) {
    auto& d = this->mut();
    const auto& m = model_info<T>();
    if (d.insert_columns.empty()) {
      for (std::size_t i = 0; i < m.columns.size(); ++i)
        if (m.columns[i].sent_on_insert()) d.insert_columns.push_back(i);
    }
    std::vector<query::detail::node_ptr> row;
    std::size_t i = 0;
    std::vector<query::detail::node_ptr> by_member(m.columns.size());
    reflect::for_each_field(
        obj, [&](std::string_view, const auto& field) { by_member[i++] = query::detail::value_node(field); });
    for (std::size_t c : d.insert_columns) row.push_back(by_member[m.columns[c].member_index]);
    d.rows.push_back(std::move(row));
  }
};

/// An INSERT into model T's table.
template <class T>
[[nodiscard]] auto insert_into() -> insert_query<T> {
  return insert_query<T>();
}
/// `insert into t (...) select ...`.
template <class T, class R>
[[nodiscard]] auto insert_into(const select_query<R>& s) -> insert_query<T> {
  return insert_query<T>().values(s);
}

/// An UPDATE of model T's table, returning rows of Row.
template <class T, class Row = void>
class update_query : public query::detail::write_base<update_query<T, Row>, Row> {
 public:
  /// An update of T's table (use pgpx::update<T>()).
  update_query() {
    this->d_->kind = query::detail::query_kind::update;
    this->d_->target = query::detail::model_relation<T>();
  }
  /// SET member = value or expression (several calls add columns).
  template <class M, class X>
  [[nodiscard]] auto set(M T::*mp, const X& x) const& -> update_query {
    return update_query(*this).set(mp, x);
  }
  template <class M, class X>
  [[nodiscard]] auto set(M T::*mp, const X& x) && -> update_query {
    update_query& q = *this;
    auto a = query::detail::make_assignment(mp, x);
    q.mut().sets.emplace_back(a.member, a.value);
    return std::move(q);
  }
  /// WHERE cond (several calls: and).
  template <class C>
  [[nodiscard]] auto where(const C& cond) const& -> update_query {
    return update_query(*this).where(cond);
  }
  template <class C>
  [[nodiscard]] auto where(const C& cond) && -> update_query {
    update_query& q = *this;
    query::detail::and_where(q.mut(), query::detail::as_condition(cond));
    return std::move(q);
  }
  /// Also update soft-deleted rows.
  [[nodiscard]] auto with_deleted() const& -> update_query { return update_query(*this).with_deleted(); }
  [[nodiscard]] auto with_deleted() && -> update_query {
    update_query& q = *this;
    q.mut().with_deleted = true;
    return std::move(q);
  }
  /// RETURNING the columns of R, by name from T.
  template <class R>
  [[nodiscard]] auto returning() const -> update_query<T, R> {
    update_query<T, R> q;
    q.replace_data(query::detail::with_returning(*this->d_, query::detail::struct_items<R>()));
    return q;
  }
  /// Refuses an update without SET (usage_error).
  void check() const {
    if (this->d_->sets.empty())
      throw usage_error("pgpx: update<" + std::string(detail::type_name_v<T>) + ">() needs set(...)");
  }

 private:
  template <class, class>
  friend class update_query;
};
/// An UPDATE of model T's table.
template <class T>
[[nodiscard]] auto update() -> update_query<T> {
  return update_query<T>();
}

/// A DELETE from model T's table; Hard: allowed on a soft-delete model.
template <class T, class Row = void, bool Hard = false>
class delete_query : public query::detail::write_base<delete_query<T, Row, Hard>, Row> {
 public:
  /// A delete from T's table (use pgpx::delete_from<T>()).
  delete_query() {
    this->d_->kind = query::detail::query_kind::delete_;
    this->d_->target = query::detail::model_relation<T>();
    this->d_->with_deleted = true;  // a hard delete sees every row
  }
  /// WHERE cond (several calls: and).
  template <class C>
  [[nodiscard]] auto where(const C& cond) const& -> delete_query {
    return delete_query(*this).where(cond);
  }
  template <class C>
  [[nodiscard]] auto where(const C& cond) && -> delete_query {
    delete_query& q = *this;
    query::detail::and_where(q.mut(), query::detail::as_condition(cond));
    return std::move(q);
  }
  /// Deletes rows of a soft-delete model for real.
  [[nodiscard]] auto hard() const -> delete_query<T, Row, true> {
    delete_query<T, Row, true> q;
    q.d_ = this->d_;
    return q;
  }
  /// RETURNING the columns of R, by name from T.
  template <class R>
  [[nodiscard]] auto returning() const -> delete_query<T, R, Hard> {
    delete_query<T, R, Hard> q;
    q.replace_data(query::detail::with_returning(*this->d_, query::detail::struct_items<R>()));
    return q;
  }
  /// Compile-time refusal of a soft-delete model without hard().
  void check() const {
    if constexpr (!Hard && query::detail::has_role<T, column_role::deleted_at>()) soft_deleted_model<T>{};
  }
  /// The statement's data (a data-modifying CTE).
  [[nodiscard]] auto data() const -> query::detail::query_ptr {
    check();
    return this->d_;
  }

 private:
  template <class, class, bool>
  friend class delete_query;
};
/// A DELETE from model T's table.
template <class T>
[[nodiscard]] auto delete_from() -> delete_query<T> {
  return delete_query<T>();
}

/**
 * WITH: CTEs before a select or a write. `pgpx::with(tree).select<node>().from(tree)`,
 * `pgpx::with(moved).insert_into<job_archive>(pgpx::select<job_archive>().from(moved))`.
 */
class with_clause {
 public:
  /// The CTEs, in order.
  explicit with_clause(std::vector<std::shared_ptr<const query::detail::cte_def>> ctes) : ctes_(std::move(ctes)) {}
  /// SELECT Row (see pgpx::select).
  template <class Row, auto... Members>
  [[nodiscard]] auto select(const binding<Members>&... bound) const -> select_query<Row> {
    return attach(pgpx::select<Row>(bound...));
  }
  /// SELECT expressions.
  template <class... E>
  [[nodiscard]] auto select_values(const E&... es) const {
    return attach(pgpx::select(es...));
  }
  /// INSERT INTO T (...) SELECT ...
  template <class T, class R>
  [[nodiscard]] auto insert_into(const select_query<R>& s) const -> insert_query<T> {
    return attach(pgpx::insert_into<T>(s));
  }
  /// Any builder, with these CTEs in front.
  template <class Q>
  [[nodiscard]] auto attach(Q q) const -> Q {
    auto data = std::make_shared<query::detail::query_data>(*q.data());
    data->ctes = ctes_;
    q.replace_data(std::move(data));
    return q;
  }

 private:
  std::vector<std::shared_ptr<const query::detail::cte_def>> ctes_;
};
/// WITH these CTEs (`with recursive` when one is recursive).
template <class... C>
[[nodiscard]] auto with(const C&... ctes) -> with_clause {
  return with_clause({ctes.definition()...});
}

}  // namespace pgpx
