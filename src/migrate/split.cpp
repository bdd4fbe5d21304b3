// Statement splitting and no-transaction detection through libpg_query (PostgreSQL 15's
// parser): pg_query_split_with_parser for the boundaries, pg_query_parse's JSON for the tree.
#include <pgpx/migrate/split.hpp>

#include "split_impl.hpp"

#include <nlohmann/json.hpp>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <charconv>
#include <cstdint>

#include <memory>

namespace pgpx::migrate {

namespace {

// The byte offset of the `chars`-th character (1-based, as libpg_query's cursorpos counts).
auto byte_of(std::string_view s, int chars) -> std::size_t {
  std::size_t i = 0;
  for (int c = 1; c < chars && i < s.size(); ++c) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0U) == 0x80U) ++i;
  }
  return i;
}

auto line_of(std::string_view s, std::size_t offset) -> int {
  int line = 1;
  for (std::size_t i = 0; i < offset && i < s.size(); ++i)
    if (s[i] == '\n') ++line;
  return line;
}

auto is_blank(char c) noexcept -> bool {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Skips blanks, `--` comments and (nested) `/* */` comments from `i`.
auto skip_blanks_and_comments(std::string_view s, std::size_t i, std::size_t end) -> std::size_t {
  while (i < end) {
    if (is_blank(s[i])) {
      ++i;
    } else if (s.substr(i, 2) == "--") {
      while (i < end && s[i] != '\n') ++i;
    } else if (s.substr(i, 2) == "/*") {
      int depth = 0;
      do {
        if (s.substr(i, 2) == "/*") {
          ++depth;
          i += 2;
        } else if (s.substr(i, 2) == "*/") {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      } while (depth > 0 && i < end);
    } else {
      break;
    }
  }
  return std::min(i, end);
}

auto has_concurrently_param(const nlohmann::json& node) -> bool {
  if (!node.contains("params")) return false;
  for (const auto& p : node["params"])
    if (p.contains("DefElem") && p["DefElem"].value("defname", "") == "concurrently") return true;
  return false;
}

}  // namespace

namespace detail {

auto no_transaction_reason_of(const nlohmann::json& stmt) -> std::optional<std::string> {
  if (!stmt.is_object() || stmt.empty()) return std::nullopt;
  // The statement node's one key and value, read from an iterator that outlives them (a
  // structured binding to *items().begin() refers into a destroyed temporary proxy).
  const auto first = stmt.begin();
  const std::string& type = first.key();
  const nlohmann::json& node = first.value();
  if (type == "IndexStmt" && node.value("concurrent", false)) return "CREATE INDEX CONCURRENTLY";
  if (type == "DropStmt" && node.value("concurrent", false)) return "DROP INDEX CONCURRENTLY";
  if (type == "ReindexStmt" && has_concurrently_param(node)) return "REINDEX CONCURRENTLY";
  if (type == "VacuumStmt" && node.value("is_vacuumcmd", false)) return "VACUUM";
  if (type == "ClusterStmt" && !node.contains("relation")) return "CLUSTER without a table";
  if (type == "CreatedbStmt") return "CREATE DATABASE";
  if (type == "DropdbStmt") return "DROP DATABASE";
  if (type == "CreateTableSpaceStmt") return "CREATE TABLESPACE";
  if (type == "DropTableSpaceStmt") return "DROP TABLESPACE";
  if (type == "AlterSystemStmt") return "ALTER SYSTEM";
  if (type == "AlterTableStmt" && node.contains("cmds")) {
    for (const auto& c : node["cmds"]) {
      if (!c.contains("AlterTableCmd")) continue;
      const auto& cmd = c["AlterTableCmd"];
      if (cmd.value("subtype", "") == "AT_DetachPartition" && cmd.contains("def") &&
          cmd["def"].contains("PartitionCmd") && cmd["def"]["PartitionCmd"].value("concurrent", false))
        return "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY";
    }
  }
  return std::nullopt;
}

}  // namespace detail

auto parameter_refs(std::string_view sql, const std::string& file) -> std::vector<parameter_ref> {
  const std::string input(sql);
  PgQueryScanResult r = pg_query_scan(input.c_str());
  std::unique_ptr<PgQueryScanResult, void (*)(PgQueryScanResult*)> guard(
      &r, [](PgQueryScanResult* p) { pg_query_free_scan_result(*p); });
  if (r.error != nullptr) {
    const auto at = r.error->cursorpos > 0 ? line_of(sql, byte_of(sql, r.error->cursorpos)) : 0;
    throw source_error(file, at, std::string("does not scan as SQL: ") + (r.error->message ? r.error->message : "?"));
  }
  std::unique_ptr<PgQuery__ScanResult, void (*)(PgQuery__ScanResult*)> scanned(
      pg_query__scan_result__unpack(nullptr, r.pbuf.len, reinterpret_cast<const std::uint8_t*>(r.pbuf.data)),
      [](PgQuery__ScanResult* p) {
        if (p != nullptr) pg_query__scan_result__free_unpacked(p, nullptr);
      });
  if (scanned == nullptr) throw source_error(file, 0, "does not scan as SQL");
  std::vector<parameter_ref> out;
  for (std::size_t i = 0; i < scanned->n_tokens; ++i) {
    const auto* t = scanned->tokens[i];
    if (t->token != PG_QUERY__TOKEN__PARAM) continue;
    parameter_ref p;
    p.begin = static_cast<std::size_t>(t->start);
    p.end = static_cast<std::size_t>(t->end);
    if (p.begin + 1 >= p.end || p.end > sql.size()) continue;
    std::from_chars(sql.data() + p.begin + 1, sql.data() + p.end, p.number);
    out.push_back(p);
  }
  return out;
}

auto split_statements(std::string_view sql, const std::string& file) -> std::vector<statement> {
  const std::string input(sql);  // libpg_query reads a NUL-terminated string
  PgQuerySplitResult r = pg_query_split_with_parser(input.c_str());
  std::unique_ptr<PgQuerySplitResult, void (*)(PgQuerySplitResult*)> guard(
      &r, [](PgQuerySplitResult* p) { pg_query_free_split_result(*p); });
  if (r.error != nullptr) {
    const auto at = r.error->cursorpos > 0 ? byte_of(input, r.error->cursorpos) : input.size();
    throw source_error(file, line_of(input, at),
                       std::string("does not parse: ") + (r.error->message != nullptr ? r.error->message : "error"));
  }
  std::vector<statement> out;
  for (int i = 0; i < r.n_stmts; ++i) {
    const auto* s = r.stmts[i];
    const auto from = static_cast<std::size_t>(std::max(0, s->stmt_location));
    auto end = s->stmt_len > 0 ? from + static_cast<std::size_t>(s->stmt_len) : input.size();
    end = std::min(end, input.size());
    const auto begin = skip_blanks_and_comments(input, from, end);
    while (end > begin && is_blank(input[end - 1])) --end;
    if (end > begin && input[end - 1] == ';') --end;
    while (end > begin && is_blank(input[end - 1])) --end;
    if (begin == end) continue;
    out.push_back({input.substr(begin, end - begin), begin, line_of(input, begin)});
  }
  return out;
}

auto no_transaction_reason(std::string_view statement) -> std::optional<std::string> {
  const std::string input(statement);
  PgQueryParseResult r = pg_query_parse(input.c_str());
  std::unique_ptr<PgQueryParseResult, void (*)(PgQueryParseResult*)> guard(
      &r, [](PgQueryParseResult* p) { pg_query_free_parse_result(*p); });
  if (r.error != nullptr)
    throw error(error_kind::migration,
                std::string("statement does not parse: ") + (r.error->message != nullptr ? r.error->message : "error"));
  const auto tree = nlohmann::json::parse(r.parse_tree != nullptr ? r.parse_tree : "{}");
  if (!tree.contains("stmts")) return std::nullopt;
  for (const auto& s : tree["stmts"]) {
    if (!s.contains("stmt")) continue;
    if (auto why = detail::no_transaction_reason_of(s["stmt"])) return why;
  }
  return std::nullopt;
}

auto needs_no_transaction(std::string_view statement) -> bool { return no_transaction_reason(statement).has_value(); }

auto transaction_control(std::string_view sql) -> std::optional<std::string> {
  const std::string input(sql);
  PgQueryParseResult r = pg_query_parse(input.c_str());
  std::unique_ptr<PgQueryParseResult, void (*)(PgQueryParseResult*)> guard(
      &r, [](PgQueryParseResult* p) { pg_query_free_parse_result(*p); });
  if (r.error != nullptr)
    throw error(error_kind::migration,
                std::string("statement does not parse: ") + (r.error->message != nullptr ? r.error->message : "error"));
  const auto tree = nlohmann::json::parse(r.parse_tree != nullptr ? r.parse_tree : "{}");
  if (!tree.contains("stmts")) return std::nullopt;
  for (const auto& s : tree["stmts"]) {
    if (!s.contains("stmt") || !s["stmt"].contains("TransactionStmt")) continue;
    const auto& t = s["stmt"]["TransactionStmt"];
    const std::string kind = t.contains("kind") ? t["kind"].get<std::string>() : std::string();
    // SAVEPOINT, RELEASE and ROLLBACK TO stay inside the enclosing transaction.
    if (kind == "TRANS_STMT_BEGIN") return "BEGIN";
    if (kind == "TRANS_STMT_START") return "START TRANSACTION";
    if (kind == "TRANS_STMT_COMMIT") return "COMMIT";
    if (kind == "TRANS_STMT_ROLLBACK") return "ROLLBACK";
    if (kind == "TRANS_STMT_PREPARE") return "PREPARE TRANSACTION";
    if (kind == "TRANS_STMT_COMMIT_PREPARED") return "COMMIT PREPARED";
    if (kind == "TRANS_STMT_ROLLBACK_PREPARED") return "ROLLBACK PREPARED";
  }
  return std::nullopt;
}

}  // namespace pgpx::migrate
