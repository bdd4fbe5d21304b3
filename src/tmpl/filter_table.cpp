// The filters, each defined once. The SQL filters decide how a value reaches the statement:
// bound (any, like, json, type...), or interpolated through a checked channel (ident, qident,
// ident_list, oneof, int_literal, in/values punctuation). The value filters compute a value
// that is bound like any other.
#include "filter_table_impl.hpp"
#include "render_impl.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/detail/strings.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace pgpx::tmpl::detail {

// ---- the call ----

/// A filter being applied: what its implementation sees.
struct filter_call {
  renderer& r;
  const filter_def& def;
  const expr& e;             ///< the filter expression (errors point at it)
  const expr& subject_expr;  ///< the expression left of `|`
  rv subject;                ///< its value (an absent optional parameter is none)
  call_args args;            ///< the evaluated arguments

  /// The subject's value.
  [[nodiscard]] auto v() const noexcept -> const value& { return subject.v; }
  /// Argument `index` of the table's parameter list, by position or keyword; nullptr if not given.
  [[nodiscard]] auto arg(std::size_t index) const -> const value*;
  /// The subject's variable path, or the text of its expression.
  [[nodiscard]] auto name_of() const -> std::string;
  /// FilterTypeError "filter 'f' needs <want>, got <kind>".
  [[noreturn]] void bad(std::string_view want) const;
  /// An error of `code` at the filter expression.
  [[noreturn]] void fail(errc code, const std::string& brief, std::string hint = {}) const;
};

auto filter_call::arg(std::size_t index) const -> const value* {
  const filter_param& p = def.params[index];
  if (!p.keyword_only && index < args.positional.size()) return &args.positional[index];
  for (const auto& [k, x] : args.keywords)
    if (k == p.name) return &x;
  return nullptr;
}

auto filter_call::name_of() const -> std::string {
  return subject.path.empty() ? r.expr_text(subject_expr) : subject.path;
}

void filter_call::bad(std::string_view want) const {
  r.error_at(errc::filter_type,
             "filter '" + e.name + "' needs " + std::string(want) + ", got " + std::string(to_string(v().kind())), e);
}

void filter_call::fail(errc code, const std::string& brief, std::string hint) const {
  r.error_at(code, brief, e, std::move(hint));
}

