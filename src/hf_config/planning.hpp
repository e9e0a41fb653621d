#pragma once
// The steps from a config object to a ModelSpec (internal header):
//   plan_architecture (dimensions, biases, norms)  -> normalize.cpp
//   plan_attention    (per-layer attention kind, windows, MLA) -> attention_rules.cpp
//   plan_experts      (which layers are MoE, expert shapes)    -> moe_rules.cpp
//   lay_out_tensors   (GGUF-named tensors, per-layer specs, totals) -> tensor_layout.cpp

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hf_config/architecture.hpp"
#include "hf_config/config_keys.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/model.hpp"

namespace vramcalc::hf {

/// Dimensions, biases, norms and embeddings of the text model `keys` describes.
[[nodiscard]] ArchPlan plan_architecture(ConfigKeys& keys, const FamilyTraits& traits,
                                         std::vector<std::string>& notes);

/// Fills plan.layers[i].attention/window, and plan.mla for latent-attention families.
void plan_attention(ConfigKeys& keys, ArchPlan& plan, std::vector<std::string>& notes);

/// Fills plan.layers[i].moe/dense_ffn and plan.moe. `dense_ffn` is the config's MLP width
/// (0 when it has none; then every block must be MoE). Returns the number of DeepSeek
/// multi-token-prediction layers the config lists (not part of the model counted).
std::uint32_t plan_experts(ConfigKeys& keys, ArchPlan& plan, std::uint64_t dense_ffn,
                           std::vector<std::string>& notes);

/// Synthesises every tensor with llama.cpp's GGUF names and fills the ModelSpec's layers,
/// totals, embedding/head split and active parameters. Throws vramcalc::Error (kind file)
/// naming `keys.origin()` when the model exceeds 10^15 parameters.
void lay_out_tensors(const ArchPlan& plan, const ConfigKeys& keys, ModelSpec& model);

/// The facts of a `quantization_config` object.
[[nodiscard]] QuantizationConfig read_quantization(const nlohmann::json& object,
                                                   const ConfigKeys& keys);

}  // namespace vramcalc::hf
