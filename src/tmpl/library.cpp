// The template library: discovery in search paths, name normalisation, the compile cache
// (development reload, production freeze), whole-library checks and server error mapping.
#include <pgpx/detail/strings.hpp>
#include <pgpx/tmpl/library.hpp>
#include <pgpx/sql_text.hpp>

#include "access_impl.hpp"
#include "ast_impl.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <system_error>

namespace pgpx::tmpl {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void invalid_name(std::string_view name, const std::string& why) {
  std::string shown;
  for (char c : name.substr(0, 80)) shown.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  throw template_error(errc::invalid_name, "invalid template name '" + shown + "': " + why, source_position{});
}

auto read_file(const fs::path& p, std::string& out) -> bool {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

auto normalize_name(std::string_view name) -> std::string {
  if (name.empty()) invalid_name(name, "the name is empty");
  if (name.find('\0') != std::string_view::npos) invalid_name(name, "the name contains a NUL byte");
  if (name.find('\\') != std::string_view::npos) invalid_name(name, "use / to separate directories");
  if (name.front() == '/' || name.front() == '~' || (name.size() > 1 && name[1] == ':'))
    invalid_name(name, "absolute names are refused; names are relative to the search paths");
  std::vector<std::string_view> parts;
  for (const auto part : pgpx::detail::split(name, '/')) {
    if (part == "..") invalid_name(name, "'..' is refused: a name cannot leave the search paths");
    if (!part.empty() && part != ".") parts.push_back(part);
  }
  if (parts.empty()) invalid_name(name, "the name has no file part");
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out.push_back('/');
    out.append(p);
  }
  return out;
}

struct library::impl {
  library_options opt;
  mutable std::mutex mu;
  struct entry {
    fs::path file;
    std::string display;  // the name errors show: the file path relative to its search path
    fs::file_time_type mtime{};
    std::uintmax_t size = 0;
    std::string content;
    std::optional<sql_template> tmpl;
  };
  mutable std::map<std::string, entry, std::less<>> cache;           // by path name (no extension)
  mutable std::map<std::string, std::string, std::less<>> declared;  // declared name -> path name
  mutable bool declared_built = false;
  mutable std::size_t compilations = 0;
  bool frozen = false;

  // The path name without a known extension.
  [[nodiscard]] auto strip_extension(const std::string& n) const -> std::string {
    for (const auto& ext : opt.extensions)
      if (n.size() > ext.size() && n.compare(n.size() - ext.size(), ext.size(), ext) == 0)
        return n.substr(0, n.size() - ext.size());
    return n;
  }

  struct found {
    std::string key;
    fs::path file;
    std::string display;
  };

  [[nodiscard]] auto resolve(const std::string& norm) const -> std::optional<found> {
    const std::string key = strip_extension(norm);
    std::error_code ec;
    for (const auto& sp : opt.search_paths) {
      for (const auto& ext : opt.extensions) {
        const fs::path p = sp / (key + ext);
        if (fs::is_regular_file(p, ec)) return found{key, p, key + ext};
      }
    }
    return std::nullopt;
  }

  // Every template file in the search paths: path name -> (file, display name).
  [[nodiscard]] auto discover() const -> std::map<std::string, std::pair<fs::path, std::string>> {
    std::map<std::string, std::pair<fs::path, std::string>> out;
    for (const auto& sp : opt.search_paths) {
      std::error_code ec;
      if (!fs::is_directory(sp, ec)) continue;
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(sp, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        const std::string rel = f.lexically_relative(sp).generic_string();
        for (const auto& ext : opt.extensions) {
          if (rel.size() > ext.size() && rel.compare(rel.size() - ext.size(), ext.size(), ext) == 0) {
            const std::string key = rel.substr(0, rel.size() - ext.size());
            // Earlier search paths, then earlier extensions, win.
            const auto r = resolve(key);
            if (r && r->file == f) out.emplace(key, std::make_pair(f, rel));
            break;
          }
        }
      }
    }
    return out;
  }

