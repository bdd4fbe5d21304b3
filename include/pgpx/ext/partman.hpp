// pgpx/ext/partman.hpp: pg_partman's partition management as a typed API (pg_partman 4.x,
// native partitioning).
//
//   cx.execute_script("create table events (id bigint, at timestamptz not null) partition by range (at)");
//   pgpx::partman::create_parent(cx, "public.events", "at", "1 day", {.premake = 7});
//   // or from a model: template <> struct pgpx::model<event> {
//   //   static constexpr auto primary_key = pgpx::key_of(&event::id, &event::at);
//   //   static constexpr auto partition_by = pgpx::partition_by_range(&event::at); };
//   pgpx::schema::create(cx, pgpx::models<event>);                    // ... partition by range ("at")
//   pgpx::partman::create_parent_for<event>(cx, "1 day", {.premake = 7});
//   pgpx::partman::set_retention(cx, "public.events", "30 days", false);   // drop, not detach
//   pgpx::partman::run_maintenance(cx);                                    // from a scheduler
//   for (auto& p : pgpx::partman::partitions(cx, "public.events")) ...
//
// pg_partman is installed in its own schema (`create extension pg_partman schema partman`);
// give another one in the options. Every value (table names, intervals) is a bound
// parameter; the schema is an identifier, quoted.
#pragma once

#include <pgpx/core/identifier.hpp>
#include <pgpx/error.hpp>
#include <pgpx/model/model.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgpx::partman {

/// Options of create_parent().
struct parent_options {
  std::string schema = "partman";               ///< where pg_partman is installed
  int premake = 4;                              ///< partitions made ahead of now
  std::optional<std::string> start_partition{};  ///< the first partition's start ('2024-01-01'), else now
};

/// `create_parent(parent, control, 'native', interval, ...)`: hands a natively partitioned
/// table (`partition by range (control)`) to pg_partman and makes its first partitions.
/// `parent` is schema-qualified ("public.events"); `interval` is a PostgreSQL interval
/// ("1 day", "1 month") or, for an integer control column, a number ("100000").
template <class Ex>
void create_parent(Ex& ex, const std::string& parent, const std::string& control, const std::string& interval,
                   const parent_options& o = {}) {
  if (o.premake < 1) throw usage_error("pgpx::partman::create_parent: premake must be at least 1");
  if (parent.find('.') == std::string::npos)
    throw usage_error("pgpx::partman::create_parent: give the parent table with its schema (\"public.events\")");
  (void)ex.template query_value<bool>(
      "select " + quote_identifier(o.schema) +
          ".create_parent(p_parent_table => $1, p_control => $2, p_type => 'native', p_interval => $3, "
          "p_premake => $4, p_start_partition => $5)",
      parent, control, interval, static_cast<std::int32_t>(o.premake), o.start_partition);
}

/**
 * create_parent() for a model declared partitioned by range on one member
 * (`model<T>::partition_by = pgpx::partition_by_range(&event::at)`), after
 * `pgpx::schema::create(cx, pgpx::models<event>)` made the parent: the parent is the model's
 * table in its schema (else the connection's current schema), the control column its
 * partition key. Throws usage_error naming the model when it is not range-partitioned on
 * one column (pg_partman's native partitioning), before anything is sent.
 */
template <class T, class Ex>
void create_parent_for(Ex& ex, const std::string& interval, const parent_options& o = {}) {
  const auto& m = model_info<T>();
  if (m.partitioning != partition_method::by_range || m.partition_key.size() != 1)
    throw usage_error("pgpx::partman::create_parent_for<" + std::string(m.cpp_name) +
                      ">: pg_partman manages a table partitioned by range on one column; declare "
                      "model<T>::partition_by = pgpx::partition_by_range(&T::member)");
  const std::string schema =
      m.schema.empty() ? ex.template query_value<std::string>("select current_schema()") : m.schema;
  create_parent(ex, schema + "." + m.table, m.columns[m.partition_key.front()].name, interval, o);
}

/// `run_maintenance(parent)`: makes partitions ahead and applies retention (every parent
/// when `parent` is empty).
template <class Ex>
void run_maintenance(Ex& ex, const std::optional<std::string>& parent = std::nullopt,
                     const std::string& schema = "partman") {
  ex.execute("select " + quote_identifier(schema) + ".run_maintenance(p_parent_table => $1)", parent);
}

/// Retention: partitions older than `retention` are dropped (or only detached with
/// `keep_table`) by run_maintenance().
template <class Ex>
void set_retention(Ex& ex, const std::string& parent, const std::string& retention, bool keep_table,
                   const std::string& schema = "partman") {
  const auto n = ex.execute("update " + quote_identifier(schema) +
                                ".part_config set retention = $2, retention_keep_table = $3 where parent_table = $1",
                            parent, retention, keep_table);
  if (n != 1) throw usage_error("pgpx::partman::set_retention: " + parent + " is not managed by pg_partman");
}

/// The child tables of `parent`, oldest first (schema-qualified).
template <class Ex>
auto partitions(Ex& ex, const std::string& parent, const std::string& schema = "partman") -> std::vector<std::string> {
  return ex.template query<std::string>("select partition_schemaname || '.' || partition_tablename from " +
                                            quote_identifier(schema) + ".show_partitions($1)",
                                        parent);
}

}  // namespace pgpx::partman
