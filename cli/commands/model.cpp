// pgpx model create: pgpx ORM models (C++ structs and pgpx::model<T> specialisations) from
// the catalog, read through pgpx::schema::introspect.
//
// Layout: one header per schema with generated tables, `<out>/<schema>.hpp`, holding the
// schema's structs in foreign-key order, each followed by its pgpx::model<T>; and, when the
// tables use enums or composite types, `<out>/types.hpp` with all of them (every schema),
// which the schema headers include. `#pragma once`, as pgpx's own headers. Namespaces:
// `<ns>::<schema>` (--namespace, default `models`).
//
// Output depends only on the catalog (introspect sorts everything by byte value) and the
// options: no time stamps, no catalog order. Each file's header carries the SHA-256 of the
// catalog JSON of what the file describes (its tables, or the types).
//
// Names: a SQL name becomes a C++ identifier by snake_case (or camelCase / PascalCase with
// --naming camel), anything but [A-Za-z0-9_] becoming `_`, a leading digit prefixed with
// `n_`, keywords suffixed with `_`, and collisions (after that folding) numbered `_2`, `_3`
// in the byte order of the SQL names. A member whose column name pgpx would not derive from
// it keeps the SQL name through pgpx::rename in model<T>::columns(); every struct states its
// table and schema.
//
// What has no C++ form is written as a `// pgpx:` comment in the output and a warning on
// standard error naming schema.table.column: a column type without a codec (the column is
// left out), a foreign key to a table not generated, a multi-column or cyclic one, names of
// constraints that differ from PostgreSQL's defaults when pgpx cannot state them, checks,
// and expression or partial indexes.
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "commands.hpp"
#include "schema_source.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/migrate/checksum.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/reflect/naming.hpp>
#include <pgpx/schema/introspect.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace pgpx::cli {

namespace {

namespace fs = std::filesystem;
using schema::catalog;
using schema::column_def;
using schema::constraint_def;
using schema::constraint_kind;
using schema::table_info;

struct model_flags {
  std::vector<std::string> tables;  // TABLE or SCHEMA.TABLE
  bool all = false;
  std::string schemas;  // --schema a,b (default public)
  std::string out = "models";
  std::string naming = "snake";
  std::string ns = "models";
  bool with_crud = false;
  bool check = false;
  std::string format = "text";  // --format text|json
};

// ---- names ----

const std::set<std::string>& reserved_words() {
  static const std::set<std::string> words = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch", "char",
      "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr", "constinit",
      "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete", "do", "double",
      "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
      "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
      "or_eq", "private", "protected", "public", "register", "reinterpret_cast", "requires", "return", "short",
      "signed", "sizeof", "static", "static_assert", "static_cast", "struct", "switch", "template", "this",
      "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual",
      "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
      // identifiers that are macros in common environments, and pgpx's own namespace
      "linux", "unix", "errno", "assert", "NULL", "EOF", "stdin", "stdout", "stderr", "offsetof", "pgpx", "std",
      "nlohmann", "final", "override", "import", "module"};
  return words;
}

// Any text -> [A-Za-z0-9_]+, no leading digit, no double or leading/trailing underscore.
auto identifier_chars(std::string_view s) -> std::string {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (ok) out.push_back(ch);
    else if (!out.empty() && out.back() != '_') out.push_back('_');
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty()) out = "x";
  if (out[0] >= '0' && out[0] <= '9') out = "n_" + out;
  return out;
}

auto snake(std::string_view sql) -> std::string {
  // Separators first, so that "User Name" and "userName" both become user_name.
  std::string s = identifier_chars(sql);
  s = reflect::apply_naming(s, naming::snake_case);
  std::string out;
  for (const char c : s)
    if (c != '_' || (!out.empty() && out.back() != '_')) out.push_back(c);
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "x" : out;
}

auto camel(std::string_view sql) -> std::string { return reflect::apply_naming(snake(sql), naming::camel_case); }

