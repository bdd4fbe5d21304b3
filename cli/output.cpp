#include "output.hpp"

#include "exit_codes.hpp"
#include "redaction.hpp"

#include <pgpx/detail/strings.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/oid.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <ostream>

namespace pgpx::cli {
namespace {

auto json_number(std::string_view text) -> nlohmann::json {
  std::int64_t i = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec == std::errc() && p == text.data() + text.size()) return i;
  return nlohmann::json::parse(text, nullptr, false).is_number() ? nlohmann::json::parse(text) : nlohmann::json(text);
}

auto json_float(std::string_view text) -> nlohmann::json {
  if (text == "NaN" || text == "Infinity" || text == "-Infinity") return std::string(text);
  double d = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec == std::errc() && p == text.data() + text.size()) return d;
  return std::string(text);
}

// "2024-01-31 12:00:00.5+00" (TimeZone UTC) -> "2024-01-31T12:00:00.5Z".
auto iso_timestamp(std::string_view text, bool utc) -> std::string {
  std::string s(text);
  if (s == "infinity" || s == "-infinity") return s;
  if (auto sp = s.find(' '); sp != std::string::npos && sp == 10) s[sp] = 'T';
  if (utc) {
    if (s.size() > 3 && s.compare(s.size() - 3, 3, "+00") == 0) s.replace(s.size() - 3, 3, "Z");
    else if (s.size() > 6 && s.compare(s.size() - 6, 6, "+00:00") == 0) s.replace(s.size() - 6, 6, "Z");
  }
  return s;
}

auto element_of(oid type, const std::map<oid, type_facts>& facts) -> oid {
  if (auto e = builtin_array_element(type); e != 0) return e;
  if (auto it = facts.find(type); it != facts.end() && it->second.category == 'A') return it->second.element;
  return 0;
}

void convert_elements(nlohmann::json& node, oid element, const std::map<oid, type_facts>& facts) {
  if (node.is_array()) {
    for (auto& child : node) convert_elements(child, element, facts);
  } else if (node.is_string()) {
    node = value_to_json(node.get<std::string>(), element, facts);
  }
}

auto csv_field(std::string_view v) -> std::string {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos && !v.empty()) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += "\"\"";
    else out.push_back(c);
  }
  return out + "\"";
}

// The display width of a UTF-8 string, counting code points (good enough for a table).
auto width(std::string_view s) -> std::size_t { return pgpx::detail::utf8_length(s); }

auto cell(std::string_view s) -> std::string {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out.push_back(c);
  }
  return out;
}

}  // namespace

auto parse_result_format(std::string_view text) -> result_format {
  if (text == "table") return result_format::table;
  if (text == "json") return result_format::json;
  if (text == "csv") return result_format::csv;
  if (text == "ndjson") return result_format::ndjson;
  throw usage_error("--format must be table, json, csv or ndjson, not \"" + std::string(text) + "\"");
}

auto parse_array_literal(std::string_view text) -> nlohmann::json {
  std::size_t i = 0;
  // Optional dimension decoration: "[1:2][3:4]={...}".
  if (!text.empty() && text[0] == '[') {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) throw conversion_error("malformed array literal: " + std::string(text));
    i = eq + 1;
  }
  const auto fail = [&] { throw conversion_error("malformed array literal: " + std::string(text)); };
  std::vector<nlohmann::json> stack;
  nlohmann::json result;
  bool expect_value = true;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '{') {
      stack.emplace_back(nlohmann::json::array());
      ++i;
      expect_value = true;
    } else if (c == '}') {
      if (stack.empty()) fail();
      nlohmann::json done = std::move(stack.back());
      stack.pop_back();
      ++i;
      if (stack.empty()) {
        result = std::move(done);
        if (i != text.size()) fail();
        return result;
      }
      stack.back().push_back(std::move(done));
      expect_value = false;
    } else if (c == ',') {
      ++i;
      expect_value = true;
    } else if (c == ' ') {
      ++i;
    } else {
      if (stack.empty() || !expect_value) fail();
      std::string v;
      bool quoted = false;
      if (c == '"') {
        quoted = true;
        ++i;
        while (i < text.size() && text[i] != '"') {
          if (text[i] == '\\' && i + 1 < text.size()) ++i;
          v.push_back(text[i++]);
        }
        if (i >= text.size()) fail();
        ++i;
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '}') {
          if (text[i] == '\\' && i + 1 < text.size()) ++i;
          v.push_back(text[i++]);
        }
        while (!v.empty() && v.back() == ' ') v.pop_back();
      }
      if (!quoted && v == "NULL") stack.back().push_back(nullptr);
      else stack.back().push_back(std::move(v));
      expect_value = false;
    }
  }
  fail();
  return result;
}

