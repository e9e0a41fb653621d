// Speed ceilings and the expected step (src/speed.cpp): hand-worked figures under constants
// chosen here (not the calibrated ones), the all-reduce, layer-split and offload arithmetic,
// the decode reads of dense, tied and MoE models, which formats a card dequantises. The gate
// against measured decode is in accuracy_test.cpp.
#include <algorithm>
#include <cmath>

#include "catch.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/speed.hpp"

using namespace vramcalc;

namespace {

SpeedDevice gpu(double bandwidth_gb_s, std::uint64_t weight_bytes, bool quantized = true,
                std::uint32_t layers = 0) {
  SpeedDevice d;
  d.kind = SpeedDeviceKind::gpu;
  d.name = "GPU";
  d.bandwidth_gb_s = bandwidth_gb_s;
  d.weight_bytes = weight_bytes;
  d.dequantized_bytes = quantized ? weight_bytes : 0;
  d.quantized = quantized;
  d.layers = layers;
  return d;
}

// Round figures for hand-working: 0.8 of bandwidth as stored, 0.65 dequantised, 0.7 on a CPU;
// 50 µs per layer from a graph, 100 from the host, 40 fused, 500 eager; an MoE layer costs 2;
// 0.2 ms per hop, 1 ms per GPU-CPU round trip, 20 µs per all-reduce.
SpeedConstants constants() {
  SpeedConstants k;
  k.eta_native = 0.8;
  k.eta_dequantized = 0.65;
  k.eta_cpu = 0.7;
  k.eta_streamed = 0.4;
  k.layer_graph_s = 50e-6;
  k.layer_host_s = 100e-6;
  k.layer_fused_s = 40e-6;
  k.layer_eager_s = 500e-6;
  k.moe_layer_factor = 1.0;
  k.hop_s = 0.2e-3;
  k.crossing_s = 1e-3;
  k.allreduce_s = 20e-6;
  k.allreduce_pcie_s = 50e-6;
  k.band = 0.25;
  return k;
}

SpeedInput one(const SpeedDevice& device) {
  SpeedInput input;
  input.devices.push_back(device);
  input.layers = 32;
  input.hidden = 4096;
  return input;
}

bool mentions(const SpeedEstimate& e, const std::string& text) {
  return std::any_of(e.assumptions.begin(), e.assumptions.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("decode ceiling: 4.92 GB at 1008 GB/s is 204.9 tokens/s") {
  // Llama-3.1-8B Q4_K_M (bartowski, 4,920,739,232 B) on an RTX 4090: 1008 / 4.92 = 204.88.
  SpeedInput input = one(gpu(1008, 4'920'000'000, true, 32));
  input.engine = SpeedEngine::llama_cpp;
  const SpeedEstimate e = estimate_speed(input, constants());
  CHECK(e.decode_tokens_per_s == Approx(204.878).epsilon(1e-5));
  // Expected: 4.92 GB / (0.65 x 1008 GB/s) = 7.5092 ms, + 32 layers x 50 µs = 9.1092 ms.
  CHECK(e.expected_decode_tokens_per_s == Approx(1.0 / 9.1092e-3).epsilon(1e-4));
  CHECK(e.expected_decode_low == Approx(0.75 / 9.1092e-3).epsilon(1e-4));
  CHECK(e.expected_decode_high == Approx(1.25 / 9.1092e-3).epsilon(1e-4));
  // Share of spec bandwidth: 4.8810 ms of transfers at spec over 9.1092 ms.
  CHECK(e.efficiency == Approx(4.8810 / 9.1092).epsilon(1e-3));
  CHECK(expected_decode_step_s(input, constants()) == Approx(9.1092e-3).epsilon(1e-4));
}

TEST_CASE("decode: 16-bit weights are read as stored") {
  // Llama-3-8B F16 (16.06 GB) on an RTX 4090, no layer cost: 16.06 / 806.4 = 19.916 ms.
  const SpeedEstimate e = estimate_speed(one(gpu(1008, 16'060'000'000, false)), constants());
  CHECK(e.decode_tokens_per_s == Approx(62.765).epsilon(1e-4));
  CHECK(e.expected_decode_tokens_per_s == Approx(1.0 / 19.916e-3).epsilon(1e-3));
  CHECK(e.efficiency == Approx(0.80).epsilon(1e-3));
}

TEST_CASE("decode: the KV cache is read as stored beside dequantised weights") {
  // Llama-3-8B Q4_0 at 32K depth (llama.cpp #17505): weights 4.65 GB, KV 4.30 GB f16.
  SpeedDevice d = gpu(1008, 4'650'000'000);
  d.kv_bytes = 4'300'000'000;
  const SpeedEstimate e = estimate_speed(one(d), constants());
  // Ceiling 8.95 GB / 1008 GB/s = 8.879 ms: 112.63 t/s.
  CHECK(e.decode_tokens_per_s == Approx(112.63).epsilon(1e-4));
  // Expected 4.65 / 655.2 + 4.30 / 806.4 = 7.0971 + 5.3323 ms = 12.4294 ms.
  CHECK(e.expected_decode_tokens_per_s == Approx(1.0 / 12.4294e-3).epsilon(1e-4));
}

TEST_CASE("decode: the average over a generation reads the cache as it fills") {
  SpeedDevice d = gpu(1000, 1'000'000'000, false);
  d.kv_bytes = 1'000'000'000;
  d.kv_average_bytes = 500'000'000;
  const SpeedEstimate e = estimate_speed(one(d), constants());
  // Worst token: 2 GB / 800 GB/s = 2.5 ms; average: 1.5 GB / 800 GB/s = 1.875 ms.
  CHECK(e.expected_decode_tokens_per_s == Approx(400.0));
  CHECK(e.expected_decode_average_tokens_per_s == Approx(1.0 / 1.875e-3));
}

TEST_CASE("decode: the batch shares the weights and reads every sequence's KV") {
  SpeedDevice d = gpu(1000, 1'000'000'000, false);
  d.kv_bytes = 8ULL * 50'000'000;  // 8 sequences of 50 MB each
  SpeedInput input = one(d);
  input.batch = 8;
  const SpeedEstimate e = estimate_speed(input, constants());
  // 1.4 GB per step at 1000 GB/s: 1.4 ms per step, 714.29 tokens/s for each sequence.
  CHECK(e.decode_tokens_per_s == Approx(714.286).epsilon(1e-5));
}

TEST_CASE("decode: kernels cost per layer by engine and launch") {
  SpeedInput input = one(gpu(1000, 800'000'000, false, 10));
  // 0.8 GB at 800 GB/s = 1 ms, + 10 layers at the engine's cost.
  input.engine = SpeedEngine::llama_cpp;
  CHECK(expected_decode_step_s(input, constants()) == Approx(1.5e-3));
  input.devices[0].launch = KernelLaunch::host;
  CHECK(expected_decode_step_s(input, constants()) == Approx(2.0e-3));
  input.engine = SpeedEngine::fused;
  CHECK(expected_decode_step_s(input, constants()) == Approx(1.4e-3));
  input.engine = SpeedEngine::pytorch_eager;
  CHECK(expected_decode_step_s(input, constants()) == Approx(6.0e-3));
  // A mixture-of-experts layer costs 1 + moe_layer_factor layers: 4 of the 10 here.
  input.engine = SpeedEngine::fused;
  input.devices[0].moe_layers = 4;
  CHECK(expected_decode_step_s(input, constants()) == Approx(1.56e-3));
}

TEST_CASE("decode: a layer split reads its devices in turn with a hop between cards") {
  SpeedInput input;
  input.engine = SpeedEngine::llama_cpp;
  input.devices = {gpu(1008, 2'460'000'000, true, 16), gpu(1008, 2'460'000'000, true, 16)};
  SpeedInput whole = one(gpu(1008, 4'920'000'000, true, 32));
  whole.engine = SpeedEngine::llama_cpp;
  const SpeedEstimate split = estimate_speed(input, constants());
  CHECK(split.decode_tokens_per_s == Approx(estimate_speed(whole, constants()).decode_tokens_per_s));
  // 9.1092 ms on one card + one hop of 0.2 ms.
  CHECK(1.0 / split.expected_decode_tokens_per_s == Approx(9.3092e-3).epsilon(1e-4));
  CHECK(mentions(split, "layer split over 2 GPUs"));
}

TEST_CASE("decode: tensor parallel waits for the slowest card and two all-reduces per layer") {
  // 4 cards, 1 GB of 16-bit weights each at 1000 GB/s (one holds 0.5 GB), 32 layers,
  // hidden 8192, batch 8, 100 GB/s between cards; no layer cost (layers 0 on the devices).
  SpeedInput input;
  input.devices = {gpu(1000, 1'000'000'000, false), gpu(1000, 1'000'000'000, false),
                   gpu(1000, 1'000'000'000, false), gpu(1000, 500'000'000, false)};
  input.topology = SpeedTopology::tensor_parallel;
  input.layers = 32;
  input.hidden = 8192;
  input.batch = 8;
  input.interconnect_gb_s = 100;
  input.direct_link = true;
  const SpeedEstimate e = estimate_speed(input, constants());
  // Message 8 x 8192 x 2 B = 131,072 B; ring: 2 x 3/4 of it = 196,608 B at 100 GB/s =
  // 1.96608 µs. 64 all-reduces. Ceiling: 1 ms + 64 x (6 + 1.96608) µs = 1.509829 ms.
  CHECK(e.decode_tokens_per_s == Approx(1.0 / 1.509829e-3).epsilon(1e-6));
  // Expected: 1 / 0.8 = 1.25 ms + 64 x (20 + 1.96608) µs = 2.655829 ms.
  CHECK(e.expected_decode_tokens_per_s == Approx(1.0 / 2.655829e-3).epsilon(1e-6));
  CHECK(mentions(e, "all-reduces"));
}

TEST_CASE("decode: tensor parallel stages take turns and all-reduce within each stage") {
  // TP2 x PP2 over four cards of 1 GB each at 1000 GB/s, 40 layers, hidden 5000, 50 GB/s.
  SpeedInput input;
  for (int i = 0; i < 4; ++i) {
    input.devices.push_back(gpu(1000, 1'000'000'000, false));
  }
  input.topology = SpeedTopology::tensor_parallel;
  input.pipeline_stages = 2;
  input.layers = 40;
  input.hidden = 5000;
  input.interconnect_gb_s = 50;
  input.direct_link = true;
  const SpeedEstimate e = estimate_speed(input, constants());
  // Ring over 2 ranks: 2 x 1/2 x 10,000 B at 50 GB/s = 0.2 µs; 80 all-reduces.
  // Ceiling: 2 stages x 1 ms + 80 x 6.2 µs = 2.496 ms.
  CHECK(e.decode_tokens_per_s == Approx(1.0 / 2.496e-3).epsilon(1e-6));
  // Expected: 2 x 1.25 ms + 80 x 20.2 µs + one hop of 0.2 ms = 4.316 ms.
  CHECK(e.expected_decode_tokens_per_s == Approx(1.0 / 4.316e-3).epsilon(1e-6));
  CHECK(mentions(e, "tensor parallel over 2"));
}

TEST_CASE("decode: tensor parallel without a link bandwidth counts the latency only") {
  SpeedInput input;
  input.devices = {gpu(1000, 1'000'000'000, false), gpu(1000, 1'000'000'000, false)};
  input.topology = SpeedTopology::tensor_parallel;
  input.layers = 10;
  input.hidden = 4096;
  const SpeedEstimate e = estimate_speed(input, constants());
  // 1 ms + 20 x 6 µs = 1.12 ms.
  CHECK(e.decode_tokens_per_s == Approx(1.0 / 1.12e-3).epsilon(1e-6));
  CHECK(mentions(e, "bytes not counted"));
  // Through PCIe each all-reduce waits 50 µs, over a direct link 20: 1.25 + 20 x 50 µs.
  CHECK(1.0 / e.expected_decode_tokens_per_s == Approx(2.25e-3).epsilon(1e-6));
  input.direct_link = true;
  CHECK(expected_decode_step_s(input, constants()) == Approx(1.65e-3).epsilon(1e-6));
}

TEST_CASE("decode: offloaded layers are read by the CPU and each round trip costs") {
  // 3 GB of Q4 layers on an RTX 4090, 2 GB in CPU RAM at 60 GB/s (dual-channel DDR5-3750).
  SpeedDevice ram;
  ram.kind = SpeedDeviceKind::cpu;
  ram.name = "CPU RAM";
  ram.bandwidth_gb_s = 60;
  ram.weight_bytes = 2'000'000'000;
  ram.quantized = true;
  SpeedInput input;
  input.devices = {gpu(1008, 3'000'000'000), ram};
  input.host_crossings = 3;
  const SpeedEstimate e = estimate_speed(input, constants());
  // Ceiling: 3 / 1008 + 2 / 60 = 2.97619 + 33.33333 ms = 36.30952 ms: 27.541 t/s.
  CHECK(e.decode_tokens_per_s == Approx(27.541).epsilon(1e-4));
  // Expected: 3 / 655.2 + 2 / 42 = 4.57875 + 47.61905 ms, + 3 round trips of 1 ms.
  CHECK(1.0 / e.expected_decode_tokens_per_s == Approx(55.1978e-3).epsilon(1e-4));
  CHECK(mentions(e, "3 GPU-CPU round trip"));
}

TEST_CASE("decode: the CPU alone reads at its share of DRAM bandwidth") {
  // LLaMA-7B Q4_0 (3.75 GB read) on dual-channel DDR5-6400 (102.4 GB/s): 3.75 / 71.68 =
  // 52.316 ms: 19.115 t/s.
  SpeedDevice ram;
  ram.kind = SpeedDeviceKind::cpu;
  ram.name = "CPU RAM";
  ram.bandwidth_gb_s = 102.4;
  ram.weight_bytes = 3'750'000'000;
  const SpeedEstimate e = estimate_speed(one(ram), constants());
  CHECK(e.expected_decode_tokens_per_s == Approx(19.115).epsilon(1e-4));
  CHECK(e.efficiency == Approx(0.70).epsilon(1e-3));
}

TEST_CASE("decode: streamed weights move at their share of the link and disk reads at its rate") {
  // 14.1 GB copied over PCIe 3.0 x16 (16 GB/s) each pass (accelerate's big model benchmark).
  SpeedDevice link;
  link.kind = SpeedDeviceKind::streamed;
  link.name = "PCIe";
  link.bandwidth_gb_s = 16;
  link.weight_bytes = 14'100'000'000;
  const SpeedEstimate streamed = estimate_speed(one(link), constants());
  CHECK(streamed.decode_tokens_per_s == Approx(16.0 / 14.1));
  CHECK(streamed.expected_decode_tokens_per_s == Approx(0.4 * 16.0 / 14.1));
  // 317 GB at 7 GB/s: 45.3 s per token (ollama#8667).
  SpeedDevice disk = link;
  disk.kind = SpeedDeviceKind::disk;
  disk.bandwidth_gb_s = 7;
  disk.weight_bytes = 317'000'000'000;
  const SpeedEstimate from_disk = estimate_speed(one(disk), constants());
  CHECK(1.0 / from_disk.expected_decode_tokens_per_s == Approx(45.286).epsilon(1e-4));
}

TEST_CASE("decode: a device without bandwidth is skipped and noted") {
  SpeedInput input = one(gpu(1008, 4'920'000'000));
  SpeedDevice unknown = gpu(0, 1'000'000'000);
  unknown.name = "mystery card";
  input.devices.push_back(unknown);
  const SpeedEstimate e = estimate_speed(input, constants());
  CHECK(e.decode_tokens_per_s == Approx(204.878).epsilon(1e-5));
  CHECK(mentions(e, "mystery card skipped"));
  const SpeedEstimate none = estimate_speed(SpeedInput{}, constants());
  CHECK(none.decode_tokens_per_s == 0);
  CHECK(none.expected_decode_tokens_per_s == 0);
  CHECK(mentions(none, "decode not estimated"));
}

TEST_CASE("dequantised formats: below 8 bits always and fp8 or fp4 where the card lacks them") {
  const std::vector<std::string> ampere = {"fp16", "bf16", "int8"};
  const std::vector<std::string> hopper = {"fp16", "bf16", "int8", "fp8"};
  const std::vector<std::string> blackwell = {"fp16", "bf16", "int8", "fp8", "fp4"};
  const auto format = [](const char* name) { return *find_weight_format(name); };
  CHECK_FALSE(dequantized_on(format("fp16"), ampere));
  CHECK_FALSE(dequantized_on(format("bf16"), {}));
  CHECK(dequantized_on(format("q4_k_m"), hopper));
  CHECK(dequantized_on(format("q8_0"), hopper));
  CHECK(dequantized_on(format("gptq-int4"), blackwell));
  CHECK(dequantized_on(format("awq"), blackwell));
  // Ampere runs fp8 checkpoints through a w8a16 kernel (Marlin); Hopper multiplies fp8.
  CHECK(dequantized_on(format("fp8-e4m3"), ampere));
  CHECK_FALSE(dequantized_on(format("fp8-e4m3"), hopper));
  // MXFP4 is native on Blackwell's tensor cores only.
  CHECK(dequantized_on(format("mxfp4"), hopper));
  CHECK_FALSE(dequantized_on(format("mxfp4"), blackwell));
}

TEST_CASE("prefill ceiling: 2 x active params FLOPs per token over dense compute") {
  // 8.0e9 active parameters on 330 TFLOP/s (RTX 4090, fp16 accumulate): 16 GFLOP per token,
  // 20,625 tokens/s; expected at 0.45 (16-bit) 9,281.25 and at 0.35 (quantized) 7,218.75.
  SpeedDevice d = gpu(1008, 16'000'000'000, false);
  d.compute_tflops = 330;
  d.active_params = 8'000'000'000;
  const SpeedEstimate wide = estimate_speed(one(d), constants());
  CHECK(wide.prefill_tokens_per_s == Approx(20625));
  CHECK(wide.expected_prefill_tokens_per_s == Approx(9281.25));
  d.quantized = true;
  CHECK(estimate_speed(one(d), constants()).expected_prefill_tokens_per_s == Approx(7218.75));
  // A 512-token prompt adds 4 x 32 x 4096 x 256 = 134.2 MFLOP of attention per token.
  SpeedInput prompt = one(d);
  prompt.context = 512;
  CHECK(estimate_speed(prompt, constants()).prefill_tokens_per_s ==
        Approx(330e12 / (16e9 + 4.0 * 32 * 4096 * 256)));
  // Without a compute figure there is no prefill estimate.
  d.compute_tflops = 0;
  const SpeedEstimate unknown = estimate_speed(one(d), constants());
  CHECK(unknown.prefill_tokens_per_s == 0);
  CHECK(mentions(unknown, "prefill not estimated"));
}

TEST_CASE("decode reads: a dense model reads its layers and head and one embedding row") {
  const ModelSpec model = catalog_model("llama-3-8b");
  const WeightFormat& format = *find_weight_format("q4_k_m");
  const WeightBreakdown stored = weight_breakdown(model, format);
  const WeightBreakdown reads = decode_weight_reads(model, format);
  CHECK(reads.layer_bytes == stored.layer_bytes);
  CHECK(reads.head_bytes == stored.head_bytes);
  // token_embd is 128256 rows of 4096: one row of Q4_K is 4096 / 256 x 144 B = 2304 B.
  CHECK(reads.embedding_bytes == 2304);
  CHECK(reads.total_bytes == stored.total_bytes - stored.embedding_bytes + 2304);
}

TEST_CASE("decode reads: tied embeddings are read whole as the output head") {
  const ModelSpec model = catalog_model("llama-3.2-1b");
  REQUIRE(model.tied_embeddings);
  const WeightFormat& format = *find_weight_format("bf16");
  CHECK(decode_weight_reads(model, format).total_bytes ==
        weight_breakdown(model, format).total_bytes);
}

TEST_CASE("decode reads: a mixture of experts reads the routed experts it uses") {
  // Mixtral-8x7B: 8 experts of 3 x 4096 x 14336 per layer, 2 used; fp16.
  const ModelSpec model = catalog_model("mixtral-8x7b");
  const WeightFormat& format = *find_weight_format("fp16");
  const WeightBreakdown stored = weight_breakdown(model, format);
  const WeightBreakdown reads = decode_weight_reads(model, format);
  const std::uint64_t experts = 3ULL * 8 * 4096 * 14336 * 2;
  for (std::size_t i = 0; i < reads.layer_bytes.size(); ++i) {
    CHECK(reads.layer_bytes[i] == stored.layer_bytes[i] - experts / 8 * 6);
  }
  // About 2 bytes per active parameter, less the embedding matrix a lookup does not read.
  const double active = 2.0 * static_cast<double>(model.active_params - model.embedding_params);
  CHECK(static_cast<double>(reads.total_bytes) == Approx(active).epsilon(0.01));
}

