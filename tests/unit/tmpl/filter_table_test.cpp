// The filter table (src/tmpl/filter_table_impl.hpp) is the one list of filters the checker
// and the renderer share. These tests look inside it (a white-box test: it includes the
// module's private headers) so that a filter known to one side and not the other, a table
// entry without a working implementation, or an undocumented filter fails here.
#include "filter_table_impl.hpp"
#include "render_impl.hpp"
#include "tmpl_test_support.hpp"

#include <pgpx/detail/strings.hpp>

#include <pgpx/tmpl/template.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace pgpx::tmpl;
namespace detail = pgpx::tmpl::detail;

namespace {

struct sample {
  std::string source;  // uses the filter
  std::string vars;    // JSON
  std::string sql;     // expected SQL
  std::string params;  // expected parameters, JSON
};

// One use of every filter, with what it must render. A filter added to the table without a
// sample here fails every_filter_has_a_sample.
const std::map<std::string, sample>& samples() {
  static const std::map<std::string, sample> s = {
      {"type", {R"({{ v | type("int4") }})", R"({"v": 1})", "$1", "[1]"}},
      {"any", {"= any({{ v | any }})", R"({"v": [1]})", "= any($1)", "[[1]]"}},
      {"in", {"in {{ v | in }}", R"({"v": [1, 2]})", "in ($1,$2)", "[1, 2]"}},
      {"values", {R"(values {{ v | values(["a"]) }})", R"({"v": [[1]]})", "values ($1)", "[1]"}},
      {"json", {"{{ v | json }}", R"({"v": {"k": 1}})", "$1::json", R"([{"k": 1}])"}},
      {"jsonb", {"{{ v | jsonb }}", R"({"v": {"k": 1}})", "$1::jsonb", R"([{"k": 1}])"}},
      {"like", {"like {{ v | like }}", R"({"v": "a"})", "like $1", R"(["%a%"])"}},
      {"ident", {"{{ v | ident }}", R"({"v": "a"})", R"("a")", "[]"}},
      {"qident", {"{{ v | qident }}", R"({"v": "s.t"})", R"("s"."t")", "[]"}},
      {"ident_list", {"{{ v | ident_list }}", R"({"v": ["a", "b"]})", R"("a", "b")", "[]"}},
      {"oneof", {R"({{ v | oneof("ASC", "DESC") }})", R"({"v": "asc"})", "ASC", "[]"}},
      {"int_literal", {"{{ v | int_literal(1, 9) }}", R"({"v": 5})", "5", "[]"}},
      {"raw", {"{% set f %}x{% endset %}{{ f | raw }}", "{}", "x", "[]"}},
      {"default", {"{{ missing | default(1) }}", "{}", "$1", "[1]"}},
      {"d", {"{{ missing | d(1) }}", "{}", "$1", "[1]"}},
      {"length", {"{{ v | length }}", R"({"v": "ab"})", "$1", "[2]"}},
      {"count", {"{{ v | count }}", R"({"v": [1, 2, 3]})", "$1", "[3]"}},
      {"lower", {"{{ v | lower }}", R"({"v": "Ab"})", "$1", R"(["ab"])"}},
      {"upper", {"{{ v | upper }}", R"({"v": "Ab"})", "$1", R"(["AB"])"}},
      {"trim", {"{{ v | trim }}", R"({"v": " a "})", "$1", R"(["a"])"}},
      {"replace", {R"({{ v | replace("a", "b") }})", R"({"v": "aa"})", "$1", R"(["bb"])"}},
      {"first", {"{{ v | first }}", R"({"v": [1, 2]})", "$1", "[1]"}},
      {"last", {"{{ v | last }}", R"({"v": [1, 2]})", "$1", "[2]"}},
      {"join", {R"({{ v | join(",") }})", R"({"v": [1, 2]})", "$1", R"(["1,2"])"}},
      {"int", {"{{ v | int }}", R"({"v": "42"})", "$1", "[42]"}},
      {"float", {"{{ v | float }}", R"({"v": "2.5"})", "$1", "[2.5]"}},
      {"string", {"{{ v | string }}", R"({"v": 3})", "$1", R"(["3"])"}},
      {"abs", {"{{ v | abs }}", R"({"v": -3})", "$1", "[3]"}},
      {"reverse", {"{{ v | reverse }}", R"({"v": [1, 2]})", "$1", "[[2, 1]]"}},
      {"list", {"{{ v | list }}", R"({"v": "ab"})", "$1", R"([["a", "b"]])"}},
      {"sort", {"{{ v | sort }}", R"({"v": [2, 1]})", "$1", "[[1, 2]]"}},
      {"map", {R"({{ v | map(attribute="a") }})", R"({"v": [{"a": 1}]})", "$1", "[[1]]"}},
  };
  return s;
}

// The first filter expression of a template, depth first.
auto find_filter_expr(detail::expr& e) -> detail::expr* {
  if (e.kind == detail::expr_kind::filter) return &e;
  for (auto& a : e.args)
    if (auto* f = find_filter_expr(*a)) return f;
  return nullptr;
}
auto find_filter_expr(const detail::body& b) -> detail::expr* {
  for (const auto& n : b) {
    for (const auto& e : n->exprs)
      if (auto* f = find_filter_expr(*e)) return f;
    for (const auto& inner : n->bodies)
      if (auto* f = find_filter_expr(inner)) return f;
  }
  return nullptr;
}

}  // namespace

