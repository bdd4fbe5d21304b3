#include "read_only.hpp"

#include <nlohmann/json.hpp>

#include <pg_query.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <string_view>
#include <utility>

namespace pgpx::cli {
namespace {

using json = nlohmann::json;

// Built-in functions whose effects reach beyond the statement's result; matched on the last
// part of the name (schema-qualified or not) and by prefix where a family shares one.
struct denied {
  std::string_view name;
  bool prefix;
  std::string_view what;
};

constexpr std::string_view controls = "signals or controls the server or other sessions";
constexpr std::string_view files = "reads or writes files on the server";
constexpr std::string_view state = "changes session or shared server state";
constexpr std::string_view remote = "connects to other servers";

constexpr std::array denied_functions = {
    denied{"pg_terminate_backend", false, controls},
    denied{"pg_cancel_backend", false, controls},
    denied{"pg_reload_conf", false, controls},
    denied{"pg_rotate_logfile", true, controls},
    denied{"pg_promote", false, controls},
    denied{"pg_switch_wal", false, controls},
    denied{"pg_switch_xlog", false, controls},
    denied{"pg_start_backup", false, controls},
    denied{"pg_stop_backup", false, controls},
    denied{"pg_backup_start", false, controls},
    denied{"pg_backup_stop", false, controls},
    denied{"pg_wal_replay_", true, controls},
    denied{"pg_xlog_replay_", true, controls},
    denied{"pg_log_backend_memory_contexts", false, controls},
    denied{"pg_stat_reset", true, controls},
    denied{"pg_import_system_collations", false, controls},
    denied{"pg_create_", true, controls},
    denied{"pg_drop_", true, controls},
    denied{"pg_copy_", true, controls},
    denied{"pg_replication_slot_advance", false, controls},
    denied{"pg_replication_origin_", true, state},
    denied{"pg_logical_", true, state},
    denied{"pg_read_file", false, files},
    denied{"pg_read_binary_file", false, files},
    denied{"pg_ls_dir", false, files},
    denied{"pg_stat_file", false, files},
    denied{"pg_file_", true, files},
    denied{"pg_logdir_ls", false, files},
    denied{"lo_import", false, files},
    denied{"lo_export", false, files},
    denied{"lo_create", false, state},
    denied{"lo_creat", false, state},
    denied{"lo_unlink", false, state},
    denied{"lo_put", false, state},
    denied{"lo_from_bytea", false, state},
    denied{"lo_truncate", true, state},
    denied{"lowrite", false, state},
    denied{"set_config", false, state},
    denied{"pg_notify", false, state},
    denied{"pg_advisory_", true, state},
    denied{"pg_try_advisory_", true, state},
    denied{"dblink", true, remote},
};

auto lower(std::string s) -> std::string {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

auto string_node(const json& n) -> std::string {
  if (n.is_object() && n.contains("String")) {
    const auto& s = n["String"];
    if (s.contains("sval")) return s["sval"].get<std::string>();
    if (s.contains("str")) return s["str"].get<std::string>();
  }
  return {};
}

auto position_of(const json& node) -> int {
  if (node.is_object() && node.contains("location") && node["location"].is_number_integer())
    return node["location"].get<int>() + 1;
  return 0;
}

auto statement_name(const std::string& type) -> std::string {
  static const std::pair<std::string_view, std::string_view> names[] = {
      {"InsertStmt", "INSERT"},
      {"UpdateStmt", "UPDATE"},
      {"DeleteStmt", "DELETE"},
      {"MergeStmt", "MERGE"},
      {"DoStmt", "a DO block"},
      {"CallStmt", "CALL"},
      {"TransactionStmt", "transaction control (BEGIN, COMMIT, SET TRANSACTION...)"},
      {"VariableSetStmt", "SET/RESET"},
      {"CopyStmt", "COPY"},
      {"ExecuteStmt", "EXECUTE"},
      {"PrepareStmt", "PREPARE"},
      {"DeclareCursorStmt", "DECLARE CURSOR"},
      {"NotifyStmt", "NOTIFY"},
      {"ListenStmt", "LISTEN"},
      {"LockStmt", "LOCK"},
      {"VacuumStmt", "VACUUM/ANALYZE"},
      {"CheckPointStmt", "CHECKPOINT"},
      {"LoadStmt", "LOAD"},
      {"CreateTableAsStmt", "CREATE TABLE AS"},
  };
  for (const auto& [k, v] : names)
    if (type == k) return std::string(v);
  std::string t = type;
  if (t.size() > 4 && t.ends_with("Stmt")) t.resize(t.size() - 4);
  return "a " + t + " statement";
}

struct checker {
  std::optional<read_only_refusal> refusal;

  void refuse(std::string reason, int position) {
    if (!refusal) refusal = read_only_refusal{std::move(reason), position, false};
  }

  // The statement kinds that may run: one that only reads.
  void check_statement(const json& stmt) {
    if (!stmt.is_object() || stmt.size() != 1) return refuse("an unrecognised statement", 0);
    const auto first = stmt.begin();  // the one key: the statement's node type (items() would dangle here)
    const std::string& type = first.key();
    const json& body = first.value();
    if (type == "SelectStmt" || type == "VariableShowStmt") return;
    if (type == "ExplainStmt") {
      if (body.contains("query")) check_statement(body["query"]);
      return;
    }
    if (type == "CopyStmt") {
      if (body.value("is_program", false) || body.contains("filename"))
        return refuse("COPY to or from a server file or program", 0);
      if (body.value("is_from", false)) return refuse("COPY FROM (it writes rows)", 0);
      if (body.contains("query")) check_statement(body["query"]);
      return;  // COPY ... TO STDOUT
    }
    refuse(statement_name(type), 0);
  }

  // Everything anywhere in the tree: CTEs, subqueries, function arguments, EXPLAIN's query.
  void walk(const json& node) {
    if (refusal) return;
    if (node.is_array()) {
      for (const auto& child : node) walk(child);
      return;
    }
    if (!node.is_object()) return;
    for (const auto& [key, value] : node.items()) {
      if (key == "intoClause") return refuse("SELECT INTO (it creates a table)", position_of(value));
      if (key == "InsertStmt" || key == "UpdateStmt" || key == "DeleteStmt" || key == "MergeStmt")
        return refuse(statement_name(key) + " inside the statement (a data-modifying WITH)", 0);
      if (key == "CopyStmt" || key == "DoStmt" || key == "CallStmt") return refuse(statement_name(key), 0);
      if (key == "FuncCall" && value.contains("funcname") && value["funcname"].is_array() &&
          !value["funcname"].empty()) {
        const auto name = lower(string_node(value["funcname"].back()));
        for (const auto& d : denied_functions) {
          if (d.prefix ? name.rfind(d.name, 0) == 0 : name == d.name)
            return refuse(name + "() (it " + std::string(d.what) + ")", position_of(value));
        }
      }
      walk(value);
    }
  }
};

}  // namespace

auto check_read_only(std::string_view sql) -> std::optional<read_only_refusal> {
  const std::string text(sql);
  PgQueryParseResult parsed = pg_query_parse(text.c_str());
  const std::unique_ptr<PgQueryParseResult, void (*)(PgQueryParseResult*)> guard(
      &parsed, [](PgQueryParseResult* p) { pg_query_free_parse_result(*p); });
  if (parsed.error != nullptr)
    return read_only_refusal{parsed.error->message != nullptr ? parsed.error->message : "syntax error",
                             parsed.error->cursorpos, true};
  const auto tree = json::parse(parsed.parse_tree, nullptr, false);
  if (tree.is_discarded()) return read_only_refusal{"an unreadable parse tree", 0, false};
  if (!tree.contains("stmts")) return read_only_refusal{"an empty statement", 0, false};
  const auto& stmts = tree["stmts"];
  if (stmts.empty()) return read_only_refusal{"an empty statement", 0, false};
  if (stmts.size() > 1) return read_only_refusal{"more than one statement", 0, false};
  checker c;
  const auto& stmt = stmts[0].contains("stmt") ? stmts[0]["stmt"] : json();
  c.check_statement(stmt);
  if (!c.refusal && stmt.is_object() && stmt.size() == 1) {
    // The top statement's own kind is checked above; walk below it (a COPY's query, EXPLAIN's...).
    c.walk(stmt.begin().value());
  }
  return c.refusal;
}

}  // namespace pgpx::cli
