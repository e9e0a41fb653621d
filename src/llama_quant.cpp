// llama-quantize's per-tensor type choice, following src/llama-quant.cpp
// (llama_tensor_get_type and the `quantize &=` filter of llama_model_quantize_impl) as of late
// 2025 (read at JohannesGaessler/llama.cpp 5a44f27e, a mirror of upstream), without an
// importance matrix, adjusted where the pinned llama.cpp (de3ff815) behaves differently.
// Checked against the files llama.cpp itself quantized, described tensor for tensor in
// tests/data/gguf-inventories/ (tests/unit/llama_quant_test.cpp).
#include "vramcalc/llama_quant.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "text.hpp"
#include "vramcalc/ggml_types.hpp"

namespace vramcalc {

namespace {

// ggml type ids (ggml.h enum ggml_type).
enum : std::uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q2_K = 10, Q3_K = 11,
  Q4_K = 12, Q5_K = 13, Q6_K = 14, IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19,
  IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23, IQ1_M = 29, BF16 = 30, TQ1_0 = 34,
  TQ2_0 = 35, MXFP4 = 39,
};

// llama_ftype ids (llama.h) and the default type llama_model_quantize_impl starts from.
enum : std::uint32_t {
  FT_Q4_0 = 2, FT_Q4_1 = 3, FT_Q8_0 = 7, FT_Q5_0 = 8, FT_Q5_1 = 9, FT_Q2_K = 10,
  FT_Q3_K_S = 11, FT_Q3_K_M = 12, FT_Q3_K_L = 13, FT_Q4_K_S = 14, FT_Q4_K_M = 15,
  FT_Q5_K_S = 16, FT_Q5_K_M = 17, FT_Q6_K = 18, FT_IQ2_XXS = 19, FT_IQ2_XS = 20,
  FT_Q2_K_S = 21, FT_IQ3_XS = 22, FT_IQ3_XXS = 23, FT_IQ1_S = 24, FT_IQ4_NL = 25,
  FT_IQ3_S = 26, FT_IQ3_M = 27, FT_IQ2_S = 28, FT_IQ2_M = 29, FT_IQ4_XS = 30, FT_IQ1_M = 31,
  FT_TQ1_0 = 36, FT_TQ2_0 = 37, FT_MXFP4_MOE = 38,
};

const std::vector<LlamaFileType> k_file_types = {
    {FT_Q4_0, "Q4_0", Q4_0},         {FT_Q4_1, "Q4_1", Q4_1},
    {FT_Q8_0, "Q8_0", Q8_0},         {FT_Q5_0, "Q5_0", Q5_0},
    {FT_Q5_1, "Q5_1", Q5_1},         {FT_Q2_K, "Q2_K", Q2_K},
    {FT_Q3_K_S, "Q3_K_S", Q3_K},     {FT_Q3_K_M, "Q3_K_M", Q3_K},
    {FT_Q3_K_L, "Q3_K_L", Q3_K},     {FT_Q4_K_S, "Q4_K_S", Q4_K},
    {FT_Q4_K_M, "Q4_K_M", Q4_K},     {FT_Q5_K_S, "Q5_K_S", Q5_K},
    {FT_Q5_K_M, "Q5_K_M", Q5_K},     {FT_Q6_K, "Q6_K", Q6_K},
    {FT_IQ2_XXS, "IQ2_XXS", IQ2_XXS}, {FT_IQ2_XS, "IQ2_XS", IQ2_XS},
    {FT_Q2_K_S, "Q2_K_S", Q2_K},     {FT_IQ3_XS, "IQ3_XS", IQ3_S},
    {FT_IQ3_XXS, "IQ3_XXS", IQ3_XXS}, {FT_IQ1_S, "IQ1_S", IQ1_S},
    {FT_IQ4_NL, "IQ4_NL", IQ4_NL},   {FT_IQ3_S, "IQ3_S", IQ3_S},
    {FT_IQ3_M, "IQ3_M", IQ3_S},      {FT_IQ2_S, "IQ2_S", IQ2_XS},
    {FT_IQ2_M, "IQ2_M", IQ2_S},      {FT_IQ4_XS, "IQ4_XS", IQ4_XS},
    {FT_IQ1_M, "IQ1_M", IQ1_M},      {FT_TQ1_0, "TQ1_0", TQ1_0},
    {FT_TQ2_0, "TQ2_0", TQ2_0},      {FT_MXFP4_MOE, "MXFP4_MOE", MXFP4},
};

bool contains(const std::string& name, std::string_view part) {
  return name.find(part) != std::string::npos;
}

bool ends_with(const std::string& name, std::string_view tail) {
  return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
}

// `quantize &= ...` in llama_model_quantize_impl: which tensors are quantized at all.
bool quantizable(const TensorInfo& t) {
  if (!ends_with(t.name, "weight") || t.shape.size() < 2) {
    return false;
  }
  for (const char* skip : {"_norm.weight", "ffn_gate_inp.weight", "altup", "laurel",
                           "per_layer_model_proj", "ssm_conv1d.weight", "shortconv.conv.weight",
                           "time_mix_", "attn_rel_b.weight"}) {
    if (contains(t.name, skip)) {
      return false;
    }
  }
  return t.name != "position_embd.weight" && t.name != "token_types.weight";
}

// The type a tensor keeps when it is not quantized: its stored type, or what
// convert_hf_to_gguf.py writes (F32 for 1-D tensors, routers, SSM conv kernels; F16 else).
std::uint32_t unquantized_type(const TensorInfo& t) {
  if (!t.stored_type.empty()) {
    if (const GgmlType* type = ggml_type_by_name(t.stored_type)) {
      return type->id;
    }
  }
  if (t.shape.size() < 2 || contains(t.name, "ffn_gate_inp") || contains(t.name, "ssm_conv1d")) {
    return F32;
  }
  return F16;
}

std::uint32_t block_of(std::uint32_t type) {
  const GgmlType* t = ggml_type_by_id(type);
  return t == nullptr ? 1 : t->block_elements;
}

// The attn_v rules cover the fused qkv and the MLA kv_b projections too (the tensors
// n_attention_wv counts): the pinned llama.cpp gave Phi-3's attn_qkv Q6_K exactly where
// use_more_bits picks attn_v, Q4_K elsewhere (phi3_mini.Q4_K_M inventory). An older rule that
// gave every attn_qkv Q5_K in Q4_K_M is no longer what llama-quantize does.
bool attention_v_like(const std::string& name) {
  return contains(name, "attn_v.weight") || contains(name, "attn_qkv.weight") ||
         contains(name, "attn_kv_b.weight");
}

bool use_more_bits(int i, int n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

bool in(std::uint32_t ftype, std::initializer_list<std::uint32_t> set) {
  return std::find(set.begin(), set.end(), ftype) != set.end();
}

struct Context {
  std::uint32_t ftype = 0;
  std::string arch;
  int n_layer = 0;
  int n_expert = 0;
  std::uint32_t n_gqa = 1;
  bool has_output = false;
  bool is_70b = false;
  int n_attention_wv = 0;
  int i_attention_wv = 0;
};

// llama_tensor_get_type: the mix rules, then the fallback for rows that do not fill blocks.
std::uint32_t mixed_type(Context& qs, const TensorInfo& t, std::uint32_t new_type) {
  const std::uint32_t ftype = qs.ftype;
  const std::string& name = t.name;
  const int i_layer = std::max(0, t.layer);
  const int n_layer = qs.n_layer;
  const bool falcon = qs.arch == "falcon";
  const bool very_low = in(ftype, {FT_IQ2_XXS, FT_IQ2_XS, FT_IQ1_S, FT_IQ2_S, FT_IQ2_M, FT_IQ1_M});

  if (name == "output.weight" || (!qs.has_output && name == "token_embd.weight")) {
    const std::uint64_t nx = t.shape[0];
    if (ftype == FT_MXFP4_MOE) {
      new_type = Q8_0;
    } else if (falcon || nx % block_of(new_type) != 0) {
      new_type = Q8_0;
    } else if (in(ftype, {FT_IQ2_XXS, FT_IQ2_XS, FT_IQ3_XXS, FT_IQ1_S, FT_IQ2_S, FT_IQ2_M,
                          FT_IQ1_M})) {
      new_type = Q5_K;
    } else if (new_type != Q8_0) {
      new_type = Q6_K;
    }
  } else if (ftype == FT_MXFP4_MOE) {
    new_type = t.shape.size() > 2 && t.shape[2] > 1 ? MXFP4 : Q8_0;
  } else if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") {
    if (in(ftype, {FT_IQ2_XXS, FT_IQ2_XS, FT_IQ1_S, FT_IQ1_M})) {
      new_type = Q2_K;
    } else if (in(ftype, {FT_IQ2_S, FT_IQ2_M, FT_IQ3_XXS})) {
      new_type = IQ3_S;
    } else if (in(ftype, {FT_TQ1_0, FT_TQ2_0})) {
      new_type = Q4_K;
    }
  } else if (very_low) {
    if (contains(name, "attn_v.weight")) {
      new_type = (qs.n_gqa >= 4 || qs.n_expert >= 4)
                     ? Q4_K
                     : (in(ftype, {FT_IQ2_S, FT_IQ2_M}) ? IQ3_S : Q2_K);
      ++qs.i_attention_wv;
    } else if (qs.n_expert == 8 && contains(name, "attn_k.weight")) {
      new_type = Q4_K;
    } else if (contains(name, "ffn_down")) {
      if (i_layer < n_layer / 8) {
        new_type = in(ftype, {FT_IQ2_S, FT_IQ2_M}) ? IQ3_S : Q2_K;
      }
    } else if (contains(name, "attn_output.weight")) {
      if (qs.n_expert == 8) {
        new_type = Q5_K;
      } else if (in(ftype, {FT_IQ1_S, FT_IQ1_M})) {
        new_type = IQ2_XXS;
      } else if (in(ftype, {FT_IQ2_S, FT_IQ2_M})) {
        new_type = IQ3_S;
      }
    }
  } else if (attention_v_like(name)) {
    const int i = qs.i_attention_wv;
    if (ftype == FT_Q2_K) {
      new_type = qs.n_gqa >= 4 ? Q4_K : Q3_K;
    } else if (ftype == FT_Q2_K_S && qs.n_gqa >= 4) {
      new_type = Q4_K;
    } else if (ftype == FT_IQ3_XXS) {
      new_type = qs.n_gqa >= 4 ? Q4_K : IQ3_S;  // no importance matrix
    } else if (in(ftype, {FT_IQ3_XS, FT_IQ3_S}) && qs.n_gqa >= 4) {
      new_type = Q4_K;
    } else if (ftype == FT_IQ3_M) {
      new_type = Q4_K;
    } else if (ftype == FT_Q3_K_M) {
      new_type = i < 2 ? Q5_K : Q4_K;
    } else if (ftype == FT_Q3_K_L) {
      new_type = Q5_K;
    } else if (in(ftype, {FT_IQ4_NL, FT_IQ4_XS}) && qs.n_gqa >= 4) {
      new_type = Q5_K;
    } else if (in(ftype, {FT_Q4_K_M, FT_Q5_K_M}) && use_more_bits(i, qs.n_attention_wv)) {
      new_type = Q6_K;
    } else if (ftype == FT_Q4_K_S && i < 4) {
      new_type = Q5_K;
    }
    if (qs.is_70b && (new_type == Q3_K || new_type == Q4_K)) {
      new_type = Q5_K;  // 70B: 8 heads share attn_v, so more bits cost little
    }
    if (qs.n_expert == 8) {
      new_type = Q8_0;
    }
    ++qs.i_attention_wv;
  } else if (contains(name, "attn_k.weight")) {
    if (qs.n_expert == 8) {
      new_type = Q8_0;
    } else if (ftype == FT_IQ3_XS) {
      new_type = IQ3_XXS;
    } else if (ftype == FT_IQ3_XXS) {
      new_type = IQ2_S;
    }
  } else if (contains(name, "attn_q.weight")) {
    if (ftype == FT_IQ3_XS) {
      new_type = IQ3_XXS;
    } else if (ftype == FT_IQ3_XXS) {
      new_type = IQ2_S;
    }
  } else if (contains(name, "ffn_down")) {
    if (ftype == FT_Q2_K) {
      new_type = Q3_K;
    } else if (ftype == FT_Q2_K_S) {
      if (i_layer < n_layer / 8) {
        new_type = Q4_K;
      }
    } else if (ftype == FT_IQ3_XXS) {
      new_type = i_layer < n_layer / 8 ? Q4_K : Q3_K;  // no importance matrix
    } else if (ftype == FT_Q3_K_M) {
      new_type = i_layer < n_layer / 16                           ? Q5_K
                 : !falcon || use_more_bits(i_layer, n_layer) ? Q4_K
                                                              : Q3_K;
    } else if (ftype == FT_IQ3_M &&
               (i_layer < n_layer / 8 || (qs.n_expert == 8 && use_more_bits(i_layer, n_layer)))) {
      new_type = Q4_K;
    } else if (ftype == FT_Q3_K_L) {
      new_type = falcon ? Q4_K : Q5_K;
    } else if (ftype == FT_Q4_K_M) {
      if (falcon) {
        new_type = i_layer < n_layer / 16 ? Q6_K : use_more_bits(i_layer, n_layer) ? Q5_K : Q4_K;
      } else if (use_more_bits(i_layer, n_layer)) {
        new_type = Q6_K;
      }
    } else if (i_layer < n_layer / 8 && in(ftype, {FT_IQ4_NL, FT_IQ4_XS})) {
      new_type = Q5_K;  // no importance matrix
    } else if (ftype == FT_Q5_K_M && use_more_bits(i_layer, n_layer)) {
      new_type = Q6_K;
    } else if (ftype == FT_Q4_K_S && !falcon && i_layer < n_layer / 8) {
      new_type = Q5_K;
    }
  } else if (contains(name, "attn_output.weight")) {
    if (!falcon) {
      if (qs.n_expert == 8) {
        if (in(ftype, {FT_Q2_K, FT_IQ3_XS, FT_IQ3_XXS, FT_Q3_K_S, FT_Q3_K_M, FT_IQ4_NL, FT_Q4_K_S,
                       FT_Q4_K_M, FT_IQ3_S, FT_IQ3_M, FT_IQ4_XS})) {
          new_type = Q5_K;
        }
      } else if (ftype == FT_Q2_K) {
        new_type = Q3_K;
      } else if (ftype == FT_IQ3_XXS) {
        new_type = IQ3_S;
      } else if (ftype == FT_Q3_K_M || ftype == FT_IQ3_M) {
        new_type = Q4_K;
      } else if (ftype == FT_Q3_K_L) {
        new_type = Q5_K;
      }
    } else if (ftype == FT_Q3_K_L) {
      new_type = Q4_K;
    }
  } else if (contains(name, "ffn_gate") || contains(name, "ffn_up")) {
    if (ftype == FT_IQ3_XS && i_layer >= n_layer / 8 && i_layer < 7 * n_layer / 8) {
      new_type = IQ3_XXS;
    }
  }
  return new_type;
}

// Rows that do not fill whole blocks fall back (the convert_incompatible_tensor switch).
std::uint32_t with_fallback(std::uint32_t type, std::uint64_t row) {
  if (row % block_of(type) == 0) {
    return type;
  }
  std::uint32_t fallback = F16;
  switch (type) {
    case TQ1_0:
    case TQ2_0: fallback = Q4_0; break;
    case IQ2_XXS:
    case IQ2_XS:
    case IQ2_S:
    case IQ3_XXS:
    case IQ3_S:
    case IQ1_S:
    case IQ1_M:
    case Q2_K:
    case Q3_K:
    case IQ4_XS: fallback = IQ4_NL; break;
    case Q4_K: fallback = Q5_0; break;
    case Q5_K: fallback = Q5_1; break;
    case Q6_K: fallback = Q8_0; break;
    default: fallback = F16; break;
  }
  return row % block_of(fallback) == 0 ? fallback : F16;
}

// --token-embedding-type and --output-tensor-type win over the mix (and over --pure): the
// output head, or the token embeddings that stand in for a missing head, take the output
// type; the token embeddings otherwise take the embedding type (llama_tensor_get_type and the
// overrides after it in llama_model_quantize_impl, src/llama-quant.cpp).
std::uint32_t with_overrides(const Context& qs, const QuantizeChoices& choices, const TensorInfo& t,
                             std::uint32_t chosen) {
  const bool embeddings = t.name == "token_embd.weight";
  if (choices.output_type && (t.name == "output.weight" || (!qs.has_output && embeddings))) {
    return *choices.output_type;
  }
  if (choices.token_embedding_type && embeddings) {
    return *choices.token_embedding_type;
  }
  return chosen;
}

}  // namespace

