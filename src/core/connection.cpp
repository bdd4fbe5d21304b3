#include "connection_impl.hpp"

#include <pgpx/core/engine/connection.hpp>

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/tls_policy.hpp>

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pgpx {

connection::connection(const conninfo& info, connection_options options) : impl_(std::make_unique<impl>()) {
  impl_->ci = info;
  impl_->opts = std::move(options);
  scratch_.capture_text(impl_->opts.hook != nullptr && impl_->opts.hook->wants_parameters);
  for (const auto& w : apply_tls_policy(impl_->ci)) {
    if (impl_->opts.hook != nullptr && impl_->opts.hook->on_notice) {
      try {
        impl_->opts.hook->on_notice("WARNING", w);
      } catch (...) {  // hooks must not throw
      }
    }
  }
  impl_->connect();
  // Text parameters are checked for valid UTF-8 when that is the session's encoding (pgpx
  // connects with UTF8 unless the connection string names another client_encoding).
  scratch_.check_utf8(parameter_status("client_encoding") == "UTF8");
}

connection::connection(std::unique_ptr<impl> state) : impl_(std::move(state)) {
  scratch_.capture_text(impl_->opts.hook != nullptr && impl_->opts.hook->wants_parameters);
  scratch_.check_utf8(parameter_status("client_encoding") == "UTF8");
}

connection::connection(std::string_view url_or_conninfo, connection_options options)
    : connection(conninfo::parse(url_or_conninfo), std::move(options)) {}

connection::connection(connection&&) noexcept = default;
auto connection::operator=(connection&&) noexcept -> connection& = default;
connection::~connection() = default;

auto connection::run(std::string_view sql, const param_list& params) -> result { return run_format(sql, params, 1); }

auto connection::run_text(std::string_view sql, const param_list& params) -> result {
  return run_format(sql, params, 0);
}

auto connection::run_format(std::string_view sql, const param_list& params, int fmt) -> result {
  if (!impl_) throw usage_error("use of a moved-from connection");
  const deadline d = impl_->effective_deadline();
  return impl_->observed(sql, &params, [&](bool& cached) { return impl_->execute(sql, params, d, cached, fmt); });
}

void connection::execute_script(std::string_view sql) { (void)command(sql); }

auto connection::command(std::string_view sql) -> std::string {
  if (!impl_) throw usage_error("use of a moved-from connection");
  const deadline d = impl_->effective_deadline();
  const result r = impl_->observed(sql, nullptr, [&](bool&) { return impl_->simple(sql, d); });
  return std::string(r.command_tag());
}

auto connection::is_open() const noexcept -> bool { return impl_ && impl_->usable(); }
void connection::close() noexcept {
  if (impl_) impl_->close();
}

auto connection::status() const noexcept -> transaction_status {
  if (!impl_ || impl_->conn == nullptr) return transaction_status::unknown;
  switch (PQtransactionStatus(impl_->conn)) {
    case PQTRANS_IDLE: return transaction_status::idle;
    case PQTRANS_ACTIVE: return transaction_status::active;
    case PQTRANS_INTRANS: return transaction_status::in_transaction;
    case PQTRANS_INERROR: return transaction_status::in_error;
    default: return transaction_status::unknown;
  }
}

auto connection::backend_pid() const noexcept -> int {
  return impl_ && impl_->conn != nullptr ? PQbackendPID(impl_->conn) : 0;
}
auto connection::server_version() const noexcept -> int {
  return impl_ && impl_->conn != nullptr ? PQserverVersion(impl_->conn) : 0;
}
auto connection::parameter_status(std::string_view name) const -> std::string {
  if (!impl_ || impl_->conn == nullptr) return {};
  const char* v = PQparameterStatus(impl_->conn, std::string(name).c_str());
  return v == nullptr ? std::string() : std::string(v);
}
auto connection::info() const noexcept -> const conninfo& { return impl_->ci; }
auto connection::options() const noexcept -> const connection_options& { return impl_->opts; }
auto connection::cached_statements() const noexcept -> std::size_t { return impl_ ? impl_->cache.size() : 0; }

void connection::clear_statement_cache() {
  if (!impl_) return;
  for (const auto& k : impl_->lru) impl_->to_deallocate.push_back(impl_->cache.at(k).name);
  impl_->cache.clear();
  impl_->lru.clear();
  impl_->last_hit = nullptr;
  if (impl_->usable()) impl_->deallocate_pending(impl_->effective_deadline());
}

auto connection::session_changed() const noexcept -> bool {
  return impl_ && (impl_->session_dirty || (impl_->used && impl_->reported_changed()));
}

namespace {

// DISCARD ALL without DEALLOCATE ALL, in one round trip: pgpx's own statements (prepared
// through the protocol) stay, so the statement cache survives a reset; statements prepared
// with SQL PREPARE (from_sql) are listed at the end and deallocated one by one.
constexpr const char* reset_script =
    "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); "
    "DISCARD TEMP; DISCARD SEQUENCES; SELECT name FROM pg_catalog.pg_prepared_statements WHERE from_sql";

}  // namespace

void connection::reset_session() {
  if (!impl_) throw usage_error("use of a moved-from connection");
  const auto st = status();
  const deadline d = impl_->effective_deadline();
  if (st == transaction_status::in_transaction || st == transaction_status::in_error) impl_->simple("ROLLBACK", d);
  const result r = impl_->simple(reset_script, d);
  if (const PGresult* pr = detail::result_access::native(r); pr != nullptr) {
    std::vector<std::string> names;
    for (int i = 0; i < PQntuples(pr); ++i) names.emplace_back(PQgetvalue(pr, i, 0));
    for (const auto& n : names) impl_->simple("DEALLOCATE " + quote_identifier(n), d);
  }
  impl_->session_dirty = false;
  impl_->used = false;
  impl_->snapshot_reported();
}

auto connection::current_deadline() const noexcept -> deadline { return impl_ ? impl_->current : no_deadline; }
auto connection::set_deadline(deadline d) noexcept -> deadline {
  if (!impl_) return no_deadline;
  return std::exchange(impl_->current, d);
}
auto connection::native_handle() const noexcept -> pg_conn* { return impl_ ? impl_->conn : nullptr; }

}  // namespace pgpx

namespace pgpx::detail {

void mark_async(connection& cx, bool on) noexcept {
  if (auto* s = connection_access::try_state(cx)) s->async = on;
}

auto has_deferred(const connection& cx) noexcept -> bool {
  const auto* s = connection_access::try_state(const_cast<connection&>(cx));
  return s != nullptr && !s->deferred.empty();
}

namespace {

// The slow path of usable_after_deferred, kept out of line: inlined, it made the compiler save
// five registers on every pool release, deferred work or not (W8 callgrind, +14 instructions).
template <class State>
[[gnu::noinline, gnu::cold]] auto run_deferred_then_check(State& s) -> bool {
  s.run_deferred();
  return s.usable();
}

}  // namespace

auto usable_after_deferred(connection& cx) -> bool {
  auto* s = connection_access::try_state(cx);
  if (s == nullptr || !s->usable()) return false;
  if (s->deferred.empty()) [[likely]]
    return true;
  return run_deferred_then_check(*s);
}

}  // namespace pgpx::detail
