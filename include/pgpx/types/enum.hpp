// pgpx/types/enum.hpp: C++ enumerations <-> PostgreSQL enum types, by label.
//
//   enum class mood { sad, ok, happy };                  // create type mood as enum ('sad', 'ok', 'happy')
//   cx.execute("insert into people(name, current_mood) values ($1, $2)", "Ada", mood::happy);
//   auto m = cx.query_value<mood>("select current_mood from people where name = $1", "Ada");
//
// Every enumeration has this codec (except std::byte): an enum parameter just works, and an
// enum that has no meaning in the database is simply never sent. A type that should travel
// as an integer instead specialises pgpx::codec<E> itself, which takes precedence.
//
// The labels, in order of precedence:
//   1. a specialisation of pgpx::enum_labels<E>, any constexpr range of pgpx::enum_label<E>:
//        template <> inline constexpr std::array pgpx::enum_labels<mood> = {
//            pgpx::enum_label<mood>{mood::sad, "unhappy"}, pgpx::enum_label<mood>{mood::ok, "ok"}};
//      Labels given this way are used exactly as written.
//   2. the enumerators' names, read at compile time with no macros: a function template is
//      instantiated on every value in pgpx::enum_range<E> (by default [-128, 255], clipped to
//      the underlying type) and the name is read from the compiler's function signature
//      (g++ >= 11, clang >= 13). Values outside the range are not found: widen the range by
//      specialising pgpx::enum_range<E>. The names pass through pgpx::enum_naming<E>
//      (naming::exact unless specialised; naming::snake_case maps HappyDays to happy_days).
//      When several enumerators share a value, the compiler names the first one.
//
// Parameters travel as the label in text format with an unspecified type, so the server
// reads them as the enum type of the column or cast. Results are read from enum types (any
// type created at run time) and the text types; an unknown label is a conversion_error that
// names the label and the C++ type, as is sending a value that has no label.
//
// Naming the PostgreSQL type makes both directions exact (pgpx/types/by_name.hpp):
//   template <> inline constexpr std::string_view pgpx::enum_type<mood> = "mood";
// Parameters are then sent with the type's real OID (`select $1` needs no cast), and a
// column is read only from that enum type (or a text type): reading a `colour` column into
// `mood` is refused by type name, before any label is looked at.
#pragma once

#include <pgpx/reflect/naming.hpp>
#include <pgpx/types/array.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/codec.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/// One enumerator and its PostgreSQL label.
template <class E>
struct enum_label {
  E value;                ///< the C++ enumerator
  std::string_view label; ///< its label in the PostgreSQL enum type
};

namespace detail {
/// The type of enum_labels<E> when the user did not specialise it.
struct no_enum_labels {};
}  // namespace detail

/// The labels of E: specialise it with a constexpr range of enum_label<E> to name the labels
/// explicitly (see the header comment). Unspecialised, the enumerator names are used.
template <class E>
inline constexpr detail::no_enum_labels enum_labels{};

/// The range of underlying values searched for enumerators of E (inclusive). Specialise it
/// for enums with values outside [-128, 255]; the span is limited to 4096 values.
template <class E>
struct enum_range {
  static constexpr long long min = -128;  ///< the smallest value searched
  static constexpr long long max = 255;   ///< the largest value searched
};

/// How the enumerator names of E become labels (not applied to enum_labels<E>).
template <class E>
inline constexpr naming enum_naming = naming::exact;

namespace detail {

template <auto V>
consteval auto enum_value_signature() -> std::string_view {
  return __PRETTY_FUNCTION__;
}

[[nodiscard]] constexpr auto is_identifier_char(char c) noexcept -> bool {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// g++:   "... [with auto V = ns::mood::happy; std::string_view = ...]" or "... = (ns::mood)7; ..."
// clang: "... [V = ns::mood::happy]" or "[V = (ns::mood)7]"
// A named value ends in its identifier; an unnamed one ends in a number.
consteval auto enumerator_from_signature(std::string_view sig) -> std::string_view {
  const auto begin = sig.find("V = ") + 4;
  auto end = sig.find(';', begin);
  if (end == std::string_view::npos) end = sig.rfind(']');
  const std::string_view value = sig.substr(begin, end - begin);
  std::size_t start = value.size();
  while (start > 0 && is_identifier_char(value[start - 1])) --start;
  const std::string_view name = value.substr(start);
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return {};
  return name;
}

template <class E>
struct enum_scan {
  using underlying = std::underlying_type_t<E>;
  static constexpr long long lo = std::max<long long>(enum_range<E>::min, std::numeric_limits<underlying>::min());
  static constexpr long long hi = std::min<long long>(
      enum_range<E>::max, static_cast<long long>(std::min<unsigned long long>(
                              std::numeric_limits<underlying>::max(),
                              static_cast<unsigned long long>(std::numeric_limits<long long>::max()))));
  static_assert(lo <= hi, "pgpx: pgpx::enum_range<E> is empty");
  static_assert(hi - lo < 4096, "pgpx: pgpx::enum_range<E> spans more than 4096 values; use pgpx::enum_labels<E>");
  static constexpr std::size_t count = static_cast<std::size_t>(hi - lo + 1);

  // std::bit_cast rather than static_cast: clang rejects out-of-range conversions to enums
  // without a fixed underlying type in constant expressions.
  template <std::size_t I>
  static constexpr E value_at = std::bit_cast<E>(static_cast<underlying>(lo + static_cast<long long>(I)));

  static constexpr auto names = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<std::string_view, count>{enumerator_from_signature(enum_value_signature<value_at<I>>())...};
  }(std::make_index_sequence<count>{});

  static constexpr std::size_t found = [] {
    std::size_t n = 0;
    for (const auto& s : names) n += s.empty() ? 0 : 1;
    return n;
  }();

  static constexpr std::size_t chars = [] {
    std::size_t n = 0;
    for (const auto& s : names) n += s.size();
    return n;
  }();
};

/// The enumerators of E found by enum_scan, with their names copied into static storage
/// (so that the binary holds the names, not every probed function signature).
template <class E>
struct reflected_enum {
  using scan = enum_scan<E>;
  struct table {
    std::array<E, scan::found> values{};
    std::array<std::size_t, scan::found + 1> offsets{};
    std::array<char, scan::chars + 1> text{};
  };
  static constexpr table data = [] {
    table t{};
    std::size_t k = 0;
    std::size_t at = 0;
    // A loop, not a fold over the values: clang limits folds to 256 operands.
    for (std::size_t i = 0; i < scan::count; ++i) {
      const std::string_view n = scan::names[i];
      if (n.empty()) continue;
      t.values[k] = std::bit_cast<E>(static_cast<typename scan::underlying>(scan::lo + static_cast<long long>(i)));
      t.offsets[k] = at;
      for (const char c : n) t.text[at++] = c;
      ++k;
    }
    t.offsets[k] = at;
    return t;
  }();
  static constexpr std::size_t size = scan::found;

