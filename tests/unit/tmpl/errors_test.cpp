// The error catalogue of spec/templates.md 3.7: every error is a test, with its code,
// template:line:col, the caret snippet and (where there is one) the include/extends stack.
#include "tmpl_test_support.hpp"

#include <pgpx/tmpl/template.hpp>

#include <gtest/gtest.h>

using namespace pgpx::tmpl;
using tmpl_test::error_of;

namespace {

auto json(std::string_view text) -> value { return value(nlohmann::json::parse(text)); }

// Checks code, position and that the message carries the location and a caret.
void expect_error(const std::optional<template_error>& e, errc code, int line, int column,
                  std::string_view fragment = {}) {
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code(), code) << e->message();
  EXPECT_EQ(e->where().line, line) << e->message();
  EXPECT_EQ(e->where().column, column) << e->message();
  EXPECT_EQ(e->kind(), pgpx::error_kind::tmpl);
  if (line > 0) {
    EXPECT_NE(e->snippet().find('^'), std::string::npos) << e->message();
    const std::string loc = e->where().template_name + ":" + std::to_string(line) + ":" + std::to_string(column) +
                            ": " + std::string(to_string(code)) + ": ";
    EXPECT_EQ(e->message().rfind(loc, 0), 0U) << e->message();
  }
  if (!fragment.empty()) {
    EXPECT_NE(e->message().find(fragment), std::string::npos) << e->message();
  }
}

auto compile_error(std::string_view source, std::string name = "t.sql.j2") -> std::optional<template_error> {
  try {
    (void)sql_template::compile(source, std::move(name));
  } catch (const template_error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a compile error";
  return std::nullopt;
}

}  // namespace

// ---- TemplateSyntaxError ----

TEST(tmpl_errors, syntax_unclosed_block) {
  expect_error(compile_error("select\n{% if a %}\nx"), errc::syntax, 2, 1,
               "expected {% elif %} or {% else %} or {% endif %}");
  expect_error(compile_error("{% for x in y %}"), errc::syntax, 1, 1, "{% endfor %}");
  expect_error(compile_error("{% macro m() %}"), errc::syntax, 1, 1, "endmacro");
}

TEST(tmpl_errors, syntax_unexpected_token) {
  expect_error(compile_error("select {{ a + }}"), errc::syntax, 1, 15, "expected an expression, got end of expression");
  expect_error(compile_error("{% if a b %}{% endif %}"), errc::syntax, 1, 9, "expected end of if statement, got 'b'");
  expect_error(compile_error("{{ a ? b }}"), errc::syntax, 1, 6, "unexpected character '?'");
  expect_error(compile_error("{% endif %}"), errc::syntax, 1, 4, "no open block");
  expect_error(compile_error("{% else %}"), errc::syntax, 1, 4, "outside an if or for");
  expect_error(compile_error("{% frobnicate %}"), errc::syntax, 1, 4, "unknown statement 'frobnicate'");
  expect_error(compile_error("{% filter upper %}x{% endfilter %}"), errc::syntax, 1, 4, "not supported");
  expect_error(compile_error("{{ a if b }}"), errc::syntax, 1, 4, "needs an else");
  expect_error(compile_error("{{ a.__class__ }}"), errc::syntax, 1, 6, "starting with _");
  expect_error(compile_error("{{ __x }}"), errc::syntax, 1, 4, "starting with __");
  expect_error(compile_error("{{ a[1:2] }}"), errc::syntax, 1, 7, "slices");
}

TEST(tmpl_errors, syntax_unclosed_tags_strings_comments_raw) {
  expect_error(compile_error("select {{ a "), errc::syntax, 1, 8, "unclosed expression");
  expect_error(compile_error("{% if a "), errc::syntax, 1, 1, "unclosed statement");
  expect_error(compile_error("{{ 'abc }}"), errc::syntax, 1, 4, "unclosed string literal");
  expect_error(compile_error("a\n{# never closed"), errc::syntax, 2, 1, "unclosed comment");
  expect_error(compile_error("{% raw %}{{ x }}"), errc::syntax, 1, 1, "unclosed raw block");
}

