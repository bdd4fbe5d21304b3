// The injection corpus through every filter: a value can never change the SQL text.
//
// For each payload and each template, the SQL rendered with the payload must be exactly the
// SQL rendered with a benign value, and the payload must reach the parameters unchanged.
// Filters that interpolate (ident, qident, ident_list, oneof, int_literal, raw) must either
// quote the payload as one identifier or refuse it with a template error.
#include "injection_corpus.hpp"
#include "tmpl_test_support.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/tmpl/template.hpp>

#include <gtest/gtest.h>

using namespace pgpx::tmpl;

namespace {

// Templates that bind the payload `v` (possibly transformed) and never interpolate it.
const std::vector<std::string>& binding_templates() {
  static const std::vector<std::string> t = {
      "select * from t where a = {{ v }}",
      "select * from t where a like {{ v | like }} escape '\\'",
      "select * from t where a like {{ v | like('prefix') }}",
      "select * from t where a like {{ v | like('suffix') }}",
      "select * from t where a = any({{ [v, 'x'] | any }})",
      "select * from t where a in {{ [v, v ~ '2'] | in }}",
      "insert into t (a, b) values {{ [{'a': v, 'b': 1}] | values(['a', 'b']) }}",
      "select {{ v | json }}, {{ v | jsonb }}, {{ {'k': v, 'l': [v]} | jsonb }}",
      "select {{ v | type('text') }}::text",
      "select {{ v | upper }}, {{ v | lower }}, {{ v | trim }}, {{ v | replace('a', 'b') }}",
      "select {{ v ~ '--' }}, {{ '/*' ~ v }}, {{ v | string }}, {{ [v] | join(',') }}",
      "select {{ v | default('d') }}, {{ missing | default(v) }}",
      "select {{ v if v else 'empty' }}",
      "{% set copy = v %}{% macro m(x) %}f({{ x }}){% endmacro %}select {{ m(copy) }}",
      "select 1 {% where %}{% if v is defined %}and a = {{ v }}{% endif %} and b = {{ v }}{% endwhere %}",
      "update t {% set_list %}a = {{ v }}, b = {{ v | length }},{% endset_list %}",
      "select {% list %}{{ v }}, {{ v | like }},{% endlist %}",
      "{% for x in [v, v] %}select {{ x }};{% endfor %}",
  };
  return t;
}

class binding : public ::testing::TestWithParam<std::size_t> {};

TEST_P(binding, values_never_change_the_sql) {
  const std::string& tpl = binding_templates()[GetParam()];
  const auto t = sql_template::compile(tpl, "inj");
  const auto benign = t.render({{"v", "benign"}});
  int rendered = 0;
  for (const auto& payload : injection_corpus()) {
    SCOPED_TRACE("payload #" + std::to_string(&payload - injection_corpus().data()));
    std::optional<rendered_query> r;
    try {
      r = t.render({{"v", payload}});
    } catch (const template_error& e) {
      // Only JSON serialisation may refuse a value (invalid UTF-8 is not JSON).
      EXPECT_EQ(e.code(), errc::filter_type) << e.message();
      EXPECT_NE(e.message().find("JSON"), std::string::npos) << e.message();
      continue;
    }
    ++rendered;
    const auto& q = *r;
    EXPECT_EQ(q.sql(), benign.sql()) << tpl;
    EXPECT_EQ(q.params().size(), benign.params().size());
    // The payload itself (or a value built from it) is a parameter, never SQL text.
    if (!payload.empty() && payload.size() > 3) {
      EXPECT_EQ(q.sql().find(payload), std::string::npos);
    }
  }
  EXPECT_GE(rendered, static_cast<int>(injection_corpus().size()) - 3);
}

INSTANTIATE_TEST_SUITE_P(templates, binding, ::testing::Range<std::size_t>(0, binding_templates().size()));

TEST(injection, plain_binding_round_trips_byte_exact) {
  const auto t = sql_template::compile("select {{ v }}, {{ v | type('text') }}", "inj");
  for (const auto& payload : injection_corpus()) {
    const auto q = t.render({{"v", payload}});
    ASSERT_EQ(q.params().size(), 2U);
    EXPECT_EQ(q.params()[0].as_string(), payload);
    EXPECT_EQ(q.params()[1].as_string(), payload);
  }
}

TEST(injection, template_syntax_inside_values_is_never_evaluated) {
  const auto q = tmpl_test::render("select {{ v }}", {{"v", "{{ 7 * 7 }}{% include 'x' %}"}});
  EXPECT_EQ(q.sql(), "select $1");
  EXPECT_EQ(q.params()[0].as_string(), "{{ 7 * 7 }}{% include 'x' %}");
}

// An identifier in SQL text: "..." with every inner quote doubled, nothing after it.
auto is_one_quoted_identifier(const std::string& s) -> bool {
  if (s.size() < 3 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '"') {
      if (i + 2 >= s.size() || s[i + 1] != '"') return false;
      ++i;
    }
  }
  return true;
}

