// bench/micro/async_overhead.cpp: what the async API costs on top of the blocking engine it
// runs (one fiber run per call). Runs `n` point selects through the blocking connection or an
// async_connection on a one-thread io_context. Built with the runners by bench/run:
//   bench/build/runners/bench_micro_async_overhead <url> blocking|async <n>
// Count instructions with callgrind at two values of n and take the difference per query
// (docs/benchmarks.md, "async overhead"): the server's share and the connect cancel out.
#include <pgpx/async/async.hpp>

#include <boost/asio/co_spawn.hpp>
#include <exception>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <url> blocking|async <n>\n", argv[0]);
    return 2;
  }
  const auto info = pgpx::conninfo::parse(argv[1]);
  const std::string mode = argv[2];
  const long n = std::strtol(argv[3], nullptr, 10);
  std::int64_t sum = 0;
  const auto t0 = std::chrono::steady_clock::now();
  if (mode == "blocking") {
    pgpx::connection cx{info};
    for (long i = 0; i < n; ++i) sum += cx.query_value<std::int64_t>("select $1::int8", static_cast<std::int64_t>(i));
  } else {
    boost::asio::io_context io;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          auto cx = co_await pgpx::async_connection::connect(io.get_executor(), info);
          for (long i = 0; i < n; ++i)
            sum += co_await cx.query_value<std::int64_t>("select $1::int8", static_cast<std::int64_t>(i));
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io.run();
  }
  const auto t1 = std::chrono::steady_clock::now();
  std::printf("%s n=%ld sum=%lld %.1f us/query\n", mode.c_str(), n, static_cast<long long>(sum),
              std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(n));
  return sum == static_cast<std::int64_t>(n) * (n - 1) / 2 ? 0 : 1;
}
