// Introspection on the real server: a schema with one of each kind of object, read back into
// the catalog model with the exact facts asserted; equal catalogs and byte-identical JSON from
// two runs; the JSON read back; the DDL of a model read back as the columns and constraints
// the model declares.
#include "support/orm_models.hpp"
#include "integration/schema/rich_fixture.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/transaction.hpp>
#include <pgpx/schema/ddl.hpp>
#include <pgpx/schema/introspect.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <tuple>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// Readable failures: the JSON-like fields that matter, not the bytes.
namespace pgpx::schema {
void PrintTo(const privilege_def& p, std::ostream* os) {
  *os << p.grantee << ' ' << p.privilege << (p.grantable ? " with grant option" : "");
}
void PrintTo(const qualified_name& n, std::ostream* os) { *os << n.schema << '.' << n.name; }
void PrintTo(const column_def& c, std::ostream* os) {
  *os << c.name << ' ' << c.type << (c.not_null ? " not null" : "") << " default=" << c.default_expr.value_or("-")
      << " identity=" << to_string(c.identity) << " generated=" << c.generated_expr.value_or("-")
      << " collation=" << (c.collation ? c.collation->name : "-") << " comment=" << c.comment.value_or("-");
}
void PrintTo(const constraint_def& c, std::ostream* os) {
  *os << c.name << " [" << to_string(c.kind) << "] " << c.definition;
}
void PrintTo(const index_def& i, std::ostream* os) { *os << i.name << ": " << i.definition; }
}  // namespace pgpx::schema

namespace {

using namespace pgpx::schema;

class introspect_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script(pgpx::test::rich_fixture);
  }
  // The catalog of schema "app", read once per test.
  auto app() -> const catalog& {
    if (!app_) app_ = introspect(cx(), {.schemas = {"app"}});
    return *app_;
  }
  auto table(std::string_view name) -> const table_info& {
    const auto* t = app().find_table("app", name);
    if (t == nullptr) throw std::runtime_error("no table app." + std::string(name));
    return *t;
  }

 private:
  std::optional<catalog> app_;
};

constexpr std::int64_t int8_max = 9223372036854775807;
constexpr std::int64_t int4_max = 2147483647;

TEST_F(introspect_test, columns_carry_type_identity_default_generation_collation_and_comment) {
  const auto& t = table("authors");
  EXPECT_EQ(t.kind, table_kind::ordinary);
  EXPECT_EQ(t.comment, "people who write");
  const std::vector<column_def> expected{
      {.name = "id",
       .type = "bigint",
       .not_null = true,
       .identity = identity_kind::always,
       .identity_sequence = sequence_options{"bigint", 100, 5, 1, int8_max, 1, false}},
      {.name = "name",
       .type = "character varying(80)",
       .not_null = true,
       .collation = qualified_name{"pg_catalog", "C"},
       .comment = "display name"},
      {.name = "email", .type = "citext", .not_null = true},  // an extension's type
      {.name = "mood", .type = "app.mood", .default_expr = "'ok'::app.mood"},
      {.name = "slug", .type = "text", .generated_expr = "lower((name)::text)"},
      {.name = "ref",
       .type = "integer",
       .not_null = true,
       .identity = identity_kind::by_default,
       .identity_sequence = sequence_options{"integer", 1, 1, 1, int4_max, 1, false}},
  };
  EXPECT_EQ(t.columns, expected);
  // A serial column: its default, and its sequence listed with OWNED BY.
  EXPECT_EQ(
      table("books").columns[0],
      (column_def{
          .name = "id", .type = "integer", .not_null = true, .default_expr = "nextval('app.books_id_seq'::regclass)"}));
  EXPECT_EQ(table("books").columns[4],
            (column_def{.name = "tags", .type = "text[]", .not_null = true, .default_expr = "'{}'::text[]"}));
  EXPECT_EQ(table("books").columns[3], (column_def{.name = "price", .type = "app.price"}));  // a domain
}

