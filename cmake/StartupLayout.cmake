# Lays out the code the common queries run in one stretch of the binary.
#
# A short process pays for each page of its binary it touches (a page fault; the kernel maps
# up to 16 neighbouring pages of a file at each). Compiled as usual, the ~750 functions a plain
# query runs lie scattered over 5 MB of code (60 faults); with each function in its own section
# and lld placing them in the order of cmake/startup-symbols.txt, they lie together (20 faults),
# and --gc-sections drops the code nothing calls. The list is written by
# scripts/update-startup-symbols.sh from the functions valgrind sees the common queries run; a
# stale list only costs speed (a name not found is skipped). Measured: docs/performance.md.
option(VRAMCALC_STARTUP_LAYOUT
       "Lay out the code of the common queries together (needs lld)" ${VRAMCALC_RELEASE_DEFAULT})
set(VRAMCALC_STARTUP_SYMBOLS ${PROJECT_SOURCE_DIR}/cmake/startup-symbols.txt)
set(VRAMCALC_STARTUP_LINK_OPTIONS "")
if(VRAMCALC_STARTUP_LAYOUT)
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=lld" VRAMCALC_HAVE_LLD)
  if(VRAMCALC_HAVE_LLD)
    add_compile_options(-ffunction-sections -fdata-sections)
    set(VRAMCALC_STARTUP_LINK_OPTIONS -fuse-ld=lld -Wl,--gc-sections
        -Wl,--symbol-ordering-file=${VRAMCALC_STARTUP_SYMBOLS} -Wl,--no-warn-symbol-ordering)
  else()
    message(STATUS "vramcalc: lld not found, the start-up layout is off (Debian: apt install lld)")
  endif()
endif()
