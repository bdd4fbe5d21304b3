// pgpx template list|check|render: being written.
#include "commands.hpp"

namespace pgpx::cli {

void add_template_command(CLI::App& app, context& ctx, action_fn& action) {
  (void)app;
  (void)ctx;
  (void)action;
}

}  // namespace pgpx::cli
