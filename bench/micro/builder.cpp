// bench/micro/builder.cpp: what the query builder costs over hand-written SQL, without a
// server (spec/orm.md D3: render + bind at most 1 us over the same statement written by
// hand). Each loop makes the statement of acceptance query A4 (a keyset page: five
// conditions, four values) and of a one-condition lookup, by the builder and by
// pgpx::make_statement with the SQL text written out.
//
//   bench_micro_builder                       # ns per statement, the best of 5 repetitions
//   valgrind --tool=callgrind --instr-atstart=no bench_micro_builder a4-builder 2000
//                                             # instructions: one loop of 2000 statements
//
// The second form (a4-builder, a4-hand, lookup-builder, lookup-hand, lookup-shape) makes one
// statement to warm up, then toggles callgrind's instrumentation around `count` statements
// and prints nothing timed (bench/run's builder cell divides the count by `count`).
#include "best.hpp"

#include <pgpx/query/select.hpp>
#include <pgpx/query/shape.hpp>

#include <valgrind/callgrind.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace bench_models {
struct author {
  pgpx::identity<std::int64_t> id;
  pgpx::varchar<80> name;
};
struct book {
  pgpx::identity<std::int64_t> id;
  pgpx::references<&author::id> author_id;
  std::string title;
  std::int32_t price_cents;
  std::vector<std::string> tags;
  pgpx::deleted_at deleted_at;
};
}  // namespace bench_models

namespace {

using bench_models::book;

// The inputs, as a program would have them.
struct inputs {
  book last;
  std::int64_t aid = 7;
  inputs() {
    last.id = 42;
    last.price_cents = 500;
  }
};

auto a4_builder(const inputs& in) -> std::size_t {
  auto s = pgpx::select<book>()
               .where(pgpx::col(&book::author_id) == in.aid)
               .order_by(&book::price_cents, &book::id)
               .after(&in.last)
               .limit(20)
               .statement();
  return s.sql().size() + s.params().size();
}
auto a4_hand(const inputs& in) -> std::size_t {
  auto s = pgpx::make_statement<book>(
      R"(select "id", "author_id", "title", "price_cents", "tags", "deleted_at" from "books" where "author_id" = $1 and ("price_cents", "id") > ($2, $3) and "deleted_at" is null order by "price_cents", "id" limit $4)",
      in.aid, static_cast<std::int32_t>(in.last.price_cents), static_cast<std::int64_t>(in.last.id), std::int64_t{20});
  return s.sql().size() + s.params().size();
}
auto lookup_builder(const inputs& in) -> std::size_t {
  auto s = pgpx::select<book>().where(pgpx::col(&book::id) == in.aid).statement();
  return s.sql().size() + s.params().size();
}
auto lookup_hand(const inputs& in) -> std::size_t {
  auto s = pgpx::make_statement<book>(
      R"(select "id", "author_id", "title", "price_cents", "tags", "deleted_at" from "books" where "id" = $1 and "deleted_at" is null)",
      in.aid);
  return s.sql().size() + s.params().size();
}
// The lookup as a pgpx::shape: rendered once, each call binds the key.
auto lookup_shape(const inputs& in) -> std::size_t {
  static const pgpx::shape<book(std::int64_t)> by_id{
      pgpx::select<book>().where(pgpx::col(&book::id) == pgpx::arg<std::int64_t>(0))};
  auto s = by_id(in.aid);
  return s.sql().size() + s.params().size();
}

struct variant {
  const char* name;
  std::size_t (*make)(const inputs&);
};
constexpr variant variants[] = {{"a4-builder", a4_builder},
                                {"a4-hand", a4_hand},
                                {"lookup-builder", lookup_builder},
                                {"lookup-hand", lookup_hand},
                                {"lookup-shape", lookup_shape}};

}  // namespace

auto main(int argc, char** argv) -> int {
  const inputs in;
  std::size_t sink = 0;
  if (argc > 1) {  // one variant under callgrind
    const long count = argc > 2 ? std::atol(argv[2]) : 2000;
    for (const variant& v : variants) {
      if (std::strcmp(v.name, argv[1]) != 0) continue;
      sink += v.make(in);  // warm: the model's description, per-thread buffers
      CALLGRIND_START_INSTRUMENTATION;
      for (long i = 0; i < count; ++i) sink += v.make(in);
      CALLGRIND_STOP_INSTRUMENTATION;
      std::printf("%s: %ld statements\n", v.name, count);
      return sink == 42 ? 1 : 0;
    }
    std::fprintf(stderr, "bench_micro_builder: unknown variant %s\n", argv[1]);
    return 2;
  }
  constexpr int n = 200'000;
  const auto ns = [&](std::size_t (*make)(const inputs&)) {
    return bench::best_ns(5, n, [&] {
      for (int i = 0; i < n; ++i) sink += make(in);
    });
  };
  const double built = ns(a4_builder);
  const double by_hand = ns(a4_hand);
  std::printf("A4 keyset page: builder %.0f ns, by hand %.0f ns, builder cost %.0f ns per statement\n", built, by_hand,
              built - by_hand);
  const double built1 = ns(lookup_builder);
  const double by_hand1 = ns(lookup_hand);
  std::printf("lookup by key: builder %.0f ns, by hand %.0f ns, builder cost %.0f ns per statement\n", built1, by_hand1,
              built1 - by_hand1);
  const double shaped = ns(lookup_shape);
  std::printf("lookup by key as a shape: %.0f ns, by hand %.0f ns, cost %.0f ns per statement\n", shaped, by_hand1,
              shaped - by_hand1);
  return sink == 42 ? 1 : 0;
}
