// pgpx/orm/crud.hpp: insert, get, update, remove, upsert, count and exists on models.
//
//   orm_models::author a{.name = "Ada", .email = "ada@example.org"};
//   pgpx::insert(cx, a);                      // insert into "authors" ("name", "email", "bio")
//                                             //   values ($1, $2, $3) returning "id", "created_at"
//   std::optional<author> got = pgpx::get<author>(cx, a.id);
//   got->bio = "Mathematician";
//   pgpx::update(cx, *got);                   // every non-key column
//   pgpx::update(cx, *got, pgpx::only(&author::bio));
//   pgpx::remove(cx, b);                      // soft for models with pgpx::deleted_at
//   pgpx::upsert(cx, a, pgpx::on_conflict(&author::email));          // do update from excluded
//   pgpx::upsert(cx, a, pgpx::on_conflict("authors_email_key").do_nothing());
//   std::int64_t n = pgpx::count<book>(cx, pgpx::raw("\"price_cents\" > $1", 100));
//
// Every verb runs on any blocking executor (connection, transaction, savepoint, a pool
// lease's connection) and, through pgpx/orm/async.hpp, on the async ones, with the same
// SQL: each verb builds an orm::plan (a statement and what to do with its result) and a
// driver runs it. The SQL text of a verb depends only on the model, so it is built once per
// model and kept; every value is a bound parameter, every identifier is quoted.
//
// Rules:
//  - identity, server_default, generated, version and updated_at columns are never sent on
//    insert; RETURNING fills them into the object.
//  - update sets every non-key column (or the ones `only` names) except generated ones;
//    a version<> column is checked and incremented (`stale_object_error` when another
//    writer got there first: nothing is written); an updated_at column is set to now().
//  - models with pgpx::deleted_at are soft-deleted: remove() sets it to now(); get, count,
//    exists, update and remove leave deleted rows out unless given pgpx::with_deleted;
//    restore() clears it; hard_delete() deletes the row.
//  - update, remove, restore and hard_delete of a missing row throw error_kind::row_count.
//  - insert, update and upsert validate the object first (pgpx/model/validate.hpp): a
//    failing field throws pgpx::validation_error listing every one, and nothing is sent.
//  - a constraint violation on the model's table becomes pgpx::constraint_error, naming the
//    constraint and the members it covers.
//
// Thread safety: as the executor's. Blocking: every verb runs one statement.
#pragma once

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/result.hpp>
#include <pgpx/core/statement.hpp>
#include <pgpx/error.hpp>
#include <pgpx/export.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/model/validate.hpp>
#include <pgpx/orm/events.hpp>
#include <pgpx/query/expr.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/**
 * An update or delete of a model with a version<> column found another version in the
 * database (or no row): another writer changed the row since it was read. Nothing was
 * written. Reload the row and try again.
 */
class PGPX_API stale_object_error : public error {
 public:
  stale_object_error(std::string model, std::int64_t expected_version, std::string message, error_info info = {});
  /// The C++ model type's name.
  [[nodiscard]] auto model() const noexcept -> const std::string& { return model_; }
  /// The version the object carried (the one the update expected to find).
  [[nodiscard]] auto expected_version() const noexcept -> std::int64_t { return expected_; }

 private:
  std::string model_;
  std::int64_t expected_;
};

/**
 * The server refused a write of a model because of a constraint (unique, primary key,
 * foreign key, check or not null: SQLSTATE class 23). Carries the constraint's name
 * (info().constraint) and the C++ members it covers, found through model_info.
 */
class PGPX_API constraint_error : public sql_error {
 public:
  constraint_error(std::string model, std::vector<std::string> members, std::string message, error_info info);
  /// The C++ model type's name.
  [[nodiscard]] auto model() const noexcept -> const std::string& { return model_; }
  /// The members the constraint covers, in column order (empty when pgpx cannot tell).
  [[nodiscard]] auto members() const noexcept -> const std::vector<std::string>& { return members_; }
  /// The violated constraint's name.
  [[nodiscard]] auto constraint() const noexcept -> const std::string& { return info().constraint; }

 private:
  std::string model_;
  std::vector<std::string> members_;
};

/// Tag: include soft-deleted rows (`pgpx::get<book>(cx, pgpx::with_deleted, 42)`).
struct with_deleted_t {
  explicit constexpr with_deleted_t() = default;
};
/// Includes soft-deleted rows.
inline constexpr with_deleted_t with_deleted{};

/**
 * A SQL predicate with its own bound parameters, the escape hatch for count and exists
 * until the query builder covers a case: `pgpx::raw("\"title\" = $1", title)`. The text
 * must be written by the program (never built from input); values go in as $1, $2...
 */
template <class Sql, class... Args>
  requires std::convertible_to<const Sql&, std::string>  // so that raw<V>(...) of the query builder is not a candidate
