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

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

  /// True when a `lint-ignore` silenced it.
  [[nodiscard]] auto ignored() const noexcept -> bool { return ignored_because.has_value(); }
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

/// The number of findings that fail a lint: errors not silenced (and, with `strict`, warnings
/// not silenced).
[[nodiscard]] PGPX_API auto lint_failures(const std::vector<lint_finding>& findings, bool strict = false) noexcept
    -> std::size_t;

/// "error" or "warning".
[[nodiscard]] PGPX_API auto to_string(lint_severity s) noexcept -> std::string_view;

}  // namespace pgpx::migrate
