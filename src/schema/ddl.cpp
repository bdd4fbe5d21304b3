// DDL text from model descriptions. Lowercase keywords, single spaces, identifiers through
// quote_identifier, PostgreSQL's default constraint names (set in the description).
#include <pgpx/schema/ddl.hpp>

#include <pgpx/core/identifier.hpp>

#include <algorithm>
#include <set>
#include <string>

namespace pgpx::schema {

auto table_name(const model_description& m) -> std::string {
  if (m.schema.empty()) return quote_identifier(m.table);
  return quote_qualified({m.schema, m.table});
}

namespace {

auto column_list(const model_description& m, const std::vector<std::size_t>& cols) -> std::string {
  std::string out = "(";
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote_identifier(m.columns[cols[i]].name);
  }
  out += ')';
  return out;
}

auto delete_action(on_delete a) -> const char* {
  switch (a) {
    case on_delete::no_action: return "";
    case on_delete::restrict: return " on delete restrict";
    case on_delete::cascade: return " on delete cascade";
    case on_delete::set_null: return " on delete set null";
    case on_delete::set_default: return " on delete set default";
  }
  return "";
}

auto update_action(on_update a) -> const char* {
  switch (a) {
    case on_update::no_action: return "";
    case on_update::restrict: return " on update restrict";
    case on_update::cascade: return " on update cascade";
    case on_update::set_null: return " on update set null";
    case on_update::set_default: return " on update set default";
  }
  return "";
}

auto foreign_key_clause(const column_info& c) -> std::string {
  const reference_info& r = *c.reference;
  const model_description& target = r.target();
  return "constraint " + quote_identifier(r.constraint_name) + " foreign key (" + quote_identifier(c.name) +
         ") references " + table_name(target) + " (" + quote_identifier(target.columns[r.target_column].name) + ")" +
         delete_action(r.delete_action) + update_action(r.update_action);
}

auto column_definition(const model_description& m, const column_info& c) -> std::string {
  if (c.type.empty())
    throw usage_error(std::string(m.cpp_name) + "::" + std::string(c.member) +
                      ": pgpx knows no SQL type for this member; specialise pgpx::sql_type<T>");
  std::string out = quote_identifier(c.name) + " " + c.type;
  if (c.facts.identity) {
    out += " generated always as identity";  // implies not null
    return out;
  }
  const bool in_key = std::find(m.primary_key.begin(), m.primary_key.end(), c.member_index) != m.primary_key.end();
  if (!c.facts.nullable && !in_key) out += " not null";
  if (!c.facts.default_sql.empty()) out += " default " + std::string(c.facts.default_sql);
  if (!c.facts.generated_sql.empty()) out += " generated always as (" + std::string(c.facts.generated_sql) + ") stored";
  return out;
}

auto type_name(const enum_info& e) -> std::string { return quote_identifier(e.name); }

void add_type_statements(const std::vector<enum_info>& enums, std::set<std::string>& made,
                         std::vector<statement<void>>& out) {
  for (const auto& e : enums) {
    if (!made.insert(e.name).second) continue;
    std::string sql = "create type " + type_name(e) + " as enum (";
    for (std::size_t i = 0; i < e.labels.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += quote_literal(e.labels[i]);
    }
    sql += ')';
    out.emplace_back(std::move(sql));
  }
}

auto table_statements(const model_description& m) -> std::vector<statement<void>> {
  std::string sql = "create table " + table_name(m) + " (";
  bool first = true;
  auto add = [&](const std::string& part) {
    if (!first) sql += ", ";
    sql += part;
    first = false;
  };
  for (const auto& c : m.columns) add(column_definition(m, c));
  if (!m.primary_key.empty())
    add("constraint " + quote_identifier(m.primary_key_name) + " primary key " + column_list(m, m.primary_key));
  for (const auto& c : m.columns)
    if (c.facts.unique)
      add("constraint " + quote_identifier(c.unique_name) + " unique (" + quote_identifier(c.name) + ")");
  for (const auto& u : m.uniques)
    add("constraint " + quote_identifier(u.name) + " unique " + column_list(m, u.columns));
  for (const auto& c : m.columns)
    if (c.reference) add(foreign_key_clause(c));
  for (const auto& c : m.columns)
    if (c.check_sql != nullptr)
      add("constraint " + quote_identifier(c.check_name) + " check (" + c.check_sql(quote_identifier(c.name)) + ")");
  for (const auto& ck : m.checks) add("constraint " + quote_identifier(ck.name) + " check (" + ck.sql + ")");
  sql += ')';
  if (m.partitioning != partition_method::none) {
    sql += m.partitioning == partition_method::by_range  ? " partition by range "
           : m.partitioning == partition_method::by_list ? " partition by list "
                                                         : " partition by hash ";
    sql += column_list(m, m.partition_key);
  }
  std::vector<statement<void>> out;
  out.emplace_back(std::move(sql));
  for (const auto& ix : m.indexes) {
    std::string s = std::string(ix.unique ? "create unique index " : "create index ") + quote_identifier(ix.name) +
                    " on " + table_name(m);
    if (ix.method != btree.name) s += " using " + std::string(ix.method);
    s += " " + index_key_list(m, ix);
    if (!ix.include.empty()) s += " include " + column_list(m, ix.include);
    if (!ix.with.empty()) {
      s += " with (";
      for (std::size_t i = 0; i < ix.with.size(); ++i) {
        if (i != 0) s += ", ";
        s += quote_identifier(ix.with[i].first) + " = " + ix.with[i].second;
      }
      s += ')';
    }
    if (!ix.predicate.empty()) s += " where (" + ix.predicate + ")";
    out.emplace_back(std::move(s));
  }
  return out;
}

}  // namespace

