// tests/unit/tmpl/injection_corpus.hpp: hostile values for the template injection tests
// (also used by the integration test that checks the server log).
//
// Curated by hand from the classes of spec/reliability.md B.2: quote breaking, comments,
// statement stacking, dollar quotes, backslashes, NUL, Unicode look-alikes and controls,
// invalid UTF-8, template syntax, placeholders of other dialects, and very long strings.
#pragma once

#include <string>
#include <vector>

inline auto injection_corpus() -> const std::vector<std::string>& {
  static const std::vector<std::string> corpus = [] {
    std::vector<std::string> c = {
        "",
        "'",
        "''",
        "\"",
        "\"\"",
        "\\",
        "\\'",
        "'; drop table canary; --",
        "' or '1'='1",
        "1; delete from canary",
        "1) or (1=1",
        "x' union select current_user --",
        "admin'--",
        "/*",
        "*/",
        "/* unclosed comment",
        "-- trailing comment",
        "--",
        ";",
        ";;",
        "$$",
        "$$; drop table canary; $$",
        "$tag$ ' $tag$",
        "$1",
        "$2; select $1",
        "?",
        "%s",
        "%(name)s",
        ":name",
        "E'\\x27'",
        "\\x27",
        "U&'\\0027'",
        std::string("a\0b", 3),
        std::string("\0", 1),
        "\r\n'\r\n",
        "\t\v\f",
        "\xCA\xBC",                  // U+02BC modifier letter apostrophe
        "\xEF\xBC\x87",              // U+FF07 fullwidth apostrophe
        "\xEF\xBC\x82",              // U+FF02 fullwidth quotation mark
        "\xEF\xBC\x9B",              // U+FF1B fullwidth semicolon
        "\xE2\x80\x99 or 1=1",       // right single quotation mark
        "\xE2\x80\xAE'",             // right-to-left override
        "\xE2\x80\x8B'\xE2\x80\x8B",  // zero-width spaces
        "\xC0\xA7",                  // overlong encoding of '
        "\xFF\xFE'",                 // invalid UTF-8
        "{{ 7 * 7 }}",
        "{% raw %}",
        "{# #}",
        "\"; drop table canary; --",
        "a\"b",
        "pg_sleep(1)",
        "'||pg_sleep(1)||'",
        "1 union all select null",
        "ASC; drop table canary",
        "desc --",
        std::string(64, 'x'),
        std::string(63, 'y'),
        std::string(4096, '\''),
        std::string(200000, 'z') + "'",
    };
    return c;
  }();
  return corpus;
}
