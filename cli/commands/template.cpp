// pgpx template list|check|render|gen: SQL templates from the project's queries/ directory.
//
// Also defines the helpers `pgpx query -t NAME --var k=v` uses (declared in commands.hpp).
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "commands.hpp"

#include <pgpx/sql_text.hpp>
#include <pgpx/observe/log.hpp>
#include <pgpx/tmpl/codegen.hpp>
#include <pgpx/tmpl/library.hpp>
#include <pgpx/types/oid.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

namespace pgpx::cli {

namespace fs = std::filesystem;

/// Parses `--var k=v` (the value as JSON when it is valid JSON, else as a string) and
/// `--vars-json` (an object, or @file) into template variables. Throws usage_error.
auto parse_template_vars(const std::vector<std::string>& pairs, const std::string& json_text) -> tmpl::vars {
  tmpl::vars out;
  if (!json_text.empty()) {
    std::string text = json_text;
    if (text.front() == '@') {
      std::ifstream in(text.substr(1));
      if (!in) throw usage_error("cannot read " + text.substr(1));
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw usage_error("--vars-json needs a JSON object");
    out = tmpl::vars_from_json(j);
  }
  for (const auto& p : pairs) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw usage_error("--var needs name=value, got \"" + p + "\"");
    const std::string key = p.substr(0, eq);
    const bool ident =
        std::all_of(key.begin(), key.end(),
                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }) &&
        std::isdigit(static_cast<unsigned char>(key[0])) == 0;
    if (!ident) throw usage_error("--var " + key + ": a variable name is letters, digits and _");
    const std::string text = p.substr(eq + 1);
    const auto j = nlohmann::json::parse(text, nullptr, false);
    out.insert_or_assign(key, j.is_discarded() ? tmpl::value(text) : tmpl::value(j));
  }
  return out;
}

/// The project's template library: the -d/--dir directories, else <project>/queries. Logs
/// each render at debug level (template, parameter names and types; values are in the
/// query log at -vvv, secret ones masked).
auto open_template_library(context& ctx, const std::vector<std::string>& dirs) -> tmpl::library {
  tmpl::library_options o;
  o.search_paths.clear();
  for (const auto& d : dirs) o.search_paths.emplace_back(d);
  if (o.search_paths.empty()) {
    fs::path base = fs::current_path();
    try {
      base = ctx.config().project_dir();
    } catch (const pgpx::error&) {
    }
    o.search_paths.push_back(base / "queries");
  }
  o.on_render = [](const tmpl::render_event& e) {
    auto params = nlohmann::json::array();
    for (std::size_t i = 0; i < e.query->param_names().size(); ++i) {
      const auto t = e.query->param_types()[i];
      params.push_back({{"name", e.query->param_names()[i]},
                        {"type", t == 0 ? std::string("unknown") : pgpx::describe_type(t)},
                        {"secret", static_cast<bool>(e.query->param_secret()[i])}});
    }
    pgpx::observe::log_event(*pgpx::observe::logger(), pgpx::log_level::debug, "template rendered",
                             {{"template", std::string(e.template_name)}, {"params", params}, {"sql", e.query->sql()}});
  };
  return tmpl::library{std::move(o)};
}

// Template errors are bad input rejected before anything was sent: exit code 10.
auto report_template_error(const tmpl::template_error& e) -> int {
  const int code = returned_error(static_cast<int>(exit_code::validation), e.message());
  if (!e.info().hint.empty()) std::cerr << "  hint: " << e.info().hint << "\n";
  return code;
}

