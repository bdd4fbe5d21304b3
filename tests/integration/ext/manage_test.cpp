// Extension versions and installing, upgrading and removing extensions through plugins, on
// the real test server (Debian's PostgreSQL 15 with its contrib extensions).
#include "support/ext_error.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/executor.hpp>
#include <pgpx/ext/error.hpp>
#include <pgpx/ext/manage.hpp>
#include <pgpx/ext/registry.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

namespace {

using namespace pgpx::ext;
using pgpx::test::throws_cause;

class ext_manage : public pgpx::test::db_test {
 protected:
  auto installed(const std::string& ext) -> std::optional<std::string> {
    return cx().query_optional<std::string>("select extversion from pg_extension where extname = $1", ext);
  }
  auto extension_count() -> std::int64_t { return cx().query_value<std::int64_t>("select count(*) from pg_extension"); }
};

// A plugin for an extension no server has.
class ghost_plugin final : public plugin {
 public:
  [[nodiscard]] auto name() const -> std::string_view override { return "ghost"; }
  [[nodiscard]] auto extension() const -> std::string_view override { return "pgpx_no_such_extension"; }
};

// citext, but a plugin that supports only [1.4, 1.5).
class old_citext final : public plugin {
 public:
  [[nodiscard]] auto name() const -> std::string_view override { return "old_citext"; }
  [[nodiscard]] auto extension() const -> std::string_view override { return "citext"; }
  [[nodiscard]] auto supported() const -> version_range override { return {"1.4", "1.5"}; }
};

TEST_F(ext_manage, reads_the_servers_versions) {
  const auto v = read_versions(cx(), "citext");
  EXPECT_TRUE(v.on_server());
  EXPECT_FALSE(v.installed);
  ASSERT_TRUE(v.default_version);
  EXPECT_EQ(*v.default_version, "1.6");
  ASSERT_GE(v.available.size(), 3u);
  EXPECT_EQ(v.available.front(), "1.4");  // oldest first, compared numerically
  EXPECT_EQ(v.newest(), "1.6");
  EXPECT_EQ(status_of(*registry::global().get("citext"), v), version_status::not_installed);
  const auto none = read_versions(cx(), "pgpx_no_such_extension");
  EXPECT_FALSE(none.on_server());
  EXPECT_EQ(status_of(ghost_plugin{}, none), version_status::not_on_server);
}

TEST_F(ext_manage, read_all_versions_agrees_with_read_versions) {
  cx().execute_script("create extension citext version '1.5'");
  const auto all = read_all_versions(cx());
  ASSERT_FALSE(all.empty());
  EXPECT_TRUE(
      std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.extension < b.extension; }));
  for (const char* name : {"citext", "hstore"}) {
    const auto one = read_versions(cx(), name);
    const auto it = std::find_if(all.begin(), all.end(), [&](const auto& v) { return v.extension == name; });
    ASSERT_NE(it, all.end()) << name;
    EXPECT_EQ(it->installed, one.installed) << name;
    EXPECT_EQ(it->schema, one.schema) << name;
    EXPECT_EQ(it->default_version, one.default_version) << name;
    EXPECT_EQ(it->available, one.available) << name;
    EXPECT_EQ(it->comment, one.comment) << name;
  }
  const auto citext = read_versions(cx(), "citext");
  EXPECT_EQ(citext.installed, std::optional<std::string>("1.5"));
  EXPECT_EQ(citext.schema, std::optional<std::string>("public"));
  EXPECT_FALSE(citext.comment.empty());
  EXPECT_FALSE(read_versions(cx(), "hstore").installed);
}

