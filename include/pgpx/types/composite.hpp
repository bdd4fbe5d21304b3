// pgpx/types/composite.hpp: aggregates <-> PostgreSQL composite types (row types).
//
//   // create type address as (street text, city text)
//   struct address { std::string street; std::optional<std::string> city; };
//   template <> inline constexpr bool pgpx::is_composite<address> = true;
//
//   cx.execute("insert into people(name, home) values ($1, $2)", "Ada", address{"1 Main St", "London"});
//   auto a = cx.query_value<address>("select home from people where name = $1", "Ada");
//   auto all = cx.query_value<std::vector<address>>("select array_agg(home) from people");
//
// An aggregate opts in with pgpx::is_composite<T>: without it, a struct is a row (columns by
// name, see pgpx/core/row_mapping.hpp), never a single value. Members map to the fields of
// the composite type by position (names do not matter), each through its own codec: nested
// composites, arrays, enums, ranges and std::optional members (NULL fields) all work.
//
// Results are read from the binary record format: the field count must equal the member
// count, every field's type must be accepted by its member's codec, and a NULL field needs
// a nullable member; each failure is a conversion_error naming the member. Parameters are
// sent as the text literal "(a,b,...)" with an unspecified type, so the server reads them as
// the composite type of the column or cast (as with std::string, a bare `select $1` sees
// text). to_text() gives the same literal.
//
// Naming the PostgreSQL type makes both directions exact (pgpx/types/by_name.hpp), as
// pgpx::enum_type<E> does for enums:
//   template <> inline constexpr std::string_view pgpx::composite_type<address> = "address";
// Parameters are then sent with the type's real OID in the connection that runs them, still
// as the text literal (so `select $1` needs no cast, the server refuses a value for another
// composite type, and a type the database lacks is refused before anything is sent), and a
// column is read only from that composite type or from `record` (an anonymous row, whose
// fields the members check one by one): reading a `point3` column into `address` is refused
// by type name.
#pragma once

#include <pgpx/detail/endian.hpp>
#include <pgpx/reflect/reflect.hpp>
#include <pgpx/types/array.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/codec.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pgpx {

/// Set to true for an aggregate that is the C++ twin of a PostgreSQL composite type.
template <class T>
inline constexpr bool is_composite = false;

/// The PostgreSQL composite type of T (optionally schema-qualified), or "" (the default) to
/// leave it to the server: specialise it to check columns and send parameters by type name
/// (see the header comment). Used only when is_composite<T> is true.
template <class T>
inline constexpr std::string_view composite_type = {};

namespace detail {

template <class T>
struct composite_codec {
  static_assert(reflect::reflectable<T>,
                "pgpx: pgpx::is_composite<T> needs an aggregate struct (no constructors, no virtual functions, no "
                "base classes)");
  static constexpr std::size_t size = reflect::field_count<T>;

  template <std::size_t I>
  using member_t = reflect::field_type<I, T>;

  static constexpr bool members_have_codecs = []<std::size_t... I>(std::index_sequence<I...>) {
    return (has_codec<member_t<I>> && ...);
  }(std::make_index_sequence<size>{});
  static_assert(members_have_codecs, "pgpx: every member of a pgpx::is_composite type needs a pgpx::codec");

  [[nodiscard]] static auto member_label(std::size_t i) -> std::string {
    return "member \"" + std::string(reflect::field_names<T>[i]) + "\" of " + std::string(type_name_v<T>);
  }

  template <std::size_t I>
  [[nodiscard]] static auto decode_member(reader& r) -> member_t<I> {
    using M = member_t<I>;
    const oid type = r.read<oid>();
    const auto len = r.read<std::int32_t>();
    if (len == -1) {
      if constexpr (nullable_codec<M>) return codec<M>::null();
      else
        throw conversion_error("NULL in field " + std::to_string(I + 1) + " cannot be stored in " + member_label(I) +
                               " (" + std::string(codec<M>::name) + "); use std::optional");
    }
    if (len < 0) r.fail("negative field length");
    const std::string_view bytes = r.bytes(static_cast<std::size_t>(len));
    if (!codec<M>::accepts(type))
      throw conversion_error("cannot read field " + std::to_string(I + 1) + " of type " +
                             describe_type_in_catalog(type) + " into " + member_label(I) + " (" +
                             std::string(codec<M>::name) + ")");
    try {
      return codec<M>::decode(bytes, type);
    } catch (const conversion_error& e) {
      throw conversion_error(member_label(I) + ": " + e.message(), e.info());
    }
  }