TEST(tmpl_errors, syntax_inheritance_structure) {
  expect_error(compile_error("select 1 {% extends 'base' %}"), errc::syntax, 1, 10, "must be the first statement");
  expect_error(compile_error("{% extends 'base' %}\nselect 1"), errc::syntax, 1, 21, "renders only its blocks");
  expect_error(compile_error("{% block a %}{% endblock %}{% block a %}{% endblock %}"), errc::syntax, 1, 28,
               "defined twice");
  expect_error(compile_error("{% block a %}{% endblock b %}"), errc::syntax, 1, 26, "closes block 'a'");
}

TEST(tmpl_errors, syntax_nesting_limits) {
  expect_error(compile_error("{{ " + std::string(300, '(') + "1" + std::string(300, ')') + " }}"), errc::syntax, 1, 132,
               "nested more than 128 levels deep");
  std::string chain = "{{ 1";
  for (int i = 0; i < 200; ++i) chain += " + 1";
  expect_error(compile_error(chain + " }}"), errc::syntax, 1, 4, "nested more than 128 levels deep");
  std::string blocks;
  for (int i = 0; i < 70; ++i) blocks += "{% if x %}";
  for (int i = 0; i < 70; ++i) blocks += "{% endif %}";
  const auto e = compile_error(blocks);
  expect_error(e, errc::syntax, 1, 631, "blocks nested more than 64 levels deep");
  EXPECT_LT(e->snippet().size(), 300U);  // a long line is cut to a window around the caret
  EXPECT_NE(e->snippet().find("..."), std::string::npos);
}

TEST(tmpl_errors, syntax_bad_declaration_header) {
  expect_error(compile_error("{#- pgpx\nparams:\n  a: int9\n-#}{{ a }}"), errc::syntax, 3, 3, "unknown type 'int9'");
  expect_error(compile_error("{#- pgpx\nfoo: 1\n-#}"), errc::syntax, 2, 1, "unknown key 'foo'");
  expect_error(compile_error("{#- pgpx\nreturns: lots\n-#}"), errc::syntax, 2, 1, "is not one of");
  expect_error(compile_error("{#- pgpx\nparams:\n  a: text\n  a: text\n-#}{{ a }}"), errc::syntax, 4, 3,
               "declared twice");
  expect_error(compile_error("{#- pgpx\nname: ../x\n-#}"), errc::syntax, 2, 1, "invalid template name");
}

// ---- UndefinedVariable ----

TEST(tmpl_errors, undefined_variable_with_suggestion) {
  expect_error(error_of("select *\nwhere id = {{ user_idd }}", {{"user_id", 1}}), errc::undefined_variable, 2, 15,
               "'user_idd' is undefined; did you mean 'user_id'?");
  expect_error(error_of("{{ user.emial }}", {{"user", json(R"({"email": "x"})")}}), errc::undefined_variable, 1, 4,
               "'user.emial' is undefined; did you mean 'email'?");
  expect_error(error_of("{% if flag %}x{% endif %}"), errc::undefined_variable, 1, 7, "'flag' is undefined");
  expect_error(error_of("{{ nosuch(1) }}"), errc::undefined_variable, 1, 4, "not a macro or helper");
}

TEST(tmpl_errors, undefined_variable_against_the_declaration) {
  // At compile time: a variable the header does not declare.
  expect_error(compile_error("{#- pgpx\nparams:\n  status: text\n-#}\nwhere s = {{ status }} and t = {{ statuss }}"),
               errc::undefined_variable, 5, 35, "'statuss' is not declared in the pgpx header; did you mean 'status'?");
  const auto t = sql_template::compile("{#- pgpx\nparams:\n  status: text\n-#}{{ status }}");
  // At render time: a required parameter missing, and a variable the header does not know.
  try {
    (void)t.render({});
    ADD_FAILURE();
  } catch (const template_error& e) {
    expect_error(e, errc::undefined_variable, 3, 1, "required parameter 'status' (text) was not given");
  }
  try {
    (void)t.render({{"status", "a"}, {"stauts", "b"}});
    ADD_FAILURE();
  } catch (const template_error& e) {
    expect_error(e, errc::undefined_variable, 1, 1, "'stauts' is not declared");
  }
}

