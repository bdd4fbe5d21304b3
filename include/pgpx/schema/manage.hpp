// pgpx/schema/manage.hpp: tables, columns, indexes, constraints, triggers, routines, roles,
// grants and policies managed from C++, one small builder per statement.
//
//   namespace m = pgpx::schema::manage;
//   m::execute(cx,
//       m::create_table({"shop", "orders"})
//           .column("id", "int8", {.identity = true})
//           .column("note", "text", {.nullable = true})
//           .primary_key({"id"}),
//       m::alter_table({"shop", "orders"}).add_column("total", "numeric(12,2)", {.default_sql = "0"}),
//       m::create_index("orders_note_idx", {"shop", "orders"}).columns({"note"}).concurrently());
//   // create table "shop"."orders" ("id" int8 generated always as identity, "note" text,
//   //   primary key ("id"))
//   // alter table "shop"."orders" add column "total" numeric(12,2) not null default (0)
//   // create index concurrently "orders_note_idx" on "shop"."orders" ("note")
//
// Three kinds of text go into these statements, each its own way:
//   * names (tables, columns, indexes, roles...) pass through pgpx::quote_identifier, always;
//   * SQL written by the program: type names ("numeric(12,2)", "text[]"), expressions
//     (defaults, USING, CHECK, WHERE, WHEN, policy USING / WITH CHECK) and routine bodies.
//     They are SQL, not values, and must never come from input (a request, a file a user
//     wrote, a database row). Still, they are checked: a type name must match a small
//     grammar (letters, digits, `_`, spaces, `( ) [ ] , .` and "quoted identifiers"), and an
//     expression, read by PostgreSQL's own scanner (libpg_query), must scan (quotes closed)
//     and may not hold `;` or a comment, nor unbalanced parentheses, nor a backslash in a
//     '...' string (whose meaning standard_conforming_strings would decide: write E'...').
//     Expressions are written in parentheses, so one cannot end its clause. Routine bodies
//     go between dollar quotes whose tag does not occur in them.
//   * values: DDL takes no parameters, so none is accepted; the one exception, a role's
//     password, is refused as plain text (see create_role_builder::password_verifier).
// Anything refused throws pgpx::usage_error naming the function and the argument, when the
// builder is given it or when its statement is made; manage::execute() makes every
// statement before it sends the first, so nothing is sent.
//
// The namespace is pgpx::schema::manage, apart from pgpx::schema's create_table(model) and
// drop_table(model) (ddl.hpp), so that create_table({"shop", "orders"}) means one thing.
#pragma once

#include <pgpx/core/statement.hpp>
#include <pgpx/export.hpp>
#include <pgpx/schema/ddl.hpp>
#include <pgpx/schema/introspect.hpp>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx::schema::manage {

/**
 * The name of a table, function, role's object...: `"orders"` or `{"shop", "orders"}`. An
 * unqualified name is found through the search_path. Quoted only when a statement is made
 * (sql() throws usage_error for a name PostgreSQL cannot hold).
 */
class object_name {
 public:
  /// An unqualified name.
  object_name(const char* name) : name_(name) {}  // NOLINT(google-explicit-constructor)
  /// An unqualified name.
  object_name(std::string_view name) : name_(name) {}  // NOLINT(google-explicit-constructor)
  /// An unqualified name.
  object_name(const std::string& name) : name_(name) {}  // NOLINT(google-explicit-constructor)
  /// A name in a schema.
  object_name(std::string_view schema, std::string_view name) : schema_(schema), name_(name) {}
  /// A name as introspect() reads it.
  object_name(const qualified_name& q) : schema_(q.schema), name_(q.name) {}  // NOLINT(google-explicit-constructor)

  /// The schema, or "" when unqualified.
  [[nodiscard]] auto schema() const noexcept -> const std::string& { return schema_; }
  /// The name in its schema.
  [[nodiscard]] auto name() const noexcept -> const std::string& { return name_; }
  /// `"shop"."orders"`, or `"orders"`. Throws usage_error (see quote_identifier).
  [[nodiscard]] PGPX_API auto sql() const -> std::string;

 private:
  std::string schema_;
  std::string name_;
};

// ---------------------------------------------------------------------------------------
// Tables and columns