TEST(tmpl_filter_table, names_are_unique_and_every_entry_is_complete) {
  std::set<std::string_view> names;
  for (const auto& f : detail::filter_table()) {
    EXPECT_TRUE(names.insert(f.name).second) << "defined twice: " << f.name;
    EXPECT_NE(f.apply, nullptr) << f.name;
    EXPECT_NE(f.accepts, 0) << f.name;
    EXPECT_FALSE(f.accepts_text.empty()) << f.name;
    EXPECT_TRUE(f.output == "bound" || f.output == "interpolated" || f.output == "fragment" || f.output == "value")
        << f.name;
    EXPECT_EQ(detail::find_filter(f.name), &f);
  }
  EXPECT_EQ(names.size(), detail::filter_names().size());
  EXPECT_TRUE(std::is_sorted(detail::filter_names().begin(), detail::filter_names().end()));
  EXPECT_EQ(detail::find_filter("safe"), nullptr);
}

TEST(tmpl_filter_table, every_filter_has_a_sample) {
  std::set<std::string> in_table;
  for (const auto& f : detail::filter_table()) in_table.emplace(f.name);
  std::set<std::string> sampled;
  for (const auto& [name, s] : samples()) sampled.insert(name);
  EXPECT_EQ(in_table, sampled);
}

// The checker accepts each filter and stores its table entry; the renderer renders it.
TEST(tmpl_filter_table, every_filter_is_accepted_by_the_checker_and_renders) {
  for (const auto& f : detail::filter_table()) {
    SCOPED_TRACE(std::string(f.name));
    const auto it = samples().find(std::string(f.name));
    ASSERT_NE(it, samples().end());
    const sample& s = it->second;
    std::shared_ptr<const detail::template_impl> t;
    ASSERT_NO_THROW(t = detail::compile_template(s.source, "t", {}));
    const detail::expr* e = find_filter_expr(t->root);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->filter, &f) << "the checker resolved the filter to its table entry";
    const auto q = tmpl_test::render(s.source, vars_from_json(nlohmann::json::parse(s.vars)));
    EXPECT_EQ(q.sql(), s.sql);
    EXPECT_EQ(q.to_json()["params"], nlohmann::ordered_json::parse(s.params));
    // The table's `output` says how the value reaches the SQL: interpolated text binds
    // nothing; bound values, value filters and fragments reach it as placeholders.
    if (f.output == "interpolated") EXPECT_TRUE(q.to_json()["params"].empty());
    else EXPECT_NE(q.sql().find("$1"), std::string::npos) << "output " << f.output;
  }
}

// What a filter does not accept is FilterTypeError with the table's words, for every kind.
TEST(tmpl_filter_table, every_filter_refuses_the_kinds_it_does_not_accept) {
  const std::vector<std::pair<value_kind, std::string>> kinds = {
      {value_kind::null, "null"},      {value_kind::boolean, "true"}, {value_kind::integer, "1"},
      {value_kind::floating, "1.5"},   {value_kind::string, "\"s\""}, {value_kind::list, "[1]"},
      {value_kind::map, R"({"a": 1})"}};
  int refusals = 0;
  for (const auto& f : detail::filter_table()) {
    for (const auto& [kind, json] : kinds) {
      if ((f.accepts & detail::kind_bit(kind)) != 0) continue;
      SCOPED_TRACE(std::string(f.name) + " on " + json);
      const std::string args = f.name == "type" ? "(\"int8\")" : "";
      const auto e = tmpl_test::error_of("{{ v | " + std::string(f.name) + args + " }}",
                                         vars_from_json(nlohmann::json::parse("{\"v\": " + json + "}")));
      ASSERT_TRUE(e);
      EXPECT_EQ(e->code(), errc::filter_type) << e->message();
      EXPECT_EQ(e->brief(), "filter '" + std::string(f.name) + "' needs " + std::string(f.accepts_text) + ", got " +
                                std::string(to_string(kind)));
      ++refusals;
    }
  }
  EXPECT_GT(refusals, 100);
}

