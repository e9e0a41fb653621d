#include "vramcalc/report.hpp"

#include <fmt/format.h>

#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

void check_card_count(const ModelSpec& model, const Hardware& hardware) {
  const std::uint32_t heads = attention_heads(model);
  if (hardware.count > 1 && heads != 0 && heads % hardware.count != 0) {
    std::string divisors;
    for (std::uint32_t d = 1; d <= heads && d <= k_max_tensor_parallel; ++d) {
      if (heads % d == 0) {
        divisors += (divisors.empty() ? "" : ", ") + std::to_string(d);
      }
    }
    throw Error(ErrorKind::usage,
                fmt::format("{} GPUs cannot split {} attention heads evenly (tensor parallelism)",
                            hardware.count, heads),
                "use a count that divides the heads: " + divisors);
  }
}

std::vector<std::string> notes_for(const Request& request, const Report& report) {
  std::vector<std::string> notes = request.input_notes;
  const ModelSpec& model = request.model;
  if (model.shape.assumed) {
    notes.push_back(fmt::format(
        "shape assumed from {} (nearest reference model by parameter count){}; weights follow "
        "--params, the shape sizes only the KV cache and activations",
        model.shape.reference_model,
        model.shape.overridden.empty() ? "" : ", with your overrides"));
  }
  if (model.max_context != 0 && request.workload.context > model.max_context) {
    notes.push_back(fmt::format("context {} is beyond the model's trained {} tokens",
                                request.workload.context, model.max_context));
  }
  if (request.hardware && !request.variants.empty()) {
    std::string others;
    for (const GpuSpec* gpu : request.variants) {
      others += (others.empty() ? "" : ", ") + gpu->id;
    }
    notes.push_back(fmt::format("'{}' is the default variant; same memory: {}",
                                request.hardware->gpu.id, others));
  }
  if (request.hardware && request.hardware->gpu.usable_source == UsableMemorySource::derived) {
    notes.push_back(fmt::format("usable memory of {} is derived (no driver figure known)",
                                request.hardware->gpu.name));
  }
  if (request.ram_bytes) {
    for (const auto& rec : report.recommendations) {
      if (rec.kind == RecommendationKind::offload && rec.cpu_bytes > *request.ram_bytes) {
        notes.push_back(fmt::format(
            "offload needs {:.2f} GB of CPU RAM but --ram gives {:.2f} GB: RAM is short too",
            to_gb(rec.cpu_bytes), to_gb(*request.ram_bytes)));
      }
    }
  }
  return notes;
}

}  // namespace

WeightFormat default_weight_format(const ModelSpec& model) {
  if (model.stored_bytes_exact) {
    return as_stored_format();
  }
  if (model.native_dtype) {
    if (const WeightFormat* format = find_weight_format(*model.native_dtype)) {
      return *format;
    }
  }
  return *find_weight_format("fp16");
}

Report build_report(Request request) {
  validate_model(request.model);
  validate_workload(request.workload);
  if (request.hardware) {
    check_card_count(request.model, *request.hardware);
  }
  Report report;
  report.format = request.format ? *request.format : default_weight_format(request.model);
  const PlanInput plan_input{&request.model, &report.format, request.workload, request.options};
  if (request.hardware) {
    Evaluation evaluation = evaluate(plan_input, report.format, *request.hardware);
    report.estimate = std::move(evaluation.estimate);
    report.fit = evaluation.fit;
    report.recommendations = recommend(plan_input, report.estimate, *request.hardware);
  } else {
    report.estimate = estimate(request.model, report.format, request.workload, request.options);
  }
  if (request.ladder) {
    report.ladder = precision_ladder(plan_input, request.hardware);
  }
  report.notes = notes_for(request, report);
  report.request = std::move(request);
  return report;
}

}  // namespace vramcalc
