// pgpx/migrate/lint.hpp: static checks of a migration file before it runs.
//
// The linter reads each statement's parse tree from PostgreSQL's own parser (libpg_query),
// never the text, so a `DROP TABLE` inside a dollar-quoted function body or a comment is not
// a drop. It reports destructive statements, statements that take heavy locks or rewrite a
// table on a busy database, statements that cannot run in the file's transaction mode, and
// hygiene problems of down files:
//
//   for (const auto& f : pgpx::migrate::lint(sql, {.file = "0002_drop_legacy.up.sql"}))
//     std::cerr << f.line << ": " << f.rule << " " << f.message << " (" << f.hint << ")\n";
//
// A finding is silenced by a header directive for the whole file,
//   -- pgpx: lint-ignore=DS101 reason="the table was empty since v2"
// or by the same comment on the line(s) directly before one statement, for that statement.
// docs/migrations.md ("Lint") lists every rule.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/migrate/migration.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx {
class connection;
}

namespace pgpx::migrate {

/// How bad a finding is: errors fail `pgpx migrate lint` (exit 5), warnings only with --strict.
enum class lint_severity {
  warning,  ///< worth a look; does not fail the lint
  error,    ///< fails the lint unless silenced by a `lint-ignore` with a reason
};

/// One rule of the linter, as documented in docs/migrations.md.
struct lint_rule {
  std::string_view id;        ///< stable code, e.g. "DS101"; never reused for another rule
  lint_severity severity;     ///< its severity in an up file (destructive rules are warnings in down files)
  std::string_view summary;   ///< what it finds, one line
  std::string_view hint;      ///< how to fix or silence it, one line
};

/// Every rule, ordered by id. Ids starting with PX (problems of the file itself: it does not
/// parse, a malformed directive) cannot be silenced.
[[nodiscard]] PGPX_API auto lint_rules() noexcept -> std::span<const lint_rule>;

/// One problem found in a file.
struct lint_finding {
  std::string rule;                             ///< the rule id, e.g. "DS101"
  lint_severity severity = lint_severity::error;  ///< of this finding (see lint_rule::severity)
  std::string message;                          ///< one line, naming the object: "DROP TABLE app.users deletes ..."
  std::string hint;                             ///< how to fix or silence it, one line
  int statement = 0;                            ///< 1-based index among the file's statements; 0 = the file
  int line = 0;                                 ///< 1-based line in the file; 0 = the file as a whole
  std::optional<std::string> ignored_because;   ///< the reason of the `lint-ignore` that silenced it
  /// What the database said that made this finding milder ("app.t is empty now"; set only
  /// when lint_options::catalog was given): a destructive finding on an empty table is a
  /// warning, a rollback does not count it as data loss.
  std::string catalog_note{};

  /// True when a `lint-ignore` silenced it.
  [[nodiscard]] auto ignored() const noexcept -> bool { return ignored_because.has_value(); }
};

/// What the database says about one table a migration names (read_lint_catalog reads it).
struct table_facts {
  std::string schema{};  ///< as the migration writes it: empty when the name is unqualified
  std::string name{};    ///< as the migration writes it
  bool empty = false;    ///< it has no row now
  std::int64_t bytes = 0;  ///< its size with indexes and TOAST (its partitions' for a partitioned table)
};

/// What the catalog-aware rules know (lint_options::catalog).
struct lint_catalog {
  std::vector<table_facts> tables{};  ///< the existing tables the files name; others are unknown
  /// Below this size a table is small: the lock and rewrite rules (LH201, LH203 to LH207)
  /// stay silent for it, as its lock is brief. From it up they say its size.
  std::int64_t large_bytes = 10LL * 1024 * 1024;
};

/// What the linter needs to know about a file besides its text.
struct lint_options {
  /// The file's direction: down files get the hygiene rules, and their destructive findings
  /// are warnings (undoing a creation drops what it created).
  direction dir = direction::up;
  /// Whether the file runs outside a transaction; nullopt: from its `no-transaction` header.
  std::optional<bool> no_transaction{};
  /// The file name used in messages (directive problems name it).
  std::string file = "migration";
  /// Facts about the tables the file names, from the database it will run on; null: the
  /// rules are static ("existing" means "not created earlier in this file"). With facts,
  /// a destructive rule (DS101, DS104 to DS106) on an empty table is a warning, LH202 is a
  /// warning on an empty table and says the table has rows otherwise, and the lock rules
  /// are silent on a small table. A table the facts do not list keeps the static rules.
  const lint_catalog* catalog = nullptr;
};

/**
 * Lints one migration file's text.
 *
 * Returns every finding, silenced ones included (with ignored_because set), ordered by line.
 * Never throws for the content: SQL that does not parse is a PX001 finding, a malformed
 * directive a PX002/PX003 finding. Tables created earlier in the same file are new: the lock
 * and destructive rules do not fire for them.
 * Thread safety: may be called concurrently.
 */
[[nodiscard]] PGPX_API auto lint(std::string_view sql, const lint_options& options = {}) -> std::vector<lint_finding>;

/// The tables lint() would look up in lint_options::catalog for this file: those it names
/// and did not create earlier in it, as written ({schema or "", name}), each once. Never
/// throws for the content (a file that does not parse names none).
[[nodiscard]] PGPX_API auto tables_linted(std::string_view sql) -> std::vector<table_facts>;

/**
 * Reads the facts of every table tables_linted() finds in `files` from the database `cx`
 * is connected to: whether it has a row (`select not exists (select from t)`, for a table
 * the session may read) and its size. A name resolves as the server would resolve it on
 * `cx` (its search_path); one that is not a table there (or a view, a materialized view,
 * a table with row-level security the role does not bypass) is left out. The tables are read
 * in one transaction with lock_timeout 1s (it takes ACCESS SHARE locks), one catalog query
 * for all names and one emptiness check per table; when a table stays locked or a name is
 * in a schema the role may not use, no table has facts (the static rules). Writes nothing; the
 * names are bound (to_regclass($1)) or quoted. `cx` must be idle. Blocks; throws
 * pgpx::error from the server.
 */
[[nodiscard]] PGPX_API auto read_lint_catalog(connection& cx, std::span<const std::string> files) -> lint_catalog;

/// The number of findings that fail a lint: errors not silenced (and, with `strict`, warnings
/// not silenced).
[[nodiscard]] PGPX_API auto lint_failures(const std::vector<lint_finding>& findings, bool strict = false) noexcept
    -> std::size_t;

/// "error" or "warning".
[[nodiscard]] PGPX_API auto to_string(lint_severity s) noexcept -> std::string_view;

}  // namespace pgpx::migrate
