// Importing another tool's migrations (pgpx/migrate/import.hpp).
//
// The conversion is pure text work; read_tool_tracking() reads the tool's tracking table with
// the table name through pgpx::quote_identifier and no value in the SQL text.
#include <pgpx/core/identifier.hpp>
#include <pgpx/migrate/import.hpp>
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/migrate/source.hpp>
#include <pgpx/migrate/sum_file.hpp>

#include "migrator_impl.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace pgpx::migrate {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view no_tx_directive = "-- pgpx: no-transaction\n";

auto lower(std::string_view s) -> std::string {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

auto trim(std::string_view s) -> std::string_view {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

auto all_digits(std::string_view s) -> bool {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The lines of `content` (without their LF; a CR before it is kept, trim() drops it).
auto lines_of(std::string_view content) -> std::vector<std::string_view> {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < content.size()) {
    const auto nl = content.find('\n', at);
    if (nl == std::string_view::npos) {
      out.push_back(content.substr(at));
      break;
    }
    out.push_back(content.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

// Whether a line is blank or only a `--` comment.
auto is_comment_or_blank(std::string_view line) -> bool {
  const auto t = trim(line);
  return t.empty() || t.starts_with("--");
}

// Lines joined with LF, leading and trailing blank lines dropped, one final LF.
auto join_body(const std::vector<std::string_view>& lines) -> std::string {
  std::size_t b = 0, e = lines.size();
  while (b < e && trim(lines[b]).empty()) ++b;
  while (e > b && trim(lines[e - 1]).empty()) --e;
  std::string out;
  for (auto i = b; i < e; ++i) {
    out += lines[i];
    out += '\n';
  }
  return out;
}

// A converted file: the pgpx header (no-transaction when asked), a line naming the origin, the body.
auto compose(bool no_transaction, const std::string& origin, const std::string& body) -> std::string {
  std::string out;
  if (no_transaction) out += no_tx_directive;
  out += "-- imported from " + origin + "\n";
  if (!body.empty()) out += "\n" + body;
  return out;
}

auto read_text(const fs::path& p) -> std::string {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw source_error(p.string(), 0, "cannot read the file");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw source_error(p.string(), 0, "cannot read the file");
  return s.str();
}

// ---- versions ----

// One migration found in the tool's directory, before versions are assigned.
struct found {
  std::string tool_version;          // as written
  std::vector<std::uint64_t> parts;  // numeric components (one for every tool but flyway)
  std::string name;                  // the tool's name part (made a slug later)
  converted_sql sql;
  std::vector<std::string> sources;
};

auto parse_number(std::string_view digits, const std::string& file) -> std::uint64_t {
  std::uint64_t n = 0;
  for (char c : digits) {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10)
      throw source_error(file, 0, "the version '" + std::string(digits) + "' is too large");
    n = n * 10 + d;
  }
  return n;
}

// Flyway compares versions numerically part by part, trailing zero parts ignored (1.0 == 1).
auto version_key(std::vector<std::uint64_t> parts) -> std::vector<std::uint64_t> {
  while (parts.size() > 1 && parts.back() == 0) parts.pop_back();
  return parts;
}

auto is_timestamp(const std::string& v) -> bool {
  if (v.size() != 14) return false;
  try {
    static_cast<void>(parse_file_name(v + "_x.up.sql"));
    return true;
  } catch (const source_error&) {
    return false;
  }
}

// The pgpx versions of `all` (sorted by version already), in the same order.
auto assign_versions(import_tool tool, std::vector<found>& all) -> std::vector<std::string> {
  std::vector<std::string> out;
  const bool dotted = std::any_of(all.begin(), all.end(), [](const found& f) { return f.parts.size() > 1; });
  if (dotted) {  // flyway 1.1, 2.0.3: numbered by order
    const auto width = std::max<std::size_t>(4, std::to_string(all.size()).size());
    for (std::size_t i = 0; i < all.size(); ++i) {
      auto s = std::to_string(i + 1);
      out.push_back(std::string(width - s.size(), '0') + s);
    }
    return out;
  }
  // diesel's generated 00000000000000_diesel_initial_setup: the first valid timestamp.
  const auto stamp_of = [&](const found& f) -> std::string {
    if (tool == import_tool::diesel && f.tool_version == "00000000000000") return "19700101000000";
    return f.tool_version;
  };
  const found* a_stamp = nullptr;
  const found* a_number = nullptr;
  for (const auto& f : all) {
    const auto s = stamp_of(f);
    if (s.size() == 14 && is_timestamp(s)) a_stamp = &f;
    else if (f.parts[0] < 10'000'000'000'000ULL) a_number = &f;
    else
      throw source_error(f.sources.front(), 0,
                         "the version '" + f.tool_version +
                             "' is neither a UTC timestamp YYYYMMDDHHMMSS nor a sequence number of at most 13 digits");
  }
  if (a_stamp != nullptr && a_number != nullptr)
    throw source_error(a_number->sources.front(), 0,
                       "its version '" + a_number->tool_version + "' is a sequence number but " +
                           a_stamp->sources.front() + " has the timestamp version '" + a_stamp->tool_version +
                           "'; pgpx does not mix the two styles in one directory (renumber first, e.g. `goose fix`)");
  if (a_stamp != nullptr) {
    for (const auto& f : all) out.push_back(stamp_of(f));
    return out;
  }
  std::size_t width = 4;
  for (const auto& f : all) width = std::max(width, std::to_string(f.parts[0]).size());
  for (const auto& f : all) {
    auto s = std::to_string(f.parts[0]);
    out.push_back(std::string(width - s.size(), '0') + s);
  }
  return out;
}

// ---- reading each tool's directory ----

struct dir_entry {
  fs::path path;
  std::string name;
  bool directory = false;
};

auto entries_of(const fs::path& dir) -> std::vector<dir_entry> {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw source_error(dir.string(), 0, "not a directory");
  fs::directory_iterator it(dir, ec);
  if (ec) throw source_error(dir.string(), 0, "cannot read the directory: " + ec.message());
  std::vector<dir_entry> out;
  for (const auto& e : it) {
    auto name = e.path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    out.push_back({e.path(), name, e.is_directory(ec)});
  }
  std::sort(out.begin(), out.end(), [](const dir_entry& a, const dir_entry& b) { return a.name < b.name; });
  return out;
}

// The files of `dir` and of its subdirectories, at any depth (flyway scans its locations so),
// hidden ones (and hidden directories) left out, ordered by path.
auto entries_under(const fs::path& dir) -> std::vector<dir_entry> {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw source_error(dir.string(), 0, "not a directory");
  fs::recursive_directory_iterator it(dir, ec);
  if (ec) throw source_error(dir.string(), 0, "cannot read the directory: " + ec.message());
  std::vector<dir_entry> out;
  for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec) throw source_error(dir.string(), 0, "cannot read the directory: " + ec.message());
    auto name = it->path().filename().string();
    const bool is_dir = it->is_directory(ec);
    if (name.empty() || name.front() == '.') {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (!is_dir) out.push_back({it->path(), name, false});
  }
  std::sort(out.begin(), out.end(), [](const dir_entry& a, const dir_entry& b) { return a.path < b.path; });
  return out;
}

// `<digits>_<name>` + rest: the digits and the name, or nullopt.
auto split_numbered(std::string_view stem) -> std::optional<std::pair<std::string, std::string>> {
  const auto us = stem.find('_');
  const auto digits = stem.substr(0, us);
  if (!all_digits(digits)) return std::nullopt;
  return std::pair{std::string(digits),
                   us == std::string_view::npos ? std::string() : std::string(stem.substr(us + 1))};
}

auto one_part(const std::string& v, const std::string& file) -> std::vector<std::uint64_t> {
  return {parse_number(v, file)};
}

auto read_goose_or_dbmate(import_tool tool, const fs::path& dir, std::vector<std::string>& notes)
    -> std::vector<found> {
  std::vector<found> out;
  for (const auto& e : entries_of(dir)) {
    if (e.directory) continue;
    const auto file = e.path.string();
    if (tool == import_tool::goose && e.name.ends_with(".go")) {
      // goose registers Go migrations from files named like its SQL ones (00002_add_x.go) and
      // skips _test.go files; anything else (main.go, helpers) is the program around them.
      const auto stem = std::string_view(e.name).substr(0, e.name.size() - 3);
      if (!e.name.ends_with("_test.go") && split_numbered(stem) && stem.find('_') != std::string_view::npos)
        throw source_error(file, 0,
                           "a Go migration of goose cannot be converted to SQL; rewrite it as a .sql migration first");
      notes.push_back("ignored " + file + ": a Go file that is not a goose migration (no VERSION_name.go name)");
      continue;
    }
    if (!e.name.ends_with(".sql")) continue;
    const auto parts = split_numbered(std::string_view(e.name).substr(0, e.name.size() - 4));
    if (!parts)
      throw source_error(file, 0,
                         "not a " + std::string(to_string(tool)) + " migration file name (expected VERSION_name.sql)");
    const auto content = read_text(e.path);
    auto sql = tool == import_tool::goose ? convert_goose(content, file) : convert_dbmate(content, file);
    out.push_back({parts->first, one_part(parts->first, file), parts->second, std::move(sql), {file}});
  }
  return out;
}

// sqlx and golang-migrate: `V_name.up.sql` + `V_name.down.sql`, or (sqlx) one `V_name.sql`.
auto read_paired(import_tool tool, const fs::path& dir) -> std::vector<found> {
  struct pair_files {
    std::string version;  // as written by the first file seen
    std::string name;
    std::optional<dir_entry> up, down, single;
  };
  std::map<std::string, pair_files> by_version;
  const bool sqlx = tool == import_tool::sqlx;
  for (const auto& e : entries_of(dir)) {
    if (e.directory || !e.name.ends_with(".sql")) continue;
    const auto file = e.path.string();
    std::string_view stem(e.name);
    stem.remove_suffix(4);
    int kind = 0;  // 0 single, 1 up, 2 down
    if (stem.ends_with(".up")) kind = 1;
    else if (stem.ends_with(".down")) kind = 2;
    if (kind != 0) stem.remove_suffix(kind == 1 ? 3 : 5);
    const auto parts = split_numbered(stem);
    if (!parts || (kind == 0 && !sqlx))
      throw source_error(file, 0,
                         "not a " + std::string(to_string(tool)) + " migration file name (expected VERSION_name" +
                             (sqlx ? "[.up|.down].sql)" : ".up.sql or VERSION_name.down.sql)"));
    const auto number = parse_number(parts->first, file);
    auto key = std::to_string(number);
    auto& p = by_version[std::string(20 - key.size(), '0') + key];
    auto& slot = kind == 0 ? p.single : kind == 1 ? p.up : p.down;
    const auto clash = [&](const dir_entry& other) {
      return source_error(file, 0, "has the same version as " + other.path.string());
    };
    if (slot) throw clash(*slot);
    if (kind == 0 && (p.up || p.down)) throw clash(p.up ? *p.up : *p.down);
    if (kind != 0 && p.single) throw clash(*p.single);
    if (!p.name.empty() && p.name != parts->second)
      throw source_error(file, 0, "its name differs from that of " + (p.up ? p.up : p.down)->path.string());
    p.name = parts->second;
    if (p.version.empty()) p.version = parts->first;
    slot = e;
  }
  std::vector<found> out;
  for (auto& [key, p] : by_version) {
    if (p.down && !p.up) throw source_error(p.down->path.string(), 0, "a down migration without its up migration");
    const auto& up_entry = p.single ? *p.single : *p.up;
    const auto up_file = up_entry.path.string();
    found f{p.version, one_part(p.version, up_file), p.name, {}, {up_file}};
    f.sql.up = convert_plain(read_text(up_entry.path), up_file, false, sqlx, to_string(tool));
    if (p.down) {
      f.sources.push_back(p.down->path.string());
      f.sql.down = convert_plain(read_text(p.down->path), p.down->path.string(), false, sqlx, to_string(tool));
    }
    out.push_back(std::move(f));
  }
  return out;
}

// Flyway's `executeInTransaction=false` in the script's `.sql.conf`.
auto flyway_no_transaction(const fs::path& sql) -> bool {
  auto conf = sql;
  conf += ".conf";
  std::error_code ec;
  if (!fs::exists(conf, ec)) return false;
  const auto text = read_text(conf);
  int line_no = 0;
  for (auto line : lines_of(text)) {
    ++line_no;
    const auto t = trim(line);
    if (t.empty() || t.starts_with('#')) continue;
    const auto eq = t.find('=');
    if (eq == std::string_view::npos) throw source_error(conf.string(), line_no, "expected key=value");
    const auto key = trim(t.substr(0, eq));
    const auto value = lower(trim(t.substr(eq + 1)));
    if (key == "executeInTransaction") {
      if (value != "true" && value != "false")
        throw source_error(conf.string(), line_no, "executeInTransaction must be true or false");
      return value == "false";
    }
  }
  return false;
}

// Flyway's placeholders: every `${name}` of `text` replaced by its value; one without a value
// is refused naming the file, the line and the placeholder. Text substitution into the
// user's own migration source, as flyway does it before running the script.
auto replace_placeholders(const std::string& text, const std::string& file, const placeholder_values& values)
    -> std::string {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto open = text.find("${", at);
    const auto close = open == std::string::npos ? std::string::npos : text.find('}', open + 2);
    if (close == std::string::npos) {
      out.append(text, at, std::string::npos);
      break;
    }
    const auto name = std::string_view(text).substr(open + 2, close - open - 2);
    out.append(text, at, open - at);
    const auto v = values.find(name);
    if (v == values.end()) {
      const auto line =
          static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(open), '\n')) + 1;
      throw source_error(file, line,
                         "the flyway placeholder ${" + std::string(name) +
                             "} has no value; give it with --placeholder " + std::string(name) +
                             "=VALUE (or replace it in the file)");
    }
    out += v->second;
    at = close + 1;
  }
  return out;
}

