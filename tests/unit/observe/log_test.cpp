#include <pgpx/core/hooks.hpp>
#include <pgpx/observe/log.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <string>
#include <vector>

namespace {

using pgpx::log_format;
using pgpx::log_level;
using pgpx::observe::level_from_verbosity;
using pgpx::observe::log_options;
using testing::HasSubstr;
using testing::MatchesRegex;

auto lines_of(const std::string& text) -> std::vector<std::string> {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Restores pgpx's logging and default hook after each test.
struct log_test : testing::Test {
  std::ostringstream out;
  void TearDown() override {
    pgpx::observe::setup_logging(log_options{.level = log_level::off});
    pgpx::set_default_query_hook(nullptr);
  }
  void setup(log_level level, log_format format, bool queries = false) {
    log_options o;
    o.level = level;
    o.format = format;
    o.queries = queries;
    o.stream = &out;
    pgpx::observe::setup_logging(o);
  }
};

TEST(verbosity, MapsFlagsToLevels) {
  EXPECT_EQ(level_from_verbosity(0, true), log_level::error);
  EXPECT_EQ(level_from_verbosity(3, true), log_level::error);
  EXPECT_EQ(level_from_verbosity(0, false), log_level::warn);
  EXPECT_EQ(level_from_verbosity(1, false), log_level::info);
  EXPECT_EQ(level_from_verbosity(2, false), log_level::debug);
  EXPECT_EQ(level_from_verbosity(3, false), log_level::trace);
  EXPECT_EQ(level_from_verbosity(7, false), log_level::trace);
}

TEST(log_options_from, CopiesSettings) {
  pgpx::log_settings s;
  s.level = log_level::debug;
  s.format = log_format::json;
  s.queries = true;
  s.parameters = true;
  s.secrets = true;
  const auto o = log_options::from(s);
  EXPECT_EQ(o.level, log_level::debug);
  EXPECT_EQ(o.format, log_format::json);
  EXPECT_TRUE(o.queries && o.parameters && o.secrets);
  EXPECT_EQ(o.sink, nullptr);
}

TEST_F(log_test, JsonLinesParseAndCarryTheFields) {
  setup(log_level::info, log_format::json);
  auto lg = pgpx::observe::logger();
  EXPECT_EQ(lg->name(), "pgpx");
  lg->info("hello \"world\"\nsecond line\t{}", 42);
  lg->debug("not shown at info");
  lg->warn("{\"level\":\"forged\"}");  // text that looks like JSON stays a string
  pgpx::observe::log_event(*lg, log_level::warn, "structured", {{"sql", "select 1"}, {"rows", 3}, {"msg", "x"}});
  lg->info(std::string("bad utf8: \xff\xfe"));

  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 4U) << out.str();
  std::vector<nlohmann::json> parsed;
  for (const auto& l : lines) {
    ASSERT_TRUE(nlohmann::json::accept(l)) << l;
    parsed.push_back(nlohmann::json::parse(l));
  }
  EXPECT_EQ(parsed[0]["level"], "info");
  EXPECT_EQ(parsed[0]["msg"], "hello \"world\"\nsecond line\t42");
  EXPECT_TRUE(parsed[0]["ts"].is_string());
  EXPECT_THAT(parsed[0]["ts"].get<std::string>(), MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z"));
  EXPECT_EQ(parsed[1]["level"], "warn");
  EXPECT_EQ(parsed[1]["msg"], "{\"level\":\"forged\"}");
  EXPECT_EQ(parsed[2]["msg"], "structured");
  EXPECT_EQ(parsed[2]["sql"], "select 1");
  EXPECT_EQ(parsed[2]["rows"], 3);
  EXPECT_EQ(parsed[2]["field_msg"], "x");
  EXPECT_EQ(parsed[2]["level"], "warn");
  EXPECT_THAT(parsed[3]["msg"].get<std::string>(), HasSubstr("bad utf8"));
}

TEST_F(log_test, TextLinesAreReadable) {
  setup(log_level::debug, log_format::text);
  auto lg = pgpx::observe::logger();
  lg->debug("plain message");
  pgpx::observe::log_event(*lg, log_level::info, "query", {{"sql", "select $1"}, {"rows", 1}, {"word", "simple"}});
  lg->trace("not shown");
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2U) << out.str();
  EXPECT_THAT(lines[0], MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\\.[0-9]{3} DEBUG plain message"));
  EXPECT_THAT(lines[1], HasSubstr(" INFO  query "));
  EXPECT_THAT(lines[1], HasSubstr("rows=1"));
  EXPECT_THAT(lines[1], HasSubstr("sql=\"select $1\""));
  EXPECT_THAT(lines[1], HasSubstr("word=simple"));
}

TEST_F(log_test, LevelOffWritesNothing) {
  setup(log_level::off, log_format::text);
  pgpx::observe::logger()->error("nothing");
  EXPECT_TRUE(out.str().empty());
}

TEST_F(log_test, InstallsTheDefaultHook) {
  pgpx::set_default_query_hook(nullptr);
  setup(log_level::warn, log_format::json, /*queries=*/true);
  auto hook = pgpx::default_query_hook();
  ASSERT_NE(hook, nullptr);
  EXPECT_TRUE(static_cast<bool>(hook->on_query));
  EXPECT_TRUE(static_cast<bool>(hook->on_notice));
  EXPECT_EQ(pgpx::observe::query_logger()->level(), spdlog::level::debug);

  // Query log off: notices only, and connections are told not to time statements for us.
  setup(log_level::info, log_format::json);
  hook = pgpx::default_query_hook();
  ASSERT_NE(hook, nullptr);
  EXPECT_FALSE(static_cast<bool>(hook->on_query));
  EXPECT_TRUE(static_cast<bool>(hook->on_notice));
  EXPECT_FALSE(hook->wants_parameters);

  // Trace turns the query log on, with parameters.
  setup(log_level::trace, log_format::json);
  hook = pgpx::default_query_hook();
  ASSERT_NE(hook, nullptr);
  EXPECT_TRUE(static_cast<bool>(hook->on_query));
  EXPECT_TRUE(hook->wants_parameters);

  setup(log_level::off, log_format::json, true);
  EXPECT_EQ(pgpx::default_query_hook(), nullptr);
}

TEST_F(log_test, LeavesAnApplicationHookAloneWhenTurningOff) {
  auto mine = std::make_shared<pgpx::query_hook>();
  pgpx::set_default_query_hook(mine);
  setup(log_level::off, log_format::text);
  EXPECT_EQ(pgpx::default_query_hook(), mine);
}

TEST_F(log_test, NoticesGoToTheLogger) {
  setup(log_level::info, log_format::json);
  auto hook = pgpx::default_query_hook();
  ASSERT_NE(hook, nullptr);
  hook->on_notice("WARNING", "there is no transaction in progress");
  hook->on_notice("NOTICE", "table \"t\" does not exist, skipping");
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2U) << out.str();
  const auto a = nlohmann::json::parse(lines[0]);
  const auto b = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(a["level"], "warn");
  EXPECT_EQ(a["msg"], "WARNING: there is no transaction in progress");
  EXPECT_EQ(b["level"], "info");
  EXPECT_EQ(b["source"], "server");
}

TEST_F(log_test, CustomSink) {
  std::ostringstream mine;
  log_options o;
  o.level = log_level::info;
  o.format = log_format::json;
  o.sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(mine, true);
  pgpx::observe::setup_logging(o);
  pgpx::observe::logger()->info("to my sink");
  EXPECT_THAT(mine.str(), HasSubstr("\"msg\":\"to my sink\""));
  EXPECT_TRUE(out.str().empty());
}

}  // namespace

