#include <pgpx/config/config.hpp>
#include <pgpx/detail/strings.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/config/secrets.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ostream>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX leaves it undeclared

namespace pgpx {
namespace {

// Secrets larger than this are refused: no password is a megabyte, and reading /dev/zero or
// a runaway command must end.
constexpr std::size_t max_secret_size = 1024 * 1024;
// Only this much of a failing command's stderr is kept for the message.
constexpr std::size_t max_stderr_kept = 64 * 1024;
constexpr std::size_t max_stderr_shown = 300;

auto config_failure(std::string message) -> diagnostic {
  return diagnostic{error_kind::config, std::move(message), {}, 0, 0};
}

auto in_quotes(std::string_view s) -> std::string { return "\"" + std::string(s) + "\""; }

auto errno_text(int e) -> std::string { return std::strerror(e); }  // NOLINT(concurrency-mt-unsafe)

// An fd closed on scope exit.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(const unique_fd&) = delete;
  auto operator=(const unique_fd&) -> unique_fd& = delete;
  ~unique_fd() { reset(); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  [[nodiscard]] auto get() const noexcept -> int { return fd_; }

 private:
  int fd_ = -1;
};

struct command_run {
  int spawn_errno = 0;     // posix_spawnp failed with this error
  bool timed_out = false;  // killed at the deadline
  bool too_large = false;  // killed because stdout exceeded max_secret_size
  bool reaped = false;     // wait status available
  int wait_status = 0;
  std::string out;
  std::string err;
};

void kill_group(pid_t pid) noexcept {
  ::kill(-pid, SIGKILL);  // the command ran in its own process group: take its children too
  ::kill(pid, SIGKILL);
}

auto reap_blocking(pid_t pid, int& status) noexcept -> bool {
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, 0);
    if (r == pid) return true;
    if (r < 0 && errno == EINTR) continue;
    return false;  // ECHILD: reaped elsewhere (SIGCHLD ignored)
  }
}

// Runs argv without a shell: stdin from /dev/null, stdout and stderr captured, at most
// `timeout`. The child gets its own process group so that a timeout kills what it started.
auto run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) -> command_run {
  command_run run;
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    run.spawn_errno = errno;
    return run;
  }
  unique_fd out_r(out_pipe[0]);
  unique_fd out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    run.spawn_errno = errno;
    return run;
  }
  unique_fd err_r(err_pipe[0]);
  unique_fd err_w(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);  // dup2 clears FD_CLOEXEC
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT: POSIX signature
  args.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  const auto until = start + timeout;
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out_w.reset();
  err_w.reset();
  if (rc != 0) {
    run.spawn_errno = rc;
    return run;
  }

  const auto remaining_ms = [&]() -> int {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>(left.count(), 60'000));
  };

  bool out_open = true;
  bool err_open = true;
  char buf[4096];
  while ((out_open || err_open) && !run.timed_out && !run.too_large) {
    pollfd fds[2];
    nfds_t n = 0;
    if (out_open) fds[n++] = pollfd{out_r.get(), POLLIN, 0};
    if (err_open) fds[n++] = pollfd{err_r.get(), POLLIN, 0};
    const int wait = remaining_ms();
    if (wait == 0) {
      run.timed_out = true;
      break;
    }
    const int pr = ::poll(fds, n, wait);
    if (pr < 0) {
      if (errno == EINTR) continue;
      run.timed_out = true;  // cannot wait any more: treat like a deadline
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const bool is_out = fds[i].fd == out_r.get();
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        (is_out ? out_open : err_open) = false;
        continue;
      }
      const auto len = static_cast<std::size_t>(got);
      if (is_out) {
        if (run.out.size() + len > max_secret_size) {
          run.too_large = true;
          break;
        }
        run.out.append(buf, len);
      } else if (run.err.size() < max_stderr_kept) {
        run.err.append(buf, std::min(len, max_stderr_kept - run.err.size()));
      }
    }
  }

  // Both pipes are closed (or we gave up): wait for the exit status within the deadline.
  while (!run.timed_out && !run.too_large) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      run.reaped = true;
      run.wait_status = status;
      return run;
    }
    if (r < 0 && errno != EINTR) return run;  // ECHILD: status unavailable
    if (remaining_ms() == 0) {
      run.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill_group(pid);
  int status = 0;
  run.reaped = reap_blocking(pid, status);
  run.wait_status = status;
  return run;
}

