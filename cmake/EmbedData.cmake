# Embeds data files into the binary: each file becomes a std::string_view in a generated .cpp,
# regenerated whenever the file changes, so the tool works with no files beside it.
set(VRAMCALC_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake)

# vramcalc_embed(<output.cpp> <symbol> <input file>)
function(vramcalc_embed output symbol input)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DSYMBOL=${symbol}
            -P ${VRAMCALC_EMBED_SCRIPT}
    DEPENDS ${input} ${VRAMCALC_EMBED_SCRIPT}
    COMMENT "Embedding ${input}"
    VERBATIM)
endfunction()