[[nodiscard]] auto raw(const Sql& sql, const Args&... args) -> statement<void> {
  return make_statement<void>(std::string(sql), args...);
}

/// The members an update sets: `pgpx::only(&author::name, &author::bio)`.
template <class C>
struct only_t {
  std::vector<std::size_t> columns;  ///< member indexes
};
namespace orm::detail {
/// The connection a blocking executor (connection, transaction, savepoint) runs on.
template <class E>
auto connection_of(E& ex) -> auto& {
  if constexpr (requires { ex.conn(); }) return ex.conn();
  else return ex;
}
/// True when an update may set a column with these facts (not identity, generated, or
/// managed by pgpx: version, updated_at, deleted_at). Keys are the caller's to leave out.
constexpr auto settable(const column_facts& f) noexcept -> bool {
  return !f.identity && f.generated_sql.empty() && f.role == column_role::plain;
}
/// Which leaves of the embedded struct M an update may set.
template <class M, std::size_t... K>
constexpr auto settable_leaves(std::index_sequence<K...>) -> std::array<bool, sizeof...(K)> {
  return {settable(column_facts_of<std::remove_cvref_t<reflect::field_type<K, M>>>())...};
}
}  // namespace orm::detail

/// Limits an update to the listed members of one model. An embedded member (a mixin)
/// stands for those of its columns an update may set (`pgpx::only(&post::audit)`); one
/// with none (`pgpx::soft_delete`: deleted_at is set by remove()) is a usage_error.
template <class C, class... M>
[[nodiscard]] auto only(M C::*... mps) -> only_t<C> {
  static_assert(sizeof...(M) > 0, "pgpx::only needs at least one member");
  only_t<C> out;
  (
      [&] {
        if constexpr (is_embedded<std::remove_cv_t<M>>) {
          const std::vector<std::size_t> all = reflect::indexes_of(mps);
          constexpr auto keep = orm::detail::settable_leaves<std::remove_cv_t<M>>(
              std::make_index_sequence<reflect::field_count<std::remove_cv_t<M>>>{});
          const std::size_t before = out.columns.size();
          for (std::size_t k = 0; k < all.size() && k < keep.size(); ++k)
            if (keep[k]) out.columns.push_back(all[k]);
          if (out.columns.size() == before)
            throw usage_error("pgpx::only: an embedded member of " + std::string(detail::type_name_v<C>) +
                              " has no column an update can set");
        } else {
          out.columns.push_back(detail::member_index(mps));
        }
      }(),
      ...);
  return out;
}

/// What an upsert did.
enum class upsert_outcome {
  inserted,  ///< no conflicting row: a new row was inserted
  updated,  ///< a conflicting row was updated (do update)
  skipped,  ///< a conflicting row was left alone (do nothing); the object is unchanged
};

/**
 * The conflict an upsert handles: the members of a unique key or the primary key
 * (`on_conflict(&author::email)`), or a constraint by name (`on_conflict("authors_email_key")`);
 * then do update (the default: every inserted column not in the conflict takes the excluded
 * value) or `.do_nothing()`.
 */
template <class C = void>
class conflict_target {
 public:
  /// On the members with these indexes (use pgpx::on_conflict).
  explicit conflict_target(std::vector<std::size_t> members) : members_(std::move(members)) {}
  /// On the named constraint (use pgpx::on_conflict).
  explicit conflict_target(std::string constraint) : constraint_(std::move(constraint)) {}
  /// Leave the conflicting row as it is.
  [[nodiscard]] auto do_nothing() && -> conflict_target&& {
    nothing_ = true;
    return std::move(*this);
  }
  /// The conflict members (empty for a named constraint).
  [[nodiscard]] auto members() const noexcept -> const std::vector<std::size_t>& { return members_; }
  /// The constraint name (empty for members).
  [[nodiscard]] auto constraint() const noexcept -> const std::string& { return constraint_; }
  /// True for do nothing.
  [[nodiscard]] auto nothing() const noexcept -> bool { return nothing_; }

 private:
  std::vector<std::size_t> members_;
  std::string constraint_;
  bool nothing_ = false;
};
/// A conflict on these members of one model (a unique key or the primary key).
template <class C, class... M>
[[nodiscard]] auto on_conflict(M C::*... mps) -> conflict_target<C> {
  static_assert(sizeof...(M) > 0, "pgpx::on_conflict needs at least one member or a constraint name");
  return conflict_target<C>(detail::member_indexes(mps...));
}
/// A conflict on the named unique or exclusion constraint.
[[nodiscard]] inline auto on_conflict(std::string constraint) -> conflict_target<void> {
  return conflict_target<void>(std::move(constraint));
}

