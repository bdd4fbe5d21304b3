// The template engine without a database: syntax, expressions, statements, scoping,
// inheritance, includes, macros, filters, SQL helpers, binding rules, values.
#include "tmpl_test_support.hpp"

#include <pgpx/tmpl/template.hpp>
#include <pgpx/types/chrono.hpp>
#include <pgpx/types/numeric.hpp>
#include <pgpx/types/uuid.hpp>

#include <gtest/gtest.h>

#include <thread>

using namespace pgpx::tmpl;
using tmpl_test::error_of;
using tmpl_test::render;
using tmpl_test::sql;

namespace {

auto json(std::string_view text) -> value { return value(nlohmann::json::parse(text)); }

}  // namespace

// ---- binding ----

TEST(tmpl_bind, every_value_is_a_placeholder) {
  const auto q = render("select * from t where a = {{ a }} and b = {{ b }}", {{"a", 1}, {"b", "x'y"}});
  EXPECT_EQ(q.sql(), "select * from t where a = $1 and b = $2");
  ASSERT_EQ(q.params().size(), 2U);
  EXPECT_EQ(q.params()[0], value(1));
  EXPECT_EQ(q.params()[1], value("x'y"));
  EXPECT_EQ(q.param_names(), (std::vector<std::string>{"a", "b"}));
}

TEST(tmpl_bind, the_same_plain_path_reuses_its_slot) {
  const auto q = render("{{ a }} {{ u.id }} {{ a }} {{ u.id }} {{ u['id'] }} {{ a ~ '' }}",
                        {{"a", 1}, {"u", value::map({{"id", 7}})}});
  EXPECT_EQ(q.sql(), "$1 $2 $1 $2 $2 $3");
  EXPECT_EQ(q.params().size(), 3U);
  EXPECT_EQ(q.param_names()[1], "u.id");
}

TEST(tmpl_bind, a_transformed_value_never_shares_the_slot_of_its_variable) {
  const auto q = render("{{ q }} {{ q | like }} {{ q | upper }} {{ q }}", {{"q", "a"}});
  EXPECT_EQ(q.sql(), "$1 $2 $3 $1");
  EXPECT_EQ(q.params()[1], value("%a%"));
  EXPECT_EQ(q.param_names()[1], "q");  // named after the variable, for logs and masking
}

TEST(tmpl_bind, loop_variables_get_a_slot_per_iteration) {
  const auto q = render("{% for x in xs %}{{ x }},{% endfor %}", {{"xs", std::vector<int>{4, 4}}});
  EXPECT_EQ(q.sql(), "$1,$2,");
  EXPECT_EQ(q.params().size(), 2U);
}

TEST(tmpl_bind, a_set_variable_shadowing_a_host_one_is_not_shared) {
  const auto q = render("{{ a }}{% set a = 2 %} {{ a }} {{ a }}", {{"a", 1}});
  EXPECT_EQ(q.sql(), "$1 $2 $3");
  EXPECT_EQ(q.params()[1], value(2));
}

TEST(tmpl_bind, type_filter_sends_an_oid_and_takes_a_new_slot) {
  const auto q =
      render("{{ n | type('int4') }} {{ n }} {{ ids | type('int8[]') }}", {{"n", 5}, {"ids", std::vector<int>{1}}});
  EXPECT_EQ(q.sql(), "$1 $2 $3");
  EXPECT_EQ(q.param_types(), (std::vector<pgpx::oid>{pgpx::oids::int4, 0, pgpx::oids::int8_array}));
}

TEST(tmpl_bind, lists_bind_as_one_array) {
  const auto q = render("x = any({{ ids | any }}) and y = any({{ names }}) and z = any({{ fs }})",
                        {{"ids", std::vector<std::int64_t>{1, 2}},
                         {"names", std::vector<std::string>{"a"}},
                         {"fs", json("[1, 2.5, null]")}});
  EXPECT_EQ(q.sql(), "x = any($1) and y = any($2) and z = any($3)");
  EXPECT_EQ(q.param_types(), (std::vector<pgpx::oid>{pgpx::oids::int8_array, 0, pgpx::oids::float8_array}));
  // One parameter per list, sent as one array literal.
  ASSERT_EQ(q.params().size(), 3U);
  EXPECT_EQ(q.params()[0], value(std::vector<std::int64_t>{1, 2}));
  const auto p = q.to_param_list();
  ASSERT_EQ(p.size(), 3U);
  EXPECT_EQ(std::string(p.values()[0], static_cast<std::size_t>(p.lengths()[0])), "{1,2}");
  EXPECT_EQ(std::string(p.values()[2], static_cast<std::size_t>(p.lengths()[2])), R"({1,"2.5",NULL})");
}

TEST(tmpl_bind, an_empty_list_binds_with_any) {
  const auto q = render("x = any({{ ids | any }})", {{"ids", std::vector<int>{}}});
  EXPECT_EQ(q.sql(), "x = any($1)");
  EXPECT_EQ(q.params()[0], value(std::vector<value>{}));
}

