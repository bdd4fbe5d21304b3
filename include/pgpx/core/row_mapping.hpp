// pgpx/core/row_mapping.hpp: how result rows become C++ values.
//
// The rules, checked once per result (not per row):
//   * a type with a codec (int, std::string, std::optional<...>, a composite...) reads the
//     only column;
//   * std::tuple and std::pair read columns by position; the counts must match;
//   * any other aggregate struct reads columns by name: each member takes the column whose
//     name is the member's name under the struct's naming strategy (pgpx::naming_of).
//     A member without a column is an error, and so is a member that matches two columns
//     (ambiguous, as after a join with `select *`); columns without a member are ignored
//     here (pgpx::detail::unread_columns lists them for callers that refuse them).
// A column whose server type the member's codec cannot read is an error naming the column,
// the server type and the C++ type.
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/reflect/naming.hpp>
#include <pgpx/reflect/reflect.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/codec.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx::detail {

struct result_access;  // pgpx/core/result.hpp
/// result_access, named through R so that its members are looked up once R (a result) is known.
template <class R>
using result_access_t = std::conditional_t<true, result_access, R>;

/// A raw field of a result row: binary bytes, or NULL.
struct field_ref {
  const char* data = nullptr;
  int length = 0;
  bool is_null = true;
};

template <class T>
struct is_tuple_like : std::false_type {};
template <class... A>
struct is_tuple_like<std::tuple<A...>> : std::true_type {};
template <class A, class B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {};

/// How T is read from a row.
enum class row_shape { scalar, tuple, record };

template <class T>
constexpr auto shape_of() -> row_shape {
  if constexpr (has_codec<T>) return row_shape::scalar;
  else if constexpr (is_tuple_like<T>::value) return row_shape::tuple;
  else {
    static_assert(reflect::reflectable<T>,
                  "pgpx: a row type must have a pgpx::codec (one column), be a std::tuple/std::pair "
                  "(columns by position) or be an aggregate struct (columns by name)");
    return row_shape::record;
  }
}

/// True when a value of T decoded from a result points into it (std::string_view).
template <class T>
constexpr auto borrows_any() -> bool {
  if constexpr (shape_of<T>() == row_shape::scalar) {
    return borrows_result_v<T>;
  } else if constexpr (shape_of<T>() == row_shape::tuple) {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (borrows_result_v<std::tuple_element_t<I, T>> || ...);
    }(std::make_index_sequence<std::tuple_size_v<T>>{});
  } else {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (borrows_result_v<reflect::field_type<I, T>> || ...);
    }(std::make_index_sequence<reflect::field_count<T>>{});
  }
}

[[noreturn]] inline void column_error(std::string_view column, const error& e) {
  throw conversion_error("column \"" + std::string(column) + "\": " + e.message(), e.info());
}

template <class F>
void check_column(oid type, std::string_view column, std::string_view member) {
  static_assert(has_codec<F>, "pgpx: a member of this row type has no pgpx::codec");
  if (!codec<F>::accepts(type)) {
    std::string msg = "cannot read column \"" + std::string(column) + "\" of type ";
    msg += uses_named_v<F> ? describe_type_in_catalog(type) : describe_type(type);
    msg += " into ";
    if (!member.empty()) msg += "member \"" + std::string(member) + "\" of type ";
    msg += std::string(codec<F>::name);
    if constexpr (!std::is_void_v<typename named_param<F>::type>)
      msg += named_type_note(named_type_id_of<typename named_param<F>::type>());
    throw conversion_error(std::move(msg));
  }
}

/// Decodes one field with column context in errors.
template <class T>
auto decode_column(const field_ref& f, oid type, std::string_view column) -> T {
  static_assert(has_codec<T>, "pgpx: this type has no pgpx::codec specialisation; see pgpx/types/codec.hpp");
  check_column<T>(type, column, {});
  try {
    return decode_field<T>(f.data, f.length, f.is_null, type);
  } catch (const conversion_error& e) {
    column_error(column, e);
  }
}

