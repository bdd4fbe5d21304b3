// Whether a statement may change session state, read from its parse tree by libpg_query
// (the PostgreSQL 15 parser as a library): no text sniffing.
#include "session_state_impl.hpp"

#include <nlohmann/json.hpp>
#include <pg_query.h>

#include <algorithm>
#include <functional>
#include <array>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pgpx {

namespace detail {

namespace {

// Builtin functions that cannot leave state in the session; any other function (a user's,
// or one of the few builtins that can: set_config, session advisory locks, dblink...) makes
// a statement session-changing. Names, unqualified or in pg_catalog.
constexpr std::string_view inert_functions[] = {
    // aggregates and window functions
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "array_agg",
    "string_agg",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "bool_and",
    "bool_or",
    "every",
    "bit_and",
    "bit_or",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
    "corr",
    "covar_pop",
    "covar_samp",
    "regr_slope",
    "regr_intercept",
    "range_agg",
    "xmlagg",
    // strings
    "lower",
    "upper",
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "bit_length",
    "substr",
    "substring",
    "position",
    "strpos",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "lpad",
    "rpad",
    "replace",
    "concat",
    "concat_ws",
    "format",
    "left",
    "right",
    "repeat",
    "reverse",
    "split_part",
    "initcap",
    "translate",
    "ascii",
    "chr",
    "md5",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "encode",
    "decode",
    "quote_ident",
    "quote_literal",
    "quote_nullable",
    "regexp_replace",
    "regexp_match",
    "regexp_matches",
    "regexp_split_to_array",
    "regexp_split_to_table",
    "regexp_count",
    "regexp_like",
    "regexp_substr",
    "regexp_instr",
    "starts_with",
    "string_to_array",
    "array_to_string",
    "to_hex",
    "overlay",
    "normalize",
    "unistr",
    "convert_from",
    "convert_to",
    "to_char",
    "to_number",
    "to_date",
    "to_timestamp",
    "text",
    "similar_escape",
    // numbers
    "abs",
    "ceil",
    "ceiling",
    "floor",
    "round",
    "trunc",
    "mod",
    "power",
    "pow",
    "sqrt",
    "cbrt",
    "exp",
    "ln",
    "log",
    "log10",
    "sign",
    "div",
    "gcd",
    "lcm",
    "greatest",
    "least",
    "random",
    "width_bucket",
    "pi",
    "degrees",
    "radians",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "scale",
    "trim_scale",
    "min_scale",
    "factorial",
    "numeric",
    "float8",
    "int4",
    "int8",
    // dates and times
    "now",
    "current_timestamp",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "timeofday",
    "date_trunc",
    "date_part",
    "extract",
    "date_bin",
    "age",
    "make_date",
    "make_time",
    "make_timestamp",
    "make_timestamptz",
    "make_interval",
    "justify_days",
    "justify_hours",
    "justify_interval",
    "isfinite",
    "timezone",
    "to_timestamp",
    "generate_series",
    "overlaps",
    // json
    "to_json",
    "to_jsonb",
    "row_to_json",
    "array_to_json",
    "json_build_object",
    "jsonb_build_object",
    "json_build_array",
    "jsonb_build_array",
    "json_object",
    "jsonb_object",
    "json_array_length",
    "jsonb_array_length",
    "json_each",
    "jsonb_each",
    "json_each_text",
    "jsonb_each_text",
    "json_extract_path",
    "jsonb_extract_path",
    "json_extract_path_text",
    "jsonb_extract_path_text",
    "json_object_keys",
    "jsonb_object_keys",
    "json_array_elements",
    "jsonb_array_elements",
    "json_array_elements_text",
    "jsonb_array_elements_text",
    "json_typeof",
    "jsonb_typeof",
    "json_strip_nulls",
    "jsonb_strip_nulls",
    "jsonb_set",
    "jsonb_set_lax",
    "jsonb_insert",
    "jsonb_pretty",
    "jsonb_path_query",
    "jsonb_path_query_array",
    "jsonb_path_query_first",
    "jsonb_path_exists",
    "jsonb_path_match",
    "json_populate_record",
    "jsonb_populate_record",
    "json_populate_recordset",
    "jsonb_populate_recordset",
    "json_to_record",
    "jsonb_to_record",
    "json_to_recordset",
    "jsonb_to_recordset",
    // arrays and ranges
    "array_length",
    "array_lower",
    "array_upper",
    "array_ndims",
    "array_dims",
    "array_position",
    "array_positions",
    "array_append",
    "array_prepend",
    "array_cat",
    "array_remove",
    "array_replace",
    "array_fill",
    "cardinality",
    "unnest",
    "lower_inc",
    "upper_inc",
    "lower_inf",
    "upper_inf",
    "isempty",
    "range_merge",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    // misc
    "coalesce",
    "nullif",
    "gen_random_uuid",
    "uuid_generate_v4",
    "row",
    "exists",
    "pg_typeof",
    "num_nonnulls",
    "num_nulls",
    "current_setting",
    "current_database",
    "current_schema",
    "current_schemas",
    "current_user",
    "session_user",
    "pg_backend_pid",
    "version",
    "inet_client_addr",
    "inet_server_addr",
    "txid_current",
    "pg_current_xact_id",
    "pg_is_in_recovery",
    "pg_current_wal_lsn",
    "pg_last_wal_replay_lsn",
    "pg_notify",
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
    "nextval",
    "currval",
    "setval",
    "lastval",
    "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared",
    "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
    "to_tsvector",
    "to_tsquery",
    "plainto_tsquery",
    "phraseto_tsquery",
    "websearch_to_tsquery",
    "ts_rank",
    "ts_rank_cd",
    "ts_headline",
    "setweight",
    "similarity",
    "word_similarity",
    "host",
    "masklen",
    "family",
    "network",
    "broadcast",
    "hashtext",
    "pg_column_size",
    "pg_relation_size",
    "pg_total_relation_size",
    "pg_size_pretty",
    "pg_get_serial_sequence",
    "has_table_privilege",
    "pg_table_is_visible",
    "format_type",
    "obj_description",
    "col_description",
    "pg_get_expr",
    "pg_get_constraintdef",
    "pg_get_indexdef",
    "pg_get_viewdef",
    "pg_get_functiondef",
    "pg_get_triggerdef",
    "pg_get_userbyid",
    "pg_encoding_to_char",
    "pg_postmaster_start_time",
    "pg_conf_load_time",
    "pg_xact_commit_timestamp",
    "pg_xact_status",
    "txid_status",
    "pg_stat_get_activity",
    "pg_cancel_backend",
    "pg_terminate_backend",
    "pg_listening_channels",
    "pg_my_temp_schema",
    "pg_is_other_temp_schema",
    "pg_blocking_pids",
    "pg_column_compression",
    "pg_input_is_valid",
    "bool",
    "int2",
    "float4",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "interval",
    "bytea",
    "inet",
    "cidr",
    "uuid",
    "json",
    "jsonb",
};

auto is_inert_function(std::string_view name) -> bool {
  return std::find(std::begin(inert_functions), std::end(inert_functions), name) != std::end(inert_functions);
}

auto starts_with_temp(std::string_view s) -> bool { return s.size() >= 7 && (s.substr(0, 7) == "pg_temp"); }

// Statements whose kind leaves state in the session (settings, cursors, prepared
// statements, listeners, loaded libraries), or runs code we cannot see.
auto session_statement(const std::string& kind, const nlohmann::json& node) -> bool {
  static constexpr std::array kinds = {"DiscardStmt", "ListenStmt",     "UnlistenStmt", "PrepareStmt",
                                       "ExecuteStmt", "DeallocateStmt", "LoadStmt",     "DoStmt",
                                       "CallStmt",    "ClosePortalStmt"};
  if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) return true;
  if (kind == "VariableSetStmt") {
    // SET LOCAL and SET TRANSACTION end with their transaction; everything else (SET,
    // RESET, SET ROLE, SET SESSION AUTHORIZATION, SET SESSION CHARACTERISTICS) stays.
    if (node.value("is_local", false)) return false;
    return node.value("name", std::string()) != "TRANSACTION";
  }
  if (kind == "DeclareCursorStmt") return (node.value("options", 0) & 0x20) != 0;  // CURSOR_OPT_HOLD
  return false;
}

// Walks a parse tree: temporary objects, functions that are not known to be inert, objects
// in pg_temp.
auto touches_session(const nlohmann::json& j) -> bool {
  if (j.is_array()) {
    for (const auto& e : j)
      if (touches_session(e)) return true;
    return false;
  }
  if (!j.is_object()) return false;
  for (const auto& [k, v] : j.items()) {
    if (k == "relpersistence" && v.is_string() && v.get_ref<const std::string&>() == "t") return true;
    if (k == "schemaname" && v.is_string() && starts_with_temp(v.get_ref<const std::string&>())) return true;
    if (k == "FuncCall" && v.is_object()) {
      std::vector<std::string> name;
      for (const auto& part : v.value("funcname", nlohmann::json::array()))
        if (part.contains("String")) name.push_back(part["String"].value("sval", std::string()));
      const bool catalog = name.size() == 2 && name[0] == "pg_catalog";
      if (!(name.size() == 1 || catalog) || !is_inert_function(name.back())) return true;
    }
    if (touches_session(v)) return true;
  }
  return false;
}

auto classify(const std::string& sql) -> bool {
  PgQueryParseResult r = pg_query_parse(sql.c_str());
  std::unique_ptr<PgQueryParseResult, void (*)(PgQueryParseResult*)> guard(
      &r, [](PgQueryParseResult* p) { pg_query_free_parse_result(*p); });
  if (r.error != nullptr || r.parse_tree == nullptr) return true;  // unknown: assume it does
  const auto tree = nlohmann::json::parse(r.parse_tree, nullptr, false);
  if (tree.is_discarded()) return true;
  for (const auto& s : tree.value("stmts", nlohmann::json::array())) {
    const auto& stmt = s.contains("stmt") ? s["stmt"] : s;
    if (!stmt.is_object() || stmt.empty()) continue;
    const auto first = stmt.begin();  // the one key: the statement's node type
    const std::string& kind = first.key();
    const nlohmann::json& node = first.value();
    if (session_statement(kind, node)) return true;
    if (touches_session(node)) return true;
  }
  return false;
}

}  // namespace

auto changes_session(std::string_view sql) noexcept -> bool {
  // Statements that do not go through the statement cache (BEGIN, COMMIT, scripts) repeat:
  // remember the last answers per thread.
  // Looked up by string_view (a transparent hash): a hit allocates nothing.
  struct text_hash {
    using is_transparent = void;
    auto operator()(std::string_view s) const noexcept -> std::size_t { return std::hash<std::string_view>{}(s); }
  };
  struct memo {
    std::unordered_map<std::string, bool, text_hash, std::equal_to<>> answers;
  };
  thread_local memo m;
  try {
    if (auto it = m.answers.find(sql); it != m.answers.end()) return it->second;
    std::string text(sql);
    const bool changes = classify(text);
    if (m.answers.size() >= 512) m.answers.clear();
    m.answers.emplace(std::move(text), changes);
    return changes;
  } catch (...) {
    return true;  // out of memory: reset rather than guess
  }
}

}  // namespace detail

}  // namespace pgpx
