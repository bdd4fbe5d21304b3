// The table management builders: names through quote_identifier, program-written SQL
// checked (type names against a small grammar, expressions by PostgreSQL's own scanner
// through libpg_query), lowercase keywords, single spaces. Builders check what they are given at once, so the message
// names the call.
#include <pgpx/schema/manage.hpp>

#include <pgpx/core/identifier.hpp>
#include <pgpx/error.hpp>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <algorithm>
#include <cmath>
#include <locale>
#include <sstream>
#include <cstdint>
#include <memory>
#include <string>

namespace pgpx::schema::manage {

namespace {

constexpr std::string_view prefix = "pgpx::schema::manage::";

[[noreturn]] void refuse(std::string_view where, std::string_view what, std::string_view problem) {
  throw usage_error(std::string(prefix) + std::string(where) + ": " + std::string(what) + ": " + std::string(problem));
}

// quote_identifier, with the call and the argument in the message.
auto quote(std::string_view where, std::string_view what, std::string_view name) -> std::string {
  try {
    return quote_identifier(name);
  } catch (const usage_error& e) {
    refuse(where, what, e.message());
  }
}

auto quote_object(std::string_view where, std::string_view what, const object_name& name) -> std::string {
  try {
    return name.sql();
  } catch (const usage_error& e) {
    refuse(where, what, e.message());
  }
}

auto quote_list(std::string_view where, std::string_view what, const std::vector<std::string>& names) -> std::string {
  if (names.empty()) refuse(where, what, "the list is empty");
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += quote(where, what, n);
  }
  return out;
}

auto is_ident_start(unsigned char c) -> bool {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
auto is_ident_char(unsigned char c) -> bool { return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$'; }

// Skips a "quoted identifier" starting at text[i] == '"'; returns the index after it, or
// npos when it is not closed.
auto skip_quoted_identifier(std::string_view text, std::size_t i) -> std::size_t {
  for (++i; i < text.size(); ++i) {
    if (text[i] != '"') continue;
    if (i + 1 < text.size() && text[i + 1] == '"') {
      ++i;
      continue;
    }
    return i + 1;
  }
  return std::string_view::npos;
}

/**
 * A SQL type name: letters, digits, `_`, spaces, `( ) [ ] , .` and "quoted identifiers",
 * starting with a letter, `_` or a quote, brackets balanced. Enough for "int8",
 * "numeric(12,2)", "timestamp(3) with time zone", "text[]", "public.mood", "\"My Type\"[]",
 * "setof text", "table (a int4, b text)"; nothing else gets through.
 */
void check_type(std::string_view where, std::string_view what, std::string_view type) {
  if (type.find('\0') != std::string_view::npos) refuse(where, what, "a SQL type name cannot contain a NUL byte");
  const auto first = type.find_first_not_of(' ');
  if (first == std::string_view::npos) refuse(where, what, "the SQL type name is empty");
  const auto c0 = static_cast<unsigned char>(type[first]);
  if (c0 != '"' && (c0 >= 0x80 || !is_ident_start(c0)))
    refuse(where, what, "a SQL type name starts with a letter, '_' or '\"'");
  std::string stack;
  for (std::size_t i = 0; i < type.size();) {
    const auto c = static_cast<unsigned char>(type[i]);
    if (c == '"') {
      const auto end = skip_quoted_identifier(type, i);
      if (end == std::string_view::npos) refuse(where, what, "an unterminated quoted name in the SQL type name");
      i = end;
      continue;
    }
    if (c == '(' || c == '[') {
      stack.push_back(c == '(' ? ')' : ']');
    } else if (c == ')' || c == ']') {
      if (stack.empty() || stack.back() != static_cast<char>(c))
        refuse(where, what, "unbalanced brackets in the SQL type name");
      stack.pop_back();
    } else if (!((c < 0x80 && is_ident_char(c) && c != '$') || c == ' ' || c == ',' || c == '.')) {
      refuse(where, what,
             "a SQL type name holds only letters, digits, '_', spaces, ( ) [ ] , . and \"quoted names\"; found '" +
                 std::string(1, static_cast<char>(c)) + "'");
    }
    ++i;
  }
  if (!stack.empty()) refuse(where, what, "unbalanced brackets in the SQL type name");
}

/**
 * Program-written SQL text for an expression, read by PostgreSQL's own scanner
 * (libpg_query): it must scan (quotes closed), hold no `;` and no comment, keep its
 * parentheses and brackets balanced, and have no backslash in a '...' string (whose
 * meaning standard_conforming_strings would decide on the server; E'...' says it).
 */
void check_expression(std::string_view where, std::string_view what, std::string_view text) {
  constexpr const char* note = " (expressions are SQL written by the program, never input)";
  if (text.find('\0') != std::string_view::npos) refuse(where, what, "a SQL expression cannot contain a NUL byte");
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) refuse(where, what, "the SQL expression is empty");
  const std::string sql(text);
  PgQueryScanResult r = pg_query_scan(sql.c_str());
  std::unique_ptr<PgQueryScanResult, void (*)(PgQueryScanResult*)> guard(
      &r, [](PgQueryScanResult* p) { pg_query_free_scan_result(*p); });
  if (r.error != nullptr)
    refuse(where, what, std::string("does not scan as SQL: ") + (r.error->message ? r.error->message : "?") + note);
  std::unique_ptr<PgQuery__ScanResult, void (*)(PgQuery__ScanResult*)> s(
      pg_query__scan_result__unpack(nullptr, r.pbuf.len, reinterpret_cast<const std::uint8_t*>(r.pbuf.data)),
      [](PgQuery__ScanResult* p) {
        if (p != nullptr) pg_query__scan_result__free_unpacked(p, nullptr);
      });
  if (s == nullptr) refuse(where, what, std::string("does not scan as SQL") + note);
  std::string stack;
  for (std::size_t i = 0; i < s->n_tokens; ++i) {
    const auto* t = s->tokens[i];
    switch (t->token) {
      case PG_QUERY__TOKEN__ASCII_59: refuse(where, what, std::string("';' outside quotes") + note);
      case PG_QUERY__TOKEN__SQL_COMMENT: refuse(where, what, std::string("a comment ('--')") + note);
      case PG_QUERY__TOKEN__C_COMMENT: refuse(where, what, std::string("a comment ('/*')") + note);
      case PG_QUERY__TOKEN__ASCII_40: stack.push_back(')'); break;
      case PG_QUERY__TOKEN__ASCII_91: stack.push_back(']'); break;
      case PG_QUERY__TOKEN__ASCII_41:
      case PG_QUERY__TOKEN__ASCII_93:
        if (stack.empty() || stack.back() != (t->token == PG_QUERY__TOKEN__ASCII_41 ? ')' : ']'))
          refuse(where, what, std::string("unbalanced parentheses or brackets") + note);
        stack.pop_back();
        break;
      case PG_QUERY__TOKEN__SCONST: {
        // '...' (not E'...', not $$...$$): a backslash is a character only while
        // standard_conforming_strings is on.
        const auto from = static_cast<std::size_t>(std::max(0, t->start));
        auto to = static_cast<std::size_t>(std::max(0, t->end));
        if (to <= from || to > sql.size()) to = sql.size();
        if (from < sql.size() && sql[from] == '\'' && sql.find('\\', from) < to)
          refuse(where, what, std::string("a backslash in a '...' string; write E'...' to make it an escape") + note);
        break;
      }
      default: break;
    }
  }
  if (!stack.empty()) refuse(where, what, std::string("unbalanced parentheses or brackets") + note);
}

auto expression(std::string_view where, std::string_view what, std::string_view text) -> std::string {
  check_expression(where, what, text);
  return "(" + std::string(text) + ")";
}

auto type_name(std::string_view where, std::string_view what, std::string_view type) -> std::string {
  check_type(where, what, type);
  const auto b = type.find_first_not_of(' ');
  const auto e = type.find_last_not_of(' ');
  return std::string(type.substr(b, e - b + 1));
}

auto action_sql(referential_action a) -> std::string_view {
  switch (a) {
    case referential_action::no_action: return "no action";
    case referential_action::restrict: return "restrict";
    case referential_action::cascade: return "cascade";
    case referential_action::set_null: return "set null";
    case referential_action::set_default: return "set default";
  }
  return "no action";
}

auto foreign_key_actions(foreign_key_options o) -> std::string {
  std::string out;
  if (o.on_delete != referential_action::no_action) out += " on delete " + std::string(action_sql(o.on_delete));
  if (o.on_update != referential_action::no_action) out += " on update " + std::string(action_sql(o.on_update));
  return out;
}

auto column_definition(std::string_view where, std::string_view name, std::string_view type, const column_options& o)
    -> std::string {
  std::string out = quote(where, "column name", name) + " " + type_name(where, "type of column", type);
  if (o.identity && o.nullable) refuse(where, "column options", "an identity column is never nullable");
  if (o.identity && !o.default_sql.empty()) refuse(where, "column options", "an identity column has no default");
  if (!o.generated_sql.empty() && !o.default_sql.empty())
    refuse(where, "column options", "a generated column has no default");
  if (o.identity) return out + " generated always as identity";
  if (!o.nullable) out += " not null";
  if (!o.default_sql.empty()) out += " default " + expression(where, "default of column", o.default_sql);
  if (!o.generated_sql.empty())
    out += " generated always as " + expression(where, "generation expression", o.generated_sql) + " stored";
  return out;
}

auto constraint_prefix(std::string_view where, std::string_view name) -> std::string {
  if (name.empty()) return {};
  return "constraint " + quote(where, "constraint name", name) + " ";
}

auto drop_suffix(const drop_options& o) -> std::string_view { return o.cascade ? " cascade" : ""; }
auto if_exists(const drop_options& o) -> std::string_view { return o.if_exists ? "if exists " : ""; }

auto arg_types(std::string_view where, const std::vector<std::string>& types) -> std::string {
  std::string out = "(";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i > 0) out += ", ";
    out += type_name(where, "argument type", types[i]);
  }
  return out + ")";
}