TEST_F(introspect_test, every_constraint_kind_with_its_facts) {
  const auto& books = table("books");
  ASSERT_EQ(books.constraints.size(), 4u);
  const auto& fk = books.constraints[0];
  EXPECT_EQ(fk, (constraint_def{.name = "books_author_fk",
                                .kind = constraint_kind::foreign_key,
                                .definition = "FOREIGN KEY (author_id) REFERENCES app.authors(id) MATCH FULL ON UPDATE "
                                              "RESTRICT ON DELETE CASCADE DEFERRABLE",
                                .columns = {"author_id"},
                                .references = qualified_name{"app", "authors"},
                                .referenced_columns = {"id"},
                                .on_delete = referential_action::cascade,
                                .on_update = referential_action::restrict,
                                .match = match_kind::full,
                                .deferrable = true}));
  EXPECT_EQ(books.constraints[1], (constraint_def{.name = "books_no_overlap",
                                                  .kind = constraint_kind::exclusion,
                                                  .definition = "EXCLUDE USING gist (period WITH &&)",
                                                  .columns = {"period"},
                                                  .index = "books_no_overlap"}));
  EXPECT_EQ(books.constraints[2], (constraint_def{.name = "books_pkey",
                                                  .kind = constraint_kind::primary_key,
                                                  .definition = "PRIMARY KEY (id)",
                                                  .columns = {"id"},
                                                  .index = "books_pkey"}));
  EXPECT_EQ(books.constraints[3], (constraint_def{.name = "books_title_check",
                                                  .kind = constraint_kind::check,
                                                  .definition = "CHECK (length(title) > 0) NOT VALID",
                                                  .columns = {"title"},
                                                  .check_expr = "length(title) > 0",
                                                  .validated = false}));
  const auto& authors = table("authors");
  ASSERT_EQ(authors.constraints.size(), 2u);
  EXPECT_EQ(authors.constraints[0], (constraint_def{.name = "authors_email_key",
                                                    .kind = constraint_kind::unique,
                                                    .definition = "UNIQUE (email) DEFERRABLE INITIALLY DEFERRED",
                                                    .columns = {"email"},
                                                    .index = "authors_email_key",
                                                    .deferrable = true,
                                                    .initially_deferred = true}));
  EXPECT_EQ(authors.constraints[1].kind, constraint_kind::primary_key);
  // NO INHERIT on a check of an inheriting table.
  const auto& special = table("special_item");
  ASSERT_EQ(special.constraints.size(), 1u);
  EXPECT_EQ(special.constraints[0], (constraint_def{.name = "special_item_extra_check",
                                                    .kind = constraint_kind::check,
                                                    .definition = "CHECK (extra > 0) NO INHERIT",
                                                    .columns = {"extra"},
                                                    .check_expr = "extra > 0",
                                                    .no_inherit = true}));
}

TEST_F(introspect_test, indexes_partial_expression_include_gin_and_constraint_ones) {
  const auto& ix = table("books").indexes;
  std::vector<std::string> names;
  for (const auto& i : ix) names.push_back(i.name);
  EXPECT_EQ(names, (std::vector<std::string>{"books_author_title_idx", "books_no_overlap", "books_pkey",
                                             "books_tags_idx", "books_title_lower_idx", "books_title_trgm_idx"}));
  EXPECT_EQ(ix[0], (index_def{.name = "books_author_title_idx",
                              .definition = "CREATE UNIQUE INDEX books_author_title_idx ON app.books USING btree "
                                            "(author_id, title) INCLUDE (price)",
                              .method = "btree",
                              .keys = {"author_id", "title"},
                              .include = {"price"},
                              .unique = true}));
  EXPECT_EQ(ix[1].constraint, "books_no_overlap");
  EXPECT_EQ(ix[1].method, "gist");
  EXPECT_EQ(ix[2], (index_def{.name = "books_pkey",
                              .definition = "CREATE UNIQUE INDEX books_pkey ON app.books USING btree (id)",
                              .method = "btree",
                              .keys = {"id"},
                              .unique = true,
                              .primary = true,
                              .constraint = "books_pkey"}));
  EXPECT_EQ(ix[3], (index_def{.name = "books_tags_idx",
                              .definition = "CREATE INDEX books_tags_idx ON app.books USING gin (tags)",
                              .method = "gin",
                              .keys = {"tags"},
                              .comment = "tag search"}));
  EXPECT_EQ(ix[4],
            (index_def{.name = "books_title_lower_idx",
                       .definition = "CREATE INDEX books_title_lower_idx ON app.books USING btree (lower(title)) "
                                     "WHERE (author_id > 0)",
                       .method = "btree",
                       .keys = {"lower(title)"},
                       .predicate = "author_id > 0"}));
  EXPECT_EQ(ix[5].definition, "CREATE INDEX books_title_trgm_idx ON app.books USING gin (title gin_trgm_ops)");
  EXPECT_EQ(ix[5].keys, (std::vector<std::string>{"title"}));
}

