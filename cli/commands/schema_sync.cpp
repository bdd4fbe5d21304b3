// pgpx schema sync: diff the live (configured) database against a desired schema, print the
// plan, and apply it (--apply --yes) or write it as a migration (--migration NAME).
//
// Applying: the transactional changes run in one transaction (a failure there changes
// nothing), then the changes that cannot run in a transaction block (CONCURRENTLY, with
// --online) one by one; then the database is introspected again and must match (exit 7).
#include "schema_sync.hpp"

#include "../redaction.hpp"
#include "migrate_diff.hpp"

#include "../exit_codes.hpp"
#include "../output.hpp"
#include "../progress.hpp"
#include "schema_source.hpp"

#include <pgpx/core/configured.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/migrate/source.hpp>
#include <pgpx/schema/diff.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace pgpx::cli {

namespace {

struct sync_flags {
  std::string to;
  std::string schemas;
  std::string shadow_url;
  std::string format = "sql";
  std::string migration;  // --migration NAME
  std::string dir;        // -d/--dir
  bool apply = false;
  bool online = false;
  bool allow_destructive = false;
};

auto one_line(std::string s) -> std::string {
  for (auto& ch : s)
    if (ch == '\n' || ch == '\r') ch = ' ';
  return s;
}

// --yes, or on a terminal the typed word "yes" (context::confirm).
void confirm(context& ctx, const std::string& database, std::size_t changes) {
  ctx.confirm("pgpx schema sync --apply changes database \"" + database + "\" (" + std::to_string(changes) +
              " changes)");
}

auto run_sync(context& ctx, const sync_flags& f) -> int {
  if (f.format != "sql" && f.format != "json")
    throw usage_error("--format must be sql or json, not '" + f.format + "'");
  if (f.apply && !f.migration.empty())
    throw usage_error("pgpx schema sync: --apply and --migration exclude each other (apply now, or write a migration)");
  if (f.apply && ctx.config().is_protected())
    throw usage_error("environment '" + ctx.config().env_name() +
                      "' is protected (protected = true): pgpx schema sync --apply refuses to change it; "
                      "write a migration with --migration NAME instead");
  const schema_source_options so{.schemas = split_list(f.schemas), .shadow_url = f.shadow_url};
  const conninfo live_ci = ctx.resolve_connection();
  const auto desired = read_schema_source(ctx, f.to, so);
  const auto live = introspect_at(ctx, live_ci, so);
  const auto d = schema::diff(live, desired, {.online = f.online});
  const bool json = f.format == "json";
  nlohmann::json out = diff_to_json(d);
  out["action"] = "sync";
  out["dry_run"] = ctx.dry_run();
  out["applied"] = nlohmann::json::array();
  if (!json) {
    for (const auto& u : d.unsupported) std::cout << "-- not diffed: " << one_line(u) << "\n";
    std::cout << d.up_script();
  }
  auto finish = [&](int code) {
    if (json) print_json_report(out);
    return code;
  };
  if (d.changes.empty()) {  // what the diff does not cover was listed above: nothing to apply or write
    if (!json)
      std::cout << (d.unsupported.empty() ? "-- no differences: the database matches " : "-- nothing pgpx can apply: ")
                << one_line(redact_message(f.to, known_secrets())) << "\n";
    return finish(0);
  }
  if (ctx.dry_run() && (f.apply || !f.migration.empty())) {
    ctx.note(std::string("dry run: the plan above was neither ") + (f.apply ? "applied" : "written as a migration"));
    return finish(0);
  }
  if (!f.migration.empty()) {
    const auto m = migrate::plan_migration(migrations_dir(ctx, f.dir), f.migration);
    const auto text = diff_migration(d, m.name, "pgpx schema sync", f.to, false);
    migrate::write_migration(m, text.up, text.down);
    out["migration"] = {{"up", m.up_path().string()}, {"down", m.down_path().string()}};
    ctx.note("wrote " + m.up_path().string() + " and " + m.down_path().string() + "; the database was not changed");
    // Linted as migrate diff lints what it writes: errors keep the files and exit 5.
    const auto failures = lint_written(m.up_path().string(), text.up, migrate::direction::up) +
                          lint_written(m.down_path().string(), text.down, migrate::direction::down);
    return finish(failures == 0 ? 0 : static_cast<int>(exit_code::lint));
  }
  if (!f.apply) {
    ctx.note(
        "plan only, nothing was changed: apply it with --apply --yes, or write it as a migration with "
        "--migration NAME");
    return finish(0);
  }
  if (d.destructive() && !f.allow_destructive) {
    std::string list;
    for (const auto& c : d.changes)
      if (c.destructive) list += "\n  " + one_line(c.object);
    throw usage_error("pgpx schema sync --apply: the plan can lose data; nothing was changed. Destructive changes:" +
                      list + "\nre-run with --allow-destructive to apply them");
  }
  confirm(ctx, live_ci.get("dbname"), d.changes.size());
  pgpx::connection cx(live_ci, connection_options_of(ctx.config()));
  auto report = [&](const schema::change& c, const char* how) {
    out["applied"].push_back({{"object", c.object}, {"transactional", c.transactional}});
    if (!json) std::cout << "-- applied" << how << ": " << one_line(c.object) << "\n";
  };
  {
    const schema::change* at = nullptr;
    try {
      pgpx::transaction tx(cx);
      std::vector<const schema::change*> done;
      for (const auto& c : d.changes) {
        if (!c.transactional || c.up.empty()) continue;
        at = &c;
        tx.execute_script(c.up);
        done.push_back(&c);
      }
      at = nullptr;
      tx.commit();
      for (const auto* c : done) report(*c, "");
    } catch (const pgpx::error&) {
      std::cerr << "pgpx: schema sync failed"
                << (at != nullptr ? " at " + one_line(at->object) : std::string(" on commit"))
                << "; the transaction was rolled back, nothing was changed\n";
      throw;
    }
  }
  // The changes that cannot run in a transaction (CREATE INDEX CONCURRENTLY...) may be long:
  // one progress step each on a terminal.
  progress_line bar(progress_wanted(ctx, json));
  const auto outside = static_cast<std::size_t>(std::count_if(
      d.changes.begin(), d.changes.end(), [](const schema::change& c) { return !c.transactional && !c.up.empty(); }));
  std::size_t step = 0;
  for (const auto& c : d.changes) {
    if (c.transactional || c.up.empty()) continue;
    bar.show(++step, outside, one_line(c.object));
    try {
      cx.execute_script(c.up);
      bar.clear();
    } catch (const pgpx::error&) {
      bar.clear();
      std::cerr << "pgpx: schema sync failed at " << one_line(c.object)
                << " (outside a transaction block); the changes reported before it are applied. Re-run "
                   "pgpx schema sync to see what is left\n";
      throw;
    }
    report(c, " outside a transaction block");
  }
  const auto after = schema::diff(introspect_at(ctx, live_ci, so), desired, {.online = f.online});
  out["remaining"] = diff_to_json(after);
  if (!after.empty()) {
    std::cerr << "pgpx: drift: after applying, the database still differs from " << f.to << ":\n";
    for (const auto& u : after.unsupported) std::cerr << "-- not diffed: " << one_line(u) << "\n";
    std::cerr << after.up_script();
    return finish(static_cast<int>(exit_code::drift));
  }
  if (!json) std::cout << "-- the database now matches " << one_line(redact_message(f.to, known_secrets())) << "\n";
  return finish(0);
}

}  // namespace

