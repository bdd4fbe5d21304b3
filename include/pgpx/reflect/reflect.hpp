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
#pragma once

#include <pgpx/export.hpp>

#include <boost/pfr.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

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

template <class T, std::size_t... I>
constexpr auto names_of(std::index_sequence<I...>) -> std::array<std::string_view, sizeof...(I)> {
  return {member_name<T, I>...};
}

}  // namespace detail

/// True for the types pgpx can reflect: non-union aggregates without virtual functions.
template <class T>
concept reflectable = std::is_class_v<std::remove_cv_t<T>> && !std::is_union_v<std::remove_cv_t<T>> &&
                      std::is_aggregate_v<std::remove_cv_t<T>> && !std::is_polymorphic_v<std::remove_cv_t<T>>;

/// The number of data members of T.
template <class T>
inline constexpr std::size_t field_count = (detail::check_reflectable<T>(), boost::pfr::tuple_size_v<T>);

/// The names of T's data members, in declaration order.
template <class T>
inline constexpr std::array<std::string_view, field_count<T>> field_names =
    detail::names_of<T>(std::make_index_sequence<field_count<T>>{});

/// The type of T's I-th data member.
template <std::size_t I, class T>
using field_type = boost::pfr::tuple_element_t<I, T>;

/// A reference to the I-th data member of `value`.
template <std::size_t I, class T>
[[nodiscard]] constexpr auto get(T& value) noexcept -> decltype(auto) {
  detail::check_reflectable<T>();
  return boost::pfr::get<I>(value);
}

/// Calls `f(name, member)` for every data member of `value`, in declaration order.
template <class T, class F>
constexpr void for_each_field(T& value, F&& f) {
  detail::check_reflectable<std::remove_cv_t<T>>();
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(field_names<std::remove_cv_t<T>>[I], boost::pfr::get<I>(value)), ...);
  }(std::make_index_sequence<field_count<std::remove_cv_t<T>>>{});
}

}  // namespace pgpx::reflect
