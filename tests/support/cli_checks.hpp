#pragma once
// Checks shared by the end-to-end tests of hostile inputs.

#include <string>
#include <string_view>

#include "run_cli.hpp"

namespace vramcalc::test {

/// The contract for every bad input: exit 2 without being killed or timed out, nothing on
/// stdout, one line "vramcalc: error: ..." containing `needle`, one hint line, and no byte a
/// terminal would act on.
void check_input_error(const CliResult& result, const std::string& needle);

/// True when `text` holds a byte a terminal acts on: a C0 control other than newline (ESC,
/// BEL, CR, ...), DEL, or a C1 control encoded in UTF-8 (U+0080..U+009F).
[[nodiscard]] bool has_terminal_controls(std::string_view text);

/// Creates a FIFO (named pipe) at `path`; throws when it cannot.
void make_fifo(const std::string& path);

}  // namespace vramcalc::test
