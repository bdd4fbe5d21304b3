// pgpx/core/result.hpp: the rows a statement returned, read in binary format.
//
//   pgpx::result r = cx.exec("select id, name from authors");
//   for (auto row : r) {
//     auto id = row.get<std::int64_t>(0);
//     auto name = row.get<std::string>("name");
//   }
//   std::vector<author> all = r.as<author>();       // columns matched to fields by name
//   auto pairs = r.as<std::tuple<std::int64_t, std::string>>();  // by position
//
// A result owns its data; std::string_view values decoded from it stay valid while it lives.
#pragma once

#include <pgpx/core/row_mapping.hpp>
#include <pgpx/export.hpp>
#include <pgpx/types/codec.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_result;  // libpq's PGresult, kept out of the public headers

namespace pgpx {

namespace detail {
/// Throws error_kind::row_count for a query that returned `got` rows where `wanted` were needed.
[[noreturn]] PGPX_API void throw_row_count(std::string_view statement, std::string_view subject, const char* wanted,
                                           std::size_t got);
/// Throws conversion_error for query_value on a result that has `got` columns.
[[noreturn]] PGPX_API void throw_column_count(std::string_view statement, std::string_view subject, int got);
}  // namespace detail

class result;

/// One value of a row: its bytes (binary format), its type and whether it is NULL.
class PGPX_API field {
 public:
  field(const result& r, int row, int column) noexcept : r_(&r), row_(row), col_(column) {}
  /// True when the value is NULL.
  [[nodiscard]] auto is_null() const noexcept -> bool;
  /// The server type of the column.
  [[nodiscard]] auto type() const noexcept -> oid;
  /// The column name.
  [[nodiscard]] auto name() const noexcept -> std::string_view;
  /// The raw bytes (empty for NULL): binary, or text for results of connection::run_text.
  [[nodiscard]] auto bytes() const noexcept -> std::string_view;
  /// The value's text form; only for results of connection::run_text (usage_error otherwise).
  [[nodiscard]] auto text() const -> std::string_view;
  /// The value converted to T; throws conversion_error naming the column on mismatch.
  template <class T>
  [[nodiscard]] auto as() const -> T;

 private:
  const result* r_;
  int row_;
  int col_;
};

/// One row of a result. Cheap to copy; valid while the result lives.
class PGPX_API row {
 public:
  row(const result& r, int index) noexcept : r_(&r), index_(index) {}
  /// The number of columns.
  [[nodiscard]] auto size() const noexcept -> int;
  /// The field at a column position.
  [[nodiscard]] auto operator[](int column) const noexcept -> field { return field(*r_, index_, column); }
  /// The field of a named column; throws usage_error when there is no such column.
  [[nodiscard]] auto operator[](std::string_view column) const -> field;
  /// The value at a column position converted to T.
  template <class T>
  [[nodiscard]] auto get(int column) const -> T {
    return (*this)[column].template as<T>();
  }
  /// The value of a named column converted to T.
  template <class T>
  [[nodiscard]] auto get(std::string_view column) const -> T {
    return (*this)[column].template as<T>();
  }
  /// The whole row as T: a struct (columns by name), a tuple (by position) or a scalar.
  template <class T>
  [[nodiscard]] auto as() const -> T;
  /// The position of this row in its result.
  [[nodiscard]] auto index() const noexcept -> int { return index_; }

 private:
  const result* r_;
  int index_;
};

/**
 * The outcome of one statement: rows (possibly none) and the command status.
 *
 * Move-only. Thread safety: const member functions may be called from several threads.
 */
class PGPX_API result {
 public:
  /// An empty result with no rows and no columns.
  result() noexcept = default;
  result(result&&) noexcept;
  auto operator=(result&&) noexcept -> result&;
  result(const result&) = delete;
  auto operator=(const result&) -> result& = delete;
  ~result();

