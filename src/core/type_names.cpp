#include <pgpx/core/type_names.hpp>

#include "connection_impl.hpp"

namespace pgpx {

auto detail::resolve_named_type(connection& cx, std::uint32_t id) -> type_catalog::entry {
  auto& s = detail::connection_access::state(cx);
  constexpr std::string_view what = "(resolving type names)";
  s.ensure_usable(what);  // resolves every registered name when this session has not yet
  const auto* e = s.named_types ? s.named_types->find(id) : nullptr;
  if (e == nullptr || e->type == 0) {
    if (PQtransactionStatus(s.conn) == PQTRANS_INERROR)
      throw sql_error("cannot look up a type while the transaction is aborted; roll it back first",
                      error_info{.sqlstate = "25P02"});
    s.load_types(s.effective_deadline());
    e = s.named_types->find(id);
  }
  return e == nullptr ? type_catalog::entry{} : *e;
}

auto detail::connection_type_catalog(connection& cx) -> std::shared_ptr<const type_catalog> {
  auto& s = detail::connection_access::state(cx);
  s.ensure_usable("(resolving type names)");
  return s.named_types;
}

auto type_oid(connection& cx, std::string_view name) -> oid {
  if (!detail::valid_type_name(name))
    throw usage_error("\"" + std::string(name) + "\" is not a type name (letters, digits, _ $ . \" [] and spaces)");
  return detail::resolve_named_type(cx, detail::register_type_name(name)).type;
}

}  // namespace pgpx
