// src/core/session_state_impl.hpp: pgpx's private questions about SQL text, answered by the real
// PostgreSQL parser (libpg_query). Not installed.
#pragma once

#include <pgpx/export.hpp>

#include <string_view>

namespace pgpx::detail {

/**
 * Whether a statement may leave state in the session that the next user of a pooled
 * connection must not see. True for SET/RESET (not SET LOCAL or SET TRANSACTION), SET ROLE
 * and SET SESSION AUTHORIZATION, LISTEN/UNLISTEN, PREPARE/EXECUTE/DEALLOCATE, DECLARE ...
 * WITH HOLD, CLOSE, LOAD, DISCARD, DO blocks, CALL, temporary objects (also through SELECT
 * INTO and pg_temp), and any call of a function that is not a builtin known to leave no
 * state (set_config, session advisory locks and every user function count as changing).
 * Text that does not parse counts as changing. Comments and layout make no difference.
 * Thread-safe; answers are remembered per thread.
 */
[[nodiscard]] PGPX_API auto changes_session(std::string_view sql) noexcept -> bool;

}  // namespace pgpx::detail
