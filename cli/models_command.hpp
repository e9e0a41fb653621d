#pragma once
// `vramcalc models`: lists the built-in model catalog, filtered (family, parameter range,
// memory range), and answers the reverse question with --fits-on GPU: every catalog model
// that fits the card, at the best precision that does, with the arguments that re-run it.

#include <optional>
#include <string>

#include "output_options.hpp"

namespace vramcalc::cli {

class Flags;

struct ModelsCommandOptions {
  std::string family;                     ///< --family: architecture or id word, e.g. qwen
  std::string min_params;                 ///< --min-params COUNT
  std::string max_params;                 ///< --max-params COUNT
  std::string min_memory;                 ///< --min-memory SIZE (weights at own precision)
  std::string max_memory;                 ///< --max-memory SIZE
  std::string fits_on;                    ///< --fits-on GPU
  std::optional<std::uint32_t> gpus;      ///< --gpus N (with --fits-on)
  std::optional<std::uint64_t> context;   ///< --context TOKENS (with --fits-on)
  std::optional<std::uint64_t> batch;     ///< --batch N (with --fits-on)
  std::string engine;                     ///< --engine NAME (with --fits-on)
  OutputOptions output;
};

void setup_models(Flags& flags, ModelsCommandOptions& options);
[[nodiscard]] int run_models(const ModelsCommandOptions& options);

}  // namespace vramcalc::cli