  // Compiles (or reuses) the template of a resolved file. Caller holds `mu`.
  auto load_file(const found& f) const -> sql_template {
    std::error_code ec;
    const auto mtime = fs::last_write_time(f.file, ec);
    const auto size = fs::file_size(f.file, ec);
    auto it = cache.find(f.key);
    if (it != cache.end() && it->second.tmpl && it->second.file == f.file && it->second.mtime == mtime &&
        it->second.size == size && !ec)
      return *it->second.tmpl;
    std::string content;
    if (!read_file(f.file, content))
      throw template_error(errc::include_not_found, "cannot read " + f.file.string(), source_position{f.display, 0, 0});
    if (it != cache.end() && it->second.tmpl && it->second.content == content && it->second.display == f.display) {
      it->second.mtime = mtime;
      it->second.size = size;
      it->second.file = f.file;
      return *it->second.tmpl;
    }
    ++compilations;
    sql_template t = sql_template::compile(content, f.display, opt.syntax);
    entry e{f.file, f.display, mtime, size, std::move(content), t};
    cache.insert_or_assign(f.key, std::move(e));
    return t;
  }

  // Declared names: compiles every template once (errors are skipped here; get() reports them).
  void build_declared() const {
    declared.clear();
    for (const auto& [key, fd] : discover()) {
      try {
        const auto t = load_file(found{key, fd.first, fd.second});
        if (t.declared() && !t.declared()->name.empty()) declared.emplace(t.declared()->name, key);
      } catch (const template_error&) {
      }
    }
    declared_built = true;
  }

