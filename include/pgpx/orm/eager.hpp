// pgpx/orm/eager.hpp: eager loading in a query, stitched into a result set.
//
//   constexpr auto tags_of_book = pgpx::through(&book_tag::book_id, &book_tag::tag_id);
//   auto rs = pgpx::select<author>().where(pgpx::col(&author::id) < 100)
//                 .with(pgpx::children(&book::author_id).where(pgpx::col(&book::price_cents) > 0)
//                           .with(tags_of_book))
//                 .all(cx);                                    // pgpx::result_set<author>: 3 statements
//   for (const author& a : rs)
//     for (const book& b : rs.children(a, &book::author_id))   // std::span<const book>
//       for (const tag& t : rs.related(b, tags_of_book)) use(a, b, t);
//   const author* who = books.parent(b, &book::author_id);    // select<book>().with(&book::author_id)
//
// `.with(h)` on a select of model T loads, for all of the query's rows at once, the rows
// related through h: a foreign key member (`&book::author_id`: from books, the author;
// from authors, their books), `pgpx::children(fk)` (the rows pointing at T, for a self
// reference too; may take `.where(pred)` and nested `.with(...)`), or a many-to-many
// `pgpx::through(...)` handle. One statement per relation per nesting level, whatever the
// number of rows: the keys travel as one array parameter (`= any($1)`), a many-to-many
// relation is one join; the statements of one level go in one pipeline round trip. Related
// rows honour soft delete unless `.with(h, pgpx::with_deleted)`. A related row shared by several
// rows is decoded once. A relation that does not start at T does not compile
// (`pgpx::relation_not_applicable<author, tag>`); asking a result set for a relation that
// was not loaded is a usage_error naming it (there is no lazy loading behind the caller's
// back: pgpx::load is the explicit way). `pgpx::to_json(rs)` gives the rows as JSON with the
// loaded relations nested (`"author"`, `"books"`, `"tags"`, see to_json below).
//
// Blocking here (any executor with exec(statement)); pgpx/orm/async.hpp awaits the same
// steps on an async connection. Thread safety: a result set is a value; const access from
// several threads is safe.
#pragma once

#include <pgpx/core/pipeline.hpp>
#include <pgpx/model/json.hpp>
#include <pgpx/orm/relations.hpp>
#include <pgpx/query/select.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pgpx {

/// Refusal: `.with(h)` names a relation that does not start at the queried model.
template <class From, class To>
struct relation_not_applicable {
  static_assert(query::detail::dependent_false_v<From>,
                "pgpx: this relation does not start at the queried model (the foreign key neither belongs to it "
                "nor references it)");
};

