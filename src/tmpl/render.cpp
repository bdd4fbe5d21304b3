// The renderer: statements, scopes, inheritance, includes, imports, macros, expressions.
#include "access_impl.hpp"
#include "render_impl.hpp"
#include "sql_state_impl.hpp"

#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/detail/strings.hpp>
#include <pgpx/types/numeric.hpp>
#include <pgpx/types/uuid.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace pgpx::tmpl::detail {

auto frames_of(const stack_ptr& s) -> std::vector<stack_frame> {
  std::vector<stack_frame> out;
  for (const stack_node* n = s.get(); n != nullptr; n = n->parent.get()) out.push_back(n->frame);
  return out;
}

namespace {

// Restores a member on scope exit.
template <class T>
class restore {
 public:
  explicit restore(T& ref) : ref_(ref), saved_(ref) {}
  ~restore() { ref_ = std::move(saved_); }
  restore(const restore&) = delete;
  auto operator=(const restore&) -> restore& = delete;

 private:
  T& ref_;
  T saved_;
};

auto as_fragment(const value& v) -> const fragment* {
  if (v.kind() != value_kind::fragment) return nullptr;
  return static_cast<const fragment*>(value_access::engine(v)->get());
}

auto as_callable(const value& v) -> const callable* {
  if (v.kind() != value_kind::callable) return nullptr;
  return static_cast<const callable*>(value_access::engine(v)->get());
}

auto is_identifier_like(std::string_view s) -> bool {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

auto check_add(std::int64_t a, std::int64_t b, bool& ok) -> std::int64_t {
  std::int64_t r = 0;
  ok = !__builtin_add_overflow(a, b, &r);
  return r;
}
auto check_sub(std::int64_t a, std::int64_t b, bool& ok) -> std::int64_t {
  std::int64_t r = 0;
  ok = !__builtin_sub_overflow(a, b, &r);
  return r;
}
auto check_mul(std::int64_t a, std::int64_t b, bool& ok) -> std::int64_t {
  std::int64_t r = 0;
  ok = !__builtin_mul_overflow(a, b, &r);
  return r;
}

auto is_number(const value& v) -> bool {
  return v.kind() == value_kind::integer || v.kind() == value_kind::floating || v.kind() == value_kind::boolean;
}
auto num(const value& v) -> double {
  if (v.kind() == value_kind::boolean) return v.as_bool() ? 1 : 0;
  return v.as_double();
}
auto int_of(const value& v) -> std::int64_t {
  if (v.kind() == value_kind::boolean) return v.as_bool() ? 1 : 0;
  return v.as_int();
}
auto is_int_like(const value& v) -> bool { return v.kind() == value_kind::integer || v.kind() == value_kind::boolean; }

// Python's ordering for <, <=, >, >=: numbers, strings, lists; anything else is an error.
auto order(const value& a, const value& b, bool& ok) -> int {
  ok = true;
  if (is_number(a) && is_number(b)) {
    if (is_int_like(a) && is_int_like(b)) {
      const auto x = int_of(a), y = int_of(b);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const double x = num(a), y = num(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.kind() == value_kind::string && b.kind() == value_kind::string) {
    const int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.kind() == value_kind::list && b.kind() == value_kind::list) {
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equal_values(x[i], y[i])) continue;
      return order(x[i], y[i], ok);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  ok = false;
  return 0;
}

}  // namespace

// ---- value helpers ----

auto truthy_value(const value& v) -> bool {
  switch (v.kind()) {
    case value_kind::null: return false;
    case value_kind::boolean: return v.as_bool();
    case value_kind::integer: return v.as_int() != 0;
    case value_kind::floating: return v.as_double() != 0.0;
    case value_kind::string: return !v.as_string().empty();
    case value_kind::list: return !v.as_list().empty();
    case value_kind::map: return !v.as_map().empty();
    case value_kind::fragment: return !as_fragment(v)->parts.empty();
    default: return true;
  }
}

auto equal_values(const value& a, const value& b) -> bool {
  if (is_number(a) && is_number(b)) {
    if (is_int_like(a) && is_int_like(b)) return int_of(a) == int_of(b);
    return num(a) == num(b);
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case value_kind::null: return true;
    case value_kind::string: return a.as_string() == b.as_string();
    case value_kind::list: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!equal_values(x[i], y[i])) return false;
      return true;
    }
    case value_kind::map: {
      const auto& x = a.as_map();
      const auto& y = b.as_map();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x) {
        const value* o = b.find(k);
        if (o == nullptr || !equal_values(v, *o)) return false;
      }
      return true;
    }
    case value_kind::typed: return a.as_typed() == b.as_typed();
    default: return value_access::engine(a)->get() == value_access::engine(b)->get();
  }
}

auto secret_looking(std::string_view name) -> bool {
  if (is_secret_name(name)) return true;
  std::string n;
  for (char c : name) n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return n.find("email") != std::string::npos || n.find("e_mail") != std::string::npos;
}

// ---- the renderer ----

renderer::renderer(const render_options& options, const loader* templates, const vars& variables,
                   const std::shared_ptr<const template_impl>& root)
    : opt_(options), loader_(templates), host_vars_(variables), root_(root) {}

// A macro captures the scope it is defined in, and that scope holds the macro: clear every
// callable's captures so that the scopes and templates are freed.
renderer::~renderer() {
  for (auto& c : callables_) c->fn = nullptr;
}

auto renderer::track(std::shared_ptr<callable> c) -> value {
  callables_.push_back(c);
  return value_access::from_engine(std::move(c), value_kind::callable);
}

void renderer::error(errc code, const std::string& brief, const source_text& src, std::size_t pos, std::size_t end,
                     std::string hint) const {
  throw template_error(code, brief, src.position(pos), src.snippet(pos, end), frames_of(stack_), std::move(hint));
}

void renderer::error_at(errc code, const std::string& brief, const expr& e, std::string hint) const {
  error(code, brief, *cur_src_, e.pos, e.end, std::move(hint));
}

auto renderer::expr_text(const expr& e) const -> std::string {
  std::string t = cur_src_->text.substr(e.pos, e.end - e.pos);
  if (t.size() > 64) t = t.substr(0, 61) + "...";
  return t;
}

void renderer::count_iterations(std::size_t n, const expr& where) {
  iterations_ += n;
  if (iterations_ > opt_.limits.max_loop_iterations)
    error_at(errc::render_limit_exceeded,
             "more than " + std::to_string(opt_.limits.max_loop_iterations) + " loop iterations in one render", where);
}

auto renderer::visible_names(const scope_ptr& sc) const -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const scope* s = sc.get(); s != nullptr; s = s->parent.get()) {
    for (const auto& [k, v] : s->locals) out.push_back(k);
    if (s->host != nullptr)
      for (const auto& [k, v] : *s->host) out.push_back(k);
    if (s->absent != nullptr)
      for (const auto& k : *s->absent) out.push_back(k);
  }
  return out;
}

void renderer::require_defined(const rv& r, const expr& e) const {
  if (!r.undefined) return;
  const std::string s = suggest(
      r.missing.substr(r.missing.find_last_of(".[") == std::string::npos ? 0 : r.missing.find_last_of(".[") + 1),
      r.candidates);
  std::string msg = "'" + r.missing + "' is undefined";
  if (!s.empty()) msg += "; did you mean '" + s + "'?";
  error_at(errc::undefined_variable, msg, e);
}