TEST_F(introspect_test, partitions_and_inheritance) {
  const auto& events = table("events");
  EXPECT_EQ(events.kind, table_kind::partitioned);
  EXPECT_EQ(events.partition_key, "RANGE (at)");
  EXPECT_FALSE(events.partition_of.has_value());
  const auto& p2024 = table("events_2024");
  EXPECT_EQ(p2024.kind, table_kind::partition);
  EXPECT_EQ(p2024.partition_of, (qualified_name{"app", "events"}));
  EXPECT_EQ(p2024.partition_bound, "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')");
  EXPECT_TRUE(p2024.inherits.empty());
  ASSERT_EQ(p2024.columns.size(), 3u);
  EXPECT_TRUE(p2024.columns[0].inherited);
  // The partition's copies of the parent's key and index are marked inherited.
  ASSERT_EQ(p2024.constraints.size(), 1u);
  EXPECT_EQ(p2024.constraints[0].name, "events_2024_pkey");
  EXPECT_TRUE(p2024.constraints[0].inherited);
  ASSERT_EQ(p2024.indexes.size(), 2u);
  EXPECT_EQ(p2024.indexes[0].name, "events_2024_at_idx");
  EXPECT_TRUE(p2024.indexes[0].inherited);
  EXPECT_FALSE(events.indexes[0].inherited);
  EXPECT_EQ(table("events_other").partition_bound, "DEFAULT");
  // The parent's trigger shows on the parent only, not as clones on its partitions.
  ASSERT_EQ(events.triggers.size(), 1u);
  EXPECT_TRUE(p2024.triggers.empty());
  // A foreign key to a partitioned table: one constraint, not one per referenced partition.
  const auto& refs = table("event_refs");
  ASSERT_EQ(refs.constraints.size(), 1u);
  EXPECT_EQ(refs.constraints[0].references, (qualified_name{"app", "events"}));
  EXPECT_EQ(refs.constraints[0].referenced_columns, (std::vector<std::string>{"id", "at"}));
  EXPECT_EQ(refs.constraints[0].columns, (std::vector<std::string>{"event_id", "event_at"}));
  // Plain inheritance.
  const auto& special = table("special_item");
  EXPECT_EQ(special.kind, table_kind::ordinary);
  EXPECT_EQ(special.inherits, (std::vector<qualified_name>{{"app", "base_item"}}));
  EXPECT_FALSE(special.partition_of.has_value());
  ASSERT_EQ(special.columns.size(), 3u);
  EXPECT_TRUE(special.columns[0].inherited);
  EXPECT_FALSE(special.columns[2].inherited);
}

