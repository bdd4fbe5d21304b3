// pgpx/core/configured.hpp: connection settings from a loaded configuration.
//
//   auto cfg = pgpx::config::load();
//   pgpx::connection cx{cfg.connection(), pgpx::connection_options_of(cfg)};
//
// pgpx::config (module config) sits below the connection code and knows nothing of
// pgpx::connection_options; this is where the two meet.
#pragma once

#include <pgpx/config/config.hpp>
#include <pgpx/core/connection.hpp>
#include <pgpx/export.hpp>

namespace pgpx {

/// connection_options built from the settings of `cfg`: connect_timeout(), statement_timeout(),
/// statement_cache_capacity(); the other fields keep their defaults (hook: the current
/// default hook).
[[nodiscard]] PGPX_API auto connection_options_of(const config& cfg) -> connection_options;

}  // namespace pgpx
