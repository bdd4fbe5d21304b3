// cli/commands/schema_source.hpp: where `pgpx schema` (and the commands that compare schemas)
// read a schema from, and the throwaway shadow database that a directory is applied to.
//
// A schema source is one of:
//   db (or nothing)         the configured database (--url, pgpx.toml, the local cluster)
//   a URL or conninfo       postgresql://host/app, "host=... dbname=..."
//   FILE.json               a catalog written by `pgpx schema export --format json`
//   DIR                     a directory of .sql files, applied to a shadow database that is
//                           created on the configured server (or on shadow_url's) and dropped
//                           afterwards, then introspected
//   models                  the models registered by an application's own binary
//                           (pgpx/cli/application.hpp), created in a shadow database
//                           afterwards, then introspected. classify_schema_directory() tells
//                           its kind: versioned migrations (applied by pgpx::migrate::apply),
//                           a `schema export --split` (its index.sql's files, in that order)
//                           or plain declarative .sql files (applied in name order).
#pragma once

#include "../context.hpp"

#include <pgpx/config/conninfo.hpp>
#include <pgpx/schema/diff.hpp>
#include <pgpx/schema/introspect.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace pgpx::cli {

/// How a source is read.
struct schema_source_options {
  std::vector<std::string> schemas;  ///< only these schemas (empty: every user schema)
  std::string shadow_url;            ///< where a DIR is applied (empty: the configured server)
};

/// "a,b,,c" -> {"a", "b", "c"}.
auto split_list(const std::string& list) -> std::vector<std::string>;

/// True when `s` reads as a URL or a keyword/value conninfo rather than a path.
auto looks_like_url(const std::string& s) -> bool;

/// A database created (named pgpx_shadow_<pid>_<n>) on `server` for one comparison and
/// dropped, with (force), when this goes out of scope. Blocking; throws pgpx::error when the
/// database cannot be created; a failed drop is a warning on standard error.
class shadow_database {
 public:
  shadow_database(context& ctx, const conninfo& server);
  shadow_database(const shadow_database&) = delete;
  auto operator=(const shadow_database&) -> shadow_database& = delete;
  ~shadow_database();
  /// How to connect to the shadow database.
  [[nodiscard]] auto info() const -> const conninfo& { return info_; }
  /// Its name.
  [[nodiscard]] auto name() const -> const std::string& { return name_; }

 private:
  auto connect() -> pgpx::connection;
  context& ctx_;
  conninfo maintenance_;
  conninfo info_;
  std::string name_;
};

/// The server a shadow database is created on: shadow_url when given, else the configured one.
auto shadow_server(context& ctx, const std::string& shadow_url) -> conninfo;

/// The catalog of the database at `ci`, restricted to o.schemas.
auto introspect_at(context& ctx, const conninfo& ci, const schema_source_options& o) -> schema::catalog;

/// The catalog of one source (see the file comment). Only a shadow database is written.
/// Throws usage_error for a source that is none of the above, pgpx::error from the server.
auto read_schema_source(context& ctx, const std::string& source, const schema_source_options& o) -> schema::catalog;

/// The kinds of directory a schema source can be.
enum class schema_directory_kind {
  migrations,    ///< versioned migration files (or no .sql file at all)
  split_export,  ///< written by `pgpx schema export --split` (an index.sql with its marker)
  plain_sql,     ///< declarative .sql files, none of them a migration file name
};

/**
 * The kind of `dir`, from the names of the .sql files directly in it (dotfiles ignored): an
 * index.sql written by --split makes a split export; else a file is a migration when
 * pgpx::migrate::parse_file_name accepts its name (`<version>_<slug>.up.sql` or `.down.sql`)
 * and plain otherwise. Throws usage_error naming a file of each kind when they are mixed.
 */
auto classify_schema_directory(const std::filesystem::path& dir) -> schema_directory_kind;

/// The files of a split_export or plain_sql directory in the order they are applied: the
/// index's order, or the .sql files directly in `dir` sorted by name (bytewise).
auto declarative_files(const std::filesystem::path& dir, schema_directory_kind kind)
    -> std::vector<std::filesystem::path>;

/// A diff for machines: {"changes": [{kind, object, up, down, destructive, transactional,
/// possible_rename, note}...], "unsupported": [...], "differ": bool}.
auto diff_to_json(const schema::diff_result& d) -> nlohmann::json;

/// Writes `text` to `out`, or to standard output when `out` is empty or "-". Throws usage_error.
void write_output(const std::string& text, const std::string& out);

}  // namespace pgpx::cli