  [[nodiscard]] static constexpr auto name(std::size_t i) noexcept -> std::string_view {
    return {data.text.data() + data.offsets[i], data.offsets[i + 1] - data.offsets[i]};
  }
};

template <class E>
inline constexpr bool has_enum_labels = !std::is_same_v<std::remove_cvref_t<decltype(enum_labels<E>)>, no_enum_labels>;

/// The label table of E, built once.
template <class E>
struct enum_table {
  std::vector<E> values;
  std::vector<std::string> labels;

  [[nodiscard]] static auto get() -> const enum_table& {
    static const enum_table t = [] {
      enum_table out;
      if constexpr (has_enum_labels<E>) {
        for (const auto& l : enum_labels<E>) {
          out.values.push_back(l.value);
          out.labels.emplace_back(l.label);
        }
      } else {
        using r = reflected_enum<E>;
        for (std::size_t i = 0; i < r::size; ++i) {
          out.values.push_back(r::data.values[i]);
          out.labels.push_back(reflect::apply_naming(r::name(i), enum_naming<E>));
        }
      }
      return out;
    }();
    return t;
  }

  [[nodiscard]] auto label_of(E v) const -> const std::string& {
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] == v) return labels[i];
    throw conversion_error("the value " +
                           std::to_string(static_cast<long long>(static_cast<std::underlying_type_t<E>>(v))) + " of " +
                           std::string(type_name_v<E>) + " has no PostgreSQL enum label");
  }

  [[nodiscard]] auto value_of(std::string_view label) const -> E {
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == label) return values[i];
    throw conversion_error("unknown label \"" + std::string(label) + "\" for " + std::string(type_name_v<E>));
  }
};

template <class E>
consteval auto check_enum_labels() -> bool {
  if constexpr (!has_enum_labels<E>) {
    static_assert(reflected_enum<E>::size > 0,
                  "pgpx: no enumerator of this enum was found in pgpx::enum_range<E>; specialise "
                  "pgpx::enum_range<E> or pgpx::enum_labels<E>");
  }
  return true;
}

}  // namespace detail

/// The PostgreSQL enum type of E (optionally schema-qualified), or "" (the default) to leave
/// it to the server: specialise it to check columns and send parameters by type name (see
/// the header comment).
template <class E>
inline constexpr std::string_view enum_type = {};

/// Enumerations <-> PostgreSQL enum types by label (see the header comment).
template <class E>
struct codec<E, std::enable_if_t<std::is_enum_v<E> && !std::is_same_v<E, std::byte>>> {
  static constexpr std::string_view name = detail::type_name_v<E>;
  /// The PostgreSQL type when enum_type<E> names it (then resolved per connection).
  static constexpr std::string_view pg_type = enum_type<E>;
  static constexpr oid param_oid = oids::unspecified;
  static constexpr format param_format = format::text;

  /// The text types, and: the named enum type when enum_type<E> is given, else any type
  /// created at run time.
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool {
    if constexpr (!enum_type<E>.empty())
      return is_text_type(t) || detail::named_type_accepts(detail::type_name_id<E>, t);
    else return !is_builtin_type(t) || is_text_type(t);
  }
  /// Appends the label; throws conversion_error for a value without one.
  static void encode(E v, std::string& out) { to_text(v, out); }
  /// Reads a label (the binary form of an enum is its label); throws conversion_error for an
  /// unknown label.
  [[nodiscard]] static auto decode(std::string_view in, oid) -> E {
    static_assert(detail::check_enum_labels<E>());
    return detail::enum_table<E>::get().value_of(in);
  }
  /// Appends the label; throws conversion_error for a value without one.
  static void to_text(E v, std::string& out) {
    static_assert(detail::check_enum_labels<E>());
    out += detail::enum_table<E>::get().label_of(v);
  }
};

/// The PostgreSQL label of `v` (throws conversion_error when it has none).
template <class E>
  requires std::is_enum_v<E>
[[nodiscard]] auto enum_to_label(E v) -> std::string {
  std::string out;
  codec<E>::to_text(v, out);
  return out;
}

/// The enumerator whose PostgreSQL label is `label` (throws conversion_error when none is).
template <class E>
  requires std::is_enum_v<E>
[[nodiscard]] auto enum_from_label(std::string_view label) -> E {
  return codec<E>::decode(label, oids::unspecified);
}

}  // namespace pgpx
