// The diff of two catalogs. Every change is made with its inverse and a phase; the changes
// are then stably sorted by phase. The phases put what goes away first, most dependent
// first (a trigger before its function, a foreign key before the key it references, a
// column before its type), then what comes or changes, least dependent first. `down` is
// each change's inverse in reverse order, which is valid because each inverse undoes its
// own step exactly.
//
// An object that goes away is taken apart: its comment, triggers, policies, foreign keys
// and indexes are dropped by changes of their own, in their own phases, before the object
// itself, so that the down script (read backwards) builds it again whole.
#include <pgpx/schema/diff.hpp>

#include <pgpx/core/identifier.hpp>
#include <pgpx/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace pgpx::schema {

namespace {

// The order of the steps of `up`. Drops run from the most dependent object to the least,
// then creations and changes from the least dependent to the most. The drops mirror the
// creations, so that a down script builds what up dropped in the order up would build it
// (functions after tables: a SQL function's body is checked against the tables it reads).
enum class phase : int {
  drop_event_triggers,  // first: they would fire on the rest of the script
  drop_column_privileges,  // as drop_privileges, for columns: after their table's in the down script
  drop_privileges,  // the privileges of what goes (nothing up; the down script grants them back last)
  drop_comments,
  drop_triggers,
  drop_policies,
  drop_view_indexes,
  drop_views,
  drop_functions,
  detach,  // DETACH PARTITION, NO INHERIT: before what the table then owns is dropped
  drop_foreign_keys,
  drop_constraints,
  drop_indexes,
  disown_sequences,
  drop_columns,
  drop_tables,
  drop_sequences,
  drop_composite_types,  // before the domains and enums their attributes use
  drop_domains,          // before the enums they are over
  drop_types,
  drop_extensions,
  drop_schemas,
  schemas,
  extensions,
  types,
  domains,          // over enums (types)
  composite_types,  // of enums and domains
  sequences,
  tables,
  columns,
  own_sequences,
  constraints,
  foreign_keys,
  not_null,  // online: SET NOT NULL after a backfill
  validate,  // online: VALIDATE CONSTRAINT
  indexes,
  attach,  // ATTACH PARTITION, INHERIT: once the table matches its parent (columns, checks, indexes)
  functions,
  views,
  view_indexes,
  triggers,
  row_security,
  privileges,
  comments,
  default_privileges,  // after the objects made here, which start from the defaults before it
  event_triggers,  // last: they would fire on the rest of the script
};

// The object a change is filed under by export_pieces(): the schema, extension, type,
// sequence, table, view or function being diffed (a table's columns, constraints, indexes,
// triggers, policies and comments are filed under the table).
struct owner_ref {
  std::string kind;
  std::string schema;
  std::string name;
};

struct staged {
  phase at;
  change c;
  owner_ref owner{};
  int rank = 0;  // the order within its phase (views: after the views they read)
};

auto q(std::string_view name) -> std::string { return quote_identifier(name); }
auto qq(std::string_view schema, std::string_view name) -> std::string { return quote_qualified({schema, name}); }
auto qq(const qualified_name& n) -> std::string { return qq(n.schema, n.name); }

// A display name: schema.name, unquoted (for `object` and notes, not SQL).
auto shown(std::string_view schema, std::string_view name) -> std::string {
  return std::string(schema) + "." + std::string(name);
}

// The text the server printed, without the trailing semicolon and blanks some of it has
// (pg_get_viewdef ends with ";", pg_get_functiondef with a newline).
auto trimmed(std::string_view text) -> std::string {
  auto blank = [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; };
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  if (!text.empty() && text.back() == ';') text.remove_suffix(1);  // one: the statement's own
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
  return std::string(text);
}

// Joins statements of one change.
auto join(const std::vector<std::string>& statements) -> std::string {
  std::string out;
  for (const auto& s : statements) {
    if (s.empty()) continue;
    if (!out.empty()) out += ";\n";
    out += s;
  }
  return out;
}

auto literal_or_null(const std::optional<std::string>& text) -> std::string {
  return text ? quote_literal(*text) : std::string("null");
}

// ---- pieces of SQL --------------------------------------------------------------------

auto sequence_clauses(const sequence_options& o, bool with_type) -> std::string {
  std::string s;
  if (with_type && !o.type.empty()) s += " as " + o.type;
  s += " increment by " + std::to_string(o.increment) + " minvalue " + std::to_string(o.min) + " maxvalue " +
       std::to_string(o.max) + " start with " + std::to_string(o.start) + " cache " + std::to_string(o.cache) +
       (o.cycle ? " cycle" : " no cycle");
  return s;
}

auto identity_clause(const column_def& c) -> std::string {
  std::string s =
      c.identity == identity_kind::always ? " generated always as identity" : " generated by default as identity";
  if (c.identity_sequence) s += " (" + trimmed(sequence_clauses(*c.identity_sequence, false)) + ")";
  return s;
}

// The column as it goes into CREATE TABLE or ADD COLUMN; `not_null` false leaves NOT NULL out.
auto column_sql(const column_def& c, bool not_null) -> std::string {
  std::string s = q(c.name) + " " + c.type;
  if (c.collation) s += " collate " + qq(*c.collation);
  if (c.generated_expr) s += " generated always as (" + *c.generated_expr + ") stored";
  if (c.default_expr) s += " default " + *c.default_expr;
  if (c.identity != identity_kind::none) s += identity_clause(c);
  if (not_null && c.not_null) s += " not null";
  return s;
}

auto is_foreign_key(const constraint_def& c) -> bool { return c.kind == constraint_kind::foreign_key; }

// A constraint CREATE TABLE can hold: a local one that is not a foreign key and is valid
// (NOT VALID means nothing in CREATE TABLE: the constraint comes out valid).
auto inline_constraint(const constraint_def& c) -> bool { return !c.inherited && !is_foreign_key(c) && c.validated; }

auto create_table_sql(const table_info& t) -> std::string {
  std::string s = std::string("create ") + (t.unlogged ? "unlogged " : "") + "table " + qq(t.schema, t.name);
  std::vector<std::string> parts;
  for (const auto& c : t.columns)
    if (!c.inherited) parts.push_back(column_sql(c, true));
  for (const auto& c : t.constraints)
    if (inline_constraint(c)) parts.push_back("constraint " + q(c.name) + " " + c.definition);
  if (t.partition_of) {
    // A partition's columns come from its parent; its own constraints are listed.
    s += " partition of " + qq(*t.partition_of);
    std::vector<std::string> own;
    for (const auto& c : t.constraints)
      if (inline_constraint(c)) own.push_back("constraint " + q(c.name) + " " + c.definition);
    if (!own.empty()) {
      s += " (";
      for (std::size_t i = 0; i < own.size(); ++i) s += (i == 0 ? "" : ", ") + own[i];
      s += ")";
    }
    s += " " + t.partition_bound.value_or("DEFAULT");
  } else {
    s += " (";
    for (std::size_t i = 0; i < parts.size(); ++i) s += (i == 0 ? "" : ", ") + parts[i];
    s += ")";
    if (!t.inherits.empty()) {
      s += " inherits (";
      for (std::size_t i = 0; i < t.inherits.size(); ++i) s += (i == 0 ? "" : ", ") + qq(t.inherits[i]);
      s += ")";
    }
  }
  if (t.partition_key) s += " partition by " + *t.partition_key;
  if (!t.options.empty()) {
    s += " with (";
    for (std::size_t i = 0; i < t.options.size(); ++i) s += (i == 0 ? "" : ", ") + t.options[i];
    s += ")";
  }
  return s;
}

auto create_view_sql(const view_info& v, bool or_replace) -> std::string {
  std::string s = "create ";
  if (or_replace) s += "or replace ";
  s += v.materialized ? "materialized view " : "view ";
  s += qq(v.schema, v.name);
  if (!v.options.empty()) {
    s += " with (";
    for (std::size_t i = 0; i < v.options.size(); ++i) s += (i == 0 ? "" : ", ") + v.options[i];
    s += ")";
  }
  s += " as " + trimmed(v.definition);
  if (v.materialized) s += v.populated ? " with data" : " with no data";
  return s;
}

auto drop_view_sql(const view_info& v) -> std::string {
  return std::string(v.materialized ? "drop materialized view " : "drop view ") + qq(v.schema, v.name);
}

auto routine_word(const function_info& f) -> std::string_view {
  return f.kind == routine_kind::procedure ? "procedure" : "function";
}

// A privilege as GRANT writes it ("SELECT" -> "select"); anything else is refused (a catalog
// read from JSON may hold any text, and this goes into SQL).
auto privilege_word(const std::string& p) -> std::string {
  static const std::set<std::string, std::less<>> known{"SELECT",     "INSERT",  "UPDATE",   "DELETE", "TRUNCATE",
                                                        "REFERENCES", "TRIGGER", "USAGE",    "CREATE", "EXECUTE",
                                                        "MAINTAIN",   "CONNECT", "TEMPORARY"};
  if (known.count(p) == 0) throw usage_error("unknown privilege '" + p + "'");
  std::string out = p;
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

auto routine_sql_name(const function_info& f) -> std::string {
  return qq(f.schema, f.name) + "(" + f.identity_arguments + ")";
}

auto enum_labels_sql(const std::vector<std::string>& labels) -> std::string {
  std::string s = "(";
  for (std::size_t i = 0; i < labels.size(); ++i) s += (i == 0 ? "" : ", ") + quote_literal(labels[i]);
  return s + ")";
}

auto policy_sql(const table_info& t, const policy_def& p) -> std::string {
  std::string s = "create policy " + q(p.name) + " on " + qq(t.schema, t.name) + " as " +
                  (p.permissive ? "permissive" : "restrictive") + " for " + p.command + " to ";
  if (p.roles.empty()) s += "public";
  for (std::size_t i = 0; i < p.roles.size(); ++i)
    s += (i == 0 ? "" : ", ") + (p.roles[i] == "public" ? std::string("public") : q(p.roles[i]));
  if (p.using_expr) s += " using (" + *p.using_expr + ")";
  if (p.with_check_expr) s += " with check (" + *p.with_check_expr + ")";
  return s;
}

// ALTER TABLE ... ENABLE/DISABLE TRIGGER for a trigger state other than the default.
auto trigger_state_sql(const table_info* t, const view_info* v, const trigger_def& tr, std::string_view state)
    -> std::string {
  std::string table = t != nullptr ? qq(t->schema, t->name) : qq(v->schema, v->name);
  std::string what;
  if (state == "disabled") what = "disable trigger ";
  else if (state == "replica") what = "enable replica trigger ";
  else if (state == "always") what = "enable always trigger ";
  else what = "enable trigger ";
  return "alter table " + table + " " + what + q(tr.name);
}

// ---- type widening ----------------------------------------------------------------------

// The number in "name(n)" or "name(p,s)" after `prefix`; nullopt when the text is not so.
auto modifiers(std::string_view type, std::string_view prefix) -> std::optional<std::vector<int>> {
  if (type.substr(0, prefix.size()) != prefix) return std::nullopt;
  type.remove_prefix(prefix.size());
  if (type.empty()) return std::vector<int>{};
  if (type.front() != '(' || type.back() != ')') return std::nullopt;
  type = type.substr(1, type.size() - 2);
  std::vector<int> out;
  while (!type.empty()) {
    int v = 0;
    auto [p, ec] = std::from_chars(type.data(), type.data() + type.size(), v);
    if (ec != std::errc{}) return std::nullopt;
    out.push_back(v);
    type.remove_prefix(static_cast<std::size_t>(p - type.data()));
    if (!type.empty() && type.front() == ',') type.remove_prefix(1);
    else if (!type.empty()) return std::nullopt;
  }
  return out;
}

// True when every value of type `from` fits `to` unchanged (no data lost, no error).
auto safe_widening(std::string_view from, std::string_view to) -> bool {
  if (from == to) return true;
  for (std::string_view family : {"character varying", "bit varying"}) {
    auto a = modifiers(from, family);
    auto b = modifiers(to, family);
    if (a && b) return b->empty() || (!a->empty() && (*b)[0] >= (*a)[0]);
  }
  if (to == "text" && (modifiers(from, "character varying") || from == "citext")) return true;
  auto a = modifiers(from, "numeric");
  auto b = modifiers(to, "numeric");
  if (a && b) {
    if (b->empty()) return true;
    if (a->empty()) return false;
    const int as = a->size() > 1 ? (*a)[1] : 0;
    const int bs = b->size() > 1 ? (*b)[1] : 0;
    return bs >= as && (*b)[0] - bs >= (*a)[0] - as;
  }
  if (from == "smallint") return to == "integer" || to == "bigint" || to == "numeric";
  if (from == "integer") return to == "bigint" || to == "numeric";
  if (from == "bigint") return to == "numeric";
  if (from == "real") return to == "double precision";
  return false;
}

// ---- the builder --------------------------------------------------------------------------

class builder {
 public:
  builder(const catalog& from, const catalog& to, diff_options options) : from_(from), to_(to), options_(options) {}

  /// The object diff() was at: "table app.books".
  [[nodiscard]] auto where() const -> const std::string& { return at_; }

  auto run() -> diff_result {
    diff_result out;
    for (auto& s : run_staged()) out.changes.push_back(std::move(s.c));
    out.unsupported = std::move(unsupported_);
    out.possible_renames = std::move(renames_);
    return out;
  }

  /// The changes with their phases and owners, in order (unsupported() after it).
  auto run_staged() -> std::deque<staged> {
    schemas();
    extensions();
    enums();
    domains();
    composite_types();
    sequences();
    tables();
    views();
    functions();
    event_triggers();
    default_privileges();
    std::stable_sort(steps_.begin(), steps_.end(), [](const staged& a, const staged& b) {
      return std::make_pair(static_cast<int>(a.at), a.rank) < std::make_pair(static_cast<int>(b.at), b.rank);
    });
    return std::move(steps_);
  }

  /// What run_staged() could not turn into SQL.
  auto unsupported() -> std::vector<std::string>& { return unsupported_; }

 private:
  const catalog& from_;
  const catalog& to_;
  diff_options options_;
  std::string at_;  // the object being diffed, for error messages
  owner_ref owner_;  // the same, for export_pieces()

  void at(std::string text, std::string kind, std::string schema, std::string name) {
    at_ = std::move(text);
    owner_ = {std::move(kind), std::move(schema), std::move(name)};
  }
  std::deque<staged> steps_;  // a deque: references to its changes stay valid while more are added
  int rank_ = 0;  // the rank of the view being diffed in the views and drop_views phases
  std::vector<std::string> unsupported_;
  std::vector<rename_pair> renames_;  // the possible renames, for diff_result::possible_renames

  auto add(phase at, change_kind kind, std::string object, std::string up, std::string down) -> change& {
    change c;
    c.kind = kind;
    c.object = std::move(object);
    c.up = std::move(up);
    c.down = std::move(down);
    const int rank = at == phase::views || at == phase::drop_views ? rank_ : 0;
    steps_.push_back(staged{at, std::move(c), owner_, rank});
    return steps_.back().c;
  }

  // The comment of an object: `target` is the SQL after COMMENT ON ("table "app"."t"").
  // `recreated` when the object is dropped and made again (or only made, or only dropped:
  // pass nullopt for the side it does not exist on), so that its old comment is cleared
  // before it goes and the new one set after it comes.
  void comment(const std::string& target, const std::string& object, const std::optional<std::string>& old_text,
               const std::optional<std::string>& new_text, bool recreated) {
    const std::string on = "comment on " + target + " is ";
    if (recreated) {
      if (old_text) add(phase::drop_comments, change_kind::comment, object, on + "null", on + quote_literal(*old_text));
      if (new_text) add(phase::comments, change_kind::comment, object, on + quote_literal(*new_text), on + "null");
      return;
    }
    if (old_text != new_text)
      add(phase::comments, change_kind::comment, object, on + literal_or_null(new_text),
          on + literal_or_null(old_text));
  }

  // ---- privileges ----

  // What a GRANT is on. Statements read `<prefix>grant <privileges> on <on> to <role>`.
  struct acl_target {
    std::string on;  // "table "app"."books"", "function "app"."f"(integer)", "tables" (default privileges)
    std::string object_type{};  // for builtin_privileges() and default privileges: "tables"...; "" for a column
    std::string schema{};  // the object's schema ("" for a schema itself)
    std::string column{};  // a column's name: the privileges are on (column) of `on`
    std::string prefix{};  // "alter default privileges for role r " for default privileges
    // A table's columns with their privileges in `from`: a table-level REVOKE takes the same
    // privilege off every column, so the statement gives them back (in up, before the
    // columns' own changes run; in down, after their inverses ran: as in `from` both times).
    std::vector<std::pair<std::string, const std::vector<privilege_def>*>> columns{};
  };

  // The owner's grants (grantor empty): what diff() writes.
  static auto owners(const std::vector<privilege_def>& ps) -> std::vector<privilege_def> {
    std::vector<privilege_def> out;
    for (const auto& p : ps)
      if (p.grantor.empty()) out.push_back(p);
    return out;
  }
  static auto others(const std::vector<privilege_def>& ps) -> std::vector<privilege_def> {
    std::vector<privilege_def> out;
    for (const auto& p : ps)
      if (!p.grantor.empty()) out.push_back(p);
    return out;
  }
  // Whether `role` granted `word` ("select") on to someone (then revoking it from `role`
  // needs CASCADE).
  static auto passed_on(const std::vector<privilege_def>& ps, const std::string& role, const std::string& word)
      -> bool {
    return std::any_of(ps.begin(), ps.end(), [&](const privilege_def& p) {
      return p.grantor == role && privilege_word(p.privilege) == word;
    });
  }

  // The statements that turn the owner's grants `from` into `to` on `t`, each as (up, down).
  // A revoke from a role that granted the privilege on cascades (those grants are not the
  // owner's: a difference in them is reported, see grants()).
  static auto acl_statements(const acl_target& t, const std::vector<privilege_def>& from,
                             const std::vector<privilege_def>& to) -> std::vector<std::pair<std::string, std::string>> {
    using key = std::pair<std::string, std::string>;  // grantee, privilege
    std::map<key, bool> a;
    std::map<key, bool> b;
    for (const auto& p : from)
      if (p.grantor.empty()) a[{p.grantee, privilege_word(p.privilege)}] = p.grantable;
    for (const auto& p : to)
      if (p.grantor.empty()) b[{p.grantee, privilege_word(p.privilege)}] = p.grantable;
    // One statement per grantee and kind of step; each kind has its own inverse.
    enum step : int {
      revoke_plain,
      revoke_held_with_option,
      revoke_option,
      grant_plain,
      grant_with_option,
      add_option
    };
    std::map<std::pair<std::string, int>, std::vector<std::string>> groups;
    for (const auto& [k, option] : a) {
      auto it = b.find(k);
      if (it == b.end()) groups[{k.first, option ? revoke_held_with_option : revoke_plain}].push_back(k.second);
      else if (option && !it->second) groups[{k.first, revoke_option}].push_back(k.second);
    }
    for (const auto& [k, option] : b) {
      auto it = a.find(k);
      if (it == a.end()) groups[{k.first, option ? grant_with_option : grant_plain}].push_back(k.second);
      else if (option && !it->second) groups[{k.first, add_option}].push_back(k.second);
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [g, privileges] : groups) {
      std::string what;
      bool cascade_from = false;  // `from` has grants that g made of one of these
      bool cascade_to = false;
      for (const auto& p : privileges) {
        what += (what.empty() ? "" : ", ") + p + (t.column.empty() ? std::string() : " (" + q(t.column) + ")");
        cascade_from = cascade_from || passed_on(from, g.first, p);
        cascade_to = cascade_to || passed_on(to, g.first, p);
      }
      what += " on " + t.on;
      const std::string role = g.first == "public" ? std::string("public") : q(g.first);
      const std::string grant = t.prefix + "grant " + what + " to " + role;
      const std::string grant_option = grant + " with grant option";
      const std::string revoke = t.prefix + "revoke " + what + " from " + role;
      const std::string revoke_grant_option = t.prefix + "revoke grant option for " + what + " from " + role;
      auto cascading = [](const std::string& s, bool c) { return c ? s + " cascade" : s; };
      // What a table-level revoke takes off the columns (of `held`, the side it runs on).
      auto columns_back = [&](const std::vector<std::pair<std::string, const std::vector<privilege_def>*>>& cols) {
        std::string back;
        for (const auto& [column, held] : cols)
          for (const auto& p : owners(*held))
            if (p.grantee == g.first &&
                std::find(privileges.begin(), privileges.end(), privilege_word(p.privilege)) != privileges.end())
              back += ";\n" + t.prefix + "grant " + privilege_word(p.privilege) + " (" + q(column) + ") on " + t.on +
                      " to " + role + (p.grantable ? " with grant option" : "");
        return back;
      };
      switch (static_cast<step>(g.second)) {
        case revoke_plain:
        case revoke_held_with_option:
          out.emplace_back(cascading(revoke, cascade_from) + columns_back(t.columns),
                           g.second == revoke_plain ? grant : grant_option);
          break;
        case revoke_option:
          out.emplace_back(cascading(revoke_grant_option, cascade_from) + columns_back(t.columns), grant_option);
          break;
        // The inverses run after the columns' own inverses (in reverse order): the columns are
        // as in `from` again when they take their privileges off.
        case grant_plain: out.emplace_back(grant, cascading(revoke, cascade_to) + columns_back(t.columns)); break;
        case grant_with_option:
          out.emplace_back(grant_option, cascading(revoke, cascade_to) + columns_back(t.columns));
          break;
        case add_option:
          out.emplace_back(grant_option, cascading(revoke_grant_option, cascade_to) + columns_back(t.columns));
          break;
      }
    }
    return out;
  }

  // What a new object of `t` may have before the script grants anything: builtin_privileges(),
  // and `guessed` when an ALTER DEFAULT PRIVILEGES of `from` may change that (its role may
  // or may not be the one that runs the script). Default privileges change after the
  // objects are made (phase::default_privileges), so `from`'s are the ones in effect, in the
  // down script too.
  auto start_privileges(const acl_target& t) const -> std::pair<std::vector<privilege_def>, bool> {
    if (t.object_type.empty()) return {{}, false};  // a column starts with none
    auto start = builtin_privileges(t.object_type);
    bool guessed = false;
    for (const auto& d : from_.default_privileges) {
      if (d.object_type != t.object_type || (d.schema && *d.schema != t.schema)) continue;
      guessed = true;
      for (const auto& p : d.privileges) {
        auto it = std::find_if(start.begin(), start.end(), [&](const privilege_def& s) {
          return s.grantee == p.grantee && s.privilege == p.privilege;
        });
        if (it == start.end()) start.push_back(privilege_def{p.grantee, p.privilege, p.grantable, {}});
        else it->grantable = it->grantable || p.grantable;
      }
    }
    return {std::move(start), guessed};
  }

  // The statements that bring a new object of `t` to the owner's grants `have`.
  auto made_statements(const acl_target& t, const std::vector<privilege_def>& have) const -> std::vector<std::string> {
    auto [start, guessed] = start_privileges(t);
    std::vector<std::string> out;
    auto ups = [&](const std::vector<privilege_def>& from, const std::vector<privilege_def>& to) {
      for (auto& [up, down] : acl_statements(t, from, to)) out.push_back(std::move(up));
    };
    if (!guessed) {
      ups(start, have);
      return out;
    }
    // Revoke what the defaults may have given it and it should not have (a no-op where they
    // did not), and a grant option it should not have, then grant all it should have.
    std::vector<privilege_def> extra;
    std::vector<privilege_def> option;
    std::vector<privilege_def> option_gone;
    for (const auto& s : start) {
      auto it = std::find_if(have.begin(), have.end(), [&](const privilege_def& p) {
        return p.grantor.empty() && s.grantee == p.grantee && s.privilege == p.privilege;
      });
      if (it == have.end()) extra.push_back(s);
      else if (s.grantable && !it->grantable) {
        option.push_back(s);
        option_gone.push_back(*it);
      }
    }
    ups(extra, {});
    ups(option, option_gone);
    ups({}, have);
    return out;
  }

  // The privileges of an object made (`old` null), dropped (`now` null) or kept. A made
  // object is brought from what it starts with to `now` (nothing to undo: the down script
  // drops it); a dropped one gets its privileges back after the down script makes it again
  // (a column's after its table's, whose guessed revokes would take them off). Grants made
  // by roles other than the owner are not written: a difference in them is reported.
  void grants(const acl_target& t, const std::string& object, const std::vector<privilege_def>* old,
              const std::vector<privilege_def>* now) {
    const std::string subject = "privileges of " + object;
    static const std::vector<privilege_def> none;
    const auto& was = old != nullptr ? *old : none;
    const auto& will = now != nullptr ? *now : none;
    if (others(was) != others(will)) {
      std::set<std::string> by;
      for (const auto& p : others(was)) by.insert(p.grantor);
      for (const auto& p : others(will)) by.insert(p.grantor);
      std::string list;
      for (const auto& r : by) list += (list.empty() ? "" : ", ") + r;
      unsupported_.push_back("privileges of " + object + " granted by roles other than its owner (" + list + ")");
    }
    if (old != nullptr && now != nullptr) {
      for (auto& [up, down] : acl_statements(t, *old, *now))
        add(phase::privileges, change_kind::privilege, subject, std::move(up), std::move(down));
      return;
    }
    if (old == nullptr && now == nullptr) return;
    for (auto& st : made_statements(t, now != nullptr ? *now : *old)) {
      if (now != nullptr) add(phase::privileges, change_kind::privilege, subject, std::move(st), "");
      else
        add(t.column.empty() ? phase::drop_privileges : phase::drop_column_privileges, change_kind::privilege, subject,
            "", std::move(st));
    }
  }

  static auto table_acl(std::string_view schema, std::string_view name) -> acl_target {
    return {.on = "table " + qq(schema, name), .object_type = "tables", .schema = std::string(schema)};
  }
  static auto column_acl(const table_info& t, const column_def& c) -> acl_target {
    return {.on = "table " + qq(t.schema, t.name), .schema = t.schema, .column = c.name};
  }
  // A table's or view's own privileges, with its columns' (from `cols`, the side the
  // statements start from) for the columns a table-level revoke takes along.
  static auto table_acl(std::string_view schema, std::string_view name, const std::vector<column_def>& cols)
      -> acl_target {
    auto t = table_acl(schema, name);
    for (const auto& c : cols) t.columns.emplace_back(c.name, &c.privileges);
    return t;
  }

  // ---- default privileges ----

  void default_privileges() {
    using key = std::tuple<std::string, std::optional<std::string>, std::string>;
    std::map<key, std::pair<const default_privilege_info*, const default_privilege_info*>> entries;
    for (const auto& d : from_.default_privileges) entries[{d.role, d.schema, d.object_type}].first = &d;
    for (const auto& d : to_.default_privileges) entries[{d.role, d.schema, d.object_type}].second = &d;
    for (const auto& [k, sides] : entries) {
      const auto& [role, schema, type] = k;
      const std::string object =
          "default privileges for role " + role + (schema ? " in schema " + *schema : std::string()) + " on " + type;
      at(object, "default_privileges", schema.value_or(""), role + "." + type);
      if (type != "tables" && type != "sequences" && type != "functions" && type != "types" && type != "schemas")
        throw usage_error("unknown object type '" + type + "'");
      if (schema && type == "schemas")
        throw usage_error("default privileges on schemas are for the whole database, not IN SCHEMA");
      const auto none = schema ? std::vector<privilege_def>{} : builtin_privileges(type);
      const acl_target t{.on = type,
                         .object_type = type,
                         .schema = schema.value_or(""),
                         .prefix = "alter default privileges for role " + q(role) +
                                   (schema ? " in schema " + q(*schema) : std::string()) + " "};
      // Those of a schema that goes change before it goes (and come back after it is back).
      const phase at_phase =
          schema && find_named(to_.schemas, *schema) == nullptr ? phase::drop_privileges : phase::default_privileges;
      for (auto& [up, down] : acl_statements(t, sides.first ? sides.first->privileges : none,
                                             sides.second ? sides.second->privileges : none))
        add(at_phase, change_kind::default_privileges, object, std::move(up), std::move(down));
    }
  }

  // ---- event triggers ----

  static auto event_trigger_state_sql(const event_trigger_info& e) -> std::string {
    const std::string on = "alter event trigger " + q(e.name);
    if (e.enabled == "origin") return on + " enable";
    if (e.enabled == "disabled") return on + " disable";
    if (e.enabled == "replica") return on + " enable replica";
    if (e.enabled == "always") return on + " enable always";
    throw usage_error("unknown event trigger state '" + e.enabled + "' (origin, disabled, replica or always)");
  }

  static auto create_event_trigger_sql(const event_trigger_info& e) -> std::string {
    std::string s = "create event trigger " + q(e.name) + " on " + q(e.event);
    if (!e.tags.empty()) {
      s += " when tag in (";
      for (std::size_t i = 0; i < e.tags.size(); ++i) s += (i == 0 ? "" : ", ") + quote_literal(e.tags[i]);
      s += ")";
    }
    s += " execute function " + qq(e.function) + "()";
    if (e.enabled != "origin") s += ";\n" + event_trigger_state_sql(e);
    if (e.comment) s += ";\ncomment on event trigger " + q(e.name) + " is " + quote_literal(*e.comment);
    return s;
  }

  void event_triggers() {
    for (const auto& e : to_.event_triggers) {
      at("event trigger " + e.name, "event_trigger", "", e.name);
      const auto* old = find_named(from_.event_triggers, e.name);
      const std::string object = "event trigger " + e.name;
      const std::string target = "event trigger " + q(e.name);
      const bool whole = old == nullptr || old->event != e.event || old->tags != e.tags || old->function != e.function;
      if (old != nullptr && whole) {
        add(phase::drop_event_triggers, change_kind::event_trigger, object, "drop event trigger " + q(e.name),
            create_event_trigger_sql(*old))
            .note = "its event, tags or function change: dropped and created again";
      }
      if (whole) {
        add(phase::event_triggers, change_kind::event_trigger, object, create_event_trigger_sql(e),
            "drop event trigger " + q(e.name));
      } else if (old->enabled != e.enabled) {
        add(phase::event_triggers, change_kind::event_trigger, object, event_trigger_state_sql(e),
            event_trigger_state_sql(*old));
      }
      if (!whole) comment(target, object, old->comment, e.comment, false);
    }
    for (const auto& e : from_.event_triggers) {
      at("event trigger " + e.name, "event_trigger", "", e.name);
      if (find_named(to_.event_triggers, e.name) != nullptr) continue;
      const std::string object = "event trigger " + e.name;
      add(phase::drop_event_triggers, change_kind::event_trigger, object, "drop event trigger " + q(e.name),
          create_event_trigger_sql(e));
    }
  }

  // ---- schemas, extensions ----

  void schemas() {
    for (const auto& s : to_.schemas) {
      at("schema " + s.name, "schema", s.name, s.name);
      const auto* old = find_named(from_.schemas, s.name);
      if (old == nullptr) {
        auto& c = add(phase::schemas, change_kind::schema, "schema " + s.name, "create schema " + q(s.name),
                      "drop schema " + q(s.name));
        c.down_destructive = true;
      }
      comment("schema " + q(s.name), "schema " + s.name, old ? old->comment : std::nullopt, s.comment, old == nullptr);
      grants({.on = "schema " + q(s.name), .object_type = "schemas"}, "schema " + s.name,
             old != nullptr ? &old->privileges : nullptr, &s.privileges);
    }
    for (const auto& s : from_.schemas) {
      at("schema " + s.name, "schema", s.name, s.name);
      if (find_named(to_.schemas, s.name) != nullptr) continue;
      auto& c = add(phase::drop_schemas, change_kind::schema, "schema " + s.name, "drop schema " + q(s.name),
                    "create schema " + q(s.name));
      c.destructive = true;
      comment("schema " + q(s.name), "schema " + s.name, s.comment, std::nullopt, true);
      grants({.on = "schema " + q(s.name), .object_type = "schemas"}, "schema " + s.name, &s.privileges, nullptr);
    }
  }

  void extensions() {
    for (const auto& e : to_.extensions) {
      at("extension " + e.name, "extension", "", e.name);
      const auto* old = find_named(from_.extensions, e.name);
      const std::string object = "extension " + e.name;
      if (old == nullptr) {
        auto& c = add(
            phase::extensions, change_kind::extension, object,
            "create extension " + q(e.name) + " with schema " + q(e.schema) + " version " + quote_literal(e.version),
            "drop extension " + q(e.name));
        c.down_destructive = true;
      } else if (old->version != e.version) {
        add(phase::extensions, change_kind::extension, object,
            "alter extension " + q(e.name) + " update to " + quote_literal(e.version),
            "alter extension " + q(e.name) + " update to " + quote_literal(old->version))
            .note = "an extension's downgrade path may not exist";
      }
      if (old != nullptr && old->schema != e.schema)
        add(phase::extensions, change_kind::extension, object,
            "alter extension " + q(e.name) + " set schema " + q(e.schema),
            "alter extension " + q(e.name) + " set schema " + q(old->schema));
    }
    for (const auto& e : from_.extensions) {
      at("extension " + e.name, "extension", "", e.name);
      if (find_named(to_.extensions, e.name) != nullptr) continue;
      auto& c =
          add(phase::drop_extensions, change_kind::extension, "extension " + e.name, "drop extension " + q(e.name),
              "create extension " + q(e.name) + " with schema " + q(e.schema) + " version " + quote_literal(e.version));
      c.destructive = true;
      c.note = "drops the extension's types, functions and operators; fails while objects use them";
    }
  }

  // ---- enums ----

  void enums() {
    for (const auto& e : to_.enums) {
      at("type " + shown(e.schema, e.name), "type", e.schema, e.name);
      const auto* old = find_qualified(from_.enums, e.schema, e.name);
      const std::string object = "type " + shown(e.schema, e.name);
      const std::string name = qq(e.schema, e.name);
      const std::string target = "type " + name;
      if (old == nullptr) {
        add(phase::types, change_kind::enum_type, object,
            "create type " + name + " as enum " + enum_labels_sql(e.labels), "drop type " + name)
            .down_destructive = true;
        comment(target, object, std::nullopt, e.comment, true);
        grants(type_acl("type ", e.schema, e.name), object, nullptr, &e.privileges);
        continue;
      }
      bool recreate = false;
      if (old->labels != e.labels) {
        // Labels can be added anywhere; removing or reordering one needs a new type.
        std::size_t at = 0;
        for (const auto& l : e.labels)
          if (at < old->labels.size() && l == old->labels[at]) ++at;
        if (at == old->labels.size()) add_labels(*old, e, object, name);
        else recreate = true;
      }
      if (recreate) {
        auto& d = add(phase::drop_types, change_kind::enum_type, object, "drop type " + name,
                      "create type " + name + " as enum " + enum_labels_sql(old->labels));
        d.destructive = true;
        d.note = "labels removed or reordered: the type is dropped and created again; fails while a column uses it";
        auto& c = add(phase::types, change_kind::enum_type, object,
                      "create type " + name + " as enum " + enum_labels_sql(e.labels), "drop type " + name);
        c.down_destructive = true;
      }
      comment(target, object, old->comment, e.comment, recreate);
      if (recreate) grants(type_acl("type ", e.schema, e.name), object, &old->privileges, nullptr);
      grants(type_acl("type ", e.schema, e.name), object, recreate ? nullptr : &old->privileges, &e.privileges);
    }
    for (const auto& e : from_.enums) {
      at("type " + shown(e.schema, e.name), "type", e.schema, e.name);
      if (find_qualified(to_.enums, e.schema, e.name) != nullptr) continue;
      const std::string name = qq(e.schema, e.name);
      const std::string object = "type " + shown(e.schema, e.name);
      add(phase::drop_types, change_kind::enum_type, object, "drop type " + name,
          "create type " + name + " as enum " + enum_labels_sql(e.labels))
          .destructive = true;
      comment("type " + name, object, e.comment, std::nullopt, true);
      grants(type_acl("type ", e.schema, e.name), object, &e.privileges, nullptr);
    }
  }

  static auto type_acl(std::string_view word, std::string_view schema, std::string_view name) -> acl_target {
    return {.on = std::string(word) + qq(schema, name), .object_type = "types", .schema = std::string(schema)};
  }

  void add_labels(const enum_type_info& old, const enum_type_info& e, const std::string& object,
                  const std::string& name) {
    std::set<std::string> present(old.labels.begin(), old.labels.end());
    for (std::size_t i = 0; i < e.labels.size(); ++i) {
      const auto& l = e.labels[i];
      if (present.count(l) != 0) continue;
      std::string where;
      if (i > 0) {
        where = " after " + quote_literal(e.labels[i - 1]);  // present: old or added just before
      } else {
        for (std::size_t j = i + 1; j < e.labels.size(); ++j)
          if (present.count(e.labels[j]) != 0) {
            where = " before " + quote_literal(e.labels[j]);
            break;
          }
      }
      auto& c = add(phase::types, change_kind::enum_type, object,
                    "alter type " + name + " add value " + quote_literal(l) + where, "");
      c.note = "an enum label cannot be removed: the down script leaves " + l +
               " in place; the new label cannot be used in the transaction that adds it";
      present.insert(l);
    }
  }

  // ---- domains ----

  // CREATE DOMAIN with its base type, collation, default and NOT NULL; its CHECK constraints
  // are added by name afterwards (a NOT VALID one can only be added that way).
  static auto create_domain(const domain_info& d) -> std::string {
    const std::string name = qq(d.schema, d.name);
    std::string s = "create domain " + name + " as " + d.base_type;
    if (d.collation) s += " collate " + qq(*d.collation);
    if (d.default_expr) s += " default " + *d.default_expr;
    if (d.not_null) s += " not null";
    std::vector<std::string> all{s};
    for (const auto& c : d.constraints)
      all.push_back("alter domain " + name + " add constraint " + q(c.name) + " " + c.definition);
    return join(all);
  }

  void domains() {
    for (const auto& d : to_.domains) {
      at("domain " + shown(d.schema, d.name), "type", d.schema, d.name);
      const auto* old = find_qualified(from_.domains, d.schema, d.name);
      const std::string object = "domain " + shown(d.schema, d.name);
      const std::string name = qq(d.schema, d.name);
      const bool recreate = old != nullptr && (old->base_type != d.base_type || old->collation != d.collation);
      if (old == nullptr || recreate) {
        if (recreate) {
          auto& x = add(phase::drop_domains, change_kind::domain, object, "drop domain " + name, create_domain(*old));
          x.destructive = true;
          x.note =
              "base type or collation changed: the domain is dropped and created again; fails while a column uses it";
        }
        add(phase::domains, change_kind::domain, object, create_domain(d), "drop domain " + name).down_destructive =
            true;
        comment("domain " + name, object, old ? old->comment : std::nullopt, d.comment, true);
        if (recreate) grants(type_acl("domain ", d.schema, d.name), object, &old->privileges, nullptr);
        grants(type_acl("domain ", d.schema, d.name), object, nullptr, &d.privileges);
        continue;
      }
      if (old->default_expr != d.default_expr) {
        auto set = [&](const std::optional<std::string>& e) {
          return "alter domain " + name + (e ? " set default " + *e : std::string(" drop default"));
        };
        add(phase::domains, change_kind::domain, object, set(d.default_expr), set(old->default_expr));
      }
      if (old->not_null != d.not_null) {
        auto set = [&](bool on) { return "alter domain " + name + (on ? " set not null" : " drop not null"); };
        add(phase::domains, change_kind::domain, object, set(d.not_null), set(old->not_null)).note =
            d.not_null ? "fails while a column of this domain holds null" : "";
      }
      auto add_constraint = [&](const constraint_def& c) {
        return "alter domain " + name + " add constraint " + q(c.name) + " " + c.definition;
      };
      auto drop_constraint = [&](const constraint_def& c) {
        return "alter domain " + name + " drop constraint " + q(c.name);
      };
      for (const auto& c : old->constraints) {
        const auto* now = find_named(d.constraints, c.name);
        if (now == nullptr || now->definition != c.definition)
          add(phase::drop_domains, change_kind::domain, object + " constraint " + c.name, drop_constraint(c),
              add_constraint(c));
      }
      for (const auto& c : d.constraints) {
        const auto* before = find_named(old->constraints, c.name);
        if (before == nullptr || before->definition != c.definition)
          add(phase::domains, change_kind::domain, object + " constraint " + c.name, add_constraint(c),
              drop_constraint(c));
      }
      comment("domain " + name, object, old->comment, d.comment, false);
      grants(type_acl("domain ", d.schema, d.name), object, &old->privileges, &d.privileges);
    }
    for (const auto& d : from_.domains) {
      at("domain " + shown(d.schema, d.name), "type", d.schema, d.name);
      if (find_qualified(to_.domains, d.schema, d.name) != nullptr) continue;
      const std::string name = qq(d.schema, d.name);
      const std::string object = "domain " + shown(d.schema, d.name);
      add(phase::drop_domains, change_kind::domain, object, "drop domain " + name, create_domain(d)).destructive = true;
      comment("domain " + name, object, d.comment, std::nullopt, true);
      grants(type_acl("domain ", d.schema, d.name), object, &d.privileges, nullptr);
    }
  }

  // ---- composite types ----

  static auto attribute_sql(const column_def& a) -> std::string {
    std::string s = q(a.name) + " " + a.type;
    if (a.collation) s += " collate " + qq(*a.collation);
    return s;
  }

  static auto create_composite(const composite_type_info& t) -> std::string {
    std::string s = "create type " + qq(t.schema, t.name) + " as (";
    for (std::size_t i = 0; i < t.attributes.size(); ++i) s += (i == 0 ? "" : ", ") + attribute_sql(t.attributes[i]);
    return s + ")";
  }

  // True when `now` keeps the attributes of `old` that it still has in the same relative order
  // and appends the new ones at the end: ALTER TYPE cannot place an attribute elsewhere.
  static auto alterable(const composite_type_info& old, const composite_type_info& now) -> bool {
    std::vector<std::string> kept;
    for (const auto& a : old.attributes)
      if (find_named(now.attributes, a.name) != nullptr) kept.push_back(a.name);
    std::size_t i = 0;
    for (; i < kept.size(); ++i)
      if (i >= now.attributes.size() || now.attributes[i].name != kept[i]) return false;
    for (; i < now.attributes.size(); ++i)
      if (find_named(old.attributes, now.attributes[i].name) != nullptr) return false;
    for (const auto& a : now.attributes) {
      const auto* b = find_named(old.attributes, a.name);
      if (b != nullptr && b->collation != a.collation) return false;
    }
    return true;
  }

  void composite_types() {
    for (const auto& t : to_.composite_types) {
      at("type " + shown(t.schema, t.name), "type", t.schema, t.name);
      const auto* old = find_qualified(from_.composite_types, t.schema, t.name);
      const std::string object = "type " + shown(t.schema, t.name);
      const std::string name = qq(t.schema, t.name);
      const bool recreate = old != nullptr && !alterable(*old, t);
      if (old == nullptr || recreate) {
        if (recreate) {
          auto& x = add(phase::drop_composite_types, change_kind::composite_type, object, "drop type " + name,
                        create_composite(*old));
          x.destructive = true;
          x.note =
              "attributes reordered or a collation changed: the type is dropped and created again; fails while "
              "a column uses it";
        }
        add(phase::composite_types, change_kind::composite_type, object, create_composite(t), "drop type " + name)
            .down_destructive = true;
        comment("type " + name, object, old ? old->comment : std::nullopt, t.comment, true);
        attribute_comments(t, old, name, object, true);
        if (recreate) grants(type_acl("type ", t.schema, t.name), object, &old->privileges, nullptr);
        grants(type_acl("type ", t.schema, t.name), object, nullptr, &t.privileges);
        continue;
      }
      // Last first, so that the down script (run backwards) adds them back in their order.
      for (auto it = old->attributes.rbegin(); it != old->attributes.rend(); ++it)
        if (const auto& a = *it; find_named(t.attributes, a.name) == nullptr) {
          auto& c = add(phase::drop_composite_types, change_kind::composite_type, object + "." + a.name,
                        "alter type " + name + " drop attribute " + q(a.name),
                        "alter type " + name + " add attribute " + attribute_sql(a));
          c.destructive = true;
          // ALTER TYPE adds at the end only: an attribute that stood before a kept one comes
          // back after it.
          const auto kept_after = std::any_of(std::next(it).base(), old->attributes.end(), [&](const column_def& x) {
            return find_named(t.attributes, x.name) != nullptr;
          });
          if (kept_after) c.note = "the down script adds " + a.name + " back at the end of the type, not in its place";
        }
      for (const auto& a : t.attributes) {
        const auto* b = find_named(old->attributes, a.name);
        if (b == nullptr) {
          add(phase::composite_types, change_kind::composite_type, object + "." + a.name,
              "alter type " + name + " add attribute " + attribute_sql(a),
              "alter type " + name + " drop attribute " + q(a.name))
              .down_destructive = true;
        } else if (b->type != a.type) {
          auto retype = [&](const column_def& x) {
            return "alter type " + name + " alter attribute " + q(x.name) + " type " + x.type;
          };
          auto& c =
              add(phase::composite_types, change_kind::composite_type, object + "." + a.name, retype(a), retype(*b));
          c.destructive = !safe_widening(b->type, a.type);
          c.down_destructive = !safe_widening(a.type, b->type);
          c.note = "fails while a table column uses the type";
        }
      }
      comment("type " + name, object, old->comment, t.comment, false);
      attribute_comments(t, old, name, object, false);
      grants(type_acl("type ", t.schema, t.name), object, &old->privileges, &t.privileges);
    }
    for (const auto& t : from_.composite_types) {
      at("type " + shown(t.schema, t.name), "type", t.schema, t.name);
      if (find_qualified(to_.composite_types, t.schema, t.name) != nullptr) continue;
      const std::string name = qq(t.schema, t.name);
      const std::string object = "type " + shown(t.schema, t.name);
      attribute_comments(t, nullptr, name, object, true, true);
      add(phase::drop_composite_types, change_kind::composite_type, object, "drop type " + name, create_composite(t))
          .destructive = true;
      comment("type " + name, object, t.comment, std::nullopt, true);
      grants(type_acl("type ", t.schema, t.name), object, &t.privileges, nullptr);
    }
  }

  // The comments on a composite type's attributes (COMMENT ON COLUMN type.attribute).
  // `going`: t is the old type, which goes away.
  void attribute_comments(const composite_type_info& t, const composite_type_info* old, const std::string& name,
                          const std::string& object, bool recreated, bool going = false) {
    for (const auto& a : t.attributes) {
      const auto* b = old != nullptr ? find_named(old->attributes, a.name) : nullptr;
      const std::string target = "column " + name + "." + q(a.name);
      if (going) comment(target, object + "." + a.name, a.comment, std::nullopt, true);
      else comment(target, object + "." + a.name, b != nullptr ? b->comment : std::nullopt, a.comment, recreated);
    }
  }

  // ---- sequences ----

  void sequences() {
    for (const auto& s : to_.sequences) {
      at("sequence " + shown(s.schema, s.name), "sequence", s.schema, s.name);
      const auto* old = find_qualified(from_.sequences, s.schema, s.name);
      const std::string name = qq(s.schema, s.name);
      const std::string object = "sequence " + shown(s.schema, s.name);
      if (old == nullptr) {
        add(phase::sequences, change_kind::sequence, object,
            "create sequence " + name + sequence_clauses(s.options, true), "drop sequence " + name)
            .down_destructive = true;
      } else if (old->options != s.options) {
        add(phase::sequences, change_kind::sequence, object,
            "alter sequence " + name + sequence_clauses(s.options, true),
            "alter sequence " + name + sequence_clauses(old->options, true));
      }
      const std::optional<column_ref> before = old ? old->owned_by : std::nullopt;
      ownership(name, object, before, s.owned_by);
      comment("sequence " + name, object, old ? old->comment : std::nullopt, s.comment, old == nullptr);
      grants(sequence_acl(s), object, old != nullptr ? &old->privileges : nullptr, &s.privileges);
    }
    for (const auto& s : from_.sequences) {
      at("sequence " + shown(s.schema, s.name), "sequence", s.schema, s.name);
      if (find_qualified(to_.sequences, s.schema, s.name) != nullptr) continue;
      const std::string name = qq(s.schema, s.name);
      const std::string object = "sequence " + shown(s.schema, s.name);
      auto& c = add(phase::drop_sequences, change_kind::sequence, object, "drop sequence " + name,
                    "create sequence " + name + sequence_clauses(s.options, true));
      c.destructive = true;
      c.note = "the sequence's current value is lost";
      ownership(name, object, s.owned_by, std::nullopt);
      comment("sequence " + name, object, s.comment, std::nullopt, true);
      grants(sequence_acl(s), object, &s.privileges, nullptr);
    }
  }

  static auto sequence_acl(const sequence_info& s) -> acl_target {
    return {.on = "sequence " + qq(s.schema, s.name), .object_type = "sequences", .schema = s.schema};
  }

  // OWNED BY: let go before columns and tables are dropped (so that a dropped table does
  // not take a sequence along that a change of its own drops), taken after they are made.
  void ownership(const std::string& name, const std::string& object, const std::optional<column_ref>& before,
                 const std::optional<column_ref>& after) {
    if (before == after) return;
    auto owner = [](const std::optional<column_ref>& r) {
      return r ? quote_qualified({r->table.schema, r->table.name, r->column}) : std::string("none");
    };
    if (before)
      add(phase::disown_sequences, change_kind::sequence, object, "alter sequence " + name + " owned by none",
          "alter sequence " + name + " owned by " + owner(before));
    if (after)
      add(phase::own_sequences, change_kind::sequence, object, "alter sequence " + name + " owned by " + owner(after),
          "alter sequence " + name + " owned by none");
  }

  // ---- tables ----

  void tables() {
    // Created tables: parents before partitions and inheritance children.
    std::vector<const table_info*> created;
    for (const auto& t : to_.tables)
      if (from_.find_table(t.schema, t.name) == nullptr) created.push_back(&t);
    order_by_parents(created);
    for (const auto* t : created) create_table(*t);

    std::vector<const table_info*> dropped;
    for (const auto& t : from_.tables)
      if (to_.find_table(t.schema, t.name) == nullptr) dropped.push_back(&t);
    order_by_parents(dropped);
    std::reverse(dropped.begin(), dropped.end());
    for (const auto* t : dropped) drop_table(*t);
    rename_notes(created, dropped);

    for (const auto& t : to_.tables)
      if (const auto* old = from_.find_table(t.schema, t.name)) alter_table(*old, t);
  }

  // Stable order in which a table comes after the tables it is a partition or child of.
  static void order_by_parents(std::vector<const table_info*>& ts) {
    std::vector<const table_info*> out;
    std::set<const table_info*> done;
    std::function<void(const table_info*)> visit = [&](const table_info* t) {
      if (done.count(t) != 0) return;
      done.insert(t);
      auto parent = [&](const qualified_name& n) {
        for (const auto* p : ts)
          if (p->schema == n.schema && p->name == n.name) visit(p);
      };
      if (t->partition_of) parent(*t->partition_of);
      for (const auto& p : t->inherits) parent(p);
      out.push_back(t);
    };
    for (const auto* t : ts) visit(t);
    ts = std::move(out);
  }

  void create_table(const table_info& t) {
    at("table " + shown(t.schema, t.name), "table", t.schema, t.name);
    const std::string name = qq(t.schema, t.name);
    const std::string object = "table " + shown(t.schema, t.name);
    add(phase::tables, change_kind::table, object, create_table_sql(t), "drop table " + name).down_destructive = true;
    for (const auto& c : t.constraints)
      if (!c.inherited && !inline_constraint(c)) add_constraint(t, c, true);
    indexes(index_home{t.schema, shown(t.schema, t.name), true, t.kind == table_kind::partitioned, false}, {},
            t.indexes);
    table_parts(nullptr, &t, true);
    grants(table_acl(t.schema, t.name), object, nullptr, &t.privileges);
    for (const auto& c : t.columns) grants(column_acl(t, c), column_object(t, c), nullptr, &c.privileges);
  }

  void drop_table(const table_info& t) {
    at("table " + shown(t.schema, t.name), "table", t.schema, t.name);
    const std::string name = qq(t.schema, t.name);
    auto& c = add(phase::drop_tables, change_kind::table, "table " + shown(t.schema, t.name), "drop table " + name,
                  create_table_sql(t));
    c.destructive = true;
    for (const auto& k : t.constraints)
      if (!k.inherited && !inline_constraint(k)) drop_constraint(t, k);
    indexes(index_home{t.schema, shown(t.schema, t.name), true, t.kind == table_kind::partitioned, false}, t.indexes,
            {});
    table_parts(&t, nullptr, true);
    grants(table_acl(t.schema, t.name), "table " + shown(t.schema, t.name), &t.privileges, nullptr);
    for (const auto& k : t.columns) grants(column_acl(t, k), column_object(t, k), &k.privileges, nullptr);
  }

  // Triggers, policies, row-level security, comments of a table made or dropped whole
  // (`whole`), or changed (both given).
  void table_parts(const table_info* old, const table_info* now, bool whole) {
    const table_info& t = now != nullptr ? *now : *old;
    const std::string name = qq(t.schema, t.name);
    const std::string shown_name = shown(t.schema, t.name);
    static const std::vector<trigger_def> no_triggers;
    static const std::vector<policy_def> no_policies;
    triggers(old ? old->triggers : no_triggers, now ? now->triggers : no_triggers, old, now, nullptr, nullptr,
             shown_name);
    // Row-level security.
    const bool rls_before = old != nullptr && old->row_security;
    const bool rls_after = now != nullptr && now->row_security;
    const bool force_before = old != nullptr && old->force_row_security;
    const bool force_after = now != nullptr && now->force_row_security;
    auto rls = [&](bool on) { return "alter table " + name + (on ? " enable" : " disable") + " row level security"; };
    auto force = [&](bool on) { return "alter table " + name + (on ? " force" : " no force") + " row level security"; };
    if (rls_before != rls_after)
      add(rls_after ? phase::row_security : phase::drop_policies, change_kind::row_security, "table " + shown_name,
          rls(rls_after), rls(rls_before));
    if (force_before != force_after)
      add(force_after ? phase::row_security : phase::drop_policies, change_kind::row_security, "table " + shown_name,
          force(force_after), force(force_before));
    // Policies, by name; a changed one is dropped and made again.
    const auto& old_policies = old ? old->policies : no_policies;
    const auto& new_policies = now ? now->policies : no_policies;
    for (const auto& p : new_policies) {
      const auto* before = find_named(old_policies, p.name);
      if (before != nullptr && *before == p) continue;
      if (before != nullptr) drop_policy(*old, *before);
      add(phase::row_security, change_kind::row_security, "policy " + p.name + " on " + shown_name, policy_sql(t, p),
          "drop policy " + q(p.name) + " on " + name);
    }
    for (const auto& p : old_policies)
      if (find_named(new_policies, p.name) == nullptr) drop_policy(*old, p);
    // Comments on the table and its columns.
    comment("table " + name, "table " + shown_name, old ? old->comment : std::nullopt,
            now ? now->comment : std::nullopt, whole);
    if (whole) {
      for (const auto& c : t.constraints)
        if (inline_constraint(c) && c.comment)
          comment(constraint_target(t, c), constraint_object(t, c), old ? c.comment : std::nullopt,
                  now ? c.comment : std::nullopt, true);
      for (const auto& c : t.columns)
        if (c.comment)
          comment("column " + quote_qualified({t.schema, t.name, c.name}), "column " + shown_name + "." + c.name,
                  old ? c.comment : std::nullopt, now ? c.comment : std::nullopt, true);
    }
  }

  void drop_policy(const table_info& t, const policy_def& p) {
    add(phase::drop_policies, change_kind::row_security, "policy " + p.name + " on " + shown(t.schema, t.name),
        "drop policy " + q(p.name) + " on " + qq(t.schema, t.name), policy_sql(t, p));
  }

  // Notes on a table dropped while one with the same columns appears in the same schema.
  void rename_notes(const std::vector<const table_info*>& created, const std::vector<const table_info*>& dropped) {
    auto shape = [](const table_info& t) {
      std::vector<std::pair<std::string, std::string>> s;
      for (const auto& c : t.columns) s.emplace_back(c.name, c.type);
      return s;
    };
    for (const auto* d : dropped)
      for (const auto* c : created) {
        if (d->schema != c->schema || shape(*d) != shape(*c)) continue;
        const std::string note = "possible rename of " + shown(d->schema, d->name) + " to " +
                                 shown(c->schema, c->name) + ": pgpx never guesses renames, this drops and creates";
        renames_.push_back({.schema = d->schema, .table = d->name, .column = {}, .to = c->name});
        for (auto& s : steps_)
          if ((s.at == phase::drop_tables && s.c.object == "table " + shown(d->schema, d->name)) ||
              (s.at == phase::tables && s.c.object == "table " + shown(c->schema, c->name))) {
            s.c.note = note;
            s.c.possible_rename = true;
          }
      }
  }

  void alter_table(const table_info& old, const table_info& t) {
    at("table " + shown(t.schema, t.name), "table", t.schema, t.name);
    const std::string name = qq(t.schema, t.name);
    const std::string shown_name = shown(t.schema, t.name);
    partitioning(old, t);
    const link_change moved = parents(old, t);
    if (old.unlogged != t.unlogged)
      add(phase::tables, change_kind::table, "table " + shown_name,
          "alter table " + name + (t.unlogged ? " set unlogged" : " set logged"),
          "alter table " + name + (old.unlogged ? " set unlogged" : " set logged"));
    if (old.options != t.options) {
      auto set = [&](const std::vector<std::string>& removed, const std::vector<std::string>& wanted) {
        std::vector<std::string> st;
        std::string reset;
        for (const auto& o : removed) {
          const auto key = o.substr(0, o.find('='));
          bool kept = std::any_of(wanted.begin(), wanted.end(),
                                  [&](const std::string& w) { return w.substr(0, w.find('=')) == key; });
          if (!kept) reset += (reset.empty() ? "" : ", ") + key;
        }
        if (!reset.empty()) st.push_back("alter table " + name + " reset (" + reset + ")");
        if (!wanted.empty()) {
          std::string s = "alter table " + name + " set (";
          for (std::size_t i = 0; i < wanted.size(); ++i) s += (i == 0 ? "" : ", ") + wanted[i];
          st.push_back(s + ")");
        }
        return join(st);
      };
      add(phase::tables, change_kind::table, "table " + shown_name, set(old.options, t.options),
          set(t.options, old.options));
    }
    grants(table_acl(t.schema, t.name, old.columns), "table " + shown_name, &old.privileges, &t.privileges);
    columns(old, t, moved);
    constraints(old, t, moved);
    if (moved.any) {
      // A partition is detached before and attached after (its indexes are its own between):
      // what it has from the parent is compared as its own, made before it is attached (the
      // attach adopts a matching index), dropped after it is detached.
      auto own = [](std::vector<index_def> is) {
        for (auto& i : is) i.inherited = false;
        return is;
      };
      indexes(index_home{t.schema, shown_name, false, t.kind == table_kind::partitioned, false}, own(old.indexes),
              own(t.indexes));
    } else {
      indexes(index_home{t.schema, shown_name, false, t.kind == table_kind::partitioned, false}, old.indexes,
              t.indexes);
    }
    table_parts(&old, &t, false);
  }

  // How a table's parents change: `any` when its partition parent, its bound or its
  // inheritance parents change; `detached` when it has no parent at all between the detach
  // and the attach phases; `kept`, the inheritance parents it keeps (in `from_`).
  struct link_change {
    bool any = false;
    bool detached = false;
    std::vector<const table_info*> kept{};
  };

  // A table cannot become partitioned, stop being partitioned or change its partition key
  // in place (PostgreSQL has no ALTER for it): reported, named, and not written.
  void partitioning(const table_info& old, const table_info& t) {
    if (old.partition_key == t.partition_key) return;
    const std::string n = shown(t.schema, t.name);
    const std::string by_hand =
        ": not possible in place (create the new table, move the rows, drop the old one and rename by hand)";
    if (!old.partition_key)
      unsupported_.push_back("table " + n + " becomes partitioned (PARTITION BY " + *t.partition_key + ")" + by_hand);
    else if (!t.partition_key)
      unsupported_.push_back("table " + n + " stops being partitioned (was PARTITION BY " + *old.partition_key + ")" +
                             by_hand);
    else
      unsupported_.push_back("the partition key of table " + n + " changes from " + *old.partition_key + " to " +
                             *t.partition_key + by_hand);
  }

  // DETACH / ATTACH PARTITION and NO INHERIT / INHERIT for a table whose parents change. A
  // changed bound is a detach and an attach. Detached early, attached late: in between the
  // table is brought to what its new parent needs (its columns, checks, NOT NULLs, indexes).
  auto parents(const table_info& old, const table_info& t) -> link_change {
    const std::string name = qq(t.schema, t.name);
    const std::string object = "table " + shown(t.schema, t.name);
    link_change out;
    const bool repartition = old.partition_of != t.partition_of || old.partition_bound != t.partition_bound;
    auto attach = [&](const table_info& x) {
      return "alter table " + qq(*x.partition_of) + " attach partition " + name + " " +
             x.partition_bound.value_or("DEFAULT");
    };
    auto detach = [&](const table_info& x) {
      return "alter table " + qq(*x.partition_of) + " detach partition " + name;
    };
    if (repartition && old.partition_of)
      add(phase::detach, change_kind::table, object, detach(old), attach(old)).note =
          "detached from " + shown(old.partition_of->schema, old.partition_of->name) +
          ": its rows leave the partitioned table";
    if (repartition && t.partition_of)
      add(phase::attach, change_kind::table, object, attach(t), detach(t)).note =
          "attached to " + shown(t.partition_of->schema, t.partition_of->name) +
          ": its rows (and a default partition's) are checked against the bound under a lock";
    // Inheritance parents: the ones that go last first, so that the down script adds them
    // back in their order.
    std::vector<qualified_name> kept;
    for (auto it = old.inherits.rbegin(); it != old.inherits.rend(); ++it) {
      if (std::find(t.inherits.begin(), t.inherits.end(), *it) != t.inherits.end()) continue;
      add(phase::detach, change_kind::table, object, "alter table " + name + " no inherit " + qq(*it),
          "alter table " + name + " inherit " + qq(*it));
    }
    for (const auto& p : old.inherits)
      if (std::find(t.inherits.begin(), t.inherits.end(), p) != t.inherits.end()) {
        kept.push_back(p);
        if (const auto* pt = from_.find_table(p.schema, p.name)) out.kept.push_back(pt);
      }
    std::vector<qualified_name> up_order = kept;
    std::vector<qualified_name> down_order;
    for (const auto& p : t.inherits)
      if (std::find(old.inherits.begin(), old.inherits.end(), p) == old.inherits.end()) {
        up_order.push_back(p);
        add(phase::attach, change_kind::table, object, "alter table " + name + " inherit " + qq(p),
            "alter table " + name + " no inherit " + qq(p));
      } else {
        down_order.push_back(p);
      }
    for (const auto& p : old.inherits)
      if (std::find(t.inherits.begin(), t.inherits.end(), p) == t.inherits.end()) down_order.push_back(p);
    if (up_order != t.inherits || down_order != old.inherits)
      unsupported_.push_back("the order of the inheritance parents of table " + shown(t.schema, t.name) +
                             " (INHERIT adds a parent last only)");
    out.any = repartition || old.inherits != t.inherits;
    out.detached = (!old.partition_of || repartition) && kept.empty();
    return out;
  }

  // True when one of the inheritance parents a table keeps has `name` among `part`
  // (columns or constraints) in `from_`: what it has from that parent stays the parent's.
  template <class Part>
  static auto from_kept(const link_change& moved, std::vector<Part> table_info::*part, std::string_view name) -> bool {
    return std::any_of(moved.kept.begin(), moved.kept.end(),
                       [&](const table_info* p) { return find_named(p->*part, name) != nullptr; });
  }

  // ---- columns ----

  // `moved`: the table's parents change. Then what it has from a parent it leaves or joins
  // is diffed as its own (it is, between the detach and the attach phases), and what it
  // has from a parent it keeps is left to that parent.
  void columns(const table_info& old, const table_info& t, const link_change& moved) {
    const std::string shown_name = shown(t.schema, t.name);
    std::vector<const column_def*> added;
    std::vector<const column_def*> dropped;
    std::vector<std::pair<change*, const column_def*>> add_steps;
    std::vector<std::pair<change*, const column_def*>> drop_steps;
    for (const auto& c : t.columns) {
      const auto* before = find_named(old.columns, c.name);
      if (!moved.any) {
        // A column both sides have, from a parent on one: no statement makes a column local
        // or inherited, and the column is the same (an attached table keeps its columns local).
        if (c.inherited || (before != nullptr && before->inherited)) {
          if (before != nullptr) grants(column_acl(t, c), column_object(t, c), &before->privileges, &c.privileges);
          continue;
        }
        if (before == nullptr) {
          added.push_back(&c);
          continue;
        }
      } else if (before == nullptr) {
        added.push_back(&c);
        continue;
      } else if (before->inherited && c.inherited && from_kept(moved, &table_info::columns, c.name)) {
        continue;
      }
      alter_column(t, *before, c);
    }
    for (const auto& c : old.columns) {
      const auto* after = find_named(t.columns, c.name);
      if (!moved.any) {
        if (!c.inherited && after == nullptr) dropped.push_back(&c);
      } else if (after == nullptr && !(c.inherited && from_kept(moved, &table_info::columns, c.name))) {
        dropped.push_back(&c);
      }
    }
    // Drops first (they are in an earlier phase anyway), then adds.
    // Dropped last column first: down adds them back in their order (at the end of the table).
    for (auto it = dropped.rbegin(); it != dropped.rend(); ++it) drop_steps.emplace_back(&drop_column(t, **it), *it);
    for (const auto* c : added) add_steps.emplace_back(&add_column(t, *c), c);
    // Possible renames: a dropped and an added column of the same type.
    for (auto& [dc, d] : drop_steps)
      for (auto& [ac, a] : add_steps) {
        if (d->type != a->type) continue;
        const std::string note = "possible rename of " + shown_name + "." + d->name + " to " + a->name +
                                 ": pgpx never guesses renames, this drops and adds";
        dc->note = dc->note.empty() ? note : dc->note + "; " + note;
        ac->note = ac->note.empty() ? note : ac->note + "; " + note;
        dc->possible_rename = ac->possible_rename = true;
        renames_.push_back({.schema = t.schema, .table = t.name, .column = d->name, .to = a->name});
      }
  }

  auto column_object(const table_info& t, const column_def& c) -> std::string {
    return "column " + shown(t.schema, t.name) + "." + c.name;
  }

  auto add_column(const table_info& t, const column_def& c) -> change& {
    const std::string name = qq(t.schema, t.name);
    const std::string object = column_object(t, c);
    // Online: a NOT NULL column without a default (an identity or generated column fills itself)
    // is added nullable; SET NOT NULL is a later change, after a backfill.
    const bool split =
        options_.online && c.not_null && !c.default_expr && c.identity == identity_kind::none && !c.generated_expr;
    auto& a =
        add(phase::columns, change_kind::column, object, "alter table " + name + " add column " + column_sql(c, !split),
            "alter table " + name + " drop column " + q(c.name));
    a.down_destructive = true;
    grants(column_acl(t, c), object, nullptr, &c.privileges);
    if (split) {
      a.note = "added nullable: backfill it before the SET NOT NULL change that follows";
      auto& n = add(phase::not_null, change_kind::column, object,
                    "alter table " + name + " alter column " + q(c.name) + " set not null",
                    "alter table " + name + " alter column " + q(c.name) + " drop not null");
      n.note = "needs the backfill of " + c.name + " first; scans the table under an ACCESS EXCLUSIVE lock";
    }
    comment("column " + quote_qualified({t.schema, t.name, c.name}), object, std::nullopt, c.comment, true);
    return a;
  }

  auto drop_column(const table_info& t, const column_def& c) -> change& {
    const std::string name = qq(t.schema, t.name);
    const std::string object = column_object(t, c);
    comment("column " + quote_qualified({t.schema, t.name, c.name}), object, c.comment, std::nullopt, true);
    grants(column_acl(t, c), object, &c.privileges, nullptr);
    auto& d = add(phase::drop_columns, change_kind::column, object, "alter table " + name + " drop column " + q(c.name),
                  "alter table " + name + " add column " + column_sql(c, true));
    d.destructive = true;
    return d;
  }

  void alter_column(const table_info& t, const column_def& old, const column_def& c) {
    const std::string name = qq(t.schema, t.name);
    const std::string object = column_object(t, c);
    const std::string col = " alter column " + q(c.name);
    auto alter = [&](phase at, std::string up, std::string down) -> change& {
      return add(at, change_kind::column, object, "alter table " + name + col + up, "alter table " + name + col + down);
    };
    // Generation can only be dropped in place; anything else about it makes the column again.
    if (old.generated_expr != c.generated_expr && c.generated_expr) {
      auto& d = drop_column(t, old);
      d.destructive = !old.generated_expr.has_value();
      d.note = old.generated_expr ? "the generation expression changes: the column is made again, recomputed"
                                  : "the column becomes generated: its values are replaced by computed ones";
      auto& a =
          add(phase::columns, change_kind::column, object, "alter table " + name + " add column " + column_sql(c, true),
              "alter table " + name + " drop column " + q(c.name));
      a.down_destructive = !old.generated_expr.has_value();
      a.note = "made again: it comes back at the end of the table";
      grants(column_acl(t, c), object, nullptr, &c.privileges);
      comment("column " + quote_qualified({t.schema, t.name, c.name}), object, std::nullopt, c.comment, true);
      return;
    }
    if (old.generated_expr && !c.generated_expr) {
      auto& g = add(phase::columns, change_kind::column, object, "alter table " + name + col + " drop expression",
                    join({"alter table " + name + " drop column " + q(c.name),
                          "alter table " + name + " add column " + column_sql(old, true)}));
      g.down_destructive = true;  // values written since are replaced by computed ones
      g.note = "the values stay as computed; the down script makes the column generated again (at the end)";
    }
    if (old.default_expr && !c.default_expr)
      alter(phase::columns, " drop default", " set default " + *old.default_expr);
    if (old.identity != identity_kind::none && c.identity == identity_kind::none)
      alter(phase::columns, " drop identity", " add" + identity_clause(old));
    // NOT NULL after an identity is dropped (it holds NOT NULL) and before one is added (it needs it).
    if (old.not_null != c.not_null) {
      auto& n = alter(phase::columns, c.not_null ? " set not null" : " drop not null",
                      old.not_null ? " set not null" : " drop not null");
      if (c.not_null) n.note = "scans the table under an ACCESS EXCLUSIVE lock; fails while a row holds null";
    }
    if (old.type != c.type || old.collation != c.collation) {
      auto type = [&](const column_def& x, const column_def& from_col) {
        std::string s = " type " + x.type;
        if (x.collation) s += " collate " + qq(*x.collation);
        if (!safe_widening(from_col.type, x.type)) s += " using " + q(x.name) + "::" + x.type;
        return s;
      };
      auto& ch = alter(phase::columns, type(c, old), type(old, c));
      ch.destructive = !safe_widening(old.type, c.type);
      ch.down_destructive = !safe_widening(c.type, old.type);
      if (ch.destructive)
        ch.note =
            "type " + old.type + " to " + c.type + " is not a safe widening: values may be cut or fail to convert";
      else if (old.type != c.type) ch.note = "may rewrite the table under an ACCESS EXCLUSIVE lock";
    }
    if (old.identity == identity_kind::none && c.identity != identity_kind::none)
      alter(phase::columns, " add" + identity_clause(c), " drop identity");
    if (old.identity != identity_kind::none && c.identity != identity_kind::none) {
      if (old.identity != c.identity) {
        auto gen = [](identity_kind k) {
          return std::string(k == identity_kind::always ? " set generated always" : " set generated by default");
        };
        alter(phase::columns, gen(c.identity), gen(old.identity));
      }
      if (old.identity_sequence != c.identity_sequence && old.identity_sequence && c.identity_sequence) {
        auto opts = [](const sequence_options& o) {
          return " set increment by " + std::to_string(o.increment) + " set minvalue " + std::to_string(o.min) +
                 " set maxvalue " + std::to_string(o.max) + " set start with " + std::to_string(o.start) +
                 " set cache " + std::to_string(o.cache) + (o.cycle ? " set cycle" : " set no cycle");
        };
        alter(phase::columns, opts(*c.identity_sequence), opts(*old.identity_sequence));
      }
    }
    if (c.default_expr && old.default_expr != c.default_expr)
      alter(phase::columns, " set default " + *c.default_expr,
            old.default_expr ? " set default " + *old.default_expr : std::string(" drop default"));
    comment("column " + quote_qualified({t.schema, t.name, c.name}), object, old.comment, c.comment, false);
    grants(column_acl(t, c), object, &old.privileges, &c.privileges);
  }

  // ---- constraints ----

  // `moved` as for columns().
  void constraints(const table_info& old, const table_info& t, const link_change& moved) {
    for (const auto& c : t.constraints) {
      const auto* before = find_named(old.constraints, c.name);
      if (!moved.any) {
        if (c.inherited) continue;
        if (before != nullptr && before->inherited) before = nullptr;
      } else if (before != nullptr && before->inherited && c.inherited &&
                 from_kept(moved, &table_info::constraints, c.name)) {
        continue;
      }
      if (before != nullptr && before->definition == c.definition && before->kind == c.kind) {
        comment(constraint_target(t, c), constraint_object(t, c), before->comment, c.comment, false);
        continue;
      }
      if (before != nullptr) drop_constraint(old, *before);
      add_constraint(t, c, false);
    }
    for (const auto& c : old.constraints) {
      const auto* after = find_named(t.constraints, c.name);
      if (!moved.any) {
        // Local and inherited (an attached partition's check) cannot be made inherited only.
        if (!c.inherited && after == nullptr) drop_constraint(old, c);
      } else if (after == nullptr && !(c.inherited && from_kept(moved, &table_info::constraints, c.name))) {
        drop_constraint(old, c);
      }
    }
  }

  static auto constraint_target(const table_info& t, const constraint_def& c) -> std::string {
    return "constraint " + q(c.name) + " on " + qq(t.schema, t.name);
  }
  static auto constraint_object(const table_info& t, const constraint_def& c) -> std::string {
    return "constraint " + c.name + " on " + shown(t.schema, t.name);
  }

  // `fresh`: the table is made in the same diff (nothing to lock for long).
  void add_constraint(const table_info& t, const constraint_def& c, bool fresh) {
    const std::string name = qq(t.schema, t.name);
    const std::string object = constraint_object(t, c);
    const phase at = is_foreign_key(c) ? phase::foreign_keys : phase::constraints;
    const bool split = options_.online && !fresh && c.validated &&
                       (c.kind == constraint_kind::foreign_key || c.kind == constraint_kind::check);
    auto& a =
        add(at, change_kind::constraint, object,
            "alter table " + name + " add constraint " + q(c.name) + " " + c.definition + (split ? " not valid" : ""),
            "alter table " + name + " drop constraint " + q(c.name));
    if (split) {
      a.note = "added NOT VALID: new rows are checked at once, existing ones by the VALIDATE change that follows";
      add(phase::validate, change_kind::constraint, object, "alter table " + name + " validate constraint " + q(c.name),
          "")
          .note = "takes only a SHARE UPDATE EXCLUSIVE lock while it scans";
    } else if (!fresh && (c.kind == constraint_kind::primary_key || c.kind == constraint_kind::unique ||
                          c.kind == constraint_kind::exclusion)) {
      a.note = "builds an index under a lock that blocks writes";
    }
    comment(constraint_target(t, c), object, std::nullopt, c.comment, true);
  }

  void drop_constraint(const table_info& t, const constraint_def& c) {
    const std::string name = qq(t.schema, t.name);
    const std::string object = constraint_object(t, c);
    comment(constraint_target(t, c), object, c.comment, std::nullopt, true);
    add(is_foreign_key(c) ? phase::drop_foreign_keys : phase::drop_constraints, change_kind::constraint, object,
        "alter table " + name + " drop constraint " + q(c.name),
        "alter table " + name + " add constraint " + q(c.name) + " " + c.definition);
  }

  // ---- indexes ----

  // Indexes that enforce a constraint come and go with it; those a partition has from its
  // parent's index with the parent's.
  static auto own_index(const index_def& i) -> bool { return !i.constraint && !i.inherited; }

  // Where indexes live: the relation's schema and display name, whether it is made in the
  // same diff (`fresh`: nothing to lock for long), partitioned (no CONCURRENTLY there), a
  // materialized view (its indexes come after it and go before it).
  struct index_home {
    std::string schema;
    std::string on;
    bool fresh = false;
    bool partitioned = false;
    bool view = false;
  };

  void indexes(const index_home& home, const std::vector<index_def>& old, const std::vector<index_def>& now) {
    for (const auto& i : now) {
      const auto* before = find_named(old, i.name);
      if (!own_index(i)) {
        // A constraint's index comes and goes with it; only its comment is the index's own.
        if (before != nullptr && !own_index(*before) && before->comment != i.comment)
          comment("index " + qq(home.schema, i.name), "index " + shown(home.schema, i.name), before->comment, i.comment,
                  false);
        continue;
      }
      if (before != nullptr && own_index(*before) && before->definition == i.definition) {
        comment("index " + qq(home.schema, i.name), "index " + shown(home.schema, i.name), before->comment, i.comment,
                false);
        continue;
      }
      if (before != nullptr && own_index(*before)) drop_index(home, *before);
      create_index(home, i);
    }
    for (const auto& i : old) {
      if (!own_index(i)) continue;
      const auto* after = find_named(now, i.name);
      if (after == nullptr || !own_index(*after)) drop_index(home, i);
    }
  }

  // pg_get_indexdef's statement. On a partitioned table it reads "CREATE INDEX i ON ONLY t":
  // made without ONLY, so that the partitions get theirs as they did. CONCURRENTLY online.
  static auto index_sql(const index_def& i, bool concurrently, bool partitioned) -> std::string {
    std::string s = trimmed(i.definition);
    for (std::string_view head : {"CREATE UNIQUE INDEX ", "CREATE INDEX "}) {
      if (s.compare(0, head.size(), head) != 0) continue;
      std::string rest = s.substr(head.size());
      if (partitioned) {
        // After the name (printed bare or quoted, as quote_ident does).
        for (const std::string& name : {i.name, quote_identifier(i.name)}) {
          const std::string only = name + " ON ONLY ";
          if (rest.compare(0, only.size(), only) == 0) {
            rest = name + " ON " + rest.substr(only.size());
            break;
          }
        }
      }
      return std::string(head) + (concurrently ? "CONCURRENTLY " : "") + rest;
    }
    return s;
  }

  void create_index(const index_home& home, const index_def& i) {
    if (!own_index(i)) return;
    const bool online = options_.online && !home.fresh && !home.partitioned;
    const std::string name = qq(home.schema, i.name);
    auto& c = add(home.view ? phase::view_indexes : phase::indexes, change_kind::index,
                  "index " + shown(home.schema, i.name) + " on " + home.on, index_sql(i, online, home.partitioned),
                  std::string(online ? "drop index concurrently " : "drop index ") + name);
    c.transactional = !online;
    if (online)
      c.note = "CONCURRENTLY: run outside a transaction block; a failed build leaves an invalid index to drop";
    comment("index " + name, "index " + shown(home.schema, i.name), std::nullopt, i.comment, true);
  }

  void drop_index(const index_home& home, const index_def& i) {
    if (!own_index(i)) return;
    const bool online = options_.online && !home.fresh && !home.partitioned;
    const std::string name = qq(home.schema, i.name);
    comment("index " + name, "index " + shown(home.schema, i.name), i.comment, std::nullopt, true);
    auto& c = add(home.view ? phase::drop_view_indexes : phase::drop_indexes, change_kind::index,
                  "index " + shown(home.schema, i.name) + " on " + home.on,
                  std::string(online ? "drop index concurrently " : "drop index ") + name,
                  index_sql(i, online, home.partitioned));
    c.transactional = !online;
  }

  // ---- triggers ----

  void triggers(const std::vector<trigger_def>& old, const std::vector<trigger_def>& now, const table_info* old_t,
                const table_info* new_t, const view_info* old_v, const view_info* new_v, const std::string& on) {
    auto drop = [&](const trigger_def& tr) {
      const table_info* t = old_t;
      const view_info* v = old_v;
      const std::string rel = t != nullptr ? qq(t->schema, t->name) : qq(v->schema, v->name);
      const std::string object = "trigger " + tr.name + " on " + on;
      comment("trigger " + q(tr.name) + " on " + rel, object, tr.comment, std::nullopt, true);
      std::vector<std::string> down{trimmed(tr.definition)};
      if (tr.enabled != "origin") down.push_back(trigger_state_sql(t, v, tr, tr.enabled));
      add(phase::drop_triggers, change_kind::trigger, object, "drop trigger " + q(tr.name) + " on " + rel, join(down));
    };
    auto create = [&](const trigger_def& tr) {
      const table_info* t = new_t;
      const view_info* v = new_v;
      const std::string rel = t != nullptr ? qq(t->schema, t->name) : qq(v->schema, v->name);
      const std::string object = "trigger " + tr.name + " on " + on;
      std::vector<std::string> up{trimmed(tr.definition)};
      if (tr.enabled != "origin") up.push_back(trigger_state_sql(t, v, tr, tr.enabled));
      add(phase::triggers, change_kind::trigger, object, join(up), "drop trigger " + q(tr.name) + " on " + rel);
      comment("trigger " + q(tr.name) + " on " + rel, object, std::nullopt, tr.comment, true);
    };
    for (const auto& tr : now) {
      const auto* before = find_named(old, tr.name);
      if (before == nullptr) {
        create(tr);
      } else if (before->definition != tr.definition || before->function != tr.function) {
        drop(*before);
        create(tr);
      } else {
        const std::string rel = new_t != nullptr ? qq(new_t->schema, new_t->name) : qq(new_v->schema, new_v->name);
        const std::string object = "trigger " + tr.name + " on " + on;
        if (before->enabled != tr.enabled)
          add(phase::triggers, change_kind::trigger, object, trigger_state_sql(new_t, new_v, tr, tr.enabled),
              trigger_state_sql(new_t, new_v, tr, before->enabled));
        comment("trigger " + q(tr.name) + " on " + rel, object, before->comment, tr.comment, false);
      }
    }
    for (const auto& tr : old)
      if (find_named(now, tr.name) == nullptr) drop(tr);
  }

  // ---- views ----

  // True when `text` names `name` as an identifier, bare or quoted: a view's definition
  // names each relation it reads (pg_get_viewdef), qualified or not. A column or alias of
  // the same name also counts, which only orders the views more than needed.
  static auto names(std::string_view text, std::string_view name) -> bool {
    auto ident = [](char ch) {
      const auto u = static_cast<unsigned char>(ch);
      return std::isalnum(u) != 0 || ch == '_' || ch == '$' || u >= 0x80;
    };
    const std::string quoted = quote_identifier(name);
    for (const std::string_view needle : {std::string_view(quoted), name}) {
      const bool bare = needle.front() != '"';
      for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
        const char before = at == 0 ? ' ' : text[at - 1];
        const auto end = at + needle.size();
        const char after = end < text.size() ? text[end] : ' ';
        if (bare && (ident(before) || before == '"' || ident(after) || after == '"')) continue;
        return true;
      }
    }
    return false;
  }

  // The views of `c` in an order where each comes after the views it reads (by name order
  // otherwise; a cycle, which only a false match can make, is broken where it closes).
  static auto view_order(const catalog& c) -> std::vector<const view_info*> {
    std::vector<const view_info*> out;
    std::set<const view_info*> done;
    std::set<const view_info*> open;
    std::function<void(const view_info*)> visit = [&](const view_info* v) {
      if (done.count(v) != 0 || open.count(v) != 0) return;
      open.insert(v);
      for (const auto& w : c.views)
        if (&w != v && names(v->definition, w.name)) visit(&w);
      open.erase(v);
      done.insert(v);
      out.push_back(v);
    };
    for (const auto& v : c.views) visit(&v);
    return out;
  }

  static auto rank_in(const std::vector<const view_info*>& order, std::string_view schema, std::string_view name)
      -> int {
    for (std::size_t i = 0; i < order.size(); ++i)
      if (order[i]->schema == schema && order[i]->name == name) return static_cast<int>(i) + 1;
    return 0;
  }

  // A view whose old columns are a prefix of the new ones can be replaced in place.
  static auto prefix(const view_info& a, const view_info& b) -> bool {
    if (a.columns.size() > b.columns.size()) return false;
    for (std::size_t i = 0; i < a.columns.size(); ++i)
      if (a.columns[i].name != b.columns[i].name || a.columns[i].type != b.columns[i].type) return false;
    return true;
  }

  static auto same_view(const view_info& a, const view_info& b) -> bool {
    return a.materialized == b.materialized && a.definition == b.definition && a.options == b.options &&
           a.populated == b.populated;
  }

  // The views of both sides that are dropped and made again: those whose change CREATE OR
  // REPLACE cannot make (either way: down too), and then every view that reads one of them
  // or a view that goes, or calls a function that goes or is made again (it is made again
  // after, with its own or its new definition).
  // Maps each to the view it is remade for ("" for its own change).
  auto remade_views() const -> std::map<std::pair<std::string, std::string>, std::string> {
    std::map<std::pair<std::string, std::string>, std::string> out;
    std::set<std::pair<std::string, std::string>> gone;
    auto read_by_any = [&](const view_info& v) {
      auto reads = [&](const catalog& c) {
        return std::any_of(c.views.begin(), c.views.end(),
                           [&](const view_info& w) { return &w != &v && names(w.definition, v.name); });
      };
      return reads(from_) || reads(to_);
    };
    for (const auto& v : from_.views)
      if (to_.find_view(v.schema, v.name) == nullptr) gone.insert({v.schema, v.name});
    for (const auto& v : to_.views) {
      const auto* old = from_.find_view(v.schema, v.name);
      if (old == nullptr || same_view(*old, v)) continue;
      const bool replaceable = !v.materialized && !old->materialized && old->options == v.options && prefix(*old, v);
      if (!replaceable || (!prefix(v, *old) && read_by_any(*old))) out[{v.schema, v.name}] = "";
    }
    // A function that goes, or is dropped and made again (its result type or kind changes),
    // cannot be dropped while a view calls it.
    for (const auto& f : from_.functions) {
      const function_info* now = nullptr;
      for (const auto& g : to_.functions)
        if (g.schema == f.schema && g.name == f.name && g.identity_arguments == f.identity_arguments) now = &g;
      if (now != nullptr && (now->definition == f.definition || (now->result == f.result && now->kind == f.kind)))
        continue;
      for (const auto& v : to_.views) {
        const auto* old = from_.find_view(v.schema, v.name);
        if (old != nullptr && out.count({v.schema, v.name}) == 0 && names(old->definition, f.name))
          out[{v.schema, v.name}] = std::string(routine_word(f)) + " " + shown(f.schema, f.name);
      }
    }
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& v : to_.views) {
        const auto* old = from_.find_view(v.schema, v.name);
        if (old == nullptr || out.count({v.schema, v.name}) != 0) continue;
        auto reads = [&](const std::pair<std::string, std::string>& k) {
          return k != std::make_pair(v.schema, v.name) &&
                 (names(old->definition, k.second) || names(v.definition, k.second));
        };
        for (const auto& [k, why] : out)
          if (reads(k)) {
            out[{v.schema, v.name}] = shown(k.first, k.second);
            grew = true;
            break;
          }
        if (out.count({v.schema, v.name}) != 0) continue;
        for (const auto& k : gone)
          if (reads(k)) {
            out[{v.schema, v.name}] = shown(k.first, k.second);
            grew = true;
            break;
          }
      }
    }
    return out;
  }

  void views() {
    const auto order_to = view_order(to_);
    const auto order_from = view_order(from_);
    const auto remade = remade_views();
    for (const auto* vp : order_to) {
      const auto& v = *vp;
      at("view " + shown(v.schema, v.name), "view", v.schema, v.name);
      rank_ = rank_in(order_to, v.schema, v.name);
      const auto* old = from_.find_view(v.schema, v.name);
      const std::string object = std::string(v.materialized ? "materialized view " : "view ") + shown(v.schema, v.name);
      const auto why = remade.find({v.schema, v.name});
      if (old != nullptr && why == remade.end() && same_view(*old, v)) {
        view_parts(old, &v, false);
        continue;
      }
      if (old != nullptr && why == remade.end()) {
        // The way back drops columns, which CREATE OR REPLACE cannot: it drops and creates
        // (nothing reads the view, or it would be remade).
        std::vector<std::string> down{create_view_sql(*old, true)};
        if (!prefix(v, *old)) {
          down = {drop_view_sql(v), create_view_sql(*old, false)};
          if (old->comment)
            down.push_back("comment on view " + qq(v.schema, v.name) + " is " + quote_literal(*old->comment));
          for (const auto& c : old->columns)
            if (c.comment)
              down.push_back("comment on column " + quote_qualified({v.schema, v.name, c.name}) + " is " +
                             quote_literal(*c.comment));
          for (auto& st : made_statements(table_acl(v.schema, v.name), old->privileges)) down.push_back(std::move(st));
          for (const auto& c : old->columns)
            for (auto& st : made_statements(
                     {.on = "table " + qq(v.schema, v.name), .schema = v.schema, .column = c.name}, c.privileges))
              down.push_back(std::move(st));
        }
        add(phase::views, change_kind::view, object, create_view_sql(v, true), join(down));
        view_parts(old, &v, false);
        continue;
      }
      if (old != nullptr) {
        rank_ = -rank_in(order_from, old->schema, old->name);  // drops: the views that read it first
        add(phase::drop_views, change_kind::view, object, drop_view_sql(*old), create_view_sql(*old, false)).note =
            why->second.empty()
                ? "the view changes in a way CREATE OR REPLACE cannot make: it is dropped and created again (the "
                  "views that read it too)"
                : "it uses " + why->second + ", which is dropped: it is dropped before and created again after";
        view_parts(old, nullptr, true);
        rank_ = rank_in(order_to, v.schema, v.name);
      }
      add(phase::views, change_kind::view, object, create_view_sql(v, false), drop_view_sql(v));
      view_parts(nullptr, &v, true);
    }
    for (auto it = order_from.rbegin(); it != order_from.rend(); ++it) {
      const auto& v = **it;
      at("view " + shown(v.schema, v.name), "view", v.schema, v.name);
      if (to_.find_view(v.schema, v.name) != nullptr) continue;
      rank_ = -rank_in(order_from, v.schema, v.name);
      add(phase::drop_views, change_kind::view,
          std::string(v.materialized ? "materialized view " : "view ") + shown(v.schema, v.name), drop_view_sql(v),
          create_view_sql(v, false));
      view_parts(&v, nullptr, true);
    }
    rank_ = 0;
  }

  void view_parts(const view_info* old, const view_info* now, bool whole) {
    const view_info& v = now != nullptr ? *now : *old;
    const std::string name = qq(v.schema, v.name);
    const std::string on = shown(v.schema, v.name);
    static const std::vector<index_def> no_indexes;
    static const std::vector<trigger_def> no_triggers;
    indexes(index_home{v.schema, on, whole, false, true}, old ? old->indexes : no_indexes,
            now ? now->indexes : no_indexes);
    triggers(old ? old->triggers : no_triggers, now ? now->triggers : no_triggers, nullptr, nullptr, old, now, on);
    const std::string word = v.materialized ? "materialized view " : "view ";
    comment(word + name, word + on, old ? old->comment : std::nullopt, now ? now->comment : std::nullopt, whole);
    for (const auto& c : v.columns) {
      const column_def* before = old ? find_named(old->columns, c.name) : nullptr;
      const column_def* after = now ? find_named(now->columns, c.name) : nullptr;
      const auto old_comment = before ? before->comment : std::nullopt;
      const auto new_comment = after ? after->comment : std::nullopt;
      if (whole || old_comment != new_comment)
        comment("column " + quote_qualified({v.schema, v.name, c.name}), "column " + on + "." + c.name, old_comment,
                new_comment, whole);
    }
    grants(old != nullptr ? table_acl(v.schema, v.name, old->columns) : table_acl(v.schema, v.name), word + on,
           old != nullptr ? &old->privileges : nullptr, now != nullptr ? &now->privileges : nullptr);
    for (const auto& c : v.columns) {
      const column_def* before = old ? find_named(old->columns, c.name) : nullptr;
      const column_def* after = now ? find_named(now->columns, c.name) : nullptr;
      grants({.on = "table " + name, .schema = v.schema, .column = c.name}, "column " + on + "." + c.name,
             before != nullptr ? &before->privileges : nullptr, after != nullptr ? &after->privileges : nullptr);
    }
  }

  // ---- functions ----

  static auto routine_acl(const function_info& f) -> acl_target {
    return {
        .on = std::string(routine_word(f)) + " " + routine_sql_name(f), .object_type = "functions", .schema = f.schema};
  }

  void functions() {
    auto same = [](const function_info& a, const function_info& b) {
      return a.schema == b.schema && a.name == b.name && a.identity_arguments == b.identity_arguments;
    };
    auto find = [&](const std::vector<function_info>& in, const function_info& f) -> const function_info* {
      for (const auto& x : in)
        if (same(x, f)) return &x;
      return nullptr;
    };
    for (const auto& f : to_.functions) {
      at("function " + shown(f.schema, f.name), "function", f.schema, f.name + "(" + f.identity_arguments + ")");
      const auto* old = find(from_.functions, f);
      const std::string object =
          std::string(routine_word(f)) + " " + shown(f.schema, f.name) + "(" + f.identity_arguments + ")";
      const std::string target = std::string(routine_word(f)) + " " + routine_sql_name(f);
      const std::string drop = "drop " + std::string(routine_word(f)) + " " + routine_sql_name(f);
      bool whole = old == nullptr;
      if (old == nullptr) {
        add(phase::functions, change_kind::function, object, trimmed(f.definition), drop);
      } else if (old->definition != f.definition) {
        if (old->result == f.result && old->kind == f.kind) {
          add(phase::functions, change_kind::function, object, trimmed(f.definition), trimmed(old->definition));
        } else {
          // CREATE OR REPLACE cannot change the result type or the kind.
          const std::string old_target = "drop " + std::string(routine_word(*old)) + " " + routine_sql_name(*old);
          comment(std::string(routine_word(*old)) + " " + routine_sql_name(*old), object, old->comment, std::nullopt,
                  true);
          add(phase::drop_functions, change_kind::function, object, old_target, trimmed(old->definition)).note =
              "the result type changes: dropped and created again (fails while something depends on it)";
          add(phase::functions, change_kind::function, object, trimmed(f.definition), drop);
          whole = true;
          comment(target, object, std::nullopt, f.comment, true);
          grants(routine_acl(*old), object, &old->privileges, nullptr);
          grants(routine_acl(f), object, nullptr, &f.privileges);
          continue;
        }
      }
      comment(target, object, old ? old->comment : std::nullopt, f.comment, whole);
      grants(routine_acl(f), object, old != nullptr ? &old->privileges : nullptr, &f.privileges);
    }
    for (const auto& f : from_.functions) {
      at("function " + shown(f.schema, f.name), "function", f.schema, f.name + "(" + f.identity_arguments + ")");
      if (find(to_.functions, f) != nullptr) continue;
      const std::string object =
          std::string(routine_word(f)) + " " + shown(f.schema, f.name) + "(" + f.identity_arguments + ")";
      comment(std::string(routine_word(f)) + " " + routine_sql_name(f), object, f.comment, std::nullopt, true);
      add(phase::drop_functions, change_kind::function, object,
          "drop " + std::string(routine_word(f)) + " " + routine_sql_name(f), trimmed(f.definition));
      grants(routine_acl(f), object, &f.privileges, nullptr);
    }
  }

  template <class T>
  static auto find_named(const std::vector<T>& in, std::string_view name) -> const T* {
    for (const auto& x : in)
      if (x.name == name) return &x;
    return nullptr;
  }
  template <class T>
  static auto find_qualified(const std::vector<T>& in, std::string_view schema, std::string_view name) -> const T* {
    for (const auto& x : in)
      if (x.schema == schema && x.name == name) return &x;
    return nullptr;
  }
};