namespace {

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

// `s` without leading and trailing white space (Python's str.strip()).
auto strip_space(std::string_view s) -> std::string_view {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

// Python's int() for the int filter: optional sign and white space, decimal digits, `_`.
auto parse_python_int(std::string_view s, std::int64_t& out) -> bool {
  std::string digits;
  for (char c : strip_space(s))
    if (c != '_') digits.push_back(c);
  if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return r.ec == std::errc() && r.ptr == digits.data() + digits.size() && !digits.empty();
}

auto parse_python_float(std::string_view s, double& out) -> bool {
  std::string t(strip_space(s));
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  const auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  return r.ec == std::errc() && r.ptr == t.data() + t.size() && !t.empty();
}

// A value of the rv kind the value filters return: a new value in a new slot.
auto result(value v) -> rv {
  rv out;
  out.v = std::move(v);
  return out;
}

// ---- compile-time checks ----

void check_type(const expr& e, const source_text& src, template_impl&) {
  if (e.args.size() != 2 || e.args[1]->kind != expr_kind::literal || e.args[1]->lit.kind() != value_kind::string)
    fail(errc::filter_type, "type(...) takes one type name in quotes, such as type(\"int8\")", src, e.name_pos, e.end);
  if (type_oid_by_name(e.args[1]->lit.as_string()) == oids::unspecified)
    fail(errc::filter_type, "unknown type '" + e.args[1]->lit.as_string() + "'", src, e.args[1]->pos, e.args[1]->end);
}

// `pgpx template check` lists every use of raw.
void check_raw(const expr& e, const source_text&, template_impl& t) { t.raw_offsets.push_back(e.name_pos); }

// ---- SQL: binding ----

auto f_type(filter_call& c) -> rv {
  const value& v = c.v();
  const oid t = type_oid_by_name(c.args.positional.empty() ? std::string() : c.args.positional[0].as_string());
  if (v.kind() == value_kind::typed && v.as_typed().type != t && v.as_typed().type != oids::unspecified)
    c.fail(errc::filter_type, "a " + v.as_typed().type_name + " (" + describe_type(v.as_typed().type) +
                                  ") cannot be bound as " + describe_type(t));
  if (v.kind() == value_kind::list && builtin_array_element(t) == oids::unspecified)
    c.fail(errc::filter_type, "a list is bound as an array: use an array type such as type(\"" +
                                  std::string(builtin_type_name(t)) + "[]\")");
  rv r = c.subject;
  r.type = t;
  return r;
}

auto f_any(filter_call& c) -> rv {
  rv r = c.subject;
  if (r.type != oids::unspecified && builtin_array_element(r.type) == oids::unspecified) r.type = oids::unspecified;
  if (r.type == oids::unspecified && c.v().kind() == value_kind::list) {
    try {
      r.type = infer_array_type(c.v());
    } catch (const std::string& why) {
      c.fail(errc::filter_type, why);
    }
  }
  return r;
}

auto f_in(filter_call& c) -> rv {
  const auto& items = c.v().as_list();
  if (items.empty()) {
    if (c.r.options().in_empty == in_empty_policy::error)
      c.fail(errc::empty_in_list, "'" + c.name_of() + "' is an empty list: `IN ()` is not SQL; use `= ANY({{ " +
                                      c.r.expr_text(c.subject_expr) +
                                      " | any }})`, guard with {% if %}, or set in_empty_policy::false_list");
    return result(make_fragment({c.r.make_token("(SELECT NULL WHERE FALSE)", c.e)}));
  }
  const oid elem = builtin_array_element(c.subject.type);
  const std::string name = c.name_of();
  std::vector<part> parts;
  parts.push_back(c.r.make_token("(", c.e));
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) parts.push_back(c.r.make_token(",", c.e));
    const auto k = items[i].kind();
    if (k == value_kind::list || k == value_kind::map || k == value_kind::fragment || k == value_kind::callable)
      c.fail(errc::filter_type,
             "| in needs a list of plain values; item " + std::to_string(i) + " is a " + std::string(to_string(k)));
    rv item;
    item.v = items[i];
    item.type = elem;
    part p = c.r.make_param(item, c.e);
    p.name = name + "[" + std::to_string(i) + "]";
    p.secret = p.secret || (c.subject.decl != nullptr && c.subject.decl->secret) || secret_looking(name);
    parts.push_back(std::move(p));
  }
  parts.push_back(c.r.make_token(")", c.e));
  return result(make_fragment(std::move(parts)));
}

// One cell of `| values`: a plain value, or a list bound as an array.
auto values_cell(filter_call& c, const value& row, std::size_t r, const std::vector<std::string>& names,
                 std::size_t col) -> part {
  rv cell;
  if (row.kind() == value_kind::map) {
    const value* x = row.find(names[col]);
    if (x == nullptr) c.fail(errc::filter_type, "row " + std::to_string(r) + " has no '" + names[col] + "'");
    cell.v = *x;
  } else if (row.kind() == value_kind::list) {
    if (row.as_list().size() != names.size())
      c.fail(errc::filter_type, "row " + std::to_string(r) + " has " + std::to_string(row.as_list().size()) +
                                    " values for " + std::to_string(names.size()) + " columns");
    cell.v = row.as_list()[col];
  } else {
    c.fail(errc::filter_type,
           "row " + std::to_string(r) + " is a " + std::string(to_string(row.kind())) + ", not a map or list");
  }
  const auto k = cell.v.kind();
  if (k == value_kind::map || k == value_kind::fragment || k == value_kind::callable)
    c.fail(errc::filter_type, "row " + std::to_string(r) + ", column '" + names[col] + "' is a " +
                                  std::string(to_string(k)) + " (use | json in the template for JSON)");
  if (k == value_kind::list) {
    try {
      cell.type = infer_array_type(cell.v);
    } catch (const std::string& why) {
      c.fail(errc::filter_type, why);
    }
  }
  part p = c.r.make_param(cell, c.e);
  p.name = names[col];
  p.secret = secret_looking(names[col]);
  return p;
}

