// bench/runners/cpp/pqxx_runner.cpp: the libpqxx 6.4 peer (text format only in 6.x).
// Best: prepare + exec_prepared on a nontransaction, field.as<T>() into structs,
// stream_to (COPY text) for bulk, pqxx::pipeline (query concatenation) for batches.
// Default: exec_params (unprepared) on the same transaction object.
#include "pq_util.hpp"

#include <pqxx/pqxx>

using namespace bench;

namespace {

auto secs_text(const pqxx::field& f) -> std::int64_t { return pq::text_ts_secs(f.c_str()); }
auto days_text(const pqxx::field& f) -> std::int64_t { return pq::text_date_days(f.c_str()); }

struct person {
  std::int64_t id;
  std::string first_name, last_name, sex;
  std::int64_t birth_date, update_time;  // days / seconds since 1970 (pqxx 6 has no date types)
  std::int32_t weight, height;
};

auto read_person(const pqxx::row& r) -> person {
  return person{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),  r[3].as<std::string>(),
                days_text(r[4]),         secs_text(r[7]),        r[5].as<std::int32_t>(), r[6].as<std::int32_t>()};
}

auto sum_person(const person& p) -> std::int64_t {
  return p.id + static_cast<std::int64_t>(p.first_name.size() + p.last_name.size() + p.sex.size()) + p.birth_date +
         p.weight + p.height + p.update_time;
}

