// src/migrate/migrator_impl.hpp (private): what import.cpp needs of migrator.cpp to write an
// import's files and mark its rows under one hold of the migration lock.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/migrate/migrator.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pgpx::migrate::detail {

/// Takes the migration lock of options.schema (as apply() does: a dedicated connection opened
/// with cx's parameters, waiting up to options.lock_wait), runs `body`, releases the lock.
/// Throws migration_error(lock_timeout) without running `body` when the lock stays held.
void with_migration_lock(const connection& cx, const run_options& options, const std::function<void()>& body);

/// mark_applied() for a caller that holds the migration lock already (with_migration_lock).
[[nodiscard]] auto mark_applied_locked(connection& cx, const std::filesystem::path& dir,
                                       const std::vector<std::string>& versions, const std::string& reason,
                                       const run_options& options) -> std::vector<std::string>;

}  // namespace pgpx::migrate::detail
