# Public classes expose no members for pgpx's own use: such members are private and reached
# through a detail::<class>_access struct (in the public header when header templates need
# it, in a private header otherwise). This fails when a public header documents a member as
# "(internal use)" or "Internal:" again. Headers under include/pgpx/detail/ are internal as a
# whole and may say so.
file(GLOB_RECURSE headers ${SOURCE}/include/pgpx/*.hpp)
set(failures "")
foreach(f ${headers})
  if(f MATCHES "/include/pgpx/detail/")
    continue()
  endif()
  file(STRINGS ${f} lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    string(TOLOWER "${line}" lower)
    if(lower MATCHES "internal use|internal:")
      file(RELATIVE_PATH rel ${SOURCE} ${f})
      string(STRIP "${line}" text)
      list(APPEND failures "${rel}:${n}: ${text}")
    endif()
  endforeach()
endforeach()
if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "members marked for internal use in public headers (make them private and "
                      "grant access through a detail::<class>_access struct):\n  ${text}")
endif()
list(LENGTH headers count)
message(STATUS "${count} public headers, no member marked for internal use")
