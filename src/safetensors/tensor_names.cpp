// Hugging Face tensor names -> TensorRole. The spellings come from the checkpoints of each
// family as transformers names its modules (modeling_<family>.py) and as llama.cpp's converter
// maps them (convert_hf_to_gguf.py / gguf-py/gguf/tensor_mapping.py); quantization suffixes
// from the quantizers' modules (AutoGPTQ QuantLinear, AutoAWQ WQLinear_GEMM, transformers'
// bitsandbytes quantizer, vLLM's compressed-tensors schemes).
#include "safetensors/tensor_names.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <vector>

namespace vramcalc::safetensors {

namespace {

using Parts = std::vector<std::string_view>;

struct RoleRow {
  std::string_view part;
  TensorRole role;
};

// Projections whose name alone says the role.
constexpr auto k_projections = std::to_array<RoleRow>({
    // attention: llama/mistral/qwen/phi (q_proj...), BERT-style (query...), original Llama and
    // Mistral checkpoints (wq...), OPT/phi-2 (out_proj), fused qkv: phi-3 qkv_proj, gpt-neox /
    // falcon / bloom query_key_value, gpt2 c_attn, mpt Wqkv, baichuan W_pack.
    {"q_proj", TensorRole::attn_q},
    {"k_proj", TensorRole::attn_k},
    {"v_proj", TensorRole::attn_v},
    {"o_proj", TensorRole::attn_output},
    {"out_proj", TensorRole::attn_output},
    {"query", TensorRole::attn_q},
    {"key", TensorRole::attn_k},
    {"value", TensorRole::attn_v},
    {"wq", TensorRole::attn_q},
    {"wk", TensorRole::attn_k},
    {"wv", TensorRole::attn_v},
    {"wo", TensorRole::attn_output},
    {"qkv_proj", TensorRole::attn_qkv},
    {"query_key_value", TensorRole::attn_qkv},
    {"c_attn", TensorRole::attn_qkv},
    {"Wqkv", TensorRole::attn_qkv},
    {"W_pack", TensorRole::attn_qkv},
    // multi-head latent attention (deepseek-v2/v3 modeling_deepseek.py)
    {"q_a_proj", TensorRole::attn_q_a},
    {"q_b_proj", TensorRole::attn_q_b},
    {"kv_a_proj_with_mqa", TensorRole::attn_kv_a},
    {"kv_b_proj", TensorRole::attn_kv_b},
    // MLP: llama gate/up/down; mixtral and original Llama w1 (gate), w3 (up), w2 (down);
    // phi-3 fused gate_up_proj; gpt2 c_fc; phi-2/opt fc1/fc2; gpt-neox/falcon/bloom
    // dense_h_to_4h/dense_4h_to_h; gpt-j fc_in/fc_out.
    {"gate_proj", TensorRole::ffn_gate},
    {"w1", TensorRole::ffn_gate},
    {"up_proj", TensorRole::ffn_up},
    {"w3", TensorRole::ffn_up},
    {"gate_up_proj", TensorRole::ffn_up},
    {"c_fc", TensorRole::ffn_up},
    {"fc1", TensorRole::ffn_up},
    {"dense_h_to_4h", TensorRole::ffn_up},
    {"fc_in", TensorRole::ffn_up},
    {"down_proj", TensorRole::ffn_down},
    {"w2", TensorRole::ffn_down},
    {"fc2", TensorRole::ffn_down},
    {"dense_4h_to_h", TensorRole::ffn_down},
    {"fc_out", TensorRole::ffn_down},
    // MoE routers: gpt-oss / llama-4 "router", qwen2-moe's gate of the shared expert.
    {"router", TensorRole::ffn_gate_inp},
});

// Tensors outside the blocks: embeddings and output heads of each family.
constexpr auto k_outer = std::to_array<RoleRow>({
    {"embed_tokens", TensorRole::token_embd},   // llama, qwen, mistral, phi, opt, deepseek
    {"wte", TensorRole::token_embd},            // gpt2, gpt-j
    {"word_embeddings", TensorRole::token_embd},  // falcon, bloom, bert
    {"embed_in", TensorRole::token_embd},       // gpt-neox
    {"tok_embeddings", TensorRole::token_embd},   // original Llama / Mistral
    {"wpe", TensorRole::pos_embd},              // gpt2
    {"embed_positions", TensorRole::pos_embd},  // opt
    {"position_embeddings", TensorRole::pos_embd},  // bert-style
    {"lm_head", TensorRole::output},            // most causal LMs
    {"embed_out", TensorRole::output},          // gpt-neox
    {"output_layer", TensorRole::output},       // chatglm
    {"shared_expert_gate", TensorRole::ffn_gate_inp},  // qwen2-moe: gates the shared expert
    {"embeddings", TensorRole::token_embd},     // mamba backbone.embeddings
});

// Parts that hold the blocks, followed by the block number.
constexpr auto k_block_lists = std::to_array<std::string_view>({"layers", "h", "blocks", "layer"});

// Parts that open a tower other than the language model (multimodal checkpoints), or a
// multi-token-prediction module kept apart from the blocks (Qwen3-Next "mtp.layers.N"): their
// blocks are not the model's layers.
constexpr auto k_towers = std::to_array<std::string_view>({
    "vision_tower",  "vision_model", "visual",        "vision_encoder", "vision",
    "audio_tower",   "audio_model",  "audio_encoder", "speech_encoder", "image_encoder",
    "mm_projector",  "multi_modal_projector", "vpm", "resampler", "mtp"});

// Containers of an attention block (where gpt2's c_proj and falcon's dense are its output).
constexpr auto k_attention = std::to_array<std::string_view>({"attn", "attention", "self_attn",
                                                         "self_attention"});
// Containers of an MLP or MoE block (where a bare "gate" is the router).
constexpr auto k_mlp = std::to_array<std::string_view>({"mlp", "block_sparse_moe", "feed_forward",
                                                   "moe", "ffn"});
// Containers of a state-space (mamba) block.
constexpr auto k_ssm = std::to_array<std::string_view>({"mixer", "mamba", "ssm"});

// Last parts that are quantization metadata, not parameters: GPTQ/AWQ
// qzeros, scales, g_idx; FP8 weight_scale (compressed-tensors, fbgemm), weight_scale_inv
// (deepseek block FP8), input/output/kv scales; NVFP4 weight_scale_2 and global scales;
// compressed-tensors weight_zero_point, weight_g_idx, weight_shape; bitsandbytes int8 SCB and
// weight_format; MLX affine quantization `biases` (zero points, beside `scales`).
constexpr auto k_side_leaves = std::to_array<std::string_view>({
    "qzeros",           "scales",             "g_idx",        "weight_scale",
    "weight_scale_inv", "weight_scale_2",     "input_scale",  "output_scale",
    "k_scale",          "v_scale",            "q_scale",      "prob_scale",
    "weight_zero_point", "weight_global_scale", "input_global_scale", "weight_g_idx",
    "weight_shape",     "SCB",                "weight_format", "biases",
    "input_zero_point"});

// bitsandbytes 4-bit: weight.absmax, weight.quant_map, weight.nested_absmax,
// weight.nested_quant_map (transformers quantizer_bnb_4bit.py `bnb_keys`).
constexpr auto k_bnb_leaves = std::to_array<std::string_view>(
    {"absmax", "quant_map", "nested_absmax", "nested_quant_map"});

template <std::size_t N>
bool one_of(std::string_view part, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), part) != list.end();
}

