#include <pgpx/pool/routed_pool.hpp>

#include <pgpx/core/engine/wait.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace pgpx {

namespace detail {

// What acquire_read() needs beyond the two pools: whether a standby answers again while
// reads use the primary. The check runs on its own thread, at most once per
// standby_recheck, and only while leases land on the primary.
struct routed_state {
  conninfo standby_only;  // the read conninfo with target_session_attrs=standby
  connection_options connect_options;
  std::chrono::milliseconds recheck{};
  bool fall_back = true;

  std::mutex m;
  std::thread checker;  // joined before the next check starts and in the destructor
  bool checking = false;
  clock::time_point next_check{};
  std::atomic<bool> standby_up{false};

  routed_state() = default;
  routed_state(const routed_state&) = delete;
  auto operator=(const routed_state&) -> routed_state& = delete;
  ~routed_state() {
    if (checker.joinable()) checker.join();
  }

  // Whether a standby answered at the last check; starts a check when one is due.
  auto standby_answers() -> bool {
    std::lock_guard lock(m);
    const auto now = clock::now();
    if (!checking && now >= next_check) {
      if (checker.joinable()) checker.join();  // finished: `checking` is false
      checking = true;
      next_check = now + recheck;
      checker = std::thread([this] { check(); });
    }
    return standby_up.load();
  }

  void check() noexcept {
    bool up = false;
    try {
      const connection cx{standby_only, connect_options};
      up = cx.is_open();
    } catch (...) {  // no standby answers
    }
    standby_up.store(up);
    std::lock_guard lock(m);
    checking = false;
  }

  // A check said yes, yet a new connection went to the primary: the standby went away again.
  void standby_missed() noexcept { standby_up.store(false); }
};

}  // namespace detail

namespace {

// The "options" libpq would send, from the conninfo or else PGOPTIONS, plus `extra`.
auto with_option(const conninfo& ci, const std::string& extra) -> std::string {
  std::string options = ci.get("options");
  if (options.empty()) {
    const char* env = std::getenv("PGOPTIONS");
    if (env != nullptr) options = env;
  }
  return options.empty() ? extra : options + " " + extra;
}

}  // namespace

auto routed_pool::open(const conninfo& hosts, routed_pool_options options) -> routed_pool {
  conninfo writes = hosts;
  writes.set("target_session_attrs", "read-write");
  conninfo reads = hosts;
  reads.set("target_session_attrs", options.reads_fall_back_to_primary ? "prefer-standby" : "standby");
  // Every read connection refuses writes, also one that fell back to the primary; RESET ALL
  // and DISCARD ALL keep a setting that came with the startup packet.
  reads.set("options", with_option(hosts, "-c default_transaction_read_only=on"));

  auto state = std::make_shared<detail::routed_state>();
  state->standby_only = reads;
  state->standby_only.set("target_session_attrs", "standby");
  state->connect_options = options.replicas.connection;
  state->connect_options.hook = nullptr;  // the check is not a statement anyone asked for
  state->recheck = std::max(options.standby_recheck, std::chrono::milliseconds(1));
  state->fall_back = options.reads_fall_back_to_primary;
  return routed_pool(pool::open(writes, std::move(options.primary)), pool::open(reads, std::move(options.replicas)),
                     std::move(state));
}

auto routed_pool::on_standby(connection& cx) -> bool {
  // Servers from PostgreSQL 14 report in_hot_standby, and report its change on promotion.
  const auto reported = cx.parameter_status("in_hot_standby");
  if (!reported.empty()) return reported == "on";
  return cx.query_value<bool>("select pg_is_in_recovery()");
}

auto routed_pool::acquire_read(std::source_location where) -> lease {
  lease l = replicas_.acquire(where);
  if (!state_->fall_back) return l;  // target_session_attrs=standby: never the primary
  // A pooled connection to the primary is not handed out once a standby answers again:
  // close it and lease again, which opens a connection to the standby. Bounded by the pool
  // size (each round closes one connection to the primary).
  bool replaced = false;
  for (std::size_t round = 0; round <= replicas_.options().max_size && !on_standby(*l); ++round) {
    if (!state_->standby_answers()) return l;
    l.discard();
    l = replicas_.acquire(where);
    replaced = true;
  }
  if (replaced && !on_standby(*l)) state_->standby_missed();
  return l;
}

auto routed_pool::acquire_read_after(const wal_position& pos, std::chrono::milliseconds wait,
                                     std::source_location where) -> lease {
  if (pos.lsn.empty()) throw usage_error("acquire_read_after needs a position taken with routed_pool::position_of()");
  const deadline until = clock::now() + wait;
  lease l = acquire_read(where);
  if (!on_standby(*l)) return l;  // a read that fell back to the primary sees every write
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    // On the primary pg_last_wal_replay_lsn() is null and the answer is "not in recovery".
    if (l->query_value<bool>("select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, not pg_is_in_recovery())",
                             pos.lsn))
      return l;
    const auto now = clock::now();
    if (now >= until) break;
    detail::sleep_until(std::min<deadline>(now + pause, until));
    if (detail::wait_cancelled()) break;
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  // A cancelled async wait asks nothing more of the server (its waits would time out at once).
  const auto at = detail::wait_cancelled()
                      ? std::string("an unknown position: the wait was cancelled")
                      : l->query_value<std::string>("select coalesce(pg_last_wal_replay_lsn()::text, 'nothing')");
  error_info ei;
  ei.hint = "replica lag is longer than the wait: wait longer, or read from the primary (acquire_write)";
  ei.retryable = true;
  throw timeout_error("the standby has not replayed the primary's log up to " + pos.lsn + " within " +
                          std::to_string(wait.count()) + " ms (it has replayed up to " + at + ")",
                      std::move(ei));
}

auto routed_pool::position_of(connection& primary) -> wal_position {
  // The insert position is at or after the end of every record written so far, the commit
  // records of this session included, even when synchronous_commit is off and they are not
  // written out yet (pg_current_wal_lsn() could then be before them). When it sits just after
  // a page header, no record ends there: the position is moved back to the page boundary,
  // where the last record ended, or a standby would wait for a record that may not come soon.
  return {primary.query_value<std::string>(
      "select (case when o % s = 40 or (o % b = 24 and o % s <> 24) then l - (o % b) else l end)::text "
      "from (select l, l - '0/0'::pg_lsn as o, current_setting('wal_block_size')::numeric as b, "
      "pg_size_bytes(current_setting('wal_segment_size')) as s "
      "from pg_current_wal_insert_lsn() as l) as w")};
}

}  // namespace pgpx
