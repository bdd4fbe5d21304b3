// pgpx/query/expr.hpp: typed SQL expressions on member pointers, the query builder's values.
//
//   auto p = pgpx::col(&book::price_cents) > 100 && pgpx::col(&book::title).ilike("%sql%");
//   auto q = pgpx::col(&book::meta).contains(nlohmann::json{{"format", "epub"}});
//   auto n = pgpx::coalesce(pgpx::col(&author::bio), "none");
//
// An expression is `pgpx::expr<V, Nullable>`: V is the C++ type its value reads into, and
// Nullable says whether it may be NULL (an optional member, an outer-joined column, sum()).
// The tree of an expression is built at run time (shared, immutable nodes); its type holds
// only V and Nullable, so the types stay small whatever the query.
//
// Rules:
//  - every C++ value becomes a bound parameter ($n), encoded once when the expression is
//    made; nothing a program computes at run time is ever spliced into SQL text;
//  - names (tables, columns, aliases) go through pgpx::quote_identifier;
//  - comparison and arithmetic need compatible types: comparing a text column with an int
//    does not compile, and the first line of the diagnostic names the two types
//    (`pgpx::cannot_compare<std::string, int>`); so does is_null() on a NOT NULL expression
//    (`pgpx::never_null<std::string>`);
//  - `e.in(values)` renders `e = any($n)` with one array parameter (an empty list is false);
//  - an expression knows, in its type, whether it holds no bound value (pgpx::const_expr:
//    columns, pgpx::lit<...> constants and operators over them) or one (pgpx::bound_expr): DDL
//    facts (pgpx/query/ddl.hpp) take the first and refuse the second at compile time.
//  - time values add and subtract as PostgreSQL's operators do (timestamptz + interval,
//    timestamptz - timestamptz is an interval, date + int4, ...); ranges and multiranges take
//    elements, ranges and multiranges of their own element type, and + * - only their own type; pgpx::raw<V>("f({})",
//    e) is an SQL fragment whose text is a string literal (checked at compile time) and whose holes are expressions or
//    bound values.
//
// Thread safety: expressions are immutable values; copies share nodes and may be used from
// several threads. Nothing here blocks or touches a connection.
#pragma once

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/statement.hpp>
#include <pgpx/export.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/chrono.hpp>
#include <pgpx/types/json.hpp>
#include <pgpx/types/numeric.hpp>
#include <pgpx/types/multirange.hpp>
#include <pgpx/types/range.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

template <class V, bool Nullable>
class expr;
template <class V, bool Nullable>
class const_expr;
template <class V, bool Nullable>
class bound_expr;