// One flagged change's comment lines, with any line break in names or notes made a space
// (names can hold newlines; a comment line must not end early). None starts with "pgpx:",
// which a migration file's header reads as a directive; a rename candidate gets the lint
// annotation `-- pgpx:lint DS103` that migrate diff writes (spec/cli-and-migrations.md).
auto flags(const change& c) -> std::string {
  auto line = [](std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char ch) { return ch == '\n' || ch == '\r'; }, ' ');
    return "-- " + text + "\n";
  };
  std::string out;
  if (c.possible_rename) out += "-- pgpx:lint DS103\n";
  if (c.destructive) out += line("destructive: " + c.object);
  if (!c.transactional) out += line("not in a transaction block: " + c.object);
  if (!c.note.empty()) out += line(c.object + ": " + c.note);
  return out;
}

}  // namespace

auto diff_result::destructive() const noexcept -> bool {
  return std::any_of(changes.begin(), changes.end(), [](const change& c) { return c.destructive; });
}

auto diff_result::up_script() const -> std::string {
  std::string out;
  for (const auto& c : changes) {
    if (c.up.empty()) continue;
    out += flags(c) + c.up + ";\n";
  }
  return out;
}

auto diff_result::down_script() const -> std::string {
  std::string out;
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
    change c = *it;
    if (c.down.empty()) {
      if (!c.note.empty()) out += flags(change{.object = c.object, .note = "no inverse: " + c.note});
      continue;
    }
    c.destructive = it->down_destructive;
    out += flags(c) + c.down + ";\n";
  }
  return out;
}

