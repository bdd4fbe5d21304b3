// bench/micro/builder.cpp: what the query builder costs over hand-written SQL, without a
// server (spec/orm.md D3: render + bind at most 1 us over the same statement written by
// hand). Each loop makes the statement of acceptance query A4 (a keyset page: five
// conditions, four values) and of a one-condition lookup, by the builder and by
// pgpx::make_statement with the SQL text written out. Prints the best of 5 repetitions.
#include "best.hpp"

#include <pgpx/query/select.hpp>
#include <pgpx/query/shape.hpp>

#include <cstdint>
#include <cstdio>
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

using bench::best_ns;

using bench_models::book;

}  // namespace

int main() {
  std::size_t sink = 0;
  constexpr int n = 200'000;
  book last;
  last.id = 42;
  last.price_cents = 500;
  const std::int64_t aid = 7;

  const double built = best_ns(5, n, [&] {
    for (int i = 0; i < n; ++i) {
      auto s = pgpx::select<book>()
                   .where(pgpx::col(&book::author_id) == aid)
                   .order_by(&book::price_cents, &book::id)
                   .after(&last)
                   .limit(20)
                   .statement();
      sink += s.sql().size() + s.params().size();
    }
  });
  const double by_hand = best_ns(5, n, [&] {
    for (int i = 0; i < n; ++i) {
      auto s = pgpx::make_statement<book>(
          R"(select "id", "author_id", "title", "price_cents", "tags", "deleted_at" from "books" where "author_id" = $1 and ("price_cents", "id") > ($2, $3) and "deleted_at" is null order by "price_cents", "id" limit $4)",
          aid, static_cast<std::int32_t>(last.price_cents), static_cast<std::int64_t>(last.id), std::int64_t{20});
      sink += s.sql().size() + s.params().size();
    }
  });
  std::printf("A4 keyset page: builder %.0f ns, by hand %.0f ns, builder cost %.0f ns per statement\n", built, by_hand,
              built - by_hand);

  const double built1 = best_ns(5, n, [&] {
    for (int i = 0; i < n; ++i) {
      auto s = pgpx::select<book>().where(pgpx::col(&book::id) == aid).statement();
      sink += s.sql().size() + s.params().size();
    }
  });
  const double by_hand1 = best_ns(5, n, [&] {
    for (int i = 0; i < n; ++i) {
      auto s = pgpx::make_statement<book>(
          R"(select "id", "author_id", "title", "price_cents", "tags", "deleted_at" from "books" where "id" = $1 and "deleted_at" is null)",
          aid);
      sink += s.sql().size() + s.params().size();
    }
  });
  std::printf("lookup by key: builder %.0f ns, by hand %.0f ns, builder cost %.0f ns per statement\n", built1, by_hand1,
              built1 - by_hand1);
  // The same statement as a pgpx::shape: rendered once, each call binds the key.
  const pgpx::shape<book(std::int64_t)> by_id{
      pgpx::select<book>().where(pgpx::col(&book::id) == pgpx::arg<std::int64_t>(0))};
  const double shaped = best_ns(5, n, [&] {
    for (int i = 0; i < n; ++i) {
      auto s = by_id(aid);
      sink += s.sql().size() + s.params().size();
    }
  });
  std::printf("lookup by key as a shape: %.0f ns, by hand %.0f ns, cost %.0f ns per statement\n", shaped, by_hand1,
              shaped - by_hand1);
  return sink == 42 ? 1 : 0;
}
