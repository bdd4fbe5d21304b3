# Warning flags shared by every pgpx target (never exported to consumers).
set(PGPX_WARNING_FLAGS
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  # C++20 designated initializers leave members out on purpose (`author{.name = "Ada"}`:
  # the identity and server-default members are filled by RETURNING); g++ 12 warns on each.
  -Wno-missing-field-initializers)
if(PGPX_WERROR)
  list(APPEND PGPX_WARNING_FLAGS -Werror)
endif()
# For executables and tests (not exported).
add_library(pgpx_warnings INTERFACE)
target_compile_options(pgpx_warnings INTERFACE ${PGPX_WARNING_FLAGS})
