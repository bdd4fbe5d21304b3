// pgpx config show|validate: the resolved configuration, with secrets masked.
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "commands.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace pgpx::cli {

void add_config_command(CLI::App& app, context& ctx, action_fn& action) {
  auto* cfg = app.add_subcommand("config", "Show or check the configuration (pgpx.toml, environment)");
  cfg->require_subcommand(1);
  cfg->footer(
      "Examples:\n"
      "  pgpx config show              # where the connection comes from, secrets masked\n"
      "  pgpx -e production config show\n"
      "  pgpx config validate          # check every environment block of pgpx.toml\n"
      "Precedence: --url > PGPX_DATABASE_URL > DATABASE_URL > PG* variables > pgpx.toml [env.<name>] > "
      "the local server (pgpx dev up).");

  auto* show = cfg->add_subcommand("show", "Print the resolved configuration (secrets masked)");
  show->callback([&] {
    action = [&] {
      std::cout << ctx.config().describe();
      return 0;
    };
  });

  static std::string format = "text";
  auto* validate = cfg->add_subcommand("validate", "Check pgpx.toml and the environment; exit 10 on errors");
  validate->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}));
  validate->callback([&] {
    action = [&] {
      // validate_file reports what would stop loading too (syntax, an unknown --env), and
      // checks every environment block without running secret commands.
      const bool json = format == "json";
      int errors = 0;
      auto found = nlohmann::json::array();
      for (const auto& d : pgpx::config::validate_file(ctx.config_options())) {
        const bool warning = pgpx::config::is_warning(d);
        if (json)
          found.push_back({{"where", d.where},
                           {"line", d.line},
                           {"column", d.column},
                           {"message", d.message},
                           {"warning", warning}});
        else std::cerr << d.to_string() << "\n";
        if (!warning) ++errors;
      }
      nlohmann::json report = {{"action", "config validate"}, {"valid", errors == 0}, {"diagnostics", found}};
      if (errors > 0) {
        if (json) print_json_report(report);
        else std::cerr << errors << (errors == 1 ? " error" : " errors") << " in the configuration\n";
        return static_cast<int>(exit_code::validation);
      }
      const auto& c = ctx.config();
      if (json) {
        report["file"] = c.file() ? nlohmann::json(c.file()->string()) : nlohmann::json();
        print_json_report(report);
        return 0;
      }
      std::cout << "configuration is valid"
                << (c.file() ? " (" + c.file()->string() + ")" : std::string(" (no pgpx.toml found)")) << "\n";
      return 0;
    };
  });
}

}  // namespace pgpx::cli