/// How a column is declared (create_table().column(), alter_table().add_column()).
struct column_options {
  /// Nullable; columns are NOT NULL unless this says otherwise.
  bool nullable = false;
  /// GENERATED ALWAYS AS IDENTITY (NOT NULL, no default).
  bool identity = false;
  /// DEFAULT (expr): program-written SQL, never input ("now()", "0", "'new'").
  std::string default_sql{};
  /// GENERATED ALWAYS AS (expr) STORED: program-written SQL, never input.
  std::string generated_sql{};
};

/// ON DELETE / ON UPDATE and name of a foreign key.
struct foreign_key_options {
  referential_action on_delete = referential_action::no_action;  ///< ON DELETE
  referential_action on_update = referential_action::no_action;  ///< ON UPDATE
};

/// `create table`: columns, then table constraints, in the order given.
class create_table_builder {
 public:
  /// A table named `table`.
  PGPX_API explicit create_table_builder(object_name table);

  /// A column: `"name" type [not null] [default (...)]`. `type` is a SQL type name.
  PGPX_API auto column(std::string_view name, std::string_view type, const column_options& options = {})
      -> create_table_builder&;
  /// `[constraint "name"] primary key (...)`; `name` may be empty (the server names it).
  PGPX_API auto primary_key(const std::vector<std::string>& columns, std::string_view name = {})
      -> create_table_builder&;
  /// `[constraint "name"] unique (...)`.
  PGPX_API auto unique(const std::vector<std::string>& columns, std::string_view name = {}) -> create_table_builder&;
  /// `[constraint "name"] check (expr)`; `expr` is program-written SQL.
  PGPX_API auto check(std::string_view expr, std::string_view name = {}) -> create_table_builder&;
  /// `[constraint "name"] foreign key (...) references table (...) [on delete ...]`.
  PGPX_API auto foreign_key(const std::vector<std::string>& columns, const object_name& references,
                            const std::vector<std::string>& referenced_columns, foreign_key_options options = {},
                            std::string_view name = {}) -> create_table_builder&;
  /// `create table if not exists`.
  PGPX_API auto if_not_exists() -> create_table_builder&;
  /// `create unlogged table`.
  PGPX_API auto unlogged() -> create_table_builder&;

  /// The statement. Throws usage_error for a name PostgreSQL cannot hold.
  [[nodiscard]] PGPX_API auto statement() const -> pgpx::statement<void>;

 private:
  object_name table_;
  std::vector<std::string> parts_;
  bool if_not_exists_ = false;
  bool unlogged_ = false;
};

/// `create table ...`: see create_table_builder. (create_table(model) in ddl.hpp makes the
/// table of a C++ model.)
[[nodiscard]] PGPX_API auto create_table(object_name table) -> create_table_builder;
/// `drop table [if exists] t [cascade]`.
[[nodiscard]] PGPX_API auto drop_table(const object_name& table, drop_options options = {}) -> statement<void>;
/// `alter table t rename to "new_name"` (the table stays in its schema).
[[nodiscard]] PGPX_API auto rename_table(const object_name& table, std::string_view new_name) -> statement<void>;

/// How alter_table().drop_column() writes its statement.
struct drop_column_options {
  bool if_exists = false;  ///< `drop column if exists`
  bool cascade = false;    ///< `... cascade` (drops indexes, constraints, views that use it)
};

/**
 * `alter table`: column changes, in the order given. Actions PostgreSQL can combine go in
 * one statement (`alter table t add column a int4, alter column b type int8`); each
 * rename is a statement of its own, since ALTER TABLE cannot combine it.
 */
class alter_table_builder {
 public:
  /// Changes to `table`.
  PGPX_API explicit alter_table_builder(object_name table);

  /// `add column [if not exists] "name" type ...` (see column_options).
  PGPX_API auto add_column(std::string_view name, std::string_view type, const column_options& options = {})
      -> alter_table_builder&;
  /// `drop column [if exists] "name" [cascade]`.
  PGPX_API auto drop_column(std::string_view name, drop_column_options options = {}) -> alter_table_builder&;
  /// `rename column "from" to "to"` (a statement of its own).
  PGPX_API auto rename_column(std::string_view from, std::string_view to) -> alter_table_builder&;
  /// `alter column "name" type T [using (expr)]`: how each old value becomes the new
  /// type ("note::int8", "round(price * 100)::int8"); program-written SQL.
  PGPX_API auto set_type(std::string_view column, std::string_view type, std::string_view using_expr = {})
      -> alter_table_builder&;
  /// `alter column "name" set not null`.
  PGPX_API auto set_not_null(std::string_view column) -> alter_table_builder&;
  /// `alter column "name" drop not null`.
  PGPX_API auto drop_not_null(std::string_view column) -> alter_table_builder&;
  /// `alter column "name" set default (expr)`; program-written SQL.
  PGPX_API auto set_default(std::string_view column, std::string_view expr) -> alter_table_builder&;
  /// `alter column "name" drop default`.
  PGPX_API auto drop_default(std::string_view column) -> alter_table_builder&;

