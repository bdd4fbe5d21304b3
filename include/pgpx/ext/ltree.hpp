// pgpx/ext/ltree.hpp: contrib's ltree, labels of a tree as dotted paths ("Top.Science.Astronomy").
//
//   struct topic { pgpx::identity<std::int64_t> id; pgpx::ltree::path path; };
//   auto under = pgpx::select<topic>()
//                    .where(pgpx::ltree::descendant_of(pgpx::col(&topic::path), pgpx::ltree::path{"Top.Science"}))
//                    .all(cx);                               // where "path" <@ $1
//
// path, query (lquery) and text_query (ltxtquery) are codecs by name in their binary forms
// (a version byte, 1, then the text). Builder: ancestor_of `@>`, descendant_of `<@`, matches
// `~` (lquery), matches_text `@` (ltxtquery), and the functions nlevel, subpath, lca.
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/ext/builder_ops.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/codec.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace pgpx::ltree {

/// An ltree value: labels separated by dots.
struct path {
  std::string value;
  friend auto operator==(const path&, const path&) -> bool = default;
};
/// An lquery pattern ("*.Astronomy.*").
struct query {
  std::string value;
  friend auto operator==(const query&, const query&) -> bool = default;
};
/// An ltxtquery ("Europe & Russia*@").
struct text_query {
  std::string value;
  friend auto operator==(const text_query&, const text_query&) -> bool = default;
};

/// `a @> b`: a is an ancestor of b (or equal).
template <class A, class B>
[[nodiscard]] auto ancestor_of(const A& a, const B& b) {
  return ext::binary<bool>(" @> ", a, b);
}
/// `a <@ b`: a is a descendant of b (or equal).
template <class A, class B>
[[nodiscard]] auto descendant_of(const A& a, const B& b) {
  return ext::binary<bool>(" <@ ", a, b);
}
/// `p ~ q`: p matches the lquery.
template <class P, class Q>
[[nodiscard]] auto matches(const P& p, const Q& q) {
  return ext::binary<bool>(" ~ ", p, q);
}
/// `p @ q`: p matches the ltxtquery.
template <class P, class Q>
[[nodiscard]] auto matches_text(const P& p, const Q& q) {
  return ext::binary<bool>(" @ ", p, q);
}
/// `nlevel(p)`: the number of labels.
template <class P>
[[nodiscard]] auto nlevel(const P& p) {
  return ext::call<std::int32_t>("nlevel", p);
}
/// `subpath(p, offset, len)`.
template <class P>
[[nodiscard]] auto subpath(const P& p, std::int32_t offset, std::int32_t len) {
  return ext::call<path>("subpath", p, offset, len);
}
/// `lca(a, b)`: the longest common ancestor.
template <class A, class B>
[[nodiscard]] auto lca(const A& a, const B& b) {
  return ext::call<path, true>("lca", a, b);
}

}  // namespace pgpx::ltree

namespace pgpx::ltree::detail {
/// The codec of the three types: in binary a version byte (1), then the text.
template <class T>
struct versioned_text : pgpx::codec_by_name<T> {
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const T& v, std::string& out) {
    out += '\1';
    out += v.value;
  }
  [[nodiscard]] static auto decode(std::string_view in, pgpx::oid) -> T {
    if (in.empty() || in[0] != '\1')
      throw conversion_error("ltree: unsupported binary version of " + std::string(pgpx::codec<T>::pg_type));
    return T{std::string(in.substr(1))};
  }
  static void to_text(const T& v, std::string& out) { out += v.value; }
};
}  // namespace pgpx::ltree::detail

template <>
struct pgpx::codec<pgpx::ltree::path> : pgpx::ltree::detail::versioned_text<pgpx::ltree::path> {
  static constexpr std::string_view name = "pgpx::ltree::path";
  static constexpr std::string_view pg_type = "ltree";
};
template <>
struct pgpx::codec<pgpx::ltree::query> : pgpx::ltree::detail::versioned_text<pgpx::ltree::query> {
  static constexpr std::string_view name = "pgpx::ltree::query";
  static constexpr std::string_view pg_type = "lquery";
};
template <>
struct pgpx::codec<pgpx::ltree::text_query> : pgpx::ltree::detail::versioned_text<pgpx::ltree::text_query> {
  static constexpr std::string_view name = "pgpx::ltree::text_query";
  static constexpr std::string_view pg_type = "ltxtquery";
};
