// The table management builders (pgpx/schema/manage.hpp) on the real server: what the
// catalog shows after each statement (through schema::introspect), data converted by a
// retype with USING, an index built concurrently outside a transaction, a constraint added
// NOT VALID and validated later, a trigger firing, a procedure called, row-level security
// seen by the role it applies to, and a login role made with a SCRAM verifier.
#include "support/test_db.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/error.hpp>
#include <pgpx/schema/introspect.hpp>
#include <pgpx/schema/manage.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

namespace {

namespace m = pgpx::schema::manage;
using pgpx::schema::referential_action;

// An odd schema and table name: quoting is exercised by every statement.
const std::string shop = "Shop \"1\"";
const pgpx::schema::manage::object_name orders{shop, "Orders"};

class manage_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script("create schema " + pgpx::quote_identifier(shop));
  }

  auto table(const std::string& name) -> pgpx::schema::table_info {
    const auto c = pgpx::schema::introspect(cx(), {.schemas = {shop}});
    const auto* t = c.find_table(shop, name);
    if (t == nullptr) throw std::runtime_error("no table " + name);
    return *t;
  }
  static auto column(const pgpx::schema::table_info& t, const std::string& name) -> const pgpx::schema::column_def* {
    for (const auto& c : t.columns)
      if (c.name == name) return &c;
    return nullptr;
  }
  static auto constraint(const pgpx::schema::table_info& t, const std::string& name)
      -> const pgpx::schema::constraint_def* {
    for (const auto& c : t.constraints)
      if (c.name == name) return &c;
    return nullptr;
  }
  auto exists(const std::string& name) -> bool {
    return cx().query_value<bool>(
        "select exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = $1 and c.relname = $2)",
        shop, name);
  }
  void create_orders() {
    m::execute(cx(), m::create_table(orders)
                         .column("id", "int8", {.identity = true})
                         .column("Note", "text", {.nullable = true})
                         .column("qty", "int4", {.default_sql = "1"})
                         .primary_key({"id"}));
  }
};

TEST_F(manage_test, create_alter_rename_retype_with_using_and_drop_a_table) {
  {
    pgpx::transaction tx{cx()};
    m::execute(tx, m::create_table(orders)
                       .column("id", "int8", {.identity = true})
                       .column("Note", "text", {.nullable = true})
                       .column("price", "numeric(10,2)", {.default_sql = "0"})
                       .column("created_at", "timestamptz", {.default_sql = "now()"})
                       .primary_key({"id"})
                       .check("price >= 0", "orders_price_check"));
    tx.commit();
  }
  auto t = table("Orders");
  ASSERT_EQ(t.columns.size(), 4u);
  EXPECT_EQ(column(t, "id")->identity, pgpx::schema::identity_kind::always);
  EXPECT_FALSE(column(t, "Note")->not_null);
  EXPECT_EQ(column(t, "price")->type, "numeric(10,2)");
  EXPECT_TRUE(column(t, "price")->not_null);
  EXPECT_EQ(column(t, "price")->default_expr, "0");
  ASSERT_NE(constraint(t, "orders_price_check"), nullptr);

  // Text that must become numbers, converted by USING.
  const auto q = orders.sql();
  cx().execute("insert into " + q + " (\"Note\", price) values ($1, 1.25), ($2, 2.5), (null, 0)", std::string("12"),
               std::string(" 7 "));
  m::execute(cx(), m::alter_table(orders)
                       .add_column("qty", "int4", {.default_sql = "1"})
                       .set_type("Note", "int8", "nullif(trim(\"Note\"), '')::int8")
                       .set_type("price", "int8", "round(price * 100)::int8")
                       .rename_column("Note", "note number")
                       .rename_column("price", "price_cents")
                       .set_default("price_cents", "100")
                       .drop_column("created_at"));
  t = table("Orders");
  EXPECT_EQ(column(t, "Note"), nullptr);
  ASSERT_NE(column(t, "note number"), nullptr);
  EXPECT_EQ(column(t, "note number")->type, "bigint");
  EXPECT_EQ(column(t, "price_cents")->type, "bigint");
  EXPECT_EQ(column(t, "price_cents")->default_expr, "100");
  EXPECT_EQ(column(t, "created_at"), nullptr);
  EXPECT_TRUE(column(t, "qty")->not_null);
  // The check constraint followed the rename; the server kept its comparison in numeric.
  EXPECT_EQ(constraint(t, "orders_price_check")->check_expr, "price_cents::numeric >= 0::numeric");
  using row = std::tuple<std::optional<std::int64_t>, std::int64_t, std::int32_t>;
  EXPECT_EQ(cx().query<row>("select \"note number\", price_cents, qty from " + q + " order by id"),
            (std::vector<row>{{12, 125, 1}, {7, 250, 1}, {std::nullopt, 0, 1}}));

  EXPECT_THROW(m::execute(cx(), m::alter_table(orders).set_not_null("note number")), pgpx::sql_error);
  cx().execute("delete from " + q + " where \"note number\" is null");
  m::execute(cx(), m::alter_table(orders).set_not_null("note number").drop_default("qty"));
  t = table("Orders");
  EXPECT_TRUE(column(t, "note number")->not_null);
  EXPECT_FALSE(column(t, "qty")->default_expr.has_value());

  m::execute(cx(), m::rename_table(orders, "Orders 2"));
  EXPECT_FALSE(exists("Orders"));
  EXPECT_TRUE(exists("Orders 2"));
  m::execute(cx(), m::drop_table({shop, "Orders 2"}), m::drop_table({shop, "Orders 2"}, {.if_exists = true}));
  EXPECT_FALSE(exists("Orders 2"));
}

