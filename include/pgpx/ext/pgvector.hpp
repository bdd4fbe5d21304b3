// pgpx/ext/pgvector.hpp: pgvector's types, distances, indexes and search settings.
//
//   struct item { pgpx::identity<std::int64_t> id; std::string body; pgpx::pgvector::vector embedding; };
//   template <> struct pgpx::model<item> {
//     static auto indexes() { return std::tuple{pgpx::pgvector::hnsw(&item::embedding, pgpx::pgvector::cosine)}; } };
//
//   pgpx::insert(cx, item{.body = "a cat", .embedding = {{0.1f, 0.2f, 0.3f}}});
//   auto near = pgpx::select<item>()
//                   .order_by(pgpx::pgvector::cosine_distance(pgpx::col(&item::embedding), query_embedding))
//                   .limit(5).all(cx);                       // nearest neighbours, through the HNSW index
//   pgpx::transaction tx(cx);
//   pgpx::pgvector::set_ef_search(tx, 100);                  // hnsw.ef_search for this transaction
//
// Types (each a codec by name, pgpx/types/by_name.hpp: the OIDs are the database's own):
//   vector     float4 per dimension (1..16000), in pgvector's binary form;
//   halfvec    float in C++, IEEE half precision on the wire (values must fit: |x| <= 65504);
//   sparsevec  dimensions plus sorted 0-based indices and their non-zero values;
//   vector_view  a vector column read without copying: indexing converts from network byte
//              order on the fly (a std::span<const float> cannot point at big-endian bytes on
//              a little-endian machine). Read it from a result you keep (`cx.run(...)`).
// Values are checked before they are sent (dimensions, NaN, infinity, index order), each
// failure a conversion_error that names pgvector, the parameter and the cause; nothing is
// sent. A dimension count the column does not take is the server's error (22000).
//
// The distance operators are builder expressions of type double: l2_distance `<->`,
// max_inner_product `<#>` (the negative inner product, for ordering), cosine_distance
// `<=>`, l1_distance `<+>`.
//
// Thread safety: values are plain data; the functions are reentrant.
#pragma once

