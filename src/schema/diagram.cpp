// src/schema/diagram.cpp: Mermaid and DOT entity-relationship diagrams of a catalog.
#include <pgpx/schema/diagram.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pgpx::schema {

namespace {

auto is_continuation(char c) -> bool { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

// Glob match of `p` against `s`: `*` any run, `?` one UTF-8 code point. Iterative, with one
// backtrack point (the classic wildcard algorithm): linear for practical patterns.
auto glob(std::string_view p, std::string_view s) -> bool {
  std::size_t pi = 0;
  std::size_t si = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  auto skip_code_point = [&](std::size_t i) {
    ++i;
    while (i < s.size() && is_continuation(s[i])) ++i;
    return i;
  };
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && p[pi] == '?') {
      ++pi;
      si = skip_code_point(si);
    } else if (pi < p.size() && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      mark = skip_code_point(mark);
      si = mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

auto full_name(const qualified_name& q) -> std::string { return q.schema + "." + q.name; }

// What the diagram shows: the kept tables, and one relation per foreign key of theirs.
struct relation {
  qualified_name from;
  const constraint_def* fk = nullptr;
};

struct model {
  std::vector<const table_info*> tables;           // kept, in catalog order
  std::vector<relation> relations;                 // by table, then constraint name
  std::set<qualified_name> stubs;                  // referenced tables not kept
};

auto build(const catalog& c, const diagram_options& o) -> model {
  model m;
  std::set<qualified_name> kept;
  for (const auto& t : c.tables) {
    if (t.kind == table_kind::partition) continue;
    if (!o.schemas.empty() && std::find(o.schemas.begin(), o.schemas.end(), t.schema) == o.schemas.end()) continue;
    if (!o.tables.empty() && std::none_of(o.tables.begin(), o.tables.end(), [&](const std::string& p) {
          return table_pattern_matches(p, {t.schema, t.name});
        }))
      continue;
    m.tables.push_back(&t);
    kept.insert({t.schema, t.name});
  }
  for (const auto* t : m.tables)
    for (const auto& k : t->constraints) {
      if (k.kind != constraint_kind::foreign_key || k.inherited || !k.references) continue;
      m.relations.push_back({{t->schema, t->name}, &k});
      if (!kept.contains(*k.references)) m.stubs.insert(*k.references);
    }
  return m;
}

auto has(const std::vector<std::string>& v, const std::string& x) -> bool {
  return std::find(v.begin(), v.end(), x) != v.end();
}

auto primary_key(const table_info& t) -> const constraint_def* {
  for (const auto& k : t.constraints)
    if (k.kind == constraint_kind::primary_key) return &k;
  return nullptr;
}

auto is_pk_column(const table_info& t, const std::string& col) -> bool {
  const auto* pk = primary_key(t);
  return pk != nullptr && has(pk->columns, col);
}

auto is_fk_column(const table_info& t, const std::string& col) -> bool {
  return std::any_of(t.constraints.begin(), t.constraints.end(), [&](const constraint_def& k) {
    return k.kind == constraint_kind::foreign_key && !k.inherited && has(k.columns, col);
  });
}

auto column_of(const table_info& t, const std::string& name) -> const column_def* {
  for (const auto& col : t.columns)
    if (col.name == name) return &col;
  return nullptr;
}

// Every key column NOT NULL: each row references exactly one row.
auto required(const table_info& t, const constraint_def& fk) -> bool {
  return std::all_of(fk.columns.begin(), fk.columns.end(), [&](const std::string& n) {
    const auto* col = column_of(t, n);
    return col != nullptr && col->not_null;
  });
}

// The key columns are a primary or unique key of the referencing table: one to one.
auto one_to_one(const table_info& t, const constraint_def& fk) -> bool {
  auto same = [&](const std::vector<std::string>& cols) {
    return cols.size() == fk.columns.size() && std::is_permutation(cols.begin(), cols.end(), fk.columns.begin());
  };
  return std::any_of(t.constraints.begin(), t.constraints.end(), [&](const constraint_def& k) {
    return (k.kind == constraint_kind::primary_key || k.kind == constraint_kind::unique) && same(k.columns);
  });
}

// The key columns are part of the primary key: an identifying relation.
auto identifying(const table_info& t, const constraint_def& fk) -> bool {
  const auto* pk = primary_key(t);
  return pk != nullptr && !fk.columns.empty() &&
         std::all_of(fk.columns.begin(), fk.columns.end(), [&](const std::string& n) { return has(pk->columns, n); });
}

auto join(const std::vector<std::string>& v, std::string_view sep) -> std::string {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += sep;
    s += x;
  }
  return s;
}

auto table_of(const catalog& c, const qualified_name& q) -> const table_info* { return c.find_table(q.schema, q.name); }

// Mermaid ids: "t_" + the name with anything but [A-Za-z0-9_] as "_", numbered on collision.
class mermaid_ids {
 public:
  auto get(const qualified_name& q) -> const std::string& {
    if (auto it = ids_.find(q); it != ids_.end()) return it->second;
    std::string base = "t_";
    for (char ch : full_name(q)) {
      const auto u = static_cast<unsigned char>(ch);
      base += std::isalnum(u) != 0 && u < 0x80 ? ch : '_';
    }
    std::string id = base;
    for (int n = 2; used_.contains(id); ++n) id = base + "_" + std::to_string(n);
    used_.insert(id);
    return ids_.emplace(q, id).first->second;
  }

 private:
  std::map<qualified_name, std::string> ids_;
  std::set<std::string> used_;
};

}  // namespace

auto table_pattern_matches(std::string_view pattern, const qualified_name& t) -> bool {
  if (pattern.find('.') != std::string_view::npos) return glob(pattern, full_name(t));
  return glob(pattern, t.name);
}

auto dot_id(std::string_view text) -> std::string {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s = "\"";
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7F) {
      s += "\\x";
      s += hex[u >> 4U];
      s += hex[u & 0xFU];
      continue;
    }
    if (ch == '"' || ch == '\\') s += '\\';
    s += ch;
  }
  s += '"';
  return s;
}

