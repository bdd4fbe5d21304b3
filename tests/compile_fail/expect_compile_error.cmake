# Compiles SOURCE and succeeds only when compilation fails with the text given in the
# source's first line, written as:  // expect: <text>
# Further leading lines "// expect: <text>" add texts that must all appear.
# With -DMAX_LINES=N, the whole diagnostic must also fit in N lines (spec/orm.md D3: a
# refusal reads in one screen, not a wall of candidates).
file(STRINGS ${SOURCE} lines REGEX "^// expect: ")
execute_process(
  COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INCLUDES} ${SOURCE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
foreach(line ${lines})
  string(REGEX REPLACE "^// expect: " "" expected "${line}")
  string(FIND "${err}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${SOURCE} failed to compile without the expected message '${expected}':\n${err}")
  endif()
  message(STATUS "failed to compile as expected: ${expected}")
endforeach()
if(DEFINED MAX_LINES)
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines count)
  if(count GREATER MAX_LINES)
    message(FATAL_ERROR "${SOURCE}: the diagnostic has ${count} lines, more than ${MAX_LINES}:\n${err}")
  endif()
  message(STATUS "diagnostic of ${count} lines (at most ${MAX_LINES})")
endif()