template <std::size_t N>
const RoleRow* find_row(std::string_view part, const std::array<RoleRow, N>& rows) {
  for (const RoleRow& row : rows) {
    if (row.part == part) {
      return &row;
    }
  }
  return nullptr;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
}

// Any normalisation: *norm* (input_layernorm, q_a_layernorm, final_layer_norm, norm, q_norm,
// enorm) and gpt2/falcon/bloom ln_1, ln_2, ln_f, ln_attn, ln_mlp.
bool is_norm(std::string_view part) {
  return part.find("norm") != std::string_view::npos || starts_with(part, "ln_") ||
         part == "ln";
}

// A block or expert number; past 2^31 (TensorInfo::layer is 32-bit) it saturates at 2^31,
// which no model reaches, so the caller reports it as out of range.
std::int64_t index_of(std::string_view digits) {
  constexpr std::uint64_t k_saturate = std::uint64_t{1} << 31U;
  std::uint64_t index = 0;
  const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (result.ec != std::errc() || index > k_saturate) {
    index = k_saturate;
  }
  return static_cast<std::int64_t>(index);
}

Parts split(std::string_view name) {
  Parts parts;
  // One allocation per name: a checkpoint may list k_max_tensors of them.
  parts.reserve(static_cast<std::size_t>(std::count(name.begin(), name.end(), '.')) + 1);
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    parts.push_back(name.substr(start, dot == std::string_view::npos ? name.npos : dot - start));
    if (dot == std::string_view::npos) {
      return parts;
    }
    start = dot + 1;
  }
}

