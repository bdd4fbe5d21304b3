// pgpx/reflect/reflect.hpp: field count, names and access for plain aggregates, with no macros.
//
//   struct author { std::int64_t id; std::string name; };
//   static_assert(pgpx::reflect::field_count<author> == 2);
//   static_assert(pgpx::reflect::field_names<author>[1] == "name");
//   author a{1, "Ada"};
//   pgpx::reflect::for_each_field(a, [](std::string_view name, auto& value) { ... });
//
// Counting and access come from Boost.PFR (a Debian package); member names are read at
// compile time from the compiler's function signature of a template instantiated on a
// pointer to each member (works on g++ >= 11 and clang >= 13).
//
// A type that cannot be reflected fails to compile with a static_assert saying why:
// it must be a non-union aggregate, without virtual functions or base classes.
//
// Embedded members (mixins): a member whose type M is marked `pgpx::is_embedded<M> = true`
// is flattened: its own members (recursively) take its place, in declaration order. Every
// function here sees these "leaves", so row mapping, the model description, the ORM, COPY,
// JSON and validation read `struct post { std::int64_t id; pgpx::timestamps ts; }` as the
// three members id, created_at, updated_at. A struct without embedded members is seen
// exactly as declared.
#pragma once

#include <pgpx/export.hpp>

#include <boost/pfr.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/// True for a struct whose members are flattened into the struct that holds it (a mixin):
/// `template <> inline constexpr bool pgpx::is_embedded<audit> = true;`. False by default.
template <class M>
inline constexpr bool is_embedded = false;

}  // namespace pgpx

