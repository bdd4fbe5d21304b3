// pgpx/schema/diff.hpp: what turns one introspected catalog into another, as SQL.
//
//   auto from = pgpx::schema::introspect(live);       // the database as it is
//   auto to = pgpx::schema::introspect(shadow);       // as it should be
//   pgpx::schema::diff_result d = pgpx::schema::diff(from, to);
//   for (const auto& c : d.changes)
//     if (c.destructive) std::cerr << "destructive: " << c.object << '\n';
//   std::string up = d.up_script();      // from -> to, in dependency order
//   std::string down = d.down_script();  // to -> from: each change's inverse, in reverse order
//
// Each change is one or more statements with its inverse. Identifiers are quoted by
// pgpx::quote_identifier; the only other text is pgpx's own keywords and the texts the
// server printed into the catalogs (format_type, pg_get_*def, expressions; comments and
// enum labels as literals through pgpx::quote_literal). Those texts are printed relative to
// the search_path of the session that introspected: run the scripts with the same one.
// Renames are never guessed: a column or table that disappears while another appears is
// a drop plus an add, both flagged, with a note naming the possible rename.
//
// Privileges are diffed as introspect() reads them (what roles other than the owner may do;
// ownership is not diffed). An object made by the script starts from builtin_privileges();
// where the `from` catalog has ALTER DEFAULT PRIVILEGES that may apply to it (pgpx does not
// know which role will run the script), the script revokes what they may have added and
// grants all the object should have. Default privileges change last, after the objects.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/schema/introspect.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace pgpx::schema {

/// The kind of object a change is about.
enum class change_kind {
  schema,        ///< CREATE / DROP SCHEMA
  extension,     ///< CREATE / DROP / ALTER EXTENSION
  enum_type,     ///< CREATE TYPE ... AS ENUM, ADD VALUE, DROP TYPE
  domain,        ///< CREATE / ALTER / DROP DOMAIN (default, NOT NULL, CHECK constraints)
  composite_type,  ///< CREATE TYPE ... AS (...), ALTER TYPE ... ADD / DROP / ALTER ATTRIBUTE, DROP TYPE
  sequence,      ///< CREATE / ALTER / DROP SEQUENCE, OWNED BY
  table,         ///< CREATE / DROP TABLE, storage parameters
  column,        ///< ADD / DROP COLUMN, ALTER COLUMN ...
  constraint,    ///< ADD / DROP / VALIDATE CONSTRAINT
  index,         ///< CREATE / DROP INDEX
  view,          ///< views and materialized views
  function,      ///< functions and procedures
  trigger,       ///< CREATE / DROP TRIGGER, ENABLE / DISABLE TRIGGER
  row_security,  ///< ENABLE / FORCE ROW LEVEL SECURITY, policies
  comment,       ///< COMMENT ON ...
  privilege,     ///< GRANT / REVOKE on an object or its columns
  default_privileges,  ///< ALTER DEFAULT PRIVILEGES ... GRANT / REVOKE
  event_trigger,  ///< CREATE / ALTER / DROP EVENT TRIGGER
};

/// One step of a diff: SQL that makes a part of `from` into the same part of `to`, and its inverse.
struct change {
  /// The statements for from -> to, separated by ";\n", without a final semicolon.
  std::string up{};
  /// The inverse statements (to -> from); empty when there is none (see `note`).
  std::string down{};
  change_kind kind = change_kind::table;  ///< what the change is about
  bool destructive = false;       ///< `up` can lose data (drops, narrowing type changes)
  bool down_destructive = false;  ///< `down` can lose data (the inverse of a creation)
  /// False when `up` or `down` cannot run inside a transaction block (CONCURRENTLY).
  bool transactional = true;
  /// A drop or an add that may be half of a rename (see `note`); never turned into one.
  bool possible_rename = false;
  std::string object{};  ///< the object, for people: "table app.books", "column app.books.title"
  std::string note{};    ///< why it is flagged, what to do first: "possible rename of a to b"...
};

/// How diff() writes its changes.
struct diff_options {
  /**
   * Changes that keep locks short on a live database: indexes on existing tables are
   * created and dropped CONCURRENTLY (transactional = false); foreign keys and checks on
   * existing tables are added NOT VALID and validated by a change of their own; a NOT NULL
   * column without a default is added nullable, with a separate SET NOT NULL change after
   * a backfill (its note says so).
   */
  bool online = false;
};

/**
 * A table or column rename: the object `schema.table` (or its column `column`) is called
 * `to` afterwards. diff() never makes one; it lists the drop-and-add pairs that could be one
 * (diff_result::possible_renames), and with_renames() turns the ones chosen into
 * ALTER TABLE ... RENAME.
 */
struct rename_pair {
  std::string schema{};  ///< the table's schema
  std::string table{};   ///< the table's name before the rename
  std::string column{};  ///< the column's name before the rename; empty: the table is renamed
  std::string to{};      ///< the new name of the table (or of the column)

  /// Same object, same new name.
  auto operator==(const rename_pair&) const -> bool = default;
};

/// The changes from one catalog to another, in the order `up` runs.
struct diff_result {
  /// Every change, in dependency order: first what goes away (event triggers, triggers,
  /// policies, views, functions, partitions detached and parents no longer inherited,
  /// foreign keys, constraints, indexes, columns, tables, sequences, types, extensions,
  /// schemas), then what comes or changes (schemas, extensions, types, sequences, tables,
  /// columns, constraints, foreign keys, indexes, partitions attached and parents
  /// inherited, functions, views, triggers, row-level security, privileges, event
  /// triggers, comments, default privileges). Views are made after the views they read and
  /// dropped before them.
  std::vector<change> changes{};
  /// Differences diff() does not turn into SQL (a table made partitioned or given another
  /// partition key...), one line each, naming the object.
  std::vector<std::string> unsupported{};
  /// The drop-and-add pairs flagged possible_rename, one per pair:
  /// a dropped table and a created one of the same schema and columns, a dropped column and
  /// an added one of the same table and type.
  std::vector<rename_pair> possible_renames{};

