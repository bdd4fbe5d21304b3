// bench/runners/cpp/pgpx_runner.cpp: the pgpx peer, through pgpx's public API only.
//
// Workloads that need what pgpx does not have yet answer "missing" with the reason, so the
// report lists them: W3 format=text (typed decoding of text results). To add one later,
// implement its handler and register it in main(). The ORM cells (W5, W11 api=orm) are in
// pgpx_orm.cpp.
//
// The bulk and concurrency workloads use, at their best documented settings:
//   W3s          pgpx::stream<T> with stream_options{.fetch_size = chunk} (a cursor, FETCH chunk)
//   W4 b         pgpx::batch + pgpx::run_batch, {.sync_every = 1000, .keep_results = false}
//   W4 d         pgpx::copy_in<T> (binary COPY from structs)
//   W4 e         pgpx::copy_writer (COPY text, the rows' bytes written as they are)
//   W6 pipelined pgpx::run_batch, one Sync per unit of work
//   W7           pgpx::run_batch, one Sync per `depth` statements
//   W8, W9       pgpx::pool (min_size = max_size = P), pool.acquire() per cycle
#include "runner.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/core/copy.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/stream.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/pool/pool.hpp>
#include <pgpx/types/array.hpp>
#include <pgpx/types/chrono.hpp>
#include <pgpx/types/numeric.hpp>
#include <pgpx/types/uuid.hpp>
#include <pgpx/version.hpp>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace bench;

namespace bench {
/// W10 callgrind/vector*: pgvector's vector(1536) from PGlite (pgpx_vectors.cpp, its own
/// translation unit so that the other cells' code is compiled as before).
void w10_vectors(cell& c);
/// W5 insert and W11 read/orm, update/orm: the ORM cells (pgpx_orm.cpp, its own translation unit).
void w5_orm(cell& c);
void w11_orm(cell& c);
}  // namespace bench

