// cli/embedded.hpp: the project's local PostgreSQL (`pgpx dev ...`), kept under .pgpx/.
#pragma once

#include <pgpx/config/config.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/testing/cluster.hpp>

#include <filesystem>
#include <string>

namespace pgpx::cli {

/// The database the local cluster serves to the project.
inline constexpr const char* embedded_database = "app";

/**
 * The local cluster of the project that `cfg` belongs to.
 *
 * up(), down() and reset() hold an exclusive lock on .pgpx/lock (flock) while they work, so
 * that several pgpx processes started at once in the same project (two `pgpx dev up`, a
 * `pgpx query` that starts the server) take turns: the first creates and starts the cluster,
 * the others wait for it and then find it running. The lock is released when the process
 * ends, however it ends.
 */
class embedded_cluster {
 public:
  explicit embedded_cluster(const pgpx::config& cfg);

  /// Creates (first time) and starts the cluster, creates the project database, writes
  /// .pgpx/url. Returns the connection parameters of the project database.
  auto up() -> pgpx::conninfo;
  /// Whether the last up() started the server (false: it found it running).
  [[nodiscard]] auto started() const noexcept -> bool { return started_; }
  /// Stops the cluster (fast shutdown). Data is kept. Returns false when it was not running.
  auto down() -> bool;
  /// Deletes the cluster's data and creates it afresh.
  auto reset() -> pgpx::conninfo;
  /// True when the server is running.
  [[nodiscard]] auto running() const -> bool;
  /// The cluster.
  [[nodiscard]] auto cluster() -> pgpx::testing::cluster& { return cluster_; }
  /// The project's .pgpx directory.
  [[nodiscard]] auto state_dir() const -> const std::filesystem::path& { return state_dir_; }
  /// The connection parameters of the project database (valid once started).
  [[nodiscard]] auto conninfo() const -> pgpx::conninfo;
  /// A postgresql:// URL of the project database over TCP (without the password).
  [[nodiscard]] auto url() const -> std::string;

 private:
  auto up_locked() -> pgpx::conninfo;
  std::filesystem::path state_dir_;
  pgpx::testing::cluster cluster_;
  bool started_ = false;
};

}  // namespace pgpx::cli
