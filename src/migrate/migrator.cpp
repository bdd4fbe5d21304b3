// Applying, rolling back and inspecting migrations (pgpx/migrate/migrator.hpp).
//
// Every name that reaches SQL text passes through pgpx::quote_identifier / quote_qualified;
// every value (versions, checksums, settings, error texts) is a bound parameter.
#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/migrate/lint.hpp>
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/migrate/source.hpp>
#include <pgpx/migrate/split.hpp>
#include <pgpx/migrate/sum_file.hpp>
#include <pgpx/version.hpp>

#include "migrator_impl.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace pgpx::migrate {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// The first key of the advisory lock: "pgpx" read as a big-endian int4. The second key is
// hashtext(current_database() || '.' || schema), computed by the server.
constexpr std::int32_t lock_class = 0x70677078;
// The version of the tracking tables this pgpx creates and understands (pgpx.meta).
constexpr int tables_version = 1;

// The quoted names of the tracking tables of one schema.
struct table_names {
  std::string schema;      // "pgpx"
  std::string migrations;  // "pgpx"."schema_migrations"
  std::string log;         // "pgpx"."migration_log"
  std::string meta;        // "pgpx"."meta"
};

auto names_for(const std::string& schema) -> table_names {
  return {quote_identifier(schema), quote_qualified({schema, "schema_migrations"}),
          quote_qualified({schema, "migration_log"}), quote_qualified({schema, "meta"})};
}

// The shared settings of apply_options and rollback_options.
template <class Options>
auto shared(const Options& o) -> run_options {
  return {o.schema,  o.lock_wait,    o.lock_poll,  o.lock_timeout, o.statement_timeout,
          o.dry_run, o.on_lock_wait, o.on_progress};
}

// Tells run_options::on_progress where the run is.
void report_progress(const run_options& o, const run_progress& at) {
  if (o.on_progress) o.on_progress(at);
}

auto elapsed_ms(steady_clock::time_point since) -> milliseconds {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - since);
}

// A PostgreSQL duration setting value for a number of milliseconds ("0" disables).
auto setting(milliseconds d) -> std::string { return d.count() == 0 ? "0" : std::to_string(d.count()) + "ms"; }

// A tracking row of schema_migrations.
struct recorded {
  std::string version;
  std::uint64_t number = 0;
  std::string name;
  std::string checksum;
  std::string status;
  int done = 0;
  int total = 0;
  std::string error;
  std::string applied_at;
  std::string applied_by;
  std::int64_t duration_ms = 0;
  bool no_transaction = false;
};

// Whether `v` can be a version at all: one or more digits.
auto is_version(const std::string& v) -> bool {
  return !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
}

auto version_number(const std::string& v) -> std::uint64_t {
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// True when the tracking table exists (read-only check, for status and dry runs).
auto tables_exist(connection& cx, const run_options& o) -> bool {
  const auto t = quote_qualified({o.schema, "schema_migrations"});
  return cx.query_value<bool>("select to_regclass($1) is not null", t);
}

void check_meta(connection& cx, const table_names& n, const run_options& o) {
  const auto v = cx.query_optional<std::string>("select value from " + n.meta + " where key = 'schema_version'");
  if (v && version_number(*v) > static_cast<std::uint64_t>(tables_version))
    throw migration_error(failure::newer_tables, "",
                          "the tracking tables in schema '" + o.schema + "' have version " + *v +
                              ", newer than this pgpx understands (" + std::to_string(tables_version) +
                              "); upgrade pgpx");
}

// Creates the schema and tables if needed. Runs under the migration lock, so concurrent
// CREATE ... IF NOT EXISTS races cannot happen.
void ensure_tables(connection& cx, const table_names& n, const run_options& o) {
  // When the tables exist nothing is created: CREATE SCHEMA/TABLE IF NOT EXISTS check the
  // CREATE privilege before existence, and a deploy role may have only DML on them.
  if (cx.query_value<bool>("select to_regclass($1) is not null and to_regclass($2) is not null and "
                           "to_regclass($3) is not null",
                           n.meta, n.migrations, n.log)) {
    check_meta(cx, n, o);
    return;
  }
  transaction tx{cx};
  tx.execute_script("create schema if not exists " + n.schema +
                    ";\n"
                    "create table if not exists " +
                    n.meta +
                    " (key text primary key, value text not null);\n"
                    "create table if not exists " +
                    n.migrations +
                    " (\n"
                    "  version text primary key,\n"
                    "  name text not null,\n"
                    "  checksum text not null,\n"
                    "  down_checksum text,\n"
                    "  irreversible boolean not null default false,\n"
                    "  no_transaction boolean not null default false,\n"
                    "  status text not null default 'applied'\n"
                    "    check (status in ('applied', 'failed', 'partial', 'baseline')),\n"
                    "  statements_done integer not null default 0,\n"
                    "  statements_total integer not null default 0,\n"
                    "  error text,\n"
                    "  error_statement text,\n"
                    "  applied_at timestamptz not null default now(),\n"
                    "  applied_by text not null default current_user,\n"
                    "  client_host text default inet_client_addr()::text,\n"
                    "  duration_ms bigint not null default 0,\n"
                    "  pgpx_version text\n"
                    ");\n"
                    "create table if not exists " +
                    n.log +
                    " (\n"
                    "  id bigserial primary key,\n"
                    "  version text not null,\n"
                    "  name text,\n"
                    "  action text not null\n"
                    "    check (action in ('up', 'down', 'baseline', 'mark', 'repair', 'hash-restamp')),\n"
                    "  \"at\" timestamptz not null default now(),\n"
                    "  \"by\" text not null default current_user,\n"
                    "  checksum text,\n"
                    "  duration_ms bigint,\n"
                    "  outcome text not null,\n"
                    "  reason text\n"
                    ")");
  tx.execute("insert into " + n.meta + " (key, value) values ('schema_version', $1) on conflict (key) do nothing",
             std::to_string(tables_version));
  tx.commit();
  check_meta(cx, n, o);
}

auto read_recorded(connection& cx, const table_names& n) -> std::vector<recorded> {
  using row_t = std::tuple<std::string, std::string, std::string, std::string, std::int32_t, std::int32_t, std::string,
                           std::string, std::string, std::int64_t, bool>;
  auto rows = cx.query<row_t>(
      "select version, name, checksum, status, statements_done, statements_total, "
      "coalesce(error, ''), applied_at::text, applied_by, duration_ms, no_transaction from " +
      n.migrations);
  std::vector<recorded> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    recorded x;
    x.version = std::move(std::get<0>(r));
    x.number = version_number(x.version);
    x.name = std::move(std::get<1>(r));
    x.checksum = std::move(std::get<2>(r));
    x.status = std::move(std::get<3>(r));
    x.done = std::get<4>(r);
    x.total = std::get<5>(r);
    x.error = std::move(std::get<6>(r));
    x.applied_at = std::move(std::get<7>(r));
    x.applied_by = std::move(std::get<8>(r));
    x.duration_ms = std::get<9>(r);
    x.no_transaction = std::get<10>(r);
    out.push_back(std::move(x));
  }
  std::sort(out.begin(), out.end(), [](const recorded& a, const recorded& b) { return a.number < b.number; });
  return out;
}

