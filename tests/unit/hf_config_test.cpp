// The Hugging Face config.json reader: exact parameter counts against released checkpoints
// and PyTorch's own counts, tensor names and shapes, attention windows, experts, latent
// attention, multimodal wrappers, and precise rejection of malformed configs.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/hf_config.hpp"

using namespace vramcalc;

namespace {

std::string config_path(const std::string& file) {
  return std::string(VRAMCALC_TEST_DATA_DIR) + "/configs/" + file;
}

HfConfigReading read(const std::string& file) {
  return read_hf_config_file(config_path(file));
}

const TensorInfo* tensor(const ModelSpec& model, const std::string& name) {
  for (const auto& t : model.tensors) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
}

std::vector<std::uint64_t> shape_of(const ModelSpec& model, const std::string& name) {
  const TensorInfo* t = tensor(model, name);
  return t != nullptr ? t->shape : std::vector<std::uint64_t>{};
}

// KV bytes of one sequence of `context` tokens at f16, over all layers.
std::uint64_t kv_bytes(const ModelSpec& model, std::uint64_t context) {
  Workload workload;
  workload.context = context;
  std::uint64_t total = 0;
  for (const auto& layer : model.layers) {
    total += layer_kv_bytes(layer, workload);
  }
  return total;
}

std::string error_of(const std::string& json_text) {
  try {
    (void)read_hf_config(json_text, "test/config.json");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::file);
    return e.what();
  }
  return "no error";
}

// A small valid Llama-style config with `extra` keys added or replaced, to break one key at
// a time.
std::string llama_with(const std::string& extra) {
  auto config = nlohmann::json::parse(R"({"model_type": "llama", "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
      "num_key_value_heads": 2, "vocab_size": 100})");
  config.update(nlohmann::json::parse("{" + extra + "}"));
  return config.dump();
}

}  // namespace

