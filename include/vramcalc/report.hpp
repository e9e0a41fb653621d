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
#include "vramcalc/plan.hpp"
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
  std::optional<Hardware> hardware;        ///< none: estimate only, no verdict
  std::vector<const GpuSpec*> variants;    ///< other cards the GPU name covered (for a note)
  std::optional<std::uint64_t> ram_bytes;  ///< host RAM available for offload (--ram)
  bool ladder = false;                     ///< compute the precision ladder
  std::vector<std::string> input_notes;    ///< what the model reader assumed or skipped
};

struct Report {
  Request request;                  ///< the request, with defaults filled in
  WeightFormat format;               ///< the precision used
  MemoryEstimate estimate;
  std::optional<FitCheck> fit;      ///< present when hardware was named
  std::vector<Recommendation> recommendations;
  std::vector<LadderRow> ladder;    ///< filled when request.ladder
  std::vector<std::string> notes;   ///< assumptions and warnings worth a line each
};

/// Runs the pipeline. Throws vramcalc::Error (kind usage/input) when the request is
/// inconsistent: an invalid model or workload, or a card count that does not divide the
/// attention heads.
[[nodiscard]] Report build_report(Request request);

/// The weight format a model defaults to: its stored tensors when read from a file, else its
/// own precision when known, else fp16.
[[nodiscard]] WeightFormat default_weight_format(const ModelSpec& model);

}  // namespace vramcalc
