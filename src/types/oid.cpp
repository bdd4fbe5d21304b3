#include <pgpx/types/oid.hpp>

#include <string>

namespace pgpx {
namespace {

struct type_entry {
  oid type;
  std::string_view name;
  oid element;  // for arrays, the element type; 0 otherwise
};

// Sorted by nothing in particular: the table is small and lookups are rare (messages,
// once-per-column checks), so a linear scan is simpler than a map.
constexpr type_entry types[] = {
    {oids::bool_, "bool", 0},
    {oids::bytea, "bytea", 0},
    {oids::char_, "\"char\"", 0},
    {oids::name, "name", 0},
    {oids::int8, "int8", 0},
    {oids::int2, "int2", 0},
    {oids::int4, "int4", 0},
    {oids::regproc, "regproc", 0},
    {oids::text, "text", 0},
    {oids::oid_, "oid", 0},
    {oids::json, "json", 0},
    {oids::xml, "xml", 0},
    {oids::point, "point", 0},
    {oids::cidr, "cidr", 0},
    {oids::float4, "float4", 0},
    {oids::float8, "float8", 0},
    {oids::unknown, "unknown", 0},
    {oids::money, "money", 0},
    {oids::macaddr, "macaddr", 0},
    {oids::inet, "inet", 0},
    {oids::bpchar, "bpchar", 0},
    {oids::varchar, "varchar", 0},
    {oids::date, "date", 0},
    {oids::time, "time", 0},
    {oids::timestamp, "timestamp", 0},
    {oids::timestamptz, "timestamptz", 0},
    {oids::interval, "interval", 0},
    {oids::timetz, "timetz", 0},
    {oids::bit, "bit", 0},
    {oids::varbit, "varbit", 0},
    {oids::numeric, "numeric", 0},
    {oids::regclass, "regclass", 0},
    {oids::regtype, "regtype", 0},
    {oids::record, "record", 0},
    {oids::cstring, "cstring", 0},
    {oids::void_, "void", 0},
    {oids::uuid, "uuid", 0},
    {oids::jsonb, "jsonb", 0},
    {oids::jsonpath, "jsonpath", 0},
    {oids::int4range, "int4range", 0},
    {oids::numrange, "numrange", 0},
    {oids::tsrange, "tsrange", 0},
    {oids::tstzrange, "tstzrange", 0},
    {oids::daterange, "daterange", 0},
    {oids::int8range, "int8range", 0},
    {oids::int4multirange, "int4multirange", 0},
    {oids::nummultirange, "nummultirange", 0},
    {oids::tsmultirange, "tsmultirange", 0},
    {oids::tstzmultirange, "tstzmultirange", 0},
    {oids::datemultirange, "datemultirange", 0},
    {oids::int8multirange, "int8multirange", 0},
    {oids::bool_array, "bool[]", oids::bool_},
    {oids::bytea_array, "bytea[]", oids::bytea},
    {oids::char_array, "\"char\"[]", oids::char_},
    {oids::name_array, "name[]", oids::name},
    {oids::int2_array, "int2[]", oids::int2},
    {oids::int4_array, "int4[]", oids::int4},
    {oids::text_array, "text[]", oids::text},
    {oids::bpchar_array, "bpchar[]", oids::bpchar},
    {oids::varchar_array, "varchar[]", oids::varchar},
    {oids::int8_array, "int8[]", oids::int8},
    {oids::float4_array, "float4[]", oids::float4},
    {oids::float8_array, "float8[]", oids::float8},
    {oids::oid_array, "oid[]", oids::oid_},
    {oids::inet_array, "inet[]", oids::inet},
    {oids::cidr_array, "cidr[]", oids::cidr},
    {oids::json_array, "json[]", oids::json},
    {oids::xml_array, "xml[]", oids::xml},
    {oids::date_array, "date[]", oids::date},
    {oids::time_array, "time[]", oids::time},
    {oids::timestamp_array, "timestamp[]", oids::timestamp},
    {oids::timestamptz_array, "timestamptz[]", oids::timestamptz},
    {oids::interval_array, "interval[]", oids::interval},
    {oids::numeric_array, "numeric[]", oids::numeric},
    {oids::timetz_array, "timetz[]", oids::timetz},
    {oids::record_array, "record[]", oids::record},
    {oids::uuid_array, "uuid[]", oids::uuid},
    {oids::jsonb_array, "jsonb[]", oids::jsonb},
    {oids::int4range_array, "int4range[]", oids::int4range},
    {oids::numrange_array, "numrange[]", oids::numrange},
    {oids::tsrange_array, "tsrange[]", oids::tsrange},
    {oids::tstzrange_array, "tstzrange[]", oids::tstzrange},
    {oids::daterange_array, "daterange[]", oids::daterange},
    {oids::int8range_array, "int8range[]", oids::int8range},
};

}  // namespace

auto builtin_type_name(oid type) noexcept -> std::string_view {
  for (const auto& t : types)
    if (t.type == type) return t.name;
  return {};
}

auto describe_type(oid type) -> std::string {
  if (auto n = builtin_type_name(type); !n.empty()) return std::string(n);
  return "oid " + std::to_string(type);
}

auto builtin_array_element(oid type) noexcept -> oid {
  for (const auto& t : types)
    if (t.type == type) return t.element;
  return 0;
}

auto builtin_array_of(oid element) noexcept -> oid {
  if (element == 0) return 0;
  for (const auto& t : types)
    if (t.element == element) return t.type;
  return 0;
}

auto is_builtin_type(oid type) noexcept -> bool { return !builtin_type_name(type).empty(); }

}  // namespace pgpx
