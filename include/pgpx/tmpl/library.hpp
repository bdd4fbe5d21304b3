// pgpx/tmpl/library.hpp: templates loaded from directories, rendered and run on a connection.
//
//   pgpx::tmpl::library q{"queries"};                        // queries/**/*.sql.j2, *.sql
//   auto hits = q.query<book>(cx, "books/search", {{"term", "sql"}, {"limit", 10}});
//   auto n    = q.query_value<std::int64_t>(cx, "books/count", {});
//   q.execute(tx, "books/archive", {{"ids", ids}});
//
// Names: `users/list` resolves to `users/list.sql.j2`, then `users/list.sql`, in each search
// path in order (the first match wins); a template's header may also give it a declared name
// (`name: users.list`). Names are normalised; absolute names, `..` and backslashes are
// refused (InvalidTemplateName), so a name can never leave the search paths.
//
// Caching: compiled templates are kept per name with the file's size, mtime and content
// hash. In development mode every lookup checks the file and recompiles only when the
// content changed. In production mode the constructor compiles every template once (and
// fails on the first error) and the library never touches the file system again.
//
// Execution renders, binds the parameters (binary or typed text, never spliced), and runs
// the statement through the executor (a connection, transaction or savepoint). There is no
// implicit retry. A server error with a position is rethrown with the template line it came
// from (see rethrow_mapped).
//
// Thread safety: a library may be used from several threads at once.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/result.hpp>
#include <pgpx/core/row_mapping.hpp>
#include <pgpx/core/stream.hpp>
#include <pgpx/error.hpp>
#include <pgpx/export.hpp>
#include <pgpx/tmpl/template.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::tmpl {

/// How a library treats its files.
enum class library_mode {
  development,  ///< reload a template when its file changed
  production,   ///< compile everything up front, then never read the file system
};

/// What query<T>, query_one<T>, query_optional<T> and stream<T> do with result columns
/// that no member of the row struct reads.
enum class extra_column_policy {
  ignore,  ///< leave them (the default, as pgpx::connection::query does)
  error,   ///< throw conversion_error naming them (catches a stale struct or a `select *`)
};

/// What a render hook sees (for logging: pgpx's CLI logs name, parameter names and types).
struct render_event {
  std::string_view template_name;     ///< the template rendered
  const rendered_query* query = nullptr;  ///< the result: SQL, parameter names, types, secrecy
};

/// Settings of a library.
struct library_options {
  std::vector<std::filesystem::path> search_paths{"queries"};  ///< searched in order
  std::vector<std::string> extensions{".sql.j2", ".sql"};      ///< tried in order after the name
  library_mode mode = library_mode::development;               ///< reload or freeze
  syntax_options syntax{};                                     ///< delimiters and whitespace options
  render_options render{};                                     ///< policies, limits, models, helpers
  extra_column_policy extra_columns = extra_column_policy::ignore;  ///< columns no member reads
  /// Called after each render (must not throw; exceptions are swallowed).
  std::function<void(const render_event&)> on_render{};
};

/// What `check()` found.
struct check_report {
  std::vector<std::string> names;             ///< templates checked
  std::vector<template_error> errors;         ///< every failure, in name order
  std::vector<source_position> raw_uses;      ///< every `| raw` (reported when host strings are allowed)

  /// True when there is no error.
  [[nodiscard]] auto ok() const noexcept -> bool { return errors.empty(); }
};

namespace detail {
/// Throws conversion_error when `r` has columns that no member of T reads (template `name`).
template <class T>
void refuse_unread_columns(const std::string& name, const result& r) {
  const auto unread = pgpx::detail::unread_columns<T>(r);
  if (unread.empty()) return;
  std::string list;
  for (const auto& c : unread) list += (list.empty() ? "\"" : ", \"") + c + "\"";
  throw conversion_error("template " + name + " returns columns that no member of the row type reads: " + list +
                         " (extra_column_policy::error; select only what the struct holds, or add members)");
}
}  // namespace detail

/**
 * The rows of a streamed template, as an input range of T (see pgpx::stream): memory stays
 * bounded by one row (single-row mode) or one fetch (cursor mode). Iterate it once; the
 * connection is busy until the range ends or is destroyed.
 */
