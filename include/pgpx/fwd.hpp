// pgpx/fwd.hpp: forward declarations of pgpx's most used classes.
#pragma once

#include <pgpx/export.hpp>

namespace pgpx {
class connection;
class result;
class row;
class field;
class transaction;
class conninfo;
class error;
class param_list;
}  // namespace pgpx
