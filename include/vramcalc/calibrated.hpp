#pragma once
// Constants derived from the calibration rows of tests/data/ (docs/accuracy.md, "Held out by
// construction"): a row is held out when the SHA-1 of its source starts with 0-4; only the
// others are used here. Written by vramcalc_calibrate (tests/calibrate.cpp): do not edit,
// run `build/tests/vramcalc_calibrate --write`; the test "calibrated constants are current"
// fails when this file differs from what the tool derives.

#include <cstdint>

namespace vramcalc::calibrated {

// fitted to the 68 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (share of spec bandwidth).
inline constexpr double k_eta_native = 0.869;

// fitted to the 49 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (share of spec bandwidth).
inline constexpr double k_eta_dequantized = 0.752;

// fitted to the 5 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (share of datasheet DRAM bandwidth).
inline constexpr double k_eta_cpu = 0.654;

// fitted to the 24 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (s per layer).
inline constexpr double k_layer_graph_s = 4.8e-05;

// fitted to the 26 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (s per layer).
inline constexpr double k_layer_host_s = 0.000101;

// fitted to the 17 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (s per layer).
inline constexpr double k_layer_fused_s = 6.7e-05;

// fitted to the 1 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (s per layer).
inline constexpr double k_layer_eager_s = 0.000238;

// fitted to the 6 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (layers).
inline constexpr double k_moe_layer_factor = 0.398;

// fitted to the 10 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (s per hop).
inline constexpr double k_hop_s = 0.000227;

// fitted to the 4 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (s per round trip).
inline constexpr double k_crossing_s = 0.000233;

// fitted to the 7 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (s per all-reduce).
inline constexpr double k_allreduce_s = 6e-06;

// fitted to the 1 calibration rows of throughput.json it changes (of 69 fitted, 34 sources) (s per all-reduce through PCIe).
inline constexpr double k_allreduce_pcie_s = 1.9e-05;

// the 80th percentile of |error| over the 69 calibration rows, rounded up to 5% (relative).
inline constexpr double k_speed_band = 0.2;

// median of driver-used minus PyTorch's peak reserved memory over 40 calibration runs of tests/data/gpu_truth/transformers_h200.json (4 models) (MiB).
inline constexpr std::uint64_t k_runtime_overhead_mib = 1322;

// median of peak reserved minus peak allocated over the memory allocated beyond the weights, over 40 calibration runs of tests/data/gpu_truth/transformers_h200.json (4 models) (%).
inline constexpr unsigned k_allocator_slack_percent = 25;

}  // namespace vramcalc::calibrated
