// tests/integration/cli/cli_project.hpp: a test database plus a scratch project directory
// (with an empty pgpx.toml) that the real pgpx binary runs in.
#pragma once

#include "integration/cli/cli_support.hpp"
#include "support/test_db.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace pgpx::test::cli {

/// True when `text` holds `part`.
inline auto contains(const std::string& text, const std::string& part) -> bool {
  return text.find(part) != std::string::npos;
}

/// db_test with a project directory `project_` (named after the test's database, removed
/// afterwards) holding `pgpx.toml`; pgpx() runs `pgpx --url <this database> ARGS...` in it.
class project_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    project_ = fs::temp_directory_path() / ("pgpx-cli-" + database_name());
    fs::remove_all(project_);
    fs::create_directories(project_);
    std::ofstream(project_ / "pgpx.toml") << "";
  }
  void TearDown() override {
    fs::remove_all(project_);
    db_test::TearDown();
  }
  auto pgpx(std::vector<std::string> args) -> run_result {
    args.insert(args.begin(), {"--url", conninfo().to_string()});
    return pgpx_run(args, project_);
  }
  fs::path project_;
};

}  // namespace pgpx::test::cli
