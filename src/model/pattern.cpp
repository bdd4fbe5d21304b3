// pgpx::pattern's matcher: the subset of regular expressions (validate.hpp's pattern_scanner)
// compiled to a Thompson NFA over code points and run without backtracking, with the
// semantics of PostgreSQL's `~` (a match anywhere unless anchored; `.` matches newlines).
#include <pgpx/error.hpp>
#include <pgpx/model/validate.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx::detail {

namespace {

// The parsed pattern.
struct node {
  enum class type : std::uint8_t { chars, any, begin, end, concat, alt, repeat };
  type t = type::concat;
  bool negated = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;
  std::vector<node> kids;
  std::size_t min = 0, max = 0;
  bool unbounded = false;
};

// Recursive descent over a pattern the scanner accepted (so it never meets a fault).
class parser {
 public:
  explicit parser(std::string_view p) : p_(p) {}
  auto parse() -> node { return alternation(); }

 private:
  [[nodiscard]] auto more() const -> bool { return i_ < p_.size(); }
  auto code_point() -> char32_t {
    char32_t cp = 0;
    const std::size_t n = utf8_at(p_, i_, cp);
    i_ += n == 0 ? 1 : n;
    return cp;
  }
  auto alternation() -> node {
    node first = concat();
    if (!more() || p_[i_] != '|') return first;
    node alt;
    alt.t = node::type::alt;
    alt.kids.push_back(std::move(first));
    while (more() && p_[i_] == '|') {
      ++i_;
      alt.kids.push_back(concat());
    }
    return alt;
  }
  auto concat() -> node {
    node c;
    c.t = node::type::concat;
    while (more() && p_[i_] != '|' && p_[i_] != ')') c.kids.push_back(repeat());
    return c;
  }
  auto number() -> std::size_t {
    std::size_t n = 0;
    while (more() && p_[i_] >= '0' && p_[i_] <= '9') n = n * 10 + static_cast<std::size_t>(p_[i_++] - '0');
    return n;
  }
  auto repeat() -> node {
    node a = atom();
    if (!more()) return a;
    node r;
    r.t = node::type::repeat;
    switch (p_[i_]) {
      case '?': r.max = 1; break;
      case '*': r.unbounded = true; break;
      case '+':
        r.min = 1;
        r.unbounded = true;
        break;
      case '{':
        ++i_;
        r.min = r.max = number();
        if (p_[i_] == ',') {
          ++i_;
          if (p_[i_] == '}') r.unbounded = true;
          else r.max = number();
        }
        break;  // i_ is on the `}`
      default: return a;
    }
    ++i_;
    r.kids.push_back(std::move(a));
    return r;
  }
  auto atom() -> node {
    node a;
    const char c = p_[i_];
    if (c == '(') {
      ++i_;
      if (p_[i_] == '?') i_ += 2;  // (?:
      a = alternation();
      ++i_;  // )
      return a;
    }
    if (c == '[') return bracket();
    if (c == '.' || c == '^' || c == '$') {
      ++i_;
      a.t = c == '.' ? node::type::any : c == '^' ? node::type::begin : node::type::end;
      return a;
    }
    if (c == '\\') ++i_;  // a special character taken literally
    a.t = node::type::chars;
    const char32_t cp = code_point();
    a.ranges.emplace_back(cp, cp);
    return a;
  }
  auto bracket() -> node {
    node a;
    a.t = node::type::chars;
    ++i_;
    if (p_[i_] == '^') {
      a.negated = true;
      ++i_;
    }
    bool first = true;
    while (first || p_[i_] != ']') {
      first = false;
      const char32_t lo = code_point();
      char32_t hi = lo;
      if (lo != U'-' && i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        hi = code_point();
      }
      a.ranges.emplace_back(lo, hi);
    }
    ++i_;
    return a;
  }
  std::string_view p_;
  std::size_t i_ = 0;
};

}  // namespace