// ---- UnknownFilter / UnknownTest ----

TEST(tmpl_errors, unknown_filter_at_compile_time) {
  expect_error(compile_error("select {{ name | idnet }}"), errc::unknown_filter, 1, 18,
               "unknown filter 'idnet'; did you mean 'ident'?");
  expect_error(compile_error("{{ x | safe }}"), errc::unknown_filter, 1, 8, "unknown filter 'safe'");
}

TEST(tmpl_errors, unknown_test_at_compile_time) {
  expect_error(compile_error("{% if x is defind %}{% endif %}"), errc::unknown_test, 1, 12, "did you mean 'defined'?");
}

// ---- FilterTypeError ----

TEST(tmpl_errors, filter_type_errors) {
  expect_error(error_of("select {{ n | ident }}", {{"n", 42}}), errc::filter_type, 1, 11,
               "filter 'ident' needs a string");
  expect_error(error_of("{{ m }}", {{"m", json(R"({"a": 1})")}}), errc::filter_type, 1, 4, "use {{ m | json }}");
  expect_error(error_of("{{ s | any }}", {{"s", "x"}}), errc::filter_type, 1, 4, "needs a list");
  expect_error(error_of("{{ 1 + 'a' }}"), errc::filter_type, 1, 4, "unsupported operand types for +: int and string");
  expect_error(error_of("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"), errc::filter_type, 1, 34,
               "takes 1 argument, got 2");
  expect_error(error_of("{% macro m(a) %}{% endmacro %}{{ m() }}"), errc::filter_type, 1, 1,
               "needs an argument for 'a'");
  expect_error(error_of("{{ xs }}", {{"xs", json(R"([1, "a"])")}}), errc::filter_type, 1, 4,
               "one kind, not int and string");
}

// ---- InvalidValue ----

TEST(tmpl_errors, invalid_values_are_refused_not_interpolated) {
  expect_error(error_of("order by x {{ d | oneof('ASC', 'DESC') }}", {{"d", "ASC; drop table t"}}), errc::invalid_value,
               1, 15, "is not one of: ASC, DESC");
  expect_error(error_of("limit {{ n | int_literal(1, 100) }}", {{"n", 1000}}), errc::invalid_value, 1, 10,
               "1000 is outside [1, 100]");
  expect_error(error_of("{{ c | ident }}", {{"c", ""}}), errc::invalid_value, 1, 4, "cannot be empty");
  expect_error(error_of("{{ c | ident }}", {{"c", std::string(64, 'x')}}), errc::invalid_value, 1, 4, "63");
  expect_error(error_of("{{ c | ident }}", {{"c", std::string("a\0b", 3)}}), errc::invalid_value, 1, 4, "NUL");
  expect_error(error_of("{{ 1 // 0 }}"), errc::invalid_value, 1, 4, "division by zero");
  expect_error(error_of("{{ c | oneof('a b', 'x;y') }}", {{"c", "x;y"}}), errc::invalid_value, 1, 4,
               "not a plain SQL word");
}

// ---- UnsafeInterpolation ----

TEST(tmpl_errors, raw_refuses_host_strings) {
  expect_error(error_of("select * from t where {{ cond | raw }}", {{"cond", "1=1"}}), errc::unsafe_interpolation, 1, 26,
               "| raw accepts only SQL made by the template");
  expect_error(compile_error("{{ sql(x) }}"), errc::unsafe_interpolation, 1, 4,
               "string literal written in the template");
}

// ---- PlaceholderInLiteral ----

