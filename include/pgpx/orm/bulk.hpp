// pgpx/orm/bulk.hpp: many rows at once: insert_many, update_many, delete_many.
//
//   std::vector<author> v = ...;
//   pgpx::insert_many(cx, v);          // multi-row inserts, ids filled into every element;
//                                      // binary COPY when the server fills no column
//   pgpx::update_many<book>(cx, pgpx::raw(R"("author_id" = $1)", a.id),
//                           pgpx::set(&book::price_cents, 0), pgpx::set(&book::title, "Gone"));
//   pgpx::delete_many<book>(cx, pgpx::raw(R"("price_cents" = 0)"));   // soft for deleted_at models
//
// insert_many writes all rows or none: outside a transaction block it opens a transaction
// for the call and commits it; inside one (a pgpx::transaction, a savepoint, or a
// connection where BEGIN was sent) it writes into that transaction, which a failure leaves
// aborted, as any failed statement does. A row that fails throws pgpx::bulk_error with the
// row's index and, for a constraint of the model, the constraint and the members. A value
// its codec refuses throws before anything is sent. When the connection is lost midway,
// the core's batch_interrupted says which statements were confirmed (inside the
// transaction nothing is committed).
//
// Model events (pgpx/orm/events.hpp): insert_many calls every row's before_insert hooks
// first, then validates every row, writes them, runs the statements the before hooks
// added, then every row's after_insert hooks. When it opened its own transaction, the
// hooks' statements run after that commit; run it inside a transaction to make them atomic.
//
// update_many and delete_many are one statement each, returning the rows affected; their
// predicate's parameters come first ($1...), the new values after them. They run the
// statement-level hooks (update_many, delete_many: pgpx/orm/events.hpp) around it.
//
// Blocking; the executors are connection, transaction and savepoint. For async executors
// (async_connection, async_transaction) see pgpx/orm/async.hpp.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/copy.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/expr.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/**
 * A row of insert_many failed: row() is its index in the range (0-based). The cause's
 * SQLSTATE, constraint and details are in info(); members() are the C++ members of the
 * violated constraint when it is one of the model's. Nothing of the call was kept when it
 * opened its own transaction; inside the caller's transaction, that transaction is aborted.
 */
class PGPX_API bulk_error : public error {
 public:
  bulk_error(error_kind kind, std::size_t row, std::vector<std::string> members, std::string message, error_info info);
  /// The failing row's index in the range given.
  [[nodiscard]] auto row() const noexcept -> std::size_t { return row_; }
  /// The members the violated constraint covers (empty when unknown or not a constraint).
  [[nodiscard]] auto members() const noexcept -> const std::vector<std::string>& { return members_; }

 private:
  std::size_t row_;
  std::vector<std::string> members_;
};

/// One member's new value for update_many: `pgpx::set(&book::price_cents, 0)`.
template <class C, class M>
struct set_t {
  std::size_t member;  ///< the member's index in C
  M value;             ///< the value, as the member's type
};
/// A new value for a member; the value must convert to the member's type (checked at
/// compile time, so a string for an integer column does not compile).
template <class C, class M, class V>
  requires(!query::detail::expression<V>)
[[nodiscard]] auto set(M C::*mp, V&& value) -> set_t<C, M> {
  static_assert(std::is_constructible_v<M, V&&>, "pgpx::set: the value does not convert to the member's type");
  return {detail::member_index(mp), M(std::forward<V>(value))};
}

namespace orm::detail {

/// What update_many and delete_many do.
enum class many_kind { update, soft_delete, hard_delete };
/// `update t set "a" = $k+1, ... where (pred) [and "deleted_at" is null]`, or delete.
/// `first_param`: the number of the first value after the predicate's parameters.
[[nodiscard]] PGPX_API auto make_many_sql(const model_description& m, many_kind kind,
                                          const std::vector<std::size_t>& columns, std::string_view predicate,
                                          std::size_t first_param) -> std::string;

/// Throws bulk_error for row `row` failing with `cause` (mapped to the model's members).
[[noreturn]] PGPX_API void throw_bulk(const model_description& m, std::string_view verb, std::size_t row,
                                      const error& cause);

template <class E, class F>
auto in_transaction(E& ex, F&& work) -> std::uint64_t {
  connection& cx = connection_of(ex);
  if (cx.status() != transaction_status::idle) return work(cx);
  transaction tx{cx};
  const std::uint64_t n = work(cx);
  tx.commit();
  return n;
}

template <class T>
auto column_of_member(const model_description& m, std::size_t member) -> std::size_t {
  for (std::size_t c = 0; c < m.columns.size(); ++c)
    if (m.columns[c].member_index == member) return c;
  return static_cast<std::size_t>(-1);
}

}  // namespace orm::detail

namespace orm::detail {

/// True when the server fills a column of T on insert (identity, defaults, version,
/// updated_at, generated): insert_many must then read RETURNING.
template <class T>
consteval auto server_fills() -> bool {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (false || ... || [] {
      constexpr column_facts f = column_facts_of<std::remove_cvref_t<decltype(reflect::get<I>(std::declval<T&>()))>>();
      return f.identity || !f.default_sql.empty() || !f.generated_sql.empty();
    }());
  }(std::make_index_sequence<reflect::field_count<T>>{});
}

