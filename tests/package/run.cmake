# The package tests: a consumer project per documented way of using pgpx, built and run exactly
# as docs/getting-started.md writes it. The page's blocks marked `<!-- package test: NAME -->`
# are the consumer's files and commands; nothing here restates them.
#
#   -DMODE=install           install BUILD into WORK/prefix; check what got installed
#   -DMODE=find_package      CMake consumer with find_package(pgpx) against WORK/prefix
#   -DMODE=pkg_config        the page's pkg-config command against WORK/prefix
#   -DMODE=add_subdirectory  CMake consumer with pgpx's sources in third_party/pgpx
#   -DMODE=manage            an application's own manage binary: find_package(pgpx) and
#                            pgpx::cli against WORK/prefix (when pgpx was built with its CLI)
#
# Also: SOURCE, BUILD (pgpx's build tree), WORK, CXX, SHARED (ON/OFF: BUILD_SHARED_LIBS of
# BUILD), LAUNCHER (CMAKE_CXX_COMPILER_LAUNCHER, may be empty), CLUSTER_TOOL and CLUSTER_DIR
# (pgpx_test_cluster and the test cluster, for a database to run the program in).
set(prefix ${WORK}/prefix)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

# The block after the marker `<!-- package test: NAME -->` on docs/getting-started.md (read
# as one string: the lines of C++ hold `;`, which a CMake list would split).
function(doc_block name var)
  file(READ ${SOURCE}/docs/getting-started.md page)
  set(marker "<!-- package test: ${name} -->\n")
  string(FIND "${page}" "${marker}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "docs/getting-started.md has no block marked '<!-- package test: ${name} -->'")
  endif()
  string(LENGTH "${marker}" n)
  math(EXPR at "${at} + ${n}")
  string(SUBSTRING "${page}" ${at} -1 rest)
  if(NOT rest MATCHES "^```[a-z]*\n")
    message(FATAL_ERROR "docs/getting-started.md: no ``` block right after '<!-- package test: ${name} -->'")
  endif()
  string(FIND "${rest}" "\n" eol)
  math(EXPR eol "${eol} + 1")
  string(SUBSTRING "${rest}" ${eol} -1 rest)
  string(FIND "${rest}" "\n```" end)
  math(EXPR end "${end} + 1")
  string(SUBSTRING "${rest}" 0 ${end} text)
  set(${var} "${text}" PARENT_SCOPE)
endfunction()

# A consumer directory with the page's main.cpp.
function(make_consumer dir)
  file(REMOVE_RECURSE ${dir})
  doc_block(main.cpp main)
  file(WRITE ${dir}/main.cpp "${main}")
endfunction()

# Runs the program in a fresh database of the test cluster and compares its output with the
# page's block OUTPUT (default `output`). RUN_ENV: more VAR=value for the program; ARGS: its
# arguments.
function(run_program exe db)
  cmake_parse_arguments(P "" "OUTPUT" "ARGS" ${ARGN})
  if(NOT P_OUTPUT)
    set(P_OUTPUT output)
  endif()
  run("creating database ${db}" ${CLUSTER_TOOL} database ${CLUSTER_DIR} ${db})
  string(STRIP "${out}" url)
  run("running ${exe}" ${CMAKE_COMMAND} -E env "PGPX_DATABASE_URL=${url}" ${RUN_ENV} ${exe} ${P_ARGS})
  doc_block(${P_OUTPUT} want)
  if(NOT out STREQUAL want)
    message(FATAL_ERROR "${exe} printed:\n${out}\ndocs/getting-started.md says it prints:\n${want}")
  endif()
  message(STATUS "${exe}: ${out}")
endfunction()

# The libraries of the build's linkage, and none of the other.
function(check_linkage exe)
  if(SHARED)
    run("ldd ${exe}" ldd ${exe})
    if(NOT out MATCHES "libpgpx_core\\.so")
      message(FATAL_ERROR "${exe} does not use the shared libpgpx_core:\n${out}")
    endif()
  else()
    run("ldd ${exe}" ldd ${exe})
    if(out MATCHES "libpgpx_")
      message(FATAL_ERROR "${exe} uses shared pgpx libraries in a static build:\n${out}")
    endif()
  endif()
endfunction()

set(cmake_args -G Ninja -DCMAKE_CXX_COMPILER=${CXX})
if(LAUNCHER)
  list(APPEND cmake_args -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE ${prefix})
  run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})
  # Headers: include/pgpx only, every public header and nothing private (no *_impl.hpp, nothing
  # from src/); version.hpp is generated.
  file(GLOB_RECURSE installed LIST_DIRECTORIES false RELATIVE ${prefix}/include ${prefix}/include/*)
  file(GLOB_RECURSE public LIST_DIRECTORIES false RELATIVE ${SOURCE}/include ${SOURCE}/include/*)
  # pgpx::cli's one public header (cli/include) when the CLI was built.
  file(GLOB_RECURSE cli_public LIST_DIRECTORIES false RELATIVE ${SOURCE}/cli/include ${SOURCE}/cli/include/*)
  if(CLI)
    list(APPEND public ${cli_public})
  endif()
  set(failures "")
  foreach(h IN LISTS installed)
    if(NOT h MATCHES "^pgpx/")
      list(APPEND failures "installed outside include/pgpx: include/${h}")
    elseif(h MATCHES "_impl\\.hpp$")
      list(APPEND failures "a private header is installed: include/${h}")
    elseif(NOT EXISTS ${SOURCE}/include/${h} AND NOT (CLI AND EXISTS ${SOURCE}/cli/include/${h})
           AND NOT h STREQUAL "pgpx/version.hpp")
      list(APPEND failures "installed but not a header of include/pgpx: include/${h}")
    endif()
  endforeach()
  foreach(h IN LISTS public)
    list(FIND installed ${h} found)
    if(found EQUAL -1)
      list(APPEND failures "public header not installed: include/${h}")
    endif()
  endforeach()
  if(NOT EXISTS ${prefix}/include/pgpx/version.hpp)
    list(APPEND failures "include/pgpx/version.hpp not installed")
  endif()
  # Libraries of the build's linkage.
  if(SHARED)
    set(lib ${prefix}/lib/libpgpx_core.so)
  else()
    set(lib ${prefix}/lib/libpgpx_core.a)
  endif()
  if(NOT EXISTS ${lib})
    list(APPEND failures "${lib} not installed")
  endif()
  if(CLI AND NOT EXISTS ${prefix}/lib/libpgpx_cli.a)
    list(APPEND failures "${prefix}/lib/libpgpx_cli.a (pgpx::cli) not installed")
  endif()
  # pgpx.pc: Requires names only what users' code includes.
  run("pkg-config --print-requires" ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig
      pkg-config --print-requires pgpx)
  if(out MATCHES "libpq|tomlplusplus|libssl|openssl" OR NOT out MATCHES "nlohmann_json")
    list(APPEND failures "pgpx.pc Requires must list only what users' code includes, not: ${out}")
  endif()
  if(failures)
    string(REPLACE ";" "\n" msg "${failures}")
    message(FATAL_ERROR "${msg}")
  endif()
  list(LENGTH installed n)
  message(STATUS "installed ${n} headers under include/pgpx, none private")

elseif(MODE STREQUAL "find_package")
  set(dir ${WORK}/find_package)
  make_consumer(${dir})
  doc_block(find_package/CMakeLists.txt cml)
  file(WRITE ${dir}/CMakeLists.txt "${cml}")
  run("configuring the find_package consumer" ${CMAKE_COMMAND} -S ${dir} -B ${dir}/build ${cmake_args}
      -DCMAKE_PREFIX_PATH=${prefix})
  run("building the find_package consumer" ${CMAKE_COMMAND} --build ${dir}/build)
  check_linkage(${dir}/build/app)
  run_program(${dir}/build/app pgpx_package_find_package)

elseif(MODE STREQUAL "pkg_config")
  set(dir ${WORK}/pkg_config)
  make_consumer(${dir})
  if(SHARED)
    doc_block("pkg-config shared" command)
  else()
    doc_block("pkg-config static" command)
  endif()
  string(STRIP "${command}" command)
  # The page's command as it is, with the compiler of this build as `c++`.
  string(REGEX REPLACE "^c\\+\\+ " "${CXX} " command "${command}")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig sh -c "${command}"
                  WORKING_DIRECTORY ${dir} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${command} failed:\n${out}${err}")
  endif()
  check_linkage(${dir}/app)
  if(SHARED)
    set(RUN_ENV "LD_LIBRARY_PATH=${prefix}/lib")  # as the page says: pkg-config records no path
  endif()
  run_program(${dir}/app pgpx_package_pkg_config)

elseif(MODE STREQUAL "add_subdirectory")
  set(dir ${WORK}/add_subdirectory)
  make_consumer(${dir})
  doc_block(add_subdirectory/CMakeLists.txt cml)
  file(WRITE ${dir}/CMakeLists.txt "${cml}")
  file(MAKE_DIRECTORY ${dir}/third_party)
  file(CREATE_LINK ${SOURCE} ${dir}/third_party/pgpx SYMBOLIC)
  # No build type, as the page leaves it: pgpx must not choose one for its parent.
  run("configuring the add_subdirectory consumer" ${CMAKE_COMMAND} -S ${dir} -B ${dir}/build ${cmake_args}
      -DBUILD_SHARED_LIBS=${SHARED})
  file(STRINGS ${dir}/build/CMakeCache.txt build_type REGEX "^CMAKE_BUILD_TYPE:")
  if(NOT build_type MATCHES "^CMAKE_BUILD_TYPE:[A-Z]+=$")
    message(FATAL_ERROR "pgpx set its parent's build type: ${build_type}")
  endif()
  # Only the libraries: as a subproject pgpx builds no tests, CLI or examples.
  run("building the add_subdirectory consumer" ${CMAKE_COMMAND} --build ${dir}/build)
  if(EXISTS ${dir}/build/third_party/pgpx/cli OR EXISTS ${dir}/build/third_party/pgpx/tests)
    message(FATAL_ERROR "pgpx built its CLI or tests as a subproject")
  endif()
  check_linkage(${dir}/build/app)
  run_program(${dir}/build/app pgpx_package_add_subdirectory)

elseif(MODE STREQUAL "manage")
  set(dir ${WORK}/manage)
  file(REMOVE_RECURSE ${dir})
  doc_block(manage/main.cpp main)
  file(WRITE ${dir}/main.cpp "${main}")
  doc_block(manage/CMakeLists.txt cml)
  file(WRITE ${dir}/CMakeLists.txt "${cml}")
  run("configuring the manage consumer" ${CMAKE_COMMAND} -S ${dir} -B ${dir}/build ${cmake_args}
      -DCMAKE_PREFIX_PATH=${prefix})
  run("building the manage consumer" ${CMAKE_COMMAND} --build ${dir}/build)
  check_linkage(${dir}/build/manage)
  run_program(${dir}/build/manage pgpx_package_manage OUTPUT manage/output ARGS schema diff --to models)

else()
  message(FATAL_ERROR "MODE must be install, find_package, pkg_config, add_subdirectory or manage")
endif()
