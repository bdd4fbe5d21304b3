// Migration lint: rules read from libpg_query's JSON parse trees (pg_query_parse), one
// statement at a time, with the statements cut by split_statements (the same parser).
#include <pgpx/migrate/lint.hpp>

#include <pgpx/core/connection.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/error.hpp>
#include <pgpx/migrate/split.hpp>
#include <pgpx/types/array.hpp>

#include "directives_impl.hpp"
#include "split_impl.hpp"

#include <nlohmann/json.hpp>

#include <pg_query.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <set>

namespace pgpx::migrate {

namespace {

using json = nlohmann::json;
using sev = lint_severity;

constexpr std::array<lint_rule, 25> rules{{
    {"DS101", sev::error, "DROP TABLE deletes a table and its data",
     "keep the table until nothing uses it, or add -- pgpx: lint-ignore=DS101 reason=\"...\""},
    {"DS102", sev::error, "DROP SCHEMA deletes a schema (and with CASCADE everything in it)",
     "drop the objects one by one, or add -- pgpx: lint-ignore=DS102 reason=\"...\""},
    {"DS103", sev::error, "migrate diff flagged this drop or add as half of a possible rename",
     "if it is a rename, replace the drop and add with ALTER TABLE ... RENAME; else add -- pgpx: "
     "lint-ignore=DS103 reason=\"...\""},
    {"DS104", sev::error, "DROP COLUMN deletes a column and its data",
     "stop using the column first, then drop it, or add -- pgpx: lint-ignore=DS104 reason=\"...\""},
    {"DS105", sev::error, "TRUNCATE deletes every row", "add -- pgpx: lint-ignore=DS105 reason=\"...\""},
    {"DS106", sev::error, "DELETE without WHERE deletes every row",
     "add a WHERE clause, or add -- pgpx: lint-ignore=DS106 reason=\"...\""},
    {"HY401", sev::warning, "DROP without IF EXISTS in a down file fails when the object is already gone",
     "write DROP ... IF EXISTS in down files"},
    {"HY402", sev::warning, "the down file of a reversible migration is empty: rollback would do nothing",
     "write the statements that undo the up file, or delete the down file to make the migration irreversible"},
    {"LH201", sev::warning, "CREATE INDEX without CONCURRENTLY blocks writes to the table while it builds",
     "use CREATE INDEX CONCURRENTLY in a file with -- pgpx: no-transaction"},
    {"LH202", sev::error, "ADD COLUMN ... NOT NULL without a default fails on a table with rows",
     "add the column nullable (or with a constant DEFAULT), backfill, then SET NOT NULL"},
    {"LH203", sev::warning,
     "ADD COLUMN with a volatile default, identity or serial rewrites the table under an "
     "ACCESS EXCLUSIVE lock",
     "add the column without the default, set the default, backfill in batches"},
    {"LH204", sev::warning,
     "ALTER COLUMN ... TYPE may rewrite the table and its indexes under an ACCESS EXCLUSIVE lock",
     "add a new column, backfill, switch readers; silence with lint-ignore=LH204 when the change is binary "
     "compatible (varchar(n) to text or to a longer varchar)"},
    {"LH205", sev::warning, "a new FOREIGN KEY without NOT VALID scans the table under a lock that blocks writes",
     "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later statement or migration"},
    {"LH206", sev::warning, "a new CHECK without NOT VALID scans the table under an ACCESS EXCLUSIVE lock",
     "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a later statement or migration"},
    {"LH207", sev::warning, "SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock",
     "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT c, then SET NOT NULL (no scan) and "
     "drop c"},
    {"LH208", sev::warning, "renaming a table breaks clients that still use the old name",
     "create the new table or a view under the new name first, or add -- pgpx: lint-ignore=LH208 reason=\"...\""},
    {"LH209", sev::warning, "renaming a column breaks clients that still use the old name",
     "add the new column and migrate readers first, or add -- pgpx: lint-ignore=LH209 reason=\"...\""},
    {"PX001", sev::error, "the file does not parse", "fix the SQL; the message is PostgreSQL's parser's"},
    {"PX002", sev::error, "a malformed lint-ignore (no reason, bad codes)",
     "write -- pgpx: lint-ignore=CODE[,CODE] reason=\"why it is safe\""},
    {"PX003", sev::error, "a malformed or misplaced header directive", "see docs/migrations.md \"Header directives\""},
    {"PX004", sev::warning, "a lint-ignore after the header that is not directly before a statement silences nothing",
     "put it on the line(s) directly before the statement, or in the file's header"},
    {"PX005", sev::warning, "a lint-ignore names an unknown rule", "use a rule id of `pgpx migrate lint --rules`"},
    {"TX301", sev::error, "the statement cannot run inside a transaction block, and the file runs in one",
     "add `-- pgpx: no-transaction` to the file's header (and keep the statement alone in its file)"},
    {"TX302", sev::warning, "a no-transaction file with more than one statement can fail halfway and stay partial",
     "put each non-transactional statement in its own migration"},
    {"TX303", sev::error, "BEGIN, COMMIT or ROLLBACK inside a transactional migration ends pgpx's own transaction",
     "remove it: pgpx runs each migration in a transaction with its tracking row"},
}};

auto rule(std::string_view id) -> const lint_rule& {
  for (const auto& r : rules)
    if (r.id == id) return r;
  return rules.back();  // not reached: every id used below is in the table
}

auto trim(std::string_view s) -> std::string_view {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The lines of a file (without their '\n'); lines[0] is line 1. A leading BOM is dropped.
auto split_lines(std::string_view s) -> std::vector<std::string_view> {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    const auto nl = s.find('\n', pos);
    out.push_back(s.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

// `-- pgpx:lint CODE[,CODE]` (the annotation migrate diff writes): the codes, else empty.
auto annotation_codes(std::string_view line) -> std::vector<std::string> {
  line = trim(line);
  if (!line.starts_with("--")) return {};
  line = trim(line.substr(2));
  if (!line.starts_with("pgpx:lint") || (line.size() > 9 && line[9] != ' ' && line[9] != '\t')) return {};
  std::vector<std::string> out;
  auto rest = trim(line.substr(9));
  while (!rest.empty()) {
    const auto end = rest.find_first_of(" \t,");
    out.emplace_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest = trim(rest.substr(end + 1));
  }
  return out;
}

// A relation as written: schema (may be empty) and name.
struct relation {
  std::string schema;
  std::string name;

  [[nodiscard]] auto shown() const -> std::string { return schema.empty() ? name : schema + "." + name; }
};

auto relation_of(const json& range_var) -> relation {
  return {range_var.value("schemaname", ""), range_var.value("relname", "")};
}

// `{"List": {"items": [{"String": {"sval": "s"}}, ...]}}` or `{"String": ...}` as a relation.
auto relation_of_name_list(const json& object) -> relation {
  std::vector<std::string> parts;
  const auto add = [&](const json& item) {
    if (item.contains("String")) parts.push_back(item["String"].value("sval", ""));
  };
  if (object.contains("List") && object["List"].contains("items"))
    for (const auto& item : object["List"]["items"]) add(item);
  else add(object);
  relation r;
  if (!parts.empty()) r.name = parts.back();
  if (parts.size() >= 2) r.schema = parts[parts.size() - 2];
  return r;
}

auto last_name(const json& names) -> std::string {
  if (!names.is_array() || names.empty()) return {};
  const auto& last = names.back();
  return last.contains("String") ? last["String"].value("sval", "") : std::string();
}

// Functions whose value changes per row: as a column default they make ADD COLUMN rewrite the
// table. now() and current_timestamp are stable (one value per statement), so not here.
auto is_volatile_function(const std::string& name) -> bool {
  static const std::set<std::string, std::less<>> names = {
      "random",    "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp",
      "timeofday", "nextval",         "gen_random_bytes", "txid_current",       "random_normal"};
  return names.contains(name);
}

// The first volatile function called anywhere in an expression tree, or empty.
auto volatile_call(const json& node) -> std::string {
  if (node.is_object()) {
    if (node.contains("FuncCall")) {
      const auto& f = node["FuncCall"];
      if (f.contains("funcname")) {
        const auto name = last_name(f["funcname"]);
        if (is_volatile_function(name)) return name + "()";
      }
    }
    for (const auto& v : node)
      if (auto found = volatile_call(v); !found.empty()) return found;
  } else if (node.is_array()) {
    for (const auto& v : node)
      if (auto found = volatile_call(v); !found.empty()) return found;
  }
  return {};
}

// The linter's state for one file.
class linter {
 public:
  linter(std::string_view sql, const lint_options& o) : sql_(sql), options_(o), lines_(split_lines(sql)) {
    if (sql_.starts_with("\xEF\xBB\xBF")) sql_.remove_prefix(3);  // a BOM is not SQL
  }

  auto run() -> std::vector<lint_finding> {
    const auto scanned = detail::scan_directives(sql_, options_.file);
    for (const auto& p : scanned.problems) add_file_level(p.lint_ignore ? "PX002" : "PX003", p.message, p.line);
    const bool no_tx = options_.no_transaction.value_or(scanned.header.no_transaction);

    std::vector<statement> statements;
    try {
      statements = split_statements(sql_, options_.file);
    } catch (const source_error& e) {
      auto msg = e.message();
      const auto prefix = options_.file + ":" + std::to_string(e.line()) + ": ";
      if (msg.starts_with(prefix)) msg.erase(0, prefix.size());
      add_file_level("PX001", msg, e.line());
      return finish(scanned, {});
    }

    std::vector<std::pair<int, int>> ignore_spans;  // per statement: first and last line before it
    for (std::size_t i = 0; i < statements.size(); ++i) {
      const auto& s = statements[i];
      current_ = static_cast<int>(i) + 1;
      statement_ = &s;
      // The comment lines directly above the statement (no blank line between).
      int first = s.line;
      while (first > 1 && trim(lines_[static_cast<std::size_t>(first - 2)]).starts_with("--")) --first;
      ignore_spans.emplace_back(first, s.line - 1);
      annotations_.clear();
      for (int l = first; l < s.line; ++l)
        for (auto& c : annotation_codes(lines_[static_cast<std::size_t>(l - 1)])) annotations_.push_back(std::move(c));
      check_statement(s, no_tx);
    }
    statement_ = nullptr;
    current_ = 0;
    if (no_tx && statements.size() > 1) {
      current_ = 2;
      add("TX302",
          "a no-transaction file with " + std::to_string(statements.size()) +
              " statements: if one fails, the ones before it stay applied",
          statements[1].line);
      current_ = 0;
    }
    if (options_.dir == direction::down && statements.empty())
      add("HY402", "the down file has no statement: rolling back this migration would change nothing", 0);
    return finish(scanned, ignore_spans);
  }

 private:
  // Adds a finding for the current statement (0 = the file).
  void add(std::string_view id, std::string message, int line) {
    const auto& r = rule(id);
    lint_finding f;
    f.rule = std::string(id);
    f.severity = r.severity;
    // Undoing a creation drops what it created: destructive findings of a down file are warnings.
    if (options_.dir == direction::down && id.starts_with("DS")) f.severity = sev::warning;
    f.message = std::move(message);
    f.hint = std::string(r.hint);
    f.statement = current_;
    f.line = line;
    findings_.push_back(std::move(f));
  }

  void add_file_level(std::string_view id, const std::string& message, int line) {
    const int saved = current_;
    current_ = 0;
    add(id, message, line);
    current_ = saved;
  }

  // The line of a byte `location` inside the current statement (the statement's line when -1).
  [[nodiscard]] auto line_at(const json& node) const -> int {
    if (statement_ == nullptr) return 0;
    const int location = node.is_object() ? node.value("location", -1) : -1;
    if (location < 0) return statement_->line;
    const auto& text = statement_->text;
    const auto end = std::min(text.size(), static_cast<std::size_t>(location));
    return statement_->line +
           static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
  }

  // The database's facts about a table the file did not create, when lint_options::catalog
  // lists it; every table asked about is recorded for tables_linted().
  [[nodiscard]] auto facts_of(const relation& r) -> const table_facts* {
    if (is_new(r)) return nullptr;
    if (asked_ != nullptr && std::none_of(asked_->begin(), asked_->end(), [&](const table_facts& t) {
          return t.schema == r.schema && t.name == r.name;
        }))
      asked_->push_back({r.schema, r.name});
    if (options_.catalog == nullptr || facts_off_) return nullptr;
    for (const auto& t : options_.catalog->tables)
      if (t.schema == r.schema && t.name == r.name) return &t;
    return nullptr;
  }

  // A destructive finding: a warning when the table is empty now.
  void destructive(std::string_view id, std::string message, const relation& rel, int line) {
    const auto* facts = facts_of(rel);
    add(id, std::move(message), line);
    if (facts != nullptr && facts->empty) {
      findings_.back().severity = sev::warning;
      findings_.back().catalog_note = rel.shown() + " is empty now";
      findings_.back().message += " (" + findings_.back().catalog_note + ")";
    }
  }

  // A lock or rewrite finding: none on a table the catalog says is small, its size on a large one.
  void locking(std::string_view id, std::string message, const relation& rel, int line) {
    const auto* facts = facts_of(rel);
    if (facts != nullptr && facts->bytes < options_.catalog->large_bytes) return;
    add(id, std::move(message), line);
    if (facts != nullptr) {
      findings_.back().catalog_note = rel.shown() + " is " + size_text(facts->bytes);
      findings_.back().message += " (" + findings_.back().catalog_note + ")";
    }
  }

  static auto size_text(std::int64_t bytes) -> std::string {
    const char* units[] = {"bytes", "kB", "MB", "GB", "TB"};
    int u = 0;
    auto v = static_cast<double>(bytes);
    while (v >= 1024 && u < 4) {
      v /= 1024;
      ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
  }

  [[nodiscard]] auto is_new(const relation& r) const -> bool {
    return std::any_of(created_.begin(), created_.end(), [&](const relation& c) {
      return c.name == r.name && (c.schema.empty() || r.schema.empty() || c.schema == r.schema);
    });
  }

  [[nodiscard]] auto annotated(std::string_view code) const -> bool {
    return std::find(annotations_.begin(), annotations_.end(), code) != annotations_.end();
  }

  void check_statement(const statement& s, bool no_tx) {
    PgQueryParseResult r = pg_query_parse(s.text.c_str());
    std::unique_ptr<PgQueryParseResult, void (*)(PgQueryParseResult*)> guard(
        &r, [](PgQueryParseResult* p) { pg_query_free_parse_result(*p); });
    if (r.error != nullptr) {  // split_statements parsed it already; not expected
      add("PX001", std::string("does not parse: ") + (r.error->message != nullptr ? r.error->message : "error"),
          s.line);
      return;
    }
    const auto tree = json::parse(r.parse_tree != nullptr ? r.parse_tree : "{}");
    if (!tree.contains("stmts")) return;
    for (const auto& raw : tree["stmts"]) {
      if (!raw.contains("stmt") || !raw["stmt"].is_object() || raw["stmt"].empty()) continue;
      const auto& stmt = raw["stmt"];
      const auto first = stmt.begin();
      check_node(first.key(), first.value(), stmt, no_tx);
    }
  }

  void check_node(const std::string& type, const json& node, const json& stmt, bool no_tx) {
    const int line = statement_->line;
    if (annotated("DS103"))
      add("DS103", "migrate diff flagged this statement as half of a possible rename: a drop and an add lose the data",
          line);
    if (auto why = detail::no_transaction_reason_of(stmt); why && !no_tx)
      add("TX301", *why + " cannot run inside a transaction block, and this file runs in one", line);

    if ((type == "VariableSetStmt" && node.value("name", "") == "search_path") || type == "AlterObjectSchemaStmt" ||
        (type == "RenameStmt" && node.value("renameType", "") == "OBJECT_TABLE"))
      facts_off_ = true;
    if (type == "CreateStmt" && node.contains("relation")) {
      created_.push_back(relation_of(node["relation"]));
    } else if (type == "CreateTableAsStmt" && node.contains("into") && node["into"].contains("rel")) {
      created_.push_back(relation_of(node["into"]["rel"]));
    } else if (type == "DropStmt") {
      check_drop(node, line);
    } else if (type == "TruncateStmt" && node.contains("relations")) {
      for (const auto& rv : node["relations"]) {
        const auto rel = relation_of(rv.value("RangeVar", json::object()));
        // CASCADE empties the tables that reference it too: their rows are not in its facts.
        if (is_new(rel)) continue;
        if (node.value("behavior", "") == "DROP_CASCADE")
          add("DS105", "TRUNCATE " + rel.shown() + " CASCADE deletes every row of it and of the tables referencing it",
              line);
        else destructive("DS105", "TRUNCATE " + rel.shown() + " deletes every row", rel, line);
      }
    } else if (type == "DeleteStmt" && !node.contains("whereClause") && node.contains("relation")) {
      const auto rel = relation_of(node["relation"]);
      if (!is_new(rel))
        destructive("DS106", "DELETE FROM " + rel.shown() + " without WHERE deletes every row", rel, line);
    } else if (type == "IndexStmt" && node.contains("relation")) {
      const auto rel = relation_of(node["relation"]);
      if (!node.value("concurrent", false) && !is_new(rel))
        locking("LH201",
                "CREATE INDEX" + (node.contains("idxname") ? " " + node["idxname"].get<std::string>() : std::string()) +
                    " on " + rel.shown() + " without CONCURRENTLY blocks writes to the table while it builds",
                rel, line);
    } else if (type == "AlterTableStmt" && node.contains("relation") && node.value("objtype", "") == "OBJECT_TABLE") {
      check_alter_table(node);
    } else if (type == "RenameStmt" && node.contains("relation")) {
      const auto rel = relation_of(node["relation"]);
      const auto kind = node.value("renameType", "");
      if (is_new(rel)) {
        if (kind == "OBJECT_TABLE") created_.push_back({rel.schema, node.value("newname", "")});
      } else if (kind == "OBJECT_TABLE") {
        add("LH208",
            "renaming table " + rel.shown() + " to " + node.value("newname", "") +
                " breaks clients that still use the old name",
            line);
      } else if (kind == "OBJECT_COLUMN") {
        add("LH209",
            "renaming column " + rel.shown() + "." + node.value("subname", "") + " to " + node.value("newname", "") +
                " breaks clients that still use the old name",
            line);
      }
    } else if (type == "TransactionStmt" && !no_tx) {
      if (auto what = transaction_control(statement_->text))
        add("TX303", *what + " inside a transactional migration ends pgpx's own transaction", line);
    }
  }

  void check_drop(const json& node, int line) {
    const auto kind = node.value("removeType", "");
    const bool if_exists = node.value("missing_ok", false);
    if (options_.dir == direction::down && !if_exists)
      add("HY401", "DROP without IF EXISTS in a down file fails when the object is already gone", line);
    if (!node.contains("objects")) return;
    for (const auto& object : node["objects"]) {
      const auto rel = relation_of_name_list(object);
      if (kind == "OBJECT_TABLE" && !is_new(rel))
        destructive("DS101", "DROP TABLE " + rel.shown() + " deletes the table and its data", rel, line);
      else if (kind == "OBJECT_SCHEMA")
        add("DS102",
            "DROP SCHEMA " + rel.name +
                (node.value("behavior", "") == "DROP_CASCADE" ? " CASCADE deletes every object in it"
                                                              : " deletes the schema"),
            line);
    }
  }

  void check_alter_table(const json& node) {
    const auto rel = relation_of(node["relation"]);
    const bool fresh = is_new(rel);
    if (!node.contains("cmds")) return;
    for (const auto& c : node["cmds"]) {
      if (!c.contains("AlterTableCmd")) continue;
      const auto& cmd = c["AlterTableCmd"];
      const auto sub = cmd.value("subtype", "");
      const auto column = cmd.value("name", "");
      const json def = cmd.value("def", json::object());
      if (options_.dir == direction::down && (sub == "AT_DropColumn" || sub == "AT_DropConstraint") &&
          !cmd.value("missing_ok", false))
        add("HY401",
            std::string(sub == "AT_DropColumn" ? "DROP COLUMN " : "DROP CONSTRAINT ") + column +
                " without IF EXISTS in a down file fails when it is already gone",
            statement_->line);
      if (fresh) continue;  // a table created earlier in this file is empty and unused
      if (sub == "AT_DropColumn") {
        destructive("DS104", "DROP COLUMN " + rel.shown() + "." + column + " deletes the column and its data", rel,
                    statement_->line);
      } else if (sub == "AT_AddColumn" && def.contains("ColumnDef")) {
        check_add_column(rel, def["ColumnDef"]);
      } else if (sub == "AT_AlterColumnType") {
        std::string to;
        bool sized = false;  // varchar(n), numeric(p,s): typmods given
        if (def.contains("ColumnDef") && def["ColumnDef"].contains("typeName")) {
          const auto& type_name = def["ColumnDef"]["typeName"];
          to = last_name(type_name.value("names", json::array()));
          sized = type_name.contains("typmods");
        }
        // The old type is not in the statement, so a binary-compatible change cannot be told
        // from a rewrite; the message says which old types would make it cheap.
        std::string why = " may rewrite the table and its indexes under an ACCESS EXCLUSIVE lock";
        if (to == "text" || (to == "varchar" && !sized))
          why = " rewrites the table unless the old type is varchar or text (the statement does not say)";
        else if (to == "varchar")
          why = " rewrites the table unless it widens a varchar (the statement does not say the old length)";
        locking("LH204", "ALTER COLUMN " + rel.shown() + "." + column + " TYPE " + to + why, rel,
                line_at(def.value("ColumnDef", json::object())));
      } else if (sub == "AT_AddConstraint" && def.contains("Constraint")) {
        const auto& con = def["Constraint"];
        const auto type = con.value("contype", "");
        const auto name = con.contains("conname") ? " " + con["conname"].get<std::string>() : std::string();
        if (con.value("skip_validation", false)) continue;
        if (type == "CONSTR_FOREIGN")
          locking("LH205", "FOREIGN KEY" + name + " on " + rel.shown() + " without NOT VALID scans the table", rel,
                  line_at(con));
        else if (type == "CONSTR_CHECK")
          locking("LH206", "CHECK" + name + " on " + rel.shown() + " without NOT VALID scans the table", rel,
                  line_at(con));
      } else if (sub == "AT_SetNotNull") {
        locking("LH207",
                "SET NOT NULL on " + rel.shown() + "." + column + " scans the table under an ACCESS EXCLUSIVE lock",
                rel, statement_->line);
      }
    }
  }

  void check_add_column(const relation& rel, const json& col) {
    const auto name = rel.shown() + "." + col.value("colname", "");
    bool not_null = false;
    bool has_default = false;
    std::string rewrite;
    const auto type = col.contains("typeName") ? last_name(col["typeName"].value("names", json::array())) : "";
    if (type == "serial" || type == "bigserial" || type == "smallserial" || type == "serial2" || type == "serial4" ||
        type == "serial8")
      rewrite = "type " + type + " (a nextval() default)";
    for (const auto& c : col.value("constraints", json::array())) {
      if (!c.contains("Constraint")) continue;
      const auto& con = c["Constraint"];
      const auto kind = con.value("contype", "");
      if (kind == "CONSTR_NOTNULL" || kind == "CONSTR_PRIMARY") not_null = true;
      if (kind == "CONSTR_DEFAULT") {
        has_default = true;
        if (const auto v = volatile_call(con.value("raw_expr", json::object())); !v.empty() && rewrite.empty())
          rewrite = "the volatile default " + v;
      }
      if (kind == "CONSTR_IDENTITY" && rewrite.empty()) rewrite = "an identity";
      if (kind == "CONSTR_GENERATED" && rewrite.empty()) rewrite = "a stored generated expression";
    }
    if (!rewrite.empty()) {
      locking("LH203", "ADD COLUMN " + name + " with " + rewrite + " rewrites the table under an ACCESS EXCLUSIVE lock",
              rel, line_at(col));
    } else if (not_null && !has_default) {
      const auto* facts = facts_of(rel);
      if (facts == nullptr) {
        add("LH202", "ADD COLUMN " + name + " NOT NULL without a default fails on a table with rows", line_at(col));
      } else if (facts->empty) {
        add("LH202", "ADD COLUMN " + name + " NOT NULL without a default fails once the table has rows", line_at(col));
        findings_.back().severity = sev::warning;
        findings_.back().catalog_note = rel.shown() + " is empty now";
        findings_.back().message += " (" + findings_.back().catalog_note + ")";
      } else {
        add("LH202", "ADD COLUMN " + name + " NOT NULL without a default fails: " + rel.shown() + " has rows",
            line_at(col));
        findings_.back().catalog_note = rel.shown() + " has rows";
      }
    }
  }

  // Applies the lint-ignores, checks them, orders the findings.
  auto finish(const detail::scanned_directives& scanned, const std::vector<std::pair<int, int>>& spans)
      -> std::vector<lint_finding> {
    const auto known = [](const std::string& code) {
      return std::any_of(rules.begin(), rules.end(), [&](const lint_rule& r) { return r.id == code; });
    };
    const auto check_codes = [&](const lint_ignore& li) {
      for (const auto& code : li.codes)
        if (!known(code)) add_file_level("PX005", "lint-ignore names an unknown rule " + code, li.line);
    };
    for (const auto& li : scanned.header.lint_ignores) check_codes(li);
    for (const auto& li : scanned.statement_ignores) check_codes(li);
    // Statement-level ignores: which statement each one stands before.
    std::vector<int> ignore_statement(scanned.statement_ignores.size(), 0);
    for (std::size_t k = 0; k < scanned.statement_ignores.size(); ++k) {
      const int l = scanned.statement_ignores[k].line;
      for (std::size_t i = 0; i < spans.size(); ++i)
        if (l >= spans[i].first && l <= spans[i].second) ignore_statement[k] = static_cast<int>(i) + 1;
      if (ignore_statement[k] == 0)
        add_file_level("PX004", "lint-ignore on line " + std::to_string(l) + " is not directly before a statement", l);
    }
    for (auto& f : findings_) {
      if (f.rule.starts_with("PX")) continue;
      const auto names = [&](const lint_ignore& li) {
        return std::find(li.codes.begin(), li.codes.end(), f.rule) != li.codes.end();
      };
      for (const auto& li : scanned.header.lint_ignores)
        if (!f.ignored() && names(li)) f.ignored_because = li.reason;
      for (std::size_t k = 0; k < scanned.statement_ignores.size(); ++k)
        if (!f.ignored() && f.statement != 0 && ignore_statement[k] == f.statement &&
            names(scanned.statement_ignores[k]))
          f.ignored_because = scanned.statement_ignores[k].reason;
    }
    std::stable_sort(findings_.begin(), findings_.end(),
                     [](const lint_finding& a, const lint_finding& b) { return a.line < b.line; });
    return std::move(findings_);
  }

  std::string_view sql_;
  const lint_options& options_;

 public:
  std::vector<table_facts>* asked_ = nullptr;  // tables_linted(): every table facts_of() was asked about

 private:
  std::vector<std::string_view> lines_;
  std::vector<lint_finding> findings_;
  std::vector<relation> created_;
  std::vector<std::string> annotations_;
  const statement* statement_ = nullptr;
  int current_ = 0;
  // Set once the file changes what a name means (SET search_path, a table renamed or moved):
  // the facts, read for the names as the session resolves them now, no longer apply.
  bool facts_off_ = false;
};

}  // namespace

auto lint_rules() noexcept -> std::span<const lint_rule> { return rules; }

auto lint(std::string_view sql, const lint_options& options) -> std::vector<lint_finding> {
  return linter(sql, options).run();
}

auto tables_linted(std::string_view sql) -> std::vector<table_facts> {
  std::vector<table_facts> out;
  const lint_options options;
  linter l(sql, options);
  l.asked_ = &out;
  (void)l.run();
  return out;
}

namespace {

struct table_facts_row {
  std::int32_t at = 0;  // 1-based index in the names asked
  std::string schema;
  std::string name;
  std::int64_t bytes = 0;
};

// The tables the names resolve to on this session (one row per name that is a table the
// session may read; a partitioned table's size is its partitions'). Row-level security
// hides rows from the select that tells emptiness, so such a table counts only when the
// role bypasses it.
constexpr const char* table_facts_sql =
    "select w.at::int4 as at, n.nspname::text as schema, c.relname::text as name,"
    " (case when c.relkind = 'p' then (select coalesce(sum(pg_catalog.pg_total_relation_size(t.relid)), 0)"
    " from pg_catalog.pg_partition_tree(c.oid) t) else pg_catalog.pg_total_relation_size(c.oid) end)::int8 as bytes"
    " from unnest($1::text[]) with ordinality as w(written, at)"
    " join pg_catalog.pg_class c on c.oid = pg_catalog.to_regclass(w.written)"
    " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " where c.relkind in ('r', 'p') and pg_catalog.has_table_privilege(c.oid, 'SELECT')"
    " and (not c.relrowsecurity or exists (select from pg_catalog.pg_roles r where r.rolname = current_user"
    " and (r.rolsuper or r.rolbypassrls)))";

}  // namespace

auto read_lint_catalog(connection& cx, std::span<const std::string> files) -> lint_catalog {
  std::vector<table_facts> asked;
  for (const auto& sql : files)
    for (auto& t : tables_linted(sql))
      if (std::none_of(asked.begin(), asked.end(),
                       [&](const table_facts& x) { return x.schema == t.schema && x.name == t.name; }))
        asked.push_back(std::move(t));
  lint_catalog out;
  if (asked.empty()) return out;
  std::vector<std::string> written;
  written.reserve(asked.size());
  for (const auto& t : asked)
    written.push_back(t.schema.empty() ? quote_identifier(t.name) : quote_qualified({t.schema, t.name}));
  // One transaction with a short lock_timeout: the ACCESS SHARE locks it takes do not wait
  // behind another session (VACUUM FULL, DDL). A table that stays locked, or a schema the
  // role may not use, leaves every table unknown: the static rules.
  try {
    transaction tx{cx};
    cx.execute("select pg_catalog.set_config('lock_timeout', '1s', true)");
    for (auto& r : cx.query<table_facts_row>(table_facts_sql, written)) {
      auto t = asked[static_cast<std::size_t>(r.at - 1)];
      t.bytes = r.bytes;
      t.empty = cx.query_value<bool>("select not exists (select from " + quote_qualified({r.schema, r.name}) + ")");
      out.tables.push_back(std::move(t));
    }
    tx.commit();
  } catch (const sql_error& e) {
    // 55P03 lock_not_available, 42501 no USAGE on a schema.
    if (e.sqlstate() != "55P03" && e.sqlstate() != "42501") throw;
    out.tables.clear();
  }
  return out;
}

auto lint_failures(const std::vector<lint_finding>& findings, bool strict) noexcept -> std::size_t {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [&](const lint_finding& f) {
    return !f.ignored() && (strict || f.severity == lint_severity::error);
  }));
}

auto to_string(lint_severity s) noexcept -> std::string_view { return s == lint_severity::error ? "error" : "warning"; }

}  // namespace pgpx::migrate
