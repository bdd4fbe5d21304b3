// bench/micro/vector_decode.cpp: pgvector's vector(1536) decoded from a libpq result into
// std::vector<float> (pgpx::pgvector::vector_of<1536>) and read through views, against a
// hand-written libpq decoder (issue 13: within 1.10x its instructions). No server: the
// PGresult is built with libpq's own PQmakeEmptyPGresult / PQsetResultAttrs / PQsetvalue, in
// the binary format vector_send writes.
//
//   bench_micro_vector_decode [raw|pgpx|views] [rows]   # under callgrind, one loop per run:
//   valgrind --tool=callgrind --instr-atstart=no bench_micro_vector_decode pgpx
// Prints ns/row (best of 5) and toggles callgrind's instrumentation around the measured loop.
#include "best.hpp"

#include <pgpx/core/result.hpp>
#include <pgpx/ext/pgvector.hpp>

#include <libpq-fe.h>
#include <valgrind/callgrind.h>

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr int dims = 1536;
constexpr pgpx::oid vector_oid = 16385;  // any OID: the catalog below says it is "vector"

struct row {
  pgpx::pgvector::vector_of<dims> embedding;
};

auto make_result(int rows) -> PGresult* {
  PGresult* r = PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK);
  PGresAttDesc att{};
  att.name = const_cast<char*>("embedding");
  att.format = 1;
  att.typid = vector_oid;
  att.typlen = -1;
  att.atttypmod = dims;
  PQsetResultAttrs(r, 1, &att);
  pgpx::pgvector::vector v;
  for (int d = 0; d < dims; ++d) v.values.push_back(static_cast<float>(d) * 0.001F);
  std::string bytes;
  pgpx::codec<pgpx::pgvector::vector>::encode(v, bytes);
  for (int i = 0; i < rows; ++i) PQsetvalue(r, i, 0, bytes.data(), static_cast<int>(bytes.size()));
  return r;
}

// What a careful hand-written decoder does: header, size, one byte swap per element.
void decode_raw(const PGresult* r, std::vector<std::vector<float>>& out) {
  const int n = PQntuples(r);
  out.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const char* p = PQgetvalue(r, i, 0);
    std::uint16_t dim = 0;
    std::memcpy(&dim, p, 2);
    dim = ntohs(dim);
    auto& v = out[static_cast<std::size_t>(i)];
    v.resize(dim);
    p += 4;
    for (std::size_t k = 0; k < dim; ++k) {
      std::uint32_t u = 0;
      std::memcpy(&u, p + (4 * k), 4);
      u = ntohl(u);
      std::memcpy(&v[k], &u, 4);
    }
  }
}

}  // namespace

auto main(int argc, char** argv) -> int {
  const std::string mode = argc > 1 ? argv[1] : "all";
  const int rows = argc > 2 ? std::atoi(argv[2]) : 1000;
  // The connection's catalog, as a session that resolved "vector" would have it.
  std::vector<pgpx::detail::type_catalog::entry> entries(pgpx::detail::registered_type_names());
  entries[pgpx::detail::type_name_id<pgpx::pgvector::vector_of<dims>>] = {vector_oid, vector_oid + 1, vector_oid, 'b'};
  auto catalog = std::make_shared<const pgpx::detail::type_catalog>(std::move(entries), "bench");
  pgpx::result res = pgpx::detail::result_access::adopt(make_result(rows));
  pgpx::detail::result_access::set_types(res, catalog);
  const PGresult* raw = pgpx::detail::result_access::native(res);

  double sink = 0;
  std::vector<std::vector<float>> raw_out;
  std::vector<row> pgpx_out;
  const auto run = [&](const std::string& which) {
    if (which == "raw") {
      raw_out = {};  // fresh vectors, as pgpx returns (a fair comparison: both allocate)
      decode_raw(raw, raw_out);
      sink += raw_out.back()[7];
    } else if (which == "pgpx") {
      pgpx_out = res.as<row>();
      sink += pgpx_out.back().embedding.values[7];
    } else {
      for (std::size_t i = 0; i < res.size(); ++i) {
        const auto v = res[i].get<pgpx::pgvector::vector_view>(0);
        float s = 0;
        for (std::size_t k = 0; k < v.size(); ++k) s += v[k];
        sink += s;
      }
    }
  };
  for (const std::string which : {"raw", "pgpx", "views"}) {
    if (mode != "all" && mode != which) continue;
    run(which);  // warm: allocations, the row mapping's lookup
    CALLGRIND_START_INSTRUMENTATION;
    run(which);
    CALLGRIND_STOP_INSTRUMENTATION;
    const double ns = bench::best_ns(5, rows, [&] { run(which); });
    std::printf("vector(%d) x %d rows, %-5s: %.0f ns/row\n", dims, rows, which.c_str(), ns);
  }
  return sink == 42 ? 1 : 0;
}