  /// The number of rows.
  [[nodiscard]] auto size() const noexcept -> std::size_t;
  /// True when there are no rows.
  [[nodiscard]] auto empty() const noexcept -> bool { return size() == 0; }
  /// The number of columns.
  [[nodiscard]] auto columns() const noexcept -> int;
  /// The name of a column.
  [[nodiscard]] auto column_name(int column) const noexcept -> std::string_view;
  /// The server type of a column.
  [[nodiscard]] auto column_type(int column) const noexcept -> oid;
  /// The position of a named column, or -1.
  [[nodiscard]] auto column_index(std::string_view name) const noexcept -> int;
  /// True when values are in binary format (every result except those of run_text).
  [[nodiscard]] auto is_binary() const noexcept -> bool;
  /// Rows affected by INSERT/UPDATE/DELETE/MERGE/COPY (or returned by SELECT).
  [[nodiscard]] auto affected_rows() const noexcept -> std::uint64_t;
  /// The command tag, such as "INSERT 0 1".
  [[nodiscard]] auto command_tag() const noexcept -> std::string_view;

  /// The row at `index` (unchecked).
  [[nodiscard]] auto operator[](std::size_t index) const noexcept -> row { return row(*this, static_cast<int>(index)); }
  /// The row at `index`; throws usage_error when out of range.
  [[nodiscard]] auto at(std::size_t index) const -> row;

  /// Iterates over rows.
  class iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = row;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const result* r, int i) noexcept : r_(r), i_(i) {}
    auto operator*() const noexcept -> row { return row(*r_, i_); }
    auto operator++() noexcept -> iterator& {
      ++i_;
      return *this;
    }
    auto operator++(int) noexcept -> iterator {
      auto t = *this;
      ++i_;
      return t;
    }
    auto operator==(const iterator& o) const noexcept -> bool { return i_ == o.i_; }

   private:
    const result* r_ = nullptr;
    int i_ = 0;
  };
  [[nodiscard]] auto begin() const noexcept -> iterator { return {this, 0}; }
  [[nodiscard]] auto end() const noexcept -> iterator { return {this, static_cast<int>(size())}; }

  /// Every row converted to T (struct by column name, tuple by position, or scalar).
  template <class T>
  [[nodiscard]] auto as() const -> std::vector<T> {
    detail::row_mapper<T> m(*this);
    std::vector<T> out;
    const auto n = size();
    out.reserve(n);
    if constexpr (detail::row_mapper<T>::shape == detail::row_shape::record) {
      // Each row is decoded in place, into its element of the vector.
      for (std::size_t i = 0; i < n; ++i) m.decode_into(*this, static_cast<int>(i), out.emplace_back());
    } else {
      for (std::size_t i = 0; i < n; ++i) out.push_back(m.decode(*this, static_cast<int>(i)));
    }
    return out;
  }

  /// Every row converted to T; the same as as<T>(). The typed query calls of connections,
  /// transactions, the async side and templates all end here (all, one, optional, value).
  template <class T>
  [[nodiscard]] auto all() const -> std::vector<T> {
    static_assert(!detail::borrows_any<T>(),
                  "pgpx: query<T> returns values that outlive the result; use std::string, not "
                  "std::string_view (or keep the result: exec(...).as<T>())");
    return as<T>();
  }

  /// The only row converted to T. Throws error_kind::row_count unless there is exactly one
  /// row; the error carries `statement` and names `subject` ("the query", "template x").
  template <class T>
  [[nodiscard]] auto one(std::string_view statement = {}, std::string_view subject = "the query") const -> T {
    static_assert(!detail::borrows_any<T>(), "pgpx: use std::string, not std::string_view, in query_one");
    if (size() != 1) detail::throw_row_count(statement, subject, "exactly one row", size());
    return (*this)[0].template as<T>();
  }

  /// The row converted to T, or nothing when there is none. Throws error_kind::row_count
  /// when there are several.
  template <class T>
  [[nodiscard]] auto optional(std::string_view statement = {}, std::string_view subject = "the query") const
      -> std::optional<T> {
    static_assert(!detail::borrows_any<T>(), "pgpx: use std::string, not std::string_view, in query_optional");
    if (size() > 1) detail::throw_row_count(statement, subject, "at most one row", size());
    if (empty()) return std::nullopt;
    return (*this)[0].template as<T>();
  }

  /// The value of the only row's only column, converted to T. Throws error_kind::row_count
  /// unless there is exactly one row, conversion_error unless it has exactly one column.
  template <class T>
  [[nodiscard]] auto value(std::string_view statement = {}, std::string_view subject = "the query") const -> T {
    static_assert(has_codec<T>, "pgpx: query_value<T> needs a type with a pgpx::codec");
    static_assert(!borrows_result_v<T>, "pgpx: use std::string, not std::string_view, in query_value");
    if (size() != 1) detail::throw_row_count(statement, subject, "exactly one row", size());
    if (columns() != 1) detail::throw_column_count(statement, subject, columns());
    return (*this)[0].template get<T>(0);
  }

 private:
  friend struct detail::result_access;
  explicit result(pg_result* r) noexcept;
  // The raw value at (row, column), unchecked (decoders).
  [[nodiscard]] auto raw(int row, int column) const noexcept -> detail::field_ref;
  // Fills `out[0..columns())` with the raw values of one row (decoders).
  void raw_row(int row, detail::field_ref* out) const noexcept;
  [[nodiscard]] auto native() const noexcept -> pg_result* { return r_; }
  // An id shared by every result of one prepared statement, whose columns (names, types,
  // order) therefore never change; 0 when unknown. Row mapping remembers its column
  // lookup per shape instead of redoing it for every result.
  [[nodiscard]] auto shape() const noexcept -> std::uint64_t { return shape_; }
  void set_shape(std::uint64_t s) noexcept { shape_ = s; }

  pg_result* r_ = nullptr;
  std::uint64_t shape_ = 0;
  // The connection's types resolved by name when the result was made (pgpx/types/by_name.hpp);
  // null when the process uses no named type.
  std::shared_ptr<const detail::type_catalog> types_;
};

