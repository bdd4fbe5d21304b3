// The incremental SQL lexer state used by the placeholder-context checks.
#include "sql_state_impl.hpp"

namespace pgpx::tmpl::detail {
namespace {

auto is_tag_start(char c) noexcept -> bool {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
auto is_tag_char(char c) noexcept -> bool { return is_tag_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

auto describe(sql_context c) noexcept -> const char* {
  switch (c) {
    case sql_context::code: return "SQL code";
    case sql_context::string_literal: return "a string literal";
    case sql_context::quoted_identifier: return "a quoted identifier";
    case sql_context::line_comment: return "a -- comment";
    case sql_context::block_comment: return "a /* */ comment";
    case sql_context::dollar_quote: return "a dollar-quoted string";
  }
  return "SQL";
}

auto sql_tracker::context() const noexcept -> sql_context {
  switch (state_) {
    case st::code:
    case st::code_dash:
    case st::code_slash:
    case st::code_dollar:
    case st::squote_end:
    case st::estring_end:
    case st::dquote_end: return sql_context::code;
    case st::squote:
    case st::estring:
    case st::estring_backslash: return sql_context::string_literal;
    case st::dquote: return sql_context::quoted_identifier;
    case st::line_comment: return sql_context::line_comment;
    case st::block_comment:
    case st::block_star:
    case st::block_slash: return sql_context::block_comment;
    case st::dollar_body:
    case st::dollar_close: return sql_context::dollar_quote;
  }
  return sql_context::code;
}

void sql_tracker::code_char(char c) {
  if (c == '\'') {
    const bool e = (prev1_ == 'e' || prev1_ == 'E') && !is_word_byte(prev2_);
    state_ = e ? st::estring : st::squote;
    in_word_ = false;
  } else if (c == '"') {
    state_ = st::dquote;
    in_word_ = false;
  } else if (c == '-') {
    state_ = st::code_dash;
    in_word_ = false;
  } else if (c == '/') {
    state_ = st::code_slash;
    in_word_ = false;
  } else if (c == '$' && !in_word_) {
    state_ = st::code_dollar;
    tag_.clear();
  } else if (in_word_) {
    in_word_ = is_word_byte(c);
  } else {
    // A digit starts a number, not an identifier: `5$$x$$` opens a dollar quote.
    in_word_ = is_word_byte(c) && !(c >= '0' && c <= '9');
  }
  prev2_ = prev1_;
  prev1_ = c;
}

void sql_tracker::step(char c) {
  switch (state_) {
    case st::code: code_char(c); break;
    case st::code_dash:
      if (c == '-') state_ = st::line_comment;
      else {
        state_ = st::code;
        code_char(c);
      }
      break;
    case st::code_slash:
      if (c == '*') {
        state_ = st::block_comment;
        depth_ = 1;
      } else {
        state_ = st::code;
        code_char(c);
      }
      break;
    case st::code_dollar:
      if (c == '$') {
        state_ = st::dollar_body;
        match_ = 0;
      } else if (tag_.empty() ? is_tag_start(c) : is_tag_char(c)) {
        tag_.push_back(c);
      } else {
        // `$1` (a parameter) or a lone `$`: back to code.
        state_ = st::code;
        in_word_ = false;
        tag_.clear();
        code_char(c);
      }
      break;
    case st::squote:
      if (c == '\'') state_ = st::squote_end;
      break;
    case st::squote_end:
      if (c == '\'') state_ = st::squote;  // '' is a quote inside the literal
      else {
        state_ = st::code;
        code_char(c);
      }
      break;
    case st::estring:
      if (c == '\\') state_ = st::estring_backslash;
      else if (c == '\'') state_ = st::estring_end;
      break;
    case st::estring_backslash: state_ = st::estring; break;
    case st::estring_end:
      if (c == '\'') state_ = st::estring;
      else {
        state_ = st::code;
        code_char(c);
      }
      break;
    case st::dquote:
      if (c == '"') state_ = st::dquote_end;
      break;
    case st::dquote_end:
      if (c == '"') state_ = st::dquote;  // "" is a quote inside the name
      else {
        state_ = st::code;
        code_char(c);
      }
      break;
    case st::line_comment:
      if (c == '\n' || c == '\r') {
        state_ = st::code;
        in_word_ = false;
        prev1_ = prev2_ = '\0';
      }
      break;
    case st::block_comment:
      if (c == '*') state_ = st::block_star;
      else if (c == '/') state_ = st::block_slash;
      break;
    case st::block_star:
      if (c == '/') {
        if (--depth_ == 0) {
          state_ = st::code;
          in_word_ = false;
          prev1_ = prev2_ = '\0';
        } else {
          state_ = st::block_comment;
        }
      } else if (c != '*') {
        state_ = st::block_comment;
      }
      break;
    case st::block_slash:
      if (c == '*') {
        ++depth_;
        state_ = st::block_comment;
      } else if (c != '/') {
        state_ = st::block_comment;
      }
      break;
    case st::dollar_body:
      if (c == '$') {
        state_ = st::dollar_close;
        match_ = 0;
      }
      break;
    case st::dollar_close:
      if (match_ < tag_.size()) {
        if (c == tag_[match_]) ++match_;
        else if (c == '$') match_ = 0;
        else state_ = st::dollar_body;
      } else if (c == '$') {
        state_ = st::code;
        in_word_ = false;
        tag_.clear();
        prev1_ = prev2_ = '\0';
      } else {
        state_ = st::dollar_body;
      }
      break;
  }
  last_ = c;
}

}  // namespace pgpx::tmpl::detail
