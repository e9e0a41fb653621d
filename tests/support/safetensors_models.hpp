#pragma once
// Small checkpoints of real model families for tests and fuzz seeds: the tensor names and
// shapes each family's Hugging Face checkpoints use, at toy sizes (hidden 8, vocab 10).

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

}  // namespace vramcalc::test
