// pgpx.sum: computing, writing, parsing and verifying the chained sum of a directory.
#include <pgpx/migrate/sum_file.hpp>

#include <pgpx/migrate/checksum.hpp>
#include <pgpx/migrate/source.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

namespace pgpx::migrate {

namespace {

constexpr std::string_view sum_name = "pgpx.sum";

// chain_i = SHA-256(chain_{i-1} || name || 0x00 || normalise(content)); no predecessor for the first.
auto chain(const std::optional<digest>& prev, std::string_view name, std::string_view content) -> digest {
  std::string buf;
  const auto norm = normalise(content);
  buf.reserve((prev ? prev->size() : 0) + name.size() + 1 + norm.size());
  if (prev) buf.append(reinterpret_cast<const char*>(prev->data()), prev->size());
  buf.append(name);
  buf.push_back('\0');
  buf.append(norm);
  return sha256(buf);
}

// "h1:" + 44 base64 characters decoding to 32 bytes, or nullopt.
auto decode_hash(std::string_view h) -> std::optional<digest> {
  if (!h.starts_with("h1:")) return std::nullopt;
  h.remove_prefix(3);
  if (h.size() != 44 || h[43] != '=' || h[42] == '=') return std::nullopt;
  const auto ok = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  };
  if (!std::all_of(h.begin(), h.begin() + 43, ok)) return std::nullopt;
  std::array<unsigned char, 33> raw{};  // EVP_DecodeBlock counts the padding as a zero byte
  if (EVP_DecodeBlock(raw.data(), reinterpret_cast<const unsigned char*>(h.data()), 44) != 33) return std::nullopt;
  digest d{};
  std::copy_n(raw.begin(), d.size(), d.begin());
  if ("h1:" + to_base64(d) != "h1:" + std::string(h)) return std::nullopt;  // non-canonical last character
  return d;
}

auto files_in_order(const std::vector<migration>& migrations) -> std::vector<const migration_file*> {
  std::vector<const migration_file*> out;
  for (const auto& m : migrations) {
    out.push_back(&m.up);
    if (m.down) out.push_back(&*m.down);
  }
  return out;
}

}  // namespace

auto compute_sum(const std::vector<migration>& migrations) -> sum_file {
  sum_file sum;
  std::optional<digest> prev;
  for (const auto* f : files_in_order(migrations)) {
    prev = chain(prev, f->file_name, f->content);
    sum.entries.push_back({f->file_name, "h1:" + to_base64(*prev), 0});
  }
  sum.total = "h1:" + to_base64(prev ? *prev : sha256(""));
  return sum;
}

auto compute_sum(const std::filesystem::path& dir) -> sum_file { return compute_sum(load_directory(dir)); }

auto format_sum(const sum_file& sum) -> std::string {
  std::string out = sum.total + "\n";
  for (const auto& e : sum.entries) out += e.file_name + " " + e.hash + "\n";
  return out;
}

auto parse_sum(std::string_view text, const std::string& source) -> sum_file {
  sum_file sum;
  std::map<std::string, int, std::less<>> seen;
  int line_no = 0;
  std::size_t pos = 0;
  bool blank_seen = false;
  int blank_line = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.ends_with('\r')) line.remove_suffix(1);  // a sum checked out with CRLF
    if (line.empty()) {
      if (!blank_seen) blank_line = line_no;
      blank_seen = true;
      continue;
    }
    if (blank_seen) throw source_error(source, blank_line, "blank line inside the sum file");
    if (line_no == 1) {
      if (!decode_hash(line))
        throw source_error(source, 1,
                           "the first line must be the total, h1:<base64 SHA-256>; found '" + std::string(line) + "'");
      sum.total = std::string(line);
      continue;
    }
    const auto space = line.find(' ');
    if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos)
      throw source_error(source, line_no,
                         "expected '<migration file name> h1:<hash>'; found '" + std::string(line) + "'");
    const std::string name(line.substr(0, space));
    const auto hash = line.substr(space + 1);
    try {
      (void)parse_file_name(name);
    } catch (const source_error& e) {
      throw source_error(source, line_no, e.message());
    }
    if (!decode_hash(hash))
      throw source_error(
          source, line_no,
          "bad hash '" + std::string(hash) + "' for " + name + " (expected h1: and the base64 of 32 bytes)");
    const auto [it, inserted] = seen.emplace(name, line_no);
    if (!inserted)
      throw source_error(source, line_no, name + " is listed twice (also on line " + std::to_string(it->second) + ")");
    sum.entries.push_back({name, std::string(hash), line_no});
  }
  if (line_no == 0 || sum.total.empty()) throw source_error(source, 1, "empty sum file (no total line)");
  return sum;
}

