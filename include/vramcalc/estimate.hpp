#pragma once
/// The memory estimate: what a model needs to serve a workload, per component and per layer,
/// independent of any device. Placement on devices is the plan's job (plan.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/dtype.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc {

/// How a figure was obtained.
enum class Provenance {
  exact,       ///< read from a file (tensor sizes) or fixed by arithmetic on exact inputs
  derived,     ///< computed from the architecture with a documented formula
  calibrated,  ///< a constant measured on real runs (the source is named)
  heuristic,   ///< a rule of thumb (the source is named)
};

/// One memory component.
struct Component {
  std::uint64_t bytes = 0;
  Provenance provenance = Provenance::derived;
  std::string basis;  ///< one line: the formula or source behind the figure
};

/// Memory of one layer, for placement and offload.
struct LayerMemory {
  std::uint64_t weight_bytes = 0;
  std::uint64_t kv_bytes = 0;
};

struct MemoryEstimate {
  Component weights;      ///< model weights
  Component kv_cache;     ///< KV cache for `batch` sequences of `context` tokens
  Component activations;  ///< peak transient memory of one forward pass (compute buffer)
  Component overhead;     ///< CUDA context and framework reserve
  std::uint64_t total_bytes = 0;  ///< sum of the four components
  std::uint64_t embedding_weight_bytes = 0;  ///< token embeddings (part of weights)
  std::uint64_t head_weight_bytes = 0;       ///< output head and final norm (part of weights)
  std::vector<LayerMemory> layers;           ///< per layer; weights sum with the two above
};

/// Settings that change the estimate but are not the workload.
struct EstimateOptions {
  /// Replaces the runtime overhead constant (--overhead). Default: k_runtime_overhead_bytes.
  std::optional<std::uint64_t> overhead_bytes;
};

/// Runtime overhead outside the framework allocator: CUDA context, cuBLAS/cuDNN handles and
/// kernels, driver reservations. 1322 MiB is the median of driver-used minus PyTorch's peak
/// reserved memory over 60 transformers runs measured for this project on an NVIDIA H200
/// (torch 2.11.0+cu130, driver 580.159.04; range 1310-1338 MiB; tests/data/gpu_truth/).
inline constexpr std::uint64_t k_runtime_overhead_bytes = 1322ULL * 1024 * 1024;

/// The model's weights stored as `format`, by part. Parts add up to `total_bytes`.
struct WeightBreakdown {
  std::uint64_t embedding_bytes = 0;    ///< token and position embeddings
  std::uint64_t head_bytes = 0;         ///< output head, final norm, other tensors outside blocks
  std::vector<std::uint64_t> layer_bytes;  ///< one per layer
  std::uint64_t total_bytes = 0;
};

/// Weights by part: from each tensor where the model lists them (exact stored bytes for
/// `as_stored`, ceil(elements x bits / 8) per tensor otherwise), else from the parameter
/// counts of ModelSpec with the total exactly ceil(total_params x bits / 8).
[[nodiscard]] WeightBreakdown weight_breakdown(const ModelSpec& model, const WeightFormat& format);

/// KV-cache bytes of one layer for `workload` (engine-neutral rule: full attention holds
/// context x batch tokens; a sliding window min(context, window) x batch; MLA one latent per
/// token; layers without attention hold their recurrent state per sequence).
[[nodiscard]] std::uint64_t layer_kv_bytes(const LayerSpec& layer, const Workload& workload);

/// Average storage bits per parameter of the estimate's weights (weights x 8 / parameters).
[[nodiscard]] double bits_per_weight(const MemoryEstimate& estimate, const ModelSpec& model);

/// The whole estimate. `model` and `workload` must be valid (validate_model,
/// validate_workload); throws vramcalc::Error only if a figure overflows 64 bits.
[[nodiscard]] MemoryEstimate estimate(const ModelSpec& model, const WeightFormat& format,
                                      const Workload& workload, const EstimateOptions& options);

}  // namespace vramcalc