auto lookup_types(pgpx::connection& cx, const pgpx::result& r) -> std::map<oid, type_facts> {
  std::string list;
  for (int c = 0; c < r.columns(); ++c) {
    const oid t = r.column_type(c);
    if (is_builtin_type(t)) continue;
    list += (list.empty() ? "" : ",") + std::to_string(t);
  }
  std::map<oid, type_facts> out;
  if (list.empty()) return out;
  pgpx::param_list p;
  p.add_text("{" + list + "}");
  auto rows = cx.query_params<std::tuple<std::int64_t, std::int64_t, std::string>>(
      "select oid::int8, typelem::int8, typcategory::text from pg_type where oid = any($1::oid[])", p);
  for (const auto& [o, e, cat] : rows)
    out[static_cast<oid>(o)] = type_facts{static_cast<oid>(e), cat.empty() ? '\0' : cat[0]};
  return out;
}

auto value_to_json(std::string_view text, oid type, const std::map<oid, type_facts>& facts) -> nlohmann::json {
  switch (type) {
    case oids::bool_: return text == "t";
    case oids::int2:
    case oids::int4:
    case oids::int8:
    case oids::oid_: return json_number(text);
    case oids::float4:
    case oids::float8: return json_float(text);
    case oids::timestamp: return iso_timestamp(text, false);
    case oids::timestamptz: return iso_timestamp(text, true);
    case oids::json:
    case oids::jsonb: {
      auto j = nlohmann::json::parse(text, nullptr, false);
      return j.is_discarded() ? nlohmann::json(std::string(text)) : j;
    }
    default: break;
  }
  if (const oid e = element_of(type, facts); e != 0) {
    nlohmann::json arr = parse_array_literal(text);
    convert_elements(arr, e, facts);
    return arr;
  }
  // numeric (exact digits), text types, bytea ("\x..."), uuid, date, time, interval (ISO
  // 8601 under IntervalStyle iso_8601), enums, and every type without a rule: the text form.
  return std::string(text);
}

auto json_keys(const std::vector<std::string>& names) -> std::vector<std::string> {
  std::set<std::string, std::less<>> taken(names.begin(), names.end());
  std::set<std::string, std::less<>> given;
  std::vector<std::string> keys;
  keys.reserve(names.size());
  for (const auto& name : names) {
    std::string key = name;
    if (given.contains(key)) {
      for (int n = 2;; ++n) {
        key = name + "_" + std::to_string(n);
        if (!taken.contains(key) && !given.contains(key)) break;
      }
      taken.insert(key);
    }
    given.insert(key);
    keys.push_back(std::move(key));
  }
  return keys;
}

