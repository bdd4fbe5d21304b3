#include <pgpx/core/identifier.hpp>

#include <pgpx/error.hpp>
#include <pgpx/types/convert.hpp>

namespace pgpx {
namespace {

// One UTF-8 rule for pgpx (pgpx/types/convert.hpp): no overlong forms, no surrogates, nothing
// above U+10FFFF.
auto valid_utf8(std::string_view s) noexcept -> bool { return detail::invalid_utf8_at(s) == std::string_view::npos; }

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

auto quote_literal(std::string_view text) -> std::string {
  if (text.find('\0') != std::string_view::npos) throw usage_error("a SQL literal cannot contain a NUL byte");
  if (!valid_utf8(text)) throw usage_error("a SQL literal must be valid UTF-8");
  const bool backslash = text.find('\\') != std::string_view::npos;
  std::string out;
  out.reserve(text.size() + 3);
  if (backslash) out.push_back('E');
  out.push_back('\'');
  for (char c : text) {
    if (c == '\'' || (backslash && c == '\\')) out.push_back(c);
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace pgpx
