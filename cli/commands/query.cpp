// pgpx query SQL [--param V]... [--format table|json|csv|ndjson] [--write]
// pgpx query -t TEMPLATE [--var k=v]... [--vars-json JSON|@file] [-d DIR]...
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "../read_only.hpp"
#include "commands.hpp"

#include <pgpx/core/transaction.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

namespace pgpx::cli {

namespace {

struct query_options {
  std::string sql;
  std::string file;
  std::vector<std::string> params;
  std::string format = "table";
  bool write = false;
  std::string template_name;
  std::vector<std::string> vars;
  std::string vars_json;
  std::vector<std::string> template_dirs;
};

}  // namespace

void add_query_command(CLI::App& app, context& ctx, action_fn& action) {
  static query_options o;
  auto* q = app.add_subcommand("query", "Run one SQL statement and print its rows (read-only unless --write)");
  q->add_option("sql", o.sql, "The statement; $1, $2... are bound to --param values");
  q->add_option("-f,--file", o.file, "Read the statement from a file");
  q->add_option("-p,--param", o.params, "A parameter value, in order ($1, $2...); sent bound, never spliced");
  q->add_option("--format", o.format, "table, json, csv or ndjson")
      ->check(CLI::IsMember({"table", "json", "csv", "ndjson"}));
  q->add_flag("--write", o.write,
              "Allow writes and every other statement. Without it the statement may only read: one SELECT, "
              "VALUES, TABLE, WITH, SHOW or EXPLAIN, checked with PostgreSQL's parser and run in a "
              "READ ONLY transaction; no COPY to/from server files or programs, no admin, file, lock, "
              "set_config or dblink functions");
  q->add_option("-t,--template", o.template_name, "Run a SQL template from queries/ instead (see pgpx template)");
  q->add_option("--var", o.vars, "A template variable, name=value (JSON when valid JSON, else a string)");
  q->add_option("--vars-json", o.vars_json, "Template variables as a JSON object, or @file");
  q->add_option("-d,--dir", o.template_dirs, "A template directory (repeatable; default: <project>/queries)");
  q->footer(
      "Examples:\n"
      "  pgpx query \"select now(), version()\"\n"
      "  pgpx query \"select * from books where id = $1\" --param 42 --format json\n"
      "  pgpx query \"update books set title = $1 where id = $2\" -p \"New title\" -p 42 --write\n"
      "  pgpx query -f report.sql --format csv > report.csv\n"
      "  pgpx query -t books/search --var term=sql --var limit=10 --format json\n"
      "JSON: numbers as numbers, numeric as exact strings, timestamps in ISO 8601 (timestamptz in UTC\n"
      "with Z), intervals as ISO 8601 durations, json embedded, arrays nested, NULL as null.");
  q->callback([&] {
    action = [&]() -> int {
      std::string sql = o.sql;
      pgpx::param_list params;
      params.capture_text(true);  // the query log (-vvv) shows them, secret-looking ones masked
      if (!o.template_name.empty()) {
        if (!sql.empty() || !o.file.empty() || !o.params.empty())
          throw usage_error("-t/--template takes its values from --var, not a statement, --file or --param");
        try {
          auto lib = open_template_library(ctx, o.template_dirs);
          const auto rendered = lib.render(o.template_name, parse_template_vars(o.vars, o.vars_json));
          sql = rendered.sql();
          rendered.bind(params);
        } catch (const tmpl::template_error& e) {
          return report_template_error(e);
        }
      } else if (!o.vars.empty() || !o.vars_json.empty()) {
        throw usage_error("--var and --vars-json go with -t/--template");
      }
      if (!o.file.empty()) {
        if (!sql.empty()) throw usage_error("give the statement either as an argument or with --file, not both");
        std::ifstream in(o.file);
        if (!in) throw usage_error("cannot read " + o.file);
        std::stringstream ss;
        ss << in.rdbuf();
        sql = ss.str();
      }
      if (sql.empty()) throw usage_error("no statement: pgpx query \"select ...\" (see pgpx query --help)");
      const auto format = parse_result_format(o.format);
      for (const auto& p : o.params) params.add_text(p);

      if (o.write && ctx.dry_run())
        throw usage_error(
            "pgpx query --write cannot dry-run (the server would run the statement); run it "
            "without --dry-run, or without --write to read (nothing was sent)");
      if (!o.write) {
        // Checked on PostgreSQL's parse tree before anything is sent (cli/read_only.hpp).
        if (auto why = check_read_only(sql)) {
          error_info info;
          info.statement = sql;
          info.position = why->position;
          if (why->syntax_error) {
            info.sqlstate = "42601";
            throw pgpx::sql_error(why->reason, info);
          }
          info.sqlstate = "25006";  // read_only_sql_transaction, as the server says for a write
          info.hint =
              "pgpx query is read-only by default: only statements that read run (see pgpx query --help); "
              "add --write to run this one";
          throw pgpx::sql_error("read-only: " + why->reason + " is not allowed without --write", info);
        }
      }

      auto cx = ctx.connect();
      // Read-only on the server too: every transaction of the session, not only ours (in the
      // same round trip as the output settings).
      cx.execute_script(std::string(output_session_settings) +
                        (o.write ? "" : "; SET default_transaction_read_only = on"));
      pgpx::result r;
      {
        pgpx::transaction tx{cx, {.read_only = !o.write}};
        try {
          r = cx.run_text(sql, params);
        } catch (const pgpx::sql_error& e) {
          if (e.sqlstate() == "25006" && !o.write) {
            error_info info = e.info();
            info.hint = "pgpx query is read-only by default; add --write to allow changes";
            throw pgpx::sql_error(e.message(), info);
          }
          throw;
        }
        tx.commit();
      }
      const auto facts = lookup_types(cx, r);
      print_result(std::cout, r, format, facts);
      return 0;
    };
  });
}

}  // namespace pgpx::cli
