# Installs the build tree into a temporary prefix, then builds and runs the consumer project
# with find_package(pgpx), and compiles it once more with pkg-config's flags.
set(prefix ${WORK}/prefix)
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE}/tests/package/find_package -B ${WORK}/consumer -G Ninja
                  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the consumer with find_package(pgpx) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/consumer RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK}/consumer/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer failed: ${out}")
endif()
# pkg-config
# pgpx installs static libraries: their private dependencies come with --static. Without it
# pkg-config names only what users' code includes (fmt, spdlog, nlohmann_json): check that.
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig pkg-config --print-requires pgpx
                RESULT_VARIABLE rc OUTPUT_VARIABLE requires OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0 OR requires MATCHES "libpq|tomlplusplus|libssl" OR NOT requires MATCHES "nlohmann_json")
  message(FATAL_ERROR "pgpx.pc Requires must list only what users' code includes, not: ${requires}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig pkg-config --static --cflags --libs pgpx
                RESULT_VARIABLE rc OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --static --cflags --libs pgpx failed")
endif()
separate_arguments(flag_list UNIX_COMMAND "${flags}")
execute_process(COMMAND ${CXX} ${SOURCE}/tests/package/find_package/main.cpp -o ${WORK}/consumer_pc ${flag_list}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building with pkg-config flags (${flags}) failed: ${err}")
endif()
execute_process(COMMAND ${WORK}/consumer_pc RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the pkg-config consumer failed: ${out}")
endif()
file(REMOVE_RECURSE ${WORK})
