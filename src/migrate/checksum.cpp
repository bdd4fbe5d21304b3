// Checksums of migration files: SHA-256 through OpenSSL's EVP interface, base64 by EVP too.
#include <pgpx/migrate/checksum.hpp>

#include <pgpx/error.hpp>

#include <openssl/evp.h>

#include <memory>

namespace pgpx::migrate {

auto normalise(std::string_view content) -> std::string {
  if (content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);
  std::string out;
  out.reserve(content.size());
  for (std::size_t i = 0; i < content.size(); ++i) {
    // CRLF becomes LF; a lone CR is content and stays.
    if (content[i] == '\r' && i + 1 < content.size() && content[i + 1] == '\n') continue;
    out.push_back(content[i]);
  }
  while (!out.empty()) {
    const char c = out.back();
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') break;
    out.pop_back();
  }
  return out;
}

auto sha256(std::string_view bytes) -> digest {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  digest d{};
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), d.data(), &len) != 1 || len != d.size())
    throw error(error_kind::migration, "SHA-256 failed in OpenSSL");
  return d;
}

auto to_base64(const digest& d) -> std::string {
  std::string out(44, '\0');  // 4 * ceil(32 / 3)
  // EVP_EncodeBlock writes a terminating NUL after the 44 characters.
  std::array<unsigned char, 45> buf{};
  const int n = EVP_EncodeBlock(buf.data(), d.data(), static_cast<int>(d.size()));
  out.assign(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
  return out;
}

auto checksum(std::string_view content) -> std::string { return "h1:" + to_base64(sha256(normalise(content))); }

}  // namespace pgpx::migrate
