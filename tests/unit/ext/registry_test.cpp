// The plugin interface's SQL and GUC statements, the registry (code, built-ins, settings,
// [extensions.<name>] of pgpx.toml) and shared-library plugins (dlopen): no server needed.
#include "support/ext_error.hpp"

#include <pgpx/ext/error.hpp>
#include <pgpx/ext/registry.hpp>
#include <pgpx/types/by_name.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

namespace {

using namespace pgpx::ext;
using pgpx::test::throws_cause;

class test_plugin final : public plugin {
 public:
  explicit test_plugin(std::string name = "odd", std::string ext = "we\"ird ext")
      : name_(std::move(name)), ext_(std::move(ext)) {}
  [[nodiscard]] auto name() const -> std::string_view override { return name_; }
  [[nodiscard]] auto extension() const -> std::string_view override { return ext_; }
  [[nodiscard]] auto settings_schema() const -> settings_spec override {
    settings_spec s;
    s.keys.push_back({"probes", setting_kind::integer, "", setting_value(std::int64_t{1}), false, "ivfflat.probes"});
    s.keys.push_back({"ratio", setting_kind::floating, "", std::nullopt, false, ""});
    s.keys.push_back({"mode", setting_kind::string, "", std::nullopt, true, ""});
    return s;
  }

