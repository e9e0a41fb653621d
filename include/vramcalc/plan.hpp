#pragma once
/// The plan: does the estimate fit the hardware, and if not, what to do — in the order of
/// simplicity: a lower precision, CPU offload, more cards.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/dtype.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc {

/// The cards the model runs on: `count` identical cards.
struct Hardware {
  GpuSpec gpu;
  std::uint32_t count = 1;  ///< number of such cards; split evenly (tensor parallel)
};

/// Memory on each card when the estimate is split over `count` cards: weights, KV cache and
/// activations divided evenly (rounded up), the runtime overhead on every card. Pool engines
/// (vLLM, SGLang) already size one card: their total is per card.
[[nodiscard]] std::uint64_t per_gpu_bytes(const MemoryEstimate& estimate, std::uint32_t count);

struct FitCheck {
  bool fits = false;
  std::uint64_t per_gpu_bytes = 0;   ///< needed on each card
  std::uint64_t capacity_bytes = 0;  ///< usable on each card
  std::int64_t headroom_bytes = 0;   ///< (capacity - need) summed over the cards; < 0 when short
  /// Pool engines: tokens of KV the workload needs on each card (batch sequences of context,
  /// in whole blocks); the pool must hold them.
  std::uint64_t pool_tokens_needed = 0;
};

/// Does `estimate` (made with `hardware` in its options) fit? Every card within its usable
/// memory, and for pool engines the KV pool holding `batch` sequences of `context` tokens.
[[nodiscard]] FitCheck check_fit(const MemoryEstimate& estimate, const Workload& workload,
                                 const Hardware& hardware);

enum class RecommendationKind { quantize, offload, multi_gpu };

struct Recommendation {
  RecommendationKind kind = RecommendationKind::quantize;
  // quantize
  std::string dtype;                  ///< the highest-precision format of the ladder that fits
  std::uint64_t total_bytes = 0;      ///< quantize: the estimate's total at that format
  // offload
  std::uint32_t gpu_layers = 0;       ///< layers kept on the GPU
  std::uint32_t cpu_layers = 0;       ///< layers computed from CPU RAM
  std::uint64_t cpu_bytes = 0;        ///< bytes moved to CPU RAM (weights + KV of those layers)
  std::uint64_t gpu_bytes = 0;        ///< bytes left on the GPU
  std::uint32_t n_cpu_moe = 0;        ///< offload: layers whose experts stay on the CPU
  std::string strategy;               ///< offload: "offload" or "expert_offload"
  std::string engine_flags;           ///< offload: the flags that realise it
  // multi_gpu
  std::uint32_t count = 0;            ///< cards of this type that hold it (tensor parallel)
  std::uint64_t per_gpu_bytes = 0;    ///< need on each of those cards
  std::string note;                   ///< one line of caveat (speed, limits)
  /// Expected decode of the all-on-GPU case over this option's (4.0: four times slower; below
  /// 1: faster). 0 when unknown.
  double slowdown = 0;
};

/// One row of the precision ladder.
struct LadderRow {
  std::string dtype;
  std::uint64_t weights_bytes = 0;
  std::uint64_t total_bytes = 0;
  std::optional<bool> fits;  ///< nullopt when no hardware was named
};

/// Everything the planner needs besides the estimate.
struct PlanInput {
  const ModelSpec* model = nullptr;
  const WeightFormat* format = nullptr;
  Workload workload;
  EstimateOptions options;
};

/// The estimate of `input` at `format` on `hardware` (the card and count go into the
/// options, for engines that size per card), with its fit.
struct Evaluation {
  MemoryEstimate estimate;
  FitCheck fit;
};
[[nodiscard]] Evaluation evaluate(const PlanInput& input, const WeightFormat& format,
                                  const Hardware& hardware);

/// The ladder fp32 -> 16-bit (bf16 when the model is natively bf16, else fp16) -> int8 -> int4.
[[nodiscard]] std::vector<LadderRow> precision_ladder(const PlanInput& input,
                                                      const std::optional<Hardware>& hardware);

/// Tensor-parallel degrees tried by the planner: divisors of the attention heads, at most this.
inline constexpr std::uint32_t k_max_tensor_parallel = 64;

/// What to do when `estimate` does not fit `hardware`: the best precision below the current
/// one that fits, how many layers to offload, and the fewest cards that hold it. Empty when it
/// fits. Each kind appears at most once; a kind with no solution is left out.
[[nodiscard]] std::vector<Recommendation> recommend(const PlanInput& input,
                                                    const MemoryEstimate& estimate,
                                                    const Hardware& hardware);

}  // namespace vramcalc
