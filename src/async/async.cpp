#include <pgpx/async/async.hpp>
#include <pgpx/core/engine/connection.hpp>
#include <pgpx/core/engine/wait.hpp>

#include "fiber.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/multiple_exceptions.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <poll.h>

#include <exception>

namespace pgpx {

using namespace boost::asio::experimental::awaitable_operators;

namespace detail {
namespace {

// What a fiber waits for, handed to the coroutine that drives it. A wake-up's notify may come
// from another thread (the pool's housekeeper): it posts to the executor, which sets
// `notified` and cancels the timer the driver waits on.
struct park_state {
  explicit park_state(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  bool notified = false;
};

// Whether `e` is the abort of a cancelled operation. A wait with a deadline is an `||` of
// the descriptor's wait and a timer: when both are cancelled, the operator throws
// multiple_exceptions holding the first abort, not the abort itself.
auto is_abort(const std::exception_ptr& e) -> bool {
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& se) {
    return se.code() == asio::error::operation_aborted;
  } catch (const asio::multiple_exceptions& me) {
    return me.first_exception() != nullptr && is_abort(me.first_exception());
  } catch (...) {
    return false;
  }
}

class fiber_waiter final : public waiter {
 public:
  enum class kind { none, fd, park };

  explicit fiber_waiter(asio::any_io_executor ex) : ex_(std::move(ex)) {}

  auto wait_fd(int fd, short events, deadline d, short* revents) -> wait_outcome override {
    pending = kind::fd;
    fd_ = fd;
    events_ = events;
    until = d;
    fiber::suspend();
    pending = kind::none;
    if (revents != nullptr) *revents = revents_;
    return outcome;
  }

  auto park(std::unique_lock<std::mutex>& lock, wakeup& w, deadline d) -> bool override {
    if (!parking) parking = std::make_shared<park_state>(ex_);
    if (parking->notified) {  // a wake-up arrived since the last park
      parking->notified = false;
      return true;
    }
    std::weak_ptr<park_state> weak = parking;
    w.on_notify([weak, ex = ex_] {
      asio::post(ex, [weak] {
        if (auto ps = weak.lock()) {
          ps->notified = true;
          ps->timer.cancel();
        }
      });
    });
    pending = kind::park;
    until = d;
    lock.unlock();
    fiber::suspend();
    pending = kind::none;
    w.on_notify(nullptr);
    lock.lock();
    return outcome == wait_outcome::ready;
  }

  [[nodiscard]] auto cancelled() const noexcept -> bool override { return was_cancelled; }

  // The driver's side: waits for what the fiber asked, on the io_context.
  // Never throws: an exception leaving here would destroy the fiber while the engine is
  // suspended inside it (no unwinding: a pool slot, a socket, a lock state lost). A wait that
  // fails for another reason than a cancellation (the descriptor cannot be watched, no
  // memory) is reported as the blocking wait reports a failed poll: the socket is "ready" with
  // an error for libpq to find, and a park returns as timed out.
  auto serve() -> asio::awaitable<void> {
    bool aborted = false;
    try {
      if (pending == kind::fd) co_await serve_fd();
      else if (pending == kind::park) co_await serve_park();
    } catch (...) {
      aborted = is_abort(std::current_exception());
      if (!aborted) {
        outcome = pending == kind::fd ? wait_outcome::ready : wait_outcome::timed_out;
        revents_ = POLLERR;
      }
    }
    if (aborted) mark_cancelled();
    release_descriptor();
  }

  // Ends the pending wait as cancelled by the caller: to the engine this is its deadline
  // passing now (a statement is cancelled on the server and its answer read within the
  // grace). Later waits of the same operation must still work: run_on_fiber turns Asio's
  // throw_if_cancelled off until the operation ends (see there).
  void mark_cancelled() noexcept {
    was_cancelled = true;
    outcome = wait_outcome::timed_out;
    revents_ = 0;
  }

  void release_descriptor() noexcept {
    if (sd_) {
      sd_->release();
      sd_.reset();
    }
  }

  kind pending = kind::none;
  deadline until = no_deadline;
  wait_outcome outcome = wait_outcome::ready;
  bool was_cancelled = false;
  std::shared_ptr<park_state> parking;