TEST_F(manage_test, a_refused_argument_sends_nothing) {
  // The first statement is good, the second refused: neither runs.
  EXPECT_THROW(m::execute(cx(), m::create_table(orders).column("id", "int8"),
                          m::alter_table(orders).set_type("id", "int8; drop schema public cascade")),
               pgpx::usage_error);
  EXPECT_FALSE(exists("Orders"));
}

TEST_F(manage_test, an_index_built_concurrently_outside_a_transaction) {
  create_orders();
  cx().execute("insert into " + orders.sql() + " (\"Note\") select 'n' || g from generate_series(1, 500) g");
  const auto ix = m::create_index("orders_note_idx", orders)
                      .concurrently()
                      .columns({"Note"})
                      .include({"qty"})
                      .where("\"Note\" is not null");
  // Not inside a transaction block: the server refuses it there.
  {
    pgpx::transaction tx{cx()};
    try {
      m::execute(tx, ix);
      ADD_FAILURE() << "create index concurrently ran in a transaction";
    } catch (const pgpx::sql_error& e) {
      EXPECT_EQ(e.sqlstate(), "25001");  // active_sql_transaction
    }
  }
  m::execute(cx(), ix, m::create_index("orders_lower_note_idx", orders).unique().expression("lower(\"Note\")"));
  auto t = table("Orders");
  ASSERT_EQ(t.indexes.size(), 3u);  // with the primary key's
  const auto& i =
      *std::find_if(t.indexes.begin(), t.indexes.end(), [](const auto& x) { return x.name == "orders_note_idx"; });
  EXPECT_TRUE(i.valid);
  EXPECT_EQ(i.method, "btree");
  EXPECT_EQ(i.keys, (std::vector<std::string>{"\"Note\""}));
  EXPECT_EQ(i.include, (std::vector<std::string>{"qty"}));
  EXPECT_EQ(i.predicate, "\"Note\" IS NOT NULL");
  EXPECT_THROW(cx().execute("insert into " + orders.sql() + " (\"Note\") values ('N1')"), pgpx::sql_error);  // unique

  m::execute(cx(), m::drop_index({shop, "orders_note_idx"}, {.concurrently = true}),
             m::drop_index({shop, "orders_lower_note_idx"}, {.if_exists = true}));
  EXPECT_EQ(table("Orders").indexes.size(), 1u);
}

