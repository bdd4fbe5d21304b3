// pgpx migrate lint: static checks of migration files (pgpx/migrate/lint.hpp); no database.
//
// The other migrate verbs (apply, rollback, status, ...) are in commands/migrate_run.cpp.
#include "../exit_codes.hpp"
#include "commands.hpp"
#include "migrate_diff.hpp"

#include <pgpx/migrate/lint.hpp>
#include <pgpx/migrate/source.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace pgpx::cli {

namespace {

namespace fs = std::filesystem;

struct lint_command_options {
  std::vector<std::string> files;
  std::string dir;
  std::string format = "text";
  bool strict = false;
  bool rules = false;
  bool db = false;  // --db: catalog-aware rules from the configured database
};

struct linted_file {
  std::string path;
  std::vector<migrate::lint_finding> findings;
};

// The `.sql` files of a migrations directory, by name (dotfiles and other files skipped).
auto files_of(const fs::path& dir) -> std::vector<fs::path> {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw usage_error("cannot read the migrations directory " + dir.string() + ": " + ec.message());
  std::vector<fs::path> out;
  for (const auto& entry : it) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.front() == '.' || !entry.is_regular_file(ec) || !name.ends_with(".sql")) continue;
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

auto lint_one(const fs::path& p, const migrate::lint_catalog* facts) -> linted_file {
  migrate::lint_options o;
  o.catalog = facts;
  o.file = p.string();
  // A migration file name gives the direction; any other .sql file is linted as an up file.
  try {
    o.dir = migrate::parse_file_name(p.filename().string()).dir;
  } catch (const migrate::source_error&) {
    o.dir = p.filename().string().ends_with(".down.sql") ? migrate::direction::down : migrate::direction::up;
  }
  // Shown relative to the working directory when it is below it, as given otherwise.
  std::string shown = p.string();
  if (p.is_absolute()) {
    std::error_code ec;
    const auto rel = p.lexically_relative(fs::current_path(ec));
    if (!ec && !rel.empty() && *rel.begin() != "..") shown = rel.string();
  }
  o.file = shown;
  return {shown, migrate::lint(read_file(p), o)};
}

auto finding_json(const migrate::lint_finding& f) -> nlohmann::json {
  nlohmann::json j = {{"rule", f.rule},           {"severity", std::string(migrate::to_string(f.severity))},
                      {"message", f.message},     {"hint", f.hint},
                      {"statement", f.statement}, {"line", f.line},
                      {"ignored", f.ignored()}};
  if (f.ignored()) j["ignore_reason"] = *f.ignored_because;
  if (!f.catalog_note.empty()) j["catalog"] = f.catalog_note;
  return j;
}

auto run_lint(context& ctx, const lint_command_options& o) -> int {
  if (o.rules) {
    if (o.format == "json") {
      auto out = nlohmann::json::array();
      for (const auto& r : migrate::lint_rules())
        out.push_back({{"rule", std::string(r.id)},
                       {"severity", std::string(migrate::to_string(r.severity))},
                       {"summary", std::string(r.summary)},
                       {"hint", std::string(r.hint)}});
      std::cout << out.dump(2) << "\n";
    } else {
      for (const auto& r : migrate::lint_rules())
        std::cout << r.id << "  " << migrate::to_string(r.severity)
                  << (r.severity == migrate::lint_severity::error ? "    " : "  ") << r.summary
                  << "\n       fix: " << r.hint << "\n";
    }
    return 0;
  }
  std::vector<fs::path> paths;
  for (const auto& f : o.files) paths.emplace_back(f);
  if (paths.empty()) {
    paths = files_of(migrations_dir(ctx, o.dir));
  }
  std::vector<linted_file> results;
  results.reserve(paths.size());
  // --db: the facts of the tables the files name, from the database as it is now.
  std::optional<migrate::lint_catalog> facts;
  if (o.db) {
    std::vector<std::string> texts;
    texts.reserve(paths.size());
    for (const auto& p : paths) texts.push_back(read_file(p));
    auto cx = ctx.connect();
    facts = migrate::read_lint_catalog(cx, texts);
  }
  for (const auto& p : paths) results.push_back(lint_one(p, facts ? &*facts : nullptr));

  std::size_t errors = 0, warnings = 0, ignored = 0;
  for (const auto& r : results)
    for (const auto& f : r.findings) {
      if (f.ignored()) ++ignored;
      else if (f.severity == migrate::lint_severity::error) ++errors;
      else ++warnings;
    }
  const bool failed = errors > 0 || (o.strict && warnings > 0);

  if (o.format == "json") {
    auto files = nlohmann::json::array();
    for (const auto& r : results) {
      auto findings = nlohmann::json::array();
      for (const auto& f : r.findings) findings.push_back(finding_json(f));
      files.push_back({{"file", r.path}, {"findings", findings}});
    }
    std::cout << nlohmann::json{{"files", files},
                                {"errors", errors},
                                {"warnings", warnings},
                                {"ignored", ignored},
                                {"ok", !failed}}
                     .dump(2)
              << "\n";
  } else {
    for (const auto& r : results)
      for (const auto& f : r.findings) {
        std::cout << r.path << ":" << (f.line > 0 ? std::to_string(f.line) + ":" : std::string()) << " "
                  << migrate::to_string(f.severity) << " " << f.rule << ": " << f.message;
        if (f.ignored()) std::cout << " (ignored: " << *f.ignored_because << ")\n";
        else std::cout << "\n  hint: " << f.hint << "\n";
      }
    const auto plural = [](std::size_t n, const char* word) {
      return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
    };
    ctx.note(plural(results.size(), "file") + " linted: " + plural(errors, "error") + ", " +
             plural(warnings, "warning") + ", " + std::to_string(ignored) + " ignored" + (failed ? "" : " (ok)"));
  }
  return failed ? static_cast<int>(exit_code::lint) : 0;
}

}  // namespace

