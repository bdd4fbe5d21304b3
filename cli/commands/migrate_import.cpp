// pgpx migrate import --from TOOL DIR: another tool's migrations converted into pgpx files
// (pgpx/migrate/import.hpp), and its applied rows carried over as audited marks.
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "commands.hpp"

#include <pgpx/migrate/import.hpp>
#include <pgpx/migrate/migrator.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace pgpx::cli {

namespace {

namespace fs = std::filesystem;
namespace mg = pgpx::migrate;

struct import_flags {
  std::string from;
  std::string source;
  std::string dir;
  std::string schema = "pgpx";
  std::string table;
  std::string format = "text";
  std::vector<std::string> placeholders;  // name=value
  bool dry_run = false;
  bool no_tracking = false;
};

auto run_import(context& ctx, const import_flags& f) -> int {
  const auto tool = mg::parse_import_tool(f.from);
  if (!tool) throw usage_error("--from: unknown tool '" + f.from + "'");
  if (f.no_tracking && !f.table.empty())
    throw usage_error("--table names the table of the rows that --no-tracking skips; give one of them");
  mg::placeholder_values values;
  for (const auto& p : f.placeholders) {
    if (*tool != mg::import_tool::flyway)
      throw usage_error("--placeholder gives values of flyway placeholders; " + f.from + " has none");
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || p.find('}') < eq)
      throw usage_error("--placeholder '" + p + "': expected name=value (the name as written in ${name})");
    if (!values.emplace(p.substr(0, eq), p.substr(eq + 1)).second)
      throw usage_error("--placeholder " + p.substr(0, eq) + " is given twice");
  }
  const auto dir = migrations_dir(ctx, f.dir);
  const bool dry = f.dry_run || ctx.dry_run();
  mg::import_plan plan;
  // A source that cannot be understood, or a clash in the target: refused, nothing written.
  try {
    plan = mg::read_import_directory(*tool, f.source, values);
    if (plan.migrations.empty())
      throw usage_error("no " + std::string(mg::to_string(*tool)) + " migrations in " + f.source);
    mg::check_import_target(plan, dir);
  } catch (const mg::source_error& e) {
    throw located_usage_error("cannot import: " + e.message() + " (nothing was written)", e.file(), e.line());
  }

  for (const auto& n : plan.notes) ctx.note(n);

  std::optional<connection> cx;
  mg::tool_tracking tracking;
  if (!f.no_tracking) {
    cx.emplace(ctx.connect());
    try {
      tracking = mg::read_tool_tracking(*cx, plan, f.table);
    } catch (const pgpx::error& e) {
      if (e.kind() != error_kind::validation) throw;
      throw_error(error_kind::validation, "cannot import: " + e.message() + " (nothing was written)");
    }
  }

  const auto table = f.table.empty() ? std::string(mg::tracking_table(*tool)) : f.table;
  if (!f.no_tracking && tracking.table.empty())
    ctx.note("no " + table + " table in the database: no migration marked applied");
  for (const auto& v : tracking.unknown)
    ctx.note("warning: " + tracking.table + " records version " + v + " as applied but " + f.source +
             " has no migration of that version; not carried over");

  std::vector<std::string> marked = tracking.applied;  // a dry run: what would be marked
  if (!dry && f.no_tracking) {
    // No connection, so no lock: the files only (see --no-tracking's help).
    static_cast<void>(mg::write_import(plan, dir));
    marked.clear();
  } else if (!dry) {
    // Under the migration lock from before the first file is written until the last row is
    // marked: a concurrent `migrate apply` never sees half-written files.
    mg::run_options o;
    o.schema = f.schema;
    if (const auto& d = ctx.session().lock_timeout) {
      o.lock_wait = *d;
      o.lock_timeout = *d;
    }
    o.on_lock_wait = [&ctx](const std::string& who) { ctx.note("waiting for the migration lock: " + who); };
    try {
      marked = mg::import_migrations(*cx, plan, dir, tracking.applied,
                                     "pgpx migrate import --from " + f.from + " (" + tracking.table + ")", o)
                   .marked;
    } catch (const mg::import_refused& e) {
      // The target changed while waiting for the lock: refused as before the lock (exit 2). A
      // file that could not be written stays a source_error (exit 10, as with --no-tracking).
      throw located_usage_error("cannot import: " + e.message() + " (nothing was written)", e.file(), e.line());
    }
  }

