// bench/runners/cpp/raw.cpp: the raw libpq floor. Hand-written: prepared statements, binary
// results decoded straight into structs, libpq pipeline mode, COPY binary with a hand-rolled
// encoder. Not a peer: the physical reference every ratio is taken against.
#include "pq_util.hpp"

#include <cmath>
#include <cstring>

#include <optional>

using namespace bench;
using namespace bench::pq;

namespace {

struct person {
  std::int64_t id;
  std::string first_name, last_name, sex;
  std::int32_t birth_date;  // days since 2000-01-01
  std::int32_t weight, height;
  std::int64_t update_time;  // microseconds since 2000-01-01
};

auto str(const PGresult* r, int i, int c) -> std::string {
  return std::string(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c)));
}

auto decode_person(const PGresult* r, int i) -> person {
  person p;
  p.id = be64(PQgetvalue(r, i, 0));
  p.first_name = str(r, i, 1);
  p.last_name = str(r, i, 2);
  p.sex = str(r, i, 3);
  p.birth_date = be32(PQgetvalue(r, i, 4));
  p.weight = be32(PQgetvalue(r, i, 5));
  p.height = be32(PQgetvalue(r, i, 6));
  p.update_time = be64(PQgetvalue(r, i, 7));
  return p;
}

auto sum_person(const person& p) -> std::int64_t {
  return p.id + static_cast<std::int64_t>(p.first_name.size() + p.last_name.size() + p.sex.size()) +
         (p.birth_date + pg_epoch_days) + p.weight + p.height + floor_div(p.update_time, 1'000'000) + pg_epoch_secs;
}

