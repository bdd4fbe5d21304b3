// pgpx/core/notify.hpp: LISTEN/NOTIFY.
//
//   pgpx::listener l{cfg.connection()};
//   l.listen("jobs");                                    // channel names are quoted identifiers
//   while (auto ev = l.wait(pgpx::deadline_in(30s))) {
//     if (ev->kind == pgpx::listen_event::reconnected) resync();   // notifications may be lost
//     else handle(ev->channel, ev->payload);
//   }
//   pgpx::notify(cx, "jobs", "42");                      // pg_notify with bound values
//
// A listener owns its connection. When that connection is lost, wait() reconnects (with
// backoff, within its deadline), LISTENs to every channel again, and reports a
// `reconnected` event first: notifications sent while it was away are lost, as PostgreSQL
// does not keep them for absent listeners.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/deadline.hpp>
#include <pgpx/export.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace pgpx {

/// What a listener received.
struct listen_event {
  /// Why the event was reported.
  enum event_kind {
    notification,  ///< a NOTIFY arrived
    reconnected,   ///< the connection was lost and re-established: notifications may be missing
  } kind = notification;
  std::string channel;  ///< the channel (notification only)
  std::string payload;  ///< the payload (notification only)
  int sender_pid = 0;   ///< the notifying backend (notification only)
};

/**
 * A connection dedicated to receiving notifications.
 *
 * Thread safety: one thread at a time. Blocking: wait() blocks until an event or the
 * deadline. Throws usage_error for an invalid channel name, pgpx::error when a LISTEN fails.
 */
class PGPX_API listener {
 public:
  /// Connects (throws like connection's constructor).
  explicit listener(conninfo info, connection_options options = {});
  ~listener();
  listener(const listener&) = delete;
  auto operator=(const listener&) -> listener& = delete;

  /// Subscribes to a channel (LISTEN with a quoted name).
  void listen(std::string_view channel);
  /// Unsubscribes from a channel.
  void unlisten(std::string_view channel);
  /// The channels subscribed to.
  [[nodiscard]] auto channels() const -> const std::set<std::string>& { return channels_; }

  /// The next event, or std::nullopt when the deadline passes first.
  [[nodiscard]] auto wait(deadline until) -> std::optional<listen_event>;
  /// The next event if one is already here; never blocks on the network.
  [[nodiscard]] auto poll() -> std::optional<listen_event>;

  /// The underlying connection (for statements between waits).
  [[nodiscard]] auto conn() -> connection& { return *cx_; }

 private:
  auto take_queued() -> std::optional<listen_event>;
  auto reconnect(deadline until) -> bool;

  conninfo info_;
  connection_options options_;
  std::unique_ptr<connection> cx_;
  std::set<std::string> channels_;
  std::chrono::milliseconds backoff_{50};
};

/// Sends a notification: pg_notify($1, $2), values bound.
PGPX_API void notify(connection& cx, std::string_view channel, std::string_view payload = {});

}  // namespace pgpx
