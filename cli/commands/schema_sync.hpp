// cli/commands/schema_sync.hpp: `pgpx schema sync`, the live database made like a desired
// schema (defined in commands/schema_sync.cpp, registered by `pgpx schema`).
#pragma once

#include "../context.hpp"
#include "commands.hpp"

namespace pgpx::cli {

/// Adds `sync` to the `pgpx schema` command `schema`.
void add_schema_sync_command(CLI::App& schema, context& ctx, action_fn& action);

}  // namespace pgpx::cli
