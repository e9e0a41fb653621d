# Installing the library as a CMake package, and the .deb.
#
# cmake --install puts (cli/CMakeLists.txt) the binary, the man page and the bash, zsh and fish
# completions, and (here) the static core library, its public headers and the package files:
#   find_package(vramcalc REQUIRED)  ->  target_link_libraries(app PRIVATE vramcalc::core)
include(CMakePackageConfigHelpers)

set(VRAMCALC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/vramcalc)

install(TARGETS vramcalc_core EXPORT vramcalcTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/vramcalc
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development
        FILES_MATCHING PATTERN "*.hpp")
install(EXPORT vramcalcTargets NAMESPACE vramcalc:: FILE vramcalcTargets.cmake
        DESTINATION ${VRAMCALC_CMAKE_DIR} COMPONENT development)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/vramcalcConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/vramcalcConfig.cmake
                              INSTALL_DESTINATION ${VRAMCALC_CMAKE_DIR})
# 0.x: a new minor version may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/vramcalcConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/vramcalcConfig.cmake
              ${PROJECT_BINARY_DIR}/vramcalcConfigVersion.cmake
        DESTINATION ${VRAMCALC_CMAKE_DIR} COMPONENT development)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR}
        RENAME copyright COMPONENT runtime)

# cpack -G DEB (in the build folder): one package with all of the above under /usr.
set(VRAMCALC_PACKAGE_MAINTAINER "The vramcalc authors <maintainers@vramcalc.invalid>"
    CACHE STRING "The Maintainer field of the .deb: Name <email>")
set(CPACK_PACKAGE_NAME vramcalc)
set(CPACK_PACKAGE_VENDOR "The vramcalc authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "VRAM sizing calculator: will this LLM fit, on which GPU, at which precision")
# Lines under 80 columns (Debian policy 3.4.1; CPack indents them and writes the summary first).
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "vramcalc answers from first principles whether a model fits: weights, KV\n"
  "cache, activations and runtime overhead against the usable memory of real\n"
  "cards, for inference engines (llama.cpp, Ollama, vLLM, SGLang, transformers)\n"
  "and for training (full, LoRA, QLoRA, DDP, ZeRO, FSDP), with a verdict, an\n"
  "exit code for CI and recommendations when it does not fit.\n"
  "The package also holds the C++ library (vramcalc::core,\n"
  "find_package(vramcalc)) and its headers.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The binary is stripped; a static library keeps its symbols (they are how it links) and only
# loses its debug information (cmake/strip_static_libraries.cmake, run on the staged files).
set(CPACK_STRIP_FILES ON)
set(CPACK_VRAMCALC_STRIP "${CMAKE_STRIP}")
set(CPACK_PRE_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/cmake/strip_static_libraries.cmake)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${VRAMCALC_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
# Depends: what the binary links, read by dpkg-shlibdeps (dpkg-dev): nothing for a fully
# static binary (VRAMCALC_STATIC_GLIBC, a Release build), libc6 alone with
# VRAMCALC_STATIC_RUNTIME, libstdc++6, libgcc-s1 and libfmt9 too without.
# A static binary still loads libcurl with dlopen for remote models, and dlopen in a static
# binary needs the very glibc release it was linked with (glibc's static-linking notes): the
# package depends on that release line, e.g. libc6 (>= 2.36), libc6 (<< 2.37) built on Debian 12.
if(VRAMCALC_STATIC_GLIBC)
  execute_process(COMMAND getconf GNU_LIBC_VERSION OUTPUT_VARIABLE VRAMCALC_GLIBC_VERSION
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(VRAMCALC_GLIBC_VERSION MATCHES "^glibc ([0-9]+)\\.([0-9]+)")
    math(EXPR VRAMCALC_GLIBC_NEXT "${CMAKE_MATCH_2} + 1")
    set(CPACK_DEBIAN_PACKAGE_DEPENDS
        "libc6 (>= ${CMAKE_MATCH_1}.${CMAKE_MATCH_2}), libc6 (<< ${CMAKE_MATCH_1}.${VRAMCALC_GLIBC_NEXT})")
  endif()
endif()
find_program(VRAMCALC_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(VRAMCALC_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  message(STATUS "dpkg-shlibdeps not found (dpkg-dev): a .deb would have no Depends")
endif()
# libcurl is loaded with dlopen for remote models only, by its soname libcurl.so.4
# (src/remote/curl_library.cpp), which libcurl4 provides; the library's users need fmt's headers.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libcurl4")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libfmt-dev, cmake")
include(CPack)
