// bench/runners/cpp/soci_runner.cpp: the SOCI 4.0 peer (PostgreSQL backend, text format).
// Best: a prepared soci::statement re-executed, bulk into(std::vector<...>) fetch,
// use(std::vector) bulk insert (row by row inside SOCI), soci::connection_pool.
// Default: one-time `sql << "...", into(..), use(..)` per query.
#include "runner.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <ctime>
#include <thread>

using namespace bench;

namespace {

/// SOCI uses :name placeholders; the orchestrator's SQL uses $n.
auto soci_sql(std::string s) -> std::string {
  for (std::size_t p = s.find('$'); p != std::string::npos; p = s.find('$', p)) s.replace(p, 1, ":p");
  return s;
}

auto connect(const cell& c) -> std::unique_ptr<soci::session> {
  return std::make_unique<soci::session>(*soci::factory_postgresql(), c.conninfo());
}

auto backend_pid(soci::session& s) -> int {
  int pid = 0;
  s << "select pg_backend_pid()", soci::into(pid);
  return pid;
}

auto epoch(std::tm t) -> std::int64_t { return static_cast<std::int64_t>(timegm(&t)); }
auto days(std::tm t) -> std::int64_t { return epoch(t) / 86400; }

void w1(cell& c) {
  auto s = connect(c);
  const std::string sql = soci_sql(c.p().str("sql"));
  const long long n = c.p().num("n"), warm = c.p().num("warmup"), seed = c.p().num("seed"), rows = c.p().num("rows");
  long long id = 0, pid = 0;
  std::string fn, ln, sx;
  std::tm bd{}, ut{};
  int w = 0, h = 0;
  std::int64_t sum = 0;
  std::unique_ptr<soci::statement> st;
  if (!c.mode_default()) {
    st = std::make_unique<soci::statement>((s->prepare << sql, soci::into(pid), soci::into(fn), soci::into(ln),
                                            soci::into(sx), soci::into(bd), soci::into(w), soci::into(h),
                                            soci::into(ut), soci::use(id, "p1")));
  }
  auto one = [&](long long i) {
    id = point_id(i, seed, rows);
    if (st) {
      st->execute(true);
    } else {
      *s << sql, soci::into(pid), soci::into(fn), soci::into(ln), soci::into(sx), soci::into(bd), soci::into(w),
          soci::into(h), soci::into(ut), soci::use(id, "p1");
    }
    sum += pid + static_cast<std::int64_t>(fn.size() + ln.size() + sx.size()) + days(bd) + w + h + epoch(ut);
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  c.reserve_latencies(static_cast<std::size_t>(n));
  c.start({backend_pid(*s)});
  for (long long i = 0; i < n; ++i) {
    const auto t = cell::now_ns();
    one(i);
    c.latency(cell::now_ns() - t);
  }
  c.stop(n, sum);
}

void w2(cell& c) {
  auto s = connect(c);
  const std::string sql = soci_sql(c.p().str("sql")), prep = c.p().str("prep");
  const bool trivial = c.p().str("query") == "trivial";
  const long long n = c.p().num("n"), warm = c.p().num("warmup"), seed = c.p().num("seed"), rows = c.p().num("rows");
  long long id = 0, a = 0, b = 0, d = 0;
  std::int64_t sum = 0;
  std::unique_ptr<soci::statement> st;
  if (prep == "prepared") {
    if (trivial) st = std::make_unique<soci::statement>((s->prepare << sql, soci::into(a), soci::use(id, "p1")));
    else
      st = std::make_unique<soci::statement>(
          (s->prepare << sql, soci::into(a), soci::into(b), soci::into(d), soci::use(id, "p1")));
  }
  auto one = [&](long long i) {
    id = point_id(i, seed, rows);
    if (st) st->execute(true);
    else if (trivial) *s << sql, soci::into(a), soci::use(id, "p1");
    else *s << sql, soci::into(a), soci::into(b), soci::into(d), soci::use(id, "p1");
    sum += a + b + d;
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  c.start({backend_pid(*s)});
  for (long long i = 0; i < n; ++i) one(i);
  c.stop(n, sum);
}

auto hexval(char ch) -> int { return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10; }

void w3(cell& c) {
  auto s = connect(c);
  const std::string sql = soci_sql(c.p().str("sql"));
  const bool nonum = c.p().str("table") == "wide_row_nonum";
  const long long n = c.p().num("n"), iters = c.p().num("iters"), warm = c.p().num("warmup"), rows = c.p().num("rows");
  const auto sz = static_cast<std::size_t>(n);
  std::vector<long long> id(sz), d(sz);
  std::vector<int> a(sz), b(sz), cc(sz);
  std::vector<double> f1(sz), f2(sz);
  std::vector<std::string> flag(sz), s_short(sz), s_med(sz), vc(sz), u(sz), amount(sz), blob(sz);
  std::vector<std::tm> ts(sz), dt(sz);
  long long lo = 0, hi = 0;
  std::int64_t sum = 0;
  std::unique_ptr<soci::statement> st;
  if (nonum) {
    st = std::make_unique<soci::statement>(
        (s->prepare << sql, soci::into(id), soci::into(a), soci::into(b), soci::into(cc), soci::into(d), soci::into(f1),
         soci::into(f2), soci::into(flag), soci::into(s_short), soci::into(s_med), soci::into(vc), soci::into(ts),
         soci::into(dt), soci::into(u), soci::into(blob), soci::use(lo, "p1"), soci::use(hi, "p2")));
  } else {
    st = std::make_unique<soci::statement>((
        s->prepare << sql, soci::into(id), soci::into(a), soci::into(b), soci::into(cc), soci::into(d), soci::into(f1),
        soci::into(f2), soci::into(flag), soci::into(s_short), soci::into(s_med), soci::into(vc), soci::into(ts),
        soci::into(dt), soci::into(u), soci::into(amount), soci::into(blob), soci::use(lo, "p1"), soci::use(hi, "p2")));
  }
  auto one = [&](long long it) -> long long {
    lo = 1 + (it * 7919) % std::max(1LL, rows - n + 1);
    hi = lo + n - 1;
    for (auto* v : {&id, &d}) v->resize(sz);
    for (auto* v : {&a, &b, &cc}) v->resize(sz);
    for (auto* v : {&f1, &f2}) v->resize(sz);
    for (auto* v : {&flag, &s_short, &s_med, &vc, &u, &amount, &blob}) v->resize(sz);
    ts.resize(sz);
    dt.resize(sz);
    st->execute(true);
    const std::size_t got = id.size();
    for (std::size_t i = 0; i < got; ++i) {
      const std::string& uu = u[i];
      std::int64_t whole = 0;
      if (!nonum) std::from_chars(amount[i].data(), amount[i].data() + amount[i].size(), whole);
      // bytea arrives as its hex text "\x..." (SOCI 4.0 does not decode it)
      const std::int64_t blen = static_cast<std::int64_t>(blob[i].size() - 2) / 2;
      const std::int64_t b0 = hexval(blob[i][2]) * 16 + hexval(blob[i][3]);
      sum += id[i] + a[i] + b[i] + cc[i] + d[i] + q4(f1[i]) + q4(f2[i]) + (flag[i] == "t" ? 1 : 0) +
             static_cast<std::int64_t>(s_short[i].size() + s_med[i].size() + vc[i].size()) + epoch(ts[i]) +
             days(dt[i]) + hexval(uu[uu.size() - 2]) * 16 + hexval(uu.back()) + whole + blen + b0;
    }
    return static_cast<long long>(got);
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  long long total = 0;
  c.start({backend_pid(*s)});
  for (long long i = 0; i < iters; ++i) total += one(i);
  c.stop(total, sum);
}

void w4(cell& c) {
  const std::string method = c.p().str("method");
  if (method != "a" && method != "b") c.not_applicable("no multi-row or COPY API in SOCI");
  auto s = connect(c);
  const long long n = c.p().num("n"), batch = c.p().num("batch", 1000);
  *s << "truncate ins7";
  int a = 10, b = 11, cc = 10, f = 12341234;
  double e = 10.333;
  std::string d = "TESTTESTTEST", g = "123412341234";
  const std::string sql = "insert into ins7 values (:a, :b, :c, :d, :e, :f, :g)";
  c.start({backend_pid(*s)});
  {
    soci::transaction tx(*s);
    if (method == "a") {
      soci::statement st = (s->prepare << sql, soci::use(a), soci::use(b), soci::use(cc), soci::use(d), soci::use(e),
                            soci::use(f), soci::use(g));
      for (long long i = 0; i < n; ++i) st.execute(true);
    } else {
      const auto sz = static_cast<std::size_t>(batch);
      std::vector<int> va(sz, 10), vb(sz, 11), vc(sz, 10), vf(sz, 12341234);
      std::vector<double> ve(sz, 10.333);
      std::vector<std::string> vd(sz, d), vg(sz, g);
      soci::statement st = (s->prepare << sql, soci::use(va), soci::use(vb), soci::use(vc), soci::use(vd),
                            soci::use(ve), soci::use(vf), soci::use(vg));
      for (long long i = 0; i < n; i += batch) st.execute(true);
    }
    tx.commit();
  }
  long long rows = 0;
  *s << "select count(*) from ins7", soci::into(rows);
  c.stop(n, rows);
}

/// W8: pool checkout without SQL; W9: W1 queries through the pool.
void pool_cell(cell& c, bool with_sql) {
  const long long threads = c.p().num("threads"), size = c.p().num("pool"), ms = c.p().num("duration_ms");
  const long long seed = c.p().num("seed"), rows = c.p().num("rows");
  soci::connection_pool pool(static_cast<std::size_t>(size));
  std::vector<int> pids;
  for (long long i = 0; i < size; ++i) {
    pool.at(static_cast<std::size_t>(i)).open(*soci::factory_postgresql(), c.conninfo());
    pids.push_back(backend_pid(pool.at(static_cast<std::size_t>(i))));
  }
  const std::string sql = soci_sql(c.p().str("sql"));
  std::atomic<bool> stop{false};
  std::vector<long long> ops(static_cast<std::size_t>(threads));
  std::vector<std::vector<std::int64_t>> lats(static_cast<std::size_t>(threads));
  std::vector<std::int64_t> sums(static_cast<std::size_t>(threads));
  c.start(pids);
  std::vector<std::thread> ts;
  for (long long t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      auto& lat = lats[static_cast<std::size_t>(t)];
      lat.reserve(1 << 16);
      long long k = 0;
      std::int64_t sum = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        // Acquire latency is sampled on every 8th cycle: two precise clock reads cost about
        // as much as a whole uncontended cycle here, and would otherwise be counted in it.
        const bool timed = (k & 7) == 0;
        const auto t0 = timed ? cell::now_ns() : 0;
        soci::session s(pool);
        if (timed && lat.size() < (1u << 20)) lat.push_back(cell::now_ns() - t0);
        if (with_sql) {
          long long id = point_id(t * 1000003 + k, seed, rows), pid = 0;
          std::string fn, ln, sx;
          std::tm bd{}, ut{};
          int w = 0, h = 0;
          s << sql, soci::into(pid), soci::into(fn), soci::into(ln), soci::into(sx), soci::into(bd), soci::into(w),
              soci::into(h), soci::into(ut), soci::use(id, "p1");
          sum += pid;
        } else {
          sum += s.get_backend() != nullptr ? 1 : 0;
        }
        ++k;
      }
      ops[static_cast<std::size_t>(t)] = k;
      sums[static_cast<std::size_t>(t)] = sum;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  stop = true;
  for (auto& th : ts) th.join();
  long long total = 0, mx = 0, mn = -1;
  std::vector<std::int64_t> all;
  for (std::size_t t = 0; t < ops.size(); ++t) {
    total += ops[t];
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
  c.stop(total, 0);
}

void w12(cell& c) {
  auto s = connect(c);
  const std::string sql = c.p().str("sql");
  const bool text = c.p().str("kind") == "text";
  const long long iters = c.p().num("iters");
  std::int64_t sum = 0, bytes = 0;
  auto one = [&]() {
    soci::rowset<std::string> rs = (s->prepare << sql);
    for (const auto& v : rs) {
      // bytea arrives as hex text "\x..." (SOCI 4.0 does not decode it)
      const std::int64_t len = text ? static_cast<std::int64_t>(v.size()) : static_cast<std::int64_t>(v.size() - 2) / 2;
      const std::int64_t b0 = text ? static_cast<std::uint8_t>(v[0]) : hexval(v[2]) * 16 + hexval(v[3]);
      sum += len + b0;
      bytes += len;
    }
  };
  one();
  sum = 0;
  bytes = 0;
  c.start({backend_pid(*s)});
  for (long long it = 0; it < iters; ++it) one();
  c.extra("bytes", static_cast<double>(bytes));
  c.stop(iters, sum);
}

void w13(cell& c) {
  const long long n = c.p().num("n");
  std::int64_t sum = 0;
  c.start({});
  for (long long i = 0; i < n; ++i) {
    soci::session s(*soci::factory_postgresql(), c.conninfo());
    int one = 0;
    s << "select 1", soci::into(one);
    sum += one;
  }
  c.stop(n, sum);
}

}  // namespace

int main() {
  const std::map<std::string, handler> h{{"W1", w1},
                                         {"W2", w2},
                                         {"W3", w3},
                                         {"W4", w4},
                                         {"W8", [](cell& c) { pool_cell(c, false); }},
                                         {"W9", [](cell& c) { pool_cell(c, true); }},
                                         {"W12", w12},
                                         {"W13", w13}};
  return serve("soci", "4.0.3", h);
}
