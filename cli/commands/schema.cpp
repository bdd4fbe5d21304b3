// pgpx schema export|diff: a database's schema as deterministic SQL or JSON, and the changes
// between two schemas (drift detection: `--exit-code` exits 7 when they differ).
//
// A schema source (--from, --to) is one of:
//   db (or nothing)         the configured database (--url, pgpx.toml, the local cluster)
//   a URL or conninfo       postgresql://host/app, "host=... dbname=..."
//   FILE.json               a catalog written by `pgpx schema export --format json`
//   DIR                     a migrations directory, applied to a shadow database that is
//                           created on the configured server (or --shadow-url's) and dropped
//                           afterwards, then introspected
// Everything is read-only on the databases compared; only the shadow database is written.
#include "../exit_codes.hpp"
#include "commands.hpp"

#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/configured.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/schema/diff.hpp>
#include <pgpx/schema/introspect.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
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
};

auto split_schemas(const std::string& list) -> std::vector<std::string> {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string s; std::getline(in, s, ',');)
    if (!s.empty()) out.push_back(s);
  return out;
}

void check_format(const std::string& f) {
  if (f != "sql" && f != "json") throw usage_error("--format must be sql or json, not '" + f + "'");
}

auto looks_like_url(const std::string& s) -> bool {
  return s.find("://") != std::string::npos || s.find('=') != std::string::npos;
}

// A database created for one comparison and dropped when this goes out of scope.
class shadow_database {
 public:
  shadow_database(context& ctx, const conninfo& server) : ctx_(ctx), maintenance_(server) {
    maintenance_.set("dbname", "postgres");
    static int counter = 0;
    name_ = "pgpx_shadow_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    connect().execute("create database " + quote_identifier(name_));
    info_ = server;
    info_.set("dbname", name_);
  }
  shadow_database(const shadow_database&) = delete;
  auto operator=(const shadow_database&) -> shadow_database& = delete;
  ~shadow_database() {
    try {
      connect().execute("drop database if exists " + quote_identifier(name_) + " with (force)");
    } catch (const pgpx::error& e) {
      std::cerr << "pgpx: warning: could not drop the shadow database \"" << name_ << "\": " << e.message() << "\n";
    }
  }
  [[nodiscard]] auto info() const -> const conninfo& { return info_; }
  [[nodiscard]] auto name() const -> const std::string& { return name_; }

 private:
  auto connect() -> pgpx::connection { return pgpx::connection(maintenance_, connection_options_of(ctx_.config())); }
  context& ctx_;
  conninfo maintenance_;
  conninfo info_;
  std::string name_;
};

auto introspect_at(context& ctx, const conninfo& ci, const schema_flags& f) -> schema::catalog {
  pgpx::connection cx(ci, connection_options_of(ctx.config()));
  schema::introspect_options o;
  o.schemas = split_schemas(f.schemas);
  return schema::introspect(cx, o);
}

// The catalog of one source (see the file comment).
auto read_source(context& ctx, const std::string& source, const schema_flags& f) -> schema::catalog {
  if (source.empty() || source == "db") return introspect_at(ctx, ctx.resolve_connection(), f);
  if (looks_like_url(source)) return introspect_at(ctx, conninfo::parse(source, "schema source"), f);
  const std::filesystem::path p(source);
  if (std::filesystem::is_regular_file(p)) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    try {
      return schema::catalog_from_json(text.str());
    } catch (const pgpx::error& e) {
      throw usage_error(source + ": not a catalog written by `pgpx schema export --format json`: " + e.message());
    }
  }
  if (std::filesystem::is_directory(p)) {
    const auto server = f.shadow_url.empty() ? ctx.resolve_connection() : conninfo::parse(f.shadow_url, "--shadow-url");
    shadow_database shadow(ctx, server);
    ctx.note("applying " + source + " to the shadow database \"" + shadow.name() + "\"");
    {
      pgpx::connection cx(shadow.info(), connection_options_of(ctx.config()));
      migrate::apply_options o;
      o.environment = ctx.config().env_name();
      o.lint = false;  // the shadow only shows what the files make; `pgpx migrate lint` judges them
      (void)migrate::apply(cx, p, o);
    }
    return introspect_at(ctx, shadow.info(), f);
  }
  throw usage_error("schema source '" + source +
                    "' is neither db, a URL, a .json catalog file nor a migrations directory (no such file)");
}

void write_output(const std::string& text, const std::string& out) {
  if (out.empty() || out == "-") {
    std::cout << text;
    return;
  }
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  if (!f) throw usage_error("cannot write " + out);
  f << text;
}

auto run_export(context& ctx, const schema_flags& f) -> int {
  check_format(f.format);
  const auto c = read_source(ctx, f.from, f);
  write_output(f.format == "json" ? schema::to_json(c) : schema::export_sql(c), f.out);
  if (!f.out.empty() && f.out != "-") ctx.note("wrote " + f.out);
  return 0;
}

auto run_diff(context& ctx, const schema_flags& f) -> int {
  check_format(f.format);
  if (f.to.empty()) throw usage_error("pgpx schema diff needs --to (db, a URL, a .json catalog or a directory)");
  const auto from = read_source(ctx, f.from, f);
  const auto to = read_source(ctx, f.to, f);
  const auto d = schema::diff(from, to, {.online = f.online});
  if (f.format == "json") {
    nlohmann::json j;
    j["changes"] = nlohmann::json::array();
    for (const auto& c : d.changes)
      j["changes"].push_back({{"kind", std::string(schema::to_string(c.kind))},
                              {"object", c.object},
                              {"up", c.up},
                              {"down", c.down},
                              {"destructive", c.destructive},
                              {"transactional", c.transactional},
                              {"possible_rename", c.possible_rename},
                              {"note", c.note}});
    j["unsupported"] = d.unsupported;
    j["differ"] = !d.empty();
    std::cout << j.dump(2) << "\n";
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
  auto* s = app.add_subcommand("schema", "A database's schema: export it, diff two schemas");
  s->require_subcommand(1);
  s->footer(
      "Sources (--from, --to): db (the configured database), a URL, FILE.json (from export --format json),\n"
      "or a migrations DIR (applied to a shadow database that is dropped afterwards).\n"
      "Examples:\n"
      "  pgpx schema export -o schema.sql\n"
      "  pgpx schema export --format json --schemas app -o schema.json\n"
      "  pgpx schema diff --to migrations --exit-code     # drift between the database and its migrations\n"
      "  pgpx schema diff --from postgresql://staging/app --to postgresql://prod/app\n"
      "Exit codes: 0 ok (no differences, or no --exit-code), 7 differences with --exit-code, 2 usage,\n"
      "8 cannot connect, 9 SQL error (a migration of DIR failed), 10 bad input.");
  auto* ex = s->add_subcommand("export", "The schema as SQL that recreates it, or as JSON (deterministic)");
  ex->add_option("--from", f.from, "The source (default: db)");
  ex->add_option("--format", f.format, "sql (default) or json");
  ex->add_option("--schemas", f.schemas, "Only these schemas, comma-separated (default: all but pgpx's own)");
  ex->add_option("-o,--out", f.out, "Write to this file (default: standard output)");
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
}

}  // namespace pgpx::cli