TEST_CASE("reference configs give the released checkpoints' parameter counts exactly") {
  // Safetensors totals of the released checkpoints on Hugging Face (tests/data/configs/README.md
  // names each repository; DeepSeek-V3: main model, no MTP layer, no FP8 scale tensors).
  const std::map<std::string, std::uint64_t> released = {
      {"llama-3.1-8b.json", 8'030'261'248ULL},   {"llama-2-7b.json", 6'738'415'616ULL},
      {"mistral-7b-v0.1.json", 7'241'732'096ULL}, {"qwen2.5-7b.json", 7'615'616'512ULL},
      {"gemma-2-9b.json", 9'241'705'984ULL},     {"mixtral-8x7b.json", 46'702'792'704ULL},
      {"deepseek-v3.json", 671'026'419'200ULL},
  };
  for (const auto& [file, params] : released) {
    INFO(file);
    const ModelSpec model = read(file).model;
    CHECK(model.total_params == params);
    std::uint64_t sum = 0;
    for (const auto& t : model.tensors) {
      sum += t.elements;
    }
    CHECK(sum == params);
    std::uint64_t parts = model.embedding_params + model.head_params;
    for (const auto& layer : model.layers) {
      parts += layer.params;
    }
    CHECK(parts == params);
    CHECK_NOTHROW(validate_model(model));
  }
}

TEST_CASE("gpu-truth configs give PyTorch's measured parameter counts exactly") {
  // tests/data/gpu_truth/transformers_h200.json `params` (transformers 5.17 on an NVIDIA H200; tied
  // embeddings counted once).
  const std::map<std::string, std::uint64_t> measured = {
      {"gpu-truth-gemma-2-2b.json", 2'614'341'888ULL},
      {"gpu-truth-llama-3.1-8b.json", 8'030'261'248ULL},
      {"gpu-truth-llama-3.2-1b.json", 1'235'814'400ULL},
      {"gpu-truth-phi-3-mini-4k.json", 3'821'079'552ULL},
      {"gpu-truth-qwen2.5-0.5b.json", 494'032'768ULL},
      {"gpu-truth-qwen3-30b-a3b.json", 30'532'122'624ULL},
  };
  for (const auto& [file, params] : measured) {
    INFO(file);
    CHECK(read(file).model.total_params == params);
  }
}

TEST_CASE("Llama-3.1-8B tensors carry llama.cpp's GGUF names and innermost-first shapes") {
  const ModelSpec m = read("llama-3.1-8b.json").model;
  // 1 embedding + 32 blocks x (2 norms + q, k, v, o + gate, up, down) + final norm + head.
  CHECK(m.tensors.size() == 1 + 32 * 9 + 2);
  CHECK(shape_of(m, "token_embd.weight") == std::vector<std::uint64_t>{4096, 128256});
  CHECK(shape_of(m, "blk.0.attn_q.weight") == std::vector<std::uint64_t>{4096, 4096});
  CHECK(shape_of(m, "blk.0.attn_k.weight") == std::vector<std::uint64_t>{4096, 1024});
  CHECK(shape_of(m, "blk.31.ffn_down.weight") == std::vector<std::uint64_t>{14336, 4096});
  CHECK(shape_of(m, "output_norm.weight") == std::vector<std::uint64_t>{4096});
  CHECK(shape_of(m, "output.weight") == std::vector<std::uint64_t>{4096, 128256});
  CHECK(tensor(m, "blk.32.attn_q.weight") == nullptr);
  const TensorInfo* q = tensor(m, "blk.3.attn_q.weight");
  REQUIRE(q != nullptr);
  CHECK(q->role == TensorRole::attn_q);
  CHECK(q->layer == 3);
  CHECK(q->stored_type.empty());
  CHECK(q->stored_bytes == 0);
  CHECK(tensor(m, "token_embd.weight")->layer == -1);
  CHECK(m.hidden == 4096);
  CHECK(m.vocab == 128256);
  CHECK(m.max_context == 131072);
  CHECK_FALSE(m.tied_embeddings);
  CHECK(m.native_dtype == std::optional<std::string>("bf16"));
  CHECK(m.source == ModelSource::hf_config);
  CHECK(m.architecture == "llama");
  CHECK(m.embedding_params == 128256ULL * 4096);
  CHECK(m.head_params == 128256ULL * 4096 + 4096);
  CHECK(m.layers[0].params == 218'112'000ULL);  // 4096 x (4096+1024+1024+4096) + 3 x 4096 x 14336 + 2 x 4096
  CHECK(m.layers[0].ffn_dim == 14336);
}

TEST_CASE("family layouts: Qwen2 qkv biases and Phi-3 fused projections and Gemma-2 four norms and a tied head") {
  const ModelSpec qwen = read("qwen2.5-7b.json").model;
  CHECK(shape_of(qwen, "blk.0.attn_q.bias") == std::vector<std::uint64_t>{3584});
  CHECK(shape_of(qwen, "blk.0.attn_k.bias") == std::vector<std::uint64_t>{512});
  CHECK(tensor(qwen, "blk.0.attn_output.bias") == nullptr);

  const ModelSpec phi = read("gpu-truth-phi-3-mini-4k.json").model;
  CHECK(shape_of(phi, "blk.0.attn_qkv.weight") == std::vector<std::uint64_t>{3072, 9216});
  CHECK(shape_of(phi, "blk.0.ffn_up.weight") == std::vector<std::uint64_t>{3072, 16384});
  CHECK(tensor(phi, "blk.0.ffn_gate.weight") == nullptr);

  const ModelSpec gemma = read("gemma-2-9b.json").model;
  CHECK(gemma.tied_embeddings);  // Gemma2Config ties without the config saying so
  CHECK(tensor(gemma, "output.weight") == nullptr);
  for (const char* norm : {"attn_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm"}) {
    CHECK(tensor(gemma, std::string("blk.0.") + norm + ".weight") != nullptr);
  }
  CHECK(gemma.native_dtype == std::optional<std::string>("fp32"));

  const ModelSpec qwen3 = read("gpu-truth-qwen3-30b-a3b.json").model;
  CHECK(shape_of(qwen3, "blk.0.attn_q_norm.weight") == std::vector<std::uint64_t>{128});
  CHECK(shape_of(qwen3, "blk.0.ffn_gate_exps.weight") == std::vector<std::uint64_t>{2048, 768, 128});
  CHECK(shape_of(qwen3, "blk.0.ffn_down_exps.weight") == std::vector<std::uint64_t>{768, 2048, 128});
  CHECK(shape_of(qwen3, "blk.0.ffn_gate_inp.weight") == std::vector<std::uint64_t>{2048, 128});
}

TEST_CASE("DeepSeek-V3: latent attention and dense then MoE layers and router bias and MTP excluded") {
  const HfConfigReading r = read("deepseek-v3.json");
  const ModelSpec& m = r.model;
  CHECK(m.layers.size() == 61);  // the MTP block (num_nextn_predict_layers) is not a layer
  CHECK(r.excluded_mtp_layers == 1);
  CHECK(shape_of(m, "blk.0.attn_q_a.weight") == std::vector<std::uint64_t>{7168, 1536});
  CHECK(shape_of(m, "blk.0.attn_q_b.weight") == std::vector<std::uint64_t>{1536, 128 * 192});
  CHECK(shape_of(m, "blk.0.attn_kv_a_mqa.weight") == std::vector<std::uint64_t>{7168, 576});
  CHECK(shape_of(m, "blk.0.attn_kv_b.weight") == std::vector<std::uint64_t>{512, 128 * 256});
  CHECK(shape_of(m, "blk.2.ffn_gate.weight") == std::vector<std::uint64_t>{7168, 18432});
  CHECK(tensor(m, "blk.3.ffn_gate.weight") == nullptr);
  CHECK(shape_of(m, "blk.3.ffn_down_exps.weight") == std::vector<std::uint64_t>{2048, 7168, 256});
  CHECK(shape_of(m, "blk.3.ffn_gate_shexp.weight") == std::vector<std::uint64_t>{7168, 2048});
  CHECK(shape_of(m, "blk.3.exp_probs_b.bias") == std::vector<std::uint64_t>{256});
  CHECK_FALSE(m.layers[2].moe);
  CHECK(m.layers[3].moe);
  CHECK(m.layers[0].attention == AttentionKind::latent);
  CHECK(m.layers[0].latent_dim == 576);  // kv_lora_rank 512 + qk_rope_head_dim 64
  CHECK(m.layers[0].head_dim_k == 192);  // qk_nope 128 + qk_rope 64
  CHECK(m.layers[0].head_dim_v == 128);
  CHECK(m.layers[3].ffn_dim == 8 * 2048 + 2048);  // 8 routed experts + the shared one
  // Active: all but 248 idle experts of 3 x 7168 x 2048 in each of the 58 MoE layers.
  CHECK(m.active_params == 671'026'419'200ULL - 58ULL * 248 * 3 * 7168 * 2048);
  REQUIRE(r.quantization.has_value());
  CHECK(r.quantization->method == "fp8");
  CHECK(r.quantization->bits == std::optional<std::uint32_t>(8));
  CHECK(r.quantization->format == "e4m3");
  CHECK(r.quantization->weight_block_size == std::vector<std::uint32_t>{128, 128});
  CHECK(m.native_dtype == std::optional<std::string>("bf16"));  // what torch_dtype says
}

TEST_CASE("weights at bf16 are exactly two bytes per parameter") {
  for (const char* file : {"llama-3.1-8b.json", "deepseek-v3.json", "gemma-2-9b.json"}) {
    INFO(file);
    const ModelSpec m = read(file).model;
    const MemoryEstimate e = estimate(m, *find_weight_format("bf16"), Workload{}, {});
    CHECK(e.weights.bytes == m.total_params * 2);
  }
  const ModelSpec llama = read("llama-3.1-8b.json").model;
  CHECK(estimate(llama, *find_weight_format("bf16"), Workload{}, {}).weights.bytes ==
        16'060'522'496ULL);  // 8,030,261,248 x 2
}

TEST_CASE("KV cache bytes per token at fp16 from the config's attention") {
  // Llama-3.1-8B: 32 layers x 2 (K, V) x 8 kv heads x 128 x 2 bytes.
  CHECK(kv_bytes(read("llama-3.1-8b.json").model, 1) == 131'072);
  // Llama-2-7B: no GQA, 32 x 2 x 32 x 128 x 2.
  CHECK(kv_bytes(read("llama-2-7b.json").model, 1) == 524'288);
  // DeepSeek-V3: one 576-element latent per layer: 61 x 576 x 2.
  CHECK(kv_bytes(read("deepseek-v3.json").model, 1) == 70'272);
}

TEST_CASE("Gemma-2-9B at 32k context keeps only 4096 tokens on its sliding layers") {
  const ModelSpec m = read("gemma-2-9b.json").model;
  CHECK(m.layers[0].attention == AttentionKind::sliding_window);  // first layer slides
  CHECK(m.layers[0].sliding_window == 4096);
  CHECK(m.layers[1].attention == AttentionKind::full);
  // Per token per layer: 2 x 8 kv heads x 256 x 2 bytes = 8192; 21 sliding layers hold 4096
  // tokens, 21 full layers 32768.
  CHECK(kv_bytes(m, 32768) == 8192ULL * (21 * 4096 + 21 * 32768));
}

TEST_CASE("sliding windows: Mistral everywhere and Qwen2 only when enabled and Mixtral null") {
  const ModelSpec mistral = read("mistral-7b-v0.1.json").model;
  for (const auto& layer : mistral.layers) {
    CHECK(layer.attention == AttentionKind::sliding_window);
    CHECK(layer.sliding_window == 4096);
  }
  for (const char* file : {"qwen2.5-7b.json", "mixtral-8x7b.json", "gpu-truth-qwen2.5-0.5b.json"}) {
    INFO(file);
    for (const auto& layer : read(file).model.layers) {
      CHECK(layer.attention == AttentionKind::full);
    }
  }
  // Qwen2Config: with use_sliding_window, layers from max_window_layers on slide.
  const ModelSpec qwen = read_hf_config(R"({"model_type": "qwen2", "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 4, "num_attention_heads": 4,
      "num_key_value_heads": 2, "vocab_size": 100, "use_sliding_window": true,
      "sliding_window": 16, "max_window_layers": 2})", "qwen2-swa").model;
  CHECK(qwen.layers[1].attention == AttentionKind::full);
  CHECK(qwen.layers[2].attention == AttentionKind::sliding_window);
  CHECK(qwen.layers[3].sliding_window == 16);
  // MistralConfig's default window (4096) applies when the key is absent, not when null.
  const ModelSpec absent = read_hf_config(R"({"model_type": "mistral", "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 1, "num_attention_heads": 4,
      "vocab_size": 100})", "m").model;
  CHECK(absent.layers[0].sliding_window == 4096);
  const ModelSpec null_window = read_hf_config(R"({"model_type": "mistral", "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 1, "num_attention_heads": 4,
      "vocab_size": 100, "sliding_window": null})", "m").model;
  CHECK(null_window.layers[0].attention == AttentionKind::full);
}

TEST_CASE("layer_types decides per layer and Gemma-3 slides five layers in six") {
  const ModelSpec listed = read_hf_config(llama_with(R"("sliding_window": 8,
      "layer_types": ["sliding_attention", "full_attention"])"), "lt").model;
  CHECK(listed.layers[0].attention == AttentionKind::sliding_window);
  CHECK(listed.layers[0].sliding_window == 8);
  CHECK(listed.layers[1].attention == AttentionKind::full);
  const ModelSpec gemma3 = read_hf_config(R"({"model_type": "gemma3_text", "hidden_size": 1152,
      "intermediate_size": 6912, "num_hidden_layers": 12, "num_attention_heads": 4,
      "num_key_value_heads": 1, "head_dim": 256, "vocab_size": 262144, "sliding_window": 512})",
                                          "g3").model;
  for (std::size_t i = 0; i < gemma3.layers.size(); ++i) {
    INFO(i);
    const bool global = (i + 1) % 6 == 0;  // Gemma3TextConfig sliding_window_pattern 6
    CHECK(gemma3.layers[i].attention ==
          (global ? AttentionKind::full : AttentionKind::sliding_window));
  }
}

TEST_CASE("MoE active parameters count only the routed experts a token uses") {
  const ModelSpec mixtral = read("mixtral-8x7b.json").model;
  // 6 of 8 experts idle in 32 layers, each 3 x 4096 x 14336.
  CHECK(mixtral.active_params == 46'702'792'704ULL - 32ULL * 6 * 3 * 4096 * 14336);
  CHECK(mixtral.active_params / 100'000'000 == 128);  // ~12.9B
  const ModelSpec qwen = read("gpu-truth-qwen3-30b-a3b.json").model;
  // 120 of 128 experts idle in 48 layers, each 3 x 2048 x 768.
  CHECK(qwen.active_params == 30'532'122'624ULL - 48ULL * 120 * 3 * 2048 * 768);
  CHECK(qwen.active_params / 100'000'000 == 33);  // ~3.3B
  CHECK(read("llama-3.1-8b.json").model.active_params == 8'030'261'248ULL);
}

TEST_CASE("Qwen-MoE: mlp_only_layers and decoder_sparse_step keep dense blocks and shared expert gated") {
  const ModelSpec m = read_hf_config(R"({"model_type": "qwen2_moe", "hidden_size": 16,
      "intermediate_size": 32, "num_hidden_layers": 4, "num_attention_heads": 2,
      "vocab_size": 10, "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 8,
      "shared_expert_intermediate_size": 24, "decoder_sparse_step": 1, "mlp_only_layers": [0],
      "tie_word_embeddings": false})", "qmoe").model;
  CHECK_FALSE(m.layers[0].moe);
  CHECK(m.layers[1].moe);
  CHECK(shape_of(m, "blk.1.ffn_gate_inp_shexp.weight") == std::vector<std::uint64_t>{16});
  CHECK(shape_of(m, "blk.1.ffn_up_shexp.weight") == std::vector<std::uint64_t>{16, 24});
  // Hand count. Attention: q, k, v with bias (3 x (16 x 16 + 16)) + o (256) = 1072; norms 32.
  // Dense MLP 3 x 16 x 32 = 1536. MoE: router 64 + experts 4 x 3 x 16 x 8 = 1536 + shared
  // 3 x 16 x 24 = 1152 + shared gate 16 = 2768. Embeddings 160, head 160, final norm 16.
  const std::uint64_t attention = 1072 + 32;
  CHECK(m.layers[0].params == attention + 1536);
  CHECK(m.layers[1].params == attention + 2768);
  CHECK(m.total_params == 160 + 160 + 16 + 4 * attention + 1536 + 3 * 2768);
  CHECK(m.active_params == m.total_params - 3ULL * 2 * (3 * 16 * 8));
}

TEST_CASE("classic families: GPT-2 and OPT and Falcon counted by hand") {
  // GPT-2 small: wte 50257 x 768, wpe 1024 x 768; per block ln_1, ln_2 (2 x 2 x 768),
  // c_attn 768 x 2304 + 2304, c_proj 768 x 768 + 768, c_fc 768 x 3072 + 3072,
  // c_proj 3072 x 768 + 768; ln_f 2 x 768 -> 124,439,808.
  const ModelSpec gpt2 = read_hf_config(R"({"model_type": "gpt2", "n_embd": 768, "n_layer": 12,
      "n_head": 12, "n_positions": 1024, "n_inner": null, "vocab_size": 50257})", "gpt2").model;
  CHECK(gpt2.total_params == 124'439'808ULL);
  CHECK(gpt2.tied_embeddings);
  CHECK(shape_of(gpt2, "position_embd.weight") == std::vector<std::uint64_t>{768, 1024});
  CHECK(gpt2.max_context == 1024);
  // OPT: positions are max_position_embeddings + 2 rows; word_embed_proj_dim adds projections.
  const ModelSpec opt = read_hf_config(R"({"model_type": "opt", "hidden_size": 8, "ffn_dim": 16,
      "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 10,
      "max_position_embeddings": 6, "word_embed_proj_dim": 4, "do_layer_norm_before": false})",
                                       "opt").model;
  CHECK(shape_of(opt, "position_embd.weight") == std::vector<std::uint64_t>{8, 8});
  CHECK(shape_of(opt, "token_embd.weight") == std::vector<std::uint64_t>{4, 10});
  CHECK(shape_of(opt, "proj_in.weight") == std::vector<std::uint64_t>{4, 8});
  CHECK(tensor(opt, "output_norm.weight") == nullptr);  // no final norm without pre-LN
  // Falcon-7B style: multi_query keeps one kv head; the fused qkv is hidden + 2 x head_dim.
  const ModelSpec falcon = read_hf_config(R"({"model_type": "falcon", "hidden_size": 4544,
      "num_hidden_layers": 1, "num_attention_heads": 71, "vocab_size": 65024,
      "multi_query": true, "parallel_attn": true, "bias": false})", "falcon").model;
  CHECK(falcon.layers[0].n_kv_head == 1);
  CHECK(shape_of(falcon, "blk.0.attn_qkv.weight") == std::vector<std::uint64_t>{4544, 4672});
  CHECK(shape_of(falcon, "blk.0.ffn_up.weight") == std::vector<std::uint64_t>{4544, 18176});
  CHECK(tensor(falcon, "blk.0.ffn_norm.weight") == nullptr);  // one norm for the parallel block
  CHECK(falcon.max_context == 2048);                          // FalconConfig default
  const ModelSpec falcon40 = read_hf_config(R"({"model_type": "falcon", "hidden_size": 8192,
      "num_hidden_layers": 1, "num_attention_heads": 128, "num_kv_heads": 8,
      "new_decoder_architecture": true, "vocab_size": 65024})", "falcon40").model;
  CHECK(falcon40.layers[0].n_kv_head == 8);
  CHECK(tensor(falcon40, "blk.0.attn_norm_2.bias") != nullptr);  // ln_mlp
}

TEST_CASE("multimodal wrappers: the text_config is counted and the vision tower noted") {
  const HfConfigReading r = read_hf_config(R"({"model_type": "gemma3",
      "architectures": ["Gemma3ForConditionalGeneration"], "torch_dtype": "bfloat16",
      "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 34,
                      "sliding_window": 1024},
      "vision_config": {"hidden_size": 1152, "num_hidden_layers": 27}})", "gemma-3-4b");
  CHECK(r.model_type == "gemma3");
  CHECK(r.text_model_type == "gemma3_text");
  CHECK(r.model.architecture == "gemma3_text");
  // PyTorch's count of the text model, Gemma3TextConfig defaults filling the rest
  // (tests/data/transformers/param_counts.json "gemma-3-4b").
  CHECK(r.model.total_params == 3'880'263'168ULL);
  CHECK(r.model.native_dtype == std::optional<std::string>("bf16"));  // top-level dtype
  bool vision_noted = false;
  bool default_noted = false;
  for (const auto& note : r.notes) {
    vision_noted = vision_noted || note.find("vision") != std::string::npos;
    default_noted = default_noted || note.find("num_attention_heads = 8") != std::string::npos;
  }
  CHECK(vision_noted);
  CHECK(default_noted);
}

TEST_CASE("an unknown model_type is read with Llama-style keys and says so") {
  const HfConfigReading r = read_hf_config(R"({"model_type": "brand_new", "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
      "vocab_size": 100, "tie_word_embeddings": true})", "new");
  CHECK(r.model.total_params == 100 * 64 + 64 + 2 * (4 * 64 * 64 + 3 * 64 * 128 + 2 * 64));
  REQUIRE_FALSE(r.notes.empty());
  CHECK(r.notes.front().find("unknown model_type 'brand_new'") != std::string::npos);
}

TEST_CASE("malformed configs are rejected naming the key and the file") {
  struct Case {
    std::string json;
    std::string expected;
  };
  const Case cases[] = {
      {"{not json", "test/config.json: not valid JSON"},
      {"[1, 2]", "holds one JSON object, not a list"},
      {R"({"model_type": "llama", "num_hidden_layers": 2})", "key 'hidden_size' is missing"},
      {llama_with(R"("num_attention_heads": "four")"), "key 'num_attention_heads' must be a whole number, not the string \"four\""},
      {R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 8, "num_hidden_layers": -2,
           "num_attention_heads": 4, "vocab_size": 100})", "key 'num_hidden_layers' is -2; it must not be negative"},
      {R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 8, "num_hidden_layers": 0,
           "num_attention_heads": 4, "vocab_size": 100})", "key 'num_hidden_layers' is 0; it must be positive"},
      {llama_with(R"("num_key_value_heads": 3)"), "key 'num_key_value_heads' is 3, which does not divide num_attention_heads 4"},
      {R"({"model_type": "llama", "hidden_size": 66, "intermediate_size": 8, "num_hidden_layers": 1,
           "num_attention_heads": 4, "vocab_size": 100})", "hidden size 66 is not divisible by 4 attention heads"},
      {llama_with(R"("vocab_size": 1000000000000)"), "key 'vocab_size' is 1000000000000, beyond the sane range"},
      {llama_with(R"("hidden_size": 2.5)"), "key 'hidden_size' is 2.5; it must be a whole number"},
      {llama_with(R"("tie_word_embeddings": "yes")"), "key 'tie_word_embeddings' must be true or false"},
      {llama_with(R"("sliding_window": 8, "layer_types": ["full_attention"])"), "key 'layer_types' lists 1 layers but the model has 2"},
      {llama_with(R"("layer_types": ["full_attention", "linear_attention"])"), "key 'layer_types' entry 1 is \"linear_attention\""},
      {llama_with(R"("layer_types": ["full_attention", "sliding_attention"])"), "key 'sliding_window' is missing, but layer 1 uses windowed attention"},
      {R"({"model_type": "mixtral", "hidden_size": 64, "intermediate_size": 8, "num_hidden_layers": 1,
           "num_attention_heads": 4, "vocab_size": 100, "num_local_experts": 2, "num_experts_per_tok": 3})",
       "key 'num_experts_per_tok' is 3, more than the 2 experts there are"},
      {R"({"model_type": "qwen3_moe", "hidden_size": 64, "intermediate_size": 8, "num_hidden_layers": 2,
           "num_attention_heads": 4, "vocab_size": 100, "num_experts": 2, "num_experts_per_tok": 1,
           "moe_intermediate_size": 8, "mlp_only_layers": [5]})", "key 'mlp_only_layers' names layer 5 but the model has 2 layers"},
      {R"({"model_type": "gemma3", "text_config": [1]})", "key 'text_config' must be an object"},
      {R"({"model_type": 7})", "key 'model_type' must be a string"},
      {std::string(100, '[') + std::string(100, ']'), "nested more than 64 levels"},
      {R"({"model_type": "llama", "hidden_size": 1048576, "intermediate_size": 4194304, "num_hidden_layers": 4096,
           "num_attention_heads": 1, "vocab_size": 100})", "more than 10^15 parameters"},
      {llama_with(R"("quantization_config": {"quant_method": "gptq", "bits": "four"})"), "key 'quantization_config.bits' must be a whole number"},
      {R"({"model_type": "deepseek_v3", "hidden_size": 64, "intermediate_size": 8, "num_hidden_layers": 1,
           "num_attention_heads": 4, "vocab_size": 100})", "key 'kv_lora_rank' is missing"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    const std::string message = error_of(c.json);
    CHECK(message.find(c.expected) != std::string::npos);
    CHECK(message.rfind("test/config.json: ", 0) == 0);
  }
}

