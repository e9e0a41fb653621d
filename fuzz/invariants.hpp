#pragma once
// The library's invariants, asserted by every fuzz target on whatever the library accepts:
// totals within 2^64 (each total the library reports equals its parts summed with overflow
// checks), usable memory above zero, and "fits" exactly when the headroom is not negative.
// A broken invariant traps, which libFuzzer reports as a crash with the input that broke it.

#include <cstdint>
#include <optional>
#include <utility>

#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/report.hpp"

namespace vramcalc::fuzz {

inline void require(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

/// a + b, trapping where the sum would wrap: a total made of such parts must fit in 64 bits.
inline std::uint64_t sum(std::uint64_t a, std::uint64_t b) {
  const std::optional<std::uint64_t> result = try_add(a, b);
  require(result.has_value());
  return *result;
}

/// Parameters add up by part, active <= total, the weight breakdown adds up to its total.
inline void check_model(const ModelSpec& model) {
  std::uint64_t params = sum(model.embedding_params, model.head_params);
  for (const LayerSpec& layer : model.layers) {
    params = sum(params, layer.params);
  }
  require(params == model.total_params);
  require(model.active_params <= model.total_params);
  try {
    const WeightBreakdown parts = weight_breakdown(model, default_weight_format(model, EngineKind::generic, std::nullopt));
    std::uint64_t bytes = sum(parts.embedding_bytes, parts.head_bytes);
    for (const std::uint64_t layer : parts.layer_bytes) {
      bytes = sum(bytes, layer);
    }
    require(bytes == parts.total_bytes);
  } catch (const Error&) {
    // A model whose weights overflow 64 bits is refused with a message: fine.
  }
}

/// The one planner on `model` (must be valid) on one `gpu` with the generic engine at the
/// default workload: the card has usable memory, the total is its components summed within
/// 2^64, the verdict agrees with the headroom for the plan and every card. (The plan itself,
/// not a whole report: recommendations search many more plans and would make each input slow.)
inline void check_report(ModelSpec model, const GpuSpec& gpu) {
  try {
    validate_model(model);
    Deployment d;
    d.format = default_weight_format(model, EngineKind::generic, std::nullopt);
    d.gpus = {GpuGroup{gpu, 1}};
    const Planner planner(model);
    const Plan plan = planner.plan(d);
    const MemoryEstimate& e = plan.estimate;
    const std::uint64_t parts = sum(sum(e.weights.bytes, e.kv_cache.bytes),
                                    sum(e.activations.bytes, e.overhead.bytes));
    require(e.total_bytes == parts - std::min(parts, e.host_weight_bytes));
    require(plan.headroom_bytes.has_value());
    require(plan.fits == (*plan.headroom_bytes >= 0));
    for (const DevicePlan& device : plan.devices) {
      if (device.kind == DeviceKind::gpu) {
        require(device.capacity_bytes > 0 && device.capacity_bytes == gpu.usable_bytes);
        require(!device.headroom_bytes || device.fits == (*device.headroom_bytes >= 0));
      }
    }
  } catch (const Error&) {
    // A model or estimate that overflows 64 bits is refused with a message: fine.
  }
}

/// A card the database accepted: named, with memory, usable memory within it and at least
/// k_min_usable_bytes, and figures that are finite and not negative.
inline void check_card(const GpuSpec& gpu) {
  require(!gpu.id.empty() && !gpu.name.empty());
  require(gpu.usable_bytes >= k_min_usable_bytes && gpu.usable_bytes <= gpu.memory_bytes);
  require(gpu.bandwidth_gb_s >= 0 && gpu.bandwidth_gb_s < 1e300);
  require(gpu.interconnect_gb_s >= 0 && gpu.interconnect_gb_s < 1e300);
}

/// A 24 GiB card, for the model targets.
inline GpuSpec fuzz_card() {
  return custom_gpu(24ULL << 30);
}

}  // namespace vramcalc::fuzz