void print_result(std::ostream& out, const pgpx::result& r, result_format format,
                  const std::map<oid, type_facts>& facts) {
  const int ncol = r.columns();
  const auto rows = r.size();
  switch (format) {
    case result_format::json:
    case result_format::ndjson: {
      // ordered_json keeps the columns in the query's order; json_keys() keeps every column
      // when several have the same name (a join, `select 1 as a, 2 as a`).
      std::vector<std::string> names;
      for (int c = 0; c < ncol; ++c) names.emplace_back(r.column_name(c));
      const auto keys = json_keys(names);
      const auto row_object = [&](std::size_t i) {
        nlohmann::ordered_json obj = nlohmann::ordered_json::object();
        for (int c = 0; c < ncol; ++c) {
          const auto f = r[i][c];
          obj[keys[static_cast<std::size_t>(c)]] =
              f.is_null() ? nlohmann::ordered_json(nullptr)
                          : nlohmann::ordered_json(value_to_json(f.text(), r.column_type(c), facts));
        }
        return obj;
      };
      if (format == result_format::ndjson) {
        for (std::size_t i = 0; i < rows; ++i) out << row_object(i).dump() << "\n";
      } else {
        out << "[";
        for (std::size_t i = 0; i < rows; ++i) out << (i == 0 ? "\n  " : ",\n  ") << row_object(i).dump();
        out << (rows == 0 ? "]\n" : "\n]\n");
      }
      break;
    }
    case result_format::csv: {
      for (int c = 0; c < ncol; ++c) out << (c == 0 ? "" : ",") << csv_field(r.column_name(c));
      out << "\r\n";
      for (std::size_t i = 0; i < rows; ++i) {
        for (int c = 0; c < ncol; ++c) {
          const auto f = r[i][c];
          out << (c == 0 ? "" : ",");
          if (!f.is_null()) out << csv_field(f.text());
        }
        out << "\r\n";
      }
      break;
    }
    case result_format::table: {
      if (ncol == 0) {
        out << r.command_tag() << "\n";
        break;
      }
      std::vector<std::size_t> w(static_cast<std::size_t>(ncol));
      std::vector<std::vector<std::string>> cells(rows);
      for (int c = 0; c < ncol; ++c) w[static_cast<std::size_t>(c)] = width(r.column_name(c));
      for (std::size_t i = 0; i < rows; ++i) {
        for (int c = 0; c < ncol; ++c) {
          const auto f = r[i][c];
          cells[i].push_back(f.is_null() ? std::string() : cell(f.text()));
          w[static_cast<std::size_t>(c)] = std::max(w[static_cast<std::size_t>(c)], width(cells[i].back()));
        }
      }
      const auto pad = [&](std::string_view s, std::size_t n) { out << s << std::string(n - width(s), ' '); };
      for (int c = 0; c < ncol; ++c) {
        out << (c == 0 ? " " : " | ");
        pad(r.column_name(c), w[static_cast<std::size_t>(c)]);
      }
      out << "\n";
      for (int c = 0; c < ncol; ++c) out << (c == 0 ? "-" : "-+-") << std::string(w[static_cast<std::size_t>(c)], '-');
      out << "-\n";
      for (std::size_t i = 0; i < rows; ++i) {
        for (int c = 0; c < ncol; ++c) {
          out << (c == 0 ? " " : " | ");
          pad(cells[i][static_cast<std::size_t>(c)], w[static_cast<std::size_t>(c)]);
        }
        out << "\n";
      }
      out << "(" << rows << (rows == 1 ? " row)\n" : " rows)\n");
      break;
    }
  }
}

void print_json_report(const nlohmann::json& report) { std::cout << report.dump(2) << "\n" << std::flush; }

namespace {
bool error_reported_in_json = false;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): one per process
}  // namespace

auto error_json(const pgpx::error& e) -> nlohmann::json {
  nlohmann::json j = {{"message", redact_message(e.message(), known_secrets())},
                      {"code", static_cast<int>(exit_code_for(e))}};
  std::string file;
  int line = 0;
  if (const auto* s = dynamic_cast<const migrate::source_error*>(&e)) {
    file = s->file();
    line = s->line();
  } else if (const auto* u = dynamic_cast<const located_usage_error*>(&e)) {
    file = u->file();
    line = u->line();
  }
  if (!file.empty()) j["file"] = redact_message(file, known_secrets());
  if (line > 0) j["line"] = line;
  return j;
}

auto error_json(const std::exception& e) -> nlohmann::json {
  return {{"message", redact_message(e.what(), known_secrets())}, {"code", static_cast<int>(exit_code::error)}};
}

void note_error_in_json_report() noexcept { error_reported_in_json = true; }
auto error_in_json_report() noexcept -> bool { return error_reported_in_json; }

namespace {
nlohmann::json
    returned_error_object;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): one per process run
}  // namespace

auto returned_error(int code, const std::string& message) -> int {
  const std::string masked = redact_message(message, known_secrets());
  std::cerr << "pgpx: error: " << masked << "\n";
  returned_error_object = {{"message", masked}, {"code", code}};
  return code;
}

auto returned_error_json() -> nlohmann::json { return returned_error_object; }

}  // namespace pgpx::cli
