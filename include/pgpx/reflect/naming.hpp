// pgpx/reflect/naming.hpp: naming strategies between C++ member names and SQL column names.
//
//   pgpx::reflect::apply_naming("createdAt", pgpx::naming::snake_case)  == "created_at"
//   pgpx::reflect::apply_naming("created_at", pgpx::naming::camel_case) == "createdAt"
//
// A struct picks its strategy by specialising pgpx::naming_of:
//   template <> inline constexpr auto pgpx::naming_of<my_row> = pgpx::naming::camel_case;
#pragma once

#include <pgpx/reflect/reflect.hpp>

#include <array>
#include <string>
#include <string_view>

namespace pgpx {

/// How member names map to column names.
enum class naming {
  exact,       ///< the column is named exactly like the member
  snake_case,  ///< createdAt and CreatedAt become created_at
  camel_case,  ///< created_at becomes createdAt
  /// Both ways: a member and a column match when their snake_case forms are equal, so
  /// createdAt reads a column named created_at or createdAt (two such columns in one
  /// result are ambiguous). Names pgpx writes itself are snake_case.
  snake_camel,
};

/**
 * Table-level facts of a model struct (pgpx/model/model.hpp): specialise it next to the
 * struct (`template <> struct pgpx::model<book> { static constexpr std::string_view table =
 * "books"; };`). Every member is optional; the primary template is empty.
 */
template <class T>
struct model {};

/// The naming strategy used for T's columns: model<T>::naming when declared, else exact.
/// May be specialised directly too.
template <class T>
inline constexpr naming naming_of = [] {
  if constexpr (requires { model<T>::naming; }) return static_cast<naming>(model<T>::naming);
  else return naming::exact;
}();

namespace reflect {

/// Converts a name with the given strategy.
[[nodiscard]] inline auto apply_naming(std::string_view name, naming how) -> std::string {
  std::string out;
  out.reserve(name.size() + 4);
  if (how == naming::snake_camel) how = naming::snake_case;
  switch (how) {
    case naming::exact: out.assign(name); break;
    case naming::snake_case:
      for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (c >= 'A' && c <= 'Z') {
          const bool prev_lower =
              i > 0 && ((name[i - 1] >= 'a' && name[i - 1] <= 'z') || (name[i - 1] >= '0' && name[i - 1] <= '9'));
          const bool next_lower = i + 1 < name.size() && name[i + 1] >= 'a' && name[i + 1] <= 'z';
          const bool prev_upper = i > 0 && name[i - 1] >= 'A' && name[i - 1] <= 'Z';
          if (!out.empty() && out.back() != '_' && (prev_lower || (prev_upper && next_lower))) out.push_back('_');
          out.push_back(static_cast<char>(c - 'A' + 'a'));
        } else {
          out.push_back(c);
        }
      }
      break;
    case naming::camel_case: {
      bool upper_next = false;
      for (const char c : name) {
        if (c == '_') {
          upper_next = !out.empty();
          continue;
        }
        if (upper_next && c >= 'a' && c <= 'z') out.push_back(static_cast<char>(c - 'a' + 'A'));
        else out.push_back(c);
        upper_next = false;
      }
      break;
    }
    case naming::snake_camel: break;  // mapped to snake_case above
  }
  return out;
}

/// True when a result column named `column` is the one for a member whose column name
/// (under `how`) is `expected`: equal names, or for snake_camel equal snake_case forms.
[[nodiscard]] inline auto column_matches(std::string_view column, std::string_view expected, naming how) -> bool {
  if (column == expected) return true;
  if (how != naming::snake_camel) return false;
  return apply_naming(column, naming::snake_case) == expected;
}

/// The column names of T under its naming strategy (computed once per type).
template <class T>
[[nodiscard]] auto column_names() -> const std::array<std::string, field_count<T>>& {
  static const auto names = [] {
    std::array<std::string, field_count<T>> out;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = apply_naming(field_names<T>[i], naming_of<T>);
    return out;
  }();
  return names;
}

}  // namespace reflect
}  // namespace pgpx
