#pragma once
/// Text from input files, databases and the command line made safe to print on a terminal.

#include <string>
#include <string_view>

namespace vramcalc {

/// `text` with everything a terminal could act on written out visibly: C0 controls (newline,
/// carriage return, ESC, BEL, ...), DEL, C1 controls (U+0080..U+009F) and bytes that are not
/// well-formed UTF-8 as \xNN per byte, and Unicode bidirectional controls (U+061C, U+200E,
/// U+200F, U+202A..U+202E, U+2066..U+2069), which can reorder what a line shows, as \u{NNNN}.
/// Printable ASCII and other UTF-8 pass unchanged; backslashes too, so that text escaped once
/// reads the same after a second pass. The text renderer passes every string that came from
/// a file or a database through it, and error messages pass through it whole.
[[nodiscard]] std::string escape_for_terminal(std::string_view text);

/// True when `text` is well-formed UTF-8: no stray continuation bytes, overlong forms,
/// surrogates or code points above U+10FFFF.
[[nodiscard]] bool is_valid_utf8(std::string_view text);

}  // namespace vramcalc
