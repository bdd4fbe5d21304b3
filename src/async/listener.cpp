#include <pgpx/async/listener.hpp>

#include <utility>

namespace pgpx {

auto async_listener::connect(asio::any_io_executor ex, conninfo info, connection_options options)
    -> asio::awaitable<async_listener> {
  auto open = [&] { return std::make_unique<listener>(std::move(info), std::move(options)); };
  std::unique_ptr<listener> l = co_await detail::on_fiber(ex, open);
  co_return async_listener(std::move(ex), std::move(l));
}

auto async_listener::listen(std::string_view channel_in) -> asio::awaitable<void> {
  const std::string channel(channel_in);  // the caller's view may not outlive a suspension
  auto f = [&] { l_->listen(channel); };
  co_await detail::on_fiber(ex_, f);
}

auto async_listener::unlisten(std::string_view channel_in) -> asio::awaitable<void> {
  const std::string channel(channel_in);
  auto f = [&] { l_->unlisten(channel); };
  co_await detail::on_fiber(ex_, f);
}

auto async_listener::wait(deadline until) -> asio::awaitable<std::optional<listen_event>> {
  auto f = [&] { return l_->wait(until); };
  co_return co_await detail::on_fiber(ex_, f);
}

}  // namespace pgpx
