// The template library without a database: discovery, names, traversal refusal, includes,
// cycles, the compile cache in development and production modes, and whole-library checks.
#include <pgpx/tmpl/library.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace pgpx::tmpl;
namespace fs = std::filesystem;

namespace {

class loader_test : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("pgpx-tmpl-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "queries");
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const fs::path& rel, const std::string& text) {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  // Moves a file's mtime forward so that a rewrite within the same clock tick is noticed.
  void bump_mtime(const fs::path& rel, int seconds) {
    const fs::path p = root_ / rel;
    fs::last_write_time(p, fs::last_write_time(p) + std::chrono::seconds(seconds));
  }
  auto dir() const -> fs::path { return root_ / "queries"; }

  fs::path root_;
};

auto code_of(const std::function<void()>& f) -> std::optional<errc> {
  try {
    f();
  } catch (const template_error& e) {
    return e.code();
  }
  return std::nullopt;
}

}  // namespace

TEST_F(loader_test, resolves_names_to_files_in_order) {
  write("queries/users/list.sql.j2", "select 1");
  write("queries/users/list.sql", "select 2");
  write("queries/users/only_sql.sql", "select 3");
  write("extra/users/list.sql.j2", "select 4");
  write("extra/other.sql.j2", "select 5");
  library_options o;
  o.search_paths = {dir(), root_ / "extra"};
  library lib{o};
  EXPECT_EQ(lib.render("users/list", {}).sql(), "select 1");
  EXPECT_EQ(lib.render("users/only_sql", {}).sql(), "select 3");
  EXPECT_EQ(lib.render("other", {}).sql(), "select 5");
  EXPECT_EQ(lib.render("./users//list.sql.j2", {}).sql(), "select 1");
  EXPECT_EQ(lib.get("users/list").name(), "users/list.sql.j2");
  EXPECT_EQ(lib.names(), (std::vector<std::string>{"other", "users/list", "users/only_sql"}));
  ASSERT_TRUE(lib.file_of("users/list"));
  EXPECT_EQ(*lib.file_of("users/list"), dir() / "users/list.sql.j2");
  EXPECT_FALSE(lib.load("nope"));
  EXPECT_EQ(code_of([&] { (void)lib.get("usres/list"); }), errc::include_not_found);
  try {
    (void)lib.get("users/lsit");
    ADD_FAILURE() << "users/lsit was found";
  } catch (const template_error& e) {
    EXPECT_EQ(e.code(), errc::include_not_found);
    EXPECT_NE(e.message().find("did you mean 'users/list'?"), std::string::npos) << e.message();
  }
}

TEST_F(loader_test, declared_names_find_templates) {
  write("queries/users/search.sql.j2", "{#- pgpx\nname: users.search\n-#}select 1");
  library lib{dir()};
  EXPECT_EQ(lib.render("users.search", {}).sql(), "select 1");
  const auto n = lib.names();
  EXPECT_NE(std::find(n.begin(), n.end(), "users.search"), n.end());
  EXPECT_NE(std::find(n.begin(), n.end(), "users/search"), n.end());
}

TEST_F(loader_test, traversal_and_absolute_names_are_refused) {
  write("secret.sql", "select 'outside'");
  library lib{dir()};
  for (const char* bad : {"../secret", "a/../../secret", "/etc/passwd", "..", "a\\b", "", "~/x", "C:/x"})
    EXPECT_EQ(code_of([&] { (void)lib.get(bad); }), errc::invalid_name) << bad;
  EXPECT_EQ(code_of([&] { (void)lib.get(std::string("a\0b", 3)); }), errc::invalid_name);
  // Through an include, the error points at the include.
  write("queries/q.sql.j2", "select 1\n{% include '../secret' %}");
  try {
    (void)lib.render("q", {});
    FAIL();
  } catch (const template_error& e) {
    EXPECT_EQ(e.code(), errc::invalid_name);
    EXPECT_EQ(e.where().template_name, "q.sql.j2");
    EXPECT_EQ(e.where().line, 2);
  }
  EXPECT_EQ(normalize_name("./a//b/./c.sql"), "a/b/c.sql");
}

