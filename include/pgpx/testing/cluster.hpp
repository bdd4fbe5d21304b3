// pgpx/testing/cluster.hpp: a PostgreSQL server that pgpx runs itself.
//
// The embedded default of pgpx (`pgpx dev up`) and the test fixtures use this: a cluster
// created with the installed server's initdb and run with pg_ctl, listening on a free
// loopback port and on a private Unix socket directory.
//
//   pgpx::testing::temp_cluster c;                      // initdb + start in a temp dir
//   pgpx::connection cx{c.conninfo("postgres")};
//   // ... stopped and removed when c goes out of scope
//
// initdb refuses to run as root. When the process runs as root, the cluster is created and
// run as an unprivileged system user (the `postgres` user of Debian's server package), never
// by weakening the server. Its files then live where that user can reach them.
//
// Thread safety: one thread at a time per object. Blocking: start/stop wait for pg_ctl.
#pragma once

#include <pgpx/config/conninfo.hpp>
#include <pgpx/export.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace pgpx::testing {

/// How a cluster is created and started.
struct cluster_options {
  /// The directory holding data/, the socket directory and the server log.
  std::filesystem::path root{};
  /// The TCP port on 127.0.0.1; 0 picks a free one.
  int port = 0;
  /// Test settings: fsync, synchronous_commit and full_page_writes off. Never for real data.
  bool fast = false;
  /// Extra server settings (name, value), written to the cluster's pgpx.conf.
  std::vector<std::pair<std::string, std::string>> settings{};
  /// Lines put at the top of pg_hba.conf when the cluster is created (checked first).
  std::vector<std::string> hba_lines{};
  /// The superuser's name.
  std::string superuser = "postgres";
  /// How long start() waits for the server to accept connections.
  std::chrono::seconds start_timeout{60};
};

/// Where the PostgreSQL server programs are: $PGPX_PG_BINDIR, else the bindir of
/// `pg_config` when it holds initdb, else the newest /usr/lib/postgresql/<v>/bin.
/// Throws config_error with an installation hint when none is found.
[[nodiscard]] PGPX_API auto find_server_bindir() -> std::filesystem::path;

/**
 * A cluster on disk that can be started and stopped.
 *
 * Throws config_error when the server programs are missing, error(kind connection) when the
 * server does not start (the message quotes the end of the server log).
 */
class PGPX_API cluster {
 public:
  /// Describes a cluster; nothing is created until init() or start().
  explicit cluster(cluster_options options);
  cluster(const cluster&) = delete;
  auto operator=(const cluster&) -> cluster& = delete;
  cluster(cluster&&) noexcept = default;
  auto operator=(cluster&&) noexcept -> cluster& = default;
  virtual ~cluster() = default;

  /// Runs initdb unless the data directory exists already. Returns true when it ran.
  auto init() -> bool;
  /// Starts the server (after init() if needed) and waits until it accepts connections.
  /// Does nothing when it is running already. A stale postmaster.pid naming an unrelated
  /// process is removed first.
  void start();
  /// Stops the server: fast shutdown, or immediate (crash-like) when asked. Does nothing (and
  /// signals nobody) when running() is false.
  void stop(bool immediate = false);
  /// Stops (fast) and starts again on the same port.
  void restart();
  /// True when the server process of this data directory is alive: the process postmaster.pid
  /// names exists and is this cluster's server (a postgres program whose working directory
  /// is this data directory and whose start time matches the file), not an unrelated process
  /// that got the id of a server that crashed.
  [[nodiscard]] auto running() const -> bool;
  /// Stops the server and deletes every file of the cluster.
  void destroy();

  /// Connection parameters over the Unix socket, as the superuser.
  [[nodiscard]] auto conninfo(std::string_view dbname = "postgres") const -> pgpx::conninfo;
  /// Connection parameters over TCP on 127.0.0.1, as the superuser with its password.
  [[nodiscard]] auto tcp_conninfo(std::string_view dbname = "postgres") const -> pgpx::conninfo;
  /// The superuser's password (password authentication applies on TCP only).
  [[nodiscard]] auto password() const -> std::string;

  /// The TCP port (known after start()).
  [[nodiscard]] auto port() const noexcept -> int { return port_; }
  /// The cluster's root directory.
  [[nodiscard]] auto root() const noexcept -> const std::filesystem::path& { return options_.root; }
  /// The data directory (root/data).
  [[nodiscard]] auto data_dir() const -> std::filesystem::path { return options_.root / "data"; }
  /// The Unix socket directory (root/sock).
  [[nodiscard]] auto socket_dir() const -> std::filesystem::path { return options_.root / "sock"; }
  /// The server log (root/server.log).
  [[nodiscard]] auto log_file() const -> std::filesystem::path { return options_.root / "server.log"; }
  /// The postmaster's process id, or 0 when not running (verified as running() says).
  [[nodiscard]] auto postmaster_pid() const -> int;
  /// Writes a file into the cluster's root (owned by the server user, mode `perms`) and
  /// returns its path; for certificates and keys the server reads.
  auto install_file(std::string_view name, std::string_view content,
                    std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                   std::filesystem::perms::owner_write) -> std::filesystem::path;
  /// Changes settings at run time (ALTER SYSTEM + reload), for tests that flip ssl, certs...
  void reconfigure(const std::vector<std::pair<std::string, std::string>>& settings);
  /// Makes this (not yet created) cluster a streaming replica of `primary` with
  /// pg_basebackup (-R: standby.signal and primary_conninfo), then starts it.
  void start_as_standby_of(const cluster& primary);
  /// Promotes a standby to primary (pg_ctl promote) and waits until it accepts writes.
  void promote();
  /// The last lines of the server log (for error messages).
  [[nodiscard]] auto log_tail(std::size_t lines = 20) const -> std::string;

 private:
  void write_settings();
  /// Removes a postmaster.pid (and the socket lock files) left by a server that is gone and
  /// whose process id now belongs to an unrelated process, which would block the start.
  void remove_stale_lock_files();
  void pg_ctl(const std::vector<std::string>& args, bool check);
  cluster_options options_;
  int port_ = 0;
};

/**
 * A cluster in a fresh temporary directory, with test settings, started at construction and
 * destroyed (stopped, files removed) at destruction.
 */
class PGPX_API temp_cluster : public cluster {
 public:
  /// Creates and starts the cluster; `settings` are extra server settings.
  explicit temp_cluster(std::vector<std::pair<std::string, std::string>> settings = {});
  temp_cluster(temp_cluster&&) noexcept = default;
  auto operator=(temp_cluster&&) noexcept -> temp_cluster& = default;
  /// Stops the server and removes its files. Never throws.
  ~temp_cluster() override;
};

/// A directory the cluster's server user can use for a cluster belonging to `owner_dir`:
/// `owner_dir` itself when the user can reach it, else a directory under /var/tmp named
/// after it (only when running as root). Created if missing, owned by the server user.
[[nodiscard]] PGPX_API auto cluster_root_for(const std::filesystem::path& owner_dir) -> std::filesystem::path;

/// Creates a fresh temporary directory the server user owns (under $TMPDIR or /tmp).
[[nodiscard]] PGPX_API auto make_cluster_temp_dir(std::string_view prefix) -> std::filesystem::path;

}  // namespace pgpx::testing