  /// True when there is nothing to do and nothing unsupported differs.
  [[nodiscard]] auto empty() const noexcept -> bool { return changes.empty() && unsupported.empty(); }
  /// True when some change's `up` can lose data.
  [[nodiscard]] PGPX_API auto destructive() const noexcept -> bool;
  /// Every change's `up`, in order, each ended by ";\n"; a change that is flagged gets
  /// "-- " comment lines before it: "-- pgpx:lint DS103" for a possible rename, then
  /// "-- destructive: <object>", "-- not in a transaction block: <object>", "-- <object>: <note>".
  [[nodiscard]] PGPX_API auto up_script() const -> std::string;
  /// Every change's `down`, in reverse order, written like up_script().
  [[nodiscard]] PGPX_API auto down_script() const -> std::string;
};

/**
 * The changes that make `from` into `to`. Pure: reads the two catalogs only, no server.
 * What it covers: schemas, extensions, enum types, sequences, tables (ordinary,
 * partitioned, partitions attached, detached or re-bounded, inheritance parents added and
 * removed), columns (type, default, not null,
 * identity, generated, collation), constraints, indexes, views and materialized views,
 * functions and procedures, triggers, row-level security and policies, comments. Throws
 * usage_error, naming the object, for a name PostgreSQL cannot hold ("pgpx::schema::diff:
 * table app.t: identifier is 70 bytes long; ...").
 */
[[nodiscard]] PGPX_API auto diff(const catalog& from, const catalog& to, diff_options options = {}) -> diff_result;

/**
 * The SQL that creates everything in `c` in a fresh database, in dependency order (the
 * schema `public`, which a fresh database has, is taken as existing): the up script of the
 * diff from nothing to `c`. Deterministic: the same catalog gives the same bytes, and the
 * export applied to an empty database introspects to the same catalog and exports the same
 * bytes again. What diff() does not support is listed first as "-- not exported: ..." lines.
 */
[[nodiscard]] PGPX_API auto export_sql(const catalog& c) -> std::string;

/// One piece of export_sql(): the statements of one step, with the object they are filed
/// under (for `pgpx schema export --split`, one file per object).
struct export_piece {
  /// What the object is: "schema", "extension", "type", "sequence", "table", "view",
  /// "function", "event_trigger" (no schema) or "default_privileges" (name "role.tables";
  /// no schema for those of the whole database). A table's columns, constraints, indexes,
  /// triggers, policies, privileges and comments are filed under the table, a view's
  /// indexes under the view.
  std::string kind{};
  std::string schema{};  ///< the object's schema (a schema's own name; empty for an extension)
  std::string name{};    ///< its name; a function's with its argument types: "f(integer, text)"
  /// Empty for the step in which the object first appears; for a later step of the same
  /// object, that step's name: "foreign_keys", "indexes", "owned_by", "triggers",
  /// "row_security", "comments"... (an object's pieces with one part run together safely).
  std::string part{};
  std::string sql{};  ///< the statements, flagged and each ended by ";\n" as in up_script()
};

/// export_sql() in pieces.
struct export_result {
  std::vector<std::string> not_exported{};  ///< what diff() does not support, one line each
  std::vector<export_piece> pieces{};       ///< in the order export_sql() writes them
};

/**
 * export_sql() as pieces: export_sql() is the "-- not exported: " lines followed by every
 * piece's sql, in this order. Deterministic like export_sql(). Throws usage_error like diff().
 */
[[nodiscard]] PGPX_API auto export_pieces(const catalog& c) -> export_result;
/**
 * Reads a rename as people write it: `schema.table.column=new` for a column,
 * `schema.table=new` for a table. A part holding a dot, an equals sign or a double quote is
 * written in double quotes, with "" for a quote inside ("app"."my.t"=t2). Throws usage_error
 * naming `text` for any other shape or an empty name.
 */
[[nodiscard]] PGPX_API auto parse_rename(std::string_view text) -> rename_pair;

/// A rename as parse_rename() reads it: "app.books.title=heading"; parts that need it quoted.
[[nodiscard]] PGPX_API auto to_string(const rename_pair& r) -> std::string;

/// The change that makes one rename, with its inverse (kind table or column): `alter table
/// "s"."t" rename [column "c"] to "n"`. Not flagged destructive: the data stays.
[[nodiscard]] PGPX_API auto rename_change(const rename_pair& r) -> change;

/**
 * Refuses renames that `d` did not flag: throws usage_error naming every rename of `chosen`
 * that is none of d.possible_renames, or that renames one object twice, and listing the
 * possible ones. Does nothing when every rename is one of them.
 */
PGPX_API void check_renames(const diff_result& d, const std::vector<rename_pair>& chosen);

/**
 * The changes that make the renames `chosen` and then the changes of `after`: `after` must be
 * the diff from the catalog *as it is once renamed* to the wanted one (introspect a database
 * where the renames were run; the server rewrites the texts that name the renamed objects,
 * index and constraint definitions, views). The renames run first in `up` and last in
 * `down`, inverted; possible_renames loses the pairs that `chosen` settles.
 */
[[nodiscard]] PGPX_API auto with_renames(const std::vector<rename_pair>& chosen, diff_result after) -> diff_result;

/// The lowercase name of a change kind: "schema", "enum_type", "row_security"...
[[nodiscard]] PGPX_API auto to_string(change_kind k) noexcept -> std::string_view;

}  // namespace pgpx::schema
