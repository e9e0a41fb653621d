#pragma once
// The whole command line: builds the CLI11 app, runs the chosen command, maps every error to
// one line on stderr and exit code 2.

namespace vramcalc::cli {

/// Runs vramcalc with argv; returns the process exit code. Never throws.
[[nodiscard]] int run_app(int argc, char** argv);

}  // namespace vramcalc::cli