// The tracking rows. `create` (a run that writes): the tables are created first when missing.
// Otherwise (status, dry runs, repair) nothing is created, and without the tables there are none.
auto load_rows(connection& cx, const table_names& n, const run_options& o, bool create) -> std::vector<recorded> {
  if (create) {
    ensure_tables(cx, n, o);
  } else {
    if (!tables_exist(cx, o)) return {};
    check_meta(cx, n, o);
  }
  return read_recorded(cx, n);
}

// The advisory lock of one run, held on a dedicated connection and released (with the
// connection) when the guard ends, on every path.
class run_lock {
 public:
  run_lock(const connection& work, const run_options& o) : cx_(work.info(), work.options()), schema_(o.schema) {
    const auto until = steady_clock::now() + o.lock_wait;
    bool told = false;
    for (;;) {
      if (cx_.query_value<bool>("select pg_try_advisory_lock($1, hashtext(current_database() || '.' || $2))",
                                lock_class, o.schema))
        return;
      if (steady_clock::now() >= until) throw timed_out(o);
      if (!told && o.on_lock_wait) {
        told = true;
        o.on_lock_wait("waiting up to " + std::to_string(o.lock_wait.count()) +
                       " ms for the migration lock of schema '" + o.schema + "', held by: " + holders(o));
      }
      std::this_thread::sleep_for(std::min(
          o.lock_poll, std::chrono::duration_cast<milliseconds>(until - steady_clock::now() + milliseconds(1))));
    }
  }
  run_lock(const run_lock&) = delete;
  auto operator=(const run_lock&) -> run_lock& = delete;

  /// Throws failure::lock_lost unless the session still holds the lock (checked before each
  /// migration: a lock connection that broke, or was terminated, released it).
  void ensure_held() {
    bool held = false;
    std::string why;
    try {
      held = cx_.query_value<bool>(
          "select exists (select 1 from pg_locks where locktype = 'advisory' and granted and objsubid = 2 "
          "and pid = pg_backend_pid() and classid = $1::oid "
          "and objid = hashtext(current_database() || '.' || $2)::oid)",
          lock_class, schema_);
    } catch (const pgpx::error& e) {
      why = ": " + e.message();
    }
    if (!held)
      throw migration_error(failure::lock_lost, "",
                            "the migration lock of schema '" + schema_ + "' was lost (its connection ended" + why +
                                "); stopped before the next migration so that no other applier runs at the same time");
  }
  ~run_lock() {
    try {
      static_cast<void>(cx_.query_value<bool>(
          "select pg_advisory_unlock($1, hashtext(current_database() || '.' || $2))", lock_class, schema_));
    } catch (...) {  // NOLINT(bugprone-empty-catch): closing the session below releases it too
    }
    cx_.close();
  }

 private:
  // The error naming who holds the lock.
  auto timed_out(const run_options& o) -> migration_error {
    return migration_error(failure::lock_timeout, "",
                           "the migration lock of schema '" + o.schema + "' is still held after " +
                               std::to_string(o.lock_wait.count()) + " ms by: " + holders(o));
  }

  // Who holds the lock (pg_locks joined with pg_stat_activity), for people.
  auto holders(const run_options& o) -> std::string {
    using holder_t = std::tuple<std::int32_t, std::string, std::string, std::string, std::string>;
    std::string who;
    try {
      const auto holders = cx_.query<holder_t>(
          "select a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
          "coalesce(a.state, ''), coalesce(a.query, '') "
          "from pg_locks l join pg_stat_activity a on a.pid = l.pid "
          "where l.locktype = 'advisory' and l.granted and l.objsubid = 2 "
          "and l.database = (select oid from pg_database where datname = current_database()) "
          "and l.classid = $1::oid and l.objid = hashtext(current_database() || '.' || $2)::oid",
          lock_class, o.schema);
      for (const auto& h : holders) {
        who += (who.empty() ? "" : "; ") + std::string("pid ") + std::to_string(std::get<0>(h)) +
               ", application_name '" + std::get<1>(h) + "', user '" + std::get<2>(h) + "', state '" + std::get<3>(h) +
               "', query: " + redact(std::get<4>(h));
      }
    } catch (const pgpx::error& e) {
      who = "unknown (" + e.message() + ")";
    }
    if (who.empty()) who = "unknown (released meanwhile)";
    return who;
  }

  connection cx_;
  std::string schema_;
};

// Sets lock_timeout and statement_timeout for a migration file: for the transaction (local)
// or the session. Values are bound parameters of set_config.
template <class Executor>
void set_timeouts(Executor& ex, const directives& h, const run_options& o, bool local) {
  const auto lock = h.lock_timeout.value_or(o.lock_timeout);
  static_cast<void>(ex.exec("select set_config('lock_timeout', $1, $2)", setting(lock), local));
  if (h.statement_timeout || o.statement_timeout) {
    const auto st = h.statement_timeout ? *h.statement_timeout : *o.statement_timeout;
    static_cast<void>(ex.exec("select set_config('statement_timeout', $1, $2)", setting(st), local));
  }
}

// Writes a log row in its own (autocommit) statement; used after a failure, when the
// migration's transaction has rolled back. Best effort: the error being reported matters more.
void log_failure(connection& cx, const table_names& n, const std::string& version, const std::string& name,
                 const char* action, const std::string& checksum, milliseconds took, const std::string& why) noexcept {
  try {
    if (!cx.is_open()) return;
    if (cx.status() != transaction_status::idle) cx.execute_script("rollback");
    cx.execute("insert into " + n.log +
                   " (version, name, action, checksum, duration_ms, outcome, reason) "
                   "values ($1, $2, $3, $4, $5, 'failed', $6)",
               version, name, std::string(action), checksum, static_cast<std::int64_t>(took.count()), why);
  } catch (...) {  // NOLINT(bugprone-empty-catch): see above
  }
}

auto statement_failed(const migration& m, const migration_file& f, const std::string& what, const pgpx::error& e)
    -> migration_error {
  // A migration may hold a secret (CREATE ROLE ... PASSWORD '...'): statement texts and
  // messages pass through pgpx::redact.
  auto info = e.info();
  info.statement = redact(info.statement);
  info.detail = redact(info.detail);
  return migration_error(failure::statement_failed, m.version,
                         f.path.string() + ": " + what + ": " + redact(e.message()), std::move(info));
}

// Runs one file and its tracking writes inside `tx` (which the caller commits).
template <class Track>
auto run_file_in(transaction& tx, const table_names& n, const migration& m, const migration_file& f,
                 const run_options& o, const char* action, Track&& track) -> milliseconds {
  const auto t0 = steady_clock::now();
  set_timeouts(tx, f.header, o, true);
  tx.execute_script(f.content);
  const auto took = elapsed_ms(t0);
  track(tx, took);
  tx.execute("insert into " + n.log +
                 " (version, name, action, checksum, duration_ms, outcome) values ($1, $2, $3, $4, $5, 'ok')",
             m.version, m.name(), std::string(action), f.checksum, static_cast<std::int64_t>(took.count()));
  return took;
}

