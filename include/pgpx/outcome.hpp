// pgpx/outcome.hpp: a value or a diagnostic, for expected failures.
//
// APIs whose failure is an ordinary event (parsing a URL the user typed, trying to lease a
// connection) return `outcome<T>` instead of throwing; their throwing twins are the
// functions without the `try_` prefix.
//
//   auto parsed = pgpx::conninfo::try_parse(text);
//   if (!parsed) std::cerr << parsed.diag().to_string() << '\n';
#pragma once

#include <pgpx/error.hpp>

#include <string>
#include <utility>
#include <variant>

namespace pgpx {

/// Why an operation did not produce a value, with the place when there is one.
struct diagnostic {
  error_kind kind = error_kind::usage;  ///< the error kind value() will throw as
  std::string message;                  ///< what was wrong, never containing a secret
  std::string where;                    ///< the source: a file name, "--url", "PGPX_DATABASE_URL"...
  int line = 0;                         ///< 1-based line in `where`, 0 when not applicable
  int column = 0;                       ///< 1-based column in `where`, 0 when not applicable

  /// "where:line:column: message", omitting the parts that are unknown.
  [[nodiscard]] auto to_string() const -> std::string {
    std::string out = where;
    if (line > 0) out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
    if (!out.empty()) out += ": ";
    return out + message;
  }
};

/**
 * Holds either a T or a diagnostic.
 *
 * `value()` throws the diagnostic as a pgpx::error of its kind when there is no value.
 */
template <class T>
class outcome {
 public:
  /// A successful outcome.
  outcome(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  /// A failed outcome.
  outcome(diagnostic d) : v_(std::move(d)) {}  // NOLINT(google-explicit-constructor)

  /// True when a value is present.
  [[nodiscard]] auto has_value() const noexcept -> bool { return v_.index() == 0; }
  /// True when a value is present.
  explicit operator bool() const noexcept { return has_value(); }
  /// The value; throws pgpx::error built from the diagnostic when there is none.
  [[nodiscard]] auto value() & -> T& {
    check();
    return std::get<0>(v_);
  }
  /// The value; throws pgpx::error built from the diagnostic when there is none.
  [[nodiscard]] auto value() const& -> const T& {
    check();
    return std::get<0>(v_);
  }
  /// The value, moved out; throws pgpx::error built from the diagnostic when there is none.
  [[nodiscard]] auto value() && -> T&& {
    check();
    return std::get<0>(std::move(v_));
  }
  /// The value; undefined when there is none.
  [[nodiscard]] auto operator*() & -> T& { return std::get<0>(v_); }
  /// The value; undefined when there is none.
  [[nodiscard]] auto operator->() -> T* { return &std::get<0>(v_); }
  /// The diagnostic; undefined when a value is present.
  [[nodiscard]] auto diag() const -> const pgpx::diagnostic& { return std::get<1>(v_); }

 private:
  void check() const {
    if (!has_value()) {
      const auto& d = std::get<1>(v_);
      throw_error(d.kind, d.to_string());
    }
  }
  std::variant<T, pgpx::diagnostic> v_;
};

}  // namespace pgpx