namespace query::detail {

struct node;
struct relation;
struct query_data;
/// A shared, immutable expression node.
using node_ptr = std::shared_ptr<const node>;
/// A shared relation (table, alias, CTE, derived table).
using relation_ptr = std::shared_ptr<const relation>;
/// A shared query (for subqueries, CTEs and derived tables).
using query_ptr = std::shared_ptr<const query_data>;

/// What a node is.
enum class node_kind : std::uint8_t {
  column,    ///< rel + column
  value,     ///< one bound parameter
  sql,       ///< fixed SQL text written by pgpx (keywords, typed literals)
  binary,    ///< kids[0] text kids[1]
  prefix,    ///< text kids[0]  ("not ", "-")
  postfix,   ///< kids[0] text  (" is null")
  call,      ///< text(kids...) [filter (where filter)] [over (window)]
  row,       ///< (kids...)
  subquery,  ///< (sub)
  between,   ///< kids[0] between kids[1] and kids[2]
  any,       ///< kids[0] text any(kids[1])
  cast,      ///< kids[0]::text
  ordering,  ///< kids[0] text (an ORDER BY item: " desc nulls last")
  fragment,  ///< pgpx::raw<V>: text (a literal of the program) with each "{}" replaced by the next kid
};

/// Binding strength, PostgreSQL's operator precedence (higher binds tighter).
namespace prec {
inline constexpr std::uint8_t or_ = 1, and_ = 2, not_ = 3, is = 4, compare = 5, like = 6, other = 7, add = 8, mul = 9,
                              unary = 10, cast = 11, atom = 12;
}  // namespace prec

/// A window: partition by, order by, frame.
struct window_spec {
  std::vector<node_ptr> partition;
  std::vector<node_ptr> order;  ///< ordering nodes (kind sql suffix in text)
  std::string frame;            ///< "rows between ..." (pgpx-written text) or empty
};

/// One bound value, encoded once: its bytes as sent, its type and format, its text for logs.
struct encoded_value {
  std::string bytes;  ///< the encoded value (text format: without the terminating NUL)
  std::string text;   ///< the value's text form (to_sql, query logs)
  oid type = 0;       ///< the parameter's type
  int format = 0;     ///< 0 text, 1 binary
  bool null = false;  ///< SQL NULL
  /// The id of the named type (pgpx/types/by_name.hpp) whose OID the connection resolves,
  /// or no_named_type.
  std::uint32_t named = no_named_type;
  static constexpr std::uint32_t no_named_type = 0xffffffffU;
  /// pgpx::arg<T>(n): the n-th argument of a pgpx::shape (the bytes are a placeholder), or -1.
  int slot = -1;
};

/// A value whose codec writes fixed binary bytes and cannot fail: a number or bool, perhaps
/// in column wrappers (pgpx::identity<std::int64_t>), of no named type.
template <class T>
concept plain_binary_value =
    has_codec<T> && std::is_arithmetic_v<pgpx::detail::leaf_value_t<T>> && codec<T>::param_format == format::binary &&
    !nullable_codec<T> && std::is_void_v<typename pgpx::detail::named_param<T>::type>;

/// Encodes one value through the codecs: a plain binary value directly, any other through a
/// per-thread scratch list (no allocation of its own once warm). Throws conversion_error as
/// param_list::add does.
template <class T>
void encode_value(const T& v, encoded_value& out) {
  if constexpr (plain_binary_value<T>) {
    // What param_list::add would record for it, without the list.
    out.bytes.clear();
    codec<T>::encode(v, out.bytes);
    out.text.clear();
    codec<T>::to_text(v, out.text);
    out.type = codec<T>::param_oid;
    out.format = static_cast<int>(format::binary);
    out.null = false;
    out.named = encoded_value::no_named_type;
  } else {
    thread_local param_list scratch;
    scratch.clear();
    scratch.own_values(true);
    scratch.capture_text(true);
    scratch.add(v);
    const int len = scratch.lengths()[0];
    out.type = scratch.types()[0];
    out.format = scratch.formats()[0];
    out.null = len < 0;
    if (!out.null) out.bytes.assign(scratch.values()[0], static_cast<std::size_t>(len));
    if (!scratch.texts().empty()) out.text = scratch.texts()[0];
    const auto& named = pgpx::detail::param_list_access::named(scratch);
    out.named = named.empty() ? encoded_value::no_named_type : named.front().id;
  }
}

/// One node of an expression tree.
struct node {
  node_kind kind = node_kind::sql;
  std::uint8_t precedence = prec::atom;
  std::string text;            ///< operator, function name, suffix or SQL text
  std::vector<node_ptr> kids;  ///< operands
  relation_ptr rel;            ///< column: its relation
  std::size_t column = 0;      ///< column: index in rel->columns
  encoded_value value;         ///< value: the bound parameter
  query_ptr sub;               ///< subquery
  node_ptr filter;             ///< aggregate: filter (where ...)
  std::shared_ptr<const window_spec> over;  ///< window function: over (...)
  bool distinct = false;       ///< aggregate: count(distinct x)
};

/// A FROM item: a model's table (perhaps aliased), a CTE, a derived table, `excluded`, or a
/// set-returning function (`unnest(...) as t (cols)`).
enum class relation_kind : std::uint8_t { table, cte, derived, excluded, function };

/// A relation columns can belong to. Columns refer to their relation by pointer, so two
/// aliases of one table are two relations (self joins).
struct relation {
  relation_kind kind = relation_kind::table;
  const model_description* model = nullptr;  ///< table and excluded: the model
  std::string name;                          ///< what columns are qualified with
  bool aliased = false;                      ///< `"table" as "name"`
  std::vector<std::string> columns;          ///< SQL column names, in member order
  std::vector<std::string> members;          ///< C++ member names, in the same order
  query_ptr body;                            ///< derived: the query (a CTE's is in its cte_def)
  bool lateral = false;                      ///< derived: `lateral (...)`
  node_ptr call;                             ///< function: the call, such as unnest($1, $2)
  bool ordinality = false;                   ///< function: `with ordinality`
  std::vector<std::string> quoted;           ///< columns, quoted (made once: finish_relation)
  std::string quoted_name;                   ///< name, quoted
  std::string quoted_table;                  ///< table and excluded: the model's table, quoted
};

/// Fills a relation's quoted names (call after setting name and columns).
PGPX_API void finish_relation(relation& r);

/// A relation of the table of description `m`.
inline auto make_model_relation(const model_description& m) -> relation_ptr {
  auto rel = std::make_shared<relation>();
  rel->kind = relation_kind::table;
  rel->model = &m;
  rel->name = m.table;
  for (const auto& c : m.columns) {
    rel->columns.push_back(c.name);
    rel->members.emplace_back(c.member);
  }
  finish_relation(*rel);
  return rel;
}

/// The relation of model T while its description is being built (its expression facts,
/// model<T>::checks() and indexes(), name its columns): made from the partial description.
template <class T>
auto describing_relation() -> const relation_ptr& {
  thread_local relation_ptr r;
  r = make_model_relation(*pgpx::detail::describing<T>);  // rare (facts run once): nothing cached
  return r;
}

/// The relation of model T's own table (one per T, shared).
template <class T>
auto model_relation() -> const relation_ptr& {
  if (pgpx::detail::describing<T> != nullptr) [[unlikely]]
    return describing_relation<T>();
  static const relation_ptr r = make_model_relation(model_info<T>());
  return r;
}

/// The `excluded` pseudo-table of an upsert on model T.
template <class T>
auto excluded_relation() -> const relation_ptr& {
  static const relation_ptr r = [] {
    auto rel = std::make_shared<relation>(*model_relation<T>());
    rel->kind = relation_kind::excluded;
    rel->name = "excluded";
    finish_relation(*rel);
    return rel;
  }();
  return r;
}

/// Makes a node of a fixed kind.
PGPX_API auto make_node(node_kind kind, std::uint8_t precedence, std::string text, std::vector<node_ptr> kids = {})
    -> node_ptr;
/// The column `index` of `rel`.
PGPX_API auto column_node(relation_ptr rel, std::size_t index) -> node_ptr;
/// A column of `rel` found by C++ member name; usage_error naming both when missing.
PGPX_API auto column_node_by_member(const relation_ptr& rel, std::string_view member, std::string_view owner)
    -> node_ptr;
/// A typed literal of pgpx's own ('english'::regconfig), quoted by quote_literal.
PGPX_API auto typed_literal(std::string_view text, std::string_view type) -> node_ptr;
/// Renders one boolean expression as a predicate statement (columns unqualified), for the
/// CRUD verbs that take a predicate (count, exists, update_many, delete_many); parenthesised
/// when it binds less tightly than `outer`.
PGPX_API auto render_predicate(const node_ptr& e, std::uint8_t outer = 0) -> statement<void>;

/// The node of column `index` of model T's own table: made once per column and shared (nodes
/// are immutable), so pgpx::col(&T::m) allocates nothing.
template <class T>
auto model_column_node(std::size_t index) -> node_ptr {
  if (pgpx::detail::describing<T> != nullptr) [[unlikely]]
    return column_node(model_relation<T>(), index);
  static const std::vector<node_ptr> nodes = [] {
    const relation_ptr& rel = model_relation<T>();
    std::vector<node_ptr> out;
    out.reserve(rel->columns.size());
    for (std::size_t i = 0; i < rel->columns.size(); ++i) out.push_back(column_node(rel, i));
    return out;
  }();
  if (index >= nodes.size()) [[unlikely]]
    return column_node(model_relation<T>(), index);  // not a column: column_node's usage_error
  return nodes[index];
}

/// A value node holding one encoded parameter.
template <class T>
auto value_node(const T& v) -> node_ptr {
  auto n = std::make_shared<node>();
  n->kind = node_kind::value;
  encode_value(v, n->value);
  return n;
}

/// A value node standing for argument `slot` of a pgpx::shape (T{} encoded as a placeholder).
template <class T>
auto slot_node(std::size_t slot) -> node_ptr {
  if (slot > 65534) throw usage_error("pgpx::arg: argument number " + std::to_string(slot) + " is out of range");
  auto n = std::make_shared<node>();
  n->kind = node_kind::value;
  encode_value(T{}, n->value);
  n->value.slot = static_cast<int>(slot);
  n->value.text = "$arg" + std::to_string(slot);
  return n;
}

// ---- type families -------------------------------------------------------------------

/// The families of D3: values of one family compare with each other.
/// The time families: timestamptz (any std::chrono::sys_time), timestamp (any
/// std::chrono::local_time), date and interval (pgpx::interval and any std::chrono::duration).
enum class family : std::uint8_t {
  integer,
  floating,
  numeric,
  text,
  boolean,
  json,
  other,
  instant,
  local_timestamp,
  date,
  interval
};

/// The time family of V, or family::other.
template <class V>
struct time_family {
  static constexpr family value = family::other;
};
template <class D>
struct time_family<std::chrono::time_point<std::chrono::system_clock, D>> {
  static constexpr family value = family::instant;
};
template <class D>
struct time_family<std::chrono::time_point<std::chrono::local_t, D>> {
  static constexpr family value = family::local_timestamp;
};
template <>
struct time_family<pgpx::date> {
  static constexpr family value = family::date;
};
template <>
struct time_family<pgpx::interval> {
  static constexpr family value = family::interval;
};
template <class R, class P>
struct time_family<std::chrono::duration<R, P>> {
  static constexpr family value = family::interval;
};

template <class V>
consteval auto family_of() -> family {
  if constexpr (time_family<V>::value != family::other) return time_family<V>::value;
  else if constexpr (std::is_same_v<V, bool>) return family::boolean;
  else if constexpr (std::is_integral_v<V>) return family::integer;
  else if constexpr (std::is_floating_point_v<V>) return family::floating;
  else if constexpr (std::is_same_v<V, pgpx::numeric>) return family::numeric;
  else if constexpr (std::is_same_v<V, std::string>) return family::text;
  else if constexpr (std::is_same_v<V, nlohmann::json>) return family::json;
  else return family::other;
}
template <class V>
inline constexpr bool is_number =
    family_of<V>() == family::integer || family_of<V>() == family::floating || family_of<V>() == family::numeric;

/// The value type a C++ argument stands for: text for every string form, the inner type of
/// optional and of pgpx's wrappers.
template <class T>
struct value_of {
  using type = typename pgpx::detail::column_value<T>::type;
  static constexpr bool nullable = false;
};
template <class T>
struct value_of<std::optional<T>> {
  using type = typename value_of<T>::type;
  static constexpr bool nullable = true;
};
template <>
struct value_of<const char*> {
  using type = std::string;
  static constexpr bool nullable = false;
};
template <>
struct value_of<char*> : value_of<const char*> {};
template <std::size_t N>
struct value_of<char[N]> : value_of<const char*> {};
template <>
struct value_of<std::string_view> : value_of<const char*> {};
template <>
struct value_of<std::nullopt_t> {
  using type = void;
  static constexpr bool nullable = true;
};

/// pgpx::range<T> and its element type.
template <class V>
struct range_element {
  using type = void;
};
template <class T>
struct range_element<pgpx::range<T>> {
  using type = T;
};
template <class V>
inline constexpr bool is_range = !std::is_void_v<typename range_element<V>::type>;
/// pgpx::multirange<T> and its element type.
template <class V>
struct multirange_element {
  using type = void;
};
template <class T>
struct multirange_element<pgpx::multirange<T>> {
  using type = T;
};
template <class V>
inline constexpr bool is_multirange = !std::is_void_v<typename multirange_element<V>::type>;
/// A range or a multirange.
template <class V>
inline constexpr bool is_range_like = is_range<V> || is_multirange<V>;
/// The element type of a range or a multirange (void for anything else).
template <class V>
using range_like_element_t =
    std::conditional_t<is_range<V>, typename range_element<V>::type, typename multirange_element<V>::type>;
/// True when A and B are ranges or multiranges of one element type (the operands PostgreSQL's
/// range operators @>, <@, &&, <<, >>, &<, &>, -|- take, mixed as they please).
template <class A, class B>
inline constexpr bool same_range_family =
    is_range_like<A> && is_range_like<B> && std::is_same_v<range_like_element_t<A>, range_like_element_t<B>>;

/// A bound SQL/JSON path: `$n::jsonpath`.
inline auto jsonpath_node(std::string path) -> node_ptr {
  return make_node(node_kind::cast, prec::cast, "jsonpath", {value_node(path)});
}

/// True for pgpx::expr and what derives from it.
template <class T>
concept expression = requires { typename std::remove_cvref_t<T>::pgpx_expr_value; };

/// The value type and nullability of an expression or a C++ value.
template <class T>
struct operand {
  using type = typename value_of<std::remove_cvref_t<T>>::type;
  static constexpr bool nullable = value_of<std::remove_cvref_t<T>>::nullable;
};
template <expression T>
struct operand<T> {
  using type = typename std::remove_cvref_t<T>::pgpx_expr_value;
  static constexpr bool nullable = std::remove_cvref_t<T>::nullable;
};
template <class T>
using operand_t = typename operand<T>::type;

/// The node of an expression, or a parameter node for a C++ value.
template <class T>
auto to_node(const T& x) -> node_ptr {
  if constexpr (expression<T>) {
    return x.node();
  } else if constexpr (std::is_array_v<T> || std::is_same_v<std::decay_t<T>, const char*> ||
                       std::is_same_v<std::decay_t<T>, char*>) {
    return value_node(std::string(x));
  } else if constexpr (std::is_same_v<T, std::string_view>) {
    return value_node(std::string(x));
  } else {
    return value_node(x);
  }
}

template <class T>
inline constexpr bool dependent_false_v = false;

/// What an expression holds, as far as its type knows: only columns and constants, at least
/// one bound value ($n), or (made by code that does not say) unknown. Ordered: combining
/// takes the largest.
enum class constness : std::uint8_t { constant, unknown, bound };

/// The constness of an operand: an expression's own, or `bound` for a C++ value (it becomes
/// a parameter).
template <class T>
consteval auto constness_of() -> constness {
  using U = std::remove_cvref_t<T>;
  if constexpr (!expression<U>) return constness::bound;
  else if constexpr (requires { U::pgpx_constness; }) return U::pgpx_constness;
  else return constness::unknown;
}
/// The constness of an expression made of operands A...
template <class... A>
consteval auto combined_constness() -> constness {
  constness out = constness::constant;
  ((out = constness_of<A>() > out ? constness_of<A>() : out), ...);
  return out;
}

/// The expression type for a value type, nullability and constness.
template <class V, bool Nullable, constness K>
struct expr_for {
  using type = expr<V, Nullable>;
};
template <class V, bool Nullable>
struct expr_for<V, Nullable, constness::constant> {
  using type = const_expr<V, Nullable>;
};
template <class V, bool Nullable>
struct expr_for<V, Nullable, constness::bound> {
  using type = bound_expr<V, Nullable>;
};
/// The expression type of an operation on operands A...
template <class V, bool Nullable, class... A>
using expr_of = typename expr_for<V, Nullable, combined_constness<A...>()>::type;

}  // namespace query::detail

