// pgpx/detail/type_name.hpp: compile-time strings, and the C++ name of a type for messages
// (`pgpx::detail::type_name_v<ns::mood>` is "ns::mood"); it needs only pgpx/export.hpp.
#pragma once

#include <pgpx/export.hpp>  // first: stops a build that is not C++20 with one message

#include <array>
#include <cstddef>
#include <string_view>

namespace pgpx::detail {

// ---------------------------------------------------------------------------------------
// Compile-time strings (codec names such as "std::vector<std::int32_t>", type names).
//
// Each part is a type with a `static constexpr std::string_view value`; the concatenation
// is copied into a static array, so the names do not point into compiler-generated text.

/// The concatenation of the parts' values, as a constexpr string_view.
template <class... Parts>
struct static_concat {
  static constexpr std::size_t size = (Parts::value.size() + ... + 0);
  static constexpr std::array<char, size + 1> storage = [] {
    std::array<char, size + 1> a{};
    std::size_t i = 0;
    (
        [&] {
          for (const char c : Parts::value) a[i++] = c;
        }(),
        ...);
    return a;
  }();
  static constexpr std::string_view value{storage.data(), size};
};

template <class T>
consteval auto type_signature() -> std::string_view {
  return __PRETTY_FUNCTION__;
}

// g++:   "... type_signature() [with T = ns::mood; std::string_view = ...]"
// clang: "... type_signature() [T = ns::mood]"
consteval auto type_from_signature(std::string_view sig) -> std::string_view {
  const auto begin = sig.find("T = ") + 4;
  auto end = sig.find(';', begin);
  if (end == std::string_view::npos) end = sig.rfind(']');
  return sig.substr(begin, end - begin);
}

/// A part that is the C++ name of T as the compiler spells it ("ns::mood").
template <class T>
struct type_name_part {
  static constexpr std::string_view value = type_from_signature(type_signature<T>());
};

/// The C++ name of T as the compiler spells it, for messages.
template <class T>
inline constexpr std::string_view type_name_v = static_concat<type_name_part<T>>::value;

}  // namespace pgpx::detail
