// pgpx/export.hpp: symbol visibility for the pgpx libraries, and the language check every
// public header starts with.
#pragma once

// pgpx is C++20. Under an older standard say so once and stop (a missing header is a fatal
// error), instead of hundreds of errors from the first concept or designated initializer.
#if (defined(_MSVC_LANG) ? _MSVC_LANG : __cplusplus) < 201709L
#error "pgpx needs C++20: compile with -std=c++20 (in CMake, link a pgpx:: target or set CMAKE_CXX_STANDARD 20)"
#include <pgpx_needs_cpp20>  // stops the compiler here
#endif

/// Marks a class or function as part of pgpx's binary interface (visible from the shared objects).
#if defined(_WIN32)
#define PGPX_API
#else
#define PGPX_API __attribute__((visibility("default")))
#endif
