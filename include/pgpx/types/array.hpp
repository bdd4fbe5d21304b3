// pgpx/types/array.hpp: std::vector<T> <-> PostgreSQL arrays, of one or more dimensions.
//
//   auto ids = cx.query_value<std::vector<std::int32_t>>("select array[1, 2, 3]");
//   auto grid = cx.query_value<std::vector<std::vector<std::optional<double>>>>(
//       "select array[[1.5, null], [2.5, 3.5]]::float8[]");
//   cx.execute("update books set tags = $1 where id = $2", std::vector<std::string>{"sql", "c++"}, id);
//
// Every std::vector<T> whose T has a codec is an array, except std::vector<std::byte>, which
// is bytea (pgpx/types/builtin.hpp). std::vector<bool> is bool[].
//
// * Dimensions: a vector of vectors is a two-dimensional array, and so on up to PostgreSQL's
//   six. Encoding requires a rectangular value (every inner vector of a level has the same
//   size) and throws usage_error otherwise. Decoding requires the array's dimension count to
//   equal the nesting depth, except that an empty array (no dimensions) decodes into an
//   empty vector at any depth. Lower bounds are not kept: a decoded vector starts at index 0,
//   and encoded arrays start at PostgreSQL's default lower bound 1.
// * NULL elements need std::optional<T> elements. A NULL element read into a non-optional
//   element type is a conversion_error that names the element's (0-based) position.
// * Parameters: when T's codec sends a built-in type in binary (integers, floats, bool,
//   bytea, uuid, numeric, dates and times, ranges...) the array travels in binary with the
//   matching built-in array OID (int4[] for std::int32_t). Otherwise (strings, enums,
//   composites, user codecs) it travels as a text array literal such as {"a","b",NULL},
//   built from each element's to_text(), with an unspecified type so that the server infers
//   it (text[], varchar[], an enum array, a composite array...).
// * Results: accepts(t) is true for a built-in array type whose element type T's codec
//   accepts, and for every type created at run time (arrays of enums and composites have
//   per-database OIDs): decode() then checks the element OID in the array's header and throws
//   conversion_error when T's codec cannot read it.
// * Malformed input (bad header, negative or huge dimensions, more elements than bytes,
//   truncation, trailing bytes) is a conversion_error; decode never reads past its input.
#pragma once

#include <pgpx/detail/endian.hpp>
#include <pgpx/detail/type_name.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/codec.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pgpx {

