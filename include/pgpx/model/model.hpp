// pgpx/model/model.hpp: the one SQL-free description of a model, pgpx::model_info<T>().
//
//   struct book { pgpx::identity<std::int64_t> id; pgpx::references<&author::id> author_id;
//                 std::string title; std::vector<std::string> tags; };
//   template <> struct pgpx::model<book> {
//     static constexpr std::string_view schema = "shop";             // default: none
//     static auto indexes() { return std::tuple{
//         pgpx::index(&book::author_id, &book::title),
//         pgpx::index(&book::tags).using_(pgpx::gin)}; }
//   };
//   const pgpx::model_description& m = pgpx::model_info<book>();
//   m.table;                 // "books"
//   m.columns[1].reference;  // -> authors.id
//
// A model is a plain aggregate. Facts about one column are its member's type
// (pgpx/model/wrappers.hpp); facts about the table live in a specialisation of
// pgpx::model<T> (declared in pgpx/reflect/naming.hpp, so that row mapping sees its naming):
//   table, schema        static constexpr std::string_view
//   naming               static constexpr pgpx::naming (column names; default exact)
//   primary_key          static constexpr auto = pgpx::key_of(&T::a, &T::b) (instead of key<> order)
//   columns()            static function returning a std::tuple of pgpx::rename(&T::m, "name")
//   uniques()            static function returning a std::tuple of pgpx::unique_of(...)
//   indexes()            static function returning a std::tuple of pgpx::index(...)
//   checks()             static function returning a std::tuple of pgpx::sql_check<...> or
//                        pgpx::check<"name">(expression) (pgpx/query/ddl.hpp)
//   partition_by         static constexpr auto = pgpx::partition_by_range(&T::at) (or _list, _hash)
// Embedded members (pgpx::is_embedded mixins such as pgpx::timestamps) are flattened: their
// members are columns of T in their place. A table fact naming the mixin itself stands for
// all its columns.
// The description is built once per type, on first use, and is what DDL, the ORM and the SQL
// templates (`model_columns_of`) read: one source of truth. Names of constraints and indexes
// follow PostgreSQL's own defaults (`books_pkey`, `authors_email_key`,
// `books_author_id_fkey`, `books_author_id_title_idx`) so server errors map back to members.
//
// Thread safety: model_info<T>() may be called from several threads at once (a function-local
// static); the description is immutable.
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/export.hpp>
#include <pgpx/model/wrappers.hpp>
#include <pgpx/reflect/naming.hpp>
#include <pgpx/reflect/reflect.hpp>
#include <pgpx/types.hpp>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

class model_description;

/// The SQL type of a column whose C++ value type is T, for DDL. Specialise it for a type
/// pgpx cannot name: `template <> struct pgpx::sql_type<money> { static constexpr
/// std::string_view name = "money"; };`.
template <class T>
struct sql_type {};

/// An index method (`using gin`); extensions add their own (`hnsw`, `ivfflat`).
struct index_method {
  std::string_view name;  ///< as written after USING
  friend constexpr auto operator==(index_method, index_method) -> bool = default;
};
inline constexpr index_method btree{"btree"};  ///< the default
inline constexpr index_method hash{"hash"};    ///< equality only
inline constexpr index_method gist{"gist"};    ///< generalized search tree
inline constexpr index_method spgist{"spgist"};  ///< space-partitioned GiST
inline constexpr index_method gin{"gin"};      ///< inverted index (arrays, jsonb, full text)
inline constexpr index_method brin{"brin"};    ///< block range index

/// A foreign key of a column, resolved against its target's description.
struct reference_info {
  const model_description& (*target)();  ///< the referenced model's description
  std::size_t target_column = 0;          ///< index of the referenced column in target().columns
  on_delete delete_action = on_delete::no_action;
  on_update update_action = on_update::no_action;
  std::string constraint_name;            ///< `<table>_<column>_fkey`
};

