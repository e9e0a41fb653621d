// llama-quantize's per-tensor choices, checked tensor for tensor against files llama.cpp itself
// quantized (tests/data/gguf-inventories/: F16 files quantized with llama_model_quantize of
// llama.cpp de3ff815; tests/data/gguf-inventories/README.md).
#include <cmath>
#include <map>

#include "catch.hpp"
#include "gguf_inventory.hpp"
#include "run_cli.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/ggml_types.hpp"
#include "vramcalc/gguf.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/llama_quant.hpp"

using namespace vramcalc;
using namespace vramcalc::test;

namespace {

ModelSpec model_of(const std::string& inventory_file) {
  const Inventory inventory = load_inventory(inventory_dir() + "/" + inventory_file);
  const std::string path = temp_dir() + "/" + inventory.file;
  write_gguf(path, inventory.fixture);
  return load_gguf_model(path);
}

}  // namespace

TEST_CASE("llama-quantize's mix is reproduced tensor for tensor from the F16 files") {
  const std::pair<const char*, const char*> quantized[] = {
      {"llama32_1b", "Q4_K_M"}, {"llama32_1b", "Q6_K"},   {"llama32_1b", "Q8_0"},
      {"llama32_1b", "Q4_0"},   {"llama32_1b", "IQ4_XS"}, {"qwen25_05b", "Q4_K_M"},
      {"qwen25_05b", "Q6_K"},   {"qwen25_05b", "Q8_0"},   {"qwen25_05b", "Q4_0"},
      {"qwen25_05b", "IQ4_XS"}, {"gemma2_2b", "Q4_K_M"},  {"gemma2_2b", "Q8_0"},
      {"phi3_mini", "Q4_K_M"},
  };
  std::map<std::string, ModelSpec> sources;
  for (const auto& [model_name, ftype_name] : quantized) {
    INFO(model_name << " " << ftype_name);
    const std::string base = model_name;
    if (sources.count(base) == 0) {
      sources[base] = model_of(base + ".F16.gguf.json");
    }
    const ModelSpec& f16 = sources[base];
    const ModelSpec real = model_of(base + "." + ftype_name + ".gguf.json");
    const LlamaFileType* ftype = find_llama_file_type(ftype_name);
    REQUIRE(ftype != nullptr);
    const std::vector<std::uint32_t> predicted = llama_quantize_types(f16, *ftype);
    std::map<std::string, std::string> real_types;
    for (const auto& t : real.tensors) {
      real_types[t.name] = t.stored_type;
    }
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < f16.tensors.size(); ++i) {
      const std::string want = real_types[f16.tensors[i].name];
      const std::string got(ggml_type_by_id(predicted[i])->name);
      if (want != got) {
        ++mismatches;
        UNSCOPED_INFO(f16.tensors[i].name << ": predicted " << got << ", file has " << want);
      }
    }
    CHECK(mismatches == 0);
    // And the bytes: the weights of the mix equal the quantized file's tensor bytes.
    CHECK(weight_breakdown(f16, *find_weight_format(ftype_name)).total_bytes ==
          weight_breakdown(real, as_stored_format()).total_bytes);
  }
}