auto pascal(std::string_view sql) -> std::string {
  std::string s = camel(sql);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

auto not_reserved(std::string s) -> std::string {
  if (reserved_words().count(s) != 0) s += '_';
  return s;
}

// Takes `want`, or want_2, want_3... when taken (exact comparison: names are already folded).
auto claim(std::set<std::string>& taken, const std::string& want) -> std::string {
  std::string n = want;
  // "class_" numbers as "class_2": no double underscore (reserved in C++).
  const std::string stem = !want.empty() && want.back() == '_' ? want : want + "_";
  for (int i = 2; taken.count(n) != 0; ++i) n = stem + std::to_string(i);
  taken.insert(n);
  return n;
}

// The singular form pgpx's table-name rule pluralises back to `table` (books -> book), or
// `table` itself.
auto singular(const std::string& table) -> std::string {
  std::vector<std::string> tries;
  auto ends = [&](std::string_view suf) {
    return table.size() > suf.size() && table.compare(table.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (ends("ies")) tries.push_back(table.substr(0, table.size() - 3) + "y");
  if (ends("es")) tries.push_back(table.substr(0, table.size() - 2));
  if (ends("s")) tries.push_back(table.substr(0, table.size() - 1));
  for (const auto& t : tries)
    if (pgpx::detail::default_table_name(t) == table) return t;
  return table;
}

// ---- C++ text ----

// A C++ string literal: printable ASCII and UTF-8 bytes as they are, the rest escaped.
auto lit(std::string_view s) -> std::string {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned>(c));
      out += buf;
    } else if (ch == '?') {
      out += "\\?";  // no trigraph, whatever the compiler's mode
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

auto hex(const migrate::digest& d) -> std::string {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const auto b : d) {
    const auto v = static_cast<unsigned>(b);
    out += digits[(v >> 4U) & 0xFU];
    out += digits[v & 0xFU];
  }
  return out;
}

// ---- SQL type text ----

// A format_type() name split into its parts: `"My Schema".mood[]` -> {My Schema, mood}, array.
struct type_ref {
  std::string schema;  // empty when unqualified
  std::string name;    // the base name, typmod taken off: "character varying", "numeric", "mood"
  std::vector<long> mods;  // the typmod numbers: 80 for character varying(80)
  bool array = false;
  std::string suffix;  // " with time zone" for timestamp(3) with time zone, kept in name
};

auto parse_type(std::string text) -> type_ref {
  type_ref t;
  if (text.size() > 2 && text.compare(text.size() - 2, 2, "[]") == 0) {
    t.array = true;
    text.resize(text.size() - 2);
  }
  // Quoted or bare identifiers separated by dots; a bare part may hold spaces and (typmod).
  std::vector<std::string> parts;
  std::string cur;
  bool quoted_part = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      quoted_part = true;
      for (++i; i < text.size(); ++i) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            cur += '"';
            ++i;
          } else {
            break;
          }
        } else {
          cur += text[i];
        }
      }
    } else if (c == '.' && !quoted_part && cur.find('(') == std::string::npos) {
      parts.push_back(cur);
      cur.clear();
    } else if (c == '.' && quoted_part) {
      parts.push_back(cur);
      cur.clear();
      quoted_part = false;
    } else if (c == '(' && !quoted_part) {
      std::size_t end = text.find(')', i);
      if (end == std::string::npos) end = text.size();
      std::stringstream ss(text.substr(i + 1, end - i - 1));
      std::string num;
      while (std::getline(ss, num, ',')) t.mods.push_back(std::strtol(num.c_str(), nullptr, 10));
      i = end;
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  if (parts.size() >= 2) {
    t.schema = parts[0];
    t.name = parts[1];
  } else {
    t.name = parts[0];
  }
  // "timestamp with time zone" after the typmod is removed leaves a double space.
  std::string n;
  for (const char c : t.name)
    if (c != ' ' || (!n.empty() && n.back() != ' ')) n += c;
  while (!n.empty() && n.back() == ' ') n.pop_back();
  t.name = n;
  return t;
}

// A built-in type's C++ form, or "".
auto builtin_cpp(const std::string& n) -> std::string {
  static const std::map<std::string, std::string> m = {
      {"boolean", "bool"},
      {"smallint", "std::int16_t"},
      {"integer", "std::int32_t"},
      {"bigint", "std::int64_t"},
      {"real", "float"},
      {"double precision", "double"},
      {"numeric", "pgpx::numeric"},
      {"text", "std::string"},
      {"character varying", "std::string"},
      {"character", "std::string"},
      {"bytea", "pgpx::bytea"},
      {"uuid", "pgpx::uuid"},
      {"json", "nlohmann::json"},
      {"jsonb", "nlohmann::json"},
      {"date", "pgpx::date"},
      {"timestamp with time zone", "pgpx::timestamptz"},
      {"timestamp without time zone", "pgpx::timestamp"},
      {"time without time zone", "pgpx::time_of_day"},
      {"interval", "pgpx::interval"},
      {"inet", "pgpx::inet"},
      {"cidr", "pgpx::inet"},
      {"int4range", "pgpx::range<std::int32_t>"},
      {"int8range", "pgpx::range<std::int64_t>"},
      {"numrange", "pgpx::range<pgpx::numeric>"},
      {"tsrange", "pgpx::range<pgpx::timestamp>"},
      {"tstzrange", "pgpx::range<pgpx::timestamptz>"},
      {"daterange", "pgpx::range<pgpx::date>"},
  };
  const auto it = m.find(n);
  return it == m.end() ? std::string() : it->second;
}

// Notes the model's DDL would write another type than the database has.
auto builtin_note(const type_ref& t) -> std::string {
  if (t.name == "numeric" && !t.mods.empty()) return "numeric with precision and scale in the database";
  if (t.name == "character") return "character(n) in the database; the model's DDL says text";
  if (t.name == "json") return "json in the database; the model's DDL says jsonb";
  if (t.name == "cidr") return "cidr in the database; the model's DDL says inet";
  if ((t.name == "timestamp with time zone" || t.name == "timestamp without time zone" ||
       t.name == "time without time zone" || t.name == "interval") &&
      !t.mods.empty())
    return "a precision in the database; the model's DDL has none";
  return {};
}

// ---- the plan ----

struct gen_type {  // an enum or composite type that generated code uses
  std::string schema, name;
  bool is_enum = false;
  const schema::enum_type_info* e = nullptr;
  const schema::composite_type_info* c = nullptr;
  std::string cpp;  // the C++ name in its schema's namespace
};

struct gen_table {
  const table_info* t = nullptr;
  std::string cpp;  // struct name
  std::vector<std::string> members;  // per column (empty: left out)
};

struct generator {
  const catalog& cat;
  const model_flags& f;
  std::map<std::string, std::string> ns_of_schema;  // schema -> C++ namespace name
  std::map<std::string, std::string> file_of_schema;  // schema -> file stem
  std::vector<gen_table> tables;  // sorted by schema, name
  std::map<std::pair<std::string, std::string>, gen_type> types;
  std::map<std::string, std::set<std::string>> taken;  // per namespace
  std::vector<std::string> warnings;

  auto camel_mode() const -> bool { return f.naming == "camel"; }
  auto struct_name(const std::string& sql, bool is_table) -> std::string {
    const std::string base = is_table ? singular(snake(sql)) : snake(sql);
    return not_reserved(camel_mode() ? pascal(base) : base);
  }
  auto member_name(const std::string& sql) const -> std::string {
    return not_reserved(camel_mode() ? camel(sql) : snake(sql));
  }
  void warn(const std::string& where, const std::string& what) { warnings.push_back(where + ": " + what); }