// ---- readable refusals -------------------------------------------------------------------

/// Refusal: two expressions of different families compared (`text = int`).
template <class A, class B>
struct cannot_compare {
  static_assert(query::detail::dependent_false_v<A>,
                "pgpx: these two types cannot be compared; compare values of one family (numbers, text, "
                "json, ...), converting one side first");
};
/// Refusal: arithmetic on operands that are not numbers.
template <char Op, class A, class B>
struct cannot_apply {
  static_assert(query::detail::dependent_false_v<A>,
                "pgpx: this operator needs numbers on both sides (or PostgreSQL's time arithmetic: timestamp "
                "+ interval, timestamp - timestamp, date + integer, interval * number, ...; or two "
                "ranges, or two multiranges, of one type: union +, intersection *, difference -)");
};
/// Refusal: is_null() on an expression that is never NULL.
template <class V>
struct never_null {
  static_assert(query::detail::dependent_false_v<V>,
                "pgpx: is_null() here is always false: the expression is NOT NULL (make the member "
                "std::optional, or drop the test)");
};
/// Refusal: an operator applied to an expression of the wrong family.
template <fixed_string Op, class V>
struct operator_not_applicable {
  static_assert(query::detail::dependent_false_v<V>, "pgpx: this operator does not apply to this value type");
};
/// Refusal: `and`, `or`, `not` or where() on a non-boolean expression.
template <class V>
struct not_a_condition {
  static_assert(query::detail::dependent_false_v<V>, "pgpx: a condition must be a boolean expression");
};

