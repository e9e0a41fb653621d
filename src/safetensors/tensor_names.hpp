#pragma once
// What a Hugging Face tensor name says about the tensor (internal header): its role, its
// block, whether it belongs to the routed experts, and whether it is a parameter at all.

#include <cstdint>
#include <string>
#include <string_view>

#include "vramcalc/model.hpp"

namespace vramcalc::safetensors {

/// How a tensor counts towards the parameters.
enum class TensorKind {
  parameter,   ///< a weight, bias or norm: its elements are parameters (packed ones hold more)
  quant_side,  ///< quantization metadata (scales, zeros, group indices): bytes, no parameters
  buffer,      ///< stored state that is not a parameter (GPT-2's attn.bias mask, inv_freq)
};

/// A tensor name taken apart.
struct TensorName {
  TensorRole role = TensorRole::other;
  /// Block index (the number after "layers", "h", "blocks" or "layer"); -1 outside the blocks
  /// and in vision/audio towers. Numbers past 2^31 saturate at 2^31.
  std::int64_t layer = -1;
  bool routed_expert = false;  ///< inside "experts" and not a shared expert
  /// Routed expert number (the number after "experts"); -1 when none is named (fused expert
  /// tensors, or not an expert). Numbers past 2^31 saturate at 2^31.
  std::int64_t expert = -1;
  TensorKind kind = TensorKind::parameter;
  /// The module the tensor belongs to: the name without its last part ("weight", "qweight",
  /// "scales", ...), or the whole name when the last part is the module (fused expert tensors).
  std::string module;
  /// The last part: "weight", "bias", "qweight", "weight_packed", "scales", "g_idx",
  /// "weight_scale_inv", "blocks" (MXFP4 *_blocks), "weight.absmax", ...; empty when the name
  /// ends with the module itself.
  std::string leaf;
};

/// Takes `name` apart. Spellings of llama, mistral, mixtral, qwen2(-moe), deepseek-v2/v3
/// (MLA), phi-2/3, gpt2, gpt-neox, falcon, bloom, opt, gpt-oss, mamba and the original Llama
/// and Mistral checkpoints; anything else is role `other`, a parameter.
[[nodiscard]] TensorName classify_tensor_name(std::string_view name);

}  // namespace vramcalc::safetensors
