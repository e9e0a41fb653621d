#pragma once
// `vramcalc models`: lists the built-in model catalog.

#include "output_options.hpp"

namespace CLI {
class App;
}

namespace vramcalc::cli {

struct ModelsCommandOptions {
  OutputOptions output;
};

void setup_models(CLI::App& app, ModelsCommandOptions& options);
[[nodiscard]] int run_models(const ModelsCommandOptions& options);

}  // namespace vramcalc::cli
