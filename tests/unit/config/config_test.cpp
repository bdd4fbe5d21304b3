#include "config_test_support.hpp"

#include <pgpx/core/configured.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using pgpx::config;
using pgpx::config_options;
using pgpx::test::fake_env;
using pgpx::test::temp_dir;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

constexpr const char* basic_toml = R"(
[project]
name = "app"

[env.development]
url = "postgresql://dev@localhost:5432/app_dev"

[env.ci]
host = "ci-db"
port = 6543
dbname = "app_ci"
user = "ci"
sslmode = "disable"

[env.production]
host = "db.internal"
dbname = "app"
user = "app"
password = { env = "DB_PASSWORD" }
protected = true
)";

struct config_test : testing::Test {
  temp_dir dir;
  fake_env env;

  auto options() const -> config_options {
    config_options o;
    o.start_dir = dir.path();
    o.getenv = env.function();
    return o;
  }
  auto load() const -> config { return config::load(options()); }
  // The message of the config_error that loading throws; fails the test when none is thrown.
  auto load_error(const config_options& o) const -> std::string {
    auto r = config::try_load(o);
    if (r) {
      ADD_FAILURE() << "expected a config_error";
      return {};
    }
    EXPECT_EQ(r.diag().kind, pgpx::error_kind::config);
    try {
      (void)config::load(o);
    } catch (const pgpx::config_error& e) {
      EXPECT_EQ(std::string(e.what()), r.diag().to_string());
      return e.what();
    }
    ADD_FAILURE() << "load() did not throw config_error";
    return r.diag().to_string();
  }
  auto load_error() const -> std::string { return load_error(options()); }
};

// ---- precedence ---------------------------------------------------------------------------

TEST_F(config_test, NothingConfiguredMeansEmbedded) {
  if (!pgpx::test::no_stray_config_above(dir.path())) GTEST_SKIP() << "a pgpx.toml exists above " << dir.path();
  const auto cfg = load();
  EXPECT_TRUE(cfg.uses_embedded());
  EXPECT_EQ(cfg.source(), "embedded");
  EXPECT_TRUE(cfg.connection().params().empty());
  EXPECT_FALSE(cfg.file().has_value());
  EXPECT_EQ(cfg.project_dir(), dir.path());
  EXPECT_EQ(cfg.embedded_dir(), dir.path() / ".pgpx");
  EXPECT_EQ(cfg.env_name(), "development");
  EXPECT_EQ(cfg.env_source(), "default");
}

TEST_F(config_test, EveryLevelOfThePrecedence) {
  dir.write("pgpx.toml", basic_toml);
  dir.write(".pgpx/url", "host=/tmp/sock port=54321 dbname=embedded user=dev\n");

  // pgpx.toml [env.development]
  auto cfg = load();
  EXPECT_EQ(cfg.source(), "pgpx.toml [env.development]");
  EXPECT_FALSE(cfg.uses_embedded());
  EXPECT_EQ(cfg.connection().get("dbname"), "app_dev");

  // libpq's own variables beat the file; the conninfo stays empty.
  env.set("PGHOST", "pg-env-host");
  cfg = load();
  EXPECT_EQ(cfg.source(), "libpq environment (PGHOST)");
  EXPECT_TRUE(cfg.connection().params().empty());
  EXPECT_FALSE(cfg.uses_embedded());

  env.set("DATABASE_URL", "postgresql://u@database-url/db1");
  cfg = load();
  EXPECT_EQ(cfg.source(), "DATABASE_URL");
  EXPECT_EQ(cfg.connection().get("host"), "database-url");

  env.set("PGPX_DATABASE_URL", "postgresql://u@pgpx-url/db2");
  cfg = load();
  EXPECT_EQ(cfg.source(), "PGPX_DATABASE_URL");
  EXPECT_EQ(cfg.connection().get("host"), "pgpx-url");

  auto o = options();
  o.url = "host=cli-host dbname=db3";
  cfg = config::load(o);
  EXPECT_EQ(cfg.source(), "--url");
  EXPECT_EQ(cfg.connection().get("host"), "cli-host");

  cfg.set_url("postgresql://code-host/db4");
  EXPECT_EQ(cfg.source(), "code");
  EXPECT_EQ(cfg.connection().get("host"), "code-host");
  EXPECT_FALSE(cfg.uses_embedded());
}

TEST_F(config_test, EmbeddedDefaultReadsTheClusterUrlFile) {
  dir.write("pgpx.toml", "[project]\nname = \"x\"\n");
  auto cfg = load();
  EXPECT_TRUE(cfg.uses_embedded());
  EXPECT_TRUE(cfg.connection().params().empty());
  EXPECT_THAT(cfg.describe(), HasSubstr("pgpx dev up"));

  dir.write(".pgpx/url", "host=/tmp/pgpx-sock port=54329 dbname=app user=dev\n");
  EXPECT_TRUE(cfg.refresh_embedded());
  EXPECT_EQ(cfg.connection().get("port"), "54329");

  cfg = load();
  EXPECT_EQ(cfg.source(), "embedded");
  EXPECT_EQ(cfg.connection().get("host"), "/tmp/pgpx-sock");
  EXPECT_EQ(cfg.connection().get("dbname"), "app");
}

