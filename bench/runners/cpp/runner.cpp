// bench/runners/cpp/runner.cpp: the protocol loop of the C++ runners (see runner.hpp).
#include "runner.hpp"

#include <cstring>
#include <fstream>
#include <sstream>

namespace bench {

auto params::parse(std::string_view s) -> params {
  params out;
  std::size_t i = 0;
  auto ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  };
  auto read_string = [&]() -> std::string {
    std::string r;
    ++i;  // opening quote
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) {
        ++i;
        switch (s[i]) {
          case 'n': r += '\n'; break;
          case 't': r += '\t'; break;
          default: r += s[i];
        }
      } else {
        r += s[i];
      }
      ++i;
    }
    ++i;
    return r;
  };
  ws();
  if (i >= s.size() || s[i] != '{') throw std::runtime_error("params: expected a JSON object");
  ++i;
  for (;;) {
    ws();
    if (i < s.size() && s[i] == '}') break;
    if (i >= s.size() || s[i] != '"') throw std::runtime_error("params: expected a key");
    std::string k = read_string();
    ws();
    if (i >= s.size() || s[i] != ':') throw std::runtime_error("params: expected ':'");
    ++i;
    ws();
    std::string v;
    if (i < s.size() && s[i] == '"') {
      v = read_string();
    } else {
      const std::size_t b = i;
      while (i < s.size() && s[i] != ',' && s[i] != '}') ++i;
      v = std::string(s.substr(b, i - b));
      while (!v.empty() && v.back() == ' ') v.pop_back();
      if (v == "null") v.clear();
    }
    out.v_[k] = v;
    ws();
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

auto json_escape(std::string_view s) -> std::string {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      r += '\\';
      r += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      r += ' ';
    } else {
      r += c;
    }
  }
  return r;
}

auto cell::conninfo() const -> std::string {
  const bool tcp = p_.str("transport") == "tcp";
  std::string host = tcp ? p_.str("tcp_host", "127.0.0.1") : p_.str("socket_dir");
  std::string extra = p_.str("conn_extra", "");  // e.g. "sslmode=disable" for PGlite (the vector cells)
  return "host=" + host + " port=" + p_.str("port") + " user=" + p_.str("user") + " dbname=" + p_.str("dbname") +
         " application_name=pgpx-bench" + (extra.empty() ? "" : " " + extra);
}

namespace {

auto cpu_ns() -> std::int64_t {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_usec * 1000LL; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

auto status_kb(const char* key) -> long {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(key);
  while (std::getline(f, line))
    if (line.compare(0, n, key) == 0) return std::strtol(line.c_str() + n + 1, nullptr, 10);
  return 0;
}

void reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  if (f) f << "5";
}

void say(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

void cell::start(const std::vector<int>& pids) {
  std::string line = R"({"status":"ready","pids":[)";
  for (std::size_t i = 0; i < pids.size(); ++i) line += (i ? "," : "") + std::to_string(pids[i]);
  line += "]}";
  say(line);
  std::string go;
  if (!std::getline(std::cin, go) || go != "go") throw std::runtime_error("expected 'go', got '" + go + "'");
  reset_peak_rss();
  rss0_kb_ = status_kb("VmRSS:");
  CALLGRIND_START_INSTRUMENTATION;
  CALLGRIND_TOGGLE_COLLECT;
  cpu0_ = cpu_ns();
  t0_ = now_ns();
}

void cell::stop(long long ops, long long checksum) {
  const std::int64_t t1 = now_ns();
  const std::int64_t cpu1 = cpu_ns();
  CALLGRIND_TOGGLE_COLLECT;
  CALLGRIND_STOP_INSTRUMENTATION;
  const long hwm = status_kb("VmHWM:");
  std::ostringstream o;
  o << R"({"status":"ok","ops":)" << ops << R"(,"wall_ns":)" << (t1 - t0_) << R"(,"cpu_ns":)" << (cpu1 - cpu0_)
    << R"(,"checksum":)" << checksum << R"(,"rss_before_kb":)" << rss0_kb_ << R"(,"rss_peak_kb":)" << hwm;
  if (!lat_.empty()) {
    std::sort(lat_.begin(), lat_.end());
    auto pct = [&](double q) { return lat_[std::min(lat_.size() - 1, static_cast<std::size_t>(q * lat_.size()))]; };
    o << R"(,"lat_p50_ns":)" << pct(0.50) << R"(,"lat_p99_ns":)" << pct(0.99) << R"(,"lat_p999_ns":)" << pct(0.999);
  }
  if (!extra_.empty()) {
    o << R"(,"extra":{)";
    bool first = true;
    for (const auto& [k, v] : extra_) {
      o << (first ? "" : ",") << '"' << json_escape(k) << "\":" << v;
      first = false;
    }
    o << '}';
  }
  o << '}';
  say(o.str());
  done_ = true;
}

auto serve(const std::string& peer, const std::string& version, const std::map<std::string, handler>& handlers) -> int {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "quit") break;
    if (line == "go" || line.empty()) continue;  // stray "go" after a cell that failed before ready
    if (line == "info") {
      say(R"({"status":"ok","peer":")" + json_escape(peer) + R"(","version":")" + json_escape(version) + R"("})");
      continue;
    }
    if (line.rfind("run ", 0) != 0) {
      say(R"({"status":"error","message":"unknown command"})");
      continue;
    }
    const auto sp = line.find(' ', 4);
    const std::string workload = line.substr(4, sp == std::string::npos ? std::string::npos : sp - 4);
    try {
      params p = params::parse(sp == std::string::npos ? "{}" : std::string_view(line).substr(sp + 1));
      auto it = handlers.find(workload);
      if (it == handlers.end())
        throw unsupported{"n/a", "not implemented in the " + peer + " runner (or no native API)"};
      cell c(workload, std::move(p));
      try {
        it->second(c);
      } catch (const std::exception& e) {
        if (!c.done()) throw;
        std::fprintf(stderr, "error after the result was sent (not reported): %s\n", e.what());
      }
    } catch (const unsupported& u) {
      say(R"({"status":"unsupported","kind":")" + u.kind + R"(","reason":")" + json_escape(u.reason) + R"("})");
    } catch (const std::exception& e) {
      say(R"({"status":"error","message":")" + json_escape(e.what()) + R"("})");
    }
  }
  return 0;
}

}  // namespace bench
