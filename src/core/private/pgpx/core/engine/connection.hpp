// pgpx/core/engine/connection.hpp (private to pgpx's sources, not installed): what the async
// module and the pool need of a connection's engine state beyond the public API.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/export.hpp>

namespace pgpx::detail {

/// Marks `cx` as driven by the async side: cleanups that would wait outside a fiber (in a
/// destructor on the event loop) are deferred to the connection's next use instead.
PGPX_API void mark_async(connection& cx, bool on = true) noexcept;
/// Whether `cx` holds deferred cleanups (see mark_async).
[[nodiscard]] PGPX_API auto has_deferred(const connection& cx) noexcept -> bool;
/// Runs the deferred cleanups now (waiting for the server; a cleanup's own server error is
/// dropped, a broken connection throws), then tells whether the connection is open: the
/// pool's first step when a connection comes back (one call on the hot path).
[[nodiscard]] PGPX_API auto usable_after_deferred(connection& cx) -> bool;

}  // namespace pgpx::detail
