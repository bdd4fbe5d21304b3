// examples/pool: a pool shared by worker threads.
#include <pgpx/pgpx.hpp>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

int main() try {
  auto cfg = pgpx::config::load();
  auto p = pgpx::pool::open(cfg, {.min_size = 2, .max_size = 4, .acquire_timeout = std::chrono::seconds(5)});

  std::atomic<std::int64_t> total{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) {
        auto cx = p.acquire();  // returned to the pool at the end of the scope
        total += cx->query_value<std::int64_t>("select $1::int8 * 2", static_cast<std::int64_t>(w * 100 + i));
      }
    });
  }
  for (auto& t : workers) t.join();

  const auto s = p.stats();
  std::cout << "total " << total << ", " << s.acquires << " leases on " << s.size << " connections, " << s.waits
            << " waits\n";
  return s.size <= 4 && s.acquires == 200 ? 0 : 1;
} catch (const pgpx::error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
