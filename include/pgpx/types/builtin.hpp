// pgpx/types/builtin.hpp: codecs for bool, integers, floating point, strings and bytea.
//
// | C++                         | sent as            | decoded from                          |
// |-----------------------------|--------------------|---------------------------------------|
// | bool                        | bool               | bool                                  |
// | std::int16_t / int32 / int64| int2 / int4 / int8 | int2, int4, int8 (range-checked)      |
// | std::uint16_t / uint32      | int4 / int8        | int2, int4, int8, oid (range-checked) |
// | std::uint64_t               | int8 (range-checked: above 2^63-1 is a conversion_error) | int2, int4, int8, oid
// (negative: conversion_error) | | float, double               | float4 / float8    | float4, float8 | | std::string,
// const char*    | text form, type inferred by the server | text, varchar, bpchar, name, "char", json, jsonb (without
// its version byte), xml, and types created at run time (enums, citext) | | std::string_view            | as
// std::string     | as std::string, pointing into the result (borrows_result) | | pgpx::bytea (vector<std::byte>) |
// bytea          | bytea                                 |
//
// Strings travel in text format with an unspecified type, so one std::string parameter
// works for text, varchar, enums, jsonb or numeric columns alike: the server parses it.
#pragma once

#include <pgpx/detail/endian.hpp>
#include <pgpx/types/codec.hpp>
#include <pgpx/types/convert.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/// The C++ type of bytea values.
using bytea = std::vector<std::byte>;

namespace detail {

[[noreturn]] inline void out_of_range(std::string_view cpp, std::string_view value) {
  throw conversion_error("value " + std::string(value) + " is out of range for " + std::string(cpp));
}

/// Reads any integer type as int64 from its binary form.
[[nodiscard]] inline auto read_integer(std::string_view in, oid type) -> std::int64_t {
  switch (type) {
    case oids::int2:
      if (in.size() != 2) break;
      return load_be<std::int16_t>(in.data());
    case oids::int4:
      if (in.size() != 4) break;
      return load_be<std::int32_t>(in.data());
    case oids::oid_:
      if (in.size() != 4) break;
      return load_be<std::uint32_t>(in.data());
    case oids::int8:
      if (in.size() != 8) break;
      return load_be<std::int64_t>(in.data());
    default: throw conversion_error("cannot read an integer from a value of type " + describe_type(type));
  }
  throw conversion_error("malformed binary " + describe_type(type) + " value: wrong length " +
                         std::to_string(in.size()));
}

template <class T>
constexpr auto integer_name() -> std::string_view {
  if constexpr (std::is_same_v<T, std::int16_t>) return "std::int16_t";
  else if constexpr (std::is_same_v<T, std::int32_t>) return "std::int32_t";
  else if constexpr (std::is_same_v<T, std::int64_t>) return "std::int64_t";
  else if constexpr (std::is_same_v<T, std::uint16_t>) return "std::uint16_t";
  else if constexpr (std::is_same_v<T, std::uint32_t>) return "std::uint32_t";
  else if constexpr (std::is_same_v<T, std::uint64_t>) return "std::uint64_t";
  else if constexpr (std::is_same_v<T, unsigned long long>) return "unsigned long long";
  else if constexpr (std::is_same_v<T, unsigned long>) return "unsigned long";
  else if constexpr (std::is_same_v<T, long long>) return "long long";
  else if constexpr (std::is_same_v<T, long>) return "long";
  else return "integer";
}

template <class T>
inline constexpr bool is_supported_integer =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> && !std::is_same_v<T, signed char> &&
    !std::is_same_v<T, unsigned char> && !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> &&
    !std::is_same_v<T, char32_t> && !std::is_same_v<T, wchar_t> && sizeof(T) <= 8;

}  // namespace detail

/// bool <-> bool.
template <>
struct codec<bool> {
  static constexpr std::string_view name = "bool";
  static constexpr oid param_oid = oids::bool_;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::bool_; }
  static void encode(bool v, std::string& out) { out.push_back(v ? '\1' : '\0'); }
  [[nodiscard]] static auto decode(std::string_view in, oid) -> bool {
    if (in.size() != 1) throw conversion_error("malformed binary bool value");
    return in[0] != 0;
  }
  static void to_text(bool v, std::string& out) { out += v ? "true" : "false"; }
};

/// Signed and unsigned integers <-> int2/int4/int8. Unsigned 64-bit values travel as int8
/// and are range-checked (detail::checked_integer): one above 2^63-1 is a conversion_error,
/// never a negative number.
template <class T>
struct codec<T, std::enable_if_t<detail::is_supported_integer<T>>> {
  // The wire type: the smallest PostgreSQL integer that holds every value of T.
  using wire = std::conditional_t<
      (std::is_signed_v<T> && sizeof(T) <= 2), std::int16_t,
      std::conditional_t<(std::is_signed_v<T> ? sizeof(T) <= 4 : sizeof(T) <= 2), std::int32_t, std::int64_t>>;
  static constexpr std::string_view name = detail::integer_name<T>();
  static constexpr oid param_oid = sizeof(wire) == 2 ? oids::int2 : (sizeof(wire) == 4 ? oids::int4 : oids::int8);
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool {
    return t == oids::int2 || t == oids::int4 || t == oids::int8 || t == oids::oid_;
  }
  static void encode(T v, std::string& out) { detail::store_be<wire>(out, detail::checked_integer<wire>(v)); }
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> T {
    const std::int64_t v = detail::read_integer(in, t);
    if constexpr (sizeof(T) < 8 || std::is_unsigned_v<T>) {
      if (!std::in_range<T>(v)) detail::out_of_range(name, std::to_string(v));
    }
    return static_cast<T>(v);
  }
  static void to_text(T v, std::string& out) { out += std::to_string(detail::checked_integer<wire>(v)); }
};

