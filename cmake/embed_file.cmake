# Script mode: writes OUTPUT, a C++ file defining `std::string_view vramcalc::embedded::SYMBOL`
# that holds the bytes of INPUT. Hex bytes, not a raw string, so any content is safe.
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," body "${content}")
string(REGEX REPLACE "((('\\\\x[0-9a-f][0-9a-f]',)){32})" "\\1\n" body "${body}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT}; do not edit.\n#include <string_view>\n"
"namespace vramcalc::embedded {\nstatic const char k_${SYMBOL}_bytes[] = {\n${body}'\\0'};\n"
"extern const std::string_view ${SYMBOL}{k_${SYMBOL}_bytes, ${byte_count}};\n}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