namespace orm::detail {

/// The relations a result set has loaded, by identity.
using loaded_map = std::unordered_map<std::string, std::shared_ptr<const void>>;

/// One statement of eager loading and what to do with its result (sans I/O): `finish`
/// stores the loaded relation and returns the next level's work (nested relations).
struct eager_work {
  std::optional<statement<void>> stmt;  ///< nothing to ask when empty (no keys)
  std::function<std::vector<eager_work>(const result*)> finish;
};

/// One relation to load for parent rows of type P: `load` makes its work (called like a
/// function), `json` puts the loaded rows of one parent row into that row's JSON object.
template <class P>
struct eager_loader {
  std::function<eager_work(std::span<const P>, loaded_map&)> load;              ///< the work
  std::function<void(const P&, const loaded_map&, nlohmann::json&)> json;       ///< the nesting
  /// The work of this relation for `rows`, storing the relation into `map`.
  auto operator()(std::span<const P> rows, loaded_map& map) const -> eager_work { return load(rows, map); }
};

/// True when every member of H has a JSON form (pgpx/model/json.hpp).
template <class H>
inline constexpr bool has_json_form = []<std::size_t... I>(std::index_sequence<I...>) {
  return (pgpx::detail::json_serialisable<std::remove_cvref_t<decltype(reflect::get<I>(std::declval<H&>()))>> && ...);
}(std::make_index_sequence<reflect::field_count<H>>{});

/// A related row as JSON (pgpx::to_json); usage_error when its model has a member without a
/// JSON form (checked here, at run time, so that eager loading such a model still compiles).
template <class H>
auto row_json(const H& row) -> nlohmann::json {
  if constexpr (has_json_form<H>) {
    return pgpx::to_json(row);
  } else {
    (void)row;
    throw usage_error(std::string("pgpx::to_json(result_set): the related model ") +
                      std::string(pgpx::detail::type_name_v<H>) + " has a member without a JSON form");
  }
}

/// Sets `obj[key]` to a relation's JSON; usage_error when the row already has that key.
template <class P>
void put_relation(nlohmann::json& obj, const std::string& key, nlohmann::json value) {
  if (obj.contains(key))
    throw usage_error("pgpx::to_json(result_set): " + std::string(pgpx::detail::type_name_v<P>) +
                      ": the relation key \"" + key +
                      "\" is also a member's JSON key: rename the relation with model<T>::json_relations() (or the "
                      "member with json_rename())");
  obj[key] = std::move(value);
}

/// A relation's JSON key as seen from P: model<P>::json_relations()'s key for `name` when it
/// has one, else `name` under P's json_naming.
template <class P>
auto relation_json_key(std::string_view name) -> std::string {
  if constexpr (requires { model<P>::json_relations(); }) {
    for (const json_name& r : model<P>::json_relations())
      if (r.member == name) return std::string(r.json);
  }
  return reflect::apply_naming(name, pgpx::detail::json_naming_of<P>);
}

/// The JSON key of a belongs-to relation: the foreign key member's name without `_id`
/// (`author_id` -> `author`), or the target's table name when it has no such suffix.
template <class P, class M>
auto belongs_to_json_key(M P::*fk, const std::string& target_table) -> std::string {
  std::string_view n = reflect::field_names<P>[pgpx::detail::member_index(fk)];
  if (n.size() > 3 && n.ends_with("_id")) return relation_json_key<P>(n.substr(0, n.size() - 3));
  return relation_json_key<P>(target_table);
}

/// The identity of a relation seen from rows of type From.
template <class From, class H>
auto relation_key(const std::string& what) -> std::string {
  return std::string(typeid(From).name()) + '|' + typeid(H).name() + '|' + what;
}
template <class From, class M, class H>
auto fk_key(M H::*fk) -> std::string {
  return relation_key<From, M H::*>(std::to_string(pgpx::detail::member_index(fk)));
}
template <class From, class J, class A, class B>
auto through_key(through_t<J, A, B> h) -> std::string {
  return relation_key<From, through_t<J, A, B>>(std::to_string(pgpx::detail::member_index(h.from)) + ',' +
                                                std::to_string(pgpx::detail::member_index(h.to)));
}

template <class T>
void run_nested(std::vector<eager_work>& out, const std::vector<eager_loader<T>>& nested, std::span<const T> rows,
                loaded_map& map) {
  for (const auto& n : nested) out.push_back(n(rows, map));
}

}  // namespace orm::detail

/**
 * The rows pointing at the queried model through foreign key `fk` (has-many; for a self
 * reference, the children rather than the parent): `pgpx::children(&book::author_id)`.
 * Takes `.where(pred)` on the child rows and nested `.with(...)` relations of the children.
 */
template <class H, class M>
class children_handle {
 public:
  /// The handle of foreign key `fk`.
  explicit children_handle(M H::*fk) : fk_(fk) {}
  /// Only the children matching `pred`.
  template <class C>
  [[nodiscard]] auto where(const C& pred) const -> children_handle {
    children_handle h = *this;
    h.filter_ = query::detail::as_condition(pred);
    return h;
  }
  /// Loads relations of the children too (one more statement per relation).
  template <class... R>
  [[nodiscard]] auto with(const R&... rel) const -> children_handle;
  /// The foreign key.
  [[nodiscard]] auto fk() const noexcept -> M H::* { return fk_; }
  /// The filter, or nullptr.
  [[nodiscard]] auto filter() const noexcept -> const query::detail::node_ptr& { return filter_; }
  /// The nested loaders.
  [[nodiscard]] auto nested() const noexcept -> const std::vector<orm::detail::eager_loader<H>>& { return nested_; }