TEST(tmpl_bind, in_expands_to_one_slot_per_item) {
  const auto q = render("id in {{ ids | in }}", {{"ids", std::vector<int>{3, 4, 5}}});
  EXPECT_EQ(q.sql(), "id in ($1,$2,$3)");
  EXPECT_EQ(q.param_names()[2], "ids[2]");
}

TEST(tmpl_bind, in_with_the_false_policy_renders_an_empty_subquery) {
  render_options o;
  o.in_empty = in_empty_policy::false_list;
  EXPECT_EQ(sql("id in {{ ids | in }}", {{"ids", std::vector<int>{}}}, o), "id in (SELECT NULL WHERE FALSE)");
}

TEST(tmpl_bind, values_builds_multi_row_inserts) {
  const auto q = render("insert into t (a, b) values {{ rows | values(['a', 'b']) }}",
                        {{"rows", json(R"([{"a": 1, "b": "x"}, {"b": "y", "a": 2}])")}});
  EXPECT_EQ(q.sql(), "insert into t (a, b) values ($1,$2),($3,$4)");
  EXPECT_EQ(q.params()[2], value(2));
  EXPECT_EQ(q.params()[3], value("y"));
  EXPECT_EQ(sql("{{ rows | values(['a', 'b']) }}", {{"rows", json("[[1, 2]]")}}), "($1,$2)");
}

TEST(tmpl_bind, json_and_jsonb_serialise_and_cast) {
  const auto q = render("{{ doc | jsonb }} {{ doc | json }}", {{"doc", json(R"({"k": [1, "two"]})")}});
  EXPECT_EQ(q.sql(), "$1::jsonb $2::json");
  EXPECT_EQ(q.param_types(), (std::vector<pgpx::oid>{pgpx::oids::jsonb, pgpx::oids::json}));
  EXPECT_EQ(q.params()[0].as_typed().text, R"({"k":[1,"two"]})");
}

TEST(tmpl_bind, like_escapes_wildcards_and_binds) {
  const auto q = render("{{ q | like }} {{ q | like('prefix') }} {{ q | like('suffix') }} {{ q | like('exact') }}",
                        {{"q", "50%_a\\b"}});
  EXPECT_EQ(q.sql(), "$1 $2 $3 $4");
  EXPECT_EQ(q.params()[0], value("%50\\%\\_a\\\\b%"));
  EXPECT_EQ(q.params()[1], value("50\\%\\_a\\\\b%"));
  EXPECT_EQ(q.params()[2], value("%50\\%\\_a\\\\b"));
  EXPECT_EQ(q.params()[3], value("50\\%\\_a\\\\b"));
}

