#pragma once
/// The last step of the pipeline: input -> ModelSpec -> MemoryEstimate -> plan -> Report.
/// A Report is plain data; the command line renders it as text or JSON.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/estimate.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/placement.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/solve.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc {

/// Everything one estimate is asked for.
struct Request {
  ModelSpec model;
  /// Weight precision. Default: the model's own precision where the input says it (a file's
  /// stored tensors, a config's quantization_config or torch_dtype), else fp16.
  std::optional<WeightFormat> format;
  Workload workload;
  EstimateOptions options;
  std::optional<Hardware> hardware;        ///< the (first) card and count per node; none:
                                           ///< estimate only, no verdict
  std::vector<GpuSpec> more_gpus;          ///< further cards of other types (mixed cards)
  std::uint32_t nodes = 1;                 ///< nodes, each with the cards above
  ParallelMode mode = ParallelMode::automatic;  ///< --parallel-mode
  bool force_offload = false;              ///< --offload
  std::vector<const GpuSpec*> variants;    ///< other cards the GPU name covered (for a note)
  std::optional<std::uint64_t> ram_bytes;  ///< host RAM available for offload (--ram)
  bool ladder = false;                     ///< compute the precision ladder
  // Solvers (each needs hardware; which_gpus needs `database`).
  bool solve_max_context = false;
  bool solve_max_batch = false;
  bool solve_min_gpus = false;
  bool solve_which_gpus = false;
  const GpuDatabase* database = nullptr;
  std::optional<std::string> plot;         ///< "context" or "batch"
  std::vector<std::string> input_notes;    ///< what the model reader assumed or skipped
};

struct Report {
  Request request;                  ///< the request, with defaults filled in
  WeightFormat format;               ///< the precision used
  MemoryEstimate estimate;
  std::optional<FitCheck> fit;      ///< present when hardware was named
  std::vector<Recommendation> recommendations;
  std::vector<LadderRow> ladder;    ///< filled when request.ladder
  std::optional<Plan> plan;         ///< placement on the hardware
  std::vector<Plan> alternatives;   ///< other strategies worth showing
  std::optional<SolveAnswer> max_context;
  std::optional<SolveAnswer> max_batch;
  std::optional<SolveAnswer> min_gpus;
  std::optional<std::string> best_dtype;  ///< with --ladder and hardware: the best that fits
  std::vector<GpuOption> which_gpus;
  std::vector<PlotPoint> plot;
  std::vector<std::string> notes;   ///< assumptions and warnings worth a line each
};

/// The placement request of `request` at `format` (its hardware, engine and workload).
[[nodiscard]] PlanRequest plan_request(const Request& request, const WeightFormat& format);

/// Runs the pipeline. Throws vramcalc::Error (kind usage/input) when the request is
/// inconsistent: an invalid model or workload, or a card count that does not divide the
/// attention heads under tensor parallelism.
[[nodiscard]] Report build_report(Request request);

/// The weight format a model defaults to: its stored tensors when read from a file, else its
/// own precision when known, else fp16.
[[nodiscard]] WeightFormat default_weight_format(const ModelSpec& model);

}  // namespace vramcalc