auto read_flyway(const fs::path& dir, const placeholder_values& placeholders) -> std::vector<found> {
  struct versioned {
    std::string version;
    std::vector<std::uint64_t> parts;
    std::string name;
    std::optional<dir_entry> up, undo;
  };
  std::map<std::vector<std::uint64_t>, versioned> by_key;
  for (const auto& e : entries_under(dir)) {
    if (!e.name.ends_with(".sql")) continue;
    const auto file = e.path.string();
    if (e.name.starts_with("R__"))
      throw source_error(file, 0,
                         "a repeatable flyway migration (R__) has no version and pgpx has no repeatable migrations; "
                         "move it out of the directory (turn it into a versioned migration, or run it yourself)");
    const auto sep = e.name.find("__");
    const char prefix = e.name.front();
    if (sep == std::string::npos || sep < 2 || (prefix != 'V' && prefix != 'U')) {
      if (prefix == 'B')
        throw source_error(file, 0, "a flyway baseline migration (B) cannot be imported; remove it first");
      throw source_error(file, 0,
                         "not a flyway migration file name (expected V<version>__<name>.sql or U<version>__...)");
    }
    const auto text = e.name.substr(1, sep - 1);
    std::vector<std::uint64_t> parts;
    std::string current;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i == text.size() || text[i] == '.' || text[i] == '_') {
        if (!all_digits(current))
          throw source_error(file, 0, "the version '" + text + "' is not numbers separated by '.' or '_'");
        parts.push_back(parse_number(current, file));
        current.clear();
      } else {
        current += text[i];
      }
    }
    auto& v = by_key[version_key(parts)];
    auto& slot = prefix == 'V' ? v.up : v.undo;
    if (slot) throw source_error(file, 0, "has the same version as " + slot->path.string());
    slot = e;
    if (prefix == 'V') {
      v.version = text;
      v.parts = parts;
      v.name = e.name.substr(sep + 2, e.name.size() - sep - 2 - 4);
    }
  }
  std::vector<found> out;
  for (auto& [key, v] : by_key) {
    if (!v.up) throw source_error(v.undo->path.string(), 0, "an undo migration without its versioned migration");
    const auto up_file = v.up->path.string();
    found f{v.version, v.parts, v.name, {}, {up_file}};
    f.sql.up = convert_plain(replace_placeholders(read_text(v.up->path), up_file, placeholders), up_file,
                             flyway_no_transaction(v.up->path), false, "flyway");
    if (v.undo) {
      const auto undo_file = v.undo->path.string();
      f.sources.push_back(undo_file);
      f.sql.down = convert_plain(replace_placeholders(read_text(v.undo->path), undo_file, placeholders), undo_file,
                                 flyway_no_transaction(v.undo->path), false, "flyway");
    }
    out.push_back(std::move(f));
  }
  return out;
}

