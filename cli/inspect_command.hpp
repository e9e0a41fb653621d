#pragma once
// `vramcalc inspect FILE`: what was read from a model file — architecture, parameter count,
// bytes by tensor type, per-layer totals, the metadata that matters.

#include <string>

#include "output_options.hpp"

namespace CLI {
class App;
}

namespace vramcalc::cli {

struct InspectCommandOptions {
  std::string path;
  OutputOptions output;
};

void setup_inspect(CLI::App& app, InspectCommandOptions& options);
[[nodiscard]] int run_inspect(const InspectCommandOptions& options);

}  // namespace vramcalc::cli