  auto lookup(std::string_view name) const -> std::optional<sql_template> {
    const std::string norm = normalize_name(name);
    std::lock_guard lock(mu);
    if (frozen) {
      std::string key = strip_extension(norm);
      if (auto d = declared.find(key); d != declared.end() && cache.count(key) == 0) key = d->second;
      const auto it = cache.find(key);
      if (it == cache.end() || !it->second.tmpl) return std::nullopt;
      return it->second.tmpl;
    }
    if (auto f = resolve(norm)) return load_file(*f);
    // Not a path: perhaps a declared name. Rebuild the index on a miss (files may be new).
    build_declared();
    if (auto d = declared.find(norm); d != declared.end())
      if (auto f = resolve(d->second)) return load_file(*f);
    return std::nullopt;
  }
};

library::library(fs::path dir) : impl_(std::make_unique<impl>()) { impl_->opt.search_paths = {std::move(dir)}; }

library::library(library_options options) : impl_(std::make_unique<impl>()) {
  impl_->opt = std::move(options);
  if (impl_->opt.mode == library_mode::production) {
    preload();
    std::lock_guard lock(impl_->mu);
    impl_->frozen = true;
  }
}

library::library(library&&) noexcept = default;
auto library::operator=(library&&) noexcept -> library& = default;
library::~library() = default;

auto library::options() const noexcept -> const library_options& { return impl_->opt; }

auto library::load(std::string_view name) const -> std::optional<sql_template> { return impl_->lookup(name); }

auto library::get(std::string_view name) const -> sql_template {
  if (auto t = load(name)) return *t;
  std::vector<std::string> all = names();
  const auto s = detail::suggest(name, all);
  std::string where;
  for (const auto& sp : impl_->opt.search_paths) where += (where.empty() ? "" : ", ") + sp.string();
  throw template_error(errc::include_not_found,
                       "template '" + std::string(name) + "' not found in " +
                           (where.empty() ? "no search path" : where) +
                           (s.empty() ? "" : "; did you mean '" + s + "'?"),
                       source_position{});
}

auto library::file_of(std::string_view name) const -> std::optional<fs::path> {
  const std::string norm = normalize_name(name);
  std::lock_guard lock(impl_->mu);
  if (impl_->frozen) {
    const auto it = impl_->cache.find(impl_->strip_extension(norm));
    if (it == impl_->cache.end()) return std::nullopt;
    return it->second.file;
  }
  if (auto f = impl_->resolve(norm)) return f->file;
  return std::nullopt;
}

auto library::names() const -> std::vector<std::string> {
  std::lock_guard lock(impl_->mu);
  std::set<std::string> out;
  if (impl_->frozen) {
    for (const auto& [k, e] : impl_->cache) out.insert(k);
  } else {
    for (const auto& [k, e] : impl_->discover()) out.insert(k);
    impl_->build_declared();
  }
  for (const auto& [k, v] : impl_->declared) out.insert(k);
  return {out.begin(), out.end()};
}

void library::preload() {
  std::lock_guard lock(impl_->mu);
  for (const auto& [key, fd] : impl_->discover()) (void)impl_->load_file(impl::found{key, fd.first, fd.second});
  impl_->build_declared();
}

auto library::compilations() const noexcept -> std::size_t {
  std::lock_guard lock(impl_->mu);
  return impl_->compilations;
}

auto library::render(std::string_view name, const vars& variables) const -> rendered_query {
  return render(name, variables, impl_->opt.render);
}

auto library::render(std::string_view name, const vars& variables, const render_options& options) const
    -> rendered_query {
  const sql_template t = get(name);
  rendered_query q = t.render(variables, options, this);
  if (impl_->opt.on_render) {
    try {
      impl_->opt.on_render(render_event{t.name(), &q});
    } catch (...) {  // NOLINT(bugprone-empty-catch): hooks must not break rendering
    }
  }
  return q;
}

namespace {

auto position_of(const detail::template_impl& t, std::size_t offset) -> source_position {
  return t.src->position(offset);
}

[[noreturn]] void fail_in(const detail::template_impl& t, errc code, const std::string& msg, std::size_t pos,
                          std::size_t end) {
  detail::fail(code, msg, *t.src, pos, end);
}

}  // namespace

auto library::check() const -> check_report {
  check_report report;
  std::map<std::string, std::shared_ptr<const detail::template_impl>> compiled;
  std::vector<std::string> all;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->frozen) {
      for (const auto& [k, e] : impl_->cache) all.push_back(k);
    } else {
      for (const auto& [k, e] : impl_->discover()) all.push_back(k);
    }
  }
  report.names = all;
  for (const auto& name : all) {
    try {
      compiled[name] = detail::template_access::impl(get(name));
    } catch (const template_error& e) {
      report.errors.push_back(e);
    }
  }
  // Resolves a reference to a compiled template (nullptr when missing or broken).
  const auto target = [&](const std::string& ref) -> std::shared_ptr<const detail::template_impl> {
    try {
      if (auto t = load(ref)) return detail::template_access::impl(*t);
    } catch (const template_error&) {
    }
    return nullptr;
  };
  for (const auto& [name, t] : compiled) {
    for (auto off : t->raw_offsets) report.raw_uses.push_back(position_of(*t, off));
    try {
      // References that do not resolve.
      for (const auto& r : t->refs) {
        if (r.ignore_missing) continue;
        bool invalid = false;
        std::string why;
        try {
          (void)normalize_name(r.name);
        } catch (const template_error& e) {
          invalid = true;
          why = e.brief();
        }
        if (invalid) fail_in(*t, errc::invalid_name, why, r.pos, r.end);
        if (!target(r.name)) fail_in(*t, errc::include_not_found, "template '" + r.name + "' not found", r.pos, r.end);
      }
      // Cycles through include/import/extends that come back to this template.
      std::function<bool(const detail::template_impl&, std::vector<std::string>&,
                         std::set<const detail::template_impl*>&)>
          reaches = [&](const detail::template_impl& cur, std::vector<std::string>& path,
                        std::set<const detail::template_impl*>& visited) -> bool {
        for (const auto& r : cur.refs) {
          const auto next = target(r.name);
          if (!next) continue;
          path.push_back(next->src->name);
          if (next.get() == t.get()) return true;
          if (visited.insert(next.get()).second && reaches(*next, path, visited)) return true;
          path.pop_back();
        }
        return false;
      };
      for (const auto& r0 : t->refs) {
        const auto first = target(r0.name);
        if (!first) continue;
        std::vector<std::string> path{t->src->name, first->src->name};
        std::set<const detail::template_impl*> visited{first.get()};
        if (first.get() == t.get() || reaches(*first, path, visited)) {
          std::string chain;
          for (const auto& p : path) chain += (chain.empty() ? "" : " -> ") + p;
          fail_in(*t, errc::include_cycle, "cycle: " + chain, r0.pos, r0.end);
        }
      }
      // Overridden blocks must exist in a parent.
      if (!t->extends.empty()) {
        std::vector<std::shared_ptr<const detail::template_impl>> parents;
        for (auto p = target(t->extends); p && parents.size() < 64;
             p = p->extends.empty() ? nullptr : target(p->extends))
          parents.push_back(p);
        for (const auto& [block, n] : t->blocks) {
          bool found = false;
          for (const auto& p : parents) found = found || p->find_block(block) != nullptr;
          if (!found && !parents.empty())
            fail_in(*t, errc::block_not_found,
                    "block '" + block + "' is not defined in '" + t->extends + "' or its parents", n->pos, n->end);
        }
      }
      // Declared parameters used somewhere in what this template renders with its context.
      if (t->decl) {
        std::set<std::string> used(t->free_vars.begin(), t->free_vars.end());
        std::set<const detail::template_impl*> seen{t.get()};
        std::function<void(const detail::template_impl&)> collect = [&](const detail::template_impl& cur) {
          for (const auto& r : cur.refs) {
            const bool shares = r.kind == detail::node_kind::extends || r.with_context;
            if (!shares) continue;
            const auto next = target(r.name);
            if (!next || !seen.insert(next.get()).second) continue;
            used.insert(next->free_vars.begin(), next->free_vars.end());
            collect(*next);
          }
        };
        collect(*t);
        for (const auto& p : t->decl->params) {
          if (used.count(p.name) != 0) continue;
          const std::size_t off = t->src->line_starts[static_cast<std::size_t>(p.line) - 1];
          const auto at = t->src->text.find(p.name, off);
          fail_in(*t, errc::declared_param_unused,
                  "parameter '" + p.name + "' is declared but neither this template nor what it includes uses it",
                  at == std::string::npos ? off : at, at == std::string::npos ? off + 1 : at + p.name.size());
        }
      }
    } catch (const template_error& e) {
      report.errors.push_back(e);
    }
  }
  return report;
}

