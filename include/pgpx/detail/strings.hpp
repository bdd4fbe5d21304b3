// pgpx/detail/strings.hpp: small string helpers shared by pgpx's sources.
// Internal: not part of the public API.
#pragma once

#include <pgpx/export.hpp>

#include <string>
#include <string_view>

namespace pgpx::detail {

/// Replaces every occurrence of `what` in `text` with `with` (left to right, no rescans).
inline void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  std::size_t pos = 0;
  while ((pos = text.find(what, pos)) != std::string::npos) {
    text.replace(pos, what.size(), with);
    pos += with.size();
  }
}

}  // namespace pgpx::detail
