#pragma once
/// What to do when a deployment does not fit: a search over plans of the one planner —
/// weight precision x KV precision x offload x card count (with the layouts the engine
/// accepts) — ranked in the order of simplicity: quantize, offload, more cards, and the
/// combinations that need fewer cards. Each recommendation is a Plan whose deployment re-runs
/// to the same verdict and figures. And the precision ladder: the same deployment at fp32,
/// 16-bit, int8 and int4.

#include <string>
#include <vector>

#include "vramcalc/plan.hpp"

namespace vramcalc {

/// What a recommendation changes.
enum class RecommendationKind {
  quantize,            ///< a lower weight precision, same cards
  quantize_kv,         ///< an 8-bit KV cache, same weights and cards
  offload,             ///< layers or experts in CPU RAM (llama.cpp) or streamed (accelerate)
  more_gpus,           ///< more cards of the same type, same precision
  quantize_more_gpus,  ///< a lower precision on fewer cards than more_gpus needs
};

struct Recommendation {
  RecommendationKind kind = RecommendationKind::quantize;
  Plan plan;         ///< it fits; plan.deployment is what to run
  std::string note;  ///< one line of caveat (quality, speed, interconnect)
};

/// The recommendations for `current` (a plan that does not fit), best first; each kind at
/// most once. Empty when it fits.
[[nodiscard]] std::vector<Recommendation> recommend(const Planner& planner, const Plan& current);

/// The weight formats below `format` worth trying under `engine`, highest precision first
/// (llama.cpp: its file types; vLLM/SGLang: fp8 and 4-bit GPTQ/AWQ; transformers:
/// bitsandbytes; generic: the idealised 16-bit, int8, int4).
[[nodiscard]] std::vector<const WeightFormat*> lower_precisions(const ModelSpec& model,
                                                                const WeightFormat& format,
                                                                EngineKind engine);

/// One row of the precision ladder: the base deployment at this precision.
struct LadderRow {
  std::string dtype;
  Plan plan;
};

/// The idealised ladder fp32 -> 16-bit (bf16 when the model is natively bf16) -> int8 -> int4,
/// each planned on the base deployment's cards (none: estimates only).
[[nodiscard]] std::vector<LadderRow> precision_ladder(const Planner& planner,
                                                      const Deployment& base);

[[nodiscard]] const char* recommendation_kind_name(RecommendationKind kind);

}  // namespace vramcalc