auto diff(const catalog& from, const catalog& to, diff_options options) -> diff_result {
  builder b(from, to, options);
  try {
    return b.run();
  } catch (const usage_error& e) {
    throw usage_error("pgpx::schema::diff: " + b.where() + ": " + e.what());
  }
}

auto to_string(change_kind k) noexcept -> std::string_view {
  switch (k) {
    case change_kind::schema: return "schema";
    case change_kind::extension: return "extension";
    case change_kind::enum_type: return "enum_type";
    case change_kind::domain: return "domain";
    case change_kind::composite_type: return "composite_type";
    case change_kind::sequence: return "sequence";
    case change_kind::table: return "table";
    case change_kind::column: return "column";
    case change_kind::constraint: return "constraint";
    case change_kind::index: return "index";
    case change_kind::view: return "view";
    case change_kind::function: return "function";
    case change_kind::trigger: return "trigger";
    case change_kind::row_security: return "row_security";
    case change_kind::comment: return "comment";
    case change_kind::privilege: return "privilege";
    case change_kind::default_privileges: return "default_privileges";
    case change_kind::event_trigger: return "event_trigger";
  }
  return "";
}

namespace {

auto phase_name(phase p) -> std::string_view {
  switch (p) {
    case phase::schemas: return "schemas";
    case phase::extensions: return "extensions";
    case phase::types: return "types";
    case phase::domains: return "domains";
    case phase::composite_types: return "composite_types";
    case phase::sequences: return "sequences";
    case phase::tables: return "tables";
    case phase::columns: return "columns";
    case phase::own_sequences: return "owned_by";
    case phase::constraints: return "constraints";
    case phase::foreign_keys: return "foreign_keys";
    case phase::not_null: return "not_null";
    case phase::validate: return "validate";
    case phase::indexes: return "indexes";
    case phase::attach: return "attach";
    case phase::functions: return "functions";
    case phase::views: return "views";
    case phase::view_indexes: return "indexes";
    case phase::triggers: return "triggers";
    case phase::row_security: return "row_security";
    case phase::privileges: return "privileges";
    case phase::event_triggers: return "event_triggers";
    case phase::comments: return "comments";
    case phase::default_privileges: return "default_privileges";
    default: return "drops";  // an export drops nothing
  }
}

}  // namespace

