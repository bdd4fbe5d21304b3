// pgpx/core/engine/transaction_access.hpp: the members of pgpx::transaction that pgpx's own
// sources use (private header, not installed).
#pragma once

#include <pgpx/core/transaction.hpp>

#include <string>

namespace pgpx::detail {

struct transaction_access {
  /// Allocates the next savepoint name of `tx` (pgpx::savepoint).
  [[nodiscard]] static auto next_savepoint_name(transaction& tx) -> std::string { return tx.next_savepoint_name(); }
};

}  // namespace pgpx::detail
