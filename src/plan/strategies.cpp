// The placement strategies. Each fills DevicePlans from the engine's estimate; settle() then
// decides the verdict. docs/formulas.md, "Placement".
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "engines/pool.hpp"
#include "plan/placement_internal.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::plan_detail {

namespace {

// Activation bytes every tensor-parallel rank keeps whole: the residual stream and normed
// input ([tokens, hidden] in 16 bits each); the MLP intermediates are sharded.
std::uint64_t replicated_activation_bytes(const Context& ctx) {
  const Workload& w = ctx.deployment.workload;
  const std::uint64_t tokens = checked_mul(w.context, w.batch, "activations");
  return checked_mul(tokens, 4ULL * ctx.model.hidden, "activations");
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

void add_host(Plan& plan, const Context& ctx, const MemoryEstimate& estimate,
              std::uint64_t extra_weights = 0, std::uint64_t extra_kv = 0,
              std::uint64_t extra_compute = 0) {
  DevicePlan cpu = host_device(ctx.deployment);
  // llama.cpp keeps token_embd mapped in host RAM (part of the weights) and its logits buffer
  // there (other).
  cpu.other_bytes = estimate.output_buffer.bytes;
  cpu.weights_bytes = extra_weights + estimate.host_weight_bytes;
  cpu.kv_cache_bytes = extra_kv;
  cpu.activations_bytes = extra_compute;
  plan.devices.push_back(cpu);
}

// A pool engine's stage: its pool is what the rank's budget leaves after the stage's weights
// (vLLM sizes each pipeline worker from its own memory and keeps the fewest blocks of all:
// vllm/v1/core/kv_cache_utils.py, get_kv_cache_configs).
struct StagePool {
  KvPool pool;
  std::uint64_t needed = 0;  ///< tokens the workload needs in this stage's pool
  std::int64_t spare_bytes = 0;
};

StagePool stage_pool(const Context& ctx, const KvPool& rank, std::uint64_t stage_weights,
                     StageRange range, std::uint32_t tp, std::uint64_t extra_token_bytes = 0) {
  const Workload& w = ctx.deployment.workload;
  StagePool out;
  KvPool& pool = out.pool;
  pool = rank;
  pool.bytes = rank.budget_bytes > stage_weights ? rank.budget_bytes - stage_weights : 0;
  pool.bytes_per_token = 0;
  pool.bytes_per_sequence = 0;
  for (std::uint32_t i = range.first; i < range.first + range.count; ++i) {
    const LayerSpec& layer = ctx.model.layers[i];
    const std::uint64_t per_token = engines::pool_layer_token_bytes(layer, w, tp);
    pool.bytes_per_token += per_token;
    pool.bytes_per_sequence = checked_add(
        pool.bytes_per_sequence,
        checked_mul(engines::pool_layer_sequence_tokens(layer, w), per_token, "KV"), "KV");
  }
  // A draft model's layers share the pool: every token holds them too.
  pool.bytes_per_token += extra_token_bytes;
  pool.bytes_per_sequence =
      checked_add(pool.bytes_per_sequence, checked_mul(extra_token_bytes, w.context, "KV"), "KV");
  const std::uint32_t block = std::max<std::uint32_t>(pool.block_size, 1);
  if (pool.bytes_per_token == 0) {
    // No attention in this stage: nothing to hold.
    pool.tokens = 0;
    pool.max_concurrency = 0;
    out.spare_bytes = static_cast<std::int64_t>(pool.bytes);
    return out;
  }
  pool.tokens = pool.bytes / (pool.bytes_per_token * block) * block;
  const std::uint64_t sequence_tokens = div_ceil(pool.bytes_per_sequence, pool.bytes_per_token);
  out.needed = checked_mul(round_up(sequence_tokens, block), w.batch, "pool tokens");
  pool.max_concurrency = static_cast<double>(pool.tokens) * static_cast<double>(pool.bytes_per_token) /
                         static_cast<double>(std::max<std::uint64_t>(pool.bytes_per_sequence, 1));
  out.spare_bytes = signed_difference(pool.tokens, out.needed) *
                    static_cast<std::int64_t>(pool.bytes_per_token);
  return out;
}

// KV one rank of a pool engine holds for the workload when no card sizes its pool.
std::uint64_t pool_workload_kv(const Context& ctx, StageRange range, std::uint32_t tp) {
  const Workload& w = ctx.deployment.workload;
  std::uint64_t bytes = 0;
  for (std::uint32_t i = range.first; i < range.first + range.count; ++i) {
    const LayerSpec& layer = ctx.model.layers[i];
    bytes = checked_add(bytes,
                        checked_mul(checked_mul(engines::pool_layer_sequence_tokens(layer, w),
                                                engines::pool_layer_token_bytes(layer, w, tp), "KV"),
                                    w.batch, "KV"),
                        "KV");
  }
  return bytes;
}

// What a card offers an offload: its usable memory less the margin kept free.
std::uint64_t room_on(const Context& ctx, const GpuSpec& gpu) {
  const std::uint64_t keep = margin_bytes(ctx.deployment.margin, gpu.usable_bytes);
  return gpu.usable_bytes > keep ? gpu.usable_bytes - keep : 0;
}

PlanStrategy grid_strategy(std::uint32_t tp, std::uint32_t pp) {
  return tp * pp == 1 ? PlanStrategy::single
         : pp == 1    ? PlanStrategy::tensor_parallel
         : tp == 1    ? PlanStrategy::pipeline_parallel
                      : PlanStrategy::tensor_pipeline;
}

}  // namespace

Plan grid_plan(const Context& ctx, const GpuSpec* gpu, std::uint32_t tp, std::uint32_t pp) {
  const ModelSpec& model = ctx.model;
  const auto n_layers = static_cast<std::uint32_t>(model.layers.size());
  const bool pool = pool_engine(ctx.deployment.options.engine.kind);
  Plan plan;
  plan.estimate = estimate_on(ctx, gpu, pool ? tp : 1);
  const MemoryEstimate& est = plan.estimate;
  plan.tensor_parallel = tp;
  plan.pipeline_parallel = pp;
  plan.strategy = grid_strategy(tp, pp);
  plan.gpu_layers = n_layers;
  plan.output_on_gpu = true;
  const std::vector<StageRange> stages =
      stage_ranges(split_layers(n_layers, std::vector<double>(pp, 1.0)));
  const bool multi = tp * pp > 1;
  const std::uint64_t residual = !pool && tp > 1 ? replicated_activation_bytes(ctx) : 0;
  const std::uint64_t communication = multi ? k_communication_buffer_bytes : 0;
  // Attachments sit on the first stage, shared by its ranks (weights and compute); a draft's
  // pooled KV adds to every token of that stage's pool.
  std::uint64_t attached_static = 0;
  std::uint64_t attached_token = 0;
  for (const AttachmentMemory& a : ctx.attachments) {
    attached_static += a.weights.bytes + a.compute.bytes;
    attached_token += a.kv_bytes_per_token;
  }
  std::optional<StagePool> binding;
  for (std::uint32_t s = 0; s < pp; ++s) {
    const StageRange range = stages[s];
    std::uint64_t stage_weights = 0;
    std::uint64_t stage_replicated = 0;
    std::uint64_t stage_kv_rank = 0;
    std::uint64_t stage_kv_excess = 0;
    for (std::uint32_t i = range.first; i < range.first + range.count; ++i) {
      stage_weights += est.layers[i].weight_bytes;
      stage_replicated += ctx.facts.replicated_layer_bytes[i];
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
      stage_replicated += ctx.facts.replicated_other_bytes;
    }
    stage_replicated = std::min(stage_weights, stage_replicated);
    const std::uint64_t rank_weights = div_ceil(stage_weights - stage_replicated, tp) + stage_replicated;
    std::optional<StagePool> stage;
    if (pool && est.kv_pool) {
      stage = s == 0 ? stage_pool(ctx, *est.kv_pool, rank_weights + div_ceil(attached_static, tp),
                                  range, tp, div_ceil(attached_token, tp))
                     : stage_pool(ctx, *est.kv_pool, rank_weights, range, tp);
      if (!binding || stage->spare_bytes < binding->spare_bytes) {
        binding = stage;
      }
    }
    for (std::uint32_t r = 0; r < tp; ++r) {
      DevicePlan device = gpu != nullptr ? gpu_device(*gpu, s * tp + r) : unknown_device();
      device.first_layer = range.first;
      device.layer_count = range.count;
      device.weights_bytes = rank_weights;
      if (pool) {
        device.kv_cache_bytes = stage ? stage->pool.bytes : pool_workload_kv(ctx, range, tp);
        device.activations_bytes = est.activations.bytes;
      } else {
        device.kv_cache_bytes = stage_kv_rank;
        device.activations_bytes = div_ceil(est.activations.bytes, tp) + residual;
      }
      device.overhead_bytes = est.overhead.bytes + communication;
      device.replicated_bytes =
          (tp > 1 ? stage_replicated + (pool ? 0 : stage_kv_excess) : 0) + communication;
      plan.devices.push_back(device);
    }
  }
  if (binding) {
    plan.kv_pool = binding->pool;
    plan.pool_tokens_needed = binding->needed;
  }
  place_attachments(plan, ctx, 0, tp);
  add_host(plan, ctx, est);
  return plan;
}

void place_attachments(Plan& plan, const Context& ctx, std::size_t first, std::size_t count) {
  count = std::min(count, plan.devices.size() - std::min(first, plan.devices.size()));
  if (count == 0) {
    return;
  }
  for (const AttachmentMemory& a : ctx.attachments) {
    PlacedAttachment placed{a, {}};
    for (std::size_t i = first; i < first + count; ++i) {
      DevicePlan& device = plan.devices[i];
      device.weights_bytes += div_ceil(a.weights.bytes, count);
      device.kv_cache_bytes += div_ceil(a.kv_cache.bytes, count);
      device.activations_bytes += div_ceil(a.compute.bytes, count);
      placed.devices.push_back(device.id);
    }
    plan.attachments.push_back(std::move(placed));
  }
}

// llama.cpp's placement over cards and the CPU, as -ngl, --n-cpu-moe and -nkvo name it:
// layers [first_gpu, n) split over `cards` in proportion to their memory (-sm layer; llama.cpp's
// default --tensor-split follows each device's free memory, src/llama-model.cpp load_tensors),
// each card with its own compute buffer; the first layers, the routed experts of layers
// [0, n_cpu_moe), the output layer unless -ngl exceeds the layer count (load_tensors puts the
// output on a GPU only when n_gpu_layers > n_layer) and, with -nkvo, the KV cache in CPU RAM,
// which then runs a compute buffer of about the GPU's size (Mixtral with 15 of 32 layers
// offloaded: 108 MiB GPU + 109 MiB host compute buffers in a llama.cpp log of
// tests/data/validation/published.json).
Plan spread_plan(const Context& ctx, const std::vector<GpuSpec>& cards, const MemoryEstimate& est,
                 const Spread& spread) {
  const auto n_layers = static_cast<std::uint32_t>(ctx.model.layers.size());
  const std::uint32_t first_gpu = std::min(spread.first_gpu, n_layers);
  const std::uint32_t n_cpu_moe = std::min(spread.n_cpu_moe, n_layers);
  Plan plan;
  plan.estimate = est;
  plan.pipeline_parallel = static_cast<std::uint32_t>(cards.size());
  plan.gpu_layers = n_layers - first_gpu;
  plan.cpu_layers = first_gpu;
  plan.n_cpu_moe = n_cpu_moe;
  plan.output_on_gpu = spread.output_on_gpu;
  std::vector<double> capacities;
  for (const auto& card : cards) {
    capacities.push_back(static_cast<double>(card.usable_bytes));
  }
  const std::vector<StageRange> stages =
      stage_ranges(split_layers(plan.gpu_layers, capacities));
  std::uint64_t cpu_weights = spread.output_on_gpu ? 0 : est.head_weight_bytes;
  std::uint64_t cpu_kv = 0;
  for (std::uint32_t i = 0; i < first_gpu; ++i) {
    cpu_weights += est.layers[i].weight_bytes;
    cpu_kv += est.layers[i].kv_bytes;
  }
  std::uint32_t cpu_experts = 0;
  for (std::size_t s = 0; s < cards.size(); ++s) {
    DevicePlan device = gpu_device(cards[s], s);
    device.first_layer = first_gpu + stages[s].first;
    device.layer_count = stages[s].count;
    for (std::uint32_t i = device.first_layer; i < device.first_layer + device.layer_count; ++i) {
      const std::uint64_t experts = i < n_cpu_moe ? ctx.facts.expert_layer_bytes[i] : 0;
      device.weights_bytes += est.layers[i].weight_bytes - experts;
      (spread.kv_on_cpu ? cpu_kv : device.kv_cache_bytes) += est.layers[i].kv_bytes;
      cpu_weights += experts;
      cpu_experts += experts > 0 ? 1 : 0;
    }
    if (s == 0) {
      device.weights_bytes += est.embedding_weight_bytes - est.host_weight_bytes;
    }
    if (s + 1 == cards.size() && spread.output_on_gpu) {
      device.weights_bytes += est.head_weight_bytes;
    }
    device.activations_bytes = est.activations.bytes;
    device.overhead_bytes = est.overhead.bytes;
    plan.devices.push_back(device);
  }
  const bool on_cpu = first_gpu > 0 || cpu_experts > 0 || !spread.output_on_gpu || spread.kv_on_cpu;
  place_attachments(plan, ctx, 0, 1);  // llama.cpp's main GPU (--main-gpu 0)
  add_host(plan, ctx, est, cpu_weights, cpu_kv, on_cpu ? est.activations.bytes : 0);
  plan.devices.back().first_layer = 0;
  plan.devices.back().layer_count = first_gpu;
  plan.devices.back().expert_layers = cpu_experts;
  plan.strategy = n_cpu_moe > 0 && first_gpu == 0 ? PlanStrategy::expert_offload
                  : on_cpu                        ? PlanStrategy::offload
                  : cards.size() > 1              ? PlanStrategy::layer_split
                                                  : PlanStrategy::single;
  return plan;
}

namespace {

// Whether every card of a spread holds its share within its capacity less margin.
bool cards_hold(const Plan& plan, const Context& ctx) {
  return std::all_of(plan.devices.begin(), plan.devices.end(), [&](const DevicePlan& d) {
    if (d.kind != DeviceKind::gpu) {
      return true;
    }
    const std::uint64_t keep = margin_bytes(ctx.deployment.margin, d.capacity_bytes);
    return checked_add(checked_add(d.weights_bytes, d.kv_cache_bytes, "device"),
                       checked_add(checked_add(d.activations_bytes, d.overhead_bytes, "device"),
                                   keep, "device"),
                       "device") <= d.capacity_bytes;
  });
}

}  // namespace

Spread spread_of(std::uint32_t n_layers, std::uint32_t n_gpu_layers) {
  Spread spread;
  spread.first_gpu = n_layers - std::min(n_gpu_layers, n_layers);
  spread.output_on_gpu = n_gpu_layers > n_layers;
  return spread;
}

Plan layer_split_plan(const Context& ctx, const std::vector<GpuSpec>& cards) {
  return spread_plan(ctx, cards, estimate_on(ctx, &cards.front(), 1), Spread{});
}

Plan layer_offload_plan(const Context& ctx, const std::vector<GpuSpec>& cards) {
  // llama.cpp offloads the last -ngl layers (the output layer first of all: -ngl n + 1), so the
  // CPU computes the first ones: the largest -ngl that lets every card hold its share.
  const MemoryEstimate est = estimate_on(ctx, &cards.front(), 1);
  const auto n_layers = static_cast<std::uint32_t>(ctx.model.layers.size());
  for (std::uint32_t ngl = n_layers + 1; ngl > 0; --ngl) {
    Plan plan = spread_plan(ctx, cards, est, spread_of(n_layers, ngl));
    if (cards_hold(plan, ctx)) {
      plan.strategy = PlanStrategy::offload;
      return plan;
    }
  }
  Plan plan = spread_plan(ctx, cards, est, spread_of(n_layers, 0));
  plan.strategy = PlanStrategy::offload;
  return plan;
}

Plan expert_offload_plan(const Context& ctx, const std::vector<GpuSpec>& cards) {
  // --n-cpu-moe N keeps the routed experts of the first N layers on the CPU: the fewest N
  // that let every card hold the rest.
  const MemoryEstimate est = estimate_on(ctx, &cards.front(), 1);
  const auto n_layers = static_cast<std::uint32_t>(ctx.model.layers.size());
  Spread spread;
  for (std::uint32_t n = 0; n < n_layers; ++n) {
    spread.n_cpu_moe = n;
    Plan plan = spread_plan(ctx, cards, est, spread);
    if (cards_hold(plan, ctx)) {
      plan.strategy = PlanStrategy::expert_offload;
      return plan;
    }
  }
  spread.n_cpu_moe = n_layers;
  Plan plan = spread_plan(ctx, cards, est, spread);
  plan.strategy = PlanStrategy::expert_offload;
  return plan;
}

Plan chosen_split_plan(const Context& ctx, const std::vector<GpuSpec>& cards) {
  // The split the engine settings name (-ngl, --n-cpu-moe, -nkvo), as llama.cpp places it.
  const EngineSettings& s = ctx.deployment.options.engine;
  const auto n_layers = static_cast<std::uint32_t>(ctx.model.layers.size());
  Spread spread = spread_of(n_layers, s.n_gpu_layers.value_or(n_layers + 1));
  spread.n_cpu_moe = s.n_cpu_moe.value_or(0);
  spread.kv_on_cpu = s.no_kv_offload;
  return spread_plan(ctx, cards, estimate_on(ctx, &cards.front(), 1), spread);
}

Plan cpu_plan(const Context& ctx) {
  // Every layer on the CPU (llama.cpp -ngl 0 without a GPU backend, transformers on "cpu"):
  // weights, KV cache, compute buffer and host buffers in RAM, no GPU runtime.
  Plan plan;
  EstimateOptions options = ctx.deployment.options;
  options.gpu.reset();
  options.gpu_count = 1;
  options.overhead_bytes = 0;
  options.weights = &ctx.facts.weights;
  plan.estimate = estimate(ctx.model, ctx.deployment.format, ctx.deployment.workload, options);
  const MemoryEstimate& est = plan.estimate;
  const auto n_layers = static_cast<std::uint32_t>(ctx.model.layers.size());
  plan.strategy = PlanStrategy::cpu_only;
  plan.cpu_layers = n_layers;
  DevicePlan cpu = host_device(ctx.deployment);
  cpu.weights_bytes = est.weights.bytes;
  cpu.kv_cache_bytes = est.kv_cache.bytes;
  cpu.activations_bytes = est.activations.bytes;
  cpu.other_bytes = est.output_buffer.bytes;
  cpu.first_layer = 0;
  cpu.layer_count = n_layers;
  plan.devices.push_back(cpu);
  place_attachments(plan, ctx, 0, 1);
  return plan;
}

Plan streamed_offload_plan(const Context& ctx, const std::vector<GpuSpec>& cards) {
  const ModelSpec& model = ctx.model;
  Plan plan;
  plan.estimate = estimate_on(ctx, &cards.front(), 1);
  const MemoryEstimate& est = plan.estimate;
  const auto n_layers = static_cast<std::uint32_t>(model.layers.size());
  // accelerate's device_map="auto" fills the cards in order (embeddings, then layers), keeps
  // one layer's worth of room on the first to stream the others in, and puts the rest in
  // max_memory["cpu"], then on disk. Each card keeps the KV cache of its layers, a compute
  // buffer and its CUDA context; the first also the embeddings and the head.
  std::uint64_t largest_layer = 0;
  for (const auto& layer : est.layers) {
    largest_layer = std::max(largest_layer, layer.weight_bytes);
  }
  plan.strategy = PlanStrategy::streamed_offload;
  plan.pipeline_parallel = static_cast<std::uint32_t>(cards.size());
  std::uint64_t all_kv = 0;
  for (const auto& layer : est.layers) {
    all_kv += layer.kv_bytes;
  }
  std::uint32_t next = 0;
  std::uint64_t moved_kv = 0;  // KV of layers on later cards, which the first need not hold
  for (std::size_t c = 0; c < cards.size(); ++c) {
    DevicePlan device = gpu_device(cards[c], c);
    device.activations_bytes = est.activations.bytes;
    device.overhead_bytes = est.overhead.bytes;
    if (c == 0) {
      // The first card runs every layer that is not on a later card: their KV lives there.
      device.weights_bytes = est.embedding_weight_bytes + est.head_weight_bytes + largest_layer;
      device.kv_cache_bytes = all_kv;
      // Attachments live on the first card, before any layer is placed.
      for (const AttachmentMemory& a : ctx.attachments) {
        device.weights_bytes += a.weights.bytes;
        device.kv_cache_bytes += a.kv_cache.bytes;
        device.activations_bytes += a.compute.bytes;
        plan.attachments.push_back({a, {device.id}});
      }
    }
    const std::uint64_t room = room_on(ctx, cards[c]);
    const auto used = [&device] {
      return device.weights_bytes + device.kv_cache_bytes + device.activations_bytes +
             device.overhead_bytes;
    };
    device.first_layer = next;
    while (next < n_layers) {
      const std::uint64_t kv = c == 0 ? 0 : est.layers[next].kv_bytes;
      if (used() + est.layers[next].weight_bytes + kv > room) {
        break;
      }
      device.weights_bytes += est.layers[next].weight_bytes;
      device.kv_cache_bytes += kv;
      moved_kv += kv;
      ++device.layer_count;
      ++next;
    }
    plan.devices.push_back(device);
  }
  plan.devices.front().kv_cache_bytes -= moved_kv;
  std::uint64_t rest = 0;
  for (std::uint32_t i = next; i < n_layers; ++i) {
    rest += est.layers[i].weight_bytes;
  }
  const std::uint64_t ram = ctx.deployment.ram_bytes.value_or(rest);
  DevicePlan cpu = host_device(ctx.deployment);
  cpu.first_layer = next;
  cpu.weights_bytes = std::min(rest, ram);
  cpu.layer_count = n_layers - next;
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
  plan.gpu_layers = next;
  plan.output_on_gpu = true;
  plan.cpu_layers = n_layers - next;
  return plan;
}

}  // namespace vramcalc::plan_detail