void w1(cell& c) {
  pqxx::connection cx(c.conninfo());
  const bool dflt = c.mode_default();
  const std::string sql = c.p().str("sql");
  if (!dflt) cx.prepare("w1", sql);
  pqxx::nontransaction tx(cx);
  const long long n = c.p().num("n"), warm = c.p().num("warmup"), seed = c.p().num("seed"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  auto one = [&](long long i) {
    const long long id = point_id(i, seed, rows);
    pqxx::result r = dflt ? tx.exec_params(sql, id) : tx.exec_prepared("w1", id);
    for (const auto& row : r) sum += sum_person(read_person(row));
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  c.reserve_latencies(static_cast<std::size_t>(n));
  c.start({cx.backendpid()});
  for (long long i = 0; i < n; ++i) {
    const auto t = cell::now_ns();
    one(i);
    c.latency(cell::now_ns() - t);
  }
  c.stop(n, sum);
}

void w2(cell& c) {
  pqxx::connection cx(c.conninfo());
  const std::string sql = c.p().str("sql"), prep = c.p().str("prep");
  if (prep == "prepared") cx.prepare("w2", sql);
  pqxx::nontransaction tx(cx);
  const long long n = c.p().num("n"), warm = c.p().num("warmup"), seed = c.p().num("seed"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  auto one = [&](long long i) {
    const long long id = point_id(i, seed, rows);
    pqxx::result r = prep == "prepared" ? tx.exec_prepared("w2", id) : tx.exec_params(sql, id);
    for (const auto& row : r)
      for (const auto& f : row) sum += f.as<std::int64_t>();
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  c.start({cx.backendpid()});
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
  std::int64_t ts, dt;
  std::string u, amount;
  std::string blob;
};

auto int_part(const std::string& s) -> std::int64_t {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

void w3(cell& c) {
  if (c.p().str("format") == "binary" && c.p().str("strings") == "view") c.not_applicable("no view decoding");
  pqxx::connection cx(c.conninfo());
  const bool dflt = c.mode_default(), nonum = c.p().str("table") == "wide_row_nonum";
  const std::string sql = c.p().str("sql");
  if (!dflt) cx.prepare("w3", sql);
  pqxx::nontransaction tx(cx);
  const long long n = c.p().num("n"), iters = c.p().num("iters"), warm = c.p().num("warmup"), rows = c.p().num("rows");
  std::int64_t sum = 0;
  std::vector<wide> out;
  auto one = [&](long long it) -> long long {
    const long long lo = 1 + (it * 7919) % std::max(1LL, rows - n + 1), hi = lo + n - 1;
    pqxx::result r = dflt ? tx.exec_params(sql, lo, hi) : tx.exec_prepared("w3", lo, hi);
    out.clear();
    out.reserve(r.size());
    for (const auto& row : r) {
      wide w;
      w.id = row[0].as<std::int64_t>();
      w.a = row[1].as<std::int32_t>();
      w.b = row[2].as<std::int32_t>();
      w.c = row[3].as<std::int16_t>();
      w.d = row[4].as<std::int64_t>();
      w.f1 = row[5].as<double>();
      w.f2 = row[6].as<float>();
      w.flag = row[7].as<bool>();
      w.s_short = row[8].as<std::string>();
      w.s_med = row[9].as<std::string>();
      w.vc = row[10].as<std::string>();
      w.ts = secs_text(row[11]);
      w.dt = days_text(row[12]);
      w.u = row[13].as<std::string>();
      if (!nonum) {
        w.amount = row[14].as<std::string>();
        w.blob = pqxx::binarystring(row[15]).str();
      } else {
        w.blob = pqxx::binarystring(row[14]).str();
      }
      out.push_back(std::move(w));
    }
    for (const auto& w : out) {
      sum += w.id + w.a + w.b + w.c + w.d + q4(w.f1) + q4(w.f2) + (w.flag ? 1 : 0) +
             static_cast<std::int64_t>(w.s_short.size() + w.s_med.size() + w.vc.size()) + w.ts + w.dt +
             pq::hexval(w.u[w.u.size() - 2]) * 16 + pq::hexval(w.u.back()) + int_part(w.amount) +
             static_cast<std::int64_t>(w.blob.size()) + static_cast<std::uint8_t>(w.blob[0]);
    }
    return static_cast<long long>(out.size());
  };
  for (long long i = 0; i < warm; ++i) one(i);
  sum = 0;
  long long total = 0;
  c.start({cx.backendpid()});
  for (long long i = 0; i < iters; ++i) total += one(i);
  c.stop(total, sum);
}

void w4(cell& c) {
  const std::string method = c.p().str("method");
  if (method == "d") c.not_applicable("libpqxx 6 has no COPY binary");
  pqxx::connection cx(c.conninfo());
  const long long n = c.p().num("n"), batch = c.p().num("batch", 1000);
  {
    pqxx::nontransaction t(cx);
    t.exec("truncate ins7");
  }
  const std::string ins = "insert into ins7 values ($1, $2, $3, $4, $5, $6, $7)";
  const std::string lit = "insert into ins7 values (10, 11, 10, 'TESTTESTTEST', 10.333, 12341234, '123412341234')";
  std::vector<std::string> multi_params;
  if (method == "a") cx.prepare("ins", ins);
  if (method == "c") {
    std::string sql = "insert into ins7 values ";
    for (long long r = 0; r < batch; ++r) {
      sql += r ? ",(" : "(";
      for (int f = 0; f < 7; ++f) sql += (f ? ",$" : "$") + std::to_string(r * 7 + f + 1);
      sql += ")";
      for (const char* v : {"10", "11", "10", "TESTTESTTEST", "10.333", "12341234", "123412341234"})
        multi_params.emplace_back(v);
    }
    cx.prepare("multi", sql);
  }
  c.start({cx.backendpid()});
  {
    pqxx::work tx(cx);
    if (method == "a") {
      for (long long i = 0; i < n; ++i)
        tx.exec_prepared("ins", 10, 11, 10, "TESTTESTTEST", 10.333, 12341234, "123412341234");
    } else if (method == "b") {
      pqxx::pipeline p(tx);
      p.retain(static_cast<int>(batch));
      for (long long i = 0; i < n; ++i) {
        p.insert(lit);
        if ((i + 1) % batch == 0) p.complete();
      }
      p.complete();
    } else if (method == "c") {
      for (long long i = 0; i < n; i += batch)
        tx.exec_prepared("multi", pqxx::prepare::make_dynamic_params(multi_params));
    } else if (method == "e") {
      pqxx::stream_to s(tx, "ins7");
      const auto row =
          std::make_tuple(10, 11, 10, std::string("TESTTESTTEST"), 10.333, 12341234, std::string("123412341234"));
      for (long long i = 0; i < n; ++i) s << row;
      s.complete();
    }
    tx.commit();
  }
  pqxx::nontransaction t(cx);
  c.stop(n, t.exec("select count(*) from ins7")[0][0].as<long long>());
}

void w6(cell& c) {
  pqxx::connection cx(c.conninfo());
  const bool piped = c.p().str("exec") == "pipelined";
  const long long units = c.p().num("n"), seed = c.p().num("seed");
  {
    pqxx::nontransaction t(cx);
    t.exec("truncate w6_log");
    t.exec("update w6_acct set v = 0");
  }
  cx.prepare("sel", "select id, weight from person where id = $1");
  cx.prepare("upd", "update w6_acct set v = v + 1 where id = $1");
  cx.prepare("ins", "insert into w6_log (unit, k, note) values ($1, $2, $3)");
  pqxx::nontransaction tx(cx);
  std::int64_t sum = 0;
  auto consume = [&](const pqxx::result& r) {
    if (r.columns() > 0) {
      for (const auto& row : r) sum += row[0].as<std::int64_t>() + row[1].as<std::int32_t>();
    } else {
      sum += static_cast<std::int64_t>(r.affected_rows());
    }
  };
  c.start({cx.backendpid()});
  if (piped) {
    // pqxx::pipeline concatenates query strings (no parameters, no prepared statements).
    pqxx::pipeline p(tx);
    p.retain(10);
    for (long long u = 0; u < units; ++u) {
      for (long long j = 0; j < 4; ++j)
        p.insert("select id, weight from person where id = " + std::to_string(point_id(u * 4 + j, seed, 100000)));
      for (long long j = 0; j < 3; ++j)
        p.insert("update w6_acct set v = v + 1 where id = " + std::to_string((u * 3 + j) % 10000 + 1));
      for (long long j = 7; j < 10; ++j)
        p.insert("insert into w6_log (unit, k, note) values (" + std::to_string(u) + ", " + std::to_string(j) +
                 ", 'unit of work note')");
      p.complete();
      while (!p.empty()) consume(p.retrieve().second);
    }
  } else {
    for (long long u = 0; u < units; ++u) {
      for (long long j = 0; j < 4; ++j) consume(tx.exec_prepared("sel", point_id(u * 4 + j, seed, 100000)));
      for (long long j = 0; j < 3; ++j) consume(tx.exec_prepared("upd", (u * 3 + j) % 10000 + 1));
      for (int j = 7; j < 10; ++j) consume(tx.exec_prepared("ins", u, j, "unit of work note"));
    }
  }
  c.stop(units, sum);
}

template <class F>
void parse_array(const pqxx::field& f, F each) {
  auto p = f.as_array();
  for (;;) {
    auto [j, s] = p.get_next();
    if (j == pqxx::array_parser::done) break;
    if (j == pqxx::array_parser::string_value) each(s);
  }
}

void w10(cell& c) {
  pqxx::connection cx(c.conninfo());
  const bool ms = c.p().str("table") == "ms_arrays";
  cx.prepare("w10", c.p().str("sql"));
  pqxx::nontransaction tx(cx);
  const long long iters = c.p().num("iters"), warm = c.p().num("warmup");
  std::int64_t sum = 0, elems = 0;
  struct doc {
    std::int64_t id;
    std::string j;
    std::vector<std::int32_t> ia;
    std::vector<std::string> ta;
    std::vector<double> fa;
  };
  auto one = [&]() -> long long {
    pqxx::result r = tx.exec_prepared("w10");
    std::vector<doc> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      doc d;
      d.id = row[0].as<std::int64_t>();
      if (ms) {
        parse_array(row[1], [&](const std::string& s) {
          std::int32_t v;
          pqxx::from_string(s, v);
          d.ia.push_back(v);
        });
      } else {
        d.j = row[1].as<std::string>();
        parse_array(row[2], [&](const std::string& s) {
          std::int32_t v;
          pqxx::from_string(s, v);
          d.ia.push_back(v);
        });
        parse_array(row[3], [&](const std::string& s) { d.ta.push_back(s); });
        parse_array(row[4], [&](const std::string& s) {
          double v;
          pqxx::from_string(s, v);
          d.fa.push_back(v);
        });
      }
      out.push_back(std::move(d));
    }
    for (const auto& d : out) {
      sum += d.id + static_cast<std::int64_t>(d.j.size());
      for (auto x : d.ia) sum += x;
      for (const auto& t : d.ta) sum += static_cast<std::int64_t>(t.size());
      for (double f : d.fa) sum += q4(f);
      elems += static_cast<std::int64_t>(d.ia.size() + d.ta.size() + d.fa.size()) + (ms ? 0 : 1);
    }
    return static_cast<long long>(out.size());
  };
  for (long long i = 0; i < warm; ++i) one();
  sum = 0;
  elems = 0;
  long long rows = 0;
  c.start({cx.backendpid()});
  for (long long i = 0; i < iters; ++i) rows += one();
  c.extra("elements", static_cast<double>(elems));
  c.stop(rows, sum);
}

void w11(cell& c) {
  if (c.p().str("api") == "orm") c.not_applicable("no ORM");
  pqxx::connection cx(c.conninfo());
  const long long n = c.p().num("n"), iters = c.p().num("iters");
  if (c.p().str("op") == "update") {
    cx.prepare("upd", "update owner set score = $2 where id = $1");
    long long affected = 0;
    c.start({cx.backendpid()});
    for (long long it = 0; it < iters; ++it) {
      pqxx::work tx(cx);
      for (long long i = 1; i <= n; ++i)
        affected += static_cast<long long>(tx.exec_prepared("upd", i, static_cast<int>(i % 1000)).affected_rows());
      tx.commit();
    }
    c.stop(n * iters, affected);
    return;
  }
  cx.prepare("own", "select id, name, email, created, score from owner where id between $1 and $2 order by id");
  cx.prepare("pets", "select id, owner_id, name, age from pet where owner_id between $1 and $2 order by owner_id, id");
  pqxx::nontransaction tx(cx);
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
  std::int64_t sum = 0;
  auto one = [&]() -> long long {
    pqxx::result ro = tx.exec_prepared("own", 1, n), rp = tx.exec_prepared("pets", 1, n);
    std::vector<owner> os;
    os.reserve(ro.size());
    for (const auto& r : ro)
      os.push_back(owner{r[0].as<std::int64_t>(),
                         r[1].as<std::string>(),
                         r[2].as<std::string>(),
                         secs_text(r[3]),
                         r[4].as<std::int32_t>(),
                         {}});
    std::size_t at = 0;
    for (const auto& r : rp) {
      pet p{r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>(), r[3].as<std::int32_t>()};
      while (os[at].id != p.owner_id) ++at;
      os[at].pets.push_back(std::move(p));
    }
    for (const auto& o : os) {
      sum += o.id + static_cast<std::int64_t>(o.name.size() + o.email.size()) + o.created + o.score;
      for (const auto& p : o.pets) sum += p.id + p.owner_id + static_cast<std::int64_t>(p.name.size()) + p.age;
    }
    return static_cast<long long>(os.size());
  };
  one();
  sum = 0;
  long long total = 0;
  c.start({cx.backendpid()});
  for (long long it = 0; it < iters; ++it) total += one();
  c.stop(total, sum);
}

void w12(cell& c) {
  pqxx::connection cx(c.conninfo());
  cx.prepare("w12", c.p().str("sql"));
  const bool text = c.p().str("kind") == "text";
  pqxx::nontransaction tx(cx);
  const long long iters = c.p().num("iters");
  std::int64_t sum = 0, bytes = 0;
  auto one = [&]() {
    pqxx::result r = tx.exec_prepared("w12");
    for (const auto& row : r) {
      std::string s = text ? row[0].as<std::string>() : pqxx::binarystring(row[0]).str();
      sum += static_cast<std::int64_t>(s.size()) + static_cast<std::uint8_t>(s[0]);
      bytes += static_cast<std::int64_t>(s.size());
    }
  };
  one();
  sum = 0;
  bytes = 0;
  c.start({cx.backendpid()});
  for (long long it = 0; it < iters; ++it) one();
  c.extra("bytes", static_cast<double>(bytes));
  c.stop(iters, sum);
}

void w13(cell& c) {
  const long long n = c.p().num("n");
  std::int64_t sum = 0;
  c.start({});
  for (long long i = 0; i < n; ++i) {
    pqxx::connection cx(c.conninfo());
    pqxx::nontransaction tx(cx);
    sum += tx.exec("select 1")[0][0].as<int>();
  }
  c.stop(n, sum);
}

}  // namespace

int main() {
  const std::map<std::string, handler> h{{"W1", w1},   {"W2", w2},   {"W3", w3},   {"W4", w4},  {"W6", w6},
                                         {"W10", w10}, {"W11", w11}, {"W12", w12}, {"W13", w13}};
  return serve("libpqxx", PQXX_VERSION, h);
}