// diesel's metadata.toml: `run_in_transaction = false`.
auto diesel_no_transaction(const fs::path& dir) -> bool {
  const auto meta = dir / "metadata.toml";
  std::error_code ec;
  if (!fs::exists(meta, ec)) return false;
  const auto text = read_text(meta);
  int line_no = 0;
  for (auto line : lines_of(text)) {
    ++line_no;
    const auto t = trim(line.substr(0, line.find('#')));
    if (t.empty()) continue;
    const auto eq = t.find('=');
    if (eq == std::string_view::npos) throw source_error(meta.string(), line_no, "expected key = value");
    const auto key = trim(t.substr(0, eq));
    const auto value = trim(t.substr(eq + 1));
    if (key != "run_in_transaction")
      throw source_error(meta.string(), line_no, "unknown key '" + std::string(key) + "'");
    if (value != "true" && value != "false")
      throw source_error(meta.string(), line_no, "run_in_transaction must be true or false");
    return value == "false";
  }
  return false;
}

auto read_diesel(const fs::path& dir) -> std::vector<found> {
  std::vector<found> out;
  for (const auto& e : entries_of(dir)) {
    if (!e.directory) continue;
    const auto us = e.name.find('_');
    std::string version;
    for (char c : e.name.substr(0, us))
      if (c != '-') version += c;
    if (!all_digits(version))
      throw source_error(e.path.string(), 0, "not a diesel migration directory (expected YYYY-MM-DD-HHMMSS_name)");
    const auto up = e.path / "up.sql";
    const auto down = e.path / "down.sql";
    std::error_code ec;
    if (!fs::exists(up, ec)) throw source_error(up.string(), 0, "missing: a diesel migration needs up.sql");
    const bool no_tx = diesel_no_transaction(e.path);
    found f{version,
            one_part(version, up.string()),
            us == std::string::npos ? "" : e.name.substr(us + 1),
            {},
            {up.string()}};
    f.sql.up = convert_plain(read_text(up), up.string(), no_tx, false, "diesel");
    if (fs::exists(down, ec)) {
      f.sources.push_back(down.string());
      f.sql.down = convert_plain(read_text(down), down.string(), no_tx, false, "diesel");
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

auto to_string(import_tool tool) noexcept -> std::string_view {
  switch (tool) {
    case import_tool::goose: return "goose";
    case import_tool::dbmate: return "dbmate";
    case import_tool::sqlx: return "sqlx";
    case import_tool::flyway: return "flyway";
    case import_tool::diesel: return "diesel";
    case import_tool::golang_migrate: return "golang-migrate";
  }
  return "?";
}

auto parse_import_tool(std::string_view name) -> std::optional<import_tool> {
  for (auto t : {import_tool::goose, import_tool::dbmate, import_tool::sqlx, import_tool::flyway, import_tool::diesel,
                 import_tool::golang_migrate})
    if (to_string(t) == name) return t;
  return std::nullopt;
}

auto tracking_table(import_tool tool) noexcept -> std::string_view {
  switch (tool) {
    case import_tool::goose: return "goose_db_version";
    case import_tool::dbmate:
    case import_tool::golang_migrate: return "schema_migrations";
    case import_tool::sqlx: return "_sqlx_migrations";
    case import_tool::flyway: return "flyway_schema_history";
    case import_tool::diesel: return "__diesel_schema_migrations";
  }
  return "";
}

auto slug_of(std::string_view name) -> std::string {
  std::string out;
  bool gap = false;
  for (char c : name) {
    const auto l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) {
      if (gap && !out.empty()) out += '_';
      gap = false;
      out += l;
    } else {
      gap = true;
    }
  }
  return out.empty() ? "migration" : out;
}

auto convert_goose(std::string_view content, const std::string& file) -> converted_sql {
  enum class section { none, up, down };
  section at = section::none;
  bool no_tx = false, saw_up = false, saw_down = false;
  int open_block = 0;  // line of an unclosed StatementBegin
  std::vector<std::string_view> up, down;
  int line_no = 0;
  for (auto line : lines_of(content)) {
    ++line_no;
    const auto t = trim(line);
    if (t.starts_with("-- +goose")) {
      const auto cmd = lower(trim(t.substr(9)));
      if (cmd == "up" || cmd == "down") {
        if (open_block != 0)
          throw source_error(file, line_no,
                             "-- +goose " + std::string(trim(t.substr(9))) +
                                 " inside the StatementBegin block of line " + std::to_string(open_block));
        if (cmd == "up") {
          if (saw_up) throw source_error(file, line_no, "a second -- +goose Up");
          if (saw_down) throw source_error(file, line_no, "-- +goose Up after -- +goose Down");
          saw_up = true;
          at = section::up;
        } else {
          if (saw_down) throw source_error(file, line_no, "a second -- +goose Down");
          saw_down = true;
          at = section::down;
        }
      } else if (cmd == "statementbegin") {
        if (at == section::none) throw source_error(file, line_no, "StatementBegin before -- +goose Up");
        if (open_block != 0)
          throw source_error(file, line_no,
                             "StatementBegin inside the StatementBegin block of line " + std::to_string(open_block));
        open_block = line_no;
      } else if (cmd == "statementend") {
        if (open_block == 0) throw source_error(file, line_no, "StatementEnd without StatementBegin");
        open_block = 0;
      } else if (cmd == "no transaction") {
        no_tx = true;
      } else if (cmd.starts_with("envsub")) {
        throw source_error(file, line_no,
                           "ENVSUB (environment variable substitution) has no pgpx equivalent; substitute the "
                           "values in the file first");
      } else {
        throw source_error(file, line_no, "unknown goose annotation '" + std::string(t) + "'");
      }
      continue;
    }
    if (at == section::none) {
      if (!is_comment_or_blank(line)) throw source_error(file, line_no, "SQL before -- +goose Up");
      continue;
    }
    (at == section::up ? up : down).push_back(line);
  }
  if (open_block != 0) throw source_error(file, open_block, "StatementBegin without StatementEnd");
  if (!saw_up) throw source_error(file, 0, "no -- +goose Up annotation");
  const auto origin = "goose " + fs::path(file).filename().string();
  converted_sql out{compose(no_tx, origin + " (Up)", join_body(up)), std::nullopt};
  if (saw_down) out.down = compose(no_tx, origin + " (Down)", join_body(down));
  return out;
}

auto convert_dbmate(std::string_view content, const std::string& file) -> converted_sql {
  enum class section { none, up, down };
  section at = section::none;
  bool saw_up = false, saw_down = false, up_no_tx = false, down_no_tx = false;
  std::vector<std::string_view> up, down;
  int line_no = 0;
  for (auto line : lines_of(content)) {
    ++line_no;
    const auto t = trim(line);
    if (t.starts_with("--")) {
      const auto rest = trim(t.substr(2));
      const bool is_up = rest.starts_with("migrate:up");
      const bool is_down = rest.starts_with("migrate:down");
      if (is_up || is_down) {
        auto options = rest.substr(is_up ? 10 : 12);
        if (!options.empty() && options.front() != ' ' && options.front() != '\t')
          throw source_error(file, line_no, "unknown dbmate directive '" + std::string(t) + "'");
        bool no_tx = false;
        std::istringstream words{std::string(options)};
        for (std::string w; words >> w;) {
          if (w == "transaction:false") no_tx = true;
          else if (w != "transaction:true")
            throw source_error(file, line_no, "unknown dbmate option '" + w + "' (known: transaction:false)");
        }
        if (is_up) {
          if (saw_up) throw source_error(file, line_no, "a second -- migrate:up");
          if (saw_down) throw source_error(file, line_no, "-- migrate:up after -- migrate:down");
          saw_up = true;
          up_no_tx = no_tx;
          at = section::up;
        } else {
          if (!saw_up) throw source_error(file, line_no, "-- migrate:down before -- migrate:up");
          if (saw_down) throw source_error(file, line_no, "a second -- migrate:down");
          saw_down = true;
          down_no_tx = no_tx;
          at = section::down;
        }
        continue;
      }
    }
    if (at == section::none) {
      if (!is_comment_or_blank(line)) throw source_error(file, line_no, "SQL before -- migrate:up");
      continue;
    }
    (at == section::up ? up : down).push_back(line);
  }
  if (!saw_up) throw source_error(file, 0, "no -- migrate:up section");
  const auto origin = "dbmate " + fs::path(file).filename().string();
  converted_sql out{compose(up_no_tx, origin + " (up)", join_body(up)), std::nullopt};
  if (saw_down) out.down = compose(down_no_tx, origin + " (down)", join_body(down));
  return out;
}

auto convert_plain(std::string_view content, const std::string& file, bool no_transaction, bool sqlx_directive,
                   std::string_view tool) -> std::string {
  auto lines = lines_of(content);
  // sqlx: `sql.starts_with("-- no-transaction")`, the file's first bytes.
  if (sqlx_directive && !lines.empty() && lines.front().starts_with("-- no-transaction")) {
    no_transaction = true;
    lines.erase(lines.begin());
  }
  const auto name = fs::path(file).filename().string();
  return compose(no_transaction, tool.empty() ? name : std::string(tool) + " " + name, join_body(lines));
}

auto read_import_directory(import_tool tool, const fs::path& dir, const placeholder_values& placeholders)
    -> import_plan {
  std::vector<found> all;
  std::vector<std::string> notes;
  switch (tool) {
    case import_tool::goose:
    case import_tool::dbmate: all = read_goose_or_dbmate(tool, dir, notes); break;
    case import_tool::sqlx:
    case import_tool::golang_migrate: all = read_paired(tool, dir); break;
    case import_tool::flyway: all = read_flyway(dir, placeholders); break;
    case import_tool::diesel: all = read_diesel(dir); break;
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const found& a, const found& b) { return version_key(a.parts) < version_key(b.parts); });
  for (std::size_t i = 1; i < all.size(); ++i)
    if (version_key(all[i].parts) == version_key(all[i - 1].parts))
      throw source_error(all[i].sources.front(), 0, "has the same version as " + all[i - 1].sources.front());
  const auto versions = assign_versions(tool, all);
  import_plan plan{tool, dir, {}, std::move(notes)};
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto& f = all[i];
    imported_migration m{f.tool_version, versions[i], slug_of(f.name), std::move(f.sql), std::move(f.sources)};
    // What load_directory will read must parse: the name and each file's directives.
    static_cast<void>(parse_file_name(m.name() + ".up.sql"));
    static_cast<void>(parse_directives(m.sql.up, m.sources.front()));
    if (m.sql.down) static_cast<void>(parse_directives(*m.sql.down, m.sources.back()));
    plan.migrations.push_back(std::move(m));
  }
  return plan;
}