namespace query::detail {
template <class A, class B>
concept comparable = (is_number<A> && is_number<B>) ||
                     (family_of<A>() == family_of<B>() && (family_of<A>() != family::other || std::is_same_v<A, B>)) ||
                     std::is_void_v<A> || std::is_void_v<B>;
template <class A, class B>
concept arithmetic = is_number<A> && is_number<B>;

template <class A, class B>
using arith_result_t =
    std::conditional_t<family_of<A>() == family::numeric || family_of<B>() == family::numeric, pgpx::numeric,
                       std::conditional_t<family_of<A>() == family::floating, A,
                                          std::conditional_t<family_of<B>() == family::floating, B,
                                                             std::conditional_t<(sizeof(A) >= sizeof(B)), A, B>>>>;

/// An integer PostgreSQL adds to a date (int2 or int4: there is no `date + bigint`).
template <class V>
consteval auto day_count_type() -> bool {
  if constexpr (family_of<V>() == family::integer) return sizeof(V) <= 4;
  else return false;
}
template <class V>
inline constexpr bool is_day_count = day_count_type<V>();

/// The result of time arithmetic `A op B` as PostgreSQL types it, or void when PostgreSQL has
/// no such operator: timestamptz/timestamp ± interval, timestamptz - timestamptz (interval),
/// date ± integer (date), date - date (int4), date + interval (timestamp), interval ± interval,
/// interval * number, number * interval, interval / number.
template <char Op, class A, class B>
consteval auto time_arith_tag() {
  constexpr family fa = family_of<A>(), fb = family_of<B>();
  constexpr bool ts_a = fa == family::instant || fa == family::local_timestamp;
  if constexpr (Op == '+' || Op == '-') {
    if constexpr (ts_a && fb == family::interval) return std::type_identity<A>{};
    else if constexpr (Op == '+' && fa == family::interval && (fb == family::instant || fb == family::local_timestamp))
      return std::type_identity<B>{};
    else if constexpr (Op == '-' && ts_a && fb == fa) return std::type_identity<pgpx::interval>{};
    else if constexpr (fa == family::date && is_day_count<B>) return std::type_identity<pgpx::date>{};
    else if constexpr (Op == '+' && is_day_count<A> && fb == family::date) return std::type_identity<pgpx::date>{};
    else if constexpr (Op == '-' && fa == family::date && fb == family::date) return std::type_identity<std::int32_t>{};
    else if constexpr (fa == family::date && fb == family::interval) return std::type_identity<pgpx::timestamp>{};
    else if constexpr (Op == '+' && fa == family::interval && fb == family::date)
      return std::type_identity<pgpx::timestamp>{};
    else if constexpr (fa == family::interval && fb == family::interval) return std::type_identity<pgpx::interval>{};
    else return std::type_identity<void>{};
  } else if constexpr (Op == '*') {
    if constexpr (fa == family::interval && is_number<B>) return std::type_identity<pgpx::interval>{};
    else if constexpr (is_number<A> && fb == family::interval) return std::type_identity<pgpx::interval>{};
    else return std::type_identity<void>{};
  } else if constexpr (Op == '/') {
    if constexpr (fa == family::interval && is_number<B>) return std::type_identity<pgpx::interval>{};
    else return std::type_identity<void>{};
  } else {
    return std::type_identity<void>{};
  }
}
template <char Op, class A, class B>
using time_arith_t = typename decltype(time_arith_tag<Op, A, B>())::type;

/// The result of range arithmetic `A op B`: union (+), intersection (*) and difference (-) of
/// two ranges, or of two multiranges, of one type (that type), else void. (PostgreSQL has no
/// range + multirange; a range union or difference that is not one range is its error.)
template <char Op, class A, class B>
using range_arith_t =
    std::conditional_t<(Op == '+' || Op == '-' || Op == '*') && is_range_like<A> && std::is_same_v<A, B>, A, void>;
}  // namespace query::detail

/**
 * A typed SQL expression: V is the C++ type a value reads into, Nullable whether it may be
 * NULL. Made by pgpx::col, pgpx::val, operators and functions; never by hand.
 */
template <class V, bool Nullable = false>
class expr {
 public:
  /// The C++ value type.
  using pgpx_expr_value = V;
  /// Whether the expression may be NULL.
  static constexpr bool nullable = Nullable;

  /// Wraps a node (for pgpx's own functions).
  explicit expr(query::detail::node_ptr n) : node_(std::move(n)) {}

  /// The expression's tree.
  [[nodiscard]] auto node() const noexcept -> const query::detail::node_ptr& { return node_; }

  /// `e like pattern` (text only; the pattern is bound).
  template <class P>
  [[nodiscard]] auto like(const P& pattern) const -> expr<bool, Nullable> {
    return text_op<"like">(" like ", pattern);
  }
  /// `e ilike pattern` (case-insensitive like).
  template <class P>
  [[nodiscard]] auto ilike(const P& pattern) const -> expr<bool, Nullable> {
    return text_op<"ilike">(" ilike ", pattern);
  }
  /// `e = any($n)`: one array parameter holding every value of `values` (empty: false).
  template <class R>
    requires(!query::detail::expression<R>)
  [[nodiscard]] auto in(const R& values) const -> expr<bool, Nullable> {
    using E = query::detail::operand_t<std::remove_cvref_t<decltype(*std::begin(values))>>;
    check_compare<E>();
    std::vector<E> all;
    for (const auto& v : values) all.push_back(E(v));
    return make_any(" = ", query::detail::value_node(all));
  }
  /// `e = any($n)` for a brace list: `col(&t::n).in({1, 2, 3})`.
  template <class E>
  [[nodiscard]] auto in(std::initializer_list<E> values) const -> expr<bool, Nullable> {
    return in(std::vector<E>(values));
  }
  /// `e between lo and hi`.
  template <class L, class H>
  [[nodiscard]] auto between(const L& lo, const H& hi) const -> expr<bool, Nullable> {
    check_compare<query::detail::operand_t<L>>();
    check_compare<query::detail::operand_t<H>>();
    return expr<bool, Nullable>(
        query::detail::make_node(query::detail::node_kind::between, query::detail::prec::like, "",
                                 {node_, query::detail::to_node(lo), query::detail::to_node(hi)}));
  }
  /// `e is null` (only on an expression that may be NULL).
  [[nodiscard]] auto is_null() const -> expr<bool> {
    if constexpr (!Nullable) never_null<V>{};
    return expr<bool>(
        query::detail::make_node(query::detail::node_kind::postfix, query::detail::prec::is, " is null", {node_}));
  }
  /// `e is not null` (only on an expression that may be NULL).
  [[nodiscard]] auto is_not_null() const -> expr<bool> {
    if constexpr (!Nullable) never_null<V>{};
    return expr<bool>(
        query::detail::make_node(query::detail::node_kind::postfix, query::detail::prec::is, " is not null", {node_}));
  }
  /// jsonb `e @> value` and arrays `e @> values`: contains.
  template <class X>
  [[nodiscard]] auto contains(const X& x) const -> expr<bool, Nullable> {
    if constexpr (query::detail::family_of<V>() == query::detail::family::json) {
      return other_op(" @> ", query::detail::to_node(to_json_value(x)));
    } else if constexpr (pgpx::detail::is_std_vector<V>::value) {
      return other_op(" @> ", query::detail::to_node(x));
    } else if constexpr (query::detail::is_range_like<V>) {
      if constexpr (query::detail::is_range_like<query::detail::operand_t<X>>) return range_op<"@>">(" @> ", x);
      else return other_op(" @> ", range_element_node(x));
    } else {
      operator_not_applicable<"@>", V>{};
      return other_op("", nullptr);
    }
  }
  /// arrays `e && values`: the arrays share an element; ranges and multiranges `e && r`: they
  /// overlap.
  template <class X>
  [[nodiscard]] auto overlaps(const X& x) const -> expr<bool, Nullable> {
    if constexpr (query::detail::is_range_like<V>) {
      return range_op<"&&">(" && ", x);
    } else {
      if constexpr (!pgpx::detail::is_std_vector<V>::value) operator_not_applicable<"&&", V>{};
      return other_op(" && ", query::detail::to_node(x));
    }
  }
  /// ranges `e <@ r`: every value of e lies in r (r a range or multirange of the same
  /// element type, as for every range operator below).
  template <class X>
  [[nodiscard]] auto contained_by(const X& r) const -> expr<bool, Nullable> {
    return range_op<"<@">(" <@ ", r);
  }
  /// ranges `e -|- r`: the ranges are adjacent (touch without overlapping).
  template <class X>
  [[nodiscard]] auto adjacent_to(const X& r) const -> expr<bool, Nullable> {
    return range_op<"-|-">(" -|- ", r);
  }
  /// ranges `e << r`: every value of e is below every value of r.
  template <class X>
  [[nodiscard]] auto strictly_left_of(const X& r) const -> expr<bool, Nullable> {
    return range_op<"<<">(" << ", r);
  }
  /// ranges `e >> r`: every value of e is above every value of r.
  template <class X>
  [[nodiscard]] auto strictly_right_of(const X& r) const -> expr<bool, Nullable> {
    return range_op<">>">(" >> ", r);
  }
  /// ranges `e &< r`: e does not extend to the right of r (no value of e above r's upper bound).
  template <class X>
  [[nodiscard]] auto does_not_extend_right_of(const X& r) const -> expr<bool, Nullable> {
    return range_op<"&<">(" &< ", r);
  }
  /// ranges `e &> r`: e does not extend to the left of r (no value of e below r's lower bound).
  template <class X>
  [[nodiscard]] auto does_not_extend_left_of(const X& r) const -> expr<bool, Nullable> {
    return range_op<"&>">(" &> ", r);
  }
  /// jsonb `e @? path`: the SQL/JSON path yields an item (the path is bound, as jsonpath).
  [[nodiscard]] auto path_exists(std::string path) const -> expr<bool, true> {
    return path_op<"@?">(" @? ", std::move(path));
  }
  /// jsonb `e @@ path`: the result of the path predicate (NULL when it is not a boolean).
  [[nodiscard]] auto path_match(std::string path) const -> expr<bool, true> {
    return path_op<"@@">(" @@ ", std::move(path));
  }
  /// jsonb `e ? key`: the object has this key.
  [[nodiscard]] auto has_key(std::string key) const -> expr<bool, Nullable> {
    if constexpr (query::detail::family_of<V>() != query::detail::family::json) operator_not_applicable<"?", V>{};
    return other_op(" ? ", query::detail::value_node(key));
  }
  /// jsonb `e -> key`: the member as jsonb (NULL when missing).
  [[nodiscard]] auto operator[](std::string key) const -> expr<nlohmann::json, true> {
    if constexpr (query::detail::family_of<V>() != query::detail::family::json) operator_not_applicable<"->", V>{};
    return expr<nlohmann::json, true>(query::detail::make_node(
        query::detail::node_kind::binary, query::detail::prec::other, " -> ", {node_, query::detail::value_node(key)}));
  }
  /// jsonb `e ->> key`: the member as text (NULL when missing).
  [[nodiscard]] auto text(std::string key) const -> expr<std::string, true> {
    if constexpr (query::detail::family_of<V>() != query::detail::family::json) operator_not_applicable<"->>", V>{};
    return expr<std::string, true>(query::detail::make_node(query::detail::node_kind::binary,
                                                            query::detail::prec::other, " ->> ",
                                                            {node_, query::detail::value_node(key)}));
  }

