// pgpx/model/validate.hpp: validation rules on model members, checked in C++ before every
// ORM write and by the matching SQL CHECK constraint in the DDL (one declaration, two checks).
//
//   struct signup {
//     pgpx::checked<pgpx::varchar<40>, pgpx::not_empty> name;        // check ("name" <> '')
//     pgpx::checked<std::string, pgpx::email> email;                  // check ("email" ~ '^[^@ ]+@[^@ ]+[.][^@ ]+$')
//     pgpx::checked<std::int32_t, pgpx::between<13, 130>> age;        // check ("age" between 13 and 130)
//     pgpx::checked<std::string, pgpx::pattern<"^[a-z0-9_]{3,20}$">> handle;  // check ("handle" ~ '^[a-z0-9_]{3,20}$')
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
  std::string type;  ///< stable snake_case code: "too_long", "out_of_range"
  std::string msg;  ///< human-readable reason
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
  std::string msg;  ///< the issue's message
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

namespace detail {

/// The code point of the UTF-8 sequence at `s[i]` in `cp`; returns its length in bytes, or 0
/// when it is not valid UTF-8 (or is NUL, which PostgreSQL text cannot hold).
constexpr auto utf8_at(std::string_view s, std::size_t i, char32_t& cp) noexcept -> std::size_t {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t v = 0;
  if (c == 0) return 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if ((c & 0xe0U) == 0xc0U) {
    len = 2;
    v = c & 0x1fU;
  } else if ((c & 0xf0U) == 0xe0U) {
    len = 3;
    v = c & 0x0fU;
  } else if ((c & 0xf8U) == 0xf0U) {
    len = 4;
    v = c & 0x07U;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0U) != 0x80U) return 0;
    v = (v << 6U) | (b & 0x3fU);
  }
  if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10ffff ||
      (v >= 0xd800 && v <= 0xdfff))
    return 0;
  cp = static_cast<char32_t>(v);
  return len;
}

/// Why a pattern is outside the subset pgpx::pattern accepts.
enum class pattern_fault {
  none,  ///< accepted
  backreference,  ///< `\1`
  lookaround,  ///< `(?=`, `(?!`, `(?<=`, `(?<!`
  class_escape,  ///< `\d \s \w` and their negations
  escape,  ///< any other escape (`\n`, `\b`, a backslash inside brackets)
  posix_class,  ///< `[[:alpha:]]`, `[[=a=]]`, `[[.a.]]`
  syntax,  ///< unbalanced, empty, a misplaced or doubled quantifier, a bad bound or range
  too_large,  ///< counted repetitions that would make the matcher too large
};

/// The first fault of a pattern and its byte offset.
struct pattern_scan {
  pattern_fault fault = pattern_fault::none;  ///< what
  std::size_t at = 0;  ///< where (byte offset)
};

/// Checks a pattern against the subset (see pgpx::pattern); constexpr, used at compile time.
/// Each parse function returns the pattern's weight (its matcher's size), 0 on a fault.
class pattern_scanner {
 public:
  /// Scans `p`.
  constexpr explicit pattern_scanner(std::string_view p) noexcept : p_(p) {}
  /// The first fault, or none.
  constexpr auto run() noexcept -> pattern_scan {
    const std::size_t w = alternation(0);
    if (w != 0 && i_ < p_.size()) fail(pattern_fault::syntax, i_);  // a `)` with no `(`
    return r_;
  }