 private:
  std::string name_, ext_;
};

TEST(ext_plugin, sql_quotes_every_name_and_value) {
  const test_plugin p;
  EXPECT_EQ(p.install_sql({}), "create extension if not exists \"we\"\"ird ext\"");
  install_options o;
  o.version = "1.0'; drop table x; --";
  o.schema = "my schema";
  o.cascade = true;
  EXPECT_EQ(p.install_sql(o),
            "create extension if not exists \"we\"\"ird ext\" schema \"my schema\" version '1.0''; drop table x; --' "
            "cascade");
  EXPECT_EQ(p.upgrade_sql(std::string("1.6")), "alter extension \"we\"\"ird ext\" update to '1.6'");
  EXPECT_EQ(p.upgrade_sql(std::nullopt), "alter extension \"we\"\"ird ext\" update");
  EXPECT_EQ(p.uninstall_sql(false), "drop extension if exists \"we\"\"ird ext\"");
  EXPECT_EQ(p.uninstall_sql(true), "drop extension if exists \"we\"\"ird ext\" cascade");
}

TEST(ext_plugin, guc_settings_become_bound_set_config_calls) {
  const test_plugin p;
  settings s;
  s.set("probes", 7).set("mode", "fast");
  const auto session = p.settings_statements(s, setting_scope::session);
  ASSERT_EQ(session.size(), 1u);  // only probes names a GUC
  EXPECT_EQ(session[0].sql(), "select set_config($1, $2, $3)");
  EXPECT_EQ(session[0].params().size(), 3u);
  EXPECT_EQ(p.settings_statements(settings{}, setting_scope::transaction).size(), 0u);
}

TEST(ext_settings, checked_against_the_spec) {
  const test_plugin p;
  settings s;
  s.set("mode", "fast").set("ratio", 2);  // an integer is accepted for a float
  const auto checked = check_settings(p.settings_schema(), s, "odd");
  ASSERT_NE(checked.find("probes"), nullptr);  // default filled in
  EXPECT_EQ(std::get<std::int64_t>(*checked.find("probes")), 1);
  EXPECT_EQ(std::get<double>(*checked.find("ratio")), 2.0);

  settings bad;
  bad.set("prob", 3).set("ratio", "x");
  const auto msg = throws_cause([&] { (void)check_settings(p.settings_schema(), bad, "odd", "pgpx.toml:3:1"); },
                                failure::bad_settings);
  EXPECT_NE(msg.find("pgpx.toml:3:1: plugin odd"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key \"prob\" (accepted: probes, ratio, mode)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("key \"ratio\" must be a float, not a string"), std::string::npos) << msg;
  EXPECT_NE(msg.find("key \"mode\" is required"), std::string::npos) << msg;
}

TEST(ext_registry, add_find_enable) {
  registry reg;
  reg.add(std::make_shared<test_plugin>());
  EXPECT_NE(reg.find("odd"), nullptr);
  EXPECT_NE(reg.find("we\"ird ext"), nullptr);  // by extension too
  EXPECT_EQ(reg.find("nope"), nullptr);
  EXPECT_EQ(reg.find_or_generic("unaccent")->extension(), "unaccent");
  throws_cause([&] { reg.add(std::make_shared<test_plugin>()); }, failure::duplicate_plugin);
  throws_cause([&] { reg.add(std::make_shared<test_plugin>("", "x")); }, failure::invalid_plugin);
  const auto msg = throws_cause([&] { (void)reg.get("nope"); }, failure::unknown_plugin);
  EXPECT_NE(msg.find("registered: odd"), std::string::npos) << msg;

  EXPECT_FALSE(reg.is_enabled("odd"));
  throws_cause([&] { reg.enable("odd"); }, failure::bad_settings);  // mode is required
  EXPECT_FALSE(reg.is_enabled("odd"));                               // changed nothing
  reg.enable("odd", settings{}.set("mode", "fast").set("probes", 9));
  EXPECT_TRUE(reg.is_enabled("odd"));
  const auto stmts = reg.settings_statements(setting_scope::transaction);
  ASSERT_EQ(stmts.size(), 1u);
  reg.disable("odd");
  EXPECT_TRUE(reg.enabled().empty());
}

TEST(ext_registry, builtins_register_themselves) {
  auto& g = registry::global();
  for (const char* name : {"pg_trgm", "hstore", "citext", "pgcrypto", "ltree"}) {
    const auto p = g.find(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->extension(), name);
    EXPECT_EQ(g.entry(name).origin, "built-in");
    EXPECT_FALSE(p->supported().is_any()) << name;
  }
  EXPECT_EQ(g.get("hstore")->type_names(), std::vector<std::string>{"hstore"});
  EXPECT_EQ(g.get("citext")->type_names(), std::vector<std::string>{"citext"});
  EXPECT_EQ(g.get("ltree")->type_names(), (std::vector<std::string>{"ltree", "lquery", "ltxtquery"}));
  EXPECT_TRUE(g.get("pg_trgm")->type_names().empty());
  EXPECT_NE(g.get("pg_trgm")->settings_schema().find("similarity_threshold"), nullptr);
  // The type catalog's view: every declared type with its plugin and extension.
  const auto types = g.types();
  const auto lquery = std::find_if(types.begin(), types.end(), [](const auto& t) { return t.type == "lquery"; });
  ASSERT_NE(lquery, types.end());
  EXPECT_EQ(lquery->plugin, "ltree");
  EXPECT_EQ(lquery->extension, "ltree");
  ASSERT_NE(g.plugin_for_type("citext"), nullptr);
  // A plugin whose name is not its extension's: pgvector manages "vector".
  ASSERT_NE(g.find("pgvector"), nullptr);
  EXPECT_EQ(g.get("pgvector")->extension(), "vector");
  ASSERT_NE(g.plugin_for_type("halfvec"), nullptr);
  EXPECT_EQ(g.plugin_for_type("halfvec")->name(), "pgvector");
  EXPECT_EQ(g.plugin_for_type("geography")->name(), "postgis");
  // The core's message for a type a database lacks names the extension to install.
  EXPECT_EQ(pgpx::detail::missing_type_hint("sparsevec"),
            "install the extension that provides it: pgpx extension install vector");
  EXPECT_EQ(pgpx::detail::missing_type_hint("no_such_type"), "");
  EXPECT_EQ(g.plugin_for_type("citext")->name(), "citext");
  EXPECT_EQ(g.plugin_for_type("int4"), nullptr);
}

TEST(ext_registry, configure_from_toml) {
  registry reg;
  reg.add(std::make_shared<test_plugin>());
  reg.configure_toml(R"([project]
name = "x"
[extensions.odd]
mode = "slow"
probes = 4
version = "1.2"
schema = "ext"
)",
                     "pgpx.toml");
  EXPECT_TRUE(reg.is_enabled("odd"));
  const auto e = reg.entry("odd");
  EXPECT_EQ(std::get<std::int64_t>(*e.settings.find("probes")), 4);
  EXPECT_EQ(e.install.version, std::optional<std::string>("1.2"));
  EXPECT_EQ(e.install.schema, std::optional<std::string>("ext"));

  registry fresh;
  fresh.add(std::make_shared<test_plugin>());
  auto msg =
      throws_cause([&] { fresh.configure_toml("[extensions.odd]\nmode = 3\n", "pgpx.toml"); }, failure::bad_settings);
  EXPECT_NE(msg.find("pgpx.toml:1:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"mode\" must be a string, not an integer"), std::string::npos) << msg;
  EXPECT_FALSE(fresh.is_enabled("odd"));
  msg = throws_cause([&] { fresh.configure_toml("[extensions.nope]\n", "pgpx.toml"); }, failure::unknown_plugin);
  EXPECT_NE(msg.find("[extensions.nope]"), std::string::npos) << msg;
  msg = throws_cause([&] { fresh.configure_toml("[extensions.odd]\nenabled = \"yes\"\n", "pgpx.toml"); },
                     failure::bad_settings);
  EXPECT_NE(msg.find("pgpx.toml:2:11"), std::string::npos) << msg;
  // A bad table after a good one: nothing is enabled.
  fresh.add(std::make_shared<test_plugin>("odd2", "e2"));
  throws_cause([&] { fresh.configure_toml("[extensions.odd2]\nmode = \"a\"\n[extensions.odd]\nx = 1\n", "f.toml"); },
               failure::bad_settings);
  EXPECT_FALSE(fresh.is_enabled("odd2"));
  // Malformed TOML: the position of the parse error.
  msg = throws_cause([&] { fresh.configure_toml("x = 1\n[extensions.odd\n", "bad.toml"); }, failure::bad_settings);
  EXPECT_EQ(msg.rfind("bad.toml:2:", 0), 0u) << msg;
}

