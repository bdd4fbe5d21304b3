#pragma once
#include <pgpx/types.hpp>
#include <pgpx/core/connection.hpp>