  /// The statements, in order. Throws usage_error when there is nothing to do.
  [[nodiscard]] PGPX_API auto statements() const -> std::vector<pgpx::statement<void>>;

 private:
  struct action {
    std::string sql;
    bool alone = false;  // a rename: a statement of its own
  };
  object_name table_;
  std::vector<action> actions_;
};

/// `alter table ...`: see alter_table_builder.
[[nodiscard]] PGPX_API auto alter_table(object_name table) -> alter_table_builder;

// ---------------------------------------------------------------------------------------
// Indexes

/// `create [unique] index [concurrently] "name" on t [using method] (...) [include (...)]
/// [where (...)]`. The index goes into its table's schema.
class create_index_builder {
 public:
  /// An index named `name` on `table`.
  PGPX_API create_index_builder(std::string_view name, object_name table);

  /// Key columns, in order.
  PGPX_API auto columns(const std::vector<std::string>& names) -> create_index_builder&;
  /// One key column, descending.
  PGPX_API auto column_desc(std::string_view name) -> create_index_builder&;
  /// A key expression ("lower(email)"), program-written SQL; written in parentheses.
  PGPX_API auto expression(std::string_view expr) -> create_index_builder&;
  /// `unique`.
  PGPX_API auto unique() -> create_index_builder&;
  /// `concurrently`: builds without blocking writes. Cannot run inside a transaction block
  /// (run it on a connection, not a transaction). A failed build leaves an invalid index
  /// behind (index_def::valid is false): drop it and try again.
  PGPX_API auto concurrently() -> create_index_builder&;
  /// `if not exists`.
  PGPX_API auto if_not_exists() -> create_index_builder&;
  /// The access method: btree (the default), hash, gist, spgist, gin, brin, or another
  /// (an extension's, quoted as a name).
  PGPX_API auto method(std::string_view name) -> create_index_builder&;
  /// `include (...)`: columns stored in the index, not keys.
  PGPX_API auto include(const std::vector<std::string>& names) -> create_index_builder&;
  /// `where (expr)`: a partial index; program-written SQL.
  PGPX_API auto where(std::string_view expr) -> create_index_builder&;
  /// The operator class of the last key added (`vector_l2_ops`, `gin_trgm_ops`), quoted as
  /// a name. Throws usage_error before any key.
  PGPX_API auto opclass(std::string_view name) -> create_index_builder&;
  /// A storage parameter of the method (`with (m = 16)`): the parameter's name (quoted) and
  /// a number, written into the DDL as a numeric literal.
  PGPX_API auto with(std::string_view name, double value) -> create_index_builder&;

  /// The statement. Throws usage_error when it has no key.
  [[nodiscard]] PGPX_API auto statement() const -> pgpx::statement<void>;

 private:
  std::string name_;
  object_name table_;
  std::vector<std::string> keys_;
  std::vector<std::string> include_;
  std::vector<std::string> with_;
  std::string method_;
  std::string where_;
  bool unique_ = false;
  bool concurrently_ = false;
  bool if_not_exists_ = false;
};

/// `create index ...`: see create_index_builder.
[[nodiscard]] PGPX_API auto create_index(std::string_view name, object_name table) -> create_index_builder;

/// How drop_index() writes its statement.
struct drop_index_options {
  bool if_exists = false;     ///< `if exists`
  bool cascade = false;       ///< `cascade` (not with concurrently: the server refuses it)
  bool concurrently = false;  ///< `concurrently`: outside a transaction block only
};

/// `drop index [concurrently] [if exists] i [cascade]`. `index` is schema-qualified when
/// it is not on the search_path. Throws usage_error for concurrently with cascade.
[[nodiscard]] PGPX_API auto drop_index(const object_name& index, drop_index_options options = {}) -> statement<void>;

// ---------------------------------------------------------------------------------------
// Constraints

/**
 * `alter table t add constraint "name" ...`: exactly one of primary_key, unique, check,
 * foreign_key (with references). not_valid() adds a check or foreign key without reading
 * the rows already there (new rows are checked at once); validate_constraint() reads them
 * later, under a lock that lets writes go on.
 */
