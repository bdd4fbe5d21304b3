// Template values: construction, JSON conversion and Python-compatible printing.
#include <pgpx/tmpl/value.hpp>

#include "render_impl.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace pgpx::tmpl {

auto to_string(value_kind kind) noexcept -> std::string_view {
  switch (kind) {
    case value_kind::null: return "none";
    case value_kind::boolean: return "bool";
    case value_kind::integer: return "int";
    case value_kind::floating: return "float";
    case value_kind::string: return "string";
    case value_kind::list: return "list";
    case value_kind::map: return "map";
    case value_kind::typed: return "typed value";
    case value_kind::fragment: return "SQL fragment";
    case value_kind::callable: return "macro";
  }
  return "value";
}

value::value(std::vector<value> items) : v_(std::make_shared<const std::vector<value>>(std::move(items))) {}

namespace {

template <class Json>
auto from_json_impl(const Json& j) -> value {
  switch (j.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded: return value();
    case Json::value_t::boolean: return value(j.template get<bool>());
    case Json::value_t::number_integer: return value(j.template get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      const auto u = j.template get<std::uint64_t>();
      return value(u);  // throws above INT64_MAX
    }
    case Json::value_t::number_float: return value(j.template get<double>());
    case Json::value_t::string: return value(j.template get<std::string>());
    case Json::value_t::array: {
      std::vector<value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json_impl(e));
      return value(std::move(items));
    }
    case Json::value_t::object: {
      map_entries e;
      e.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) e.emplace_back(it.key(), from_json_impl(it.value()));
      return value::map(std::move(e));
    }
    case Json::value_t::binary: throw conversion_error("JSON binary values cannot be template values");
  }
  return value();
}

}  // namespace

value::value(const nlohmann::json& j) : value(from_json_impl(j)) {}
value::value(const nlohmann::ordered_json& j) : value(from_json_impl(j)) {}

void value::throw_out_of_range(const std::string& text) {
  throw conversion_error("integer " + text + " is out of the range of template integers (64-bit signed)");
}