namespace pgpx::reflect {

namespace detail {

template <class T>
constexpr auto check_reflectable() -> bool {
  using U = std::remove_cv_t<T>;
  static_assert(std::is_class_v<U> && !std::is_union_v<U>,
                "pgpx::reflect: only structs can be reflected (not unions, scalars or arrays)");
  static_assert(!std::is_polymorphic_v<U>, "pgpx::reflect: the struct has virtual functions; use a plain aggregate");
  static_assert(std::is_aggregate_v<U>,
                "pgpx::reflect: the struct is not an aggregate: remove user-declared constructors, "
                "private or protected data members and virtual functions");
  return true;
}

// Never defined: only the addresses of its members are taken, at compile time. The holder
// gives the variable a type with linkage even when T has none (a struct in an anonymous
// namespace), which clang requires of an undefined variable.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wundefined-var-template"
#pragma clang diagnostic ignored "-Wundefined-internal"
#endif
template <class T>
struct object_holder {
  const T value;
};
template <class T>
extern const object_holder<T> fake_holder;
template <class T>
constexpr auto fake_object() noexcept -> const T& {
  return fake_holder<T>.value;
}

template <class P>
struct address_wrapper {
  P pointer;
};
template <class P>
address_wrapper(P) -> address_wrapper<P>;

template <auto Wrapped>
consteval auto signature() -> std::string_view {
  return __PRETTY_FUNCTION__;
}

constexpr auto is_ident_char(char c) -> bool {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// g++:   "... [with auto Wrapped = address_wrapper<const int*>{((const int*)(& fake_object<author>.author::id))}; ..."
// clang: "... [Wrapped = address_wrapper<const int *>{&fake_object.id}]"
// The member name is the identifier just before the '}' that closes the wrapper's value.
consteval auto member_name_from(std::string_view sig) -> std::string_view {
  const auto open = sig.find("address_wrapper<");
  const auto brace = sig.find('{', open);
  // The wrapper's value ends with '}' followed by ']' or ';' ("{anonymous}" does not).
  auto close = sig.find('}', brace + 1);
  while (close != std::string_view::npos && close + 1 < sig.size() && sig[close + 1] != ']' && sig[close + 1] != ';')
    close = sig.find('}', close + 1);
  std::size_t end = close;
  while (end > brace && (sig[end - 1] == ')' || sig[end - 1] == ' ')) --end;
  std::size_t begin = end;
  while (begin > brace && is_ident_char(sig[begin - 1])) --begin;
  return sig.substr(begin, end - begin);
}

template <class T, std::size_t I>
inline constexpr std::string_view member_name =
    member_name_from(signature<address_wrapper{&std::get<I>(boost::pfr::structure_tie(fake_object<T>()))}>());
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

/// True when the direct member type M is embedded (flattened).
template <class M>
inline constexpr bool embedded_member = is_embedded<std::remove_cv_t<M>>;

/// The number of leaves of T: direct members, an embedded member counting its own leaves.
template <class T>
constexpr auto leaf_count() -> std::size_t;

/// The number of leaves a direct member of type M gives (1, or an embedded member's own).
template <class M, bool = embedded_member<M>>
struct leaves_in {
  static constexpr std::size_t value = 1;
};
template <class M>
struct leaves_in<M, true> {
  static_assert(std::is_class_v<M> && std::is_aggregate_v<M> && !std::is_polymorphic_v<M>,
                "pgpx::is_embedded: an embedded member must be a plain aggregate struct");
  static constexpr std::size_t value = leaf_count<std::remove_cv_t<M>>();
};

template <class T, std::size_t... I>
constexpr auto leaf_count_of(std::index_sequence<I...>) -> std::size_t {
  return (std::size_t{0} + ... + leaves_in<boost::pfr::tuple_element_t<I, T>>::value);
}
template <class T>
constexpr auto leaf_count() -> std::size_t {
  return leaf_count_of<T>(std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});
}

/// Where leaf L of T is: the direct member holding it and the leaf's index inside that member.
struct leaf_place {
  std::size_t direct = 0;  ///< index among T's direct members
  std::size_t inner = 0;   ///< leaf index inside an embedded member (0 otherwise)
};
template <class T, std::size_t... I>
constexpr auto leaf_places_of(std::index_sequence<I...>) -> std::array<leaf_place, leaf_count<T>()> {
  std::array<leaf_place, leaf_count<T>()> out{};
  constexpr std::size_t counts[] = {leaves_in<boost::pfr::tuple_element_t<I, T>>::value..., 0};
  std::size_t at = 0;
  for (std::size_t d = 0; d < sizeof...(I); ++d)
    for (std::size_t k = 0; k < counts[d]; ++k) out[at++] = leaf_place{d, k};
  return out;
}
template <class T>
constexpr auto leaf_places() -> std::array<leaf_place, leaf_count<T>()> {
  return leaf_places_of<T>(std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});
}
template <class T>
inline constexpr auto leaf_places_v = leaf_places<T>();

template <std::size_t L, class T>
constexpr auto leaf_name() -> std::string_view {
  constexpr leaf_place p = leaf_places_v<T>[L];
  using M = std::remove_cv_t<boost::pfr::tuple_element_t<p.direct, T>>;
  if constexpr (embedded_member<M>) return leaf_name<p.inner, M>();
  else return member_name<T, p.direct>;
}

template <class T, std::size_t... I>
constexpr auto names_of(std::index_sequence<I...>) -> std::array<std::string_view, sizeof...(I)> {
  return {leaf_name<I, T>()...};
}

/// Leaf L of `value` (T possibly const).
template <std::size_t L, class T>
constexpr auto leaf(T& value) noexcept -> decltype(auto) {
  using U = std::remove_cv_t<T>;
  constexpr leaf_place p = leaf_places_v<U>[L];
  auto& direct = boost::pfr::get<p.direct>(value);
  if constexpr (embedded_member<std::remove_cvref_t<decltype(direct)>>) return leaf<p.inner>(direct);
  else return direct;
}

}  // namespace detail

/// True for the types pgpx can reflect: non-union aggregates without virtual functions.
template <class T>
concept reflectable = std::is_class_v<std::remove_cv_t<T>> && !std::is_union_v<std::remove_cv_t<T>> &&
                      std::is_aggregate_v<std::remove_cv_t<T>> && !std::is_polymorphic_v<std::remove_cv_t<T>>;

