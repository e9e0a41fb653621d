#pragma once
// The vramcalc arguments that ask for a training deployment: the plan, every recommendation and
// every solver answer carries them, so feeding them back re-runs the plan it describes.

#include <string>
#include <vector>

#include "vramcalc/train.hpp"

namespace vramcalc::cli {

/// What re-running needs besides the deployment: the model source and the extra GPU databases.
struct TrainArgvContext {
  const TrainingRequest& request;
  const std::vector<std::string>& gpu_db_files;
};

/// The arguments (without the program name, starting with "train") that plan `deployment`.
[[nodiscard]] std::vector<std::string> train_query_argv(const TrainArgvContext& context,
                                                        const TrainingDeployment& deployment);

}  // namespace vramcalc::cli
