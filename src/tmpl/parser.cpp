// The template parser: tokens to the statement and expression trees, following Jinja's
// grammar and operator precedence for the supported subset.
#include "ast_impl.hpp"
#include "lexer_impl.hpp"

#include <algorithm>
#include <set>
#include <string_view>

namespace pgpx::tmpl::detail {
namespace {

auto make_expr(expr_kind k, std::size_t pos, std::size_t end) -> expr_ptr {
  auto e = std::make_unique<expr>();
  e->kind = k;
  e->pos = pos;
  e->end = end;
  return e;
}

auto is_keyword_name(std::string_view n) -> bool {
  static constexpr std::string_view kw[] = {"and", "or", "not", "in", "is", "if", "else"};
  return std::find(std::begin(kw), std::end(kw), n) != std::end(kw);
}

constexpr std::string_view unsupported_statements[] = {"filter",    "do",       "with",  "autoescape", "trans",
                                                       "pluralize", "continue", "break", "print"};

class parser {
 public:
  // Computes a node's height from its children and refuses trees the engine would recurse too
  // deeply on (the renderer and the checks walk them recursively).
  auto seal(expr_ptr e) -> expr_ptr {
    int d = 0;
    for (const auto& a : e->args) d = std::max(d, a->depth);
    for (const auto& [k, v] : e->kwargs) d = std::max(d, v->depth);
    if (e->star) d = std::max(d, e->star->depth);
    e->depth = d + 1;
    if (e->depth > max_expression_depth)
      fail(errc::syntax, "expression nested more than " + std::to_string(max_expression_depth) + " levels deep", src_,
           e->pos, e->pos + 1);
    return e;
  }

  parser(const source_text& src, std::vector<token> toks) : src_(src), toks_(std::move(toks)) {}

  auto parse_template() -> body {
    std::string which;
    body b = parse_body({}, which, 0);
    return b;
  }

