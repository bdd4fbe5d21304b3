// src/tmpl/render_impl.hpp: the renderer's data structures (private).
#pragma once

#include "ast_impl.hpp"

#include <pgpx/tmpl/template.hpp>
#include <pgpx/tmpl/value.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pgpx::tmpl::detail {

/// The include/import/extends/call stack as a shared linked list (innermost first).
struct stack_node {
  stack_frame frame;
  std::shared_ptr<const stack_node> parent;
};
using stack_ptr = std::shared_ptr<const stack_node>;

/// Flattens a stack into frames, innermost first.
[[nodiscard]] auto frames_of(const stack_ptr& s) -> std::vector<stack_frame>;

/// Base of the values only the engine makes.
struct engine_object {
  engine_object() = default;
  engine_object(const engine_object&) = default;
  auto operator=(const engine_object&) -> engine_object& = default;
  virtual ~engine_object() = default;
};

/// A piece of rendered output.
enum class part_kind {
  literal,  // template text (a contiguous piece of the source at `pos`)
  token,    // engine-made SQL text: quoted identifiers, allow-listed keywords, punctuation
  param,    // a bound value
};

struct part {
  part_kind kind = part_kind::literal;
  std::string text;    // literal and token text
  value v;             // param value
  oid type = oids::unspecified;
  std::string name;    // param name (variable path or expression)
  std::string key;     // dedupe key: same key, same $n; empty: always a new slot
  bool secret = false;
  std::shared_ptr<const source_text> src;
  std::size_t pos = 0;
  std::size_t end = 0;
  stack_ptr stack;
};

/// SQL made by the engine: macro output, includes, set blocks, sql("...") and filters.
struct fragment : engine_object {
  std::vector<part> parts;
};

/// Evaluated call arguments.
struct call_args {
  std::vector<value> positional;
  map_entries keywords;
};

class renderer;

/// A macro, caller(), super() or a helper bound to a scope.
struct callable : engine_object {
  std::string name;
  std::function<value(renderer&, call_args&&, const expr& site)> fn;
};

/// A variable scope; scopes form a chain up to the host variables.
struct scope {
  std::shared_ptr<scope> parent;
  std::vector<std::pair<std::string, value>> locals;
  const tmpl::vars* host = nullptr;            // the host variables (root scope only)
  const std::vector<std::string>* absent = nullptr;  // declared optional, not given (root only)

  [[nodiscard]] auto find_local(std::string_view name) -> value* {
    for (auto& [k, v] : locals)
      if (k == name) return &v;
    return nullptr;
  }
  void set(const std::string& name, value v) {
    if (auto* p = find_local(name)) *p = std::move(v);
    else locals.emplace_back(name, std::move(v));
  }
};
using scope_ptr = std::shared_ptr<scope>;

/// The result of evaluating an expression, with what the engine needs beyond the value.
struct rv {
  value v;
  bool undefined = false;        // the name or key does not exist
  bool absent_optional = false;  // a declared optional parameter that was not given (acts as none)
  std::string path;              // plain variable path ("user.id"), or empty
  std::string label;             // a parameter name when there is no path (never a dedupe key)
  bool from_host = false;        // the path starts at a host variable (same path, same $n)
  oid type = oids::unspecified;  // bind type
  const param_declaration* decl = nullptr;
  bool keyword = false;          // a word from an allow-list (oneof) or an int_literal: interpolated
  std::string missing;           // what was undefined ("x", "user.emial"), for messages
  std::vector<std::string> candidates;  // names that exist there, for did-you-mean
};

/// How a template is being rendered: its inheritance chain and shared top-level scope.
struct template_frame {
  std::vector<std::shared_ptr<const template_impl>> chain;  // most derived first
  std::vector<stack_ptr> stacks;                            // the error stack of each chain level
  scope_ptr top;                                            // top-level scope shared by the chain
};

// PGPX_API: tests/unit/tmpl/filter_table_test drives the renderer directly, also against a
// shared libpgpx_tmpl (the same holds for filter_table(), find_filter(), compile_template()).
/// One render. Not thread-safe; one renderer per render() call.
class PGPX_API renderer {
 public:
  renderer(const render_options& options, const loader* templates, const vars& variables,
           const std::shared_ptr<const template_impl>& root);
  /// Breaks the reference cycles between macros and the scopes that hold them.
  ~renderer();
  renderer(const renderer&) = delete;
  auto operator=(const renderer&) -> renderer& = delete;

  /// Renders the root template and returns its output parts.
  auto run() -> std::vector<part>;

  // ---- used by callables and filters ----
  [[noreturn]] void error(errc code, const std::string& brief, const source_text& src, std::size_t pos, std::size_t end,
                          std::string hint = {}) const;
  [[noreturn]] void error_at(errc code, const std::string& brief, const expr& e, std::string hint = {}) const;
  auto render_body_to_fragment(const body& b, const scope_ptr& sc, const template_frame& tf) -> value;
  auto invoke_macro(const node& def, const std::shared_ptr<const template_impl>& owner, const scope_ptr& closure,
                    call_args&& args, const expr& site) -> value;
  void render_block(const template_frame& tf, const std::string& name, std::size_t level);
  /// Registers a callable so that its captures are released when the render ends.
  auto track(std::shared_ptr<callable> c) -> value;
  [[nodiscard]] auto options() const noexcept -> const render_options& { return opt_; }
  void count_iterations(std::size_t n, const expr& where);

