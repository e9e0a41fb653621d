// Speed ceilings. docs/formulas.md, "Speed ceilings".
#include "vramcalc/speed.hpp"

#include <algorithm>

namespace vramcalc {

namespace {
// Fraction of spec bandwidth decode reaches (shared/validation/THROUGHPUT.md §3): 0.8 for
// 16-bit and 8-bit weights on GPUs, 0.65 for 4-6-bit quantizations, 0.7 of DRAM on CPUs.
double efficiency(const SpeedDevice& d) {
  switch (d.kind) {
    case SpeedDeviceKind::gpu: return d.quantized ? 0.65 : 0.8;
    case SpeedDeviceKind::cpu: return 0.7;
    case SpeedDeviceKind::streamed: return 0.4;
    case SpeedDeviceKind::disk: return 0.8;
  }
  return 0.7;
}
// Fixed per-token cost of a GPU decode step (kernel launches), THROUGHPUT.md §3: 0.5-2 ms.
constexpr double k_gpu_floor_s = 0.001;
}  // namespace

SpeedEstimate estimate_speed(const SpeedInput& input) {
  SpeedEstimate out;
  double ceiling_s = 0;
  double expected_s = k_gpu_floor_s;
  double weighted_eta = 0;
  double total_bytes = 0;
  double flops_s = 0;
  for (const SpeedDevice& d : input.devices) {
    if (d.bandwidth_gb_s <= 0) {
      continue;
    }
    const double bytes = static_cast<double>(d.weight_bytes + d.kv_bytes);
    const double share = input.topology == SpeedTopology::tensor_parallel ? 1.0 : 1.0;
    const double t = bytes / (d.bandwidth_gb_s * 1e9) * share;
    if (input.topology == SpeedTopology::tensor_parallel) {
      ceiling_s = std::max(ceiling_s, t);
      expected_s = std::max(expected_s, t / efficiency(d) + k_gpu_floor_s);
    } else {
      ceiling_s += t;
      expected_s += t / efficiency(d);
    }
    weighted_eta += efficiency(d) * bytes;
    total_bytes += bytes;
    if (d.compute_tflops > 0) {
      flops_s += 2.0 * static_cast<double>(d.active_params) / (d.compute_tflops * 1e12);
    }
  }
  if (ceiling_s > 0) {
    out.decode_tokens_per_s = 1.0 / ceiling_s;
    out.expected_decode_tokens_per_s = 1.0 / expected_s;
    out.expected_decode_low = out.expected_decode_tokens_per_s * 0.75;
    out.expected_decode_high = out.expected_decode_tokens_per_s * 1.25;
  }
  out.efficiency = total_bytes > 0 ? weighted_eta / total_bytes : 0;
  if (flops_s > 0) {
    out.prefill_tokens_per_s = 1.0 / flops_s;
    out.expected_prefill_tokens_per_s = out.prefill_tokens_per_s * 0.45;
  }
  out.assumptions.push_back("decode reads every active weight and the KV cache once per token");
  return out;
}

}  // namespace vramcalc