 private:
  // ---- token helpers ----
  [[nodiscard]] auto cur() const -> const token& { return toks_[i_]; }
  [[nodiscard]] auto peek(std::size_t n = 1) const -> const token& { return toks_[std::min(i_ + n, toks_.size() - 1)]; }
  auto next() -> const token& {
    const token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }
  [[nodiscard]] auto is_op(std::string_view op) const -> bool { return cur().kind == tok::op && cur().text == op; }
  [[nodiscard]] auto is_name(std::string_view n) const -> bool { return cur().kind == tok::name && cur().text == n; }
  auto skip_op(std::string_view op) -> bool {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  auto skip_name(std::string_view n) -> bool {
    if (!is_name(n)) return false;
    next();
    return true;
  }

  [[noreturn]] void unexpected(const std::string& wanted) const {
    const token& t = cur();
    std::string got;
    switch (t.kind) {
      case tok::eof: got = "end of template"; break;
      case tok::block_end: got = "end of statement"; break;
      case tok::var_end: got = "end of expression"; break;
      case tok::data: got = "text"; break;
      case tok::string: got = "string literal"; break;
      case tok::integer:
      case tok::floating: got = "number " + t.text; break;
      default: got = "'" + t.text + "'";
    }
    fail(errc::syntax, "expected " + wanted + ", got " + got, src_, t.pos, t.end);
  }
  void expect_op(std::string_view op) {
    if (!skip_op(op)) unexpected("'" + std::string(op) + "'");
  }
  auto expect_name() -> std::string {
    if (cur().kind != tok::name) unexpected("a name");
    return next().text;
  }
  void expect_block_end(std::string_view statement) {
    if (cur().kind != tok::block_end) unexpected("end of " + std::string(statement) + " statement");
    next();
  }
  auto expect_string() -> std::string {
    if (cur().kind != tok::string) unexpected("a template name in quotes");
    return next().text;
  }

  // ---- bodies and statements ----

  // Parses until a statement whose keyword is in `stop`; returns with the keyword as the
  // current token (the statement's block_begin consumed) and stores it in `which`.
  auto parse_body(std::initializer_list<std::string_view> stop, std::string& which, std::size_t opener) -> body {
    struct depth_guard {
      int& d;
      explicit depth_guard(int& x) : d(++x) {}
      ~depth_guard() { --d; }
      depth_guard(const depth_guard&) = delete;
      auto operator=(const depth_guard&) -> depth_guard& = delete;
    } guard(body_depth_);
    if (body_depth_ > max_statement_depth)
      fail(errc::syntax, "blocks nested more than " + std::to_string(max_statement_depth) + " levels deep", src_,
           toks_[opener].pos, toks_[opener].end);
    body out;
    for (;;) {
      const token& t = cur();
      if (t.kind == tok::eof) {
        if (stop.size() == 0) return out;
        std::string expected;
        for (auto s : stop) expected += (expected.empty() ? "" : " or ") + std::string("{% ") + std::string(s) + " %}";
        const token& open_tok = toks_[opener];
        fail(errc::syntax, "unclosed block: expected " + expected, src_, open_tok.pos, open_tok.end);
      }
      if (t.kind == tok::data) {
        auto n = std::make_unique<node>();
        n->kind = node_kind::text;
        n->pos = t.pos;
        n->end = t.end;
        n->text = t.text;
        out.push_back(std::move(n));
        next();
      } else if (t.kind == tok::var_begin) {
        auto n = std::make_unique<node>();
        n->kind = node_kind::output;
        n->pos = t.pos;
        next();
        n->exprs.push_back(parse_tuple(true));
        if (cur().kind != tok::var_end) unexpected("end of expression '}}'");
        n->end = cur().end;
        next();
        out.push_back(std::move(n));
      } else if (t.kind == tok::block_begin) {
        const std::size_t begin_index = i_;
        next();
        if (cur().kind != tok::name) unexpected("a statement name");
        const std::string kw = cur().text;
        for (auto s : stop)
          if (kw == s) {
            which = kw;
            return out;
          }
        out.push_back(parse_statement(kw, begin_index));
      } else {
        unexpected("text or a tag");
      }
    }
  }

  auto new_node(node_kind k, std::size_t begin_index) -> node_ptr {
    auto n = std::make_unique<node>();
    n->kind = k;
    n->pos = toks_[begin_index].pos;
    n->end = cur().end;
    return n;
  }

  // Closes a statement body: `{% endX [name] %}`.
  void end_statement(std::string_view end_kw) {
    next();  // the end keyword
    if (cur().kind == tok::name && end_kw != "endif" && end_kw != "endfor") next();  // optional repeated name
    expect_block_end(end_kw);
  }

  auto parse_statement(const std::string& kw, std::size_t begin_index) -> node_ptr {
    const token& kwt = cur();
    if (kw == "if") return parse_if(begin_index);
    if (kw == "for") return parse_for(begin_index);
    if (kw == "set") return parse_set(begin_index);
    if (kw == "macro") return parse_macro(begin_index);
    if (kw == "call") return parse_call(begin_index);
    if (kw == "include") return parse_include(begin_index);
    if (kw == "import") return parse_import(begin_index);
    if (kw == "from") return parse_from(begin_index);
    if (kw == "extends") return parse_extends(begin_index);
    if (kw == "block") return parse_block(begin_index);
    if (kw == "where" || kw == "having") return parse_helper(node_kind::where, kw, begin_index);
    if (kw == "set_list") return parse_helper(node_kind::set_list, kw, begin_index);
    if (kw == "list") return parse_helper(node_kind::list, kw, begin_index);
    if (kw == "keyset") return parse_keyset(begin_index);
    for (auto u : unsupported_statements)
      if (kw == u) fail(errc::syntax, "{% " + kw + " %} is not supported by pgpx templates", src_, kwt.pos, kwt.end);
    if (kw.rfind("end", 0) == 0)
      fail(errc::syntax, "unexpected {% " + kw + " %}: no open block to close", src_, kwt.pos, kwt.end);
    if (kw == "elif" || kw == "else")
      fail(errc::syntax, "unexpected {% " + kw + " %} outside an if or for block", src_, kwt.pos, kwt.end);
    if (kw == "raw") fail(errc::syntax, "malformed {% raw %} tag", src_, kwt.pos, kwt.end);
    fail(errc::syntax, "unknown statement '" + kw + "'", src_, kwt.pos, kwt.end);
  }

  auto parse_if(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::if_, begin_index);
    next();  // if
    for (;;) {
      n->exprs.push_back(parse_tuple(true));
      expect_block_end("if");
      std::string which;
      n->bodies.push_back(parse_body({"elif", "else", "endif"}, which, begin_index));
      if (which == "elif") {
        next();
        continue;
      }
      if (which == "else") {
        next();
        expect_block_end("else");
        n->bodies.push_back(parse_body({"endif"}, which, begin_index));
        n->has_else = true;
      }
      break;
    }
    end_statement("endif");
    return n;
  }