namespace orm {

/// A blocking executor: connection, transaction, savepoint (anything with exec(statement)).
template <class E>
concept sync_executor = requires(E& ex, const statement<void>& s) {
  { ex.exec(s) } -> std::same_as<result>;
};

/**
 * One verb's work without I/O: the statement to run, the model it writes (to map constraint
 * errors to members) and what turns the result into the verb's answer. The blocking driver
 * (orm::run below) and the async one (pgpx/orm/async.hpp) run the same plan.
 */
template <class R>
struct plan {
  statement<void> stmt;  ///< the verb's statement
  const model_description* model = nullptr;  ///< the model written or read
  std::function<R(const result&)> finish;  ///< reads the result (may throw)
  std::vector<statement<void>> also{};  ///< run next: what before_* hooks added
  /// Called after finish: runs the after_* hooks and returns what they added (run last).
  std::function<std::vector<statement<void>>(const result&)> after{};
};

namespace detail {

/// Rethrows the error being handled as constraint_error when it is a class-23 violation on
/// `m`'s table with a constraint or column pgpx can name; otherwise rethrows it unchanged.
/// Call only inside a catch block.
[[noreturn]] PGPX_API void rethrow_for_model(const error& e, const model_description& m);
/// The constraint_error for `e` when it is a class-23 violation pgpx can tie to `m`.
[[nodiscard]] PGPX_API auto map_constraint(const error& e, const model_description& m)
    -> std::optional<constraint_error>;

/// The SQL and column lists of a verb, built once per model.
struct insert_shape {
  std::string sql;  ///< insert ... values ($1...) [returning ...]
  std::vector<std::size_t> sent;  ///< columns bound as $1, $2...
  std::vector<std::size_t> returned;  ///< columns RETURNING reads back, in order
};
/// `insert into t (sent...) values (...) returning (filled by server...)`.
[[nodiscard]] PGPX_API auto make_insert_shape(const model_description& m) -> insert_shape;

/// The multi-row inserts of a model: `insert ... values (...), (...) returning ...` for 16,
/// 32, ... up to `largest` rows (powers of two; the bound parameters stay under 65,535), so
/// that a model has a handful of statements whatever the range sizes. Built once per model.
struct insert_rows_sql {
  std::size_t largest = 0;  ///< rows of the largest statement (0: none; one by one)
  std::vector<std::string> by_log;  ///< by_log[k]: the statement for 2^k rows (k >= 4)
};
[[nodiscard]] PGPX_API auto make_insert_rows_sql(const model_description& m, const insert_shape& shape)
    -> insert_rows_sql;
/// The range is cut into statements of these sizes (largest first); rows left after them
/// (fewer than 16) go one by one.
[[nodiscard]] PGPX_API auto insert_chunks(const insert_rows_sql& s, std::size_t rows) -> std::vector<std::size_t>;
/// The name of the savepoint a multi-row insert_many runs under.
inline constexpr std::string_view insert_many_savepoint = "pgpx_insert_many";
/// A multi-row insert returned another number of rows than it sent (a trigger skipped some).
[[noreturn]] PGPX_API void throw_rows_returned(const model_description& m, std::size_t sent, std::size_t returned);

/// What an update-like statement does.
enum class write_kind {
  update,  ///< set the columns
  soft_delete,  ///< set deleted_at = now()
  restore,  ///< set deleted_at = null (only on a deleted row)
  hard_delete,  ///< delete the row
};
/// The shape of update/remove/restore/hard_delete statements.
struct write_shape {
  std::string sql;
  std::vector<std::size_t> set;  ///< columns bound first ($1...)
  std::vector<std::size_t> keys;  ///< key columns bound next
  bool checks_version = false;  ///< the version column is bound last
  std::vector<std::size_t> returned;  ///< columns RETURNING reads back
};
/// `update t set ... where keys [and version] [and deleted_at is null] returning ...`.
/// `columns`: the columns to set (update only; empty: every settable column). Throws
/// usage_error for a model without a primary key or a listed column that cannot be set.
[[nodiscard]] PGPX_API auto make_write_shape(const model_description& m, write_kind kind,
                                             const std::vector<std::size_t>& columns = {}) -> write_shape;

/// `select <every column> from t where keys [and deleted_at is null]`.
[[nodiscard]] PGPX_API auto make_get_sql(const model_description& m, bool with_deleted) -> std::string;
/// `select count(*) from t [where (pred)] [and deleted_at is null]`, or `select exists(select 1 ...)`.
/// `bare`: the predicate needs no parentheses before `and` (the query builder's, rendered so).
[[nodiscard]] PGPX_API auto make_count_sql(const model_description& m, bool exists, bool with_deleted,
                                           std::string_view predicate, bool bare = false) -> std::string;

/// The shape of an upsert.
struct upsert_shape {
  std::string sql;
  std::vector<std::size_t> sent;  ///< columns bound as $1, $2...
  std::vector<std::size_t> returned;  ///< columns read back, then the "inserted" flag
};
/// `insert ... on conflict (...) do update set ... | do nothing returning ..., (xmax = 0)`.
[[nodiscard]] PGPX_API auto make_upsert_shape(const model_description& m, const std::vector<std::size_t>& members,
                                              const std::string& constraint, bool nothing) -> upsert_shape;

/// The error for an update/delete that found no row.
[[noreturn]] PGPX_API void throw_no_row(const model_description& m, std::string_view verb, const std::string& sql);
/// The error for a version check that found another version.
[[noreturn]] PGPX_API void throw_stale(const model_description& m, std::int64_t expected, const std::string& sql);

/// Per-member access by run-time index: bind a member as a parameter, read it from a field.
template <class T>
struct access {
  using add_fn = void (*)(const T&, param_list&);
  using read_fn = void (*)(T&, const field&);