TEST_F(ext_manage, install_upgrade_uninstall_change_pg_extension) {
  const auto citext_ptr = registry::global().get("citext");
  const auto& citext = *citext_ptr;
  EXPECT_EQ(install(cx(), citext, {.version = "1.4", .schema = {}, .cascade = false}), "1.4");
  EXPECT_EQ(installed("citext"), std::optional<std::string>("1.4"));
  // The type it declares now exists in this database.
  EXPECT_EQ(cx().query_value<std::string>("select to_regtype($1)::text", citext.type_names().at(0)), "citext");
  const auto v = read_versions(cx(), "citext");
  EXPECT_TRUE(v.outdated());
  EXPECT_EQ(status_of(citext, v), version_status::outdated);

  EXPECT_EQ(plan_upgrade(cx(), citext, std::string("1.5")), "alter extension \"citext\" update to '1.5'");
  EXPECT_EQ(installed("citext"), std::optional<std::string>("1.4"));  // plan_* runs nothing
  EXPECT_EQ(upgrade(cx(), citext, std::string("1.5")), "1.5");
  EXPECT_EQ(installed("citext"), std::optional<std::string>("1.5"));
  EXPECT_EQ(upgrade(cx(), citext), "1.6");  // to the default version
  EXPECT_EQ(status_of(citext, read_versions(cx(), "citext")), version_status::current);
  EXPECT_EQ(plan_upgrade(cx(), citext), "");  // nothing to do

  uninstall(cx(), citext);
  EXPECT_FALSE(installed("citext"));
  throws_cause([&] { uninstall(cx(), citext); }, failure::not_installed);
}

TEST_F(ext_manage, install_with_schema_and_cascade) {
  cx().execute_script("create schema extras");
  const auto example_ptr = registry::global().find_or_generic("earthdistance");  // no plugin: generic
  const auto& example = *example_ptr;
  // earthdistance needs cube: without CASCADE the server refuses, and nothing is installed.
  EXPECT_THROW(install(cx(), example, {}), pgpx::sql_error);
  EXPECT_FALSE(installed("cube"));
  install(cx(), example, {.version = {}, .schema = std::string("extras"), .cascade = true});
  EXPECT_TRUE(installed("earthdistance"));
  EXPECT_TRUE(installed("cube"));
  EXPECT_EQ(read_versions(cx(), "earthdistance").schema, std::optional<std::string>("extras"));
  uninstall(cx(), example, true);
  EXPECT_FALSE(installed("earthdistance"));
}

TEST_F(ext_manage, a_missing_extension_is_named_and_nothing_changes) {
  const auto before = extension_count();
  const auto msg = throws_cause([&] { install(cx(), ghost_plugin{}); }, failure::missing_extension);
  EXPECT_NE(msg.find("plugin ghost"), std::string::npos) << msg;
  EXPECT_NE(msg.find("extension \"pgpx_no_such_extension\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("database \"" + database_name() + "\""), std::string::npos) << msg;
  EXPECT_EQ(extension_count(), before);
  throws_cause([&] { (void)upgrade(cx(), ghost_plugin{}); }, failure::missing_extension);
}

TEST_F(ext_manage, an_unsupported_version_is_refused_and_nothing_changes) {
  const old_citext p;
  // The server's default (1.6) is outside the plugin's range.
  auto msg = throws_cause([&] { install(cx(), p); }, failure::unsupported_version);
  EXPECT_NE(msg.find("version 1.6 is not supported by the plugin (supported: [1.4, 1.5))"), std::string::npos) << msg;
  EXPECT_FALSE(installed("citext"));
  // A version the server does not offer.
  msg = throws_cause([&] { install(cx(), p, {.version = "9.9", .schema = {}, .cascade = false}); },
                     failure::unsupported_version);
  EXPECT_NE(msg.find("does not offer version 9.9 (available: 1.4, 1.5, 1.6)"), std::string::npos) << msg;
  EXPECT_FALSE(installed("citext"));
  // Installed in a supported version, upgrade past the range refused.
  install(cx(), p, {.version = "1.4", .schema = {}, .cascade = false});
  throws_cause([&] { (void)upgrade(cx(), p); }, failure::unsupported_version);
  EXPECT_EQ(installed("citext"), std::optional<std::string>("1.4"));
  // Installed outside the range: reported as such.
  (void)upgrade(cx(), *registry::global().get("citext"));
  EXPECT_EQ(status_of(p, read_versions(cx(), "citext")), version_status::unsupported);
  // A downgrade is refused.
  throws_cause([&] { (void)upgrade(cx(), *registry::global().get("citext"), std::string("1.5")); },
               failure::unsupported_version);
}

