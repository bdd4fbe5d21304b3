// pgpx/core/tls_policy.hpp: the TLS policy a connection applies to its parameters before
// connecting (docs/reliability.md, "TLS").
//
//   auto ci = pgpx::conninfo::parse("postgresql://app@db.example.org/app");
//   for (const auto& w : pgpx::apply_tls_policy(ci)) std::clog << w << '\n';
//   // ci now has sslmode=require; the warning says to use verify-full
//
// pgpx::connection and pgpx::async_connection apply it themselves; call it to see what they
// will do.
#pragma once

#include <pgpx/config/conninfo.hpp>
#include <pgpx/export.hpp>

#include <string>
#include <vector>

namespace pgpx {

/**
 * pgpx's TLS policy for a connection. It looks at the options libpq would end up with, from
 * every source in libpq's order (the keywords in `info`, the service file named by service=
 * or PGSERVICE, the PG* environment variables, libpq's defaults), so it sees hosts and
 * sslmodes that come from PGHOST, PGHOSTADDR, PGSSLMODE or a service file too.
 *
 * A host is local when it is a Unix-socket directory, libpq's default socket, `localhost`
 * or a literal loopback address (127.0.0.0/8, ::1), and its hostaddr, if any, is a
 * loopback address; a name that merely starts with "127." is not local. When any host of
 * the list is not local:
 *   - an sslmode no source chose (libpq's default, prefer) is raised to require;
 *   - an sslmode some source chose is kept: the policy only ever raises, it never replaces
 *     verify-full or verify-ca from PGSSLMODE or a service file by something weaker;
 *   - a warning is returned unless the final sslmode is verify-full (the only mode that
 *     checks the server's identity).
 * Changes `info` in place (only ever by setting sslmode=require); returns the warnings.
 */
[[nodiscard]] PGPX_API auto apply_tls_policy(conninfo& info) -> std::vector<std::string>;

}  // namespace pgpx