auto role_list(std::string_view where, const std::vector<std::string>& roles) -> std::string {
  if (roles.empty()) refuse(where, "roles", "the list is empty");
  std::string out;
  for (const auto& r : roles) {
    if (!out.empty()) out += ", ";
    // PUBLIC is a keyword, not a role; the server reads "public" quoted the same way.
    out += r == "public" ? std::string("public") : quote(where, "role name", r);
  }
  return out;
}

// The first of $pgpx$, $pgpx1$, $pgpx2$... that cannot close early: not in the body, and
// not made by the body's end and the tag together ("...$pgpx" + "$pgpx$").
auto dollar_quote(std::string_view body) -> std::string {
  std::string tag = "$pgpx$";
  for (int n = 1;; ++n) {
    const std::string joined = std::string(body) + tag;
    if (joined.find(tag) == body.size()) break;
    tag = "$pgpx" + std::to_string(n) + "$";
  }
  return tag + std::string(body) + tag;
}

}  // namespace

auto object_name::sql() const -> std::string {
  if (schema_.empty()) return quote_identifier(name_);
  return quote_qualified({schema_, name_});
}

// ---------------------------------------------------------------------------------------
// Tables

create_table_builder::create_table_builder(object_name table) : table_(std::move(table)) {
  (void)quote_object("create_table", "table name", table_);
}