  auto parse_targets() -> std::vector<std::string> {
    std::vector<std::string> names;
    const bool paren = skip_op("(");
    for (;;) {
      if (cur().kind != tok::name || is_keyword_name(cur().text)) unexpected("a variable name");
      names.push_back(next().text);
      if (!skip_op(",")) break;
      if (paren && is_op(")")) break;
    }
    if (paren) expect_op(")");
    for (const auto& nm : names)
      if (nm.rfind("__", 0) == 0)
        fail(errc::syntax, "names starting with __ are not allowed", src_, cur().pos, cur().end);
    return names;
  }

  auto parse_for(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::for_, begin_index);
    next();  // for
    n->names = parse_targets();
    if (!skip_name("in")) unexpected("'in'");
    n->exprs.push_back(parse_tuple(false));
    if (skip_name("if")) n->exprs.push_back(parse_expression(true));
    if (is_name("recursive")) fail(errc::syntax, "recursive loops are not supported", src_, cur().pos, cur().end);
    expect_block_end("for");
    std::string which;
    n->bodies.push_back(parse_body({"else", "endfor"}, which, begin_index));
    if (which == "else") {
      next();
      expect_block_end("else");
      n->bodies.push_back(parse_body({"endfor"}, which, begin_index));
      n->has_else = true;
    }
    end_statement("endfor");
    return n;
  }

  auto parse_set(std::size_t begin_index) -> node_ptr {
    next();  // set
    const auto targets = parse_targets();
    if (skip_op("=")) {
      auto n = new_node(node_kind::set, begin_index);
      n->names = targets;
      n->exprs.push_back(parse_tuple(true));
      n->end = cur().end;
      expect_block_end("set");
      return n;
    }
    if (targets.size() != 1)
      fail(errc::syntax, "a {% set %} block assigns one name", src_, toks_[begin_index].pos, cur().end);
    auto n = new_node(node_kind::set_block, begin_index);
    n->text = targets[0];
    expect_block_end("set");
    std::string which;
    n->bodies.push_back(parse_body({"endset"}, which, begin_index));
    end_statement("endset");
    return n;
  }

  auto parse_params() -> std::vector<macro_param> {
    std::vector<macro_param> params;
    expect_op("(");
    bool seen_default = false;
    while (!is_op(")")) {
      if (!params.empty()) expect_op(",");
      if (is_op(")")) break;
      macro_param p;
      const token& t = cur();
      p.name = expect_name();
      if (is_keyword_name(p.name) || p.name.rfind("__", 0) == 0)
        fail(errc::syntax, "'" + p.name + "' cannot be a parameter name", src_, t.pos, t.end);
      for (const auto& q : params)
        if (q.name == p.name) fail(errc::syntax, "duplicate parameter '" + p.name + "'", src_, t.pos, t.end);
      if (skip_op("=")) {
        p.default_value = parse_expression(true);
        seen_default = true;
      } else if (seen_default) {
        fail(errc::syntax, "parameter '" + p.name + "' without a default follows one with a default", src_, t.pos,
             t.end);
      }
      params.push_back(std::move(p));
    }
    expect_op(")");
    return params;
  }

