// Golden tests: tests/golden/tmpl/*.sqltest, declarative cases for the SQL helpers and filters.
//
// A file holds cases; each starts with `=== name` and has sections `--- <kind>` whose
// content runs to the next section (trailing empty lines dropped):
//   --- template          the template under test (named "main")
//   --- template NAME     another template, for include/import/extends
//   --- vars              JSON object of variables (default {})
//   --- options           JSON: {"in_empty": "false_list", "allow_raw_host_strings": true,
//                         "models": {"User": ["id", "name"]}, "trim_blocks": true, "lstrip_blocks": true}
//   --- sql               the expected SQL
//   --- params            required with sql: the parameters, $1 first, as a JSON array ([] for
//                         none). Compared value by value as JSON text, so 1, 1.0, "1" and true
//                         all differ, and so do the order and the count.
//   --- types             required with sql: the type each parameter is sent to the server with
//                         (rendered_query::to_param_list(), what libpq receives), as built-in
//                         type names, "" where the server infers it (OID 0).
//   --- error             a regular expression the error message must match (instead of sql;
//                         such a case has no params or types)
// The SQL's placeholders must be exactly $1..$N for N parameters.
// Lines before the first case, and lines starting with `#` at the start of a section or after
// a blank line, are comments.
#include <pgpx/tmpl/template.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace pgpx::tmpl;
namespace fs = std::filesystem;

namespace {

struct golden_case {
  std::string file;
  int line = 0;
  std::string name;
  std::map<std::string, std::string> sections;  // "template", "template NAME", "vars", ...
};

auto load_cases() -> std::vector<golden_case> {
  std::vector<golden_case> out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(PGPX_GOLDEN_DIR))
    if (e.path().extension() == ".sqltest") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    int n = 0;
    golden_case* cur = nullptr;
    std::string section;
    std::vector<std::string> lines;
    const auto flush = [&] {
      if (cur != nullptr && !section.empty()) {
        while (!lines.empty() && lines.back().empty()) lines.pop_back();  // blank lines between cases
        std::string text;
        for (std::size_t i = 0; i < lines.size(); ++i) text += (i ? "\n" : "") + lines[i];
        cur->sections[section] = text;
      }
      section.clear();
      lines.clear();
    };
    while (std::getline(in, line)) {
      ++n;
      if (line.rfind("=== ", 0) == 0) {
        flush();
        out.push_back(golden_case{f.filename().string(), n, line.substr(4), {}});
        cur = &out.back();
      } else if (line.rfind("--- ", 0) == 0 && cur != nullptr) {
        flush();
        section = line.substr(4);
      } else if (line.rfind('#', 0) == 0 && (lines.empty() || lines.back().empty())) {
        continue;  // a comment: before the first case, or after a blank line
      } else if (!section.empty()) {
        lines.push_back(line);
      }
    }
    flush();
  }
  return out;
}

auto cases() -> const std::vector<golden_case>& {
  static const auto c = load_cases();
  return c;
}

// The types the parameters are sent with, by name ("" for 0: the server infers it).
auto wire_type_names(const rendered_query& q) -> std::vector<std::string> {
  std::vector<std::string> out;
  const auto p = q.to_param_list();
  for (std::size_t i = 0; i < p.size(); ++i) {
    const auto t = p.types()[i];
    out.emplace_back(t == 0 ? "" : std::string(pgpx::builtin_type_name(t)));
  }
  return out;
}

// The $n numbers in SQL text, in order of first appearance, without repeats.
auto placeholders(const std::string& sql) -> std::vector<std::size_t> {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i + 1 < sql.size(); ++i) {
    if (sql[i] != '$' || sql[i + 1] < '0' || sql[i + 1] > '9') continue;
    std::size_t n = 0;
    std::size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') n = n * 10 + static_cast<std::size_t>(sql[j++] - '0');
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    i = j - 1;
  }
  return out;
}

