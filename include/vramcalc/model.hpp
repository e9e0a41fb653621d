#pragma once
/// The model description every estimate consumes, whichever input it came from (a bare
/// parameter count, the catalog, a config.json, a GGUF or safetensors file).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vramcalc {

/// How a layer attends, which decides what it keeps in the KV cache.
enum class AttentionKind {
  full,            ///< keeps every token of the context
  sliding_window,  ///< keeps the last `sliding_window` tokens
  latent,          ///< multi-head latent attention (MLA): one compressed latent per token
  none,            ///< no attention (recurrent/SSM layer, or encoder-only model): no KV
};

/// One transformer block as far as memory is concerned.
struct LayerSpec {
  AttentionKind attention = AttentionKind::full;
  std::uint32_t n_head = 0;          ///< query heads
  std::uint32_t n_kv_head = 0;       ///< key/value heads (GQA/MQA: fewer than n_head)
  std::uint32_t head_dim_k = 0;      ///< elements per key head
  std::uint32_t head_dim_v = 0;      ///< elements per value head (may differ from keys)
  std::uint32_t sliding_window = 0;  ///< tokens kept; only for AttentionKind::sliding_window
  std::uint32_t latent_dim = 0;      ///< MLA: kv_lora_rank + rope dims, elements per token
  std::uint64_t recurrent_state_bytes = 0;  ///< fixed state per sequence (SSM/RWKV), bytes
  std::uint32_t ffn_dim = 0;         ///< dense MLP width, or the active expert width sum (MoE)
  bool moe = false;                  ///< this layer's MLP is a mixture of experts
  std::uint64_t params = 0;          ///< parameters held by this layer's tensors
};

/// What a weight tensor is for; decides how quantization formats treat it (llama.cpp keeps
/// norms in F32 and gives the output head more bits; bitsandbytes/GPTQ leave embeddings,
/// head and norms in 16 bits). Names follow llama.cpp's GGUF tensor names.
enum class TensorRole {
  token_embd,     ///< token embeddings (token_embd.weight)
  pos_embd,       ///< learned position embeddings (GPT-2, OPT)
  output,         ///< output head / lm_head (output.weight)
  norm,           ///< any normalisation weight or bias (1-D)
  bias,           ///< a bias vector of a linear layer (1-D)
  attn_q,         ///< query projection
  attn_k,         ///< key projection
  attn_v,         ///< value projection
  attn_qkv,       ///< fused query-key-value projection
  attn_output,    ///< attention output projection
  attn_q_a,       ///< MLA: query down-projection
  attn_q_b,       ///< MLA: query up-projection
  attn_kv_a,      ///< MLA: key-value down-projection (kv_a_proj_with_mqa)
  attn_kv_b,      ///< MLA: key-value up-projection
  ffn_gate,       ///< dense MLP gate projection
  ffn_up,         ///< dense MLP up projection (or fused gate_up)
  ffn_down,       ///< dense MLP down projection
  ffn_gate_exps,  ///< routed experts' gate projections
  ffn_up_exps,    ///< routed experts' up projections
  ffn_down_exps,  ///< routed experts' down projections
  ffn_gate_shexp, ///< shared experts' gate projection
  ffn_up_shexp,   ///< shared experts' up projection
  ffn_down_shexp, ///< shared experts' down projection
  ffn_gate_inp,   ///< MoE router
  ssm,            ///< recurrent / state-space tensors (kept at high precision by llama.cpp)
  other,          ///< anything else (rope_freqs, quantization scales, ...)
};

/// One tensor of the model: its shape and, when read from a file, how it is stored there.
struct TensorInfo {
  std::string name;                  ///< as in the file, or llama.cpp's name when synthesised
  TensorRole role = TensorRole::other;
  std::int32_t layer = -1;           ///< block index, -1 for tensors outside the blocks
  std::vector<std::uint64_t> shape;  ///< dimensions, innermost first as GGUF lists them
  std::uint64_t elements = 0;        ///< product of shape
  std::string stored_type;           ///< file's type ("Q4_K", "BF16", "F8_E4M3"); empty if none
  std::uint64_t stored_bytes = 0;    ///< exact bytes in the file (0 when not from a file)
};

/// Where the model description came from; decides the provenance of its figures.
enum class ModelSource { params, catalog, hf_config, gguf, safetensors };

/// Where a model read from a Hugging Face Hub repository came from (ModelSpec::hub).
struct HubOrigin {
  std::string repo;       ///< "ORG/REPO"
  std::string revision;   ///< as asked: "main" unless @REVISION was given
  std::string commit;     ///< the commit it resolved to (40 hex digits)
  std::string file;       ///< GGUF: the file read (its first shard); empty otherwise
  std::string quant_tag;  ///< GGUF: the quantization its name gives ("Q4_K_M"); else empty
};

