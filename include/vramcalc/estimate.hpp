#pragma once
/// The memory estimate: what a model needs to serve a workload, per component and per layer,
/// independent of any device. Placement on devices is the plan's job (plan.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/dtype.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/gpu.hpp"
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

/// One memory component, with the band it can honestly be off by.
struct Component {
  std::uint64_t bytes = 0;
  Provenance provenance = Provenance::derived;
  std::string basis;            ///< one line: the formula or source behind the figure
  std::uint64_t low_bytes = 0;  ///< lower end of the band (== bytes when exact)
  std::uint64_t high_bytes = 0; ///< upper end of the band (== bytes when exact)
};

/// A component whose band is `bytes` minus `low_percent` to plus `high_percent` percent.
[[nodiscard]] Component make_component(std::uint64_t bytes, Provenance provenance,
                                       std::string basis, unsigned low_percent = 0,
                                       unsigned high_percent = 0);

/// A pool engine's KV cache (vLLM blocks, SGLang token pool): what is left of its share of
/// the card after weights, activations and runtime memory.
struct KvPool {
  std::uint64_t bytes = 0;           ///< pool size on each card
  /// What the engine's share of the card leaves for weights and the pool together (vLLM:
  /// utilization x CUDA total - activations - non-torch memory; SGLang: mem_fraction_static x
  /// free memory at start); a pipeline stage's pool is this less the stage's weights.
  std::uint64_t budget_bytes = 0;
  std::uint64_t tokens = 0;          ///< tokens the pool holds (whole blocks)
  std::uint64_t bytes_per_token = 0; ///< KV bytes per token on each card
  std::uint64_t bytes_per_sequence = 0;  ///< KV bytes one full-length sequence needs per card
  std::uint32_t block_size = 1;      ///< tokens per block (vLLM 16; SGLang 1)
  double max_concurrency = 0;        ///< tokens / context: sequences of full length at once
};

/// One effective engine setting, for display and JSON.
struct EngineSetting {
  std::string name;   ///< the engine's own name for it, e.g. "n_ubatch", "gpu_memory_utilization"
  std::string value;  ///< as text
  bool numeric = false;  ///< the value is a number (JSON renders it unquoted)
};

/// What the engine profile did: which engine, which version it follows, the settings it used.
struct EngineDetails {
  EngineKind kind = EngineKind::generic;
  std::string version;
  std::vector<EngineSetting> settings;
  std::string equivalent_flags;  ///< the engine's own flags for this workload (e.g. -c/-np)
  std::vector<std::string> notes;
};

/// Memory of one layer, for placement and offload.
struct LayerMemory {
  std::uint64_t weight_bytes = 0;
  std::uint64_t kv_bytes = 0;
};

struct MemoryEstimate {
  Component weights;      ///< model weights
  Component kv_cache;     ///< KV cache for `batch` sequences of `context` tokens (pool engines:
                          ///< the whole pool)
  Component activations;  ///< peak transient memory of one forward pass (compute buffer)
  Component overhead;     ///< CUDA context and framework reserve
  Component output_buffer;  ///< host-side logits buffer (llama.cpp); not in total_bytes
  /// Part of `weights` the engine keeps in host RAM even with every layer on the GPU
  /// (llama.cpp maps token_embd on the host when the model has a separate output head).
  std::uint64_t host_weight_bytes = 0;
  std::uint64_t total_bytes = 0;  ///< device need: the four components less host_weight_bytes
  std::uint64_t total_low_bytes = 0;   ///< sum of the components' low ends
  std::uint64_t total_high_bytes = 0;  ///< sum of the components' high ends
  std::optional<KvPool> kv_pool;  ///< pool engines, when the card is known
  EngineDetails engine;
  std::uint64_t embedding_weight_bytes = 0;  ///< token embeddings (part of weights)
  std::uint64_t head_weight_bytes = 0;       ///< output head and final norm (part of weights)
  std::vector<LayerMemory> layers;           ///< per layer; weights sum with the two above
};

struct WeightBreakdown;

/// Settings that change the estimate but are not the workload.
struct EstimateOptions {
  /// Replaces the runtime overhead constant (--overhead). Default: the engine's.
  std::optional<std::uint64_t> overhead_bytes;
  /// The serving engine and its settings. Default: generic.
  EngineSettings engine;
  /// The card, for engines whose memory depends on it (vLLM and SGLang take a fraction of it).
  std::optional<GpuSpec> gpu;
  /// Cards the model is split over (tensor parallel), for engines that size per card.
  std::uint32_t gpu_count = 1;
  /// Whether the components say how they were obtained (Component::basis). The bytes are the
  /// same either way; a search over candidate plans (PlanDetail::figures) leaves the text out.
  bool write_basis = true;
  /// weight_breakdown(model, format) of the estimate's model and format, when the caller has it
  /// already (a Planner: one for all its plans); nullptr: the estimate works it out. Not owned.
  const WeightBreakdown* weights = nullptr;
};

/// Runtime overhead outside the framework allocator: CUDA context, cuBLAS/cuDNN handles and
/// kernels, driver reservations: the median of driver-used minus PyTorch's peak reserved memory
/// over the calibration rows of the transformers runs measured for this project on an NVIDIA
/// H200 (torch 2.11.0+cu130, driver 580.159.04; tests/data/gpu_truth/; vramcalc/calibrated.hpp).
extern const std::uint64_t k_runtime_overhead_bytes;

/// The model's weights stored as `format`, by part. Parts add up to `total_bytes`.
struct WeightBreakdown {
  std::uint64_t embedding_bytes = 0;    ///< token and position embeddings
  std::uint64_t head_bytes = 0;         ///< output head, final norm, other tensors outside blocks
  std::vector<std::uint64_t> layer_bytes;  ///< one per layer
  std::uint64_t total_bytes = 0;
};

/// Bytes of each of `model.tensors` (same order) stored as `format`. Empty when the model has no
/// tensor list.
[[nodiscard]] std::vector<std::uint64_t> tensor_bytes_of(const ModelSpec& model,
                                                         const WeightFormat& format);

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
