#include <pgpx/core/copy.hpp>

#include "connection_impl.hpp"

#include <istream>
#include <ostream>

namespace pgpx {
namespace {

// Hands COPY data to libpq without blocking forever: waits for the socket under the
// connection's deadline when libpq's buffer is full.
void put_copy_data(connection::impl& s, std::string_view sql, const char* data, std::size_t size) {
  const deadline d = s.effective_deadline();
  while (size > 0) {
    const int chunk = static_cast<int>(std::min<std::size_t>(size, 1 << 20));
    const int r = PQputCopyData(s.conn, data, chunk);
    if (r < 0) s.throw_broken(sql, "could not send COPY data");
    if (r == 0) {
      short rev = 0;
      if (wait_socket(PQsocket(s.conn), POLLIN | POLLOUT, d, &rev) == wait_outcome::timed_out) s.timed_out(sql);
      if ((rev & (POLLIN | POLLERR | POLLHUP)) != 0 && PQconsumeInput(s.conn) == 0)
        s.throw_broken(sql, "the connection to the server was lost");
      continue;
    }
    data += chunk;
    size -= static_cast<std::size_t>(chunk);
  }
  s.flush(sql, d);
}

// Sends the COPY statement and waits for the server to switch to COPY mode.
void start_copy(connection::impl& s, std::string_view sql, ExecStatusType expected) {
  s.ensure_usable(sql);
  const deadline d = s.effective_deadline();
  s.deallocate_pending(d);
  const std::string text(sql);
  if (PQsendQuery(s.conn, text.c_str()) == 0) s.throw_broken(sql, "could not send the COPY statement");
  s.flush(sql, d);
  PGresult* r = s.next_result(sql, d);
  if (r == nullptr) s.throw_broken(sql, "no answer to the COPY statement");
  const result res = detail::result_access::adopt(r);
  const auto st = PQresultStatus(r);
  if (st == expected) return;
  if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE) {
    while (PGresult* more = s.next_result(sql, d)) PQclear(more);
    s.throw_result_error(r, sql);
  }
  while (PGresult* more = s.next_result(sql, d)) PQclear(more);
  throw usage_error("the statement is not a COPY " +
                        std::string(expected == PGRES_COPY_IN ? "FROM STDIN" : "TO STDOUT") + " statement",
                    error_info{.statement = std::string(sql)});
}

// Reads the results that end a COPY; throws the error if it failed. Returns the row count.
auto end_copy(connection::impl& s, std::string_view sql) -> std::uint64_t {
  const deadline d = s.effective_deadline();
  result kept;
  bool failed = false;
  while (PGresult* r = s.next_result(sql, d)) {
    if (failed) {
      PQclear(r);
      continue;
    }
    const auto st = PQresultStatus(r);
    failed = st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE;
    kept = detail::result_access::adopt(r);
  }
  if (PQstatus(s.conn) != CONNECTION_OK) s.throw_broken(sql, "the connection to the server was lost");
  if (failed) s.throw_result_error(detail::result_access::native(kept), sql);
  return kept.affected_rows();
}

// Runs f(), reporting the COPY to the query hook when it fails.
template <class F>
auto reporting_failure(connection::impl& s, std::string_view sql, clock::time_point started, F&& f) {
  try {
    return f();
  } catch (const error& e) {
    s.report(sql, query_source::copy, started, 0, &e);
    throw;
  }
}

}  // namespace

copy_writer::copy_writer(connection& cx, std::string_view copy_sql) : cx_(cx), sql_(copy_sql) {
  auto& s = detail::connection_access::state(cx_);
  if (s.hooked()) started_ = clock::now();
  reporting_failure(s, sql_, started_, [&] { start_copy(s, sql_, PGRES_COPY_IN); });
  open_ = true;
  buf_.reserve(1 << 17);
}

copy_writer::~copy_writer() {
  if (open_) abort("the COPY was abandoned by the client");
}

void copy_writer::write(std::string_view bytes) {
  buf_.append(bytes);
  flush(1 << 16);
}