namespace {

constexpr const char* not_yet_text = "typed decoding of text-format results is not in pgpx (binary only)";

struct person {
  std::int64_t id;
  std::string first_name, last_name, sex;
  pgpx::date birth_date;
  std::int32_t weight, height;
  pgpx::timestamptz update_time;
};

auto days(const pgpx::date& d) -> std::int64_t { return std::chrono::sys_days(d).time_since_epoch().count(); }
auto secs(const pgpx::timestamptz& t) -> std::int64_t {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

auto sum_person(const person& p) -> std::int64_t {
  return p.id + static_cast<std::int64_t>(p.first_name.size() + p.last_name.size() + p.sex.size()) +
         days(p.birth_date) + p.weight + p.height + secs(p.update_time);
}

auto connect(const cell& c, std::size_t cache = 256) -> pgpx::connection {
  pgpx::connection_options o;
  o.statement_cache_capacity = cache;
  return pgpx::connection(c.conninfo(), o);
}

void w1(cell& c) {
  auto cx = connect(c);
  const std::string sql = c.p().str("sql");
  const long long n = c.p().num("n"), warm = c.p().num("warmup"), seed = c.p().num("seed"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  auto one = [&](long long i) {
    const std::int64_t id = point_id(i, seed, rows);
    sum += sum_person(cx.query_one<person>(sql, id));
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  c.reserve_latencies(static_cast<std::size_t>(n));
  c.start({cx.backend_pid()});
  for (long long i = 0; i < n; ++i) {
    const auto t = cell::now_ns();
    one(i);
    c.latency(cell::now_ns() - t);
  }
  c.stop(n, sum);
}

void w2(cell& c) {
  const std::string prep = c.p().str("prep");
  auto cx = connect(c, prep == "unnamed" ? 0 : 256);
  const std::string sql = c.p().str("sql");
  const long long n = c.p().num("n"), warm = c.p().num("warmup"), seed = c.p().num("seed"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  auto one = [&](long long i) {
    const std::int64_t id = point_id(i, seed, rows);
    if (c.p().str("query") == "trivial") {
      sum += cx.query_value<std::int64_t>(sql, id);
    } else {
      for (const auto& [a, b, d] : cx.query<std::tuple<std::int64_t, std::int64_t, std::int64_t>>(sql, id))
        sum += a + b + d;
    }
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  c.start({cx.backend_pid()});
  for (long long i = 0; i < n; ++i) one(i);
  c.stop(n, sum);
}

// The W3 row, with its text fields as std::string or as views into the result.
template <class Text>
struct wide_t {
  std::int64_t id;
  std::int32_t a, b;
  std::int16_t c;
  std::int64_t d;
  double f1;
  float f2;
  bool flag;
  Text s_short, s_med, vc;
  pgpx::timestamptz ts;
  pgpx::date dt;
  pgpx::uuid u;
  pgpx::numeric amount;
  pgpx::bytea blob;
};
using wide = wide_t<std::string>;
using wide_view = wide_t<std::string_view>;
struct wide_nonum {
  std::int64_t id;
  std::int32_t a, b;
  std::int16_t c;
  std::int64_t d;
  double f1;
  float f2;
  bool flag;
  std::string s_short, s_med, vc;
  pgpx::timestamptz ts;
  pgpx::date dt;
  std::string u;
  pgpx::bytea blob;
};

auto int_part(const pgpx::numeric& n) -> std::int64_t {
  const std::string& s = n.to_string();
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}
auto hexval(char ch) -> int { return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10; }

template <class W>
auto sum_wide(const W& w) -> std::int64_t {
  std::int64_t s = w.id + w.a + w.b + w.c + w.d + q4(w.f1) + q4(w.f2) + (w.flag ? 1 : 0) +
                   static_cast<std::int64_t>(w.s_short.size() + w.s_med.size() + w.vc.size()) + secs(w.ts) +
                   days(w.dt) + static_cast<std::int64_t>(w.blob.size()) + static_cast<std::uint8_t>(w.blob[0]);
  if constexpr (std::is_same_v<W, wide_nonum>) {
    s += hexval(w.u[w.u.size() - 2]) * 16 + hexval(w.u.back());
  } else {
    s += w.u.bytes[15] + int_part(w.amount);
  }
  return s;
}

void w3(cell& c) {
  if (c.p().str("format") == "text") c.missing(not_yet_text);
  auto cx = connect(c);
  const std::string sql = c.p().str("sql"), table = c.p().str("table");
  const bool views = c.p().str("strings") == "view";
  const long long n = c.p().num("n"), iters = c.p().num("iters"), warm = c.p().num("warmup"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  auto one = [&](long long it) -> long long {
    const std::int64_t lo = 1 + (it * 7919) % std::max(1LL, rows - n + 1), hi = lo + n - 1;
    if (table == "wide_row_nonum") {
      auto v = cx.query<wide_nonum>(sql, lo, hi);
      for (const auto& w : v) sum += sum_wide(w);
      return static_cast<long long>(v.size());
    }
    if (views) {
      pgpx::result r = cx.exec(sql, lo, hi);
      auto v = r.as<wide_view>();
      for (const auto& w : v) sum += sum_wide(w);
      return static_cast<long long>(v.size());
    }
    auto v = cx.query<wide>(sql, lo, hi);
    for (const auto& w : v) sum += sum_wide(w);
    return static_cast<long long>(v.size());
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  long long total = 0;
  c.start({cx.backend_pid()});
  for (long long i = 0; i < iters; ++i) total += one(i);
  c.stop(total, sum);
}

/// W3s: stream many rows with bounded memory (a cursor, FETCH `chunk` rows at a time).
void w3s(cell& c) {
  auto cx = connect(c);
  const std::string sql = c.p().str("sql");
  const long long n = c.p().num("n"), chunk = c.p().num("chunk");
  pgpx::stream_options o;
  o.fetch_size = static_cast<std::size_t>(chunk);
  std::int64_t sum = 0;
  long long total = 0;
  c.start({cx.backend_pid()});
  for (const wide& w : pgpx::stream<wide>(cx, o, sql, static_cast<std::int64_t>(n))) {
    sum += sum_wide(w);
    ++total;
  }
  c.stop(total, sum);
}

// ---- W4: insert rows of ins7 ----
constexpr const char* ins7_sql = "insert into ins7 values ($1, $2, $3, $4, $5, $6, $7)";

struct ins7_row {
  std::int32_t a, b, c;
  std::string d;
  double e;
  std::int32_t f;
  std::string g;
};

void w4(cell& c) {
  const std::string method = c.p().str("method");
  if (method != "a" && method != "b" && method != "c" && method != "d" && method != "e")
    c.not_applicable("unknown method");
  auto cx = connect(c);
  const long long n = c.p().num("n"), batch = c.p().num("batch", 1000);
  cx.execute("truncate ins7");
  const std::string d = "TESTTESTTEST", g = "123412341234";
  std::string multi;
  if (method == "c") {
    multi = "insert into ins7 values ";
    for (long long r = 0; r < batch; ++r) {
      multi += r ? ",(" : "(";
      for (int f = 0; f < 7; ++f) multi += (f ? ",$" : "$") + std::to_string(r * 7 + f + 1);
      multi += ")";
    }
  }
  c.start({cx.backend_pid()});
  if (method == "b") {
    // One pipeline, a Sync (an implicit transaction) every `batch` statements, like the floor.
    pgpx::batch b;
    for (long long i = 0; i < n; ++i)
      b.add(ins7_sql, std::int32_t{10}, std::int32_t{11}, std::int32_t{10}, d, 10.333, std::int32_t{12341234}, g);
    pgpx::batch_options o;
    o.sync_every = static_cast<std::size_t>(batch);
    o.keep_results = false;
    pgpx::run_batch(cx, b, o).check();
  } else if (method == "d") {
    // Binary COPY from structs: n times the same row, handed to copy_in as a lazy range.
    const ins7_row row{10, 11, 10, d, 10.333, 12341234, g};
    auto rows = std::views::iota(0LL, n) | std::views::transform([&row](long long) -> const ins7_row& { return row; });
    pgpx::copy_in<ins7_row>(cx, "ins7", rows);
  } else if (method == "e") {
    pgpx::copy_writer w(cx, "copy ins7 from stdin");
    for (long long i = 0; i < n; ++i) w.write("10\t11\t10\tTESTTESTTEST\t10.333\t12341234\t123412341234\n");
    w.finish();
  } else {
    pgpx::transaction tx{cx};
    if (method == "a") {
      for (long long i = 0; i < n; ++i)
        tx.execute(ins7_sql, std::int32_t{10}, std::int32_t{11}, std::int32_t{10}, d, 10.333, std::int32_t{12341234},
                   g);
    } else {
      pgpx::param_list p;
      for (long long r = 0; r < batch; ++r)
        p.add(std::int32_t{10})
            .add(std::int32_t{11})
            .add(std::int32_t{10})
            .add(d)
            .add(10.333)
            .add(std::int32_t{12341234})
            .add(g);
      for (long long i = 0; i < n; i += batch) tx.exec_params(multi, p);
    }
    tx.commit();
  }
  const auto rows = cx.query_value<std::int64_t>("select count(*) from ins7");
  c.stop(n, rows);
}

constexpr const char* w6_sel = "select id, weight from person where id = $1";
constexpr const char* w6_upd = "update w6_acct set v = v + 1 where id = $1";
constexpr const char* w6_ins = "insert into w6_log (unit, k, note) values ($1, $2, $3)";

void w6(cell& c) {
  const bool piped = c.p().str("exec") == "pipelined";
  auto cx = connect(c);
  const long long units = c.p().num("n"), seed = c.p().num("seed");
  cx.execute("truncate w6_log");
  cx.execute("update w6_acct set v = 0");
  const std::string note = "unit of work note";
  std::int64_t sum = 0;
  c.start({cx.backend_pid()});
  if (piped) {
    // Every unit in one pipeline, one Sync per unit (10 statements), like the floor.
    pgpx::batch b;
    for (long long u = 0; u < units; ++u) {
      for (long long j = 0; j < 4; ++j) b.add(w6_sel, static_cast<std::int64_t>(point_id(u * 4 + j, seed, 100000)));
      for (long long j = 0; j < 3; ++j) b.add(w6_upd, static_cast<std::int64_t>((u * 3 + j) % 10000 + 1));
      for (std::int32_t j = 7; j < 10; ++j) b.add(w6_ins, static_cast<std::int64_t>(u), j, note);
    }
    pgpx::batch_options o;
    o.sync_every = 10;
    const auto out = pgpx::run_batch(cx, b, o);
    out.check();
    for (std::size_t i = 0; i < out.results.size(); ++i) {
      const pgpx::result& r = out.results[i];
      if (i % 10 < 4) {
        for (const auto row : r) {
          const auto [id, w] = row.as<std::tuple<std::int64_t, std::int32_t>>();
          sum += id + w;
        }
      } else {
        sum += static_cast<std::int64_t>(r.affected_rows());
      }
    }
    c.stop(units, sum);
    return;
  }
  for (long long u = 0; u < units; ++u) {
    for (long long j = 0; j < 4; ++j)
      for (const auto& [id, w] : cx.query<std::tuple<std::int64_t, std::int32_t>>(
               w6_sel, static_cast<std::int64_t>(point_id(u * 4 + j, seed, 100000))))
        sum += id + w;
    for (long long j = 0; j < 3; ++j)
      sum += static_cast<std::int64_t>(cx.execute(w6_upd, static_cast<std::int64_t>((u * 3 + j) % 10000 + 1)));
    for (std::int32_t j = 7; j < 10; ++j)
      sum += static_cast<std::int64_t>(cx.execute(w6_ins, static_cast<std::int64_t>(u), j, note));
  }
  c.stop(units, sum);
}

/// W7: independent point selects on one connection, pipelined: one batch, a Sync every `depth`.
void w7(cell& c) {
  auto cx = connect(c);
  const std::string sql = c.p().str("sql");
  const long long n = c.p().num("n"), depth = c.p().num("depth"), seed = c.p().num("seed"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  c.start({cx.backend_pid()});
  pgpx::batch b;
  for (long long i = 0; i < n; ++i) b.add(sql, static_cast<std::int64_t>(point_id(i, seed, rows)));
  pgpx::batch_options o;
  o.sync_every = static_cast<std::size_t>(depth);
  // Each result is decoded as it arrives and not kept: memory stays bounded by the depth.
  o.on_result = [&](std::size_t, const pgpx::result& r) {
    for (const auto row : r) sum += sum_person(row.as<person>());
  };
  pgpx::run_batch(cx, b, o).check();
  c.stop(n, sum);
}

/// W8: pool checkout without SQL (acquire, touch the connection, release); W9: W1 queries
/// through the pool. T threads for duration_ms, pool of P connections (min = max = P).
void pool_cell(cell& c, bool with_sql) {
  const long long threads = c.p().num("threads"), size = c.p().num("pool"), ms = c.p().num("duration_ms");
  const long long seed = c.p().num("seed"), rows = c.p().num("rows", 100000);
  const std::string sql = c.p().str("sql");
  pgpx::pool_options o;
  o.min_size = static_cast<std::size_t>(size);
  o.max_size = static_cast<std::size_t>(size);
  auto pool = pgpx::pool::open(pgpx::conninfo::parse(c.conninfo()), o);
  std::vector<int> pids;
  {
    // Open every connection now (and prepare the W9 statement on each), holding them all.
    std::vector<pgpx::lease> all;
    for (long long i = 0; i < size; ++i) all.push_back(pool.acquire());
    for (auto& l : all) {
      pids.push_back(l->backend_pid());
      if (with_sql) (void)l->query_one<person>(sql, std::int64_t{1});
    }
  }
  std::atomic<bool> stop{false};
  std::vector<long long> ops(static_cast<std::size_t>(threads));
  std::vector<std::vector<std::int64_t>> lats(static_cast<std::size_t>(threads));
  std::vector<std::int64_t> sums(static_cast<std::size_t>(threads));
  std::mutex failed_m;
  std::exception_ptr failed;
  c.start(pids);
  std::vector<std::thread> ts;
  ts.reserve(static_cast<std::size_t>(threads));
  for (long long t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      auto& lat = lats[static_cast<std::size_t>(t)];
      lat.reserve(1 << 16);
      long long k = 0;
      std::int64_t sum = 0;
      try {
        while (!stop.load(std::memory_order_relaxed)) {
          // Acquire latency is sampled on every 8th cycle: two precise clock reads cost about
          // as much as a whole uncontended cycle here, and would otherwise be counted in it.
          const bool timed = (k & 7) == 0;
          const auto t0 = timed ? cell::now_ns() : 0;
          pgpx::lease l = pool.acquire();
          if (timed && lat.size() < (1u << 20)) lat.push_back(cell::now_ns() - t0);
          if (with_sql) {
            sum +=
                sum_person(l->query_one<person>(sql, static_cast<std::int64_t>(point_id(t * 1000003 + k, seed, rows))));
          } else {
            sum += l->backend_pid() != 0 ? 1 : 0;
          }
          ++k;
        }
      } catch (...) {
        const std::lock_guard g(failed_m);
        if (!failed) failed = std::current_exception();
        stop = true;
      }
      ops[static_cast<std::size_t>(t)] = k;
      sums[static_cast<std::size_t>(t)] = sum;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  stop = true;
  for (auto& th : ts) th.join();
  if (failed) std::rethrow_exception(failed);
  long long total = 0, mx = 0, mn = -1;
  std::int64_t sum = 0;
  std::vector<std::int64_t> all;
  for (std::size_t t = 0; t < ops.size(); ++t) {
    total += ops[t];
    sum += sums[t];
    mx = std::max(mx, ops[t]);
    mn = mn < 0 ? ops[t] : std::min(mn, ops[t]);
    all.insert(all.end(), lats[t].begin(), lats[t].end());
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) {
    return all.empty() ? 0.0
                       : static_cast<double>(all[std::min(all.size() - 1, static_cast<std::size_t>(q * all.size()))]);
  };
  c.extra("acquire_p50_ns", pct(0.5));
  c.extra("acquire_p99_ns", pct(0.99));
  c.extra("acquire_p999_ns", pct(0.999));
  c.extra("fairness_max_min", mn > 0 ? static_cast<double>(mx) / static_cast<double>(mn) : 0.0);
  c.stop(total, sum);
}

struct doc {
  std::int64_t id;
  std::string j;
  std::vector<std::int32_t> ia;
  std::vector<std::string> ta;
  std::vector<double> fa;
};
struct ms_row {
  std::int32_t id;
  std::vector<std::int32_t> a;
};

void w10(cell& c) {
  if (c.p().str("table") == "vec_rows") return bench::w10_vectors(c);  // pgpx_vectors.cpp
  auto cx = connect(c);
  const bool ms = c.p().str("table") == "ms_arrays";
  const std::string sql = c.p().str("sql");
  const long long iters = c.p().num("iters"), warm = c.p().num("warmup");
  std::int64_t sum = 0, elems = 0;
  auto one = [&]() -> long long {
    if (ms) {
      auto v = cx.query<ms_row>(sql);
      for (const auto& r : v) {
        sum += r.id;
        for (auto x : r.a) sum += x;
        elems += static_cast<std::int64_t>(r.a.size());
      }
      return static_cast<long long>(v.size());
    }
    auto v = cx.query<doc>(sql);
    for (const auto& d : v) {
      sum += d.id + static_cast<std::int64_t>(d.j.size());
      for (auto x : d.ia) sum += x;
      for (const auto& t : d.ta) sum += static_cast<std::int64_t>(t.size());
      for (double f : d.fa) sum += q4(f);
      elems += static_cast<std::int64_t>(d.ia.size() + d.ta.size() + d.fa.size()) + 1;
    }
    return static_cast<long long>(v.size());
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

struct pet {
  std::int64_t id, owner_id;
  std::string name;
  std::int32_t age;
};
struct owner_row {
  std::int64_t id;
  std::string name, email;
  pgpx::timestamptz created;
  std::int32_t score;
};
struct owner {
  owner_row row;
  std::vector<pet> pets;
};

/// W11 with pgpx typed rows (api=orm: pgpx_orm.cpp).
void w11(cell& c) {
  if (c.p().str("api") == "orm") return w11_orm(c);
  auto cx = connect(c);
  const long long n = c.p().num("n"), iters = c.p().num("iters");
  if (c.p().str("op") == "update") {
    long long affected = 0;
    c.start({cx.backend_pid()});
    for (long long it = 0; it < iters; ++it) {
      pgpx::transaction tx{cx};
      for (std::int64_t i = 1; i <= n; ++i)
        affected += static_cast<long long>(
            tx.execute("update owner set score = $2 where id = $1", i, static_cast<std::int32_t>(i % 1000)));
      tx.commit();
    }
    c.stop(n * iters, affected);
    return;
  }
  std::int64_t sum = 0;
  auto one = [&]() -> long long {
    auto rows =
        cx.query<owner_row>("select id, name, email, created, score from owner where id between $1 and $2 order by id",
                            std::int64_t{1}, static_cast<std::int64_t>(n));
    auto pets =
        cx.query<pet>("select id, owner_id, name, age from pet where owner_id between $1 and $2 order by owner_id, id",
                      std::int64_t{1}, static_cast<std::int64_t>(n));
    std::vector<owner> os;
    os.reserve(rows.size());
    for (auto& r : rows) os.push_back(owner{std::move(r), {}});
    std::size_t at = 0;
    for (auto& p : pets) {
      while (os[at].row.id != p.owner_id) ++at;
      os[at].pets.push_back(std::move(p));
    }
    for (const auto& o : os) {
      sum += o.row.id + static_cast<std::int64_t>(o.row.name.size() + o.row.email.size()) + secs(o.row.created) +
             o.row.score;
      for (const auto& p : o.pets) sum += p.id + p.owner_id + static_cast<std::int64_t>(p.name.size()) + p.age;
    }
    return static_cast<long long>(os.size());
  };
  one();
  sum = 0;
  long long total = 0;
  c.start({cx.backend_pid()});
  for (long long it = 0; it < iters; ++it) total += one();
  c.stop(total, sum);
}

void w12(cell& c) {
  auto cx = connect(c);
  const std::string sql = c.p().str("sql");
  const bool text = c.p().str("kind") == "text";
  const long long iters = c.p().num("iters");
  std::int64_t sum = 0, bytes = 0;
  auto one = [&]() {
    if (text) {
      for (const auto& s : cx.query<std::string>(sql)) {
        sum += static_cast<std::int64_t>(s.size()) + static_cast<std::uint8_t>(s[0]);
        bytes += static_cast<std::int64_t>(s.size());
      }
    } else {
      for (const auto& b : cx.query<pgpx::bytea>(sql)) {
        sum += static_cast<std::int64_t>(b.size()) + static_cast<std::uint8_t>(b[0]);
        bytes += static_cast<std::int64_t>(b.size());
      }
    }
  };
  one();
  sum = 0;
  bytes = 0;
  c.start({cx.backend_pid()});
  for (long long it = 0; it < iters; ++it) one();
  c.extra("bytes", static_cast<double>(bytes));
  c.stop(iters, sum);
}

void w13(cell& c) {
  const long long n = c.p().num("n");
  std::int64_t sum = 0;
  c.start({});
  for (long long i = 0; i < n; ++i) {
    pgpx::connection cx(c.conninfo());
    sum += cx.query_value<std::int32_t>("select 1");
  }
  c.stop(n, sum);
}

}  // namespace

int main() {
  const std::map<std::string, handler> h{
      {"W1", w1},
      {"W2", w2},
      {"W3", w3},
      {"W3s", w3s},
      {"W4", w4},
      {"W5", w5_orm},
      {"W6", w6},
      {"W7", w7},
      {"W8", [](cell& c) { pool_cell(c, false); }},
      {"W9", [](cell& c) { pool_cell(c, true); }},
      {"W10", w10},
      {"W11", w11},
      {"W12", w12},
      {"W13", w13},
  };
  return serve("pgpx", PGPX_VERSION_STRING, h);
}
