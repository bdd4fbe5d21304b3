// Private: what pgpx knows about TLS beyond libpq, shared by tls_policy.cpp (the policy),
// tls_diagnose.cpp and connection_impl.hpp (the messages of refused certificates).
#pragma once

#include <pgpx/core/deadline.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pgpx::detail {

/// Keyword/value pairs as libpq takes them.
using option_list = std::vector<std::pair<std::string, std::string>>;

/// libpq's final view of the options of a connection made with `params`: the keywords, then
/// the service file, the PG* variables and libpq's defaults. Reads files and the environment,
/// never the network. Empty when libpq cannot parse the options at all.
[[nodiscard]] auto libpq_view(const option_list& params) -> std::optional<option_list>;

/**
 * Why the server's certificate failed verification, in OpenSSL's words ("certificate has
 * expired", "unable to get local issuer certificate"...), or an empty string when it cannot
 * be told. libpq 15 only says "certificate verify failed"; this opens a second connection to
 * the one host in `params`, stops right after the TLS handshake (before the startup packet:
 * no user name, database or password is sent) and checks the server's chain against the CA
 * file libpq used. Bounded by `d`; never throws.
 */
[[nodiscard]] auto diagnose_certificate(const option_list& params, deadline d) noexcept -> std::string;

/// A hint for a TLS failure told by libpq's `message` and, when known, OpenSSL's `reason`;
/// an empty string when the failure is not about TLS.
[[nodiscard]] auto tls_hint(const std::string& message, const std::string& reason) -> std::string;

}  // namespace pgpx::detail
