#include <pgpx/core/notify.hpp>

#include "connection_impl.hpp"

#include <pgpx/core/engine/wait.hpp>

#include <pgpx/core/identifier.hpp>

namespace pgpx {

listener::listener(conninfo info, connection_options options)
    : info_(std::move(info)), options_(std::move(options)), cx_(std::make_unique<connection>(info_, options_)) {}

listener::~listener() = default;

void listener::listen(std::string_view channel) {
  const auto q = quote_identifier(channel);
  cx_->command("LISTEN " + q);
  channels_.emplace(channel);
}

void listener::unlisten(std::string_view channel) {
  const auto q = quote_identifier(channel);
  if (cx_->is_open()) cx_->command("UNLISTEN " + q);
  channels_.erase(std::string(channel));
}

auto listener::take_queued() -> std::optional<listen_event> {
  PGconn* c = cx_->native_handle();
  if (c == nullptr) return std::nullopt;
  PGnotify* n = PQnotifies(c);
  if (n == nullptr) return std::nullopt;
  listen_event ev;
  ev.kind = listen_event::notification;
  ev.channel = n->relname;
  ev.payload = n->extra;
  ev.sender_pid = n->be_pid;
  PQfreemem(n);
  return ev;
}

auto listener::poll() -> std::optional<listen_event> {
  if (auto ev = take_queued()) return ev;
  PGconn* c = cx_->native_handle();
  if (c == nullptr || PQconsumeInput(c) == 0) return std::nullopt;
  return take_queued();
}

auto listener::reconnect(deadline until) -> bool {
  while (clock::now() < until && !detail::wait_cancelled()) {
    try {
      connection_options o = options_;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
      o.connect_timeout = std::max(std::chrono::milliseconds(1), std::min(o.connect_timeout, left));
      auto fresh = std::make_unique<connection>(info_, o);
      for (const auto& ch : channels_) fresh->command("LISTEN " + quote_identifier(ch));
      cx_ = std::move(fresh);
      backoff_ = std::chrono::milliseconds(50);
      return true;
    } catch (const error&) {
      const auto pause = std::min<clock::duration>(backoff_, until - clock::now());
      if (pause > clock::duration::zero()) detail::sleep_until(clock::now() + pause);
      backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5'000));
    }
  }
  return false;
}

auto listener::wait(deadline until) -> std::optional<listen_event> {
  for (;;) {
    if (auto ev = take_queued()) return ev;
    PGconn* c = cx_->native_handle();
    const bool alive = c != nullptr && PQstatus(c) == CONNECTION_OK;
    if (alive) {
      if (detail::wait_socket(PQsocket(c), POLLIN, until) == detail::wait_outcome::timed_out) return std::nullopt;
      if (PQconsumeInput(c) != 0) continue;
    }
    // The connection is gone: come back and say that notifications may have been missed.
    if (auto ev = take_queued()) return ev;
    cx_->close();
    if (!reconnect(until)) return std::nullopt;
    listen_event ev;
    ev.kind = listen_event::reconnected;
    return ev;
  }
}

void notify(connection& cx, std::string_view channel, std::string_view payload) {
  if (channel.empty()) throw usage_error("a notification channel cannot be empty");
  cx.execute("select pg_notify($1, $2)", channel, payload);
}

}  // namespace pgpx
