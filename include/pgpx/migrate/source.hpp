// pgpx/migrate/source.hpp: reading a migrations directory.
//
//   auto all = pgpx::migrate::load_directory("migrations");   // sorted by version
//
// Every `.sql` file in the directory must be a well-formed migration file name; files with
// another extension (pgpx.sum, README.md), dotfiles and subdirectories are ignored.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/migrate/migration.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::migrate {

/// The parts of a migration file name.
struct file_name_parts {
  std::string version;       ///< as written
  std::uint64_t number = 0;  ///< numeric value of the version
  version_style style = version_style::timestamp;
  std::string slug;
  direction dir = direction::up;
};

/**
 * Splits `<version>_<slug>.up.sql` / `.down.sql` into its parts.
 *
 * Throws source_error (naming `name`, line 0) saying what is wrong: no version, a 14-digit
 * version that is not a valid UTC date and time, a version longer than 14 digits, a slug
 * outside `[a-z0-9_]+`, a missing `.up`/`.down`.
 */
[[nodiscard]] PGPX_API auto parse_file_name(std::string_view name) -> file_name_parts;

/**
 * Reads the header directives of one file.
 *
 * Directives are `-- pgpx: <directive>` lines among the leading comment and blank lines.
 * Throws source_error naming `file` and the line: an unknown directive or a bad value, a
 * single-valued directive given twice, or a `-- pgpx:` line after the first SQL line (it
 * would otherwise be ignored). A `lint-ignore` after the header is allowed (it silences the
 * statement after it, see lint.hpp) but still checked; it is not in the result.
 * `-- pgpx:lint ...` annotations are left to the linter.
 */
[[nodiscard]] PGPX_API auto parse_directives(std::string_view content, const std::string& file) -> directives;

/**
 * Loads every migration of `dir`, sorted by version (numerically).
 *
 * Throws source_error naming the file(s) at fault: a malformed `.sql` file name, versions of
 * both styles in one directory (naming one file of each), a down file without its up file,
 * an up and a down of one version with different slugs, two files for the same version and
 * direction, or a bad header directive. Throws source_error for a directory that cannot be
 * read.
 */
[[nodiscard]] PGPX_API auto load_directory(const std::filesystem::path& dir) -> std::vector<migration>;

}  // namespace pgpx::migrate
