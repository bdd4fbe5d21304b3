// pgpx/core/hooks.hpp: observing every statement a connection runs.
//
// A query hook sees each statement after it finished: its text, its duration, the rows it
// returned or affected, and the error if it failed. pgpx::observe installs one that writes
// the query log; applications can install their own (metrics, tracing).
//
//   auto hook = std::make_shared<pgpx::query_hook>();
//   hook->on_query = [](const pgpx::query_event& e) { metrics.observe(e.duration); };
//   pgpx::set_default_query_hook(hook);   // connections opened from now on use it
//
// Hooks must not throw: an exception escaping a hook is caught and dropped.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/types/codec.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace pgpx {

class error;

/// Which path ran a statement a query hook sees.
enum class query_source {
  statement,  ///< run, query, execute, command (blocking or async)
  batch,      ///< one statement of a pipeline batch (run_batch); duration counts from the batch's start
  stream,     ///< a streaming query (stream, async_stream), reported when it ends
  copy,       ///< a COPY (copy_in/out, copy_from/to, copy_writer/reader), reported when it ends
};

/// What a query hook sees of one statement.
struct query_event {
  std::string_view sql;                ///< the statement text (never contains bound values)
  const param_list* params = nullptr;  ///< the parameters; their texts only if wants_parameters
  std::chrono::nanoseconds duration{}; ///< from sending to the last result
  std::uint64_t rows = 0;              ///< rows returned or affected
  const error* failure = nullptr;      ///< the error, or nullptr on success
  bool prepared = false;               ///< true when a cached prepared statement ran
  query_source source = query_source::statement;  ///< the path that ran it
};

/// A set of callbacks a connection calls. Shared, immutable once installed.
struct query_hook {
  /// Called after each statement; must not throw.
  std::function<void(const query_event&)> on_query;
  /// Called with server NOTICE/WARNING messages ("severity: message"); must not throw.
  std::function<void(std::string_view severity, std::string_view message)> on_notice;
  /// When true, parameters carry their text form (costs time on every statement).
  bool wants_parameters = false;
};

/// Installs the hook that connections opened afterwards use by default (nullptr: none).
/// Thread-safe.
PGPX_API void set_default_query_hook(std::shared_ptr<const query_hook> hook);

/// The current default hook, or nullptr. Thread-safe.
[[nodiscard]] PGPX_API auto default_query_hook() -> std::shared_ptr<const query_hook>;

}  // namespace pgpx
