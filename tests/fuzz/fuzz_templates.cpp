// tests/fuzz/fuzz_templates.cpp: the template lexer, parser, checks and renderer fed untrusted
// template text.
//
// Input: byte 0 picks syntax options (bit 0 trim_blocks, bit 1 lstrip_blocks, bit 2
// keep_trailing_newline, bit 3 other delimiters <% %> << >> <# #>); the rest is the
// template. A few templates named "a", "b" and "base" are available to include, import and
// extend, and the variables below are defined.
//
// Properties checked:
//   * compile and render either succeed or throw pgpx::tmpl::template_error; nothing else
//     escapes (a conversion of the parameters is not attempted here);
//   * a render is deterministic: rendering twice gives the same SQL and parameters;
//   * every $n in the SQL refers to an existing parameter and every parameter is used.
#include <pgpx/tmpl/template.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

auto fixtures() -> const pgpx::tmpl::memory_loader& {
  static const pgpx::tmpl::memory_loader l = [] {
    pgpx::tmpl::memory_loader m;
    m.add("a", "a = {{ x }}")
        .add("b", "{% macro m(v, w=1) %}f({{ v }}, {{ w }}){% endmacro %}{% set k = 3 %}")
        .add("base", "select {% block cols %}*{% endblock %} from t {% block where %}{% endblock %}");
    return m;
  }();
  return l;
}

auto variables() -> const pgpx::tmpl::vars& {
  static const pgpx::tmpl::vars v = {
      {"x", 1},
      {"s", "it's"},
      {"xs", std::vector<int>{1, 2, 3}},
      {"names", std::vector<std::string>{"a", "b c"}},
      {"m", pgpx::tmpl::value::map({{"k", "v"}, {"n", 2}})},
      {"none", nullptr},
      {"f", 1.5},
  };
  return v;
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_templates: property violated: %s\n", what);
  std::abort();
}

void check_placeholders(const pgpx::tmpl::rendered_query& q) {
  const std::string& s = q.sql();
  std::vector<bool> used(q.params().size(), false);
  // The engine never writes '$' followed by digits except as a placeholder, but template
  // text may contain "$1" too; only check the numbers it could have written.
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '$' || s[i + 1] < '1' || s[i + 1] > '9') continue;
    std::size_t n = 0, j = i + 1;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9' && n < 1000000)
      n = n * 10 + static_cast<std::size_t>(s[j++] - '0');
    if (n >= 1 && n <= used.size()) used[n - 1] = true;
  }
  for (bool u : used)
    if (!u) fail("a parameter is not referenced by any $n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  const std::string_view source(reinterpret_cast<const char*>(data + 1), size - 1);
  pgpx::tmpl::syntax_options syn;
  syn.trim_blocks = (flags & 1U) != 0;
  syn.lstrip_blocks = (flags & 2U) != 0;
  syn.keep_trailing_newline = (flags & 4U) != 0;
  if ((flags & 8U) != 0) {
    syn.block_start = "<%";
    syn.block_end = "%>";
    syn.variable_start = "<<";
    syn.variable_end = ">>";
    syn.comment_start = "<#";
    syn.comment_end = "#>";
  }
  pgpx::tmpl::render_options opt;
  opt.limits.max_loop_iterations = 2000;
  opt.limits.max_output_bytes = 1U << 16U;
  opt.limits.max_call_depth = 16;
  opt.limits.max_include_depth = 8;
  opt.models["User"] = pgpx::tmpl::model_columns{{"id", "name"}};
  try {
    const auto t = pgpx::tmpl::sql_template::compile(source, "fuzz", syn);
    const auto q1 = t.render(variables(), opt, &fixtures());
    const auto q2 = t.render(variables(), opt, &fixtures());
    if (q1.sql() != q2.sql() || q1.params().size() != q2.params().size()) fail("render is not deterministic");
    for (std::size_t i = 0; i < q1.params().size(); ++i)
      if (!(q1.params()[i] == q2.params()[i])) fail("render is not deterministic");
    check_placeholders(q1);
    (void)q1.to_json();
  } catch (const pgpx::tmpl::template_error&) {
    // expected for most inputs
  }
  return 0;
}