TEST_CASE("load_hf_config reads a file or the config.json in a folder") {
  const auto dir = std::filesystem::temp_directory_path() / "vramcalc-hf-config-test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "config.json");
    out << llama_with("");
  }
  const ModelSpec from_folder = load_hf_config(dir.string());
  const ModelSpec from_file = load_hf_config((dir / "config.json").string());
  CHECK(from_folder.total_params == from_file.total_params);
  CHECK(from_folder.source_detail == (dir / "config.json").string());
  CHECK(from_folder.name == "vramcalc-hf-config-test");  // the folder names the model
  std::filesystem::remove_all(dir);
  try {
    (void)load_hf_config((dir / "missing.json").string());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::file);
    CHECK(std::string(e.what()).find("missing.json: no such config file") != std::string::npos);
  }
}

TEST_CASE("torch_dtype names map to vramcalc precisions") {
  CHECK(native_dtype_name("bfloat16") == std::optional<std::string>("bf16"));
  CHECK(native_dtype_name("torch.float16") == std::optional<std::string>("fp16"));
  CHECK(native_dtype_name("float32") == std::optional<std::string>("fp32"));
  CHECK_FALSE(native_dtype_name("float8_e4m3fn").has_value());
  const ModelSpec newer = read_hf_config(llama_with(R"("dtype": "bfloat16")"), "d").model;
  CHECK(newer.native_dtype == std::optional<std::string>("bf16"));  // newer transformers key
}

