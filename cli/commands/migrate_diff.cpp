// pgpx migrate diff NAME (and `pgpx migrate create NAME --from-diff`): the schema-sync command.
//
// The migrations directory is replayed on a throwaway shadow database (schema_source.hpp),
// introspected, and diffed (pgpx/schema/diff.hpp) against the desired schema: --to SOURCE
// (whatever read_schema_source reads) or --to-db URL. The diff's up and down scripts become a
// new migration (plan_migration / write_migration, which rewrites pgpx.sum), which is then
// linted. Renames are never guessed: a pair the diff flags stays a drop and an add (flagged
// `-- pgpx:lint DS103`, a lint error) unless it is chosen, on a terminal by answering the
// prompt, or by --rename. A chosen rename is run on the shadow database, which is then
// introspected again, so that the rest of the diff starts from the renamed schema as the
// server prints it (index and constraint definitions name the new names).
#include "migrate_diff.hpp"

#include "../redaction.hpp"

#include "../exit_codes.hpp"
#include "../output.hpp"
#include "commands.hpp"
#include "schema_source.hpp"

#include <pgpx/core/configured.hpp>
#include <pgpx/migrate/lint.hpp>
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/migrate/source.hpp>
#include <pgpx/schema/diff.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace pgpx::cli {

namespace {

namespace fs = std::filesystem;
namespace mg = pgpx::migrate;

// The desired state's source: --to, --to-db, else <project>/schema when it is a directory.
auto desired_source(context& ctx, const migrate_diff_flags& f) -> std::string {
  if (!f.to.empty() && !f.to_db.empty()) throw usage_error("give --to or --to-db, not both");
  if (!f.to_db.empty()) {
    if (f.to_db != "db" && !looks_like_url(f.to_db))
      throw usage_error("--to-db '" + f.to_db + "' is not a URL or conninfo (for files and directories use --to)");
    return f.to_db;
  }
  if (!f.to.empty()) return f.to;
  fs::path base = fs::current_path();
  try {
    base = ctx.config().project_dir();
  } catch (const pgpx::error&) {  // NOLINT(bugprone-empty-catch): no usable config: the working directory
  }
  if (fs::is_directory(base / "schema")) return (base / "schema").string();
  throw usage_error("pgpx migrate diff needs the desired schema: --to SOURCE, --to-db URL, or a " +
                    (base / "schema").string() + " directory");
}

// Asks, for each possible rename, whether to make it (on a terminal only); a pair that
// conflicts with one already chosen is not asked.
auto ask_renames(const schema::diff_result& d) -> std::vector<schema::rename_pair> {
  std::vector<schema::rename_pair> chosen;
  for (const auto& r : d.possible_renames) {
    const bool taken = std::any_of(chosen.begin(), chosen.end(), [&](const schema::rename_pair& c) {
      return c.schema == r.schema && c.column.empty() == r.column.empty() &&
             ((c.table == r.table && c.column == r.column) ||
              (r.column.empty() ? c.to == r.to : c.table == r.table && c.to == r.to));
    });
    if (taken) continue;
    const std::string what =
        r.column.empty() ? "table " + r.schema + "." + r.table : "column " + r.schema + "." + r.table + "." + r.column;
    std::cerr << "Rename " << what << " to " << r.to << " instead of dropping it and adding " << r.to << "? [y/N] "
              << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) break;
    if (answer == "y" || answer == "Y" || answer == "yes") chosen.push_back(r);
  }
  return chosen;
}

// Prints lint findings as `pgpx migrate lint` does (to standard error); returns the failures.

}  // namespace

auto lint_written(const std::string& shown, const std::string& text, mg::direction dir,
                  std::vector<mg::lint_finding>* found) -> std::size_t {
  mg::lint_options o;
  o.dir = dir;
  o.file = shown;
  const auto findings = mg::lint(text, o);
  if (found != nullptr) found->insert(found->end(), findings.begin(), findings.end());
  for (const auto& f : findings) {
    std::cerr << shown << ":" << (f.line > 0 ? std::to_string(f.line) + ":" : std::string()) << " "
              << mg::to_string(f.severity) << " " << f.rule << ": " << f.message;
    if (f.ignored()) std::cerr << " (ignored: " << *f.ignored_because << ")\n";
    else std::cerr << "\n  hint: " << f.hint << "\n";
  }
  return mg::lint_failures(findings);
}

