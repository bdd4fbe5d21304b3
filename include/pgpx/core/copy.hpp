// pgpx/core/copy.hpp: bulk transfer with COPY.
//
//   struct event { std::int64_t id; std::string name; pgpx::timestamptz at; };
//   std::vector<event> events = ...;
//   pgpx::copy_in(cx, "events", events);                       // binary COPY, columns by member name
//   auto back = pgpx::copy_out<event>(cx, "events");           // binary COPY out of a table
//   auto recent = pgpx::copy_out_query<event>(cx, "select * from events where at > now() - interval '1 day'");
//   pgpx::copy_out_query<event>(cx, "select ...", [](const event& e) { ... });  // row by row, bounded memory
//
//   std::ifstream csv("events.csv");
//   pgpx::copy_from(cx, "copy events from stdin (format csv, header)", csv);   // text/CSV from a stream
//   pgpx::copy_to(cx, "copy events to stdout (format csv, header)", std::cout);
//
// Binary COPY needs each value in exactly the column's binary form, so pgpx reads the
// table's column types first and adapts: integers and floats are widened or narrowed (with a
// range check), strings go to any text-like column (text, varchar, char, name, enums,
// citext, json, xml; jsonb gets its version byte), vectors of strings to arrays of those.
// A member that cannot be written to its column is an error before anything is sent.
//
// Values get the same range checks as parameters (pgpx/types/convert.hpp): an integer its
// column cannot hold, a finite double that float4 would turn into Infinity or 0, text with
// a NUL byte or invalid UTF-8, a date or timestamp outside PostgreSQL's range. Each is a
// conversion_error naming the row, the member and the column; the COPY is aborted, nothing
// is stored, and the connection stays usable.
//
// Every call blocks under the connection's deadline and throws pgpx::error.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/core/type_names.hpp>
#include <pgpx/detail/endian.hpp>
#include <pgpx/export.hpp>
#include <pgpx/reflect/naming.hpp>
#include <pgpx/reflect/reflect.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>
#include <pgpx/types/convert.hpp>

#include <array>
#include <bit>
#include <memory>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

namespace detail {
struct copy_writer_access;
}  // namespace detail

/// A table for COPY, optionally schema-qualified.
struct copy_table {
  std::string schema;  ///< empty: found through search_path
  std::string name;    ///< the table
  copy_table(const char* table) : name(table) {}          // NOLINT(google-explicit-constructor)
  copy_table(std::string_view table) : name(table) {}     // NOLINT(google-explicit-constructor)
  copy_table(std::string_view s, std::string_view t) : schema(s), name(t) {}
  /// The quoted, qualified name for SQL text.
  [[nodiscard]] auto quoted() const -> std::string {
    return schema.empty() ? quote_identifier(name) : quote_qualified({schema, name});
  }
};

/// A column of a COPY: name and server type.
struct copy_column {
  std::string name;
  oid type = 0;
};

/**
 * Sends data for a COPY ... FROM STDIN statement. Buffers and sends in large chunks.
 * Destroying it before finish() aborts the COPY (nothing is written).
 */
class PGPX_API copy_writer {
 public:
  /// Runs `copy_sql` (a COPY ... FROM STDIN) and waits for the server to accept data.
  copy_writer(connection& cx, std::string_view copy_sql);
  copy_writer(const copy_writer&) = delete;
  auto operator=(const copy_writer&) -> copy_writer& = delete;
  /// Aborts the COPY if finish() was not called. Never throws.
  ~copy_writer();

  /// Appends bytes of the COPY data stream.
  void write(std::string_view bytes);
  /// Sends the buffer when it holds at least `threshold` bytes.
  void flush(std::size_t threshold = 0);
  /// Ends the COPY; returns the number of rows the server stored.
  auto finish() -> std::uint64_t;
  /// Ends the COPY with an error: the server discards everything. Never throws.
  void abort(std::string_view reason) noexcept;

 private:
  friend struct detail::copy_writer_access;
  // The buffer that write() appends to; flush() when it grew (encoders).
  [[nodiscard]] auto buffer() noexcept -> std::string& { return buf_; }
  auto finish_copy() -> std::uint64_t;
  connection& cx_;
  std::string sql_;
  std::string buf_;
  bool open_ = false;
  clock::time_point started_{};  // for the query hook
};

namespace detail {
/// Access to copy_writer's members that the COPY encoders use. Not part of the API.
struct copy_writer_access {
  /// The buffer that write() appends to; flush() when it grew.
  [[nodiscard]] static auto buffer(copy_writer& w) noexcept -> std::string& { return w.buffer(); }
};
}  // namespace detail