TEST_F(manage_test, an_index_with_an_operator_class_and_storage_parameters) {
  create_orders();
  const auto ix = m::create_index("orders_note_pattern_idx", orders)
                      .columns({"Note"})
                      .opclass("text_pattern_ops")
                      .with("fillfactor", 70);
  EXPECT_EQ(ix.statement().sql(), "create index \"orders_note_pattern_idx\" on " + orders.sql() +
                                      " (\"Note\" \"text_pattern_ops\") with (\"fillfactor\" = 70)");
  m::execute(cx(), ix);
  const auto def =
      cx().query_value<std::string>("select indexdef from pg_indexes where indexname = 'orders_note_pattern_idx'");
  EXPECT_NE(def.find("\"Note\" text_pattern_ops"), std::string::npos) << def;
  EXPECT_NE(def.find("WITH (fillfactor='70')"), std::string::npos) << def;
  // Refused before anything is built: an operator class before any key, a value that is
  // not a finite number, a name that is not an identifier.
  EXPECT_THROW((void)m::create_index("x", orders).opclass("text_pattern_ops"), pgpx::usage_error);
  EXPECT_THROW(
      (void)m::create_index("x", orders).columns({"Note"}).with("fillfactor", std::numeric_limits<double>::quiet_NaN()),
      pgpx::usage_error);
  EXPECT_THROW((void)m::create_index("x", orders).columns({"Note"}).opclass(""), pgpx::usage_error);
}

TEST_F(manage_test, a_constraint_added_not_valid_then_validated) {
  create_orders();
  m::execute(cx(), m::create_table({shop, "lines"}).column("order_id", "int8").column("qty", "int4"));
  const auto o = orders.sql();
  const auto l = pgpx::quote_qualified({shop, "lines"});
  cx().execute("insert into " + o + " (\"Note\", qty) values ('a', 1), ('b', -1)");
  cx().execute("insert into " + l + " values (1, 1), (99, 1)");  // 99: no such order

  m::execute(cx(), m::add_constraint(orders, "orders_qty_positive").check("qty > 0").not_valid(),
             m::add_constraint({shop, "lines"}, "lines_order_fkey")
                 .foreign_key({"order_id"})
                 .references(orders, {"id"}, {.on_delete = referential_action::cascade})
                 .not_valid());
  auto t = table("Orders");
  EXPECT_FALSE(constraint(t, "orders_qty_positive")->validated);
  EXPECT_FALSE(constraint(table("lines"), "lines_order_fkey")->validated);
  // New rows are checked at once; old ones only when validated.
  try {
    cx().execute("insert into " + o + " (\"Note\", qty) values ('c', 0)");
    ADD_FAILURE() << "the not valid check let a new row in";
  } catch (const pgpx::sql_error& e) {
    EXPECT_TRUE(pgpx::is_check_violation(e));
  }
  try {
    m::execute(cx(), m::validate_constraint(orders, "orders_qty_positive"));
    ADD_FAILURE() << "validated over a bad row";
  } catch (const pgpx::sql_error& e) {
    EXPECT_TRUE(pgpx::is_check_violation(e));
  }
  cx().execute("update " + o + " set qty = 1 where qty < 1");
  cx().execute("delete from " + l + " where order_id = 99");
  m::execute(cx(), m::validate_constraint(orders, "orders_qty_positive"),
             m::validate_constraint({shop, "lines"}, "lines_order_fkey"));
  EXPECT_TRUE(constraint(table("Orders"), "orders_qty_positive")->validated);
  const auto fk = *constraint(table("lines"), "lines_order_fkey");
  EXPECT_TRUE(fk.validated);
  EXPECT_EQ(fk.on_delete, referential_action::cascade);
  EXPECT_EQ(fk.references, (pgpx::schema::qualified_name{shop, "Orders"}));

  m::execute(cx(), m::drop_constraint({shop, "lines"}, "lines_order_fkey"),
             m::drop_constraint(orders, "orders_qty_positive", {.if_exists = true}),
             m::drop_constraint(orders, "orders_qty_positive", {.if_exists = true}));
  EXPECT_EQ(table("lines").constraints.size(), 0u);
}