auto f_values(filter_call& c) -> rv {
  const value* cols = c.arg(0);
  if (cols == nullptr || cols->kind() != value_kind::list || cols->as_list().empty())
    c.fail(errc::filter_type, "values(...) needs the column names: values([\"a\", \"b\"])");
  std::vector<std::string> names;
  for (const auto& col : cols->as_list()) {
    if (col.kind() != value_kind::string) c.fail(errc::filter_type, "column names in values(...) must be strings");
    names.push_back(col.as_string());
  }
  const auto& rows = c.v().as_list();
  if (rows.empty()) c.fail(errc::empty_list, "'" + c.name_of() + "' has no rows: VALUES needs at least one");
  if (rows.size() * names.size() > 65535)
    c.fail(errc::too_many_parameters, std::to_string(rows.size()) + " rows of " + std::to_string(names.size()) +
                                          " columns need " + std::to_string(rows.size() * names.size()) +
                                          " parameters; PostgreSQL accepts at most 65535 (split the "
                                          "insert, or bind arrays with unnest)");
  std::vector<part> parts;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (r > 0) parts.push_back(c.r.make_token(",", c.e));
    parts.push_back(c.r.make_token("(", c.e));
    for (std::size_t col = 0; col < names.size(); ++col) {
      if (col > 0) parts.push_back(c.r.make_token(",", c.e));
      parts.push_back(values_cell(c, rows[r], r, names, col));
    }
    parts.push_back(c.r.make_token(")", c.e));
  }
  return result(make_fragment(std::move(parts)));
}

// json and jsonb: the serialised value, bound with the OID, and a cast.
auto json_filter(filter_call& c, oid type, std::string_view type_name) -> rv {
  typed_value tv;
  tv.type = type;
  tv.type_name = std::string(type_name);
  try {
    tv.text = c.v().to_json().dump();
  } catch (const std::exception& ex) {
    c.fail(errc::filter_type, std::string("cannot serialise as JSON: ") + ex.what());
  }
  rv bound;
  bound.v = value::typed(std::move(tv));
  bound.type = type;
  part p = c.r.make_param(bound, c.e);
  p.name = c.name_of();
  p.secret = (c.subject.decl != nullptr && c.subject.decl->secret) || secret_looking(p.name);
  return result(make_fragment({std::move(p), c.r.make_token("::" + std::string(type_name), c.e)}));
}
auto f_json(filter_call& c) -> rv { return json_filter(c, oids::json, "json"); }
auto f_jsonb(filter_call& c) -> rv { return json_filter(c, oids::jsonb, "jsonb"); }

auto f_like(filter_call& c) -> rv {
  const value* mode_v = c.arg(0);
  const std::string mode =
      mode_v == nullptr ? "contains" : (mode_v->kind() == value_kind::string ? mode_v->as_string() : "");
  if (mode != "contains" && mode != "prefix" && mode != "suffix" && mode != "exact")
    c.fail(errc::invalid_value, "like(...) takes \"contains\", \"prefix\", \"suffix\" or \"exact\"");
  std::string s;
  for (char ch : c.v().as_string()) {
    if (ch == '%' || ch == '_' || ch == '\\') s.push_back('\\');
    s.push_back(ch);
  }
  if (mode == "contains" || mode == "suffix") s.insert(s.begin(), '%');
  if (mode == "contains" || mode == "prefix") s.push_back('%');
  rv out = result(value(std::move(s)));
  out.label = c.name_of();  // named after the variable (for logs and masking), in a slot of its own
  if (c.subject.type == oids::text || c.subject.type == oids::varchar) out.type = c.subject.type;
  out.decl = c.subject.decl;
  return out;
}