 private:
  M H::*fk_;
  query::detail::node_ptr filter_;
  std::vector<orm::detail::eager_loader<H>> nested_;
};
/// The rows pointing at the queried model through `fk`.
template <class H, class M>
[[nodiscard]] auto children(M H::*fk) -> children_handle<H, M> {
  return children_handle<H, M>(fk);
}

namespace orm::detail {

// has-many: rows of H whose fk is one of the parents' keys (relations.hpp's steps).
template <class P, class H, class M>
auto has_many_loader(M H::*fk, query::detail::node_ptr filter, std::vector<eager_loader<H>> nested, bool with_deleted)
    -> eager_loader<P> {
  eager_loader<P> l;
  l.load = [fk, filter, nested, with_deleted](std::span<const P> rows, loaded_map& map) -> eager_work {
    eager_work w{has_many_statement(rows, fk, filter, with_deleted), {}};
    w.finish = [&map, fk, nested](const result* r) {
      auto rel = std::make_shared<const child_rows<P, H>>(has_many_rows<P>(r, fk));
      map[fk_key<P>(fk)] = rel;
      std::vector<eager_work> next;
      run_nested<H>(next, nested, std::span<const H>(rel->rows()), map);
      return next;
    };
    return w;
  };
  l.json = [fk, nested](const P& row, const loaded_map& map, nlohmann::json& obj) {
    const auto it = map.find(fk_key<P>(fk));
    if (it == map.end()) return;
    nlohmann::json rows = nlohmann::json::array();
    for (const H& c : static_cast<const child_rows<P, H>*>(it->second.get())->of(row)) {
      nlohmann::json cj = row_json(c);
      for (const auto& n : nested) n.json(c, map, cj);
      rows.push_back(std::move(cj));
    }
    put_relation<P>(obj, relation_json_key<P>(model_info<H>().table), std::move(rows));
  };
  return l;
}

// belongs-to: the rows the parents' fk references (relations.hpp's steps).
template <class P, class M>
auto belongs_to_loader(M P::*fk, bool with_deleted) -> eager_loader<P> {
  using Target = typename reference_of<M>::pgpx_target_class;
  eager_loader<P> l;
  l.load = [fk, with_deleted](std::span<const P> rows, loaded_map& map) -> eager_work {
    eager_work w{belongs_to_statement(rows, fk, with_deleted), {}};
    w.finish = [&map, fk](const result* r) {
      map[fk_key<P>(fk)] = std::make_shared<const decltype(belongs_to_rows(r, fk))>(belongs_to_rows(r, fk));
      return std::vector<eager_work>{};
    };
    return w;
  };
  l.json = [fk](const P& row, const loaded_map& map, nlohmann::json& obj) {
    const auto it = map.find(fk_key<P>(fk));
    if (it == map.end()) return;
    const Target* t = static_cast<const parent_rows<P, Target>*>(it->second.get())->parent(row);
    put_relation<P>(obj, belongs_to_json_key(fk, model_info<Target>().table),
                    t != nullptr ? row_json(*t) : nlohmann::json(nullptr));
  };
  return l;
}

// many-to-many: one join of the targets with the join model, the owner's key alongside.
template <class P, class J, class A, class B>
auto through_loader(through_t<J, A, B> h, bool with_deleted) -> eager_loader<P> {
  using RA = reference_of<A>;
  using RB = reference_of<B>;
  using To = typename RB::pgpx_target_class;
  using VA = pgpx::detail::leaf_value_t<RA>;
  using VB = pgpx::detail::leaf_value_t<RB>;
  constexpr auto owner_key = RA::pgpx_target;
  constexpr auto target_key = RB::pgpx_target;
  eager_loader<P> l;
  l.load = [h, with_deleted](std::span<const P> rows, loaded_map& map) -> eager_work {
    auto owners = key_array<VA>(rows, owner_key);
    eager_work w;
    if (!owners.empty()) {
      auto q = pgpx::select<To>()
                   .template from<To>()
                   .template join<J>(pgpx::col(h.to) == pgpx::col(target_key))
                   .where(pgpx::col(h.from).in(owners));
      auto& d = q.mut();
      d.items.push_back({pgpx::col(h.from).node(), "pgpx_parent", {}});
      for (auto& n : key_order_nodes<To>()) d.order.push_back(n);
      if (with_deleted) q = std::move(q).with_deleted();  // the targets and the join rows
      w.stmt = q.statement().template as<void>();
    }
    w.finish = [&map, h](const result* r) {
      std::vector<To> found;
      std::unordered_map<std::string, std::vector<std::size_t>> links;
      if (r != nullptr && r->size() > 0) {
        // Columns found once: the target's in member order, then the owner's key last.
        const pgpx::detail::row_mapper<To> mapper(*r);
        const int key_col = static_cast<int>(column_index(target_key));
        const int owner_col = static_cast<int>(model_info<To>().columns.size());
        std::string last_key;
        for (std::size_t i = 0; i < r->size(); ++i) {
          const row rw = (*r)[i];
          const VB tk = rw.template get<VB>(key_col);
          auto k = key_bytes(&tk);
          // Rows come ordered by the target's key: a target shared by several owners is on
          // adjacent rows and is decoded once.
          if (found.empty() || *k != last_key) {
            found.push_back(mapper.decode(*r, static_cast<int>(i)));
            last_key = std::move(*k);
          }
          const VA owner = rw.template get<VA>(owner_col);
          links[*key_bytes(&owner)].push_back(found.size() - 1);
        }
      }
      map[through_key<P>(h)] = std::make_shared<const related_rows<P, To>>(
          std::move(found), std::move(links), [](const P& p) { return key_bytes(leaf_ptr<VA>(p.*owner_key)); });
      return std::vector<eager_work>{};
    };
    return w;
  };
  l.json = [h](const P& row, const loaded_map& map, nlohmann::json& obj) {
    const auto it = map.find(through_key<P>(h));
    if (it == map.end()) return;
    nlohmann::json rows = nlohmann::json::array();
    for (const To* t : static_cast<const related_rows<P, To>*>(it->second.get())->of(row)) rows.push_back(row_json(*t));
    put_relation<P>(obj, relation_json_key<P>(model_info<To>().table), std::move(rows));
  };
  return l;
}

/// The loader of a relation handle for parent rows of type P.
template <class P, class Handle>
auto make_loader(const Handle& h, bool with_deleted = false) -> eager_loader<P> {
  if constexpr (requires {
                  h.nested();
                  h.filter();
                }) {
    using FK = std::remove_cvref_t<decltype(h.fk())>;
    using H = typename query::detail::member_pointer_traits<FK>::owner;
    using M = typename query::detail::member_pointer_traits<FK>::member;
    using Target = typename reference_of<M>::pgpx_target_class;
    if constexpr (!std::is_same_v<Target, P>) {
      relation_not_applicable<P, H>{};
      return {};
    } else {
      return has_many_loader<P, H, M>(h.fk(), h.filter(), h.nested(), with_deleted);
    }
  } else if constexpr (requires {
                         h.from;
                         h.to;
                       }) {
    using J = typename query::detail::member_pointer_traits<decltype(h.from)>::owner;
    using RA = reference_of<typename query::detail::member_pointer_traits<decltype(h.from)>::member>;
    using RB = reference_of<typename query::detail::member_pointer_traits<decltype(h.to)>::member>;
    if constexpr (!std::is_same_v<typename RA::pgpx_target_class, P>) {
      (void)sizeof(J);
      relation_not_applicable<P, typename RB::pgpx_target_class>{};
      return {};
    } else {
      return through_loader<P>(h, with_deleted);
    }
  } else {
    static_assert(std::is_member_object_pointer_v<Handle>,
                  "pgpx: .with() takes a foreign key member, pgpx::children(fk) or pgpx::through(...)");
    using H = typename query::detail::member_pointer_traits<Handle>::owner;
    using M = typename query::detail::member_pointer_traits<Handle>::member;
    using R = reference_of<M>;
    static_assert(!std::is_void_v<R>, "pgpx: .with(&T::member): the member must be a foreign key (references<>)");
    using Target = typename R::pgpx_target_class;
    if constexpr (std::is_same_v<H, P>) {
      return belongs_to_loader<P, M>(h, with_deleted);
    } else if constexpr (std::is_same_v<Target, P>) {
      return has_many_loader<P, H, M>(h, nullptr, {}, with_deleted);
    } else {
      relation_not_applicable<P, H>{};
      return {};
    }
  }
}

/// Appends the loaders of `rel...` to `out`: each relation handle, taking a following
/// pgpx::with_deleted as its own (`.with(a, pgpx::with_deleted, b)`: a with deleted rows).
template <class P>
void add_loaders(std::vector<eager_loader<P>>& /*out*/) {}
template <class P, class R, class... Rest>
void add_loaders(std::vector<eager_loader<P>>& out, const R& rel, const Rest&... rest) {
  static_assert(
      !std::is_same_v<R, with_deleted_t>,
      "pgpx: .with(): pgpx::with_deleted goes after the relation it applies to (.with(h, pgpx::with_deleted))");
  out.push_back(make_loader<P>(rel));
  add_loaders<P>(out, rest...);
}
template <class P, class R, class... Rest>
void add_loaders(std::vector<eager_loader<P>>& out, const R& rel, with_deleted_t /*tag*/, const Rest&... rest) {
  static_assert(
      !std::is_same_v<R, with_deleted_t>,
      "pgpx: .with(): pgpx::with_deleted goes after the relation it applies to (.with(h, pgpx::with_deleted))");
  out.push_back(make_loader<P>(rel, true));
  add_loaders<P>(out, rest...);
}

/// How many of a level's work items ask a statement.
inline auto statements_asked(const std::vector<eager_work>& work) -> std::size_t {
  return static_cast<std::size_t>(
      std::count_if(work.begin(), work.end(), [](const auto& w) { return w.stmt.has_value(); }));
}
/// The statements of one level, in order, as one batch.
inline auto level_batch(const std::vector<eager_work>& work) -> batch {
  batch b;
  for (const auto& w : work)
    if (w.stmt) b.add(*w.stmt);
  return b;
}
/// One Sync for the whole batch: one round trip.
inline auto one_round_trip() -> batch_options {
  batch_options o;
  o.sync_every = 0;
  return o;
}
/// Finishes a level with the results of its statements (in order of the items that asked):
/// the next level's work.
inline auto finish_level(std::vector<eager_work>& work, const std::vector<result>& results) -> std::vector<eager_work> {
  std::vector<eager_work> next;
  std::size_t k = 0;
  for (auto& w : work)
    for (auto& m : w.finish(w.stmt ? &results[k++] : nullptr)) next.push_back(std::move(m));
  return next;
}

/// Runs the work of every level on a blocking executor: one statement per relation; the
/// statements of a level go in one pipeline round trip (pgpx::run_batch) when there are
/// several and the executor has a connection, else one after the other.
template <class E>
void run_eager(E& ex, std::vector<eager_work> work) {
  constexpr bool pipelined = std::is_same_v<E, connection> || requires {
    { ex.conn() } -> std::same_as<connection&>;
  };
  while (!work.empty()) {
    const std::size_t asked = statements_asked(work);
    std::vector<result> results;
    if constexpr (pipelined) {
      if (asked > 1) {
        batch_outcome out = run_batch(connection_of(ex), level_batch(work), one_round_trip());
        out.check();
        results = std::move(out.results);
      }
    }
    if (results.size() != asked) {
      results.clear();
      for (const auto& w : work)
        if (w.stmt) results.push_back(ex.exec(*w.stmt));
    }
    work = finish_level(work, results);
  }
}

}  // namespace orm::detail

