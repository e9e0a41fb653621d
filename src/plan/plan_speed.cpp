// A plan's speed: each device's share of the bytes a decode step reads, the layers whose
// kernels it runs and how they are launched, the GPU-CPU round trips of an offload.
// docs/formulas.md, "Speed ceilings".
#include <algorithm>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "engines/pool.hpp"
#include "plan/placement_internal.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/speed.hpp"

namespace vramcalc::plan_detail {

namespace {

// NVMe read rate for disk offload: ollama/ollama#8667's rule of thumb divides mmapped bytes by
// 7 GB/s (a PCIe 4.0 NVMe drive's sequential read).
constexpr double k_disk_gb_s = 7.0;

// Per-direction bandwidth of the card's host link: "PCIe 4.0 x16" -> 32 GB/s (2 GB/s per
// lane per direction for gen4, halved per generation down, doubled up).
double pcie_gb_s(const GpuSpec& gpu) {
  int major = 0;
  int minor = 0;
  int lanes = 16;
  if (std::sscanf(gpu.pcie.c_str(), "PCIe %d.%d x%d", &major, &minor, &lanes) < 2) {
    return 32.0;  // PCIe 4.0 x16, the common case
  }
  double per_lane = 2.0;
  for (int g = major; g < 4; ++g) {
    per_lane /= 2;
  }
  for (int g = 4; g < major; ++g) {
    per_lane *= 2;
  }
  return per_lane * lanes;
}

const GpuSpec* card_of(const Deployment& deployment, const std::string& id) {
  for (const auto& group : deployment.gpus) {
    if (group.gpu.id == id) {
      return &group.gpu;
    }
  }
  return deployment.gpus.empty() ? nullptr : &deployment.gpus.front().gpu;
}

std::uint64_t scaled(std::uint64_t bytes, double fraction) {
  return static_cast<std::uint64_t>(static_cast<double>(bytes) * fraction);
}

// The share of its stored bytes a decode step reads: routed experts n_experts_used / n_experts,
// everything else as decode_weight_reads counts it (a token embedding is a one-row lookup).
struct ReadShares {
  double dense = 1.0;
  double experts = 1.0;
};

ReadShares read_shares(const ModelSpec& model, const FormatFacts& facts) {
  ReadShares shares;
  std::uint64_t expert_bytes = 0;
  for (const std::uint64_t bytes : facts.expert_layer_bytes) {
    expert_bytes += bytes;
  }
  if (model.n_experts > 0) {
    shares.experts = static_cast<double>(std::min(model.n_experts_used, model.n_experts)) /
                     static_cast<double>(model.n_experts);
  }
  const WeightBreakdown& reads = facts.decode_reads;
  const double expert_reads = static_cast<double>(expert_bytes) * shares.experts;
  if (facts.weights.total_bytes > expert_bytes) {
    shares.dense = std::clamp((static_cast<double>(reads.total_bytes) - expert_reads) /
                                  static_cast<double>(facts.weights.total_bytes - expert_bytes),
                              0.0, 1.0);
  }
  return shares;
}

std::uint64_t layer_sum(const std::vector<std::uint64_t>& bytes, std::uint32_t first,
                        std::uint32_t count) {
  std::uint64_t sum = 0;
  for (std::uint32_t i = first; i < first + count && i < bytes.size(); ++i) {
    sum += bytes[i];
  }
  return sum;
}

// Routed-expert bytes a device holds: those of its layers (a tensor-parallel rank its share),
// less the experts --n-cpu-moe keeps on the CPU; the CPU holds those.
std::uint64_t experts_on(const DevicePlan& device, const Plan& plan, const FormatFacts& facts) {
  std::uint64_t bytes = 0;
  if (device.kind == DeviceKind::gpu) {
    const std::uint32_t skip = std::max(device.first_layer, plan.n_cpu_moe);
    const std::uint32_t end = device.first_layer + device.layer_count;
    bytes = skip < end ? layer_sum(facts.expert_layer_bytes, skip, end - skip) : 0;
    bytes /= std::max<std::uint32_t>(plan.tensor_parallel, 1);
  } else {
    bytes = layer_sum(facts.expert_layer_bytes, device.first_layer, device.layer_count) +
            layer_sum(facts.expert_layer_bytes, 0, device.expert_layers);
  }
  return std::min(bytes, device.weights_bytes);
}

// The workload's KV bytes of layers [first, first + count) on one of `tp` ranks of a pool
// engine (its pool is mostly empty space; a step reads only what the sequences hold).
std::uint64_t pool_kv(const Context& ctx, std::uint32_t first, std::uint32_t count,
                      std::uint32_t tp) {
  const Workload& w = ctx.deployment.workload;
  std::uint64_t bytes = 0;
  for (std::uint32_t i = first; i < first + count && i < ctx.model.layers.size(); ++i) {
    const LayerSpec& layer = ctx.model.layers[i];
    bytes += engines::pool_layer_sequence_tokens(layer, w) *
             engines::pool_layer_token_bytes(layer, w, tp) * w.batch;
  }
  return bytes;
}

// The KV bytes one decode step reads on a device: the workload's cache.
std::uint64_t kv_read(const DevicePlan& device, const Plan& plan, const Context& ctx) {
  if (pool_engine(ctx.deployment.options.engine.kind) && device.kind == DeviceKind::gpu) {
    return std::min(device.kv_cache_bytes,
                    pool_kv(ctx, device.first_layer, device.layer_count, plan.tensor_parallel));
  }
  return device.kv_cache_bytes;
}

// The whole workload's KV cache on one card.
std::uint64_t all_kv_bytes(const Plan& plan, const Context& ctx) {
  if (pool_engine(ctx.deployment.options.engine.kind)) {
    return pool_kv(ctx, 0, static_cast<std::uint32_t>(ctx.model.layers.size()), 1);
  }
  return plan.estimate.kv_cache.bytes;
}

SpeedEngine speed_engine(EngineKind engine) {
  switch (engine) {
    case EngineKind::llama_cpp:
    case EngineKind::ollama: return SpeedEngine::llama_cpp;
    case EngineKind::transformers: return SpeedEngine::pytorch_eager;
    case EngineKind::vllm:
    case EngineKind::sglang:
    case EngineKind::generic: return SpeedEngine::fused;
  }
  return SpeedEngine::fused;
}

// How a card's kernels are launched: llama.cpp captures CUDA graphs on NVIDIA cards (PR #6766,
// May 2024; ggml-cuda.cu) and launches each kernel on Metal, Vulkan and ROCm (HIP graphs are
// off by default: GGML_HIP_GRAPHS); vLLM and SGLang capture graphs unless told not to;
// PyTorch eager launches each kernel.
KernelLaunch launch_of(const Deployment& d, const GpuSpec& card) {
  const EngineSettings& s = d.options.engine;
  switch (speed_engine(s.kind)) {
    case SpeedEngine::llama_cpp:
      return card.vendor == "NVIDIA" ? KernelLaunch::graph : KernelLaunch::host;
    case SpeedEngine::fused: return s.enforce_eager ? KernelLaunch::host : KernelLaunch::graph;
    case SpeedEngine::pytorch_eager: return KernelLaunch::host;
  }
  return KernelLaunch::graph;
}

// Whether the plan's weights go through a dequantising kernel on `card`.
bool dequantized(const Context& ctx, const GpuSpec& card) {
  const WeightFormat& format = ctx.deployment.format;
  if (format.scheme == WeightScheme::as_stored) {
    // A model file read as stored: its tensors' own types, below 16 bits on average (Q8_0 at
    // 8.5 bits is a dequantising type too).
    return ctx.model.total_params != 0 &&
           static_cast<double>(ctx.facts.weights.total_bytes) * 8.0 /
                   static_cast<double>(ctx.model.total_params) <
               15.0;
  }
  return dequantized_on(format, card.native_formats);
}

// Layers of [first, first + count) whose MLP is a mixture of experts still on the GPU.
std::uint32_t moe_layers(const Context& ctx, std::uint32_t first, std::uint32_t count,
                         std::uint32_t n_cpu_moe) {
  std::uint32_t moe = 0;
  for (std::uint32_t i = std::max(first, n_cpu_moe); i < first + count && i < ctx.model.layers.size();
       ++i) {
    moe += ctx.model.layers[i].moe ? 1U : 0U;
  }
  return moe;
}

// Round trips of the hidden state between GPU and CPU per step: one for layers (or the output)
// on the CPU, one per layer whose experts or attention run there.
std::uint32_t host_crossings(const Plan& plan, const Context& ctx) {
  std::uint32_t crossings = plan.cpu_layers > 0 || !plan.output_on_gpu ? 1 : 0;
  const auto n_layers = static_cast<std::uint32_t>(ctx.model.layers.size());
  for (std::uint32_t i = plan.cpu_layers; i < std::min(plan.n_cpu_moe, n_layers); ++i) {
    crossings += ctx.model.layers[i].moe ? 1U : 0U;
  }
  if (ctx.deployment.options.engine.no_kv_offload) {
    crossings += plan.gpu_layers;
  }
  return crossings;
}

SpeedInput speed_input(const Plan& plan, const Context& ctx, const GpuSpec* first,
                       bool quantized) {
  const ModelSpec& model = ctx.model;
  const Deployment& deployment = ctx.deployment;
  const FormatFacts& facts = ctx.facts;
  SpeedInput input;
  input.engine = speed_engine(deployment.options.engine.kind);
  input.layers = static_cast<std::uint32_t>(model.layers.size());
  input.hidden = model.hidden;
  input.batch = deployment.workload.batch;
  input.context = deployment.workload.context;
  input.pipeline_stages = plan.pipeline_parallel;
  input.topology = plan.tensor_parallel > 1 ? SpeedTopology::tensor_parallel
                                            : SpeedTopology::sequential;
  input.interconnect_gb_s = first != nullptr ? first->interconnect_gb_s : 0;
  input.direct_link = first != nullptr && (first->interconnect.find("NVLink") != std::string::npos ||
                                           first->interconnect.find("Infinity Fabric") !=
                                               std::string::npos);
  input.host_crossings = host_crossings(plan, ctx);
  const ReadShares shares = read_shares(model, facts);
  const double kv_average = ctx.kv_average_share;
  const std::uint64_t active_params = model.active_params;
  const double share_of_params =
      facts.weights.total_bytes == 0 ? 0.0 : 1.0 / static_cast<double>(facts.weights.total_bytes);
  const CpuSpec cpu = deployment.cpu.value_or(default_cpu());
  for (const DevicePlan& device : plan.devices) {
    if (device.weights_bytes == 0 && device.kv_cache_bytes == 0) {
      continue;
    }
    SpeedDevice d;
    d.name = device.name;
    d.quantized = quantized;
    // Token embeddings mapped in host RAM are a lookup of one row, not read per step.
    const std::uint64_t mapped = device.kind == DeviceKind::cpu
                                     ? std::min(plan.estimate.host_weight_bytes, device.weights_bytes)
                                     : 0;
    const std::uint64_t held = device.weights_bytes - mapped;
    const std::uint64_t experts = std::min(experts_on(device, plan, facts), held);
    d.weight_bytes = scaled(held - experts, shares.dense) + scaled(experts, shares.experts);
    d.kv_bytes = kv_read(device, plan, ctx);
    d.kv_average_bytes = scaled(d.kv_bytes, kv_average);
    d.active_params = static_cast<std::uint64_t>(static_cast<double>(active_params) *
                                                 static_cast<double>(held) * share_of_params);
    switch (device.kind) {
      case DeviceKind::gpu: {
        const GpuSpec* card = card_of(deployment, device.id);
        d.kind = SpeedDeviceKind::gpu;
        d.bandwidth_gb_s = card->bandwidth_gb_s;
        d.compute_tflops = card->fp16_tflops.value_or(0);
        d.dequantized_bytes = dequantized(ctx, *card) ? d.weight_bytes : 0;
        d.layers = device.layer_count;
        d.moe_layers = moe_layers(ctx, device.first_layer, device.layer_count, plan.n_cpu_moe);
        d.launch = launch_of(deployment, *card);
        break;
      }
      case DeviceKind::cpu:
        if (plan.strategy == PlanStrategy::streamed_offload && first != nullptr) {
          d.kind = SpeedDeviceKind::streamed;
          d.bandwidth_gb_s = pcie_gb_s(*first);
          d.compute_tflops = first->fp16_tflops.value_or(0);
        } else {
          d.kind = SpeedDeviceKind::cpu;
          d.name = cpu.name;
          d.bandwidth_gb_s = cpu.bandwidth_gb_s;
        }
        d.layers = device.layer_count;
        break;
      case DeviceKind::disk:
        d.kind = SpeedDeviceKind::disk;
        d.bandwidth_gb_s = k_disk_gb_s;
        d.compute_tflops = first != nullptr ? first->fp16_tflops.value_or(0) : 0;
        break;
    }
    // Host buffers (logits, mapped embeddings) are not read per token as weights are.
    if (d.weight_bytes == 0 && d.kv_bytes == 0) {
      continue;
    }
    input.devices.push_back(d);
  }
  return input;
}

bool bandwidth_known(const Plan& plan, const Deployment& deployment) {
  for (const DevicePlan& device : plan.devices) {
    if (device.kind == DeviceKind::gpu) {
      const GpuSpec* card = card_of(deployment, device.id);
      if (card == nullptr || card->bandwidth_gb_s <= 0) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

double average_kv_share(const ModelSpec& model, const Workload& workload) {
  Workload half = workload;
  half.context = std::max<std::uint64_t>(workload.context / 2, 1);
  std::uint64_t at_full = 0;
  std::uint64_t at_half = 0;
  for (const LayerSpec& layer : model.layers) {
    at_full += layer_kv_bytes(layer, workload);
    at_half += layer_kv_bytes(layer, half);
  }
  return at_full == 0 ? 1.0 : static_cast<double>(at_half) / static_cast<double>(at_full);
}

void attach_speed(Plan& plan, const Context& ctx, const GpuSpec* gpu) {
  plan.speed.reset();
  plan.speed_input.reset();
  plan.slowdown.reset();
  const bool cpu_only = plan.strategy == PlanStrategy::cpu_only;
  // No card, or a card whose bandwidth is unknown: no speed rather than a made-up one.
  if ((gpu == nullptr && !cpu_only) || !bandwidth_known(plan, ctx.deployment)) {
    return;
  }
  const MemoryEstimate& one = plan.estimate;
  const std::uint64_t weight_bytes = ctx.facts.weights.total_bytes;
  const bool quantized =
      ctx.model.total_params != 0 &&
      static_cast<double>(weight_bytes) * 8.0 / static_cast<double>(ctx.model.total_params) < 7.5;
  SpeedInput input = speed_input(plan, ctx, gpu, quantized);
  const SpeedNotes notes =
      ctx.detail == PlanDetail::full ? SpeedNotes::written : SpeedNotes::none;
  SpeedEstimate speed = estimate_speed(input, calibrated_speed_constants(), notes);
  if (notes == SpeedNotes::written) {
    // The cache is read as full as the workload allows: the last token of the window, the
    // slowest; the average over a generation reads it half full.
    speed.assumptions.push_back(fmt::format(
        "decode at a depth of {} tokens per sequence (the full context): the slowest token; the "
        "average over a generation from an empty cache reads it half full. Weights read per "
        "step: routed experts at n_experts_used / n_experts, one embedding row",
        ctx.deployment.workload.context));
  }
  if (!(speed.decode_tokens_per_s > 0 && speed.expected_decode_tokens_per_s > 0)) {
    return;  // nothing the model can say: no speed rather than 0
  }
  if (gpu != nullptr) {
    // All on one card, as if it were big enough: the baseline slowdowns are measured against.
    Plan all_on_gpu;
    all_on_gpu.tensor_parallel = 1;
    all_on_gpu.pipeline_parallel = 1;
    all_on_gpu.output_on_gpu = true;
    all_on_gpu.gpu_layers = static_cast<std::uint32_t>(ctx.model.layers.size());
    DevicePlan device = gpu_device(*gpu, 0);
    device.weights_bytes = weight_bytes - std::min(weight_bytes, one.host_weight_bytes);
    device.kv_cache_bytes = all_kv_bytes(plan, ctx);
    device.layer_count = static_cast<std::uint32_t>(ctx.model.layers.size());
    all_on_gpu.devices.push_back(device);
    const SpeedEstimate baseline = estimate_speed(speed_input(all_on_gpu, ctx, gpu, quantized),
                                                  calibrated_speed_constants(), SpeedNotes::none);
    plan.slowdown = baseline.expected_decode_tokens_per_s / speed.expected_decode_tokens_per_s;
  }
  plan.speed = std::move(speed);
  plan.speed_input = std::move(input);
}

}  // namespace vramcalc::plan_detail
