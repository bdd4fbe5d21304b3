// pgpx_test_cluster start|stop DIR: the shared cluster of a ctest run (the CTest fixture
// "cluster.start" / "cluster.stop"). DIR receives the files `root` (where the cluster lives)
// and `conninfo` (the superuser's Unix-socket connection parameters) that the tests read.
// pgpx_test_cluster database DIR NAME: (re)creates the empty database NAME in the running
// cluster and prints its connection parameters (the package tests run a consumer in one).
#include <pgpx/core/connection.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/testing/cluster.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

auto read_all(const fs::path& p) -> std::string {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

auto start(const fs::path& dir) -> int {
  fs::create_directories(dir);
  if (fs::exists(dir / "root")) {
    pgpx::testing::cluster old{{.root = read_all(dir / "root"), .fast = true}};
    if (old.running()) {
      std::cout << "reusing the test cluster in " << old.root() << "\n";
      return 0;
    }
    old.destroy();
  }
  pgpx::testing::cluster_options o;
  o.root = pgpx::testing::make_cluster_temp_dir("pgpx-test-");
  o.fast = true;
  // pg_stat_statements: the stat_statements plugin's tests (tests/integration/ext).
  o.settings = {{"max_connections", "200"}, {"shared_preload_libraries", "pg_stat_statements"}};
  pgpx::testing::cluster c{o};
  c.start();
  {
    pgpx::connection cx{c.conninfo("postgres")};
    cx.execute_script("CREATE DATABASE " + pgpx::quote_identifier("pgpx_template"));
  }
  std::ofstream(dir / "root") << c.root().string() << "\n";
  std::ofstream(dir / "conninfo") << c.conninfo("postgres").to_string() << "\n";
  std::cout << "test cluster started in " << c.root() << " on port " << c.port() << "\n";
  return 0;
}

auto stop(const fs::path& dir) -> int {
  if (!fs::exists(dir / "root")) return 0;
  pgpx::testing::cluster c{{.root = read_all(dir / "root"), .fast = true}};
  c.destroy();
  fs::remove(dir / "root");
  fs::remove(dir / "conninfo");
  std::cout << "test cluster stopped\n";
  return 0;
}

auto database(const fs::path& dir, const std::string& name) -> int {
  pgpx::testing::cluster c{{.root = read_all(dir / "root"), .fast = true}};
  pgpx::connection cx{c.conninfo("postgres")};
  cx.execute_script("DROP DATABASE IF EXISTS " + pgpx::quote_identifier(name) + " WITH (FORCE)");
  cx.execute_script("CREATE DATABASE " + pgpx::quote_identifier(name));
  std::cout << c.conninfo(name).to_string() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (!((argc == 3 && (command == "start" || command == "stop")) || (argc == 4 && command == "database"))) {
    std::cerr << "usage: pgpx_test_cluster start|stop DIR\n       pgpx_test_cluster database DIR NAME\n";
    return 2;
  }
  try {
    if (command == "database") return database(argv[2], argv[3]);
    return command == "start" ? start(argv[2]) : stop(argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "pgpx_test_cluster: " << e.what() << "\n";
    return 1;
  }
}