template <class H, class M>
template <class... R>
auto children_handle<H, M>::with(const R&... rel) const -> children_handle {
  children_handle h = *this;
  orm::detail::add_loaders<H>(h.nested_, rel...);
  return h;
}

/**
 * The rows of a query with the relations it loaded: iterate it as the rows, ask it for a
 * row's parent, children or related rows.
 */
template <class T>
class result_set {
 public:
  result_set() = default;
  /// The rows (the relations are loaded into it afterwards).
  explicit result_set(std::vector<T> rows) : rows_(std::move(rows)) {}

  /// The query's rows.
  [[nodiscard]] auto rows() const noexcept -> const std::vector<T>& { return rows_; }
  [[nodiscard]] auto begin() const noexcept { return rows_.begin(); }  ///< first row
  [[nodiscard]] auto end() const noexcept { return rows_.end(); }      ///< past the last row
  [[nodiscard]] auto size() const noexcept -> std::size_t { return rows_.size(); }  ///< number of rows
  [[nodiscard]] auto empty() const noexcept -> bool { return rows_.empty(); }       ///< no rows?
  /// Row i.
  [[nodiscard]] auto operator[](std::size_t i) const -> const T& { return rows_[i]; }

  /// The row `row`'s foreign key `fk` references (loaded by .with(fk)), or nullptr for a NULL
  /// key or a row filtered out (soft-deleted). usage_error when the relation was not loaded.
  template <class From, class M>
  [[nodiscard]] auto parent(const From& row, M From::*fk) const {
    using Target = typename orm::detail::reference_of<M>::pgpx_target_class;
    return find<parent_rows<From, Target>>(orm::detail::fk_key<From>(fk), "parent")->parent(row);
  }
  /// The rows pointing at `owner` through `fk` (loaded by .with(fk) or .with(children(fk))).
  template <class From, class H, class M>
  [[nodiscard]] auto children(const From& owner, M H::*fk) const -> std::span<const H> {
    return find<child_rows<From, H>>(orm::detail::fk_key<From>(fk), "children")->of(owner);
  }
  /// The rows linked to `owner` through a join model (loaded by .with(through(...))).
  template <class From, class J, class A, class B>
  [[nodiscard]] auto related(const From& owner, through_t<J, A, B> h) const {
    using To = typename orm::detail::reference_of<B>::pgpx_target_class;
    std::vector<std::reference_wrapper<const To>> out;
    for (const To* t : find<related_rows<From, To>>(orm::detail::through_key<From>(h), "related")->of(owner))
      out.emplace_back(*t);
    return out;
  }

