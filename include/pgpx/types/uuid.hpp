// pgpx/types/uuid.hpp: pgpx::uuid, the 16 bytes of a PostgreSQL uuid.
//
//   auto id = pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
//   cx.execute("delete from sessions where id = $1", id);
//   std::cout << id.to_string();   // "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
//
// | C++        | sent as      | decoded from |
// |------------|--------------|--------------|
// | pgpx::uuid | uuid, binary | uuid         |
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/types/codec.hpp>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace pgpx {

/**
 * A UUID as 16 bytes in network order (the order of its text form).
 *
 * Ordering compares the bytes as unsigned values, which is PostgreSQL's uuid ordering.
 * The default value is the nil UUID (all zero).
 */
struct PGPX_API uuid {
  std::array<std::uint8_t, 16> bytes{};  ///< the value, most significant byte first

  /// Parses what PostgreSQL's uuid_in accepts: 32 hex digits of either case, optionally
  /// in braces, with an optional hyphen after any group of four digits (so both
  /// "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" and "A0EEBC999C0B4EF8BB6D6BB9BD380A11" work).
  /// Throws conversion_error, quoting the text, on anything else.
  [[nodiscard]] static auto parse(std::string_view text) -> uuid;

  /// The canonical lowercase form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
  [[nodiscard]] auto to_string() const -> std::string;

  /// True for the nil UUID 00000000-0000-0000-0000-000000000000.
  [[nodiscard]] auto is_nil() const noexcept -> bool {
    for (auto b : bytes)
      if (b != 0) return false;
    return true;
  }

  /// Byte-wise equality.
  friend auto operator==(const uuid&, const uuid&) noexcept -> bool = default;
  /// Byte-wise unsigned ordering, as in PostgreSQL.
  friend auto operator<=>(const uuid&, const uuid&) noexcept -> std::strong_ordering = default;
};

/// pgpx::uuid <-> uuid, 16 bytes in binary.
template <>
struct codec<uuid> {
  static constexpr std::string_view name = "pgpx::uuid";
  static constexpr oid param_oid = oids::uuid;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::uuid; }
  static void encode(const uuid& v, std::string& out) {
    out.append(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size());
  }
  [[nodiscard]] static auto decode(std::string_view in, oid) -> uuid {
    if (in.size() != 16)
      throw conversion_error("malformed binary uuid value: expected 16 bytes, got " + std::to_string(in.size()));
    uuid v;
    std::memcpy(v.bytes.data(), in.data(), 16);
    return v;
  }
  static void to_text(const uuid& v, std::string& out) { out += v.to_string(); }
};

}  // namespace pgpx

/// Hashing, so that pgpx::uuid can key unordered containers.
template <>
struct std::hash<pgpx::uuid> {
  /// A hash of all 16 bytes (FNV-1a).
  [[nodiscard]] auto operator()(const pgpx::uuid& v) const noexcept -> std::size_t {
    std::uint64_t h = 14695981039346656037ULL;
    for (auto b : v.bytes) {
      h ^= b;
      h *= 1099511628211ULL;
    }
    return static_cast<std::size_t>(h);
  }
};
