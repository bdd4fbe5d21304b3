// Differential tests against Jinja2 itself (python3-jinja2 is the oracle).
//
// Each case is rendered twice: by Jinja2 (StrictUndefined, the same options and the same
// included templates) and by pgpx. pgpx binds every value, so its SQL is turned back into
// text by replacing each $n with Python's str() of parameter n; the two texts must be equal.
// A case that Jinja2 rejects must be rejected by pgpx too. All cases go to one python3 run.
#include <pgpx/tmpl/template.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

using namespace pgpx::tmpl;

namespace {

struct diff_case {
  std::string name;
  std::string source;
  std::string vars = "{}";
  std::map<std::string, std::string> templates = {};
  bool trim_blocks = false;
  bool lstrip_blocks = false;
};

// Every control-flow construct, expressions, filters and tests (the Jinja subset pgpx keeps).
const std::vector<diff_case>& cases() {
  static const std::vector<diff_case> c = {
      // if / elif / else
      {"if_true", "{% if a %}yes{% endif %}", R"({"a": 1})"},
      {"if_false", "{% if a %}yes{% endif %}end", R"({"a": 0})"},
      {"if_else", "{% if a %}yes{% else %}no{% endif %}", R"({"a": ""})"},
      {"if_elif_chain",
       "{% for x in xs %}{% if x < 0 %}neg{% elif x == 0 %}zero{% elif x < 10 %}small{% else %}big{% endif %};{% endfor %}",
       R"({"xs": [-5, 0, 3, 12]})"},
      {"if_nested", "{% if a %}{% if b %}ab{% else %}a{% endif %}{% else %}{% if b %}b{% endif %}{% endif %}",
       R"({"a": true, "b": false})"},
      {"if_truthiness", "{% for v in vals %}{% if v %}T{% else %}F{% endif %}{% endfor %}",
       R"({"vals": [0, 1, "", "x", [], [0], {}, {"a": 1}, null, 0.0, 0.5, false, true]})"},
      {"if_strict_undefined", "{% if nope %}x{% endif %}"},
      // for
      {"for_basic", "{% for x in xs %}[{{ x }}] {% endfor %}", R"({"xs": [1, "two", 3.5]})"},
      {"for_loop_vars",
       "{% for x in xs %}{{ loop.index }} {{ loop.index0 }} {{ loop.revindex }} {{ loop.revindex0 }} {{ loop.first }} {{ loop.last }} {{ loop.length }}|{% endfor %}",
       R"({"xs": ["a", "b", "c"]})"},
      {"for_else_empty", "{% for x in xs %}{{ x }} {% else %}empty{% endfor %}", R"({"xs": []})"},
      {"for_else_not_taken", "{% for x in xs %}{{ x }} {% else %}empty{% endfor %}", R"({"xs": [1]})"},
      {"for_filter", "{% for x in xs if x is odd %}{{ loop.index }}:{{ x }} {% else %}none{% endfor %}",
       R"({"xs": [1, 2, 3, 4, 5]})"},
      {"for_filter_all_out", "{% for x in xs if x > 10 %}{{ x }} {% else %}none{% endfor %}", R"({"xs": [1, 2]})"},
      {"for_unpack", "{% for a, b in pairs %}{{ a }}={{ b }} {% endfor %}", R"({"pairs": [["x", 1], ["y", 2]]})"},
      {"for_over_map_keys", "{% for k in m %}{{ k }} {% endfor %}", R"({"m": {"b": 1, "a": 2, "c": 3}})"},
      {"for_over_string", "{% for ch in s %}<{{ ch }}> {% endfor %}", R"({"s": "héllo"})"},
      {"for_nested_loops",
       "{% for a in xs %}{% for b in ys %}{{ loop.index }}.{{ a }} - {{ b }} {% endfor %}/{{ loop.index }} {% endfor %}",
       R"({"xs": [1, 2], "ys": ["p", "q"]})"},
      {"for_range", "{% for i in range(3) %}{{ i }} {% endfor %}{% for i in range(10, 0, -3) %}{{ i }} {% endfor %}"},
      {"for_previtem_nextitem",
       "{% for x in xs %}{% if not loop.first %}{{ loop.previtem }}<{% endif %}{{ x }}{% if not loop.last %}>{{ loop.nextitem }}{% endif %} {% endfor %}",
       R"({"xs": [1, 2, 3]})"},
      {"for_scope_does_not_leak",
       "{% set y = 0 %}{% for i in [1, 2] %}{{ y }} {% set y = i %}{{ y }} {% endfor %}{{ y }}"},
      {"for_loop_variable_gone_after", "{% for i in [1] %}{% endfor %}{{ i }}"},
      {"for_over_number_fails", "{% for i in 5 %}{% endfor %}"},
      // set
      {"set_inline", "{% set a = 1 %}{% set b = a + 1 %}{{ a }} {{ b }}"},
      {"set_tuple", "{% set a, b = 'x', 'y' %}{{ b }} {{ a }}"},
      {"set_block", "{% set frag %}inner {{ v }} text{% endset %}[{{ frag }}] [{{ frag }}]", R"({"v": 7})"},
      {"set_in_if_leaks", "{% if true %}{% set z = 5 %}{% endif %}{{ z }}"},
      {"set_shadows_var", "{{ a }} {% set a = 'local' %}{{ a }}", R"({"a": "outer"})"},
      // macros and call blocks
      {"macro_basic",
       "{% macro greet(name, punct='!') %}hi {{ name }} {{ punct }}{% endmacro %}{{ greet('bob') }} / {{ greet('al', '?') }} / {{ greet(punct='.', name='x') }}"},
      {"macro_reads_globals", "{% macro m() %}v={{ v }}{% endmacro %}{{ m() }}", R"({"v": 3})"},
      {"macro_default_uses_earlier_arg", "{% macro m(a, b=a * 2) %}{{ a }} {{ b }}{% endmacro %}{{ m(4) }}"},
      {"macro_recursion",
       "{% macro count(n) %}{{ n }} {% if n > 0 %}{{ count(n - 1) }}{% endif %}{% endmacro %}{{ count(3) }}"},
      {"macro_output_in_expression", "{% macro m() %}abc{% endmacro %}{% set x = m() %}{{ x }} {{ x }}"},
      {"call_block",
       "{% macro box(title) %}<{{ title }}> {{ caller() }} </{{ title }}>{% endmacro %}{% call box('b') %}body {{ v }}{% endcall %}",
       R"({"v": 1})"},
      {"call_block_args",
       "{% macro each(xs) %}{% for x in xs %}{{ caller(x, loop.index) }} {% endfor %}{% endmacro %}{% call(item, i) each(['a', 'b']) %}{{ i }}:{{ item }}{% endcall %}"},
      {"macro_too_many_args", "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"},
      // include / import / from
      {"include_with_context", "A {% include 'part' %} B", R"({"v": "val"})", {{"part", "part sees {{ v }}"}}},
      {"include_sees_loop_vars", "{% for x in [1, 2] %}{% include 'p' %} {% endfor %}", "{}", {{"p", "x={{ x }}"}}},
      {"include_without_context_fails",
       "{% include 'part' without context %}",
       R"({"v": "val"})",
       {{"part", "{{ v }}"}}},
      {"include_ignore_missing", "a{% include 'nope' ignore missing %}b"},
      {"include_missing_fails", "a{% include 'nope' %}b"},
      {"include_set_does_not_leak", "{% include 'p' %}{{ z }}", "{}", {{"p", "{% set z = 1 %}"}}},
      {"import_as",
       "{% import 'lib' as lib %}{{ lib.twice(4) }} {{ lib.name }}",
       "{}",
       {{"lib", "{% macro twice(n) %}{{ n * 2 }}{% endmacro %}{% set name = 'L' %}"}}},
      {"from_import",
       "{% from 'lib' import twice, name as nm %}{{ twice(5) }} {{ nm }}",
       "{}",
       {{"lib", "{% macro twice(n) %}{{ n * 2 }}{% endmacro %}{% set name = 'L' %}"}}},
      {"import_without_context",
       "{% import 'lib' as lib %}{{ lib.show() }}",
       R"({"v": 1})",
       {{"lib", "{% macro show() %}{{ v }}{% endmacro %}"}}},
      // extends / block / super
      {"extends_basic",
       "{% extends 'base' %}{% block body %}child {{ v }}{% endblock %}",
       R"({"v": 1})",
       {{"base", "head [{% block body %}default{% endblock %}] tail"}}},
      {"extends_default_block",
       "{% extends 'base' %}",
       "{}",
       {{"base", "head [{% block body %}default{% endblock %}] tail"}}},
      {"extends_super",
       "{% extends 'base' %}{% block body %}<{{ super() }}>{% endblock %}",
       "{}",
       {{"base", "[{% block body %}default{% endblock %}]"}}},
      {"extends_three_levels",
       "{% extends 'mid' %}{% block a %}leaf+{{ super() }}{% endblock %}",
       "{}",
       {{"base", "{% block a %}base-a{% endblock %} {% block b %}base-b{% endblock %}"},
        {"mid", "{% extends 'base' %}{% block a %}mid+{{ super() }}{% endblock %}{% block b %}mid-b{% endblock %}"}}},
      {"extends_child_set_visible", "{% extends 'base' %}{% set title = 'T' %}", "{}", {{"base", "title={{ title }}"}}},
      {"block_in_plain_template", "a {% block x %}inside {{ v }}{% endblock %} b", R"({"v": 2})"},
      {"block_in_loop_cannot_see_loop_var", "{% for i in [1] %}{% block x %}{{ i }}{% endblock %}{% endfor %}"},
      // whitespace control, raw, comments
      {"ws_minus", "a  {%- if true -%}  b  {%- endif -%}  c =\n  {{- v -}}  \n;", R"({"v": 1})"},
      {"ws_comment_minus", "x {#- hidden -#} y"},
      {"ws_lines", "select\n{% if a %}\n  a,\n{% endif %}\n  b\nfrom t\n", R"({"a": true})"},
      {"trim_lstrip", "select\n  {% if a %}\n  a,\n  {% endif %}\n  b\n", R"({"a": true})", {}, true, true},
      {"trim_only", "x\n{% if a %}\ny\n{% endif %}\nz", R"({"a": true})", {}, true, false},
      {"lstrip_plus_disables", "x\n  {%+ if a %}y{% endif %}", R"({"a": 1})", {}, false, true},
      {"raw_block", "{% raw %}{{ not }} {% evaluated %}{% endraw %} {{ v }}", R"({"v": 1})"},
      {"raw_with_ws_control", "a {%- raw -%}  {{ x }}  {%- endraw -%} b"},
      {"comment", "a{# {{ ignored }} #}b"},
      {"trailing_newline_dropped", "line\n"},
      // expressions
      {"arith",
       "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** 3 ** 2 }} {{ 10 - 2 - 3 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 2.0 * 3 }}"},
      {"unary", "{{ -x }} {{ +x }} {{ - -x }} {{ not x }}", R"({"x": 3})"},
      {"concat", "{{ 'a' ~ 1 ~ none ~ true ~ 1.5 }} {{ 'n=' ~ 2 * 3 }} {{ ('a' ~ 'b') | upper }}"},
      {"concat_precedence", "{{ 1 + 2 ~ 3 }}"},
      {"compare_chain",
       "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 2 >= 2 }}"},
      {"membership", "{{ 2 in xs }} {{ 5 not in xs }} {{ 'ell' in 'hello' }} {{ 'k' in m }} {{ 'z' in m }}",
       R"({"xs": [1, 2], "m": {"k": 1}})"},
      {"and_or_values", "{{ a or 'd' }} {{ a and 'x' }} {{ b or 'd' }} {{ b and 'x' }} {{ not a and b }}",
       R"({"a": "", "b": "bee"})"},
      {"ternary", "{{ 'yes' if a else 'no' }} {{ 'y' if b else 'n' if c else 'z' }}", R"({"a": 1, "b": 0, "c": 0})"},
      {"literals",
       "{{ [1, 'two', [3]] | string }} {{ {'k': 'v', 'n': [1]} | string }} {{ [1, 2] }} {{ ['a', 'b'] }} {{ [[1, 2], [3, 4]] }} {{ none }} {{ True }} {{ 'it\\'s' }} {{ \"q\" }}"},
      {"paths", "{{ u.name }} {{ u['name'] }} {{ u.tags[1] }} {{ u.tags.0 }} {{ xs[-1] }} {{ 'abc'[1] }}",
       R"({"u": {"name": "ann", "tags": ["a", "b"]}, "xs": [1, 2, 3]})"},
      {"missing_attribute_fails", "{{ u.nope }}", R"({"u": {"name": "ann"}})"},
      {"string_ops", "{{ 'ab' + 'cd' }} {{ 'ab' * 3 }} {{ [1] + [2] }} {{ [0] * 3 }}"},
      {"division_by_zero_fails", "{{ 1 // 0 }}"},
      // filters
      {"filters_text",
       "{{ s | upper }} {{ s | lower }} {{ '  x  ' | trim }} {{ s | length }} {{ s | replace('l', 'L') }} {{ s | first }} {{ s | last }} {{ s | reverse }} {{ s | list }}",
       R"({"s": "Hello"})"},
      {"filters_lists",
       "{{ xs | length }} {{ xs | first }} {{ xs | last }} {{ xs | join(',') }} {{ xs | join }} {{ xs | reverse | list }} {{ xs | sort }} {{ xs | sort(reverse=true) }} {{ ys | sort }} {{ ys | sort(case_sensitive=true) }}",
       R"({"xs": [3, 1, 2], "ys": ["b", "a", "C", "B"]})"},
      {"filters_numbers",
       "{{ '42' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '2.5' | float }} {{ 2 | float }} {{ -3 | abs }} {{ 42 | string }} {{ 1.5 | string }}"},
      {"filters_default",
       "{{ missing | default('d') }} {{ present | default('d') }} {{ '' | default('e', true) }} {{ none | default('n') }} {{ missing | d('short') }}",
       R"({"present": "p"})"},
      {"filters_map_attribute", "{{ rows | map(attribute='id') | list }} {{ rows | map(attribute='id') | join('+') }}",
       R"({"rows": [{"id": 1}, {"id": 2}]})"},
      {"filter_chain", "{{ xs | sort | reverse | join('-') | upper }}", R"({"xs": ["b", "a", "c"]})"},
      // tests
      {"tests",
       "{{ a is defined }} {{ nope is defined }} {{ nope is undefined }} {{ n is none }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 'x' is string }} {{ 1 is number }} {{ 1.5 is number }} {{ m is mapping }} {{ xs is sequence }} {{ 's' is sequence }} {{ 1 is sequence }} {{ a is not none }} {{ true is boolean }} {{ 1 is integer }} {{ 1.0 is float }}",
       R"({"a": 1, "n": null, "m": {}, "xs": []})"},
      {"tests_compare",
       "{{ 3 is eq 3 }} {{ 3 is ne 3 }} {{ 2 is lt 3 }} {{ 3 is ge 3 }} {{ 2 is in [1, 2] }} {{ 'AB' is upper }} {{ 'ab' is lower }}"},
  };
  return c;
}

constexpr const char* oracle_script = R"PY(
import json, sys
import jinja2
cases = json.load(open(sys.argv[1], encoding="utf-8"))
out = []
for c in cases:
    env = jinja2.Environment(loader=jinja2.DictLoader(c["templates"]), undefined=jinja2.StrictUndefined,
                             trim_blocks=c["trim_blocks"], lstrip_blocks=c["lstrip_blocks"], autoescape=False)
    try:
        out.append({"text": env.from_string(c["source"]).render(**c["vars"])})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
json.dump(out, open(sys.argv[2], "w", encoding="utf-8"))
)PY";

