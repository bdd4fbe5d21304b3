// cli/commands/schema_split.hpp: `pgpx schema export --split -o DIR`, one file per object,
// and the directories it writes read back as a schema source.
//
// Layout (every name is encoded by split_file_name, so it is a safe, distinct file name):
//   DIR/index.sql                          the files in the order that creates the schema, as
//                                          psql `\ir` lines (`psql -f index.sql` applies them)
//   DIR/extension.<name>.sql               an extension
//   DIR/<schema>/schema.sql                a schema (not written for public)
//   DIR/<schema>/<kind>/<name>.sql         a type, sequence, table, view or function
//   DIR/<schema>/<kind>/<name>.<part>.sql  a later step of it (its foreign keys, indexes,
//                                          comments...: see pgpx::schema::export_piece::part)
#pragma once

#include "../context.hpp"

#include <pgpx/schema/introspect.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::cli {

/// The name of the index file of a split export.
inline constexpr std::string_view split_index_name = "index.sql";
/// Its first line, by which a directory is recognised as written by --split.
inline constexpr std::string_view split_index_marker = "-- pgpx schema export --split";

/**
 * A name as a file name: [a-z0-9_-] are kept, every other byte (upper case, dots, slashes,
 * spaces, '%', UTF-8) is written %XX (upper-case hex). So two names never give the same file
 * name, not even on a case-insensitive file system, and "." or ".." cannot appear. A result
 * longer than 200 bytes is cut at 180 and ended by "~" and a 16-digit hash of the whole name.
 */
auto split_file_name(std::string_view name) -> std::string;

/// True when `dir` holds an index.sql that starts with split_index_marker.
auto is_split_directory(const std::filesystem::path& dir) -> bool;

/// The files an index.sql lists, in its order, as paths under `dir`. Throws usage_error,
/// naming the index and line, for a path that leaves `dir` or a file that does not exist.
auto split_index_files(const std::filesystem::path& dir) -> std::vector<std::filesystem::path>;

/**
 * Writes the export of `c` into `dir` (created when missing). Refuses (usage_error, naming up
 * to five of them) a directory holding files that a previous --split did not write (that its
 * index.sql does not list); replaces the files of a previous --split, removing those of
 * objects that are gone and directories left empty. Returns how many files it wrote.
 */
auto write_split_export(const schema::catalog& c, const std::filesystem::path& dir) -> std::size_t;

}  // namespace pgpx::cli
