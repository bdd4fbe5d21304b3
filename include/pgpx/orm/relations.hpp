// pgpx/orm/relations.hpp: loading related rows of a whole range in one statement.
//
//   std::vector<book> books = ...;
//   auto authors = pgpx::load(cx, books, &book::author_id);     // belongs-to: one statement
//   const author* a = authors.parent(books[0]);                  // nullptr: NULL key or not found
//   auto shelf = pgpx::load(cx, some_authors, &book::author_id); // has-many: one statement
//   for (const book& b : shelf.children(some_authors[0])) use(b);
//   std::optional<author> one = pgpx::load_one(cx, books[0], &book::author_id);
//
// The relation is declared by the foreign key (a references<> member); its direction comes
// from the range's element type at compile time: a range of the model that holds the key
// loads the referenced rows (belongs-to), a range of the referenced model loads the rows
// that point at them (has-many). The keys travel as one array parameter
// (`"id" = any($1)`): one statement for any number of rows, no IN list, no parameter limit,
// so loading related rows is never N+1. Related rows are decoded once each, however many
// rows share them. Soft-deleted related rows are left out. Loading is always explicit: the
// models have no relation members and nothing loads behind the caller's back.
//
// Blocking; runs on any executor with exec(statement) (connection, transaction, savepoint).
// The async forms are in pgpx/orm/async.hpp.
#pragma once

#include <pgpx/orm/crud.hpp>
#include <pgpx/query/select.hpp>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <ranges>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pgpx {

/// The rows a range's foreign keys reference (belongs-to), found by each row of the range.
template <class From, class To>
class parent_rows {
 public:
  parent_rows() = default;
  /// The loaded rows, their index by encoded key, and how a row of the range gives its key.
  parent_rows(std::vector<To> rows, std::unordered_map<std::string, std::size_t> index,
              std::function<std::optional<std::string>(const From&)> key_of)
      : rows_(std::move(rows)), index_(std::move(index)), key_of_(std::move(key_of)) {}
  /// The row `child` references, or nullptr (a NULL key, or a row not found or soft-deleted).
  [[nodiscard]] auto parent(const From& child) const -> const To* {
    auto key = key_of_(child);
    if (!key) return nullptr;
    const auto it = index_.find(*key);
    return it == index_.end() ? nullptr : &rows_[it->second];
  }
  /// Every loaded row, each once.
  [[nodiscard]] auto rows() const noexcept -> const std::vector<To>& { return rows_; }

 private:
  std::vector<To> rows_;
  std::unordered_map<std::string, std::size_t> index_;
  std::function<std::optional<std::string>(const From&)> key_of_;
};

/// The rows that reference each row of a range (has-many), grouped by that row.
template <class From, class To>
class child_rows {
 public:
  child_rows() = default;
  /// The loaded rows (grouped), the groups by encoded key, and how an owner gives its key.
  child_rows(std::vector<To> rows, std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> groups,
             std::function<std::optional<std::string>(const From&)> key_of)
      : rows_(std::move(rows)), groups_(std::move(groups)), key_of_(std::move(key_of)) {}
  /// The rows that reference `owner` (empty when none), in primary-key order.
  [[nodiscard]] auto of(const From& owner) const -> std::span<const To> {
    auto key = key_of_(owner);
    if (!key) return {};
    const auto it = groups_.find(*key);
    if (it == groups_.end()) return {};
    return std::span<const To>(rows_).subspan(it->second.first, it->second.second);
  }
  /// Every loaded row.
  [[nodiscard]] auto rows() const noexcept -> const std::vector<To>& { return rows_; }

 private:
  std::vector<To> rows_;
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> groups_;  // first, count
  std::function<std::optional<std::string>(const From&)> key_of_;
};

/// The rows related to each row of a range through a join model (many-to-many).
template <class From, class To>
class related_rows {
 public:
  related_rows() = default;
  /// The loaded rows and, per owner key, the indexes of its related rows.
  related_rows(std::vector<To> rows, std::unordered_map<std::string, std::vector<std::size_t>> links,
               std::function<std::optional<std::string>(const From&)> key_of)
      : rows_(std::move(rows)), links_(std::move(links)), key_of_(std::move(key_of)) {}
  /// The rows linked to `owner`, in the target's primary-key order (each row loaded once,
  /// shared between owners).
  [[nodiscard]] auto of(const From& owner) const -> std::vector<const To*> {
    std::vector<const To*> out;
    auto key = key_of_(owner);
    if (!key) return out;
    const auto it = links_.find(*key);
    if (it == links_.end()) return out;
    for (std::size_t i : it->second) out.push_back(&rows_[i]);
    return out;
  }
  /// Every loaded row, each once.
  [[nodiscard]] auto rows() const noexcept -> const std::vector<To>& { return rows_; }