// Compares the rendered parameters with the expected JSON array, one by one.
void expect_params(const rendered_query& q, const std::string& expected_text) {
  const auto expected = nlohmann::ordered_json::parse(expected_text);
  ASSERT_TRUE(expected.is_array()) << "--- params must be a JSON array";
  const auto got = q.to_json()["params"];
  EXPECT_EQ(got.size(), expected.size()) << "parameter count: expected " << expected.dump() << ", got " << got.dump();
  for (std::size_t i = 0; i < std::min(got.size(), expected.size()); ++i)
    EXPECT_EQ(got[i].dump(), expected[i].dump()) << "parameter $" << i + 1 << " (" << q.param_names()[i] << ")";
}

void expect_types(const rendered_query& q, const std::string& expected_text) {
  const auto expected = nlohmann::json::parse(expected_text).get<std::vector<std::string>>();
  const auto got = wire_type_names(q);
  EXPECT_EQ(got.size(), expected.size()) << "type count";
  for (std::size_t i = 0; i < std::min(got.size(), expected.size()); ++i)
    EXPECT_EQ(got[i], expected[i]) << "type of parameter $" << i + 1 << " (" << q.param_names()[i] << ")";
}

class golden : public ::testing::TestWithParam<std::size_t> {};

TEST_P(golden, renders_as_expected) {
  const golden_case& c = cases()[GetParam()];
  SCOPED_TRACE(c.file + ":" + std::to_string(c.line) + " " + c.name);
  ASSERT_TRUE(c.sections.count("template")) << "a case needs a template";
  ASSERT_TRUE(c.sections.count("sql") + c.sections.count("error") == 1) << "a case needs either sql or error";
  if (c.sections.count("sql")) {
    ASSERT_TRUE(c.sections.count("params")) << "a case with sql needs --- params ([] when there are none)";
    ASSERT_TRUE(c.sections.count("types")) << "a case with sql needs --- types ([] when there are none)";
  } else {
    ASSERT_FALSE(c.sections.count("params") + c.sections.count("types")) << "an error case has no params or types";
  }
  memory_loader l;
  for (const auto& [k, v] : c.sections)
    if (k.rfind("template ", 0) == 0) l.add(k.substr(9), v);
  syntax_options syn;
  render_options opt;
  if (c.sections.count("options")) {
    const auto o = nlohmann::json::parse(c.sections.at("options"));
    if (o.value("in_empty", "error") == "false_list") opt.in_empty = in_empty_policy::false_list;
    opt.allow_raw_host_strings = o.value("allow_raw_host_strings", false);
    syn.trim_blocks = o.value("trim_blocks", false);
    syn.lstrip_blocks = o.value("lstrip_blocks", false);
    if (o.contains("models"))
      for (const auto& [model, cols] : o["models"].items())
        opt.models[model] = model_columns{cols.get<std::vector<std::string>>()};
  }
  const vars v = c.sections.count("vars") ? vars_from_json(nlohmann::json::parse(c.sections.at("vars"))) : vars{};
  try {
    const auto q = sql_template::compile(c.sections.at("template"), "main", syn).render(v, opt, &l);
    if (c.sections.count("error")) {
      ADD_FAILURE() << "expected an error matching /" << c.sections.at("error") << "/, got SQL:\n" << q.sql();
      return;
    }
    EXPECT_EQ(q.sql(), c.sections.at("sql"));
    expect_params(q, c.sections.at("params"));
    expect_types(q, c.sections.at("types"));
    std::vector<std::size_t> want(q.params().size());
    for (std::size_t i = 0; i < want.size(); ++i) want[i] = i + 1;
    auto got = placeholders(q.sql());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want) << "the SQL must use exactly $1..$" << want.size();
  } catch (const template_error& e) {
    if (!c.sections.count("error")) {
      ADD_FAILURE() << "unexpected error:\n" << e.message();
      return;
    }
    EXPECT_TRUE(std::regex_search(e.message(), std::regex(c.sections.at("error"))))
        << "error does not match /" << c.sections.at("error") << "/:\n"
        << e.message();
  }
}

auto case_name(const ::testing::TestParamInfo<std::size_t>& p) -> std::string {
  const auto& c = cases()[p.param];
  std::string n = c.file.substr(0, c.file.find('.')) + "_" + c.name;
  for (auto& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(files, golden, ::testing::Range<std::size_t>(0, cases().size()), case_name);

TEST(golden_files, are_found) { EXPECT_GE(cases().size(), 40U); }

}  // namespace