// Builds the NFA backwards: each node is compiled knowing the state that follows it.
class pattern_compiler {
 public:
  using state = pattern_program::state;
  explicit pattern_compiler(pattern_program& prog) : prog_(prog) {}
  auto add(state s) -> std::size_t {
    prog_.states_.push_back(std::move(s));
    return prog_.states_.size() - 1;
  }
  auto split(std::size_t a, std::size_t b) -> std::size_t {
    state s;
    s.k = state::kind::split;
    s.out = a;
    s.out2 = b;
    return add(std::move(s));
  }
  auto compile(const node& n, std::size_t next) -> std::size_t {
    switch (n.t) {
      case node::type::chars:
      case node::type::any:
      case node::type::begin:
      case node::type::end: {
        state s;
        s.k = n.t == node::type::chars   ? state::kind::chars
              : n.t == node::type::any   ? state::kind::any
              : n.t == node::type::begin ? state::kind::begin
                                         : state::kind::end;
        s.negated = n.negated;
        s.ranges = n.ranges;
        s.out = next;
        return add(std::move(s));
      }
      case node::type::concat:
        for (auto it = n.kids.rbegin(); it != n.kids.rend(); ++it) next = compile(*it, next);
        return next;
      case node::type::alt: {
        std::size_t s = compile(n.kids.back(), next);
        for (std::size_t k = n.kids.size() - 1; k-- > 0;) s = split(compile(n.kids[k], next), s);
        return s;
      }
      case node::type::repeat: {
        const node& x = n.kids.front();
        std::size_t r = next;
        if (n.unbounded) {  // x*: a fork to x (which comes back to it) or on
          const std::size_t fork = split(0, next);
          const std::size_t body = compile(x, fork);
          prog_.states_[fork].out = body;
          r = fork;
        } else {  // up to max - min optional copies, nested: (x(x)?)?
          for (std::size_t k = n.min; k < n.max; ++k) r = split(compile(x, r), next);
        }
        for (std::size_t k = 0; k < n.min; ++k) r = compile(x, r);
        return r;
      }
    }
    return next;
  }

 private:
  pattern_program& prog_;
};

pattern_program::pattern_program(std::string_view pattern) {
  if (scan_pattern(pattern).fault != pattern_fault::none)
    throw usage_error("pgpx::pattern: the pattern is outside the subset C++ and PostgreSQL read the same way");
  const node root = parser(pattern).parse();
  pattern_compiler c(*this);
  state match;
  match.k = state::kind::match;
  const std::size_t end = c.add(std::move(match));
  start_ = c.compile(root, end);
}

auto pattern_program::search(std::string_view text) const -> std::optional<bool> {
  std::vector<char32_t> cps;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8_at(text, i, cp);
    if (n == 0) return std::nullopt;
    cps.push_back(cp);
    i += n;
  }
  const std::size_t len = cps.size();
  std::vector<std::size_t> mark(states_.size(), 0);  // the position + 1 a state was last added at
  std::vector<std::size_t> cur, nxt, stack;
  bool matched = false;
  // Adds `s` and what it reaches without consuming, at position `pos`.
  auto add = [&](std::vector<std::size_t>& list, std::size_t s, std::size_t pos) {
    stack.push_back(s);
    while (!stack.empty()) {
      const std::size_t t = stack.back();
      stack.pop_back();
      if (mark[t] == pos + 1) continue;
      mark[t] = pos + 1;
      const state& st = states_[t];
      switch (st.k) {
        case state::kind::split:
          stack.push_back(st.out2);
          stack.push_back(st.out);
          break;
        case state::kind::begin:
          if (pos == 0) stack.push_back(st.out);
          break;
        case state::kind::end:
          if (pos == len) stack.push_back(st.out);
          break;
        case state::kind::match: matched = true; break;
        default: list.push_back(t);
      }
    }
  };
  for (std::size_t pos = 0;; ++pos) {
    add(cur, start_, pos);  // a match may start anywhere
    if (matched) return true;
    if (pos == len) return false;
    nxt.clear();
    for (const std::size_t t : cur) {
      const state& st = states_[t];
      bool ok = st.k == state::kind::any;
      if (st.k == state::kind::chars) {
        bool in = false;
        for (const auto& [lo, hi] : st.ranges) in = in || (cps[pos] >= lo && cps[pos] <= hi);
        ok = in != st.negated;
      }
      if (ok) add(nxt, st.out, pos + 1);
    }
    if (matched) return true;
    std::swap(cur, nxt);
  }
}

auto sql_string_literal(std::string_view s) -> std::string {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace pgpx::detail