TEST_F(config_test, MalformedEmbeddedUrlFileNamesTheFile) {
  dir.write("pgpx.toml", "");
  dir.write(".pgpx/url", "host=x bogus_keyword=1\n");
  const auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr((dir.path() / ".pgpx" / "url").string()));
}

TEST_F(config_test, EachLibpqVariableSelectsLibpq) {
  dir.write("pgpx.toml", basic_toml);
  for (const char* var : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"}) {
    fake_env e;
    e.set(var, "x");
    auto o = options();
    o.getenv = e.function();
    const auto cfg = config::load(o);
    EXPECT_EQ(cfg.source(), std::string("libpq environment (") + var + ")") << var;
    EXPECT_TRUE(cfg.connection().params().empty()) << var;
  }
  // PGPASSWORD alone says nothing about where to connect.
  env.set("PGPASSWORD", "x");
  EXPECT_EQ(load().source(), "pgpx.toml [env.development]");
  // Several at once are all named.
  env.set("PGHOST", "h").set("PGPORT", "1");
  EXPECT_EQ(load().source(), "libpq environment (PGHOST, PGPORT)");
}

TEST_F(config_test, EmptyVariablesCountAsUnset) {
  dir.write("pgpx.toml", basic_toml);
  env.set("PGPX_DATABASE_URL", "").set("DATABASE_URL", "").set("PGHOST", "").set("PGPX_ENV", "");
  const auto cfg = load();
  EXPECT_EQ(cfg.source(), "pgpx.toml [env.development]");
  EXPECT_EQ(cfg.env_name(), "development");
}

TEST_F(config_test, EmptyUrlOptionIsAnError) {
  auto o = options();
  o.url = "  ";
  EXPECT_THAT(load_error(o), StartsWith("--url: "));
}

TEST_F(config_test, ApplicationNameGoesIntoTheConnectionUnlessGiven) {
  dir.write("pgpx.toml", R"(
[env.development]
url = "postgresql://localhost/app"
application_name = "worker"
)");
  EXPECT_EQ(load().connection().get("application_name"), "worker");
  env.set("DATABASE_URL", "postgresql://h/db?application_name=mine");
  EXPECT_EQ(load().connection().get("application_name"), "mine");
  env.unset("DATABASE_URL");
  env.set("PGHOST", "h").set("PGAPPNAME", "from-env");
  EXPECT_FALSE(load().connection().has("application_name"));
}

// ---- file discovery -----------------------------------------------------------------------

TEST_F(config_test, SearchesUpwardForPgpxToml) {
  const auto file = dir.write("pgpx.toml", basic_toml);
  std::filesystem::create_directories(dir.path() / "src" / "deep");
  auto o = options();
  o.start_dir = dir.path() / "src" / "deep";
  const auto cfg = config::load(o);
  ASSERT_TRUE(cfg.file().has_value());
  EXPECT_EQ(*cfg.file(), file);
  EXPECT_EQ(cfg.project_dir(), dir.path());
  EXPECT_EQ(cfg.embedded_dir(), dir.path() / ".pgpx");
  EXPECT_EQ(cfg.environments(), (std::vector<std::string>{"development", "ci", "production"}));
}

TEST_F(config_test, ExplicitFileIsUsedAndMustExist) {
  dir.write("pgpx.toml", basic_toml);
  dir.write("conf/other.toml", "[env.development]\nurl = \"postgresql://other/db\"\n");
  auto o = options();
  o.file = "conf/other.toml";
  const auto cfg = config::load(o);
  EXPECT_EQ(cfg.connection().get("host"), "other");
  EXPECT_EQ(cfg.source(), "other.toml [env.development]");
  EXPECT_EQ(cfg.project_dir(), dir.path() / "conf");

  o.file = "missing.toml";
  const auto msg = load_error(o);
  EXPECT_THAT(msg, HasSubstr("missing.toml"));
  EXPECT_THAT(msg, HasSubstr("not found"));
}

// ---- environments -------------------------------------------------------------------------

TEST_F(config_test, EnvironmentSelectionOrder) {
  dir.write("pgpx.toml", std::string(basic_toml) + "\n");
  EXPECT_EQ(load().env_name(), "development");

  std::string with_default(basic_toml);
  with_default.replace(with_default.find("name = \"app\""), 0, "default_env = \"ci\"\n");
  dir.write("pgpx.toml", with_default);
  auto cfg = load();
  EXPECT_EQ(cfg.env_name(), "ci");
  EXPECT_EQ(cfg.env_source(), "pgpx.toml [project] default_env");
  EXPECT_EQ(cfg.connection().get("host"), "ci-db");
  EXPECT_EQ(cfg.connection().get("port"), "6543");
  EXPECT_EQ(cfg.connection().get("sslmode"), "disable");
  EXPECT_EQ(cfg.source(), "pgpx.toml [env.ci]");

  env.set("PGPX_ENV", "development");
  cfg = load();
  EXPECT_EQ(cfg.env_name(), "development");
  EXPECT_EQ(cfg.env_source(), "PGPX_ENV");

  auto o = options();
  o.env = "ci";
  cfg = config::load(o);
  EXPECT_EQ(cfg.env_name(), "ci");
  EXPECT_EQ(cfg.env_source(), "--env");
}