TEST_CASE("q4_k_m on the Llama-3.1-8B config lands within 3% of the real file") {
  // The real Llama-3.1-8B Q4_K_M file: 4,920,739,232 bytes (~4.58 GiB), tensor data included
  // (llama.cpp tools/quantize/README.md reports 4.58 GiB / 4.8944 bpw for this model).
  const ModelSpec model = load_hf_config(test_data_dir() + "/configs/llama-3.1-8b.json");
  const std::uint64_t bytes = weight_breakdown(model, *find_weight_format("q4_k_m")).total_bytes;
  const double error = (static_cast<double>(bytes) - 4'920'739'232.0) / 4'920'739'232.0;
  INFO(bytes);
  CHECK(std::abs(error) < 0.03);
}

TEST_CASE("rows that do not fill 256-blocks fall back as llama-quantize does") {
  // Qwen2.5-0.5B: hidden 896 is not a multiple of 256, so Q4_K tensors with 896-wide rows
  // become Q5_0, Q6_K ones Q8_0; ffn_down rows are 4864 wide (19 blocks) and keep Q6_K.
  const ModelSpec f16 = model_of("qwen25_05b.F16.gguf.json");
  const auto types = llama_quantize_types(f16, *find_llama_file_type("q4_k_m"));
  for (std::size_t i = 0; i < f16.tensors.size(); ++i) {
    const auto& name = f16.tensors[i].name;
    const std::string type(ggml_type_by_id(types[i])->name);
    if (name == "blk.0.attn_q.weight") {
      CHECK(type == "Q5_0");
    } else if (name == "blk.0.attn_v.weight") {
      CHECK(type == "Q8_0");
    } else if (name == "blk.0.ffn_down.weight") {
      CHECK(type == "Q6_K");
    } else if (name == "blk.0.attn_norm.weight") {
      CHECK(type == "F32");
    }
  }
}

TEST_CASE("q4_k_l is the real Q4_K_M file with its token embeddings at Q8_0") {
  // bartowski's _L files: "Uses Q8_0 for embed and output weights" (model cards), i.e.
  // llama-quantize --token-embedding-type q8_0 --output-tensor-type q8_0 over the named mix.
  // Llama-3.2-1B ties its head to the embeddings, so only token_embd changes: 2048 x 128256
  // values at Q8_0 (34 bytes per 32).
  const ModelSpec f16 = model_of("llama32_1b.F16.gguf.json");
  const ModelSpec real = model_of("llama32_1b.Q4_K_M.gguf.json");
  std::uint64_t embeddings_in_file = 0;
  for (const auto& t : real.tensors) {
    if (t.name == "token_embd.weight") {
      embeddings_in_file = t.stored_bytes;
    }
  }
  REQUIRE(embeddings_in_file > 0);
  const std::uint64_t expected = weight_breakdown(real, as_stored_format()).total_bytes -
                                 embeddings_in_file + 2048ULL * 128256 / 32 * 34;
  CHECK(weight_breakdown(f16, *find_weight_format("q4_k_l")).total_bytes == expected);
  const auto types = llama_quantize_types(
      f16, *find_llama_file_type("Q4_K_M"),
      QuantizeChoices{std::nullopt, ggml_type_by_name("Q8_0")->id, ggml_type_by_name("Q8_0")->id});
  for (std::size_t i = 0; i < f16.tensors.size(); ++i) {
    if (f16.tensors[i].name == "token_embd.weight") {
      CHECK(std::string(ggml_type_by_id(types[i])->name) == "Q8_0");
    }
  }
}

TEST_CASE("the _L and _XL files add to their base mix what bartowski's sizes add") {
  // Llama-3.1-8B: token_embd and output are 4096 x 128256 = 2,052,096 blocks of 256 each.
  // Bytes per 256 values: Q2_K 84, Q3_K 110, Q4_K 144, Q5_K 176, Q6_K 210, Q8_0 272.
  // The base mixes give token_embd the base type and output Q6_K, so the _L file adds
  // (272 - base) + (272 - 210) bytes per block.
  const ModelSpec model = load_hf_config(test_data_dir() + "/configs/llama-3.1-8b.json");
  const auto weights = [&](const char* name) {
    return weight_breakdown(model, *find_weight_format(name)).total_bytes;
  };
  constexpr std::uint64_t blocks = 2'052'096;
  struct Row {
    const char* variant;
    const char* base;
    std::uint64_t base_block_bytes;
    double published_base_gb;     // bartowski/Meta-Llama-3.1-8B-Instruct-GGUF file sizes
    double published_variant_gb;
  };
  for (const Row& row : {Row{"q2_k_l", "q2_k", 84, 3.18, 3.69},
                         Row{"q3_k_xl", "q3_k_l", 110, 4.32, 4.78},
                         Row{"q4_k_l", "q4_k_m", 144, 4.92, 5.31},
                         Row{"q5_k_l", "q5_k_m", 176, 5.73, 6.06},
                         Row{"q6_k_l", "q6_k", 210, 6.60, 6.85}}) {
    INFO(row.variant);
    const std::uint64_t added = blocks * ((272 - row.base_block_bytes) + (272 - 210));
    CHECK(weights(row.variant) - weights(row.base) == added);
    // The published sizes, rounded to 10 MB, differ by the same amount.
    CHECK(std::abs((row.published_variant_gb - row.published_base_gb) * 1e9 -
                   static_cast<double>(added)) < 0.011e9);
  }
  // The exact Q4_K_M file (4,920,739,232 bytes) plus those bytes is the 5.31 GB Q4_K_L.
  CHECK(std::llround((4'920'739'232.0 + static_cast<double>(blocks * 190)) / 1e7) == 531);
}

TEST_CASE("unsloth dynamic quants are the documented approximation and say so") {
  const ModelSpec model = load_hf_config(test_data_dir() + "/configs/llama-3.1-8b.json");
  const WeightFormat& ud = *find_weight_format("UD-Q4_K_XL");
  CHECK(ud.name == "ud-q4_k_xl");
  CHECK(ud.approximate);
  CHECK(weight_breakdown(model, ud).total_bytes ==
        weight_breakdown(model, *find_weight_format("q4_k_l")).total_bytes);
  CHECK(weight_breakdown(model, *find_weight_format("ud-iq2_xxs")).total_bytes ==
        weight_breakdown(model, *find_weight_format("iq2_xxs")).total_bytes);
  const MemoryEstimate e = estimate(model, ud, Workload{}, EstimateOptions{});
  CHECK(e.weights.provenance == Provenance::heuristic);
  CHECK(e.weights.high_bytes > e.weights.bytes);
}