TEST_F(loader_test, includes_imports_and_extends_resolve_through_the_library) {
  write("queries/_partials/tenant.sql.j2", "tenant_id = {{ tenant }}");
  write("queries/_macros/sql.sql.j2", "{% macro eq(c, v) %}{{ c | ident }} = {{ v }}{% endmacro %}");
  write("queries/layouts/list.sql.j2",
        "select * from {% block from %}{% endblock %} where {% block where %}true{% endblock %}");
  write(
      "queries/users/list.sql.j2",
      "{% extends 'layouts/list' %}{% from '_macros/sql' import eq %}"
      "{% block from %}users{% endblock %}{% block where %}{% include '_partials/tenant' %} and {{ eq('name', n) }}{% endblock %}");
  library lib{dir()};
  const auto q = lib.render("users/list", {{"tenant", 1}, {"n", "x"}});
  EXPECT_EQ(q.sql(), "select * from users where tenant_id = $1 and \"name\" = $2");
  EXPECT_EQ(q.to_json()["params"].dump(), R"([1,"x"])");
}

TEST_F(loader_test, cycles_are_detected_when_rendering) {
  write("queries/a.sql.j2", "{% include 'b' %}");
  write("queries/b.sql.j2", "{% include 'a' %}");
  library lib{dir()};
  try {
    (void)lib.render("a", {});
    FAIL();
  } catch (const template_error& e) {
    EXPECT_EQ(e.code(), errc::include_cycle);
    EXPECT_NE(e.message().find("include cycle: a.sql.j2 -> b.sql.j2 -> a.sql.j2"), std::string::npos) << e.message();
  }
}

TEST_F(loader_test, development_mode_recompiles_only_changed_files) {
  write("queries/q.sql.j2", "select 1");
  library lib{dir()};
  EXPECT_EQ(lib.render("q", {}).sql(), "select 1");
  EXPECT_EQ(lib.render("q", {}).sql(), "select 1");
  EXPECT_EQ(lib.compilations(), 1U);
  write("queries/q.sql.j2", "select 2");
  bump_mtime("queries/q.sql.j2", 5);
  EXPECT_EQ(lib.render("q", {}).sql(), "select 2");
  EXPECT_EQ(lib.compilations(), 2U);
  // Touched but unchanged: the content hash matches, no recompilation.
  bump_mtime("queries/q.sql.j2", 10);
  EXPECT_EQ(lib.render("q", {}).sql(), "select 2");
  EXPECT_EQ(lib.compilations(), 2U);
  // A new file is found without restarting.
  write("queries/new.sql.j2", "select 3");
  EXPECT_EQ(lib.render("new", {}).sql(), "select 3");
}

TEST_F(loader_test, production_mode_preloads_and_freezes) {
  write("queries/q.sql.j2", "select 1");
  write("queries/r.sql", "select {{ x }}");
  library_options o;
  o.search_paths = {dir()};
  o.mode = library_mode::production;
  library lib{o};
  EXPECT_EQ(lib.compilations(), 2U);
  write("queries/q.sql.j2", "select 2");
  bump_mtime("queries/q.sql.j2", 5);
  write("queries/late.sql.j2", "select 3");
  fs::remove(root_ / "queries/r.sql");
  EXPECT_EQ(lib.render("q", {}).sql(), "select 1");
  EXPECT_EQ(lib.render("r", {{"x", 1}}).sql(), "select $1");
  EXPECT_FALSE(lib.load("late"));
  EXPECT_EQ(lib.compilations(), 2U);
  EXPECT_EQ(lib.names(), (std::vector<std::string>{"q", "r"}));
}

