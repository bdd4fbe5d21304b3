// cli/read_only.hpp: what `pgpx query` without --write promises, checked on PostgreSQL's own
// parse tree (libpg_query) before anything is sent.
//
// The promise: the statement has no effect beyond producing its rows — nothing in the database
// changes, no server file is read or written, no program runs on the server, no other
// session, the server's configuration or shared state is touched. Enforced in two layers:
//
//   1. Before sending, the statement is parsed with the PostgreSQL parser (libpg_query, the
//      server's grammar) and refused unless it is exactly one SELECT / VALUES / TABLE / WITH
//      (without data-modifying CTEs or SELECT INTO), SHOW, EXPLAIN of such a statement, or
//      COPY ... TO STDOUT; and refused when it calls a built-in function with effects outside
//      the result (pg_terminate_backend, pg_reload_conf, set_config, pg_read_file, lo_export,
//      dblink..., see docs/cli.md), wherever in the statement the call is.
//   2. On the server, the session is `default_transaction_read_only = on` and the statement
//      runs inside `BEGIN READ ONLY`: the server itself refuses every write, also those made
//      inside functions.
//
// What it cannot see: the bodies of user-defined functions, views and operators. Such code
// still cannot write (layer 2), but could call one of the functions above; for a guarantee
// against that, connect as a role without those privileges.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgpx::cli {

/// Why a statement may not run read-only.
struct read_only_refusal {
  std::string reason;          ///< e.g. "COPY to or from a server file or program"
  int position = 0;            ///< 1-based character position in the statement, 0 if none
  bool syntax_error = false;   ///< the statement does not parse (reason is the parser's message)
};

/// Checks `sql` against the read-only promise above; nullopt when it may run.
[[nodiscard]] auto check_read_only(std::string_view sql) -> std::optional<read_only_refusal>;

}  // namespace pgpx::cli
