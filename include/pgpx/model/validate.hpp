// pgpx/model/validate.hpp: validation rules on model members, checked in C++ before every
// ORM write and by the matching SQL CHECK constraint in the DDL (one declaration, two checks).
//
//   struct signup {
//     pgpx::checked<pgpx::varchar<40>, pgpx::not_empty> name;        // check ("name" <> '')
//     pgpx::checked<std::string, pgpx::email> email;                  // check ("email" ~ '^[^@ ]+@[^@ ]+[.][^@ ]+$')
//     pgpx::checked<std::int32_t, pgpx::between<13, 130>> age;        // check ("age" between 13 and 130)
//     std::optional<pgpx::date> starts, ends;
//   };
//   template <> struct pgpx::model<signup> {
//     static auto checks() { return std::tuple{pgpx::sql_check<"ends_after_starts", R"("ends" > "starts")">{}}; }
//     static void validate(const signup& s, pgpx::issues& out) {          // C++ only
//       if (s.ends && s.starts && *s.ends < *s.starts) out.add("ends", "before_start", "must not be before starts");
//     }
//   };
//   std::vector<pgpx::issue> found = pgpx::validate(s);   // every failing field, in member order
//   pgpx::check_valid(s);                                 // throws pgpx::validation_error
//
// A rule is a type with `code` (a stable snake_case name), `applies<V>` (the value types it
// accepts, checked at compile time: `rule_not_applicable<pgpx::email, int, "age">`),
// `check(v)` returning the failure (or nothing) and, when the server can check it too,
// `sql<V>(quoted_column)`. A value the C++ rule accepts is accepted by its SQL constraint
// (C++ may be stricter: `email` also refuses control characters). Empty optionals are not
// checked (NULL passes a CHECK). varchar<N> checks its length in code points, as PostgreSQL
// counts, and refuses invalid UTF-8.
//
// Messages never echo a string value: only numbers and lengths appear in `msg` and `ctx`.
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/export.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/model/wrappers.hpp>
#include <pgpx/reflect/reflect.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/// One failing field: where (loc: names and indices), what (type), why (msg), limits (ctx).
struct issue {
  nlohmann::json loc = nlohmann::json::array();  ///< e.g. ["age"] or [3, "email"]
  std::string type;                              ///< stable snake_case code: "too_long", "out_of_range"
  std::string msg;                               ///< human-readable reason
  nlohmann::json ctx = nlohmann::json::object();  ///< limits and, for numbers and lengths, what was given
  /// The location as text: `age`, `[3].email`.
  [[nodiscard]] PGPX_API auto path() const -> std::string;
};

/// Where validation collects failures. Passed to model<T>::validate.
class PGPX_API issues {
 public:
  /// Records a failure of `field` (a member name, or a path like "[2].title").
  void add(std::string_view field, std::string type, std::string msg, nlohmann::json ctx = nlohmann::json::object());
  /// Records a failure with a full location.
  void add(issue i) { list_.push_back(std::move(i)); }
  /// Every failure, in the order found.
  [[nodiscard]] auto list() const noexcept -> const std::vector<issue>& { return list_; }
  /// Takes the failures out.
  [[nodiscard]] auto take() noexcept -> std::vector<issue> { return std::move(list_); }
  /// True when nothing failed.
  [[nodiscard]] auto empty() const noexcept -> bool { return list_.empty(); }

 private:
  std::vector<issue> list_;
};

/**
 * A value failed validation before anything was sent: issues() lists every failing field.
 * what() reads, for example:
 *   signup: 2 invalid fields, nothing was sent
 *     age: out_of_range: must be between 13 and 130 (got 7)
 *     email: not_an_email: must look like name@domain
 */
class PGPX_API validation_error : public error {
 public:
  /// `outcome` ends the first line of what(): "nothing was sent" for writes, "not read from
  /// JSON" for pgpx::from_json.
  validation_error(std::string model, std::vector<issue> issues, std::string_view outcome = "nothing was sent");
  /// Every failing field.
  [[nodiscard]] auto issues() const noexcept -> const std::vector<issue>& { return issues_; }
  /// `[{"loc": [...], "type": "...", "msg": "...", "ctx": {...}}, ...]`
  [[nodiscard]] auto to_json() const -> nlohmann::json;
  /// The C++ model type's name.
  [[nodiscard]] auto model() const noexcept -> const std::string& { return model_; }

