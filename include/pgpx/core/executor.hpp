// pgpx/core/executor.hpp: the typed query API shared by connections, transactions and
// savepoints.
//
//   std::vector<author> v = cx.query<author>("select * from authors where id > $1", 10);
//   author a              = cx.query_one<author>("select * from authors where id = $1", id);
//   std::optional<author> o = cx.query_optional<author>("... where email = $1", email);
//   std::int64_t n        = cx.query_value<std::int64_t>("select count(*) from authors");
//   std::uint64_t changed = cx.execute("delete from authors where id = $1", id);
//   auto s = pgpx::make_statement<author>("select * from authors where id = $1", id);
//   author b              = cx.query_one(s);   // a statement value (pgpx/core/statement.hpp)
//
// Arguments are encoded by their pgpx::codec and sent as parameters $1, $2, ... in binary
// format; they are never spliced into the SQL text. Statements are prepared and cached per
// connection (see connection_options::statement_cache_capacity).
#pragma once

#include <pgpx/core/result.hpp>
#include <pgpx/core/statement.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx {

namespace detail {
/// Access to the members basic_executor needs from connection, transaction and savepoint
/// (the parameter list the typed API reuses). Not part of the API.
struct executor_access {
  template <class E>
  [[nodiscard]] static auto scratch_params(E& e) noexcept -> param_list& {
    return e.scratch_params();
  }
};
}  // namespace detail

/**
 * The typed query API, mixed into a class that provides
 *   result run(std::string_view sql, const param_list& params);
 *   param_list& scratch_params();   (may be private: reached through detail::executor_access)
 * Every member blocks until the statement completes or its deadline passes, and throws
 * pgpx::error (sql_error, broken_connection, timeout_error, conversion_error...).
 */
template <class Derived>
class basic_executor {
 public:
  /// Runs a statement and returns its raw result.
  template <class... Args>
  auto exec(std::string_view sql, const Args&... args) -> result {
    return self().run(sql, bind(args...));
  }

  /// Runs a statement with a prepared parameter list and returns its raw result.
  auto exec_params(std::string_view sql, const param_list& params) -> result { return self().run(sql, params); }

  /// Runs a statement and returns the number of rows it affected.
  template <class... Args>
  auto execute(std::string_view sql, const Args&... args) -> std::uint64_t {
    return self().run(sql, bind(args...)).affected_rows();
  }

  /// Runs a query and converts every row to T (struct by column name, tuple by position,
  /// or a single-column scalar).
  template <class T, class... Args>
  [[nodiscard]] auto query(std::string_view sql, const Args&... args) -> std::vector<T> {
    return self().run(sql, bind(args...)).template all<T>();
  }

  /// Runs a query that must return exactly one row; throws error_kind::row_count otherwise.
  template <class T, class... Args>
  [[nodiscard]] auto query_one(std::string_view sql, const Args&... args) -> T {
    return self().run(sql, bind(args...)).template one<T>(sql);
  }

  /// Runs a query that returns zero or one row.
  template <class T, class... Args>
  [[nodiscard]] auto query_optional(std::string_view sql, const Args&... args) -> std::optional<T> {
    return self().run(sql, bind(args...)).template optional<T>(sql);
  }

  /// Runs a query that returns one row of one column and converts that value to T.
  template <class T, class... Args>
  [[nodiscard]] auto query_value(std::string_view sql, const Args&... args) -> T {
    return self().run(sql, bind(args...)).template value<T>(sql);
  }

  /// Runs a statement value (see pgpx::statement) and returns its raw result.
  template <class Row>
  auto exec(const statement<Row>& s) -> result {
    return self().run(s.sql(), s.params());
  }

  /// Runs a statement value; returns the number of rows it affected.
  template <class Row>
  auto execute(const statement<Row>& s) -> std::uint64_t {
    return self().run(s.sql(), s.params()).affected_rows();
  }

  /// Runs a statement value and reads every row as its Row type.
  template <class Row>
  [[nodiscard]] auto query(const statement<Row>& s) -> std::vector<Row> {
    detail::check_statement_has_rows<Row>();
    return self().run(s.sql(), s.params()).template all<Row>();
  }

  /// Runs a statement value that must return exactly one row (error_kind::row_count otherwise).
  template <class Row>
  [[nodiscard]] auto query_one(const statement<Row>& s) -> Row {
    detail::check_statement_has_rows<Row>();
    return self().run(s.sql(), s.params()).template one<Row>(s.sql());
  }

  /// Runs a statement value that returns zero or one row.
  template <class Row>
  [[nodiscard]] auto query_optional(const statement<Row>& s) -> std::optional<Row> {
    detail::check_statement_has_rows<Row>();
    return self().run(s.sql(), s.params()).template optional<Row>(s.sql());
  }

  /// Runs a statement value returning one row of one column, read as Row.
  template <class Row>
  [[nodiscard]] auto query_value(const statement<Row>& s) -> Row {
    detail::check_statement_has_rows<Row>();
    return self().run(s.sql(), s.params()).template value<Row>(s.sql());
  }

  /// Like query<T>, with a prepared parameter list (for parameters built at run time).
  template <class T>
  [[nodiscard]] auto query_params(std::string_view sql, const param_list& params) -> std::vector<T> {
    return self().run(sql, params).template as<T>();
  }

 private:
  auto self() -> Derived& { return static_cast<Derived&>(*this); }

  template <class... Args>
  auto bind(const Args&... args) -> const param_list& {
    param_list& p = detail::executor_access::scratch_params(self());
    p.clear();
    (p.add(args), ...);
    return p;
  }
};

}  // namespace pgpx