  auto find_table_gen(const schema::qualified_name& q) -> gen_table* {
    for (auto& g : tables)
      if (g.t->schema == q.schema && g.t->name == q.name) return &g;
    return nullptr;
  }

  // The enum or composite a type reference names (unqualified: public first, then any).
  auto find_user_type(const type_ref& r) -> std::optional<std::pair<std::string, std::string>> {
    auto has = [&](const std::string& s) -> bool {
      for (const auto& e : cat.enums)
        if (e.schema == s && e.name == r.name) return true;
      for (const auto& c : cat.composite_types)
        if (c.schema == s && c.name == r.name) return true;
      return false;
    };
    if (!r.schema.empty()) {
      if (has(r.schema)) return std::pair{r.schema, r.name};
      return std::nullopt;
    }
    if (has("public")) return std::pair{std::string("public"), r.name};
    for (const auto& e : cat.enums)
      if (e.name == r.name) return std::pair{e.schema, e.name};
    for (const auto& c : cat.composite_types)
      if (c.name == r.name) return std::pair{c.schema, c.name};
    return std::nullopt;
  }

  auto find_domain(const type_ref& r) -> const schema::domain_info* {
    for (const auto& d : cat.domains)
      if (d.name == r.name && (r.schema.empty() || d.schema == r.schema)) return &d;
    return nullptr;
  }

  void use_type(const std::pair<std::string, std::string>& key) {
    if (types.count(key) != 0) return;
    gen_type g;
    g.schema = key.first;
    g.name = key.second;
    for (const auto& e : cat.enums)
      if (e.schema == key.first && e.name == key.second) {
        g.is_enum = true;
        g.e = &e;
      }
    if (!g.is_enum)
      for (const auto& c : cat.composite_types)
        if (c.schema == key.first && c.name == key.second) g.c = &c;
    types.emplace(key, g);
    if (g.c != nullptr)  // its attributes' types too
      for (const auto& a : g.c->attributes) {
        std::string note;
        (void)cpp_type(a.type, note);
      }
  }

  // The C++ value type of a column type, or "" when it has none; `note` gets a remark.
  auto cpp_type(const std::string& sql_type, std::string& note) -> std::string {
    type_ref r = parse_type(sql_type);
    std::string base;
    if (r.schema.empty() || r.schema == "pg_catalog") base = builtin_cpp(r.name);
    if (!base.empty()) {
      const std::string n = builtin_note(r);
      if (!n.empty()) note = n;
    } else if (auto ut = find_user_type(r)) {
      use_type(*ut);
      base = "@type:" + ut->first + "\x1f" + ut->second + "\x1e";  // resolved once all are named
    } else if (const auto* d = find_domain(r)) {
      std::string inner_note;
      base = cpp_type(d->base_type, inner_note);
      if (base.empty()) return {};
      note = "domain " + d->schema + "." + d->name + " over " + d->base_type +
             " in the database; the model's DDL says the base type";
      if (r.array) return "std::vector<" + base + ">";
      return base;
    } else {
      return {};
    }
    if (r.array) {
      if (!note.empty() || !r.mods.empty()) note = note.empty() ? sql_type + " in the database" : note;
      return "std::vector<" + base + ">";
    }
    return base;
  }

  auto resolve(std::string s) const -> std::string {
    // Replaces every @type:schema\x1fname with its qualified C++ name.
    for (std::size_t p = s.find("@type:"); p != std::string::npos; p = s.find("@type:")) {
      const std::size_t sep = s.find('\x1f', p);
      const std::size_t end = s.find('\x1e', sep);
      const std::string sch = s.substr(p + 6, sep - p - 6);
      const std::string nm = s.substr(sep + 1, end - sep - 1);
      const auto& g = types.at({sch, nm});
      s.replace(p, end + 1 - p, "::" + f.ns + "::" + ns_of_schema.at(sch) + "::" + g.cpp);
    }
    return s;
  }
};

auto action_name(schema::referential_action a, const char* kind) -> std::string {
  std::string k = kind;
  switch (a) {
    case schema::referential_action::no_action: return {};
    case schema::referential_action::restrict: return "pgpx::" + k + "::restrict";
    case schema::referential_action::cascade: return "pgpx::" + k + "::cascade";
    case schema::referential_action::set_null: return "pgpx::" + k + "::set_null";
    case schema::referential_action::set_default: return "pgpx::" + k + "::set_default";
  }
  return {};
}

auto header_for(const std::string& hash, const model_flags& f, const std::string& what) -> std::string {
  std::string h;
  h += "// Generated by `pgpx model create` (" + what + "): do not edit, regenerate.\n";
  h += "// Source-schema hash: sha256:" + hash + "\n";
  h += "// Options: --naming " + f.naming + " --namespace " + f.ns + (f.with_crud ? " --with-crud" : "") + "\n";
  h += "#pragma once\n\n";
  return h;
}

