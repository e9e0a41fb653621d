// The model description built from GGUF headers: every inventory of a real file measured with
// llama.cpp (tests/data/gguf-inventories) rebuilt as a sparse GGUF must give llama.cpp's exact
// weight bytes, parameter count and KV-cache bytes; synthetic files pin each family's layer
// rules; malformed metadata is rejected naming the key.
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "gguf/gguf_model_parts.hpp"
#include "gguf/gguf_parser.hpp"
#include "gguf_inventory.hpp"
#include "gguf_writer.hpp"
#include "io/byte_source.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gguf.hpp"

using namespace vramcalc;
using namespace vramcalc::test;

namespace {

const nlohmann::json& measured() {
  static const nlohmann::json doc = [] {
    std::ifstream in(inventory_dir() + "/llamacpp_measured_extract.json");
    return nlohmann::json::parse(in);
  }();
  return doc;
}

// Rebuilds inventory `file` (e.g. "gemma2_2b.F16.gguf") as a sparse GGUF and loads it.
ModelSpec inventory_model(const std::string& file) {
  static std::map<std::string, ModelSpec> cache;
  if (const auto it = cache.find(file); it != cache.end()) {
    return it->second;
  }
  const Inventory inventory = load_inventory(inventory_dir() + "/" + file + ".json");
  const TempDir dir;
  const std::string path = dir.file(file);
  write_gguf(path, inventory.fixture);
  return cache.emplace(file, load_gguf_model(path)).first->second;
}

ModelSpec model_of(const GgufFixture& fixture) {
  const std::string bytes = gguf_file_bytes(fixture);
  return gguf_model(gguf::parse_header(*io::memory_source(bytes, "test.gguf")));
}

std::string model_error(const GgufFixture& fixture) {
  try {
    (void)model_of(fixture);
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::file);
    return error.what();
  }
  return "(accepted)";
}

// KV bytes of one token in every layer with `context` 1 (f16 keys and values).
std::uint64_t kv_per_token(const ModelSpec& model) {
  Workload one;
  one.context = 1;
  std::uint64_t bytes = 0;
  for (const LayerSpec& layer : model.layers) {
    bytes += layer_kv_bytes(layer, one);
  }
  return bytes;
}

std::uint64_t stored_bytes(const ModelSpec& model) {
  std::uint64_t bytes = 0;
  for (const TensorInfo& tensor : model.tensors) {
    bytes += tensor.stored_bytes;
  }
  return bytes;
}

std::size_t count_kind(const ModelSpec& model, AttentionKind kind) {
  std::size_t count = 0;
  for (const LayerSpec& layer : model.layers) {
    count += layer.attention == kind ? 1 : 0;
  }
  return count;
}

const TensorInfo& tensor_named(const ModelSpec& model, std::string_view name) {
  for (const TensorInfo& tensor : model.tensors) {
    if (tensor.name == name) {
      return tensor;
    }
  }
  FAIL("no tensor " << name);
  throw std::logic_error("unreachable");
}

// small_model with extra metadata.
GgufFixture with(GgufFixture fixture, std::vector<FixtureKv> extra) {
  for (FixtureKv& kv : extra) {
    fixture.metadata.push_back(std::move(kv));
  }
  return fixture;
}

// Replaces (or adds) the metadata pair `kv.key`.
GgufFixture replacing(GgufFixture fixture, FixtureKv kv) {
  for (FixtureKv& existing : fixture.metadata) {
    if (existing.key == kv.key) {
      existing = std::move(kv);
      return fixture;
    }
  }
  fixture.metadata.push_back(std::move(kv));
  return fixture;
}

GgufFixture without(GgufFixture fixture, std::string_view key) {
  std::erase_if(fixture.metadata, [&](const FixtureKv& kv) { return kv.key == key; });
  return fixture;
}

}  // namespace