  /// The expression as a predicate statement, for the CRUD verbs (count, exists, update_many,
  /// delete_many): `pgpx::count<book>(cx, pgpx::col(&book::author_id) == id)`.
  operator statement<void>() const {  // NOLINT(google-explicit-constructor): predicates read naturally
    if constexpr (!std::is_same_v<V, bool>) not_a_condition<V>{};
    return query::detail::render_predicate(node_);
  }

 protected:
  query::detail::node_ptr node_;

 private:
  template <class O>
  static constexpr void check_compare() {
    if constexpr (!query::detail::comparable<V, O>) cannot_compare<V, O>{};
  }
  template <fixed_string Op, class P>
  auto text_op(const char* op, const P& pattern) const -> expr<bool, Nullable> {
    if constexpr (query::detail::family_of<V>() != query::detail::family::text) operator_not_applicable<Op, V>{};
    return expr<bool, Nullable>(query::detail::make_node(query::detail::node_kind::binary, query::detail::prec::like,
                                                         op, {node_, query::detail::to_node(pattern)}));
  }
  auto other_op(const char* op, query::detail::node_ptr rhs) const -> expr<bool, Nullable> {
    return expr<bool, Nullable>(query::detail::make_node(query::detail::node_kind::binary, query::detail::prec::other,
                                                         op, {node_, std::move(rhs)}));
  }
  auto make_any(const char* op, query::detail::node_ptr array) const -> expr<bool, Nullable> {
    return expr<bool, Nullable>(query::detail::make_node(query::detail::node_kind::any, query::detail::prec::compare,
                                                         op, {node_, std::move(array)}));
  }
  // A jsonb operator whose right side is an SQL/JSON path (bound as jsonpath).
  template <fixed_string Op>
  auto path_op(const char* op, std::string path) const -> expr<bool, true> {
    if constexpr (query::detail::family_of<V>() != query::detail::family::json) operator_not_applicable<Op, V>{};
    return expr<bool, true>(query::detail::make_node(query::detail::node_kind::binary, query::detail::prec::other, op,
                                                     {node_, query::detail::jsonpath_node(std::move(path))}));
  }
  // A range operator whose right side is a range or multirange of the same element type.
  template <fixed_string Op, class X>
  auto range_op(const char* op, const X& x) const -> expr<bool, Nullable> {
    if constexpr (!query::detail::is_range_like<V>) {
      operator_not_applicable<Op, V>{};
    } else if constexpr (!query::detail::same_range_family<V, query::detail::operand_t<X>>) {
      cannot_compare<V, query::detail::operand_t<X>>{};
    }
    return other_op(op, query::detail::to_node(x));
  }
  // The element of `range @> element`: an expression of the element type, or a C++ value
  // converted to it (so that the parameter has the range's element type).
  template <class X>
  static auto range_element_node(const X& x) -> query::detail::node_ptr {
    using E = query::detail::range_like_element_t<V>;
    using XV = query::detail::operand_t<X>;
    if constexpr (query::detail::expression<X>) {
      if constexpr (!std::is_same_v<XV, E>) cannot_compare<E, XV>{};
      return x.node();
    } else {
      if constexpr (!query::detail::comparable<E, XV> || !std::is_constructible_v<E, const X&>) cannot_compare<E, XV>{};
      if constexpr (std::is_constructible_v<E, const X&>) return query::detail::value_node(E(x));
      else return nullptr;
    }
  }
  template <class X>
  static auto to_json_value(const X& x) {
    if constexpr (query::detail::expression<X>) return x;
    else return nlohmann::json(x);
  }
};

/**
 * An expression that holds no bound value: columns, pgpx::lit constants, and operators and
 * functions over them. It is an expr in every use; DDL facts (checks, index keys, partial
 * index conditions) accept only these (and expressions of unknown constness, checked when the
 * model's description is built).
 */
template <class V, bool Nullable = false>
class const_expr : public expr<V, Nullable> {
 public:
  /// No bound value (read by DDL facts).
  static constexpr query::detail::constness pgpx_constness = query::detail::constness::constant;
  using expr<V, Nullable>::expr;
  /// `e is null` (only on an expression that may be NULL).
  [[nodiscard]] auto is_null() const -> const_expr<bool> {
    return const_expr<bool>(expr<V, Nullable>::is_null().node());
  }
  /// `e is not null` (only on an expression that may be NULL).
  [[nodiscard]] auto is_not_null() const -> const_expr<bool> {
    return const_expr<bool>(expr<V, Nullable>::is_not_null().node());
  }
  /// `e between lo and hi` (constant when lo and hi are).
  template <class L, class H>
  [[nodiscard]] auto between(const L& lo, const H& hi) const
      -> query::detail::expr_of<bool, Nullable, const_expr, L, H> {
    return query::detail::expr_of<bool, Nullable, const_expr, L, H>(expr<V, Nullable>::between(lo, hi).node());
  }
};

/// An expression that holds at least one bound value ($n): fine in queries, refused by DDL
/// facts at compile time (`pgpx::ddl_needs_constants`).
template <class V, bool Nullable = false>
class bound_expr : public expr<V, Nullable> {
 public:
  /// Holds a bound value (read by DDL facts).
  static constexpr query::detail::constness pgpx_constness = query::detail::constness::bound;
  using expr<V, Nullable>::expr;
};

/// The column of member `mp` in its model's table: `pgpx::col(&book::title)`.
template <class C, class M>
[[nodiscard]] auto col(M C::*mp) {
  using V = typename query::detail::value_of<M>::type;
  constexpr bool null = column_facts_of<M>().nullable;
  const std::size_t i = detail::member_index(mp);
  return const_expr<V, null>(query::detail::model_column_node<C>(i));
}