auto create_table_builder::column(std::string_view name, std::string_view type, const column_options& options)
    -> create_table_builder& {
  parts_.push_back(column_definition("create_table", name, type, options));
  return *this;
}

auto create_table_builder::primary_key(const std::vector<std::string>& columns, std::string_view name)
    -> create_table_builder& {
  parts_.push_back(constraint_prefix("create_table", name) + "primary key (" +
                   quote_list("create_table", "primary key columns", columns) + ")");
  return *this;
}

auto create_table_builder::unique(const std::vector<std::string>& columns, std::string_view name)
    -> create_table_builder& {
  parts_.push_back(constraint_prefix("create_table", name) + "unique (" +
                   quote_list("create_table", "unique columns", columns) + ")");
  return *this;
}

auto create_table_builder::check(std::string_view expr, std::string_view name) -> create_table_builder& {
  parts_.push_back(constraint_prefix("create_table", name) + "check " +
                   expression("create_table", "check expression", expr));
  return *this;
}

auto create_table_builder::foreign_key(const std::vector<std::string>& columns, const object_name& references,
                                       const std::vector<std::string>& referenced_columns, foreign_key_options options,
                                       std::string_view name) -> create_table_builder& {
  constexpr std::string_view w = "create_table";
  if (columns.size() != referenced_columns.size())
    refuse(w, "foreign key", "as many referenced columns as columns are needed");
  parts_.push_back(constraint_prefix(w, name) + "foreign key (" + quote_list(w, "foreign key columns", columns) +
                   ") references " + quote_object(w, "referenced table", references) + " (" +
                   quote_list(w, "referenced columns", referenced_columns) + ")" + foreign_key_actions(options));
  return *this;
}

auto create_table_builder::if_not_exists() -> create_table_builder& {
  if_not_exists_ = true;
  return *this;
}

auto create_table_builder::unlogged() -> create_table_builder& {
  unlogged_ = true;
  return *this;
}

auto create_table_builder::statement() const -> pgpx::statement<void> {
  std::string sql = unlogged_ ? "create unlogged table " : "create table ";
  if (if_not_exists_) sql += "if not exists ";
  sql += quote_object("create_table", "table name", table_) + " (";
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += parts_[i];
  }
  sql += ')';
  return pgpx::statement<void>(std::move(sql));
}

auto create_table(object_name table) -> create_table_builder { return create_table_builder(std::move(table)); }

auto drop_table(const object_name& table, drop_options options) -> statement<void> {
  return statement<void>("drop table " + std::string(if_exists(options)) +
                         quote_object("drop_table", "table name", table) + std::string(drop_suffix(options)));
}

auto rename_table(const object_name& table, std::string_view new_name) -> statement<void> {
  return statement<void>("alter table " + quote_object("rename_table", "table name", table) + " rename to " +
                         quote("rename_table", "new name", new_name));
}

alter_table_builder::alter_table_builder(object_name table) : table_(std::move(table)) {
  (void)quote_object("alter_table", "table name", table_);
}

auto alter_table_builder::add_column(std::string_view name, std::string_view type, const column_options& options)
    -> alter_table_builder& {
  actions_.push_back({"add column " + column_definition("alter_table", name, type, options)});
  return *this;
}

auto alter_table_builder::drop_column(std::string_view name, drop_column_options options) -> alter_table_builder& {
  actions_.push_back({std::string("drop column ") + (options.if_exists ? "if exists " : "") +
                      quote("alter_table", "column name", name) + (options.cascade ? " cascade" : "")});
  return *this;
}

auto alter_table_builder::rename_column(std::string_view from, std::string_view to) -> alter_table_builder& {
  actions_.push_back({"rename column " + quote("alter_table", "column name", from) + " to " +
                          quote("alter_table", "new column name", to),
                      true});
  return *this;
}

auto alter_table_builder::set_type(std::string_view column, std::string_view type, std::string_view using_expr)
    -> alter_table_builder& {
  std::string s = "alter column " + quote("alter_table", "column name", column) + " type " +
                  type_name("alter_table", "type of column", type);
  if (!using_expr.empty()) s += " using " + expression("alter_table", "using expression", using_expr);
  actions_.push_back({std::move(s)});
  return *this;
}

auto alter_table_builder::set_not_null(std::string_view column) -> alter_table_builder& {
  actions_.push_back({"alter column " + quote("alter_table", "column name", column) + " set not null"});
  return *this;
}

auto alter_table_builder::drop_not_null(std::string_view column) -> alter_table_builder& {
  actions_.push_back({"alter column " + quote("alter_table", "column name", column) + " drop not null"});
  return *this;
}

auto alter_table_builder::set_default(std::string_view column, std::string_view expr) -> alter_table_builder& {
  actions_.push_back({"alter column " + quote("alter_table", "column name", column) + " set default " +
                      expression("alter_table", "default expression", expr)});
  return *this;
}

auto alter_table_builder::drop_default(std::string_view column) -> alter_table_builder& {
  actions_.push_back({"alter column " + quote("alter_table", "column name", column) + " drop default"});
  return *this;
}

auto alter_table_builder::statements() const -> std::vector<pgpx::statement<void>> {
  if (actions_.empty()) refuse("alter_table", "actions", "nothing to alter");
  const std::string head = "alter table " + quote_object("alter_table", "table name", table_) + " ";
  std::vector<pgpx::statement<void>> out;
  std::string pending;
  auto flush = [&] {
    if (pending.empty()) return;
    out.emplace_back(head + pending);
    pending.clear();
  };
  for (const auto& a : actions_) {
    if (a.alone) {
      flush();
      out.emplace_back(head + a.sql);
      continue;
    }
    if (!pending.empty()) pending += ", ";
    pending += a.sql;
  }
  flush();
  return out;
}

