// tests/integration/cli/cli_support.hpp: running the pgpx executable as a user would.
#pragma once

#include "support/time_factor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <poll.h>
#include <pty.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace pgpx::test::cli {

namespace fs = std::filesystem;

/// What a pgpx run printed and how it ended: `code` is the exit status, or 128 + the signal.
struct run_result {
  int code = -1;
  bool signaled = false;  ///< killed by a signal (rather than exiting with `code`)
  std::string out;
  std::string err;
};

/// A budget scaled by the slow-machine multiplier (support/time_factor.hpp).
inline auto scaled(std::chrono::milliseconds d) -> std::chrono::milliseconds { return pgpx::test::budget(d); }

inline auto slurp_file(const fs::path& p) -> std::string {
  std::string s;
  const int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) return s;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n > 0) s.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  ::close(fd);
  return s;
}

/// The pgpx executable under test: PGPX_TEST_CLI_PATH (to run these tests against another
/// build, e.g. to show that they fail on an older one), else the one built with the tests.
inline auto cli_path() -> std::string {
  const char* p = std::getenv("PGPX_TEST_CLI_PATH");
  return p != nullptr && *p != '\0' ? p : PGPX_CLI_PATH;
}

/// A pgpx process started in the background; its output goes to temporary files.
class child {
 public:
  child(const std::vector<std::string>& args, const fs::path& cwd,
        const std::vector<std::pair<std::string, std::string>>& env) {
    static std::atomic<int> counter{0};
    const auto tag = std::to_string(::getpid()) + "-" + std::to_string(counter++);
    out_ = fs::temp_directory_path() / ("pgpx-cli-out-" + tag);
    err_ = fs::temp_directory_path() / ("pgpx-cli-err-" + tag);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int in = ::open("/dev/null", O_RDONLY);
      const int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      if (::chdir(cwd.c_str()) != 0) ::_exit(126);
      // The tests choose the connection; the caller's own settings must not leak in.
      for (const char* v : {"PGPX_DATABASE_URL", "DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER",
                            "PGSERVICE", "PGPX_ENV", "PGCONNECT_TIMEOUT", "PGPASSWORD"})
        ::unsetenv(v);
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      std::vector<std::string> argv = {cli_path()};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> cargs;
      for (auto& a : argv) cargs.push_back(a.data());
      cargs.push_back(nullptr);
      ::execv(cargs[0], cargs.data());
      ::_exit(127);
    }
  }
  child(const child&) = delete;
  auto operator=(const child&) -> child& = delete;
  ~child() {
    if (pid_ > 0 && !done_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    std::error_code ec;
    fs::remove(out_, ec);
    fs::remove(err_, ec);
  }

  /// The process id.
  [[nodiscard]] auto pid() const noexcept -> pid_t { return pid_; }
  /// Sends a signal.
  void signal(int sig) const { ::kill(pid_, sig); }
  /// What it printed so far on stderr.
  [[nodiscard]] auto err_so_far() const -> std::string { return slurp_file(err_); }

  /// Waits for the end, at most `limit`; nullopt when it is still running then.
  auto wait(std::chrono::milliseconds limit) -> std::optional<run_result> {
    const auto end = std::chrono::steady_clock::now() + limit;
    int st = 0;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() >= end) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    done_ = true;
    run_result res;
    res.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    res.signaled = WIFSIGNALED(st);
    res.out = slurp_file(out_);
    res.err = slurp_file(err_);
    return res;
  }

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  fs::path out_;
  fs::path err_;
};

/// Runs pgpx with `args` in `cwd` to the end; stdin is /dev/null (not a terminal).
inline auto pgpx_run(const std::vector<std::string>& args, const fs::path& cwd = fs::current_path(),
                     const std::vector<std::pair<std::string, std::string>>& env = {}) -> run_result {
  child c(args, cwd, env);
  return *c.wait(std::chrono::hours(1));
}

/// Runs `pgpx --url URL query ARGS...`.
inline auto pgpx_query(const std::string& url, std::vector<std::string> args) -> run_result {
  args.insert(args.begin(), {"--url", url, "query"});
  return pgpx_run(args);
}

/// What pgpx printed on a pseudo-terminal and how it ended.
struct terminal_run {
  int code = -1;       ///< the exit status, or 128 + the signal
  std::string output;  ///< standard output and error, as the terminal showed them
  int answers = 0;     ///< how many times something was typed
};

/// What to type at a prompt: `text` (with its newline), and how much of the pending output the
/// prompt took (the next call sees what follows it).
struct terminal_answer {
  std::size_t consumed = 0;
  std::string text;
};

/**
 * Runs `pgpx ARGS...` in `cwd` on a pseudo-terminal (its standard input, output and error),
 * without the connection variables of this environment (PGHOST, DATABASE_URL...), with the
 * variables `env` set. Whenever the output not yet answered makes `respond` return an answer,
 * its text is typed. Gives up after a minute (scaled) and kills the process.
 */
inline auto pgpx_on_terminal(std::vector<std::string> args, const fs::path& cwd,
                             const std::function<std::optional<terminal_answer>(std::string_view pending)>& respond,
                             const std::vector<std::pair<std::string, std::string>>& env = {}) -> terminal_run {
  std::string path = cli_path();
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    for (const char* v : {"PGPX_DATABASE_URL", "DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE",
                          "PGPX_ENV", "PGPASSWORD"})
      ::unsetenv(v);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv{path.data()};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  terminal_run r;
  if (pid < 0) return r;
  std::size_t answered_to = 0;
  const auto deadline = std::chrono::steady_clock::now() + scaled(std::chrono::seconds(60));
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO: the child ended and the terminal closed
    r.output.append(buf, static_cast<std::size_t>(n));
    while (answered_to < r.output.size()) {
      const auto a = respond(std::string_view(r.output).substr(answered_to));
      if (!a) break;
      answered_to += a->consumed;
      ++r.answers;
      if (::write(master, a->text.data(), a->text.size()) != static_cast<ssize_t>(a->text.size())) break;
    }
  }
  ::kill(pid, SIGKILL);  // nothing when it has exited
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return r;
}

/// A responder typing `text` once, at the first "Type 'yes'" prompt (context::confirm).
inline auto type_at_confirmation(std::string text) {
  return [text = std::move(text), done = false](std::string_view pending) mutable -> std::optional<terminal_answer> {
    const auto at = pending.find("Type 'yes'");
    if (done || at == std::string_view::npos) return std::nullopt;
    done = true;
    return terminal_answer{at + 10, text};
  };
}

}  // namespace pgpx::test::cli
