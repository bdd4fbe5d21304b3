#include "support/test_db.hpp"

#include <pgpx/core/hooks.hpp>
#include "support/time_factor.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/testing/cluster.hpp>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>

namespace pgpx::test {
namespace {

constexpr const char* template_db = "pgpx_template";

auto read_all(const std::string& path) -> std::string {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ensure_template(const pgpx::conninfo& admin) {
  pgpx::connection cx{admin};
  const auto exists =
      cx.query_value<bool>("select exists(select 1 from pg_database where datname = $1)", std::string(template_db));
  if (exists) return;
  try {
    cx.execute_script(std::string("CREATE DATABASE ") + pgpx::quote_identifier(template_db));
  } catch (const pgpx::error& e) {
    if (e.sqlstate() != "42P04") throw;  // created meanwhile by a concurrent test process
  }
}

struct server {
  std::unique_ptr<pgpx::testing::temp_cluster> own;  // only when no shared cluster is given
  pgpx::conninfo admin;
};

auto the_server() -> server& {
  static std::once_flag once;
  static server s;
  std::call_once(once, [] {
    if (const char* url = std::getenv("PGPX_TEST_DATABASE_URL"); url != nullptr && *url != '\0') {
      s.admin = pgpx::conninfo::parse(url, "PGPX_TEST_DATABASE_URL");
    } else if (const char* dir = std::getenv("PGPX_TEST_CLUSTER_DIR");
               dir != nullptr && *dir != '\0' && std::ifstream(std::string(dir) + "/conninfo")) {
      s.admin = pgpx::conninfo::parse(read_all(std::string(dir) + "/conninfo"), "test cluster");
    } else {
      s.own = std::make_unique<pgpx::testing::temp_cluster>(
          std::vector<std::pair<std::string, std::string>>{{"shared_preload_libraries", "pg_stat_statements"}});
      s.admin = s.own->conninfo("postgres");
    }
    ensure_template(s.admin);
  });
  return s;
}

auto database_name_for_current_test() -> std::string {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string base = info != nullptr ? std::string(info->test_suite_name()) + "_" + info->name() : "test";
  std::string name = "t_";
  for (char c : base) {
    if (name.size() >= 48) break;
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) != 0
                       ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                       : '_');
  }
  std::random_device rd;
  static constexpr char hex[] = "0123456789abcdef";
  name.push_back('_');
  for (int i = 0; i < 8; ++i) name.push_back(hex[rd() % 16]);
  return name;
}

}  // namespace

auto server_conninfo() -> pgpx::conninfo { return the_server().admin; }

auto tcp_password() -> std::string {
  const char* dir = std::getenv("PGPX_TEST_CLUSTER_DIR");
  if (dir == nullptr) return {};
  std::ifstream in(std::string(dir) + "/root");
  std::string root;
  std::getline(in, root);
  return pgpx::testing::cluster({.root = root}).password();
}

auto through_tcp(pgpx::conninfo base, int port) -> pgpx::conninfo {
  base.set("host", "127.0.0.1").set("port", std::to_string(port)).set("sslmode", "disable");
  base.set("password", tcp_password());
  return base;
}

void db_test::SetUp() {
  name_ = database_name_for_current_test();
  pgpx::connection admin{server_conninfo()};
  admin.execute_script("CREATE DATABASE " + pgpx::quote_identifier(name_) + " TEMPLATE " +
                       pgpx::quote_identifier(template_db));
  info_ = server_conninfo();
  info_.set("dbname", name_);
  info_.set("application_name", name_);
  cx_ = std::make_unique<pgpx::connection>(info_);
}

void db_test::TearDown() {
  cx_.reset();
  try {
    pgpx::connection admin{server_conninfo()};
    admin.execute_script("DROP DATABASE IF EXISTS " + pgpx::quote_identifier(name_) + " WITH (FORCE)");
  } catch (const pgpx::error& e) {
    ADD_FAILURE() << "could not drop the test database " << name_ << ": " << e.what();
  }
}

auto wait_until_running(const pgpx::conninfo& info, std::string_view sql, int pid, std::chrono::milliseconds within)
    -> bool {
  pgpx::connection watch{info};
  return eventually(
      [&] {
        return watch.query_value<std::int64_t>(
                   "select count(*) from pg_stat_activity where state = 'active' and query = $1 and ($2 = 0 or pid = $2)",
                   std::string(sql), pid) > 0;
      },
      within, std::chrono::milliseconds(5));
}

auto recording_connection(const pgpx::conninfo& info, std::vector<std::string>& sent,
                          std::vector<pgpx::query_source>* sources) -> std::unique_ptr<pgpx::connection> {
  auto hook = std::make_shared<pgpx::query_hook>();
  hook->on_query = [&sent, sources](const pgpx::query_event& e) {
    sent.emplace_back(e.sql);
    if (sources != nullptr) sources->push_back(e.source);
  };
  pgpx::connection_options o;
  o.hook = hook;
  return std::make_unique<pgpx::connection>(info, o);
}

}  // namespace pgpx::test
