// pgpx/migrate/split.hpp: the statements of a migration file, as PostgreSQL reads them.
//
// A no-transaction file runs statement by statement in autocommit, so pgpx must split it.
// The split is done by PostgreSQL's own parser (libpg_query), so dollar quotes, nested
// comments and BEGIN ATOMIC bodies split exactly as the server reads them; no markers are
// needed.
//
//   for (const auto& s : pgpx::migrate::split_statements(file.content, file.path.string()))
//     if (auto why = pgpx::migrate::no_transaction_reason(s.text)) ...;  // "CREATE INDEX CONCURRENTLY"
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/migrate/migration.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::migrate {

/// One statement of a file.
struct statement {
  std::string text;         ///< from its first token to its end, without the `;` and surrounding blanks
  std::size_t offset = 0;   ///< byte offset of its first token in the file
  int line = 0;             ///< 1-based line of its first token
};

/**
 * Splits `sql` into statements with PostgreSQL 15's parser. Comments and blanks between
 * statements belong to no statement; a file of only comments has none.
 *
 * Throws source_error naming `file` and the line of the error, with the parser's message,
 * when `sql` does not parse.
 */
[[nodiscard]] PGPX_API auto split_statements(std::string_view sql, const std::string& file) -> std::vector<statement>;

/// A `$n` parameter reference in SQL text.
struct parameter_ref {
  std::size_t begin = 0;  ///< byte offset of the `$`
  std::size_t end = 0;    ///< byte offset just after the last digit
  int number = 0;         ///< n
};

/**
 * The `$n` references of `sql` as PostgreSQL 15's scanner reads them: never inside a string,
 * a quoted name, a dollar-quoted body or a comment. In text order.
 *
 * Throws source_error naming `file` when `sql` does not scan (an unclosed quote).
 */
[[nodiscard]] PGPX_API auto parameter_refs(std::string_view sql, const std::string& file) -> std::vector<parameter_ref>;

/**
 * Why `statement` cannot run inside a transaction block, or nullopt when it can: CREATE/DROP
 * INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY, ALTER TABLE ... DETACH PARTITION ...
 * CONCURRENTLY, VACUUM, CLUSTER without a table, CREATE/DROP DATABASE, CREATE/DROP
 * TABLESPACE, ALTER SYSTEM. Read from the parse tree, never from the text.
 *
 * With several statements in `statement`, the first that needs it is named. Throws
 * pgpx::error (kind migration) when the text does not parse.
 */
[[nodiscard]] PGPX_API auto no_transaction_reason(std::string_view statement) -> std::optional<std::string>;

/// True when no_transaction_reason(statement) has a value.
[[nodiscard]] PGPX_API auto needs_no_transaction(std::string_view statement) -> bool;

/**
 * The first statement of `sql` that ends or opens a transaction block ("BEGIN", "START
 * TRANSACTION", "COMMIT", "ROLLBACK", "PREPARE TRANSACTION", "COMMIT PREPARED", "ROLLBACK
 * PREPARED"), or nullopt. SAVEPOINT, RELEASE and ROLLBACK TO are not among them. pgpx runs a
 * transactional migration in its own transaction with its tracking row, so such a statement
 * there would commit part of the migration without its row. Read from the parse tree.
 *
 * Throws pgpx::error (kind migration) when the text does not parse.
 */
[[nodiscard]] PGPX_API auto transaction_control(std::string_view sql) -> std::optional<std::string>;

}  // namespace pgpx::migrate