/**
 * Receives the data of a COPY ... TO STDOUT statement, one row (text formats) or one chunk
 * (binary) at a time.
 */
class PGPX_API copy_reader {
 public:
  /// Runs `copy_sql` (a COPY ... TO STDOUT).
  copy_reader(connection& cx, std::string_view copy_sql);
  copy_reader(const copy_reader&) = delete;
  auto operator=(const copy_reader&) -> copy_reader& = delete;
  /// Drains the rest if reading stopped early. Never throws.
  ~copy_reader();

  /// The next piece of data, valid until the next call; false at the end.
  auto next(std::string_view& data) -> bool;
  /// Rows the COPY produced (after next() returned false).
  [[nodiscard]] auto rows() const noexcept -> std::uint64_t { return rows_; }

 private:
  connection& cx_;
  std::string sql_;
  char* chunk_ = nullptr;
  bool done_ = false;
  std::uint64_t rows_ = 0;
  clock::time_point started_{};  // for the query hook
};

/// The columns of a table (name and type, in table order), from the catalog.
[[nodiscard]] PGPX_API auto table_columns(connection& cx, const copy_table& table) -> std::vector<copy_column>;

/// Runs a COPY ... FROM STDIN with data from a stream (text or CSV format); returns the rows stored.
PGPX_API auto copy_from(connection& cx, std::string_view copy_sql, std::istream& in) -> std::uint64_t;
/// Runs a COPY ... TO STDOUT into a stream (text or CSV format); returns the rows written.
PGPX_API auto copy_to(connection& cx, std::string_view copy_sql, std::ostream& out) -> std::uint64_t;

namespace detail {

/// How one member is written in binary COPY for its column's type.
enum class copy_plan { direct, integer, floating, text, jsonb, text_array };

[[noreturn]] PGPX_API void copy_member_error(std::string_view member, std::string_view cpp, oid column_type,
                                             std::string_view column);
PGPX_API void copy_missing_column(std::string_view member, std::string_view column, const copy_table& table);
/// True for column types whose binary form is their text (text, varchar, enums, json...).
[[nodiscard]] PGPX_API auto copy_text_like(connection& cx, oid type) -> bool;
/// For an array column of a text-like element type, that element type; else 0.
[[nodiscard]] PGPX_API auto copy_text_array_element(connection& cx, oid type) -> oid;

template <class T>
struct copy_value_type {
  using type = T;
};
template <class T>
struct copy_value_type<std::optional<T>> {
  using type = T;
};

/// Elements written as text by a text_array plan: strings and string views (not every type
/// convertible to one: nlohmann::json converts implicitly to anything, and is a range).
template <class E>
inline constexpr bool copy_string_element = std::is_base_of_v<std::string, E> || std::is_same_v<E, std::string_view>;

template <class F>
auto plan_member(connection& cx, std::string_view member, std::string_view column, oid col) -> copy_plan {
  using V = typename copy_value_type<F>::type;
  if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>) {
    if (col == oids::int2 || col == oids::int4 || col == oids::int8) return copy_plan::integer;
  } else if constexpr (std::is_floating_point_v<V>) {
    if (col == oids::float4 || col == oids::float8) return copy_plan::floating;
  } else if constexpr (has_codec<V> && codec<V>::param_format == format::text) {
    // A text-format codec writes the value's text, which is the binary form of text-like
    // columns (strings, enums, json...); jsonb adds its version byte.
    if (col == oids::jsonb) return copy_plan::jsonb;
    if (copy_text_like(cx, col)) return copy_plan::text;
    if constexpr (requires(const V& v) {
                    v.begin();
                    typename V::value_type;
                  }) {
      if constexpr (copy_string_element<typename V::value_type>) {
        if (copy_text_array_element(cx, col) != 0) return copy_plan::text_array;
      }
    }
  }
  if constexpr (is_named_type_v<V>) {
    // A type named by its codec: resolved before the COPY starts (no query inside it).
    if (codec<V>::param_format == format::binary) {
      const auto e = resolve_named_type(cx, named_type_id_of<V>());
      if (e.type != 0 && (col == e.type || col == e.base)) return copy_plan::direct;
    }
  } else if constexpr (has_codec<V>) {
    if (codec<V>::param_format == format::binary && codec<V>::param_oid == col) return copy_plan::direct;
  }
  copy_member_error(member, type_name_of<V>(), col, column);
}

