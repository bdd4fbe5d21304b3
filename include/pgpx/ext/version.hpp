// pgpx/ext/version.hpp: extension version strings and the ranges a plugin supports.
//
// PostgreSQL extension versions are free-form strings ("1.6", "0.5.1", "3.4.0dev"). pgpx
// splits them into runs of digits and runs of letters ('.', '-', '_' and '+' separate) and
// compares run by run: numbers as numbers ("1.10" > "1.9"), words as text, a word before a
// number ("1.0beta" < "1.0.1"). When one version runs out, missing numbers count as 0
// ("1.0" == "1") and a trailing word marks a pre-release ("1.0beta" < "1.0").
//
//   pgpx::ext::compare_versions("1.10", "1.9") > 0
//   pgpx::ext::version_range{"1.4", "2"}.contains("1.6")      // [1.4, 2)
#pragma once

#include <pgpx/export.hpp>

#include <compare>
#include <string>
#include <string_view>

namespace pgpx::ext {

/// Compares two extension versions (see the file comment); <0, 0 or >0.
[[nodiscard]] PGPX_API auto compare_versions(std::string_view a, std::string_view b) noexcept -> int;

/// The versions a plugin supports: [min, below). An empty bound is open.
struct version_range {
  std::string min{};    ///< the lowest supported version (inclusive); empty: no lower bound
  std::string below{};  ///< the first unsupported version (exclusive); empty: no upper bound

  /// True when `v` lies in the range.
  [[nodiscard]] auto contains(std::string_view v) const noexcept -> bool {
    return (min.empty() || compare_versions(v, min) >= 0) && (below.empty() || compare_versions(v, below) < 0);
  }
  /// True when both bounds are open.
  [[nodiscard]] auto is_any() const noexcept -> bool { return min.empty() && below.empty(); }
  /// "[1.4, 2)", ">= 1.4", "< 2" or "any".
  [[nodiscard]] PGPX_API auto to_string() const -> std::string;
};

}  // namespace pgpx::ext
