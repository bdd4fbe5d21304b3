// pgpx/detail/endian.hpp: network byte order reads and writes for the binary codecs.
// Internal: not part of the public API.
#pragma once

#include <pgpx/error.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace pgpx::detail {

template <class U>
[[nodiscard]] constexpr auto byteswap_if_little(U v) noexcept -> U {
  if constexpr (std::endian::native == std::endian::little) {
    if constexpr (sizeof(U) == 2) return static_cast<U>(__builtin_bswap16(static_cast<std::uint16_t>(v)));
    else if constexpr (sizeof(U) == 4) return static_cast<U>(__builtin_bswap32(static_cast<std::uint32_t>(v)));
    else if constexpr (sizeof(U) == 8) return static_cast<U>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
    else return v;
  } else {
    return v;
  }
}

/// Reads a big-endian integer of type T from `p` (no bounds check: the caller checked).
template <class T>
[[nodiscard]] inline auto load_be(const char* p) noexcept -> T {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return byteswap_if_little(v);
}

/// Appends `v` in big-endian order.
template <class T>
inline void store_be(std::string& out, T v) {
  v = byteswap_if_little(v);
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

/// Appends a binary COPY field: its length (4 bytes) and `v`, big-endian, in one append.
template <class T>
inline void store_field_be(std::string& out, T v) {
  const auto len = byteswap_if_little(static_cast<std::int32_t>(sizeof(T)));
  v = byteswap_if_little(v);
  char b[4 + sizeof(T)];
  std::memcpy(b, &len, 4);
  std::memcpy(b + 4, &v, sizeof(T));
  out.append(b, sizeof b);
}

/// Overwrites 4 bytes at `pos` with `v` in big-endian order (for length prefixes).
inline void patch_be32(std::string& out, std::size_t pos, std::int32_t v) noexcept {
  v = byteswap_if_little(v);
  std::memcpy(out.data() + pos, &v, 4);
}

/// A bounds-checked reader over one binary value. Every read that would pass the end
/// throws conversion_error: decoders never read past their buffer.
class reader {
 public:
  explicit reader(std::string_view in, const char* what) noexcept
      : p_(in.data()), end_(in.data() + in.size()), what_(what) {}

  [[nodiscard]] auto remaining() const noexcept -> std::size_t { return static_cast<std::size_t>(end_ - p_); }
  [[nodiscard]] auto at_end() const noexcept -> bool { return p_ == end_; }

  template <class T>
  [[nodiscard]] auto read() -> T {
    need(sizeof(T));
    T v = load_be<T>(p_);
    p_ += sizeof(T);
    return v;
  }

  [[nodiscard]] auto bytes(std::size_t n) -> std::string_view {
    need(n);
    std::string_view v(p_, n);
    p_ += n;
    return v;
  }

  void expect_end() const {
    if (p_ != end_) fail("trailing bytes");
  }

  [[noreturn]] void fail(const char* why) const {
    throw conversion_error(std::string("malformed binary ") + what_ + " value: " + why);
  }

 private:
  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end_ - p_) < n) fail("value is truncated");
  }
  const char* p_;
  const char* end_;
  const char* what_;
};

}  // namespace pgpx::detail