template <class V>
void write_integer(std::string& out, const V& v, oid col) {
  // The same range check as a parameter of that type (pgpx/types/convert.hpp): a value the
  // column cannot hold is refused, never wrapped (a uint64_t above 2^63-1 is not -1).
  // Length and value in one append.
  if (col == oids::int8) store_field_be<std::int64_t>(out, checked_integer<std::int64_t>(v));
  else if (col == oids::int4) store_field_be<std::int32_t>(out, checked_integer<std::int32_t>(v));
  else store_field_be<std::int16_t>(out, checked_integer<std::int16_t>(v));
}

// Checks the text an encoder appended from `from` on as every text parameter is checked:
// no NUL, valid UTF-8 when that is the client encoding.
inline void check_copy_text(const std::string& out, std::size_t from, bool utf8) {
  check_text(std::string_view(out).substr(from), utf8);
}

template <class V>
void write_value(std::string& out, const V& v, copy_plan plan, oid col, oid element, bool utf8) {
  switch (plan) {
    case copy_plan::integer:
      if constexpr (std::is_integral_v<V>) write_integer(out, v, col);
      return;
    case copy_plan::floating:
      if constexpr (std::is_floating_point_v<V>) {
        if (col == oids::float8) {
          store_field_be(out, std::bit_cast<std::uint64_t>(static_cast<double>(v)));
        } else {
          // As the server's float8 -> float4 cast: a finite value never becomes Infinity or 0.
          store_field_be(out, std::bit_cast<std::uint32_t>(checked_float4(v)));
        }
      }
      return;
    case copy_plan::text:
    case copy_plan::jsonb:
      if constexpr (has_codec<V>) {
        const std::size_t at = out.size();
        store_be<std::int32_t>(out, 0);
        if (plan == copy_plan::jsonb) out.push_back('\1');
        const std::size_t text_at = out.size();
        codec<V>::encode(v, out);
        check_copy_text(out, text_at, utf8);
        patch_be32(out, at, static_cast<std::int32_t>(out.size() - at - 4));
      }
      return;
    case copy_plan::text_array:
      if constexpr (requires {
                      v.begin();
                      typename V::value_type;
                    }) {
        if constexpr (copy_string_element<typename V::value_type>) {
          const std::size_t at = out.size();
          store_be<std::int32_t>(out, 0);
          store_be<std::int32_t>(out, v.empty() ? 0 : 1);  // dimensions
          store_be<std::int32_t>(out, 0);                  // no NULLs
          store_be<std::uint32_t>(out, element);
          if (!v.empty()) {
            store_be<std::int32_t>(out, static_cast<std::int32_t>(v.size()));
            store_be<std::int32_t>(out, 1);
          }
          std::size_t index = 0;
          for (const auto& e : v) {
            const std::string_view s(e);
            try {
              check_text(s, utf8);
            } catch (const conversion_error& err) {
              rethrow_at("array element [" + std::to_string(index) + "]", err);
            }
            ++index;
            store_be<std::int32_t>(out, static_cast<std::int32_t>(s.size()));
            out.append(s);
          }
          patch_be32(out, at, static_cast<std::int32_t>(out.size() - at - 4));
        }
      }
      return;
    case copy_plan::direct:
      if constexpr (has_codec<V>) {
        const std::size_t at = out.size();
        store_be<std::int32_t>(out, 0);
        codec<V>::encode(v, out);
        patch_be32(out, at, static_cast<std::int32_t>(out.size() - at - 4));
      }
      return;
  }
}

template <class F>
void write_member(std::string& out, const F& value, copy_plan plan, oid col, oid element, bool utf8) {
  if constexpr (nullable_codec<F>) {
    if (codec<F>::is_null(value)) {
      store_be<std::int32_t>(out, -1);
      return;
    }
    if constexpr (requires { *value; }) write_value(out, *value, plan, col, element, utf8);
  } else {
    write_value(out, value, plan, col, element, utf8);
  }
}

/// Throws the conversion_error for a value of row `row` (1-based) that its column cannot
/// hold, naming the row, the member and the column (error_info::column, ::table).
[[noreturn]] PGPX_API void copy_value_error(std::uint64_t row, std::string_view member, std::string_view column,
                                            oid column_type, const copy_table& table, const conversion_error& e);
/// True when the connection's client encoding is UTF-8 (text values are then checked).
[[nodiscard]] PGPX_API auto copy_client_utf8(connection& cx) -> bool;