TEST(tmpl_bind, none_binds_null_and_typed_values_keep_their_type) {
  const auto id = pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  const auto q = render("{{ a }} {{ u }} {{ n }}", {{"a", nullptr}, {"u", id}, {"n", pgpx::numeric("1.50")}});
  EXPECT_TRUE(q.params()[0].is_null());
  EXPECT_EQ(q.param_types()[1], 0U);  // the typed value's own type is used when binding
  EXPECT_EQ(q.params()[1].as_typed().type, pgpx::oids::uuid);
  EXPECT_EQ(q.params()[1].as_typed().text, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(q.params()[2].as_typed().text, "1.50");
  pgpx::param_list p = q.to_param_list();
  ASSERT_EQ(p.size(), 3U);
  EXPECT_EQ(p.types()[1], pgpx::oids::uuid);
  EXPECT_EQ(p.types()[2], pgpx::oids::numeric);
  EXPECT_EQ(p.lengths()[0], -1);
}

TEST(tmpl_bind, bind_names_each_parameter_and_marks_secrets) {
  const auto q =
      render("{{ user }} {{ password }} {{ user_email }}", {{"user", "u"}, {"password", "p"}, {"user_email", "e"}});
  EXPECT_EQ(q.param_secret(), (std::vector<bool>{false, true, true}));
  const auto p = q.to_param_list();
  EXPECT_EQ(p.names()[0], "user");
  EXPECT_EQ(p.names()[1], "password (secret)");
  EXPECT_EQ(p.names()[2], "user_email (secret)");
  const auto j = q.to_json(false);
  EXPECT_EQ(j["params"][1], "********");
  EXPECT_EQ(j["params"][0], "u");
}

TEST(tmpl_bind, to_json_has_sql_and_params_as_json_values) {
  const auto q = render("{{ a }} {{ b }} {{ c }} {{ d | jsonb }}",
                        {{"a", 1}, {"b", std::vector<std::string>{"x"}}, {"c", 2.5}, {"d", json(R"({"z": true})")}});
  EXPECT_EQ(q.to_json().dump(), R"({"sql":"$1 $2 $3 $4::jsonb","params":[1,["x"],2.5,{"z":true}]})");
}

TEST(tmpl_bind, integers_encode_for_their_declared_width) {
  const auto q =
      render("{#- pgpx\nparams:\n  a: int4\n  b: int2\n  c: numeric\n  d: text\n-#}{{ a }} {{ b }} {{ c }} {{ d }}",
             {{"a", 7}, {"b", 8}, {"c", 9}, {"d", "x"}});
  const auto p = q.to_param_list();
  EXPECT_EQ(p.types()[0], pgpx::oids::int4);
  EXPECT_EQ(p.lengths()[0], 4);
  EXPECT_EQ(p.types()[1], pgpx::oids::int2);
  EXPECT_EQ(p.lengths()[1], 2);
  EXPECT_EQ(p.types()[2], pgpx::oids::numeric);
  EXPECT_EQ(p.types()[3], pgpx::oids::text);
}

// ---- interpolation through checked channels ----

TEST(tmpl_interpolate, ident_quotes_and_never_splits) {
  EXPECT_EQ(sql("select {{ c | ident }}", {{"c", "we\"ird.name"}}), "select \"we\"\"ird.name\"");
  EXPECT_EQ(sql("select {{ c | ident }}", {{"c", std::vector<std::string>{"s", "t"}}}), "select \"s\".\"t\"");
  EXPECT_EQ(sql("select {{ c | qident }}", {{"c", "s.t"}}), "select \"s\".\"t\"");
  EXPECT_EQ(sql("select {{ cs | ident_list }}", {{"cs", std::vector<std::string>{"a", "b c"}}}),
            "select \"a\", \"b c\"");
  const std::string long_name(70, 'x');
  EXPECT_EQ(sql("{{ c | ident(truncate_ok=true) }}", {{"c", long_name}}), "\"" + std::string(63, 'x') + "\"");
}

TEST(tmpl_interpolate, oneof_writes_the_templates_spelling) {
  EXPECT_EQ(sql("order by x {{ d | oneof('ASC', 'DESC') }}", {{"d", "desc"}}), "order by x DESC");
  EXPECT_EQ(sql("order by {{ c | oneof(*cols) }}", {{"c", "Name"}, {"cols", std::vector<std::string>{"id", "name"}}}),
            "order by name");
  EXPECT_EQ(sql("order by {{ c | oneof('my col') | ident }}", {{"c", "MY COL"}}), "order by \"my col\"");
}

TEST(tmpl_interpolate, int_literal_writes_a_checked_integer) {
  EXPECT_EQ(sql("fetch first {{ n | int_literal(1, 100) }} rows only", {{"n", 10}}), "fetch first 10 rows only");
  EXPECT_EQ(sql("select 1 - {{ n | int_literal }}", {{"n", -5}}), "select 1 - -5");
}

namespace {
struct user_row {
  std::int64_t id;
  std::string userName;
};
}  // namespace

template <>
inline constexpr auto pgpx::naming_of<user_row> = pgpx::naming::snake_case;

TEST(tmpl_interpolate, columns_of_a_reflected_struct_follow_its_naming) {
  render_options o;
  o.models["User"] = model_columns_of<user_row>();
  EXPECT_EQ(sql("select {{ columns(User) }} from users", {}, o), "select \"id\", \"user_name\" from users");
}

namespace {
struct account {
  pgpx::identity<std::int64_t> accountId;
  pgpx::varchar<40> displayName;
};
}  // namespace

template <>
struct pgpx::model<account> {
  static constexpr auto naming = pgpx::naming::snake_case;
};

TEST(tmpl_interpolate, columns_of_a_model_come_from_its_description_as_row_mapping_reads_them) {
  render_options o;
  o.models["Account"] = model_columns_of<account>();
  EXPECT_EQ(sql("select {{ columns(Account) }} from accounts", {}, o),
            "select \"account_id\", \"display_name\" from accounts");
  // model<T>::naming feeds naming_of<T>, so the row mapper looks for the same names.
  const auto& mapped = pgpx::reflect::column_names<account>();
  EXPECT_EQ(std::vector<std::string>(mapped.begin(), mapped.end()), o.models["Account"].columns);
}

TEST(tmpl_interpolate, columns_of_a_registered_model) {
  render_options o;
  o.models["User"] = model_columns{{"id", "user_name"}};
  EXPECT_EQ(sql("select {{ columns(User) }} from users", {}, o), "select \"id\", \"user_name\" from users");
  EXPECT_EQ(sql("select {{ columns(User, prefix='u') }}", {}, o), "select \"u\".\"id\", \"u\".\"user_name\"");
}

TEST(tmpl_interpolate, sql_literals_and_raw_fragments) {
  EXPECT_EQ(sql("select {{ sql('now()') }}, {{ sql('1') | raw }}"), "select now(), 1");
  EXPECT_EQ(sql("{% set f %}a = {{ x }}{% endset %}where {{ f | raw }} or {{ f }}", {{"x", 1}}),
            "where a = $1 or a = $1");
  render_options o;
  o.allow_raw_host_strings = true;
  EXPECT_EQ(sql("select {{ s | raw }}", {{"s", "1"}}, o), "select 1");
}

TEST(tmpl_interpolate, paginate_and_count_over) {
  const auto q = render("select *, {{ count_over() }} from t {{ paginate(page, per) }}", {{"page", 3}, {"per", 20}});
  EXPECT_EQ(q.sql(), "select *, count(*) OVER () from t LIMIT $1 OFFSET $2");
  EXPECT_EQ(q.params()[0], value(20));
  EXPECT_EQ(q.params()[1], value(40));
}

// ---- SQL block helpers ----

TEST(tmpl_helpers, where_strips_leading_connectives_and_vanishes_when_empty) {
  const char* t =
      "select * from t\n{% where %}\n  {% if a %}AND a = {{ a }}{% endif %}\n  {% if b %}and b = {{ b }}{% endif %}\n{% endwhere %}\norder by id";
  EXPECT_EQ(sql(t, {{"a", 1}, {"b", 2}}), "select * from t\nWHERE a = $1\n  and b = $2\norder by id");
  EXPECT_EQ(sql(t, {{"a", nullptr}, {"b", 2}}), "select * from t\nWHERE b = $1\norder by id");
  EXPECT_EQ(sql(t, {{"a", nullptr}, {"b", nullptr}}), "select * from t\n\norder by id");
  EXPECT_EQ(sql("{% where %} or x = 1 or {% endwhere %}"), "WHERE x = 1");
  EXPECT_EQ(sql("{% having %}and count(*) > 1{% endhaving %}"), "HAVING count(*) > 1");
  // A leading word that only starts with "and" stays.
  EXPECT_EQ(sql("{% where %}android = 1{% endwhere %}"), "WHERE android = 1");
}

TEST(tmpl_helpers, where_keeps_a_trailing_line_comment_closed) {
  EXPECT_EQ(sql("select 1 {% where %}a = 1 -- why{% endwhere %} order by 1"),
            "select 1 WHERE a = 1 -- why\n order by 1");
}

TEST(tmpl_helpers, set_list_trims_stray_separators) {
  const char* t =
      "update t {% set_list %}{% if a %}a = {{ a }},{% endif %} {% if b %}, b = {{ b }}{% endif %},{% endset_list %} where id = 1";
  EXPECT_EQ(sql(t, {{"a", 1}, {"b", 2}}), "update t SET a = $1, b = $2 where id = 1");
  EXPECT_EQ(sql(t, {{"a", nullptr}, {"b", 2}}), "update t SET b = $1 where id = 1");
  const auto e = error_of(t, {{"a", nullptr}, {"b", nullptr}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), errc::empty_list);
  EXPECT_EQ(sql("update t {% set_list empty='skip' %}{% endset_list %}x"), "update t x");
}

TEST(tmpl_helpers, list_keeps_commas_inside_parentheses_and_literals) {
  const char* t =
      "select {% list %}{% if a %}coalesce(a, 0),{% endif %} 'x, y', {% if b %}b,{% endif %}{% endlist %} from t";
  EXPECT_EQ(sql(t, {{"a", true}, {"b", false}}), "select coalesce(a, 0), 'x, y' from t");
  EXPECT_EQ(sql("select {% list sep=' || ' %}a || || b ||{% endlist %}"), "select a || b");
  EXPECT_EQ(sql("select {% list %}{% endlist %}1"), "select 1");
}

// ---- control flow ----

TEST(tmpl_control, if_elif_else) {
  const char* t = "{% if x > 2 %}big{% elif x == 2 %}two{% else %}small{% endif %}";
  EXPECT_EQ(sql(t, {{"x", 3}}), "big");
  EXPECT_EQ(sql(t, {{"x", 2}}), "two");
  EXPECT_EQ(sql(t, {{"x", 1}}), "small");
}

TEST(tmpl_control, for_with_loop_variables_filter_and_else) {
  EXPECT_EQ(
      sql("{% for x in xs %}{{ loop.index }}/{{ loop.length }}{% if loop.first %} F{% endif %}{% if loop.last %} L{% endif %} {% endfor %}",
          {{"xs", std::vector<int>{1, 2, 3}}}),
      "$1/$2 F $3/$4 $5/$6 L ");
  EXPECT_EQ(
      render("{% for x in xs %}{{ loop.index }}/{{ loop.length }} {% endfor %}", {{"xs", std::vector<int>{7, 8, 9}}})
          .to_json()["params"]
          .dump(),
      "[1,3,2,3,3,3]");
  EXPECT_EQ(sql("{% for x in xs if x > 1 %}{{ loop.index0 }}{% else %}none{% endfor %}", {{"xs", std::vector<int>{1}}}),
            "none");
  // The filter runs before the loop variables: index and length count the kept items.
  EXPECT_EQ(render("{% for x in xs if x > 1 %}{{ x }}:{{ loop.index }}/{{ loop.length }} {% endfor %}",
                   {{"xs", std::vector<int>{1, 5, 2}}})
                .to_json()["params"]
                .dump(),
            "[5,1,2,2,2,2]");
  EXPECT_EQ(sql("{% for k, v in pairs %}{% if k == 'a' %}A{% endif %}{% endfor %}",
                {{"pairs", json(R"([["a", 1], ["b", 2]])")}}),
            "A");
  EXPECT_EQ(sql("{% for k in m %}{% if k == 'y' %}Y{% endif %}{% endfor %}", {{"m", json(R"({"x": 1, "y": 2})")}}),
            "Y");
}

TEST(tmpl_control, set_inline_unpacking_and_block) {
  EXPECT_EQ(sql("{% set a, b = 1, 2 %}{% if a + b == 3 %}ok{% endif %}"), "ok");
  EXPECT_EQ(sql("{% set f %}x = {{ v }}{% endset %}{{ f }} and {{ f }}", {{"v", 1}}), "x = $1 and x = $1");
}

TEST(tmpl_control, loop_scope_does_not_leak) {
  EXPECT_EQ(sql("{% set n = 0 %}{% for x in [1, 2] %}{% set n = x %}{% endfor %}{% if n == 0 %}zero{% endif %}"),
            "zero");
  EXPECT_EQ(sql("{% set n = 0 %}{% if true %}{% set n = 5 %}{% endif %}{% if n == 5 %}five{% endif %}"), "five");
}

TEST(tmpl_control, whitespace_control_and_raw) {
  EXPECT_EQ(sql("a  {%- if true -%}  b  {%- endif -%}  c"), "abc");
  EXPECT_EQ(sql("x = {{- 1 -}} ;"), "x =$1;");
  EXPECT_EQ(sql("{% raw %}{{ not a tag }}{% endraw %}"), "{{ not a tag }}");
  EXPECT_EQ(sql("select 1\n"), "select 1");  // the final newline goes, as in Jinja
  syntax_options s;
  s.keep_trailing_newline = true;
  EXPECT_EQ(render("select 1\n", {}, {}, nullptr, s).sql(), "select 1\n");
  s.trim_blocks = true;
  s.lstrip_blocks = true;
  EXPECT_EQ(render("a\n  {% if true %}\nb\n  {% endif %}\nc\n", {}, {}, nullptr, s).sql(), "a\nb\nc\n");
}

TEST(tmpl_control, configurable_delimiters) {
  syntax_options s;
  s.variable_start = "<<";
  s.variable_end = ">>";
  s.block_start = "<%";
  s.block_end = "%>";
  const auto q = render("select '{{\"a\": 1}}'::jsonb, << x >> <% if true %>!<% endif %>", {{"x", 1}}, {}, nullptr, s);
  EXPECT_EQ(q.sql(), "select '{{\"a\": 1}}'::jsonb, $1 !");
}

TEST(tmpl_control, comments_disappear) { EXPECT_EQ(sql("a{# {{ x }} #}b"), "ab"); }

// ---- expressions ----

TEST(tmpl_expr, arithmetic_and_precedence_follow_jinja) {
  const auto q = render(
      "{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 3 ** 2 }} {{ 7 / 2 }} {{ 'a' ~ 1 * 2 }} {{ (1 + 1) ~ 'x' }}");
  EXPECT_EQ(error_of("{{ 1 + 1 ~ 'x' }}")->code(), errc::filter_type);  // ~ binds tighter than +
  EXPECT_EQ(q.params()[0], value(7));
  EXPECT_EQ(q.params()[1], value(3));
  EXPECT_EQ(q.params()[2], value(-4));
  EXPECT_EQ(q.params()[3], value(2));
  EXPECT_EQ(q.params()[4], value(64));  // ** is left-associative in Jinja
  EXPECT_EQ(q.params()[5], value(3.5));
  EXPECT_EQ(q.params()[6], value("a2"));  // * binds tighter than ~
  EXPECT_EQ(q.params()[7], value("2x"));
}

TEST(tmpl_expr, comparisons_membership_logic_and_ternary) {
  EXPECT_EQ(sql("{% if 1 < x < 3 and 'b' in 'abc' and 2 in [1, 2] and 'k' in m and 4 not in [1] %}ok{% endif %}",
                {{"x", 2}, {"m", json(R"({"k": 1})")}}),
            "ok");
  EXPECT_EQ(render("{{ a or 'dflt' }} {{ 'y' if a else 'n' }}", {{"a", ""}}).params()[1], value("n"));
  EXPECT_EQ(render("{{ a or 'dflt' }}", {{"a", ""}}).params()[0], value("dflt"));
}

TEST(tmpl_expr, literals_paths_and_tests) {
  const auto q = render("{{ [1, 'a'][1] }} {{ {'k': {'j': 3}}.k.j }} {{ m['x y'] }} {{ xs[-1] }} {{ xs.0 }}",
                        {{"m", json(R"({"x y": 5})")}, {"xs", std::vector<int>{8, 9}}});
  EXPECT_EQ(q.params()[0], value("a"));
  EXPECT_EQ(q.params()[1], value(3));
  EXPECT_EQ(q.params()[2], value(5));
  EXPECT_EQ(q.params()[3], value(9));
  EXPECT_EQ(q.params()[4], value(8));
  EXPECT_EQ(
      sql("{% if a is defined and b is undefined and n is none and e is empty and xs is sequence and 3 is odd "
          "and 4 is divisibleby 2 and 'x' is string and 1 is number and m is mapping and a is not none %}ok{% endif %}",
          {{"a", 1}, {"n", nullptr}, {"e", ""}, {"xs", std::vector<int>{}}, {"m", json("{}")}}),
      "ok");
}

TEST(tmpl_expr, value_filters) {
  const auto q = render(
      "{{ s | upper }} {{ s | lower }} {{ ' x ' | trim }} {{ xs | length }} {{ xs | first }} {{ xs | last }} "
      "{{ xs | join('-') }} {{ '42' | int }} {{ 'x' | int(7) }} {{ '2.5' | float }} {{ 3 | string }} {{ -3 | abs }} "
      "{{ xs | reverse | list }} {{ [3, 1, 2] | sort }} {{ rows | map(attribute='id') }} {{ 'a-b' | replace('-', '_') }} "
      "{{ missing | default('d') }} {{ '' | default('e', true) }}",
      {{"s", "AbC"}, {"xs", std::vector<int>{1, 2}}, {"rows", json(R"([{"id": 4}, {"id": 5}])")}});
  const std::vector<value> want = {"ABC",
                                   "abc",
                                   "x",
                                   2,
                                   1,
                                   2,
                                   "1-2",
                                   42,
                                   7,
                                   2.5,
                                   "3",
                                   3,
                                   std::vector<int>{2, 1},
                                   std::vector<int>{1, 2, 3},
                                   std::vector<int>{4, 5},
                                   "a_b",
                                   "d",
                                   "e"};
  ASSERT_EQ(q.params().size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(q.params()[i], want[i]) << i;
}

TEST(tmpl_expr, range_helper_and_registered_helpers) {
  render_options o;
  o.helpers["twice"] = [](const std::vector<value>& a, const map_entries&) { return value(a.at(0).as_int() * 2); };
  const auto q = render("{% for i in range(1, 7, 2) %}{{ i }} {% endfor %}{{ twice(21) }}", {}, o);
  EXPECT_EQ(q.params().size(), 4U);
  EXPECT_EQ(q.to_json()["params"].dump(), "[1,3,5,42]");
}

// ---- macros, call blocks, includes, imports, inheritance ----

TEST(tmpl_reuse, macros_with_defaults_and_keywords) {
  const auto q = render(
      "{% macro eq(col, v, op='like') %}{{ col | ident }} {{ op | oneof('like', 'ilike') }} {{ v }}{% endmacro %}"
      "where {{ eq('a', x) }} and {{ eq('b', y, op='ILIKE') }} and {{ eq(v=x, col='c') }}",
      {{"x", 1}, {"y", 2}});
  EXPECT_EQ(q.sql(),
            "where \"a\" like $1 and \"b\" ilike $2 and \"c\" like $3");  // macro arguments are locals: no shared slot
  EXPECT_EQ(q.to_json()["params"].dump(), "[1,2,1]");  // v by position, then by keyword
}

TEST(tmpl_reuse, macro_fragments_renumber_when_spliced) {
  const auto q = render(
      "{% macro cond(c, v) %}{{ c | ident }} = {{ v }}{% endmacro %}"
      "where {{ cond('a', x) }} and {{ cond('b', y) }} and {{ cond('c', x) }}",
      {{"x", 1}, {"y", 2}});
  EXPECT_EQ(q.sql(), "where \"a\" = $1 and \"b\" = $2 and \"c\" = $3");
  EXPECT_EQ(q.params()[2], value(1));
}

TEST(tmpl_reuse, macros_reading_host_variables_share_slots) {
  EXPECT_EQ(sql("{% macro f() %}t = {{ tenant }}{% endmacro %}{{ f() }} and {{ tenant }}", {{"tenant", 9}}),
            "t = $1 and $1");
}

TEST(tmpl_reuse, call_blocks_pass_caller) {
  EXPECT_EQ(sql("{% macro wrap(n) %}({{ caller() }}) as {{ n | ident }}{% endmacro %}"
                "select {% call wrap('x') %}select {{ v }}{% endcall %}",
                {{"v", 1}}),
            "select (select $1) as \"x\"");
  EXPECT_EQ(sql("{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}"
                "{% call(i) each([1, 2]) %}[{{ i }}]{% endcall %}"),
            "[$1][$2]");
}

TEST(tmpl_reuse, include_with_and_without_context_and_ignore_missing) {
  memory_loader l;
  l.add("_partials/cond", "tenant = {{ tenant }}");
  l.add("_partials/plain", "1 = 1");
  EXPECT_EQ(sql("where {% include '_partials/cond' %} and {{ tenant }}", {{"tenant", 3}}, {}, &l),
            "where tenant = $1 and $1");
  EXPECT_EQ(sql("where {% include '_partials/plain' without context %}{% include 'nope' ignore missing %}", {}, {}, &l),
            "where 1 = 1");
  const auto e = error_of("{% include '_partials/cond' without context %}", {{"tenant", 3}}, {}, &l);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), errc::undefined_variable);
  ASSERT_EQ(e->stack().size(), 1U);
  EXPECT_EQ(e->stack()[0].how, "included from");
  EXPECT_EQ(e->stack()[0].template_name, "t.sql.j2");
}

