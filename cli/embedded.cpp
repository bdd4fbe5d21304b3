#include "embedded.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/identifier.hpp>

#include <fstream>

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

}  // namespace

embedded_cluster::embedded_cluster(const pgpx::config& cfg)
    : state_dir_(cfg.embedded_dir()), cluster_(make_cluster(state_dir_)) {}

auto embedded_cluster::running() const -> bool { return cluster_.running(); }

auto embedded_cluster::conninfo() const -> pgpx::conninfo { return cluster_.conninfo(embedded_database); }

auto embedded_cluster::url() const -> std::string {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(cluster_.port()) + "/" + embedded_database;
}

auto embedded_cluster::up() -> pgpx::conninfo {
  cluster_.start();
  {
    pgpx::connection cx{cluster_.conninfo("postgres")};
    const bool exists = cx.query_value<bool>("select exists(select 1 from pg_database where datname = $1)",
                                             std::string(embedded_database));
    if (!exists) cx.execute_script("CREATE DATABASE " + pgpx::quote_identifier(embedded_database));
  }
  const auto ci = conninfo();
  std::ofstream(state_dir_ / "url") << ci.to_string() << "\n";
  return ci;
}

void embedded_cluster::down() {
  cluster_.stop(false);
  std::error_code ec;
  fs::remove(state_dir_ / "url", ec);
}

auto embedded_cluster::reset() -> pgpx::conninfo {
  cluster_.destroy();
  std::error_code ec;
  fs::remove(state_dir_ / "url", ec);
  cluster_ = make_cluster(state_dir_);
  return up();
}

}  // namespace pgpx::cli