namespace detail {
/// Access to result's members that pgpx's own code and header templates use (row mapping,
/// the engine). Not part of the API.
struct result_access {
  /// Takes ownership of a libpq result.
  [[nodiscard]] static auto adopt(pg_result* r) noexcept -> result { return result(r); }
  [[nodiscard]] static auto raw(const result& r, int row, int column) noexcept -> field_ref {
    return r.raw(row, column);
  }
  static void raw_row(const result& r, int row, field_ref* out) noexcept { r.raw_row(row, out); }
  [[nodiscard]] static auto native(const result& r) noexcept -> pg_result* { return r.native(); }
  [[nodiscard]] static auto shape(const result& r) noexcept -> std::uint64_t { return r.shape(); }
  static void set_shape(result& r, std::uint64_t s) noexcept { r.set_shape(s); }
  /// The type catalog the result's named types are checked against (nullptr: none).
  [[nodiscard]] static auto types(const result& r) noexcept -> const type_catalog* { return r.types_.get(); }
  static void set_types(result& r, std::shared_ptr<const type_catalog> c) noexcept { r.types_ = std::move(c); }
};

/// A new process-wide unique result shape id (never 0).
[[nodiscard]] PGPX_API auto new_result_shape() noexcept -> std::uint64_t;
}  // namespace detail

template <class T>
auto field::as() const -> T {
  if (!r_->is_binary()) throw usage_error("typed access needs a binary result; this one is in text format");
  detail::field_ref f = detail::result_access::raw(*r_, row_, col_);
  const oid t = r_->column_type(col_);
  const detail::types_scope_for<T> named_types(*r_);
  return detail::decode_column<T>(f, t, r_->column_name(col_));
}

template <class T>
auto row::as() const -> T {
  detail::row_mapper<T> m(*r_);
  return m.decode(*r_, index_);
}

}  // namespace pgpx