// ---- SQL: interpolation through checked channels ----

// One name, quoted (truncated first with truncate_ok=true).
auto quote_name(filter_call& c, const value& name) -> std::string {
  if (name.kind() != value_kind::string)
    c.fail(errc::filter_type,
           "filter '" + c.e.name + "' needs a string name, got " + std::string(to_string(name.kind())));
  const value* t = c.arg(0);
  const bool truncate = t != nullptr && truthy_value(*t);
  try {
    return quote_identifier(truncate ? truncate_name(name.as_string()) : name.as_string());
  } catch (const pgpx::error& ex) {
    c.fail(errc::invalid_value, "not a usable identifier " + shown(name) + ": " + ex.message());
  }
}

// A name, or a list of 1 to 3 name parts, quoted and joined with dots.
auto qualified_name(filter_call& c, const value& name) -> std::string {
  if (name.kind() != value_kind::list) return quote_name(c, name);
  const auto& ps = name.as_list();
  if (ps.empty() || ps.size() > 3)
    c.fail(errc::invalid_value, "a qualified name has 1 to 3 parts, got " + std::to_string(ps.size()));
  std::string q;
  for (const auto& p : ps) q += (q.empty() ? "" : ".") + quote_name(c, p);
  return q;
}

auto name_token(filter_call& c, std::string text) -> rv {
  return result(make_fragment({c.r.make_token(std::move(text), c.e)}));
}

auto f_ident(filter_call& c) -> rv { return name_token(c, qualified_name(c, c.v())); }

auto f_qident(filter_call& c) -> rv {
  std::vector<value> parts;
  for (auto part : pgpx::detail::split(c.v().as_string(), '.')) parts.emplace_back(std::string(part));
  return name_token(c, qualified_name(c, value(std::move(parts))));
}

auto f_ident_list(filter_call& c) -> rv {
  if (c.v().as_list().empty()) c.fail(errc::empty_list, "'" + c.name_of() + "' is an empty list of names");
  std::string text;
  for (const auto& n : c.v().as_list()) text += (text.empty() ? "" : ", ") + qualified_name(c, n);
  return name_token(c, std::move(text));
}

auto f_oneof(filter_call& c) -> rv {
  std::vector<std::string> allowed;
  for (const auto& x : c.args.positional) {
    if (x.kind() == value_kind::list) {
      for (const auto& y : x.as_list()) {
        if (y.kind() != value_kind::string) c.fail(errc::filter_type, "oneof(...) takes strings");
        allowed.push_back(y.as_string());
      }
    } else if (x.kind() == value_kind::string) {
      allowed.push_back(x.as_string());
    } else {
      c.fail(errc::filter_type, "oneof(...) takes strings");
    }
  }
  if (allowed.empty()) c.fail(errc::filter_type, "oneof(...) needs at least one allowed value");
  const std::string folded = ascii_lower(c.v().as_string());
  for (const auto& x : allowed) {
    if (ascii_lower(x) == folded) {
      rv out = result(value(x));  // the template's spelling, never the host's
      out.keyword = true;
      return out;
    }
  }
  std::string list;
  for (const auto& x : allowed) list += (list.empty() ? "" : ", ") + x;
  c.fail(errc::invalid_value, shown(c.v()) + " is not one of: " + list);
}

auto f_int_literal(filter_call& c) -> rv {
  const value* lo = c.arg(0);
  const value* hi = c.arg(1);
  const bool has_lo = lo != nullptr && !lo->is_null();
  const bool has_hi = hi != nullptr && !hi->is_null();
  if ((has_lo && lo->kind() != value_kind::integer) || (has_hi && hi->kind() != value_kind::integer))
    c.fail(errc::filter_type, "int_literal(min, max) takes ints");
  const std::int64_t x = c.v().as_int();
  if ((has_lo && x < lo->as_int()) || (has_hi && x > hi->as_int()))
    c.fail(errc::invalid_value, std::to_string(x) + " is outside [" + (has_lo ? std::to_string(lo->as_int()) : "") +
                                    ", " + (has_hi ? std::to_string(hi->as_int()) : "") + "]");
  rv out = result(c.v());
  out.keyword = true;
  return out;
}

