#include "fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <new>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define PGPX_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PGPX_FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define PGPX_FIBER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PGPX_FIBER_TSAN 1
#endif
#endif

#if defined(PGPX_FIBER_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(PGPX_FIBER_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace pgpx::detail {

namespace {

// Each fiber's stack: 1 MiB of address space with a guard page below it, committed only as
// it is touched (the engine itself needs a few tens of KiB; libpg_query's parser and
// OpenSSL's handshake more). Finished fibers' stacks are kept per thread for reuse, so a
// statement does not pay mmap and munmap.
constexpr std::size_t stack_bytes = std::size_t{1} << 20;
constexpr std::size_t kept_stacks = 16;

auto page_size() -> std::size_t {
  static const auto size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

struct stack_cache {
  std::vector<void*> free;
  ~stack_cache() {
    for (void* s : free) ::munmap(static_cast<char*>(s) - page_size(), stack_bytes + page_size());
  }
};
thread_local stack_cache stacks;
thread_local fiber* running = nullptr;

auto take_stack() -> void* {
  if (!stacks.free.empty()) {
    void* s = stacks.free.back();
    stacks.free.pop_back();
    return s;
  }
  const std::size_t guard = page_size();
  void* base = ::mmap(nullptr, stack_bytes + guard, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  if (::mprotect(base, guard, PROT_NONE) != 0) {
    ::munmap(base, stack_bytes + guard);
    throw std::bad_alloc();
  }
  return static_cast<char*>(base) + guard;
}

void give_stack(void* s) noexcept {
  if (stacks.free.size() < kept_stacks) {
    try {
      stacks.free.push_back(s);
      return;
    } catch (...) {  // fall through: unmap it
    }
  }
  ::munmap(static_cast<char*>(s) - page_size(), stack_bytes + page_size());
}

}  // namespace

fiber::fiber(void (*fn)(void*), void* arg) : fn_(fn), arg_(arg) {}

fiber::~fiber() {
  if (stack_ != nullptr) give_stack(stack_);
#if defined(PGPX_FIBER_TSAN)
  if (tsan_fiber_ != nullptr) __tsan_destroy_fiber(tsan_fiber_);
#endif
}

auto fiber::on_fiber() noexcept -> bool { return running != nullptr; }

void fiber::entry(unsigned lo, unsigned hi) {
  auto* self = reinterpret_cast<fiber*>((static_cast<std::uintptr_t>(hi) << 32) | static_cast<std::uintptr_t>(lo));
#if defined(PGPX_FIBER_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, &self->caller_bottom_, &self->caller_size_);
#endif
  try {
    self->fn_(self->arg_);
  } catch (...) {
    self->failure_ = std::current_exception();
  }
  self->finished_ = true;
  self->switch_out(true);
}

auto fiber::resume() -> bool {
  if (finished_) return true;
  if (!started_) {
    stack_ = take_stack();
    stack_size_ = stack_bytes;
    if (::getcontext(&ctx_) != 0) throw std::bad_alloc();
    ctx_.uc_stack.ss_sp = stack_;
    ctx_.uc_stack.ss_size = stack_size_;
    ctx_.uc_link = nullptr;
    const auto p = reinterpret_cast<std::uintptr_t>(this);
    ::makecontext(&ctx_, reinterpret_cast<void (*)()>(&fiber::entry), 2, static_cast<unsigned>(p & 0xffffffffU),
                  static_cast<unsigned>(p >> 32));
#if defined(PGPX_FIBER_TSAN)
    tsan_fiber_ = __tsan_create_fiber(0);
#endif
    started_ = true;
  }
  outer_ = running;
  running = this;
#if defined(PGPX_FIBER_TSAN)
  tsan_caller_ = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
#if defined(PGPX_FIBER_ASAN)
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, stack_, stack_size_);
#endif
  ::swapcontext(&caller_, &ctx_);
#if defined(PGPX_FIBER_ASAN)
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  running = outer_;
  if (finished_ && failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  return finished_;
}

void fiber::suspend() {
  fiber* self = running;
  if (self != nullptr) self->switch_out(false);
}

void fiber::switch_out(bool finishing) {
#if defined(PGPX_FIBER_TSAN)
  __tsan_switch_to_fiber(tsan_caller_, 0);
#endif
#if defined(PGPX_FIBER_ASAN)
  __sanitizer_start_switch_fiber(finishing ? nullptr : &fake_stack_, caller_bottom_, caller_size_);
#else
  (void)finishing;
#endif
  ::swapcontext(&ctx_, &caller_);
  // Resumed again (never after finishing).
#if defined(PGPX_FIBER_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack_, &caller_bottom_, &caller_size_);
#endif
}

}  // namespace pgpx::detail
