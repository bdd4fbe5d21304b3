// The exact text of each table management builder (pgpx/schema/manage.hpp), the quoting of
// odd names, and the refusals: bad names, program-written SQL that would leave its clause,
// plain-text passwords. The server runs these statements in
// tests/integration/schema/manage_test.cpp.
#include <pgpx/error.hpp>
#include <pgpx/schema/manage.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace m = pgpx::schema::manage;
using pgpx::schema::drop_options;
using pgpx::schema::referential_action;

auto sqls(const std::vector<pgpx::statement<void>>& ss) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& s : ss) out.push_back(s.sql());
  return out;
}

// The usage_error's message, or "" when nothing was thrown.
template <class F>
auto refusal(F&& f) -> std::string {
  try {
    f();
  } catch (const pgpx::usage_error& e) {
    return e.message();
  }
  return "";
}

auto contains(const std::string& text, const std::string& part) -> bool { return text.find(part) != std::string::npos; }

TEST(manage_text, create_table_with_columns_and_constraints) {
  const auto s =
      m::create_table({"shop", "orders"})
          .column("id", "int8", {.identity = true})
          .column("customer_id", "int8")
          .column("note", "text", {.nullable = true})
          .column("total", "numeric(12, 2)", {.default_sql = "0"})
          .column("created_at", "timestamp(3) with time zone", {.default_sql = "now()"})
          .column("total_cents", "int8", {.generated_sql = "(total * 100)::int8"})
          .primary_key({"id"})
          .unique({"customer_id", "note"}, "orders_customer_note_key")
          .check("total >= 0", "orders_total_check")
          .foreign_key({"customer_id"}, {"shop", "customers"}, {"id"}, {.on_delete = referential_action::cascade})
          .statement();
  EXPECT_EQ(
      s.sql(),
      R"(create table "shop"."orders" ("id" int8 generated always as identity, "customer_id" int8 not null, "note" text, "total" numeric(12, 2) not null default (0), "created_at" timestamp(3) with time zone not null default (now()), "total_cents" int8 not null generated always as ((total * 100)::int8) stored, primary key ("id"), constraint "orders_customer_note_key" unique ("customer_id", "note"), constraint "orders_total_check" check (total >= 0), foreign key ("customer_id") references "shop"."customers" ("id") on delete cascade))");
  EXPECT_TRUE(s.params().empty());
  EXPECT_EQ(m::create_table("t").if_not_exists().unlogged().column("x", "text[]").statement().sql(),
            R"(create unlogged table if not exists "t" ("x" text[] not null))");
}

TEST(manage_text, odd_names_are_quoted_by_quote_identifier) {
  EXPECT_EQ(m::create_table({"My Schema", "we\"ird"}).column("MixedCase", "\"My Type\"[]").statement().sql(),
            R"(create table "My Schema"."we""ird" ("MixedCase" "My Type"[] not null))");
  EXPECT_EQ(m::drop_table("Orders", {.if_exists = true, .cascade = true}).sql(),
            R"(drop table if exists "Orders" cascade)");
  EXPECT_EQ(m::rename_table({"shop", "orders"}, "Orders 2").sql(),
            R"(alter table "shop"."orders" rename to "Orders 2")");
  // A name that tries to end the statement stays a name.
  EXPECT_EQ(m::drop_table("x\"; drop table users; --").sql(), R"(drop table "x""; drop table users; --")");
}

TEST(manage_text, alter_table_combines_actions_and_keeps_renames_apart) {
  const auto ss = m::alter_table({"shop", "orders"})
                      .add_column("qty", "int4", {.default_sql = "1"})
                      .set_type("note", "int8", "nullif(note, '')::int8")
                      .rename_column("qty", "Quantity")
                      .drop_column("old", {.if_exists = true, .cascade = true})
                      .set_not_null("a")
                      .drop_not_null("b")
                      .set_default("c", "'x'")
                      .drop_default("d")
                      .statements();
  EXPECT_EQ(
      sqls(ss),
      (std::vector<std::string>{
          R"(alter table "shop"."orders" add column "qty" int4 not null default (1), alter column "note" type int8 using (nullif(note, '')::int8))",
          R"(alter table "shop"."orders" rename column "qty" to "Quantity")",
          R"(alter table "shop"."orders" drop column if exists "old" cascade, alter column "a" set not null, alter column "b" drop not null, alter column "c" set default ('x'), alter column "d" drop default)"}));
  EXPECT_EQ(sqls(m::alter_table("t").set_type("c", "bigint").statements()),
            (std::vector<std::string>{R"(alter table "t" alter column "c" type bigint)"}));
  EXPECT_TRUE(contains(refusal([] { (void)m::alter_table("t").statements(); }), "nothing to alter"));
}

