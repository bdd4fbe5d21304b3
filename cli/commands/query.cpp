// pgpx query SQL [--param V]... [--format table|json|csv|ndjson] [--write]
#include "../exit_codes.hpp"
#include "../output.hpp"
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
  q->add_flag("--write", o.write, "Allow writes (otherwise the statement runs in a READ ONLY transaction)");
  q->footer(
      "Examples:\n"
      "  pgpx query \"select now(), version()\"\n"
      "  pgpx query \"select * from books where id = $1\" --param 42 --format json\n"
      "  pgpx query \"update books set title = $1 where id = $2\" -p \"New title\" -p 42 --write\n"
      "  pgpx query -f report.sql --format csv > report.csv\n"
      "JSON: numbers as numbers, numeric as exact strings, timestamps in ISO 8601 (timestamptz in UTC\n"
      "with Z), intervals as ISO 8601 durations, json embedded, arrays nested, NULL as null.");
  q->callback([&] {
    action = [&]() -> int {
      std::string sql = o.sql;
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
      pgpx::param_list params;
      params.capture_text(true);  // the query log (-vvv) shows them, secret-looking ones masked
      for (const auto& p : o.params) params.add_text(p);

      auto cx = ctx.connect();
      cx.execute_script(output_session_settings);
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