 private:
  std::string model_;
  std::vector<issue> issues_;
};

/// What a rule says about one value: nothing (it passes), or the failure.
struct rule_failure {
  std::string type;  ///< the issue's type
  std::string msg;   ///< the issue's message
  nlohmann::json ctx = nlohmann::json::object();  ///< the issue's context
};

namespace detail {

/// The number of code points in `s`, or nullopt when it is not valid UTF-8.
[[nodiscard]] PGPX_API auto utf8_length(std::string_view s) noexcept -> std::optional<std::size_t>;
/// The length of a string (code points) or a container (elements); nullopt: invalid UTF-8.
template <class V>
auto value_length(const V& v) -> std::optional<std::size_t> {
  if constexpr (std::is_convertible_v<const V&, std::string_view>) return utf8_length(std::string_view(v));
  else return v.size();
}
template <class V>
inline constexpr bool is_text = std::is_convertible_v<const V&, std::string_view>;
template <class V>
inline constexpr bool has_length = is_text<V> || requires(const V& v) { v.size(); };
template <class V>
inline constexpr bool is_number = std::is_arithmetic_v<V> && !std::is_same_v<V, bool>;
/// `char_length(c)` for text, `cardinality(c)` for arrays.
template <class V>
auto sql_length(std::string_view col) -> std::string {
  return (is_text<V> ? "char_length(" : "cardinality(") + std::string(col) + ")";
}
[[nodiscard]] PGPX_API auto invalid_utf8() -> rule_failure;
[[nodiscard]] PGPX_API auto length_failure(std::string type, std::string bound, std::size_t limit, std::size_t got,
                                           bool text) -> rule_failure;

}  // namespace detail

/// The value must not be empty (text or array). SQL: `c <> ''`, `cardinality(c) > 0`.
struct not_empty {
  static constexpr std::string_view code = "empty";  ///< the issue's type
  template <class V>
  static constexpr bool applies = detail::has_length<V>;  ///< text and containers
  template <class V>
  static auto check(const V& v) -> std::optional<rule_failure> {
    if (!v.empty()) return std::nullopt;
    return rule_failure{"empty", "must not be empty"};
  }
  template <class V>
  static auto sql(std::string_view col) -> std::string {
    return detail::is_text<V> ? std::string(col) + " <> ''" : "cardinality(" + std::string(col) + ") > 0";
  }
};

/// At least N characters (code points) or elements.
template <std::size_t N>
struct min_length {
  static constexpr std::string_view code = "too_short";  ///< the issue's type
  template <class V>
  static constexpr bool applies = detail::has_length<V>;  ///< text and containers
  template <class V>
  static auto check(const V& v) -> std::optional<rule_failure> {
    const auto n = detail::value_length(v);
    if (!n) return detail::invalid_utf8();
    if (*n >= N) return std::nullopt;
    return detail::length_failure("too_short", "at least", N, *n, detail::is_text<V>);
  }
  template <class V>
  static auto sql(std::string_view col) -> std::string {
    return detail::sql_length<V>(col) + " >= " + std::to_string(N);
  }
};

/// At most N characters (code points) or elements.
template <std::size_t N>
struct max_length {
  static constexpr std::string_view code = "too_long";  ///< the issue's type
  template <class V>
  static constexpr bool applies = detail::has_length<V>;  ///< text and containers
  template <class V>
  static auto check(const V& v) -> std::optional<rule_failure> {
    const auto n = detail::value_length(v);
    if (!n) return detail::invalid_utf8();
    if (*n <= N) return std::nullopt;
    return detail::length_failure("too_long", "at most", N, *n, detail::is_text<V>);
  }
  template <class V>
  static auto sql(std::string_view col) -> std::string {
    return detail::sql_length<V>(col) + " <= " + std::to_string(N);
  }
};