TEST(tmpl_errors, placeholder_in_string_literal_at_compile_time) {
  expect_error(compile_error("select *\nfrom users\nwhere a = 1\n  and name like '%{{ q }}%'", "users/search.sql.j2"),
               errc::placeholder_in_literal, 4, 19,
               "placeholder inside a string literal; use {{ q | like(\"contains\") }} or '%' || {{ q }} || '%'");
  expect_error(compile_error("select E'it\\'s {{ q }}'"), errc::placeholder_in_literal, 1, 16, "string literal");
  expect_error(compile_error("select 'a''{{ q }}'"), errc::placeholder_in_literal, 1, 12, "string literal");
  expect_error(compile_error("select '{{ t | ident }}'"), errc::placeholder_in_literal, 1, 9, "string literal");
}

TEST(tmpl_errors, placeholder_in_comments_dollar_quotes_and_quoted_names) {
  expect_error(compile_error("select 1 -- {{ x }}\n"), errc::placeholder_in_literal, 1, 13, "a -- comment");
  expect_error(compile_error("select /* a /* nested */ {{ x }} */ 1"), errc::placeholder_in_literal, 1, 26,
               "/* */ comment");
  expect_error(compile_error("select $$ {{ x }} $$"), errc::placeholder_in_literal, 1, 11, "dollar-quoted");
  expect_error(compile_error("select $fn$ $$ {{ x }} $fn$"), errc::placeholder_in_literal, 1, 16, "dollar-quoted");
  expect_error(compile_error("select \"{{ x }}\""), errc::placeholder_in_literal, 1, 9,
               "quoted identifier; write {{ x | ident }}");
}

TEST(tmpl_errors, placeholder_contexts_that_are_fine) {
  // $1 params, names with $, closed literals and comments: none of these open a literal.
  EXPECT_NO_THROW((void)tmpl_test::render(
      "select 'a''b', E'\\'', \"q\"\"x\", $t$ ' $t$, a$b$c, 1 -- c\n, /* ' */ {{ x }}", {{"x", 1}}));
}

TEST(tmpl_errors, placeholder_in_literal_caught_when_rendering) {
  // The quote comes from a fragment, so only the render-time check can see it.
  expect_error(error_of("{% set q %}'{% endset %}select {{ q }}{{ x }}'", {{"x", 1}}), errc::placeholder_in_literal, 1,
               42, "placeholder inside a string literal");
  memory_loader l;
  l.add("open", "select '");
  const auto e = error_of("{% include 'open' %}{{ x }}'", {{"x", 1}}, {}, &l);
  expect_error(e, errc::placeholder_in_literal, 1, 24);
}

// ---- PlaceholderAdjacent ----

TEST(tmpl_errors, output_glued_to_names_and_numbers) {
  expect_error(error_of("select {{ x }}1", {{"x", 1}}), errc::placeholder_adjacent, 1, 11, "followed directly by '1'");
  expect_error(error_of("select a{{ x }}", {{"x", 1}}), errc::placeholder_adjacent, 1, 12, "directly after 'a'");
  expect_error(error_of("select {{ a | ident }}{{ b | ident }}", {{"a", "x"}, {"b", "y"}}), errc::placeholder_adjacent,
               1, 26);
  expect_error(error_of("select 1 -{{ n | int_literal }}", {{"n", -1}}), errc::placeholder_adjacent, 1, 14, "comment");
}

// ---- EmptyInList / EmptyList ----

TEST(tmpl_errors, empty_in_list) {
  expect_error(error_of("where id in {{ ids | in }}", {{"ids", std::vector<int>{}}}), errc::empty_in_list, 1, 16,
               "use `= ANY({{ ids | any }})`");
}

TEST(tmpl_errors, empty_lists_where_sql_needs_items) {
  expect_error(error_of("select {{ cols | ident_list }}", {{"cols", std::vector<std::string>{}}}), errc::empty_list, 1,
               11);
  expect_error(error_of("values {{ rows | values(['a']) }}", {{"rows", std::vector<int>{}}}), errc::empty_list, 1, 11);
  expect_error(error_of("update t\n{% set_list %}{% endset_list %}"), errc::empty_list, 2, 1, "rendered no items");
}