class add_constraint_builder {
 public:
  /// A constraint named `name` on `table`.
  PGPX_API add_constraint_builder(object_name table, std::string_view name);

  /// `primary key (...)`.
  PGPX_API auto primary_key(const std::vector<std::string>& columns) -> add_constraint_builder&;
  /// `unique (...)`.
  PGPX_API auto unique(const std::vector<std::string>& columns) -> add_constraint_builder&;
  /// `check (expr)`; program-written SQL.
  PGPX_API auto check(std::string_view expr) -> add_constraint_builder&;
  /// `foreign key (...)`; then references().
  PGPX_API auto foreign_key(const std::vector<std::string>& columns) -> add_constraint_builder&;
  /// `references t (...)`, with ON DELETE / ON UPDATE.
  PGPX_API auto references(const object_name& table, const std::vector<std::string>& columns,
                           foreign_key_options options = {}) -> add_constraint_builder&;
  /// `deferrable [initially deferred]`.
  PGPX_API auto deferrable(bool initially_deferred = false) -> add_constraint_builder&;
  /// `not valid`: only for check and foreign key constraints.
  PGPX_API auto not_valid() -> add_constraint_builder&;

  /// The statement. Throws usage_error when the constraint is not exactly one kind, a
  /// foreign key lacks references(), or not_valid() is given to a key.
  [[nodiscard]] PGPX_API auto statement() const -> pgpx::statement<void>;

 private:
  object_name table_;
  std::string name_;
  std::string body_;
  int kinds_ = 0;
  bool foreign_ = false;
  bool referenced_ = false;
  bool not_valid_ = false;
  std::string deferrable_;
};

/// `alter table t add constraint ...`: see add_constraint_builder.
[[nodiscard]] PGPX_API auto add_constraint(object_name table, std::string_view name) -> add_constraint_builder;
/// `alter table t validate constraint "name"`: checks the rows a NOT VALID constraint skipped.
[[nodiscard]] PGPX_API auto validate_constraint(const object_name& table, std::string_view name) -> statement<void>;
/// `alter table t drop constraint [if exists] "name" [cascade]`.
[[nodiscard]] PGPX_API auto drop_constraint(const object_name& table, std::string_view name, drop_options options = {})
    -> statement<void>;

// ---------------------------------------------------------------------------------------
// Functions, procedures and triggers

/// How a routine takes an argument.
enum class arg_mode { in, out, inout, variadic };

/// One argument of a function or procedure.
struct routine_arg {
  std::string name{};  ///< may be empty (an unnamed argument)
  std::string type{};  ///< a SQL type name
  arg_mode mode = arg_mode::in;  ///< IN, OUT, INOUT, VARIADIC
  std::string default_sql{};  ///< DEFAULT (expr), program-written SQL; empty: none
};

/// IMMUTABLE, STABLE or VOLATILE.
enum class volatility { volatile_, stable, immutable };

/**
 * `create [or replace] function|procedure name(args) [returns T] language L [...] as $tag$
 * body $tag$`. The body is program-written code; it is put between dollar quotes whose tag
 * ($pgpx$, else $pgpx1$, $pgpx2$...) does not occur in it, so it needs no escaping.
 */
class create_routine_builder {
 public:
  /// A function (procedure = false) or a procedure named `name`.
  PGPX_API create_routine_builder(object_name name, bool procedure);

  /// The arguments, in order.
  PGPX_API auto args(const std::vector<routine_arg>& list) -> create_routine_builder&;
  /// `returns T` (functions): a type name, "setof T", "trigger", "void", "table (a int4)".
  PGPX_API auto returns(std::string_view type) -> create_routine_builder&;
  /// `language L`: "sql", "plpgsql"... (quoted as a name).
  PGPX_API auto language(std::string_view name) -> create_routine_builder&;
  /// The body, between dollar quotes.
  PGPX_API auto body(std::string_view code) -> create_routine_builder&;
  /// `immutable`, `stable` or `volatile` (functions).
  PGPX_API auto set_volatility(volatility v) -> create_routine_builder&;
  /// `strict` (functions): null for any null argument, without running.
  PGPX_API auto strict() -> create_routine_builder&;
  /// `security definer`: runs with its owner's rights. Pair it with a fixed search_path
  /// (set_search_path) so that callers cannot plant objects it would find.
  PGPX_API auto security_definer() -> create_routine_builder&;
  /// `set search_path = "a", "b"` while it runs (an empty list: `set search_path = ''`).
  PGPX_API auto set_search_path(const std::vector<std::string>& schemas) -> create_routine_builder&;
  /// `or replace`.
  PGPX_API auto or_replace() -> create_routine_builder&;