auto temp_path(const std::string& leaf) -> std::filesystem::path {
  return std::filesystem::temp_directory_path() / ("pgpx-jinja-" + std::to_string(::getpid()) + "-" + leaf);
}

// Runs every case through Jinja2 once; empty when python3 with jinja2 is not available.
auto oracle() -> const std::optional<nlohmann::json>& {
  static const std::optional<nlohmann::json> results = []() -> std::optional<nlohmann::json> {
    nlohmann::json in = nlohmann::json::array();
    for (const auto& c : cases())
      in.push_back({{"source", c.source},
                    {"vars", nlohmann::json::parse(c.vars)},
                    {"templates", c.templates},
                    {"trim_blocks", c.trim_blocks},
                    {"lstrip_blocks", c.lstrip_blocks}});
    const auto script = temp_path("oracle.py"), cases_file = temp_path("cases.json"), out_file = temp_path("out.json");
    std::ofstream(script) << oracle_script;
    std::ofstream(cases_file) << in.dump();
    const std::string cmd = "python3 " + script.string() + " " + cases_file.string() + " " + out_file.string();
    const int rc = std::system(cmd.c_str());
    std::optional<nlohmann::json> out;
    if (rc == 0) {
      std::ifstream f(out_file);
      out = nlohmann::json::parse(f);
    }
    std::filesystem::remove(script);
    std::filesystem::remove(cases_file);
    std::filesystem::remove(out_file);
    return out;
  }();
  return results;
}

