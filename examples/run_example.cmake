# Runs an example with PGPX_DATABASE_URL pointing at the test cluster.
file(READ ${CLUSTER_DIR}/conninfo conninfo)
string(STRIP "${conninfo}" conninfo)
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PGPX_DATABASE_URL=${conninfo}" ${EXE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} failed with ${rc}")
endif()
