// pgpx/tmpl/value.hpp: the values a SQL template is rendered with.
//
// A template sees a small, JSON-like set of values: null, bool, 64-bit integers, doubles,
// strings, lists and maps, plus *typed* values that carry a pgpx codec's encoding (numeric,
// uuid, timestamps, dates, enums: anything with a pgpx::codec). Values convert implicitly
// from C++ and explicitly from JSON:
//
//   pgpx::tmpl::vars v{{"term", "sql"}, {"limit", 10}, {"ids", std::vector<std::int64_t>{1, 2}}};
//   v["since"] = pgpx::tmpl::value{pgpx::timestamptz{}};       // typed: binds as timestamptz
//   v["filter"] = pgpx::tmpl::value::from_json(nlohmann::json::parse(R"({"a": [1, 2]})"));
//
// Values are immutable after construction and cheap to copy (lists, maps and typed values
// are shared). Two kinds exist only inside the engine: SQL fragments (what macros, includes,
// `{% set %}` blocks and `sql("...")` produce) and callables (macros); a host program
// cannot create them, which is how `| raw` tells engine-made SQL from host strings.
//
// Thread safety: a value may be read from several threads at once.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>
#include <pgpx/types/json.hpp>  // codec<nlohmann::json> before any use of it below

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace pgpx::tmpl {

class value;

namespace detail {
/// An object only the engine creates (a SQL fragment or a callable); defined in src/tmpl.
struct engine_object;
struct value_access;  // src/tmpl/access_impl.hpp (pgpx's sources only)

template <class T>
inline constexpr bool is_std_optional = false;
template <class T>
inline constexpr bool is_std_optional<std::optional<T>> = true;
template <class T>
inline constexpr bool is_std_vector = false;
template <class T, class A>
inline constexpr bool is_std_vector<std::vector<T, A>> = true;
}  // namespace detail

/// What a value holds.
enum class value_kind {
  null,      ///< none / NULL
  boolean,   ///< true or false
  integer,   ///< a signed 64-bit integer
  floating,  ///< a double
  string,    ///< UTF-8 text
  list,      ///< an ordered sequence of values
  map,       ///< string keys to values, in insertion order
  typed,     ///< a value encoded by a pgpx::codec (numeric, uuid, timestamps...)
  fragment,  ///< a piece of SQL made by the engine (macro output, include, sql("..."))
  callable,  ///< a macro or helper (engine only)
};

/// The name of a value kind as templates' error messages print it ("string", "list"...).
[[nodiscard]] PGPX_API auto to_string(value_kind kind) noexcept -> std::string_view;

/// A value converted by a pgpx::codec: bound as its PostgreSQL text form with the codec's
/// parameter type, so the server parses it exactly as a literal of that type.
struct typed_value {
  oid type = oids::unspecified;  ///< the parameter type OID (0: the server infers it)
  std::string text;               ///< PostgreSQL's text input form
  std::string type_name;          ///< the C++ type name, for messages

  /// Equality of type and encoding.
  friend auto operator==(const typed_value&, const typed_value&) -> bool = default;
};

/// The entries of a map value, in insertion order.
using map_entries = std::vector<std::pair<std::string, value>>;

/**
 * One template value. See the header comment for the conversions.
 *
 * Conversions from C++ (implicit): nullptr and std::nullopt (null); bool; integers
 * (unsigned values above INT64_MAX throw conversion_error); float and double; strings and
 * string views; std::optional<T> (null when empty); std::vector<T> (a list; except
 * pgpx::bytea, which is typed); std::map / std::unordered_map with string keys (a map;
 * unordered maps are sorted by key so renders are deterministic); nlohmann::json; any other
 * type with a pgpx::codec (typed).
 */
class PGPX_API value {
 public:
  /// Null.
  value() noexcept = default;
  /// Null.
  value(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)
  /// Null.
  value(std::nullopt_t) noexcept {}  // NOLINT(google-explicit-constructor)
  /// A boolean.
  value(bool b) noexcept : v_(b) {}  // NOLINT(google-explicit-constructor)
  /// A single char is refused: it would otherwise convert to bool. Use a string.
  value(char) = delete;
  /// A string.
  value(const char* s) : v_(std::string(s == nullptr ? "" : s)) {}  // NOLINT(google-explicit-constructor)
  /// A string.
  value(std::string s) noexcept : v_(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  /// A string.
  value(std::string_view s) : v_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  /// A double.
  value(double d) noexcept : v_(d) {}  // NOLINT(google-explicit-constructor)
  /// A float, widened to double.
  value(float f) noexcept : v_(static_cast<double>(f)) {}  // NOLINT(google-explicit-constructor)
  /// A list.
  value(std::vector<value> items);  // NOLINT(google-explicit-constructor)
  /// JSON: null, booleans, numbers, strings, arrays and objects (in the object's order).
  /// Throws conversion_error for unsigned numbers above INT64_MAX and binary values.
  value(const nlohmann::json& j);  // NOLINT(google-explicit-constructor)
  /// JSON with ordered keys.
  value(const nlohmann::ordered_json& j);  // NOLINT(google-explicit-constructor)

  /// Any integer type except bool and the character types.
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char> &&
             !std::is_same_v<I, char8_t> && !std::is_same_v<I, char16_t> && !std::is_same_v<I, char32_t> &&
             !std::is_same_v<I, wchar_t>)
  value(I i) : v_(to_int64(i)) {}  // NOLINT(google-explicit-constructor)

  /// std::optional<T>: null when empty, else the value of T.
  template <class T>
  value(const std::optional<T>& o) : value(o ? value(*o) : value()) {}  // NOLINT(google-explicit-constructor)

  /// std::vector<T> (except pgpx::bytea, which is typed).
  template <class T>
    requires(!std::is_same_v<T, std::byte> && !std::is_same_v<T, value>)
  value(const std::vector<T>& items)  // NOLINT(google-explicit-constructor)
      : value(convert_items(items)) {}

  /// std::map with string keys.
  template <class K, class T, class C, class A>
    requires std::is_convertible_v<const K&, std::string_view>
  value(const std::map<K, T, C, A>& m) : value(make_map(m, false)) {}  // NOLINT(google-explicit-constructor)

  /// std::unordered_map with string keys (sorted by key).
  template <class K, class T, class H, class E, class A>
    requires std::is_convertible_v<const K&, std::string_view>
  value(const std::unordered_map<K, T, H, E, A>& m)  // NOLINT(google-explicit-constructor)
      : value(make_map(m, true)) {}

  /// Any other type with a pgpx::codec: a typed value bound through that codec.
  template <class T>
    requires(!detail::is_std_optional<T> && (!detail::is_std_vector<T> || std::is_same_v<T, bytea>) &&
             !std::is_arithmetic_v<T> && !std::is_convertible_v<const T&, std::string_view> && has_codec<T> &&
             !std::is_same_v<T, value> && !std::is_same_v<T, nlohmann::json> &&
             !std::is_same_v<T, nlohmann::ordered_json> && !std::is_same_v<T, std::nullopt_t>)
  value(const T& v) : value(typed(v)) {}  // NOLINT(google-explicit-constructor)

  /// A list value.
  [[nodiscard]] static auto list(std::vector<value> items) -> value { return value(std::move(items)); }
  /// A map value; later duplicates of a key replace earlier ones (keeping the first position).
  [[nodiscard]] static auto map(map_entries entries) -> value;
  /// A map value from an initializer list: value::map({{"a", 1}, {"b", "x"}}).
  [[nodiscard]] static auto map(std::initializer_list<std::pair<const std::string, value>> entries) -> value;
  /// A typed value from its text form and type.
  [[nodiscard]] static auto typed(typed_value t) -> value;
  /// A typed value: `v` encoded by codec<T>. Throws what the codec throws.
  template <class T>
    requires has_codec<T>
  [[nodiscard]] static auto typed(const T& v) -> value {
    if constexpr (nullable_codec<T>) {
      if (codec<T>::is_null(v)) return value();
    }
    typed_value t;
    t.type = codec<T>::param_oid;
    codec<T>::to_text(v, t.text);
    t.type_name = std::string(codec<T>::name);
    return typed(std::move(t));
  }
  /// Converts JSON (see the JSON constructor).
  [[nodiscard]] static auto from_json(const nlohmann::json& j) -> value { return value(j); }

  /// What this value holds.
  [[nodiscard]] auto kind() const noexcept -> value_kind;
  /// True for null.
  [[nodiscard]] auto is_null() const noexcept -> bool { return kind() == value_kind::null; }
  /// The boolean; throws usage_error for other kinds.
  [[nodiscard]] auto as_bool() const -> bool;
  /// The integer; throws usage_error for other kinds.
  [[nodiscard]] auto as_int() const -> std::int64_t;
  /// The double (integers are converted); throws usage_error for other kinds.
  [[nodiscard]] auto as_double() const -> double;
  /// The string; throws usage_error for other kinds.
  [[nodiscard]] auto as_string() const -> const std::string&;
  /// The items of a list; throws usage_error for other kinds.
  [[nodiscard]] auto as_list() const -> const std::vector<value>&;
  /// The entries of a map; throws usage_error for other kinds.
  [[nodiscard]] auto as_map() const -> const map_entries&;
  /// The typed value; throws usage_error for other kinds.
  [[nodiscard]] auto as_typed() const -> const typed_value&;
  /// The entry of a map named `key`, or nullptr (also for non-maps).
  [[nodiscard]] auto find(std::string_view key) const noexcept -> const value*;

  /**
   * The value as JSON: typed values become their PostgreSQL text form (a string),
   * non-finite doubles the strings "NaN", "Infinity", "-Infinity", fragments their SQL text;
   * callables throw usage_error.
   */
  [[nodiscard]] auto to_json() const -> nlohmann::ordered_json;

 private:
  friend struct detail::value_access;
  // The engine object of a fragment or callable, or nullptr.
  [[nodiscard]] auto engine() const noexcept -> const std::shared_ptr<const detail::engine_object>*;
  // Wraps an engine object (a host program cannot make fragments).
  [[nodiscard]] static auto from_engine(std::shared_ptr<const detail::engine_object> object, value_kind kind) -> value;
  struct engine_ref {
    std::shared_ptr<const detail::engine_object> object;
    value_kind kind;
  };
  using storage =
      std::variant<std::monostate, bool, std::int64_t, double, std::string, std::shared_ptr<const std::vector<value>>,
                   std::shared_ptr<const map_entries>, std::shared_ptr<const typed_value>, engine_ref>;

  template <class I>
  static auto to_int64(I i) -> std::int64_t {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
      if (i > static_cast<I>(std::numeric_limits<std::int64_t>::max())) throw_out_of_range(std::to_string(i));
    }
    return static_cast<std::int64_t>(i);
  }
  [[noreturn]] static void throw_out_of_range(const std::string& text);

  template <class T>
  static auto convert_items(const std::vector<T>& items) -> std::vector<value> {
    std::vector<value> out;
    out.reserve(items.size());
    for (const auto& i : items) out.emplace_back(i);
    return out;
  }

  template <class M>
  static auto make_map(const M& m, bool sort) -> value {
    map_entries e;
    e.reserve(m.size());
    for (const auto& [k, v] : m) e.emplace_back(std::string(std::string_view(k)), value(v));
    if (sort) sort_entries(e);
    return map(std::move(e));
  }
  static void sort_entries(map_entries& e);

  storage v_;
};

/// Deep equality (integers and doubles compare by value, maps by their entries).
[[nodiscard]] PGPX_API auto operator==(const value& a, const value& b) -> bool;

/// The variables a template is rendered with.
using vars = std::map<std::string, value, std::less<>>;

/// Converts a JSON object to template variables; throws usage_error when `j` is not an object.
[[nodiscard]] PGPX_API auto vars_from_json(const nlohmann::json& j) -> vars;

/// Python's str() of a value (None, True, 1.5, 'text' inside lists...), as Jinja prints it.
/// Used for `~` and the string filters; never for SQL text.
[[nodiscard]] PGPX_API auto python_str(const value& v) -> std::string;

}  // namespace pgpx::tmpl
