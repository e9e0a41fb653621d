// Devices of a plan, and how layers are shared out between them.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "plan/placement_internal.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::plan_detail {

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

DevicePlan host_device(const Deployment& deployment) {
  DevicePlan cpu;
  cpu.kind = DeviceKind::cpu;
  cpu.id = "cpu";
  cpu.name = "CPU RAM";
  cpu.capacity_bytes = deployment.ram_bytes.value_or(0);
  // Unified memory: the CPU's RAM is what the GPU's share leaves of the same memory.
  if (const GpuSpec* unified = unified_card(deployment); unified != nullptr) {
    const std::uint64_t rest = unified->memory_bytes - std::min(unified->memory_bytes,
                                                                unified->usable_bytes);
    // Known only when an offload may use it (--ram, --offload): otherwise the verdict is the
    // GPU's, and the CPU's share is for the OS and other programs.
    cpu.capacity_bytes = deployment.ram_bytes ? std::min(*deployment.ram_bytes, rest)
                         : deployment.force_offload ? rest
                                                    : 0;
    cpu.name = "CPU share of unified memory";
  }
  return cpu;
}

const GpuSpec* unified_card(const Deployment& deployment) {
  for (const GpuGroup& group : deployment.gpus) {
    if (group.gpu.form == "unified") {
      return &group.gpu;
    }
  }
  return nullptr;
}

std::string unified_memory_note(const GpuSpec& gpu) {
  const bool user = gpu.usable_source == UsableMemorySource::user;
  const std::string how =
      gpu.vendor == "Apple" && user
          ? std::string("macOS's limit is set with `sudo sysctl iogpu.wired_limit_mb=N` (it "
                        "resets at reboot)")
      : gpu.vendor == "Apple"
          ? fmt::format("macOS lets the GPU wire {:.0f}% of it by default (Metal's "
                        "recommendedMaxWorkingSetSize); raise it with `sudo sysctl "
                        "iogpu.wired_limit_mb=N` and say so with --unified-limit",
                        100.0 * static_cast<double>(gpu.usable_bytes) /
                            static_cast<double>(gpu.memory_bytes))
          : gpu.vendor == "AMD"
                ? std::string("the GPU may use the GTT share the driver sets (amdgpu.gttsize, "
                              "ttm.pages_limit); say a raised one with --unified-limit")
                : std::string("the GPU and the CPU allocate from the same memory; say the "
                              "GPU's share with --unified-limit");
  return fmt::format(
      "unified memory: {} has {:.1f} GiB shared by the CPU and the GPU, of which the GPU may use "
      "{:.1f} GiB ({}); the other {:.1f} GiB are the OS's, other programs' and any CPU offload's, "
      "never counted twice. {}. A discrete card of {:.0f} GiB would offer all of it",
      gpu.name, static_cast<double>(gpu.memory_bytes) / (1ULL << 30),
      static_cast<double>(gpu.usable_bytes) / (1ULL << 30),
      gpu.usable_source == UsableMemorySource::user ? "--unified-limit" : "the default",
      static_cast<double>(gpu.memory_bytes - std::min(gpu.memory_bytes, gpu.usable_bytes)) /
          (1ULL << 30),
      how, static_cast<double>(gpu.memory_bytes) / (1ULL << 30));
}

DevicePlan gpu_device(const GpuSpec& gpu, std::size_t index) {
  DevicePlan device;
  device.kind = DeviceKind::gpu;
  device.id = gpu.id;
  device.name = gpu.name + " #" + std::to_string(index);
  device.capacity_bytes = gpu.usable_bytes;
  return device;
}

DevicePlan unknown_device() {
  DevicePlan device;
  device.kind = DeviceKind::gpu;
  device.id = "";
  device.name = "one card";
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
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; given < layers; ++k) {
    ++counts[remainders[k % remainders.size()].second];
    ++given;
  }
  // A stage without layers holds nothing: take one from the largest stage.
  for (auto& count : counts) {
    if (count == 0) {
      auto largest = std::max_element(counts.begin(), counts.end());
      if (*largest > 1) {
        --*largest;
        ++count;
      }
    }
  }
  return counts;
}

std::vector<GpuSpec> card_list(const Deployment& deployment) {
  std::vector<GpuSpec> cards;
  for (std::uint32_t node = 0; node < deployment.nodes; ++node) {
    for (const auto& group : deployment.gpus) {
      for (std::uint32_t i = 0; i < group.count; ++i) {
        cards.push_back(group.gpu);
      }
    }
  }
  return cards;
}

}  // namespace vramcalc::plan_detail