auto html_text(std::string_view text) -> std::string {
  std::string s;
  for (char ch : text) {
    switch (ch) {
      case '&': s += "&amp;"; break;
      case '<': s += "&lt;"; break;
      case '>': s += "&gt;"; break;
      case '"': s += "&quot;"; break;
      case '\'': s += "&#39;"; break;
      default: s += static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F ? ' ' : ch;
    }
  }
  return s;
}

auto mermaid_text(std::string_view text) -> std::string {
  std::string s;
  for (char ch : text) {
    switch (ch) {
      case '"': s += "#quot;"; break;
      case '#': s += "#35;"; break;
      case '<': s += "#lt;"; break;
      case '>': s += "#gt;"; break;
      case '&': s += "#amp;"; break;
      case '%': s += "#37;"; break;
      case '`': s += "#96;"; break;
      default: s += static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F ? ' ' : ch;
    }
  }
  return s;
}

auto mermaid_word(std::string_view text) -> std::string {
  std::string s;
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    const bool ok = u < 0x80 && (std::isalnum(u) != 0 || ch == '_' || ch == '-' || ch == '(' || ch == ')' ||
                                 ch == '[' || ch == ']');
    s += ok ? ch : '_';
  }
  auto upper = s;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const bool key_mark = upper == "PK" || upper == "FK" || upper == "UK";
  if (s.empty() || key_mark || (std::isalpha(static_cast<unsigned char>(s[0])) == 0 && s[0] != '_')) s.insert(0, "_");
  return s;
}

