// pgpx/migrate/checksum.hpp: the checksum of a migration file.
//
// A checksum is "h1:" + standard base64 of SHA-256 over the normalised content: a UTF-8 BOM
// stripped, CRLF turned into LF, trailing whitespace at the end of the file dropped. So a
// file checked out with CRLF line endings, or saved by an editor that adds a BOM or a final
// newline, keeps its checksum; any other change changes it.
//
//   pgpx::migrate::checksum("create table t (id int);\r\n")  // == checksum("create table t (id int);")
#pragma once

#include <pgpx/export.hpp>

#include <array>
#include <string>
#include <string_view>

namespace pgpx::migrate {

/// A raw SHA-256 digest.
using digest = std::array<unsigned char, 32>;

/// The content that checksums cover: no BOM, LF line ends, no trailing whitespace.
[[nodiscard]] PGPX_API auto normalise(std::string_view content) -> std::string;

/// SHA-256 of `bytes` as they are (OpenSSL EVP).
[[nodiscard]] PGPX_API auto sha256(std::string_view bytes) -> digest;

/// Standard base64 (with padding) of a digest: 44 characters.
[[nodiscard]] PGPX_API auto to_base64(const digest& d) -> std::string;

/// "h1:" + base64(SHA-256(normalise(content))).
[[nodiscard]] PGPX_API auto checksum(std::string_view content) -> std::string;

}  // namespace pgpx::migrate