  auto apply_filter(const expr& e, const scope_ptr& sc) -> rv;
  auto apply_test(const expr& e, const scope_ptr& sc) -> bool;
  auto call_helper(const std::string& name, const expr& e, const scope_ptr& sc) -> value;
  [[nodiscard]] auto make_token(std::string text, const expr& e) const -> part;
  [[nodiscard]] auto make_param(const rv& r, const expr& e) const -> part;
  [[nodiscard]] auto expr_text(const expr& e) const -> std::string;

  auto eval(const expr& e, const scope_ptr& sc) -> rv;
  auto eval_value(const expr& e, const scope_ptr& sc) -> value;  // defined, or an error
  void require_defined(const rv& r, const expr& e) const;
  auto eval_args(const expr& e, const scope_ptr& sc) -> call_args;  // args[1..], star, kwargs

  std::vector<std::vector<part>*> out_;  // output targets (innermost last)

 private:
  void exec_body(const body& b, const scope_ptr& sc, const template_frame& tf);
  void exec_node(const node& n, const scope_ptr& sc, const template_frame& tf);
  void exec_template(const std::shared_ptr<const template_impl>& t, const scope_ptr& parent, const node* site,
                     const char* how);
  auto load(const std::string& name, const node& site, bool ignore_missing) -> std::shared_ptr<const template_impl>;
  auto import_module(const node& n, const scope_ptr& sc) -> value;
  auto make_macro(const node& n, const scope_ptr& closure, std::shared_ptr<const template_impl> owner) -> value;
  void emit_output(const rv& r, const expr& e);
  void emit(part p);
  void emit_helper_block(const node& n, std::vector<part> parts);
  void emit_keyset(const node& n, const scope_ptr& sc, std::vector<part> parts);
  auto lookup(const std::string& name, const scope_ptr& sc) -> rv;
  auto truthy(const rv& r, const expr& e) -> bool;
  auto call(const expr& e, const scope_ptr& sc) -> rv;
  auto binary(const expr& e, const scope_ptr& sc) -> rv;
  auto compare(const expr& e, const scope_ptr& sc) -> rv;
  [[nodiscard]] auto visible_names(const scope_ptr& sc) const -> std::vector<std::string>;
  void check_declared(const template_impl& root);

  const render_options& opt_;
  const loader* loader_;
  const vars& host_vars_;
  std::shared_ptr<const template_impl> root_;
  vars effective_;                   // host variables after declared conversions
  std::vector<std::string> absent_;  // declared optional parameters not given
  std::vector<std::shared_ptr<const template_impl>> keep_;
  std::vector<std::string> active_;  // templates being rendered (cycle detection)
  std::map<std::string, value> modules_;
  std::shared_ptr<const source_text> cur_src_;
  std::shared_ptr<const template_impl> cur_tmpl_;
  stack_ptr stack_;
  const value* extra_caller_ = nullptr;
  std::vector<std::shared_ptr<callable>>
      callables_;  // every callable made, cleared at the end  // the caller() of a {% call %} block, for the next call
  std::size_t iterations_ = 0;
  std::size_t output_bytes_ = 0;
  int call_depth_ = 0;
};

// ---- value helpers shared by the renderer, the filters and the flattening ----

/// Wraps output parts as an engine-made SQL fragment value.
[[nodiscard]] auto make_fragment(std::vector<part> parts) -> value;
/// The characters of UTF-8 text: each starts at a byte that is not a continuation byte, the
/// rule of pgpx::detail::utf8_length, so `| length`, `| list`, `| reverse` and slicing agree
/// even on malformed text (stray continuation bytes join the character they follow, or the
/// first one).
[[nodiscard]] auto code_points(const std::string& s) -> std::vector<std::string>;
/// ASCII case mapping (other bytes unchanged), as the string filters and tests use it.
[[nodiscard]] auto ascii_lower(std::string s) -> std::string;
[[nodiscard]] auto ascii_upper(std::string s) -> std::string;

/// Python truthiness of a defined value.
[[nodiscard]] auto truthy_value(const value& v) -> bool;
/// Python-style equality (1 == 1.0; typed by type and text).
[[nodiscard]] auto equal_values(const value& a, const value& b) -> bool;
/// The array type to bind a list with (from its elements); 0 when the server should infer
/// it. Throws a std::string message when the list mixes kinds.
[[nodiscard]] auto infer_array_type(const value& list) -> oid;
/// The PostgreSQL text form of an array (for binding lists).
[[nodiscard]] auto array_literal(const value& list) -> std::string;
/// True when a parameter name looks secret (password, token, email...).
[[nodiscard]] auto secret_looking(std::string_view name) -> bool;
/// Flattens render output into a rendered query (placeholder numbering, context and
/// adjacency checks, parameter limit, source map).
[[nodiscard]] auto flatten(const std::string& template_name, const std::vector<part>& parts,
                           const render_options& options) -> rendered_query;

}  // namespace pgpx::tmpl::detail
