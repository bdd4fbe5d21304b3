// pgpx/orm/async.hpp: the CRUD verbs of pgpx/orm/crud.hpp on async executors.
//
//   boost::asio::awaitable<void> f(pgpx::async_connection& acx) {
//     orm_models::author a{.name = "Ada", .email = "ada@example.org"};
//     co_await pgpx::insert(acx, a);                      // the same SQL as the blocking insert
//     auto got = co_await pgpx::get<orm_models::author>(acx, a.id);
//   }
//
// The bulk verbs (pgpx/orm/bulk.hpp) run their blocking code on the engine through the
// executor's call(): the same statements, batches and COPY, without blocking the event loop.
//
// Each verb builds the same orm::plan as its blocking twin and runs it with co_await, so
// the SQL, the parameters, the RETURNING handling and the errors are identical. Objects
// passed by reference must outlive the co_await.
//
// Thread safety: as the executor's (one coroutine at a time on a connection).
#pragma once

#include <pgpx/async/async.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/orm/eager.hpp>
#include <pgpx/orm/relations.hpp>

#include <concepts>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

namespace pgpx {
namespace orm {

/// An async executor: async_connection, async_transaction (anything whose exec(statement)
/// is awaitable).
template <class E>
concept async_executor = requires(E& ex, statement<void> s) {
  { ex.exec(std::move(s)) } -> std::same_as<asio::awaitable<result>>;
};

/// Runs a plan on an async executor.
template <class R, async_executor E>
auto run(E& ex, plan<R> p) -> asio::awaitable<R> {
  std::optional<result> r;
  try {
    r.emplace(co_await ex.exec(std::move(p.stmt)));
  } catch (const error& e) {
    detail::rethrow_for_model(e, *p.model);
  }
  // The statements the hooks added: before_*'s, then the after_* hooks and theirs.
  if constexpr (std::is_void_v<R>) {
    p.finish(*r);
    for (auto& s : p.also) co_await ex.exec(std::move(s));
    if (p.after) {
      auto more = p.after(*r);
      for (auto& s : more) co_await ex.exec(std::move(s));
    }
  } else {
    R out = p.finish(*r);
    for (auto& s : p.also) co_await ex.exec(std::move(s));
    if (p.after) {
      auto more = p.after(*r);
      for (auto& s : more) co_await ex.exec(std::move(s));
    }
    co_return out;
  }
}

/// An async executor that runs blocking pgpx code on its engine (async_connection,
/// async_transaction).
namespace detail {
struct call_probe {
  template <class C>
  auto operator()(C& /*unused*/) const -> int {
    return 0;
  }
};
}  // namespace detail
template <class E>
concept async_callable = async_executor<E> && requires(E& ex, detail::call_probe p) { ex.call(p); };

}  // namespace orm

/// Inserts every row of `rows` (see the blocking insert_many); `rows` must outlive the co_await.
template <class Range, orm::async_callable E>
auto insert_many(E& ex, Range&& rows) -> asio::awaitable<std::uint64_t> {
  co_return co_await ex.call([&](auto& c) { return pgpx::insert_many(c, rows); });
}
/// Sets members on every live row matching `predicate` (see the blocking update_many).
template <class T, orm::async_callable E, class... M>
auto update_many(E& ex, statement<void> predicate, set_t<T, M>... sets) -> asio::awaitable<std::uint64_t> {
  co_return co_await ex.call([&](auto& c) { return pgpx::update_many<T>(c, predicate, sets...); });
}
/// Removes every live row matching `predicate` (soft for deleted_at models).
template <class T, orm::async_callable E>
auto delete_many(E& ex, statement<void> predicate) -> asio::awaitable<std::uint64_t> {
  co_return co_await ex.call([&](auto& c) { return pgpx::delete_many<T>(c, predicate); });
}
/// Deletes every row matching `predicate`, soft-deleted or not (see the blocking hard_delete_many).
template <class T, orm::async_callable E>
auto hard_delete_many(E& ex, statement<void> predicate) -> asio::awaitable<std::uint64_t> {
  co_return co_await ex.call([&](auto& c) { return pgpx::hard_delete_many<T>(c, predicate); });
}

/// Loads related rows of a range in one statement (see the blocking pgpx::load).
template <class Range, class Holder, class M, orm::async_callable E>
auto load(E& ex, const Range& rows, M Holder::*fk)
    -> asio::awaitable<decltype(pgpx::load(std::declval<connection&>(), rows, fk))> {
  co_return co_await ex.call([&](auto& c) { return pgpx::load(c, rows, fk); });
}

/// Loads the rows linked through a join model (see the blocking pgpx::load with pgpx::through).
template <class Range, class J, class A, class B, orm::async_callable E>
auto load(E& ex, const Range& rows, through_t<J, A, B> h)
    -> asio::awaitable<decltype(pgpx::load(std::declval<connection&>(), rows, h))> {
  co_return co_await ex.call([&](auto& c) { return pgpx::load(c, rows, h); });
}

/// Inserts `obj` and fills its identity and server-side columns.
template <class T, orm::async_executor E>
auto insert(E& ex, T& obj) -> asio::awaitable<void> {
  auto p = orm::insert_plan(orm::detail::as_model(obj));
  co_await orm::run(ex, std::move(p));
}
namespace orm::detail {
template <class T, orm::async_executor E>
auto insert_value(E& ex, T obj) -> asio::awaitable<T> {
  auto p = orm::insert_plan(orm::detail::as_model(obj));
  co_await orm::run(ex, std::move(p));
  co_return obj;
}
}  // namespace orm::detail
/// Inserts a temporary and returns it with the columns the server filled
/// (`co_await pgpx::insert(acx, author{.name = "Ada"})`). The object is moved into the
/// operation when it is called, so the awaitable owns it.
template <class T, orm::async_executor E>
  requires(!std::is_lvalue_reference_v<T>)
auto insert(E& ex, T&& obj) -> asio::awaitable<T> {
  return orm::detail::insert_value(ex, std::move(obj));
}
/// The live row of T with these primary-key values.
template <class T, orm::async_executor E, class... K>
[[nodiscard]] auto get(E& ex, const K&... keys) -> asio::awaitable<std::optional<T>> {
  auto p = orm::get_plan<T>(false, keys...);
  co_return co_await orm::run(ex, std::move(p));
}
/// The row of T with these key values, soft-deleted or not.
template <class T, orm::async_executor E, class... K>
[[nodiscard]] auto get(E& ex, with_deleted_t, const K&... keys) -> asio::awaitable<std::optional<T>> {
  auto p = orm::get_plan<T>(true, keys...);
  co_return co_await orm::run(ex, std::move(p));
}
/// Writes every settable column of `obj`.
template <class T, orm::async_executor E>
auto update(E& ex, T& obj) -> asio::awaitable<void> {
  auto p = orm::update_plan(obj);
  co_await orm::run(ex, std::move(p));
}
/// The live row of T with these key values, tracked for change-only updates.
template <class T, orm::async_executor E, class... K>
[[nodiscard]] auto get_tracked(E& ex, const K&... keys) -> asio::awaitable<std::optional<tracked<T>>> {
  auto p = orm::get_plan<T>(false, keys...);
  auto row = co_await orm::run(ex, std::move(p));
  if (!row) co_return std::nullopt;
  co_return tracked<T>(std::move(*row));
}
/// Writes the changed members of `t` (nothing when none changed); true when a statement was sent.
template <class T, orm::async_executor E>
auto update(E& ex, tracked<T>& t) -> asio::awaitable<bool> {
  auto p = orm::update_plan(t);
  if (!p) co_return false;
  co_await orm::run(ex, std::move(*p));
  co_return true;
}
/// Writes only the listed members of `obj`.
template <class T, class C, orm::async_executor E>
auto update(E& ex, T& obj, only_t<C> cols) -> asio::awaitable<void> {
  auto p = orm::update_plan(orm::detail::as_model(obj), cols);
  co_await orm::run(ex, std::move(p));
}
/// Deletes `obj`'s row (soft for models with deleted_at).
template <class T, orm::async_executor E>
auto remove(E& ex, T& obj) -> asio::awaitable<void> {
  auto p = orm::remove_plan(orm::detail::as_model(obj));
  co_await orm::run(ex, std::move(p));
}
/// Deletes `obj`'s row, soft-deleted or not.
template <class T, orm::async_executor E>
auto hard_delete(E& ex, T& obj) -> asio::awaitable<void> {
  auto p = orm::hard_delete_plan(orm::detail::as_model(obj));
  co_await orm::run(ex, std::move(p));
}
/// Clears deleted_at of a soft-deleted row.
template <class T, orm::async_executor E>
auto restore(E& ex, T& obj) -> asio::awaitable<void> {
  auto p = orm::restore_plan(orm::detail::as_model(obj));
  co_await orm::run(ex, std::move(p));
}
/// Inserts `obj` or handles the conflicting row.
template <class T, class C, orm::async_executor E>
auto upsert(E& ex, T& obj, conflict_target<C> target) -> asio::awaitable<upsert_outcome> {
  auto p = orm::upsert_plan(orm::detail::as_model(obj), target);
  co_return co_await orm::run(ex, std::move(p));
}
/// The number of live rows of T (matching `predicate`, if given).
template <class T, orm::async_executor E>
[[nodiscard]] auto count(E& ex, statement<void> predicate = {}) -> asio::awaitable<std::int64_t> {
  auto p = orm::count_plan<T, std::int64_t>(false, std::move(predicate));
  co_return co_await orm::run(ex, std::move(p));
}
/// True when a live row of T matches `predicate`.
template <class T, orm::async_executor E>
[[nodiscard]] auto exists(E& ex, statement<void> predicate = {}) -> asio::awaitable<bool> {
  auto p = orm::count_plan<T, bool>(false, std::move(predicate));
  co_return co_await orm::run(ex, std::move(p));
}
/// The number of rows of T, soft-deleted or not (matching `predicate`, if given).
template <class T, orm::async_executor E>
[[nodiscard]] auto count(E& ex, with_deleted_t, statement<void> predicate = {}) -> asio::awaitable<std::int64_t> {
  auto p = orm::count_plan<T, std::int64_t>(true, std::move(predicate));
  co_return co_await orm::run(ex, std::move(p));
}
/// True when a row of T, soft-deleted or not, matches `predicate`.
template <class T, orm::async_executor E>
[[nodiscard]] auto exists(E& ex, with_deleted_t, statement<void> predicate = {}) -> asio::awaitable<bool> {
  auto p = orm::count_plan<T, bool>(true, std::move(predicate));
  co_return co_await orm::run(ex, std::move(p));
}

/// The async form of eager_select<T>::all: the query, then one statement per relation per
/// nesting level; a level's statements go in one pipeline round trip when the executor has
/// run_batch (an async_connection), else one by one (`co_await pgpx::select<book>().with(h).all(acx)`).
template <class T, orm::async_executor E>
[[nodiscard]] auto eager_all_async(eager_select<T> q, E& ex) -> asio::awaitable<result_set<T>> {
  result_set<T> rs(co_await ex.query(q.query().statement()));
  std::vector<orm::detail::eager_work> work = rs.start(q.loaders());
  while (!work.empty()) {
    const std::size_t asked = orm::detail::statements_asked(work);
    std::vector<result> results;
    if constexpr (requires(const batch& b) { ex.run_batch(b, batch_options{}); }) {
      if (asked > 1) {  // the statements of one level: one pipeline round trip
        const batch b = orm::detail::level_batch(work);
        batch_outcome out = co_await ex.run_batch(b, orm::detail::one_round_trip());
        out.check();
        results = std::move(out.results);
      }
    }
    if (results.size() != asked) {
      results.clear();
      for (auto& w : work)
        if (w.stmt) results.push_back(co_await ex.exec(std::move(*w.stmt)));
    }
    work = orm::detail::finish_level(work, results);
  }
  co_return rs;
}

}  // namespace pgpx
