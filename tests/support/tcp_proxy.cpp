#include "support/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pgpx::test {
namespace {

auto listen_loopback(int backlog, int& port) -> int {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  port = ntohs(a.sin_port);
  return fd;
}

auto connect_to(const std::string& host, int port) -> int {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Closes with a TCP reset instead of a FIN.
void reset_close(int fd) {
  if (fd < 0) return;
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

auto write_all(int fd, const char* p, std::size_t n) -> bool {
  while (n > 0) {
    const auto w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

auto load32(const char* p) -> std::uint32_t {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

}  // namespace

struct tcp_proxy::link {
  int client = -1;
  int server = -1;
  bool blackholed = false;
  // Client-to-server framing.
  bool startup_done = false;
  std::string partial;  // bytes of an incomplete message
  ~link() {
    if (client >= 0) ::close(client);
    if (server >= 0) ::close(server);
  }
  void sever() {
    reset_close(client);
    reset_close(server);
    client = server = -1;
  }
  [[nodiscard]] auto dead() const -> bool { return client < 0; }

  // Returns how many bytes of `chunk` to forward: all, or up to the end of the first message
  // that `pred` matches (then `matched` is set).
  auto scan(const char* chunk, std::size_t n, const std::function<bool(char, std::string_view)>& pred, bool& matched)
      -> std::size_t {
    matched = false;
    std::size_t used = 0;
    while (used < n) {
      // Take bytes into `partial` until one message is complete.
      const std::size_t header = startup_done ? 5 : 4;
      if (partial.size() < header) {
        const std::size_t take = std::min(header - partial.size(), n - used);
        partial.append(chunk + used, take);
        used += take;
        if (partial.size() < header) break;
      }
      const std::size_t len = startup_done ? 1 + load32(partial.data() + 1) : load32(partial.data());
      if (len < header || len > (1u << 30)) {  // not PostgreSQL framing: stop parsing
        partial.clear();
        return n;
      }
      const std::size_t take = std::min(len - partial.size(), n - used);
      partial.append(chunk + used, take);
      used += take;
      if (partial.size() < len) break;
      if (!startup_done) {
        const auto code = load32(partial.data() + 4);
        // SSLRequest and GSSENCRequest precede the real startup packet.
        if (code != 80877103 && code != 80877104) startup_done = true;
      } else if (pred && pred(partial[0], std::string_view(partial).substr(5))) {
        matched = true;
        partial.clear();
        return used;
      }
      partial.clear();
    }
    return used;
  }
};

tcp_proxy::tcp_proxy(std::string upstream_host, int upstream_port)
    : host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  listener_ = listen_loopback(128, port_);
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe failed");
  thread_ = std::thread([this] { run(); });
}

tcp_proxy::~tcp_proxy() {
  stop_ = true;
  wake();
  thread_.join();
  links_.clear();
  ::close(listener_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void tcp_proxy::wake() {
  const char c = 1;
  (void)!::write(wake_[1], &c, 1);
}

void tcp_proxy::set_mode(proxy_mode m) {
  {
    std::lock_guard lock(m_);
    mode_ = m;
  }
  wake();
}

void tcp_proxy::set_delay(std::chrono::milliseconds d) {
  std::lock_guard lock(m_);
  delay_ = d;
}

void tcp_proxy::cut_after(std::size_t bytes) {
  {
    std::lock_guard lock(m_);
    cut_budget_ = bytes;
    cut_armed_ = true;
  }
  wake();
}

void tcp_proxy::cut_after_client_message(std::function<bool(char, std::string_view)> pred) {
  std::lock_guard lock(m_);
  cut_on_message_ = std::move(pred);
}

void tcp_proxy::reset_all() {
  {
    std::lock_guard lock(m_);
    reset_requested_ = true;
  }
  wake();
}

auto tcp_proxy::open_connections() const -> std::size_t {
  std::lock_guard lock(m_);
  std::size_t n = 0;
  for (const auto& l : links_)
    if (!l->dead()) ++n;
  return n;
}

void tcp_proxy::run() {
  char buf[64 * 1024];
  while (!stop_) {
    proxy_mode mode;
    std::chrono::milliseconds delay;
    {
      std::lock_guard lock(m_);
      if (reset_requested_) {
        for (auto& l : links_) l->sever();
        reset_requested_ = false;
      }
      std::erase_if(links_, [](const auto& l) { return l->dead(); });
      mode = mode_;
      delay = delay_;
    }
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listener_, POLLIN, 0});
    std::vector<std::pair<link*, bool>> who;  // (link, from_client)
    if (mode == proxy_mode::pass) {
      std::lock_guard lock(m_);
      for (auto& l : links_) {
        if (l->blackholed) continue;
        fds.push_back({l->client, POLLIN, 0});
        who.emplace_back(l.get(), true);
        fds.push_back({l->server, POLLIN, 0});
        who.emplace_back(l.get(), false);
      }
    }
    // Blackholed connections forward nothing, but their clients are watched (and what they
    // send is dropped) so that a client giving up closes the link: open_connections() then
    // counts only attempts still in flight.
    const std::size_t first_hole = fds.size();
    std::vector<link*> holes;
    {
      std::lock_guard lock(m_);
      for (auto& l : links_) {
        if (!l->blackholed || l->dead()) continue;
        fds.push_back({l->client, POLLIN, 0});
        holes.push_back(l.get());
      }
    }
    if (::poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) break;
    for (std::size_t i = 0; i < holes.size(); ++i) {
      if ((fds[first_hole + i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      if (::recv(holes[i]->client, buf, sizeof buf, 0) <= 0) {
        std::lock_guard lock(m_);
        holes[i]->sever();
      }
    }
    if ((fds[0].revents & POLLIN) != 0) {
      char drain[64];
      while (::read(wake_[0], drain, sizeof drain) > 0) {
      }
    }
    // The mode now, not the one read before poll(): set_mode() may have been called while
    // poll() waited, and what arrived with the wake-up (a client that connected right after
    // set_mode(pass), a query sent right after set_mode(pause)) must see the new mode.
    {
      std::lock_guard lock(m_);
      mode = mode_;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      const int c = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        ++accepted_;
        auto l = std::make_unique<link>();
        l->client = c;
        if (mode == proxy_mode::reset) {
          l->sever();
        } else if (mode == proxy_mode::blackhole) {
          l->blackholed = true;
        } else {
          l->server = connect_to(host_, upstream_port_);
          if (l->server < 0) l->sever();
        }
        std::lock_guard lock(m_);
        links_.push_back(std::move(l));
      }
    }
    for (std::size_t i = 0; i < who.size() && mode == proxy_mode::pass; ++i) {
      auto [l, from_client] = who[i];
      if (l->dead() || (fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const int from = from_client ? l->client : l->server;
      const int to = from_client ? l->server : l->client;
      const auto n = ::recv(from, buf, sizeof buf, 0);
      if (n <= 0) {
        l->sever();
        continue;
      }
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      std::size_t forward = static_cast<std::size_t>(n);
      bool sever_after = false;
      if (from_client) {
        std::function<bool(char, std::string_view)> pred;
        {
          std::lock_guard lock(m_);
          pred = cut_on_message_;
          if (cut_armed_) {
            if (forward >= cut_budget_) {
              forward = cut_budget_;
              sever_after = true;
              cut_armed_ = false;
            }
            cut_budget_ -= forward;
          }
        }
        bool matched = false;
        const auto upto = l->scan(buf, forward, pred, matched);
        if (matched) {
          forward = upto;
          sever_after = true;
          std::lock_guard lock(m_);
          cut_on_message_ = nullptr;
        }
      }
      if (!write_all(to, buf, forward)) {
        l->sever();
        continue;
      }
      if (sever_after) {
        // The message reached the server; let it arrive, then drop the link before any reply
        // is relayed (the client never learns the outcome).
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        l->sever();
      }
    }
  }
}

deaf_listener::deaf_listener() { fd_ = listen_loopback(64, port_); }
deaf_listener::~deaf_listener() { ::close(fd_); }

auto open_descriptors() -> std::size_t {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    if (n > 0) --n;  // the directory stream itself
  }
  return n;
}

}  // namespace pgpx::test