TEST_F(config_test, UnknownEnvironmentNamesFileNameAndKnownOnes) {
  const auto file = dir.write("pgpx.toml", basic_toml);
  auto o = options();
  o.env = "staging";
  auto msg = load_error(o);
  EXPECT_THAT(msg, HasSubstr(file.string()));
  EXPECT_THAT(msg, HasSubstr("unknown environment \"staging\""));
  EXPECT_THAT(msg, HasSubstr("--env"));
  EXPECT_THAT(msg, HasSubstr("known environments: development, ci, production"));

  env.set("PGPX_ENV", "qa");
  msg = load_error();
  EXPECT_THAT(msg, HasSubstr("unknown environment \"qa\" (selected by PGPX_ENV)"));
}

TEST_F(config_test, UnknownEnvironmentWithoutBlocks) {
  dir.write("pgpx.toml", "[project]\nname = \"x\"\n");
  auto o = options();
  o.env = "prod";
  EXPECT_THAT(load_error(o), HasSubstr("known environments: (none)"));
}

TEST_F(config_test, EnvFlagWithoutAFileIsALabelButNeedsAConnection) {
  if (!pgpx::test::no_stray_config_above(dir.path())) GTEST_SKIP();
  auto o = options();
  o.env = "production";
  // "-e production" with no pgpx.toml must not quietly run against the local server...
  const auto refused = config::try_load(o);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.diag().to_string(), HasSubstr("no pgpx.toml was found"));
  EXPECT_THAT(refused.diag().to_string(), HasSubstr("has no connection"));
  // ...but with a connection from any level above the file it is accepted: only a label.
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"DATABASE_URL", "postgresql://db/app"}, {"PGPX_DATABASE_URL", "postgresql://db/app"}, {"PGHOST", "db"}}) {
    fake_env e;
    e.set(name, value);
    auto oe = options();
    oe.env = "production";
    oe.getenv = e.function();
    auto cfg = config::try_load(oe);
    ASSERT_TRUE(cfg) << name << ": " << cfg.diag().to_string();
    EXPECT_EQ(cfg->env_name(), "production");
    EXPECT_EQ(cfg->env_source(), "--env");
    EXPECT_FALSE(cfg->uses_embedded());
  }
  o.url = "postgresql://db/app";
  auto with_url = config::try_load(o);
  ASSERT_TRUE(with_url) << with_url.diag().to_string();
  EXPECT_EQ(with_url->env_name(), "production");
  o.url.reset();
  o.env = "development";
  EXPECT_TRUE(config::try_load(o));
  // PGPX_ENV may be set machine-wide; without a file it only names the environment.
  o.env.reset();
  env.set("PGPX_ENV", "whatever");
  const auto cfg = config::load(options());
  EXPECT_EQ(cfg.env_name(), "whatever");
  EXPECT_TRUE(cfg.uses_embedded());
}

TEST_F(config_test, UnknownDefaultEnvIsAnErrorAtItsPosition) {
  dir.write("pgpx.toml", "[project]\ndefault_env = \"nope\"\n\n[env.development]\nhost = \"h\"\n");
  const auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("pgpx.toml:2:15: unknown environment \"nope\""));
}

// ---- settings -----------------------------------------------------------------------------

TEST_F(config_test, PerEnvironmentSettingsBuildConnectionOptions) {
  dir.write("pgpx.toml", R"(
[env.development]
url = "postgresql://localhost/app"
protected = true
connect_timeout = "2s"
statement_timeout = 1500
statement_cache = 0
application_name = "api"
)");
  const auto cfg = load();
  EXPECT_TRUE(cfg.is_protected());
  EXPECT_EQ(cfg.connect_timeout(), 2s);
  EXPECT_EQ(cfg.statement_timeout(), 1500ms);
  EXPECT_EQ(cfg.statement_cache_capacity(), 0U);
  EXPECT_EQ(cfg.application_name(), "api");
  const auto o = pgpx::connection_options_of(cfg);
  EXPECT_EQ(o.connect_timeout, 2s);
  EXPECT_EQ(o.statement_timeout, 1500ms);
  EXPECT_EQ(o.statement_cache_capacity, 0U);
}

