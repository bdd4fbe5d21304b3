#include <pgpx/core/transaction.hpp>

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/engine/transaction_access.hpp>

#include "connection_impl.hpp"

#include <utility>

namespace pgpx {

auto begin_statement(const transaction_options& o) -> std::string {
  std::string s = "BEGIN";
  switch (o.level) {
    case isolation::server_default: break;
    case isolation::read_committed: s += " ISOLATION LEVEL READ COMMITTED"; break;
    case isolation::repeatable_read: s += " ISOLATION LEVEL REPEATABLE READ"; break;
    case isolation::serializable: s += " ISOLATION LEVEL SERIALIZABLE"; break;
  }
  if (o.read_only) s += " READ ONLY";
  if (o.deferrable) s += " DEFERRABLE";
  return s;
}

namespace {
// The transaction object that owns a session (one at a time; savepoints nest instead).
auto owner_of(connection& cx) noexcept -> const void* {
  auto* s = detail::connection_access::try_state(cx);
  return s != nullptr ? s->tx_owner : nullptr;
}
void set_owner(connection& cx, const void* owner) noexcept {
  if (auto* s = detail::connection_access::try_state(cx); s != nullptr) s->tx_owner = owner;
}
}  // namespace

transaction::transaction(pgpx::connection& cx, transaction_options options) : cx_(cx) {
  if (owner_of(cx_) != nullptr)
    throw usage_error("a transaction is already open on this connection; nest with pgpx::savepoint");
  if (cx_.is_open() && cx_.status() != transaction_status::idle)
    throw usage_error("the connection is already inside a transaction block (BEGIN was sent directly)");
  cx_.execute_script(begin_statement(options));
  set_owner(cx_, this);
  active_ = true;
}

transaction::~transaction() {
  if (!active_) return;
  if (auto* s = detail::connection_access::try_state(cx_); s != nullptr && s->must_defer()) {
    // Destroyed on the event loop (async): the rollback runs before the connection's next use.
    active_ = false;
    set_owner(cx_, nullptr);
    s->deferred.emplace_back([](connection::impl& c) {
      if (PQtransactionStatus(c.conn) != PQTRANS_IDLE) (void)c.simple("ROLLBACK", c.effective_deadline());
    });
    return;
  }
  try {
    rollback();
  } catch (...) {
    cx_.close();  // state unknown: never reuse it
  }
}

void transaction::ensure_active(std::string_view sql) const {
  if (!active_)
    throw usage_error("the transaction is no longer active (it was committed or rolled back)",
                      error_info{.statement = std::string(sql)});
}

auto transaction::run(std::string_view sql, const param_list& params) -> result {
  ensure_active(sql);
  return cx_.run(sql, params);
}

void transaction::execute_script(std::string_view sql) {
  ensure_active(sql);
  cx_.execute_script(sql);
}

void transaction::commit() {
  ensure_active("COMMIT");
  active_ = false;
  set_owner(cx_, nullptr);
  if (!cx_.is_open())
    throw broken_connection("the connection was lost before COMMIT was sent; the server rolled the transaction back",
                            error_info{.statement = "COMMIT"});
  const bool failed_before = cx_.status() == transaction_status::in_error;
  std::string tag;
  try {
    tag = cx_.command("COMMIT");
  } catch (const error& e) {
    if (e.kind() == error_kind::sql) throw;  // the server refused: rolled back (deferred constraint...)
    error_info info = e.info();
    info.statement = "COMMIT";
    info.poisons_connection = true;
    info.retryable = false;
    cx_.close();
    throw commit_in_doubt("the connection failed while COMMIT was in flight (" + e.message() +
                              "); the transaction may or may not have been committed",
                          std::move(info));
  }
  if (failed_before || tag == "ROLLBACK") {
    error_info info;
    info.statement = "COMMIT";
    throw sql_error("the transaction had failed earlier, so COMMIT rolled it back", std::move(info));
  }
}

void transaction::rollback() {
  ensure_active("ROLLBACK");
  active_ = false;
  set_owner(cx_, nullptr);
  if (!cx_.is_open()) return;  // the server rolls back a transaction whose session ended
  cx_.execute_script("ROLLBACK");
}

auto transaction::next_savepoint_name() -> std::string { return "pgpx_sp_" + std::to_string(++savepoints_); }

savepoint::savepoint(transaction& tx) : tx_(tx), name_(detail::transaction_access::next_savepoint_name(tx)) {
  tx_.execute_script("SAVEPOINT " + quote_identifier(name_));
  active_ = true;
}

savepoint::~savepoint() {
  if (!active_) return;
  if (auto* s = detail::connection_access::try_state(tx_.conn()); s != nullptr && s->must_defer()) {
    // Destroyed on the event loop (async): rolled back to before the connection's next use.
    active_ = false;
    if (!tx_.is_active()) return;
    const auto q = quote_identifier(name_);
    s->deferred.emplace_back([sql = "ROLLBACK TO SAVEPOINT " + q + "; RELEASE SAVEPOINT " + q](connection::impl& c) {
      if (PQtransactionStatus(c.conn) != PQTRANS_IDLE) (void)c.simple(sql, c.effective_deadline());
    });
    return;
  }
  try {
    rollback();
  } catch (...) {
    tx_.conn().close();
  }
}

void savepoint::release() {
  if (!active_) throw usage_error("the savepoint " + name_ + " was already released or rolled back");
  active_ = false;
  tx_.execute_script("RELEASE SAVEPOINT " + quote_identifier(name_));
}

void savepoint::rollback() {
  if (!active_) throw usage_error("the savepoint " + name_ + " was already released or rolled back");
  active_ = false;
  if (!tx_.is_active() || !tx_.conn().is_open()) return;
  const auto q = quote_identifier(name_);
  tx_.execute_script("ROLLBACK TO SAVEPOINT " + q + "; RELEASE SAVEPOINT " + q);
}

}  // namespace pgpx
