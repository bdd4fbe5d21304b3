// pgpx/ext/session.hpp: enabled plugins' server settings on every connection a program opens.
//
//   auto& reg = pgpx::ext::registry::global();
//   reg.configure(cfg);                                  // [extensions.pg_trgm] similarity_threshold = 0.4
//   auto pool = pgpx::pool::open(pgpx::ext::with_settings(cfg.connection()), options);
//   // every pooled connection, replacements and resets included, has the settings
//
// with_settings adds `-c guc=value` to the conninfo's `options` keyword for every GUC setting
// (setting_spec::guc) of every enabled plugin: the server applies them when the session
// starts, so they hold on every connection opened from that conninfo, and RESET ALL or the
// pool's DISCARD ALL return to them (they are the session's defaults) instead of dropping
// them. Statements (registry::settings_statements with apply_settings) are the way for one
// connection already open, and for transaction-scoped settings.
#pragma once

#include <pgpx/config/conninfo.hpp>
#include <pgpx/export.hpp>
#include <pgpx/ext/registry.hpp>

#include <string>
#include <utility>
#include <vector>

namespace pgpx::ext {

/// The GUC settings of `reg`'s enabled plugins: (GUC name, value as text), by plugin name,
/// then in the order of each plugin's settings_spec. Only keys with a `guc` and a value.
[[nodiscard]] PGPX_API auto session_settings(const registry& reg) -> std::vector<std::pair<std::string, std::string>>;

/**
 * `info` with session_settings(reg) appended to its `options` keyword as `-c name=value`
 * (white space and backslashes in values escaped as libpq requires). When `info` has no
 * `options`, PGOPTIONS (which libpq would have read) is kept in front. Throws extension_error
 * (bad_settings) naming the plugin for a GUC name that is not a plain dotted identifier;
 * `info` is not changed. Never logs the conninfo.
 */
[[nodiscard]] PGPX_API auto with_settings(conninfo info, const registry& reg = registry::global()) -> conninfo;

}  // namespace pgpx::ext
