# Runs an example with PGPX_DATABASE_URL pointing at the test cluster, or at the PGlite server
# of the "pglite.start" fixture when PGPX_EXAMPLE_PGLITE_RUN_DIR is set (examples needing pgvector).
if(DEFINED ENV{PGPX_EXAMPLE_PGLITE_RUN_DIR})
  file(READ $ENV{PGPX_EXAMPLE_PGLITE_RUN_DIR}/port port)
  string(STRIP "${port}" port)
  set(conninfo "host=127.0.0.1 port=${port} user=postgres dbname=postgres sslmode=disable gssencmode=disable")
  # PGlite runs ONE session for all connections: the tests before may have left prepared
  # statements (pgpx_1...) and settings in it. Start from a clean session, as the tests do.
  execute_process(COMMAND psql -XAtq "${conninfo}" -c "discard all" RESULT_VARIABLE discard_rc)
  if(NOT discard_rc EQUAL 0)
    message(FATAL_ERROR "discard all on PGlite (port ${port}) failed with ${discard_rc}")
  endif()
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
