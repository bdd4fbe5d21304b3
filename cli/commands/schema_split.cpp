// cli/commands/schema_split.cpp: see schema_split.hpp.
#include "schema_split.hpp"

#include "commands.hpp"

#include <pgpx/error.hpp>
#include <pgpx/schema/diff.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace pgpx::cli {

namespace fs = std::filesystem;

namespace {

auto hex_byte(unsigned char b) -> std::string {
  static constexpr char digits[] = "0123456789ABCDEF";
  return {'%', digits[b >> 4U], digits[b & 15U]};
}

// The file of a piece, relative to the export directory.
auto piece_path(const schema::export_piece& p) -> fs::path {
  const std::string part = p.part.empty() ? "" : "." + split_file_name(p.part);
  // What belongs to no schema: extensions, event triggers, the database's default privileges.
  if (p.kind == "extension" || p.kind == "event_trigger" || (p.kind == "default_privileges" && p.schema.empty()))
    return fs::path(p.kind + "." + split_file_name(p.name) + part + ".sql");
  if (p.kind == "schema") return fs::path(split_file_name(p.schema)) / ("schema" + part + ".sql");
  return fs::path(split_file_name(p.schema)) / split_file_name(p.kind) / (split_file_name(p.name) + part + ".sql");
}

// Every regular file (or anything that is not a directory) under `dir`, relative, sorted.
auto files_under(const fs::path& dir) -> std::vector<fs::path> {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (!e.is_directory() || e.is_symlink()) out.push_back(fs::relative(e.path(), dir));
  std::sort(out.begin(), out.end());
  return out;
}

// Removes `file`'s directory and its parents up to `dir` while they are empty.
void remove_empty_parents(const fs::path& dir, const fs::path& file) {
  for (fs::path d = file.parent_path(); !d.empty() && d != dir && fs::is_directory(d) && fs::is_empty(d);
       d = d.parent_path())
    fs::remove(d);
}

}  // namespace

auto split_file_name(std::string_view name) -> std::string {
  std::string out;
  for (const char ch : name) {
    const auto b = static_cast<unsigned char>(ch);
    if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '_' || b == '-') out += ch;
    else out += hex_byte(b);
  }
  if (out.size() <= 200) return out;
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a over the name itself
  for (const char ch : name) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ULL;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string tail = "~";
  for (int shift = 60; shift >= 0; shift -= 4) tail += digits[(h >> static_cast<unsigned>(shift)) & 15U];
  out.resize(180);
  while (!out.empty() && out.back() == '%') out.pop_back();  // never cut an escape in half
  if (out.size() >= 2 && out[out.size() - 2] == '%') out.resize(out.size() - 2);
  return out + tail;
}

auto is_split_directory(const fs::path& dir) -> bool {
  const fs::path index = dir / split_index_name;
  if (!fs::is_regular_file(index)) return false;
  const std::string text = read_file(index);
  return text.compare(0, split_index_marker.size(), split_index_marker) == 0;
}

auto split_index_files(const fs::path& dir) -> std::vector<fs::path> {
  const fs::path index = dir / split_index_name;
  std::stringstream in(read_file(index));
  std::vector<fs::path> out;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.rfind("\\ir ", 0) != 0) continue;
    const fs::path rel = fs::path(line.substr(4)).lexically_normal();
    const std::string where = index.string() + ":" + std::to_string(n);
    if (rel.empty() || rel.is_absolute() || *rel.begin() == "..")
      throw usage_error(where + ": '" + line.substr(4) + "' is not a file inside " + dir.string());
    if (!fs::is_regular_file(dir / rel)) throw usage_error(where + ": no such file " + (dir / rel).string());
    out.push_back(dir / rel);
  }
  return out;
}

auto write_split_export(const schema::catalog& c, const fs::path& dir) -> std::size_t {
  // What a previous --split wrote, so that it, and only it, may be replaced.
  std::set<fs::path> ours;
  if (fs::exists(dir)) {
    if (!fs::is_directory(dir)) throw usage_error("--split -o " + dir.string() + ": not a directory");
    if (is_split_directory(dir)) {
      ours.insert(fs::path(split_index_name));
      for (const auto& f : split_index_files(dir)) ours.insert(fs::relative(f, dir));
    }
    std::vector<std::string> foreign;
    for (const auto& f : files_under(dir))
      if (ours.count(f) == 0) foreign.push_back(f.string());
    if (!foreign.empty()) {
      std::string list;
      for (std::size_t i = 0; i < foreign.size() && i < 5; ++i) list += (i == 0 ? "" : ", ") + foreign[i];
      if (foreign.size() > 5) list += " and " + std::to_string(foreign.size() - 5) + " more";
      throw usage_error("--split -o " + dir.string() + ": the directory holds files that pgpx schema export --split" +
                        " did not write (" + list + "); nothing was written. Use an empty or new directory");
    }
  }
  const schema::export_result e = schema::export_pieces(c);
  std::vector<fs::path> order;  // by first piece
  std::map<fs::path, std::string> text;
  for (const auto& p : e.pieces) {
    const fs::path f = piece_path(p);
    auto [it, fresh] = text.emplace(f, "");
    if (fresh) order.push_back(f);
    it->second += p.sql;
  }
  std::string index = std::string(split_index_marker) +
                      ": the files of this directory in the order that creates the schema.\n"
                      "-- Apply with `psql -f index.sql` here, or use the directory as a pgpx schema source.\n";
  for (const auto& u : e.not_exported) {
    std::string line = u;
    std::replace_if(
        line.begin(), line.end(), [](char ch) { return ch == '\n' || ch == '\r'; }, ' ');
    index += "-- not exported: " + line + "\n";
  }
  for (const auto& f : order) index += "\\ir " + f.generic_string() + "\n";
  fs::create_directories(dir);
  for (const auto& f : ours)
    if (text.count(f) == 0 && f != fs::path(split_index_name)) {
      fs::remove(dir / f);
      remove_empty_parents(dir, dir / f);
    }
  for (const auto& [f, sql] : text) {
    fs::create_directories((dir / f).parent_path());
    std::ofstream out(dir / f, std::ios::binary | std::ios::trunc);
    if (!(out << sql)) throw usage_error("cannot write " + (dir / f).string());
  }
  {
    std::ofstream out(dir / split_index_name, std::ios::binary | std::ios::trunc);
    if (!(out << index)) throw usage_error("cannot write " + (dir / split_index_name).string());
  }
  return text.size() + 1;
}

}  // namespace pgpx::cli
