// The models and row types of spec/orm.md §0 and §4 (tests/support), shared by
// builder20.cpp and baseline20.cpp, with the headers both include (the compile-time budget
// of spec/orm.md D3: scripts/compile_time.sh).
#pragma once

#include "support/orm_models.hpp"
#include "support/query_models.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/orm/eager.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace ct {
using namespace orm_models;
using namespace query_models;
}  // namespace ct
