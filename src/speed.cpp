// Speed ceilings (docs/formulas.md, "Speed ceilings"). Decode moves bytes: every step reads
// each device's weights and KV cache once, so the ceiling is bytes / spec bandwidth and the
// expected figure scales each bandwidth by the fraction engines are measured to reach (η) and
// adds a fixed cost per token. Prefill does arithmetic: 2 FLOPs per active parameter per token.
// Every constant summarises a section of shared/validation/THROUGHPUT.md (the measured rows of
// throughput_measurements.json), cited where it is defined.
#include "vramcalc/speed.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "vramcalc/bytes.hpp"
#include "vramcalc/estimate.hpp"

namespace vramcalc {

namespace {

// ---- Decode efficiency η: achieved / spec bandwidth ------------------------------------------

// GPU, 16- and 8-bit weights (fp16, bf16, fp8, int8, Q8_0). THROUGHPUT.md §3: NVIDIA consumer
// and workstation F16 median 0.82 over 15 rows (4080 0.91, 4090 0.87, 3090 0.81 on
// Llama-3-8B F16), Apple F16 0.79 over 8; its suggested-ceiling table takes 0.8.
constexpr double k_eta_gpu_wide = 0.80;
// GPU, weights below 8 bits (k-quants, Q4_0, GPTQ, AWQ). THROUGHPUT.md §3: NVIDIA quantized
// median 0.66 over 39 rows (IQR 0.59-0.74); dequantization costs compute. Suggested: 0.65.
constexpr double k_eta_gpu_quantized = 0.65;
// CPU computing from system RAM, of the datasheet DRAM bandwidth. THROUGHPUT.md §3: CPU RAM
// median 0.72 over 5 quantized rows (IQR 0.69-0.78); suggested 0.7. §4 finds the same rate on
// offloaded layers (41-52 GB/s from the llama-bench ngl sweep, 43 GB/s from #11752).
constexpr double k_eta_cpu = 0.70;
// Weights copied to the GPU over a link every forward pass (accelerate, vLLM cpu_offload), of
// the link bandwidth. THROUGHPUT.md §4: accelerate OPT-30B fp16 with 14.1 GB offloaded moves
// about 6 GB/s over PCIe 3.0 x16 (~0.38 of 16 GB/s); vLLM on a GH200 about 250 of 900 GB/s
// (0.28); its modelling rule takes 0.3-0.5. The middle: 0.4.
constexpr double k_eta_streamed = 0.40;
// Weights read from disk every forward pass, of the disk's sequential read rate. THROUGHPUT.md
// §4 quotes the ollama maintainer's rule (ollama#8667): mmapped bytes / disk read rate, with no
// discount (the page cache helps; accelerate without prefetching does worse).
constexpr double k_eta_disk = 1.0;

// ---- Fixed costs per decode step --------------------------------------------------------------

// Kernel launches and synchronisation with any GPU in the step. THROUGHPUT.md §3 fits
// t = bytes / (0.8 BW) + t0 on small models: 0.5 ms (4090, Vulkan, TinyLlama), 1.0-1.5 ms
// (2080, CUDA, Llama-3.2-1B/3B), 2 ms (7900 XTX, ROCm on Windows); it suggests 0.5-2 ms.
// 1 ms: the CUDA fit, the middle of the range.
constexpr double k_gpu_fixed_s = 1.0e-3;
// The CPU side of a partial offload: attention over the CPU-resident KV cache and the
// GPU-CPU synchronisation. THROUGHPUT.md §4: t(ngl 33) - t(ngl 35) in the llama-bench README
// sweep (LLaMA-7B Q4_0: 60.62 and 131.66 t/s) is about 9 ms; with it, CPU bytes at 45 GB/s
// predict ngl 10/20/30 within 10-15%.
constexpr double k_offload_fixed_s = 9.0e-3;
// Each pipeline stage beyond the first (llama.cpp -sm layer). THROUGHPUT.md §5, XiongjieDai
// Llama-3-8B Q4_K_M tg512: 4090 x2/x4/x8 at 0.95/0.92/0.90 of one card, 3090 x2/x4/x6 at
// 0.97/0.94/0.90: "about 1-1.5% per extra GPU". The middle: 1.25%.
constexpr double k_stage_cost = 0.0125;

// ---- Tensor parallelism: two all-reduces of the hidden state per layer ------------------------

// All-reduces per layer: after attention and after the MLP (Megatron-style row-parallel output
// projections; vLLM's design note on latency-optimal all-reduce: "2 allreduces per layer").
constexpr std::uint64_t k_allreduces_per_layer = 2;
// Bytes of one activation element on the wire (fp16/bf16 hidden state).
constexpr double k_activation_bytes = 2.0;
// Latency of one small all-reduce in the ceiling: the fastest measured, NCCL NVLS on H100 with
// CUDA graphs, about 6 µs for two GPUs and messages of 128 B-64 KiB (NVIDIA/nccl#1259).
constexpr double k_allreduce_floor_s = 6.0e-6;
// Latency of one all-reduce in the expected figure. THROUGHPUT.md §5 reads gpt-fast's TP
// scaling (A100 NVLink, batch 1: Llama-2-7B TP1/2/4/8 104.9/168.8/254.0/328.4 t/s, Llama-2-70B
// TP2/4/8 21.3/38.0/62.5) as a per-layer all-reduce latency term; with this module's η 0.8 and
// 1 ms fixed cost the six runs leave 13-26 µs per all-reduce (7B: 13, 14, 16; 70B: 17, 23, 26).
// 20 µs, their middle; over PCIe vLLM's 4x3090 Ti AWQ-70B TP2/TP4 (30/46 t/s) leave 12-34 µs.
constexpr double k_allreduce_latency_s = 20.0e-6;

// ---- The band and prefill ----------------------------------------------------------------------

// Half-width of the expected decode band. THROUGHPUT.md §3: "the honest interval is about ±25%"
// (single-device fraction of spec: median 0.66, IQR 0.54-0.77 over 107 rows).
constexpr double k_band = 0.25;
// Prefill: share of the dense fp16 tensor peak reached. THROUGHPUT.md §6: RTX 4090 F16 pp512
// 45-46% (7B, 8B), RTX 3090 F16 50%; quantized MMQ 35% (4090 8B Q4_K_M); TRT-LLM datacenter
// 40-45%. 0.45 for 16- and 8-bit weights, 0.35 below 8 bits.
constexpr double k_eta_compute_wide = 0.45;
constexpr double k_eta_compute_quantized = 0.35;
// FLOPs per parameter per token: one multiply and one add (the 2N of Kaplan et al. 2020,
// "Scaling Laws for Neural Language Models", section 2.1).
constexpr double k_flops_per_param = 2.0;
// Attention FLOPs per layer per token per attended position per hidden element: QK^T and
// attention x V, a multiply-add each (Kaplan et al. 2020, table 1: 2 n_layer n_ctx d_attn
// forward, counted there per token as 2 x the 2 n_ctx d products).
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

// η for the device's weights; `quantized` false gives the η of its KV cache, which is read as
// stored (16 or 8 bits) without dequantization. THROUGHPUT.md §3: Llama-3-8B Q4_0 on a 4090 at
// 32K depth (weights 4.33 GiB + KV 4.0 GiB) reaches 0.87 of peak, against 0.57-0.64 for the
// same card's Q4 runs at depth 0 (#17505, XiongjieDai).
double decode_efficiency(const SpeedDevice& device, bool quantized) {
  switch (device.kind) {
  case SpeedDeviceKind::gpu: return quantized ? k_eta_gpu_quantized : k_eta_gpu_wide;
  case SpeedDeviceKind::cpu: return k_eta_cpu;
  case SpeedDeviceKind::streamed: return k_eta_streamed;
  case SpeedDeviceKind::disk: return k_eta_disk;
  }
  return k_eta_gpu_wide;
}

// Why the device's η: one short clause for the assumption line.
std::string_view efficiency_basis(const SpeedDevice& device) {
  switch (device.kind) {
  case SpeedDeviceKind::gpu:
    return device.quantized ? "GPUs reach about 0.66 of spec on weights below 8 bits"
                            : "GPUs reach about 0.82 of spec on 16- and 8-bit weights";
  case SpeedDeviceKind::cpu: return "CPUs reach about 0.72 of datasheet DRAM bandwidth";
  case SpeedDeviceKind::streamed:
    return "weights copied over the link each pass reach 0.3-0.5 of it";
  case SpeedDeviceKind::disk: return "weights read from disk each pass, at its read rate";
  }
  return "";
}

double step_bytes(const SpeedDevice& device) {
  return static_cast<double>(device.weight_bytes) + static_cast<double>(device.kv_bytes);
}

// A device takes part in decode when it has bytes to read and a bandwidth to read them at.
bool reads(const SpeedDevice& device) {
  return device.bandwidth_gb_s > 0 && step_bytes(device) > 0;
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

struct DecodeTimes {
  double ceiling_s = 0;        // transfers at spec bandwidth (+ all-reduces at their floor)
  double expected_s = 0;       // transfers at η x bandwidth (+ all-reduces, fixed costs, stages)
  double ceiling_bytes_s = 0;  // transfers alone, for the weighted η
  double expected_bytes_s = 0;
};

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

// The devices' transfers: one after another (sequential), or the slowest rank once per stage
// (tensor parallel; pipeline stages of a tensor-parallel plan take turns and are taken to be
// balanced, as the planner splits layers evenly).
DecodeTimes transfer_times(const SpeedInput& input, std::vector<std::string>& notes) {
  DecodeTimes t;
  DeviceLines lines;
  for (const SpeedDevice& d : input.devices) {
    if (!reads(d)) {
      if (step_bytes(d) > 0) {
        lines.add(fmt::format("{} skipped: no bandwidth known", d.name));
      }
      continue;
    }
    const double eta = decode_efficiency(d, d.quantized);
    const double bandwidth = d.bandwidth_gb_s * k_giga;
    const double at_spec = step_bytes(d) / bandwidth;
    const double at_eta =
        static_cast<double>(d.weight_bytes) / (eta * bandwidth) +
        static_cast<double>(d.kv_bytes) / (decode_efficiency(d, false) * bandwidth);
    lines.add(fmt::format(
        "{} ({}): {:.3g} GB of weights and {:.3g} GB of KV per step at {:g} GB/s; "
        "expected at η {:.2f} ({})",
        d.name, kind_name(d.kind), static_cast<double>(d.weight_bytes) / k_giga,
        static_cast<double>(d.kv_bytes) / k_giga, d.bandwidth_gb_s, eta, efficiency_basis(d)));
    if (input.topology == SpeedTopology::tensor_parallel) {
      t.ceiling_bytes_s = std::max(t.ceiling_bytes_s, at_spec);
      t.expected_bytes_s = std::max(t.expected_bytes_s, at_eta);
    } else {
      t.ceiling_bytes_s += at_spec;
      t.expected_bytes_s += at_eta;
    }
  }
  lines.emit(notes);
  if (input.topology == SpeedTopology::tensor_parallel) {
    const auto stages =
        static_cast<double>(tensor_parallel_stages(input, count_reading(input, false)));
    t.ceiling_bytes_s *= stages;
    t.expected_bytes_s *= stages;
  }
  t.ceiling_s = t.ceiling_bytes_s;
  t.expected_s = t.expected_bytes_s;
  return t;
}

// What a step costs besides its transfers: the all-reduces of tensor parallelism, the fixed
// costs of a GPU and of an offload, the stages of a pipeline.
void add_step_costs(const SpeedInput& input, DecodeTimes& t, std::vector<std::string>& notes) {
  const bool tensor_parallel = input.topology == SpeedTopology::tensor_parallel;
  const std::size_t devices = count_reading(input, false);
  // Stages: a tensor-parallel plan's pipeline_stages; a sequential split over N GPUs is N
  // stages whatever pipeline_stages says.
  const std::size_t stages =
      tensor_parallel ? tensor_parallel_stages(input, devices)
                      : std::max<std::size_t>(input.pipeline_stages, count_reading(input, true));
  const std::size_t ranks = tensor_parallel ? devices / stages : 1;
  if (ranks > 1) {
    // Every layer all-reduces twice, whichever stage holds it.
    const double count = static_cast<double>(k_allreduces_per_layer * input.layers);
    const double wire = allreduce_wire_s(input, ranks);
    t.ceiling_s += count * (k_allreduce_floor_s + wire);
    t.expected_s += count * (k_allreduce_latency_s + wire);
    notes.push_back(fmt::format(
        "tensor parallel over {}: {:g} all-reduces per token (2 per layer), ring over {}, "
        "{:g} µs each expected ({:g} µs in the ceiling: NCCL's fastest)",
        ranks, count,
        input.interconnect_gb_s > 0 ? fmt::format("{:g} GB/s", input.interconnect_gb_s)
                                    : std::string("an unknown link (bytes not counted)"),
        k_allreduce_latency_s * 1e6, k_allreduce_floor_s * 1e6));
  }
  const bool gpu = any_reading(input, SpeedDeviceKind::gpu);
  if (gpu) {
    t.expected_s += k_gpu_fixed_s;
    notes.push_back(fmt::format(
        "expected: {:g} ms per token of fixed GPU cost (launches and sync: 0.5-2 ms measured)",
        k_gpu_fixed_s * 1e3));
  }
  if (gpu && any_reading(input, SpeedDeviceKind::cpu)) {
    t.expected_s += k_offload_fixed_s;
    notes.push_back(fmt::format(
        "expected: {:g} ms per token on the CPU side of an offload (CPU attention and sync)",
        k_offload_fixed_s * 1e3));
  }
  if (stages > 1) {
    t.expected_s *= 1.0 + k_stage_cost * static_cast<double>(stages - 1);
    notes.push_back(fmt::format("expected: {} pipeline stages, {:g}% slower per stage beyond "
                                "the first",
                                stages, k_stage_cost * 100));
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

PrefillTimes prefill_times(const SpeedInput& input, std::vector<std::string>& notes) {
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
      notes.push_back(fmt::format("prefill not estimated: no compute figure for {}", d.name));
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
      expected += transfer / decode_efficiency(d, d.quantized);
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
  notes.push_back(fmt::format(
      "prefill: 2 x active params + 4 x layers x hidden x context/2 FLOPs per token at the dense "
      "fp16 peak; expected at {:.2f} of it (16/8-bit weights) or {:.2f} (below 8 bits)",
      k_eta_compute_wide, k_eta_compute_quantized));
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

SpeedEstimate estimate_speed(const SpeedInput& input) {
  SpeedEstimate out;
  std::vector<std::string> notes;
  DecodeTimes decode = transfer_times(input, notes);
  if (decode.ceiling_s > 0) {
    add_step_costs(input, decode, notes);
    out.decode_tokens_per_s = 1.0 / decode.ceiling_s;
    out.expected_decode_tokens_per_s = 1.0 / decode.expected_s;
    out.efficiency = decode.ceiling_bytes_s / decode.expected_bytes_s;
    out.expected_decode_low = out.expected_decode_tokens_per_s * (1.0 - k_band);
    out.expected_decode_high =
        std::min(out.expected_decode_tokens_per_s * (1.0 + k_band), out.decode_tokens_per_s);
    notes.insert(notes.begin(),
                 input.batch > 1
                     ? fmt::format("decode ceiling: an upper bound, bytes per step at spec "
                                   "bandwidth; tokens/s of each of {} sequences decoded together "
                                   "(weights read once per step, each sequence's KV read)",
                                   input.batch)
                     : std::string("decode ceiling: an upper bound, bytes per token at spec "
                                   "bandwidth"));
    notes.push_back(
        fmt::format("expected decode band: ±{:g}% (measured runs spread about that much around it)",
                    k_band * 100));
  } else {
    notes.push_back("decode not estimated: no device with bytes to read and a bandwidth");
  }
  const PrefillTimes prefill = prefill_times(input, notes);
  if (prefill.known && prefill.ceiling_s > 0) {
    out.prefill_tokens_per_s = 1.0 / prefill.ceiling_s;
    out.expected_prefill_tokens_per_s = 1.0 / prefill.expected_s;
  }
  out.assumptions = std::move(notes);
  return out;
}

}  // namespace vramcalc