  /// Where the relations go while they load (for the drivers).
  auto loaded() noexcept -> orm::detail::loaded_map& { return loaded_; }
  /// Starts loading `loaders` into this result set (for the drivers): the first level's work.
  auto start(const std::vector<orm::detail::eager_loader<T>>& loaders) -> std::vector<orm::detail::eager_work> {
    loaders_ = loaders;
    std::vector<orm::detail::eager_work> work;
    for (const auto& l : loaders_) work.push_back(l(std::span<const T>(rows_), loaded_));
    return work;
  }
  /// Row `row` (one of this set's rows) as JSON with the loaded relations nested: see
  /// pgpx::to_json(const result_set<T>&).
  [[nodiscard]] auto row_to_json(const T& row) const -> nlohmann::json {
    nlohmann::json j = pgpx::to_json(row);
    for (const auto& l : loaders_) l.json(row, loaded_, j);
    return j;
  }

 private:
  template <class Rel>
  auto find(const std::string& key, const char* what) const -> const Rel* {
    const auto it = loaded_.find(key);
    if (it == loaded_.end())
      throw usage_error(std::string("pgpx: result_set::") + what +
                        ": this relation was not loaded by the query: add it with .with(...) (or load it "
                        "explicitly with pgpx::load)");
    return static_cast<const Rel*>(it->second.get());
  }
  std::vector<T> rows_;
  orm::detail::loaded_map loaded_;
  std::vector<orm::detail::eager_loader<T>> loaders_;  // what was loaded, for to_json
};