// Runs one transactional file (up or down) with its tracking writes in one transaction.
template <class Track>
auto run_in_transaction(connection& cx, const table_names& n, const migration& m, const migration_file& f,
                        const run_options& o, const char* action, Track&& track) -> milliseconds {
  const auto t0 = steady_clock::now();
  try {
    transaction tx{cx};
    const auto took = run_file_in(tx, n, m, f, o, action, track);
    tx.commit();
    return took;
  } catch (const commit_in_doubt& e) {
    throw statement_failed(m, f,
                           "the connection broke during COMMIT, so whether the migration (and its tracking row) "
                           "committed is unknown; check with status() before running again",
                           e);
  } catch (const pgpx::error& e) {
    log_failure(cx, n, m.version, m.name(), action, f.checksum, elapsed_ms(t0), redact(e.message()));
    throw statement_failed(m, f, "failed (rolled back, nothing of it remains)", e);
  }
}

// Writes the tracking row of a migration applied in a transaction.
void insert_applied(transaction& tx, const table_names& n, const migration& m, milliseconds took) {
  tx.execute("insert into " + n.migrations +
                 " (version, name, checksum, down_checksum, irreversible, no_transaction, status, "
                 "duration_ms, pgpx_version) values ($1, $2, $3, $4, $5, false, 'applied', $6, $7)",
             m.version, m.name(), m.up.checksum, m.down ? std::optional<std::string>(m.down->checksum) : std::nullopt,
             m.irreversible(), static_cast<std::int64_t>(took.count()), std::string(PGPX_VERSION_STRING));
}

// Restores the session's lock_timeout and statement_timeout after a no-transaction file.
class session_settings {
 public:
  explicit session_settings(connection& cx)
      : cx_(cx),
        lock_(cx.query_value<std::string>("select current_setting('lock_timeout')")),
        statement_(cx.query_value<std::string>("select current_setting('statement_timeout')")) {}
  session_settings(const session_settings&) = delete;
  auto operator=(const session_settings&) -> session_settings& = delete;
  ~session_settings() {
    try {
      if (!cx_.is_open()) return;
      static_cast<void>(
          cx_.exec("select set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)", lock_,
                   statement_));
    } catch (...) {  // NOLINT(bugprone-empty-catch): the connection's error, if any, was reported
    }
  }

 private:
  connection& cx_;
  std::string lock_;
  std::string statement_;
};

// Runs an up file statement by statement in autocommit, recording progress after each.
// `resume_from` is the number of statements done by an earlier, partial run (whose row exists),
// or nullopt for a first run.
auto run_up_no_transaction(connection& cx, const table_names& n, const migration& m, const run_options& o,
                           std::optional<std::int32_t> resume_from, run_progress at) -> milliseconds {
  const auto& f = m.up;
  const auto statements = split_statements(f.content, f.path.string());
  const auto total = static_cast<std::int32_t>(statements.size());
  at.statements_total = total;
  at.statements_done = resume_from.value_or(0);
  report_progress(o, at);
  const auto t0 = steady_clock::now();
  if (resume_from) {
    cx.execute(
        "update " + n.migrations + " set status = 'partial', error = null, error_statement = null where version = $1",
        m.version);
  } else {
    cx.execute("insert into " + n.migrations +
                   " (version, name, checksum, down_checksum, irreversible, no_transaction, status, "
                   "statements_done, statements_total, pgpx_version) "
                   "values ($1, $2, $3, $4, $5, true, 'partial', 0, $6, $7)",
               m.version, m.name(), f.checksum, m.down ? std::optional<std::string>(m.down->checksum) : std::nullopt,
               m.irreversible(), total, std::string(PGPX_VERSION_STRING));
  }
  session_settings restore{cx};
  set_timeouts(cx, f.header, o, false);
  for (std::int32_t i = resume_from.value_or(0); i < total; ++i) {
    const auto& s = statements[static_cast<std::size_t>(i)];
    try {
      cx.execute_script(s.text);
    } catch (const pgpx::error& e) {
      const std::string status = i == 0 ? "failed" : "partial";
      try {
        if (cx.is_open())
          cx.execute("update " + n.migrations +
                         " set status = $2, error = $3, error_statement = $4, duration_ms = $5 where version = $1",
                     m.version, status, redact(e.message()), redact(s.text),
                     static_cast<std::int64_t>(elapsed_ms(t0).count()));
      } catch (...) {  // NOLINT(bugprone-empty-catch): the row still says partial
      }
      log_failure(cx, n, m.version, m.name(), "up", f.checksum, elapsed_ms(t0), redact(e.message()));
      throw statement_failed(m, f,
                             "statement " + std::to_string(i + 1) + " of " + std::to_string(total) + " (line " +
                                 std::to_string(s.line) + ") failed after " + std::to_string(i) +
                                 " completed; the migration is recorded as " + status +
                                 " and later runs refuse it until it is resolved by hand and marked",
                             e);
    }
    cx.execute("update " + n.migrations + " set statements_done = $2 where version = $1", m.version, i + 1);
    at.statements_done = i + 1;
    report_progress(o, at);
  }
  const auto took = elapsed_ms(t0);
  transaction tx{cx};
  tx.execute("update " + n.migrations +
                 " set status = 'applied', duration_ms = $2, applied_at = now(), error = null, "
                 "error_statement = null where version = $1",
             m.version, static_cast<std::int64_t>(took.count()));
  tx.execute("insert into " + n.log +
                 " (version, name, action, checksum, duration_ms, outcome) values ($1, $2, 'up', $3, $4, 'ok')",
             m.version, m.name(), f.checksum, static_cast<std::int64_t>(took.count()));
  tx.commit();
  return took;
}

// Runs a no-transaction down file statement by statement; a failure marks the row failed.
auto run_down_no_transaction(connection& cx, const table_names& n, const migration& m, const recorded& r,
                             const run_options& o, run_progress at) -> milliseconds {
  const auto& f = *m.down;
  const auto statements = split_statements(f.content, f.path.string());
  const auto total = static_cast<int>(statements.size());
  at.statements_total = total;
  report_progress(o, at);
  const auto t0 = steady_clock::now();
  {
    session_settings restore{cx};
    set_timeouts(cx, f.header, o, false);
    for (int i = 0; i < total; ++i) {
      const auto& s = statements[static_cast<std::size_t>(i)];
      try {
        cx.execute_script(s.text);
      } catch (const pgpx::error& e) {
        const auto why = "rollback: statement " + std::to_string(i + 1) + " of " + std::to_string(total) + " of " +
                         f.file_name + " failed after " + std::to_string(i) + " completed: " + redact(e.message());
        try {
          if (cx.is_open())
            cx.execute("update " + n.migrations +
                           " set status = 'failed', error = $2, error_statement = $3 where version = $1",
                       r.version, why, redact(s.text));
        } catch (...) {  // NOLINT(bugprone-empty-catch): reported below
        }
        log_failure(cx, n, r.version, m.name(), "down", f.checksum, elapsed_ms(t0), redact(e.message()));
        throw statement_failed(m, f,
                               "statement " + std::to_string(i + 1) + " of " + std::to_string(total) + " (line " +
                                   std::to_string(s.line) + ") failed after " + std::to_string(i) +
                                   " completed; the migration is recorded as failed until resolved by hand and marked",
                               e);
      }
      at.statements_done = i + 1;
      report_progress(o, at);
    }
  }
  const auto took = elapsed_ms(t0);
  transaction tx{cx};
  tx.execute("delete from " + n.migrations + " where version = $1", r.version);
  tx.execute("insert into " + n.log +
                 " (version, name, action, checksum, duration_ms, outcome) values ($1, $2, 'down', $3, $4, 'ok')",
             r.version, m.name(), f.checksum, static_cast<std::int64_t>(took.count()));
  tx.commit();
  return took;
}

