// pgpx init [DIR] [--from-db] [--schemas a,b] [--non-interactive] [--layout flat]: a new
// project (spec/cli-and-migrations.md 2.2). Writes DIR/pgpx.toml, the directories
// migrations/, queries/, seeds/{common,dev,test}/ and models/, and a .gitattributes that keeps
// SQL files LF (`*.sql text eol=lf`: a CRLF checkout would not change a checksum, pgpx
// normalises it, but it keeps diffs clean). With --from-db it exports the configured
// database's schema (pgpx::schema::export_sql) as migrations/<version>_baseline.up.sql
// (irreversible: no down file), writes pgpx.sum and records that migration as the database's
// baseline (pgpx::migrate::baseline): `migrate apply` then runs only what comes after it.
//
// A directory that already has a pgpx.toml is refused (exit 2) and nothing is written; so is
// --from-db when the database cannot be read (nothing is written before it is). Under the
// global --dry-run it prints what it would write and writes nothing.
#include "../exit_codes.hpp"
#include "commands.hpp"
#include "schema_source.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/migrate/source.hpp>
#include <pgpx/schema/diff.hpp>
#include <pgpx/schema/introspect.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace pgpx::cli {

namespace fs = std::filesystem;

namespace {

struct init_options {
  std::string dir = ".";
  bool from_db = false;
  std::vector<std::string> schemas;
  bool non_interactive = false;  // init asks nothing: accepted for scripts written for the spec
  std::string layout = "flat";
};

// The project's name: the directory's, as [a-z0-9_-].
auto project_name(const fs::path& dir) -> std::string {
  auto base = fs::absolute(dir).lexically_normal().filename().string();
  if (base.empty()) base = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  std::string out;
  for (char c : base) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) != 0 || c == '-' || c == '_' ? static_cast<char>(std::tolower(u)) : '_';
  }
  return out.empty() ? std::string("app") : out;
}

auto toml_of(const std::string& name) -> std::string {
  return "# pgpx project configuration: docs/configuration.md\n"
         "[project]\n"
         "name = \"" +
         name +
         "\"\n"
         "\n"
         "# The connection: here per environment, or DATABASE_URL / PGPX_URL / --url.\n"
         "# [env.development]\n"
         "# url = \"postgresql://localhost/" +
         name + "_dev\"\n";
}

auto run_init(context& ctx, const init_options& o) -> int {
  if (o.layout != "flat")
    throw usage_error("--layout " + o.layout +
                      " is not supported: migrations are flat <version>_<slug>.up.sql / .down.sql files "
                      "(docs/migrations.md)");
  const fs::path root = o.dir;
  if (fs::exists(root / "pgpx.toml"))
    throw usage_error((root / "pgpx.toml").string() + " exists: " + root.string() +
                      " is a pgpx project already (nothing written)");
  const std::vector<fs::path> dirs = {root / "migrations",    root / "queries",        root / "seeds" / "common",
                                      root / "seeds" / "dev", root / "seeds" / "test", root / "models"};
  // Read the database first: a failure writes nothing.
  std::string baseline_sql;
  std::optional<connection> cx;  // --from-db: read first, then the baseline recorded on it
  if (o.from_db) {
    cx.emplace(ctx.connect());
    baseline_sql = schema::export_sql(schema::introspect(*cx, {.schemas = o.schemas}));
  }
  const bool attributes_present = [&] {
    std::ifstream in(root / ".gitattributes");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("*.sql", 0) == 0) return true;
    return false;
  }();
  if (ctx.dry_run()) {
    std::cout << "would write " << (root / "pgpx.toml").string() << "\n";
    for (const auto& d : dirs) std::cout << "would create " << d.string() << "/\n";
    if (!attributes_present)
      std::cout << "would add *.sql text eol=lf to " << (root / ".gitattributes").string() << "\n";
    if (o.from_db)
      std::cout << "would write " << (root / "migrations").string()
                << "/<version>_baseline.up.sql (the database's schema) and pgpx.sum, and record it as the baseline\n";
    return 0;
  }
  fs::create_directories(root);
  for (const auto& d : dirs) fs::create_directories(d);
  if (!attributes_present) {
    std::ofstream out(root / ".gitattributes", std::ios::binary | std::ios::app);
    out << "*.sql text eol=lf\n";
  }
  if (o.from_db) {
    const auto next = migrate::plan_migration(root / "migrations", "baseline");
    migrate::write_migration(next,
                             "-- The schema of the database when the project was made (pgpx init --from-db):\n"
                             "-- recorded there as the baseline, run on a new database.\n" +
                                 baseline_sql,
                             std::nullopt);
    static_cast<void>(migrate::baseline(*cx, root / "migrations", next.version, "pgpx init --from-db"));
    ctx.note("wrote " + next.up_path().string() + " (irreversible) and pgpx.sum; recorded " + next.version +
             " as the database's baseline");
  }
  // pgpx.toml last: a failure before it leaves a directory init may run in again.
  write_output(toml_of(project_name(root)), (root / "pgpx.toml").string());
  std::cout << (root / "pgpx.toml").string() << "\n";
  ctx.note("a new pgpx project in " + root.string() + ": set the connection in pgpx.toml or DATABASE_URL, then " +
           "pgpx migrate create NAME");
  return 0;
}

}  // namespace

void add_init_command(CLI::App& app, context& ctx, action_fn& action) {
  static init_options o;
  auto* init = app.add_subcommand("init", "Start a project: pgpx.toml, migrations/, queries/, seeds/, models/");
  init->add_option("dir", o.dir, "The project directory (default: the current one)");
  init->add_flag("--from-db", o.from_db,
                 "Adopt the configured database: its schema becomes the baseline migration, recorded as applied");
  init->add_option("--schemas", o.schemas, "With --from-db: the schemas to export (default: all but system ones)")
      ->delimiter(',');
  init->add_flag("--non-interactive", o.non_interactive, "Ask nothing (init never asks)");
  init->add_option("--layout", o.layout, "flat (the only layout: <version>_<slug>.up.sql / .down.sql)");
  init->footer(
      "Examples:\n"
      "  pgpx init shop\n"
      "  pgpx --url postgresql://localhost/legacy init legacy --from-db --schemas app\n"
      "Exit codes: 0 written, 2 usage (a project already there), 8 cannot connect.");
  init->callback([&] { action = [&] { return run_init(ctx, o); }; });
}

}  // namespace pgpx::cli
