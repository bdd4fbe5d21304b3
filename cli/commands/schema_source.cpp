// cli/commands/schema_source.cpp: see schema_source.hpp.
#include "schema_source.hpp"

#include "commands.hpp"

#include "schema_split.hpp"

#include <pgpx/core/configured.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/ext/registry.hpp>
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/schema/ddl.hpp>
#include <pgpx/migrate/source.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace pgpx::cli {

auto split_list(const std::string& list) -> std::vector<std::string> {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string s; std::getline(in, s, ',');)
    if (!s.empty()) out.push_back(s);
  return out;
}

auto looks_like_url(const std::string& s) -> bool {
  return s.find("://") != std::string::npos || s.find('=') != std::string::npos;
}

shadow_database::shadow_database(context& ctx, const conninfo& server) : ctx_(ctx), maintenance_(server) {
  maintenance_.set("dbname", "postgres");
  static int counter = 0;
  name_ = "pgpx_shadow_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  connect().execute("create database " + quote_identifier(name_));
  info_ = server;
  info_.set("dbname", name_);
}

shadow_database::~shadow_database() {
  try {
    auto cx = connect();
    // WITH (FORCE) (PostgreSQL 13) ends sessions a failed command left behind; 12 has no such
    // option, and a plain drop does there.
    cx.execute("drop database if exists " + quote_identifier(name_) +
               (cx.server_version() >= 130000 ? " with (force)" : ""));
  } catch (const pgpx::error& e) {
    std::cerr << "pgpx: warning: could not drop the shadow database \"" << name_ << "\": " << e.message() << "\n";
  }
}

auto shadow_database::connect() -> pgpx::connection {
  return pgpx::connection(maintenance_, connection_options_of(ctx_.config()));
}

auto shadow_server(context& ctx, const std::string& shadow_url) -> conninfo {
  return shadow_url.empty() ? ctx.resolve_connection() : conninfo::parse(shadow_url, "--shadow-url");
}

auto introspect_at(context& ctx, const conninfo& ci, const schema_source_options& o) -> schema::catalog {
  pgpx::connection cx(ci, connection_options_of(ctx.config()));
  schema::introspect_options io;
  io.schemas = o.schemas;
  return schema::introspect(cx, io);
}

namespace {

// The server extensions the models' column types come from (a `pgpx::citext::text` member is
// citext, a `pgpx::vector<3>` is vector): the type name without its modifier or array
// brackets, looked up among the registered plugins' types. In first-use order.
auto extensions_of(const std::vector<const model_description*>& models) -> std::vector<std::string> {
  std::vector<std::string> out;
  const auto& reg = pgpx::ext::registry::global();
  for (const auto* m : models)
    for (const auto& c : m->columns) {
      std::string type = c.type;
      if (const auto cut = type.find_first_of("(["); cut != std::string::npos) type.resize(cut);
      while (!type.empty() && type.back() == ' ') type.pop_back();
      if (type.empty()) continue;
      const auto p = reg.plugin_for_type(type);
      if (!p) continue;
      std::string ext(p->extension());
      if (std::find(out.begin(), out.end(), ext) == out.end()) out.push_back(std::move(ext));
    }
  return out;
}

// The registered models, created in a shadow database: their schemas, then their tables in
// the order the foreign keys allow, all in one transaction.
auto models_catalog(context& ctx, const schema_source_options& o) -> schema::catalog {
  const auto& models = ctx.options().models;
  if (models.empty())
    throw usage_error(
        "schema source 'models': no models are registered; it works in an application's own binary "
        "that links pgpx::cli and registers its models (pgpx/cli/application.hpp, docs/cli.md)");
  shadow_database shadow(ctx, shadow_server(ctx, o.shadow_url));
  ctx.note("creating " + std::to_string(models.size()) + (models.size() == 1 ? " model" : " models") +
           " in the shadow database \"" + shadow.name() + "\"");
  {
    pgpx::connection cx(shadow.info(), connection_options_of(ctx.config()));
    pgpx::transaction tx{cx};
    std::vector<std::string> schemas;
    for (const auto* m : models)
      if (!m->schema.empty() && std::find(schemas.begin(), schemas.end(), m->schema) == schemas.end())
        schemas.push_back(m->schema);
    for (const auto& s : schemas) tx.execute("create schema if not exists " + quote_identifier(s));
    for (const auto& e : extensions_of(models)) tx.execute("create extension if not exists " + quote_identifier(e));
    for (const auto& s : schema::creation_plan(models)) tx.execute(s);
    tx.commit();
  }
  return introspect_at(ctx, shadow.info(), o);
}

}  // namespace