template <class T, class Range, class E>
auto insert_many_copy(E& ex, const model_description& m, const Range& rows) -> std::uint64_t {
  return in_transaction(ex, [&](connection& cx) -> std::uint64_t {
    try {
      return copy_in<T>(cx, copy_table(m.schema, m.table), rows);
    } catch (const conversion_error&) {
      throw;  // names the row and the member already; the COPY was aborted
    } catch (const error& e) {
      rethrow_for_model(e, m);
    }
  });
}

/// One prepared insert per row, pipelined; RETURNING fills each row. A failing row throws
/// bulk_error with its index.
template <class T, class E>
auto insert_rows_one_by_one(E& ex, const model_description& m, const insert_shape& shape,
                            const std::vector<T*>& targets) -> std::uint64_t {
  batch b;
  for (T* row : targets) {
    param_list p;
    access<T>::bind(m, shape.sent, *row, p);
    b.add_params(shape.sql, p);
  }
  return in_transaction(ex, [&](connection& cx) -> std::uint64_t {
    batch_options o;
    o.on_result = [&](std::size_t i, const result& r) { access<T>::fill(m, shape.returned, *targets[i], r); };
    batch_outcome out = run_batch(cx, b, o);
    if (!out.ok()) throw_bulk(m, "insert_many", out.errors.front().first, out.errors.front().second);
    return out.affected_rows;
  });
}

/// The multi-row statements of T, built at first use.
template <class T>
auto insert_rows_of(const model_description& m, const insert_shape& shape) -> const insert_rows_sql& {
  static const insert_rows_sql s = make_insert_rows_sql(m, shape);
  return s;
}

/// Multi-row inserts (see insert_rows_sql), pipelined under a savepoint; each statement's
/// RETURNING rows fill its rows in order. When one fails, the savepoint is rolled back and
/// the rows go again one by one, which names the failing row (bulk_error), or succeeds when
/// the failure does not recur.
template <class T, class Range, class E>
auto insert_many_returning(E& ex, const model_description& m, const insert_shape& shape, Range& rows) -> std::uint64_t {
  std::vector<T*> targets;
  for (T& row : rows) targets.push_back(&row);
  const insert_rows_sql& many = insert_rows_of<T>(m, shape);
  const std::vector<std::size_t> chunks = insert_chunks(many, targets.size());
  if (chunks.empty()) return insert_rows_one_by_one<T>(ex, m, shape, targets);

  batch b;
  const std::string savepoint = "savepoint " + std::string(insert_many_savepoint);
  b.add(savepoint);
  std::vector<std::size_t> first_row;  // per statement after the savepoint: its first row
  std::size_t at = 0;
  for (std::size_t k : chunks) {
    param_list p;
    for (std::size_t j = 0; j < k; ++j) access<T>::bind(m, shape.sent, *targets[at + j], p);
    b.add_params(many.by_log[static_cast<std::size_t>(std::countr_zero(k))], p);
    first_row.push_back(at);
    at += k;
  }
  for (; at < targets.size(); ++at) {
    param_list p;
    access<T>::bind(m, shape.sent, *targets[at], p);
    b.add_params(shape.sql, p);
    first_row.push_back(at);
  }
  b.add("release savepoint " + std::string(insert_many_savepoint));
  first_row.push_back(targets.size());
  return in_transaction(ex, [&](connection& cx) -> std::uint64_t {
    batch_options o;
    o.on_result = [&](std::size_t i, const result& r) {
      if (i == 0 || i + 1 == b.size()) return;  // the savepoint and its release
      const std::size_t from = first_row[i - 1], n = first_row[i] - from;
      if (r.size() != n) throw_rows_returned(m, n, r.size());
      for (std::size_t j = 0; j < n; ++j)
        access<T>::fill_row(m, shape.returned, *targets[from + j], r[static_cast<int>(j)]);
    };
    batch_outcome out = run_batch(cx, b, o);
    if (out.ok()) return out.affected_rows;
    if (out.errors.front().first == 0) throw out.errors.front().second;  // no savepoint: the transaction is aborted
    cx.execute("rollback to savepoint " + std::string(insert_many_savepoint));
    cx.execute("release savepoint " + std::string(insert_many_savepoint));
    return insert_rows_one_by_one<T>(cx, m, shape, targets);
  });
}

}  // namespace orm::detail

/**
 * Inserts every row of `rows` (a range of one model) and returns how many were inserted.
 * When the server fills columns (identity, defaults, version...), multi-row inserts of up
 * to 1024 rows (fewer than 16 left: one insert per row) are pipelined under a savepoint and
 * RETURNING fills each element (the range must be mutable); otherwise one binary COPY
 * writes them all. All or nothing (see the header comment). Throws bulk_error naming the
 * failing row (a failed multi-row insert is rolled back to the savepoint and its rows sent
 * one by one to find it).
 */