TEST_F(introspect_test, views_and_materialized_views) {
  ASSERT_EQ(app().views.size(), 2u);
  const auto& v = app().views[0];
  EXPECT_EQ(v.options, (std::vector<std::string>{"security_barrier=true"}));
  EXPECT_EQ(v.name, "author_names");
  EXPECT_FALSE(v.materialized);
  EXPECT_TRUE(v.populated);
  EXPECT_EQ(v.comment, "just the names");
  EXPECT_NE(v.definition.find("FROM app.authors"), std::string::npos) << v.definition;  // wording varies by version
  EXPECT_NE(v.definition.find("> 0"), std::string::npos) << v.definition;
  ASSERT_EQ(v.columns.size(), 2u);
  EXPECT_EQ(
      v.columns[1],
      (column_def{.name = "name", .type = "character varying(80)", .collation = qualified_name{"pg_catalog", "C"}}));
  const auto& m = app().views[1];
  EXPECT_EQ(m.name, "book_counts");
  EXPECT_TRUE(m.materialized);
  EXPECT_FALSE(m.populated);  // WITH NO DATA
  EXPECT_NE(m.definition.find("GROUP BY"), std::string::npos) << m.definition;
  ASSERT_EQ(m.columns.size(), 2u);
  EXPECT_EQ(m.columns[1], (column_def{.name = "n", .type = "bigint"}));
  ASSERT_EQ(m.indexes.size(), 1u);
  EXPECT_EQ(m.indexes[0].definition,
            "CREATE UNIQUE INDEX book_counts_author_idx ON app.book_counts USING btree (author_id)");
}

TEST_F(introspect_test, sequences_enums_domains_and_composite_types) {
  const auto& c = app();
  ASSERT_EQ(c.sequences.size(), 2u);  // identity sequences are read with their columns
  EXPECT_EQ(c.sequences[0], (sequence_info{.schema = "app",
                                           .name = "books_id_seq",
                                           .options = {"integer", 1, 1, 1, int4_max, 1, false},
                                           .owned_by = column_ref{{"app", "books"}, "id"}}));
  EXPECT_EQ(c.sequences[1], (sequence_info{.schema = "app",
                                           .name = "ticket_seq",
                                           .options = {"integer", 10, 2, 10, 1000, 5, true},
                                           .owned_by = column_ref{{"app", "tickets"}, "n"},
                                           .privileges = c.sequences[1].privileges}));  // see the privileges test
  EXPECT_EQ(table("tickets").options, (std::vector<std::string>{"autovacuum_enabled=false", "fillfactor=70"}));
  EXPECT_TRUE(table("books").options.empty());
  ASSERT_EQ(c.enums.size(), 1u);
  EXPECT_EQ(c.enums[0], (enum_type_info{"app", "mood", {"sad", "ok", "happy"}, "how one feels", {}}));  // revoked
  ASSERT_EQ(c.domains.size(), 1u);
  EXPECT_EQ(c.domains[0],
            (domain_info{.schema = "app",
                         .name = "price",
                         .base_type = "numeric(10,2)",
                         .not_null = true,
                         .default_expr = "0",
                         .constraints = {constraint_def{.name = "price_positive",
                                                        .kind = constraint_kind::check,
                                                        .definition = "CHECK (VALUE >= 0::numeric)",
                                                        .check_expr = "VALUE >= 0::numeric"}},
                         .privileges = {{"pgpx_introspect_reader", "USAGE", false}, {"public", "USAGE", false}}}));
  ASSERT_EQ(c.composite_types.size(), 1u);
  EXPECT_EQ(
      c.composite_types[0],
      (composite_type_info{"app",
                           "address",
                           {column_def{.name = "street", .type = "text"},
                            column_def{.name = "city", .type = "text", .collation = qualified_name{"pg_catalog", "C"}},
                            column_def{.name = "zip", .type = "integer"}},
                           std::nullopt,
                           builtin_privileges("types")}));  // never changed: USAGE for public
}