auto find_file(const std::vector<migration>& files, std::uint64_t number) -> const migration* {
  for (const auto& m : files)
    if (m.number == number) return &m;
  return nullptr;
}

auto find_row(const std::vector<recorded>& rows, std::uint64_t number) -> const recorded* {
  for (const auto& r : rows)
    if (r.number == number) return &r;
  return nullptr;
}

// True when a partial or failed row can be resumed: an up no-transaction migration that
// stopped before its last statement. (A failed rollback keeps statements_done at the total.)
auto resumable(const recorded& r) -> bool {
  return (r.status == "partial" || r.status == "failed") && r.no_transaction && r.done < r.total;
}

// Refuses partial and failed tracking rows, except those that `resume` continues (returned,
// when their file is unchanged).
auto refuse_dirty(const std::vector<recorded>& rows, const std::vector<migration>& files, bool resume)
    -> std::vector<const recorded*> {
  std::vector<const recorded*> resumed;
  for (const auto& r : rows) {
    if (r.status != "partial" && r.status != "failed") continue;
    const auto* m = find_file(files, r.number);
    const auto file = m != nullptr ? m->up.path.string() : r.name + ".up.sql";
    const auto state = r.name + " is recorded as " + r.status + " (" + std::to_string(r.done) + " of " +
                       std::to_string(r.total) + " statements of " + file +
                       " completed; error: " + (r.error.empty() ? "none recorded: the run was interrupted" : r.error) +
                       ")";
    if (resume && resumable(r) && m != nullptr) {
      if (m->up.checksum != r.checksum)
        throw migration_error(failure::dirty_state, r.version,
                              state + ", and the file changed since (recorded " + r.checksum + ", now " +
                                  m->up.checksum +
                                  "): statements may have moved, so pgpx does not resume it; restore the file, or "
                                  "finish the migration by hand and mark it");
      resumed.push_back(&r);
      continue;
    }
    throw migration_error(
        failure::dirty_state, r.version,
        state +
            ". pgpx does not re-run statements silently: finish or undo it by hand, then "
            "record the outcome with pgpx::migrate::mark (pgpx migrate mark " +
            r.version + " --applied|--pending)" +
            (resumable(r) && m != nullptr ? ", or continue from statement " + std::to_string(r.done + 1) +
                                                " with apply_options::resume (--resume)"
                                          : std::string()));
  }
  return resumed;
}

// Refuses an applied migration whose up file changed (or warns when allowed).
void check_checksum(const recorded& r, const migration& m, bool allow, std::vector<std::string>& warnings) {
  if (r.checksum == m.up.checksum) return;
  const auto msg = m.up.path.string() + " changed since it was applied on " + r.applied_at + " by " + r.applied_by +
                   " (recorded " + r.checksum + ", now " + m.up.checksum + ")";
  if (allow) {
    warnings.push_back(msg);
    return;
  }
  throw migration_error(failure::checksum_mismatch, r.version,
                        msg +
                            "; restore the file, or add a new migration for the change, or accept the edit "
                            "explicitly (allow_modified, or mark it applied again)");
}

auto target_number(const std::optional<std::string>& target, const std::vector<migration>& files,
                   const std::vector<recorded>& rows, bool zero_ok) -> std::optional<std::uint64_t> {
  if (!target) return std::nullopt;
  const auto n = version_number(*target);
  if (is_version(*target) && ((zero_ok && n == 0) || find_file(files, n) != nullptr || find_row(rows, n) != nullptr))
    return n;
  throw migration_error(failure::unknown_version, *target,
                        "target version '" + *target + "' is not the version of any migration on disk or applied");
}

// Refuses, before anything runs, a file that cannot run the way its header says: a
// transactional file with a statement that cannot run in a transaction or with its own
// transaction control, a no-transaction file that does not split or controls transactions.
void check_runnable(const migration& m, const migration_file& f, bool no_transaction) {
  if (no_transaction) {
    for (const auto& s : split_statements(f.content, f.path.string())) {
      std::optional<std::string> control;
      try {
        control = transaction_control(s.text);
      } catch (const pgpx::error&) {  // NOLINT(bugprone-empty-catch): split already parsed it
      }
      if (control)
        throw migration_error(failure::transaction_mode, m.version,
                              f.path.string() + ":" + std::to_string(s.line) + ": " + *control +
                                  " in a no-transaction file: each statement runs in autocommit and pgpx records "
                                  "progress after each; remove it (refused before anything ran)");
    }
    return;
  }
  std::optional<std::string> why;
  std::optional<std::string> control;
  try {
    why = no_transaction_reason(f.content);
    control = transaction_control(f.content);
  } catch (const pgpx::error&) {
    return;  // not PostgreSQL 15 syntax as libpg_query knows it: the server decides
  }
  if (why)
    throw migration_error(failure::transaction_mode, m.version,
                          f.path.string() + ": " + *why +
                              " cannot run inside a transaction block; add `-- pgpx: no-transaction` to the "
                              "file's header (refused before anything ran)");
  if (control)
    throw migration_error(failure::transaction_mode, m.version,
                          f.path.string() + ": its own " + *control +
                              " would end the transaction that pgpx runs the migration in together with its "
                              "tracking row; remove it (each migration is one transaction) or make the file "
                              "`-- pgpx: no-transaction` (refused before anything ran)");
}

// Refuses a migration whose `requires-extension=` names an extension the server cannot
// install (not in pg_available_extensions) and that is not installed.
void check_extensions(connection& cx, const migration& m, const migration_file& f) {
  for (const auto& ext : f.header.required_extensions) {
    if (!cx.query_value<bool>("select exists (select 1 from pg_extension where extname = $1) or "
                              "exists (select 1 from pg_available_extensions where name = $1)",
                              ext))
      throw migration_error(failure::missing_extension, m.version,
                            f.path.string() + " requires the extension '" + ext +
                                "', which this server neither has installed nor can install (not in "
                                "pg_available_extensions); install its package on the server (refused before "
                                "anything ran)");
  }
}