 private:
  std::vector<To> rows_;
  std::unordered_map<std::string, std::vector<std::size_t>> links_;
  std::function<std::optional<std::string>(const From&)> key_of_;
};

/// A many-to-many relation through a join model with two foreign keys:
/// `pgpx::through(&book_tag::book_id, &book_tag::tag_id)` (from books to tags).
template <class J, class A, class B>
struct through_t {
  A J::*from;  ///< the join model's key to the rows the relation starts from
  B J::*to;    ///< the join model's key to the related rows
};
/// The many-to-many handle of a join model: its key to the owners, then to the targets.
template <class J, class A, class B>
[[nodiscard]] constexpr auto through(A J::*from, B J::*to) -> through_t<J, A, B> {
  return {from, to};
}

namespace orm::detail {

/// `select <To's columns> from <To> where "<col>" = any($1) [and "deleted_at" is null]
/// [order by "<col>", <key>]`.
[[nodiscard]] PGPX_API auto make_related_sql(const model_description& to, std::size_t column, bool group)
    -> std::string;

/// The referenced member of a references<> member type (through optional and wrappers).
template <class M>
using reference_of = typename pgpx::detail::find_reference<M>::type;

/// The value V inside a member (through wrappers), or nullptr for an empty optional.
template <class V, class M>
auto leaf_ptr(const M& m) -> const V* {
  if constexpr (pgpx::detail::is_std_optional<M>::value) {
    return m ? leaf_ptr<V>(*m) : nullptr;
  } else {
    return &static_cast<const V&>(m);
  }
}

/// A key's identity: its binary encoding (the same on both sides of a foreign key).
template <class V>
auto key_bytes(const V* v) -> std::optional<std::string> {
  if (v == nullptr) return std::nullopt;
  std::string out;
  codec<V>::encode(*v, out);
  return out;
}

/// The distinct non-NULL keys of `rows` (member `mp`), for one array parameter.
template <class V, class Range, class C, class M>
auto key_array(const Range& rows, M C::*mp) -> std::vector<V> {
  std::vector<V> keys;
  std::unordered_map<std::string, bool> seen;
  for (const C& r : rows) {
    const V* v = leaf_ptr<V>(r.*mp);
    if (auto k = key_bytes(v); k && seen.emplace(*k, true).second) keys.push_back(*v);
  }
  return keys;
}

/// The key column of member `mp` in model C (its index in model_info<C>().columns).
template <class C, class M>
auto column_index(M C::*mp) -> std::size_t {
  const model_description& m = model_info<C>();
  const std::size_t member = pgpx::detail::member_index(mp);
  for (std::size_t c = 0; c < m.columns.size(); ++c)
    if (m.columns[c].member_index == member) return c;
  return 0;
}

/// The primary-key columns of model T as expressions (ORDER BY), leaving out `skip_column`.
template <class T>
auto key_order_nodes(std::size_t skip_column = static_cast<std::size_t>(-1)) -> std::vector<query::detail::node_ptr> {
  std::vector<query::detail::node_ptr> out;
  const auto& rel = query::detail::model_relation<T>();
  for (std::size_t k : model_info<T>().primary_key)
    if (k != skip_column) out.push_back(query::detail::column_node(rel, k));
  return out;
}

// The two halves of loading related rows, without I/O: the statement for a range of rows
// (none when no row has a key), and the stitched relation from its result (nullptr: nothing
// was asked). pgpx::load runs them on an executor; eager loading (pgpx/orm/eager.hpp) runs
// them for a query's rows, blocking or async.

/// Belongs-to: `select <target's columns> from <target> where <key> = any($1)`.
/// With `with_deleted`, soft-deleted targets are included.
template <class Range, class From, class M>
auto belongs_to_statement(const Range& rows, M From::*fk, bool with_deleted = false) -> std::optional<statement<void>> {
  using R = reference_of<M>;
  auto keys = key_array<pgpx::detail::leaf_value_t<R>>(rows, fk);
  if (keys.empty()) return std::nullopt;
  auto q = pgpx::select<typename R::pgpx_target_class>().where(pgpx::col(R::pgpx_target).in(keys));
  if (with_deleted) q = std::move(q).with_deleted();
  return q.statement().template as<void>();
}
/// Belongs-to: the referenced rows, found by each row's key.
template <class From, class M>
auto belongs_to_rows(const result* r, M From::*fk) {
  using R = reference_of<M>;
  using V = pgpx::detail::leaf_value_t<R>;
  using Target = typename R::pgpx_target_class;
  constexpr auto target = R::pgpx_target;
  std::vector<Target> found = r != nullptr ? r->template as<Target>() : std::vector<Target>{};
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < found.size(); ++i)
    if (auto k = key_bytes(leaf_ptr<V>(found[i].*target))) index.emplace(*k, i);
  return parent_rows<From, Target>(std::move(found), std::move(index),
                                   [fk](const From& p) { return key_bytes(leaf_ptr<V>(p.*fk)); });
}
/// Has-many: the rows of H whose `fk` is one of the rows' keys, ordered by the key then H's
/// primary key (each owner's rows contiguous), with an optional extra condition on H; with
/// `with_deleted`, soft-deleted rows of H are included.
template <class Range, class H, class M>
auto has_many_statement(const Range& rows, M H::*fk, const query::detail::node_ptr& filter = nullptr,
                        bool with_deleted = false) -> std::optional<statement<void>> {
  using R = reference_of<M>;
  auto keys = key_array<pgpx::detail::leaf_value_t<R>>(rows, R::pgpx_target);
  if (keys.empty()) return std::nullopt;
  auto q = pgpx::select<H>().where(pgpx::col(fk).in(keys));
  if (filter) q = std::move(q).where(expr<bool>(filter));
  if (with_deleted) q = std::move(q).with_deleted();
  auto& d = q.mut();
  d.order.push_back(pgpx::col(fk).node());
  for (auto& n : key_order_nodes<H>(column_index(fk))) d.order.push_back(std::move(n));
  return q.statement().template as<void>();
}
/// Has-many: the rows grouped by the owner they point at.
template <class From, class H, class M>
auto has_many_rows(const result* r, M H::*fk) {
  using R = reference_of<M>;
  using V = pgpx::detail::leaf_value_t<R>;
  constexpr auto target = R::pgpx_target;
  std::vector<H> found = r != nullptr ? r->template as<H>() : std::vector<H>{};
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> groups;
  for (std::size_t i = 0; i < found.size(); ++i) {
    auto k = key_bytes(leaf_ptr<V>(found[i].*fk));
    if (!k) continue;
    auto it = groups.emplace(*k, std::pair<std::size_t, std::size_t>{i, 0}).first;
    ++it->second.second;  // rows come ordered by the key: each group is contiguous
  }
  return child_rows<From, H>(std::move(found), std::move(groups),
                             [](const From& p) { return key_bytes(leaf_ptr<V>(p.*target)); });
}

}  // namespace orm::detail