std::string join(const Parts& parts, std::size_t count) {
  std::string out;
  std::size_t length = 0;
  for (std::size_t i = 0; i < count && i < parts.size(); ++i) {
    length += parts[i].size() + 1;
  }
  out.reserve(length);
  for (std::size_t i = 0; i < count && i < parts.size(); ++i) {
    out += (i == 0 ? "" : ".");
    out += parts[i];
  }
  return out;
}

// Splits off the last part(s) that are not the module: sets kind and leaf, returns how many
// parts the module has.
std::size_t split_leaf(Parts& parts, TensorName& out) {
  const std::size_t n = parts.size();
  const std::string_view last = parts[n - 1];
  if (n >= 3 && parts[n - 3] == "weight" && parts[n - 2] == "quant_state") {
    // bitsandbytes weight.quant_state.bitsandbytes__nf4 (a U8 JSON blob)
    out.kind = TensorKind::quant_side;
    out.leaf = "weight.quant_state." + std::string(last);
    return n - 3;
  }
  if (n >= 2 && parts[n - 2] == "weight" && one_of(last, k_bnb_leaves)) {
    out.kind = TensorKind::quant_side;
    out.leaf = "weight." + std::string(last);
    return n - 2;
  }
  if (one_of(last, k_side_leaves)) {
    out.kind = TensorKind::quant_side;
    out.leaf = std::string(last);
    return n - 1;
  }
  if (last == "weight" || last == "bias" || last == "qweight" || last == "weight_packed") {
    out.leaf = std::string(last);
    return n - 1;
  }
  if (last == "masked_bias" || last == "inv_freq") {
    // gpt2 / gpt-neox causal-mask constant and rotary frequencies: buffers, not parameters
    // (llama.cpp convert_hf_to_gguf.py skips .attn.masked_bias and rotary_emb.inv_freq).
    out.kind = TensorKind::buffer;
    out.leaf = std::string(last);
    return n - 1;
  }
  // gpt-oss experts: gate_up_proj_blocks (MXFP4 pairs), _scales (E8M0), _bias; the stem stays
  // the module's last part.
  for (const std::string_view suffix : {"_blocks", "_scales", "_bias"}) {
    if (ends_with(last, suffix) && last.size() > suffix.size() &&
        find_row(last.substr(0, last.size() - suffix.size()), k_projections) != nullptr) {
      parts[n - 1] = last.substr(0, last.size() - suffix.size());
      out.leaf = std::string(suffix.substr(1));
      out.kind = suffix == "_scales" ? TensorKind::quant_side : TensorKind::parameter;
      return n;
    }
  }
  return n;  // the name ends with the module (fused expert tensors, e_score_correction_bias)
}