TEST_CASE("every GGUF inventory gives llama.cpp's exact weight bytes and parameter count") {
  const auto paths = inventory_paths();
  REQUIRE(paths.size() == 20);
  for (const std::string& json_path : paths) {
    const Inventory inventory = load_inventory(json_path);
    INFO(inventory.file);
    const nlohmann::json& facts = measured().at(inventory.file);
    const ModelSpec model = inventory_model(inventory.file);
    // The inventory's own sum of tensor sizes, and llama.cpp's llama_model_size: the same.
    CHECK(stored_bytes(model) == inventory.tensor_bytes);
    CHECK(stored_bytes(model) == facts.at("llama_model_size_bytes").get<std::uint64_t>());
    CHECK(weight_breakdown(model, as_stored_format()).total_bytes == inventory.tensor_bytes);
    // llama_model_n_params.
    CHECK(model.total_params == facts.at("n_params").get<std::uint64_t>());
    std::uint64_t parts = model.embedding_params + model.head_params;
    for (const LayerSpec& layer : model.layers) {
      parts += layer.params;
    }
    CHECK(parts == model.total_params);
    const nlohmann::json& arch = facts.at("arch_facts");
    CHECK(model.architecture == arch.at("arch").get<std::string>());
    CHECK(model.layers.size() == arch.at("n_layer").get<std::size_t>());
    CHECK(model.hidden == arch.at("n_embd").get<std::uint32_t>());
    CHECK(model.vocab == arch.at("n_vocab").get<std::uint32_t>());
    CHECK(model.max_context == arch.at("n_ctx_train").get<std::uint64_t>());
    CHECK(model.tied_embeddings == arch.at("tied_embeddings").get<bool>());
    CHECK(model.source == ModelSource::gguf);
    CHECK(model.stored_bytes_exact);
    CHECK(model.tensors.size() == inventory.fixture.tensors.size());
  }
}

TEST_CASE("GGUF inventories give the KV-cache bytes llama.cpp measured") {
  // Each record lists the caches llama.cpp made: one of n_ctx cells for all layers, or for
  // Gemma-2 a full cache and a sliding-window cache (cells padded past the window). Per layer
  // and token the bytes are layer_kv_bytes at context 1.
  std::size_t records = 0;
  for (const auto& [file, facts] : measured().items()) {
    INFO(file);
    const ModelSpec model = inventory_model(file);
    Workload one;
    one.context = 1;
    std::uint64_t full = 0;
    std::uint64_t sliding = 0;
    for (const LayerSpec& layer : model.layers) {
      (layer.attention == AttentionKind::sliding_window ? sliding : full) +=
          layer_kv_bytes(layer, one);
    }
    for (const nlohmann::json& record : facts.at("kv_f16_single_sequence")) {
      INFO(record.at("id").get<std::string>());
      const nlohmann::json& caches = record.at("caches");
      std::uint64_t predicted = full * caches.at(0).at("cells").get<std::uint64_t>();
      if (caches.size() == 2) {
        CHECK(count_kind(model, AttentionKind::sliding_window) ==
              caches.at(1).at("layers").get<std::size_t>());
        predicted += sliding * caches.at(1).at("cells").get<std::uint64_t>();
      } else {
        CHECK(sliding == 0);
      }
      CHECK(predicted == record.at("kv_bytes").get<std::uint64_t>());
      ++records;
    }
  }
  CHECK(records == 53);
}

TEST_CASE("KV bytes per token of GGUF inventories and worked by hand") {
  // layers x kv heads x head dim x 2 (K and V) x 2 bytes (f16).
  CHECK(kv_per_token(inventory_model("llama32_1b.Q4_K_M.gguf")) == 16 * 8 * 64 * 2 * 2);
  CHECK(kv_per_token(inventory_model("qwen25_05b.Q8_0.gguf")) == 24 * 2 * 64 * 2 * 2);
  CHECK(kv_per_token(inventory_model("phi3_mini.F16.gguf")) == 32 * 32 * 96 * 2 * 2);
  CHECK(kv_per_token(inventory_model("olmoe_1b_7b.Q4_K.gguf")) == 16 * 16 * 128 * 2 * 2);
  CHECK(kv_per_token(inventory_model("gemma2_2b.F16.gguf")) == 26 * 4 * 256 * 2 * 2);
  // MLA: one latent of 512 + 64 elements per layer, keys only.
  CHECK(kv_per_token(inventory_model("deepseek_v2_lite.Q8_0.gguf")) == 27 * 576 * 2);
  // Gemma-2 at 8192 tokens: 13 full layers keep 8192, 13 sliding layers 4096.
  Workload workload;
  workload.context = 8192;
  std::uint64_t bytes = 0;
  for (const LayerSpec& layer : inventory_model("gemma2_2b.Q8_0.gguf").layers) {
    bytes += layer_kv_bytes(layer, workload);
  }
  CHECK(bytes == 13ULL * 8192 * 4096 + 13ULL * 4096 * 4096);
}

TEST_CASE("Gemma-2 GGUF: even layers slide over 4096 tokens and odd layers are full") {
  const ModelSpec model = inventory_model("gemma2_2b.Q4_K_M.gguf");
  REQUIRE(model.layers.size() == 26);
  for (std::size_t i = 0; i < 26; ++i) {
    INFO("layer " << i);
    const LayerSpec& layer = model.layers[i];
    CHECK(layer.attention == (i % 2 == 0 ? AttentionKind::sliding_window : AttentionKind::full));
    CHECK(layer.sliding_window == (i % 2 == 0 ? 4096U : 0U));
    CHECK(layer.n_head == 8);
    CHECK(layer.n_kv_head == 4);
    CHECK(layer.head_dim_k == 256);
    CHECK(layer.head_dim_v == 256);
    CHECK(layer.ffn_dim == 9216);
    CHECK_FALSE(layer.moe);
  }
  CHECK(model.tied_embeddings);
  CHECK(model.head_params == 2304);  // only the final norm: the head is tied
  CHECK(model.embedding_params == 2304ULL * 256000);
  CHECK(model.stored_format == "Q4_K_M");
  CHECK(model.name == "gemma2_2b.F16.gguf");  // general.name as the writer set it
}

