// tests/fuzz/fuzz_decoders.cpp: every decoder of pgpx/types fed untrusted server bytes.
//
// Input: byte 0 picks the decoder (index into `targets` below, modulo its size), byte 1
// picks the server type OID the decoder is told the value has (from that target's list:
// the types it accepts, plus ones it must reject), and the remaining bytes are the value.
// The seed corpus in corpus/decoders/ depends on these indexes: only append to `targets`.
//
// Properties checked:
//   * a decoder either returns or throws pgpx::conversion_error; nothing else escapes, and
//     (under ASan) nothing reads outside the input;
//   * a decoded value encodes and prints (to_text) without throwing;
//   * for binary codecs, decoding the encoding again (as the codec's parameter type) gives
//     the same value, except where the type read is part of the value (inet read from cidr).
// Define PGPX_FUZZ_TRACE to print what each input decodes to (for corpus maintenance).
#include <pgpx/types.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace fuzz {

enum class mood { sad, ok, happy };

struct pair_t {
  std::int32_t a;
  std::optional<std::string> b;
  auto operator==(const pair_t&) const -> bool = default;
};

struct outer_t {
  std::int64_t id;
  std::optional<pair_t> p;
  std::vector<std::string> tags;
  std::vector<std::optional<pair_t>> ps;
  mood m;
  pgpx::range<std::int32_t> r;
};

}  // namespace fuzz

template <>
inline constexpr bool pgpx::is_composite<fuzz::pair_t> = true;
template <>
inline constexpr bool pgpx::is_composite<fuzz::outer_t> = true;

namespace {

// Run-time OIDs as a fresh database would give them to a first enum, its array, a
// composite and its array.
constexpr pgpx::oid enum_oid = 16385;
constexpr pgpx::oid enum_array_oid = 16384;
constexpr pgpx::oid composite_oid = 16393;
constexpr pgpx::oid composite_array_oid = 16392;

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// Equality that holds for NaN (bit for bit) inside vectors and optionals too.
template <class T>
auto same(const T& a, const T& b) -> bool {
  if constexpr (std::is_floating_point_v<T>) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
  } else if constexpr (is_optional<T>::value) {
    return a.has_value() == b.has_value() && (!a || same(*a, *b));
  } else if constexpr (is_vector<T>::value && !std::is_same_v<T, std::vector<bool>>) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  } else {
    return a == b;
  }
}

template <class T>
void check(std::string_view in, pgpx::oid type, bool round_trip) {
  std::optional<T> v;
  try {
    v.emplace(pgpx::codec<T>::decode(in, type));
  } catch (const pgpx::conversion_error& e) {
#ifdef PGPX_FUZZ_TRACE
    std::fprintf(stderr, "%s: conversion_error: %s\n", std::string(pgpx::codec<T>::name).c_str(), e.what());
#else
    (void)e;
#endif
    return;
  }
  std::string encoded;
  pgpx::codec<T>::encode(*v, encoded);
  std::string text;
  pgpx::codec<T>::to_text(*v, text);
#ifdef PGPX_FUZZ_TRACE
  std::fprintf(stderr, "%s: %s\n", std::string(pgpx::codec<T>::name).c_str(), text.c_str());
#endif
  if constexpr (pgpx::codec<T>::param_format == pgpx::format::binary) {
    if (round_trip) {
      const T again = pgpx::codec<T>::decode(encoded, pgpx::codec<T>::param_oid);
      if (!same(again, *v)) __builtin_trap();
    }
  }
}

using target = void (*)(std::string_view, pgpx::oid);

struct entry {
  target run;
  std::array<pgpx::oid, 6> types;  // the first ones; the rest are 0

  [[nodiscard]] auto type(std::uint8_t pick) const -> pgpx::oid {
    std::size_t n = 0;
    while (n < types.size() && types[n] != 0) ++n;
    return types[pick % n];
  }
};

template <class T, bool RoundTrip = true>
void run(std::string_view in, pgpx::oid type) {
  check<T>(in, type, RoundTrip);
}

namespace o = pgpx::oids;

