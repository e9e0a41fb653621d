#pragma once
// `vramcalc inspect FILE` (or --hf ORG/REPO, --url URL): what was read from a model file —
// architecture, parameter count, bytes by tensor type, per-layer totals, the metadata that
// matters, and for a remote model what was fetched.

#include <string>

#include "model_source.hpp"
#include "output_options.hpp"

namespace vramcalc::cli {

class Flags;

struct InspectCommandOptions {
  std::string path;
  ModelSourceOptions remote;  ///< --hf, --hf-file, --url, --dtype (instead of the path)
  OutputOptions output;
};

void setup_inspect(Flags& flags, InspectCommandOptions& options);
[[nodiscard]] int run_inspect(const InspectCommandOptions& options);

}  // namespace vramcalc::cli
