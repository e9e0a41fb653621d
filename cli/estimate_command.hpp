#pragma once
// The default command: estimate memory for a model and workload, and judge the fit.

#include <string>
#include <vector>

#include "model_source.hpp"
#include "output_options.hpp"

namespace CLI {
class App;
}

namespace vramcalc::cli {

/// Every flag as typed; parsed and validated in run_estimate so errors read the same way.
struct EstimateCommandOptions {
  // Model
  ModelSourceOptions source;
  // Precision
  std::string dtype;
  std::string kv_dtype;
  // Workload
  std::string context = "4096";
  bool context_given = false;  ///< --context / --max-model-len was on the command line
  std::string batch = "1";
  std::string overhead;
  // Engine
  std::string engine = "generic";
  std::string ubatch;
  std::string flash_attn;
  bool swa_full = false;
  bool kv_unified = false;
  std::string gpu_memory_utilization;
  std::string mem_fraction_static;
  std::string max_num_batched_tokens;
  std::string max_num_seqs;
  std::string block_size;
  std::string max_new_tokens;
  // Hardware
  std::vector<std::string> gpu;  ///< repeatable: mixed cards
  std::string gpus;
  std::string vram;
  std::string ram;
  std::string nodes;
  std::string parallel_mode;
  bool offload = false;
  // Answers
  bool ladder = false;
  bool max_context = false;
  bool max_batch = false;
  bool min_gpus = false;
  bool which_gpus = false;
  std::string plot;
  OutputOptions output;
};

/// Registers the estimate flags on the top-level app.
void setup_estimate(CLI::App& app, EstimateCommandOptions& options);

/// Runs the estimate; returns the exit code. Throws vramcalc::Error on bad input.
[[nodiscard]] int run_estimate(const EstimateCommandOptions& options);

}  // namespace vramcalc::cli
