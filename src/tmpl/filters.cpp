// Tests, built-in helpers and the value helpers the filters share (arrays, fragments, case
// mapping). The filters themselves are in filter_table.cpp.
#include "access_impl.hpp"
#include "render_impl.hpp"

#include <pgpx/core/identifier.hpp>

#include <cmath>

namespace pgpx::tmpl::detail {

auto known_tests() -> const std::vector<std::string_view>& {
  static const std::vector<std::string_view> t = {
      "boolean", "defined", "divisibleby", "empty",    "eq",     "even",  "false",     "float",   "ge",
      "gt",      "in",      "integer",     "iterable", "le",     "lower", "lt",        "mapping", "ne",
      "none",    "number",  "odd",         "sequence", "string", "true",  "undefined", "upper"};
  return t;
}

auto make_fragment(std::vector<part> parts) -> value {
  auto f = std::make_shared<fragment>();
  f->parts = std::move(parts);
  return value_access::from_engine(std::move(f), value_kind::fragment);
}

auto ascii_lower(std::string s) -> std::string {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

auto ascii_upper(std::string s) -> std::string {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

namespace {

auto kind_name(const value& v) -> std::string { return std::string(to_string(v.kind())); }

// The argument at `index` or named `name`, or nullptr.
auto arg(const call_args& a, std::size_t index, std::string_view name) -> const value* {
  if (index < a.positional.size()) return &a.positional[index];
  for (const auto& [k, v] : a.keywords)
    if (k == name) return &v;
  return nullptr;
}

}  // namespace

// ---- arrays ----

auto infer_array_type(const value& list) -> oid {
  value_kind kind = value_kind::null;
  oid typed = oids::unspecified;
  bool mixed_numbers = false;
  std::function<void(const value&)> visit = [&](const value& v) {
    for (const auto& i : v.as_list()) {
      if (i.kind() == value_kind::null) continue;
      if (i.kind() == value_kind::list) {
        visit(i);
        continue;
      }
      if (i.kind() == value_kind::map || i.kind() == value_kind::fragment || i.kind() == value_kind::callable)
        throw std::string("a list bound as an array cannot hold a ") + std::string(to_string(i.kind())) +
            " (use | json for structured values)";
      if (kind == value_kind::null) {
        kind = i.kind();
        if (kind == value_kind::typed) typed = i.as_typed().type;
        continue;
      }
      if (i.kind() == kind) {
        if (kind == value_kind::typed && i.as_typed().type != typed)
          throw std::string("a list bound as an array must hold values of one type");
        continue;
      }
      const bool nums = (kind == value_kind::integer || kind == value_kind::floating) &&
                        (i.kind() == value_kind::integer || i.kind() == value_kind::floating);
      if (!nums)
        throw std::string("a list bound as an array must hold values of one kind, not ") +
            std::string(to_string(kind)) + " and " + std::string(to_string(i.kind()));
      mixed_numbers = true;
    }
  };
  visit(list);
  if (mixed_numbers) return oids::float8_array;
  switch (kind) {
    case value_kind::boolean: return oids::bool_array;
    case value_kind::integer: return oids::int8_array;
    case value_kind::floating: return oids::float8_array;
    case value_kind::typed: return builtin_array_of(typed);
    default: return oids::unspecified;  // strings and empty lists: the server infers the type
  }
}

namespace {

void array_element(const value& v, std::string& out, std::size_t depth, std::vector<std::size_t>& dims) {
  if (v.kind() == value_kind::list) {
    const auto& items = v.as_list();
    if (dims.size() <= depth) dims.push_back(items.size());
    else if (dims[depth] != items.size()) throw usage_error("a multi-dimensional array must be rectangular");
    out.push_back('{');
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out.push_back(',');
      array_element(items[i], out, depth + 1, dims);
    }
    out.push_back('}');
    return;
  }
  if (dims.size() > depth) throw usage_error("a multi-dimensional array must be rectangular");
  std::string text;
  switch (v.kind()) {
    case value_kind::null: out += "NULL"; return;
    case value_kind::boolean: out += v.as_bool() ? "t" : "f"; return;
    case value_kind::integer: out += std::to_string(v.as_int()); return;
    case value_kind::floating: {
      const double d = v.as_double();
      if (std::isnan(d)) text = "NaN";
      else if (std::isinf(d)) text = d > 0 ? "Infinity" : "-Infinity";
      else {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, d);
        text.assign(buf, r.ptr);
      }
      break;
    }
    case value_kind::string: text = v.as_string(); break;
    case value_kind::typed: text = v.as_typed().text; break;
    default: throw usage_error("a " + std::string(to_string(v.kind())) + " cannot be an array element");
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

auto array_literal(const value& list) -> std::string {
  std::string out;
  std::vector<std::size_t> dims;
  array_element(list, out, 0, dims);
  return out;
}

// ---- tests ----

auto renderer::apply_test(const expr& e, const scope_ptr& sc) -> bool {
  const std::string& t = e.name;
  const expr& subject_expr = *e.args[0];
  rv subject = eval(subject_expr, sc);
  bool result = false;
  if (t == "defined" || t == "undefined") {
    const bool defined = !subject.undefined && !subject.absent_optional;
    result = t == "defined" ? defined : !defined;
    return result != e.negated;
  }
  require_defined(subject, subject_expr);
  const value v = subject.absent_optional ? value() : subject.v;
  const call_args a = eval_args(e, sc);
  const auto need_arg = [&]() -> const value& {
    if (a.positional.empty()) error_at(errc::filter_type, "test '" + t + "' needs an argument", e);
    return a.positional[0];
  };
  const auto k = v.kind();
  if (t == "none") result = k == value_kind::null;
  else if (t == "empty") {
    result = k == value_kind::null || (k == value_kind::string && v.as_string().empty()) ||
             (k == value_kind::list && v.as_list().empty()) || (k == value_kind::map && v.as_map().empty());
  } else if (t == "sequence" || t == "iterable")
    result = k == value_kind::list || k == value_kind::string || k == value_kind::map;
  else if (t == "mapping") result = k == value_kind::map;
  else if (t == "string") result = k == value_kind::string;
  else if (t == "number") result = k == value_kind::integer || k == value_kind::floating || k == value_kind::boolean;
  else if (t == "integer") result = k == value_kind::integer;
  else if (t == "float") result = k == value_kind::floating;
  else if (t == "boolean") result = k == value_kind::boolean;
  else if (t == "true") result = k == value_kind::boolean && v.as_bool();
  else if (t == "false") result = k == value_kind::boolean && !v.as_bool();
  else if (t == "even" || t == "odd") {
    if (k != value_kind::integer) error_at(errc::filter_type, "test '" + t + "' needs an int, got " + kind_name(v), e);
    result = (v.as_int() % 2 == 0) == (t == "even");
  } else if (t == "divisibleby") {
    const value& n = need_arg();
    if (k != value_kind::integer || n.kind() != value_kind::integer)
      error_at(errc::filter_type, "divisibleby needs ints", e);
    if (n.as_int() == 0) error_at(errc::invalid_value, "divisibleby 0", e);
    result = v.as_int() % n.as_int() == 0;
  } else if (t == "lower" || t == "upper") {
    if (k != value_kind::string) error_at(errc::filter_type, "test '" + t + "' needs a string", e);
    const auto& s = v.as_string();
    result = t == "lower" ? ascii_lower(s) == s : ascii_upper(s) == s;
  } else if (t == "eq" || t == "ne") {
    result = equal_values(v, need_arg()) == (t == "eq");
  } else if (t == "in") {
    const value& c = need_arg();
    if (c.kind() == value_kind::list) {
      for (const auto& x : c.as_list())
        if (equal_values(x, v)) result = true;
    } else if (c.kind() == value_kind::map) {
      result = k == value_kind::string && c.find(v.as_string()) != nullptr;
    } else if (c.kind() == value_kind::string && k == value_kind::string) {
      result = c.as_string().find(v.as_string()) != std::string::npos;
    } else {
      error_at(errc::filter_type, "test 'in' needs a list, map or string", e);
    }
  } else {  // lt le gt ge
    const value& o = need_arg();
    const bool nums = (k == value_kind::integer || k == value_kind::floating) &&
                      (o.kind() == value_kind::integer || o.kind() == value_kind::floating);
    const bool strs = k == value_kind::string && o.kind() == value_kind::string;
    if (!nums && !strs)
      error_at(errc::filter_type, "test '" + t + "' cannot compare " + kind_name(v) + " and " + kind_name(o), e);
    int c = 0;
    if (strs) c = v.as_string().compare(o.as_string());
    else if (k == value_kind::integer && o.kind() == value_kind::integer)
      c = v.as_int() < o.as_int() ? -1 : (v.as_int() > o.as_int() ? 1 : 0);
    else c = v.as_double() < o.as_double() ? -1 : (v.as_double() > o.as_double() ? 1 : 0);
    if (t == "lt") result = c < 0;
    else if (t == "le") result = c <= 0;
    else if (t == "gt") result = c > 0;
    else result = c >= 0;
  }
  return result != e.negated;
}

// ---- helpers: range, sql, columns, paginate, count_over, registered ones ----

auto renderer::call_helper(const std::string& name, const expr& e, const scope_ptr& sc) -> value {
  if (name == "sql") {
    // The checker made sure the argument is a string literal written in the template.
    const expr& lit = *e.args[1];
    part p = make_token(lit.lit.as_string(), lit);
    return make_fragment({std::move(p)});
  }
  if (name == "columns") {
    const expr& m = *e.args[1];
    const std::string model = m.kind == expr_kind::name ? m.name : m.lit.as_string();
    const auto it = opt_.models.find(model);
    if (it == opt_.models.end()) {
      std::vector<std::string> names;
      for (const auto& [k, x] : opt_.models) names.push_back(k);
      const auto s = suggest(model, names);
      error_at(errc::undefined_variable,
               "unknown model '" + model + "' in columns(); register it in render_options::models" +
                   (s.empty() ? "" : "; did you mean '" + s + "'?"),
               m);
    }
    call_args a;
    for (const auto& [k, v] : e.kwargs) a.keywords.emplace_back(k, eval_value(*v, sc));
    for (std::size_t i = 2; i < e.args.size(); ++i) a.positional.push_back(eval_value(*e.args[i], sc));
    const value* prefix = arg(a, 0, "prefix");
    std::string text;
    try {
      const std::string pre =
          prefix != nullptr && prefix->kind() == value_kind::string ? quote_identifier(prefix->as_string()) + "." : "";
      if (prefix != nullptr && !prefix->is_null() && prefix->kind() != value_kind::string)
        error_at(errc::filter_type, "columns(..., prefix=) takes a string", e);
      for (const auto& c : it->second.columns) text += (text.empty() ? "" : ", ") + pre + quote_identifier(c);
    } catch (const template_error&) {
      throw;
    } catch (const pgpx::error& ex) {
      error_at(errc::invalid_value, ex.message(), e);
    }
    if (text.empty()) error_at(errc::empty_list, "model '" + model + "' has no columns", e);
    return make_fragment({make_token(std::move(text), e)});
  }
  const call_args a = eval_args(e, sc);
  if (name == "range") {
    std::int64_t start = 0, stop = 0, step = 1;
    for (const auto& x : a.positional)
      if (x.kind() != value_kind::integer) error_at(errc::filter_type, "range() takes ints", e);
    if (a.positional.size() == 1) stop = a.positional[0].as_int();
    else if (a.positional.size() == 2 || a.positional.size() == 3) {
      start = a.positional[0].as_int();
      stop = a.positional[1].as_int();
      if (a.positional.size() == 3) step = a.positional[2].as_int();
    } else {
      error_at(errc::filter_type, "range() takes 1 to 3 ints", e);
    }
    if (step == 0) error_at(errc::invalid_value, "range() step cannot be zero", e);
    const double count =
        std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
    if (count > static_cast<double>(opt_.limits.max_loop_iterations))
      error_at(errc::render_limit_exceeded,
               "range() of more than " + std::to_string(opt_.limits.max_loop_iterations) + " items", e);
    std::vector<value> items;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) items.emplace_back(i);
    return value(std::move(items));
  }
  if (name == "count_over") {
    if (!a.positional.empty() || !a.keywords.empty()) error_at(errc::filter_type, "count_over() takes no arguments", e);
    return make_fragment({make_token("count(*) OVER ()", e)});
  }
  if (name == "paginate") {
    const value* page = arg(a, 0, "page");
    const value* per = arg(a, 1, "per_page");
    const value* mx = arg(a, 2, "max");
    if (page == nullptr || per == nullptr || page->kind() != value_kind::integer ||
        per->kind() != value_kind::integer || (mx != nullptr && mx->kind() != value_kind::integer))
      error_at(errc::filter_type, "paginate(page, per_page, max=1000) takes ints", e);
    const std::int64_t limit_max = mx != nullptr ? mx->as_int() : 1000;
    if (page->as_int() < 1)
      error_at(errc::invalid_value, "page must be 1 or more, got " + std::to_string(page->as_int()), e);
    if (per->as_int() < 1 || per->as_int() > limit_max)
      error_at(errc::invalid_value,
               "per_page must be between 1 and " + std::to_string(limit_max) + ", got " + std::to_string(per->as_int()),
               e);
    std::int64_t offset = 0;
    if (__builtin_mul_overflow(page->as_int() - 1, per->as_int(), &offset))
      error_at(errc::invalid_value, "page is too large", e);
    rv l;
    l.v = *per;
    part lp = make_param(l, e);
    lp.name = "per_page";
    rv o;
    o.v = value(offset);
    part op = make_param(o, e);
    op.name = "offset";
    return make_fragment({make_token("LIMIT ", e), std::move(lp), make_token(" OFFSET ", e), std::move(op)});
  }
  if (const auto it = opt_.helpers.find(name); it != opt_.helpers.end()) {
    value result;
    try {
      result = it->second(a.positional, a.keywords);
    } catch (const template_error&) {
      throw;
    } catch (const std::exception& ex) {
      error_at(errc::invalid_value, "helper '" + name + "' failed: " + ex.what(), e);
    }
    return result;
  }
  std::vector<std::string> names = {"range", "sql", "columns", "paginate", "count_over"};
  for (const auto& [k, x] : opt_.helpers) names.push_back(k);
  for (auto& n : visible_names(sc)) names.push_back(std::move(n));
  const auto s = suggest(name, names);
  error_at(errc::undefined_variable,
           "'" + name + "' is not a macro or helper" + (s.empty() ? "" : "; did you mean '" + s + "'?"), *e.args[0]);
}

}  // namespace pgpx::tmpl::detail