TEST(injection, ident_quotes_or_refuses) {
  const auto t = sql_template::compile("{{ v | ident }}", "inj");
  int quoted = 0, refused = 0;
  for (const auto& payload : injection_corpus()) {
    try {
      const auto q = t.render({{"v", payload}});
      EXPECT_TRUE(is_one_quoted_identifier(q.sql())) << q.sql();
      EXPECT_EQ(q.sql(), pgpx::quote_identifier(payload));
      EXPECT_TRUE(q.params().empty());
      ++quoted;
    } catch (const template_error& e) {
      EXPECT_EQ(e.code(), errc::invalid_value) << e.message();
      ++refused;
    }
  }
  EXPECT_GT(quoted, 10);
  EXPECT_GT(refused, 2);  // empty, NUL, too long, invalid UTF-8
}

TEST(injection, qident_and_ident_list_quote_every_part_or_refuse) {
  const auto q1 = sql_template::compile("{{ v | qident }}", "inj");
  const auto q2 = sql_template::compile("{{ [v, 'x'] | ident_list }}", "inj");
  const auto q3 = sql_template::compile("{{ ['s', v] | ident }}", "inj");
  for (const auto& payload : injection_corpus()) {
    for (const auto* t : {&q1, &q2, &q3}) {
      try {
        const std::string s = t->render({{"v", payload}}).sql();
        // Split the output on the separators the filters write, outside quotes.
        std::vector<std::string> parts(1);
        bool in_quotes = false;
        for (std::size_t i = 0; i < s.size(); ++i) {
          const char c = s[i];
          if (c == '"') in_quotes = !in_quotes;
          if (!in_quotes && (c == '.' || c == ',')) {
            parts.emplace_back();
            if (c == ',' && i + 1 < s.size() && s[i + 1] == ' ') ++i;
            continue;
          }
          parts.back().push_back(c);
        }
        for (const auto& p : parts) EXPECT_TRUE(is_one_quoted_identifier(p)) << s;
      } catch (const template_error& e) {
        EXPECT_EQ(e.code(), errc::invalid_value) << e.message();
      }
    }
  }
}

TEST(injection, oneof_int_literal_and_raw_refuse_host_text) {
  const auto oneof = sql_template::compile("order by x {{ v | oneof('ASC', 'DESC') }}", "inj");
  const auto lit = sql_template::compile("limit {{ v | int_literal(0, 100) }}", "inj");
  const auto raw = sql_template::compile("where {{ v | raw }}", "inj");
  for (const auto& payload : injection_corpus()) {
    auto code_of = [&](const sql_template& t) {
      try {
        (void)t.render({{"v", payload}});
      } catch (const template_error& e) {
        return e.code();
      }
      return errc::syntax;  // rendered: not expected for any payload
    };
    EXPECT_EQ(code_of(oneof), errc::invalid_value);
    EXPECT_EQ(code_of(lit), errc::filter_type);
    EXPECT_EQ(code_of(raw), errc::unsafe_interpolation);
  }
  // The allow-list spelling is what gets written, whatever the case of the value.
  EXPECT_EQ(oneof.render({{"v", "dEsC"}}).sql(), "order by x DESC");
}

TEST(injection, declared_parameters_keep_the_sql_fixed) {
  const auto t = sql_template::compile(
      "{#- pgpx\nparams:\n  v: text\n  s: ident oneof(a, b)?\n-#}\nselect {{ v }}{% if s %} order by {{ s }}{% endif %}",
      "inj");
  for (const auto& payload : injection_corpus()) {
    const auto q = t.render({{"v", payload}});
    EXPECT_EQ(q.sql(), "select $1");
    try {
      (void)t.render({{"v", "x"}, {"s", payload}});
      ADD_FAILURE() << "an identifier outside the allow-list was accepted";
    } catch (const template_error& e) {
      EXPECT_TRUE(e.code() == errc::invalid_value || e.code() == errc::type_mismatch) << e.message();
    }
  }
}

TEST(injection, the_corpus_is_substantial) {
  EXPECT_GE(injection_corpus().size(), 40U);
  bool has_nul = false, has_long = false, has_dollar = false;
  for (const auto& p : injection_corpus()) {
    has_nul = has_nul || p.find('\0') != std::string::npos;
    has_long = has_long || p.size() > 100000;
    has_dollar = has_dollar || p.find("$$") != std::string::npos;
  }
  EXPECT_TRUE(has_nul && has_long && has_dollar);
}

}  // namespace
