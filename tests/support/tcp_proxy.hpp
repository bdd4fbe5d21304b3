// tests/support/tcp_proxy.hpp: a TCP proxy that misbehaves on request, for fault tests.
//
//   pgpx::test::tcp_proxy proxy{"127.0.0.1", server_port};
//   auto ci = ...; ci.set("port", std::to_string(proxy.port()));
//   proxy.set_mode(pgpx::test::proxy_mode::pause);     // stall both directions
//   proxy.cut_after_client_message([](char type, std::string_view body) {
//     return type == 'Q' && body.starts_with("COMMIT");  // drop the link once COMMIT went through
//   });
//
// Modes: pass (forward), pause (stop forwarding both ways: a stalled network), blackhole
// (accept new connections but never forward), reset (answer new connections with RST), and
// for existing connections cut_after(n) / reset_all(). The proxy parses the PostgreSQL
// framing of client→server traffic (startup packet, then 1-byte type + int32 length), so a
// test can act right after a given message was forwarded and before any reply is relayed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace pgpx::test {

/// What the proxy does with traffic.
enum class proxy_mode {
  pass,       ///< forward everything
  pause,      ///< forward nothing, read nothing (connections stay open: a stall)
  blackhole,  ///< new connections are accepted and never forwarded
  reset,      ///< new connections are answered with a TCP reset
};

/// An in-process TCP proxy on 127.0.0.1 with a free port, driven by one thread.
class tcp_proxy {
 public:
  tcp_proxy(std::string upstream_host, int upstream_port);
  tcp_proxy(const tcp_proxy&) = delete;
  auto operator=(const tcp_proxy&) -> tcp_proxy& = delete;
  ~tcp_proxy();

  /// The port clients connect to.
  [[nodiscard]] auto port() const noexcept -> int { return port_; }
  /// Changes the mode for existing and new connections.
  void set_mode(proxy_mode m);
  /// Delays every forwarded chunk by `d`.
  void set_delay(std::chrono::milliseconds d);
  /// Closes every connection with a TCP reset once `bytes` more bytes went client→server.
  void cut_after(std::size_t bytes);
  /// After forwarding a client message for which `pred(type, body)` is true, relays nothing
  /// more from the server and resets both sides.
  void cut_after_client_message(std::function<bool(char type, std::string_view body)> pred);
  /// Resets every open connection now.
  void reset_all();
  /// Connections currently open through the proxy.
  [[nodiscard]] auto open_connections() const -> std::size_t;
  /// Connections accepted so far.
  [[nodiscard]] auto accepted() const noexcept -> std::size_t { return accepted_.load(); }

 private:
  struct link;
  void run();
  void wake();

  std::string host_;
  int upstream_port_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> accepted_{0};
  mutable std::mutex m_;
  proxy_mode mode_ = proxy_mode::pass;
  std::chrono::milliseconds delay_{0};
  std::size_t cut_budget_ = 0;
  bool cut_armed_ = false;
  bool reset_requested_ = false;
  std::function<bool(char, std::string_view)> cut_on_message_;
  std::vector<std::unique_ptr<link>> links_;
  std::thread thread_;
};

/// A socket that listens on 127.0.0.1 but never accepts: connections complete the TCP
/// handshake (the kernel's backlog) and then nothing ever answers.
class deaf_listener {
 public:
  deaf_listener();
  deaf_listener(const deaf_listener&) = delete;
  auto operator=(const deaf_listener&) -> deaf_listener& = delete;
  ~deaf_listener();
  /// The port.
  [[nodiscard]] auto port() const noexcept -> int { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// The number of open file descriptors of this process (for leak checks).
[[nodiscard]] auto open_descriptors() -> std::size_t;

}  // namespace pgpx::test
