// cli/redaction.hpp: no message of the pgpx command ever contains a secret.
//
// Two layers, both applied to everything written to stderr and to help/usage text:
//
//   1. pgpx::redact(): the structural masks (URL userinfo passwords, password=... keywords,
//      PASSWORD '...' literals).
//   2. The secrets this invocation knows about: the passwords of every command-line argument
//      that looks like a connection string (URL or keyword/value, also inside `--url=...`),
//      and those of DATABASE_URL, PGPX_DATABASE_URL and PGPASSWORD, masked wherever they
//      appear, whatever the surrounding text looks like (a mistyped flag, an unexpected
//      positional argument, a URL libpq cannot parse).
//
// Query results on stdout are data and are not filtered.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::cli {

/// The secrets this process may print by accident: passwords found in `args` (connection
/// strings, `--opt=value` forms) and in the connection environment variables. Values shorter
/// than 3 characters are left out (masking them would mangle unrelated text; layer 1 still
/// masks them where they stand in a connection string).
[[nodiscard]] auto collect_secrets(const std::vector<std::string>& args) -> std::vector<std::string>;

/// pgpx::redact(text), then every known secret replaced by the redaction marker.
[[nodiscard]] auto redact_message(std::string_view text, const std::vector<std::string>& secrets) -> std::string;

/**
 * Installs a filter on std::cerr and std::clog for the rest of the process: text is collected
 * per line (and on an explicit flush) and written redacted by redact_message(). Call once,
 * early in main(); the filter is never removed, so that output flushed at exit is filtered too.
 */
void install_stderr_redaction(std::vector<std::string> secrets);

/// Tells the stderr filter whether a progress line (cli/progress.hpp) stands drawn in place,
/// without a line end: while it does, any other text written to stderr (a note, a warning, a
/// log line, an error) erases it first, so that the text starts on a clean line.
void set_progress_line_drawn(bool drawn) noexcept;

/// The secrets install_stderr_redaction() was given (empty before).
[[nodiscard]] auto known_secrets() -> const std::vector<std::string>&;

}  // namespace pgpx::cli