/// True when reading a row of T may involve a type named by the codec (see
/// pgpx/types/by_name.hpp): row mapping then makes the result's type catalog active.
template <class T>
constexpr auto row_uses_named() -> bool {
  if constexpr (shape_of<T>() == row_shape::scalar) {
    return uses_named_v<T>;
  } else if constexpr (shape_of<T>() == row_shape::tuple) {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (uses_named_v<std::tuple_element_t<I, T>> || ...);
    }(std::make_index_sequence<std::tuple_size_v<T>>{});
  } else {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (uses_named_v<reflect::field_type<I, T>> || ...);
    }(std::make_index_sequence<reflect::field_count<T>>{});
  }
}

/// The type catalog a result was produced with, active for a scope when T needs it.
template <class T, bool Named = row_uses_named<T>()>
struct types_scope_for {
  template <class R>
  explicit types_scope_for(const R&) noexcept {}
};
template <class T>
struct types_scope_for<T, true> {
  template <class R>
  explicit types_scope_for(const R& r) noexcept : scope(catalog_of(r)) {}
  types_scope scope;

 private:
  template <class R>
  static auto catalog_of(const R& r) noexcept -> const type_catalog* {
    if constexpr (requires { R::access::types(r); }) return R::access::types(r);  // a COPY decoder
    else return result_access_t<R>::types(r);
  }
};

template <class T, bool Record>
inline constexpr std::size_t record_width = 0;
template <class T>
inline constexpr std::size_t record_width<T, true> = reflect::field_count<T>;

/// Reads rows of a result into T. Built once per result; decode() runs per row.
template <class T>
class row_mapper {
 public:
  static constexpr row_shape shape = shape_of<T>();