auto create_table(const model_description& m) -> std::vector<statement<void>> {
  std::vector<statement<void>> out;
  std::set<std::string> made;
  add_type_statements(m.enums, made, out);
  for (auto& s : table_statements(m)) out.push_back(std::move(s));
  return out;
}

auto add_foreign_keys(const model_description& m) -> std::vector<statement<void>> {
  std::vector<statement<void>> out;
  for (const auto& c : m.columns)
    if (c.reference) out.emplace_back("alter table " + table_name(m) + " add " + foreign_key_clause(c));
  return out;
}

auto drop_table(const model_description& m, drop_options options) -> statement<void> {
  return statement<void>(std::string("drop table ") + (options.if_exists ? "if exists " : "") + table_name(m) +
                         (options.cascade ? " cascade" : ""));
}

namespace {

// Referenced tables first (depth-first over the foreign keys). A cycle of foreign keys
// cannot be declared in C++: references<&M::k> needs M complete, so every target is declared
// before the struct that points to it; only self references remain, which are inline.
auto order_by_references(const std::vector<const model_description*>& ms) -> std::vector<const model_description*> {
  const std::set<const model_description*> listed(ms.begin(), ms.end());
  std::set<const model_description*> done;
  std::vector<const model_description*> out;
  auto visit = [&](auto&& self, const model_description* m) -> void {
    if (!done.insert(m).second) return;
    for (const auto& c : m->columns) {
      if (!c.reference) continue;
      const model_description* t = &c.reference->target();
      if (t != m && listed.count(t) != 0) self(self, t);
    }
    out.push_back(m);
  };
  for (const auto* m : ms) visit(visit, m);
  return out;
}

}  // namespace

auto creation_plan(const std::vector<const model_description*>& ms) -> std::vector<statement<void>> {
  const auto order = order_by_references(ms);
  std::vector<statement<void>> out;
  std::set<std::string> made;  // enum types shared by several models are created once
  for (const auto* m : order) add_type_statements(m->enums, made, out);
  for (const auto* m : order)
    for (auto& s : table_statements(*m)) out.push_back(std::move(s));
  return out;
}

auto drop_plan(const std::vector<const model_description*>& ms, drop_options options) -> std::vector<statement<void>> {
  const auto order = order_by_references(ms);
  std::vector<statement<void>> out;
  for (auto it = order.rbegin(); it != order.rend(); ++it) out.push_back(drop_table(**it, options));
  std::set<std::string> dropped;
  for (const auto* m : order)
    for (const auto& e : m->enums)
      if (dropped.insert(e.name).second)
        out.emplace_back(std::string("drop type ") + (options.if_exists ? "if exists " : "") + type_name(e) +
                         (options.cascade ? " cascade" : ""));
  return out;
}

auto index_key_list(const model_description& m, const index_info& ix) -> std::string {
  const std::string opclass = ix.opclass.empty() ? std::string() : " " + quote_identifier(ix.opclass);
  std::string s = "(";
  // The key in order: expressions, perhaps mixed with columns, else the columns.
  const std::size_t n = ix.keys.empty() ? ix.columns.size() : ix.keys.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) s += ", ";
    const std::size_t column = ix.keys.empty() ? ix.columns[i] : ix.keys[i].column;
    s += column != index_key::no_column ? quote_identifier(m.columns[column].name) : ix.keys[i].expression;
    s += opclass;
  }
  s += ')';
  return s;
}

}  // namespace pgpx::schema