/// A number from Min to Max, both included. SQL: `c between Min and Max`.
template <std::int64_t Min, std::int64_t Max>
struct between {
  static_assert(Min <= Max, "pgpx::between<Min, Max>: Min must not exceed Max");
  static constexpr std::string_view code = "out_of_range";  ///< the issue's type
  template <class V>
  static constexpr bool applies = detail::is_number<V>;  ///< numbers
  template <class V>
  static auto check(const V& v) -> std::optional<rule_failure> {
    if (!(v < static_cast<V>(Min)) && !(static_cast<V>(Max) < v)) return std::nullopt;
    return rule_failure{"out_of_range",
                        "must be between " + std::to_string(Min) + " and " + std::to_string(Max) + " (got " +
                            nlohmann::json(v).dump() + ")",
                        {{"min", Min}, {"max", Max}, {"got", v}}};
  }
  template <class V>
  static auto sql(std::string_view col) -> std::string {
    return std::string(col) + " between " + std::to_string(Min) + " and " + std::to_string(Max);
  }
};

/// A number of at least Min. SQL: `c >= Min`.
template <std::int64_t Min>
struct at_least {
  static constexpr std::string_view code = "too_small";  ///< the issue's type
  template <class V>
  static constexpr bool applies = detail::is_number<V>;  ///< numbers
  template <class V>
  static auto check(const V& v) -> std::optional<rule_failure> {
    if (!(v < static_cast<V>(Min))) return std::nullopt;
    return rule_failure{"too_small",
                        "must be at least " + std::to_string(Min) + " (got " + nlohmann::json(v).dump() + ")",
                        {{"min", Min}, {"got", v}}};
  }
  template <class V>
  static auto sql(std::string_view col) -> std::string {
    return std::string(col) + " >= " + std::to_string(Min);
  }
};

/// A number of at most Max. SQL: `c <= Max`.
template <std::int64_t Max>
struct at_most {
  static constexpr std::string_view code = "too_large";  ///< the issue's type
  template <class V>
  static constexpr bool applies = detail::is_number<V>;  ///< numbers
  template <class V>
  static auto check(const V& v) -> std::optional<rule_failure> {
    if (!(static_cast<V>(Max) < v)) return std::nullopt;
    return rule_failure{"too_large",
                        "must be at most " + std::to_string(Max) + " (got " + nlohmann::json(v).dump() + ")",
                        {{"max", Max}, {"got", v}}};
  }
  template <class V>
  static auto sql(std::string_view col) -> std::string {
    return std::string(col) + " <= " + std::to_string(Max);
  }
};

/// An e-mail address: `local@domain.tld`, no spaces, one `@`, a dot inside the domain, no
/// control characters. SQL: `c ~ '^[^@ ]+@[^@ ]+[.][^@ ]+$'` (the C++ check is that, and
/// also refuses control characters).
struct email {
  static constexpr std::string_view code = "not_an_email";  ///< the issue's type
  template <class V>
  static constexpr bool applies = detail::is_text<V>;  ///< text
  /// True when `s` is accepted.
  [[nodiscard]] PGPX_API static auto accepts(std::string_view s) noexcept -> bool;
  template <class V>
  static auto check(const V& v) -> std::optional<rule_failure> {
    if (accepts(std::string_view(v))) return std::nullopt;
    return rule_failure{"not_an_email", "must look like name@domain"};
  }
  template <class V>
  static auto sql(std::string_view col) -> std::string {
    return std::string(col) + " ~ '^[^@ ]+@[^@ ]+[.][^@ ]+$'";
  }
};

/// A C++-only rule: `pgpx::predicate<&is_even, "not_even", "must be even">` with
/// `bool is_even(const std::int32_t&)`. No SQL constraint.
template <auto Fn, fixed_string Code, fixed_string Message>
struct predicate {
  static constexpr std::string_view code = Code.view();  ///< the issue's type
  template <class V>
  static constexpr bool applies = std::is_invocable_r_v<bool, decltype(Fn), const V&>;  ///< what Fn takes
  template <class V>
  static auto check(const V& v) -> std::optional<rule_failure> {
    if (Fn(v)) return std::nullopt;
    return rule_failure{std::string(Code.view()), std::string(Message.view())};
  }
};

/// A table CHECK constraint written in SQL, for model<T>::checks(): a compile-time name and
/// expression (identifiers quoted by the author; no values). Checked by the server only;
/// write the C++ side in model<T>::validate.
template <fixed_string Name, fixed_string Sql>
struct sql_check {
  /// The constraint name.
  [[nodiscard]] static constexpr auto name() noexcept -> std::string_view { return Name.view(); }
  /// The expression.
  [[nodiscard]] static constexpr auto sql() noexcept -> std::string_view { return Sql.view(); }
};