// Shared-library plugins: the example (examples/plugin) and two broken libraries.
TEST(ext_library, example_plugin_loads) {
  registry reg;
  const auto p = reg.load_library(PGPX_EXAMPLE_PLUGIN);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name(), "earth");
  EXPECT_EQ(p->extension(), "earthdistance");
  EXPECT_EQ(p->type_names(), std::vector<std::string>{"earth"});
  EXPECT_TRUE(p->supported().contains("1.1"));
  EXPECT_EQ(reg.entry("earth").origin, PGPX_EXAMPLE_PLUGIN);
  EXPECT_EQ(p->install_sql({.version = {}, .schema = {}, .cascade = true}),
            "create extension if not exists \"earthdistance\" cascade");
  reg.enable("earth", settings{}.set("unit", "km"));
  EXPECT_EQ(std::get<std::string>(*reg.entry("earth").settings.find("unit")), "km");
  // Loading it twice is refused, the first stays.
  throws_cause([&] { (void)reg.load_library(PGPX_EXAMPLE_PLUGIN); }, failure::duplicate_plugin);
  EXPECT_EQ(reg.list().size(), 1u);
}

TEST(ext_library, loaded_from_pgpx_toml_relative_to_the_file) {
  registry reg;
  const std::filesystem::path lib = PGPX_EXAMPLE_PLUGIN;
  reg.configure_toml("[extensions.earth]\nlibrary = \"" + lib.filename().string() + "\"\nunit = \"km\"\n", "pgpx.toml",
                     lib.parent_path());
  EXPECT_TRUE(reg.is_enabled("earth"));
}

TEST(ext_library, a_library_holding_another_plugin_is_refused_unregistered) {
  registry reg;
  const auto msg = throws_cause(
      [&] {
        reg.configure_toml(std::string("[extensions.moon]\nlibrary = \"") + PGPX_EXAMPLE_PLUGIN + "\"\n", "pgpx.toml");
      },
      failure::invalid_plugin);
  EXPECT_NE(msg.find("pgpx.toml:1:1: [extensions.moon] library"), std::string::npos) << msg;
  EXPECT_NE(msg.find("holds plugin earth, not moon"), std::string::npos) << msg;
  EXPECT_TRUE(reg.list().empty());
  EXPECT_EQ(reg.find("earth"), nullptr);
  // The library loads under its own name afterwards.
  EXPECT_NE(reg.load_library(PGPX_EXAMPLE_PLUGIN), nullptr);
}

TEST(ext_library, missing_library_is_refused) {
  registry reg;
  const auto msg = throws_cause([&] { (void)reg.load_library("/nonexistent/libnope.so"); }, failure::missing_library);
  EXPECT_NE(msg.find("cannot load plugin library /nonexistent/libnope.so"), std::string::npos) << msg;
  EXPECT_TRUE(reg.list().empty());
}

TEST(ext_library, library_without_the_entry_point_is_refused) {
  registry reg;
  const auto msg = throws_cause([&] { (void)reg.load_library(PGPX_NO_SYMBOL_PLUGIN); }, failure::missing_symbol);
  EXPECT_NE(msg.find(PGPX_NO_SYMBOL_PLUGIN), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not export pgpx_plugin_v1"), std::string::npos) << msg;
  EXPECT_TRUE(reg.list().empty());
}

TEST(ext_library, abi_mismatch_is_refused) {
  registry reg;
  const auto msg = throws_cause([&] { (void)reg.load_library(PGPX_BAD_ABI_PLUGIN); }, failure::abi_mismatch);
  EXPECT_NE(msg.find("built for plugin ABI 999"), std::string::npos) << msg;
  EXPECT_NE(msg.find(PGPX_BAD_ABI_PLUGIN), std::string::npos) << msg;
  EXPECT_TRUE(reg.list().empty());
  // And from pgpx.toml: the error names the library, nothing is enabled.
  throws_cause(
      [&] {
        reg.configure_toml(std::string("[extensions.bad]\nlibrary = \"") + PGPX_BAD_ABI_PLUGIN + "\"\n", "pgpx.toml");
      },
      failure::abi_mismatch);
  EXPECT_TRUE(reg.list().empty());
}

}  // namespace
