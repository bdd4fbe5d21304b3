// Literal masking for logs and error excerpts, through libpg_query's scanner (the
// PostgreSQL 15 parser as a library): no lexer of pgpx's own.
#include <pgpx/sql_text.hpp>

#include <pgpx/detail/strings.hpp>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
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
    while (b < s.size() && detail::is_utf8_continuation(s[b])) ++b;
  }
  return b;
}

// 1-based character position of byte `b` in UTF-8 `s`.
auto char_of(std::string_view s, std::size_t b) noexcept -> int {
  return static_cast<int>(detail::utf8_length(s.substr(0, std::min(b, s.size())))) + 1;
}

// Reads up to `max` digits of base `base` at s[i...]; advances i.
auto read_number(std::string_view s, std::size_t& i, int base, int max) -> unsigned long {
  unsigned long v = 0;
  for (int n = 0; n < max && i < s.size(); ++n, ++i) {
    const char c = s[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0 || d >= base) break;
    v = v * static_cast<unsigned long>(base) + static_cast<unsigned long>(d);
  }
  return v;
}

// An escaped code point (at most U+10FFFF) appended as UTF-8.
void put_code_point(std::string& out, unsigned long cp) {
  detail::append_utf8(out, static_cast<std::uint32_t>(std::min(cp, 0x10FFFFUL)));
}