namespace detail {

// Codec names ("std::vector<std::int32_t>") are compile-time strings made of parts
// (pgpx/detail/type_name.hpp's static_concat).

/// A part that is the name of T's codec.
template <class T>
struct codec_name_part {
  static constexpr std::string_view value = codec<T>::name;
};

/// A part that is a string literal.
template <std::size_t N>
struct fixed_chars {
  char chars[N];
  // NOLINTNEXTLINE(google-explicit-constructor, hicpp-explicit-conversions): used as a template argument
  consteval fixed_chars(const char (&s)[N]) noexcept {
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
};
template <fixed_chars S>
struct literal_part {
  static constexpr std::string_view value{S.chars, sizeof(S.chars) - 1};
};

// ---------------------------------------------------------------------------------------
// Text forms: quoting of elements inside array, composite and range literals.

/// Whitespace as PostgreSQL's literal parsers see it.
[[nodiscard]] constexpr auto is_literal_space(char c) noexcept -> bool {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/// Which literal an element is written into: each has its own special characters.
enum class literal_kind { array, composite, range };

/// Appends `s` as one element of a literal, in double quotes when the element's parser
/// would otherwise misread it (the rules of array_out, record_out and range_out).
inline void append_literal_element(std::string& out, std::string_view s, literal_kind kind) {
  bool quote = s.empty();
  if (kind == literal_kind::array && s.size() == 4) {
    // An unquoted NULL, in any case, is a NULL element.
    const auto up = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
    quote = up(s[0]) == 'N' && up(s[1]) == 'U' && up(s[2]) == 'L' && up(s[3]) == 'L';
  }
  for (std::size_t i = 0; i < s.size() && !quote; ++i) {
    const char c = s[i];
    if (c == '"' || c == '\\' || c == ',' || is_literal_space(c)) quote = true;
    else if (kind == literal_kind::array) quote = c == '{' || c == '}';
    else if (kind == literal_kind::composite) quote = c == '(' || c == ')';
    else quote = c == '(' || c == ')' || c == '[' || c == ']';
  }
  if (!quote) {
    out += s;
    return;
  }
  out.push_back('"');
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      // Arrays escape with a backslash; composites and ranges double the character (both
      // parsers accept either; this is what the server itself prints).
      out.push_back(kind == literal_kind::array ? '\\' : c);
    }
    out.push_back(c);
  }
  out.push_back('"');
}

/// Appends "[i][j]...": the 0-based coordinates of the flat (row-major) element `index`.
template <std::size_t N>
inline void append_coordinates(std::string& out, const std::array<std::int32_t, N>& dims, std::size_t index) {
  std::array<std::size_t, N> at{};
  for (std::size_t k = N; k-- > 0;) {
    const auto d = static_cast<std::size_t>(dims[k]);
    at[k] = d == 0 ? 0 : index % d;
    index = d == 0 ? 0 : index / d;
  }
  for (const auto c : at) out += "[" + std::to_string(c) + "]";
}

// ---------------------------------------------------------------------------------------
// Array OIDs at compile time (param_oid and param_format must be constant expressions).

/// The built-in array type of a built-in element type, or 0. Agrees with builtin_array_of().
[[nodiscard]] constexpr auto array_type_of(oid element) noexcept -> oid {
  switch (element) {
    case oids::bool_: return oids::bool_array;
    case oids::bytea: return oids::bytea_array;
    case oids::char_: return oids::char_array;
    case oids::name: return oids::name_array;
    case oids::int2: return oids::int2_array;
    case oids::int4: return oids::int4_array;
    case oids::text: return oids::text_array;
    case oids::bpchar: return oids::bpchar_array;
    case oids::varchar: return oids::varchar_array;
    case oids::int8: return oids::int8_array;
    case oids::float4: return oids::float4_array;
    case oids::float8: return oids::float8_array;
    case oids::oid_: return oids::oid_array;
    case oids::inet: return oids::inet_array;
    case oids::cidr: return oids::cidr_array;
    case oids::json: return oids::json_array;
    case oids::xml: return oids::xml_array;
    case oids::date: return oids::date_array;
    case oids::time: return oids::time_array;
    case oids::timestamp: return oids::timestamp_array;
    case oids::timestamptz: return oids::timestamptz_array;
    case oids::interval: return oids::interval_array;
    case oids::numeric: return oids::numeric_array;
    case oids::timetz: return oids::timetz_array;
    case oids::record: return oids::record_array;
    case oids::uuid: return oids::uuid_array;
    case oids::jsonb: return oids::jsonb_array;
    case oids::int4range: return oids::int4range_array;
    case oids::numrange: return oids::numrange_array;
    case oids::tsrange: return oids::tsrange_array;
    case oids::tstzrange: return oids::tstzrange_array;
    case oids::daterange: return oids::daterange_array;
    case oids::int8range: return oids::int8range_array;
    default: return 0;
  }
}

// ---------------------------------------------------------------------------------------
// The shape of a (nested) vector: its depth and the element type at the bottom.

template <class T>
struct array_shape {
  static constexpr std::size_t depth = 0;
  using leaf = T;
};
template <class T>
  requires(!std::is_same_v<T, std::byte>)
struct array_shape<std::vector<T>> {
  static constexpr std::size_t depth = array_shape<T>::depth + 1;
  using leaf = typename array_shape<T>::leaf;
};

/// PostgreSQL's limit on array dimensions (MAXDIM).
inline constexpr std::size_t max_array_dimensions = 6;

/// The implementation behind codec<std::vector<T>>, for the outermost vector type V.
template <class V>
struct array_codec {
  using leaf = typename array_shape<V>::leaf;
  using leaf_codec = codec<leaf>;
  static constexpr std::size_t depth = array_shape<V>::depth;
  static_assert(depth <= max_array_dimensions, "pgpx: PostgreSQL arrays have at most 6 dimensions");
  using dims_t = std::array<std::int32_t, depth>;