  template <std::size_t I>
  static void add(const T& obj, param_list& p) {
    p.add(reflect::get<I>(obj));
  }
  template <std::size_t I>
  static void read(T& obj, const field& f) {
    using M = std::remove_cvref_t<decltype(reflect::get<I>(obj))>;
    reflect::get<I>(obj) = f.template as<M>();
  }
  template <std::size_t... I>
  static constexpr auto adders(std::index_sequence<I...>) -> std::array<add_fn, sizeof...(I)> {
    return {&add<I>...};
  }
  template <std::size_t... I>
  static constexpr auto readers(std::index_sequence<I...>) -> std::array<read_fn, sizeof...(I)> {
    return {&read<I>...};
  }
  static constexpr auto add_member = adders(std::make_index_sequence<reflect::field_count<T>>{});
  static constexpr auto read_member = readers(std::make_index_sequence<reflect::field_count<T>>{});

  /// Binds the columns `cols` (indexes into model_info<T>().columns) of `obj`.
  static void bind(const model_description& m, const std::vector<std::size_t>& cols, const T& obj, param_list& p) {
    for (std::size_t c : cols) add_member[m.columns[c].member_index](obj, p);
  }
  /// Reads the columns `cols` from the first row of `r`, starting at column `first`.
  static void fill(const model_description& m, const std::vector<std::size_t>& cols, T& obj, const result& r,
                   int first = 0) {
    fill_row(m, cols, obj, r[0], first);
  }
  /// Reads the columns `cols` from `rw`, starting at column `first`.
  static void fill_row(const model_description& m, const std::vector<std::size_t>& cols, T& obj, const row& rw,
                       int first = 0) {
    int k = first;
    for (std::size_t c : cols) read_member[m.columns[c].member_index](obj, rw[k++]);
  }
};

template <class T>
inline constexpr bool dependent_false = false;

/// The first line of the diagnostic names the model.
template <class Model>
struct no_primary_key {
  static_assert(dependent_false<Model>,
                "pgpx: this verb needs a primary key: mark a member key<>/identity<> or declare "
                "model<T>::primary_key");
};
/// get<T>(ex, keys...) was given the wrong number of key values.
template <class Model, std::size_t Expected, std::size_t Given>
struct key_mismatch {
  static_assert(dependent_false<Model>, "pgpx: give one value per primary-key column, in key order");
};

template <class T, std::size_t... I>
consteval auto count_key_members(std::index_sequence<I...>) -> std::size_t {
  return (
      std::size_t{0} + ... +
      (column_facts_of<std::remove_cvref_t<decltype(reflect::get<I>(std::declval<T&>()))>>().primary_key ? 1U : 0U));
}
/// The number of primary-key columns of T, known at compile time.
template <class T>
consteval auto key_count() -> std::size_t {
  if constexpr (requires { model<T>::primary_key; }) {
    return std::tuple_size_v<std::remove_cvref_t<decltype(model<T>::primary_key.members)>>;
  } else {
    return count_key_members<T>(std::make_index_sequence<reflect::field_count<T>>{});
  }
}
template <class T>
constexpr void require_key() {
  if constexpr (key_count<T>() == 0) (void)sizeof(no_primary_key<T>);
}

template <class T>
auto version_of(const model_description& m, const T& obj) -> std::int64_t {
  const column_info* v = m.version_column();
  std::int64_t out = 0;
  std::size_t i = 0;
  reflect::for_each_field(obj, [&](std::string_view, const auto& field) {
    using M = std::remove_cvref_t<decltype(field)>;
    if constexpr (column_facts_of<M>().role == column_role::version) {
      if (i == v->member_index) out = static_cast<std::int64_t>(field.value);
    }
    ++i;
  });
  return out;
}

template <class T>
auto write_plan(T& obj, write_kind kind, const write_shape& shape, bool run_before = true) -> plan<void> {
  const model_description& m = model_info<T>();
  const write_event ev =
      kind == write_kind::update || kind == write_kind::restore ? write_event::update : write_event::remove;
  std::vector<statement<void>> also;
  if (run_before) also = before_write(obj, ev);
  if (kind == write_kind::update) check_valid(obj);
  param_list p;
  access<T>::bind(m, shape.set, obj, p);
  access<T>::bind(m, shape.keys, obj, p);
  std::int64_t expected = 0;
  if (shape.checks_version) {
    expected = version_of(m, obj);
    p.add(expected);
  }
  return plan<void>{statement<void>(shape.sql, std::move(p)), &m,
                    [&obj, &shape, &m, expected, kind](const result& r) {
                      if (r.affected_rows() == 0) {
                        if (shape.checks_version) throw_stale(m, expected, shape.sql);
                        throw_no_row(m,
                                     kind == write_kind::update        ? "update"
                                     : kind == write_kind::restore     ? "restore"
                                     : kind == write_kind::soft_delete ? "remove"
                                                                       : "hard_delete",
                                     shape.sql);
                      }
                      if (!shape.returned.empty()) access<T>::fill(m, shape.returned, obj, r);
                    },
                    std::move(also), [&obj, ev](const result&) { return after_write(obj, ev); }};
}

}  // namespace detail

/// The plan of pgpx::insert: fills the server's columns into `obj` (which must outlive it).
template <class T>
[[nodiscard]] auto insert_plan(T& obj) -> plan<void> {
  const model_description& m = model_info<T>();
  static const detail::insert_shape shape = detail::make_insert_shape(m);
  auto also = detail::before_write(obj, write_event::insert);
  check_valid(obj);
  param_list p;
  detail::access<T>::bind(m, shape.sent, obj, p);
  return plan<void>{statement<void>(shape.sql, std::move(p)), &m,
                    [&obj, &m](const result& r) {
                      if (r.affected_rows() != 1) detail::throw_no_row(m, "insert", shape.sql);
                      if (!shape.returned.empty()) detail::access<T>::fill(m, shape.returned, obj, r);
                    },
                    std::move(also), [&obj](const result&) { return detail::after_write(obj, write_event::insert); }};
}

/// The plan of pgpx::get: the row with these key values, or nothing.
template <class T, class... K>
[[nodiscard]] auto get_plan(bool with_deleted, const K&... keys) -> plan<std::optional<T>> {
  detail::require_key<T>();
  if constexpr (sizeof...(K) != detail::key_count<T>())
    (void)sizeof(detail::key_mismatch<T, detail::key_count<T>(), sizeof...(K)>);
  const model_description& m = model_info<T>();
  static const std::string live = detail::make_get_sql(m, false);
  static const std::string all = detail::make_get_sql(m, true);
  param_list p;
  (p.add(keys), ...);
  const std::string& sql = with_deleted ? all : live;
  return plan<std::optional<T>>{statement<void>(sql, std::move(p)), &m,
                                [&sql](const result& r) { return r.template optional<T>(sql); }};
}

/// The plan of pgpx::update (every settable column).
template <class T>
[[nodiscard]] auto update_plan(T& obj) -> plan<void> {
  detail::require_key<T>();
  static const detail::write_shape shape = detail::make_write_shape(model_info<T>(), detail::write_kind::update);
  return detail::write_plan(obj, detail::write_kind::update, shape);
}

/// The plan of pgpx::update limited to some members. The shape is built per call.
template <class T, class C>
[[nodiscard]] auto update_plan(T& obj, const only_t<C>& cols) -> plan<void> {
  static_assert(std::is_same_v<C, T>, "pgpx::only: the members must belong to the updated model");
  detail::require_key<T>();
  const model_description& m = model_info<T>();
  std::vector<std::size_t> columns;
  for (std::size_t member : cols.columns)
    for (std::size_t c = 0; c < m.columns.size(); ++c)
      if (m.columns[c].member_index == member) columns.push_back(c);
  auto shape =
      std::make_shared<const detail::write_shape>(detail::make_write_shape(m, detail::write_kind::update, columns));
  plan<void> p = detail::write_plan(obj, detail::write_kind::update, *shape);
  p.finish = [inner = std::move(p.finish), shape](const result& r) { inner(r); };  // keeps the shape alive
  return p;
}

/// The plan of pgpx::remove: soft for models with a deleted_at column, else delete.
template <class T>
[[nodiscard]] auto remove_plan(T& obj) -> plan<void> {
  detail::require_key<T>();
  const model_description& m = model_info<T>();
  const auto kind = m.soft_delete_column() ? detail::write_kind::soft_delete : detail::write_kind::hard_delete;
  static const detail::write_shape shape = detail::make_write_shape(m, kind);
  return detail::write_plan(obj, kind, shape);
}

/// The plan of pgpx::hard_delete.
template <class T>
[[nodiscard]] auto hard_delete_plan(T& obj) -> plan<void> {
  detail::require_key<T>();
  static const detail::write_shape shape = detail::make_write_shape(model_info<T>(), detail::write_kind::hard_delete);
  return detail::write_plan(obj, detail::write_kind::hard_delete, shape);
}

/// The plan of pgpx::restore (models with a deleted_at column).
template <class T>
[[nodiscard]] auto restore_plan(T& obj) -> plan<void> {
  detail::require_key<T>();
  static const detail::write_shape shape = detail::make_write_shape(model_info<T>(), detail::write_kind::restore);
  return detail::write_plan(obj, detail::write_kind::restore, shape);
}

namespace detail {
/// A builder expression as a predicate that may stand before `and` without parentheses.
template <class P>
auto bare_predicate(const P& p) -> statement<void> {
  if constexpr (!std::is_same_v<query::detail::operand_t<P>, bool>) not_a_condition<query::detail::operand_t<P>>{};
  return query::detail::render_predicate(p.node(), query::detail::prec::and_);
}
}  // namespace detail

/// The plan of pgpx::count or pgpx::exists (R = std::int64_t or bool).
template <class T, class R>
[[nodiscard]] auto count_plan(bool with_deleted, statement<void> predicate, bool bare = false) -> plan<R> {
  const model_description& m = model_info<T>();
  auto sql = detail::make_count_sql(m, std::is_same_v<R, bool>, with_deleted, predicate.sql(), bare);
  param_list p = predicate.params();
  return plan<R>{statement<void>(std::move(sql), std::move(p)), &m,
                 [](const result& r) { return r.template value<R>(); }};
}

/// The plan of pgpx::upsert.
template <class T, class C>
[[nodiscard]] auto upsert_plan(T& obj, const conflict_target<C>& target) -> plan<upsert_outcome> {
  static_assert(std::is_void_v<C> || std::is_same_v<C, T>,
                "pgpx::on_conflict: the members must belong to the upserted model");
  const model_description& m = model_info<T>();
  std::vector<std::size_t> members;
  for (std::size_t member : target.members())
    for (std::size_t c = 0; c < m.columns.size(); ++c)
      if (m.columns[c].member_index == member) members.push_back(c);
  auto shape = std::make_shared<const detail::upsert_shape>(
      detail::make_upsert_shape(m, members, target.constraint(), target.nothing()));
  auto also = detail::before_write(obj, write_event::insert);
  check_valid(obj);
  param_list p;
  detail::access<T>::bind(m, shape->sent, obj, p);
  return plan<upsert_outcome>{statement<void>(shape->sql, std::move(p)), &m,
                              [&obj, &m, shape](const result& r) {
                                if (r.empty()) return upsert_outcome::skipped;
                                detail::access<T>::fill(m, shape->returned, obj, r);
                                const bool inserted = r[0][static_cast<int>(shape->returned.size())].as<bool>();
                                return inserted ? upsert_outcome::inserted : upsert_outcome::updated;
                              },
                              std::move(also),
                              [&obj](const result& r) {
                                // do nothing that hit a conflict wrote nothing: no after_* hook
                                return r.empty() ? std::vector<statement<void>>{}
                                                 : detail::after_write(obj, write_event::insert);
                              }};
}

namespace detail {
/// Runs what the hooks added: the before_* statements, then the after_* hooks and theirs.
template <class R, class E>
void run_hook_statements(E& ex, const plan<R>& p, const result& r) {
  for (const auto& s : p.also) ex.exec(s);
  if (p.after)
    for (const auto& s : p.after(r)) ex.exec(s);
}
}  // namespace detail

/// Runs a plan on a blocking executor.
template <class R, sync_executor E>
auto run(E& ex, const plan<R>& p) -> R {
  auto r = [&]() -> result {
    try {
      return ex.exec(p.stmt);
    } catch (const error& e) {
      detail::rethrow_for_model(e, *p.model);
    }
  }();
  if constexpr (std::is_void_v<R>) {
    p.finish(r);
    detail::run_hook_statements(ex, p, r);
  } else {
    R out = p.finish(r);
    detail::run_hook_statements(ex, p, r);
    return out;
  }
}

}  // namespace orm

