// pgpx/detail/strings.hpp: small string helpers shared by pgpx's sources.
// Internal: not part of the public API.
#pragma once

#include <pgpx/export.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx::detail {

/// The pieces of `text` between separators `sep`, in order, empty ones included: "a,,b" is
/// {"a", "", "b"} and "" is {""}. The pieces view `text`.
[[nodiscard]] inline auto split(std::string_view text, char sep) -> std::vector<std::string_view> {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const auto at = text.find(sep, start);
    out.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

/// Replaces every occurrence of `what` in `text` with `with` (left to right, no rescans).
inline void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  std::size_t pos = 0;
  while ((pos = text.find(what, pos)) != std::string::npos) {
    text.replace(pos, what.size(), with);
    pos += with.size();
  }
}

/// True for a UTF-8 continuation byte (10xxxxxx): not the start of a character.
[[nodiscard]] constexpr auto is_utf8_continuation(char c) noexcept -> bool {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

/// The number of characters (code points) of UTF-8 text: its bytes that start one.
[[nodiscard]] inline auto utf8_length(std::string_view s) noexcept -> std::size_t {
  std::size_t n = 0;
  for (const char c : s) n += is_utf8_continuation(c) ? 0 : 1;
  return n;
}

/// The largest n <= `limit` at which UTF-8 text `s` can be cut without splitting a character.
[[nodiscard]] inline auto utf8_floor(std::string_view s, std::size_t limit) noexcept -> std::size_t {
  if (limit >= s.size()) return s.size();
  while (limit > 0 && is_utf8_continuation(s[limit])) --limit;
  return limit;
}

/// The Levenshtein distance of `a` and `b`, ASCII letters compared without case: how close a
/// misspelt name is to a known one (for "did you mean ...?").
[[nodiscard]] inline auto edit_distance(std::string_view a, std::string_view b) -> std::size_t {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t subst = prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

/// Appends the UTF-8 encoding of code point `cp` (callers keep it within U+10FFFF).
inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | ((cp >> 18) & 0x07)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace pgpx::detail
