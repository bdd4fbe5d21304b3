// pgpx/query/merge.hpp: MERGE (PostgreSQL 15): insert, update or delete rows of a model's
// table from the rows of a source, in one statement.
//
//   auto n = pgpx::merge_into<stock>()
//                .using_<delivery>()
//                .on(pgpx::col(&delivery::sku) == pgpx::col(&stock::sku))
//                .when_matched(pgpx::col(&stock::qty) + pgpx::col(&delivery::qty) == 0).hard_delete()
//                .when_matched().update(pgpx::set(&stock::qty, pgpx::col(&stock::qty) + pgpx::col(&delivery::qty)))
//                .when_not_matched().insert(pgpx::set(&stock::sku, pgpx::col(&delivery::sku)),
//                                           pgpx::set(&stock::qty, pgpx::col(&delivery::qty)))
//                .exec(tx);                            // rows inserted, updated or deleted
//
// The source is a model's table (`using_<M>()`) or a handle: an alias, a derived table
// (`pgpx::derived("d", select...)`) or a CTE (with pgpx::with(cte).attach(merge)). The WHEN
// clauses are tried in order for each source row, as PostgreSQL does; update and delete only
// follow when_matched, insert only when_not_matched (anything else does not compile).
// `insert(set...)` names the columns it writes; the others get their defaults. Columns are
// qualified (target and source are both in scope), values bound, names quoted. A model with
// pgpx::deleted_at: soft-deleted target rows are left alone (a matched one takes no action,
// it is not inserted again) and soft-deleted source rows take no action, unless
// .with_deleted(); delete_() does not compile on it (hard_delete() deletes for good). PostgreSQL 15 has no RETURNING
// for MERGE: exec() gives the row count. Building throws usage_error without using_(...).on(...) or without a WHEN
// clause.
//
// Thread safety, values and names: as pgpx/query/select.hpp.
#pragma once

#include <pgpx/query/modify.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

template <class T>
class merge_query;

namespace query::detail {
template <class T, class S>
auto merge_set(const S& s) -> std::pair<std::size_t, node_ptr> {
  static_assert(std::is_same_v<S, assignment<T>>,
                "pgpx: merge update/insert take pgpx::set(&T::member, expression) of the target model "
                "(pgpx::val(v) for a value)");
  return {s.member, s.value};
}
}  // namespace query::detail

/// A WHEN [NOT] MATCHED clause waiting for its action: `.update(...)`, `.delete_()`,
/// `.insert(...)` or `.do_nothing()` (which ones depends on Matched).
template <class T, bool Matched>
class merge_when {
 public:
  /// The merge so far and the clause's extra condition (may be empty).
  merge_when(merge_query<T> q, query::detail::node_ptr condition)
      : q_(std::move(q)), condition_(std::move(condition)) {}
  /// `then update set ...` (when matched only).
  template <class... S>
  [[nodiscard]] auto update(const S&... sets) const -> merge_query<T> {
    static_assert(Matched, "pgpx: update() follows when_matched(), not when_not_matched()");
    static_assert(sizeof...(S) > 0, "pgpx: update() needs at least one pgpx::set(...)");
    return add(query::detail::merge_clause::action::update, {query::detail::merge_set<T>(sets)...});
  }
  /// `then delete` (when matched only; refused on a soft-delete model: use hard_delete(), or
  /// update(pgpx::set(&T::deleted_at, pgpx::sql::now())) to soft-delete).
  [[nodiscard]] auto delete_() const -> merge_query<T> {
    static_assert(Matched, "pgpx: delete_() follows when_matched(), not when_not_matched()");
    if constexpr (query::detail::has_role<T, column_role::deleted_at>()) soft_deleted_model<T>{};
    return add(query::detail::merge_clause::action::delete_, {});
  }
  /// `then delete`, also on a soft-delete model (the row is gone for good).
  [[nodiscard]] auto hard_delete() const -> merge_query<T> {
    static_assert(Matched, "pgpx: hard_delete() follows when_matched(), not when_not_matched()");
    return add(query::detail::merge_clause::action::delete_, {});
  }
  /// `then insert (columns) values (...)` (when not matched only).
  template <class... S>
  [[nodiscard]] auto insert(const S&... sets) const -> merge_query<T> {
    static_assert(!Matched, "pgpx: insert() follows when_not_matched(), not when_matched()");
    static_assert(sizeof...(S) > 0, "pgpx: insert() needs at least one pgpx::set(...)");
    return add(query::detail::merge_clause::action::insert, {query::detail::merge_set<T>(sets)...});
  }
  /// `then do nothing`.
  [[nodiscard]] auto do_nothing() const -> merge_query<T> {
    return add(query::detail::merge_clause::action::nothing, {});
  }

