// src/core/socket_wait_impl.hpp: waiting on a libpq socket under a deadline, for the sources
// of core that drive libpq (the connection, the TLS diagnosis). Not installed.
#pragma once

#include <pgpx/core/deadline.hpp>

#include <poll.h>

#include <cerrno>
#include <chrono>

namespace pgpx::detail {

enum class wait_outcome { ready, timed_out };

// Waits until the socket is ready for `events` or the deadline passes. Returns the
// revents through `revents`. EINTR restarts the wait with the remaining time.
inline auto wait_socket(int fd, short events, deadline d, short* revents = nullptr) -> wait_outcome {
  for (;;) {
    int timeout_ms = -1;
    if (d != no_deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(d - clock::now()).count();
      if (left <= 0) return wait_outcome::timed_out;
      timeout_ms = left > 1'000'000 ? 1'000'000 : static_cast<int>(left);
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) {
      if (revents != nullptr) *revents = p.revents;
      return wait_outcome::ready;
    }
    if (n == 0) {
      if (d != no_deadline && clock::now() >= d) return wait_outcome::timed_out;
      continue;
    }
    if (errno != EINTR) {
      if (revents != nullptr) *revents = POLLERR;
      return wait_outcome::ready;  // let libpq discover and report the socket error
    }
  }
}

}  // namespace pgpx::detail