#include <pgpx/core/transaction.hpp>
#include <pgpx/detail/endian.hpp>
#include <pgpx/error.hpp>
#include <pgpx/ext/builder_ops.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/query/expr.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/codec.hpp>

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx::pgvector {

/// The most dimensions a vector or halfvec has (pgvector's VECTOR_MAX_DIM).
inline constexpr int max_dimensions = 16000;
/// The most dimensions of a sparsevec, and its most non-zero elements.
inline constexpr std::int32_t max_sparse_dimensions = 1000000000;
inline constexpr std::int32_t max_sparse_nonzero = 16000;

/// pgvector's `vector`: single-precision floats. `Dimensions` > 0 fixes the count: the
/// column is `vector(Dimensions)` in DDL (HNSW and IVFFlat indexes need it) and a value of
/// another length is refused when sent or read. pgpx::pgvector::vector is vector_of<0>.
template <int Dimensions = 0>
struct vector_of {
  static_assert(Dimensions >= 0 && Dimensions <= max_dimensions, "pgpx::pgvector: 0..16000 dimensions");
  static constexpr int dimensions = Dimensions;  ///< 0: any
  std::vector<float> values;                     ///< one per dimension
  vector_of() = default;
  /// From the values.
  vector_of(std::vector<float> v) : values(std::move(v)) {}  // NOLINT(google-explicit-constructor): a value
  /// From a vector of another (or no) fixed size.
  template <int M>
  explicit vector_of(const vector_of<M>& other) : values(other.values) {}
  friend auto operator==(const vector_of&, const vector_of&) -> bool = default;
};
/// A vector of any length.
using vector = vector_of<0>;

/// pgvector's `halfvec`: half precision on the server, float here (`Dimensions` as vector_of).
template <int Dimensions = 0>
struct halfvec_of {
  static_assert(Dimensions >= 0 && Dimensions <= max_dimensions, "pgpx::pgvector: 0..16000 dimensions");
  static constexpr int dimensions = Dimensions;  ///< 0: any
  std::vector<float> values;  ///< one per dimension; each must fit a half (|x| <= 65504)
  halfvec_of() = default;
  /// From the values.
  halfvec_of(std::vector<float> v) : values(std::move(v)) {}  // NOLINT(google-explicit-constructor): a value
  friend auto operator==(const halfvec_of&, const halfvec_of&) -> bool = default;
};
/// A halfvec of any length.
using halfvec = halfvec_of<0>;

/// pgvector's `sparsevec`: the non-zero elements of a vector of `dimensions` floats.
struct sparsevec {
  std::int32_t dimensions = 0;       ///< the vector's length
  std::vector<std::int32_t> indices;  ///< 0-based, strictly ascending
  std::vector<float> values;          ///< the value at each index (non-zero)
  friend auto operator==(const sparsevec&, const sparsevec&) -> bool = default;

  /// The non-zero elements of a dense vector.
  [[nodiscard]] static auto from_dense(const std::vector<float>& dense) -> sparsevec {
    sparsevec s;
    s.dimensions = static_cast<std::int32_t>(dense.size());
    for (std::size_t i = 0; i < dense.size(); ++i)
      if (dense[i] != 0.0F) {
        s.indices.push_back(static_cast<std::int32_t>(i));
        s.values.push_back(dense[i]);
      }
    return s;
  }
  /// The dense vector (zeros where no element is stored).
  [[nodiscard]] auto to_dense() const -> std::vector<float> {
    std::vector<float> out(static_cast<std::size_t>(dimensions < 0 ? 0 : dimensions), 0.0F);
    for (std::size_t i = 0; i < indices.size() && i < values.size(); ++i)
      if (indices[i] >= 0 && indices[i] < dimensions) out[static_cast<std::size_t>(indices[i])] = values[i];
    return out;
  }
};

/// A sparsevec column of `Dimensions` in DDL (`sparsevec(30000)`, needed by indexes); values
/// of another dimension count are refused.
template <std::int32_t Dimensions>
struct sparsevec_of : sparsevec {
  static_assert(Dimensions > 0 && Dimensions <= max_sparse_dimensions, "pgpx::pgvector: 1..10^9 dimensions");
};

/**
 * A `vector` value inside a result, not copied: size() and operator[] read the big-endian
 * floats in place. Valid while the result lives (a codec that borrows: read it from a kept
 * result, `auto r = cx.run(...); r[0].get<vector_view>(0)`).
 */
class vector_view {
 public:
  vector_view() = default;
  /// The view of pgvector's binary form (after its 4-byte header).
  explicit vector_view(std::string_view floats) noexcept : bytes_(floats) {}
  /// The number of dimensions.
  [[nodiscard]] auto size() const noexcept -> std::size_t { return bytes_.size() / 4; }
  /// Element i (unchecked).
  [[nodiscard]] auto operator[](std::size_t i) const noexcept -> float {
    return std::bit_cast<float>(pgpx::detail::load_be<std::uint32_t>(bytes_.data() + (4 * i)));
  }
  /// A copy as an owning vector.
  [[nodiscard]] auto to_vector() const -> vector {
    vector v;
    v.values.resize(size());
    for (std::size_t i = 0; i < v.values.size(); ++i) v.values[i] = (*this)[i];
    return v;
  }

 private:
  std::string_view bytes_;
};

namespace detail {

/// Throws the conversion_error of a bad pgvector value: "pgvector: <what>".
[[noreturn]] inline void fail(const std::string& what) { throw conversion_error("pgvector: " + what); }

inline void check_dimensions(std::size_t n, std::string_view type) {
  if (n == 0) fail(std::string(type) + " must have at least 1 dimension");
  if (n > static_cast<std::size_t>(max_dimensions))
    fail(std::string(type) + " cannot have more than " + std::to_string(max_dimensions) + " dimensions (" +
         std::to_string(n) + " given)");
}

inline void check_finite(float x, std::size_t i, std::string_view type) {
  if (std::isnan(x)) fail("NaN is not allowed in " + std::string(type) + " (element " + std::to_string(i) + ")");
  if (std::isinf(x))
    fail("infinite value is not allowed in " + std::string(type) + " (element " + std::to_string(i) + ")");
}

/// IEEE binary16 from float, rounding to nearest even (the value must fit).
[[nodiscard]] inline auto float_to_half(float f) noexcept -> std::uint16_t {
  const auto x = std::bit_cast<std::uint32_t>(f);
  const auto sign = static_cast<std::uint32_t>((x >> 16) & 0x8000U);
  const std::uint32_t exp = (x >> 23) & 0xffU;
  std::uint32_t mant = x & 0x7fffffU;
  const int e = static_cast<int>(exp) - 127 + 15;
  if (exp == 0xffU || e >= 31) return static_cast<std::uint16_t>(sign | 0x7c00U);
  if (e <= 0) {  // a subnormal half, or zero
    if (e < -10) return static_cast<std::uint16_t>(sign);
    mant |= 0x800000U;
    const auto shift = static_cast<std::uint32_t>(14 - e);
    std::uint32_t h = mant >> shift;
    const std::uint32_t rem = mant & ((1U << shift) - 1U);
    const std::uint32_t half = 1U << (shift - 1U);
    if (rem > half || (rem == half && (h & 1U) != 0)) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }
  std::uint32_t h = sign | (static_cast<std::uint32_t>(e) << 10) | (mant >> 13);
  const std::uint32_t rem = mant & 0x1fffU;
  if (rem > 0x1000U || (rem == 0x1000U && (h & 1U) != 0)) ++h;  // a carry rounds into the exponent
  return static_cast<std::uint16_t>(h);
}

/// float from IEEE binary16.
[[nodiscard]] inline auto half_to_float(std::uint16_t h) noexcept -> float {
  const std::uint32_t sign = (static_cast<std::uint32_t>(h) & 0x8000U) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fU;
  const std::uint32_t mant = h & 0x3ffU;
  if (exp == 0) {
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign != 0 ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000U | (mant << 13));
  return std::bit_cast<float>(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

/// The largest finite half.
inline constexpr float max_half = 65504.0F;

inline void append_float(std::string& out, float x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

/// Reads the (dimensions, unused) header of vector and halfvec; returns the dimensions.
inline auto read_header(std::string_view in, std::size_t element, std::string_view type) -> std::size_t {
  if (in.size() < 4) fail(std::string(type) + " value is truncated");
  const auto dim = static_cast<std::int16_t>(pgpx::detail::load_be<std::uint16_t>(in.data()));
  const auto unused = pgpx::detail::load_be<std::uint16_t>(in.data() + 2);
  if (dim < 1 || dim > max_dimensions || unused != 0) fail(std::string(type) + " value has a bad header");
  if (in.size() != 4 + (static_cast<std::size_t>(dim) * element))
    fail(std::string(type) + " value has " + std::to_string(in.size() - 4) + " bytes for " + std::to_string(dim) +
         " dimensions");
  return static_cast<std::size_t>(dim);
}

/// Which pgvector type V is: 1 vector, 2 halfvec, 3 sparsevec, 0 none (whatever its fixed
/// dimensions: a vector_of<16> column is compared with a vector).
template <class V>
inline constexpr int kind_of = std::is_base_of_v<sparsevec, V> ? 3 : 0;
template <int N>
inline constexpr int kind_of<vector_of<N>> = 1;
template <int N>
inline constexpr int kind_of<halfvec_of<N>> = 2;

template <class A, class B>
auto distance_op(const char* op, const A& a, const B& b) {
  using VA = pgpx::query::detail::operand_t<A>;
  using VB = pgpx::query::detail::operand_t<B>;
  static_assert(kind_of<VA> != 0 && kind_of<VA> == kind_of<VB>,
                "pgpx::pgvector: a distance is between two values of one pgvector type (vector, halfvec or "
                "sparsevec)");
  return ext::binary<double>(op, a, b);
}

}  // namespace detail

/// `a <-> b`: Euclidean (L2) distance.
template <class A, class B>
[[nodiscard]] auto l2_distance(const A& a, const B& b) {
  return detail::distance_op(" <-> ", a, b);
}
/// `a <#> b`: the negative inner product (smallest first = largest inner product first).
template <class A, class B>
[[nodiscard]] auto max_inner_product(const A& a, const B& b) {
  return detail::distance_op(" <#> ", a, b);
}
/// `a <=> b`: cosine distance (1 - cosine similarity).
template <class A, class B>
[[nodiscard]] auto cosine_distance(const A& a, const B& b) {
  return detail::distance_op(" <=> ", a, b);
}
/// `a <+> b`: taxicab (L1) distance.
template <class A, class B>
[[nodiscard]] auto l1_distance(const A& a, const B& b) {
  return detail::distance_op(" <+> ", a, b);
}

// ---- indexes ------------------------------------------------------------------------------

/// The distance an index serves (its operator class).
enum class distance { l2, inner_product, cosine, l1 };
inline constexpr distance l2 = distance::l2;                         ///< vector_l2_ops...
inline constexpr distance inner_product = distance::inner_product;   ///< vector_ip_ops...
inline constexpr distance cosine = distance::cosine;                 ///< vector_cosine_ops...
inline constexpr distance l1 = distance::l1;                         ///< vector_l1_ops... (HNSW only)

/// pgvector's index methods.
inline constexpr index_method hnsw_method{"hnsw"};
inline constexpr index_method ivfflat_method{"ivfflat"};

/// HNSW build options (pgvector's defaults when 0).
struct hnsw_options {
  int m = 0;                ///< connections per layer (default 16)
  int ef_construction = 0;  ///< candidate list size while building (default 64)
};
/// IVFFlat build options.
struct ivfflat_options {
  int lists = 100;  ///< inverted lists (rows / 1000 is pgvector's advice up to 1M rows)
};

namespace detail {
/// The operator class of an index on a member of type V for distance d ("vector_cosine_ops").
template <class V>
auto opclass(distance d) -> std::string {
  using U = typename pgpx::detail::column_value<V>::type;
  static_assert(kind_of<U> != 0, "pgpx::pgvector: indexes are on vector_of, halfvec_of or sparsevec_of members");
  std::string out = kind_of<U> == 2 ? "halfvec" : kind_of<U> == 3 ? "sparsevec" : "vector";
  switch (d) {
    case distance::l2: return out + "_l2_ops";
    case distance::inner_product: return out + "_ip_ops";
    case distance::cosine: return out + "_cosine_ops";
    case distance::l1: return out + "_l1_ops";
  }
  return out + "_l2_ops";
}
}  // namespace detail

/// An HNSW index on a vector member for distance `d` (model<T>::indexes()).
template <class C, class M>
[[nodiscard]] auto hnsw(M C::*member, distance d, hnsw_options o = {}) -> index_decl {
  auto ix = pgpx::index(member).using_(hnsw_method).opclass(detail::opclass<M>(d));
  if (o.m > 0) ix.with("m", o.m);
  if (o.ef_construction > 0) ix.with("ef_construction", o.ef_construction);
  return ix;
}
/// An IVFFlat index on a vector member for distance `d` (l1 is not supported by IVFFlat).
template <class C, class M>
[[nodiscard]] auto ivfflat(M C::*member, distance d, ivfflat_options o = {}) -> index_decl {
  if (d == distance::l1) throw usage_error("pgpx::pgvector: IVFFlat has no L1 operator class; use hnsw");
  return pgpx::index(member).using_(ivfflat_method).opclass(detail::opclass<M>(d)).with("lists", o.lists);
}

// ---- search settings -------------------------------------------------------------------

/// `hnsw.ef_search` for the rest of transaction `tx` (a bound `set_config`, local to it):
/// the candidate list of an HNSW search (default 40; more is slower and finds more).
template <class Tx>
void set_ef_search(Tx& tx, int value) {
  if (value < 1 || value > 1000) throw usage_error("pgpx::pgvector: hnsw.ef_search must be in 1..1000");
  ext::set_local(tx, "hnsw.ef_search", std::to_string(value));
}
/// `ivfflat.probes` for the rest of transaction `tx`: the lists an IVFFlat search visits
/// (default 1).
template <class Tx>
void set_probes(Tx& tx, int value) {
  if (value < 1 || value > 32768) throw usage_error("pgpx::pgvector: ivfflat.probes must be in 1..32768");
  ext::set_local(tx, "ivfflat.probes", std::to_string(value));
}

}  // namespace pgpx::pgvector

// ---- codecs ---------------------------------------------------------------------------------

namespace pgpx::pgvector::detail {

/// `prefix(N)` ("vector(1536)") as a constexpr string_view: the DDL type of a fixed-size column.
template <int Kind, int N>
struct typmod_name {
  static constexpr auto text = [] {
    const std::string_view prefix = Kind == 1 ? "vector" : Kind == 2 ? "halfvec" : "sparsevec";
    std::array<char, 32> out{};  // the rest stays NUL: the length is where the text stops
    std::size_t n = 0;
    for (const char c : prefix) out[n++] = c;
    out[n++] = '(';
    const std::size_t first_digit = n;
    for (int v = N; v > 0; v /= 10) out[n++] = static_cast<char>('0' + (v % 10));
    for (std::size_t i = first_digit, j = n - 1; i < j; ++i, --j) std::swap(out[i], out[j]);
    out[n] = ')';
    return out;
  }();
  static constexpr std::string_view value{text.data()};
};

/// Refuses a value whose length is not the fixed one (Fixed = 0: any).
inline void check_fixed(std::size_t n, int fixed, std::string_view type) {
  if (fixed != 0 && n != static_cast<std::size_t>(fixed))
    fail(std::string(type) + "(" + std::to_string(fixed) + ") needs " + std::to_string(fixed) + " dimensions, not " +
         std::to_string(n));
}

template <class V>
void vector_to_text(const V& values, std::string& out) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out += ',';
    append_float(out, values[i]);
  }
  out += ']';
}

}  // namespace pgpx::pgvector::detail

/// The DDL types of fixed-size columns: vector(N), halfvec(N), sparsevec(N).
template <int N>
  requires(N > 0)
struct pgpx::sql_type<pgpx::pgvector::vector_of<N>> {
  static constexpr std::string_view name = pgpx::pgvector::detail::typmod_name<1, N>::value;
};
template <int N>
  requires(N > 0)
struct pgpx::sql_type<pgpx::pgvector::halfvec_of<N>> {
  static constexpr std::string_view name = pgpx::pgvector::detail::typmod_name<2, N>::value;
};
template <std::int32_t N>
struct pgpx::sql_type<pgpx::pgvector::sparsevec_of<N>> {
  static constexpr std::string_view name = pgpx::pgvector::detail::typmod_name<3, N>::value;
};

/// pgvector's vector_send/vector_recv: int16 dimensions, int16 zero, float4 per dimension.
template <int N>
struct pgpx::codec<pgpx::pgvector::vector_of<N>> : pgpx::codec_by_name<pgpx::pgvector::vector_of<N>> {
  using value_type = pgpx::pgvector::vector_of<N>;
  static constexpr std::string_view name = "pgpx::pgvector::vector";
  static constexpr std::string_view pg_type = "vector";
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const value_type& v, std::string& out) {
    pgpx::pgvector::detail::check_dimensions(v.values.size(), "vector");
    pgpx::pgvector::detail::check_fixed(v.values.size(), N, "vector");
    const std::size_t at = out.size();
    out.resize(at + 4 + (4 * v.values.size()));
    char* p = out.data() + at;
    const auto dim = static_cast<std::uint16_t>(v.values.size());
    p[0] = static_cast<char>(dim >> 8);
    p[1] = static_cast<char>(dim & 0xffU);
    p[2] = 0;
    p[3] = 0;
    p += 4;
    for (std::size_t i = 0; i < v.values.size(); ++i) {
      const float x = v.values[i];
      if (!std::isfinite(x)) {
        out.resize(at);
        pgpx::pgvector::detail::check_finite(x, i, "vector");
      }
      const std::uint32_t be = pgpx::detail::byteswap_if_little(std::bit_cast<std::uint32_t>(x));
      std::memcpy(p + (4 * i), &be, 4);
    }
  }
  static void decode_into(value_type& out, std::string_view in, pgpx::oid) {
    const std::size_t n = pgpx::pgvector::detail::read_header(in, 4, "vector");
    pgpx::pgvector::detail::check_fixed(n, N, "vector");
    out.values.resize(n);
    const char* p = in.data() + 4;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t be = 0;
      std::memcpy(&be, p + (4 * i), 4);
      out.values[i] = std::bit_cast<float>(pgpx::detail::byteswap_if_little(be));
    }
  }
  [[nodiscard]] static auto decode(std::string_view in, pgpx::oid t) -> value_type {
    value_type v;
    decode_into(v, in, t);
    return v;
  }
  static void to_text(const value_type& v, std::string& out) { pgpx::pgvector::detail::vector_to_text(v.values, out); }
};

