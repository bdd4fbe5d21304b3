// cli/progress.hpp: a one-line progress display on a terminal for long runs (migrate apply,
// rollback and redo, seed run): `[3/12] 20250101120000_x.up.sql (statement 4/10)`, redrawn in
// place with \r and cleared at the end. Drawn only when stderr is a terminal, the CI variable
// is not set (to anything but "" or "false"), and neither --quiet nor --format json was given;
// otherwise every call does nothing, so that logs and pipes never see it. While the line
// stands, any other text written to stderr erases it first (set_progress_line_drawn() of
// cli/redaction.hpp), so notes, warnings and log lines never run on from it.
#pragma once

#include <cstddef>
#include <string>

namespace pgpx::cli {

class context;

/// True when a progress line may be drawn for this invocation (see the file comment); `json`
/// is whether the command prints JSON.
[[nodiscard]] auto progress_wanted(const context& ctx, bool json) -> bool;

/// The progress line of one run, on stderr. Cleared by clear() and by the destructor, so that
/// an error message or the report that follows starts on an empty line.
class progress_line {
 public:
  /// Draws nothing unless `enabled` (progress_wanted()).
  explicit progress_line(bool enabled) noexcept : enabled_(enabled) {}
  progress_line(const progress_line&) = delete;
  auto operator=(const progress_line&) -> progress_line& = delete;
  ~progress_line();

  /// True when this line draws.
  [[nodiscard]] auto enabled() const noexcept -> bool { return enabled_; }
  /// Redraws the line: `[index/count] label`, and ` (statement done/total)` when total > 0;
  /// cut to the terminal's width.
  void show(std::size_t index, std::size_t count, const std::string& label, long done = 0, long total = 0);
  /// Erases the line (when one is drawn).
  void clear() noexcept;

 private:
  bool enabled_ = false;
  bool drawn_ = false;
};

}  // namespace pgpx::cli
