#include <pgpx/error.hpp>
#include <pgpx/observe/log.hpp>
#include <pgpx/observe/query_log.hpp>
#include <pgpx/types.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using pgpx::observe::infer_parameter_names;
using pgpx::observe::make_query_log_hook;
using pgpx::observe::query_log_options;
using strings = std::vector<std::string>;
using testing::HasSubstr;
using testing::Not;

// A logger writing JSON lines into a string.
struct captured_log {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> logger;

  explicit captured_log(spdlog::level::level_enum level = spdlog::level::debug,
                        pgpx::log_format format = pgpx::log_format::json) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out, true);
    sink->set_formatter(pgpx::observe::make_formatter(format));
    logger = std::make_shared<spdlog::logger>("test.sql", sink);
    logger->set_level(level);
  }
  auto lines() const -> std::vector<nlohmann::json> {
    std::vector<nlohmann::json> result;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) result.push_back(nlohmann::json::parse(line));
    return result;
  }
};

auto params_with_text() -> pgpx::param_list {
  pgpx::param_list p;
  p.capture_text(true);
  return p;
}

TEST(query_log, LogsStatementWithFields) {
  captured_log log;
  auto hook = make_query_log_hook(query_log_options{false, false, log.logger});
  EXPECT_FALSE(hook->wants_parameters);
  auto p = params_with_text();
  p.add(std::int64_t{7});
  pgpx::query_event e;
  e.sql = "select * from users where id = $1";
  e.params = &p;
  e.duration = 1234567ns;
  e.rows = 1;
  e.prepared = true;
  hook->on_query(e);
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1U) << log.out.str();
  const auto& j = lines[0];
  EXPECT_EQ(j["level"], "debug");
  EXPECT_EQ(j["msg"], "query");
  EXPECT_EQ(j["sql"], "select * from users where id = $1");
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 1.234);
  EXPECT_EQ(j["rows"], 1);
  EXPECT_EQ(j["prepared"], true);
  EXPECT_FALSE(j.contains("params"));  // parameters not enabled
  EXPECT_FALSE(j.contains("error"));
}

TEST(query_log, NothingBelowDebug) {
  captured_log log(spdlog::level::info);
  auto hook = make_query_log_hook(query_log_options{true, false, log.logger});
  pgpx::query_event e;
  e.sql = "select 1";
  hook->on_query(e);
  EXPECT_TRUE(log.out.str().empty());
}

TEST(query_log, MasksSecretNamedParameters) {
  captured_log log;
  auto hook = make_query_log_hook(query_log_options{true, false, log.logger});
  EXPECT_TRUE(hook->wants_parameters);
  auto p = params_with_text();
  p.add(std::string("ada@example.org")).add(std::string("hunter22")).add_null();
  pgpx::query_event e;
  e.sql = "insert into users (email, password, bio) values ($1, $2, $3)";
  e.params = &p;
  hook->on_query(e);
  const auto j = log.lines().at(0);
  EXPECT_EQ(j["params"], nlohmann::json::parse(R"(["ada@example.org", "********", null])"));
  EXPECT_THAT(log.out.str(), Not(HasSubstr("hunter22")));
}

TEST(query_log, ShowsSecretsWhenAsked) {
  captured_log log;
  auto hook = make_query_log_hook(query_log_options{true, true, log.logger});
  auto p = params_with_text();
  p.add(std::string("tok-123"));
  pgpx::query_event e;
  e.sql = "select * from sessions where \"token\" = $1";
  e.params = &p;
  hook->on_query(e);
  EXPECT_EQ(log.lines().at(0)["params"], nlohmann::json::parse(R"(["tok-123"])"));
}

TEST(query_log, NamesGivenByTheCallerWin) {
  captured_log log;
  auto hook = make_query_log_hook(query_log_options{true, false, log.logger});
  auto p = params_with_text();
  p.add(std::string("visible")).name_last("email");
  p.add(std::string("S3cretKey")).name_last("api_key");
  pgpx::query_event e;
  e.sql = "select f($1, $2)";  // nothing to infer from
  e.params = &p;
  hook->on_query(e);
  EXPECT_EQ(log.lines().at(0)["params"], nlohmann::json::parse(R"(["visible", "********"])"));
}

TEST(query_log, TraceLevelShowsParametersAnyway) {
  captured_log log(spdlog::level::trace);
  auto hook = make_query_log_hook(query_log_options{false, false, log.logger});
  EXPECT_TRUE(hook->wants_parameters);
  auto p = params_with_text();
  p.add(std::string("x"));
  pgpx::query_event e;
  e.sql = "select $1";
  e.params = &p;
  hook->on_query(e);
  EXPECT_EQ(log.lines().at(0)["params"], nlohmann::json::parse(R"(["x"])"));
}

