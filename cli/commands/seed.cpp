// pgpx seed create|run: data seeds, SQL templates in <project>/seeds/ run once per content.
//
// A seed is <project>/seeds/NAME.sql.j2 (or NAME.sql), NAME in [a-z0-9_]+, rendered by the
// template engine (include/pgpx/tmpl) with the --var/--vars-json variables: every value is
// a bound parameter. `run` renders each seed, splits it into statements (renumbering each
// statement's $n), and runs them in one transaction together with its record in
// <schema>.seed_runs(name, checksum, at) (schema: --schema, default pgpx, the migration
// tracking schema). The checksum covers the rendered SQL and the parameter values, so an
// edit of the seed (or of an included template) or another --var value runs it again; an
// unchanged seed is skipped unless --force. --reset first deletes the records of the seeds
// selected (every record without NAMEs): they all run again. A failing seed changes nothing
// (its transaction rolls back) and stops the run: exit 9 naming its file.
//
// Environments: a header line `-- pgpx: env=dev,ci` (the migrations' directive, read by
// pgpx::migrate::parse_directives) runs the seed only in those environments; other
// directives are refused. In an environment with protected = true no seed runs (exit 2,
// before anything runs), scoped to it or not (spec: seeds scoped to a protected environment
// are refused): data a protected database needs goes in a migration.
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "../progress.hpp"
#include "commands.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/statement.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/migrate/checksum.hpp>
#include <pgpx/migrate/source.hpp>
#include <pgpx/migrate/split.hpp>
#include <pgpx/tmpl/library.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace pgpx::cli {

