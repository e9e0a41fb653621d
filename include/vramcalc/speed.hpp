#pragma once
/// Speed ceilings: how fast a placement can decode and prefill, labelled as upper bounds, with
/// the expected figure beside each (measured decode reaches a fraction of spec bandwidth).
/// One decode step makes one token for each of the `batch` sequences: the weights are read
/// once per step whatever the batch, and every sequence's KV cache is read, so a device's
/// `kv_bytes` counts all of them (as MemoryEstimate's per-layer KV does for its batch).
/// Formulas and constants: docs/formulas.md, "Speed ceilings".

#include <cstdint>
#include <string>
#include <vector>

#include "vramcalc/dtype.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/model.hpp"

namespace vramcalc {

/// Where the bytes a token needs are read from.
enum class SpeedDeviceKind {
  gpu,       ///< read by a GPU from its own memory
  cpu,       ///< read and computed by the CPU from system RAM (llama.cpp offloaded layers)
  streamed,  ///< copied to the GPU over a link every forward pass (accelerate/vLLM offload)
  disk,      ///< read from disk every forward pass
};

/// One device's share of the work of one decode step (batch x 1 token).
struct SpeedDevice {
  SpeedDeviceKind kind = SpeedDeviceKind::gpu;
  std::string name;                       ///< for messages ("NVIDIA L4", "CPU RAM")
  double bandwidth_gb_s = 0;              ///< the bandwidth its bytes move at, 10^9 B/s
  double compute_tflops = 0;              ///< dense fp16/bf16 throughput (prefill), TFLOP/s
  std::uint64_t weight_bytes = 0;         ///< weights read per step (MoE: active experts only)
  std::uint64_t kv_bytes = 0;             ///< KV cache read per step at the current depth
  std::uint64_t active_params = 0;        ///< parameters it multiplies per token (prefill FLOPs)
  bool quantized = false;                 ///< weights below 8 bits (dequantization costs compute)
};

/// How the devices cooperate on one token.
enum class SpeedTopology {
  sequential,       ///< one after another: single device, layer offload, pipeline/layer split
  tensor_parallel,  ///< all at once, with two all-reduces of the hidden state per layer
};

struct SpeedInput {
  std::vector<SpeedDevice> devices;
  SpeedTopology topology = SpeedTopology::sequential;
  std::uint32_t layers = 0;          ///< transformer layers (all-reduces per token: 2 x layers)
  std::uint32_t hidden = 0;          ///< hidden size (all-reduce message: batch x hidden x 2 B)
  double interconnect_gb_s = 0;      ///< GPU-to-GPU bandwidth per direction (tensor parallel)
  std::uint64_t batch = 1;           ///< sequences decoded together
  std::uint64_t context = 0;         ///< tokens of the prompt (prefill) and depth
  std::uint32_t pipeline_stages = 1; ///< pipeline stages (bubble: one stage busy per token)
};

struct SpeedEstimate {
  double decode_tokens_per_s = 0;           ///< upper bound per sequence: bytes / spec bandwidth
  double expected_decode_tokens_per_s = 0;  ///< with the efficiency and fixed per-token cost
  double expected_decode_low = 0;           ///< band of the expected figure
  double expected_decode_high = 0;
  double efficiency = 0;                    ///< assumed fraction of spec bandwidth reached
  double prefill_tokens_per_s = 0;          ///< upper bound: 2 x active params FLOPs per token
  double expected_prefill_tokens_per_s = 0;
  std::vector<std::string> assumptions;     ///< one line each, for the report
};

/// The ceilings and expected figures of `input`. Pure: never fails on a valid input (devices
/// with zero bandwidth are skipped with an assumption noted).
[[nodiscard]] SpeedEstimate estimate_speed(const SpeedInput& input);

/// Weights one decode step reads, by part, with the model stored as `format` (the bytes to put
/// in SpeedDevice::weight_bytes): every tensor of each layer, routed experts (ffn_*_exps)
/// charged n_experts_used / n_experts of their bytes; the output head; of the token embeddings
/// one row (a lookup), or the whole matrix when the output head shares it. Models without a
/// tensor list scale their layers by the active share of the layer parameters. Parts add up to
/// total_bytes.
[[nodiscard]] WeightBreakdown decode_weight_reads(const ModelSpec& model,
                                                  const WeightFormat& format);

}  // namespace vramcalc
