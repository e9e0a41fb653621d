#pragma once
/// llama.cpp's file types (llama_ftype: Q4_K_M, Q8_0, IQ4_XS, ...) as llama-quantize builds
/// them: which ggml type each tensor gets. A Q4_K_M file is not "4.5 bits everywhere": some
/// attn_v and ffn_down tensors get Q6_K, the output head Q6_K, norms stay F32, and tensors whose
/// rows do not fill whole 256-blocks fall back to another type.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "vramcalc/model.hpp"

namespace vramcalc {

/// One llama_ftype (llama.h; gguf-py LlamaFileType).
struct LlamaFileType {
  std::uint32_t id = 0;             ///< the value stored in general.file_type
  std::string_view name;            ///< upper case, e.g. "Q4_K_M"
  std::uint32_t default_type = 0;   ///< ggml type of most quantized tensors
};

/// Every file type llama-quantize can produce (not F32/F16/BF16), in id order.
[[nodiscard]] const std::vector<LlamaFileType>& llama_file_types();

/// The file type called `name` (case-insensitive, "q4_k_m"), or nullptr.
[[nodiscard]] const LlamaFileType* find_llama_file_type(std::string_view name);

/// llama-quantize's command-line choices beside the file type.
struct QuantizeChoices {
  /// --pure: every quantized tensor at this ggml type instead of the mix rules (shape
  /// fallbacks still apply).
  std::optional<std::uint32_t> pure_type;
  /// --output-tensor-type: the output head (or, without one, the tied token embeddings).
  std::optional<std::uint32_t> output_type;
  /// --token-embedding-type: the token embeddings.
  std::optional<std::uint32_t> token_embedding_type;
};

/// The ggml type id llama-quantize gives each of `model.tensors` (same order) when it
/// quantizes the model to `ftype` without an importance matrix. Tensors it does not quantize
/// keep their stored type, or, for a model without stored types (from a config), the type
/// convert_hf_to_gguf.py writes: F32 for 1-D tensors, routers and SSM conv kernels, F16 else.
[[nodiscard]] std::vector<std::uint32_t> llama_quantize_types(const ModelSpec& model,
                                                              const LlamaFileType& ftype,
                                                              const QuantizeChoices& choices = {});

}  // namespace vramcalc