/// One column of a model.
struct column_info {
  std::string name;             ///< the SQL column name (under the model's naming)
  std::string_view member;      ///< the C++ member name
  std::size_t member_index = 0;  ///< position among the struct's members
  std::string
      type;  ///< SQL type: "int8", "varchar(80)", "text[]", "jsonb"... ("" when pgpx knows none: see pgpx::sql_type)
  column_facts facts{};  ///< what the member's type states
  std::optional<reference_info> reference{};  ///< the foreign key, for references<...>
  std::string unique_name{};  ///< `<table>_<column>_key` when facts.unique
  /// The CHECK expression of the column's rules for a quoted column name, or nullptr when
  /// none has SQL (checked<> rules; see pgpx/model/validate.hpp).
  std::string (*check_sql)(std::string_view quoted_column) = nullptr;
  std::string check_name{};  ///< `<table>_<column>_check` when check_sql is set
  /// True when an insert sends this column (not identity, generated, or server default).
  [[nodiscard]] auto sent_on_insert() const noexcept -> bool {
    return !facts.identity && facts.generated_sql.empty() && facts.default_sql.empty();
  }
  /// True when the server fills it on insert (returned by RETURNING).
  [[nodiscard]] auto filled_by_server() const noexcept -> bool { return !sent_on_insert(); }
};

/// A PostgreSQL enum type a model's columns use (a C++ enumeration, labels in order).
struct enum_info {
  std::string name;  ///< pgpx::sql_type<E>::name, else the snake_case enum name
  std::vector<std::string> labels;  ///< pgpx::enum_labels<E>, else the enumerator names
};

/// A unique constraint over one or more columns.
struct unique_info {
  std::string name;  ///< `<table>_<columns>_key`, or the declared name
  std::vector<std::size_t> columns;  ///< column indexes
};

/// A table CHECK constraint (model<T>::checks(): pgpx::sql_check, or pgpx::check with a
/// builder expression, stored as its rendered text).
struct check_info {
  std::string name;  ///< the constraint name
  std::string sql;   ///< the expression
  std::vector<std::size_t> columns{};  ///< the columns a typed check reads (empty for sql_check)
};

/// One part of an index key that is an expression (pgpx::index(pgpx::lower(pgpx::col(...)))).
struct index_key {
  static constexpr std::size_t no_column = static_cast<std::size_t>(-1);
  std::size_t column = no_column;  ///< a plain column, or no_column for an expression
  /// The expression as an index element: a function call as is (`lower("sku")`), anything
  /// else in parentheses (`("a" + "b")`); columns quoted, constants as SQL literals.
  std::string expression{};
  /// Its part of a generated index name, as PostgreSQL names it: the column, the function's
  /// name for a call, else "expr".
  std::string name{};
};

/// An index over columns.
struct index_info {
  std::string name;  ///< `<table>_<columns>_idx`, or the declared name
  std::vector<std::size_t> columns;  ///< key columns
  std::vector<std::size_t> include;  ///< INCLUDE columns
  std::string_view method = btree.name;  ///< USING
  bool unique = false;  ///< a unique index
  std::string opclass;  ///< the operator class of every key column (`vector_l2_ops`), or ""
  /// Storage parameters (`with (m = 16)`): name and value, the value rendered from a number
  /// or bool by index_decl::with, never from text.
  std::vector<std::pair<std::string, std::string>> with;
  /// The key in order when a part of it is an expression (pgpx::index(expr, ...)); empty when
  /// the key is `columns`. With keys, `columns` lists the columns the key reads.
  std::vector<index_key> keys{};
  /// A partial index's condition (`.where(...)`) as SQL text, or "" for a full index.
  std::string predicate{};
  /// The columns the condition reads.
  std::vector<std::size_t> predicate_columns{};
};

