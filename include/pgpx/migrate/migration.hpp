// pgpx/migrate/migration.hpp: a migration as it is on disk.
//
// A migration is a pair of files in one directory, `<version>_<slug>.up.sql` and, unless it
// is irreversible, `<version>_<slug>.down.sql`. Each file opens with optional header
// directives (`-- pgpx: no-transaction`, ...). pgpx::migrate::load_directory (source.hpp)
// reads a directory into these values:
//
//   for (const auto& m : pgpx::migrate::load_directory("migrations")) {
//     std::cout << m.version << ' ' << m.slug << (m.irreversible() ? " (irreversible)" : "") << '\n';
//   }
//
// docs/migrations.md ("Migration files") describes names, directives and checksums.
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/export.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pgpx::migrate {

/// How a directory numbers its migrations; one directory uses one style.
enum class version_style {
  timestamp,  ///< UTC `YYYYMMDDHHMMSS` (14 digits, a valid date and time)
  sequence,   ///< a zero-padded sequence number (`0001`), 1 to 13 digits
};

/// Which way a file moves the schema.
enum class direction {
  up,    ///< `.up.sql`: applies the change
  down,  ///< `.down.sql`: reverts it
};

/// One `-- pgpx: lint-ignore=CODE[,CODE] reason="..."` directive.
struct lint_ignore {
  std::vector<std::string> codes;  ///< the lint rule codes, e.g. "DS103"
  std::string reason;              ///< why; never empty
  int line = 0;                    ///< 1-based line of the directive in its file
};

/// The header directives of one file (each file of a pair has its own).
struct directives {
  bool no_transaction = false;                               ///< `no-transaction`
  std::optional<std::chrono::milliseconds> lock_timeout;       ///< `lock-timeout=<dur>`; 0 = none
  std::optional<std::chrono::milliseconds> statement_timeout;  ///< `statement-timeout=<dur>`; 0 = none
  std::vector<lint_ignore> lint_ignores;                     ///< every `lint-ignore`, in file order
  std::vector<std::string> required_extensions;              ///< every `requires-extension=name`
  std::vector<std::string> environments;                     ///< `env=a,b`; empty = every environment
};

/// One file of a migration.
struct migration_file {
  std::filesystem::path path;  ///< where it was read from
  std::string file_name;       ///< its name alone, e.g. "20250101120000_create_users.up.sql"
  std::string content;         ///< the bytes as read (not normalised)
  directives header;           ///< its header directives
  std::string checksum;        ///< "h1:" + base64 SHA-256 of the normalised content (checksum.hpp)
};

/// A migration: its up file and, unless irreversible, its down file.
struct migration {
  std::string version;          ///< as written in the file name ("0001", "20250101120000")
  std::uint64_t number = 0;     ///< the version's numeric value; migrations sort by it
  std::string slug;             ///< `[a-z0-9_]+`
  version_style style = version_style::timestamp;  ///< how the version is written
  migration_file up;                             ///< the `.up.sql` file
  std::optional<migration_file> down;            ///< the `.down.sql` file, absent when irreversible

  /// True when there is no down file.
  [[nodiscard]] auto irreversible() const noexcept -> bool { return !down.has_value(); }
  /// "<version>_<slug>", the migration's name without direction and extension.
  [[nodiscard]] auto name() const -> std::string { return version + "_" + slug; }
};

/**
 * A migration file, directory or `pgpx.sum` is not acceptable: a malformed or clashing file
 * name, a bad header directive, a malformed sum file, a statement that does not parse.
 *
 * A pgpx::error of kind error_kind::migration. message() names the file (and the line when
 * one is at fault) first: "migrations/0002_x.up.sql:3: unknown directive 'no-tx'".
 * Thread safety: an immutable value.
 */
class PGPX_API source_error : public pgpx::error {
 public:
  /// `file` is the path as the user gave it; `line` is 1-based, 0 when no line is at fault.
  source_error(std::string file, int line, const std::string& problem);

  /// The file at fault (path as given).
  [[nodiscard]] auto file() const noexcept -> const std::string& { return file_; }
  /// The 1-based line at fault, 0 when the file as a whole is.
  [[nodiscard]] auto line() const noexcept -> int { return line_; }

 private:
  std::string file_;
  int line_;
};

}  // namespace pgpx::migrate
