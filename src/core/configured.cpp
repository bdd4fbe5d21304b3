#include <pgpx/core/configured.hpp>

namespace pgpx {

auto connection_options_of(const config& cfg) -> connection_options {
  connection_options o;
  o.connect_timeout = cfg.connect_timeout();
  o.statement_timeout = cfg.statement_timeout();
  o.statement_cache_capacity = cfg.statement_cache_capacity();
  return o;
}

}  // namespace pgpx
