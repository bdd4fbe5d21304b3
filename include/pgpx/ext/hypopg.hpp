// pgpx/ext/hypopg.hpp: hypothetical indexes (the hypopg extension), to ask the planner
// "would this index be used?" without building it.
//
//   auto ix = pgpx::hypopg::create_index(cx, "create index on orders (customer_id)");
//   auto plan = cx.query_value<std::string>("explain select * from orders where customer_id = 42");
//   bool used = plan.find(ix.name) != std::string::npos;       // <13732>btree_orders_customer_id
//   pgpx::hypopg::reset(cx);
//
// A hypothetical index lives in the session that made it (invisible to others, gone at
// disconnect): use one connection (or transaction) for create, explain and reset. The index
// definition is SQL the program writes (a CREATE INDEX statement, as pgpx::schema::manage
// renders it); it is passed to hypopg as a bound parameter.
#pragma once

#include <pgpx/types/oid.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::hypopg {

/// A hypothetical index.
struct index {
  pgpx::oid indexrelid = 0;  ///< its (fake) OID
  std::string name;          ///< the name EXPLAIN shows, <oid>btree_table_column
};

/// A hypothetical index with its table and estimated size.
struct index_info {
  pgpx::oid indexrelid = 0;
  std::string index_name;
  std::string table_name;   ///< schema-qualified when not on the search_path
  std::string definition;   ///< CREATE INDEX ...
  std::int64_t estimated_bytes = 0;
};

/// `hypopg_create_index(sql)`: one hypothetical index from a CREATE INDEX statement.
template <class Ex>
auto create_index(Ex& ex, std::string_view create_index_sql) -> index {
  struct row {
    pgpx::oid indexrelid;
    std::string indexname;
  };
  const auto r = ex.template query_one<row>("select indexrelid, indexname::text from hypopg_create_index($1)",
                                            std::string(create_index_sql));
  return {r.indexrelid, r.indexname};
}

/// Every hypothetical index of this session, with its estimated size.
template <class Ex>
auto list(Ex& ex) -> std::vector<index_info> {
  return ex.template query<index_info>(
      "select h.indexrelid, h.index_name::text, "
      "coalesce(nullif(h.schema_name::text, 'public') || '.', '') || h.table_name::text as table_name, "
      "hypopg_get_indexdef(h.indexrelid) as definition, hypopg_relation_size(h.indexrelid) as estimated_bytes "
      "from hypopg_list_indexes h order by h.indexrelid");
}

/// `hypopg_drop_index(oid)`: false when there was no such index.
template <class Ex>
auto drop_index(Ex& ex, pgpx::oid indexrelid) -> bool {
  return ex.template query_value<bool>("select hypopg_drop_index($1)", indexrelid);
}

/// `hypopg_reset()`: drops every hypothetical index of the session.
template <class Ex>
void reset(Ex& ex) {
  ex.execute("select hypopg_reset()");
}

}  // namespace pgpx::hypopg
