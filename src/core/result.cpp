#include <pgpx/core/result.hpp>

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace pgpx {

result::result(pg_result* r) noexcept : r_(r) {}
result::result(result&& o) noexcept
    : r_(std::exchange(o.r_, nullptr)), shape_(std::exchange(o.shape_, 0)), types_(std::move(o.types_)) {}
auto result::operator=(result&& o) noexcept -> result& {
  if (this != &o) {
    if (r_ != nullptr) PQclear(r_);
    r_ = std::exchange(o.r_, nullptr);
    shape_ = std::exchange(o.shape_, 0);
    types_ = std::move(o.types_);
  }
  return *this;
}

auto detail::new_result_shape() noexcept -> std::uint64_t {
  static std::atomic<std::uint64_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) + 1;
}
result::~result() {
  if (r_ != nullptr) PQclear(r_);
}

auto result::size() const noexcept -> std::size_t {
  return r_ == nullptr ? 0 : static_cast<std::size_t>(PQntuples(r_));
}
auto result::columns() const noexcept -> int { return r_ == nullptr ? 0 : PQnfields(r_); }
auto result::column_name(int column) const noexcept -> std::string_view {
  const char* n = r_ == nullptr ? nullptr : PQfname(r_, column);
  return n == nullptr ? std::string_view() : std::string_view(n);
}
auto result::column_type(int column) const noexcept -> oid { return r_ == nullptr ? 0 : PQftype(r_, column); }
auto result::column_index(std::string_view name) const noexcept -> int {
  // PQfnumber would fold case and parse quotes; pgpx matches names exactly.
  const int n = columns();
  for (int i = 0; i < n; ++i)
    if (column_name(i) == name) return i;
  return -1;
}
auto result::is_binary() const noexcept -> bool { return r_ == nullptr || PQnfields(r_) == 0 || PQfformat(r_, 0) == 1; }
auto result::affected_rows() const noexcept -> std::uint64_t {
  if (r_ == nullptr) return 0;
  const char* t = PQcmdTuples(r_);
  if (t == nullptr || *t == '\0') return PQresultStatus(r_) == PGRES_TUPLES_OK ? size() : 0;
  return std::strtoull(t, nullptr, 10);
}
auto result::command_tag() const noexcept -> std::string_view {
  const char* t = r_ == nullptr ? nullptr : PQcmdStatus(r_);
  return t == nullptr ? std::string_view() : std::string_view(t);
}
auto result::at(std::size_t index) const -> row {
  if (index >= size())
    throw usage_error("row " + std::to_string(index) + " is out of range (the result has " + std::to_string(size()) +
                      " rows)");
  return (*this)[index];
}

auto result::raw(int row, int column) const noexcept -> detail::field_ref {
  // PQgetlength is 0 for NULL: only an empty value needs the NULL test (two calls, not three).
  const int length = PQgetlength(r_, row, column);
  if (length == 0 && PQgetisnull(r_, row, column) != 0) return {};
  return {PQgetvalue(r_, row, column), length, false};
}

void result::raw_row(int row, detail::field_ref* out) const noexcept {
  const int n = columns();
  for (int c = 0; c < n; ++c) out[c] = raw(row, c);
}

auto field::is_null() const noexcept -> bool {
  return PQgetisnull(detail::result_access::native(*r_), row_, col_) != 0;
}
auto field::type() const noexcept -> oid { return r_->column_type(col_); }
auto field::name() const noexcept -> std::string_view { return r_->column_name(col_); }
auto field::bytes() const noexcept -> std::string_view {
  auto f = detail::result_access::raw(*r_, row_, col_);
  return f.is_null ? std::string_view() : std::string_view(f.data, static_cast<std::size_t>(f.length));
}

auto field::text() const -> std::string_view {
  if (r_->is_binary()) throw usage_error("field::text() reads results of run_text(); use as<T>() here");
  return bytes();
}

auto row::size() const noexcept -> int { return r_->columns(); }
auto row::operator[](std::string_view column) const -> field {
  const int i = r_->column_index(column);
  if (i < 0) throw usage_error("the result has no column named \"" + std::string(column) + "\"");
  return field(*r_, index_, i);
}

namespace detail {

void throw_row_count(std::string_view statement, std::string_view subject, const char* wanted, std::size_t got) {
  error_info info;
  info.statement = std::string(statement);
  throw error(error_kind::row_count,
              std::string(subject) + " must return " + wanted + " but returned " + std::to_string(got),
              std::move(info));
}

void throw_column_count(std::string_view statement, std::string_view subject, int got) {
  error_info info;
  info.statement = std::string(statement);
  throw conversion_error(
      "query_value reads one column, but " + std::string(subject) + " returns " + std::to_string(got), std::move(info));
}

}  // namespace detail

}  // namespace pgpx