const std::vector<LlamaFileType>& llama_file_types() {
  return k_file_types;
}

const LlamaFileType* find_llama_file_type(std::string_view name) {
  for (const auto& type : k_file_types) {
    if (text::iequals(type.name, text::trim(name))) {
      return &type;
    }
  }
  return nullptr;
}

std::vector<std::uint32_t> llama_quantize_types(const ModelSpec& model, const LlamaFileType& ftype,
                                                const QuantizeChoices& choices) {
  Context qs;
  qs.ftype = ftype.id;
  qs.arch = model.architecture;
  qs.n_layer = static_cast<int>(model.layers.size());
  qs.n_expert = static_cast<int>(model.n_experts);
  if (!model.layers.empty() && model.layers.front().n_kv_head != 0) {
    qs.n_gqa = model.layers.front().n_head / model.layers.front().n_kv_head;
  }
  // llama.cpp's LLM_TYPE_70B: the 80-layer Llama-2/3 70B models.
  qs.is_70b = model.layers.size() == 80 && model.architecture == "llama";
  for (const auto& t : model.tensors) {
    qs.has_output = qs.has_output || t.name == "output.weight";
    if (contains(t.name, "attn_v.weight") || contains(t.name, "attn_qkv.weight") ||
        contains(t.name, "attn_kv_b.weight")) {
      ++qs.n_attention_wv;
    }
  }
  // llama-quantize walks the tensors sorted by block number, then name (weight_name_comparer
  // in llama-model-loader.h); the attn_v counter follows that order.
  std::vector<std::size_t> order(model.tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const TensorInfo& x = model.tensors[a];
    const TensorInfo& y = model.tensors[b];
    return x.layer != y.layer ? x.layer < y.layer : x.name < y.name;
  });
  std::vector<std::uint32_t> types(model.tensors.size(), F16);
  for (const std::size_t i : order) {
    const TensorInfo& t = model.tensors[i];
    if (!quantizable(t)) {
      types[i] = unquantized_type(t);
      continue;
    }
    std::uint32_t chosen =
        choices.pure_type ? *choices.pure_type : mixed_type(qs, t, ftype.default_type);
    chosen = with_overrides(qs, choices, t, chosen);
    types[i] = with_fallback(chosen, t.shape[0]);
  }
  return types;
}

}  // namespace vramcalc
