#include "support/pglite.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/error.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#ifndef PGPX_PGLITE_DIR
#define PGPX_PGLITE_DIR ""
#endif

namespace pgpx::test {

namespace {

namespace fs = std::filesystem;

// A port nobody listens on now (the kernel's choice for an ephemeral bind).
auto free_port() -> int {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("pglite: no socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("pglite: cannot find a free port");
  }
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// PGlite speaks neither TLS nor GSS: ask for neither (libpq's "prefer" would wait).
auto info_for(int port) -> pgpx::conninfo {
  return pgpx::conninfo::parse("host=127.0.0.1 port=" + std::to_string(port) +
                               " user=postgres dbname=postgres sslmode=disable gssencmode=disable");
}

// Stops a server started by spawn(): its process group, politely, then not.
void stop_pid(pid_t pid) {
  if (pid <= 0) return;
  ::kill(-pid, SIGTERM);
  for (int i = 0; i < 50 && ::kill(pid, 0) == 0; ++i) {
    (void)::waitpid(pid, nullptr, WNOHANG);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(-pid, SIGKILL);
  (void)::waitpid(pid, nullptr, WNOHANG);
}

// Starts pglite-server in a session of its own (output to `log`), waits until it answers
// and has pgvector; returns its pid and port.
auto spawn(const fs::path& log) -> std::pair<pid_t, int> {
  const std::string program = pglite_server_path();
  if (program.empty())
    throw std::runtime_error(std::string("pglite: not installed in ") + PGPX_PGLITE_DIR +
                             " (run `npm ci` there, as `scripts/run setup` does)");
  const int port = free_port();
  const std::string port_text = std::to_string(port);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("pglite: fork failed");
  if (pid == 0) {
    ::setsid();
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    if (in >= 0) ::dup2(in, 0);
    std::vector<const char*> argv{program.c_str(), "-p", port_text.c_str(), "-e", "vector,pg_trgm,citext", "-m", "8",
                                  nullptr};
    ::execv(program.c_str(), const_cast<char* const*>(argv.data()));  // NOLINT: execv's signature
    ::_exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  std::string last;
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid)
      throw std::runtime_error("pglite: pglite-server exited while starting (see " + log.string() + ")");
    try {
      pgpx::connection cx{info_for(port)};
      cx.execute_script("create extension if not exists vector");
      return {pid, port};
    } catch (const pgpx::error& e) {
      last = e.message();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  stop_pid(pid);
  throw std::runtime_error("pglite: the server did not answer within 180 s: " + last);
}

// A server of this process's own (no fixture): stopped when the process exits.
struct own_server {
  pid_t pid = -1;
  int port = 0;
  own_server() = default;
  own_server(const own_server&) = delete;
  auto operator=(const own_server&) -> own_server& = delete;
  ~own_server() { stop_pid(pid); }
};

auto read_number(const fs::path& p) -> long {
  std::ifstream in(p);
  long v = 0;
  if (!(in >> v)) return 0;
  return v;
}

}  // namespace

auto pglite_server_path() -> std::string {
  const fs::path p = fs::path(PGPX_PGLITE_DIR) / "node_modules" / ".bin" / "pglite-server";
  return fs::exists(p) ? p.string() : std::string();
}

auto pglite_conninfo() -> pgpx::conninfo {
  if (const char* dir = std::getenv("PGPX_PGLITE_RUN_DIR"); dir != nullptr && *dir != '\0') {
    const long port = read_number(fs::path(dir) / "port");
    if (port > 0) return info_for(static_cast<int>(port));
  }
  static std::once_flag once;
  static std::unique_ptr<own_server> s;
  std::call_once(once, [] {
    auto o = std::make_unique<own_server>();
    const auto [pid, port] = spawn(fs::temp_directory_path() / ("pgpx-pglite-" + std::to_string(::getpid()) + ".log"));
    o->pid = pid;
    o->port = port;
    s = std::move(o);
  });
  return info_for(s->port);
}

auto start_pglite(const std::string& run_dir) -> int {
  fs::create_directories(run_dir);
  const fs::path dir(run_dir);
  if (const long old = read_number(dir / "pid"); old > 0) stop_pid(static_cast<pid_t>(old));
  const auto [pid, port] = spawn(dir / "pglite.log");
  std::ofstream(dir / "pid") << pid << '\n';
  std::ofstream(dir / "port") << port << '\n';
  return port;
}

void stop_pglite(const std::string& run_dir) {
  const fs::path dir(run_dir);
  stop_pid(static_cast<pid_t>(read_number(dir / "pid")));
  std::error_code ec;
  fs::remove(dir / "pid", ec);
  fs::remove(dir / "port", ec);
}

}  // namespace pgpx::test
