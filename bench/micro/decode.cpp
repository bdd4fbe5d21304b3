// bench/micro/decode.cpp: pgpx's binary decoders alone, without a server or libpq, for the
// goals stated per element or per value (spec section 6, G2 W10: int4[] decode <= 2 ns per
// element). Built with the runners by bench/run:
//   bench/build/runners/bench_micro_decode
// Prints the best of 5 repetitions of each loop (the least disturbed by other load).
#include "best.hpp"

#include <pgpx/types/array.hpp>
#include <pgpx/types/numeric.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

using bench::best_ns;

int main() {
  long long sink = 0;

  // int4[1000] (the MagicStack arrays row) into std::vector<std::int32_t>, allocation included.
  std::vector<std::int32_t> values(1000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::int32_t>(i * 7919);
  std::string array_bytes;
  pgpx::codec<std::vector<std::int32_t>>::encode(values, array_bytes);
  constexpr int arrays = 20000;
  const double per_element = best_ns(5, static_cast<long long>(arrays) * 1000, [&] {
    for (int i = 0; i < arrays; ++i) {
      const auto v = pgpx::codec<std::vector<std::int32_t>>::decode(array_bytes, pgpx::oids::int4_array);
      sink += v[static_cast<std::size_t>(i) % v.size()];
    }
  });
  std::printf("int4[1000] -> std::vector<int32_t>: %.2f ns/element\n", per_element);

  // numeric(12,2) into pgpx::numeric (the W3 column).
  std::string numeric_bytes;
  pgpx::codec<pgpx::numeric>::encode(pgpx::numeric("1234567.89"), numeric_bytes);
  constexpr int numerics = 2'000'000;
  const double per_numeric = best_ns(5, numerics, [&] {
    for (int i = 0; i < numerics; ++i)
      sink += static_cast<long long>(
          pgpx::codec<pgpx::numeric>::decode(numeric_bytes, pgpx::oids::numeric).to_string().size());
  });
  std::printf("numeric(12,2) -> pgpx::numeric: %.1f ns/value\n", per_numeric);
  return sink == 42 ? 1 : 0;  // keeps the loops from being optimised away
}
