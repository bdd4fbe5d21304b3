// pgpx/migrate/sum_file.hpp: `pgpx.sum`, the chained integrity file of a migrations
// directory (Atlas's atlas.sum idea).
//
//   h1:<total>
//   20250101120000_create_users.up.sql h1:<chain 1>
//   20250101120000_create_users.down.sql h1:<chain 2>
//   ...
//
// Files are listed in version order, for one version the up file before the down file.
// chain_1 = SHA-256(name_1 || 0x00 || normalise(content_1)) and
// chain_i = SHA-256(chain_{i-1} || name_i || 0x00 || normalise(content_i)), chain values as
// 32 raw bytes; the first line is the last chain value (SHA-256 of nothing for an empty
// directory). Two branches that each add a migration both change the first line, so their
// merge conflicts in git instead of silently interleaving.
//
//   pgpx::migrate::write_sum("migrations");                        // after an intentional edit
//   for (const auto& d : pgpx::migrate::verify_sum("migrations"))  // CI, pre-commit
//     std::cerr << d.file_name << ": " << to_string(d.kind) << '\n';
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/migrate/migration.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::migrate {

/// One file line of a sum file.
struct sum_entry {
  std::string file_name;  ///< e.g. "0001_init.up.sql"
  std::string hash;       ///< "h1:" + base64 chain value
  int line = 0;           ///< 1-based line in the sum file (0 when computed)
};

/// The content of a `pgpx.sum`.
struct sum_file {
  std::string total;               ///< "h1:" + base64 of the last chain value
  std::vector<sum_entry> entries;  ///< one per migration file, in version order
};

/// The sum of migrations as loaded (load_directory), in their order.
[[nodiscard]] PGPX_API auto compute_sum(const std::vector<migration>& migrations) -> sum_file;
/// The sum of the migrations in `dir`.
[[nodiscard]] PGPX_API auto compute_sum(const std::filesystem::path& dir) -> sum_file;

/// The text of a sum file: the total line, then one line per file, each ended by LF.
[[nodiscard]] PGPX_API auto format_sum(const sum_file& sum) -> std::string;

/**
 * Parses the text of a sum file; `source` names it in errors.
 *
 * Throws source_error naming the line: a first line that is not `h1:<base64 of 32 bytes>`,
 * a file line that is not `<migration file name> h1:<hash>`, a file listed twice, a blank
 * line other than at the end.
 */
[[nodiscard]] PGPX_API auto parse_sum(std::string_view text, const std::string& source) -> sum_file;

/// Reads and parses `file`; throws source_error when it cannot be read or does not parse.
[[nodiscard]] PGPX_API auto read_sum(const std::filesystem::path& file) -> sum_file;

/// Computes the sum of `dir` and writes `dir/pgpx.sum` (through a temporary file and a rename).
PGPX_API void write_sum(const std::filesystem::path& dir);

/// How a directory differs from its `pgpx.sum`.
enum class difference_kind {
  modified,   ///< the file's content changed since the sum was written
  added,      ///< the file is on disk but not in the sum
  removed,    ///< the sum lists the file but it is not on disk
  reordered,  ///< the sum lists the file at another place in the order
  tampered,   ///< the sum contradicts itself (its first line is not its last chain value)
};

/// "modified", "added", "removed", "reordered", "tampered".
[[nodiscard]] PGPX_API auto to_string(difference_kind kind) noexcept -> std::string_view;

/// One difference, named by file.
struct sum_difference {
  difference_kind kind = difference_kind::modified;
  std::string file_name;  ///< the migration file, or "pgpx.sum" for `tampered`
  std::string detail;     ///< a sentence for people
};

/**
 * Compares `dir` with `dir/pgpx.sum` and returns every difference; empty when they agree.
 *
 * Each file line is checked against the line before it as recorded (for a moved line, also
 * against the line of its predecessor in version order), so an edit of one file reports that
 * file alone and swapped lines only `reordered`; a hash edited by hand reports its line and
 * the next. Throws
 * source_error when `pgpx.sum` is missing or malformed, or the directory does not load.
 */
[[nodiscard]] PGPX_API auto verify_sum(const std::filesystem::path& dir) -> std::vector<sum_difference>;

}  // namespace pgpx::migrate
