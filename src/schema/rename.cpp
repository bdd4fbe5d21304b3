// Renames chosen among a diff's possible ones: reading and writing them as people type them,
// checking them against the diff, and the ALTER TABLE ... RENAME changes (see diff.hpp).
#include <pgpx/core/identifier.hpp>
#include <pgpx/error.hpp>
#include <pgpx/schema/diff.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx::schema {

namespace {

// Splits "a.b.c" into its parts; a part in double quotes may hold dots, and "" is a quote.
auto split_parts(std::string_view text, std::string_view whole) -> std::vector<std::string> {
  const auto bad = [&](const std::string& why) {
    return usage_error("rename '" + std::string(whole) + "': " + why +
                       " (write schema.table.column=new_name or schema.table=new_name)");
  };
  std::vector<std::string> parts;
  std::size_t i = 0;
  for (;;) {
    std::string part;
    if (i < text.size() && text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) throw bad("a double quote is not closed");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            part += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        part += text[i++];
      }
    } else {
      while (i < text.size() && text[i] != '.') {
        if (text[i] == '"') throw bad("a double quote inside a name that is not quoted");
        part += text[i++];
      }
    }
    if (part.empty()) throw bad("an empty name");
    parts.push_back(std::move(part));
    if (i == text.size()) break;
    if (text[i] != '.') throw bad("text after a quoted name");
    ++i;
    if (i == text.size()) throw bad("an empty name");
  }
  return parts;
}

// The position of the '=' outside double quotes, or npos.
auto equals_at(std::string_view text) -> std::size_t {
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') quoted = !quoted;
    else if (text[i] == '=' && !quoted) return i;
  }
  return std::string_view::npos;
}

auto shown_part(const std::string& name) -> std::string {
  if (name.find_first_of(".=\"") == std::string::npos && !name.empty()) return name;
  std::string out = "\"";
  for (char ch : name) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

// The same object (schema, table, column), whatever its new name.
auto same_object(const rename_pair& a, const rename_pair& b) -> bool {
  return a.schema == b.schema && a.table == b.table && a.column == b.column;
}

}  // namespace

auto parse_rename(std::string_view text) -> rename_pair {
  const auto eq = equals_at(text);
  if (eq == std::string_view::npos)
    throw usage_error("rename '" + std::string(text) +
                      "': no '=' (write schema.table.column=new_name or schema.table=new_name)");
  const auto object = split_parts(text.substr(0, eq), text);
  const auto to = split_parts(text.substr(eq + 1), text);
  if (to.size() != 1)
    throw usage_error("rename '" + std::string(text) + "': the new name is one name, without schema or table");
  if (object.size() == 2) return {.schema = object[0], .table = object[1], .column = {}, .to = to[0]};
  if (object.size() == 3) return {.schema = object[0], .table = object[1], .column = object[2], .to = to[0]};
  throw usage_error("rename '" + std::string(text) +
                    "': name the table as schema.table, or the column as schema.table.column");
}

auto to_string(const rename_pair& r) -> std::string {
  std::string out = shown_part(r.schema) + "." + shown_part(r.table);
  if (!r.column.empty()) out += "." + shown_part(r.column);
  return out + "=" + shown_part(r.to);
}

auto rename_change(const rename_pair& r) -> change {
  change c;
  if (r.column.empty()) {
    c.kind = change_kind::table;
    c.object = "table " + r.schema + "." + r.table;
    c.up = "alter table " + quote_qualified({r.schema, r.table}) + " rename to " + quote_identifier(r.to);
    c.down = "alter table " + quote_qualified({r.schema, r.to}) + " rename to " + quote_identifier(r.table);
    c.note = "renamed to " + r.to;
  } else {
    c.kind = change_kind::column;
    c.object = "column " + r.schema + "." + r.table + "." + r.column;
    const auto table = quote_qualified({r.schema, r.table});
    c.up = "alter table " + table + " rename column " + quote_identifier(r.column) + " to " + quote_identifier(r.to);
    c.down = "alter table " + table + " rename column " + quote_identifier(r.to) + " to " + quote_identifier(r.column);
    c.note = "renamed to " + r.to;
  }
  return c;
}

void check_renames(const diff_result& d, const std::vector<rename_pair>& chosen) {
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const auto& r = chosen[i];
    if (std::find(d.possible_renames.begin(), d.possible_renames.end(), r) == d.possible_renames.end())
      problems.push_back(to_string(r) + " matches no possible rename");
    for (std::size_t j = 0; j < i; ++j)
      if (same_object(chosen[j], r) ||
          (chosen[j].schema == r.schema && chosen[j].column.empty() == r.column.empty() &&
           (r.column.empty() ? chosen[j].to == r.to : chosen[j].table == r.table && chosen[j].to == r.to))) {
        problems.push_back(to_string(r) + " renames the same object, or to the same name, as " + to_string(chosen[j]));
        break;
      }
  }
  if (problems.empty()) return;
  std::string msg;
  for (const auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
  msg += "; the possible renames are: ";
  if (d.possible_renames.empty()) msg += "none";
  for (std::size_t i = 0; i < d.possible_renames.size(); ++i)
    msg += (i == 0 ? "" : ", ") + to_string(d.possible_renames[i]);
  throw usage_error(msg);
}

auto with_renames(const std::vector<rename_pair>& chosen, diff_result after) -> diff_result {
  diff_result out;
  // Tables first: a column rename names its table by its name before the table rename, so
  // it runs before (the table's columns are renamed, then the table).
  for (const auto& r : chosen)
    if (!r.column.empty()) out.changes.push_back(rename_change(r));
  for (const auto& r : chosen)
    if (r.column.empty()) out.changes.push_back(rename_change(r));
  for (auto& c : after.changes) out.changes.push_back(std::move(c));
  out.unsupported = std::move(after.unsupported);
  for (auto& p : after.possible_renames) {
    const bool settled =
        std::any_of(chosen.begin(), chosen.end(), [&](const rename_pair& r) { return same_object(r, p); });
    if (!settled) out.possible_renames.push_back(std::move(p));
  }
  return out;
}

}  // namespace pgpx::schema
