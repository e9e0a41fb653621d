#pragma once
// The vramcalc arguments that ask for a deployment: every answer (recommendation, solver
// answer, alternative, ladder row) carries them, so feeding them back re-runs the plan it
// describes and gives the same verdict and figures.

#include <string>
#include <vector>

#include "vramcalc/plan.hpp"
#include "vramcalc/report.hpp"

namespace vramcalc::cli {

/// What re-running needs besides the deployment: the model source and the extra GPU
/// databases of the original command.
struct ArgvContext {
  const Request& request;
  const std::vector<std::string>& gpu_db_files;
};

/// The arguments (without the program name) that plan `deployment` for the request's model.
/// The flags that name the model `source` (as read into `model`): --params with its shape
/// overrides, --model, --config, --gguf, --safetensors, --hf [--hf-file], --url.
void add_source_args(std::vector<std::string>& args, const ModelSourceSpec& source,
                     const ModelSpec& model);

[[nodiscard]] std::vector<std::string> query_argv(const ArgvContext& context,
                                                  const Deployment& deployment);

/// The arguments as one shell command line, quoted where needed: "vramcalc --model ...".
[[nodiscard]] std::string command_line(const std::vector<std::string>& argv);

}  // namespace vramcalc::cli