// pgpx's SQL with each $n replaced by Python's str() of parameter n.
auto as_text(const rendered_query& q) -> std::string {
  std::string out;
  const std::string& s = q.sql();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
      std::size_t j = i + 1;
      std::size_t n = 0;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') n = n * 10 + static_cast<std::size_t>(s[j++] - '0');
      out += python_str(q.params().at(n - 1));
      i = j - 1;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Jinja2 is a declared dependency (python3-jinja2 in scripts/run): in CI its absence fails
// the test instead of skipping it; locally the test is skipped and says why.
auto ci() -> bool {
  const char* v = std::getenv("CI");
  return v != nullptr && std::string(v) == "true";
}
#define PGPX_NEED_ORACLE(results)                                                          \
  do {                                                                                     \
    if (!(results)) {                                                                      \
      if (ci()) FAIL() << "python3 with jinja2 is not available (install python3-jinja2)"; \
      GTEST_SKIP() << "python3 with jinja2 is not available";                              \
    }                                                                                      \
  } while (false)

class jinja_diff : public ::testing::TestWithParam<std::size_t> {};

TEST_P(jinja_diff, same_output_as_jinja2) {
  const auto& results = oracle();
  PGPX_NEED_ORACLE(results);
  const diff_case& c = cases()[GetParam()];
  const auto& want = (*results)[GetParam()];
  memory_loader l;
  for (const auto& [name, src] : c.templates) l.add(name, src);
  syntax_options s;
  s.trim_blocks = c.trim_blocks;
  s.lstrip_blocks = c.lstrip_blocks;
  std::string got;
  std::string error;
  try {
    const auto t = sql_template::compile(c.source, c.name, s);
    got = as_text(t.render(vars_from_json(nlohmann::json::parse(c.vars)), {}, &l));
  } catch (const template_error& e) {
    error = e.message();
  }
  if (want.contains("error")) {
    EXPECT_FALSE(error.empty()) << "Jinja2 fails (" << want["error"].get<std::string>()
                                << ") but pgpx rendered: " << got;
  } else {
    EXPECT_TRUE(error.empty()) << "pgpx fails but Jinja2 renders '" << want["text"].get<std::string>() << "':\n"
                               << error;
    EXPECT_EQ(got, want["text"].get<std::string>()) << c.source;
  }
}

INSTANTIATE_TEST_SUITE_P(constructs, jinja_diff, ::testing::Range<std::size_t>(0, cases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& p) { return cases()[p.param].name; });

TEST(jinja_diff_oracle, ran_every_case) {
  const auto& results = oracle();
  PGPX_NEED_ORACLE(results);
  EXPECT_EQ(results->size(), cases().size());
  // The oracle really renders: a known case has Jinja's own output.
  EXPECT_EQ((*results)[0]["text"], "yes");
}

}  // namespace