auto diff_migration(const schema::diff_result& d, const std::string& name, std::string_view writer,
                    const std::string& source, bool no_tx) -> diff_migration_text {
  auto one_line = [](std::string text) {
    for (auto& ch : text)
      if (ch == '\n' || ch == '\r') ch = ' ';
    return text;
  };
  no_tx = no_tx ||
          std::any_of(d.changes.begin(), d.changes.end(), [](const schema::change& c) { return !c.transactional; });
  const std::string header = no_tx ? "-- pgpx: no-transaction\n" : "";
  diff_migration_text out;
  out.up = header + "-- " + name + ": up, written by `" + std::string(writer) +
           "` (desired: " + one_line(redact_message(source, known_secrets())) + ")\n";
  for (const auto& u : d.unsupported) out.up += "-- not diffed, write it by hand: " + one_line(u) + "\n";
  out.up += d.up_script();
  const std::string down_script = d.down_script();
  // The rules the down script breaks because it undoes up: silenced, with the reason.
  mg::lint_options lo;
  lo.dir = mg::direction::down;
  lo.file = name + ".down.sql";
  std::set<std::string> undoing;
  for (const auto& f : mg::lint(header + down_script, lo))
    if (f.rule == "DS101" || f.rule == "DS102" || f.rule == "DS103" || f.rule == "DS104" || f.rule == "LH202")
      undoing.insert(f.rule);
  std::string ignore;
  for (const auto& r : undoing) ignore += (ignore.empty() ? "" : ",") + r;
  out.down = header;
  if (!ignore.empty())
    out.down += "-- pgpx: lint-ignore=" + ignore + " reason=\"written by " + std::string(writer) +
                ": the down file undoes the up file (drops what it made, adds back what it dropped)\"\n";
  out.down += "-- " + name + ": down, written by `" + std::string(writer) + "`\n" + down_script;
  return out;
}

void add_migrate_diff_flags(CLI::App* cmd, migrate_diff_flags& f) {
  cmd->add_option("--to", f.to,
                  "The desired schema: db, a URL, FILE.json (schema export --format json) or a directory "
                  "(default: <project>/schema)");
  cmd->add_option("--to-db", f.to_db, "The desired schema is this live database's (a URL)");
  cmd->add_option("--shadow-url", f.shadow_url,
                  "The server where the migrations are replayed on a throwaway database (default: the configured one)");
  cmd->add_option("--schemas", f.schemas, "Only these schemas, comma-separated (default: all but pgpx's own)");
  cmd->add_option("--rename", f.renames,
                  "Make this possible rename a RENAME instead of a drop and an add: schema.table.column=new or "
                  "schema.table=new (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--online", f.online, "Lock-friendly changes (CONCURRENTLY, NOT VALID then VALIDATE)");
}

auto any_migrate_diff_flag(const migrate_diff_flags& f) -> bool {
  return !f.to.empty() || !f.to_db.empty() || !f.shadow_url.empty() || !f.schemas.empty() || !f.renames.empty() ||
         f.online;
}