TEST_CASE("quantization_config facts are kept for pre-quantized checkpoints") {
  const HfConfigReading gptq = read_hf_config(llama_with(R"("quantization_config":
      {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": false})"), "q");
  REQUIRE(gptq.quantization.has_value());
  CHECK(gptq.quantization->method == "gptq");
  CHECK(gptq.quantization->bits == std::optional<std::uint32_t>(4));
  CHECK(gptq.quantization->group_size == std::optional<std::uint32_t>(128));
  const HfConfigReading bnb = read_hf_config(llama_with(R"("quantization_config":
      {"quant_method": "bitsandbytes", "load_in_4bit": true, "bnb_4bit_quant_type": "nf4",
       "bnb_4bit_use_double_quant": true, "llm_int8_skip_modules": ["lm_head"]})"), "q");
  CHECK(bnb.quantization->bits == std::optional<std::uint32_t>(4));
  CHECK(bnb.quantization->format == "nf4");
  CHECK(bnb.quantization->double_quant);
  CHECK(bnb.quantization->unquantized_modules == std::vector<std::string>{"lm_head"});
  CHECK_FALSE(read_hf_config(llama_with(""), "plain").quantization.has_value());
}

TEST_CASE("StarCoder2: LayerNorms and linears with biases and a plain MLP and a window on every layer") {
  // bigcode/starcoder2-3b: hidden 3072, 24 heads (128 wide), 2 KV heads, MLP 12288, 30 layers,
  // vocab 49152, tied. Per layer: two LayerNorms 2 x 2 x 3072; q and o 3072 x 3072 + 3072;
  // k and v 3072 x 256 + 256; c_fc 3072 x 12288 + 12288; c_proj 12288 x 3072 + 3072:
  // 95,979,008. With the embeddings (150,994,944) and the final LayerNorm (6144):
  // 3,030,371,328, the 3.03B of the model card.
  const ModelSpec m = read_hf_config(R"({"model_type": "starcoder2", "hidden_size": 3072,
      "intermediate_size": 12288, "num_hidden_layers": 30, "num_attention_heads": 24,
      "num_key_value_heads": 2, "vocab_size": 49152, "max_position_embeddings": 16384,
      "sliding_window": 4096, "use_bias": true, "tie_word_embeddings": true})",
                                     "sc2.json")
                         .model;
  CHECK(m.layers[0].params == 95'979'008ULL);
  CHECK(m.total_params == 3'030'371'328ULL);
  CHECK(m.layers[7].attention == AttentionKind::sliding_window);
  CHECK(m.layers[7].sliding_window == 4096);
  CHECK(m.layers[0].n_kv_head == 2);
}

TEST_CASE("encoders: BERT and XLM-RoBERTa count their embeddings and pooler and keep no KV cache") {
  // BERT-base (bge-base-en-v1.5, BertModel): word 30522 x 768, positions 512 x 768, token
  // types 2 x 768, embedding LayerNorm 2 x 768: 23,837,184. A layer: q, k, v, o 768 x 768 +
  // 768 each, intermediate 768 x 3072 + 3072, output 3072 x 768 + 768, two LayerNorms 2 x 2 x
  // 768: 7,087,872. Pooler 768 x 768 + 768. Total 109,482,240, BERT-base's count.
  const ModelSpec base = read_hf_config(R"({"architectures": ["BertModel"],
      "model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12,
      "num_attention_heads": 12, "intermediate_size": 3072, "vocab_size": 30522,
      "max_position_embeddings": 512, "type_vocab_size": 2})",
                                        "bge.json")
                             .model;
  CHECK(base.layers[0].params == 7'087'872ULL);
  CHECK(base.embedding_params == 23'835'648ULL);  // the embedding LayerNorm is outside
  CHECK(base.total_params == 109'482'240ULL);
  CHECK(base.max_context == 512);
  for (const auto& layer : base.layers) {
    CHECK(layer.attention == AttentionKind::none);
  }
  Workload w;
  w.context = 512;
  for (const auto& layer : base.layers) {
    CHECK(layer_kv_bytes(layer, w) == 0);
  }
  // An XLM-R reranker (bge-reranker-large): 250002-token vocabulary, 514 position rows (two
  // before the first position), one token type, no pooler but classifier.dense 1024 x 1024 +
  // 1024 and classifier.out_proj 1024 x 1 + 1.
  const ModelSpec reranker = read_hf_config(R"({"architectures":
      ["XLMRobertaForSequenceClassification"], "model_type": "xlm-roberta", "hidden_size": 1024,
      "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096,
      "vocab_size": 250002, "max_position_embeddings": 514, "type_vocab_size": 1,
      "id2label": {"0": "LABEL_0"}})",
                                            "rr.json")
                                 .model;
  // Embeddings 256,002,048 + 526,336 + 1024 + LayerNorm 2048; 24 x 12,596,224; head 1,050,625.
  CHECK(reranker.total_params == 256'531'456ULL + 24ULL * 12'596'224 + 1'050'625);
  CHECK(reranker.max_context == 512);
}

