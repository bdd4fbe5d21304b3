// Scenario 22 of spec/reliability.md: TLS modes against a server with certificates made by
// the test (two CAs, a right and a wrong host name, an expired certificate, a client
// certificate), SCRAM with channel binding, and secrets kept out of messages.
#include <pgpx/config/config.hpp>
#include <pgpx/core/connection.hpp>
#include <pgpx/core/tls_policy.hpp>
#include <pgpx/testing/cluster.hpp>

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

auto read_all(const fs::path& p) -> std::string {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void sh(const std::string& cmd) { ASSERT_EQ(std::system((cmd + " >/dev/null 2>&1").c_str()), 0) << cmd; }

// Sets (a value) or unsets (nullopt) environment variables for one scope; restores them after.
// The tests of this program use no threads, so changing the environment is safe here.
class scoped_env {
 public:
  using vars = std::vector<std::pair<std::string, std::optional<std::string>>>;
  explicit scoped_env(const vars& v) {
    for (const auto& [name, value] : v) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old != nullptr ? std::optional<std::string>(old) : std::nullopt);
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }
  scoped_env(const scoped_env&) = delete;
  auto operator=(const scoped_env&) -> scoped_env& = delete;
  ~scoped_env() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }

 private:
  vars saved_;
};

// Every libpq variable that could change what these tests connect to, unset.
auto clean_libpq_env() -> scoped_env::vars {
  scoped_env::vars v;
  for (const char* n : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGSSLMODE", "PGREQUIRESSL", "PGSSLROOTCERT", "PGSERVICE",
                        "PGSERVICEFILE", "PGDATABASE", "PGUSER", "PGSSLCERT", "PGSSLKEY", "PGSYSCONFDIR"})
    v.emplace_back(n, std::nullopt);
  return v;
}