auto read_file(const fs::path& p) -> std::string {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw usage_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw usage_error("cannot read " + p.string());
  return s.str();
}

auto migrations_dir(context& ctx, const std::string& given) -> fs::path {
  if (!given.empty()) return given;
  fs::path base = fs::current_path();
  try {
    base = ctx.config().project_dir();
  } catch (const pgpx::error&) {  // NOLINT(bugprone-empty-catch): no usable config: the working directory
  }
  return base / "migrations";
}

void add_migrate_command(CLI::App& app, context& ctx, action_fn& action) {
  static lint_command_options o;
  auto* m = app.add_subcommand(
      "migrate",
      "Migrations: create, diff, apply, rollback, redo, status, validate, hash, lint, mark, baseline, repair, import");
  m->require_subcommand(1);
  m->footer(
      "Examples:\n"
      "  pgpx migrate create add_users                      # (alias: pgpx new) an up/down pair, pgpx.sum rewritten\n"
      "  pgpx migrate diff add_books --to schema.json       # the migration from the diff to a desired schema\n"
      "  pgpx migrate apply --dry-run                       # (alias: pgpx up) the plan and its SQL, nothing written\n"
      "  pgpx migrate status --exit-code                    # exit 3 when migrations are pending\n"
      "  pgpx migrate rollback --steps 2                    # (alias: pgpx down)\n"
      "  pgpx migrate lint                                  # every file of <project>/migrations\n"
      "  pgpx migrate lint migrations/20250102090000_idx.up.sql --format json\n"
      "  pgpx migrate lint --rules                          # the rules, their ids and how to silence them\n"
      "A finding is silenced by `-- pgpx: lint-ignore=DS101 reason=\"...\"` in the file's header (the whole file)\n"
      "or on the line(s) directly before a statement (that statement). See docs/migrations.md \"Lint\".");

  auto* lint = m->add_subcommand("lint", "Check migration files for destructive, locking and transaction problems");
  lint->add_option("files", o.files, "Files to lint (default: every .sql file of the migrations directory)");
  lint->add_option("-d,--dir", o.dir, "The migrations directory (default: <project>/migrations)");
  lint->add_option("--format", o.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  lint->add_flag("--strict", o.strict, "Warnings fail the lint too (exit 5)");
  lint->add_flag("--rules", o.rules, "List the rules and exit");
  lint->add_flag("--db", o.db,
                 "Also ask the configured database: destructive findings on empty tables become warnings, "
                 "lock findings on small tables go");
  lint->footer("Exit codes: 0 no errors, 5 lint errors (or warnings with --strict), 2 usage.");
  lint->callback([&] { action = [&] { return run_lint(ctx, o); }; });

  add_migrate_run_commands(app, *m, ctx, action);
  add_migrate_diff_command(*m, ctx, action);
  add_migrate_import_command(*m, ctx, action);
}

}  // namespace pgpx::cli
