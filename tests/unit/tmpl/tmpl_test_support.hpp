// tests/unit/tmpl/tmpl_test_support.hpp: small helpers shared by the template unit tests.
#pragma once

#include <pgpx/tmpl/template.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace tmpl_test {

/// Compiles and renders `source` as template "t.sql.j2".
inline auto render(std::string_view source, const pgpx::tmpl::vars& v = {}, const pgpx::tmpl::render_options& o = {},
                   const pgpx::tmpl::loader* l = nullptr, const pgpx::tmpl::syntax_options& s = {})
    -> pgpx::tmpl::rendered_query {
  return pgpx::tmpl::sql_template::compile(source, "t.sql.j2", s).render(v, o, l);
}

/// The SQL text of a render.
inline auto sql(std::string_view source, const pgpx::tmpl::vars& v = {}, const pgpx::tmpl::render_options& o = {},
                const pgpx::tmpl::loader* l = nullptr) -> std::string {
  return render(source, v, o, l).sql();
}

/// The error a compile or render raises; fails the test when there is none.
inline auto error_of(std::string_view source, const pgpx::tmpl::vars& v = {}, const pgpx::tmpl::render_options& o = {},
                     const pgpx::tmpl::loader* l = nullptr, const pgpx::tmpl::syntax_options& s = {})
    -> std::optional<pgpx::tmpl::template_error> {
  try {
    auto q = render(source, v, o, l, s);
    ADD_FAILURE() << "expected a template error, got SQL: " << q.sql();
  } catch (const pgpx::tmpl::template_error& e) {
    return e;
  }
  return std::nullopt;
}

}  // namespace tmpl_test