void copy_writer::flush(std::size_t threshold) {
  if (!open_) throw usage_error("the COPY is already finished", error_info{.statement = sql_});
  if (buf_.size() < threshold || buf_.empty()) return;
  put_copy_data(detail::connection_access::state(cx_), sql_, buf_.data(), buf_.size());
  buf_.clear();
}

auto copy_writer::finish() -> std::uint64_t {
  auto& s = detail::connection_access::state(cx_);
  const std::uint64_t rows = reporting_failure(s, sql_, started_, [&] { return finish_copy(); });
  s.report(sql_, query_source::copy, started_, rows, nullptr);
  return rows;
}

auto copy_writer::finish_copy() -> std::uint64_t {
  flush(0);
  open_ = false;
  auto& s = detail::connection_access::state(cx_);
  const deadline d = s.effective_deadline();
  for (;;) {
    const int r = PQputCopyEnd(s.conn, nullptr);
    if (r < 0) s.throw_broken(sql_, "could not end the COPY");
    if (r == 1) break;
    if (wait_socket(PQsocket(s.conn), POLLOUT, d) == wait_outcome::timed_out) s.timed_out(sql_);
  }
  s.flush(sql_, d);
  return end_copy(s, sql_);
}

void copy_writer::abort(std::string_view reason) noexcept {
  if (!open_) return;
  open_ = false;
  try {
    auto& s = detail::connection_access::state(cx_);
    if (s.conn == nullptr) return;
    const std::string why(reason);
    if (PQputCopyEnd(s.conn, why.c_str()) < 0) {
      s.close();
      return;
    }
    s.flush(sql_, s.effective_deadline());
    try {
      (void)end_copy(s, sql_);
    } catch (const error& e) {  // the server reports the abort as an error (57014): expected
      if (e.poisons_connection()) cx_.close();
    }
  } catch (...) {
    cx_.close();  // state unknown
  }
}

copy_reader::copy_reader(connection& cx, std::string_view copy_sql) : cx_(cx), sql_(copy_sql) {
  auto& s = detail::connection_access::state(cx_);
  if (s.hooked()) started_ = clock::now();
  reporting_failure(s, sql_, started_, [&] { start_copy(s, sql_, PGRES_COPY_OUT); });
}

copy_reader::~copy_reader() {
  if (chunk_ != nullptr) PQfreemem(chunk_);
  if (done_) return;
  try {
    std::string_view ignored;
    while (next(ignored)) {
    }
  } catch (...) {
    cx_.close();
  }
}

auto copy_reader::next(std::string_view& data) -> bool {
  if (chunk_ != nullptr) {
    PQfreemem(chunk_);
    chunk_ = nullptr;
  }
  if (done_) return false;
  auto& s = detail::connection_access::state(cx_);
  const deadline d = s.effective_deadline();
  for (;;) {
    const int n = PQgetCopyData(s.conn, &chunk_, 1);
    if (n > 0) {
      data = std::string_view(chunk_, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      if (wait_socket(PQsocket(s.conn), POLLIN, d) == wait_outcome::timed_out) s.timed_out(sql_);
      if (PQconsumeInput(s.conn) == 0) s.throw_broken(sql_, "the connection to the server was lost");
      continue;
    }
    done_ = true;
    rows_ = reporting_failure(s, sql_, started_, [&] { return end_copy(s, sql_); });  // -1: done; -2: failed
    s.report(sql_, query_source::copy, started_, rows_, nullptr);
    return false;
  }
}

auto table_columns(connection& cx, const copy_table& table) -> std::vector<copy_column> {
  // regclass parses the quoted name exactly as the COPY statement will.
  auto rows = cx.query<std::tuple<std::string, std::int64_t>>(
      "select attname::text, atttypid::int8 from pg_attribute where attrelid = $1::regclass and attnum > 0 "
      "and not attisdropped order by attnum",
      table.quoted());
  std::vector<copy_column> out;
  out.reserve(rows.size());
  for (auto& [name, type] : rows) out.push_back({std::move(name), static_cast<oid>(type)});
  return out;
}

auto copy_from(connection& cx, std::string_view copy_sql, std::istream& in) -> std::uint64_t {
  copy_writer w(cx, copy_sql);
  std::string& buf = detail::copy_writer_access::buffer(w);
  char block[1 << 16];
  while (in) {
    in.read(block, sizeof block);
    const auto got = in.gcount();
    if (got <= 0) break;
    buf.append(block, static_cast<std::size_t>(got));
    w.flush(1 << 16);
  }
  if (in.bad()) {
    w.abort("reading the input failed");
    throw usage_error("could not read the COPY input stream", error_info{.statement = std::string(copy_sql)});
  }
  return w.finish();
}

auto copy_to(connection& cx, std::string_view copy_sql, std::ostream& out) -> std::uint64_t {
  copy_reader r(cx, copy_sql);
  std::string_view chunk;
  while (r.next(chunk)) {
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!out)
      throw usage_error("could not write the COPY output stream", error_info{.statement = std::string(copy_sql)});
  }
  return r.rows();
}