namespace detail {
/// A DDL expression rendered against the model it belongs to (pgpx/query/ddl.hpp).
struct ddl_rendered {
  std::string sql;  ///< columns quoted, constants as literals, no parameters
  bool call = false;  ///< a function call (needs no parentheses as an index key)
  std::string name;  ///< its part of a generated index name (PostgreSQL's rule)
  std::vector<std::size_t> columns;  ///< the model's columns it reads
};
/// A builder expression kept by a DDL fact until the model's description renders it.
using ddl_expression = std::function<ddl_rendered(const model_description&)>;
/// Wraps a builder expression as a DDL expression; defined in pgpx/query/ddl.hpp (the query
/// builder's layer), refusing at compile time an expression that holds a bound value.
template <fixed_string Fact, class E>
auto make_ddl_expression(const E& e) -> ddl_expression;
/// The model whose description is being built on this thread, while its expression facts
/// (checks(), indexes()) run: pgpx::col on its members reads this partial description.
template <class T>
inline thread_local const model_description* describing = nullptr;
}  // namespace detail

/// How a table is partitioned (model<T>::partition_by): PostgreSQL's declarative methods.
enum class partition_method {
  none,      ///< not partitioned
  by_range,  ///< PARTITION BY RANGE: time or id ranges (what pg_partman manages)
  by_list,   ///< PARTITION BY LIST: one partition per set of values
  by_hash,   ///< PARTITION BY HASH: rows spread by the key's hash
};

/**
 * The SQL-free description of a model: table, columns, keys, constraints, indexes and
 * relations. Built by model_info<T>(); read by DDL, the ORM, the templates and migrations.
 */
class PGPX_API model_description {
 public:
  std::string_view cpp_name;  ///< the C++ type name, for messages
  std::string table;  ///< table name (unquoted)
  std::string schema;  ///< schema name, or empty for the search_path
  std::vector<column_info> columns;  ///< in member order
  std::vector<std::size_t> primary_key;  ///< column indexes, in key order (empty: no key)
  std::string primary_key_name;  ///< `<table>_pkey`
  std::vector<unique_info> uniques;  ///< multi-column unique constraints (model<T>::uniques())
  std::vector<index_info> indexes;  ///< model<T>::indexes()
  std::vector<enum_info> enums;  ///< enum types of the columns (and of array columns), once each
  std::vector<check_info> checks;  ///< table CHECK constraints (model<T>::checks())
  partition_method partitioning = partition_method::none;  ///< model<T>::partition_by
  std::vector<std::size_t> partition_key;  ///< its columns, in key order

  /// The column for a C++ member name, or nullptr.
  [[nodiscard]] auto find_member(std::string_view member) const noexcept -> const column_info*;
  /// The column for a SQL column name, or nullptr.
  [[nodiscard]] auto find_column(std::string_view name) const noexcept -> const column_info*;
  /// The soft-delete column (pgpx::deleted_at), or nullptr.
  [[nodiscard]] auto soft_delete_column() const noexcept -> const column_info*;
  /// The optimistic-lock column (pgpx::version<T>), or nullptr.
  [[nodiscard]] auto version_column() const noexcept -> const column_info*;
};

namespace detail {

/// The table name pgpx derives from a C++ type name: the unqualified name in snake_case,
/// pluralised (`category` -> `categories`, `box` -> `boxes`, `book_tag` -> `book_tags`).
[[nodiscard]] PGPX_API auto default_table_name(std::string_view cpp_type_name) -> std::string;
/// The PostgreSQL type name pgpx gives a C++ enumeration: its unqualified name in snake_case.
[[nodiscard]] PGPX_API auto default_enum_type_name(std::string_view cpp_type_name) -> std::string;
/// Throws usage_error when a generated constraint or index name is longer than PostgreSQL
/// keeps (63 bytes), asking for an explicit name.
PGPX_API void check_generated_name(const std::string& name, std::string_view what, std::string_view model);
/// Fills the generated names and checks the description (duplicate names, key columns).
PGPX_API void finish_description(model_description& m);

template <class T>
struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};

template <class T>
inline constexpr bool dependent_false = false;

/// The first line of the diagnostic names the model, the member and its type.
template <class Model, fixed_string Member, class MemberType>
struct unmappable_member {
  static_assert(dependent_false<MemberType>,
                "pgpx: cannot map this member to a column: its type has no pgpx::codec (specialise "
                "pgpx::codec<T>, use a wrapper or a type pgpx knows, or move it out of the model)");
};