auto read_sum(const std::filesystem::path& file) -> sum_file {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw source_error(file.string(), 0, "cannot be read (missing? `pgpx migrate hash` writes it)");
  std::ostringstream s;
  s << in.rdbuf();
  return parse_sum(s.str(), file.string());
}

void write_sum(const std::filesystem::path& dir) {
  const auto text = format_sum(compute_sum(dir));
  const auto target = dir / sum_name;
  auto tmp = target;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw source_error(tmp.string(), 0, "cannot be written");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, target, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw source_error(target.string(), 0, "cannot be replaced: " + ec.message());
  }
}

auto to_string(difference_kind kind) noexcept -> std::string_view {
  switch (kind) {
    case difference_kind::modified: return "modified";
    case difference_kind::added: return "added";
    case difference_kind::removed: return "removed";
    case difference_kind::reordered: return "reordered";
    case difference_kind::tampered: return "tampered";
  }
  return "unknown";
}

auto verify_sum(const std::filesystem::path& dir) -> std::vector<sum_difference> {
  const auto recorded = read_sum(dir / sum_name);
  const auto migrations = load_directory(dir);
  const auto on_disk = files_in_order(migrations);
  std::vector<sum_difference> out;

  std::map<std::string, const migration_file*, std::less<>> disk_by_name;
  for (const auto* f : on_disk) disk_by_name.emplace(f->file_name, f);
  std::map<std::string, std::size_t, std::less<>> sum_index;
  for (std::size_t i = 0; i < recorded.entries.size(); ++i) sum_index.emplace(recorded.entries[i].file_name, i);

  // The sum contradicts itself: its total is not its last chain value.
  const auto last = recorded.entries.empty() ? "h1:" + to_base64(sha256("")) : recorded.entries.back().hash;
  if (recorded.total != last)
    out.push_back({difference_kind::tampered, std::string(sum_name),
                   "line 1 (" + recorded.total + ") is not the chain value of the last line (" + last + ")"});

  // The file that precedes each one on disk (version order), to recognise reordered lines.
  std::map<std::string, std::string, std::less<>> disk_predecessor;
  for (std::size_t i = 1; i < on_disk.size(); ++i)
    disk_predecessor.emplace(on_disk[i]->file_name, on_disk[i - 1]->file_name);

  // Each file line against its recorded predecessor: the line above it, or (for a line that
  // was moved) the line of the file that precedes it on disk.
  for (std::size_t i = 0; i < recorded.entries.size(); ++i) {
    const auto& e = recorded.entries[i];
    const auto it = disk_by_name.find(e.file_name);
    if (it == disk_by_name.end()) {
      out.push_back({difference_kind::removed, e.file_name,
                     "listed on line " + std::to_string(e.line) + " of pgpx.sum but not in the directory"});
      continue;
    }
    const auto matches = [&](const std::optional<digest>& prev) {
      return "h1:" + to_base64(chain(prev, e.file_name, it->second->content)) == e.hash;
    };
    bool ok = matches(i == 0 ? std::optional<digest>{} : decode_hash(recorded.entries[i - 1].hash));
    if (!ok) {
      const auto p = disk_predecessor.find(e.file_name);
      if (p == disk_predecessor.end()) {
        ok = matches(std::nullopt);
      } else if (const auto j = sum_index.find(p->second); j != sum_index.end()) {
        ok = matches(decode_hash(recorded.entries[j->second].hash));
      }
    }
    if (!ok)
      out.push_back({difference_kind::modified, e.file_name,
                     "its content does not match line " + std::to_string(e.line) +
                         " of pgpx.sum (edited after the sum was written, or the line was edited)"});
  }
  for (const auto* f : on_disk)
    if (!sum_index.contains(f->file_name))
      out.push_back({difference_kind::added, f->file_name, "in the directory but not in pgpx.sum"});

  // Order: the files both know, in the sum's order, against the version order on disk.
  std::vector<std::string> disk_common, sum_common;
  for (const auto* f : on_disk)
    if (sum_index.contains(f->file_name)) disk_common.push_back(f->file_name);
  for (const auto& e : recorded.entries)
    if (disk_by_name.contains(e.file_name)) sum_common.push_back(e.file_name);
  for (std::size_t i = 0; i < sum_common.size(); ++i) {
    if (sum_common[i] == disk_common[i]) continue;
    const auto& e = recorded.entries[sum_index.find(sum_common[i])->second];
    out.push_back({difference_kind::reordered, e.file_name,
                   "pgpx.sum lists it on line " + std::to_string(e.line) + ", out of version order (expected " +
                       disk_common[i] + " there)"});
  }
  return out;
}

}  // namespace pgpx::migrate