/**
 * A row with a snapshot of each column's encoded bytes as read (spec D6): `update(ex, t)`
 * sends only the columns whose bytes differ now, and nothing at all when none does.
 * Non-canonical encodings can only report a change that is not one, never miss one.
 * It is the row (it derives from T), so members are used as on T.
 *
 *   auto t = pgpx::get_tracked<author>(cx, 42);   // std::optional<pgpx::tracked<author>>
 *   t->bio = "Countess";
 *   pgpx::update(cx, *t);                         // update "authors" set "bio" = $1 where "id" = $2
 *
 * Changing a key member does not move the row: the update is by the key in the object.
 * Thread safety: none (a value).
 */
template <class T>
class tracked;

namespace orm::detail {
/// The model object itself: a tracked<U> is passed to the other verbs as its U.
template <class T>
auto as_model(T& obj) noexcept -> T& {
  return obj;
}
template <class T>
auto as_model(tracked<T>& obj) noexcept -> T& {
  return obj.value();
}
}  // namespace orm::detail

template <class T>
class tracked : public T {
 public:
  /// Tracks `value`, taking its snapshot now.
  explicit tracked(T value) : T(std::move(value)) { take_snapshot(); }

  /// The row.
  [[nodiscard]] auto value() noexcept -> T& { return *this; }
  /// The row.
  [[nodiscard]] auto value() const noexcept -> const T& { return *this; }

