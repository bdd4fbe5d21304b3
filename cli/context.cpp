#include "context.hpp"

#include "embedded.hpp"
#include "interrupt.hpp"

#include <pgpx/core/configured.hpp>
#include <pgpx/observe/log.hpp>

#include <iostream>

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
  if (!cfg.uses_embedded()) return cfg.connection();
  embedded_cluster local{cfg};
  if (!local.running() || !cfg.refresh_embedded()) {
    note("starting the project's local PostgreSQL (pgpx dev up) in " + local.state_dir().string());
    local.up();
    cfg.refresh_embedded();
  }
  return cfg.connection();
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