auto read_schema_source(context& ctx, const std::string& source, const schema_source_options& o) -> schema::catalog {
  if (source == "models") return models_catalog(ctx, o);
  if (source.empty() || source == "db") return introspect_at(ctx, ctx.resolve_connection(), o);
  if (looks_like_url(source)) return introspect_at(ctx, conninfo::parse(source, "schema source"), o);
  const std::filesystem::path p(source);
  if (std::filesystem::is_regular_file(p)) {
    const auto text = read_file(p);
    try {
      return schema::catalog_from_json(text);
    } catch (const pgpx::error& e) {
      throw usage_error(source + ": not a catalog written by `pgpx schema export --format json`: " + e.message());
    }
  }
  if (std::filesystem::is_directory(p)) {
    const auto kind = classify_schema_directory(p);
    shadow_database shadow(ctx, shadow_server(ctx, o.shadow_url));
    ctx.note("applying " + source + " to the shadow database \"" + shadow.name() + "\"");
    if (kind != schema_directory_kind::migrations) {
      pgpx::connection cx(shadow.info(), connection_options_of(ctx.config()));
      for (const auto& f : declarative_files(p, kind)) {
        const auto text = read_file(f);
        try {
          cx.execute_script(text);
        } catch (const pgpx::error&) {
          std::cerr << "pgpx: " << f.string() << ": failed on the shadow database\n";
          throw;
        }
      }
    } else {
      pgpx::connection cx(shadow.info(), connection_options_of(ctx.config()));
      migrate::apply_options ao;
      ao.environment = ctx.config().env_name();
      ao.lint = false;  // the shadow only shows what the files make; `pgpx migrate lint` judges them
      (void)migrate::apply(cx, p, ao);
    }
    return introspect_at(ctx, shadow.info(), o);
  }
  throw usage_error("schema source '" + source +
                    "' is neither db, a URL, a .json catalog file nor a directory (no such file)");
}

auto classify_schema_directory(const std::filesystem::path& dir) -> schema_directory_kind {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() || name.empty() || name[0] == '.' || e.path().extension() != ".sql") continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  const bool split = is_split_directory(dir);
  std::string migration;
  std::string plain;
  for (const auto& n : names) {
    if (split && n == split_index_name) continue;
    bool is_migration = true;
    try {
      (void)migrate::parse_file_name(n);
    } catch (const pgpx::error&) {
      is_migration = false;
    }
    if (is_migration && migration.empty()) migration = n;
    if (!is_migration && plain.empty()) plain = n;
  }
  if (!migration.empty() && (split || !plain.empty()))
    throw usage_error(dir.string() + " mixes versioned migrations (" + migration + ") with declarative schema files (" +
                      (split ? std::string(split_index_name) : plain) +
                      "): a schema source directory holds either migrations (<version>_<slug>.up.sql / .down.sql) "
                      "or declarative .sql files, not both");
  if (split) return schema_directory_kind::split_export;
  return plain.empty() ? schema_directory_kind::migrations : schema_directory_kind::plain_sql;
}

auto declarative_files(const std::filesystem::path& dir, schema_directory_kind kind)
    -> std::vector<std::filesystem::path> {
  if (kind == schema_directory_kind::split_export) return split_index_files(dir);
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() || name.empty() || name[0] == '.' || e.path().extension() != ".sql") continue;
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  return out;
}

auto diff_to_json(const schema::diff_result& d) -> nlohmann::json {
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
  return j;
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

}  // namespace pgpx::cli
