#include <pgpx/types/uuid.hpp>

#include <string>
#include <string_view>

namespace pgpx {
namespace {

[[nodiscard]] auto hex_value(char c) noexcept -> int {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void bad_uuid(std::string_view text) {
  constexpr std::size_t shown_max = 80;
  std::string shown = text.size() > shown_max ? std::string(text.substr(0, shown_max)) + "..." : std::string(text);
  throw conversion_error("invalid uuid \"" + shown + "\"");
}

}  // namespace

auto uuid::parse(std::string_view text) -> uuid {
  std::string_view s = text;
  const bool braces = !s.empty() && s.front() == '{';
  if (braces) {
    if (s.size() < 2 || s.back() != '}') bad_uuid(text);
    s = s.substr(1, s.size() - 2);
  }
  uuid v;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (s.size() - pos < 2) bad_uuid(text);
    const int hi = hex_value(s[pos]);
    const int lo = hex_value(s[pos + 1]);
    if (hi < 0 || lo < 0) bad_uuid(text);
    v.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    pos += 2;
    // Like uuid_in: one hyphen may follow every second byte, but not the last one.
    if (i % 2 == 1 && i < 15 && pos < s.size() && s[pos] == '-') ++pos;
  }
  if (pos != s.size()) bad_uuid(text);
  return v;
}

auto uuid::to_string() const -> std::string {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(hex[bytes[i] >> 4]);
    out.push_back(hex[bytes[i] & 0xF]);
  }
  return out;
}

}  // namespace pgpx