/// A vector column read in place (see pgpx::pgvector::vector_view).
template <>
struct pgpx::codec<pgpx::pgvector::vector_view> : pgpx::codec_by_name<pgpx::pgvector::vector_view> {
  static constexpr std::string_view name = "pgpx::pgvector::vector_view";
  static constexpr std::string_view pg_type = "vector";
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static constexpr bool borrows_result = true;
  static void encode(const pgpx::pgvector::vector_view& v, std::string& out) {
    pgpx::codec<pgpx::pgvector::vector>::encode(v.to_vector(), out);
  }
  [[nodiscard]] static auto decode(std::string_view in, pgpx::oid) -> pgpx::pgvector::vector_view {
    (void)pgpx::pgvector::detail::read_header(in, 4, "vector");
    return pgpx::pgvector::vector_view(in.substr(4));
  }
  static void to_text(const pgpx::pgvector::vector_view& v, std::string& out) {
    pgpx::codec<pgpx::pgvector::vector>::to_text(v.to_vector(), out);
  }
};

/// pgvector's halfvec_send/halfvec_recv: int16 dimensions, int16 zero, a half per dimension.
template <int N>
struct pgpx::codec<pgpx::pgvector::halfvec_of<N>> : pgpx::codec_by_name<pgpx::pgvector::halfvec_of<N>> {
  using value_type = pgpx::pgvector::halfvec_of<N>;
  static constexpr std::string_view name = "pgpx::pgvector::halfvec";
  static constexpr std::string_view pg_type = "halfvec";
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const value_type& v, std::string& out) {
    pgpx::pgvector::detail::check_dimensions(v.values.size(), "halfvec");
    pgpx::pgvector::detail::check_fixed(v.values.size(), N, "halfvec");
    for (std::size_t i = 0; i < v.values.size(); ++i) {
      pgpx::pgvector::detail::check_finite(v.values[i], i, "halfvec");
      if (std::fabs(v.values[i]) > pgpx::pgvector::detail::max_half)
        pgpx::pgvector::detail::fail("value " + std::to_string(v.values[i]) + " is out of range for halfvec (element " +
                                     std::to_string(i) + ")");
    }
    pgpx::detail::store_be<std::uint16_t>(out, static_cast<std::uint16_t>(v.values.size()));
    pgpx::detail::store_be<std::uint16_t>(out, 0);
    for (const float x : v.values) pgpx::detail::store_be<std::uint16_t>(out, pgpx::pgvector::detail::float_to_half(x));
  }
  [[nodiscard]] static auto decode(std::string_view in, pgpx::oid) -> value_type {
    const std::size_t n = pgpx::pgvector::detail::read_header(in, 2, "halfvec");
    pgpx::pgvector::detail::check_fixed(n, N, "halfvec");
    value_type v;
    v.values.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      v.values[i] =
          pgpx::pgvector::detail::half_to_float(pgpx::detail::load_be<std::uint16_t>(in.data() + 4 + (2 * i)));
    return v;
  }
  static void to_text(const value_type& v, std::string& out) { pgpx::pgvector::detail::vector_to_text(v.values, out); }
};