namespace {
void check_target(const import_plan& plan, const fs::path& target);
}  // namespace

void check_import_target(const import_plan& plan, const fs::path& target) {
  try {
    check_target(plan, target);
  } catch (const import_refused&) {
    throw;
  } catch (const source_error& e) {  // the target does not load
    throw import_refused(e);
  }
}

namespace {
void check_target(const import_plan& plan, const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(target, ec)) return;
  const auto existing = load_directory(target);
  // write_import rewrites pgpx.sum: an edit it does not cover yet would be blessed silently.
  if (fs::exists(target / "pgpx.sum", ec))
    if (const auto diffs = verify_sum(target); !diffs.empty())
      throw source_error((target / "pgpx.sum").string(), 0,
                         "the directory differs from it (" + diffs.front().file_name + ": " +
                             std::string(to_string(diffs.front().kind)) +
                             "); check the change and run `pgpx migrate hash` first, so that the import does not "
                             "hash it in unseen");
  for (const auto& m : plan.migrations) {
    const auto theirs = parse_file_name(m.name() + ".up.sql");
    for (const auto& e : existing) {
      if (e.number == theirs.number)
        throw source_error(e.up.path.string(), 0,
                           "has the version of the imported " + m.sources.front() + " (" + m.name() +
                               "); import into an empty migrations directory, or renumber");
      if (e.style != theirs.style)
        throw source_error(e.up.path.string(), 0,
                           "is numbered in the other style than the imported migrations (" + m.name() +
                               "); pgpx does not mix timestamps and sequence numbers in one directory");
    }
  }
  for (const auto& m : plan.migrations)
    for (const auto* suffix : {".up.sql", ".down.sql"})
      if (fs::exists(target / (m.name() + suffix), ec))
        throw source_error((target / (m.name() + suffix)).string(), 0, "exists already");
}
}  // namespace