/**
 * A result set as JSON: an array with one object per row, in order, each the row's
 * pgpx::to_json (renames, json_naming) with every relation the query loaded nested under a
 * key, recursively for nested `.with(...)`: a belongs-to relation under the foreign key's
 * name without `_id` (`"author"`: an object, or null for a NULL key or a row filtered out),
 * a has-many relation under the child table's name (`"books"`: an array), a many-to-many
 * relation under the target table's name (`"tags"`: an array); the keys follow the row's
 * model<T>::json_naming, or are renamed by `model<T>::json_relations()` (an array of
 * pgpx::json_name: the default key before json_naming, then the key to use:
 * `pgpx::json_name{"tags", "tagRows"}`). A relation that was not loaded is absent. A
 * relation key that is also a member's JSON key is a usage_error.
 */
template <class T>
[[nodiscard]] auto to_json(const result_set<T>& rs) -> nlohmann::json {
  nlohmann::json out = nlohmann::json::array();
  for (const T& row : rs) out.push_back(rs.row_to_json(row));
  return out;
}

/**
 * A select with relations to load: made by `select_query<T>::with(...)`; `.all(ex)` runs
 * the query and then one statement per relation, and returns a pgpx::result_set<T>.
 */
template <class T>
class eager_select {
 public:
  /// The query and its relations.
  eager_select(select_query<T> q, std::vector<orm::detail::eager_loader<T>> loaders)
      : q_(std::move(q)), loaders_(std::move(loaders)) {}
  /// Loads more relations.
  template <class... R>
  [[nodiscard]] auto with(const R&... rel) const -> eager_select {
    eager_select e = *this;
    orm::detail::add_loaders<T>(e.loaders_, rel...);
    return e;
  }
  /// The query alone.
  [[nodiscard]] auto query() const noexcept -> const select_query<T>& { return q_; }
  /// The relations' loaders.
  [[nodiscard]] auto loaders() const noexcept -> const std::vector<orm::detail::eager_loader<T>>& { return loaders_; }
  /// Runs the query and loads every relation (one statement each per nesting level). On an
  /// async connection (with pgpx/orm/async.hpp included) it is awaited: `co_await q.all(acx)`.
  template <class E>
  [[nodiscard]] auto all(E& ex) const {
    if constexpr (orm::sync_executor<E>) return all_blocking(ex);
    else return eager_all_async(*this, ex);  // pgpx/orm/async.hpp
  }

 private:
  template <class E>
  auto all_blocking(E& ex) const -> result_set<T> {
    result_set<T> rs(q_.all(ex));
    orm::detail::run_eager(ex, rs.start(loaders_));
    return rs;
  }
  select_query<T> q_;
  std::vector<orm::detail::eager_loader<T>> loaders_;
};

/// `select_query<T>::with(...)` lands here (found by argument-dependent lookup). A relation
/// followed by pgpx::with_deleted includes its soft-deleted rows.
template <class T, class... R>
[[nodiscard]] auto eager_with(const select_query<T>& q, const R&... rel) -> eager_select<T> {
  std::vector<orm::detail::eager_loader<T>> loaders;
  orm::detail::add_loaders<T>(loaders, rel...);
  return eager_select<T>(q, std::move(loaders));
}

}  // namespace pgpx