// Trims trailing CR/LF only: a file secret keeps its inner and leading bytes exactly.
void trim_trailing_newlines(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

void trim_whitespace(std::string& s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  s.erase(0, i);
}

using detail::replace_all;

// A failing command's stderr, made fit for a message: the captured stdout (the would-be
// secret, whole and line by line) masked, control characters flattened, length capped,
// and the result passed through redact().
auto safe_stderr(std::string err, const std::string& out) -> std::string {
  std::string secret_out = out;
  trim_whitespace(secret_out);
  if (!secret_out.empty()) {
    replace_all(err, secret_out, redacted_marker);
    std::size_t start = 0;
    while (start < secret_out.size()) {
      auto end = secret_out.find('\n', start);
      if (end == std::string::npos) end = secret_out.size();
      std::string line = secret_out.substr(start, end - start);
      trim_whitespace(line);
      if (line.size() >= 3) replace_all(err, line, redacted_marker);
      start = end + 1;
    }
  }
  std::string flat;
  flat.reserve(err.size());
  for (char c : err) {
    const bool ctl = static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    if (ctl) {
      if (!flat.empty() && flat.back() != ' ') flat.push_back(' ');
    } else {
      flat.push_back(c);
    }
  }
  trim_whitespace(flat);
  if (flat.size() > max_stderr_shown) {
    flat.resize(detail::utf8_floor(flat, max_stderr_shown));
    flat += "...";
  }
  return redact(flat);
}

auto resolve_command(const secret_source& src) -> outcome<secret> {
  if (auto problems = src.check(); !problems.empty()) return problems.front();
  const std::string program = in_quotes(src.argv.front());
  command_run run = run_command(src.argv, src.timeout);
  if (run.spawn_errno != 0)
    return config_failure("secret command " + program + " could not be started: " + errno_text(run.spawn_errno));
  if (run.timed_out)
    return config_failure("secret command " + program + " did not finish within " + format_duration(src.timeout) +
                          " and was killed");
  if (run.too_large) return config_failure("secret command " + program + " printed more than 1 MiB and was killed");
  if (!run.reaped) return config_failure("secret command " + program + ": its exit status could not be read");
  if (WIFSIGNALED(run.wait_status)) {
    const int sig = WTERMSIG(run.wait_status);
    return config_failure("secret command " + program + " was terminated by signal " + std::to_string(sig));
  }
  const int status = WIFEXITED(run.wait_status) ? WEXITSTATUS(run.wait_status) : -1;
  if (status != 0) {
    std::string msg = "secret command " + program + " exited with status " + std::to_string(status);
    if (auto err = safe_stderr(std::move(run.err), run.out); !err.empty()) msg += ": " + err;
    return config_failure(std::move(msg));
  }
  trim_whitespace(run.out);
  if (run.out.empty()) return config_failure("secret command " + program + " printed nothing on standard output");
  return secret(std::move(run.out));
}

auto resolve_file(const secret_source& src, const secret_context& ctx) -> outcome<secret> {
  if (auto problems = src.check(); !problems.empty()) return problems.front();
  std::filesystem::path p = src.path;
  if (p.is_relative() && !ctx.base_dir.empty()) p = ctx.base_dir / p;
  const std::string name = in_quotes(p.string());
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  if (fd < 0) return config_failure("cannot read secret file " + name + ": " + errno_text(errno));
  unique_fd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
    return config_failure("cannot read secret file " + name + ": it is a directory");
  std::string content;
  char buf[4096];
  for (;;) {
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      return config_failure("cannot read secret file " + name + ": " + errno_text(errno));
    }
    if (got == 0) break;
    content.append(buf, static_cast<std::size_t>(got));
    if (content.size() > max_secret_size) {
      secret wipe_me(std::move(content));
      return config_failure("secret file " + name + " is larger than 1 MiB");
    }
  }
  trim_trailing_newlines(content);
  if (content.empty()) return config_failure("secret file " + name + " is empty");
  return secret(std::move(content));
}

}  // namespace