namespace detail {
template <class F>
inline void float_to_text(F v, std::string& out) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back exactly
    out.append(buf, r.ptr);
  }
}
}  // namespace detail

/// float and double <-> float4/float8.
template <class F>
struct codec<F, std::enable_if_t<std::is_same_v<F, float> || std::is_same_v<F, double>>> {
  static constexpr std::string_view name = std::is_same_v<F, float> ? "float" : "double";
  static constexpr oid param_oid = std::is_same_v<F, float> ? oids::float4 : oids::float8;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::float4 || t == oids::float8; }
  static void encode(F v, std::string& out) {
    if constexpr (std::is_same_v<F, float>) detail::store_be(out, std::bit_cast<std::uint32_t>(v));
    else detail::store_be(out, std::bit_cast<std::uint64_t>(v));
  }
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> F {
    if (t == oids::float4 && in.size() == 4)
      return static_cast<F>(std::bit_cast<float>(detail::load_be<std::uint32_t>(in.data())));
    if (t == oids::float8 && in.size() == 8)
      return static_cast<F>(std::bit_cast<double>(detail::load_be<std::uint64_t>(in.data())));
    throw conversion_error("malformed binary " + describe_type(t) + " value");
  }
  static void to_text(F v, std::string& out) { detail::float_to_text(v, out); }
};

namespace detail {
[[nodiscard]] constexpr auto string_accepts(oid t) noexcept -> bool {
  return is_text_type(t) || t == oids::char_ || t == oids::json || t == oids::jsonb || t == oids::xml ||
         !is_builtin_type(t);
}
[[nodiscard]] inline auto string_payload(std::string_view in, oid t) -> std::string_view {
  // The common case first: the text types' binary form is the text itself.
  if (t == oids::text || t == oids::varchar || t == oids::bpchar || t == oids::name) return in;
  if (t == oids::jsonb) {
    if (in.empty() || in[0] != 1) throw conversion_error("malformed binary jsonb value: unknown version");
    in.remove_prefix(1);
  } else if (t == oids::char_) {
    if (in.size() == 1 && in[0] == '\0') return {};  // the empty "char"
  } else if (!is_builtin_type(t) && std::memchr(in.data(), 0, in.size()) != nullptr) {
    // Types created at run time are read as text when their binary form is text (enums,
    // citext). Text never contains NUL; a record, an array or an extension's binary form
    // (with its length and count fields) does: refuse it rather than return raw bytes.
    throw conversion_error("values of type " + describe_type(t) +
                           " are binary, not text: a string reads text types, enums and citext");
  }
  return in;
}
}  // namespace detail

/// std::string <-> the character types (text format, type inferred by the server).
template <>
struct codec<std::string> {
  static constexpr std::string_view name = "std::string";
  static constexpr oid param_oid = oids::unspecified;
  static constexpr format param_format = format::text;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return detail::string_accepts(t); }
  static void encode(const std::string& v, std::string& out) { out += v; }
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> std::string {
    return std::string(detail::string_payload(in, t));
  }
  static void decode_into(std::string& out, std::string_view in, oid t) { out.assign(detail::string_payload(in, t)); }
  static void to_text(const std::string& v, std::string& out) { out += v; }
};

/// std::string_view: sent like std::string; decoded values point into the result.
template <>
struct codec<std::string_view> {
  static constexpr std::string_view name = "std::string_view";
  static constexpr oid param_oid = oids::unspecified;
  static constexpr format param_format = format::text;
  static constexpr bool borrows_result = true;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return detail::string_accepts(t); }
  static void encode(std::string_view v, std::string& out) { out += v; }
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> std::string_view {
    return detail::string_payload(in, t);
  }
  static void to_text(std::string_view v, std::string& out) { out += v; }
};

/// pgpx::bytea (std::vector<std::byte>) <-> bytea.
template <>
struct codec<bytea> {
  static constexpr std::string_view name = "pgpx::bytea";
  static constexpr oid param_oid = oids::bytea;
  static constexpr format param_format = format::binary;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::bytea; }
  static void encode(const bytea& v, std::string& out) {
    out.append(reinterpret_cast<const char*>(v.data()), v.size());
  }
  [[nodiscard]] static auto decode(std::string_view in, oid) -> bytea {
    bytea v(in.size());
    if (!in.empty()) std::memcpy(v.data(), in.data(), in.size());
    return v;
  }
  static void decode_into(bytea& out, std::string_view in, oid) {
    const auto* p = reinterpret_cast<const std::byte*>(in.data());
    out.assign(p, p + in.size());
  }
  static void to_text(const bytea& v, std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    out += "\\x";
    for (auto b : v) {
      out.push_back(hex[static_cast<unsigned>(b) >> 4]);
      out.push_back(hex[static_cast<unsigned>(b) & 0xF]);
    }
  }
};

}  // namespace pgpx