// Refuses a directory that differs from its pgpx.sum (when it has one).
void check_sum(const std::filesystem::path& dir, bool enabled) {
  if (!enabled || !std::filesystem::exists(dir / "pgpx.sum")) return;
  const auto diffs = verify_sum(dir);
  if (diffs.empty()) return;
  std::string list;
  for (const auto& d : diffs)
    list +=
        "\n  " + d.file_name + ": " + std::string(to_string(d.kind)) + (d.detail.empty() ? "" : " (" + d.detail + ")");
  throw migration_error(failure::sum_mismatch, "",
                        (dir / "pgpx.sum").string() +
                            " does not match the directory (refused before anything ran):" + list +
                            "\nafter an intended change, rewrite it (pgpx migrate hash, or "
                            "pgpx::migrate::write_sum)");
}

auto entry_for(const migration& m, const migration_file& f, milliseconds took, int skipped = 0) -> run_entry {
  return {m.version, m.name(), f.file_name, f.header.no_transaction, took, skipped, false, false};
}

// The database's facts for the first file to run: it runs on the database as read. The
// files after it run on what the earlier ones made of it, so they get the static rules.
auto first_file_facts(connection& cx, const std::string& content) -> lint_catalog {
  return read_lint_catalog(cx, std::span<const std::string>(&content, 1));
}

// Lints the up files about to run (resumed ones are not: they ran partly already). Error
// findings refuse the run, listing every one; warnings and silenced findings go to the report.
// PX001 (does not parse) is left to the server, as check_runnable does.
void lint_plan(connection& cx, const std::vector<std::pair<const migration*, std::optional<std::int32_t>>>& plan,
               bool tx_none, run_report& report) {
  std::string errors;
  std::size_t count = 0;
  const migration* first = nullptr;
  std::optional<lint_catalog> facts;
  // A resumed file runs first: the facts would be read before its remaining statements ran.
  if (!plan.empty() && plan.front().second) facts.emplace();
  for (const auto& [m, done] : plan) {
    if (done) continue;
    lint_options lo;
    lo.dir = direction::up;
    if (tx_none) lo.no_transaction = true;
    lo.file = m->up.path.string();
    if (!facts) {
      facts = first_file_facts(cx, m->up.content);
      lo.catalog = &*facts;
    }
    for (auto& f : lint(m->up.content, lo)) {
      if (f.rule == "PX001") continue;
      if (!f.ignored() && f.severity == lint_severity::error) {
        ++count;
        if (first == nullptr) first = m;
        errors += "\n  " + lo.file + ":" + std::to_string(f.line) + ": " + f.rule + ": " + f.message +
                  " (hint: " + f.hint + ")";
        continue;
      }
      report.lint.push_back({lo.file, std::move(f)});
    }
  }
  if (count != 0)
    throw migration_error(failure::lint_failed, first->version,
                          std::to_string(count) + " lint error" + (count == 1 ? "" : "s") +
                              " in the migrations to apply (refused before anything ran):" + errors +
                              "\nfix the file, silence a finding with `-- pgpx: lint-ignore=RULE reason=\"...\"`, "
                              "or apply without lint (apply_options::lint = false, --no-lint)");
}

// Lints the down files about to run (rollback_options::lint) for data loss. A destructive
// finding (DS1xx: a warning of `migrate lint` in a down file) and every other error refuse the
// run, listing each; warnings and silenced findings go to the report. PX001 is the server's.
void lint_downs(connection& cx, const std::vector<const migration*>& downs, run_report& report) {
  std::string errors;
  std::size_t count = 0;
  const migration* first = nullptr;
  std::optional<lint_catalog> facts;
  for (const auto* m : downs) {
    lint_options lo;
    lo.dir = direction::down;
    lo.file = m->down->path.string();
    if (!facts) {
      facts = first_file_facts(cx, m->down->content);
      lo.catalog = &*facts;
    }
    for (auto& f : lint(m->down->content, lo)) {
      if (f.rule == "PX001") continue;
      // A destructive finding on a table the database shows empty loses nothing.
      const bool loses_data = f.rule.starts_with("DS") && f.catalog_note.empty();
      if (!f.ignored() && (loses_data || f.severity == lint_severity::error)) {
        ++count;
        if (first == nullptr) first = m;
        errors += "\n  " + lo.file + ":" + std::to_string(f.line) + ": " + f.rule + ": " + f.message +
                  (loses_data ? " (data loss)" : "") + " (hint: " + f.hint + ")";
        continue;
      }
      report.lint.push_back({lo.file, std::move(f)});
    }
  }
  if (count != 0)
    throw migration_error(failure::lint_failed, first->version,
                          std::to_string(count) + " lint error" + (count == 1 ? "" : "s") +
                              " in the down files to run (refused before anything was rolled back):" + errors +
                              "\nwhen losing this data is intended, say why in the down file's header with "
                              "`-- pgpx: lint-ignore=RULE reason=\"...\"`, or roll back without lint "
                              "(rollback_options::lint = false, --no-lint)");
}

// Records `m` with `status` ('applied', 'baseline') without running it: mark and baseline.
void record_unrun(transaction& tx, const table_names& n, const migration& m, const std::string& status) {
  tx.execute("insert into " + n.migrations +
                 " (version, name, checksum, down_checksum, irreversible, no_transaction, status, pgpx_version) "
                 "values ($1, $2, $3, $4, $5, $6, $7, $8)",
             m.version, m.name(), m.up.checksum, m.down ? std::optional<std::string>(m.down->checksum) : std::nullopt,
             m.irreversible(), m.up.header.no_transaction, status, std::string(PGPX_VERSION_STRING));
}

// The audit row of a change made by hand (mark, baseline, repair): what, to which file, why.
void log_by_hand(transaction& tx, const table_names& n, const std::string& version, const std::string& name,
                 const std::string& action, const std::optional<std::string>& checksum, const std::string& outcome,
                 const std::string& reason) {
  tx.execute(
      "insert into " + n.log + " (version, name, action, checksum, outcome, reason) values ($1, $2, $3, $4, $5, $6)",
      version, name, action, checksum, outcome, reason);
}

auto checksum_of(const migration* m) -> std::optional<std::string> {
  return m != nullptr ? std::optional<std::string>(m->up.checksum) : std::nullopt;
}

void check_idle(connection& cx) {
  if (cx.status() != transaction_status::idle)
    throw usage_error("pgpx::migrate: the connection must not be inside a transaction block");
}

}  // namespace

auto to_string(failure f) noexcept -> std::string_view {
  switch (f) {
    case failure::lock_timeout: return "lock_timeout";
    case failure::lock_lost: return "lock_lost";
    case failure::checksum_mismatch: return "checksum_mismatch";
    case failure::out_of_order: return "out_of_order";
    case failure::missing_file: return "missing_file";
    case failure::dirty_state: return "dirty_state";
    case failure::irreversible: return "irreversible";
    case failure::unknown_version: return "unknown_version";
    case failure::newer_tables: return "newer_tables";
    case failure::sum_mismatch: return "sum_mismatch";
    case failure::missing_extension: return "missing_extension";
    case failure::transaction_mode: return "transaction_mode";
    case failure::statement_failed: return "statement_failed";
    case failure::lint_failed: return "lint_failed";
    case failure::already_applied: return "already_applied";
  }
  return "unknown";
}

