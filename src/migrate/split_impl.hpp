// src/migrate/split_impl.hpp (private): what split.cpp reads from a parse tree, shared with
// the linter (lint.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace pgpx::migrate::detail {

/// Why one statement node of pg_query_parse's JSON tree (`{"IndexStmt": {...}}`) cannot run
/// inside a transaction block ("CREATE INDEX CONCURRENTLY", "VACUUM", ...), or nullopt.
[[nodiscard]] auto no_transaction_reason_of(const nlohmann::json& stmt) -> std::optional<std::string>;

}  // namespace pgpx::migrate::detail