auto renderer::lookup(const std::string& name, const scope_ptr& sc) -> rv {
  const declaration* decl = root_->decl ? &*root_->decl : nullptr;
  for (scope* s = sc.get(); s != nullptr; s = s->parent.get()) {
    if (value* v = s->find_local(name)) {
      rv r;
      r.v = *v;
      r.path = name;
      return r;
    }
    if (s->host != nullptr) {
      if (auto it = s->host->find(name); it != s->host->end()) {
        rv r;
        r.v = it->second;
        r.path = name;
        r.from_host = true;
        if (decl != nullptr && (r.decl = decl->find(name)) != nullptr) r.type = r.decl->type_oid;
        return r;
      }
    }
    if (s->absent != nullptr && std::find(s->absent->begin(), s->absent->end(), name) != s->absent->end()) {
      rv r;
      r.absent_optional = true;
      r.path = name;
      r.from_host = true;
      if (decl != nullptr && (r.decl = decl->find(name)) != nullptr) r.type = r.decl->type_oid;
      return r;
    }
  }
  rv r;
  r.undefined = true;
  r.missing = name;
  r.candidates = visible_names(sc);
  return r;
}

auto renderer::truthy(const rv& r, const expr& e) -> bool {
  require_defined(r, e);
  if (r.absent_optional) return false;
  return truthy_value(r.v);
}

auto renderer::eval_value(const expr& e, const scope_ptr& sc) -> value {
  rv r = eval(e, sc);
  require_defined(r, e);
  return r.v;
}

auto renderer::eval(const expr& e, const scope_ptr& sc) -> rv {
  switch (e.kind) {
    case expr_kind::literal: {
      rv r;
      r.v = e.lit;
      return r;
    }
    case expr_kind::name: return lookup(e.name, sc);
    case expr_kind::getattr:
    case expr_kind::getitem: {
      rv base = eval(*e.args[0], sc);
      if (base.undefined) {
        base.missing += e.kind == expr_kind::getattr ? "." + e.name : "[...]";
        base.candidates.clear();
        return base;
      }
      rv out;
      out.from_host = base.from_host;
      std::string key;
      std::int64_t index = 0;
      bool by_key = true;
      std::string step;
      if (e.kind == expr_kind::getattr) {
        key = e.name;
        step = "." + key;
      } else {
        const value idx = eval_value(*e.args[1], sc);
        const bool literal = e.args[1]->kind == expr_kind::literal;
        if (idx.kind() == value_kind::string) {
          key = idx.as_string();
          step = is_identifier_like(key) ? "." + key : "[\"" + key + "\"]";
        } else if (idx.kind() == value_kind::integer) {
          by_key = false;
          index = idx.as_int();
          step = "[" + std::to_string(index) + "]";
        } else {
          error_at(errc::filter_type, "an index must be a string or an int, not " + std::string(to_string(idx.kind())),
                   *e.args[1]);
        }
        if (!literal) out.from_host = false;
      }
      out.path = base.path.empty() ? std::string() : base.path + step;
      if (!out.from_host) out.path.clear();
      out.missing = (base.path.empty() ? expr_text(*e.args[0]) : base.path) + step;
      const value& b = base.v;
      if (by_key && b.kind() == value_kind::map) {
        if (const value* v = b.find(key)) {
          out.v = *v;
          return out;
        }
        for (const auto& [k, v] : b.as_map()) out.candidates.push_back(k);
      } else if (!by_key && (b.kind() == value_kind::list || b.kind() == value_kind::string)) {
        if (b.kind() == value_kind::list) {
          const auto n = static_cast<std::int64_t>(b.as_list().size());
          const auto i = index < 0 ? index + n : index;
          if (i >= 0 && i < n) {
            out.v = b.as_list()[static_cast<std::size_t>(i)];
            return out;
          }
        } else {
          const auto cps = code_points(b.as_string());
          const auto n = static_cast<std::int64_t>(cps.size());
          const auto i = index < 0 ? index + n : index;
          if (i >= 0 && i < n) {
            out.v = value(cps[static_cast<std::size_t>(i)]);
            out.path.clear();
            return out;
          }
        }
      }
      out.undefined = true;
      out.path.clear();
      return out;
    }
    case expr_kind::list: {
      std::vector<value> items;
      items.reserve(e.args.size());
      for (const auto& a : e.args) items.push_back(eval_value(*a, sc));
      rv r;
      r.v = value(std::move(items));
      return r;
    }
    case expr_kind::dict: {
      map_entries entries;
      for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
        value k = eval_value(*e.args[i], sc);
        if (k.kind() != value_kind::string)
          error_at(errc::filter_type, "map keys must be strings, not " + std::string(to_string(k.kind())), *e.args[i]);
        entries.emplace_back(k.as_string(), eval_value(*e.args[i + 1], sc));
      }
      rv r;
      r.v = value::map(std::move(entries));
      return r;
    }
    case expr_kind::unary: {
      if (e.name == "not") {
        rv r;
        r.v = value(!truthy(eval(*e.args[0], sc), *e.args[0]));
        return r;
      }
      const value v = eval_value(*e.args[0], sc);
      rv r;
      if (v.kind() == value_kind::integer || v.kind() == value_kind::boolean) {
        const auto i = int_of(v);
        if (e.name == "-") {
          if (i == std::numeric_limits<std::int64_t>::min()) error_at(errc::invalid_value, "integer overflow", e);
          r.v = value(-i);
        } else {
          r.v = value(i);
        }
      } else if (v.kind() == value_kind::floating) {
        r.v = value(e.name == "-" ? -v.as_double() : v.as_double());
      } else {
        error_at(errc::filter_type, "bad operand for unary " + e.name + ": " + std::string(to_string(v.kind())), e);
      }
      return r;
    }
    case expr_kind::binary: return binary(e, sc);
    case expr_kind::compare: return compare(e, sc);
    case expr_kind::cond: return truthy(eval(*e.args[1], sc), *e.args[1]) ? eval(*e.args[0], sc) : eval(*e.args[2], sc);
    case expr_kind::filter: return apply_filter(e, sc);
    case expr_kind::test: {
      rv r;
      r.v = value(apply_test(e, sc));
      return r;
    }
    case expr_kind::call: return call(e, sc);
  }
  return {};
}