// setup_logging chains with the application's hook: both see every statement and notice,
// and setting logging up again (or turning it off) replaces only the logging part.
TEST_F(log_test, ChainsWithAnApplicationHook) {
  int queries = 0;
  int notices = 0;
  auto mine = std::make_shared<pgpx::query_hook>();
  mine->on_query = [&](const pgpx::query_event&) { ++queries; };
  mine->on_notice = [&](std::string_view, std::string_view) { ++notices; };
  pgpx::set_default_query_hook(mine);

  setup(log_level::debug, log_format::json, /*queries=*/true);
  auto hook = pgpx::default_query_hook();
  ASSERT_NE(hook, nullptr);
  ASSERT_NE(hook, mine);
  pgpx::query_event ev;
  ev.sql = "select 1";
  hook->on_query(ev);
  hook->on_notice("NOTICE", "hello");
  EXPECT_EQ(queries, 1);
  EXPECT_EQ(notices, 1);
  EXPECT_THAT(out.str(), HasSubstr("select 1"));
  EXPECT_THAT(out.str(), HasSubstr("hello"));

  // Again, with the query log off: the application's hook is still there, once.
  setup(log_level::info, log_format::json);
  hook = pgpx::default_query_hook();
  ASSERT_NE(hook, nullptr);
  ASSERT_TRUE(static_cast<bool>(hook->on_query));
  hook->on_query(ev);
  EXPECT_EQ(queries, 2);

  // Off: the application's own hook is the default again.
  setup(log_level::off, log_format::json);
  EXPECT_EQ(pgpx::default_query_hook(), mine);
}
