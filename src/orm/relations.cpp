// The SQL that loads related rows by one array of keys.
#include <pgpx/orm/relations.hpp>

#include <pgpx/core/identifier.hpp>
#include <pgpx/schema/ddl.hpp>

#include <string>

namespace pgpx::orm::detail {

auto make_related_sql(const model_description& to, std::size_t column, bool group) -> std::string {
  std::string sql = "select ";
  for (std::size_t i = 0; i < to.columns.size(); ++i) sql += (i > 0 ? ", " : "") + quote_identifier(to.columns[i].name);
  const std::string col = quote_identifier(to.columns.at(column).name);
  sql += " from " + schema::table_name(to) + " where " + col + " = any($1)";
  if (const column_info* d = to.soft_delete_column()) sql += " and " + quote_identifier(d->name) + " is null";
  if (group) {
    sql += " order by " + col;
    for (std::size_t k : to.primary_key)
      if (k != column) sql += ", " + quote_identifier(to.columns[k].name);
  }
  return sql;
}

}  // namespace pgpx::orm::detail