TEST(tmpl_reuse, import_and_from_import) {
  memory_loader l;
  l.add(
      "lib",
      "{% macro eq(c, v) %}{{ c | ident }} = {{ v }}{% endmacro %}{% set limit = 10 %}{% macro _private() %}{% endmacro %}");
  const auto q1 = render("{% import 'lib' as m %}{{ m.eq('a', x) }} limit {{ m.limit }}", {{"x", 1}}, {}, &l);
  EXPECT_EQ(q1.sql(), "\"a\" = $1 limit $2");
  EXPECT_EQ(q1.to_json()["params"].dump(), "[1,10]");  // the module's top-level set
  const auto q2 = render("{% from 'lib' import eq as e, limit %}{{ e('b', 2) }} {{ limit }}", {}, {}, &l);
  EXPECT_EQ(q2.sql(), "\"b\" = $1 $2");
  EXPECT_EQ(q2.to_json()["params"].dump(), "[2,10]");
  const auto e = error_of("{% from 'lib' import nothing %}", {}, {}, &l);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), errc::undefined_variable);
}

TEST(tmpl_reuse, extends_blocks_and_super) {
  memory_loader l;
  l.add("layouts/list",
        "select {% block cols %}*{% endblock %} from {% block from %}{% endblock %}"
        "{% block where %}{% endblock %} order by {% block order %}id{% endblock %}");
  l.add("mid", "{% extends 'layouts/list' %}{% block order %}{{ super() }}, name{% endblock %}");
  EXPECT_EQ(sql("{% extends 'layouts/list' %}{% block from %}users{% endblock %}"
                "{% block where %} where id = {{ id }}{% endblock %}",
                {{"id", 1}}, {}, &l),
            "select * from users where id = $1 order by id");
  EXPECT_EQ(sql("{% extends 'mid' %}{% block from %}t{% endblock %}{% block order %}{{ super() }} desc{% endblock %}",
                {}, {}, &l),
            "select * from t order by id, name desc");
  // Top-level sets of a child are visible to the base and to blocks.
  l.add("base2", "{{ title }}{% block b %}{% endblock %}");  // the child's block adds a space
  const auto q =
      render("{% extends 'base2' %}{% set title = 'x' %}{% block b %} {{ title }}{% endblock %}", {}, {}, &l);
  EXPECT_EQ(q.sql(), "$1 $2");
  EXPECT_EQ(q.to_json()["params"].dump(), R"(["x","x"])");
}