template <class T>
class template_stream {
 public:
  /// Starts streaming `q` on `cx` (used by library::stream).
  template_stream(connection& cx, const rendered_query& q, stream_options options,
                  extra_column_policy extra = extra_column_policy::ignore)
      : params_(std::make_unique<param_list>()), extra_(extra), name_(q.template_name()) {
    static_assert(!pgpx::detail::borrows_any<T>(), "pgpx: streamed rows outlive each chunk: use std::string");
    q.bind(*params_);
    source_ = std::make_unique<row_source>(cx, q.sql(), *params_, options);
  }

  /// Iterates over the rows.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;  ///< single pass
    using value_type = T;                               ///< the row type
    using difference_type = std::ptrdiff_t;             ///< unused
    /// The end iterator.
    iterator() = default;
    /// The first row of `s` (reads it).
    explicit iterator(template_stream* s) : s_(s) { advance(); }
    /// The current row.
    auto operator*() const -> const T& { return *s_->current_; }
    /// The current row.
    auto operator->() const -> const T* { return &*s_->current_; }
    /// Reads the next row.
    auto operator++() -> iterator& {
      advance();
      return *this;
    }
    /// Reads the next row.
    void operator++(int) { advance(); }
    /// True when both are the end, or the same position.
    auto operator==(const iterator& o) const noexcept -> bool { return s_ == o.s_; }

   private:
    void advance() {
      if (!s_->fetch()) s_ = nullptr;
    }
    template_stream* s_ = nullptr;
  };
  /// The first row (starts reading).
  auto begin() -> iterator { return iterator(this); }
  /// The end.
  auto end() -> iterator { return iterator(); }

 private:
  auto fetch() -> bool {
    while (chunk_row_ >= chunk_.size()) {
      if (source_->done()) return false;
      chunk_ = source_->next();
      chunk_row_ = 0;
      if (chunk_.columns() == 0) return false;
      if (!mapper_) {
        mapper_.emplace(chunk_);
        if (extra_ == extra_column_policy::error) detail::refuse_unread_columns<T>(name_, chunk_);
      }
    }
    current_ = mapper_->decode(chunk_, static_cast<int>(chunk_row_++));
    return true;
  }
  std::unique_ptr<param_list> params_;
  std::unique_ptr<row_source> source_;
  result chunk_;
  std::size_t chunk_row_ = 0;
  std::optional<pgpx::detail::row_mapper<T>> mapper_;
  std::optional<T> current_;
  extra_column_policy extra_;
  std::string name_;
};

/**
 * Normalises a template name: drops `.` parts and repeated slashes. Throws template_error
 * (InvalidTemplateName) for empty names, absolute names, `..`, backslashes and NUL bytes.
 */
[[nodiscard]] PGPX_API auto normalize_name(std::string_view name) -> std::string;

/**
 * Templates from directories. See the header comment.
 *
 * Thread safety: all member functions may be called concurrently.
 */
class PGPX_API library : public loader {
 public:
  /// A development-mode library over one directory.
  explicit library(std::filesystem::path dir);
  /// A library with explicit options; in production mode compiles every template now and
  /// throws the first template_error.
  explicit library(library_options options);
  /// Moves the library (its cache and options).
  library(library&&) noexcept;
  /// Moves the library (its cache and options).
  auto operator=(library&&) noexcept -> library&;
  library(const library&) = delete;
  auto operator=(const library&) -> library& = delete;
  /// Releases the cache.
  ~library() override;

  /// The options given.
  [[nodiscard]] auto options() const noexcept -> const library_options&;

  /// The compiled template `name`; throws template_error (IncludeNotFound, InvalidTemplateName,
  /// or the template's own compile error).
  [[nodiscard]] auto get(std::string_view name) const -> sql_template;
  /// Like get(), std::nullopt when there is no such template (for include/import/extends).
  [[nodiscard]] auto load(std::string_view name) const -> std::optional<sql_template> override;
  /// The file a name resolves to, or std::nullopt.
  [[nodiscard]] auto file_of(std::string_view name) const -> std::optional<std::filesystem::path>;
  /// Every template name found in the search paths (path names, plus declared names), sorted.
  [[nodiscard]] auto names() const -> std::vector<std::string>;

  /// Renders `name` with the library's render options.
  [[nodiscard]] auto render(std::string_view name, const vars& variables) const -> rendered_query;
  /// Renders `name` with other render options.
  [[nodiscard]] auto render(std::string_view name, const vars& variables, const render_options& options) const
      -> rendered_query;

