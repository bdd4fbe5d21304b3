#include <pgpx/core/stream.hpp>

#include "connection_impl.hpp"

#include <pgpx/core/identifier.hpp>

namespace pgpx {

row_source::row_source(connection& cx, std::string_view sql, const param_list& params, stream_options options)
    : cx_(cx), sql_(sql), options_(options) {
  auto& s = detail::connection_access::state(cx_);
  if (s.hooked()) started_ = clock::now();
  try {
    start(params);
  } catch (const error& e) {
    s.report(sql_, query_source::stream, started_, 0, &e);
    throw;
  }
}

void row_source::start(const param_list& params) {
  auto& s = detail::connection_access::state(cx_);
  s.ensure_usable(sql_);
  const deadline d = s.effective_deadline();
  // Inside a transaction block, leaving single-row mode early would need a cancel, and
  // whether the cancel lands (aborting the transaction) or misses (the result was complete)
  // is a matter of timing. A cursor is closed instead, the same way every time.
  if (options_.fetch_size == 0 && PQtransactionStatus(s.conn) != PQTRANS_IDLE)
    options_.fetch_size = in_transaction_fetch_size;
  if (options_.fetch_size == 0) {
    bool fresh = false;
    const auto& e = s.prepared(sql_, params, d, fresh);
    s.session_dirty = s.session_dirty || e.changes_session;
    if (PQsendQueryPrepared(s.conn, e.name.c_str(), static_cast<int>(params.size()), params.values(), params.lengths(),
                            params.formats(), 1) == 0)
      s.throw_broken(sql_, "could not send the statement");
    if (PQsetSingleRowMode(s.conn) == 0) s.throw_broken(sql_, "could not switch to single-row mode");
    s.flush(sql_, d);
    return;
  }
  // A cursor lives in a transaction: the caller's, or one of our own.
  if (cx_.status() == transaction_status::idle) {
    cx_.command("BEGIN");
    own_transaction_ = true;
  }
  cursor_ = "pgpx_cursor_" + std::to_string(++s.next_statement);
  try {
    bool cached = false;  // one-off statements: kept out of the statement cache
    (void)s.execute("DECLARE " + quote_identifier(cursor_) + " NO SCROLL CURSOR FOR " + sql_, params, d, cached, 1,
                    false);
  } catch (...) {
    if (own_transaction_ && cx_.is_open()) {
      try {
        cx_.command("ROLLBACK");
      } catch (...) {
      }
    }
    throw;
  }
}

row_source::~row_source() {
  if (done_) return;
  try {
    if (auto* st = detail::connection_access::try_state(cx_); st != nullptr && st->must_defer()) {
      // Left early on the event loop (async): the stream is closed before the connection's
      // next use, with the same steps as below.
      if (!cursor_.empty()) {
        st->deferred.emplace_back([cursor = cursor_, own = own_transaction_](connection::impl& c) {
          const auto ts = PQtransactionStatus(c.conn);
          if (own) (void)c.simple(ts == PQTRANS_INERROR ? "ROLLBACK" : "COMMIT", c.effective_deadline());
          else if (ts == PQTRANS_INTRANS) (void)c.simple("CLOSE " + quote_identifier(cursor), c.effective_deadline());
        });
      } else {
        // The rest of the single-row result must be read before anything else is sent: the
        // connection reads it (after a cancel request) when it is next used.
        st->deferred.emplace_back([](connection::impl& c) { c.drain_abandoned(); });
      }
      return;
    }
    if (!cursor_.empty()) {
      finish_cursor();
      return;
    }
    detail::connection_access::state(cx_).drain_abandoned();
  } catch (...) {
    cx_.close();
  }
}

void row_source::finish_cursor() {
  done_ = true;
  if (!cx_.is_open()) return;
  if (own_transaction_) {
    // Closing the transaction closes the cursor. A failed transaction rolls back.
    cx_.command(cx_.status() == transaction_status::in_error ? "ROLLBACK" : "COMMIT");
  } else if (cx_.status() == transaction_status::in_transaction) {
    cx_.command("CLOSE " + quote_identifier(cursor_));
  }
}

auto row_source::next() -> result {
  if (done_) return {};
  auto& s = detail::connection_access::state(cx_);
  try {
    result r = next_chunk();
    rows_ += r.size();
    if (done_) s.report(sql_, query_source::stream, started_, rows_, nullptr, cursor_.empty());
    return r;
  } catch (const error& e) {
    s.report(sql_, query_source::stream, started_, rows_, &e);
    throw;
  }
}

auto row_source::next_chunk() -> result {
  if (!cursor_.empty()) {
    param_list none;
    auto& s = detail::connection_access::state(cx_);
    bool cached = false;
    result r = s.execute("FETCH " + std::to_string(options_.fetch_size) + " FROM " + quote_identifier(cursor_), none,
                         s.effective_deadline(), cached, 1, false);
    if (r.size() < options_.fetch_size) finish_cursor();
    return r;
  }
  auto& st_ = detail::connection_access::state(cx_);
  const deadline d = st_.effective_deadline();
  PGresult* r = st_.next_result(sql_, d);
  if (r == nullptr) {
    done_ = true;
    return {};
  }
  result res = st_.adopt(r);
  const auto st = PQresultStatus(r);
  if (st == PGRES_SINGLE_TUPLE) return res;
  // The end: a final (empty) TUPLES_OK, or an error; then the closing NULL.
  while (PGresult* more = st_.next_result(sql_, d)) PQclear(more);
  done_ = true;
  if (st == PGRES_TUPLES_OK) return res;
  st_.check(res, sql_);
  return {};
}

}  // namespace pgpx
