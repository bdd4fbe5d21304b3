// pgpx schema export|diff: a database's schema as deterministic SQL or JSON, and the changes
// between two schemas (drift detection: `--exit-code` exits 7 when they differ).
//
// The sources are read by schema_source.hpp.
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "commands.hpp"
#include "schema_source.hpp"
#include "schema_split.hpp"
#include "schema_sync.hpp"

#include <pgpx/schema/diff.hpp>
#include <pgpx/schema/introspect.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace pgpx::cli {

namespace {

struct schema_flags {
  std::string format = "sql";  // export, diff: sql|json
  std::string schemas;         // a,b
  std::string out;             // export: -o FILE
  std::string from = "db";     // diff
  std::string to;              // diff
  std::string shadow_url;      // diff: where DIR sources are applied
  bool exit_code = false;      // diff: 7 when they differ
  bool online = false;         // diff: lock-friendly statements
  bool split = false;          // export: one file per object into -o DIR
};

auto source_of(const schema_flags& f) -> schema_source_options {
  return {.schemas = split_list(f.schemas), .shadow_url = f.shadow_url};
}

void check_format(const std::string& f) {
  if (f != "sql" && f != "json") throw usage_error("--format must be sql or json, not '" + f + "'");
}

auto run_export(context& ctx, const schema_flags& f) -> int {
  check_format(f.format);
  if (f.split && (f.out.empty() || f.out == "-"))
    throw usage_error("pgpx schema export --split needs -o DIR (the directory to write the files into)");
  const auto c = read_schema_source(ctx, f.from, source_of(f));
  if (f.split) {
    // The files are SQL; --format json is the report on stdout: the files in index order.
    const auto n = write_split_export(c, f.out);
    if (f.format == "json") {
      auto files = nlohmann::json::array();
      for (const auto& p : split_index_files(f.out)) files.push_back(p.string());
      print_json_report({{"action", "export"},
                         {"split", true},
                         {"dir", f.out},
                         {"index", (std::filesystem::path(f.out) / split_index_name).string()},
                         {"files", files}});
    }
    ctx.note("wrote " + std::to_string(n) + " files into " + f.out + " (" + std::string(split_index_name) +
             " lists them in order)");
    return 0;
  }
  write_output(f.format == "json" ? schema::to_json(c) : schema::export_sql(c), f.out);
  if (!f.out.empty() && f.out != "-") ctx.note("wrote " + f.out);
  return 0;
}

auto run_diff(context& ctx, const schema_flags& f) -> int {
  check_format(f.format);
  if (f.to.empty()) throw usage_error("pgpx schema diff needs --to (db, a URL, a .json catalog or a directory)");
  const auto from = read_schema_source(ctx, f.from, source_of(f));
  const auto to = read_schema_source(ctx, f.to, source_of(f));
  const auto d = schema::diff(from, to, {.online = f.online});
  if (f.format == "json") {
    std::cout << diff_to_json(d).dump(2) << "\n";
  } else {
    for (const auto& u : d.unsupported) std::cout << "-- not diffed: " << u << "\n";
    std::cout << d.up_script();
    if (d.empty()) ctx.note("no differences");
  }
  return f.exit_code && !d.empty() ? static_cast<int>(exit_code::drift) : 0;
}

}  // namespace

void add_schema_command(CLI::App& app, context& ctx, action_fn& action) {
  static schema_flags f;
  auto* s = app.add_subcommand("schema",
                               "A database's schema: export it, diff two schemas, sync the database to one, draw it");
  s->require_subcommand(1);
  s->footer(
      "Sources (--from, --to): db (the configured database), a URL, FILE.json (from export --format json),\n"
      "or a DIR (applied to a shadow database that is dropped afterwards): versioned migrations, a\n"
      "schema export --split, or declarative .sql files applied in name order (not mixed with migrations).\n"
      "Examples:\n"
      "  pgpx schema export -o schema.sql\n"
      "  pgpx schema export --format json --schemas app -o schema.json\n"
      "  pgpx schema export --split -o schema/              # one file per object, for review\n"
      "  pgpx schema sync --to schema/                      # the plan that makes the database like schema/\n"
      "  pgpx schema diff --to migrations --exit-code     # drift between the database and its migrations\n"
      "  pgpx schema diff --from postgresql://staging/app --to postgresql://prod/app\n"
      "Exit codes: 0 ok (no differences, or no --exit-code), 7 differences with --exit-code, 2 usage,\n"
      "8 cannot connect, 9 SQL error (a migration of DIR failed), 10 bad input.");
  auto* ex = s->add_subcommand("export", "The schema as SQL that recreates it, or as JSON (deterministic)");
  ex->add_option("--from", f.from, "The source (default: db)");
  ex->add_option("--format", f.format, "sql (default) or json (with --split: the files are SQL, json the report)");
  ex->add_option("--schemas", f.schemas, "Only these schemas, comma-separated (default: all but pgpx's own)");
  ex->add_option("-o,--out", f.out, "Write to this file, or with --split this directory (default: standard output)");
  ex->add_flag("--split", f.split,
               "One file per object into -o DIR, and DIR/index.sql listing them in order (re-exports replace "
               "their own files; a directory with other files is refused)");
  ex->callback([&] { action = [&] { return run_export(ctx, f); }; });
  auto* df = s->add_subcommand("diff", "The SQL that makes --from into --to");
  df->add_option("--from", f.from, "The schema now (default: db)");
  df->add_option("--to", f.to, "The schema wanted")->required();
  df->add_option("--format", f.format, "sql (default: the up script) or json (every change, flagged)");
  df->add_option("--schemas", f.schemas, "Only these schemas, comma-separated");
  df->add_option("--shadow-url", f.shadow_url,
                 "The server where a DIR source is applied (default: the configured one)");
  df->add_flag("--exit-code", f.exit_code, "Exit 7 when the schemas differ");
  df->add_flag("--online", f.online, "Lock-friendly changes (CONCURRENTLY, NOT VALID then VALIDATE)");
  df->callback([&] { action = [&] { return run_diff(ctx, f); }; });
  add_schema_diagram_command(*s, ctx, action);
  add_schema_sync_command(*s, ctx, action);
}

}  // namespace pgpx::cli