auto to_string(state s) noexcept -> std::string_view {
  switch (s) {
    case state::applied: return "applied";
    case state::pending: return "pending";
    case state::modified: return "modified";
    case state::missing: return "missing";
    case state::partial: return "partial";
    case state::failed: return "failed";
    case state::skipped: return "skipped";
    case state::baseline: return "baseline";
  }
  return "unknown";
}

migration_error::migration_error(failure reason, std::string version, const std::string& message, error_info info)
    : pgpx::error(error_kind::migration, message, std::move(info)), reason_(reason), version_(std::move(version)) {}

auto apply(connection& cx, const std::filesystem::path& dir, const apply_options& ao) -> run_report {
  check_idle(cx);
  const auto files = load_directory(dir);  // before the lock: a bad directory fails at once
  check_sum(dir, ao.check_sum_file);
  // An unknown baseline version is refused before anything is created.
  if (ao.baseline && (!is_version(*ao.baseline) || find_file(files, version_number(*ao.baseline)) == nullptr))
    throw migration_error(failure::unknown_version, *ao.baseline,
                          "cannot baseline at '" + *ao.baseline + "': no migration in " + dir.string() +
                              " has this version (nothing was recorded or applied)");
  const auto o = shared(ao);
  const auto n = names_for(o.schema);
  run_lock lock{cx, o};

  run_report report;
  report.dry_run = o.dry_run;
  const auto rows = load_rows(cx, n, o, !o.dry_run);

  // apply_options::baseline: only on a database without recorded migrations.
  std::optional<std::uint64_t> base;
  if (ao.baseline) {
    if (!rows.empty()) {
      std::string names;
      for (const auto& r : rows) names += (names.empty() ? "" : ", ") + r.name + " (" + r.status + ")";
      throw migration_error(failure::already_applied, rows.front().version,
                            "cannot baseline at " + *ao.baseline + ": schema '" + o.schema +
                                "' has migrations recorded already: " + names +
                                "; a baseline adopts a database that pgpx has not migrated yet (nothing was "
                                "recorded or applied); apply without --baseline");
    }
    base = version_number(*ao.baseline);
  }

  // Validate everything before running anything.
  const auto resumed = refuse_dirty(rows, files, ao.resume);
  for (const auto& r : rows) {
    if (r.status == "partial" || r.status == "failed") continue;  // resumed (checked above)
    const auto* m = find_file(files, r.number);
    if (m == nullptr) {
      const auto msg = r.name + " is recorded as applied (on " + r.applied_at + " by " + r.applied_by + ") but " +
                       (dir / (r.name + ".up.sql")).string() + " is not in the directory";
      if (!ao.allow_missing)
        throw migration_error(failure::missing_file, r.version,
                              msg + "; restore the file, or re-run with allow_missing");
      report.warnings.push_back(msg);
      continue;
    }
    check_checksum(r, *m, ao.allow_modified, report.warnings);
  }
  const auto target = target_number(ao.target, files, rows, false);
  const recorded* newest = nullptr;
  for (const auto& r : rows)
    if (r.status == "applied" || r.status == "baseline") newest = &r;  // rows are in version order

  // The migrations to run with the statements already done (resumed ones), in version order.
  std::vector<std::pair<const migration*, std::optional<std::int32_t>>> plan;
  for (const auto* r : resumed)
    if (!target || r->number <= *target) plan.emplace_back(find_file(files, r->number), r->done);
  for (const auto& m : files) {
    if (find_row(rows, m.number) != nullptr) continue;
    if (base && m.number <= *base) continue;
    if (target && m.number > *target) continue;
    const auto& envs = m.up.header.environments;
    if (!envs.empty() && (!ao.environment || std::find(envs.begin(), envs.end(), *ao.environment) == envs.end())) {
      report.skipped.push_back(m.name());
      continue;
    }
    if (newest != nullptr && m.number < newest->number) {
      const auto msg = m.name() + " is older than already-applied " + newest->name + " (applied " + newest->applied_at +
                       " by " + newest->applied_by + ")";
      if (!ao.allow_out_of_order)
        throw migration_error(
            failure::out_of_order, m.version,
            msg + "; re-run with --allow-out-of-order (apply_options::allow_out_of_order) or renumber");
      report.warnings.push_back(msg + "; applied out of order as allowed");
    }
    plan.emplace_back(&m, std::nullopt);
  }
  std::sort(plan.begin(), plan.end(), [](const auto& a, const auto& b) { return a.first->number < b.first->number; });
  if (ao.steps) {
    if (*ao.steps < 0) throw usage_error("pgpx::migrate::apply: steps must not be negative");
    if (plan.size() > static_cast<std::size_t>(*ao.steps)) plan.resize(static_cast<std::size_t>(*ao.steps));
  }
  if (ao.tx == tx_mode::all) {
    for (const auto& step : plan)
      if (step.first->up.header.no_transaction || step.second)
        throw migration_error(failure::transaction_mode, step.first->version,
                              step.first->up.path.string() +
                                  " is a no-transaction migration, so the batch cannot run in one transaction "
                                  "(tx_mode::all, --tx all); apply up to the version before it first "
                                  "(refused before anything ran)");
  }

  for (const auto& step : plan) {
    check_runnable(*step.first, step.first->up, step.first->up.header.no_transaction || ao.tx == tx_mode::none);
    check_extensions(cx, *step.first, step.first->up);
  }
  if (ao.lint) lint_plan(cx, plan, ao.tx == tx_mode::none, report);
  if (base) {
    std::vector<const migration*> adopted;
    for (const auto& m : files)
      if (m.number <= *base) adopted.push_back(&m);
    if (!o.dry_run) {
      lock.ensure_held();
      transaction tx{cx};
      for (const auto* m : adopted) {
        record_unrun(tx, n, *m, "baseline");
        log_by_hand(tx, n, m->version, m->name(), "baseline", checksum_of(m), "baseline", ao.baseline_reason);
      }
      tx.commit();
    }
    for (const auto* m : adopted) {
      auto e = entry_for(*m, m->up, milliseconds(0));
      e.baseline = true;
      report.migrations.push_back(std::move(e));
    }
  }
  if (o.dry_run) {
    for (const auto& [m, done] : plan)
      report.migrations.push_back(entry_for(*m, m->up, milliseconds(0), done.value_or(0)));
    return report;
  }
  if (ao.tx == tx_mode::all && !plan.empty()) {
    // One transaction for the batch: all of it is applied, or none.
    lock.ensure_held();
    const migration* current = nullptr;
    try {
      transaction tx{cx};
      std::size_t index = 0;
      for (const auto& step : plan) {
        current = step.first;
        report_progress(o, {++index, plan.size(), current->up.file_name});
        const auto took = run_file_in(tx, n, *current, current->up, o, "up",
                                      [&](transaction& t, milliseconds d) { insert_applied(t, n, *current, d); });
        report.migrations.push_back(entry_for(*current, current->up, took));
      }
      current = nullptr;
      tx.commit();
    } catch (const commit_in_doubt& e) {
      throw statement_failed(*plan.back().first, plan.back().first->up,
                             "the connection broke during the COMMIT of the batch, so whether it committed is "
                             "unknown; check with status() before running again",
                             e);
    } catch (const pgpx::error& e) {
      const auto* at = current != nullptr ? current : plan.back().first;
      log_failure(cx, n, at->version, at->name(), "up", at->up.checksum, milliseconds(0), redact(e.message()));
      throw statement_failed(*at, at->up,
                             std::string(current != nullptr ? "failed" : "the COMMIT of the batch failed") +
                                 "; the whole batch of " + std::to_string(plan.size()) +
                                 " migrations was rolled back (one transaction: tx_mode::all)",
                             e);
    }
    return report;
  }
  std::size_t index = 0;
  for (const auto& step : plan) {
    const auto* m = step.first;
    const auto done = step.second;
    lock.ensure_held();
    milliseconds took{};
    const run_progress at{++index, plan.size(), m->up.file_name};
    if (m->up.header.no_transaction || ao.tx == tx_mode::none) {
      took = run_up_no_transaction(cx, n, *m, o, done, at);
    } else {
      report_progress(o, at);
      took = run_in_transaction(cx, n, *m, m->up, o, "up",
                                [&](transaction& tx, milliseconds t) { insert_applied(tx, n, *m, t); });
    }
    report.migrations.push_back(entry_for(*m, m->up, took, done.value_or(0)));
  }
  return report;
}

