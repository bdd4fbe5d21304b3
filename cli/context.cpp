#include "context.hpp"

#include "embedded.hpp"
#include "interrupt.hpp"

#include <pgpx/core/configured.hpp>
#include <pgpx/observe/log.hpp>

#include <unistd.h>

#include <iostream>
#include <set>

namespace pgpx::cli {

auto context::config_options() const -> pgpx::config_options {
  pgpx::config_options o;
  if (!options_.url.empty()) o.url = options_.url;
  if (!options_.env.empty()) o.env = options_.env;
  if (!options_.config_file.empty()) o.file = options_.config_file;
  return o;
}

auto context::config() -> pgpx::config& {
  if (!config_) config_ = pgpx::config::load(config_options());
  return *config_;
}

void context::confirm(const std::string& what) const {
  if (options_.yes) return;
  if (::isatty(0) == 0) throw usage_error(what + "; confirm with --yes (stdin is not a terminal; nothing was changed)");
  std::cerr << what << ".\nType 'yes' to continue: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "yes") throw usage_error("not confirmed: nothing was changed");
}

void context::setup_logging() {
  // Logging must work even when the configuration is broken: the error is reported later.
  pgpx::log_settings settings;
  try {
    settings = config().log_settings();
  } catch (const pgpx::error&) {
  }
  auto o = pgpx::observe::log_options::from(settings);
  if (options_.verbosity > 0 || options_.quiet)
    o.level = pgpx::observe::level_from_verbosity(options_.verbosity, options_.quiet);
  if (!options_.log_format.empty()) {
    if (auto f = pgpx::parse_log_format(options_.log_format)) o.format = *f;
    else throw pgpx::usage_error("--log-format must be text or json, not \"" + options_.log_format + "\"");
  }
  // Through std::cerr, whose filter masks the run's known secrets (cli/redaction.hpp), and in
  // order with the command's own messages; spdlog's own stderr sink would bypass both.
  o.stream = &std::cerr;
  pgpx::observe::setup_logging(o);
}

auto context::resolve_connection() -> pgpx::conninfo {
  auto& cfg = config();
  if (cfg.uses_embedded()) {
    embedded_cluster local{cfg};
    if (!local.running() || !cfg.refresh_embedded()) {
      note("starting the project's local PostgreSQL (pgpx dev up) in " + local.state_dir().string());
      local.up();
      cfg.refresh_embedded();
    }
  }
  auto ci = cfg.connection();
  apply_session(ci);
  return ci;
}

void context::check_flags() {
  const auto parse = [](const std::string& flag, const std::string& text) -> std::optional<std::chrono::milliseconds> {
    if (text.empty()) return std::nullopt;
    auto d = pgpx::try_parse_duration(text);
    if (!d) throw pgpx::usage_error(flag + ": " + d.diag().message);
    return *d;
  };
  session_.lock_timeout = parse("--lock-timeout", options_.lock_timeout);
  session_.statement_timeout = parse("--statement-timeout", options_.statement_timeout);
}

void context::apply_session(pgpx::conninfo& ci) const {
  if (!options_.application_name.empty()) ci.set("application_name", options_.application_name);
  // Server settings of the session through libpq's `options` (-c name=value), after any the
  // connection already has: the last one wins. Durations in ms contain no space to escape.
  std::string extra;
  if (session_.lock_timeout) extra += " -c lock_timeout=" + std::to_string(session_.lock_timeout->count());
  if (session_.statement_timeout)
    extra += " -c statement_timeout=" + std::to_string(session_.statement_timeout->count());
  if (extra.empty()) return;
  const auto before = ci.get("options");
  ci.set("options", before.empty() ? extra.substr(1) : before + extra);
}

auto dry_run_refusal(const std::string& path) -> std::optional<std::string> {
  // Commands that honour the global --dry-run (they plan and write nothing) or only read.
  static const std::set<std::string, std::less<>> allowed = {"init",
                                                             "migrate apply",
                                                             "migrate rollback",
                                                             "migrate redo",
                                                             "migrate mark",
                                                             "migrate baseline",
                                                             "migrate repair",
                                                             "migrate create",
                                                             "migrate hash",
                                                             "migrate status",
                                                             "migrate validate",
                                                             "migrate lint",
                                                             "up",
                                                             "down",
                                                             "new",
                                                             "db create",
                                                             "db drop",
                                                             "db reset",
                                                             "db wait",
                                                             "extension list",
                                                             "extension info",
                                                             "extension install",
                                                             "extension upgrade",
                                                             "extension update",
                                                             "extension uninstall",
                                                             "query",
                                                             "template list",
                                                             "template check",
                                                             "template render",
                                                             "config show",
                                                             "config validate",
                                                             "config path",
                                                             "schema export",
                                                             "schema diff",
                                                             "schema sync",
                                                             "schema diagram",
                                                             "migrate diff",
                                                             "migrate import",
                                                             "seed run",
                                                             "dev status",
                                                             "help",
                                                             "completion"};
  if (path.empty() || allowed.contains(path) || path.starts_with("completion ")) return std::nullopt;
  return "pgpx " + path +
         " cannot dry-run, and --dry-run promises that nothing is written; run it without "
         "--dry-run (nothing was done)";
}

auto context::connect() -> pgpx::connection {
  auto ci = resolve_connection();
  pgpx::connection cx(ci, pgpx::connection_options_of(config()));
  cancel_on_interrupt(cx);  // Ctrl-C/SIGTERM cancel its statement before pgpx exits
  return cx;
}

void context::note(const std::string& line) const {
  if (!options_.quiet) std::cerr << line << "\n";
}

}  // namespace pgpx::cli
