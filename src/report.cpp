#include "vramcalc/report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

// Tokens per sequence when --context is not given (and the engine has no default of its own).
constexpr std::uint64_t k_default_context = 4096;

// Families vLLM and SGLang refuse to run in fp16 (numerical instability), so dtype="auto"
// turns their fp32 checkpoints into bf16: vllm/config/model.py _FLOAT16_NOT_SUPPORTED_MODELS
// (vLLM 0.10), sglang/srt/configs/model_config.py _get_and_verify_dtype (gemma*).
bool prefers_bf16(const ModelSpec& model) {
  const std::string& a = model.architecture;
  return a.rfind("gemma", 0) == 0 || a == "glm4";
}

void check_engine_settings(const EngineSettings& settings) {
  const auto misplaced = misplaced_settings(settings);
  if (!misplaced.empty()) {
    const MisplacedSetting& m = misplaced.front();
    throw Error(ErrorKind::usage,
                fmt::format("{} applies to {}, not to engine {}", m.setting, m.engines,
                            engine_name(settings.kind)),
                fmt::format("choose engine {} or drop {}", m.engines, m.setting));
  }
}

// The context when --context is not given.
std::uint64_t default_context(const Request& request) {
  const Deployment& d = request.deployment;
  if (d.options.engine.kind == EngineKind::ollama) {
    // Ollama picks its own default by the card's memory.
    return ollama_default_context(d.gpus.empty() ? 0 : d.gpus.front().gpu.usable_bytes,
                                  request.model.max_context);
  }
  const std::uint64_t trained = request.model.max_context;
  return trained != 0 ? std::min(k_default_context, trained) : k_default_context;
}

std::vector<std::string> notes_for(const Request& request, const Report& report) {
  std::vector<std::string> notes = request.input_notes;
  const ModelSpec& model = request.model;
  const Deployment& d = request.deployment;
  if (model.shape.assumed) {
    notes.push_back(fmt::format(
        "shape assumed from {} (nearest reference model by parameter count){}; weights follow "
        "--params, the shape sizes only the KV cache and activations",
        model.shape.reference_model,
        model.shape.overridden.empty() ? "" : ", with your overrides"));
  }
  if (model.max_context != 0 && d.workload.context > model.max_context) {
    notes.push_back(fmt::format("context {} is beyond the model's trained {} tokens",
                                d.workload.context, model.max_context));
  } else if (!request.context_given && model.max_context != 0 &&
             d.workload.context == model.max_context && model.max_context < k_default_context) {
    notes.push_back(fmt::format("context {} tokens: the model's trained length", model.max_context));
  }
  if (!request.format && !request.checkpoint_format &&
      model.native_dtype == std::optional<std::string>("fp32") &&
      pool_engine(d.options.engine.kind) && !model.stored_bytes_exact) {
    notes.push_back(fmt::format("{} loads an fp32 checkpoint in {} (dtype=\"auto\")",
                                engine_name(d.options.engine.kind), d.format.name));
  }
  if (!d.gpus.empty() && !request.variants.empty()) {
    std::string others;
    for (const GpuSpec* gpu : request.variants) {
      others += (others.empty() ? "" : ", ") + gpu->id;
    }
    notes.push_back(fmt::format("'{}' is the default variant; same memory: {}",
                                d.gpus.front().gpu.id, others));
  }
  for (const GpuGroup& group : d.gpus) {
    if (group.gpu.usable_source == UsableMemorySource::derived) {
      notes.push_back(fmt::format("usable memory of {} is derived (no driver figure known)",
                                  group.gpu.name));
    }
    if (group.gpu.bandwidth_gb_s <= 0) {
      notes.push_back(fmt::format("no bandwidth is known for {}: no speed estimate", group.gpu.name));
    }
  }
  if (d.force_offload && !d.ram_bytes) {
    notes.push_back("without --ram, CPU RAM is taken to hold whatever the offload puts there; "
                    "give --ram SIZE to check it");
  }
  if (report.max_context && report.max_context->capped_at_trained_context) {
    notes.push_back(fmt::format(
        "the largest context stops at the model's trained {} tokens{}", model.max_context,
        pool_engine(d.options.engine.kind) ? " (the engine refuses more)"
                                           : "; --allow-long-context searches beyond it"));
  }
  return notes;
}