// connect_timeout, highest first: code, the connection string's keyword, PGCONNECT_TIMEOUT,
// the environment block, 10s. Every connection source's keyword counts.
TEST_F(config_test, ConnectTimeoutPrecedence) {
  dir.write("pgpx.toml",
            "[env.development]\nurl = \"postgresql://h/db?connect_timeout=7\"\nconnect_timeout = \"2s\"\n"
            "[env.plain]\nhost = \"h\"\nconnect_timeout = \"2s\"\n");
  EXPECT_EQ(load().connect_timeout(), 7s);  // the URL's own keyword beats the block's setting
  EXPECT_THAT(load().describe(), HasSubstr("7s (connection string"));
  env.set("PGPX_ENV", "plain");
  EXPECT_EQ(load().connect_timeout(), 2s);
  EXPECT_THAT(load().describe(), HasSubstr("2s (pgpx.toml [env.plain])"));
  env.set("PGCONNECT_TIMEOUT", "4");
  EXPECT_EQ(load().connect_timeout(), 4s);  // the environment beats the file
  EXPECT_EQ(pgpx::connection_options_of(load()).connect_timeout, 4s);
  env.set("PGCONNECT_TIMEOUT", "0");        // libpq's "forever": pgpx keeps its deadline
  EXPECT_EQ(load().connect_timeout(), 2s);
  env.set("PGCONNECT_TIMEOUT", "soon");
  EXPECT_THAT(load_error(), HasSubstr("PGCONNECT_TIMEOUT"));
  env.set("PGCONNECT_TIMEOUT", "4");
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"DATABASE_URL", "postgresql://h/db?connect_timeout=3"},
                                                        {"PGPX_DATABASE_URL", "host=h connect_timeout=3"}}) {
    fake_env e;
    e.set(name, value).set("PGCONNECT_TIMEOUT", "4");
    auto o = options();
    o.getenv = e.function();
    EXPECT_EQ(config::load(o).connect_timeout(), 3s) << name;
  }
  auto o = options();
  o.url = "postgresql://h/db?connect_timeout=1";
  auto cfg = config::load(o);
  EXPECT_EQ(pgpx::connection_options_of(cfg).connect_timeout, 1s);
  // Code wins, and drops the keyword that would otherwise cap it at connect time.
  cfg.set_connect_timeout(9s);
  EXPECT_EQ(pgpx::connection_options_of(cfg).connect_timeout, 9s);
  EXPECT_FALSE(cfg.connection().has("connect_timeout"));
  cfg.set_url("postgresql://h/db?connect_timeout=5");
  EXPECT_EQ(cfg.connect_timeout(), 5s);
}

TEST(conninfo_connect_timeout, keyword_in_every_form) {
  using pgpx::conninfo;
  EXPECT_EQ(pgpx::connect_timeout_of(conninfo::parse("postgresql://h/db?connect_timeout=3")), 3s);
  EXPECT_EQ(pgpx::connect_timeout_of(conninfo::parse("host=h connect_timeout=1")), 1s);  // not rounded up to 2
  EXPECT_EQ(pgpx::connect_timeout_of(conninfo::parse("host=h connect_timeout=0")), std::nullopt);
  EXPECT_EQ(pgpx::connect_timeout_of(conninfo::parse("host=h")), std::nullopt);
}

TEST_F(config_test, DefaultsMatchConnectionOptions) {
  const pgpx::connection_options defaults;
  const config cfg;
  const auto o = pgpx::connection_options_of(cfg);
  EXPECT_EQ(o.connect_timeout, defaults.connect_timeout);
  EXPECT_EQ(o.statement_timeout, defaults.statement_timeout);
  EXPECT_EQ(o.statement_cache_capacity, defaults.statement_cache_capacity);
  EXPECT_FALSE(cfg.is_protected());
}

TEST_F(config_test, SettingsApplyWhateverTheConnectionSource) {
  dir.write("pgpx.toml", R"(
[env.production]
host = "db"
protected = true
statement_timeout = "30s"
)");
  env.set("DATABASE_URL", "postgresql://elsewhere/db").set("PGPX_ENV", "production");
  const auto cfg = load();
  EXPECT_EQ(cfg.source(), "DATABASE_URL");
  EXPECT_TRUE(cfg.is_protected());
  EXPECT_EQ(cfg.statement_timeout(), 30s);
}

TEST_F(config_test, CodeOverridesWin) {
  dir.write("pgpx.toml", "[env.development]\nurl = \"postgresql://h/db\"\nstatement_timeout = \"1s\"\n");
  auto cfg = load();
  cfg.set_statement_timeout(5s).set_connect_timeout(3s).set_statement_cache_capacity(7).set_protected(true);
  cfg.set_application_name("code-app");
  const auto o = pgpx::connection_options_of(cfg);
  EXPECT_EQ(o.statement_timeout, 5s);
  EXPECT_EQ(o.connect_timeout, 3s);
  EXPECT_EQ(o.statement_cache_capacity, 7U);
  EXPECT_TRUE(cfg.is_protected());
  EXPECT_EQ(cfg.connection().get("application_name"), "code-app");
  cfg.set_log_level(pgpx::log_level::trace);
  EXPECT_EQ(cfg.log_settings().level, pgpx::log_level::trace);

  EXPECT_THROW(cfg.set_url("postgresql://h:notaport:x/db?nonsense_keyword=1"), pgpx::config_error);
}