auto run_migrate_diff(context& ctx, const migrate_diff_flags& given) -> int {
  migrate_diff_flags f = given;
  f.dry_run = f.dry_run || ctx.dry_run();  // the global --dry-run too
  // Everything that can be refused without a server first.
  std::vector<schema::rename_pair> chosen;
  for (const auto& r : f.renames) chosen.push_back(schema::parse_rename(r));
  const auto dir = migrations_dir(ctx, f.dir);
  const auto next = mg::plan_migration(dir, f.name, f.style);
  const auto to = desired_source(ctx, f);
  const schema_source_options so{.schemas = split_list(f.schemas), .shadow_url = f.shadow_url};
  std::optional<std::string> environment;
  try {
    environment = ctx.config().env_name();  // for `env=` directives
  } catch (const pgpx::error&) {  // NOLINT(bugprone-empty-catch): reported when connecting
  }

  const auto desired = read_schema_source(ctx, to, so);
  shadow_database shadow(ctx, shadow_server(ctx, f.shadow_url));
  if (fs::is_directory(dir)) {
    ctx.note("replaying " + dir.string() + " on the shadow database \"" + shadow.name() + "\"");
    pgpx::connection cx(shadow.info(), connection_options_of(ctx.config()));
    mg::apply_options ao;
    ao.environment = environment;
    ao.lint = false;  // what is applied already was linted; the new files are linted below
    (void)mg::apply(cx, dir, ao);
  }
  const auto current = introspect_at(ctx, shadow.info(), so);
  const schema::diff_options dopt{.online = f.online};
  auto d = schema::diff(current, desired, dopt);

  if (!chosen.empty()) schema::check_renames(d, chosen);
  else if (!d.possible_renames.empty() && ::isatty(0) != 0 && ::isatty(2) != 0) chosen = ask_renames(d);
  if (!chosen.empty()) {
    {
      pgpx::connection cx(shadow.info(), connection_options_of(ctx.config()));
      for (const auto& r : chosen) cx.execute(schema::rename_change(r).up);
    }
    d = schema::with_renames(chosen, schema::diff(introspect_at(ctx, shadow.info(), so), desired, dopt));
  }

  // --format json: the diff (changes with their flags, unsupported), the renames chosen and
  // left, the files (with their SQL) and the lint findings; printed once at the end.
  const bool json = f.format == "json";
  auto report = diff_to_json(d);
  report["action"] = "diff";
  report["dry_run"] = f.dry_run;
  report["renamed"] = nlohmann::json::array();
  for (const auto& r : chosen) report["renamed"].push_back(schema::to_string(r));
  report["possible_renames"] = nlohmann::json::array();
  for (const auto& r : d.possible_renames) report["possible_renames"].push_back(schema::to_string(r));
  report["files"] = nlohmann::json::array();
  report["lint"] = nlohmann::json::array();
  report["lint_errors"] = 0;

  for (const auto& u : d.unsupported) std::cerr << "pgpx: warning: not diffed (write it by hand): " << u << "\n";
  if (d.changes.empty()) {
    ctx.note(d.unsupported.empty() ? "no differences: nothing written"
                                   : "no differences pgpx can write (see the warnings): nothing written");
    if (json) print_json_report(report);
    return 0;
  }
  for (const auto& r : d.possible_renames)
    ctx.note("possible rename left as a drop and an add (flagged DS103): " + schema::to_string(r) +
             " (choose it with --rename " + schema::to_string(r) + ")");

  const auto text = diff_migration(d, next.name, "pgpx migrate diff", to, f.no_tx);
  const std::string& up = text.up;
  const std::string& down = text.down;
  for (const auto& c : d.changes)
    if (c.down.empty() && !c.up.empty())
      std::cerr << "pgpx: warning: " << c.object << ": no inverse in the down file" << (c.note.empty() ? "" : ": ")
                << c.note << "\n";

  report["version"] = next.version;
  report["name"] = next.name;
  report["files"].push_back({{"path", next.up_path().string()}, {"sql", up}});
  if (!f.irreversible) report["files"].push_back({{"path", next.down_path().string()}, {"sql", down}});
  if (f.dry_run) {
    if (!json) {
      std::cout << "-- " << next.up_path().filename().string() << "\n" << up;
      if (!f.irreversible) std::cout << "-- " << next.down_path().filename().string() << "\n" << down;
    }
  } else {
    mg::write_migration(next, up, f.irreversible ? std::nullopt : std::optional<std::string_view>(down));
    if (!json) {
      std::cout << "created " << next.up_path().string() << "\n";
      if (!f.irreversible) std::cout << "created " << next.down_path().string() << "\n";
    }
    ctx.note("rewrote " + (next.dir / "pgpx.sum").string());
  }
  std::vector<mg::lint_finding> up_findings;
  std::vector<mg::lint_finding> down_findings;
  std::size_t failures = lint_written(next.up_path().string(), up, mg::direction::up, &up_findings);
  if (!f.irreversible) failures += lint_written(next.down_path().string(), down, mg::direction::down, &down_findings);
  if (json) {
    const auto add = [&](const fs::path& file, const std::vector<mg::lint_finding>& found) {
      for (const auto& x : found)
        report["lint"].push_back({{"file", file.string()},
                                  {"rule", x.rule},
                                  {"severity", std::string(mg::to_string(x.severity))},
                                  {"line", x.line},
                                  {"message", x.message},
                                  {"ignored", x.ignored()}});
    };
    add(next.up_path(), up_findings);
    add(next.down_path(), down_findings);
    report["lint_errors"] = failures;
    print_json_report(report);
  }
  if (f.dry_run) ctx.note("dry run: nothing was written");
  if (failures == 0) return 0;
  ctx.note(std::to_string(failures) + " lint error" + (failures == 1 ? "" : "s") +
           (f.dry_run ? ""
                      : "; the files are kept: review them, silence what is meant with "
                        "`-- pgpx: lint-ignore=RULE reason=\"...\"`, then `pgpx migrate hash`"));
  return static_cast<int>(exit_code::lint);
}

void add_migrate_diff_command(CLI::App& migrate, context& ctx, std::function<int()>& action) {
  static migrate_diff_flags f;
  auto* cmd = migrate.add_subcommand(
      "diff", "Write the migration that makes the migrations' schema the desired one (replayed on a shadow database)");
  cmd->add_option("name", f.name, "The migration's slug, [a-z0-9_]+")->required();
  cmd->add_option("-d,--dir", f.dir, "The migrations directory (default: <project>/migrations)");
  add_migrate_diff_flags(cmd, f);
  cmd->add_flag("--dry-run", f.dry_run, "Print the up and down files (and their lint); write nothing");
  cmd->add_option("--format", f.format, "text or json (the changes, renames, files and lint findings)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->footer(
      "Examples:\n"
      "  pgpx migrate diff add_books --to schema.json\n"
      "  pgpx migrate diff sync --to-db postgresql://localhost/app_dev --schemas app --dry-run\n"
      "  pgpx migrate diff rename_title --to schema.json --rename app.books.title=heading\n"
      "A column (or table) dropped while one of the same type (or columns) is added is a possible rename:\n"
      "it is written as a drop and an add flagged `-- pgpx:lint DS103` unless chosen, on a terminal by\n"
      "answering y, otherwise with --rename (a --rename that is not a possible rename is refused).\n"
      "Exit codes: 0 written (or no differences: nothing written), 5 written but lint errors (the files\n"
      "are kept), 2 usage, 4 the directory differs from pgpx.sum, 8 cannot connect, 9 SQL error (a\n"
      "migration failed on the shadow database), 10 invalid migrations directory.");
  cmd->callback([&] { action = [&] { return run_migrate_diff(ctx, f); }; });
}

}  // namespace pgpx::cli
