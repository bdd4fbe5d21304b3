// src/migrate/directives_impl.hpp (private): the header-directive scanner that
// parse_directives (source.hpp) and the linter (lint.hpp) share.
//
// parse_directives throws on the first problem; the linter needs every problem as a finding
// and the `lint-ignore` lines that stand before single statements, so the scanner collects
// instead of throwing.
#pragma once

#include <pgpx/migrate/migration.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace pgpx::migrate::detail {

/// A directive line that parse_directives would refuse.
struct directive_problem {
  int line = 0;               ///< 1-based
  std::string message;        ///< without the "file:line: " prefix
  bool lint_ignore = false;   ///< the line is a `lint-ignore` directive
};

/// Every `-- pgpx:` line of a file, sorted out.
struct scanned_directives {
  directives header;                          ///< the valid directives of the leading comment lines
  std::vector<lint_ignore> statement_ignores;  ///< valid `lint-ignore` lines after the header, in order
  std::vector<directive_problem> problems;     ///< in line order
};

/**
 * Reads every `-- pgpx:` line of `content` (`-- pgpx:lint CODE` annotations excepted).
 * Header lines fill `header`; a `lint-ignore` after the header goes to `statement_ignores`;
 * any other directive after the header, and every malformed one, is a problem. Never throws
 * for the content; `file` is only used to strip it from messages.
 */
[[nodiscard]] auto scan_directives(std::string_view content, const std::string& file) -> scanned_directives;

}  // namespace pgpx::migrate::detail