namespace {

template <class F>
auto guarded(F&& f) -> int {
  try {
    return f();
  } catch (const tmpl::template_error& e) {
    return report_template_error(e);
  }
}

struct template_options {
  std::vector<std::string> dirs;
  bool long_list = false;
  std::string name;
  std::vector<std::string> vars;
  std::string vars_json;
  std::string format = "sql";
  bool show_params = false;
  bool show_secrets = false;
  bool prepare = false;
  bool allow_raw = false;
  std::string out;
  std::string ns = "queries";
  std::vector<std::string> includes;
  bool check = false;
};

// A value of a declared type for rendering one shape in `check --prepare`.
auto sample_for(const tmpl::param_declaration& p) -> std::optional<tmpl::value> {
  if (p.ident) {
    if (p.oneof.empty()) return std::nullopt;
    return tmpl::value(p.oneof.front());
  }
  const pgpx::oid t = p.type_oid;
  const pgpx::oid elem = builtin_array_element(t);
  const pgpx::oid base = elem != 0 ? elem : t;
  tmpl::value v;
  switch (base) {
    case pgpx::oids::bool_: v = true; break;
    case pgpx::oids::int2:
    case pgpx::oids::int4:
    case pgpx::oids::int8:
    case pgpx::oids::oid_: v = 1; break;
    case pgpx::oids::float4:
    case pgpx::oids::float8: v = 1.5; break;
    case pgpx::oids::numeric: v = "1"; break;
    case pgpx::oids::uuid: v = "00000000-0000-0000-0000-000000000000"; break;
    case pgpx::oids::date: v = "2000-01-01"; break;
    case pgpx::oids::timestamp:
    case pgpx::oids::timestamptz: v = "2000-01-01 00:00:00+00"; break;
    case pgpx::oids::json:
    case pgpx::oids::jsonb: v = tmpl::value::map({}); break;
    case pgpx::oids::unspecified: v = "x"; break;  // `any`
    default: v = "x";
  }
  if (elem != 0) return tmpl::value(std::vector<tmpl::value>{v});
  return v;
}

// Renders every shape of a declared template: each optional parameter present or absent
// (up to 64 combinations). Undeclared templates render once with no variables.
auto shapes_of(const tmpl::library& lib, const std::string& name, std::string& why_not)
    -> std::vector<tmpl::rendered_query> {
  const auto t = lib.get(name);
  std::vector<tmpl::rendered_query> out;
  if (!t.declared()) {
    try {
      out.push_back(lib.render(name, {}));
    } catch (const tmpl::template_error& e) {
      why_not = "needs variables (" + e.brief() + "); declare its params to check it against the database";
    }
    return out;
  }
  const auto& d = *t.declared();
  std::vector<const tmpl::param_declaration*> optional;
  tmpl::vars base;
  for (const auto& p : d.params) {
    auto v = sample_for(p);
    if (!v) {
      why_not = "parameter '" + p.name + "' is an identifier without oneof(...): no sample name to check with";
      return out;
    }
    if (p.optional) optional.push_back(&p);
    else base.emplace(p.name, *v);
  }
  const std::size_t n = std::min<std::size_t>(optional.size(), 6);
  std::set<std::string> seen;
  for (std::size_t mask = 0; mask < (std::size_t{1} << n); ++mask) {
    tmpl::vars v = base;
    for (std::size_t i = 0; i < optional.size(); ++i)
      if (i >= n || (mask & (std::size_t{1} << i)) != 0) v.emplace(optional[i]->name, *sample_for(*optional[i]));
    auto q = lib.render(name, v);
    if (seen.insert(q.sql()).second) out.push_back(std::move(q));
  }
  return out;
}

}  // namespace

