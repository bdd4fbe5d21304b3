// cli/progress.cpp: see progress.hpp.
#include "progress.hpp"

#include "context.hpp"
#include "redaction.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string_view>

namespace pgpx::cli {

namespace {

// CI=true (GitHub Actions, GitLab, most others) or any other non-empty value but "false"/"0".
auto in_ci() -> bool {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  const std::string_view v(ci);
  return !v.empty() && v != "false" && v != "0";
}

// The terminal's width in columns (80 when it does not say).
auto columns() -> std::size_t {
  winsize w{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  return 80;
}

}  // namespace

auto progress_wanted(const context& ctx, bool json) -> bool {
  return !json && !ctx.options().quiet && ::isatty(STDERR_FILENO) == 1 && !in_ci();
}

progress_line::~progress_line() { clear(); }

void progress_line::show(std::size_t index, std::size_t count, const std::string& label, long done, long total) {
  if (!enabled_) return;
  std::string line = "[" + std::to_string(index) + "/" + std::to_string(count) + "] " + label;
  if (total > 0) line += " (statement " + std::to_string(done) + "/" + std::to_string(total) + ")";
  // One column short of the width: a full line would wrap on some terminals.
  const auto width = columns();
  if (line.size() >= width) line.resize(width > 1 ? width - 1 : 0);
  std::cerr << "\r\033[K" << line << std::flush;
  drawn_ = true;
  set_progress_line_drawn(true);  // what else is written to stderr erases it first
}

void progress_line::clear() noexcept {
  if (!drawn_) return;
  drawn_ = false;
  set_progress_line_drawn(false);
  try {
    std::cerr << "\r\033[K" << std::flush;
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing to do about a closed stderr
  }
}

}  // namespace pgpx::cli
