// Choosing a plan: the simplest strategy that fits. docs/formulas.md, "Placement".
#include <algorithm>

#include <fmt/format.h>

#include "plan/placement_internal.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

using namespace plan_detail;

std::uint32_t total_cards(const PlanRequest& request) {
  std::uint32_t cards = 0;
  for (const auto& group : request.gpus) {
    cards += group.count;
  }
  return cards * request.nodes;
}

bool divides_heads(const ModelSpec& model, std::uint32_t tp) {
  const std::uint32_t heads = attention_heads(model);
  return tp <= 1 || heads == 0 || heads % tp == 0;
}

Plan finished(Plan plan, const PlanRequest& request, const GpuSpec& reference) {
  attach_speed(plan, request, reference);
  plan.engine_flags = engine_flags(plan, request);
  return plan;
}

// Offload plans the engine can run on one card, best first (fits, then faster).
std::vector<Plan> offload_plans(const PlanRequest& request, const GpuSpec& gpu) {
  std::vector<Plan> plans;
  const EngineKind engine = request.options.engine.kind;
  if (pool_engine(request.options)) {
    return plans;  // vLLM and SGLang keep every layer on the GPU
  }
  if (engine == EngineKind::transformers) {
    plans.push_back(finished(streamed_offload_plan(request, gpu), request, gpu));
  } else {
    plans.push_back(finished(layer_offload_plan(request, gpu), request, gpu));
    if (request.model->n_experts > 0) {
      plans.push_back(finished(expert_offload_plan(request, gpu), request, gpu));
    }
  }
  std::stable_sort(plans.begin(), plans.end(), [](const Plan& a, const Plan& b) {
    if (a.fits != b.fits) {
      return a.fits;
    }
    return a.speed.expected_decode_tokens_per_s > b.speed.expected_decode_tokens_per_s;
  });
  return plans;
}

Plan multi_card_plan(const PlanRequest& request) {
  const ModelSpec& model = *request.model;
  if (request.gpus.size() > 1) {
    // Mixed cards: llama.cpp's --tensor-split / layer split in proportion to capacity.
    std::vector<GpuSpec> cards;
    for (std::uint32_t node = 0; node < request.nodes; ++node) {
      for (const auto& group : request.gpus) {
        for (std::uint32_t i = 0; i < group.count; ++i) {
          cards.push_back(group.gpu);
        }
      }
    }
    return finished(capacity_pipeline_plan(request, cards), request, cards.front());
  }
  const GpuSpec& gpu = request.gpus.front().gpu;
  const std::uint32_t per_node = request.gpus.front().count;
  if (request.nodes > 1) {
    // Tensor parallel within a node, pipeline across nodes.
    if (!divides_heads(model, per_node)) {
      throw Error(ErrorKind::usage,
                  fmt::format("{} GPUs per node cannot split {} attention heads evenly",
                              per_node, attention_heads(model)),
                  "use --gpus that divides the heads, or --parallel-mode pp");
    }
    return finished(grid_plan(request, gpu, per_node, request.nodes), request, gpu);
  }
  const ParallelMode mode = request.mode;
  if (mode == ParallelMode::pipeline) {
    return finished(grid_plan(request, gpu, 1, per_node), request, gpu);
  }
  if (!divides_heads(model, per_node)) {
    // Identical cards default to tensor parallelism, whose degree must divide the heads
    // (vLLM and SGLang refuse others).
    std::string divisors;
    const std::uint32_t heads = attention_heads(model);
    for (std::uint32_t d = 1; d <= heads && d <= 64; ++d) {
      if (heads % d == 0) {
        divisors += (divisors.empty() ? "" : ", ") + std::to_string(d);
      }
    }
    throw Error(ErrorKind::usage,
                fmt::format("{} GPUs cannot split {} attention heads evenly (tensor parallelism)",
                            per_node, heads),
                "use a count that divides the heads: " + divisors +
                    "; or --parallel-mode pp for pipeline stages");
  }
  return finished(grid_plan(request, gpu, per_node, 1), request, gpu);
}

}  // namespace

Plan make_plan(const PlanRequest& request) {
  if (request.gpus.empty() || total_cards(request) == 0) {
    throw Error(ErrorKind::usage, "no GPU to plan for", "name a card with --gpu or --vram");
  }
  const GpuSpec& first = request.gpus.front().gpu;
  Plan plan = total_cards(request) == 1 ? finished(grid_plan(request, first, 1, 1), request, first)
                                        : multi_card_plan(request);
  if ((plan.fits && !request.force_offload) || !(request.allow_offload || request.force_offload)) {
    return plan;
  }
  // Does not fit on the cards (or offload asked for): offload to CPU RAM when the engine can.
  if (total_cards(request) == 1) {
    std::vector<Plan> offloads = offload_plans(request, first);
    if (!offloads.empty() && (offloads.front().fits || request.force_offload)) {
      return offloads.front();
    }
  }
  return plan;
}

// Whether a plan keeps any layer or expert off the GPUs (an offload plan of a model that fits
// keeps none, and is the single-GPU plan again).
bool moves_off_gpu(const Plan& plan) {
  return std::any_of(plan.devices.begin(), plan.devices.end(), [](const DevicePlan& d) {
    return d.kind != DeviceKind::gpu && (d.layer_count > 0 || d.expert_layers > 0);
  });
}

std::vector<Plan> alternative_plans(const PlanRequest& request, const Plan& chosen) {
  std::vector<Plan> out;
  const GpuSpec& first = request.gpus.front().gpu;
  if (chosen.strategy == PlanStrategy::tensor_parallel && request.gpus.size() == 1) {
    out.push_back(finished(grid_plan(request, first, 1, chosen.tensor_parallel), request, first));
  } else if (chosen.strategy == PlanStrategy::pipeline_parallel && request.gpus.size() == 1 &&
             divides_heads(*request.model, chosen.pipeline_parallel)) {
    out.push_back(finished(grid_plan(request, first, chosen.pipeline_parallel, 1), request, first));
  }
  if (total_cards(request) == 1) {
    for (Plan& plan : offload_plans(request, first)) {
      if (plan.strategy != chosen.strategy && moves_off_gpu(plan)) {
        out.push_back(std::move(plan));
      }
    }
  }
  return out;
}

}  // namespace vramcalc
