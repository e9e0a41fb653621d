// Speed ceilings and expected speed (docs/formulas.md, "Speed ceilings"). Decode moves bytes
// and launches kernels: every step reads each device's weights and KV cache once, so the
// ceiling is bytes / spec bandwidth; the expected figure reads them at a share of the bandwidth
// that depends on how the kernels consume the weights (as stored, or dequantised), and adds the
// cost of the kernels each layer runs (by engine and launch), the hops of a layer split, the
// GPU-CPU round trips of an offload and the all-reduces of tensor parallelism. Prefill does
// arithmetic: 2 FLOPs per active parameter per token. The data-derived constants live in
// vramcalc/calibrated.hpp, written by vramcalc_calibrate from the calibration rows only.
#include "vramcalc/speed.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "vramcalc/bytes.hpp"
#include "vramcalc/calibrated.hpp"
#include "vramcalc/estimate.hpp"

namespace vramcalc {

namespace {

// ---- Physics and published figures (not derived from the validation rows) ---------------------

// Weights copied to the GPU over the host link every forward pass (accelerate, vLLM
// cpu_offload) move at 0.4 of the link: accelerate's OPT-30B fp16 with 14.1 GB offloaded takes
// 2.37 s/token over PCIe 3.0 x16, about 6 GB/s of 16 (huggingface/accelerate
// benchmarks/big_model_inference/README.md @1d57b830; no catalog model to make it a row).
constexpr double k_eta_streamed = 0.4;
// Weights read from disk every forward pass move at the disk's sequential read rate: the
// ollama maintainer's rule (ollama/ollama#8667), mmapped bytes / disk read rate, no discount.
constexpr double k_eta_disk = 1.0;
// All-reduces per layer: after attention and after the MLP (Megatron-style row-parallel output
// projections; vLLM's design note on latency-optimal all-reduce: "2 allreduces per layer").
constexpr std::uint64_t k_allreduces_per_layer = 2;
// Bytes of one activation element on the wire (fp16/bf16 hidden state).
constexpr double k_activation_bytes = 2.0;
// Latency of one small all-reduce in the ceiling: the fastest measured, NCCL NVLS on H100 with
// CUDA graphs, about 6 µs for two GPUs and messages of 128 B-64 KiB (NVIDIA/nccl#1259).
constexpr double k_allreduce_floor_s = 6.0e-6;
// Prefill: share of the dense fp16 tensor peak reached. XiongjieDai/GPU-Benchmarks-on-LLM-
// Inference (README @00dd2bd, LLaMA 3 tables): RTX 4090 Llama-3-8B F16 pp512 9382 t/s = 151
// TFLOP/s, 46% of 330; Q4_K_M (MMQ kernels) 115 TFLOP/s, 35%; NVIDIA NIM 1.8 Llama-3.3-70B FP8
// TP2 on H100 (docs.nvidia.com/nim/benchmarking/llm) about 44% of the FP8 peak. 0.45 for 16-
// and 8-bit weights, 0.35 below 8 bits.
constexpr double k_eta_compute_wide = 0.45;
constexpr double k_eta_compute_quantized = 0.35;
// FLOPs per parameter per token: one multiply and one add (the 2N of Kaplan et al. 2020,
// "Scaling Laws for Neural Language Models", section 2.1).
constexpr double k_flops_per_param = 2.0;
// Attention FLOPs per layer per token per attended position per hidden element: QK^T and
// attention x V, a multiply-add each (Kaplan et al. 2020, table 1).
constexpr double k_attention_flops = 4.0;

constexpr double k_giga = 1e9;
constexpr double k_tera = 1e12;

std::string_view kind_name(SpeedDeviceKind kind) {
  switch (kind) {
  case SpeedDeviceKind::gpu: return "GPU";
  case SpeedDeviceKind::cpu: return "CPU";
  case SpeedDeviceKind::streamed: return "streamed";
  case SpeedDeviceKind::disk: return "disk";
  }
  return "device";
}

std::string_view engine_name(SpeedEngine engine) {
  switch (engine) {
  case SpeedEngine::llama_cpp: return "llama.cpp";
  case SpeedEngine::fused: return "fused-kernel engine";
  case SpeedEngine::pytorch_eager: return "PyTorch eager";
  }
  return "engine";
}

double step_bytes(const SpeedDevice& device) {
  return static_cast<double>(device.weight_bytes) + static_cast<double>(device.kv_bytes);
}

// A device takes part in decode when it has bytes to read and a bandwidth to read them at.
bool reads(const SpeedDevice& device) {
  return device.bandwidth_gb_s > 0 && step_bytes(device) > 0;
}

// The cost of the kernels of one layer on a GPU, by engine and launch.
double layer_cost(const SpeedInput& input, const SpeedDevice& device, const SpeedConstants& k) {
  switch (input.engine) {
  case SpeedEngine::llama_cpp:
    return device.launch == KernelLaunch::graph ? k.layer_graph_s : k.layer_host_s;
  case SpeedEngine::fused: return k.layer_fused_s;
  case SpeedEngine::pytorch_eager: return k.layer_eager_s;
  }
  return k.layer_fused_s;
}

// Seconds a GPU's kernels cost per step beyond their transfers.
double kernel_s(const SpeedInput& input, const SpeedDevice& device, const SpeedConstants& k) {
  const double layers = static_cast<double>(device.layers) +
                        k.moe_layer_factor * static_cast<double>(device.moe_layers);
  return layers * layer_cost(input, device, k);
}

// Expected seconds of a device's transfers and kernels in one step.
double device_s(const SpeedInput& input, const SpeedDevice& d, const SpeedConstants& k,
                bool average) {
  const double bandwidth = d.bandwidth_gb_s * k_giga;
  const double kv = static_cast<double>(average && d.kv_average_bytes > 0 ? d.kv_average_bytes
                                                                           : d.kv_bytes);
  const double weights = static_cast<double>(d.weight_bytes);
  switch (d.kind) {
  case SpeedDeviceKind::gpu: {
    const double dequantized = std::min(static_cast<double>(d.dequantized_bytes), weights);
    return (weights - dequantized + kv) / (k.eta_native * bandwidth) +
           dequantized / (k.eta_dequantized * bandwidth) + kernel_s(input, d, k);
  }
  case SpeedDeviceKind::cpu: return (weights + kv) / (k.eta_cpu * bandwidth);
  case SpeedDeviceKind::streamed: return (weights + kv) / (k.eta_streamed * bandwidth);
  case SpeedDeviceKind::disk: return (weights + kv) / (k_eta_disk * bandwidth);
  }
  return 0;
}

// Ring all-reduce of the hidden state: each GPU sends and receives 2 (N-1)/N of the message
// (Patarasuk and Yuan 2009, "Bandwidth optimal all-reduce algorithms"; NCCL's bus bandwidth).
double allreduce_wire_s(const SpeedInput& input, std::size_t ranks) {
  if (input.interconnect_gb_s <= 0) {
    return 0;
  }
  const double n = static_cast<double>(ranks);
  const double message = static_cast<double>(input.batch) * input.hidden * k_activation_bytes;
  return 2.0 * (n - 1.0) / n * message / (input.interconnect_gb_s * k_giga);
}

std::size_t count_reading(const SpeedInput& input, bool gpus_only) {
  return static_cast<std::size_t>(
      std::count_if(input.devices.begin(), input.devices.end(), [&](const SpeedDevice& d) {
        return reads(d) && (!gpus_only || d.kind == SpeedDeviceKind::gpu);
      }));
}

bool any_reading(const SpeedInput& input, SpeedDeviceKind kind) {
  return std::any_of(input.devices.begin(), input.devices.end(),
                     [&](const SpeedDevice& d) { return reads(d) && d.kind == kind; });
}

// Pipeline stages of a tensor-parallel plan (each stage a tensor-parallel group), at most one per
// device.
std::size_t tensor_parallel_stages(const SpeedInput& input, std::size_t ranks) {
  return std::clamp<std::size_t>(input.pipeline_stages, 1, std::max<std::size_t>(ranks, 1));
}

struct StepTimes {
  double ceiling_s = 0;         // transfers at spec bandwidth (+ all-reduces at their floor)
  double expected_s = 0;        // the expected step
  double ceiling_bytes_s = 0;   // transfers alone at spec bandwidth
};

// One step: the devices in turn (sequential) or the slowest rank once per stage (tensor
// parallel; stages are balanced, as the planner splits layers evenly), then what a step costs
// besides: the all-reduces, the hops between cards, the GPU-CPU round trips.
StepTimes step_times(const SpeedInput& input, const SpeedConstants& k, bool average) {
  StepTimes t;
  const bool tensor_parallel = input.topology == SpeedTopology::tensor_parallel;
  for (const SpeedDevice& d : input.devices) {
    if (!reads(d)) {
      continue;
    }
    const double at_spec = step_bytes(d) / (d.bandwidth_gb_s * k_giga);
    const double expected = device_s(input, d, k, average);
    if (tensor_parallel) {
      t.ceiling_bytes_s = std::max(t.ceiling_bytes_s, at_spec);
      t.expected_s = std::max(t.expected_s, expected);
    } else {
      t.ceiling_bytes_s += at_spec;
      t.expected_s += expected;
    }
  }
  const std::size_t devices = count_reading(input, false);
  const std::size_t gpus = count_reading(input, true);
  if (tensor_parallel) {
    const std::size_t stages = tensor_parallel_stages(input, devices);
    t.ceiling_bytes_s *= static_cast<double>(stages);
    t.expected_s *= static_cast<double>(stages);
    t.ceiling_s = t.ceiling_bytes_s;
    const std::size_t ranks = devices / stages;
    if (ranks > 1) {
      // Every layer all-reduces twice, whichever stage holds it.
      const double count = static_cast<double>(k_allreduces_per_layer * input.layers);
      const double wire = allreduce_wire_s(input, ranks);
      t.ceiling_s += count * (k_allreduce_floor_s + wire);
      t.expected_s += count * ((input.direct_link ? k.allreduce_s : k.allreduce_pcie_s) + wire);
    }
    if (stages > 1) {
      t.expected_s += static_cast<double>(stages - 1) * k.hop_s;
    }
  } else {
    t.ceiling_s = t.ceiling_bytes_s;
    if (gpus > 1) {
      t.expected_s += static_cast<double>(gpus - 1) * k.hop_s;
    }
  }
  if (any_reading(input, SpeedDeviceKind::gpu) && any_reading(input, SpeedDeviceKind::cpu)) {
    t.expected_s += static_cast<double>(std::max<std::uint32_t>(input.host_crossings, 1)) *
                    k.crossing_s;
  }
  return t;
}

// One assumption line per device; identical cards (a split over N of them) share one line.
struct DeviceLines {
  std::vector<std::pair<std::string, unsigned>> lines;
  void add(std::string line) {
    if (!lines.empty() && lines.back().first == line) {
      ++lines.back().second;
    } else {
      lines.emplace_back(std::move(line), 1U);
    }
  }
  void emit(std::vector<std::string>& notes) const {
    for (const auto& [line, count] : lines) {
      notes.push_back(count > 1 ? fmt::format("{} x {}", count, line) : line);
    }
  }
};

std::string device_line(const SpeedInput& input, const SpeedDevice& d, const SpeedConstants& k) {
  std::string how;
  switch (d.kind) {
  case SpeedDeviceKind::gpu:
    how = fmt::format("expected at {:.2f} of it for weights read as stored and KV, {:.2f} for "
                      "dequantised weights ({:.3g} GB), + {:.3g} ms of kernels ({} layers{}, "
                      "{} with {} launches)",
                      k.eta_native, k.eta_dequantized,
                      static_cast<double>(d.dequantized_bytes) / k_giga,
                      kernel_s(input, d, k) * 1e3, d.layers,
                      d.moe_layers > 0 ? fmt::format(", {} of them MoE", d.moe_layers)
                                       : std::string(),
                      engine_name(input.engine),
                      d.launch == KernelLaunch::graph ? "graph" : "host");
    break;
  case SpeedDeviceKind::cpu:
    how = fmt::format("expected at {:.2f} of datasheet DRAM bandwidth", k.eta_cpu);
    break;
  case SpeedDeviceKind::streamed:
    how = fmt::format("weights copied over the link each pass, expected at {:.2f} of it",
                      k.eta_streamed);
    break;
  case SpeedDeviceKind::disk: how = "weights read from disk each pass, at its read rate"; break;
  }
  return fmt::format("{} ({}): {:.3g} GB of weights and {:.3g} GB of KV per step at {:g} GB/s; {}",
                     d.name, kind_name(d.kind), static_cast<double>(d.weight_bytes) / k_giga,
                     static_cast<double>(d.kv_bytes) / k_giga, d.bandwidth_gb_s, how);
}

void decode_notes(const SpeedInput& input, const SpeedConstants& k,
                  std::vector<std::string>& notes) {
  DeviceLines lines;
  for (const SpeedDevice& d : input.devices) {
    if (reads(d)) {
      lines.add(device_line(input, d, k));
    } else if (step_bytes(d) > 0) {
      lines.add(fmt::format("{} skipped: no bandwidth known", d.name));
    }
  }
  lines.emit(notes);
  const std::size_t devices = count_reading(input, false);
  const std::size_t gpus = count_reading(input, true);
  if (input.topology == SpeedTopology::tensor_parallel) {
    const std::size_t stages = tensor_parallel_stages(input, devices);
    const std::size_t ranks = devices / stages;
    if (ranks > 1) {
      notes.push_back(fmt::format(
          "tensor parallel over {}: {} all-reduces per token (2 per layer), ring over {} ({}), "
          "{:.3g} µs each expected ({:g} µs in the ceiling: NCCL's fastest)",
          ranks, k_allreduces_per_layer * input.layers,
          input.interconnect_gb_s > 0 ? fmt::format("{:g} GB/s", input.interconnect_gb_s)
                                      : std::string("an unknown link (bytes not counted)"),
          input.direct_link ? "direct link" : "PCIe",
          (input.direct_link ? k.allreduce_s : k.allreduce_pcie_s) * 1e6,
          k_allreduce_floor_s * 1e6));
    }
    if (stages > 1) {
      notes.push_back(fmt::format("expected: {} pipeline stages in turn, {:.3g} ms per hop", stages,
                                  k.hop_s * 1e3));
    }
  } else if (gpus > 1) {
    notes.push_back(fmt::format("expected: a layer split over {} GPUs in turn, {:.3g} ms per hop",
                                gpus, k.hop_s * 1e3));
  }
  if (any_reading(input, SpeedDeviceKind::gpu) && any_reading(input, SpeedDeviceKind::cpu)) {
    notes.push_back(fmt::format(
        "expected: {} GPU-CPU round trip(s) per step at {:.3g} ms each (offload)",
        std::max<std::uint32_t>(input.host_crossings, 1), k.crossing_s * 1e3));
  }
}

double prefill_efficiency(const SpeedDevice& device) {
  return device.quantized ? k_eta_compute_quantized : k_eta_compute_wide;
}

// Seconds per prompt token: 2 x active params FLOPs (+ causal attention) over each device's
// compute, plus for streamed/disk devices their weights crossing the link once per prompt.
struct PrefillTimes {
  double ceiling_s = 0;
  double expected_s = 0;
  bool known = true;
};

PrefillTimes prefill_times(const SpeedInput& input, const SpeedConstants& k,
                           std::vector<std::string>* notes) {
  PrefillTimes t;
  double params = 0;
  for (const SpeedDevice& d : input.devices) {
    params += static_cast<double>(d.active_params);
  }
  if (params <= 0) {
    t.known = false;
    return t;
  }
  // A causal prompt of `context` tokens attends to context / 2 positions per token on average.
  const double attention = k_attention_flops * input.layers * static_cast<double>(input.hidden) *
                           static_cast<double>(input.context) / 2.0;
  const double prompt = static_cast<double>(std::max<std::uint64_t>(input.context, 1));
  for (const SpeedDevice& d : input.devices) {
    if (d.active_params == 0) {
      continue;
    }
    if (d.compute_tflops <= 0) {
      if (notes != nullptr) {
        notes->push_back(fmt::format("prefill not estimated: no compute figure for {}", d.name));
      }
      t.known = false;
      return t;
    }
    const double share = static_cast<double>(d.active_params) / params;
    const double flops =
        k_flops_per_param * static_cast<double>(d.active_params) + attention * share;
    double ceiling = flops / (d.compute_tflops * k_tera);
    double expected = ceiling / prefill_efficiency(d);
    const bool moved = d.kind == SpeedDeviceKind::streamed || d.kind == SpeedDeviceKind::disk;
    if (moved && d.bandwidth_gb_s > 0) {
      const double transfer =
          static_cast<double>(d.weight_bytes) / (d.bandwidth_gb_s * k_giga) / prompt;
      ceiling += transfer;
      expected += transfer / (d.kind == SpeedDeviceKind::disk ? k_eta_disk : k.eta_streamed);
    }
    if (input.topology == SpeedTopology::tensor_parallel) {
      t.ceiling_s = std::max(t.ceiling_s, ceiling);
      t.expected_s = std::max(t.expected_s, expected);
    } else {
      t.ceiling_s += ceiling;
      t.expected_s += expected;
    }
  }
  const std::size_t devices = count_reading(input, false);
  const std::size_t ranks = devices / tensor_parallel_stages(input, devices);
  if (input.topology == SpeedTopology::tensor_parallel && ranks > 1) {
    // Per prompt token the all-reduces move one hidden state each; their latency is shared by
    // the whole prompt. Pipeline stages overlap on a long prompt (micro-batches): the slowest
    // rank sets the pace.
    SpeedInput one = input;
    one.batch = 1;
    const double wire =
        static_cast<double>(k_allreduces_per_layer * input.layers) * allreduce_wire_s(one, ranks);
    t.ceiling_s += wire;
    t.expected_s += wire;
  }
  if (notes != nullptr) {
    notes->push_back(fmt::format(
        "prefill: 2 x active params + 4 x layers x hidden x context/2 FLOPs per token at the "
        "dense fp16 peak; expected at {:.2f} of it (16/8-bit weights) or {:.2f} (below 8 bits)",
        k_eta_compute_wide, k_eta_compute_quantized));
  }
  return t;
}

// Bytes of one row of an embedding matrix (shape innermost first: [hidden, rows]).
std::uint64_t one_row(const TensorInfo& tensor, std::uint64_t bytes) {
  const std::uint64_t rows =
      tensor.shape.size() >= 2 && tensor.shape[0] > 0 ? tensor.elements / tensor.shape[0] : 1;
  return div_ceil(bytes, std::max<std::uint64_t>(rows, 1));
}

WeightBreakdown decode_reads_from_counts(const ModelSpec& model, const WeightFormat& format) {
  WeightBreakdown parts = weight_breakdown(model, format);
  std::uint64_t layer_params = 0;
  for (const auto& layer : model.layers) {
    layer_params += layer.params;
  }
  const std::uint64_t outside = model.embedding_params + model.head_params;
  if (model.n_experts > 0 && model.active_params < model.total_params && layer_params > 0 &&
      model.active_params > outside) {
    const std::uint64_t active_layers = std::min(model.active_params - outside, layer_params);
    for (auto& bytes : parts.layer_bytes) {
      bytes = mul_div_ceil(bytes, active_layers, layer_params, "active weight bytes");
    }
  }
  if (!model.tied_embeddings) {
    parts.embedding_bytes =
        div_ceil(parts.embedding_bytes, std::max<std::uint32_t>(model.vocab, 1));
  }
  parts.total_bytes = parts.embedding_bytes + parts.head_bytes;
  for (const auto bytes : parts.layer_bytes) {
    parts.total_bytes = checked_add(parts.total_bytes, bytes, "weight bytes");
  }
  return parts;
}

}  // namespace

WeightBreakdown decode_weight_reads(const ModelSpec& model, const WeightFormat& format) {
  if (model.tensors.empty()) {
    return decode_reads_from_counts(model, format);
  }
  WeightBreakdown parts;
  parts.layer_bytes.assign(model.layers.size(), 0);
  const std::vector<std::uint64_t> bytes = tensor_bytes_of(model, format);
  for (std::size_t i = 0; i < model.tensors.size(); ++i) {
    const TensorInfo& tensor = model.tensors[i];
    std::uint64_t read = bytes[i];
    if (is_routed_expert(tensor.role) && model.n_experts > 0) {
      read = mul_div_ceil(read, std::min(model.n_experts_used, model.n_experts), model.n_experts,
                          "active expert bytes");
    }
    if (tensor.layer >= 0 && static_cast<std::size_t>(tensor.layer) < parts.layer_bytes.size()) {
      auto& slot = parts.layer_bytes[static_cast<std::size_t>(tensor.layer)];
      slot = checked_add(slot, read, "weight bytes");
    } else if (tensor.role == TensorRole::token_embd || tensor.role == TensorRole::pos_embd) {
      // A lookup reads one row; a head that shares the token embeddings reads them all.
      const bool whole = tensor.role == TensorRole::token_embd && model.tied_embeddings;
      read = whole ? read : one_row(tensor, read);
      parts.embedding_bytes = checked_add(parts.embedding_bytes, read, "weight bytes");
    } else {
      parts.head_bytes = checked_add(parts.head_bytes, read, "weight bytes");
    }
    parts.total_bytes = checked_add(parts.total_bytes, read, "weight bytes");
  }
  return parts;
}

double expected_decode_step_s(const SpeedInput& input, const SpeedConstants& constants,
                              bool average) {
  const StepTimes t = step_times(input, constants, average);
  return t.ceiling_s > 0 ? t.expected_s : 0.0;
}

SpeedEstimate estimate_speed(const SpeedInput& input, const SpeedConstants& constants,
                             SpeedNotes written) {
  SpeedEstimate out;
  std::vector<std::string> notes;
  const bool explain = written == SpeedNotes::written;
  const StepTimes decode = step_times(input, constants, false);
  if (decode.ceiling_s > 0 && decode.expected_s > 0) {
    out.decode_tokens_per_s = 1.0 / decode.ceiling_s;
    out.expected_decode_tokens_per_s = 1.0 / decode.expected_s;
    out.expected_decode_average_tokens_per_s =
        1.0 / step_times(input, constants, true).expected_s;
    out.efficiency = std::min(1.0, decode.ceiling_bytes_s / decode.expected_s);
    out.expected_decode_low = out.expected_decode_tokens_per_s * (1.0 - constants.band);
    out.expected_decode_high = std::min(out.expected_decode_tokens_per_s * (1.0 + constants.band),
                                        out.decode_tokens_per_s);
    if (explain) {
      notes.push_back(input.batch > 1
                          ? fmt::format("decode ceiling: an upper bound, bytes per step at spec "
                                        "bandwidth; tokens/s of each of {} sequences decoded "
                                        "together (weights read once per step, each sequence's "
                                        "KV read)",
                                        input.batch)
                          : std::string("decode ceiling: an upper bound, bytes per token at spec "
                                        "bandwidth"));
      decode_notes(input, constants, notes);
      notes.push_back(fmt::format(
          "expected decode band: ±{:.0f}% (calibration rows of the measured decode data spread "
          "about that much around it)",
          constants.band * 100));
    }
  } else if (explain) {
    notes.push_back("decode not estimated: no device with bytes to read and a bandwidth");
  }
  const PrefillTimes prefill = prefill_times(input, constants, explain ? &notes : nullptr);
  if (prefill.known && prefill.ceiling_s > 0) {
    out.prefill_tokens_per_s = 1.0 / prefill.ceiling_s;
    out.expected_prefill_tokens_per_s = 1.0 / prefill.expected_s;
  }
  out.assumptions = std::move(notes);
  return out;
}

const SpeedConstants& calibrated_speed_constants() {
  static const SpeedConstants constants = [] {
    SpeedConstants k;
    k.eta_native = calibrated::k_eta_native;
    k.eta_dequantized = calibrated::k_eta_dequantized;
    k.eta_cpu = calibrated::k_eta_cpu;
    k.eta_streamed = k_eta_streamed;
    k.layer_graph_s = calibrated::k_layer_graph_s;
    k.layer_host_s = calibrated::k_layer_host_s;
    k.layer_fused_s = calibrated::k_layer_fused_s;
    k.layer_eager_s = calibrated::k_layer_eager_s;
    k.moe_layer_factor = calibrated::k_moe_layer_factor;
    k.hop_s = calibrated::k_hop_s;
    k.crossing_s = calibrated::k_crossing_s;
    k.allreduce_s = calibrated::k_allreduce_s;
    k.allreduce_pcie_s = calibrated::k_allreduce_pcie_s;
    k.band = calibrated::k_speed_band;
    return k;
  }();
  return constants;
}

bool dequantized_on(const WeightFormat& format, const std::vector<std::string>& native) {
  const auto has = [&](std::string_view name) {
    return std::find(native.begin(), native.end(), name) != native.end();
  };
  const std::string& name = format.name;
  if (name.rfind("mxfp4", 0) == 0 || name.rfind("nvfp4", 0) == 0) {
    return !has("fp4");
  }
  if (name.rfind("fp8", 0) == 0) {
    return !has("fp8");
  }
  switch (format.scheme) {
  case WeightScheme::as_stored: return false;
  case WeightScheme::ggml_mix: return true;       // ggml's quantized types: dequantised in kernel
  case WeightScheme::linear_quant: return true;   // weight-only: GPTQ, AWQ, bitsandbytes
  case WeightScheme::uniform_bits:
    return format.bits < 8 || (format.bits == 8 && !native.empty() && !has("int8"));
  }
  return false;
}

}  // namespace vramcalc