  [[nodiscard]] static auto decode(std::string_view in) -> T {
    reader r(in, "composite");
    const auto fields = r.read<std::int32_t>();
    if (fields < 0) r.fail("negative field count");
    if (static_cast<std::size_t>(fields) != size)
      throw conversion_error("the composite value has " + std::to_string(fields) + " fields, but " +
                             std::string(type_name_v<T>) + " has " + std::to_string(size) + " members");
    // Braced initialisation evaluates its elements in order, as the fields arrive.
    T value = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return T{decode_member<I>(r)...};
    }(std::make_index_sequence<size>{});
    r.expect_end();
    return value;
  }

  template <class M>
  static void append_member(const M& m, std::string& out, std::string& scratch, std::size_t i) {
    if constexpr (nullable_codec<M>) {
      if (codec<M>::is_null(m)) return;  // NULL is nothing between the delimiters
    }
    scratch.clear();
    try {
      codec<M>::to_text(m, scratch);
    } catch (const conversion_error& e) {
      rethrow_at(member_label(i), e);  // a member out of its type's range: say which
    }
    append_literal_element(out, scratch, literal_kind::composite);
  }

  static void text_literal(const T& v, std::string& out) {
    std::string scratch;
    out.push_back('(');
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            if constexpr (I != 0) out.push_back(',');
            append_member(reflect::get<I>(v), out, scratch, I);
          }(),
          ...);
    }(std::make_index_sequence<size>{});
    out.push_back(')');
  }
};

}  // namespace detail

/// Aggregates marked with pgpx::is_composite <-> composite types (see the header comment).
template <class T>
struct codec<T, std::enable_if_t<is_composite<T>>> {
  static constexpr std::string_view name = detail::type_name_v<T>;
  /// The PostgreSQL type when composite_type<T> names it (then resolved per connection).
  static constexpr std::string_view pg_type = composite_type<T>;
  /// Unspecified at compile time; the resolved OID when composite_type<T> names the type.
  static constexpr oid param_oid = oids::unspecified;
  /// Text even when named: record_recv would need every member's OID, named members too.
  static constexpr format param_format = format::text;
  static constexpr bool borrows_result = []<std::size_t... I>(std::index_sequence<I...>) {
    return (borrows_result_v<reflect::field_type<I, T>> || ...);
  }(std::make_index_sequence<reflect::field_count<T>>{});

  /// True for record, and: the named composite type when composite_type<T> is given, else
  /// any type created at run time.
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool {
    if constexpr (!composite_type<T>.empty())
      return t == oids::record || detail::named_type_accepts(detail::type_name_id<T>, t);
    else return t == oids::record || !is_builtin_type(t);
  }
  /// Appends the composite literal "(a,b,...)".
  static void encode(const T& v, std::string& out) { detail::composite_codec<T>::text_literal(v, out); }
  /// Reads a binary composite (record_send format).
  [[nodiscard]] static auto decode(std::string_view in, oid) -> T { return detail::composite_codec<T>::decode(in); }
  /// Appends the composite literal "(a,b,...)".
  static void to_text(const T& v, std::string& out) { detail::composite_codec<T>::text_literal(v, out); }
};

namespace detail {
/// A composite may be named, and its members may be of named types: row mapping activates
/// the catalog for either.
template <class T>
struct uses_named<T, std::enable_if_t<is_composite<T>>>
    : std::bool_constant<is_named_type_v<T> || []<std::size_t... I>(std::index_sequence<I...>) {
      return (uses_named_v<reflect::field_type<I, T>> || ...);
    }(std::make_index_sequence<reflect::field_count<T>>{})> {};
}  // namespace detail

}  // namespace pgpx