  /// Indexes (into model_info<T>().columns) of the columns whose encoding differs from the
  /// snapshot. May throw conversion_error for a value its codec refuses.
  [[nodiscard]] auto changed_columns() const -> std::vector<std::size_t> {
    const auto now = encode();
    std::vector<std::size_t> out;
    for (std::size_t c = 0; c < now.size(); ++c)
      if (now[c] != pgpx_snapshot_[c]) out.push_back(c);
    return out;
  }
  /// The C++ names of the changed members.
  [[nodiscard]] auto changed_members() const -> std::vector<std::string_view> {
    std::vector<std::string_view> out;
    for (std::size_t c : changed_columns()) out.push_back(model_info<T>().columns[c].member);
    return out;
  }
  /// Takes a new snapshot: the current values count as unchanged from now on.
  void take_snapshot() { pgpx_snapshot_ = encode(); }

 private:
  [[nodiscard]] auto encode() const -> std::vector<std::optional<std::string>> {
    const model_description& m = model_info<T>();
    param_list p;
    for (const auto& c : m.columns) orm::detail::access<T>::add_member[c.member_index](value(), p);
    std::vector<std::optional<std::string>> out(m.columns.size());
    for (std::size_t i = 0; i < out.size(); ++i)
      if (p.values()[i] != nullptr) out[i].emplace(p.values()[i], static_cast<std::size_t>(p.lengths()[i]));
    return out;
  }