/// The column of a member of an embedded member (a mixin, pgpx::is_embedded):
/// `pgpx::col(&post::ts, &pgpx::timestamps::created_at)`.
template <class C, class M, class E, class L>
[[nodiscard]] auto col(M C::*mp, L E::*leaf) {
  static_assert(std::is_same_v<std::remove_cv_t<M>, E> && is_embedded<E>,
                "pgpx::col(&T::m, &M::x): m must be an embedded member (pgpx::is_embedded) of type M");
  using V = typename query::detail::value_of<L>::type;
  constexpr bool null = column_facts_of<L>().nullable;
  const std::size_t i = reflect::index_of(mp, leaf);
  return const_expr<V, null>(query::detail::model_column_node<C>(i));
}

/// A bound value as an expression: `pgpx::val(0)` (where a C++ value alone would not do,
/// such as a select-list item).
template <class T>
[[nodiscard]] auto val(const T& v) {
  using O = query::detail::operand<T>;
  return bound_expr<typename O::type, O::nullable>(query::detail::to_node(v));
}

/// A compile-time constant for pgpx::lit: an integer, a bool, or a string literal.
template <class T, std::size_t N>
struct constant_value {
  T number{};  ///< integers and bool
  char chars[N]{};  ///< text, with its terminating NUL
  /// An integer or bool.
  // NOLINTNEXTLINE(google-explicit-constructor, hicpp-explicit-conversions): used as a template argument
  consteval constant_value(T v) noexcept : number(v) {}
  /// A string literal.
  // NOLINTNEXTLINE(google-explicit-constructor, hicpp-explicit-conversions): used as a template argument
  consteval constant_value(const char (&s)[N]) noexcept {
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
};
template <std::size_t N>
constant_value(const char (&)[N]) -> constant_value<char, N>;
template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, char>)
constant_value(T) -> constant_value<T, 1>;

namespace query::detail {
/// The SQL literal of a constant (digits, true/false, or quoted text).
template <auto C>
auto constant_sql() -> std::string {
  using T = decltype(C.number);
  if constexpr (std::is_same_v<T, char>) return quote_literal(std::string_view(C.chars, sizeof(C.chars) - 1));
  else if constexpr (std::is_same_v<T, bool>) return C.number ? "true" : "false";
  else return std::to_string(C.number);
}
}  // namespace query::detail

/// The expression type of pgpx::lit<C>.
template <constant_value C>
struct lit_t {
  /// The value type: text for a string, else the constant's type.
  using pgpx_expr_value = std::conditional_t<std::is_same_v<decltype(C.number), char>, std::string, decltype(C.number)>;
  /// A constant is never NULL.
  static constexpr bool nullable = false;
  /// No bound value (read by DDL facts).
  static constexpr query::detail::constness pgpx_constness = query::detail::constness::constant;
  /// The literal's node.
  [[nodiscard]] auto node() const -> query::detail::node_ptr {
    std::string text = query::detail::constant_sql<C>();
    const std::uint8_t p = text.starts_with('-') ? query::detail::prec::unary : query::detail::prec::atom;
    return query::detail::make_node(query::detail::node_kind::sql, p, std::move(text));
  }
  /// As a constant expression (for methods of expr: `pgpx::lit<"a">.like(...)`).
  [[nodiscard]] auto as_expr() const -> const_expr<pgpx_expr_value> { return const_expr<pgpx_expr_value>(node()); }
};
/// A compile-time constant written into SQL as a literal, for DDL facts where values cannot
/// be bound: `pgpx::lit<1000>` renders `1000`, `pgpx::lit<"a'b">` renders `'a''b'`,
/// `pgpx::lit<true>` renders `true`. Also usable in queries (it is then part of the SQL text).
template <constant_value C>
inline constexpr lit_t<C> lit{};

/// SQL NULL of type V.
template <class V>
[[nodiscard]] auto null() -> expr<V, true> {
  return expr<V, true>(query::detail::make_node(query::detail::node_kind::sql, query::detail::prec::atom, "null"));
}

// ---- operators -------------------------------------------------------------------------

namespace query::detail {
template <class A, class B>
concept expr_operands = expression<A> || expression<B>;

template <class A, class B>
auto compare(const char* op, const A& a, const B& b) {
  using VA = operand_t<A>;
  using VB = operand_t<B>;
  if constexpr (!comparable<VA, VB>) cannot_compare<VA, VB>{};
  constexpr bool null = operand<A>::nullable || operand<B>::nullable;
  return expr_of<bool, null, A, B>(make_node(node_kind::binary, prec::compare, op, {to_node(a), to_node(b)}));
}
template <char Op, class A, class B>
auto arith(const char* op, std::uint8_t p, const A& a, const B& b) {
  using VA = operand_t<A>;
  using VB = operand_t<B>;
  using T = std::conditional_t<is_range_like<VA>, range_arith_t<Op, VA, VB>, time_arith_t<Op, VA, VB>>;
  if constexpr (!arithmetic<VA, VB> && std::is_void_v<T>) cannot_apply<Op, VA, VB>{};
  using R =
      std::conditional_t<!std::is_void_v<T>, T, std::conditional_t<arithmetic<VA, VB>, arith_result_t<VA, VB>, VA>>;
  constexpr bool null = operand<A>::nullable || operand<B>::nullable;
  return expr_of<R, null, A, B>(make_node(node_kind::binary, p, op, {to_node(a), to_node(b)}));
}
template <class A, class B>
auto logic(const char* op, std::uint8_t p, const A& a, const B& b) {
  if constexpr (!std::is_same_v<operand_t<A>, bool>) not_a_condition<operand_t<A>>{};
  if constexpr (!std::is_same_v<operand_t<B>, bool>) not_a_condition<operand_t<B>>{};
  constexpr bool null = operand<A>::nullable || operand<B>::nullable;
  return expr_of<bool, null, A, B>(make_node(node_kind::binary, p, op, {to_node(a), to_node(b)}));
}
}  // namespace query::detail

/// `a = b`.
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator==(const A& a, const B& b) {
  return query::detail::compare(" = ", a, b);
}
/// `a <> b`.
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator!=(const A& a, const B& b) {
  return query::detail::compare(" <> ", a, b);
}
/// `a < b`.
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator<(const A& a, const B& b) {
  return query::detail::compare(" < ", a, b);
}
/// `a <= b`.
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator<=(const A& a, const B& b) {
  return query::detail::compare(" <= ", a, b);
}
/// `a > b`.
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator>(const A& a, const B& b) {
  return query::detail::compare(" > ", a, b);
}
/// `a >= b`.
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator>=(const A& a, const B& b) {
  return query::detail::compare(" >= ", a, b);
}
/// `a + b` (numbers, time arithmetic, the union of two ranges or multiranges of one type).
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator+(const A& a, const B& b) {
  return query::detail::arith<'+'>(" + ", query::detail::prec::add, a, b);
}
/// `a - b` (numbers, time arithmetic, the difference of two ranges or multiranges).
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator-(const A& a, const B& b) {
  return query::detail::arith<'-'>(" - ", query::detail::prec::add, a, b);
}
/// `a * b` (numbers, interval * number, the intersection of two ranges or multiranges).
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator*(const A& a, const B& b) {
  return query::detail::arith<'*'>(" * ", query::detail::prec::mul, a, b);
}
/// `a / b` (numbers; integer division for integers, as in SQL).
template <class A, class B>
  requires query::detail::expr_operands<A, B>
[[nodiscard]] auto operator/(const A& a, const B& b) {
  return query::detail::arith<'/'>(" / ", query::detail::prec::mul, a, b);
}
/// `a and b` (conditions).
template <class A, class B>
  requires(query::detail::expression<A> && query::detail::expression<B>)
[[nodiscard]] auto operator&&(const A& a, const B& b) {
  return query::detail::logic(" and ", query::detail::prec::and_, a, b);
}
/// `a or b` (conditions).
template <class A, class B>
  requires(query::detail::expression<A> && query::detail::expression<B>)