  if (f.format == "json") {
    auto migrations = nlohmann::json::array();
    for (const auto& m : plan.migrations)
      migrations.push_back(
          {{"version", m.version},
           {"name", m.name()},
           {"tool_version", m.tool_version},
           {"sources", m.sources},
           {"up", (dir / (m.name() + ".up.sql")).string()},
           {"down", m.sql.down ? nlohmann::json((dir / (m.name() + ".down.sql")).string()) : nlohmann::json()}});
    std::cout << nlohmann::json{{"dry_run", dry},
                                {"tool", f.from},
                                {"migrations", migrations},
                                {"tracking_table",
                                 tracking.table.empty() ? nlohmann::json() : nlohmann::json(tracking.table)},
                                {"marked", marked},
                                {"unknown", tracking.unknown}}
                     .dump(2)
              << "\n";
    return 0;
  }
  for (const auto& m : plan.migrations) {
    std::string from;
    for (const auto& src : m.sources) from += (from.empty() ? "" : ", ") + src;
    std::cout << (dry ? "would write " : "wrote ") << (dir / (m.name() + ".up.sql")).string()
              << (m.sql.down ? " and .down.sql" : " (irreversible: no down)") << " from " << from << "\n";
  }
  for (const auto& v : marked)
    std::cout << (dry ? "would mark " : "marked ") << v << " applied (" << tracking.table << ")\n";
  return 0;
}

}  // namespace

void add_migrate_import_command(CLI::App& migrate, context& ctx, action_fn& action) {
  static import_flags f;
  auto* cmd =
      migrate.add_subcommand("import", "Convert another tool's migrations (and its applied rows) into pgpx migrations");
  cmd->add_option("--from", f.from, "The tool: goose, dbmate, sqlx, flyway, diesel or golang-migrate")
      ->required()
      ->check(CLI::IsMember({"goose", "dbmate", "sqlx", "flyway", "diesel", "golang-migrate"}));
  cmd->add_option("source", f.source, "The tool's migrations directory")->required();
  cmd->add_option("-d,--dir", f.dir, "The pgpx migrations directory (default: <project>/migrations)");
  cmd->add_option("--schema", f.schema, "Schema of the tracking tables (default: pgpx)");
  cmd->add_option("--table", f.table,
                  "The tool's tracking table when not its default (name or schema.name, taken as written)");
  cmd->add_option("--format", f.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--placeholder", f.placeholders,
                  "flyway: the value of placeholder ${name}, as name=value (repeatable); spliced into the migration "
                  "files as text, as flyway does")
      ->allow_extra_args(false);
  cmd->add_flag("--dry-run", f.dry_run, "Print what would be written and marked; write nothing");
  cmd->add_flag("--no-tracking", f.no_tracking,
                "Convert the files only: do not connect (so no migration lock), do not carry over the tool's "
                "applied rows");
  cmd->footer(
      "Examples:\n"
      "  pgpx migrate import --from goose db/migrations --dry-run\n"
      "  pgpx migrate import --from golang-migrate migrations-old --no-tracking\n"
      "The tool's tracking table (goose_db_version, schema_migrations, _sqlx_migrations, flyway_schema_history,\n"
      "__diesel_schema_migrations) is read, never changed; its applied versions are marked applied in pgpx's\n"
      "tables in one transaction. Files are written and rows marked under the migration lock that apply takes.\n"
      "See docs/migrations.md \"Importing from another tool\".\n"
      "Exit codes: 0 ok, 2 refused (a clash in the target, a source file that cannot be understood, a flyway\n"
      "placeholder without --placeholder; nothing written), 6 the migration lock is held, 8 cannot connect,\n"
      "10 the tracking table lacks a column the tool writes, 12 the tool recorded a failed or dirty migration.");
  cmd->callback([&] { action = [&] { return run_import(ctx, f); }; });
}

}  // namespace pgpx::cli
