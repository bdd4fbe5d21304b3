# Runs an example with PGPX_DATABASE_URL pointing at the test cluster, or at the PGlite server
# of the "pglite.start" fixture when PGPX_EXAMPLE_PGLITE_RUN_DIR is set (examples needing pgvector).
if(DEFINED ENV{PGPX_EXAMPLE_PGLITE_RUN_DIR})
  file(READ $ENV{PGPX_EXAMPLE_PGLITE_RUN_DIR}/port port)
  string(STRIP "${port}" port)
  set(conninfo "host=127.0.0.1 port=${port} user=postgres dbname=postgres sslmode=disable gssencmode=disable")
else()
  file(READ ${CLUSTER_DIR}/conninfo conninfo)
  string(STRIP "${conninfo}" conninfo)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PGPX_DATABASE_URL=${conninfo}" ${EXE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} failed with ${rc}")
endif()
