// pgpx/schema/ddl.hpp: CREATE and DROP statements from model descriptions.
//
//   for (const auto& s : pgpx::schema::create_table<book>()) cx.execute(s);
//   pgpx::schema::create(tx, pgpx::models<author, book, tag, book_tag>);   // in FK order
//   pgpx::schema::drop(tx, pgpx::models<author, book, tag, book_tag>);     // the reverse
//
// For `book` (pgpx/model/model.hpp) create_table gives (enum types of its columns first,
// `create type "mood" as enum ('sad', 'happy')`, when it has any):
//   create table "books" ("id" int8 generated always as identity, "author_id" int8 not null,
//     ..., "deleted_at" timestamptz, constraint "books_pkey" primary key ("id"),
//     constraint "books_author_id_fkey" foreign key ("author_id") references "authors" ("id")
//     on delete cascade)
//   create index "books_author_id_title_idx" on "books" ("author_id", "title")
//   create index "books_tags_idx" on "books" using gin ("tags")
//
// Every identifier goes through pgpx::quote_identifier; the only other text is pgpx's own
// keywords, SQL type names and the compile-time expressions of server_default<> and
// generated<>. Nothing here alters or drops anything but what drop() is asked to drop: the
// migrations compare models with a database and plan changes (pgpx/migrate).
#pragma once

#include <pgpx/core/statement.hpp>
#include <pgpx/export.hpp>
#include <pgpx/model/model.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pgpx {

/// A list of model types, for schema::create and schema::drop: `pgpx::models<a, b, c>`.
template <class... T>
struct model_list {};
/// `pgpx::models<author, book>`.
template <class... T>
inline constexpr model_list<T...> models{};

namespace schema {

/// How drop statements are written.
struct drop_options {
  bool if_exists = false;  ///< `drop table if exists`
  bool cascade = false;    ///< `... cascade` (drops dependent objects too: views, foreign keys)
};

/// The table of `m` as SQL: `"books"`, or `"shop"."order_lines"` when it names a schema.
[[nodiscard]] PGPX_API auto table_name(const model_description& m) -> std::string;

/// The statements that create the enum types of `m`'s columns, its table with every
/// constraint, then its indexes. Throws usage_error, naming the member, for a column
/// without a SQL type.
[[nodiscard]] PGPX_API auto create_table(const model_description& m) -> std::vector<statement<void>>;
/// An index's key as CREATE INDEX writes it, in parentheses: columns quoted, expressions as
/// declared, each with the index's operator class (`("title", lower("sku") "text_pattern_ops")`).
/// Also the conflict target of an upsert on that index.
[[nodiscard]] PGPX_API auto index_key_list(const model_description& m, const index_info& ix) -> std::string;
/// `alter table ... add constraint ... foreign key ...` for each foreign key of `m`.
[[nodiscard]] PGPX_API auto add_foreign_keys(const model_description& m) -> std::vector<statement<void>>;
/// The statement that drops the table of `m`.
[[nodiscard]] PGPX_API auto drop_table(const model_description& m, drop_options options = {}) -> statement<void>;

/**
 * The statements that create every table of `ms` in an order the foreign keys allow
 * (referenced tables first, whatever the order given). A model referenced but not listed is
 * assumed to exist already. (Foreign keys cannot form a cycle between C++ models:
 * `references<&M::k>` needs M declared first. A self reference is created inline.)
 */
[[nodiscard]] PGPX_API auto creation_plan(const std::vector<const model_description*>& ms)
    -> std::vector<statement<void>>;
/// The statements that drop every table of `ms`, referencing tables first, then the enum
/// types their columns use.
[[nodiscard]] PGPX_API auto drop_plan(const std::vector<const model_description*>& ms, drop_options options = {})
    -> std::vector<statement<void>>;

/// create_table for model T. A member whose type has no known SQL type fails to compile,
/// naming the member (specialise pgpx::sql_type<V>).
template <class T>
[[nodiscard]] auto create_table() -> std::vector<statement<void>> {
  pgpx::detail::check_sql_types<T>(std::make_index_sequence<reflect::field_count<T>>{});
  return create_table(model_info<T>());
}
/// drop_table for model T.
template <class T>
[[nodiscard]] auto drop_table(drop_options options = {}) -> statement<void> {
  return drop_table(model_info<T>(), options);
}

/// Runs creation_plan for the models on `ex` (a connection, transaction, savepoint or
/// lease). Run it in a transaction to create all or nothing. Blocks; throws pgpx::error.
template <class Executor, class... T>
void create(Executor& ex, model_list<T...> /*models*/) {
  (pgpx::detail::check_sql_types<T>(std::make_index_sequence<reflect::field_count<T>>{}), ...);
  for (const auto& s : creation_plan({&model_info<T>()...})) ex.execute(s);
}
/// Runs drop_plan for the models on `ex`. Blocks; throws pgpx::error.
template <class Executor, class... T>
void drop(Executor& ex, model_list<T...> /*models*/, drop_options options = {}) {
  for (const auto& s : drop_plan({&model_info<T>()...}, options)) ex.execute(s);
}

}  // namespace schema
}  // namespace pgpx