void library::rethrow_mapped(const pgpx::error& e, const rendered_query& q) const {
  // The error's position counts in its masked statement (pgpx/sql_text.hpp): back to the
  // rendered SQL first.
  const auto pos = q.locate(mask_literals(q.sql()).original_position(e.info().position));
  if (!pos) throw_error(e.kind(), e.message(), e.info());
  std::string msg = e.message() + "\n  at " + pos->template_name + ":" + std::to_string(pos->line) + ":" +
                    std::to_string(pos->column);
  // The template line with a caret, when the template is one of ours.
  try {
    if (auto t = load(pos->template_name)) {
      const auto& src = *detail::template_access::impl(*t)->src;
      if (pos->line >= 1 && static_cast<std::size_t>(pos->line) <= src.line_starts.size()) {
        std::size_t offset = src.line_starts[static_cast<std::size_t>(pos->line) - 1];
        for (int col = 1; col < pos->column && offset < src.text.size() && src.text[offset] != '\n'; ++col) {
          ++offset;
          while (offset < src.text.size() && pgpx::detail::is_utf8_continuation(src.text[offset])) ++offset;
        }
        msg += "\n" + src.snippet(offset, offset + 1);
      }
    }
  } catch (const template_error&) {
  }
  throw_error(e.kind(), std::move(msg), e.info());
}

}  // namespace pgpx::tmpl