void add_schema_sync_command(CLI::App& schema, context& ctx, action_fn& action) {
  static sync_flags f;
  auto* s = schema.add_subcommand("sync", "Make the configured database like a desired schema (a plan unless --apply)");
  s->footer(
      "Prints the plan: the up script, destructive changes and lock-unfriendly steps flagged. Nothing is\n"
      "written unless --apply (which needs --yes, or typing 'yes' on a terminal, and is refused in a\n"
      "protected environment) or --migration NAME (writes the plan as a migration instead).\n"
      "Examples:\n"
      "  pgpx schema sync --to schema/                     # the plan, from declarative .sql files\n"
      "  pgpx schema sync --to schema/ --apply --yes\n"
      "  pgpx schema sync --to schema/ --migration add_orders\n"
      "Exit codes: 0 ok (or no differences), 2 usage or refused, 7 still differs after --apply,\n"
      "8 cannot connect, 9 SQL error (the transactional part changed nothing).");
  s->add_option("--to", f.to, "The desired schema: a URL, a .json catalog, or a directory")->required();
  s->add_flag("--apply", f.apply, "Apply the plan to the database (needs --yes)");
  s->add_flag("--allow-destructive", f.allow_destructive, "With --apply: also apply changes that can lose data");
  s->add_flag("--online", f.online, "Lock-friendly changes (CONCURRENTLY, NOT VALID then VALIDATE)");
  s->add_option("--schemas", f.schemas, "Only these schemas, comma-separated");
  s->add_option("--shadow-url", f.shadow_url, "The server where a directory is applied (default: the configured one)");
  s->add_option("--format", f.format, "sql (default: the plan) or json (every change, flagged)");
  s->add_option("--migration", f.migration, "Write the plan as migration NAME (up and down) instead");
  s->add_option("-d,--dir", f.dir, "The migrations directory for --migration (default: <project>/migrations)");
  s->callback([&] { action = [&] { return run_sync(ctx, f); }; });
}

}  // namespace pgpx::cli