/// What was assumed because the input did not say it (a bare --params has no shape).
struct ShapeAssumption {
  bool assumed = false;          ///< true when the shape was not read from the input
  std::string reference_model;   ///< e.g. "Llama-3.1-8B": the model the shape was taken from
  std::vector<std::string> overridden;  ///< shape fields the user set (--layers, --hidden, ...)
};

/// A vision encoder and its projector as a multimodal config.json describes them
/// (vision_config): what `vision_tower_params` counts and the projector's compute needs.
struct VisionTower {
  std::uint32_t hidden = 0;      ///< encoder width (hidden_size)
  std::uint32_t ffn = 0;         ///< encoder MLP width (intermediate_size)
  std::uint32_t heads = 0;       ///< attention heads (num_attention_heads, num_heads)
  std::uint32_t layers = 0;      ///< encoder blocks (num_hidden_layers, depth)
  std::uint32_t patch_size = 0;  ///< pixels per patch side
  std::uint32_t image_size = 0;  ///< pixels per image side the encoder is built for (0: dynamic)
  std::uint32_t merge = 1;       ///< patches merged into one text token per side (spatial_merge_size)
  std::uint32_t out_hidden = 0;  ///< width the projector maps to (the text model's hidden size)
};

/// A whole model. Invariants (checked by `validate_model`): at least one layer; every layer
/// with attention has n_head, n_kv_head, head dims > 0 and n_head divisible by n_kv_head;
/// hidden and vocab > 0.
struct ModelSpec {
  std::string name;                 ///< display name
  std::string architecture;         ///< family, e.g. "llama", "gemma2", "deepseek_v3"
  ModelSource source = ModelSource::params;
  std::string source_detail;        ///< path, catalog id, reference model, "ORG/REPO" or URL
  std::string hf_repo;              ///< the Hugging Face repo it is published as, when known
  /// Set when the files were read from a Hugging Face Hub repository (source_detail and
  /// hf_repo are then its "ORG/REPO"): the revision, commit and, for GGUF, the file and its
  /// quantization tag.
  std::optional<HubOrigin> hub;
  std::uint64_t total_params = 0;   ///< all parameters (MoE: every expert)
  std::uint64_t active_params = 0;  ///< parameters used per token (MoE: active experts only)
  std::uint32_t hidden = 0;         ///< model width (embedding length)
  std::uint32_t vocab = 0;          ///< vocabulary size
  std::uint64_t max_context = 0;    ///< trained context (max_position_embeddings); 0 unknown
  bool tied_embeddings = false;     ///< output head shares the token-embedding matrix
  std::uint32_t n_experts = 0;         ///< routed experts per MoE layer (0: dense model)
  std::uint32_t n_experts_used = 0;    ///< routed experts each token goes through
  std::uint32_t n_shared_experts = 0;  ///< experts every token goes through
  std::uint32_t expert_ffn_dim = 0;    ///< width of one expert's MLP
  /// The MLP fuses gate and up into one projection (Phi-3 `gate_up_proj`): frameworks keep
  /// a [tokens, 2 x ffn] tensor alive while the gate is activated.
  bool fused_gate_up = false;
  std::uint64_t embedding_params = 0;  ///< token (and position) embeddings
  std::uint64_t head_params = 0;       ///< output head and final norm (0 head if tied)
  std::vector<LayerSpec> layers;
  /// Every weight tensor, when the input lists them (files) or its architecture defines them
  /// (configs, catalog). Empty for a bare parameter count.
  std::vector<TensorInfo> tensors;
  /// True when `tensors` carry exact stored bytes read from a file (GGUF, safetensors).
  bool stored_bytes_exact = false;
  std::string stored_format;        ///< the file's precision label, e.g. "Q4_K_M", "bf16"
  std::optional<std::string> native_dtype;  ///< precision the input says the weights are in
  ShapeAssumption shape;
  /// The vision encoder a multimodal config.json describes beside the text model (its
  /// parameters are not in total_params: the planner places it as a projector component).
  std::optional<VisionTower> vision;
};

/// Number of attention heads every layer shares (the largest, when they differ); what a
/// tensor-parallel degree must divide.
[[nodiscard]] std::uint32_t attention_heads(const ModelSpec& model);

/// Whether `role` is one of the routed experts' stacked projections (ffn_*_exps): the tensors
/// a token reads n_experts_used / n_experts of, and --n-cpu-moe keeps in RAM.
[[nodiscard]] bool is_routed_expert(TensorRole role);

/// Throws vramcalc::Error (kind input) when the model breaks an invariant of ModelSpec.
void validate_model(const ModelSpec& model);

}  // namespace vramcalc
