// pgpx/ext/pgcrypto.hpp: contrib's pgcrypto in the query builder: hashes, HMACs, password
// hashes and symmetric PGP encryption, computed by the server.
//
//   pgpx::update<account>()
//       .set(&account::password_hash, pgpx::pgcrypto::crypt(new_password, pgpx::pgcrypto::gen_salt("bf", 10)))
//       .where(pgpx::col(&account::id) == id).exec(cx);
//   auto ok = pgpx::select(pgpx::col(&account::password_hash) ==
//                          pgpx::pgcrypto::crypt(attempt, pgpx::col(&account::password_hash)))...
//
// Every argument is bound (keys and passwords travel as parameters, never in SQL text; they
// appear in query logs only as masked parameters when the logger masks them). Algorithm and
// cipher names are parameters too: a bad one is the server's error.
#pragma once

#include <pgpx/ext/builder_ops.hpp>
#include <pgpx/types/builtin.hpp>

#include <string>

namespace pgpx::pgcrypto {

/// `digest(data, type)`: md5, sha1, sha224, sha256, sha384, sha512.
template <class D>
[[nodiscard]] auto digest(const D& data, const std::string& type) {
  return ext::call<pgpx::bytea>("digest", data, type);
}
/// `hmac(data, key, type)`.
template <class D, class K>
[[nodiscard]] auto hmac(const D& data, const K& key, const std::string& type) {
  return ext::call<pgpx::bytea>("hmac", data, key, type);
}
/// `gen_salt(type)`: bf, md5, xdes, des.
[[nodiscard]] inline auto gen_salt(const std::string& type) { return ext::call<std::string>("gen_salt", type); }
/// `gen_salt(type, iterations)` (bf: 4..31, xdes: odd 1..16777215).
[[nodiscard]] inline auto gen_salt(const std::string& type, std::int32_t iterations) {
  return ext::call<std::string>("gen_salt", type, iterations);
}
/// `crypt(password, salt)`: a password hash; compare with `crypt(attempt, stored) = stored`.
template <class P, class S>
[[nodiscard]] auto crypt(const P& password, const S& salt) {
  return ext::call<std::string>("crypt", password, salt);
}
/// `pgp_sym_encrypt(data, password)`.
template <class D, class P>
[[nodiscard]] auto pgp_sym_encrypt(const D& data, const P& password) {
  return ext::call<pgpx::bytea>("pgp_sym_encrypt", data, password);
}
/// `pgp_sym_decrypt(message, password)`: the text (an error for a wrong password).
template <class M, class P>
[[nodiscard]] auto pgp_sym_decrypt(const M& message, const P& password) {
  return ext::call<std::string>("pgp_sym_decrypt", message, password);
}
/// `gen_random_bytes(count)` (1..1024).
[[nodiscard]] inline auto gen_random_bytes(std::int32_t count) {
  return ext::call<pgpx::bytea>("gen_random_bytes", count);
}

}  // namespace pgpx::pgcrypto
