// pgpx/export.hpp: symbol visibility for the pgpx libraries.
#pragma once

/// Marks a class or function as part of pgpx's binary interface (visible from the shared objects).
#if defined(_WIN32)
#define PGPX_API
#else
#define PGPX_API __attribute__((visibility("default")))
#endif
