// Enabled plugins' GUC settings as startup options (pgpx/ext/session.hpp): what goes into the
// conninfo's `options`, escaping, PGOPTIONS, and refused GUC names. No server needed; the
// integration test ext_session_test checks the server applies them.
#include "support/ext_error.hpp"

#include <pgpx/ext/error.hpp>
#include <pgpx/ext/session.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

namespace {

using namespace pgpx::ext;
using pgpx::test::throws_cause;

class guc_plugin final : public plugin {
 public:
  guc_plugin(std::string name, std::string guc) : name_(std::move(name)), guc_(std::move(guc)) {}
  [[nodiscard]] auto name() const -> std::string_view override { return name_; }
  [[nodiscard]] auto extension() const -> std::string_view override { return name_; }
  [[nodiscard]] auto settings_schema() const -> settings_spec override {
    settings_spec s;
    s.keys.push_back({"value", setting_kind::string, "", std::nullopt, false, guc_});
    s.keys.push_back({"local", setting_kind::string, "", std::nullopt, false, ""});  // no GUC
    return s;
  }

 private:
  std::string name_, guc_;
};

struct saved_pgoptions {
  saved_pgoptions() {
    if (const char* v = std::getenv("PGOPTIONS")) old = v;
    ::unsetenv("PGOPTIONS");
  }
  ~saved_pgoptions() {
    if (old) ::setenv("PGOPTIONS", old->c_str(), 1);
    else ::unsetenv("PGOPTIONS");
  }
  std::optional<std::string> old;
};

TEST(ext_session_options, enabled_plugins_only_and_only_keys_with_a_guc) {
  const saved_pgoptions env;
  registry reg;
  reg.add(std::make_shared<guc_plugin>("a", "a.value"));
  reg.add(std::make_shared<guc_plugin>("b", "b.value"));
  reg.enable("a", settings{}.set("value", "1").set("local", "x"));
  EXPECT_EQ(session_settings(reg), (std::vector<std::pair<std::string, std::string>>{{"a.value", "1"}}));
  const auto ci = with_settings(pgpx::conninfo::parse("dbname=app"), reg);
  EXPECT_EQ(ci.get("options"), "-c a.value=1");
  EXPECT_EQ(ci.get("dbname"), "app");
  // Nothing enabled: the conninfo is returned as it was (no empty options keyword).
  registry none;
  none.add(std::make_shared<guc_plugin>("a", "a.value"));
  EXPECT_FALSE(with_settings(pgpx::conninfo::parse("dbname=app"), none).has("options"));
}

TEST(ext_session_options, white_space_and_backslashes_in_values_are_escaped) {
  const saved_pgoptions env;
  registry reg;
  reg.add(std::make_shared<guc_plugin>("a", "a.value"));
  reg.enable("a", settings{}.set("value", "x y\t\\z -c work_mem=1"));
  EXPECT_EQ(with_settings(pgpx::conninfo{}, reg).get("options"), "-c a.value=x\\ y\\\t\\\\z\\ -c\\ work_mem=1");
}

TEST(ext_session_options, existing_options_and_pgoptions_are_kept_in_front) {
  const saved_pgoptions env;
  registry reg;
  reg.add(std::make_shared<guc_plugin>("a", "a.value"));
  reg.enable("a", settings{}.set("value", "2"));
  auto ci = pgpx::conninfo::parse("dbname=app");
  ci.set("options", "-c search_path=app");
  EXPECT_EQ(with_settings(ci, reg).get("options"), "-c search_path=app -c a.value=2");
  ::setenv("PGOPTIONS", "-c statement_timeout=5s", 1);
  EXPECT_EQ(with_settings(pgpx::conninfo{}, reg).get("options"), "-c statement_timeout=5s -c a.value=2");
  // An explicit options keyword wins over PGOPTIONS, as in libpq.
  EXPECT_EQ(with_settings(ci, reg).get("options"), "-c search_path=app -c a.value=2");
}

TEST(ext_session_options, a_guc_name_that_would_change_the_options_string_is_refused) {
  const saved_pgoptions env;
  for (const std::string bad : {"a value", "a=b", "a\\b", ".a", "a.", "a -c b"}) {
    registry reg;
    reg.add(std::make_shared<guc_plugin>("p", bad));
    reg.enable("p", settings{}.set("value", "1"));
    const auto ci = pgpx::conninfo::parse("dbname=app");
    const auto msg = throws_cause([&] { (void)with_settings(ci, reg); }, failure::bad_settings);
    EXPECT_NE(msg.find("plugin p: setting 'value' names the server setting '" + bad + "'"), std::string::npos) << msg;
  }
}

}  // namespace