auto apply(const conninfo& info, const std::filesystem::path& dir, const apply_options& options,
           connection_options cx_options) -> run_report {
  connection cx{info, std::move(cx_options)};
  return apply(cx, dir, options);
}

auto apply(pool& p, const std::filesystem::path& dir, const apply_options& options) -> run_report {
  return p.with_connection([&](connection& cx) { return apply(cx, dir, options); });
}

auto rollback(connection& cx, const std::filesystem::path& dir, const rollback_options& ro) -> run_report {
  check_idle(cx);
  if (ro.steps && *ro.steps < 0) throw usage_error("pgpx::migrate::rollback: steps must not be negative");
  if (ro.steps && ro.target) throw usage_error("pgpx::migrate::rollback: give steps or target, not both");
  const auto files = load_directory(dir);
  check_sum(dir, ro.check_sum_file);
  const auto o = shared(ro);
  const auto n = names_for(o.schema);
  run_lock lock{cx, o};

  run_report report;
  report.dry_run = o.dry_run;
  const auto rows = load_rows(cx, n, o, !o.dry_run);
  static_cast<void>(refuse_dirty(rows, files, false));
  const auto target = target_number(ro.target, files, rows, true);

  // The rows to roll back, newest first.
  std::vector<const recorded*> chosen;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (target) {
      if (it->number <= *target) break;
    } else if (static_cast<int>(chosen.size()) >= ro.steps.value_or(1)) {
      break;
    }
    chosen.push_back(&*it);
  }
  // Every blocker is found before anything runs: nothing changes when one is refused.
  std::vector<const migration*> downs;
  for (const auto* r : chosen) {
    const auto* m = find_file(files, r->number);
    if (m == nullptr) {
      if (ro.force) continue;
      throw migration_error(failure::irreversible, r->version,
                            "cannot roll back " + r->name + ": its files are not in " + dir.string() +
                                " (nothing was rolled back); --force (rollback_options::force) un-applies it "
                                "without running anything");
    }
    if (m->irreversible()) {
      if (ro.force) continue;
      throw migration_error(failure::irreversible, r->version,
                            "cannot roll back " + m->name() + ": it is irreversible (no " + m->name() +
                                ".down.sql) (nothing was rolled back); write a new migration that reverts it, e.g. "
                                "pgpx migrate create revert_" +
                                m->slug + ", or un-apply it without running anything with --force");
    }
    check_checksum(*r, *m, false, report.warnings);
    check_runnable(*m, *m->down, m->down->header.no_transaction);
    check_extensions(cx, *m, *m->down);
    downs.push_back(m);
  }
  if (ro.lint) lint_downs(cx, downs, report);
  std::size_t index = 0;
  for (const auto* r : chosen) {
    ++index;
    const auto* file = find_file(files, r->number);
    if (file == nullptr || file->irreversible()) {
      // rollback_options::force: the row goes, nothing runs; the log says so.
      run_entry e{r->version, file != nullptr ? file->name() : r->name, "", false, milliseconds(0), 0, true, false};
      if (!o.dry_run) {
        lock.ensure_held();
        transaction tx{cx};
        tx.execute("delete from " + n.migrations + " where version = $1", r->version);
        tx.execute(
            "insert into " + n.log +
                " (version, name, action, checksum, duration_ms, outcome, reason) "
                "values ($1, $2, 'down', $3, 0, 'forced', $4)",
            r->version, e.name, r->checksum,
            std::string(file == nullptr ? "forced rollback: its files are gone" : "forced rollback: no down file") +
                "; tracking row removed, nothing run" + (ro.reason.empty() ? "" : "; " + ro.reason));
        tx.commit();
      }
      report.migrations.push_back(std::move(e));
      continue;
    }
    const auto& m = *file;
    if (o.dry_run) {
      report.migrations.push_back(entry_for(m, *m.down, milliseconds(0)));
      continue;
    }
    lock.ensure_held();
    milliseconds took{};
    const run_progress at{index, chosen.size(), m.down->file_name};
    if (m.down->header.no_transaction) {
      took = run_down_no_transaction(cx, n, m, *r, o, at);
    } else {
      report_progress(o, at);
      took = run_in_transaction(cx, n, m, *m.down, o, "down", [&](transaction& tx, milliseconds) {
        tx.execute("delete from " + n.migrations + " where version = $1", r->version);
      });
    }
    report.migrations.push_back(entry_for(m, *m.down, took));
  }
  return report;
}

auto rollback(const conninfo& info, const std::filesystem::path& dir, const rollback_options& options,
              connection_options cx_options) -> run_report {
  connection cx{info, std::move(cx_options)};
  return rollback(cx, dir, options);
}

auto status(connection& cx, const std::filesystem::path& dir, const run_options& o) -> status_report {
  const auto files = load_directory(dir);
  const auto n = names_for(o.schema);
  const auto rows = load_rows(cx, n, o, false);
  std::uint64_t newest = 0;
  for (const auto& r : rows) newest = std::max(newest, r.number);

  std::map<std::uint64_t, status_entry> out;
  for (const auto& m : files) {
    status_entry e;
    e.version = m.version;
    e.name = m.name();
    e.irreversible = m.irreversible();
    if (const auto* r = find_row(rows, m.number); r != nullptr) {
      e.state = r->status == "partial"         ? state::partial
                : r->status == "failed"        ? state::failed
                : r->checksum != m.up.checksum ? state::modified
                : r->status == "baseline"      ? state::baseline
                                               : state::applied;
      e.applied_at = r->applied_at;
      e.applied_by = r->applied_by;
      e.duration_ms = r->duration_ms;
      e.statements_done = r->done;
      e.statements_total = r->total;
      e.error = r->error;
    } else {
      e.state = state::pending;
      e.out_of_order = m.number < newest;
    }
    out.emplace(m.number, std::move(e));
  }
  for (const auto& r : rows) {
    if (out.count(r.number) != 0) continue;
    status_entry e;
    e.version = r.version;
    e.name = r.name;
    e.state = r.status == "partial" ? state::partial : r.status == "failed" ? state::failed : state::missing;
    e.applied_at = r.applied_at;
    e.applied_by = r.applied_by;
    e.duration_ms = r.duration_ms;
    e.statements_done = r.done;
    e.statements_total = r.total;
    e.error = r.error;
    out.emplace(r.number, std::move(e));
  }
  status_report report;
  for (auto& kv : out) report.entries.push_back(std::move(kv.second));
  return report;
}

