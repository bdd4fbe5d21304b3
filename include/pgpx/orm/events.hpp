// pgpx/orm/events.hpp: hooks around the ORM's writes, per model and global.
//
//   template <> struct pgpx::model<book> {
//     static void before_insert(book& b, pgpx::event& e) {
//       if (b.title.empty()) e.reject("title", "empty", "a book needs a title");   // nothing is sent
//     }
//     static void after_update(book& b, pgpx::event& e) {
//       e.also(pgpx::make_statement("insert into audit (tbl, row_id) values ('books', $1)", b.id));
//     }
//   };
//   auto sub = pgpx::events::on(pgpx::events::phase::after, [](pgpx::event& e) {   // every model
//     metrics.count(e.model().table, e.kind());
//   });
//
// Per-model hooks are static functions of pgpx::model<T>, found at compile time:
// before_insert, after_insert, before_update, after_update, before_delete, after_delete,
// each `void(T&, pgpx::event&)`. Global hooks are registered with events::on and see every
// model (the object as `const void*` with its model_description).
//
// When they run, for insert, update (all, only, tracked), remove/hard_delete/restore
// (delete hooks; restore counts as an update) and upsert (insert hooks), also in each row of
// insert_many:
//  - before_*: after the plan is chosen and before validation; may change the object,
//    reject (pgpx::validation_error listing every rejection, nothing is sent) or add
//    statements with also();
//  - the statement runs; then the statements added by before_* hooks, in order, on the same
//    executor (inside the caller's transaction: run the verb in one to make them atomic);
//  - after_*: once the server confirmed the write (and RETURNING filled the object); they may
//    add statements, which run next. An exception from an after_* hook propagates: the write
//    happened, so roll back the caller's transaction to undo it.
// update_many, delete_many and hard_delete_many (statement-level writes, no objects) run the
// hooks of their own kinds, write_event::update_many and delete_many: per model
// before_update_many / after_update_many / before_delete_many / after_delete_many, each
// `void(pgpx::event&)`, and the global hooks, which see object() == nullptr, predicate() (the
// statement's WHERE condition and its parameters) and, after the write, rows() (the count).
// A before hook may reject (nothing is sent) or add statements, as for objects.
//
// Thread safety: events::on and the returned subscription's destructor may be called from
// any thread; a write sees the list of global hooks as it was when the write started.
#pragma once

#include <pgpx/core/statement.hpp>
#include <pgpx/export.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/model/validate.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx {

/// What an ORM write does: to one object's row, or (update_many, delete_many: one statement)
/// to every row a predicate matches.
enum class write_event { insert, update, remove, update_many, delete_many };

/**
 * One hook call: the model, the kind of write and whether it is before or after, and what a
 * hook may do (reject, add statements).
 */
class PGPX_API event {
 public:
  /// Before or after the write.
  enum class phase_kind { before, after };

  event(const model_description& model, write_event kind, phase_kind phase, const void* object) noexcept
      : model_(&model), kind_(kind), phase_(phase), object_(object) {}
  /// A statement-level write (update_many, delete_many): no object; its WHERE condition and,
  /// after it ran, the rows it wrote.
  event(const model_description& model, write_event kind, phase_kind phase, const statement<void>& predicate,
        std::uint64_t rows = 0) noexcept
      : model_(&model), kind_(kind), phase_(phase), object_(nullptr), predicate_(&predicate), rows_(rows) {}

  /// The written model's description (table, columns).
  [[nodiscard]] auto model() const noexcept -> const model_description& { return *model_; }
  /// Insert, update or remove.
  [[nodiscard]] auto kind() const noexcept -> write_event { return kind_; }
  /// Before or after the write.
  [[nodiscard]] auto phase() const noexcept -> phase_kind { return phase_; }
  /// The object written (a T of model()): for global hooks that know the type; nullptr for
  /// update_many and delete_many.
  [[nodiscard]] auto object() const noexcept -> const void* { return object_; }
  /// update_many and delete_many: the WHERE condition (SQL and parameters); else nullptr.
  [[nodiscard]] auto predicate() const noexcept -> const statement<void>* { return predicate_; }
  /// update_many and delete_many, after the write: the rows it wrote (0 before).
  [[nodiscard]] auto rows() const noexcept -> std::uint64_t { return rows_; }

  /// Refuses the write (before_* only): the verb throws validation_error with every
  /// rejection and nothing is sent. Calling it in an after_* hook is a usage_error.
  void reject(std::string_view field, std::string type, std::string msg);
  /// Adds a statement to run after the write, on the same executor.
  void also(statement<void> s) { also_.push_back(std::move(s)); }

  /// The rejections so far.
  [[nodiscard]] auto rejections() const noexcept -> const issues& { return rejected_; }
  /// The statements added so far (taken by the ORM).
  [[nodiscard]] auto take_statements() noexcept -> std::vector<statement<void>> { return std::move(also_); }

 private:
  const model_description* model_;
  write_event kind_;
  phase_kind phase_;
  const void* object_;
  const statement<void>* predicate_ = nullptr;
  std::uint64_t rows_ = 0;
  issues rejected_;
  std::vector<statement<void>> also_;
};

/// The lowercase name of a write event ("insert", "update", "delete", "update_many", "delete_many").
[[nodiscard]] PGPX_API auto to_string(write_event kind) noexcept -> std::string_view;