TEST(manage_text, indexes) {
  EXPECT_EQ(m::create_index("orders_note_idx", {"shop", "orders"}).columns({"note"}).concurrently().statement().sql(),
            R"(create index concurrently "orders_note_idx" on "shop"."orders" ("note"))");
  EXPECT_EQ(
      m::create_index("Idx", "t")
          .unique()
          .if_not_exists()
          .columns({"a"})
          .column_desc("b")
          .expression("lower(email)")
          .include({"c", "d"})
          .where("deleted_at is null")
          .statement()
          .sql(),
      R"(create unique index if not exists "Idx" on "t" ("a", "b" desc, (lower(email))) include ("c", "d") where (deleted_at is null))");
  EXPECT_EQ(m::create_index("tags_idx", "t").method("gin").columns({"tags"}).statement().sql(),
            R"(create index "tags_idx" on "t" using gin ("tags"))");
  EXPECT_EQ(m::create_index("i", "t").method("btree").columns({"a"}).statement().sql(),
            R"(create index "i" on "t" ("a"))");
  EXPECT_EQ(m::create_index("i", "t").method("ivfflat").columns({"v"}).statement().sql(),
            R"(create index "i" on "t" using "ivfflat" ("v"))");
  EXPECT_EQ(m::drop_index({"shop", "orders_note_idx"}, {.if_exists = true, .concurrently = true}).sql(),
            R"(drop index concurrently if exists "shop"."orders_note_idx")");
  EXPECT_TRUE(contains(refusal([] { (void)m::drop_index("i", {.cascade = true, .concurrently = true}); }),
                       "drop_index: options"));
  EXPECT_TRUE(contains(refusal([] { (void)m::create_index("i", "t").statement(); }), "create_index: columns"));
}

TEST(manage_text, constraints_not_valid_and_validate) {
  EXPECT_EQ(
      m::add_constraint({"shop", "lines"}, "lines_order_fkey")
          .foreign_key({"order_id"})
          .references({"shop", "orders"}, {"id"},
                      {.on_delete = referential_action::set_null, .on_update = referential_action::restrict})
          .not_valid()
          .statement()
          .sql(),
      R"(alter table "shop"."lines" add constraint "lines_order_fkey" foreign key ("order_id") references "shop"."orders" ("id") on delete set null on update restrict not valid)");
  EXPECT_EQ(m::add_constraint("t", "t_x_check").check("x > 0").not_valid().statement().sql(),
            R"(alter table "t" add constraint "t_x_check" check (x > 0) not valid)");
  EXPECT_EQ(m::add_constraint("t", "t_key").unique({"a", "b"}).deferrable(true).statement().sql(),
            R"(alter table "t" add constraint "t_key" unique ("a", "b") deferrable initially deferred)");
  EXPECT_EQ(m::add_constraint("t", "t_pkey").primary_key({"id"}).statement().sql(),
            R"(alter table "t" add constraint "t_pkey" primary key ("id"))");
  EXPECT_EQ(m::validate_constraint({"shop", "lines"}, "lines_order_fkey").sql(),
            R"(alter table "shop"."lines" validate constraint "lines_order_fkey")");
  EXPECT_EQ(m::drop_constraint("t", "t_key", {.if_exists = true, .cascade = true}).sql(),
            R"(alter table "t" drop constraint if exists "t_key" cascade)");
  // Refusals: a key cannot be not valid; one kind only; a foreign key needs its target.
  EXPECT_TRUE(contains(refusal([] { (void)m::add_constraint("t", "k").unique({"a"}).not_valid().statement(); }),
                       "add_constraint: not_valid"));
  EXPECT_TRUE(contains(refusal([] { (void)m::add_constraint("t", "k").unique({"a"}).check("a > 0").statement(); }),
                       "exactly one"));
  EXPECT_TRUE(contains(refusal([] { (void)m::add_constraint("t", "k").foreign_key({"a"}).statement(); }),
                       "references() is missing"));
  EXPECT_TRUE(contains(refusal([] { (void)m::add_constraint("t", "k").primary_key({}); }),
                       "add_constraint: primary key columns: the list is empty"));
}

