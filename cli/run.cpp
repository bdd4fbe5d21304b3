// cli/run.cpp: the pgpx command line (pgpx::cli::application::run); cli/main.cpp is `pgpx`.
#include "commands/commands.hpp"
#include "context.hpp"
#include "exit_codes.hpp"
#include "interrupt.hpp"
#include "output.hpp"
#include "redaction.hpp"

#include <pgpx/cli/application.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/error.hpp>
#include <pgpx/version.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <iostream>
#include <sstream>

namespace {

// Prints an error the way every command does: message, SQL position, detail and hint.
void print_error(const pgpx::error& e) {
  std::cerr << "pgpx: error: " << pgpx::redact(e.message());
  if (!e.sqlstate().empty()) std::cerr << " (SQLSTATE " << e.sqlstate() << ")";
  std::cerr << "\n";
  const auto& info = e.info();
  if (!info.statement.empty() && info.position > 0) {
    // Show the line of the statement with a caret under the error position.
    const auto& sql = info.statement;
    std::size_t pos = static_cast<std::size_t>(info.position - 1);
    std::size_t line_start = sql.rfind('\n', pos == 0 ? 0 : pos - 1);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    std::size_t line_end = sql.find('\n', pos);
    if (line_end == std::string::npos) line_end = sql.size();
    const auto line_no = 1 + std::count(sql.begin(), sql.begin() + static_cast<std::ptrdiff_t>(line_start), '\n');
    const std::string prefix = "  LINE " + std::to_string(line_no) + ": ";
    std::cerr << prefix << pgpx::redact(sql.substr(line_start, line_end - line_start)) << "\n"
              << std::string(prefix.size() + (pos - line_start), ' ') << "^\n";
  }
  if (!info.detail.empty()) std::cerr << "  detail: " << pgpx::redact(info.detail) << "\n";
  if (!info.hint.empty()) std::cerr << "  hint: " << pgpx::redact(info.hint) << "\n";
}

// After SIGINT/SIGTERM/SIGHUP: the statement was cancelled (cli/interrupt.hpp); 128 + signal.
auto report_interrupt(int sig) -> int {
  const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
  std::cout << std::flush;
  std::cerr << "pgpx: interrupted by " << name << "; the running statement was cancelled\n" << std::flush;
  return 128 + sig;
}

// CLI11's messages (help, usage errors) may quote the command line: they are written
// through the redaction of cli/redaction.hpp like everything else.
auto exit_redacted(const CLI::App& app, const CLI::Error& e) -> int {
  std::ostringstream out;
  std::ostringstream err;
  const int code = app.exit(e, out, err);
  std::cout << pgpx::cli::redact_message(out.str(), pgpx::cli::known_secrets()) << std::flush;
  std::cerr << err.str() << std::flush;
  return code;
}

}  // namespace

