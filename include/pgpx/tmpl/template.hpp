// pgpx/tmpl/template.hpp: SQL templates, a Jinja subset in which every value is a bound
// parameter (spec/templates.md).
//
//   auto t = pgpx::tmpl::sql_template::compile(
//       "select * from users {% where %}{% if status %} and status = {{ status }}{% endif %}"
//       "{% endwhere %} order by {{ col | oneof('name', 'created_at') | ident }}",
//       "users/list");
//   auto q = t.render({{"status", "active"}, {"col", "name"}});
//   q.sql();     // select * from users WHERE status = $1 order by "name"
//   q.params();  // {"active"}
//
// `{{ v }}` always becomes a placeholder `$n` and v a parameter. Text reaches the SQL only
// through the engine: the template's own literal text, identifiers quoted by
// pgpx::quote_identifier (`| ident`), allow-listed keywords (`| oneof`), range-checked
// integers (`| int_literal`) and fragments made by macros, includes and `sql("...")`.
// The engine tracks SQL's lexical state (quotes, comments, dollar quotes, quoted names) and
// refuses output inside a literal, both when compiling and when rendering.
//
// Rendering is pure: it reads the compiled template, the variables and the options, and
// returns an immutable rendered_query. A compiled template may be rendered from several
// threads at once.
#pragma once

#include <pgpx/core/statement.hpp>
#include <pgpx/export.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/outcome.hpp>
#include <pgpx/reflect/naming.hpp>
#include <pgpx/tmpl/error.hpp>
#include <pgpx/tmpl/value.hpp>
#include <pgpx/types/codec.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx::tmpl {

/// How template text is split into literal text, expressions, statements and comments.
struct syntax_options {
  std::string variable_start = "{{";  ///< opens an expression
  std::string variable_end = "}}";    ///< closes an expression
  std::string block_start = "{%";     ///< opens a statement
  std::string block_end = "%}";       ///< closes a statement
  std::string comment_start = "{#";   ///< opens a comment
  std::string comment_end = "#}";     ///< closes a comment
  bool trim_blocks = false;            ///< drop the first newline after a statement or comment (Jinja's trim_blocks)
  bool lstrip_blocks = false;          ///< drop spaces and tabs before a statement at line start (lstrip_blocks)
  bool keep_trailing_newline = false;  ///< keep the template's final newline (Jinja drops it by default)
};

/// What `{{ list | in }}` renders for an empty list.
enum class in_empty_policy {
  error,       ///< EmptyInList (the default)
  false_list,  ///< `(SELECT NULL WHERE FALSE)`: `x IN (...)` is false, `x NOT IN (...)` true
};

/// Bounds of one render (RenderLimitExceeded beyond them).
struct render_limits {
  std::size_t max_loop_iterations = 100'000;     ///< loop iterations, all loops together
  std::size_t max_output_bytes = 16U << 20U;     ///< rendered SQL text
  int max_include_depth = 32;                    ///< nested include/extends/import (IncludeCycle beyond)
  int max_call_depth = 64;                       ///< nested macro calls
};

/// The columns of a model, for `{{ columns(Model) }}`.
struct model_columns {
  std::vector<std::string> columns;  ///< column names (already under the model's naming strategy)
};

/// The columns of a model struct as pgpx::model_info<T>() describes them (the one source of
/// truth the ORM and DDL read too: its naming strategy, model<T>'s facts), for
/// render_options::models: `o.models["User"] = pgpx::tmpl::model_columns_of<user>();`
template <class T>
[[nodiscard]] auto model_columns_of() -> model_columns {
  model_columns out;
  for (const auto& c : model_info<T>().columns) out.columns.push_back(c.name);
  return out;
}

/// A host function templates may call: receives evaluated positional and keyword
/// arguments and returns a value (which is bound like any other; helpers cannot make SQL).
using helper_fn = std::function<value(const std::vector<value>& args, const map_entries& kwargs)>;

/// Options of a render.
struct render_options {
  in_empty_policy in_empty = in_empty_policy::error;  ///< policy of `| in` on empty lists
  /// Emergency switch: `| raw` accepts host strings. `pgpx template check` reports every use.
  bool allow_raw_host_strings = false;
  render_limits limits{};                              ///< render bounds
  std::map<std::string, model_columns, std::less<>> models{};  ///< models known to columns()
  std::map<std::string, helper_fn, std::less<>> helpers{};    ///< registered helper functions
};

