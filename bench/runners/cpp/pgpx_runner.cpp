// bench/runners/cpp/pgpx_runner.cpp: the pgpx peer, through pgpx's public API only.
//
// Workloads that need what pgpx does not have yet answer "missing" with the reason, so the
// report lists them. To add one later, implement its handler and register it in main():
//   W3s streaming, W4 b/d/e (pipeline, COPY), W6 pipelined, W7 pipeline, W8/W9 pool,
//   W5 and W11 ORM.
#include "runner.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/types/array.hpp>
#include <pgpx/types/chrono.hpp>
#include <pgpx/types/numeric.hpp>
#include <pgpx/types/uuid.hpp>
#include <pgpx/version.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace bench;

namespace {

constexpr const char* not_yet_pipeline = "pipeline mode not implemented in pgpx yet";
constexpr const char* not_yet_copy = "COPY not implemented in pgpx yet";
constexpr const char* not_yet_pool = "pool not implemented in pgpx yet";
constexpr const char* not_yet_stream = "streaming not implemented in pgpx yet";
constexpr const char* not_yet_orm = "ORM not implemented in pgpx yet";

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

struct wide {
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
  pgpx::uuid u;
  pgpx::numeric amount;
  pgpx::bytea blob;
};
struct wide_view {
  std::int64_t id;
  std::int32_t a, b;
  std::int16_t c;
  std::int64_t d;
  double f1;
  float f2;
  bool flag;
  std::string_view s_short, s_med, vc;
  pgpx::timestamptz ts;
  pgpx::date dt;
  pgpx::uuid u;
  pgpx::numeric amount;
  pgpx::bytea blob;
};
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
  if (c.p().str("format") == "text") c.missing("typed decoding of text-format results is not in pgpx (binary only)");
  auto cx = connect(c);
  const std::string sql = c.p().str("sql"), table = c.p().str("table");
  const bool views = c.p().str("strings") == "view";
  const long long n = c.p().num("n"), iters = c.p().num("iters"), warm = c.p().num("warmup"),
                  rows = c.p().num("rows");
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

void w4(cell& c) {
  const std::string method = c.p().str("method");
  if (method == "b") c.missing(not_yet_pipeline);
  if (method == "d" || method == "e") c.missing(not_yet_copy);
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
  {
    pgpx::transaction tx{cx};
    if (method == "a") {
      for (long long i = 0; i < n; ++i)
        tx.execute("insert into ins7 values ($1, $2, $3, $4, $5, $6, $7)", std::int32_t{10}, std::int32_t{11},
                   std::int32_t{10}, d, 10.333, std::int32_t{12341234}, g);
    } else {
      pgpx::param_list p;
      for (long long r = 0; r < batch; ++r)
        p.add(std::int32_t{10}).add(std::int32_t{11}).add(std::int32_t{10}).add(d).add(10.333)
            .add(std::int32_t{12341234}).add(g);
      for (long long i = 0; i < n; i += batch) tx.exec_params(multi, p);
    }
    tx.commit();
  }
  const auto rows = cx.query_value<std::int64_t>("select count(*) from ins7");
  c.stop(n, rows);
}

void w6(cell& c) {
  if (c.p().str("exec") == "pipelined") c.missing(not_yet_pipeline);
  auto cx = connect(c);
  const long long units = c.p().num("n"), seed = c.p().num("seed");
  cx.execute("truncate w6_log");
  cx.execute("update w6_acct set v = 0");
  const std::string note = "unit of work note";
  std::int64_t sum = 0;
  c.start({cx.backend_pid()});
  for (long long u = 0; u < units; ++u) {
    for (long long j = 0; j < 4; ++j)
      for (const auto& [id, w] : cx.query<std::tuple<std::int64_t, std::int32_t>>(
               "select id, weight from person where id = $1", static_cast<std::int64_t>(point_id(u * 4 + j, seed, 100000))))
        sum += id + w;
    for (long long j = 0; j < 3; ++j)
      sum += static_cast<std::int64_t>(cx.execute("update w6_acct set v = v + 1 where id = $1",
                                                  static_cast<std::int64_t>((u * 3 + j) % 10000 + 1)));
    for (std::int32_t j = 7; j < 10; ++j)
      sum += static_cast<std::int64_t>(
          cx.execute("insert into w6_log (unit, k, note) values ($1, $2, $3)", static_cast<std::int64_t>(u), j, note));
  }
  c.stop(units, sum);
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

/// W11 with pgpx typed rows (the ORM itself is missing).
void w11(cell& c) {
  if (c.p().str("api") == "orm") c.missing(not_yet_orm);
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
    auto rows = cx.query<owner_row>(
        "select id, name, email, created, score from owner where id between $1 and $2 order by id", std::int64_t{1},
        static_cast<std::int64_t>(n));
    auto pets = cx.query<pet>(
        "select id, owner_id, name, age from pet where owner_id between $1 and $2 order by owner_id, id",
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
  auto missing = [](const char* reason) { return [reason](cell& c) { c.missing(reason); }; };
  const std::map<std::string, handler> h{
      {"W1", w1},
      {"W2", w2},
      {"W3", w3},
      {"W3s", missing(not_yet_stream)},
      {"W4", w4},
      {"W5", missing(not_yet_orm)},
      {"W6", w6},
      {"W7", missing(not_yet_pipeline)},
      {"W8", missing(not_yet_pool)},
      {"W9", missing(not_yet_pool)},
      {"W10", w10},
      {"W11", w11},
      {"W12", w12},
      {"W13", w13},
  };
  return serve("pgpx", PGPX_VERSION_STRING, h);
}
