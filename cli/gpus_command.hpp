#pragma once
// `vramcalc gpus`: lists the GPU database (built-in plus any extra files), filtered.

#include <string>

#include "output_options.hpp"

namespace vramcalc::cli {

class Flags;

struct GpusCommandOptions {
  std::string vendor;      ///< --vendor: NVIDIA, AMD, Intel, Apple (any case)
  std::string form;        ///< --form: consumer, laptop, workstation, datacenter, unified
  std::string min_memory;  ///< --min-memory SIZE: usable memory at least
  std::string max_memory;  ///< --max-memory SIZE: usable memory at most
  OutputOptions output;
};

void setup_gpus(Flags& flags, GpusCommandOptions& options);
[[nodiscard]] int run_gpus(const GpusCommandOptions& options);

}  // namespace vramcalc::cli