  /// The binary array OID, or 0 when the array travels as a text literal.
  static constexpr oid binary_oid =
      leaf_codec::param_format == format::binary ? array_type_of(leaf_codec::param_oid) : oid{0};

  [[nodiscard]] static auto accepts(oid t) noexcept -> bool {
    if (const oid element = builtin_array_element(t); element != 0) return leaf_codec::accepts(element);
    return !is_builtin_type(t);
  }

  // --- shape of a value ------------------------------------------------------------------

  template <std::size_t Level, class W>
  static void first_path_sizes(const W& w, dims_t& dims) {
    if (w.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw usage_error("an array dimension exceeds 2147483647 elements");
    dims[Level] = static_cast<std::int32_t>(w.size());
    if constexpr (Level + 1 < depth) {
      if (!w.empty()) first_path_sizes<Level + 1>(w.front(), dims);
    }
  }

  template <std::size_t Level, class W>
  static void check_rectangular(const W& w, const dims_t& dims) {
    if (w.size() != static_cast<std::size_t>(dims[Level]))
      throw usage_error("a multi-dimensional array must be rectangular: " + std::string(codec<V>::name) +
                        " has inner vectors of different sizes at depth " + std::to_string(Level));
    if constexpr (Level + 1 < depth) {
      for (const auto& sub : w) check_rectangular<Level + 1>(sub, dims);
    }
  }

  /// The dimensions of `v` and its element count; throws usage_error when not rectangular.
  static auto measure(const V& v, dims_t& dims) -> std::size_t {
    dims.fill(0);
    first_path_sizes<0>(v, dims);
    check_rectangular<0>(v, dims);
    std::uint64_t total = 1;
    for (const auto d : dims) {
      total *= static_cast<std::uint64_t>(d);
      if (total > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()))
        throw usage_error("an array has more than 2147483647 elements");
    }
    return static_cast<std::size_t>(total);
  }

  // --- encoding ----------------------------------------------------------------------------

