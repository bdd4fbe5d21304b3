// pgpx/pgpx.hpp: everything an application needs from pgpx.
//
//   #include <pgpx/pgpx.hpp>
//
//   auto cfg = pgpx::config::load();                      // pgpx.toml, environment, --url
//   pgpx::connection cx{cfg.connection(), pgpx::connection_options_of(cfg)};
//   auto n = cx.query_value<std::int64_t>("select count(*) from books");
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/outcome.hpp>
#include <pgpx/version.hpp>

#include <pgpx/reflect/naming.hpp>
#include <pgpx/reflect/reflect.hpp>

#include <pgpx/types.hpp>

#include <pgpx/config/config.hpp>
#include <pgpx/config/conninfo.hpp>
#include <pgpx/config/secrets.hpp>

#include <pgpx/core/configured.hpp>
#include <pgpx/core/connection.hpp>
#include <pgpx/core/deadline.hpp>
#include <pgpx/core/hooks.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/core/result.hpp>
#include <pgpx/core/retry.hpp>
#include <pgpx/core/statement.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/copy.hpp>
#include <pgpx/core/notify.hpp>
#include <pgpx/core/stream.hpp>
#include <pgpx/core/tls_policy.hpp>

#include <pgpx/pool/pool.hpp>
#include <pgpx/pool/routed_pool.hpp>

#include <pgpx/async/async.hpp>

#include <pgpx/observe/log.hpp>
#include <pgpx/observe/query_log.hpp>
