// cli/interrupt.hpp: Ctrl-C (SIGINT), SIGTERM and SIGHUP end a pgpx command cleanly.
//
// The statement the command is running is cancelled on the server first (cancel requests for
// the connection the command opened last, repeated every 100 ms until the command ends, so
// that one arriving between two protocol steps cannot be lost), then the command ends with
// exit code 128 + the signal: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP. A signal while
// no connection is open ends the process at once with that code. If the command has not ended
// 5 seconds after the signal (a server that does not answer), or at a second signal, the
// process ends at once with that code too. See docs/cli.md.
#pragma once

#include <pgpx/core/connection.hpp>

namespace pgpx::cli {

/// Installs the handlers (once, early in main()). Programs run with exec() get the default
/// handlers back, as usual.
void install_interrupt_handlers();

/// From now on a signal cancels what `cx` runs (the previous connection is forgotten).
void cancel_on_interrupt(pgpx::connection& cx);

/// The signal that interrupted the command, or 0.
[[nodiscard]] auto interrupted_by() noexcept -> int;

}  // namespace pgpx::cli