void add_template_command(CLI::App& app, context& ctx, action_fn& action) {
  static template_options o;
  auto* t = app.add_subcommand("template", "SQL templates: list, check, render, generate C++");
  t->require_subcommand(1);
  t->footer(
      "Templates live in queries/ (users/list -> queries/users/list.sql.j2, then .sql); every {{ value }} is a\n"
      "bound parameter. See docs/templates.md.\n"
      "Examples:\n"
      "  pgpx template list --long\n"
      "  pgpx template check                    # compile every template; exit 10 on errors\n"
      "  pgpx template check --prepare          # and PREPARE each rendered shape on the database\n"
      "  pgpx template render users/search --var status=active --var ids=[1,2] --format json\n"
      "  pgpx template gen --out src/queries.hpp --include models.hpp [--check]\n"
      "  pgpx query -t users/search --var status=active");

  const auto add_dirs = [&](CLI::App* sub) {
    sub->add_option("-d,--dir", o.dirs, "A template directory (repeatable; default: <project>/queries)");
  };

  auto* list = t->add_subcommand("list", "List the templates by name");
  add_dirs(list);
  list->add_flag("-l,--long", o.long_list, "Also show the file, the declared params and the return shape");
  list->callback([&] {
    action = [&] {
      return guarded([&] {
        auto lib = open_template_library(ctx, o.dirs);
        for (const auto& name : lib.names()) {
          if (!o.long_list) {
            std::cout << name << "\n";
            continue;
          }
          std::cout << name;
          try {
            const auto tpl = lib.get(name);
            std::cout << "\t" << tpl.name();
            if (tpl.declared()) {
              const auto& d = *tpl.declared();
              std::cout << "\t(";
              for (std::size_t i = 0; i < d.params.size(); ++i)
                std::cout << (i ? ", " : "") << d.params[i].name << ": " << d.params[i].type
                          << (d.params[i].optional ? "?" : "");
              std::cout << ")";
              if (!d.returns_shape.empty())
                std::cout << " -> " << d.returns_shape << (d.returns_type.empty() ? "" : " " + d.returns_type);
            }
          } catch (const tmpl::template_error& e) {
            std::cout << "\t(does not compile: " << e.brief() << ")";
          }
          std::cout << "\n";
        }
        return 0;
      });
    };
  });

  auto* check = t->add_subcommand("check", "Compile every template and check includes, blocks and declared params");
  add_dirs(check);
  check->add_flag("--prepare", o.prepare, "Also PREPARE every rendered shape on the database to type-check it");
  check->add_flag("--allow-raw-host-strings", o.allow_raw, "Report every | raw (the project allows raw host strings)");
  check->callback([&] {
    action = [&] {
      return guarded([&] {
        auto lib = open_template_library(ctx, o.dirs);
        const auto r = lib.check();
        for (const auto& e : r.errors) std::cerr << e.message() << "\n";
        if (o.allow_raw)
          for (const auto& p : r.raw_uses)
            std::cerr << p.template_name << ":" << p.line << ":" << p.column << ": note: | raw\n";
        int failures = static_cast<int>(r.errors.size());
        std::size_t prepared = 0;
        if (o.prepare) {
          auto cx = ctx.connect();
          std::set<std::string> broken;
          std::set<std::string> reported;
          for (const auto& e : r.errors) broken.insert(e.where().template_name);
          std::size_t n = 0;
          for (const auto& name : r.names) {
            std::string why_not;
            std::vector<tmpl::rendered_query> shapes;
            std::optional<tmpl::sql_template> tpl;
            try {
              tpl = lib.get(name);
            } catch (const tmpl::template_error&) {
              continue;  // reported above
            }
            if (broken.count(tpl->name()) != 0) continue;
            // Partials (a path part starting with _) are fragments, not statements.
            if (name.front() == '_' || name.find("/_") != std::string::npos) continue;
            try {
              shapes = shapes_of(lib, name, why_not);
            } catch (const tmpl::template_error& e) {
              std::cerr << e.message() << "\n";
              ++failures;
              continue;
            }
            if (!why_not.empty()) ctx.note(name + ": not prepared: " + why_not);
            for (const auto& q : shapes) {
              const std::string stmt = "pgpx_check_" + std::to_string(++n);
              std::string types;
              for (const auto ty : q.param_types())
                types += (types.empty() ? "" : ", ") +
                         (ty == 0 ? std::string("unknown") : std::string(pgpx::builtin_type_name(ty)));
              // The server's error position counts from the start of this prefix.
              const std::string prefix = "PREPARE " + stmt + (types.empty() ? "" : " (" + types + ")") + " AS ";
              try {
                cx.execute_script(prefix + q.sql());
                cx.execute_script("DEALLOCATE " + stmt);
                ++prepared;
              } catch (const pgpx::sql_error& e) {
                std::string where;
                // (counted in the masked statement: back to the statement's own text first)
                const int at = pgpx::mask_literals(prefix + q.sql()).original_position(e.info().position);
                if (const auto p = q.locate(at - static_cast<int>(prefix.size())))
                  where = p->template_name + ":" + std::to_string(p->line) + ":" + std::to_string(p->column) + ": ";
                // Several shapes of one template often fail at the same place: say it once.
                std::string line = (where.empty() ? tpl->name() + ": " : where) + "PREPARE failed: " + e.message() +
                                   " (SQLSTATE " + e.sqlstate() + ")";
                if (reported.insert(line).second) {
                  ++failures;
                  std::cerr << line << "\n";
                }
              }
            }
          }
        }
        if (failures > 0) {
          std::cerr << failures << (failures == 1 ? " problem" : " problems") << " in " << r.names.size()
                    << " templates\n";
          return static_cast<int>(exit_code::validation);
        }
        std::cout << r.names.size() << " templates ok";
        if (o.prepare) std::cout << ", " << prepared << " shapes prepared";
        std::cout << "\n";
        return 0;
      });
    };
  });

  auto* render = t->add_subcommand("render", "Render a template and print the SQL and parameters (nothing is run)");
  add_dirs(render);
  render->add_option("name", o.name, "The template name (users/search)")->required();
  render->add_option("--var", o.vars, "A variable, name=value; the value is JSON when valid JSON, else a string");
  render->add_option("--vars-json", o.vars_json, "Variables as a JSON object, or @file");
  render->add_option("--format", o.format, "sql or json ({\"sql\": ..., \"params\": [...]})")
      ->check(CLI::IsMember({"sql", "json"}));
  render->add_flag("--show-params", o.show_params, "After the SQL, list the parameters as comments");
  render->add_flag("--show-secrets", o.show_secrets, "Show secret parameters instead of ********");
  render->callback([&] {
    action = [&] {
      return guarded([&] {
        auto lib = open_template_library(ctx, o.dirs);
        const auto q = lib.render(o.name, parse_template_vars(o.vars, o.vars_json));
        if (o.format == "json") {
          std::cout << q.to_json(o.show_secrets).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
          return 0;
        }
        std::cout << q.sql() << "\n";
        if (o.show_params) {
          const auto j = q.to_json(o.show_secrets);
          for (std::size_t i = 0; i < q.params().size(); ++i) {
            const auto ty = q.param_types()[i];
            std::cout << "-- $" << (i + 1) << " " << q.param_names()[i] << " ("
                      << (ty == 0 ? std::string("type inferred") : pgpx::describe_type(ty))
                      << ") = " << j["params"][i].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                      << "\n";
          }
        }
        return 0;
      });
    };
  });

  auto* gen = t->add_subcommand("gen", "Generate a C++ header with a typed function per declared template");
  add_dirs(gen);
  gen->add_option("-o,--out", o.out, "The header to write (default: standard output)");
  gen->add_option("--namespace", o.ns, "The namespace of the functions (default: queries)");
  gen->add_option("--include", o.includes, "A header declaring the row types (repeatable)");
  gen->add_flag("--check", o.check, "Do not write: exit 7 when the file differs from what would be generated");
  gen->callback([&] {
    action = [&] {
      return guarded([&] {
        auto lib = open_template_library(ctx, o.dirs);
        tmpl::codegen_options co;
        co.namespace_name = o.ns;
        co.includes = o.includes;
        const std::string text = tmpl::generate_header(lib, co);
        if (o.check) {
          if (o.out.empty()) throw usage_error("--check needs --out FILE");
          std::ifstream in(o.out, std::ios::binary);
          std::stringstream ss;
          ss << in.rdbuf();
          if (!in || ss.str() != text) {
            std::cerr << "pgpx: " << o.out << " is out of date; run pgpx template gen --out " << o.out << "\n";
            return static_cast<int>(exit_code::drift);
          }
          std::cout << o.out << " is up to date\n";
          return 0;
        }
        if (o.out.empty()) {
          std::cout << text;
          return 0;
        }
        std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
        if (!(out << text)) throw usage_error("cannot write " + o.out);
        ctx.note("wrote " + o.out);
        return 0;
      });
    };
  });
}

}  // namespace pgpx::cli