[[nodiscard]] auto operator||(const A& a, const B& b) {
  return query::detail::logic(" or ", query::detail::prec::or_, a, b);
}
/// `not a` (a condition).
template <class A>
  requires query::detail::expression<A>
[[nodiscard]] auto operator!(const A& a) {
  if constexpr (!std::is_same_v<query::detail::operand_t<A>, bool>) not_a_condition<query::detail::operand_t<A>>{};
  return query::detail::expr_of<bool, A::nullable, A>(
      query::detail::make_node(query::detail::node_kind::prefix, query::detail::prec::not_, "not ", {a.node()}));
}
/// `-a` (a number or an interval).
template <class A>
  requires query::detail::expression<A>
[[nodiscard]] auto operator-(const A& a) {
  using V = query::detail::operand_t<A>;
  if constexpr (!query::detail::is_number<V> && query::detail::family_of<V>() != query::detail::family::interval)
    cannot_apply<'-', V, V>{};
  return query::detail::expr_of<V, A::nullable, A>(
      query::detail::make_node(query::detail::node_kind::prefix, query::detail::prec::unary, "-", {a.node()}));
}

// ---- functions -------------------------------------------------------------------------

/// `coalesce(e, fallback)`: NOT NULL when the fallback is.
template <class E, class F>
  requires query::detail::expression<E>
[[nodiscard]] auto coalesce(const E& e, const F& fallback) {
  using V = query::detail::operand_t<E>;
  if constexpr (!query::detail::comparable<V, query::detail::operand_t<F>>)
    cannot_compare<V, query::detail::operand_t<F>>{};
  return query::detail::expr_of<V, query::detail::operand<F>::nullable, E, F>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "coalesce",
                               {e.node(), query::detail::to_node(fallback)}));
}
/// `lower(e)` (text).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto lower(const E& e) {
  if constexpr (query::detail::family_of<query::detail::operand_t<E>>() != query::detail::family::text)
    operator_not_applicable<"lower", query::detail::operand_t<E>>{};
  return query::detail::expr_of<std::string, E::nullable, E>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "lower", {e.node()}));
}
/// `upper(e)` (text).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto upper(const E& e) {
  if constexpr (query::detail::family_of<query::detail::operand_t<E>>() != query::detail::family::text)
    operator_not_applicable<"upper", query::detail::operand_t<E>>{};
  return query::detail::expr_of<std::string, E::nullable, E>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "upper", {e.node()}));
}
/// `cardinality(array)`: the number of elements.
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto cardinality(const E& e) {
  if constexpr (!pgpx::detail::is_std_vector<query::detail::operand_t<E>>::value)
    operator_not_applicable<"cardinality", query::detail::operand_t<E>>{};
  return query::detail::expr_of<std::int32_t, E::nullable, E>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "cardinality", {e.node()}));
}

/// `lower(r)` of a range or multirange: its lower bound (NULL when empty or unbounded below).
template <class E>
  requires(query::detail::expression<E> && query::detail::is_range_like<query::detail::operand_t<E>>)
[[nodiscard]] auto lower(const E& r) {
  using T = query::detail::range_like_element_t<query::detail::operand_t<E>>;
  return expr<T, true>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "lower", {r.node()}));
}
/// `upper(r)` of a range or multirange: its upper bound (NULL when empty or unbounded above).
template <class E>
  requires(query::detail::expression<E> && query::detail::is_range_like<query::detail::operand_t<E>>)
[[nodiscard]] auto upper(const E& r) {
  using T = query::detail::range_like_element_t<query::detail::operand_t<E>>;
  return expr<T, true>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "upper", {r.node()}));
}
namespace query::detail {
/// `name(r)` of a range or multirange, a boolean (NULL only when r is).
template <fixed_string Name, class E>
auto range_test(const E& r) {
  if constexpr (!is_range_like<operand_t<E>>) operator_not_applicable<Name, operand_t<E>>{};
  return expr<bool, E::nullable>(make_node(node_kind::call, prec::atom, std::string(Name.view()), {r.node()}));
}
}  // namespace query::detail
/// `isempty(r)` of a range or multirange.
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto is_empty(const E& r) {
  return query::detail::range_test<"isempty">(r);
}
/// `lower_inc(r)`: the lower bound is in the range (false when empty or unbounded below).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto lower_inc(const E& r) {
  return query::detail::range_test<"lower_inc">(r);
}
/// `upper_inc(r)`: the upper bound is in the range (false when empty or unbounded above).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto upper_inc(const E& r) {
  return query::detail::range_test<"upper_inc">(r);
}
/// `lower_inf(r)`: unbounded below (false when empty).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto lower_inf(const E& r) {
  return query::detail::range_test<"lower_inf">(r);
}
/// `upper_inf(r)`: unbounded above (false when empty).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto upper_inf(const E& r) {
  return query::detail::range_test<"upper_inf">(r);
}
/// `range_merge(a, b)`: the smallest range holding both ranges (gaps included; unlike `a + b`
/// it never fails).
template <class A, class B>
  requires(query::detail::expression<A> || query::detail::expression<B>)
[[nodiscard]] auto range_merge(const A& a, const B& b) {
  using VA = query::detail::operand_t<A>;
  using VB = query::detail::operand_t<B>;
  if constexpr (!query::detail::is_range<VA>) operator_not_applicable<"range_merge", VA>{};
  else if constexpr (!std::is_same_v<VA, VB>) cannot_compare<VA, VB>{};
  constexpr bool null = query::detail::operand<A>::nullable || query::detail::operand<B>::nullable;
  return query::detail::expr_of<VA, null, A, B>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "range_merge",
                               {query::detail::to_node(a), query::detail::to_node(b)}));
}
/// `range_merge(m)` of a multirange: the smallest range holding all of it.
template <class E>
  requires(query::detail::expression<E> && query::detail::is_multirange<query::detail::operand_t<E>>)
[[nodiscard]] auto range_merge(const E& m) {
  using T = query::detail::range_like_element_t<query::detail::operand_t<E>>;
  return expr<pgpx::range<T>, E::nullable>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "range_merge", {m.node()}));
}
/// `multirange(r)`: the multirange holding one range (the empty multirange for an empty range).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto to_multirange(const E& r) {
  using V = query::detail::operand_t<E>;
  if constexpr (!query::detail::is_range<V>) operator_not_applicable<"multirange", V>{};
  return expr<pgpx::multirange<query::detail::range_like_element_t<V>>, E::nullable>(
      query::detail::make_node(query::detail::node_kind::call, query::detail::prec::atom, "multirange", {r.node()}));
}

namespace query::detail {
/// An argument of unnest: an expression's node, or a bound C++ array; one whose parameter
/// type is left to the server (text arrays) is cast to its SQL type (`$1::text[]`), as
/// unnest is overloaded and the server could not choose.
template <class A>
auto unnest_arg_node(const A& a) -> node_ptr {
  node_ptr n = to_node(a);
  if constexpr (!expression<A>) {
    if (n->value.type == oids::unspecified) {
      std::string type = pgpx::detail::sql_type_name<operand_t<A>>();
      if (!type.empty()) return make_node(node_kind::cast, prec::cast, std::move(type), {std::move(n)});
    }
  }
  return n;
}
}  // namespace query::detail

/**
 * `unnest(array)`: a set-returning function, one row per element, for the select list
 * (`pgpx::select(pgpx::col(&book::id), pgpx::unnest(pgpx::col(&book::tags)))`) or, through a
 * projection and pgpx::derived, as a FROM item. The array is an expression or a C++ vector
 * (bound as one array parameter). `unnest(multirange)` gives its ranges, in order.
 */
