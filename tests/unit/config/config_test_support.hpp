// Helpers for the configuration tests: a temporary directory and a fake environment.
#pragma once

#include <pgpx/config/secrets.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pgpx::test {

/// A directory under /tmp removed at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pgpx-config-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = std::filesystem::canonical(tmpl);
  }
  temp_dir(const temp_dir&) = delete;
  auto operator=(const temp_dir&) -> temp_dir& = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] auto path() const -> const std::filesystem::path& { return path_; }

  /// Writes `content` to path()/relative (creating directories); returns the full path.
  auto write(const std::filesystem::path& relative, std::string_view content) const -> std::filesystem::path {
    const auto p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

/// An environment for config_options::getenv: only the variables set here exist.
class fake_env {
 public:
  auto set(std::string name, std::string value) -> fake_env& {
    vars_->insert_or_assign(std::move(name), std::move(value));
    return *this;
  }
  void unset(const std::string& name) { vars_->erase(name); }
  [[nodiscard]] auto function() const -> getenv_function {
    auto vars = vars_;
    return [vars](std::string_view name) -> std::optional<std::string> {
      auto it = vars->find(std::string(name));
      if (it == vars->end()) return std::nullopt;
      return it->second;
    };
  }

 private:
  std::shared_ptr<std::map<std::string, std::string>> vars_ = std::make_shared<std::map<std::string, std::string>>();
};

/// True when no pgpx.toml exists in `dir`'s parents (the upward search would find it).
inline auto no_stray_config_above(const std::filesystem::path& dir) -> bool {
  for (auto p = dir.parent_path(); !p.empty(); p = p.parent_path()) {
    if (std::filesystem::exists(p / "pgpx.toml")) return false;
    if (p == p.parent_path()) break;
  }
  return true;
}

}  // namespace pgpx::test
