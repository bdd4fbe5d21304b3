#include "redaction.hpp"

#include <pgpx/config/conninfo.hpp>
#include <pgpx/detail/strings.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <streambuf>

namespace pgpx::cli {
namespace {

auto percent_decode(std::string_view s) -> std::string {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) != 0 &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2])) != 0) {
      out.push_back(static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

auto unquote(std::string_view v) -> std::string {
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front())
    return std::string(v.substr(1, v.size() - 2));
  return std::string(v);
}

// The secrets of one piece of text that may be a connection string, found three ways so that
// text libpq would reject (which is exactly what error messages quote) is covered too.
void secrets_of(std::string_view text, std::vector<std::string>& out) {
  // URL userinfo, read loosely: everything between "scheme://user:" and the last '@' before
  // whitespace, raw and percent-decoded.
  for (std::size_t p = text.find("://"); p != std::string_view::npos; p = text.find("://", p + 3)) {
    auto rest = text.substr(p + 3);
    rest = rest.substr(0, std::min(rest.size(), rest.find_first_of(" \t\n")));
    const auto at = rest.rfind('@');
    if (at == std::string_view::npos) continue;
    const auto userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) continue;
    const auto password = userinfo.substr(colon + 1);
    out.emplace_back(password);
    out.push_back(percent_decode(password));
  }
  // keyword=value pairs whose keyword names a secret (also in a URL query: ?password=...).
  std::size_t i = 0;
  while (i < text.size()) {
    const auto eq = text.find('=', i);
    if (eq == std::string_view::npos) break;
    std::size_t k = eq;
    while (k > 0 && text[k - 1] == ' ') --k;
    std::size_t start = k;
    while (start > 0 && (std::isalnum(static_cast<unsigned char>(text[start - 1])) != 0 || text[start - 1] == '_'))
      --start;
    std::size_t v = eq + 1;
    while (v < text.size() && text[v] == ' ') ++v;
    std::size_t end = v;
    if (v < text.size() && (text[v] == '\'' || text[v] == '"')) {
      const char q = text[v];
      end = v + 1;
      while (end < text.size() && text[end] != q) end += text[end] == '\\' ? 2 : 1;
      end = std::min(text.size(), end + 1);
    } else {
      while (end < text.size() && text[end] != ' ' && text[end] != '&' && text[end] != '\t' && text[end] != '\n') ++end;
    }
    if (is_secret_name(text.substr(start, k - start))) {
      const auto value = unquote(text.substr(v, end - v));
      out.push_back(value);
      out.push_back(percent_decode(value));
    }
    i = std::max(end, eq + 1);
  }
  // What libpq itself makes of it.
  if (auto ci = conninfo::try_parse(text)) {
    for (const auto& [key, value] : ci->params())
      if (is_secret_name(key)) out.push_back(value);
  }
}

struct redaction_state {
  std::vector<std::string> secrets;
};

auto state() -> redaction_state& {
  static auto* s = new redaction_state;  // never destroyed: used while flushing at exit
  return *s;
}

// Whether a progress line stands drawn on stderr (set_progress_line_drawn), and how it is erased.
std::atomic<bool> progress_drawn{false};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
constexpr std::string_view erase_line = "\r\033[K";

// Collects text and writes it redacted, a line at a time and on explicit flushes.
class redacting_buf final : public std::streambuf {
 public:
  explicit redacting_buf(std::streambuf* target) : target_(target) {}

 protected:
  auto overflow(int_type ch) -> int_type override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    pending_.push_back(traits_type::to_char_type(ch));
    if (ch == '\n') emit(false);
    return ch;
  }
  auto xsputn(const char* s, std::streamsize n) -> std::streamsize override {
    pending_.append(s, static_cast<std::size_t>(n));
    if (std::memchr(s, '\n', static_cast<std::size_t>(n)) != nullptr) emit(false);
    return n;
  }
  auto sync() -> int override {
    emit(true);
    return target_->pubsync();
  }

 private:
  // Writes the complete lines (and with `all`, the rest too).
  void emit(bool all) {
    const auto cut = all ? pending_.size() : pending_.rfind('\n') + 1;
    if (cut == 0) return;
    const auto text = redact_message(std::string_view(pending_).substr(0, cut), state().secrets);
    // A progress line draws itself starting with \r; anything else erases it first.
    if (progress_drawn.load() && !text.starts_with('\r')) {
      target_->sputn(erase_line.data(), static_cast<std::streamsize>(erase_line.size()));
      progress_drawn.store(false);
    }
    target_->sputn(text.data(), static_cast<std::streamsize>(text.size()));
    pending_.erase(0, cut);
    if (!all) target_->pubsync();
  }

  std::streambuf* target_;
  std::string pending_;
};

}  // namespace

auto collect_secrets(const std::vector<std::string>& args) -> std::vector<std::string> {
  std::vector<std::string> found;
  for (const auto& a : args) {
    secrets_of(a, found);
    // --url=..., -c=...: the value after the first '='.
    if (a.size() > 1 && a[0] == '-')
      if (const auto eq = a.find('='); eq != std::string::npos) secrets_of(std::string_view(a).substr(eq + 1), found);
  }
  for (const char* name : {"PGPX_DATABASE_URL", "DATABASE_URL"})
    if (const char* v = std::getenv(name); v != nullptr) secrets_of(v, found);
  if (const char* v = std::getenv("PGPASSWORD"); v != nullptr) found.emplace_back(v);
  std::erase_if(found, [](const std::string& s) { return s.size() < 3 || s == redacted_marker; });
  // Longest first, so that a secret containing another one is replaced whole.
  std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.size() > y.size(); });
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

auto redact_message(std::string_view text, const std::vector<std::string>& secrets) -> std::string {
  std::string out = redact(text);
  for (const auto& s : secrets) detail::replace_all(out, s, redacted_marker);
  return out;
}

void install_stderr_redaction(std::vector<std::string> secrets) {
  state().secrets = std::move(secrets);
  // Never destroyed: std::cerr is flushed through it after main() returns.
  static auto* err = new redacting_buf(std::cerr.rdbuf());
  static auto* log = new redacting_buf(std::clog.rdbuf());
  std::cerr.rdbuf(err);
  std::clog.rdbuf(log);
  // Buffered per line instead of per output operation, so that a message written in pieces
  // is redacted as a whole.
  std::cerr.unsetf(std::ios::unitbuf);
}

void set_progress_line_drawn(bool drawn) noexcept { progress_drawn.store(drawn); }

auto known_secrets() -> const std::vector<std::string>& { return state().secrets; }

}  // namespace pgpx::cli
