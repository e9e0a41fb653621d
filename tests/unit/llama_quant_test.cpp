// llama-quantize's per-tensor choices, checked tensor for tensor against files llama.cpp itself
// quantized (shared/validation/gguf-inventories/: F16 files quantized with
// llama_model_quantize, LLAMACPP.md "Small models: real quant mixes").
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
