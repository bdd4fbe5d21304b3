// The SQL of update_many and delete_many, and the error of a failing insert_many row.
#include <pgpx/orm/bulk.hpp>

#include <pgpx/core/identifier.hpp>
#include <pgpx/schema/ddl.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace pgpx {

bulk_error::bulk_error(error_kind kind, std::size_t row, std::vector<std::string> members, std::string message,
                       error_info info)
    : error(kind, std::move(message), std::move(info)), row_(row), members_(std::move(members)) {}

namespace orm::detail {

auto make_many_sql(const model_description& m, many_kind kind, const std::vector<std::size_t>& columns,
                   std::string_view predicate, std::size_t first_param) -> std::string {
  const char* verb = kind == many_kind::update ? "update_many" : "delete_many";
  if (predicate.empty())
    throw usage_error(std::string(verb) + " " + std::string(m.cpp_name) +
                      ": give a predicate (pgpx::raw(\"true\") to change every row)");
  const column_info* deleted = m.soft_delete_column();
  const column_info* version = m.version_column();
  const column_info* updated = nullptr;
  for (const auto& c : m.columns)
    if (c.facts.role == column_role::updated_at) updated = &c;
  std::string where = " where (" + std::string(predicate) + ")";
  if (deleted != nullptr && kind != many_kind::hard_delete)
    where += " and " + quote_identifier(deleted->name) + " is null";
  if (kind == many_kind::hard_delete) return "delete from " + schema::table_name(m) + where;

  std::string sets;
  auto add = [&](const std::string& s) { sets += (sets.empty() ? "" : ", ") + s; };
  if (kind == many_kind::update) {
    std::size_t n = first_param;
    for (std::size_t c : columns) {
      const column_info& ci = m.columns.at(c);
      const bool key = std::find(m.primary_key.begin(), m.primary_key.end(), c) != m.primary_key.end();
      if (key || !settable(ci.facts))
        throw usage_error("update_many " + std::string(m.cpp_name) + ": member " + std::string(ci.member) +
                          " cannot be set (a key, identity, generated, version, updated_at or deleted_at column)");
      add(quote_identifier(ci.name) + " = $" + std::to_string(n++));
    }
  } else {
    add(quote_identifier(deleted->name) + " = now()");
  }
  if (version != nullptr) add(quote_identifier(version->name) + " = " + quote_identifier(version->name) + " + 1");
  if (updated != nullptr) add(quote_identifier(updated->name) + " = now()");
  return "update " + schema::table_name(m) + " set " + sets + where;
}

void throw_bulk(const model_description& m, std::string_view verb, std::size_t row, const error& cause) {
  std::vector<std::string> members;
  std::string what = cause.message();
  if (auto c = map_constraint(cause, m)) {
    members = c->members();
    what = c->message();
  }
  throw bulk_error(cause.kind(), row, std::move(members),
                   std::string(verb) + " " + std::string(m.cpp_name) + ": row " + std::to_string(row) + ": " + what,
                   cause.info());
}

}  // namespace orm::detail
}  // namespace pgpx