namespace detail {

void copy_member_error(std::string_view member, std::string_view cpp, oid column_type, std::string_view column) {
  throw conversion_error("member \"" + std::string(member) + "\" (" + std::string(cpp) +
                         ") cannot be written in binary COPY to column \"" + std::string(column) + "\" of type " +
                         describe_type(column_type) + "; use a C++ type whose codec matches the column");
}

void copy_value_error(std::uint64_t row, std::string_view member, std::string_view column, oid column_type,
                      const copy_table& table, const conversion_error& e) {
  error_info info = e.info();
  info.column = std::string(column);
  info.table = table.name;
  throw conversion_error("row " + std::to_string(row) + ", member \"" + std::string(member) + "\" (column \"" +
                             std::string(column) + "\" of type " + describe_type(column_type) + "): " + e.message() +
                             "; nothing was copied",
                         std::move(info));
}

auto copy_client_utf8(connection& cx) -> bool { return cx.parameter_status("client_encoding") == "UTF8"; }

void copy_missing_column(std::string_view member, std::string_view column, const copy_table& table) {
  throw conversion_error("member \"" + std::string(member) + "\" expects a column named \"" + std::string(column) +
                         "\", which table " + table.quoted() + " does not have");
}

auto copy_text_like(connection& cx, oid type) -> bool {
  if (is_text_type(type) || type == oids::json || type == oids::xml || type == oids::char_) return true;
  if (is_builtin_type(type)) return false;
  // Enums and string-category types (citext) have their text as binary form.
  const auto cat = cx.query_value<std::string>("select typtype::text || typcategory::text from pg_type where oid = $1",
                                               static_cast<std::int64_t>(type));
  return cat.size() == 2 && (cat[0] == 'e' || cat[1] == 'S');
}

auto copy_text_array_element(connection& cx, oid type) -> oid {
  oid element = builtin_array_element(type);
  if (element == 0 && !is_builtin_type(type)) {
    element = static_cast<oid>(
        cx.query_optional<std::int64_t>("select typelem::int8 from pg_type where oid = $1 and typcategory = 'A'",
                                        static_cast<std::int64_t>(type))
            .value_or(0));
  }
  return element != 0 && element != oids::json && copy_text_like(cx, element) ? element : 0;
}

auto copy_columns_sql(const std::vector<std::string_view>& names) -> std::string {
  std::string out = "(";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote_identifier(names[i]);
  }
  return out + ")";
}

auto query_columns(connection& cx, std::string_view query) -> std::vector<copy_column> {
  // Runs the query with no rows to learn its columns' names and types.
  const result r = cx.exec("select * from (" + std::string(query) + ") as pgpx_copy_source limit 0");
  std::vector<copy_column> out;
  for (int c = 0; c < r.columns(); ++c) out.push_back({std::string(r.column_name(c)), r.column_type(c)});
  return out;
}

}  // namespace detail
}  // namespace pgpx