/// One parameter of a declaration header.
struct param_declaration {
  std::string name;                  ///< the variable name
  std::string type;                  ///< the type as written, without markers ("int4", "int8[]", "ident")
  oid type_oid = oids::unspecified;  ///< its OID (0 for ident and unknown-but-allowed types)
  bool optional = false;             ///< `?`: may be missing or null
  bool secret = false;               ///< `secret`: the value is masked in logs
  bool ident = false;                ///< `ident`: an identifier, output quoted (never bound)
  std::vector<std::string> oneof;    ///< allowed values of an ident, when restricted
  int line = 0;                      ///< line of the declaration in the template
};

/// The optional `{#- pgpx ... -#}` header of a template.
struct declaration {
  std::string name;                       ///< discovery name, or empty (the path is the name)
  std::vector<param_declaration> params;  ///< declared parameters, in order
  std::string returns_shape;              ///< one, one?, many, scalar, exec, stream; empty when undeclared
  std::string returns_type;               ///< the row or scalar type after the shape, or empty
  int line = 0;                           ///< line where the header starts

  /// The parameter called `name`, or nullptr.
  [[nodiscard]] PGPX_API auto find(std::string_view param) const noexcept -> const param_declaration*;
};

/// The OID of a type name used in declarations and `| type(...)` ("int8", "bigint", "text[]"...),
/// or 0 when the name is not a built-in type.
[[nodiscard]] PGPX_API auto type_oid_by_name(std::string_view name) noexcept -> oid;

/// One piece of the rendered SQL and where in which template it came from.
struct source_map_entry {
  std::size_t sql_offset = 0;  ///< byte offset in the SQL text
  std::size_t sql_length = 0;  ///< length in bytes
  source_position where;       ///< the template position of the first byte
  bool literal = false;        ///< template text (positions inside advance with the text)
};

/**
 * The result of a render: SQL with $n placeholders and the parameters to bind.
 *
 * Immutable. Thread safety: may be read from several threads at once.
 */
class PGPX_API rendered_query {
 public:
  /// An empty query (no SQL, no parameters).
  rendered_query() = default;
  /// Assembles a rendered query (used by the engine).
  rendered_query(std::string template_name, std::string sql, std::vector<value> params, std::vector<oid> types,
                 std::vector<std::string> names, std::vector<bool> secret, std::vector<source_map_entry> map);

  /// The name of the template that was rendered.
  [[nodiscard]] auto template_name() const noexcept -> const std::string& { return template_name_; }
  /// The SQL text, with $1, $2... where values go.
  [[nodiscard]] auto sql() const noexcept -> const std::string& { return sql_; }
  /// The parameter values, $1 first.
  [[nodiscard]] auto params() const noexcept -> const std::vector<value>& { return params_; }
  /// The type OID sent with each parameter (0: the server infers it).
  [[nodiscard]] auto param_types() const noexcept -> const std::vector<oid>& { return types_; }
  /// A name per parameter: the variable path ("user.id") or a description of the expression.
  [[nodiscard]] auto param_names() const noexcept -> const std::vector<std::string>& { return names_; }
  /// Whether each parameter is secret (declared `secret`, or named like password/token/email).
  [[nodiscard]] auto param_secret() const noexcept -> const std::vector<bool>& { return secret_; }
  /// Where each piece of the SQL came from.
  [[nodiscard]] auto source_map() const noexcept -> const std::vector<source_map_entry>& { return map_; }

  /**
   * The template position of a server error position: `position` is PostgreSQL's 1-based
   * character offset in sql() (ErrorResponse field P). std::nullopt when out of range.
   */
  [[nodiscard]] auto locate(int position) const -> std::optional<source_position>;

  /**
   * Appends the parameters to `out`, encoded for libpq, each named (name_last) with its
   * parameter name; secret ones get a name the query log masks. Throws conversion_error
   * for values PostgreSQL cannot take (a NUL byte in text) and template_error
   * (FilterTypeError) for values that cannot be bound (a map without `| json`).
   */
  void bind(param_list& out) const;
  /// The parameters as a new list (see bind()).
  [[nodiscard]] auto to_param_list() const -> param_list;

  /**
   * This query as a statement value whose rows are read as Row (void: no rows), to run on any
   * executor: `cx.query(q.statement<user>())`, `batch.add(...)`, `co_await acx.query(...)`.
   * The parameters are bound now and copied, named as in bind(). A server error of the
   * statement is not mapped back to the template position (library::query does that).
   * Throws as bind().
   */
  template <class Row = void>
  [[nodiscard]] auto statement() const -> pgpx::statement<Row> {
    param_list p;
    p.own_values(true);
    bind(p);
    return pgpx::statement<Row>(sql_, std::move(p));
  }

