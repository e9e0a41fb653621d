// The memory model: weights, KV cache, activations, overhead, against hand-worked figures.
#include "catch.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/params_model.hpp"

using namespace vramcalc;

namespace {
const WeightFormat& fmt_named(const char* name) {
  return *find_weight_format(name);
}
MemoryEstimate estimate_params(std::uint64_t params, const char* dtype, Workload workload = {}) {
  return estimate(model_from_params(params, {}), fmt_named(dtype), workload, {});
}
}  // namespace

TEST_CASE("weights reproduce the seed's table exactly") {
  // 0.5B -> 2/1/0.5/0.25 GB, 7B -> 28/14/7/3.5 GB, 70B -> 280/140/70/35 GB.
  struct Row {
    std::uint64_t params;
    std::uint64_t fp32, fp16, int8, int4;
  };
  const Row rows[] = {
      {500'000'000ULL, 2'000'000'000ULL, 1'000'000'000ULL, 500'000'000ULL, 250'000'000ULL},
      {7'000'000'000ULL, 28'000'000'000ULL, 14'000'000'000ULL, 7'000'000'000ULL, 3'500'000'000ULL},
      {70'000'000'000ULL, 280'000'000'000ULL, 140'000'000'000ULL, 70'000'000'000ULL,
       35'000'000'000ULL},
  };
  for (const Row& row : rows) {
    INFO(row.params);
    CHECK(estimate_params(row.params, "fp32").weights.bytes == row.fp32);
    CHECK(estimate_params(row.params, "fp16").weights.bytes == row.fp16);
    CHECK(estimate_params(row.params, "int8").weights.bytes == row.int8);
    CHECK(estimate_params(row.params, "int4").weights.bytes == row.int4);
  }
}

TEST_CASE("weight parts add up to the total") {
  for (const char* dtype : {"fp32", "fp16", "int8", "int4"}) {
    for (std::uint64_t params : {125'000ULL, 7'000'000'001ULL, 405'000'000'000ULL}) {
      const MemoryEstimate e = estimate_params(params, dtype);
      std::uint64_t sum = e.embedding_weight_bytes + e.head_weight_bytes;
      for (const auto& layer : e.layers) {
        sum += layer.weight_bytes;
      }
      INFO(dtype << " " << params);
      CHECK(sum == e.weights.bytes);
    }
  }
}

TEST_CASE("a breakdown handed in is used as given and one of another shape is not") {
  // A planner hands its plans one weight_breakdown (EstimateOptions::weights): the estimate
  // takes its bytes rather than working them out again; a breakdown whose layers do not match
  // the model is ignored.
  const ModelSpec model = model_from_params(7'000'000'000ULL, {});
  const WeightFormat& fp16 = fmt_named("fp16");
  WeightBreakdown given = weight_breakdown(model, fp16);
  REQUIRE(given.layer_bytes.size() == model.layers.size());
  given.embedding_bytes += 1000;  // marked, so its use shows
  given.total_bytes += 1000;
  EstimateOptions options;
  options.weights = &given;
  const MemoryEstimate with = estimate(model, fp16, {}, options);
  const MemoryEstimate without = estimate(model, fp16, {}, {});
  CHECK(with.embedding_weight_bytes == without.embedding_weight_bytes + 1000);
  CHECK(with.weights.bytes == without.weights.bytes + 1000);

  WeightBreakdown other_shape = given;
  other_shape.layer_bytes.pop_back();
  options.weights = &other_shape;
  CHECK(estimate(model, fp16, {}, options).weights.bytes == without.weights.bytes);
}

TEST_CASE("KV cache is 2 x layers x kv_heads x head_dim x context x batch x bytes") {
  // 7B takes Llama-3.1-8B's shape: 32 layers, 8 kv heads, head dim 128.
  // 2 * 32 * 8 * 128 * 4096 * 1 * 2 = 536,870,912 bytes (512 MiB).
  CHECK(estimate_params(7'000'000'000ULL, "fp16").kv_cache.bytes == 536'870'912ULL);
  // Batch 4 and 32k context: 2 * 32 * 8 * 128 * 32768 * 4 * 2 = 17,179,869,184.
  Workload big;
  big.context = 32768;
  big.batch = 4;
  CHECK(estimate_params(7'000'000'000ULL, "fp16", big).kv_cache.bytes == 17'179'869'184ULL);
  // 70B takes Llama-3.1-70B's: 80 layers -> 2 * 80 * 8 * 128 * 4096 * 2 = 1,342,177,280.
  CHECK(estimate_params(70'000'000'000ULL, "fp16").kv_cache.bytes == 1'342'177'280ULL);
}

TEST_CASE("a q8_0 KV cache costs 34 bytes per 32 elements") {
  // Llama-3-8B shape at 8192 tokens: 32 layers x 2 x 1088 bytes x 8192 = 544 MiB, as the
  // llama.cpp log of row llamacpp-llama3-8b-q4km-8192-q8kv in
  // tests/data/validation/published.json shows.
  Workload w;
  w.context = 8192;
  w.kv_key = *find_kv_type("q8_0");
  w.kv_value = *find_kv_type("q8_0");
  CHECK(estimate_params(8'000'000'000ULL, "fp16", w).kv_cache.bytes == 544ULL * 1024 * 1024);
}

TEST_CASE("layer KV follows the attention kind") {
  Workload w;
  w.context = 32768;
  w.batch = 2;
  LayerSpec full;
  full.n_head = 16;
  full.n_kv_head = 8;
  full.head_dim_k = full.head_dim_v = 256;
  // 32768 * 2 seqs * 2 * 8 * 256 * 2 bytes
  CHECK(layer_kv_bytes(full, w) == 32768ULL * 2 * 2 * 8 * 256 * 2);
  LayerSpec window = full;
  window.attention = AttentionKind::sliding_window;
  window.sliding_window = 4096;
  CHECK(layer_kv_bytes(window, w) == 4096ULL * 2 * 2 * 8 * 256 * 2);
  LayerSpec latent;
  latent.attention = AttentionKind::latent;
  latent.n_head = 128;
  latent.latent_dim = 576;  // kv_lora_rank 512 + rope 64
  CHECK(layer_kv_bytes(latent, w) == 32768ULL * 2 * 576 * 2);
  LayerSpec recurrent;
  recurrent.attention = AttentionKind::none;
  recurrent.recurrent_state_bytes = 1'000'000;
  CHECK(layer_kv_bytes(recurrent, w) == 2'000'000);
}

TEST_CASE("activations: the larger phase per token and times tokens and plus last-position logits") {
  // Llama-3.1-8B shape at 4096 tokens: MLP phase 2*4096 + 4*14336 = 65,536 elements > attention
  // phase 2*4096 + 32*256 + 8*256 = 18,432; 65,536 * 2 bytes * 4096 = 536,870,912; plus fp32
  // logits 128,256 * 4 = 513,024.
  CHECK(estimate_params(7'000'000'000ULL, "fp16").activations.bytes == 537'383'936ULL);
  Workload w;
  w.batch = 3;
  w.context = 1000;
  // 3000 tokens * 131,072 bytes + 3 * 513,024
  CHECK(estimate_params(7'000'000'000ULL, "fp16", w).activations.bytes ==
        3000ULL * 131'072 + 3 * 513'024ULL);
}

TEST_CASE("overhead is the measured constant unless overridden") {
  const ModelSpec model = model_from_params(7'000'000'000ULL, {});
  const Workload w;
  CHECK(estimate(model, fmt_named("fp16"), w, {}).overhead.bytes == vramcalc::k_runtime_overhead_bytes);
  CHECK(estimate(model, fmt_named("fp16"), w, {}).overhead.provenance == Provenance::calibrated);
  EstimateOptions options;
  options.overhead_bytes = 500ULL * 1024 * 1024;
  const MemoryEstimate e = estimate(model, fmt_named("fp16"), w, options);
  CHECK(e.overhead.bytes == 500ULL * 1024 * 1024);
  CHECK(e.total_bytes == e.weights.bytes + e.kv_cache.bytes + e.activations.bytes +
                             e.overhead.bytes);
}

TEST_CASE("figures that would overflow 64 bits are errors and not wrap-arounds") {
  ModelSpec model = model_from_params(1'000'000'000'000'000ULL, {});
  Workload w;
  w.context = k_max_context_tokens;
  w.batch = k_max_batch;
  CHECK_THROWS(estimate(model, fmt_named("fp32"), w, {}));
}