 private:
  auto add(query::detail::merge_clause::action what,
           std::vector<std::pair<std::size_t, query::detail::node_ptr>> sets) const -> merge_query<T> {
    merge_query<T> q = q_;
    query::detail::merge_clause c;
    c.matched = Matched;
    c.condition = condition_;
    c.what = what;
    c.sets = std::move(sets);
    q.mut().merge_clauses.push_back(std::move(c));
    return q;
  }
  merge_query<T> q_;
  query::detail::node_ptr condition_;
};

/// MERGE INTO model T's table (use pgpx::merge_into<T>()).
template <class T>
class merge_query : public query::detail::write_base<merge_query<T>, void> {
 public:
  /// A merge into T's table.
  merge_query() {
    this->d_->kind = query::detail::query_kind::merge;
    this->d_->target = query::detail::model_relation<T>();
  }
  /// USING model M's table.
  template <class M>
  [[nodiscard]] auto using_() const -> merge_query {
    return source(query::detail::model_relation<M>());
  }
  /// USING an alias, a derived table or a CTE.
  template <class H>
    requires std::derived_from<H, query::detail::relation_handle>
  [[nodiscard]] auto using_(const H& h) const -> merge_query {
    return source(h.relation());
  }
  /// ON cond: which source rows match which target rows (after using_).
  template <class C>
  [[nodiscard]] auto on(const C& cond) const -> merge_query {
    merge_query q = *this;
    auto& d = q.mut();
    if (d.from.empty()) throw usage_error("pgpx: merge_into: call using_(...) before on(...)");
    d.from.front().on = query::detail::as_condition(cond);
    return q;
  }
  /// WHEN MATCHED: then .update(...), .delete_() or .do_nothing().
  [[nodiscard]] auto when_matched() const -> merge_when<T, true> { return {*this, nullptr}; }
  /// WHEN MATCHED AND cond.
  template <class C>
  [[nodiscard]] auto when_matched(const C& cond) const -> merge_when<T, true> {
    return {*this, query::detail::as_condition(cond)};
  }
  /// WHEN NOT MATCHED: then .insert(...) or .do_nothing().
  [[nodiscard]] auto when_not_matched() const -> merge_when<T, false> { return {*this, nullptr}; }
  /// WHEN NOT MATCHED AND cond (cond on the source's columns).
  template <class C>
  [[nodiscard]] auto when_not_matched(const C& cond) const -> merge_when<T, false> {
    return {*this, query::detail::as_condition(cond)};
  }
  /// Also act on soft-deleted rows (of the target and of a model source).
  [[nodiscard]] auto with_deleted() const -> merge_query {
    merge_query q = *this;
    q.mut().with_deleted = true;
    return q;
  }
  /// Compile-time checks before rendering (none: the WHEN clauses are checked by type).
  void check() const {}

 private:
  template <class, bool>
  friend class merge_when;
  [[nodiscard]] auto source(query::detail::relation_ptr rel) const -> merge_query {
    merge_query q = *this;
    auto& d = q.mut();
    d.from.clear();
    d.from.push_back({std::move(rel), query::detail::join_kind::first, nullptr});
    return q;
  }
};

/// MERGE INTO model T's table.
template <class T>
[[nodiscard]] auto merge_into() -> merge_query<T> {
  return merge_query<T>();
}

}  // namespace pgpx
