// Reading a migrations directory: file names, header directives, pairing up and down files.
#include <pgpx/migrate/source.hpp>

#include <pgpx/migrate/checksum.hpp>
#include <pgpx/migrate/sum_file.hpp>

#include "directives_impl.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace pgpx::migrate {

namespace {

auto located(const std::string& file, int line) -> std::string {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

auto is_digit(char c) noexcept -> bool { return c >= '0' && c <= '9'; }
auto is_slug_char(char c) noexcept -> bool { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'; }

auto two(std::string_view s, std::size_t at) -> int { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

// Whether 14 digits are a valid UTC date and time (no leap seconds, years 1000 to 9999).
auto valid_timestamp(std::string_view v) -> bool {
  const int year = two(v, 0) * 100 + two(v, 2);
  const int month = two(v, 4), day = two(v, 6), hour = two(v, 8), minute = two(v, 10), second = two(v, 12);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int last = days[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= last;
}

auto trim(std::string_view s) -> std::string_view {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A duration of a timeout directive: `0`, or an integer with ms, s, min or h. A bare non-zero
// number is refused: PostgreSQL would read it as milliseconds, people often mean seconds.
auto parse_duration(std::string_view v, std::chrono::milliseconds& out) -> bool {
  if (v == "0") {
    out = std::chrono::milliseconds(0);
    return true;
  }
  std::size_t digits = 0;
  while (digits < v.size() && is_digit(v[digits])) ++digits;
  if (digits == 0 || digits > 9) return false;
  std::int64_t n = 0;
  std::from_chars(v.data(), v.data() + digits, n);
  const auto unit = v.substr(digits);
  if (unit == "ms") out = std::chrono::milliseconds(n);
  else if (unit == "s") out = std::chrono::seconds(n);
  else if (unit == "min") out = std::chrono::minutes(n);
  else if (unit == "h") out = std::chrono::hours(n);
  else return false;
  return true;
}

// A comma-separated list of names made of `allowed` characters; false when empty or malformed.
template <class Pred>
auto parse_list(std::string_view v, Pred allowed, std::vector<std::string>& out) -> bool {
  if (v.empty()) return false;
  std::size_t from = 0;
  while (true) {
    const auto comma = v.find(',', from);
    const auto item = v.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from);
    if (item.empty() || !std::all_of(item.begin(), item.end(), allowed)) return false;
    out.emplace_back(item);
    if (comma == std::string_view::npos) return true;
    from = comma + 1;
  }
}

auto is_name_char(char c) noexcept -> bool { return is_slug_char(c) || c == '-'; }
auto is_extension_char(char c) noexcept -> bool { return is_name_char(c) || (c >= 'A' && c <= 'Z'); }
auto is_code_char(char c) noexcept -> bool { return (c >= 'A' && c <= 'Z') || is_digit(c); }

// After `--`, optional blanks, `pgpx:`: returns the rest (from after the colon), or nullopt
// when the line is not a pgpx comment line.
auto pgpx_comment(std::string_view line) -> std::optional<std::string_view> {
  line = trim(line);
  if (!line.starts_with("--")) return std::nullopt;
  line.remove_prefix(2);
  line = trim(line);
  if (!line.starts_with("pgpx:")) return std::nullopt;
  return line.substr(5);
}

// `-- pgpx:lint DS103` marks a statement for the linter (migrate diff writes it); it is not a
// header directive and may stand anywhere.
auto is_lint_annotation(std::string_view rest) -> bool {
  return rest.starts_with("lint") && (rest.size() == 4 || rest[4] == ' ' || rest[4] == '\t');
}

void parse_one(std::string_view d, const std::string& file, int line, directives& out,
               std::map<std::string, int>& seen) {
  const auto fail = [&](const std::string& why) -> void { throw source_error(file, line, why); };
  const auto eq = d.find('=');
  const std::string name(d.substr(0, eq == std::string_view::npos ? d.find_first_of(" \t") : eq));
  const auto value = eq == std::string_view::npos ? std::string_view{} : d.substr(eq + 1);
  const bool single = name != "lint-ignore" && name != "requires-extension";
  if (single) {
    const auto [it, inserted] = seen.emplace(name, line);
    if (!inserted &&
        (name == "no-transaction" || name == "lock-timeout" || name == "statement-timeout" || name == "env"))
      fail("directive '" + name + "' given twice (first on line " + std::to_string(it->second) + ")");
  }
  if (name == "no-transaction") {
    if (d != "no-transaction") fail("directive 'no-transaction' takes no value: '" + std::string(d) + "'");
    out.no_transaction = true;
  } else if (name == "lock-timeout" || name == "statement-timeout") {
    std::chrono::milliseconds ms{};
    if (eq == std::string_view::npos || !parse_duration(value, ms))
      fail("directive '" + name + "': bad duration '" + std::string(value) +
           "' (expected 0 or a whole number with ms, s, min or h, e.g. 500ms, 3s, 2min)");
    (name == "lock-timeout" ? out.lock_timeout : out.statement_timeout) = ms;
  } else if (name == "lint-ignore") {
    lint_ignore li;
    li.line = line;
    const auto space = value.find_first_of(" \t");
    const auto codes = value.substr(0, space);
    if (eq == std::string_view::npos || !parse_list(codes, is_code_char, li.codes))
      fail("directive 'lint-ignore': bad rule codes '" + std::string(codes) + "' (expected CODE[,CODE], e.g. DS103)");
    const auto rest = space == std::string_view::npos ? std::string_view{} : trim(value.substr(space));
    if (!rest.starts_with("reason=\""))
      fail("directive 'lint-ignore' needs a reason: lint-ignore=" + std::string(codes) + " reason=\"...\"");
    auto quoted = rest.substr(8);
    const auto close = quoted.find('"');
    if (close == std::string_view::npos) fail("directive 'lint-ignore': the reason's closing quote is missing");
    if (!trim(quoted.substr(close + 1)).empty())
      fail("directive 'lint-ignore': unexpected text after the reason: '" +
           std::string(trim(quoted.substr(close + 1))) + "'");
    li.reason = std::string(trim(quoted.substr(0, close)));
    if (li.reason.empty()) fail("directive 'lint-ignore': the reason is empty");
    out.lint_ignores.push_back(std::move(li));
  } else if (name == "requires-extension") {
    std::vector<std::string> names;
    if (eq == std::string_view::npos || !parse_list(value, is_extension_char, names) || names.size() != 1)
      fail("directive 'requires-extension': bad extension name '" + std::string(value) +
           "' (one name per directive, e.g. requires-extension=pgcrypto)");
    if (std::find(out.required_extensions.begin(), out.required_extensions.end(), names[0]) ==
        out.required_extensions.end())
      out.required_extensions.push_back(names[0]);
  } else if (name == "env") {
    if (eq == std::string_view::npos || !parse_list(value, is_name_char, out.environments))
      fail("directive 'env': bad environment list '" + std::string(value) + "' (expected e.g. env=dev,test)");
  } else {
    fail("unknown directive '" + std::string(d) +
         "' (known: no-transaction, lock-timeout, statement-timeout, lint-ignore, requires-extension, env)");
  }
}

auto read_file(const std::filesystem::path& p) -> std::string {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw source_error(p.string(), 0, "cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

source_error::source_error(std::string file, int line, const std::string& problem)
    : pgpx::error(error_kind::migration, located(file, line) + ": " + problem), file_(std::move(file)), line_(line) {}

auto parse_file_name(std::string_view name) -> file_name_parts {
  const std::string shown(name);
  const auto fail = [&](const std::string& why) -> void {
    throw source_error(
        shown, 0,
        "not a valid migration file name: " + why + " (expected <version>_<slug>.up.sql or <version>_<slug>.down.sql)");
  };
  file_name_parts parts;
  std::string_view rest = name;
  if (rest.ends_with(".up.sql")) {
    parts.dir = direction::up;
    rest.remove_suffix(7);
  } else if (rest.ends_with(".down.sql")) {
    parts.dir = direction::down;
    rest.remove_suffix(9);
  } else {
    fail("it does not end in .up.sql or .down.sql");
  }
  std::size_t digits = 0;
  while (digits < rest.size() && is_digit(rest[digits])) ++digits;
  if (digits == 0) fail("it does not start with a version number");
  if (digits == rest.size() || rest[digits] != '_') fail("the version must be followed by '_' and a slug");
  const auto version = rest.substr(0, digits);
  if (digits > 14) fail("the version '" + std::string(version) + "' has more than 14 digits");
  if (digits == 14) {
    if (!valid_timestamp(version))
      fail("the 14-digit version '" + std::string(version) + "' is not a valid UTC date and time YYYYMMDDHHMMSS");
    parts.style = version_style::timestamp;
  } else {
    parts.style = version_style::sequence;
  }
  std::from_chars(version.data(), version.data() + version.size(), parts.number);
  const auto slug = rest.substr(digits + 1);
  if (slug.empty()) fail("the slug after the version is empty");
  if (!std::all_of(slug.begin(), slug.end(), is_slug_char))
    fail("the slug '" + std::string(slug) + "' has characters outside [a-z0-9_]");
  parts.version = std::string(version);
  parts.slug = std::string(slug);
  return parts;
}

namespace detail {

auto scan_directives(std::string_view content, const std::string& file) -> scanned_directives {
  if (content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);
  scanned_directives out;
  std::map<std::string, int> seen;
  bool in_header = true;
  int line_no = 0;
  std::size_t pos = 0;
  // parse_one throws source_error(file, line, problem); keep the problem without "file:line: ".
  const auto problem = [&](const source_error& e, int line, bool is_ignore) {
    const auto prefix = located(file, line) + ": ";
    auto msg = e.message();
    if (msg.starts_with(prefix)) msg.erase(0, prefix.size());
    out.problems.push_back({line, std::move(msg), is_ignore});
  };
  while (pos <= content.size()) {
    const auto nl = content.find('\n', pos);
    const auto line = content.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++line_no;
    const auto t = trim(line);
    const auto rest = pgpx_comment(line);
    if (rest && !is_lint_annotation(*rest)) {
      const auto d = trim(*rest);
      const bool is_ignore = d.starts_with("lint-ignore");
      if (!in_header && !is_ignore) {
        out.problems.push_back({line_no,
                                "'-- pgpx:' directive after the first SQL line: directives go in the leading comment "
                                "lines (here it would be ignored): '" +
                                    std::string(t) + "'",
                                false});
      } else if (d.empty()) {
        out.problems.push_back({line_no, "empty '-- pgpx:' directive", false});
      } else if (in_header) {
        try {
          parse_one(d, file, line_no, out.header, seen);
        } catch (const source_error& e) {
          problem(e, line_no, is_ignore);
        }
      } else {
        // A `lint-ignore` before one statement silences that statement (the linter pairs them).
        directives one;
        std::map<std::string, int> none;
        try {
          parse_one(d, file, line_no, one, none);
          if (!one.lint_ignores.empty()) out.statement_ignores.push_back(std::move(one.lint_ignores.front()));
        } catch (const source_error& e) {
          problem(e, line_no, true);
        }
      }
    } else if (!t.empty() && !t.starts_with("--")) {
      in_header = false;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

}  // namespace detail

auto parse_directives(std::string_view content, const std::string& file) -> directives {
  auto scanned = detail::scan_directives(content, file);
  if (!scanned.problems.empty()) {
    const auto& p = scanned.problems.front();
    throw source_error(file, p.line, p.message);
  }
  return std::move(scanned.header);
}

auto load_directory(const std::filesystem::path& dir) -> std::vector<migration> {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) throw source_error(dir.string(), 0, "cannot read the migrations directory: " + ec.message());
  struct found {
    file_name_parts parts;
    std::filesystem::path path;
    std::string name;
  };
  std::vector<found> files;
  for (const auto& entry : it) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    if (!entry.is_regular_file(ec)) continue;
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!lower.ends_with(".sql")) continue;
    try {
      files.push_back({parse_file_name(name), entry.path(), name});
    } catch (const source_error& e) {
      throw source_error(entry.path().string(), 0, e.message().substr(name.size() + 2));
    }
  }
  // Sort by file name first so that errors name the same files on every machine.
  std::sort(files.begin(), files.end(), [](const found& a, const found& b) { return a.name < b.name; });
  const found* first_timestamp = nullptr;
  const found* first_sequence = nullptr;
  for (const auto& f : files) {
    auto& first = f.parts.style == version_style::timestamp ? first_timestamp : first_sequence;
    if (first == nullptr) first = &f;
  }
  if (first_timestamp != nullptr && first_sequence != nullptr)
    throw source_error(first_sequence->path.string(), 0,
                       "versions of two styles in one directory: " + first_sequence->name + " has a sequence number, " +
                           first_timestamp->name + " a UTC timestamp; use one style (renumber one of them)");

  std::map<std::uint64_t, std::pair<const found*, const found*>> by_version;  // up, down
  for (const auto& f : files) {
    auto& slot = by_version[f.parts.number];
    auto& mine = f.parts.dir == direction::up ? slot.first : slot.second;
    if (mine != nullptr)
      throw source_error(f.path.string(), 0,
                         "duplicate version " + f.parts.version + ": " + mine->name + " and " + f.name + " are both " +
                             (f.parts.dir == direction::up ? "up" : "down") + " files of version " +
                             std::to_string(f.parts.number));
    mine = &f;
  }
  std::vector<migration> out;
  out.reserve(by_version.size());
  for (const auto& [number, pair] : by_version) {
    const auto* up = pair.first;
    const auto* down = pair.second;
    if (up == nullptr)
      throw source_error(down->path.string(), 0,
                         "down file without its up file " + down->parts.version + "_" + down->parts.slug + ".up.sql");
    if (down != nullptr && (down->parts.slug != up->parts.slug || down->parts.version != up->parts.version))
      throw source_error(down->path.string(), 0,
                         "version " + up->parts.version + " has two names: " + up->name + " and " + down->name +
                             " (an up and its down must share version and slug)");
    migration m;
    m.version = up->parts.version;
    m.number = number;
    m.slug = up->parts.slug;
    m.style = up->parts.style;
    const auto load = [](const found& f) {
      migration_file mf;
      mf.path = f.path;
      mf.file_name = f.name;
      mf.content = read_file(f.path);
      mf.header = parse_directives(mf.content, f.path.string());
      mf.checksum = checksum(mf.content);
      return mf;
    };
    m.up = load(*up);
    if (down != nullptr) m.down = load(*down);
    out.push_back(std::move(m));
  }
  return out;
}

namespace {

auto utc_stamp(std::time_t t) -> std::string {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

// The time a (valid, see valid_timestamp) 14-digit version stands for.
auto stamp_time(std::string_view v) -> std::time_t {
  std::tm tm{};
  tm.tm_year = two(v, 0) * 100 + two(v, 2) - 1900;
  tm.tm_mon = two(v, 4) - 1;
  tm.tm_mday = two(v, 6);
  tm.tm_hour = two(v, 8);
  tm.tm_min = two(v, 10);
  tm.tm_sec = two(v, 12);
  return ::timegm(&tm);
}

auto style_name(version_style s) -> std::string { return s == version_style::sequence ? "sequence" : "timestamp"; }

void write_file(const std::filesystem::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw source_error(p.string(), 0, "cannot be written");
}

}  // namespace

auto next_version(const std::vector<migration>& existing, version_style empty_style,
                  std::chrono::system_clock::time_point now) -> std::string {
  const auto style = existing.empty() ? empty_style : existing.back().style;
  if (style == version_style::sequence) {
    const std::size_t width = existing.empty() ? 4 : existing.back().version.size();
    auto version = std::to_string(existing.empty() ? 1 : existing.back().number + 1);
    if (version.size() < width) version.insert(0, width - version.size(), '0');
    return version;
  }
  auto t = std::chrono::system_clock::to_time_t(now);
  if (!existing.empty()) t = std::max(t, stamp_time(existing.back().version) + 1);
  return utc_stamp(t);
}

auto plan_migration(const std::filesystem::path& dir, const std::string& slug, std::optional<version_style> style)
    -> new_migration {
  if (slug.empty() || !std::all_of(slug.begin(), slug.end(), is_slug_char))
    throw usage_error("migration name \"" + slug + "\" must match [a-z0-9_]+ (e.g. create_users)");
  std::error_code ec;
  const auto existing = std::filesystem::exists(dir, ec) ? load_directory(dir) : std::vector<migration>{};
  if (style && !existing.empty() && existing.back().style != *style)
    throw usage_error(dir.string() + " numbers its migrations by " + style_name(existing.back().style) + " (" +
                      existing.back().version + "); a " + style_name(*style) + " version would mix styles");
  auto version = next_version(existing, style.value_or(version_style::timestamp));
  auto name = version + "_" + slug;
  return {dir, std::move(version), std::move(name)};
}

void write_migration(const new_migration& m, std::string_view up, std::optional<std::string_view> down) {
  std::error_code ec;
  std::filesystem::create_directories(m.dir, ec);
  if (ec) throw source_error(m.dir.string(), 0, "cannot create the migrations directory: " + ec.message());
  write_file(m.up_path(), up);
  if (down) write_file(m.down_path(), *down);
  write_sum(m.dir);
}

}  // namespace pgpx::migrate
