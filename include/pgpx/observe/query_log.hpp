// pgpx/observe/query_log.hpp: the query log, a query hook that writes each statement.
//
// Each statement becomes one debug-level event on the "pgpx.sql" logger with its SQL text,
// duration, row count and error. With parameters enabled (or when the logger is at trace),
// the parameter values are included, and those whose name looks secret (password, token,
// api_key..., see pgpx::is_secret_name) are masked as "********" unless `secrets` is set.
//
//   pgpx::set_default_query_hook(pgpx::observe::make_query_log_hook({.parameters = true}));
//
// Parameter names come from pgpx::param_list::names() when the caller named them, and are
// otherwise inferred from the SQL text: `password = $2`, `"token" = $1`, `f(secret := $1)`,
// `status in ($1, $2)` and INSERT column lists (`insert into t (email, password) values
// ($1, $2)`). When a parameter appears under several names, a secret-looking one wins, so
// masking errs on the safe side. The SQL text itself never contains bound values.
#pragma once

#include <pgpx/core/hooks.hpp>
#include <pgpx/export.hpp>
#include <pgpx/types/codec.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::observe {

/// What the query log shows.
struct query_log_options {
  /// Include parameter values (also done whenever the logger is at trace level).
  bool parameters = false;
  /// Show the values of secret-named parameters instead of "********".
  bool secrets = false;
  /// Where to write; nullptr means query_logger() at the time the hook is made.
  std::shared_ptr<spdlog::logger> logger = nullptr;
};

/**
 * A query hook writing the query log: on_query logs each statement at debug level (fields
 * "sql", "duration_ms", "rows", "prepared", and "params", "error", "sqlstate" when present);
 * on_notice logs server notices on the "pgpx" logger (WARNING at warn, others at info).
 * The hook asks connections for parameter texts (wants_parameters) only when it will show
 * them. Never throws.
 */
[[nodiscard]] PGPX_API auto make_query_log_hook(const query_log_options& options = {})
    -> std::shared_ptr<const query_hook>;

/**
 * Names for the parameters $1..$count of `sql`, inferred from the text; "" where unknown.
 * Recognises `column <op> $n` and `$n <op> column` (=, <>, !=, <, >, <=, >=, :=, =>, like,
 * ilike; qualified and quoted column names; `::type` casts), `column in ($a, $b)` and
 * INSERT column lists matched with VALUES rows. String literals (including E'' and
 * dollar-quoted), quoted identifiers and comments are skipped, never misread.
 */
[[nodiscard]] PGPX_API auto infer_parameter_names(std::string_view sql, std::size_t count) -> std::vector<std::string>;

/// The names of `params`: param_list::names() where given, inferred from `sql` elsewhere.
[[nodiscard]] PGPX_API auto parameter_names(std::string_view sql, const param_list& params) -> std::vector<std::string>;

/**
 * The parameter values as the query log shows them: the text of each value, null for SQL
 * NULL, "********" for secret-named parameters unless `show_secrets`. Empty when the list
 * did not capture texts (param_list::capture_text).
 */
[[nodiscard]] PGPX_API auto loggable_parameters(std::string_view sql, const param_list& params, bool show_secrets)
    -> nlohmann::json;

}  // namespace pgpx::observe
