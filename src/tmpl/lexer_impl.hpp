// src/tmpl/lexer_impl.hpp: template text to tokens (private).
#pragma once

#include "ast_impl.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgpx::tmpl::detail {

enum class tok {
  data,         // literal text (already whitespace-controlled)
  var_begin,    // {{
  var_end,      // }}
  block_begin,  // {%
  block_end,    // %}
  name,         // identifier or keyword
  string,       // string literal (text is the decoded value)
  integer,      // integer literal
  floating,     // float literal
  op,           // operator or punctuation (text)
  eof,
};

struct token {
  tok kind = tok::eof;
  std::size_t pos = 0;  // first byte in the source
  std::size_t end = 0;  // one past the last byte
  std::string text;
  std::int64_t ival = 0;
  double fval = 0;
};

/// The declaration header: the text after "pgpx" in the first comment, and where it starts.
struct header_text {
  std::string text;
  std::size_t offset = 0;  // byte offset of `text` in the source
};

struct lex_result {
  std::vector<token> tokens;
  std::optional<header_text> header;
};

/// Splits a template into tokens; throws template_error (syntax) on unclosed tags, comments,
/// strings and raw blocks.
[[nodiscard]] auto lex(const source_text& src, const syntax_options& syntax) -> lex_result;

/// Parses the tokens of a template into statements; throws template_error (syntax).
[[nodiscard]] auto parse_tokens(const source_text& src, std::vector<token> tokens) -> body;

}  // namespace pgpx::tmpl::detail
