#pragma once
// `vramcalc gpus`: lists the GPU database (built-in plus any extra files).

#include "output_options.hpp"

namespace CLI {
class App;
}

namespace vramcalc::cli {

struct GpusCommandOptions {
  OutputOptions output;
};

void setup_gpus(CLI::App& app, GpusCommandOptions& options);
[[nodiscard]] int run_gpus(const GpusCommandOptions& options);

}  // namespace vramcalc::cli
