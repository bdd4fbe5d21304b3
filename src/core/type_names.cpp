#include <pgpx/core/type_names.hpp>

#include "connection_impl.hpp"

namespace pgpx {

auto detail::resolve_named_type(connection& cx, std::uint32_t id) -> type_catalog::entry {
  auto& s = detail::connection_access::state(cx);
  s.ensure_usable("(resolving type names)");  // resolves every registered name when this session has not yet
  if (const auto* e = s.find_named(id, s.effective_deadline())) return *e;
  if (PQtransactionStatus(s.conn) == PQTRANS_INERROR)
    throw sql_error("cannot look up a type while the transaction is aborted; roll it back first",
                    error_info{.sqlstate = "25P02"});
  return {};
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