TEST_F(loader_test, production_mode_fails_fast_on_a_broken_template) {
  write("queries/good.sql.j2", "select 1");
  write("queries/bad.sql.j2", "select {% if %}");
  library_options o;
  o.search_paths = {dir()};
  o.mode = library_mode::production;
  EXPECT_EQ(code_of([&] { library lib{o}; }), errc::syntax);
}

TEST_F(loader_test, check_reports_what_a_single_compile_cannot) {
  write("queries/ok.sql.j2", "select 1");
  write("queries/broken.sql.j2", "select {{ x | nosuch }}");
  write("queries/missing_include.sql.j2", "select 1 {% include '_nope' %} {% include '_gone' ignore missing %}");
  write("queries/cyc1.sql.j2", "{% include 'cyc2' %}");
  write("queries/cyc2.sql.j2", "{% include 'cyc1' %}");
  write("queries/base.sql.j2", "select {% block a %}{% endblock %}");
  write("queries/child.sql.j2", "{% extends 'base' %}{% block b %}x{% endblock %}");
  write("queries/_part.sql.j2", "{{ used_in_part }}");
  write("queries/decl.sql.j2", "{#- pgpx\nparams:\n  used_in_part: int4\n  never: text\n-#}{% include '_part' %}");
  write("queries/raw.sql.j2", "{% set f %}x{% endset %}select {{ f | raw }}");
  library lib{dir()};
  const auto r = lib.check();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.names.size(), 10U);
  std::map<std::string, errc> by_template;
  for (const auto& e : r.errors) by_template[e.where().template_name] = e.code();
  EXPECT_EQ(by_template["broken.sql.j2"], errc::unknown_filter);
  EXPECT_EQ(by_template["missing_include.sql.j2"], errc::include_not_found);
  EXPECT_EQ(by_template["cyc1.sql.j2"], errc::include_cycle);
  EXPECT_EQ(by_template["cyc2.sql.j2"], errc::include_cycle);
  EXPECT_EQ(by_template["child.sql.j2"], errc::block_not_found);
  EXPECT_EQ(by_template["decl.sql.j2"], errc::declared_param_unused);
  EXPECT_EQ(by_template.count("ok.sql.j2"), 0U);
  EXPECT_EQ(by_template.count("_part.sql.j2"), 0U);
  EXPECT_EQ(r.errors.size(), 6U);
  for (const auto& e : r.errors) {
    if (e.code() == errc::declared_param_unused) {
      EXPECT_NE(e.message().find("'never'"), std::string::npos) << e.message();
    }
  }
  ASSERT_EQ(r.raw_uses.size(), 1U);
  EXPECT_EQ(r.raw_uses[0].template_name, "raw.sql.j2");
}

TEST_F(loader_test, render_hook_sees_names_and_types) {
  write("queries/q.sql.j2", "{#- pgpx\nparams:\n  a: int4\n  password: text\n-#}select {{ a }}, {{ password }}");
  library_options o;
  o.search_paths = {dir()};
  std::vector<std::string> seen;
  o.on_render = [&](const render_event& e) {
    seen.emplace_back(e.template_name);
    for (std::size_t i = 0; i < e.query->param_names().size(); ++i)
      seen.push_back(e.query->param_names()[i] + (e.query->param_secret()[i] ? "*" : "") + ":" +
                     std::string(pgpx::builtin_type_name(e.query->param_types()[i])));
  };
  library lib{o};
  (void)lib.render("q", {{"a", 1}, {"password", "x"}});
  EXPECT_EQ(seen, (std::vector<std::string>{"q.sql.j2", "a:int4", "password*:text"}));
}

TEST_F(loader_test, concurrent_use_in_development_mode) {
  for (int i = 0; i < 5; ++i)
    write("queries/q" + std::to_string(i) + ".sql.j2", "select {{ x }} + " + std::to_string(i));
  library lib{dir()};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 100; ++k) {
        const int i = (k + t) % 5;
        const auto q = lib.render("q" + std::to_string(i), {{"x", k}});
        if (q.sql() != "select $1 + " + std::to_string(i)) ++bad;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(lib.compilations(), 5U);
}