TEST_F(manage_test, a_trigger_runs_its_function) {
  create_orders();
  // The body holds the default tag, so the builder picks another.
  m::execute(cx(),
             m::create_function({shop, "shout"})
                 .returns("trigger")
                 .language("plpgsql")
                 .body("begin new.\"Note\" := upper(new.\"Note\") || '$pgpx$'; return new; end;"),
             m::create_trigger("orders_shout", orders)
                 .fires(m::trigger_timing::before, {m::trigger_event::insert, m::trigger_event::update})
                 .update_of({"Note"})
                 .for_each_row()
                 .when("new.\"Note\" is not null")
                 .execute_function({shop, "shout"}));
  const auto o = orders.sql();
  cx().execute("insert into " + o + " (\"Note\") values ('hey'), (null)");
  EXPECT_EQ(cx().query<std::optional<std::string>>("select \"Note\" from " + o + " order by id"),
            (std::vector<std::optional<std::string>>{"HEY$pgpx$", std::nullopt}));
  cx().execute("update " + o + " set qty = 2");  // not an update of "Note": the trigger stays quiet
  EXPECT_EQ(cx().query_value<std::string>("select \"Note\" from " + o + " where id = 1"), "HEY$pgpx$");
  const auto t = table("Orders");
  ASSERT_EQ(t.triggers.size(), 1u);
  EXPECT_EQ(t.triggers[0].name, "orders_shout");
  EXPECT_EQ(t.triggers[0].function, (pgpx::schema::qualified_name{shop, "shout"}));

  m::execute(cx(), m::drop_trigger("orders_shout", orders), m::drop_function({shop, "shout"}, {}));
  cx().execute("insert into " + o + " (\"Note\") values ('quiet')");
  EXPECT_EQ(cx().query_value<std::string>("select \"Note\" from " + o + " order by id desc limit 1"), "quiet");
  EXPECT_TRUE(table("Orders").triggers.empty());
}

TEST_F(manage_test, functions_and_a_procedure_called_with_bound_arguments) {
  create_orders();
  m::execute(cx(),
             m::create_function({shop, "add"})
                 .args({{"a", "int4"}, {"b", "int4", m::arg_mode::in, "10"}})
                 .returns("int4")
                 .language("sql")
                 .set_volatility(m::volatility::immutable)
                 .strict()
                 .body("select a + b"),
             m::create_procedure({shop, "place order"})
                 .args({{"note", "text"}, {"n", "int4"}})
                 .language("plpgsql")
                 .set_search_path({shop, "pg_catalog"})
                 .body("begin for i in 1..n loop insert into \"Orders\" (\"Note\") values (note || i); end loop; end"));
  const auto add = pgpx::quote_qualified({shop, "add"});
  EXPECT_EQ(cx().query_value<std::int32_t>("select " + add + "($1, $2)", 1, 2), 3);
  EXPECT_EQ(cx().query_value<std::int32_t>("select " + add + "($1)", 1), 11);  // the default
  EXPECT_FALSE(cx().query_value<std::optional<std::int32_t>>("select " + add + "(null, 2)").has_value());  // strict
  cx().execute("call " + pgpx::quote_qualified({shop, "place order"}) + "($1, $2)", std::string("n"), 3);
  EXPECT_EQ(cx().query<std::string>("select \"Note\" from " + orders.sql() + " order by id"),
            (std::vector<std::string>{"n1", "n2", "n3"}));

  const auto c = pgpx::schema::introspect(cx(), {.schemas = {shop}});
  ASSERT_EQ(c.functions.size(), 2u);
  EXPECT_EQ(c.functions[0].name, "add");
  EXPECT_EQ(c.functions[0].identity_arguments, "a integer, b integer");
  EXPECT_EQ(c.functions[0].result, "integer");
  EXPECT_EQ(c.functions[1].name, "place order");
  EXPECT_EQ(c.functions[1].kind, pgpx::schema::routine_kind::procedure);
  EXPECT_EQ(c.functions[1].language, "plpgsql");

  m::execute(cx(), m::drop_function({shop, "add"}, {"int4", "int4"}),
             m::drop_procedure({shop, "place order"}, {"text", "int4"}, {.if_exists = true}));
  EXPECT_TRUE(pgpx::schema::introspect(cx(), {.schemas = {shop}}).functions.empty());
}

class manage_role_test : public manage_test {
 protected:
  void SetUp() override {
    manage_test::SetUp();
    // Roles are cluster-wide: one per test database (its random suffix), with a space in it.
    role_ = "Reader " + database_name().substr(database_name().size() - 8);
  }
  void TearDown() override {
    try {
      cx().execute_script("drop owned by " + pgpx::quote_identifier(role_));
    } catch (const pgpx::sql_error&) {  // the test failed before it created the role
    }
    m::execute(cx(), m::drop_role(role_, {.if_exists = true}), m::drop_role(role_ + " helper", {.if_exists = true}));
    manage_test::TearDown();
  }
  std::string role_;
};