auto f_raw(filter_call& c) -> rv {
  const value& v = c.v();
  if (v.kind() == value_kind::fragment || c.subject.keyword) return c.subject;
  if (v.kind() == value_kind::string && c.r.options().allow_raw_host_strings) return name_token(c, v.as_string());
  c.fail(errc::unsafe_interpolation,
         "| raw accepts only SQL made by the template (macros, includes, {% set %} blocks, sql(\"...\")), not a " +
             std::string(to_string(v.kind())) + ": a host value would be spliced into the SQL",
         "bind the value with {{ " + c.r.expr_text(c.subject_expr) + " }} or quote a name with | ident");
}

// ---- value filters (results are bound like any value) ----

auto f_default(filter_call& c) -> rv {
  const value* fallback = c.arg(0);
  const value* boolean = c.arg(1);
  const bool use_default = c.subject.undefined || c.subject.absent_optional ||
                           (boolean != nullptr && truthy_value(*boolean) && !truthy_value(c.v()));
  if (!use_default) return c.subject;
  return result(fallback != nullptr ? *fallback : value(""));
}

auto f_length(filter_call& c) -> rv {
  const value& v = c.v();
  if (v.kind() == value_kind::string)
    return result(value(static_cast<std::int64_t>(pgpx::detail::utf8_length(v.as_string()))));
  if (v.kind() == value_kind::list) return result(value(static_cast<std::int64_t>(v.as_list().size())));
  return result(value(static_cast<std::int64_t>(v.as_map().size())));
}

auto f_lower(filter_call& c) -> rv { return result(value(ascii_lower(c.v().as_string()))); }
auto f_upper(filter_call& c) -> rv { return result(value(ascii_upper(c.v().as_string()))); }

auto f_trim(filter_call& c) -> rv {
  const std::string& s = c.v().as_string();
  const auto b = s.find_first_not_of(" \t\r\n\f\v");
  const auto en = s.find_last_not_of(" \t\r\n\f\v");
  return result(value(b == std::string::npos ? std::string() : s.substr(b, en - b + 1)));
}

auto f_replace(filter_call& c) -> rv {
  const value* from = c.arg(0);
  const value* to = c.arg(1);
  if (from == nullptr || to == nullptr || from->kind() != value_kind::string || to->kind() != value_kind::string)
    c.fail(errc::filter_type, "replace(old, new) takes two strings");
  std::string s = c.v().as_string();
  const std::string& o = from->as_string();
  if (!o.empty()) {
    std::string r;
    std::size_t p = 0;
    for (;;) {
      const auto at = s.find(o, p);
      if (at == std::string::npos) break;
      r += s.substr(p, at - p) + to->as_string();
      p = at + o.size();
      if (r.size() > c.r.options().limits.max_output_bytes)
        c.fail(errc::render_limit_exceeded, "replace result too large");
    }
    r += s.substr(p);
    s = std::move(r);
  }
  return result(value(std::move(s)));
}

// first and last: an empty list or string is undefined (as Jinja's).
auto end_item(filter_call& c, bool first) -> rv {
  const value& v = c.v();
  const auto undefined = [&] {
    rv out;
    out.undefined = true;
    out.missing = c.name_of() + (first ? "[0]" : "[-1]");
    return out;
  };
  if (v.kind() == value_kind::list) {
    if (v.as_list().empty()) return undefined();
    return result(first ? v.as_list().front() : v.as_list().back());
  }
  const auto cps = code_points(v.as_string());
  if (cps.empty()) return undefined();
  return result(value(first ? cps.front() : cps.back()));
}
auto f_first(filter_call& c) -> rv { return end_item(c, true); }
auto f_last(filter_call& c) -> rv { return end_item(c, false); }