TEST_F(introspect_test, functions_procedures_and_triggers) {
  const auto& fs = app().functions;
  ASSERT_EQ(fs.size(), 4u);
  EXPECT_EQ(fs[0], (function_info{.schema = "app",
                                  .name = "add",
                                  .identity_arguments = "a integer, b integer",
                                  .kind = routine_kind::function,
                                  .result = "integer",
                                  .language = "sql",
                                  .definition = "CREATE OR REPLACE FUNCTION app.add(a integer, b integer DEFAULT 1)\n"
                                                " RETURNS integer\n LANGUAGE sql\n IMMUTABLE\n"
                                                "AS $function$select a + b$function$\n",
                                  .privileges = fs[0].privileges}));
  EXPECT_EQ(fs[1].name, "archive");
  EXPECT_EQ(fs[1].kind, routine_kind::procedure);
  EXPECT_FALSE(fs[1].result.has_value());
  EXPECT_EQ(fs[1].identity_arguments, "IN keep_days integer");
  EXPECT_EQ(fs[2].name, "on_ddl");
  EXPECT_EQ(fs[2].result, "event_trigger");
  EXPECT_EQ(fs[3].name, "touch");
  EXPECT_EQ(fs[3].result, "trigger");
  EXPECT_EQ(fs[3].language, "plpgsql");
  EXPECT_EQ(fs[3].comment, "trims titles");
  EXPECT_NE(fs[3].definition.find("new.title := trim(new.title);"), std::string::npos);
  const auto& books = table("books");
  ASSERT_EQ(books.triggers.size(), 1u);
  EXPECT_EQ(books.triggers[0],
            (trigger_def{"books_touch",
                         "CREATE TRIGGER books_touch BEFORE INSERT OR UPDATE ON app.books FOR EACH ROW WHEN "
                         "((new.title IS NOT NULL)) EXECUTE FUNCTION app.touch()",
                         {"app", "touch"},
                         "disabled",
                         std::nullopt}));
  EXPECT_EQ(table("events").triggers[0].enabled, "origin");
}

TEST_F(introspect_test, row_level_security_and_policies) {
  const auto& books = table("books");
  EXPECT_TRUE(books.row_security);
  EXPECT_TRUE(books.force_row_security);
  EXPECT_FALSE(table("authors").row_security);
  EXPECT_EQ(books.policies,
            (std::vector<policy_def>{{"books_own", "update", false, {"public"}, "author_id > 0", "author_id < 1000"},
                                     {"books_read", "select", true, {"public"}, "true", std::nullopt}}));
}

TEST_F(introspect_test, privileges_default_privileges_and_event_triggers) {
  const auto owner = cx().query_value<std::string>("select current_user::text");
  const std::string reader = "pgpx_introspect_reader";
  auto of = [](const std::vector<privilege_def>& ps, const std::string& grantee) {
    std::vector<privilege_def> out;
    for (const auto& p : ps)
      if (p.grantee == grantee) out.push_back(p);
    return out;
  };
  const auto& c = app();
  // What roles but the owner may do, as in effect: the owner is not listed.
  EXPECT_EQ(c.schemas[0].privileges, (std::vector<privilege_def>{{reader, "USAGE", false}}));
  const auto& books = table("books");
  EXPECT_EQ(books.privileges, (std::vector<privilege_def>{{reader, "INSERT", true}, {reader, "SELECT", false}}));
  EXPECT_TRUE(of(books.privileges, owner).empty());
  EXPECT_TRUE(table("authors").privileges.empty());  // never granted: a table's defaults are the owner's only
  EXPECT_EQ(books.columns[2].name, "title");
  EXPECT_EQ(books.columns[2].privileges, (std::vector<privilege_def>{{reader, "UPDATE", false}}));
  EXPECT_TRUE(books.columns[1].privileges.empty());
  EXPECT_EQ(c.views[0].privileges, (std::vector<privilege_def>{{"public", "SELECT", false}}));
  EXPECT_EQ(c.sequences[1].privileges, (std::vector<privilege_def>{{reader, "USAGE", false}}));
  // app.add had EXECUTE revoked from PUBLIC; a function never changed has PUBLIC's EXECUTE.
  EXPECT_EQ(c.functions[0].name, "add");
  EXPECT_EQ(c.functions[0].privileges, (std::vector<privilege_def>{{reader, "EXECUTE", false}}));
  EXPECT_EQ(c.functions[3].privileges, builtin_privileges("functions"));
  EXPECT_EQ(c.functions[3].privileges, (std::vector<privilege_def>{{"public", "EXECUTE", false}}));
  // The database-wide entry lists no one: the reader's functions do not give PUBLIC EXECUTE.
  EXPECT_EQ(c.default_privileges, (std::vector<default_privilege_info>{
                                      {reader, std::nullopt, "functions", {}},
                                      {reader, "app", "tables", {{"public", "SELECT", false}}},
                                  }));
  EXPECT_EQ(c.event_triggers, (std::vector<event_trigger_info>{{"app_ddl",
                                                                "ddl_command_end",
                                                                {"ALTER TABLE", "CREATE TABLE"},
                                                                {"app", "on_ddl"},
                                                                "origin",
                                                                "watches DDL"}}));
  // Event triggers go with the schema of their function.
  EXPECT_TRUE(introspect(cx(), {.schemas = {"public"}}).event_triggers.empty());
}

