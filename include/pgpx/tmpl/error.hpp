// pgpx/tmpl/error.hpp: what a template error says, and where.
//
// Every compile and render failure is a pgpx::tmpl::template_error (a pgpx::error of kind
// error_kind::tmpl). It carries a code from the catalogue of spec/templates.md 3.7, the
// template name with 1-based line and column, a caret snippet, and the include/extends/call
// stack that led there. Its message() is the whole report:
//
//   users/search.sql.j2:4:19: PlaceholderInLiteral: placeholder inside a string literal; use
//   {{ q | like("contains") }} or '%' || {{ q }} || '%'
//       4 | where name like '%{{ q }}%'
//         |                   ^~~~~~~~~
//     included from users/list.sql.j2:2:1
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/export.hpp>
#include <pgpx/outcome.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace pgpx::tmpl {

/// The catalogue of template errors.
enum class errc {
  syntax,                  ///< TemplateSyntaxError: unclosed block, unexpected token, bad header
  undefined_variable,      ///< UndefinedVariable: unknown name (with a did-you-mean), or undeclared
  unknown_filter,          ///< UnknownFilter
  unknown_test,            ///< UnknownTest (`is foo`)
  filter_type,             ///< FilterTypeError: a filter, test, operator or call got the wrong kind of value
  invalid_value,           ///< InvalidValue: a value outside an allow-list or a range (oneof, int_literal...)
  unsafe_interpolation,    ///< UnsafeInterpolation: `raw` on a host string
  placeholder_in_literal,  ///< PlaceholderInLiteral: output inside a string, comment, dollar quote or "name"
  placeholder_adjacent,    ///< PlaceholderAdjacent: output glued to a name or number (would change the token)
  empty_in_list,           ///< EmptyInList: `| in` of an empty list under the error policy
  empty_list,              ///< EmptyList: ident_list, values or set_list with nothing in it
  too_many_parameters,     ///< TooManyParameters: more than 65535 placeholders
  include_not_found,       ///< IncludeNotFound (also extends/import targets)
  include_cycle,           ///< IncludeCycle, or include depth over the limit
  invalid_name,            ///< InvalidTemplateName: absolute, `..`, empty or otherwise unusable name
  block_not_found,         ///< BlockNotFound: a child overrides a block its parents lack; super() with none
  declared_param_unused,   ///< DeclaredParamUnused
  type_mismatch,           ///< ParamTypeMismatch: a value does not fit its declared type
  render_limit_exceeded,   ///< RenderLimitExceeded: loop iterations, output size or call depth
};

/// The catalogue name of an error code ("TemplateSyntaxError", "UndefinedVariable"...).
[[nodiscard]] PGPX_API auto to_string(errc code) noexcept -> std::string_view;

/// One entry of the include/extends/import/call stack of an error.
struct stack_frame {
  std::string how;            ///< "included from", "extended by", "imported from", "called from"
  std::string template_name;  ///< the template containing the include/extends/call
  int line = 0;               ///< 1-based line of that statement
  int column = 0;             ///< 1-based column of that statement
};

/// A place in a template.
struct source_position {
  std::string template_name;  ///< the template's name
  int line = 0;               ///< 1-based line, 0 when unknown
  int column = 0;             ///< 1-based column (in characters), 0 when unknown
};

/**
 * A template failed to compile or render.
 *
 * Thread safety: an immutable value.
 */
class PGPX_API template_error : public pgpx::error {
 public:
  /// Builds the error; `snippet` is the caret snippet (may be empty).
  template_error(errc code, std::string brief, source_position where, std::string snippet = {},
                 std::vector<stack_frame> stack = {}, std::string hint = {});

  /// The catalogue code.
  [[nodiscard]] auto code() const noexcept -> errc { return code_; }
  /// The message alone, without position, snippet or stack.
  [[nodiscard]] auto brief() const noexcept -> const std::string& { return brief_; }
  /// Where the error is.
  [[nodiscard]] auto where() const noexcept -> const source_position& { return where_; }
  /// The source line with a caret under the error (two lines), or empty.
  [[nodiscard]] auto snippet() const noexcept -> const std::string& { return snippet_; }
  /// The include/extends/import/call stack, innermost first.
  [[nodiscard]] auto stack() const noexcept -> const std::vector<stack_frame>& { return stack_; }
  /// The error as an outcome diagnostic (kind tmpl, where/line/column set, full report as message).
  [[nodiscard]] auto to_diagnostic() const -> diagnostic;

 private:
  errc code_;
  std::string brief_;
  source_position where_;
  std::string snippet_;
  std::vector<stack_frame> stack_;
};

}  // namespace pgpx::tmpl
