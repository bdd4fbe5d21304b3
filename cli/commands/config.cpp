// pgpx config show|validate: the resolved configuration, with secrets masked.
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "commands.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <string>
#include <string_view>

namespace pgpx::cli {

void add_config_command(CLI::App& app, context& ctx, action_fn& action) {
  auto* cfg = app.add_subcommand("config", "Show or check the configuration (pgpx.toml, environment)");
  cfg->require_subcommand(1);
  cfg->footer(
      "Examples:\n"
      "  pgpx config show              # where the connection comes from, secrets masked\n"
      "  pgpx config show --format json\n"
      "  pgpx -e production config show\n"
      "  pgpx config validate          # check every environment block of pgpx.toml\n"
      "Precedence: --url > PGPX_DATABASE_URL > DATABASE_URL > PG* variables > pgpx.toml [env.<name>] > "
      "the local server (pgpx dev up).");

  static std::string show_format = "text";
  auto* show = cfg->add_subcommand("show", "Print the resolved configuration (secrets masked)");
  show->add_option("--format", show_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  show->callback([&] {
    action = [&] {
      const auto text = ctx.config().describe();
      if (show_format != "json") {
        std::cout << text;
        return 0;
      }
      // The rows of the text form ("key:  value"), so masked exactly as it is; keys with `_`
      // for spaces ("config_file", "secret_password", "log.level").
      nlohmann::json rows = nlohmann::json::object();
      std::size_t at = 0;
      while (at < text.size()) {
        auto nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        const auto line = std::string_view(text).substr(at, nl - at);
        at = nl + 1;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string key(line.substr(0, colon));
        for (auto& c : key)
          if (c == ' ') c = '_';
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        rows[key] = std::string(value);
      }
      print_json_report({{"action", "config show"}, {"config", rows}});
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
