// cli/commands/commands.hpp: each command registers itself on the CLI11 application.
// A command's parse callback stores the action to run in `action`; main() runs it after
// parsing, so that errors are handled in one place.
#pragma once

#include "../context.hpp"

#include <pgpx/tmpl/library.hpp>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pgpx::cli {

/// What main() runs after parsing: returns the process exit code.
using action_fn = std::function<int()>;

void add_dev_command(CLI::App& app, context& ctx, action_fn& action);
/// pgpx init (init.cpp).
void add_init_command(CLI::App& app, context& ctx, action_fn& action);
void add_config_command(CLI::App& app, context& ctx, action_fn& action);
void add_query_command(CLI::App& app, context& ctx, action_fn& action);
void add_demo_command(CLI::App& app, context& ctx, action_fn& action);
void add_template_command(CLI::App& app, context& ctx, action_fn& action);
/// `pgpx migrate ...` (commands/migrate.cpp: lint; the rest from add_migrate_run_commands).
void add_migrate_command(CLI::App& app, context& ctx, action_fn& action);
/// `pgpx extension list|info|install|upgrade|uninstall` (commands/extension.cpp).
void add_extension_command(CLI::App& app, context& ctx, action_fn& action);
/// The database verbs of `pgpx migrate` (create, apply, rollback, redo, status, validate, hash,
/// mark, baseline, repair) on `migrate`, and the aliases `pgpx new|up|down` on `app`
/// (commands/migrate_run.cpp).
void add_migrate_run_commands(CLI::App& app, CLI::App& migrate, context& ctx, action_fn& action);
/// `pgpx migrate import --from TOOL DIR` on `migrate` (commands/migrate_import.cpp).
void add_migrate_import_command(CLI::App& migrate, context& ctx, action_fn& action);
/// `pgpx db create|drop|reset|wait` (commands/db.cpp).
void add_db_command(CLI::App& app, context& ctx, action_fn& action);
/// `pgpx schema export|diff|sync|diagram` (commands/schema.cpp, schema_sync.cpp, schema_diagram.cpp).
void add_schema_command(CLI::App& app, context& ctx, action_fn& action);
/// `pgpx schema diagram` on `schema` (commands/schema_diagram.cpp).
void add_schema_diagram_command(CLI::App& schema, context& ctx, action_fn& action);
/// `pgpx seed create|run` (commands/seed.cpp).
void add_seed_command(CLI::App& app, context& ctx, action_fn& action);
/// `pgpx model create` (commands/model.cpp).
void add_model_command(CLI::App& app, context& ctx, action_fn& action);
/// `pgpx completion bash|zsh|fish`; register it last: it describes the commands added before.
void add_completion_command(CLI::App& app, action_fn& action);

// Shared by `pgpx template` and `pgpx query -t` (defined in commands/template.cpp).

/// Parses `--var k=v` (JSON when valid JSON, else a string) and `--vars-json` (an object,
/// or @file) into template variables. Throws usage_error.
auto parse_template_vars(const std::vector<std::string>& pairs, const std::string& json_text) -> tmpl::vars;
/// The project's template library: the -d/--dir directories, else <project>/queries.
auto open_template_library(context& ctx, const std::vector<std::string>& dirs) -> tmpl::library;
/// Prints a template error (bad input, nothing was sent) and returns exit code 10.
auto report_template_error(const tmpl::template_error& e) -> int;

// Shared by `pgpx migrate`, `pgpx extension` and `pgpx db reset` (defined in commands/migrate.cpp).

/// The whole content of file `p`; throws usage_error naming it when it cannot be read.
auto read_file(const std::filesystem::path& p) -> std::string;

/// The migrations directory: `given` (-d/--dir) when not empty, else <project>/migrations
/// (the working directory's without a usable configuration).
auto migrations_dir(context& ctx, const std::string& given) -> std::filesystem::path;

}  // namespace pgpx::cli