TEST_F(config_test, LogSettingsLayers) {
  dir.write("pgpx.toml", R"(
[log]
level = "info"
format = "json"

[env.development]
url = "postgresql://h/db"
[env.development.log]
queries = true
parameters = true

[env.ci]
log = { level = "error", secrets = true }
)");
  auto s = load().log_settings();
  EXPECT_EQ(s.level, pgpx::log_level::info);
  EXPECT_EQ(s.format, pgpx::log_format::json);
  EXPECT_TRUE(s.queries);
  EXPECT_TRUE(s.parameters);
  EXPECT_FALSE(s.secrets);

  env.set("PGPX_ENV", "ci");
  s = load().log_settings();
  EXPECT_EQ(s.level, pgpx::log_level::error);
  EXPECT_TRUE(s.secrets);
  EXPECT_FALSE(s.queries);

  env.set("PGPX_LOG", "debug").set("PGPX_LOG_FORMAT", "text");
  s = load().log_settings();
  EXPECT_EQ(s.level, pgpx::log_level::debug);
  EXPECT_EQ(s.format, pgpx::log_format::text);

  env.set("PGPX_LOG", "loud");
  EXPECT_THAT(load_error(), StartsWith("PGPX_LOG: unknown log level \"loud\""));
}

TEST_F(config_test, UrlAndKeywordsCombine) {
  dir.write("pgpx.toml", R"(
[env.development]
url = "postgresql://u@h:5432/db"
port = 6000
sslmode = "require"
)");
  const auto cfg = load();
  EXPECT_EQ(cfg.connection().get("host"), "h");
  EXPECT_EQ(cfg.connection().get("port"), "6000");
  EXPECT_EQ(cfg.connection().get("sslmode"), "require");
}

// ---- errors -------------------------------------------------------------------------------

TEST_F(config_test, MalformedTomlGivesFileLineColumn) {
  const auto file = dir.write("pgpx.toml", "[env.development]\nhost = \"h\"\nport = = 5\n");
  const auto msg = load_error();
  EXPECT_THAT(msg, StartsWith(file.string() + ":3:"));
  EXPECT_THAT(msg, HasSubstr("invalid TOML"));
}

TEST_F(config_test, MalformedTomlOnASecretLineShowsNoCharacterOfIt) {
  dir.write("pgpx.toml", "[env.development]\npassword = \"abc\" Zq9secret\n");
  const auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("pgpx.toml:2:"));
  EXPECT_THAT(msg, Not(HasSubstr("'Z'")));
  EXPECT_THAT(msg, Not(HasSubstr("Zq9")));
}

TEST_F(config_test, UnknownKeyInEnvBlockNamesKeyAndPosition) {
  const auto file = dir.write("pgpx.toml", "[env.development]\nhots = \"h\"\n");
  const auto msg = load_error();
  EXPECT_THAT(msg, StartsWith(file.string() + ":2:1: unknown key \"hots\" in [env.development]"));
  EXPECT_THAT(msg, HasSubstr("did you mean \"host\"?"));
}

TEST_F(config_test, UnknownKeyInLogTable) {
  dir.write("pgpx.toml", "[env.development.log]\nlevle = \"debug\"\n");
  EXPECT_THAT(load_error(), HasSubstr("unknown key \"levle\" in [env.development] log (did you mean \"level\"?)"));
}

TEST_F(config_test, WrongTypesAreReported) {
  dir.write("pgpx.toml", "[env.development]\nprotected = \"yes\"\n");
  EXPECT_THAT(load_error(), HasSubstr("pgpx.toml:2:1: [env.development] protected: expected true or false"));
  dir.write("pgpx.toml", "[env.development]\nstatement_timeout = \"5 parsecs\"\n");
  EXPECT_THAT(load_error(), HasSubstr("invalid duration \"5 parsecs\""));
  dir.write("pgpx.toml", "[env.development]\nstatement_cache = -1\n");
  EXPECT_THAT(load_error(), HasSubstr("statement_cache"));
  dir.write("pgpx.toml", "[log]\nlevel = \"chatty\"\n");
  EXPECT_THAT(load_error(), HasSubstr("[log] level: expected one of trace"));
  dir.write("pgpx.toml", "env = \"prod\"\n");
  EXPECT_THAT(load_error(), HasSubstr("env must be a table"));
  dir.write("pgpx.toml", "[env.development]\nhost = true\n");
  EXPECT_THAT(load_error(), HasSubstr("[env.development] host: expected a string or an integer"));
}

TEST_F(config_test, ProblemsInOtherEnvironmentsDoNotStopLoading) {
  dir.write("pgpx.toml", R"(
[env.development]
url = "postgresql://h/db"

[env.production]
hots = "typo"
password = "plain-text-pw"
)");
  const auto cfg = load();
  EXPECT_EQ(cfg.source(), "pgpx.toml [env.development]");
  const auto diags = cfg.validate();
  ASSERT_EQ(diags.size(), 2U);
  EXPECT_EQ(diags[0].line, 6);
  EXPECT_THAT(diags[0].message, HasSubstr("unknown key \"hots\" in [env.production]"));
  EXPECT_FALSE(config::is_warning(diags[0]));
  EXPECT_EQ(diags[1].line, 7);
  EXPECT_TRUE(config::is_warning(diags[1]));
  EXPECT_THAT(diags[1].message, HasSubstr("password is written in the file in plain text"));
  for (const auto& d : diags) EXPECT_THAT(d.to_string(), Not(HasSubstr("plain-text-pw")));

  env.set("PGPX_ENV", "production");
  EXPECT_THAT(load_error(), HasSubstr("unknown key \"hots\""));
}

