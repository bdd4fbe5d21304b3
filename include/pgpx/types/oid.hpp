// pgpx/types/oid.hpp: type OIDs of PostgreSQL's built-in types.
//
// The values are fixed by PostgreSQL's catalog (pg_type.dat) and never change between
// server versions. Types created at run time (enums, composites, extension types) have
// OIDs that differ per database and are looked up by name instead.
#pragma once

#include <pgpx/export.hpp>

#include <cstdint>
#include <string_view>

namespace pgpx {

/// A PostgreSQL object identifier, as used for type OIDs.
using oid = std::uint32_t;

/// OIDs of built-in types. Array types carry the suffix `_array`.
namespace oids {
inline constexpr oid unspecified = 0;  ///< let the server infer the parameter type
inline constexpr oid bool_ = 16;
inline constexpr oid bytea = 17;
inline constexpr oid char_ = 18;  ///< the one-byte internal "char" type
inline constexpr oid name = 19;
inline constexpr oid int8 = 20;
inline constexpr oid int2 = 21;
inline constexpr oid int4 = 23;
inline constexpr oid regproc = 24;
inline constexpr oid text = 25;
inline constexpr oid oid_ = 26;
inline constexpr oid json = 114;
inline constexpr oid xml = 142;
inline constexpr oid point = 600;
inline constexpr oid cidr = 650;
inline constexpr oid float4 = 700;
inline constexpr oid float8 = 701;
inline constexpr oid unknown = 705;
inline constexpr oid money = 790;
inline constexpr oid macaddr = 829;
inline constexpr oid inet = 869;
inline constexpr oid bpchar = 1042;
inline constexpr oid varchar = 1043;
inline constexpr oid date = 1082;
inline constexpr oid time = 1083;
inline constexpr oid timestamp = 1114;
inline constexpr oid timestamptz = 1184;
inline constexpr oid interval = 1186;
inline constexpr oid timetz = 1266;
inline constexpr oid bit = 1560;
inline constexpr oid varbit = 1562;
inline constexpr oid numeric = 1700;
inline constexpr oid regclass = 2205;
inline constexpr oid regtype = 2206;
inline constexpr oid record = 2249;
inline constexpr oid cstring = 2275;
inline constexpr oid void_ = 2278;
inline constexpr oid uuid = 2950;
inline constexpr oid jsonb = 3802;
inline constexpr oid jsonpath = 4072;
inline constexpr oid int4range = 3904;
inline constexpr oid numrange = 3906;
inline constexpr oid tsrange = 3908;
inline constexpr oid tstzrange = 3910;
inline constexpr oid daterange = 3912;
inline constexpr oid int8range = 3926;
inline constexpr oid int4multirange = 4451;  ///< PostgreSQL 14+
inline constexpr oid nummultirange = 4532;
inline constexpr oid tsmultirange = 4533;
inline constexpr oid tstzmultirange = 4534;
inline constexpr oid datemultirange = 4535;
inline constexpr oid int8multirange = 4536;

inline constexpr oid bool_array = 1000;
inline constexpr oid bytea_array = 1001;
inline constexpr oid char_array = 1002;
inline constexpr oid name_array = 1003;
inline constexpr oid int2_array = 1005;
inline constexpr oid int4_array = 1007;
inline constexpr oid text_array = 1009;
inline constexpr oid bpchar_array = 1014;
inline constexpr oid varchar_array = 1015;
inline constexpr oid int8_array = 1016;
inline constexpr oid float4_array = 1021;
inline constexpr oid float8_array = 1022;
inline constexpr oid oid_array = 1028;
inline constexpr oid inet_array = 1041;
inline constexpr oid cidr_array = 651;
inline constexpr oid json_array = 199;
inline constexpr oid xml_array = 143;
inline constexpr oid date_array = 1182;
inline constexpr oid time_array = 1183;
inline constexpr oid timestamp_array = 1115;
inline constexpr oid timestamptz_array = 1185;
inline constexpr oid interval_array = 1187;
inline constexpr oid numeric_array = 1231;
inline constexpr oid timetz_array = 1270;
inline constexpr oid record_array = 2287;
inline constexpr oid uuid_array = 2951;
inline constexpr oid jsonb_array = 3807;
inline constexpr oid int4range_array = 3905;
inline constexpr oid numrange_array = 3907;
inline constexpr oid tsrange_array = 3909;
inline constexpr oid tstzrange_array = 3911;
inline constexpr oid daterange_array = 3913;
inline constexpr oid int8range_array = 3927;
}  // namespace oids

/// The SQL name of a built-in type ("int4", "text[]"...), or an empty view for other OIDs.
[[nodiscard]] PGPX_API auto builtin_type_name(oid type) noexcept -> std::string_view;

/// A printable name for any OID: the built-in name, or "oid <n>" for other types.
[[nodiscard]] PGPX_API auto describe_type(oid type) -> std::string;

/// The element type of a built-in array type, or 0 when `type` is not a built-in array.
[[nodiscard]] PGPX_API auto builtin_array_element(oid type) noexcept -> oid;

/// The array type of a built-in element type, or 0 when there is none.
[[nodiscard]] PGPX_API auto builtin_array_of(oid element) noexcept -> oid;

/// True when `type` is one of the OIDs listed in pgpx::oids (element or array).
[[nodiscard]] PGPX_API auto is_builtin_type(oid type) noexcept -> bool;

/// True for the character types whose binary form is their text: text, varchar, bpchar,
/// name, unknown (and "char" for one byte).
[[nodiscard]] constexpr auto is_text_type(oid type) noexcept -> bool {
  return type == oids::text || type == oids::varchar || type == oids::bpchar || type == oids::name ||
         type == oids::unknown;
}

}  // namespace pgpx
