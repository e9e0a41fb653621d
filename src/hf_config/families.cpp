// The families the config reader knows: one table row each, with the transformers files the
// tensor layout follows and the configuration-class defaults for keys configs leave out.
#include <algorithm>
#include <string>
#include <tuple>

#include "hf_config/architecture.hpp"

namespace vramcalc::hf {

namespace {

// Pinned for the file names below: huggingface/transformers src/transformers/models/<family>/
// (modeling_*.py for tensors, configuration_*.py for the defaults).
std::vector<FamilyTraits> make_families() {
  std::vector<FamilyTraits> f;
  // modeling_llama.py: q/k/v/o bias = attention_bias, MLP bias = mlp_bias; RMSNorm.
  f.push_back({.model_type = "llama", .config_class = "LlamaConfig",
               .source = "transformers models/llama/modeling_llama.py",
               .bias = BiasRule::attention_key, .defaults = {}});
  // modeling_mistral.py: no biases; MistralConfig(sliding_window=4096) applies to every layer.
  f.push_back({.model_type = "mistral", .config_class = "MistralConfig",
               .source = "transformers models/mistral/modeling_mistral.py",
               .sliding = SlidingRule::all_layers,
               .defaults = {{"sliding_window", 4096}}});
  // modeling_mixtral.py: block_sparse_moe with gate (router) and w1/w2/w3 experts.
  f.push_back({.model_type = "mixtral", .config_class = "MixtralConfig",
               .source = "transformers models/mixtral/modeling_mixtral.py",
               .sliding = SlidingRule::all_layers, .moe = MoeRule::mixtral,
               .defaults = {{"num_experts_per_tok", 2}}});
  // modeling_qwen2.py: q/k/v with bias, o without; Qwen2Config(max_window_layers=28).
  f.push_back({.model_type = "qwen2", .config_class = "Qwen2Config",
               .source = "transformers models/qwen2/modeling_qwen2.py",
               .bias = BiasRule::qkv_only, .sliding = SlidingRule::qwen2,
               .defaults = {{"max_window_layers", 28}}});
  // modeling_qwen2_moe.py: experts, shared_expert and shared_expert_gate (hidden -> 1).
  f.push_back({.model_type = "qwen2_moe", .config_class = "Qwen2MoeConfig",
               .source = "transformers models/qwen2_moe/modeling_qwen2_moe.py",
               .bias = BiasRule::qkv_only, .sliding = SlidingRule::qwen2,
               .moe = MoeRule::qwen_moe,
               .defaults = {{"max_window_layers", 28}, {"decoder_sparse_step", 1}}});
  // modeling_qwen3.py: q_norm/k_norm RMSNorm(head_dim); attention_bias default false.
  f.push_back({.model_type = "qwen3", .config_class = "Qwen3Config",
               .source = "transformers models/qwen3/modeling_qwen3.py",
               .bias = BiasRule::attention_key, .qk_norm = true, .sliding = SlidingRule::qwen2,
               .defaults = {{"max_window_layers", 28}}});
  // modeling_qwen3_moe.py: as Qwen3 with routed experts, no shared expert.
  f.push_back({.model_type = "qwen3_moe", .config_class = "Qwen3MoeConfig",
               .source = "transformers models/qwen3_moe/modeling_qwen3_moe.py",
               .bias = BiasRule::attention_key, .qk_norm = true, .sliding = SlidingRule::qwen2,
               .moe = MoeRule::qwen_moe,
               .defaults = {{"max_window_layers", 28}, {"decoder_sparse_step", 1}}});
  // modeling_gemma.py: GeGLU MLP, RMSNorm, embeddings tied (GemmaConfig tie default true).
  f.push_back({.model_type = "gemma", .config_class = "GemmaConfig",
               .source = "transformers models/gemma/modeling_gemma.py",
               .bias = BiasRule::attention_key, .tie_default = true,
               .defaults = {{"head_dim", 256}}});
  // modeling_gemma2.py: four norms per block; sliding on even layers (Gemma2Config).
  f.push_back({.model_type = "gemma2", .config_class = "Gemma2Config",
               .source = "transformers models/gemma2/modeling_gemma2.py",
               .norms = BlockNorms::sandwich, .bias = BiasRule::attention_key,
               .tie_default = true, .sliding = SlidingRule::alternate,
               .defaults = {{"head_dim", 256}, {"sliding_window", 4096}}});
  // modeling_gemma3.py: as Gemma 2 plus q_norm/k_norm; 5 local : 1 global. Gemma3TextConfig
  // defaults (configuration_gemma3.py) matter: multimodal configs leave most keys out.
  f.push_back({.model_type = "gemma3_text", .config_class = "Gemma3TextConfig",
               .source = "transformers models/gemma3/modeling_gemma3.py",
               .norms = BlockNorms::sandwich, .bias = BiasRule::attention_key, .qk_norm = true,
               .tie_default = true, .sliding = SlidingRule::every_nth_global,
               .defaults = {{"vocab_size", 262208},
                            {"hidden_size", 2304},
                            {"intermediate_size", 9216},
                            {"num_hidden_layers", 26},
                            {"num_attention_heads", 8},
                            {"num_key_value_heads", 4},
                            {"head_dim", 256},
                            {"max_position_embeddings", 131072},
                            {"sliding_window", 4096},
                            {"sliding_window_pattern", 6}}});
  // modeling_phi3.py: fused qkv_proj and gate_up_proj, no biases; Phi3Config window applies
  // to every layer when set.
  f.push_back({.model_type = "phi3", .config_class = "Phi3Config",
               .source = "transformers models/phi3/modeling_phi3.py", .fused_qkv = true,
               .fused_gate_up = true, .sliding = SlidingRule::all_layers, .defaults = {}});
  // modeling_cohere.py: parallel block with one LayerNorm (weight only); tied embeddings;
  // use_qk_norm adds LayerNorms over (heads, head_dim).
  f.push_back({.model_type = "cohere", .config_class = "CohereConfig",
               .source = "transformers models/cohere/modeling_cohere.py",
               .norms = BlockNorms::parallel_one, .bias = BiasRule::attention_key,
               .tie_default = true, .defaults = {}});
  // modeling_deepseek_v2.py: MLA, shared experts, greedy router without bias.
  f.push_back({.model_type = "deepseek_v2", .config_class = "DeepseekV2Config",
               .source = "transformers models/deepseek_v2/modeling_deepseek_v2.py",
               .bias = BiasRule::attention_key, .moe = MoeRule::deepseek, .mla = true,
               .defaults = {{"first_k_dense_replace", 0}, {"moe_layer_freq", 1}}});
  // modeling_deepseek_v3.py: MLA, shared expert, router with e_score_correction_bias.
  f.push_back({.model_type = "deepseek_v3", .config_class = "DeepseekV3Config",
               .source = "transformers models/deepseek_v3/modeling_deepseek_v3.py",
               .bias = BiasRule::attention_key, .moe = MoeRule::deepseek, .mla = true,
               .defaults = {{"first_k_dense_replace", 3},
                            {"moe_layer_freq", 1},
                            {"n_shared_experts", 1}}});
  // modeling_gpt_oss.py: biases on attention, router and experts; sinks; layer_types.
  f.push_back({.model_type = "gpt_oss", .config_class = "GptOssConfig",
               .source = "transformers models/gpt_oss/modeling_gpt_oss.py",
               .bias = BiasRule::attention_key, .sliding = SlidingRule::alternate,
               .moe = MoeRule::gpt_oss, .defaults = {{"sliding_window", 128}}});
  // modeling_llama4.py: no biases (Llama4TextConfig forces attention_bias false); L2 qk norm
  // has no weights; chunked attention on RoPE layers.
  f.push_back({.model_type = "llama4_text", .config_class = "Llama4TextConfig",
               .source = "transformers models/llama4/modeling_llama4.py",
               .sliding = SlidingRule::chunked_rope, .moe = MoeRule::llama4,
               .defaults = {{"vocab_size", 202048},
                            {"hidden_size", 5120},
                            {"intermediate_size", 8192},
                            {"intermediate_size_mlp", 16384},
                            {"num_hidden_layers", 48},
                            {"num_attention_heads", 40},
                            {"num_key_value_heads", 8},
                            {"head_dim", 128},
                            {"max_position_embeddings", 131072},
                            {"num_experts_per_tok", 1},
                            {"num_local_experts", 16},
                            {"interleave_moe_layer_step", 1},
                            {"no_rope_layer_interval", 4},
                            {"attention_chunk_size", 8192}}});
  // modeling_falcon.py: fused query_key_value, LayerNorms with bias, `bias` on linears,
  // tie default true (PretrainedConfig); FalconConfig(max_position_embeddings=2048).
  f.push_back({.model_type = "falcon", .config_class = "FalconConfig",
               .source = "transformers models/falcon/modeling_falcon.py",
               .norms = BlockNorms::parallel_one, .norm_bias = true, .mlp = MlpKind::plain,
               .fused_qkv = true, .bias = BiasRule::falcon, .tie_default = true,
               .head_dim_from_hidden = true, .defaults = {{"max_position_embeddings", 2048}}});
  // modeling_gpt2.py: Conv1D c_attn/c_proj/c_fc with biases, learned positions, tied head.
  f.push_back({.model_type = "gpt2", .config_class = "GPT2Config",
               .source = "transformers models/gpt2/modeling_gpt2.py", .norm_bias = true,
               .mlp = MlpKind::plain, .fused_qkv = true, .bias = BiasRule::all_linear,
               .tie_default = true, .head_dim_from_hidden = true, .defaults = {{"n_positions", 1024}}});
  // modeling_gpt_neox.py: fused query_key_value, two LayerNorms even with parallel residual,
  // untied embed_out (GPTNeoXConfig tie default false).
  f.push_back({.model_type = "gpt_neox", .config_class = "GPTNeoXConfig",
               .source = "transformers models/gpt_neox/modeling_gpt_neox.py", .norm_bias = true,
               .mlp = MlpKind::plain, .fused_qkv = true, .bias = BiasRule::all_linear,
               .head_dim_from_hidden = true, .defaults = {{"max_position_embeddings", 2048}}});
  // modeling_opt.py: separate q/k/v/out with biases, fc1/fc2, learned positions offset by 2,
  // optional project_in/project_out, tied head.
  f.push_back({.model_type = "opt", .config_class = "OPTConfig",
               .source = "transformers models/opt/modeling_opt.py", .norm_bias = true,
               .mlp = MlpKind::plain, .bias = BiasRule::all_linear, .tie_default = true,
               .head_dim_from_hidden = true, .defaults = {{"max_position_embeddings", 2048}}});
  // modeling_starcoder2.py: LayerNorms with bias, q/k/v/o and c_fc/c_proj with bias
  // (use_bias, default true), a plain GELU MLP; Starcoder2Config's sliding_window applies to
  // every layer; embeddings tied unless the config says otherwise.
  f.push_back({.model_type = "starcoder2", .config_class = "Starcoder2Config",
               .source = "transformers models/starcoder2/modeling_starcoder2.py",
               .norm_bias = true, .mlp = MlpKind::plain, .bias = BiasRule::all_linear,
               .tie_default = true, .sliding = SlidingRule::all_layers,
               .head_dim_from_hidden = true, .defaults = {{"max_position_embeddings", 4096}}});
  // modeling_glm4.py (GLM-4-0414): four norms per block (input, post_self_attn,
  // post_attention, post_mlp), q/k/v with bias and o without (attention_bias), gate and up
  // fused in gate_up_proj.
  f.push_back({.model_type = "glm4", .config_class = "Glm4Config",
               .source = "transformers models/glm4/modeling_glm4.py",
               .norms = BlockNorms::sandwich, .fused_gate_up = true, .bias = BiasRule::qkv_only,
               .defaults = {}});
  // modeling_mpt.py: fused Wqkv, out_proj, up/down (expansion_ratio x d_model, plain GELU),
  // LayerNorms without bias and no biases anywhere (MPTConfig no_bias=True), ALiBi (no
  // position embeddings), embeddings tied.
  f.push_back({.model_type = "mpt", .config_class = "MptConfig",
               .source = "transformers models/mpt/modeling_mpt.py", .mlp = MlpKind::plain,
               .fused_qkv = true, .tie_default = true, .head_dim_from_hidden = true,
               .defaults = {{"max_seq_len", 2048}}});
  // Encoders (embedding and reranker models): modeling_bert.py / modeling_xlm_roberta.py.
  // Post-norm blocks (attention.output.LayerNorm, output.LayerNorm) with biases everywhere, a
  // plain GELU MLP, learned positions and token types; BertConfig / XLMRobertaConfig defaults.
  for (const auto& [type, config_class, source] :
       {std::tuple{"bert", "BertConfig", "transformers models/bert/modeling_bert.py"},
        std::tuple{"roberta", "RobertaConfig", "transformers models/roberta/modeling_roberta.py"},
        std::tuple{"xlm-roberta", "XLMRobertaConfig",
                   "transformers models/xlm_roberta/modeling_xlm_roberta.py"}}) {
    f.push_back({.model_type = type, .config_class = config_class, .source = source,
                 .norm_bias = true, .mlp = MlpKind::plain, .bias = BiasRule::all_linear,
                 .tie_default = true, .head_dim_from_hidden = true, .encoder = true,
                 .defaults = {{"vocab_size", 30522},
                              {"hidden_size", 768},
                              {"num_hidden_layers", 12},
                              {"num_attention_heads", 12},
                              {"intermediate_size", 3072},
                              {"max_position_embeddings", 512},
                              {"type_vocab_size", 2}}});
  }
  return f;
}

const std::vector<FamilyTraits>& families() {
  static const std::vector<FamilyTraits> table = make_families();
  return table;
}

// Older names of families (Falcon's remote-code "RefinedWeb" configs) and text-model names.
struct Alias {
  std::string_view name;
  std::string_view family;
};
// Qwen2-VL / Qwen2.5-VL keep their language model's keys on the top level, and its decoder is
// Qwen2's (modeling_qwen2_5_vl.py Qwen2_5_VLTextModel); Phi-4-multimodal's decoder is Phi-3's
// (Phi-4-mini) with LoRA adapters beside it (modeling_phi4_multimodal.py).
constexpr Alias k_aliases[] = {
    {"refinedweb", "falcon"},   {"refinedwebmodel", "falcon"}, {"gemma3", "gemma3_text"},
    {"llama4", "llama4_text"},  {"mistral3", "mistral"},       {"llava", "llama"},
    {"qwen2_vl", "qwen2"},      {"qwen2_5_vl", "qwen2"},       {"phi4mm", "phi3"},
    {"phi4_multimodal", "phi3"},
};

}  // namespace

const FamilyTraits* find_family(std::string_view model_type) {
  for (const auto& alias : k_aliases) {
    if (alias.name == model_type) {
      model_type = alias.family;
      break;
    }
  }
  const auto& table = families();
  const auto it = std::find_if(table.begin(), table.end(), [&](const FamilyTraits& traits) {
    return traits.model_type == model_type;
  });
  return it == table.end() ? nullptr : &*it;
}

const FamilyTraits& llama_family() {
  return *find_family("llama");
}

std::string_view wrapped_text_model_type(std::string_view outer_model_type) {
  // Composite configs whose text_config may omit model_type (transformers fills it in from
  // the sub-config class: Gemma3Config -> Gemma3TextConfig, Llama4Config -> Llama4TextConfig,
  // Mistral3Config and LlavaConfig default to Mistral / Llama text models).
  if (outer_model_type == "gemma3") {
    return "gemma3_text";
  }
  if (outer_model_type == "llama4") {
    return "llama4_text";
  }
  if (outer_model_type == "mistral3") {
    return "mistral";
  }
  if (outer_model_type == "llava") {
    return "llama";
  }
  return {};
}

}  // namespace vramcalc::hf