auto renderer::binary(const expr& e, const scope_ptr& sc) -> rv {
  const std::string& op = e.name;
  if (op == "and" || op == "or") {
    rv l = eval(*e.args[0], sc);
    const bool t = truthy(l, *e.args[0]);
    if ((op == "and") != t) return l;
    return eval(*e.args[1], sc);
  }
  const value a = eval_value(*e.args[0], sc);
  const value b = eval_value(*e.args[1], sc);
  rv r;
  auto type_error = [&]() -> void {
    error_at(errc::filter_type,
             "unsupported operand types for " + op + ": " + std::string(to_string(a.kind())) + " and " +
                 std::string(to_string(b.kind())),
             e);
  };
  if (op == "~") {
    if (a.kind() == value_kind::fragment || b.kind() == value_kind::fragment || a.kind() == value_kind::callable ||
        b.kind() == value_kind::callable)
      error_at(errc::filter_type, "~ joins values, not SQL fragments; write the fragments next to each other", e);
    r.v = value(python_str(a) + python_str(b));
    return r;
  }
  if (op == "+" && a.kind() == value_kind::string && b.kind() == value_kind::string) {
    r.v = value(a.as_string() + b.as_string());
    return r;
  }
  if (op == "+" && a.kind() == value_kind::list && b.kind() == value_kind::list) {
    auto items = a.as_list();
    items.insert(items.end(), b.as_list().begin(), b.as_list().end());
    count_iterations(0, e);
    r.v = value(std::move(items));
    return r;
  }
  if (op == "*" &&
      ((a.kind() == value_kind::string && is_int_like(b)) || (is_int_like(a) && b.kind() == value_kind::string) ||
       (a.kind() == value_kind::list && is_int_like(b)) || (is_int_like(a) && b.kind() == value_kind::list))) {
    const value& seq = is_int_like(a) ? b : a;
    const std::int64_t n = std::max<std::int64_t>(0, int_of(is_int_like(a) ? a : b));
    const std::size_t unit = seq.kind() == value_kind::string ? seq.as_string().size() : seq.as_list().size();
    if (unit != 0 && static_cast<std::uint64_t>(n) > opt_.limits.max_output_bytes / unit)
      error_at(errc::render_limit_exceeded, "repetition result too large", e);
    if (seq.kind() == value_kind::string) {
      std::string s;
      for (std::int64_t i = 0; i < n; ++i) s += seq.as_string();
      r.v = value(std::move(s));
    } else {
      std::vector<value> items;
      for (std::int64_t i = 0; i < n; ++i) items.insert(items.end(), seq.as_list().begin(), seq.as_list().end());
      r.v = value(std::move(items));
    }
    return r;
  }
  if (!is_number(a) || !is_number(b)) {
    type_error();
    return r;
  }
  const bool ints = is_int_like(a) && is_int_like(b);
  if (op == "/") {
    if (num(b) == 0) error_at(errc::invalid_value, "division by zero", e);
    r.v = value(num(a) / num(b));
    return r;
  }
  if (ints) {
    const auto x = int_of(a), y = int_of(b);
    bool ok = true;
    std::int64_t res = 0;
    if (op == "+") res = check_add(x, y, ok);
    else if (op == "-") res = check_sub(x, y, ok);
    else if (op == "*") res = check_mul(x, y, ok);
    else if (op == "//" || op == "%") {
      if (y == 0) error_at(errc::invalid_value, op == "//" ? "integer division by zero" : "modulo by zero", e);
      if (x == std::numeric_limits<std::int64_t>::min() && y == -1) ok = false;
      else {
        std::int64_t q = x / y;
        std::int64_t m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {  // Python floors
          --q;
          m += y;
        }
        res = op == "//" ? q : m;
      }
    } else if (op == "**") {
      if (y < 0) {
        r.v = value(std::pow(static_cast<double>(x), static_cast<double>(y)));
        return r;
      }
      res = 1;
      for (std::int64_t i = 0; i < y && ok; ++i) res = check_mul(res, x, ok);
    }
    if (!ok) error_at(errc::invalid_value, "integer overflow in " + op, e);
    r.v = value(res);
    return r;
  }
  const double x = num(a), y = num(b);
  double res = 0;
  if (op == "+") res = x + y;
  else if (op == "-") res = x - y;
  else if (op == "*") res = x * y;
  else if (op == "//" || op == "%") {
    if (y == 0) error_at(errc::invalid_value, "float division by zero", e);
    res = op == "//" ? std::floor(x / y) : x - std::floor(x / y) * y;
  } else if (op == "**") {
    res = std::pow(x, y);
  }
  r.v = value(res);
  return r;
}

auto renderer::compare(const expr& e, const scope_ptr& sc) -> rv {
  value left = eval_value(*e.args[0], sc);
  rv r;
  for (std::size_t i = 0; i < e.ops.size(); ++i) {
    value right = eval_value(*e.args[i + 1], sc);
    const std::string& op = e.ops[i];
    bool result = false;
    if (op == "==") result = equal_values(left, right);
    else if (op == "!=") result = !equal_values(left, right);
    else if (op == "in" || op == "not in") {
      bool found = false;
      if (right.kind() == value_kind::list) {
        for (const auto& item : right.as_list())
          if (equal_values(item, left)) found = true;
      } else if (right.kind() == value_kind::map) {
        found = left.kind() == value_kind::string && right.find(left.as_string()) != nullptr;
      } else if (right.kind() == value_kind::string && left.kind() == value_kind::string) {
        found = right.as_string().find(left.as_string()) != std::string::npos;
      } else {
        error_at(errc::filter_type,
                 "'in' needs a list, map or string on its right, not " + std::string(to_string(right.kind())),
                 *e.args[i + 1]);
      }
      result = op == "in" ? found : !found;
    } else {
      bool ok = true;
      const int c = order(left, right, ok);
      if (!ok)
        error_at(errc::filter_type,
                 "cannot compare " + std::string(to_string(left.kind())) + " and " +
                     std::string(to_string(right.kind())) + " with " + op,
                 e);
      if (op == "<") result = c < 0;
      else if (op == "<=") result = c <= 0;
      else if (op == ">") result = c > 0;
      else result = c >= 0;
    }
    if (!result) {
      r.v = value(false);
      return r;
    }
    left = std::move(right);
  }
  r.v = value(true);
  return r;
}

auto renderer::eval_args(const expr& e, const scope_ptr& sc) -> call_args {
  call_args args;
  for (std::size_t i = 1; i < e.args.size(); ++i) args.positional.push_back(eval_value(*e.args[i], sc));
  if (e.star) {
    const value s = eval_value(*e.star, sc);
    if (s.kind() != value_kind::list) error_at(errc::filter_type, "*arguments must be a list", *e.star);
    for (const auto& v : s.as_list()) args.positional.push_back(v);
  }
  for (const auto& [k, v] : e.kwargs) args.keywords.emplace_back(k, eval_value(*v, sc));
  return args;
}

auto renderer::call(const expr& e, const scope_ptr& sc) -> rv {
  // The caller() of a {% call %} block belongs to this call, not to calls in its arguments.
  const value* caller = extra_caller_;
  extra_caller_ = nullptr;
  const expr& callee = *e.args[0];
  value fn;
  if (callee.kind == expr_kind::name) {
    rv found = lookup(callee.name, sc);
    if (found.undefined) {
      rv r;
      r.v = call_helper(callee.name, e, sc);
      return r;
    }
    fn = found.v;
  } else {
    fn = eval_value(callee, sc);
  }
  const callable* c = as_callable(fn);
  if (c == nullptr)
    error_at(errc::filter_type,
             "'" + expr_text(callee) + "' is a " + std::string(to_string(fn.kind())) + ", not a macro", callee);
  call_args args = eval_args(e, sc);
  if (caller != nullptr) args.keywords.emplace_back("caller", *caller);
  rv r;
  r.v = c->fn(*this, std::move(args), e);
  return r;
}

auto renderer::make_macro(const node& n, const scope_ptr& closure, std::shared_ptr<const template_impl> owner)
    -> value {
  auto c = std::make_shared<callable>();
  c->name = n.text;
  const node* def = &n;
  c->fn = [def, closure, owner](renderer& r, call_args&& args, const expr& site) -> value {
    return r.invoke_macro(*def, owner, closure, std::move(args), site);
  };
  return track(std::move(c));
}

auto renderer::invoke_macro(const node& def, const std::shared_ptr<const template_impl>& owner,
                            const scope_ptr& closure, call_args&& args, const expr& site) -> value {
  if (call_depth_ >= opt_.limits.max_call_depth)
    error_at(errc::render_limit_exceeded,
             "macro calls nested more than " + std::to_string(opt_.limits.max_call_depth) + " deep", site);
  const std::string what = def.kind == node_kind::macro ? "macro '" + def.text + "'" : "caller()";
  auto sc = std::make_shared<scope>();
  sc->parent = closure;
  if (args.positional.size() > def.params.size())
    error_at(errc::filter_type,
             what + " takes " + std::to_string(def.params.size()) + " argument" + (def.params.size() == 1 ? "" : "s") +
                 ", got " + std::to_string(args.positional.size()),
             site);
  for (std::size_t i = 0; i < args.positional.size(); ++i) sc->set(def.params[i].name, args.positional[i]);
  for (auto& [k, v] : args.keywords) {
    const auto it =
        std::find_if(def.params.begin(), def.params.end(), [&](const macro_param& p) { return p.name == k; });
    if (it != def.params.end()) {
      if (static_cast<std::size_t>(it - def.params.begin()) < args.positional.size())
        error_at(errc::filter_type, what + " got two values for '" + k + "'", site);
      sc->set(k, std::move(v));
    } else if (k == "caller" && def.kind == node_kind::macro) {
      sc->set(k, std::move(v));
    } else {
      error_at(errc::filter_type, what + " has no parameter '" + k + "'", site);
    }
  }
  // Frames for errors inside the macro, and its own template as the current source.
  const source_position at = cur_src_->position(site.pos);
  restore<stack_ptr> keep_stack(stack_);
  stack_ = std::make_shared<const stack_node>(
      stack_node{stack_frame{"called from", at.template_name, at.line, at.column}, stack_});
  restore<std::shared_ptr<const source_text>> keep_src(cur_src_);
  restore<std::shared_ptr<const template_impl>> keep_tmpl(cur_tmpl_);
  cur_src_ = owner->src;
  cur_tmpl_ = owner;
  for (const auto& p : def.params) {
    if (sc->find_local(p.name) != nullptr) continue;
    if (p.default_value) {
      sc->set(p.name, eval_value(*p.default_value, sc));
    } else {
      error(errc::filter_type, what + " needs an argument for '" + p.name + "'", *owner->src, def.pos, def.end);
    }
  }
  ++call_depth_;
  template_frame tf;
  tf.chain = {owner};
  tf.top = sc;
  value out = render_body_to_fragment(def.bodies[0], sc, tf);
  --call_depth_;
  return out;
}