TEST(manage_text, functions_and_procedures_are_dollar_quoted_with_a_free_tag) {
  EXPECT_EQ(
      m::create_function({"app", "add"})
          .args({{"a", "int4"}, {"b", "int4", m::arg_mode::in, "1"}})
          .returns("int4")
          .language("sql")
          .set_volatility(m::volatility::immutable)
          .strict()
          .body("select a + b")
          .statement()
          .sql(),
      R"(create function "app"."add"("a" int4, "b" int4 default (1)) returns int4 language "sql" immutable strict as $pgpx$select a + b$pgpx$)");
  // The tag does not occur in the body, nor where the body's end meets it.
  EXPECT_EQ(m::create_function("f").returns("text").language("sql").body("select '$pgpx$'").statement().sql(),
            R"(create function "f"() returns text language "sql" as $pgpx1$select '$pgpx$'$pgpx1$)");
  EXPECT_EQ(m::create_function("f").returns("text").language("sql").body("select 1 as $pgpx").statement().sql(),
            R"(create function "f"() returns text language "sql" as $pgpx1$select 1 as $pgpx$pgpx1$)");
  EXPECT_EQ(
      m::create_procedure({"app", "Move"})
          .or_replace()
          .args({{"amount", "numeric"}, {"result", "int8", m::arg_mode::inout}})
          .language("plpgsql")
          .security_definer()
          .set_search_path({"app", "pg_catalog"})
          .body("begin result := 1; end;")
          .statement()
          .sql(),
      R"(create or replace procedure "app"."Move"("amount" numeric, inout "result" int8) language "plpgsql" security definer set search_path = "app", "pg_catalog" as $pgpx$begin result := 1; end;$pgpx$)");
  EXPECT_EQ(
      m::create_function("f").args({{"", "int4", m::arg_mode::out}}).language("sql").body("select 1").statement().sql(),
      R"(create function "f"(out int4) language "sql" as $pgpx$select 1$pgpx$)");
  EXPECT_EQ(m::drop_function({"app", "add"}, {"int4", "int4"}, {.if_exists = true}).sql(),
            R"(drop function if exists "app"."add"(int4, int4))");
  EXPECT_EQ(m::drop_procedure("p", {}, {.cascade = true}).sql(), R"(drop procedure "p"() cascade)");
  EXPECT_TRUE(contains(refusal([] { (void)m::create_function("f").language("sql").body("select 1").statement(); }),
                       "create_function: returns"));
  EXPECT_TRUE(contains(refusal([] { (void)m::create_function("f").returns("int4").body("select 1").statement(); }),
                       "create_function: language"));
  EXPECT_TRUE(contains(refusal([] { (void)m::create_procedure("p").returns("int4"); }), "create_procedure: returns"));
}

TEST(manage_text, triggers) {
  EXPECT_EQ(
      m::create_trigger("orders_touch", {"shop", "orders"})
          .fires(m::trigger_timing::before, {m::trigger_event::insert, m::trigger_event::update})
          .update_of({"note", "total"})
          .for_each_row()
          .when("new.total is distinct from old.total")
          .execute_function({"shop", "touch"})
          .statement()
          .sql(),
      R"(create trigger "orders_touch" before insert or update of "note", "total" on "shop"."orders" for each row when (new.total is distinct from old.total) execute function "shop"."touch"())");
  EXPECT_EQ(
      m::create_trigger("t_audit", "t")
          .or_replace()
          .fires(m::trigger_timing::after, {m::trigger_event::delete_, m::trigger_event::truncate})
          .execute_function("audit")
          .statement()
          .sql(),
      R"(create or replace trigger "t_audit" after delete or truncate on "t" for each statement execute function "audit"())");
  EXPECT_EQ(m::drop_trigger("t_audit", "t", {.if_exists = true}).sql(), R"(drop trigger if exists "t_audit" on "t")");
  EXPECT_TRUE(contains(refusal([] { (void)m::create_trigger("x", "t").execute_function("f").statement(); }),
                       "create_trigger: events"));
}