auto alter_table(object_name table) -> alter_table_builder { return alter_table_builder(std::move(table)); }

// ---------------------------------------------------------------------------------------
// Indexes

create_index_builder::create_index_builder(std::string_view name, object_name table)
    : name_(quote("create_index", "index name", name)), table_(std::move(table)) {
  (void)quote_object("create_index", "table name", table_);
}

auto create_index_builder::columns(const std::vector<std::string>& names) -> create_index_builder& {
  if (names.empty()) refuse("create_index", "columns", "the list is empty");
  for (const auto& n : names) keys_.push_back(quote("create_index", "column name", n));
  return *this;
}

auto create_index_builder::column_desc(std::string_view name) -> create_index_builder& {
  keys_.push_back(quote("create_index", "column name", name) + " desc");
  return *this;
}

auto create_index_builder::expression(std::string_view expr) -> create_index_builder& {
  keys_.push_back(manage::expression("create_index", "key expression", expr));
  return *this;
}

auto create_index_builder::unique() -> create_index_builder& {
  unique_ = true;
  return *this;
}

auto create_index_builder::concurrently() -> create_index_builder& {
  concurrently_ = true;
  return *this;
}

auto create_index_builder::if_not_exists() -> create_index_builder& {
  if_not_exists_ = true;
  return *this;
}

auto create_index_builder::method(std::string_view name) -> create_index_builder& {
  static constexpr std::string_view builtin[] = {"btree", "hash", "gist", "spgist", "gin", "brin"};
  if (std::find(std::begin(builtin), std::end(builtin), name) != std::end(builtin)) method_ = std::string(name);
  else method_ = quote("create_index", "access method", name);
  return *this;
}

auto create_index_builder::opclass(std::string_view name) -> create_index_builder& {
  if (keys_.empty()) refuse("create_index", "operator class", "give a column or an expression first");
  keys_.back() += " " + quote("create_index", "operator class", name);
  return *this;
}

auto create_index_builder::with(std::string_view name, double value) -> create_index_builder& {
  if (!std::isfinite(value)) refuse("create_index", "storage parameter", "the value must be a finite number");
  std::ostringstream v;
  v.imbue(std::locale::classic());
  v.precision(17);
  v << value;
  with_.push_back(quote("create_index", "storage parameter", name) + " = " + v.str());
  return *this;
}

auto create_index_builder::include(const std::vector<std::string>& names) -> create_index_builder& {
  include_.push_back(quote_list("create_index", "include columns", names));
  return *this;
}

auto create_index_builder::where(std::string_view expr) -> create_index_builder& {
  where_ = manage::expression("create_index", "where expression", expr);
  return *this;
}

auto create_index_builder::statement() const -> pgpx::statement<void> {
  if (keys_.empty()) refuse("create_index", "columns", "an index needs a column or an expression");
  std::string sql = unique_ ? "create unique index " : "create index ";
  if (concurrently_) sql += "concurrently ";
  if (if_not_exists_) sql += "if not exists ";
  sql += name_ + " on " + table_.sql();
  if (!method_.empty() && method_ != "btree") sql += " using " + method_;
  sql += " (";
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += keys_[i];
  }
  sql += ')';
  if (!include_.empty()) {
    sql += " include (";
    for (std::size_t i = 0; i < include_.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += include_[i];
    }
    sql += ')';
  }
  if (!with_.empty()) {
    sql += " with (";
    for (std::size_t i = 0; i < with_.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += with_[i];
    }
    sql += ')';
  }
  if (!where_.empty()) sql += " where " + where_;
  return pgpx::statement<void>(std::move(sql));
}

auto create_index(std::string_view name, object_name table) -> create_index_builder {
  return create_index_builder(name, std::move(table));
}

auto drop_index(const object_name& index, drop_index_options options) -> statement<void> {
  if (options.concurrently && options.cascade)
    refuse("drop_index", "options", "drop index concurrently cannot cascade (the server refuses it)");
  return statement<void>(std::string("drop index ") + (options.concurrently ? "concurrently " : "") +
                         (options.if_exists ? "if exists " : "") + quote_object("drop_index", "index name", index) +
                         (options.cascade ? " cascade" : ""));
}

// ---------------------------------------------------------------------------------------
// Constraints

add_constraint_builder::add_constraint_builder(object_name table, std::string_view name)
    : table_(std::move(table)), name_(quote("add_constraint", "constraint name", name)) {
  (void)quote_object("add_constraint", "table name", table_);
}

auto add_constraint_builder::primary_key(const std::vector<std::string>& columns) -> add_constraint_builder& {
  body_ = "primary key (" + quote_list("add_constraint", "primary key columns", columns) + ")";
  ++kinds_;
  return *this;
}

auto add_constraint_builder::unique(const std::vector<std::string>& columns) -> add_constraint_builder& {
  body_ = "unique (" + quote_list("add_constraint", "unique columns", columns) + ")";
  ++kinds_;
  return *this;
}

auto add_constraint_builder::check(std::string_view expr) -> add_constraint_builder& {
  body_ = "check " + expression("add_constraint", "check expression", expr);
  ++kinds_;
  return *this;
}

auto add_constraint_builder::foreign_key(const std::vector<std::string>& columns) -> add_constraint_builder& {
  body_ = "foreign key (" + quote_list("add_constraint", "foreign key columns", columns) + ")";
  ++kinds_;
  foreign_ = true;
  return *this;
}