auto renderer::render_body_to_fragment(const body& b, const scope_ptr& sc, const template_frame& tf) -> value {
  std::vector<part> buf;
  out_.push_back(&buf);
  try {
    exec_body(b, sc, tf);
  } catch (...) {
    out_.pop_back();
    throw;
  }
  out_.pop_back();
  return make_fragment(std::move(buf));
}

auto renderer::make_token(std::string text, const expr& e) const -> part {
  part p;
  p.kind = part_kind::token;
  p.text = std::move(text);
  p.src = cur_src_;
  p.pos = e.pos;
  p.end = e.end;
  p.stack = stack_;
  return p;
}

auto renderer::make_param(const rv& r, const expr& e) const -> part {
  part p;
  p.kind = part_kind::param;
  p.v = r.absent_optional ? value() : r.v;
  p.type = r.type;
  p.name = !r.path.empty() ? r.path : (!r.label.empty() ? r.label : expr_text(e));
  if (r.from_host && !r.path.empty()) p.key = r.path + "|" + std::to_string(r.type);
  p.secret = (r.decl != nullptr && r.decl->secret) || secret_looking(p.name);
  p.src = cur_src_;
  p.pos = e.pos;
  p.end = e.end;
  p.stack = stack_;
  return p;
}

void renderer::emit(part p) {
  output_bytes_ += p.kind == part_kind::param ? 6 : p.text.size();
  if (output_bytes_ > opt_.limits.max_output_bytes)
    throw template_error(errc::render_limit_exceeded,
                         "the rendered SQL exceeds " + std::to_string(opt_.limits.max_output_bytes) + " bytes",
                         p.src->position(p.pos), p.src->snippet(p.pos, p.end), frames_of(p.stack));
  out_.back()->push_back(std::move(p));
}

void renderer::emit_output(const rv& r, const expr& e) {
  require_defined(r, e);
  const value& v = r.v;
  if (const fragment* f = as_fragment(v)) {
    for (const auto& p : f->parts) emit(p);
    return;
  }
  if (r.decl != nullptr && r.decl->ident && r.from_host && r.path == r.decl->name && !r.absent_optional) {
    emit(make_token(quote_identifier(v.as_string()), e));
    return;
  }
  if (r.keyword) {
    std::string text = v.kind() == value_kind::integer ? std::to_string(v.as_int()) : python_str(v);
    // An allow-listed word is interpolated: it must be a plain SQL word (or words).
    bool ok = !text.empty();
    if (v.kind() != value_kind::integer) {
      bool word_start = true;
      for (char c : text) {
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (c == ' ') {
          if (word_start) ok = false;
          word_start = true;
        } else if (word_start ? !letter : !(letter || digit)) {
          ok = false;
        } else {
          word_start = false;
        }
      }
      if (word_start) ok = false;
    }
    if (!ok)
      error_at(errc::invalid_value,
               "the allow-listed value is not a plain SQL word, so it cannot be written into the SQL; add | ident to "
               "quote it as a name",
               e);
    emit(make_token(std::move(text), e));
    return;
  }
  switch (v.kind()) {
    case value_kind::callable:
      error_at(errc::filter_type, "a macro must be called: {{ " + expr_text(e) + "(...) }}", e);
    case value_kind::map:
      error_at(errc::filter_type,
               "a map cannot be bound as a parameter; use {{ " + expr_text(e) + " | json }} or pick a key", e);
    case value_kind::list: {
      rv typed = r;
      if (typed.type == oids::unspecified) {
        try {
          typed.type = infer_array_type(v);
        } catch (const std::string& why) {
          error_at(errc::filter_type, why, e);
        }
      }
      emit(make_param(typed, e));
      return;
    }
    default: emit(make_param(r, e));
  }
}

void renderer::exec_body(const body& b, const scope_ptr& sc, const template_frame& tf) {
  for (const auto& n : b) exec_node(*n, sc, tf);
}