TEST(manage_text, roles_grants_and_policies) {
  EXPECT_EQ(m::create_role("App Reader").login().connection_limit(5).in_role({"readers"}).statement().sql(),
            R"(create role "App Reader" login connection limit 5 in role "readers")");
  EXPECT_EQ(m::drop_role("App Reader", {.if_exists = true}).sql(), R"(drop role if exists "App Reader")");
  EXPECT_EQ(m::grant_role("readers", "App Reader").sql(), R"(grant "readers" to "App Reader")");
  EXPECT_EQ(m::grant({m::privilege::select, m::privilege::insert})
                .on_table({"shop", "orders"})
                .roles({"App Reader", "public"})
                .grant_option()
                .statement()
                .sql(),
            R"(grant select, insert on table "shop"."orders" to "App Reader", public with grant option)");
  EXPECT_EQ(m::revoke({m::privilege::all}).on_schema("shop").roles({"r"}).cascade().statement().sql(),
            R"(revoke all privileges on schema "shop" from "r" cascade)");
  EXPECT_EQ(
      m::grant({m::privilege::execute}).on_function({"app", "add"}, {"int4", "int4"}).roles({"r"}).statement().sql(),
      R"(grant execute on function "app"."add"(int4, int4) to "r")");
  EXPECT_EQ(m::revoke({m::privilege::usage}).grant_option().on_sequence("s").roles({"r"}).statement().sql(),
            R"(revoke grant option for usage on sequence "s" from "r")");
  EXPECT_EQ(m::grant({m::privilege::select}).on_all_tables_in_schema("shop").roles({"r"}).statement().sql(),
            R"(grant select on all tables in schema "shop" to "r")");
  EXPECT_EQ(m::grant({m::privilege::connect, m::privilege::temporary}).on_database("Db").roles({"r"}).statement().sql(),
            R"(grant connect, temporary on database "Db" to "r")");
  EXPECT_TRUE(contains(refusal([] { (void)m::grant({m::privilege::execute}).on_table("t").roles({"r"}).statement(); }),
                       "grant: privileges: execute does not apply to a table"));
  EXPECT_TRUE(contains(
      refusal([] { (void)m::revoke({m::privilege::usage}).on_all_tables_in_schema("s").roles({"r"}).statement(); }),
      "revoke: privileges: usage does not apply to a table"));
  EXPECT_TRUE(contains(refusal([] { (void)m::grant({m::privilege::all, m::privilege::select}); }), "all stands alone"));
  EXPECT_TRUE(
      contains(refusal([] { (void)m::grant({m::privilege::select}).on_table("t").statement(); }), "grant: roles"));
  EXPECT_TRUE(
      contains(refusal([] { (void)m::grant({m::privilege::select}).on_table("t").on_schema("s"); }), "exactly one"));
  EXPECT_TRUE(contains(refusal([] { (void)m::drop_role("r", {.cascade = true}); }), "drop_role: options"));

  EXPECT_EQ(
      m::create_policy("own rows", {"shop", "orders"})
          .restrictive()
          .command(m::policy_command::update)
          .roles({"App Reader"})
          .using_expr("owner = current_user")
          .with_check("owner = current_user")
          .statement()
          .sql(),
      R"(create policy "own rows" on "shop"."orders" as restrictive for update to "App Reader" using (owner = current_user) with check (owner = current_user))");
  EXPECT_EQ(m::create_policy("p", "t").using_expr("true").statement().sql(),
            R"(create policy "p" on "t" using (true))");
  EXPECT_EQ(m::drop_policy("own rows", {"shop", "orders"}, {.if_exists = true}).sql(),
            R"(drop policy if exists "own rows" on "shop"."orders")");
  EXPECT_EQ(m::enable_row_level_security({"shop", "orders"}, true).sql(),
            R"(alter table "shop"."orders" enable row level security, force row level security)");
  EXPECT_EQ(m::disable_row_level_security("t").sql(),
            R"(alter table "t" disable row level security, no force row level security)");
  EXPECT_TRUE(
      contains(refusal([] {
                 (void)m::create_policy("p", "t").command(m::policy_command::insert).using_expr("true").statement();
               }),
               "create_policy: using_expr"));
  EXPECT_TRUE(
      contains(refusal([] {
                 (void)m::create_policy("p", "t").command(m::policy_command::select).with_check("true").statement();
               }),
               "create_policy: with_check"));
  EXPECT_TRUE(contains(refusal([] { (void)m::create_policy("p", "t").statement(); }), "create_policy: expressions"));
}

