#include "vramcalc/report.hpp"

#include <fmt/format.h>

#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

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

PlanRequest plan_request(const Request& request, const WeightFormat& format) {
  PlanRequest r;
  r.model = &request.model;
  r.format = format;
  r.workload = request.workload;
  r.options = request.options;
  if (request.hardware) {
    r.gpus.push_back({request.hardware->gpu, request.hardware->count});
  }
  for (const GpuSpec& gpu : request.more_gpus) {
    r.gpus.push_back({gpu, 1});
  }
  r.nodes = request.nodes;
  r.ram_bytes = request.ram_bytes;
  r.mode = request.mode;
  r.force_offload = request.force_offload;
  r.allow_offload = request.ram_bytes.has_value() || request.force_offload;
  return r;
}

namespace {

// The verdict from the plan: every device within capacity (pool engines: the pool holds the
// workload); per-card need and headroom from the fullest card.
FitCheck fit_of(const Plan& plan, const MemoryEstimate& estimate, const Workload& workload,
                const Hardware& hardware) {
  FitCheck fit;
  if (estimate.kv_pool && plan.strategy == PlanStrategy::single) {
    fit = check_fit(estimate, workload, hardware);
  }
  fit.fits = plan.fits;
  std::int64_t headroom = 0;
  for (const auto& device : plan.devices) {
    if (device.kind != DeviceKind::gpu) {
      continue;
    }
    if (device.used_bytes >= fit.per_gpu_bytes) {
      fit.per_gpu_bytes = device.used_bytes;
      fit.capacity_bytes = device.capacity_bytes;
    }
    headroom += signed_difference(device.capacity_bytes, device.used_bytes);
  }
  if (!(estimate.kv_pool && plan.strategy == PlanStrategy::single)) {
    fit.headroom_bytes = headroom;
  }
  return fit;
}

// Recommendations with their speed cost: each option's expected decode against the all-on-GPU
// case.
void add_slowdowns(std::vector<Recommendation>& recs, const PlanRequest& base,
                   const Plan& chosen) {
  for (Recommendation& rec : recs) {
    PlanRequest r = base;
    switch (rec.kind) {
      case RecommendationKind::quantize:
        r.format = *find_weight_format(rec.dtype);
        r.allow_offload = false;
        break;
      case RecommendationKind::offload:
        r.force_offload = true;
        r.allow_offload = true;
        break;
      case RecommendationKind::multi_gpu:
        r.gpus.resize(1);
        r.gpus.front().count = rec.count;
        r.allow_offload = false;
        break;
    }
    try {
      const Plan plan = make_plan(r);
      rec.slowdown = plan.slowdown;
      if (rec.kind == RecommendationKind::offload) {
        rec.gpu_layers = plan.gpu_layers;
        rec.cpu_layers = plan.cpu_layers;
        rec.n_cpu_moe = plan.n_cpu_moe;
        rec.strategy = strategy_name(plan.strategy);
        rec.engine_flags = plan.engine_flags;
        std::uint64_t cpu = 0;
        std::uint64_t gpu = 0;
        for (const auto& device : plan.devices) {
          (device.kind == DeviceKind::gpu ? gpu : cpu) += device.weights_bytes + device.kv_cache_bytes;
          if (device.kind == DeviceKind::gpu) {
            gpu += device.activations_bytes + device.overhead_bytes;
          }
        }
        rec.cpu_bytes = cpu;
        rec.gpu_bytes = gpu;
      }
    } catch (const Error&) {
      rec.slowdown = 0;
    }
  }
  (void)chosen;
}

}  // namespace

Report build_report(Request request) {
  validate_model(request.model);
  validate_workload(request.workload);
  Report report;
  report.format = request.format ? *request.format : default_weight_format(request.model);
  const PlanInput plan_input{&request.model, &report.format, request.workload, request.options};
  if (request.hardware) {
    const PlanRequest placement = plan_request(request, report.format);
    report.plan = make_plan(placement);
    report.alternatives = alternative_plans(placement, *report.plan);
    EstimateOptions options = request.options;
    options.gpu = request.hardware->gpu;
    options.gpu_count = report.plan->tensor_parallel;
    report.estimate = estimate(request.model, report.format, request.workload, options);
    report.fit = fit_of(*report.plan, report.estimate, request.workload, *request.hardware);
    if (!report.plan->fits) {
      report.recommendations = recommend(plan_input, report.estimate, *request.hardware);
      add_slowdowns(report.recommendations, placement, *report.plan);
    }
    if (request.solve_max_context) {
      report.max_context = solve_max_context(placement);
    }
    if (request.solve_max_batch) {
      report.max_batch = solve_max_batch(placement);
    }
    if (request.solve_min_gpus) {
      report.min_gpus = solve_min_gpus(placement);
    }
    if (request.plot) {
      report.plot = plot_points(placement, *request.plot == "batch");
    }
  } else {
    report.estimate = estimate(request.model, report.format, request.workload, request.options);
  }
  if (request.solve_which_gpus && request.database != nullptr) {
    PlanRequest placement = plan_request(request, report.format);
    report.which_gpus = solve_which_gpus(placement, *request.database);
  }
  if (request.ladder) {
    report.ladder = precision_ladder(plan_input, request.hardware);
    for (const auto& row : report.ladder) {
      if (row.fits && *row.fits && !report.best_dtype) {
        report.best_dtype = row.dtype;
      }
    }
  }
  report.notes = notes_for(request, report);
  report.request = std::move(request);
  return report;
}

}  // namespace vramcalc
