// Scenario 22 of spec/reliability.md: TLS modes against a server with certificates made by
// the test (two CAs, a right and a wrong host name, an expired certificate, a client
// certificate), SCRAM with channel binding, and secrets kept out of messages.
#include <pgpx/core/connection.hpp>
#include <pgpx/testing/cluster.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

void sh(const std::string& cmd) {
  ASSERT_EQ(std::system((cmd + " >/dev/null 2>&1").c_str()), 0) << cmd;
}

// Certificates made once for the whole test program.
class tls_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("pgpx-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const auto d = dir_.string();
    const std::string req = "openssl req -newkey rsa:2048 -nodes -keyout ";
    sh("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca1.key -out ca1.crt -days 2 -subj /CN=pgpx-ca1");
    sh("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca2.key -out ca2.crt -days 2 -subj /CN=pgpx-ca2");
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
  EXPECT_EQ(std::system(("openssl verify -CAfile " + d + "/ca1.crt " + d + "/expired.crt 2>&1 | grep -q expired").c_str()),
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