auto add_constraint_builder::references(const object_name& table, const std::vector<std::string>& columns,
                                        foreign_key_options options) -> add_constraint_builder& {
  constexpr std::string_view w = "add_constraint";
  if (!foreign_ || referenced_) refuse(w, "references", "give foreign_key() first, and references() once");
  body_ += " references " + quote_object(w, "referenced table", table) + " (" +
           quote_list(w, "referenced columns", columns) + ")" + foreign_key_actions(options);
  referenced_ = true;
  return *this;
}

auto add_constraint_builder::deferrable(bool initially_deferred) -> add_constraint_builder& {
  deferrable_ = initially_deferred ? " deferrable initially deferred" : " deferrable";
  return *this;
}

auto add_constraint_builder::not_valid() -> add_constraint_builder& {
  not_valid_ = true;
  return *this;
}

auto add_constraint_builder::statement() const -> pgpx::statement<void> {
  constexpr std::string_view w = "add_constraint";
  if (kinds_ != 1) refuse(w, "constraint", "give exactly one of primary_key, unique, check, foreign_key");
  if (foreign_ && !referenced_) refuse(w, "foreign key", "references() is missing");
  const bool is_check = body_.rfind("check ", 0) == 0;
  if (not_valid_ && !foreign_ && !is_check)
    refuse(w, "not_valid", "only check and foreign key constraints can be added not valid");
  if (!deferrable_.empty() && is_check) refuse(w, "deferrable", "a check constraint cannot be deferrable");
  return pgpx::statement<void>("alter table " + table_.sql() + " add constraint " + name_ + " " + body_ + deferrable_ +
                               (not_valid_ ? " not valid" : ""));
}

auto add_constraint(object_name table, std::string_view name) -> add_constraint_builder {
  return add_constraint_builder(std::move(table), name);
}

auto validate_constraint(const object_name& table, std::string_view name) -> statement<void> {
  return statement<void>("alter table " + quote_object("validate_constraint", "table name", table) +
                         " validate constraint " + quote("validate_constraint", "constraint name", name));
}

auto drop_constraint(const object_name& table, std::string_view name, drop_options options) -> statement<void> {
  return statement<void>("alter table " + quote_object("drop_constraint", "table name", table) + " drop constraint " +
                         std::string(if_exists(options)) + quote("drop_constraint", "constraint name", name) +
                         std::string(drop_suffix(options)));
}

// ---------------------------------------------------------------------------------------
// Routines

create_routine_builder::create_routine_builder(object_name name, bool procedure)
    : name_(std::move(name)), procedure_(procedure) {
  (void)quote_object(procedure_ ? "create_procedure" : "create_function", "name", name_);
}

auto create_routine_builder::args(const std::vector<routine_arg>& list) -> create_routine_builder& {
  const std::string_view w = procedure_ ? "create_procedure" : "create_function";
  std::string out = "(";
  has_out_ = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& a = list[i];
    if (i > 0) out += ", ";
    switch (a.mode) {
      case arg_mode::in: break;
      case arg_mode::out:
        out += "out ";
        has_out_ = true;
        break;
      case arg_mode::inout:
        out += "inout ";
        has_out_ = true;
        break;
      case arg_mode::variadic: out += "variadic "; break;
    }
    if (!a.name.empty()) out += quote(w, "argument name", a.name) + " ";
    out += type_name(w, "argument type", a.type);
    if (!a.default_sql.empty()) out += " default " + expression(w, "argument default", a.default_sql);
  }
  args_ = out + ")";
  return *this;
}

auto create_routine_builder::returns(std::string_view type) -> create_routine_builder& {
  if (procedure_) refuse("create_procedure", "returns", "a procedure returns nothing (use inout arguments)");
  returns_ = type_name("create_function", "return type", type);
  return *this;
}

auto create_routine_builder::language(std::string_view name) -> create_routine_builder& {
  language_ = quote(procedure_ ? "create_procedure" : "create_function", "language", name);
  return *this;
}

auto create_routine_builder::body(std::string_view code) -> create_routine_builder& {
  if (code.find('\0') != std::string_view::npos)
    refuse(procedure_ ? "create_procedure" : "create_function", "body", "a body cannot contain a NUL byte");
  body_ = dollar_quote(code);
  has_body_ = true;
  return *this;
}

auto create_routine_builder::set_volatility(volatility v) -> create_routine_builder& {
  if (procedure_) refuse("create_procedure", "volatility", "procedures have none");
  switch (v) {
    case volatility::volatile_: options_ += " volatile"; break;
    case volatility::stable: options_ += " stable"; break;
    case volatility::immutable: options_ += " immutable"; break;
  }
  return *this;
}

auto create_routine_builder::strict() -> create_routine_builder& {
  if (procedure_) refuse("create_procedure", "strict", "procedures cannot be strict");
  options_ += " strict";
  return *this;
}

auto create_routine_builder::security_definer() -> create_routine_builder& {
  options_ += " security definer";
  return *this;
}

auto create_routine_builder::set_search_path(const std::vector<std::string>& schemas) -> create_routine_builder& {
  const std::string_view w = procedure_ ? "create_procedure" : "create_function";
  // An empty path is '' (a constant of pgpx's own); names are quoted one by one.
  options_ += " set search_path = " + (schemas.empty() ? std::string("''") : quote_list(w, "search_path", schemas));
  return *this;
}

auto create_routine_builder::or_replace() -> create_routine_builder& {
  or_replace_ = true;
  return *this;
}

auto create_routine_builder::statement() const -> pgpx::statement<void> {
  const std::string_view w = procedure_ ? "create_procedure" : "create_function";
  if (language_.empty()) refuse(w, "language", "language() is missing");
  if (!has_body_) refuse(w, "body", "body() is missing");
  if (!procedure_ && returns_.empty() && !has_out_)
    refuse(w, "returns", "returns() is missing (and there is no out argument)");
  std::string sql = or_replace_ ? "create or replace " : "create ";
  sql += procedure_ ? "procedure " : "function ";
  sql += name_.sql() + args_;
  if (!returns_.empty()) sql += " returns " + returns_;
  sql += " language " + language_ + options_ + " as " + body_;
  return pgpx::statement<void>(std::move(sql));
}