  /// The statement. Throws usage_error without a language or body, or for a function
  /// without returns() and without OUT arguments.
  [[nodiscard]] PGPX_API auto statement() const -> pgpx::statement<void>;

 private:
  object_name name_;
  bool procedure_;
  std::string args_ = "()";
  bool has_out_ = false;
  std::string returns_;
  std::string language_;
  std::string body_;
  bool has_body_ = false;
  std::string options_;
  bool or_replace_ = false;
};

/// `create function ...`: see create_routine_builder.
[[nodiscard]] PGPX_API auto create_function(object_name name) -> create_routine_builder;
/// `create procedure ...`: see create_routine_builder. Run it with `call`.
[[nodiscard]] PGPX_API auto create_procedure(object_name name) -> create_routine_builder;
/// `drop function [if exists] f(types) [cascade]`: the argument types pick the overload.
[[nodiscard]] PGPX_API auto drop_function(const object_name& name, const std::vector<std::string>& arg_types,
                                          drop_options options = {}) -> statement<void>;
/// `drop procedure [if exists] p(types) [cascade]`.
[[nodiscard]] PGPX_API auto drop_procedure(const object_name& name, const std::vector<std::string>& arg_types,
                                           drop_options options = {}) -> statement<void>;

/// When a trigger fires.
enum class trigger_timing { before, after, instead_of };
/// What fires a trigger (delete_: DELETE, the keyword being C++'s too).
enum class trigger_event { insert, update, delete_, truncate };

/**
 * `create [or replace] trigger "name" {before|after|instead of} event [or ...] on t
 * [for each row] [when (expr)] execute function f()`.
 */
class create_trigger_builder {
 public:
  /// A trigger named `name` on `table`.
  PGPX_API create_trigger_builder(std::string_view name, object_name table);

  /// When, and on which events.
  PGPX_API auto fires(trigger_timing timing, std::initializer_list<trigger_event> events) -> create_trigger_builder&;
  /// `update of "a", "b"`: an update event only when these columns are set.
  PGPX_API auto update_of(const std::vector<std::string>& columns) -> create_trigger_builder&;
  /// `for each row` (the default is `for each statement`).
  PGPX_API auto for_each_row() -> create_trigger_builder&;
  /// `when (expr)`: program-written SQL (OLD and NEW are the row).
  PGPX_API auto when(std::string_view expr) -> create_trigger_builder&;
  /// `execute function f()`: a function returning trigger.
  PGPX_API auto execute_function(const object_name& function) -> create_trigger_builder&;
  /// `or replace`.
  PGPX_API auto or_replace() -> create_trigger_builder&;

  /// The statement. Throws usage_error without events or a function.
  [[nodiscard]] PGPX_API auto statement() const -> pgpx::statement<void>;

 private:
  std::string name_;
  object_name table_;
  std::string timing_;
  std::vector<trigger_event> events_;
  std::vector<std::string> update_of_;
  bool for_each_row_ = false;
  std::string when_;
  std::string function_;
  bool or_replace_ = false;
};

/// `create trigger ...`: see create_trigger_builder.
[[nodiscard]] PGPX_API auto create_trigger(std::string_view name, object_name table) -> create_trigger_builder;
/// `drop trigger [if exists] "name" on t [cascade]`.
[[nodiscard]] PGPX_API auto drop_trigger(std::string_view name, const object_name& table, drop_options options = {})
    -> statement<void>;

// ---------------------------------------------------------------------------------------
// Roles, grants, row-level security

/**
 * `create role "name" [login] [createdb] ...`. Only the attributes asked for are written.
 *
 * Passwords: DDL cannot take a bound parameter, so a password would be text in the
 * statement, which the server keeps in its log (log_statement = ddl, or
 * log_min_error_statement on a failure) and in pg_stat_statements (pgpx's own query log
 * and error messages mask string literals; the server does not). So a plain-text password
 * is refused: there is no password(). password_verifier() takes a
 * SCRAM-SHA-256 verifier computed on the client (PQencryptPasswordConn, or what psql's
 * \password sends): the server stores it as is, and the password itself never travels.
 * A verifier is still a secret of sorts (it allows an offline guessing attack): keep
 * statements carrying one out of logs you share.
 */
