// pgpx/schema/diagram.hpp: an entity-relationship diagram of a catalog, as Mermaid or
// Graphviz DOT text.
//
//   pgpx::schema::catalog c = pgpx::schema::introspect(cx);
//   std::string m = pgpx::schema::to_mermaid(c, {.tables = {"app.book*"}});
//   std::string d = pgpx::schema::to_dot(c);   // `dot -Tsvg` draws it
//
// What is drawn: the tables (leaf partitions are left out: their parent stands for them)
// with their columns in position order, each with its type, PK and FK marks and NOT NULL;
// one relation per foreign key (a composite key is one relation; a table may reference
// itself or a table of another schema). Inherited foreign keys (cloned onto partitions) are
// left out.
//
// Filters: `schemas` keeps the tables of those schemas; `tables` keeps the tables matching
// one of its glob patterns (see table_pattern_matches). A relation whose other end is
// filtered out (or is not in the catalog at all) is still drawn, to a stub: a box holding
// only the referenced table's name (dashed in DOT), so that no foreign key disappears
// silently.
//
// The text is deterministic (tables by schema then name, relations by table then constraint
// name) and every name is escaped for its format: see the functions below.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/schema/introspect.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace pgpx::schema {

/// Which tables a diagram shows.
struct diagram_options {
  std::vector<std::string> schemas{};  ///< only the tables of these schemas (empty: every schema)
  std::vector<std::string> tables{};   ///< only the tables matching one of these globs (empty: all)
};

/**
 * Does table `t` match the glob `pattern`? `*` stands for any run of characters, `?` for
 * one character (one UTF-8 code point); everything else, `.` included, stands for itself.
 * A pattern holding a `.` is matched against "schema.name" ("app.book*", "*.audit_log"),
 * one without against the name alone ("book*" matches books in every schema). Matching is
 * case-sensitive, as quoted identifiers are.
 */
[[nodiscard]] PGPX_API auto table_pattern_matches(std::string_view pattern, const qualified_name& t) -> bool;

/**
 * The catalog as a Mermaid `erDiagram`, ending with a newline.
 *
 * Mermaid's grammar has no escape for entity and attribute words, so each table gets an id
 * made of ASCII letters, digits and `_` ("t_app_books"; a name that does not fit is spelt
 * with `_` and numbered when two would collide), and its real name is the entity's alias,
 * in double quotes. Texts in quotes (aliases, comments, relation labels) are escaped with
 * mermaid_text. A column's type and name are written as mermaid_word; when that changes
 * them, the comment carries the real ones ("name: my col; type: character varying(80)").
 * Cardinality: the referenced side is exactly one (`||`) when every key column is NOT
 * NULL, else zero or one (`|o`); the referencing side is zero or one when its key columns
 * are a primary or unique key, else zero or more. The line is solid (identifying) when the
 * key columns are part of the referencing table's primary key, else dashed.
 */
[[nodiscard]] PGPX_API auto to_mermaid(const catalog& c, const diagram_options& options = {}) -> std::string;

/**
 * The catalog as a Graphviz `digraph`, ending with a newline: one node per table (an
 * HTML-like table label: the name, then a row per column: name, type, marks), one edge per
 * foreign key from the referencing table to the referenced one, labelled
 * "constraint: (columns) -> (referenced columns)". Node ids are dot_id of "schema.name";
 * labels are escaped with html_text, so any name is safe.
 */
[[nodiscard]] PGPX_API auto to_dot(const catalog& c, const diagram_options& options = {}) -> std::string;

/// A DOT quoted id: `"` and `\` get a backslash in front, a control character is written as
/// `\xHH`, all in double quotes. Distinct texts give distinct ids, and no text can end the
/// quoted string early or continue a line. (Graphviz reads `\"` as `"` and keeps every
/// other backslash, so a node's name shows a backslash doubled; its label shows the text.)
[[nodiscard]] PGPX_API auto dot_id(std::string_view text) -> std::string;

/// Text for an HTML-like DOT label: `&`, `<`, `>`, `"` and `'` become entities; a control
/// character (newline, tab...) becomes a space. UTF-8 passes through.
[[nodiscard]] PGPX_API auto html_text(std::string_view text) -> std::string;

/// Text for inside Mermaid double quotes: `"`, `#`, `<`, `>`, `&`, `%` and a backquote are
/// written as Mermaid entity codes (`#quot;`, `#35;`, `#lt;`, `#gt;`, `#amp;`, `#37;`,
/// `#96;`), so that a quote cannot end the string and no text reads as markup, an entity or
/// a comment; a control character becomes a space. UTF-8 passes through.
[[nodiscard]] PGPX_API auto mermaid_text(std::string_view text) -> std::string;

/// A Mermaid attribute word (a column's type or name): characters other than ASCII letters,
/// digits, `_`, `-`, `(`, `)`, `[` and `]` become `_`, and one that starts with anything but
/// a letter or `_` gets a `_` in front ("character varying(80)" -> "character_varying(80)"),
/// as does a word Mermaid reads as a key mark (PK, FK, UK, in any case).
[[nodiscard]] PGPX_API auto mermaid_word(std::string_view text) -> std::string;

}  // namespace pgpx::schema
