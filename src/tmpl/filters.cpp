// Filters, tests and built-in helpers. The SQL filters decide how a value reaches the
// statement: bound (any, like, json, type...), or interpolated through a checked channel
// (ident, qident, ident_list, oneof, int_literal, in/values punctuation).
#include "render_impl.hpp"

#include <pgpx/detail/strings.hpp>
#include <pgpx/core/identifier.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace pgpx::tmpl::detail {

auto known_filters() -> const std::vector<std::string_view>& {
  static const std::vector<std::string_view> f = {
      "abs",  "any",  "count", "d",      "default", "first",  "float",   "ident",   "ident_list", "in",     "int",
      "int_literal", "join", "json", "jsonb", "last", "length", "like", "list", "lower", "map", "oneof", "qident",
      "raw",  "replace", "reverse", "sort", "string", "trim", "type", "upper", "values"};
  return f;
}

auto known_tests() -> const std::vector<std::string_view>& {
  static const std::vector<std::string_view> t = {
      "boolean", "defined", "divisibleby", "empty", "eq", "even", "false", "float", "ge", "gt", "in", "integer",
      "iterable", "le", "lower", "lt", "mapping", "ne", "none", "number", "odd", "sequence", "string", "true",
      "undefined", "upper"};
  return t;
}

namespace {

auto make_fragment(std::vector<part> parts) -> value {
  auto f = std::make_shared<fragment>();
  f->parts = std::move(parts);
  return value::from_engine(std::move(f), value_kind::fragment);
}

auto kind_name(const value& v) -> std::string { return std::string(to_string(v.kind())); }

auto kwarg(const call_args& a, std::string_view name) -> const value* {
  for (const auto& [k, v] : a.keywords)
    if (k == name) return &v;
  return nullptr;
}

// The argument at `index` or named `name`, or nullptr.
auto arg(const call_args& a, std::size_t index, std::string_view name) -> const value* {
  if (index < a.positional.size()) return &a.positional[index];
  return kwarg(a, name);
}

auto ascii_lower(std::string s) -> std::string {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
auto ascii_upper(std::string s) -> std::string {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

auto utf8_length(const std::string& s) -> std::int64_t { return static_cast<std::int64_t>(pgpx::detail::utf8_length(s)); }

// A short, printable rendition of a (possibly hostile) value for messages.
auto shown(const value& v) -> std::string {
  std::string s = v.kind() == value_kind::string ? v.as_string() : python_str(v);
  std::string out;
  for (char c : s) {
    if (out.size() >= 40) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? '?' : c);
  }
  return "'" + out + "'";
}

// Cuts a name to at most 63 bytes on a UTF-8 character boundary.
auto truncate_name(std::string s) -> std::string {
  if (s.size() <= max_identifier_length) return s;
  s.resize(pgpx::detail::utf8_floor(s, max_identifier_length));
  return s;
}

// Python's int() for the int filter: optional sign and white space, decimal digits, `_`.
auto parse_python_int(std::string_view s, std::int64_t& out) -> bool {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  std::string digits;
  for (char c : s)
    if (c != '_') digits.push_back(c);
  if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return r.ec == std::errc() && r.ptr == digits.data() + digits.size() && !digits.empty();
}

auto parse_python_float(std::string_view s, double& out) -> bool {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  std::string t(s);
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  const auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  return r.ec == std::errc() && r.ptr == t.data() + t.size() && !t.empty();
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
      if (!nums) throw std::string("a list bound as an array must hold values of one kind, not ") +
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

// ---- filters ----

auto renderer::apply_filter(const expr& e, const scope_ptr& sc) -> rv {
  const std::string& f = e.name;
  const expr& subject_expr = *e.args[0];
  rv subject = eval(subject_expr, sc);
  if (f == "default" || f == "d") {
    call_args a = eval_args(e, sc);
    const value* fallback = arg(a, 0, "default_value");
    const value* boolean = arg(a, 1, "boolean");
    const bool use_default = subject.undefined || subject.absent_optional ||
                             (boolean != nullptr && truthy_value(*boolean) && !truthy_value(subject.v));
    if (!use_default) return subject;
    rv r;
    r.v = fallback != nullptr ? *fallback : value("");
    return r;
  }
  require_defined(subject, subject_expr);
  if (subject.absent_optional) subject.v = value();
  const call_args a = eval_args(e, sc);
  const value& v = subject.v;
  const auto bad = [&](const std::string& want) {
    error_at(errc::filter_type, "filter '" + f + "' needs " + want + ", got " + kind_name(v), e);
  };
  const auto name_of = [&] { return subject.path.empty() ? expr_text(subject_expr) : subject.path; };
  rv out;  // a new value: bound in a new slot unless the filter keeps the subject

  // ---- SQL: binding ----
  if (f == "type") {
    const oid t = type_oid_by_name(a.positional.empty() ? std::string() : a.positional[0].as_string());
    if (v.kind() == value_kind::fragment || v.kind() == value_kind::callable || v.kind() == value_kind::map)
      bad("a value to bind");
    if (v.kind() == value_kind::typed && v.as_typed().type != t && v.as_typed().type != oids::unspecified)
      error_at(errc::filter_type,
               "a " + v.as_typed().type_name + " (" + describe_type(v.as_typed().type) + ") cannot be bound as " +
                   describe_type(t),
               e);
    if (v.kind() == value_kind::list && builtin_array_element(t) == oids::unspecified)
      error_at(errc::filter_type, "a list is bound as an array: use an array type such as type(\"" +
                                      std::string(builtin_type_name(t)) + "[]\")",
               e);
    rv r = subject;
    r.type = t;
    return r;
  }
  if (f == "any") {
    if (v.kind() != value_kind::list && !v.is_null()) bad("a list");
    rv r = subject;
    if (r.type != oids::unspecified && builtin_array_element(r.type) == oids::unspecified) r.type = oids::unspecified;
    if (r.type == oids::unspecified && v.kind() == value_kind::list) {
      try {
        r.type = infer_array_type(v);
      } catch (const std::string& why) {
        error_at(errc::filter_type, why, e);
      }
    }
    return r;
  }
  if (f == "in") {
    if (v.kind() != value_kind::list) bad("a list");
    const auto& items = v.as_list();
    if (items.empty()) {
      if (opt_.in_empty == in_empty_policy::error)
        error_at(errc::empty_in_list,
                 "'" + name_of() + "' is an empty list: `IN ()` is not SQL; use `= ANY({{ " + expr_text(subject_expr) +
                     " | any }})`, guard with {% if %}, or set in_empty_policy::false_list",
                 e);
      out.v = make_fragment({make_token("(SELECT NULL WHERE FALSE)", e)});
      return out;
    }
    const oid elem = builtin_array_element(subject.type);
    std::vector<part> parts;
    parts.push_back(make_token("(", e));
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) parts.push_back(make_token(",", e));
      const auto k = items[i].kind();
      if (k == value_kind::list || k == value_kind::map || k == value_kind::fragment || k == value_kind::callable)
        error_at(errc::filter_type, "| in needs a list of plain values; item " + std::to_string(i) + " is a " +
                                        std::string(to_string(k)),
                 e);
      rv item;
      item.v = items[i];
      item.type = elem;
      part p = make_param(item, e);
      p.name = name_of() + "[" + std::to_string(i) + "]";
      p.secret = p.secret || (subject.decl != nullptr && subject.decl->secret) || secret_looking(name_of());
      parts.push_back(std::move(p));
    }
    parts.push_back(make_token(")", e));
    out.v = make_fragment(std::move(parts));
    return out;
  }
  if (f == "values") {
    if (v.kind() != value_kind::list) bad("a list of rows");
    const value* cols = arg(a, 0, "columns");
    if (cols == nullptr || cols->kind() != value_kind::list || cols->as_list().empty())
      error_at(errc::filter_type, "values(...) needs the column names: values([\"a\", \"b\"])", e);
    std::vector<std::string> names;
    for (const auto& c : cols->as_list()) {
      if (c.kind() != value_kind::string) error_at(errc::filter_type, "column names in values(...) must be strings", e);
      names.push_back(c.as_string());
    }
    const auto& rows = v.as_list();
    if (rows.empty()) error_at(errc::empty_list, "'" + name_of() + "' has no rows: VALUES needs at least one", e);
    if (rows.size() * names.size() > 65535)
      error_at(errc::too_many_parameters,
               std::to_string(rows.size()) + " rows of " + std::to_string(names.size()) + " columns need " +
                   std::to_string(rows.size() * names.size()) + " parameters; PostgreSQL accepts at most 65535 (split the "
                   "insert, or bind arrays with unnest)",
               e);
    std::vector<part> parts;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (r > 0) parts.push_back(make_token(",", e));
      parts.push_back(make_token("(", e));
      const value& row = rows[r];
      for (std::size_t c = 0; c < names.size(); ++c) {
        if (c > 0) parts.push_back(make_token(",", e));
        rv cell;
        if (row.kind() == value_kind::map) {
          const value* x = row.find(names[c]);
          if (x == nullptr)
            error_at(errc::filter_type, "row " + std::to_string(r) + " has no '" + names[c] + "'", e);
          cell.v = *x;
        } else if (row.kind() == value_kind::list) {
          if (row.as_list().size() != names.size())
            error_at(errc::filter_type, "row " + std::to_string(r) + " has " + std::to_string(row.as_list().size()) +
                                            " values for " + std::to_string(names.size()) + " columns",
                     e);
          cell.v = row.as_list()[c];
        } else {
          error_at(errc::filter_type, "row " + std::to_string(r) + " is a " + kind_name(row) + ", not a map or list", e);
        }
        const auto k = cell.v.kind();
        if (k == value_kind::map || k == value_kind::fragment || k == value_kind::callable)
          error_at(errc::filter_type, "row " + std::to_string(r) + ", column '" + names[c] + "' is a " +
                                          std::string(to_string(k)) + " (use | json in the template for JSON)",
                   e);
        if (k == value_kind::list) {
          try {
            cell.type = infer_array_type(cell.v);
          } catch (const std::string& why) {
            error_at(errc::filter_type, why, e);
          }
        }
        part p = make_param(cell, e);
        p.name = names[c];
        p.secret = secret_looking(names[c]);
        parts.push_back(std::move(p));
      }
      parts.push_back(make_token(")", e));
    }
    out.v = make_fragment(std::move(parts));
    return out;
  }
  if (f == "json" || f == "jsonb") {
    if (v.kind() == value_kind::fragment || v.kind() == value_kind::callable) bad("a value");
    typed_value tv;
    tv.type = f == "json" ? oids::json : oids::jsonb;
    tv.type_name = f;
    try {
      tv.text = v.to_json().dump();
    } catch (const std::exception& ex) {
      error_at(errc::filter_type, std::string("cannot serialise as JSON: ") + ex.what(), e);
    }
    rv bound;
    bound.v = value::typed(std::move(tv));
    bound.type = f == "json" ? oids::json : oids::jsonb;
    part p = make_param(bound, e);
    p.name = name_of();
    p.secret = (subject.decl != nullptr && subject.decl->secret) || secret_looking(p.name);
    out.v = make_fragment({std::move(p), make_token(f == "json" ? "::json" : "::jsonb", e)});
    return out;
  }
  if (f == "like") {
    if (v.kind() != value_kind::string) bad("a string");
    const value* mode_v = arg(a, 0, "mode");
    const std::string mode = mode_v == nullptr ? "contains" : (mode_v->kind() == value_kind::string ? mode_v->as_string() : "");
    if (mode != "contains" && mode != "prefix" && mode != "suffix" && mode != "exact")
      error_at(errc::invalid_value, "like(...) takes \"contains\", \"prefix\", \"suffix\" or \"exact\"", e);
    std::string s;
    for (char c : v.as_string()) {
      if (c == '%' || c == '_' || c == '\\') s.push_back('\\');
      s.push_back(c);
    }
    if (mode == "contains" || mode == "suffix") s.insert(s.begin(), '%');
    if (mode == "contains" || mode == "prefix") s.push_back('%');
    out.v = value(std::move(s));
    out.label = name_of();  // named after the variable (for logs and masking), in a slot of its own
    if (subject.type == oids::text || subject.type == oids::varchar) out.type = subject.type;
    out.decl = subject.decl;
    return out;
  }
  // ---- SQL: interpolation through checked channels ----
  if (f == "ident" || f == "qident" || f == "ident_list") {
    const value* t = kwarg(a, "truncate_ok");
    const bool truncate = t != nullptr && truthy_value(*t);
    const auto quote = [&](const value& name) -> std::string {
      if (name.kind() != value_kind::string)
        error_at(errc::filter_type, "filter '" + f + "' needs a string name, got " + kind_name(name), e);
      try {
        return quote_identifier(truncate ? truncate_name(name.as_string()) : name.as_string());
      } catch (const pgpx::error& ex) {
        error_at(errc::invalid_value, "not a usable identifier " + shown(name) + ": " + ex.message(), e);
      }
    };
    const auto qualified = [&](const value& name) -> std::string {
      if (name.kind() == value_kind::list) {
        const auto& ps = name.as_list();
        if (ps.empty() || ps.size() > 3)
          error_at(errc::invalid_value, "a qualified name has 1 to 3 parts, got " + std::to_string(ps.size()), e);
        std::string q;
        for (const auto& p : ps) q += (q.empty() ? "" : ".") + quote(p);
        return q;
      }
      return quote(name);
    };
    std::string text;
    if (f == "ident") {
      if (v.kind() != value_kind::string && v.kind() != value_kind::list) bad("a string (or a list of name parts)");
      text = qualified(v);
    } else if (f == "qident") {
      if (v.kind() != value_kind::string) bad("a dotted string");
      const std::string& s = v.as_string();
      std::vector<value> parts;
      std::size_t start = 0;
      for (;;) {
        const auto dot = s.find('.', start);
        parts.emplace_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      text = qualified(value(std::move(parts)));
    } else {
      if (v.kind() != value_kind::list) bad("a list of names");
      if (v.as_list().empty()) error_at(errc::empty_list, "'" + name_of() + "' is an empty list of names", e);
      for (const auto& n : v.as_list()) text += (text.empty() ? "" : ", ") + qualified(n);
    }
    out.v = make_fragment({make_token(std::move(text), e)});
    return out;
  }
  if (f == "oneof") {
    if (v.kind() != value_kind::string) bad("a string");
    std::vector<std::string> allowed;
    for (const auto& x : a.positional) {
      if (x.kind() == value_kind::list) {
        for (const auto& y : x.as_list()) {
          if (y.kind() != value_kind::string) error_at(errc::filter_type, "oneof(...) takes strings", e);
          allowed.push_back(y.as_string());
        }
      } else if (x.kind() == value_kind::string) {
        allowed.push_back(x.as_string());
      } else {
        error_at(errc::filter_type, "oneof(...) takes strings", e);
      }
    }
    if (allowed.empty()) error_at(errc::filter_type, "oneof(...) needs at least one allowed value", e);
    const std::string folded = ascii_lower(v.as_string());
    for (const auto& x : allowed) {
      if (ascii_lower(x) == folded) {
        out.v = value(x);  // the template's spelling, never the host's
        out.keyword = true;
        return out;
      }
    }
    std::string list;
    for (const auto& x : allowed) list += (list.empty() ? "" : ", ") + x;
    error_at(errc::invalid_value, shown(v) + " is not one of: " + list, e);
  }
  if (f == "int_literal") {
    if (v.kind() != value_kind::integer) bad("an int");
    const value* lo = arg(a, 0, "min");
    const value* hi = arg(a, 1, "max");
    if ((lo != nullptr && !lo->is_null() && lo->kind() != value_kind::integer) ||
        (hi != nullptr && !hi->is_null() && hi->kind() != value_kind::integer))
      error_at(errc::filter_type, "int_literal(min, max) takes ints", e);
    const std::int64_t x = v.as_int();
    if ((lo != nullptr && !lo->is_null() && x < lo->as_int()) || (hi != nullptr && !hi->is_null() && x > hi->as_int()))
      error_at(errc::invalid_value,
               std::to_string(x) + " is outside [" + (lo != nullptr && !lo->is_null() ? std::to_string(lo->as_int()) : "") +
                   ", " + (hi != nullptr && !hi->is_null() ? std::to_string(hi->as_int()) : "") + "]",
               e);
    out.v = v;
    out.keyword = true;
    return out;
  }
  if (f == "raw") {
    if (v.kind() == value_kind::fragment || subject.keyword) return subject;
    if (v.kind() == value_kind::string && opt_.allow_raw_host_strings) {
      out.v = make_fragment({make_token(v.as_string(), e)});
      return out;
    }
    error_at(errc::unsafe_interpolation,
             "| raw accepts only SQL made by the template (macros, includes, {% set %} blocks, sql(\"...\")), not a " +
                 kind_name(v) + ": a host value would be spliced into the SQL",
             e, "bind the value with {{ " + expr_text(subject_expr) + " }} or quote a name with | ident");
  }
  // ---- value filters (results are bound like any value) ----
  if (f == "length" || f == "count") {
    if (v.kind() == value_kind::string) out.v = value(utf8_length(v.as_string()));
    else if (v.kind() == value_kind::list) out.v = value(static_cast<std::int64_t>(v.as_list().size()));
    else if (v.kind() == value_kind::map) out.v = value(static_cast<std::int64_t>(v.as_map().size()));
    else bad("a string, list or map");
    return out;
  }
  if (f == "lower" || f == "upper" || f == "trim") {
    if (v.kind() != value_kind::string) bad("a string");
    std::string s = v.as_string();
    if (f == "lower") s = ascii_lower(std::move(s));
    else if (f == "upper") s = ascii_upper(std::move(s));
    else {
      const auto b = s.find_first_not_of(" \t\r\n\f\v");
      const auto en = s.find_last_not_of(" \t\r\n\f\v");
      s = b == std::string::npos ? std::string() : s.substr(b, en - b + 1);
    }
    out.v = value(std::move(s));
    return out;
  }
  if (f == "replace") {
    if (v.kind() != value_kind::string) bad("a string");
    const value* from = arg(a, 0, "old");
    const value* to = arg(a, 1, "new");
    if (from == nullptr || to == nullptr || from->kind() != value_kind::string || to->kind() != value_kind::string)
      error_at(errc::filter_type, "replace(old, new) takes two strings", e);
    std::string s = v.as_string();
    const std::string& o = from->as_string();
    if (!o.empty()) {
      std::string r;
      std::size_t p = 0;
      for (;;) {
        const auto at = s.find(o, p);
        if (at == std::string::npos) break;
        r += s.substr(p, at - p) + to->as_string();
        p = at + o.size();
        if (r.size() > opt_.limits.max_output_bytes) error_at(errc::render_limit_exceeded, "replace result too large", e);
      }
      r += s.substr(p);
      s = std::move(r);
    }
    out.v = value(std::move(s));
    return out;
  }
  if (f == "first" || f == "last") {
    if (v.kind() == value_kind::list) {
      if (v.as_list().empty()) {
        out.undefined = true;
        out.missing = name_of() + (f == "first" ? "[0]" : "[-1]");
        return out;
      }
      out.v = f == "first" ? v.as_list().front() : v.as_list().back();
    } else if (v.kind() == value_kind::string) {
      std::vector<std::string> cps;
      for (std::size_t i = 0; i < v.as_string().size();) {
        std::size_t n = 1;
        const auto c = static_cast<unsigned char>(v.as_string()[i]);
        if (c >= 0xF0) n = 4;
        else if (c >= 0xE0) n = 3;
        else if (c >= 0xC0) n = 2;
        cps.push_back(v.as_string().substr(i, n));
        i += n;
      }
      if (cps.empty()) {
        out.undefined = true;
        out.missing = name_of() + (f == "first" ? "[0]" : "[-1]");
        return out;
      }
      out.v = value(f == "first" ? cps.front() : cps.back());
    } else {
      bad("a list or string");
    }
    return out;
  }
  if (f == "join") {
    if (v.kind() != value_kind::list) bad("a list");
    const value* sep = arg(a, 0, "d");
    if (sep != nullptr && sep->kind() != value_kind::string) error_at(errc::filter_type, "join(sep) takes a string", e);
    std::string s;
    bool first = true;
    for (const auto& x : v.as_list()) {
      if (x.kind() == value_kind::fragment || x.kind() == value_kind::callable)
        error_at(errc::filter_type, "join works on values, not SQL fragments", e);
      if (!first && sep != nullptr) s += sep->as_string();
      first = false;
      s += python_str(x);
    }
    out.v = value(std::move(s));
    return out;
  }
  if (f == "int") {
    const value* dflt = arg(a, 0, "default");
    const value fallback = dflt != nullptr ? *dflt : value(std::int64_t{0});
    switch (v.kind()) {
      case value_kind::integer: out.v = v; break;
      case value_kind::boolean: out.v = value(std::int64_t{v.as_bool() ? 1 : 0}); break;
      case value_kind::floating: {
        const double d = v.as_double();
        if (!std::isfinite(d) || d >= 9.2e18 || d <= -9.2e18) out.v = fallback;
        else out.v = value(static_cast<std::int64_t>(d));
        break;
      }
      case value_kind::string: {
        std::int64_t i = 0;
        double d = 0;
        if (parse_python_int(v.as_string(), i)) out.v = value(i);
        else if (parse_python_float(v.as_string(), d) && std::isfinite(d) && std::abs(d) < 9.2e18)
          out.v = value(static_cast<std::int64_t>(d));
        else out.v = fallback;
        break;
      }
      default: out.v = fallback;
    }
    return out;
  }
  if (f == "float") {
    const value* dflt = arg(a, 0, "default");
    const value fallback = dflt != nullptr ? *dflt : value(0.0);
    double d = 0;
    if (v.kind() == value_kind::integer || v.kind() == value_kind::floating) out.v = value(v.as_double());
    else if (v.kind() == value_kind::boolean) out.v = value(v.as_bool() ? 1.0 : 0.0);
    else if (v.kind() == value_kind::string && parse_python_float(v.as_string(), d)) out.v = value(d);
    else out.v = fallback;
    return out;
  }
  if (f == "string") {
    if (v.kind() == value_kind::fragment || v.kind() == value_kind::callable) bad("a value");
    out.v = value(python_str(v));
    return out;
  }
  if (f == "abs") {
    if (v.kind() == value_kind::integer) {
      if (v.as_int() == std::numeric_limits<std::int64_t>::min()) error_at(errc::invalid_value, "integer overflow", e);
      out.v = value(v.as_int() < 0 ? -v.as_int() : v.as_int());
    } else if (v.kind() == value_kind::floating) {
      out.v = value(std::fabs(v.as_double()));
    } else {
      bad("a number");
    }
    return out;
  }
  if (f == "reverse" || f == "list" || f == "sort") {
    std::vector<value> items;
    if (v.kind() == value_kind::list) items = v.as_list();
    else if (v.kind() == value_kind::map)
      for (const auto& [k, x] : v.as_map()) items.emplace_back(k);
    else if (v.kind() == value_kind::string) {
      if (f == "reverse") {
        std::vector<std::string> cps;
        const auto& s = v.as_string();
        for (std::size_t i = 0; i < s.size();) {
          std::size_t n = 1;
          const auto c = static_cast<unsigned char>(s[i]);
          if (c >= 0xF0) n = 4;
          else if (c >= 0xE0) n = 3;
          else if (c >= 0xC0) n = 2;
          cps.push_back(s.substr(i, n));
          i += n;
        }
        std::string r;
        for (auto it = cps.rbegin(); it != cps.rend(); ++it) r += *it;
        out.v = value(std::move(r));
        return out;
      }
      const auto& s = v.as_string();
      for (std::size_t i = 0; i < s.size();) {
        std::size_t n = 1;
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0xF0) n = 4;
        else if (c >= 0xE0) n = 3;
        else if (c >= 0xC0) n = 2;
        items.emplace_back(s.substr(i, n));
        i += n;
      }
    } else {
      bad("a list, map or string");
    }
    if (f == "reverse") std::reverse(items.begin(), items.end());
    if (f == "sort") {
      const value* rev = arg(a, 0, "reverse");
      const value* cs = arg(a, 1, "case_sensitive");
      const bool case_sensitive = cs != nullptr && truthy_value(*cs);
      const bool descending = rev != nullptr && truthy_value(*rev);
      bool ok = true;
      const auto less = [&](const value& x, const value& y) {
        const bool xs = x.kind() == value_kind::string, ys = y.kind() == value_kind::string;
        if (xs && ys)
          return case_sensitive ? x.as_string() < y.as_string() : ascii_lower(x.as_string()) < ascii_lower(y.as_string());
        const bool xn = x.kind() == value_kind::integer || x.kind() == value_kind::floating || x.kind() == value_kind::boolean;
        const bool yn = y.kind() == value_kind::integer || y.kind() == value_kind::floating || y.kind() == value_kind::boolean;
        if (xn && yn) {
          const double dx = x.kind() == value_kind::boolean ? (x.as_bool() ? 1 : 0) : x.as_double();
          const double dy = y.kind() == value_kind::boolean ? (y.as_bool() ? 1 : 0) : y.as_double();
          return dx < dy;
        }
        ok = false;
        return false;
      };
      // Stable both ways, as Python's sorted(): equal items keep their order.
      if (descending) std::stable_sort(items.begin(), items.end(), [&](const value& x, const value& y) { return less(y, x); });
      else std::stable_sort(items.begin(), items.end(), less);
      if (!ok) error_at(errc::filter_type, "sort needs a list of numbers or of strings", e);
    }
    out.v = value(std::move(items));
    return out;
  }
  if (f == "map") {
    if (v.kind() != value_kind::list) bad("a list");
    const value* attr = kwarg(a, "attribute");
    if (attr == nullptr || attr->kind() != value_kind::string || !a.positional.empty())
      error_at(errc::filter_type, "map takes attribute=\"name\" only", e);
    std::vector<value> items;
    for (const auto& x : v.as_list()) {
      const value* y = x.find(attr->as_string());
      if (y == nullptr)
        error_at(errc::undefined_variable, "an item of '" + name_of() + "' has no '" + attr->as_string() + "'", e);
      items.push_back(*y);
    }
    out.v = value(std::move(items));
    return out;
  }
  error_at(errc::unknown_filter, "unknown filter '" + f + "'", e);
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
  } else if (t == "sequence" || t == "iterable") result = k == value_kind::list || k == value_kind::string || k == value_kind::map;
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
    if (!nums && !strs) error_at(errc::filter_type, "test '" + t + "' cannot compare " + kind_name(v) + " and " + kind_name(o), e);
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
    const double count = std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
    if (count > static_cast<double>(opt_.limits.max_loop_iterations))
      error_at(errc::render_limit_exceeded, "range() of more than " + std::to_string(opt_.limits.max_loop_iterations) + " items", e);
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
    if (page == nullptr || per == nullptr || page->kind() != value_kind::integer || per->kind() != value_kind::integer ||
        (mx != nullptr && mx->kind() != value_kind::integer))
      error_at(errc::filter_type, "paginate(page, per_page, max=1000) takes ints", e);
    const std::int64_t limit_max = mx != nullptr ? mx->as_int() : 1000;
    if (page->as_int() < 1) error_at(errc::invalid_value, "page must be 1 or more, got " + std::to_string(page->as_int()), e);
    if (per->as_int() < 1 || per->as_int() > limit_max)
      error_at(errc::invalid_value,
               "per_page must be between 1 and " + std::to_string(limit_max) + ", got " + std::to_string(per->as_int()), e);
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
