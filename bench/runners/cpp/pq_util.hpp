// bench/runners/cpp/pq_util.hpp: hand-written libpq helpers for the raw floor (binary
// decoding, binary parameter encoding, a non-blocking pipeline driver).
#pragma once

#include "runner.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <array>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bench::pq {

struct conn_deleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;
struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

inline auto connect(const std::string& ci) -> conn_ptr {
  conn_ptr c(PQconnectdb(ci.c_str()));
  if (PQstatus(c.get()) != CONNECTION_OK) throw std::runtime_error(std::string("connect: ") + PQerrorMessage(c.get()));
  return c;
}

inline void check(PGconn* c, PGresult* r, const char* what) {
  const auto s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_COPY_IN && s != PGRES_PIPELINE_SYNC) {
    std::string msg = std::string(what) + ": " + PQerrorMessage(c);
    PQclear(r);
    throw std::runtime_error(msg);
  }
}

inline auto exec(PGconn* c, const char* sql) -> result_ptr {
  PGresult* r = PQexec(c, sql);
  check(c, r, sql);
  return result_ptr(r);
}

inline void prepare(PGconn* c, const char* name, const char* sql, int nparams = 0, const Oid* types = nullptr) {
  PGresult* r = PQprepare(c, name, sql, nparams, types);
  check(c, r, sql);
  PQclear(r);
}

inline auto count(PGconn* c, const char* table) -> long long {
  auto r = exec(c, (std::string("select count(*) from ") + table).c_str());
  return std::atoll(PQgetvalue(r.get(), 0, 0));
}

// ---- binary decoding ----
inline auto be16(const char* p) -> std::int16_t {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return static_cast<std::int16_t>(__builtin_bswap16(v));
}
inline auto be32(const char* p) -> std::int32_t {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return static_cast<std::int32_t>(__builtin_bswap32(v));
}
inline auto be64(const char* p) -> std::int64_t {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return static_cast<std::int64_t>(__builtin_bswap64(v));
}
inline auto f64(const char* p) -> double {
  const std::int64_t i = be64(p);
  double d;
  std::memcpy(&d, &i, 8);
  return d;
}
inline auto f32(const char* p) -> float {
  const std::int32_t i = be32(p);
  float f;
  std::memcpy(&f, &i, 4);
  return f;
}
/// numeric (binary) -> value scaled by 100 (numeric(12,2) into int64 cents).
inline auto numeric_cents(const char* p) -> std::int64_t {
  const int ndigits = be16(p), weight = be16(p + 2), sign = static_cast<std::uint16_t>(be16(p + 4));
  std::int64_t v = 0;  // in units of 1e-4
  for (int i = 0; i < ndigits; ++i) {
    const int exp = weight - i;
    if (exp < -1) break;
    std::int64_t d = be16(p + 8 + 2 * i);
    for (int e = -1; e < exp; ++e) d *= 10000;
    v += d;
  }
  const std::int64_t cents = v / 100;
  return sign == 0x4000 ? -cents : cents;
}

// ---- binary parameter encoding ----
inline void put16(std::string& o, std::int16_t v) {
  const auto u = __builtin_bswap16(static_cast<std::uint16_t>(v));
  o.append(reinterpret_cast<const char*>(&u), 2);
}
inline void put32(std::string& o, std::int32_t v) {
  const auto u = __builtin_bswap32(static_cast<std::uint32_t>(v));
  o.append(reinterpret_cast<const char*>(&u), 4);
}
inline void put64(std::string& o, std::int64_t v) {
  const auto u = __builtin_bswap64(static_cast<std::uint64_t>(v));
  o.append(reinterpret_cast<const char*>(&u), 8);
}
inline void putf64(std::string& o, double d) {
  std::int64_t i;
  std::memcpy(&i, &d, 8);
  put64(o, i);
}

/// Parameters in binary format, built into one buffer.
class bin_params {
 public:
  void clear() {
    buf_.clear();
    off_.clear();
    len_.clear();
    fmt_.clear();
  }
  void i4(std::int32_t v) {
    begin();
    put32(buf_, v);
    end();
  }
  void i8(std::int64_t v) {
    begin();
    put64(buf_, v);
    end();
  }
  void f8(double v) {
    begin();
    putf64(buf_, v);
    end();
  }
  void text(std::string_view s) {
    begin();
    buf_.append(s);
    end();
  }
  /// Pointers are built on demand (the buffer may move while adding).
  auto values() -> const char* const* {
    ptr_.resize(off_.size());
    for (std::size_t i = 0; i < off_.size(); ++i) ptr_[i] = buf_.data() + off_[i];
    return ptr_.data();
  }
  auto lengths() -> const int* { return len_.data(); }
  auto formats() -> const int* { return fmt_.data(); }
  auto size() const -> int { return static_cast<int>(off_.size()); }

