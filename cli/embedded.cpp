#include "embedded.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/identifier.hpp>

#include <pgpx/error.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;

namespace pgpx::cli {
namespace {

auto make_cluster(const fs::path& state_dir) -> pgpx::testing::cluster {
  fs::create_directories(state_dir);
  // Nothing under .pgpx belongs in version control.
  if (!fs::exists(state_dir / ".gitignore")) std::ofstream(state_dir / ".gitignore") << "*\n";
  pgpx::testing::cluster_options o;
  o.root = pgpx::testing::cluster_root_for(state_dir / "cluster");
  o.fast = false;  // a development database keeps its data safe: fsync stays on
  return pgpx::testing::cluster(o);
}

// An exclusive flock on .pgpx/lock for the lifetime of the object (and never longer than the
// process: the kernel drops it when the process ends).
class state_lock {
 public:
  explicit state_lock(const fs::path& state_dir) {
    const auto path = state_dir / "lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw config_error("cannot open " + path.string() + ": " + std::strerror(errno));
    // Longer than a server start (60 s) plus initdb: the other process is making progress.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        const int e = errno;
        ::close(fd_);
        throw config_error("cannot lock " + path.string() + ": " + std::strerror(e));
      }
      if (std::chrono::steady_clock::now() >= give_up) {
        ::close(fd_);
        throw error(error_kind::timeout, "another pgpx process has held " + path.string() +
                                             " for 3 minutes (starting or stopping the local server); try again");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  state_lock(const state_lock&) = delete;
  auto operator=(const state_lock&) -> state_lock& = delete;
  ~state_lock() { ::close(fd_); }

 private:
  int fd_ = -1;
};

}  // namespace

embedded_cluster::embedded_cluster(const pgpx::config& cfg)
    : state_dir_(cfg.embedded_dir()), cluster_(make_cluster(state_dir_)) {}

auto embedded_cluster::running() const -> bool { return cluster_.running(); }

auto embedded_cluster::conninfo() const -> pgpx::conninfo { return cluster_.conninfo(embedded_database); }

auto embedded_cluster::url() const -> std::string {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(cluster_.port()) + "/" + embedded_database;
}

auto embedded_cluster::up() -> pgpx::conninfo {
  state_lock lock{state_dir_};
  return up_locked();
}

auto embedded_cluster::up_locked() -> pgpx::conninfo {
  // Re-read under the lock: another process may have created or started the cluster (and
  // picked its port) while this one waited.
  cluster_ = make_cluster(state_dir_);
  started_ = !cluster_.running();
  cluster_.start();
  {
    pgpx::connection cx{cluster_.conninfo("postgres")};
    const bool exists = cx.query_value<bool>("select exists(select 1 from pg_database where datname = $1)",
                                             std::string(embedded_database));
    if (!exists) cx.execute_script("CREATE DATABASE " + pgpx::quote_identifier(embedded_database));
  }
  const auto ci = conninfo();
  // Written whole and renamed, so that a concurrent reader never sees half a line.
  const auto tmp = state_dir_ / ("url.tmp." + std::to_string(::getpid()));
  {
    std::ofstream out(tmp);
    out << ci.to_string() << "\n";
    out.close();
    if (!out) throw pgpx::config_error("could not write " + tmp.string());  // the old url stays
  }
  fs::rename(tmp, state_dir_ / "url");
  return ci;
}

auto embedded_cluster::down() -> bool {
  state_lock lock{state_dir_};
  cluster_ = make_cluster(state_dir_);
  const bool was_running = cluster_.running();
  cluster_.stop(false);  // signals nobody unless the verified server runs
  std::error_code ec;
  fs::remove(state_dir_ / "url", ec);
  return was_running;
}

auto embedded_cluster::reset() -> pgpx::conninfo {
  state_lock lock{state_dir_};
  cluster_ = make_cluster(state_dir_);
  cluster_.destroy();
  std::error_code ec;
  fs::remove(state_dir_ / "url", ec);
  return up_locked();
}

}  // namespace pgpx::cli
