#pragma once
/// What each tensor costs under a weight format: the per-tensor rules of real quantization
/// formats (which tensors are quantized, what scales and indexes they carry).

#include <cstdint>

#include <optional>
#include <string>

#include "vramcalc/dtype.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/model.hpp"

namespace vramcalc {

/// True when `format` quantizes a tensor of `role` (linear layers; for experts-only formats
/// the routed experts alone). Embeddings, the output head, norms, biases, routers and
/// recurrent-state tensors stay in 16 bits.
[[nodiscard]] bool quantizes(const WeightFormat& format, TensorRole role);

/// Bytes of `tensor` stored as `format`: its file bytes for as_stored; ceil(elements x bits /
/// 8) for uniform formats; for linear_quant formats the packed weights plus group scales,
/// zeros, second-level constants, row scales and input indexes, or 16 bits per element when
/// the tensor is not quantized. Shapes are innermost-first (shape[0] = input features).
[[nodiscard]] std::uint64_t tensor_weight_bytes(const WeightFormat& format,
                                                const TensorInfo& tensor);

/// Bits per weight of a linear layer `in_features` wide under `format` (for models without a
/// tensor list; 16 for formats that do not quantize).
[[nodiscard]] double linear_bits_per_weight(const WeightFormat& format, std::uint64_t in_features);

/// The weight format a checkpoint's `quantization_config` describes (GPTQ and AWQ with their
/// bits and group size, bitsandbytes 4/8-bit with or without double quantization, FP8 per
/// tensor or in blocks, MXFP4 on the experts as gpt-oss ships it, NVFP4), or nullopt for a
/// method vramcalc does not model (the weights are then costed at the config's dtype).
[[nodiscard]] std::optional<WeightFormat> weight_format_for(const QuantizationConfig& config);

}  // namespace vramcalc