template <class Model, fixed_string Member, class MemberType>
struct no_sql_type {
  static_assert(dependent_false<MemberType>,
                "pgpx: pgpx knows no SQL type for this member's type: specialise pgpx::sql_type<T> "
                "with `static constexpr std::string_view name = \"...\";`");
};

template <class TargetModel, fixed_string Member>
struct reference_target_not_unique {
  static_assert(dependent_false<TargetModel>,
                "pgpx: a foreign key must reference a primary key or unique column: make the target "
                "identity<>, key<> or unique<>");
};

/// The enumeration inside a value type (V itself, or an array's element), or void.
template <class V>
struct enum_of {
  using type = std::conditional_t<std::is_enum_v<V> && !std::is_same_v<V, std::byte>, V, void>;
};
template <class E, class A>
struct enum_of<std::vector<E, A>> : enum_of<leaf_value_t<E>> {};

/// The SQL type name of the value type V (no wrappers, no optional), or "" when unknown.
template <class V>
auto sql_type_name() -> std::string {
  if constexpr (requires { sql_type<V>::name; }) {
    return std::string(sql_type<V>::name);
  } else if constexpr (is_named_type_v<V>) {
    return std::string(codec<V>::pg_type);  // an extension's type, or an enum named by enum_type<E>
  } else if constexpr (std::is_enum_v<V> && !std::is_same_v<V, std::byte>) {
    return default_enum_type_name(detail::type_name_v<V>);
  } else if constexpr (std::is_same_v<V, std::string>) {
    return "text";
  } else if constexpr (std::is_same_v<V, nlohmann::json> || std::is_same_v<V, nlohmann::ordered_json>) {
    return "jsonb";
  } else if constexpr (is_std_vector<V>::value && !std::is_same_v<V, bytea>) {
    using E = leaf_value_t<typename V::value_type>;
    auto e = sql_type_name<E>();
    return e.empty() ? std::string() : e + "[]";
  } else if constexpr (has_codec<V>) {
    if constexpr (codec<V>::param_oid != oids::unspecified) return std::string(builtin_type_name(codec<V>::param_oid));
    else return {};
  } else {
    return {};
  }
}

template <class V>
inline constexpr bool sql_type_known = [] {
  if constexpr (requires { sql_type<V>::name; }) return true;
  else if constexpr (std::is_enum_v<V> && !std::is_same_v<V, std::byte>) return true;
  else if constexpr (std::is_same_v<V, std::string> || std::is_same_v<V, nlohmann::json> ||
                     std::is_same_v<V, nlohmann::ordered_json>)
    return true;
  else if constexpr (is_std_vector<V>::value && !std::is_same_v<V, bytea>)
    return sql_type_known<leaf_value_t<typename V::value_type>>;
  else if constexpr (is_named_type_v<V>) return true;  // pgpx/types/by_name.hpp: the codec names it
  else if constexpr (has_codec<V>) return codec<V>::param_oid != oids::unspecified;
  else return false;
}();

/// The value type of a member type: wrappers and std::optional taken off.
template <class M>
struct column_value {
  using type = M;
};
template <class M>
struct column_value<std::optional<M>> {
  using type = typename column_value<M>::type;
};
template <wrapper_type M>
struct column_value<M> {
  using type = typename column_value<typename M::pgpx_inner>::type;
};

template <class T, std::size_t I>
inline constexpr auto member_fixed_name =
    fixed_string<reflect::field_names<T>[I].size() + 1>(std::in_place, reflect::field_names<T>[I]);

/// The index of the member `mp` points to among C's leaves (embedded members flattened),
/// found by address in one value of C (models are default-constructible). npos when it is
/// not a column of C (an embedded member itself).
template <class C, class M>
auto member_index(M C::*mp) -> std::size_t {
  return reflect::index_of(mp);
}

/// The column indexes of the members `mps` point to, in order; an embedded member stands
/// for all its columns. A pointer that is no column gives npos (refused by the description).
template <class C, class... M>
auto member_indexes(M C::*... mps) -> std::vector<std::size_t> {
  std::vector<std::size_t> out;
  (
      [&] {
        auto is = reflect::indexes_of(mps);
        if (is.empty()) out.push_back(static_cast<std::size_t>(-1));
        else out.insert(out.end(), is.begin(), is.end());
      }(),
      ...);
  return out;
}

}  // namespace detail