auto run_model_create(context& ctx, model_flags& f) -> int {
  if (f.naming != "snake" && f.naming != "camel")
    throw usage_error("--naming must be snake or camel, not '" + f.naming + "'");
  if (f.ns.empty() || identifier_chars(f.ns) != f.ns || reserved_words().count(f.ns) != 0)
    throw usage_error("--namespace must be a C++ identifier, not '" + f.ns + "'");
  if (f.all == !f.tables.empty()) throw usage_error("pgpx model create needs table names or --all (not both)");
  std::vector<std::string> schemas = split_list(f.schemas);
  if (schemas.empty()) schemas = {"public"};
  auto cx = ctx.connect();
  const catalog cat = schema::introspect(cx);
  for (const auto& s : schemas) {
    bool found = false;
    for (const auto& si : cat.schemas) found = found || si.name == s;
    if (!found) throw usage_error("--schema: no schema \"" + s + "\" in the database");
  }

  generator g{cat, f, {}, {}, {}, {}, {}, {}};
  // Which tables.
  std::set<std::pair<std::string, std::string>> wanted;
  if (f.all) {
    for (const auto& t : cat.tables)
      if (std::find(schemas.begin(), schemas.end(), t.schema) != schemas.end() &&
          t.kind != schema::table_kind::partition)
        wanted.insert({t.schema, t.name});
  } else {
    for (const auto& name : f.tables) {
      std::pair<std::string, std::string> q;
      const auto dot = name.find('.');
      if (dot != std::string::npos && cat.find_table(name.substr(0, dot), name.substr(dot + 1)) != nullptr)
        q = {name.substr(0, dot), name.substr(dot + 1)};
      else q = {schemas.front(), name};
      if (cat.find_table(q.first, q.second) == nullptr)
        throw usage_error("no table \"" + q.first + "\".\"" + q.second + "\" in the database");
      wanted.insert(q);
    }
  }
  if (wanted.empty()) {
    std::string list;
    for (const auto& sc : schemas) list += (list.empty() ? "" : ", ") + sc;
    throw usage_error("no tables to generate in schema(s) " + list);
  }
  for (const auto& t : cat.tables)
    if (wanted.count({t.schema, t.name}) != 0) g.tables.push_back(gen_table{&t, {}, {}});

  // Namespaces and files per schema (sorted, so numbering is stable).
  {
    std::set<std::string> ns_taken{"types"};
    std::set<std::string> schema_names;
    for (const auto& t : g.tables) schema_names.insert(t.t->schema);
    for (const auto& s : schema_names) {
      const std::string n = claim(ns_taken, not_reserved(snake(s)));
      g.ns_of_schema[s] = n;
      g.file_of_schema[s] = n;
    }
  }

  // Column types (this also collects the enums and composites used).
  std::map<std::pair<const table_info*, std::size_t>, std::pair<std::string, std::string>> col_types;  // cpp, note
  for (const auto& gt : g.tables)
    for (std::size_t i = 0; i < gt.t->columns.size(); ++i) {
      const auto& c = gt.t->columns[i];
      std::string note;
      const std::string where = gt.t->schema + "." + gt.t->name + "." + c.name;
      const std::string cpp = g.cpp_type(c.type, note);
      if (cpp.empty()) g.warn(where, "type " + c.type + " has no C++ mapping; the column is left out of the model");
      col_types[{gt.t, i}] = {cpp, note};
    }
  for (const auto& [k, _] : g.types)
    if (g.ns_of_schema.count(k.first) == 0) {
      std::set<std::string> ns_taken{"types"};
      for (const auto& [s, n] : g.ns_of_schema) ns_taken.insert(n);
      g.ns_of_schema[k.first] = claim(ns_taken, not_reserved(snake(k.first)));
    }

  // C++ names per namespace: types and tables together, by SQL name.
  {
    std::map<std::string, std::vector<std::tuple<std::string, int, void*>>> per_ns;
    for (auto& [k, t] : g.types) per_ns[g.ns_of_schema[k.first]].emplace_back(k.second, 0, &t);
    for (auto& t : g.tables) per_ns[g.ns_of_schema[t.t->schema]].emplace_back(t.t->name, 1, &t);
    for (auto& [ns, list] : per_ns) {
      std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
      });
      auto& taken = g.taken[ns];
      for (auto& [sql, kind, p] : list) {
        if (kind == 0) static_cast<gen_type*>(p)->cpp = claim(taken, g.struct_name(sql, false));
        else static_cast<gen_table*>(p)->cpp = claim(taken, g.struct_name(sql, true));
      }
    }
  }
  // Member names per table: first the columns whose name needs no rename (the column
  // "mixed_case" keeps mixed_case when "Mixed Case" is there too), then the rest, each in
  // column order.
  for (auto& gt : g.tables) {
    std::set<std::string> taken{gt.cpp};
    gt.members.assign(gt.t->columns.size(), std::string());
    for (const bool exact_pass : {true, false})
      for (std::size_t i = 0; i < gt.t->columns.size(); ++i) {
        if (col_types[{gt.t, i}].first.empty()) continue;
        const std::string& sql = gt.t->columns[i].name;
        const std::string want = g.member_name(sql);
        const bool exact = (g.camel_mode() ? reflect::apply_naming(want, naming::snake_case) : want) == sql;
        if (exact == exact_pass) gt.members[i] = claim(taken, want);
      }
  }

  // Foreign-key order within a schema: a table after the tables it references. Edges that
  // would close a cycle (and self references, which C++ cannot declare) become plain columns.
  std::map<std::string, std::vector<gen_table*>> order;  // schema -> tables in declaration order
  std::set<std::pair<const table_info*, std::string>> declared_fks;  // (table, constraint name)
  {
    std::map<const table_info*, int> state;  // 0 new, 1 visiting, 2 done
    std::function<void(gen_table&)> visit = [&](gen_table& t) {
      state[t.t] = 1;
      for (const auto& c : t.t->constraints) {
        if (c.kind != constraint_kind::foreign_key || !c.references || c.columns.size() != 1) continue;
        gen_table* target = g.find_table_gen(*c.references);
        if (target == nullptr || target->t->schema != t.t->schema || target == &t) continue;
        if (state[target->t] == 1) continue;  // a cycle: this edge is dropped
        if (state[target->t] == 0) visit(*target);
        declared_fks.insert({t.t, c.name});
      }
      state[t.t] = 2;
      order[t.t->schema].push_back(&t);
    };
    for (auto& t : g.tables)
      if (state[t.t] == 0) visit(t);
    // A foreign key is declared only when its target came first (checked again below).
  }

  // ---- types.hpp ----
  std::map<fs::path, std::string> files;
  const fs::path out_dir = f.out;
  if (!g.types.empty()) {
    catalog sub;
    for (const auto& [k, t] : g.types) {
      if (t.e != nullptr) sub.enums.push_back(*t.e);
      if (t.c != nullptr) sub.composite_types.push_back(*t.c);
    }
    const std::string hash = hex(migrate::sha256(schema::to_json(sub)));
    std::string s = header_for(hash, f, "enum and composite types");
    s += "#include <pgpx/types.hpp>\n\n#include <array>\n#include <cstdint>\n#include <optional>\n#include "
         "<string>\n#include <string_view>\n#include <vector>\n\n";
    // Enums first, then composites in dependency order (a composite's members first).
    std::set<std::pair<std::string, std::string>> done;
    std::function<void(const gen_type&)> emit = [&](const gen_type& t) {
      if (!done.insert({t.schema, t.name}).second) return;
      const std::string ns = f.ns + "::" + g.ns_of_schema.at(t.schema);
      const std::string full = "::" + ns + "::" + t.cpp;
      // The name as to_regtype() reads it: bare when PostgreSQL needs no quotes, qualified
      // outside public.
      auto simple = [](const std::string& n) {
        return identifier_chars(n) == n && snake(n) == n && n.find("__") == std::string::npos &&
               reserved_words().count(n) == 0;
      };
      const std::string pg_name = t.schema == "public" ? (simple(t.name) ? t.name : quote_identifier(t.name))
                                  : simple(t.schema) && simple(t.name) ? t.schema + "." + t.name
                                                                       : quote_qualified({t.schema, t.name});
      if (t.is_enum) {
        s += "// enum " + lit(t.schema + "." + t.name) + "\n";
        s += "namespace " + ns + " {\nenum class " + t.cpp + " {\n";
        std::set<std::string> taken;
        std::vector<std::string> names;
        for (const auto& l : t.e->labels) names.push_back(claim(taken, g.member_name(l)));
        for (const auto& n : names) s += "  " + n + ",\n";
        s += "};\n}  // namespace " + ns + "\n";
        if (!names.empty()) {
          s += "template <>\ninline constexpr std::array pgpx::enum_labels<" + full + "> = {\n";
          for (std::size_t i = 0; i < names.size(); ++i)
            s += "    pgpx::enum_label<" + full + ">{" + full + "::" + names[i] + ", " + lit(t.e->labels[i]) + "},\n";
          s += "};\n";
        }
        s += "template <>\ninline constexpr std::string_view pgpx::enum_type<" + full + "> = " + lit(pg_name) + ";\n\n";
      } else {
        std::vector<std::string> members;
        std::vector<std::string> ctypes;
        std::set<std::string> taken{t.cpp};
        for (const auto& a : t.c->attributes) {
          std::string note;
          const std::string cpp = g.cpp_type(a.type, note);
          if (cpp.empty()) {
            g.warn("type " + t.schema + "." + t.name + "." + a.name,
                   "type " + a.type + " has no C++ mapping; the composite is not generated");
            s += "// pgpx: composite " + lit(t.schema + "." + t.name) + " not generated: attribute " + lit(a.name) +
                 " of type " + lit(a.type) + " has no C++ mapping\n\n";
            return;
          }
          // Composite members depend on their own types being emitted first.
          const type_ref r = parse_type(a.type);
          if (auto ut = g.find_user_type(r)) emit(g.types.at(*ut));
          members.push_back(claim(taken, g.member_name(a.name)));
          ctypes.push_back("std::optional<" + g.resolve(cpp) + ">");
        }
        s += "// composite type " + lit(t.schema + "." + t.name) + " (members by position)\n";
        s += "namespace " + ns + " {\nstruct " + t.cpp + " {\n";
        for (std::size_t i = 0; i < members.size(); ++i)
          s += "  " + ctypes[i] + " " + members[i] + ";" +
               (members[i] == t.c->attributes[i].name ? "" : "  // " + lit(t.c->attributes[i].name)) + "\n";
        s += "};\n}  // namespace " + ns + "\n";
        s += "template <>\ninline constexpr bool pgpx::is_composite<" + full + "> = true;\n";
        s += "template <>\ninline constexpr std::string_view pgpx::composite_type<" + full + "> = " + lit(pg_name) +
             ";\n\n";
      }
    };
    for (const auto& [k, t] : g.types)
      if (t.is_enum) emit(t);
    for (const auto& [k, t] : g.types)
      if (!t.is_enum) emit(t);
    files[out_dir / "types.hpp"] = s;
  }

  // ---- one header per schema ----
  for (const auto& [sch, list] : order) {
    catalog sub;
    for (const auto* t : list) sub.tables.push_back(*t->t);
    std::sort(sub.tables.begin(), sub.tables.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    const std::string hash = hex(migrate::sha256(schema::to_json(sub)));
    const std::string ns = f.ns + "::" + g.ns_of_schema.at(sch);
    std::string s = header_for(hash, f, "schema " + lit(sch));
    s += "#include <pgpx/model/model.hpp>\n";
    if (f.with_crud) s += "#include <pgpx/orm/crud.hpp>\n";
    if (!g.types.empty()) s += "\n#include \"types.hpp\"\n";
    s +=
        "\n#include <cstdint>\n#include <optional>\n#include <string>\n#include <string_view>\n#include <tuple>\n#include "
        "<vector>\n\n";
    std::set<const table_info*> emitted;
    for (const auto* gt : list) {
      const table_info& t = *gt->t;
      const std::string full = "::" + ns + "::" + gt->cpp;
      const std::string where_t = t.schema + "." + t.name;
      std::vector<std::string> notes;  // table-level remarks
      // Primary key and single-column uniques.
      const constraint_def* pk = nullptr;
      for (const auto& c : t.constraints)
        if (c.kind == constraint_kind::primary_key) pk = &c;
      std::vector<std::size_t> facts_key;  // key<>/identity<> members, in column order
      auto col_index = [&](const std::string& n) -> std::size_t {
        for (std::size_t i = 0; i < t.columns.size(); ++i)
          if (t.columns[i].name == n) return i;
        return static_cast<std::size_t>(-1);
      };
      auto column_name_of_member = [&](std::size_t i) {
        return g.camel_mode() ? reflect::apply_naming(gt->members[i], naming::snake_case) : gt->members[i];
      };
      std::set<std::size_t> unique_cols;
      std::vector<std::string> uniques_decl;
      for (const auto& c : t.constraints) {
        if (c.kind != constraint_kind::unique) continue;
        bool all_mapped = true;
        for (const auto& cn : c.columns) all_mapped = all_mapped && !gt->members[col_index(cn)].empty();
        if (!all_mapped) {
          notes.push_back("unique constraint " + lit(c.name) + " not declared: a column of it is left out");
          continue;
        }
        const std::size_t i0 = col_index(c.columns[0]);
        if (c.columns.size() == 1 && c.name == t.name + "_" + t.columns[i0].name + "_key" &&
            unique_cols.count(i0) == 0) {
          unique_cols.insert(i0);
          continue;
        }
        std::string d = "pgpx::unique_of(";
        for (std::size_t k = 0; k < c.columns.size(); ++k)
          d += (k ? ", &" : "&") + full + "::" + gt->members[col_index(c.columns[k])];
        uniques_decl.push_back(d + ").name(" + lit(c.name) + ")");
      }
      // Members.
      std::string body;
      std::vector<std::pair<std::string, std::string>> renames;
      for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const column_def& c = t.columns[i];
        const auto& [cpp0, note0] = col_types[{gt->t, i}];
        if (cpp0.empty()) {
          body += "  // pgpx: column " + lit(c.name) + " of type " + lit(c.type) +
                  " has no C++ mapping and is left out" +
                  (c.not_null && !c.default_expr && c.identity == schema::identity_kind::none
                       ? std::string(" (NOT NULL without a default: inserts through this model fail)")
                       : std::string()) +
                  "\n";
          continue;
        }
        std::vector<std::string> col_notes;
        if (!note0.empty()) col_notes.push_back(note0);
        std::string ty = g.resolve(cpp0);
        const type_ref r = parse_type(c.type);
        if (r.name == "character varying" && !r.mods.empty() && !r.array && r.schema.empty())
          ty = "pgpx::varchar<" + std::to_string(r.mods[0]) + ">";
        const bool in_pk =
            pk != nullptr && std::find(pk->columns.begin(), pk->columns.end(), c.name) != pk->columns.end();
        // Foreign key (one column, target generated and declared before, target a key or unique).
        for (const auto& fk : t.constraints) {
          if (fk.kind != constraint_kind::foreign_key ||
              std::find(fk.columns.begin(), fk.columns.end(), c.name) == fk.columns.end())
            continue;
          const std::string target_txt =
              fk.references ? lit(fk.references->schema + "." + fk.references->name) : std::string("?");
          gen_table* target = fk.references ? g.find_table_gen(*fk.references) : nullptr;
          std::string why;
          if (fk.columns.size() != 1) why = "it has several columns";
          else if (target == nullptr) why = "its table " + target_txt + " is not generated";
          else if (target == gt) why = "it references its own table (a struct cannot name its own member in its type)";
          else if (target->t->schema != t.schema) why = "its table " + target_txt + " is in another schema";
          else if (declared_fks.count({gt->t, fk.name}) == 0 || emitted.count(target->t) == 0)
            why = "it closes a cycle of foreign keys";
          std::size_t ti = static_cast<std::size_t>(-1);
          if (why.empty()) {
            ti = std::find_if(target->t->columns.begin(), target->t->columns.end(),
                              [&](const column_def& x) { return x.name == fk.referenced_columns[0]; }) -
                 target->t->columns.begin();
            // The target must be its table's one-column primary key or a unique<> member.
            bool ok = false;
            for (const auto& tc : target->t->constraints)
              if ((tc.kind == constraint_kind::primary_key ||
                   (tc.kind == constraint_kind::unique &&
                    tc.name == target->t->name + "_" + fk.referenced_columns[0] + "_key")) &&
                  tc.columns.size() == 1 && tc.columns[0] == fk.referenced_columns[0])
                ok = true;
            if (!ok || target->members[ti].empty()) why = "its target column is not a one-column key of the model";
            else if (parse_type(target->t->columns[ti].type).name != r.name)
              why = "its column's type differs from the target's";
          }
          if (!why.empty()) {
            col_notes.push_back("foreign key " + lit(fk.name) + " to " + target_txt + " not declared: " + why);
            g.warn(where_t + "." + c.name, "foreign key " + fk.name + " not declared: " + why);
            continue;
          }
          std::string ref = "pgpx::references<&::" + ns + "::" + target->cpp + "::" + target->members[ti];
          const std::string od = action_name(fk.on_delete, "on_delete");
          const std::string ou = action_name(fk.on_update, "on_update");
          if (!od.empty() || !ou.empty()) ref += ", " + (od.empty() ? std::string("pgpx::on_delete::no_action") : od);
          if (!ou.empty()) ref += ", " + ou;
          ty = ref + ">";
          if (fk.name != t.name + "_" + c.name + "_fkey")
            col_notes.push_back("foreign key named " + lit(fk.name) + " in the database; pgpx names it " +
                                lit(t.name + "_" + c.name + "_fkey"));
          if (fk.match != schema::match_kind::simple || fk.deferrable)
            col_notes.push_back("foreign key " + lit(fk.name) + ": MATCH/DEFERRABLE are not modelled");
        }
        if (c.generated_expr) {
          ty = "pgpx::generated<" + ty + ", " + lit(*c.generated_expr) + ">";
        } else if (c.default_expr && c.identity == schema::identity_kind::none) {
          ty = "pgpx::server_default<" + ty + ", " + lit(*c.default_expr) + ">";
        }
        if (unique_cols.count(i) != 0) ty = "pgpx::unique<" + ty + ">";
        if (c.identity != schema::identity_kind::none) {
          ty = "pgpx::identity<" + ty + ">";
          facts_key.push_back(i);
          if (c.identity == schema::identity_kind::by_default)
            col_notes.push_back("GENERATED BY DEFAULT in the database; pgpx's DDL says ALWAYS");
        } else if (in_pk) {
          ty = "pgpx::key<" + ty + ">";
          facts_key.push_back(i);
        }
        if (!c.not_null) {
          if (in_pk) col_notes.push_back("a nullable key column");
          ty = "std::optional<" + ty + ">";
        }
        if (c.collation)
          col_notes.push_back("COLLATE " + lit(c.collation->schema + "." + c.collation->name) + " is not modelled");
        body += "  " + ty + " " + gt->members[i] + ";";
        if (column_name_of_member(i) != c.name) renames.emplace_back(gt->members[i], c.name);
        for (const auto& n : col_notes) body += "  // pgpx: " + n;
        body += "\n";
      }
      // Primary key order, name; no key at all while identity declares one.
      std::string primary_key_decl;
      if (pk != nullptr) {
        std::vector<std::size_t> key_cols;
        bool all_mapped = true;
        for (const auto& cn : pk->columns) {
          key_cols.push_back(col_index(cn));
          all_mapped = all_mapped && !gt->members[col_index(cn)].empty();
        }
        if (!all_mapped) {
          notes.push_back("primary key " + lit(pk->name) + ": a column of it is left out");
        } else if (key_cols != facts_key) {
          primary_key_decl = "pgpx::key_of(";
          for (std::size_t k = 0; k < key_cols.size(); ++k)
            primary_key_decl += (k ? ", &" : "&") + full + "::" + gt->members[key_cols[k]];
          primary_key_decl += ")";
        }
        if (pk->name != t.name + "_pkey")
          notes.push_back("primary key named " + lit(pk->name) + " in the database; pgpx names it " +
                          lit(t.name + "_pkey"));
      } else if (!facts_key.empty()) {
        notes.push_back("no primary key in the database; the identity column is the model's key");
      }
      // Indexes over plain columns (not those of constraints).
      std::vector<std::string> index_decl;
      for (const auto& ix : t.indexes) {
        if (ix.constraint || ix.primary || ix.inherited) continue;
        bool plain = !ix.predicate && !ix.keys.empty() && ix.definition.find(" WITH (") == std::string::npos &&
                     ix.definition.find(" NULLS NOT DISTINCT") == std::string::npos;
        std::vector<std::size_t> cols;
        auto as_column = [&](const std::string& key) -> std::size_t {
          for (std::size_t i = 0; i < t.columns.size(); ++i)
            if (!gt->members[i].empty() && (key == t.columns[i].name || key == quote_identifier(t.columns[i].name)))
              return i;
          return static_cast<std::size_t>(-1);
        };
        for (const auto& k : ix.keys) {
          const std::size_t i = as_column(k);
          if (i == static_cast<std::size_t>(-1)) plain = false;
          else cols.push_back(i);
        }
        std::vector<std::size_t> inc;
        for (const auto& k : ix.include) {
          const std::size_t i = as_column(k);
          if (i == static_cast<std::size_t>(-1)) plain = false;
          else inc.push_back(i);
        }
        if (!plain) {
          notes.push_back("index " + lit(ix.name) +
                          " not declared (expressions, a predicate or options): " + lit(ix.definition));
          continue;
        }
        std::string d = "pgpx::index(";
        for (std::size_t k = 0; k < cols.size(); ++k) d += (k ? ", &" : "&") + full + "::" + gt->members[cols[k]];
        d += ")";
        if (ix.unique) d += ".unique()";
        if (ix.method != "btree") {
          static const std::set<std::string> known{"hash", "gist", "spgist", "gin", "brin"};
          d += ".using_(" +
               (known.count(ix.method) ? "pgpx::" + ix.method : "pgpx::index_method{" + lit(ix.method) + "}") + ")";
        }
        if (!inc.empty()) {
          d += ".include(";
          for (std::size_t k = 0; k < inc.size(); ++k) d += (k ? ", &" : "&") + full + "::" + gt->members[inc[k]];
          d += ")";
        }
        d += ".name(" + lit(ix.name) + ")";
        index_decl.push_back(d);
      }
      for (const auto& c : t.constraints)
        if (c.kind == constraint_kind::check || c.kind == constraint_kind::exclusion)
          notes.push_back(std::string(c.kind == constraint_kind::check ? "check " : "exclusion constraint ") +
                          lit(c.name) + " not declared: " + lit(c.definition));
      if (t.kind == schema::table_kind::partitioned)
        notes.push_back("partitioned by " + lit(t.partition_key.value_or("")) + "; not declared");

      // The struct.
      s += "// table " + lit(t.schema + "." + t.name) + "\n";
      for (const auto& n : notes) {
        s += "// pgpx: " + n + "\n";
        g.warn(where_t, n);
      }
      s += "namespace " + ns + " {\nstruct " + gt->cpp + " {\n" + body + "};\n}  // namespace " + ns + "\n";
      s += "template <>\nstruct pgpx::model<" + full + "> {\n";
      s += "  static constexpr std::string_view table = " + lit(t.name) + ", schema = " + lit(t.schema) + ";\n";
      if (g.camel_mode()) s += "  static constexpr auto naming = pgpx::naming::snake_case;\n";
      if (!primary_key_decl.empty()) s += "  static constexpr auto primary_key = " + primary_key_decl + ";\n";
      auto tuple_fn = [&](const char* name, const std::vector<std::string>& items) {
        if (items.empty()) return;
        s += "  static auto " + std::string(name) + "() {\n    return std::tuple{";
        for (std::size_t k = 0; k < items.size(); ++k) s += (k ? ",\n                      " : "") + items[k];
        s += "};\n  }\n";
      };
      std::vector<std::string> rn;
      for (const auto& [m, col] : renames) rn.push_back("pgpx::rename(&" + full + "::" + m + ", " + lit(col) + ")");
      tuple_fn("columns", rn);
      tuple_fn("uniques", uniques_decl);
      tuple_fn("indexes", index_decl);
      s += "};\n\n";
      emitted.insert(gt->t);
    }
    files[out_dir / (g.file_of_schema.at(sch) + ".hpp")] = s;
  }

  for (const auto& w : g.warnings) std::cerr << "pgpx: warning: " << w << "\n";
  // Headers this command wrote before that it would not write now (a table or type gone).
  std::vector<fs::path> stale;
  {
    std::error_code ec;
    for (fs::directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path p = it->path();
      if (p.extension() != ".hpp" || files.count(p) != 0) continue;
      std::ifstream in(p, std::ios::binary);
      std::string first;
      std::getline(in, first);
      if (first.rfind("// Generated by `pgpx model create`", 0) == 0) stale.push_back(p);
    }
    std::sort(stale.begin(), stale.end());
  }
  const bool json = f.format == "json";
  auto generated = nlohmann::json::array();
  for (const auto& [p, text] : files) generated.push_back(p.string());
  auto stale_json = nlohmann::json::array();
  for (const auto& p : stale) stale_json.push_back(p.string());
  if (f.check) {
    std::vector<std::string> drift;
    auto drift_json = nlohmann::json::array();  // {"file", "state": stale|missing|differs}
    const auto drifted = [&](const fs::path& p, const char* state, const char* said) {
      drift.push_back(p.string() + " (" + said + ")");
      drift_json.push_back({{"file", p.string()}, {"state", state}});
    };
    for (const auto& p : stale) drifted(p, "stale", "no longer generated");
    for (const auto& [p, text] : files) {
      std::ifstream in(p, std::ios::binary);
      if (!in) {
        drifted(p, "missing", "missing");
        continue;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      if (ss.str() != text) drifted(p, "differs", "differs");
    }
    if (json)
      print_json_report({{"action", "model create"},
                         {"check", true},
                         {"up_to_date", drift.empty()},
                         {"files", generated},
                         {"drift", drift_json}});
    if (!drift.empty()) {
      for (const auto& d : drift) std::cerr << "pgpx: drift: " << d << "\n";
      std::cerr << "pgpx: the generated models differ from the database; run pgpx model create again\n";
      return static_cast<int>(exit_code::drift);
    }
    ctx.note("models are up to date (" + std::to_string(files.size()) + " files)");
    return 0;
  }
  // A header of the same name that this command did not write is the user's: refused,
  // before anything is written.
  for (const auto& [p, text] : files) {
    std::ifstream in(p, std::ios::binary);
    std::string first;
    if (in && std::getline(in, first) && first.rfind("// Generated by `pgpx model create`", 0) != 0)
      throw usage_error(p.string() +
                        " exists and was not written by pgpx model create; nothing was written (move it, or choose "
                        "another --out)");
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw usage_error("--out: cannot create " + out_dir.string() + ": " + ec.message());
  for (const auto& [p, text] : files) {
    std::ofstream o(p, std::ios::binary | std::ios::trunc);
    o << text;
    if (!o) throw usage_error("cannot write " + p.string());
    ctx.note("wrote " + p.string());
  }
  for (const auto& p : stale) std::cerr << "pgpx: warning: " << p.string() << " is no longer generated; remove it\n";
  if (json)
    print_json_report({{"action", "model create"}, {"check", false}, {"files", generated}, {"stale", stale_json}});
  return 0;
}

}  // namespace

