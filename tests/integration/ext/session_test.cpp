// Enabled plugins' GUC settings on every connection opened from ext::with_settings: a plain
// connection, and a pool's connections across resets (DISCARD ALL) and replacements.
#include "support/test_db.hpp"

#include <pgpx/core/executor.hpp>
#include <pgpx/ext/manage.hpp>
#include <pgpx/ext/registry.hpp>
#include <pgpx/ext/session.hpp>
#include <pgpx/pool/pool.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace {

using namespace pgpx::ext;

class ext_session : public pgpx::test::db_test {};

class note_plugin final : public plugin {
 public:
  [[nodiscard]] auto name() const -> std::string_view override { return "note"; }
  [[nodiscard]] auto extension() const -> std::string_view override { return "plpgsql"; }
  [[nodiscard]] auto settings_schema() const -> settings_spec override {
    settings_spec s;
    s.keys.push_back({"text", setting_kind::string, "", std::nullopt, false, "pgpx_test.note"});
    return s;
  }
};

TEST_F(ext_session, pooled_connections_keep_the_settings_through_resets_and_replacements) {
  registry reg;
  reg.add(registry::global().get("pg_trgm"), "built-in");
  install(cx(), *reg.get("pg_trgm"));
  reg.enable("pg_trgm", settings{}.set("similarity_threshold", 0.7));

  pgpx::pool_options o;
  o.max_size = 1;
  o.reset_always = true;  // DISCARD ALL on every return
  auto pool = pgpx::pool::open(with_settings(conninfo(), reg), o);
  const auto threshold = [](pgpx::lease& l) {
    return l->query_value<std::string>("select current_setting('pg_trgm.similarity_threshold')");
  };
  int first_pid = 0;
  {
    auto l = pool.acquire();
    first_pid = l->backend_pid();
    EXPECT_EQ(threshold(l), "0.7");
    EXPECT_FALSE(l->query_value<bool>("select 'word' % 'wordy'"));  // 0.7 is stricter than the default 0.3
    l->execute("set pg_trgm.similarity_threshold = 0.1");
    EXPECT_EQ(threshold(l), "0.1");
  }
  {
    auto l = pool.acquire();
    EXPECT_EQ(l->backend_pid(), first_pid);  // the same session, reset
    EXPECT_EQ(threshold(l), "0.7");
    l.discard();
  }
  auto l = pool.acquire();
  EXPECT_NE(l->backend_pid(), first_pid);  // a replacement connection
  EXPECT_EQ(threshold(l), "0.7");
}

TEST_F(ext_session, a_value_with_spaces_and_backslashes_arrives_as_written) {
  registry reg;
  reg.add(std::make_shared<note_plugin>());
  const std::string text = R"(a b\c  -c work_mem=1kB)";
  reg.enable("note", settings{}.set("text", text));
  pgpx::connection c(with_settings(conninfo(), reg));
  EXPECT_EQ(c.query_value<std::string>("select current_setting('pgpx_test.note')"), text);
  EXPECT_NE(c.query_value<std::string>("select current_setting('work_mem')"), "1kB");
}

}  // namespace