TEST_F(ext_manage, verify_checks_what_a_program_relies_on) {
  registry reg;
  reg.add(std::make_shared<ghost_plugin>());
  reg.enable("ghost");
  const auto before = extension_count();
  auto msg = throws_cause([&] { verify_enabled(cx(), reg); }, failure::missing_extension);
  EXPECT_NE(msg.find("plugin ghost: extension \"pgpx_no_such_extension\" in database \"" + database_name() + "\""),
            std::string::npos)
      << msg;
  EXPECT_EQ(extension_count(), before);
  // Several enabled plugins: the first in name order that fails is reported.
  cx().execute_script("create extension hstore");
  registry several;
  several.add(registry::global().get("hstore"), "built-in");
  several.add(std::make_shared<old_citext>());
  several.enable("hstore");
  EXPECT_NO_THROW(verify_enabled(cx(), several));
  several.enable("old_citext");
  msg = throws_cause([&] { verify_enabled(cx(), several); }, failure::not_installed);
  EXPECT_NE(msg.find("plugin old_citext: extension \"citext\""), std::string::npos) << msg;
  const old_citext p;
  msg = throws_cause([&] { verify(cx(), p); }, failure::not_installed);
  EXPECT_NE(msg.find("not installed"), std::string::npos) << msg;
  cx().execute_script("create extension citext version '1.6'");
  msg = throws_cause([&] { verify(cx(), p); }, failure::unsupported_version);
  EXPECT_NE(msg.find("version 1.6 is installed, but the plugin supports [1.4, 1.5)"), std::string::npos) << msg;
  EXPECT_NO_THROW(verify(cx(), *registry::global().get("citext")));
}

TEST_F(ext_manage, guc_settings_apply_per_session_and_transaction) {
  registry reg;
  reg.add(registry::global().get("pg_trgm"), "built-in");
  install(cx(), *reg.get("pg_trgm"));
  reg.enable("pg_trgm", settings{}.set("similarity_threshold", 0.7));
  apply_settings(cx(), reg.settings_statements(setting_scope::session));
  EXPECT_EQ(cx().query_value<std::string>("select current_setting('pg_trgm.similarity_threshold')"), "0.7");
  // The setting changes what the % operator matches.
  EXPECT_FALSE(cx().query_value<bool>("select 'word' % 'wordy'"));

  reg.enable("pg_trgm", settings{}.set("similarity_threshold", 0.2));
  cx().execute_script("begin");
  apply_settings(cx(), reg.settings_statements(setting_scope::transaction));
  EXPECT_EQ(cx().query_value<std::string>("select current_setting('pg_trgm.similarity_threshold')"), "0.2");
  EXPECT_TRUE(cx().query_value<bool>("select 'word' % 'wordy'"));
  cx().execute_script("commit");
  EXPECT_EQ(cx().query_value<std::string>("select current_setting('pg_trgm.similarity_threshold')"), "0.7");
}

TEST_F(ext_manage, the_example_plugin_loads_and_installs) {
  registry reg;
  const auto p = reg.load_library(PGPX_EXAMPLE_PLUGIN);
  EXPECT_EQ(install(cx(), *p, {.version = {}, .schema = {}, .cascade = true}), "1.1");
  EXPECT_EQ(cx().query_value<std::string>("select to_regtype($1)::text", p->type_names().at(0)), "earth");
  uninstall(cx(), *p, true);
  EXPECT_FALSE(installed("earthdistance"));
}

}  // namespace
