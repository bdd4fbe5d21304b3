// Introspection on PostgreSQL 17 (PGlite, tests/support/pglite.hpp) against PostgreSQL 15
// (the project's test cluster): the same schema (rich_fixture.hpp, one of each kind of object)
// reads back as the same catalog on both, but for the view definitions, which each server
// deparses its own way; and on 17, an export applied to a database without the schema reads
// back byte for byte (the round trip the 15 tests make too).
#include "integration/schema/rich_fixture.hpp"
#include "support/pglite.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/schema/diff.hpp>
#include <pgpx/schema/introspect.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

namespace {

using namespace pgpx::schema;

// The lines where two texts differ (with their numbers), for a readable failure.
auto line_diff(const std::string& a, const std::string& b) -> std::string {
  std::istringstream x(a);
  std::istringstream y(b);
  std::string out;
  std::string l;
  std::string r;
  int n = 0;
  int shown = 0;
  while (shown < 30) {
    const bool more_l = static_cast<bool>(std::getline(x, l));
    const bool more_r = static_cast<bool>(std::getline(y, r));
    if (!more_l && !more_r) break;
    ++n;
    if (l == r && more_l == more_r) continue;
    out += std::to_string(n) + ": - " + (more_l ? l : "<end>") + "\n" + std::to_string(n) + ": + " +
           (more_r ? r : "<end>") + "\n";
    ++shown;
  }
  return out;
}

// PGlite runs one session and one database for every test that uses it, and keeps what a
// test leaves: every object the fixture makes is removed before and after.
constexpr const char* remove_fixture = R"sql(
drop event trigger if exists app_ddl;
drop schema if exists app, pgpx, "My ""Odd"" Schema" cascade;
drop extension if exists pg_trgm cascade;
drop extension if exists citext cascade;
)sql";

class schema_pglite_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    lite_ = std::make_unique<pgpx::connection>(pgpx::test::pglite_conninfo());
    lite().execute_script("discard all");
    lite().execute_script(remove_fixture);
  }
  void TearDown() override {
    if (lite_) lite().execute_script(remove_fixture);
    lite_.reset();
    db_test::TearDown();
  }
  auto lite() -> pgpx::connection& { return *lite_; }

 private:
  std::unique_ptr<pgpx::connection> lite_;
};

TEST_F(schema_pglite_test, postgresql_17_reads_as_15_does_but_for_deparsed_view_text) {
  ASSERT_GE(lite().server_version(), 170000);
  ASSERT_LT(cx().server_version(), 160000);
  cx().execute_script(pgpx::test::rich_fixture);
  lite().execute_script(pgpx::test::rich_fixture);
  auto on15 = introspect(cx(), {.schemas = {"app"}});
  auto on17 = introspect(lite(), {.schemas = {"app"}});
  ASSERT_FALSE(on17.tables.empty());

  // The diff between them has the two views (and the materialized view's index and
  // privileges, made again with it) and nothing else. The owner's privileges, which differ
  // (MAINTAIN on 17), are not read.
  const auto d = diff(on15, on17);
  for (const auto& c : d.changes)
    EXPECT_TRUE(c.kind == change_kind::view || c.object == "index app.book_counts_author_idx on app.book_counts" ||
                c.object == "privileges of materialized view app.book_counts")
        << c.object << "\n"
        << c.up;
  EXPECT_EQ(d.changes.size(), 7u) << d.up_script();
  // The made-again materialized view takes its privileges from the default privileges of
  // whichever role runs the script: it revokes what they may give it (select for public).
  EXPECT_NE(d.up_script().find("revoke select on table \"app\".\"book_counts\" from public;"), std::string::npos)
      << d.up_script();
  for (const auto& u : d.unsupported) ADD_FAILURE() << "not diffed: " << u;

  // Views: the same names, columns and options; only the text differs (15 qualifies column
  // names with their table, 17 does not).
  ASSERT_EQ(on15.views.size(), on17.views.size());
  for (std::size_t i = 0; i < on15.views.size(); ++i) {
    auto a = on15.views[i];
    auto b = on17.views[i];
    EXPECT_NE(a.definition, b.definition) << a.name;
    a.definition.clear();
    b.definition.clear();
    EXPECT_TRUE(a == b) << a.name;
  }
  // Everything else, to the byte of its JSON.
  on15.views.clear();
  on17.views.clear();
  const auto j15 = to_json(on15);
  const auto j17 = to_json(on17);
  EXPECT_TRUE(j15 == j17) << line_diff(j15, j17);
}

TEST_F(schema_pglite_test, an_export_made_by_17_applied_again_on_17_reads_back_identically) {
  lite().execute_script(pgpx::test::rich_fixture);
  const auto before = introspect(lite(), {.schemas = {"app"}});
  const auto sql = export_sql(before);
  lite().execute_script("drop event trigger app_ddl; drop schema app cascade");
  lite().execute_script(sql);
  const auto after = introspect(lite(), {.schemas = {"app"}});
  // Everything is exported, privileges, default privileges and the event trigger too.
  EXPECT_EQ(sql.find("not exported"), std::string::npos) << sql;
  for (const char* part :
       {"grant select on table \"app\".\"books\" to \"pgpx_introspect_reader\";",
        "grant insert on table \"app\".\"books\" to \"pgpx_introspect_reader\" with grant option;",
        "grant update (\"title\") on table \"app\".\"books\" to \"pgpx_introspect_reader\";",
        "revoke execute on function \"app\".\"add\"(a integer, b integer) from public;",
        "create event trigger \"app_ddl\" on \"ddl_command_end\"",
        "alter default privileges for role \"pgpx_introspect_reader\" revoke execute on functions from public;"})
    EXPECT_NE(sql.find(part), std::string::npos) << part << "\n" << sql;
  EXPECT_TRUE(export_sql(after) == sql) << line_diff(sql, export_sql(after));
  const auto a = to_json(before);
  const auto b = to_json(after);
  EXPECT_TRUE(a == b) << line_diff(a, b);
}

}  // namespace