auto f_join(filter_call& c) -> rv {
  const value* sep = c.arg(0);
  if (sep != nullptr && sep->kind() != value_kind::string) c.fail(errc::filter_type, "join(sep) takes a string");
  std::string s;
  bool first = true;
  for (const auto& x : c.v().as_list()) {
    if (x.kind() == value_kind::fragment || x.kind() == value_kind::callable)
      c.fail(errc::filter_type, "join works on values, not SQL fragments");
    if (!first && sep != nullptr) s += sep->as_string();
    first = false;
    s += python_str(x);
  }
  return result(value(std::move(s)));
}

auto f_int(filter_call& c) -> rv {
  const value* dflt = c.arg(0);
  const value fallback = dflt != nullptr ? *dflt : value(std::int64_t{0});
  const value& v = c.v();
  switch (v.kind()) {
    case value_kind::integer: return result(v);
    case value_kind::boolean: return result(value(std::int64_t{v.as_bool() ? 1 : 0}));
    case value_kind::floating: {
      const double d = v.as_double();
      if (!std::isfinite(d) || d >= 9.2e18 || d <= -9.2e18) return result(fallback);
      return result(value(static_cast<std::int64_t>(d)));
    }
    case value_kind::string: {
      std::int64_t i = 0;
      double d = 0;
      if (parse_python_int(v.as_string(), i)) return result(value(i));
      if (parse_python_float(v.as_string(), d) && std::isfinite(d) && std::abs(d) < 9.2e18)
        return result(value(static_cast<std::int64_t>(d)));
      return result(fallback);
    }
    default: return result(fallback);
  }
}

auto f_float(filter_call& c) -> rv {
  const value* dflt = c.arg(0);
  const value& v = c.v();
  double d = 0;
  if (v.kind() == value_kind::integer || v.kind() == value_kind::floating) return result(value(v.as_double()));
  if (v.kind() == value_kind::boolean) return result(value(v.as_bool() ? 1.0 : 0.0));
  if (v.kind() == value_kind::string && parse_python_float(v.as_string(), d)) return result(value(d));
  return result(dflt != nullptr ? *dflt : value(0.0));
}

auto f_string(filter_call& c) -> rv { return result(value(python_str(c.v()))); }

auto f_abs(filter_call& c) -> rv {
  const value& v = c.v();
  if (v.kind() == value_kind::floating) return result(value(std::fabs(v.as_double())));
  if (v.as_int() == std::numeric_limits<std::int64_t>::min()) c.fail(errc::invalid_value, "integer overflow");
  return result(value(v.as_int() < 0 ? -v.as_int() : v.as_int()));
}

// The items of a list, the keys of a map or the characters of a string.
auto items_of(const value& v) -> std::vector<value> {
  std::vector<value> items;
  if (v.kind() == value_kind::list) {
    items = v.as_list();
  } else if (v.kind() == value_kind::map) {
    for (const auto& [k, x] : v.as_map()) items.emplace_back(k);
  } else {
    for (auto& cp : code_points(v.as_string())) items.emplace_back(std::move(cp));
  }
  return items;
}

auto f_list(filter_call& c) -> rv { return result(value(items_of(c.v()))); }

auto f_reverse(filter_call& c) -> rv {
  if (c.v().kind() == value_kind::string) {  // a string stays a string
    const auto cps = code_points(c.v().as_string());
    std::string r;
    for (auto it = cps.rbegin(); it != cps.rend(); ++it) r += *it;
    return result(value(std::move(r)));
  }
  auto items = items_of(c.v());
  std::reverse(items.begin(), items.end());
  return result(value(std::move(items)));
}

