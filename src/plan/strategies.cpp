// The placement strategies. Each fills DevicePlans from the engine's estimate:
// docs/formulas.md, "Placement".
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "plan/placement_internal.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/plan.hpp"

namespace vramcalc::plan_detail {

namespace {

// Activation bytes every tensor-parallel rank keeps whole: the residual stream and normed
// input ([tokens, hidden] in 16 bits each); the MLP intermediates are sharded.
std::uint64_t replicated_activation_bytes(const PlanRequest& request) {
  const std::uint64_t tokens = request.workload.context * request.workload.batch;
  return checked_mul(tokens, 4ULL * request.model->hidden, "activations");
}

struct StageRange {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

std::vector<StageRange> stage_ranges(const std::vector<std::uint32_t>& counts) {
  std::vector<StageRange> ranges;
  std::uint32_t first = 0;
  for (const std::uint32_t count : counts) {
    ranges.push_back({first, count});
    first += count;
  }
  return ranges;
}

// Pool engines size one rank; a pipeline stage holds a share of the layers, so its pool is
// what the rank's budget leaves after its share of the weights.
void pool_stage(DevicePlan& device, const MemoryEstimate& rank, const ModelSpec& model,
                const Workload& workload, StageRange range, std::optional<KvPool>& pool_out) {
  const double share = model.layers.empty()
                           ? 1.0
                           : static_cast<double>(range.count) /
                                 static_cast<double>(model.layers.size());
  const auto weights = static_cast<std::uint64_t>(static_cast<double>(rank.weights.bytes) * share);
  device.weights_bytes = weights;
  device.activations_bytes = rank.activations.bytes;
  device.overhead_bytes = rank.overhead.bytes;
  if (!rank.kv_pool) {
    device.kv_cache_bytes = static_cast<std::uint64_t>(static_cast<double>(rank.kv_cache.bytes) * share);
    return;
  }
  KvPool pool = *rank.kv_pool;
  pool.bytes += rank.weights.bytes - weights;
  pool.bytes_per_token = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(static_cast<double>(pool.bytes_per_token) * share));
  pool.bytes_per_sequence =
      static_cast<std::uint64_t>(static_cast<double>(pool.bytes_per_sequence) * share);
  pool.tokens = pool.bytes / (pool.bytes_per_token * pool.block_size) * pool.block_size;
  const double sequence_tokens =
      static_cast<double>(pool.bytes_per_sequence) / static_cast<double>(pool.bytes_per_token);
  pool.max_concurrency = sequence_tokens == 0 ? 0 : static_cast<double>(pool.tokens) / sequence_tokens;
  device.kv_cache_bytes = pool.bytes;
  if (!pool_out || pool.tokens < pool_out->tokens) {
    pool_out = pool;
  }
  (void)workload;
}

bool pool_fits(const Plan& plan, const Workload& workload) {
  if (!plan.kv_pool) {
    return true;
  }
  const KvPool& pool = *plan.kv_pool;
  const std::uint64_t per_sequence =
      pool.bytes_per_token == 0 ? 0 : div_ceil(pool.bytes_per_sequence, pool.bytes_per_token);
  const std::uint64_t needed =
      round_up(per_sequence, std::max<std::uint32_t>(pool.block_size, 1)) * workload.batch;
  return needed > 0 && pool.tokens >= needed;
}

void add_host(Plan& plan, const PlanRequest& request, const MemoryEstimate& estimate,
              std::uint64_t extra_weights = 0, std::uint64_t extra_kv = 0,
              std::uint64_t extra_compute = 0) {
  DevicePlan cpu = host_device(request);
  cpu.other_bytes = estimate.host_weight_bytes + estimate.output_buffer.bytes;
  cpu.weights_bytes = extra_weights;
  cpu.kv_cache_bytes = extra_kv;
  cpu.activations_bytes = extra_compute;
  plan.devices.push_back(cpu);
}

}  // namespace

Plan grid_plan(const PlanRequest& request, const GpuSpec& gpu, std::uint32_t tp,
               std::uint32_t pp) {
  const ModelSpec& model = *request.model;
  const auto n_layers = static_cast<std::uint32_t>(model.layers.size());
  Plan plan;
  plan.tensor_parallel = tp;
  plan.pipeline_parallel = pp;
  plan.strategy = tp * pp == 1  ? PlanStrategy::single
                  : pp == 1     ? PlanStrategy::tensor_parallel
                  : tp == 1     ? PlanStrategy::pipeline_parallel
                                : PlanStrategy::tensor_pipeline;
  plan.gpu_layers = n_layers;
  const std::vector<StageRange> stages =
      stage_ranges(split_layers(n_layers, std::vector<double>(pp, 1.0)));
  const bool multi = tp * pp > 1;

  if (pool_engine(request.options)) {
    const MemoryEstimate rank = estimate_on(request, gpu, tp);
    for (std::uint32_t s = 0; s < pp; ++s) {
      for (std::uint32_t r = 0; r < tp; ++r) {
        DevicePlan device = gpu_device(gpu, s * tp + r);
        device.first_layer = stages[s].first;
        device.layer_count = stages[s].count;
        pool_stage(device, rank, model, request.workload, stages[s], plan.kv_pool);
        if (multi) {
          device.overhead_bytes += k_communication_buffer_bytes;
          device.replicated_bytes = k_communication_buffer_bytes;
        }
        plan.devices.push_back(device);
      }
    }
    add_host(plan, request, rank);
    finish_plan(plan);
    plan.fits = plan.fits && pool_fits(plan, request.workload);
    return plan;
  }

  const MemoryEstimate est = estimate_on(request, gpu, 1);
  const ModelFacts facts = model_facts(request);
  const std::uint64_t residual = tp > 1 ? replicated_activation_bytes(request) : 0;
  for (std::uint32_t s = 0; s < pp; ++s) {
    const StageRange range = stages[s];
    std::uint64_t stage_weights = 0;
    std::uint64_t stage_replicated = 0;
    std::uint64_t stage_kv_rank = 0;
    std::uint64_t stage_kv_excess = 0;
    for (std::uint32_t i = range.first; i < range.first + range.count; ++i) {
      stage_weights += est.layers[i].weight_bytes;
      stage_replicated += facts.replicated_layer_bytes[i];
      const std::uint64_t share = kv_share(model.layers[i], est.layers[i].kv_bytes, tp);
      stage_kv_rank += share;
      // KV held twice because a head is repeated on ranks (fewer KV heads than ranks).
      const std::uint64_t fair = div_ceil(est.layers[i].kv_bytes, tp);
      stage_kv_excess += share > fair ? share - fair : 0;
    }
    if (s == 0) {
      stage_weights += est.embedding_weight_bytes - est.host_weight_bytes;
    }
    if (s + 1 == pp) {
      stage_weights += est.head_weight_bytes;
      stage_replicated += facts.replicated_other_bytes;
    }
    const std::uint64_t sharded = stage_weights - std::min(stage_weights, stage_replicated);
    for (std::uint32_t r = 0; r < tp; ++r) {
      DevicePlan device = gpu_device(gpu, s * tp + r);
      device.first_layer = range.first;
      device.layer_count = range.count;
      device.weights_bytes = div_ceil(sharded, tp) + stage_replicated;
      device.kv_cache_bytes = stage_kv_rank;
      device.activations_bytes = div_ceil(est.activations.bytes, tp) + residual;
      device.overhead_bytes = est.overhead.bytes + (multi ? k_communication_buffer_bytes : 0);
      device.replicated_bytes =
          (tp > 1 ? stage_replicated + stage_kv_excess : 0) + (multi ? k_communication_buffer_bytes : 0);
      plan.devices.push_back(device);
    }
  }
  add_host(plan, request, est);
  finish_plan(plan);
  return plan;
}

Plan capacity_pipeline_plan(const PlanRequest& request, const std::vector<GpuSpec>& cards) {
  const ModelSpec& model = *request.model;
  const auto n_layers = static_cast<std::uint32_t>(model.layers.size());
  std::vector<double> capacities;
  for (const auto& card : cards) {
    capacities.push_back(static_cast<double>(card.usable_bytes));
  }
  const std::vector<StageRange> stages = stage_ranges(split_layers(n_layers, capacities));
  Plan plan;
  plan.strategy = PlanStrategy::pipeline_parallel;
  plan.pipeline_parallel = static_cast<std::uint32_t>(cards.size());
  plan.gpu_layers = n_layers;
  const MemoryEstimate est = estimate_on(request, cards.front(), 1);
  for (std::size_t s = 0; s < cards.size(); ++s) {
    DevicePlan device = gpu_device(cards[s], s);
    device.first_layer = stages[s].first;
    device.layer_count = stages[s].count;
    for (std::uint32_t i = stages[s].first; i < stages[s].first + stages[s].count; ++i) {
      device.weights_bytes += est.layers[i].weight_bytes;
      device.kv_cache_bytes += est.layers[i].kv_bytes;
    }
    if (s == 0) {
      device.weights_bytes += est.embedding_weight_bytes - est.host_weight_bytes;
    }
    if (s + 1 == cards.size()) {
      device.weights_bytes += est.head_weight_bytes;
    }
    device.activations_bytes = est.activations.bytes;
    device.overhead_bytes = est.overhead.bytes + k_communication_buffer_bytes;
    device.replicated_bytes = k_communication_buffer_bytes;
    plan.devices.push_back(device);
  }
  add_host(plan, request, est);
  finish_plan(plan);
  return plan;
}

Plan layer_offload_plan(const PlanRequest& request, const GpuSpec& gpu) {
  const ModelSpec& model = *request.model;
  const MemoryEstimate est = estimate_on(request, gpu, 1);
  const auto n_layers = static_cast<std::uint32_t>(model.layers.size());
  // The GPU keeps the runtime overhead, the compute buffer and the output head; llama.cpp
  // offloads the last -ngl layers, so the CPU computes the first ones. The KV cache of a layer
  // lives with the layer.
  const std::uint64_t fixed = est.overhead.bytes + est.activations.bytes + est.head_weight_bytes +
                              (est.embedding_weight_bytes - est.host_weight_bytes);
  std::uint32_t on_gpu = 0;
  std::uint64_t used = fixed;
  for (std::uint32_t k = n_layers; k > 0; --k) {
    const std::uint64_t need = est.layers[k - 1].weight_bytes + est.layers[k - 1].kv_bytes;
    if (used + need > gpu.usable_bytes) {
      break;
    }
    used += need;
    ++on_gpu;
  }
  Plan plan;
  plan.strategy = PlanStrategy::offload;
  plan.gpu_layers = on_gpu;
  plan.cpu_layers = n_layers - on_gpu;
  DevicePlan device = gpu_device(gpu, 0);
  device.first_layer = n_layers - on_gpu;
  device.layer_count = on_gpu;
  device.weights_bytes = est.head_weight_bytes + est.embedding_weight_bytes - est.host_weight_bytes;
  std::uint64_t cpu_weights = 0;
  std::uint64_t cpu_kv = 0;
  for (std::uint32_t i = 0; i < n_layers; ++i) {
    if (i >= device.first_layer) {
      device.weights_bytes += est.layers[i].weight_bytes;
      device.kv_cache_bytes += est.layers[i].kv_bytes;
    } else {
      cpu_weights += est.layers[i].weight_bytes;
      cpu_kv += est.layers[i].kv_bytes;
    }
  }
  device.activations_bytes = est.activations.bytes;
  device.overhead_bytes = est.overhead.bytes;
  plan.devices.push_back(device);
  // With layers on the CPU, llama.cpp keeps a host compute buffer of about the GPU's size
  // (NOTES.md section 4: Mixtral with 15 of 32 layers offloaded, 108 MiB GPU + 109 MiB host).
  add_host(plan, request, est, cpu_weights, cpu_kv, plan.cpu_layers > 0 ? est.activations.bytes : 0);
  plan.devices.back().first_layer = 0;
  plan.devices.back().layer_count = plan.cpu_layers;
  finish_plan(plan);
  return plan;
}

Plan expert_offload_plan(const PlanRequest& request, const GpuSpec& gpu) {
  const ModelSpec& model = *request.model;
  const MemoryEstimate est = estimate_on(request, gpu, 1);
  const ModelFacts facts = model_facts(request);
  const auto n_layers = static_cast<std::uint32_t>(model.layers.size());
  Plan plan;
  plan.strategy = PlanStrategy::expert_offload;
  plan.gpu_layers = n_layers;
  // --n-cpu-moe N keeps the routed experts of the first N layers on the CPU; the fewest N
  // that make the GPU's share fit.
  const std::uint64_t everything = est.total_bytes;
  std::uint64_t moved = 0;
  std::uint32_t n = 0;
  while (n < n_layers && everything - moved > gpu.usable_bytes) {
    moved += facts.expert_layer_bytes[n];
    ++n;
  }
  plan.n_cpu_moe = n;
  DevicePlan device = gpu_device(gpu, 0);
  device.layer_count = n_layers;
  device.weights_bytes = est.weights.bytes - est.host_weight_bytes - moved;
  device.kv_cache_bytes = est.kv_cache.bytes;
  device.activations_bytes = est.activations.bytes;
  device.overhead_bytes = est.overhead.bytes;
  plan.devices.push_back(device);
  add_host(plan, request, est, moved, 0, n > 0 ? est.activations.bytes : 0);
  plan.devices.back().expert_layers = n;
  finish_plan(plan);
  return plan;
}

Plan streamed_offload_plan(const PlanRequest& request, const GpuSpec& gpu) {
  const ModelSpec& model = *request.model;
  const MemoryEstimate est = estimate_on(request, gpu, 1);
  const auto n_layers = static_cast<std::uint32_t>(model.layers.size());
  // accelerate's device_map="auto" fills the GPU in order (embeddings, then layers), keeps
  // one layer's worth of room to stream the others in, and puts the rest in max_memory["cpu"],
  // then on disk. The KV cache and activations stay on the GPU.
  std::uint64_t largest_layer = 0;
  for (const auto& layer : est.layers) {
    largest_layer = std::max(largest_layer, layer.weight_bytes);
  }
  const std::uint64_t fixed = est.overhead.bytes + est.activations.bytes + est.kv_cache.bytes +
                              est.embedding_weight_bytes + est.head_weight_bytes + largest_layer;
  Plan plan;
  plan.strategy = PlanStrategy::streamed_offload;
  DevicePlan device = gpu_device(gpu, 0);
  std::uint64_t used = fixed;
  std::uint32_t on_gpu = 0;
  while (on_gpu < n_layers && used + est.layers[on_gpu].weight_bytes <= gpu.usable_bytes) {
    used += est.layers[on_gpu].weight_bytes;
    ++on_gpu;
  }
  device.layer_count = on_gpu;
  device.weights_bytes = est.embedding_weight_bytes + est.head_weight_bytes + largest_layer;
  for (std::uint32_t i = 0; i < on_gpu; ++i) {
    device.weights_bytes += est.layers[i].weight_bytes;
  }
  device.kv_cache_bytes = est.kv_cache.bytes;
  device.activations_bytes = est.activations.bytes;
  device.overhead_bytes = est.overhead.bytes;
  plan.devices.push_back(device);
  std::uint64_t rest = 0;
  for (std::uint32_t i = on_gpu; i < n_layers; ++i) {
    rest += est.layers[i].weight_bytes;
  }
  const std::uint64_t ram = request.ram_bytes.value_or(rest);
  DevicePlan cpu = host_device(request);
  cpu.first_layer = on_gpu;
  cpu.weights_bytes = std::min(rest, ram);
  cpu.layer_count = n_layers - on_gpu;
  plan.devices.push_back(cpu);
  if (rest > ram) {
    DevicePlan disk;
    disk.kind = DeviceKind::disk;
    disk.id = "disk";
    disk.name = "disk (offload folder)";
    disk.weights_bytes = rest - ram;
    plan.devices.push_back(disk);
    plan.notes.push_back("RAM is short too: the rest of the weights stream from disk");
  }
  plan.gpu_layers = on_gpu;
  plan.cpu_layers = n_layers - on_gpu;
  finish_plan(plan);
  return plan;
}

}  // namespace vramcalc::plan_detail