namespace detail {

template <class Model, class Rule, class Value, fixed_string Member>
struct rule_not_applicable {
  static_assert(dependent_false<Value>, "pgpx: this validation rule does not apply to this member's type");
};

/// The checked<> wrapper inside a member type (through optional and other wrappers), or void.
template <class M>
struct find_checked {
  using type = void;
};
template <class M>
struct find_checked<std::optional<M>> : find_checked<M> {};
template <wrapper_type M>
struct find_checked<M> {
  using type =
      std::conditional_t<requires { typename M::pgpx_rules; }, M, typename find_checked<typename M::pgpx_inner>::type>;
};

template <class V, class... Rules>
void run_rules(const V& v, std::vector<rule_failure>& out, std::tuple<Rules...>* /*tag*/) {
  (
      [&] {
        if constexpr (Rules::template applies<V>) {  // (the others are refused with rule_not_applicable)
          if (auto f = Rules::check(v)) out.push_back(std::move(*f));
        }
      }(),
      ...);
}

/// The failures of one member's value (rules of checked<>, varchar<N>'s length).
template <class M>
auto member_failures(const M& field) -> std::vector<rule_failure> {
  std::vector<rule_failure> out;
  if constexpr (is_std_optional<M>::value) {
    if (field) out = member_failures(*field);
  } else {
    using V = typename column_value<M>::type;
    using C = typename find_checked<M>::type;
    constexpr column_facts f = column_facts_of<M>();
    if constexpr (f.max_length > 0 || !std::is_void_v<C>) {  // (write std::optional outside checked<>)
      const V& v = static_cast<const V&>(field);
      if constexpr (f.max_length > 0) {
        if (auto r = max_length<f.max_length>::check(v)) out.push_back(std::move(*r));
      }
      if constexpr (!std::is_void_v<C>) run_rules(v, out, static_cast<typename C::pgpx_rules*>(nullptr));
    }
  }
  return out;
}

template <class T, std::size_t I>
constexpr void check_rules_apply() {
  using M = std::remove_cvref_t<decltype(reflect::get<I>(std::declval<T&>()))>;
  using C = typename find_checked<M>::type;
  if constexpr (!std::is_void_v<C>) {
    using V = typename column_value<M>::type;
    [&]<class... R>(std::tuple<R...>*) {
      (
          [&] {
            if constexpr (!R::template applies<V>) (void)sizeof(rule_not_applicable<T, R, V, member_fixed_name<T, I>>);
          }(),
          ...);
    }(static_cast<typename C::pgpx_rules*>(nullptr));
  }
}

}  // namespace detail

/**
 * Every failing field of `obj`: the rules of its checked<> members and the lengths of its
 * varchar<N> members, in member order, then model<T>::validate's. Empty when valid. Sends
 * nothing; never throws for a failing value.
 */
template <class T>
[[nodiscard]] auto validate(const T& obj) -> std::vector<issue> {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (detail::check_rules_apply<T, I>(), ...);
  }(std::make_index_sequence<reflect::field_count<T>>{});
  issues out;
  reflect::for_each_field(obj, [&](std::string_view name, const auto& field) {
    for (auto& f : detail::member_failures(field)) {
      issue i;
      i.loc.push_back(std::string(name));
      i.type = std::move(f.type);
      i.msg = std::move(f.msg);
      i.ctx = std::move(f.ctx);
      out.add(std::move(i));
    }
  });
  if constexpr (requires { model<T>::validate(obj, out); }) model<T>::validate(obj, out);
  return out.take();
}

/// Throws validation_error listing every failing field of `obj`, or returns.
template <class T>
void check_valid(const T& obj) {
  auto found = validate(obj);
  if (!found.empty()) throw validation_error(std::string(detail::type_name_v<T>), std::move(found));
}

/// Validates every element of `rows`; the locations start with the element's index.
/// Throws validation_error listing every failing field of every element.
template <class Range>
void check_valid_all(const Range& rows) {
  using T = std::remove_cvref_t<decltype(*std::begin(rows))>;
  std::vector<issue> all;
  std::size_t index = 0;
  for (const auto& row : rows) {
    for (auto& i : validate(row)) {
      i.loc.insert(i.loc.begin(), index);
      all.push_back(std::move(i));
    }
    ++index;
  }
  if (!all.empty()) throw validation_error(std::string(detail::type_name_v<T>), std::move(all));
}

}  // namespace pgpx
