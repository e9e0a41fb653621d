# Fails when the vramcalc binary constructs the standard streams (std::ios_base::Init): a file of
# the command line included <iostream> (directly or through CLI11 without cli/cli11.hpp), and
# every run pays for building streams and locale it never uses (docs/performance.md).
# Usage: cmake -DNM=nm -DBINARY=build/vramcalc -P no_standard_streams.cmake
execute_process(COMMAND ${NM} ${BINARY} OUTPUT_VARIABLE symbols RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "${NM} ${BINARY} failed")
endif()
# The constructor, defined (static libstdc++) or wanted from libstdc++.so.
if(symbols MATCHES "_ZNSt8ios_base4InitC[12]Ev")
  message(FATAL_ERROR "${BINARY} constructs std::ios_base::Init: a file includes <iostream> "
                      "(include CLI11 through cli/cli11.hpp; write output with cli/output.hpp)")
endif()
if(NOT symbols MATCHES "run_app")
  message(FATAL_ERROR "${NM} printed no symbols of ${BINARY}: is it stripped?")
endif()
message(STATUS "${BINARY}: no std::ios_base::Init")
