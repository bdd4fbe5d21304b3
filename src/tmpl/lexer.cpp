// The template lexer: literal text and tags, with Jinja's whitespace control.
#include "lexer_impl.hpp"

#include <pgpx/detail/strings.hpp>

#include <charconv>
#include <cstring>
#include <limits>
#include <string_view>

namespace pgpx::tmpl::detail {
namespace {

auto is_space(char c) noexcept -> bool {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
auto is_name_start(char c) noexcept -> bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
auto is_name_char(char c) noexcept -> bool { return is_name_start(c) || (c >= '0' && c <= '9'); }
auto is_digit(char c) noexcept -> bool { return c >= '0' && c <= '9'; }

auto hex_value(char c) noexcept -> int {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The operators, longest first where one is a prefix of another.
constexpr std::string_view operators[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
                                          ">",  "=",  "(",  ")",  "[",  "]",  "{", "}", ",", ".", ":", "|"};

class lexer {
 public:
  lexer(const source_text& src, const syntax_options& syn) : src_(src), syn_(syn), s_(src.text) {
    if (syn_.variable_start.empty() || syn_.variable_end.empty() || syn_.block_start.empty() ||
        syn_.block_end.empty() || syn_.comment_start.empty() || syn_.comment_end.empty())
      fail(errc::syntax, "template delimiters cannot be empty", src_, 0);
    // Jinja drops a single trailing newline unless told to keep it.
    if (!syn_.keep_trailing_newline) {
      if (s_.size() >= 2 && s_.substr(s_.size() - 2) == "\r\n") s_.remove_suffix(2);
      else if (!s_.empty() && s_.back() == '\n') s_.remove_suffix(1);
    }
  }

  auto run() -> lex_result {
    std::size_t pos = 0;
    while (pos < s_.size()) {
      // The earliest start delimiter; the longest one on a tie.
      std::size_t best = std::string_view::npos;
      int which = -1;  // 0 variable, 1 block, 2 comment
      const std::string* starts[3] = {&syn_.variable_start, &syn_.block_start, &syn_.comment_start};
      for (int i = 0; i < 3; ++i) {
        const auto at = s_.find(*starts[i], pos);
        if (at == std::string_view::npos) continue;
        if (at < best || (at == best && starts[i]->size() > starts[which]->size())) {
          best = at;
          which = i;
        }
      }
      if (which < 0) {
        add_data(pos, s_.size());
        break;
      }
      const std::size_t open_len = starts[which]->size();
      const char marker = best + open_len < s_.size() ? s_[best + open_len] : '\0';
      std::size_t data_end = best;
      if (marker == '-') {
        while (data_end > pos && is_space(s_[data_end - 1])) --data_end;
      } else if (syn_.lstrip_blocks && which != 0 && marker != '+') {
        std::size_t k = data_end;
        while (k > pos && (s_[k - 1] == ' ' || s_[k - 1] == '\t')) --k;
        const bool at_line_start = (k == 0) || s_[k - 1] == '\n' || (k == pos && !last_was_tag_ && pos == 0);
        if (at_line_start) data_end = k;
      }
      add_data(pos, data_end);
      std::size_t inner = best + open_len + ((marker == '-' || marker == '+') ? 1 : 0);
      if (which == 2) {
        pos = comment(best, inner);
      } else if (which == 1 && is_raw(inner)) {
        pos = raw(best, inner);
      } else {
        pos = tag(best, inner, which == 0);
      }
    }
    tokens_.push_back(token{tok::eof, s_.size(), s_.size(), {}, 0, 0});
    return lex_result{std::move(tokens_), std::move(header_)};
  }

 private:
  void add_data(std::size_t from, std::size_t to) {
    if (strip_next_) {
      while (from < to && is_space(s_[from])) ++from;
      strip_next_ = false;
    }
    if (trim_newline_next_) {
      trim_newline_next_ = false;
      if (from < to && s_[from] == '\n') ++from;
      else if (from + 1 < to && s_[from] == '\r' && s_[from + 1] == '\n') from += 2;
    }
    if (from >= to) return;
    for (std::size_t i = from; i < to; ++i)
      if (!is_space(s_[i])) seen_content_ = true;
    tokens_.push_back(token{tok::data, from, to, std::string(s_.substr(from, to - from)), 0, 0});
  }

  // After a closing delimiter: `-` strips following white space; trim_blocks drops a newline.
  void after_close(char marker, bool is_block) {
    last_was_tag_ = true;
    if (marker == '-') strip_next_ = true;
    else if (is_block && syn_.trim_blocks && marker != '+') trim_newline_next_ = true;
  }

  auto comment(std::size_t open, std::size_t inner) -> std::size_t {
    const auto close = s_.find(syn_.comment_end, inner);
    if (close == std::string_view::npos) fail(errc::syntax, "unclosed comment", src_, open, inner);
    std::size_t content_end = close;
    char marker = '\0';
    if (close > inner && (s_[close - 1] == '-' || s_[close - 1] == '+')) {
      marker = s_[close - 1];
      content_end = close - 1;
    }
    // The first comment, before any other content, may be the declaration header.
    if (!seen_content_ && !header_) {
      std::size_t k = inner;
      while (k < content_end && is_space(s_[k])) ++k;
      if (s_.substr(k, 4) == "pgpx" && (k + 4 == content_end || is_space(s_[k + 4]))) {
        header_ = header_text{std::string(s_.substr(k + 4, content_end - k - 4)), k + 4};
      }
    }
    seen_content_ = true;
    after_close(marker, true);
    return close + syn_.comment_end.size();
  }

  [[nodiscard]] auto is_raw(std::size_t inner) const -> bool {
    std::size_t k = inner;
    while (k < s_.size() && is_space(s_[k])) ++k;
    if (s_.substr(k, 3) != "raw") return false;
    k += 3;
    if (k < s_.size() && is_name_char(s_[k])) return false;
    while (k < s_.size() && is_space(s_[k])) ++k;
    if (k < s_.size() && (s_[k] == '-' || s_[k] == '+')) ++k;
    return s_.substr(k, syn_.block_end.size()) == syn_.block_end;
  }

  auto raw(std::size_t open, std::size_t inner) -> std::size_t {
    seen_content_ = true;
    // Skip to the end of {% raw %}.
    std::size_t k = inner;
    while (is_space(s_[k])) ++k;
    k += 3;
    while (is_space(s_[k])) ++k;
    char open_marker = '\0';
    if (s_[k] == '-' || s_[k] == '+') open_marker = s_[k++];
    std::size_t body_start = k + syn_.block_end.size();
    if (open_marker == '-') {
      while (body_start < s_.size() && is_space(s_[body_start])) ++body_start;
    } else if (syn_.trim_blocks && open_marker != '+') {
      if (body_start < s_.size() && s_[body_start] == '\n') ++body_start;
    }
    // Find {% endraw %}, with optional whitespace control on either side.
    std::size_t search = body_start;
    for (;;) {
      const auto at = s_.find(syn_.block_start, search);
      if (at == std::string_view::npos)
        fail(errc::syntax, "unclosed raw block: expected {% endraw %}", src_, open, inner);
      std::size_t j = at + syn_.block_start.size();
      char m1 = '\0';
      if (j < s_.size() && (s_[j] == '-' || s_[j] == '+')) m1 = s_[j++];
      while (j < s_.size() && is_space(s_[j])) ++j;
      if (s_.substr(j, 6) == "endraw" && (j + 6 >= s_.size() || !is_name_char(s_[j + 6]))) {
        j += 6;
        while (j < s_.size() && is_space(s_[j])) ++j;
        char m2 = '\0';
        if (j < s_.size() && (s_[j] == '-' || s_[j] == '+')) m2 = s_[j++];
        if (s_.substr(j, syn_.block_end.size()) == syn_.block_end) {
          std::size_t body_end = at;
          if (m1 == '-')
            while (body_end > body_start && is_space(s_[body_end - 1])) --body_end;
          if (body_end > body_start)
            tokens_.push_back(token{tok::data, body_start, body_end,
                                    std::string(s_.substr(body_start, body_end - body_start)), 0, 0});
          after_close(m2, true);
          return j + syn_.block_end.size();
        }
      }
      search = at + 1;
    }
  }

  auto tag(std::size_t open, std::size_t inner, bool is_var) -> std::size_t {
    seen_content_ = true;
    const std::string& close = is_var ? syn_.variable_end : syn_.block_end;
    tokens_.push_back(token{is_var ? tok::var_begin : tok::block_begin, open, inner, {}, 0, 0});
    std::size_t p = inner;
    int depth = 0;
    for (;;) {
      while (p < s_.size() && is_space(s_[p])) ++p;
      if (p >= s_.size())
        fail(errc::syntax, std::string("unclosed ") + (is_var ? "expression" : "statement") + ": expected " + close,
             src_, open, inner);
      if (depth == 0) {
        char marker = '\0';
        std::size_t q = p;
        if ((s_[q] == '-' || s_[q] == '+') && s_.substr(q + 1, close.size()) == close) marker = s_[q++];
        if (s_.substr(q, close.size()) == close) {
          tokens_.push_back(token{is_var ? tok::var_end : tok::block_end, p, q + close.size(), {}, 0, 0});
          after_close(marker, !is_var);
          return q + close.size();
        }
      }
      const char c = s_[p];
      if (is_name_start(c)) {
        std::size_t q = p;
        while (q < s_.size() && is_name_char(s_[q])) ++q;
        tokens_.push_back(token{tok::name, p, q, std::string(s_.substr(p, q - p)), 0, 0});
        p = q;
      } else if (is_digit(c)) {
        p = number(p);
      } else if (c == '\'' || c == '"') {
        p = string(p);
      } else {
        std::string_view op;
        for (auto o : operators)
          if (s_.substr(p, o.size()) == o) {
            op = o;
            break;
          }
        if (op.empty()) {
          std::string shown(1, c);
          if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) shown = "\\x" + hex(c);
          fail(errc::syntax, "unexpected character '" + shown + "'", src_, p, p + 1);
        }
        if (op == "(" || op == "[" || op == "{") ++depth;
        if ((op == ")" || op == "]" || op == "}") && depth > 0) --depth;
        tokens_.push_back(token{tok::op, p, p + op.size(), std::string(op), 0, 0});
        p += op.size();
      }
    }
  }

  static auto hex(char c) -> std::string {
    static constexpr char digits[] = "0123456789abcdef";
    const auto u = static_cast<unsigned char>(c);
    return {digits[u >> 4], digits[u & 15]};
  }

  auto number(std::size_t p) -> std::size_t {
    const std::size_t start = p;
    std::string digits;
    auto take_digits = [&] {
      bool any = false;
      while (p < s_.size() && (is_digit(s_[p]) || (s_[p] == '_' && any && p + 1 < s_.size() && is_digit(s_[p + 1])))) {
        if (s_[p] != '_') digits.push_back(s_[p]);
        any = true;
        ++p;
      }
      return any;
    };
    take_digits();
    bool is_float = false;
    if (p + 1 < s_.size() && s_[p] == '.' && is_digit(s_[p + 1])) {
      is_float = true;
      digits.push_back('.');
      ++p;
      take_digits();
    }
    if (p < s_.size() && (s_[p] == 'e' || s_[p] == 'E')) {
      std::size_t q = p + 1;
      if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
      if (q < s_.size() && is_digit(s_[q])) {
        is_float = true;
        digits.push_back('e');
        if (s_[p + 1] == '-') digits.push_back('-');
        p = q;
        take_digits();
      }
    }
    if (p < s_.size() && is_name_char(s_[p])) fail(errc::syntax, "malformed number", src_, start, p + 1);
    token t{is_float ? tok::floating : tok::integer, start, p, digits, 0, 0};
    if (is_float) {
      const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), t.fval);
      if (r.ec != std::errc()) fail(errc::syntax, "number out of range", src_, start, p);
    } else {
      const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), t.ival);
      if (r.ec != std::errc()) fail(errc::syntax, "integer out of the 64-bit range", src_, start, p);
    }
    tokens_.push_back(std::move(t));
    return p;
  }

  auto string(std::size_t p) -> std::size_t {
    const std::size_t start = p;
    const char quote = s_[p++];
    std::string out;
    for (;;) {
      if (p >= s_.size()) fail(errc::syntax, "unclosed string literal", src_, start, start + 1);
      const char c = s_[p];
      if (c == quote) {
        ++p;
        break;
      }
      if (c == '\\' && p + 1 < s_.size()) {
        const char e = s_[p + 1];
        p += 2;
        switch (e) {
          case 'n': out.push_back('\n'); break;
          case 't': out.push_back('\t'); break;
          case 'r': out.push_back('\r'); break;
          case '\\': out.push_back('\\'); break;
          case '\'': out.push_back('\''); break;
          case '"': out.push_back('"'); break;
          case '\n': break;  // line continuation
          case 'x':
          case 'u':
          case 'U': {
            const int n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
            std::uint32_t cp = 0;
            for (int i = 0; i < n; ++i) {
              const int h = p < s_.size() ? hex_value(s_[p]) : -1;
              if (h < 0) fail(errc::syntax, "malformed \\" + std::string(1, e) + " escape", src_, p - 2, p);
              cp = cp * 16 + static_cast<std::uint32_t>(h);
              ++p;
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
              fail(errc::syntax, "escape is not a Unicode scalar value", src_, p - static_cast<std::size_t>(n) - 2, p);
            pgpx::detail::append_utf8(out, cp);
            break;
          }
          default:  // Python keeps unknown escapes as written
            out.push_back('\\');
            out.push_back(e);
        }
        continue;
      }
      out.push_back(c);
      ++p;
    }
    tokens_.push_back(token{tok::string, start, p, std::move(out), 0, 0});
    return p;
  }

  const source_text& src_;
  const syntax_options& syn_;
  std::string_view s_;
  std::vector<token> tokens_;
  std::optional<header_text> header_;
  bool strip_next_ = false;
  bool trim_newline_next_ = false;
  bool seen_content_ = false;
  bool last_was_tag_ = false;
};

}  // namespace

auto lex(const source_text& src, const syntax_options& syntax) -> lex_result { return lexer(src, syntax).run(); }

}  // namespace pgpx::tmpl::detail
