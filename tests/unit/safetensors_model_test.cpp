// load_safetensors_model: full-size checkpoints (sparse files) beside their real config.json
// (tests/data/configs); the parameter counts must be the released ones
// (safetensors totals of the Hugging Face checkpoints, tests/data/configs/README.md), worked
// out independently of both readers.
#include <algorithm>
#include <filesystem>
#include <string>

#include "catch.hpp"
#include "run_cli.hpp"
#include "safetensors_models.hpp"
#include "safetensors_writer.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/safetensors.hpp"

using namespace vramcalc;
using vramcalc::test::error_message;

namespace {

bool has_substring(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A fresh folder holding the config `config_name` of tests/data/configs as config.json.
std::string folder_with_config(const std::string& config_name) {
  std::string dir = test::temp_dir();
  std::filesystem::copy_file(test::test_data_dir() + "/configs/" + config_name,
                             dir + "/config.json");
  return dir;
}

const test::LlamaShape k_llama_31_8b = {32, 4096, 32, 8, 128, 14336, 128256, false};

}  // namespace

TEST_CASE("load_safetensors_model: Llama-3.1-8B with config.json beside four shards") {
  // Per layer 218,112,000; embeddings and head 525,336,576 each; final norm 4096.
  const std::string dir = folder_with_config("llama-3.1-8b.json");
  test::write_sharded(dir, test::llama_tensors(k_llama_31_8b, "BF16"), 4);
  for (const std::string& path : {dir, dir + "/model.safetensors.index.json"}) {
    INFO(path);
    const ModelSpec model = load_safetensors_model(path);
    CHECK(model.source == ModelSource::safetensors);
    CHECK(model.hidden == 4096);  // the shape is the config's
    CHECK(model.layers.size() == 32);
    CHECK(model.stored_bytes_exact);
    CHECK(model.total_params == 8'030'261'248ULL);
    CHECK(model.active_params == 8'030'261'248ULL);
    CHECK(model.layers[17].params == 218'112'000ULL);
    CHECK(model.tensors.size() == 291);
    CHECK(model.stored_format == "bf16");
    CHECK(weight_breakdown(model, as_stored_format()).total_bytes == 16'060'522'496ULL);
  }
  // The config reader's own count agrees tensor for tensor.
  CHECK(load_hf_config(dir).total_params == 8'030'261'248ULL);

  // One shard alone is a part of the model: tensor i of 291 goes to shard floor(4i / 291), so
  // shard 1 holds tensors 0-72, the embeddings (0) and layers 0-7 (9 tensors each, 1-72).
  CHECK(error_message([&] { (void)load_safetensors_model(dir + "/model-1-of-4.safetensors"); }) ==
        dir + "/model-1-of-4.safetensors: the checkpoint has no tensors for layer 8 of the "
              "model's 32 (it has tensors for 8 layers)");
}

TEST_CASE("load_safetensors_model: Mixtral-8x7B active parameters from the config's experts") {
  // 2 of 8 experts per token (num_experts_per_tok, num_local_experts): 3/4 of the routed
  // 45,097,156,608 unused -> 46,702,792,704 - 33,822,867,456 = 12,879,925,248 active.
  const std::string dir = folder_with_config("mixtral-8x7b.json");
  test::write_sharded(dir, test::mixtral_8x7b_tensors(), 8);
  const ModelSpec model = load_safetensors_model(dir);
  CHECK(model.total_params == 46'702'792'704ULL);
  CHECK(model.active_params == 12'879'925'248ULL);
  CHECK(model.n_experts == 8);
  CHECK(model.n_experts_used == 2);
}

TEST_CASE("load_safetensors_model: DeepSeek-V3 FP8 with block scales and its MTP layer") {
  // The released count excludes the FP8 scales and the MTP layer 61 (num_nextn_predict_layers
  // 1): 671,026,419,200. Routed experts 58 x 256 x 3 x 7168 x 2048 = 653,908,770,816, of which
  // 248/256 = 633,474,121,728 are unused by a token (8 of 256).
  const std::string dir = folder_with_config("deepseek-v3.json");
  const auto tensors = test::deepseek_v3_fp8_tensors();
  test::write_sharded(dir, tensors, 16);
  const ModelSpec model = load_safetensors_model(dir);
  CHECK(model.total_params == 671'026'419'200ULL);
  CHECK(model.active_params == 671'026'419'200ULL - 633'474'121'728ULL);
  CHECK(model.stored_format == "fp8-e4m3 + bf16");
  CHECK(model.layers.size() == 61);
  CHECK(model.layers[60].params == model.layers[3].params);
  CHECK(std::none_of(model.tensors.begin(), model.tensors.end(),
                     [](const TensorInfo& tensor) { return tensor.layer >= 61; }));
  // The weights are every byte written but the MTP layer's.
  std::uint64_t main_bytes = 0;
  for (const auto& tensor : tensors) {
    if (tensor.name.rfind("model.layers.61.", 0) != 0) {
      main_bytes += test::fixture_bytes(tensor);
    }
  }
  CHECK(weight_breakdown(model, as_stored_format()).total_bytes == main_bytes);
}

TEST_CASE("load_safetensors_model rejects: weights without a config.json") {
  const std::string dir = test::temp_dir();
  test::write_sharded(dir, test::llama_tensors({1, 8, 2, 1, 4, 16, 10, false}, "BF16"), 1);
  CHECK(error_message([&] { (void)load_safetensors_model(dir); }) ==
        "no config.json beside '" + dir + "' (looked in '" + dir +
            "'): the safetensors headers list the weights, but the model's shape (layers, heads, "
            "context) comes from its config.json");
  CHECK(has_substring(error_message([&] { (void)load_safetensors_model(dir + "/nothing"); }),
                      "cannot open '" + dir + "/nothing'"));
}

TEST_CASE("load_safetensors_model rejects: weights of another model than the config's") {
  // Llama-3.1-8B's config.json (32 layers) beside a 33-layer checkpoint.
  test::LlamaShape deeper = k_llama_31_8b;
  deeper.layers = 33;
  const std::string dir = folder_with_config("llama-3.1-8b.json");
  test::write_sharded(dir, test::llama_tensors(deeper, "BF16"), 4);
  CHECK(has_substring(error_message([&] { (void)load_safetensors_model(dir); }),
                      "tensor 'model.layers.32.self_attn.q_proj.weight' (in "
                      "'model-4-of-4.safetensors') belongs to layer 32 but the model has 32 "
                      "layers (0 to 31)"));
}