TEST_F(manage_role_test, a_role_sees_only_the_rows_its_policy_lets_through) {
  create_orders();
  m::execute(cx(), m::alter_table(orders).add_column("owner", "text", {.default_sql = "current_user"}));
  const auto o = orders.sql();
  cx().execute("insert into " + o + " (\"Note\", owner) values ('mine', $1), ('theirs', 'someone else')", role_);

  m::execute(cx(), m::create_role(role_).connection_limit(3),
             m::grant({m::privilege::usage}).on_schema(shop).roles({role_}),
             m::grant({m::privilege::select, m::privilege::insert}).on_table(orders).roles({role_}),
             m::create_policy("own rows", orders)
                 .command(m::policy_command::select)
                 .roles({role_})
                 .using_expr("owner = current_user"),
             m::create_policy("insert own", orders)
                 .command(m::policy_command::insert)
                 .roles({role_})
                 .with_check("owner = current_user"),
             m::enable_row_level_security(orders));

  auto as_role = [&](auto&& body) {
    pgpx::transaction tx{cx()};
    tx.execute_script("set local role " + pgpx::quote_identifier(role_));
    body(tx);
  };
  as_role([&](pgpx::transaction& tx) {
    EXPECT_EQ(tx.query<std::string>("select \"Note\" from " + o), (std::vector<std::string>{"mine"}));
  });
  as_role([&](pgpx::transaction& tx) {
    try {
      tx.execute("insert into " + o + " (\"Note\", owner) values ('forged', 'someone else')");
      ADD_FAILURE() << "the with check policy let a forged row in";
    } catch (const pgpx::sql_error& e) {
      EXPECT_EQ(e.sqlstate(), "42501");  // new row violates row-level security policy
    }
  });
  // The table's owner (the superuser here) is not subject to the policies.
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from " + o), 2);

  const auto t = table("Orders");
  EXPECT_TRUE(t.row_security);
  ASSERT_EQ(t.policies.size(), 2u);
  EXPECT_EQ(t.policies[1].name, "own rows");
  EXPECT_EQ(t.policies[1].command, "select");
  EXPECT_EQ(t.policies[1].roles, (std::vector<std::string>{role_}));
  EXPECT_EQ(t.policies[1].using_expr, "owner = CURRENT_USER");
  const auto granted = [&](const std::string& p) {
    return std::any_of(t.privileges.begin(), t.privileges.end(),
                       [&](const auto& d) { return d.grantee == role_ && d.privilege == p; });
  };
  EXPECT_TRUE(granted("SELECT"));
  EXPECT_TRUE(granted("INSERT"));
  EXPECT_FALSE(granted("UPDATE"));

  // Revoked, and with the policy gone, the role reads nothing at all.
  m::execute(cx(), m::revoke({m::privilege::select}).on_table(orders).roles({role_}),
             m::drop_policy("own rows", orders), m::disable_row_level_security(orders));
  as_role([&](pgpx::transaction& tx) {
    try {
      (void)tx.query<std::string>("select \"Note\" from " + o);
      ADD_FAILURE() << "select after revoke";
    } catch (const pgpx::sql_error& e) {
      EXPECT_EQ(e.sqlstate(), "42501");  // permission denied
    }
  });
  EXPECT_FALSE(table("Orders").row_security);
}

}  // namespace

TEST_F(manage_role_test, a_login_role_made_with_a_scram_verifier_connects_with_its_password) {
  // A verifier as the server computes one (the client could, with PQencryptPasswordConn).
  const std::string helper = role_ + " helper";
  cx().execute_script("set password_encryption = 'scram-sha-256'; create role " + pgpx::quote_identifier(helper) +
                      " password 'correct horse'");
  const auto verifier = cx().query_value<std::string>("select rolpassword from pg_authid where rolname = $1", helper);
  m::execute(cx(), m::drop_role(helper), m::create_role(role_).login().password_verifier(verifier));
  EXPECT_EQ(cx().query_value<std::string>("select rolpassword from pg_authid where rolname = $1", role_), verifier);

  // Over TCP (scram-sha-256 in the test cluster's pg_hba.conf) with the password itself.
  const auto port = std::stoi(cx().query_value<std::string>("show port"));
  auto info = pgpx::test::through_tcp(conninfo(), port);
  info.set("user", role_).set("password", "correct horse");
  pgpx::connection as_role{info};
  EXPECT_EQ(as_role.query_value<std::string>("select current_user::text"), role_);
  as_role.close();
  info.set("password", "wrong");
  EXPECT_THROW(pgpx::connection{info}, pgpx::broken_connection);
}