namespace pgpx::cli {

auto application::run(int argc, char** argv) const -> int {
  using pgpx::cli::exit_code;
  // Before anything can print: no message of this process ever shows a secret.
  pgpx::cli::install_stderr_redaction(pgpx::cli::collect_secrets(std::vector<std::string>(argv + 1, argv + argc)));
  pgpx::cli::install_interrupt_handlers();
  CLI::App app{description_.empty()
                   ? name_ + ": the PostgreSQL toolkit for C++ (connections, queries, local server, configuration)"
                   : name_ + ": " + description_,
               name_};
  app.set_version_flag("--version", std::string("pgpx ") + pgpx::version_string);
  app.require_subcommand(1);
  // Global flags (--url, -e, -v, --log-format...) are accepted before or after the command,
  // as psql, sqlx and Atlas accept them: every subcommand passes what it does not know up.
  app.fallthrough();
  app.footer(
      "Examples:\n"
      "  pgpx demo                                 # a tour on a local PostgreSQL\n"
      "  pgpx dev up                               # start this project's PostgreSQL\n"
      "  pgpx query \"select * from books\" --format json\n"
      "  pgpx -e production config show\n"
      "  pgpx migrate lint                         # check migrations/ for risky statements\n"
      "  pgpx up                                   # apply pending migrations (pgpx migrate apply)\n"
      "Run `pgpx help <command>` for a command's options and examples.\n"
      "Exit codes: 0 ok, 1 error, 2 usage, 3 pending migrations, 4 checksum/integrity, 5 lint failure, 6 lock timeout,\n"
      "  7 drift, 8 cannot connect, 9 SQL error, 10 invalid input, 11 timeout, 12 dirty migration state.");

  pgpx::cli::global_options g;
  g.models = models_;
  app.add_option("-c,--config", g.config_file, "Configuration file (default: pgpx.toml, searched upward)");
  app.add_option("-e,--env", g.env, "Environment block of pgpx.toml (default: PGPX_ENV, else development)");
  app.add_option("--url", g.url, "Database URL or keyword/value string; overrides every other source");
  app.add_flag("-v,--verbose", g.verbosity, "More logging: -v info, -vv debug, -vvv trace (every statement)");
  app.add_flag("-q,--quiet", g.quiet, "Only errors");
  app.add_option("--log-format", g.log_format, "Log lines as text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-y,--yes", g.yes, "Answer yes to confirmations (needed without a terminal)");
  app.add_flag("--dry-run", g.dry_run,
               "Mutating commands print their plan and write nothing (those that cannot plan refuse, exit 2)");
  app.add_option("--lock-timeout", g.lock_timeout,
                 "lock_timeout of every session, e.g. 5s (migrate: also how long to wait for the migration lock)");
  app.add_option("--statement-timeout", g.statement_timeout, "statement_timeout of every session, e.g. 30s");
  app.add_option("--application-name", g.application_name, "application_name of every session");

  pgpx::cli::context ctx{g};
  pgpx::cli::action_fn action;
  pgpx::cli::add_demo_command(app, ctx, action);
  pgpx::cli::add_dev_command(app, ctx, action);
  pgpx::cli::add_init_command(app, ctx, action);
  pgpx::cli::add_query_command(app, ctx, action);
  pgpx::cli::add_config_command(app, ctx, action);
  pgpx::cli::add_template_command(app, ctx, action);
  pgpx::cli::add_migrate_command(app, ctx, action);
  pgpx::cli::add_extension_command(app, ctx, action);
  pgpx::cli::add_db_command(app, ctx, action);
  pgpx::cli::add_schema_command(app, ctx, action);
  pgpx::cli::add_seed_command(app, ctx, action);
  pgpx::cli::add_model_command(app, ctx, action);

  std::vector<std::string> help_topic;
  auto* help = app.add_subcommand("help", "Show help for pgpx or for a command (pgpx help dev up)");
  help->add_option("command", help_topic, "The command");
  help->callback([&] {
    action = [&] {
      const CLI::App* target = &app;
      for (const auto& name : help_topic) {
        const CLI::App* next = nullptr;
        for (const auto* sub : target->get_subcommands([](const CLI::App*) { return true; }))
          if (sub->get_name() == name) next = sub;
        if (next == nullptr) {
          std::cerr << "pgpx: no command \"" << name << "\"; run `pgpx help`\n";
          return static_cast<int>(exit_code::usage);
        }
        target = next;
      }
      // The formatter directly: App::help() would follow the parsed subcommand (`help` itself).
      std::string name = name_;
      for (const auto& t : help_topic) name += " " + t;
      std::cout << pgpx::cli::redact_message(
          target->get_formatter()->make_help(target, name, CLI::AppFormatMode::Normal), pgpx::cli::known_secrets());
      return 0;
    };
  });

  pgpx::cli::add_completion_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return exit_redacted(app, e);
  } catch (const CLI::CallForAllHelp& e) {
    return exit_redacted(app, e);
  } catch (const CLI::CallForVersion& e) {
    return exit_redacted(app, e);
  } catch (const CLI::ParseError& e) {
    exit_redacted(app, e);
    return static_cast<int>(exit_code::usage);
  }
  // CLI11 reads the global flags during parsing; the context copies them now.
  ctx = pgpx::cli::context{g};
  // The command given accepts --format and was given json: its errors are also printed as a
  // JSON object on stdout (docs/cli.md "JSON output"), after the text on stderr.
  bool json_errors = false;
  for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    if (const auto* opt = at->get_option_no_throw("--format"); opt != nullptr && opt->count() > 0)
      json_errors = opt->results().back() == "json";
  }
  const auto print_json_error = [&](const nlohmann::json& error) {
    if (!json_errors || pgpx::cli::error_in_json_report()) return;
    std::cout << nlohmann::json{{"error", error}}.dump() << "\n" << std::flush;
  };
  try {
    ctx.setup_logging();
    ctx.check_flags();
    if (g.dry_run) {
      std::string path;  // the command given, "migrate apply"
      for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
        at = at->get_subcommands().front();
        path += (path.empty() ? "" : " ") + at->get_name();
      }
      if (const auto why = pgpx::cli::dry_run_refusal(path)) throw pgpx::usage_error(*why);
    }
    const int code = action ? action() : 0;
    if (const int sig = pgpx::cli::interrupted_by(); sig != 0) return report_interrupt(sig);
    // A command that reported its failure itself (pgpx::cli::returned_error) and returned the code.
    if (code != 0)
      if (auto j = pgpx::cli::returned_error_json(); !j.is_null()) print_json_error(j);
    return code;
  } catch (const pgpx::error& e) {
    if (const int sig = pgpx::cli::interrupted_by(); sig != 0) return report_interrupt(sig);
    print_error(e);
    print_json_error(pgpx::cli::error_json(e));
    return static_cast<int>(pgpx::cli::exit_code_for(e));
  } catch (const std::exception& e) {
    if (const int sig = pgpx::cli::interrupted_by(); sig != 0) return report_interrupt(sig);
    std::cerr << "pgpx: error: " << pgpx::redact(e.what()) << "\n";
    print_json_error(pgpx::cli::error_json(e));
    return static_cast<int>(exit_code::error);
  }
}

}  // namespace pgpx::cli
