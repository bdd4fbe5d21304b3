// examples/notify: LISTEN on one connection, NOTIFY from another, stream a large result.
#include <pgpx/pgpx.hpp>

#include <iostream>

int main() try {
  using namespace std::chrono_literals;
  auto cfg = pgpx::config::load();
  pgpx::listener l{cfg.connection(), pgpx::connection_options_of(cfg)};
  l.listen("orders");

  pgpx::connection cx{cfg.connection(), pgpx::connection_options_of(cfg)};
  pgpx::notify(cx, "orders", "order 17 paid");
  auto ev = l.wait(pgpx::deadline_in(5s));
  if (!ev || ev->kind != pgpx::listen_event::notification) return 1;
  std::cout << "notification on " << ev->channel << ": " << ev->payload << "\n";

  // A million rows, a few thousand at a time: memory stays bounded.
  std::int64_t sum = 0;
  for (auto v : pgpx::stream<std::int64_t>(cx, {.fetch_size = 5000}, "select g from generate_series(1, 1000000) g"))
    sum += v;
  std::cout << "sum " << sum << "\n";
  return sum == 500000500000 ? 0 : 1;
} catch (const pgpx::error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