/// W0 / W1: sequential dependent point selects by primary key into a struct.
void w1(cell& c) {
  auto cx = connect(c.conninfo());
  prepare(cx.get(), "w1", c.p().str("sql").c_str());
  const long long n = c.p().num("n"), warm = c.p().num("warmup"), seed = c.p().num("seed"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  auto one = [&](long long i) {
    char buf[8];
    const std::int64_t id = point_id(i, seed, rows);
    const auto be = __builtin_bswap64(static_cast<std::uint64_t>(id));
    std::memcpy(buf, &be, 8);
    const char* vals[1] = {buf};
    const int lens[1] = {8}, fmts[1] = {1};
    PGresult* r = PQexecPrepared(cx.get(), "w1", 1, vals, lens, fmts, 1);
    check(cx.get(), r, "w1");
    const int nt = PQntuples(r);
    for (int k = 0; k < nt; ++k) sum += sum_person(decode_person(r, k));
    PQclear(r);
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  c.reserve_latencies(static_cast<std::size_t>(n));
  c.start({PQbackendPID(cx.get())});
  for (long long i = 0; i < n; ++i) {
    const auto t = cell::now_ns();
    one(i);
    c.latency(cell::now_ns() - t);
  }
  c.stop(n, sum);
}

/// W2: prepared / unnamed (parse every time) / default API on the same SQL.
void w2(cell& c) {
  auto cx = connect(c.conninfo());
  const std::string sql = c.p().str("sql"), prep = c.p().str("prep");
  const long long n = c.p().num("n"), warm = c.p().num("warmup"), seed = c.p().num("seed"), rows = c.p().num("rows");
  if (prep == "prepared") prepare(cx.get(), "w2", sql.c_str());
  std::int64_t sum = 0;
  auto one = [&](long long i) {
    char buf[8];
    const auto be = __builtin_bswap64(static_cast<std::uint64_t>(point_id(i, seed, rows)));
    std::memcpy(buf, &be, 8);
    const char* vals[1] = {buf};
    const int lens[1] = {8}, fmts[1] = {1};
    const Oid types[1] = {20};
    PGresult* r = prep == "prepared" ? PQexecPrepared(cx.get(), "w2", 1, vals, lens, fmts, 1)
                                     : PQexecParams(cx.get(), sql.c_str(), 1, types, vals, lens, fmts, 1);
    check(cx.get(), r, "w2");
    for (int k = 0; k < PQntuples(r); ++k)
      for (int f = 0; f < PQnfields(r); ++f) sum += be64(PQgetvalue(r, k, f));
    PQclear(r);
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  c.start({PQbackendPID(cx.get())});
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
  std::int64_t ts;  // us since 2000
  std::int32_t dt;  // days since 2000
  std::array<std::uint8_t, 16> u;
  std::int64_t amount;  // cents
  std::vector<std::uint8_t> blob;
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
  std::int64_t ts;
  std::int32_t dt;
  std::array<std::uint8_t, 16> u;
  std::int64_t amount;
  std::string_view blob;
};

template <class W>
auto sum_wide(const W& w) -> std::int64_t {
  return w.id + w.a + w.b + w.c + w.d + q4(w.f1) + q4(w.f2) + (w.flag ? 1 : 0) +
         static_cast<std::int64_t>(w.s_short.size() + w.s_med.size() + w.vc.size()) + floor_div(w.ts, 1'000'000) +
         pg_epoch_secs + w.dt + pg_epoch_days + w.u[15] + w.amount / 100 + static_cast<std::int64_t>(w.blob.size()) +
         static_cast<std::uint8_t>(w.blob[0]);
}

template <class W>
void decode_wide_bin(const PGresult* r, int i, W& w, bool nonum) {
  w.id = be64(PQgetvalue(r, i, 0));
  w.a = be32(PQgetvalue(r, i, 1));
  w.b = be32(PQgetvalue(r, i, 2));
  w.c = be16(PQgetvalue(r, i, 3));
  w.d = be64(PQgetvalue(r, i, 4));
  w.f1 = f64(PQgetvalue(r, i, 5));
  w.f2 = f32(PQgetvalue(r, i, 6));
  w.flag = *PQgetvalue(r, i, 7) != 0;
  auto sv = [&](int col) {
    return std::string_view(PQgetvalue(r, i, col), static_cast<std::size_t>(PQgetlength(r, i, col)));
  };
  w.s_short = sv(8);
  w.s_med = sv(9);
  w.vc = sv(10);
  w.ts = be64(PQgetvalue(r, i, 11));
  w.dt = be32(PQgetvalue(r, i, 12));
  if (nonum) {  // u is text, no amount column
    const char* t = PQgetvalue(r, i, 13);
    const int len = PQgetlength(r, i, 13);
    w.u = {};
    w.u[15] = static_cast<std::uint8_t>(hexval(t[len - 2]) * 16 + hexval(t[len - 1]));
    w.amount = 0;
    const std::string_view b = sv(14);
    if constexpr (std::is_same_v<W, wide>) w.blob.assign(b.begin(), b.end());
    else w.blob = b;
  } else {
    std::memcpy(w.u.data(), PQgetvalue(r, i, 13), 16);
    w.amount = numeric_cents(PQgetvalue(r, i, 14));
    const std::string_view b = sv(15);
    if constexpr (std::is_same_v<W, wide>) w.blob.assign(b.begin(), b.end());
    else w.blob = b;
  }
}

void decode_wide_text(const PGresult* r, int i, wide& w) {
  auto sv = [&](int col) {
    return std::string_view(PQgetvalue(r, i, col), static_cast<std::size_t>(PQgetlength(r, i, col)));
  };
  auto toi = [&](int col, auto& out) {
    auto s = sv(col);
    std::from_chars(s.data(), s.data() + s.size(), out);
  };
  toi(0, w.id);
  toi(1, w.a);
  toi(2, w.b);
  toi(3, w.c);
  toi(4, w.d);
  toi(5, w.f1);
  toi(6, w.f2);
  w.flag = *PQgetvalue(r, i, 7) == 't';
  w.s_short = sv(8);
  w.s_med = sv(9);
  w.vc = sv(10);
  const char* ts = PQgetvalue(r, i, 11);
  w.ts = (text_ts_secs(ts) - pg_epoch_secs) * 1'000'000;
  w.dt = static_cast<std::int32_t>(text_date_days(PQgetvalue(r, i, 12)) - pg_epoch_days);
  const char* u = PQgetvalue(r, i, 13);
  for (int k = 0, o = 0; k < 16; ++k, o += 2) {
    if (u[o] == '-') ++o;
    w.u[k] = static_cast<std::uint8_t>(hexval(u[o]) * 16 + hexval(u[o + 1]));
  }
  auto am = sv(14);
  std::int64_t whole = 0, frac = 0;
  const auto dot = am.find('.');
  std::from_chars(am.data(), am.data() + (dot == std::string_view::npos ? am.size() : dot), whole);
  if (dot != std::string_view::npos) std::from_chars(am.data() + dot + 1, am.data() + am.size(), frac);
  w.amount = whole * 100 + frac;
  auto hex = sv(15);  // "\x...."
  w.blob.resize((hex.size() - 2) / 2);
  for (std::size_t k = 0; k < w.blob.size(); ++k)
    w.blob[k] = static_cast<std::uint8_t>(hexval(hex[2 + 2 * k]) * 16 + hexval(hex[3 + 2 * k]));
}

/// W3: fetch N rows into structs (binary or text, std::string or views, with/without numeric).
void w3(cell& c) {
  auto cx = connect(c.conninfo());
  const bool text = c.p().str("format") == "text", views = c.p().str("strings") == "view",
             nonum = c.p().str("table") == "wide_row_nonum";
  prepare(cx.get(), "w3", c.p().str("sql").c_str());
  const long long n = c.p().num("n"), iters = c.p().num("iters"), warm = c.p().num("warmup"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  std::vector<wide> out;
  std::vector<wide_view> outv;
  auto one = [&](long long it) {
    const std::int64_t lo = 1 + (it * 7919) % std::max(1LL, rows - n + 1), hi = lo + n - 1;
    bin_params p;
    p.i8(lo);
    p.i8(hi);
    PGresult* r = PQexecPrepared(cx.get(), "w3", 2, p.values(), p.lengths(), p.formats(), text ? 0 : 1);
    check(cx.get(), r, "w3");
    const int nt = PQntuples(r);
    if (views) {
      outv.resize(static_cast<std::size_t>(nt));
      for (int i = 0; i < nt; ++i) decode_wide_bin(r, i, outv[static_cast<std::size_t>(i)], nonum);
      for (const auto& w : outv) sum += sum_wide(w);
    } else {
      out.clear();
      out.resize(static_cast<std::size_t>(nt));
      for (int i = 0; i < nt; ++i) {
        if (text) decode_wide_text(r, i, out[static_cast<std::size_t>(i)]);
        else {
          // decode into a view first, then own the strings (one copy, like any owning struct)
          wide_view v;
          decode_wide_bin(r, i, v, nonum);
          wide& w = out[static_cast<std::size_t>(i)];
          w.id = v.id;
          w.a = v.a;
          w.b = v.b;
          w.c = v.c;
          w.d = v.d;
          w.f1 = v.f1;
          w.f2 = v.f2;
          w.flag = v.flag;
          w.s_short.assign(v.s_short);
          w.s_med.assign(v.s_med);
          w.vc.assign(v.vc);
          w.ts = v.ts;
          w.dt = v.dt;
          w.u = v.u;
          w.amount = v.amount;
          w.blob.assign(v.blob.begin(), v.blob.end());
        }
      }
      for (const auto& w : out) sum += sum_wide(w);
    }
    PQclear(r);
    return nt;
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  long long total = 0;
  c.start({PQbackendPID(cx.get())});
  for (long long i = 0; i < iters; ++i) total += one(i);
  c.stop(total, sum);
}

/// W3s: stream many rows with bounded memory (cursor, FETCH chunk).
void w3s(cell& c) {
  auto cx = connect(c.conninfo());
  const long long n = c.p().num("n"), chunk = c.p().num("chunk");
  std::string fetch = "fetch " + std::to_string(chunk) + " from w3s";
  std::int64_t sum = 0;
  long long total = 0;
  c.start({PQbackendPID(cx.get())});
  exec(cx.get(), "begin");
  bin_params p;
  p.i8(n);
  const std::string decl = "declare w3s binary cursor for " + c.p().str("sql");
  PGresult* d = PQexecParams(cx.get(), decl.c_str(), 1, nullptr, p.values(), p.lengths(), p.formats(), 1);
  check(cx.get(), d, "declare");
  PQclear(d);
  std::vector<wide> out;
  for (;;) {
    PGresult* r = PQexecParams(cx.get(), fetch.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1);
    check(cx.get(), r, "fetch");
    const int nt = PQntuples(r);
    out.resize(static_cast<std::size_t>(nt));
    for (int i = 0; i < nt; ++i) {
      wide_view v;
      decode_wide_bin(r, i, v, false);
      wide& w = out[static_cast<std::size_t>(i)];
      w.id = v.id;
      w.a = v.a;
      w.b = v.b;
      w.c = v.c;
      w.d = v.d;
      w.f1 = v.f1;
      w.f2 = v.f2;
      w.flag = v.flag;
      w.s_short.assign(v.s_short);
      w.s_med.assign(v.s_med);
      w.vc.assign(v.vc);
      w.ts = v.ts;
      w.dt = v.dt;
      w.u = v.u;
      w.amount = v.amount;
      w.blob.assign(v.blob.begin(), v.blob.end());
      sum += sum_wide(w);
    }
    PQclear(r);
    total += nt;
    if (nt < chunk) break;
  }
  exec(cx.get(), "commit");
  c.stop(total, sum);
}

// ---- W4: insert rows of ins7, five methods ----
constexpr const char* ins7_sql = "insert into ins7 values ($1, $2, $3, $4, $5, $6, $7)";

void add_ins7(bin_params& p) {
  p.i4(10);
  p.i4(11);
  p.i4(10);
  p.text("TESTTESTTEST");
  p.f8(10.333);
  p.i4(12341234);
  p.text("123412341234");
}

void copy_put(PGconn* cx, std::string& buf, bool force) {
  if (buf.size() >= 65536 || (force && !buf.empty())) {
    if (PQputCopyData(cx, buf.data(), static_cast<int>(buf.size())) != 1)
      throw std::runtime_error(std::string("copy: ") + PQerrorMessage(cx));
    buf.clear();
  }
}

void copy_end(PGconn* cx) {
  if (PQputCopyEnd(cx, nullptr) != 1) throw std::runtime_error(std::string("copy end: ") + PQerrorMessage(cx));
  PGresult* r = PQgetResult(cx);
  check(cx, r, "copy");
  PQclear(r);
  while ((r = PQgetResult(cx)) != nullptr) PQclear(r);
}

void w4(cell& c) {
  auto cx = connect(c.conninfo());
  PGconn* k = cx.get();
  const std::string method = c.p().str("method");
  const long long n = c.p().num("n"), batch = c.p().num("batch", 1000);
  exec(k, "truncate ins7");
  const Oid types[7] = {23, 23, 23, 25, 701, 23, 25};
  if (method == "a" || method == "b") prepare(k, "ins", ins7_sql, 7, types);
  if (method == "c") {
    std::string sql = "insert into ins7 values ";
    std::vector<Oid> t;
    for (long long r = 0; r < batch; ++r) {
      sql += r ? ",(" : "(";
      for (int f = 0; f < 7; ++f) {
        sql += (f ? ",$" : "$") + std::to_string(r * 7 + f + 1);
        t.push_back(types[f]);
      }
      sql += ")";
    }
    prepare(k, "multi", sql.c_str(), static_cast<int>(t.size()), t.data());
  }
  bin_params one;
  add_ins7(one);
  c.start({PQbackendPID(k)});
  if (method == "a") {
    exec(k, "begin");
    for (long long i = 0; i < n; ++i) {
      PGresult* r = PQexecPrepared(k, "ins", 7, one.values(), one.lengths(), one.formats(), 1);
      check(k, r, "insert");
      PQclear(r);
    }
    exec(k, "commit");
  } else if (method == "b") {
    const char* const* v = one.values();
    pipeline(
        k, n, batch, 2 * batch,
        [&](long long) { return PQsendQueryPrepared(k, "ins", 7, v, one.lengths(), one.formats(), 1); },
        [](PGresult*) {});
  } else if (method == "c") {
    bin_params p;
    for (long long r = 0; r < batch; ++r) add_ins7(p);
    const char* const* v = p.values();
    exec(k, "begin");
    for (long long i = 0; i < n; i += batch) {
      PGresult* r = PQexecPrepared(k, "multi", p.size(), v, p.lengths(), p.formats(), 1);
      check(k, r, "multi insert");
      PQclear(r);
    }
    exec(k, "commit");
  } else if (method == "d") {
    PGresult* r = PQexec(k, "copy ins7 from stdin (format binary)");
    check(k, r, "copy");
    PQclear(r);
    std::string buf("PGCOPY\n\377\r\n\0", 11);
    put32(buf, 0);
    put32(buf, 0);
    for (long long i = 0; i < n; ++i) {
      put16(buf, 7);
      put32(buf, 4);
      put32(buf, 10);
      put32(buf, 4);
      put32(buf, 11);
      put32(buf, 4);
      put32(buf, 10);
      put32(buf, 12);
      buf.append("TESTTESTTEST", 12);
      put32(buf, 8);
      putf64(buf, 10.333);
      put32(buf, 4);
      put32(buf, 12341234);
      put32(buf, 12);
      buf.append("123412341234", 12);
      copy_put(k, buf, false);
    }
    put16(buf, -1);
    copy_put(k, buf, true);
    copy_end(k);
  } else if (method == "e") {
    PGresult* r = PQexec(k, "copy ins7 from stdin");
    check(k, r, "copy");
    PQclear(r);
    std::string buf;
    for (long long i = 0; i < n; ++i) {
      buf += "10\t11\t10\tTESTTESTTEST\t10.333\t12341234\t123412341234\n";
      copy_put(k, buf, false);
    }
    copy_put(k, buf, true);
    copy_end(k);
  } else {
    c.not_applicable("unknown method");
  }
  const long long rows = count(k, "ins7");
  c.stop(n, rows);
}

// ---- W6: heterogeneous unit of work (4 selects, 3 updates, 3 inserts) ----
void w6(cell& c) {
  auto cx = connect(c.conninfo());
  PGconn* k = cx.get();
  const bool piped = c.p().str("exec") == "pipelined";
  const long long units = c.p().num("n"), seed = c.p().num("seed");
  exec(k, "truncate w6_log");
  exec(k, "update w6_acct set v = 0");
  prepare(k, "sel", "select id, weight from person where id = $1");
  prepare(k, "upd", "update w6_acct set v = v + 1 where id = $1");
  prepare(k, "ins", "insert into w6_log (unit, k, note) values ($1, $2, $3)");
  std::int64_t sum = 0;
  auto on_result = [&](PGresult* r) {
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(r); ++i) sum += be64(PQgetvalue(r, i, 0)) + be32(PQgetvalue(r, i, 1));
    } else {
      sum += std::atoll(PQcmdTuples(r));
    }
  };
  std::vector<bin_params> ps(10);
  auto send = [&](long long s, bool async) -> int {
    const long long u = s / 10, j = s % 10;
    bin_params& p = ps[static_cast<std::size_t>(j)];
    p.clear();
    const char* name;
    if (j < 4) {
      name = "sel";
      p.i8(point_id(u * 4 + j, seed, 100000));
    } else if (j < 7) {
      name = "upd";
      p.i8((u * 3 + (j - 4)) % 10000 + 1);
    } else {
      name = "ins";
      p.i8(u);
      p.i4(static_cast<std::int32_t>(j));
      p.text("unit of work note");
    }
    if (async) return PQsendQueryPrepared(k, name, p.size(), p.values(), p.lengths(), p.formats(), 1);
    PGresult* r = PQexecPrepared(k, name, p.size(), p.values(), p.lengths(), p.formats(), 1);
    check(k, r, name);
    on_result(r);
    PQclear(r);
    return 1;
  };
  c.start({PQbackendPID(k)});
  if (piped) {
    pipeline(
        k, units * 10, 10, 1000, [&](long long s) { return send(s, true); }, on_result);
  } else {
    for (long long s = 0; s < units * 10; ++s) send(s, false);
  }
  c.stop(units, sum);
}

/// W7: independent point selects on one connection, pipelined with depth `depth`.
void w7(cell& c) {
  auto cx = connect(c.conninfo());
  PGconn* k = cx.get();
  prepare(k, "w7", c.p().str("sql").c_str());
  const long long n = c.p().num("n"), depth = c.p().num("depth"), seed = c.p().num("seed"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  std::vector<std::uint64_t> ids(static_cast<std::size_t>(depth * 2 + 2));
  c.start({PQbackendPID(k)});
  pipeline(
      k, n, depth, depth,
      [&](long long i) {
        auto& slot = ids[static_cast<std::size_t>(i % static_cast<long long>(ids.size()))];
        slot = __builtin_bswap64(static_cast<std::uint64_t>(point_id(i, seed, rows)));
        const char* vals[1] = {reinterpret_cast<const char*>(&slot)};
        static const int lens[1] = {8}, fmts[1] = {1};
        return PQsendQueryPrepared(k, "w7", 1, vals, lens, fmts, 1);
      },
      [&](PGresult* r) {
        for (int i = 0; i < PQntuples(r); ++i) sum += sum_person(decode_person(r, i));
      });
  c.stop(n, sum);
}

// ---- W10: arrays and JSON ----
struct doc {
  std::int64_t id;
  std::string j;
  std::vector<std::int32_t> ia;
  std::vector<std::string> ta;
  std::vector<double> fa;
};

template <class T, class F>
void decode_array(const char* p, std::vector<T>& out, F elem) {
  const int ndim = be32(p);
  out.clear();
  if (ndim == 0) return;
  const int n = be32(p + 12);
  out.reserve(static_cast<std::size_t>(n));
  const char* q = p + 12 + 8 * ndim;
  for (int i = 0; i < n; ++i) {
    const int len = be32(q);
    q += 4;
    out.push_back(elem(q, len));
    q += len;
  }
}

// pgvector's vector(1536) (PGlite, the callgrind cells W10 callgrind/vector*): vector_send's
// form is a 2-byte dimension count, 2 unused bytes, then the floats in network order.
auto vector_float(const char* p) -> float {
  const auto u = static_cast<std::uint32_t>(be32(p));
  float f = 0;
  std::memcpy(&f, &u, 4);
  return f;
}

void w10_vectors(cell& c) {
  auto cx = connect(c.conninfo());
  PGconn* k = cx.get();
  prepare(k, "w10v", c.p().str("sql").c_str());
  const bool views = c.p().str("vectors") == "view";
  const long long iters = c.p().num("iters"), warm = c.p().num("warmup");
  std::int64_t sum = 0, elems = 0;
  auto one = [&]() -> long long {
    PGresult* r = PQexecPrepared(k, "w10v", 0, nullptr, nullptr, nullptr, 1);
    check(k, r, "w10v");
    const int nt = PQntuples(r);
    std::vector<std::vector<float>> out;  // fresh each time, as a result set's vectors are
    if (!views) out.resize(static_cast<std::size_t>(nt));
    for (int i = 0; i < nt; ++i) {
      const char* p = PQgetvalue(r, i, 1);
      const auto dim =
          static_cast<std::size_t>((static_cast<unsigned char>(p[0]) << 8) | static_cast<unsigned char>(p[1]));
      const char* f = p + 4;
      float s = 0;
      if (views) {  // read in place: every element once
        for (std::size_t d = 0; d < dim; ++d) s += vector_float(f + (4 * d));
      } else {
        auto& v = out[static_cast<std::size_t>(i)];
        v.resize(dim);
        for (std::size_t d = 0; d < dim; ++d) v[d] = vector_float(f + (4 * d));
        for (float x : v) s += x;
      }
      sum += be32(PQgetvalue(r, i, 0)) + std::lround(s);
      elems += static_cast<std::int64_t>(dim);
    }
    PQclear(r);
    return nt;
  };
  for (long long i = 0; i < warm; ++i) one();
  sum = 0;
  elems = 0;
  long long rows = 0;
  c.start({PQbackendPID(k)});
  for (long long i = 0; i < iters; ++i) rows += one();
  c.extra("elements", static_cast<double>(elems));
  c.stop(rows, sum);
}

void w10(cell& c) {
  if (c.p().str("table") == "vec_rows") return w10_vectors(c);
  auto cx = connect(c.conninfo());
  PGconn* k = cx.get();
  const bool ms = c.p().str("table") == "ms_arrays";
  prepare(k, "w10", c.p().str("sql").c_str());
  const long long iters = c.p().num("iters"), warm = c.p().num("warmup");
  std::int64_t sum = 0, elems = 0;
  std::vector<doc> out;
  auto one = [&]() -> long long {
    PGresult* r = PQexecPrepared(k, "w10", 0, nullptr, nullptr, nullptr, 1);
    check(k, r, "w10");
    const int nt = PQntuples(r);
    out.resize(static_cast<std::size_t>(nt));
    for (int i = 0; i < nt; ++i) {
      doc& d = out[static_cast<std::size_t>(i)];
      if (ms) {
        d.id = be32(PQgetvalue(r, i, 0));
        decode_array(PQgetvalue(r, i, 1), d.ia, [](const char* q, int) { return be32(q); });
        sum += d.id;
      } else {
        d.id = be64(PQgetvalue(r, i, 0));
        d.j.assign(PQgetvalue(r, i, 1) + 1, static_cast<std::size_t>(PQgetlength(r, i, 1) - 1));  // jsonb version byte
        decode_array(PQgetvalue(r, i, 2), d.ia, [](const char* q, int) { return be32(q); });
        decode_array(PQgetvalue(r, i, 3), d.ta,
                     [](const char* q, int len) { return std::string(q, static_cast<std::size_t>(len)); });
        decode_array(PQgetvalue(r, i, 4), d.fa, [](const char* q, int) { return f64(q); });
        sum += d.id + static_cast<std::int64_t>(d.j.size());
        for (const auto& t : d.ta) sum += static_cast<std::int64_t>(t.size());
        for (double f : d.fa) sum += q4(f);
        elems += static_cast<long long>(d.ta.size() + d.fa.size()) + 1;
      }
      for (std::int32_t v : d.ia) sum += v;
      elems += static_cast<long long>(d.ia.size());
    }
    PQclear(r);
    return nt;
  };
  for (long long i = 0; i < warm; ++i) one();
  sum = 0;
  elems = 0;
  long long rows = 0;
  c.start({PQbackendPID(k)});
  for (long long i = 0; i < iters; ++i) rows += one();
  c.extra("elements", static_cast<double>(elems));
  c.stop(rows, sum);
}

// ---- W11: entities with children (the manual floor of an ORM fetch) and updates by pk ----
struct pet {
  std::int64_t id, owner_id;
  std::string name;
  std::int32_t age;
};
struct owner {
  std::int64_t id;
  std::string name, email;
  std::int64_t created;
  std::int32_t score;
  std::vector<pet> pets;
};

void w11(cell& c) {
  auto cx = connect(c.conninfo());
  PGconn* k = cx.get();
  const long long n = c.p().num("n"), iters = c.p().num("iters");
  if (c.p().str("op") == "update") {
    prepare(k, "upd", "update owner set score = $2 where id = $1");
    c.start({PQbackendPID(k)});
    long long affected = 0;
    for (long long it = 0; it < iters; ++it) {
      exec(k, "begin");
      for (long long i = 1; i <= n; ++i) {
        bin_params p;
        p.i8(i);
        p.i4(static_cast<std::int32_t>(i % 1000));
        PGresult* r = PQexecPrepared(k, "upd", 2, p.values(), p.lengths(), p.formats(), 1);
        check(k, r, "update");
        affected += std::atoll(PQcmdTuples(r));
        PQclear(r);
      }
      exec(k, "commit");
    }
    c.stop(n * iters, affected);
    return;
  }
  prepare(k, "own", "select id, name, email, created, score from owner where id between $1 and $2 order by id");
  prepare(k, "pets", "select id, owner_id, name, age from pet where owner_id between $1 and $2 order by owner_id, id");
  std::int64_t sum = 0;
  auto one = [&]() {
    bin_params p;
    p.i8(1);
    p.i8(n);
    result_ptr ro(PQexecPrepared(k, "own", 2, p.values(), p.lengths(), p.formats(), 1));
    check(k, ro.get(), "owners");
    result_ptr rp(PQexecPrepared(k, "pets", 2, p.values(), p.lengths(), p.formats(), 1));
    check(k, rp.get(), "pets");
    std::vector<owner> os(static_cast<std::size_t>(PQntuples(ro.get())));
    const PGresult* r = ro.get();
    for (int i = 0; i < PQntuples(r); ++i) {
      owner& o = os[static_cast<std::size_t>(i)];
      o.id = be64(PQgetvalue(r, i, 0));
      o.name = str(r, i, 1);
      o.email = str(r, i, 2);
      o.created = be64(PQgetvalue(r, i, 3));
      o.score = be32(PQgetvalue(r, i, 4));
    }
    r = rp.get();
    std::size_t at = 0;
    for (int i = 0; i < PQntuples(r); ++i) {
      pet pt{be64(PQgetvalue(r, i, 0)), be64(PQgetvalue(r, i, 1)), str(r, i, 2), be32(PQgetvalue(r, i, 3))};
      while (os[at].id != pt.owner_id) ++at;
      os[at].pets.push_back(std::move(pt));
    }
    for (const auto& o : os) {
      sum += o.id + static_cast<std::int64_t>(o.name.size() + o.email.size()) + floor_div(o.created, 1'000'000) +
             pg_epoch_secs + o.score;
      for (const auto& pt : o.pets) sum += pt.id + pt.owner_id + static_cast<std::int64_t>(pt.name.size()) + pt.age;
    }
    return static_cast<long long>(os.size());
  };
  one();
  sum = 0;
  long long total = 0;
  c.start({PQbackendPID(k)});
  for (long long it = 0; it < iters; ++it) total += one();
  c.stop(total, sum);
}

/// W12: large values (bytea / text), bytes copied into owned buffers.
void w12(cell& c) {
  auto cx = connect(c.conninfo());
  PGconn* k = cx.get();
  prepare(k, "w12", c.p().str("sql").c_str());
  const long long iters = c.p().num("iters");
  std::int64_t sum = 0, bytes = 0;
  std::vector<std::vector<std::uint8_t>> out;
  auto one = [&]() {
    result_ptr r(PQexecPrepared(k, "w12", 0, nullptr, nullptr, nullptr, 1));
    check(k, r.get(), "w12");
    const int nt = PQntuples(r.get());
    out.resize(static_cast<std::size_t>(nt));
    for (int i = 0; i < nt; ++i) {
      const auto* v = reinterpret_cast<const std::uint8_t*>(PQgetvalue(r.get(), i, 0));
      out[static_cast<std::size_t>(i)].assign(v, v + PQgetlength(r.get(), i, 0));
    }
    for (const auto& b : out) {
      sum += static_cast<std::int64_t>(b.size()) + b[0];
      bytes += static_cast<std::int64_t>(b.size());
    }
  };
  one();
  sum = 0;
  bytes = 0;
  c.start({PQbackendPID(k)});
  for (long long it = 0; it < iters; ++it) one();
  c.extra("bytes", static_cast<double>(bytes));
  c.stop(iters, sum);
}

/// W13: connect, run a first query, disconnect.
void w13(cell& c) {
  const long long n = c.p().num("n");
  const std::string ci = c.conninfo();
  std::int64_t sum = 0;
  c.start({});
  for (long long i = 0; i < n; ++i) {
    auto cx = connect(ci);
    auto r = exec(cx.get(), "select 1");
    sum += std::atoll(PQgetvalue(r.get(), 0, 0));
  }
  c.stop(n, sum);
}

}  // namespace

int main() {
  const std::map<std::string, handler> h{{"W0", w1},   {"W1", w1},   {"W2", w2},   {"W3", w3},
                                         {"W3s", w3s}, {"W4", w4},   {"W6", w6},   {"W7", w7},
                                         {"W10", w10}, {"W11", w11}, {"W12", w12}, {"W13", w13}};
  return serve("raw", "libpq " + std::to_string(PQlibVersion()), h);
}