 private:
  static constexpr std::size_t max_weight = 100000;
  static constexpr int max_depth = 32;
  constexpr auto fail(pattern_fault f, std::size_t at) noexcept -> std::size_t {
    if (r_.fault == pattern_fault::none) r_ = {f, at};
    return 0;
  }
  [[nodiscard]] constexpr auto more() const noexcept -> bool { return i_ < p_.size(); }
  [[nodiscard]] constexpr auto quantifier_next() const noexcept -> bool {
    return more() && (p_[i_] == '?' || p_[i_] == '*' || p_[i_] == '+' || p_[i_] == '{');
  }
  constexpr auto alternation(int depth) noexcept -> std::size_t {
    std::size_t w = concat(depth);
    while (w != 0 && more() && p_[i_] == '|') {
      ++i_;
      const std::size_t b = concat(depth);
      w = b == 0 ? 0 : w + b + 1;
    }
    return w > max_weight ? fail(pattern_fault::too_large, 0) : w;
  }
  constexpr auto concat(int depth) noexcept -> std::size_t {
    std::size_t w = 0;
    const std::size_t start = i_;
    while (more() && p_[i_] != '|' && p_[i_] != ')') {
      const std::size_t a = repeat(depth);
      if (a == 0) return 0;
      w += a;
      if (w > max_weight) return fail(pattern_fault::too_large, start);
    }
    if (i_ == start) return fail(pattern_fault::syntax, i_);  // an empty branch or group
    return w;
  }
  constexpr auto repeat(int depth) noexcept -> std::size_t {
    const std::size_t start = i_;
    const bool anchor = p_[i_] == '^' || p_[i_] == '$';
    const std::size_t w = atom(depth);
    if (w == 0 || !quantifier_next()) return w;
    if (anchor) return fail(pattern_fault::syntax, i_);
    std::size_t times = 1;
    if (p_[i_] == '{') {
      const std::size_t open = i_++;
      std::size_t lo = 0, hi = 0;
      if (!number(lo)) return fail(pattern_fault::syntax, open);
      hi = lo;
      if (more() && p_[i_] == ',') {
        ++i_;
        hi = lo + 1;  // {m,}: m copies, then a star
        if (more() && p_[i_] != '}' && (!number(hi) || hi < lo)) return fail(pattern_fault::syntax, open);
      }
      if (!more() || p_[i_] != '}') return fail(pattern_fault::syntax, open);
      ++i_;
      times = hi == 0 ? 1 : hi;
    } else {
      ++i_;
    }
    if (quantifier_next()) return fail(pattern_fault::syntax, i_);  // `a**`, lazy `a*?`
    if (w * times > max_weight) return fail(pattern_fault::too_large, start);
    return w * times + 1;
  }
  /// 1 to 3 digits, at most 255 (PostgreSQL's limit).
  constexpr auto number(std::size_t& out) noexcept -> bool {
    std::size_t n = 0, digits = 0;
    while (more() && p_[i_] >= '0' && p_[i_] <= '9' && digits < 4) {
      n = n * 10 + static_cast<std::size_t>(p_[i_] - '0');
      ++i_;
      ++digits;
    }
    out = n;
    return digits > 0 && n <= 255;
  }
  constexpr auto atom(int depth) noexcept -> std::size_t {
    const char c = p_[i_];
    switch (c) {
      case '(': {
        const std::size_t open = i_++;
        if (more() && p_[i_] == '?') {
          if (i_ + 1 < p_.size() && p_[i_ + 1] == ':') {
            i_ += 2;  // a group without capture: read the same way by both
          } else if (i_ + 1 < p_.size() && (p_[i_ + 1] == '=' || p_[i_ + 1] == '!' || p_[i_ + 1] == '<')) {
            return fail(pattern_fault::lookaround, open);
          } else {
            return fail(pattern_fault::syntax, open);
          }
        }
        if (depth >= max_depth) return fail(pattern_fault::too_large, open);
        const std::size_t w = alternation(depth + 1);
        if (w == 0) return 0;
        if (!more() || p_[i_] != ')') return fail(pattern_fault::syntax, open);
        ++i_;
        return w;
      }
      case '[': return bracket();
      case ']':
      case '}':
      case '?':
      case '*':
      case '+':
      case '{': return fail(pattern_fault::syntax, i_);  // write `\]`; a quantifier needs something before it
      case '.':
      case '^':
      case '$': ++i_; return 1;
      case '\\': {
        const std::size_t at = i_++;
        if (!more()) return fail(pattern_fault::escape, at);
        const char e = p_[i_];
        if (std::string_view("^$.|?*+()[]{}\\").find(e) != std::string_view::npos) {
          ++i_;
          return 1;
        }
        if (e >= '1' && e <= '9') return fail(pattern_fault::backreference, at);
        if (std::string_view("dDsSwW").find(e) != std::string_view::npos) return fail(pattern_fault::class_escape, at);
        return fail(pattern_fault::escape, at);
      }
      default: {
        char32_t cp = 0;
        const std::size_t n = utf8_at(p_, i_, cp);
        if (n == 0) return fail(pattern_fault::syntax, i_);
        i_ += n;
        return 1;
      }
    }
  }
  /// One member of a bracket expression: a character (not `\`, `]`, or a `[` opening a class).
  constexpr auto bracket_char(char32_t& cp) noexcept -> bool {
    if (!more()) return fail(pattern_fault::syntax, i_) != 0;
    const char c = p_[i_];
    if (c == '\\') return fail(pattern_fault::escape, i_) != 0;
    if (c == '[' && i_ + 1 < p_.size() && (p_[i_ + 1] == ':' || p_[i_ + 1] == '=' || p_[i_ + 1] == '.'))
      return fail(pattern_fault::posix_class, i_) != 0;
    if (c == ']') return fail(pattern_fault::syntax, i_) != 0;
    const std::size_t n = utf8_at(p_, i_, cp);
    if (n == 0) return fail(pattern_fault::syntax, i_) != 0;
    i_ += n;
    return true;
  }
  constexpr auto bracket() noexcept -> std::size_t {
    const std::size_t open = i_++;
    if (more() && p_[i_] == '^') ++i_;
    std::size_t members = 0;
    while (true) {
      if (!more()) return fail(pattern_fault::syntax, open);
      if (p_[i_] == ']' && members > 0) {
        ++i_;
        return 1;
      }
      if (p_[i_] == '-' && members > 0 && !(i_ + 1 < p_.size() && p_[i_ + 1] == ']'))
        return fail(pattern_fault::syntax, i_);  // `-` is literal only first or last
      char32_t lo = 0;
      if (!bracket_char(lo)) return 0;
      if (lo != U'-' && i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        const std::size_t dash = i_++;
        char32_t hi = 0;
        if (!bracket_char(hi)) return 0;
        if (hi < lo || hi == U'-') return fail(pattern_fault::syntax, dash);
      }
      ++members;
    }
  }
  std::string_view p_;
  std::size_t i_ = 0;
  pattern_scan r_;
};

