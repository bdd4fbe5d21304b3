// cli/commands/commands.hpp: each command registers itself on the CLI11 application.
// A command's parse callback stores the action to run in `action`; main() runs it after
// parsing, so that errors are handled in one place.
#pragma once

#include "../context.hpp"

#include <CLI/CLI.hpp>

#include <functional>

namespace pgpx::cli {

/// What main() runs after parsing: returns the process exit code.
using action_fn = std::function<int()>;

void add_dev_command(CLI::App& app, context& ctx, action_fn& action);
void add_config_command(CLI::App& app, context& ctx, action_fn& action);
void add_query_command(CLI::App& app, context& ctx, action_fn& action);
void add_demo_command(CLI::App& app, context& ctx, action_fn& action);
void add_template_command(CLI::App& app, context& ctx, action_fn& action);

}  // namespace pgpx::cli