namespace {

void unpack(renderer& r, const std::vector<std::string>& names, const value& v, scope& sc, const expr& where) {
  if (names.size() == 1) {
    sc.set(names[0], v);
    return;
  }
  if (v.kind() != value_kind::list || v.as_list().size() != names.size())
    r.error_at(errc::filter_type,
               "cannot unpack " + std::string(to_string(v.kind())) +
                   (v.kind() == value_kind::list ? " of " + std::to_string(v.as_list().size()) : std::string()) +
                   " into " + std::to_string(names.size()) + " names",
               where);
  for (std::size_t i = 0; i < names.size(); ++i) sc.set(names[i], v.as_list()[i]);
}

// ---- where / having / set_list / list ----

auto is_ws(char c) -> bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

void trim_parts(std::vector<part>& parts) {
  while (!parts.empty() && parts.front().kind == part_kind::literal) {
    auto& t = parts.front().text;
    std::size_t k = 0;
    while (k < t.size() && is_ws(t[k])) ++k;
    t.erase(0, k);
    parts.front().pos += k;
    if (!t.empty()) break;
    parts.erase(parts.begin());
  }
  while (!parts.empty() && parts.back().kind == part_kind::literal) {
    auto& t = parts.back().text;
    while (!t.empty() && is_ws(t.back())) t.pop_back();
    if (!t.empty()) break;
    parts.pop_back();
  }
}

auto iequals_word(std::string_view text, std::string_view word) -> bool {
  if (text.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  return true;
}

// True when the parts are template text holding nothing but white space and comments: no
// condition and no list item. The comments are PostgreSQL's, read by the engine's own SQL
// tracker (`-- ...` to the end of the line, nested `/* */`).
auto only_comments(const std::vector<part>& parts) -> bool {
  sql_tracker tr;
  for (const auto& p : parts) {
    if (p.kind != part_kind::literal) return false;
    for (const char c : p.text) {
      const bool was_code = tr.context() == sql_context::code;
      const bool was_opener = tr.may_open_comment();
      tr.feed(std::string_view(&c, 1));
      const auto now = tr.context();
      if (now == sql_context::line_comment || now == sql_context::block_comment) continue;
      if (was_opener) return false;  // the '-' or '/' before was code
      if (was_code && !is_ws(c) && !tr.may_open_comment()) return false;
    }
  }
  return !tr.may_open_comment();
}

// Removes one leading AND/OR (and one trailing) from the body of a where/having/keyset;
// a body of comments alone is empty.
void strip_connectives(std::vector<part>& parts) {
  for (int round = 0; round < 2; ++round) {
    trim_parts(parts);
    if (parts.empty()) return;
    if (parts.front().kind == part_kind::literal) {
      auto& t = parts.front().text;
      for (std::string_view w : {"and", "or"}) {
        if (iequals_word(t, w) && (t.size() == w.size() || !is_word_byte(t[w.size()]))) {
          // A word that ends the literal must not continue into the next part.
          if (t.size() == w.size() && parts.size() > 1 && parts[1].kind != part_kind::literal &&
              !parts[1].text.empty() && is_word_byte(parts[1].text[0]))
            break;
          t.erase(0, w.size());
          parts.front().pos += w.size();
          break;
        }
      }
    }
    trim_parts(parts);
    if (parts.empty()) return;
    if (parts.back().kind == part_kind::literal) {
      auto& t = parts.back().text;
      for (std::string_view w : {"and", "or"}) {
        if (t.size() >= w.size() && iequals_word(std::string_view(t).substr(t.size() - w.size()), w) &&
            (t.size() == w.size() ? parts.size() > 1 : !is_word_byte(t[t.size() - w.size() - 1]))) {
          t.erase(t.size() - w.size());
          break;
        }
      }
    }
  }
  trim_parts(parts);
  if (only_comments(parts)) parts.clear();
}

// Splits a list body at top-level separators (in SQL code, outside parentheses) and drops
// empty items (and items of comments alone).
auto split_items(const std::vector<part>& parts, std::string_view sep) -> std::vector<std::vector<part>> {
  std::vector<std::vector<part>> items(1);
  sql_tracker tr;
  int depth = 0;
  for (const auto& p : parts) {
    if (p.kind != part_kind::literal) {
      tr.feed(p.kind == part_kind::param ? std::string_view("$1") : std::string_view(p.text));
      items.back().push_back(p);
      continue;
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i < p.text.size(); ++i) {
      const auto ctx = tr.context();
      const char c = p.text[i];
      if (ctx == sql_context::code && depth == 0 && p.text.compare(i, sep.size(), sep) == 0 && !tr.may_open_comment()) {
        if (i > start) {
          part q = p;
          q.text = p.text.substr(start, i - start);
          q.pos = p.pos + start;
          items.back().push_back(std::move(q));
        }
        items.emplace_back();
        tr.feed(sep);
        i += sep.size() - 1;
        start = i + 1;
        continue;
      }
      if (ctx == sql_context::code) {
        if (c == '(' || c == '[') ++depth;
        else if ((c == ')' || c == ']') && depth > 0) --depth;
      }
      tr.feed(std::string_view(&c, 1));
    }
    if (start < p.text.size()) {
      part q = p;
      q.text = p.text.substr(start);
      q.pos = p.pos + start;
      items.back().push_back(std::move(q));
    }
  }
  std::vector<std::vector<part>> out;
  for (auto& item : items) {
    trim_parts(item);
    if (!item.empty() && !only_comments(item)) out.push_back(std::move(item));
  }
  return out;
}

// Keeps a trailing -- comment from swallowing the SQL after the helper.
void close_line_comment(std::vector<part>& parts, const part& like) {
  sql_tracker tr;
  for (const auto& p : parts) tr.feed(p.kind == part_kind::param ? std::string_view("$1") : std::string_view(p.text));
  if (tr.context() == sql_context::line_comment) {
    part nl = like;
    nl.kind = part_kind::literal;  // text inside the comment: no context check
    nl.text = "\n";
    parts.push_back(std::move(nl));
  }
}

}  // namespace

void renderer::emit_helper_block(const node& n, std::vector<part> parts) {
  expr site;
  site.pos = n.pos;
  site.end = n.pos + 2 + n.text.size() + 3;
  if (n.kind == node_kind::where) {
    strip_connectives(parts);
    if (parts.empty()) return;
    std::string kw = n.text;
    std::transform(kw.begin(), kw.end(), kw.begin(),
                   [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
    emit(make_token(kw + " ", site));
    close_line_comment(parts, make_token("", site));
    for (auto& p : parts) emit(std::move(p));
    return;
  }
  std::string sep_core(n.sep);
  while (!sep_core.empty() && is_ws(sep_core.back())) sep_core.pop_back();
  while (!sep_core.empty() && is_ws(sep_core.front())) sep_core.erase(0, 1);
  auto items = split_items(parts, sep_core);
  if (items.empty()) {
    if (n.empty_policy == "error")
      error(errc::empty_list, "{% " + n.text + " %} rendered no items", *cur_src_, site.pos, site.end);
    return;
  }
  if (n.kind == node_kind::set_list) emit(make_token("SET ", site));
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) emit(make_token(n.sep, site));
    close_line_comment(items[i], make_token("", site));
    for (auto& p : items[i]) emit(std::move(p));
  }
}

// Keyset pagination: the block's conditions, plus `(c1, c2) < ($1, $2)` (> for ASC) when
// there is a cursor, as one WHERE clause; then ORDER BY every column in the direction.
void renderer::emit_keyset(const node& n, const scope_ptr& sc, std::vector<part> parts) {
  const expr* after_e = nullptr;
  const expr* by_e = nullptr;
  const expr* dir_e = nullptr;
  for (std::size_t i = 0; i < n.names.size(); ++i) {
    if (n.names[i] == "after") after_e = n.exprs[i].get();
    else if (n.names[i] == "by") by_e = n.exprs[i].get();
    else dir_e = n.exprs[i].get();
  }
  const value by = eval_value(*by_e, sc);
  std::vector<std::string> cols;
  if (by.kind() == value_kind::string) cols.push_back(by.as_string());
  else if (by.kind() == value_kind::list)
    for (const auto& c : by.as_list()) {
      if (c.kind() != value_kind::string) error_at(errc::filter_type, "keyset by=[...] takes column names", *by_e);
      cols.push_back(c.as_string());
    }
  if (cols.empty()) error_at(errc::filter_type, "keyset by=[...] needs at least one column name", *by_e);
  std::string dir = "ASC";
  if (dir_e != nullptr) {
    const value d = eval_value(*dir_e, sc);
    const std::string t = d.kind() == value_kind::string ? d.as_string() : std::string();
    std::string up;
    for (char c : t) up.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (up != "ASC" && up != "DESC") error_at(errc::invalid_value, "keyset dir= must be \"ASC\" or \"DESC\"", *dir_e);
    dir = up;
  }
  std::vector<std::string> quoted;
  for (const auto& c : cols) {
    try {
      quoted.push_back(quote_identifier(c));
    } catch (const pgpx::error& e) {
      error_at(errc::invalid_value, "keyset column: " + e.message(), *by_e);
    }
  }
  const rv after = eval(*after_e, sc);
  require_defined(after, *after_e);
  strip_connectives(parts);
  const bool has_cursor = !after.absent_optional && !after.v.is_null();
  std::vector<part> predicate;
  if (has_cursor) {
    std::vector<value> vals;
    const value& a = after.v;
    if (a.kind() == value_kind::map) {
      for (const auto& c : cols) {
        const value* v = a.find(c);
        if (v == nullptr) error_at(errc::filter_type, "the keyset cursor has no '" + c + "'", *after_e);
        vals.push_back(*v);
      }
    } else if (a.kind() == value_kind::list && a.as_list().size() == cols.size()) {
      vals = a.as_list();
    } else if (cols.size() == 1 && a.kind() != value_kind::list && a.kind() != value_kind::map) {
      vals.push_back(a);
    } else {
      error_at(errc::filter_type,
               "the keyset cursor must be a map with the by= columns or a list of " + std::to_string(cols.size()) +
                   " values",
               *after_e);
    }
    std::string names;
    for (const auto& q : quoted) names += (names.empty() ? "" : ", ") + q;
    predicate.push_back(make_token("(" + names + ") " + (dir == "DESC" ? "<" : ">") + " (", *after_e));
    const std::string base = after.path.empty() ? expr_text(*after_e) : after.path;
    for (std::size_t i = 0; i < vals.size(); ++i) {
      if (i > 0) predicate.push_back(make_token(", ", *after_e));
      const auto k = vals[i].kind();
      if (k == value_kind::list || k == value_kind::map || k == value_kind::fragment || k == value_kind::callable)
        error_at(errc::filter_type, "keyset cursor value '" + cols[i] + "' is a " + std::string(to_string(k)),
                 *after_e);
      rv item;
      item.v = vals[i];
      part p = make_param(item, *after_e);
      p.name = base + "." + cols[i];
      predicate.push_back(std::move(p));
    }
    predicate.push_back(make_token(")", *after_e));
  }
  expr site;
  site.pos = n.pos;
  site.end = n.pos + 2;
  if (!parts.empty() || has_cursor) {
    emit(make_token("WHERE ", site));
    if (!parts.empty()) {
      emit(make_token("(", site));
      close_line_comment(parts, make_token("", site));
      for (auto& p : parts) emit(std::move(p));
      emit(make_token(")", site));
      if (has_cursor) emit(make_token(" AND ", site));
    }
    for (auto& p : predicate) emit(std::move(p));
    emit(make_token(" ", site));
  }
  std::string order = "ORDER BY ";
  for (std::size_t i = 0; i < quoted.size(); ++i) order += (i ? ", " : "") + quoted[i] + " " + dir;
  emit(make_token(order, site));
}

void renderer::exec_node(const node& n, const scope_ptr& sc, const template_frame& tf) {
  switch (n.kind) {
    case node_kind::text: {
      part p;
      p.kind = part_kind::literal;
      p.text = n.text;
      p.src = cur_src_;
      p.pos = n.pos;
      p.end = n.end;
      p.stack = stack_;
      emit(std::move(p));
      return;
    }
    case node_kind::output: emit_output(eval(*n.exprs[0], sc), *n.exprs[0]); return;
    case node_kind::if_:
      for (std::size_t i = 0; i < n.exprs.size(); ++i)
        if (truthy(eval(*n.exprs[i], sc), *n.exprs[i])) {
          exec_body(n.bodies[i], sc, tf);
          return;
        }
      if (n.has_else) exec_body(n.bodies.back(), sc, tf);
      return;
    case node_kind::for_: {
      const expr& iter = *n.exprs[0];
      rv it = eval(iter, sc);
      require_defined(it, iter);
      std::vector<value> items;
      const value& v = it.v;
      if (v.kind() == value_kind::list) items = v.as_list();
      else if (v.kind() == value_kind::map)
        for (const auto& [k, x] : v.as_map()) items.emplace_back(k);
      else if (v.kind() == value_kind::string)
        for (auto& cp : code_points(v.as_string())) items.emplace_back(std::move(cp));
      else
        error_at(errc::filter_type,
                 "cannot loop over " + std::string(to_string(it.absent_optional ? value_kind::null : v.kind())), iter);
      count_iterations(items.size(), iter);
      if (n.exprs.size() > 1) {
        std::vector<value> kept;
        for (auto& item : items) {
          auto fs = std::make_shared<scope>();
          fs->parent = sc;
          unpack(*this, n.names, item, *fs, iter);
          if (truthy(eval(*n.exprs[1], fs), *n.exprs[1])) kept.push_back(std::move(item));
        }
        items = std::move(kept);
      }
      if (items.empty()) {
        if (n.has_else) exec_body(n.bodies[1], sc, tf);
        return;
      }
      const auto len = static_cast<std::int64_t>(items.size());
      for (std::int64_t i = 0; i < len; ++i) {
        auto is = std::make_shared<scope>();
        is->parent = sc;
        const auto& item = items[static_cast<std::size_t>(i)];
        unpack(*this, n.names, item, *is, iter);
        map_entries loop{{"index", value(i + 1)},      {"index0", value(i)},
                         {"revindex", value(len - i)}, {"revindex0", value(len - i - 1)},
                         {"first", value(i == 0)},     {"last", value(i == len - 1)},
                         {"length", value(len)}};
        if (i > 0) loop.emplace_back("previtem", items[static_cast<std::size_t>(i - 1)]);
        if (i + 1 < len) loop.emplace_back("nextitem", items[static_cast<std::size_t>(i + 1)]);
        is->set("loop", value::map(std::move(loop)));
        exec_body(n.bodies[0], is, tf);
      }
      return;
    }
    case node_kind::set: unpack(*this, n.names, eval_value(*n.exprs[0], sc), *sc, *n.exprs[0]); return;
    case node_kind::set_block: {
      auto inner = std::make_shared<scope>();
      inner->parent = sc;
      sc->set(n.text, render_body_to_fragment(n.bodies[0], inner, tf));
      return;
    }
    case node_kind::macro: sc->set(n.text, make_macro(n, sc, cur_tmpl_)); return;
    case node_kind::call_block: {
      auto c = std::make_shared<callable>();
      c->name = "caller";
      const node* def = &n;
      auto owner = cur_tmpl_;
      scope_ptr call_scope = sc;
      c->fn = [def, owner, call_scope](renderer& r, call_args&& args, const expr& site) -> value {
        return r.invoke_macro(*def, owner, call_scope, std::move(args), site);
      };
      value caller = track(std::move(c));
      extra_caller_ = &caller;
      rv result = call(*n.exprs[0], sc);
      extra_caller_ = nullptr;
      emit_output(result, *n.exprs[0]);
      return;
    }
    case node_kind::include: {
      auto t = load(n.text, n, n.ignore_missing);
      if (!t) return;
      scope_ptr parent = sc;
      if (!n.with_context) parent = std::make_shared<scope>();
      exec_template(t, parent, &n, "included from");
      return;
    }
    case node_kind::import: sc->set(n.names[0], import_module(n, sc)); return;
    case node_kind::from_import: {
      const value m = import_module(n, sc);
      for (std::size_t i = 0; i < n.names.size(); ++i) {
        const value* v = m.find(n.names[i]);
        if (v == nullptr)
          error(errc::undefined_variable, "template '" + n.text + "' does not define '" + n.names[i] + "'", *cur_src_,
                n.pos, n.end);
        sc->set(n.aliases[i], *v);
      }
      return;
    }
    case node_kind::extends: return;  // handled by exec_template
    case node_kind::block: render_block(tf, n.text, 0); return;
    case node_kind::where:
    case node_kind::set_list:
    case node_kind::list:
    case node_kind::keyset: {
      std::vector<part> buf;
      out_.push_back(&buf);
      try {
        exec_body(n.bodies[0], sc, tf);
      } catch (...) {
        out_.pop_back();
        throw;
      }
      out_.pop_back();
      if (n.kind == node_kind::keyset) emit_keyset(n, sc, std::move(buf));
      else emit_helper_block(n, std::move(buf));
      return;
    }
  }
}

auto renderer::load(const std::string& name, const node& site, bool ignore_missing)
    -> std::shared_ptr<const template_impl> {
  const auto site_error = [&](errc code, const std::string& msg) { error(code, msg, *cur_src_, site.pos, site.end); };
  if (loader_ == nullptr) {
    if (ignore_missing) return nullptr;
    site_error(errc::include_not_found, "template '" + name + "' not found: no template loader was given");
  }
  std::optional<sql_template> t;
  try {
    t = loader_->load(name);
  } catch (const template_error& e) {
    if (e.where().template_name.empty()) site_error(e.code(), e.brief());
    // A compile error in the other template: add where it was referenced.
    auto stack = e.stack();
    const auto at = cur_src_->position(site.pos);
    stack.push_back(stack_frame{site.kind == node_kind::extends
                                    ? "extended by"
                                    : (site.kind == node_kind::include ? "included from" : "imported from"),
                                at.template_name, at.line, at.column});
    for (auto& f : frames_of(stack_)) stack.push_back(std::move(f));
    throw template_error(e.code(), e.brief(), e.where(), e.snippet(), std::move(stack));
  }
  if (!t) {
    if (ignore_missing) return nullptr;
    site_error(errc::include_not_found, "template '" + name + "' not found");
  }
  keep_.push_back(template_access::impl(*t));
  return template_access::impl(*t);
}

void renderer::exec_template(const std::shared_ptr<const template_impl>& t, const scope_ptr& parent, const node* site,
                             const char* how) {
  const int depth = static_cast<int>(active_.size());
  restore<stack_ptr> keep_stack(stack_);
  if (site != nullptr) {
    const auto at = cur_src_->position(site->pos);
    if (depth >= opt_.limits.max_include_depth)
      error(errc::include_cycle,
            "templates nested more than " + std::to_string(opt_.limits.max_include_depth) + " deep", *cur_src_,
            site->pos, site->end);
    if (std::find(active_.begin(), active_.end(), t->src->name) != active_.end()) {
      std::string chain;
      for (const auto& a : active_) chain += a + " -> ";
      error(errc::include_cycle, "include cycle: " + chain + t->src->name, *cur_src_, site->pos, site->end);
    }
    stack_ =
        std::make_shared<const stack_node>(stack_node{stack_frame{how, at.template_name, at.line, at.column}, stack_});
  }
  restore<std::shared_ptr<const source_text>> keep_src(cur_src_);
  restore<std::shared_ptr<const template_impl>> keep_tmpl(cur_tmpl_);
  // The inheritance chain, most derived first.
  template_frame tf;
  tf.chain.push_back(t);
  std::vector<stack_ptr> stacks{stack_};
  active_.push_back(t->src->name);
  const std::size_t active_mark = active_.size() - 1;
  while (!tf.chain.back()->extends.empty()) {
    const auto& child = tf.chain.back();
    const node* ext = nullptr;
    for (const auto& n : child->root)
      if (n->kind == node_kind::extends) ext = n.get();
    cur_src_ = child->src;
    cur_tmpl_ = child;
    stack_ = stacks.back();
    if (static_cast<int>(active_.size()) >= opt_.limits.max_include_depth)
      error(errc::include_cycle,
            "templates nested more than " + std::to_string(opt_.limits.max_include_depth) + " deep", *cur_src_,
            ext->pos, ext->end);
    if (std::find(active_.begin(), active_.end(), child->extends) != active_.end()) {
      std::string chain;
      for (std::size_t i = active_mark; i < active_.size(); ++i) chain += active_[i] + " -> ";
      error(errc::include_cycle, "extends cycle: " + chain + child->extends, *cur_src_, ext->pos, ext->end);
    }
    auto parent_t = load(child->extends, *ext, false);
    const auto at = child->src->position(ext->pos);
    stacks.push_back(std::make_shared<const stack_node>(
        stack_node{stack_frame{"extended by", at.template_name, at.line, at.column}, stacks.back()}));
    tf.chain.push_back(parent_t);
    active_.push_back(parent_t->src->name);
  }
  // Every block a child overrides must exist in an ancestor.
  for (std::size_t i = 0; i + 1 < tf.chain.size(); ++i) {
    for (const auto& [name, b] : tf.chain[i]->blocks) {
      bool found = false;
      for (std::size_t j = i + 1; j < tf.chain.size() && !found; ++j) found = tf.chain[j]->find_block(name) != nullptr;
      if (!found) {
        stack_ = stacks[i];
        error(errc::block_not_found,
              "block '" + name + "' is not defined in '" + tf.chain.back()->src->name +
                  "' or its parents, so it is never rendered",
              *tf.chain[i]->src, b->pos, b->end);
      }
    }
  }
  tf.stacks = stacks;
  tf.top = std::make_shared<scope>();
  tf.top->parent = parent;
  // Children's top-level statements (set, macro, import) run first, then the base renders.
  std::vector<part> discard;
  for (std::size_t i = 0; i < tf.chain.size(); ++i) {
    cur_src_ = tf.chain[i]->src;
    cur_tmpl_ = tf.chain[i];
    stack_ = stacks[i];
    const bool base = i + 1 == tf.chain.size();
    if (!base) out_.push_back(&discard);
    try {
      exec_body(tf.chain[i]->root, tf.top, tf);
    } catch (...) {
      if (!base) out_.pop_back();
      active_.resize(active_mark);
      throw;
    }
    if (!base) out_.pop_back();
  }
  active_.resize(active_mark);
}

void renderer::render_block(const template_frame& tf, const std::string& name, std::size_t level) {
  for (std::size_t i = level; i < tf.chain.size(); ++i) {
    const node* b = tf.chain[i]->find_block(name);
    if (b == nullptr) continue;
    // In a child, the block statement inside the child's own body only defines it: the
    // base renders it (Jinja prints a child's blocks through the parent's layout).
    auto sc = std::make_shared<scope>();
    sc->parent = tf.top;
    auto sup = std::make_shared<callable>();
    sup->name = "super";
    const template_frame frame_copy = tf;
    sup->fn = [frame_copy, name, i](renderer& r, call_args&& args, const expr& site) -> value {
      if (!args.positional.empty() || !args.keywords.empty())
        r.error_at(errc::filter_type, "super() takes no arguments", site);
      bool any = false;
      for (std::size_t j = i + 1; j < frame_copy.chain.size() && !any; ++j)
        any = frame_copy.chain[j]->find_block(name) != nullptr;
      if (!any) r.error_at(errc::block_not_found, "super(): no parent template defines block '" + name + "'", site);
      std::vector<part> buf;
      r.out_.push_back(&buf);
      try {
        r.render_block(frame_copy, name, i + 1);
      } catch (...) {
        r.out_.pop_back();
        throw;
      }
      r.out_.pop_back();
      return make_fragment(std::move(buf));
    };
    sc->set("super", track(std::move(sup)));
    restore<std::shared_ptr<const source_text>> keep_src(cur_src_);
    restore<std::shared_ptr<const template_impl>> keep_tmpl(cur_tmpl_);
    restore<stack_ptr> keep_stack(stack_);
    cur_src_ = tf.chain[i]->src;
    cur_tmpl_ = tf.chain[i];
    if (i < tf.stacks.size()) stack_ = tf.stacks[i];
    exec_body(b->bodies[0], sc, tf);
    return;
  }
}

auto renderer::import_module(const node& n, const scope_ptr& sc) -> value {
  if (!n.with_context)
    if (auto it = modules_.find(n.text); it != modules_.end()) return it->second;
  auto t = load(n.text, n, false);
  const auto at = cur_src_->position(n.pos);
  if (std::find(active_.begin(), active_.end(), t->src->name) != active_.end())
    error(errc::include_cycle, "import cycle: '" + t->src->name + "' is being rendered", *cur_src_, n.pos, n.end);
  if (static_cast<int>(active_.size()) >= opt_.limits.max_include_depth)
    error(errc::include_cycle, "templates nested more than " + std::to_string(opt_.limits.max_include_depth) + " deep",
          *cur_src_, n.pos, n.end);
  restore<stack_ptr> keep_stack(stack_);
  restore<std::shared_ptr<const source_text>> keep_src(cur_src_);
  restore<std::shared_ptr<const template_impl>> keep_tmpl(cur_tmpl_);
  stack_ = std::make_shared<const stack_node>(
      stack_node{stack_frame{"imported from", at.template_name, at.line, at.column}, stack_});
  cur_src_ = t->src;
  cur_tmpl_ = t;
  template_frame tf;
  tf.chain = {t};
  tf.stacks = {stack_};
  tf.top = std::make_shared<scope>();
  tf.top->parent = n.with_context ? sc : std::make_shared<scope>();
  std::vector<part> discard;
  out_.push_back(&discard);
  active_.push_back(t->src->name);
  try {
    exec_body(t->root, tf.top, tf);
  } catch (...) {
    out_.pop_back();
    active_.pop_back();
    throw;
  }
  out_.pop_back();
  active_.pop_back();
  map_entries exports;
  for (const auto& [k, v] : tf.top->locals)
    if (k.rfind('_', 0) != 0) exports.emplace_back(k, v);
  value m = value::map(std::move(exports));
  if (!n.with_context) modules_[n.text] = m;
  return m;
}

// ---- declared parameters ----

namespace {

auto in_range(std::int64_t v, oid t) -> bool {
  if (t == oids::int2) return v >= -32768 && v <= 32767;
  if (t == oids::int4)
    return v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max();
  if (t == oids::oid_) return v >= 0 && v <= 4294967295LL;
  return true;
}

// Checks (and converts) a value for a declared type; returns an error message or "".
auto convert_declared(value& v, oid t, const std::string& type_name) -> std::string {
  if (v.kind() == value_kind::null) return {};
  const oid elem = builtin_array_element(t);
  const auto got = [&] { return std::string(to_string(v.kind())); };
  if (elem != oids::unspecified) {
    if (v.kind() != value_kind::list) return "expected a list for " + type_name + ", got " + got();
    std::vector<value> items = v.as_list();
    for (auto& i : items) {
      if (i.kind() == value_kind::list) {
        const auto m = convert_declared(i, t, type_name);  // multi-dimensional
        if (!m.empty()) return m;
        continue;
      }
      const auto m = convert_declared(i, elem, std::string(builtin_type_name(elem)));
      if (!m.empty()) return "in the list: " + m;
    }
    v = value(std::move(items));
    return {};
  }
  if (v.kind() == value_kind::typed) {
    if (v.as_typed().type != t && v.as_typed().type != oids::unspecified)
      return "expected " + type_name + ", got a " + v.as_typed().type_name + " (" + describe_type(v.as_typed().type) +
             ")";
    return {};
  }
  switch (t) {
    case oids::bool_:
      if (v.kind() != value_kind::boolean) return "expected a bool for " + type_name + ", got " + got();
      return {};
    case oids::int2:
    case oids::int4:
    case oids::int8:
    case oids::oid_:
      if (v.kind() != value_kind::integer) return "expected an int for " + type_name + ", got " + got();
      if (!in_range(v.as_int(), t)) return std::to_string(v.as_int()) + " is out of the range of " + type_name;
      return {};
    case oids::float4:
    case oids::float8:
      if (v.kind() != value_kind::integer && v.kind() != value_kind::floating)
        return "expected a number for " + type_name + ", got " + got();
      return {};
    case oids::numeric:
      if (v.kind() == value_kind::integer) return {};
      if (v.kind() == value_kind::string) {
        try {
          v = value::typed(numeric(v.as_string()));
        } catch (const pgpx::error& e) {
          return e.message();
        }
        return {};
      }
      return "expected an int or a decimal string for numeric, got " + got();
    case oids::uuid:
      if (v.kind() != value_kind::string) return "expected a uuid string, got " + got();
      try {
        v = value::typed(uuid::parse(v.as_string()));
      } catch (const pgpx::error& e) {
        return e.message();
      }
      return {};
    case oids::json:
    case oids::jsonb: {
      typed_value tv;
      tv.type = t;
      try {
        tv.text = v.to_json().dump();
      } catch (const std::exception& e) {
        return std::string("cannot serialise as JSON: ") + e.what();
      }
      tv.type_name = "json";
      v = value::typed(std::move(tv));
      return {};
    }
    case oids::text:
    case oids::varchar:
    case oids::bpchar:
    case oids::name:
      if (v.kind() != value_kind::string) return "expected a string for " + type_name + ", got " + got();
      return {};
    case oids::bytea: return "bytea parameters need a pgpx::bytea value";
    default:
      if (v.kind() != value_kind::string)
        return "expected a " + type_name + " value (a typed value or its text form), got " + got();
      return {};
  }
}

}  // namespace

void renderer::check_declared(const template_impl& root) {
  if (!root.decl) return;
  const auto& d = *root.decl;
  const source_text& src = *root.src;
  const auto at_line = [&](int line) { return src.line_starts[static_cast<std::size_t>(std::max(line, 1)) - 1]; };
  for (const auto& [k, v] : host_vars_) {
    if (d.find(k) == nullptr) {
      std::vector<std::string> names;
      for (const auto& p : d.params) names.push_back(p.name);
      const auto s = suggest(k, names);
      error(errc::undefined_variable,
            "variable '" + k + "' is not declared in the pgpx header of '" + src.name + "'" +
                (s.empty() ? "" : "; did you mean '" + s + "'?"),
            src, at_line(d.line), at_line(d.line) + 1);
    }
  }
  effective_ = host_vars_;
  for (const auto& p : d.params) {
    auto it = effective_.find(p.name);
    const std::size_t pos = at_line(p.line);
    if (it == effective_.end()) {
      if (!p.optional)
        error(errc::undefined_variable, "required parameter '" + p.name + "' (" + p.type + ") was not given", src, pos,
              pos + 1);
      absent_.push_back(p.name);
      continue;
    }
    value& v = it->second;
    if (v.is_null()) {
      if (!p.optional)
        error(errc::type_mismatch, "parameter '" + p.name + "' is null but not optional (declare it " + p.type + "?)",
              src, pos, pos + 1);
      continue;
    }
    if (p.ident) {
      if (v.kind() != value_kind::string)
        error(errc::type_mismatch,
              "parameter '" + p.name + "' is an identifier: expected a string, got " + std::string(to_string(v.kind())),
              src, pos, pos + 1);
      if (!p.oneof.empty() && std::find(p.oneof.begin(), p.oneof.end(), v.as_string()) == p.oneof.end()) {
        std::string allowed;
        for (const auto& o : p.oneof) allowed += (allowed.empty() ? "" : ", ") + o;
        error(errc::invalid_value, "parameter '" + p.name + "' must be one of: " + allowed, src, pos, pos + 1);
      }
      try {
        (void)quote_identifier(v.as_string());
      } catch (const pgpx::error& e) {
        error(errc::invalid_value, "parameter '" + p.name + "': " + e.message(), src, pos, pos + 1);
      }
      continue;
    }
    if (p.type_oid == oids::unspecified) continue;  // `any`
    const auto msg = convert_declared(v, p.type_oid, p.type);
    if (!msg.empty()) error(errc::type_mismatch, "parameter '" + p.name + "': " + msg, src, pos, pos + 1);
  }
}

auto renderer::run() -> std::vector<part> {
  std::vector<part> out;
  out_.push_back(&out);
  cur_src_ = root_->src;
  cur_tmpl_ = root_;
  check_declared(*root_);
  auto host = std::make_shared<scope>();
  host->host = root_->decl ? &effective_ : &host_vars_;
  host->absent = &absent_;
  exec_template(root_, host, nullptr, nullptr);
  out_.pop_back();
  return out;
}

auto code_points(const std::string& s) -> std::vector<std::string> {
  std::vector<std::string> out;
  // Stray continuation bytes before the first character belong to it.
  std::size_t i = 0;
  while (i < s.size() && pgpx::detail::is_utf8_continuation(s[i])) ++i;
  std::size_t start = 0;
  while (i < s.size()) {
    std::size_t end = i + 1;
    while (end < s.size() && pgpx::detail::is_utf8_continuation(s[end])) ++end;
    out.push_back(s.substr(start, end - start));
    start = i = end;
  }
  if (out.empty() && !s.empty()) out.push_back(s);  // no character at all: one piece, as written
  return out;
}

}  // namespace pgpx::tmpl::detail