/// The first fault of `p` (constexpr: pgpx::pattern checks its pattern at compile time).
constexpr auto scan_pattern(std::string_view p) noexcept -> pattern_scan { return pattern_scanner(p).run(); }

/**
 * The matcher of an accepted pattern: a Thompson NFA over code points, run in time linear
 * in the text (no backtracking), with PostgreSQL's `~` semantics: a match anywhere in the
 * text unless anchored, `.` and `[^...]` match any character (newlines too).
 */
class PGPX_API pattern_program {
 public:
  /// Compiles `pattern`, which scan_pattern accepted (usage_error otherwise).
  explicit pattern_program(std::string_view pattern);
  /// True when `text` matches; nullopt when it is not valid UTF-8.
  [[nodiscard]] auto search(std::string_view text) const -> std::optional<bool>;

  /// One NFA state: a character test (consumes one code point), a fork, an anchor, or the end.
  struct state {
    enum class kind : std::uint8_t { chars, any, split, begin, end, match };
    kind k = kind::match;  ///< what the state does
    bool negated = false;  ///< chars: `[^...]`
    std::vector<std::pair<char32_t, char32_t>> ranges;  ///< chars: inclusive ranges
    std::size_t out = 0;  ///< the next state
    std::size_t out2 = 0;  ///< split: the other next state
  };

 private:
  std::vector<state> states_;
  std::size_t start_ = 0;
  friend class pattern_compiler;
};

/// `s` as a standard SQL string literal ('...' with quotes doubled; backslashes as they are,
/// as PostgreSQL reads them with standard_conforming_strings on, its default since 9.1).
[[nodiscard]] PGPX_API auto sql_string_literal(std::string_view s) -> std::string;

}  // namespace detail

