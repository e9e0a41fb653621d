#pragma once
/// The last step of the pipeline: input -> ModelSpec -> Deployment -> Plan (the one planner)
/// -> Report. A Report is plain data; the command line renders it as text or JSON. Every answer
/// in it — the verdict, recommendations, ladder, solver answers, alternatives — is a Plan.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/estimate.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/model_source.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/recommend.hpp"
#include "vramcalc/solve.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc {

/// Everything one estimate is asked for.
struct Request {
  ModelSpec model;
  ModelSourceSpec source;  ///< how the model was named (to re-run an answer)
  /// Weight precision (--dtype). Default: the model's own precision where the input says it (a
  /// file's stored tensors, a config's quantization_config or torch_dtype; a pool engine loads
  /// fp32 checkpoints in 16 bits), else fp16.
  std::optional<WeightFormat> format;
  /// The checkpoint's own quantization (a config's quantization_config): the default precision
  /// when --dtype is not given.
  std::optional<WeightFormat> checkpoint_format;
  /// --context was given. Otherwise the context is the engine's default (Ollama: by the card's
  /// memory), else 4096 tokens, at most the model's trained context.
  bool context_given = false;
  /// The rest of what is asked: workload, engine, cards, parallelism, offload, margin. Its
  /// format is filled in by build_report; `gpus` empty: estimate only, no verdict.
  Deployment deployment;
  std::vector<const GpuSpec*> variants;    ///< other cards the first GPU name covered (a note)
  bool ladder = false;                     ///< compute the precision ladder
  // Solvers (each needs hardware; which_gpus needs `database`).
  bool solve_max_context = false;
  bool solve_max_batch = false;
  bool solve_min_gpus = false;
  bool solve_which_gpus = false;
  GpuOrder gpu_order = GpuOrder::cards;   ///< --sort: how --which-gpus ranks its cards
  bool gpu_order_given = false;           ///< --sort was given (it needs --which-gpus)
  const GpuDatabase* database = nullptr;
  std::optional<std::string> plot;         ///< "context" or "batch"
  std::vector<std::string> input_notes;    ///< what the model reader assumed or skipped
};

struct Report {
  Request request;                  ///< the request, with defaults filled in
  /// The plan for the request as asked (without hardware: one card of unknown capacity, so
  /// its devices still say what is where and `fits` is false).
  Plan plan;
  bool has_hardware = false;
  std::vector<Plan> alternatives;   ///< other strategies worth showing
  std::vector<Recommendation> recommendations;
  std::vector<LadderRow> ladder;    ///< filled when request.ladder
  std::optional<SolveAnswer> max_context;
  std::optional<SolveAnswer> max_batch;
  std::optional<SolveAnswer> min_gpus;
  std::optional<std::string> best_dtype;  ///< with --ladder and hardware: the best that fits
  std::vector<GpuOption> which_gpus;
  std::vector<PlotPoint> plot;
  std::vector<std::string> notes;   ///< assumptions and warnings worth a line each

  [[nodiscard]] const WeightFormat& format() const { return request.deployment.format; }
  [[nodiscard]] const MemoryEstimate& estimate() const { return plan.estimate; }
};

/// The deployment build_report plans for `request`: its format (request.format, else the
/// model's default) and, when --context was not given, the default context filled in; the
/// model and workload validated. Throws vramcalc::Error (input/usage) as build_report does.
[[nodiscard]] Deployment resolved_deployment(const Request& request);

/// Runs the pipeline. Throws vramcalc::Error (kind usage/input) when the request is
/// inconsistent: an invalid model or workload, misplaced engine settings, or a deployment the
/// planner refuses (Planner::plan).
[[nodiscard]] Report build_report(Request request);

/// The weight format a model defaults to under `engine`: its stored tensors when read from a
/// file, else the checkpoint's quantization, else its own precision when known (a pool engine
/// loads fp32 in 16 bits, as its dtype="auto" does), else fp16.
[[nodiscard]] WeightFormat default_weight_format(
    const ModelSpec& model, EngineKind engine,
    const std::optional<WeightFormat>& checkpoint_format = std::nullopt);

/// Average storage bits per parameter of `plan`'s weights over the whole model (replicated
/// tensors counted once).
[[nodiscard]] double plan_bits_per_weight(const Plan& plan, const ModelSpec& model);

}  // namespace vramcalc
