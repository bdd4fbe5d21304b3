// src/tmpl/ast_impl.hpp: the compiled form of a template (private).
#pragma once

#include <pgpx/tmpl/error.hpp>
#include <pgpx/tmpl/template.hpp>
#include <pgpx/tmpl/value.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::tmpl::detail {

/// A template's text with a line table, for positions and snippets.
struct source_text {
  std::string name;
  std::string text;
  std::vector<std::size_t> line_starts;  // byte offset of each line's first byte

  PGPX_API source_text(std::string n, std::string t);
  /// 1-based line and column (in characters) of a byte offset.
  [[nodiscard]] auto position(std::size_t offset) const -> source_position;
  /// The line of `offset` with a caret (and tildes up to `end` on the same line).
  [[nodiscard]] auto snippet(std::size_t offset, std::size_t end) const -> std::string;
};

/// Throws template_error with position and snippet from `src`.
[[noreturn]] void fail(errc code, const std::string& brief, const source_text& src, std::size_t offset,
                       std::size_t end = 0, std::vector<stack_frame> stack = {}, std::string hint = {});

// ---- expressions ----

enum class expr_kind {
  literal,    // lit
  name,       // name
  getattr,    // args[0] . name
  getitem,    // args[0] [ args[1] ]
  list,       // [args...]
  dict,       // {kwargs keys are expressions: args pairs k0,v0,k1,v1...}
  unary,      // name in {"-", "+", "not"} args[0]
  binary,     // name operator, args[0], args[1] ("and", "or", "+", "-", "*", "/", "//", "%", "**", "~")
  compare,    // args[0] then ops[i] with args[i+1]
  cond,       // args[0] if args[1] else args[2]
  filter,     // args[0] | name(args[1..], kwargs)
  test,       // args[0] is [not] name(args[1..])
  call,       // args[0](args[1..], kwargs, star)
};

struct expr;
using expr_ptr = std::unique_ptr<expr>;
struct filter_def;

struct expr {
  expr_kind kind = expr_kind::literal;
  std::size_t pos = 0;  // first byte in the source
  std::size_t end = 0;  // one past the last byte
  value lit;
  std::string name;
  std::vector<expr_ptr> args;
  std::vector<std::pair<std::string, expr_ptr>> kwargs;
  std::vector<std::string> ops;  // compare operators
  expr_ptr star;                 // *args of a call or filter
  bool negated = false;          // `is not`
  std::size_t name_pos = 0;      // filter/test name position, for errors
  std::size_t name_end = 0;
  const filter_def* filter = nullptr;  // a filter's table entry, resolved by the checker
  int depth = 1;                 // height of this tree (bounded: the engine recurses on it)
};

/// The deepest expression tree and statement nesting a template may have.
inline constexpr int max_expression_depth = 128;
inline constexpr int max_statement_depth = 64;

// ---- statements ----

enum class node_kind {
  text,        // literal template text
  output,      // {{ e }}
  if_,         // branches: (cond, body)..., else body
  for_,        // targets in iter [if filter] body [else]
  set,         // targets = e
  set_block,   // target = fragment of body
  macro,       // name(params) body
  call_block,  // {% call [(params)] e %} body
  include,     // include "name" [ignore missing] [with|without context]
  import,      // import "name" as alias
  from_import, // from "name" import a [as b], ...
  extends,     // extends "name"
  block,       // block name body
  where,       // where/having/set_list/list helpers: body, with keyword
  set_list,
  list,
  keyset,      // names: option names (after, by, dir); exprs: their values; body: extra conditions
};

struct node;
using node_ptr = std::unique_ptr<node>;
using body = std::vector<node_ptr>;

struct macro_param {
  std::string name;
  expr_ptr default_value;  // may be null
};

struct node {
  node_kind kind = node_kind::text;
  std::size_t pos = 0;
  std::size_t end = 0;
  std::string text;                 // text: the literal; macro/block/import/set_block: the name; where: the keyword
  std::vector<std::string> names;   // for/set targets; from_import names
  std::vector<std::string> aliases; // from_import aliases
  std::vector<expr_ptr> exprs;      // if: conditions; for: iter [, filter]; set: value; output/call: expr
  std::vector<body> bodies;         // if: one per condition (+ else); for: body [, else]; others: body
  std::vector<macro_param> params;  // macro / call-block caller params
  bool ignore_missing = false;      // include
  bool with_context = true;         // include / import
  bool has_else = false;            // if / for
  std::string sep;                  // list: separator; set_list/list: empty policy in `text2`
  std::string empty_policy;         // "error" / "skip"
};

/// An include, import, from-import or extends statement of a template.
struct reference {
  std::string name;
  node_kind kind = node_kind::include;
  bool ignore_missing = false;
  bool with_context = true;
  std::size_t pos = 0;
  std::size_t end = 0;
};

/// A compiled template.
struct template_impl {
  std::shared_ptr<const source_text> src;
  syntax_options syntax;
  body root;
  std::optional<declaration> decl;
  std::uint64_t hash = 0;
  std::string extends;  // the parent template, when the first statement is extends
  std::vector<std::string> references;
  std::vector<reference> refs;
  std::vector<std::string> free_vars;
  std::vector<std::size_t> raw_offsets;
  // blocks defined in this template, by name (pointers into root)
  std::vector<std::pair<std::string, const node*>> blocks;

  [[nodiscard]] auto find_block(std::string_view name) const -> const node* {
    for (const auto& [n, b] : blocks)
      if (n == name) return b;
    return nullptr;
  }
};

/// Parses a template (lexer + parser + declaration header + compile-time checks).
[[nodiscard]] PGPX_API auto compile_template(std::string_view source, std::string name, const syntax_options& syntax)
    -> std::shared_ptr<const template_impl>;

/// Tests the engine knows (the filters are in filter_table_impl.hpp).
[[nodiscard]] auto known_tests() -> const std::vector<std::string_view>&;
/// The closest candidate within a small edit distance, or empty.
[[nodiscard]] auto suggest(std::string_view name, const std::vector<std::string>& candidates) -> std::string;

/// 64-bit FNV-1a.
[[nodiscard]] auto fnv1a(std::string_view s) noexcept -> std::uint64_t;

}  // namespace pgpx::tmpl::detail
