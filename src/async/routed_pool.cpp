#include <pgpx/async/routed_pool.hpp>

#include <utility>

namespace pgpx {

async_routed_pool::async_routed_pool(asio::any_io_executor ex, const conninfo& hosts, routed_pool_options options)
    : ex_(std::move(ex)), pool_(routed_pool::open(hosts, std::move(options))) {}

auto async_routed_pool::acquire_write() -> asio::awaitable<async_lease> {
  return detail::lease_on_fiber(
      ex_, [this] { return pool_.acquire_write(); }, pool_.primary().options().reset_always);
}

auto async_routed_pool::acquire_read() -> asio::awaitable<async_lease> {
  return detail::lease_on_fiber(
      ex_, [this] { return pool_.acquire_read(); }, pool_.replicas().options().reset_always);
}

auto async_routed_pool::acquire_read_after(const wal_position& pos, std::chrono::milliseconds wait)
    -> asio::awaitable<async_lease> {
  // `pos` is copied: the caller's object may not outlive a suspension.
  return detail::lease_on_fiber(
      ex_, [this, pos, wait] { return pool_.acquire_read_after(pos, wait); }, pool_.replicas().options().reset_always);
}

auto async_routed_pool::position_of(async_connection& primary) -> asio::awaitable<wal_position> {
  co_return co_await primary.call([](connection& c) { return routed_pool::position_of(c); });
}

}  // namespace pgpx