TEST_F(config_test, MalformedUrlsNameTheirSource) {
  env.set("PGPX_DATABASE_URL", "postgresql://u:Sekr1tPw@h:port/db");
  EXPECT_THAT(load_error(), StartsWith("PGPX_DATABASE_URL: invalid connection string: "));
  env.unset("PGPX_DATABASE_URL");
  env.set("DATABASE_URL", "host=h nonsense=1 password=Sekr1tPw");
  auto msg = load_error();
  EXPECT_THAT(msg, StartsWith("DATABASE_URL: invalid connection string: "));
  EXPECT_THAT(msg, Not(HasSubstr("Sekr1tPw")));
  auto o = options();
  o.url = "postgresql://u:Sekr1tPw@h/db?bogus=1";
  msg = load_error(o);
  EXPECT_THAT(msg, StartsWith("--url: invalid connection string: "));
  EXPECT_THAT(msg, Not(HasSubstr("Sekr1tPw")));

  env.unset("DATABASE_URL");
  dir.write("pgpx.toml", "[env.development]\n\nurl = \"postgresql://u:Sekr1tPw@h/db?bogus=1\"\n");
  msg = load_error();
  EXPECT_THAT(msg, HasSubstr("pgpx.toml:3:1: [env.development] url: invalid connection string"));
  EXPECT_THAT(msg, Not(HasSubstr("Sekr1tPw")));
}

// ---- secrets in pgpx.toml -----------------------------------------------------------------

TEST_F(config_test, PasswordFromEnvironmentVariable) {
  dir.write("pgpx.toml", basic_toml);
  env.set("PGPX_ENV", "production").set("DB_PASSWORD", "s3cretFromEnv");
  const auto cfg = load();
  EXPECT_EQ(cfg.connection().get("password"), "s3cretFromEnv");
  EXPECT_TRUE(cfg.is_protected());
  const auto text = cfg.describe();
  EXPECT_THAT(text, Not(HasSubstr("s3cretFromEnv")));
  EXPECT_THAT(text, HasSubstr("password=********"));
  EXPECT_THAT(text, HasSubstr("from env DB_PASSWORD"));
  EXPECT_THAT(text, HasSubstr("production (from PGPX_ENV)"));

  env.unset("DB_PASSWORD");
  const auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("[env.production] password: environment variable DB_PASSWORD is not set"));
  EXPECT_THAT(msg, HasSubstr("pgpx.toml:19:1: "));
}

TEST_F(config_test, PasswordFromFileRelativeToProject) {
  dir.write("secrets/db", "s3cretFromFile\n");
  dir.write("pgpx.toml", "[env.development]\nhost = \"h\"\npassword = { file = \"secrets/db\" }\n");
  auto cfg = load();
  EXPECT_EQ(cfg.connection().get("password"), "s3cretFromFile");
  EXPECT_THAT(cfg.describe(), Not(HasSubstr("s3cretFromFile")));

  std::filesystem::remove(dir.path() / "secrets" / "db");
  const auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr((dir.path() / "secrets" / "db").string()));
  EXPECT_THAT(msg, HasSubstr("No such file"));
}

TEST_F(config_test, PasswordFromCommand) {
  dir.write("pgpx.toml", R"(
[env.development]
host = "h"
password = { command = ["/bin/sh", "-c", "echo s3cretFromCmd"], timeout = "5s" }
)");
  const auto cfg = load();
  EXPECT_EQ(cfg.connection().get("password"), "s3cretFromCmd");
  const auto text = cfg.describe();
  EXPECT_THAT(text, Not(HasSubstr("s3cretFromCmd")));
  EXPECT_THAT(text, HasSubstr("from command /bin/sh (+2 arguments, timeout 5s)"));
}

TEST_F(config_test, FailingCommandNamesProgramAndStatusNotOutput) {
  dir.write("pgpx.toml", R"(
[env.development]
host = "h"
password = { command = ["/bin/sh", "-c", "echo s3cretOut; echo vault: permission denied >&2; exit 3"] }
)");
  const auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("[env.development] password: secret command \"/bin/sh\" exited with status 3"));
  EXPECT_THAT(msg, HasSubstr("permission denied"));
  EXPECT_THAT(msg, Not(HasSubstr("s3cretOut")));
}

TEST_F(config_test, SecretsAreResolvedOnlyWhenTheBlockIsTheSource) {
  const auto marker = dir.path() / "ran";
  dir.write("pgpx.toml", "[env.development]\nhost = \"h\"\npassword = { command = [\"/bin/sh\", \"-c\", \"touch '" +
                             marker.string() + "'; echo pw\"] }\n");
  env.set("DATABASE_URL", "postgresql://elsewhere/db");
  const auto cfg = load();
  EXPECT_EQ(cfg.source(), "DATABASE_URL");
  EXPECT_FALSE(std::filesystem::exists(marker));
  // validate() runs nothing either.
  (void)cfg.validate();
  (void)config::validate_file(options());
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(config_test, UrlFromSecretProvider) {
  dir.write("pgpx.toml", "[env.development]\nurl = { env = \"APP_DB_URL\" }\n");
  env.set("APP_DB_URL", "postgresql://app:UrlS3cret@db.example/app");
  const auto cfg = load();
  EXPECT_EQ(cfg.connection().get("host"), "db.example");
  EXPECT_EQ(cfg.connection().get("password"), "UrlS3cret");
  EXPECT_THAT(cfg.describe(), Not(HasSubstr("UrlS3cret")));
  EXPECT_THAT(cfg.describe(), HasSubstr("secret url"));

  env.set("APP_DB_URL", "postgresql://app:UrlS3cret@db.example/app?nonsense=1");
  const auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("(from env APP_DB_URL)"));
  EXPECT_THAT(msg, Not(HasSubstr("UrlS3cret")));
}

