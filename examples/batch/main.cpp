// examples/batch: thousands of statements in a few round trips (pipeline mode).
#include <pgpx/pgpx.hpp>

#include <iostream>

int main() try {
  auto cfg = pgpx::config::load();
  pgpx::connection cx{cfg.connection(), pgpx::connection_options_of(cfg)};
  cx.execute_script("create temporary table readings (sensor int, value float8)");

  pgpx::batch b;
  for (int i = 0; i < 10'000; ++i) b.add("insert into readings values ($1, $2)", i % 10, i * 0.5);
  const auto out = pgpx::run_batch(cx, b, {.sync_every = 1000, .keep_results = false});
  out.check();  // throws the first per-statement error, if any

  pgpx::batch q;
  for (int s = 0; s < 3; ++s) q.add("select count(*), avg(value) from readings where sensor = $1", s);
  const auto r = pgpx::run_batch(cx, q);
  for (int s = 0; s < 3; ++s)
    std::cout << "sensor " << s << ": " << r.results[s][0].get<std::int64_t>(0) << " readings\n";
  return out.affected_rows == 10'000 ? 0 : 1;
} catch (const pgpx::error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
