// bench/runners/cpp/pgpx_orm.cpp: the pgpx ORM cells, through the public ORM API only:
//   W5 insert       pgpx::insert_many of 10k `event` models. The table's key is a bigserial,
//                   so every row's id must come back: the pipelined prepared insert with
//                   RETURNING (one Sync per 1000 rows), as SQLAlchemy's add_all + flush
//                   also fetches the keys.
//   W11 read/orm    pgpx::select<owner>() between two ids, ordered, with the pets eagerly
//                   loaded (.with(children(&pet::owner_id))): 2 statements, the pets stitched
//                   by key; the same checksum as the typed-row cell.
//   W11 update/orm  1k owners loaded (before the timed region), their score set, and
//                   pgpx::update(tx, o, only(&owner::score)) for each in one transaction: the
//                   same value, sent anyway, as SQLAlchemy's flag_modified forces it.
// Its own translation unit, so that the other cells' code is compiled as before.
#include "runner.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/orm/eager.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/types/array.hpp>
#include <pgpx/types/chrono.hpp>
#include <pgpx/types/json.hpp>
#include <pgpx/types/numeric.hpp>
#include <pgpx/types/uuid.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace bench::orm {

/// W5's `event` (bench/schema.sql): the key is a bigserial, filled by the server.
struct event {
  pgpx::identity<std::int64_t> id;
  pgpx::uuid u;
  pgpx::timestamptz ts;
  std::string name, note;
  nlohmann::json attrs;
  std::int32_t qty;
  std::int64_t big;
  double score;
  bool ok;
  pgpx::numeric price;
  std::vector<std::int32_t> tags;
};

/// W11's entities: an owner has ten pets.
struct owner {
  pgpx::key<std::int64_t> id;
  std::string name, email;
  pgpx::timestamptz created;
  std::int32_t score;
};
struct pet {
  pgpx::key<std::int64_t> id;
  pgpx::references<&owner::id> owner_id;
  std::string name;
  std::int32_t age;
};

}  // namespace bench::orm

template <>
struct pgpx::model<bench::orm::event> {
  static constexpr std::string_view table = "event";
};
template <>
struct pgpx::model<bench::orm::owner> {
  static constexpr std::string_view table = "owner";
};
template <>
struct pgpx::model<bench::orm::pet> {
  static constexpr std::string_view table = "pet";
};

namespace bench {
namespace {

using orm::event;
using orm::owner;
using orm::pet;

auto secs(const pgpx::timestamptz& t) -> std::int64_t {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

/// The rows of runner.py's event_rows(n), as plain values (the generator's part).
struct event_values {
  pgpx::uuid u;
  pgpx::timestamptz ts;
  std::string name, note, attrs;
  std::int32_t qty;
  std::int64_t big;
  double score;
  bool ok;
  std::vector<std::int32_t> tags;
};

auto event_rows(long long n) -> std::vector<event_values> {
  std::vector<event_values> out;
  out.reserve(static_cast<std::size_t>(n));
  const auto base = std::chrono::sys_days{std::chrono::year{2020} / 1 / 1};
  for (long long i = 0; i < n; ++i) {
    event_values v;
    v.u.bytes[0] = 0x40;
    auto k = static_cast<std::uint64_t>(i);
    for (int b = 15; b >= 8; --b, k >>= 8) v.u.bytes[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(k);
    v.ts = pgpx::timestamptz{base + std::chrono::seconds{i}};
    v.name = "event " + std::to_string(i);
    v.note = "note for event " + std::to_string(i);
    v.attrs = R"({"k": )" + std::to_string(i) + R"(, "tag": "x"})";
    v.qty = static_cast<std::int32_t>(i % 100);
    v.big = i * 1000;
    v.score = static_cast<double>(i) / 4;
    v.ok = i % 2 == 0;
    const auto j = static_cast<std::int32_t>(i);
    v.tags = {j, j + 1, j + 2};
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

/// W5 insert: the models are built from the values and written with insert_many, in the
/// timed region (as SQLAlchemy's Event(**row) objects are); the checksum is count(*).
void w5_orm(cell& c) {
  pgpx::connection cx(c.conninfo());
  cx.execute("truncate event");
  const long long n = c.p().num("n");
  const auto values = event_rows(n);
  const pgpx::numeric price{"12.34"};
  c.start({cx.backend_pid()});
  std::vector<event> rows;
  rows.reserve(values.size());
  for (const auto& v : values)
    rows.push_back(event{.u = v.u,
                         .ts = v.ts,
                         .name = v.name,
                         .note = v.note,
                         .attrs = nlohmann::json::parse(v.attrs),
                         .qty = v.qty,
                         .big = v.big,
                         .score = v.score,
                         .ok = v.ok,
                         .price = price,
                         .tags = v.tags});
  pgpx::insert_many(cx, rows);
  const auto count = cx.query_value<std::int64_t>("select count(*) from event");
  if (rows.back().id - rows.front().id != n - 1) throw std::runtime_error("insert_many did not fill the keys");
  c.stop(n, count);
}

/// W11 read/orm and update/orm.
void w11_orm(cell& c) {
  pgpx::connection cx(c.conninfo());
  const long long n = c.p().num("n"), iters = c.p().num("iters");
  const std::int64_t hi = n;
  if (c.p().str("op") == "update") {
    auto objs = pgpx::select<owner>().where(pgpx::col(&owner::id).between(std::int64_t{1}, hi)).all(cx);
    long long affected = 0;
    c.start({cx.backend_pid()});
    for (long long it = 0; it < iters; ++it) {
      pgpx::transaction tx{cx};
      for (auto& o : objs) {
        o.score = static_cast<std::int32_t>(o.id % 1000);  // the value it has: only() sends it anyway
        pgpx::update(tx, o, pgpx::only(&owner::score));  // throws when no row was updated
        ++affected;
      }
      tx.commit();
    }
    c.stop(n * iters, affected);
    return;
  }
  const auto q = pgpx::select<owner>()
                     .where(pgpx::col(&owner::id).between(std::int64_t{1}, hi))
                     .order_by(&owner::id)
                     .with(pgpx::children(&pet::owner_id));
  std::int64_t sum = 0;
  auto one = [&]() -> long long {
    const auto rs = q.all(cx);
    for (const owner& o : rs) {
      sum += o.id + static_cast<std::int64_t>(o.name.size() + o.email.size()) + secs(o.created) + o.score;
      for (const pet& p : rs.children(o, &pet::owner_id))
        sum += p.id + p.owner_id + static_cast<std::int64_t>(p.name.size()) + p.age;
    }
    return static_cast<long long>(rs.size());
  };
  one();
  sum = 0;
  long long total = 0;
  c.start({cx.backend_pid()});
  for (long long it = 0; it < iters; ++it) total += one();
  c.stop(total, sum);
}

}  // namespace bench
