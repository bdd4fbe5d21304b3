#include <pgpx/types/convert.hpp>

#include <charconv>
#include <cstring>
#include <string>

namespace pgpx::detail {

void throw_integer_out_of_range(std::string_view value, std::string_view target) {
  throw conversion_error("value " + std::string(value) + " is out of range for " + std::string(target));
}

void throw_float4_out_of_range(double value, bool overflow) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  throw conversion_error("value " + std::string(buf, r.ptr) + " is out of range for float4 (" +
                         (overflow ? "overflow: it would become Infinity" : "underflow: it would become 0") + ")");
}

auto invalid_utf8_at(std::string_view s) noexcept -> std::size_t {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII runs, eight bytes at a time.
    while (i + 8 <= n) {
      std::uint64_t w = 0;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80;
    unsigned hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;       // no overlong forms
      else if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;       // no overlong forms
      else if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return i;
    }
    if (n - i < len) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    i += len;
  }
  return std::string_view::npos;
}

void check_text_bytes(std::string_view s, bool utf8) {
  if (s.empty()) return;
  if (const void* z = std::memchr(s.data(), 0, s.size()); z != nullptr) {
    throw conversion_error("text contains a NUL byte (at byte " +
                           std::to_string(static_cast<const char*>(z) - s.data()) +
                           "), which PostgreSQL text cannot store; send binary data as pgpx::bytea");
  }
  if (utf8) {
    if (const auto at = invalid_utf8_at(s); at != std::string_view::npos)
      throw conversion_error("text is not valid UTF-8 (at byte " + std::to_string(at) +
                             "), the client encoding pgpx connects with");
  }
}

void rethrow_at(std::string_view where, const conversion_error& e) {
  throw conversion_error(std::string(where) + ": " + e.message(), e.info());
}

}  // namespace pgpx::detail