void mark(connection& cx, const std::filesystem::path& dir, const std::string& version, bool applied,
          const std::string& reason, const run_options& o) {
  check_idle(cx);
  const auto files = load_directory(dir);
  const auto n = names_for(o.schema);
  run_lock lock{cx, o};
  const auto rows = load_rows(cx, n, o, !o.dry_run);
  const auto number = version_number(version);
  const auto* m = find_file(files, number);
  const auto* r = find_row(rows, number);
  if (!is_version(version) || (m == nullptr && r == nullptr))
    throw migration_error(failure::unknown_version, version,
                          "cannot mark '" + version + "': no migration on disk or applied has this version");
  if (applied && m == nullptr)
    throw migration_error(failure::missing_file, version,
                          "cannot mark " + r->name + " applied: its up file is not in " + dir.string());
  const std::string name = m != nullptr ? m->name() : r->name;
  const std::string recorded_version = r != nullptr ? r->version : m->version;
  if (o.dry_run) return;
  transaction tx{cx};
  tx.execute("delete from " + n.migrations + " where version = $1", recorded_version);
  if (applied) record_unrun(tx, n, *m, "applied");
  log_by_hand(tx, n, recorded_version, name, "mark", checksum_of(m), applied ? "applied" : "pending", reason);
  tx.commit();
}

auto baseline(connection& cx, const std::filesystem::path& dir, const std::string& version, const std::string& reason,
              const run_options& o) -> std::vector<std::string> {
  check_idle(cx);
  const auto files = load_directory(dir);
  // An unknown version is refused before anything is created.
  const auto number = version_number(version);
  if (!is_version(version) || find_file(files, number) == nullptr)
    throw migration_error(
        failure::unknown_version, version,
        "cannot baseline at '" + version + "': no migration in " + dir.string() + " has this version");
  const auto n = names_for(o.schema);
  run_lock lock{cx, o};
  const auto rows = load_rows(cx, n, o, !o.dry_run);
  std::vector<const migration*> chosen;
  for (const auto& m : files)
    if (m.number <= number && find_row(rows, m.number) == nullptr) chosen.push_back(&m);
  std::vector<std::string> out;
  for (const auto* m : chosen) out.push_back(m->version);
  if (o.dry_run || chosen.empty()) return out;
  transaction tx{cx};
  for (const auto* m : chosen) {
    record_unrun(tx, n, *m, "baseline");
    log_by_hand(tx, n, m->version, m->name(), "baseline", checksum_of(m), "baseline", reason);
  }
  tx.commit();
  return out;
}

namespace detail {

void with_migration_lock(const connection& cx, const run_options& options, const std::function<void()>& body) {
  run_lock lock{cx, options};
  body();
}

auto mark_applied_locked(connection& cx, const std::filesystem::path& dir, const std::vector<std::string>& versions,
                         const std::string& reason, const run_options& o) -> std::vector<std::string> {
  check_idle(cx);
  const auto files = load_directory(dir);
  std::vector<const migration*> wanted;
  for (const auto& v : versions) {
    const auto* m = is_version(v) ? find_file(files, version_number(v)) : nullptr;
    if (m == nullptr)
      throw migration_error(failure::unknown_version, v,
                            "cannot mark '" + v + "' applied: no migration in " + dir.string() + " has this version");
    wanted.push_back(m);
  }
  std::sort(wanted.begin(), wanted.end(), [](const migration* a, const migration* b) { return a->number < b->number; });
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  const auto n = names_for(o.schema);
  const auto rows = load_rows(cx, n, o, !o.dry_run);
  std::vector<const migration*> chosen;
  for (const auto* m : wanted)
    if (find_row(rows, m->number) == nullptr) chosen.push_back(m);
  std::vector<std::string> out;
  for (const auto* m : chosen) out.push_back(m->version);
  if (o.dry_run || chosen.empty()) return out;
  transaction tx{cx};
  for (const auto* m : chosen) {
    record_unrun(tx, n, *m, "applied");
    log_by_hand(tx, n, m->version, m->name(), "mark", checksum_of(m), "applied", reason);
  }
  tx.commit();
  return out;
}

}  // namespace detail

auto mark_applied(connection& cx, const std::filesystem::path& dir, const std::vector<std::string>& versions,
                  const std::string& reason, const run_options& o) -> std::vector<std::string> {
  check_idle(cx);
  std::vector<std::string> out;
  detail::with_migration_lock(cx, o, [&] { out = detail::mark_applied_locked(cx, dir, versions, reason, o); });
  return out;
}

auto repair(connection& cx, const std::filesystem::path& dir, const repair_options& what, const run_options& o)
    -> std::vector<std::string> {
  check_idle(cx);
  const auto files = load_directory(dir);
  const auto n = names_for(o.schema);
  run_lock lock{cx, o};
  const auto rows = load_rows(cx, n, o, false);
  struct change {
    const recorded* row;
    const migration* file;  // null: clear the row
    std::string line;
  };
  std::vector<change> changes;
  for (const auto& r : rows) {
    const auto* m = find_file(files, r.number);
    if (what.clear_failed && (r.status == "partial" || r.status == "failed")) {
      changes.push_back({&r, nullptr, r.name + ": cleared " + r.status + " row (now pending)"});
    } else if (what.checksums && m != nullptr && (r.status == "applied" || r.status == "baseline") &&
               r.checksum != m->up.checksum) {
      changes.push_back({&r, m, r.name + ": checksum " + r.checksum + " -> " + m->up.checksum});
    }
  }
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(c.line);
  if (o.dry_run || changes.empty()) return out;
  transaction tx{cx};
  for (const auto& c : changes) {
    if (c.file == nullptr) {
      tx.execute("delete from " + n.migrations + " where version = $1", c.row->version);
    } else {
      tx.execute("update " + n.migrations + " set checksum = $2, down_checksum = $3 where version = $1", c.row->version,
                 c.file->up.checksum, c.file->down ? std::optional<std::string>(c.file->down->checksum) : std::nullopt);
    }
    log_by_hand(tx, n, c.row->version, c.row->name, "repair", checksum_of(c.file),
                c.file != nullptr ? "checksum" : "cleared", what.reason);
  }
  tx.commit();
  return out;
}

}  // namespace pgpx::migrate
