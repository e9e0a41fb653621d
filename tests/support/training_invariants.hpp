#pragma once
// The invariant suite's training section: random valid `vramcalc train` queries, each checked
// for the promises every training answer makes — the verdict, exit code, headroom and text
// agree; components add up to each device and the devices to the plan; every recommendation
// and solver answer re-runs from its own arguments to the same verdict and figures and fits,
// one step further does not; memory never falls as the micro-batch or the sequence grows; more
// GPUs never turn a sharded fit into a non-fit; a higher ZeRO stage never holds more model
// states; unknown figures are null. docs/invariants.md, "Training".

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "invariants.hpp"

namespace vramcalc::test {

/// Random valid `train` arguments over the catalog, bare parameter counts, methods, LoRA
/// settings, precisions, optimizers, micro-batches, sequences, checkpointing, losses, GPUs,
/// parallelisms, offload, host RAM, margin and solvers. Deterministic for a seed.
class TrainingQueryGenerator {
 public:
  explicit TrainingQueryGenerator(std::uint64_t seed);
  [[nodiscard]] std::vector<std::string> next();

 private:
  std::mt19937_64 m_rng;
  std::vector<std::string> m_models;
  std::vector<std::string> m_gpus;
};

/// Runs one training query in process and checks every invariant, adding to `stats` (its
/// coverage key is "method | parallelism | question").
void check_training_invariants(const std::vector<std::string>& args, InvariantStats& stats);

}  // namespace vramcalc::test