void solve(Report& report, const Planner& planner) {
  const Request& request = report.request;
  const Deployment& base = request.deployment;
  if (request.solve_max_context) {
    report.max_context = solve_max_context(planner, base);
  }
  if (request.solve_max_batch) {
    report.max_batch = solve_max_batch(planner, base);
  }
  if (request.solve_min_gpus) {
    report.min_gpus = solve_min_gpus(planner, base);
  }
  if (request.plot) {
    report.plot = plot_points(planner, base, *request.plot == "batch");
  }
  if (request.solve_which_gpus && request.database != nullptr) {
    report.which_gpus = solve_which_gpus(planner, base, *request.database, request.gpu_order);
  }
}

}  // namespace

WeightFormat default_weight_format(const ModelSpec& model, EngineKind engine,
                                   const std::optional<WeightFormat>& checkpoint_format) {
  if (model.stored_bytes_exact) {
    return as_stored_format();
  }
  if (checkpoint_format) {
    return *checkpoint_format;
  }
  if (model.native_dtype) {
    if (*model.native_dtype == "fp32" && pool_engine(engine)) {
      // dtype="auto" downcasts fp32 checkpoints: vLLM 0.10 to its platform's first dtype (bf16
      // on cards that run it, vllm/config/model.py _resolve_auto_dtype), SGLang 0.4 to fp16
      // except Gemma (bf16).
      const bool bf16 = engine == EngineKind::vllm || prefers_bf16(model);
      return *find_weight_format(bf16 ? "bf16" : "fp16");
    }
    if (const WeightFormat* format = find_weight_format(*model.native_dtype)) {
      return *format;
    }
  }
  return *find_weight_format("fp16");
}

double plan_bits_per_weight(const Plan& plan, const ModelSpec& model) {
  if (model.total_params == 0) {
    return 0;
  }
  const std::uint64_t bytes = weight_breakdown(model, plan.deployment.format).total_bytes;
  return static_cast<double>(bytes) * 8.0 / static_cast<double>(model.total_params);
}

Deployment resolved_deployment(const Request& request) {
  validate_model(request.model);
  check_engine_settings(request.deployment.options.engine);
  Deployment d = request.deployment;
  d.format = request.format ? *request.format
                            : default_weight_format(request.model, d.options.engine.kind,
                                                    request.checkpoint_format);
  if (!request.context_given) {
    d.workload.context = default_context(request);
  }
  validate_workload(d.workload);
  return d;
}

Report build_report(Request request) {
  Report report;
  report.request = std::move(request);
  Request& rq = report.request;
  rq.deployment = resolved_deployment(rq);
  Deployment& d = rq.deployment;
  const bool gpus = !d.gpus.empty();
  // A CPU-only plan has a verdict when the RAM it may use is given.
  const bool hardware = gpus || (d.cpu_only && d.ram_bytes.has_value());
  if (!gpus &&
      (rq.solve_max_context || rq.solve_max_batch || rq.solve_min_gpus || rq.plot)) {
    throw Error(ErrorKind::usage, "the solvers and --plot need a card",
                "add --gpu NAME (or --vram SIZE)");
  }

  const Planner planner(rq.model);
  // The plan as asked; every other answer is another plan of the same planner.
  report.plan = planner.plan(d);
  report.has_hardware = hardware;
  if (gpus) {
    report.alternatives = planner.alternatives(report.plan);
    report.recommendations = recommend(planner, report.plan);
  }
  if (rq.ladder) {
    report.ladder = precision_ladder(planner, d);
    for (const auto& row : report.ladder) {
      if (hardware && row.plan.fits && !report.best_dtype) {
        report.best_dtype = row.dtype;
      }
    }
  }
  solve(report, planner);
  report.notes = notes_for(rq, report);
  return report;
}

}  // namespace vramcalc
