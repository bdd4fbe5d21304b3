// Compiling a template: lexing, parsing, the declaration header, and the compile-time
// checks (unknown filters and tests, placeholders inside SQL literals, structure of
// inheritance, undeclared and unused parameters).
#include "ast_impl.hpp"
#include "filter_table_impl.hpp"
#include "lexer_impl.hpp"
#include "sql_state_impl.hpp"

#include <pgpx/detail/strings.hpp>
#include <pgpx/config/conninfo.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

namespace pgpx::tmpl::detail {

// ---- source text, positions, snippets ----

source_text::source_text(std::string n, std::string t) : name(std::move(n)), text(std::move(t)) {
  line_starts.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') line_starts.push_back(i + 1);
}

namespace {

auto count_chars(std::string_view s) -> int { return static_cast<int>(pgpx::detail::utf8_length(s)); }

}  // namespace

auto source_text::position(std::size_t offset) const -> source_position {
  offset = std::min(offset, text.size());
  const auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  const auto line = static_cast<std::size_t>(it - line_starts.begin());  // 1-based
  const std::size_t start = line_starts[line - 1];
  return source_position{name, static_cast<int>(line),
                         1 + count_chars(std::string_view(text).substr(start, offset - start))};
}

auto source_text::snippet(std::size_t offset, std::size_t end) const -> std::string {
  offset = std::min(offset, text.size());
  const auto pos = position(offset);
  const std::size_t start = line_starts[static_cast<std::size_t>(pos.line) - 1];
  std::size_t stop = text.find('\n', start);
  if (stop == std::string::npos) stop = text.size();
  // The line as code points, so that the caret lines up (tabs shown as spaces).
  std::vector<std::string> cps;
  for (std::size_t i = start; i < stop;) {
    std::size_t n = 1;
    while (i + n < stop && pgpx::detail::is_utf8_continuation(text[i + n])) ++n;
    std::string cp = text.substr(i, n);
    if (cp == "\t" || cp == "\r") cp = " ";
    cps.push_back(std::move(cp));
    i += n;
  }
  std::size_t caret = static_cast<std::size_t>(pos.column - 1);
  std::size_t width = 1;
  if (end > offset + 1) {
    const std::size_t last = std::min(end, stop);
    width = std::max<std::size_t>(1, static_cast<std::size_t>(count_chars(
                                         std::string_view(text).substr(offset, last > offset ? last - offset : 0))));
  }
  // Long lines are cut to a window around the caret.
  constexpr std::size_t room = 60;
  std::size_t from = 0, to = cps.size();
  if (cps.size() > 2 * room + 20) {
    from = caret > room ? caret - room : 0;
    to = std::min(cps.size(), caret + room);
  }
  std::string line = from > 0 ? "..." : "";
  for (std::size_t i = from; i < to; ++i) line += cps[i];
  if (to < cps.size()) line += "...";
  const std::size_t shift = from > 0 ? 3 : 0;
  width = std::min(width, to > caret ? to - caret : 1);
  const std::string num = std::to_string(pos.line);
  std::string out = "  " + num + " | " + line + "\n  " + std::string(num.size(), ' ') + " | ";
  out += std::string(caret - from + shift, ' ') + "^";
  if (width > 1) out += std::string(width - 1, '~');
  return out;
}

void fail(errc code, const std::string& brief, const source_text& src, std::size_t offset, std::size_t end,
          std::vector<stack_frame> stack, std::string hint) {
  throw template_error(code, brief, src.position(offset), src.snippet(offset, end), std::move(stack), std::move(hint));
}

auto fnv1a(std::string_view s) noexcept -> std::uint64_t {
  std::uint64_t h = 14695981039346656037ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

namespace {

using pgpx::detail::edit_distance;

}  // namespace

auto suggest(std::string_view name, const std::vector<std::string>& candidates) -> std::string {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    if (c == name) continue;
    const auto d = edit_distance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

namespace {

// ---- the declaration header ----

auto trim(std::string_view s) -> std::string_view {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

auto is_identifier(std::string_view s) -> bool {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) != 0 || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
}

class header_parser {
 public:
  header_parser(const source_text& src, const header_text& h) : src_(src), h_(h) {}

  auto parse() -> declaration {
    declaration d;
    d.line = src_.position(h_.offset).line;
    bool in_params = false;
    std::set<std::string> seen_keys;
    std::size_t pos = 0;
    while (pos <= h_.text.size()) {
      std::size_t eol = h_.text.find('\n', pos);
      if (eol == std::string::npos) eol = h_.text.size();
      std::string_view line = std::string_view(h_.text).substr(pos, eol - pos);
      const std::size_t line_offset = h_.offset + pos;
      pos = eol + 1;
      if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
      if (trim(line).empty()) continue;
      const bool indented = line.front() == ' ' || line.front() == '\t';
      const auto colon = line.find(':');
      const std::size_t key_offset = line_offset + line.find_first_not_of(" \t");
      if (colon == std::string_view::npos) bad(key_offset, "expected `key: value` in the pgpx header");
      const std::string key(trim(line.substr(0, colon)));
      const std::string val(trim(line.substr(colon + 1)));
      if (indented) {
        if (!in_params) bad(key_offset, "unexpected indentation in the pgpx header");
        d.params.push_back(param(key, val, key_offset, d));
        continue;
      }
      in_params = false;
      if (!seen_keys.insert(key).second) bad(key_offset, "'" + key + "' appears twice in the pgpx header");
      if (key == "name") {
        if (val.empty() || val.find_first_of(" \t/\\") != std::string::npos || val.find("..") != std::string::npos)
          bad(key_offset, "invalid template name '" + val + "' in the pgpx header");
        d.name = val;
      } else if (key == "params") {
        if (!val.empty() && val != "{}") bad(key_offset, "list the params on the following lines, indented");
        in_params = true;
      } else if (key == "returns") {
        const auto sp = val.find_first_of(" \t");
        d.returns_shape = val.substr(0, sp);
        if (sp != std::string::npos) d.returns_type = std::string(trim(std::string_view(val).substr(sp)));
        static constexpr std::string_view shapes[] = {"one", "one?", "many", "scalar", "exec", "stream"};
        if (std::find(std::begin(shapes), std::end(shapes), d.returns_shape) == std::end(shapes))
          bad(key_offset, "returns: '" + d.returns_shape + "' is not one of one, one?, many, scalar, exec, stream");
        if (d.returns_shape == "exec" && !d.returns_type.empty()) bad(key_offset, "returns: exec takes no type");
        if (!d.returns_type.empty() && d.returns_type.find_first_of(" \t") != std::string::npos &&
            d.returns_shape != "scalar")
          bad(key_offset, "returns: the type must be one name");
      } else {
        bad(key_offset, "unknown key '" + key + "' in the pgpx header (name, params, returns)");
      }
    }
    return d;
  }

 private:
  [[noreturn]] void bad(std::size_t offset, const std::string& msg) const {
    fail(errc::syntax, msg, src_, offset, offset + 1);
  }

  auto param(const std::string& name, std::string spec, std::size_t offset, const declaration& d) const
      -> param_declaration {
    if (!is_identifier(name) || name.rfind("__", 0) == 0) bad(offset, "invalid parameter name '" + name + "'");
    if (d.find(name) != nullptr) bad(offset, "parameter '" + name + "' is declared twice");
    param_declaration p;
    p.name = name;
    p.line = src_.position(offset).line;
    // Markers: a trailing `?` (optional), the words `secret` and `optional`.
    auto strip_word = [&](std::string_view word) {
      bool found = false;
      for (;;) {
        std::string_view t = trim(spec);
        if (t.size() >= word.size() && t.substr(t.size() - word.size()) == word &&
            (t.size() == word.size() || t[t.size() - word.size() - 1] == ' ' ||
             t[t.size() - word.size() - 1] == '\t')) {
          spec = std::string(trim(t.substr(0, t.size() - word.size())));
          found = true;
        } else {
          return found;
        }
      }
    };
    bool changed = true;
    while (changed) {
      changed = false;
      if (strip_word("secret")) p.secret = changed = true;
      if (strip_word("optional")) p.optional = changed = true;
      std::string_view t = trim(spec);
      if (!t.empty() && t.back() == '?') {
        p.optional = changed = true;
        spec = std::string(trim(t.substr(0, t.size() - 1)));
      }
    }
    std::string_view t = trim(spec);
    if (t.empty()) bad(offset, "parameter '" + name + "' needs a type");
    if (t.rfind("ident", 0) == 0 && (t.size() == 5 || t[5] == ' ' || t[5] == '\t')) {
      p.ident = true;
      p.type = "ident";
      std::string_view rest = trim(t.substr(5));
      if (!rest.empty()) {
        if (rest.rfind("oneof(", 0) != 0 || rest.back() != ')')
          bad(offset, "after ident only oneof(a, b, ...) may follow");
        std::string_view inner = rest.substr(6, rest.size() - 7);
        std::size_t s = 0;
        while (s <= inner.size()) {
          auto comma = inner.find(',', s);
          if (comma == std::string_view::npos) comma = inner.size();
          std::string item(trim(inner.substr(s, comma - s)));
          if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') && item.back() == item.front())
            item = item.substr(1, item.size() - 2);
          if (item.empty()) bad(offset, "empty name in oneof(...)");
          p.oneof.push_back(item);
          s = comma + 1;
        }
      }
      return p;
    }
    p.type = std::string(t);
    if (p.type == "any") return p;
    p.type_oid = type_oid_by_name(p.type);
    if (p.type_oid == oids::unspecified)
      bad(offset,
          "unknown type '" + p.type + "' for parameter '" + name +
              "' (built-in type names such as int8, text, uuid, timestamptz, int8[]; `any` lets the server infer it; "
              "`ident` for names)");
    return p;
  }

  const source_text& src_;
  const header_text& h_;
};

// ---- compile-time checks ----

auto is_whitespace_text(const node& n) -> bool {
  return n.kind == node_kind::text && n.text.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
}

class checker {
 public:
  checker(const source_text& src, template_impl& t) : src_(src), t_(t) {}

  void run() {
    structure();
    for (const auto& n : t_.root) walk_node(*n);
    placeholders();
    free_variables();
  }

 private:
  // extends first; nothing but blocks, sets, macros and imports in a child; unique blocks.
  void structure() {
    bool first = true;
    for (const auto& n : t_.root) {
      if (n->kind == node_kind::extends) {
        if (!first)
          fail(errc::syntax, "{% extends %} must be the first statement of the template", src_, n->pos, n->end);
        t_.extends = n->text;
        first = false;
        continue;
      }
      if (!is_whitespace_text(*n)) first = false;
    }
    if (!t_.extends.empty()) {
      for (const auto& n : t_.root) {
        switch (n->kind) {
          case node_kind::extends:
          case node_kind::block:
          case node_kind::set:
          case node_kind::set_block:
          case node_kind::macro:
          case node_kind::import:
          case node_kind::from_import: break;
          default:
            if (is_whitespace_text(*n)) break;
            fail(errc::syntax, "a template that extends another renders only its blocks; move this into a {% block %}",
                 src_, n->pos, n->end);
        }
      }
    }
  }

  void walk_body(const body& b) {
    for (const auto& n : b) walk_node(*n);
  }

  void walk_node(const node& n) {
    switch (n.kind) {
      case node_kind::include:
      case node_kind::import:
      case node_kind::from_import:
      case node_kind::extends:
        if (std::find(t_.references.begin(), t_.references.end(), n.text) == t_.references.end())
          t_.references.push_back(n.text);
        t_.refs.push_back(reference{n.text, n.kind, n.ignore_missing, n.with_context, n.pos, n.end});
        break;
      case node_kind::block:
        if (t_.find_block(n.text) != nullptr)
          fail(errc::syntax, "block '" + n.text + "' is defined twice", src_, n.pos, n.end);
        t_.blocks.emplace_back(n.text, &n);
        break;
      case node_kind::macro:
        for (const auto& p : n.params)
          if (p.default_value) walk_expr(*p.default_value);
        break;
      case node_kind::call_block:
        for (const auto& p : n.params)
          if (p.default_value) walk_expr(*p.default_value);
        break;
      default: break;
    }
    for (const auto& e : n.exprs) walk_expr(*e);
    for (const auto& b : n.bodies) walk_body(b);
  }

  // Resolves each filter against the filter table (the renderer calls the entry stored
  // here) and runs the entry's compile-time check.
  void walk_expr(expr& e) {
    if (e.kind == expr_kind::filter) {
      e.filter = find_filter(e.name);
      if (e.filter == nullptr) fail(errc::unknown_filter, unknown_filter_brief(e.name), src_, e.name_pos, e.name_end);
      if (e.filter->check != nullptr) e.filter->check(e, src_, t_);
    } else if (e.kind == expr_kind::test) {
      const auto& known = known_tests();
      if (std::find(known.begin(), known.end(), e.name) == known.end()) {
        const auto s = suggest(e.name, std::vector<std::string>(known.begin(), known.end()));
        fail(errc::unknown_test, "unknown test '" + e.name + "'" + (s.empty() ? "" : "; did you mean '" + s + "'?"),
             src_, e.name_pos, e.name_end);
      }
    } else if (e.kind == expr_kind::call && e.args[0]->kind == expr_kind::name) {
      const std::string& callee = e.args[0]->name;
      if (callee == "sql") {
        if (e.args.size() != 2 || !e.kwargs.empty() || e.star || e.args[1]->kind != expr_kind::literal ||
            e.args[1]->lit.kind() != value_kind::string)
          fail(errc::unsafe_interpolation, "sql(...) takes one string literal written in the template", src_, e.pos,
               e.end);
      } else if (callee == "columns") {
        if (e.args.size() < 2 || (e.args[1]->kind != expr_kind::name && !(e.args[1]->kind == expr_kind::literal &&
                                                                          e.args[1]->lit.kind() == value_kind::string)))
          fail(errc::filter_type, "columns(...) takes a model name, such as columns(User)", src_, e.pos, e.end);
      }
    }
    for (const auto& a : e.args) walk_expr(*a);
    for (const auto& [k, v] : e.kwargs) walk_expr(*v);
    if (e.star) walk_expr(*e.star);
  }

  // ---- placeholders inside SQL literals, in source order ----

  void placeholders() {
    sql_tracker tr;
    scan_body(t_.root, tr, !t_.extends.empty());
  }

  void scan_body(const body& b, sql_tracker& tr, bool child) {
    for (const auto& n : b) {
      switch (n->kind) {
        case node_kind::text: tr.feed(n->text); break;
        case node_kind::output: {
          const auto ctx = tr.context();
          if (ctx != sql_context::code) placeholder_error(ctx, *n->exprs[0], n->pos, n->end);
          tr.feed(" ");
          break;
        }
        case node_kind::macro:
        case node_kind::set_block:
        case node_kind::call_block: {
          sql_tracker inner;
          for (const auto& body_ : n->bodies) scan_body(body_, inner, false);
          break;
        }
        case node_kind::block:
          if (child) {
            sql_tracker inner;
            scan_body(n->bodies[0], inner, false);
          } else {
            scan_body(n->bodies[0], tr, false);
          }
          break;
        default:
          for (const auto& body_ : n->bodies) scan_body(body_, tr, false);
      }
    }
  }

  [[noreturn]] void placeholder_error(sql_context ctx, const expr& e, std::size_t pos, std::size_t end) {
    const std::string text = src_.text.substr(e.pos, e.end - e.pos);
    std::string msg = std::string("placeholder inside ") + describe(ctx);
    std::string hint;
    if (ctx == sql_context::string_literal) {
      msg += "; use {{ " + text + " | like(\"contains\") }} or '%' || {{ " + text + " }} || '%'";
    } else if (ctx == sql_context::quoted_identifier) {
      msg += "; write {{ " + text + " | ident }} outside the quotes";
    } else {
      msg += "; a value there would not be bound (move the expression out of the " +
             std::string(ctx == sql_context::dollar_quote ? "dollar quote" : "comment") + ")";
    }
    fail(errc::placeholder_in_literal, msg, src_, pos, end);
  }

  // ---- free variables ----

  struct scope_stack {
    std::vector<std::set<std::string>> frames{{}};
    [[nodiscard]] auto bound(const std::string& n) const -> bool {
      for (const auto& f : frames)
        if (f.count(n) != 0) return true;
      return false;
    }
    void bind(const std::string& n) { frames.back().insert(n); }
  };

  void free_variables() {
    scope_stack s;
    fv_body(t_.root, s);
    for (const auto& [name, pos] : first_use_) t_.free_vars.push_back(name);
    if (!t_.decl) return;
    const auto& d = *t_.decl;
    std::vector<std::string> declared;
    for (const auto& p : d.params) declared.push_back(p.name);
    for (const auto& [name, pos] : first_use_) {
      if (d.find(name) != nullptr) continue;
      const auto s2 = suggest(name, declared);
      fail(errc::undefined_variable,
           "'" + name + "' is not declared in the pgpx header" + (s2.empty() ? "" : "; did you mean '" + s2 + "'?"),
           src_, pos.first, pos.second);
    }
    // Unused declared parameters: only when no other template can read them.
    bool shares_context = !t_.extends.empty();
    std::function<void(const body&)> look = [&](const body& b) {
      for (const auto& n : b) {
        if (n->kind == node_kind::include && n->with_context) shares_context = true;
        if ((n->kind == node_kind::import || n->kind == node_kind::from_import) && n->with_context)
          shares_context = true;
        for (const auto& bb : n->bodies) look(bb);
      }
    };
    look(t_.root);
    if (shares_context) return;
    for (const auto& p : d.params) {
      if (first_use_.count(p.name) != 0) continue;
      const std::size_t off = src_.line_starts[static_cast<std::size_t>(p.line) - 1];
      const auto name_at = src_.text.find(p.name, off);
      fail(errc::declared_param_unused, "parameter '" + p.name + "' is declared but never used", src_,
           name_at == std::string::npos ? off : name_at,
           name_at == std::string::npos ? off + 1 : name_at + p.name.size());
    }
  }

  void use(const std::string& name, const expr& e, const scope_stack& s) {
    if (s.bound(name)) return;
    if (first_use_.count(name) == 0) first_use_.emplace(name, std::make_pair(e.pos, e.end));
  }

  void fv_expr(const expr& e, const scope_stack& s) {
    switch (e.kind) {
      case expr_kind::name: use(e.name, e, s); return;
      case expr_kind::call:
        if (e.args[0]->kind == expr_kind::name) {
          const std::string& callee = e.args[0]->name;
          // A call of an unbound name is a helper (range, sql, columns, registered ones),
          // not a variable. columns(Model) names a model, not a variable.
          if (s.bound(callee)) use(callee, *e.args[0], s);
          for (std::size_t i = 1; i < e.args.size(); ++i)
            if (!(callee == "columns" && i == 1)) fv_expr(*e.args[i], s);
          for (const auto& [k, v] : e.kwargs) fv_expr(*v, s);
          if (e.star) fv_expr(*e.star, s);
          return;
        }
        break;
      default: break;
    }
    for (const auto& a : e.args) fv_expr(*a, s);
    for (const auto& [k, v] : e.kwargs) fv_expr(*v, s);
    if (e.star) fv_expr(*e.star, s);
  }

  void fv_body(const body& b, scope_stack& s) {
    for (const auto& n : b) fv_node(*n, s);
  }

  void fv_node(const node& n, scope_stack& s) {
    switch (n.kind) {
      case node_kind::text: return;
      case node_kind::output: fv_expr(*n.exprs[0], s); return;
      case node_kind::if_:
        for (const auto& e : n.exprs) fv_expr(*e, s);
        for (const auto& b : n.bodies) fv_body(b, s);
        return;
      case node_kind::for_: {
        fv_expr(*n.exprs[0], s);
        s.frames.emplace_back();
        for (const auto& t : n.names) s.bind(t);
        s.bind("loop");
        if (n.exprs.size() > 1) fv_expr(*n.exprs[1], s);
        fv_body(n.bodies[0], s);
        s.frames.pop_back();
        if (n.has_else) fv_body(n.bodies[1], s);
        return;
      }
      case node_kind::set:
        fv_expr(*n.exprs[0], s);
        for (const auto& t : n.names) s.bind(t);
        return;
      case node_kind::set_block:
        s.frames.emplace_back();
        fv_body(n.bodies[0], s);
        s.frames.pop_back();
        s.bind(n.text);
        return;
      case node_kind::macro:
        s.bind(n.text);
        s.frames.emplace_back();
        for (const auto& p : n.params) {
          if (p.default_value) fv_expr(*p.default_value, s);
          s.bind(p.name);
        }
        s.bind("caller");
        fv_body(n.bodies[0], s);
        s.frames.pop_back();
        return;
      case node_kind::call_block:
        fv_expr(*n.exprs[0], s);
        s.frames.emplace_back();
        for (const auto& p : n.params) {
          if (p.default_value) fv_expr(*p.default_value, s);
          s.bind(p.name);
        }
        fv_body(n.bodies[0], s);
        s.frames.pop_back();
        return;
      case node_kind::import: s.bind(n.names[0]); return;
      case node_kind::from_import:
        for (const auto& a : n.aliases) s.bind(a);
        return;
      case node_kind::block:
        s.frames.emplace_back();
        s.bind("super");
        fv_body(n.bodies[0], s);
        s.frames.pop_back();
        return;
      case node_kind::include:
      case node_kind::extends: return;
      case node_kind::where:
      case node_kind::set_list:
      case node_kind::list: fv_body(n.bodies[0], s); return;
      case node_kind::keyset:
        for (const auto& e : n.exprs) fv_expr(*e, s);
        fv_body(n.bodies[0], s);
        return;
    }
  }

  const source_text& src_;
  template_impl& t_;
  std::map<std::string, std::pair<std::size_t, std::size_t>> first_use_;
};

}  // namespace

auto compile_template(std::string_view source, std::string name, const syntax_options& syntax)
    -> std::shared_ptr<const template_impl> {
  auto t = std::make_shared<template_impl>();
  t->src = std::make_shared<const source_text>(std::move(name), std::string(source));
  t->syntax = syntax;
  t->hash = fnv1a(source);
  const source_text& src = *t->src;
  if (source.find('\0') != std::string_view::npos)
    fail(errc::syntax, "a template cannot contain a NUL byte", src, source.find('\0'));
  auto lexed = lex(src, syntax);
  if (lexed.header) t->decl = header_parser(src, *lexed.header).parse();
  t->root = parse_tokens(src, std::move(lexed.tokens));
  checker(src, *t).run();
  return t;
}

}  // namespace pgpx::tmpl::detail
