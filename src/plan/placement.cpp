// Placement strategies: what each device holds. docs/formulas.md, "Placement".
#include "vramcalc/placement.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "plan/placement_internal.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/plan.hpp"

namespace vramcalc {

namespace plan_detail {

bool pool_engine(const EstimateOptions& options) {
  return options.engine.kind == EngineKind::vllm || options.engine.kind == EngineKind::sglang;
}

bool llama_family(const EstimateOptions& options) {
  return options.engine.kind == EngineKind::llama_cpp || options.engine.kind == EngineKind::ollama;
}

MemoryEstimate estimate_on(const PlanRequest& request, const GpuSpec& gpu, std::uint32_t count) {
  EstimateOptions options = request.options;
  options.gpu = gpu;
  options.gpu_count = count;
  return estimate(*request.model, request.format, request.workload, options);
}

ModelFacts model_facts(const PlanRequest& request) {
  const ModelSpec& model = *request.model;
  ModelFacts facts;
  const std::size_t n = model.layers.size();
  facts.replicated_layer_bytes.assign(n, 0);
  facts.expert_layer_bytes.assign(n, 0);
  // Bytes of one-dimensional tensors (norms, biases) every tensor-parallel rank keeps whole,
  // and the routed-expert bytes of each layer (what --n-cpu-moe moves).
  const WeightBreakdown all = weight_breakdown(model, request.format);
  const std::vector<std::uint64_t> tensor_bytes = tensor_bytes_of(model, request.format);
  if (!model.tensors.empty()) {
    for (std::size_t i = 0; i < model.tensors.size(); ++i) {
      const TensorInfo& t = model.tensors[i];
      const std::uint64_t bytes = tensor_bytes[i];
      const bool expert = is_routed_expert(t.role);
      if (t.layer >= 0 && static_cast<std::size_t>(t.layer) < n) {
        const auto layer = static_cast<std::size_t>(t.layer);
        if (t.shape.size() < 2) {
          facts.replicated_layer_bytes[layer] += bytes;
        }
        if (expert) {
          facts.expert_layer_bytes[layer] += bytes;
        }
      } else if (t.shape.size() < 2) {
        facts.replicated_other_bytes += bytes;
      }
    }
  }
  facts.total_weight_bytes = all.total_bytes;
  return facts;
}

// KV bytes one of `tp` ranks holds of a layer: its share of the KV heads, a whole head at
// least (replicated when there are fewer heads than ranks); an MLA latent is whole on every
// rank; recurrent state is split like the heads.
std::uint64_t kv_share(const LayerSpec& layer, std::uint64_t layer_bytes, std::uint32_t tp) {
  if (tp <= 1 || layer.attention == AttentionKind::latent) {
    return layer_bytes;
  }
  const std::uint64_t heads = std::max<std::uint32_t>(layer.n_kv_head, 1);
  const std::uint64_t per_rank = std::max<std::uint64_t>(1, div_ceil(heads, tp));
  return mul_div_ceil(layer_bytes, per_rank, heads, "KV share");
}

void finish_device(DevicePlan& device) {
  device.used_bytes = device.weights_bytes + device.kv_cache_bytes + device.activations_bytes +
                      device.overhead_bytes + device.other_bytes;
  device.fits = device.capacity_bytes == 0 || device.used_bytes <= device.capacity_bytes;
}

void finish_plan(Plan& plan) {
  plan.total_bytes = 0;
  plan.replicated_bytes = 0;
  plan.fits = true;
  for (auto& device : plan.devices) {
    finish_device(device);
    plan.total_bytes += device.used_bytes;
    plan.replicated_bytes += device.replicated_bytes;
    plan.fits = plan.fits && device.fits;
  }
}

DevicePlan host_device(const PlanRequest& request) {
  DevicePlan cpu;
  cpu.kind = DeviceKind::cpu;
  cpu.id = "cpu";
  cpu.name = "CPU RAM";
  cpu.capacity_bytes = request.ram_bytes.value_or(0);
  return cpu;
}

DevicePlan gpu_device(const GpuSpec& gpu, std::size_t index) {
  DevicePlan device;
  device.kind = DeviceKind::gpu;
  device.id = gpu.id;
  device.name = fmt::format("{} #{}", gpu.name, index);
  device.capacity_bytes = gpu.usable_bytes;
  return device;
}

// Layers per stage in proportion to `weights` (largest remainder), every stage at least one
// layer when there are enough.
std::vector<std::uint32_t> split_layers(std::uint32_t layers, const std::vector<double>& weights) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::uint32_t> counts(weights.size(), 0);
  std::vector<std::pair<double, std::size_t>> remainders;
  std::uint32_t given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double exact = total == 0 ? 0 : layers * weights[i] / total;
    counts[i] = static_cast<std::uint32_t>(std::floor(exact));
    given += counts[i];
    remainders.emplace_back(exact - std::floor(exact), i);
  }
  std::sort(remainders.begin(), remainders.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; given < layers; ++k) {
    ++counts[remainders[k % remainders.size()].second];
    ++given;
  }
  return counts;
}

}  // namespace plan_detail

const char* strategy_name(PlanStrategy strategy) {
  switch (strategy) {
    case PlanStrategy::single: return "single";
    case PlanStrategy::tensor_parallel: return "tensor_parallel";
    case PlanStrategy::pipeline_parallel: return "pipeline_parallel";
    case PlanStrategy::tensor_pipeline: return "tensor_pipeline";
    case PlanStrategy::offload: return "offload";
    case PlanStrategy::expert_offload: return "expert_offload";
    case PlanStrategy::streamed_offload: return "streamed_offload";
  }
  return "unknown";
}

const char* device_kind_name(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::gpu: return "gpu";
    case DeviceKind::cpu: return "cpu";
    case DeviceKind::disk: return "disk";
  }
  return "unknown";
}

}  // namespace vramcalc
