# PGPX_SANITIZE: empty, "address;undefined" or "thread". Applied to every target in the tree.
set(PGPX_SANITIZE "" CACHE STRING "Sanitizers to enable: address;undefined or thread")
if(PGPX_SANITIZE)
  string(REPLACE ";" "," _pgpx_san "${PGPX_SANITIZE}")
  add_compile_options(-fsanitize=${_pgpx_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_pgpx_san})
endif()
