#pragma once
// Small checkpoints of real model families for tests and fuzz seeds: the tensor names and
// shapes each family's Hugging Face checkpoints use, at toy sizes (hidden 8, vocab 10).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "safetensors_writer.hpp"

namespace vramcalc::test {

/// Llama-style: hidden 8, k/v 4 wide, MLP 16, vocab 10, BF16, untied head; a rotary inv_freq
/// buffer (F32 [4]) in layer 0. Per layer 592 parameters, embeddings 80, head 88.
[[nodiscard]] std::vector<SafetensorsFixtureTensor> small_llama(int layers);

/// Mixtral-style: 2 MoE layers of 4 experts (w1 gate [16, 8], w2 down [8, 16], w3 up [16, 8]),
/// router [4, 8], attention and norms as small_llama. 1776 parameters per layer.
[[nodiscard]] std::vector<SafetensorsFixtureTensor> small_mixtral();

/// DeepSeek-V3 in miniature: MLA attention (q_lora 16, kv_lora 6, 2 heads, nope 4, rope 2,
/// v 4), layer 0 dense (MLP 16), layers 1-2 MoE (4 experts and one shared expert of width 4),
/// layer 3 the multi-token-prediction module. Linear weights F8_E4M3, each with an F32
/// weight_scale_inv [1, 1]; norms, embeddings, head and router BF16; router bias F32.
[[nodiscard]] std::vector<SafetensorsFixtureTensor> small_deepseek();

/// A Llama-style decoder's shape, as its config.json gives it.
struct LlamaShape {
  std::uint64_t layers, hidden, heads, kv_heads, head_dim, ffn, vocab;
  bool tied;
};

/// Every tensor of a Llama-style checkpoint of `shape` in `dtype`, at full size (Hugging Face
/// names and shapes: model.embed_tokens, model.layers.N.self_attn.q_proj, ..., lm_head).
[[nodiscard]] std::vector<SafetensorsFixtureTensor> llama_tensors(const LlamaShape& shape,
                                                                 const std::string& dtype);

/// Mixtral-8x7B's tensors (BF16): 32 layers, hidden 4096, 8 kv heads of 128, 8 experts of
/// width 14336 (block_sparse_moe.experts.E.w1/w2/w3), vocab 32000, untied.
[[nodiscard]] std::vector<SafetensorsFixtureTensor> mixtral_8x7b_tensors();

/// DeepSeek-V3's tensors as released: 61 layers (3 dense) plus the MTP layer 61, MLA
/// attention, 256 routed experts of width 2048 and one shared expert, F8_E4M3 linear weights
/// each with an F32 weight_scale_inv per 128 x 128 block, BF16 embeddings, head, norms and
/// routers, F32 router biases (e_score_correction_bias).
[[nodiscard]] std::vector<SafetensorsFixtureTensor> deepseek_v3_fp8_tensors();

/// Writes `tensors` into `shards` files model-S-of-N.safetensors of `folder`, in order, with
/// their model.safetensors.index.json.
void write_sharded(const std::string& folder,
                   const std::vector<SafetensorsFixtureTensor>& tensors, std::size_t shards);

}  // namespace vramcalc::test