// ---- declaration header ----

TEST(tmpl_declaration, is_parsed_and_drives_types) {
  const auto t = sql_template::compile(
      "{#- pgpx\nname: users.search   # the name\nparams:\n  status: text\n  min_age: int4?\n  ids: int8[]?\n"
      "  sort: ident oneof(created_at, name)?\n  token: text secret\nreturns: many User\n-#}\n"
      "select * from users where status = {{ status }}{% if min_age is defined %} and age >= {{ min_age }}{% endif %}"
      "{% if ids %} and id = any({{ ids | any }}){% endif %} and t = {{ token }}{% if sort %} order by {{ sort }}{% endif %}",
      "users/search.sql.j2");
  ASSERT_TRUE(t.declared());
  const auto& d = *t.declared();
  EXPECT_EQ(d.name, "users.search");
  EXPECT_EQ(d.returns_shape, "many");
  EXPECT_EQ(d.returns_type, "User");
  ASSERT_EQ(d.params.size(), 5U);
  EXPECT_TRUE(d.params[1].optional);
  EXPECT_EQ(d.params[2].type_oid, pgpx::oids::int8_array);
  EXPECT_TRUE(d.params[3].ident);
  EXPECT_EQ(d.params[3].oneof, (std::vector<std::string>{"created_at", "name"}));
  EXPECT_TRUE(d.params[4].secret);
  const auto q = t.render({{"status", "active"}, {"ids", std::vector<int>{1}}, {"token", "s3"}, {"sort", "name"}});
  EXPECT_EQ(q.sql(), "select * from users where status = $1 and id = any($2) and t = $3 order by \"name\"");
  EXPECT_EQ(q.param_types(), (std::vector<pgpx::oid>{pgpx::oids::text, pgpx::oids::int8_array, pgpx::oids::text}));
  EXPECT_EQ(q.param_secret(), (std::vector<bool>{false, false, true}));
  // Optional and missing: undefined for `is defined`, false for `if`.
  EXPECT_EQ(t.render({{"status", "a"}, {"token", "t"}}).sql(), "select * from users where status = $1 and t = $2");
}