TEST(query_log, FailedStatementLogsErrorWithoutSecretValues) {
  captured_log log;
  auto hook = make_query_log_hook(query_log_options{true, false, log.logger});
  auto p = params_with_text();
  p.add(std::string("bob")).add(std::string("Pa55word!"));
  pgpx::error_info info;
  info.sqlstate = "23505";
  info.detail = "Key (login, password)=(bob, Pa55word!) already exists.";
  const pgpx::sql_error err("duplicate key value violates unique constraint \"u\"", info);
  pgpx::query_event e;
  e.sql = "insert into accounts (login, password) values ($1, $2)";
  e.params = &p;
  e.failure = &err;
  e.duration = 2ms;
  hook->on_query(e);
  const auto j = log.lines().at(0);
  EXPECT_EQ(j["msg"], "query failed");
  EXPECT_EQ(j["sqlstate"], "23505");
  EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("duplicate key value"));
  EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("(bob, ********)"));
  EXPECT_THAT(log.out.str(), Not(HasSubstr("Pa55word!")));
}

TEST(query_log, WithoutCapturedTextsNoParams) {
  captured_log log;
  auto hook = make_query_log_hook(query_log_options{true, false, log.logger});
  pgpx::param_list p;  // capture_text off
  p.add(std::string("v"));
  pgpx::query_event e;
  e.sql = "select $1";
  e.params = &p;
  hook->on_query(e);
  EXPECT_FALSE(log.lines().at(0).contains("params"));
}

TEST(query_log, LongValuesAreShortened) {
  auto p = params_with_text();
  p.add(std::string(5000, 'a'));
  const auto shown = pgpx::observe::loggable_parameters("select $1", p, false);
  ASSERT_EQ(shown.size(), 1U);
  EXPECT_LT(shown[0].get<std::string>().size(), 1100U);
  EXPECT_THAT(shown[0].get<std::string>(), HasSubstr("(5000 bytes)"));
}

TEST(query_log, TextFormatLine) {
  captured_log log(spdlog::level::debug, pgpx::log_format::text);
  auto hook = make_query_log_hook(query_log_options{true, false, log.logger});
  auto p = params_with_text();
  p.add(std::string("s3cr3t"));
  pgpx::query_event e;
  e.sql = "update users set password = $1";
  e.params = &p;
  e.rows = 4;
  hook->on_query(e);
  const auto text = log.out.str();
  EXPECT_THAT(text, HasSubstr("DEBUG query "));
  EXPECT_THAT(text, HasSubstr("rows=4"));
  EXPECT_THAT(text, HasSubstr("params=[\"********\"]"));
  EXPECT_THAT(text, HasSubstr("sql=\"update users set password = $1\""));
  EXPECT_THAT(text, Not(HasSubstr("s3cr3t")));
}

TEST(query_log, HookNeverThrows) {
  captured_log log;
  auto hook = make_query_log_hook(query_log_options{true, false, log.logger});
  auto p = params_with_text();
  p.check_utf8(false);  // param_list refuses invalid UTF-8 by default; another client encoding may carry it
  p.add(std::string("\xff\xfe invalid utf8"));
  pgpx::query_event e;
  e.sql = "select \xc3( $1";
  e.params = &p;
  EXPECT_NO_THROW(hook->on_query(e));
  EXPECT_NO_THROW(hook->on_notice("NOTICE", "\xff"));
}

// ---- infer_parameter_names ----------------------------------------------------------------

TEST(infer_parameter_names, Comparisons) {
  EXPECT_EQ(infer_parameter_names("select * from u where email = $1 and password = $2", 2),
            (strings{"email", "password"}));
  EXPECT_EQ(infer_parameter_names("select * from s where \"token\" = $1", 1), (strings{"token"}));
  EXPECT_EQ(infer_parameter_names("select * from s where \"Api Key\"=$1", 1), (strings{"Api Key"}));
  EXPECT_EQ(infer_parameter_names("select f(col := $1, other => $2)", 2), (strings{"col", "other"}));
  EXPECT_EQ(infer_parameter_names("select * from u where u.password <> $1::text", 1), (strings{"password"}));
  EXPECT_EQ(infer_parameter_names("select * from u where $1 = u.secret_hash", 1), (strings{"secret_hash"}));
  EXPECT_EQ(infer_parameter_names("select * from u where name::text = $1", 1), (strings{"name"}));
  EXPECT_EQ(infer_parameter_names("select * from u where a >= $1 and b<$2 and c != $3", 3), (strings{"a", "b", "c"}));
  EXPECT_EQ(infer_parameter_names("select * from u where name ilike $1 and bio not like $2", 2),
            (strings{"name", "bio"}));
  EXPECT_EQ(infer_parameter_names("update users set password = $2, updated_at = now() where id = $1", 2),
            (strings{"id", "password"}));
  EXPECT_EQ(infer_parameter_names("select * from t where status in ($1, $2) and id not in ($3)", 3),
            (strings{"status", "status", "id"}));
  EXPECT_EQ(infer_parameter_names("SELECT * FROM T WHERE PassWord = $1", 1), (strings{"password"}));
}