namespace {

namespace fs = std::filesystem;

struct seed_flags {
  std::string name;                 // create
  std::string env;                  // create: --env
  std::vector<std::string> names;   // run
  std::string dir;                  // -d/--dir
  std::string schema = "pgpx";      // --schema
  std::vector<std::string> vars;    // --var
  std::string vars_json;            // --vars-json
  bool reset = false;
  bool force = false;
  bool dry_run = false;
  std::string format = "text";      // --format text|json
};

auto seeds_dir(context& ctx, const std::string& given) -> fs::path {
  if (!given.empty()) return given;
  return migrations_dir(ctx, "").parent_path() / "seeds";
}

auto valid_name(const std::string& n) -> bool {
  return !n.empty() && std::all_of(n.begin(), n.end(),
                                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

struct seed_file {
  std::string name;  // NAME
  fs::path path;     // seeds/NAME.sql.j2
  std::string content;
  std::vector<std::string> environments;  // env=; empty: every environment
};

// The seeds of `dir` by name: NAME.sql.j2 or NAME.sql (both for one NAME is refused).
auto load_seeds(const fs::path& dir) -> std::map<std::string, seed_file> {
  std::map<std::string, seed_file> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const auto file = e.path().filename().string();
    std::string name;
    if (file.ends_with(".sql.j2")) name = file.substr(0, file.size() - 7);
    else if (file.ends_with(".sql")) name = file.substr(0, file.size() - 4);
    else continue;
    if (!valid_name(name))
      throw usage_error(e.path().string() + ": a seed's name must be [a-z0-9_]+ (rename the file)");
    if (out.contains(name))
      throw usage_error("two files for seed '" + name + "' in " + dir.string() + ": keep one of .sql.j2 and .sql");
    seed_file s{.name = name, .path = e.path(), .content = read_file(e.path())};
    const auto d = migrate::parse_directives(s.content, e.path().string());
    if (d.no_transaction || d.lock_timeout || d.statement_timeout || !d.required_extensions.empty())
      throw usage_error(e.path().string() +
                        ": a seed takes only the env= directive (each seed runs in one transaction)");
    s.environments = d.environments;
    out.emplace(name, std::move(s));
  }
  return out;
}

// The $n placeholders of one statement (as PostgreSQL's scanner reads them: never inside
// literals, comments, quoted names or dollar quotes), renumbered from $1 in order of first
// use; `used` gets the original numbers.
auto renumber(const std::string& sql, const std::string& file, std::vector<int>& used) -> std::string {
  std::string out;
  std::map<int, int> map;
  std::size_t at = 0;
  for (const auto& p : migrate::parameter_refs(sql, file)) {
    auto [it, fresh] = map.emplace(p.number, static_cast<int>(map.size()) + 1);
    if (fresh) used.push_back(p.number);
    out.append(sql, at, p.begin - at);
    out += "$" + std::to_string(it->second);
    at = p.end;
  }
  out.append(sql, at, std::string::npos);
  return out;
}

// The parameters `used` (1-based numbers of `all`), in that order.
auto subset(const param_list& all, const std::vector<int>& used) -> param_list {
  param_list p;
  p.own_values(true);
  for (const int n : used) {
    if (n < 1 || static_cast<std::size_t>(n) > all.size())
      throw usage_error("placeholder $" + std::to_string(n) + " has no value");
    const auto k = static_cast<std::size_t>(n - 1);
    const char* v = all.values()[k];
    if (v == nullptr) p.add_null(all.types()[k]);
    else if (all.formats()[k] == 1) p.add_binary({v, static_cast<std::size_t>(all.lengths()[k])}, all.types()[k]);
    else p.add_text({v, static_cast<std::size_t>(all.lengths()[k])}, all.types()[k]);
  }
  return p;
}

// The checksum of a rendered seed: its SQL and every parameter (type, format, bytes).
auto seed_checksum(const tmpl::rendered_query& q, const param_list& p) -> std::string {
  std::string text = q.sql();
  for (std::size_t k = 0; k < p.size(); ++k) {
    text += "\n-- $" + std::to_string(k + 1) + " " + std::to_string(p.types()[k]) + "/" +
            std::to_string(p.formats()[k]) + ": ";
    if (p.values()[k] == nullptr) text += "NULL";
    else
      text +=
          std::to_string(p.lengths()[k]) + ":" + std::string(p.values()[k], static_cast<std::size_t>(p.lengths()[k]));
  }
  return migrate::checksum(text);
}

auto run_create(context& ctx, const seed_flags& f) -> int {
  if (!valid_name(f.name)) throw usage_error("a seed's name must be [a-z0-9_]+, not '" + f.name + "'");
  if (!f.env.empty() && !valid_name(f.env))
    throw usage_error("--env must be an environment name ([a-z0-9_]+), not '" + f.env + "'");
  const auto dir = seeds_dir(ctx, f.dir);
  const auto seeds = load_seeds(dir);
  if (seeds.contains(f.name)) throw usage_error("seed '" + f.name + "' exists: " + seeds.at(f.name).path.string());
  fs::create_directories(dir);
  const auto path = dir / (f.name + ".sql.j2");
  std::ofstream out(path, std::ios::binary);
  if (!f.env.empty()) out << "-- pgpx: env=" << f.env << "\n";
  out << "{# Seed " << f.name
      << ": `pgpx seed run` runs it once per content; edit it and it runs again.\n"
         "   Values are bound parameters, given with --var name=value:\n"
         "   insert into app.users (email) values ({{ admin_email }}) on conflict do nothing; #}\n";
  if (!out) throw usage_error("cannot write " + path.string());
  if (f.format == "json") print_json_report({{"action", "create"}, {"file", path.string()}, {"name", f.name}});
  else std::cout << path.string() << "\n";
  return 0;
}

struct plan_entry {
  const seed_file* seed = nullptr;
  std::string status;  // "run", "unchanged", "env"
  tmpl::rendered_query query;
  param_list params;
  std::string checksum;
};

auto run_seeds(context& ctx, const seed_flags& f) -> int {
  const auto dir = seeds_dir(ctx, f.dir);
  const auto seeds = load_seeds(dir);
  std::vector<const seed_file*> selected;
  if (f.names.empty()) {
    for (const auto& [n, s] : seeds) selected.push_back(&s);
  } else {
    for (const auto& n : f.names) {
      auto it = seeds.find(n);
      if (it == seeds.end()) throw usage_error("no seed '" + n + "' in " + dir.string());
      if (std::find(selected.begin(), selected.end(), &it->second) == selected.end()) selected.push_back(&it->second);
    }
  }
  const auto& env = ctx.config().env_name();
  auto in_env = [&](const seed_file& s) {
    return s.environments.empty() ||
           std::find(s.environments.begin(), s.environments.end(), env) != s.environments.end();
  };
  if (ctx.config().is_protected())
    throw usage_error("environment '" + env +
                      "' is protected (protected = true): pgpx seed run refuses to seed it; data a protected "
                      "database needs belongs in a migration");
  const auto vars = parse_template_vars(f.vars, f.vars_json);
  auto lib = open_template_library(ctx, {dir.string()});
  std::vector<plan_entry> plan;
  for (const auto* s : selected) {
    plan_entry e{.seed = s};
    if (!in_env(*s)) {
      e.status = "env";
    } else {
      try {
        e.query = lib.render(s->name, vars);
        e.params = e.query.to_param_list();
      } catch (const tmpl::template_error& err) {
        std::cerr << "pgpx: error: " << s->path.string() << ":\n";
        return report_template_error(err);
      }
      e.checksum = seed_checksum(e.query, e.params);
      e.status = "run";
    }
    plan.push_back(std::move(e));
  }

  auto cx = ctx.connect();
  const auto table = quote_qualified({f.schema, "seed_runs"});
  const bool exists = cx.query_value<bool>("select to_regclass($1) is not null", table);
  std::map<std::string, std::string> recorded;
  if (exists && !(f.reset && f.names.empty()))
    for (const auto& [n, c] : cx.query<std::tuple<std::string, std::string>>("select name, checksum from " + table))
      recorded[n] = c;
  if (exists && f.reset && !f.names.empty())
    for (const auto* s : selected) recorded.erase(s->name);
  for (auto& e : plan)
    if (e.status == "run" && !f.force && recorded.contains(e.seed->name) && recorded[e.seed->name] == e.checksum)
      e.status = "unchanged";

  const bool json = f.format == "json";
  auto report = nlohmann::json::array();  // --format json: one object per seed selected
  const auto add = [&](const plan_entry& e, const char* status) {
    report.push_back({{"name", e.seed->name}, {"file", e.seed->path.string()}, {"status", status}});
  };
  const auto print_report = [&](bool dry) {
    print_json_report({{"action", "seed run"}, {"dry_run", dry}, {"environment", env}, {"seeds", report}});
  };
  if ((f.dry_run || ctx.dry_run()) && json) {
    for (const auto& e : plan) {
      add(e, e.status.c_str());
      if (e.status == "run") report.back()["sql"] = e.query.sql();
    }
    print_report(true);
    return 0;
  }
  if (f.dry_run || ctx.dry_run()) {  // its own --dry-run, or the global one
    for (const auto& e : plan) {
      if (e.status == "env") std::cout << "-- skip " << e.seed->name << " (env=" << env << " not in its env=)\n";
      else if (e.status == "unchanged") std::cout << "-- skip " << e.seed->name << " (unchanged)\n";
      else std::cout << "-- run " << e.seed->name << " (" << e.seed->path.string() << ")\n" << e.query.sql() << "\n";
    }
    ctx.note("dry run: nothing was run or recorded");
    return 0;
  }

  if (!exists) {  // under a lock: concurrent CREATE ... IF NOT EXISTS can still collide
    transaction tx{cx};
    tx.execute("select pg_advisory_xact_lock(hashtext($1))", "pgpx.seed_runs:" + f.schema);
    tx.execute("create schema if not exists " + quote_identifier(f.schema));
    tx.execute("create table if not exists " + table +
               " (name text primary key, checksum text not null, at timestamptz not null default now())");
    tx.commit();
  }
  if (f.reset) {
    if (f.names.empty()) {
      cx.execute("delete from " + table);
    } else {
      std::vector<std::string> names;
      for (const auto* s : selected) names.push_back(s->name);
      cx.execute("delete from " + table + " where name = any($1)", names);
    }
  }
  // Text: a line per seed on stdout as it goes; JSON: the report at the end (status "run" for
  // those that ran).
  const auto said = [&](const plan_entry& e, const std::string& line, const char* status) {
    if (json) add(e, status);
    else std::cout << line << "\n";
  };
  progress_line bar(progress_wanted(ctx, json));
  std::size_t index = 0;
  for (auto& e : plan) {
    ++index;
    if (e.status == "env") {
      said(e, "skipped " + e.seed->name + " (env: " + env + " is not among its environments)", "env");
      continue;
    }
    if (e.status == "unchanged") {
      said(e, "skipped " + e.seed->name + " (unchanged)", "unchanged");
      continue;
    }
    bar.show(index, plan.size(), e.seed->path.filename().string());
    bool ran = false;
    try {
      transaction tx{cx};
      // One seed at a time per name across sessions; a concurrent run may have applied this
      // content meanwhile: read its record again under the lock.
      tx.execute("select pg_advisory_xact_lock(hashtext($1))", "pgpx.seed_runs:" + f.schema + "." + e.seed->name);
      const auto now = tx.query<std::string>("select checksum from " + table + " where name = $1", e.seed->name);
      if (!f.force && !now.empty() && now.front() == e.checksum) {
        tx.commit();
        bar.clear();
        said(e, "skipped " + e.seed->name + " (unchanged)", "unchanged");
        continue;
      }
      ran = true;
      for (const auto& st : migrate::split_statements(e.query.sql(), e.seed->path.string())) {
        std::vector<int> used;
        auto sql = renumber(st.text, e.seed->path.string(), used);
        tx.execute(statement<void>(std::move(sql), subset(e.params, used)));
      }
      tx.execute("insert into " + table +
                     " (name, checksum, at) values ($1, $2, now()) on conflict (name) do update set checksum = "
                     "excluded.checksum, at = excluded.at",
                 e.seed->name, e.checksum);
      tx.commit();
    } catch (const pgpx::error&) {
      bar.clear();
      if (ran) std::cerr << "pgpx: error: seed " << e.seed->path.string() << " failed; nothing of it was kept\n";
      throw;
    }
    bar.clear();
    said(e, "applied " + e.seed->name, "run");
  }
  if (json) print_report(false);
  return 0;
}

}  // namespace

void add_seed_command(CLI::App& app, context& ctx, action_fn& action) {
  static seed_flags f;
  auto* s = app.add_subcommand("seed", "Data seeds: SQL templates in seeds/, each run once per content");
  s->require_subcommand(1);
  s->footer(
      "A seed is seeds/NAME.sql.j2 (or .sql), rendered with --var values as bound parameters. A header line\n"
      "`-- pgpx: env=dev,ci` runs it only there; in a protected environment no seed runs.\n"
      "Runs are recorded in <schema>.seed_runs(name, checksum, at): an unchanged seed is skipped.\n"
      "Examples:\n"
      "  pgpx seed create demo_users --env dev\n"
      "  pgpx -e dev seed run --var admin_email=admin@example.com\n"
      "  pgpx seed run demo_users --force\n"
      "  pgpx seed run --reset               # forget every record: all seeds run again\n"
      "Exit codes: 0 ok, 2 usage (unknown seed, protected environment), 8 cannot connect,\n"
      "9 SQL error (the failing seed changed nothing), 10 bad template or variables.");
  auto* create = s->add_subcommand("create", "Write a new seed file seeds/NAME.sql.j2");
  create->add_option("name", f.name, "The seed's name, [a-z0-9_]+")->required();
  create->add_option("--env", f.env, "Scope it to this environment (a `-- pgpx: env=` header)");
  create->add_option("-d,--dir", f.dir, "The seeds directory (default: <project>/seeds)");
  create->add_option("--format", f.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  create->callback([&] { action = [&] { return run_create(ctx, f); }; });
  auto* run = s->add_subcommand("run", "Run the seeds (all, or the NAMEs) that are new or changed");
  run->add_option("names", f.names, "Only these seeds (default: all, in name order)");
  run->add_option("-d,--dir", f.dir, "The seeds directory (default: <project>/seeds)");
  run->add_option("--schema", f.schema, "Schema of seed_runs (default: pgpx, with the migration tables)");
  run->add_option("--var", f.vars, "A variable, name=value; the value is JSON when valid JSON, else a string");
  run->add_option("--vars-json", f.vars_json, "Variables as a JSON object, or @file");
  run->add_flag("--reset", f.reset,
                "Delete the records of the seeds selected (all records without NAMEs) first: they all run again");
  run->add_flag("--force", f.force, "Run the seeds selected even when unchanged");
  run->add_flag("--dry-run", f.dry_run, "Print what would run, with its SQL; run and record nothing");
  run->add_option("--format", f.format, "text or json (one report at the end)")->check(CLI::IsMember({"text", "json"}));
  run->callback([&] { action = [&] { return run_seeds(ctx, f); }; });
}

}  // namespace pgpx::cli
