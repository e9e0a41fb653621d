#pragma once
/// Speed ceilings and expected speed: how fast a placement can decode and prefill. Decode moves
/// bytes and launches kernels: a step reads each device's weights and KV cache once (at an
/// efficiency of the device's bandwidth that depends on how its kernels consume the weights)
/// and pays a cost per layer for the kernels it runs (a captured graph or host launches, by
/// engine), plus the hops of a layer split, the all-reduces of tensor parallelism and the
/// synchronisation of a CPU offload. One decode step makes one token for each of the `batch`
/// sequences: the weights are read once per step whatever the batch, and every sequence's KV
/// cache is read, so a device's `kv_bytes` counts all of them. The constants are derived from
/// the calibration rows of tests/data/validation/ (vramcalc/calibrated.hpp, written by
/// vramcalc_calibrate). Formulas: docs/formulas.md, "Speed ceilings".

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
  cpu,       ///< read and computed by the CPU from system RAM (llama.cpp offload, CPU-only)
  streamed,  ///< copied to the GPU over a link every forward pass (accelerate/vLLM offload)
  disk,      ///< read from disk every forward pass
};

/// Which kind of engine runs the step: it decides how many kernels a layer costs and how they
/// are launched.
enum class SpeedEngine {
  llama_cpp,      ///< llama.cpp and Ollama (ggml graphs)
  fused,          ///< engines with fused or compiled kernels: vLLM, SGLang, gpt-fast,
                  ///< TensorRT-LLM, MLC, ExLlama, LMDeploy, tinygrad; the generic profile
  pytorch_eager,  ///< PyTorch eager mode: transformers generate(), accelerate
};

/// How the kernels of a step reach a GPU.
enum class KernelLaunch {
  graph,  ///< replayed from a captured graph (CUDA graphs: llama.cpp on NVIDIA since build
          ///< b2913 (PR #6766, May 2024), vLLM and SGLang by default, torch.compile)
  host,   ///< each launched from the host (Metal, Vulkan, ROCm builds of llama.cpp, llama.cpp
          ///< CUDA before graphs, PyTorch eager, vLLM --enforce-eager)
};

/// One device's share of the work of one decode step (batch x 1 token).
struct SpeedDevice {
  SpeedDeviceKind kind = SpeedDeviceKind::gpu;
  std::string name;                       ///< for messages ("NVIDIA L4", "CPU RAM")
  double bandwidth_gb_s = 0;              ///< the bandwidth its bytes move at, 10^9 B/s
  double compute_tflops = 0;              ///< dense fp16/bf16 throughput (prefill), TFLOP/s
  std::uint64_t weight_bytes = 0;         ///< weights read per step (MoE: active experts only)
  /// Part of weight_bytes dequantised in the kernel (k-quants, Q4_0, GPTQ/AWQ, NF4, and fp8 or
  /// MXFP4 on a card without those units); the rest is multiplied as stored (16/8-bit).
  std::uint64_t dequantized_bytes = 0;
  std::uint64_t kv_bytes = 0;             ///< KV cache read per step at the depth asked
  /// KV read per step on average over a generation from an empty cache to that depth; 0: the
  /// same as kv_bytes.
  std::uint64_t kv_average_bytes = 0;
  std::uint64_t active_params = 0;        ///< parameters it multiplies per token (prefill FLOPs)
  std::uint32_t layers = 0;               ///< transformer layers it runs (kernels per step)
  std::uint32_t moe_layers = 0;           ///< of which mixture-of-experts layers
  KernelLaunch launch = KernelLaunch::graph;  ///< GPUs: how its kernels are launched
  bool quantized = false;                 ///< weights below 8 bits (prefill compute efficiency)
};

/// How the devices cooperate on one token.
enum class SpeedTopology {
  sequential,       ///< one after another: single device, layer offload, pipeline/layer split
  tensor_parallel,  ///< all at once, with two all-reduces of the hidden state per layer
};

struct SpeedInput {
  std::vector<SpeedDevice> devices;
  SpeedTopology topology = SpeedTopology::sequential;
  SpeedEngine engine = SpeedEngine::fused;
  std::uint32_t layers = 0;          ///< transformer layers (all-reduces per token: 2 x layers)
  std::uint32_t hidden = 0;          ///< hidden size (all-reduce message: batch x hidden x 2 B)
  double interconnect_gb_s = 0;      ///< GPU-to-GPU bandwidth per direction (tensor parallel)
  bool direct_link = false;          ///< GPUs linked directly (NVLink, Infinity Fabric), not
                                     ///< through PCIe: an all-reduce's latency differs
  std::uint64_t batch = 1;           ///< sequences decoded together
  std::uint64_t context = 0;         ///< tokens of the prompt (prefill) and depth
  std::uint32_t pipeline_stages = 1; ///< pipeline stages (bubble: one stage busy per token)
  /// Round trips of the hidden state between GPU and CPU per step: 1 for layers offloaded
  /// with -ngl, one per layer whose experts stay on the CPU (--n-cpu-moe) or whose attention
  /// runs there (--no-kv-offload).
  std::uint32_t host_crossings = 0;
};

