// Literal masking for logs and error excerpts, through libpg_query's scanner (the
// PostgreSQL 15 parser as a library): no lexer of pgpx's own.
#include <pgpx/sql_text.hpp>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

namespace pgpx {

namespace {

constexpr std::string_view mask = "'***'";

// Byte offset of the 1-based character position `pos` in UTF-8 `s` (clamped to its size).
auto byte_of(std::string_view s, int pos) noexcept -> std::size_t {
  std::size_t b = 0;
  for (int c = 1; c < pos && b < s.size(); ++c) {
    ++b;
    while (b < s.size() && (static_cast<unsigned char>(s[b]) & 0xC0U) == 0x80U) ++b;
  }
  return b;
}

// 1-based character position of byte `b` in UTF-8 `s`.
auto char_of(std::string_view s, std::size_t b) noexcept -> int {
  int c = 1;
  for (std::size_t i = 0; i < b && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0U) != 0x80U && i != 0) ++c;
  return b == 0 ? 1 : c;
}

// The value inside a literal token, as the server quotes it in messages: without the
// delimiters, with doubled quotes undone.
auto literal_content(std::string_view tok) -> std::string {
  std::size_t i = 0;
  while (i < tok.size() && tok[i] != '\'' && tok[i] != '$') ++i;  // E, B, X, N, U& prefixes
  if (i >= tok.size()) return std::string(tok);
  if (tok[i] == '$') {  // $tag$...$tag$
    const auto close = tok.find('$', i + 1);
    if (close == std::string_view::npos) return std::string(tok.substr(i));
    const auto tag_len = close - i + 1;
    if (tok.size() < i + 2 * tag_len) return std::string(tok.substr(close + 1));
    return std::string(tok.substr(close + 1, tok.size() - (close + 1) - tag_len));
  }
  std::string out;
  for (std::size_t k = i + 1; k < tok.size(); ++k) {
    if (tok[k] == '\'') {
      if (k + 1 < tok.size() && tok[k + 1] == '\'') {
        out.push_back('\'');
        ++k;
        continue;
      }
      break;
    }
    out.push_back(tok[k]);
  }
  return out;
}

struct token {
  std::size_t from, to;
  bool literal;
};

// The tokens of `sql`, or false when it does not scan (then `error_at` is the byte where
// scanning failed).
auto scan(const std::string& sql, std::vector<token>& out, std::size_t& error_at) -> bool {
  PgQueryScanResult r = pg_query_scan(sql.c_str());
  std::unique_ptr<PgQueryScanResult, void (*)(PgQueryScanResult*)> guard(
      &r, [](PgQueryScanResult* p) { pg_query_free_scan_result(*p); });
  if (r.error != nullptr) {
    error_at = r.error->cursorpos > 0 ? byte_of(sql, r.error->cursorpos) : 0;
    return false;
  }
  PgQuery__ScanResult* s =
      pg_query__scan_result__unpack(nullptr, r.pbuf.len, reinterpret_cast<const std::uint8_t*>(r.pbuf.data));
  if (s == nullptr) {
    error_at = 0;
    return false;
  }
  for (std::size_t i = 0; i < s->n_tokens; ++i) {
    const auto* t = s->tokens[i];
    const bool lit = t->token == PG_QUERY__TOKEN__SCONST || t->token == PG_QUERY__TOKEN__USCONST ||
                     t->token == PG_QUERY__TOKEN__BCONST || t->token == PG_QUERY__TOKEN__XCONST;
    out.push_back({static_cast<std::size_t>(std::max(0, t->start)), static_cast<std::size_t>(std::max(0, t->end)), lit});
  }
  pg_query__scan_result__free_unpacked(s, nullptr);
  // libpg_query reports no end for some tokens (U&'...'): such a literal reaches the next
  // token, less the blanks before it.
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& t = out[i];
    if (t.to > t.from && t.to <= sql.size()) continue;
    std::size_t end = i + 1 < out.size() ? out[i + 1].from : sql.size();
    while (end > t.from && std::isspace(static_cast<unsigned char>(sql[end - 1])) != 0) --end;
    t.to = std::max(end, std::min(t.from + 1, sql.size()));
  }
  return true;
}

}  // namespace

