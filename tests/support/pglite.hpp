// tests/support/pglite.hpp: a PGlite server (PostgreSQL 17 compiled to WebAssembly, with
// pgvector, pg_trgm and citext loaded) for the tests of plugins whose extension Debian does not
// package, and for introspection on a second major version.
//
// PGlite comes from npm (tools/pglite, installed by `scripts/run setup` with `npm ci`). Under
// ctest the "pglite.start" fixture runs one `pglite-server -e vector` for all tests; a test
// binary run alone starts its own on first use, stopped when the process exits. The
// database is in memory and shared, and PGlite runs ONE session for all its connections
// (kept from one connection to the next): tests take turns (ctest RESOURCE_LOCK
// pgpx_pglite), open one connection at a time, and start with `discard all`.
#pragma once

#include <pgpx/config/conninfo.hpp>

#include <string>

namespace pgpx::test {

/// Connection parameters of this process's PGlite server (started on first use). Throws
/// std::runtime_error naming what is missing when PGlite is not installed or does not start.
[[nodiscard]] auto pglite_conninfo() -> pgpx::conninfo;

/// The pglite-server program the tests run, or "" when tools/pglite has no node_modules.
[[nodiscard]] auto pglite_server_path() -> std::string;

/// The "pglite.start" fixture: starts a server for the whole ctest run, detached, and writes
/// its pid and port into `run_dir` (where pglite_conninfo() finds them through the
/// PGPX_PGLITE_RUN_DIR environment variable). Returns the port.
auto start_pglite(const std::string& run_dir) -> int;
/// The "pglite.stop" fixture: stops the server recorded in `run_dir`.
void stop_pglite(const std::string& run_dir);

}  // namespace pgpx::test
