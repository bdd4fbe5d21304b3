#include <pgpx/core/pipeline.hpp>

#include "connection_impl.hpp"

#include <deque>
#include <exception>
#include <unordered_map>

namespace pgpx {

auto batch::add_params(std::string_view sql, const param_list& params) -> batch& {
  const std::size_t first = params_.size();
  params_.start_statement();  // errors name the statement's own $n
  // The source list's own text rule applies (it may belong to a session in another encoding).
  const bool utf8 = params_.checking_utf8();
  params_.check_utf8(params.checking_utf8());
  try {
    // Copy the run-time list: its values are text forms or already-encoded bytes.
    const auto* values = params.values();
    for (std::size_t i = 0; i < params.size(); ++i) {
      const std::string_view v(values[i] == nullptr ? "" : values[i],
                               values[i] == nullptr ? 0 : static_cast<std::size_t>(params.lengths()[i]));
      if (values[i] == nullptr) params_.add_null(params.types()[i]);
      else if (params.formats()[i] == static_cast<int>(format::text)) params_.add_text(v, params.types()[i]);
      else params_.add_binary(v, params.types()[i]);
    }
    detail::param_list_access::copy_named(params_, params, first);
    push(sql, first);
  } catch (...) {
    params_.check_utf8(utf8);
    params_.truncate(first);  // as add(): a refused value or count leaves the batch as it was
    throw;
  }
  params_.check_utf8(utf8);
  return *this;
}

void batch::push(std::string_view sql, std::size_t first) {
  check_parameter_count(params_.size() - first, sql);  // before libpq refuses it in run_batch
  // Batches repeat a few statements many times: keep each text once.
  std::uint32_t index = 0;
  for (; index < sqls_.size(); ++index)
    if (sqls_[index] == sql) break;
  if (index == sqls_.size()) sqls_.emplace_back(sql);
  items_.push_back(item{index, static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(params_.size() - first)});
}

void batch::clear() noexcept {
  params_.clear();
  items_.clear();
  sqls_.clear();
}

namespace {

// What the next results from the server belong to, in the order they were sent.
struct expected {
  enum class what { prepare, execute, sync } kind;
  std::size_t item = 0;     // the batch statement; sync: the statements before it
  std::string key;          // prepare: the statement-cache key
  std::string name;         // prepare: the statement name
  std::uint64_t shape = 0;  // the statement's result shape (see result::shape)
};

class batch_runner {
 public:
  batch_runner(connection::impl& cx, const batch& b, const batch_options& o, batch_outcome& out)
      : cx_(cx), b_(b), o_(o), out_(out) {}

  void run() {
    cx_.ensure_usable("(batch)");
    if (cx_.hooked()) started_ = clock::now();
    in_block_ = cx_.in_block;
    d_ = cx_.effective_deadline();
    cx_.deallocate_pending(d_);
    resolve_named_types();
    if (PQenterPipelineMode(cx_.conn) == 0) cx_.throw_broken("(batch)", "could not enter pipeline mode");
    if (o_.keep_results && !o_.on_result) out_.results.resize(b_.size());
    values_ = detail::batch_access::params(b_).values();
    try {
      send_all();
      while (!queue_.empty()) {
        wait_readable();
        drain();
      }
    } catch (const error& e) {
      // The pipeline's state is unknown after a failure here: never reuse the connection. Say
      // what went in, so that the caller can resume.
      cx_.close();
      throw batch_interrupted(e, progress());
    } catch (...) {
      cx_.close();
      throw;
    }
    if (PQexitPipelineMode(cx_.conn) == 0) cx_.throw_broken("(batch)", "could not leave pipeline mode");
    if (callback_failed_) std::rethrow_exception(callback_failed_);
  }

 private:
  // The OIDs of named parameter types (pgpx/types/by_name.hpp) cannot be looked up inside
  // the pipeline: every statement's are resolved before it starts, and a type the database
  // lacks is reported before anything is sent.
  void resolve_named_types() {
    const auto& params = detail::batch_access::params(b_);
    if (detail::param_list_access::named(params).empty()) return;
    typed_.assign(params.types(), params.types() + params.size());
    for (const auto& it : detail::batch_access::items(b_))
      cx_.resolve_named(params, it.first, it.count, typed_.data() + it.first, detail::batch_access::sqls(b_)[it.sql],
                        d_);
  }

