// src/tmpl/sql_state_impl.hpp: PostgreSQL's lexical state, fed one piece of SQL at a time
// (private).
//
// The engine feeds every piece of output (template text and engine-made tokens) through a
// tracker, and before emitting a placeholder or an interpolated token asks where it is:
// code, a string literal ('...', E'...', U&'...'), a quoted identifier ("..."), a line
// comment (-- ...), a block comment (/* ... */, nested), or a dollar-quoted string
// ($tag$ ... $tag$). It follows scan.l of PostgreSQL 15 with standard_conforming_strings on.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pgpx::tmpl::detail {

/// Where the next byte of SQL would land.
enum class sql_context { code, string_literal, quoted_identifier, line_comment, block_comment, dollar_quote };

/// A description for messages ("a string literal", "a -- comment"...).
[[nodiscard]] auto describe(sql_context c) noexcept -> const char*;

/// True for bytes that continue a PostgreSQL identifier or number (letters, digits, _, $,
/// and bytes of multi-byte UTF-8 characters).
[[nodiscard]] constexpr auto is_word_byte(char c) noexcept -> bool {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

/// The incremental SQL lexer state.
class sql_tracker {
 public:
  /// Feeds SQL text.
  void feed(std::string_view text) {
    for (char c : text) step(c);
  }
  /// Where the next byte lands.
  [[nodiscard]] auto context() const noexcept -> sql_context;
  /// The last byte fed, or '\0'.
  [[nodiscard]] auto last() const noexcept -> char { return last_; }
  /// True when the last byte was a '-' or '/' in code that the next byte may turn into a
  /// comment opener (`--`, `/*`): whether it was code is not known yet.
  [[nodiscard]] auto may_open_comment() const noexcept -> bool {
    return state_ == st::code_dash || state_ == st::code_slash;
  }
  /// True when a quoted identifier just closed (a following `"` would continue it).
  [[nodiscard]] auto after_quoted_identifier() const noexcept -> bool { return state_ == st::dquote_end; }
  /// True when a string literal just closed (a following `'` would continue it).
  [[nodiscard]] auto after_string_literal() const noexcept -> bool {
    return state_ == st::squote_end || state_ == st::estring_end;
  }

 private:
  enum class st {
    code,
    code_dash,
    code_slash,
    code_dollar,
    squote,
    squote_end,
    estring,
    estring_backslash,
    estring_end,
    dquote,
    dquote_end,
    line_comment,
    block_comment,
    block_star,
    block_slash,
    dollar_body,
    dollar_close,
  };
  void step(char c);
  void code_char(char c);

  st state_ = st::code;
  char last_ = '\0';
  char prev1_ = '\0';  // the two code bytes before the current one (for E'...')
  char prev2_ = '\0';
  bool in_word_ = false;    // inside an identifier (a `$` there does not start a dollar quote)
  int depth_ = 0;           // block comment nesting
  std::string tag_;         // dollar-quote tag being read or matched
  std::size_t match_ = 0;   // bytes of the closing tag matched so far
};

}  // namespace pgpx::tmpl::detail
