// pgpx/core/stream.hpp: read a result of any size with bounded memory.
//
//   for (const event& e : pgpx::stream<event>(cx, "select * from events where day = $1", day)) {
//     ...                                        // one row at a time (libpq single-row mode)
//   }
//   auto s = pgpx::stream<event>(cx, {.fetch_size = 10'000}, "select * from events");
//   for (const event& e : s) ...                 // a server-side cursor, 10,000 rows per FETCH
//
// Single-row mode needs no transaction; the cursor mode runs inside the open transaction, or
// opens (and commits) one of its own. While a stream is open its connection is busy: run
// nothing else on it. Leaving a stream before its end outside a transaction block cancels
// the rest of the query; inside one, a stream always reads through a cursor (single-row mode
// becomes FETCHes of in_transaction_fetch_size rows), and leaving early closes the cursor:
// the transaction stays usable whatever the size of the result and the timing.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/result.hpp>
#include <pgpx/core/row_mapping.hpp>
#include <pgpx/core/statement.hpp>
#include <pgpx/export.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace pgpx {

/// How a stream fetches.
struct stream_options {
  /// 0: libpq single-row mode (one row per round of decoding, no transaction needed), or,
  /// inside a transaction block, a cursor of in_transaction_fetch_size rows per FETCH;
  /// N > 0: a server-side cursor fetching N rows at a time (fewer, larger results).
  std::size_t fetch_size = 0;
};

/// Rows per FETCH of a stream asked for single-row mode (fetch_size 0) inside a transaction
/// block, where it reads through a cursor instead (see above).
inline constexpr std::size_t in_transaction_fetch_size = 1000;

/**
 * The chunks (results) of a streaming query, in order. Non-template core of pgpx::stream.
 * Blocking; throws pgpx::error. Destroying it early cancels the query (never throws).
 */
class PGPX_API row_source {
 public:
  row_source(connection& cx, std::string_view sql, const param_list& params, stream_options options);
  row_source(const row_source&) = delete;
  auto operator=(const row_source&) -> row_source& = delete;
  ~row_source();

  /// The next chunk of rows; an empty result (no columns) when the stream is over.
  auto next() -> result;
  /// True once every row was delivered.
  [[nodiscard]] auto done() const noexcept -> bool { return done_; }

 private:
  void start(const param_list& params);
  auto next_chunk() -> result;
  void finish_cursor();
  connection& cx_;
  std::string sql_;
  stream_options options_;
  std::string cursor_;
  bool own_transaction_ = false;
  bool done_ = false;
  std::uint64_t rows_ = 0;       // delivered so far (the query hook's count)
  clock::time_point started_{};  // for the query hook
};

/**
 * A streaming query as an input range of T (struct by column name, tuple, or scalar, as in
 * connection::query<T>). Iterate it once.
 */
template <class T>
class stream {
 public:
  /// Starts the query with arguments $1, $2, ...
  template <class... Args>
  stream(connection& cx, stream_options options, std::string_view sql, const Args&... args)
      : source_(std::make_unique<row_source>(cx, sql, bind(args...), options)) {
    static_assert(!detail::borrows_any<T>(), "pgpx::stream yields values that outlive each chunk: use std::string");
  }
  /// Starts the query in single-row mode.
  template <class... Args>
  stream(connection& cx, std::string_view sql, const Args&... args) : stream(cx, stream_options{}, sql, args...) {}

  /// Starts a statement value's query (see pgpx::statement); its row type must be T, and
  /// `pgpx::stream rows(cx, s);` deduces it.
  template <class Row>
  stream(connection& cx, const statement<Row>& s, stream_options options = {})
      : source_(std::make_unique<row_source>(cx, s.sql(), s.params(), options)) {
    static_assert(std::is_same_v<Row, T>,
                  "pgpx::stream<T> of a statement<Row> needs T == Row; use s.as<T>() to read it as another type");
    static_assert(!detail::borrows_any<T>(), "pgpx::stream yields values that outlive each chunk: use std::string");
  }

  /// Iterates over the rows.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(stream* s) : s_(s) { advance(); }
    auto operator*() const -> const T& { return *s_->current_; }
    auto operator->() const -> const T* { return &*s_->current_; }
    auto operator++() -> iterator& {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    auto operator==(const iterator& o) const noexcept -> bool { return s_ == o.s_; }

   private:
    void advance() {
      if (!s_->fetch()) s_ = nullptr;
    }
    stream* s_ = nullptr;
  };

  /// The first row (starts reading).
  auto begin() -> iterator { return iterator(this); }
  /// The end.
  auto end() -> iterator { return iterator(); }

 private:
  template <class... Args>
  static auto bind(const Args&... args) -> param_list {
    param_list p;
    (p.add(args), ...);
    return p;
  }

  // Moves to the next row; false at the end.
  auto fetch() -> bool {
    while (chunk_row_ >= chunk_.size()) {
      if (source_->done()) return false;
      chunk_ = source_->next();
      chunk_row_ = 0;
      if (chunk_.columns() == 0) return false;
      if (!mapper_) mapper_.emplace(chunk_);
    }
    current_ = mapper_->decode(chunk_, static_cast<int>(chunk_row_++));
    return true;
  }

  std::unique_ptr<row_source> source_;
  result chunk_;
  std::size_t chunk_row_ = 0;
  std::optional<detail::row_mapper<T>> mapper_;
  std::optional<T> current_;
};

/// `pgpx::stream rows(cx, s)` reads the rows of statement<Row> s as Row.
template <class Row>
stream(connection&, const statement<Row>&) -> stream<Row>;
/// The same, with options.
template <class Row>
stream(connection&, const statement<Row>&, stream_options) -> stream<Row>;

}  // namespace pgpx