namespace pgpx::pgvector::detail {
/// sparsevec_send/sparsevec_recv: int32 dimensions, int32 count, int32 zero, the 0-based
/// indices, then the float4 values. `fixed`: the column's dimensions, or 0.
struct sparse_codec {
  static void check(const sparsevec& v, std::int32_t fixed) {
    if (v.dimensions < 1 || v.dimensions > max_sparse_dimensions)
      fail("sparsevec must have 1.." + std::to_string(max_sparse_dimensions) + " dimensions (" +
           std::to_string(v.dimensions) + " given)");
    if (fixed != 0 && v.dimensions != fixed)
      fail("sparsevec(" + std::to_string(fixed) + ") needs " + std::to_string(fixed) + " dimensions, not " +
           std::to_string(v.dimensions));
    if (v.indices.size() != v.values.size())
      fail("sparsevec has " + std::to_string(v.indices.size()) + " indices but " + std::to_string(v.values.size()) +
           " values");
    if (v.indices.size() > static_cast<std::size_t>(max_sparse_nonzero))
      fail("sparsevec cannot have more than " + std::to_string(max_sparse_nonzero) + " non-zero elements");
    for (std::size_t i = 0; i < v.indices.size(); ++i) {
      if (v.indices[i] < 0 || v.indices[i] >= v.dimensions)
        fail("sparsevec index " + std::to_string(v.indices[i]) + " is outside 0.." + std::to_string(v.dimensions - 1));
      if (i != 0 && v.indices[i] <= v.indices[i - 1]) fail("sparsevec indices must be strictly ascending");
      check_finite(v.values[i], i, "sparsevec");
    }
  }
  static void encode(const sparsevec& v, std::string& out, std::int32_t fixed) {
    check(v, fixed);
    pgpx::detail::store_be<std::int32_t>(out, v.dimensions);
    pgpx::detail::store_be<std::int32_t>(out, static_cast<std::int32_t>(v.indices.size()));
    pgpx::detail::store_be<std::int32_t>(out, 0);
    for (const auto i : v.indices) pgpx::detail::store_be<std::int32_t>(out, i);
    for (const auto x : v.values) pgpx::detail::store_be<std::uint32_t>(out, std::bit_cast<std::uint32_t>(x));
  }
  static void decode(std::string_view in, sparsevec& v, std::int32_t fixed) {
    if (in.size() < 12) fail("sparsevec value is truncated");
    v.dimensions = static_cast<std::int32_t>(pgpx::detail::load_be<std::uint32_t>(in.data()));
    const auto nnz = static_cast<std::int32_t>(pgpx::detail::load_be<std::uint32_t>(in.data() + 4));
    if (nnz < 0 || nnz > max_sparse_nonzero || in.size() != 12 + (8 * static_cast<std::size_t>(nnz)))
      fail("sparsevec value has a bad length");
    if (fixed != 0 && v.dimensions != fixed)
      fail("sparsevec(" + std::to_string(fixed) + ") read a value of " + std::to_string(v.dimensions) + " dimensions");
    const auto n = static_cast<std::size_t>(nnz);
    v.indices.resize(n);
    v.values.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      v.indices[i] = static_cast<std::int32_t>(pgpx::detail::load_be<std::uint32_t>(in.data() + 12 + (4 * i)));
      v.values[i] = std::bit_cast<float>(pgpx::detail::load_be<std::uint32_t>(in.data() + 12 + (4 * n) + (4 * i)));
    }
  }
  static void to_text(const sparsevec& v, std::string& out) {
    out += '{';
    for (std::size_t i = 0; i < v.indices.size() && i < v.values.size(); ++i) {
      if (i != 0) out += ',';
      out += std::to_string(static_cast<std::int64_t>(v.indices[i]) + 1);  // the text form is 1-based
      out += ':';
      append_float(out, v.values[i]);
    }
    out += "}/" + std::to_string(v.dimensions);
  }
};
}  // namespace pgpx::pgvector::detail

