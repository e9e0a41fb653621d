#pragma once
// Pieces of the GGUF model builder (internal): what a tensor name says, and the per-layer
// description built from the metadata.

#include <cstdint>
#include <string_view>
#include <vector>

#include "gguf/gguf_metadata.hpp"
#include "vramcalc/model.hpp"

namespace vramcalc::gguf {

/// What llama.cpp's tensor name says about a tensor (names: llama.cpp src/llama-arch.cpp
/// LLM_TENSOR_NAMES, e.g. "blk.%d.attn_q", "blk.%d.ffn_up_exps").
struct TensorClass {
  TensorRole role = TensorRole::other;
  std::int32_t layer = -1;  ///< N of "blk.N.", -1 outside the blocks
  bool expert = false;      ///< a routed expert tensor (`*_exps`, or legacy `ffn_up.E`)
};

/// Classifies a tensor by name.
[[nodiscard]] TensorClass classify_tensor(std::string_view name);

/// What the tensor table says about one block.
struct BlockTensors {
  std::uint64_t params = 0;             ///< elements of every tensor of the block
  bool has_experts = false;             ///< the block holds routed-expert tensors
  std::uint64_t expert_ffn = 0;         ///< width of one expert (ne[1] of ffn_up/gate_exps)
  std::uint64_t shared_expert_ffn = 0;  ///< width of the shared experts (ne[1] of ffn_up_shexp)
};

/// The layers of the model, from the metadata (llama.cpp load_hparams) and the tensor facts:
/// attention kind, heads, head sizes, window, latent size, recurrent state, MLP width, MoE.
/// `blocks` has one entry per layer. Throws vramcalc::Error (kind file) naming the key at
/// fault.
[[nodiscard]] std::vector<LayerSpec> build_layers(const Metadata& metadata, std::uint32_t hidden,
                                                  const std::vector<BlockTensors>& blocks);

}  // namespace vramcalc::gguf