class create_role_builder {
 public:
  /// A role named `name`.
  PGPX_API explicit create_role_builder(std::string_view name);

  /// `login` (a role that can connect: a user).
  PGPX_API auto login() -> create_role_builder&;
  /// `createdb`.
  PGPX_API auto createdb() -> create_role_builder&;
  /// `createrole`.
  PGPX_API auto createrole() -> create_role_builder&;
  /// `noinherit`: the role does not use its memberships' privileges without SET ROLE.
  PGPX_API auto noinherit() -> create_role_builder&;
  /// `bypassrls`: row-level security policies do not apply to it.
  PGPX_API auto bypassrls() -> create_role_builder&;
  /// `connection limit n` (-1: none).
  PGPX_API auto connection_limit(int n) -> create_role_builder&;
  /// `in role "a", "b"`: member of these roles.
  PGPX_API auto in_role(const std::vector<std::string>& roles) -> create_role_builder&;
  /// `password 'SCRAM-SHA-256$...'`: a SCRAM-SHA-256 verifier, never a password (anything
  /// else, md5 hashes included, is refused with usage_error; the text is not echoed).
  PGPX_API auto password_verifier(std::string_view verifier) -> create_role_builder&;

  /// The statement.
  [[nodiscard]] PGPX_API auto statement() const -> pgpx::statement<void>;

 private:
  std::string name_;
  std::string options_;
};

/// `create role ...`: see create_role_builder.
[[nodiscard]] PGPX_API auto create_role(std::string_view name) -> create_role_builder;
/// `drop role [if exists] "name"` (cascade is refused: PostgreSQL has none for roles;
/// reassign or drop what the role owns first).
[[nodiscard]] PGPX_API auto drop_role(std::string_view name, drop_options options = {}) -> statement<void>;
/// `grant "role" to "member"`: role membership.
[[nodiscard]] PGPX_API auto grant_role(std::string_view role, std::string_view member) -> statement<void>;

/// A privilege (delete_: DELETE; all: ALL PRIVILEGES, alone).
enum class privilege {
  select,
  insert,
  update,
  delete_,
  truncate,
  references,
  trigger,
  usage,
  create,
  connect,
  temporary,
  execute,
  all
};

/**
 * `grant p, ... on kind object to role, ... [with grant option]` and `revoke [grant option
 * for] ... from ... [cascade]`: exactly one on_...() and at least one role. Each privilege
 * must apply to the kind of object (select on a table or sequence, usage on a schema or
 * sequence, execute on a routine...); a role named "public" is PUBLIC.
 */
class grant_builder {
 public:
  /// A grant (revoke = false) or a revoke of `privileges`.
  PGPX_API grant_builder(std::vector<privilege> privileges, bool revoke);

  /// `on table t` (also views).
  PGPX_API auto on_table(const object_name& table) -> grant_builder&;
  /// `on all tables in schema s`.
  PGPX_API auto on_all_tables_in_schema(std::string_view schema) -> grant_builder&;
  /// `on sequence s`.
  PGPX_API auto on_sequence(const object_name& sequence) -> grant_builder&;
  /// `on schema s`.
  PGPX_API auto on_schema(std::string_view schema) -> grant_builder&;
  /// `on function f(types)`.
  PGPX_API auto on_function(const object_name& function, const std::vector<std::string>& arg_types) -> grant_builder&;
  /// `on procedure p(types)`.
  PGPX_API auto on_procedure(const object_name& procedure, const std::vector<std::string>& arg_types) -> grant_builder&;
  /// `on database d`.
  PGPX_API auto on_database(std::string_view database) -> grant_builder&;
  /// The roles (grant: `to`, revoke: `from`).
  PGPX_API auto roles(const std::vector<std::string>& names) -> grant_builder&;
  /// Grant: `with grant option`; revoke: `grant option for` (the option only).
  PGPX_API auto grant_option() -> grant_builder&;
  /// Revoke: `cascade` (also from those the role granted it to).
  PGPX_API auto cascade() -> grant_builder&;

  /// The statement. Throws usage_error without an object or roles, or for a privilege
  /// that does not apply to the object.
  [[nodiscard]] PGPX_API auto statement() const -> pgpx::statement<void>;