/// Starts the binary COPY stream: signature, flags, header extension length.
inline void copy_binary_header(std::string& out) {
  out.append("PGCOPY\n\377\r\n\0", 11);
  store_be<std::int32_t>(out, 0);
  store_be<std::int32_t>(out, 0);
}

/// Parses binary COPY data row by row (the stream may arrive in pieces of any size).
class PGPX_API copy_binary_parser {
 public:
  /// Feeds data; calls `row(fields)` for each complete row. Returns false after the trailer.
  template <class F>
  auto feed(std::string_view data, F&& row) -> bool {
    pending_.append(data);
    std::size_t pos = 0;
    if (!header_done_) {
      if (pending_.size() < 19) return true;
      if (pending_.compare(0, 11, std::string_view("PGCOPY\n\377\r\n\0", 11)) != 0)
        throw conversion_error("malformed binary COPY data: bad signature");
      const auto ext = load_be<std::int32_t>(pending_.data() + 15);
      if (ext < 0) throw conversion_error("malformed binary COPY data: bad header extension");
      if (pending_.size() < 19 + static_cast<std::size_t>(ext)) return true;
      pos = 19 + static_cast<std::size_t>(ext);
      header_done_ = true;
    }
    for (;;) {
      if (pending_.size() - pos < 2) break;
      const auto n = load_be<std::int16_t>(pending_.data() + pos);
      if (n == -1) {
        pending_.clear();
        return false;
      }
      if (n < 0) throw conversion_error("malformed binary COPY data: bad field count");
      std::size_t p = pos + 2;
      fields_.clear();
      bool complete = true;
      for (int i = 0; i < n; ++i) {
        if (pending_.size() - p < 4) {
          complete = false;
          break;
        }
        const auto len = load_be<std::int32_t>(pending_.data() + p);
        p += 4;
        if (len < 0) {
          fields_.push_back({nullptr, 0, true});
          continue;
        }
        if (pending_.size() - p < static_cast<std::size_t>(len)) {
          complete = false;
          break;
        }
        fields_.push_back({pending_.data() + p, len, false});
        p += static_cast<std::size_t>(len);
      }
      if (!complete) break;
      row(fields_);
      pos = p;
    }
    pending_.erase(0, pos);
    return true;
  }

 private:
  std::string pending_;
  std::vector<field_ref> fields_;
  bool header_done_ = false;
};

template <class T>
class copy_decoder {
 public:
  // `types`: the connection's types resolved by name, for members whose codec names its type.
  copy_decoder(const std::vector<copy_column>& columns, const copy_table* table,
               std::shared_ptr<const type_catalog> types = {})
      : types_catalog_(std::move(types)) {
    const types_scope_for<T> named_types(*this);
    const auto& names = reflect::column_names<T>();
    for (std::size_t i = 0; i < names.size(); ++i) {
      bool found = false;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        if (columns[c].name == names[i]) {
          index_[i] = c;
          types_[i] = columns[c].type;
          found = true;
        }
      }
      if (!found) {
        if (table != nullptr) copy_missing_column(reflect::field_names<T>[i], names[i], *table);
        throw conversion_error("member \"" + std::string(reflect::field_names<T>[i]) + "\" expects a column named \"" +
                               names[i] + "\", which the query does not return");
      }
    }
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (check_column<reflect::field_type<I, T>>(types_[I], names[I], reflect::field_names<T>[I]), ...);
    }(std::make_index_sequence<reflect::field_count<T>>{});
  }

  auto decode(const std::vector<field_ref>& fields) const -> T {
    const types_scope_for<T> named_types(*this);
    T out{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((reflect::get<I>(out) = decode_field<reflect::field_type<I, T>>(
            fields.at(index_[I]).data, fields.at(index_[I]).length, fields.at(index_[I]).is_null, types_[I])),
       ...);
    }(std::make_index_sequence<reflect::field_count<T>>{});
    return out;
  }

 private:
  std::array<std::size_t, reflect::field_count<T>> index_{};
  std::array<oid, reflect::field_count<T>> types_{};
  std::shared_ptr<const type_catalog> types_catalog_;

 public:
  /// The catalog members of named types are checked against (types_scope_for).
  struct access {
    static auto types(const copy_decoder& d) noexcept -> const type_catalog* { return d.types_catalog_.get(); }
  };
};

PGPX_API auto copy_columns_sql(const std::vector<std::string_view>& names) -> std::string;
PGPX_API auto query_columns(connection& cx, std::string_view query) -> std::vector<copy_column>;

template <class T>
auto member_column_names() -> std::vector<std::string_view> {
  std::vector<std::string_view> out;
  for (const auto& n : reflect::column_names<T>()) out.emplace_back(n);
  return out;
}

