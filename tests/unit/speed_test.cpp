// Speed ceilings (src/speed.cpp): hand-worked ceilings, the all-reduce and offload arithmetic,
// the decode reads of dense, tied and MoE models, and the gate against measured single-device
// decode (tests/data/validation/throughput.json, THROUGHPUT.md).
#include <algorithm>
#include <cmath>

#include "accuracy.hpp"
#include "catch.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/speed.hpp"

using namespace vramcalc;

namespace {

SpeedDevice gpu(double bandwidth_gb_s, std::uint64_t weight_bytes, bool quantized = true) {
  SpeedDevice d;
  d.kind = SpeedDeviceKind::gpu;
  d.name = "GPU";
  d.bandwidth_gb_s = bandwidth_gb_s;
  d.weight_bytes = weight_bytes;
  d.quantized = quantized;
  return d;
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
  const SpeedEstimate e = estimate_speed(one(gpu(1008, 4'920'000'000)));
  CHECK(e.decode_tokens_per_s == Approx(204.878).epsilon(1e-5));
  // Expected: 4.92 GB / (0.65 x 1008 GB/s) = 7.5092 ms, + 1 ms fixed = 8.5092 ms: 117.52 t/s.
  CHECK(e.expected_decode_tokens_per_s == Approx(117.52).epsilon(1e-4));
  CHECK(e.efficiency == Approx(0.65));
  CHECK(e.expected_decode_low == Approx(117.52 * 0.75).epsilon(1e-4));
  CHECK(e.expected_decode_high == Approx(117.52 * 1.25).epsilon(1e-4));
  CHECK(mentions(e, "η 0.65"));
}

TEST_CASE("decode ceiling: 16-bit weights at 0.8 of the bandwidth") {
  // Llama-3-8B F16 (16.06 GB) on an RTX 4090: ceiling 1008 / 16.06 = 62.765 t/s; expected
  // 16.06 / 806.4 = 19.916 ms + 1 ms = 20.916 ms: 47.81 t/s.
  const SpeedEstimate e = estimate_speed(one(gpu(1008, 16'060'000'000, false)));
  CHECK(e.decode_tokens_per_s == Approx(62.765).epsilon(1e-4));
  CHECK(e.expected_decode_tokens_per_s == Approx(47.81).epsilon(1e-3));
  CHECK(e.efficiency == Approx(0.80));
}

TEST_CASE("decode: the KV cache is read at the 16-bit efficiency") {
  // Llama-3-8B Q4_0 at 32K depth (llama.cpp #17505): weights 4.65 GB quantized, KV 4.30 GB f16.
  SpeedDevice d = gpu(1008, 4'650'000'000);
  d.kv_bytes = 4'300'000'000;
  const SpeedEstimate e = estimate_speed(one(d));
  // Ceiling 8.95 GB / 1008 GB/s = 8.879 ms: 112.63 t/s.
  CHECK(e.decode_tokens_per_s == Approx(112.63).epsilon(1e-4));
  // Expected 4.65 / 655.2 + 4.30 / 806.4 = 7.0971 + 5.3323 ms, + 1 ms = 13.4294 ms: 74.463 t/s.
  CHECK(e.expected_decode_tokens_per_s == Approx(74.463).epsilon(1e-4));
  // Weighted η: 8.879 / 12.4294 = 0.7143.
  CHECK(e.efficiency == Approx(0.7143).epsilon(1e-3));
}

TEST_CASE("decode: the batch shares the weights and reads every sequence's KV") {
  SpeedDevice d = gpu(1000, 1'000'000'000, false);
  d.kv_bytes = 8ULL * 50'000'000;  // 8 sequences of 50 MB each
  SpeedInput input = one(d);
  input.batch = 8;
  const SpeedEstimate e = estimate_speed(input);
  // 1.4 GB per step at 1000 GB/s: 1.4 ms per step, 714.29 tokens/s for each sequence.
  CHECK(e.decode_tokens_per_s == Approx(714.286).epsilon(1e-5));
}

TEST_CASE("decode: a layer split adds its devices and costs 1.25 percent per extra stage") {
  SpeedInput input;
  input.devices = {gpu(1008, 2'460'000'000), gpu(1008, 2'460'000'000)};
  const SpeedEstimate split = estimate_speed(input);
  const SpeedEstimate whole = estimate_speed(one(gpu(1008, 4'920'000'000)));
  CHECK(split.decode_tokens_per_s == Approx(whole.decode_tokens_per_s));
  // 8.5092 ms x 1.0125 = 8.6156 ms: 116.07 t/s.
  CHECK(split.expected_decode_tokens_per_s == Approx(116.07).epsilon(1e-4));
  CHECK(mentions(split, "2 pipeline stages"));
}

TEST_CASE("decode: tensor parallel waits for the slowest card and two all-reduces per layer") {
  // 4 cards, 1 GB of 16-bit weights each at 1000 GB/s (one holds 0.5 GB), 32 layers,
  // hidden 8192, batch 8, 100 GB/s between cards.
  SpeedInput input;
  input.devices = {gpu(1000, 1'000'000'000, false), gpu(1000, 1'000'000'000, false),
                   gpu(1000, 1'000'000'000, false), gpu(1000, 500'000'000, false)};
  input.topology = SpeedTopology::tensor_parallel;
  input.layers = 32;
  input.hidden = 8192;
  input.batch = 8;
  input.interconnect_gb_s = 100;
  const SpeedEstimate e = estimate_speed(input);
  // Message 8 x 8192 x 2 B = 131,072 B; ring: 2 x 3/4 of it = 196,608 B at 100 GB/s =
  // 1.96608 µs. 64 all-reduces. Ceiling: 1 ms + 64 x (6 + 1.96608) µs = 1.509829 ms.
  CHECK(e.decode_tokens_per_s == Approx(1.0 / 1.509829e-3).epsilon(1e-6));
  // Expected: 1 / 0.8 = 1.25 ms + 64 x (20 + 1.96608) µs + 1 ms = 3.655829 ms.
  CHECK(e.expected_decode_tokens_per_s == Approx(1.0 / 3.655829e-3).epsilon(1e-6));
  CHECK(e.efficiency == Approx(0.80));
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
  const SpeedEstimate e = estimate_speed(input);
  // Ring over 2 ranks: 2 x 1/2 x 10,000 B at 50 GB/s = 0.2 µs; 80 all-reduces.
  // Ceiling: 2 stages x 1 ms + 80 x 6.2 µs = 2.496 ms.
  CHECK(e.decode_tokens_per_s == Approx(1.0 / 2.496e-3).epsilon(1e-6));
  // Expected: (2 x 1.25 ms + 80 x 20.2 µs + 1 ms) x 1.0125 = 5.116 ms x 1.0125 = 5.180 ms.
  CHECK(e.expected_decode_tokens_per_s == Approx(1.0 / (5.116e-3 * 1.0125)).epsilon(1e-6));
  CHECK(mentions(e, "tensor parallel over 2"));
}

TEST_CASE("decode: tensor parallel without a link bandwidth counts the latency only") {
  SpeedInput input;
  input.devices = {gpu(1000, 1'000'000'000, false), gpu(1000, 1'000'000'000, false)};
  input.topology = SpeedTopology::tensor_parallel;
  input.layers = 10;
  input.hidden = 4096;
  const SpeedEstimate e = estimate_speed(input);
  // 1 ms + 20 x 6 µs = 1.12 ms.
  CHECK(e.decode_tokens_per_s == Approx(1.0 / 1.12e-3).epsilon(1e-6));
  CHECK(mentions(e, "bytes not counted"));
}

TEST_CASE("decode: offloaded layers are read by the CPU at its DRAM bandwidth") {
  // 3 GB of Q4 layers on an RTX 4090, 2 GB in CPU RAM at 60 GB/s (dual-channel DDR5-3750).
  SpeedDevice ram;
  ram.kind = SpeedDeviceKind::cpu;
  ram.name = "CPU RAM";
  ram.bandwidth_gb_s = 60;
  ram.weight_bytes = 2'000'000'000;
  ram.quantized = true;
  SpeedInput input;
  input.devices = {gpu(1008, 3'000'000'000), ram};
  const SpeedEstimate e = estimate_speed(input);
  // Ceiling: 3 / 1008 + 2 / 60 = 2.97619 + 33.33333 ms = 36.30952 ms: 27.541 t/s.
  CHECK(e.decode_tokens_per_s == Approx(27.541).epsilon(1e-4));
  // Expected: 3 / 655.2 + 2 / 42 = 4.57875 + 47.61905 ms, + 1 ms GPU + 9 ms CPU side =
  // 62.1978 ms: 16.078 t/s.
  CHECK(e.expected_decode_tokens_per_s == Approx(16.078).epsilon(1e-4));
  CHECK(mentions(e, "CPU side of an offload"));
}

TEST_CASE("decode: the CPU alone has no fixed cost beyond its efficiency") {
  // LLaMA-7B Q4_0 (3.75 GB read) on dual-channel DDR5-6400 (102.4 GB/s): 3.75 / 71.68 =
  // 52.316 ms: 19.115 t/s (measured on an i9-13900K: 18.27, llama.cpp #34).
  SpeedDevice ram;
  ram.kind = SpeedDeviceKind::cpu;
  ram.name = "CPU RAM";
  ram.bandwidth_gb_s = 102.4;
  ram.weight_bytes = 3'750'000'000;
  const SpeedEstimate e = estimate_speed(one(ram));
  CHECK(e.expected_decode_tokens_per_s == Approx(19.115).epsilon(1e-4));
  CHECK(e.efficiency == Approx(0.70));
}

TEST_CASE("decode: streamed weights move at 0.4 of the link and disk reads at its rate") {
  // 14.1 GB copied over PCIe 3.0 x16 (16 GB/s) each pass (accelerate, THROUGHPUT.md section 4).
  SpeedDevice link;
  link.kind = SpeedDeviceKind::streamed;
  link.name = "PCIe";
  link.bandwidth_gb_s = 16;
  link.weight_bytes = 14'100'000'000;
  const SpeedEstimate streamed = estimate_speed(one(link));
  CHECK(streamed.decode_tokens_per_s == Approx(16.0 / 14.1));
  CHECK(streamed.expected_decode_tokens_per_s == Approx(0.4 * 16.0 / 14.1));
  // 317 GB at 7 GB/s: 45.3 s per token (ollama#8667).
  SpeedDevice disk = link;
  disk.kind = SpeedDeviceKind::disk;
  disk.bandwidth_gb_s = 7;
  disk.weight_bytes = 317'000'000'000;
  const SpeedEstimate from_disk = estimate_speed(one(disk));
  CHECK(1.0 / from_disk.expected_decode_tokens_per_s == Approx(45.286).epsilon(1e-4));
}

TEST_CASE("decode: a device without bandwidth is skipped and noted") {
  SpeedInput input = one(gpu(1008, 4'920'000'000));
  SpeedDevice unknown = gpu(0, 1'000'000'000);
  unknown.name = "mystery card";
  input.devices.push_back(unknown);
  const SpeedEstimate e = estimate_speed(input);
  CHECK(e.decode_tokens_per_s == Approx(204.878).epsilon(1e-5));
  CHECK(mentions(e, "mystery card skipped"));
  const SpeedEstimate none = estimate_speed(SpeedInput{});
  CHECK(none.decode_tokens_per_s == 0);
  CHECK(none.expected_decode_tokens_per_s == 0);
  CHECK(mentions(none, "decode not estimated"));
}

TEST_CASE("prefill ceiling: 2 x active params FLOPs per token over dense compute") {
  // 8.0e9 active parameters on 330 TFLOP/s (RTX 4090, fp16 accumulate): 16 GFLOP per token,
  // 20,625 tokens/s; expected at 0.45 (16-bit) 9,281.25 and at 0.35 (quantized) 7,218.75.
  SpeedDevice d = gpu(1008, 16'000'000'000, false);
  d.compute_tflops = 330;
  d.active_params = 8'000'000'000;
  const SpeedEstimate wide = estimate_speed(one(d));
  CHECK(wide.prefill_tokens_per_s == Approx(20625));
  CHECK(wide.expected_prefill_tokens_per_s == Approx(9281.25));
  d.quantized = true;
  CHECK(estimate_speed(one(d)).expected_prefill_tokens_per_s == Approx(7218.75));
  // A 512-token prompt adds 4 x 32 x 4096 x 256 = 134.2 MFLOP of attention per token.
  SpeedInput prompt = one(d);
  prompt.context = 512;
  CHECK(estimate_speed(prompt).prefill_tokens_per_s ==
        Approx(330e12 / (16e9 + 4.0 * 32 * 4096 * 256)));
  // Without a compute figure there is no prefill estimate.
  d.compute_tflops = 0;
  const SpeedEstimate unknown = estimate_speed(one(d));
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

TEST_CASE("throughput gate: expected decode against measured rows") {
  // THROUGHPUT.md single-device decode, normalised in tests/data/validation/throughput.json.
  const auto records = test::throughput_records();
  std::vector<double> errors;
  std::size_t within = 0;
  bool llama3_on_4090 = false;
  for (const auto& r : records) {
    errors.push_back(std::abs(r.relative_error()));
    within += r.within_tolerance() ? 1U : 0U;
    if (r.row == "xd-l3-RTX4090-x1-8BQ4_K_M-tg512") {
      llama3_on_4090 = true;
      CHECK(r.measured == 130.58);  // XiongjieDai, llama-bench tg512
      CHECK(r.within_tolerance());
    }
  }
  REQUIRE(errors.size() >= 50);
  std::sort(errors.begin(), errors.end());
  const std::size_t n = errors.size();
  const double median = n % 2 == 1 ? errors[n / 2] : (errors[n / 2 - 1] + errors[n / 2]) / 2;
  INFO(n << " rows: median |error| " << median << ", " << within << " within 30%");
  CHECK(llama3_on_4090);
  CHECK(median <= 0.15);
  CHECK(static_cast<double>(within) >= 0.70 * static_cast<double>(n));
}
