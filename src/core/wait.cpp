#include <pgpx/core/engine/wait.hpp>

#include <thread>
#include <utility>

namespace pgpx::detail {

namespace {
thread_local waiter* installed = nullptr;
}  // namespace

auto current_waiter() noexcept -> waiter* { return installed; }
auto install_waiter(waiter* w) noexcept -> waiter* { return std::exchange(installed, w); }

void wakeup::notify() {
  cv.notify_one();
  if (!armed_.load(std::memory_order_acquire)) return;
  std::function<void()> f;
  {
    std::lock_guard lock(m_);
    f = on_notify_;
  }
  if (f) f();
}

void sleep_until(deadline d) {
  waiter* fw = current_waiter();
  if (fw == nullptr) {
    std::this_thread::sleep_until(d);
    return;
  }
  std::mutex m;
  std::unique_lock lock(m);
  wakeup nobody;  // never notified: the park ends at the deadline or on a cancellation
  while (clock::now() < d && fw->park(lock, nobody, d)) {
  }
}

void wakeup::on_notify(std::function<void()> f) {
  std::lock_guard lock(m_);
  armed_.store(static_cast<bool>(f), std::memory_order_release);
  on_notify_ = std::move(f);
}

}  // namespace pgpx::detail
