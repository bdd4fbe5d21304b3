// examples/async: many queries in flight on one thread with Boost.Asio coroutines.
#include <pgpx/pgpx.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace asio = boost::asio;

auto handle(pgpx::async_pool& pool, int i, std::int64_t& total) -> asio::awaitable<void> {
  auto cx = co_await pool.acquire();
  total += co_await cx->query_value<std::int64_t>("select $1::int8 + count(*) from pg_class", i);
}

int main() try {
  auto cfg = pgpx::config::load();
  asio::io_context io;
  pgpx::async_pool pool(io.get_executor(), cfg.connection(), {.max_size = 4});
  std::int64_t total = 0;
  for (int i = 0; i < 100; ++i) asio::co_spawn(io, handle(pool, i, total), asio::detached);
  io.run();  // one thread; no thread per connection
  const auto s = pool.stats();
  std::cout << s.acquires << " requests on " << s.size << " connections, total " << total << "\n";
  return s.acquires == 100 && s.size <= 4 ? 0 : 1;
} catch (const pgpx::error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
