// The CPU table (src/cpu.cpp): datasheet bandwidth = channels x MT/s x 8 B, forgiving names;
// and Ollama's unified cache over parallel sequences (src/engines/ollama.cpp).
#include "catch.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/cpu.hpp"
#include "vramcalc/estimate.hpp"

using namespace vramcalc;

TEST_CASE("cpu table: bandwidth is channels x transfer rate x 8 bytes") {
  const CpuSpec* genoa = find_cpu("amd-epyc-9654");
  REQUIRE(genoa != nullptr);
  // 12 channels of DDR5-4800: 12 x 4800e6 x 8 B = 460.8 GB/s.
  CHECK(genoa->bandwidth_gb_s == Approx(460.8));
  CHECK(genoa->cores == 96);
  const CpuSpec* raptor = find_cpu("13900k");
  REQUIRE(raptor != nullptr);
  CHECK(raptor->id == "intel-core-i9-13900k");
  // Two channels of DDR5-5600: 89.6 GB/s.
  CHECK(raptor->bandwidth_gb_s == Approx(89.6));
  // Apple M2 Ultra: 1024-bit LPDDR5-6400, 819.2 GB/s (Apple quotes 800).
  CHECK(find_cpu("M2 Ultra")->bandwidth_gb_s == Approx(819.2));
}

TEST_CASE("cpu table: names are forgiving and an unknown or ambiguous name finds nothing") {
  CHECK(find_cpu("EPYC 9654") == find_cpu("amd-epyc-9654"));
  CHECK(find_cpu("Threadripper 3970X") == find_cpu("amd-threadripper-3970x"));
  CHECK(find_cpu("epyc-9999") == nullptr);
  CHECK(find_cpu("") == nullptr);
  CHECK(cpu_names().size() == cpu_table().size());
}

TEST_CASE("cpu defaults: dual-channel DDR5-3200 unless named or a bandwidth given") {
  CHECK(default_cpu().bandwidth_gb_s == Approx(51.2));
  const CpuSpec custom = custom_cpu(123.4);
  CHECK(custom.id == "custom");
  CHECK(custom.bandwidth_gb_s == 123.4);
}

TEST_CASE("ollama keeps one cache for its parallel sequences") {
  // Ollama's kvcache masks the sequences in one cache: its graph attends over all
  // num_ctx x num_parallel cells, as llama.cpp with --kv-unified (the Phi-2 -np 4 log of
  // tests/data/validation/published.json: 563 MiB of compute buffer).
  const ModelSpec model = catalog_model("llama-3.1-8b");
  Workload w;
  w.context = 2048;
  w.batch = 4;
  EstimateOptions ollama;
  ollama.engine.kind = EngineKind::ollama;
  ollama.engine.flash_attn = FlashAttention::off;
  EstimateOptions split = ollama;
  split.engine.kind = EngineKind::llama_cpp;
  EstimateOptions unified = split;
  unified.engine.kv_unified = true;
  const WeightFormat& format = *find_weight_format("q4_k_m");
  const MemoryEstimate o = estimate(model, format, w, ollama);
  const MemoryEstimate s = estimate(model, format, w, split);
  const MemoryEstimate u = estimate(model, format, w, unified);
  // The same cells either way; the attention of the unified graph spans 4 x 2048 cells.
  CHECK(o.kv_cache.bytes == s.kv_cache.bytes);
  CHECK(o.activations.bytes > s.activations.bytes);
  // Ollama reserves one output per sequence, llama.cpp a whole micro-batch: the attention
  // term decides both here, so they agree with the unified llama.cpp graph.
  CHECK(o.activations.bytes == u.activations.bytes);
}