/// The members of a composite primary key, in key order (model<T>::primary_key).
template <class C, class... M>
struct key_of_t {
  std::tuple<M C::*...> members;  ///< the member pointers
};
/// `static constexpr auto primary_key = pgpx::key_of(&line::order_id, &line::line_no);`
template <class C, class... M>
[[nodiscard]] constexpr auto key_of(M C::*... mps) -> key_of_t<C, M...> {
  static_assert((!is_embedded<M> && ...),
                "pgpx::key_of: an embedded member (a mixin) cannot be named as a key; name its columns' "
                "members in the model itself");
  return {std::tuple<M C::*...>{mps...}};
}

/// The partition key of a model (model<T>::partition_by), made by partition_by_range/_list/_hash.
template <class C, class... M>
struct partition_by_t {
  partition_method method;        ///< the method
  std::tuple<M C::*...> members;  ///< the key's members, in key order
};
/// `static constexpr auto partition_by = pgpx::partition_by_range(&event::at);`: the table is
/// created `partition by range ("at")`; its partitions are made by pg_partman
/// (pgpx::partman::create_parent_for<T>) or by hand. Every unique key, the primary key
/// included, must contain the partition key (PostgreSQL's rule, checked on first use).
template <class C, class... M>
[[nodiscard]] constexpr auto partition_by_range(M C::*... mps) -> partition_by_t<C, M...> {
  return {partition_method::by_range, std::tuple<M C::*...>{mps...}};
}
/// `partition by list (...)` (see partition_by_range).
template <class C, class... M>
[[nodiscard]] constexpr auto partition_by_list(M C::*... mps) -> partition_by_t<C, M...> {
  return {partition_method::by_list, std::tuple<M C::*...>{mps...}};
}
/// `partition by hash (...)` (see partition_by_range).
template <class C, class... M>
[[nodiscard]] constexpr auto partition_by_hash(M C::*... mps) -> partition_by_t<C, M...> {
  return {partition_method::by_hash, std::tuple<M C::*...>{mps...}};
}

/// A unique constraint over several columns (model<T>::uniques()).
struct unique_of_t {
  std::vector<std::size_t> columns;  ///< column indexes
  std::string constraint_name;  ///< empty: `<table>_<columns>_key`
  /// Gives the constraint an explicit name.
  auto name(std::string n) && -> unique_of_t&& {
    constraint_name = std::move(n);
    return std::move(*this);
  }
};
/// `pgpx::unique_of(&order_line::order_id, &order_line::sku)`
template <class C, class... M>
[[nodiscard]] auto unique_of(M C::*... mps) -> unique_of_t {
  static_assert(sizeof...(M) > 0, "pgpx::unique_of needs at least one member");
  return {detail::member_indexes(mps...), {}};
}