/// pgvector's sparsevec (see detail::sparse_codec).
template <>
struct pgpx::codec<pgpx::pgvector::sparsevec> : pgpx::codec_by_name<pgpx::pgvector::sparsevec> {
  static constexpr std::string_view name = "pgpx::pgvector::sparsevec";
  static constexpr std::string_view pg_type = "sparsevec";
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const pgpx::pgvector::sparsevec& v, std::string& out) {
    pgpx::pgvector::detail::sparse_codec::encode(v, out, 0);
  }
  [[nodiscard]] static auto decode(std::string_view in, pgpx::oid) -> pgpx::pgvector::sparsevec {
    pgpx::pgvector::sparsevec v;
    pgpx::pgvector::detail::sparse_codec::decode(in, v, 0);
    return v;
  }
  static void to_text(const pgpx::pgvector::sparsevec& v, std::string& out) {
    pgpx::pgvector::detail::sparse_codec::to_text(v, out);
  }
};

/// A sparsevec column of fixed dimensions.
template <std::int32_t N>
struct pgpx::codec<pgpx::pgvector::sparsevec_of<N>> : pgpx::codec_by_name<pgpx::pgvector::sparsevec_of<N>> {
  using value_type = pgpx::pgvector::sparsevec_of<N>;
  static constexpr std::string_view name = "pgpx::pgvector::sparsevec_of";
  static constexpr std::string_view pg_type = "sparsevec";
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const value_type& v, std::string& out) { pgpx::pgvector::detail::sparse_codec::encode(v, out, N); }
  [[nodiscard]] static auto decode(std::string_view in, pgpx::oid) -> value_type {
    value_type v;
    pgpx::pgvector::detail::sparse_codec::decode(in, v, N);
    return v;
  }
  static void to_text(const value_type& v, std::string& out) { pgpx::pgvector::detail::sparse_codec::to_text(v, out); }
};