TEST(tmpl_declaration, converts_declared_values) {
  const auto t = sql_template::compile(
      "{#- pgpx\nparams:\n  id: uuid\n  amount: numeric\n  doc: jsonb\n-#}{{ id }} {{ amount }} {{ doc }}");
  const auto q = t.render({{"id", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"}, {"amount", "12.50"}, {"doc", json("[1]")}});
  EXPECT_EQ(q.params()[0].as_typed().text, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(q.params()[1].as_typed().text, "12.50");
  EXPECT_EQ(q.params()[2].as_typed().text, "[1]");
  EXPECT_EQ(q.param_types(), (std::vector<pgpx::oid>{pgpx::oids::uuid, pgpx::oids::numeric, pgpx::oids::jsonb}));
}

// ---- values ----

TEST(tmpl_value, conversions_from_cpp_and_json) {
  EXPECT_EQ(value(std::optional<int>{}).kind(), value_kind::null);
  EXPECT_EQ(value(std::optional<int>{3}), value(3));
  EXPECT_EQ(value(std::vector<std::string>{"a"}).kind(), value_kind::list);
  EXPECT_EQ(value(std::map<std::string, int>{{"b", 1}, {"a", 2}}).as_map()[0].first, "a");
  EXPECT_EQ(value(std::unordered_map<std::string, int>{{"b", 1}, {"a", 2}}).as_map()[0].first, "a");
  EXPECT_EQ(value(pgpx::bytea{std::byte{1}}).kind(), value_kind::typed);
  EXPECT_EQ(value(pgpx::date{std::chrono::year{2024} / 2 / 29}).as_typed().text, "2024-02-29");
  EXPECT_EQ(value(1), value(1.0));
  EXPECT_THROW(value(std::uint64_t{1} << 63), pgpx::conversion_error);
  const value j = json(R"({"b": [1, 2.5, "x", null, true], "a": {}})");
  EXPECT_EQ(j.as_map().size(), 2U);
  EXPECT_EQ(j.to_json().dump(), R"({"a":{},"b":[1,2.5,"x",null,true]})");
  EXPECT_EQ(vars_from_json(nlohmann::json::parse(R"({"k": 1})")).at("k"), value(1));
  EXPECT_THROW((void)vars_from_json(nlohmann::json::parse("[1]")), pgpx::usage_error);
}

TEST(tmpl_value, python_str_matches_python) {
  EXPECT_EQ(python_str(value(1.0)), "1.0");
  EXPECT_EQ(python_str(value(0.1)), "0.1");
  EXPECT_EQ(python_str(value(1e16)), "1e+16");
  EXPECT_EQ(python_str(value(1.5e-5)), "1.5e-05");
  EXPECT_EQ(python_str(value(123456789.0)), "123456789.0");
  EXPECT_EQ(python_str(value(-0.0001)), "-0.0001");
  EXPECT_EQ(python_str(json(R"([1, "a'b", null, true, {"k": "v"}])")), R"([1, "a'b", None, True, {'k': 'v'}])");
}

// ---- source map, purity, thread safety ----

TEST(tmpl_render, source_map_locates_server_positions) {
  const auto q = render("select 1\nfrom t\nwhere x = {{ x }} and bogus", {{"x", 1}});
  // "bogus" starts at character 33 of "select 1\nfrom t\nwhere x = $1 and bogus".
  const auto at = q.sql().find("bogus");
  const auto p = q.locate(static_cast<int>(at) + 1);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->template_name, "t.sql.j2");
  EXPECT_EQ(p->line, 3);
  EXPECT_EQ(p->column, 23);  // template columns, not SQL columns
  const auto ph = q.locate(static_cast<int>(q.sql().find("$1")) + 1);
  ASSERT_TRUE(ph);
  EXPECT_EQ(ph->line, 3);
  EXPECT_EQ(ph->column, 14);  // the expression inside {{ }}
  EXPECT_FALSE(q.locate(1000));
}

TEST(tmpl_render, positions_count_characters_not_bytes) {
  const auto q = render("select 'é', x");
  const auto p = q.locate(13);  // the x
  ASSERT_TRUE(p);
  EXPECT_EQ(p->column, 13);
}

TEST(tmpl_render, renders_concurrently_from_one_compiled_template) {
  const auto t = sql_template::compile("{% for x in xs %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}");
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 200; ++k) {
        const auto q = t.render({{"xs", std::vector<int>{i, k}}});
        if (q.sql() != "$1,$2" || q.params()[0] != value(i) || q.params()[1] != value(k)) ++bad;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(tmpl_render, try_variants_return_diagnostics) {
  const auto c = sql_template::try_compile("{% if %}", "x.sql");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.diag().where, "x.sql");
  EXPECT_EQ(c.diag().line, 1);
  EXPECT_EQ(c.diag().kind, pgpx::error_kind::tmpl);
  EXPECT_NE(c.diag().message.find("TemplateSyntaxError"), std::string::npos);
  const auto t = sql_template::compile("{{ y }}");
  const auto r = t.try_render({});
  ASSERT_FALSE(r);
  EXPECT_NE(r.diag().to_string().find("<template>:1:4: UndefinedVariable"), std::string::npos) << r.diag().to_string();
}

TEST(tmpl_render, compiled_metadata) {
  const auto t = sql_template::compile(
      "{% include 'a' %}{% import 'b' as b %}{{ x }}{% for y in ys %}{{ y }}{% endfor %}{{ s | raw }}", "m");
  EXPECT_EQ(t.references(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.free_variables(), (std::vector<std::string>{"s", "x", "ys"}));
  ASSERT_EQ(t.raw_uses().size(), 1U);
  EXPECT_EQ(t.raw_uses()[0].column, 89);
  EXPECT_EQ(t.content_hash(), sql_template::compile(t.source(), "other").content_hash());
}