 private:
  void begin() { off_.push_back(buf_.size()); }
  void end() {
    len_.push_back(static_cast<int>(buf_.size() - off_.back()));
    fmt_.push_back(1);
  }
  std::string buf_;
  std::vector<std::size_t> off_;
  std::vector<int> len_;
  std::vector<int> fmt_;
  std::vector<const char*> ptr_;
};

/**
 * Drives libpq pipeline mode without blocking: `send(i)` queues statement i (a
 * PQsendQueryPrepared call), a Sync follows every `sync_every` statements, at most `depth`
 * statements are in flight, and `on_result(PGresult*)` sees each statement's result.
 * Send and receive overlap: results are read whenever the socket has them.
 */
template <class Send, class OnResult>
void pipeline(PGconn* c, long long n, long long sync_every, long long depth, Send send, OnResult on_result) {
  if (PQsetnonblocking(c, 1) != 0 || PQenterPipelineMode(c) != 1)
    throw std::runtime_error(std::string("pipeline: ") + PQerrorMessage(c));
  long long sent = 0, done = 0, syncs_sent = 0, syncs_done = 0;
  bool in_query = false;
  const int fd = PQsocket(c);
  while (done < n || syncs_done < syncs_sent) {
    bool progress = false;
    while (sent < n && sent - done < depth) {
      if (send(sent) != 1) throw std::runtime_error(std::string("pipeline send: ") + PQerrorMessage(c));
      ++sent;
      progress = true;
      if (sent % sync_every == 0 || sent == n) {
        if (PQpipelineSync(c) != 1) throw std::runtime_error(std::string("pipeline sync: ") + PQerrorMessage(c));
        ++syncs_sent;
        break;  // give the receiver a turn after each sync
      }
    }
    const int fl = PQflush(c);
    if (fl < 0) throw std::runtime_error(std::string("pipeline flush: ") + PQerrorMessage(c));
    if (PQconsumeInput(c) != 1) throw std::runtime_error(std::string("pipeline read: ") + PQerrorMessage(c));
    while ((done < sent || syncs_done < syncs_sent) && !PQisBusy(c)) {
      PGresult* r = PQgetResult(c);
      if (r == nullptr) {
        if (in_query) {
          in_query = false;
          ++done;
          progress = true;
          continue;
        }
        break;
      }
      const auto st = PQresultStatus(r);
      if (st == PGRES_PIPELINE_SYNC) {
        ++syncs_done;
        progress = true;
      } else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        in_query = true;
        on_result(r);
      } else {
        std::string msg = std::string("pipeline result: ") + PQresultErrorMessage(r);
        PQclear(r);
        throw std::runtime_error(msg);
      }
      PQclear(r);
    }
    if (!progress) {
      pollfd pfd{fd, static_cast<short>(POLLIN | (fl == 1 ? POLLOUT : 0)), 0};
      ::poll(&pfd, 1, 1000);
    }
  }
  PQexitPipelineMode(c);
  PQsetnonblocking(c, 0);
}

/// Decodes a text-format timestamptz "YYYY-MM-DD HH:MM:SS[.ffffff]+00" into epoch seconds.
inline auto days_from_civil(int y, unsigned m, unsigned d) -> std::int64_t {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
inline auto num(const char* p, int n) -> int {
  int v = 0;
  for (int i = 0; i < n; ++i) v = v * 10 + (p[i] - '0');
  return v;
}
inline auto text_date_days(const char* p) -> std::int64_t {
  return days_from_civil(num(p, 4), static_cast<unsigned>(num(p + 5, 2)), static_cast<unsigned>(num(p + 8, 2)));
}
inline auto text_ts_secs(const char* p) -> std::int64_t {
  return text_date_days(p) * 86400 + num(p + 11, 2) * 3600 + num(p + 14, 2) * 60 + num(p + 17, 2);
}
inline auto hexval(char ch) -> int { return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10; }

}  // namespace bench::pq