template <class A>
[[nodiscard]] auto unnest(const A& array) {
  using V = query::detail::operand_t<A>;
  if constexpr (query::detail::is_multirange<V>) {  // its ranges, in order
    return expr<pgpx::range<query::detail::range_like_element_t<V>>>(query::detail::make_node(
        query::detail::node_kind::call, query::detail::prec::atom, "unnest", {query::detail::to_node(array)}));
  } else if constexpr (!pgpx::detail::is_std_vector<V>::value) {
    operator_not_applicable<"unnest", V>{};
    return expr<V>(nullptr);
  } else {
    using Elem = query::detail::value_of<typename V::value_type>;
    return expr<typename Elem::type, Elem::nullable>(query::detail::make_node(
        query::detail::node_kind::call, query::detail::prec::atom, "unnest", {query::detail::unnest_arg_node(array)}));
  }
}

namespace query::detail {
/// `name(j, path[, vars])` over a jsonb expression: the path bound as jsonpath, the variables
/// (if any) as one jsonb parameter.
template <fixed_string Name, bool Nullable, class E>
auto json_path_call(const E& j, std::string path, const nlohmann::json* vars) {
  if constexpr (family_of<operand_t<E>>() != family::json) operator_not_applicable<Name, operand_t<E>>{};
  std::vector<node_ptr> args{j.node(), jsonpath_node(std::move(path))};
  if (vars != nullptr) args.push_back(value_node(*vars));
  return expr<nlohmann::json, Nullable>(
      make_node(node_kind::call, prec::atom, std::string(Name.view()), std::move(args)));
}
}  // namespace query::detail

/// `jsonb_path_query(j, path)`: a set-returning function, one row per item the SQL/JSON path
/// yields (the path is bound, as jsonpath).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto jsonb_path_query(const E& j, std::string path) {
  return query::detail::json_path_call<"jsonb_path_query", E::nullable>(j, std::move(path), nullptr);
}
/// `jsonb_path_query(j, path, vars)`: the path's `$name` variables from the object `vars`
/// (bound as one jsonb parameter: `"$.price ? (@ > $min)"`, `{{"min", 10}}`).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto jsonb_path_query(const E& j, std::string path, const nlohmann::json& vars) {
  return query::detail::json_path_call<"jsonb_path_query", E::nullable>(j, std::move(path), &vars);
}
/// `jsonb_path_query_first(j, path)`: the first item the path yields (NULL when none).
template <class E>
  requires query::detail::expression<E>
[[nodiscard]] auto jsonb_path_query_first(const E& j, std::string path) {
  return query::detail::json_path_call<"jsonb_path_query_first", true>(j, std::move(path), nullptr);
}

// ---- raw fragments -----------------------------------------------------------------------

/// Refusal: pgpx::raw<V> with SQL text that is not a string literal (a compile-time constant).
template <class T>
struct sql_text_must_be_a_literal {
  static_assert(query::detail::dependent_false_v<T>,
                "pgpx: the SQL text of pgpx::raw<V> must be a string literal; put run-time values in {} "
                "holes (they are bound), never in the text");
};

namespace query::detail {
// Called (at compile time) only when a raw fragment's text is refused: the compiler's error
// names the function, which names the reason.
void raw_fragment_holes_do_not_match_the_arguments();
void raw_fragment_hole_inside_quotes_or_a_comment();
void raw_fragment_text_may_not_hold_a_dollar_placeholder_or_a_semicolon();
void raw_fragment_text_may_not_hold_an_escape_string();
void raw_fragment_text_has_an_unclosed_quote();

/// The text of a raw fragment with Holes `{}` holes, checked at compile time: a literal,
/// exactly Holes `{}` outside quotes and comments, no `$` (values go in holes), no `;`, no
/// E'...' string (its backslash escapes would hide where it ends).
template <std::size_t Holes>
class fragment_text {
 public:
  /// A string literal.
  template <std::size_t N>
  consteval fragment_text(const char (&s)[N])  // NOLINT(google-explicit-constructor): the literal is the text
      : text_(s, N - 1) {
    std::size_t holes = 0;
    char quote = 0;  // ' or " while inside quotes
    for (std::size_t i = 0; i < text_.size(); ++i) {
      const char c = text_[i];
      const char next = i + 1 < text_.size() ? text_[i + 1] : '\0';
      if (quote != 0) {
        if (c == '{' && next == '}') raw_fragment_hole_inside_quotes_or_a_comment();
        if (c == quote) quote = 0;  // a doubled quote closes and reopens: same effect
        continue;
      }
      if (c == '\'' || c == '"') {
        // E'...' strings end where a backslash-escaped quote would fool this scan: refused.
        const bool escape_string =
            c == '\'' && i > 0 && (text_[i - 1] == 'E' || text_[i - 1] == 'e') && (i == 1 || !word_char(text_[i - 2]));
        if (escape_string) raw_fragment_text_may_not_hold_an_escape_string();
        quote = c;
      } else if ((c == '-' && next == '-') || (c == '/' && next == '*')) {
        raw_fragment_hole_inside_quotes_or_a_comment();  // no comments at all: the fragment is one expression
      } else if (c == '$' || c == ';') {
        raw_fragment_text_may_not_hold_a_dollar_placeholder_or_a_semicolon();
      } else if (c == '{' && next == '}') {
        ++holes;
        ++i;
      }
    }
    if (quote != 0) raw_fragment_text_has_an_unclosed_quote();
    if (holes != Holes) raw_fragment_holes_do_not_match_the_arguments();
  }
  /// Anything else (std::string, const char*, std::string_view): refused at compile time.
  template <class T>
    requires(!std::is_array_v<std::remove_cvref_t<T>>)
  fragment_text(const T&) {  // NOLINT(google-explicit-constructor): exists to refuse
    sql_text_must_be_a_literal<T>{};
  }
  /// The text.
  [[nodiscard]] constexpr auto view() const noexcept -> std::string_view { return text_; }

 private:
  static constexpr auto word_char(char c) -> bool {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  std::string_view text_;
};

}  // namespace query::detail

/**
 * An SQL fragment as a typed expression of V (`std::optional<X>` for one that may be NULL):
 * `pgpx::raw<double>("similarity({}, {})", pgpx::col(&book::title), term)`. The text must be
 * a string literal (checked at compile time, `sql_text_must_be_a_literal` otherwise); each
 * `{}` (not inside quotes; no comments, `$` or `;`) takes the next argument, an expression
 * or a C++ value (bound), and is parenthesised unless it is a column, value or call. The
 * fragment itself is parenthesised wherever it is an operand. Unlike the predicate
 * `pgpx::raw(sql, values...)` of pgpx/orm/crud.hpp (run-time text with $1, $2), it composes
 * with the builder: its values are numbered with the statement's.
 */
template <class V, class... Args>
[[nodiscard]] auto raw(query::detail::fragment_text<sizeof...(Args)> text, const Args&... args) {
  using O = query::detail::value_of<V>;
  return expr<typename O::type, O::nullable>(query::detail::make_node(
      query::detail::node_kind::fragment, 0, std::string(text.view()), {query::detail::to_node(args)...}));
}

namespace sql {
/// `now()`: the transaction's start time.
[[nodiscard]] inline auto now() -> expr<timestamptz> {
  return expr<timestamptz>(query::detail::make_node(query::detail::node_kind::sql, query::detail::prec::atom, "now()"));
}
/// `current_date`: the transaction's start date (in the session's time zone).
[[nodiscard]] inline auto current_date() -> expr<pgpx::date> {
  return expr<pgpx::date>(
      query::detail::make_node(query::detail::node_kind::sql, query::detail::prec::atom, "current_date"));
}
}  // namespace sql

}  // namespace pgpx

#include <pgpx/query/ddl.hpp>  // DDL facts with expressions: pgpx::check<"name">(...), pgpx::index(expr)