TEST_F(introspect_test, extensions_stand_for_their_objects) {
  const auto c = introspect(cx());
  EXPECT_EQ(c.extensions, (std::vector<extension_info>{{"citext", "1.6", "public"}, {"pg_trgm", "1.6", "public"}}))
      << "versions are those of PostgreSQL 15's contrib";
  // pg_trgm's functions and citext's type live in public but belong to their extensions.
  for (const auto& f : c.functions) EXPECT_NE(f.schema, "public") << f.name;
  EXPECT_TRUE(c.domains.size() == 1 && c.composite_types.size() == 1);
}

TEST_F(introspect_test, schema_selection_leaves_out_system_and_tracking_schemas) {
  const auto all = introspect(cx());
  std::vector<std::string> names;
  for (const auto& s : all.schemas) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"My \"Odd\" Schema", "app", "public"}));
  EXPECT_EQ(all.schemas[1].comment, "the application");
  EXPECT_EQ(all.find_table("pgpx", "schema_migrations"), nullptr);
  // The odd names travel as parameters and come back as they are.
  const auto* odd = all.find_table("My \"Odd\" Schema", "T 1");
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(odd->columns[0].name, "Col A");
  // The tracking schema when asked for by name, or when another name is the tracking one.
  const auto tracking = introspect(cx(), {.schemas = {"pgpx"}});
  ASSERT_EQ(tracking.tables.size(), 1u);
  EXPECT_EQ(tracking.tables[0].name, "schema_migrations");
  const auto other = introspect(cx(), {.tracking_schema = "app"});
  EXPECT_NE(other.find_table("pgpx", "schema_migrations"), nullptr);
  EXPECT_EQ(other.find_table("app", "books"), nullptr);
  // A schema name that does not exist (here, one that would be an injection if spliced).
  try {
    (void)introspect(cx(), {.schemas = {"app", "x'); drop schema app cascade; --"}});
    FAIL() << "expected usage_error";
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("x'); drop schema app cascade; --"), std::string::npos) << e.what();
  }
  EXPECT_NE(introspect(cx(), {.schemas = {"app"}}).find_table("app", "books"), nullptr);
  // An empty schema is listed with nothing in it.
  cx().execute_script("create schema empty");
  const auto empty = introspect(cx(), {.schemas = {"empty"}});
  ASSERT_EQ(empty.schemas.size(), 1u);
  EXPECT_TRUE(empty.tables.empty() && empty.functions.empty() && empty.extensions.empty());
}