// ---- TooManyParameters ----

TEST(tmpl_errors, too_many_parameters) {
  std::vector<value> rows(32768, value(std::vector<value>{1, 2}));
  expect_error(error_of("{{ rows | values(['a', 'b']) }}", {{"rows", value(rows)}}), errc::too_many_parameters, 1, 4,
               "65536 parameters");
  std::vector<value> ids(65536, value(1));
  expect_error(error_of("id in {{ ids | in }}", {{"ids", value(ids)}}), errc::too_many_parameters, 1, 10, "65535");
}

// ---- IncludeNotFound / IncludeCycle ----

TEST(tmpl_errors, include_not_found) {
  memory_loader l;
  l.add("a", "{% include 'missing/part' %}");
  const auto e = error_of("x\n  {% include 'a' %}", {}, {}, &l);
  expect_error(e, errc::include_not_found, 1, 1, "template 'missing/part' not found");
  ASSERT_EQ(e->stack().size(), 1U);
  EXPECT_EQ(e->stack()[0].template_name, "t.sql.j2");
  EXPECT_EQ(e->stack()[0].line, 2);
  EXPECT_EQ(e->stack()[0].column, 3);
  EXPECT_NE(e->message().find("included from t.sql.j2:2:3"), std::string::npos) << e->message();
  expect_error(error_of("{% include 'x' %}"), errc::include_not_found, 1, 1, "no template loader");
  expect_error(error_of("{% extends 'nobase' %}", {}, {}, &l), errc::include_not_found, 1, 1);
  expect_error(error_of("{% import 'nolib' as m %}", {}, {}, &l), errc::include_not_found, 1, 1);
}

TEST(tmpl_errors, include_and_extends_cycles) {
  memory_loader l;
  l.add("a", "{% include 'b' %}").add("b", "{% include 'a' %}");
  l.add("self", "{% extends 'self' %}");
  l.add("x", "{% extends 'y' %}").add("y", "{% extends 'x' %}");
  const auto e = error_of("{% include 'a' %}", {}, {}, &l);
  expect_error(e, errc::include_cycle, 1, 1, "include cycle: t.sql.j2 -> a -> b -> a");
  EXPECT_EQ(e->stack().size(), 2U);
  expect_error(error_of("{% include 'self' %}", {}, {}, &l), errc::include_cycle, 1, 1, "extends cycle: self -> self");
  expect_error(error_of("{% include 'x' %}", {}, {}, &l), errc::include_cycle, 1, 1, "extends cycle: x -> y -> x");
  // A deep, acyclic chain stops at the depth limit.
  memory_loader deep;
  for (int i = 0; i < 40; ++i) deep.add("d" + std::to_string(i), "{% include 'd" + std::to_string(i + 1) + "' %}");
  deep.add("d40", "end");
  expect_error(error_of("{% include 'd0' %}", {}, {}, &deep), errc::include_cycle, 1, 1, "nested more than 32 deep");
}

// ---- BlockNotFound ----

TEST(tmpl_errors, block_not_found) {
  memory_loader l;
  l.add("base", "select {% block cols %}*{% endblock %}");
  expect_error(error_of("{% extends 'base' %}\n{% block colz %}id{% endblock %}", {}, {}, &l), errc::block_not_found, 2,
               1, "block 'colz' is not defined in 'base'");
  expect_error(error_of("{% block b %}{{ super() }}{% endblock %}"), errc::block_not_found, 1, 17,
               "no parent template defines block 'b'");
}

// ---- DeclaredParamUnused ----

TEST(tmpl_errors, declared_param_unused) {
  expect_error(compile_error("{#- pgpx\nparams:\n  a: text\n  b: int4\n-#}\nselect {{ a }}"),
               errc::declared_param_unused, 4, 3, "parameter 'b' is declared but never used");
}