auto f_sort(filter_call& c) -> rv {
  auto items = items_of(c.v());
  const value* rev = c.arg(0);
  const value* cs = c.arg(1);
  const bool case_sensitive = cs != nullptr && truthy_value(*cs);
  const bool descending = rev != nullptr && truthy_value(*rev);
  bool ok = true;
  const auto less = [&](const value& x, const value& y) {
    const bool xs = x.kind() == value_kind::string, ys = y.kind() == value_kind::string;
    if (xs && ys)
      return case_sensitive ? x.as_string() < y.as_string() : ascii_lower(x.as_string()) < ascii_lower(y.as_string());
    const bool xn =
        x.kind() == value_kind::integer || x.kind() == value_kind::floating || x.kind() == value_kind::boolean;
    const bool yn =
        y.kind() == value_kind::integer || y.kind() == value_kind::floating || y.kind() == value_kind::boolean;
    if (xn && yn) {
      const double dx = x.kind() == value_kind::boolean ? (x.as_bool() ? 1 : 0) : x.as_double();
      const double dy = y.kind() == value_kind::boolean ? (y.as_bool() ? 1 : 0) : y.as_double();
      return dx < dy;
    }
    ok = false;
    return false;
  };
  // Stable both ways, as Python's sorted(): equal items keep their order.
  if (descending)
    std::stable_sort(items.begin(), items.end(), [&](const value& x, const value& y) { return less(y, x); });
  else std::stable_sort(items.begin(), items.end(), less);
  if (!ok) c.fail(errc::filter_type, "sort needs a list of numbers or of strings");
  return result(value(std::move(items)));
}

auto f_map(filter_call& c) -> rv {
  const value* attr = c.arg(0);
  if (attr == nullptr || attr->kind() != value_kind::string || !c.args.positional.empty())
    c.fail(errc::filter_type, "map takes attribute=\"name\" only");
  std::vector<value> items;
  for (const auto& x : c.v().as_list()) {
    const value* y = x.find(attr->as_string());
    if (y == nullptr)
      c.fail(errc::undefined_variable, "an item of '" + c.name_of() + "' has no '" + attr->as_string() + "'");
    items.push_back(*y);
  }
  return result(value(std::move(items)));
}

// ---- the table ----

constexpr kind_set k_null = kind_bit(value_kind::null);
constexpr kind_set k_int = kind_bit(value_kind::integer);
constexpr kind_set k_float = kind_bit(value_kind::floating);
constexpr kind_set k_string = kind_bit(value_kind::string);
constexpr kind_set k_list = kind_bit(value_kind::list);
constexpr kind_set k_map = kind_bit(value_kind::map);

constexpr filter_param none{};
constexpr filter_param kw_only(std::string_view n) { return filter_param{n, true}; }
constexpr filter_param pos(std::string_view n) { return filter_param{n, false}; }