// A TCP port on 127.0.0.1 where nothing listens.
auto closed_port() -> int {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  (void)::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Certificates made once for the whole test program.
class tls_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("pgpx-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const auto d = dir_.string();
    const std::string req = "openssl req -newkey rsa:2048 -nodes -keyout ";
    sh("cd " + d +
       " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca1.key -out ca1.crt -days 2 -subj /CN=pgpx-ca1");
    sh("cd " + d +
       " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca2.key -out ca2.crt -days 2 -subj /CN=pgpx-ca2");
    std::ofstream(dir_ / "good.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    std::ofstream(dir_ / "wrong.ext") << "subjectAltName=DNS:wrong.example\n";
    const auto sign = [&](const std::string& name, const std::string& cn, const std::string& ext, int days) {
      sh("cd " + d + " && " + req + name + ".key -out " + name + ".csr -subj /CN=" + cn);
      sh("cd " + d + " && openssl x509 -req -in " + name + ".csr -CA ca1.crt -CAkey ca1.key -CAcreateserial -out " +
         name + ".crt -days " + std::to_string(days) + (ext.empty() ? "" : " -extfile " + ext));
    };
    sign("good", "localhost", "good.ext", 2);
    sign("wrong", "wrong.example", "wrong.ext", 2);
    sign("expired", "localhost", "good.ext", 0);  // not after = now: expired a moment later
    sign("client", "certuser", "", 2);

    pgpx::testing::cluster_options o;
    o.root = pgpx::testing::make_cluster_temp_dir("pgpx-tls-cluster-");
    o.fast = true;
    o.hba_lines = {"hostssl all certuser 127.0.0.1/32 cert"};
    cluster_ = new pgpx::testing::cluster(o);
    cluster_->init();
    for (const auto* n : {"good", "wrong", "expired"}) {
      cluster_->install_file(std::string(n) + ".crt", read_all(dir_ / (std::string(n) + ".crt")));
      cluster_->install_file(std::string(n) + ".key", read_all(dir_ / (std::string(n) + ".key")));
    }
    cluster_->install_file("ca1.crt", read_all(dir_ / "ca1.crt"));
    cluster_->start();
    use_server_cert("good");
    pgpx::connection admin{cluster_->conninfo("postgres")};
    admin.execute_script("create role certuser login");
  }
  static void TearDownTestSuite() {
    cluster_->destroy();
    delete cluster_;
    fs::remove_all(dir_);
  }

  static void use_server_cert(const std::string& name, bool ssl = true) {
    const auto root = cluster_->root().string();
    cluster_->reconfigure({{"ssl", ssl ? "on" : "off"},
                           {"ssl_cert_file", root + "/" + name + ".crt"},
                           {"ssl_key_file", root + "/" + name + ".key"},
                           {"ssl_ca_file", root + "/ca1.crt"}});
  }

  // TCP to the server as the superuser, with the given TLS settings.
  static auto tcp(const std::string& host, const std::string& sslmode, const std::string& ca = "ca1.crt")
      -> pgpx::conninfo {
    auto ci = cluster_->tcp_conninfo("postgres");
    ci.set("host", host).set("sslmode", sslmode);
    if (!ca.empty()) ci.set("sslrootcert", (dir_ / ca).string());
    return ci;
  }

  static auto fails(const pgpx::conninfo& ci, std::string* why = nullptr) -> bool {
    try {
      pgpx::connection c{ci, {.connect_timeout = 5s}};
      (void)c.query_value<int>("select 1");
      return false;
    } catch (const pgpx::broken_connection& e) {
      if (why != nullptr) *why = e.what();
      return true;
    }
  }

  // The error of a connection attempt that must fail.
  static auto connect_error(const pgpx::conninfo& ci) -> std::optional<pgpx::broken_connection> {
    try {
      pgpx::connection c{ci, {.connect_timeout = 5s}};
      (void)c.query_value<int>("select 1");
    } catch (const pgpx::broken_connection& e) {
      return e;
    }
    return std::nullopt;
  }

  static inline fs::path dir_;
  static inline pgpx::testing::cluster* cluster_ = nullptr;
};

TEST_F(tls_test, verify_full_with_the_right_ca_connects_over_tls) {
  pgpx::connection c{tcp("localhost", "verify-full")};
  EXPECT_TRUE(c.query_value<bool>("select ssl from pg_stat_ssl where pid = pg_backend_pid()"));
}

TEST_F(tls_test, the_wrong_ca_is_refused) {
  std::string why;
  EXPECT_TRUE(fails(tcp("localhost", "verify-ca", "ca2.crt"), &why));
  EXPECT_NE(why.find("certificate"), std::string::npos) << why;
  EXPECT_TRUE(fails(tcp("localhost", "verify-full", "ca2.crt")));
}

// A missing CA file, an expired certificate and a certificate from another CA are three
// different problems with three different fixes: the errors say which one it is.
TEST_F(tls_test, errors_tell_a_missing_ca_file_an_expired_certificate_and_a_wrong_ca_apart) {
  const auto missing = connect_error(tcp("localhost", "verify-full", "no-such-ca.crt"));
  const auto wrong_ca = connect_error(tcp("localhost", "verify-full", "ca2.crt"));
  std::this_thread::sleep_for(1100ms);  // the test certificate expires one second after issue
  use_server_cert("expired");
  const auto expired = connect_error(tcp("localhost", "verify-full"));
  const auto expired_ca = connect_error(tcp("localhost", "verify-ca"));
  use_server_cert("good");
  ASSERT_TRUE(missing && wrong_ca && expired && expired_ca);

  EXPECT_NE(std::string(missing->what()).find("does not exist"), std::string::npos) << missing->what();
  EXPECT_NE(missing->info().hint.find("CA file is missing"), std::string::npos) << missing->what();

  // OpenSSL's words depend on whether the server sends its CA along (this one does).
  const std::string wrong_ca_text = wrong_ca->what();
  EXPECT_TRUE(wrong_ca_text.find("self-signed certificate in certificate chain") != std::string::npos ||
              wrong_ca_text.find("unable to get local issuer certificate") != std::string::npos)
      << wrong_ca_text;
  EXPECT_NE(wrong_ca->info().hint.find("not issued by the CA in sslrootcert"), std::string::npos) << wrong_ca->what();

  for (const auto& e : {*expired, *expired_ca}) {
    EXPECT_NE(std::string(e.what()).find("certificate has expired"), std::string::npos) << e.what();
    EXPECT_NE(e.info().hint.find("has expired"), std::string::npos) << e.what();
  }
  EXPECT_NE(missing->info().hint, wrong_ca->info().hint);
  EXPECT_NE(missing->info().hint, expired->info().hint);
  EXPECT_NE(wrong_ca->info().hint, expired->info().hint);
  // The name check has its own hint too.
  use_server_cert("wrong");
  const auto wrong_name = connect_error(tcp("localhost", "verify-full"));
  use_server_cert("good");
  ASSERT_TRUE(wrong_name);
  EXPECT_NE(wrong_name->info().hint.find("does not name the host"), std::string::npos) << wrong_name->what();
}

TEST_F(tls_test, a_wrong_host_name_fails_verify_full_but_passes_verify_ca) {
  use_server_cert("wrong");
  std::string why;
  EXPECT_TRUE(fails(tcp("localhost", "verify-full"), &why));
  EXPECT_NE(why.find("does not match"), std::string::npos) << why;
  EXPECT_FALSE(fails(tcp("localhost", "verify-ca")));
  use_server_cert("good");
}

TEST_F(tls_test, an_expired_certificate_is_refused) {
  std::this_thread::sleep_for(1100ms);  // the test certificate expires one second after issue
  use_server_cert("expired");
  std::string why;
  EXPECT_TRUE(fails(tcp("localhost", "verify-ca"), &why));
  EXPECT_NE(why.find("certificate verify failed"), std::string::npos) << why;
  // libpq does not say why; make sure the only defect of this certificate is its age.
  const auto d = dir_.string();
  EXPECT_EQ(
      std::system(("openssl verify -CAfile " + d + "/ca1.crt " + d + "/expired.crt 2>&1 | grep -q expired").c_str()),
      0);
  EXPECT_EQ(std::system(("openssl verify -CAfile " + d + "/ca1.crt " + d + "/good.crt >/dev/null 2>&1").c_str()), 0);
  use_server_cert("good");
  EXPECT_FALSE(fails(tcp("localhost", "verify-ca")));
}

TEST_F(tls_test, require_never_falls_back_to_plain_text) {
  use_server_cert("good", false);
  std::string why;
  EXPECT_TRUE(fails(tcp("localhost", "require", ""), &why));
  EXPECT_NE(why.find("SSL"), std::string::npos) << why;
  EXPECT_FALSE(fails(tcp("localhost", "prefer", "")));  // prefer may fall back: that is what it means
  use_server_cert("good", true);
}

TEST_F(tls_test, scram_with_channel_binding_required) {
  auto ci = tcp("localhost", "verify-full");
  ci.set("channel_binding", "require");
  pgpx::connection c{ci};
  EXPECT_EQ(c.query_value<int>("select 1"), 1);
  // Without TLS there is no channel to bind: refused, not downgraded.
  auto plain = tcp("localhost", "disable", "");
  plain.set("channel_binding", "require");
  EXPECT_TRUE(fails(plain));
}

TEST_F(tls_test, client_certificates_authenticate) {
  auto ci = tcp("localhost", "verify-full");
  ci.set("user", "certuser").erase("password");
  EXPECT_TRUE(fails(ci));  // no certificate: refused
  ci.set("sslcert", (dir_ / "client.crt").string()).set("sslkey", (dir_ / "client.key").string());
  fs::permissions(dir_ / "client.key", fs::perms::owner_read | fs::perms::owner_write);
  pgpx::connection c{ci};
  EXPECT_EQ(c.query_value<std::string>("select current_user"), "certuser");
}

TEST_F(tls_test, passwords_never_appear_in_errors) {
  auto ci = tcp("localhost", "verify-full");
  ci.set("password", "S3cret-Hunter2-Pw");
  std::string why;
  EXPECT_TRUE(fails(ci, &why));
  EXPECT_NE(why.find("password authentication failed"), std::string::npos) << why;
  EXPECT_EQ(why.find("S3cret-Hunter2-Pw"), std::string::npos) << why;
  // Neither in a connection's description.
  EXPECT_EQ(ci.redacted().find("S3cret-Hunter2-Pw"), std::string::npos);
}

// A name that resolves nowhere: hostaddr=127.0.0.1 reaches the test server while libpq checks
// the server's certificate (made for localhost and 127.0.0.1) against this name. For pgpx it is
// not a local host, so the TLS policy applies to it.
constexpr const char* remote_name = "pgpx-remote.test";

enum class mode_source { url, keywords, pgpx_toml, environment, service_file };
enum class host_source { keywords, environment, service_file, host_list };

auto name_of(mode_source m) -> std::string {
  switch (m) {
    case mode_source::url: return "sslmode in a URL";
    case mode_source::keywords: return "sslmode keyword";
    case mode_source::pgpx_toml: return "sslmode in pgpx.toml";
    case mode_source::environment: return "PGSSLMODE";
    case mode_source::service_file: return "sslmode in a service file";
  }
  return {};
}

auto name_of(host_source h) -> std::string {
  switch (h) {
    case host_source::keywords: return "host keyword";
    case host_source::environment: return "PGHOST/PGHOSTADDR";
    case host_source::service_file: return "host in a service file";
    case host_source::host_list: return "second host of a list";
  }
  return {};
}

// Issue 9 item 7: with sslmode=verify-full from any source and a non-local host from any
// source, pgpx must not replace verify-full by require: the server's certificate names
// localhost, not pgpx-remote.test, so the connection must be refused as psql refuses it.
TEST_F(tls_test, a_stricter_sslmode_from_any_source_wins_for_a_host_from_any_source) {
  const std::string port = std::to_string(cluster_->port());
  const std::string dead = std::to_string(closed_port());
  const auto service_file = dir_ / "pg_service.conf";
  const auto project = dir_ / "project";
  fs::create_directories(project);
  for (auto ms : {mode_source::url, mode_source::keywords, mode_source::pgpx_toml, mode_source::environment,
                  mode_source::service_file}) {
    for (auto hs :
         {host_source::keywords, host_source::environment, host_source::service_file, host_source::host_list}) {
      SCOPED_TRACE(name_of(ms) + " x " + name_of(hs));
      const scoped_env clean(clean_libpq_env());
      std::vector<std::pair<std::string, std::string>> keywords = {{"user", "postgres"},
                                                                   {"password", cluster_->password()},
                                                                   {"dbname", "postgres"},
                                                                   {"sslrootcert", (dir_ / "ca1.crt").string()}};
      scoped_env::vars env;
      std::string service;
      switch (hs) {
        case host_source::keywords:
          keywords.insert(keywords.end(), {{"host", remote_name}, {"hostaddr", "127.0.0.1"}, {"port", port}});
          break;
        case host_source::environment:
          env.insert(env.end(), {{"PGHOST", remote_name}, {"PGHOSTADDR", "127.0.0.1"}, {"PGPORT", port}});
          break;
        case host_source::service_file:
          service += "host=" + std::string(remote_name) + "\nhostaddr=127.0.0.1\nport=" + port + "\n";
          break;
        case host_source::host_list:  // localhost refuses the connection; the second host is the server
          keywords.insert(keywords.end(), {{"host", "localhost," + std::string(remote_name)},
                                           {"hostaddr", "127.0.0.1,127.0.0.1"},
                                           {"port", dead + "," + port}});
          break;
      }
      if (ms == mode_source::keywords || ms == mode_source::pgpx_toml) keywords.emplace_back("sslmode", "verify-full");
      if (ms == mode_source::environment) env.emplace_back("PGSSLMODE", "verify-full");
      if (ms == mode_source::service_file) service += "sslmode=verify-full\n";
      if (!service.empty()) {
        std::ofstream(service_file) << "# made by tls_test\n[pgpx_tls]\n" << service;
        env.emplace_back("PGSERVICEFILE", service_file.string());
        keywords.emplace_back("service", "pgpx_tls");
      }
      const scoped_env set(env);
      pgpx::conninfo ci;
      if (ms == mode_source::url) ci = pgpx::conninfo::parse("postgresql:///?sslmode=verify-full", "--url");
      if (ms == mode_source::pgpx_toml) {
        std::ofstream toml(project / "pgpx.toml");
        toml << "[env.development]\n";
        for (const auto& [k, v] : keywords) toml << k << " = \"" << v << "\"\n";
        toml.close();
        pgpx::config_options o;
        o.start_dir = project;
        o.getenv = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
        ci = pgpx::config::load(o).connection();
      } else {
        for (const auto& [k, v] : keywords) ci.set(k, v);
      }
      std::string why;
      EXPECT_TRUE(fails(ci, &why));
      EXPECT_NE(why.find("does not match host name \"" + std::string(remote_name) + "\""), std::string::npos) << why;
      // The same host with the same CA but verify-ca (which does not check the name) connects:
      // the refusal above is verify-full at work, not a broken setup.
      if (ms == mode_source::keywords) {
        auto relaxed = ci;
        relaxed.set("sslmode", "verify-ca");
        EXPECT_FALSE(fails(relaxed));
      }
    }
  }
}

// The policy's part of the matrix, without a server: the host comes from every source, the
// sslmode from none (raised to require, with a warning naming the host) or from one (kept).
TEST(tls_policy, a_non_local_host_from_any_source_gets_at_least_require_and_a_warning) {
  const auto service_file = fs::temp_directory_path() / ("pgpx-tls-policy-" + std::to_string(::getpid()) + ".conf");
  std::ofstream(service_file) << "[remote]\nhost=db.example.org\n[remote_ca]\nhost=db.example.org\nsslmode=verify-ca\n"
                              << "[local]\nhost=/tmp\n[remote_addr]\nhostaddr=192.0.2.10\n";
  struct remote_case {
    std::string conninfo;
    scoped_env::vars env;
    std::string named;  // the host the warning must name
  };
  const std::vector<remote_case> remote = {
      {"host=db.example.org", {}, "db.example.org"},
      {"postgresql://db.example.org/app", {}, "db.example.org"},
      {"", {{"PGHOST", "db.example.org"}}, "db.example.org"},
      {"", {{"PGHOSTADDR", "192.0.2.10"}}, "192.0.2.10"},
      {"host=localhost hostaddr=192.0.2.10", {}, "192.0.2.10"},
      {"host=db.example.org hostaddr=127.0.0.1", {}, "db.example.org"},
      {"service=remote", {{"PGSERVICEFILE", service_file.string()}}, "db.example.org"},
      {"", {{"PGSERVICE", "remote_addr"}, {"PGSERVICEFILE", service_file.string()}}, "192.0.2.10"},
      {"host=localhost,db.example.org", {}, "db.example.org"},
      {"", {{"PGHOST", "/tmp,localhost,db.example.org"}}, "db.example.org"},
      {"host=127.0.0.1.example.org", {}, "127.0.0.1.example.org"},  // a name, not an address
      {"host=127.evil.example", {}, "127.evil.example"},
  };
  for (const auto& c : remote) {
    SCOPED_TRACE(c.conninfo + " with " + std::to_string(c.env.size()) + " variable(s), expecting " + c.named);
    const scoped_env clean(clean_libpq_env());
    const scoped_env set(c.env);
    auto ci = pgpx::conninfo::parse(c.conninfo);
    const auto w = pgpx::apply_tls_policy(ci);
    EXPECT_EQ(ci.get("sslmode"), "require");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find(c.named), std::string::npos) << w[0];
    EXPECT_NE(w[0].find("verify-full"), std::string::npos) << w[0];
  }

  // Local hosts from every source: nothing changes, nothing to warn about.
  const std::vector<std::pair<std::string, scoped_env::vars>> local = {
      {"", {}},
      {"host=/tmp", {}},
      {"host=@abstract", {}},
      {"host=localhost", {}},
      {"host=LOCALHOST", {}},
      {"host=127.0.0.1", {}},
      {"host=127.5.6.7", {}},
      {"host=::1", {}},
      {"host=localhost hostaddr=127.0.0.1", {}},
      {"host=/tmp,localhost,127.0.0.2", {}},
      {"", {{"PGHOST", "localhost"}}},
      {"", {{"PGHOSTADDR", "127.0.0.1"}}},
      {"service=local", {{"PGSERVICEFILE", service_file.string()}}},
  };
  for (const auto& [text, env] : local) {
    SCOPED_TRACE(text);
    const scoped_env clean(clean_libpq_env());
    const scoped_env set(env);
    auto ci = pgpx::conninfo::parse(text);
    EXPECT_TRUE(pgpx::apply_tls_policy(ci).empty());
    EXPECT_FALSE(ci.has("sslmode"));
  }

  // An sslmode some source chose is never replaced, whatever it is; only verify-full is quiet.
  const std::vector<std::tuple<std::string, scoped_env::vars, bool>> chosen = {
      {"host=db.example.org", {{"PGSSLMODE", "verify-full"}}, false},
      {"host=db.example.org", {{"PGSSLMODE", "verify-ca"}}, true},
      {"host=db.example.org", {{"PGSSLMODE", "disable"}}, true},  // an explicit opt-out, warned about
      {"host=db.example.org", {{"PGREQUIRESSL", "1"}}, true},
      {"service=remote_ca", {{"PGSERVICEFILE", service_file.string()}}, true},
      {"", {{"PGHOST", "db.example.org"}, {"PGSSLMODE", "verify-full"}}, false},
      {"host=db.example.org sslmode=prefer", {}, true},
  };
  for (const auto& [text, env, warns] : chosen) {
    SCOPED_TRACE(text);
    const scoped_env clean(clean_libpq_env());
    const scoped_env set(env);
    auto ci = pgpx::conninfo::parse(text);
    const auto before = ci.get("sslmode");
    EXPECT_EQ(pgpx::apply_tls_policy(ci).size(), warns ? 1u : 0u);
    EXPECT_EQ(ci.get("sslmode"), before);
  }
  fs::remove(service_file);
}