/// An index over members (model<T>::indexes()): `pgpx::index(&book::author_id, &book::title)`,
/// `.unique()`, `.using_(pgpx::gin)`, `.include(&book::title)`, `.name("...")`.
class index_decl {
 public:
  explicit index_decl(std::vector<std::size_t> columns) : columns_(std::move(columns)) {}
  /// One part of a mixed key: a column, or an expression (pgpx/query/ddl.hpp).
  struct key_part {
    std::size_t column = index_key::no_column;  ///< a column, or no_column
    detail::ddl_expression expression{};  ///< else the expression
  };
  /// An index whose key holds expressions (pgpx::index(expr, &T::member, ...)).
  explicit index_decl(std::vector<key_part> parts) : parts_(std::move(parts)) {}
  /// A unique index.
  auto unique() && -> index_decl&& {
    unique_ = true;
    return std::move(*this);
  }
  /// The index method (`pgpx::gin`, `pgpx::gist`, an extension's).
  auto using_(index_method m) && -> index_decl&& {
    method_ = m.name;
    return std::move(*this);
  }
  /// An explicit index name (needed when the generated one exceeds 63 bytes).
  auto name(std::string n) && -> index_decl&& {
    name_ = std::move(n);
    return std::move(*this);
  }
  /// Columns stored in the index but not part of its key (INCLUDE).
  template <class C, class... M>
  auto include(M C::*... mps) && -> index_decl&& {
    include_ = detail::member_indexes(mps...);
    return std::move(*this);
  }
  /// The operator class of every key column (`vector_cosine_ops`, `gin_trgm_ops`); a name,
  /// quoted as an identifier.
  auto opclass(std::string name) && -> index_decl&& {
    opclass_ = std::move(name);
    return std::move(*this);
  }
  /// A storage parameter of the index method (`with (m = 16)`, `with (lists = 100)`): a
  /// number or bool, never text (the value is written into the DDL).
  template <class V>
    requires(std::is_arithmetic_v<V>)
  auto with(std::string name, V value) && -> index_decl&& {
    add_with(std::move(name), value);
    return std::move(*this);
  }
  /// with() on a named declaration (options added one by one).
  template <class V>
    requires(std::is_arithmetic_v<V>)
  auto with(std::string name, V value) & -> index_decl& {
    add_with(std::move(name), value);
    return *this;
  }
  /// A partial index: only rows where `condition` holds are indexed (`where (...)`). The
  /// condition is a builder expression of columns and constants (pgpx::lit<...>): a bound
  /// value does not compile (`pgpx::ddl_needs_constants`). Needs pgpx/query/ddl.hpp.
  template <class P>
  auto where(const P& condition) && -> index_decl&& {
    where_ = detail::make_ddl_expression<"index where", P>(condition);
    return std::move(*this);
  }
  /// What model_info reads (an index without expressions).
  [[nodiscard]] auto info() const -> index_info {
    return index_info{name_, columns_, include_, method_, unique_, opclass_, with_};
  }
  /// What model_info reads: expressions and the condition rendered against `m`.
  [[nodiscard]] auto info(const model_description& m) const -> index_info {
    index_info out = info();
    for (const auto& p : parts_) {
      index_key k;
      if (p.expression) {
        detail::ddl_rendered r = p.expression(m);
        k.expression = r.call ? std::move(r.sql) : "(" + r.sql + ")";
        k.name = std::move(r.name);
        for (const auto c : r.columns)
          if (std::find(out.columns.begin(), out.columns.end(), c) == out.columns.end()) out.columns.push_back(c);
      } else {
        k.column = p.column;
        if (std::find(out.columns.begin(), out.columns.end(), p.column) == out.columns.end())
          out.columns.push_back(p.column);
      }
      out.keys.push_back(std::move(k));
    }
    if (where_) {
      detail::ddl_rendered r = where_(m);
      out.predicate = std::move(r.sql);
      out.predicate_columns = std::move(r.columns);
    }
    return out;
  }

 private:
  std::vector<std::size_t> columns_;
  std::vector<std::size_t> include_;
  std::string_view method_ = btree.name;
  std::string name_;
  bool unique_ = false;
  std::string opclass_;
  std::vector<std::pair<std::string, std::string>> with_;
  std::vector<key_part> parts_;
  detail::ddl_expression where_;

  template <class V>
  void add_with(std::string name, V value) {
    std::string v;
    if constexpr (std::is_same_v<V, bool>) v = value ? "true" : "false";
    else v = std::to_string(value);
    with_.emplace_back(std::move(name), std::move(v));
  }
};
/// An index over one or more members of the same model.
template <class C, class... M>
[[nodiscard]] auto index(M C::*... mps) -> index_decl {
  static_assert(sizeof...(M) > 0, "pgpx::index needs at least one member");
  return index_decl(detail::member_indexes(mps...));
}