auto create_function(object_name name) -> create_routine_builder { return {std::move(name), false}; }
auto create_procedure(object_name name) -> create_routine_builder { return {std::move(name), true}; }

auto drop_function(const object_name& name, const std::vector<std::string>& arg_types_list, drop_options options)
    -> statement<void> {
  return statement<void>("drop function " + std::string(if_exists(options)) +
                         quote_object("drop_function", "function name", name) +
                         arg_types("drop_function", arg_types_list) + std::string(drop_suffix(options)));
}

auto drop_procedure(const object_name& name, const std::vector<std::string>& arg_types_list, drop_options options)
    -> statement<void> {
  return statement<void>("drop procedure " + std::string(if_exists(options)) +
                         quote_object("drop_procedure", "procedure name", name) +
                         arg_types("drop_procedure", arg_types_list) + std::string(drop_suffix(options)));
}

// ---------------------------------------------------------------------------------------
// Triggers

create_trigger_builder::create_trigger_builder(std::string_view name, object_name table)
    : name_(quote("create_trigger", "trigger name", name)), table_(std::move(table)) {
  (void)quote_object("create_trigger", "table name", table_);
}

auto create_trigger_builder::fires(trigger_timing timing, std::initializer_list<trigger_event> events)
    -> create_trigger_builder& {
  if (events.size() == 0) refuse("create_trigger", "events", "the list is empty");
  switch (timing) {
    case trigger_timing::before: timing_ = "before"; break;
    case trigger_timing::after: timing_ = "after"; break;
    case trigger_timing::instead_of: timing_ = "instead of"; break;
  }
  events_.assign(events.begin(), events.end());
  return *this;
}

auto create_trigger_builder::update_of(const std::vector<std::string>& columns) -> create_trigger_builder& {
  if (columns.empty()) refuse("create_trigger", "update_of", "the list is empty");
  update_of_.clear();
  for (const auto& c : columns) update_of_.push_back(quote("create_trigger", "update_of column", c));
  return *this;
}

auto create_trigger_builder::for_each_row() -> create_trigger_builder& {
  for_each_row_ = true;
  return *this;
}

auto create_trigger_builder::when(std::string_view expr) -> create_trigger_builder& {
  when_ = expression("create_trigger", "when expression", expr);
  return *this;
}

auto create_trigger_builder::execute_function(const object_name& function) -> create_trigger_builder& {
  function_ = quote_object("create_trigger", "function name", function);
  return *this;
}

auto create_trigger_builder::or_replace() -> create_trigger_builder& {
  or_replace_ = true;
  return *this;
}

auto create_trigger_builder::statement() const -> pgpx::statement<void> {
  constexpr std::string_view w = "create_trigger";
  if (events_.empty()) refuse(w, "events", "fires() is missing");
  if (function_.empty()) refuse(w, "function", "execute_function() is missing");
  const bool has_update = std::find(events_.begin(), events_.end(), trigger_event::update) != events_.end();
  if (!update_of_.empty() && !has_update) refuse(w, "update_of", "the trigger does not fire on update");
  std::string sql = or_replace_ ? "create or replace trigger " : "create trigger ";
  sql += name_ + " " + timing_ + " ";
  for (std::size_t i = 0; i < events_.size(); ++i) {
    if (i > 0) sql += " or ";
    switch (events_[i]) {
      case trigger_event::insert: sql += "insert"; break;
      case trigger_event::update:
        sql += "update";
        if (!update_of_.empty()) {
          sql += " of ";
          for (std::size_t j = 0; j < update_of_.size(); ++j) {
            if (j > 0) sql += ", ";
            sql += update_of_[j];
          }
        }
        break;
      case trigger_event::delete_: sql += "delete"; break;
      case trigger_event::truncate: sql += "truncate"; break;
    }
  }
  sql += " on " + table_.sql();
  sql += for_each_row_ ? " for each row" : " for each statement";
  if (!when_.empty()) sql += " when " + when_;
  sql += " execute function " + function_ + "()";
  return pgpx::statement<void>(std::move(sql));
}

auto create_trigger(std::string_view name, object_name table) -> create_trigger_builder {
  return create_trigger_builder(name, std::move(table));
}

auto drop_trigger(std::string_view name, const object_name& table, drop_options options) -> statement<void> {
  return statement<void>("drop trigger " + std::string(if_exists(options)) +
                         quote("drop_trigger", "trigger name", name) + " on " +
                         quote_object("drop_trigger", "table name", table) + std::string(drop_suffix(options)));
}

// ---------------------------------------------------------------------------------------
// Roles

create_role_builder::create_role_builder(std::string_view name) : name_(quote("create_role", "role name", name)) {}

auto create_role_builder::login() -> create_role_builder& {
  options_ += " login";
  return *this;
}
auto create_role_builder::createdb() -> create_role_builder& {
  options_ += " createdb";
  return *this;
}
auto create_role_builder::createrole() -> create_role_builder& {
  options_ += " createrole";
  return *this;
}
auto create_role_builder::noinherit() -> create_role_builder& {
  options_ += " noinherit";
  return *this;
}
auto create_role_builder::bypassrls() -> create_role_builder& {
  options_ += " bypassrls";
  return *this;
}
auto create_role_builder::connection_limit(int n) -> create_role_builder& {
  if (n < -1) refuse("create_role", "connection_limit", "must be -1 (no limit) or more");
  options_ += " connection limit " + std::to_string(n);
  return *this;
}
auto create_role_builder::in_role(const std::vector<std::string>& roles) -> create_role_builder& {
  options_ += " in role " + quote_list("create_role", "in_role", roles);
  return *this;
}