/// The constants of the speed model. Every one is derived from the calibration rows of
/// tests/data/validation/throughput.json by vramcalc_calibrate (calibrated_speed_constants());
/// docs/accuracy.md says which rows each comes from.
struct SpeedConstants {
  double eta_native = 0.85;      ///< share of GPU bandwidth reached on weights read as stored
  double eta_dequantized = 0.8;  ///< share reached on weights dequantised in the kernel
  double eta_cpu = 0.7;          ///< share of datasheet DRAM bandwidth a CPU reaches
  double eta_streamed = 0.4;     ///< share of the host link weights streamed each pass reach
  double layer_graph_s = 50e-6;  ///< llama.cpp: per layer and step, kernels from a graph
  double layer_host_s = 100e-6;  ///< llama.cpp: per layer and step, kernels from the host
  double layer_fused_s = 50e-6;  ///< fused-kernel engines: per layer and step
  double layer_eager_s = 500e-6; ///< PyTorch eager: per layer and step
  double moe_layer_factor = 1.0; ///< a mixture-of-experts layer costs 1 + this many layers
  double hop_s = 100e-6;         ///< each device boundary of a layer split, per step
  double crossing_s = 1e-3;      ///< each round trip of the hidden state between GPU and CPU
  double allreduce_s = 20e-6;    ///< latency of one all-reduce over a direct link (NVLink)
  double allreduce_pcie_s = 50e-6;  ///< latency of one all-reduce through PCIe
  double band = 0.25;            ///< half-width of the expected decode band (relative)
};

/// The constants vramcalc uses (vramcalc/calibrated.hpp).
[[nodiscard]] const SpeedConstants& calibrated_speed_constants();

struct SpeedEstimate {
  double decode_tokens_per_s = 0;           ///< upper bound per sequence: bytes / spec bandwidth
  double expected_decode_tokens_per_s = 0;  ///< at the depth asked (the slowest token)
  double expected_decode_low = 0;           ///< band of the expected figure
  double expected_decode_high = 0;
  /// Expected over a whole generation from an empty cache to the depth asked (KV read at
  /// kv_average_bytes); equals the expected figure when the cache is small.
  double expected_decode_average_tokens_per_s = 0;
  double efficiency = 0;                    ///< share of spec bandwidth the expected step reaches
  double prefill_tokens_per_s = 0;          ///< upper bound: 2 x active params FLOPs per token
  double expected_prefill_tokens_per_s = 0;
  std::vector<std::string> assumptions;     ///< one line each, for the report
};

/// Whether an estimate writes its assumptions (the figures are the same either way).
enum class SpeedNotes { written, none };

/// The ceilings and expected figures of `input` under `constants`. Pure: never fails on a valid
/// input (devices with zero bandwidth are skipped with an assumption noted).
[[nodiscard]] SpeedEstimate estimate_speed(const SpeedInput& input,
                                           const SpeedConstants& constants =
                                               calibrated_speed_constants(),
                                           SpeedNotes notes = SpeedNotes::written);

/// Seconds of one expected decode step of `input` (KV at kv_bytes, or at kv_average_bytes when
/// `average`); 0 when no device reads anything. The figure estimate_speed reports, without its
/// notes: the calibration fits constants with it.
[[nodiscard]] double expected_decode_step_s(const SpeedInput& input,
                                            const SpeedConstants& constants, bool average = false);

/// Weights one decode step reads, by part, with the model stored as `format` (the bytes to put
/// in SpeedDevice::weight_bytes): every tensor of each layer, routed experts (ffn_*_exps)
/// charged n_experts_used / n_experts of their bytes; the output head; of the token embeddings
/// one row (a lookup), or the whole matrix when the output head shares it. Models without a
/// tensor list scale their layers by the active share of the layer parameters. Parts add up to
/// total_bytes.
[[nodiscard]] WeightBreakdown decode_weight_reads(const ModelSpec& model,
                                                  const WeightFormat& format);

/// Whether weights stored as `format` are dequantised in the kernel on a card whose native
/// formats are `native` ("fp16", "bf16", "int8", "fp8", "fp4"; empty: unknown, taken as
/// fp16/bf16/int8): below 8 bits always (k-quants, Q4_0, GPTQ, AWQ, NF4), fp8 and MXFP4/NVFP4
/// where the card has no such units (Ampere runs fp8 checkpoints through Marlin w8a16).
[[nodiscard]] bool dequantized_on(const WeightFormat& format,
                                  const std::vector<std::string>& native);

}  // namespace vramcalc
