#include <pgpx/async/async.hpp>
#include <pgpx/core/tls_policy.hpp>

#include "../core/connection_impl.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace pgpx {

using namespace boost::asio::experimental::awaitable_operators;

namespace {

// Waits until `fd` is ready (or the deadline passes: false). The descriptor object is only a
// watcher: it never closes the fd, which libpq owns.
auto wait_fd(asio::any_io_executor ex, int fd, bool write, deadline until) -> asio::awaitable<bool> {
  asio::posix::stream_descriptor sd(ex, fd);
  struct releaser {
    asio::posix::stream_descriptor& s;
    ~releaser() { s.release(); }
  } guard{sd};
  const auto what = write ? asio::posix::stream_descriptor::wait_write : asio::posix::stream_descriptor::wait_read;
  if (until == no_deadline) {
    co_await sd.async_wait(what, asio::use_awaitable);
    co_return true;
  }
  asio::steady_timer timer(ex, until);
  auto r = co_await (sd.async_wait(what, asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
  co_return r.index() == 0;
}

}  // namespace

async_connection::async_connection(asio::any_io_executor ex, std::unique_ptr<connection> cx)
    : ex_(std::move(ex)), cx_(std::move(cx)) {}

async_connection::async_connection(async_connection&&) noexcept = default;
auto async_connection::operator=(async_connection&&) noexcept -> async_connection& = default;
async_connection::~async_connection() = default;

auto async_connection::connect(asio::any_io_executor ex, conninfo info, connection_options options)
    -> asio::awaitable<async_connection> {
  (void)apply_tls_policy(info);
  std::vector<const char*> keys;
  std::vector<const char*> values;
  bool has_encoding = false;
  for (const auto& [k, v] : info.params()) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
    has_encoding = has_encoding || k == "client_encoding";
  }
  if (!has_encoding) {
    keys.push_back("client_encoding");
    values.push_back("UTF8");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* c = PQconnectStartParams(keys.data(), values.data(), 0);
  if (c == nullptr) throw broken_connection("cannot connect to " + info.target() + ": out of memory");
  struct closer {
    PGconn*& c;
    ~closer() {
      if (c != nullptr) PQfinish(c);
    }
  } guard{c};
  const auto limit = detail::connect_limit_of(info, options);
  const deadline d = deadline_in(limit);
  PostgresPollingStatusType st = PQstatus(c) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED)
      throw broken_connection("cannot connect to " + info.target() + ": " + detail::clean_message(PQerrorMessage(c)));
    // The socket can change while libpq tries hosts: watch the current one each time.
    if (!co_await wait_fd(ex, PQsocket(c), st != PGRES_POLLING_READING, d))
      throw broken_connection("cannot connect to " + info.target() + ": timed out after " +
                              std::to_string(limit.count()) + " ms");
    st = PQconnectPoll(c);
  }
  PGconn* ready = std::exchange(c, nullptr);
  co_return async_connection(ex, detail::connection_access::adopt(ready, std::move(info), std::move(options)));
}

auto async_connection::wait(bool write, deadline until) -> asio::awaitable<bool> {
  co_return co_await wait_fd(ex_, PQsocket(cx_->native_handle()), write, until);
}

// Sends what libpq buffered and reads every result of the current command.
auto async_connection::finish(std::string_view sql) -> asio::awaitable<result> {
  auto& s = detail::connection_access::state(*cx_);
  const deadline d = s.effective_deadline();
  try {
    for (;;) {
      const int r = PQflush(s.conn);
      if (r == 0) break;
      if (r < 0) s.throw_broken(sql, "could not send to the server");
      if (!co_await wait(true, d)) s.timed_out(sql);
      if (PQconsumeInput(s.conn) == 0 && PQisBusy(s.conn) != 0) s.throw_broken(sql, "the connection was lost");
    }
    result kept;
    bool failed = false;
    for (;;) {
      while (PQisBusy(s.conn) != 0) {
        if (!co_await wait(false, d)) s.timed_out(sql);
        if (PQconsumeInput(s.conn) == 0) {
          if (PQisBusy(s.conn) == 0) break;
          s.throw_broken(sql, "the connection to the server was lost");
        }
      }
      PGresult* r = PQgetResult(s.conn);
      if (r == nullptr) break;
      if (failed) {
        PQclear(r);
        continue;
      }
      const auto st = PQresultStatus(r);
      failed = st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE;
      kept = result(r);
    }
    if (!failed && PQstatus(s.conn) != CONNECTION_OK) s.throw_broken(sql, "the connection to the server was lost");
    co_return kept;
  } catch (const boost::system::system_error& e) {
    // The caller cancelled the operation (an Asio cancellation slot): cancel the statement
    // on the server, as at a deadline.
    if (e.code() != asio::error::operation_aborted) throw;
    s.timed_out(sql);
  }
}

