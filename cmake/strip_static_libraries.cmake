# CPack pre-build script: removes the debug information from the static libraries staged for
# a package. CPACK_STRIP_FILES strips executables only; `strip --strip-debug` keeps an
# archive's symbol table, which its users link against.
if(NOT CPACK_VRAMCALC_STRIP)
  return()
endif()
file(GLOB_RECURSE archives "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.a")
foreach(archive IN LISTS archives)
  execute_process(COMMAND ${CPACK_VRAMCALC_STRIP} --strip-debug ${archive}
                  RESULT_VARIABLE result ERROR_VARIABLE error)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "strip --strip-debug ${archive} failed: ${error}")
  endif()
endforeach()