// ---- ParamTypeMismatch ----

TEST(tmpl_errors, declared_types_are_checked) {
  const auto t =
      sql_template::compile("{#- pgpx\nparams:\n  n: int4\n  ids: int8[]\n  u: uuid?\n-#}{{ n }} {{ ids }} {{ u }}");
  const auto check = [&](const vars& v, errc code, std::string_view what) {
    try {
      (void)t.render(v);
      ADD_FAILURE() << what;
    } catch (const template_error& e) {
      EXPECT_EQ(e.code(), code) << e.message();
      EXPECT_NE(e.message().find(what), std::string::npos) << e.message();
    }
  };
  check({{"n", "1"}, {"ids", std::vector<int>{}}}, errc::type_mismatch,
        "parameter 'n': expected an int for int4, got string");
  check({{"n", std::int64_t{1} << 40}, {"ids", std::vector<int>{}}}, errc::type_mismatch, "out of the range of int4");
  check({{"n", 1}, {"ids", json(R"([1, "x"])")}}, errc::type_mismatch, "in the list: expected an int");
  check({{"n", nullptr}, {"ids", std::vector<int>{}}}, errc::type_mismatch, "null but not optional");
  check({{"n", 1}, {"ids", std::vector<int>{}}, {"u", "not-a-uuid"}}, errc::type_mismatch, "parameter 'u'");
  EXPECT_NO_THROW((void)t.render({{"n", 1}, {"ids", std::vector<int>{1}}, {"u", nullptr}}));
}

// ---- RenderLimitExceeded ----

TEST(tmpl_errors, render_limits) {
  render_options o;
  o.limits.max_loop_iterations = 100;
  expect_error(error_of("{% for a in range(10) %}{% for b in range(11) %}.{% endfor %}{% endfor %}", {}, o),
               errc::render_limit_exceeded, 1, 37, "more than 100 loop iterations");
  render_options small;
  small.limits.max_output_bytes = 1000;
  expect_error(error_of("{% for i in range(500) %}xxxxx{% endfor %}", {}, small), errc::render_limit_exceeded, 1, 26,
               "exceeds 1000 bytes");
  expect_error(error_of("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}"), errc::render_limit_exceeded, 1, 20,
               "nested more than 64 deep");
}

// ---- the report ----

TEST(tmpl_errors, report_has_location_snippet_stack_and_hint) {
  memory_loader l;
  l.add("_partials/f", "where x = 1\n  and y = {{ yy }}");
  try {
    (void)tmpl_test::render("select 1\n{% include '_partials/f' %}", {{"y", 1}}, {}, &l);
    FAIL();
  } catch (const template_error& e) {
    EXPECT_EQ(e.message(),
              "_partials/f:2:14: UndefinedVariable: 'yy' is undefined; did you mean 'y'?\n"
              "  2 |   and y = {{ yy }}\n"
              "    |              ^~\n"
              "  included from t.sql.j2:2:1");
    EXPECT_EQ(e.brief(), "'yy' is undefined; did you mean 'y'?");
    const auto d = e.to_diagnostic();
    EXPECT_EQ(d.where, "_partials/f");
    EXPECT_EQ(d.line, 2);
    EXPECT_EQ(d.column, 14);
  }
  // An error with a hint: in the error's info and at the end of the diagnostic.
  const auto e = error_of("select * from t where {{ cond | raw }}", {{"cond", "1=1"}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->info().hint, "bind the value with {{ cond }} or quote a name with | ident");
  const auto d = e->to_diagnostic();
  EXPECT_NE(d.message.find("\n  hint: bind the value with {{ cond }}"), std::string::npos) << d.message;
  EXPECT_EQ(d.message.rfind("UnsafeInterpolation: ", 0), 0U) << d.message;
  EXPECT_EQ(d.line, 1);
  EXPECT_EQ(d.column, 26);
}