  std::vector<std::optional<std::string>> pgpx_snapshot_;
};

namespace orm {

/// The plan of pgpx::update for a tracked row: only the changed settable columns; an empty
/// plan (no statement) when nothing changed. Takes a new snapshot after the write.
template <class T>
[[nodiscard]] auto update_plan(tracked<T>& t) -> std::optional<plan<void>> {
  detail::require_key<T>();
  const model_description& m = model_info<T>();
  auto settable = [&] {
    std::vector<std::size_t> columns;
    for (std::size_t c : t.changed_columns()) {
      const auto& ci = m.columns[c];
      const bool key = std::find(m.primary_key.begin(), m.primary_key.end(), c) != m.primary_key.end();
      if (!key && orm::detail::settable(ci.facts)) columns.push_back(c);
    }
    return columns;
  };
  if (settable().empty()) return std::nullopt;  // no write: no hooks, no statement
  auto also = detail::before_write(t.value(), write_event::update);
  const std::vector<std::size_t> columns = settable();  // with what the hooks changed
  auto shape =
      std::make_shared<const detail::write_shape>(detail::make_write_shape(m, detail::write_kind::update, columns));
  plan<void> p = detail::write_plan(t.value(), detail::write_kind::update, *shape, false);
  p.also = std::move(also);
  p.finish = [inner = std::move(p.finish), shape, &t](const result& r) {
    inner(r);
    t.take_snapshot();
  };
  return p;
}

}  // namespace orm

/// The live row of T with these key values, tracked for change-only updates.
template <class T, orm::sync_executor E, class... K>
[[nodiscard]] auto get_tracked(E& ex, const K&... keys) -> std::optional<tracked<T>> {
  auto row = orm::run(ex, orm::get_plan<T>(false, keys...));
  if (!row) return std::nullopt;
  return tracked<T>(std::move(*row));
}

/// Writes the members of `t` changed since its snapshot (none: nothing is sent) and takes a
/// new snapshot. Returns true when a statement was sent.
template <class T, orm::sync_executor E>
auto update(E& ex, tracked<T>& t) -> bool {
  auto p = orm::update_plan(t);
  if (!p) return false;
  orm::run(ex, *p);
  return true;
}

/// Inserts `obj` and fills its identity and server-side columns from RETURNING. Returns `obj`.
template <class T, orm::sync_executor E>
auto insert(E& ex, T& obj) -> T& {
  orm::run(ex, orm::insert_plan(orm::detail::as_model(obj)));
  return obj;
}
/// Inserts a temporary (`pgpx::insert(cx, author{.name = "Ada"})`) and returns it with the
/// columns the server filled (RETURNING).
template <class T, orm::sync_executor E>
  requires(!std::is_lvalue_reference_v<T>)