namespace detail {

/// model_info<T> as a plain function pointer (references name models not yet complete).
template <class T>
auto model_info_entry() -> const model_description&;

/// The references<> wrapper inside a member type (through optional and other wrappers).
template <class M>
struct find_reference {
  using type = void;
};
template <class M>
struct find_reference<std::optional<M>> : find_reference<M> {};
template <wrapper_type M>
struct find_reference<M> {
  using type =
      std::conditional_t<requires { M::pgpx_target; }, M, typename find_reference<typename M::pgpx_inner>::type>;
};

/// The rules tuple of the checked<> wrapper inside a member type (through optional).
template <class M>
struct find_checked_rules {
  using type = std::tuple<>;
};
template <class M>
struct find_checked_rules<std::optional<M>> : find_checked_rules<M> {};
template <wrapper_type M>
  requires requires { typename M::pgpx_rules; }
struct find_checked_rules<M> {
  using type = typename M::pgpx_rules;
};
template <wrapper_type M>
  requires(!requires { typename M::pgpx_rules; })
struct find_checked_rules<M> : find_checked_rules<typename M::pgpx_inner> {};

/// The CHECK expression of the rules that have SQL, joined with `and`.
template <class V, class... R>
auto rules_sql(std::string_view col) -> std::string {
  std::vector<std::string> parts;
  (
      [&] {
        if constexpr (requires { R::template sql<V>(col); }) {
          if constexpr (R::template applies<V>) parts.push_back(R::template sql<V>(col));
        }
      }(),
      ...);
  if (parts.size() == 1) return parts.front();
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? " and (" : "(") + parts[i] + ")";
  return out;
}
template <class V, class Rules>
constexpr auto rules_check_sql() -> std::string (*)(std::string_view) {
  return []<class... R>(std::tuple<R...>*) -> std::string (*)(std::string_view) {
    constexpr bool any = (false || ... || requires(std::string_view c) { R::template sql<V>(c); });
    if constexpr (any) return &rules_sql<V, R...>;
    else return nullptr;
  }(static_cast<Rules*>(nullptr));
}

template <class T, std::size_t I>
void describe_column(model_description& m) {
  using M = std::remove_cvref_t<decltype(reflect::get<I>(std::declval<T&>()))>;
  using V = typename column_value<M>::type;
  if constexpr (!has_codec<M>) {
    (void)sizeof(unmappable_member<T, member_fixed_name<T, I>, M>);
  } else {
    constexpr column_facts facts = column_facts_of<M>();
    column_info c;
    c.name = reflect::column_names<T>()[I];
    c.member = reflect::field_names<T>[I];
    c.member_index = I;
    c.facts = facts;
    c.type = facts.max_length > 0 ? "varchar(" + std::to_string(facts.max_length) + ")" : sql_type_name<V>();
    if constexpr (facts.reference) {
      // The references<> wrapper is somewhere inside M: find it.
      using R = typename find_reference<M>::type;
      using C = typename R::pgpx_target_class;
      using TM = typename member_pointer_traits<R::pgpx_target>::member_type;
      constexpr column_facts target = column_facts_of<TM>();
      if constexpr (
          !target.primary_key && !target.unique && !requires { model<C>::primary_key; } &&
          !requires { model<C>::uniques(); }) {
        (void)sizeof(reference_target_not_unique<C, member_fixed_name<T, I>>);
      }
      reference_info r;
      r.target = &model_info_entry<C>;
      r.target_column = member_index(R::pgpx_target);
      r.delete_action = facts.delete_action;
      r.update_action = facts.update_action;
      c.reference = std::move(r);
    }
    if constexpr (facts.checked) c.check_sql = rules_check_sql<V, typename find_checked_rules<M>::type>();
    if constexpr (!std::is_void_v<typename enum_of<V>::type>) {
      using E = typename enum_of<V>::type;
      const std::string type_name = sql_type_name<E>();
      bool known = false;
      for (const auto& e : m.enums) known = known || e.name == type_name;
      if (!known) m.enums.push_back(enum_info{type_name, enum_table<E>::get().labels});
    }
    m.columns.push_back(std::move(c));
  }
}