TEST(tls_policy, non_local_hosts_get_at_least_require_and_a_warning) {
  auto remote = pgpx::conninfo::parse("host=db.example.org dbname=app");
  auto w = pgpx::apply_tls_policy(remote);
  EXPECT_EQ(remote.get("sslmode"), "require");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("verify-full"), std::string::npos);

  auto explicit_ca = pgpx::conninfo::parse("host=db.example.org sslmode=verify-ca");
  EXPECT_EQ(pgpx::apply_tls_policy(explicit_ca).size(), 1u);
  EXPECT_EQ(explicit_ca.get("sslmode"), "verify-ca");

  auto full = pgpx::conninfo::parse("host=db.example.org sslmode=verify-full");
  EXPECT_TRUE(pgpx::apply_tls_policy(full).empty());

  for (const char* local : {"host=/tmp", "host=localhost", "host=127.0.0.1", "", "host=::1"}) {
    auto ci = pgpx::conninfo::parse(local);
    EXPECT_TRUE(pgpx::apply_tls_policy(ci).empty()) << local;
    EXPECT_FALSE(ci.has("sslmode")) << local;
  }
  auto mixed = pgpx::conninfo::parse("host=localhost,db.example.org");
  (void)pgpx::apply_tls_policy(mixed);
  EXPECT_EQ(mixed.get("sslmode"), "require");
}

}  // namespace
