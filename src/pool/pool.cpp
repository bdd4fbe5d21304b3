#include <pgpx/pool/pool.hpp>

#include <pgpx/core/configured.hpp>
#include <pgpx/core/engine/connection.hpp>
#include <pgpx/core/engine/wait.hpp>

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace pgpx {

auto to_string(pool_event e) noexcept -> std::string_view {
  switch (e) {
    case pool_event::connect_failed: return "connect_failed";
    case pool_event::recovered: return "recovered";
    case pool_event::leak_suspected: return "leak_suspected";
    case pool_event::rolled_back: return "rolled_back";
    case pool_event::reset: return "reset";
    case pool_event::discarded: return "discarded";
    case pool_event::callback_failed: return "callback_failed";
  }
  return "unknown";
}

namespace detail {
namespace {

// The monotonic clock at tick resolution (1-4 ms on Linux), for the pool's bookkeeping:
// lease times, idle times and lifetimes, all of which are checked against thresholds of a
// second or more. It is the same clock as pgpx::clock (CLOCK_MONOTONIC), read in a few
// nanoseconds where a precise read costs tens on some virtual machines; it may lag the
// precise clock by up to one tick. Deadlines always use the precise clock.
auto coarse_now() noexcept -> clock::time_point {
#if defined(CLOCK_MONOTONIC_COARSE)
  timespec ts{};
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0) {
    return clock::time_point(std::chrono::duration_cast<clock::duration>(std::chrono::seconds(ts.tv_sec) +
                                                                         std::chrono::nanoseconds(ts.tv_nsec)));
  }
#endif
  return clock::now();
}

}  // namespace

// The deadline of one acquire: given by the caller, or the pool's timeout counted from
// the moment it is first needed (to connect, wait or check a connection). A lease taken
// straight from the idle list never reads the precise clock.
struct acquire_deadline {
  std::optional<deadline> d;  // empty until first needed when the caller gave a timeout
  std::chrono::nanoseconds timeout{};
  auto get() -> deadline {
    if (!d) d = deadline_in(timeout);
    return *d;
  }
};

struct pool_slot {
  std::unique_ptr<connection> cx;
  clock::time_point expires = clock::time_point::max();
  clock::time_point last_used{};
  clock::time_point leased_at{};
  std::source_location where{};
  bool leak_reported = false;
};

// An acquire waiting in the queue. It is woken (signalled) to look again when an idle
// connection or a free place may be there for it; it stays in the queue, at its place, until
// it takes one, times out or the pool closes.
struct pool_waiter {
  wakeup wake;  // a thread blocks on its condition variable; a fiber (async_pool) parks on it
  bool signalled = false;  // woken, and not yet run
  bool queued = false;     // in pool_state::waiters
  std::size_t losses = 0;  // times it was woken and found nothing left for it
};

struct pool_state {
  conninfo info;
  pool_options opts;

  mutable std::mutex m;
  std::list<std::unique_ptr<pool_slot>> slots;  // every open connection (idle or leased)
  std::vector<pool_slot*> idle;                 // most recently used last
  std::deque<pool_waiter*> waiters;             // first come, first served
  std::size_t signalled = 0;                    // queued waiters woken and not yet run
  std::size_t starving = 0;                     // queued waiters that lost max_losses times
  std::size_t total = 0;                        // open plus being opened
  std::size_t connecting = 0;
  bool closed = false;
  pool_stats counters;

  // Connection attempts: exponential backoff with jitter while the server is unreachable.
  std::size_t failures = 0;
  clock::time_point next_attempt{};
  std::string last_failure;

  std::thread housekeeper;
  std::condition_variable housekeeper_cv;
  bool stopping = false;

  std::minstd_rand rng{std::random_device{}()};

  void report(pool_event e, const std::string& message) noexcept {
    if (!opts.on_event) return;
    try {
      opts.on_event(e, message);
    } catch (...) {  // a hook must not break the pool; it hears that it threw, once
      if (e == pool_event::callback_failed) return;
      try {
        opts.on_event(pool_event::callback_failed,
                      "the on_event callback threw on " + std::string(to_string(e)) + "; the pool carried on");
      } catch (...) {
      }
    }
  }

  auto expiry() -> clock::time_point {
    if (opts.max_lifetime.count() <= 0) return clock::time_point::max();
    const double jitter = std::clamp(opts.lifetime_jitter, 0.0, 0.9);
    std::uniform_real_distribution<double> spread(1.0 - jitter, 1.0 + jitter);
    std::lock_guard lock(m);
    const auto ms = static_cast<std::int64_t>(static_cast<double>(opts.max_lifetime.count()) * spread(rng));
    return clock::now() + std::chrono::milliseconds(ms);
  }

  // Opens one connection (the caller reserved its place in `total`).
  auto connect_one(deadline d = no_deadline) -> std::unique_ptr<pool_slot> {
    auto slot = std::make_unique<pool_slot>();
    try {
      connection_options o = opts.connection;
      if (d != no_deadline) {
        // The acquire deadline bounds the attempt too.
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(d - clock::now());
        o.connect_timeout = std::max(std::chrono::milliseconds(1), std::min(o.connect_timeout, left));
      }
      slot->cx = std::make_unique<connection>(info, std::move(o));
    } catch (const error& e) {
      // An attempt its (async) caller cancelled says nothing about the server: no failure
      // counted, no backoff, no connect_failed.
      if (wait_cancelled()) throw;
      bool first = false;
      {
        std::lock_guard lock(m);
        ++counters.connect_failures;
        first = failures++ == 0;
        const auto base = std::min<std::int64_t>(
            opts.connect_backoff_max.count(), opts.connect_backoff.count() << std::min<std::size_t>(failures - 1, 20));
        std::uniform_int_distribution<std::int64_t> pick(base / 2, std::max<std::int64_t>(base, 1));
        next_attempt = clock::now() + std::chrono::milliseconds(pick(rng));
        last_failure = e.message();
      }
      if (first) report(pool_event::connect_failed, e.message());
      throw;
    }
    slot->expires = expiry();
    slot->last_used = clock::now();
    bool recovered = false;
    {
      std::lock_guard lock(m);
      ++counters.connects;
      recovered = failures > 0;
      failures = 0;
    }
    if (recovered) report(pool_event::recovered, "connected to " + info.target() + " again");
    return slot;
  }

  // How many acquires could be served now without a release: idle connections, and places
  // to open one in. Under the lock.
  [[nodiscard]] auto available_locked() const -> std::size_t {
    std::size_t n = idle.size();
    if (total < opts.max_size && connecting < std::max<std::size_t>(1, opts.max_concurrent_connects))
      n += opts.max_size - total;
    return n;
  }

  // Wakes queued waiters, first come first, until as many are awake as could be served (an
  // idle connection or a free place each). One notify per waiter: no herd. Under the lock.
  void wake_locked() {
    if (waiters.empty() || waiters.size() == signalled) return;  // nobody waits, or all are awake
    const std::size_t want = std::min(available_locked(), waiters.size());
    for (auto it = waiters.begin(); signalled < want && it != waiters.end(); ++it) {
      pool_waiter* w = *it;
      if (w->signalled) continue;
      w->signalled = true;
      ++signalled;
      w->wake.notify();
    }
  }

  // Takes a waiter out of the queue (it was served, timed out or leaves to connect). Under the lock.
  void dequeue_locked(pool_waiter& w) {
    if (!w.queued) return;
    std::erase(waiters, &w);
    w.queued = false;
    if (w.signalled) {
      w.signalled = false;
      --signalled;
    }
    if (w.losses >= max_losses) --starving;
  }

  // Whether the queued waiter `w` may take an idle connection: the waiters before it come
  // first, so it may when there are more idle connections than waiters ahead of it. Under the lock.
  [[nodiscard]] auto may_take_idle_locked(const pool_waiter& w) const -> bool {
    std::size_t ahead = 0;
    for (const pool_waiter* q : waiters) {
      if (q == &w) break;
      if (++ahead >= idle.size()) return false;
    }
    return true;
  }

  // Removes a slot from the books; returns it for closing outside the lock. Under the lock.
  auto unlink_locked(pool_slot* s) -> std::unique_ptr<pool_slot> {
    std::unique_ptr<pool_slot> out;
    for (auto it = slots.begin(); it != slots.end(); ++it) {
      if (it->get() == s) {
        out = std::move(*it);
        slots.erase(it);
        break;
      }
    }
    --total;
    ++counters.discarded;
    return out;
  }

  // Whether a connection that idled is fit to lend: lifetime, then a round trip when it idled long.
  auto fit(pool_slot& s, acquire_deadline& d, clock::time_point now) -> bool {
    if (now >= s.expires || !s.cx->is_open()) return false;
    if (now - s.last_used < opts.check_after_idle) return true;
    try {
      scoped_deadline sd{*s.cx, earliest(d.get(), deadline_in(opts.connection.connect_timeout))};
      (void)s.cx->command("");  // an empty query: one round trip, no parse
      return s.cx->status() == transaction_status::idle;
    } catch (const error&) {
      return false;
    }
  }

  // acquire() with the pool's timeout.
  auto acquire_within(const std::shared_ptr<pool_state>& self, std::chrono::nanoseconds timeout,
                      std::source_location where) -> lease {
    return acquire(self, acquire_deadline{std::nullopt, timeout}, where);
  }

  // acquire_until(d).
  auto acquire(const std::shared_ptr<pool_state>& self, deadline d, std::source_location where) -> lease {
    return acquire(self, acquire_deadline{d, {}}, where);
  }

  // Fairness under contention. Waiters queue first come, first served; a release wakes the
  // first of them (one notify per waiter, no herd) and leaves the connection idle rather than
  // handing it over, so a thread that is running and asks for a connection may take it first
  // ("barging"): with more threads than connections that spares a wake-up and a context
  // switch per cycle, and costs the waiter nothing when the connection is back before it runs.
  // Barging is bounded: a waiter that was woken max_losses times and found the connection
  // taken each time is starving, and until it is served newcomers queue behind the waiters
  // instead of taking idle connections or free places. Among queued waiters the order always
  // holds: one takes an idle connection only when those ahead of it leave one over.
  static constexpr std::size_t max_losses = 2;

  // The fast path (an idle connection, nobody waiting) takes the lock once and reads only
  // the coarse clock (for the lease's bookkeeping and the idle check; see coarse_now()).
  auto acquire(const std::shared_ptr<pool_state>& self, acquire_deadline ad, std::source_location where) -> lease {
    const auto now = coarse_now();
    std::unique_lock lock(m);
    if (!idle.empty() && waiters.empty() && !closed)
      if (pool_slot* s = take_idle_locked(ad, where, now, lock, false)) return lease_access::make(self, s);
    return acquire_slow(self, ad, where, lock);
  }

  // Leases the most recently used idle connection and checks it outside the lock. Returns it
  // when it is fit for use; otherwise drops it and returns nullptr with the lock held again.
  // `wake_next`: a served waiter hands the wake-up on, once its own connection is off the
  // idle stack (waking before would count that connection for the next waiter, which would
  // find nothing and count a loss).
  auto take_idle_locked(acquire_deadline& ad, std::source_location where, clock::time_point now,
                        std::unique_lock<std::mutex>& lock, bool wake_next) -> pool_slot* {
    pool_slot* s = idle.back();
    idle.pop_back();
    mark_leased_locked(s, where, now);
    if (wake_next) wake_locked();
    lock.unlock();
    if (fit(*s, ad, now)) return s;
    drop_unfit(s, lock);
    return nullptr;
  }

  // Closes a connection that failed its check before use; returns with the lock held.
  void drop_unfit(pool_slot* s, std::unique_lock<std::mutex>& lock) {
    report(pool_event::discarded, "a pooled connection failed its check and was replaced");
    lock.lock();
    --counters.acquires;
    auto gone = unlink_locked(s);
    wake_locked();  // its place is free
    lock.unlock();
    gone.reset();
    lock.lock();
  }

  // Everything but the fast path: waiting in the queue, opening a connection. Called with the lock held.
  auto acquire_slow(const std::shared_ptr<pool_state>& self, acquire_deadline& ad, std::source_location where,
                    std::unique_lock<std::mutex>& lock) -> lease {
    auto now = coarse_now();
    std::optional<pool_waiter> waiter;  // made when this acquire first has to wait
    for (;;) {
      const bool queued = waiter && waiter->queued;
      // An async caller's cancel already taken by a wait of this acquire (the idle check of a
      // connection that was then dropped): stop here rather than connect or queue, whose waits
      // would no longer see the cancel.
      if (wait_cancelled()) {
        if (queued) dequeue_locked(*waiter);
        ++counters.timeouts;
        throw pool_exhausted("the acquire was cancelled while checking a pooled connection");
      }
      if (closed) {
        if (queued) dequeue_locked(*waiter);
        throw error(error_kind::pool_closed,
                    waiter ? "the pool was closed while waiting for a connection" : "the pool is closed");
      }
      if (!idle.empty() && (queued ? may_take_idle_locked(*waiter) : waiters.empty() || starving == 0)) {
        if (queued) dequeue_locked(*waiter);
        if (pool_slot* s = take_idle_locked(ad, where, now, lock, queued)) return lease_access::make(self, s);
        now = coarse_now();
        continue;
      }
      if (total < opts.max_size && connecting < std::max<std::size_t>(1, opts.max_concurrent_connects) &&
          (queued || waiters.empty() || starving == 0)) {
        if (queued) dequeue_locked(*waiter);
        if (failures > 0 && clock::now() < next_attempt) {
          // The server was unreachable a moment ago: fail fast rather than hammer it.
          ++counters.timeouts;
          throw broken_connection("cannot connect to " + info.target() +
                                  " (retrying after a backoff): " + last_failure);
        }
        ++total;
        ++connecting;
        lock.unlock();
        std::unique_ptr<pool_slot> fresh;
        try {
          fresh = connect_one(ad.get());
        } catch (const error& e) {
          lock.lock();
          --total;
          --connecting;
          wake_locked();  // the place is free again
          if (wait_cancelled()) {
            ++counters.timeouts;
            throw pool_exhausted("the acquire was cancelled while opening a connection: " + e.message());
          }
          if (clock::now() >= ad.get()) {
            ++counters.timeouts;
            throw pool_exhausted("no connection could be opened before the acquire deadline: " + e.message());
          }
          throw;
        } catch (...) {
          lock.lock();
          --total;
          --connecting;
          wake_locked();
          throw;
        }
        lock.lock();
        --connecting;
        pool_slot* s = fresh.get();
        slots.push_back(std::move(fresh));
        if (closed) {
          auto gone = unlink_locked(s);
          lock.unlock();
          gone.reset();
          throw error(error_kind::pool_closed, "the pool is closed");
        }
        mark_leased_locked(s, where, coarse_now());
        wake_locked();  // another attempt may start now
        lock.unlock();
        return lease_access::make(self, s);
      }
      if (!queued) {
        if (opts.max_waiters != 0 && waiters.size() >= opts.max_waiters) {
          ++counters.timeouts;
          throw pool_exhausted("the pool's queue is full (" + std::to_string(opts.max_waiters) +
                               " waiting); try again later");
        }
        if (!waiter) waiter.emplace();
        waiters.push_back(&*waiter);
        waiter->queued = true;
        waiter->losses = 0;
        ++counters.waits;
      } else if (++waiter->losses == max_losses) {
        ++starving;  // woken, and the connection was gone again: from now on newcomers queue behind
      }
      // A waiter that looked and found nothing for it passes the turn on (to one ahead of it).
      wake_locked();
      pool_waiter& w = *waiter;
      const bool woken = wait_for_wakeup(lock, w.wake, ad.get(), [&] { return w.signalled || closed; });
      if (closed) continue;
      if (!woken) {
        dequeue_locked(w);
        ++counters.timeouts;
        if (wait_cancelled()) throw pool_exhausted("the acquire was cancelled while waiting for a connection");
        throw pool_exhausted("no pooled connection became free within the acquire timeout (" +
                             std::to_string(opts.max_size) + " in use)");
      }
      // Woken: look again, staying in the queue at the same place.
      w.signalled = false;
      --signalled;
      now = coarse_now();
    }
  }

  // Records that `s` is leased from `where` (under the lock: housekeeping reads these).
  void mark_leased_locked(pool_slot* s, std::source_location where, clock::time_point now) {
    ++counters.acquires;
    s->leased_at = now;
    s->where = where;
    s->leak_reported = false;
  }

  // Takes a connection back: cleans it (outside the lock) and hands it on.
  void give_back(pool_slot* s, bool discard) noexcept {
    bool keep = !discard;
    clock::time_point now{};
    connection& cx = *s->cx;
    const char* why = discard ? "the lease discarded it" : nullptr;  // nullptr once reported
    try {
      // Runs what an async transaction or stream deferred (a rollback, a drain) first.
      if (keep) keep = usable_after_deferred(cx);
      if (!keep && why == nullptr) why = "it was broken";
      if (keep) {
        const auto st = cx.status();
        if (st == transaction_status::active || st == transaction_status::unknown) {
          keep = false;
          why = "it came back with a statement still running";
        } else if (st == transaction_status::in_transaction || st == transaction_status::in_error) {
          scoped_deadline sd{cx, opts.connection.connect_timeout};
          cx.command("ROLLBACK");
          report(pool_event::rolled_back, "a connection was returned inside a transaction; it was rolled back");
        }
      }
      if (keep && (opts.reset_always || cx.session_changed())) {
        scoped_deadline sd{cx, opts.connection.connect_timeout};
        cx.reset_session();
        {
          std::lock_guard lock(m);
          ++counters.resets;
        }
        report(pool_event::reset, "a connection came back with session changes and was reset");
      }
      now = coarse_now();
      if (keep && now >= s->expires) {  // retired at its lifetime, never while leased
        keep = false;
        why = "it reached its lifetime";
      }
    } catch (const std::exception& e) {
      keep = false;
      why = nullptr;
      if (opts.on_event)
        report(pool_event::discarded,
               std::string("a returned connection was closed: its clean-up failed: ") + e.what());
    } catch (...) {
      keep = false;
      why = "its clean-up failed";
    }
    if (!keep && why != nullptr && opts.on_event)
      report(pool_event::discarded, std::string("a returned connection was closed: ") + why);
    std::unique_ptr<pool_slot> gone;
    {
      std::lock_guard lock(m);
      if (!keep || closed) {
        gone = unlink_locked(s);
      } else {
        s->last_used = now == clock::time_point{} ? coarse_now() : now;
        idle.push_back(s);
      }
      wake_locked();  // the first waiter, if any, looks again; it may find a running thread took it first
    }
    gone.reset();  // closes the connection outside the lock
  }

  void housekeeping() {
    std::unique_lock lock(m);
    while (!stopping) {
      housekeeper_cv.wait_for(lock, opts.housekeeping_period, [&] { return stopping; });
      if (stopping) break;
      const auto now = clock::now();
      // Retire expired idle connections, and idle ones beyond min_size after max_idle.
      std::vector<std::unique_ptr<pool_slot>> retire;
      for (auto it = idle.begin(); it != idle.end();) {
        pool_slot* s = *it;
        const bool expired = now >= s->expires;
        const bool surplus =
            opts.max_idle.count() > 0 && total - retire.size() > opts.min_size && now - s->last_used >= opts.max_idle;
        if (expired || surplus) {
          it = idle.erase(it);
          retire.push_back(unlink_locked(s));
        } else {
          ++it;
        }
      }
      if (!retire.empty()) wake_locked();  // their places are free
      std::size_t expired_count = 0;
      for (const auto& r : retire)
        if (r && now >= r->expires) ++expired_count;
      // Leases held too long.
      std::vector<std::string> leaks;
      if (opts.leak_threshold.count() > 0) {
        for (auto& sp : slots) {
          pool_slot* s = sp.get();
          const bool leased = std::find(idle.begin(), idle.end(), s) == idle.end();
          if (leased && !s->leak_reported && now - s->leased_at >= opts.leak_threshold) {
            s->leak_reported = true;
            ++counters.leaks;
            leaks.push_back(
                std::string("a connection leased at ") + s->where.file_name() + ":" + std::to_string(s->where.line()) +
                " (" + s->where.function_name() + ") is still held after " +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - s->leased_at).count()) +
                " ms");
          }
        }
      }
      // Refill to min_size, one attempt at a time, respecting the backoff.
      const bool refill = !closed && total < opts.min_size && connecting < opts.max_concurrent_connects &&
                          (failures == 0 || now >= next_attempt);
      if (refill) {
        ++total;
        ++connecting;
      }
      lock.unlock();
      retire.clear();
      for (std::size_t i = 0; i < expired_count; ++i)
        report(pool_event::discarded, "an idle connection reached its lifetime and was closed");
      for (const auto& l : leaks) report(pool_event::leak_suspected, l);
      std::unique_ptr<pool_slot> fresh;
      if (refill) {
        try {
          fresh = connect_one();
        } catch (...) {
        }
      }
      lock.lock();
      if (refill) {
        --connecting;
        if (!fresh) {
          --total;
        } else {
          pool_slot* s = fresh.get();
          slots.push_back(std::move(fresh));
          if (closed) {
            auto gone = unlink_locked(s);
            lock.unlock();
            gone.reset();
            lock.lock();
          } else {
            idle.push_back(s);
            wake_locked();
          }
          housekeeper_cv.notify_all();  // keep filling without waiting a whole period
        }
      }
    }
  }

  void close() noexcept {
    std::vector<std::unique_ptr<pool_slot>> gone;
    {
      std::lock_guard lock(m);
      if (closed) return;
      closed = true;
      for (auto* s : idle) gone.push_back(unlink_locked(s));
      idle.clear();
      for (auto* w : waiters) {
        w->queued = false;
        w->signalled = false;
        w->wake.notify();
      }
      waiters.clear();
      signalled = 0;
      starving = 0;
    }
    gone.clear();
  }

  void stop() noexcept {
    {
      std::lock_guard lock(m);
      stopping = true;
    }
    housekeeper_cv.notify_all();
    if (housekeeper.joinable()) housekeeper.join();
  }
};