TEST(manage_text, passwords_are_refused_and_never_echoed_only_scram_verifiers_pass) {
  const std::string verifier =
      "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$dGVzdHN0b3JlZGtleXRlc3RzdG9yZWRrZXk=:c2VydmVya2V5c2VydmVya2V5";
  EXPECT_EQ(m::create_role("u").login().password_verifier(verifier).statement().sql(),
            R"(create role "u" login password ')" + verifier + "'");
  for (const std::string bad : {"hunter2", "md5a3556571e93b0d20722ba62be61e8c2d", "SCRAM-SHA-256$4096:salt$a:b'c",
                                "SCRAM-SHA-256$x:c2FsdA==$a:b", "SCRAM-SHA-256$4096:c2FsdA==$ab", ""}) {
    const auto msg = refusal([&] { (void)m::create_role("u").password_verifier(bad); });
    EXPECT_TRUE(contains(msg, "create_role: password_verifier: not a SCRAM-SHA-256 verifier")) << bad;
    if (!bad.empty()) {
      EXPECT_FALSE(contains(msg, bad)) << msg;
    }
  }
}

TEST(manage_text, bad_names_are_refused_naming_the_call_and_the_argument) {
  EXPECT_EQ(refusal([] { (void)m::create_table(""); }),
            "pgpx::schema::manage::create_table: table name: an identifier cannot be empty");
  EXPECT_TRUE(contains(refusal([] { (void)m::create_table("t").column(std::string(64, 'x'), "int4"); }),
                       "create_table: column name: identifier is 64 bytes long"));
  EXPECT_TRUE(contains(refusal([] { (void)m::alter_table("t").rename_column("a", std::string("b\0c", 3)); }),
                       "alter_table: new column name: an identifier cannot contain a NUL byte"));
  EXPECT_TRUE(contains(refusal([] { (void)m::create_index("i", {"shop", ""}); }), "create_index: table name"));
  EXPECT_TRUE(
      contains(refusal([] { (void)m::grant({m::privilege::select}).on_table("t").roles({""}); }), "grant: role name"));
  EXPECT_TRUE(contains(refusal([] { (void)m::create_role("\xff"); }), "create_role: role name"));
}

TEST(manage_text, type_names_follow_a_small_grammar) {
  for (const char* ok :
       {"int8", "numeric(12,2)", "character varying(80)", "text[]", "int4[][]", "public.mood", "\"My Type\"",
        "\"we;ird\"[]", "timestamp(3) with time zone", "setof text", "table (a int4, b text)", " int8 "}) {
    EXPECT_EQ(refusal([&] { (void)m::create_table("t").column("c", ok); }), "") << ok;
  }
  for (const char* bad : {"int8; drop table users", "int8 -- x", "int8 /* x */", "text'", "int8)", "(int8",
                          "numeric(12,2]", "\"open", "", "   ", "1int", "int8 default 1 = 1", "$1"}) {
    const auto msg = refusal([&] { (void)m::alter_table("t").set_type("c", bad); });
    EXPECT_TRUE(contains(msg, "pgpx::schema::manage::alter_table: type of column: ")) << bad << ": " << msg;
  }
  EXPECT_TRUE(
      contains(refusal([] { (void)m::drop_function("f", {"int4; drop table x"}); }), "drop_function: argument type"));
  EXPECT_TRUE(
      contains(refusal([] { (void)m::create_function("f").returns("int4;"); }), "create_function: return type"));
}

