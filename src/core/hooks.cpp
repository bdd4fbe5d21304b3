#include <pgpx/core/hooks.hpp>

#include <mutex>

namespace pgpx {
namespace {
std::mutex hook_mutex;
std::shared_ptr<const query_hook> current_hook;  // guarded by hook_mutex
}  // namespace

void set_default_query_hook(std::shared_ptr<const query_hook> hook) {
  std::lock_guard lock(hook_mutex);
  current_hook = std::move(hook);
}

auto default_query_hook() -> std::shared_ptr<const query_hook> {
  std::lock_guard lock(hook_mutex);
  return current_hook;
}

}  // namespace pgpx
