// pgpx/ext/citext.hpp: contrib's citext, text compared without regard to case.
//
//   struct account { pgpx::identity<std::int64_t> id; pgpx::unique<pgpx::citext::text> email; };
//   auto a = pgpx::select<account>()
//                .where(pgpx::col(&account::email) == pgpx::citext::text{"Ada@Example.org"})
//                .optional(cx);                       // matches "ada@example.org"
//
// pgpx::citext::text is a codec by name (pgpx/types/by_name.hpp): sent as citext, so a
// comparison with it is case-insensitive without a cast, and read from citext columns only
// (std::string reads citext and text alike).
#pragma once

#include <pgpx/types/by_name.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>

#include <string>
#include <string_view>

namespace pgpx::citext {

/// A citext value.
struct text {
  std::string value;
  friend auto operator==(const text&, const text&) -> bool = default;
};

}  // namespace pgpx::citext

/// citextsend / citextrecv: the text's bytes (UTF-8 checked as every text parameter).
template <>
struct pgpx::codec<pgpx::citext::text> : pgpx::codec_by_name<pgpx::citext::text> {
  static constexpr std::string_view name = "pgpx::citext::text";
  static constexpr std::string_view pg_type = "citext";
  static constexpr pgpx::format param_format = pgpx::format::text;
  static void encode(const pgpx::citext::text& t, std::string& out) { out += t.value; }
  [[nodiscard]] static auto decode(std::string_view in, pgpx::oid) -> pgpx::citext::text { return {std::string(in)}; }
  static void to_text(const pgpx::citext::text& t, std::string& out) { out += t.value; }
};