TEST(manage_text, expressions_cannot_leave_their_clause) {
  for (const char* ok :
       {"a > 0", "note = 'x;y'", "note = 'it''s -- not a comment'", "\"we;ird\" is not null", "note ~ E'\\\\d+\\'s'",
        "body = $$a;b$$", "x = $t$ $$ ; $t$", "(a + b) * c", "arr[1] = 2", "a / b", "a - -b", "$1 = 2"}) {
    EXPECT_EQ(refusal([&] { (void)m::add_constraint("t", "c").check(ok); }), "") << ok;
  }
  const std::vector<std::pair<std::string, std::string>> bad{
      {"a > 0; drop table users", "';' outside quotes"},
      {"a > 0 -- comment", "a comment ('--')"},
      {"a > 0 /* x */", "a comment ('/*')"},
      {"a > 0) or (true", "unbalanced parentheses"},
      {"a > 0)", "unbalanced parentheses"},
      {"arr[1 = 2", "unbalanced parentheses"},
      {"note = 'open", "does not scan as SQL: unterminated quoted string"},
      {"\"open = 1", "does not scan as SQL: unterminated quoted identifier"},
      {"x = $t$ open", "does not scan as SQL: unterminated dollar-quoted string"},
      {"note = 'a\\' ; drop table x; --'", "a backslash in a '...' string"},
      {"", "the SQL expression is empty"},
      {std::string("a\0b", 3), "a SQL expression cannot contain a NUL byte"},
  };
  for (const auto& [expr, why] : bad) {
    const auto msg = refusal([&] { (void)m::add_constraint("t", "c").check(expr); });
    EXPECT_TRUE(contains(msg, "pgpx::schema::manage::add_constraint: check expression: " + why)) << expr << ": " << msg;
  }
  // Every place that takes an expression checks it, and names itself.
  EXPECT_TRUE(contains(refusal([] { (void)m::alter_table("t").set_type("c", "int8", "c::int8; select 1"); }),
                       "alter_table: using expression"));
  EXPECT_TRUE(contains(refusal([] { (void)m::alter_table("t").set_default("c", "1; select 1"); }),
                       "alter_table: default expression"));
  EXPECT_TRUE(contains(refusal([] { (void)m::create_table("t").column("c", "int4", {.default_sql = "1)"}); }),
                       "create_table: default of column"));
  EXPECT_TRUE(
      contains(refusal([] { (void)m::create_index("i", "t").where("true --"); }), "create_index: where expression"));
  EXPECT_TRUE(
      contains(refusal([] { (void)m::create_trigger("x", "t").when("true;"); }), "create_trigger: when expression"));
  EXPECT_TRUE(contains(refusal([] { (void)m::create_policy("p", "t").using_expr("true/*"); }),
                       "create_policy: using expression"));
}

TEST(manage_text, column_options_that_contradict_each_other_are_refused) {
  EXPECT_TRUE(
      contains(refusal([] { (void)m::create_table("t").column("id", "int8", {.nullable = true, .identity = true}); }),
               "create_table: column options: an identity column is never nullable"));
  EXPECT_TRUE(contains(
      refusal([] { (void)m::alter_table("t").add_column("id", "int8", {.identity = true, .default_sql = "1"}); }),
      "alter_table: column options"));
}

TEST(manage_text, execute_makes_every_statement_before_sending_any) {
  struct recorder {
    std::vector<std::string> sent;
    auto execute(const pgpx::statement<void>& s) -> std::uint64_t {
      sent.push_back(s.sql());
      return 0;
    }
  } r;
  m::execute(r, m::create_table("t").column("a", "int4"), m::drop_table("u"),
             std::vector<pgpx::statement<void>>{pgpx::statement<void>("select 1")},
             m::alter_table("t").add_column("b", "int4"));
  EXPECT_EQ(r.sent, (std::vector<std::string>{R"(create table "t" ("a" int4 not null))", R"(drop table "u")",
                                              "select 1", R"(alter table "t" add column "b" int4 not null)"}));
  r.sent.clear();
  EXPECT_THROW(m::execute(r, m::drop_table("u"), m::alter_table("t")), pgpx::usage_error);  // nothing to alter
  EXPECT_TRUE(r.sent.empty());
}

}  // namespace