auto mask_literals(std::string_view sql) -> masked_statement {
  masked_statement m;
  m.original_.assign(sql);
  const std::string& src = m.original_;
  std::vector<token> toks;
  std::size_t error_at = src.size();
  bool scanned = false;
  try {
    scanned = scan(src, toks, error_at);
    if (!scanned) {
      // Keep what scans before the failure, mask the rest.
      toks.clear();
      std::size_t ignored = 0;
      if (error_at > 0 && !scan(src.substr(0, error_at), toks, ignored)) toks.clear();
      if (toks.empty()) error_at = 0;
    }
  } catch (...) {
    toks.clear();
    error_at = 0;
    scanned = false;
  }
  std::size_t at = 0;
  auto add_mask = [&](std::size_t from, std::size_t to) {
    m.text_.append(src, at, from - at);
    const std::size_t mf = m.text_.size();
    m.text_.append(mask);
    m.spans_.push_back({from, to, mf, m.text_.size()});
    const std::string_view tok(src.data() + from, to - from);
    m.values_.emplace_back(tok);
    if (auto c = literal_content(tok); !c.empty() && c != tok) m.values_.push_back(std::move(c));
    at = to;
  };
  for (const auto& t : toks)
    if (t.literal && t.from >= at && t.to <= src.size()) add_mask(t.from, t.to);
  if (!scanned) {
    if (error_at < at) error_at = at;
    if (error_at < src.size()) add_mask(error_at, src.size());
  }
  m.text_.append(src, at, std::string::npos);
  // Longer values first, so that a value containing another is removed whole.
  std::sort(m.values_.begin(), m.values_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return m;
}

auto masked_statement::position(int original) const noexcept -> int {
  if (original <= 0) return original;
  const std::size_t b = byte_of(original_, original);
  std::ptrdiff_t delta = 0;
  for (const auto& s : spans_) {
    if (b < s.from) break;
    if (b < s.to) return char_of(text_, s.masked_from);
    delta = static_cast<std::ptrdiff_t>(s.masked_to) - static_cast<std::ptrdiff_t>(s.to);
  }
  return char_of(text_, static_cast<std::size_t>(static_cast<std::ptrdiff_t>(b) + delta));
}

auto masked_statement::original_position(int masked) const noexcept -> int {
  if (masked <= 0) return masked;
  const std::size_t b = byte_of(text_, masked);
  std::ptrdiff_t delta = 0;
  for (const auto& s : spans_) {
    if (b < s.masked_from) break;
    if (b < s.masked_to) return char_of(original_, s.from);
    delta = static_cast<std::ptrdiff_t>(s.to) - static_cast<std::ptrdiff_t>(s.masked_to);
  }
  return char_of(original_, static_cast<std::size_t>(static_cast<std::ptrdiff_t>(b) + delta));
}

auto masked_statement::scrub(std::string_view message) const -> std::string {
  std::string out(message);
  for (const auto& v : values_) {
    if (v.empty()) continue;
    // Quoted as the server quotes values ("..."), any length; bare, only when long enough
    // not to hit ordinary words of the message.
    for (const std::string& needle : {"\"" + v + "\"", v.size() >= 4 ? v : std::string()}) {
      if (needle.empty()) continue;
      const std::string repl = needle.front() == '"' && needle.size() > v.size() ? "\"***\"" : "***";
      for (std::size_t p = out.find(needle); p != std::string::npos; p = out.find(needle, p + repl.size()))
        out.replace(p, needle.size(), repl);
    }
  }
  return out;
}

}  // namespace pgpx