// clang-format off
constexpr std::array<filter_def, 32> table = {{
    // SQL: binding
    {"type", plain_value & ~k_map, "a value to bind", {pos("type_name"), none}, false, true, "bound", check_type, f_type},
    {"any", k_list | k_null, "a list", {}, false, true, "bound", nullptr, f_any},
    {"in", k_list, "a list", {}, false, true, "fragment", nullptr, f_in},
    {"values", k_list, "a list of rows", {pos("columns"), none}, false, true, "fragment", nullptr, f_values},
    {"json", plain_value, "a value", {}, false, true, "fragment", nullptr, f_json},
    {"jsonb", plain_value, "a value", {}, false, true, "fragment", nullptr, f_jsonb},
    {"like", k_string, "a string", {pos("mode"), none}, false, true, "bound", nullptr, f_like},
    // SQL: interpolation through checked channels
    {"ident", k_string | k_list, "a string (or a list of name parts)", {kw_only("truncate_ok"), none}, false, true,
     "interpolated", nullptr, f_ident},
    {"qident", k_string, "a dotted string", {kw_only("truncate_ok"), none}, false, true, "interpolated", nullptr, f_qident},
    {"ident_list", k_list, "a list of names", {kw_only("truncate_ok"), none}, false, true, "interpolated", nullptr,
     f_ident_list},
    {"oneof", k_string, "a string", {pos("allowed"), none}, true, true, "interpolated", nullptr, f_oneof},
    {"int_literal", k_int, "an int", {pos("min"), pos("max")}, false, true, "interpolated", nullptr, f_int_literal},
    {"raw", any_kind, "a fragment", {}, false, true, "interpolated", check_raw, f_raw},
    // value filters
    {"default", any_kind, "a value", {pos("default_value"), pos("boolean")}, false, false, "value", nullptr, f_default},
    {"d", any_kind, "a value", {pos("default_value"), pos("boolean")}, false, false, "value", nullptr, f_default},
    {"length", k_string | k_list | k_map, "a string, list or map", {}, false, true, "value", nullptr, f_length},
    {"count", k_string | k_list | k_map, "a string, list or map", {}, false, true, "value", nullptr, f_length},
    {"lower", k_string, "a string", {}, false, true, "value", nullptr, f_lower},
    {"upper", k_string, "a string", {}, false, true, "value", nullptr, f_upper},
    {"trim", k_string, "a string", {}, false, true, "value", nullptr, f_trim},
    {"replace", k_string, "a string", {pos("old"), pos("new")}, false, true, "value", nullptr, f_replace},
    {"first", k_list | k_string, "a list or string", {}, false, true, "value", nullptr, f_first},
    {"last", k_list | k_string, "a list or string", {}, false, true, "value", nullptr, f_last},
    {"join", k_list, "a list", {pos("d"), none}, false, true, "value", nullptr, f_join},
    {"int", any_kind, "a value", {pos("default"), none}, false, true, "value", nullptr, f_int},
    {"float", any_kind, "a value", {pos("default"), none}, false, true, "value", nullptr, f_float},
    {"string", plain_value, "a value", {}, false, true, "value", nullptr, f_string},
    {"abs", k_int | k_float, "a number", {}, false, true, "value", nullptr, f_abs},
    {"reverse", k_list | k_map | k_string, "a list, map or string", {}, false, true, "value", nullptr, f_reverse},
    {"list", k_list | k_map | k_string, "a list, map or string", {}, false, true, "value", nullptr, f_list},
    {"sort", k_list | k_map | k_string, "a list, map or string", {pos("reverse"), pos("case_sensitive")}, false, true,
     "value", nullptr, f_sort},
    {"map", k_list, "a list", {kw_only("attribute"), none}, false, true, "value", nullptr, f_map},
}};
// clang-format on

}  // namespace

auto filter_table() noexcept -> std::span<const filter_def> { return {table.data(), table.size()}; }

auto find_filter(std::string_view name) noexcept -> const filter_def* {
  for (const auto& f : table)
    if (f.name == name) return &f;
  return nullptr;
}

auto filter_names() -> const std::vector<std::string>& {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& f : table) n.emplace_back(f.name);
    std::sort(n.begin(), n.end());
    return n;
  }();
  return names;
}

auto unknown_filter_brief(std::string_view name) -> std::string {
  const auto s = suggest(name, filter_names());
  return "unknown filter '" + std::string(name) + "'" + (s.empty() ? "" : "; did you mean '" + s + "'?");
}

// ---- applying a filter ----

auto renderer::apply_filter(const expr& e, const scope_ptr& sc) -> rv {
  const filter_def* def = e.filter != nullptr ? e.filter : find_filter(e.name);
  if (def == nullptr) error(errc::unknown_filter, unknown_filter_brief(e.name), *cur_src_, e.name_pos, e.name_end);
  const expr& subject_expr = *e.args[0];
  filter_call c{*this, *def, e, subject_expr, eval(subject_expr, sc), {}};
  if (def->needs_defined) {
    require_defined(c.subject, subject_expr);
    if (c.subject.absent_optional) c.subject.v = value();
  }
  c.args = eval_args(e, sc);
  if ((def->accepts & kind_bit(c.subject.v.kind())) == 0) c.bad(def->accepts_text);
  return def->apply(c);
}

}  // namespace pgpx::tmpl::detail