 private:
  enum class target { none, table, sequence, schema, routine, database };
  void set_object(target t, std::string sql);
  std::vector<privilege> privileges_;
  bool revoke_;
  target target_ = target::none;
  std::string object_;
  std::vector<std::string> roles_;
  bool grant_option_ = false;
  bool cascade_ = false;
};

/// `grant ...`: see grant_builder.
[[nodiscard]] PGPX_API auto grant(std::vector<privilege> privileges) -> grant_builder;
/// `revoke ...`: see grant_builder.
[[nodiscard]] PGPX_API auto revoke(std::vector<privilege> privileges) -> grant_builder;

/// The command a policy applies to.
enum class policy_command { all, select, insert, update, delete_ };

/**
 * `create policy "name" on t [as restrictive] [for cmd] [to roles] [using (expr)] [with
 * check (expr)]`. Policies apply once row-level security is enabled on the table
 * (enable_row_level_security). `using` filters the rows a command sees; `with check`
 * refuses rows it would write. Both are program-written SQL.
 */
class create_policy_builder {
 public:
  /// A policy named `name` on `table`.
  PGPX_API create_policy_builder(std::string_view name, object_name table);

  /// `as restrictive` (the default is permissive: any permissive policy lets a row in).
  PGPX_API auto restrictive() -> create_policy_builder&;
  /// `for select|insert|update|delete` (the default: all).
  PGPX_API auto command(policy_command c) -> create_policy_builder&;
  /// `to "a", "b"` ("public" is PUBLIC; the default: public).
  PGPX_API auto roles(const std::vector<std::string>& names) -> create_policy_builder&;
  /// `using (expr)`: the rows visible (not for insert).
  PGPX_API auto using_expr(std::string_view expr) -> create_policy_builder&;
  /// `with check (expr)`: the rows that may be written (not for select or delete).
  PGPX_API auto with_check(std::string_view expr) -> create_policy_builder&;

  /// The statement. Throws usage_error for a clause the command cannot have, or neither.
  [[nodiscard]] PGPX_API auto statement() const -> pgpx::statement<void>;

 private:
  std::string name_;
  object_name table_;
  bool restrictive_ = false;
  policy_command command_ = policy_command::all;
  std::vector<std::string> roles_;
  std::string using_;
  std::string with_check_;
};

/// `create policy ...`: see create_policy_builder.
[[nodiscard]] PGPX_API auto create_policy(std::string_view name, object_name table) -> create_policy_builder;
/// `drop policy [if exists] "name" on t`.
[[nodiscard]] PGPX_API auto drop_policy(std::string_view name, const object_name& table, drop_options options = {})
    -> statement<void>;
/// `alter table t enable row level security[, force row level security]`: force makes the
/// policies apply to the table's owner too.
[[nodiscard]] PGPX_API auto enable_row_level_security(const object_name& table, bool force = false) -> statement<void>;
/// `alter table t disable row level security, no force row level security`.
[[nodiscard]] PGPX_API auto disable_row_level_security(const object_name& table) -> statement<void>;

// ---------------------------------------------------------------------------------------
// Running them

namespace detail {
template <class T>
void collect(std::vector<pgpx::statement<void>>& out, const T& step) {
  if constexpr (std::is_same_v<T, pgpx::statement<void>>) {
    out.push_back(step);
  } else if constexpr (std::is_same_v<T, std::vector<pgpx::statement<void>>>) {
    out.insert(out.end(), step.begin(), step.end());
  } else if constexpr (requires { step.statements(); }) {
    for (auto& s : step.statements()) out.push_back(std::move(s));
  } else {
    static_assert(
        requires { step.statement(); },
        "pgpx::schema::manage::execute: give it statements, vectors of statements or builders");
    out.push_back(step.statement());
  }
}
}  // namespace detail

/**
 * Runs the statements of `steps` (statements, vectors of them, builders) on `ex` (a
 * connection, transaction, savepoint or lease), in order. Every statement is made first,
 * so a refused argument throws usage_error before anything is sent. Run it on a
 * transaction to apply all or nothing, except CONCURRENTLY, which needs a connection
 * outside a transaction block. Blocks; throws pgpx::error.
 */
template <class Executor, class... Steps>
void execute(Executor& ex, const Steps&... steps) {
  std::vector<pgpx::statement<void>> all;
  (detail::collect(all, steps), ...);
  for (const auto& s : all) ex.execute(s);
}

}  // namespace pgpx::schema::manage