// The handle that pool objects share: when the last one goes, the pool closes and its
// background task stops. Leases keep the state (not the handle) alive.
struct pool_owner {
  std::shared_ptr<pool_state> state;
  ~pool_owner() {
    state->close();
    state->stop();
  }
};

}  // namespace detail

lease::lease(lease&& o) noexcept : state_(std::move(o.state_)), slot_(std::exchange(o.slot_, nullptr)) {}

auto lease::operator=(lease&& o) noexcept -> lease& {
  if (this != &o) {
    release();
    state_ = std::move(o.state_);
    slot_ = std::exchange(o.slot_, nullptr);
  }
  return *this;
}

lease::~lease() { release(); }

auto lease::operator*() const -> connection& {
  if (slot_ == nullptr) throw usage_error("this lease holds no connection (it was released or moved from)");
  return *slot_->cx;
}

auto lease::operator->() const -> connection* { return &**this; }

void lease::release() noexcept {
  if (slot_ == nullptr) return;
  state_->give_back(std::exchange(slot_, nullptr), false);
  state_.reset();
}

void lease::discard() noexcept {
  if (slot_ == nullptr) return;
  state_->give_back(std::exchange(slot_, nullptr), true);
  state_.reset();
}

auto pool::open(const conninfo& info, pool_options options) -> pool {
  if (options.max_size == 0) throw usage_error("pool_options::max_size must be at least 1");
  if (options.min_size > options.max_size)
    throw usage_error("pool_options::min_size (" + std::to_string(options.min_size) + ") exceeds max_size (" +
                      std::to_string(options.max_size) + ")");
  if (options.housekeeping_period.count() <= 0) throw usage_error("pool_options::housekeeping_period must be positive");
  auto s = std::make_shared<detail::pool_state>();
  s->info = info;
  if (!options.application_name.empty()) s->info.set("application_name", options.application_name);
  s->opts = std::move(options);
  auto owner = std::make_shared<detail::pool_owner>();
  owner->state = s;
  // The background task refills to min_size and retires idle and old connections.
  s->housekeeper = std::thread([raw = s.get()] { raw->housekeeping(); });
  return pool(std::move(owner));
}