  static void encode_leaf(const leaf& e, std::string& out, bool& has_null) {
    if constexpr (nullable_codec<leaf>) {
      if (leaf_codec::is_null(e)) {
        store_be<std::int32_t>(out, -1);
        has_null = true;
        return;
      }
    }
    const std::size_t at = out.size();
    store_be<std::int32_t>(out, 0);
    leaf_codec::encode(e, out);
    const std::size_t len = out.size() - at - 4;
    if (len > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw usage_error("an array element is larger than 2 GiB");
    patch_be32(out, at, static_cast<std::int32_t>(len));
  }

  template <std::size_t Level, class W>
  static void encode_level(const W& w, std::string& out, bool& has_null, std::size_t& index) {
    for (const auto& e : w) {
      if constexpr (Level + 1 < depth) {
        encode_level<Level + 1>(e, out, has_null, index);
      } else {
        encode_leaf(e, out, has_null);
        ++index;
      }
    }
  }

  static void encode_binary(const V& v, std::string& out) {
    dims_t dims;
    const std::size_t total = measure(v, dims);
    if (total == 0) {
      store_be<std::int32_t>(out, 0);  // no dimensions: the empty array
      store_be<std::int32_t>(out, 0);
      store_be<oid>(out, leaf_codec::param_oid);
      return;
    }
    store_be<std::int32_t>(out, static_cast<std::int32_t>(depth));
    const std::size_t flags_at = out.size();
    store_be<std::int32_t>(out, 0);
    store_be<oid>(out, leaf_codec::param_oid);
    for (const auto d : dims) {
      store_be<std::int32_t>(out, d);
      store_be<std::int32_t>(out, 1);  // lower bound
    }
    bool has_null = false;
    std::size_t index = 0;
    try {
      encode_level<0>(v, out, has_null, index);
    } catch (const conversion_error& e) {
      element_error(dims, index, e);  // an element out of its type's range: say which
    }
    if (has_null) patch_be32(out, flags_at, 1);
  }

  template <std::size_t Level, class W>
  static void text_level(const W& w, std::string& out, std::string& scratch, std::size_t& index) {
    out.push_back('{');
    bool first = true;
    for (const auto& e : w) {
      if (!first) out.push_back(',');
      first = false;
      if constexpr (Level + 1 < depth) {
        text_level<Level + 1>(e, out, scratch, index);
      } else {
        ++index;
        if constexpr (nullable_codec<leaf>) {
          if (leaf_codec::is_null(e)) {
            out += "NULL";
            continue;
          }
        }
        scratch.clear();
        leaf_codec::to_text(e, scratch);
        append_literal_element(out, scratch, literal_kind::array);
      }
    }
    out.push_back('}');
  }

  /// Appends the text array literal of `v` ("{1,2}", "{{\"a b\",NULL}}", "{}").
  static void text_literal(const V& v, std::string& out) {
    dims_t dims;
    if (measure(v, dims) == 0) {
      out += "{}";
      return;
    }
    std::string scratch;
    std::size_t index = 0;
    try {
      text_level<0>(v, out, scratch, index);
    } catch (const conversion_error& e) {
      element_error(dims, index - 1, e);
    }
  }

  // --- decoding ----------------------------------------------------------------------------

  [[noreturn]] static void null_element(const dims_t& dims, std::size_t index) {
    std::string msg = "NULL at array element ";
    append_coordinates(msg, dims, index);
    msg += " cannot be stored in ";
    msg += leaf_codec::name;
    msg += "; use std::optional elements";
    throw conversion_error(std::move(msg));
  }

  [[noreturn]] static void element_error(const dims_t& dims, std::size_t index, const conversion_error& e) {
    std::string msg = "array element ";
    append_coordinates(msg, dims, index);
    msg += ": ";
    msg += e.message();
    throw conversion_error(std::move(msg), e.info());
  }

  static auto decode_leaf(reader& r, oid element, const dims_t& dims, std::size_t index) -> leaf {
    const auto len = r.read<std::int32_t>();
    if (len == -1) {
      if constexpr (nullable_codec<leaf>) return leaf_codec::null();
      else null_element(dims, index);
    }
    if (len < 0) r.fail("negative element length");
    const std::string_view bytes = r.bytes(static_cast<std::size_t>(len));
    try {
      return leaf_codec::decode(bytes, element);
    } catch (const conversion_error& e) {
      element_error(dims, index, e);
    }
  }

  // Leaves read as a plain big-endian number of their own width: int2/int4/int8 into the
  // integer of that size, float4/float8 into float/double.
  static constexpr bool fixed_width_leaf =
      (std::is_same_v<leaf, std::int16_t> || std::is_same_v<leaf, std::int32_t> || std::is_same_v<leaf, std::int64_t> ||
       std::is_same_v<leaf, float> || std::is_same_v<leaf, double>);

  static auto load_leaf(const char* p) noexcept -> leaf {
    if constexpr (std::is_floating_point_v<leaf>) {
      using bits = std::conditional_t<sizeof(leaf) == 4, std::uint32_t, std::uint64_t>;
      return std::bit_cast<leaf>(load_be<bits>(p));
    } else {
      return load_be<leaf>(p);
    }
  }

  // The innermost level of an array of fixed-width numbers without NULLs, in one pass with
  // no per-element dispatch. Returns false (consuming nothing) when any element is NULL or
  // has another length: the general path then reports it.
  template <class W>
  static auto decode_fixed(reader& r, oid element, std::size_t n, W& w) -> bool {
    if constexpr (fixed_width_leaf) {
      constexpr std::size_t step = 4 + sizeof(leaf);
      if (element != leaf_codec::param_oid || r.remaining() / step < n) return false;
      reader ahead = r;
      const char* p = ahead.bytes(n * step).data();
      for (std::size_t i = 0; i < n; ++i)
        if (load_be<std::int32_t>(p + i * step) != static_cast<std::int32_t>(sizeof(leaf))) return false;
      w.resize(n);
      for (std::size_t i = 0; i < n; ++i) w[i] = load_leaf(p + i * step + 4);
      r = ahead;
      return true;
    } else {
      (void)r, (void)element, (void)n, (void)w;
      return false;
    }
  }

  template <std::size_t Level, class W>
  static void decode_level(reader& r, oid element, const dims_t& dims, W& w, std::size_t& index) {
    const auto n = static_cast<std::size_t>(dims[Level]);
    if constexpr (Level + 1 == depth) {
      if (decode_fixed(r, element, n, w)) {
        index += n;
        return;
      }
    }
    w.reserve(n);  // bounded: decode() checked that the input holds every element
    for (std::size_t i = 0; i < n; ++i) {
      if constexpr (Level + 1 < depth) {
        w.emplace_back();
        decode_level<Level + 1>(r, element, dims, w.back(), index);
      } else {
        w.push_back(decode_leaf(r, element, dims, index));
        ++index;
      }
    }
  }

  [[nodiscard]] static auto decode(std::string_view in, oid t) -> V {
    reader r(in, "array");
    const auto ndim = r.read<std::int32_t>();
    const auto flags = r.read<std::int32_t>();
    const auto element = r.read<oid>();
    if (flags != 0 && flags != 1) r.fail("invalid flags");
    if (ndim == 0) {
      r.expect_end();
      return V{};
    }
    if (ndim < 0 || ndim > static_cast<std::int32_t>(max_array_dimensions)) r.fail("invalid number of dimensions");
    if (static_cast<std::size_t>(ndim) != depth)
      throw conversion_error("cannot read an array of " + std::to_string(ndim) + " dimension" + (ndim == 1 ? "" : "s") +
                             " into " + std::string(codec<V>::name) + ", which has " + std::to_string(depth));
    if (const oid expected = builtin_array_element(t); expected != 0 && expected != element)
      r.fail("the element type does not match the array type");
    if (!leaf_codec::accepts(element)) {
      // Named types (pgpx/types/by_name.hpp) are described by name on both sides.
      std::string msg = "cannot read array elements of type " + describe_type_in_catalog(element) + " into " +
                        std::string(leaf_codec::name);
      if constexpr (!std::is_void_v<typename named_param<leaf>::type>)
        msg += named_type_note(named_type_id_of<typename named_param<leaf>::type>());
      throw conversion_error(std::move(msg));
    }
    dims_t dims;
    bool none = false;
    for (auto& d : dims) {
      d = r.read<std::int32_t>();
      (void)r.read<std::int32_t>();  // lower bound: not kept
      if (d < 0) r.fail("negative dimension");
      none = none || d == 0;
    }
    if (none) {
      // The server never sends this (it sends no dimensions instead); read it as empty
      // rather than build outer vectors of empty inner ones.
      r.expect_end();
      return V{};
    }
    // Every element takes at least its 4-byte length: more elements than that cannot fit.
    const std::uint64_t limit = r.remaining() / 4;
    std::uint64_t total = 1;
    for (const auto d : dims) {
      const auto size = static_cast<std::uint64_t>(d);  // > 0 here
      if (total > limit / size) r.fail("more elements than the value holds");
      total *= size;
    }
    V out;
    std::size_t index = 0;
    decode_level<0>(r, element, dims, out, index);
    r.expect_end();
    return out;
  }
};

}  // namespace detail

/// std::vector<T> <-> T[] (and nested vectors <-> multi-dimensional arrays); see the header
/// comment for the rules.
template <class T>
struct codec<std::vector<T>, std::enable_if_t<has_codec<T> && !std::is_same_v<T, std::byte>>> {
 private:
  using impl = detail::array_codec<std::vector<T>>;

 public:
  static constexpr std::string_view name =
      detail::static_concat<detail::literal_part<"std::vector<">, detail::codec_name_part<T>,
                            detail::literal_part<">">>::value;
  /// The built-in array OID for binary arrays; 0 (inferred by the server) for text literals.
  static constexpr oid param_oid = impl::binary_oid;
  static constexpr format param_format = impl::binary_oid != 0 ? format::binary : format::text;
  static constexpr bool borrows_result = borrows_result_v<typename impl::leaf>;

  /// True for built-in arrays of an element type T accepts, and for types created at run time.
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return impl::accepts(t); }
  /// Appends the binary array, or the text literal when param_format is text.
  static void encode(const std::vector<T>& v, std::string& out) {
    if constexpr (impl::binary_oid != 0) impl::encode_binary(v, out);
    else impl::text_literal(v, out);
  }
  /// Reads a binary array (array_send format).
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> std::vector<T> { return impl::decode(in, t); }
  /// Appends the text array literal.
  static void to_text(const std::vector<T>& v, std::string& out) { impl::text_literal(v, out); }
};

}  // namespace pgpx