void undo_import(const fs::path& target, const std::vector<fs::path>& written,
                 const std::optional<std::string>& old_sum) {
  std::error_code ec;
  for (const auto& p : written) fs::remove(p, ec);
  const auto sum = target / "pgpx.sum";
  if (old_sum) {
    std::ofstream(sum, std::ios::binary | std::ios::trunc) << *old_sum;
  } else {
    fs::remove(sum, ec);
  }
}

auto write_import(const import_plan& plan, const fs::path& target) -> std::vector<fs::path> {
  std::error_code ec;
  const auto sum = target / "pgpx.sum";
  std::optional<std::string> old_sum;
  if (fs::exists(sum, ec)) old_sum = read_text(sum);
  fs::create_directories(target, ec);
  if (ec) throw source_error(target.string(), 0, "cannot create the directory: " + ec.message());
  std::vector<fs::path> written;
  try {
    const auto put = [&](const fs::path& p, const std::string& text) {
      std::ofstream out(p, std::ios::binary | std::ios::trunc);
      written.push_back(p);
      out << text;
      out.close();
      if (!out) throw source_error(p.string(), 0, "cannot write the file");
    };
    for (const auto& m : plan.migrations) {
      put(target / (m.name() + ".up.sql"), m.sql.up);
      if (m.sql.down) put(target / (m.name() + ".down.sql"), *m.sql.down);
    }
    write_sum(target);
  } catch (...) {
    undo_import(target, written, old_sum);
    throw;
  }
  return written;
}