TEST_F(introspect_test, runs_in_its_own_snapshot_or_in_the_callers_transaction) {
  // Idle: introspect opens and commits its own read-only transaction.
  (void)introspect(cx(), {.schemas = {"app"}});
  EXPECT_EQ(cx().status(), pgpx::transaction_status::idle);
  // In a transaction: its uncommitted objects show, and the transaction stays open.
  pgpx::transaction tx{cx()};
  tx.execute_script("create table app.draft (x int primary key)");
  const auto c = introspect(tx.conn(), {.schemas = {"app"}});
  EXPECT_NE(c.find_table("app", "draft"), nullptr);
  EXPECT_EQ(cx().status(), pgpx::transaction_status::in_transaction);
  tx.rollback();
  EXPECT_EQ(introspect(cx(), {.schemas = {"app"}}).find_table("app", "draft"), nullptr);
}

TEST_F(introspect_test, two_introspections_are_equal_and_export_byte_identical_json) {
  const auto a = introspect(cx());
  const auto b = introspect(cx());
  EXPECT_EQ(a, b);
  const auto ja = to_json(a);
  EXPECT_EQ(ja, to_json(b));
  // Recreating the same objects in another order gives the same export (new oids, new
  // physical order in the catalogs).
  cx().execute_script(
      "drop table app.tickets; create table app.zz (x int);"
      "create sequence app.ticket_seq as integer start with 10 increment by 2 minvalue 10 maxvalue 1000 cache 5 cycle;"
      "create table app.tickets (n int) with (autovacuum_enabled = false, fillfactor = 70);"
      "alter sequence app.ticket_seq owned by app.tickets.n; drop table app.zz;"
      "grant usage on sequence app.ticket_seq to pgpx_introspect_reader");
  EXPECT_EQ(to_json(introspect(cx())), ja);
  // A change shows.
  cx().execute_script("comment on column app.tickets.n is 'ticket number'");
  const auto changed = introspect(cx());
  EXPECT_NE(changed, a);
  EXPECT_NE(to_json(changed), ja);
}

TEST_F(introspect_test, json_is_sorted_pretty_and_reads_back_into_the_same_catalog) {
  const auto c = introspect(cx());
  const auto text = to_json(c);
  EXPECT_EQ(text.substr(0, 22), "{\n  \"composite_types\":");  // keys sorted, two-space indent
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("\"format\": \"pgpx.catalog/2\""), std::string::npos);
  EXPECT_NE(text.find("\"identity\": \"by_default\""), std::string::npos);
  EXPECT_NE(text.find("\"on_delete\": \"cascade\""), std::string::npos);
  const auto back = catalog_from_json(text);
  EXPECT_EQ(back, c);
  EXPECT_EQ(to_json(back), text);
  // The facts a reader cares about, through the JSON.
  const auto* books = back.find_table("app", "books");
  ASSERT_NE(books, nullptr);
  EXPECT_EQ(books->constraints[0].match, match_kind::full);
  EXPECT_EQ(books->constraints[3].validated, false);
  EXPECT_EQ(back.find_table("app", "authors")->columns[0].identity_sequence->start, 100);
}

TEST_F(introspect_test, bad_json_is_refused_naming_the_place) {
  auto message = [](std::string_view text) -> std::string {
    try {
      (void)catalog_from_json(text);
    } catch (const pgpx::conversion_error& e) {
      return e.message();
    }
    return "no error";
  };
  EXPECT_EQ(message("{"), "pgpx::schema::catalog_from_json: (top): not valid JSON");
  EXPECT_EQ(message("{}"), "pgpx::schema::catalog_from_json: format: expected \"pgpx.catalog/2\"");
  auto text = to_json(introspect(cx(), {.schemas = {"app"}}));
  const auto at = text.find("\"type\": \"bigint\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 16, "\"type\": 8");
  EXPECT_EQ(message(text),
            "pgpx::schema::catalog_from_json: tables[0].columns[0].identity_sequence.type: expected a string");
  auto kind = to_json(introspect(cx(), {.schemas = {"app"}}));
  kind.replace(kind.find("\"kind\": \"ordinary\""), 18, "\"kind\": \"weird\"");
  EXPECT_EQ(message(kind), "pgpx::schema::catalog_from_json: tables[0].kind: unknown value \"weird\"");
}