template <class T, class F>
auto copy_out_each(connection& cx, std::string_view copy_sql, const copy_decoder<T>& dec, F&& each) -> std::uint64_t {
  copy_reader reader(cx, copy_sql);
  copy_binary_parser parser;
  std::string_view chunk;
  while (reader.next(chunk)) parser.feed(chunk, [&](const std::vector<field_ref>& f) { each(dec.decode(f)); });
  return reader.rows();
}

}  // namespace detail

/**
 * Writes `rows` (a range of aggregate structs) into `table` with binary COPY. Members map to
 * columns by name under pgpx::naming_of<T>; columns without a member get their defaults.
 * Returns the number of rows stored. On any error nothing is stored.
 */
template <class T, class Range>
auto copy_in(connection& cx, const copy_table& table, const Range& rows) -> std::uint64_t {
  static_assert(reflect::reflectable<T>, "pgpx::copy_in writes aggregate structs");
  constexpr std::size_t n = reflect::field_count<T>;
  const auto columns = table_columns(cx, table);
  const auto& names = reflect::column_names<T>();
  std::array<oid, n> types{};
  std::array<oid, n> elements{};
  std::array<detail::copy_plan, n> plans{};
  for (std::size_t i = 0; i < n; ++i) {
    bool found = false;
    for (const auto& c : columns)
      if (c.name == names[i]) {
        types[i] = c.type;
        found = true;
      }
    if (!found) detail::copy_missing_column(reflect::field_names<T>[i], names[i], table);
  }
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((plans[I] = detail::plan_member<reflect::field_type<I, T>>(cx, reflect::field_names<T>[I], names[I], types[I]),
      elements[I] = plans[I] == detail::copy_plan::text_array ? detail::copy_text_array_element(cx, types[I]) : 0),
     ...);
  }(std::make_index_sequence<n>{});

  copy_writer w(cx, "COPY " + table.quoted() + " " + detail::copy_columns_sql(detail::member_column_names<T>()) +
                        " FROM STDIN (FORMAT binary)");
  const bool utf8 = detail::copy_client_utf8(cx);
  std::string& out = detail::copy_writer_access::buffer(w);
  detail::copy_binary_header(out);
  std::uint64_t row_number = 0;
  for (const T& row : rows) {
    ++row_number;
    detail::store_be<std::int16_t>(out, static_cast<std::int16_t>(n));
    std::size_t member = 0;
    try {
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((member = I, detail::write_member(out, reflect::get<I>(row), plans[I], types[I], elements[I], utf8)), ...);
      }(std::make_index_sequence<n>{});
    } catch (const conversion_error& e) {
      // A value its column cannot hold: w's destructor aborts the COPY, so nothing of it is
      // stored and the connection stays usable.
      detail::copy_value_error(row_number, reflect::field_names<T>[member], names[member], types[member], table, e);
    }
    w.flush(1 << 16);
  }
  detail::store_be<std::int16_t>(out, -1);
  return w.finish();
}

/// Reads every row of `table` with binary COPY into structs (members by column name).
template <class T>
auto copy_out(connection& cx, const copy_table& table) -> std::vector<T> {
  const detail::copy_decoder<T> dec(table_columns(cx, table), &table, detail::connection_types<T>(cx));
  std::vector<T> out;
  detail::copy_out_each<T>(cx,
                           "COPY " + table.quoted() + " " + detail::copy_columns_sql(detail::member_column_names<T>()) +
                               " TO STDOUT (FORMAT binary)",
                           dec, [&](T&& v) { out.push_back(std::move(v)); });
  return out;
}

/// Reads the rows of a query with binary COPY, calling `each(T)` per row (bounded memory).
/// Returns the number of rows.
template <class T, class F>
auto copy_out_query(connection& cx, std::string_view query, F&& each) -> std::uint64_t {
  auto cols = detail::query_columns(cx, query);
  const detail::copy_decoder<T> dec(cols, nullptr, detail::connection_types<T>(cx));
  return detail::copy_out_each<T>(cx, "COPY (" + std::string(query) + ") TO STDOUT (FORMAT binary)", dec,
                                  std::forward<F>(each));
}

/// Reads the rows of a query with binary COPY into structs.
template <class T>
auto copy_out_query(connection& cx, std::string_view query) -> std::vector<T> {
  std::vector<T> out;
  copy_out_query<T>(cx, query, [&](T&& v) { out.push_back(std::move(v)); });
  return out;
}

}  // namespace pgpx
