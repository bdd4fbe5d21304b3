// pgpx/core/statement.hpp: one statement as a value: SQL text, its bound parameters and the
// shape of its rows.
//
//   auto s = pgpx::make_statement<author>("select * from authors where id > $1", 10);
//   std::vector<author> v = cx.query(s);          // the row type comes from the statement
//   auto one = tx.query_one(s);                    // the same value on a transaction,
//   batch.add(s);                                  // in a pipeline batch,
//   for (const author& a : pgpx::stream(cx, s)) {} // as a stream,
//   auto w = co_await acx.query(s);                // and on an async connection.
//
// A statement owns copies of its parameter values (encoded once, when it is made), so it may
// be kept, copied, and run many times on any executor. The query builder, the SQL templates
// (tmpl::rendered_query::statement<Row>()) and generated code produce it; every executor
// runs it unchanged. Values are bound as $1, $2, ...; they are never spliced into the text.
#pragma once

#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pgpx {

/**
 * SQL text plus owned parameters plus the result shape `Row`: a struct read by column
 * name, a tuple read by position, or a single-column scalar, as in connection::query<T>.
 * `Row = void` is a statement that returns no rows (run it with execute() or exec()).
 *
 * Thread safety: a const statement may be run from several threads at once (each on its own
 * connection). Copies are independent.
 */
template <class Row = void>
class statement {
 public:
  /// The type each row is read into (void: no rows).
  using row_type = Row;

  /// An empty statement (no SQL, no parameters).
  statement() { params_.own_values(true); }

  /// A statement without parameters.
  explicit statement(std::string sql) : sql_(std::move(sql)) { params_.own_values(true); }

  /// A statement with a parameter list built at run time. Values the list borrowed
  /// (std::string lvalues) are copied, so the statement never points into the caller's data.
  statement(std::string sql, param_list params) : sql_(std::move(sql)), params_(std::move(params)) {
    params_.make_owning();
  }

  /// The SQL text, with $1, $2... where the values go.
  [[nodiscard]] auto sql() const noexcept -> const std::string& { return sql_; }
  /// The bound parameters, $1 first (with their names, where given, for the query log).
  [[nodiscard]] auto params() const noexcept -> const param_list& { return params_; }

  /// The same SQL and parameters, read as another row type (or void).
  template <class Other>
  [[nodiscard]] auto as() const& -> statement<Other> {
    return statement<Other>(sql_, params_);
  }
  /// The same SQL and parameters, read as another row type (moves them).
  template <class Other>
  [[nodiscard]] auto as() && -> statement<Other> {
    return statement<Other>(std::move(sql_), std::move(params_));
  }

 private:
  std::string sql_;
  param_list params_;
};

/**
 * Makes a statement of `sql` with `args` bound as $1, $2, ..., each encoded by its
 * pgpx::codec now (so a refused value, such as text with a NUL byte, throws
 * conversion_error here, naming its $n). The values are copied.
 */
template <class Row = void, class... Args>
[[nodiscard]] auto make_statement(std::string sql, const Args&... args) -> statement<Row> {
  param_list p;
  p.own_values(true);
  (p.add(args), ...);
  return statement<Row>(std::move(sql), std::move(p));
}

/// True for pgpx::statement<R> of any R.
template <class T>
inline constexpr bool is_statement = false;
template <class R>
inline constexpr bool is_statement<statement<R>> = true;

namespace detail {
/// The readable refusal for reading rows of a statement declared to return none.
template <class Row>
constexpr void check_statement_has_rows() {
  static_assert(!std::is_void_v<Row>,
                "pgpx: this statement is declared without rows (statement<void>); run it with execute(), or "
                "declare its row type (s.as<T>())");
}
}  // namespace detail

}  // namespace pgpx
