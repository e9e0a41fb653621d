#pragma once
/// Precisions: how weights are stored (`WeightFormat`) and how KV-cache elements are stored
/// (`KvType`). Names are case-insensitive and accept the usual aliases.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc {

/// How a weight format charges bytes for a tensor.
enum class WeightScheme {
  uniform_bits,  ///< idealised: every weight element costs `bits` bits, norms and embeddings too
  as_stored,     ///< each tensor as its file stores it (exact bytes from GGUF/safetensors)
  linear_quant,  ///< linear layers quantized in groups with scales (bitsandbytes, GPTQ, AWQ,
                 ///< FP8, MXFP4, NVFP4); embeddings, head, norms, routers, biases in 16 bits
  ggml_mix,      ///< a llama.cpp file type (Q4_K_M, IQ4_XS, ...): per-tensor ggml types as
                 ///< llama-quantize chooses them (llama_quant.hpp)
};

/// A precision for the model's weights.
struct WeightFormat {
  std::string name;         ///< canonical name, e.g. "fp16", "nf4-dq", "gptq-int4-g128"
  std::string description;  ///< one line for listings
  WeightScheme scheme = WeightScheme::uniform_bits;
  std::uint32_t bits = 16;  ///< storage bits per (quantized) weight element

  // linear_quant only: what the format stores besides the packed weights.
  std::uint32_t group_size = 0;    ///< weights per scale group along the input dimension;
                                   ///< 0: one scale per tensor
  std::uint32_t scale_bits = 0;    ///< bits of each group's scale
  std::uint32_t zero_bits = 0;     ///< bits of each group's zero point (asymmetric formats)
  std::uint32_t scales_per_second_level = 0;  ///< double quantization: scales per fp32 constant
  std::uint32_t row_scale_bits = 0;           ///< a scale per output row (bitsandbytes int8)
  bool input_index = false;        ///< an int32 per input row (GPTQ g_idx)
  bool experts_only = false;       ///< only routed-expert tensors are quantized (gpt-oss MXFP4)
  /// Average thousandths of a bit per quantized weight, scales included, where a format is
  /// sized by a bits-per-weight target rather than a layout (EXL2/EXL3 `-b 4.0`: 4000), or
  /// packs values unevenly (HQQ 3-bit: ten per int32, 3200); 0: `bits`.
  std::uint32_t milli_bits = 0;
  /// The output head quantized at this many thousandths of a bit per weight (EXL2/EXL3
  /// `-hb`); 0: the head stays 16-bit.
  std::uint32_t head_milli_bits = 0;

  // ggml_mix only.
  std::uint32_t llama_ftype = 0;   ///< llama_ftype id (general.file_type)
  std::int32_t pure_ggml_type = -1;  ///< >= 0: every quantized tensor at this ggml type
  std::int32_t output_ggml_type = -1;  ///< >= 0: llama-quantize --output-tensor-type
  std::int32_t embedding_ggml_type = -1;  ///< >= 0: llama-quantize --token-embedding-type

  /// The sizes follow a documented approximation of the format rather than its exact
  /// layout (unsloth's dynamic quants): estimates carry a wider band.
  bool approximate = false;
};

/// The weight format called `name` (case-insensitive; aliases such as "half", "bfloat16",
/// "e4m3"), or nullptr when there is none. Besides the listed names, families with a number
/// in the name are accepted with any valid number: gptq-int4-g64 (and -act-order),
/// awq-int4-g32, exl2-4.0 / exl2-4.65-h8, exl3-3.5, hqq-int4-g64, autoround-int4-g128,
/// torchao-int4-g64, bnb-int8-t6.0. The pointer stays valid for the program's life.
[[nodiscard]] const WeightFormat* find_weight_format(std::string_view name);

/// An accepted spelling close to `name`, for "did you mean": one that reads the same without
/// separators ("q4km" -> "q4_k_m"), one it begins ("q8" -> "q8_0"), else the nearest by edit
/// distance; nullopt when none is near. Whatever it returns, find_weight_format accepts.
[[nodiscard]] std::optional<std::string> suggest_weight_format(std::string_view name);

/// The format that keeps every tensor as the model file stores it.
[[nodiscard]] const WeightFormat& as_stored_format();

/// Canonical names of every weight format, for listings and "did you mean".
/// (as-stored is not listed: it is the default for model files, not a choice.)
[[nodiscard]] std::vector<std::string> weight_format_names();

/// Every accepted spelling (canonical names and aliases), for "did you mean".
[[nodiscard]] std::vector<std::string> weight_format_spellings();

/// Bytes for `elements` weights stored as `format` when nothing more is known of the tensors:
/// ceil(elements * bits / 8).
[[nodiscard]] std::uint64_t uniform_weight_bytes(const WeightFormat& format, std::uint64_t elements);

/// A storage type for KV-cache elements. Block formats (ggml q8_0, q4_0, ...) store
/// `block_elements` values in `block_bytes` bytes; plain types have block_elements == 1.
struct KvType {
  std::string_view name;          ///< canonical name, e.g. "f16", "q8_0"
  std::uint32_t block_elements;   ///< elements per block
  std::uint32_t block_bytes;      ///< bytes per block
  std::string_view description;
};

/// The KV type called `name` (case-insensitive; "fp16", "float16", "half", "fp8", "e4m3",
/// "int8", "q8_0", ...), or nullptr.
[[nodiscard]] const KvType* find_kv_type(std::string_view name);

/// Canonical names of every KV type.
[[nodiscard]] std::vector<std::string> kv_type_names();

/// Bytes for one row of `elements` values: ceil(elements / block) * block_bytes.
/// Source: ggml `ggml_row_size` (ggml/src/ggml.c), which requires whole blocks; a partial
/// trailing block is charged as a whole block here.
[[nodiscard]] std::uint64_t kv_row_bytes(const KvType& type, std::uint64_t elements);

/// The default KV type (f16: 16-bit, as every engine profiled here defaults to).
[[nodiscard]] const KvType& default_kv_type();

}  // namespace vramcalc
