// pgpx/core/identifier.hpp: the one function that puts a name into SQL text.
//
// No value is ever spliced into SQL: values are parameters. Names (tables, columns,
// channels, savepoints) cannot be parameters, so they pass through quote_identifier(),
// which always double-quotes and rejects what PostgreSQL cannot name.
//
//   pgpx::quote_identifier("my \"table\"")  == "\"my \"\"table\"\"\""
//   pgpx::quote_qualified({"app", "users"}) == "\"app\".\"users\""
#pragma once

#include <pgpx/export.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

namespace pgpx {

/// The longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes).
inline constexpr std::size_t max_identifier_length = 63;

/**
 * Quotes one identifier for SQL text: wraps it in double quotes and doubles embedded ones.
 * Throws usage_error for an empty name, a NUL byte, invalid UTF-8, or a name longer than
 * 63 bytes (PostgreSQL would silently truncate it).
 */
[[nodiscard]] PGPX_API auto quote_identifier(std::string_view name) -> std::string;

/// Quotes each part and joins them with dots: {"schema", "table"} -> "schema"."table".
[[nodiscard]] PGPX_API auto quote_qualified(std::initializer_list<std::string_view> parts) -> std::string;

/**
 * Quotes a constant of pgpx's own for SQL text: an enum label from C++ reflection in
 * `create type ... as enum`, a text-search configuration name. Never for values (they are
 * parameters). Doubles quotes; text with a backslash is written as E'...' with the backslash
 * doubled, so it reads the same whatever standard_conforming_strings says. Throws
 * usage_error for a NUL byte or invalid UTF-8.
 */
[[nodiscard]] PGPX_API auto quote_literal(std::string_view text) -> std::string;

}  // namespace pgpx
