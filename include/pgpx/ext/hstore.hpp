// pgpx/ext/hstore.hpp: contrib's hstore (string keys to optional string values).
//
//   struct product { pgpx::identity<std::int64_t> id; pgpx::hstore::map attrs; };
//   pgpx::insert(cx, product{.attrs = {{{"colour", "red"}, {"size", std::nullopt}}}});
//   auto red = pgpx::select<product>()
//                  .where(pgpx::hstore::get(pgpx::col(&product::attrs), "colour") == std::string("red"))
//                  .all(cx);                                        // where "attrs" -> $1 = $2
//
// pgpx::hstore::map is a codec by name (pgpx/types/by_name.hpp) in hstore's binary form
// (hstore_send: a count, then per pair the key and the value, -1 for NULL). Builder
// operators: get `->`, has_key `?`, has_all_keys `?&`, has_any_key `?|`, contains `@>`,
// concat `||`, and the functions akeys, avals, to_jsonb (hstore_to_jsonb).
//
// Thread safety: values are plain data.
#pragma once

#include <pgpx/detail/endian.hpp>
#include <pgpx/error.hpp>
#include <pgpx/ext/builder_ops.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/codec.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::hstore {

/// An hstore value: keys (unique, sorted as std::map sorts) to values or NULL.
struct map {
  std::map<std::string, std::optional<std::string>> pairs;
  friend auto operator==(const map&, const map&) -> bool = default;
};

/// `h -> key`: the value (NULL when absent).
template <class H, class K>
[[nodiscard]] auto get(const H& h, const K& key) {
  return ext::binary<std::string, true>(" -> ", h, key);
}
/// `h ? key`: whether h has the key.
template <class H, class K>
[[nodiscard]] auto has_key(const H& h, const K& key) {
  return ext::binary<bool>(" ? ", h, key);
}
/// `h ?& keys`: whether h has every key.
template <class H>
[[nodiscard]] auto has_all_keys(const H& h, const std::vector<std::string>& keys) {
  return ext::binary<bool>(" ?& ", h, keys);
}
/// `h ?| keys`: whether h has any key.
template <class H>
[[nodiscard]] auto has_any_key(const H& h, const std::vector<std::string>& keys) {
  return ext::binary<bool>(" ?| ", h, keys);
}
/// `a @> b`: whether a contains every pair of b.
template <class A, class B>
[[nodiscard]] auto contains(const A& a, const B& b) {
  return ext::binary<bool>(" @> ", a, b);
}
/// `a || b`: a with b's pairs added (b wins).
template <class A, class B>
[[nodiscard]] auto concat(const A& a, const B& b) {
  return ext::binary<map>(" || ", a, b);
}
/// `akeys(h)`: the keys.
template <class H>
[[nodiscard]] auto keys(const H& h) {
  return ext::call<std::vector<std::string>>("akeys", h);
}
/// `avals(h)`: the values.
template <class H>
[[nodiscard]] auto values(const H& h) {
  return ext::call<std::vector<std::optional<std::string>>>("avals", h);
}
/// `hstore_to_jsonb(h)`.
template <class H>
[[nodiscard]] auto to_jsonb(const H& h) {
  return ext::call<nlohmann::json>("hstore_to_jsonb", h);
}

namespace detail {
[[noreturn]] inline void fail(const std::string& what) { throw conversion_error("hstore: " + what); }
inline auto take(std::string_view in, std::size_t& at, std::size_t n) -> std::string_view {
  if (in.size() - at < n) fail("truncated value");
  const auto s = in.substr(at, n);
  at += n;
  return s;
}
inline auto take_length(std::string_view in, std::size_t& at) -> std::int32_t {
  return static_cast<std::int32_t>(pgpx::detail::load_be<std::uint32_t>(take(in, at, 4).data()));
}
inline void quote(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}
}  // namespace detail

}  // namespace pgpx::hstore

/// hstore_send / hstore_recv.
template <>
struct pgpx::codec<pgpx::hstore::map> : pgpx::codec_by_name<pgpx::hstore::map> {
  static constexpr std::string_view name = "pgpx::hstore::map";
  static constexpr std::string_view pg_type = "hstore";
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const pgpx::hstore::map& h, std::string& out) {
    pgpx::detail::store_be<std::int32_t>(out, static_cast<std::int32_t>(h.pairs.size()));
    for (const auto& [k, v] : h.pairs) {
      pgpx::detail::store_be<std::int32_t>(out, static_cast<std::int32_t>(k.size()));
      out += k;
      if (!v) {
        pgpx::detail::store_be<std::int32_t>(out, -1);
      } else {
        pgpx::detail::store_be<std::int32_t>(out, static_cast<std::int32_t>(v->size()));
        out += *v;
      }
    }
  }
  [[nodiscard]] static auto decode(std::string_view in, pgpx::oid) -> pgpx::hstore::map {
    using namespace pgpx::hstore::detail;
    std::size_t at = 0;
    pgpx::hstore::map h;
    const std::int32_t n = take_length(in, at);
    if (n < 0) fail("negative pair count");
    for (std::int32_t i = 0; i < n; ++i) {
      const std::int32_t kl = take_length(in, at);
      if (kl < 0) fail("NULL key");
      std::string k(take(in, at, static_cast<std::size_t>(kl)));
      const std::int32_t vl = take_length(in, at);
      if (vl < -1) fail("bad value length");
      h.pairs[std::move(k)] =
          vl < 0 ? std::nullopt : std::optional<std::string>(take(in, at, static_cast<std::size_t>(vl)));
    }
    if (at != in.size()) fail("trailing bytes");
    return h;
  }
  /// hstore's text form: "k"=>"v", "n"=>NULL.
  static void to_text(const pgpx::hstore::map& h, std::string& out) {
    bool first = true;
    for (const auto& [k, v] : h.pairs) {
      if (!first) out += ", ";
      first = false;
      pgpx::hstore::detail::quote(out, k);
      out += "=>";
      if (v) pgpx::hstore::detail::quote(out, *v);
      else out += "NULL";
    }
  }
};
