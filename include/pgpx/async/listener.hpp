// pgpx/async/listener.hpp: LISTEN/NOTIFY awaited from an executor.
//
//   auto l = co_await pgpx::async_listener::connect(ex, cfg.connection());
//   co_await l.listen("jobs");
//   while (auto ev = co_await l.wait(pgpx::deadline_in(30s))) {
//     if (ev->kind == pgpx::listen_event::reconnected) co_await resync();
//     else handle(ev->channel, ev->payload);
//   }
//
// The blocking pgpx::listener run on a fiber (see async.hpp): the same reconnection with
// backoff, LISTEN again on every channel, and the `reconnected` event, with the event loop
// free while it waits, reconnects or backs off. Asio's cancellation of wait() (e.g.
// `co_await (l.wait(no_deadline) || stop.async_wait())`) ends it with std::nullopt.
#pragma once

#include <pgpx/async/async.hpp>
#include <pgpx/core/notify.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace pgpx {

/**
 * A connection dedicated to receiving notifications, awaited from an executor.
 *
 * Thread safety: used from the thread that runs its io_context. Throws what pgpx::listener
 * throws (usage_error for an invalid channel name, pgpx::error when a LISTEN fails).
 */
class PGPX_API async_listener {
 public:
  /// Connects without blocking the event loop (throws like async_connection::connect).
  [[nodiscard]] static auto connect(asio::any_io_executor ex, conninfo info, connection_options options = {})
      -> asio::awaitable<async_listener>;

  /// Subscribes to a channel (LISTEN with a quoted name).
  [[nodiscard]] auto listen(std::string_view channel) -> asio::awaitable<void>;
  /// Unsubscribes from a channel.
  [[nodiscard]] auto unlisten(std::string_view channel) -> asio::awaitable<void>;
  /// The channels subscribed to.
  [[nodiscard]] auto channels() const -> const std::set<std::string>& { return l_->channels(); }
  /// The next event, or std::nullopt when the deadline passes first or the wait is cancelled.
  [[nodiscard]] auto wait(deadline until) -> asio::awaitable<std::optional<listen_event>>;
  /// The next event if one is already here; never waits.
  [[nodiscard]] auto poll() -> std::optional<listen_event> { return l_->poll(); }
  /// The blocking listener underneath (its calls block the calling thread).
  [[nodiscard]] auto sync() noexcept -> listener& { return *l_; }

 private:
  async_listener(asio::any_io_executor ex, std::unique_ptr<listener> l) noexcept
      : ex_(std::move(ex)), l_(std::move(l)) {}
  asio::any_io_executor ex_;
  std::unique_ptr<listener> l_;
};

}  // namespace pgpx