TEST_F(config_test, MalformedSecretProviders) {
  const auto check = [&](const std::string& value, const std::string& expected) {
    dir.write("pgpx.toml", "[env.development]\nhost = \"h\"\npassword = " + value + "\n");
    EXPECT_THAT(load_error(), HasSubstr(expected)) << value;
  };
  check("{ }", "exactly one of env, file or command");
  check("{ env = \"A\", file = \"b\" }", "exactly one of env, file or command");
  check("{ env = \"1BAD\" }", "not a valid environment variable name");
  check("{ command = [] }", "the secret command is empty");
  check("{ command = \"vault read x\" }", "expected an array of strings");
  check("{ file = \"x\", timeout = \"1s\" }", "timeout applies only to command");
  check("{ command = [\"x\"], timeout = \"soon\" }", "invalid duration");
  check("{ vault = \"x\" }", "unknown key \"vault\" in a secret provider");
  check("42", "expected a string or a secret provider");
  dir.write("pgpx.toml", "[env.development]\nhost = { env = \"H\" }\n");
  EXPECT_THAT(load_error(), HasSubstr("[env.development] host: expected a string or an integer"));
}

TEST_F(config_test, ValidateChecksEveryBlockWithoutRunningAnything) {
  dir.write("pgpx.toml", R"(
[project]
default_env = "development"

[env.development]
url = "postgresql://dev:PlainPw1@localhost/app"

[env.ci]
password = { command = [] }

[env.production]
password = { env = "not valid" }
statement_timeout = "forever"
)");
  auto diags = config::validate_file(options());
  std::vector<std::string> texts;
  for (const auto& d : diags) texts.push_back(d.to_string());
  ASSERT_EQ(texts.size(), 4U) << testing::PrintToString(texts);
  EXPECT_THAT(texts[0], HasSubstr(":6:1: warning: [env.development] url contains a password in plain text"));
  EXPECT_THAT(texts[1], HasSubstr(":9:1: [env.ci] password: the secret command is empty"));
  EXPECT_THAT(texts[2],
              HasSubstr(":12:1: [env.production] password: \"not valid\" is not a valid environment variable"));
  EXPECT_THAT(texts[3], HasSubstr(":13:1: [env.production] statement_timeout: invalid duration"));
  for (const auto& t : texts) EXPECT_THAT(t, Not(HasSubstr("PlainPw1")));

  // The same through a loaded config (development itself is fine).
  const auto cfg = load();
  EXPECT_EQ(cfg.validate().size(), 4U);
  ASSERT_EQ(cfg.warnings().size(), 1U);
  EXPECT_TRUE(config::is_warning(cfg.warnings()[0]));
}

TEST_F(config_test, ValidateFileReportsSyntaxErrorsAndSelection) {
  dir.write("pgpx.toml", "[env.development\nhost = \"h\"\n");
  auto diags = config::validate_file(options());
  ASSERT_EQ(diags.size(), 1U);
  EXPECT_EQ(diags[0].line, 1);
  EXPECT_THAT(diags[0].message, HasSubstr("invalid TOML"));

  dir.write("pgpx.toml", "[env.development]\nhost = \"h\"\n");
  auto o = options();
  o.env = "prod";
  diags = config::validate_file(o);
  ASSERT_EQ(diags.size(), 1U);
  EXPECT_THAT(diags[0].message, HasSubstr("unknown environment \"prod\""));
  EXPECT_TRUE(config::validate_file(options()).empty());
}

TEST_F(config_test, NoSecretInAnyMessage) {
  // Each case is a pgpx.toml and/or environment that fails, with the secret in reach.
  const std::string secret = "Xy9SuperSecretValue";
  struct failing_case {
    std::string toml;
    std::vector<std::pair<std::string, std::string>> vars;
  };
  const std::vector<failing_case> cases = {
      {"[env.development]\npassword = \"" + secret + "\" trailing\n", {}},
      {"[env.development]\nurl = \"postgresql://u:" + secret + "@h:xx/db\"\n", {}},
      {"[env.development]\nurl = \"host=h password=" + secret + " bogus=1\"\n", {}},
      {"[env.development]\nurl = { env = \"U\" }\n", {{"U", "postgresql://u:" + secret + "@h/db?bad=1"}}},
      {"[env.development]\nhost = \"h\"\npassword = { command = [\"/bin/sh\", \"-c\", \"echo " + secret + "; echo " +
           secret + " >&2; exit 1\"] }\n",
       {}},
      {"[env.development]\nhost = \"h\"\npassword = { command = [\"/bin/sh\", \"-c\", \"echo password=" + secret +
           " >&2; exit 2\"] }\n",
       {}},
      {"", {{"DATABASE_URL", "postgresql://u:" + secret + "@h/db?bad=1"}}},
      {"", {{"PGPX_DATABASE_URL", "host=h password='" + secret + "' what=1"}}},
  };
  for (const auto& c : cases) {
    dir.write("pgpx.toml", c.toml);
    fake_env e;
    for (const auto& [k, v] : c.vars) e.set(k, v);
    auto o = options();
    o.getenv = e.function();
    const auto r = config::try_load(o);
    ASSERT_FALSE(r) << c.toml;
    EXPECT_THAT(r.diag().to_string(), Not(HasSubstr(secret))) << c.toml;
    EXPECT_THAT(r.diag().to_string(), Not(HasSubstr("Xy9"))) << c.toml;
    for (const auto& d : config::validate_file(o)) EXPECT_THAT(d.to_string(), Not(HasSubstr(secret))) << c.toml;
  }
}