void add_model_command(CLI::App& app, context& ctx, action_fn& action) {
  static model_flags f;
  auto* m = app.add_subcommand("model", "pgpx ORM models (C++ structs) from the database's catalog");
  m->require_subcommand(1);
  auto* c = m->add_subcommand("create", "Write C++ model headers for tables (deterministic; --check for CI)");
  c->add_option("tables", f.tables, "Tables (TABLE or SCHEMA.TABLE)");
  c->add_flag("--all", f.all, "Every table of the schemas (partitions are left to their parent)");
  c->add_option("--schema", f.schemas, "The schemas, comma-separated (default: public)");
  c->add_option("--out", f.out, "The output directory (default: models)");
  c->add_option("--naming", f.naming, "Member and struct names: snake (default) or camel");
  c->add_option("--namespace", f.ns, "The C++ namespace around the schemas' namespaces (default: models)");
  c->add_flag("--with-crud", f.with_crud, "Include pgpx/orm/crud.hpp, so the ORM verbs come with the models");
  c->add_flag("--check", f.check, "Write nothing; exit 7 when a file would differ (CI)");
  c->add_option("--format", f.format, "text or json (the files written; with --check, those that differ)")
      ->check(CLI::IsMember({"text", "json"}));
  c->footer(
      "Examples:\n"
      "  pgpx model create --all --out src/models\n"
      "  pgpx model create books authors --naming camel\n"
      "  pgpx model create --all --check                # in CI: exit 7 when the models are stale\n"
      "Exit codes: 0 ok, 2 usage (no such table or schema), 7 drift with --check, 8 cannot connect.");
  c->callback([&] { action = [&] { return run_model_create(ctx, f); }; });
}

}  // namespace pgpx::cli