/**
 * Loads the rows related to every row of `rows` through the foreign key `fk` (a
 * `references<&To::k>` member of one of the two models): one statement. Returns
 * pgpx::parent_rows<From, To> when the range holds the key (belongs-to), or
 * pgpx::child_rows<From, Holder> when the key's model references the range's model (has-many).
 */
template <class Range, class Holder, class M, orm::sync_executor E>
[[nodiscard]] auto load(E& ex, const Range& rows, M Holder::*fk) {
  using From = std::remove_cvref_t<std::ranges::range_reference_t<Range>>;
  using R = orm::detail::reference_of<M>;
  static_assert(!std::is_void_v<R>, "pgpx::load: the member must be a foreign key (pgpx::references<&T::key>)");
  static_assert(std::is_same_v<From, Holder> || std::is_same_v<From, typename R::pgpx_target_class>,
                "pgpx::load: the foreign key must belong to the range's model or reference it");
  auto run = [&ex](const std::optional<statement<void>>& s, auto finish) {
    if (!s) return finish(nullptr);
    const result r = ex.exec(*s);
    return finish(&r);
  };
  if constexpr (std::is_same_v<From, Holder>) {  // belongs-to: the range holds the key
    return run(orm::detail::belongs_to_statement(rows, fk),
               [fk](const result* r) { return orm::detail::belongs_to_rows(r, fk); });
  } else {  // has-many: the key's model references the range's
    return run(orm::detail::has_many_statement(rows, fk),
               [fk](const result* r) { return orm::detail::has_many_rows<From>(r, fk); });
  }
}

