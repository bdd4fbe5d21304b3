// src/core/connection_impl.hpp: the private state of pgpx::connection, shared by the
// sources of core that drive libpq directly (connection, pipeline, copy, notifications).
// Not installed.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/detail/strings.hpp>
#include <pgpx/types/array.hpp>
#include <pgpx/types/by_name.hpp>

#include "session_state_impl.hpp"
#include <pgpx/core/engine/wait.hpp>
#include "tls_impl.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pgpx {

namespace detail {

// Messages from libpq end with a newline and sometimes carry a "FATAL:  " prefix.
inline auto clean_message(const char* m) -> std::string {
  std::string s = m == nullptr ? std::string() : std::string(m);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return redact(s);
}

inline auto field_of(const PGresult* r, int code) -> std::string {
  const char* v = PQresultErrorField(r, code);
  return v == nullptr ? std::string() : std::string(v);
}

inline auto hint_for_connect(const std::string& msg) -> std::string {
  if (msg.find("password authentication failed") != std::string::npos)
    return "check the password (pgpx.toml, PGPASSWORD or ~/.pgpass) and the user name";
  if (msg.find("Connection refused") != std::string::npos || msg.find("No such file or directory") != std::string::npos)
    return "is the server running and accepting connections there? (pgpx dev up starts a local one)";
  if (msg.find("does not exist") != std::string::npos) return "check the database and user names";
  return {};
}

inline constexpr std::string_view cached_plan_message = "cached plan must not change result type";

// The connect deadline: connection_options::connect_timeout, capped by the connection
// string's own connect_timeout (libpq ignores it in non-blocking connects). Blocking and
// async connects both use it.
inline auto connect_limit_of(const conninfo& ci, const connection_options& o) -> std::chrono::milliseconds {
  const auto keyword = connect_timeout_of(ci);
  return keyword ? std::min(o.connect_timeout, *keyword) : o.connect_timeout;
}

}  // namespace detail

namespace detail {

/**
 * Sends a cancel request for the statement running on `conn`, waiting at most until
 * `until`. libpq 15's PQcancel blocks with no deadline of its own (it connects to the
 * server and waits for it to close the socket), so it runs on a detached thread that owns
 * its PGcancel and signals an eventfd when done; the caller waits on that descriptor through
 * the engine's wait (wait_socket), so on the async side the event loop keeps running while
 * the request is out. Returns true when the request was delivered in time. (libpq 17's
 * PQcancelPoll would allow a non-blocking cancel, and a cancel over TLS; libpq 15 sends it
 * unencrypted.)
 */
inline auto send_cancel(PGconn* conn, deadline until) -> bool {
  struct job {
    PGcancel* cancel = nullptr;
    int done_fd = -1;
    std::atomic<bool> done{false};
    std::atomic<bool> ok{false};
    ~job() {
      if (cancel != nullptr) PQfreeCancel(cancel);
      if (done_fd >= 0) ::close(done_fd);
    }
  };
  auto j = std::make_shared<job>();
  j->cancel = PQgetCancel(conn);
  if (j->cancel == nullptr) return false;
  j->done_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (j->done_fd < 0) return false;
  try {
    std::thread([j] {
      char buf[256];
      j->ok.store(PQcancel(j->cancel, buf, sizeof buf) != 0);
      j->done.store(true);
      const std::uint64_t one = 1;
      (void)!::write(j->done_fd, &one, sizeof one);
    }).detach();
  } catch (const std::system_error&) {
    return false;  // no thread available: report the timeout without a cancel
  }
  while (!j->done.load()) {
    if (wait_socket(j->done_fd, POLLIN, until) == wait_outcome::timed_out) return false;
  }
  return j->ok.load();
}

}  // namespace detail

using namespace detail;  // NOLINT: the helpers above

struct connection::impl {
  PGconn* conn = nullptr;
  conninfo ci;
  connection_options opts;
  deadline current = no_deadline;
  const void* tx_owner = nullptr;
  // The statement in flight passed its deadline and a cancel request was sent: results are
  // still read until `grace`, and the server's answer decides the outcome (a late success
  // is a success). Reset when the next statement starts.
  bool cancelling = false;
  deadline grace = no_deadline;
  bool in_block = false;  // a transaction block was open when the statement started

  // The prepared-statement cache: key = SQL text + parameter type OIDs. The list keeps
  // keys from most to least recently used; the map points into it.
  struct entry {
    std::string name;
    std::list<std::string>::iterator lru;
    bool changes_session = false;  // see detail::changes_session
    std::uint64_t shape = detail::new_result_shape();  // results of this statement (see result::shape)
  };
  bool session_dirty = false;  // a statement may have changed session state (pool reset)
  bool used = false;           // a statement was sent since the session was opened or reset
  // The values of the parameters the server reports (ParameterStatus) when the session was
  // opened or reset: a change by any route (a function, a trigger) is the server's evidence
  // that the session was changed.
  static constexpr std::array<const char*, 9> reported_names = {"application_name",
                                                                "client_encoding",
                                                                "DateStyle",
                                                                "default_transaction_read_only",
                                                                "IntervalStyle",
                                                                "is_superuser",
                                                                "session_authorization",
                                                                "standard_conforming_strings",
                                                                "TimeZone"};
  std::array<std::string, reported_names.size()> reported;  // by index of reported_names