auto import_migrations(connection& cx, const import_plan& plan, const fs::path& target,
                       const std::vector<std::string>& applied, const std::string& reason, const run_options& options)
    -> import_result {
  import_result out;
  // Everything from the last check of the target to the last mark under one hold of the
  // lock: an apply waits until the files are complete and their rows recorded.
  detail::with_migration_lock(cx, options, [&] {
    check_import_target(plan, target);
    std::error_code ec;
    std::optional<std::string> old_sum;
    if (fs::exists(target / "pgpx.sum", ec)) old_sum = read_text(target / "pgpx.sum");
    out.written = write_import(plan, target);
    if (applied.empty()) return;
    try {
      out.marked = detail::mark_applied_locked(cx, target, applied, reason, options);
    } catch (...) {
      // Nothing half done: the files go again when the tracking rows cannot be written.
      undo_import(target, out.written, old_sum);
      throw;
    }
  });
  return out;
}

auto read_tool_tracking(connection& cx, const import_plan& plan, const std::string& table) -> tool_tracking {
  tool_tracking out;
  std::string quoted;
  if (table.empty()) {
    quoted = quote_identifier(tracking_table(plan.tool));
  } else {
    const auto dot = table.find('.');
    const auto bad = [&] {
      return usage_error("the tracking table '" + table + "' must be name or schema.name, without empty parts");
    };
    if (dot == std::string::npos) {
      quoted = quote_identifier(table);
    } else {
      const auto schema = std::string_view(table).substr(0, dot);
      const auto name = std::string_view(table).substr(dot + 1);
      if (schema.empty() || name.empty() || name.find('.') != std::string_view::npos) throw bad();
      quoted = quote_qualified({schema, name});
    }
  }
  out.table = cx.query_value<std::optional<std::string>>("select to_regclass($1)::text", quoted).value_or("");
  if (out.table.empty()) return out;
  const auto tool = std::string(to_string(plan.tool));
  // The columns read below: a table of that name written by something else (or another
  // version of the tool) is named, instead of a server error about a column.
  std::vector<std::string> needed;
  switch (plan.tool) {
    case import_tool::goose: needed = {"id", "version_id", "is_applied"}; break;
    case import_tool::dbmate:
    case import_tool::diesel: needed = {"version"}; break;
    case import_tool::golang_migrate: needed = {"version", "dirty"}; break;
    case import_tool::sqlx: needed = {"version", "success"}; break;
    case import_tool::flyway: needed = {"installed_rank", "version", "type", "success"}; break;
  }
  const auto columns = cx.query<std::string>(
      "select attname::text from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped",
      quoted);
  for (const auto& c : needed)
    if (std::find(columns.begin(), columns.end(), c) == columns.end()) {
      std::string all;
      for (const auto& n : needed) all += (all.empty() ? "" : ", ") + n;
      throw_error(error_kind::validation, "the table " + out.table + " has no column " + c + ": it is not " + tool +
                                              "'s tracking table as pgpx reads it (expected the columns " + all +
                                              "); name the right table with --table, or import with --no-tracking");
    }
  // The tool's applied versions as numeric keys (flyway: parts), in a set.
  std::set<std::vector<std::uint64_t>> applied;
  std::optional<std::vector<std::uint64_t>> up_to;  // golang-migrate: every version up to this one
  std::optional<std::vector<std::uint64_t>> baseline;  // flyway BASELINE: every version up to this one
  const auto numeric = [&](const std::string& v) -> std::optional<std::vector<std::uint64_t>> {
    std::vector<std::uint64_t> parts;
    std::string cur;
    for (std::size_t i = 0; i <= v.size(); ++i) {
      if (i == v.size() || v[i] == '.' || v[i] == '_') {
        if (!all_digits(cur) || cur.size() > 19) return std::nullopt;
        parts.push_back(std::stoull(cur));
        cur.clear();
      } else {
        cur += v[i];
      }
    }
    return version_key(parts);
  };
  const auto dirty = [&](const std::string& v, const std::string& what) {
    return migration_error(failure::dirty_state, v,
                           tool + "'s table " + out.table + " records version " + v + " as " + what +
                               ": finish or undo that migration by hand and fix the table as " + tool +
                               " says, then import again (or import with --no-tracking and mark by hand)");
  };
  std::vector<std::string> raw;  // applied versions as the table writes them
  switch (plan.tool) {
    case import_tool::goose: {
      // Newest row per version decides (goose inserts is_applied = false rows on down).
      std::map<std::string, bool> state;
      for (const auto& [v, on] : cx.query<std::tuple<std::string, bool>>("select version_id::text, is_applied from " +
                                                                         quoted + " order by id"))
        state[v] = on;
      for (const auto& [v, on] : state)
        if (on && v != "0") raw.push_back(v);
      break;
    }
    case import_tool::dbmate:
    case import_tool::diesel:
      raw = cx.query<std::string>("select version::text from " + quoted + " order by version");
      break;
    case import_tool::golang_migrate: {
      const auto rows = cx.query<std::tuple<std::string, bool>>("select version::text, dirty from " + quoted);
      for (const auto& [v, is_dirty] : rows) {
        if (is_dirty) throw dirty(v, "dirty (a migration failed halfway; `migrate force V` resets it)");
        if (v == "-1") continue;  // golang-migrate's "nil version"
        const auto k = numeric(v);
        if (k && (!up_to || *up_to < *k)) up_to = k;
      }
      break;
    }
    case import_tool::sqlx:
      for (const auto& [v, ok] : cx.query<std::tuple<std::string, bool>>("select version::text, success from " +
                                                                         quoted + " order by version")) {
        if (!ok) throw dirty(v, "failed (success = false)");
        raw.push_back(v);
      }
      break;
    case import_tool::flyway: {
      std::map<std::vector<std::uint64_t>, bool> state;
      for (const auto& [v, type, ok] : cx.query<std::tuple<std::string, std::string, bool>>(
               "select version::text, type::text, success from " + quoted +
               " where version is not null order by installed_rank")) {
        const auto k = numeric(v);
        if (!k) continue;
        if (!ok) throw dirty(v, "failed (success = false; `flyway repair` removes it)");
        if (type == "BASELINE") baseline = k;
        else if (type.starts_with("UNDO") || type == "DELETE") state[*k] = false;
        else if (type != "SCHEMA") state[*k] = true;
      }
      for (const auto& [k, on] : state)
        if (on) applied.insert(k);
      break;
    }
  }
  for (const auto& v : raw) {
    if (const auto k = numeric(v)) applied.insert(*k);
    else out.unknown.push_back(v);
  }
  std::set<std::vector<std::uint64_t>> matched;
  for (const auto& m : plan.migrations) {
    auto k = numeric(m.tool_version);
    if (!k) continue;
    const bool on = applied.contains(*k) || (up_to && *k <= *up_to) || (baseline && *k <= *baseline);
    if (on) out.applied.push_back(m.version);
    matched.insert(*k);
  }
  for (const auto& k : applied)
    if (!matched.contains(k)) {
      std::string s;
      for (auto p : k) s += (s.empty() ? "" : ".") + std::to_string(p);
      out.unknown.push_back(s);
    }
  if (up_to && !matched.contains(*up_to) && *up_to != std::vector<std::uint64_t>{0})
    out.unknown.push_back(std::to_string(up_to->front()));
  return out;
}

}  // namespace pgpx::migrate
