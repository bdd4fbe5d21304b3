// pgpx/types.hpp: every codec pgpx ships.
#pragma once

#include <pgpx/types/builtin.hpp>
#include <pgpx/types/codec.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/convert.hpp>
#include <pgpx/types/oid.hpp>
#include <pgpx/types/numeric.hpp>
#include <pgpx/types/uuid.hpp>
#include <pgpx/types/chrono.hpp>
#include <pgpx/types/json.hpp>
#include <pgpx/types/inet.hpp>
#include <pgpx/types/array.hpp>
#include <pgpx/types/range.hpp>
#include <pgpx/types/multirange.hpp>
#include <pgpx/types/enum.hpp>
#include <pgpx/types/composite.hpp>