  template <class R>
  explicit row_mapper(const R& r) {
    if (!r.is_binary()) throw usage_error("typed access needs a binary result; this one is in text format");
    const types_scope_for<T> named_types(r);
    const int n = r.columns();
    if constexpr (shape == row_shape::scalar) {
      if (n != 1)
        throw conversion_error("the query returns " + std::to_string(n) + " columns, but " +
                               std::string(codec<T>::name) + " reads exactly one");
      check_column<T>(r.column_type(0), r.column_name(0), {});
    } else if constexpr (shape == row_shape::tuple) {
      constexpr int want = static_cast<int>(std::tuple_size_v<T>);
      if (n != want)
        throw conversion_error("the query returns " + std::to_string(n) + " columns, but the tuple has " +
                               std::to_string(want) + " elements");
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (check_column<std::tuple_element_t<I, T>>(r.column_type(static_cast<int>(I)),
                                                  r.column_name(static_cast<int>(I)), {}),
         ...);
      }(std::make_index_sequence<std::tuple_size_v<T>>{});
    } else {
      // Results of one prepared statement share their columns: reuse the last lookup.
      std::uint64_t shape_id = 0;
      shape_id = result_access_t<R>::shape(r);
      memo& m = last_lookup();
      if (shape_id != 0 && m.shape_id == shape_id) {
        index_ = m.index;
        types_ = m.types;
        return;
      }
      // The result's column names, read once (not once per member).
      std::array<std::string_view, 32> on_stack;
      std::vector<std::string_view> on_heap;
      std::string_view* cols = on_stack.data();
      if (n > static_cast<int>(on_stack.size())) {
        on_heap.resize(static_cast<std::size_t>(n));
        cols = on_heap.data();
      }
      for (int c = 0; c < n; ++c) cols[c] = r.column_name(c);
      const std::span<const std::string_view> have(cols, static_cast<std::size_t>(n));
      const auto& names = reflect::column_names<T>();
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((index_[I] = find(have, names[I], reflect::field_names<T>[I]), types_[I] = r.column_type(index_[I]),
          check_column<reflect::field_type<I, T>>(types_[I], names[I], reflect::field_names<T>[I])),
         ...);
      }(std::make_index_sequence<reflect::field_count<T>>{});
      if (shape_id != 0) m = memo{shape_id, index_, types_};
    }
  }

  template <class R>
  [[nodiscard]] auto decode(const R& r, int row) const -> T {
    const types_scope_for<T> named_types(r);
    if constexpr (shape == row_shape::scalar) {
      return decode_column<T>(result_access_t<R>::raw(r, row, 0), r.column_type(0), r.column_name(0));
    } else if constexpr (shape == row_shape::tuple) {
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return T{decode_column<std::tuple_element_t<I, T>>(result_access_t<R>::raw(r, row, static_cast<int>(I)),
                                                           r.column_type(static_cast<int>(I)),
                                                           r.column_name(static_cast<int>(I)))...};
      }(std::make_index_sequence<std::tuple_size_v<T>>{});
    } else {
      T out{};
      decode_into(r, row, out);
      return out;
    }
  }

  /// Decodes row `row` into an existing record (a default-constructed one: members that
  /// own memory get it once, with no temporary). Records only.
  template <class R>
  void decode_into(const R& r, int row, T& out) const
    requires(shape == row_shape::record)
  {
    const types_scope_for<T> named_types(r);
    std::size_t current = 0;
    try {
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((current = I, decode_member<I>(r, row, out)), ...);
      }(std::make_index_sequence<reflect::field_count<T>>{});
    } catch (const conversion_error& e) {
      column_error(r.column_name(index_[current]), e);
    }
  }

 private:
  template <std::size_t I, class R>
  void decode_member(const R& r, int row, T& out) const {
    using F = reflect::field_type<I, T>;
    const field_ref f = result_access_t<R>::raw(r, row, index_[I]);
    decode_field_into<F>(reflect::get<I>(out), f.data, f.length, f.is_null, types_[I]);
  }

  // The column for a member: exactly one column must match its name (under the naming
  // strategy); none or several is an error naming the columns the query returned.
  static auto find(std::span<const std::string_view> cols, std::string_view column, std::string_view member) -> int {
    constexpr naming how = naming_of<T>;
    const int n = static_cast<int>(cols.size());
    int i = -1;
    for (int c = 0; c < n && i < 0; ++c)
      if (reflect::column_matches(cols[static_cast<std::size_t>(c)], column, how)) i = c;
    if (i < 0) {
      throw conversion_error("member \"" + std::string(member) + "\" expects a column named \"" + std::string(column) +
                             "\", but the query returns: " + column_list(cols));
    }
    for (int c = i + 1; c < n; ++c) {
      const std::string_view other = cols[static_cast<std::size_t>(c)];
      if (reflect::column_matches(other, column, how)) {
        throw conversion_error(
            "member \"" + std::string(member) + "\" matches more than one column (\"" +
            std::string(cols[static_cast<std::size_t>(i)]) + "\" at " + std::to_string(i + 1) + " and \"" +
            std::string(other) + "\" at " + std::to_string(c + 1) +
            "): give the columns distinct names (select a.id as author_id, ...); the query returns: " +
            column_list(cols));
      }
    }
    return i;
  }

  static auto column_list(std::span<const std::string_view> cols) -> std::string {
    std::string have;
    for (const auto c : cols) {
      if (!have.empty()) have += ", ";
      have += c;
    }
    return have.empty() ? std::string("no columns") : have;
  }

  static constexpr std::size_t width = record_width<T, shape == row_shape::record>;
  std::array<int, width> index_{};
  std::array<oid, width> types_{};

  // The last column lookup for T on this thread, by result shape (a trivial type: no
  // thread_local initialisation guard on the hot path).
  struct memo {
    std::uint64_t shape_id;
    std::array<int, width> index;
    std::array<oid, width> types;
  };
  static auto last_lookup() noexcept -> memo& {
    static thread_local memo m{};
    return m;
  }
};

/// The names of the columns of `r` that no member of T reads, in result order. Always
/// empty for scalars and tuples (which read every column or fail).
template <class T, class R>
[[nodiscard]] auto unread_columns(const R& r) -> std::vector<std::string> {
  std::vector<std::string> out;
  if constexpr (shape_of<T>() == row_shape::record) {
    const auto& names = reflect::column_names<T>();
    for (int c = 0; c < r.columns(); ++c) {
      const std::string_view name = r.column_name(c);
      bool read = false;
      for (const auto& want : names) read = read || reflect::column_matches(name, want, naming_of<T>);
      if (!read) out.emplace_back(name);
    }
  }
  return out;
}

}  // namespace pgpx::detail