// The value of a literal token, as the server quotes it back in messages: delimiters gone,
// doubled quotes undone, and the escapes of E'...' and U&'...' decoded.
auto literal_value(std::string_view tok) -> std::string {
  std::size_t i = 0;
  while (i < tok.size() && tok[i] != '\'' && tok[i] != '$') ++i;  // E, B, X, N, U& prefixes
  if (i >= tok.size()) return std::string(tok);
  if (tok[i] == '$') {  // $tag$...$tag$
    const auto close = tok.find('$', i + 1);
    if (close == std::string_view::npos) return std::string(tok.substr(i));
    const auto tag_len = close - i + 1;
    if (tok.size() < close + 1 + tag_len) return std::string(tok.substr(close + 1));
    return std::string(tok.substr(close + 1, tok.size() - (close + 1) - tag_len));
  }
  const std::string_view prefix = tok.substr(0, i);
  const bool escapes = prefix == "E" || prefix == "e";
  const bool unicode = prefix == "U&" || prefix == "u&";
  std::string out;
  for (std::size_t k = i + 1; k < tok.size(); ++k) {
    char c = tok[k];
    if (c == '\'') {
      if (k + 1 < tok.size() && tok[k + 1] == '\'') {
        out.push_back('\'');
        ++k;
        continue;
      }
      break;
    }
    if (c == '\\' && k + 1 < tok.size() && (escapes || unicode)) {
      std::size_t j = k + 1;
      const char e = tok[j];
      if (unicode) {
        if (e == '\\') out.push_back('\\'), k = j;
        else if (e == '+') ++j, put_code_point(out, read_number(tok, j, 16, 6)), k = j - 1;
        else put_code_point(out, read_number(tok, j, 16, 4)), k = j - 1;
        continue;
      }
      switch (e) {
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'x': ++j, out.push_back(static_cast<char>(read_number(tok, j, 16, 2))), k = j - 1; continue;
        case 'u': ++j, put_code_point(out, read_number(tok, j, 16, 4)), k = j - 1; continue;
        case 'U': ++j, put_code_point(out, read_number(tok, j, 16, 8)), k = j - 1; continue;
        default:
          if (e >= '0' && e <= '7') {
            out.push_back(static_cast<char>(read_number(tok, j, 8, 3)));
            k = j - 1;
            continue;
          }
          out.push_back(e);
      }
      k = j;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// Runs of letters and digits of at least 6 bytes in a literal's value: what survives of a
// secret when the server quotes it back in another form (a decoded escape, a cut).
void add_runs(const std::string& value, std::vector<std::string>& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    const bool word = i < value.size() && (std::isalnum(static_cast<unsigned char>(value[i])) != 0 ||
                                           static_cast<unsigned char>(value[i]) >= 0x80);
    if (word) continue;
    if (i - start >= 6 && i - start < value.size()) out.push_back(value.substr(start, i - start));
    start = i + 1;
  }
}

struct token {
  std::size_t from, to;
  bool literal;
};

// Where a dollar quote starts inside an identifier token, or npos. PostgreSQL lets `$` continue
// an identifier, so a literal glued to a keyword (`PASSWORD$$...$$`, `PASSWORD$x$...$x$`)
// scans as one identifier; the server then quotes it back in its syntax error. Masking from
// the first `$tag$` keeps such a literal out of logs too.
auto glued_dollar_quote(std::string_view ident) -> std::size_t {
  for (std::size_t i = ident.find('$'); i != std::string_view::npos; i = ident.find('$', i + 1)) {
    std::size_t j = i + 1;
    while (j < ident.size() && ident[j] != '$' &&
           (std::isalnum(static_cast<unsigned char>(ident[j])) != 0 || ident[j] == '_' ||
            static_cast<unsigned char>(ident[j]) >= 0x80))
      ++j;
    if (j < ident.size() && ident[j] == '$' &&
        (j == i + 1 || std::isdigit(static_cast<unsigned char>(ident[i + 1])) == 0))
      return i;
  }
  return std::string_view::npos;
}

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
    auto from = static_cast<std::size_t>(std::max(0, t->start));
    const auto to = static_cast<std::size_t>(std::max(0, t->end));
    if (t->token == PG_QUERY__TOKEN__IDENT && to > from && to <= sql.size() && sql[from] != '"') {
      const auto at = glued_dollar_quote(std::string_view(sql).substr(from, to - from));
      if (at != std::string_view::npos) {
        out.push_back({from, from + at, false});
        out.push_back({from + at, to, true});
        continue;
      }
    }
    out.push_back({from, to, lit});
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

// Whether text can hold a string literal at all: a quote, or a dollar quote ($$ or $tag$,
// not a $1 parameter). Most statements pgpx sends have none and skip the scanner.
auto may_hold_literal(std::string_view sql) noexcept -> bool {
  for (std::size_t i = sql.find_first_of("'$"); i != std::string_view::npos; i = sql.find_first_of("'$", i + 1)) {
    if (sql[i] == '\'') return true;
    if (i + 1 < sql.size() && (sql[i + 1] < '0' || sql[i + 1] > '9')) return true;
  }
  return false;
}

}  // namespace

auto mask_literals(std::string_view sql) -> masked_statement {
  masked_statement m;
  m.original_.assign(sql);
  if (!may_hold_literal(sql)) {
    m.text_ = m.original_;
    return m;
  }
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
    auto v = literal_value(tok);
    add_runs(v, m.values_);
    if (!v.empty() && v != tok) m.values_.push_back(std::move(v));
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

auto scan_sql(std::string_view sql) -> std::vector<sql_token> {
  std::vector<sql_token> out;
  const std::string text(sql);
  PgQueryScanResult r = pg_query_scan(text.c_str());
  std::unique_ptr<PgQueryScanResult, void (*)(PgQueryScanResult*)> guard(
      &r, [](PgQueryScanResult* p) { pg_query_free_scan_result(*p); });
  if (r.error != nullptr) return out;
  PgQuery__ScanResult* s =
      pg_query__scan_result__unpack(nullptr, r.pbuf.len, reinterpret_cast<const std::uint8_t*>(r.pbuf.data));
  if (s == nullptr) return out;
  std::unique_ptr<PgQuery__ScanResult, void (*)(PgQuery__ScanResult*)> unpacked(
      s, [](PgQuery__ScanResult* p) { pg_query__scan_result__free_unpacked(p, nullptr); });
  constexpr std::string_view op_chars = "+-*/<>=~!@#%^&|`?:";
  for (std::size_t i = 0; i < s->n_tokens; ++i) {
    const auto* t = s->tokens[i];
    const auto from = static_cast<std::size_t>(std::max(0, t->start));
    const auto to = std::min(text.size(), static_cast<std::size_t>(std::max(t->start, t->end)));
    const std::string_view word(text.data() + from, to - from);
    sql_token k;
    switch (t->token) {
      case PG_QUERY__TOKEN__SQL_COMMENT:
      case PG_QUERY__TOKEN__C_COMMENT: continue;
      case PG_QUERY__TOKEN__SCONST:
      case PG_QUERY__TOKEN__USCONST:
      case PG_QUERY__TOKEN__BCONST:
      case PG_QUERY__TOKEN__XCONST: k.what = sql_token::kind::literal; break;
      case PG_QUERY__TOKEN__ICONST:
      case PG_QUERY__TOKEN__FCONST:
        k.what = sql_token::kind::number;
        k.text = word;
        break;
      case PG_QUERY__TOKEN__PARAM: {
        k.what = sql_token::kind::parameter;
        k.text = word;
        std::size_t j = 1;
        k.parameter = static_cast<std::size_t>(read_number(word, j, 10, 9));
        break;
      }
      case PG_QUERY__TOKEN__IDENT:
      case PG_QUERY__TOKEN__UIDENT:
        if (!word.empty() && (word.front() == '"' || word.substr(0, 2) == "U&" || word.substr(0, 2) == "u&")) {
          k.what = sql_token::kind::quoted_identifier;
          const auto q = word.find('"');
          for (std::size_t j = q + 1; j < word.size(); ++j) {
            if (word[j] == '"') {
              if (j + 1 < word.size() && word[j + 1] == '"') ++j;
              else break;
            }
            k.text.push_back(word[j]);
          }
          break;
        }
        [[fallthrough]];
      default:
        if (t->keyword_kind != PG_QUERY__KEYWORD_KIND__NO_KEYWORD || t->token == PG_QUERY__TOKEN__IDENT) {
          k.what = sql_token::kind::word;
          for (const char c : word) k.text.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        } else {
          k.text = word;
          k.what = !word.empty() && op_chars.find(word.front()) != std::string_view::npos ? sql_token::kind::op
                                                                                          : sql_token::kind::punct;
        }
    }
    out.push_back(std::move(k));
  }
  return out;
}

namespace {

// Maps a 1-based character position of text `from` onto text `to`, through the spans that
// replaced [span.*from_begin, span.*from_end) of `from` by [span.*to_begin, span.*to_end)
// of `to`: a position inside a span lands on the start of its counterpart.
template <class Span>
auto map_position(int pos, const std::string& from, const std::string& to, const std::vector<Span>& spans,
                  std::size_t Span::*from_begin, std::size_t Span::*from_end, std::size_t Span::*to_begin,
                  std::size_t Span::*to_end) noexcept -> int {
  if (pos <= 0) return pos;
  const std::size_t b = byte_of(from, pos);
  std::ptrdiff_t delta = 0;
  for (const auto& s : spans) {
    if (b < s.*from_begin) break;
    if (b < s.*from_end) return char_of(to, s.*to_begin);
    delta = static_cast<std::ptrdiff_t>(s.*to_end) - static_cast<std::ptrdiff_t>(s.*from_end);
  }
  return char_of(to, static_cast<std::size_t>(static_cast<std::ptrdiff_t>(b) + delta));
}

}  // namespace

auto masked_statement::position(int original) const noexcept -> int {
  return map_position(original, original_, text_, spans_, &span::from, &span::to, &span::masked_from, &span::masked_to);
}

auto masked_statement::original_position(int masked) const noexcept -> int {
  return map_position(masked, text_, original_, spans_, &span::masked_from, &span::masked_to, &span::from, &span::to);
}

auto masked_statement::scrub(std::string_view message) const -> std::string {
  // Case-insensitive: the server folds an unquoted identifier (a literal glued to a keyword
  // becomes part of one) to lower case before quoting it back.
  auto lower = [](std::string t) {
    for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t;
  };
  std::string out(message);
  std::string low = lower(out);
  for (const auto& v : values_) {
    if (v.empty()) continue;
    // Quoted as the server quotes values ("..."), any length; bare, only when long enough
    // not to hit ordinary words of the message.
    for (const std::string& needle : {"\"" + v + "\"", v.size() >= 4 ? v : std::string()}) {
      if (needle.empty()) continue;
      const std::string repl = needle.size() > v.size() ? "\"***\"" : "***";
      const std::string n = lower(needle);
      for (std::size_t p = low.find(n); p != std::string::npos; p = low.find(n, p + repl.size())) {
        out.replace(p, n.size(), repl);
        low.replace(p, n.size(), repl);
      }
    }
  }
  return out;
}

}  // namespace pgpx