TEST_CASE("DeepSeek-V2-Lite GGUF: MLA latent of 576 and MoE after one dense layer") {
  const ModelSpec model = inventory_model("deepseek_v2_lite.Q8_0.gguf");
  REQUIRE(model.layers.size() == 27);
  for (std::size_t i = 0; i < 27; ++i) {
    INFO("layer " << i);
    const LayerSpec& layer = model.layers[i];
    CHECK(layer.attention == AttentionKind::latent);
    CHECK(layer.latent_dim == 512 + 64);
    CHECK(layer.n_head == 16);
    CHECK(layer.n_kv_head == 16);
    CHECK(layer.head_dim_k == 192);  // 128 nope + 64 rope
    CHECK(layer.head_dim_v == 128);
    CHECK(layer.moe == (i > 0));
    // Dense: 10944. MoE: 6 routed experts of 1408 + the shared experts' 2816.
    CHECK(layer.ffn_dim == (i == 0 ? 10944U : 6U * 1408 + 2816));
  }
  // Routed experts: 26 layers x 3 x 2048 x 1408 x 64 = 14,394,851,328 elements, 58/64 idle.
  CHECK(model.active_params == 15'706'484'224ULL - 14'394'851'328ULL / 64 * 58);
  CHECK(model.stored_format == "Q8_0");
  CHECK_FALSE(model.tied_embeddings);
}