template <class Range, orm::sync_executor E>
auto insert_many(E& ex, Range&& rows) -> std::uint64_t {
  using T = std::remove_cvref_t<std::ranges::range_reference_t<Range>>;
  const model_description& m = model_info<T>();
  if (std::ranges::empty(rows)) return 0;
  // Hooks first (they may change rows), then validation of every row, then the writes.
  std::vector<statement<void>> also;
  for (auto&& row : rows)
    for (auto& s : orm::detail::before_write(row, write_event::insert)) also.push_back(std::move(s));
  check_valid_all(rows);
  std::uint64_t n = 0;
  if constexpr (!orm::detail::server_fills<T>()) {
    n = orm::detail::insert_many_copy<T>(ex, m, rows);
  } else {
    static_assert(!std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<Range>>>,
                  "pgpx::insert_many: the server fills columns of this model (identity, defaults): pass a "
                  "mutable range so that they can be written back");
    static const orm::detail::insert_shape shape = orm::detail::make_insert_shape(m);
    n = orm::detail::insert_many_returning<T>(ex, m, shape, rows);
  }
  for (const auto& s : also) ex.exec(s);
  for (auto&& row : rows)
    for (const auto& s : orm::detail::after_write(row, write_event::insert)) ex.exec(s);
  return n;
}

namespace orm::detail {
/// After a statement-level write: the statements the before hooks added, then the after
/// hooks (model's, then global) and the statements they add, on the same executor.
template <class T, class E>
void finish_many(E& ex, write_event kind, const statement<void>& predicate, std::uint64_t rows,
                 const std::vector<statement<void>>& also) {
  for (const auto& s : also) ex.exec(s);
  for (const auto& s : after_many<T>(kind, predicate, rows)) ex.exec(s);
}
}  // namespace orm::detail

/// Sets the given members on every live row of T matching `predicate`; returns the count.
/// A version<> column is incremented and an updated_at column set to now() on each row.
template <class T, orm::sync_executor E, class... M>
auto update_many(E& ex, const statement<void>& predicate, const set_t<T, M>&... sets) -> std::uint64_t {
  static_assert(sizeof...(M) > 0, "pgpx::update_many: give at least one pgpx::set(&T::member, value)");
  const model_description& m = model_info<T>();
  const std::vector<std::size_t> columns{orm::detail::column_of_member<T>(m, sets.member)...};
  const auto also = orm::detail::before_many<T>(write_event::update_many, predicate);
  {
    std::vector<issue> found;
    (
        [&] {
          for (auto& f : detail::member_failures(sets.value)) {
            issue i;
            i.loc.push_back(std::string(m.columns[orm::detail::column_of_member<T>(m, sets.member)].member));
            i.type = std::move(f.type);
            i.msg = std::move(f.msg);
            i.ctx = std::move(f.ctx);
            found.push_back(std::move(i));
          }
        }(),
        ...);
    if (!found.empty()) throw validation_error(std::string(m.cpp_name), std::move(found));
  }
  param_list p = predicate.params();
  (p.add(sets.value), ...);
  const std::string sql = orm::detail::make_many_sql(m, orm::detail::many_kind::update, columns, predicate.sql(),
                                                     predicate.params().size() + 1);
  std::uint64_t n = 0;
  try {
    n = ex.exec(statement<void>(sql, std::move(p))).affected_rows();
  } catch (const error& e) {
    orm::detail::rethrow_for_model(e, m);
  }
  orm::detail::finish_many<T>(ex, write_event::update_many, predicate, n, also);
  return n;
}

/// Removes every live row of T matching `predicate` (soft for models with deleted_at);
/// returns the count.
template <class T, orm::sync_executor E>
auto delete_many(E& ex, const statement<void>& predicate) -> std::uint64_t {
  const model_description& m = model_info<T>();
  const auto kind = m.soft_delete_column() ? orm::detail::many_kind::soft_delete : orm::detail::many_kind::hard_delete;
  const auto also = orm::detail::before_many<T>(write_event::delete_many, predicate);
  const std::string sql = orm::detail::make_many_sql(m, kind, {}, predicate.sql(), predicate.params().size() + 1);
  std::uint64_t n = 0;
  try {
    n = ex.exec(statement<void>(sql, predicate.params())).affected_rows();
  } catch (const error& e) {
    orm::detail::rethrow_for_model(e, m);
  }
  orm::detail::finish_many<T>(ex, write_event::delete_many, predicate, n, also);
  return n;
}

/// Deletes every row of T matching `predicate`, soft-deleted or not; returns the count.
template <class T, orm::sync_executor E>
auto hard_delete_many(E& ex, const statement<void>& predicate) -> std::uint64_t {
  const model_description& m = model_info<T>();
  const auto also = orm::detail::before_many<T>(write_event::delete_many, predicate);
  const std::string sql = orm::detail::make_many_sql(m, orm::detail::many_kind::hard_delete, {}, predicate.sql(), 1);
  std::uint64_t n = 0;
  try {
    n = ex.exec(statement<void>(sql, predicate.params())).affected_rows();
  } catch (const error& e) {
    orm::detail::rethrow_for_model(e, m);
  }
  orm::detail::finish_many<T>(ex, write_event::delete_many, predicate, n, also);
  return n;
}

}  // namespace pgpx
