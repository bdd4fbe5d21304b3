// bench/runners/cpp/pgpx_vectors.cpp: the pgpx side of the W10 vector cells (callgrind only):
// pgvector's vector(1536) read from PGlite into std::vector<float> (vector_of<1536>) or in
// place through views. The raw runner's w10_vectors is the hand-written libpq reference.
#include "runner.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/ext/pgvector.hpp>

#include <cmath>
#include <cstdint>
#include <string>

namespace bench {
namespace {

struct vec_row {
  std::int32_t id;
  pgpx::pgvector::vector_of<1536> v;
};
struct vec_view_row {
  std::int32_t id;
  pgpx::pgvector::vector_view v;
};

}  // namespace

/// W10 callgrind/vector*: pgvector's vector(1536) (PGlite) into std::vector<float>
/// (vector_of<1536>) or read in place through views; the same checksum as the raw runner.
void w10_vectors(cell& c) {
  pgpx::connection cx(c.conninfo());
  const std::string sql = c.p().str("sql");
  const bool views = c.p().str("vectors") == "view";
  const long long iters = c.p().num("iters"), warm = c.p().num("warmup");
  std::int64_t sum = 0, elems = 0;
  auto one = [&]() -> long long {
    if (views) {
      const pgpx::result r = cx.exec(sql);
      for (const auto& v : r.as<vec_view_row>()) {
        float s = 0;
        for (std::size_t d = 0; d < v.v.size(); ++d) s += v.v[d];
        sum += v.id + std::lround(s);
        elems += static_cast<std::int64_t>(v.v.size());
      }
      return static_cast<long long>(r.size());
    }
    const auto rows = cx.query<vec_row>(sql);
    for (const auto& v : rows) {
      float s = 0;
      for (float x : v.v.values) s += x;
      sum += v.id + std::lround(s);
      elems += static_cast<std::int64_t>(v.v.values.size());
    }
    return static_cast<long long>(rows.size());
  };
  for (long long i = 0; i < warm; ++i) one();
  sum = 0;
  elems = 0;
  long long rows = 0;
  c.start({cx.backend_pid()});
  for (long long i = 0; i < iters; ++i) rows += one();
  c.extra("elements", static_cast<double>(elems));
  c.stop(rows, sum);
}

}  // namespace bench