TEST(infer_parameter_names, Inserts) {
  EXPECT_EQ(infer_parameter_names("insert into t (email, password) values ($1, $2)", 2),
            (strings{"email", "password"}));
  EXPECT_EQ(infer_parameter_names("INSERT INTO app.users AS u (\"Email\", pwd) VALUES ($2, $1) RETURNING id", 2),
            (strings{"pwd", "Email"}));
  EXPECT_EQ(infer_parameter_names("insert into t (a, b) values ($1, $2), ($3, $4)", 4), (strings{"a", "b", "a", "b"}));
  EXPECT_EQ(infer_parameter_names("insert into t (a, hash, c) values ($1, crypt($2, gen_salt('bf')), now())", 2),
            (strings{"a", "hash"}));
  EXPECT_EQ(infer_parameter_names("insert into t (a, b) overriding system value values ($1, $2)", 2),
            (strings{"a", "b"}));
  EXPECT_EQ(infer_parameter_names("insert into t values ($1, $2)", 2), (strings{"", ""}));
  EXPECT_EQ(infer_parameter_names("insert into t (a, b) select $1, $2", 2), (strings{"", ""}));
  EXPECT_EQ(infer_parameter_names("with x as (select 1) insert into t (token) values ($1) on conflict (token) do "
                                  "update set token = $1",
                                  1),
            (strings{"token"}));
}

TEST(infer_parameter_names, SkipsLiteralsCommentsAndQuotedText) {
  EXPECT_EQ(infer_parameter_names("select 'password = $1' , x = $1", 1), (strings{"x"}));
  EXPECT_EQ(infer_parameter_names("select 'it''s', y = $1", 1), (strings{"y"}));
  EXPECT_EQ(infer_parameter_names("select E'\\' password = $1', z = $1", 1), (strings{"z"}));
  EXPECT_EQ(infer_parameter_names("select $$ password = $1 $$, w = $1", 1), (strings{"w"}));
  EXPECT_EQ(infer_parameter_names("select $fn$ password = $1 $fn$, v = $1", 1), (strings{"v"}));
  EXPECT_EQ(infer_parameter_names("select 1 -- password = $1\n where u = $1", 1), (strings{"u"}));
  EXPECT_EQ(infer_parameter_names("select 1 /* password = $1 /* nested */ still */ where t = $1", 1), (strings{"t"}));
  EXPECT_EQ(infer_parameter_names("select \"weird = $1\" from t where q = $1", 1), (strings{"q"}));
}

TEST(infer_parameter_names, SecretNameWinsWhenAParameterHasSeveral) {
  EXPECT_EQ(infer_parameter_names("select * from u where login = $1 or password = $1", 1), (strings{"password"}));
  EXPECT_EQ(infer_parameter_names("select * from u where password = $1 or login = $1", 1), (strings{"password"}));
}

TEST(infer_parameter_names, UnknownAndOutOfRange) {
  EXPECT_EQ(infer_parameter_names("select $1, lower($2) = lower(x)", 2), (strings{"", ""}));
  EXPECT_EQ(infer_parameter_names("select * from t where a = $3", 2), (strings{"", ""}));
  EXPECT_EQ(infer_parameter_names("select * from t where $1 = any(arr)", 1), (strings{""}));
  EXPECT_TRUE(infer_parameter_names("select 1", 0).empty());
  EXPECT_EQ(infer_parameter_names("", 1), (strings{""}));
  EXPECT_EQ(infer_parameter_names("where a = $", 1), (strings{""}));
  EXPECT_EQ(infer_parameter_names("'unterminated = $1", 1), (strings{""}));
}

TEST(parameter_names, CombinesGivenAndInferred) {
  pgpx::param_list p;
  p.add(1).add(2).name_last("secret_b");
  EXPECT_EQ(pgpx::observe::parameter_names("select * from t where a = $1 and b = $2", p), (strings{"a", "secret_b"}));
}

}  // namespace