namespace events {

/// Before or after a write.
using phase = event::phase_kind;

/// A global hook: called for every model's writes in its phase.
using hook = std::function<void(event&)>;

/// Keeps a global hook registered; destroying (or reset()) removes it.
class PGPX_API subscription {
 public:
  subscription() = default;
  explicit subscription(std::shared_ptr<const void> token) : token_(std::move(token)) {}
  subscription(subscription&&) noexcept = default;
  auto operator=(subscription&&) noexcept -> subscription& = default;
  subscription(const subscription&) = delete;
  auto operator=(const subscription&) -> subscription& = delete;
  ~subscription() { reset(); }
  /// Removes the hook now.
  void reset() noexcept;

 private:
  std::shared_ptr<const void> token_;
};

/// Registers `fn` for every ORM write in `when`. Keep the subscription as long as the hook
/// should run.
[[nodiscard]] PGPX_API auto on(phase when, hook fn) -> subscription;

/// Runs the global hooks of `e`'s phase (the ORM calls this; exceptions propagate).
PGPX_API void run_global(event& e);

}  // namespace events

namespace orm::detail {

/// Calls model<T>'s hook for (kind, phase), if it declares one.
template <class T>
void call_model_hook(T& obj, event& e) {
  using M = model<T>;
  const bool before = e.phase() == event::phase_kind::before;
  switch (e.kind()) {
    case write_event::insert:
      if constexpr (requires { M::before_insert(obj, e); }) {
        if (before) M::before_insert(obj, e);
      }
      if constexpr (requires { M::after_insert(obj, e); }) {
        if (!before) M::after_insert(obj, e);
      }
      break;
    case write_event::update:
      if constexpr (requires { M::before_update(obj, e); }) {
        if (before) M::before_update(obj, e);
      }
      if constexpr (requires { M::after_update(obj, e); }) {
        if (!before) M::after_update(obj, e);
      }
      break;
    case write_event::remove:
      if constexpr (requires { M::before_delete(obj, e); }) {
        if (before) M::before_delete(obj, e);
      }
      if constexpr (requires { M::after_delete(obj, e); }) {
        if (!before) M::after_delete(obj, e);
      }
      break;
    case write_event::update_many:
    case write_event::delete_many: break;  // statement-level: call_many_hook
  }
}

/// Calls model<T>'s statement-level hook for (kind, phase), if it declares one.
template <class T>
void call_many_hook(event& e) {
  using M = model<T>;
  const bool before = e.phase() == event::phase_kind::before;
  if (e.kind() == write_event::update_many) {
    if constexpr (requires { M::before_update_many(e); }) {
      if (before) M::before_update_many(e);
    }
    if constexpr (requires { M::after_update_many(e); }) {
      if (!before) M::after_update_many(e);
    }
  } else if (e.kind() == write_event::delete_many) {
    if constexpr (requires { M::before_delete_many(e); }) {
      if (before) M::before_delete_many(e);
    }
    if constexpr (requires { M::after_delete_many(e); }) {
      if (!before) M::after_delete_many(e);
    }
  }
}

/// Runs the before hooks of a statement-level write of T (model's, then global). Throws
/// validation_error for rejections. Returns the statements they added.
template <class T>
auto before_many(write_event kind, const statement<void>& predicate) -> std::vector<statement<void>> {
  event e(model_info<T>(), kind, event::phase_kind::before, predicate);
  call_many_hook<T>(e);
  events::run_global(e);
  if (!e.rejections().empty()) throw validation_error(std::string(model_info<T>().cpp_name), e.rejections().list());
  return e.take_statements();
}

/// Runs the after hooks of a statement-level write of T that wrote `rows` rows.
template <class T>
auto after_many(write_event kind, const statement<void>& predicate, std::uint64_t rows)
    -> std::vector<statement<void>> {
  event e(model_info<T>(), kind, event::phase_kind::after, predicate, rows);
  call_many_hook<T>(e);
  events::run_global(e);
  return e.take_statements();
}

/// Runs the before_* hooks of `obj` (model's, then global). Throws validation_error for
/// rejections. Returns the statements they added.
template <class T>
auto before_write(T& obj, write_event kind) -> std::vector<statement<void>> {
  event e(model_info<T>(), kind, event::phase_kind::before, &obj);
  call_model_hook(obj, e);
  events::run_global(e);
  if (!e.rejections().empty()) throw validation_error(std::string(model_info<T>().cpp_name), e.rejections().list());
  return e.take_statements();
}

/// For a const object (insert_many of a const range): the global hooks only; a model whose
/// before_insert could change the row needs a mutable range.
template <class T>
auto before_write(const T& obj, write_event kind) -> std::vector<statement<void>> {
  static_assert(
      !requires(T& o, event& e) { model<T>::before_insert(o, e); },
      "pgpx: this model has a before_insert hook, which may change the rows: pass a mutable range");
  event e(model_info<T>(), kind, event::phase_kind::before, &obj);
  events::run_global(e);
  if (!e.rejections().empty()) throw validation_error(std::string(model_info<T>().cpp_name), e.rejections().list());
  return e.take_statements();
}

/// After the write of a const object: the global hooks and the model's after_* hook
/// (which takes a const T&, or is skipped).
template <class T>
auto after_write(const T& obj, write_event kind) -> std::vector<statement<void>> {
  static_assert(
      !requires(T& o, event& e) { model<T>::after_insert(o, e); },
      "pgpx: this model has an after_insert hook: pass a mutable range");
  event e(model_info<T>(), kind, event::phase_kind::after, &obj);
  events::run_global(e);
  return e.take_statements();
}

/// Runs the after_* hooks of `obj`; returns the statements they added.
template <class T>
auto after_write(T& obj, write_event kind) -> std::vector<statement<void>> {
  event e(model_info<T>(), kind, event::phase_kind::after, &obj);
  call_model_hook(obj, e);
  events::run_global(e);
  return e.take_statements();
}

}  // namespace orm::detail
}  // namespace pgpx
