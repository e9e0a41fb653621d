#pragma once
// The whole command line: builds the CLI11 app, runs the chosen command, maps every error to
// one line on stderr and exit code 2.

#include <string>

namespace vramcalc::cli {

/// Prints "vramcalc: error: MESSAGE" and, when given, "  hint: HINT" on stderr, each escaped
/// for the terminal.
void print_error(const std::string& message, const std::string& hint);

/// Runs vramcalc with argv; returns the process exit code. Never throws.
[[nodiscard]] int run_app(int argc, char** argv);

}  // namespace vramcalc::cli
