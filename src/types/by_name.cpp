#include <pgpx/types/by_name.hpp>

#include <deque>
#include <mutex>
#include <utility>

namespace pgpx::detail {

namespace {

// The process's type names: append-only. Ids are indexes; a deque never moves its strings.
struct name_registry {
  std::mutex m;
  std::deque<std::string> names;
};

auto registry() -> name_registry& {
  static name_registry r;
  return r;
}

}  // namespace

auto valid_type_name(std::string_view name) noexcept -> bool {
  if (name.empty() || name.size() > 200) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '$' || c == '.' || c == ' ' || c == '"' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

auto register_type_name(std::string_view name) -> std::uint32_t {
  auto& r = registry();
  const std::lock_guard lock(r.m);
  for (std::size_t i = 0; i < r.names.size(); ++i)
    if (r.names[i] == name) return static_cast<std::uint32_t>(i);
  r.names.emplace_back(name);
  const auto id = static_cast<std::uint32_t>(r.names.size() - 1);
  registered_type_count.store(id + 1, std::memory_order_release);
  return id;
}

std::atomic<std::uint32_t> registered_type_count{0};

auto registered_type_name(std::uint32_t id) -> std::string {
  auto& r = registry();
  const std::lock_guard lock(r.m);
  return id < r.names.size() ? r.names[id] : std::string();
}

type_catalog::type_catalog(std::vector<entry> entries, std::string database)
    : entries_(std::move(entries)), database_(std::move(database)) {}

auto type_catalog::name_of(oid t) const -> std::string {
  if (t == 0) return {};
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (e.type == t || e.base == t) return registered_type_name(static_cast<std::uint32_t>(i));
    if (e.array == t) return registered_type_name(static_cast<std::uint32_t>(i)) + "[]";
  }
  return {};
}

namespace {
std::atomic<missing_type_hint_fn> hint_fn{nullptr};
}  // namespace

void set_missing_type_hint(missing_type_hint_fn f) noexcept { hint_fn.store(f, std::memory_order_release); }

auto missing_type_hint(std::string_view type) -> std::string {
  const auto f = hint_fn.load(std::memory_order_acquire);
  return f == nullptr ? std::string() : f(type);
}

auto missing_type_sentence(std::string_view type, std::string_view database) -> std::string {
  return "type \"" + std::string(type) + "\" does not exist in database \"" + std::string(database) + "\"";
}

auto active_type_catalog() noexcept -> const type_catalog*& {
  static thread_local const type_catalog* active = nullptr;
  return active;
}

auto named_type_accepts(std::uint32_t id, oid t) noexcept -> bool {
  const type_catalog* c = active_type_catalog();
  if (c == nullptr) return false;
  const auto* e = c->find(id);
  if (e != nullptr && e->type != 0 && (t == e->type || t == e->base)) return true;
  // A type created at run time that is not the one resolved: the name may have been dropped
  // and created again (a new OID), or created since the catalog was read. Resolve again
  // before the connection's next statement.
  if (!is_builtin_type(t)) c->mark_stale();
  return false;
}

auto named_type_note(std::uint32_t id) -> std::string {
  const std::string name = registered_type_name(id);
  if (!valid_type_name(name)) return " (\"" + name + "\" is not a valid type name)";
  const type_catalog* c = active_type_catalog();
  if (c == nullptr) return " (PostgreSQL type " + name + ")";
  const auto* e = c->find(id);
  if (e == nullptr || e->type == 0) {
    std::string hint = missing_type_hint(name);
    if (hint.empty()) hint = "is its extension installed?";
    return " (" + missing_type_sentence(name, c->database()) + "; " + hint +
           "; it is looked up again before the next statement)";
  }
  return " (PostgreSQL type " + name + ")";
}

auto describe_type_in_catalog(oid t) -> std::string {
  if (const type_catalog* c = active_type_catalog(); c != nullptr && !is_builtin_type(t)) {
    if (std::string n = c->name_of(t); !n.empty()) return n;
  }
  return describe_type(t);
}

}  // namespace pgpx::detail
