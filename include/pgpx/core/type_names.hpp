// pgpx/core/type_names.hpp: PostgreSQL types looked up by name on a connection.
//
//   const pgpx::oid vector = pgpx::type_oid(cx, "vector");   // 0 when the database lacks it
//
// Codecs that name their type (pgpx/types/by_name.hpp) are resolved this way by every
// connection, once, in one catalog query for all the names the process uses; type_oid()
// reads the same per-connection catalog (adding `name` to it when it is new).
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/row_mapping.hpp>
#include <pgpx/export.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/oid.hpp>

#include <cstdint>
#include <memory>
#include <string_view>

namespace pgpx {

/**
 * The OID of type `name` in cx's database, resolved as the server resolves a type name in
 * SQL (search_path, schema qualification, aliases: "int" is int4), or 0 when there is no
 * such type. A name seen for the first time, or not found before, costs one catalog query.
 *
 * Blocking; throws broken_connection / sql_error as any statement, usage_error for a string
 * that is not a type name. Thread safety: as the connection (one thread at a time).
 */
[[nodiscard]] PGPX_API auto type_oid(connection& cx, std::string_view name) -> oid;

namespace detail {
/// The entry of name id `id` in cx's catalog, resolved now if this session has not yet (or
/// again if it was missing). Used before a COPY or a batch, which cannot query the catalog
/// once they started.
[[nodiscard]] PGPX_API auto resolve_named_type(connection& cx, std::uint32_t id) -> type_catalog::entry;
/// cx's catalog of named types, resolved now if needed (null when the process has none).
[[nodiscard]] PGPX_API auto connection_type_catalog(connection& cx) -> std::shared_ptr<const type_catalog>;
/// connection_type_catalog(cx) when reading T may involve a named type, else nothing (no
/// catalog query for the rows of built-in types).
template <class T>
[[nodiscard]] auto connection_types(connection& cx) -> std::shared_ptr<const type_catalog> {
  if constexpr (row_uses_named<T>()) return connection_type_catalog(cx);
  else return {};
}
}  // namespace detail

}  // namespace pgpx