 private:
  auto serve_fd() -> asio::awaitable<void> {
    // The descriptor object only watches: it never closes the fd, which libpq owns. It is
    // registered for this one wait and released by serve() as the wait ends, before libpq runs
    // again: libpq may close the socket and a new one (the next host, another connection on
    // this loop) usually gets the same number. A registration kept across that would, once
    // released, remove the new socket's registration from epoll, and the new socket would
    // never be reported ready.
    sd_.emplace(ex_, fd_);
    using sd_t = asio::posix::stream_descriptor;
    const bool read = (events_ & POLLIN) != 0;
    const bool write = (events_ & POLLOUT) != 0;
    revents_ = 0;
    outcome = wait_outcome::ready;
    if (until != no_deadline && clock::now() >= until) {
      outcome = wait_outcome::timed_out;
      co_return;
    }
    if (until == no_deadline) {
      if (read && write) {
        auto r = co_await (sd_->async_wait(sd_t::wait_read, asio::use_awaitable) ||
                           sd_->async_wait(sd_t::wait_write, asio::use_awaitable));
        revents_ = r.index() == 0 ? POLLIN : POLLOUT;
      } else {
        co_await sd_->async_wait(write ? sd_t::wait_write : sd_t::wait_read, asio::use_awaitable);
        revents_ = write ? POLLOUT : POLLIN;
      }
      co_return;
    }
    asio::steady_timer timer(ex_, until);
    if (read && write) {
      auto r =
          co_await (sd_->async_wait(sd_t::wait_read, asio::use_awaitable) ||
                    sd_->async_wait(sd_t::wait_write, asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
      if (r.index() == 2) outcome = wait_outcome::timed_out;
      else revents_ = r.index() == 0 ? POLLIN : POLLOUT;
    } else {
      auto r = co_await (sd_->async_wait(write ? sd_t::wait_write : sd_t::wait_read, asio::use_awaitable) ||
                         timer.async_wait(asio::use_awaitable));
      if (r.index() == 1) outcome = wait_outcome::timed_out;
      else revents_ = write ? POLLOUT : POLLIN;
    }
  }

  auto serve_park() -> asio::awaitable<void> {
    park_state& ps = *parking;
    outcome = wait_outcome::ready;
    if (ps.notified) {
      ps.notified = false;
      co_return;
    }
    ps.timer.expires_at(until == no_deadline ? asio::steady_timer::time_point::max() : until);
    boost::system::error_code ec;
    co_await ps.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ps.notified) {
      ps.notified = false;
      co_return;
    }
    if (!ec) {
      outcome = wait_outcome::timed_out;
      co_return;
    }
    // Cancelled, and not by a wake-up: the caller cancelled the operation.
    throw boost::system::system_error(asio::error::operation_aborted);
  }

  asio::any_io_executor ex_;
  std::optional<asio::posix::stream_descriptor> sd_;
  int fd_ = -1;
  short events_ = 0;
  short revents_ = 0;
};

// Installs the waiter for the time the fiber runs; restores the previous one after.
struct waiter_scope {
  waiter* previous;
  explicit waiter_scope(waiter* w) noexcept : previous(install_waiter(w)) {}
  ~waiter_scope() { install_waiter(previous); }
  waiter_scope(const waiter_scope&) = delete;
  auto operator=(const waiter_scope&) -> waiter_scope& = delete;
};

}  // namespace

auto run_on_fiber(asio::any_io_executor ex, void (*fn)(void*), void* arg) -> asio::awaitable<void> {
  fiber_waiter w(ex);
  fiber f(fn, arg);
  struct descriptor_guard {
    fiber_waiter& w;
    ~descriptor_guard() { w.release_descriptor(); }
  } guard{w};
  // Asio's throw_if_cancelled (on unless the caller turned it off) makes any co_await of an
  // awaitable throw operation_aborted once the coroutine is cancelled. Here that would destroy
  // the fiber while it is suspended inside the engine (a pool slot, a socket, the engine's own
  // unwinding lost). So the first cancel the operation sees is handed to the engine as a
  // cancelled wait, and throwing is off until the engine has finished (its cancel request and
  // the grace in which the server answers); then the caller's setting is restored, so the
  // cancelled coroutine's next co_await throws as Asio promises. The cancellation state itself
  // is left alone: the cancel is not consumed for the rest of the caller's coroutine.
  const bool caller_throws = co_await asio::this_coro::throw_if_cancelled();
  bool quiet = false;
  std::exception_ptr failure;
  try {
    for (;;) {
      bool done = false;
      {
        waiter_scope scope(&w);
        done = f.resume();  // rethrows what fn threw
      }
      if (done) break;
      // A cancel that arrived in the loop round in which the last wait completed is recorded
      // already, not reported by any wait: hand it to the engine in place of this wait.
      if (!w.was_cancelled &&
          (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
        w.mark_cancelled();
      else co_await w.serve();
      if (w.was_cancelled && !quiet) {
        co_await asio::this_coro::throw_if_cancelled(false);
        quiet = true;
      }
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (quiet) co_await asio::this_coro::throw_if_cancelled(caller_throws);
  if (failure) std::rethrow_exception(failure);
}

}  // namespace detail

// ---- async_connection ------------------------------------------------------------------------

async_connection::async_connection(asio::any_io_executor ex, connection& cx) noexcept : ex_(std::move(ex)), cx_(&cx) {
  detail::mark_async(cx);
}

async_connection::async_connection(asio::any_io_executor ex, std::unique_ptr<connection> owned) noexcept
    : ex_(std::move(ex)), owned_(std::move(owned)), cx_(owned_.get()) {
  detail::mark_async(*cx_);
}

async_connection::async_connection(async_connection&& o) noexcept
    : ex_(std::move(o.ex_)), owned_(std::move(o.owned_)), cx_(std::exchange(o.cx_, nullptr)) {}

auto async_connection::operator=(async_connection&& o) noexcept -> async_connection& {
  if (this != &o) {
    if (cx_ != nullptr && !owned_) detail::mark_async(*cx_, false);
    ex_ = std::move(o.ex_);
    owned_ = std::move(o.owned_);
    cx_ = std::exchange(o.cx_, nullptr);
  }
  return *this;
}

// A borrowed connection (a pool's) is blocking again for its next user.
async_connection::~async_connection() {
  if (cx_ != nullptr && !owned_) detail::mark_async(*cx_, false);
}

auto async_connection::connect(asio::any_io_executor ex, conninfo info, connection_options options)
    -> asio::awaitable<async_connection> {
  auto open = [&] { return std::make_unique<connection>(info, std::move(options)); };
  std::unique_ptr<connection> cx = co_await detail::on_fiber(ex, open);
  co_return async_connection(std::move(ex), std::move(cx));
}

auto async_connection::run(std::string_view sql_in, param_list params) -> asio::awaitable<result> {
  const std::string sql(sql_in);  // the caller's view may not outlive a suspension
  co_return co_await call([&](connection& c) { return c.run(sql, params); });
}

auto async_connection::command(std::string_view sql_in) -> asio::awaitable<std::string> {
  const std::string sql(sql_in);
  co_return co_await call([&](connection& c) { return c.command(sql); });
}

auto async_connection::begin(transaction_options options) -> asio::awaitable<async_transaction> {
  auto tx = co_await call([&](connection& c) { return std::make_unique<transaction>(c, options); });
  co_return async_transaction(ex_, std::move(tx));
}

auto async_connection::run_batch(const batch& b, batch_options options) -> asio::awaitable<batch_outcome> {
  co_return co_await call([&](connection& c) { return pgpx::run_batch(c, b, options); });
}

auto async_connection::copy_from(std::string_view copy_sql, std::istream& in) -> asio::awaitable<std::uint64_t> {
  const std::string sql(copy_sql);
  co_return co_await call([&](connection& c) { return pgpx::copy_from(c, sql, in); });
}

auto async_connection::copy_to(std::string_view copy_sql, std::ostream& out) -> asio::awaitable<std::uint64_t> {
  const std::string sql(copy_sql);
  co_return co_await call([&](connection& c) { return pgpx::copy_to(c, sql, out); });
}

// ---- async_transaction -----------------------------------------------------------------------

async_transaction::async_transaction(asio::any_io_executor ex, std::unique_ptr<transaction> tx) noexcept
    : ex_(std::move(ex)), tx_(std::move(tx)) {}
async_transaction::async_transaction(async_transaction&&) noexcept = default;
auto async_transaction::operator=(async_transaction&&) noexcept -> async_transaction& = default;
// The blocking transaction's destructor defers its rollback on an async connection.
async_transaction::~async_transaction() = default;

auto async_transaction::is_active() const noexcept -> bool { return tx_ && tx_->is_active(); }

auto async_transaction::commit() -> asio::awaitable<void> {
  if (!tx_) throw usage_error("use of a moved-from transaction");
  auto f = [this] { tx_->commit(); };
  co_await detail::on_fiber(ex_, f);
}

auto async_transaction::rollback() -> asio::awaitable<void> {
  if (!tx_) throw usage_error("use of a moved-from transaction");
  auto f = [this] { tx_->rollback(); };
  co_await detail::on_fiber(ex_, f);
}

auto async_transaction::run(std::string_view sql_in, param_list params) -> asio::awaitable<result> {
  if (!tx_) throw usage_error("use of a moved-from transaction");
  const std::string sql(sql_in);
  auto f = [&] { return tx_->run(sql, params); };
  co_return co_await detail::on_fiber(ex_, f);
}

auto async_transaction::savepoint() -> asio::awaitable<savepoint_scope> {
  if (!tx_) throw usage_error("use of a moved-from transaction");
  auto f = [this] { return std::make_unique<pgpx::savepoint>(*tx_); };
  auto sp = co_await detail::on_fiber(ex_, f);
  co_return savepoint_scope(ex_, std::move(sp));
}

async_transaction::savepoint_scope::savepoint_scope(asio::any_io_executor ex,
                                                    std::unique_ptr<pgpx::savepoint> sp) noexcept
    : ex_(std::move(ex)), sp_(std::move(sp)) {}
async_transaction::savepoint_scope::savepoint_scope(savepoint_scope&&) noexcept = default;
auto async_transaction::savepoint_scope::operator=(savepoint_scope&&) noexcept -> savepoint_scope& = default;
async_transaction::savepoint_scope::~savepoint_scope() = default;

auto async_transaction::savepoint_scope::is_active() const noexcept -> bool { return sp_ && sp_->is_active(); }

auto async_transaction::savepoint_scope::release() -> asio::awaitable<void> {
  if (!sp_) throw usage_error("use of a moved-from savepoint");
  auto f = [this] { sp_->release(); };
  co_await detail::on_fiber(ex_, f);
}

auto async_transaction::savepoint_scope::rollback() -> asio::awaitable<void> {
  if (!sp_) throw usage_error("use of a moved-from savepoint");
  auto f = [this] { sp_->rollback(); };
  co_await detail::on_fiber(ex_, f);
}

// ---- async_pool ------------------------------------------------------------------------------

async_lease::async_lease(asio::any_io_executor ex, lease l, bool reset_always) noexcept
    : ex_(std::move(ex)), lease_(std::move(l)), reset_always_(reset_always) {
  cx_.emplace(ex_, *lease_);
}

async_lease::async_lease(async_lease&& o) noexcept
    : ex_(std::move(o.ex_)), lease_(std::move(o.lease_)), cx_(std::move(o.cx_)), reset_always_(o.reset_always_) {
  o.cx_.reset();
}

auto async_lease::operator=(async_lease&& o) noexcept -> async_lease& {
  if (this != &o) {
    release();
    ex_ = std::move(o.ex_);
    lease_ = std::move(o.lease_);
    cx_ = std::move(o.cx_);
    o.cx_.reset();
    reset_always_ = o.reset_always_;
  }
  return *this;
}

async_lease::~async_lease() { release(); }

void async_lease::discard() noexcept {
  cx_.reset();
  lease_.discard();
}

void async_lease::release() noexcept {
  if (!cx_) return;
  cx_.reset();
  connection& c = *lease_;
  // The pool's clean-up on return (deferred work, a rollback, a reset) waits for the server:
  // it runs on a fiber of its own, and the connection goes back when it is done. A clean
  // connection goes back at once.
  const bool clean = c.is_open() && c.status() == transaction_status::idle && !c.session_changed() &&
                     !detail::has_deferred(c) && !reset_always_;
  if (clean) {
    lease_.release();
    return;
  }
  try {
    auto held = std::make_shared<lease>(std::move(lease_));
    asio::co_spawn(
        ex_,
        [held]() -> asio::awaitable<void> {
          auto give_back = [&] { held->release(); };  // the pool runs the deferred work first
          try {
            co_await detail::on_fiber(co_await asio::this_coro::executor, give_back);
          } catch (...) {
            held->discard();
          }
        },
        asio::detached);
  } catch (...) {
    lease_.discard();  // could not start the clean-up: close the connection rather than wait
  }
}

async_pool::async_pool(asio::any_io_executor ex, const conninfo& info, pool_options options)
    : ex_(std::move(ex)), pool_(pool::open(info, std::move(options))) {}

async_pool::async_pool(asio::any_io_executor ex, pool p) : ex_(std::move(ex)), pool_(std::move(p)) {}

auto async_pool::acquire() -> asio::awaitable<async_lease> {
  return detail::lease_on_fiber(
      ex_, [this] { return pool_.acquire(); }, pool_.options().reset_always);
}

auto async_pool::acquire_until(deadline d) -> asio::awaitable<async_lease> {
  return detail::lease_on_fiber(
      ex_, [this, d] { return pool_.acquire_until(d); }, pool_.options().reset_always);
}

}  // namespace pgpx