auto export_pieces(const catalog& c) -> export_result {
  // A fresh database has the schema public already: start from it, so that it is not created.
  catalog base;
  for (const auto& sc : c.schemas)
    if (sc.name == "public") base.schemas.push_back(sc);
  builder b(base, c, {});
  std::deque<staged> steps;
  try {
    steps = b.run_staged();
  } catch (const usage_error& e) {
    throw usage_error("pgpx::schema::export_pieces: " + b.where() + ": " + e.what());
  }
  export_result out;
  out.not_exported = std::move(b.unsupported());
  // The phase an object first appears in is its own ("" part); a later one is named.
  std::map<std::tuple<std::string, std::string, std::string>, phase> first;
  for (auto& s : steps) {
    if (s.c.up.empty()) continue;
    const auto key = std::make_tuple(s.owner.kind, s.owner.schema, s.owner.name);
    const auto [it, fresh] = first.emplace(key, s.at);
    export_piece p;
    p.kind = s.owner.kind;
    p.schema = s.owner.schema;
    p.name = s.owner.name;
    if (!fresh && it->second != s.at) p.part = std::string(phase_name(s.at));
    p.sql = flags(s.c) + s.c.up + ";\n";
    out.pieces.push_back(std::move(p));
  }
  return out;
}

auto export_sql(const catalog& c) -> std::string {
  const export_result e = export_pieces(c);
  std::string out;
  for (const auto& u : e.not_exported) out += "-- not exported: " + u + "\n";
  for (const auto& p : e.pieces) out += p.sql;
  return out;
}

}  // namespace pgpx::schema