  void send_all() {
    const auto& items = detail::batch_access::items(b_);
    const auto& params = detail::batch_access::params(b_);
    const std::size_t every = o_.sync_every == 0 ? items.size() : o_.sync_every;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& it = items[i];
      std::uint64_t shape = 0;
      const std::string& sql = detail::batch_access::sqls(b_)[it.sql];
      const oid* types =
          typed_.empty() ? detail::param_list_access::types_from(params, it.first) : typed_.data() + it.first;
      const int n = static_cast<int>(it.count);
      if (cx_.opts.statement_cache_capacity == 0) {
        cx_.session_dirty = cx_.session_dirty || changes_session(sql);
        if (PQsendQueryParams(cx_.conn, sql.c_str(), n, types, values_ + it.first,
                              detail::param_list_access::lengths_from(params, it.first),
                              detail::param_list_access::formats_from(params, it.first), 1) == 0)
          cx_.throw_broken(sql, "could not send a statement of the batch");
      } else {
        const std::string& name = statement_for(i, sql, types, it.count, shape);
        if (PQsendQueryPrepared(cx_.conn, name.c_str(), n, values_ + it.first,
                                detail::param_list_access::lengths_from(params, it.first),
                                detail::param_list_access::formats_from(params, it.first), 1) == 0)
          cx_.throw_broken(sql, "could not send a statement of the batch");
      }
      sent_ = i + 1;
      queue_.push_back({expected::what::execute, i, {}, {}, shape});
      const bool at_sync = (i + 1) % every == 0 || i + 1 == items.size();
      if (at_sync) sync();
      push_out(at_sync);
    }
    if (items.empty()) sync();
    flush_all();
  }

  // The cached statement name, or a new one prepared inside the pipeline; `shape` receives
  // the shape id its results will carry. The cache lookup is the connection's own (a
  // statement repeated back to back skips building and hashing its key).
  auto statement_for(std::size_t i, const std::string& sql, const oid* types, std::size_t count, std::uint64_t& shape)
      -> const std::string& {
    if (const auto* e = cx_.lookup(sql, types, count)) {
      cx_.session_dirty = cx_.session_dirty || e->changes_session;
      shape = e->shape;
      return e->name;
    }
    const std::string& key = cx_.key;  // set by lookup()
    if (auto it = pending_.find(key); it != pending_.end()) {
      shape = it->second.shape;
      return it->second.name;
    }
    cx_.session_dirty = cx_.session_dirty || changes_session(sql);
    std::string name = "pgpx_" + std::to_string(++cx_.next_statement);
    if (PQsendPrepare(cx_.conn, name.c_str(), sql.c_str(), static_cast<int>(count), types) == 0)
      cx_.throw_broken(sql, "could not send a statement of the batch");
    shape = detail::new_result_shape();
    queue_.push_back({expected::what::prepare, i, key, name, shape});
    return pending_.emplace(key, pending_statement{std::move(name), shape}).first->second.name;
  }

  void sync() {
    if (PQpipelineSync(cx_.conn) == 0) cx_.throw_broken("(batch)", "could not send a Sync");
    queue_.push_back({expected::what::sync, sent_, {}, {}});
  }

  auto progress() -> batch_progress {
    batch_progress p;
    p.confirmed = confirmed_;
    p.sent = sent_;
    p.total = b_.size();
    p.sync_every = o_.sync_every == 0 ? b_.size() : o_.sync_every;
    p.in_transaction = in_block_;
    // Only what belongs to confirmed statements.
    if (out_.results.size() > confirmed_) out_.results.resize(confirmed_);
    std::erase_if(out_.errors, [&](const auto& e) { return e.first >= confirmed_; });
    out_.affected_rows = confirmed_rows_;
    p.outcome = std::move(out_);
    return p;
  }