  auto parse_macro(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::macro, begin_index);
    next();  // macro
    const token& nt = cur();
    n->text = expect_name();
    if (n->text.rfind("__", 0) == 0) fail(errc::syntax, "names starting with __ are not allowed", src_, nt.pos, nt.end);
    n->params = parse_params();
    expect_block_end("macro");
    std::string which;
    n->bodies.push_back(parse_body({"endmacro"}, which, begin_index));
    end_statement("endmacro");
    return n;
  }

  auto parse_call(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::call_block, begin_index);
    next();  // call
    if (is_op("(")) n->params = parse_params();
    auto e = parse_expression(true);
    if (e->kind != expr_kind::call) fail(errc::syntax, "{% call %} needs a macro call", src_, e->pos, e->end);
    n->exprs.push_back(std::move(e));
    expect_block_end("call");
    std::string which;
    n->bodies.push_back(parse_body({"endcall"}, which, begin_index));
    end_statement("endcall");
    return n;
  }

  void parse_context_modifier(node& n) {
    if (is_name("with") || is_name("without")) {
      n.with_context = cur().text == "with";
      next();
      if (!skip_name("context")) unexpected("'context'");
    }
  }

  auto parse_include(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::include, begin_index);
    next();  // include
    n->text = expect_string();
    if (skip_name("ignore")) {
      if (!skip_name("missing")) unexpected("'missing'");
      n->ignore_missing = true;
    }
    parse_context_modifier(*n);
    n->end = cur().end;
    expect_block_end("include");
    return n;
  }

  auto parse_import(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::import, begin_index);
    next();  // import
    n->text = expect_string();
    if (!skip_name("as")) unexpected("'as'");
    n->names.push_back(expect_name());
    n->with_context = false;
    parse_context_modifier(*n);
    n->end = cur().end;
    expect_block_end("import");
    return n;
  }

  auto parse_from(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::from_import, begin_index);
    next();  // from
    n->text = expect_string();
    if (!skip_name("import")) unexpected("'import'");
    n->with_context = false;
    for (;;) {
      if (is_name("with") || is_name("without")) break;
      const token& t = cur();
      const std::string name = expect_name();
      if (name.rfind("_", 0) == 0)
        fail(errc::syntax, "names starting with _ are private to their template and cannot be imported", src_, t.pos,
             t.end);
      n->names.push_back(name);
      n->aliases.push_back(skip_name("as") ? expect_name() : name);
      if (!skip_op(",")) break;
    }
    parse_context_modifier(*n);
    n->end = cur().end;
    expect_block_end("from");
    return n;
  }

  auto parse_extends(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::extends, begin_index);
    next();  // extends
    n->text = expect_string();
    n->end = cur().end;
    expect_block_end("extends");
    return n;
  }

  auto parse_block(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::block, begin_index);
    next();  // block
    n->text = expect_name();
    if (is_name("scoped") || is_name("required"))
      fail(errc::syntax, "'" + cur().text + "' blocks are not supported", src_, cur().pos, cur().end);
    expect_block_end("block");
    std::string which;
    n->bodies.push_back(parse_body({"endblock"}, which, begin_index));
    next();  // endblock
    if (cur().kind == tok::name) {
      if (cur().text != n->text)
        fail(errc::syntax, "{% endblock " + cur().text + " %} closes block '" + n->text + "'", src_, cur().pos,
             cur().end);
      next();
    }
    expect_block_end("endblock");
    return n;
  }

  auto parse_helper(node_kind k, const std::string& kw, std::size_t begin_index) -> node_ptr {
    auto n = new_node(k, begin_index);
    n->text = kw;
    next();  // keyword
    n->empty_policy = k == node_kind::set_list ? "error" : "skip";
    n->sep = ", ";
    while (cur().kind == tok::name) {
      const token& t = cur();
      const std::string opt = next().text;
      expect_op("=");
      if (cur().kind != tok::string) unexpected("a string");
      const std::string v = next().text;
      if (opt == "sep" && k == node_kind::list) {
        if (v.find_first_not_of(" \t\n") == std::string::npos)
          fail(errc::syntax, "the separator must contain more than white space", src_, t.pos, cur().end);
        n->sep = v;
      } else if (opt == "empty" && k != node_kind::where) {
        if (v != "error" && v != "skip")
          fail(errc::syntax, "empty=\"" + v + "\": use \"error\" or \"skip\"", src_, t.pos, cur().end);
        n->empty_policy = v;
      } else {
        fail(errc::syntax, "unknown option '" + opt + "' of {% " + kw + " %}", src_, t.pos, t.end);
      }
    }
    expect_block_end(kw);
    std::string which;
    const std::string end_kw = "end" + kw;
    n->bodies.push_back(parse_body({end_kw}, which, begin_index));
    end_statement(end_kw);
    return n;
  }

  // {% keyset after=cursor by=["created_at", "id"] dir="DESC" %} conditions {% endkeyset %}
  auto parse_keyset(std::size_t begin_index) -> node_ptr {
    auto n = new_node(node_kind::keyset, begin_index);
    n->text = "keyset";
    next();  // keyset
    while (cur().kind == tok::name) {
      const token& t = cur();
      const std::string opt = next().text;
      if (opt != "after" && opt != "by" && opt != "dir")
        fail(errc::syntax, "unknown option '" + opt + "' of {% keyset %} (after, by, dir)", src_, t.pos, t.end);
      if (std::find(n->names.begin(), n->names.end(), opt) != n->names.end())
        fail(errc::syntax, "option '" + opt + "' given twice", src_, t.pos, t.end);
      expect_op("=");
      n->names.push_back(opt);
      n->exprs.push_back(parse_expression(true));
    }
    if (std::find(n->names.begin(), n->names.end(), "by") == n->names.end())
      fail(errc::syntax, "{% keyset %} needs by=[\"column\", ...]", src_, toks_[begin_index].pos, cur().end);
    if (std::find(n->names.begin(), n->names.end(), "after") == n->names.end())
      fail(errc::syntax, "{% keyset %} needs after=cursor (none for the first page)", src_, toks_[begin_index].pos,
           cur().end);
    expect_block_end("keyset");
    std::string which;
    n->bodies.push_back(parse_body({"endkeyset"}, which, begin_index));
    end_statement("endkeyset");
    return n;
  }

  // ---- expressions ----

  // An expression, or several separated by commas (a tuple, which is a list here).
  auto parse_tuple(bool with_condexpr) -> expr_ptr {
    const std::size_t pos = cur().pos;
    auto first = parse_expression(with_condexpr);
    if (!is_op(",")) return first;
    auto list = make_expr(expr_kind::list, pos, first->end);
    list->args.push_back(std::move(first));
    while (skip_op(",")) {
      if (cur().kind == tok::var_end || cur().kind == tok::block_end || is_op(")")) break;
      list->args.push_back(parse_expression(with_condexpr));
    }
    list->end = list->args.back()->end;
    return seal(std::move(list));
  }

  auto parse_expression(bool with_condexpr) -> expr_ptr {
    auto e = parse_or();
    if (!with_condexpr) return e;
    while (is_name("if")) {
      next();
      auto test = parse_or();
      if (!skip_name("else"))
        fail(errc::syntax, "a conditional expression needs an else: x if cond else y", src_, e->pos, test->end);
      auto other = parse_expression(true);
      auto c = make_expr(expr_kind::cond, e->pos, other->end);
      c->args.push_back(std::move(e));
      c->args.push_back(std::move(test));
      c->args.push_back(std::move(other));
      e = seal(std::move(c));
    }
    return e;
  }

  auto binary(std::string op, expr_ptr l, expr_ptr r) -> expr_ptr {
    auto b = make_expr(expr_kind::binary, l->pos, r->end);
    b->name = std::move(op);
    b->args.push_back(std::move(l));
    b->args.push_back(std::move(r));
    return seal(std::move(b));
  }

  auto parse_or() -> expr_ptr {
    auto l = parse_and();
    while (skip_name("or")) l = binary("or", std::move(l), parse_and());
    return l;
  }
  auto parse_and() -> expr_ptr {
    auto l = parse_not();
    while (skip_name("and")) l = binary("and", std::move(l), parse_not());
    return l;
  }
  // Bounds the parser's own recursion (nested parentheses, unary operators, `not`).
  class nesting {
   public:
    explicit nesting(parser& p) : p_(p) {
      if (++p_.nesting_ > 2 * max_expression_depth)
        fail(errc::syntax, "expression nested more than " + std::to_string(max_expression_depth) + " levels deep",
             p_.src_, p_.cur().pos, p_.cur().end);
    }
    ~nesting() { --p_.nesting_; }
    nesting(const nesting&) = delete;
    auto operator=(const nesting&) -> nesting& = delete;

   private:
    parser& p_;
  };

  auto parse_not() -> expr_ptr {
    const nesting guard(*this);
    if (is_name("not")) {
      const std::size_t pos = next().pos;
      auto inner = parse_not();
      auto u = make_expr(expr_kind::unary, pos, inner->end);
      u->name = "not";
      u->args.push_back(std::move(inner));
      return seal(std::move(u));
    }
    return parse_compare();
  }
  auto parse_compare() -> expr_ptr {
    auto first = parse_math1();
    expr_ptr cmp;
    for (;;) {
      std::string op;
      if (cur().kind == tok::op && (cur().text == "==" || cur().text == "!=" || cur().text == "<" ||
                                    cur().text == "<=" || cur().text == ">" || cur().text == ">=")) {
        op = next().text;
      } else if (is_name("in")) {
        next();
        op = "in";
      } else if (is_name("not") && peek().kind == tok::name && peek().text == "in") {
        next();
        next();
        op = "not in";
      } else {
        break;
      }
      if (!cmp) {
        cmp = make_expr(expr_kind::compare, first->pos, first->end);
        cmp->args.push_back(std::move(first));
      }
      cmp->ops.push_back(op);
      cmp->args.push_back(parse_math1());
      cmp->end = cmp->args.back()->end;
    }
    return cmp ? seal(std::move(cmp)) : std::move(first);
  }
  auto parse_math1() -> expr_ptr {
    auto l = parse_concat();
    while (is_op("+") || is_op("-")) {
      const std::string op = next().text;
      l = binary(op, std::move(l), parse_concat());
    }
    return l;
  }
  auto parse_concat() -> expr_ptr {
    auto l = parse_math2();
    while (skip_op("~")) l = binary("~", std::move(l), parse_math2());
    return l;
  }
  auto parse_math2() -> expr_ptr {
    auto l = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const std::string op = next().text;
      l = binary(op, std::move(l), parse_pow());
    }
    return l;
  }
  auto parse_pow() -> expr_ptr {
    auto l = parse_unary(true);
    while (skip_op("**")) l = binary("**", std::move(l), parse_unary(true));
    return l;
  }
  auto parse_unary(bool with_filter) -> expr_ptr {
    const nesting guard(*this);
    expr_ptr e;
    if (is_op("-") || is_op("+")) {
      const token& t = next();
      auto inner = parse_unary(false);
      e = make_expr(expr_kind::unary, t.pos, inner->end);
      e->name = t.text;
      e->args.push_back(std::move(inner));
      e = seal(std::move(e));
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filter_expr(std::move(e));
    return e;
  }

  auto parse_primary() -> expr_ptr {
    const token& t = cur();
    switch (t.kind) {
      case tok::name: {
        next();
        if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
          auto e = make_expr(expr_kind::literal, t.pos, t.end);
          e->lit = value(t.text == "true" || t.text == "True");
          return e;
        }
        if (t.text == "none" || t.text == "None") return make_expr(expr_kind::literal, t.pos, t.end);
        if (t.text.rfind("__", 0) == 0)
          fail(errc::syntax, "names starting with __ are not allowed", src_, t.pos, t.end);
        if (is_keyword_name(t.text)) fail(errc::syntax, "unexpected '" + t.text + "'", src_, t.pos, t.end);
        auto e = make_expr(expr_kind::name, t.pos, t.end);
        e->name = t.text;
        return e;
      }
      case tok::string: {
        std::string s = t.text;
        std::size_t end = t.end;
        next();
        while (cur().kind == tok::string) {  // adjacent literals concatenate, as in Jinja
          s += cur().text;
          end = cur().end;
          next();
        }
        auto e = make_expr(expr_kind::literal, t.pos, end);
        e->lit = value(std::move(s));
        return e;
      }
      case tok::integer: {
        next();
        auto e = make_expr(expr_kind::literal, t.pos, t.end);
        e->lit = value(t.ival);
        return e;
      }
      case tok::floating: {
        next();
        auto e = make_expr(expr_kind::literal, t.pos, t.end);
        e->lit = value(t.fval);
        return e;
      }
      case tok::op:
        if (t.text == "(") {
          const std::size_t pos = next().pos;
          if (is_op(")")) {
            const std::size_t end = next().end;
            return make_expr(expr_kind::list, pos, end);
          }
          auto inner = parse_tuple(true);
          if (!is_op(")")) unexpected("')'");
          inner->pos = pos;
          inner->end = next().end;
          return inner;
        }
        if (t.text == "[") {
          auto e = make_expr(expr_kind::list, next().pos, 0);
          while (!is_op("]")) {
            if (!e->args.empty()) expect_op(",");
            if (is_op("]")) break;
            e->args.push_back(parse_expression(true));
          }
          e->end = next().end;
          return seal(std::move(e));
        }
        if (t.text == "{") {
          auto e = make_expr(expr_kind::dict, next().pos, 0);
          while (!is_op("}")) {
            if (!e->args.empty()) expect_op(",");
            if (is_op("}")) break;
            e->args.push_back(parse_expression(true));
            expect_op(":");
            e->args.push_back(parse_expression(true));
          }
          e->end = next().end;
          return seal(std::move(e));
        }
        break;
      default: break;
    }
    unexpected("an expression");
  }

  auto parse_postfix(expr_ptr e) -> expr_ptr {
    for (;;) {
      if (is_op(".")) {
        next();
        const token& t = cur();
        if (t.kind == tok::name) {
          if (t.text.rfind("_", 0) == 0)
            fail(errc::syntax, "attributes starting with _ are not accessible", src_, t.pos, t.end);
          auto g = make_expr(expr_kind::getattr, e->pos, t.end);
          g->name = t.text;
          g->args.push_back(std::move(e));
          e = seal(std::move(g));
          next();
        } else if (t.kind == tok::integer) {
          auto idx = make_expr(expr_kind::literal, t.pos, t.end);
          idx->lit = value(t.ival);
          auto g = make_expr(expr_kind::getitem, e->pos, t.end);
          g->args.push_back(std::move(e));
          g->args.push_back(std::move(idx));
          e = seal(std::move(g));
          next();
        } else {
          unexpected("an attribute name");
        }
      } else if (is_op("[")) {
        next();
        if (is_op(":")) fail(errc::syntax, "slices are not supported", src_, cur().pos, cur().end);
        auto idx = parse_expression(true);
        if (is_op(":")) fail(errc::syntax, "slices are not supported", src_, cur().pos, cur().end);
        if (!is_op("]")) unexpected("']'");
        auto g = make_expr(expr_kind::getitem, e->pos, cur().end);
        next();
        g->args.push_back(std::move(e));
        g->args.push_back(std::move(idx));
        e = seal(std::move(g));
      } else if (is_op("(")) {
        e = parse_call_args(std::move(e), expr_kind::call, "");
      } else {
        return e;
      }
    }
  }

  // Parses `(args, kw=..., *star)` into a call/filter/test node whose args[0] is `subject`.
  auto parse_call_args(expr_ptr subject, expr_kind k, std::string name) -> expr_ptr {
    auto c = make_expr(k, subject->pos, 0);
    c->name = std::move(name);
    c->args.push_back(std::move(subject));
    expect_op("(");
    bool first = true;
    while (!is_op(")")) {
      if (!first) expect_op(",");
      first = false;
      if (is_op(")")) break;
      if (is_op("*")) {
        const token& st = next();
        if (c->star) fail(errc::syntax, "only one *argument is allowed", src_, st.pos, st.end);
        c->star = parse_expression(true);
        continue;
      }
      if (is_op("**")) fail(errc::syntax, "**kwargs are not supported", src_, cur().pos, cur().end);
      if (cur().kind == tok::name && peek().kind == tok::op && peek().text == "=") {
        std::string key = next().text;
        next();  // =
        for (const auto& [k2, v2] : c->kwargs)
          if (k2 == key)
            fail(errc::syntax, "argument '" + key + "' given twice", src_, toks_[i_ - 2].pos, toks_[i_ - 1].end);
        c->kwargs.emplace_back(std::move(key), parse_expression(true));
      } else {
        if (!c->kwargs.empty())
          fail(errc::syntax, "a positional argument follows a keyword argument", src_, cur().pos, cur().end);
        c->args.push_back(parse_expression(true));
      }
    }
    c->end = cur().end;
    next();  // )
    return seal(std::move(c));
  }

  auto parse_filter_expr(expr_ptr e) -> expr_ptr {
    for (;;) {
      if (is_op("|")) {
        next();
        const token& t = cur();
        if (t.kind != tok::name) unexpected("a filter name");
        next();
        if (is_op("(")) {
          e = parse_call_args(std::move(e), expr_kind::filter, t.text);
        } else {
          auto f = make_expr(expr_kind::filter, e->pos, t.end);
          f->name = t.text;
          f->args.push_back(std::move(e));
          e = seal(std::move(f));
        }
        e->name_pos = t.pos;  // where the filter name is, for errors
        e->name_end = t.end;
      } else if (is_name("is")) {
        next();
        const bool negated = skip_name("not");
        const token& t = cur();
        if (t.kind != tok::name) unexpected("a test name");
        next();
        expr_ptr test;
        if (is_op("(")) {
          test = parse_call_args(std::move(e), expr_kind::test, t.text);
        } else if ((cur().kind == tok::name && !is_keyword_name(cur().text)) || cur().kind == tok::string ||
                   cur().kind == tok::integer || cur().kind == tok::floating || is_op("[") || is_op("{")) {
          // One argument without parentheses: `x is divisibleby 3`.
          test = make_expr(expr_kind::test, e->pos, 0);
          test->name = t.text;
          test->args.push_back(std::move(e));
          auto arg = parse_postfix(parse_primary());
          test->end = arg->end;
          test->args.push_back(std::move(arg));
        } else {
          test = make_expr(expr_kind::test, e->pos, t.end);
          test->name = t.text;
          test->args.push_back(std::move(e));
        }
        test = seal(std::move(test));
        test->negated = negated;
        test->name_pos = t.pos;
        test->name_end = t.end;
        e = std::move(test);
      } else if (is_op("(")) {
        e = parse_call_args(std::move(e), expr_kind::call, "");
      } else {
        return e;
      }
    }
  }

  const source_text& src_;
  std::vector<token> toks_;
  std::size_t i_ = 0;
  int body_depth_ = 0;
  int nesting_ = 0;
};

}  // namespace

auto parse_tokens(const source_text& src, std::vector<token> tokens) -> body {
  return parser(src, std::move(tokens)).parse_template();
}

}  // namespace pgpx::tmpl::detail
