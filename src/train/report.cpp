// build_training_report: the request's defaults, the plan, recommendations when it does not
// fit, the solvers asked for, and the frameworks' settings.
#include <algorithm>

#include <fmt/format.h>

#include "train/train_internal.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

// Training sequences default to 2048 tokens (torchtune's and many recipes' max_seq_len for
// fine-tuning), at most the model's trained context.
constexpr std::uint64_t k_default_seq_len = 2048;

void fill_defaults(TrainingRequest& r) {
  TrainingDeployment& d = r.deployment;
  d.format = r.format ? *r.format : default_training_format(d.method, d.precision);
  if (!r.seq_len_given) {
    d.seq_len = r.model.max_context > 0 ? std::min(k_default_seq_len, r.model.max_context)
                                        : k_default_seq_len;
  }
  if (!r.lora_alpha_given) {
    d.lora.alpha = 2.0 * d.lora.rank;
  }
  if (!r.parallelism_given) {
    d.parallelism = training_gpus(d) > 1 ? TrainParallelism::ddp : TrainParallelism::single;
  }
}

}  // namespace

TrainingReport build_training_report(TrainingRequest request) {
  validate_model(request.model);
  fill_defaults(request);
  TrainingReport report;
  report.request = std::move(request);
  const TrainingRequest& r = report.request;
  const TrainingPlanner planner(r.model);
  report.plan = planner.plan(r.deployment);
  report.has_hardware = !r.deployment.gpus.empty();
  if (report.has_hardware) {
    report.recommendations = recommend_training(planner, report.plan);
    if (r.solve_max_micro_batch) {
      report.max_micro_batch = solve_max_micro_batch(planner, r.deployment);
    }
    if (r.solve_max_seq_len) {
      report.max_seq_len = solve_max_seq_len(planner, r.deployment);
    }
    if (r.solve_min_gpus) {
      report.min_gpus = solve_min_training_gpus(planner, r.deployment);
    }
  } else if (r.solve_max_micro_batch || r.solve_max_seq_len || r.solve_min_gpus) {
    throw Error(ErrorKind::usage, "--max-micro-batch, --max-seq-len and --min-gpus need a GPU",
                "add --gpu NAME (or --vram SIZE)");
  }
  report.hints = training_hints(report.plan, r.model);
  report.notes = r.input_notes;
  if (r.deployment.method != TrainMethod::full && r.model.shape.assumed) {
    report.notes.push_back(fmt::format(
        "LoRA modules follow the assumed shape of {}", r.model.shape.reference_model));
  }
  return report;
}

}  // namespace vramcalc