auto to_mermaid(const catalog& c, const diagram_options& options) -> std::string {
  const auto m = build(c, options);
  mermaid_ids ids;
  std::string out = "erDiagram\n";
  for (const auto* t : m.tables) {
    const qualified_name q{t->schema, t->name};
    out += "  " + ids.get(q) + "[\"" + mermaid_text(full_name(q)) + "\"] {\n";
    for (const auto& col : t->columns) {
      const auto type = mermaid_word(col.type);
      const auto name = mermaid_word(col.name);
      out += "    " + type + " " + name;
      std::vector<std::string> keys;
      if (is_pk_column(*t, col.name)) keys.emplace_back("PK");
      if (is_fk_column(*t, col.name)) keys.emplace_back("FK");
      if (!keys.empty()) out += " " + join(keys, ", ");
      std::vector<std::string> notes;
      if (col.not_null) notes.emplace_back("not null");
      if (name != col.name) notes.push_back("name: " + col.name);
      if (type != col.type) notes.push_back("type: " + col.type);
      if (!notes.empty()) out += " \"" + mermaid_text(join(notes, "; ")) + "\"";
      out += "\n";
    }
    out += "  }\n";
  }
  for (const auto& s : m.stubs) out += "  " + ids.get(s) + "[\"" + mermaid_text(full_name(s)) + "\"]\n";
  for (const auto& r : m.relations) {
    const auto& t = *table_of(c, r.from);
    const auto& fk = *r.fk;
    const std::string parent_end = required(t, fk) ? "||" : "|o";
    const std::string child_end = one_to_one(t, fk) ? "o|" : "o{";
    const std::string line = identifying(t, fk) ? "--" : "..";
    const auto label = fk.name + ": (" + join(fk.columns, ", ") + ") -> (" + join(fk.referenced_columns, ", ") + ")";
    out += "  " + ids.get(*fk.references) + " " + parent_end + line + child_end + " " + ids.get(r.from) + " : \"" +
           mermaid_text(label) + "\"\n";
  }
  return out;
}

auto to_dot(const catalog& c, const diagram_options& options) -> std::string {
  const auto m = build(c, options);
  std::string out =
      "digraph schema {\n"
      "  graph [rankdir=LR];\n"
      "  node [shape=plain, fontname=\"Helvetica\"];\n"
      "  edge [fontname=\"Helvetica\", fontsize=10, dir=both];\n";
  for (const auto* t : m.tables) {
    const qualified_name q{t->schema, t->name};
    out += "  " + dot_id(full_name(q)) +
           " [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">"
           "<tr><td colspan=\"3\" bgcolor=\"lightgrey\"><b>" +
           html_text(full_name(q)) + "</b></td></tr>";
    for (const auto& col : t->columns) {
      std::vector<std::string> marks;
      if (is_pk_column(*t, col.name)) marks.emplace_back("PK");
      if (is_fk_column(*t, col.name)) marks.emplace_back("FK");
      if (col.not_null) marks.emplace_back("NOT NULL");
      out += "<tr><td align=\"left\">" + html_text(col.name) + "</td><td align=\"left\">" + html_text(col.type) +
             "</td><td align=\"left\">" + html_text(join(marks, " ")) + "</td></tr>";
    }
    out += "</table>>];\n";
  }
  for (const auto& s : m.stubs)
    out += "  " + dot_id(full_name(s)) + " [shape=box, style=dashed, label=<" + html_text(full_name(s)) + ">];\n";
  for (const auto& r : m.relations) {
    const auto& t = *table_of(c, r.from);
    const auto& fk = *r.fk;
    const auto label = fk.name + ": (" + join(fk.columns, ", ") + ") -> (" + join(fk.referenced_columns, ", ") + ")";
    out += "  " + dot_id(full_name(r.from)) + " -> " + dot_id(full_name(*fk.references)) + " [label=<" +
           html_text(label) + ">, arrowtail=" + (one_to_one(t, fk) ? "teeodot" : "crowodot") +
           ", arrowhead=" + (required(t, fk) ? "teetee" : "teeodot") + (identifying(t, fk) ? "" : ", style=dashed") +
           "];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace pgpx::schema