  [[nodiscard]] auto reported_value(std::size_t i) const noexcept -> std::string_view {
    const char* v = conn == nullptr ? nullptr : PQparameterStatus(conn, reported_names[i]);
    return v == nullptr ? std::string_view() : std::string_view(v);
  }

  void snapshot_reported() {
    for (std::size_t i = 0; i < reported.size(); ++i) reported[i] = reported_value(i);
  }

  [[nodiscard]] auto reported_changed() const noexcept -> bool {
    if (conn == nullptr) return false;
    for (std::size_t i = 0; i < reported.size(); ++i)
      if (reported_value(i) != reported[i]) return true;
    return false;
  }
  std::unordered_map<std::string, entry> cache;
  std::list<std::string> lru;
  std::vector<std::string> to_deallocate;  // names dropped while a transaction had failed
  std::uint64_t next_statement = 0;
  std::string key;
  // The entry for the content of `key` when the last lookup hit (or remember() just added
  // it), else nullptr: a statement run again at once skips building and hashing its key.
  // Reset wherever entries are erased or `key` is changed outside lookup().
  const entry* last_hit = nullptr;

  // Types named by codecs (pgpx/types/by_name.hpp), resolved for this session: null until
  // the process registers a name; replaced (never changed) when resolved again, since
  // results keep the catalog they were made with.
  std::shared_ptr<detail::type_catalog> named_types;
  std::vector<oid> typed_params;  // a statement's parameter types with named ones resolved

  // The async side drives this connection: cleanups that would wait (a transaction's or a
  // savepoint's rollback, an abandoned stream) are deferred when they are due outside a fiber
  // (in a destructor on the event loop), and run before the next statement (run_deferred).
  bool async = false;
  std::vector<std::function<void(impl&)>> deferred;

  // Whether a cleanup due now must be deferred instead of waiting for the server.
  [[nodiscard]] auto must_defer() const noexcept -> bool { return async && current_waiter() == nullptr; }