  // Sends what libpq buffered without blocking, at each Sync and every 256 statements (not
  // after each one: a send per statement costs a system call each, and libpq itself flushes
  // once its buffer passes 64 kB). Every 256 statements it also reads the replies that
  // arrived meanwhile, which keeps both sides' buffers bounded (the server stops reading
  // when its output is not consumed); flush_all() then waits for the rest.
  void push_out(bool at_sync) {
    const bool drain_now = ++since_drain_ >= 256;
    if (!at_sync && !drain_now) return;
    const int r = PQflush(cx_.conn);
    if (r < 0) cx_.throw_broken("(batch)", "could not send to the server");
    if (drain_now) {
      since_drain_ = 0;
      drain_available();
    }
  }

  void flush_all() {
    for (;;) {
      const int r = PQflush(cx_.conn);
      if (r == 0) return;
      if (r < 0) cx_.throw_broken("(batch)", "could not send to the server");
      short rev = 0;
      if (wait_socket(PQsocket(cx_.conn), POLLIN | POLLOUT, d_, &rev) == wait_outcome::timed_out) timed_out();
      if ((rev & (POLLIN | POLLERR | POLLHUP)) != 0) drain_available();
    }
  }

  void drain_available() {
    if (PQconsumeInput(cx_.conn) == 0) cx_.throw_broken("(batch)", "the connection to the server was lost");
    drain();
  }

  void wait_readable() {
    if (PQisBusy(cx_.conn) == 0) return;
    if (wait_socket(PQsocket(cx_.conn), POLLIN, d_) == wait_outcome::timed_out) timed_out();
    if (PQconsumeInput(cx_.conn) == 0) cx_.throw_broken("(batch)", "the connection to the server was lost");
  }

  // Handles every result that is complete, in order.
  void drain() {
    while (!queue_.empty() && PQisBusy(cx_.conn) == 0) {
      PGresult* r = PQgetResult(cx_.conn);
      auto& front = queue_.front();
      if (front.kind == expected::what::sync) {
        if (r == nullptr) continue;  // the end marker of the previous statement
        const auto st = PQresultStatus(r);
        PQclear(r);
        if (st != PGRES_PIPELINE_SYNC) cx_.throw_broken("(batch)", "unexpected result while waiting for a Sync");
        confirmed_ = front.item;
        confirmed_rows_ = out_.affected_rows;
        queue_.pop_front();
        continue;
      }
      if (r == nullptr) {  // the statement's results are complete
        queue_.pop_front();
        continue;
      }
      if (front.kind == expected::what::prepare) on_prepared(front, r);
      else on_executed(front, r);
    }
    if (PQstatus(cx_.conn) != CONNECTION_OK) cx_.throw_broken("(batch)", "the connection to the server was lost");
  }

  void on_prepared(expected& e, PGresult* r) {
    const auto st = PQresultStatus(r);
    auto node = pending_.extract(e.key);
    if (st != PGRES_COMMAND_OK) {
      // Not cached. Report the server's reason (a syntax error...) on the statement; its
      // execute is then aborted and needs no second error.
      if (st != PGRES_PIPELINE_ABORTED) {
        result res = cx_.adopt(r);
        out_.errors.emplace_back(
            e.item, cx_.result_error(detail::result_access::native(res),
                                     detail::batch_access::sqls(b_)[detail::batch_access::items(b_)[e.item].sql]));
        if (prepare_failed_.size() <= e.item) prepare_failed_.resize(e.item + 1);
        prepare_failed_[e.item] = true;
        return;
      }
      PQclear(r);
      return;
    }
    PQclear(r);
    if (cx_.cache.size() >= cx_.opts.statement_cache_capacity && !cx_.lru.empty()) cx_.forget(cx_.lru.back());
    cx_.lru.push_front(e.key);
    cx_.cache.emplace(
        e.key,
        connection::impl::entry{
            std::move(e.name), cx_.lru.begin(),
            changes_session(detail::batch_access::sqls(b_)[detail::batch_access::items(b_)[e.item].sql]), e.shape});
  }