TEST_F(introspect_test, a_model_created_from_its_description_reads_back_as_declared) {
  using namespace orm_models;
  cx().execute_script("create schema shop");
  pgpx::schema::create(cx(), pgpx::models<author, book, order_line>);
  const auto c = introspect(cx(), {.schemas = {"public", "shop"}});
  const auto* a = c.find_table("public", "authors");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->columns,
            (std::vector<column_def>{
                {.name = "id",
                 .type = "bigint",
                 .not_null = true,
                 .identity = identity_kind::always,
                 .identity_sequence = sequence_options{"bigint", 1, 1, 1, int8_max, 1, false}},
                {.name = "name", .type = "character varying(80)", .not_null = true},
                {.name = "email", .type = "text", .not_null = true},
                {.name = "bio", .type = "text"},
                {.name = "created_at", .type = "timestamp with time zone", .not_null = true, .default_expr = "now()"},
            }));
  ASSERT_EQ(a->constraints.size(), 2u);
  EXPECT_EQ(a->constraints[0], (constraint_def{.name = "authors_email_key",
                                               .kind = constraint_kind::unique,
                                               .definition = "UNIQUE (email)",
                                               .columns = {"email"},
                                               .index = "authors_email_key"}));
  EXPECT_EQ(a->constraints[1], (constraint_def{.name = "authors_pkey",
                                               .kind = constraint_kind::primary_key,
                                               .definition = "PRIMARY KEY (id)",
                                               .columns = {"id"},
                                               .index = "authors_pkey"}));
  const auto* b = c.find_table("public", "books");
  ASSERT_NE(b, nullptr);
  std::vector<std::string> cols;
  for (const auto& col : b->columns) cols.push_back(col.name + " " + col.type + (col.not_null ? " not null" : ""));
  EXPECT_EQ(cols, (std::vector<std::string>{"id bigint not null", "author_id bigint not null", "title text not null",
                                            "price_cents integer not null", "tags text[] not null",
                                            "meta jsonb not null", "deleted_at timestamp with time zone"}));
  ASSERT_EQ(b->constraints.size(), 2u);
  EXPECT_EQ(b->constraints[0], (constraint_def{.name = "books_author_id_fkey",
                                               .kind = constraint_kind::foreign_key,
                                               .definition = "FOREIGN KEY (author_id) REFERENCES authors(id) ON DELETE "
                                                             "CASCADE",
                                               .columns = {"author_id"},
                                               .references = qualified_name{"public", "authors"},
                                               .referenced_columns = {"id"},
                                               .on_delete = referential_action::cascade}));
  std::vector<std::string> indexes;
  for (const auto& i : b->indexes) indexes.push_back(i.name + " " + i.method);
  EXPECT_EQ(indexes,
            (std::vector<std::string>{"books_author_id_title_idx btree", "books_pkey btree", "books_tags_idx gin"}));
  const auto* l = c.find_table("shop", "order_lines");
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->constraints.size(), 2u);
  EXPECT_EQ(l->constraints[0].kind, constraint_kind::unique);
  EXPECT_EQ(l->constraints[0].columns, (std::vector<std::string>{"order_id", "sku"}));
  EXPECT_EQ(l->constraints[1].kind, constraint_kind::primary_key);
  EXPECT_EQ(l->constraints[1].columns, (std::vector<std::string>{"order_id", "line_no"}));
  const auto* lines_by_sku = &l->indexes[0];
  for (const auto& i : l->indexes)
    if (i.name == "lines_by_sku") lines_by_sku = &i;
  EXPECT_EQ(lines_by_sku->name, "lines_by_sku");
  EXPECT_EQ(lines_by_sku->include, (std::vector<std::string>{"qty"}));
  EXPECT_TRUE(lines_by_sku->unique);
}

}  // namespace
