#include "interrupt.hpp"

#include <libpq-fe.h>

#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

namespace pgpx::cli {
namespace {

// What the handler reads: lock-free atomics only (async-signal-safe).
std::atomic<PGcancel*> armed{nullptr};
// Handles replaced in `armed`: not freed, since the handler may be using one right now; kept
// here (a handful per command) until exit, so that they are not leaked memory either. Never
// destroyed: the list must outlive static destruction, when leak checkers look.
auto& retired = *new std::vector<PGcancel*>();  // NOLINT(cppcoreguidelines-owning-memory)
volatile std::sig_atomic_t received = 0;

// After the signal the cancel request is repeated every tick until the command ends: a
// request that reaches the backend between two protocol steps (after Parse/Describe, before
// Execute) finds it idle and is ignored by the server, and the next one catches the statement.
constexpr long tick_ms = 100;
constexpr int grace_ticks = 50;  // 5 s
volatile std::sig_atomic_t ticks = 0;

void write_stderr(const char* text) noexcept {
  const auto n = ::write(2, text, std::strlen(text));
  (void)n;
}

void send_cancel() noexcept {
  if (PGcancel* c = armed.load(); c != nullptr) {
    // PQcancel may be called from a signal handler with a local error buffer (libpq docs).
    char errbuf[256];
    (void)PQcancel(c, errbuf, sizeof errbuf);
  }
}

extern "C" void on_alarm(int) {
  const int saved = errno;
  ticks = ticks + 1;
  if (ticks >= grace_ticks) {
    write_stderr("pgpx: the statement did not end after the cancel requests; exiting\n");
    ::_exit(128 + static_cast<int>(received));
  }
  send_cancel();
  errno = saved;
}

extern "C" void on_signal(int sig) {
  if (received != 0) ::_exit(128 + static_cast<int>(received));  // second signal: at once
  received = sig;
  if (armed.load() == nullptr) ::_exit(128 + sig);  // nothing runs on a server: end like the default action
  const int saved = errno;
  // The timer first: PQcancel connects with no deadline of its own, and the grace must run
  // (and a second signal must still end the process) while it is stuck.
  itimerval every{};
  every.it_interval.tv_usec = tick_ms * 1000;
  every.it_value.tv_usec = tick_ms * 1000;
  ::setitimer(ITIMER_REAL, &every, nullptr);
  send_cancel();
  errno = saved;
}

}  // namespace

void install_interrupt_handlers() {
  // SA_NODEFER on both: a handler stuck in PQcancel's connect must not hold back a second
  // signal (which exits at once) or the alarm ticks (which exit at the end of the grace).
  // No SA_RESTART: a blocking read/poll returns EINTR (pgpx re-waits itself).
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_NODEFER;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  struct sigaction al {};
  al.sa_handler = on_alarm;
  sigemptyset(&al.sa_mask);
  al.sa_flags = SA_NODEFER;
  ::sigaction(SIGALRM, &al, nullptr);
}

void cancel_on_interrupt(pgpx::connection& cx) {
  PGcancel* c = PQgetCancel(cx.native_handle());
  if (c == nullptr) return;
  if (PGcancel* previous = armed.exchange(c)) retired.push_back(previous);
}

auto interrupted_by() noexcept -> int { return static_cast<int>(received); }

}  // namespace pgpx::cli
