// Recommendations: a search over plans of the one planner. docs/formulas.md, "Recommendations".
#include "vramcalc/recommend.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "vramcalc/error.hpp"
#include "vramcalc/solve.hpp"

namespace vramcalc {

namespace {

// The 16-bit rung: bf16 for models published in bf16, else fp16.
const WeightFormat& sixteen_bit_format(const ModelSpec& model) {
  const bool bf16 = model.native_dtype && *model.native_dtype == "bf16";
  return *find_weight_format(bf16 ? "bf16" : "fp16");
}

// Formats each engine runs, highest precision first: the files people use with it.
std::vector<const WeightFormat*> engine_formats(const ModelSpec& model, EngineKind engine) {
  std::vector<std::string> names;
  switch (engine) {
    case EngineKind::llama_cpp:
    case EngineKind::ollama:
      names = {"f16", "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q3_k_m", "q2_k"};
      break;
    case EngineKind::vllm:
    case EngineKind::sglang:
      names = {"", "fp8-e4m3", "awq-int4"};
      break;
    case EngineKind::transformers:
      names = {"", "bnb-int8", "nf4"};
      break;
    case EngineKind::generic:
      names = {"", "int8", "int4"};
      break;
  }
  std::vector<const WeightFormat*> formats;
  for (const auto& name : names) {
    formats.push_back(name.empty() ? &sixteen_bit_format(model) : find_weight_format(name));
  }
  formats.erase(std::remove(formats.begin(), formats.end(), nullptr), formats.end());
  return formats;
}

std::uint64_t weight_bytes(const ModelSpec& model, const WeightFormat& format) {
  return weight_breakdown(model, format).total_bytes;
}

std::uint32_t cards_of(const Plan& plan) {
  return total_cards(plan.deployment);
}

std::string quality_note(const WeightFormat& format) {
  return format.bits >= 8 ? "little or no quality loss"
                          : "weights below 8 bits cost some quality; check your task";
}

std::string cards_note(const Plan& plan) {
  if (plan.strategy == PlanStrategy::layer_split) {
    return "a layer split: the cards take turns on each token, so it adds memory, not speed";
  }
  const GpuSpec& gpu = plan.deployment.gpus.front().gpu;
  if (plan.tensor_parallel > 1) {
    return gpu.interconnect_gb_s >= 100
               ? "tensor parallel over " + gpu.interconnect
               : "tensor parallel over PCIe: all-reduce traffic limits the speed-up";
  }
  return "pipeline stages: one card busy per token at batch 1";
}

// The KV type one step below 16 bits that the engine takes.
const KvType* lower_kv_type(const Deployment& d) {
  const Workload& w = d.workload;
  const auto bits = [](const KvType& t) {
    return static_cast<double>(t.block_bytes) * 8.0 / static_cast<double>(t.block_elements);
  };
  if (bits(w.kv_key) <= 8.5 && bits(w.kv_value) <= 8.5) {
    return nullptr;  // already 8-bit (q8_0 is 8.5 bits per element)
  }
  switch (d.options.engine.kind) {
    case EngineKind::llama_cpp:
    case EngineKind::ollama:
      return find_kv_type("q8_0");
    case EngineKind::vllm:
    case EngineKind::sglang:
    case EngineKind::generic:
      return find_kv_type("fp8");
    case EngineKind::transformers:
      break;
  }
  return nullptr;
}

std::optional<Plan> try_plan(const Planner& planner, const Deployment& d) {
  try {
    return planner.plan(d);
  } catch (const Error&) {
    return std::nullopt;
  }
}

// The fewest cards of the current type, more than now, that hold `d` (no offload).
std::optional<Plan> more_cards(const Planner& planner, Deployment d, std::uint32_t now) {
  if (d.gpus.size() != 1 || d.nodes != 1) {
    return std::nullopt;
  }
  d.force_offload = false;
  d.offload = OffloadKind::automatic;
  d.mode = d.tensor_parallel > 0 || d.pipeline_parallel > 0 ? ParallelMode::automatic : d.mode;
  d.tensor_parallel = 0;
  d.pipeline_parallel = 0;
  std::optional<SolveAnswer> answer;
  try {
    answer = solve_min_gpus(planner, d);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (!answer || answer->value <= now) {
    return std::nullopt;
  }
  return std::move(answer->plan);
}

}  // namespace

std::vector<const WeightFormat*> lower_precisions(const ModelSpec& model,
                                                  const WeightFormat& format, EngineKind engine) {
  const std::uint64_t now = weight_bytes(model, format);
  std::vector<const WeightFormat*> out;
  for (const WeightFormat* candidate : engine_formats(model, engine)) {
    if (weight_bytes(model, *candidate) < now) {
      out.push_back(candidate);
    }
  }
  return out;
}

std::vector<Recommendation> recommend(const Planner& planner, const Plan& current) {
  std::vector<Recommendation> recs;
  if (current.fits || current.deployment.gpus.empty()) {
    return recs;
  }
  const ModelSpec& model = planner.model();
  const Deployment& base = current.deployment;
  const std::uint32_t now = cards_of(current);
  const std::vector<const WeightFormat*> lower =
      lower_precisions(model, base.format, base.options.engine.kind);
  // 1. A lower precision on the same cards: the highest that fits.
  for (const WeightFormat* format : lower) {
    Deployment d = base;
    d.format = *format;
    if (auto plan = try_plan(planner, d); plan && plan->fits) {
      recs.push_back({RecommendationKind::quantize, std::move(*plan), quality_note(*format)});
      break;
    }
  }
  // 2. An 8-bit KV cache.
  if (const KvType* kv = lower_kv_type(base)) {
    Deployment d = base;
    d.workload.kv_key = *kv;
    d.workload.kv_value = *kv;
    if (auto plan = try_plan(planner, d); plan && plan->fits) {
      recs.push_back({RecommendationKind::quantize_kv, std::move(*plan),
                      "an 8-bit KV cache: small quality cost, mostly at long context"});
    }
  }
  // 3. CPU offload (one card, engines that can).
  if (now == 1 && !pool_engine(base.options.engine.kind)) {
    Deployment d = base;
    d.force_offload = true;
    if (auto plan = try_plan(planner, d); plan && plan->fits) {
      recs.push_back({RecommendationKind::offload, std::move(*plan),
                      "layers in CPU RAM run at system-memory speed, far below the card's"});
    }
  }
  // 4. More cards at this precision.
  std::optional<Plan> more = more_cards(planner, base, now);
  // 5. A lower precision on fewer cards than that: the fewest cards, then the highest precision.
  std::optional<Plan> combined;
  for (const WeightFormat* format : lower) {
    Deployment d = base;
    d.format = *format;
    std::optional<Plan> plan = more_cards(planner, d, now);
    if (plan && (!combined || cards_of(*plan) < cards_of(*combined))) {
      combined = std::move(plan);
    }
  }
  const bool combined_helps = combined && (!more || cards_of(*combined) < cards_of(*more));
  if (more) {
    const std::string note = cards_note(*more);
    recs.push_back({RecommendationKind::more_gpus, std::move(*more), note});
  }
  if (combined_helps) {
    const std::string note = quality_note(combined->deployment.format) + "; " + cards_note(*combined);
    recs.push_back({RecommendationKind::quantize_more_gpus, std::move(*combined), note});
  }
  return recs;
}

std::vector<LadderRow> precision_ladder(const Planner& planner, const Deployment& base) {
  const ModelSpec& model = planner.model();
  std::vector<LadderRow> rows;
  for (const WeightFormat* format : {find_weight_format("fp32"), &sixteen_bit_format(model),
                                     find_weight_format("int8"), find_weight_format("int4")}) {
    Deployment d = base;
    d.format = *format;
    rows.push_back({format->name, planner.plan(d)});
  }
  return rows;
}

const char* recommendation_kind_name(RecommendationKind kind) {
  switch (kind) {
    case RecommendationKind::quantize: return "quantize";
    case RecommendationKind::quantize_kv: return "quantize_kv";
    case RecommendationKind::offload: return "offload";
    case RecommendationKind::more_gpus: return "more_gpus";
    case RecommendationKind::quantize_more_gpus: return "quantize_more_gpus";
  }
  return "unknown";
}

}  // namespace vramcalc
