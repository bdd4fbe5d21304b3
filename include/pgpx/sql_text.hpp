// pgpx/sql_text.hpp: what pgpx reads in SQL text, through the real PostgreSQL parser.
//
// pgpx never sniffs SQL with a lexer of its own: these functions use libpg_query (the
// PostgreSQL 15 parser as a library). They serve logs and error excerpts:
//
//   auto m = pgpx::mask_literals("alter role app password 'hunter2'");
//   m.text();         // "alter role app password '***'"
//   m.position(25);   // where character 25 of the original is in m.text()
//
// Thread safety: every function here is safe to call from several threads at once.
#pragma once

#include <pgpx/export.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx {

class masked_statement;

/// Masks the literals of `sql` (see masked_statement). Never throws for any input text.
[[nodiscard]] PGPX_API auto mask_literals(std::string_view sql) -> masked_statement;

/**
 * A statement with every string literal replaced by `'***'`: standard, escape (`E'...'`),
 * Unicode (`U&'...'`), dollar-quoted (`$$...$$`, `$tag$...$tag$`), bit and hex strings,
 * whatever the spacing around them. Numbers, identifiers, comments and `$n` parameters are
 * kept. Text that does not scan (an unterminated literal) is masked from the point where
 * scanning failed to the end.
 */
class masked_statement {
 public:
  /// The statement as it may be logged or shown.
  [[nodiscard]] auto text() const noexcept -> const std::string& { return text_; }

  /// A 1-based character position in the original statement as a position in text()
  /// (a position inside a literal lands on the start of its mask; 0 stays 0).
  [[nodiscard]] PGPX_API auto position(int original) const noexcept -> int;

  /// The reverse of position(): a 1-based character position in text() as one in the
  /// original statement (a position inside a mask lands on the literal's start).
  [[nodiscard]] PGPX_API auto original_position(int masked) const noexcept -> int;

  /// `message` with every value of the statement's literals removed: a server message may
  /// quote a literal (`invalid input syntax for type integer: "..."`).
  [[nodiscard]] PGPX_API auto scrub(std::string_view message) const -> std::string;

  /// True when at least one literal was masked.
  [[nodiscard]] auto masked() const noexcept -> bool { return !spans_.empty(); }

 private:
  friend auto mask_literals(std::string_view sql) -> masked_statement;
  struct span {
    std::size_t from, to;                // bytes of the literal in the original
    std::size_t masked_from, masked_to;  // bytes of its mask in text_
  };
  std::string original_;
  std::string text_;
  std::vector<span> spans_;          // in order
  std::vector<std::string> values_;  // literal texts and contents, for scrub()
};

/// One token of SQL text as PostgreSQL's scanner reads it (comments are left out).
struct sql_token {
  /// What the token is.
  enum class kind {
    word,               ///< a keyword or an unquoted identifier; text is lower-cased
    quoted_identifier,  ///< "Name"; text is the name, unquoted
    parameter,          ///< $n; `parameter` is n
    literal,            ///< a string literal; text is empty (its value is never handed out)
    number,             ///< an integer or decimal constant; text as written
    op,                 ///< an operator (=, <=, ::, ...); text as written
    punct,              ///< ( ) , . ; [ ] and the like; text as written
  };
  kind what = kind::punct;  ///< the token's kind
  std::string text;         ///< see kind
  std::size_t parameter = 0;  ///< the n of $n
};

/// The tokens of `sql`, in order, from libpg_query's scanner; empty when it does not scan.
/// Thread-safe; never throws for any input text (but std::bad_alloc).
[[nodiscard]] PGPX_API auto scan_sql(std::string_view sql) -> std::vector<sql_token>;

}  // namespace pgpx