auto pool::open(const config& cfg, pool_options options) -> pool {
  options.connection = connection_options_of(cfg);
  return open(cfg.connection(), std::move(options));
}

auto pool::state() const -> detail::pool_state& { return *owner_->state; }

auto pool::acquire(std::source_location where) -> lease {
  return owner_->state->acquire_within(owner_->state, state().opts.acquire_timeout, where);
}

auto pool::acquire_until(deadline d, std::source_location where) -> lease {
  // Leases share the state, not the owner: the pool closes when its last handle goes, even
  // while leases are out (their connections are then closed on return).
  return owner_->state->acquire(owner_->state, d, where);
}

auto pool::try_acquire(deadline d, std::source_location where) -> outcome<lease> {
  try {
    return acquire_until(d, where);
  } catch (const error& e) {
    return diagnostic{e.kind(), e.message(), "pool", 0, 0};
  }
}

auto pool::stats() const -> pool_stats {
  auto& st = state();
  std::lock_guard lock(st.m);
  pool_stats s = st.counters;
  s.size = st.total;
  s.idle = st.idle.size();
  s.in_use = st.slots.size() - st.idle.size();
  s.waiters = st.waiters.size();
  return s;
}

auto pool::options() const -> const pool_options& { return state().opts; }

void pool::close() noexcept { owner_->state->close(); }

auto pool::is_closed() const noexcept -> bool {
  std::lock_guard lock(owner_->state->m);
  return owner_->state->closed;
}

}  // namespace pgpx