TEST_CASE("MPT and GLM-4 read their own keys and blocks") {
  // mosaicml/mpt-7b: d_model 4096, n_heads 32, n_layers 32, expansion_ratio 4, vocab 50432.
  // A block: Wqkv 4096 x 12288, out_proj 4096 x 4096, up 4096 x 16384, down 16384 x 4096, two
  // LayerNorms without bias: 201,334,784. With the tied embeddings (206,569,472) and norm_f:
  // 6,649,286,656 (the model card's 6.7B).
  const ModelSpec mpt = read_hf_config(R"({"model_type": "mpt", "d_model": 4096,
      "n_heads": 32, "n_layers": 32, "expansion_ratio": 4, "max_seq_len": 2048,
      "vocab_size": 50432, "no_bias": true})",
                                       "mpt.json")
                            .model;
  CHECK(mpt.layers[0].params == 201'334'784ULL);
  CHECK(mpt.total_params == 6'649'286'656ULL);
  CHECK(mpt.max_context == 2048);
  // GLM-4-9B-0414: q 4096 x 4096 + 4096, k and v 4096 x 256 + 256, o 4096 x 4096 (no bias),
  // gate_up 4096 x 27392, down 13696 x 4096, four RMSNorms of 4096: 203,969,024 per block.
  const ModelSpec glm = read_hf_config(R"({"model_type": "glm4", "hidden_size": 4096,
      "intermediate_size": 13696, "num_hidden_layers": 40, "num_attention_heads": 32,
      "num_key_value_heads": 2, "head_dim": 128, "vocab_size": 151552,
      "attention_bias": true, "tie_word_embeddings": false})",
                                       "glm.json")
                            .model;
  CHECK(glm.layers[0].params == 203'969'024ULL);
  CHECK(glm.total_params == 40ULL * 203'969'024 + 2ULL * 151552 * 4096 + 4096);
}
