// pgpx/ext/stat_statements.hpp: the pg_stat_statements view as a typed API.
//
//   for (const auto& s : pgpx::stat_statements::top(cx, 10))            // by total time
//     std::cout << s.calls << " calls, " << s.mean_exec_ms << " ms: " << s.query << "\n";
//   pgpx::stat_statements::reset(cx);
//
// The extension must be in shared_preload_libraries (a server restart) and created in the
// database. `query` is the server's normalised text ($1 in place of constants), so no value
// a statement was run with appears in it.
#pragma once

#include <pgpx/error.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace pgpx::stat_statements {

/// One normalised statement's statistics (pg_stat_statements, PostgreSQL 13+ columns).
struct statement_stats {
  std::int64_t queryid = 0;
  std::string query;             ///< normalised text
  std::int64_t calls = 0;
  double total_exec_ms = 0;      ///< total_exec_time
  double mean_exec_ms = 0;       ///< mean_exec_time
  double max_exec_ms = 0;        ///< max_exec_time
  std::int64_t rows = 0;
  std::int64_t shared_blks_hit = 0;
  std::int64_t shared_blks_read = 0;
};

/// What top() orders by.
enum class order { total_time, mean_time, calls, rows };

/// The `limit` statements with the most `by`, of the current database (all users).
template <class Ex>
auto top(Ex& ex, int limit, order by = order::total_time) -> std::vector<statement_stats> {
  if (limit < 1) throw usage_error("pgpx::stat_statements::top: the limit must be positive");
  const char* column = by == order::total_time  ? "total_exec_time"
                       : by == order::mean_time ? "mean_exec_time"
                       : by == order::calls     ? "calls"
                                                : "rows";
  // The ORDER BY column is one of four constants above, never input.
  return ex.template query<statement_stats>(
      std::string("select queryid, query, calls, total_exec_time as total_exec_ms, mean_exec_time as "
                  "mean_exec_ms, max_exec_time as max_exec_ms, rows, shared_blks_hit, shared_blks_read "
                  "from pg_stat_statements where dbid = (select oid from pg_database where datname = "
                  "current_database()) order by ") +
          column + " desc, queryid limit $1",
      static_cast<std::int64_t>(limit));
}

/// `pg_stat_statements_reset()`: forgets every statistic (needs the privilege).
template <class Ex>
void reset(Ex& ex) {
  ex.execute("select pg_stat_statements_reset()");
}

}  // namespace pgpx::stat_statements
