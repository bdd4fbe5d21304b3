// pgpx db create|drop|reset|wait: the database named by the resolved connection.
//
// create, drop and reset connect to the server's `postgres` database (the maintenance
// database) with the same parameters; the name is quoted with pgpx::quote_identifier and
// looked up as a bound parameter. drop and reset need --yes and are refused in an
// environment marked `protected = true`.
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "../progress.hpp"
#include "commands.hpp"

#include <pgpx/config/config.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/configured.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/migrate/source.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

namespace pgpx::cli {

namespace {

struct db_flags {
  std::string timeout = "30s";  // wait
  std::string dir;              // reset: the migrations directory
  bool no_migrate = false;      // reset
  std::string format = "text";  // --format text|json
};

// The database the connection names (dbname, else the user's name, as libpq does).
auto target_name(const conninfo& ci) -> std::string {
  auto name = ci.get("dbname");
  if (name.empty()) name = ci.get("user");
  if (name.empty())
    throw usage_error(
        "the connection names no database (dbname); give --url postgresql://host/NAME or set it in "
        "pgpx.toml");
  return name;
}

auto maintenance(context& ctx, const conninfo& ci) -> pgpx::connection {
  auto m = ci;
  m.set("dbname", "postgres");
  return pgpx::connection(m, pgpx::connection_options_of(ctx.config()));
}

auto exists(pgpx::connection& cx, const std::string& name) -> bool {
  return cx.query_value<bool>("select exists (select 1 from pg_database where datname = $1)", name);
}

void refuse_destructive(context& ctx, const std::string& verb, const std::string& name) {
  if (ctx.dry_run()) return;  // a plan changes nothing
  if (ctx.config().is_protected())
    throw usage_error("environment '" + ctx.config().env_name() + "' is protected (protected = true): pgpx db " + verb +
                      " refuses to touch database \"" + name + "\"");
  if (!ctx.options().yes)
    throw usage_error("pgpx db " + verb + " deletes database \"" + name +
                      "\" and everything in it; confirm with --yes");
}

// Creates the database `name` unless it exists, through the maintenance connection `m`
// (`dry_run`: says what it would do).
// Returns what happened, for JSON: "exists", "would create" or "created"; `text` prints it.
auto create(pgpx::connection& m, const std::string& name, bool dry_run, bool text) -> std::string {
  if (exists(m, name) && !dry_run) {
    if (text) std::cout << "database \"" << name << "\" exists already\n";
    return "exists";
  }
  if (dry_run) {
    if (text) std::cout << "would create database \"" << name << "\"\n";
    return "would create";
  }
  m.execute("create database " + quote_identifier(name));
  if (text) std::cout << "created database \"" << name << "\"\n";
  return "created";
}

// Drops the database `name` if it exists, through the maintenance connection `m`.
// Returns what happened, for JSON: "absent", "would drop" or "dropped"; `text` prints it.
auto drop(pgpx::connection& m, const std::string& name, bool dry_run, bool text) -> std::string {
  if (!exists(m, name)) {
    if (text) std::cout << "database \"" << name << "\" does not exist\n";
    return "absent";
  }
  if (dry_run) {
    if (text) std::cout << "would drop database \"" << name << "\"\n";
    return "would drop";
  }
  m.execute("drop database " + quote_identifier(name));
  if (text) std::cout << "dropped database \"" << name << "\"\n";
  return "dropped";
}

// The JSON report of a db verb: {"action": "db VERB", "database", "dry_run", "outcome"}.
auto db_json(const char* verb, const std::string& name, bool dry_run, const std::string& outcome) -> nlohmann::json {
  return {{"action", std::string("db ") + verb}, {"database", name}, {"dry_run", dry_run}, {"outcome", outcome}};
}

auto run_create(context& ctx, const db_flags& f) -> int {
  const bool json = f.format == "json";
  const auto ci = ctx.resolve_connection();
  const auto name = target_name(ci);
  auto m = maintenance(ctx, ci);
  const auto outcome = create(m, name, ctx.dry_run() && !exists(m, name), !json);
  if (json) print_json_report(db_json("create", name, ctx.dry_run(), outcome));
  else if (ctx.dry_run()) ctx.note("dry run: nothing was written");
  return 0;
}

auto run_drop(context& ctx, const db_flags& f) -> int {
  const bool json = f.format == "json";
  const auto ci = ctx.resolve_connection();
  const auto name = target_name(ci);
  refuse_destructive(ctx, "drop", name);
  auto m = maintenance(ctx, ci);
  const auto outcome = drop(m, name, ctx.dry_run(), !json);
  if (json) print_json_report(db_json("drop", name, ctx.dry_run(), outcome));
  else if (ctx.dry_run()) ctx.note("dry run: nothing was written");
  return 0;
}

auto run_reset(context& ctx, const db_flags& f) -> int {
  const bool json = f.format == "json";
  const auto ci = ctx.resolve_connection();
  const auto name = target_name(ci);
  refuse_destructive(ctx, "reset", name);
  nlohmann::json report = {{"action", "db reset"}, {"database", name}, {"dry_run", ctx.dry_run()}};
  auto applied = nlohmann::json::array();  // the migrations applied (or that would be)
  {
    auto m = maintenance(ctx, ci);
    report["dropped"] = drop(m, name, ctx.dry_run(), !json);
    report["created"] = create(m, name, ctx.dry_run(), !json);
  }
  const auto dir = migrations_dir(ctx, f.dir);
  if (ctx.dry_run()) {
    // The new database would get every migration (of this environment).
    if (!f.no_migrate && std::filesystem::exists(dir))
      for (const auto& m : migrate::load_directory(dir)) {
        const auto& envs = m.up.header.environments;
        if (envs.empty() || std::find(envs.begin(), envs.end(), ctx.config().env_name()) != envs.end()) {
          applied.push_back(m.name());
          if (!json) std::cout << "would apply " << m.name() << " (" << m.up.file_name << ")\n";
        }
      }
    if (!json) ctx.note("dry run: nothing was written");
  } else if (!f.no_migrate && std::filesystem::exists(dir)) {
    pgpx::connection cx(ci, pgpx::connection_options_of(ctx.config()));
    migrate::apply_options o;
    o.environment = ctx.config().env_name();
    progress_line bar(progress_wanted(ctx, json));
    if (bar.enabled())
      o.on_progress = [&bar](const migrate::run_progress& p) {
        bar.show(p.index, p.count, p.file, p.statements_done, p.statements_total);
      };
    const auto r = migrate::apply(cx, dir, o);
    bar.clear();
    for (const auto& m : r.migrations) {
      applied.push_back(m.name);
      if (!json) std::cout << "applied " << m.name << " (" << m.duration.count() << " ms)\n";
    }
  }
  report["migrations"] = applied;
  if (json) print_json_report(report);
  return 0;
}

auto wait(context& ctx, const db_flags& f) -> int {
  const auto limit = pgpx::parse_duration(f.timeout);
  const auto ci = ctx.resolve_connection();
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + limit;
  std::string last;
  for (;;) {
    try {
      pgpx::connection cx(ci, pgpx::connection_options_of(ctx.config()));
      static_cast<void>(cx.query_value<int>("select 1"));
      if (f.format == "json")
        print_json_report({{"action", "db wait"},
                           {"database", target_name(ci)},
                           {"ready", true},
                           {"waited_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - start)
                                             .count()}});
      else ctx.note("database \"" + target_name(ci) + "\" is ready");
      return 0;
    } catch (const pgpx::error& e) {
      last = e.message();
    }
    if (std::chrono::steady_clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return returned_error(static_cast<int>(exit_code::timeout), "the database did not accept connections within " +
                                                                  f.timeout + "; last error: " + pgpx::redact(last));
}

}  // namespace

void add_db_command(CLI::App& app, context& ctx, action_fn& action) {
  static db_flags f;
  auto* db = app.add_subcommand("db", "The database itself: create, drop, reset, wait");
  db->require_subcommand(1);
  db->footer(
      "Examples:\n"
      "  pgpx db create                  # the database the connection names, if missing\n"
      "  pgpx db wait --timeout 60s      # until it accepts connections (CI)\n"
      "  pgpx db reset --yes             # drop, create, apply <project>/migrations\n"
      "drop and reset need --yes and are refused in an environment with protected = true.\n"
      "With the global --dry-run they say what they would do and change nothing.\n"
      "Exit codes: 0 ok, 2 usage (no --yes, protected), 8 cannot connect, 9 SQL error, 11 wait timed out.");
  const auto add_format = [](CLI::App* cmd) {
    cmd->add_option("--format", f.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  };
  auto* create_cmd = db->add_subcommand("create", "Create the database the connection names (nothing when it exists)");
  add_format(create_cmd);
  create_cmd->callback([&] { action = [&] { return run_create(ctx, f); }; });
  auto* drop_cmd = db->add_subcommand("drop", "Drop the database the connection names (needs --yes)");
  add_format(drop_cmd);
  drop_cmd->callback([&] { action = [&] { return run_drop(ctx, f); }; });
  auto* reset_cmd =
      db->add_subcommand("reset", "Drop and create the database, then apply the migrations (needs --yes)");
  reset_cmd->add_option("-d,--dir", f.dir, "The migrations directory (default: <project>/migrations)");
  reset_cmd->add_flag("--no-migrate", f.no_migrate, "Do not apply the migrations");
  add_format(reset_cmd);
  reset_cmd->callback([&] { action = [&] { return run_reset(ctx, f); }; });
  auto* wait_cmd = db->add_subcommand("wait", "Wait until the database accepts connections");
  wait_cmd->add_option("--timeout", f.timeout, "How long (default 30s)");
  add_format(wait_cmd);
  wait_cmd->callback([&] { action = [&] { return wait(ctx, f); }; });
}

}  // namespace pgpx::cli