auto async_connection::run(std::string_view sql_in, param_list params) -> asio::awaitable<result> {
  const std::string sql(sql_in);  // the caller's view may not outlive a suspension
  auto& s = detail::connection_access::state(*cx_);
  s.ensure_usable(sql);
  detail::check_parameter_count(params.size(), sql);  // before libpq refuses it and the connection is closed
  const int n = static_cast<int>(params.size());
  if (s.opts.statement_cache_capacity == 0) {
    s.session_dirty = s.session_dirty || detail::changes_session(sql);
    if (PQsendQueryParams(s.conn, sql.c_str(), n, params.types(), params.values(), params.lengths(),
                          params.formats(), 1) == 0)
      s.throw_broken(sql, "could not send the statement");
    result r = co_await finish(sql);
    s.check(r, sql);
    co_return r;
  }
  const connection::impl::entry* e = s.lookup(sql, params);
  if (e == nullptr) {
    const std::string key = s.key;
    std::string name = "pgpx_" + std::to_string(++s.next_statement);
    if (PQsendPrepare(s.conn, name.c_str(), sql.c_str(), n, params.types()) == 0)
      s.throw_broken(sql, "could not send the statement");
    result prepared = co_await finish(sql);
    s.check(prepared, sql);
    s.key = key;
    e = &s.remember(sql, std::move(name));
  }
  s.session_dirty = s.session_dirty || e->changes_session;
  if (PQsendQueryPrepared(s.conn, e->name.c_str(), n, params.values(), params.lengths(), params.formats(), 1) == 0)
    s.throw_broken(sql, "could not send the statement");
  const std::uint64_t shape = e->shape;
  result r = co_await finish(sql);
  s.check(r, sql);
  r.set_shape(shape);
  co_return r;
}

// ---- async_pool ------------------------------------------------------------------------------

auto async_lease::operator=(async_lease&& o) noexcept -> async_lease& {
  if (this != &o) {
    release();
    pool_ = std::move(o.pool_);
    cx_ = std::move(o.cx_);
  }
  return *this;
}

async_lease::~async_lease() { release(); }

void async_lease::release() noexcept {
  if (!cx_) return;
  auto cx = std::move(cx_);
  if (pool_ && *pool_ != nullptr) (*pool_)->give_back(std::move(cx));
  pool_.reset();
}

async_pool::async_pool(asio::any_io_executor ex, conninfo info, pool_options options)
    : ex_(std::move(ex)), info_(std::move(info)), options_(std::move(options)),
      self_(std::make_shared<async_pool*>(this)) {
  if (options_.max_size == 0) throw usage_error("pool_options::max_size must be at least 1");
  if (!options_.application_name.empty()) info_.set("application_name", options_.application_name);
}

async_pool::~async_pool() {
  *self_ = nullptr;  // late releases close their connections
  close();
}

auto async_pool::acquire() -> asio::awaitable<async_lease> {
  const deadline d = deadline_in(options_.acquire_timeout);
  for (;;) {
    if (closed_) throw error(error_kind::pool_closed, "the pool is closed");
    while (!idle_.empty()) {
      auto cx = std::move(idle_.back());
      idle_.pop_back();
      if (cx->sync().is_open()) {
        ++counters_.acquires;
        co_return async_lease(self_, std::move(cx));
      }
      --total_;
      ++counters_.discarded;
    }
    if (total_ < options_.max_size) {
      ++total_;
      try {
        connection_options o = options_.connection;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(d - clock::now());
        o.connect_timeout = std::max(std::chrono::milliseconds(1), std::min(o.connect_timeout, left));
        auto cx = std::make_unique<async_connection>(co_await async_connection::connect(ex_, info_, std::move(o)));
        ++counters_.connects;
        ++counters_.acquires;
        co_return async_lease(self_, std::move(cx));
      } catch (const error&) {
        --total_;
        ++counters_.connect_failures;
        if (!waiters_.empty()) {  // a place is free again: let the next waiter try
          auto w = waiters_.front();
          waiters_.pop_front();
          w->may_connect = true;
          w->timer.cancel();
        }
        throw;
      }
    }
    if (options_.max_waiters != 0 && waiters_.size() >= options_.max_waiters) {
      ++counters_.timeouts;
      throw pool_exhausted("the pool's queue is full");
    }
    auto w = std::make_shared<waiter>(ex_);
    w->timer.expires_at(d);
    waiters_.push_back(w);
    ++counters_.waits;
    boost::system::error_code ec;
    co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::erase(waiters_, w);
    if (w->handed) {
      ++counters_.acquires;
      co_return async_lease(self_, std::move(w->handed));
    }
    if (w->may_connect) continue;
    if (closed_) throw error(error_kind::pool_closed, "the pool was closed while waiting for a connection");
    ++counters_.timeouts;
    throw pool_exhausted("no pooled connection became free within the acquire timeout");
  }
}

void async_pool::give_back(std::unique_ptr<async_connection> cx) noexcept {
  bool keep = !closed_;
  try {
    auto& c = cx->sync();
    if (keep) keep = c.is_open();
    if (keep) {
      const auto st = c.status();
      if (st == transaction_status::active || st == transaction_status::unknown) keep = false;
      // A transaction left open, or session changes: clean up before the next user. This
      // short blocking step runs on the executor's thread (one round trip on a healthy link).
      else if (st != transaction_status::idle || options_.reset_always || c.session_changed()) {
        scoped_deadline sd{c, options_.connection.connect_timeout};
        c.reset_session();
        ++counters_.resets;
      }
    }
  } catch (...) {
    keep = false;
  }
  if (!keep) {
    --total_;
    ++counters_.discarded;
    cx.reset();
    if (!waiters_.empty()) {
      auto w = waiters_.front();
      waiters_.pop_front();
      w->may_connect = true;
      w->timer.cancel();
    }
    return;
  }
  if (!waiters_.empty()) {
    auto w = waiters_.front();
    waiters_.pop_front();
    w->handed = std::move(cx);
    w->timer.cancel();
    return;
  }
  idle_.push_back(std::move(cx));
}

auto async_pool::stats() const -> pool_stats {
  pool_stats s = counters_;
  s.size = total_;
  s.idle = idle_.size();
  s.in_use = total_ - idle_.size();
  s.waiters = waiters_.size();
  return s;
}

void async_pool::close() noexcept {
  if (closed_) return;
  closed_ = true;
  total_ -= idle_.size();
  idle_.clear();
  for (auto& w : waiters_) w->timer.cancel();
}

}  // namespace pgpx
