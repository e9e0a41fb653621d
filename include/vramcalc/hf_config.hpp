#pragma once
/// Hugging Face `config.json` reader: turns a model's configuration into an exact ModelSpec,
/// every weight tensor synthesised with llama.cpp's GGUF names and shapes, so that the
/// parameter count equals the released checkpoint's tensor for tensor.
///
/// Families read (model_type): llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe,
/// gemma, gemma2, gemma3_text, phi3, cohere, deepseek_v2, deepseek_v3, gpt_oss, llama4_text,
/// falcon, gpt2, gpt_neox, opt; multimodal wrappers (gemma3, llama4, mistral3, llava, ...)
/// through their nested `text_config`. An unknown model_type is read with Llama-style keys
/// and says so in `notes`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vramcalc/model.hpp"

namespace vramcalc {

/// What a `quantization_config` says about a pre-quantized checkpoint. A config stores no
/// bytes: these facts let a later step cost the stored weights (src/hf_config/quantization.cpp).
struct QuantizationConfig {
  std::string method;                 ///< quant_method: "gptq", "awq", "fp8", "mxfp4", ...
  std::optional<std::uint32_t> bits;  ///< weight bits: `bits`, bitsandbytes load_in_4bit/8bit,
                                      ///< 8 for fp8, 4 for mxfp4; empty when not stated
  std::optional<std::uint32_t> group_size;  ///< `group_size` (GPTQ/AWQ; -1 per channel -> 0)
  std::string format;  ///< `fmt` (fp8: "e4m3"), `bnb_4bit_quant_type` ("nf4"), `version`
  std::vector<std::uint32_t> weight_block_size;  ///< fp8 block scaling, e.g. {128, 128}
  bool double_quant = false;          ///< bitsandbytes `bnb_4bit_use_double_quant`
  /// Modules left unquantized: `modules_to_not_convert`, `ignored_layers`, `ignore`,
  /// `llm_int8_skip_modules` (patterns as the config writes them).
  std::vector<std::string> unquantized_modules;
  std::string raw_json;               ///< the whole object, compact, for anything else
};

/// Everything read from one config.
struct HfConfigReading {
  ModelSpec model;                    ///< source hf_config, tensors synthesised, no stored bytes
  std::string model_type;             ///< top-level model_type ("" when the config has none)
  std::string text_model_type;        ///< the family counted (a wrapper's text_config's type)
  std::optional<QuantizationConfig> quantization;  ///< when the config has quantization_config
  std::uint32_t excluded_mtp_layers = 0;  ///< DeepSeek num_nextn_predict_layers, not counted
  /// What was assumed, defaulted or skipped, one sentence each (an unknown family, a key
  /// taken from the family's default, a vision tower left out, MTP layers left out).
  std::vector<std::string> notes;
};

/// Largest config.json read, bytes: 1 MiB. Published configs are a few KiB (DeepSeek-V3:
/// 1.7 KiB); the cap leaves room for anything legitimate and bounds what a hostile one costs.
inline constexpr std::uint64_t k_max_config_json_bytes = 1ULL * 1024 * 1024;

/// Reads a config.json document. `origin` names it in messages (a path, a catalog id).
/// Throws vramcalc::Error (kind file) naming the key and `origin` when the document is not
/// JSON, a required key is missing, a key has the wrong type or an absurd value, or the keys
/// contradict each other (heads not divisible by kv heads, layer_types of the wrong length).
[[nodiscard]] HfConfigReading read_hf_config(std::string_view json_text, const std::string& origin);

/// read_hf_config(...).model.
[[nodiscard]] ModelSpec model_from_hf_config(std::string_view json_text, const std::string& origin);

/// Reads `path`: a config.json file, a folder holding one, a pipe (`<(curl ...)`) or "-" for
/// standard input (see read_text_input). Throws vramcalc::Error (kind file) when it cannot be
/// read, is a device, socket or FIFO without a writer, is larger than 1 MiB, or is malformed
/// (as read_hf_config).
[[nodiscard]] HfConfigReading read_hf_config_file(const std::string& path);

/// read_hf_config_file(path).model.
[[nodiscard]] ModelSpec load_hf_config(const std::string& path);

/// The precision a `torch_dtype`/`dtype` string names, in vramcalc's spelling: "bfloat16" ->
/// "bf16", "float16"/"half" -> "fp16", "float32"/"float" -> "fp32"; empty when it names none.
[[nodiscard]] std::optional<std::string> native_dtype_name(std::string_view torch_dtype);

}  // namespace vramcalc
