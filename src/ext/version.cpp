// Extension version comparison (pgpx/ext/version.hpp) and the plugin's error.
#include <pgpx/ext/error.hpp>
#include <pgpx/ext/version.hpp>

#include <cctype>
#include <string>
#include <vector>

namespace pgpx::ext {

namespace {

struct token {
  bool number = false;
  std::string text;  // digits without leading zeros for numbers
};

auto tokens_of(std::string_view v) -> std::vector<token> {
  std::vector<token> out;
  std::size_t i = 0;
  while (i < v.size()) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (std::isdigit(c) != 0) {
      std::size_t j = i;
      while (j < v.size() && std::isdigit(static_cast<unsigned char>(v[j])) != 0) ++j;
      auto digits = std::string(v.substr(i, j - i));
      const auto nz = digits.find_first_not_of('0');
      out.push_back({true, nz == std::string::npos ? std::string("0") : digits.substr(nz)});
      i = j;
    } else if (std::isalpha(c) != 0) {
      std::size_t j = i;
      while (j < v.size() && std::isalpha(static_cast<unsigned char>(v[j])) != 0) ++j;
      out.push_back({false, std::string(v.substr(i, j - i))});
      i = j;
    } else {
      ++i;  // a separator
    }
  }
  return out;
}

auto compare_numbers(const std::string& a, const std::string& b) -> int {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a < b ? -1 : (a > b ? 1 : 0);
}

// The rest of a version after the other one ran out: >0 when it makes the version newer.
auto tail_sign(const std::vector<token>& t, std::size_t from) -> int {
  for (std::size_t i = from; i < t.size(); ++i) {
    if (!t[i].number) return -1;  // a pre-release word
    if (t[i].text != "0") return 1;
  }
  return 0;
}

}  // namespace

auto compare_versions(std::string_view a, std::string_view b) noexcept -> int {
  try {
    const auto ta = tokens_of(a);
    const auto tb = tokens_of(b);
    const auto n = std::min(ta.size(), tb.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (ta[i].number && tb[i].number) {
        if (const int c = compare_numbers(ta[i].text, tb[i].text); c != 0) return c;
      } else if (ta[i].number != tb[i].number) {
        return ta[i].number ? 1 : -1;  // a word sorts before a number
      } else if (const int c = ta[i].text.compare(tb[i].text); c != 0) {
        return c < 0 ? -1 : 1;
      }
    }
    if (ta.size() > n) return tail_sign(ta, n);
    if (tb.size() > n) return -tail_sign(tb, n);
    return 0;
  } catch (...) {  // allocation failure: fall back to text order
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
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
