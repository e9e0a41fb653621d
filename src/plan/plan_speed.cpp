// A plan's speed: each device's share of the bytes a decode step reads. docs/formulas.md,
// "Speed ceilings".
#include <algorithm>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "plan/placement_internal.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/speed.hpp"

namespace vramcalc::plan_detail {

namespace {

// NVMe read rate for disk offload: ollama#8667's rule of thumb divides mmapped bytes by
// 7 GB/s, and accelerate's GPT-NeoX-20B fp32 disk run (10.72 s/token for 80 GB) implies
// 7.5 GB/s (shared/validation/THROUGHPUT.md §4).
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

const GpuSpec* card_of(const PlanRequest& request, const std::string& id) {
  for (const auto& group : request.gpus) {
    if (group.gpu.id == id) {
      return &group.gpu;
    }
  }
  return request.gpus.empty() ? nullptr : &request.gpus.front().gpu;
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

ReadShares read_shares(const PlanRequest& request, const ModelFacts& facts) {
  const ModelSpec& model = *request.model;
  ReadShares shares;
  std::uint64_t expert_bytes = 0;
  for (const std::uint64_t bytes : facts.expert_layer_bytes) {
    expert_bytes += bytes;
  }
  if (model.n_experts > 0) {
    shares.experts = static_cast<double>(std::min(model.n_experts_used, model.n_experts)) /
                     static_cast<double>(model.n_experts);
  }
  const WeightBreakdown reads = decode_weight_reads(model, request.format);
  const double expert_reads = static_cast<double>(expert_bytes) * shares.experts;
  if (facts.total_weight_bytes > expert_bytes) {
    shares.dense = std::clamp((static_cast<double>(reads.total_bytes) - expert_reads) /
                                  static_cast<double>(facts.total_weight_bytes - expert_bytes),
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
std::uint64_t experts_on(const DevicePlan& device, const Plan& plan, const ModelFacts& facts) {
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

// The KV bytes one decode step reads on a device: the workload's cache (a pool engine's pool
// is mostly empty space).
std::uint64_t kv_read(const DevicePlan& device, const Plan& plan, const Workload& workload) {
  if (plan.kv_pool) {
    return std::min(device.kv_cache_bytes,
                    plan.kv_pool->bytes_per_sequence * workload.batch);
  }
  return device.kv_cache_bytes;
}

SpeedInput speed_input(const Plan& plan, const PlanRequest& request, const ModelFacts& facts,
                       bool quantized) {
  SpeedInput input;
  input.layers = static_cast<std::uint32_t>(request.model->layers.size());
  input.hidden = request.model->hidden;
  input.batch = request.workload.batch;
  input.context = request.workload.context;
  input.pipeline_stages = plan.pipeline_parallel;
  input.topology = plan.tensor_parallel > 1 ? SpeedTopology::tensor_parallel
                                            : SpeedTopology::sequential;
  const GpuSpec* first = card_of(request, request.gpus.front().gpu.id);
  input.interconnect_gb_s = first->interconnect_gb_s;
  const ReadShares shares = read_shares(request, facts);
  const std::uint64_t active_params = request.model->active_params;
  const double share_of_params =
      facts.total_weight_bytes == 0 ? 0.0 : 1.0 / static_cast<double>(facts.total_weight_bytes);
  for (const DevicePlan& device : plan.devices) {
    if (device.weights_bytes == 0 && device.kv_cache_bytes == 0) {
      continue;
    }
    SpeedDevice d;
    d.name = device.name;
    d.quantized = quantized;
    const std::uint64_t experts = experts_on(device, plan, facts);
    d.weight_bytes = scaled(device.weights_bytes - experts, shares.dense) +
                     scaled(experts, shares.experts);
    d.kv_bytes = kv_read(device, plan, request.workload);
    d.active_params = static_cast<std::uint64_t>(static_cast<double>(active_params) *
                                                 static_cast<double>(device.weights_bytes) *
                                                 share_of_params);
    switch (device.kind) {
      case DeviceKind::gpu: {
        const GpuSpec* card = card_of(request, device.id);
        d.kind = SpeedDeviceKind::gpu;
        d.bandwidth_gb_s = card->bandwidth_gb_s;
        d.compute_tflops = card->fp16_tflops.value_or(0);
        break;
      }
      case DeviceKind::cpu:
        if (plan.strategy == PlanStrategy::streamed_offload) {
          d.kind = SpeedDeviceKind::streamed;
          d.bandwidth_gb_s = pcie_gb_s(*first);
          d.compute_tflops = first->fp16_tflops.value_or(0);
        } else {
          d.kind = SpeedDeviceKind::cpu;
          d.bandwidth_gb_s = k_system_ram_gb_s;
        }
        break;
      case DeviceKind::disk:
        d.kind = SpeedDeviceKind::disk;
        d.bandwidth_gb_s = k_disk_gb_s;
        d.compute_tflops = first->fp16_tflops.value_or(0);
        break;
    }
    // Host buffers (logits, mapped embeddings) are not read per token as weights are.
    if (device.kind == DeviceKind::cpu && device.layer_count == 0 && device.expert_layers == 0) {
      continue;
    }
    input.devices.push_back(d);
  }
  return input;
}

}  // namespace

void attach_speed(Plan& plan, const PlanRequest& request, const GpuSpec& gpu) {
  const ModelFacts facts = model_facts(request);
  const MemoryEstimate one = estimate_on(request, gpu, 1);
  const bool quantized =
      request.model->total_params != 0 &&
      static_cast<double>(one.weights.bytes) * 8.0 /
              static_cast<double>(request.model->total_params) < 7.5;
  plan.speed = estimate_speed(speed_input(plan, request, facts, quantized));
  // The cache is read as full as the workload allows: the last token of the window, the
  // slowest; shorter conversations decode faster.
  plan.speed.assumptions.push_back(fmt::format(
      "decode at a depth of {} tokens per sequence (the full context): the slowest token; "
      "weights read per step: routed experts at n_experts_used / n_experts, one embedding row",
      request.workload.context));
  // All on one card, as if it were big enough: the baseline slowdowns are measured against.
  Plan all_on_gpu;
  DevicePlan device = gpu_device(gpu, 0);
  device.weights_bytes = one.weights.bytes - one.host_weight_bytes;
  device.kv_cache_bytes = one.kv_pool ? one.kv_pool->bytes_per_sequence * request.workload.batch
                                      : one.kv_cache.bytes;
  device.layer_count = static_cast<std::uint32_t>(request.model->layers.size());
  all_on_gpu.devices.push_back(device);
  const SpeedEstimate baseline = estimate_speed(speed_input(all_on_gpu, request, facts, quantized));
  plan.slowdown = plan.speed.expected_decode_tokens_per_s > 0
                      ? baseline.expected_decode_tokens_per_s /
                            plan.speed.expected_decode_tokens_per_s
                      : 0;
}

}  // namespace vramcalc::plan_detail