auto process_getenv(std::string_view name) -> std::optional<std::string> {
  const std::string n(name);
  const char* v = std::getenv(n.c_str());  // NOLINT(concurrency-mt-unsafe)
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

secret::secret(secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }

auto secret::operator=(const secret& other) -> secret& {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

auto secret::operator=(secret&& other) noexcept -> secret& {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

secret::~secret() { wipe(); }

void secret::wipe() noexcept {
  // Overwrite the whole buffer (a moved-from short string keeps its bytes in place), with
  // a call the optimiser may not remove.
  value_.resize(value_.capacity());
  ::explicit_bzero(value_.data(), value_.size());
  value_.clear();
}

auto secret::to_string() const -> std::string { return std::string(redacted_marker); }

auto to_string(const secret& s) -> std::string { return s.to_string(); }

auto operator<<(std::ostream& os, const secret& /*s*/) -> std::ostream& { return os << redacted_marker; }

auto to_string(secret_provider p) noexcept -> std::string_view {
  switch (p) {
    case secret_provider::literal: return "literal";
    case secret_provider::env: return "env";
    case secret_provider::file: return "file";
    case secret_provider::command: return "command";
  }
  return "unknown";
}

auto is_valid_env_name(std::string_view name) noexcept -> bool {
  if (name.empty()) return false;
  const auto head = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  const auto tail = [&](char c) { return head(c) || std::isdigit(static_cast<unsigned char>(c)) != 0; };
  return head(name.front()) && std::all_of(name.begin() + 1, name.end(), tail);
}

auto secret_source::from_literal(std::string value) -> secret_source {
  secret_source s;
  s.provider = secret_provider::literal;
  s.literal = secret(std::move(value));
  return s;
}

auto secret_source::from_env(std::string name) -> secret_source {
  secret_source s;
  s.provider = secret_provider::env;
  s.variable = std::move(name);
  return s;
}

auto secret_source::from_file(std::filesystem::path file) -> secret_source {
  secret_source s;
  s.provider = secret_provider::file;
  s.path = std::move(file);
  return s;
}

auto secret_source::from_command(std::vector<std::string> args, std::chrono::milliseconds limit) -> secret_source {
  secret_source s;
  s.provider = secret_provider::command;
  s.argv = std::move(args);
  s.timeout = limit;
  return s;
}

auto secret_source::describe() const -> std::string {
  switch (provider) {
    case secret_provider::literal: return "literal";
    case secret_provider::env: return "env " + variable;
    case secret_provider::file: return "file " + path.string();
    case secret_provider::command: {
      std::string out = "command ";
      out += argv.empty() ? std::string("(empty)") : argv.front();
      out += " (";
      if (argv.size() > 1) {
        out += "+" + std::to_string(argv.size() - 1) + (argv.size() == 2 ? " argument, " : " arguments, ");
      }
      out += "timeout " + format_duration(timeout) + ")";
      return out;
    }
  }
  return "unknown";
}

auto secret_source::check() const -> std::vector<diagnostic> {
  std::vector<diagnostic> out;
  switch (provider) {
    case secret_provider::literal: break;
    case secret_provider::env:
      if (variable.empty()) out.push_back(config_failure("the environment variable name is empty"));
      else if (!is_valid_env_name(variable))
        out.push_back(config_failure(in_quotes(variable) + " is not a valid environment variable name"));
      break;
    case secret_provider::file:
      if (path.empty()) out.push_back(config_failure("the secret file path is empty"));
      break;
    case secret_provider::command:
      if (argv.empty()) out.push_back(config_failure("the secret command is empty"));
      else if (argv.front().empty()) out.push_back(config_failure("the secret command's program name is empty"));
      if (timeout.count() <= 0) out.push_back(config_failure("the secret command's timeout must be positive"));
      break;
  }
  return out;
}

auto try_resolve_secret(const secret_source& source, const secret_context& context) -> outcome<secret> {
  switch (source.provider) {
    case secret_provider::literal: return source.literal;
    case secret_provider::env: {
      if (auto problems = source.check(); !problems.empty()) return problems.front();
      const auto& lookup = context.getenv ? context.getenv : getenv_function(process_getenv);
      auto v = lookup(source.variable);
      if (!v) return config_failure("environment variable " + source.variable + " is not set");
      if (v->empty()) return config_failure("environment variable " + source.variable + " is empty");
      return secret(std::move(*v));
    }
    case secret_provider::file: return resolve_file(source, context);
    case secret_provider::command: return resolve_command(source);
  }
  return config_failure("unknown secret provider");
}

auto resolve_secret(const secret_source& source, const secret_context& context) -> secret {
  return try_resolve_secret(source, context).value();
}

}  // namespace pgpx