/**
 * Loads, for every row of `rows`, the rows linked to it through the join model of `h`
 * (many-to-many): two statements whatever the number of rows (the join rows by the
 * owners' keys, then the targets by theirs). Returns pgpx::related_rows<From, To>.
 */
template <class Range, class J, class A, class B, orm::sync_executor E>
[[nodiscard]] auto load(E& ex, const Range& rows, through_t<J, A, B> h) {
  using From = std::remove_cvref_t<std::ranges::range_reference_t<Range>>;
  using RA = orm::detail::reference_of<A>;
  using RB = orm::detail::reference_of<B>;
  static_assert(!std::is_void_v<RA> && !std::is_void_v<RB>,
                "pgpx::through: both members of the join model must be foreign keys (pgpx::references<&T::key>)");
  static_assert(std::is_same_v<From, typename RA::pgpx_target_class>,
                "pgpx::load: the first member of pgpx::through must reference the range's model");
  using To = typename RB::pgpx_target_class;
  using VA = detail::leaf_value_t<RA>;
  using VB = detail::leaf_value_t<RB>;
  constexpr auto owner_key = RA::pgpx_target;
  constexpr auto target_key = RB::pgpx_target;
  auto key_of = [](const From& r) { return orm::detail::key_bytes(orm::detail::leaf_ptr<VA>(r.*owner_key)); };
  auto owners = orm::detail::key_array<VA>(rows, owner_key);
  if (owners.empty()) return related_rows<From, To>({}, {}, key_of);
  // 1: the join rows of these owners.
  const model_description& jm = model_info<J>();
  auto column_of = [](const model_description& m, std::size_t member) {
    for (std::size_t c = 0; c < m.columns.size(); ++c)
      if (m.columns[c].member_index == member) return c;
    return std::size_t{0};
  };
  static const std::string join_sql =
      orm::detail::make_related_sql(jm, column_of(jm, detail::member_index(h.from)), true);
  const std::vector<J> links = ex.query(make_statement<J>(join_sql, owners));
  // 2: the targets they name.
  auto targets = orm::detail::key_array<VB>(links, h.to);
  std::vector<To> found;
  if (!targets.empty()) {
    const model_description& tm = model_info<To>();
    static const std::string sql =
        orm::detail::make_related_sql(tm, column_of(tm, detail::member_index(target_key)), true);
    found = ex.query(make_statement<To>(sql, targets));
  }
  std::unordered_map<std::string, std::size_t> by_key;
  for (std::size_t i = 0; i < found.size(); ++i)
    if (auto k = orm::detail::key_bytes(orm::detail::leaf_ptr<VB>(found[i].*target_key))) by_key.emplace(*k, i);
  std::unordered_map<std::string, std::vector<std::size_t>> groups;
  for (const J& l : links) {
    auto owner = orm::detail::key_bytes(orm::detail::leaf_ptr<VA>(l.*(h.from)));
    auto target = orm::detail::key_bytes(orm::detail::leaf_ptr<VB>(l.*(h.to)));
    if (!owner || !target) continue;
    const auto it = by_key.find(*target);
    if (it != by_key.end()) groups[*owner].push_back(it->second);
  }
  for (auto& [k, v] : groups) std::sort(v.begin(), v.end());  // the targets' key order
  return related_rows<From, To>(std::move(found), std::move(groups), key_of);
}

/// The row one object's foreign key `fk` references (belongs-to), or nothing.
template <class From, class Holder, class M, orm::sync_executor E>
[[nodiscard]] auto load_one(E& ex, const From& row, M Holder::*fk) {
  static_assert(std::is_same_v<From, Holder>, "pgpx::load_one: the foreign key must belong to the object's model");
  using Target = typename orm::detail::reference_of<M>::pgpx_target_class;
  auto p = load(ex, std::span<const From>(&row, 1), fk);
  const Target* t = p.parent(row);
  return t ? std::optional<Target>(*t) : std::optional<Target>();
}

}  // namespace pgpx