namespace detail {
/**
 * Names the fault of a pattern outside the subset in a compile error whose message starts
 * with the fault's name (`pattern_error_backreference`, `pattern_error_lookaround`,
 * `pattern_error_class_escape`, `pattern_error_escape`, `pattern_error_posix_class`,
 * `pattern_error_syntax`, `pattern_error_too_large`); the pattern and the fault's byte
 * offset are the template arguments. Called by the rule's check and sql, so that a refused
 * pattern stops the model's validation and its DDL from compiling.
 */
template <fixed_string P, pattern_fault F = scan_pattern(P.view()).fault, std::size_t At = scan_pattern(P.view()).at>
constexpr void pattern_diagnose() noexcept {
  if constexpr (F == pattern_fault::backreference)
    static_assert(dependent_false<std::integral_constant<std::size_t, At>>,
                  "pgpx: pattern_error_backreference: back references (\\1) are outside the subset C++ and "
                  "PostgreSQL read the same way");
  if constexpr (F == pattern_fault::lookaround)
    static_assert(dependent_false<std::integral_constant<std::size_t, At>>,
                  "pgpx: pattern_error_lookaround: lookahead and lookbehind are outside the subset C++ and "
                  "PostgreSQL read the same way");
  if constexpr (F == pattern_fault::class_escape)
    static_assert(dependent_false<std::integral_constant<std::size_t, At>>,
                  "pgpx: pattern_error_class_escape: \\d \\s \\w are read differently by C++ and PostgreSQL: "
                  "write a bracket expression such as [0-9]");
  if constexpr (F == pattern_fault::escape)
    static_assert(dependent_false<std::integral_constant<std::size_t, At>>,
                  "pgpx: pattern_error_escape: only a special character may follow a backslash (\\. \\( "
                  "\\\\), and not inside brackets");
  if constexpr (F == pattern_fault::posix_class)
    static_assert(dependent_false<std::integral_constant<std::size_t, At>>,
                  "pgpx: pattern_error_posix_class: POSIX classes ([:alpha:]) are outside the subset: list the "
                  "characters or ranges");
  if constexpr (F == pattern_fault::syntax)
    static_assert(dependent_false<std::integral_constant<std::size_t, At>>,
                  "pgpx: pattern_error_syntax: this pattern does not parse in the subset (unbalanced, an empty "
                  "branch, a quantifier with nothing before it or after another, a bound over 255, a reversed range)");
  if constexpr (F == pattern_fault::too_large)
    static_assert(dependent_false<std::integral_constant<std::size_t, At>>,
                  "pgpx: pattern_error_too_large: the counted repetitions make this pattern too large");
}
}  // namespace detail

/**
 * Text matching a regular expression, read the same way by the C++ check and by
 * PostgreSQL's `~` in the CHECK constraint: `pgpx::pattern<"^[a-z0-9_]{3,20}$">`. The subset
 * (checked at compile time, each refusal a named error such as
 * `pattern_error_backreference`, see detail::pattern_diagnose): literal characters (UTF-8), `.` (one code
 * point, newlines too), bracket expressions of characters and ranges (`[a-z_]`, `[^@ ]`;
 * `-` first or last; no backslash, no `[:alpha:]`), `^` and `$` (the text's start and end),
 * groups `( )` and `(?: )`, `|`, and `? * + {m} {m,} {m,n}` (up to 255), a backslash before
 * a special character (`\.`). No `\d \s \w`, back references, lookaround, lazy
 * quantifiers. A match may be anywhere in the text unless anchored (as `~`). The C++ check
 * is a linear-time NFA on code points; invalid UTF-8 fails it. SQL: `c ~ '<pattern>'`.
 */
template <fixed_string P>
struct pattern {
  static constexpr std::string_view code = "pattern_mismatch";  ///< the issue's type
  template <class V>
  static constexpr bool applies = detail::is_text<V>;  ///< text
  template <class V>
  static auto check(const V& v) -> std::optional<rule_failure> {
    detail::pattern_diagnose<P>();
    static const detail::pattern_program program(P.view());
    const auto m = program.search(std::string_view(v));
    if (!m) return detail::invalid_utf8();
    if (*m) return std::nullopt;
    return rule_failure{
        "pattern_mismatch", "must match the pattern " + std::string(P.view()), {{"pattern", std::string(P.view())}}};
  }
  template <class V>
  static auto sql(std::string_view col) -> std::string {
    detail::pattern_diagnose<P>();
    return std::string(col) + " ~ " + detail::sql_string_literal(P.view());
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
