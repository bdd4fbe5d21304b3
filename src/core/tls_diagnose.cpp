// Telling refused server certificates apart. libpq 15 reports every failed chain check as
// "certificate verify failed"; OpenSSL knows whether the certificate expired or comes from
// another CA, so pgpx asks it (see tls_impl.hpp).
#include <pgpx/core/engine/wait.hpp>
#include "tls_impl.hpp"

#include <libpq-fe.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

namespace pgpx::detail {
namespace {

auto get(const option_list& o, std::string_view key) -> std::string {
  for (const auto& [k, v] : o)
    if (k == key) return v;
  return {};
}

// OpenSSL's verdict on the chain the server presented, checked against `ca_file`.
auto verify_chain(SSL* ssl, const std::string& ca_file) -> std::string {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  X509* leaf = SSL_get1_peer_certificate(ssl);
#else
  X509* leaf = SSL_get_peer_certificate(ssl);
#endif
  if (leaf == nullptr) return {};
  const std::unique_ptr<X509, decltype(&X509_free)> leaf_owner(leaf, &X509_free);
  const std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  if (!store || X509_STORE_load_locations(store.get(), ca_file.c_str(), nullptr) != 1) return {};
  const std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf, SSL_get_peer_cert_chain(ssl)) != 1) return {};
  if (X509_verify_cert(ctx.get()) == 1) return {};
  const int code = X509_STORE_CTX_get_error(ctx.get());
  const char* text = X509_verify_cert_error_string(code);
  return text != nullptr ? text : std::string();
}

}  // namespace

auto diagnose_certificate(const option_list& params, deadline d) noexcept -> std::string {
  try {
    const auto view = libpq_view(params);
    if (!view) return {};
    std::string ca_file = get(*view, "sslrootcert");
    if (ca_file.empty()) {
      const char* home = std::getenv("HOME");
      if (home == nullptr) return {};
      ca_file = std::string(home) + "/.postgresql/root.crt";  // libpq's default
    }
    // The same host and port, TLS without verification (a root file that does not exist makes
    // sslmode=require check nothing), no client certificate, and no GSSAPI encryption.
    option_list probe;
    for (const auto& [k, v] : params) {
      if (k == "sslmode" || k == "sslrootcert" || k == "sslcrl" || k == "sslcrldir" || k == "sslcert" ||
          k == "sslkey" || k == "gssencmode" || k == "target_session_attrs" || k == "password")
        continue;
      probe.emplace_back(k, v);
    }
    probe.emplace_back("sslmode", "require");
    probe.emplace_back("gssencmode", "disable");
    for (const char* k : {"sslrootcert", "sslcert", "sslkey", "sslcrl"})
      probe.emplace_back(k, "/nonexistent/pgpx-diagnosis");
    std::vector<const char*> keys;
    std::vector<const char*> values;
    for (const auto& [k, v] : probe) {
      keys.push_back(k.c_str());
      values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    const std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectStartParams(keys.data(), values.data(), 0),
                                                         &PQfinish);
    if (c == nullptr || PQstatus(c.get()) == CONNECTION_BAD) return {};
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    for (;;) {
      // Stop as soon as the handshake is over, before libpq sends the startup packet.
      auto* ssl = PQsslInUse(c.get()) != 0 ? static_cast<SSL*>(PQsslStruct(c.get(), "OpenSSL")) : nullptr;
      if (ssl != nullptr && SSL_is_init_finished(ssl) != 0) return verify_chain(ssl, ca_file);
      if (st == PGRES_POLLING_FAILED || st == PGRES_POLLING_OK) return {};
      if (wait_socket(PQsocket(c.get()), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, d) == wait_outcome::timed_out)
        return {};
      st = PQconnectPoll(c.get());
    }
  } catch (...) {
    return {};
  }
}

auto tls_hint(const std::string& message, const std::string& reason) -> std::string {
  const auto has = [](const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; };
  if (has(message, "root certificate file") && has(message, "does not exist"))
    return "the CA file is missing: set sslrootcert to the certificate of the CA that signed the server's "
           "certificate (libpq looks for ~/.postgresql/root.crt when it is not set)";
  if (has(message, "could not read root certificate file"))
    return "the CA file cannot be read: sslrootcert must name a readable PEM file";
  if (has(message, "does not match host name"))
    return "the server's certificate does not name the host connected to: connect by a name the certificate lists, "
           "or have the certificate reissued for this name";
  if (!has(message, "certificate verify failed")) return {};
  if (has(reason, "expired"))
    return "the server's certificate has expired: the server needs a renewed certificate (its clock, or this "
           "machine's, may also be wrong)";
  if (has(reason, "not yet valid")) return "the server's certificate is not valid yet: check the clocks";
  if (has(reason, "issuer") || has(reason, "self-signed") || has(reason, "self signed") ||
      has(reason, "signature failure"))
    return "the server's certificate was not issued by the CA in sslrootcert (a wrong CA file, or a server "
           "that is not the expected one)";
  if (has(reason, "revoked")) return "the server's certificate was revoked (sslcrl)";
  return "the server's certificate was refused; check sslrootcert and the server's certificate";
}

}  // namespace pgpx::detail