void value::sort_entries(map_entries& e) {
  std::sort(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

auto value::map(map_entries entries) -> value {
  // Later duplicates replace earlier ones, keeping the first position (as a Python dict).
  map_entries unique;
  unique.reserve(entries.size());
  for (auto& [k, v] : entries) {
    auto it = std::find_if(unique.begin(), unique.end(), [&](const auto& p) { return p.first == k; });
    if (it != unique.end()) it->second = std::move(v);
    else unique.emplace_back(std::move(k), std::move(v));
  }
  value out;
  out.v_ = std::make_shared<const map_entries>(std::move(unique));
  return out;
}

auto value::map(std::initializer_list<std::pair<const std::string, value>> entries) -> value {
  map_entries e;
  for (const auto& [k, v] : entries) e.emplace_back(k, v);
  return map(std::move(e));
}

auto value::typed(typed_value t) -> value {
  value out;
  out.v_ = std::make_shared<const typed_value>(std::move(t));
  return out;
}

auto value::kind() const noexcept -> value_kind {
  switch (v_.index()) {
    case 0: return value_kind::null;
    case 1: return value_kind::boolean;
    case 2: return value_kind::integer;
    case 3: return value_kind::floating;
    case 4: return value_kind::string;
    case 5: return value_kind::list;
    case 6: return value_kind::map;
    case 7: return value_kind::typed;
    default: return std::get<8>(v_).kind;
  }
}

namespace {
[[noreturn]] void wrong_kind(value_kind want, value_kind got) {
  throw usage_error("template value is a " + std::string(to_string(got)) + ", not a " + std::string(to_string(want)));
}
}  // namespace

auto value::as_bool() const -> bool {
  if (const auto* b = std::get_if<bool>(&v_)) return *b;
  wrong_kind(value_kind::boolean, kind());
}
auto value::as_int() const -> std::int64_t {
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return *i;
  wrong_kind(value_kind::integer, kind());
}
auto value::as_double() const -> double {
  if (const auto* d = std::get_if<double>(&v_)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
  wrong_kind(value_kind::floating, kind());
}
auto value::as_string() const -> const std::string& {
  if (const auto* s = std::get_if<std::string>(&v_)) return *s;
  wrong_kind(value_kind::string, kind());
}
auto value::as_list() const -> const std::vector<value>& {
  if (const auto* l = std::get_if<std::shared_ptr<const std::vector<value>>>(&v_)) return **l;
  wrong_kind(value_kind::list, kind());
}
auto value::as_map() const -> const map_entries& {
  if (const auto* m = std::get_if<std::shared_ptr<const map_entries>>(&v_)) return **m;
  wrong_kind(value_kind::map, kind());
}
auto value::as_typed() const -> const typed_value& {
  if (const auto* t = std::get_if<std::shared_ptr<const typed_value>>(&v_)) return **t;
  wrong_kind(value_kind::typed, kind());
}

auto value::find(std::string_view key) const noexcept -> const value* {
  const auto* m = std::get_if<std::shared_ptr<const map_entries>>(&v_);
  if (m == nullptr) return nullptr;
  for (const auto& [k, v] : **m)
    if (k == key) return &v;
  return nullptr;
}

auto value::engine() const noexcept -> const std::shared_ptr<const detail::engine_object>* {
  const auto* e = std::get_if<engine_ref>(&v_);
  return e == nullptr ? nullptr : &e->object;
}

auto value::from_engine(std::shared_ptr<const detail::engine_object> object, value_kind kind) -> value {
  value out;
  out.v_ = engine_ref{std::move(object), kind};
  return out;
}

auto value::to_json() const -> nlohmann::ordered_json {
  switch (kind()) {
    case value_kind::null: return nullptr;
    case value_kind::boolean: return as_bool();
    case value_kind::integer: return as_int();
    case value_kind::floating: {
      const double d = as_double();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return d;
    }
    case value_kind::string: return as_string();
    case value_kind::list: {
      auto a = nlohmann::ordered_json::array();
      for (const auto& i : as_list()) a.push_back(i.to_json());
      return a;
    }
    case value_kind::map: {
      auto o = nlohmann::ordered_json::object();
      for (const auto& [k, v] : as_map()) o[k] = v.to_json();
      return o;
    }
    case value_kind::typed: {
      const auto& t = as_typed();
      if (t.type == oids::json || t.type == oids::jsonb) {
        auto j = nlohmann::ordered_json::parse(t.text, nullptr, false);
        if (!j.is_discarded()) return j;
      }
      return t.text;
    }
    case value_kind::fragment: {
      std::string sql;
      const auto* f = dynamic_cast<const detail::fragment*>(engine()->get());
      if (f != nullptr)
        for (const auto& p : f->parts) sql += p.kind == detail::part_kind::param ? "?" : p.text;
      return sql;
    }
    case value_kind::callable: break;
  }
  throw usage_error("a macro cannot be converted to JSON");
}

auto operator==(const value& a, const value& b) -> bool { return detail::equal_values(a, b); }

auto vars_from_json(const nlohmann::json& j) -> vars {
  if (!j.is_object()) throw usage_error("template variables must be a JSON object");
  vars out;
  for (auto it = j.begin(); it != j.end(); ++it) out.emplace(it.key(), value(it.value()));
  return out;
}

namespace {

// Python's repr() of a float: the shortest round-trip digits, in fixed notation for
// exponents -4 <= e < 16, else scientific with a two-digit exponent at least.
auto python_float(double d) -> std::string {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  const auto epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  const int exp = std::stoi(sci.substr(epos + 1));
  bool neg = false;
  if (!mant.empty() && mant[0] == '-') {
    neg = true;
    mant.erase(0, 1);
  }
  std::string digits;
  for (char c : mant)
    if (c != '.') digits.push_back(c);
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const auto int_len = static_cast<std::size_t>(exp) + 1;
      if (digits.size() <= int_len) {
        out = digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    } else {
      out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += e;
  }
  return neg ? "-" + out : out;
}

auto python_repr_string(const std::string& s) -> std::string {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char q = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == q || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", u);
      out += b;
    } else {
      out.push_back(c);
    }
  }
  out.push_back(q);
  return out;
}

auto python_repr(const value& v) -> std::string {
  if (v.kind() == value_kind::string) return python_repr_string(v.as_string());
  return python_str(v);
}

}  // namespace

auto python_str(const value& v) -> std::string {
  switch (v.kind()) {
    case value_kind::null: return "None";
    case value_kind::boolean: return v.as_bool() ? "True" : "False";
    case value_kind::integer: return std::to_string(v.as_int());
    case value_kind::floating: return python_float(v.as_double());
    case value_kind::string: return v.as_string();
    case value_kind::list: {
      std::string out = "[";
      bool first = true;
      for (const auto& i : v.as_list()) {
        if (!first) out += ", ";
        first = false;
        out += python_repr(i);
      }
      return out + "]";
    }
    case value_kind::map: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, i] : v.as_map()) {
        if (!first) out += ", ";
        first = false;
        out += python_repr_string(k) + ": " + python_repr(i);
      }
      return out + "}";
    }
    case value_kind::typed: return v.as_typed().text;
    case value_kind::fragment: return v.to_json().get<std::string>();
    case value_kind::callable: return "<macro>";
  }
  return {};
}

}  // namespace pgpx::tmpl