  /**
   * Compiles every template and checks what a single compile cannot: include/import/extends
   * targets exist, no cycles, overridden blocks exist in a parent, and declared parameters
   * are used somewhere in the template or what it includes or extends.
   */
  [[nodiscard]] auto check() const -> check_report;

  /// Compiles every template now (production mode does this in the constructor).
  void preload();
  /// The number of compilations so far (cache behaviour is observable in tests).
  [[nodiscard]] auto compilations() const noexcept -> std::size_t;

  /**
   * Rethrows a server error of the rendered query `q` with the template position of its
   * PostgreSQL position: "...\n  at users/search.sql.j2:4:12" and the template line with a
   * caret. Errors without a position are rethrown unchanged.
   */
  [[noreturn]] void rethrow_mapped(const pgpx::error& e, const rendered_query& q) const;

  /// Runs `name` and returns its raw result.
  template <class Executor>
  auto exec(Executor& ex, std::string_view name, const vars& variables = {}) const -> result {
    const rendered_query q = render(name, variables);
    return run(ex, q);
  }

  /// Runs `name` and converts every row to T (struct by column name through its naming
  /// strategy, tuple by position, or a one-column scalar).
  template <class T, class Executor>
  [[nodiscard]] auto query(Executor& ex, std::string_view name, const vars& variables = {}) const -> std::vector<T> {
    const rendered_query q = render(name, variables);
    result r = run(ex, q);
    check_columns<T>(q, r);
    return r.template all<T>();
  }

  /// Runs `name`, which must return exactly one row (error_kind::row_count otherwise).
  template <class T, class Executor>
  [[nodiscard]] auto query_one(Executor& ex, std::string_view name, const vars& variables = {}) const -> T {
    const rendered_query q = render(name, variables);
    result r = run(ex, q);
    if (r.size() == 1) check_columns<T>(q, r);
    return r.template one<T>(q.sql(), "template " + q.template_name());
  }

  /// Runs `name`, which must return zero or one row.
  template <class T, class Executor>
  [[nodiscard]] auto query_optional(Executor& ex, std::string_view name, const vars& variables = {}) const
      -> std::optional<T> {
    const rendered_query q = render(name, variables);
    result r = run(ex, q);
    if (r.size() == 1) check_columns<T>(q, r);
    return r.template optional<T>(q.sql(), "template " + q.template_name());
  }

  /// Runs `name`, which must return one row of one column, as T.
  template <class T, class Executor>
  [[nodiscard]] auto query_value(Executor& ex, std::string_view name, const vars& variables = {}) const -> T {
    const rendered_query q = render(name, variables);
    return run(ex, q).template value<T>(q.sql(), "template " + q.template_name());
  }

  /// Runs `name` and returns the number of rows it affected.
  template <class Executor>
  auto execute(Executor& ex, std::string_view name, const vars& variables = {}) const -> std::uint64_t {
    const rendered_query q = render(name, variables);
    return run(ex, q).affected_rows();
  }

  /// Streams the rows of `name` as T with bounded memory (libpq single-row mode, or a cursor
  /// fetching `options.fetch_size` rows at a time). The result type and the declared
  /// `returns: stream` are the caller's choice; nothing is retried.
  template <class T>
  [[nodiscard]] auto stream(connection& cx, std::string_view name, const vars& variables = {},
                            stream_options options = {}) const -> template_stream<T> {
    const rendered_query q = render(name, variables);
    try {
      return template_stream<T>(cx, q, options, this->options().extra_columns);
    } catch (const pgpx::error& e) {
      if (e.info().position > 0) rethrow_mapped(e, q);
      throw;
    }
  }

  /// Runs an already rendered query through `ex`, mapping server error positions.
  template <class Executor>
  auto run(Executor& ex, const rendered_query& q) const -> result {
    param_list p;
    q.bind(p);
    try {
      return ex.exec_params(q.sql(), p);
    } catch (const pgpx::error& e) {
      if (e.info().position > 0) rethrow_mapped(e, q);
      throw;
    }
  }

 private:
  template <class T>
  void check_columns(const rendered_query& q, const result& r) const {
    if (options().extra_columns == extra_column_policy::error) detail::refuse_unread_columns<T>(q.template_name(), r);
  }
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace pgpx::tmpl
