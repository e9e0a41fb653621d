# Writes the man page and the shell completions by running the built vramcalc, which prints
# them from the flags --help shows (cli/command_docs.hpp): they cannot drift from the binary.
#   cmake -DVRAMCALC=<binary> -DOUT=<folder> [-DGZIP=<gzip>] -P generate_docs.cmake
# Each file is written whole or not at all (a failed run leaves no stale output behind).
file(MAKE_DIRECTORY ${OUT})
foreach(entry "vramcalc.1|--generate-man" "vramcalc.bash|--generate-completion=bash"
              "_vramcalc|--generate-completion=zsh" "vramcalc.fish|--generate-completion=fish")
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 0 name)
  list(GET entry 1 argument)
  execute_process(COMMAND ${VRAMCALC} ${argument} OUTPUT_FILE ${OUT}/${name}.tmp
                  RESULT_VARIABLE result ERROR_VARIABLE error)
  if(NOT result EQUAL 0)
    file(REMOVE ${OUT}/${name}.tmp ${OUT}/${name})
    message(FATAL_ERROR "vramcalc ${argument} failed (${result}): ${error}")
  endif()
  file(RENAME ${OUT}/${name}.tmp ${OUT}/${name})
endforeach()
# Debian policy: man pages are installed compressed with gzip -9n (no name, no time stamp).
if(GZIP)
  execute_process(COMMAND ${GZIP} -9nc ${OUT}/vramcalc.1 OUTPUT_FILE ${OUT}/vramcalc.1.gz
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    file(REMOVE ${OUT}/vramcalc.1.gz)
    message(FATAL_ERROR "gzip of the man page failed (${result})")
  endif()
endif()