auto create_role_builder::password_verifier(std::string_view verifier) -> create_role_builder& {
  // SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, base64 parts. The text is
  // never echoed: if it is a password after all, it must not reach a message or a log.
  constexpr std::string_view head = "SCRAM-SHA-256$";
  auto refused = [] {
    refuse("create_role", "password_verifier",
           "not a SCRAM-SHA-256 verifier (SCRAM-SHA-256$<iterations>:<salt>$<stored key>:<server key>); plain "
           "passwords and md5 hashes are refused, since DDL text is logged (the value is not shown)");
  };
  if (verifier.substr(0, head.size()) != head) refused();
  std::string_view rest = verifier.substr(head.size());
  auto b64 = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
             c == '=';
    });
  };
  const auto colon1 = rest.find(':');
  const auto dollar = rest.find('$');
  if (colon1 == std::string_view::npos || dollar == std::string_view::npos || dollar < colon1) refused();
  const auto iterations = rest.substr(0, colon1);
  const auto salt = rest.substr(colon1 + 1, dollar - colon1 - 1);
  const auto keys = rest.substr(dollar + 1);
  const auto colon2 = keys.find(':');
  if (iterations.empty() ||
      !std::all_of(iterations.begin(), iterations.end(), [](char c) { return c >= '0' && c <= '9'; }))
    refused();
  if (!b64(salt) || colon2 == std::string_view::npos || !b64(keys.substr(0, colon2)) || !b64(keys.substr(colon2 + 1)))
    refused();
  // Only [A-Za-z0-9+/=$:-] remain: quote_literal cannot meet a quote or a backslash.
  options_ += " password " + quote_literal(verifier);
  return *this;
}

auto create_role_builder::statement() const -> pgpx::statement<void> {
  return pgpx::statement<void>("create role " + name_ + options_);
}

auto create_role(std::string_view name) -> create_role_builder { return create_role_builder(name); }

auto drop_role(std::string_view name, drop_options options) -> statement<void> {
  if (options.cascade)
    refuse("drop_role", "options", "roles cannot be dropped with cascade; reassign or drop what they own first");
  return statement<void>("drop role " + std::string(if_exists(options)) + quote("drop_role", "role name", name));
}

auto grant_role(std::string_view role, std::string_view member) -> statement<void> {
  return statement<void>("grant " + quote("grant_role", "role name", role) + " to " +
                         quote("grant_role", "member name", member));
}

// ---------------------------------------------------------------------------------------
// Grants

namespace {

auto privilege_sql(privilege p) -> std::string_view {
  switch (p) {
    case privilege::select: return "select";
    case privilege::insert: return "insert";
    case privilege::update: return "update";
    case privilege::delete_: return "delete";
    case privilege::truncate: return "truncate";
    case privilege::references: return "references";
    case privilege::trigger: return "trigger";
    case privilege::usage: return "usage";
    case privilege::create: return "create";
    case privilege::connect: return "connect";
    case privilege::temporary: return "temporary";
    case privilege::execute: return "execute";
    case privilege::all: return "all privileges";
  }
  return "";
}

}  // namespace

grant_builder::grant_builder(std::vector<privilege> privileges, bool revoke)
    : privileges_(std::move(privileges)), revoke_(revoke) {
  const std::string_view w = revoke_ ? "revoke" : "grant";
  if (privileges_.empty()) refuse(w, "privileges", "the list is empty");
  if (privileges_.size() > 1 && std::find(privileges_.begin(), privileges_.end(), privilege::all) != privileges_.end())
    refuse(w, "privileges", "all stands alone");
}

void grant_builder::set_object(target t, std::string sql) {
  if (target_ != target::none) refuse(revoke_ ? "revoke" : "grant", "object", "give exactly one on_...()");
  target_ = t;
  object_ = std::move(sql);
}

auto grant_builder::on_table(const object_name& table) -> grant_builder& {
  set_object(target::table, "table " + quote_object(revoke_ ? "revoke" : "grant", "table name", table));
  return *this;
}
auto grant_builder::on_all_tables_in_schema(std::string_view schema) -> grant_builder& {
  set_object(target::table, "all tables in schema " + quote(revoke_ ? "revoke" : "grant", "schema name", schema));
  return *this;
}
auto grant_builder::on_sequence(const object_name& sequence) -> grant_builder& {
  set_object(target::sequence, "sequence " + quote_object(revoke_ ? "revoke" : "grant", "sequence name", sequence));
  return *this;
}
auto grant_builder::on_schema(std::string_view schema) -> grant_builder& {
  set_object(target::schema, "schema " + quote(revoke_ ? "revoke" : "grant", "schema name", schema));
  return *this;
}
auto grant_builder::on_function(const object_name& function, const std::vector<std::string>& types) -> grant_builder& {
  const std::string_view w = revoke_ ? "revoke" : "grant";
  set_object(target::routine, "function " + quote_object(w, "function name", function) + arg_types(w, types));
  return *this;
}
auto grant_builder::on_procedure(const object_name& procedure, const std::vector<std::string>& types)
    -> grant_builder& {
  const std::string_view w = revoke_ ? "revoke" : "grant";
  set_object(target::routine, "procedure " + quote_object(w, "procedure name", procedure) + arg_types(w, types));
  return *this;
}
auto grant_builder::on_database(std::string_view database) -> grant_builder& {
  set_object(target::database, "database " + quote(revoke_ ? "revoke" : "grant", "database name", database));
  return *this;
}
auto grant_builder::roles(const std::vector<std::string>& names) -> grant_builder& {
  (void)role_list(revoke_ ? "revoke" : "grant", names);
  roles_ = names;
  return *this;
}
auto grant_builder::grant_option() -> grant_builder& {
  grant_option_ = true;
  return *this;
}
auto grant_builder::cascade() -> grant_builder& {
  if (!revoke_) refuse("grant", "cascade", "only a revoke cascades");
  cascade_ = true;
  return *this;
}