/// The number of data members of T (its leaves: embedded members flattened).
template <class T>
inline constexpr std::size_t field_count = (detail::check_reflectable<T>(), detail::leaf_count<T>());

/// The names of T's data members, in declaration order (an embedded member's own members
/// in its place).
template <class T>
inline constexpr std::array<std::string_view, field_count<T>> field_names =
    detail::names_of<T>(std::make_index_sequence<field_count<T>>{});

/// A reference to the I-th data member of `value` (embedded members flattened).
template <std::size_t I, class T>
[[nodiscard]] constexpr auto get(T& value) noexcept -> decltype(auto) {
  detail::check_reflectable<std::remove_cv_t<T>>();
  return detail::leaf<I>(value);
}

/// The type of T's I-th data member (embedded members flattened).
template <std::size_t I, class T>
using field_type = std::remove_reference_t<decltype(detail::leaf<I>(std::declval<T&>()))>;

/// True when T has at least one embedded member (so its leaves differ from its members).
template <class T>
inline constexpr bool has_embedded = []<std::size_t... I>(std::index_sequence<I...>) {
  return (false || ... || detail::embedded_member<boost::pfr::tuple_element_t<I, T>>);
}(std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});

/// Calls `f(name, member)` for every data member of `value`, in declaration order
/// (embedded members flattened).
template <class T, class F>
constexpr void for_each_field(T& value, F&& f) {
  detail::check_reflectable<std::remove_cv_t<T>>();
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(field_names<std::remove_cv_t<T>>[I], detail::leaf<I>(value)), ...);
  }(std::make_index_sequence<field_count<std::remove_cv_t<T>>>{});
}

/// The index among T's leaves of the member `mp` points to, found by address and type in
/// one default-constructed value of C (models are default-constructible). `path` members,
/// when given, lead into embedded members: `index_of(&post::ts, &pgpx::timestamps::created_at)`.
/// Returns npos (size_t(-1)) when it is not a leaf (an embedded member itself, say).
template <class C, class M, class... P>
[[nodiscard]] auto index_of(M C::*mp, P... path) -> std::size_t {
  static const C probe{};
  const auto& leaf = [&]() -> const auto& {
    if constexpr (sizeof...(P) == 0) return probe.*mp;
    else return ((probe.*mp).*....*path);
  }();
  using Leaf = std::remove_cvref_t<decltype(leaf)>;
  const void* want = &leaf;
  std::size_t found = static_cast<std::size_t>(-1);
  std::size_t i = 0;
  for_each_field(probe, [&](std::string_view, const auto& field) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(field)>, Leaf>) {
      if (static_cast<const void*>(&field) == want) found = i;
    }
    ++i;
  });
  return found;
}

/// The leaf indexes of the member `mp` points to: its own index for a leaf, the indexes of
/// all its leaves, in order, for an embedded member (empty when neither).
template <class C, class M>
[[nodiscard]] auto indexes_of(M C::*mp) -> std::vector<std::size_t> {
  if constexpr (!detail::embedded_member<M>) {
    const std::size_t i = index_of(mp);
    if (i == static_cast<std::size_t>(-1)) return {};
    return {i};
  } else {
    static const C probe{};
    const auto* begin = reinterpret_cast<const unsigned char*>(&(probe.*mp));
    const auto* end = begin + sizeof(M);
    std::vector<std::size_t> out;
    std::size_t i = 0;
    const std::less<const unsigned char*> before;
    for_each_field(probe, [&](std::string_view, const auto& field) {
      const auto* at = reinterpret_cast<const unsigned char*>(&field);
      if (!before(at, begin) && before(at, end)) out.push_back(i);
      ++i;
    });
    return out;
  }
}

}  // namespace pgpx::reflect
