// The run-time parts of model descriptions: default table names, generated constraint and
// index names (PostgreSQL's own defaults), and the checks made when a description is built.
#include <pgpx/model/model.hpp>

#include <pgpx/reflect/naming.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

namespace pgpx {

namespace {

auto joined_columns(const model_description& m, const std::vector<std::size_t>& cols) -> std::string {
  std::string out;
  for (const auto c : cols) {
    if (!out.empty()) out += '_';
    out += m.columns[c].name;
  }
  return out;
}

void check_columns(const model_description& m, const std::vector<std::size_t>& cols, std::string_view what) {
  if (cols.empty()) throw usage_error(std::string(m.cpp_name) + ": " + std::string(what) + " has no columns");
  for (const auto c : cols)
    if (c >= m.columns.size())
      throw usage_error(std::string(m.cpp_name) + ": " + std::string(what) +
                        " names a member that is not a direct member of the model");
}

auto member_list(const model_description& m, const std::vector<std::size_t>& cols) -> std::string {
  std::string out;
  for (const auto c : cols) out += (out.empty() ? "" : ", ") + std::string(m.columns[c].member);
  return out;
}

// PostgreSQL's rule for a partitioned table: every unique constraint (the primary key too)
// contains every column of the partition key. Checked here so that the model names the
// members, rather than the server refusing CREATE TABLE.
void check_partition_key(const model_description& m) {
  if (m.partitioning == partition_method::none) return;
  check_columns(m, m.partition_key, "the partition key");
  const auto covers = [&](const std::vector<std::size_t>& key, const std::string& what) {
    for (const auto p : m.partition_key)
      if (std::find(key.begin(), key.end(), p) == key.end())
        throw usage_error(std::string(m.cpp_name) + ": " + what + " (" + member_list(m, key) +
                          ") must contain the partition key (" + member_list(m, m.partition_key) +
                          "): PostgreSQL requires it of every unique key of a partitioned table");
  };
  if (!m.primary_key.empty()) covers(m.primary_key, "the primary key");
  for (std::size_t i = 0; i < m.columns.size(); ++i)
    if (m.columns[i].facts.unique) covers({i}, "the unique member " + std::string(m.columns[i].member));
  for (const auto& u : m.uniques) covers(u.columns, "the unique constraint " + u.name);
  for (const auto& ix : m.indexes)
    if (ix.unique) covers(ix.columns, "the unique index " + ix.name);
}

auto ends_with(std::string_view s, std::string_view suffix) -> bool {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

auto is_vowel(char c) -> bool { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

}  // namespace

auto model_description::find_member(std::string_view member) const noexcept -> const column_info* {
  for (const auto& c : columns)
    if (c.member == member) return &c;
  return nullptr;
}

auto model_description::find_column(std::string_view name) const noexcept -> const column_info* {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

auto model_description::soft_delete_column() const noexcept -> const column_info* {
  for (const auto& c : columns)
    if (c.facts.role == column_role::deleted_at) return &c;
  return nullptr;
}

auto model_description::version_column() const noexcept -> const column_info* {
  for (const auto& c : columns)
    if (c.facts.role == column_role::version) return &c;
  return nullptr;
}

namespace detail {

auto default_table_name(std::string_view cpp_type_name) -> std::string {
  // The unqualified name: drop template arguments, then namespaces.
  std::string_view n = cpp_type_name;
  if (const auto lt = n.find('<'); lt != std::string_view::npos) n = n.substr(0, lt);
  if (const auto colon = n.rfind("::"); colon != std::string_view::npos) n = n.substr(colon + 2);
  std::string s = reflect::apply_naming(n, naming::snake_case);
  if (s.empty()) return s;
  // A fixed rule, so every name can be predicted (pgpx model show prints them).
  if (s.size() >= 2 && s.back() == 'y' && !is_vowel(s[s.size() - 2])) {
    s.pop_back();
    s += "ies";
  } else if (ends_with(s, "s") || ends_with(s, "x") || ends_with(s, "z") || ends_with(s, "ch") || ends_with(s, "sh")) {
    s += "es";
  } else {
    s += 's';
  }
  return s;
}

auto default_enum_type_name(std::string_view cpp_type_name) -> std::string {
  std::string_view n = cpp_type_name;
  if (const auto lt = n.find('<'); lt != std::string_view::npos) n = n.substr(0, lt);
  if (const auto colon = n.rfind("::"); colon != std::string_view::npos) n = n.substr(colon + 2);
  return reflect::apply_naming(n, naming::snake_case);
}

void check_generated_name(const std::string& name, std::string_view what, std::string_view model) {
  constexpr std::size_t max_identifier = 63;  // NAMEDATALEN - 1
  if (name.size() > max_identifier)
    throw usage_error(std::string(model) + ": the generated " + std::string(what) + " name \"" + name + "\" is " +
                      std::to_string(name.size()) +
                      " bytes, more than PostgreSQL keeps (63); give it a name with .name(\"...\")");
}

void finish_description(model_description& m) {
  const std::string_view model = m.cpp_name;
  if (m.table.empty()) throw usage_error(std::string(model) + ": the table name is empty");
  check_generated_name(m.table, "table", model);
  for (const auto& e : m.enums)
    if (e.labels.empty())
      throw usage_error(std::string(model) + ": the enum type " + e.name + " has no labels (see pgpx::enum_labels)");
  std::set<std::string, std::less<>> names;  // constraint and index names share one namespace
  auto claim = [&](const std::string& name, std::string_view what) {
    check_generated_name(name, what, model);
    if (!names.insert(name).second)
      throw usage_error(std::string(model) + ": two constraints or indexes are named \"" + name +
                        "\"; give one of them another name with .name(\"...\")");
  };
  for (std::size_t i = 0; i < m.columns.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (m.columns[j].name == m.columns[i].name)
        throw usage_error(std::string(model) + ": two members map to the column \"" + m.columns[i].name +
                          "\" (members " + std::string(m.columns[j].member) + " and " +
                          std::string(m.columns[i].member) + ", a mixin's included)");
  if (!m.primary_key.empty()) {
    check_columns(m, m.primary_key, "the primary key");
    for (const auto k : m.primary_key)
      if (m.columns[k].facts.nullable)
        throw usage_error(std::string(model) + ": the primary key column " + std::string(m.columns[k].member) +
                          " is std::optional; a key cannot be NULL");
    m.primary_key_name = m.table + "_pkey";
    claim(m.primary_key_name, "primary key");
  }
  for (auto& c : m.columns) {
    if (c.facts.unique) {
      c.unique_name = m.table + "_" + c.name + "_key";
      claim(c.unique_name, "unique constraint");
    }
    if (c.check_sql != nullptr) {
      c.check_name = m.table + "_" + c.name + "_check";
      claim(c.check_name, "check constraint");
    }
    if (c.reference) {
      if (c.reference->target_column == static_cast<std::size_t>(-1))
        throw usage_error(std::string(model) + ": the foreign key of " + std::string(c.member) +
                          " references a member that is not a direct member of its model");
      c.reference->constraint_name = m.table + "_" + c.name + "_fkey";
      claim(c.reference->constraint_name, "foreign key");
    }
  }
  for (const auto& ck : m.checks) {
    if (ck.name.empty()) throw usage_error(std::string(model) + ": a check constraint has an empty name");
    claim(ck.name, "check constraint");
  }
  for (auto& u : m.uniques) {
    check_columns(m, u.columns, "a unique constraint");
    if (u.name.empty()) u.name = m.table + "_" + joined_columns(m, u.columns) + "_key";
    claim(u.name, "unique constraint");
  }
  for (auto& ix : m.indexes) {
    check_columns(m, ix.columns, "an index");
    for (const auto c : ix.include)
      if (c >= m.columns.size())
        throw usage_error(std::string(model) + ": an index includes a member that is not a direct member of the model");
    if (ix.name.empty() && !ix.keys.empty()) {  // PostgreSQL's rule: columns and expressions' names
      std::string parts;
      for (const auto& k : ix.keys) {
        if (!parts.empty()) parts += '_';
        parts += k.column != index_key::no_column ? m.columns.at(k.column).name : k.name;
      }
      ix.name = m.table + "_" + parts + "_idx";
    }
    if (ix.name.empty()) ix.name = m.table + "_" + joined_columns(m, ix.columns) + "_idx";
    claim(ix.name, "index");
  }
  check_partition_key(m);
}

}  // namespace detail

}  // namespace pgpx