TEST(tmpl_filter_table, arguments_are_found_by_position_or_by_the_tables_keyword) {
  const vars v = {{"q", "a_"}, {"n", 5}, {"s", "xax"}, {"xs", std::vector<int>{1, 2}}};
  const auto params_of = [&](const std::string& src) { return tmpl_test::render(src, v).to_json()["params"].dump(); };
  EXPECT_EQ(params_of("{{ q | like('prefix') }}"), params_of("{{ q | like(mode='prefix') }}"));
  EXPECT_EQ(params_of("{{ q | like(mode='prefix') }}"), R"(["a\\_%"])");
  EXPECT_EQ(params_of("{{ s | replace(old='a', new='-') }}"), R"(["x-x"])");
  EXPECT_EQ(params_of("{{ xs | join(d='+') }}"), R"(["1+2"])");
  EXPECT_EQ(params_of("{{ xs | sort(reverse=true) }}"), "[[2,1]]");
  EXPECT_EQ(tmpl_test::sql("{{ n | int_literal(min=1, max=9) }}", v), "5");
  EXPECT_EQ(tmpl_test::error_of("{{ n | int_literal(max=4) }}", v)->brief(), "5 is outside [, 4]");
  // A keyword-only argument is never taken by position.
  EXPECT_EQ(tmpl_test::error_of("{{ xs | map('a') }}", {{"xs", std::vector<int>{}}})->brief(),
            "map takes attribute=\"name\" only");
}

// The checker and the renderer refuse an unknown filter with the same message and place.
TEST(tmpl_filter_table, unknown_filter_is_the_same_error_from_checker_and_renderer) {
  const std::string bad = "select *\nfrom t where a = {{ name | idnet }}";
  std::optional<template_error> from_checker;
  try {
    (void)sql_template::compile(bad, "t");
  } catch (const template_error& e) {
    from_checker = e;
  }
  ASSERT_TRUE(from_checker);
  EXPECT_EQ(from_checker->code(), errc::unknown_filter);
  EXPECT_EQ(from_checker->brief(), "unknown filter 'idnet'; did you mean 'ident'?");
  EXPECT_EQ(from_checker->where().line, 2);
  EXPECT_EQ(from_checker->where().column, 28);

  // The renderer never sees an unknown filter from a checked template, so make one: a
  // checked template whose filter name is then changed, as if the two sides disagreed.
  auto t = detail::compile_template("select *\nfrom t where a = {{ name | ident }}", "t", {});
  auto& m = const_cast<detail::template_impl&>(*t);  // made non-const by compile_template
  m.src = std::make_shared<const detail::source_text>("t", bad);
  detail::expr* e = find_filter_expr(m.root);
  ASSERT_NE(e, nullptr);
  e->name = "idnet";
  e->filter = nullptr;
  const vars v = {{"name", "x"}};
  const render_options o;
  std::optional<template_error> from_renderer;
  try {
    detail::renderer r(o, nullptr, v, t);
    (void)r.run();
  } catch (const template_error& err) {
    from_renderer = err;
  }
  ASSERT_TRUE(from_renderer);
  EXPECT_EQ(from_renderer->code(), from_checker->code());
  EXPECT_EQ(from_renderer->message(), from_checker->message());

  // Without a close name there is no suggestion.
  try {
    (void)sql_template::compile("{{ x | zzzzzzzz }}", "t");
    ADD_FAILURE();
  } catch (const template_error& err) {
    EXPECT_EQ(err.brief(), "unknown filter 'zzzzzzzz'");
  }
}

// docs/templates.md names every filter.
TEST(tmpl_filter_table, every_filter_is_documented) {
  std::ifstream in(PGPX_SOURCE_DIR "/docs/templates.md");
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  for (const auto& f : detail::filter_table()) {
    const std::regex mention("(`|\\| )" + std::string(f.name) + "[`( ]");
    EXPECT_TRUE(std::regex_search(doc, mention)) << "docs/templates.md does not mention filter " << f.name;
  }
}

// `| length` counts characters by pgpx::detail::utf8_length; `| list`, `| reverse`, `| last`
// and indexing split by the same rule, also for malformed UTF-8 (truncated or stray bytes).
TEST(tmpl_filter_table, character_filters_agree_on_the_number_of_characters) {
  for (const std::string& s :
       {std::string("h\xC3\xA9llo \xE2\x82\xAC"),
        std::string("\xF0"
                    "ab"),
        std::string("\x80\x80x\xC3\xA9"), std::string("a\xE2\x82"), std::string("\xC3\xA9\xA9\xA9z")}) {
    const vars v = {{"s", s}};
    const auto count = [&](const std::string& src) { return tmpl_test::render(src, v).to_json()["params"][0]; };
    const auto n = pgpx::detail::utf8_length(s);
    EXPECT_EQ(count("{{ s | length }}"), n) << s.size() << " bytes";
    EXPECT_EQ(count("{{ s | list | length }}"), n) << s.size() << " bytes";
    EXPECT_EQ(count("{{ s | reverse | list | length }}"), n) << s.size() << " bytes";
    EXPECT_EQ(count("{{ s[-1] | length }}"), 1) << s.size() << " bytes";  // indexing splits alike
    EXPECT_EQ(count("{{ s | last | length }}"), 1) << s.size() << " bytes";
  }
}
