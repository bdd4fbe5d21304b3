// pgpx/migrate/source.hpp: reading a migrations directory, and adding a migration to it.
//
//   auto all = pgpx::migrate::load_directory("migrations");   // sorted by version
//   const auto next = pgpx::migrate::plan_migration("migrations", "add_users");
//   pgpx::migrate::write_migration(next, "create table users (...);\n", "drop table users;\n");
//
// Every `.sql` file in the directory must be a well-formed migration file name; files with
// another extension (pgpx.sum, README.md), dotfiles and subdirectories are ignored.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/migrate/migration.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
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

/**
 * The version of a new migration after `existing` (as load_directory returns them): in a
 * sequence-numbered directory the newest number plus one, zero-padded to the newest's width;
 * in a timestamp-numbered one the UTC time `now` as YYYYMMDDHHMMSS, or one second after the
 * newest when `now` is not later (two created within one second, a clock behind). Without
 * migrations `empty_style` decides; a sequence starts at 0001.
 */
[[nodiscard]] PGPX_API auto next_version(const std::vector<migration>& existing, version_style empty_style,
                                         std::chrono::system_clock::time_point now = std::chrono::system_clock::now())
    -> std::string;

/// A migration about to be added to a directory: plan_migration() names it, write_migration() writes it.
struct new_migration {
  std::filesystem::path dir;  ///< the migrations directory
  std::string version;        ///< next_version() of the directory
  std::string name;           ///< "<version>_<slug>"

  /// dir/<name>.up.sql
  [[nodiscard]] auto up_path() const -> std::filesystem::path { return dir / (name + ".up.sql"); }
  /// dir/<name>.down.sql
  [[nodiscard]] auto down_path() const -> std::filesystem::path { return dir / (name + ".down.sql"); }
};

/**
 * Names the next migration of `dir` (a directory that does not exist yet has none) with
 * next_version(). `style` is the numbering asked for: a directory with migrations keeps its
 * own, so asking for the other is refused; empty: the directory's, else timestamp. Writes
 * nothing. Throws usage_error for a slug outside `[a-z0-9_]+` or a style that would mix,
 * source_error when the directory does not load.
 */
[[nodiscard]] PGPX_API auto plan_migration(const std::filesystem::path& dir, const std::string& slug,
                                           std::optional<version_style> style = std::nullopt) -> new_migration;

/**
 * Writes `m`'s up file and, unless `down` is nullopt (an irreversible migration), its down file,
 * creating the directory when missing; then rewrites `pgpx.sum` (write_sum, sum_file.hpp).
 * Throws source_error when the directory or a file cannot be written.
 */
PGPX_API void write_migration(const new_migration& m, std::string_view up, std::optional<std::string_view> down);

}  // namespace pgpx::migrate
