#pragma once
// Renderers of a TrainingReport: a text report, or one JSON document (docs/json-output.md,
// "Training").

#include <string>

#include "terminal.hpp"
#include "train_argv.hpp"
#include "vramcalc/train.hpp"

namespace vramcalc::cli {

[[nodiscard]] std::string render_train_text(const TrainingReport& report,
                                            const TrainArgvContext& argv, const Painter& paint);
[[nodiscard]] std::string render_train_json(const TrainingReport& report,
                                            const TrainArgvContext& argv);

}  // namespace vramcalc::cli
