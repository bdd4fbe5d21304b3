#include <pgpx/pool/routed_pool.hpp>

namespace pgpx {

auto routed_pool::open(const conninfo& hosts, routed_pool_options options) -> routed_pool {
  conninfo writes = hosts;
  writes.set("target_session_attrs", "read-write");
  conninfo reads = hosts;
  reads.set("target_session_attrs", options.reads_fall_back_to_primary ? "prefer-standby" : "standby");
  return routed_pool(pool::open(writes, std::move(options.primary)), pool::open(reads, std::move(options.replicas)));
}

}  // namespace pgpx