// Append only: the corpus files name these by index.
const entry targets[] = {
    /* 0 */ {run<bool>, {o::bool_, o::int4}},
    /* 1 */ {run<std::int16_t>, {o::int2, o::int4, o::int8, o::oid_, o::text}},
    /* 2 */ {run<std::int32_t>, {o::int2, o::int4, o::int8, o::oid_, o::text}},
    /* 3 */ {run<std::int64_t>, {o::int2, o::int4, o::int8, o::oid_, o::text}},
    /* 4 */ {run<std::uint32_t>, {o::int2, o::int4, o::int8, o::oid_}},
    /* 5 */ {run<float>, {o::float4, o::float8, o::int4}},
    /* 6 */ {run<double>, {o::float4, o::float8, o::int4}},
    /* 7 */ {run<std::string>, {o::text, o::varchar, o::jsonb, o::json, enum_oid, o::int4}},
    /* 8 */ {run<std::string_view>, {o::jsonb, o::text}},
    /* 9 */ {run<pgpx::bytea>, {o::bytea}},
    /* 10 */
    {run<std::vector<std::int32_t>>, {o::int4_array, o::int2_array, o::int8_array, enum_array_oid, o::text_array}},
    /* 11 */ {run<std::vector<std::optional<std::int32_t>>>, {o::int4_array, o::int8_array, o::int2_array}},
    /* 12 */ {run<std::vector<std::string>>, {o::text_array, o::jsonb_array, o::varchar_array, enum_array_oid}},
    /* 13 */ {run<std::vector<std::optional<std::string_view>>>, {o::text_array, o::jsonb_array}},
    /* 14 */ {run<std::vector<std::vector<std::int64_t>>>, {o::int8_array, o::int4_array}},
    /* 15 */ {run<std::vector<std::vector<std::vector<std::optional<std::int16_t>>>>>, {o::int2_array, o::int4_array}},
    /* 16 */ {run<std::vector<bool>>, {o::bool_array}},
    /* 17 */ {run<std::vector<std::optional<bool>>>, {o::bool_array}},
    /* 18 */ {run<std::vector<std::optional<double>>>, {o::float8_array, o::float4_array}},
    /* 19 */ {run<std::vector<pgpx::bytea>>, {o::bytea_array}},
    /* 20 */ {run<pgpx::range<std::int32_t>>, {o::int4range, o::int8range}},
    /* 21 */ {run<pgpx::range<std::int64_t>>, {o::int8range, o::int4range}},
    /* 22 */ {run<std::vector<pgpx::range<std::int32_t>>>, {o::int4range_array, o::int8range_array}},
    /* 23 */ {run<fuzz::mood>, {enum_oid, o::text}},
    /* 24 */ {run<std::vector<std::optional<fuzz::mood>>>, {enum_array_oid, o::text_array}},
    /* 25 */ {run<fuzz::pair_t>, {composite_oid, o::record}},
    /* 26 */ {run<fuzz::outer_t>, {composite_oid, o::record}},
    /* 27 */ {run<std::vector<std::optional<fuzz::pair_t>>>, {composite_array_oid, o::record_array}},
    /* 28 */ {run<std::vector<std::vector<fuzz::pair_t>>>, {composite_array_oid, o::record_array}},
    /* 29 */ {run<pgpx::numeric>, {o::numeric}},
    /* 30 */ {run<pgpx::uuid>, {o::uuid}},
    /* 31 */ {run<pgpx::date>, {o::date}},
    /* 32 */ {run<pgpx::timestamp>, {o::timestamp}},
    /* 33 */ {run<pgpx::timestamptz>, {o::timestamptz}},
    /* 34 */ {run<pgpx::time_of_day>, {o::time}},
    /* 35 */ {run<pgpx::interval>, {o::interval}},
    /* 36 */ {run<std::chrono::seconds>, {o::interval}},
    /* 37 */ {run<pgpx::inet, false>, {o::inet, o::cidr}},  // is_cidr follows the type read
    /* 38 */ {run<nlohmann::json>, {o::jsonb, o::json}},
    /* 39 */ {run<pgpx::range<pgpx::numeric>>, {o::numrange}},
    /* 40 */ {run<pgpx::range<pgpx::date>>, {o::daterange}},
    /* 41 */ {run<pgpx::range<pgpx::timestamp>>, {o::tsrange}},
    /* 42 */ {run<pgpx::range<pgpx::timestamptz>>, {o::tstzrange}},
    /* 43 */ {run<std::vector<std::optional<pgpx::numeric>>>, {o::numeric_array}},
    /* 44 */ {run<std::vector<pgpx::uuid>>, {o::uuid_array}},
    /* 45 */ {run<std::vector<std::vector<pgpx::timestamptz>>>, {o::timestamptz_array}},
    /* 46 */ {run<std::vector<nlohmann::json>>, {o::jsonb_array, o::json_array}},
    /* 47 */ {run<std::vector<std::optional<pgpx::inet>>, false>, {o::inet_array, o::cidr_array}},
    /* 48 */ {run<std::vector<pgpx::interval>>, {o::interval_array}},
    /* 49 */ {run<pgpx::inet>, {o::inet}},
    /* 50 */ {run<std::vector<std::optional<pgpx::inet>>>, {o::inet_array}},
    /* 51 */ {run<pgpx::multirange<std::int32_t>>, {o::int4multirange, o::int8multirange, o::int4range}},
    /* 52 */ {run<pgpx::multirange<pgpx::timestamptz>>, {o::tstzmultirange}},
};

constexpr std::size_t target_count = sizeof(targets) / sizeof(targets[0]);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const entry& e = targets[data[0] % target_count];
  const pgpx::oid type = e.type(data[1]);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as chars
  const std::string_view value(reinterpret_cast<const char*>(data) + 2, size - 2);
  e.run(value, type);
  return 0;
}
