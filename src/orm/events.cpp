// Model events: the event object and the global hook list (copy on write).
#include <pgpx/orm/events.hpp>

#include <algorithm>
#include <mutex>
#include <utility>

namespace pgpx {

void event::reject(std::string_view field, std::string type, std::string msg) {
  if (phase_ == phase_kind::after)
    throw usage_error("event::reject in an after_" + std::string(to_string(kind_)) + " hook of " +
                      std::string(model_->cpp_name) + ": the write already happened (roll back the transaction)");
  rejected_.add(field, std::move(type), std::move(msg));
}

auto to_string(write_event kind) noexcept -> std::string_view {
  switch (kind) {
    case write_event::insert: return "insert";
    case write_event::update: return "update";
    case write_event::remove: return "delete";
    case write_event::update_many: return "update_many";
    case write_event::delete_many: return "delete_many";
  }
  return "write";
}

namespace events {
namespace {

struct entry {
  phase when;
  hook fn;
  const void* id;
};
using list = std::vector<entry>;

std::mutex registry_mutex;
std::shared_ptr<const list> registry = std::make_shared<const list>();  // replaced, never changed

auto snapshot() -> std::shared_ptr<const list> {
  const std::lock_guard lock(registry_mutex);
  return registry;
}

void remove_id(const void* id) {
  const std::lock_guard lock(registry_mutex);
  auto next = std::make_shared<list>(*registry);
  next->erase(std::remove_if(next->begin(), next->end(), [&](const entry& e) { return e.id == id; }), next->end());
  registry = std::move(next);
}

}  // namespace

void subscription::reset() noexcept {
  if (!token_) return;
  const void* id = token_.get();
  token_.reset();
  try {
    remove_id(id);
  } catch (...) {  // allocation failure: the hook stays registered
  }
}

auto on(phase when, hook fn) -> subscription {
  if (!fn) throw usage_error("pgpx::events::on: the hook is empty");
  auto token = std::make_shared<int>(0);
  {
    const std::lock_guard lock(registry_mutex);
    auto next = std::make_shared<list>(*registry);
    next->push_back(entry{when, std::move(fn), token.get()});
    registry = std::move(next);
  }
  return subscription(std::shared_ptr<const void>(std::move(token)));
}

void run_global(event& e) {
  const auto hooks = snapshot();
  for (const auto& h : *hooks)
    if (h.when == e.phase()) h.fn(e);
}

}  // namespace events
}  // namespace pgpx