  /// {"sql": "...", "params": [...]} with each parameter as a JSON value; secret values are
  /// replaced by "********" unless `show_secrets`.
  [[nodiscard]] auto to_json(bool show_secrets = true) const -> nlohmann::ordered_json;

 private:
  std::string template_name_;
  std::string sql_;
  std::vector<value> params_;
  std::vector<oid> types_;
  std::vector<std::string> names_;
  std::vector<bool> secret_;
  std::vector<source_map_entry> map_;
};

class sql_template;

/**
 * Finds templates by name for include, import and extends.
 *
 * Thread safety: implementations must allow concurrent load() calls.
 */
class PGPX_API loader {
 public:
  /// Destroys the loader.
  virtual ~loader() = default;
  /// The compiled template called `name`, or std::nullopt when there is none. Throws
  /// template_error when the template exists but does not compile, or the name is invalid.
  [[nodiscard]] virtual auto load(std::string_view name) const -> std::optional<sql_template> = 0;
};

namespace detail {
struct template_impl;
struct template_access;  // src/tmpl/access_impl.hpp (pgpx's sources only)
}  // namespace detail

/**
 * A compiled template. A cheap handle: copies share the compiled form, which is immutable.
 *
 * Thread safety: render() may run on several threads at once.
 */
class PGPX_API sql_template {
 public:
  /// Compiles `source` under `name` (used in errors and by includes). Throws template_error
  /// for syntax errors, placeholders inside literals, unknown filters and tests, a bad
  /// declaration header, and declared parameters the template never uses.
  [[nodiscard]] static auto compile(std::string_view source, std::string name = "<template>",
                                    const syntax_options& syntax = {}) -> sql_template;
  /// Like compile(), returning the error as a diagnostic instead of throwing it.
  [[nodiscard]] static auto try_compile(std::string_view source, std::string name = "<template>",
                                        const syntax_options& syntax = {}) -> outcome<sql_template>;

  /**
   * Renders with `variables`. Includes, imports and extends are resolved through `templates`
   * (IncludeNotFound without one). Throws template_error (see errc); never touches a database.
   */
  [[nodiscard]] auto render(const vars& variables, const render_options& options = {},
                            const loader* templates = nullptr) const -> rendered_query;
  /// Like render(), returning template errors as a diagnostic.
  [[nodiscard]] auto try_render(const vars& variables, const render_options& options = {},
                                const loader* templates = nullptr) const -> outcome<rendered_query>;

  /// The name given at compile time.
  [[nodiscard]] auto name() const noexcept -> const std::string&;
  /// The source text.
  [[nodiscard]] auto source() const noexcept -> const std::string&;
  /// The declaration header, when the template has one.
  [[nodiscard]] auto declared() const noexcept -> const std::optional<declaration>&;
  /// A 64-bit FNV-1a hash of the source (the cache key with the name).
  [[nodiscard]] auto content_hash() const noexcept -> std::uint64_t;
  /// Names of the templates this one includes, imports or extends (string literals), in order.
  [[nodiscard]] auto references() const -> std::vector<std::string>;
  /// Variables the template reads that it does not set itself (loop variables, set, macro
  /// arguments excluded), sorted.
  [[nodiscard]] auto free_variables() const -> std::vector<std::string>;
  /// Source positions of every `| raw` use (reported by `pgpx template check`).
  [[nodiscard]] auto raw_uses() const -> std::vector<source_position>;

 private:
  friend struct detail::template_access;
  [[nodiscard]] auto impl() const noexcept -> const std::shared_ptr<const detail::template_impl>& { return impl_; }
  explicit sql_template(std::shared_ptr<const detail::template_impl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<const detail::template_impl> impl_;
};

/**
 * Templates held in memory, by name (tests, embedded templates, generated code).
 *
 * Thread safety: add() before sharing; load() may then be called concurrently.
 */
class PGPX_API memory_loader : public loader {
 public:
  /// An empty loader whose templates compile with `syntax`.
  explicit memory_loader(syntax_options syntax = {}) : syntax_(std::move(syntax)) {}
  /// Adds (or replaces) a template; compiled on first load. Returns *this.
  auto add(std::string name, std::string source) -> memory_loader&;
  /// The compiled template, or std::nullopt. Throws template_error when it does not compile.
  [[nodiscard]] auto load(std::string_view name) const -> std::optional<sql_template> override;

 private:
  syntax_options syntax_;
  std::map<std::string, std::string, std::less<>> sources_;
};

}  // namespace pgpx::tmpl