/// DDL needs a SQL type for every column: the first diagnostic names the member without one.
template <class T, std::size_t I>
constexpr void check_sql_type() {
  using M = std::remove_cvref_t<decltype(reflect::get<I>(std::declval<T&>()))>;
  if constexpr (has_codec<M> && !sql_type_known<typename column_value<M>::type>)
    (void)sizeof(no_sql_type<T, member_fixed_name<T, I>, typename column_value<M>::type>);
}
template <class T, std::size_t... I>
constexpr void check_sql_types(std::index_sequence<I...>) {
  (check_sql_type<T, I>(), ...);
}

template <class T, std::size_t... I>
void describe_columns(model_description& m, std::index_sequence<I...>) {
  (describe_column<T, I>(m), ...);
}

/// Sets pgpx::detail::describing<T> for the facts that hold expressions.
template <class T>
class describing_guard {
 public:
  explicit describing_guard(const model_description& m) noexcept : saved_(describing<T>) { describing<T> = &m; }
  ~describing_guard() { describing<T> = saved_; }
  describing_guard(const describing_guard&) = delete;
  auto operator=(const describing_guard&) -> describing_guard& = delete;

 private:
  const model_description* saved_;
};

/// An index fact's description: rendered against m when it holds expressions.
template <class I>
auto index_info_of(const I& ix, const model_description& m) -> index_info {
  if constexpr (requires { ix.info(m); }) return ix.info(m);
  else return ix.info();
}
/// A check fact's description: pgpx::check renders its expression against m; sql_check is text.
template <class C>
auto check_info_of(const C& ck, const model_description& m) -> check_info {
  if constexpr (requires { ck.info(m); }) return ck.info(m);
  else return check_info{std::string(ck.name()), std::string(ck.sql()), {}};
}

template <class T>
auto build_description() -> model_description {
  model_description m;
  m.cpp_name = detail::type_name_v<T>;
  if constexpr (requires { model<T>::table; }) m.table = std::string(model<T>::table);
  else m.table = default_table_name(detail::type_name_v<T>);
  if constexpr (requires { model<T>::schema; }) m.schema = std::string(model<T>::schema);
  describe_columns<T>(m, std::make_index_sequence<reflect::field_count<T>>{});
  if constexpr (requires { model<T>::primary_key; }) {
    std::apply([&](auto... mp) { m.primary_key = member_indexes(mp...); }, model<T>::primary_key.members);
  } else {
    for (std::size_t i = 0; i < m.columns.size(); ++i)
      if (m.columns[i].facts.primary_key) m.primary_key.push_back(i);
  }
  if constexpr (requires { model<T>::partition_by; }) {
    m.partitioning = model<T>::partition_by.method;
    std::apply([&](auto... mp) { m.partition_key = member_indexes(mp...); }, model<T>::partition_by.members);
  }
  if constexpr (requires { model<T>::uniques(); }) {
    std::apply(
        [&](auto&&... u) {
          (m.uniques.push_back(unique_info{std::move(u.constraint_name), u.columns}), ...);
        },
        model<T>::uniques());
  }
  if constexpr (requires { model<T>::indexes(); }) {
    const describing_guard<T> guard(m);  // pgpx::col(&T::x) in the facts reads m (no recursion)
    std::apply([&](auto&&... ix) { (m.indexes.push_back(index_info_of(ix, m)), ...); }, model<T>::indexes());
  }
  if constexpr (requires { model<T>::checks(); }) {
    const describing_guard<T> guard(m);
    std::apply([&](auto&&... ck) { (m.checks.push_back(check_info_of(ck, m)), ...); }, model<T>::checks());
  }
  finish_description(m);
  return m;
}

}  // namespace detail

/**
 * The description of model T, built on first use (thread-safe) and kept for the program's
 * life. Throws usage_error on first use for facts that are wrong at run time (a generated
 * name over 63 bytes, a key or index naming a member that is not a direct member of T).
 * A member that cannot be mapped fails to compile, naming the member.
 */
template <class T>
[[nodiscard]] auto model_info() -> const model_description& {
  static const model_description m = detail::build_description<T>();
  return m;
}

namespace detail {
template <class T>
auto model_info_entry() -> const model_description& {
  return model_info<T>();
}
}  // namespace detail

}  // namespace pgpx