TEST_CASE("OLMoE GGUF: every layer is MoE with 8 of 64 experts active") {
  const ModelSpec model = inventory_model("olmoe_1b_7b.Q8_0.gguf");
  for (const LayerSpec& layer : model.layers) {
    CHECK(layer.moe);
    CHECK(layer.attention == AttentionKind::full);
    CHECK(layer.ffn_dim == 8 * 1024);
  }
  // Routed experts: 16 x 3 x 2048 x 1024 x 64 = 6,442,450,944 elements, 56/64 idle.
  CHECK(model.active_params == 6'919'161'856ULL - 6'442'450'944ULL / 64 * 56);
  CHECK(model.total_params == 6'919'161'856ULL);
}

TEST_CASE("Phi-3 GGUF: sliding_window is ignored and every layer is full") {
  const ModelSpec model = inventory_model("phi3_mini.Q4_K_M.gguf");
  CHECK(count_kind(model, AttentionKind::full) == 32);
  CHECK(model.layers[0].ffn_dim == 8192);
  CHECK(tensor_named(model, "blk.0.attn_qkv.weight").role == TensorRole::attn_qkv);
}

TEST_CASE("GGUF tensors get roles and layers and stored types from their names") {
  const ModelSpec llama = inventory_model("llama32_1b.Q4_K_M.gguf");
  const TensorInfo& rope = tensor_named(llama, "rope_freqs.weight");
  CHECK(rope.role == TensorRole::other);
  CHECK(rope.layer == -1);
  CHECK(rope.elements == 32);
  CHECK(llama.head_params == 2048 + 32);  // final norm and rope_freqs; the head is tied
  const TensorInfo& v = tensor_named(llama, "blk.15.attn_v.weight");
  CHECK(v.role == TensorRole::attn_v);
  CHECK(v.layer == 15);
  CHECK(v.stored_type == "Q6_K");
  CHECK(v.stored_bytes == 2048 / 256 * 210 * 512);
  CHECK(v.shape == std::vector<std::uint64_t>{2048, 512});
  CHECK(tensor_named(llama, "token_embd.weight").role == TensorRole::token_embd);
  CHECK(tensor_named(llama, "blk.0.ffn_norm.weight").role == TensorRole::norm);
  CHECK(tensor_named(llama, "blk.0.ffn_down.weight").role == TensorRole::ffn_down);
  CHECK(tensor_named(llama, "output_norm.weight").role == TensorRole::norm);

  const ModelSpec qwen = inventory_model("qwen25_05b.Q8_0.gguf");
  CHECK(tensor_named(qwen, "blk.0.attn_q.bias").role == TensorRole::bias);
  CHECK(qwen.tied_embeddings);
  CHECK(tensor_named(inventory_model("olmoe_1b_7b.Q8_0.gguf"), "output.weight").role ==
        TensorRole::output);

  const ModelSpec deepseek = inventory_model("deepseek_v2_lite.Q8_0.gguf");
  CHECK(tensor_named(deepseek, "blk.1.attn_kv_a_mqa.weight").role == TensorRole::attn_kv_a);
  CHECK(tensor_named(deepseek, "blk.1.attn_k_b.weight").role == TensorRole::attn_kv_b);
  CHECK(tensor_named(deepseek, "blk.1.attn_v_b.weight").role == TensorRole::attn_kv_b);
  CHECK(tensor_named(deepseek, "blk.1.attn_kv_a_norm.weight").role == TensorRole::norm);
  CHECK(tensor_named(deepseek, "blk.1.ffn_gate_inp.weight").role == TensorRole::ffn_gate_inp);
  CHECK(tensor_named(deepseek, "blk.1.ffn_up_exps.weight").role == TensorRole::ffn_up_exps);
  CHECK(tensor_named(deepseek, "blk.1.ffn_down_shexp.weight").role == TensorRole::ffn_down_shexp);
}

TEST_CASE("GGUF tensor names classify by llama.cpp's naming") {
  using gguf::classify_tensor;
  CHECK(classify_tensor("blk.12.ffn_up.3.weight").role == TensorRole::ffn_up_exps);  // 2023 Mixtral
  CHECK(classify_tensor("blk.12.ffn_up.3.weight").expert);
  CHECK(classify_tensor("blk.12.ffn_up.3.weight").layer == 12);
  CHECK(classify_tensor("blk.0.ffn_gate_up_exps.weight").role == TensorRole::ffn_up_exps);
  CHECK(classify_tensor("blk.0.ffn_up_exps.bias").role == TensorRole::bias);
  CHECK(classify_tensor("blk.0.ffn_up_exps.bias").expert);
  CHECK(classify_tensor("blk.3.ssm_conv1d.weight").role == TensorRole::ssm);
  CHECK(classify_tensor("blk.3.ssm_norm.weight").role == TensorRole::ssm);
  CHECK(classify_tensor("blk.3.shortconv.conv.weight").role == TensorRole::ssm);
  CHECK(classify_tensor("blk.3.attn_norm.bias").role == TensorRole::norm);
  CHECK(classify_tensor("position_embd.weight").role == TensorRole::pos_embd);
  CHECK(classify_tensor("blk.x.attn_q.weight").layer == -1);
  CHECK(classify_tensor("blk.9999999999.attn_q.weight").layer == -1);
  CHECK(classify_tensor("blk.7").layer == -1);
  CHECK(classify_tensor("blk..attn_q.weight").layer == -1);
  CHECK(classify_tensor("").role == TensorRole::other);
}

TEST_CASE("llama.cpp file types are named like llama-quantize names them") {
  CHECK(llama_ftype_name(15) == "Q4_K_M");
  CHECK(llama_ftype_name(1) == "F16");
  CHECK(llama_ftype_name(0) == "F32");
  CHECK(llama_ftype_name(7) == "Q8_0");
  CHECK(llama_ftype_name(30) == "IQ4_XS");
  CHECK(llama_ftype_name(32) == "BF16");
  CHECK(llama_ftype_name(38) == "MXFP4_MOE");
  CHECK(llama_ftype_name(4) == "file type 4");  // removed
  CHECK(llama_ftype_name(99) == "file type 99");
}

TEST_CASE("a GGUF without general.file_type is labelled by its dominant tensor type") {
  const ModelSpec model =
      model_of(without(small_model("llama", 2, 64, k_ggml_q8_0), "general.file_type"));
  CHECK(model.stored_format == "Q8_0");
}

TEST_CASE("Gemma 3 GGUF: five local layers to one global") {
  const ModelSpec model =
      model_of(with(small_model("gemma3", 12), {kv_u32("gemma3.attention.sliding_window", 512)}));
  for (std::size_t i = 0; i < 12; ++i) {
    INFO("layer " << i);
    const bool global = i == 5 || i == 11;
    CHECK(model.layers[i].attention ==
          (global ? AttentionKind::full : AttentionKind::sliding_window));
    CHECK(model.layers[i].sliding_window == (global ? 0U : 512U));
  }
  CHECK(model_error(small_model("gemma3", 2)) ==
        "test.gguf: metadata 'gemma3.attention.sliding_window' is missing");
}

TEST_CASE("Cohere2 and gpt-oss GGUF slide on all but every 4th and every 2nd layer") {
  const ModelSpec cohere =
      model_of(with(small_model("cohere2", 8), {kv_u32("cohere2.attention.sliding_window", 4096)}));
  CHECK(count_kind(cohere, AttentionKind::full) == 2);
  CHECK(cohere.layers[3].attention == AttentionKind::full);
  CHECK(cohere.layers[7].attention == AttentionKind::full);
  CHECK(cohere.layers[4].sliding_window == 4096);
  const ModelSpec oss =
      model_of(with(small_model("gpt-oss", 4), {kv_u32("gpt-oss.attention.sliding_window", 128)}));
  CHECK(oss.layers[0].attention == AttentionKind::sliding_window);
  CHECK(oss.layers[1].attention == AttentionKind::full);
  CHECK(oss.layers[2].sliding_window == 128);
}

TEST_CASE("Llama 4 GGUF: 8192-token chunks on 3 of 4 layers unless the window is 0") {
  const ModelSpec chunked =
      model_of(with(small_model("llama4", 4), {kv_u32("llama4.attention.sliding_window", 4096)}));
  CHECK(chunked.layers[0].sliding_window == 8192);  // llama.cpp overrides the key's value
  CHECK(chunked.layers[3].attention == AttentionKind::full);
  CHECK(count_kind(model_of(small_model("llama4", 4)), AttentionKind::sliding_window) == 3);
  CHECK(count_kind(model_of(with(small_model("llama4", 4),
                                 {kv_u32("llama4.attention.sliding_window", 0)})),
                   AttentionKind::full) == 4);
}

TEST_CASE("OLMo 2 and SmallThinker and EXAONE 4 GGUF slide only when configured to") {
  CHECK(count_kind(model_of(small_model("olmo2", 4)), AttentionKind::full) == 4);
  const ModelSpec olmo =
      model_of(with(small_model("olmo2", 4), {kv_u32("olmo2.attention.sliding_window", 4096)}));
  CHECK(count_kind(olmo, AttentionKind::sliding_window) == 3);
  // SmallThinker: dense first (layers 0 and 4 full), window forced to 4096.
  const ModelSpec thinker = model_of(with(small_model("smallthinker", 8),
                                          {kv_u32("smallthinker.attention.sliding_window", 2048)}));
  CHECK(thinker.layers[0].attention == AttentionKind::full);
  CHECK(thinker.layers[4].attention == AttentionKind::full);
  CHECK(thinker.layers[1].sliding_window == 4096);
  CHECK(count_kind(thinker, AttentionKind::sliding_window) == 6);
  // EXAONE 4: only the 64-layer (32B) model slides.
  CHECK(count_kind(model_of(with(small_model("exaone4", 4),
                                 {kv_u32("exaone4.attention.sliding_window", 4096)})),
                   AttentionKind::full) == 4);
  const ModelSpec exaone = model_of(small_model("exaone4", 64, 32));
  CHECK(count_kind(exaone, AttentionKind::sliding_window) == 48);
  CHECK(exaone.layers[0].sliding_window == 4096);
}

TEST_CASE("a sliding_window_pattern key sets which GGUF layers slide") {
  const ModelSpec per_layer = model_of(
      with(small_model("mimo2", 4),
           {kv_u32("mimo2.attention.sliding_window", 1024),
            kv_bool_array("mimo2.attention.sliding_window_pattern", {true, false, false, true})}));
  CHECK(per_layer.layers[0].attention == AttentionKind::sliding_window);
  CHECK(per_layer.layers[1].attention == AttentionKind::full);
  CHECK(per_layer.layers[3].sliding_window == 1024);
  const ModelSpec period = model_of(
      with(small_model("newarch", 6), {kv_u32("newarch.attention.sliding_window", 64),
                                       kv_u32("newarch.attention.sliding_window_pattern", 3)}));
  CHECK(count_kind(period, AttentionKind::full) == 2);  // layers 2 and 5
  CHECK(period.layers[2].attention == AttentionKind::full);
  // Without a family rule or a pattern key, a window alone changes nothing (llama.cpp's
  // llama/qwen2 loaders do not read it).
  CHECK(count_kind(model_of(with(small_model("qwen2", 2),
                                 {kv_u32("qwen2.attention.sliding_window", 4096)})),
                   AttentionKind::full) == 2);
}

TEST_CASE("GGUF key_length_swa sets the head size of sliding layers") {
  const ModelSpec model =
      model_of(with(small_model("gemma2", 2), {kv_u32("gemma2.attention.key_length", 64),
                                               kv_u32("gemma2.attention.value_length", 64),
                                               kv_u32("gemma2.attention.key_length_swa", 32),
                                               kv_u32("gemma2.attention.value_length_swa", 16)}));
  CHECK(model.layers[0].head_dim_k == 32);
  CHECK(model.layers[0].head_dim_v == 16);
  CHECK(model.layers[1].head_dim_k == 64);
}

TEST_CASE("per-layer GGUF head counts and widths are read from arrays") {
  const ModelSpec model = model_of(replacing(
      replacing(small_model("deci", 3), kv_u32_array("deci.attention.head_count_kv", {2, 4, 1})),
      kv_u32_array("deci.feed_forward_length", {128, 256, 64})));
  CHECK(model.layers[0].n_kv_head == 2);
  CHECK(model.layers[1].n_kv_head == 4);
  CHECK(model.layers[2].n_kv_head == 1);
  CHECK(model.layers[1].ffn_dim == 256);
  CHECK(model.layers[2].ffn_dim == 64);
  // Head size defaults to embedding_length / head_count of layer 0: 64 / 4.
  CHECK(model.layers[2].head_dim_k == 16);
}

TEST_CASE("Mamba GGUF layers hold recurrent state and not KV") {
  // (d_conv - 1) x d_inner + d_state x d_inner f32 values: (3 + 16) x 128 x 4 bytes.
  GgufFixture mamba = without(without(small_model("mamba", 2), "mamba.attention.head_count"),
                              "mamba.attention.head_count_kv");
  mamba = with(mamba, {kv_u32("mamba.ssm.conv_kernel", 4), kv_u32("mamba.ssm.inner_size", 128),
                       kv_u32("mamba.ssm.state_size", 16), kv_u32("mamba.ssm.time_step_rank", 4)});
  const ModelSpec model = model_of(mamba);
  for (const LayerSpec& layer : model.layers) {
    CHECK(layer.attention == AttentionKind::none);
    CHECK(layer.recurrent_state_bytes == (3 + 16) * 128 * 4);
    CHECK(layer.n_head == 0);
  }
  Workload workload;
  workload.batch = 3;
  CHECK(layer_kv_bytes(model.layers[0], workload) == 3 * (3 + 16) * 128 * 4);
}

TEST_CASE("Mamba-2 GGUF state counts the B and C groups in the convolution") {
  // conv: 3 x (4096 + 2 x 1 x 128) = 13056; ssm: 128 x 4096 = 524288; f32.
  GgufFixture mamba2 =
      with(replacing(small_model("mamba2", 1), kv_u32("mamba2.attention.head_count_kv", 0)),
           {kv_u32("mamba2.ssm.conv_kernel", 4), kv_u32("mamba2.ssm.inner_size", 4096),
            kv_u32("mamba2.ssm.state_size", 128), kv_u32("mamba2.ssm.group_count", 1)});
  CHECK(model_of(mamba2).layers[0].recurrent_state_bytes == (13056 + 524288) * 4);
}

TEST_CASE("RWKV and LFM2 GGUF recurrent state") {
  // RWKV-6: token_shift_count (default 2) x n_embd + n_embd x head_size, f32.
  const ModelSpec rwkv =
      model_of(with(small_model("rwkv6", 2, 64), {kv_u32("rwkv6.wkv.head_size", 16)}));
  CHECK(rwkv.layers[1].attention == AttentionKind::none);
  CHECK(rwkv.layers[1].recurrent_state_bytes == (2 * 64 + 64 * 16) * 4);
  // LFM2: convolution layers (no kv heads) keep n_embd x (l_cache - 1) f32 values.
  const ModelSpec lfm2 =
      model_of(with(replacing(small_model("lfm2", 4, 64),
                              kv_u32_array("lfm2.attention.head_count_kv", {0, 0, 2, 0})),
                    {kv_u32("lfm2.shortconv.l_cache", 3)}));
  CHECK(lfm2.layers[0].attention == AttentionKind::none);
  CHECK(lfm2.layers[0].recurrent_state_bytes == 64 * 2 * 4);
  CHECK(lfm2.layers[2].attention == AttentionKind::full);
  CHECK(lfm2.layers[2].recurrent_state_bytes == 0);
  CHECK(lfm2.layers[2].n_kv_head == 2);
}

TEST_CASE("hybrid GGUF layers: kv heads of 0 mark the recurrent ones") {
  // Jamba: attention where head_count_kv > 0.
  const ModelSpec jamba =
      model_of(with(replacing(small_model("jamba", 4),
                              kv_u32_array("jamba.attention.head_count_kv", {0, 0, 0, 2})),
                    {kv_u32("jamba.ssm.conv_kernel", 4), kv_u32("jamba.ssm.inner_size", 128),
                     kv_u32("jamba.ssm.state_size", 16)}));
  CHECK(count_kind(jamba, AttentionKind::none) == 3);
  CHECK(jamba.layers[3].attention == AttentionKind::full);
  CHECK(jamba.layers[0].recurrent_state_bytes == (3 + 16) * 128 * 4);
  // Nemotron-H: no kv heads and no MLP is recurrent; no kv heads with an MLP is an MLP-only
  // layer with no state.
  const ModelSpec nemotron = model_of(
      with(replacing(replacing(small_model("nemotron_h", 3),
                               kv_u32_array("nemotron_h.attention.head_count_kv", {0, 0, 2})),
                     kv_u32_array("nemotron_h.feed_forward_length", {0, 128, 0})),
           {kv_u32("nemotron_h.ssm.conv_kernel", 4), kv_u32("nemotron_h.ssm.inner_size", 128),
            kv_u32("nemotron_h.ssm.state_size", 16)}));
  CHECK(nemotron.layers[0].recurrent_state_bytes > 0);
  CHECK(nemotron.layers[1].attention == AttentionKind::none);
  CHECK(nemotron.layers[1].recurrent_state_bytes == 0);
  CHECK(nemotron.layers[2].attention == AttentionKind::full);
  // Qwen3-Next: full attention every 4th layer, gated delta-net elsewhere.
  const ModelSpec next =
      model_of(with(small_model("qwen3next", 8), {kv_u32("qwen3next.ssm.conv_kernel", 4),
                                                  kv_u32("qwen3next.ssm.inner_size", 128),
                                                  kv_u32("qwen3next.ssm.state_size", 16)}));
  CHECK(next.layers[3].attention == AttentionKind::full);
  CHECK(next.layers[7].attention == AttentionKind::full);
  CHECK(count_kind(next, AttentionKind::none) == 6);
}

TEST_CASE("GGUF layers that keep no KV of their own") {
  // Gemma 3n: only the first 20 layers keep KV.
  const ModelSpec gemma3n =
      model_of(with(small_model("gemma3n", 30), {kv_u32("gemma3n.attention.sliding_window", 512)}));
  CHECK(gemma3n.layers[19].attention != AttentionKind::none);
  CHECK(gemma3n.layers[20].attention == AttentionKind::none);
  CHECK(gemma3n.layers[20].n_head == 4);  // it still attends, through an earlier cache
  // MTP layers (nextn_predict_layers) at the end keep no KV.
  const ModelSpec glm =
      model_of(with(small_model("glm4moe", 3), {kv_u32("glm4moe.nextn_predict_layers", 1)}));
  CHECK(glm.layers[1].attention == AttentionKind::full);
  CHECK(glm.layers[2].attention == AttentionKind::none);
  // Non-causal (embedding) models keep none at all.
  const ModelSpec bert =
      model_of(with(small_model("bert", 2), {kv_bool("bert.attention.causal", false)}));
  CHECK(count_kind(bert, AttentionKind::none) == 2);
}

TEST_CASE("old-layout DeepSeek-2 GGUF without MLA sizes caches full keys and values") {
  // Without key_length_mla/value_length_mla llama.cpp runs MHA: 16 kv heads of 192 / 128.
  const ModelSpec model = model_of(with(
      replacing(
          replacing(small_model("deepseek2", 2, 64), kv_u32("deepseek2.attention.head_count", 16)),
          kv_u32("deepseek2.attention.head_count_kv", 16)),
      {kv_u32("deepseek2.attention.kv_lora_rank", 512),
       kv_u32("deepseek2.rope.dimension_count", 64), kv_u32("deepseek2.attention.key_length", 192),
       kv_u32("deepseek2.attention.value_length", 128)}));
  CHECK(model.layers[0].attention == AttentionKind::full);
  CHECK(kv_per_token(model) == 2 * (16 * 192 + 16 * 128) * 2);
}

TEST_CASE("malformed GGUF metadata is rejected naming the key") {
  const GgufFixture base = small_model("llama", 2);
  CHECK(model_error(without(base, "general.architecture")) ==
        "test.gguf: metadata 'general.architecture' is missing; it names the model family");
  CHECK(model_error(replacing(base, kv_u32("general.architecture", 1))) ==
        "test.gguf: metadata 'general.architecture' must be a non-empty STRING");
  CHECK(model_error(without(base, "llama.block_count")) ==
        "test.gguf: metadata 'llama.block_count' is missing");
  CHECK(model_error(replacing(base, kv_u32("llama.block_count", 0))) ==
        "test.gguf: metadata 'llama.block_count' is 0; a model needs at least one block");
  CHECK(model_error(replacing(base, kv_u32("llama.block_count", 513))) ==
        "test.gguf: metadata 'llama.block_count' is 513, above the limit of 512");
  CHECK(model_error(replacing(base, kv_i32("llama.block_count", -2))) ==
        "test.gguf: metadata 'llama.block_count' must hold non-negative integers (it is INT32)");
  CHECK(model_error(without(base, "llama.embedding_length")) ==
        "test.gguf: metadata 'llama.embedding_length' is missing");
  CHECK(model_error(replacing(base, kv_str("llama.attention.head_count", "4"))) ==
        "test.gguf: metadata 'llama.attention.head_count' must be an integer, not STRING");
  // Per-layer arrays must have block_count entries.
  CHECK(model_error(replacing(base, kv_u32_array("llama.attention.head_count_kv", {2, 2, 2}))) ==
        "test.gguf: metadata 'llama.attention.head_count_kv' is an ARRAY of 3 UINT32 elements; "
        "one integer per block (2) is required");
  // Element type confusion (llama.cpp PR #26690): floats where integers are read.
  CHECK(model_error(replacing(base, kv_raw("llama.attention.head_count_kv", k_type_array,
                                           le32(k_type_float32) + le64(2) + le32(0) + le32(0)))) ==
        "test.gguf: metadata 'llama.attention.head_count_kv' is an ARRAY of 2 FLOAT32 elements; "
        "one integer per block (2) is required");
  CHECK(model_error(replacing(base, kv_u32("llama.attention.head_count_kv", 3))) ==
        "test.gguf: metadata 'llama.attention.head_count_kv' does not divide the heads: block 0: "
        "4 heads, 3 kv heads");
  CHECK(model_error(
            with(base, {kv_u32("llama.expert_count", 8), kv_u32("llama.expert_used_count", 9)})) ==
        "test.gguf: metadata 'llama.expert_used_count' is 9, above the limit of 8");
  CHECK(model_error(with(base, {kv_u32("llama.expert_count", 8)})) ==
        "test.gguf: metadata 'llama.expert_used_count' must be at least 1 when llama.expert_count "
        "is 8");
  CHECK(model_error(replacing(base, kv_u32("llama.attention.head_count", 0))) ==
        "test.gguf: metadata 'llama.attention.head_count' is 0 in block 0, which has 2 kv heads");
  CHECK(model_error(with(base, {kv_u32("llama.attention.key_length", 0)})) ==
        "test.gguf: metadata 'llama.attention.key_length' cannot be worked out: block 0: 4 "
        "heads of 0/16 elements");
}

TEST_CASE("GGUF expert tensors need an expert count") {
  GgufFixture fixture = small_model("llama", 1);
  fixture.tensors.push_back({"blk.0.ffn_up_exps.weight", {64, 32, 4}, k_ggml_f32, std::nullopt});
  CHECK(model_error(fixture) ==
        "test.gguf: metadata 'llama.expert_count' is missing or 0, but tensor "
        "'blk.0.ffn_up_exps.weight' holds routed experts");
}

TEST_CASE("GGUF MLA needs the rope dimension count") {
  const GgufFixture fixture =
      with(small_model("deepseek2", 1), {kv_u32("deepseek2.attention.kv_lora_rank", 512),
                                         kv_u32("deepseek2.attention.key_length_mla", 192),
                                         kv_u32("deepseek2.attention.value_length_mla", 128)});
  CHECK(model_error(fixture) == "test.gguf: metadata 'deepseek2.rope.dimension_count' is missing");
}

TEST_CASE("GGUF vocabulary falls back to the tokenizer and the embedding matrix") {
  const GgufFixture base = small_model("llama", 1);
  CHECK(model_of(base).vocab == 64);  // tokenizer.ggml.tokens has 64 entries
  CHECK(model_of(with(base, {kv_u32("llama.vocab_size", 100)})).vocab == 100);
  CHECK(model_of(without(base, "tokenizer.ggml.tokens")).vocab == 64);  // token_embd ne[1]
}

TEST_CASE("GGUF model name falls back to the file name") {
  const TempDir dir;
  const std::string path = dir.file("My-Model.Q8_0.gguf");
  write_gguf(path, without(small_model(), "general.name"));
  const ModelSpec model = load_gguf_model(path);
  CHECK(model.name == "My-Model.Q8_0");
  CHECK(model.source_detail == path);
}

TEST_CASE("GGUF expert widths beyond 32 bits are rejected") {
  // The expert width comes from the tensor shape when no key gives it; 2^33 does not fit a
  // LayerSpec. A 1 TiB sparse file holds the tensor.
  const TempDir dir;
  const std::string path = dir.file("wide.gguf");
  GgufFixture fixture = with(small_model("llama", 1), {kv_u32("llama.expert_count", 1),
                                                       kv_u32("llama.expert_used_count", 1)});
  fixture.tensors.push_back({"blk.0.ffn_up_exps.weight", {32, 1ULL << 33, 1}, k_ggml_f32,
                             std::nullopt});
  write_gguf(path, fixture);
  try {
    (void)load_gguf_model(path);
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(std::string(error.what()) ==
          path + ": metadata 'llama.expert_feed_forward_length' cannot be worked out: block 0 has "
                 "expert tensors wider than 2^32");
  }
}