TEST_F(config_test, DescribeMasksEverySecret) {
  dir.write("pgpx.toml", R"(
[env.development]
host = "h"
user = "app"
password = "LiteralPw99"
sslpassword = "KeyPw77"
)");
  const auto text = load().describe();
  EXPECT_THAT(text, Not(HasSubstr("LiteralPw99")));
  EXPECT_THAT(text, Not(HasSubstr("KeyPw77")));
  EXPECT_THAT(text, HasSubstr("password=********"));
  EXPECT_THAT(text, HasSubstr("connection source:"));
  EXPECT_THAT(text, HasSubstr("pgpx.toml [env.development]"));
  EXPECT_THAT(text, HasSubstr("statement_timeout:"));
  EXPECT_THAT(text, HasSubstr("log.level:"));

  auto cfg = load();
  cfg.set_url("postgresql://u:CodePw55@h/db");
  EXPECT_THAT(cfg.describe(), Not(HasSubstr("CodePw55")));
}

// ---- durations and levels -----------------------------------------------------------------

TEST(durations, ParseForms) {
  EXPECT_EQ(pgpx::parse_duration("250ms"), 250ms);
  EXPECT_EQ(pgpx::parse_duration("5s"), 5s);
  EXPECT_EQ(pgpx::parse_duration("2min"), 2min);
  EXPECT_EQ(pgpx::parse_duration("1h"), 1h);
  EXPECT_EQ(pgpx::parse_duration("1d"), 24h);
  EXPECT_EQ(pgpx::parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(pgpx::parse_duration("750"), 750ms);
  EXPECT_EQ(pgpx::parse_duration(" 10 s "), 10s);
  EXPECT_EQ(pgpx::parse_duration("0"), 0ms);
  for (const char* bad : {"", "s", "5m", "5x", "-1s", "1..2s", "99999999999999999999s", "five"}) {
    EXPECT_FALSE(pgpx::try_parse_duration(bad)) << bad;
  }
  EXPECT_THROW((void)pgpx::parse_duration("soon"), pgpx::config_error);
}

TEST(durations, FormatIsShortestExact) {
  EXPECT_EQ(pgpx::format_duration(0ms), "0ms");
  EXPECT_EQ(pgpx::format_duration(250ms), "250ms");
  EXPECT_EQ(pgpx::format_duration(1500ms), "1500ms");
  EXPECT_EQ(pgpx::format_duration(5s), "5s");
  EXPECT_EQ(pgpx::format_duration(2min), "2min");
  EXPECT_EQ(pgpx::format_duration(3h), "3h");
  for (auto d : {1ms, 999ms, 1000ms, 61000ms, 3600000ms}) EXPECT_EQ(pgpx::parse_duration(pgpx::format_duration(d)), d);
}

TEST(log_levels, ParseAndPrint) {
  EXPECT_EQ(pgpx::parse_log_level("TRACE"), pgpx::log_level::trace);
  EXPECT_EQ(pgpx::parse_log_level("warning"), pgpx::log_level::warn);
  EXPECT_EQ(pgpx::parse_log_level("off"), pgpx::log_level::off);
  EXPECT_FALSE(pgpx::parse_log_level("verbose"));
  EXPECT_EQ(pgpx::parse_log_format("JSON"), pgpx::log_format::json);
  EXPECT_FALSE(pgpx::parse_log_format("xml"));
  for (auto l : {pgpx::log_level::trace, pgpx::log_level::debug, pgpx::log_level::info, pgpx::log_level::warn,
                 pgpx::log_level::error, pgpx::log_level::off})
    EXPECT_EQ(pgpx::parse_log_level(pgpx::to_string(l)), l);
}

}  // namespace

namespace {
TEST_F(config_test, ConnectionValuesAreCheckedWhereTheyAreWritten) {
  dir.write("pgpx.toml", "[env.development]\nhost = \"h\"\nport = \"x\"\nsslmode = \"maybe\"\n");
  const auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("pgpx.toml:3:1"));
  EXPECT_THAT(msg, HasSubstr("invalid port \"x\""));
  const auto all = config::validate_file(options());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_THAT(all[1].message, HasSubstr("sslmode"));
  EXPECT_EQ(all[1].line, 4);
}
}  // namespace
