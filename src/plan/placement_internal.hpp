#pragma once
// Internal pieces of the planner shared by its files.

#include <cstdint>
#include <string>
#include <vector>

#include "vramcalc/placement.hpp"

namespace vramcalc::plan_detail {

/// Facts about the model's weights under the request's format that placement needs.
struct ModelFacts {
  std::vector<std::uint64_t> replicated_layer_bytes;  ///< 1-D tensors of each layer
  std::vector<std::uint64_t> expert_layer_bytes;      ///< routed experts of each layer
  std::uint64_t replicated_other_bytes = 0;           ///< 1-D tensors outside the layers
  std::uint64_t total_weight_bytes = 0;
};

[[nodiscard]] bool pool_engine(const EstimateOptions& options);
[[nodiscard]] bool llama_family(const EstimateOptions& options);
[[nodiscard]] MemoryEstimate estimate_on(const PlanRequest& request, const GpuSpec& gpu,
                                         std::uint32_t count);
[[nodiscard]] ModelFacts model_facts(const PlanRequest& request);
[[nodiscard]] std::uint64_t kv_share(const LayerSpec& layer, std::uint64_t layer_bytes,
                                     std::uint32_t tp);
void finish_device(DevicePlan& device);
void finish_plan(Plan& plan);
[[nodiscard]] DevicePlan host_device(const PlanRequest& request);
[[nodiscard]] DevicePlan gpu_device(const GpuSpec& gpu, std::size_t index);
[[nodiscard]] std::vector<std::uint32_t> split_layers(std::uint32_t layers,
                                                      const std::vector<double>& weights);

/// Identical cards in a grid: `tp` ranks per stage, `pp` stages (single: 1 x 1).
[[nodiscard]] Plan grid_plan(const PlanRequest& request, const GpuSpec& gpu, std::uint32_t tp,
                             std::uint32_t pp);
/// Mixed cards: one pipeline stage per card, layers in proportion to capacity.
[[nodiscard]] Plan capacity_pipeline_plan(const PlanRequest& request,
                                          const std::vector<GpuSpec>& cards);
/// llama.cpp: the most layers that fit on the first card, the rest on the CPU.
[[nodiscard]] Plan layer_offload_plan(const PlanRequest& request, const GpuSpec& gpu);
/// llama.cpp --n-cpu-moe: the fewest layers' experts on the CPU that make the rest fit.
[[nodiscard]] Plan expert_offload_plan(const PlanRequest& request, const GpuSpec& gpu);
/// accelerate: layers that do not fit stream from RAM (then disk) every forward pass.
[[nodiscard]] Plan streamed_offload_plan(const PlanRequest& request, const GpuSpec& gpu);

/// The speed of a plan, and of the same model all on one card of `gpu` (for slowdowns).
void attach_speed(Plan& plan, const PlanRequest& request, const GpuSpec& gpu);
/// The engine's flags for the plan.
[[nodiscard]] std::string engine_flags(const Plan& plan, const PlanRequest& request);

}  // namespace vramcalc::plan_detail