  // Runs the deferred cleanups, oldest first. A cleanup's server error is not the next
  // statement's: it is dropped unless the connection broke.
  void run_deferred() {
    auto work = std::move(deferred);
    deferred.clear();
    for (auto& f : work) {
      if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) return;
      try {
        f(*this);
      } catch (const error& e) {
        if (e.poisons_connection()) throw;
      }
    }
  }

  ~impl() {
    if (conn != nullptr) PQfinish(conn);
  }

  [[nodiscard]] auto usable() const noexcept -> bool { return conn != nullptr && PQstatus(conn) == CONNECTION_OK; }

  void close() noexcept {
    if (conn != nullptr) {
      PQfinish(conn);
      conn = nullptr;
    }
    deferred.clear();
    cache.clear();
    lru.clear();
    last_hit = nullptr;
    to_deallocate.clear();
    named_types.reset();  // a new session may be another database
  }

  [[nodiscard]] auto effective_deadline() const noexcept -> deadline {
    if (opts.statement_timeout.count() > 0) return earliest(current, deadline_in(opts.statement_timeout));
    return current;
  }

  [[noreturn]] void throw_broken(std::string_view sql, std::string what) {
    std::string msg = conn != nullptr ? clean_message(PQerrorMessage(conn)) : std::string();
    close();
    error_info info;
    info.statement = std::string(sql);
    info.poisons_connection = true;
    info.poisons_transaction = true;
    throw broken_connection(what + (msg.empty() ? std::string() : ": " + msg), std::move(info));
  }

  void ensure_usable(std::string_view sql) {
    used = true;
    cancelling = false;
    if (conn == nullptr) throw broken_connection("the connection is closed", error_info{.statement = std::string(sql)});
    if (PQstatus(conn) != CONNECTION_OK) throw_broken(sql, "the connection to the server was lost");
    if (!deferred.empty()) run_deferred();
    const auto ts = PQtransactionStatus(conn);
    in_block = ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
    if (detail::registered_type_names() != 0) sync_types();
  }

  // --- types named by codecs (pgpx/types/by_name.hpp) ------------------------------------

  // Resolves the registered names when this session has not yet, when names were registered
  // since, or when the catalog went stale (DDL on types, a column of an unexpected type).
  void sync_types() {
    if (named_types && named_types->size() == detail::registered_type_names() && !named_types->stale()) return;
    if (can_query_catalog()) load_types(effective_deadline());
  }

  // Whether a catalog query can run now: not inside a failed transaction block (the
  // statement fails there anyway), a statement still running, or pipeline mode.
  [[nodiscard]] auto can_query_catalog() const noexcept -> bool {
    const auto ts = PQtransactionStatus(conn);
    return ts != PQTRANS_INERROR && ts != PQTRANS_ACTIVE && PQpipelineStatus(conn) == PQ_PIPELINE_OFF;
  }

  // One catalog query for every registered name: its OID by the server's own rules
  // (to_regtype: search_path, schema qualification, aliases such as "int"), its array type,
  // its kind and, for a domain, its base type followed to the end.
  static constexpr const char* type_catalog_query =
      "with recursive n as (select u.i, to_regtype(u.name)::oid as t "
      "from unnest($1::text[]) with ordinality as u(name, i)), "
      "b as (select n.i, n.t from n where n.t is not null "
      "union all select b.i, p.typbasetype from b join pg_catalog.pg_type p on p.oid = b.t where p.typtype = 'd') "
      "select n.i, n.t::int8 as type, p.typarray::int8 as array, p.typtype::text as kind, "
      "(select b.t::int8 from b join pg_catalog.pg_type q on q.oid = b.t where b.i = n.i and q.typtype <> 'd') "
      "as base, pg_catalog.current_database()::text as database "
      "from n left join pg_catalog.pg_type p on p.oid = n.t order by n.i";

  // A row of type_catalog_query.
  struct catalog_row {
    std::int64_t i;
    std::optional<std::int64_t> type;
    std::optional<std::int64_t> array;
    std::optional<std::string> kind;
    std::optional<std::int64_t> base;
    std::string database;
  };

  void load_types(deadline d) {
    const std::uint32_t n = detail::registered_type_names();
    std::vector<detail::type_catalog::entry> entries(n);
    std::vector<std::optional<std::string>> names(n);  // NULL for a name that is not a type name
    for (std::uint32_t i = 0; i < n; ++i) {
      std::string name = detail::registered_type_name(i);
      if (detail::valid_type_name(name)) names[i] = std::move(name);
    }
    param_list p;
    p.add(names);
    constexpr std::string_view what = "(resolving type names)";
    if (PQsendQueryParams(conn, type_catalog_query, 1, p.types(), p.values(), p.lengths(), p.formats(), 1) == 0)
      throw_broken(what, "could not send the statement");
    flush(what, d);
    result r = collect(what, d);
    check(r, what);
    std::string database;
    for (auto& row : r.as<catalog_row>()) {
      const auto i = static_cast<std::size_t>(row.i - 1);
      if (i >= entries.size()) continue;
      auto& e = entries[i];
      e.type = static_cast<oid>(row.type.value_or(0));
      e.array = static_cast<oid>(row.array.value_or(0));
      e.kind = row.kind && !row.kind->empty() ? row.kind->front() : '\0';
      e.base = static_cast<oid>(row.base.value_or(e.type));
      database = std::move(row.database);
    }
    named_types = std::make_shared<detail::type_catalog>(std::move(entries), std::move(database));
  }

  // The entry of name `id` for this session. A name it does not know is resolved again once,
  // when a catalog query can run (it may have been created since). nullptr when the
  // database has no such type.
  auto find_named(std::uint32_t id, deadline d) -> const detail::type_catalog::entry* {
    const auto* e = named_types ? named_types->find(id) : nullptr;
    if ((e == nullptr || e->type == 0) && can_query_catalog()) {
      load_types(d);
      e = named_types->find(id);
    }
    return e != nullptr && e->type != 0 ? e : nullptr;
  }

  // After DDL that creates, drops or changes types, names may resolve differently.
  void note_ddl(PGresult* r) const noexcept {
    const std::string_view tag = PQcmdStatus(r);
    for (const std::string_view t :
         {"CREATE TYPE", "CREATE DOMAIN", "CREATE EXTENSION", "ALTER TYPE", "ALTER DOMAIN", "ALTER EXTENSION",
          "DROP TYPE", "DROP DOMAIN", "DROP EXTENSION", "DROP SCHEMA", "ALTER SCHEMA"})
      if (tag == t) {
        named_types->mark_stale();
        return;
      }
  }

  // A result of this session: its catalog of named types goes with it.
  auto adopt(PGresult* r) const -> result {
    result out = detail::result_access::adopt(r);
    if (named_types) detail::result_access::set_types(out, named_types);
    return out;
  }

  // The error for a parameter whose named type this database lacks. Nothing was sent.
  [[noreturn]] void throw_missing_type(std::uint32_t id, std::size_t position, std::string_view sql) const {
    const std::string name = detail::registered_type_name(id);
    error_info info;
    info.statement = std::string(sql);
    const std::string where = "parameter $" + std::to_string(position + 1) + ": ";
    if (!detail::valid_type_name(name))
      throw usage_error(where + "\"" + name + "\" is not a valid type name (a codec's pg_type)", std::move(info));
    info.sqlstate = "42704";
    info.hint = detail::missing_type_hint(name);
    if (info.hint.empty())
      info.hint =
          "install the extension that provides it (pgpx extension install ...), create the type, or fix "
          "the search_path";
    throw sql_error(where + detail::missing_type_sentence(name, named_types ? named_types->database() : PQdb(conn)) +
                        "; nothing was sent",
                    std::move(info));
  }

  // Fills `out[first, first + count)` (parameter types by position in the list) with the
  // OIDs of the named types among them; a type the database lacks is reported.
  void resolve_named(const param_list& p, std::size_t first, std::size_t count, oid* out, std::string_view sql,
                     deadline d) {
    for (const auto& ref : detail::param_list_access::named(p)) {
      if (ref.index < first || ref.index >= first + count) continue;
      if (const auto* e = find_named(ref.id, d)) out[ref.index - first] = e->type;
      else if (PQtransactionStatus(conn) != PQTRANS_INERROR)  // there the server refuses it first
        throw_missing_type(ref.id, ref.index - first, sql);
    }
  }

  // The parameter types of `p` for this session: p.types(), or a copy with the named types
  // resolved (valid until the next call).
  auto param_types(const param_list& p, std::string_view sql, deadline d) -> const oid* {
    if (detail::param_list_access::named(p).empty()) return p.types();
    typed_params.assign(p.types(), p.types() + p.size());
    resolve_named(p, 0, p.size(), typed_params.data(), sql, d);
    return typed_params.data();
  }

  // The deadline that bounds the current wait: the statement's own, or the cancel's grace.
  [[nodiscard]] auto waiting_until(deadline d) const noexcept -> deadline { return cancelling ? grace : d; }

  // The statement's deadline passed while waiting. The first time, a cancel request goes out
  // and the caller keeps reading until the grace deadline: whatever the server answers (its
  // result, a 57014 cancellation, another error) is the outcome. When the grace passes too,
  // the connection is closed (see abandon()).
  void deadline_passed(std::string_view sql) {
    if (!cancelling) {
      cancelling = true;
      grace = deadline_in(opts.cancel_timeout);
      if (send_cancel(conn, grace)) return;
    }
    abandon(sql);
  }

  // The server did not answer within the cancel's grace: the connection is closed. Inside a
  // transaction block the transaction is lost (the server rolls it back); outside one, the
  // statement may or may not have taken effect.
  [[noreturn]] void abandon(std::string_view sql) {
    const bool block = in_block;
    close();
    error_info info;
    info.statement = std::string(sql);
    info.poisons_connection = true;
    info.poisons_transaction = true;
    if (block)
      throw timeout_error(
          "the statement did not complete before its deadline and the server did not answer the "
          "cancel in time, so the connection was closed; the open transaction is lost (the server "
          "rolls it back)",
          std::move(info));
    throw outcome_unknown(
        "the statement did not complete before its deadline and the server did not answer the "
        "cancel in time, so the connection was closed: the statement may or may not have taken "
        "effect",
        std::move(info));
  }

  // Sends everything libpq buffered, reading meanwhile so the server never blocks on us.
  void flush(std::string_view sql, deadline d) {
    for (;;) {
      const int r = PQflush(conn);
      if (r == 0) return;
      if (r < 0) throw_broken(sql, "could not send to the server");
      short rev = 0;
      if (wait_socket(PQsocket(conn), POLLIN | POLLOUT, waiting_until(d), &rev) == wait_outcome::timed_out) {
        deadline_passed(sql);
        continue;
      }
      if ((rev & (POLLIN | POLLERR | POLLHUP)) != 0 && PQconsumeInput(conn) == 0)
        throw_broken(sql, "the connection to the server was lost");
    }
  }

  // The next result of the current command, or nullptr when it is complete.
  auto next_result(std::string_view sql, deadline d) -> PGresult* {
    while (PQisBusy(conn) != 0) {
      if (wait_socket(PQsocket(conn), POLLIN, waiting_until(d)) == wait_outcome::timed_out) {
        deadline_passed(sql);
        continue;
      }
      if (PQconsumeInput(conn) == 0) {
        // The connection ended; if the server said why first (57P01...), report that.
        if (PQisBusy(conn) == 0) break;
        throw_broken(sql, "the connection to the server was lost");
      }
    }
    return PQgetResult(conn);
  }

  // A single-row stream was left early: the rest of its result is still coming. Asks the
  // server to stop, then reads what remains; if that fails the connection is closed (its
  // state is unknown).
  void drain_abandoned() {
    if (conn == nullptr) return;
    const deadline until = deadline_in(opts.cancel_timeout + std::chrono::seconds(1));
    (void)send_cancel(conn, until);
    for (;;) {
      while (PQisBusy(conn) != 0) {
        if (wait_socket(PQsocket(conn), POLLIN, until) == wait_outcome::timed_out || PQconsumeInput(conn) == 0) {
          close();
          return;
        }
      }
      PGresult* r = PQgetResult(conn);
      if (r == nullptr) break;
      PQclear(r);
    }
  }

  // Reads every result of the current command; keeps the first error, else the last result.
  auto collect(std::string_view sql, deadline d) -> result {
    result kept;
    bool have_error = false;
    while (PGresult* r = next_result(sql, d)) {
      const auto st = PQresultStatus(r);
      if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
        PQclear(r);
        abort_copy(st, sql, d);
        throw usage_error("COPY cannot run through query/execute; use the COPY API",
                          error_info{.statement = std::string(sql)});
      }
      if (have_error) {
        PQclear(r);
        continue;
      }
      have_error = st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE;
      if (named_types && st == PGRES_COMMAND_OK) note_ddl(r);
      kept = adopt(r);
    }
    // An error the server sent before the connection ended (57P01 when the backend was
    // terminated) says more than "connection lost": check() reports it, poisoning.
    if (!have_error && PQstatus(conn) != CONNECTION_OK) throw_broken(sql, "the connection to the server was lost");
    return kept;
  }

  // Ends a COPY that the query API cannot serve, leaving the connection idle.
  void abort_copy(ExecStatusType st, std::string_view sql, deadline d) {
    if (st == PGRES_COPY_IN || st == PGRES_COPY_BOTH) {
      if (PQputCopyEnd(conn, "COPY is not supported through this API") < 0) throw_broken(sql, "could not end COPY");
      flush(sql, d);
    }
    if (st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      for (;;) {
        char* buf = nullptr;
        const int n = PQgetCopyData(conn, &buf, 1);
        if (n > 0) {
          PQfreemem(buf);
        } else if (n == 0) {
          if (wait_socket(PQsocket(conn), POLLIN, d) == wait_outcome::timed_out) timed_out(sql);
          if (PQconsumeInput(conn) == 0) throw_broken(sql, "the connection to the server was lost");
        } else {
          break;  // -1: done; -2: error, reported by the result below
        }
      }
    }
    while (PGresult* r = next_result(sql, d)) PQclear(r);
  }

  // At a statement deadline where the result cannot be returned to the caller (COPY, the
  // async side): cancel, then read what the server answers within the grace. Its error (57014
  // when the cancel took effect) is thrown as the server sent it; a late success is reported
  // as outcome_unknown, never as a cancellation; no answer closes the connection (abandon()).
  [[noreturn]] void timed_out(std::string_view sql) {
    if (!cancelling) {
      cancelling = true;
      grace = deadline_in(opts.cancel_timeout);
      if (!send_cancel(conn, grace)) abandon(sql);
    }
    result failure;
    bool completed = false;
    for (;;) {
      bool ok = true;
      while (ok && PQisBusy(conn) != 0)
        ok = wait_socket(PQsocket(conn), POLLIN, grace) == wait_outcome::ready && PQconsumeInput(conn) != 0;
      if (!ok) abandon(sql);
      PGresult* r = PQgetResult(conn);
      if (r == nullptr) break;
      const auto st = PQresultStatus(r);
      if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
        PQclear(r);
        abort_copy(st, sql, grace);
        continue;
      }
      if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE) {
        if (detail::result_access::native(failure) == nullptr) failure = detail::result_access::adopt(r);
        else PQclear(r);
      } else {
        completed = true;
        PQclear(r);
      }
    }
    if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) == PQTRANS_ACTIVE) abandon(sql);
    if (detail::result_access::native(failure) != nullptr)
      throw_result_error(detail::result_access::native(failure), sql);
    error_info info;
    info.statement = std::string(sql);
    info.poisons_transaction = in_block;
    throw outcome_unknown(completed ? "the statement completed after its deadline, where its result could not be "
                                      "returned: it took effect"
                                    : "the statement passed its deadline; the server ended it without a result",
                          std::move(info));
  }

  // The error a failed result stands for: message, fields, and what it poisons. Closes the
  // connection when the server ended the session.
  auto result_error(const PGresult* r, std::string_view sql) -> error {
    error_info info;
    info.sqlstate = field_of(r, PG_DIAG_SQLSTATE);
    info.statement = std::string(sql);
    info.detail = redact(field_of(r, PG_DIAG_MESSAGE_DETAIL));
    info.hint = field_of(r, PG_DIAG_MESSAGE_HINT);
    info.constraint = field_of(r, PG_DIAG_CONSTRAINT_NAME);
    info.table = field_of(r, PG_DIAG_TABLE_NAME);
    info.column = field_of(r, PG_DIAG_COLUMN_NAME);
    if (auto pos = field_of(r, PG_DIAG_STATEMENT_POSITION); !pos.empty()) info.position = std::atoi(pos.c_str());
    std::string msg = field_of(r, PG_DIAG_MESSAGE_PRIMARY);
    if (msg.empty()) msg = clean_message(PQresultErrorMessage(r));
    msg = redact(msg);
    const std::string& s = info.sqlstate;
    const bool lost = conn == nullptr || PQstatus(conn) != CONNECTION_OK;
    if (!lost && is_parameter_mismatch(s, field_of(r, PG_DIAG_SOURCE_FUNCTION), msg)) {  // 08P01, session intact
      info.poisons_transaction = PQtransactionStatus(conn) == PQTRANS_INERROR;
      return parameter_mismatch_error(std::move(msg), std::move(info));
    }
    info.poisons_connection = lost || s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03";
    info.poisons_transaction =
        info.poisons_connection || (conn != nullptr && PQtransactionStatus(conn) == PQTRANS_INERROR);
    info.retryable = s == "40001" || s == "40P01";
    // A type resolved by name was dropped (and maybe created again): resolve again.
    if (named_types &&
        (s == "42704" || (s == "XX000" && msg.find("cache lookup failed for type") != std::string::npos)))
      named_types->mark_stale();
    if (cancelling && s == "57014")
      msg = "the statement did not complete before its deadline and was cancelled (" + msg + ")";
    if (s == "42601" && msg.find("multiple commands") != std::string::npos && info.hint.empty())
      info.hint = "run several statements with execute_script(), or send them one at a time";
    if (lost) close();
    const error_kind kind = info.poisons_connection ? error_kind::connection
                            : s == "57014"          ? error_kind::timeout
                                                    : error_kind::sql;
    return error(kind, std::move(msg), std::move(info));
  }

  [[noreturn]] void throw_result_error(const PGresult* r, std::string_view sql) {
    error e = result_error(r, sql);
    throw_error(e.kind(), e.message(), e.info());
  }

  // Runs a command through the simple query protocol and returns its (last) result.
  auto simple(std::string_view sql, deadline d) -> result {
    ensure_usable(sql);
    session_dirty = session_dirty || changes_session(sql);
    const std::string text(sql);
    if (PQsendQuery(conn, text.c_str()) == 0) throw_broken(sql, "could not send the statement");
    flush(sql, d);
    result r = collect(sql, d);
    check(r, sql);
    return r;
  }

  void check(const result& r, std::string_view sql) {
    if (detail::result_access::native(r) == nullptr) return;
    const auto st = PQresultStatus(detail::result_access::native(r));
    if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE)
      throw_result_error(detail::result_access::native(r), sql);
  }

  void deallocate_pending(deadline d) {
    if (to_deallocate.empty() || PQtransactionStatus(conn) == PQTRANS_INERROR) return;
    std::vector<std::string> names;
    names.swap(to_deallocate);
    for (const auto& n : names) simple("DEALLOCATE " + n, d);
  }

  void forget(const std::string& k) {
    auto it = cache.find(k);
    if (it == cache.end()) return;
    to_deallocate.push_back(it->second.name);
    lru.erase(it->second.lru);
    cache.erase(it);
    last_hit = nullptr;
  }

  void forget_all() {
    cache.clear();
    lru.clear();
    last_hit = nullptr;
    to_deallocate.clear();  // the server no longer has them
  }

  // The cached statement for `sql` with these parameter types, or nullptr. Sets `key`.
  auto lookup(std::string_view sql, const param_list& p) -> const entry* { return lookup(sql, p.types(), p.size()); }
  auto lookup(std::string_view sql, const oid* types, std::size_t count) -> const entry* {
    const std::size_t type_bytes = count * sizeof(oid);
    // The same statement as the last one: `key` already holds it, and it is first in the LRU.
    if (last_hit != nullptr && key.size() == sql.size() + 1 + type_bytes && key[sql.size()] == '\0' &&
        std::memcmp(key.data(), sql.data(), sql.size()) == 0 &&
        (type_bytes == 0 || std::memcmp(key.data() + sql.size() + 1, types, type_bytes) == 0))
      return last_hit;
    key.assign(sql);
    key.push_back('\0');
    key.append(reinterpret_cast<const char*>(types), type_bytes);
    if (auto it = cache.find(key); it != cache.end()) {
      lru.splice(lru.begin(), lru, it->second.lru);
      last_hit = &it->second;
      return last_hit;
    }
    last_hit = nullptr;
    return nullptr;
  }

  // Records a statement the server prepared under `name` for the current `key`.
  auto remember(std::string_view sql, std::string name) -> const entry& {
    if (cache.size() >= opts.statement_cache_capacity && !lru.empty()) forget(lru.back());
    lru.push_front(key);
    auto [it, inserted] = cache.emplace(key, entry{std::move(name), lru.begin(), changes_session(sql)});
    last_hit = &it->second;
    return it->second;
  }

  // Looks the statement up in the cache, preparing it on a miss.
  auto prepared(std::string_view sql, const param_list& p, deadline d, bool& fresh) -> const entry& {
    return prepared(sql, p, param_types(p, sql, d), d, fresh);
  }
  auto prepared(std::string_view sql, const param_list& p, const oid* ptypes, deadline d, bool& fresh) -> const entry& {
    if (const entry* e = lookup(sql, ptypes, p.size())) {
      fresh = false;
      return *e;
    }
    fresh = true;
    check_parameter_count(p.size(), sql);  // before libpq refuses it and the connection is closed
    const std::string k = key;  // deallocating below runs statements; keep the key
    // Make room first, so that the evicted statement is deallocated now, not later.
    if (cache.size() >= opts.statement_cache_capacity && !lru.empty()) forget(lru.back());
    deallocate_pending(d);
    std::string name = "pgpx_" + std::to_string(++next_statement);
    const std::string text(sql);
    if (PQsendPrepare(conn, name.c_str(), text.c_str(), static_cast<int>(p.size()), ptypes) == 0)
      throw_broken(sql, "could not send the statement");
    flush(sql, d);
    result r = collect(sql, d);
    check(r, sql);
    key = k;
    return remember(sql, std::move(name));
  }

  auto execute(std::string_view sql, const param_list& p, deadline d, bool& used_cache, int fmt = 1,
               bool use_cache = true) -> result {
    ensure_usable(sql);
    check_parameter_count(p.size(), sql);  // before libpq refuses it and the connection is closed
    const int n = static_cast<int>(p.size());
    const oid* ptypes = param_types(p, sql, d);
    if (opts.statement_cache_capacity == 0 || !use_cache) {
      used_cache = false;
      session_dirty = session_dirty || changes_session(sql);
      const std::string text(sql);
      if (PQsendQueryParams(conn, text.c_str(), n, ptypes, p.values(), p.lengths(), p.formats(), fmt) == 0)
        throw_broken(sql, "could not send the statement");
      flush(sql, d);
      result r = collect(sql, d);
      check(r, sql);
      return r;
    }
    for (int attempt = 0;; ++attempt) {
      bool fresh = false;
      const entry& e = prepared(sql, p, ptypes, d, fresh);
      const std::string& name = e.name;
      session_dirty = session_dirty || e.changes_session;
      used_cache = !fresh;
      if (PQsendQueryPrepared(conn, name.c_str(), n, p.values(), p.lengths(), p.formats(), fmt) == 0)
        throw_broken(sql, "could not send the statement");
      flush(sql, d);
      result r = collect(sql, d);
      const PGresult* pr = detail::result_access::native(r);
      if (pr != nullptr && PQresultStatus(pr) == PGRES_FATAL_ERROR) {
        const std::string state = field_of(pr, PG_DIAG_SQLSTATE);
        const bool stale_plan =
            state == "0A000" && field_of(pr, PG_DIAG_MESSAGE_PRIMARY).find(cached_plan_message) != std::string::npos;
        const bool lost_statement = state == "26000";  // DISCARD ALL / DEALLOCATE ran behind our back
        if (stale_plan || lost_statement) {
          const std::string k = key;
          if (lost_statement) forget_all();
          else forget(k);
          // Outside a transaction the statement can simply run again, once, on a fresh plan.
          // Inside one the transaction is already aborted: report it.
          if (attempt == 0 && tx_owner == nullptr && PQtransactionStatus(conn) == PQTRANS_IDLE) continue;
        }
      }
      check(r, sql);
      detail::result_access::set_shape(r, e.shape);
      return r;
    }
  }

  // Runs `run(bool& cached)` and reports the statement to the query hook, if there is one.
  // Without a hook nothing is timed: the hot path pays one test.
  template <class F>
  auto observed(std::string_view sql, const param_list* params, F&& run) -> result {
    bool cached = false;
    if (opts.hook == nullptr || !opts.hook->on_query) return run(cached);
    const auto start = clock::now();
    query_event ev;
    ev.sql = sql;
    ev.params = params;
    try {
      result r = run(cached);
      ev.duration = clock::now() - start;
      ev.rows = r.affected_rows();
      ev.prepared = cached;
      notify(ev);
      return r;
    } catch (const error& e) {
      ev.duration = clock::now() - start;
      ev.failure = &e;
      notify(ev);
      throw;
    }
  }

  // Whether a query hook wants events (the paths that report call clock::now() only then).
  [[nodiscard]] auto hooked() const noexcept -> bool { return opts.hook != nullptr && opts.hook->on_query; }

  // Reports a statement run by a batch, a stream or a COPY to the query hook.
  void report(std::string_view sql, query_source source, clock::time_point started, std::uint64_t rows,
              const error* failure, bool prepared = false) const noexcept {
    if (!hooked()) return;
    query_event ev;
    ev.sql = sql;
    ev.duration = clock::now() - started;
    ev.rows = rows;
    ev.failure = failure;
    ev.prepared = prepared;
    ev.source = source;
    notify(ev);
  }

  void notify(const query_event& ev) const noexcept {
    try {
      opts.hook->on_query(ev);
    } catch (...) {  // a hook must not break the statement it observes
    }
  }

  static void on_notice(void* arg, const PGresult* r) {
    auto* self = static_cast<impl*>(arg);
    if (self->opts.hook == nullptr || !self->opts.hook->on_notice) return;
    try {
      self->opts.hook->on_notice(field_of(r, PG_DIAG_SEVERITY), redact(field_of(r, PG_DIAG_MESSAGE_PRIMARY)));
    } catch (...) {  // hooks must not throw; a throwing one is ignored
    }
  }

  // One connection attempt with the given parameters, bounded by `d`.
  void attempt(const std::vector<std::pair<std::string, std::string>>& params, deadline d, const std::string& target) {
    std::vector<const char*> keys;
    std::vector<const char*> values;
    bool has_encoding = false;
    for (const auto& [k, v] : params) {
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
    conn = PQconnectStartParams(keys.data(), values.data(), 0);
    if (conn == nullptr) throw broken_connection("cannot connect to " + target + ": out of memory");
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    if (PQstatus(conn) == CONNECTION_BAD) st = PGRES_POLLING_FAILED;
    const auto started = clock::now();
    while (st != PGRES_POLLING_OK) {
      if (st == PGRES_POLLING_FAILED) {
        std::string msg = clean_message(PQerrorMessage(conn));
        close();
        error_info ei;
        // libpq 15 says only "certificate verify failed": ask OpenSSL why (expired, wrong CA).
        std::string reason;
        if (msg.find("certificate verify failed") != std::string::npos)
          reason = detail::diagnose_certificate(params, d);
        if (!reason.empty()) msg += " (" + reason + ")";
        ei.hint = detail::tls_hint(msg, reason);
        if (ei.hint.empty()) ei.hint = hint_for_connect(msg);
        ei.poisons_connection = true;
        ei.retryable = msg.find("the database system is starting up") != std::string::npos ||
                       msg.find("the database system is shutting down") != std::string::npos;  // 57P03
        throw broken_connection("cannot connect to " + target + ": " + msg, std::move(ei));
      }
      const short events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
      if (wait_socket(PQsocket(conn), events, d) == wait_outcome::timed_out) {
        close();
        if (wait_cancelled())  // the async caller cancelled the connect: no further host is tried
          throw broken_connection("cannot connect to " + target + ": the connect was cancelled",
                                  error_info{.poisons_connection = true});
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started).count();
        error_info ei;
        ei.poisons_connection = true;
        ei.hint = "the server did not answer; check the host, port and network (connect_timeout is " +
                  std::to_string(connect_limit().count()) + " ms)";
        throw broken_connection("cannot connect to " + target + ": timed out after " + std::to_string(waited) + " ms",
                                std::move(ei));
      }
      st = PQconnectPoll(conn);
    }
    if (PQsetnonblocking(conn, 1) != 0) throw_broken({}, "could not switch the connection to non-blocking mode");
    PQsetNoticeReceiver(conn, &impl::on_notice, this);
    snapshot_reported();
  }

  // A host, hostaddr or port list: none when the keyword is empty.
  static auto split_list(const std::string& v) -> std::vector<std::string> {
    if (v.empty()) return {};
    const auto parts = detail::split(v, ',');
    return {parts.begin(), parts.end()};
  }

  // The connect deadline: connection_options::connect_timeout, capped by the connection
  // string's own connect_timeout (libpq ignores it in non-blocking connects).
  [[nodiscard]] auto connect_limit() const -> std::chrono::milliseconds { return connect_limit_of(ci, opts); }

  // Connects within connect_timeout. With several hosts, each gets its own share of the
  // remaining time, so a host that never answers (a deaf or blackholed endpoint) cannot use up
  // the whole deadline before the next one is tried. libpq still checks target_session_attrs
  // on each host. prefer-standby is done here in two passes over the list, as libpq does it:
  // handing libpq one host at a time with prefer-standby would accept the first host that
  // answers, primary or not, and so defeat the preference whenever the primary comes first.
  void connect() {
    const deadline d = deadline_in(connect_limit());
    const auto hosts = split_list(ci.get("host"));
    const auto addrs = split_list(ci.get("hostaddr"));
    const auto ports = split_list(ci.get("port"));
    const std::size_t n = std::max(hosts.size(), addrs.size());
    if (n <= 1) {
      attempt(ci.params(), d, ci.target());
      return;
    }
    const bool prefer_standby = ci.get("target_session_attrs") == "prefer-standby";
    // The host list of each pass: all hosts, then (prefer-standby) those that were not a
    // standby.
    std::vector<std::size_t> pass(n);
    for (std::size_t i = 0; i < n; ++i) pass[i] = i;
    std::vector<std::size_t> not_standby;
    std::string failures;
    for (int round = 0; round < (prefer_standby ? 2 : 1); ++round) {
      const bool standby_only = prefer_standby && round == 0;
      const auto& list = round == 0 ? pass : not_standby;
      for (std::size_t j = 0; j < list.size(); ++j) {
        const std::size_t i = list[j];
        const auto now = clock::now();
        if (now >= d) break;
        // The first pass of prefer-standby keeps one share back for the fallback pass.
        const auto left = static_cast<long>(list.size() - j) + (standby_only ? 1 : 0);
        const deadline share = now + (d - now) / left;
        auto params = ci.params();
        std::string target;
        for (auto& [k, v] : params) {
          if (k == "host" && i < hosts.size()) v = hosts[i];
          else if (k == "hostaddr" && i < addrs.size()) v = addrs[i];
          else if (k == "port" && !ports.empty()) v = ports.size() == 1 ? ports[0] : (i < ports.size() ? ports[i] : "");
          else if (k == "target_session_attrs" && prefer_standby) v = standby_only ? "standby" : "any";
        }
        target = (i < hosts.size() && !hosts[i].empty() ? hosts[i] : (i < addrs.size() ? addrs[i] : "")) +
                 (ports.empty() ? std::string()
                                : ":" + (ports.size() == 1 ? ports[0] : ports[std::min(i, ports.size() - 1)]));
        try {
          attempt(params, share, target);
          return;
        } catch (const broken_connection& e) {
          if (wait_cancelled()) throw;
          // Every host but one that did not answer in its share is tried again in the fallback
          // pass (libpq's "server is not in hot standby mode" may be translated; a refused
          // connection is cheap to repeat).
          if (standby_only && e.message().find(": timed out after ") == std::string::npos) not_standby.push_back(i);
          else failures += "\n  " + e.message();
        }
      }
    }
    error_info ei;
    ei.poisons_connection = true;
    ei.hint = "every host failed or did not answer within its share of connect_timeout (" +
              std::to_string(connect_limit().count()) + " ms)";
    throw broken_connection("cannot connect to any of " + std::to_string(n) + " hosts:" + failures, std::move(ei));
  }
};

/// Access to a connection's private state for pgpx's own sources.
struct detail::connection_access {
  static auto state(connection& cx) -> connection::impl& {
    if (!cx.impl_) throw usage_error("use of a moved-from connection");
    return *cx.impl_;
  }
  static auto try_state(connection& cx) noexcept -> connection::impl* { return cx.impl_.get(); }
  /// Wraps a libpq connection that is already established (the async connect).
  static auto adopt(PGconn* c, conninfo ci, connection_options o) -> std::unique_ptr<connection> {
    auto st = std::make_unique<connection::impl>();
    st->conn = c;
    st->ci = std::move(ci);
    st->opts = std::move(o);
    if (PQsetnonblocking(c, 1) != 0) st->throw_broken({}, "could not switch the connection to non-blocking mode");
    PQsetNoticeReceiver(c, &connection::impl::on_notice, st.get());
    st->snapshot_reported();
    return std::unique_ptr<connection>(new connection(std::move(st)));
  }
};

}  // namespace pgpx
