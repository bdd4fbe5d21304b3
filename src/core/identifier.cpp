#include <pgpx/core/identifier.hpp>

#include <pgpx/error.hpp>

namespace pgpx {
namespace {

auto valid_utf8(std::string_view s) noexcept -> bool {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80) n = 0;
    else if ((c & 0xE0) == 0xC0 && c >= 0xC2) n = 1;
    else if ((c & 0xF0) == 0xE0) n = 2;
    else if ((c & 0xF8) == 0xF0 && c <= 0xF4) n = 3;
    else return false;
    if (i + n >= s.size() && n > 0) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

auto quote_identifier(std::string_view name) -> std::string {
  if (name.empty()) throw usage_error("an identifier cannot be empty");
  if (name.find('\0') != std::string_view::npos) throw usage_error("an identifier cannot contain a NUL byte");
  if (name.size() > max_identifier_length)
    throw usage_error("identifier is " + std::to_string(name.size()) + " bytes long; PostgreSQL keeps at most " +
                      std::to_string(max_identifier_length));
  if (!valid_utf8(name)) throw usage_error("an identifier must be valid UTF-8");
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

auto quote_qualified(std::initializer_list<std::string_view> parts) -> std::string {
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out.push_back('.');
    out += quote_identifier(p);
  }
  if (out.empty()) throw usage_error("a qualified name needs at least one part");
  return out;
}

}  // namespace pgpx