// The role of a module inside a block, from its innermost recognisable part outwards.
TensorRole block_role(const Parts& parts, std::size_t begin, std::size_t end, bool& routed) {
  bool experts = false;
  bool shared = false;
  for (std::size_t i = begin; i < end; ++i) {
    experts = experts || parts[i] == "experts";
    shared = shared || starts_with(parts[i], "shared_expert") || parts[i] == "shared_mlp";
    if (one_of(parts[i], k_ssm) && !is_norm(parts[end - 1])) {
      return TensorRole::ssm;
    }
  }
  routed = experts && !shared;
  for (std::size_t i = end; i-- > begin;) {
    const std::string_view part = parts[i];
    const std::string_view parent = i > begin ? parts[i - 1] : std::string_view();
    if (is_norm(part)) {
      return TensorRole::norm;
    }
    if (part == "shared_expert_gate") {
      routed = false;
      return TensorRole::ffn_gate_inp;
    }
    TensorRole role = TensorRole::other;
    if (const RoleRow* row = find_row(part, k_projections)) {
      role = row->role;
    } else if ((part == "c_proj" || part == "dense") && one_of(parent, k_attention)) {
      role = TensorRole::attn_output;  // gpt2 attn.c_proj, falcon/bloom/phi-2 attention dense
    } else if (part == "c_proj" && one_of(parent, k_mlp)) {
      role = TensorRole::ffn_down;  // gpt2 mlp.c_proj
    } else if (part == "gate" && one_of(parent, k_mlp)) {
      return TensorRole::ffn_gate_inp;  // mixtral block_sparse_moe.gate, deepseek/qwen mlp.gate
    } else {
      continue;
    }
    if (role == TensorRole::ffn_gate || role == TensorRole::ffn_up ||
        role == TensorRole::ffn_down) {
      const bool gate = role == TensorRole::ffn_gate;
      const bool up = role == TensorRole::ffn_up;
      if (routed) {
        return gate ? TensorRole::ffn_gate_exps : up ? TensorRole::ffn_up_exps
                                                     : TensorRole::ffn_down_exps;
      }
      if (shared) {
        return gate ? TensorRole::ffn_gate_shexp : up ? TensorRole::ffn_up_shexp
                                                      : TensorRole::ffn_down_shexp;
      }
    }
    if (role == TensorRole::ffn_gate_inp) {
      routed = false;  // a router (gpt-oss "mlp.router") is used by every token
    }
    return role;
  }
  return TensorRole::other;
}

// The role of a tensor outside the blocks.
TensorRole outer_role(const Parts& parts, std::size_t end) {
  for (std::size_t i = end; i-- > 0;) {
    if (is_norm(parts[i])) {
      return TensorRole::norm;
    }
    if (const RoleRow* row = find_row(parts[i], k_outer)) {
      return row->role;
    }
  }
  // The original Llama/Mistral checkpoints call the head "output.weight".
  if (end == 1 && parts[0] == "output") {
    return TensorRole::output;
  }
  return TensorRole::other;
}

}  // namespace

TensorName classify_tensor_name(std::string_view name) {
  TensorName out;
  Parts parts = split(name);
  const std::size_t module_end = split_leaf(parts, out);
  out.module = join(parts, module_end);

  // Block number: the first "layers.N" (or h.N, blocks.N, layer.N) outside other towers.
  std::size_t block = parts.size();
  for (std::size_t i = 0; i + 1 < module_end; ++i) {
    if (one_of(parts[i], k_towers)) {
      break;
    }
    if (one_of(parts[i], k_block_lists) && all_digits(parts[i + 1])) {
      block = i;
      break;
    }
  }
  bool in_tower = false;
  for (std::size_t i = 0; i < module_end; ++i) {
    in_tower = in_tower || one_of(parts[i], k_towers);
  }

  if (block < parts.size()) {
    out.layer = index_of(parts[block + 1]);
    out.role = block_role(parts, block + 2, module_end, out.routed_expert);
    for (std::size_t i = block + 2; out.routed_expert && i + 1 < module_end; ++i) {
      if (parts[i] == "experts" && all_digits(parts[i + 1])) {
        out.expert = index_of(parts[i + 1]);
        break;
      }
    }
  } else if (!in_tower) {
    out.role = outer_role(parts, module_end);
  }

  // A bias vector of a linear layer; norms keep their role for weight and bias alike.
  if (out.leaf == "bias" && out.kind == TensorKind::parameter && out.role != TensorRole::norm) {
    const std::string_view owner = module_end > 0 ? parts[module_end - 1] : std::string_view();
    if (one_of(owner, k_attention)) {
      // gpt2 "h.N.attn.bias" / gpt-neox "attention.bias": the causal mask, a buffer.
      out.kind = TensorKind::buffer;
      out.role = TensorRole::other;
    } else {
      out.role = TensorRole::bias;
    }
  }
  return out;
}

}  // namespace vramcalc::safetensors