  void on_executed(const expected& e, PGresult* r) {
    const auto st = PQresultStatus(r);
    const auto& sql = detail::batch_access::sqls(b_)[detail::batch_access::items(b_)[e.item].sql];
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      result res = cx_.adopt(r);
      detail::result_access::set_shape(res, e.shape);
      out_.affected_rows += res.affected_rows();
      if (cx_.hooked()) cx_.report(sql, query_source::batch, started_, res.affected_rows(), nullptr, true);
      if (o_.on_result) {
        if (!callback_failed_) {
          try {
            o_.on_result(e.item, res);
          } catch (...) {  // the batch is still read to its end; run() rethrows
            callback_failed_ = std::current_exception();
          }
        }
      } else if (o_.keep_results) {
        out_.results[e.item] = std::move(res);
      }
    } else if (st == PGRES_PIPELINE_ABORTED) {
      PQclear(r);
      if (e.item < prepare_failed_.size() && prepare_failed_[e.item]) return;
      error_info info;
      info.statement = sql;
      info.poisons_transaction = true;
      out_.errors.emplace_back(
          e.item, error(error_kind::sql, "not run: an earlier statement between the same Syncs failed", info));
      cx_.report(sql, query_source::batch, started_, 0, &out_.errors.back().second, true);
    } else {
      result res = cx_.adopt(r);
      out_.errors.emplace_back(e.item, cx_.result_error(detail::result_access::native(res), sql));
      cx_.report(sql, query_source::batch, started_, 0, &out_.errors.back().second, true);
    }
  }

  [[noreturn]] void timed_out() {
    error_info info;
    info.statement = "(batch)";
    info.poisons_connection = true;
    info.poisons_transaction = true;
    throw timeout_error("the batch did not complete before its deadline", info);
  }

  connection::impl& cx_;
  const batch& b_;
  const batch_options& o_;
  batch_outcome& out_;
  std::exception_ptr callback_failed_;
  deadline d_ = no_deadline;
  clock::time_point started_{};  // when the batch began (only with a query hook)
  const char* const* values_ = nullptr;
  std::vector<oid> typed_;  // parameter types with named ones resolved; empty when none are named
  std::deque<expected> queue_;
  std::size_t since_drain_ = 0;
  std::size_t sent_ = 0;       // statements handed to libpq
  std::size_t confirmed_ = 0;  // statements whose segment's Sync was answered
  std::uint64_t confirmed_rows_ = 0;  // out_.affected_rows at that Sync
  bool in_block_ = false;
  std::vector<bool> prepare_failed_;
  struct pending_statement {
    std::string name;
    std::uint64_t shape;
  };
  std::unordered_map<std::string, pending_statement> pending_;  // prepared in this batch, not answered yet
};

}  // namespace

namespace {

auto range(std::size_t from, std::size_t to) -> std::string {
  return to - from == 1 ? "statement " + std::to_string(from)
                        : "statements " + std::to_string(from) + "-" + std::to_string(to - 1);
}

auto describe(const error& cause, const batch_progress& p) -> std::string {
  std::string m = cause.message() + "; the batch was cut off after " + std::to_string(p.confirmed) + " of " +
                  std::to_string(p.total) + " statements were confirmed";
  std::vector<std::string> parts;
  if (p.confirmed > 0)
    parts.push_back(range(0, p.confirmed) + (p.in_transaction ? " confirmed (inside the transaction, which is lost)"
                                                              : " confirmed and committed"));
  if (p.sent > p.confirmed)
    parts.push_back(range(p.confirmed, p.sent) + " in doubt (sent, Sync not answered: each segment of " +
                    std::to_string(p.sync_every) + " took effect wholly or not at all)");
  if (p.total > p.sent) parts.push_back(range(p.sent, p.total) + " not sent");
  for (std::size_t i = 0; i < parts.size(); ++i) m += (i == 0 ? ": " : "; ") + parts[i];
  return m;
}

}  // namespace

batch_interrupted::batch_interrupted(const error& cause, batch_progress progress)
    : error(cause.kind(), describe(cause, progress), cause.info()),
      progress_(std::make_shared<const batch_progress>(std::move(progress))) {}

auto run_batch(connection& cx, const batch& b, const batch_options& options) -> batch_outcome {
  batch_outcome out;
  batch_runner(detail::connection_access::state(cx), b, options, out).run();
  return out;
}

}  // namespace pgpx
