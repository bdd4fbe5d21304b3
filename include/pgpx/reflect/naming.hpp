// pgpx/reflect/naming.hpp: naming strategies between C++ member names and SQL column names.
//
//   pgpx::reflect::apply_naming("createdAt", pgpx::naming::snake_case)  == "created_at"
//   pgpx::reflect::apply_naming("created_at", pgpx::naming::camel_case) == "createdAt"
//
// A struct picks its strategy by specialising pgpx::naming_of:
//   template <> inline constexpr auto pgpx::naming_of<my_row> = pgpx::naming::camel_case;
//
// One member can be given another column name, in pgpx::model<T>::columns():
//   template <> struct pgpx::model<order_line> {
//     static auto columns() { return std::tuple{pgpx::rename(&order_line::qty, "quantity")}; }
//   };
// The name is used as written (the naming strategy does not apply to it), everywhere a
// column name of T appears: row mapping, COPY, the model description, DDL, the ORM and the
// query builder's pgpx::col.
#pragma once

#include <pgpx/detail/type_name.hpp>
#include <pgpx/error.hpp>
#include <pgpx/reflect/reflect.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

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

/// A column rename (model<T>::columns()): the member's leaf index and its column name.
struct column_rename {
  std::size_t index = static_cast<std::size_t>(-1);  ///< among the model's leaves; npos when not a column
  std::string name;  ///< the column name, used as written
};
/// A rename of a member of C (made by pgpx::rename; C must be the model).
template <class C>
struct column_rename_of : column_rename {};

/// `pgpx::rename(&order_line::qty, "quantity")`: the member's column is named `quantity`.
template <class C, class M>
[[nodiscard]] auto rename(M C::*member, std::string name) -> column_rename_of<C> {
  return {{reflect::index_of(member), std::move(name)}};
}
/// `pgpx::rename(&post::ts, &pgpx::timestamps::created_at, "made_at")`: renames a member of
/// an embedded member (pgpx::is_embedded).
template <class C, class M, class E, class L>
[[nodiscard]] auto rename(M C::*member, L E::*inner, std::string name) -> column_rename_of<C> {
  static_assert(std::is_same_v<std::remove_cv_t<M>, E> && is_embedded<E>,
                "pgpx::rename(&T::m, &M::x, name): m must be an embedded member (pgpx::is_embedded) of type M");
  return {{reflect::index_of(member, inner), std::move(name)}};
}

namespace detail {
template <class T, class R>
struct rename_of_model {
  static_assert(sizeof(R) == 0, "pgpx::model<T>::columns() must return pgpx::rename(...) of members of T");
};
template <class T, class C>
struct rename_of_model<T, column_rename_of<C>> {
  static_assert(std::is_same_v<C, T>,
                "pgpx::model<T>::columns(): pgpx::rename(&C::m, ...) names a member of another struct than T");
};
}  // namespace detail

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

namespace detail {

/// Applies model<T>::columns() renames to `names`, refusing an empty or over-long name, a
/// member renamed twice, a name another column has, and a rename of something that is not
/// a column of T. `members` are T's member names; `model` names T in messages.
inline void apply_renames(std::span<std::string> names, std::span<const std::string_view> members,
                          const std::vector<column_rename>& renames, std::string_view model) {
  const std::string where = "pgpx::model<" + std::string(model) + ">::columns(): ";
  std::vector<bool> renamed(names.size(), false);
  for (std::size_t r = 0; r < renames.size(); ++r) {
    const auto& rn = renames[r];
    if (rn.index >= names.size())
      throw usage_error(where + "rename number " + std::to_string(r + 1) + " (to \"" + rn.name +
                        "\") is not of a column of the model (a member of another struct, or an embedded "
                        "member itself: rename its members with pgpx::rename(&T::m, &M::x, \"name\"))");
    const std::string member(members[rn.index]);
    if (rn.name.empty()) throw usage_error(where + "member \"" + member + "\" is renamed to an empty name");
    if (rn.name.size() > 63)
      throw usage_error(where + "member \"" + member + "\" is renamed to \"" + rn.name + "\", " +
                        std::to_string(rn.name.size()) + " bytes, more than PostgreSQL keeps (63)");
    if (renamed[rn.index]) throw usage_error(where + "member \"" + member + "\" is renamed twice");
    renamed[rn.index] = true;
    names[rn.index] = rn.name;
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!renamed[i]) continue;
    for (std::size_t j = 0; j < names.size(); ++j)
      if (j != i && names[j] == names[i])
        throw usage_error(where + "member \"" + std::string(members[i]) + "\" is renamed to \"" + names[i] +
                          "\", the column name of member \"" + std::string(members[j]) + "\"");
  }
}

}  // namespace detail

/// The column names of T under its naming strategy and model<T>::columns() renames
/// (computed once per type; a bad rename throws usage_error, see pgpx::rename).
template <class T>
[[nodiscard]] auto column_names() -> const std::array<std::string, field_count<T>>& {
  static const auto names = [] {
    std::array<std::string, field_count<T>> out;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = apply_naming(field_names<T>[i], naming_of<T>);
    if constexpr (requires { model<T>::columns(); }) {
      const std::vector<column_rename> renames = std::apply(
          [](auto&&... r) {
            ((void)sizeof(pgpx::detail::rename_of_model<T, std::remove_cvref_t<decltype(r)>>), ...);
            return std::vector<column_rename>{static_cast<column_rename>(std::move(r))...};
          },
          model<T>::columns());
      detail::apply_renames(out, field_names<T>, renames, pgpx::detail::type_name_v<T>);
    }
    return out;
  }();
  return names;
}

}  // namespace reflect
}  // namespace pgpx