auto insert(E& ex, T&& obj) -> T {  // NOLINT(cppcoreguidelines-rvalue-reference-param-not-moved): moved below
  T out = std::move(obj);
  insert(ex, out);
  return out;
}

/// The live row of T with these primary-key values (one per key column, in key order).
template <class T, orm::sync_executor E, class... K>
[[nodiscard]] auto get(E& ex, const K&... keys) -> std::optional<T> {
  return orm::run(ex, orm::get_plan<T>(false, keys...));
}
/// The row of T with these key values, soft-deleted or not.
template <class T, orm::sync_executor E, class... K>
[[nodiscard]] auto get(E& ex, with_deleted_t, const K&... keys) -> std::optional<T> {
  return orm::run(ex, orm::get_plan<T>(true, keys...));
}

/// Writes every settable column of `obj` to its row (checking and incrementing a version<>).
template <class T, orm::sync_executor E>
void update(E& ex, T& obj) {
  orm::run(ex, orm::update_plan(obj));
}
/// Writes only the listed members of `obj`.
template <class T, class C, orm::sync_executor E>
void update(E& ex, T& obj, const only_t<C>& cols) {
  orm::run(ex, orm::update_plan(orm::detail::as_model(obj), cols));
}

/// Deletes `obj`'s row; for a model with deleted_at, sets it to now() instead (and into obj).
template <class T, orm::sync_executor E>
void remove(E& ex, T& obj) {
  orm::run(ex, orm::remove_plan(orm::detail::as_model(obj)));
}
/// Deletes `obj`'s row, soft-deleted or not.
template <class T, orm::sync_executor E>
void hard_delete(E& ex, T& obj) {
  orm::run(ex, orm::hard_delete_plan(orm::detail::as_model(obj)));
}
/// Clears deleted_at of a soft-deleted row (and in obj).
template <class T, orm::sync_executor E>
void restore(E& ex, T& obj) {
  orm::run(ex, orm::restore_plan(orm::detail::as_model(obj)));
}

/// Inserts `obj`, or on the conflict handles the existing row; fills the server's columns
/// (for do update, the existing row's). Says what happened.
template <class T, class C, orm::sync_executor E>
auto upsert(E& ex, T& obj, const conflict_target<C>& target) -> upsert_outcome {
  return orm::run(ex, orm::upsert_plan(orm::detail::as_model(obj), target));
}

/// The number of live rows of T (matching `predicate`, if given).
template <class T, orm::sync_executor E>
[[nodiscard]] auto count(E& ex, statement<void> predicate = {}) -> std::int64_t {
  return orm::run(ex, orm::count_plan<T, std::int64_t>(false, std::move(predicate)));
}
/// The number of rows of T, soft-deleted or not.
template <class T, orm::sync_executor E>
[[nodiscard]] auto count(E& ex, with_deleted_t, statement<void> predicate = {}) -> std::int64_t {
  return orm::run(ex, orm::count_plan<T, std::int64_t>(true, std::move(predicate)));
}
/// The number of live rows of T matching a builder expression:
/// `pgpx::count<book>(cx, pgpx::col(&book::author_id) == id)`.
template <class T, orm::sync_executor E, query::detail::expression P>
[[nodiscard]] auto count(E& ex, const P& predicate) -> std::int64_t {
  return orm::run(ex, orm::count_plan<T, std::int64_t>(false, orm::detail::bare_predicate(predicate), true));
}
/// The number of rows of T, soft-deleted or not, matching a builder expression.
template <class T, orm::sync_executor E, query::detail::expression P>
[[nodiscard]] auto count(E& ex, with_deleted_t, const P& predicate) -> std::int64_t {
  return orm::run(ex, orm::count_plan<T, std::int64_t>(true, orm::detail::bare_predicate(predicate), true));
}
/// True when a live row of T matches a builder expression.
template <class T, orm::sync_executor E, query::detail::expression P>
[[nodiscard]] auto exists(E& ex, const P& predicate) -> bool {
  return orm::run(ex, orm::count_plan<T, bool>(false, orm::detail::bare_predicate(predicate), true));
}
/// True when a live row of T matches `predicate` (any live row, without one).
template <class T, orm::sync_executor E>
[[nodiscard]] auto exists(E& ex, statement<void> predicate = {}) -> bool {
  return orm::run(ex, orm::count_plan<T, bool>(false, std::move(predicate)));
}
/// True when a row of T, soft-deleted or not, matches `predicate`.
template <class T, orm::sync_executor E>
[[nodiscard]] auto exists(E& ex, with_deleted_t, statement<void> predicate = {}) -> bool {
  return orm::run(ex, orm::count_plan<T, bool>(true, std::move(predicate)));
}

}  // namespace pgpx
