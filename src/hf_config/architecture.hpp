#pragma once
// The normalised description of a transformer that the config readers produce and the
// tensor layout consumes (internal header). Family differences are data here: which norms a
// block has, which linears carry biases, whether projections are fused, how experts and
// attention windows are arranged.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hf_config/config_keys.hpp"
#include "vramcalc/model.hpp"

namespace vramcalc::hf {

/// Which normalisation weights a block holds (GGUF names in comments).
enum class BlockNorms {
  pre,           ///< attn_norm + ffn_norm (Llama: input_layernorm, post_attention_layernorm)
  sandwich,      ///< + post_attention_norm, post_ffw_norm (Gemma 2/3: four norms)
  parallel_one,  ///< attn_norm only: attention and MLP read one norm (Falcon-7B, Cohere)
  parallel_two,  ///< attn_norm + attn_norm_2 (Falcon new_decoder_architecture: ln_attn, ln_mlp)
};

/// How the MLP is built.
enum class MlpKind {
  gated,  ///< gate, up, down (SwiGLU / GeGLU)
  plain,  ///< up, down (GPT-2, OPT, GPT-NeoX, Falcon)
};

/// Where a family's sliding-window layers are when the config has no `layer_types` list.
enum class SlidingRule {
  none,             ///< no sliding window (a sliding_window key, if any, is not used)
  all_layers,       ///< `sliding_window` applies to every layer (Mistral, Phi-3)
  qwen2,            ///< `use_sliding_window`: layers >= `max_window_layers` (Qwen2/Qwen3)
  alternate,        ///< even layers sliding, odd layers full (Gemma 2)
  every_nth_global, ///< `sliding_window_pattern` (6): every 6th layer full (Gemma 3)
  chunked_rope,     ///< Llama 4: RoPE layers chunked (attention_chunk_size), NoPE layers full
};

/// How a family lays out its experts.
enum class MoeRule {
  none,
  mixtral,    ///< num_local_experts on every layer, expert width = intermediate_size
  qwen_moe,   ///< num_experts, decoder_sparse_step, mlp_only_layers, optional shared expert
  deepseek,   ///< n_routed_experts after first_k_dense_replace, every moe_layer_freq
  llama4,     ///< moe_layers / interleave_moe_layer_step, one shared expert
  gpt_oss,    ///< num_local_experts on every layer, biases on experts and router
};

/// Which linears carry biases, and which keys decide it.
enum class BiasRule {
  none,            ///< no biases (Mistral, Mixtral, Phi-3, Llama 4)
  attention_key,   ///< `attention_bias` on q/k/v/o, `mlp_bias` on the MLP (Llama, Gemma, ...)
  qkv_only,        ///< q/k/v always, o never (Qwen2, Qwen2-MoE)
  all_linear,      ///< every linear (GPT-2; OPT `enable_bias`; GPT-NeoX `attention_bias`)
  falcon,          ///< `bias` on every linear
};

/// Static facts of one family. Sources: the transformers modeling/configuration files named.
struct FamilyTraits {
  std::string_view model_type;
  std::string_view config_class;  ///< transformers configuration class (for notes)
  std::string_view source;        ///< modeling file the tensor layout follows
  BlockNorms norms = BlockNorms::pre;
  bool norm_bias = false;         ///< LayerNorm with bias (GPT-2, OPT, GPT-NeoX, Falcon)
  MlpKind mlp = MlpKind::gated;
  bool fused_qkv = false;         ///< one attn_qkv tensor (Phi-3, GPT-2, GPT-NeoX, Falcon)
  bool fused_gate_up = false;     ///< gate and up in one ffn_up tensor (Phi-3)
  BiasRule bias = BiasRule::none;
  bool qk_norm = false;           ///< RMSNorm(head_dim) on queries and keys (Qwen3, Gemma 3)
  bool tie_default = false;       ///< tie_word_embeddings when the config leaves it out
  SlidingRule sliding = SlidingRule::none;
  MoeRule moe = MoeRule::none;
  bool mla = false;               ///< DeepSeek multi-head latent attention
  bool head_dim_from_hidden = false;  ///< no head_dim key: hidden / heads (GPT-2, OPT, ...)
  /// A bidirectional encoder (BERT, RoBERTa, XLM-R: embedding and reranker models): no KV
  /// cache (every token is encoded at once), no LM head, token-type embeddings, a LayerNorm
  /// on the embeddings instead of a final one, and a pooler or classification head.
  bool encoder = false;
  std::vector<KeyDefault> defaults;  ///< keys the configuration class fills in
};

/// The family of `model_type` (already lower-cased), or nullptr when unknown.
[[nodiscard]] const FamilyTraits* find_family(std::string_view model_type);

/// Llama's traits, used for unknown families.
[[nodiscard]] const FamilyTraits& llama_family();

/// The model_type of a multimodal wrapper's text model when its text_config does not say
/// (gemma3 -> gemma3_text, llama4 -> llama4_text), or "" when unknown.
[[nodiscard]] std::string_view wrapped_text_model_type(std::string_view outer_model_type);

/// One block as planned from the config.
struct LayerPlan {
  AttentionKind attention = AttentionKind::full;
  std::uint32_t window = 0;   ///< tokens, for sliding_window
  bool moe = false;
  std::uint32_t dense_ffn = 0;  ///< MLP width of a dense block
};

struct MoePlan {
  std::uint32_t experts = 0;
  std::uint32_t experts_per_token = 0;
  std::uint32_t expert_ffn = 0;   ///< width of one routed expert
  std::uint32_t shared_ffn = 0;   ///< width of the shared expert(s) together; 0 none
  bool shared_gate = false;       ///< Qwen2-MoE shared_expert_gate (hidden -> 1)
  bool router_bias = false;       ///< gpt-oss router bias
  bool expert_bias = false;       ///< gpt-oss expert biases
  bool score_bias = false;        ///< DeepSeek-V3 e_score_correction_bias (exp_probs_b)
};

struct MlaPlan {
  std::uint32_t q_lora_rank = 0;  ///< 0: plain q_proj (DeepSeek-V2-Lite)
  std::uint32_t kv_lora_rank = 0;
  std::uint32_t qk_nope_head_dim = 0;
  std::uint32_t qk_rope_head_dim = 0;
  std::uint32_t v_head_dim = 0;
};

/// A whole model as planned from the config.
struct ArchPlan {
  const FamilyTraits* traits = nullptr;
  std::string family;             ///< model_type counted
  std::uint32_t hidden = 0;
  std::uint32_t heads = 0;
  std::uint32_t kv_heads = 0;
  std::uint32_t head_dim = 0;     ///< per query/key head
  std::uint32_t vocab = 0;
  std::uint64_t max_context = 0;
  bool tied = false;
  BlockNorms norms = BlockNorms::pre;
  bool q_bias = false;
  bool k_bias = false;
  bool v_bias = false;
  bool o_bias = false;
  bool mlp_bias = false;
  bool qk_norm = false;
  bool qk_norm_per_head = false;  ///< Cohere use_qk_norm: LayerNorm over (heads, head_dim)
  bool attn_sinks = false;        ///< gpt-oss: one learned sink logit per head
  std::uint64_t position_rows = 0;   ///< learned position embeddings (0: none)
  std::uint32_t embed_dim = 0;       ///< OPT word_embed_proj_dim (== hidden: no projections)
  std::uint64_t token_type_rows = 0; ///< encoders: token-type embeddings (type_vocab_size)
  std::uint32_t pooler = 0;          ///< encoders: pooler dense (hidden x hidden) when 1
  std::uint32_t classifier_labels = 0;  ///< encoders: a sequence-classification head's labels
  bool classifier_dense = false;     ///< RoBERTa-style classification head (dense + out_proj)
  bool final_norm = true;
  std::vector<LayerPlan> layers;
  std::optional<MoePlan> moe;
  std::optional<MlaPlan> mla;
};

}  // namespace vramcalc::hf