auto grant_builder::statement() const -> pgpx::statement<void> {
  const std::string_view w = revoke_ ? "revoke" : "grant";
  if (target_ == target::none) refuse(w, "object", "give exactly one on_...()");
  if (roles_.empty()) refuse(w, "roles", "roles() is missing");
  std::string privs;
  for (const auto p : privileges_) {
    bool applies = p == privilege::all;
    switch (target_) {
      case target::table:
        applies = applies || p == privilege::select || p == privilege::insert || p == privilege::update ||
                  p == privilege::delete_ || p == privilege::truncate || p == privilege::references ||
                  p == privilege::trigger;
        break;
      case target::sequence:
        applies = applies || p == privilege::usage || p == privilege::select || p == privilege::update;
        break;
      case target::schema: applies = applies || p == privilege::usage || p == privilege::create; break;
      case target::routine: applies = applies || p == privilege::execute; break;
      case target::database:
        applies = applies || p == privilege::create || p == privilege::connect || p == privilege::temporary;
        break;
      case target::none: break;
    }
    if (!applies) {
      static constexpr std::string_view kinds[] = {"", "a table", "a sequence", "a schema", "a routine", "a database"};
      refuse(w, "privileges",
             std::string(privilege_sql(p)) + " does not apply to " + std::string(kinds[static_cast<int>(target_)]));
    }
    if (!privs.empty()) privs += ", ";
    privs += privilege_sql(p);
  }
  std::string sql;
  if (revoke_) {
    sql = std::string("revoke ") + (grant_option_ ? "grant option for " : "") + privs + " on " + object_ + " from " +
          role_list(w, roles_) + (cascade_ ? " cascade" : "");
  } else {
    sql = "grant " + privs + " on " + object_ + " to " + role_list(w, roles_) +
          (grant_option_ ? " with grant option" : "");
  }
  return pgpx::statement<void>(std::move(sql));
}

auto grant(std::vector<privilege> privileges) -> grant_builder { return {std::move(privileges), false}; }
auto revoke(std::vector<privilege> privileges) -> grant_builder { return {std::move(privileges), true}; }

// ---------------------------------------------------------------------------------------
// Row-level security

create_policy_builder::create_policy_builder(std::string_view name, object_name table)
    : name_(quote("create_policy", "policy name", name)), table_(std::move(table)) {
  (void)quote_object("create_policy", "table name", table_);
}

auto create_policy_builder::restrictive() -> create_policy_builder& {
  restrictive_ = true;
  return *this;
}
auto create_policy_builder::command(policy_command c) -> create_policy_builder& {
  command_ = c;
  return *this;
}
auto create_policy_builder::roles(const std::vector<std::string>& names) -> create_policy_builder& {
  (void)role_list("create_policy", names);
  roles_ = names;
  return *this;
}
auto create_policy_builder::using_expr(std::string_view expr) -> create_policy_builder& {
  using_ = expression("create_policy", "using expression", expr);
  return *this;
}
auto create_policy_builder::with_check(std::string_view expr) -> create_policy_builder& {
  with_check_ = expression("create_policy", "with check expression", expr);
  return *this;
}

auto create_policy_builder::statement() const -> pgpx::statement<void> {
  constexpr std::string_view w = "create_policy";
  if (using_.empty() && with_check_.empty()) refuse(w, "expressions", "give using_expr(), with_check() or both");
  if (command_ == policy_command::insert && !using_.empty())
    refuse(w, "using_expr", "an insert policy has only with check");
  if ((command_ == policy_command::select || command_ == policy_command::delete_) && !with_check_.empty())
    refuse(w, "with_check", "a select or delete policy has only using");
  std::string sql = "create policy " + name_ + " on " + table_.sql();
  if (restrictive_) sql += " as restrictive";
  switch (command_) {
    case policy_command::all: break;
    case policy_command::select: sql += " for select"; break;
    case policy_command::insert: sql += " for insert"; break;
    case policy_command::update: sql += " for update"; break;
    case policy_command::delete_: sql += " for delete"; break;
  }
  if (!roles_.empty()) sql += " to " + role_list(w, roles_);
  if (!using_.empty()) sql += " using " + using_;
  if (!with_check_.empty()) sql += " with check " + with_check_;
  return pgpx::statement<void>(std::move(sql));
}

auto create_policy(std::string_view name, object_name table) -> create_policy_builder {
  return create_policy_builder(name, std::move(table));
}

auto drop_policy(std::string_view name, const object_name& table, drop_options options) -> statement<void> {
  return statement<void>("drop policy " + std::string(if_exists(options)) + quote("drop_policy", "policy name", name) +
                         " on " + quote_object("drop_policy", "table name", table) + std::string(drop_suffix(options)));
}

auto enable_row_level_security(const object_name& table, bool force) -> statement<void> {
  return statement<void>("alter table " + quote_object("enable_row_level_security", "table name", table) +
                         " enable row level security" + (force ? ", force row level security" : ""));
}

auto disable_row_level_security(const object_name& table) -> statement<void> {
  return statement<void>("alter table " + quote_object("disable_row_level_security", "table name", table) +
                         " disable row level security, no force row level security");
}

}  // namespace pgpx::schema::manage
