// Extension version comparison (pgpx/ext/version.hpp) and the plugin's error.
#include <pgpx/ext/error.hpp>
#include <pgpx/ext/version.hpp>

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace pgpx::ext {

namespace {

// A run of digits (without leading zeros) or of letters; separators ('.', '-', '_', '+' and
// anything else) only separate.
struct token {
  bool number = false;
  std::string_view text;
};

auto is_digit(char c) noexcept -> bool { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
auto is_alpha(char c) noexcept -> bool { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// The next token of `v` from `pos` (advanced past it), or none at the end.
auto next_token(std::string_view v, std::size_t& pos) noexcept -> std::optional<token> {
  while (pos < v.size() && !is_digit(v[pos]) && !is_alpha(v[pos])) ++pos;
  if (pos == v.size()) return std::nullopt;
  const bool number = is_digit(v[pos]);
  const auto start = pos;
  while (pos < v.size() && (number ? is_digit(v[pos]) : is_alpha(v[pos]))) ++pos;
  auto text = v.substr(start, pos - start);
  if (number) {
    const auto nz = text.find_first_not_of('0');
    text = nz == std::string_view::npos ? std::string_view("0") : text.substr(nz);
  }
  return token{number, text};
}

auto compare_tokens(const token& a, const token& b) noexcept -> int {
  if (a.number != b.number) return a.number ? 1 : -1;  // a word sorts before a number
  if (a.number && a.text.size() != b.text.size()) return a.text.size() < b.text.size() ? -1 : 1;
  const int c = a.text.compare(b.text);
  return (c > 0) - (c < 0);
}

// The rest of a version after the other one ran out, from `t` on: >0 when it makes the
// version newer, <0 for a pre-release word, 0 when only zeros follow.
auto tail_sign(std::optional<token> t, std::string_view v, std::size_t pos) noexcept -> int {
  for (; t; t = next_token(v, pos)) {
    if (!t->number) return -1;
    if (t->text != "0") return 1;
  }
  return 0;
}

}  // namespace

auto compare_versions(std::string_view a, std::string_view b) noexcept -> int {
  std::size_t pa = 0;
  std::size_t pb = 0;
  for (;;) {
    const auto ta = next_token(a, pa);
    const auto tb = next_token(b, pb);
    if (!ta || !tb) return ta ? tail_sign(ta, a, pa) : -tail_sign(tb, b, pb);
    if (const int c = compare_tokens(*ta, *tb); c != 0) return c;
  }
}

auto version_range::to_string() const -> std::string {
  if (min.empty() && below.empty()) return "any";
  if (below.empty()) return ">= " + min;
  if (min.empty()) return "< " + below;
  return "[" + min + ", " + below + ")";
}

auto to_string(failure f) noexcept -> std::string_view {
  switch (f) {
    case failure::unknown_plugin: return "unknown plugin";
    case failure::duplicate_plugin: return "duplicate plugin";
    case failure::missing_library: return "missing library";
    case failure::missing_symbol: return "missing symbol";
    case failure::abi_mismatch: return "ABI mismatch";
    case failure::invalid_plugin: return "invalid plugin";
    case failure::bad_settings: return "bad settings";
    case failure::missing_extension: return "missing extension";
    case failure::unsupported_version: return "unsupported version";
    case failure::not_installed: return "not installed";
  }
  return "unknown";
}

namespace {
auto kind_for(failure f) noexcept -> error_kind {
  switch (f) {
    case failure::unknown_plugin:
    case failure::duplicate_plugin: return error_kind::usage;
    case failure::missing_extension:
    case failure::unsupported_version:
    case failure::not_installed: return error_kind::validation;
    default: return error_kind::config;
  }
}
}  // namespace

extension_error::extension_error(failure cause, std::string plugin, std::string message, error_info info)
    : error(kind_for(cause), std::move(message), std::move(info)), cause_(cause), plugin_(std::move(plugin)) {}

}  // namespace pgpx::ext
